// A start from a checkpoint of the projections holds exactly what a replay of
// the whole log holds, and the compacted states the projections keep are the
// full states compacted: on a small city built through every workflow's
// commands (the deadlines and the ladder run, tasks report every week).
#include <map>
#include <string>

#include "bench/city.h"
#include "engine/state_digest.h"
#include "gtest/gtest.h"
#include "workflows/ledger.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

// Every projection's every state, with its version and position.
using Held = std::map<std::string, std::string>;

template <class... A>
Held HeldBy(const Ledger& ledger, WorkflowList<A...>) {
  Held held;
  auto one = [&](const auto& workflow) {
    workflow.projection().ForEach([&](const auto& loaded) {
      held[absl::StrCat(
          workflow.prefix(),
          WorkflowTraits<typename std::remove_cvref_t<decltype(workflow)>::Aggregate>::Id(
              loaded.state))] = absl::StrCat(loaded.version, "@", loaded.position, ":",
                                             engine::DeterministicBytes(loaded.state));
    });
  };
  (one(ledger.workflow<A>()), ...);
  return held;
}

class LedgerCheckpointTest : public testing::LedgerFixture {
 protected:
  LedgerCheckpointTest() : LedgerFixture(testing::ChinaHour(2019, 1, 1, 8)) {}

  bench::CityOptions City(int weeks) {
    bench::CityOptions o;
    o.projects = 12;
    o.tasks_per_project = 4;
    o.units = 5;
    o.leaders = 3;
    o.weeks = weeks;
    o.max_in_flight = 16;
    return o;
  }
  Held Held_() { return HeldBy(*ledger_, RegisteredWorkflows()); }
};

TEST_F(LedgerCheckpointTest, AStartFromACheckpointHoldsWhatAWholeReplayHolds) {
  auto built = bench::BuildCity(*ledger_, clock_, City(20));
  ASSERT_TRUE(built.ok()) << built.status();
  Settle();
  const Held before = Held_();
  const uint64_t head = log_->HeadPosition();
  ASSERT_GT(head, 1000u);

  // Stopping writes a checkpoint at the head; the next start reads it and
  // replays nothing.
  CloseLedger();
  OpenLedger();
  engine::StartReport report = ledger_->runtime().start_report();
  EXPECT_EQ(report.checkpoint_position, head);
  EXPECT_EQ(report.replayed, 0u);
  EXPECT_TRUE(report.checkpoint_refused.empty()) << report.checkpoint_refused;
  Settle();
  EXPECT_EQ(log_->HeadPosition(), head);  // the start sent nothing again
  EXPECT_EQ(Held_(), before);

  // More weeks by a process that writes no checkpoint (as if it had crashed
  // before its next one): the next start restores the one at `head` and
  // replays what follows.
  CloseLedger();
  options_.checkpoints = false;
  OpenLedger();
  bench::CityOptions more = City(30);
  more.first_week = 20;
  auto again = bench::BuildCity(*ledger_, clock_, more);
  ASSERT_TRUE(again.ok()) << again.status();
  Settle();
  const uint64_t later = log_->HeadPosition();
  ASSERT_GT(later, head + 200);
  const Held replayed_whole = Held_();
  CloseLedger();

  options_.checkpoints = true;
  OpenLedger();
  report = ledger_->runtime().start_report();
  EXPECT_EQ(report.checkpoint_position, head);
  EXPECT_EQ(report.replayed, later - head);
  Settle();
  EXPECT_EQ(log_->HeadPosition(), later);
  EXPECT_EQ(Held_(), replayed_whole);
}

TEST_F(LedgerCheckpointTest, TheProjectionsHoldTheFullStatesCompacted) {
  auto built = bench::BuildCity(*ledger_, clock_, City(16));
  ASSERT_TRUE(built.ok()) << built.status();
  Settle();
  auto& tasks = ledger_->workflow<Task>();
  int compared = 0, with_history = 0;
  tasks.projection().ForEach([&](const auto&) { ++compared; });
  ASSERT_GT(compared, 40);
  for (const v1::TaskState& live : tasks.List()) {
    auto full = tasks.GetFull(live.task_id());
    ASSERT_TRUE(full.ok() && full->has_value()) << live.task_id();
    if ((*full)->progress_size() > 1) ++with_history;
    v1::TaskState compacted = **full;
    tasks.aggregate().Compact(&compacted);
    EXPECT_EQ(engine::DeterministicBytes(compacted), engine::DeterministicBytes(live))
        << live.task_id();
    EXPECT_LE(live.progress_size(), 1);
    // What a person sees of the task is the same either way.
    const absl::Time now = clock_.Now();
    EXPECT_EQ(engine::DeterministicBytes(tasks.aggregate().View(**full, now)),
              engine::DeterministicBytes(tasks.aggregate().View(live, now)));
  }
  EXPECT_GT(with_history, 20);  // the full states do hold every week's report
}

}  // namespace
}  // namespace taizhang::workflows
