#include "reports/pdf.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"

extern char** environ;

namespace taizhang::reports {
namespace {

namespace fs = std::filesystem;

// A private directory, removed with its contents when destroyed.
class PrivateDir {
 public:
  static absl::StatusOr<PrivateDir> Make() {
    std::error_code ec;
    fs::path base = fs::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string pattern = (base / "taizhang-pdf-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("cannot make a temporary directory under ",
                                              base.string(), ": ", std::strerror(errno)));
    }
    return PrivateDir(pattern);
  }
  PrivateDir(PrivateDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ~PrivateDir() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit PrivateDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Executable(const fs::path& p) { return access(p.c_str(), X_OK) == 0 && !fs::is_directory(p); }

struct RunResult {
  bool timed_out = false;
  int exit_code = -1;  // -signal when killed
};

// Runs argv with stdout and stderr to `output`, in its own process group.
// The clock Chromium's timeout is measured on: the one given, else the
// system's (a process-wide one, made on first use).
const Clock& IntervalClock(const PdfOptions& options) {
  if (options.clock != nullptr) return *options.clock;
  return SharedSystemClock();
}

absl::StatusOr<RunResult> Run(const std::vector<std::string>& argv, const std::string& output,
                              absl::Duration timeout, const Clock& clock) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot start ", argv[0], ": ", std::strerror(spawned)));
  }
  // Measured on the monotonic clock: an interval, not a time of record.
  const absl::Duration deadline = clock.Monotonic() + timeout;
  RunResult result;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      break;
    }
    if (done < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
    }
    if (clock.Monotonic() >= deadline) {
      kill(-pid, SIGKILL);  // the whole group: Chromium's own children too
      waitpid(pid, &status, 0);
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Whatever Chromium left running in its group (a zygote) goes with it.
  kill(-pid, SIGKILL);
  return result;
}

std::string Tail(const std::string& text, size_t n = 600) {
  std::string t(absl::StripTrailingAsciiWhitespace(text));
  return t.size() <= n ? t : "…" + t.substr(t.size() - n);
}

}  // namespace

absl::StatusOr<std::string> FindChromium(const PdfOptions& options) {
  std::vector<std::string> names;
  if (!options.chromium.empty()) {
    names.push_back(options.chromium);
  } else {
    names = {"chromium", "chromium-browser", "google-chrome"};
  }
  for (const std::string& name : names) {
    if (name.find('/') != std::string::npos) {
      if (Executable(name)) return fs::absolute(name).string();
      continue;
    }
    const char* path = std::getenv("PATH");
    for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
      if (dir.empty()) continue;
      const fs::path candidate = fs::path(std::string(dir)) / name;
      if (Executable(candidate)) return candidate.string();
    }
  }
  return absl::UnavailableError(absl::StrCat(
      "no Chromium to print PDFs with (looked for ",
      options.chromium.empty() ? "chromium, chromium-browser, google-chrome on PATH"
                               : options.chromium,
      "); install Debian's chromium and fonts-noto-cjk, or configure reports.chromium"));
}

absl::StatusOr<std::string> ChromiumVersion(const PdfOptions& options) {
  auto binary = FindChromium(options);
  if (!binary.ok()) return binary.status();
  auto dir = PrivateDir::Make();
  if (!dir.ok()) return dir.status();
  const std::string output = dir->path() + "/version.txt";
  auto run = Run({*binary, "--version"}, output, options.timeout, IntervalClock(options));
  if (!run.ok()) return run.status();
  const std::string text = ReadAll(output);
  if (run->timed_out || run->exit_code != 0) {
    return absl::UnavailableError(absl::StrCat(*binary, " --version failed: ", Tail(text)));
  }
  // Debian's wrapper script may print a shell warning first: the line that
  // names Chromium.
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.find("Chromium") != absl::string_view::npos ||
        line.find("Chrome") != absl::string_view::npos) {
      return std::string(absl::StripAsciiWhitespace(line));
    }
  }
  return std::string(absl::StripAsciiWhitespace(text));
}

namespace {

// Chromium is a large process: at most kMaxPrinting print at once, whoever
// asks, so that callers cannot start one each and starve the machine.
constexpr int kMaxPrinting = 2;
absl::Mutex printing_mu(absl::kConstInit);
int printing ABSL_GUARDED_BY(printing_mu) = 0;

// Holds a printing slot for its life; `ok()` false when none came free in
// time.
class PrintingSlot {
 public:
  explicit PrintingSlot(absl::Duration wait) {
    absl::MutexLock lock(&printing_mu);
    auto free = [] {
      printing_mu.AssertHeld();
      return printing < kMaxPrinting;
    };
    held_ = printing_mu.AwaitWithTimeout(absl::Condition(&free), wait);
    if (held_) ++printing;
  }
  ~PrintingSlot() {
    if (!held_) return;
    absl::MutexLock lock(&printing_mu);
    --printing;
  }
  bool ok() const { return held_; }

 private:
  bool held_ = false;
};

}  // namespace

absl::StatusOr<std::string> HtmlToPdf(std::string_view html, const PdfOptions& options) {
  PrintingSlot slot(options.wait_for_slot);
  if (!slot.ok()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("already printing ", kMaxPrinting,
                     " documents; try again shortly (the PDF is made by Chromium, one at a "
                     "time per slot)"));
  }
  auto binary = FindChromium(options);
  if (!binary.ok()) return binary.status();
  auto dir = PrivateDir::Make();
  if (!dir.ok()) return dir.status();
  const std::string input = dir->path() + "/in.html";
  const std::string pdf = dir->path() + "/out.pdf";
  const std::string output = dir->path() + "/chromium.log";
  {
    std::ofstream out(input, std::ios::binary | std::ios::trunc);
    out.write(html.data(), static_cast<std::streamsize>(html.size()));
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", input));
  }
  const std::vector<std::string> argv = {
      *binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-extensions", "--no-first-run", "--no-default-browser-check",
      "--no-pdf-header-footer",
      // A bulletin's scripts are few; without a
      // JIT, V8 never maps writable memory
      // executable, so Chromium also prints
      // under the unit's MemoryDenyWriteExecute.
      "--js-flags=--jitless", "--user-data-dir=" + dir->path() + "/profile",
      "--print-to-pdf=" + pdf, "file://" + input};
  auto run = Run(argv, output, options.timeout, IntervalClock(options));
  if (!run.ok()) return run.status();
  if (run->timed_out) {
    return absl::UnavailableError(absl::StrCat(*binary, " did not print the PDF within ",
                                               absl::FormatDuration(options.timeout),
                                               "; killed. Its output: ", Tail(ReadAll(output))));
  }
  std::string bytes = ReadAll(pdf);
  if (run->exit_code != 0 || bytes.rfind("%PDF-", 0) != 0) {
    return absl::UnavailableError(absl::StrCat(*binary, " failed to print the PDF (exit ",
                                               run->exit_code, bytes.empty() ? ", no PDF" : "",
                                               "). Its output: ", Tail(ReadAll(output))));
  }
  return bytes;
}

}  // namespace taizhang::reports
