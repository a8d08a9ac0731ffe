#include "workflows/assessment.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/assessment_policy.h"
#include "workflows/meeting.h"
#include "workflows/testing/assessment_results.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using testing::At;
using ::testing::HasSubstr;
using testing::IndicatorOf;
using testing::UnitOf;

constexpr char kOffice[] = "supervision:市政府督查室";
constexpr char kCode[] = "2020-411100-47-01-000001";
constexpr char kA[] = "甲区";
constexpr char kB[] = "乙区";
constexpr char kC[] = "丙区";

// Tasks 60, problems 40 (its no-data rule as given); 甲乙丙 in one group, one
// 先进 and one 末位; a listing costs 20 points; the floor is 50.
std::string PolicyText(const std::string& problems_no_data) {
  return absl::StrCat(R"(id: "t"
name: "测试考核"
from_year: 2020
groups { name: "县区" kind: UNIT_KIND_COUNTY units: "甲区" units: "乙区" units: "丙区"
         advanced_count: 1 last_count: 1 }
indicators { id: "tasks" name: "任务按时完成率" kind: INDICATOR_KIND_ON_TIME_RATE weight: 60
             subjects { stream_prefix: "task/" } no_data: NO_DATA_EXCLUDED }
indicators { id: "problems" name: "问题按时解决率" kind: INDICATOR_KIND_ON_TIME_RATE weight: 40
             subjects { stream_prefix: "problem/" } no_data: )",
                      problems_no_data, R"( }
deductions { id: "listing" name: "挂牌督办" kind: DEDUCTION_KIND_RUNG_RAISED issue: ISSUE_LISTING
             points_each: 20 }
min_score: 50
)");
}

v1::AssessmentPolicy Policy(const std::string& no_data = "NO_DATA_EXCLUDED") {
  auto p = ParseAssessmentPolicy("test.textproto", PolicyText(no_data));
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : v1::AssessmentPolicy();
}

class AssessmentTest : public testing::LedgerFixture {
 protected:
  AssessmentTest() : LedgerFixture(At(2020, 3, 2)) {}

  void CreateTask(const std::string& id, const std::string& unit, const char* due) {
    v1::TaskCommand c;
    v1::CreateTask* t = c.mutable_create();
    t->set_task_id(id);
    t->set_project_code(kCode);
    t->set_title(absl::StrCat("任务 ", id));
    t->add_responsible_units(unit);
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
    t->mutable_deadline()->mutable_rule()->set_fixed_date(due);
    auto out = ledger_->ExecuteTask(id, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  void ListTask(const std::string& id) {
    v1::TaskCommand c;
    c.mutable_raise_rung()->set_issues(v1::ISSUE_LISTING);
    auto out = ledger_->ExecuteTask(id, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  v1::Assessment Assess(const v1::AssessmentPolicy& policy,
                        std::optional<absl::CivilDay> as_of = std::nullopt) {
    Settle();
    AssessmentQuery q{
        .from = absl::CivilDay(2020, 1, 1), .to = absl::CivilDay(2020, 12, 31), .as_of = as_of};
    auto a = ComputeAssessment(*ledger_, policy, q, clock_.Now());
    EXPECT_TRUE(a.ok()) << a.status();
    return a.ok() ? *a : v1::Assessment();
  }
};

TEST(AssessmentPolicyTest, TheShippedRuleLoads) {
  auto p = LoadAssessmentPolicies(::taizhang::testing::PoliciesDir() + "/assessment");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_NE(p->ForYear(2020), nullptr);
  EXPECT_EQ(p->ForYear(2020)->id(), "luohe-2020");
  EXPECT_EQ(p->ForYear(1999), nullptr);
}

TEST(AssessmentPolicyTest, ABadFileNamesItsLine) {
  std::string text = PolicyText("NO_DATA_EXCLUDED");
  // Line 7 holds the tasks indicator's weight.
  text.replace(text.find("weight: 60"), 10, "weight: 0 ");
  auto p = ParseAssessmentPolicy("bad.textproto", text);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("bad.textproto:6: indicators[0].weight"));
  auto twice = ParseAssessmentPolicy(
      "twice.textproto", absl::StrCat(PolicyText("NO_DATA_ZERO"),
                                      "groups { name: \"部门\" kind: UNIT_KIND_DEPARTMENT\n"
                                      "  units: \"甲区\" }\n"));
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(),
              HasSubstr("twice.textproto:14: groups[1].units[0]: '甲区' is assessed twice"));
  auto syntax = ParseAssessmentPolicy("syntax.textproto", "id: \"x\"\nweight_of: 3\n");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.status().message(), HasSubstr("syntax.textproto:2:"));
  auto no_rule =
      ParseAssessmentPolicy("rule.textproto", absl::StrCat(PolicyText("NO_DATA_RULE_UNSPECIFIED")));
  ASSERT_FALSE(no_rule.ok());
  EXPECT_THAT(no_rule.status().message(), HasSubstr("indicators[1].no_data: required"));
}

// 甲区: one task on time, one late; no problems. The problems' no-data rule
// decides the rest.
TEST_F(AssessmentTest, EachNoDataRule) {
  CreateTask("a1", kA, "2020-03-10");
  CreateTask("a2", kA, "2020-03-12");
  clock_.AdvanceTo(At(2020, 3, 9));
  CompleteTask("a1", kA);
  clock_.AdvanceTo(At(2020, 3, 13));
  CompleteTask("a2", kA);  // a day late, before any listing
  // Excluded: the tasks carry all 100 points, half of them.
  v1::UnitAssessment excluded = UnitOf(Assess(Policy("NO_DATA_EXCLUDED")), kA);
  EXPECT_EQ(IndicatorOf(excluded, "tasks").weight_centi(), 10000);
  EXPECT_EQ(IndicatorOf(excluded, "tasks").score_centi(), 5000);
  EXPECT_FALSE(IndicatorOf(excluded, "problems").has_data());
  EXPECT_EQ(IndicatorOf(excluded, "problems").weight_centi(), 0);
  EXPECT_EQ(excluded.score_centi(), 5000);
  // Full marks: 30 + 40.
  v1::UnitAssessment full = UnitOf(Assess(Policy("NO_DATA_FULL_MARKS")), kA);
  EXPECT_EQ(IndicatorOf(full, "tasks").score_centi(), 3000);
  EXPECT_EQ(IndicatorOf(full, "problems").score_centi(), 4000);
  EXPECT_EQ(full.score_centi(), 7000);
  // Zero: 30 + 0, held at the floor of 50.
  v1::UnitAssessment zero = UnitOf(Assess(Policy("NO_DATA_ZERO")), kA);
  EXPECT_EQ(zero.gross_centi(), 3000);
  EXPECT_EQ(zero.score_centi(), 5000);
  EXPECT_TRUE(zero.floored());
  // 丙区 has nothing at all: excluded everywhere, it is not scored nor ranked.
  v1::UnitAssessment none = UnitOf(Assess(Policy("NO_DATA_EXCLUDED")), kC);
  EXPECT_TRUE(none.unscored());
  EXPECT_EQ(none.rank(), 0);
  EXPECT_EQ(none.standing(), v1::ASSESSMENT_STANDING_UNSPECIFIED);
}

TEST_F(AssessmentTest, OnlyLateItemsScoreNothing) {
  CreateTask("b1", kB, "2020-03-10");
  CreateTask("b2", kB, "2020-03-10");
  clock_.AdvanceTo(At(2020, 3, 11));
  CompleteTask("b1", kB);  // a day late
  clock_.AdvanceTo(At(2020, 4, 1));
  v1::UnitAssessment b = UnitOf(Assess(Policy("NO_DATA_FULL_MARKS")), kB);
  EXPECT_EQ(IndicatorOf(b, "tasks").numerator(), 0);
  EXPECT_EQ(IndicatorOf(b, "tasks").denominator(), 2);
  EXPECT_EQ(IndicatorOf(b, "tasks").score_centi(), 0);
  EXPECT_EQ(b.gross_centi(), 4000);
  int late_done = 0, late_open = 0;
  for (const auto& c : b.counted()) {
    if (c.indicator() != "tasks") continue;
    if (c.outcome() == v1::COUNTED_OUTCOME_LATE_DONE) ++late_done;
    if (c.outcome() == v1::COUNTED_OUTCOME_LATE_OPEN) ++late_open;
  }
  EXPECT_EQ(late_done, 1);
  EXPECT_EQ(late_open, 1);
}

// A meeting's decided matter is a task; it counts in the matters indicator
// (origin "meeting/") and not again in the tasks indicator, which counts the
// tasks the office created itself.
TEST_F(AssessmentTest, ADecidedMatterCountsOnceInItsOwnIndicator) {
  CreateTask("a1", kA, "2020-03-10");
  v1::MeetingCommand m;
  v1::RecordMeeting* r = m.mutable_record();
  r->set_meeting_id("w10");
  r->set_kind(v1::MEETING_KIND_WEEKLY_DISPATCH);
  r->set_title("第10周调度会");
  r->set_chair("区长");
  r->add_units_present(kA);
  v1::DecidedMatter* matter = r->add_matters();
  matter->set_text("完成征地");
  matter->add_responsible_units(kA);
  matter->mutable_limit()->set_kind(v1::DeadlineRule::FIXED_DATE);
  matter->mutable_limit()->set_fixed_date("2020-03-12");
  auto recorded = ledger_->Execute<Meeting>("w10", m, Meta(kOffice));
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  Settle();
  ASSERT_TRUE(ledger_->GetTask(MatterTaskId("w10", 1)).has_value());
  clock_.AdvanceTo(At(2020, 3, 11));
  CompleteTask(MatterTaskId("w10", 1), kA);  // the matter on time; a1 is late
  clock_.AdvanceTo(At(2020, 4, 1));
  auto policy = ParseAssessmentPolicy("matters.textproto", R"(id: "m"
name: "测试考核"
from_year: 2020
groups { name: "县区" kind: UNIT_KIND_COUNTY units: "甲区" advanced_count: 1 last_count: 1 }
indicators { id: "tasks" name: "任务按时完成率" kind: INDICATOR_KIND_ON_TIME_RATE weight: 50
             subjects { stream_prefix: "task/" } no_data: NO_DATA_EXCLUDED }
indicators { id: "matters" name: "商定事项按时办结率" kind: INDICATOR_KIND_ON_TIME_RATE weight: 50
             subjects { stream_prefix: "task/" origin_prefix: "meeting/" } no_data: NO_DATA_EXCLUDED }
)");
  ASSERT_TRUE(policy.ok()) << policy.status();
  v1::UnitAssessment a = UnitOf(Assess(*policy), kA);
  EXPECT_EQ(IndicatorOf(a, "tasks").denominator(), 1);
  EXPECT_EQ(IndicatorOf(a, "tasks").numerator(), 0);
  EXPECT_EQ(IndicatorOf(a, "matters").denominator(), 1);
  EXPECT_EQ(IndicatorOf(a, "matters").numerator(), 1);
  EXPECT_EQ(a.score_centi(), 5000);
}

TEST_F(AssessmentTest, TiesShareARankAndTheBoundary) {
  CreateTask("a1", kA, "2020-03-10");
  CreateTask("b1", kB, "2020-03-10");
  CreateTask("c1", kC, "2020-03-10");
  clock_.AdvanceTo(At(2020, 3, 9));
  CompleteTask("a1", kA);
  CompleteTask("b1", kB);
  clock_.AdvanceTo(At(2020, 4, 1));
  v1::Assessment a = Assess(Policy());
  // 甲 and 乙 tie at 100: both first, both 先进; 丙 third and 末位.
  EXPECT_EQ(UnitOf(a, kA).rank(), 1);
  EXPECT_EQ(UnitOf(a, kB).rank(), 1);
  EXPECT_EQ(UnitOf(a, kA).standing(), v1::ASSESSMENT_STANDING_ADVANCED);
  EXPECT_EQ(UnitOf(a, kB).standing(), v1::ASSESSMENT_STANDING_ADVANCED);
  EXPECT_EQ(UnitOf(a, kC).rank(), 3);
  EXPECT_EQ(UnitOf(a, kC).standing(), v1::ASSESSMENT_STANDING_LAST);
  // Listed by rank, then in the rule's order.
  EXPECT_EQ(a.units(0).unit(), kA);
  EXPECT_EQ(a.units(2).unit(), kC);
}

TEST_F(AssessmentTest, EveryoneTiedIsNoneLast) {
  CreateTask("a1", kA, "2020-03-10");
  CreateTask("b1", kB, "2020-03-10");
  CreateTask("c1", kC, "2020-03-10");
  clock_.AdvanceTo(At(2020, 3, 9));
  CompleteTask("a1", kA);
  CompleteTask("b1", kB);
  CompleteTask("c1", kC);
  v1::Assessment a = Assess(Policy());
  for (const char* u : {kA, kB, kC}) {
    EXPECT_EQ(UnitOf(a, u).rank(), 1);
    EXPECT_EQ(UnitOf(a, u).standing(), v1::ASSESSMENT_STANDING_ADVANCED);
  }
}

TEST_F(AssessmentTest, DeductionsStopAtTheFloor) {
  CreateTask("a1", kA, "2020-03-10");
  clock_.AdvanceTo(At(2020, 3, 9));
  CompleteTask("a1", kA);
  CreateTask("a2", kA, "2020-12-30");
  ListTask("a2");
  ListTask("a2");
  v1::UnitAssessment one = UnitOf(Assess(Policy()), kA);
  // 100 - 2 × 20 = 60.
  EXPECT_EQ(one.deducted_centi(), 4000);
  EXPECT_EQ(one.score_centi(), 6000);
  EXPECT_FALSE(one.floored());
  ListTask("a2");
  v1::UnitAssessment floored = UnitOf(Assess(Policy()), kA);
  ASSERT_EQ(floored.deductions_size(), 1);
  EXPECT_EQ(floored.deductions(0).count(), 3);
  EXPECT_EQ(floored.deducted_centi(), 6000);
  EXPECT_EQ(floored.score_centi(), 5000);  // never below 50
  EXPECT_TRUE(floored.floored());
}

TEST_F(AssessmentTest, APastDayIsFixedAndExcludesWhatCameAfter) {
  CreateTask("a1", kA, "2020-03-10");
  CreateTask("a2", kA, "2020-03-20");
  clock_.AdvanceTo(At(2020, 3, 9));
  CompleteTask("a1", kA);
  clock_.AdvanceTo(At(2020, 3, 16));
  const v1::Assessment before = Assess(Policy(), absl::CivilDay(2020, 3, 15));
  // a2 done on time after the day asked: not seen that day (not yet due).
  CompleteTask("a2", kA);
  clock_.AdvanceTo(At(2020, 5, 1));
  CreateTask("a3", kA, "2020-12-31");
  ListTask("a3");
  const v1::Assessment again = Assess(Policy(), absl::CivilDay(2020, 3, 15));
  EXPECT_EQ(before.SerializeAsString(), again.SerializeAsString());
  EXPECT_EQ(IndicatorOf(UnitOf(before, kA), "tasks").denominator(), 1);
  EXPECT_EQ(UnitOf(before, kA).deducted_centi(), 0);
  const v1::Assessment now = Assess(Policy());
  EXPECT_EQ(IndicatorOf(UnitOf(now, kA), "tasks").denominator(), 2);
  EXPECT_EQ(UnitOf(now, kA).deducted_centi(), 2000);
  EXPECT_GT(now.through_position(), before.through_position());
}

TEST_F(AssessmentTest, PositionsPointAtTheDecidingEvents) {
  CreateTask("a1", kA, "2020-03-10");
  CreateTask("a2", kA, "2020-03-10");
  clock_.AdvanceTo(At(2020, 3, 9));
  CompleteTask("a1", kA);
  clock_.AdvanceTo(At(2020, 3, 12));
  Settle();
  ListTask("a2");
  const v1::UnitAssessment a = UnitOf(Assess(Policy()), kA);
  int checked = 0;
  for (const auto& c : a.counted()) {
    ASSERT_GT(c.position(), 0u) << c.stream() << " " << c.subject();
    auto records = log_->ReadAll(c.position(), 1);
    ASSERT_TRUE(records.ok()) << records.status();
    ASSERT_EQ(records->size(), 1u);
    const v1::EventRecord& r = (*records)[0].record;
    EXPECT_EQ(r.stream(), c.stream());
    if (c.outcome() == v1::COUNTED_OUTCOME_ON_TIME) {
      EXPECT_EQ(r.type(), "task.Completed");
    } else if (c.outcome() == v1::COUNTED_OUTCOME_LATE_OPEN) {
      EXPECT_EQ(r.type(), "task.LightChanged");  // turned red at the limit
    } else if (c.outcome() == v1::COUNTED_OUTCOME_RUNG_RAISED) {
      EXPECT_EQ(r.type(), "task.RungRaised");
    }
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST_F(AssessmentTest, APeriodEndingBeforeItStartsIsRefused) {
  AssessmentQuery q{.from = absl::CivilDay(2020, 5, 1), .to = absl::CivilDay(2020, 4, 1)};
  auto a = ComputeAssessment(*ledger_, Policy(), q, clock_.Now());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace taizhang::workflows
