// The PostgreSQL peer of grpc_bench: what a user would pick instead of
// Taizhang's log, an events table in PostgreSQL with (stream, version) unique
// and request ids unique, every commit durable, in a throwaway cluster (a
// temporary directory, a loopback port) driven by pgbench.
//
// The work per transaction is what Tasks.CreateTask asks of the store: one
// event on a new stream at version 1, its request id checked for a retry,
// made durable before the answer. Ids come from one sequence, so they never
// repeat across measurements. The settings are PostgreSQL's durable defaults
// (fsync, synchronous_commit, full_page_writes on; fdatasync on Linux), as
// RocksDB's sync=true is an fdatasync of its write-ahead log. (The script
// writes a cast as CAST(... AS t) and keeps ':' out of its strings: pgbench
// would read "::t" or ":督" as one of its variables.)
//
// Found where Debian installs it (/usr/lib/postgresql/<major>/bin, the
// highest major first), or in TAIZHANG_PG_BINDIR. Run as root, the cluster's
// programs run as the `postgres` user (initdb refuses root), through runuser.
#ifndef TAIZHANG_BENCH_PG_PEER_H_
#define TAIZHANG_BENCH_PG_PEER_H_

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace taizhang::bench {

class PgPeer {
 public:
  struct Result {
    double tps = 0;
    double p50_us = 0;
    double p99_us = 0;
    double server_cpu_us = 0;  // the cluster's processes' CPU per transaction
    std::string error;         // empty when the run went through
  };

  // The running cluster under `dir` (created), or nullptr and why in *why.
  static std::unique_ptr<PgPeer> Start(const std::filesystem::path& dir, std::string* why) {
    std::filesystem::path bin = FindBinDir();
    if (bin.empty()) {
      *why = "PostgreSQL is not installed (Debian package postgresql; or set TAIZHANG_PG_BINDIR)";
      return nullptr;
    }
    auto peer = std::unique_ptr<PgPeer>(new PgPeer(bin, dir));
    if (!peer->Init(why)) return nullptr;
    return peer;
  }

  ~PgPeer() {
    if (started_) {
      Run({Bin("pg_ctl"), "-D", data_.string(), "-m", "fast", "-w", "stop"}, "pg_ctl_stop.out");
    }
  }

  // pgbench with `clients` connections for `seconds` (whole seconds, at
  // least one), each transaction one durable insert.
  Result Drive(int clients, double seconds) {
    Result r;
    const std::string prefix = (dir_ / absl::StrCat("pgbench_", ++runs_)).string();
    const int whole_seconds = std::max(1, static_cast<int>(seconds + 0.5));
    const double cpu0 = ClusterCpuUs();
    int status = Run({Bin("pgbench"),
                      "-h",
                      "127.0.0.1",
                      "-p",
                      std::to_string(port_),
                      "-U",
                      "bench",
                      "-n",
                      "-M",
                      "prepared",
                      "-c",
                      std::to_string(clients),
                      "-j",
                      std::to_string(std::min(clients, 4)),
                      "-T",
                      std::to_string(whole_seconds),
                      "-f",
                      (dir_ / "append.sql").string(),
                      "-l",
                      absl::StrCat("--log-prefix=", prefix),
                      "postgres"},
                     absl::StrCat("pgbench_", runs_, ".out"));
    const double cpu = ClusterCpuUs() - cpu0;
    std::string out = Slurp(dir_ / absl::StrCat("pgbench_", runs_, ".out"));
    if (status != 0) {
      r.error = absl::StrCat("pgbench failed: ", out.substr(0, 400));
      return r;
    }
    // Every transaction's latency (µs) from the per-transaction logs:
    // "client_id transaction_no latency_us script_no epoch epoch_us".
    std::vector<double> latencies;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
      const std::string name = entry.path().string();
      if (name.rfind(prefix + ".", 0) != 0) continue;
      std::ifstream in(entry.path());
      std::string line;
      while (std::getline(in, line)) {
        std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
        double us = 0;
        if (f.size() >= 3 && absl::SimpleAtod(f[2], &us)) latencies.push_back(us);
      }
      std::filesystem::remove(entry.path(), ec);
    }
    if (latencies.empty()) {
      r.error = absl::StrCat("pgbench logged no transaction: ", out.substr(0, 400));
      return r;
    }
    std::sort(latencies.begin(), latencies.end());
    r.p50_us = latencies[latencies.size() / 2];
    r.p99_us = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
    // pgbench's own rate, without the connection time.
    for (absl::string_view line : absl::StrSplit(out, '\n')) {
      if (absl::StartsWith(line, "tps = ")) {
        std::vector<std::string> f = absl::StrSplit(line, ' ');
        if (f.size() >= 3) (void)absl::SimpleAtod(f[2], &r.tps);
      }
    }
    if (r.tps <= 0) r.error = absl::StrCat("no rate in pgbench's output: ", out.substr(0, 400));
    r.server_cpu_us = cpu / latencies.size();
    return r;
  }

 private:
  PgPeer(std::filesystem::path bin, std::filesystem::path dir)
      : bin_(std::move(bin)), dir_(std::move(dir)), data_(dir_ / "data") {}

  static std::filesystem::path FindBinDir() {
    auto complete = [](const std::filesystem::path& d) {
      for (const char* p : {"initdb", "pg_ctl", "pgbench", "psql"}) {
        if (access((d / p).c_str(), X_OK) != 0) return false;
      }
      return true;
    };
    if (const char* env = std::getenv("TAIZHANG_PG_BINDIR"); env != nullptr && *env != '\0') {
      return complete(env) ? std::filesystem::path(env) : std::filesystem::path();
    }
    std::vector<std::pair<int, std::filesystem::path>> found;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      int major = 0;
      if (absl::SimpleAtoi(e.path().filename().string(), &major) && complete(e.path() / "bin")) {
        found.emplace_back(major, e.path() / "bin");
      }
    }
    if (found.empty()) return {};
    return std::max_element(found.begin(), found.end())->second;
  }

  bool Init(std::string* why) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (geteuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (pw == nullptr) {
        *why = "running as root and there is no postgres user to run the cluster as";
        return false;
      }
      as_user_ = "postgres";
      if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        *why = absl::StrCat("cannot give ", dir_.string(), " to the postgres user");
        return false;
      }
    }
    port_ = FreePort();
    if (port_ == 0) {
      *why = "no free loopback port";
      return false;
    }
    if (Run({Bin("initdb"), "-D", data_.string(), "-U", "bench", "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync"},
            "initdb.out") != 0) {
      *why = absl::StrCat("initdb failed: ", Slurp(dir_ / "initdb.out").substr(0, 400));
      return false;
    }
    const std::string settings = absl::StrCat(
        "-c port=", port_,
        " -c listen_addresses=127.0.0.1 -c unix_socket_directories=", dir_.string(),
        " -c max_connections=200 -c shared_buffers=256MB -c fsync=on -c synchronous_commit=on"
        " -c full_page_writes=on");
    if (Run({Bin("pg_ctl"), "-D", data_.string(), "-o", settings, "-l",
             (dir_ / "postgres.log").string(), "-w", "start"},
            "pg_ctl_start.out") != 0) {
      *why =
          absl::StrCat("the cluster did not start: ", Slurp(dir_ / "postgres.log").substr(0, 400));
      return false;
    }
    started_ = true;
    // The table a user would make for an event log, and the one statement
    // per command.
    Write(dir_ / "schema.sql",
          "CREATE TABLE events (\n"
          "  position bigserial PRIMARY KEY,\n"
          "  stream text NOT NULL,\n"
          "  version integer NOT NULL,\n"
          "  type text NOT NULL,\n"
          "  payload bytea NOT NULL,\n"
          "  actor text NOT NULL,\n"
          "  request_id text NOT NULL UNIQUE,\n"
          "  recorded_at timestamptz NOT NULL DEFAULT now(),\n"
          "  UNIQUE (stream, version));\n"
          "CREATE SEQUENCE ids;\n");
    // About the size of a created task's event.
    const std::string payload(2 * 160, 'a');
    Write(dir_ / "append.sql",
          absl::StrCat("WITH n AS (SELECT nextval('ids') AS id)\n"
                       "INSERT INTO events (stream, version, type, payload, actor, request_id)\n"
                       "SELECT 'task/pg-' || id, 1, 'task.Created', CAST('\\x",
                       payload,
                       "' AS bytea), 'supervision' || ':' || '督查室', 'pg-' || id FROM n;\n"));
    if (Run({Bin("psql"), "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "bench", "-d",
             "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-f", (dir_ / "schema.sql").string()},
            "schema.out") != 0) {
      *why = absl::StrCat("the events table could not be made: ",
                          Slurp(dir_ / "schema.out").substr(0, 400));
      return false;
    }
    const std::string pid = Slurp(data_ / "postmaster.pid");
    if (!absl::SimpleAtoi(pid.substr(0, pid.find('\n')), &postmaster_)) {
      *why = "no postmaster.pid";
      return false;
    }
    return true;
  }

  std::string Bin(const char* name) const { return (bin_ / name).string(); }

  // Runs argv (as the cluster's user), stdout and stderr to `out` in the
  // directory; returns the exit status (-1 when it could not be started).
  int Run(std::vector<std::string> argv, const std::string& out) {
    if (!as_user_.empty()) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", as_user_, "--"});
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out_path = (dir_ / out).string();
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid;
    int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // CPU time (µs) of the cluster: the postmaster with its children reaped
  // (backends that have exited), and its children still running.
  double ClusterCpuUs() const {
    const double tick = 1e6 / sysconf(_SC_CLK_TCK);
    double total = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      int pid = 0;
      if (!absl::SimpleAtoi(e.path().filename().string(), &pid)) continue;
      std::vector<std::string> f = StatFields(pid);
      if (f.size() < 16) continue;
      int ppid = 0;
      (void)absl::SimpleAtoi(f[1], &ppid);
      if (pid != postmaster_ && ppid != postmaster_) continue;
      // After the command name: state(0) ppid(1) ... utime(11) stime(12)
      // cutime(13) cstime(14).
      int last = pid == postmaster_ ? 14 : 12;
      for (int i = 11; i <= last; ++i) {
        double v = 0;
        if (absl::SimpleAtod(f[i], &v)) total += v * tick;
      }
    }
    return total;
  }

  static std::vector<std::string> StatFields(int pid) {
    std::string stat = Slurp(absl::StrCat("/proc/", pid, "/stat"));
    size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 > stat.size()) return {};
    return absl::StrSplit(stat.substr(close + 2), ' ');
  }

  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
  }

  static std::string Slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  void Write(const std::filesystem::path& p, const std::string& text) const {
    std::ofstream(p) << text;
    if (!as_user_.empty()) {
      const passwd* pw = getpwnam(as_user_.c_str());
      if (pw != nullptr) (void)chown(p.c_str(), pw->pw_uid, pw->pw_gid);
    }
  }

  const std::filesystem::path bin_;
  const std::filesystem::path dir_;
  const std::filesystem::path data_;
  std::string as_user_;  // the cluster's user when run as root
  int port_ = 0;
  int postmaster_ = 0;
  bool started_ = false;
  int runs_ = 0;
};

}  // namespace taizhang::bench

#endif  // TAIZHANG_BENCH_PG_PEER_H_
