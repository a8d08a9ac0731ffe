// Fault injection through RocksDB's FileSystem wrapper: a WAL sync that fails
// must be reported to every caller in that batch, none of whom is told it
// succeeded; the log then refuses writes until it is reopened, and a retry
// with the same request ids after the reopen writes each event exactly once.
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "base/clock.h"
#include "base/testing/files.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "store/event_log.h"

namespace taizhang {
namespace {

// Makes Sync/Fsync of WAL files fail while `fail` is set.
class FlakySyncFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FlakySyncFileSystem(std::shared_ptr<rocksdb::FileSystem> base)
      : FileSystemWrapper(std::move(base)) {}
  static const char* kClassName() { return "FlakySyncFileSystem"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, opts, result, dbg);
    if (s.ok() && name.size() > 4 && name.substr(name.size() - 4) == ".log") {
      *result = std::make_unique<File>(std::move(*result), this);
    }
    return s;
  }

  std::atomic<bool> fail{false};
  std::atomic<int> failed_syncs{0};
  // While set, a failing sync first waits for `release` so a test can gather
  // several appends into the failing batch.
  std::atomic<bool> hold{false};
  absl::Notification release;
  // When set, the next sync (failing or not, as `fail` was when it began)
  // waits for `next_release`: later appends queue up behind it.
  std::atomic<bool> hold_next{false};
  absl::Notification next_release;

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> f, FlakySyncFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
      const bool fail = fs_->fail;
      if (fs_->hold_next.exchange(false)) fs_->next_release.WaitForNotification();
      if (fail) return Fail();
      return FSWritableFileOwnerWrapper::Sync(o, d);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
      const bool fail = fs_->fail;
      if (fs_->hold_next.exchange(false)) fs_->next_release.WaitForNotification();
      if (fail) return Fail();
      return FSWritableFileOwnerWrapper::Fsync(o, d);
    }

   private:
    rocksdb::IOStatus Fail() {
      if (fs_->hold) fs_->release.WaitForNotification();
      ++fs_->failed_syncs;
      return rocksdb::IOStatus::IOError("injected fsync failure");
    }
    FlakySyncFileSystem* fs_;
  };
};

store::AppendRequest Req(const std::string& stream, const std::string& id) {
  store::AppendRequest r;
  r.stream = stream;
  r.request_id = id;
  r.events.resize(1);
  r.events[0].type = "fault.Appended";
  r.events[0].payload = id;
  return r;
}

// A log directory on a file system whose syncs the test controls.
class FaultTest : public ::testing::Test {
 protected:
  testing::TempDir tmp;  // first: removed after everything below
  const std::string dir = tmp / "log";
  ManualClock clock{absl::FromUnixSeconds(1767225600)};
  std::shared_ptr<FlakySyncFileSystem> fs =
      std::make_shared<FlakySyncFileSystem>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
};

TEST_F(FaultTest, FailedSyncFailsEveryAppendInTheBatch) {
  // Blocking and asynchronous appends alike.
  {
    auto log = store::OpenEventLog(dir, clock, store::Options{.env = env.get()});
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append(Req("s", "before")).ok());

    fs->hold = true;
    fs->fail = true;
    // The first append becomes the leader and blocks inside the failing sync;
    // the others queue up behind it and form the next batch, which fails too.
    constexpr int kAppenders = 12;
    std::atomic<int> succeeded{0}, failed{0};
    std::vector<std::thread> threads;
    // Every other appender does not wait: AppendAsync, told by its callback.
    std::atomic<int> called_back{0};
    auto outcome = [&](const absl::StatusOr<store::AppendResult>& r) {
      if (r.ok()) {
        ++succeeded;
      } else {
        EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
        ++failed;
      }
    };
    for (int i = 0; i < kAppenders; ++i) {
      threads.emplace_back([&, i] {
        auto request = Req(absl::StrCat("s", i % 3), absl::StrCat("during-", i));
        if (i % 2 == 1) {
          (*log)->AppendAsync(std::move(request), [&](absl::StatusOr<store::AppendResult> r) {
            outcome(r);
            ++called_back;
          });
        } else {
          outcome((*log)->Append(std::move(request)));
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    fs->release.Notify();
    for (auto& t : threads) t.join();
    while (called_back.load() < kAppenders / 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(succeeded.load(), 0);
    EXPECT_EQ(failed.load(), kAppenders);
    EXPECT_GE(fs->failed_syncs.load(), 1);
    EXPECT_EQ((*log)->HeadPosition(), 1u);

    // Even with the disk healthy again, this instance refuses writes: after a
    // failed sync it cannot know what the disk holds.
    fs->fail = false;
    auto after = (*log)->Append(Req("s", "after"));
    EXPECT_EQ(after.status().code(), absl::StatusCode::kUnavailable);
  }
  // Reopened on a healthy disk, the callers retry with their request ids: each
  // event ends up in the log exactly once, and the chain verifies.
  auto log = store::OpenEventLog(dir, clock);
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 12; ++i) {
    auto r = (*log)->Append(Req(absl::StrCat("s", i % 3), absl::StrCat("during-", i)));
    ASSERT_TRUE(r.ok()) << r.status();
  }
  std::map<std::string, int> copies;
  ASSERT_TRUE((*log)
                  ->Scan(1,
                         [&](const store::RecordedEvent& e) {
                           ++copies[e.record.request_id()];
                           return absl::OkStatus();
                         })
                  .ok());
  EXPECT_EQ(copies.size(), 13u);
  for (auto& [id, n] : copies) EXPECT_EQ(n, 1) << id;
  auto v = (*log)->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
}

// Two appends with one request id in one batch: the second is answered from
// the first's receipt, so when the batch's sync fails, both are told so.
TEST_F(FaultTest, ADuplicateAnsweredWithinAFailedBatchFailsToo) {
  {
    auto log = store::OpenEventLog(dir, clock, store::Options{.env = env.get()});
    ASSERT_TRUE(log.ok()) << log.status();
    // A first append holds the log in its (successful) sync; the two
    // duplicates queue up behind it and form the next batch, whose sync fails.
    fs->hold_next = true;
    std::thread first([&] { EXPECT_TRUE((*log)->Append(Req("s", "first")).ok()); });
    while (fs->hold_next) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::vector<absl::StatusOr<store::AppendResult>> twice(2, absl::UnknownError("not run"));
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] { twice[i] = (*log)->Append(Req("s", "twice")); });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    fs->fail = true;
    fs->next_release.Notify();
    first.join();
    for (auto& t : threads) t.join();
    for (const auto& r : twice) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
    }
    EXPECT_EQ((*log)->HeadPosition(), 1u);
  }
  // The failed batch may or may not have reached the disk (that is what
  // UNAVAILABLE says); a retry with the id leaves it there exactly once.
  auto log = store::OpenEventLog(dir, clock);
  ASSERT_TRUE(log.ok()) << log.status();
  auto retry = (*log)->Append(Req("s", "twice"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  auto events = (*log)->ReadStream("s", 1, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].record.request_id(), "twice");
}

}  // namespace
}  // namespace taizhang
