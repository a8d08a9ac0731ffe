// What the benches that start taizhangd share: starting a server program as
// a child process (it prints "listening on ADDRESS" on its first line),
// stopping it, and reading a process's CPU time and memory from /proc.
#ifndef TAIZHANG_BENCH_PROCESSES_H_
#define TAIZHANG_BENCH_PROCESSES_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace taizhang::bench {

struct Child {
  pid_t pid = -1;
  std::string address;
};

// Starts argv (stderr to `stderr_file`) and reads its "listening on" line.
inline std::optional<Child> Spawn(const std::vector<std::string>& argv,
                                  const std::string& stderr_file) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  pid_t pid = fork();
  if (pid == 0) {
    int err = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fds[1], 1);
    dup2(err, 2);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  std::string line;
  char c;
  pollfd p{fds[0], POLLIN, 0};
  while (poll(&p, 1, 60000) > 0 && read(fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(fds[0]);
  constexpr std::string_view kPrefix = "listening on ";
  if (line.rfind(kPrefix, 0) != 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    std::fprintf(stderr, "grpc_bench: %s did not start; see %s\n", argv[0].c_str(),
                 stderr_file.c_str());
    return std::nullopt;
  }
  return Child{pid, line.substr(kPrefix.size())};
}

inline void Stop(const Child& child) {
  kill(child.pid, SIGTERM);
  waitpid(child.pid, nullptr, 0);
}

// CPU time (user + system) used so far by process `pid`, in microseconds.
inline double ProcessCpuUs(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which is in parentheses and may hold spaces).
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
  if (fields.size() < 13) return 0;
  double ticks = 0;
  for (int i : {11, 12}) {
    double v = 0;
    if (absl::SimpleAtod(fields[i], &v)) ticks += v;
  }
  return ticks * 1e6 / sysconf(_SC_CLK_TCK);
}

// A line of /proc/<pid>/status ("VmRSS", "Threads") as a number (kB for the
// sizes); 0 when it is not there.
inline int64_t ProcessStatus(pid_t pid, const std::string& field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(absl::StrCat(field, ":"), 0) != 0) continue;
    std::vector<std::string> f =
        absl::StrSplit(line.substr(field.size() + 1), ' ', absl::SkipWhitespace());
    int64_t v = 0;
    if (!f.empty() && absl::SimpleAtoi(f[0], &v)) return v;
  }
  return 0;
}

}  // namespace taizhang::bench

#endif  // TAIZHANG_BENCH_PROCESSES_H_
