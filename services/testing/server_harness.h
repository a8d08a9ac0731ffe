// Test support for the server's integration tests (tests/server_*_test.cc):
// a tokens file with one token per role, the real taizhangd and taizhang
// binaries run as child processes, seeding a data directory's log before the
// server opens it, and raw gRPC calls to the health and reflection services
// (whose generated headers Debian does not ship). Temporary directories and
// the source tree come from base/testing/files.h, included here.
//
// A test's daemon, the usual way:
//
//   TempDir dir_;
//   WriteFile(dir_ / "tokens.textproto", Tokens::FileText());
//   auto d = StartDaemon(dir_, {"--clock", "manual", "--start", "2020-06-29",
//                               "--policies-dir", PoliciesDir()});
//   ASSERT_NE(d, nullptr);
//   CommandResult r = RunCli(*d, Tokens::kSupervision, {"task", "show", "t-1"});
//   AdvanceClock(*d, absl::Hours(24));
//   EXPECT_EQ(HeadPosition(*d), 3u);
//
// Header-only; for tests only. Binaries are found through the compile
// definitions TAIZHANGD_PATH and TAIZHANG_CLI_PATH.
#ifndef TAIZHANG_SERVICES_TESTING_SERVER_HARNESS_H_
#define TAIZHANG_SERVICES_TESTING_SERVER_HARNESS_H_

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/support/sync_stream.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/testing/files.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "store/event_log.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::testing {

// One line of a tokens file: `token { token: "T" role: "R" unit: "U" }`, with
// `person: "P"` when `person` is not empty.
inline std::string TokenLine(const std::string& token, const std::string& role,
                             const std::string& unit, const std::string& person = "") {
  std::string line =
      absl::StrCat("token { token: \"", token, "\" role: \"", role, "\" unit: \"", unit, "\"");
  if (!person.empty()) absl::StrAppend(&line, " person: \"", person, "\"");
  return line + " }\n";
}

// One token per role. Units and people are Chinese on purpose.
struct Tokens {
  static constexpr char kAdmin[] = "admin-0123456789abcdef";
  static constexpr char kAuditor[] = "auditor-0123456789abcdef";
  static constexpr char kSupervision[] = "supervision-0123456789abcdef";
  static constexpr char kDepartment[] = "department-0123456789abcdef";
  static constexpr char kLeader[] = "leader-0123456789abcdef";
  static constexpr char kEnterprise[] = "enterprise-0123456789abcdef";

  static std::string FileText() {
    return absl::StrCat("# tokens for tests\n", TokenLine(kAdmin, "admin", "ops"),
                        TokenLine(kAuditor, "auditor", "审计局", "李审计"),
                        TokenLine(kSupervision, "supervision", "督查室"),
                        TokenLine(kDepartment, "department", "自然资源局"),
                        TokenLine(kLeader, "leader", "张副区长"),
                        TokenLine(kEnterprise, "enterprise", "昆明万达"));
  }
};

// 2025-03-01 00:00 China time.
inline absl::Time TestStart() { return absl::FromUnixSeconds(1740758400); }

struct SeedEvent {
  std::string stream;
  std::string type;
  std::string actor = "department:自然资源局:王科长";
  std::string payload;
  absl::Duration occurred_before = absl::ZeroDuration();  // keyed in this much later
};

// Opens the log in `data_dir` on a manual clock at `at`, appends each event
// as its own append (request ids "seed-<stream>-<n>"), closes the log.
// Returns the head position.
inline uint64_t SeedLog(const std::string& data_dir, const std::vector<SeedEvent>& events,
                        absl::Time at = TestStart()) {
  ManualClock clock(at);
  auto log = store::OpenEventLog(data_dir, clock);
  if (!log.ok()) {
    ADD_FAILURE() << log.status();
    return 0;
  }
  static int counter = 0;
  for (const SeedEvent& e : events) {
    clock.Advance(absl::Minutes(1));
    store::AppendRequest request;
    request.stream = e.stream;
    request.request_id = absl::StrCat("seed-", getpid(), "-", ++counter);
    store::NewEvent ne;
    ne.type = e.type;
    ne.payload = e.payload;
    ne.actor = e.actor;
    ne.occurred_at_us = absl::ToUnixMicros(clock.Now() - e.occurred_before);
    request.events.push_back(ne);
    auto r = (*log)->Append(std::move(request));
    if (!r.ok()) ADD_FAILURE() << r.status();
  }
  return (*log)->HeadPosition();
}

// The log's own verification of `data_dir` (the server must not be running).
inline store::VerifyResult OfflineVerify(const std::string& data_dir, uint64_t from = 1,
                                         uint64_t to = 0) {
  ManualClock clock(TestStart());
  auto log = store::OpenEventLog(data_dir, clock);
  if (!log.ok()) {
    ADD_FAILURE() << log.status();
    return {};
  }
  auto v = (*log)->Verify(from, to);
  if (!v.ok()) ADD_FAILURE() << v.status();
  return v.ok() ? *v : store::VerifyResult{};
}

// Runs `argv` to completion; stdout and stderr captured.
struct CommandResult {
  int exit_code = -1;  // -signal when killed
  std::string out;
  std::string err;
};

inline CommandResult RunCommand(const std::vector<std::string>& argv,
                                const std::vector<std::string>& env_add = {}) {
  int out_pipe[2], err_pipe[2];
  CommandResult result;
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return result;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    for (const std::string& kv : env_add) putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  auto drain = [](int fd, std::string* into) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) into->append(buf, static_cast<size_t>(n));
    close(fd);
  };
  std::thread err_reader(drain, err_pipe[0], &result.err);
  drain(out_pipe[0], &result.out);
  err_reader.join();
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return result;
}

// The real taizhangd as a child process.
class Daemon {
 public:
  // Starts `program args...` (the daemon built with the tests by default)
  // and reads its first stdout line. On failure (the daemon exits or prints
  // something else) returns null and fills `*failure` with its exit status
  // and stderr.
  static std::unique_ptr<Daemon> Start(const std::vector<std::string>& args,
                                       const std::string& stderr_file,
                                       std::string* failure = nullptr,
                                       const std::string& program = TAIZHANGD_PATH) {
    int out_pipe[2];
    if (pipe(out_pipe) != 0) return nullptr;
    pid_t pid = fork();
    if (pid == 0) {
      int err = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out_pipe[1], 1);
      dup2(err, 2);
      close(out_pipe[0]);
      close(out_pipe[1]);
      std::vector<std::string> all = {program};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (const std::string& a : all) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out_pipe[1]);
    auto daemon = std::unique_ptr<Daemon>(new Daemon(pid, out_pipe[0], stderr_file));
    std::string line;
    if (!daemon->ReadLine(&line)) {
      int code = daemon->WaitExit();
      if (failure != nullptr) {
        *failure = absl::StrCat("exit ", code, "; stderr:\n", ReadFile(stderr_file));
      }
      return nullptr;
    }
    daemon->first_line_ = line;
    constexpr std::string_view kPrefix = "listening on ";
    if (line.rfind(kPrefix, 0) != 0) {
      if (failure != nullptr) *failure = "unexpected first line: " + line;
      return nullptr;
    }
    daemon->address_ = line.substr(kPrefix.size());
    daemon->port_ = std::atoi(daemon->address_.substr(daemon->address_.rfind(':') + 1).c_str());
    return daemon;
  }

  ~Daemon() {
    if (running_) {
      kill(pid_, SIGKILL);
      WaitExit();
    }
    close(out_fd_);
  }

  // Sends `sig` and waits; the exit code, or -signal.
  int Stop(int sig = SIGTERM) {
    kill(pid_, sig);
    return WaitExit();
  }

  const std::string& first_line() const { return first_line_; }
  // The next line the daemon prints on stdout (e.g. "http on HOST:PORT");
  // false on EOF or after 60 s of silence.
  bool NextLine(std::string* line) { return ReadLine(line); }
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string Stderr() const { return ReadFile(stderr_file_); }

 private:
  Daemon(pid_t pid, int out_fd, std::string stderr_file)
      : pid_(pid), out_fd_(out_fd), stderr_file_(std::move(stderr_file)) {}

  // Reads one line (without '\n'); false on EOF or after 60 s of silence.
  bool ReadLine(std::string* line) {
    for (;;) {
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 60000) <= 0) return false;
      char c;
      if (read(out_fd_, &c, 1) != 1) return false;
      if (c == '\n') return true;
      line->push_back(c);
    }
  }

  int WaitExit() {
    int status = 0;
    waitpid(pid_, &status, 0);
    running_ = false;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  pid_t pid_;
  int out_fd_;
  std::string stderr_file_;
  bool running_ = true;
  std::string first_line_;
  std::string address_;
  int port_ = 0;
};

// A client context carrying `token` (none when empty).
inline std::unique_ptr<grpc::ClientContext> Call(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(
      gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_seconds(60, GPR_TIMESPAN)));
  return ctx;
}

inline std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

// Creates task `id` (request id `id` too) of a fixed project for 区自然资源局,
// with a limit on `due_date` (YYYY-MM-DD) when one is given; the reply's
// result in `*result` when it is given.
inline grpc::Status CreateTask(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& token, const std::string& id,
                               const std::string& due_date = "",
                               v1::CommandResult* result = nullptr) {
  v1::Tasks::Stub stub(channel);
  v1::CreateTaskRequest request;
  request.mutable_header()->set_request_id(id);
  request.set_task_id(id);
  auto* create = request.mutable_create();
  create->set_task_id(id);
  create->set_project_code("2020-530115-72-01-000001");
  create->set_title(absl::StrCat("任务", id));
  create->add_responsible_units("区自然资源局");
  if (!due_date.empty()) {
    create->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
    create->mutable_deadline()->mutable_rule()->set_fixed_date(due_date);
  }
  v1::TaskReply reply;
  grpc::Status status = stub.CreateTask(Call(token).get(), request, &reply);
  if (result != nullptr) *result = reply.result();
  return status;
}

inline grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

inline std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  (void)buffer.Dump(&slices);
  std::string out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// grpc.health.v1.Health/Check for the whole server: the status enum
// (1 = SERVING, 2 = NOT_SERVING), or -1 with the call's error in *error.
inline int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, std::string* error) {
  grpc::internal::RpcMethod method("/grpc.health.v1.Health/Check",
                                   grpc::internal::RpcMethod::NORMAL_RPC);
  auto ctx = Call("");
  grpc::ByteBuffer response;
  grpc::Status s = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel.get(), method, ctx.get(), ToBuffer(""), &response);
  if (!s.ok()) {
    *error = s.error_message();
    return -1;
  }
  google::protobuf::UnknownFieldSet fields;
  fields.ParseFromString(FromBuffer(response));
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() == 1) return static_cast<int>(fields.field(i).varint());
  }
  return 0;  // UNKNOWN (the default value is not sent)
}

// The service names grpc.reflection.v1alpha lists.
inline std::vector<std::string> ReflectedServices(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::internal::RpcMethod method("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                   grpc::internal::RpcMethod::BIDI_STREAMING);
  auto ctx = Call("");
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel.get(), method, ctx.get()));
  // ServerReflectionRequest{list_services (7): "*"}
  stream->Write(ToBuffer(std::string("\x3a\x01*", 3)));
  stream->WritesDone();
  std::vector<std::string> names;
  grpc::ByteBuffer response;
  while (stream->Read(&response)) {
    google::protobuf::UnknownFieldSet top;
    top.ParseFromString(FromBuffer(response));
    for (int i = 0; i < top.field_count(); ++i) {
      if (top.field(i).number() != 6) continue;  // list_services_response
      google::protobuf::UnknownFieldSet list;
      list.ParseFromString(top.field(i).length_delimited());
      for (int j = 0; j < list.field_count(); ++j) {
        google::protobuf::UnknownFieldSet service;
        service.ParseFromString(list.field(j).length_delimited());
        for (int k = 0; k < service.field_count(); ++k) {
          if (service.field(k).number() == 1) names.push_back(service.field(k).length_delimited());
        }
      }
    }
  }
  (void)stream->Finish();
  return names;
}

// --- a test's daemon and CLI ---

// The arguments every test's daemon starts with: loopback on a free port,
// the data directory `dir/<data>`, the tokens file `dir/tokens.textproto`;
// then `extra` (e.g. {"--clock", "manual", "--start", "2020-06-29",
// "--policies-dir", PoliciesDir()} or {"--log-only"}).
inline std::vector<std::string> DaemonArgs(const TempDir& dir,
                                           const std::vector<std::string>& extra = {},
                                           const std::string& data = "data") {
  std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--data-dir",
                                   dir / data, "--tokens",    dir / "tokens.textproto"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Daemon::Start with DaemonArgs(dir, extra, data) and its stderr in
// `dir/<stderr_name>`. When it does not start: a test failure naming its exit
// status and stderr, and null. (A test that expects a refusal calls
// Daemon::Start with DaemonArgs and reads the failure.)
inline std::unique_ptr<Daemon> StartDaemon(const TempDir& dir,
                                           const std::vector<std::string>& extra = {},
                                           const std::string& stderr_name = "stderr",
                                           const std::string& data = "data") {
  std::string failure;
  auto d = Daemon::Start(DaemonArgs(dir, extra, data), dir / stderr_name, &failure);
  EXPECT_NE(d, nullptr) << failure;
  return d;
}

// The HTTP side's address ("HOST:PORT") of a daemon started with --http: its
// next stdout line, "http on HOST:PORT". "" and a test failure otherwise.
inline std::string HttpAddress(Daemon& d) {
  std::string line;
  constexpr char kPrefix[] = "http on ";
  if (!d.NextLine(&line) || !absl::StartsWith(line, kPrefix)) {
    ADD_FAILURE() << "no \"http on\" line: " << line;
    return "";
  }
  return line.substr(sizeof(kPrefix) - 1);
}

// Runs the `taizhang` CLI built with the tests against `d` as `token`:
// `taizhang --server ADDRESS --token TOKEN args...`.
inline CommandResult RunCli(const Daemon& d, const std::string& token,
                            const std::vector<std::string>& args,
                            const std::vector<std::string>& env_add = {}) {
  std::vector<std::string> argv = {TAIZHANG_CLI_PATH, "--server", d.address(), "--token", token};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, env_add);
}

// Admin.ServerInfo as `token` (which must be allowed it); a test failure and
// an empty response when the call fails.
inline v1::ServerInfoResponse ServerInfo(const Daemon& d,
                                         const std::string& token = Tokens::kAdmin) {
  v1::Admin::Stub admin(Connect(d.address()));
  v1::ServerInfoResponse info;
  grpc::Status s = admin.ServerInfo(Call(token).get(), v1::ServerInfoRequest(), &info);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return info;
}

// The log's head position, by Admin.ServerInfo.
inline uint64_t HeadPosition(const Daemon& d, const std::string& token = Tokens::kAdmin) {
  return ServerInfo(d, token).head_position();
}

// Admin.AdvanceClock by `by` (whole seconds) on a daemon with a manual
// clock, as `token`; a test failure when refused.
inline void AdvanceClock(const Daemon& d, absl::Duration by,
                         const std::string& token = Tokens::kAdmin) {
  v1::Admin::Stub admin(Connect(d.address()));
  v1::AdvanceClockRequest request;
  request.mutable_by()->set_seconds(absl::ToInt64Seconds(by));
  v1::AdvanceClockResponse response;
  grpc::Status s = admin.AdvanceClock(Call(token).get(), request, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

// --- a fixture with one daemon ---

// A person of a test: the token TokenOf(who) of `role` for `unit` (and
// `person`, when not empty).
struct Person {
  std::string who, role, unit, person;
};
inline std::string TokenOf(const std::string& who) { return who + "-0123456789abcdef"; }

// A gtest fixture running one daemon in a temporary directory, its people
// running `taizhang` by name:
//
//   class MeetingsTest : public DaemonFixture {
//    protected:
//     void SetUp() override {
//       StartWith({{"admin", "admin", "ops"}, {"office", "supervision", "区重点办"}},
//                 {"--clock", "manual", "--start", "2026-11-02",
//                  "--policies-dir", PoliciesDir()});
//     }
//   };
//   TEST_F(MeetingsTest, ...) { Ok("office", {"series", "declare", ...}); }
//
// A daemon started with "--http" has its HTTP address in http_. TearDown
// stops the daemon, which must exit 0.
class DaemonFixture : public ::testing::Test {
 protected:
  // Writes the tokens file of `people` and starts the daemon with `extra`
  // (after DaemonArgs'); a fatal failure when it does not start.
  void StartWith(const std::vector<Person>& people, const std::vector<std::string>& extra) {
    std::string tokens;
    for (const Person& p : people) {
      absl::StrAppend(&tokens, TokenLine(TokenOf(p.who), p.role, p.unit, p.person));
    }
    WriteFile(dir_ / "tokens.textproto", tokens);
    daemon_ = StartDaemon(dir_, extra);
    ASSERT_NE(daemon_, nullptr);
    for (const std::string& arg : extra) {
      if (arg == "--http") http_ = HttpAddress(*daemon_);
    }
  }
  // A copy of the shipped policies in `dir_/policies`, for a test to change
  // before StartWith (with "--policies-dir" the path returned).
  std::string CopyPolicies() {
    const std::string policies = dir_ / "policies";
    std::filesystem::copy(PoliciesDir(), policies, std::filesystem::copy_options::recursive);
    return policies;
  }
  void TearDown() override {
    if (daemon_ != nullptr) {
      EXPECT_EQ(daemon_->Stop(), 0);
    }
  }

  CommandResult Cli(const std::string& who, const std::vector<std::string>& args) {
    return RunCli(*daemon_, TokenOf(who), args);
  }
  void Ok(const std::string& who, const std::vector<std::string>& args) {
    CommandResult r = Cli(who, args);
    ASSERT_EQ(r.exit_code, 0) << absl::StrJoin(args, " ") << ": " << r.err;
  }
  void ClockTo(const std::string& day) { Ok("admin", {"clock", "set", day}); }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  std::string http_;
};

}  // namespace taizhang::testing

#endif  // TAIZHANG_SERVICES_TESTING_SERVER_HARNESS_H_
