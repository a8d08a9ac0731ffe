// The real taizhangd binary: its first line, health and reflection, signals,
// restarts, configuration, refusals at start, and TLS.
#include <signal.h>

#include <filesystem>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "store/sha256.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using testing::SeedEvent;
using testing::TempDir;
using testing::Tokens;

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokens_ = dir_ / "tokens.textproto";
    testing::WriteFile(tokens_, Tokens::FileText());
    std::filesystem::permissions(
        tokens_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }

  std::unique_ptr<Daemon> Start(std::vector<std::string> extra = {}) {
    return testing::StartDaemon(dir_, extra, absl::StrCat("stderr-", ++starts_));
  }

  v1::ServerInfoResponse Info(const Daemon& d) { return testing::ServerInfo(d, Tokens::kAuditor); }

  TempDir dir_;
  std::string tokens_;
  int starts_ = 0;
};

TEST_F(DaemonTest, FirstLineNamesTheBoundPortAndHealthIsServing) {
  auto d = Start();
  ASSERT_NE(d, nullptr);
  EXPECT_GT(d->port(), 0);
  EXPECT_EQ(d->first_line(), absl::StrCat("listening on 127.0.0.1:", d->port()));
  std::string error;
  EXPECT_EQ(testing::HealthStatus(Connect(d->address()), &error), 1) << error;  // SERVING
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "data")) << "created on first run";
  EXPECT_EQ(d->Stop(), 0);
}

TEST_F(DaemonTest, ReflectionListsTheServices) {
  auto d = Start();
  ASSERT_NE(d, nullptr);
  std::vector<std::string> names = testing::ReflectedServices(Connect(d->address()));
  for (const char* want : {"taizhang.v1.Audit", "taizhang.v1.Supervision", "taizhang.v1.Admin",
                           "grpc.health.v1.Health"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

// Without --policies-dir the server serves the whole API on the policies
// shipped beside it (the build tree mirrors an installation:
// services/taizhangd, share/taizhang/policies).
TEST_F(DaemonTest, WithoutAPoliciesDirServesTheShippedWorkflows) {
  auto d = Start();
  ASSERT_NE(d, nullptr);
  std::vector<std::string> names = testing::ReflectedServices(Connect(d->address()));
  for (const char* want : {"taizhang.v1.Ledger", "taizhang.v1.Projects", "taizhang.v1.Approval",
                           "taizhang.v1.Tasks", "taizhang.v1.Problems", "taizhang.v1.Reports"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
  v1::Ledger::Stub ledger(Connect(d->address()));
  v1::ListProjectsResponse projects;
  grpc::Status s = ledger.ListProjects(Call(Tokens::kAuditor).get(), {}, &projects);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(d->Stop(), 0);
}

TEST_F(DaemonTest, LogOnlyServesNoWorkflows) {
  auto d = Start({"--log-only"});
  ASSERT_NE(d, nullptr);
  std::vector<std::string> names = testing::ReflectedServices(Connect(d->address()));
  EXPECT_NE(std::find(names.begin(), names.end(), "taizhang.v1.Audit"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "taizhang.v1.Projects"), names.end());
  EXPECT_EQ(d->Stop(), 0);
}

// A program copied where no policies stand beside it refuses to start and
// says what to give, rather than serving a log without its workflows.
TEST_F(DaemonTest, NoShippedPoliciesBesideTheProgramIsRefused) {
  const std::filesystem::path bin = std::filesystem::path(dir_ / "elsewhere") / "bin";
  std::filesystem::create_directories(bin);
  std::filesystem::copy_file(TAIZHANGD_PATH, bin / "taizhangd");
  std::string failure;
  auto d = Daemon::Start(testing::DaemonArgs(dir_), dir_ / "stderr-copied", &failure,
                         (bin / "taizhangd").string());
  EXPECT_EQ(d, nullptr);
  EXPECT_TRUE(absl::StrContains(failure, "no policies")) << failure;
  EXPECT_TRUE(absl::StrContains(failure, "--policies-dir")) << failure;
}

TEST_F(DaemonTest, SigtermAndSigintShutDownCleanly) {
  for (int sig : {SIGTERM, SIGINT}) {
    auto d = Start();
    ASSERT_NE(d, nullptr);
    // A follower in flight is told to reconnect, not cut off.
    grpc::Status follower;
    {
      auto channel = Connect(d->address());
      v1::Supervision::Stub stub(channel);
      auto ctx = Call(Tokens::kSupervision);
      auto reader = stub.FollowAlerts(ctx.get(), v1::FollowAlertsRequest());
      reader->WaitForInitialMetadata();  // the follower is established
      std::thread client([&] {
        v1::Alert alert;
        while (reader->Read(&alert)) {
        }
        follower = reader->Finish();
        // Keep the connection polled so the server's graceful close (GOAWAY,
        // then a ping) is answered at once rather than timing out.
        channel->WaitForStateChange(
            GRPC_CHANNEL_READY,
            gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_seconds(30, GPR_TIMESPAN)));
      });
      EXPECT_EQ(d->Stop(sig), 0) << d->Stderr();
      client.join();
    }
    EXPECT_EQ(follower.error_code(), grpc::StatusCode::UNAVAILABLE) << follower.error_message();
    EXPECT_TRUE(absl::StrContains(d->Stderr(), "event log closed")) << d->Stderr();
  }
}

// The log alone (--log-only): its seeded events are not a workflow's.
TEST_F(DaemonTest, RestartLosesNothing) {
  std::vector<SeedEvent> first = {{"case/A-1", "case.Opened"}, {"case/A-1", "case.ItemAccepted"}};
  testing::SeedLog(dir_ / "data", first);
  auto d = Start({"--log-only"});
  ASSERT_NE(d, nullptr);
  v1::ServerInfoResponse before = Info(*d);
  EXPECT_EQ(before.head_position(), 2u);
  ASSERT_EQ(d->Stop(), 0);

  testing::SeedLog(dir_ / "data", {{"task/T-1", "task.Created", "supervision:督查室"}},
                   testing::TestStart() + absl::Hours(1));
  d = Start({"--log-only"});
  ASSERT_NE(d, nullptr);
  v1::ServerInfoResponse after = Info(*d);
  EXPECT_EQ(after.head_position(), 3u);
  v1::ReadStreamRequest request;
  request.set_stream("case/A-1");
  v1::ReadStreamResponse events;
  {
    v1::Audit::Stub audit(Connect(d->address()));
    ASSERT_TRUE(audit.ReadStream(Call(Tokens::kAuditor).get(), request, &events).ok());
  }  // an idle client connection would hold the server's graceful GOAWAY up to 5 s
  ASSERT_EQ(events.events_size(), 2);
  EXPECT_EQ(events.events(1).type(), "case.ItemAccepted");
  EXPECT_EQ(events.events(1).actor(), "department:自然资源局:王科长");
  ASSERT_EQ(d->Stop(), 0);
  store::VerifyResult offline = testing::OfflineVerify(dir_ / "data");
  EXPECT_TRUE(offline.ok);
  EXPECT_EQ(offline.to, 3u);
  EXPECT_EQ(store::ToHex(offline.last_hash), after.head_digest());
}

TEST_F(DaemonTest, BadTokensFileIsRefusedWithFileAndLine) {
  testing::WriteFile(tokens_,
                     absl::StrCat("token { token: \"", Tokens::kAdmin,
                                  "\" role: \"admin\" unit: \"ops\" }\n"
                                  "\n"
                                  "token { token: \"short\" role: \"admin\" unit: \"ops\" }\n"
                                  "token { token: \"another-0123456789abcdef\" role: \"boss\" "
                                  "unit: \"ops\" }\n"));
  std::string failure;
  auto d = Daemon::Start(testing::DaemonArgs(dir_), dir_ / "stderr", &failure);
  EXPECT_EQ(d, nullptr);
  EXPECT_TRUE(absl::StrContains(failure, "exit 1")) << failure;
  EXPECT_TRUE(absl::StrContains(failure, tokens_ + ":3: token: at least 16")) << failure;
  EXPECT_TRUE(absl::StrContains(failure, tokens_ + ":4: role 'boss'")) << failure;

  testing::WriteFile(tokens_, "token { token: \"x\" colour: \"red\" }\n");
  d = Daemon::Start(testing::DaemonArgs(dir_), dir_ / "stderr", &failure);
  EXPECT_EQ(d, nullptr);
  EXPECT_TRUE(absl::StrContains(failure, tokens_ + ":1:")) << failure;
  EXPECT_TRUE(absl::StrContains(failure, "colour")) << failure;
}

TEST_F(DaemonTest, PlaintextOnANonLoopbackAddressIsRefused) {
  std::string failure;
  auto d =
      Daemon::Start({"--listen", "0.0.0.0:0", "--data-dir", dir_ / "data", "--tokens", tokens_},
                    dir_ / "stderr", &failure);
  EXPECT_EQ(d, nullptr);
  EXPECT_TRUE(absl::StrContains(failure, "without TLS")) << failure;
}

TEST_F(DaemonTest, ConfigFileWithFlagsOverridingIt) {
  const std::string config = dir_ / "taizhangd.textproto";
  testing::WriteFile(config, absl::StrCat("listen: \"127.0.0.1:0\"\n"
                                          "data_dir: \"cfg-data\"\n"  // relative to the file
                                          "tokens_file: \"tokens.textproto\"\n"
                                          "clock: \"manual\"\n"
                                          "clock_start: \"2025-03-01\"\n"
                                          "shutdown_grace_seconds: 3\n"));
  std::string failure;
  auto d = Daemon::Start({"--config", config}, dir_ / "stderr", &failure);
  ASSERT_NE(d, nullptr) << failure;
  v1::ServerInfoResponse info = Info(*d);
  EXPECT_EQ(info.clock_mode(), v1::CLOCK_MODE_MANUAL);
  EXPECT_EQ(info.now().seconds(), absl::ToUnixSeconds(testing::TestStart()));
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "cfg-data"));
  ASSERT_EQ(d->Stop(), 0);

  d = Daemon::Start({"--config", config, "--clock=system", "--data-dir", dir_ / "flag-data"},
                    dir_ / "stderr", &failure);
  ASSERT_NE(d, nullptr) << failure;
  EXPECT_EQ(Info(*d).clock_mode(), v1::CLOCK_MODE_SYSTEM);
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "flag-data"));
  ASSERT_EQ(d->Stop(), 0);

  testing::WriteFile(config, "listen: \"127.0.0.1:0\"\nclock: \"sundial\"\n");
  d = Daemon::Start({"--config", config}, dir_ / "stderr", &failure);
  EXPECT_EQ(d, nullptr);
  EXPECT_TRUE(absl::StrContains(failure, "sundial")) << failure;
  testing::WriteFile(config, "listen: \"127.0.0.1:0\"\nport: 7\n");
  d = Daemon::Start({"--config", config}, dir_ / "stderr", &failure);
  EXPECT_EQ(d, nullptr);
  EXPECT_TRUE(absl::StrContains(failure, config + ":2:")) << failure;
}

TEST_F(DaemonTest, HelpDescribesTheFlags) {
  testing::CommandResult r = testing::RunCommand({TAIZHANGD_PATH, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag :
       {"--listen", "--data-dir", "--config", "--tokens", "--clock", "--start"}) {
    EXPECT_TRUE(absl::StrContains(r.out, flag)) << flag << "\n" << r.out;
  }
}

// TLS needs certificates; they are made with the openssl command when present.
class TlsTest : public DaemonTest {
 protected:
  bool MakeCertificates() {
    if (testing::RunCommand({"/bin/sh", "-c", "command -v openssl"}).exit_code != 0) return false;
    const std::string d = dir_.path();
    testing::WriteFile(dir_ / "san.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    std::string script =
        absl::StrCat("set -e; cd ", d, "; ",
                     "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
                     "-subj /CN=taizhang-test-ca 2>/dev/null; ",
                     "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
                     "-subj /CN=localhost 2>/dev/null; ",
                     "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                     "-out server.pem -days 2 -extfile san.ext 2>/dev/null; ",
                     "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
                     "-subj /CN=auditor 2>/dev/null; ",
                     "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                     "-out client.pem -days 2 2>/dev/null");
    testing::CommandResult r = testing::RunCommand({"/bin/sh", "-c", script});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0;
  }

  std::shared_ptr<grpc::Channel> TlsChannel(const Daemon& d, bool with_client_cert) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = testing::ReadFile(dir_ / "ca.pem");
    if (with_client_cert) {
      ssl.pem_cert_chain = testing::ReadFile(dir_ / "client.pem");
      ssl.pem_private_key = testing::ReadFile(dir_ / "client.key");
    }
    return grpc::CreateChannel(d.address(), grpc::SslCredentials(ssl));
  }
};

TEST_F(TlsTest, ServesTlsAndRequiresClientCertificatesWhenConfigured) {
  if (!MakeCertificates()) GTEST_SKIP() << "no openssl command";
  auto d = Start({"--tls-cert", dir_ / "server.pem", "--tls-key", dir_ / "server.key"});
  ASSERT_NE(d, nullptr);
  {
    v1::Admin::Stub stub(TlsChannel(*d, false));
    v1::ServerInfoResponse info;
    grpc::Status s = stub.ServerInfo(Call(Tokens::kAuditor).get(), {}, &info);
    EXPECT_TRUE(s.ok()) << s.error_message();
    v1::Admin::Stub plain(Connect(d->address()));
    EXPECT_FALSE(plain.ServerInfo(Call(Tokens::kAuditor).get(), {}, &info).ok());
  }
  testing::CommandResult cli =
      testing::RunCommand({TAIZHANG_CLI_PATH, "--server", d->address(), "--tls-ca", dir_ / "ca.pem",
                           "--token", Tokens::kAuditor, "info"});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_TRUE(absl::StrContains(cli.out, "auditor:审计局:李审计")) << cli.out;
  ASSERT_EQ(d->Stop(), 0);

  d = Start({"--tls-cert", dir_ / "server.pem", "--tls-key", dir_ / "server.key", "--client-ca",
             dir_ / "ca.pem"});
  ASSERT_NE(d, nullptr);
  {
    v1::ServerInfoResponse info;
    v1::Admin::Stub without(TlsChannel(*d, false));
    EXPECT_FALSE(without.ServerInfo(Call(Tokens::kAuditor).get(), {}, &info).ok());
    v1::Admin::Stub with(TlsChannel(*d, true));
    grpc::Status s = with.ServerInfo(Call(Tokens::kAuditor).get(), {}, &info);
    EXPECT_TRUE(s.ok()) << s.error_message();
    // A certificate is not a token: the bearer token is still required.
    s = with.ServerInfo(Call("").get(), {}, &info);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  ASSERT_EQ(d->Stop(), 0);
}

}  // namespace
}  // namespace taizhang
