// Scenarios from seeds/001_4af6cdbacddd9ccf.txt (Luohe, 2018): "按照企业投资
// 项目联合审批流程38天完结的要求，切实加强联审联批" — the joint approval of an
// enterprise investment project finishes in 38 days — with the city's
// supervision office (市政府督查室) following up ("下达督办 … 定期通报督办结果").
// The policy is workflows/policies/approval/luohe-2018-38-day.textproto, the
// ladder luohe-38-day, the calendar cn-2018 (2018's holiday notice).
//
// Time moves on a ManualClock; Ticks are sent as the engine would, under the
// request id engine::DeadlineRequestId(stream, wake-up). Expected dates are
// computed with the calendar and the policy's numbers, and checked against
// what the events say.
#include <unistd.h>

#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/calendar.h"
#include "engine/calendar_working_days.h"
#include "engine/deadline_rule.h"
#include "engine/deadline_scheduler.h"
#include "engine/ladder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/approval_case.h"
#include "workflows/approval_policy.h"
#include "workflows/principal.h"

namespace taizhang::workflows {
namespace {

using ::testing::ElementsAre;
using Command = v1::ApprovalCaseCommand;
using Store = engine::AggregateStore<ApprovalCase>;

using ::taizhang::testing::SourceDir;

absl::Time At(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), engine::ChinaTime());
}
absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }

constexpr char kPolicy[] = "luohe-2018-38-day";
constexpr char kOwner[] = "漯河某食品有限公司";
constexpr char kEnterprise[] = "enterprise:漯河某食品有限公司";

Command ItemCommand(const std::string& kind, const std::string& item) {
  Command c;
  if (kind == "submit") c.mutable_submit()->set_item_id(item);
  if (kind == "accept") c.mutable_accept()->set_item_id(item);
  if (kind == "approve") c.mutable_approve()->set_item_id(item);
  if (kind == "report_up") c.mutable_report_up()->set_item_id(item);
  if (kind == "resume") c.mutable_resume()->set_item_id(item);
  if (kind == "correction") {
    c.mutable_supply_correction()->set_item_id(item);
    c.mutable_supply_correction()->set_note("已补正");
  }
  if (kind == "suspend") {
    c.mutable_suspend()->set_item_id(item);
    c.mutable_suspend()->set_reason(v1::APPROVAL_SUSPENSION_REASON_CORRECTION);
    c.mutable_suspend()->set_note("补正: 缺少环评批复");
  }
  return c;
}

class ApprovalCaseLuoheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto calendar =
        engine::WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/policies/calendars");
    ASSERT_TRUE(calendar.ok()) << calendar.status();
    calendar_ = *std::move(calendar);
    ASSERT_TRUE(calendar_.HasYear(2018));
    auto policy =
        LoadApprovalPolicy(SourceDir() + "/workflows/policies/approval/luohe-2018-38-day.textproto",
                           SourceDir() + "/workflows/policies/ladders");
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = *policy;
    StartProcess();
  }
  void TearDown() override {
    store_.reset();
    log_.reset();
    aggregate_.reset();
  }

  // A process start: the log reopened, a fresh aggregate and store; nothing
  // is kept in memory from before.
  void StartProcess() {
    store_.reset();
    log_.reset();
    auto policies = LoadApprovalPolicies(SourceDir() + "/workflows/policies/approval",
                                         SourceDir() + "/workflows/policies/ladders");
    ASSERT_TRUE(policies.ok()) << policies.status();
    aggregate_ = std::make_unique<ApprovalCase>(
        *policies, std::make_shared<const engine::WorkingDayCalendar>(calendar_));
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    store_ = std::make_unique<Store>(*log_, clock_, *aggregate_);
  }

  std::vector<v1::ApprovalCaseEvent> Do(absl::Time at, const std::string& actor, const Command& c) {
    RunUntil(at);
    engine::CommandMeta meta;
    meta.request_id = absl::StrCat("req-", ++next_request_);
    meta.actor = actor;
    auto out = store_->Execute(stream_, c, meta);
    EXPECT_TRUE(out.ok()) << actor << " " << c.ShortDebugString() << ": " << out.status();
    return out.ok() ? out->events : std::vector<v1::ApprovalCaseEvent>{};
  }
  std::vector<v1::ApprovalCaseEvent> Item(absl::Time at, const std::string& kind,
                                          const std::string& item) {
    const bool enterprise = kind == "submit" || kind == "correction";
    return Do(at, enterprise ? kEnterprise : "department:" + Department(item),
              ItemCommand(kind, item));
  }
  // Submitted, accepted and approved on the same day.
  void SameDay(absl::CivilDay day, const std::string& item) {
    Item(engine::StartOfDay(day) + absl::Hours(9), "submit", item);
    Item(engine::StartOfDay(day) + absl::Hours(10), "accept", item);
    Item(engine::StartOfDay(day) + absl::Hours(15), "approve", item);
  }
  std::string Department(const std::string& item) {
    for (const auto& p : policy_.items()) {
      if (p.id() == item) return p.department();
    }
    ADD_FAILURE() << item;
    return "";
  }

  v1::ApprovalCaseState State() {
    auto loaded = store_->Load(stream_);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? loaded->state : v1::ApprovalCaseState();
  }

  // Sends a Tick at every wake-up the aggregate asks for, up to `t`, as the
  // engine's scheduler would; then moves the clock to `t`.
  void RunUntil(absl::Time t) {
    for (int guard = 0; guard < 1000; ++guard) {
      const auto wake = aggregate_->NextWakeup(State());
      if (!wake.has_value() || *wake > t) break;
      clock_.AdvanceTo(*wake);  // no-op when the wake-up is already past
      const size_t before = log_->HeadPosition();
      Tick(engine::DeadlineRequestId(stream_, *wake));
      // A wake-up must be answered by something new; otherwise the engine
      // would spin.
      ASSERT_GT(log_->HeadPosition(), before) << "wake-up at " << *wake << " emitted nothing";
    }
    clock_.AdvanceTo(t);
  }

  // A Tick every hour up to `t` (far more often than needed: nothing may
  // fire twice).
  void TickHourlyUntil(absl::Time t) {
    while (clock_.Now() + absl::Hours(1) <= t) {
      clock_.Advance(absl::Hours(1));
      Tick(absl::StrCat("hourly-", absl::ToUnixSeconds(clock_.Now())));
    }
    clock_.AdvanceTo(t);
  }

  void Tick(const std::string& request_id) {
    Command c;
    c.mutable_tick();
    engine::CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = kSystemActor;
    auto out = store_->Execute(stream_, c, meta);
    ASSERT_TRUE(out.ok()) << out.status();
  }

  // Every event of the case, with its position, in log order.
  std::vector<std::pair<uint64_t, v1::ApprovalCaseEvent>> Log() {
    std::vector<std::pair<uint64_t, v1::ApprovalCaseEvent>> out;
    auto records = log_->ReadStream(stream_, 1, 100000);
    EXPECT_TRUE(records.ok()) << records.status();
    for (const auto& r : *records) {
      v1::ApprovalCaseEvent e;
      EXPECT_TRUE(e.ParseFromString(r.record.payload()));
      EXPECT_EQ(r.record.type(), aggregate_->EventType(e));
      out.emplace_back(r.record.position(), e);
    }
    return out;
  }
  std::vector<v1::SupervisionRungRaised> Rungs() {
    std::vector<v1::SupervisionRungRaised> out;
    for (const auto& [pos, e] : Log()) {
      if (e.has_rung_raised()) out.push_back(e.rung_raised());
    }
    return out;
  }
  std::vector<v1::SupervisionLightChanged> Lights() {
    std::vector<v1::SupervisionLightChanged> out;
    for (const auto& [pos, e] : Log()) {
      if (e.has_light_changed()) out.push_back(e.light_changed());
    }
    return out;
  }

  // Opens the case on `at` with 人防 included.
  v1::CaseOpened OpenCase(absl::Time at) {
    clock_.AdvanceTo(at);
    Command c;
    auto* o = c.mutable_open();
    o->set_project_code("2018-411102-14-03-000123");
    o->set_project_name("年产10万吨休闲食品项目");
    o->set_owner(kOwner);
    o->set_policy(kPolicy);
    o->add_optional_items("civil_air_defence");
    o->set_responsible_leader("王副市长");
    auto events = Do(at, kEnterprise, c);
    EXPECT_EQ(events.size(), 1u);
    return events.empty() ? v1::CaseOpened() : events[0].opened();
  }

  ManualClock clock_{At(2018, 3, 1)};
  ::taizhang::testing::TempDir tmp_;  // removed after the log closes
  const std::string dir_ = tmp_ / "log";
  std::string stream_ = CaseStream("LH-2018-017");
  engine::WorkingDayCalendar calendar_;
  v1::ApprovalPolicy policy_;
  std::unique_ptr<ApprovalCase> aggregate_;
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<Store> store_;
  int next_request_ = 0;
};

// The seed's 38 days, as the policy carries them.
TEST_F(ApprovalCaseLuoheTest, ThePolicyIsTheSeeds38Days) {
  EXPECT_EQ(policy_.case_limit().kind(), v1::DeadlineRule::CALENDAR_DAYS);
  EXPECT_EQ(policy_.case_limit().n(), 38);
  EXPECT_EQ(policy_.supervision_office(), "市政府督查室");
}

// Every department acts the day it receives its item; the province returns
// the land pre-review two weeks later. Green throughout, no rung raised.
TEST_F(ApprovalCaseLuoheTest, A38DayCaseFinishedInTime) {
  const absl::CivilDay opened_on(2018, 3, 5);  // Monday
  const v1::CaseOpened opened = OpenCase(engine::StartOfDay(opened_on) + absl::Hours(9));
  const absl::CivilDay case_due =
      calendar_.AddCalendarDays(opened_on, policy_.case_limit().n()).day;
  EXPECT_EQ(opened.deadline().due_date(), engine::FormatDate(case_due));
  EXPECT_FALSE(opened.deadline().provisional());

  SameDay(opened_on, "filing");
  const absl::CivilDay day2 = opened_on + 1;
  SameDay(day2, "environmental_assessment");
  SameDay(day2, "energy_review");
  Item(engine::StartOfDay(day2) + absl::Hours(9), "submit", "land_pre_review");
  Item(engine::StartOfDay(day2) + absl::Hours(10), "accept", "land_pre_review");
  Item(engine::StartOfDay(day2 + 1) + absl::Hours(10), "report_up", "land_pre_review");
  // The province's approval arrives and is recorded by the bureau.
  Item(At(2018, 3, 20, 10), "approve", "land_pre_review");
  SameDay(absl::CivilDay(2018, 3, 21), "land_planning_permit");
  SameDay(absl::CivilDay(2018, 3, 22), "civil_air_defence");
  SameDay(absl::CivilDay(2018, 3, 22), "works_planning_permit");
  SameDay(absl::CivilDay(2018, 3, 23), "construction_permit");
  RunUntil(engine::DueInstant(case_due) + absl::Hours(24));

  const v1::ApprovalCaseState state = State();
  EXPECT_EQ(state.status(), v1::APPROVAL_CASE_STATUS_COMPLETED);
  EXPECT_TRUE(Rungs().empty());
  EXPECT_TRUE(Lights().empty());  // green from the start, never changed
  int completed = 0;
  for (const auto& [pos, e] : Log()) {
    if (e.has_item_approved()) {
      EXPECT_FALSE(e.item_approved().late()) << e.ShortDebugString();
    }
    if (e.has_item_reported_up()) {
      EXPECT_FALSE(e.item_reported_up().late());
    }
    if (e.has_completed()) {
      ++completed;
      EXPECT_FALSE(e.completed().late());
      EXPECT_EQ(FromUs(e.completed().completed_at_us()), At(2018, 3, 23, 15));
    }
  }
  EXPECT_EQ(completed, 1);
  EXPECT_FALSE(aggregate_->NextWakeup(state).has_value());

  const v1::ApprovalCaseView view = aggregate_->View(state, clock_.Now());
  const absl::CivilDay done(2018, 3, 23);
  EXPECT_EQ(view.clock().calendar_days_used(), done - opened_on);
  EXPECT_EQ(view.clock().calendar_days_left(), case_due - done);
  EXPECT_EQ(view.clock().light(), v1::LIGHT_GREEN);
  EXPECT_FALSE(view.clock().late());
  for (const auto& item : view.items()) {
    EXPECT_EQ(item.clock().light(), v1::LIGHT_GREEN) << item.item_id();
    EXPECT_GE(item.clock().working_days_left(), 0) << item.item_id();
  }
}

// 市规划局 sits on the land-use planning permit. Warning, notice and listing
// are raised in order, once each, to the right recipients, while the process
// restarts twice — once with the notice falling due while it is down.
TEST_F(ApprovalCaseLuoheTest, ALateDepartmentClimbsTheLadderOnceAcrossRestarts) {
  const absl::CivilDay opened_on(2018, 3, 5);
  OpenCase(engine::StartOfDay(opened_on) + absl::Hours(9));
  SameDay(opened_on, "filing");
  SameDay(opened_on + 1, "environmental_assessment");
  SameDay(opened_on + 1, "energy_review");
  Item(At(2018, 3, 6, 9), "submit", "land_pre_review");
  Item(At(2018, 3, 6, 10), "accept", "land_pre_review");
  Item(At(2018, 3, 7, 10), "report_up", "land_pre_review");
  Item(At(2018, 3, 20, 10), "approve", "land_pre_review");
  const absl::CivilDay submitted_on(2018, 3, 21);  // Wednesday
  Item(engine::StartOfDay(submitted_on) + absl::Hours(9), "submit", "land_planning_permit");
  Item(engine::StartOfDay(submitted_on) + absl::Hours(10), "accept", "land_planning_permit");

  const v1::ApprovalItemPolicy* item_policy = nullptr;
  for (const auto& p : policy_.items()) {
    if (p.id() == "land_planning_permit") item_policy = &p;
  }
  ASSERT_NE(item_policy, nullptr);
  const absl::CivilDay due_day =
      calendar_.AddWorkingDays(submitted_on, item_policy->limit().n()).day;
  const absl::Time due = engine::DueInstant(due_day);
  const engine::CalendarWorkingDays wd(calendar_);
  const v1::Ladder& ladder = policy_.ladder_rules();
  ASSERT_EQ(ladder.rung(0).id(), "warning");
  ASSERT_EQ(ladder.rung(1).id(), "notice");
  ASSERT_EQ(ladder.rung(2).id(), "listing");

  // Until noon the day before the limit, checked every hour: the warning.
  TickHourlyUntil(engine::StartOfDay(due_day) + absl::Hours(12));
  // Down from noon to 09:00 the morning after the limit: the notice falls due
  // while nobody is there to raise it.
  StartProcess();
  clock_.AdvanceTo(due + absl::Hours(9));
  RunUntil(clock_.Now());  // the engine's start-up: what is overdue fires at once
  // Up again; another restart in the middle of the notice's 3 days. The
  // scheduler, rebuilt, may fire the notice's wake-up again: a duplicate.
  TickHourlyUntil(At(2018, 3, 27, 12));
  StartProcess();
  const size_t head = log_->HeadPosition();
  Tick(engine::DeadlineRequestId(stream_, due));
  EXPECT_EQ(log_->HeadPosition(), head);
  TickHourlyUntil(At(2018, 4, 2, 9));

  std::vector<v1::SupervisionRungRaised> rungs = Rungs();
  ASSERT_EQ(rungs.size(), 3u);
  const v1::SupervisionRungRaised& warning = rungs[0];
  const v1::SupervisionRungRaised& notice = rungs[1];
  const v1::SupervisionRungRaised& listing = rungs[2];
  EXPECT_EQ(warning.rung_id(), "warning");
  EXPECT_EQ(notice.rung_id(), "notice");
  EXPECT_EQ(listing.rung_id(), "listing");
  for (const auto& r : rungs) {
    EXPECT_EQ(r.subject(), "item/land_planning_permit");
    EXPECT_EQ(r.due_date(), engine::FormatDate(due_day));
    EXPECT_EQ(r.slip_number(),
              absl::StrCat("case/LH-2018-017/item/land_planning_permit/1/", r.rung_id()));
  }
  // When: the warning on the morning the last working day begins, the notice
  // at the limit (raised when the process came back), the listing when the
  // notice has gone 3 working days unanswered.
  EXPECT_EQ(FromUs(warning.due_at_us()),
            engine::StartOfDay(calendar_.SubtractWorkingDays(due_day + 1, 1).day));
  EXPECT_LT(FromUs(warning.raised_at_us()) - FromUs(warning.due_at_us()), absl::Hours(1));
  EXPECT_EQ(FromUs(notice.due_at_us()), due);
  EXPECT_EQ(FromUs(notice.raised_at_us()), due + absl::Hours(9));
  EXPECT_EQ(notice.issues(), v1::ISSUE_SUPERVISION_NOTICE);
  EXPECT_EQ(notice.rectification_working_days(), ladder.rung(1).rectification_working_days());
  const absl::Time rectification =
      engine::StartOfDay(calendar_.AddWorkingDays(due_day + 1, 3).day + 1);
  EXPECT_EQ(FromUs(notice.rectification_due_at_us()), rectification);
  EXPECT_EQ(FromUs(listing.due_at_us()), rectification);
  EXPECT_LT(FromUs(listing.raised_at_us()) - rectification, absl::Hours(1));
  // Whom: the bureau; then also its head and the supervision office.
  auto who = [](const v1::SupervisionRungRaised& r) {
    std::vector<std::string> out;
    for (const auto& x : r.recipients()) {
      out.push_back(absl::StrCat(v1::Role_Name(x.role()), " ", x.unit(), " ", x.person()));
    }
    return out;
  };
  EXPECT_THAT(who(warning), ElementsAre("ROLE_RESPONSIBLE_UNIT 市规划局 "));
  EXPECT_THAT(who(notice),
              ElementsAre("ROLE_RESPONSIBLE_UNIT 市规划局 ", "ROLE_UNIT_HEAD 市规划局 局长",
                          "ROLE_SUPERVISION_OFFICE 市政府督查室 "));
  EXPECT_EQ(who(listing), who(notice));

  // The item's light: yellow with the warning, red at the limit, once each.
  std::vector<v1::SupervisionLightChanged> lights = Lights();
  ASSERT_EQ(lights.size(), 2u);
  EXPECT_EQ(lights[0].to(), v1::LIGHT_YELLOW);
  EXPECT_EQ(FromUs(lights[0].changed_at_us()), FromUs(warning.due_at_us()));
  EXPECT_EQ(lights[1].to(), v1::LIGHT_RED);
  EXPECT_EQ(FromUs(lights[1].changed_at_us()), due);

  // The bureau finally approves: late; the climb stops (no interview), the
  // rest follows and the case completes within its 38 days.
  auto approved = Item(At(2018, 4, 2, 10), "approve", "land_planning_permit");
  ASSERT_FALSE(approved.empty());
  EXPECT_TRUE(approved[0].item_approved().late());
  SameDay(absl::CivilDay(2018, 4, 2), "civil_air_defence");
  SameDay(absl::CivilDay(2018, 4, 2), "works_planning_permit");
  SameDay(absl::CivilDay(2018, 4, 3), "construction_permit");
  TickHourlyUntil(At(2018, 4, 20));
  EXPECT_EQ(Rungs().size(), 3u);
  EXPECT_EQ(Lights().size(), 2u);
  const v1::ApprovalCaseState state = State();
  EXPECT_EQ(state.status(), v1::APPROVAL_CASE_STATUS_COMPLETED);
  const v1::ApprovalCaseView view = aggregate_->View(state, clock_.Now());
  EXPECT_EQ(view.clock().light(), v1::LIGHT_GREEN);  // the case was on time
  for (const auto& item : view.items()) {
    if (item.item_id() != "land_planning_permit") continue;
    EXPECT_TRUE(item.clock().late());
    EXPECT_EQ(item.clock().light(), v1::LIGHT_RED);
    // Overdue by the working days after the limit up to the approval day.
    EXPECT_EQ(item.clock().working_days_left(),
              -calendar_.CountWorkingDays(due_day, absl::CivilDay(2018, 4, 2)).count);
  }
}

// 补正 over 清明 (5–7 April 2018 off, Sunday 8 April worked): the item's due
// instant moves by exactly the working days the clock stood still, and so does
// the case's (correction stops it under this policy). Nothing fires while the
// clocks stand still, though the old limit passes.
TEST_F(ApprovalCaseLuoheTest, ASuspensionMovesTheDueInstantByTheSuspendedWorkingDays) {
  const absl::CivilDay opened_on(2018, 4, 2);  // Monday
  const v1::CaseOpened opened = OpenCase(engine::StartOfDay(opened_on) + absl::Hours(9));
  Item(At(2018, 4, 2, 9), "submit", "filing");
  Item(At(2018, 4, 2, 10), "accept", "filing");
  const v1::ApprovalCaseState before = State();
  const absl::Time item_due_before = FromUs(before.items(0).clock().deadline().due_at_us());
  const absl::Time case_due_before = FromUs(before.clock().deadline().due_at_us());

  const auto suspended = Item(At(2018, 4, 2, 15), "suspend", "filing");
  ASSERT_EQ(suspended.size(), 2u);  // the item, and the case's clock with it
  const size_t head = log_->HeadPosition();
  TickHourlyUntil(At(2018, 4, 9, 10));
  EXPECT_EQ(log_->HeadPosition(), head);  // the old limit (4 April) passed silently

  const auto resumed = Item(At(2018, 4, 9, 10), "correction", "filing");
  ASSERT_EQ(resumed.size(), 2u);
  const auto& item = resumed[0].item_resumed();
  const int64_t stood_still =
      calendar_.CountWorkingDays(absl::CivilDay(2018, 4, 2), absl::CivilDay(2018, 4, 9)).count;
  EXPECT_EQ(stood_still, 4);  // 3, 4, 8 (调休), 9 April
  EXPECT_EQ(item.suspended_working_days(), stood_still);
  EXPECT_EQ(
      FromUs(item.deadline().due_at_us()),
      engine::DueInstant(
          calendar_.AddWorkingDays(engine::DayOf(item_due_before - absl::Seconds(1)), stood_still)
              .day));
  EXPECT_EQ(item.deadline().suspended_working_days(), stood_still);
  const auto& whole = resumed[1].clock_resumed();
  EXPECT_EQ(whole.suspended_working_days(), stood_still);
  EXPECT_EQ(
      FromUs(whole.deadline().due_at_us()),
      engine::DueInstant(
          calendar_.AddWorkingDays(engine::DayOf(case_due_before - absl::Seconds(1)), stood_still)
              .day));
  EXPECT_NE(opened.deadline().due_date(), whole.deadline().due_date());

  // The new limit is watched as the old one was: yellow and the warning on
  // its last day, and an approval that day is on time.
  const absl::Time new_due = FromUs(item.deadline().due_at_us());
  TickHourlyUntil(new_due - absl::Hours(13));
  std::vector<v1::SupervisionRungRaised> rungs = Rungs();
  ASSERT_EQ(rungs.size(), 1u);
  EXPECT_EQ(FromUs(rungs[0].due_at_us()), new_due - absl::Hours(24));
  auto approved = Item(new_due - absl::Hours(13), "approve", "filing");
  ASSERT_FALSE(approved.empty());
  EXPECT_FALSE(approved[0].item_approved().late());
  const v1::ApprovalCaseView view = aggregate_->View(State(), clock_.Now());
  EXPECT_EQ(view.items(0).clock().working_days_suspended(), stood_still);
  EXPECT_EQ(view.clock().working_days_suspended(), stood_still);
}

// The case opened on Friday 24 August 2018: 38 days later is 1 October, the
// National Day holiday (1–7 October off), so the limit rolls to Monday 8
// October. Items run over the make-up working weekend (Saturday 29 and Sunday
// 30 September).
TEST_F(ApprovalCaseLuoheTest, ALimitEndingOnAHolidayRollsToTheNextWorkingDay) {
  const absl::CivilDay opened_on(2018, 8, 24);
  const v1::CaseOpened opened = OpenCase(engine::StartOfDay(opened_on) + absl::Hours(10));
  const absl::CivilDay naive = opened_on + policy_.case_limit().n();
  ASSERT_FALSE(calendar_.IsWorkingDay(naive));
  const absl::CivilDay rolled = calendar_.NextWorkingDay(naive).day;
  EXPECT_EQ(engine::FormatDate(naive), "2018-10-01");
  EXPECT_EQ(opened.deadline().due_date(), engine::FormatDate(rolled));
  EXPECT_EQ(FromUs(opened.deadline().due_at_us()), engine::DueInstant(rolled));

  // Filing submitted on Friday 28 September: its one working day is Saturday
  // 29 September, a make-up working day; approved that day, on time.
  Item(At(2018, 9, 28, 10), "submit", "filing");
  Item(At(2018, 9, 28, 11), "accept", "filing");
  const v1::ApprovalCaseState s = State();
  EXPECT_EQ(s.items(0).clock().deadline().due_date(), "2018-09-29");
  TickHourlyUntil(At(2018, 9, 29, 10));
  auto approved = Item(At(2018, 9, 29, 10), "approve", "filing");
  ASSERT_FALSE(approved.empty());
  EXPECT_FALSE(approved[0].item_approved().late());
  // Energy review submitted on Sunday 30 September (worked): its one working
  // day is Monday 8 October, after the holiday.
  Item(At(2018, 9, 30, 10), "submit", "energy_review");
  Item(At(2018, 9, 30, 11), "accept", "energy_review");
  EXPECT_EQ(State().items(3).clock().deadline().due_date(), engine::FormatDate(rolled));

  TickHourlyUntil(engine::DueInstant(rolled) + absl::Hours(2));
  // Nothing fell due during the holiday; on 8 October the case and the energy
  // review turned yellow with their warnings, on 9 October red with notices.
  std::map<std::string, std::vector<v1::SupervisionLightChanged>> lights;
  for (const auto& l : Lights()) lights[l.subject()].push_back(l);
  ASSERT_EQ(lights[""].size(), 2u);
  EXPECT_EQ(FromUs(lights[""][0].changed_at_us()), engine::StartOfDay(rolled));
  EXPECT_EQ(FromUs(lights[""][1].changed_at_us()), engine::DueInstant(rolled));
  ASSERT_EQ(lights["item/energy_review"].size(), 2u);
  EXPECT_EQ(FromUs(lights["item/energy_review"][0].changed_at_us()), engine::StartOfDay(rolled));
  for (const auto& r : Rungs()) {
    if (r.subject() == "item/filing") continue;
    EXPECT_GE(FromUs(r.due_at_us()), engine::StartOfDay(rolled)) << r.slip_number();
    if (r.subject().empty() && r.rung_id() == "notice") {
      EXPECT_EQ(r.slip_number(), "case/LH-2018-017/1/notice");
      ASSERT_EQ(r.recipients_size(), 3);
      EXPECT_EQ(r.recipients(0).unit(), "市行政服务中心");  // the lead unit answers for the case
      EXPECT_EQ(r.recipients(1).person(), "主任");
    }
  }
  // Warning and notice for the case and for the energy review, and the
  // filing's warning on its last day (the make-up Saturday), when it went
  // yellow; it was approved that day.
  EXPECT_EQ(Rungs().size(), 5u);
  ASSERT_EQ(lights["item/filing"].size(), 1u);
  EXPECT_EQ(FromUs(lights["item/filing"][0].changed_at_us()), At(2018, 9, 29));
}

}  // namespace
}  // namespace taizhang::workflows
