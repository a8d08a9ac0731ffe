#include "engine/deadline_scheduler.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "base/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace taizhang::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

struct Call {
  std::string key;
  absl::Time due;
  absl::Time now;  // the clock when the handler ran
  std::thread::id thread;
};

// A scheduler on a manual clock whose handler records every call and returns
// what `outcome_` says (OK by default).
class DeadlineSchedulerTest : public ::testing::Test {
 protected:
  void MakeScheduler(DeadlineSchedulerOptions options = {}) {
    scheduler_ = std::make_unique<DeadlineScheduler>(
        clock_,
        [this](const std::string& key, absl::Time due) {
          absl::MutexLock l(&mu_);
          calls_.push_back(Call{key, due, clock_.Now(), std::this_thread::get_id()});
          return outcome_ ? outcome_(key, due) : absl::OkStatus();
        },
        options);
  }

  std::vector<Call> Calls() {
    absl::MutexLock l(&mu_);
    return calls_;
  }

  std::vector<std::string> CalledKeys() {
    std::vector<std::string> keys;
    for (const Call& c : Calls()) keys.push_back(c.key);
    return keys;
  }

  void SetOutcome(std::function<absl::Status(const std::string&, absl::Time)> f) {
    absl::MutexLock l(&mu_);
    outcome_ = std::move(f);
  }

  // Moves the clock and waits until everything due has been handled.
  void AdvanceTo(absl::Time t) {
    clock_.AdvanceTo(t);
    scheduler_->WaitIdle();
  }

  ManualClock clock_{kT0};
  absl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  std::function<absl::Status(const std::string&, absl::Time)> outcome_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<DeadlineScheduler> scheduler_;  // last: destroyed first
};

TEST_F(DeadlineSchedulerTest, NeverFiresEarly) {
  MakeScheduler();
  ASSERT_TRUE(scheduler_->Start().ok());
  const absl::Time due = kT0 + absl::Seconds(10);
  ASSERT_TRUE(scheduler_->Set("a", due).ok());
  ASSERT_TRUE(scheduler_->Set("b", due + absl::Seconds(5) + absl::Nanoseconds(500)).ok());

  AdvanceTo(due - absl::Microseconds(1));
  EXPECT_THAT(Calls(), IsEmpty());
  AdvanceTo(due);
  ASSERT_EQ(Calls().size(), 1u);
  EXPECT_EQ(Calls()[0].key, "a");
  EXPECT_EQ(Calls()[0].due, due);
  EXPECT_EQ(Calls()[0].now, due);
  EXPECT_EQ(scheduler_->stats().last_lateness, absl::ZeroDuration());

  // A sub-microsecond due is kept rounded up, so it is not reached early.
  AdvanceTo(due + absl::Seconds(5) + absl::Nanoseconds(999));
  EXPECT_EQ(Calls().size(), 1u);
  AdvanceTo(due + absl::Seconds(5) + absl::Microseconds(1));
  ASSERT_EQ(Calls().size(), 2u);
  EXPECT_EQ(Calls()[1].due, due + absl::Seconds(5) + absl::Microseconds(1));
  for (const Call& c : Calls()) EXPECT_GE(c.now, c.due);
}

TEST_F(DeadlineSchedulerTest, FiresOnceAndForgets) {
  MakeScheduler();
  ASSERT_TRUE(scheduler_->Start().ok());
  ASSERT_TRUE(scheduler_->Set("a", kT0 + absl::Seconds(1)).ok());
  EXPECT_EQ(scheduler_->stats().pending, 1u);
  AdvanceTo(kT0 + absl::Seconds(2));
  AdvanceTo(kT0 + absl::Hours(1));
  EXPECT_THAT(CalledKeys(), ElementsAre("a"));
  DeadlineSchedulerStats s = scheduler_->stats();
  EXPECT_EQ(s.fired, 1u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_FALSE(scheduler_->Find("a").has_value());
  EXPECT_EQ(clock_.PendingTimers(), 0u);
}

TEST_F(DeadlineSchedulerTest, FiresInDueOrderThenKeyOrder) {
  MakeScheduler();
  ASSERT_TRUE(scheduler_->Start().ok());
  ASSERT_TRUE(scheduler_->Set("c", kT0 + absl::Seconds(2)).ok());
  ASSERT_TRUE(scheduler_->Set("b", kT0 + absl::Seconds(1)).ok());
  ASSERT_TRUE(scheduler_->Set("a", kT0 + absl::Seconds(2)).ok());
  AdvanceTo(kT0 + absl::Seconds(3));
  EXPECT_THAT(CalledKeys(), ElementsAre("b", "a", "c"));
}

TEST_F(DeadlineSchedulerTest, MovedDeadlineFiresAtTheNewTimeOnly) {
  MakeScheduler();
  ASSERT_TRUE(scheduler_->Start().ok());
  ASSERT_TRUE(scheduler_->Set("later", kT0 + absl::Seconds(10)).ok());
  ASSERT_TRUE(scheduler_->Set("earlier", kT0 + absl::Seconds(30)).ok());
  ASSERT_TRUE(scheduler_->Set("later", kT0 + absl::Seconds(20)).ok());
  ASSERT_TRUE(scheduler_->Set("earlier", kT0 + absl::Seconds(5)).ok());
  EXPECT_EQ(scheduler_->Find("later"), kT0 + absl::Seconds(20));

  AdvanceTo(kT0 + absl::Seconds(5));
  EXPECT_THAT(CalledKeys(), ElementsAre("earlier"));
  AdvanceTo(kT0 + absl::Seconds(19));
  EXPECT_THAT(CalledKeys(), ElementsAre("earlier"));
  AdvanceTo(kT0 + absl::Seconds(40));
  ASSERT_THAT(CalledKeys(), ElementsAre("earlier", "later"));
  EXPECT_EQ(Calls()[0].due, kT0 + absl::Seconds(5));
  EXPECT_EQ(Calls()[1].due, kT0 + absl::Seconds(20));
}

TEST_F(DeadlineSchedulerTest, RemovedDeadlineNeverFires) {
  MakeScheduler();
  ASSERT_TRUE(scheduler_->Start().ok());
  ASSERT_TRUE(scheduler_->Set("a", kT0 + absl::Seconds(1)).ok());
  ASSERT_TRUE(scheduler_->Set("b", kT0 + absl::Seconds(2)).ok());
  EXPECT_TRUE(scheduler_->Remove("a"));
  EXPECT_FALSE(scheduler_->Remove("a"));
  AdvanceTo(kT0 + absl::Hours(1));
  EXPECT_THAT(CalledKeys(), ElementsAre("b"));
}

TEST_F(DeadlineSchedulerTest, KeepsExactlyOneTimerArmed) {
  MakeScheduler();
  ASSERT_TRUE(scheduler_->Start().ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(scheduler_->Set(absl::StrCat("k", i), kT0 + absl::Seconds(100 - i)).ok());
    ASSERT_EQ(clock_.PendingTimers(), 1u);
  }
  AdvanceTo(kT0 + absl::Seconds(50));
  EXPECT_EQ(Calls().size(), 50u);
  EXPECT_EQ(clock_.PendingTimers(), 1u);
  for (int i = 0; i < 50; ++i) scheduler_->Remove(absl::StrCat("k", i));
  EXPECT_EQ(clock_.PendingTimers(), 0u);
}

TEST_F(DeadlineSchedulerTest, RebuiltDeadlinesAlreadyDueFireAtStartWithLateness) {
  MakeScheduler();
  // As after a replay: Set everything, then Start.
  ASSERT_TRUE(scheduler_->Set("a", kT0 + absl::Seconds(10)).ok());
  ASSERT_TRUE(scheduler_->Set("b", kT0 + absl::Seconds(40)).ok());
  ASSERT_TRUE(scheduler_->Set("c", kT0 + absl::Seconds(90)).ok());
  clock_.AdvanceTo(kT0 + absl::Seconds(60));  // the process was down
  scheduler_->WaitIdle();                     // not running: returns at once
  EXPECT_THAT(Calls(), IsEmpty());

  ASSERT_TRUE(scheduler_->Start().ok());
  scheduler_->WaitIdle();
  EXPECT_THAT(CalledKeys(), ElementsAre("a", "b"));
  DeadlineSchedulerStats s = scheduler_->stats();
  EXPECT_EQ(s.max_lateness, absl::Seconds(50));
  EXPECT_EQ(s.last_lateness, absl::Seconds(20));
  EXPECT_EQ(s.pending, 1u);
  AdvanceTo(kT0 + absl::Seconds(90));
  EXPECT_THAT(CalledKeys(), ElementsAre("a", "b", "c"));
  EXPECT_EQ(scheduler_->stats().last_lateness, absl::ZeroDuration());
  EXPECT_EQ(scheduler_->stats().max_lateness, absl::Seconds(50));
}

TEST_F(DeadlineSchedulerTest, FailedHandlerIsRetriedWithBackoffAndSameDue) {
  DeadlineSchedulerOptions options;
  options.initial_retry_backoff = absl::Seconds(1);
  options.max_retry_backoff = absl::Seconds(3);
  MakeScheduler(options);
  int failures_left = 3;
  SetOutcome([&](const std::string&, absl::Time) {
    return failures_left-- > 0 ? absl::UnavailableError("disk") : absl::OkStatus();
  });
  ASSERT_TRUE(scheduler_->Start().ok());
  const absl::Time due = kT0 + absl::Seconds(10);
  ASSERT_TRUE(scheduler_->Set("a", due).ok());

  AdvanceTo(due);
  EXPECT_EQ(Calls().size(), 1u);
  DeadlineSchedulerStats s = scheduler_->stats();
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.retrying, 1u);
  EXPECT_EQ(s.pending, 1u);
  EXPECT_EQ(s.fired, 0u);
  EXPECT_EQ(scheduler_->Find("a"), due);  // the due instant is kept

  AdvanceTo(due + absl::Milliseconds(999));
  EXPECT_EQ(Calls().size(), 1u);
  AdvanceTo(due + absl::Seconds(1));  // +1 s
  EXPECT_EQ(Calls().size(), 2u);
  AdvanceTo(due + absl::Seconds(3));  // +2 s
  EXPECT_EQ(Calls().size(), 3u);
  AdvanceTo(due + absl::Seconds(5));  // capped at 3 s: not yet
  EXPECT_EQ(Calls().size(), 3u);
  AdvanceTo(due + absl::Seconds(6));
  ASSERT_EQ(Calls().size(), 4u);
  for (const Call& c : Calls()) EXPECT_EQ(c.due, due);
  s = scheduler_->stats();
  EXPECT_EQ(s.failures, 3u);
  EXPECT_EQ(s.fired, 1u);
  EXPECT_EQ(s.retrying, 0u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.last_lateness, absl::Seconds(6));
  AdvanceTo(due + absl::Hours(1));
  EXPECT_EQ(Calls().size(), 4u);
}

TEST_F(DeadlineSchedulerTest, SetOrRemoveDropsAPendingRetry) {
  MakeScheduler();
  SetOutcome([](const std::string& key, absl::Time) {
    return key == "a" || key == "b" ? absl::UnavailableError("disk") : absl::OkStatus();
  });
  ASSERT_TRUE(scheduler_->Start().ok());
  ASSERT_TRUE(scheduler_->Set("a", kT0 + absl::Seconds(1)).ok());
  ASSERT_TRUE(scheduler_->Set("b", kT0 + absl::Seconds(1)).ok());
  AdvanceTo(kT0 + absl::Seconds(1));
  EXPECT_EQ(scheduler_->stats().retrying, 2u);

  SetOutcome(nullptr);
  EXPECT_TRUE(scheduler_->Remove("a"));
  ASSERT_TRUE(scheduler_->Set("b", kT0 + absl::Minutes(10)).ok());
  EXPECT_EQ(scheduler_->stats().retrying, 0u);
  AdvanceTo(kT0 + absl::Minutes(9));
  EXPECT_THAT(CalledKeys(), ElementsAre("a", "b"));
  AdvanceTo(kT0 + absl::Minutes(10));
  ASSERT_THAT(CalledKeys(), ElementsAre("a", "b", "b"));
  EXPECT_EQ(Calls()[2].due, kT0 + absl::Minutes(10));
}

TEST_F(DeadlineSchedulerTest, HandlersRunOffTheAdvancingThread) {
  absl::Notification release;
  std::atomic<bool> released_in_time{false};
  MakeScheduler();
  SetOutcome([&](const std::string&, absl::Time) {
    // Blocks until the test thread, back from Advance, releases it. If Advance
    // ran the handler itself this would time out instead.
    released_in_time = release.WaitForNotificationWithTimeout(absl::Seconds(30));
    return absl::OkStatus();
  });
  ASSERT_TRUE(scheduler_->Start().ok());
  ASSERT_TRUE(scheduler_->Set("a", kT0 + absl::Seconds(1)).ok());
  clock_.Advance(absl::Seconds(1));
  release.Notify();
  scheduler_->WaitIdle();
  ASSERT_EQ(Calls().size(), 1u);
  EXPECT_TRUE(released_in_time);
  EXPECT_NE(Calls()[0].thread, std::this_thread::get_id());
}

TEST_F(DeadlineSchedulerTest, HandlerMaySetTheNextDeadline) {
  MakeScheduler();
  int repeats = 0;
  SetOutcome([&](const std::string& key, absl::Time due) {
    if (++repeats < 5) return scheduler_->Set(key, due + absl::Seconds(1));
    return absl::OkStatus();
  });
  ASSERT_TRUE(scheduler_->Start().ok());
  ASSERT_TRUE(scheduler_->Set("tick", kT0 + absl::Seconds(1)).ok());
  AdvanceTo(kT0 + absl::Seconds(3));
  EXPECT_EQ(Calls().size(), 3u);
  AdvanceTo(kT0 + absl::Seconds(60));
  ASSERT_EQ(Calls().size(), 5u);
  EXPECT_EQ(Calls()[4].due, kT0 + absl::Seconds(5));
  EXPECT_EQ(scheduler_->stats().pending, 0u);
}

// One long advance that waits for the firing threads after each timer: every
// deadline, including those its predecessors set on the way, is handled with
// the clock at its own due instant, not at the end of the advance.
TEST_F(DeadlineSchedulerTest, AnAdvanceThatSettlesEachTimerHandlesEachAtItsDueInstant) {
  MakeScheduler();
  int repeats = 0;
  SetOutcome([&](const std::string& key, absl::Time due) {
    if (++repeats < 5) return scheduler_->Set(key, due + absl::Hours(1));
    return absl::OkStatus();
  });
  ASSERT_TRUE(scheduler_->Start().ok());
  ASSERT_TRUE(scheduler_->Set("tick", kT0 + absl::Hours(1)).ok());
  ASSERT_TRUE(scheduler_->Set("other", kT0 + absl::Minutes(150)).ok());
  int settled = 0;
  clock_.AdvanceTo(kT0 + absl::Hours(24), [&] {
    ++settled;
    scheduler_->WaitIdle();
  });
  std::vector<Call> calls = Calls();
  // Each of the first four handled sets its key again an hour on: tick at 1,
  // 2, 3 and 4 h, other at 2.5 and 3.5 h.
  ASSERT_THAT(CalledKeys(), ElementsAre("tick", "tick", "other", "tick", "other", "tick"));
  for (const Call& c : calls) EXPECT_EQ(c.now, c.due) << c.key;
  EXPECT_EQ(calls[2].due, kT0 + absl::Minutes(150));
  EXPECT_EQ(calls[4].due, kT0 + absl::Minutes(210));
  EXPECT_EQ(calls[5].due, kT0 + absl::Hours(4));
  EXPECT_EQ(settled, 6);
  EXPECT_EQ(clock_.Now(), kT0 + absl::Hours(24));
  EXPECT_EQ(scheduler_->stats().pending, 0u);
}

TEST_F(DeadlineSchedulerTest, StopKeepsPendingAndStartResumes) {
  MakeScheduler();
  ASSERT_TRUE(scheduler_->Start().ok());
  EXPECT_EQ(scheduler_->Start().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(scheduler_->Set("a", kT0 + absl::Seconds(1)).ok());
  scheduler_->Stop();
  scheduler_->Stop();
  EXPECT_EQ(clock_.PendingTimers(), 0u);
  AdvanceTo(kT0 + absl::Seconds(5));
  EXPECT_THAT(Calls(), IsEmpty());
  EXPECT_EQ(scheduler_->stats().pending, 1u);
  ASSERT_TRUE(scheduler_->Start().ok());
  scheduler_->WaitIdle();
  EXPECT_THAT(CalledKeys(), ElementsAre("a"));
}

TEST_F(DeadlineSchedulerTest, RejectsBadKeysAndOptions) {
  MakeScheduler();
  EXPECT_EQ(scheduler_->Set("", kT0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler_->Set(std::string(DeadlineScheduler::kMaxKeyBytes + 1, 'k'), kT0).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(scheduler_->Set(std::string(DeadlineScheduler::kMaxKeyBytes, 'k'), kT0).ok());

  DeadlineSchedulerOptions bad;
  bad.batch_size = 0;
  MakeScheduler(bad);
  EXPECT_EQ(scheduler_->Start().code(), absl::StatusCode::kInvalidArgument);
  bad = {};
  bad.initial_retry_backoff = absl::ZeroDuration();
  MakeScheduler(bad);
  EXPECT_EQ(scheduler_->Start().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DeadlineRequestIdTest, IsStableAndFitsTheLog) {
  EXPECT_EQ(DeadlineRequestId("case/1#due", absl::FromUnixMicros(1700000000000001)),
            "deadline:case/1#due@1700000000000001");
  // Rounded up like the index keeps it, so Set's instant and the fired one agree.
  EXPECT_EQ(DeadlineRequestId("k", absl::FromUnixMicros(5) + absl::Nanoseconds(1)), "deadline:k@6");
  EXPECT_LE(
      DeadlineRequestId(std::string(DeadlineScheduler::kMaxKeyBytes, 'k'), absl::InfiniteFuture())
          .size(),
      256u);
}

// A log that keeps request ids forever and writes nothing for one seen before.
class IdempotentLog {
 public:
  // Returns true when written, false for a duplicate.
  bool Append(const std::string& request_id) {
    absl::MutexLock l(&mu_);
    ++attempts_;
    return writes_.insert(request_id).second;
  }
  size_t writes() {
    absl::MutexLock l(&mu_);
    return writes_.size();
  }
  size_t attempts() {
    absl::MutexLock l(&mu_);
    return attempts_;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> writes_ ABSL_GUARDED_BY(mu_);
  size_t attempts_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(DeadlineSchedulerRestartTest, RestartFromTheSamePendingSetFiresNothingTwice) {
  ManualClock clock(kT0);
  IdempotentLog log;
  constexpr int kN = 1000;
  auto rebuild = [&](DeadlineScheduler& s) {
    // Worst case for duplicates: the replay saw none of the due events.
    for (int i = 0; i < kN; ++i) {
      ASSERT_TRUE(s.Set(absl::StrCat("stream/", i, "#due"), kT0 + absl::Seconds(i + 1)).ok());
    }
  };
  {
    // Every 7th append "dies" after writing: the scheduler never learns it
    // succeeded and would retry.
    int calls = 0;  // the handler runs on one firing thread
    DeadlineScheduler first(clock, [&](const std::string& key, absl::Time due) {
      log.Append(DeadlineRequestId(key, due));
      return ++calls % 7 == 0 ? absl::UnavailableError("died after append") : absl::OkStatus();
    });
    rebuild(first);
    ASSERT_TRUE(first.Start().ok());
    clock.AdvanceTo(kT0 + absl::Seconds(kN / 2));
    first.WaitIdle();
    EXPECT_EQ(first.stats().fired + first.stats().retrying, static_cast<uint64_t>(kN / 2));
  }  // the crash
  EXPECT_EQ(log.writes(), static_cast<size_t>(kN / 2));

  std::atomic<int> duplicates{0};
  DeadlineScheduler second(clock, [&](const std::string& key, absl::Time due) {
    if (!log.Append(DeadlineRequestId(key, due))) ++duplicates;
    return absl::OkStatus();
  });
  rebuild(second);
  ASSERT_TRUE(second.Start().ok());
  second.WaitIdle();
  clock.AdvanceTo(kT0 + absl::Seconds(kN + 1));
  second.WaitIdle();
  EXPECT_EQ(second.stats().fired, static_cast<uint64_t>(kN));
  EXPECT_EQ(duplicates.load(), kN / 2);
  EXPECT_EQ(log.writes(), static_cast<size_t>(kN));  // each due event once
}

TEST(DeadlineSchedulerPoolTest, SeveralFiringThreadsFireEachDeadlineOnceAndNeverEarly) {
  ManualClock clock(kT0);
  absl::Mutex mu;
  absl::flat_hash_map<std::string, int> fired_count;
  std::atomic<int> early{0};
  DeadlineSchedulerOptions options;
  options.firing_threads = 4;
  options.batch_size = 64;
  DeadlineScheduler scheduler(
      clock,
      [&](const std::string& key, absl::Time due) {
        if (clock.Now() < due) ++early;
        absl::MutexLock l(&mu);
        ++fired_count[key];
        return absl::OkStatus();
      },
      options);
  ASSERT_TRUE(scheduler.Start().ok());
  constexpr int kN = 20000;
  for (int i = 0; i < kN; ++i) {
    ASSERT_TRUE(scheduler.Set(absl::StrCat("k", i), kT0 + absl::Milliseconds(i % 10000)).ok());
  }
  for (int step = 1; step <= 20; ++step) {
    clock.AdvanceTo(kT0 + absl::Milliseconds(step * 500));
    // Half the steps do not wait, so firing overlaps the next Advance.
    if (step % 2 == 0) scheduler.WaitIdle();
  }
  scheduler.WaitIdle();
  absl::MutexLock l(&mu);
  EXPECT_EQ(fired_count.size(), static_cast<size_t>(kN));
  for (const auto& [key, n] : fired_count) EXPECT_EQ(n, 1) << key;
  EXPECT_EQ(early.load(), 0);
  EXPECT_EQ(scheduler.stats().pending, 0u);
}

// 100k deadlines fall due at once while another thread "appends commands"
// (takes the log's lock, then Sets a deadline, as a command that moves one
// does). Once firing has begun, that thread must complete kCommands operations
// before the backlog has drained. It could not if firing held the scheduler's
// lock (or the log's) across the whole backlog: its first Set would wait for
// the last deadline to fire.
TEST(DeadlineSchedulerStarvationTest, BacklogDoesNotBlockCommandAppends) {
  ManualClock clock(kT0);
  absl::Mutex log_mu;
  int64_t appended = 0;
  constexpr int kBacklog = 100000;
  constexpr int kCommands = 200;
  std::atomic<int> handled{0};
  DeadlineScheduler scheduler(clock, [&](const std::string&, absl::Time) {
    absl::MutexLock l(&log_mu);
    ++appended;
    ++handled;
    return absl::OkStatus();
  });
  for (int i = 0; i < kBacklog; ++i) {
    ASSERT_TRUE(scheduler.Set(absl::StrCat("stream/", i, "#due"), kT0 + absl::Seconds(1)).ok());
  }
  ASSERT_TRUE(scheduler.Start().ok());

  std::atomic<int> handled_when_commands_done{-1};
  std::thread commands([&] {
    while (handled == 0) std::this_thread::yield();  // firing has begun
    for (int i = 0; i < kCommands; ++i) {
      {
        absl::MutexLock l(&log_mu);
        ++appended;
      }
      if (!scheduler.Set(absl::StrCat("command/", i % 64), kT0 + absl::Hours(1)).ok()) return;
    }
    handled_when_commands_done = handled.load();
  });

  clock.Advance(absl::Seconds(1));  // returns at once: firing is elsewhere
  scheduler.WaitIdle();
  commands.join();

  EXPECT_EQ(handled.load(), kBacklog);
  EXPECT_EQ(scheduler.stats().fired, static_cast<uint64_t>(kBacklog));
  EXPECT_GT(handled_when_commands_done.load(), 0);
  EXPECT_LT(handled_when_commands_done.load(), kBacklog)
      << kCommands << " command appends had to wait for the whole backlog";
  EXPECT_EQ(scheduler.stats().pending, 64u);
}

}  // namespace
}  // namespace taizhang::engine
