// The assessment's visits and ratings indicators (workflows/assessment.cc):
// judged quota periods counted for the unit of the person judged, the
// enterprises' ratings of the unit's service contacts on the rating scale,
// each breakdown row naming the event behind it; the edges of a visit and a
// rating on a period's last day, a rating given after the day read, a unit
// with nothing, and no quota policy at all (not computed, left out).
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/assessment.h"
#include "workflows/assessment_policy.h"
#include "workflows/testing/assessment_results.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using testing::At;
using ::testing::HasSubstr;
using testing::IndicatorOf;
using testing::UnitOf;

constexpr char kCode[] = "2014-441823-30-01-000001";
constexpr char kOffice[] = "supervision:县重点办";
constexpr char kLead[] = "县发改局";       // the project's lead unit
constexpr char kTownUnit[] = "阳城镇";     // 黎镇长's
constexpr char kCadreUnit[] = "县经信局";  // 陈干部's
constexpr char kIdle[] = "县住建局";       // nothing in the log
constexpr char kOwner[] = "enterprise:阳山水泥有限公司";
const std::string kLeader = "leader:李欣";          // 分包领导
const std::string kCountyLeader = "leader:伍文超";  // 县领导 (service contact)
const std::string kTown = "department:阳城镇:黎镇长";
const std::string kCadre = "department:县经信局:陈干部";

v1::AssessmentPolicy Policy() {
  auto p = ParseAssessmentPolicy("visits.textproto", R"(id: "v"
name: "走访考核"
from_year: 2014
groups { name: "单位" kind: UNIT_KIND_DEPARTMENT units: "县发改局" units: "阳城镇"
         units: "县经信局" units: "县住建局" advanced_count: 1 last_count: 1 }
indicators { id: "visits" name: "走访完成率" kind: INDICATOR_KIND_VISITS_MADE weight: 50
             no_data: NO_DATA_EXCLUDED }
indicators { id: "ratings" name: "企业评价" kind: INDICATOR_KIND_ENTERPRISE_RATING weight: 50
             no_data: NO_DATA_EXCLUDED }
)");
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : v1::AssessmentPolicy();
}

class VisitsAssessmentTest : public testing::LedgerFixture {
 protected:
  explicit VisitsAssessmentTest(LedgerOptions options = YangshanVisitOptions())
      : LedgerFixture(At(2014, 6, 1, 9), std::move(options)) {}

  void SetUp() override {
    LedgerFixture::SetUp();
    v1::ProjectCommand c;
    v1::ProjectInfo* info = c.mutable_register_()->mutable_info();
    info->set_code(kCode);
    info->set_name("阳山水泥技改项目");
    info->set_level(v1::PROJECT_LEVEL_DISTRICT);
    info->set_owner("阳山水泥有限公司");
    info->set_total_investment_yuan(500000000);
    info->set_plan_year(2014);
    info->set_annual_plan_yuan(0);
    info->set_responsible_leader("李欣");
    info->set_lead_unit(kLead);
    info->mutable_service_contacts()->set_county_leader("伍文超");
    info->mutable_service_contacts()->set_town_member("黎镇长");
    info->mutable_service_contacts()->set_department_cadre("陈干部");
    info->set_initial_stage(v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
    info->set_started_on("2014-03-01");
    auto out = ledger_->ExecuteProject(kCode, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }

  // The clock to `t`, the timers fired.
  void AdvanceTo(absl::Time t) {
    clock_.Advance(t - clock_.Now());
    Settle();
  }
  void VisitOn(const std::string& actor, absl::Time t) {
    AdvanceTo(t);
    v1::ProjectCommand c;
    c.mutable_visit()->set_findings("了解生产情况");
    auto out = ledger_->ExecuteProject(kCode, c, Meta(actor));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  void RateOn(v1::VisitCapacity capacity, int score, absl::Time t, const std::string& period = "") {
    AdvanceTo(t);
    v1::ProjectCommand c;
    c.mutable_rate()->set_capacity(capacity);
    c.mutable_rate()->set_score(score);
    c.mutable_rate()->set_period(period);
    auto out = ledger_->ExecuteProject(kCode, c, Meta(kOwner));
    ASSERT_TRUE(out.ok()) << out.status();
  }

  // June 2014: 李欣 twice (the second on the month's last day), 伍文超 in
  // the first half only, 黎镇长 in the first half only, 陈干部 in both (the
  // second on the 30th). Ratings for June: 黎镇长 90 on the 20th, 陈干部 80
  // on the 30th, 伍文超 70 on 2 July (for June, named).
  void June() {
    VisitOn(kTown, At(2014, 6, 2));
    VisitOn(kCadre, At(2014, 6, 3));
    VisitOn(kLeader, At(2014, 6, 5));
    VisitOn(kCountyLeader, At(2014, 6, 10));
    RateOn(v1::VISIT_CAPACITY_TOWN_MEMBER, 90, At(2014, 6, 20));
    VisitOn(kLeader, At(2014, 6, 30, 16));
    VisitOn(kCadre, At(2014, 6, 30, 17));
    RateOn(v1::VISIT_CAPACITY_DEPARTMENT_CADRE, 80, At(2014, 6, 30, 18));
    RateOn(v1::VISIT_CAPACITY_COUNTY_LEADER, 70, At(2014, 7, 2), "2014-06");
  }

  v1::Assessment Assess(absl::CivilDay from, absl::CivilDay to,
                        std::optional<absl::CivilDay> as_of = std::nullopt) {
    Settle();
    AssessmentQuery q{.from = from, .to = to, .as_of = as_of};
    auto a = ComputeAssessment(*ledger_, Policy(), q, clock_.Now());
    EXPECT_TRUE(a.ok()) << a.status();
    return a.ok() ? *a : v1::Assessment();
  }
  v1::Assessment AssessJune(std::optional<absl::CivilDay> as_of = std::nullopt) {
    return Assess(absl::CivilDay(2014, 6, 1), absl::CivilDay(2014, 6, 30), as_of);
  }
};

TEST_F(VisitsAssessmentTest, PeriodsAndRatingsCountForTheUnitOfThePerson) {
  June();
  AdvanceTo(At(2014, 7, 3));
  const v1::Assessment a = AssessJune();
  // 县发改局, the lead unit, answers for the leaders (no unit of their own):
  // 李欣's June met (2 of 2, the second on the 30th), 伍文超's first half met,
  // second half short: 2 of 3; 伍文超 rated 70.
  const v1::UnitAssessment& lead = UnitOf(a, kLead);
  EXPECT_EQ(IndicatorOf(lead, "visits").numerator(), 2);
  EXPECT_EQ(IndicatorOf(lead, "visits").denominator(), 3);
  EXPECT_EQ(IndicatorOf(lead, "visits").count(), 3);
  EXPECT_EQ(IndicatorOf(lead, "visits").score_centi(), 3333);
  EXPECT_EQ(IndicatorOf(lead, "ratings").numerator(), 70);
  EXPECT_EQ(IndicatorOf(lead, "ratings").denominator(), 100);
  EXPECT_EQ(IndicatorOf(lead, "ratings").score_centi(), 3500);
  EXPECT_EQ(lead.score_centi(), 6833);
  // 阳城镇 (黎镇长 records as department:阳城镇:黎镇长): 1 of 2; rated 90.
  const v1::UnitAssessment& town = UnitOf(a, kTownUnit);
  EXPECT_EQ(IndicatorOf(town, "visits").numerator(), 1);
  EXPECT_EQ(IndicatorOf(town, "visits").denominator(), 2);
  EXPECT_EQ(town.score_centi(), 2500 + 4500);
  // 县经信局: both halves met, the second by the visit on the 30th; rated 80.
  const v1::UnitAssessment& cadre = UnitOf(a, kCadreUnit);
  EXPECT_EQ(IndicatorOf(cadre, "visits").numerator(), 2);
  EXPECT_EQ(IndicatorOf(cadre, "visits").denominator(), 2);
  EXPECT_EQ(cadre.score_centi(), 5000 + 4000);
  // The ranking.
  EXPECT_EQ(cadre.rank(), 1);
  EXPECT_EQ(cadre.standing(), v1::ASSESSMENT_STANDING_ADVANCED);
  EXPECT_EQ(town.rank(), 2);
  EXPECT_EQ(lead.rank(), 3);
  EXPECT_EQ(lead.standing(), v1::ASSESSMENT_STANDING_LAST);
  // Nothing for 县住建局: no data, excluded, not ranked.
  const v1::UnitAssessment& idle = UnitOf(a, kIdle);
  EXPECT_TRUE(idle.unscored());
  EXPECT_TRUE(IndicatorOf(idle, "visits").computed());
  EXPECT_FALSE(IndicatorOf(idle, "visits").has_data());
  EXPECT_EQ(IndicatorOf(idle, "visits").no_data(), v1::NO_DATA_EXCLUDED);
  EXPECT_EQ(idle.rank(), 0);
}

TEST_F(VisitsAssessmentTest, EachRowNamesTheEventBehindIt) {
  June();
  AdvanceTo(At(2014, 7, 3));
  const v1::UnitAssessment cadre = UnitOf(AssessJune(), kCadreUnit);
  ASSERT_EQ(cadre.counted_size(), 3);
  int periods = 0, ratings = 0;
  for (const auto& c : cadre.counted()) {
    EXPECT_EQ(c.stream(), absl::StrCat("project/", kCode));
    ASSERT_GT(c.position(), 0u) << c.subject();
    auto records = log_->ReadAll(c.position(), 1);
    ASSERT_TRUE(records.ok()) << records.status();
    ASSERT_EQ(records->size(), 1u);
    const v1::EventRecord& r = (*records)[0].record;
    EXPECT_EQ(r.stream(), c.stream());
    v1::ProjectEvent e;
    ASSERT_TRUE(e.ParseFromString(r.payload()));
    if (c.outcome() == v1::COUNTED_OUTCOME_RATED) {
      ++ratings;
      EXPECT_EQ(r.type(), "project.ServiceRated");
      EXPECT_EQ(e.service_rated().contact(), "陈干部");
      EXPECT_EQ(c.score(), 80);
      EXPECT_EQ(c.subject(), "rating/department_cadre/2014-06");
    } else {
      ++periods;
      EXPECT_EQ(c.outcome(), v1::COUNTED_OUTCOME_VISITS_MET);
      EXPECT_EQ(r.type(), "project.VisitPeriodClosed");
      EXPECT_EQ(e.visit_period_closed().result().period(),
                c.subject().substr(c.subject().rfind('/') + 1));
      EXPECT_EQ(c.person(), "陈干部");
      EXPECT_EQ(c.required(), 1);
    }
  }
  EXPECT_EQ(periods, 2);
  EXPECT_EQ(ratings, 1);
  // A short period says so, with its visits against the quota.
  const v1::UnitAssessment lead = UnitOf(AssessJune(), kLead);
  int short_periods = 0;
  for (const auto& c : lead.counted()) {
    if (c.outcome() != v1::COUNTED_OUTCOME_VISITS_SHORT) continue;
    ++short_periods;
    EXPECT_EQ(c.subject(), "visits/county_leader/2014-06-2");
    EXPECT_EQ(c.visits(), 0);
    EXPECT_EQ(c.due_on(), "2014-06-30");
    EXPECT_THAT(c.matter(), HasSubstr("伍文超"));
  }
  EXPECT_EQ(short_periods, 1);
}

TEST_F(VisitsAssessmentTest, AsOfADayOnlyWhatWasJudgedAndGivenByThen) {
  June();
  AdvanceTo(At(2014, 7, 3));
  // The 30th: the first halves judged (16 June), June and its second half
  // not yet (they close at 00:00 on 1 July); 陈干部's rating given on the
  // 30th is in, 伍文超's of 2 July is not.
  const v1::Assessment on30 = AssessJune(absl::CivilDay(2014, 6, 30));
  const v1::UnitAssessment& lead = UnitOf(on30, kLead);
  EXPECT_EQ(IndicatorOf(lead, "visits").denominator(), 1);
  EXPECT_FALSE(IndicatorOf(lead, "ratings").has_data());
  EXPECT_EQ(IndicatorOf(lead, "ratings").weight_centi(), 0);
  EXPECT_EQ(IndicatorOf(lead, "visits").weight_centi(), 10000);
  EXPECT_EQ(lead.score_centi(), 10000);
  const v1::UnitAssessment& cadre = UnitOf(on30, kCadreUnit);
  EXPECT_EQ(IndicatorOf(cadre, "ratings").numerator(), 80);
  EXPECT_EQ(cadre.score_centi(), 5000 + 4000);
  // The 29th: 陈干部 not yet rated.
  const v1::UnitAssessment before = UnitOf(AssessJune(absl::CivilDay(2014, 6, 29)), kCadreUnit);
  EXPECT_FALSE(IndicatorOf(before, "ratings").has_data());
  EXPECT_EQ(IndicatorOf(before, "ratings").count(), 0);
  EXPECT_EQ(before.score_centi(), 10000);
  // A past day is fixed: asked again after more visits and ratings, the
  // same bytes.
  VisitOn(kCadre, At(2014, 7, 5));
  RateOn(v1::VISIT_CAPACITY_DEPARTMENT_CADRE, 40, At(2014, 7, 6));
  EXPECT_EQ(AssessJune(absl::CivilDay(2014, 6, 30)).SerializeAsString(), on30.SerializeAsString());
}

TEST_F(VisitsAssessmentTest, ARatingCountsInThePeriodItIsFor) {
  June();
  RateOn(v1::VISIT_CAPACITY_DEPARTMENT_CADRE, 60, At(2014, 7, 31, 20));  // July's, on its last day
  AdvanceTo(At(2014, 8, 2));
  const v1::Assessment july = Assess(absl::CivilDay(2014, 7, 1), absl::CivilDay(2014, 7, 31));
  // 伍文超's rating, given in July, is June's: not July's.
  EXPECT_FALSE(IndicatorOf(UnitOf(july, kLead), "ratings").has_data());
  // 陈干部's July rating on 31 July is July's; June's 80 is not.
  const v1::UnitAssessment& cadre = UnitOf(july, kCadreUnit);
  EXPECT_EQ(IndicatorOf(cadre, "ratings").numerator(), 60);
  EXPECT_EQ(IndicatorOf(cadre, "ratings").denominator(), 100);
  // Both months: the mean of 80 and 60.
  const v1::UnitAssessment both =
      UnitOf(Assess(absl::CivilDay(2014, 6, 1), absl::CivilDay(2014, 7, 31)), kCadreUnit);
  EXPECT_EQ(IndicatorOf(both, "ratings").count(), 2);
  EXPECT_EQ(IndicatorOf(both, "ratings").score_centi(), 3500);
}

TEST_F(VisitsAssessmentTest, APositionAndADayTogetherAreRefused) {
  AssessmentQuery q{.from = absl::CivilDay(2014, 6, 1),
                    .to = absl::CivilDay(2014, 6, 30),
                    .as_of = absl::CivilDay(2014, 6, 30),
                    .through_position = 1};
  auto a = ComputeAssessment(*ledger_, Policy(), q, clock_.Now());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
}

// The shipped visit policy judges no quota: the visits indicator cannot be
// computed for anyone. It says why and is left out, whatever its no-data
// rule; the ratings still count.
class NoQuotaAssessmentTest : public VisitsAssessmentTest {
 protected:
  NoQuotaAssessmentTest() : VisitsAssessmentTest(ShippedOptions()) {}
};

TEST_F(NoQuotaAssessmentTest, VisitsAreNotComputedAndLeftOut) {
  June();
  AdvanceTo(At(2014, 7, 3));
  ASSERT_TRUE(ledger_->GetProject(kCode)->visit_periods().empty());
  auto zero = Policy();
  zero.mutable_indicators(0)->set_no_data(v1::NO_DATA_ZERO);
  AssessmentQuery q{.from = absl::CivilDay(2014, 6, 1), .to = absl::CivilDay(2014, 6, 30)};
  auto a = ComputeAssessment(*ledger_, zero, q, clock_.Now());
  ASSERT_TRUE(a.ok()) << a.status();
  const v1::UnitAssessment& cadre = UnitOf(*a, kCadreUnit);
  const v1::IndicatorScore& visits = IndicatorOf(cadre, "visits");
  EXPECT_FALSE(visits.computed());
  EXPECT_FALSE(visits.has_data());
  EXPECT_THAT(visits.not_computed_reason(), HasSubstr("未规定走访次数"));
  EXPECT_EQ(visits.weight_centi(), 0);
  EXPECT_EQ(visits.score_centi(), 0);
  // Not zero for everyone: the ratings carry the 100 points (80 of 100).
  EXPECT_EQ(IndicatorOf(cadre, "ratings").weight_centi(), 10000);
  EXPECT_EQ(cadre.score_centi(), 8000);
  // A unit with only visits would have nothing: 县住建局 is unscored.
  EXPECT_TRUE(UnitOf(*a, kIdle).unscored());
}

}  // namespace
}  // namespace taizhang::workflows
