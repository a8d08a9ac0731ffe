// taizhangd --restore-from: a backup of a running server, restored as the log
// of a new server on another data directory, is checked first, holds every
// command acknowledged before the backup and none after, serves the same
// state digest and goes on appending; a data directory that holds a log, and
// a backup that does not verify, are refused, naming why, and nothing is
// written.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "store/testing/tamperer.h"
#include "taizhang/v1/api_audit.pb.h"
#include "taizhang/v1/record.pb.h"

namespace taizhang {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RestoreTest : public testing::DaemonFixture {
 protected:
  void SetUp() override {
    StartWith({{"admin", "admin", "ops"},
               {"office", "supervision", "区政府目督办"},
               {"auditor", "auditor", "区审计局"},
               {"resources", "department", "区自然资源局"}},
              {"--clock", "manual", "--start", "2020-06-29", "--checkpoint-every", "2"});
  }
  void Task(const std::string& id) {
    Ok("office", {"task", "create", id, "project_code=2020-530115-72-01-000001", "title=任务" + id,
                  "responsible_units=区自然资源局", "deadline.rule.kind=fixed_date",
                  "deadline.rule.fixed_date=2020-08-31"});
  }
  v1::StateDigest Digest() {
    testing::CommandResult r = Cli("auditor", {"--json", "digest"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    v1::StateDigest d;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &d).ok()) << r.out;
    return d;
  }
  // Starts taizhangd restoring `backup` into the data directory `data`;
  // null and the failure's text when it does not start.
  std::unique_ptr<testing::Daemon> Restore(const std::string& backup, const std::string& data,
                                           std::string* failure) {
    return testing::Daemon::Start(
        testing::DaemonArgs(
            dir_, {"--clock", "manual", "--start", "2020-07-01", "--restore-from", backup}, data),
        dir_ / "stderr-restore", failure);
  }
};

TEST_F(RestoreTest, ARestoredBackupServesWhatWasAcknowledgedBeforeItAndGoesOn) {
  for (const char* id : {"t1", "t2", "t3"}) Task(id);
  ClockTo("2020-08-25");  // the warnings fall due: their events are in the backup
  Ok("auditor", {"checkpoint", "sign"});
  const v1::StateDigest before = Digest();
  const std::string backup = dir_ / "backup";
  Ok("admin", {"backup", backup});
  Task("t4");  // after the backup
  EXPECT_EQ(daemon_->Stop(), 0);
  daemon_.reset();
  {
    // What the chain does not cover, changed in the backup: the head of t1's
    // stream (its next command would conflict). The projections' checkpoint
    // is there (a start from it would trust bytes no signature covers).
    store::testing::Tamperer t(backup);
    EXPECT_TRUE(t.HasSnapshotKey(
        store::format::CheckpointHeaderKey(store::format::CheckpointPrefix("ledger"))));
    v1::StreamHead head;
    head.set_version(99);
    head.set_last_position(1);
    t.PutHead("task/t1", head.SerializeAsString());
  }

  std::string failure;
  daemon_ = Restore(backup, "restored/", &failure);  // a trailing slash is the same place
  ASSERT_NE(daemon_, nullptr) << failure;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "restored.restoring"));
  const std::string log = testing::ReadFile(dir_ / "stderr-restore");
  EXPECT_THAT(log, HasSubstr("signatures checked against the server's key"));
  EXPECT_THAT(log, HasSubstr("made anew from the records"));
  EXPECT_THAT(log, Not(HasSubstr("projections: checkpoint at position")));
  const v1::StateDigest after = Digest();
  EXPECT_EQ(after.position(), before.position());
  EXPECT_EQ(after.digest(), before.digest());
  EXPECT_EQ(after.root(), before.root());
  for (const char* id : {"t1", "t2", "t3"}) {
    EXPECT_EQ(Cli("auditor", {"task", "show", id}).exit_code, 0) << id;
  }
  EXPECT_NE(Cli("auditor", {"task", "show", "t4"}).exit_code, 0);
  Ok("resources", {"task", "complete", "t1", "text=完成"});
  Task("t5");  // it goes on appending, signed by the same key
  Ok("auditor", {"checkpoint", "sign"});
  Ok("auditor", {"verify"});
}

TEST_F(RestoreTest, ALogInTheWayAndABrokenBackupAreRefused) {
  Task("t1");
  Task("t2");
  const std::string backup = dir_ / "backup";
  Ok("admin", {"backup", backup});
  EXPECT_EQ(daemon_->Stop(), 0);
  daemon_.reset();

  // Into the data directory that holds the log: refused, the log untouched.
  std::string failure;
  EXPECT_EQ(Restore(backup, "data", &failure), nullptr);
  EXPECT_THAT(failure, HasSubstr("已有文件"));

  // A backup with one record altered: refused with its position.
  {
    store::testing::Tamperer t(backup);
    v1::EventRecord rec;
    ASSERT_TRUE(rec.ParseFromString(t.Get(3)));
    rec.set_actor("supervision:别人");
    t.Put(3, rec.SerializeAsString());
  }
  EXPECT_EQ(Restore(backup, "restored", &failure), nullptr);
  EXPECT_THAT(failure, HasSubstr("未通过核验"));
  EXPECT_THAT(failure, ::testing::ContainsRegex("第 [34] 条"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "restored"));

  // The original log still serves.
  daemon_ = testing::StartDaemon(dir_, {"--clock", "manual", "--start", "2020-07-01"});
  ASSERT_NE(daemon_, nullptr);
  EXPECT_EQ(Cli("auditor", {"task", "show", "t2"}).exit_code, 0);
}

}  // namespace
}  // namespace taizhang
