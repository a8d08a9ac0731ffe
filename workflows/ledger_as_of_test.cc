// The whole ledger rebuilt from the log as of the end of a China day: what
// was recorded by then and nothing after, judged then; now from the
// projections; and how long a city's worth of streams takes to rebuild.
#include "workflows/ledger_as_of.h"

#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "engine/calendar.h"
#include "gtest/gtest.h"

namespace taizhang::workflows {
namespace {

constexpr char kOffice[] = "supervision:区政府目督办";
constexpr char kCode[] = "2020-530115-72-01-000001";

std::string SourceDir() {
  const char* dir = std::getenv("TAIZHANG_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

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

class LedgerAsOfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("tz_as_of_", getpid(), "_", std::random_device()()))
               .string();
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    LedgerOptions options;
    options.policies_dir = SourceDir() + "/workflows/policies";
    auto ledger = Ledger::Open(*log_, clock_, options);
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = std::move(*ledger);
    ASSERT_TRUE(ledger_->Start().ok());
  }
  void TearDown() override {
    ledger_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }
  engine::CommandMeta Meta(const std::string& actor) {
    return {.request_id = absl::StrCat("req-", ++requests_), .actor = actor};
  }
  void Run(const std::string& id, const v1::TaskCommand& c, const std::string& actor = kOffice) {
    auto out = ledger_->ExecuteTask(id, c, Meta(actor));
    ASSERT_TRUE(out.ok()) << out.status();
  }

  ManualClock clock_{At(2020, 6, 29)};
  std::string dir_;
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<Ledger> ledger_;
  int requests_ = 0;
};

TEST_F(LedgerAsOfTest, TheEndOfADayIsItsLastMicrosecond) {
  const absl::Time end = EndOfChinaDay(absl::CivilDay(2020, 7, 1));
  EXPECT_EQ(end, absl::FromCivil(absl::CivilDay(2020, 7, 2), engine::ChinaTime()) -
                     absl::Microseconds(1));
  EXPECT_EQ(absl::ToCivilDay(end, engine::ChinaTime()), absl::CivilDay(2020, 7, 1));
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

// 22,100 streams (a city's tasks): rebuilt from the log in well under the 2 s
// an export has. Printed, not asserted (machines differ).
TEST_F(LedgerAsOfTest, ACityOfTasksIsRebuiltQuickly) {
  constexpr int kTasks = 1105 * 20;
  absl::BlockingCounter done(kTasks);
  const absl::Time started = absl::Now();
  for (int i = 0; i < kTasks; ++i) {
    const std::string id = absl::StrFormat("t%05d", i);
    ledger_->workflow<Task>().ExecuteAsync(id, Create(id, "2020-12-15"), Meta(kOffice),
                                           [&done](auto out) {
                                             EXPECT_TRUE(out.ok()) << out.status();
                                             done.DecrementCount();
                                           });
  }
  done.Wait();
  const absl::Duration wrote = absl::Now() - started;
  const absl::Time start = absl::Now();
  auto as_of = ReadLedgerAsOf(*ledger_, clock_.Now(), clock_.Now());
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(as_of.ok()) << as_of.status();
  EXPECT_EQ(as_of->of<Task>().size(), static_cast<size_t>(kTasks));
  const absl::Time views_start = absl::Now();
  int red = 0;
  for (const auto& t : as_of->of<Task>()) {
    red += ledger_->task().View(t, as_of->as_of).light() == v1::LIGHT_RED;
  }
  const absl::Duration views = absl::Now() - views_start;
  EXPECT_EQ(red, 0);
  std::printf(
      "%d tasks: written in %s, rebuilt from the log in %s (%llu records), their views in %s\n",
      kTasks, absl::FormatDuration(wrote).c_str(), absl::FormatDuration(took).c_str(),
      static_cast<unsigned long long>(as_of->through_position),
      absl::FormatDuration(views).c_str());
}

}  // namespace
}  // namespace taizhang::workflows
