// Chengdu 2019 (seeds/004): "《成都市2019年重大项目集中开工方案》印发，分行业、分地区
// 推动全市重大项目有序实施…已承办省级集中开工1次，举办全市特别重大项目集中开工2次、分行业重大项目
// 集中开工7次、产业功能区重大项目集中开工18次". The year's campaigns are played at a small
// scale: a provincial campaign, a city one on a Sunday, and an industrial
// zone one whose list names a project registered only after it was
// announced. The project codes, names, units and days are invented (the
// document gives counts, not lists); the rules are the documents'.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/campaign.h"
#include "workflows/testing/china_hour.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using testing::ChinaHour;

constexpr char kOffice[] = "supervision:市重大项目办";

std::string Code(int region, int n) { return absl::StrCat("2019-", region, "-70-01-", 100000 + n); }

class ChengduCampaignsScenario : public testing::LedgerFixture {
 protected:
  ChengduCampaignsScenario() : LedgerFixture(ChinaHour(2019, 3, 1, 9)) {}

  void Register(const std::string& code, const std::string& unit) {
    v1::ProjectCommand c;
    v1::ProjectInfo* info = c.mutable_register_()->mutable_info();
    info->set_code(code);
    info->set_name(absl::StrCat("重大项目", code.substr(code.size() - 3)));
    info->set_level(v1::PROJECT_LEVEL_MUNICIPAL);
    info->set_owner("成都产业投资集团");
    info->set_total_investment_yuan(5000000000);
    info->set_plan_year(2019);
    info->set_responsible_leader("王副市长");
    info->set_lead_unit(unit);
    info->set_supervision_office("市重大项目办");
    info->set_initial_stage(v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION);
    auto out = ledger_->ExecuteProject(code, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  void Start(const std::string& code, const std::string& unit) {
    v1::ProjectCommand c;
    c.mutable_advance_stage()->set_to(v1::PROJECT_STAGE_NEW_START);
    auto out = ledger_->ExecuteProject(code, c, Meta(absl::StrCat("department:", unit)));
    ASSERT_TRUE(out.ok()) << code << ": " << out.status();
  }
  void Declare(const std::string& id, const std::string& name, v1::CampaignKind kind,
               const std::string& day, const std::vector<std::string>& codes) {
    v1::CampaignCommand c;
    c.mutable_declare()->set_campaign_id(id);
    c.mutable_declare()->set_name(name);
    c.mutable_declare()->set_kind(kind);
    c.mutable_declare()->set_day(day);
    for (const auto& code : codes) c.mutable_declare()->add_project_codes(code);
    auto out = ledger_->Execute<Campaign>(id, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
    Settle();
  }
  void To(absl::Time t) {
    clock_.AdvanceTo(t);
    Settle();
  }
  v1::CampaignView Record(const std::string& id) {
    Settle();
    auto s = ledger_->workflow<Campaign>().Get(id);
    EXPECT_TRUE(s.has_value()) << id;
    return ledger_->CampaignRecordOf(s.value_or(v1::CampaignState()), clock_.Now());
  }
  int Notices(const std::string& code, const std::string& campaign) {
    Settle();
    auto s = ledger_->GetProject(code);
    int n = 0;
    for (const auto& r : s->rungs()) {
      n += r.raised().subject() == absl::StrCat("campaign/", campaign) &&
           r.raised().rung_name() == "督办通知单";
    }
    return n;
  }
};

TEST_F(ChengduCampaignsScenario, TheYearsCampaignsTheirRatesAndLateStarters) {
  constexpr char kLqy[] = "龙泉驿区发改局";
  constexpr char kPidu[] = "郫都区发改局";
  // Six projects in 龙泉驿 (510112), four in 郫都 (510117).
  std::vector<std::string> lqy, pidu;
  for (int i = 1; i <= 6; ++i) lqy.push_back(Code(510112, i));
  for (int i = 1; i <= 4; ++i) pidu.push_back(Code(510117, i));
  for (const auto& c : lqy) Register(c, kLqy);
  for (const auto& c : pidu) Register(c, kPidu);

  // 省级集中开工, Tuesday 26 March: four projects; three start on the day.
  Declare("sc-2019-1", "2019年第一季度全省重大项目集中开工（成都分会场）",
          v1::CAMPAIGN_KIND_PROVINCIAL, "2019-03-26", {lqy[0], lqy[1], lqy[2], pidu[0]});
  To(ChinaHour(2019, 3, 26, 10));
  for (const auto& c : {lqy[0], lqy[1], pidu[0]}) Start(c, c == pidu[0] ? kPidu : kLqy);
  To(ChinaHour(2019, 3, 27, 9));
  EXPECT_EQ(Notices(lqy[2], "sc-2019-1"), 1);
  EXPECT_EQ(Record("sc-2019-1").start_rate_on_day_bp(), 7500);

  // 全市特别重大项目集中开工 on Sunday 28 April (made a working day for May
  // Day in 2019; the campaign day is the named day either way). lqy[2],
  // still not started, is listed again.
  Declare("cd-2019-city-1", "全市特别重大项目集中开工", v1::CAMPAIGN_KIND_CITY, "2019-04-28",
          {lqy[2], lqy[3], pidu[1]});
  To(ChinaHour(2019, 4, 28, 9));
  Start(lqy[2], kLqy);  // late for the province, on time for the city
  Start(lqy[3], kLqy);
  To(ChinaHour(2019, 4, 29, 9));
  EXPECT_EQ(Notices(pidu[1], "cd-2019-city-1"), 1);
  EXPECT_EQ(Notices(lqy[2], "cd-2019-city-1"), 0);
  const v1::CampaignView province = Record("sc-2019-1");
  EXPECT_EQ(province.started_on_time(), 3);
  EXPECT_EQ(province.started_late(), 1);
  EXPECT_EQ(province.start_rate_now_bp(), 10000);

  // 产业功能区重大项目集中开工, Sunday 18 August, announced in July with a
  // project not registered yet: it joins when registered and starts on time.
  const std::string later = Code(510117, 9);
  To(ChinaHour(2019, 7, 15, 9));
  Declare("cd-2019-zone-1", "郫都区电子信息产业功能区重大项目集中开工",
          v1::CAMPAIGN_KIND_INDUSTRIAL_ZONE, "2019-08-18", {pidu[2], pidu[3], later, lqy[4]});
  To(ChinaHour(2019, 8, 1, 9));
  Register(later, kPidu);
  Settle();
  EXPECT_EQ(ledger_->GetProject(later)->campaigns_size(), 1);
  To(ChinaHour(2019, 8, 18, 9));
  for (const auto& c : {pidu[2], pidu[3], later}) Start(c, kPidu);
  To(ChinaHour(2019, 9, 2, 9));
  const v1::CampaignView zone = Record("cd-2019-zone-1");
  EXPECT_EQ(zone.started_on_time(), 3);
  EXPECT_EQ(zone.not_started(), 1);
  EXPECT_EQ(zone.projects(3).lead_unit(), kLqy);
  EXPECT_EQ(zone.projects(3).status(), v1::CAMPAIGN_START_STATUS_NOT_STARTED);

  // The August bulletin: the zone campaign of the month, and the city one
  // carried (pidu[1] not started); the year's tally as the document gives it.
  auto august = ledger_->BulletinFor("2019-08");
  ASSERT_TRUE(august.ok()) << august.status();
  ASSERT_EQ(august->campaigns_size(), 2);
  EXPECT_EQ(august->campaigns(0).campaign_id(), "cd-2019-city-1");
  EXPECT_EQ(august->campaigns(0).not_started(), 1);
  EXPECT_EQ(august->campaigns(1).campaign_id(), "cd-2019-zone-1");
  EXPECT_EQ(august->campaigns(1).start_rate_on_day_bp(), 7500);
  ASSERT_EQ(august->campaigns(1).late_starters_size(), 1);
  EXPECT_EQ(august->campaigns(1).late_starters(0).project_code(), lqy[4]);
  const v1::BulletinCampaignYear& y = august->campaign_year();
  EXPECT_EQ(y.campaigns(), 3);
  ASSERT_EQ(y.by_kind_size(), 3);
  EXPECT_EQ(y.by_kind(0).kind(), v1::CAMPAIGN_KIND_PROVINCIAL);
  EXPECT_EQ(y.projects(), 11);  // lqy[2] counted in both campaigns it was listed in
  EXPECT_EQ(y.started(), 9);    // all but pidu[1] (city) and lqy[4] (zone)
}

}  // namespace
}  // namespace taizhang::workflows
