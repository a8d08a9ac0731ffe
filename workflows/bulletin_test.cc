#include "workflows/bulletin.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/testing/files.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/principal.h"
#include "workflows/testing/shipped_project.h"

namespace taizhang::workflows {
namespace {

using ::testing::ElementsAre;

constexpr char kSupervision[] = "supervision:督查室";

absl::Time At(int y, int m, int d, int hh = 0) {
  return absl::FromCivil(absl::CivilHour(y, m, d, hh), engine::ChinaTime());
}

std::string Code(int n) { return absl::StrFormat("2019-510115-47-01-%06d", n); }

// A project state built by hand, for the builder's arithmetic.
v1::ProjectState State(int n, const std::string& unit, int64_t plan, int64_t cumulative) {
  v1::ProjectState s;
  s.mutable_info()->set_code(Code(n));
  s.mutable_info()->set_name(absl::StrCat("项目", n));
  s.mutable_info()->set_lead_unit(unit);
  s.mutable_info()->set_level(v1::PROJECT_LEVEL_MUNICIPAL);
  s.mutable_info()->set_total_investment_yuan(10 * (plan + 1));
  s.set_registered_on("2019-01-02");
  s.set_stage(v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
  auto* stage = s.add_stages();
  stage->set_stage(v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
  stage->set_on("2019-01-02");
  s.set_started_on("2018-06-01");
  auto* p = s.add_plans();
  p->set_year(2019);
  p->set_amount_yuan(plan);
  auto* r = s.add_reports();
  r->set_month("2019-06");
  r->set_cumulative_yuan(cumulative);
  return s;
}

TEST(BulletinFormatTest, FormatsBasisPoints) {
  EXPECT_EQ(FormatBp(6981), "69.81%");
  EXPECT_EQ(FormatBp(14010), "140.10%");
  EXPECT_EQ(FormatBp(5), "0.05%");
  EXPECT_EQ(FormatBp(-1078), "-10.78%");
}

TEST(BulletinBuilderTest, RanksUnitsByRateThenAmountThenName) {
  BulletinBuilder builder(BulletinOptions{absl::CivilMonth(2019, 6), std::nullopt});
  builder.AddProject(State(1, "C局", 100, 50));   // 50%
  builder.AddProject(State(2, "A局", 100, 50));   // 50%, same amount: by name
  builder.AddProject(State(3, "B局", 200, 100));  // 50%, more yuan: first of the three
  builder.AddProject(State(4, "D局", 0, 70));     // no plan: last
  builder.AddProject(State(5, "E局", 3, 2));      // 66.67%: first
  builder.AddProject(State(6, "E局", 0, 0));
  v1::Bulletin b = builder.Build();
  std::vector<std::string> units;
  for (const auto& r : b.unit_ranking()) units.push_back(r.unit());
  EXPECT_THAT(units, ElementsAre("E局", "B局", "A局", "C局", "D局"));
  EXPECT_EQ(b.unit_ranking(0).rank(), 1);
  EXPECT_EQ(b.unit_ranking(0).project_count(), 2);
  EXPECT_EQ(b.unit_ranking(0).investment().completion_bp(), 6667);
  EXPECT_EQ(b.unit_ranking(4).rank(), 5);
  EXPECT_FALSE(b.unit_ranking(4).investment().has_completion_bp());
  EXPECT_EQ(b.investment().annual_plan_yuan(), 403);
  EXPECT_EQ(b.investment().completed_yuan(), 272);
  EXPECT_EQ(b.investment().time_progress_bp(), 5000);
  EXPECT_EQ(b.investment().light(), v1::LIGHT_UNSPECIFIED);  // no rule given
}

TEST(BulletinBuilderTest, OrderOfAddingDoesNotMatter) {
  std::vector<v1::ProjectState> states;
  for (int i = 0; i < 7; ++i)
    states.push_back(State(i, absl::StrCat("局", i % 3), 100 + i, 40 + i));
  BulletinBuilder forward(BulletinOptions{absl::CivilMonth(2019, 6), std::nullopt});
  BulletinBuilder backward(BulletinOptions{absl::CivilMonth(2019, 6), std::nullopt});
  for (size_t i = 0; i < states.size(); ++i) {
    forward.AddProject(states[i]);
    backward.AddProject(states[states.size() - 1 - i]);
  }
  EXPECT_EQ(forward.Build().SerializeAsString(), backward.Build().SerializeAsString());
}

TEST(BulletinBuilderTest, RatesWithoutADenominatorAreAbsent) {
  BulletinBuilder builder(BulletinOptions{absl::CivilMonth(2019, 6), std::nullopt});
  v1::Bulletin empty = builder.Build();
  EXPECT_EQ(empty.project_count(), 0);
  EXPECT_FALSE(empty.starts().has_rate_bp());
  EXPECT_FALSE(empty.starts().has_annual_rate_bp());
  EXPECT_FALSE(empty.investment().has_completion_bp());
  EXPECT_EQ(empty.stages_size(), 8);
  builder.AddProject(v1::ProjectState());  // not registered: ignored
  EXPECT_EQ(builder.Build().project_count(), 0);
}

// The rest runs commands through the project aggregate into a real log.
class BulletinTest : public ::testing::Test {
 protected:
  using Store = engine::AggregateStore<Project>;

  void SetUp() override {
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    auto project = testing::LoadShippedProject();
    ASSERT_TRUE(project.ok()) << project.status();
    project_ = std::move(*project);
    store_ = std::make_unique<Store>(*log_, clock_, *project_);
    auto policy = LoadProjectPolicy(testing::InvestmentPolicyFile());
    ASSERT_TRUE(policy.ok());
    rule_ = policy->investment();
  }
  void TearDown() override {
    store_.reset();
    log_.reset();
  }

  void Do(const std::string& code, const v1::ProjectCommand& c, const std::string& actor,
          std::optional<absl::Time> occurred = std::nullopt) {
    engine::CommandMeta meta;
    meta.request_id = absl::StrCat("r", ++next_request_);
    meta.actor = actor;
    meta.occurred_at = occurred;
    auto out = store_->Execute(ProjectStream(code), c, meta);
    ASSERT_TRUE(out.ok()) << code << ": " << out.status();
  }

  void RegisterProject(int n, const std::string& unit, v1::ProjectStage stage,
                       const std::string& planned_start, const std::string& planned_finish,
                       int64_t plan) {
    v1::ProjectCommand c;
    v1::ProjectInfo* info = c.mutable_register_()->mutable_info();
    info->set_code(Code(n));
    info->set_name(absl::StrCat("项目", n));
    info->set_level(n % 2 == 0 ? v1::PROJECT_LEVEL_PROVINCIAL : v1::PROJECT_LEVEL_MUNICIPAL);
    info->set_owner("业主");
    info->set_total_investment_yuan(10'000'000'000);
    info->set_plan_year(2019);
    info->set_annual_plan_yuan(plan);
    info->set_responsible_leader("领导");
    info->set_lead_unit(unit);
    info->set_planned_start_on(planned_start);
    info->set_planned_finish_on(planned_finish);
    info->set_initial_stage(stage);
    if (stage >= v1::PROJECT_STAGE_NEW_START) info->set_started_on("2018-05-01");
    Do(Code(n), c, kSupervision);
  }

  void Advance(int n, v1::ProjectStage to, const std::string& unit, absl::Time occurred) {
    v1::ProjectCommand c;
    c.mutable_advance_stage()->set_to(to);
    Do(Code(n), c, absl::StrCat("department:", unit), occurred);
  }

  void Report(int n, const std::string& unit, const std::string& month, int64_t cumulative) {
    v1::ProjectCommand c;
    c.mutable_report_investment()->set_month(month);
    c.mutable_report_investment()->set_cumulative_yuan(cumulative);
    Do(Code(n), c, absl::StrCat("department:", unit));
  }

  ManualClock clock_{At(2019, 1, 2, 9)};
  ::taizhang::testing::TempDir tmp_;  // removed after the log closes
  const std::string dir_ = tmp_ / "log";
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<Project> project_;
  std::unique_ptr<Store> store_;
  v1::InvestmentLightRule rule_;
  int next_request_ = 0;
};

TEST_F(BulletinTest, FiguresAsOfTheMonthEndFromTheLog) {
  // 1: planned to start in March, started 20 August but keyed in on 5
  //    September; 2: planned to start in May, never started; 3: planned to
  //    start in November; 4: under construction, planned to finish in July,
  //    completed 10 July; 5: under construction, due to finish 31 August.
  RegisterProject(1, "发改局", v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION, "2019-03-15", "", 300);
  RegisterProject(2, "发改局", v1::PROJECT_STAGE_RESERVE_DESIGN, "2019-05-01", "", 300);
  RegisterProject(3, "住建局", v1::PROJECT_STAGE_RESERVE_AGREEMENT, "2019-11-01", "", 0);
  RegisterProject(4, "住建局", v1::PROJECT_STAGE_UNDER_CONSTRUCTION, "", "2019-07-31", 600);
  RegisterProject(5, "交通局", v1::PROJECT_STAGE_UNDER_CONSTRUCTION, "", "2019-08-31", 1200);
  clock_.AdvanceTo(At(2019, 9, 2, 9));
  Advance(4, v1::PROJECT_STAGE_COMPLETED, "住建局", At(2019, 7, 10));
  Report(4, "住建局", "2019-07", 600);
  Report(5, "交通局", "2019-08", 400);
  Report(1, "发改局", "2019-08", 20);
  // The month closes of August, for the lights.
  clock_.AdvanceTo(At(2019, 9, 3));
  for (int n = 1; n <= 5; ++n) {
    v1::ProjectCommand tick;
    tick.mutable_tick();
    Do(Code(n), tick, kSystemActor);
  }
  const uint64_t before_late_entry = log_->HeadPosition();
  clock_.AdvanceTo(At(2019, 9, 5, 9));
  Advance(1, v1::PROJECT_STAGE_NEW_START, "发改局", At(2019, 8, 20));

  BulletinOptions options{absl::CivilMonth(2019, 8), rule_};
  auto as_was = BuildBulletinFromLog(*store_, options, before_late_entry);
  ASSERT_TRUE(as_was.ok()) << as_was.status();
  EXPECT_EQ(as_was->through_position(), before_late_entry);
  EXPECT_EQ(as_was->starts().done_of_planned_to_date(), 0);

  auto b = BuildBulletinFromLog(*store_, options);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->through_position(), log_->HeadPosition());
  EXPECT_EQ(b->project_count(), 5);
  EXPECT_EQ(b->total_investment_yuan(), 50'000'000'000);
  std::vector<int> counts;
  for (const auto& s : b->stages()) counts.push_back(s.count());
  // agreement, feasibility, land, design, site prep, new start, building, completed
  EXPECT_THAT(counts, ElementsAre(1, 0, 0, 1, 0, 1, 1, 1));
  // Starts: 1 and 2 planned by August (1 started: the late entry counts in
  // August, when it happened); 3 planned later in the year.
  EXPECT_EQ(b->starts().planned_to_date(), 2);
  EXPECT_EQ(b->starts().done_of_planned_to_date(), 1);
  EXPECT_EQ(b->starts().rate_bp(), 5000);
  EXPECT_EQ(b->starts().planned_in_year(), 3);
  EXPECT_EQ(b->starts().annual_rate_bp(), 3333);
  EXPECT_EQ(b->starts().done_in_year(), 1);
  EXPECT_EQ(b->completions().planned_to_date(), 2);
  EXPECT_EQ(b->completions().done_of_planned_to_date(), 1);
  EXPECT_EQ(b->completions().rate_bp(), 5000);
  // Investment: plans 300 + 300 + 600 + 1200 = 2400; 20 + 600 + 400 = 1020.
  EXPECT_EQ(b->investment().annual_plan_yuan(), 2400);
  EXPECT_EQ(b->investment().completed_yuan(), 1020);
  EXPECT_EQ(b->investment().completion_bp(), 4250);
  EXPECT_EQ(b->investment().time_progress_bp(), 6667);
  EXPECT_EQ(b->investment().gap_bp(), 2417);
  EXPECT_EQ(b->investment().light(), v1::LIGHT_YELLOW);
  EXPECT_EQ(b->investment().projects_reported(), 2);
  // Levels: even codes provincial.
  ASSERT_EQ(b->by_level_size(), 2);
  EXPECT_EQ(b->by_level(0).level(), v1::PROJECT_LEVEL_PROVINCIAL);
  EXPECT_EQ(b->by_level(0).project_count(), 2);
  EXPECT_EQ(b->by_level(0).investment().completed_yuan(), 600);
  // Ranking: 住建局 100%, 交通局 33%, 发改局 3.3%.
  ASSERT_EQ(b->unit_ranking_size(), 3);
  EXPECT_EQ(b->unit_ranking(0).unit(), "住建局");
  EXPECT_EQ(b->unit_ranking(2).unit(), "发改局");
  // Listed. The month closes ran on 3 September, before the late entry, with
  // the reports then in: 1 (started late, 20 of 300 by August), 2 (never
  // started, nothing reported) and 5 (nothing reported until August, and
  // not finished by 31 August) closed red from April, three reds in a row by
  // June: 挂牌督办. 4 was listed too but is completed.
  std::vector<std::string> listed;
  for (const auto& l : b->listed()) listed.push_back(l.code());
  EXPECT_THAT(listed, ElementsAre(Code(1), Code(2), Code(5)));
  EXPECT_THAT(b->listed(0).reasons(), ElementsAre(v1::BULLETIN_LIST_REASON_RED_LIGHT,
                                                  v1::BULLETIN_LIST_REASON_LISTED_SUPERVISION));
  EXPECT_THAT(b->listed(1).reasons(), ElementsAre(v1::BULLETIN_LIST_REASON_NOT_STARTED_AS_PLANNED,
                                                  v1::BULLETIN_LIST_REASON_RED_LIGHT,
                                                  v1::BULLETIN_LIST_REASON_LISTED_SUPERVISION));
  EXPECT_THAT(b->listed(2).reasons(), ElementsAre(v1::BULLETIN_LIST_REASON_NOT_COMPLETED_AS_PLANNED,
                                                  v1::BULLETIN_LIST_REASON_RED_LIGHT,
                                                  v1::BULLETIN_LIST_REASON_LISTED_SUPERVISION));
  EXPECT_EQ(b->listed(2).light(), v1::LIGHT_RED);

  // The builder over the loaded states gives the same figures.
  BulletinBuilder builder(options);
  for (int n = 1; n <= 5; ++n) {
    auto loaded = store_->Load(ProjectStream(Code(n)));
    ASSERT_TRUE(loaded.ok());
    builder.AddProject(loaded->state);
  }
  builder.set_through_position(log_->HeadPosition());
  EXPECT_EQ(builder.Build().SerializeAsString(), b->SerializeAsString());

  // July: project 4 completed in it; project 1 not yet started.
  auto july = BuildBulletinFromLog(*store_, BulletinOptions{absl::CivilMonth(2019, 7), rule_});
  ASSERT_TRUE(july.ok());
  EXPECT_EQ(july->completions().done_in_year(), 1);
  EXPECT_EQ(july->stages(5).count(), 0);
  // 2018: nobody had been registered.
  auto before = BuildBulletinFromLog(*store_, BulletinOptions{absl::CivilMonth(2018, 12), rule_});
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->project_count(), 0);
}

}  // namespace
}  // namespace taizhang::workflows
