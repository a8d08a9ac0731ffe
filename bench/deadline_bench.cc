// Deadline index and scheduler benchmark.
//
// Prints, measured in this run:
//   1. memory of 1,000,000 pending deadlines with 40-byte keys, as allocated
//      bytes (malloc's own count) and resident-set growth, against the 200 MB
//      limit as a ratio;
//   2. ns per Set (add), Set (move), Remove and popped entry at 1k, 100k and 1M
//      entries, at a steady size, with the growth from 1k to 1M beside
//      log2(n) growth, to show the costs are O(log n);
//   3. a backlog of 100,000 deadlines falling due at once on a manual clock:
//      how long firing takes, and how long Set calls from another thread wait
//      meanwhile (no starvation).
//
// Usage: deadline_bench [--quick]   (--quick: fewer repetitions)
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "engine/deadline_index.h"
#include "engine/deadline_scheduler.h"

namespace taizhang::engine {
namespace {

constexpr double kLimitMB = 200.0;
const absl::Time kT0 = absl::FromUnixSeconds(1700000000);
constexpr int64_t kWindowUs = int64_t{30} * 24 * 3600 * 1000000;  // dues within 30 days

using Stopwatch = std::chrono::steady_clock;

double NsSince(Stopwatch::time_point start, size_t ops) {
  return std::chrono::duration<double, std::nano>(Stopwatch::now() - start).count() /
         static_cast<double>(ops);
}

// A 40-byte key shaped like the engine's: "case/2024-530115-47-01-123456#item/4#due".
std::string KeyFor(int i) {
  return absl::StrFormat("case/2024-530115-47-01-%06d#item/%d#due", i % 1000000, i / 1000000);
}

// Bytes handed out by malloc: small chunks (uordblks) plus mmapped large ones
// (hblkhd), such as the index's big arrays.
size_t MallocInUse() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

size_t VmRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

double MB(size_t bytes) { return static_cast<double>(bytes) / 1e6; }

void MemoryOfOneMillion(const std::vector<std::string>& keys) {
  std::mt19937_64 rng(1);
  malloc_trim(0);
  const size_t heap_before = MallocInUse();
  const size_t rss_before = VmRssBytes();
  auto index = std::make_unique<DeadlineIndex>();
  for (const std::string& k : keys) {
    index->Set(k, kT0 + absl::Microseconds(static_cast<int64_t>(rng() % kWindowUs)));
  }
  const size_t heap = MallocInUse() - heap_before;
  const size_t rss = VmRssBytes() - rss_before;
  const size_t estimate = index->MemoryUsageBytes();
  const double worst = std::max(MB(heap), MB(rss));
  absl::PrintF("1. Memory of %zu pending deadlines (keys of %zu bytes)\n", index->size(),
               keys[0].size());
  absl::PrintF("   allocated (mallinfo2)   %7.1f MB  (%5.1f bytes/entry)\n", MB(heap),
               static_cast<double>(heap) / index->size());
  absl::PrintF("   resident growth (VmRSS) %7.1f MB\n", MB(rss));
  absl::PrintF("   MemoryUsageBytes()      %7.1f MB  (the index's own estimate)\n", MB(estimate));
  absl::PrintF("   limit %.0f MB: used / limit = %.2f  -> %s\n\n", kLimitMB, worst / kLimitMB,
               worst < kLimitMB ? "PASS" : "FAIL");
}

struct OpCosts {
  double add = 0, move = 0, remove = 0, pop = 0, pop_tied = 0;
};

// Costs at a steady size n: each measured round touches k = n/10 entries (at
// most 10,000) and restores the size before the next.
OpCosts CostsAt(size_t n, const std::vector<std::string>& keys, int rounds) {
  std::mt19937_64 rng(n);
  auto random_due = [&] {
    return kT0 + absl::Microseconds(static_cast<int64_t>(rng() % kWindowUs));
  };
  DeadlineIndex index;
  for (size_t i = 0; i < n; ++i) index.Set(keys[i], random_due());
  const size_t k = std::min<size_t>(n / 10, 10000);
  OpCosts c;
  std::vector<size_t> picks(k);
  for (int r = 0; r < rounds; ++r) {
    for (size_t& p : picks) p = rng() % n;
    std::sort(picks.begin(), picks.end());
    picks.erase(std::unique(picks.begin(), picks.end()), picks.end());
    std::vector<absl::Time> dues(picks.size());
    for (absl::Time& d : dues) d = random_due();

    auto t = Stopwatch::now();
    for (size_t i = 0; i < picks.size(); ++i) index.Set(keys[picks[i]], dues[i]);
    c.move += NsSince(t, picks.size());

    t = Stopwatch::now();
    for (size_t p : picks) index.Remove(keys[p]);
    c.remove += NsSince(t, picks.size());

    t = Stopwatch::now();
    for (size_t i = 0; i < picks.size(); ++i) index.Set(keys[picks[i]], dues[i]);
    c.add += NsSince(t, picks.size());

    // Pop the earliest k in batches of 256 (as the scheduler does), then put
    // them back (not timed).
    std::vector<Deadline> popped;
    t = Stopwatch::now();
    while (popped.size() < k) {
      std::vector<Deadline> batch =
          index.PopDue(absl::InfiniteFuture(), std::min<size_t>(256, k - popped.size()));
      for (Deadline& d : batch) popped.push_back(std::move(d));
    }
    c.pop += NsSince(t, popped.size());
    for (const Deadline& d : popped) index.Set(d.key, random_due());
  }
  // Everything due at one instant: ties are ordered by key.
  {
    DeadlineIndex tied;
    for (size_t i = 0; i < n; ++i) tied.Set(keys[(i * 7919) % n], kT0);
    auto t = Stopwatch::now();
    size_t popped = 0;
    while (popped < k) popped += tied.PopDue(kT0, 256).size();
    c.pop_tied = NsSince(t, popped);
  }
  c.add /= rounds;
  c.move /= rounds;
  c.remove /= rounds;
  c.pop /= rounds;
  return c;
}

void OperationCosts(const std::vector<std::string>& keys, int rounds) {
  constexpr int kSizes = 4;
  const size_t sizes[kSizes] = {1000, 10000, 100000, 1000000};
  OpCosts costs[kSizes];
  for (int i = 0; i < kSizes; ++i) costs[i] = CostsAt(sizes[i], keys, rounds);
  absl::PrintF("2. Index operation cost, ns per operation at a steady size\n");
  absl::PrintF("   %-12s %8s %8s %8s %8s\n", "entries", "1k", "10k", "100k", "1M");
  auto row = [&](const char* name, double OpCosts::*field) {
    absl::PrintF("   %-12s %8.0f %8.0f %8.0f %8.0f   1M/1k = %4.1fx\n", name, costs[0].*field,
                 costs[1].*field, costs[2].*field, costs[3].*field,
                 costs[3].*field / costs[0].*field);
  };
  row("Set (add)", &OpCosts::add);
  row("Set (move)", &OpCosts::move);
  row("Remove", &OpCosts::remove);
  row("PopDue", &OpCosts::pop);
  row("PopDue tied", &OpCosts::pop_tied);
  absl::PrintF(
      "   (PopDue: per entry popped, in batches of 256; tied: all due at one instant,\n"
      "   ordered by key.) From 1k to 1M entries log2(n) grows %.1fx and a linear cost\n"
      "   would grow 1000x; the growth beyond log2(n) is cache misses: 1k entries sit in\n"
      "   L1/L2, 1M (~90 MB) in DRAM.\n\n",
      std::log2(1e6) / std::log2(1e3));
}

void Backlog() {
  constexpr int kBacklog = 100000;
  ManualClock clock(kT0);
  absl::Mutex log_mu;  // stands for the log's writer
  int64_t appended = 0;
  std::atomic<int> handled{0};
  DeadlineScheduler scheduler(clock, [&](const std::string&, absl::Time) {
    absl::MutexLock l(&log_mu);
    ++appended;
    ++handled;
    return absl::OkStatus();
  });
  for (int i = 0; i < kBacklog; ++i) {
    (void)scheduler.Set(KeyFor(i), kT0 + absl::Seconds(1));
  }
  (void)scheduler.Start();

  std::vector<double> waits_us;
  std::atomic<bool> fire{false};
  std::thread commands([&] {
    while (!fire) std::this_thread::yield();
    for (int i = 0; handled < kBacklog; ++i) {
      auto t = Stopwatch::now();
      {
        absl::MutexLock l(&log_mu);
        ++appended;
      }
      (void)scheduler.Set(absl::StrCat("command/", i % 64), kT0 + absl::Hours(1));
      waits_us.push_back(NsSince(t, 1) / 1000);
      std::this_thread::sleep_for(std::chrono::microseconds(20));  // a command's other work
    }
  });
  auto t = Stopwatch::now();
  fire = true;
  clock.Advance(absl::Seconds(1));
  const double advance_us = NsSince(t, 1) / 1000;
  scheduler.WaitIdle();
  const double drain_ms = NsSince(t, 1) / 1e6;
  commands.join();
  std::sort(waits_us.begin(), waits_us.end());
  auto pct = [&](double p) {
    return waits_us.empty() ? 0.0 : waits_us[static_cast<size_t>(p * (waits_us.size() - 1))];
  };
  absl::PrintF("3. %d deadlines due at once (manual clock, 1 firing thread, batches of 256)\n",
               kBacklog);
  absl::PrintF("   ManualClock::Advance returned after %.0f us (it only wakes the firing thread)\n",
               advance_us);
  absl::PrintF("   all fired in %.1f ms (%.0f ns each)\n", drain_ms, drain_ms * 1e6 / kBacklog);
  absl::PrintF(
      "   meanwhile another thread did %zu command appends (log lock + Set):\n"
      "   wait p50 %.1f us, p99 %.1f us, max %.1f us  (vs. %.1f ms to drain)\n",
      waits_us.size(), pct(0.5), pct(0.99), pct(1.0), drain_ms);
}

}  // namespace
}  // namespace taizhang::engine

int main(int argc, char** argv) {
  using namespace taizhang::engine;
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  std::vector<std::string> keys;
  keys.reserve(1000000);
  for (int i = 0; i < 1000000; ++i) keys.push_back(KeyFor(i));
  MemoryOfOneMillion(keys);
  OperationCosts(keys, quick ? 3 : 10);
  Backlog();
  return 0;
}
