// Admin against the real taizhangd: the manual clock only in manual mode,
// backups, server info; through gRPC and the CLI.

#include <filesystem>

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
using testing::RunCli;
using testing::TempDir;
using testing::Tokens;

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::WriteFile(dir_ / "tokens.textproto", Tokens::FileText()); }

  std::unique_ptr<Daemon> Start(std::vector<std::string> extra) {
    extra.insert(extra.begin(), "--log-only");
    return testing::StartDaemon(dir_, extra);
  }

  TempDir dir_;
};

TEST_F(AdminTest, TheClockAdvancesOnlyInManualMode) {
  auto d = Start({"--clock=system"});
  ASSERT_NE(d, nullptr);
  {
    v1::Admin::Stub admin(Connect(d->address()));
    v1::AdvanceClockRequest request;
    request.mutable_by()->set_seconds(3600);
    v1::AdvanceClockResponse response;
    grpc::Status s = admin.AdvanceClock(Call(Tokens::kAdmin).get(), request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_TRUE(absl::StrContains(s.error_message(), "--clock=manual")) << s.error_message();
  }
  testing::CommandResult r = RunCli(*d, Tokens::kAdmin, {"clock", "advance", "1d"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "FAILED_PRECONDITION")) << r.err;
  ASSERT_EQ(d->Stop(), 0);

  d = Start({"--clock=manual", "--start=2025-03-01"});
  ASSERT_NE(d, nullptr);
  r = RunCli(*d, Tokens::kAdmin, {"clock", "advance", "1d12h"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "clock: 2025-03-01 00:00:00 → 2025-03-02 12:00:00 (China time)\n");
  r = RunCli(*d, Tokens::kAdmin, {"clock", "set", "2025-03-10"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "clock: 2025-03-02 12:00:00 → 2025-03-10 00:00:00 (China time)\n");
  r = RunCli(*d, Tokens::kAdmin, {"clock", "set", "2025-03-09"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "time never goes back")) << r.err;
  r = RunCli(*d, Tokens::kAdmin, {"clock", "advance", "soon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "not a duration")) << r.err;
  r = RunCli(*d, Tokens::kAuditor, {"info"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "clock         manual")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "now           2025-03-10 00:00:00")) << r.out;
  ASSERT_EQ(d->Stop(), 0);
}

TEST_F(AdminTest, AManualClockNeverStartsBeforeTheLogsLastRecord) {
  testing::SeedLog(dir_ / "data", {{"case/A-1", "case.Opened"}},
                   testing::TestStart() + absl::Hours(24 * 20));
  auto d = Start({"--clock=manual", "--start=2025-03-01"});
  ASSERT_NE(d, nullptr);
  v1::Admin::Stub admin(Connect(d->address()));
  v1::ServerInfoResponse info;
  ASSERT_TRUE(admin.ServerInfo(Call(Tokens::kAdmin).get(), {}, &info).ok());
  EXPECT_EQ(info.now().seconds(),
            absl::ToUnixSeconds(testing::TestStart() + absl::Hours(24 * 20) + absl::Minutes(1)));
}

TEST_F(AdminTest, BackupMakesAVerifiableCopyOnline) {
  const uint64_t head = testing::SeedLog(
      dir_ / "data", {{"case/A-1", "case.Opened"},
                      {"project/2020-530115-47-01-012345", "project.Registered", "admin:ops"}});
  auto d = Start({});
  ASSERT_NE(d, nullptr);
  v1::Admin::Stub admin(Connect(d->address()));
  v1::BackupRequest request;
  request.set_dir(dir_ / "backup-1");
  v1::BackupResponse response;
  grpc::Status s = admin.Backup(Call(Tokens::kAdmin).get(), request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.position(), head);
  EXPECT_EQ(admin.Backup(Call(Tokens::kAdmin).get(), request, &response).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  request.set_dir("relative/dir");
  EXPECT_EQ(admin.Backup(Call(Tokens::kAdmin).get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.set_dir(dir_ / "data/inside");
  EXPECT_EQ(admin.Backup(Call(Tokens::kAdmin).get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.set_dir(dir_ / "no/such/parent");
  EXPECT_EQ(admin.Backup(Call(Tokens::kAdmin).get(), request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  testing::CommandResult r = RunCli(*d, Tokens::kAdmin, {"backup", dir_ / "backup-2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "backup of positions 1..2 in ")) << r.out;

  // The copy opens and verifies on its own, while the server keeps running.
  store::VerifyResult copy = testing::OfflineVerify(dir_ / "backup-1");
  EXPECT_TRUE(copy.ok);
  EXPECT_EQ(copy.to, head);
  v1::ServerInfoResponse info;
  ASSERT_TRUE(admin.ServerInfo(Call(Tokens::kAdmin).get(), {}, &info).ok());
  EXPECT_EQ(store::ToHex(copy.last_hash), info.head_digest());
  EXPECT_EQ(info.caller(), "admin:ops");
  EXPECT_FALSE(info.version().empty());
  EXPECT_EQ(info.clock_mode(), v1::CLOCK_MODE_SYSTEM);
}

// Every regular file of `dir` has one link: none is shared with another directory.
bool StandsAlone(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && e.hard_link_count() != 1) return false;
  }
  return true;
}

TEST_F(AdminTest, ACopiedBackupStandsOnItsOwnOnAnotherFilesystem) {
  const uint64_t head = testing::SeedLog(
      dir_ / "data", {{"case/A-1", "case.Opened"},
                      {"project/2020-530115-47-01-012345", "project.Registered", "admin:ops"}});
  auto d = Start({});
  ASSERT_NE(d, nullptr);
  // Memory (/dev/shm) is another filesystem than the data directory's, when
  // the machine has it: hard links cannot reach it.
  std::error_code error;
  const bool shm = std::filesystem::is_directory("/dev/shm", error);
  TempDir elsewhere(shm ? std::filesystem::path("/dev/shm")
                        : std::filesystem::temp_directory_path());
  v1::Admin::Stub admin(Connect(d->address()));
  v1::BackupRequest request;
  request.set_dir(elsewhere / "copy-1");
  request.set_copy(true);
  v1::BackupResponse response;
  grpc::Status s = admin.Backup(Call(Tokens::kAdmin).get(), request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.position(), head);
  EXPECT_TRUE(response.copied());
  EXPECT_GT(response.files(), 0u);
  EXPECT_GT(response.bytes(), 0u);
  v1::ServerInfoResponse info;
  ASSERT_TRUE(admin.ServerInfo(Call(Tokens::kAdmin).get(), {}, &info).ok());
  EXPECT_EQ(response.chain_digest(), info.head_digest());
  EXPECT_EQ(admin.Backup(Call(Tokens::kAdmin).get(), request, &response).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // Nothing of the copy's work is left in the data directory.
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir_ / "data") / "backup-staging"));

  // A plain backup shares the log's files; a copied one shares none.
  testing::CommandResult r = RunCli(*d, Tokens::kAdmin, {"backup", dir_ / "linked"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(StandsAlone(dir_ / "linked"));
  r = RunCli(*d, Tokens::kAdmin, {"backup", "--copy", dir_ / "copy-2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "read back verified")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, info.head_digest())) << r.out;
  EXPECT_TRUE(StandsAlone(dir_ / "copy-2"));
  EXPECT_TRUE(StandsAlone(elsewhere / "copy-1"));

  // The log itself gone, each copy is still the whole log.
  ASSERT_EQ(d->Stop(), 0);
  std::filesystem::remove_all(dir_ / "data");
  for (const std::filesystem::path& copy : {elsewhere / "copy-1", dir_ / "copy-2"}) {
    store::VerifyResult v = testing::OfflineVerify(copy);
    EXPECT_TRUE(v.ok) << copy;
    EXPECT_EQ(v.to, head);
    EXPECT_EQ(store::ToHex(v.last_hash), info.head_digest());
  }
}

}  // namespace
}  // namespace taizhang
