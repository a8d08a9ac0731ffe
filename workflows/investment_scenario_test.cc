// Scenarios from the source documents (the Yangshan, Hualong and Chengdu reports): projects are
// registered, started, completed and report their investment through the
// project aggregate into a real log; the figures the documents give come out
// of the bulletin computed from that log.
//
// The documents give totals only, so each project's share is a synthetic
// split that sums to the document's totals (the split is arithmetic below,
// not typed-in answers); the rates and percentages are computed by the
// bulletin and compared with the documents.
#include <cstdlib>
#include <map>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/testing/files.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/bulletin.h"
#include "workflows/principal.h"
#include "workflows/project.h"
#include "workflows/testing/chengdu_2019.h"
#include "workflows/testing/shipped_project.h"

namespace taizhang::workflows {
namespace {

using testing::ChinaHour;
using testing::kYi;
using testing::Register;
using testing::Report;
using testing::Split;
using testing::Tick;

// Splits `total` in proportion to `weights` (floor, remainder to the first
// ones), so that each part / weight is as close to total / sum as integers allow.
std::vector<int64_t> SplitLike(int64_t total, const std::vector<int64_t>& weights) {
  absl::int128 sum = 0;
  for (int64_t w : weights) sum += w;
  std::vector<int64_t> parts;
  int64_t given = 0;
  for (int64_t w : weights) {
    parts.push_back(static_cast<int64_t>(absl::int128(total) * w / sum));
    given += parts.back();
  }
  for (size_t i = 0; given < total; ++i, ++given) ++parts[i];
  return parts;
}

int64_t Sum(const std::vector<int64_t>& v) {
  int64_t s = 0;
  for (int64_t x : v) s += x;
  return s;
}

class InvestmentScenarioTest : public ::testing::Test {
 protected:
  using Store = engine::AggregateStore<Project>;

  using Command = testing::ScenarioCommand;

  void TearDown() override {
    stores_.clear();
    logs_.clear();
  }

  // A log and a project aggregate under `policy` (a file name in
  // workflows/policies/investment).
  Store& Open(const std::string& policy, absl::Time start) {
    clock_.AdvanceTo(start);
    auto log = store::OpenEventLog(dir_ / absl::StrCat(logs_.size()), clock_);
    EXPECT_TRUE(log.ok()) << log.status();
    logs_.push_back(std::move(*log));
    auto project = testing::LoadShippedProject(policy);
    EXPECT_TRUE(project.ok()) << project.status();
    projects_.push_back(std::move(*project));
    stores_.push_back(std::make_unique<Store>(*logs_.back(), clock_, *projects_.back()));
    return *stores_.back();
  }

  // Runs the commands and fails on the first refusal. Commands for one
  // project run in the order given; different projects run on a few threads
  // (testing::RunScenario).
  void Run(Store& store, const std::vector<Command>& commands) {
    absl::Status s = testing::RunScenario(store, commands, absl::StrCat("req-", ++runs_));
    ASSERT_TRUE(s.ok()) << s;
  }

  // Yangshan 2014 under `policy`: 78 projects registered in April, their
  // January–April figures reported, April closed on 1 May. Returns the
  // bulletin for April (with the policy's rule) and the projects' states.
  void Yangshan(const std::string& policy, v1::Bulletin* bulletin,
                std::vector<v1::ProjectState>* states);

  ::taizhang::testing::TempDir dir_;  // first: removed after the logs close
  ManualClock clock_{ChinaHour(2014, 1, 1)};
  std::vector<std::unique_ptr<store::EventLog>> logs_;
  std::vector<std::unique_ptr<Project>> projects_;
  std::vector<std::unique_ptr<Store>> stores_;
  int runs_ = 0;
};

// Yangshan 2014 (seeds/002), with the document's totals split over the 78
// projects; see the tests below.
void InvestmentScenarioTest::Yangshan(const std::string& policy, v1::Bulletin* bulletin,
                                      std::vector<v1::ProjectState>* states) {
  constexpr int kProjects = 78;
  const std::vector<std::string> units = {"发改局", "经信局", "国土资源局", "住建局",
                                          "交通局", "水务局", "招商局"};
  const std::vector<int64_t> plans = Split(2935 * kYi / 100, kProjects);  // 29.35 亿元
  const std::vector<int64_t> done = SplitLike(317 * kYi / 100, plans);    // 3.17 亿元
  ASSERT_EQ(Sum(plans), 2'935'000'000);
  ASSERT_EQ(Sum(done), 317'000'000);

  // The projects enter the ledger in April (the document has no earlier
  // figures), so April is the first month judged.
  Store& store = Open(policy, ChinaHour(2014, 4, 8, 9));
  std::vector<v1::ProjectInfo> infos;
  for (int i = 0; i < kProjects; ++i) {
    infos.push_back(testing::ProjectInfoOf(2014, "441823", i + 1, units[i % units.size()],
                                           3 * plans[i], plans[i]));
    infos.back().set_level(i < 30 ? v1::PROJECT_LEVEL_MUNICIPAL : v1::PROJECT_LEVEL_DISTRICT);
    infos.back().set_initial_stage(v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
    infos.back().set_started_on("2013-10-08");
  }
  std::vector<Command> commands;
  for (const auto& info : infos) commands.push_back(Register(info));
  ASSERT_NO_FATAL_FAILURE(Run(store, commands));
  clock_.AdvanceTo(ChinaHour(2014, 4, 28, 9));
  commands.clear();
  for (int i = 0; i < kProjects; ++i) commands.push_back(Report(infos[i], "2014-04", done[i]));
  ASSERT_NO_FATAL_FAILURE(Run(store, commands));
  clock_.AdvanceTo(ChinaHour(2014, 5, 1));
  commands.clear();
  for (const auto& info : infos) commands.push_back(Tick(info));
  ASSERT_NO_FATAL_FAILURE(Run(store, commands));

  auto policy_file = LoadProjectPolicy(testing::InvestmentPolicyFile(policy));
  ASSERT_TRUE(policy_file.ok());
  auto b = BuildBulletinFromLog(
      store, BulletinOptions{absl::CivilMonth(2014, 4), policy_file->investment()});
  ASSERT_TRUE(b.ok()) << b.status();
  *bulletin = *b;
  for (const auto& info : infos) {
    auto loaded = store.Load(ProjectStream(info.code()));
    ASSERT_TRUE(loaded.ok());
    states->push_back(loaded->state);
  }
}

// What every Yangshan bulletin shows, whatever the rule.
void ExpectYangshanFigures(const v1::Bulletin& b, const std::vector<v1::ProjectState>& states) {
  EXPECT_EQ(b.project_count(), 78);
  EXPECT_EQ(b.investment().annual_plan_yuan(), 2'935'000'000);
  EXPECT_EQ(b.investment().completed_yuan(), 317'000'000);
  EXPECT_EQ(FormatBp(b.investment().completion_bp()), "10.80%");
  EXPECT_EQ(FormatBp(b.investment().time_progress_bp()), "33.33%");
  EXPECT_EQ(b.investment().projects_reported(), 78);
  ASSERT_EQ(states.size(), 78u);
  int warnings = 0;
  for (const auto& s : states) {
    ASSERT_EQ(s.months_size(), 1) << s.info().code();  // April, closed on 1 May
    EXPECT_EQ(s.months(0).month(), "2014-04");
    EXPECT_EQ(s.months(0).investment().completion_bp(), 1080) << s.info().code();
    for (const auto& rung : s.rungs()) warnings += rung.raised().rung_id() == "yellow";
  }
  EXPECT_EQ(warnings, 78);  // the monthly ladder's first rung (黄灯预警), once each
}

int CountLight(const std::vector<v1::ProjectState>& states, v1::Light light) {
  int n = 0;
  for (const auto& s : states) n += s.light() == light;
  return n;
}

// Yangshan county, 2014 (seeds/002): "今年確定了78個重點項目,年度計劃投資29.35
// 億元,1-4月完成投資3.17億元,占年度投資計劃的10.8%,投資進度落後於時間進度".
// Under the 10–30 points rule the county is 22.53 points behind time progress
// (33.33%): YELLOW, and so is every project (each at 10.80%).
TEST_F(InvestmentScenarioTest, Yangshan2014TenToThirtyPointsRuleGivesYellow) {
  v1::Bulletin b;
  std::vector<v1::ProjectState> states;
  ASSERT_NO_FATAL_FAILURE(Yangshan("points-behind-10-30", &b, &states));
  ExpectYangshanFigures(b, states);
  EXPECT_EQ(FormatBp(b.investment().gap_bp()), "22.53%");  // percentage points behind
  EXPECT_EQ(b.investment().light(), v1::LIGHT_YELLOW);
  EXPECT_EQ(CountLight(states, v1::LIGHT_YELLOW), 78);
  EXPECT_EQ(b.listed_size(), 0);  // yellow is warned, not named
}

// The same facts under the other city's rule: 67.60% of time progress
// missed, more than half: RED, and every project is named in the bulletin.
TEST_F(InvestmentScenarioTest, Yangshan2014HalfOfTimeProgressRuleGivesRed) {
  v1::Bulletin b;
  std::vector<v1::ProjectState> states;
  ASSERT_NO_FATAL_FAILURE(Yangshan("half-of-time-progress", &b, &states));
  ExpectYangshanFigures(b, states);
  EXPECT_EQ(FormatBp(b.investment().gap_bp()), "67.60%");  // share of time progress missed
  EXPECT_EQ(b.investment().light(), v1::LIGHT_RED);
  EXPECT_EQ(CountLight(states, v1::LIGHT_RED), 78);
  EXPECT_EQ(b.listed_size(), 78);
}

// Hualong district, 2017 summary (seeds/003): "42个省市重点项目共累计完成投资
// 114亿元占年度计划的140.1%", "8个项目竣工投产", "22个项目开工建设",
// "项目开工率、复工率还是竣工率均达100%". The document gives the completion
// and the rate, not the plan: the plan used is 81.37 亿元 (114 ÷ 1.401,
// rounded to the 0.01 亿元 the documents write), and the rate is computed back.
TEST_F(InvestmentScenarioTest, Hualong2017BulletinFromEvents) {
  Store& store = Open("points-behind-10-30", ChinaHour(2017, 1, 5, 9));
  constexpr int kProjects = 42, kNewStarts = 22, kCompleted = 8;
  const std::vector<std::string> units = {"产业集聚区管委会", "城乡一体化示范区", "孟轲乡",
                                          "胡村乡",           "区发展改革委",     "区住建局"};
  const std::vector<int64_t> plans = Split(8137 * kYi / 100, kProjects);
  const std::vector<int64_t> done = Split(114 * kYi, kProjects);
  std::vector<v1::ProjectInfo> infos;
  std::vector<Command> registrations, progress;
  for (int i = 0; i < kProjects; ++i) {
    v1::ProjectInfo info = testing::ProjectInfoOf(2017, "410902", i + 1, units[i % units.size()],
                                                  5 * plans[i], plans[i]);
    info.set_level(i < 12 ? v1::PROJECT_LEVEL_PROVINCIAL : v1::PROJECT_LEVEL_MUNICIPAL);
    if (i < kNewStarts) {
      // New starts of the year, planned from March to October, all started.
      const absl::CivilDay planned(2017, 3 + i % 8, 10);
      info.set_planned_start_on(engine::FormatDate(planned));
      info.set_initial_stage(v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION);
      progress.push_back(
          testing::Advance(info, v1::PROJECT_STAGE_NEW_START, engine::StartOfDay(planned)));
    } else {
      info.set_initial_stage(v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
      info.set_started_on("2016-04-01");
      if (i < kNewStarts + kCompleted) {
        // Continuing projects due to finish in the year, all finished.
        const absl::CivilDay planned(2017, 5 + i % 6, 28);
        info.set_planned_finish_on(engine::FormatDate(planned));
        progress.push_back(
            testing::Advance(info, v1::PROJECT_STAGE_COMPLETED, engine::StartOfDay(planned)));
      } else {
        info.set_planned_finish_on("2018-12-31");
      }
    }
    registrations.push_back(Register(info));
    infos.push_back(info);
  }
  ASSERT_NO_FATAL_FAILURE(Run(store, registrations));
  clock_.AdvanceTo(ChinaHour(2017, 12, 28, 9));  // keyed in at the year's end
  for (int i = 0; i < kProjects; ++i) progress.push_back(Report(infos[i], "2017-12", done[i]));
  ASSERT_NO_FATAL_FAILURE(Run(store, progress));

  auto policy = LoadProjectPolicy(testing::InvestmentPolicyFile());
  ASSERT_TRUE(policy.ok());
  auto b = BuildBulletinFromLog(store,
                                BulletinOptions{absl::CivilMonth(2017, 12), policy->investment()});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->project_count(), 42);
  EXPECT_EQ(b->investment().completed_yuan(), 114 * kYi);
  EXPECT_EQ(FormatBp(b->investment().completion_bp()), "140.10%");
  EXPECT_EQ(b->investment().light(), v1::LIGHT_GREEN);  // ahead of time progress (100%)
  EXPECT_EQ(b->starts().done_in_year(), 22);
  EXPECT_EQ(FormatBp(b->starts().annual_rate_bp()), "100.00%");
  EXPECT_EQ(b->completions().done_in_year(), 8);
  EXPECT_EQ(FormatBp(b->completions().annual_rate_bp()), "100.00%");
  EXPECT_EQ(b->stages(v1::PROJECT_STAGE_COMPLETED - 1).count(), 8);
  EXPECT_EQ(b->listed_size(), 0);
  // "用数据横向比较各责任单位项目进展情况": every unit ranked, distinct positions.
  ASSERT_EQ(b->unit_ranking_size(), 6);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(b->unit_ranking(i).rank(), i + 1);
  for (int i = 1; i < 6; ++i) {
    EXPECT_GE(b->unit_ranking(i - 1).investment().completion_bp(),
              b->unit_ranking(i).investment().completion_bp());
  }
}

// Chengdu, 2019 (seeds/004): the document's figures (workflows/testing/
// chengdu_2019.h) from the bulletin computed from the log its commands wrote.
TEST_F(InvestmentScenarioTest, Chengdu2019BulletinFromEvents) {
  const testing::Chengdu2019 scenario = testing::Chengdu2019Commands();
  Store& store = Open("points-behind-10-30", scenario.registered_at);
  ASSERT_TRUE(testing::RunScenario(store, scenario.registrations, "register").ok());
  clock_.AdvanceTo(scenario.reported_at);
  ASSERT_TRUE(testing::RunScenario(store, scenario.progress, "progress").ok());

  auto policy = LoadProjectPolicy(testing::InvestmentPolicyFile());
  ASSERT_TRUE(policy.ok());
  auto b =
      BuildBulletinFromLog(store, BulletinOptions{absl::CivilMonth(2019, 8), policy->investment()});
  ASSERT_TRUE(b.ok()) << b.status();

  EXPECT_EQ(b->project_count(), 1105);
  EXPECT_EQ(b->total_investment_yuan(), 3583465 * kYi / 100);
  // Investment: 3568.05 of 4606.99 亿元 = 77.45%; provincial 1338.3 亿元.
  EXPECT_EQ(b->investment().annual_plan_yuan(), 460699 * kYi / 100);
  EXPECT_EQ(b->investment().completed_yuan(), 356805 * kYi / 100);
  EXPECT_EQ(FormatBp(b->investment().completion_bp()), "77.45%");
  EXPECT_EQ(b->investment().light(), v1::LIGHT_GREEN);  // 66.67% time progress: ahead
  ASSERT_EQ(b->by_level_size(), 2);
  const v1::BulletinLevelFigures& province = b->by_level(0);
  EXPECT_EQ(province.level(), v1::PROJECT_LEVEL_PROVINCIAL);
  EXPECT_EQ(province.project_count(), 144);
  EXPECT_EQ(province.investment().completed_yuan(), 13383 * kYi / 10);
  // New starts: 215 of 308 = 69.81%; provincial 27 of 33 = 81.82%.
  EXPECT_EQ(b->starts().planned_in_year(), 308);
  EXPECT_EQ(b->starts().done_of_planned_in_year(), 215);
  EXPECT_EQ(FormatBp(b->starts().annual_rate_bp()), "69.81%");
  EXPECT_EQ(province.starts().planned_in_year(), 33);
  EXPECT_EQ(province.starts().done_of_planned_in_year(), 27);
  EXPECT_EQ(FormatBp(province.starts().annual_rate_bp()), "81.82%");
  // Against the starts planned by August only (the split puts 60 of the 93
  // still in reserve before September): 215 of 275.
  EXPECT_EQ(b->starts().planned_to_date(), 275);
  EXPECT_EQ(FormatBp(b->starts().rate_bp()), "78.18%");
  // Stages: the 110 reserve projects by sub-stage, 47 completed; the rest
  // are the 215 new starts and 733 continuing projects under construction.
  std::vector<int> counts;
  for (const auto& s : b->stages()) counts.push_back(s.count());
  EXPECT_THAT(counts, ::testing::ElementsAre(71, 18, 11, 3, 7, 215, 733, 47));
  EXPECT_EQ(b->completions().done_in_year(), 47);
  // 应开工未开工: the 60 planned by August and not started are listed.
  int not_started = 0;
  for (const auto& l : b->listed()) {
    for (int reason : l.reasons()) {
      not_started += reason == v1::BULLETIN_LIST_REASON_NOT_STARTED_AS_PLANNED;
    }
  }
  EXPECT_EQ(not_started, 60);
  EXPECT_EQ(b->unit_ranking_size(), 12);
}

}  // namespace
}  // namespace taizhang::workflows
