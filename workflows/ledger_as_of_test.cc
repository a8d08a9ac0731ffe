// The whole ledger rebuilt from the log as of the end of a China day: what
// was recorded by then and nothing after, judged then; now from the
// projections; and how long a city's worth of streams takes to rebuild.
#include "workflows/ledger_as_of.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "engine/calendar.h"
#include "gtest/gtest.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

constexpr char kOffice[] = "supervision:区政府目督办";
constexpr char kCode[] = "2020-530115-72-01-000001";

absl::Time At(int y, int m, int d, int h = 10) {
  return absl::FromCivil(absl::CivilHour(y, m, d, h), engine::ChinaTime());
}

v1::TaskCommand Create(const std::string& id, const char* due) {
  v1::TaskCommand c;
  v1::CreateTask* t = c.mutable_create();
  t->set_task_id(id);
  t->set_project_code(kCode);
  t->set_title(absl::StrCat("任务 ", id));
  t->add_responsible_units("昆阳街道办");
  t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
  t->mutable_deadline()->mutable_rule()->set_fixed_date(due);
  return c;
}

class LedgerAsOfTest : public testing::LedgerFixture {
 protected:
  LedgerAsOfTest() : LedgerFixture(At(2020, 6, 29)) {}

  void Run(const std::string& id, const v1::TaskCommand& c, const std::string& actor = kOffice) {
    auto out = ledger_->ExecuteTask(id, c, Meta(actor));
    ASSERT_TRUE(out.ok()) << out.status();
  }
};

TEST_F(LedgerAsOfTest, TheEndOfADayIsItsLastMicrosecond) {
  const absl::Time end = EndOfChinaDay(absl::CivilDay(2020, 7, 1));
  EXPECT_EQ(end, absl::FromCivil(absl::CivilDay(2020, 7, 2), engine::ChinaTime()) -
                     absl::Microseconds(1));
  EXPECT_EQ(absl::ToCivilDay(end, engine::ChinaTime()), absl::CivilDay(2020, 7, 1));
}

// Cut at a log position (as a published bulletin is): the records through it
// and none after, each shown to the hook in order; a hook's error is the
// read's.
TEST_F(LedgerAsOfTest, ThroughAPositionHoldsThePrefixAndShowsEveryRecord) {
  Run("plot5", Create("plot5", "2020-07-15"));
  const uint64_t after_plot5 = log_->HeadPosition();
  clock_.AdvanceTo(At(2020, 7, 2));
  Run("plot1", Create("plot1", "2020-07-10"));
  Settle();
  ASSERT_GT(log_->HeadPosition(), after_plot5);

  std::vector<uint64_t> seen;
  auto hook = [&seen](const store::RecordedEvent& e) {
    seen.push_back(e.record.position());
    return absl::OkStatus();
  };
  auto cut = ReadLedgerThrough(*ledger_, after_plot5, hook);
  ASSERT_TRUE(cut.ok()) << cut.status();
  EXPECT_EQ(cut->through_position, after_plot5);
  ASSERT_EQ(cut->of<Task>().size(), 1u);
  EXPECT_EQ(cut->of<Task>()[0].task_id(), "plot5");
  ASSERT_EQ(seen.size(), after_plot5);
  for (uint64_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);
  auto last = log_->ReadAll(after_plot5, 1);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ(cut->as_of, absl::FromUnixMicros((*last)[0].record.recorded_at_us()));

  // 0 is the head: both tasks, as the log replayed to now.
  auto all = ReadLedgerThrough(*ledger_, 0);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->through_position, log_->HeadPosition());
  ASSERT_EQ(all->of<Task>().size(), 2u);
  EXPECT_EQ(all->of<Task>()[0].task_id(), "plot1");  // by stream

  int calls = 0;
  auto failing = [&calls](const store::RecordedEvent&) {
    return ++calls == 2 ? absl::DataLossError("second record") : absl::OkStatus();
  };
  auto failed = ReadLedgerThrough(*ledger_, 0, failing);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(calls, 2);
}

TEST_F(LedgerAsOfTest, APastDayHoldsWhatWasRecordedByItsEndJudgedThen) {
  Run("plot5", Create("plot5", "2020-07-15"));
  Run("plot1", Create("plot1", "2020-07-10"));
  // Recorded at 00:00 on 07-02: after the end of 07-01.
  clock_.AdvanceTo(absl::FromCivil(absl::CivilDay(2020, 7, 2), engine::ChinaTime()));
  v1::TaskCommand complete;
  complete.mutable_complete()->set_text("完成");
  Run("plot1", complete, "department:昆阳街道办");
  clock_.AdvanceTo(At(2020, 7, 19));
  ledger_->runtime().Quiesce();

  const absl::Time end = EndOfChinaDay(absl::CivilDay(2020, 7, 1));
  auto then = ReadLedgerAsOf(*ledger_, end, clock_.Now());
  ASSERT_TRUE(then.ok()) << then.status();
  EXPECT_EQ(then->as_of, end);
  const auto& tasks = then->of<Task>();
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].task_id(), "plot1");  // by stream
  EXPECT_EQ(tasks[0].status(), v1::TASK_STATUS_OPEN);
  EXPECT_EQ(tasks[1].task_id(), "plot5");
  // Judged then: green, ten working days left; now: red.
  const v1::TaskView view_then = ledger_->task().View(tasks[1], then->as_of);
  EXPECT_EQ(view_then.light(), v1::LIGHT_GREEN);
  EXPECT_FALSE(view_then.overdue());
  EXPECT_TRUE(then->of<Project>().empty());
  EXPECT_EQ(then->FindProject(kCode), nullptr);
  EXPECT_LT(then->through_position, log_->HeadPosition());
  // through_position is the last record of 07-01 or before.
  auto last = log_->ReadAll(then->through_position, 2);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 2u);
  EXPECT_LE((*last)[0].record.recorded_at_us(), absl::ToUnixMicros(end));
  EXPECT_GT((*last)[1].record.recorded_at_us(), absl::ToUnixMicros(end));

  auto now = ReadLedgerAsOf(*ledger_, std::nullopt, clock_.Now());
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->as_of, clock_.Now());
  EXPECT_EQ(now->through_position, ledger_->AppliedPosition());
  ASSERT_EQ(now->of<Task>().size(), 2u);
  int completed = 0;
  for (const auto& t : now->of<Task>()) completed += t.status() == v1::TASK_STATUS_COMPLETED;
  EXPECT_EQ(completed, 1);
  // The log read up to now gives the projections' states.
  auto replayed = ReadLedgerAsOf(*ledger_, clock_.Now(), clock_.Now());
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(replayed->through_position, log_->HeadPosition());
  ASSERT_EQ(replayed->of<Task>().size(), 2u);
  for (const auto& t : replayed->of<Task>()) {
    auto current = ledger_->GetTask(t.task_id());
    ASSERT_TRUE(current.has_value());
    EXPECT_EQ(t.SerializeAsString(), current->SerializeAsString()) << t.task_id();
  }
  // Before anything: empty.
  auto before = ReadLedgerAsOf(*ledger_, At(2020, 6, 1), clock_.Now());
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->of<Task>().empty());
}

// Many streams at once (the city's size is bench/reports_bench's): every one
// is rebuilt, none judged red before its limit.
TEST_F(LedgerAsOfTest, ManyStreamsAreAllRebuilt) {
  constexpr int kTasks = 2000;
  absl::BlockingCounter done(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    const std::string id = absl::StrFormat("t%05d", i);
    ledger_->workflow<Task>().ExecuteAsync(id, Create(id, "2020-12-15"), Meta(kOffice),
                                           [&done](auto out) {
                                             EXPECT_TRUE(out.ok()) << out.status();
                                             done.DecrementCount();
                                           });
  }
  done.Wait();
  auto as_of = ReadLedgerAsOf(*ledger_, clock_.Now(), clock_.Now());
  ASSERT_TRUE(as_of.ok()) << as_of.status();
  EXPECT_EQ(as_of->of<Task>().size(), static_cast<size_t>(kTasks));
  int red = 0;
  for (const auto& t : as_of->of<Task>()) {
    red += ledger_->task().View(t, as_of->as_of).light() == v1::LIGHT_RED;
  }
  EXPECT_EQ(red, 0);
}

}  // namespace
}  // namespace taizhang::workflows
