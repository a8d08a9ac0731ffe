// taizhangd --restore-from: a backup of a running server, restored as the log
// of a new server on another data directory, is checked first, holds every
// command acknowledged before the backup and none after, serves the same
// state digest and goes on appending; a data directory that holds a log, and
// a backup that does not verify, are refused, naming why, and nothing is
// written. A backup taken while clients write holds exactly the commands
// acknowledged at positions up to its own.
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "store/testing/tamperer.h"
#include "taizhang/v1/api_admin.pb.h"
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

// The same server, without projection checkpoints after every other event:
// under load they would be most of its work.
class RestoreUnderLoadTest : public RestoreTest {
 protected:
  void SetUp() override {
    StartWith({{"admin", "admin", "ops"}, {"office", "supervision", "区政府目督办"}},
              {"--clock", "manual", "--start", "2020-06-29"});
  }
  // CreateTask `id` (request id `id`) as the office; the reply's result.
  static grpc::Status Create(const std::shared_ptr<grpc::Channel>& channel, const std::string& id,
                             v1::CommandResult* result) {
    return testing::CreateTask(channel, testing::TokenOf("office"), id, "", result);
  }
};

// Four clients create tasks over gRPC while two backups are taken, one of
// hard links and one copied and verified. Each, restored on a data directory
// of its own, ends at the position the backup answered; every command
// acknowledged at a position up to it is there, a retry answering its first
// result; every command acknowledged after it is not, and a retry writes it.
TEST_F(RestoreUnderLoadTest, ABackupTakenUnderLoadHoldsEveryCommandAcknowledgedUpToItsPosition) {
  std::mutex mu;
  std::map<std::string, v1::CommandResult> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      auto channel = testing::Connect(daemon_->address());
      for (int n = 0; !stop.load(); ++n) {
        const std::string id = absl::StrCat("c", c, "-", n);
        v1::CommandResult result;
        grpc::Status s = Create(channel, id, &result);
        if (!s.ok()) {
          ADD_FAILURE() << id << ": " << s.error_code() << " " << s.error_message();
          return;
        }
        std::lock_guard<std::mutex> l(mu);
        acknowledged[id] = result;
      }
    });
  }
  auto acknowledged_count = [&] {
    std::lock_guard<std::mutex> l(mu);
    return acknowledged.size();
  };
  auto wait_for = [&](size_t n) {
    while (acknowledged_count() < n && !HasFailure())
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  v1::Admin::Stub admin(testing::Connect(daemon_->address()));
  struct Taken {
    std::string dir;
    bool copy;
    uint64_t position = 0;
  };
  std::vector<Taken> backups = {{dir_ / "backup-links", false}, {dir_ / "backup-copy", true}};
  for (Taken& b : backups) {
    wait_for(acknowledged_count() + 400);
    v1::BackupRequest request;
    request.set_dir(b.dir);
    request.set_copy(b.copy);
    v1::BackupResponse response;
    grpc::Status s =
        admin.Backup(testing::Call(testing::TokenOf("admin")).get(), request, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response.copied(), b.copy);
    b.position = response.position();
  }
  wait_for(acknowledged_count() + 400);
  stop = true;
  for (std::thread& t : clients) t.join();
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(daemon_->Stop(), 0);
  daemon_.reset();

  int restored = 0;
  for (const Taken& b : backups) {
    SCOPED_TRACE(b.dir);
    size_t before = 0, after = 0;
    uint64_t written_after = 0;  // events the commands after the backup wrote
    for (const auto& [id, result] : acknowledged) {
      if (result.last_position() <= b.position) {
        ++before;
      } else {
        ++after;
        written_after += result.last_position() - result.first_position() + 1;
      }
    }
    // Commands were acknowledged on both sides of the backup's position.
    EXPECT_GT(before, 400u);
    EXPECT_GT(after, 400u);

    std::string failure;
    const std::string data = absl::StrCat("restored-", restored++);
    daemon_ = Restore(b.dir, data, &failure);
    ASSERT_NE(daemon_, nullptr) << failure;
    EXPECT_EQ(testing::HeadPosition(*daemon_, testing::TokenOf("admin")), b.position);
    auto channel = testing::Connect(daemon_->address());
    size_t missing = 0, wrong = 0, present_after = 0;
    for (const auto& [id, first] : acknowledged) {
      if (first.last_position() > b.position) continue;
      v1::CommandResult again;
      grpc::Status s = Create(channel, id, &again);
      if (!s.ok() || !again.duplicate()) {
        ++missing;
        ADD_FAILURE_AT(__FILE__, __LINE__)
            << id << " at " << first.last_position() << ": " << s.error_message() << " duplicate "
            << again.duplicate();
      } else if (again.first_position() != first.first_position() ||
                 again.last_position() != first.last_position()) {
        ++wrong;
        ADD_FAILURE() << id << ": first result at " << first.last_position() << ", now "
                      << again.last_position();
      }
      if (missing + wrong > 5) break;
    }
    EXPECT_EQ(missing, 0u);
    EXPECT_EQ(wrong, 0u);
    // Nothing the server wrote after the backup's position is there: a
    // retry of those commands writes them now, after the head.
    for (const auto& [id, first] : acknowledged) {
      if (first.last_position() <= b.position) continue;
      v1::CommandResult again;
      grpc::Status s = Create(channel, id, &again);
      ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
      if (again.duplicate()) ++present_after;
      EXPECT_GT(again.first_position(), b.position) << id;
    }
    EXPECT_EQ(present_after, 0u);
    EXPECT_EQ(testing::HeadPosition(*daemon_, testing::TokenOf("admin")),
              b.position + written_after);
    Ok("admin", {"verify"});
    EXPECT_EQ(daemon_->Stop(), 0);
    daemon_.reset();
  }
}

}  // namespace
}  // namespace taizhang
