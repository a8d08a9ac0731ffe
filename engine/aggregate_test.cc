#include "engine/aggregate.h"

#include <thread>

#include "base/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "taizhang/v1/engine_testing.pb.h"

namespace taizhang::engine {
namespace {

using v1::testing::LedgerEvent;
using v1::testing::LedgerEventV1;
using v1::testing::LedgerState;

struct AddCommand {
  int64_t amount = 0;
  int64_t set_limit = 0;
};

// A ledger of amounts that refuses to go over its limit.
class Ledger {
 public:
  using State = LedgerState;
  using Command = AddCommand;
  using Event = LedgerEvent;
  static constexpr uint32_t kStateSchema = 1;
  static constexpr uint32_t kEventSchema = 2;

  Ledger() {
    upcasters_.Register("ledger.Added", 1, [](const std::string& payload) {
      LedgerEventV1 old;
      if (!old.ParseFromString(payload)) {
        return absl::StatusOr<std::string>(absl::DataLossError("bad v1"));
      }
      LedgerEvent now;
      now.mutable_amount()->set_value(old.amount_yuan());
      now.mutable_amount()->set_unit("yuan");
      now.set_limit(old.limit());
      return absl::StatusOr<std::string>(now.SerializeAsString());
    });
  }

  std::string EventType(const Event&) const { return "ledger.Added"; }

  absl::StatusOr<std::vector<Event>> Decide(const State& s, const Command& c,
                                            const DecideContext& ctx) const {
    if (c.amount < 0) return absl::InvalidArgumentError("amount: must not be negative");
    if (s.limit() > 0 && s.total() + c.amount > s.limit()) {
      return absl::FailedPreconditionError("over the limit");
    }
    if (c.amount == 0 && c.set_limit == 0) return std::vector<Event>{};
    Event e;
    e.mutable_amount()->set_value(c.amount);
    e.mutable_amount()->set_unit("yuan");
    e.set_limit(c.set_limit);
    return std::vector<Event>{e};
  }

  void Apply(State* s, const Event& e, const EventContext& ctx) const {
    int64_t v = e.amount().value() * (e.amount().unit() == "wan" ? 10000 : 1);
    s->set_total(s->total() + v);
    if (e.limit() > 0) s->set_limit(e.limit());
    s->set_entries(s->entries() + 1);
    s->set_last_recorded_us(absl::ToUnixMicros(ctx.recorded_at));
    s->add_actors(ctx.actor);
  }

  const UpcasterRegistry* upcasters() const { return &upcasters_; }

 private:
  UpcasterRegistry upcasters_;
};

class AggregateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
    store_ = std::make_unique<AggregateStore<Ledger>>(*log_, clock_, ledger_,
                                                      StoreOptions{.snapshot_every = 10});
  }
  void TearDown() override {
    store_.reset();
    log_.reset();
  }
  CommandMeta Meta(const std::string& id) { return CommandMeta{.request_id = id, .actor = "u"}; }

  ManualClock clock_{absl::FromUnixSeconds(1767225600)};
  ::taizhang::testing::TempDir tmp_;  // removed after the log closes
  const std::string dir_ = tmp_ / "log";
  std::unique_ptr<store::EventLog> log_;
  Ledger ledger_;
  std::unique_ptr<AggregateStore<Ledger>> store_;
};

TEST_F(AggregateTest, DecidesAppendsAndApplies) {
  auto out = store_->Execute("ledger/1", AddCommand{.amount = 5, .set_limit = 100}, Meta("a"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->loaded.state.total(), 5);
  EXPECT_EQ(out->loaded.version, 1u);
  EXPECT_EQ(out->events.size(), 1u);
  auto refused = store_->Execute("ledger/1", AddCommand{.amount = 96}, Meta("b"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log_->HeadPosition(), 1u);
  auto noop = store_->Execute("ledger/1", AddCommand{}, Meta("c"));
  ASSERT_TRUE(noop.ok());
  EXPECT_TRUE(noop->events.empty());
  EXPECT_EQ(log_->HeadPosition(), 1u);
}

TEST_F(AggregateTest, RetriedRequestReturnsTheFirstResult) {
  ASSERT_TRUE(
      store_->Execute("ledger/1", AddCommand{.amount = 5, .set_limit = 10}, Meta("a")).ok());
  ASSERT_TRUE(store_->Execute("ledger/1", AddCommand{.amount = 4}, Meta("b")).ok());
  // "b" again would now exceed the limit if decided anew; it is not decided anew.
  auto again = store_->Execute("ledger/1", AddCommand{.amount = 4}, Meta("b"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->loaded.state.total(), 9);
  EXPECT_EQ(again->append.first_position, 2u);
  EXPECT_EQ(log_->HeadPosition(), 2u);
  auto elsewhere = store_->Execute("ledger/2", AddCommand{.amount = 1}, Meta("b"));
  EXPECT_EQ(elsewhere.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(AggregateTest, RetryThatWouldAppendAgainIsAnsweredByTheLog) {
  ASSERT_TRUE(store_->Execute("ledger/1", AddCommand{.amount = 1}, Meta("a")).ok());
  ASSERT_TRUE(store_->Execute("ledger/1", AddCommand{.amount = 2}, Meta("b")).ok());
  // Decided anew, "a" would add 1 again; the log knows the request id.
  auto again = store_->Execute("ledger/1", AddCommand{.amount = 1}, Meta("a"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->loaded.state.total(), 1);  // the state as of the first answer
  EXPECT_EQ(again->loaded.version, 1u);
  EXPECT_EQ(log_->HeadPosition(), 2u);
  // So is a retry naming the version it expected the first time.
  CommandMeta m = Meta("b");
  m.expected_version = 1;
  auto named = store_->Execute("ledger/1", AddCommand{.amount = 2}, m);
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_TRUE(named->duplicate);
  EXPECT_EQ(named->loaded.state.total(), 3);
  // And a retry of a command that changed nothing stays a no-op.
  ASSERT_TRUE(store_->Execute("ledger/1", AddCommand{}, Meta("c")).ok());
  EXPECT_EQ(log_->HeadPosition(), 2u);
}

// A request is (actor, request id): another principal's use of the same id
// is its own command, decided and written, or refused, on its own.
TEST_F(AggregateTest, TwoPrincipalsWithOneRequestIdEachGetTheirOwnCommand) {
  CommandMeta alice{.request_id = "same", .actor = "department:自然资源局"};
  CommandMeta bob{.request_id = "same", .actor = "system:scheduler"};
  auto first = store_->Execute("ledger/1", AddCommand{.amount = 1, .set_limit = 10}, alice);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = store_->Execute("ledger/1", AddCommand{.amount = 2}, bob);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->duplicate);
  EXPECT_EQ(second->loaded.state.total(), 3);
  EXPECT_EQ(log_->HeadPosition(), 2u);
  // Each retry gets its own principal's first answer.
  auto alice_again = store_->Execute("ledger/1", AddCommand{.amount = 1}, alice);
  auto bob_again = store_->Execute("ledger/1", AddCommand{.amount = 2}, bob);
  ASSERT_TRUE(alice_again.ok() && bob_again.ok());
  EXPECT_TRUE(alice_again->duplicate && bob_again->duplicate);
  EXPECT_EQ(alice_again->loaded.state.total(), 1);
  EXPECT_EQ(bob_again->loaded.state.total(), 3);
  // A third principal's refusal is its own, not a replay of another's write;
  // and its id, used elsewhere by others, is free for it on another stream.
  CommandMeta carol{.request_id = "same", .actor = "enterprise:昆明万达"};
  auto refused = store_->Execute("ledger/1", AddCommand{.amount = 100}, carol);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  auto elsewhere = store_->Execute("ledger/2", AddCommand{.amount = 7}, carol);
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status();
  EXPECT_FALSE(elsewhere->duplicate);
  EXPECT_EQ(log_->HeadPosition(), 3u);
  auto records = log_->ReadAll(1, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 3u);
  for (const auto& r : *records) EXPECT_EQ(r.record.request_id(), "same");
  EXPECT_EQ((*records)[1].record.actor(), "system:scheduler");
}

TEST_F(AggregateTest, KeptStateIsUsedOnlyAtTheLogsVersion) {
  ASSERT_TRUE(store_->Execute("ledger/1", AddCommand{.set_limit = 10}, Meta("limit")).ok());
  ASSERT_TRUE(store_->Execute("ledger/1", AddCommand{.amount = 3}, Meta("a")).ok());
  // Another writer moves the stream on behind this store's back.
  AggregateStore<Ledger> other(*log_, clock_, ledger_);
  ASSERT_TRUE(other.Execute("ledger/1", AddCommand{.amount = 6}, Meta("b")).ok());
  // Decided on the kept state (3), 5 would fit; on the log's (9) it does not.
  auto refused = store_->Execute("ledger/1", AddCommand{.amount = 5}, Meta("c"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  auto fits = store_->Execute("ledger/1", AddCommand{.amount = 1}, Meta("d"));
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->loaded.state.total(), 10);
  EXPECT_EQ(fits->loaded.version, 4u);
  auto replayed = store_->LoadAsOf("ledger/1", {});
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(fits->loaded.state.SerializeAsString(), replayed->state.SerializeAsString());
}

TEST_F(AggregateTest, KeptStatesAreBounded) {
  AggregateStore<Ledger> small(*log_, clock_, ledger_, StoreOptions{.cached_states = 2});
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(small
                    .Execute(absl::StrCat("ledger/", i), AddCommand{.amount = i + 1},
                             Meta(absl::StrCat("r", i)))
                    .ok());
  }
  EXPECT_EQ(small.kept_states(), 2u);
  // The evicted streams load from the log; all five are right.
  for (int i = 0; i < 5; ++i) {
    auto loaded = small.Load(absl::StrCat("ledger/", i));
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->state.total(), i + 1);
    EXPECT_EQ(loaded->version, 1u);
  }
}

TEST_F(AggregateTest, KeptStatesAreBoundedInBytes) {
  // Room for the bytes of three states, not five (all five are the same size).
  auto sample = store_->Execute("ledger/sample", AddCommand{.amount = 1}, Meta("sample"));
  ASSERT_TRUE(sample.ok());
  const size_t one = sample->loaded.state.ByteSizeLong();
  ASSERT_GT(one, 0u);
  AggregateStore<Ledger> small(*log_, clock_, ledger_,
                               StoreOptions{.cached_states = 100, .cached_bytes = 3 * one + 1});
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(small
                    .Execute(absl::StrCat("ledger/", i), AddCommand{.amount = i + 1},
                             Meta(absl::StrCat("b", i)))
                    .ok());
  }
  EXPECT_EQ(small.kept_states(), 3u);
  EXPECT_LE(small.kept_bytes(), 3 * one + 1);
  EXPECT_GT(small.kept_bytes(), 0u);
  for (int i = 0; i < 5; ++i) {
    auto loaded = small.Load(absl::StrCat("ledger/", i));
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->state.total(), i + 1);
  }
  // A state larger than the whole budget is not kept at all, and the older
  // state kept for its stream goes.
  AggregateStore<Ledger> none(*log_, clock_, ledger_, StoreOptions{.cached_bytes = one + 1});
  ASSERT_TRUE(none.Execute("ledger/9", AddCommand{.amount = 1}, Meta("n")).ok());
  EXPECT_EQ(none.kept_states(), 1u);
  // A second actor makes the state larger (it names both).
  ASSERT_TRUE(none.Execute("ledger/9", AddCommand{.amount = 1},
                           CommandMeta{.request_id = "n2", .actor = "another actor"})
                  .ok());
  EXPECT_EQ(none.kept_states(), 0u);
  EXPECT_EQ(none.kept_bytes(), 0u);
  EXPECT_EQ(none.Load("ledger/9")->state.total(), 2);
}

TEST_F(AggregateTest, ExpectedVersionMismatchIsAborted) {
  ASSERT_TRUE(store_->Execute("ledger/1", AddCommand{.amount = 1}, Meta("a")).ok());
  CommandMeta m = Meta("b");
  m.expected_version = 0;
  auto r = store_->Execute("ledger/1", AddCommand{.amount = 1}, m);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(log_->HeadPosition(), 1u);
}

TEST_F(AggregateTest, ConcurrentCommandsRetryOnConflictAndKeepTheInvariant) {
  ASSERT_TRUE(store_->Execute("ledger/1", AddCommand{.set_limit = 40}, Meta("limit")).ok());
  // A second store on the same log stands for another process: its commands
  // race this one's through the log's optimistic check and are decided again.
  // Each store retries a lost race; with two contenders a command loses a race
  // about half the time, so the budget must make 2^-attempts negligible.
  StoreOptions patient{.snapshot_every = 10, .max_attempts = 64};
  AggregateStore<Ledger> mine(*log_, clock_, ledger_, patient);
  AggregateStore<Ledger> other(*log_, clock_, ledger_, patient);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, refused{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto& target = t % 2 == 0 ? mine : other;
        auto r =
            target.Execute("ledger/1", AddCommand{.amount = 1}, Meta(absl::StrCat("t", t, "-", i)));
        if (r.ok()) {
          ++ok;
        } else if (r.status().code() == absl::StatusCode::kFailedPrecondition) {
          ++refused;
        } else {
          ADD_FAILURE() << r.status();  // conflicts beyond the retry budget would show here
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto loaded = store_->Load("ledger/1");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->state.total(), 40);  // never over the limit, despite the races
  EXPECT_EQ(ok.load(), 40);
  EXPECT_EQ(refused.load(), 40);
}

TEST_F(AggregateTest, ReplayIsByteIdenticalWithAndWithoutSnapshots) {
  std::string executed;  // the state Execute returned, folded in memory
  for (int i = 0; i < 37; ++i) {
    clock_.Advance(absl::Minutes(7));
    auto out = store_->Execute("ledger/1", AddCommand{.amount = i + 1}, Meta(absl::StrCat(i)));
    ASSERT_TRUE(out.ok());
    executed = out->loaded.state.SerializeAsString();
  }
  auto kept = store_->Load("ledger/1");  // the state kept in memory after the last write
  ASSERT_TRUE(kept.ok());
  // A store with nothing in memory (as after a restart) starts from the snapshot.
  AggregateStore<Ledger> fresh(*log_, clock_, ledger_, StoreOptions{.snapshot_every = 10});
  auto with_snapshot = fresh.Load("ledger/1");
  ASSERT_TRUE(with_snapshot.ok());
  auto snap = log_->GetSnapshot("ledger/1", UINT64_MAX);
  ASSERT_TRUE(snap.ok() && snap->has_value());
  EXPECT_EQ((*snap)->first, 30u);  // one every 10 versions
  auto from_scratch = store_->LoadAsOf("ledger/1", {});
  ASSERT_TRUE(from_scratch.ok());
  EXPECT_EQ(with_snapshot->state.SerializeAsString(), from_scratch->state.SerializeAsString());
  EXPECT_EQ(executed, from_scratch->state.SerializeAsString());
  EXPECT_EQ(kept->state.SerializeAsString(), from_scratch->state.SerializeAsString());
  EXPECT_EQ(with_snapshot->version, 37u);
  EXPECT_EQ(kept->version, 37u);
  EXPECT_EQ(kept->position, from_scratch->position);
}

TEST_F(AggregateTest, SnapshotOfAnotherSchemaIsRebuilt) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(store_->Execute("ledger/1", AddCommand{.amount = 1}, Meta(absl::StrCat(i))).ok());
  }
  // A snapshot written by a build whose state meant something else.
  v1::SnapshotEnvelope stale;
  stale.set_state_schema(0);
  stale.set_version(12);
  LedgerState wrong;
  wrong.set_total(999);
  stale.set_state(wrong.SerializeAsString());
  ASSERT_TRUE(log_->PutSnapshot("ledger/1", 12, stale.SerializeAsString()).ok());
  AggregateStore<Ledger> fresh(*log_, clock_, ledger_, StoreOptions{.snapshot_every = 10});
  auto loaded = fresh.Load("ledger/1");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->state.total(), 12);
}

TEST_F(AggregateTest, StateAsOfAPositionOrARecordedTime) {
  absl::Time t0 = clock_.Now();
  for (int i = 1; i <= 5; ++i) {
    clock_.Advance(absl::Hours(1));
    ASSERT_TRUE(store_->Execute("ledger/1", AddCommand{.amount = i}, Meta(absl::StrCat(i))).ok());
    ASSERT_TRUE(
        store_->Execute("ledger/2", AddCommand{.amount = 100}, Meta(absl::StrCat("o", i))).ok());
  }
  auto at_pos = store_->LoadAsOf("ledger/1", {.position = 5});  // events 1,3,5 are ledger/1
  ASSERT_TRUE(at_pos.ok());
  EXPECT_EQ(at_pos->state.total(), 1 + 2 + 3);
  auto at_time = store_->LoadAsOf("ledger/1", {.recorded_at = t0 + absl::Hours(2)});
  ASSERT_TRUE(at_time.ok());
  EXPECT_EQ(at_time->state.total(), 1 + 2);
  EXPECT_EQ(at_time->version, 2u);
}

TEST_F(AggregateTest, OldEventVersionIsUpcastOnRead) {
  // Write what an old build wrote: version 1 of the event.
  LedgerEventV1 old;
  old.set_amount_yuan(250);
  old.set_limit(1000);
  store::AppendRequest r;
  r.stream = "ledger/1";
  r.request_id = "old";
  r.events.push_back(store::NewEvent{
      .type = "ledger.Added", .type_version = 1, .payload = old.SerializeAsString()});
  ASSERT_TRUE(log_->Append(r).ok());
  auto loaded = store_->Load("ledger/1");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->state.total(), 250);
  EXPECT_EQ(loaded->state.limit(), 1000);
  // The stored record is untouched.
  auto stored = log_->ReadStream("ledger/1", 1, 1);
  EXPECT_EQ((*stored)[0].record.type_version(), 1u);
  // A version newer than the build is refused with the position named.
  r.request_id = "future";
  r.events[0].type_version = 9;
  ASSERT_TRUE(log_->Append(r).ok());
  auto future = store_->LoadAsOf("ledger/1", {});
  EXPECT_EQ(future.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(future.status().message(), ::testing::HasSubstr("position 2"));
}

TEST_F(AggregateTest, LateEntryKeepsBothTimes) {
  CommandMeta m = Meta("paper");
  m.occurred_at = clock_.Now() - absl::Hours(72);
  auto out = store_->Execute("ledger/1", AddCommand{.amount = 3}, m);
  ASSERT_TRUE(out.ok());
  auto rec = log_->ReadStream("ledger/1", 1, 1);
  EXPECT_EQ((*rec)[0].record.occurred_at_us(), absl::ToUnixMicros(*m.occurred_at));
  EXPECT_EQ((*rec)[0].record.recorded_at_us(), clock_.NowMicros());
  m.request_id = "future";
  m.occurred_at = clock_.Now() + absl::Hours(1);
  EXPECT_EQ(store_->Execute("ledger/1", AddCommand{.amount = 3}, m).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace taizhang::engine
