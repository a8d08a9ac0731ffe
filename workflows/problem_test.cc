#include "workflows/problem.h"

#include <cstdlib>

#include "base/testing/files.h"
#include "engine/deadline_rule.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/principal.h"

namespace taizhang::workflows {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ::taizhang::testing::SourceDir;

absl::CivilDay Day(const char* text) { return *engine::ParseDate(text); }
absl::Time At(const char* text, int hours = 0) {
  return engine::StartOfDay(Day(text)) + absl::Hours(hours);
}

constexpr char kOffice[] = "区政府目督办";
constexpr char kUnit[] = "昆阳街道办";
constexpr char kCode[] = "2020-530115-47-01-000001";  // shape only: a placeholder

class ProblemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    auto problem = Problem::Load(SourceDir() + "/workflows/policies/tasks/jinning-2020.textproto",
                                 SourceDir() + "/workflows/policies/ladders",
                                 SourceDir() + "/workflows/policies/calendars");
    ASSERT_TRUE(problem.ok()) << problem.status();
    problem_ = std::move(*problem);
    store_ = std::make_unique<engine::AggregateStore<Problem>>(*log_, clock_, *problem_);
  }
  void TearDown() override {
    store_.reset();
    log_.reset();
  }

  absl::StatusOr<engine::AggregateStore<Problem>::Outcome> Run(const v1::ProblemCommand& c,
                                                               const std::string& actor,
                                                               std::string request_id = "") {
    if (request_id.empty()) request_id = absl::StrCat("r", ++requests_);
    engine::CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = actor;
    return store_->Execute(ProblemStream("p1"), c, meta);
  }
  absl::StatusCode Code(const v1::ProblemCommand& c, const std::string& actor) {
    return Run(c, actor).status().code();
  }
  v1::ProblemState State() {
    auto loaded = store_->Load(ProblemStream("p1"));
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded->state;
  }
  std::vector<v1::ProblemEvent> Tick() {
    v1::ProblemCommand c;
    c.mutable_tick();
    auto out = Run(c, kSystemActor);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->events : std::vector<v1::ProblemEvent>{};
  }
  std::vector<std::string> Types(const std::vector<v1::ProblemEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(problem_->EventType(e));
    return out;
  }

  static v1::ProblemCommand Raise() {
    v1::ProblemCommand c;
    v1::RaiseProblem* r = c.mutable_raise();
    r->set_problem_id("p1");
    r->set_project_code(kCode);
    r->set_title("5号地块4户农户拆迁及14.5亩征地影响项目人防工程申报");
    r->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_INSPECTION);
    r->mutable_source()->set_name("区人大常委会检查组");
    r->set_responsible_leader("区政府分管领导");
    return c;
  }
  static v1::ProblemCommand Assign(const char* fixed_date) {
    v1::ProblemCommand c;
    c.mutable_assign()->set_unit(kUnit);
    c.mutable_assign()->set_measures("7月15日前完成5号地块4户农户拆迁及14.5亩征地");
    if (fixed_date != nullptr) {
      c.mutable_assign()->mutable_limit()->set_kind(v1::DeadlineRule::FIXED_DATE);
      c.mutable_assign()->mutable_limit()->set_fixed_date(fixed_date);
    }
    return c;
  }
  static v1::ProblemCommand Text(const char* which, const char* text) {
    v1::ProblemCommand c;
    const std::string w = which;
    if (w == "answer") c.mutable_answer()->set_text(text);
    if (w == "resolve") c.mutable_resolve()->set_text(text);
    if (w == "verify") c.mutable_verify()->set_text(text);
    if (w == "reopen") c.mutable_reopen()->set_reasons(text);
    return c;
  }
  static std::string Office() { return absl::StrCat("supervision:", kOffice); }
  static std::string Unit() { return absl::StrCat("department:", kUnit); }

  ManualClock clock_{At("2020-06-29", 10)};
  ::taizhang::testing::TempDir tmp_;  // removed after the log closes
  const std::string dir_ = tmp_ / "log";
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<Problem> problem_;
  std::unique_ptr<engine::AggregateStore<Problem>> store_;
  int requests_ = 0;
};

TEST_F(ProblemTest, WhoMayRaiseAndInWhatName) {
  v1::ProblemCommand c = Raise();
  EXPECT_EQ(Code(c, "leader:区政府分管领导"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code(c, "auditor:审计局"), absl::StatusCode::kPermissionDenied);
  // An enterprise raises in its own name only.
  EXPECT_EQ(Code(c, "enterprise:晋宁吾悦广场"), absl::StatusCode::kPermissionDenied);
  c.mutable_raise()->clear_source();
  auto by_enterprise = Run(c, "enterprise:晋宁吾悦广场");
  ASSERT_TRUE(by_enterprise.ok()) << by_enterprise.status();
  EXPECT_THAT(Types(by_enterprise->events), ElementsAre("problem.Raised"));
  const v1::ProblemState& s = by_enterprise->loaded.state;
  EXPECT_EQ(s.source().kind(), v1::PROBLEM_SOURCE_KIND_ENTERPRISE);
  EXPECT_EQ(s.source().name(), "晋宁吾悦广场");
  EXPECT_EQ(s.status(), v1::PROBLEM_STATUS_RAISED);
  EXPECT_EQ(problem_->NextWakeup(s), std::nullopt);  // no limit until assigned
  EXPECT_EQ(Code(Raise(), Office()), absl::StatusCode::kAlreadyExists);
}

TEST_F(ProblemTest, MalformedRaiseAndNotFound) {
  EXPECT_EQ(Code(Assign("2020-07-15"), Office()), absl::StatusCode::kNotFound);
  v1::ProblemCommand c = Raise();
  c.mutable_raise()->clear_source();
  auto r = Run(c, Office());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("source.kind"));
  c = Raise();
  c.mutable_raise()->set_project_code("530115-2020");
  EXPECT_EQ(Code(c, Office()), absl::StatusCode::kInvalidArgument);
  c = Raise();
  c.mutable_raise()->set_title("");
  EXPECT_EQ(Code(c, Office()), absl::StatusCode::kInvalidArgument);
  c = Raise();
  c.mutable_raise()->set_problem_id("p2");
  EXPECT_EQ(Code(c, Office()), absl::StatusCode::kInvalidArgument);
  c = Raise();
  c.mutable_raise()->clear_source();
  EXPECT_EQ(Code(c, "department:区自然资源局"), absl::StatusCode::kOk);
  EXPECT_EQ(State().source().kind(), v1::PROBLEM_SOURCE_KIND_UNIT);
}

TEST_F(ProblemTest, AssignmentNeedsTheOfficeMeasuresAndALimit) {
  ASSERT_TRUE(Run(Raise(), Office()).ok());
  EXPECT_EQ(Code(Assign("2020-07-15"), Unit()), absl::StatusCode::kPermissionDenied);
  v1::ProblemCommand c = Assign("2020-07-15");
  c.mutable_assign()->clear_measures();
  EXPECT_EQ(Code(c, Office()), absl::StatusCode::kInvalidArgument);
  c = Assign("2020-06-28");
  auto before = Run(c, Office());
  EXPECT_EQ(before.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(before.status().message(), HasSubstr("limit.fixed_date"));
  c = Assign(nullptr);
  c.mutable_assign()->mutable_limit()->set_kind(v1::DeadlineRule::NONE);
  EXPECT_EQ(Code(c, Office()), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(Text("answer", "x"), Unit()), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log_->HeadPosition(), 1u);

  // No limit given: the policy's default, 5 working days from Monday 06-29.
  auto out = Run(Assign(nullptr), Office());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Types(out->events), ElementsAre("problem.Assigned", "problem.LightChanged"));
  EXPECT_EQ(out->loaded.state.computed().due_date(), "2020-07-06");
  EXPECT_EQ(out->loaded.state.supervision_office(), kOffice);
  EXPECT_EQ(out->loaded.state.light(), v1::LIGHT_GREEN);
  EXPECT_EQ(Code(Assign(nullptr), Office()), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProblemTest, LateProblemClimbsAndAnAnswerAnswersTheLatestRung) {
  ASSERT_TRUE(Run(Raise(), Office()).ok());
  ASSERT_TRUE(Run(Assign("2020-07-15"), Office()).ok());
  // An answer with no rung raised: recorded, nothing answered.
  auto out = Run(Text("answer", "已开展入户评估"), Unit());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Types(out->events), ElementsAre("problem.Answered"));
  EXPECT_EQ(Code(Text("answer", "x"), "department:区自然资源局"),
            absl::StatusCode::kPermissionDenied);

  EXPECT_EQ(problem_->NextWakeup(State()), At("2020-07-15"));
  clock_.AdvanceTo(At("2020-07-15"));
  EXPECT_THAT(Types(Tick()), ElementsAre("problem.LightChanged", "problem.RungRaised"));
  clock_.AdvanceTo(At("2020-07-16"));
  auto events = Tick();
  ASSERT_THAT(Types(events), ElementsAre("problem.LightChanged", "problem.RungRaised"));
  EXPECT_EQ(events[1].rung_raised().rung_id(), "notice");
  EXPECT_EQ(events[1].rung_raised().slip_number(), "problem/p1/1/notice");
  EXPECT_EQ(problem_->NextWakeup(State()), At("2020-07-22"));

  clock_.AdvanceTo(At("2020-07-20", 15));
  out = Run(Text("answer", "已完成3户拆迁,剩余1户7月24日前完成"), Unit());
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(Types(out->events), ElementsAre("problem.Answered", "problem.RungAnswered"));
  EXPECT_EQ(out->events[1].rung_answered().rung_id(), "notice");
  // The listing waited on the notice being unanswered: nothing more to climb.
  EXPECT_EQ(problem_->NextWakeup(out->loaded.state), std::nullopt);
  clock_.AdvanceTo(At("2020-08-31"));
  EXPECT_TRUE(Tick().empty());
  v1::ProblemView v = problem_->View(State(), clock_.Now());
  EXPECT_TRUE(v.overdue());
  EXPECT_EQ(v.light(), v1::LIGHT_RED);
  EXPECT_EQ(v.open_rungs(), 1);  // the warning, never answered
}

TEST_F(ProblemTest, ResolutionStopsTheLadderThenVerifyOrReopen) {
  ASSERT_TRUE(Run(Raise(), Office()).ok());
  ASSERT_TRUE(Run(Assign("2020-07-15"), Office()).ok());
  clock_.AdvanceTo(At("2020-07-22", 9));
  Tick();  // red, warning, notice
  auto out = Run(Text("resolve", "4户拆迁及14.5亩征地已完成"), Unit());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->events[0].resolved().late());
  EXPECT_EQ(problem_->NextWakeup(out->loaded.state), std::nullopt);
  clock_.AdvanceTo(At("2020-09-01"));
  EXPECT_TRUE(Tick().empty());
  EXPECT_EQ(problem_->View(State(), clock_.Now()).light(), v1::LIGHT_RED);  // frozen

  EXPECT_EQ(Code(Text("answer", "x"), Unit()), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Code(Text("verify", "ok"), Unit()), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code(Text("verify", "ok"), "supervision:市重点办"),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code(Text("reopen", ""), Office()), absl::StatusCode::kInvalidArgument);

  // Reopened with 3 working days from Tuesday 09-01: 09-04.
  v1::ProblemCommand reopen = Text("reopen", "人防工程申报仍未受理");
  reopen.mutable_reopen()->mutable_limit()->set_kind(v1::DeadlineRule::WORKING_DAYS);
  reopen.mutable_reopen()->mutable_limit()->set_n(3);
  out = Run(reopen, Office());
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(Types(out->events), ElementsAre("problem.Reopened", "problem.LightChanged"));
  EXPECT_EQ(out->events[1].light_changed().from(), v1::LIGHT_RED);
  EXPECT_EQ(out->events[1].light_changed().to(), v1::LIGHT_GREEN);
  const v1::ProblemState& s = out->loaded.state;
  EXPECT_EQ(s.status(), v1::PROBLEM_STATUS_ASSIGNED);
  EXPECT_EQ(s.computed().due_date(), "2020-09-04");
  EXPECT_EQ(s.episode(), 2);
  EXPECT_EQ(s.reopen_count(), 1);
  EXPECT_EQ(problem_->NextWakeup(s), At("2020-09-04"));
  clock_.AdvanceTo(At("2020-09-05"));
  auto events = Tick();
  ASSERT_THAT(Types(events),
              ElementsAre("problem.LightChanged", "problem.RungRaised", "problem.RungRaised"));
  EXPECT_EQ(events[2].rung_raised().slip_number(), "problem/p1/2/notice");

  ASSERT_TRUE(Run(Text("resolve", "已受理"), Unit()).ok());
  auto verified = Run(Text("verify", "经核实已解决"), Office());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->loaded.state.status(), v1::PROBLEM_STATUS_VERIFIED);
  EXPECT_EQ(Code(reopen, Office()), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Code(Text("resolve", "x"), Unit()), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProblemTest, WorkingDayLimitAcrossNationalDay) {
  clock_.AdvanceTo(At("2020-09-28", 9));
  ASSERT_TRUE(Run(Raise(), Office()).ok());
  v1::ProblemCommand c = Assign(nullptr);  // the default 5 working days
  auto out = Run(c, Office());
  ASSERT_TRUE(out.ok()) << out.status();
  // 09-29, 09-30, 10-09, 10-10 (a Saturday made working), 10-12.
  EXPECT_EQ(out->loaded.state.computed().due_date(), "2020-10-12");
  // Yellow on the last day; the days off in between do not count.
  EXPECT_EQ(problem_->NextWakeup(out->loaded.state), At("2020-10-12"));
  v1::ProblemView v = problem_->View(out->loaded.state, At("2020-10-08", 12));
  EXPECT_EQ(v.light(), v1::LIGHT_GREEN);
  EXPECT_EQ(v.working_days_left(), 3);
  EXPECT_EQ(v.working_days_used(), 2);
}

TEST_F(ProblemTest, RetriedAnswerIsNotRecordedTwice) {
  ASSERT_TRUE(Run(Raise(), Office()).ok());
  ASSERT_TRUE(Run(Assign("2020-07-15"), Office()).ok());
  ASSERT_TRUE(Run(Text("answer", "已开展入户评估"), Unit(), "answer-1").ok());
  const uint64_t head = log_->HeadPosition();
  auto again = Run(Text("answer", "已开展入户评估"), Unit(), "answer-1");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(log_->HeadPosition(), head);
  EXPECT_EQ(State().answers_size(), 1);
}

TEST_F(ProblemTest, ProvisionalLimitIsRecomputed) {
  problem_->SetCalendar(std::make_shared<const engine::WorkingDayCalendar>());
  clock_.AdvanceTo(At("2020-09-28", 9));
  ASSERT_TRUE(Run(Raise(), Office()).ok());
  auto out = Run(Assign(nullptr), Office());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->loaded.state.computed().due_date(), "2020-10-05");
  EXPECT_TRUE(out->loaded.state.computed().provisional());
  auto cal =
      engine::WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/policies/calendars");
  ASSERT_TRUE(cal.ok());
  problem_->SetCalendar(std::make_shared<const engine::WorkingDayCalendar>(std::move(*cal)));
  v1::ProblemCommand recompute;
  recompute.mutable_recompute_deadlines();
  EXPECT_EQ(Code(recompute, Office()), absl::StatusCode::kPermissionDenied);
  out = Run(recompute, kSystemActor);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(Types(out->events), ElementsAre("problem.DeadlineRecomputed"));
  EXPECT_EQ(out->loaded.state.computed().due_date(), "2020-10-12");
  EXPECT_FALSE(out->loaded.state.computed().provisional());
}

}  // namespace
}  // namespace taizhang::workflows
