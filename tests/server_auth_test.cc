// Who may call what, against the real taizhangd: every RPC with no token, a bad
// token, a malformed header and each role's token gives the code the access
// table says, and a refused call changes nothing.
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Connect;
using testing::Daemon;
using testing::TempDir;
using testing::Tokens;

enum class Rpc { kReadStream, kReadLog, kVerify, kFollowAlerts, kAdvanceClock, kBackup, kInfo };

const char* Name(Rpc rpc) {
  switch (rpc) {
    case Rpc::kReadStream:
      return "Audit.ReadStream";
    case Rpc::kReadLog:
      return "Audit.ReadLog";
    case Rpc::kVerify:
      return "Audit.Verify";
    case Rpc::kFollowAlerts:
      return "Supervision.FollowAlerts";
    case Rpc::kAdvanceClock:
      return "Admin.AdvanceClock";
    case Rpc::kBackup:
      return "Admin.Backup";
    case Rpc::kInfo:
      return "Admin.ServerInfo";
  }
  return "?";
}

// The roles allowed per RPC, as service.proto's (access) options say.
const std::map<Rpc, std::set<std::string>>& Allowed() {
  static const auto* allowed = new std::map<Rpc, std::set<std::string>>{
      {Rpc::kReadStream, {"auditor", "admin", "supervision"}},
      {Rpc::kReadLog, {"auditor", "admin", "supervision"}},
      {Rpc::kVerify, {"auditor", "admin"}},
      {Rpc::kFollowAlerts, {"supervision", "leader", "department", "auditor", "admin"}},
      {Rpc::kAdvanceClock, {"admin"}},
      {Rpc::kBackup, {"admin"}},
      {Rpc::kInfo, {"admin", "auditor", "supervision", "department", "leader", "enterprise"}},
  };
  return *allowed;
}

class AuthMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "tokens.textproto", Tokens::FileText());
    head_ = testing::SeedLog(dir_ / "data",
                             {{"case/A-1", "case.Opened"}, {"case/A-1", "case.ItemAccepted"}});
    daemon_ = testing::StartDaemon(dir_, {"--clock=manual", "--start=2025-03-01", "--log-only"});
    ASSERT_NE(daemon_, nullptr);
    channel_ = Connect(daemon_->address());
  }

  // Calls `rpc` with `authorization` metadata (none when empty).
  grpc::Status Invoke(Rpc rpc, const std::string& authorization, const std::string& tag) {
    grpc::ClientContext ctx;
    if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
    v1::Audit::Stub audit(channel_);
    v1::Supervision::Stub supervision(channel_);
    v1::Admin::Stub admin(channel_);
    switch (rpc) {
      case Rpc::kReadStream: {
        v1::ReadStreamRequest r;
        r.set_stream("case/A-1");
        v1::ReadStreamResponse out;
        return audit.ReadStream(&ctx, r, &out);
      }
      case Rpc::kReadLog: {
        auto reader = audit.ReadLog(&ctx, v1::ReadLogRequest());
        v1::ReadLogResponse page;
        while (reader->Read(&page)) {
        }
        return reader->Finish();
      }
      case Rpc::kVerify: {
        v1::VerifyResponse out;
        return audit.Verify(&ctx, v1::VerifyRequest(), &out);
      }
      case Rpc::kFollowAlerts: {
        v1::FollowAlertsRequest r;
        r.set_until_head(true);
        auto reader = supervision.FollowAlerts(&ctx, r);
        v1::Alert alert;
        while (reader->Read(&alert)) {
        }
        return reader->Finish();
      }
      case Rpc::kAdvanceClock: {
        v1::AdvanceClockRequest r;
        r.mutable_by()->set_seconds(3600);
        v1::AdvanceClockResponse out;
        return admin.AdvanceClock(&ctx, r, &out);
      }
      case Rpc::kBackup: {
        v1::BackupRequest r;
        r.set_dir(dir_ / ("backup-" + tag));
        v1::BackupResponse out;
        return admin.Backup(&ctx, r, &out);
      }
      case Rpc::kInfo: {
        v1::ServerInfoResponse out;
        return admin.ServerInfo(&ctx, v1::ServerInfoRequest(), &out);
      }
    }
    return grpc::Status::CANCELLED;
  }

  v1::ServerInfoResponse Info() { return testing::ServerInfo(*daemon_); }

  TempDir dir_;
  uint64_t head_ = 0;
  std::unique_ptr<Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(AuthMatrixTest, EveryRpcGivesTheRightCodeForEveryCredential) {
  const std::vector<std::pair<std::string, std::string>> roles = {
      {"admin", Tokens::kAdmin},
      {"auditor", Tokens::kAuditor},
      {"supervision", Tokens::kSupervision},
      {"department", Tokens::kDepartment},
      {"leader", Tokens::kLeader},
      {"enterprise", Tokens::kEnterprise},
  };
  int allowed_advances = 0;
  for (const auto& [rpc, allowed] : Allowed()) {
    SCOPED_TRACE(Name(rpc));
    // No credentials, an unknown token, and a header that is not a bearer token.
    for (const std::string& bad :
         {std::string(), std::string("Bearer not-a-known-token-0123456789"),
          std::string("Basic YWRtaW46YWRtaW4="), absl::StrCat("Bearer")}) {
      grpc::Status s = Invoke(rpc, bad, "unauthenticated");
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "'" << bad << "'";
    }
    for (const auto& [role, token] : roles) {
      grpc::Status s = Invoke(rpc, absl::StrCat("Bearer ", token), role);
      if (allowed.count(role)) {
        EXPECT_TRUE(s.ok()) << role << ": " << s.error_message();
        if (rpc == Rpc::kAdvanceClock && s.ok()) ++allowed_advances;
      } else {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << role;
        EXPECT_TRUE(absl::StrContains(s.error_message(), "needs role")) << s.error_message();
        EXPECT_TRUE(absl::StrContains(s.error_message(), "you are " + role + ":"))
            << s.error_message();
      }
    }
  }
  // The scheme is case-insensitive.
  EXPECT_TRUE(Invoke(Rpc::kInfo, absl::StrCat("bearer ", Tokens::kAuditor), "x").ok());

  // Nothing was written by a refused call: the log, the clock, the disk.
  v1::ServerInfoResponse info = Info();
  EXPECT_EQ(info.head_position(), head_);
  EXPECT_EQ(allowed_advances, 1);
  EXPECT_EQ(info.now().seconds(),
            absl::ToUnixSeconds(testing::TestStart() + absl::Minutes(2) + absl::Hours(1)))
      << "only the admin's advance moved the clock";
  for (const char* tag :
       {"unauthenticated", "auditor", "supervision", "department", "leader", "enterprise"}) {
    EXPECT_FALSE(std::filesystem::exists(dir_ / absl::StrCat("backup-", tag))) << tag;
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ / "backup-admin"));
  EXPECT_TRUE(absl::StrContains(daemon_->Stderr(), "refused /taizhang.v1.Admin/Backup"))
      << "refusals are logged";
}

TEST_F(AuthMatrixTest, DepartmentsFollowOnlyTheirOwnUnit) {
  v1::Supervision::Stub stub(channel_);
  v1::FollowAlertsRequest r;
  r.set_until_head(true);
  r.set_unit("生态环境局");
  auto ctx = testing::Call(Tokens::kDepartment);
  auto reader = stub.FollowAlerts(ctx.get(), r);
  v1::Alert alert;
  while (reader->Read(&alert)) {
  }
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "自然资源局")) << s.error_message();
}

TEST_F(AuthMatrixTest, TheCliReportsRefusals) {
  testing::CommandResult r =
      testing::RunCommand({TAIZHANG_CLI_PATH, "--server", daemon_->address(), "--token",
                           Tokens::kAuditor, "clock", "advance", "1d"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "PERMISSION_DENIED")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "needs role admin")) << r.err;

  r = testing::RunCommand({TAIZHANG_CLI_PATH, "--server", daemon_->address(), "info"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "UNAUTHENTICATED")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "TAIZHANG_TOKEN")) << r.err;

  // The token may come from the environment.
  r = testing::RunCommand({TAIZHANG_CLI_PATH, "--server", daemon_->address(), "info"},
                          {absl::StrCat("TAIZHANG_TOKEN=", Tokens::kLeader)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "leader:张副区长")) << r.out;
}

}  // namespace
}  // namespace taizhang
