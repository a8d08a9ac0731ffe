// restart_bench: what a restart of taizhangd costs, in time and memory, as
// the history grows and the live state does not: a city (bench/city.h) of
// 2,500 projects and 50,000 tasks, built in-process through the workflows'
// commands, served by taizhangd after its first week (about 120,000 events)
// and again after its 26th (about 1.2 million: every task has reported every
// week since). At each size:
//   1. the first start replays the whole log (the log holds no checkpoint);
//   2. the start after a clean stop reads the checkpoint the stop wrote and
//      replays nothing after it;
//   3. memory: the server's resident set after each start.
// Beside them, in the same run, the start of taizhangd on an empty log.
// Targets (each judged on this run's figures): a start at 1M events within
// 1 s and within 1.5x the start at 100k; 1M events over 50k tasks in at most
// 150 MB resident.
//
//   build/bench/restart_bench [--scale 1.0]   (--scale 0.1: a tenth of the city)
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/city.h"
#include "bench/processes.h"
#include "store/event_log.h"
#include "workflows/ledger.h"

namespace taizhang::bench {
namespace {

using Stopwatch = std::chrono::steady_clock;

struct Start {
  double seconds = 0;
  int64_t rss_kb = 0;
  bool ok = false;
};

// Starts taizhangd on `dir` (manual clock from the city's last record), waits
// for it to listen, reads its resident set, and stops it with SIGTERM (a
// clean stop, which writes a checkpoint).
Start StartServer(const std::string& dir, const std::string& log_file) {
  Start out;
  const auto begin = Stopwatch::now();
  auto child = Spawn(
      {TAIZHANGD_PATH, "--listen", "127.0.0.1:0", "--data-dir", dir, "--policies-dir",
       TAIZHANG_POLICIES_DIR, "--clock", "manual", "--start", "2019-01-01", "--log-level", "info"},
      log_file);
  if (!child.has_value()) return out;
  out.seconds = std::chrono::duration<double>(Stopwatch::now() - begin).count();
  // What it holds once serving (the allocator may still return memory).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  out.rss_kb = ProcessStatus(child->pid, "VmRSS");
  Stop(*child);
  out.ok = true;
  return out;
}

struct Size {
  std::string name;
  CityOptions city;
  uint64_t events = 0;
  size_t tasks = 0;
  Start replay, checkpoint, again;
};

// Builds the city in `dir` with checkpoints off, so that the log holds none
// (from its first_week, on a log that holds the weeks before).
bool Build(const std::string& dir, Size* size) {
  ManualClock clock(absl::FromCivil(absl::CivilDay(size->city.year, 1, 1), engine::ChinaTime()));
  auto log = store::OpenEventLog(dir, clock);
  if (log.ok() && (*log)->HeadPosition() > 0) {
    auto last = (*log)->ReadAll((*log)->HeadPosition(), 1);
    if (last.ok() && !last->empty()) {
      clock.AdvanceTo(absl::FromUnixMicros((*last)[0].record.recorded_at_us()));
    }
  }
  if (!log.ok()) return false;
  workflows::LedgerOptions options;
  options.policies_dir = TAIZHANG_POLICIES_DIR;
  options.checkpoints = false;
  auto ledger = workflows::Ledger::Open(**log, clock, options);
  if (!ledger.ok() || !(*ledger)->Start().ok()) return false;
  const auto begin = Stopwatch::now();
  auto built = BuildCity(**ledger, clock, size->city);
  if (!built.ok()) {
    std::fprintf(stderr, "restart_bench: %s\n", std::string(built.status().message()).c_str());
    return false;
  }
  size->events = (*log)->HeadPosition();
  size->tasks = (*ledger)->workflow<workflows::Task>().projection().size();
  std::printf("  built %-5s %9llu events, %6zu tasks, %d projects in %.0f s\n", size->name.c_str(),
              static_cast<unsigned long long>(size->events), size->tasks, size->city.projects,
              std::chrono::duration<double>(Stopwatch::now() - begin).count());
  return true;
}

void Print(const char* what, const Start& s) {
  std::printf("    %-40s %7.3f s  %6lld MB resident\n", what, s.seconds,
              static_cast<long long>(s.rss_kb / 1024));
}

int Main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  double scale = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--scale") absl::SimpleAtod(argv[i + 1], &scale);
  }
  const auto root = std::filesystem::temp_directory_path() /
                    absl::StrCat("tz_restart_bench_", getpid(), "_", std::random_device()());
  std::filesystem::create_directories(root);
  std::printf("restart_bench: taizhangd started on cities of two sizes\n");

  Start empty = StartServer((root / "empty").string(), (root / "empty.log").string());
  // One city: its first week, then (on a copy made before any server
  // started on it, so that it holds no checkpoint) the weeks up to the 26th.
  std::vector<Size> sizes(2);
  sizes[0].name = "100k";
  sizes[0].city.weeks = 1;
  sizes[1].name = "1M";
  sizes[1].city.first_week = 1;
  sizes[1].city.weeks = 26;
  for (Size& s : sizes) {
    s.city.projects = std::max(1, static_cast<int>(2500 * scale));
    s.city.tasks_per_project = 20;
  }
  for (Size& s : sizes) {
    const std::string dir = (root / s.name).string();
    if (&s != &sizes[0]) {
      std::filesystem::copy(root / "100k-built", dir, std::filesystem::copy_options::recursive);
    }
    if (!Build(dir, &s)) return 1;
    if (&s == &sizes[0]) {
      std::filesystem::copy(dir, root / "100k-built", std::filesystem::copy_options::recursive);
    }
    s.replay = StartServer(dir, (root / (s.name + "-1.log")).string());
    s.checkpoint = StartServer(dir, (root / (s.name + "-2.log")).string());
    s.again = StartServer(dir, (root / (s.name + "-3.log")).string());
    if (!s.replay.ok || !s.checkpoint.ok || !s.again.ok) return 1;
  }

  std::printf("\n  start of taizhangd, from the fork to 'listening on':\n");
  Print("empty log", empty);
  for (const Size& s : sizes) {
    std::printf("  %s events (%llu), %zu tasks:\n", s.name.c_str(),
                static_cast<unsigned long long>(s.events), s.tasks);
    Print("replaying the whole log (no checkpoint)", s.replay);
    Print("from the checkpoint of the last stop", s.checkpoint);
    Print("again", s.again);
  }
  const Size& small = sizes[0];
  const Size& large = sizes[1];
  auto best = [](const Size& s) { return std::min(s.checkpoint.seconds, s.again.seconds); };
  auto least = [](const Size& s) { return std::min(s.checkpoint.rss_kb, s.again.rss_kb); };
  const double ratio = best(large) / best(small);
  const double mb = least(large) / 1024.0;
  std::printf("\n  targets, judged on this run:\n");
  std::printf("    start at %s within 1 s: %.3f s  %s\n", large.name.c_str(), best(large),
              best(large) <= 1.0 ? "met" : "NOT MET");
  std::printf("    start at %s within 1.5x the start at %s: %.2fx  %s\n", large.name.c_str(),
              small.name.c_str(), ratio, ratio <= 1.5 ? "met" : "NOT MET");
  std::printf("    %s events over %zu tasks within 150 MB resident: %.0f MB  %s\n",
              large.name.c_str(), large.tasks, mb, mb <= 150 ? "met" : "NOT MET");
  std::printf(
      "    (a start after a crash replays at most --checkpoint-every events after the\n"
      "     latest checkpoint: the whole-log replay at %s above is that cost at 100k)\n",
      small.name.c_str());
  std::filesystem::remove_all(root);
  return 0;
}

}  // namespace
}  // namespace taizhang::bench

int main(int argc, char** argv) { return taizhang::bench::Main(argc, argv); }
