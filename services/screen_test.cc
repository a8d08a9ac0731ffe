#include "services/screen.h"

#include "absl/strings/str_cat.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::services {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOffice[] = "supervision:督查室";
constexpr char kCode[] = "2026-530115-72-01-000001";

absl::Time At(int y, int m, int d, int h = 10) {
  return absl::FromCivil(absl::CivilHour(y, m, d, h), engine::ChinaTime());
}

Caller As(const std::string& actor) {
  auto p = workflows::ParseActor(actor);
  return Caller{*p, actor};
}

class ScreenTest : public workflows::testing::LedgerFixture {
 protected:
  ScreenTest() : LedgerFixture(At(2026, 3, 2)) {}

  void Task(const std::string& id, const std::string& unit, const std::string& due,
            const std::string& leader = "张副区长") {
    v1::TaskCommand c;
    v1::CreateTask* t = c.mutable_create();
    t->set_task_id(id);
    t->set_project_code(kCode);
    t->set_title(absl::StrCat("任务", id));
    t->add_responsible_units(unit);
    t->set_responsible_leader(leader);
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
    t->mutable_deadline()->mutable_rule()->set_fixed_date(due);
    auto out = ledger_->ExecuteTask(id, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  v1::ScreenSnapshot Snapshot(const std::string& actor = kOffice) {
    Settle();
    return BuildScreenSnapshot(*ledger_, As(actor), clock_.Now());
  }
};

std::vector<std::string> Units(const v1::ScreenSnapshot& s) {
  std::vector<std::string> out;
  for (const auto& r : s.ranking()) out.push_back(r.unit());
  return out;
}

TEST_F(ScreenTest, TheRankingFollowsItsRule) {
  // A: 2 of 2 on time. F: 1 of 1 on time. B: 1 of 1 on time but 1 overdue
  // now. C: 0 of 1 on time. D: nothing finished, nothing overdue. E: nothing
  // finished, 1 overdue.
  for (const auto& [id, unit, due] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"a1", "A", "2026-03-20"},
                                                                      {"a2", "A", "2026-03-20"},
                                                                      {"f1", "F", "2026-03-20"},
                                                                      {"b1", "B", "2026-03-20"},
                                                                      {"b2", "B", "2026-03-04"},
                                                                      {"c1", "C", "2026-03-04"},
                                                                      {"d1", "D", "2026-04-30"},
                                                                      {"e1", "E", "2026-03-04"}}) {
    Task(id, unit, due);
  }
  CompleteTask("a1", "A");
  CompleteTask("a2", "A");
  CompleteTask("f1", "F");
  CompleteTask("b1", "B");
  clock_.AdvanceTo(At(2026, 3, 9));
  Settle();
  CompleteTask("c1", "C");  // late
  const v1::ScreenSnapshot s = Snapshot();
  EXPECT_THAT(Units(s), ElementsAre("A", "F", "B", "C", "D", "E"));
  ASSERT_EQ(s.ranking_size(), 6);
  EXPECT_EQ(s.ranking(0).rank(), 1);
  EXPECT_EQ(s.ranking(0).on_time_label(), "100.00%");
  EXPECT_EQ(s.ranking(2).overdue(), 1);
  EXPECT_EQ(s.ranking(3).on_time_label(), "0.00%");
  EXPECT_FALSE(s.ranking(4).has_on_time_bp());
  EXPECT_EQ(s.ranking(4).on_time_label(), "—");
  // Counts over open items: b2 and e1 red, d1 green.
  EXPECT_EQ(s.lights(2).kind(), "task");
  EXPECT_EQ(s.lights(2).red(), 2);
  EXPECT_EQ(s.lights(2).green(), 1);
  EXPECT_EQ(s.lights_total().total(), 3);
  // Most overdue first; both five days past 4 March, then by kind and title.
  ASSERT_EQ(s.overdue_total(), 2);
  EXPECT_EQ(s.overdue(0).title(), "任务b2");
  EXPECT_EQ(s.overdue(0).overdue_label(), "逾期5天");
  EXPECT_EQ(s.overdue(1).title(), "任务e1");
}

TEST_F(ScreenTest, AProblemIsShownOnlyAsAProblem) {
  v1::ProblemCommand raise;
  raise.mutable_raise()->set_problem_id("pb");
  raise.mutable_raise()->set_project_code(kCode);
  raise.mutable_raise()->set_title("某企业拖欠工程款");
  raise.mutable_raise()->set_description("涉及个人：赵某");
  raise.mutable_raise()->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_INSPECTION);
  ASSERT_TRUE(ledger_->ExecuteProblem("pb", raise, Meta(kOffice)).ok());
  v1::ProblemCommand assign;
  assign.mutable_assign()->set_unit("区住建局");
  assign.mutable_assign()->set_measures("限期解决");
  assign.mutable_assign()->mutable_limit()->set_kind(v1::DeadlineRule::FIXED_DATE);
  assign.mutable_assign()->mutable_limit()->set_fixed_date("2026-03-04");
  ASSERT_TRUE(ledger_->ExecuteProblem("pb", assign, Meta(kOffice)).ok());
  clock_.AdvanceTo(At(2026, 3, 6));
  const v1::ScreenSnapshot s = Snapshot();
  ASSERT_EQ(s.overdue_size(), 1);
  EXPECT_EQ(s.overdue(0).kind_label(), "问题");
  EXPECT_EQ(s.overdue(0).title(), "问题");
  EXPECT_EQ(s.overdue(0).unit(), "区住建局");
  EXPECT_EQ(s.lights(3).red(), 1);
  const std::string json = ScreenJson(s);
  EXPECT_THAT(json, Not(HasSubstr("拖欠")));
  EXPECT_THAT(json, Not(HasSubstr("赵某")));
  EXPECT_THAT(json, Not(HasSubstr("限期解决")));
  EXPECT_THAT(json, HasSubstr("\"overdueTotal\":1"));
}

TEST_F(ScreenTest, ACampaignsLateStarterIsShownWithItsCampaign) {
  v1::ProjectCommand reg;
  v1::ProjectInfo* info = reg.mutable_register_()->mutable_info();
  info->set_code(kCode);
  info->set_name("智能制造产业园");
  info->set_level(v1::PROJECT_LEVEL_DISTRICT);
  info->set_owner("高新投资公司");
  info->set_total_investment_yuan(800000000);
  info->set_plan_year(2026);
  info->set_responsible_leader("张副区长");
  info->set_lead_unit("区发改局");
  info->set_initial_stage(v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION);
  ASSERT_TRUE(ledger_->ExecuteProject(kCode, reg, Meta(kOffice)).ok());
  v1::CampaignCommand declare;
  declare.mutable_declare()->set_campaign_id("c1");
  declare.mutable_declare()->set_name("三月集中开工");
  declare.mutable_declare()->set_kind(v1::CAMPAIGN_KIND_DISTRICT);
  declare.mutable_declare()->set_day("2026-03-07");  // a Saturday
  declare.mutable_declare()->add_project_codes(kCode);
  ASSERT_TRUE(ledger_->Execute<workflows::Campaign>("c1", declare, Meta(kOffice)).ok());
  Settle();
  clock_.AdvanceTo(At(2026, 3, 7, 23));
  EXPECT_EQ(Snapshot().overdue_size(), 0);  // the day is not over
  clock_.AdvanceTo(At(2026, 3, 9));
  const v1::ScreenSnapshot s = Snapshot();
  ASSERT_EQ(s.overdue_size(), 1);
  EXPECT_EQ(s.overdue(0).kind_label(), "集中开工未开工");
  EXPECT_EQ(s.overdue(0).title(), "智能制造产业园（三月集中开工）");
  EXPECT_EQ(s.overdue(0).due_date(), "2026-03-07");
  EXPECT_EQ(s.overdue(0).days_overdue(), 2);
}

TEST_F(ScreenTest, ALeaderSeesWhatItReads) {
  Task("mine", "A", "2026-03-20", "张副区长");
  Task("theirs", "B", "2026-03-20", "王副区长");
  EXPECT_EQ(Snapshot("leader:张副区长").lights(2).total(), 1);
  EXPECT_EQ(Snapshot("screen:大屏").lights(2).total(), 2);
  EXPECT_EQ(Snapshot().lights(2).total(), 2);
}

TEST_F(ScreenTest, TheFeedFollowsTheLedger) {
  ScreenFeeds feeds(*log_, *ledger_, clock_);
  auto feed = feeds.For(As("screen:大屏"));
  auto [first, json] = feed->Latest();
  EXPECT_EQ(first, 1u);
  EXPECT_THAT(*json, HasSubstr("\"total\":0"));
  // The same scope shares one feed.
  EXPECT_EQ(feeds.For(As("supervision:督查室")), feed);
  EXPECT_NE(feeds.For(As("leader:张副区长")), feed);
  Task("t", "A", "2026-03-20");
  for (int i = 0; i < 2000 && feed->Latest().first == first; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_NE(feed->Latest().first, first);
  EXPECT_THAT(*feed->Latest().second,
              HasSubstr(R"("kind":"task","kindLabel":"任务","red":0,"yellow":0,"green":1)"));
}

}  // namespace
}  // namespace taizhang::services
