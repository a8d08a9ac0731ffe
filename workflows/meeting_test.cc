// Meetings, their decided matters and their series, through the whole
// ledger: limits counted from the meeting's day across holidays and 调休
// weekends, a weekly series flagged once per missed week (also across a
// restart), the meeting's counts and the next meeting's open list, roles,
// retries, and a crash between a meeting and its reactions.
#include "workflows/meeting.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/aggregate.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/event_log.h"
#include "workflows/principal.h"
#include "workflows/testing/china_hour.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using testing::ChinaHour;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kOffice[] = "supervision:区督查室";
constexpr char kUnitA[] = "区自然资源局";
constexpr char kUnitB[] = "区住建局";

v1::DecidedMatter Matter(const std::string& text, std::vector<std::string> units,
                         v1::DeadlineRule::Kind kind, int n = 0, const std::string& fixed = "") {
  v1::DecidedMatter m;
  m.set_text(text);
  for (auto& u : units) m.add_responsible_units(u);
  m.mutable_limit()->set_kind(kind);
  m.mutable_limit()->set_n(n);
  m.mutable_limit()->set_fixed_date(fixed);
  return m;
}

v1::MeetingCommand Record(const std::string& id, const std::string& series,
                          std::vector<v1::DecidedMatter> matters) {
  v1::MeetingCommand c;
  v1::RecordMeeting* r = c.mutable_record();
  r->set_meeting_id(id);
  r->set_kind(v1::MEETING_KIND_WEEKLY_DISPATCH);
  r->set_series_id(series);
  r->set_title(absl::StrCat(id, " 周调度会"));
  r->set_chair("区长");
  r->add_units_present(kUnitA);
  r->add_units_present(kUnitB);
  for (auto& m : matters) *r->add_matters() = std::move(m);
  return c;
}

class MeetingTest : public testing::LedgerFixture {
 protected:
  // Monday 2026-09-28, before the National Day holiday.
  MeetingTest() : LedgerFixture(ChinaHour(2026, 9, 28, 9)) {}

  // To Monday 2026-11-02 09:00, where the series tests start.
  void ToNovember() { clock_.AdvanceTo(ChinaHour(2026, 11, 2, 9)); }

  void Declare(const std::string& id, const std::string& start = "") {
    v1::MeetingSeriesCommand c;
    c.mutable_declare()->set_series_id(id);
    c.mutable_declare()->set_name("全区重点项目建设周调度会");
    c.mutable_declare()->set_rhythm_policy("hualong-weekly-friday");
    c.mutable_declare()->set_start_date(start);
    auto out = ledger_->Execute<MeetingSeries>(id, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  void MustRecord(const v1::MeetingCommand& c, std::optional<absl::Time> held = std::nullopt) {
    auto out = ledger_->Execute<Meeting>(c.record().meeting_id(), c, Meta(kOffice, held));
    ASSERT_TRUE(out.ok()) << out.status();
    Settle();
  }
  v1::TaskState TaskOf(const std::string& id) {
    auto t = ledger_->GetTask(id);
    EXPECT_TRUE(t.has_value()) << id;
    return t.value_or(v1::TaskState());
  }
  v1::MeetingView RecordOf(const std::string& id) {
    auto m = ledger_->workflow<Meeting>().Get(id);
    EXPECT_TRUE(m.has_value()) << id;
    return ledger_->MeetingRecordOf(m.value_or(v1::MeetingState()), clock_.Now());
  }
  v1::MeetingSeriesState SeriesOf(const std::string& id) {
    auto s = ledger_->workflow<MeetingSeries>().Get(id);
    EXPECT_TRUE(s.has_value()) << id;
    return s.value_or(v1::MeetingSeriesState());
  }
  uint64_t Head() {
    Settle();
    return ledger_->AppliedPosition();
  }
};

// ---------------------------------------------------------------------------
// Limits.

TEST_F(MeetingTest, MatterDecidedOnAHolidayCountsFromThatDayToAWeekendMadeWorking) {
  clock_.AdvanceTo(ChinaHour(2026, 10, 3, 10));  // Saturday, 国庆节
  MustRecord(Record("m-hol", "",
                    {Matter("征地协调", {kUnitA}, v1::DeadlineRule::WORKING_DAYS, 3),
                     Matter("土地交付", {kUnitA}, v1::DeadlineRule::CALENDAR_DAYS, 2)}));
  // Working days after 10-03: 10-08 (Thu), 10-09 (Fri), 10-10 (Sat, 调休 made
  // working): the limit falls on that Saturday.
  v1::TaskState t = TaskOf("matter-m-hol-1");
  EXPECT_EQ(t.due_date(), "2026-10-10");
  EXPECT_EQ(t.deadline().start_date(), "2026-10-03");
  EXPECT_EQ(t.origin().meeting_id(), "m-hol");
  EXPECT_EQ(t.origin().matter_no(), 1);
  EXPECT_EQ(t.supervision_office(), "区督查室");
  // 10-03 + 2 = 10-05, in the holiday: rolled to the next working day.
  EXPECT_EQ(TaskOf("matter-m-hol-2").due_date(), "2026-10-08");
}

TEST_F(MeetingTest, MatterDecidedTheDayBeforeAHolidayAndKeyedInLater) {
  // Held on Wednesday 09-30, keyed in on 10-09: the limit counts from 09-30.
  clock_.AdvanceTo(ChinaHour(2026, 10, 9, 10));
  MustRecord(Record("m-eve", "",
                    {Matter("报送方案", {kUnitB}, v1::DeadlineRule::WORKING_DAYS, 1),
                     Matter("完成清表", {kUnitB}, v1::DeadlineRule::FIXED_DATE, 0, "2026-10-08")}),
             ChinaHour(2026, 9, 30, 9));
  EXPECT_EQ(TaskOf("matter-m-eve-1").due_date(), "2026-10-08");
  // A fixed limit on or after the meeting's day is taken even though it is
  // before the day the record was keyed in.
  EXPECT_EQ(TaskOf("matter-m-eve-2").due_date(), "2026-10-08");
  EXPECT_EQ(RecordOf("m-eve").held_on(), "2026-09-30");
  EXPECT_EQ(RecordOf("m-eve").matters_late(), 2);  // both overdue on 10-09
}

TEST_F(MeetingTest, BadMatterIsRefusedAndNothingIsWritten) {
  ToNovember();
  const uint64_t before = Head();
  auto no_units =
      Record("m-bad", "", {Matter("无责任单位", {}, v1::DeadlineRule::WORKING_DAYS, 3)});
  auto out = ledger_->Execute<Meeting>("m-bad", no_units, Meta(kOffice));
  ASSERT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("matters[0].responsible_units"));
  auto early = Record(
      "m-bad", "", {Matter("早于会议", {kUnitA}, v1::DeadlineRule::FIXED_DATE, 0, "2026-11-01")});
  out = ledger_->Execute<Meeting>("m-bad", early, Meta(kOffice));
  ASSERT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("before the meeting's day"));
  auto twice = Record("m-bad", "", {Matter("重复", {kUnitA, kUnitA}, v1::DeadlineRule::NONE)});
  EXPECT_EQ(ledger_->Execute<Meeting>("m-bad", twice, Meta(kOffice)).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto bad_code = Record("m-bad", "", {});
  bad_code.mutable_record()->add_projects_discussed("not-a-code");
  EXPECT_EQ(ledger_->Execute<Meeting>("m-bad", bad_code, Meta(kOffice)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Head(), before);
  EXPECT_FALSE(ledger_->workflow<Meeting>().Get("m-bad").has_value());
}

// ---------------------------------------------------------------------------
// Roles and retries.

TEST_F(MeetingTest, OnlyTheOfficeRecordsAndOnlyTheMattersUnitsAnswer) {
  ToNovember();
  const uint64_t before = Head();
  auto c = Record("m-1", "", {Matter("征地", {kUnitA}, v1::DeadlineRule::WORKING_DAYS, 5)});
  auto out = ledger_->Execute<Meeting>("m-1", c, Meta(absl::StrCat("department:", kUnitA)));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kPermissionDenied);
  out = ledger_->Execute<Meeting>("m-1", c, Meta("auditor:区审计局"));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Head(), before);

  MustRecord(c);
  v1::TaskCommand done;
  done.mutable_complete()->set_text("完成");
  auto other =
      ledger_->ExecuteTask("matter-m-1-1", done, Meta(absl::StrCat("department:", kUnitB)));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  // The office may not forge a matter's task either.
  v1::TaskCommand forged;
  *forged.mutable_create() =
      Meeting::MatterTask(ledger_->workflow<Meeting>().Get("m-1")->meeting(), 1);
  forged.mutable_create()->set_task_id("forged");
  EXPECT_EQ(ledger_->ExecuteTask("forged", forged, Meta(kOffice)).status().code(),
            absl::StatusCode::kPermissionDenied);
  // A matter's extension is the office's to grant, as any task's.
  v1::TaskCommand ask;
  ask.mutable_request_extension()->set_requested_due_date("2026-12-31");
  ask.mutable_request_extension()->set_reasons("群众工作未完成");
  ASSERT_TRUE(
      ledger_->ExecuteTask("matter-m-1-1", ask, Meta(absl::StrCat("department:", kUnitA))).ok());
  v1::TaskCommand grant;
  grant.mutable_grant_extension()->set_reasons("同意");
  EXPECT_EQ(ledger_->ExecuteTask("matter-m-1-1", grant, Meta(absl::StrCat("department:", kUnitA)))
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(ledger_->ExecuteTask("matter-m-1-1", grant, Meta(kOffice)).ok());
  Settle();
  EXPECT_EQ(TaskOf("matter-m-1-1").due_date(), "2026-12-31");
}

TEST_F(MeetingTest, RetriedRecordReturnsTheFirstResultAndMakesOneTaskPerMatter) {
  ToNovember();
  Declare("weekly");
  auto c = Record("m-r", "weekly",
                  {Matter("一", {kUnitA}, v1::DeadlineRule::WORKING_DAYS, 5),
                   Matter("二", {kUnitB}, v1::DeadlineRule::NONE)});
  engine::CommandMeta meta = Meta(kOffice);
  auto first = ledger_->Execute<Meeting>("m-r", c, meta);
  ASSERT_TRUE(first.ok()) << first.status();
  Settle();
  const uint64_t after = Head();
  auto again = ledger_->Execute<Meeting>("m-r", c, meta);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->loaded.version, first->loaded.version);
  EXPECT_EQ(Head(), after);
  int tasks = 0;
  for (const auto& t : ledger_->ListTasks()) tasks += t.origin().meeting_id() == "m-r" ? 1 : 0;
  EXPECT_EQ(tasks, 2);
  EXPECT_EQ(SeriesOf("weekly").meetings_size(), 1);
  // Another request id for the same meeting: refused, not a second meeting.
  EXPECT_EQ(ledger_->Execute<Meeting>("m-r", c, Meta(kOffice)).status().code(),
            absl::StatusCode::kAlreadyExists);
}

// The matters have a namespace of their own: the office cannot take it, and a
// task of the office's that has the id a matter would once have had takes
// nothing from the meeting.
TEST_F(MeetingTest, OfficeCannotCreateATaskInTheMattersNamespace) {
  ToNovember();
  const uint64_t before = Head();
  v1::TaskCommand c;
  v1::CreateTask* t = c.mutable_create();
  t->set_task_id("matter-w9-1");
  t->set_title("抢占商定事项编号");
  t->set_project_code("2026-530115-70-01-000001");
  t->add_responsible_units(kUnitA);
  t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::NONE);
  auto out = ledger_->ExecuteTask("matter-w9-1", c, Meta(kOffice));
  ASSERT_EQ(out.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(out.status().message(), HasSubstr("会议商定事项的编号"));
  // Nor an admin, nor with the bare prefix.
  t->set_supervision_office("区督查室");
  EXPECT_EQ(ledger_->ExecuteTask("matter-w9-1", c, Meta("admin:运维")).status().code(),
            absl::StatusCode::kPermissionDenied);
  t->set_task_id("matter-");
  EXPECT_EQ(ledger_->ExecuteTask("matter-", c, Meta(kOffice)).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Head(), before);
  EXPECT_FALSE(ledger_->GetTask("matter-w9-1").has_value());
  // An id that merely contains the word is the office's to take.
  t->set_task_id("w9-matter-1");
  t->clear_supervision_office();
  EXPECT_TRUE(ledger_->ExecuteTask("w9-matter-1", c, Meta(kOffice)).ok());
}

TEST_F(MeetingTest, AnOfficeTaskWithTheOldMatterIdDoesNotSwallowTheMatter) {
  ToNovember();
  // The office's own task "w9-1": before the matters had their namespace,
  // meeting w9's first matter would have been this task, silently.
  v1::TaskCommand c;
  v1::CreateTask* t = c.mutable_create();
  t->set_task_id("w9-1");
  t->set_title("办公室自建任务");
  t->set_project_code("2026-530115-70-01-000001");
  t->add_responsible_units(kUnitB);
  t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::NONE);
  ASSERT_TRUE(ledger_->ExecuteTask("w9-1", c, Meta(kOffice)).ok());
  MustRecord(Record("w9", "", {Matter("完成征地", {kUnitA}, v1::DeadlineRule::WORKING_DAYS, 5)}));
  v1::TaskState matter = TaskOf(MatterTaskId("w9", 1));
  EXPECT_EQ(matter.task_id(), "matter-w9-1");
  EXPECT_EQ(matter.title(), "完成征地");
  EXPECT_EQ(matter.origin().meeting_id(), "w9");
  EXPECT_EQ(matter.responsible_units(0), kUnitA);
  EXPECT_EQ(matter.due_date(), "2026-11-09");
  // The office's task is untouched, and the meeting's record reads the matter.
  EXPECT_EQ(TaskOf("w9-1").title(), "办公室自建任务");
  EXPECT_FALSE(TaskOf("w9-1").has_origin());
  v1::MeetingView record = RecordOf("w9");
  ASSERT_EQ(record.matters_size(), 1);
  EXPECT_EQ(record.matters(0).task_id(), "matter-w9-1");
  EXPECT_EQ(record.matters(0).due_date(), "2026-11-09");
  EXPECT_EQ(ledger_->workflow<Meeting>().Get("w9")->meeting().matter_task_ids(0), "matter-w9-1");
}

// ---------------------------------------------------------------------------
// The series' rhythm.

TEST_F(MeetingTest, RhythmPeriods) {
  v1::MeetingRhythm weekly;
  weekly.mutable_weekly()->set_weekday(5);
  RhythmPeriod w = PeriodOf(weekly, absl::CivilDay(2026, 11, 8));  // a Sunday
  EXPECT_EQ(w.start, absl::CivilDay(2026, 11, 2));
  EXPECT_EQ(w.end, absl::CivilDay(2026, 11, 8));
  v1::MeetingRhythm two;
  two.set_every_months(2);
  RhythmPeriod a = PeriodOf(two, absl::CivilDay(2026, 4, 30));
  EXPECT_EQ(a.start, absl::CivilDay(2026, 3, 1));
  EXPECT_EQ(a.end, absl::CivilDay(2026, 4, 30));
  v1::MeetingRhythm half;
  half.set_every_months(6);
  RhythmPeriod h = PeriodOf(half, absl::CivilDay(2026, 7, 1));
  EXPECT_EQ(h.start, absl::CivilDay(2026, 7, 1));
  EXPECT_EQ(h.end, absl::CivilDay(2026, 12, 31));
  EXPECT_EQ(RhythmText(weekly), "每周五");
  EXPECT_EQ(RhythmText(two), "每2个月");
  EXPECT_EQ(RhythmText(half), "每半年");
  v1::MeetingRhythm five;
  five.set_every_months(5);
  EXPECT_EQ(ValidateRhythm(five, "rhythm").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateRhythm(v1::MeetingRhythm(), "rhythm").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MeetingTest, WeeklySeriesMissingAWeekIsFlaggedOnceAndAgainForTheNextMiss) {
  ToNovember();
  Declare("weekly");  // Monday 2026-11-02: the first week is 11-02..11-08
  // Held on Sunday 11-08, the last day of the week: in time.
  clock_.AdvanceTo(ChinaHour(2026, 11, 8, 20));
  MustRecord(Record("w1", "weekly", {}));
  // Week 2 (11-09..11-15): no meeting. Judged at 11-16 00:00.
  clock_.AdvanceTo(ChinaHour(2026, 11, 15, 23));
  Settle();
  EXPECT_EQ(SeriesOf("weekly").periods_size(), 1);
  EXPECT_EQ(SeriesOf("weekly").periods(0).light(), v1::LIGHT_GREEN);
  EXPECT_THAT(SeriesOf("weekly").periods(0).meeting_ids(), ElementsAre("w1"));
  clock_.AdvanceTo(ChinaHour(2026, 11, 16, 1));
  Settle();
  v1::MeetingSeriesState s = SeriesOf("weekly");
  ASSERT_EQ(s.periods_size(), 2);
  EXPECT_EQ(s.periods(1).start(), "2026-11-09");
  EXPECT_EQ(s.periods(1).light(), v1::LIGHT_RED);
  ASSERT_EQ(s.rungs_size(), 1);
  EXPECT_EQ(s.rungs(0).raised().rung_id(), "missed");
  EXPECT_EQ(s.rungs(0).raised().recipients(0).unit(), "区督查室");
  EXPECT_EQ(s.light(), v1::LIGHT_RED);

  // A restart neither judges the week again nor raises a second rung.
  CloseLedger();
  OpenLedger();
  clock_.Advance(absl::Hours(2));
  Settle();
  EXPECT_EQ(SeriesOf("weekly").periods_size(), 2);
  EXPECT_EQ(SeriesOf("weekly").rungs_size(), 1);

  // Week 3 held (Friday 11-20); week 4 missed: flagged again, once.
  clock_.AdvanceTo(ChinaHour(2026, 11, 20, 9));
  MustRecord(Record("w3", "weekly", {}));
  clock_.AdvanceTo(ChinaHour(2026, 12, 1, 9));
  Settle();
  s = SeriesOf("weekly");
  ASSERT_EQ(s.periods_size(), 4);
  EXPECT_EQ(s.periods(2).light(), v1::LIGHT_GREEN);
  EXPECT_EQ(s.periods(3).light(), v1::LIGHT_RED);
  EXPECT_EQ(s.rungs_size(), 2);
  v1::MeetingSeriesView v = ledger_->workflow<MeetingSeries>().aggregate().View(s, clock_.Now());
  EXPECT_EQ(v.periods_missed(), 2);
  EXPECT_EQ(v.meetings(), 2);
  EXPECT_EQ(v.rhythm_text(), "每周五");
  EXPECT_EQ(v.current_period_start(), "2026-11-30");
}

// ---------------------------------------------------------------------------
// The meeting's record and the next meeting's open list.

TEST_F(MeetingTest, CountsAndTheNextMeetingListsWhatWasOpenOnItsDay) {
  ToNovember();
  Declare("weekly");
  clock_.AdvanceTo(ChinaHour(2026, 11, 6, 9));  // Friday
  MustRecord(Record("w1", "weekly",
                    {Matter("甲：完成清表", {kUnitA}, v1::DeadlineRule::WORKING_DAYS, 2),
                     Matter("乙：办理规划许可", {kUnitB}, v1::DeadlineRule::WORKING_DAYS, 10),
                     Matter("丙：协调电力", {kUnitA, kUnitB}, v1::DeadlineRule::NONE)}));
  // 甲 done on Monday 11-09, in time (due 11-10).
  clock_.AdvanceTo(ChinaHour(2026, 11, 9, 15));
  CompleteTask("matter-w1-1", kUnitA);
  clock_.AdvanceTo(ChinaHour(2026, 11, 13, 9));  // next Friday
  MustRecord(Record("w2", "weekly", {Matter("丁", {kUnitB}, v1::DeadlineRule::WORKING_DAYS, 1)}));
  // 乙 done after the second meeting, late (due 11-20).
  clock_.AdvanceTo(ChinaHour(2026, 11, 23, 10));
  CompleteTask("matter-w1-2", kUnitB);
  Settle();

  v1::MeetingView first = RecordOf("w1");
  EXPECT_EQ(first.matters_total(), 3);
  EXPECT_EQ(first.matters_done(), 2);
  EXPECT_EQ(first.matters_on_time(), 1);
  EXPECT_EQ(first.matters_late(), 1);
  EXPECT_EQ(first.matters_open(), 1);
  EXPECT_EQ(first.matters(0).status(), v1::MATTER_STATUS_DONE_ON_TIME);
  EXPECT_EQ(first.matters(0).done_on(), "2026-11-09");
  EXPECT_EQ(first.matters(1).status(), v1::MATTER_STATUS_DONE_LATE);
  EXPECT_EQ(first.matters(2).status(), v1::MATTER_STATUS_OPEN);
  EXPECT_TRUE(first.carried_over().empty());

  // On w2's day, 甲 was done (not listed), 乙 and 丙 were open (listed, though
  // 乙 is done now).
  v1::MeetingView second = RecordOf("w2");
  ASSERT_EQ(second.carried_over_size(), 2);
  EXPECT_EQ(second.carried_over(0).task_id(), "matter-w1-2");
  EXPECT_EQ(second.carried_over(0).status(), v1::MATTER_STATUS_OPEN);
  EXPECT_EQ(second.carried_over(1).task_id(), "matter-w1-3");
  // 丁 (due 11-16) is open past its limit: late.
  EXPECT_EQ(second.matters(0).status(), v1::MATTER_STATUS_OVERDUE);
  EXPECT_EQ(second.matters_late(), 1);
  // The matter's task is chased like any task: the ladder climbed on it.
  EXPECT_GT(TaskOf("matter-w2-1").rungs_size(), 0);
}

// ---------------------------------------------------------------------------
// A crash between the meeting and its reactions.

TEST_F(MeetingTest, CrashBeforeTheReactionsIsCaughtUpOnceAtStart) {
  ToNovember();
  Declare("weekly");
  Settle();
  CloseLedger();
  {
    // The meeting's event alone reaches the log (the process dies before the
    // reactions run): written by the meeting's store without a ledger.
    auto log = store::OpenEventLog(dir_.path(), clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    auto meeting = Meeting::Load(::taizhang::testing::PoliciesDir() + "/calendars");
    ASSERT_TRUE(meeting.ok());
    engine::AggregateStore<Meeting> store(**log, clock_, **meeting);
    auto c = Record("w1", "weekly",
                    {Matter("一", {kUnitA}, v1::DeadlineRule::WORKING_DAYS, 5),
                     Matter("二", {kUnitB}, v1::DeadlineRule::WORKING_DAYS, 5)});
    ASSERT_TRUE(store.Execute(MeetingStream("w1"), c, Meta(kOffice)).ok());
  }
  OpenLedger();
  Settle();
  EXPECT_EQ(TaskOf("matter-w1-1").origin().meeting_id(), "w1");
  EXPECT_EQ(TaskOf("matter-w1-2").responsible_units(0), kUnitB);
  EXPECT_EQ(SeriesOf("weekly").meetings_size(), 1);
  const uint64_t head = Head();
  CloseLedger();
  OpenLedger();
  EXPECT_EQ(Head(), head);
  EXPECT_EQ(SeriesOf("weekly").meetings_size(), 1);
}

}  // namespace
}  // namespace taizhang::workflows
