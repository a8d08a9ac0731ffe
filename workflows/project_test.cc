#include "workflows/project.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/calendar.h"
#include "engine/ladder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/principal.h"
#include "workflows/testing/shipped_project.h"

namespace taizhang::workflows {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSupervision[] = "supervision:督查室";
constexpr char kLead[] = "department:发改局";
constexpr char kCode[] = "2025-530115-47-01-000001";

using ::taizhang::testing::SourceDir;

absl::Time At(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), engine::ChinaTime());
}

v1::ProjectInfo Info(const std::string& code = kCode) {
  v1::ProjectInfo info;
  info.set_code(code);
  info.set_name("昆阳片区综合开发");
  info.set_region_name("晋宁区");
  info.set_level(v1::PROJECT_LEVEL_MUNICIPAL);
  info.set_industry("城市建设");
  info.set_owner("昆明某置业有限公司");
  info.set_total_investment_yuan(100'000'000);
  info.set_plan_year(2025);
  info.set_annual_plan_yuan(12'000'000);
  info.set_responsible_leader("张副区长");
  info.set_lead_unit("发改局");
  info.set_lead_person("李四");
  info.set_lead_unit_head("王局长");
  info.mutable_service_contacts()->set_county_leader("张副区长");
  info.mutable_service_contacts()->set_town_member("昆阳街道 赵委员");
  info.mutable_service_contacts()->set_department_cadre("发改局 钱干部");
  return info;
}

// No annual plan: the month closes judge only the dates.
v1::ProjectInfo InfoWithoutPlan(const std::string& code = kCode) {
  v1::ProjectInfo info = Info(code);
  info.set_annual_plan_yuan(0);
  return info;
}

v1::ProjectCommand Register(const v1::ProjectInfo& info) {
  v1::ProjectCommand c;
  *c.mutable_register_()->mutable_info() = info;
  return c;
}
v1::ProjectCommand Advance(v1::ProjectStage to) {
  v1::ProjectCommand c;
  c.mutable_advance_stage()->set_to(to);
  return c;
}
v1::ProjectCommand Report(const std::string& month, int64_t cumulative) {
  v1::ProjectCommand c;
  c.mutable_report_investment()->set_month(month);
  c.mutable_report_investment()->set_cumulative_yuan(cumulative);
  return c;
}
v1::ProjectCommand Node(const std::string& id, const std::string& due) {
  v1::ProjectCommand c;
  c.mutable_plan_node()->set_node_id(id);
  c.mutable_plan_node()->set_name(absl::StrCat("节点 ", id));
  c.mutable_plan_node()->set_due_on(due);
  return c;
}
v1::ProjectCommand Tick() {
  v1::ProjectCommand c;
  c.mutable_tick();
  return c;
}
v1::ProjectCommand Answer(const std::string& slip) {
  v1::ProjectCommand c;
  c.mutable_answer_rung()->set_slip_number(slip);
  c.mutable_answer_rung()->set_text("已整改");
  return c;
}

class ProjectTest : public ::testing::Test {
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
  }
  void TearDown() override {
    store_.reset();
    log_.reset();
  }

  absl::StatusOr<Store::Outcome> Exec(const v1::ProjectCommand& c, const std::string& actor,
                                      std::optional<absl::Time> occurred = std::nullopt,
                                      const std::string& stream = ProjectStream(kCode)) {
    engine::CommandMeta meta;
    meta.request_id = absl::StrCat("r", ++next_request_);
    meta.actor = actor;
    meta.occurred_at = occurred;
    return store_->Execute(stream, c, meta);
  }

  // Sends a Tick at `t` and returns the event types emitted.
  std::vector<std::string> TickAt(absl::Time t) {
    clock_.AdvanceTo(t);
    auto out = Exec(Tick(), kSystemActor);
    EXPECT_TRUE(out.ok()) << out.status();
    std::vector<std::string> types;
    if (out.ok()) {
      for (const auto& e : out->events) types.push_back(project_->EventType(e));
      last_tick_ = out->events;
    }
    return types;
  }

  v1::ProjectState Load() {
    auto loaded = store_->Load(ProjectStream(kCode));
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? loaded->state : v1::ProjectState();
  }

  void RegisterDefault(absl::Time when, v1::ProjectInfo info = Info()) {
    clock_.AdvanceTo(when);
    auto out = Exec(Register(info), kSupervision);
    ASSERT_TRUE(out.ok()) << out.status();
  }

  ManualClock clock_{At(2025, 1, 2, 9)};
  ::taizhang::testing::TempDir tmp_;  // removed after the log closes
  const std::string dir_ = tmp_ / "log";
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<Project> project_;
  std::unique_ptr<Store> store_;
  int next_request_ = 0;
  std::vector<v1::ProjectEvent> last_tick_;
};

TEST(ProjectMonthTest, ParsesAndFormatsMonths) {
  auto m = ParseMonth("2019-08");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, absl::CivilMonth(2019, 8));
  EXPECT_EQ(FormatMonth(*m), "2019-08");
  EXPECT_EQ(MonthClose(*m), At(2019, 9, 1));
  for (const char* bad : {"2019-13", "2019-00", "2019-8", "201908", "2019/08"}) {
    EXPECT_FALSE(ParseMonth(bad).ok()) << bad;
  }
}

TEST(InvestmentJudgementTest, PointsAndShareOfTimeProgress) {
  v1::InvestmentLightRule points;
  points.set_measure(v1::INVESTMENT_GAP_MEASURE_POINTS);
  points.set_yellow_from_bp(1000);
  points.set_red_above_bp(3000);
  // Yangshan 2014: 3.17 of 29.35 亿元 by the end of April.
  auto j = JudgeInvestment(2'935'000'000, 317'000'000, 4, points);
  EXPECT_EQ(j.completion_bp(), 1080);
  EXPECT_EQ(j.time_progress_bp(), 3333);
  EXPECT_EQ(j.gap_bp(), 2253);
  EXPECT_EQ(j.light(), v1::LIGHT_YELLOW);

  v1::InvestmentLightRule share;
  share.set_measure(v1::INVESTMENT_GAP_MEASURE_SHARE_OF_TIME_PROGRESS);
  share.set_yellow_from_bp(1);
  share.set_red_above_bp(5000);
  j = JudgeInvestment(2'935'000'000, 317'000'000, 4, share);
  EXPECT_EQ(j.gap_bp(), 6760);
  EXPECT_EQ(j.light(), v1::LIGHT_RED);

  // Boundaries, exactly: plan 1200, month 6 (50%).
  EXPECT_EQ(JudgeInvestment(1200, 480, 6, points).light(), v1::LIGHT_YELLOW);  // 10 points
  EXPECT_EQ(JudgeInvestment(1200, 481, 6, points).light(), v1::LIGHT_GREEN);   // 9.92
  EXPECT_EQ(JudgeInvestment(1200, 240, 6, points).light(), v1::LIGHT_YELLOW);  // 30 points
  EXPECT_EQ(JudgeInvestment(1200, 239, 6, points).light(), v1::LIGHT_RED);     // 30.08
  EXPECT_EQ(JudgeInvestment(1200, 900, 6, points).light(), v1::LIGHT_GREEN);   // ahead
  EXPECT_EQ(JudgeInvestment(1200, 900, 6, points).gap_bp(), -2500);
  EXPECT_EQ(JudgeInvestment(1200, 600, 6, share).light(), v1::LIGHT_GREEN);   // on time
  EXPECT_EQ(JudgeInvestment(1200, 599, 6, share).light(), v1::LIGHT_YELLOW);  // any shortfall
  EXPECT_EQ(JudgeInvestment(1200, 300, 6, share).light(), v1::LIGHT_YELLOW);  // exactly half
  EXPECT_EQ(JudgeInvestment(1200, 299, 6, share).light(), v1::LIGHT_RED);
  // No plan: not judged.
  EXPECT_EQ(JudgeInvestment(0, 100, 6, points).light(), v1::LIGHT_UNSPECIFIED);
}

TEST(ProjectPolicyTest, ShippedPoliciesLoad) {
  for (const char* name : {"points-behind-10-30", "half-of-time-progress", "hualong-2017"}) {
    auto policy = LoadProjectPolicy(testing::InvestmentPolicyFile(name));
    ASSERT_TRUE(policy.ok()) << policy.status();
    EXPECT_EQ(policy->name(), name);
    EXPECT_EQ(policy->plan_date_red_from_month(), 3);
    // Photos are judged only where a county asks for it (Hualong's 图片库).
    const bool hualong = std::string(name) == "hualong-2017";
    EXPECT_EQ(policy->photo_yellow_from_month(), hualong ? 1 : 0) << name;
    EXPECT_EQ(policy->photo_red_from_month(), hualong ? 2 : 0) << name;
    EXPECT_EQ(policy->has_photo_ladder(), hualong) << name;
  }
}

TEST(ProjectPolicyTest, BadPolicyIsRefusedWithFileAndLine) {
  const std::string text =
      "name: \"x\"\n"
      "investment {\n"
      "  measure: INVESTMENT_GAP_MEASURE_POINTS\n"
      "  yellow_from_bp: 3000\n"
      "  red_above_bp: 1000\n"
      "}\n"
      "plan_date_red_from_month: 3\n"
      "node_ladder { name: \"n\" rung { id: \"a\" days_overdue {} recipients: "
      "[ROLE_RESPONSIBLE_UNIT] issues: ISSUE_WARNING } }\n";
  auto policy = ParseProjectPolicy("bad.textproto", text);
  ASSERT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.status().message(), HasSubstr("bad.textproto:5: investment.red_above_bp"));

  auto unparsable =
      ParseProjectPolicy("p.textproto", "name: \"x\"\ninvestment { measure: NOPE }\n");
  EXPECT_THAT(unparsable.status().message(), HasSubstr("p.textproto:2:"));

  auto no_ladder = ParseProjectPolicy(
      "l.textproto",
      "name: \"x\"\ninvestment { measure: INVESTMENT_GAP_MEASURE_POINTS yellow_from_bp: 1 "
      "red_above_bp: 2 }\nplan_date_red_from_month: 1\nnode_ladder { name: \"n\" }\n");
  EXPECT_THAT(no_ladder.status().message(), HasSubstr("l.textproto:4: node_ladder"));

  EXPECT_EQ(LoadProjectPolicy("/nonexistent/policy.textproto").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ProjectTest, RegistersOnceAndKeepsTheFacts) {
  auto out = Exec(Register(Info()), kSupervision);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->events.size(), 1u);
  EXPECT_EQ(project_->EventType(out->events[0]), "project.Registered");
  const v1::ProjectState& s = out->loaded.state;
  EXPECT_EQ(s.region_code(), "530115");
  EXPECT_EQ(s.info().supervision_office(), "督查室");  // defaults to the registering office
  EXPECT_EQ(s.stage(), v1::PROJECT_STAGE_RESERVE_AGREEMENT);
  EXPECT_EQ(s.registered_on(), "2025-01-02");
  EXPECT_EQ(s.info().service_contacts().town_member(), "昆阳街道 赵委员");
  ASSERT_EQ(s.plans_size(), 1);
  EXPECT_EQ(s.plans(0).amount_yuan(), 12'000'000);
  EXPECT_EQ(s.light(), v1::LIGHT_GREEN);

  auto again = Exec(Register(Info()), kSupervision);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(log_->HeadPosition(), 1u);
}

TEST_F(ProjectTest, MalformedRegistrationIsRefusedAndWritesNothing) {
  struct Case {
    std::function<void(v1::ProjectInfo&)> edit;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](v1::ProjectInfo& i) { i.set_code("2025-530115-47-01-00001"); }, "info.code"},
      {[](v1::ProjectInfo& i) { i.set_name(""); }, "info.name"},
      {[](v1::ProjectInfo& i) { i.set_level(v1::PROJECT_LEVEL_UNSPECIFIED); }, "info.level"},
      {[](v1::ProjectInfo& i) { i.set_total_investment_yuan(0); }, "info.total_investment_yuan"},
      {[](v1::ProjectInfo& i) { i.set_annual_plan_yuan(200'000'000); }, "info.annual_plan_yuan"},
      {[](v1::ProjectInfo& i) { i.set_lead_unit("a:b"); }, "info.lead_unit"},
      {[](v1::ProjectInfo& i) { i.set_planned_start_on("2025-02-30"); }, "info.planned_start_on"},
      {[](v1::ProjectInfo& i) {
         i.set_planned_start_on("2025-06-01");
         i.set_planned_finish_on("2025-05-01");
       },
       "info.planned_finish_on"},
      {[](v1::ProjectInfo& i) { i.set_initial_stage(v1::PROJECT_STAGE_COMPLETED); },
       "info.initial_stage"},
      {[](v1::ProjectInfo& i) { i.set_initial_stage(v1::PROJECT_STAGE_UNDER_CONSTRUCTION); },
       "info.started_on"},
  };
  for (const Case& c : cases) {
    v1::ProjectInfo info = Info();
    c.edit(info);
    auto out = Exec(Register(info), kSupervision);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(out.status().message(), HasSubstr(c.field));
  }
  // The code must be the stream's.
  auto elsewhere =
      Exec(Register(Info()), kSupervision, std::nullopt, ProjectStream("2025-530115-47-01-000002"));
  EXPECT_THAT(elsewhere.status().message(), HasSubstr("belongs to stream"));
  // An admin must name the supervision office.
  auto admin = Exec(Register(Info()), "admin:ops");
  EXPECT_THAT(admin.status().message(), HasSubstr("info.supervision_office"));
  EXPECT_EQ(log_->HeadPosition(), 0u);
}

TEST_F(ProjectTest, WhoMayDoWhat) {
  EXPECT_EQ(Exec(Register(Info()), "enterprise:昆明某置业有限公司").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Exec(Register(Info()), "auditor:审计局").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Exec(Register(Info()), "nobody").status().code(), absl::StatusCode::kPermissionDenied);
  // Before registration: NOT_FOUND.
  EXPECT_EQ(Exec(Report("2025-01", 1), kLead).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(Exec(Register(Info()), kSupervision).ok());

  auto other = Exec(Advance(v1::PROJECT_STAGE_RESERVE_FEASIBILITY), "department:住建局");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.status().message(), HasSubstr("department:发改局"));
  EXPECT_EQ(Exec(Report("2025-01", 1), kSupervision).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Exec(Tick(), kSupervision).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Exec(Node("n1", "2025-03-01"), "enterprise:x").status().code(),
            absl::StatusCode::kPermissionDenied);
  v1::ProjectCommand plan;
  plan.mutable_set_annual_plan()->set_year(2026);
  plan.mutable_set_annual_plan()->set_amount_yuan(1);
  EXPECT_EQ(Exec(plan, kLead).status().code(), absl::StatusCode::kPermissionDenied);
  v1::ProjectCommand recompute;
  recompute.mutable_recompute_deadlines();
  EXPECT_EQ(Exec(recompute, kLead).status().code(), absl::StatusCode::kPermissionDenied);

  EXPECT_TRUE(Exec(Advance(v1::PROJECT_STAGE_RESERVE_FEASIBILITY), kLead).ok());
  EXPECT_TRUE(Exec(Advance(v1::PROJECT_STAGE_RESERVE_LAND_PLANNING), kSupervision).ok());
  EXPECT_TRUE(Exec(Report("2025-01", 1), kLead).ok());
  EXPECT_TRUE(Exec(plan, "admin:ops").ok());
  EXPECT_EQ(log_->HeadPosition(), 5u);
}

TEST_F(ProjectTest, StagesMoveOneStepForwardWithTheDayTheyHappened) {
  RegisterDefault(At(2025, 1, 2, 9));
  clock_.AdvanceTo(At(2025, 3, 20, 10));
  auto skip = Exec(Advance(v1::PROJECT_STAGE_NEW_START), kLead);
  EXPECT_EQ(skip.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(skip.status().message(), HasSubstr("PROJECT_STAGE_RESERVE_FEASIBILITY"));
  EXPECT_EQ(Exec(v1::ProjectCommand(), kLead).status().code(), absl::StatusCode::kInvalidArgument);

  // Keyed in late: the day it happened is kept.
  auto out = Exec(Advance(v1::PROJECT_STAGE_RESERVE_FEASIBILITY), kLead, At(2025, 2, 10, 15));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->events[0].stage_advanced().on(), "2025-02-10");
  EXPECT_EQ(out->events[0].stage_advanced().recorded_at_us(), absl::ToUnixMicros(clock_.Now()));
  // Not before the previous stage's day.
  auto earlier = Exec(Advance(v1::PROJECT_STAGE_RESERVE_LAND_PLANNING), kLead, At(2025, 2, 9));
  EXPECT_EQ(earlier.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(earlier.status().message(), HasSubstr("occurred_at"));

  for (auto stage : {v1::PROJECT_STAGE_RESERVE_LAND_PLANNING, v1::PROJECT_STAGE_RESERVE_DESIGN,
                     v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION}) {
    ASSERT_TRUE(Exec(Advance(stage), kLead, At(2025, 3, 1)).ok());
  }
  ASSERT_TRUE(Exec(Advance(v1::PROJECT_STAGE_NEW_START), kLead, At(2025, 3, 18)).ok());
  ASSERT_TRUE(Exec(Advance(v1::PROJECT_STAGE_UNDER_CONSTRUCTION), kLead).ok());
  ASSERT_TRUE(Exec(Advance(v1::PROJECT_STAGE_COMPLETED), kSupervision).ok());
  v1::ProjectState s = Load();
  EXPECT_EQ(s.started_on(), "2025-03-18");
  EXPECT_EQ(s.completed_on(), "2025-03-20");
  EXPECT_EQ(s.stages_size(), 8);
  auto after = Exec(Advance(v1::PROJECT_STAGE_COMPLETED), kLead);
  EXPECT_EQ(after.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(after.status().message(), HasSubstr("completed"));
}

TEST_F(ProjectTest, RetriedRequestIdWritesOnce) {
  RegisterDefault(At(2025, 1, 2, 9));
  clock_.AdvanceTo(At(2025, 3, 10));
  engine::CommandMeta meta;
  meta.request_id = "report-jan";
  meta.actor = kLead;
  auto first = store_->Execute(ProjectStream(kCode), Report("2025-01", 500), meta);
  ASSERT_TRUE(first.ok());
  // The retry would now be refused as inconsistent if decided anew; it is not.
  ASSERT_TRUE(Exec(Report("2025-02", 900), kLead).ok());
  auto retry = store_->Execute(ProjectStream(kCode), Report("2025-01", 500), meta);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(log_->HeadPosition(), 3u);
}

TEST_F(ProjectTest, InvestmentReportsAreCumulativeForTheYear) {
  RegisterDefault(At(2025, 1, 2, 9));
  clock_.AdvanceTo(At(2025, 3, 10));
  ASSERT_TRUE(Exec(Report("2025-01", 1'000'000), kLead).ok());
  auto less = Exec(Report("2025-02", 900'000), kLead);
  EXPECT_EQ(less.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(less.status().message(), HasSubstr("cumulative_yuan"));
  EXPECT_EQ(Exec(Report("2025-04", 1), kLead).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Exec(Report("2024-12", 1), kLead).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Exec(Report("2025-02", -1), kLead).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Exec(Report("2025-2", 1), kLead).status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(Exec(Report("2025-03", 3'000'000), kLead).ok());
  // A correction of January is kept, marked as such; the same figure again is a no-op.
  auto fix = Exec(Report("2025-01", 1'200'000), kLead);
  ASSERT_TRUE(fix.ok());
  EXPECT_TRUE(fix->events[0].investment_reported().corrects());
  EXPECT_EQ(fix->events[0].investment_reported().previous_yuan(), 1'000'000);
  auto same = Exec(Report("2025-01", 1'200'000), kLead);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->events.empty());
  auto too_big = Exec(Report("2025-02", 3'000'001), kLead);
  EXPECT_THAT(too_big.status().message(), HasSubstr("later month 2025-03"));
  v1::ProjectState s = Load();
  ASSERT_EQ(s.reports_size(), 2);
  EXPECT_EQ(s.reports(0).month(), "2025-01");
  EXPECT_EQ(s.reports(0).cumulative_yuan(), 1'200'000);
}

// Plan 12,000,000 元 for 2025; cumulative 1,000,000 by January and nothing
// more: January 0 points behind (green), February 8.3 (green), March 16.7
// (yellow), April 25 (yellow), May 33.3 (red), June, July red.
TEST_F(ProjectTest, MonthClosesJudgeInvestmentAndClimbTheMonthlyLadder) {
  RegisterDefault(At(2025, 1, 2, 9));
  clock_.AdvanceTo(At(2025, 1, 28));
  ASSERT_TRUE(Exec(Report("2025-01", 1'000'000), kLead).ok());

  EXPECT_THAT(TickAt(At(2025, 1, 31, 23, 59)), ElementsAre());
  EXPECT_EQ(project_->NextWakeup(Load()), At(2025, 2, 1));
  EXPECT_THAT(TickAt(At(2025, 2, 1)), ElementsAre("project.MonthClosed"));
  auto jan = last_tick_[0].month_closed().result();
  EXPECT_EQ(jan.month(), "2025-01");
  EXPECT_TRUE(jan.investment().reported());
  EXPECT_EQ(jan.investment().gap_bp(), 0);
  EXPECT_EQ(jan.light(), v1::LIGHT_GREEN);
  EXPECT_THAT(TickAt(At(2025, 3, 1)), ElementsAre("project.MonthClosed"));
  EXPECT_FALSE(last_tick_[0].month_closed().result().investment().reported());

  EXPECT_THAT(TickAt(At(2025, 4, 1)),
              ElementsAre("project.MonthClosed", "project.LightChanged", "project.RungRaised"));
  EXPECT_EQ(last_tick_[0].month_closed().result().investment().gap_bp(), 1667);
  EXPECT_EQ(last_tick_[1].light_changed().to(), v1::LIGHT_YELLOW);
  const auto& yellow = last_tick_[2].rung_raised();
  EXPECT_EQ(yellow.rung_id(), "yellow");
  EXPECT_EQ(yellow.issues(), v1::ISSUE_WARNING);
  EXPECT_EQ(yellow.slip_number(), absl::StrCat("project/", kCode, "/monthly/1/yellow"));
  EXPECT_EQ(yellow.month(), "2025-03");
  EXPECT_EQ(yellow.due_at_us(), absl::ToUnixMicros(At(2025, 4, 1)));
  ASSERT_EQ(yellow.recipients_size(), 2);
  EXPECT_EQ(yellow.recipients(0).unit(), "发改局");
  EXPECT_EQ(yellow.recipients(0).person(), "李四");
  EXPECT_EQ(yellow.recipients(1).unit(), "张副区长");

  // Two yellows in a row: the notice, raised on 1 May (a holiday: 1–5 May
  // 2025), answerable within 10 working days: 6–9, 12–16, 19 May.
  EXPECT_THAT(TickAt(At(2025, 5, 1)), ElementsAre("project.MonthClosed", "project.RungRaised"));
  const auto& notice = last_tick_[1].rung_raised();
  EXPECT_EQ(notice.rung_id(), "notice");
  EXPECT_EQ(notice.issues(), v1::ISSUE_SUPERVISION_NOTICE);
  EXPECT_EQ(notice.rectification_due_on(), "2025-05-19");
  EXPECT_EQ(notice.rectification_due_at_us(), absl::ToUnixMicros(At(2025, 5, 20)));
  EXPECT_FALSE(notice.provisional());
  ASSERT_EQ(notice.recipients_size(), 3);
  EXPECT_EQ(notice.recipients(1).person(), "王局长");
  EXPECT_EQ(notice.recipients(2).unit(), "督查室");

  EXPECT_THAT(TickAt(At(2025, 6, 1)), ElementsAre("project.MonthClosed", "project.LightChanged"));
  EXPECT_EQ(last_tick_[1].light_changed().to(), v1::LIGHT_RED);
  EXPECT_THAT(TickAt(At(2025, 7, 1)), ElementsAre("project.MonthClosed"));
  EXPECT_THAT(TickAt(At(2025, 8, 1)), ElementsAre("project.MonthClosed", "project.RungRaised"));
  EXPECT_EQ(last_tick_[1].rung_raised().rung_id(), "listing");
  EXPECT_EQ(last_tick_[1].rung_raised().issues(), v1::ISSUE_LISTING);
  // Each once: a second Tick at the same instant emits nothing.
  EXPECT_THAT(TickAt(At(2025, 8, 1)), ElementsAre());

  // The history is kept.
  v1::ProjectState s = Load();
  ASSERT_EQ(s.months_size(), 7);
  std::vector<v1::Light> lights;
  for (const auto& m : s.months()) lights.push_back(m.light());
  EXPECT_THAT(lights, ElementsAre(v1::LIGHT_GREEN, v1::LIGHT_GREEN, v1::LIGHT_YELLOW,
                                  v1::LIGHT_YELLOW, v1::LIGHT_RED, v1::LIGHT_RED, v1::LIGHT_RED));
  EXPECT_EQ(s.episode(), 1);
  EXPECT_EQ(s.rungs_size(), 3);
}

TEST_F(ProjectTest, LateTickCatchesUpMonthByMonth) {
  RegisterDefault(At(2025, 1, 2, 9));
  ASSERT_TRUE(Exec(Report("2025-01", 1'000'000), kLead).ok());
  // One Tick on 1 May closes January to April, climbing as if on time.
  std::vector<std::string> types = TickAt(At(2025, 5, 1, 8));
  EXPECT_THAT(types,
              ElementsAre("project.MonthClosed", "project.MonthClosed", "project.MonthClosed",
                          "project.LightChanged", "project.RungRaised", "project.MonthClosed",
                          "project.RungRaised"));
  EXPECT_EQ(last_tick_[4].rung_raised().due_at_us(), absl::ToUnixMicros(At(2025, 4, 1)));
  // The notice is due at April's close, but never before the rung under it
  // was issued (engine/ladder.h): the late Tick issued the warning at 08:00.
  EXPECT_EQ(last_tick_[6].rung_raised().due_at_us(), absl::ToUnixMicros(At(2025, 5, 1, 8)));
  EXPECT_EQ(last_tick_[6].rung_raised().raised_at_us(), absl::ToUnixMicros(At(2025, 5, 1, 8)));
  EXPECT_THAT(TickAt(At(2025, 5, 1, 9)), ElementsAre());
  EXPECT_EQ(project_->NextWakeup(Load()), At(2025, 6, 1));
}

TEST_F(ProjectTest, AGreenMonthEndsTheEpisode) {
  RegisterDefault(At(2025, 1, 2, 9));
  clock_.AdvanceTo(At(2025, 1, 20));
  ASSERT_TRUE(Exec(Report("2025-01", 0), kLead).ok());  // 8.3 behind: green
  TickAt(At(2025, 2, 1));
  clock_.AdvanceTo(At(2025, 2, 20));  // 16.7 behind: yellow
  TickAt(At(2025, 3, 1));
  EXPECT_EQ(last_tick_.back().rung_raised().slip_number(),
            absl::StrCat("project/", kCode, "/monthly/1/yellow"));
  clock_.AdvanceTo(At(2025, 3, 20));
  ASSERT_TRUE(Exec(Report("2025-03", 3'000'000), kLead).ok());  // on time: green
  EXPECT_THAT(TickAt(At(2025, 4, 1)), ElementsAre("project.MonthClosed", "project.LightChanged"));
  clock_.AdvanceTo(At(2025, 4, 20));  // 33.3 − 25: 8.3 behind: green
  TickAt(At(2025, 5, 1));
  // May: 41.7 − 25 = 16.7 behind: yellow again, a new climb from the first rung.
  EXPECT_THAT(TickAt(At(2025, 6, 1)),
              ElementsAre("project.MonthClosed", "project.LightChanged", "project.RungRaised"));
  EXPECT_EQ(last_tick_[2].rung_raised().slip_number(),
            absl::StrCat("project/", kCode, "/monthly/2/yellow"));
  EXPECT_EQ(last_tick_[2].rung_raised().episode(), 2);
}

TEST_F(ProjectTest, PlannedStartMissedIsYellowThenRedFromTheThirdMonth) {
  v1::ProjectInfo info = Info();
  info.set_annual_plan_yuan(0);  // investment not judged: the dates alone
  info.set_planned_start_on("2025-02-10");
  info.set_planned_finish_on("2025-06-30");
  RegisterDefault(At(2025, 1, 2, 9), info);
  TickAt(At(2025, 4, 1));
  TickAt(At(2025, 5, 1));
  v1::ProjectState s = Load();
  ASSERT_EQ(s.months_size(), 4);
  EXPECT_EQ(s.months(0).start_light(), v1::LIGHT_GREEN);
  EXPECT_EQ(s.months(0).investment().light(), v1::LIGHT_UNSPECIFIED);
  EXPECT_EQ(s.months(1).start_light(), v1::LIGHT_YELLOW);
  EXPECT_EQ(s.months(1).start_months_missed(), 1);
  EXPECT_EQ(s.months(2).start_light(), v1::LIGHT_YELLOW);
  EXPECT_EQ(s.months(3).start_light(), v1::LIGHT_RED);
  EXPECT_EQ(s.months(3).start_months_missed(), 3);
  EXPECT_EQ(s.light(), v1::LIGHT_RED);
  EXPECT_TRUE(project_->View(s, At(2025, 5, 2)).start_overdue());

  // Started on 6 May, keyed in on the 8th: May is green for the start, but the
  // finish is due by 30 June.
  clock_.AdvanceTo(At(2025, 5, 8));
  for (auto stage : {v1::PROJECT_STAGE_RESERVE_FEASIBILITY, v1::PROJECT_STAGE_RESERVE_LAND_PLANNING,
                     v1::PROJECT_STAGE_RESERVE_DESIGN, v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION,
                     v1::PROJECT_STAGE_NEW_START}) {
    ASSERT_TRUE(Exec(Advance(stage), kLead, At(2025, 5, 6)).ok());
  }
  TickAt(At(2025, 7, 1));
  s = Load();
  EXPECT_EQ(s.months(4).start_light(), v1::LIGHT_GREEN);
  EXPECT_EQ(s.months(4).light(), v1::LIGHT_GREEN);
  EXPECT_EQ(s.months(5).finish_light(), v1::LIGHT_YELLOW);
  EXPECT_EQ(s.months(5).finish_months_missed(), 1);
  // Completed in July: July is not judged, and no month close is pending.
  clock_.AdvanceTo(At(2025, 7, 15));
  ASSERT_TRUE(Exec(Advance(v1::PROJECT_STAGE_UNDER_CONSTRUCTION), kLead).ok());
  ASSERT_TRUE(Exec(Advance(v1::PROJECT_STAGE_COMPLETED), kLead).ok());
  EXPECT_THAT(TickAt(At(2025, 9, 1)), ElementsAre());
  EXPECT_EQ(project_->NextWakeup(Load()), std::nullopt);
}

TEST_F(ProjectTest, MissedNodeIssuesANoticeAndAnAnswerStopsTheLadder) {
  RegisterDefault(At(2025, 9, 1, 9), InfoWithoutPlan());
  ASSERT_TRUE(Exec(Node("land", "2025-09-30"), kLead).ok());
  EXPECT_EQ(Exec(Node("land", "2025-10-30"), kLead).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Exec(Node("bad id", "2025-10-30"), kLead).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Exec(Node("x", "30/09/2025"), kLead).status().code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_THAT(TickAt(At(2025, 9, 30, 23, 59)), ElementsAre());
  // The month close and the node's limit are both at 1 October 00:00.
  EXPECT_EQ(project_->NextWakeup(Load()), At(2025, 10, 1));
  EXPECT_THAT(TickAt(At(2025, 10, 1)), ElementsAre("project.MonthClosed", "project.RungRaised"));
  const auto& notice = last_tick_[1].rung_raised();
  EXPECT_EQ(notice.subject(), "node/land");
  EXPECT_EQ(notice.slip_number(), absl::StrCat("project/", kCode, "/node/land/1/notice"));
  EXPECT_EQ(notice.issues(), v1::ISSUE_SUPERVISION_NOTICE);
  // Raised on 1 October (National Day, off until the 8th; Saturday the 11th
  // is worked): 5 working days are the 9th, 10th, 11th, 13th and 14th.
  EXPECT_EQ(notice.rectification_due_on(), "2025-10-14");
  // The next rung: unanswered 5 working days after the raise day.
  EXPECT_EQ(project_->NextWakeup(Load()), At(2025, 10, 15));

  clock_.AdvanceTo(At(2025, 10, 13, 9));
  EXPECT_EQ(Exec(Answer(notice.slip_number()), "department:住建局").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Exec(Answer("no-such-slip"), kLead).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto answered = Exec(Answer(notice.slip_number()), kLead);
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_FALSE(answered->events[0].rung_answered().late());
  EXPECT_EQ(Exec(Answer(notice.slip_number()), kLead).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Answered: no bulletin rung; only month closes remain.
  EXPECT_EQ(project_->NextWakeup(Load()), At(2025, 11, 1));
  EXPECT_THAT(TickAt(At(2025, 10, 20)), ElementsAre());
}

TEST_F(ProjectTest, UnansweredNoticeClimbsToTheBulletin) {
  RegisterDefault(At(2025, 9, 1, 9), InfoWithoutPlan());
  ASSERT_TRUE(Exec(Node("land", "2025-09-30"), kLead).ok());
  TickAt(At(2025, 10, 1));
  EXPECT_THAT(TickAt(At(2025, 10, 14, 23)), ElementsAre());
  EXPECT_THAT(TickAt(At(2025, 10, 15)), ElementsAre("project.RungRaised"));
  EXPECT_EQ(last_tick_[0].rung_raised().rung_id(), "bulletin");
  EXPECT_EQ(last_tick_[0].rung_raised().recipients(3).unit(), "张副区长");
  // Done late, then: the node's ladder stops.
  clock_.AdvanceTo(At(2025, 10, 16));
  v1::ProjectCommand done;
  done.mutable_report_node_done()->set_node_id("land");
  auto out = Exec(done, kLead);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->events[0].node_done().late());
  EXPECT_EQ(Exec(done, kLead).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProjectTest, NodeDueOnAHolidayIsLateOnlyAfterThatDay) {
  RegisterDefault(At(2025, 9, 1, 9), InfoWithoutPlan());
  ASSERT_TRUE(Exec(Node("design", "2025-10-01"), kLead).ok());  // National Day, as written
  EXPECT_THAT(TickAt(At(2025, 10, 1, 23, 59)), ElementsAre("project.MonthClosed"));
  EXPECT_EQ(project_->NextWakeup(Load()), At(2025, 10, 2));
  EXPECT_THAT(TickAt(At(2025, 10, 2)), ElementsAre("project.RungRaised"));
  // Raised on the 2nd: 5 working days are again the 9th..14th.
  EXPECT_EQ(last_tick_[0].rung_raised().rectification_due_on(), "2025-10-14");
}

TEST_F(ProjectTest, ProvisionalRectificationIsRecomputedWhenTheYearIsLoaded) {
  v1::ProjectInfo info = InfoWithoutPlan("2027-530115-47-01-000001");
  info.set_plan_year(2027);
  clock_.AdvanceTo(At(2027, 3, 1, 9));
  const std::string stream = ProjectStream(info.code());
  ASSERT_TRUE(Exec(Register(info), kSupervision, std::nullopt, stream).ok());
  ASSERT_TRUE(Exec(Node("land", "2027-04-02"), kLead, std::nullopt, stream).ok());
  clock_.AdvanceTo(At(2027, 4, 3));
  auto out = Exec(Tick(), kSystemActor, std::nullopt, stream);
  ASSERT_TRUE(out.ok()) << out.status();
  const v1::SupervisionRungRaised* notice = nullptr;
  for (const auto& e : out->events) {
    if (e.has_rung_raised()) notice = &e.rung_raised();
  }
  ASSERT_NE(notice, nullptr);
  // No calendar for 2027: weekends only. Saturday 3 April → 9 April.
  EXPECT_TRUE(notice->provisional());
  EXPECT_EQ(notice->rectification_due_on(), "2027-04-09");
  v1::ProjectCommand recompute;
  recompute.mutable_recompute_deadlines();
  auto nothing = Exec(recompute, kSystemActor, std::nullopt, stream);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->events.empty());

  // A (hypothetical) 2027 notice with 5 April (清明) off.
  auto calendar =
      engine::WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/policies/calendars");
  ASSERT_TRUE(calendar.ok());
  v1::CalendarYear year;
  year.set_year(2027);
  year.set_region("cn");
  auto* off = year.add_off();
  off->set_from("2027-04-05");
  off->set_to("2027-04-05");
  off->set_name("清明节");
  ASSERT_TRUE(calendar->AddYear(year, "test").ok());
  project_->SetCalendar(std::make_shared<const engine::WorkingDayCalendar>(*calendar));
  auto moved = Exec(recompute, "admin:ops", std::nullopt, stream);
  ASSERT_TRUE(moved.ok()) << moved.status();
  ASSERT_EQ(moved->events.size(), 1u);
  const auto& d = moved->events[0].deadline_recomputed();
  EXPECT_EQ(d.old_deadline().due_date(), "2027-04-09");
  EXPECT_EQ(d.new_deadline().due_date(), "2027-04-12");
  EXPECT_FALSE(d.new_deadline().provisional());
  EXPECT_EQ(d.slip_number(), moved->loaded.state.rungs(0).raised().slip_number());
  EXPECT_EQ(moved->loaded.state.rungs(0).raised().rectification_due_on(), "2027-04-12");
  auto again = Exec(recompute, kSystemActor, std::nullopt, stream);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->events.empty());
}

TEST_F(ProjectTest, ViewShowsWhatDependsOnNow) {
  RegisterDefault(At(2025, 9, 1, 9), InfoWithoutPlan());
  ASSERT_TRUE(Exec(Node("a", "2025-09-30"), kLead).ok());
  ASSERT_TRUE(Exec(Node("b", "2025-10-14"), kLead).ok());
  v1::ProjectView view = project_->View(Load(), At(2025, 9, 29, 10));
  ASSERT_EQ(view.nodes_size(), 2);
  EXPECT_EQ(view.nodes(0).working_days_left(), 1);
  EXPECT_EQ(view.nodes(0).light(), v1::LIGHT_YELLOW);
  EXPECT_EQ(view.nodes(1).light(), v1::LIGHT_GREEN);
  EXPECT_EQ(view.nodes(1).working_days_left(), 6);  // 30 Sep, 9, 10, 11, 13, 14 Oct

  TickAt(At(2025, 10, 1));
  view = project_->View(Load(), At(2025, 10, 10, 10));
  EXPECT_EQ(view.nodes(0).light(), v1::LIGHT_RED);
  EXPECT_TRUE(view.nodes(0).late());
  EXPECT_EQ(view.nodes(0).working_days_left(), -2);  // 9 and 10 October since
  ASSERT_EQ(view.open_slips_size(), 1);
  EXPECT_EQ(view.open_slips(0).rectification_due_on(), "2025-10-14");
  EXPECT_EQ(view.open_slips(0).working_days_left(), 3);  // 11, 13, 14
  EXPECT_FALSE(view.open_slips(0).overdue());
  EXPECT_EQ(view.latest_month().month(), "2025-09");
}

TEST_F(ProjectTest, ReplayIsByteIdentical) {
  RegisterDefault(At(2025, 1, 2, 9));
  ASSERT_TRUE(Exec(Report("2025-01", 100), kLead).ok());
  ASSERT_TRUE(Exec(Node("n", "2025-02-10"), kLead).ok());
  TickAt(At(2025, 6, 1));
  auto current = store_->Load(ProjectStream(kCode));
  auto replayed = store_->LoadAsOf(ProjectStream(kCode), {});
  ASSERT_TRUE(current.ok() && replayed.ok());
  EXPECT_EQ(current->state.SerializeAsString(), replayed->state.SerializeAsString());
  EXPECT_GT(current->state.rungs_size(), 1);
}

}  // namespace
}  // namespace taizhang::workflows
