#include "services/export_pool.h"

#include <atomic>
#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace taizhang::services {
namespace {

using ::testing::HasSubstr;

// A pool whose jobs each wait at the start until the test lets them go.
class HeldPool {
 public:
  explicit HeldPool(int workers, int queue_limit) {
    ExportPoolOptions options;
    options.workers = workers;
    options.queue_limit = queue_limit;
    options.before_job = [this] {
      absl::MutexLock l(&mu_);
      ++started_;
      mu_.Await(absl::Condition(&released_));
    };
    pool_ = std::make_unique<ExportPool>(options);
  }
  ~HeldPool() {
    Release();
    pool_.reset();
  }
  void AwaitStarted(int n) {
    absl::MutexLock l(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return started_ >= n; };
    mu_.Await(absl::Condition(&enough));
  }
  void Release() {
    absl::MutexLock l(&mu_);
    released_ = true;
  }
  ExportPool& pool() { return *pool_; }
  void StopPool() { pool_.reset(); }

 private:
  absl::Mutex mu_;
  int started_ ABSL_GUARDED_BY(mu_) = 0;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<ExportPool> pool_;
};

// Jobs done, awaited without polling.
class Done {
 public:
  void Add() {
    absl::MutexLock l(&mu_);
    ++n_;
  }
  int AwaitAtLeast(int n) {
    absl::MutexLock l(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return n_ >= n; };
    mu_.Await(absl::Condition(&enough));
    return n_;
  }
  int now() {
    absl::MutexLock l(&mu_);
    return n_;
  }

 private:
  absl::Mutex mu_;
  int n_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(ExportPoolTest, RunsAtMostItsWorkersAndQueuesUpToItsLimit) {
  HeldPool held(/*workers=*/2, /*queue_limit=*/1);
  Done done;
  auto job = [&done] { done.Add(); };
  ASSERT_TRUE(held.pool().Submit(job).ok());
  ASSERT_TRUE(held.pool().Submit(job).ok());
  held.AwaitStarted(2);
  EXPECT_EQ(held.pool().running(), 2);
  ASSERT_TRUE(held.pool().Submit(job).ok());  // waits for a worker
  EXPECT_EQ(held.pool().waiting(), 1);
  absl::Status full = held.pool().Submit(job);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("导出繁忙"));
  EXPECT_THAT(full.message(), HasSubstr("请稍后再试"));
  EXPECT_EQ(done.now(), 0);
  held.Release();
  // The three taken all run; the refused one was never queued.
  EXPECT_EQ(done.AwaitAtLeast(3), 3);
  EXPECT_TRUE(held.pool().Submit(job).ok());  // room again
  EXPECT_EQ(done.AwaitAtLeast(4), 4);
}

// Notifies when the last job holding it lets it go.
struct Dropped {
  explicit Dropped(absl::Notification* n) : notification(n) {}
  ~Dropped() { notification->Notify(); }
  Dropped(const Dropped&) = delete;
  Dropped& operator=(const Dropped&) = delete;
  absl::Notification* notification;
};

TEST(ExportPoolTest, StoppingDropsTheWaitingJobsUnrunAndReleasesWhatTheyHold) {
  HeldPool held(/*workers=*/1, /*queue_limit=*/2);
  Done done;
  ASSERT_TRUE(held.pool().Submit([&done] { done.Add(); }).ok());
  held.AwaitStarted(1);
  absl::Notification dropped;
  auto guard = std::make_shared<Dropped>(&dropped);
  ASSERT_TRUE(held.pool().Submit([guard, &done] { done.Add(); }).ok());
  guard.reset();  // the waiting job holds it alone now
  // Stopping while the first job is held: the waiting one is dropped unrun,
  // then the running one is waited for.
  std::thread stopper([&held] { held.StopPool(); });
  dropped.WaitForNotification();
  EXPECT_EQ(done.now(), 0);
  held.Release();
  stopper.join();
  EXPECT_EQ(done.now(), 1);
}

TEST(BuildSlotsTest, AtMostTheLimitHeldAtOnce) {
  BuildSlots slots(2);
  {
    BuildSlots::Lease a(slots, absl::ZeroDuration());
    BuildSlots::Lease b(slots, absl::ZeroDuration());
    EXPECT_TRUE(a.ok());
    EXPECT_TRUE(b.ok());
    EXPECT_EQ(slots.held(), 2);
    BuildSlots::Lease c(slots, absl::ZeroDuration());
    EXPECT_FALSE(c.ok());
    EXPECT_EQ(slots.held(), 2);
  }
  EXPECT_EQ(slots.held(), 0);
  BuildSlots::Lease d(slots, absl::ZeroDuration());
  EXPECT_TRUE(d.ok());
}

TEST(BuildSlotsTest, AWaitingLeaseTakesTheSlotReleased) {
  BuildSlots slots(1);
  auto first = std::make_unique<BuildSlots::Lease>(slots, absl::ZeroDuration());
  ASSERT_TRUE(first->ok());
  absl::Notification got;
  std::thread waiter([&] {
    BuildSlots::Lease second(slots, absl::Seconds(30));
    EXPECT_TRUE(second.ok());
    got.Notify();
  });
  first.reset();
  got.WaitForNotification();
  waiter.join();
  EXPECT_EQ(slots.held(), 0);
}

}  // namespace
}  // namespace taizhang::services
