// Luohe's year-end assessment (对县区和市直部门实施年终考核, 末位表态): a small
// year, 2020, of three districts and two city departments built through the
// real workflows (tasks, problems, a project's investment, the ladder raising
// its notices, listings and interviews on what is left undone), scored with
// the shipped rule (policies/assessment/luohe-2020.textproto) as the log
// stood on 2020-12-31, and ranked: one 先进 and one 末位 per group.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/calendar.h"
#include "gtest/gtest.h"
#include "workflows/assessment.h"
#include "workflows/bulletin_assessment.h"
#include "workflows/bulletin_log.h"
#include "workflows/testing/assessment_results.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using testing::At;
using testing::UnitOf;
constexpr char kOffice[] = "supervision:市政府督查室";
constexpr char kCode[] = "2020-411102-47-01-000001";
constexpr char kYuanhui[] = "源汇区";
constexpr char kYancheng[] = "郾城区";
constexpr char kShaoling[] = "召陵区";
constexpr char kHousing[] = "市住房城乡建设局";
constexpr char kEcology[] = "市生态环境局";

class LuoheAssessmentTest : public testing::LedgerFixture {
 protected:
  LuoheAssessmentTest() : LedgerFixture(At(2020, 2, 3), LuoheOptions()) {}

  // Luohe's documents have no photo-library rule (图片库 is Hualong's): the
  // shipped investment policy without it.
  static LedgerOptions LuoheOptions() {
    LedgerOptions options = ShippedOptions();
    options.project_policy = "../testdata/investment-without-photos.textproto";
    return options;
  }

  void Task(const std::string& id, const std::string& unit, const char* due) {
    v1::TaskCommand c;
    v1::CreateTask* t = c.mutable_create();
    t->set_task_id(id);
    t->set_project_code(kCode);
    t->set_title(absl::StrCat("任务 ", id));
    t->add_responsible_units(unit);
    t->set_responsible_leader("王副市长");
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
    t->mutable_deadline()->mutable_rule()->set_fixed_date(due);
    auto out = ledger_->ExecuteTask(id, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  void Problem(const std::string& id, const std::string& unit, const char* due) {
    v1::ProblemCommand raise;
    raise.mutable_raise()->set_problem_id(id);
    raise.mutable_raise()->set_project_code(kCode);
    raise.mutable_raise()->set_title(absl::StrCat("问题 ", id));
    raise.mutable_raise()->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_INSPECTION);
    ASSERT_TRUE(ledger_->ExecuteProblem(id, raise, Meta(kOffice)).ok());
    v1::ProblemCommand assign;
    assign.mutable_assign()->set_unit(unit);
    assign.mutable_assign()->set_measures("限期解决");
    assign.mutable_assign()->mutable_limit()->set_kind(v1::DeadlineRule::FIXED_DATE);
    assign.mutable_assign()->mutable_limit()->set_fixed_date(due);
    auto out = ledger_->ExecuteProblem(id, assign, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  void Resolve(const std::string& id, const std::string& unit) {
    v1::ProblemCommand c;
    c.mutable_resolve()->set_text("已解决");
    auto out = ledger_->ExecuteProblem(id, c, Meta(absl::StrCat("department:", unit)));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  void Register() {
    v1::ProjectCommand c;
    v1::ProjectInfo* info = c.mutable_register_()->mutable_info();
    info->set_code(kCode);
    info->set_name("漯河食品产业园");
    info->set_level(v1::PROJECT_LEVEL_MUNICIPAL);
    info->set_owner("业主");
    info->set_total_investment_yuan(500'000'000);
    info->set_plan_year(2020);
    info->set_annual_plan_yuan(100'000'000);
    info->set_responsible_leader("王副市长");
    info->set_lead_unit(kYuanhui);
    info->set_initial_stage(v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
    info->set_started_on("2019-05-01");
    auto out = ledger_->ExecuteProject(kCode, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  void Report(const std::string& month, int64_t cumulative) {
    v1::ProjectCommand c;
    c.mutable_report_investment()->set_month(month);
    c.mutable_report_investment()->set_cumulative_yuan(cumulative);
    auto out = ledger_->ExecuteProject(kCode, c, Meta(absl::StrCat("department:", kYuanhui)));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  void Until(absl::Time t) {
    clock_.AdvanceTo(t);
    Settle();
  }
};

TEST_F(LuoheAssessmentTest, YearEndRankingAndTheLast) {
  const v1::AssessmentPolicy* policy = ledger_->assessment_policies().ForYear(2020);
  ASSERT_NE(policy, nullptr);
  Register();
  Task("yh-1", kYuanhui, "2020-04-30");
  Task("yh-2", kYuanhui, "2020-06-30");
  Problem("yh-p", kYuanhui, "2020-05-29");
  Task("yc-1", kYancheng, "2020-04-30");
  Task("yc-2", kYancheng, "2020-05-15");
  Task("zl-1", kShaoling, "2020-05-15");  // never done: the ladder climbs
  Problem("zl-p", kShaoling, "2020-05-29");
  Task("zj-1", kHousing, "2020-06-30");
  Task("st-1", kEcology, "2020-06-30");
  // 源汇区 reports its project's investment every month, a little behind
  // time progress (7.5% a month against 8.33%: green), 82.5% by November.
  auto report_month = [&](int m) {
    Report(absl::StrCat("2020-", m < 10 ? "0" : "", m), 7'500'000 * m);
  };
  Until(At(2020, 2, 20));
  report_month(2);
  Until(At(2020, 3, 20));
  report_month(3);
  Until(At(2020, 4, 20));
  report_month(4);
  CompleteTask("yh-1", kYuanhui);
  CompleteTask("yc-1", kYancheng);
  Until(At(2020, 5, 6));
  Resolve("yh-p", kYuanhui);
  Until(At(2020, 5, 19));
  CompleteTask("yc-2", kYancheng);  // late, its notice left unanswered
  Until(At(2020, 5, 20));
  report_month(5);
  Until(At(2020, 6, 10));
  CompleteTask("yh-2", kYuanhui);
  CompleteTask("zj-1", kHousing);
  Resolve("zl-p", kShaoling);  // late
  Until(At(2020, 6, 20));
  report_month(6);
  Until(At(2020, 7, 8));
  CompleteTask("st-1", kEcology);  // late
  for (int m = 7; m <= 11; ++m) {
    Until(At(2020, m, 20));
    report_month(m);
  }
  Until(At(2021, 1, 6));
  // After the year: not in the year-end figures.
  Report("2020-12", 100'000'000);
  Settle();

  AssessmentQuery q{.from = absl::CivilDay(2020, 1, 1),
                    .to = absl::CivilDay(2020, 12, 31),
                    .as_of = absl::CivilDay(2020, 12, 31)};
  auto got = ComputeAssessment(*ledger_, *policy, q, clock_.Now());
  ASSERT_TRUE(got.ok()) << got.status();
  const v1::Assessment& a = *got;

  // 源汇区: every task and problem on time, 82.5% of its plan by November.
  // Excluded without data: approvals 15, matters 10, visits 5, ratings 5;
  // the 65 points left are scaled to 100: tasks 30.77, problems 23.08,
  // answers (none: full marks) 15.38, investment 30.77 × 0.825 = 25.38.
  const v1::UnitAssessment& yh = UnitOf(a, kYuanhui);
  EXPECT_EQ(yh.indicators(1).score_centi(), 3077);
  EXPECT_EQ(yh.indicators(2).score_centi(), 2308);
  EXPECT_EQ(yh.indicators(4).score_centi(), 1538);
  EXPECT_EQ(yh.indicators(5).numerator(), 82'500'000);
  EXPECT_EQ(yh.indicators(5).denominator(), 100'000'000);
  EXPECT_EQ(yh.indicators(5).score_centi(), 2538);
  EXPECT_FALSE(yh.indicators(6).computed());
  EXPECT_FALSE(yh.indicators(6).has_data());
  EXPECT_EQ(yh.deducted_centi(), 0);
  EXPECT_EQ(yh.score_centi(), 3077 + 2308 + 1538 + 2538);
  EXPECT_EQ(yh.rank(), 1);
  EXPECT_EQ(yh.standing(), v1::ASSESSMENT_STANDING_ADVANCED);

  // 郾城区: one task of two on time (20 of the 30 kept points, scaled),
  // its one notice unanswered (answers 0, one late answer: -1).
  const v1::UnitAssessment& yc = UnitOf(a, kYancheng);
  EXPECT_EQ(yc.indicators(1).score_centi(), 3333);
  EXPECT_EQ(yc.indicators(4).numerator(), 0);
  EXPECT_EQ(yc.indicators(4).denominator(), 1);
  EXPECT_EQ(yc.score_centi(), 3233);

  // 召陵区: its task climbed to the notice, the listing and the interview,
  // none answered; its problem was resolved late.
  const v1::UnitAssessment& zl = UnitOf(a, kShaoling);
  int listings = 0, interviews = 0, late_answers = 0;
  for (const auto& d : zl.deductions()) {
    if (d.deduction() == "listing") listings = d.count();
    if (d.deduction() == "interview") interviews = d.count();
    if (d.deduction() == "late-answer") late_answers = d.count();
  }
  EXPECT_GE(listings, 1);
  EXPECT_GE(interviews, 1);
  EXPECT_EQ(zl.score_centi(), 0);  // held at the rule's minimum
  EXPECT_TRUE(zl.floored());
  EXPECT_GE(late_answers, 1);
  EXPECT_EQ(zl.indicators(1).numerator(), 0);
  EXPECT_EQ(zl.rank(), 3);
  EXPECT_EQ(zl.standing(), v1::ASSESSMENT_STANDING_LAST);

  // 郾城区 between them, neither.
  EXPECT_EQ(UnitOf(a, kYancheng).rank(), 2);
  EXPECT_EQ(UnitOf(a, kYancheng).standing(), v1::ASSESSMENT_STANDING_UNSPECIFIED);
  // 舞阳县 and 临颍县 have nothing in the log: not ranked.
  EXPECT_TRUE(UnitOf(a, "舞阳县").unscored());
  EXPECT_TRUE(UnitOf(a, "临颍县").unscored());

  // The departments: 20% of two scored is one each way.
  EXPECT_EQ(UnitOf(a, kHousing).standing(), v1::ASSESSMENT_STANDING_ADVANCED);
  EXPECT_EQ(UnitOf(a, kEcology).standing(), v1::ASSESSMENT_STANDING_LAST);

  // Asked again later, the same day gives the same bytes.
  Until(At(2021, 1, 20));
  auto again = ComputeAssessment(*ledger_, *policy, q, clock_.Now());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->SerializeAsString(), a.SerializeAsString());
}

// The monthly bulletin ranks the units for the year to its month's end, with
// the rule loaded; recomputed later at the same position with the rule it
// was published with, it gives the same figures, whatever happened since or
// whatever rule is loaded then; without a rule (an older publication), none.
TEST_F(LuoheAssessmentTest, TheBulletinRanksTheUnitsAndKeepsItsFigures) {
  Task("yh-1", kYuanhui, "2020-04-30");
  Task("yc-1", kYancheng, "2020-04-15");
  Task("zj-1", kHousing, "2020-04-30");
  Task("st-1", kEcology, "2020-04-10");
  Until(At(2020, 4, 8));
  CompleteTask("yh-1", kYuanhui);
  CompleteTask("zj-1", kHousing);
  Until(At(2020, 5, 2));
  const std::optional<v1::AssessmentRule> rule =
      BulletinAssessmentRuleFor(*ledger_, absl::CivilMonth(2020, 4));
  ASSERT_TRUE(rule.has_value());
  EXPECT_EQ(rule->policy().id(), "luohe-2020");
  EXPECT_FALSE(rule->visit_quotas());  // the shipped visit policy judges none
  const uint64_t position = log_->HeadPosition();
  auto april = BulletinAtPosition(*ledger_, absl::CivilMonth(2020, 4), position,
                                  ledger_->project().policy().investment(), &*rule);
  ASSERT_TRUE(april.ok()) << april.status();
  ASSERT_TRUE(april->has_assessment());
  const v1::BulletinAssessment& ranking = april->assessment();
  EXPECT_EQ(ranking.policy_id(), "luohe-2020");
  EXPECT_EQ(ranking.from(), "2020-01-01");
  EXPECT_EQ(ranking.to(), "2020-04-30");
  ASSERT_EQ(ranking.units_size(), 10);
  // 源汇区: its task on time, no slip (answers at full marks): 100; 郾城区:
  // its task late (0 of the task points), ranked last.
  const v1::BulletinAssessmentUnit& first = ranking.units(0);
  EXPECT_EQ(first.unit(), kYuanhui);
  EXPECT_EQ(first.rank(), 1);
  EXPECT_EQ(first.score_centi(), 10000);
  EXPECT_EQ(first.standing(), v1::ASSESSMENT_STANDING_ADVANCED);
  EXPECT_EQ(ranking.units(1).unit(), kYancheng);
  EXPECT_EQ(ranking.units(1).standing(), v1::ASSESSMENT_STANDING_LAST);
  EXPECT_TRUE(ranking.units(2).unscored());
  // The same as the assessment read through that position, unit by unit.
  AssessmentQuery q{.from = absl::CivilDay(2020, 1, 1),
                    .to = absl::CivilDay(2020, 4, 30),
                    .through_position = april->through_position()};
  auto a = ComputeAssessment(*ledger_, *rule, q, clock_.Now());
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->units_size(), ranking.units_size());
  for (int i = 0; i < a->units_size(); ++i) {
    EXPECT_EQ(a->units(i).unit(), ranking.units(i).unit());
    EXPECT_EQ(a->units(i).score_centi(), ranking.units(i).score_centi());
    EXPECT_EQ(a->units(i).rank(), ranking.units(i).rank());
  }
  // The draft (over the projections) ranks the same.
  auto draft = ledger_->BulletinFor("2020-04");
  ASSERT_TRUE(draft.ok()) << draft.status();
  EXPECT_EQ(draft->assessment().SerializeAsString(), ranking.SerializeAsString());

  // Later: 郾城区 finishes late, 市生态环境局's slips climb, May goes by.
  Until(At(2020, 5, 10));
  CompleteTask("yc-1", kYancheng);
  Until(At(2020, 6, 2));
  auto again = BulletinAtPosition(*ledger_, absl::CivilMonth(2020, 4), position,
                                  ledger_->project().policy().investment(), &*rule);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(BulletinDigest(*again), BulletinDigest(*april));
  // A rule changed since does not reach it when the recorded one is used;
  // it would give other figures.
  v1::AssessmentRule changed = *rule;
  changed.mutable_policy()->mutable_indicators(1)->set_weight(40);
  auto other = BulletinAtPosition(*ledger_, absl::CivilMonth(2020, 4), position,
                                  ledger_->project().policy().investment(), &changed);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(BulletinDigest(*other), BulletinDigest(*april));
  // No rule recorded: no ranking, the other figures as they were.
  auto older = BulletinAtPosition(*ledger_, absl::CivilMonth(2020, 4), position,
                                  ledger_->project().policy().investment(), nullptr);
  ASSERT_TRUE(older.ok()) << older.status();
  EXPECT_FALSE(older->has_assessment());
  v1::Bulletin without = *april;
  without.clear_assessment();
  EXPECT_EQ(BulletinDigest(*older), BulletinDigest(without));
  // A year no rule covers has no ranking.
  auto y2019 = ledger_->BulletinFor("2019-12");
  ASSERT_TRUE(y2019.ok()) << y2019.status();
  EXPECT_FALSE(y2019->has_assessment());
}

}  // namespace
}  // namespace taizhang::workflows
