// Yangshan county, 2014 (seeds/002_*.txt): 78 key projects split among the
// county's four leading bodies' leaders; "縣四套班子領導每月至少到項目企業走訪
// 兩次以上", "每半月走訪一次掛鉤聯繫企業"; every key project has its
// three-level service contacts ("每個項目安排一名縣領導、一名鎮班子成員、一名
// 部門干部掛鉤聯繫"), and "企業也對「服務員」考核打分".
//
// Two projects through June and July 2014 on the ledger's own timers
// (policy visits/yangshan-2014): the responsible leader who visits twice in
// June and once in July, contacts who keep or miss their half months, a
// visit that raises a problem, the owners' ratings, and the bulletin's visit
// figures for June. Project codes are placeholders: the document gives none.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/project.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using testing::ChinaHour;

constexpr char kOffice[] = "supervision:阳山县重点项目办";
// Codes of the right shape in Yangshan's division (441823); the projects are
// the scenario's own.
constexpr char kCement[] = "2014-441823-30-01-000001";
constexpr char kPower[] = "2014-441823-44-01-000002";

class YangshanScenarioTest : public testing::LedgerFixture {
 protected:
  YangshanScenarioTest() : LedgerFixture(ChinaHour(2014, 5, 31, 9), YangshanVisitOptions()) {}

  void Register(const std::string& code, const std::string& name, const std::string& owner,
                const std::string& leader, const std::string& county, const std::string& town,
                const std::string& cadre) {
    v1::ProjectCommand c;
    v1::ProjectInfo* info = c.mutable_register_()->mutable_info();
    info->set_code(code);
    info->set_name(name);
    info->set_level(v1::PROJECT_LEVEL_MUNICIPAL);
    info->set_owner(owner);
    info->set_total_investment_yuan(800000000);
    info->set_plan_year(2014);
    info->set_responsible_leader(leader);
    info->set_lead_unit("县发改局");
    info->mutable_service_contacts()->set_county_leader(county);
    info->mutable_service_contacts()->set_town_member(town);
    info->mutable_service_contacts()->set_department_cadre(cadre);
    auto out = ledger_->ExecuteProject(code, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }

  void Visit(const std::string& code, const std::string& actor, absl::Time at,
             std::vector<std::string> problems = {}) {
    clock_.Advance(at - clock_.Now());
    Settle();
    v1::ProjectCommand c;
    c.mutable_visit()->set_findings("了解项目建设困难和要素保障需求");
    for (auto& p : problems) c.mutable_visit()->add_problems(p);
    auto out = ledger_->ExecuteProject(code, c, Meta(actor));
    ASSERT_TRUE(out.ok()) << out.status();
  }

  void Rate(const std::string& code, const std::string& owner, v1::VisitCapacity capacity,
            int score) {
    v1::ProjectCommand c;
    c.mutable_rate()->set_capacity(capacity);
    c.mutable_rate()->set_score(score);
    auto out = ledger_->ExecuteProject(code, c, Meta(absl::StrCat("enterprise:", owner)));
    ASSERT_TRUE(out.ok()) << out.status();
  }

  // "<capacity> <period> <visits>/<required> <light>" of every judged period.
  std::vector<std::string> Results(const std::string& code) {
    Settle();
    std::vector<std::string> out;
    const v1::ProjectState s = *ledger_->GetProject(code);
    for (const auto& r : s.visit_periods()) {
      out.push_back(absl::StrCat(v1::VisitCapacity_Name(r.capacity()).substr(15), " ", r.period(),
                                 " ", r.visits(), "/", r.required(), " ",
                                 v1::Light_Name(r.light()).substr(6)));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(YangshanScenarioTest, LeadersAndContactsVisitTheirEnterprisesAndAreRated) {
  // Registered on 31 May: June is the first period judged.
  ASSERT_NO_FATAL_FAILURE(Register(kCement, "阳山水泥技改项目", "阳山水泥有限公司", "伍文超",
                                   "李欣", "黎镇长", "陈干部"));
  ASSERT_NO_FATAL_FAILURE(Register(kPower, "阳山风电场项目", "阳山风电有限公司", "伍文超", "伍文超",
                                   "欧镇长", "陈干部"));
  const std::string wu = "leader:伍文超", li = "leader:李欣";
  const std::string li_town = "department:阳城镇:黎镇长", ou_town = "department:七拱镇:欧镇长";
  const std::string chen = "department:县经信局:陈干部";

  // June. The responsible leader (伍文超, also the wind farm's county-leader
  // contact) visits each enterprise on the 10th and the 30th; the cement
  // works' county leader 李欣 on the 3rd only; the cadre 陈干部 both firms in
  // both halves (the second on the last day of June); 黎镇长 never; 欧镇长
  // once on the 16th, finding a problem.
  Visit(kCement, li, ChinaHour(2014, 6, 3, 10));
  Visit(kCement, wu, ChinaHour(2014, 6, 10, 10));
  Visit(kPower, wu, ChinaHour(2014, 6, 10, 15));
  Visit(kCement, chen, ChinaHour(2014, 6, 12, 10));
  Visit(kPower, chen, ChinaHour(2014, 6, 13, 10));
  Visit(kPower, ou_town, ChinaHour(2014, 6, 16, 10), {"风机运输道路未完成改造"});
  Visit(kCement, wu, ChinaHour(2014, 6, 30, 9));
  Visit(kPower, wu, ChinaHour(2014, 6, 30, 14));
  Visit(kCement, chen, ChinaHour(2014, 6, 30, 16));
  Visit(kPower, chen, ChinaHour(2014, 6, 30, 17));
  Rate(kCement, "阳山水泥有限公司", v1::VISIT_CAPACITY_DEPARTMENT_CADRE, 95);
  Rate(kCement, "阳山水泥有限公司", v1::VISIT_CAPACITY_TOWN_MEMBER, 40);
  Rate(kPower, "阳山风电有限公司", v1::VISIT_CAPACITY_TOWN_MEMBER, 80);

  // July: 伍文超 visits the cement works once only.
  Visit(kCement, wu, ChinaHour(2014, 7, 8, 10));
  clock_.Advance(ChinaHour(2014, 8, 1, 8) - clock_.Now());
  Settle();

  EXPECT_EQ(Results(kCement),
            (std::vector<std::string>{
                "COUNTY_LEADER 2014-06-1 1/1 GREEN", "COUNTY_LEADER 2014-06-2 0/1 RED",
                "COUNTY_LEADER 2014-07-1 0/1 RED", "COUNTY_LEADER 2014-07-2 0/1 RED",
                "DEPARTMENT_CADRE 2014-06-1 1/1 GREEN", "DEPARTMENT_CADRE 2014-06-2 1/1 GREEN",
                "DEPARTMENT_CADRE 2014-07-1 0/1 RED", "DEPARTMENT_CADRE 2014-07-2 0/1 RED",
                "RESPONSIBLE_LEADER 2014-06 2/2 GREEN", "RESPONSIBLE_LEADER 2014-07 1/2 YELLOW",
                "TOWN_MEMBER 2014-06-1 0/1 RED", "TOWN_MEMBER 2014-06-2 0/1 RED",
                "TOWN_MEMBER 2014-07-1 0/1 RED", "TOWN_MEMBER 2014-07-2 0/1 RED"}));
  // 伍文超 is the wind farm's responsible leader and its county leader: his
  // visits count for both.
  const auto power = Results(kPower);
  EXPECT_THAT(power, ::testing::Contains("COUNTY_LEADER 2014-06-1 1/1 GREEN"));
  EXPECT_THAT(power, ::testing::Contains("COUNTY_LEADER 2014-06-2 1/1 GREEN"));
  EXPECT_THAT(power, ::testing::Contains("RESPONSIBLE_LEADER 2014-06 2/2 GREEN"));
  EXPECT_THAT(power, ::testing::Contains("TOWN_MEMBER 2014-06-1 0/1 RED"));
  EXPECT_THAT(power, ::testing::Contains("TOWN_MEMBER 2014-06-2 1/1 GREEN"));

  // Each period below quota warned its person and the office once.
  const auto cement = *ledger_->GetProject(kCement);
  std::map<std::string, int> warned;
  for (const auto& r : cement.rungs()) {
    if (r.raised().rung_id() == "below-quota") ++warned[r.raised().recipients(0).unit()];
  }
  EXPECT_EQ(warned,
            (std::map<std::string, int>{{"伍文超", 1}, {"李欣", 3}, {"陈干部", 2}, {"黎镇长", 4}}));

  // The problem 欧镇长 found is on the problem ledger.
  auto problem = ledger_->GetProblem(absl::StrCat(kPower, "-V3-1"));
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->title(), "风机运输道路未完成改造");

  // The ratings, kept for the assessment.
  ASSERT_EQ(cement.ratings_size(), 2);
  EXPECT_EQ(cement.ratings(0).grade(), "满意");
  EXPECT_EQ(cement.ratings(1).grade(), "不满意");
  EXPECT_EQ(cement.ratings(1).contact(), "黎镇长");

  // The June bulletin: visits per person and unit, the persons below quota.
  auto bulletin = ledger_->BulletinFor("2014-06");
  ASSERT_TRUE(bulletin.ok()) << bulletin.status();
  EXPECT_EQ(bulletin->visits_in_month(), 10);
  std::vector<std::string> persons;
  for (const auto& p : bulletin->visits_by_person()) {
    persons.push_back(absl::StrCat(p.person(), " ", p.visits(), " ", p.projects()));
  }
  EXPECT_EQ(persons,
            (std::vector<std::string>{"伍文超 4 2", "陈干部 4 2", "李欣 1 1", "欧镇长 1 1"}));
  std::vector<std::string> units;
  for (const auto& u : bulletin->visits_by_unit()) {
    units.push_back(absl::StrCat(u.unit(), " ", u.visits(), " ", u.persons()));
  }
  EXPECT_EQ(units, (std::vector<std::string>{"县经信局 4 1", "七拱镇 1 1"}));
  std::vector<std::string> below;
  for (const auto& f : bulletin->visits_below_quota()) {
    below.push_back(absl::StrCat(f.person(), " ", f.period()));
  }
  EXPECT_EQ(below, (std::vector<std::string>{"黎镇长 2014-06-1", "李欣 2014-06-2",
                                             "黎镇长 2014-06-2", "欧镇长 2014-06-1"}));
}

}  // namespace
}  // namespace taizhang::workflows
