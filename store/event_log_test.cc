#include "store/event_log.h"

#include <atomic>
#include <bit>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "base/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "store/format.h"
#include "store/merkle.h"
#include "store/sha256.h"
#include "store/testing/tamperer.h"

namespace taizhang::store {
namespace {

using testing::Tamperer;

using ::testing::HasSubstr;

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             absl::StrCat("tz_store_", name, "_", ::getpid(), "_", std::random_device()());
  std::filesystem::remove_all(dir);
  return dir.string();
}

NewEvent Event(const std::string& type, const std::string& payload) {
  NewEvent e;
  e.type = type;
  e.payload = payload;
  e.actor = "dept/自然资源局";
  return e;
}

AppendRequest Req(const std::string& stream, const std::string& id, ExpectedVersion expected,
                  int n = 1) {
  AppendRequest r;
  r.stream = stream;
  r.request_id = id;
  r.expected = expected;
  for (int i = 0; i < n; ++i) r.events.push_back(Event("test.Happened", absl::StrCat(id, "#", i)));
  return r;
}

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }
  void TearDown() override {
    log_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    log_.reset();
    auto log = OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
  }

  ManualClock clock_{absl::FromCivil(absl::CivilSecond(2026, 3, 2, 9, 0, 0), absl::UTCTimeZone())};
  std::string dir_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(EventLogTest, AppendsGetGaplessPositionsAndVersions) {
  auto a = log_->Append(Req("case/1", "r1", ExpectedVersion::NoStream(), 2));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->first_position, 1u);
  EXPECT_EQ(a->last_position, 2u);
  EXPECT_EQ(a->first_version, 1u);
  EXPECT_EQ(a->last_version, 2u);
  EXPECT_FALSE(a->duplicate);
  auto b = log_->Append(Req("task/9", "r2", ExpectedVersion::NoStream()));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first_position, 3u);
  EXPECT_EQ(b->first_version, 1u);
  auto c = log_->Append(Req("case/1", "r3", ExpectedVersion::Exactly(2)));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->first_position, 4u);
  EXPECT_EQ(c->first_version, 3u);
  EXPECT_EQ(log_->HeadPosition(), 4u);
  EXPECT_EQ(*log_->StreamVersion("case/1"), 3u);
  EXPECT_EQ(*log_->StreamVersion("nothing"), 0u);

  auto events = log_->ReadStream("case/1", 1, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[2].record.position(), 4u);
  EXPECT_EQ((*events)[2].record.payload(), "r3#0");
  EXPECT_EQ((*events)[0].record.actor(), "dept/自然资源局");
  EXPECT_EQ((*events)[1].record.index_in_append(), 1u);
}

TEST_F(EventLogTest, RecordsBothTimes) {
  AppendRequest r = Req("case/1", "r1", ExpectedVersion::Any());
  int64_t paper_day =
      absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(2026, 2, 27), absl::UTCTimeZone()));
  r.events[0].occurred_at_us = paper_day;
  ASSERT_TRUE(log_->Append(r).ok());
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(log_->Append(Req("case/1", "r2", ExpectedVersion::Any())).ok());
  auto all = log_->ReadAll(1, 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].record.occurred_at_us(), paper_day);
  EXPECT_EQ((*all)[0].record.recorded_at_us(), clock_.NowMicros() - 3600 * 1000000LL);
  // Without an occurred time, it happened when it was recorded.
  EXPECT_EQ((*all)[1].record.occurred_at_us(), (*all)[1].record.recorded_at_us());
  EXPECT_EQ((*all)[1].record.recorded_at_us(), clock_.NowMicros());
}

TEST_F(EventLogTest, VersionConflictChangesNothing) {
  ASSERT_TRUE(log_->Append(Req("case/1", "r1", ExpectedVersion::NoStream())).ok());
  auto bad = log_->Append(Req("case/1", "r2", ExpectedVersion::NoStream()));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(bad.status().message(), HasSubstr("at version 1"));
  auto bad2 = log_->Append(Req("case/1", "r3", ExpectedVersion::Exactly(5)));
  EXPECT_EQ(bad2.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(log_->HeadPosition(), 1u);
  // The conflicting request id was not consumed: it may be used once it fits.
  auto ok = log_->Append(Req("case/1", "r2", ExpectedVersion::Exactly(1)));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_FALSE(ok->duplicate);
  EXPECT_EQ(ok->first_position, 2u);
}

TEST_F(EventLogTest, ConflictRacingAnotherAppender) {
  ASSERT_TRUE(log_->Append(Req("case/1", "seed", ExpectedVersion::NoStream())).ok());
  for (int round = 0; round < 20; ++round) {
    uint64_t v = *log_->StreamVersion("case/1");
    std::atomic<int> wins{0}, conflicts{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        auto r = log_->Append(
            Req("case/1", absl::StrCat("race-", round, "-", t), ExpectedVersion::Exactly(v)));
        if (r.ok()) {
          ++wins;
        } else if (r.status().code() == absl::StatusCode::kAborted) {
          ++conflicts;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(conflicts.load(), 7);
    EXPECT_EQ(*log_->StreamVersion("case/1"), v + 1);
  }
  EXPECT_EQ(log_->HeadPosition(), 21u);
}

TEST_F(EventLogTest, DuplicateRequestIdReturnsFirstResultForever) {
  auto first = log_->Append(Req("case/1", "once", ExpectedVersion::NoStream(), 2));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(log_->Append(Req("case/1", "other", ExpectedVersion::Any())).ok());
  // The retry's expected version no longer fits; it still gets the first result.
  auto again = log_->Append(Req("case/1", "once", ExpectedVersion::NoStream(), 2));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->first_position, 1u);
  EXPECT_EQ(again->last_position, 2u);
  EXPECT_EQ(again->recorded_at_us, first->recorded_at_us);
  EXPECT_EQ(log_->HeadPosition(), 3u);

  clock_.Advance(absl::Hours(24 * 365 * 3));
  Reopen();
  auto later = log_->Append(Req("case/1", "once", ExpectedVersion::Any(), 2));
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->duplicate);
  EXPECT_EQ(later->first_position, 1u);
  EXPECT_EQ(log_->HeadPosition(), 3u);

  auto looked_up = log_->LookupRequest("dept/自然资源局", "once");
  ASSERT_TRUE(looked_up.ok() && looked_up->has_value());
  EXPECT_EQ((*looked_up)->last_position, 2u);
  EXPECT_FALSE(log_->LookupRequest("dept/自然资源局", "never")->has_value());
  EXPECT_FALSE(log_->LookupRequest("dept/住建局", "once")->has_value());

  auto elsewhere = log_->Append(Req("case/2", "once", ExpectedVersion::Any()));
  EXPECT_EQ(elsewhere.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(log_->HeadPosition(), 3u);
}

// The same request id under two actors: two requests, each answered with its
// own first result; neither a retry of the other.
AppendRequest As(const std::string& actor, AppendRequest r) {
  for (NewEvent& e : r.events) e.actor = actor;
  return r;
}

TEST_F(EventLogTest, RequestIdsAreEachActorsOwn) {
  const std::string id = "deadline:task/1#warn@1740758400000000";
  auto client =
      log_->Append(As("department:自然资源局", Req("task/1", id, ExpectedVersion::Any())));
  ASSERT_TRUE(client.ok()) << client.status();
  auto system = log_->Append(As("system:scheduler", Req("task/1", id, ExpectedVersion::Any())));
  ASSERT_TRUE(system.ok()) << system.status();
  EXPECT_FALSE(system->duplicate);
  EXPECT_EQ(system->first_position, 2u);
  // Each retry is answered with its own actor's first append.
  auto client_again =
      log_->Append(As("department:自然资源局", Req("task/1", id, ExpectedVersion::Any())));
  auto system_again =
      log_->Append(As("system:scheduler", Req("task/1", id, ExpectedVersion::Any())));
  ASSERT_TRUE(client_again.ok() && system_again.ok());
  EXPECT_TRUE(client_again->duplicate && system_again->duplicate);
  EXPECT_EQ(client_again->first_position, 1u);
  EXPECT_EQ(system_again->first_position, 2u);
  // Another actor may use the id for another stream; the same actor may not.
  EXPECT_TRUE(
      log_->Append(As("enterprise:昆明万达", Req("task/2", id, ExpectedVersion::Any()))).ok());
  EXPECT_EQ(log_->Append(As("system:scheduler", Req("task/2", id, ExpectedVersion::Any())))
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(log_->HeadPosition(), 3u);
  auto records = log_->ReadAll(1, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[1].record.actor(), "system:scheduler");
  EXPECT_EQ((*records)[1].record.request_id(), id);
  Reopen();
  auto looked_up = log_->LookupRequest("system:scheduler", id);
  ASSERT_TRUE(looked_up.ok() && looked_up->has_value());
  EXPECT_EQ((*looked_up)->first_position, 2u);
}

// The key is actor, NUL, request id, and an actor holds no NUL: no request id
// (NUL bytes and all) can reach into another actor's namespace.
TEST_F(EventLogTest, ARequestIdCannotSmuggleTheSeparator) {
  EXPECT_EQ(format::RequestKey("a", std::string("\0b", 2)), std::string("a\0\0b", 4));
  std::string actor, id;
  ASSERT_TRUE(format::ParseRequestKey(std::string("a\0\0b", 4), &actor, &id));
  EXPECT_EQ(actor, "a");
  EXPECT_EQ(id, std::string("\0b", 2));
  EXPECT_FALSE(format::ParseRequestKey("no separator", &actor, &id));

  auto smuggled = log_->Append(As(std::string("system:scheduler\0deadline", 26),
                                  Req("task/1", "x", ExpectedVersion::Any())));
  EXPECT_EQ(smuggled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(smuggled.status().message(), HasSubstr("NUL"));
  // "system:scheduler" + NUL + "x" is the system's key for id "x"; the client
  // "system:scheduler\0" cannot exist, and an id with a NUL stays its own actor's.
  auto client = log_->Append(
      As("department:自然资源局", Req("task/1", std::string("x\0y", 3), ExpectedVersion::Any())));
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_FALSE(log_->LookupRequest("system:scheduler", "x")->has_value());
  EXPECT_FALSE(log_->LookupRequest("department:自然资源局", "x")->has_value());
  EXPECT_TRUE(log_->LookupRequest("department:自然资源局", std::string("x\0y", 3))->has_value());
  EXPECT_EQ(log_->HeadPosition(), 1u);
}

TEST_F(EventLogTest, AnAppendIsOnePrincipalsRequest) {
  AppendRequest mixed = Req("task/1", "r", ExpectedVersion::Any(), 2);
  mixed.events[1].actor = "system:scheduler";
  auto refused = log_->Append(mixed);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("events[1].actor"));
  auto long_actor = log_->Append(
      As(std::string(format::kMaxActorBytes + 1, 'a'), Req("task/1", "r", ExpectedVersion::Any())));
  EXPECT_EQ(long_actor.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->HeadPosition(), 0u);
}

TEST_F(EventLogTest, DuplicateWithinOneGroupWritesOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> dups{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      auto r = log_->Append(Req("case/1", "same", ExpectedVersion::Any()));
      ASSERT_TRUE(r.ok());
      if (r->duplicate) ++dups;
      EXPECT_EQ(r->first_position, 1u);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(dups.load(), 15);
  EXPECT_EQ(log_->HeadPosition(), 1u);
}

TEST_F(EventLogTest, RejectsMalformedAppends) {
  struct Case {
    AppendRequest request;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({Req("", "r", ExpectedVersion::Any()), "stream"});
  cases.push_back({Req(std::string("a\0b", 3), "r", ExpectedVersion::Any()), "stream"});
  cases.push_back({Req(std::string(300, 's'), "r", ExpectedVersion::Any()), "stream"});
  cases.push_back({Req("s", "", ExpectedVersion::Any()), "request_id"});
  cases.push_back({Req("s", "r", ExpectedVersion::Any(), 0), "events"});
  AppendRequest no_type = Req("s", "r", ExpectedVersion::Any());
  no_type.events[0].type.clear();
  cases.push_back({no_type, "events[0].type"});
  for (auto& c : cases) {
    auto r = log_->Append(c.request);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(r.status().message(), HasSubstr(c.field));
  }
  EXPECT_EQ(log_->HeadPosition(), 0u);
}

TEST_F(EventLogTest, ConcurrentAppendersAllGetTheirOwnGaplessResults) {
  constexpr int kThreads = 32, kPer = 50;
  std::vector<std::thread> threads;
  std::vector<std::vector<AppendResult>> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        auto r = log_->Append(
            Req(absl::StrCat("task/", t), absl::StrCat(t, "-", i), ExpectedVersion::Exactly(i)));
        ASSERT_TRUE(r.ok()) << r.status();
        results[t].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(log_->HeadPosition(), uint64_t{kThreads * kPer});
  std::vector<bool> seen(kThreads * kPer + 1, false);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPer; ++i) {
      const AppendResult& r = results[t][i];
      EXPECT_EQ(r.first_version, uint64_t(i + 1));
      ASSERT_FALSE(seen[r.first_position]);
      seen[r.first_position] = true;
      auto read = log_->ReadAll(r.first_position, 1);
      ASSERT_TRUE(read.ok());
      EXPECT_EQ((*read)[0].record.payload(), absl::StrCat(t, "-", i, "#0"));
    }
  }
  auto v = log_->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->checked, uint64_t{kThreads * kPer});
}

TEST_F(EventLogTest, AsyncAndBlockingAppendsShareTheGroupCommit) {
  // Half the threads append and wait; the other half fire asynchronous
  // appends, each stream's next one from the previous one's callback.
  constexpr int kThreads = 16, kPer = 40;
  absl::Mutex mu;
  std::vector<std::vector<AppendResult>> results(kThreads);
  int pending = kThreads / 2;
  std::function<void(int, int)> next = [&](int t, int i) {
    log_->AppendAsync(
        Req(absl::StrCat("task/", t), absl::StrCat(t, "-", i), ExpectedVersion::Exactly(i)),
        [&, t, i](absl::StatusOr<AppendResult> r) {
          ASSERT_TRUE(r.ok()) << r.status();
          // Durable when called back: the head covers it.
          EXPECT_GE(log_->HeadPosition(), r->last_position);
          {
            absl::MutexLock l(&mu);
            results[t].push_back(*r);
            if (i + 1 == kPer) --pending;
          }
          if (i + 1 < kPer) next(t, i + 1);
        });
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      if (t % 2 == 1) return next(t, 0);
      for (int i = 0; i < kPer; ++i) {
        auto r = log_->Append(
            Req(absl::StrCat("task/", t), absl::StrCat(t, "-", i), ExpectedVersion::Exactly(i)));
        ASSERT_TRUE(r.ok()) << r.status();
        absl::MutexLock l(&mu);
        results[t].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  {
    absl::MutexLock l(&mu);
    mu.Await(absl::Condition(
        +[](int* p) { return *p == 0; }, &pending));
  }
  EXPECT_EQ(log_->HeadPosition(), uint64_t{kThreads * kPer});
  std::vector<bool> seen(kThreads * kPer + 1, false);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(results[t].size(), size_t{kPer}) << t;
    for (int i = 0; i < kPer; ++i) {
      EXPECT_EQ(results[t][i].first_version, uint64_t(i + 1));
      ASSERT_FALSE(seen[results[t][i].first_position]);
      seen[results[t][i].first_position] = true;
    }
  }
  auto v = log_->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
}

TEST_F(EventLogTest, AsyncAppendRefusalsAndDuplicates) {
  // A malformed request is refused at once, on the caller's thread.
  bool called = false;
  log_->AppendAsync(Req("task/1", "", ExpectedVersion::Any()), [&](absl::StatusOr<AppendResult> r) {
    called = true;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  });
  EXPECT_TRUE(called);
  absl::Notification first, second;
  AppendResult a;
  log_->AppendAsync(Req("task/1", "r1", ExpectedVersion::NoStream()),
                    [&](absl::StatusOr<AppendResult> r) {
                      ASSERT_TRUE(r.ok());
                      a = *r;
                      first.Notify();
                    });
  first.WaitForNotification();
  log_->AppendAsync(Req("task/1", "r1", ExpectedVersion::NoStream()),
                    [&](absl::StatusOr<AppendResult> r) {
                      ASSERT_TRUE(r.ok());
                      EXPECT_TRUE(r->duplicate);
                      EXPECT_EQ(r->first_position, a.first_position);
                      second.Notify();
                    });
  second.WaitForNotification();
  EXPECT_EQ(log_->HeadPosition(), 1u);
}

TEST_F(EventLogTest, ALoneAsyncAppendIsWrittenOnItsCallersThreadAndAChainedOneIsNot) {
  // Nothing under way: written and called back before AppendAsync returns,
  // on this thread.
  const std::thread::id caller = std::this_thread::get_id();
  bool outer_done = false;
  std::thread::id inner_thread;
  absl::Notification inner;
  log_->AppendAsync(Req("task/1", "lone", ExpectedVersion::NoStream()),
                    [&](absl::StatusOr<AppendResult> r) {
                      ASSERT_TRUE(r.ok()) << r.status();
                      EXPECT_EQ(std::this_thread::get_id(), caller);
                      EXPECT_GE(log_->HeadPosition(), r->last_position);
                      // An append from inside a callback goes to the committer: it does
                      // not nest here.
                      log_->AppendAsync(Req("task/1", "chained", ExpectedVersion::Exactly(1)),
                                        [&](absl::StatusOr<AppendResult> r2) {
                                          EXPECT_TRUE(r2.ok()) << r2.status();
                                          inner_thread = std::this_thread::get_id();
                                          inner.Notify();
                                        });
                      outer_done = true;
                    });
  EXPECT_TRUE(outer_done);
  inner.WaitForNotification();
  EXPECT_NE(inner_thread, caller);
  EXPECT_EQ(log_->HeadPosition(), 2u);
}

TEST_F(EventLogTest, ClosingWritesTheQueuedAsyncAppends) {
  std::atomic<int> done{0};
  for (int i = 0; i < 200; ++i) {
    log_->AppendAsync(Req(absl::StrCat("task/", i), absl::StrCat("q", i), ExpectedVersion::Any()),
                      [&](absl::StatusOr<AppendResult> r) {
                        EXPECT_TRUE(r.ok()) << r.status();
                        ++done;
                      });
  }
  Reopen();  // closes the log first
  EXPECT_EQ(done.load(), 200);
  EXPECT_EQ(log_->HeadPosition(), 200u);
}

TEST_F(EventLogTest, ScanAndReadAllFromAPosition) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(log_->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any())).ok());
  }
  std::vector<uint64_t> seen;
  ASSERT_TRUE(log_->Scan(4,
                         [&](const RecordedEvent& e) {
                           seen.push_back(e.record.position());
                           return absl::OkStatus();
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{4, 5, 6, 7, 8, 9, 10}));
  auto page = log_->ReadAll(9, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), 2u);
  auto stream_page = log_->ReadStream("s", 8, 2);
  ASSERT_TRUE(stream_page.ok());
  ASSERT_EQ(stream_page->size(), 2u);
  EXPECT_EQ((*stream_page)[0].record.version(), 8u);
  // A scan stops with the callback's error.
  int calls = 0;
  auto s = log_->Scan(1, [&](const RecordedEvent&) {
    return ++calls == 3 ? absl::CancelledError("enough") : absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 3);
}

TEST_F(EventLogTest, TailWaitsForNewPositionsWithoutPolling) {
  EXPECT_EQ(log_->WaitForPosition(0, absl::Milliseconds(1)), 0u);
  std::atomic<uint64_t> heads_seen{0};
  uint64_t sub = log_->Subscribe([&](uint64_t head) { heads_seen = head; });
  std::thread waiter([&] { EXPECT_GE(log_->WaitForPosition(0, absl::Seconds(30)), 1u); });
  ASSERT_TRUE(log_->Append(Req("s", "r", ExpectedVersion::Any())).ok());
  waiter.join();
  EXPECT_EQ(heads_seen.load(), 1u);
  log_->Unsubscribe(sub);
  ASSERT_TRUE(log_->Append(Req("s", "r2", ExpectedVersion::Any())).ok());
  EXPECT_EQ(heads_seen.load(), 1u);
}

TEST_F(EventLogTest, SnapshotsReturnTheLatestAtOrBelowAVersion) {
  EXPECT_FALSE(log_->GetSnapshot("case/1", 100)->has_value());
  ASSERT_TRUE(log_->PutSnapshot("case/1", 10, "ten").ok());
  ASSERT_TRUE(log_->PutSnapshot("case/1", 20, "twenty").ok());
  ASSERT_TRUE(log_->PutSnapshot("case/10", 5, "other").ok());
  auto s = log_->GetSnapshot("case/1", 15);
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_EQ((*s)->first, 10u);
  EXPECT_EQ((*s)->second, "ten");
  s = log_->GetSnapshot("case/1", UINT64_MAX);
  EXPECT_EQ((*s)->second, "twenty");
  EXPECT_FALSE(log_->GetSnapshot("case/1", 9)->has_value());
  EXPECT_FALSE(log_->GetSnapshot("case", 100)->has_value());
  Reopen();
  EXPECT_EQ((*log_->GetSnapshot("case/1", 25))->second, "twenty");
}

TEST_F(EventLogTest, MetadataSurvivesReopen) {
  ASSERT_TRUE(log_->PutMeta("calendars", "cn-2025,cn-2026").ok());
  Reopen();
  auto v = log_->GetMeta("calendars");
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ(**v, "cn-2025,cn-2026");
  EXPECT_FALSE(log_->GetMeta("missing")->has_value());
}

TEST_F(EventLogTest, BackupOpensToTheSameVerifiedLog) {
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(
        log_->Append(Req(absl::StrCat("s", i % 3), absl::StrCat("r", i), ExpectedVersion::Any()))
            .ok());
  }
  std::string backup_dir = dir_ + "_backup";
  auto pos = log_->Backup(backup_dir);
  ASSERT_TRUE(pos.ok()) << pos.status();
  EXPECT_EQ(*pos, 25u);
  ASSERT_TRUE(log_->Append(Req("s0", "after", ExpectedVersion::Any())).ok());

  auto backup = OpenEventLog(backup_dir, clock_, Options{.create_if_missing = false});
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_EQ((*backup)->HeadPosition(), 25u);
  auto v = (*backup)->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok);
  auto original = log_->Verify(1, 25);
  EXPECT_EQ(v->last_hash, original->last_hash);
  auto a = log_->ReadAll(1, 25);
  auto b = (*backup)->ReadAll(1, 25);
  for (size_t i = 0; i < 25; ++i) {
    EXPECT_EQ((*a)[i].record.SerializeAsString(), (*b)[i].record.SerializeAsString());
  }
  backup->reset();
  std::filesystem::remove_all(backup_dir);
}

// Whether a copied backup's staged links are in the log's directory.
bool HasStaging(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("backup-staging", 0) == 0) return true;
  }
  return false;
}

TEST_F(EventLogTest, ACopiedBackupIsReadBackAndSharesNoFile) {
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(
        log_->Append(Req(absl::StrCat("s", i % 2), absl::StrCat("r", i), ExpectedVersion::Any()))
            .ok());
  }
  const std::string copy_dir = dir_ + "_copy";
  auto copy = log_->BackupCopy(copy_dir);
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->position, 9u);
  EXPECT_EQ(copy->last_hash, log_->Verify(1, 9)->last_hash);
  EXPECT_EQ(copy->root, *log_->MerkleRoot(9));
  uint64_t files = 0, bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(copy_dir)) {
    EXPECT_EQ(e.hard_link_count(), 1u) << e.path();
    ++files;
    bytes += e.file_size();
  }
  EXPECT_EQ(copy->files, files);
  EXPECT_EQ(copy->bytes, bytes);
  EXPECT_FALSE(HasStaging(dir_));
  // Refused: a directory that exists, and one whose parent does not (nothing
  // is left of it, in either place).
  EXPECT_TRUE(absl::IsFailedPrecondition(log_->BackupCopy(copy_dir).status()));
  const std::string orphan = dir_ + "_none/copy";
  EXPECT_FALSE(log_->BackupCopy(orphan).ok());
  EXPECT_FALSE(std::filesystem::exists(orphan));
  EXPECT_FALSE(HasStaging(dir_));
  // The log goes on and opens as before; the copy is the log at 9.
  ASSERT_TRUE(log_->Append(Req("s0", "after", ExpectedVersion::Any())).ok());
  Reopen();
  EXPECT_EQ(log_->HeadPosition(), 10u);
  auto backup = OpenEventLog(copy_dir, clock_, Options{.create_if_missing = false});
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_EQ((*backup)->HeadPosition(), 9u);
  EXPECT_TRUE((*backup)->Verify(1, 0)->ok);
  backup->reset();
  std::filesystem::remove_all(copy_dir);

  // What a crash during a copy leaves (the staged links) stays while the log
  // is opened read-only, and goes when it is opened to write.
  log_.reset();
  const std::filesystem::path staging = std::filesystem::path(dir_) / "backup-staging";
  std::filesystem::create_directories(staging / "half");
  std::filesystem::create_directories(std::filesystem::path(dir_) / "backup-staging-7");
  {
    Options ro;
    ro.read_only = true;
    ro.create_if_missing = false;
    auto read_only = OpenEventLog(dir_, clock_, ro);
    ASSERT_TRUE(read_only.ok()) << read_only.status();
  }
  EXPECT_TRUE(std::filesystem::exists(staging / "half"));
  Reopen();
  EXPECT_FALSE(HasStaging(dir_));
  EXPECT_EQ(log_->HeadPosition(), 10u);
}

TEST_F(EventLogTest, AReadOnlyLogReadsEverythingAndWritesNothing) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(
        log_->Append(Req(absl::StrCat("s", i % 2), absl::StrCat("r", i), ExpectedVersion::Any()))
            .ok());
  }
  const std::string root = *log_->MerkleRoot(12);
  const std::string last_hash = log_->Verify(1, 0)->last_hash;
  log_.reset();
  // What the files are before the read-only open.
  auto listing = [&] {
    std::map<std::string, uintmax_t> out;
    for (const auto& f : std::filesystem::directory_iterator(dir_)) {
      out[f.path().filename().string()] = std::filesystem::file_size(f.path());
    }
    return out;
  };
  const auto before = listing();

  auto ro = OpenEventLog(dir_, clock_, Options{.create_if_missing = false, .read_only = true});
  ASSERT_TRUE(ro.ok()) << ro.status();
  EventLog& log = **ro;
  EXPECT_EQ(log.HeadPosition(), 12u);
  auto v = log.Verify(1, 0);
  ASSERT_TRUE(v.ok() && v->ok) << (v.ok() ? v->problem : v.status().ToString());
  EXPECT_EQ(v->last_hash, last_hash);
  EXPECT_EQ(*log.MerkleRoot(12), root);
  EXPECT_EQ((*log.ReadStream("s1", 1, 100)).size(), 6u);
  auto proof = log.InclusionProof(5, 12);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(merkle::VerifyInclusion(4, 12, merkle::LeafHash(*log.RecordBytes(5)), *proof, root));

  auto append = log.Append(Req("s0", "more", ExpectedVersion::Any()));
  EXPECT_EQ(append.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(append.status().message(), HasSubstr("read-only"));
  absl::Notification async_done;
  log.AppendAsync(Req("s0", "more-async", ExpectedVersion::Any()), [&](auto r) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
    async_done.Notify();
  });
  async_done.WaitForNotification();
  EXPECT_EQ(log.PutMeta("k", "v").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log.PutSnapshot("s0", 1, "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log.WriteCheckpoint("c", 12, [](auto&) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log.Backup(dir_ + "_copy").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log.RederiveFromRecords().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "_copy"));
  EXPECT_EQ(log.HeadPosition(), 12u);
  ro->reset();
  EXPECT_EQ(listing(), before);

  // Format 4 (its leaves stored too) opens read-only as it is; an older
  // format, which would need an upgrade, is refused.
  {
    Tamperer t(dir_);
    t.PutMeta(format::kMetaFormat, "4");
  }
  auto four = OpenEventLog(dir_, clock_, Options{.create_if_missing = false, .read_only = true});
  ASSERT_TRUE(four.ok()) << four.status();
  EXPECT_EQ(*(*four)->MerkleRoot(12), root);
  EXPECT_TRUE((*four)->Verify(1, 0)->ok);
  four->reset();
  {
    Tamperer t(dir_);
    t.PutMeta(format::kMetaFormat, "3");
  }
  auto old = OpenEventLog(dir_, clock_, Options{.create_if_missing = false, .read_only = true});
  EXPECT_EQ(old.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(old.status().message(), HasSubstr("has format 3"));
  // Nor is a directory that holds no log.
  auto none =
      OpenEventLog(dir_ + "_nope", clock_, Options{.create_if_missing = false, .read_only = true});
  EXPECT_FALSE(none.ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "_nope"));
  {
    Tamperer t(dir_);
    t.PutMeta(format::kMetaFormat, "4");
  }
  Reopen();  // the read-write open upgrades it again (format 4 to 5)
  EXPECT_EQ(log_->HeadPosition(), 12u);
}

TEST_F(EventLogTest, OpeningAMissingLogWithoutCreateFails) {
  auto log = OpenEventLog(dir_ + "_nope", clock_, Options{.create_if_missing = false});
  EXPECT_FALSE(log.ok());
}

TEST_F(EventLogTest, VerifyNamesTheFirstAlteredRecord) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(log_->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any())).ok());
  }
  auto good = log_->Verify(1, 0);
  ASSERT_TRUE(good.ok() && good->ok);
  EXPECT_EQ(good->checked, 10u);
  log_.reset();
  {
    Tamperer t(dir_);
    v1::EventRecord rec;
    ASSERT_TRUE(rec.ParseFromString(t.Get(6)));
    rec.set_payload("approved, honestly");  // an edit that keeps the record well-formed
    t.Put(6, rec.SerializeAsString());
  }
  Reopen();
  auto bad = log_->Verify(1, 0);
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->ok);
  // Record 6 still carries a valid link to 5, but the Merkle tree's node
  // over leaves 4 and 5, which record 6 completes, is the old record's: the
  // break shows at 6 itself (the chain alone would show it only at 7, which
  // no longer links to the altered 6).
  EXPECT_EQ(bad->first_bad, 6u);
  EXPECT_THAT(bad->problem, HasSubstr("Merkle tree's node (1, 2)"));
  auto partial = log_->Verify(1, 5);
  EXPECT_TRUE(partial->ok);  // a range before the damage still verifies
  EXPECT_NE(partial->last_hash, good->last_hash);
}

TEST_F(EventLogTest, VerifyNamesARemovedRecordAndReadsReportIt) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(log_->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any())).ok());
  }
  log_.reset();
  {
    Tamperer t(dir_);
    t.Delete(4);
  }
  Reopen();
  auto bad = log_->Verify(1, 0);
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->ok);
  EXPECT_EQ(bad->first_bad, 4u);
  auto read = log_->ReadStream("s", 1, 100);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr("position 4"));
  auto scan = log_->Scan(1, [](const RecordedEvent&) { return absl::OkStatus(); });
  EXPECT_EQ(scan.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(scan.message(), HasSubstr("position 4"));
}

TEST_F(EventLogTest, GarbageRecordIsReportedNotACrash) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log_->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any())).ok());
  }
  log_.reset();
  {
    Tamperer t(dir_);
    t.Put(3, std::string("\xff\xff\xff\xff garbage", 12));
  }
  Reopen();
  auto read = log_->ReadAll(1, 10);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr("position 3"));
  auto v = log_->Verify(1, 0);
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad, 3u);
}

TEST_F(EventLogTest, ChangedLastRecordIsRefusedAtOpen) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(log_->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any())).ok());
  }
  log_.reset();
  {
    Tamperer t(dir_);
    v1::EventRecord rec;
    ASSERT_TRUE(rec.ParseFromString(t.Get(3)));
    rec.set_actor("someone else");
    t.Put(3, rec.SerializeAsString());
  }
  auto log = OpenEventLog(dir_, clock_);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(log.status().message(), HasSubstr("position 3"));
}

TEST_F(EventLogTest, ChainHashIsTheShaOfTheStoredBytes) {
  ASSERT_TRUE(log_->Append(Req("s", "a", ExpectedVersion::Any(), 2)).ok());
  auto all = log_->ReadAll(1, 2);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].record.prev_hash(), std::string(32, '\0'));
  EXPECT_EQ((*all)[1].record.prev_hash(), (*all)[0].hash);
  EXPECT_EQ((*all)[0].hash.size(), 32u);
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// ---------------------------------------------------------------------------
// Blobs.

std::string Bytes(size_t n, char seed) {
  std::string b(n, '\0');
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>(seed + i * 31 + (i >> 9));
  return b;
}

// An append of one event standing on `blobs`, carrying them.
AppendRequest WithBlobs(const std::string& stream, const std::string& id,
                        std::vector<std::string> blobs) {
  AppendRequest r = Req(stream, id, ExpectedVersion::Any());
  for (const std::string& b : blobs) r.events[0].blob_digests.push_back(Sha256(b));
  r.blobs = std::move(blobs);
  return r;
}

TEST_F(EventLogTest, BlobsAreWrittenWithTheEventsThatNameThem) {
  const std::string pdf = Bytes(3 << 20, 'p'), html = "<p>通报</p>";
  auto r = log_->Append(WithBlobs("bulletin/2026-11", "pub-1", {pdf, html}));
  ASSERT_TRUE(r.ok()) << r.status();
  auto events = log_->ReadStream("bulletin/2026-11", 1, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  const v1::EventRecord& rec = (*events)[0].record;
  ASSERT_EQ(rec.blob_digests_size(), 2);
  EXPECT_EQ(rec.blob_digests(0), Sha256(pdf));
  EXPECT_EQ(rec.blob_digests(1), Sha256(html));
  // The bytes are beside the record, not in it.
  EXPECT_LT(rec.ByteSizeLong(), 1024u);

  Reopen();
  auto got = log_->GetBlob(Sha256(pdf));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, pdf);
  EXPECT_EQ(*log_->GetBlob(Sha256(html)), html);
  auto v = log_->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->blobs_checked, 2u);

  // A digest of the wrong size; one the log does not hold.
  EXPECT_EQ(log_->GetBlob("short").status().code(), absl::StatusCode::kInvalidArgument);
  auto unknown = log_->GetBlob(Sha256("never stored"));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr(ToHex(Sha256("never stored"))));
}

TEST_F(EventLogTest, EqualBlobsAreStoredOnce) {
  const std::string photo = Bytes(100000, 'j');
  ASSERT_TRUE(log_->Append(WithBlobs("project/a", "r1", {photo})).ok());
  // Carried again by another append; named again without being carried; and
  // carried by two concurrent appends (one group commit or two).
  ASSERT_TRUE(log_->Append(WithBlobs("project/b", "r2", {photo})).ok());
  AppendRequest named = Req("project/c", "r3", ExpectedVersion::Any());
  named.events[0].blob_digests = {Sha256(photo)};
  ASSERT_TRUE(log_->Append(std::move(named)).ok());
  const std::string other = Bytes(5000, 'k');
  absl::Notification both;
  std::atomic<int> done{0};
  for (int i = 0; i < 2; ++i) {
    log_->AppendAsync(WithBlobs("project/d", absl::StrCat("r4-", i), {other, photo}),
                      [&](absl::StatusOr<AppendResult> r) {
                        EXPECT_TRUE(r.ok()) << r.status();
                        if (++done == 2) both.Notify();
                      });
  }
  both.WaitForNotification();
  EXPECT_EQ(log_->HeadPosition(), 5u);
  auto v = log_->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->blobs_checked, 2u);  // each distinct blob read once
  log_.reset();
  {
    Tamperer t(dir_);
    auto blobs = t.Blobs();
    ASSERT_EQ(blobs.size(), 2u);
    EXPECT_EQ(blobs[Sha256(photo)], photo);
    EXPECT_EQ(blobs[Sha256(other)], other);
  }
}

TEST_F(EventLogTest, BlobsOutsideTheRulesAreRefusedAndChangeNothing) {
  ASSERT_TRUE(log_->Append(Req("s", "first", ExpectedVersion::Any())).ok());
  auto refused = [&](AppendRequest r, absl::StatusCode code, const std::string& says) {
    auto result = log_->Append(std::move(r));
    EXPECT_EQ(result.status().code(), code) << result.status();
    EXPECT_THAT(result.status().message(), HasSubstr(says));
  };
  // A blob no event names.
  AppendRequest orphan = Req("s", "orphan", ExpectedVersion::Any());
  orphan.blobs = {"loose bytes"};
  refused(std::move(orphan), absl::StatusCode::kInvalidArgument, "named by none");
  // A blob named, neither carried nor held.
  AppendRequest missing = Req("s", "missing", ExpectedVersion::Any());
  missing.events[0].blob_digests = {Sha256("not here")};
  refused(std::move(missing), absl::StatusCode::kFailedPrecondition, ToHex(Sha256("not here")));
  // Past the size of one blob, by one byte.
  refused(WithBlobs("s", "big", {std::string(format::kMaxBlobBytes + 1, 'x')}),
          absl::StatusCode::kInvalidArgument, "more than a blob may hold (8388608 bytes)");
  // Past what an append may carry together.
  std::vector<std::string> many;
  for (int i = 0; i < 5; ++i) many.push_back(std::string(7 << 20, static_cast<char>('a' + i)));
  refused(WithBlobs("s", "many", many), absl::StatusCode::kInvalidArgument,
          "more than an append may carry");
  // Too many blobs; a digest of the wrong size; one named twice.
  std::vector<std::string> tiny;
  for (size_t i = 0; i <= format::kMaxBlobsPerAppend; ++i) tiny.push_back(absl::StrCat(i));
  refused(WithBlobs("s", "tiny", tiny), absl::StatusCode::kInvalidArgument, "at most 16");
  AppendRequest short_digest = Req("s", "short", ExpectedVersion::Any());
  short_digest.events[0].blob_digests = {"abc"};
  refused(std::move(short_digest), absl::StatusCode::kInvalidArgument, "32 bytes, not 3");
  AppendRequest twice = WithBlobs("s", "twice", {"once"});
  twice.events[0].blob_digests.push_back(Sha256("once"));
  refused(std::move(twice), absl::StatusCode::kInvalidArgument, "named twice");

  // At the limit exactly, accepted.
  const std::string largest(format::kMaxBlobBytes, 'L');
  ASSERT_TRUE(log_->Append(WithBlobs("s", "largest", {largest})).ok());
  EXPECT_EQ(log_->HeadPosition(), 2u);
  log_.reset();
  {
    Tamperer t(dir_);
    auto blobs = t.Blobs();
    ASSERT_EQ(blobs.size(), 1u);  // none of the refused appends wrote a blob
    EXPECT_EQ(blobs.begin()->first, Sha256(largest));
  }
}

TEST_F(EventLogTest, AChangedOrMissingBlobIsCaughtByVerifyAndGetBlob) {
  const std::string pdf = Bytes(200000, 'p'), html = "<html>通报</html>";
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(log_->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any())).ok());
  }
  ASSERT_TRUE(log_->Append(WithBlobs("bulletin/2026-11", "pub", {pdf, html})).ok());  // 4
  ASSERT_TRUE(log_->Append(Req("s", "after", ExpectedVersion::Any())).ok());
  log_.reset();
  {
    Tamperer t(dir_);
    std::string changed = pdf;
    changed[1000] ^= 1;
    t.PutBlob(Sha256(pdf), changed);
  }
  Reopen();
  auto read = log_->GetBlob(Sha256(pdf));
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr(ToHex(Sha256(pdf))));
  EXPECT_THAT(read.status().message(), HasSubstr("no longer hash"));
  auto v = log_->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad, 4u);
  EXPECT_THAT(v->problem, HasSubstr(ToHex(Sha256(pdf))));
  EXPECT_TRUE(log_->Verify(1, 3)->ok);  // a range before the record naming it
  // An append cannot lean on the changed blob without carrying it again.
  AppendRequest lean = Req("s", "lean", ExpectedVersion::Any());
  lean.events[0].blob_digests = {Sha256(pdf)};
  EXPECT_EQ(log_->Append(std::move(lean)).status().code(), absl::StatusCode::kFailedPrecondition);

  log_.reset();
  {
    Tamperer t(dir_);
    t.PutBlob(Sha256(pdf), pdf);  // restored
    t.DeleteBlob(Sha256(html));
  }
  Reopen();
  EXPECT_EQ(*log_->GetBlob(Sha256(pdf)), pdf);
  EXPECT_EQ(log_->GetBlob(Sha256(html)).status().code(), absl::StatusCode::kNotFound);
  v = log_->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad, 4u);
  EXPECT_THAT(v->problem, HasSubstr("missing"));
  EXPECT_THAT(v->problem, HasSubstr(ToHex(Sha256(html))));
}

TEST_F(EventLogTest, ABackupHoldsTheBlobs) {
  const std::string pdf = Bytes(300000, 'b');
  ASSERT_TRUE(log_->Append(WithBlobs("bulletin/2026-11", "pub", {pdf})).ok());
  std::string backup_dir = dir_ + "_backup";
  ASSERT_TRUE(log_->Backup(backup_dir).ok());
  {
    auto backup = OpenEventLog(backup_dir, clock_, Options{.create_if_missing = false});
    ASSERT_TRUE(backup.ok()) << backup.status();
    auto got = (*backup)->GetBlob(Sha256(pdf));
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, pdf);
    auto v = (*backup)->Verify(1, 0);
    EXPECT_TRUE(v->ok) << v->problem;
    EXPECT_EQ(v->blobs_checked, 1u);
  }
  std::filesystem::remove_all(backup_dir);
}

// Formats 2 and 3 had no Merkle tree (2 no blobs either): opening one builds
// the tree from its records, the same tree the appends would have built.
TEST_F(EventLogTest, OlderFormatsAreUpgradedWithTheirTreeAndAnUnknownFormatRefused) {
  for (int i = 0; i < 23; ++i) {
    ASSERT_TRUE(
        log_->Append(Req("s", absl::StrCat("old", i), ExpectedVersion::Any(), i % 3 + 1)).ok());
  }
  const uint64_t head = log_->HeadPosition();
  std::vector<std::string> roots;
  for (uint64_t n = 0; n <= head; ++n) roots.push_back(*log_->MerkleRoot(n));
  for (const char* old_format : {"2", "3"}) {
    log_.reset();
    {
      Tamperer t(dir_);
      // The nodes above the leaves: n - popcount(n) of them.
      EXPECT_EQ(t.DeleteTree(), head - std::popcount(head));
      t.PutMeta(format::kMetaFormat, old_format);
    }
    Reopen();
    for (uint64_t n = 0; n <= head; ++n) EXPECT_EQ(*log_->MerkleRoot(n), roots[n]) << n;
    auto v = log_->Verify(1, 0);
    EXPECT_TRUE(v->ok) << old_format << ": " << v->problem;
    EXPECT_EQ(v->merkle_root, roots[head]);
  }
  // Format 4 kept the leaves too: they go, and the tree is the same.
  log_.reset();
  {
    Tamperer t(dir_);
    for (uint64_t p = 1; p <= head; ++p) t.PutNode(0, p - 1, merkle::LeafHash(t.Get(p)));
    t.PutMeta(format::kMetaFormat, "4");
  }
  Reopen();
  for (uint64_t n = 0; n <= head; ++n) EXPECT_EQ(*log_->MerkleRoot(n), roots[n]) << n;
  EXPECT_TRUE(log_->Verify(1, 0)->ok);
  log_.reset();
  {
    Tamperer t(dir_);
    EXPECT_EQ(t.GetMeta(format::kMetaFormat), "5");
    EXPECT_EQ(t.DeleteTree(), head - std::popcount(head));
    t.PutMeta(format::kMetaFormat, "3");
  }
  Reopen();
  ASSERT_TRUE(log_->Append(WithBlobs("s", "new", {"bytes"})).ok());
  EXPECT_TRUE(log_->Verify(1, 0)->ok);
  log_.reset();
  {
    Tamperer t(dir_);
    EXPECT_EQ(t.GetMeta(format::kMetaFormat), "5");
    t.PutMeta(format::kMetaFormat, "6");
  }
  auto refused = OpenEventLog(dir_, clock_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("has format 6"));
  {
    Tamperer t(dir_);
    t.PutMeta(format::kMetaFormat, "1");
  }
  refused = OpenEventLog(dir_, clock_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("has format 1"));
}

// --- The Merkle tree ---

// The tree of every size, rebuilt here from the records' stored bytes alone,
// as an auditor would.
std::vector<std::string> RootsFromRecords(EventLog& log) {
  std::vector<std::string> roots = {merkle::EmptyRoot()};
  merkle::Frontier tree;
  std::vector<merkle::Node> unused;
  for (uint64_t p = 1; p <= log.HeadPosition(); ++p) {
    absl::StatusOr<std::string> bytes = log.RecordBytes(p);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    tree.Append(merkle::LeafHash(*bytes), &unused);
    roots.push_back(tree.Root());
  }
  return roots;
}

// A log opened without its tree (the benchmark's way of measuring what the
// tree costs) is a format-3 log: appends and the chain as ever, no roots; it
// gets its tree when next opened with one, and a log with a tree is never
// opened without it (its tree would fall behind).
TEST_F(EventLogTest, ALogWithoutItsTreeIsFormatThreeAndGetsItsTreeWhenOpenedWithOne) {
  log_.reset();
  std::filesystem::remove_all(dir_);
  Options without;
  without.merkle_tree = false;
  {
    auto log = OpenEventLog(dir_, clock_, without);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 9; ++i) {
      ASSERT_TRUE((*log)->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any(), 2)).ok());
    }
    EXPECT_EQ((*log)->MerkleRoot(0).status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ((*log)->InclusionProof(1, 18).status().code(), absl::StatusCode::kFailedPrecondition);
    auto v = (*log)->Verify(1, 0);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok) << v->problem;
    EXPECT_EQ(v->checked, 18u);
    EXPECT_EQ(v->merkle_root, "");
  }
  {
    Tamperer t(dir_);
    EXPECT_EQ(t.GetMeta(format::kMetaFormat), "3");
    EXPECT_EQ(t.DeleteTree(), 0u);
  }
  Reopen();
  EXPECT_EQ(log_->HeadPosition(), 18u);
  const std::vector<std::string> roots = RootsFromRecords(*log_);
  for (uint64_t n = 0; n <= 18; ++n) EXPECT_EQ(*log_->MerkleRoot(n), roots[n]) << n;
  EXPECT_TRUE(log_->Verify(1, 0)->ok);
  log_.reset();
  auto refused = OpenEventLog(dir_, clock_, without);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("has format 5"));
  Reopen();
  EXPECT_EQ(*log_->MerkleRoot(18), roots[18]);
}

TEST_F(EventLogTest, TheTreeFollowsEveryAppendAndProvesEverySize) {
  // Appends of one to five events, alone and in concurrent group commits.
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(
        log_->Append(Req("s", absl::StrCat("a", i), ExpectedVersion::Any(), i % 5 + 1)).ok());
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(log_->Append(Req(absl::StrCat("t", t), absl::StrCat(t, "-", i),
                                     ExpectedVersion::Any(), i % 3 + 1))
                        .ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const uint64_t head = log_->HeadPosition();
  ASSERT_EQ(head, 33u + 4 * 19);
  std::vector<std::string> roots = RootsFromRecords(*log_);
  for (uint64_t n = 0; n <= head; ++n) {
    ASSERT_EQ(*log_->MerkleRoot(n), roots[n]) << n;
    for (uint64_t p = 1; p <= n; p += 7) {
      auto proof = log_->InclusionProof(p, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_TRUE(merkle::VerifyInclusion(p - 1, n, merkle::LeafHash(*log_->RecordBytes(p)), *proof,
                                          roots[n]))
          << p << " in " << n;
    }
    for (uint64_t m = 0; m <= n; m += 5) {
      auto proof = log_->ConsistencyProof(m, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_TRUE(merkle::VerifyConsistency(m, n, roots[m], roots[n], *proof)) << m << "->" << n;
    }
  }
  auto v = log_->Verify(1, 0);
  ASSERT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->merkle_root, roots[head]);
  EXPECT_EQ(log_->Verify(40, 90)->merkle_root, roots[90]);

  // Reopened, the tree goes on from its stored frontier.
  Reopen();
  ASSERT_TRUE(log_->Append(Req("s", "after", ExpectedVersion::Any(), 3)).ok());
  roots = RootsFromRecords(*log_);
  EXPECT_EQ(*log_->MerkleRoot(head + 3), roots[head + 3]);
  auto proof = log_->ConsistencyProof(head, head + 3);
  EXPECT_TRUE(merkle::VerifyConsistency(head, head + 3, roots[head], roots[head + 3], *proof));
}

TEST_F(EventLogTest, ImpossibleProofsAreInvalidArguments) {
  ASSERT_TRUE(log_->Append(Req("s", "a", ExpectedVersion::Any(), 4)).ok());
  EXPECT_EQ(log_->MerkleRoot(5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*log_->MerkleRoot(0), merkle::EmptyRoot());
  EXPECT_EQ(log_->InclusionProof(0, 4).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->InclusionProof(4, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->InclusionProof(1, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->ConsistencyProof(3, 2).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->ConsistencyProof(2, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->RecordBytes(0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->RecordBytes(5).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EventLogTest, AnAlteredTreeIsNamedByVerifyAndADamagedEdgeRefusedAtOpen) {
  for (int i = 0; i < 11; ++i) {
    ASSERT_TRUE(log_->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any())).ok());
  }
  log_.reset();
  {
    Tamperer t(dir_);
    t.PutNode(1, 1, std::string(32, 'x'));  // leaves 2 and 3: completed by position 4
  }
  Reopen();
  auto v = log_->Verify(1, 0);
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad, 4u);
  EXPECT_THAT(v->problem, HasSubstr("node (1, 1)"));
  log_.reset();
  std::string edge;
  {
    Tamperer t(dir_);
    edge = t.GetNode(1, 4);
    t.DeleteNode(1, 4);  // on the frontier: leaves 8 and 9
  }
  auto log = OpenEventLog(dir_, clock_);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(log.status().message(), HasSubstr("node (1, 4)"));
  {
    Tamperer t(dir_);
    t.PutNode(1, 4, edge);
    t.PutNode(1, 5, std::string(32, 'y'));  // leaves 10 and 11: 11 is not recorded
  }
  log = OpenEventLog(dir_, clock_);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(log.status().message(), HasSubstr("beyond the head"));
  {
    Tamperer t(dir_);
    t.DeleteNode(1, 5);
    t.DeleteNode(3, 0);  // the frontier's first subtree (leaves 0 to 7)
  }
  log = OpenEventLog(dir_, clock_);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(log.status().message(), HasSubstr("node (3, 0)"));
}

// An insider rewrites a record and everything after it consistently: the
// chain re-linked, the head moved, the tree rebuilt (by pretending the log is
// of an older format). The log verifies against itself, but not against a
// root given out before: the tree of the same size has another root, and no
// consistency proof joins the old root to the new tree.
TEST_F(EventLogTest, AConsistentRewriteStillVerifiesButBreaksEveryRootGivenOut) {
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(log_->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any())).ok());
  }
  const std::string before_root = *log_->MerkleRoot(3);
  const std::string published_root = *log_->MerkleRoot(6);
  const std::string head_root = *log_->MerkleRoot(9);
  log_.reset();
  {
    Tamperer t(dir_);
    std::string prev;
    for (uint64_t p = 1; p <= 9; ++p) {
      v1::EventRecord rec;
      ASSERT_TRUE(rec.ParseFromString(t.Get(p)));
      if (p == 4) rec.set_payload("a history more convenient");
      if (p > 1) rec.set_prev_hash(prev);
      const std::string bytes = rec.SerializeAsString();
      t.Put(p, bytes);
      prev = Sha256(bytes);
    }
    t.PutMeta(format::kMetaHead, format::EncodeHead(9, prev));
    t.DeleteTree();
    t.PutMeta(format::kMetaFormat, "3");
  }
  Reopen();
  auto v = log_->Verify(1, 0);
  ASSERT_TRUE(v->ok) << v->problem;  // the log agrees with itself
  EXPECT_NE(*log_->MerkleRoot(6), published_root);
  EXPECT_NE(v->merkle_root, head_root);
  EXPECT_EQ(*log_->MerkleRoot(3), before_root);  // the history before it is the same
  auto proof = log_->ConsistencyProof(6, 9);
  ASSERT_TRUE(proof.ok());
  EXPECT_FALSE(merkle::VerifyConsistency(6, 9, published_root, v->merkle_root, *proof));
  // Even record 2, before the rewrite and untouched by it, can no longer be
  // proved in the tree that was given out.
  auto inclusion = log_->InclusionProof(2, 6);
  ASSERT_TRUE(inclusion.ok());
  EXPECT_FALSE(merkle::VerifyInclusion(1, 6, merkle::LeafHash(*log_->RecordBytes(2)), *inclusion,
                                       published_root));
}

// Writes to WAL files keep only the first half of their bytes and fail while
// `tear` is set: a batch torn as a power cut would tear it.
class TornWalFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit TornWalFileSystem(std::shared_ptr<rocksdb::FileSystem> base)
      : FileSystemWrapper(std::move(base)) {}
  static const char* kClassName() { return "TornWalFileSystem"; }
  const char* Name() const override { return kClassName(); }
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, opts, result, dbg);
    if (s.ok() && absl::EndsWith(name, ".log")) {
      *result = std::make_unique<File>(std::move(*result), this);
    }
    return s;
  }
  std::atomic<bool> tear{false};
  std::atomic<int> torn{0};

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> f, TornWalFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* d) override {
      if (!fs_->tear) return FSWritableFileOwnerWrapper::Append(data, o, d);
      ++fs_->torn;
      FSWritableFileOwnerWrapper::Append(rocksdb::Slice(data.data(), data.size() / 2), o, d)
          .PermitUncheckedError();
      FSWritableFileOwnerWrapper::Sync(o, d).PermitUncheckedError();
      return rocksdb::IOStatus::IOError("injected torn write");
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo&,
                             rocksdb::IODebugContext* d) override {
      return Append(data, o, d);
    }

   private:
    TornWalFileSystem* fs_;
  };
};

TEST_F(EventLogTest, ATornBatchLeavesNeitherTheEventNorItsBlob) {
  log_.reset();
  auto fs = std::make_shared<TornWalFileSystem>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  const std::string pdf = Bytes(1 << 20, 't');
  {
    auto log = OpenEventLog(dir_, clock_, Options{.env = env.get()});
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append(Req("s", "before", ExpectedVersion::Any())).ok());
    fs->tear = true;
    auto torn = (*log)->Append(WithBlobs("bulletin/2026-11", "pub", {pdf}));
    EXPECT_EQ(torn.status().code(), absl::StatusCode::kUnavailable) << torn.status();
    EXPECT_GE(fs->torn.load(), 1);
    fs->tear = false;
  }
  // Reopened on a sound disk: the torn batch is gone whole, the record and
  // the blob alike, and the chain verifies.
  Reopen();
  EXPECT_EQ(log_->HeadPosition(), 1u);
  EXPECT_EQ(log_->GetBlob(Sha256(pdf)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*log_->StreamVersion("bulletin/2026-11"), 0u);
  auto v = log_->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
  // The caller's retry writes both, once.
  ASSERT_TRUE(log_->Append(WithBlobs("bulletin/2026-11", "pub", {pdf})).ok());
  EXPECT_EQ(log_->HeadPosition(), 2u);
  EXPECT_EQ(*log_->GetBlob(Sha256(pdf)), pdf);
  EXPECT_EQ(log_->Verify(1, 0)->blobs_checked, 1u);
}

namespace checkpoint_test {

absl::Status Write(EventLog& log, const std::string& name, uint64_t position,
                   const std::vector<std::string>& records) {
  return log.WriteCheckpoint(name, position, [&](EventLog::CheckpointSink& sink) {
    for (const std::string& r : records) {
      if (absl::Status s = sink.Add(r); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
}

struct Read {
  absl::StatusOr<uint64_t> position;
  std::vector<std::string> records;
};

Read ReadBack(EventLog& log, const std::string& name) {
  Read out;
  out.position = log.ReadCheckpoint(name, [&](std::string_view r) {
    out.records.emplace_back(r);
    return absl::OkStatus();
  });
  return out;
}

}  // namespace checkpoint_test

TEST_F(EventLogTest, ACheckpointReadsBackWholeAndIsReplacedWhole) {
  using checkpoint_test::ReadBack;
  using checkpoint_test::Write;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log_->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any())).ok());
  }
  EXPECT_TRUE(absl::IsNotFound(ReadBack(*log_, "ledger").position.status()));
  const std::string big(3 << 20, 'x');
  ASSERT_TRUE(Write(*log_, "ledger", 4, {"a", "", big, "d"}).ok());
  Reopen();
  auto read = ReadBack(*log_, "ledger");
  ASSERT_TRUE(read.position.ok()) << read.position.status();
  EXPECT_EQ(*read.position, 4u);
  EXPECT_EQ(read.records, (std::vector<std::string>{"a", "", big, "d"}));

  // A shorter one replaces it whole: none of the longer one's records remain.
  ASSERT_TRUE(Write(*log_, "ledger", 5, {"only"}).ok());
  ASSERT_TRUE(Write(*log_, "other", 0, {"x", "y"}).ok());
  read = ReadBack(*log_, "ledger");
  EXPECT_EQ(*read.position, 5u);
  EXPECT_EQ(read.records, std::vector<std::string>{"only"});
  read = ReadBack(*log_, "other");
  EXPECT_EQ(*read.position, 0u);
  EXPECT_EQ(read.records, (std::vector<std::string>{"x", "y"}));

  // A checkpoint whose filling fails replaces nothing.
  absl::Status failed = log_->WriteCheckpoint("ledger", 5, [](EventLog::CheckpointSink& sink) {
    EXPECT_TRUE(sink.Add("half").ok());
    return absl::InternalError("the consumer failed");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReadBack(*log_, "ledger").records, std::vector<std::string>{"only"});

  // Bad requests.
  EXPECT_TRUE(absl::IsInvalidArgument(Write(*log_, "", 1, {"a"})));
  EXPECT_TRUE(absl::IsInvalidArgument(Write(*log_, std::string("a\0b", 3), 1, {"a"})));
  absl::Status beyond = Write(*log_, "ledger", 6, {"a"});
  EXPECT_TRUE(absl::IsInvalidArgument(beyond));
  EXPECT_THAT(beyond.message(), HasSubstr("beyond the log's head 5"));
  EXPECT_EQ(ReadBack(*log_, "ledger").records, std::vector<std::string>{"only"});

  // Beside the snapshots, not among them; and in a backup.
  ASSERT_TRUE(log_->PutSnapshot("s", 5, "state").ok());
  EXPECT_EQ((*log_->GetSnapshot("s", UINT64_MAX))->second, "state");
  std::string backup_dir = dir_ + "_backup";
  ASSERT_TRUE(log_->Backup(backup_dir).ok());
  {
    auto backup = OpenEventLog(backup_dir, clock_, Options{.create_if_missing = false});
    ASSERT_TRUE(backup.ok());
    read = ReadBack(**backup, "ledger");
    EXPECT_EQ(*read.position, 5u);
    EXPECT_EQ(read.records, std::vector<std::string>{"only"});
  }
  std::filesystem::remove_all(backup_dir);
}

TEST_F(EventLogTest, WhatTheChainDoesNotCoverIsMadeAnewFromTheRecords) {
  ASSERT_TRUE(log_->Append(Req("a", "r1", ExpectedVersion::NoStream(), 3)).ok());
  ASSERT_TRUE(log_->Append(Req("b", "r2", ExpectedVersion::NoStream())).ok());
  ASSERT_TRUE(log_->Append(As("dept/财政局", Req("a", "r2", ExpectedVersion::Exactly(3), 2))).ok());
  ASSERT_TRUE(log_->PutSnapshot("a", 3, "state of a").ok());
  ASSERT_TRUE(checkpoint_test::Write(*log_, "ledger", 6, {"x", "y"}).ok());
  auto original_r1 = log_->LookupRequest("dept/自然资源局", "r1");
  auto original_r2 = log_->LookupRequest("dept/财政局", "r2");
  ASSERT_TRUE(original_r1.ok() && original_r1->has_value());
  ASSERT_TRUE(original_r2.ok() && original_r2->has_value());
  log_.reset();
  {
    // An insider with the files changes what the chain does not cover.
    Tamperer t(dir_);
    std::string position;
    format::PutFixed64BE(&position, 4);
    t.PutIndex(format::StreamVersionKey("a", 1), position);  // a's first event is b's
    t.PutIndex(format::StreamVersionKey("c", 1), position);  // a stream that never was
    v1::StreamHead head;
    head.set_version(9);
    head.set_last_position(6);
    t.PutHead("a", head.SerializeAsString());
    v1::AppendReceipt forged;
    forged.set_stream("b");
    forged.set_first_position(4);
    forged.set_last_position(4);
    forged.set_first_version(1);
    forged.set_last_version(1);
    t.PutReceipt(format::RequestKey("dept/自然资源局", "r1"), forged.SerializeAsString());
    t.PutReceipt(format::RequestKey("dept/自然资源局", "never"), forged.SerializeAsString());
  }
  Reopen();
  auto rederived = log_->RederiveFromRecords();
  ASSERT_TRUE(rederived.ok()) << rederived.status();
  EXPECT_EQ(rederived->records, 6u);
  EXPECT_EQ(rederived->streams, 2u);
  EXPECT_EQ(rederived->requests, 3u);

  auto a = log_->ReadStream("a", 1, 10);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->size(), 5u);
  EXPECT_EQ((*a)[0].record.position(), 1u);
  EXPECT_EQ((*a)[4].record.position(), 6u);
  EXPECT_TRUE(log_->ReadStream("c", 1, 10)->empty());
  EXPECT_EQ(*log_->StreamVersion("a"), 5u);
  EXPECT_EQ(*log_->StreamVersion("b"), 1u);
  auto r1 = log_->LookupRequest("dept/自然资源局", "r1");
  ASSERT_TRUE(r1.ok() && r1->has_value());
  EXPECT_EQ((*r1)->first_position, (*original_r1)->first_position);
  EXPECT_EQ((*r1)->last_position, (*original_r1)->last_position);
  EXPECT_EQ((*r1)->last_version, (*original_r1)->last_version);
  EXPECT_EQ((*r1)->recorded_at_us, (*original_r1)->recorded_at_us);
  auto r2 = log_->LookupRequest("dept/财政局", "r2");
  ASSERT_TRUE(r2.ok() && r2->has_value());
  EXPECT_EQ((*r2)->first_position, 5u);
  EXPECT_EQ((*r2)->last_version, 5u);
  EXPECT_FALSE(log_->LookupRequest("dept/自然资源局", "never")->has_value());
  // Snapshots and checkpoints are gone: they are rebuilt from the log.
  EXPECT_FALSE(log_->GetSnapshot("a", 10)->has_value());
  EXPECT_TRUE(absl::IsNotFound(checkpoint_test::ReadBack(*log_, "ledger").position.status()));

  // The log goes on from what its records say, and it stays so when reopened.
  EXPECT_FALSE(log_->Append(Req("a", "r3", ExpectedVersion::Exactly(9))).ok());
  auto next = log_->Append(Req("a", "r3", ExpectedVersion::Exactly(5)));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->first_position, 7u);
  EXPECT_TRUE(log_->Append(Req("a", "r1", ExpectedVersion::Any()))->duplicate);
  Reopen();
  EXPECT_EQ(*log_->StreamVersion("a"), 6u);
  EXPECT_TRUE(log_->Verify(1, 0)->ok);
}

// A second log that follows log_ record for record.
class FollowerTest : public EventLogTest {
 protected:
  void SetUp() override {
    EventLogTest::SetUp();
    copy_dir_ = dir_ + "-copy";
    auto copy = OpenEventLog(copy_dir_, clock_);
    ASSERT_TRUE(copy.ok()) << copy.status();
    copy_ = std::move(*copy);
  }
  void TearDown() override {
    copy_.reset();
    std::filesystem::remove_all(copy_dir_);
    EventLogTest::TearDown();
  }

  std::vector<std::string> Records(uint64_t from, uint64_t to) {
    std::vector<std::string> out;
    for (uint64_t p = from; p <= to; ++p) out.push_back(*log_->RecordBytes(p));
    return out;
  }

  // The blobs records [from, to] of log_ name.
  std::vector<std::string> BlobsOf(uint64_t from, uint64_t to) {
    std::vector<std::string> out;
    for (uint64_t p = from; p <= to; ++p) {
      auto r = log_->ReadAll(p, 1);
      for (const std::string& d : (*r)[0].record.blob_digests()) out.push_back(*log_->GetBlob(d));
    }
    return out;
  }

  std::string copy_dir_;
  std::unique_ptr<EventLog> copy_;
};

TEST_F(FollowerTest, RecordsAppliedInPiecesMakeTheSameLogWithItsIndexReceiptsAndTree) {
  ASSERT_TRUE(log_->Append(Req("a", "r1", ExpectedVersion::NoStream(), 3)).ok());
  ASSERT_TRUE(log_->Append(WithBlobs("b", "r2", {"照片一", "照片二"})).ok());
  ASSERT_TRUE(log_->Append(As("dept/财政局", Req("a", "r3", ExpectedVersion::Exactly(3), 4))).ok());
  ASSERT_TRUE(log_->Append(Req("c", "r4", ExpectedVersion::NoStream())).ok());
  ASSERT_EQ(log_->HeadPosition(), 9u);
  std::atomic<uint64_t> heard{0};
  uint64_t sub = copy_->Subscribe([&](uint64_t head) { heard = head; });

  // Pieces that cut the appends of r1 and r3 in two.
  for (auto [from, to] : {std::pair<uint64_t, uint64_t>{1, 2}, {3, 6}, {7, 9}}) {
    auto head = copy_->AppendRecorded(Records(from, to), BlobsOf(from, to));
    ASSERT_TRUE(head.ok()) << head.status();
    EXPECT_EQ(*head, to);
    EXPECT_EQ(heard.load(), to);
  }
  copy_->Unsubscribe(sub);
  for (uint64_t p = 1; p <= 9; ++p) EXPECT_EQ(*copy_->RecordBytes(p), *log_->RecordBytes(p)) << p;
  EXPECT_EQ(*copy_->MerkleRoot(9), *log_->MerkleRoot(9));
  EXPECT_EQ(*copy_->MerkleRoot(5), *log_->MerkleRoot(5));
  EXPECT_EQ(*copy_->StreamVersion("a"), 7u);
  EXPECT_EQ(copy_->ReadStream("a", 4, 10)->front().record.position(), 5u);
  EXPECT_EQ(*copy_->GetBlob(Sha256("照片二")), "照片二");
  for (auto [actor, id] : {std::pair<std::string, std::string>{"dept/自然资源局", "r1"},
                           {"dept/财政局", "r3"},
                           {"dept/自然资源局", "r4"}}) {
    auto original = log_->LookupRequest(actor, id);
    auto copied = copy_->LookupRequest(actor, id);
    ASSERT_TRUE(copied.ok() && copied->has_value()) << id;
    EXPECT_EQ((*copied)->first_position, (*original)->first_position) << id;
    EXPECT_EQ((*copied)->last_position, (*original)->last_position) << id;
    EXPECT_EQ((*copied)->last_version, (*original)->last_version) << id;
    EXPECT_EQ((*copied)->recorded_at_us, (*original)->recorded_at_us) << id;
  }

  // It goes on as a log of its own: a retry is a duplicate, a new append
  // chains to the last applied record, and all of it stays when reopened.
  EXPECT_TRUE(copy_->Append(As("dept/财政局", Req("a", "r3", ExpectedVersion::Any())))->duplicate);
  auto next = copy_->Append(Req("a", "r5", ExpectedVersion::Exactly(7)));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->first_position, 10u);
  copy_.reset();
  auto reopened = OpenEventLog(copy_dir_, clock_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  copy_ = std::move(*reopened);
  auto v = copy_->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->blobs_checked, 2u);
}

TEST_F(FollowerTest, ARecordThatDoesNotFollowIsRefusedAndNothingIsWritten) {
  ASSERT_TRUE(log_->Append(Req("a", "r1", ExpectedVersion::NoStream(), 2)).ok());
  ASSERT_TRUE(log_->Append(WithBlobs("b", "r2", {"照片"})).ok());
  ASSERT_TRUE(log_->Append(Req("a", "r3", ExpectedVersion::Any())).ok());
  ASSERT_TRUE(copy_->AppendRecorded(Records(1, 1), {}).ok());

  auto refused = [&](std::vector<std::string> records, std::vector<std::string> blobs,
                     std::string_view what) {
    auto head = copy_->AppendRecorded(records, blobs);
    EXPECT_EQ(head.status().code(), absl::StatusCode::kInvalidArgument) << what;
    EXPECT_THAT(head.status().message(), HasSubstr(what));
    EXPECT_EQ(copy_->HeadPosition(), 1u);
    EXPECT_EQ(*copy_->StreamVersion("b"), 0u);
  };
  refused(Records(1, 2), {}, "not the next");              // again from 1
  refused(Records(3, 4), BlobsOf(3, 3), "not the next");   // 2 skipped
  refused({"not a record"}, {}, "does not decode");        // garbage
  refused(Records(2, 3), {}, "neither carried nor held");  // 3's blob missing
  refused(Records(2, 2), {"别的照片"}, "named by none");   // a stray blob
  std::vector<std::string> edited = Records(2, 4);
  v1::EventRecord r;
  ASSERT_TRUE(r.ParseFromString(edited[0]));
  r.set_payload("改过");
  edited[0] = r.SerializeAsString();
  refused(edited, BlobsOf(3, 3), "prev_hash");  // 3 no longer chains to 2
  // A record made to fit the chain but reusing a request id.
  v1::EventRecord reused;
  ASSERT_TRUE(reused.ParseFromString(*log_->RecordBytes(1)));
  reused.set_position(2);
  reused.set_version(2);
  reused.set_prev_hash(Sha256(*log_->RecordBytes(1)));
  refused({reused.SerializeAsString()}, {}, "was used before");
  // ... or begun earlier in the same call.
  v1::EventRecord again;
  ASSERT_TRUE(again.ParseFromString(*log_->RecordBytes(4)));
  again.set_request_id("r2");
  std::vector<std::string> twice = Records(2, 3);
  twice.push_back(again.SerializeAsString());
  refused(twice, BlobsOf(3, 3), "was used before");
  // The middle of an append that did not begin here.
  ASSERT_TRUE(copy_->AppendRecorded(Records(2, 2), {}).ok());
  v1::EventRecord orphan;
  ASSERT_TRUE(orphan.ParseFromString(*log_->RecordBytes(3)));
  orphan.set_index_in_append(1);
  EXPECT_THAT(copy_->AppendRecorded({orphan.SerializeAsString()}, BlobsOf(3, 3)).status().message(),
              HasSubstr("does not go on"));
  EXPECT_EQ(copy_->HeadPosition(), 2u);
  // The rest applies, and the copy verifies.
  ASSERT_TRUE(copy_->AppendRecorded(Records(3, 4), BlobsOf(3, 4)).ok());
  EXPECT_TRUE(copy_->Verify(1, 0)->ok);
}

TEST_F(EventLogTest, ACheckpointNotOfThisLogOrAlteredIsRefused) {
  using checkpoint_test::ReadBack;
  using checkpoint_test::Write;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log_->Append(Req("s", absl::StrCat("r", i), ExpectedVersion::Any())).ok());
  }
  ASSERT_TRUE(Write(*log_, "at5", 5, {"a", "b"}).ok());
  ASSERT_TRUE(Write(*log_, "at3", 3, {"a", "b"}).ok());
  ASSERT_TRUE(Write(*log_, "edited", 2, {"a", "b"}).ok());
  ASSERT_TRUE(Write(*log_, "gap", 2, {"a", "b", "c"}).ok());
  log_.reset();
  {
    Tamperer t(dir_);
    // The log as an older copy of it: its head back at 4.
    t.Delete(5);  // record 5 completed no node above the leaves
    t.PutMeta(format::kMetaHead, format::EncodeHead(4, Sha256(t.Get(4))));
    // Another record at 3 (a log rewritten from there).
    v1::EventRecord rec;
    ASSERT_TRUE(rec.ParseFromString(t.Get(3)));
    rec.set_payload("another history");
    t.Put(3, rec.SerializeAsString());
    // A record of a checkpoint changed, and one removed.
    const std::string edited = format::CheckpointPrefix("edited");
    t.PutSnapshotKey(format::CheckpointRecordKey(edited, 1), "B");
    t.DeleteSnapshotKey(format::CheckpointRecordKey(format::CheckpointPrefix("gap"), 1));
  }
  Reopen();
  auto at5 = ReadBack(*log_, "at5");
  EXPECT_TRUE(absl::IsFailedPrecondition(at5.position.status())) << at5.position.status();
  EXPECT_THAT(at5.position.status().message(), HasSubstr("beyond the log's head 4"));
  EXPECT_TRUE(at5.records.empty());
  auto at3 = ReadBack(*log_, "at3");
  EXPECT_TRUE(absl::IsFailedPrecondition(at3.position.status())) << at3.position.status();
  EXPECT_THAT(at3.position.status().message(), HasSubstr("of another log"));
  EXPECT_TRUE(at3.records.empty());
  auto edited = ReadBack(*log_, "edited");
  EXPECT_TRUE(absl::IsDataLoss(edited.position.status())) << edited.position.status();
  EXPECT_THAT(edited.position.status().message(), HasSubstr("digest"));
  auto gap = ReadBack(*log_, "gap");
  EXPECT_TRUE(absl::IsDataLoss(gap.position.status())) << gap.position.status();
  EXPECT_THAT(gap.position.status().message(), HasSubstr("record 1 of 3 is missing"));
}

}  // namespace
}  // namespace taizhang::store
