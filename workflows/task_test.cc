#include "workflows/task.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

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
std::string PolicyPath() {
  return SourceDir() + "/workflows/policies/tasks/jinning-2020.textproto";
}
std::string LaddersDir() { return SourceDir() + "/workflows/policies/ladders"; }
std::string CalendarsDir() { return SourceDir() + "/workflows/policies/calendars"; }

absl::CivilDay Day(const char* text) { return *engine::ParseDate(text); }
// 00:00 China time of `text` plus `hours`.
absl::Time At(const char* text, int hours = 0) {
  return engine::StartOfDay(Day(text)) + absl::Hours(hours);
}

constexpr char kOffice[] = "区政府目督办";
constexpr char kUnit[] = "昆阳街道办";
constexpr char kCode[] = "2020-530115-47-01-000001";  // shape only: a placeholder

class TaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    auto files = LoadTaskPolicy(PolicyPath(), LaddersDir());
    ASSERT_TRUE(files.ok()) << files.status();
    auto cal = engine::WorkingDayCalendar::LoadDirectory(CalendarsDir());
    ASSERT_TRUE(cal.ok()) << cal.status();
    calendar_ = std::make_shared<const engine::WorkingDayCalendar>(std::move(*cal));
    task_ = std::make_unique<Task>(files->policy, files->task_ladder, calendar_);
    store_ = std::make_unique<engine::AggregateStore<Task>>(*log_, clock_, *task_);
  }
  void TearDown() override {
    store_.reset();
    log_.reset();
  }

  absl::StatusOr<engine::AggregateStore<Task>::Outcome> Run(const std::string& id,
                                                            const v1::TaskCommand& c,
                                                            const std::string& actor,
                                                            std::string request_id = "") {
    if (request_id.empty()) request_id = absl::StrCat("r", ++requests_);
    engine::CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = actor;
    return store_->Execute(TaskStream(id), c, meta);
  }
  absl::StatusCode Code(const std::string& id, const v1::TaskCommand& c, const std::string& actor) {
    return Run(id, c, actor).status().code();
  }
  v1::TaskState State(const std::string& id) {
    auto loaded = store_->Load(TaskStream(id));
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded->state;
  }
  std::vector<v1::TaskEvent> Tick(const std::string& id) {
    v1::TaskCommand c;
    c.mutable_tick();
    auto out = Run(id, c, kSystemActor);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->events : std::vector<v1::TaskEvent>{};
  }
  std::vector<std::string> Types(const std::vector<v1::TaskEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(task_->EventType(e));
    return out;
  }

  static v1::TaskCommand Create(const std::string& id, const char* fixed_date) {
    v1::TaskCommand c;
    v1::CreateTask* t = c.mutable_create();
    t->set_task_id(id);
    t->set_project_code(kCode);
    t->set_title("5号地块4户农户拆迁及14.5亩征地");
    t->add_responsible_units(kUnit);
    t->set_responsible_leader("区政府分管领导");
    if (fixed_date != nullptr) {
      t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
      t->mutable_deadline()->mutable_rule()->set_fixed_date(fixed_date);
    }
    return c;
  }
  static v1::TaskCommand Counted(const std::string& id, v1::DeadlineRule::Kind kind, int n,
                                 const char* start) {
    v1::TaskCommand c = Create(id, nullptr);
    c.mutable_create()->mutable_deadline()->mutable_rule()->set_kind(kind);
    c.mutable_create()->mutable_deadline()->mutable_rule()->set_n(n);
    if (start != nullptr) c.mutable_create()->mutable_deadline()->set_start_date(start);
    return c;
  }
  static std::string Office() { return absl::StrCat("supervision:", kOffice); }
  static std::string Unit() { return absl::StrCat("department:", kUnit); }

  ManualClock clock_{At("2020-06-29", 10)};
  ::taizhang::testing::TempDir tmp_;  // removed after the log closes
  const std::string dir_ = tmp_ / "log";
  std::unique_ptr<store::EventLog> log_;
  std::shared_ptr<const engine::WorkingDayCalendar> calendar_;
  std::unique_ptr<Task> task_;
  std::unique_ptr<engine::AggregateStore<Task>> store_;
  int requests_ = 0;
};

TEST(TaskPolicyTest, TheShippedPolicyLoadsWithItsLadders) {
  auto files = LoadTaskPolicy(PolicyPath(), LaddersDir());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->policy.name(), "jinning-2020");
  EXPECT_EQ(files->task_ladder.name(), files->policy.task_ladder());
  EXPECT_EQ(files->problem_ladder.name(), files->policy.problem_ladder());
  EXPECT_EQ(files->policy.task_yellow_working_days(), 1);
  EXPECT_EQ(files->policy.problem_default_limit().kind(), v1::DeadlineRule::WORKING_DAYS);
}

TEST(TaskPolicyTest, BadPolicyIsRefusedWithFileLineAndReason) {
  const std::string text =
      "name: \"x\"\n"
      "task_ladder: \"luohe-38-day\"\n"
      "task_yellow_working_days: -2\n"
      "problem_ladder: \"../etc\"\n"
      "problem_default_limit { kind: FIXED_DATE fixed_date: \"2020-01-01\" }\n";
  auto bad = ParseTaskPolicy("p.textproto", text, LaddersDir());
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("p.textproto:3: task_yellow_working_days: -2"));
  EXPECT_THAT(bad.status().message(), HasSubstr("p.textproto:4: problem_ladder"));
  EXPECT_THAT(bad.status().message(),
              HasSubstr("p.textproto:5: problem_default_limit: must be WORKING_DAYS"));

  auto syntax = ParseTaskPolicy("p.textproto", "name: \"x\"\ntask_ladder: 3 4\n", LaddersDir());
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(syntax.status().message(), HasSubstr("p.textproto:2:"));

  auto missing = ParseTaskPolicy("p.textproto",
                                 "name: \"x\"\ntask_ladder: \"no-such\"\n"
                                 "problem_ladder: \"luohe-38-day\"\n"
                                 "problem_default_limit { kind: WORKING_DAYS n: 5 }\n",
                                 LaddersDir());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("p.textproto:2: task_ladder 'no-such'"));
}

TEST(TaskPolicyTest, LadderMustCarryTheNameItIsReferredBy) {
  ::taizhang::testing::TempDir tmp;
  const std::string dir = tmp.path();
  std::filesystem::copy_file(LaddersDir() + "/luohe-38-day.textproto", dir + "/other.textproto");
  auto r = ParseTaskPolicy("p.textproto",
                           "name: \"x\"\ntask_ladder: \"other\"\nproblem_ladder: \"other\"\n"
                           "problem_default_limit { kind: WORKING_DAYS n: 5 }\n",
                           dir);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("names itself 'luohe-38-day'"));
}

TEST_F(TaskTest, CreateFixesTheDueDateAndTheFirstLight) {
  auto out = Run("t1", Create("t1", "2020-07-15"), Office());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Types(out->events), ElementsAre("task.Created", "task.LightChanged"));
  const v1::TaskState& s = out->loaded.state;
  EXPECT_EQ(s.due_date(), "2020-07-15");
  EXPECT_EQ(absl::FromUnixMicros(s.due_at_us()), At("2020-07-16"));
  EXPECT_FALSE(s.provisional());
  EXPECT_EQ(s.light(), v1::LIGHT_GREEN);
  EXPECT_EQ(s.supervision_office(), kOffice);
  // Yellow one working day before: 2020-07-15 itself (a Wednesday).
  EXPECT_EQ(task_->NextWakeup(s), At("2020-07-15"));
  v1::TaskView v = task_->View(s, clock_.Now());
  EXPECT_TRUE(v.has_deadline());
  EXPECT_EQ(v.light(), v1::LIGHT_GREEN);
  // Working days after 06-29 through 07-15: 06-30 and 13 in July.
  EXPECT_EQ(v.working_days_left(), 12);
  EXPECT_EQ(v.suspended_working_days(), 0);
}

TEST_F(TaskTest, WrongRolesAreRefusedAndWriteNothing) {
  EXPECT_EQ(Code("t1", Create("t1", "2020-07-15"), Unit()), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("t1", Create("t1", "2020-07-15"), "auditor:审计局"),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("t1", Create("t1", "2020-07-15"), "nonsense"),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Run("t1", Create("t1", "2020-07-15"), Office()).ok());
  const uint64_t head = log_->HeadPosition();

  v1::TaskCommand progress;
  progress.mutable_report_progress()->set_percent(50);
  progress.mutable_report_progress()->set_text("评估中");
  auto other = Run("t1", progress, "department:区自然资源局");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.status().message(), HasSubstr("department:昆阳街道办"));
  EXPECT_EQ(Code("t1", progress, "enterprise:晋宁吾悦"), absl::StatusCode::kPermissionDenied);
  v1::TaskCommand complete;
  complete.mutable_complete();
  EXPECT_EQ(Code("t1", complete, Office()), absl::StatusCode::kPermissionDenied);
  v1::TaskCommand tick;
  tick.mutable_tick();
  EXPECT_EQ(Code("t1", tick, Office()), absl::StatusCode::kPermissionDenied);
  v1::TaskCommand pre;
  pre.mutable_prerequisite_completed()->set_task_id("x");
  EXPECT_EQ(Code("t1", pre, "admin:ops"), absl::StatusCode::kPermissionDenied);
  v1::TaskCommand recompute;
  recompute.mutable_recompute_deadlines();
  EXPECT_EQ(Code("t1", recompute, Unit()), absl::StatusCode::kPermissionDenied);

  v1::TaskCommand request;
  request.mutable_request_extension()->set_requested_due_date("2020-07-31");
  request.mutable_request_extension()->set_reasons("农户补偿未谈妥");
  ASSERT_TRUE(Run("t1", request, Unit()).ok());
  v1::TaskCommand grant;
  grant.mutable_grant_extension()->set_reasons("同意");
  EXPECT_EQ(Code("t1", grant, Unit()), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("t1", grant, "admin:ops"), absl::StatusCode::kPermissionDenied);
  auto elsewhere = Run("t1", grant, "supervision:市重点办");
  EXPECT_EQ(elsewhere.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(elsewhere.status().message(), HasSubstr("supervision:区政府目督办"));
  EXPECT_EQ(log_->HeadPosition(), head + 1);  // only the request
}

TEST_F(TaskTest, MalformedInputIsRefusedNamingTheField) {
  auto expect_invalid = [&](v1::TaskCommand c, const char* field) {
    auto r = Run(c.create().task_id(), c, Office());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_THAT(r.status().message(), HasSubstr(field));
  };
  v1::TaskCommand c = Create("t1", "2020-07-15");
  c.mutable_create()->set_project_code("2020-5301-47-01-000001");
  expect_invalid(c, "project_code");
  c = Create("t1", "2020-07-15");
  c.mutable_create()->clear_responsible_units();
  expect_invalid(c, "responsible_units");
  c = Create("t1", "2020-07-15");
  c.mutable_create()->add_responsible_units(kUnit);
  expect_invalid(c, "responsible_units[1]");
  c = Create("t1", "2020-07-15");
  c.mutable_create()->set_title("  ");
  expect_invalid(c, "title");
  expect_invalid(Create("t1", "2020-06-28"), "deadline.rule.fixed_date");
  expect_invalid(Create("t1", "2020-7-15"), "deadline.rule");
  c = Create("t1", "2020-07-15");
  c.mutable_create()->mutable_deadline()->set_start_date("2020-07-01");
  expect_invalid(c, "deadline.start_date");
  expect_invalid(Counted("t1", v1::DeadlineRule::WORKING_DAYS, -1, nullptr), "deadline.rule");
  expect_invalid(Counted("t1", v1::DeadlineRule::WORKING_DAYS, 5, "2020-02-30"),
                 "deadline.start_date");
  c = Create("t1", nullptr);
  c.mutable_create()->mutable_deadline()->mutable_after_tasks()->add_task_ids("t1");
  c.mutable_create()->mutable_deadline()->mutable_after_tasks()->mutable_rule()->set_kind(
      v1::DeadlineRule::CALENDAR_DAYS);
  expect_invalid(c, "cannot wait for itself");
  c = Create("t1", nullptr);
  c.mutable_create()->mutable_deadline()->mutable_after_tasks()->add_task_ids("a");
  c.mutable_create()->mutable_deadline()->mutable_after_tasks()->mutable_rule()->set_kind(
      v1::DeadlineRule::FIXED_DATE);
  c.mutable_create()->mutable_deadline()->mutable_after_tasks()->mutable_rule()->set_fixed_date(
      "2020-08-01");
  expect_invalid(c, "deadline.after_tasks.rule");
  c = Create("t2", "2020-07-15");
  auto mismatch = Run("t1", c, Office());
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mismatch.status().message(), HasSubstr("task_id"));
  EXPECT_EQ(log_->HeadPosition(), 0u);
  auto admin = Run("t1", Create("t1", "2020-07-15"), "admin:ops");
  EXPECT_EQ(admin.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(admin.status().message(), HasSubstr("supervision_office"));

  ASSERT_TRUE(Run("t1", Create("t1", "2020-07-15"), Office()).ok());
  v1::TaskCommand progress;
  progress.mutable_report_progress()->set_percent(101);
  progress.mutable_report_progress()->set_text("x");
  EXPECT_EQ(Code("t1", progress, Unit()), absl::StatusCode::kInvalidArgument);
  progress.mutable_report_progress()->set_percent(40);
  progress.mutable_report_progress()->clear_text();
  EXPECT_EQ(Code("t1", progress, Unit()), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("t1", v1::TaskCommand(), Unit()), absl::StatusCode::kInvalidArgument);
}

TEST_F(TaskTest, NotFoundAlreadyExistsAndRetriedRequest) {
  v1::TaskCommand progress;
  progress.mutable_report_progress()->set_percent(10);
  progress.mutable_report_progress()->set_text("开始");
  EXPECT_EQ(Code("t1", progress, Unit()), absl::StatusCode::kNotFound);
  v1::TaskCommand tick;
  tick.mutable_tick();
  EXPECT_EQ(Code("t1", tick, kSystemActor), absl::StatusCode::kNotFound);
  ASSERT_TRUE(Run("t1", Create("t1", "2020-07-15"), Office()).ok());
  EXPECT_EQ(Code("t1", Create("t1", "2020-07-15"), Office()), absl::StatusCode::kAlreadyExists);

  v1::TaskCommand complete;
  complete.mutable_complete()->set_text("已完成");
  auto first = Run("t1", complete, Unit(), "complete-1");
  ASSERT_TRUE(first.ok()) << first.status();
  const uint64_t head = log_->HeadPosition();
  auto again = Run("t1", complete, Unit(), "complete-1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->loaded.state.status(), v1::TASK_STATUS_COMPLETED);
  EXPECT_EQ(log_->HeadPosition(), head);
  // Decided anew it would be refused: the task is completed.
  EXPECT_EQ(Code("t1", complete, Unit()), absl::StatusCode::kFailedPrecondition);
}

TEST_F(TaskTest, LateTaskClimbsTheLadderOnceEachWithRecipients) {
  ASSERT_TRUE(Run("t1", Create("t1", "2020-07-15"), Office()).ok());
  clock_.AdvanceTo(At("2020-07-15") - absl::Seconds(1));
  EXPECT_TRUE(Tick("t1").empty());

  // Yellow and the warning at 00:00 on the due day.
  clock_.AdvanceTo(*task_->NextWakeup(State("t1")));
  EXPECT_EQ(clock_.Now(), At("2020-07-15"));
  auto events = Tick("t1");
  ASSERT_THAT(Types(events), ElementsAre("task.LightChanged", "task.RungRaised"));
  EXPECT_EQ(events[0].light_changed().from(), v1::LIGHT_GREEN);
  EXPECT_EQ(events[0].light_changed().to(), v1::LIGHT_YELLOW);
  const v1::SupervisionRungRaised& warning = events[1].rung_raised();
  EXPECT_EQ(warning.rung_id(), "warning");
  EXPECT_EQ(warning.issues(), v1::ISSUE_WARNING);
  ASSERT_EQ(warning.recipients_size(), 1);
  EXPECT_EQ(warning.recipients(0).role(), v1::ROLE_RESPONSIBLE_UNIT);
  EXPECT_EQ(warning.recipients(0).unit(), kUnit);
  EXPECT_EQ(warning.slip_number(), "task/t1/1/warning");
  EXPECT_TRUE(Tick("t1").empty());  // once

  // Red and the supervision notice at the limit.
  clock_.AdvanceTo(*task_->NextWakeup(State("t1")));
  EXPECT_EQ(clock_.Now(), At("2020-07-16"));
  events = Tick("t1");
  ASSERT_THAT(Types(events), ElementsAre("task.LightChanged", "task.RungRaised"));
  EXPECT_EQ(events[0].light_changed().to(), v1::LIGHT_RED);
  EXPECT_EQ(absl::FromUnixMicros(events[0].light_changed().changed_at_us()), At("2020-07-16"));
  const v1::SupervisionRungRaised& notice = events[1].rung_raised();
  EXPECT_EQ(notice.rung_id(), "notice");
  EXPECT_EQ(notice.issues(), v1::ISSUE_SUPERVISION_NOTICE);
  ASSERT_EQ(notice.recipients_size(), 3);
  EXPECT_EQ(notice.recipients(1).role(), v1::ROLE_UNIT_HEAD);
  EXPECT_EQ(notice.recipients(2).role(), v1::ROLE_SUPERVISION_OFFICE);
  EXPECT_EQ(notice.recipients(2).unit(), kOffice);
  // 3 working days to rectify after 07-16 (Thu): 07-17, 07-20, 07-21.
  EXPECT_EQ(notice.rectification_due_on(), "2020-07-21");
  EXPECT_EQ(notice.matter(), "5号地块4户农户拆迁及14.5亩征地");

  // Unanswered: listing at 00:00 after the third working day, then the
  // interview to the leader and the head five working days later.
  EXPECT_EQ(task_->NextWakeup(State("t1")), At("2020-07-22"));
  clock_.AdvanceTo(At("2020-07-22"));
  events = Tick("t1");
  ASSERT_THAT(Types(events), ElementsAre("task.RungRaised"));
  EXPECT_EQ(events[0].rung_raised().rung_id(), "listing");
  EXPECT_EQ(task_->NextWakeup(State("t1")), At("2020-07-30"));
  clock_.AdvanceTo(At("2020-07-30", 9));
  events = Tick("t1");
  ASSERT_THAT(Types(events), ElementsAre("task.RungRaised"));
  const v1::SupervisionRungRaised& interview = events[0].rung_raised();
  EXPECT_EQ(interview.rung_id(), "interview");
  EXPECT_EQ(absl::FromUnixMicros(interview.due_at_us()), At("2020-07-30"));
  ASSERT_EQ(interview.recipients_size(), 2);
  EXPECT_EQ(interview.recipients(0).role(), v1::ROLE_RESPONSIBLE_LEADER);
  EXPECT_EQ(interview.recipients(0).unit(), "区政府分管领导");
  EXPECT_EQ(interview.recipients(1).role(), v1::ROLE_UNIT_HEAD);
  EXPECT_EQ(task_->NextWakeup(State("t1")), std::nullopt);
  v1::TaskView v = task_->View(State("t1"), clock_.Now());
  EXPECT_TRUE(v.overdue());
  EXPECT_EQ(v.light(), v1::LIGHT_RED);
  EXPECT_EQ(v.open_rungs(), 4);
  // 07-16..07-30: 11 working days overdue.
  EXPECT_EQ(v.working_days_left(), -11);
}

TEST_F(TaskTest, AnsweringTheNoticeStopsTheListing) {
  ASSERT_TRUE(Run("t1", Create("t1", "2020-07-15"), Office()).ok());
  clock_.AdvanceTo(At("2020-07-16", 8));
  ASSERT_EQ(Tick("t1").size(), 3u);  // green to red, warning, notice at once
  v1::TaskCommand answer;
  answer.mutable_answer_rung()->set_slip_number("task/t1/1/listing");
  answer.mutable_answer_rung()->set_text("x");
  EXPECT_EQ(Code("t1", answer, Unit()), absl::StatusCode::kInvalidArgument);
  answer.mutable_answer_rung()->clear_slip_number();
  answer.mutable_answer_rung()->clear_text();
  EXPECT_EQ(Code("t1", answer, Unit()), absl::StatusCode::kInvalidArgument);
  answer.mutable_answer_rung()->set_text("已约谈4户农户,7月24日前完成拆迁");
  EXPECT_EQ(Code("t1", answer, "department:区自然资源局"), absl::StatusCode::kPermissionDenied);
  auto out = Run("t1", answer, Unit());
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(Types(out->events), ElementsAre("task.RungAnswered"));
  EXPECT_EQ(out->events[0].rung_answered().rung_id(), "notice");  // the latest
  EXPECT_EQ(task_->NextWakeup(out->loaded.state), std::nullopt);
  clock_.AdvanceTo(At("2020-08-31"));
  EXPECT_TRUE(Tick("t1").empty());
  answer.mutable_answer_rung()->set_slip_number("task/t1/1/notice");
  EXPECT_EQ(Code("t1", answer, Unit()), absl::StatusCode::kFailedPrecondition);
}

TEST_F(TaskTest, CompletionStopsTheLadderAndFreezesTheLight) {
  ASSERT_TRUE(Run("t1", Create("t1", "2020-07-15"), Office()).ok());
  clock_.AdvanceTo(At("2020-07-15", 1));
  ASSERT_EQ(Tick("t1").size(), 2u);
  clock_.AdvanceTo(At("2020-07-15", 17));
  v1::TaskCommand complete;
  complete.mutable_complete()->set_text("4户拆迁完成,14.5亩征地完成");
  auto out = Run("t1", complete, Unit());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->events[0].completed().completed_on(), "2020-07-15");
  EXPECT_FALSE(out->events[0].completed().late());
  EXPECT_EQ(task_->NextWakeup(out->loaded.state), std::nullopt);
  clock_.AdvanceTo(At("2020-09-01"));
  EXPECT_TRUE(Tick("t1").empty());
  v1::TaskView v = task_->View(State("t1"), clock_.Now());
  EXPECT_EQ(v.light(), v1::LIGHT_YELLOW);
  EXPECT_FALSE(v.overdue());
  EXPECT_EQ(v.working_days_left(), 0);
}

TEST_F(TaskTest, PaperCompletionKeyedInLaterKeepsTheDayItHappened) {
  ASSERT_TRUE(Run("t1", Create("t1", "2020-07-15"), Office()).ok());
  clock_.AdvanceTo(At("2020-07-17", 9));
  v1::TaskCommand complete;
  complete.mutable_complete()->set_text("纸质记录补录");
  engine::CommandMeta meta;
  meta.request_id = "paper";
  meta.actor = Unit();
  meta.occurred_at = At("2020-07-14", 16);
  auto out = store_->Execute(TaskStream("t1"), complete, meta);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->loaded.state.completed_on(), "2020-07-14");
  EXPECT_FALSE(out->loaded.state.completed_late());
  EXPECT_TRUE(Tick("t1").empty());
}

TEST_F(TaskTest, NoDeadlineMeansNoLightAndNeverLate) {
  v1::TaskCommand c = Create("drain", nullptr);
  c.mutable_create()->set_title("项目永久性排水");
  auto out = Run("drain", c, Office());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Types(out->events), ElementsAre("task.Created"));
  EXPECT_EQ(task_->NextWakeup(out->loaded.state), std::nullopt);
  clock_.AdvanceTo(At("2021-06-30"));
  EXPECT_TRUE(Tick("drain").empty());
  v1::TaskView v = task_->View(State("drain"), clock_.Now());
  EXPECT_FALSE(v.has_deadline());
  EXPECT_FALSE(v.due_pending());
  EXPECT_EQ(v.light(), v1::LIGHT_UNSPECIFIED);
  EXPECT_FALSE(v.overdue());
  v1::TaskCommand request;
  request.mutable_request_extension()->set_requested_due_date("2021-12-31");
  request.mutable_request_extension()->set_reasons("x");
  auto r = Run("drain", request, Unit());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("no deadline"));
}

TEST_F(TaskTest, ExtensionGrantedMovesTheLimitAndRestartsTheClimb) {
  ASSERT_TRUE(Run("t1", Create("t1", "2020-07-15"), Office()).ok());
  clock_.AdvanceTo(At("2020-07-16", 9));
  ASSERT_EQ(Tick("t1").size(), 3u);

  v1::TaskCommand request;
  request.mutable_request_extension()->set_requested_due_date("2020-07-10");
  request.mutable_request_extension()->set_reasons("农户补偿未谈妥");
  EXPECT_EQ(Code("t1", request, Unit()), absl::StatusCode::kInvalidArgument);
  request.mutable_request_extension()->set_requested_due_date("2020-07-31");
  request.mutable_request_extension()->clear_reasons();
  EXPECT_EQ(Code("t1", request, Unit()), absl::StatusCode::kInvalidArgument);
  request.mutable_request_extension()->set_reasons("农户补偿未谈妥");
  v1::TaskCommand grant;
  grant.mutable_grant_extension()->set_reasons("同意");
  EXPECT_EQ(Code("t1", grant, Office()), absl::StatusCode::kFailedPrecondition);  // none pending
  ASSERT_TRUE(Run("t1", request, Unit()).ok());
  EXPECT_EQ(Code("t1", request, Unit()), absl::StatusCode::kFailedPrecondition);  // one pending

  v1::TaskCommand refuse;
  refuse.mutable_refuse_extension();
  EXPECT_EQ(Code("t1", refuse, Office()), absl::StatusCode::kInvalidArgument);
  refuse.mutable_refuse_extension()->set_reasons("理由不充分");
  auto refused = Run("t1", refuse, Office());
  ASSERT_TRUE(refused.ok());
  EXPECT_THAT(Types(refused->events), ElementsAre("task.ExtensionRefused"));
  EXPECT_EQ(refused->loaded.state.due_date(), "2020-07-15");

  request.mutable_request_extension()->set_requested_due_date("2020-07-24");
  ASSERT_TRUE(Run("t1", request, Unit()).ok());
  grant.mutable_grant_extension()->set_due_date("2020-07-31");  // more than asked
  auto granted = Run("t1", grant, Office());
  ASSERT_TRUE(granted.ok()) << granted.status();
  ASSERT_THAT(Types(granted->events), ElementsAre("task.ExtensionGranted", "task.LightChanged"));
  EXPECT_EQ(granted->events[0].extension_granted().request_no(), 2);
  EXPECT_EQ(granted->events[1].light_changed().from(), v1::LIGHT_RED);
  EXPECT_EQ(granted->events[1].light_changed().to(), v1::LIGHT_GREEN);
  const v1::TaskState& s = granted->loaded.state;
  EXPECT_EQ(s.due_date(), "2020-07-31");
  EXPECT_EQ(s.episode(), 2);
  EXPECT_EQ(task_->View(s, clock_.Now()).open_rungs(), 0);
  // The climb restarts against the new limit: 2020-07-31 is a Friday.
  EXPECT_EQ(task_->NextWakeup(s), At("2020-07-31"));
  clock_.AdvanceTo(At("2020-08-01"));
  auto events = Tick("t1");
  ASSERT_THAT(Types(events),
              ElementsAre("task.LightChanged", "task.RungRaised", "task.RungRaised"));
  EXPECT_EQ(events[1].rung_raised().slip_number(), "task/t1/2/warning");
  EXPECT_EQ(events[2].rung_raised().slip_number(), "task/t1/2/notice");
  EXPECT_EQ(events[2].rung_raised().due_date(), "2020-07-31");
}

TEST_F(TaskTest, LimitsOnHolidays) {
  // 30 calendar days from 2020-09-01 is 10-01, National Day: rolled to the
  // first working day after the holiday, 10-09.
  auto out =
      Run("cal", Counted("cal", v1::DeadlineRule::CALENDAR_DAYS, 30, "2020-09-01"), Office());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(calendar_->IsWorkingDay(Day("2020-10-01")));
  EXPECT_EQ(out->loaded.state.due_date(), "2020-10-09");
  EXPECT_EQ(out->loaded.state.computed().base_due_date(), "2020-10-09");
  // 5 working days from Monday 09-28: 09-29, 09-30, then 10-09 (Fri),
  // 10-10 (Saturday made a working day) and 10-12.
  out = Run("wd", Counted("wd", v1::DeadlineRule::WORKING_DAYS, 5, "2020-09-28"), Office());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->loaded.state.due_date(), "2020-10-12");
  // A fixed date on a day off stays as written; yellow from the last working
  // day before it (09-30), red from 10-05 00:00.
  out = Run("fixed", Create("fixed", "2020-10-04"), Office());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->loaded.state.due_date(), "2020-10-04");
  EXPECT_EQ(task_->NextWakeup(out->loaded.state), At("2020-09-30"));
  clock_.AdvanceTo(At("2020-10-02"));
  auto events = Tick("fixed");
  ASSERT_GE(events.size(), 1u);
  EXPECT_EQ(events[0].light_changed().to(), v1::LIGHT_YELLOW);
  EXPECT_EQ(absl::FromUnixMicros(events[0].light_changed().changed_at_us()), At("2020-09-30"));
  EXPECT_EQ(task_->NextWakeup(State("fixed")), At("2020-10-05"));
}

TEST_F(TaskTest, DueDateIsFixedWhenTheLastPrerequisiteCompletes) {
  v1::TaskCommand c = Create("permit", nullptr);
  c.mutable_create()->set_title("规划许可证");
  auto* after = c.mutable_create()->mutable_deadline()->mutable_after_tasks();
  after->add_task_ids("a");
  after->add_task_ids("b");
  after->mutable_rule()->set_kind(v1::DeadlineRule::CALENDAR_DAYS);
  after->mutable_rule()->set_n(45);
  auto out = Run("permit", c, Office());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Types(out->events), ElementsAre("task.Created"));
  EXPECT_THAT(Task::PendingPrerequisites(out->loaded.state), ElementsAre("a", "b"));
  v1::TaskView v = task_->View(out->loaded.state, clock_.Now());
  EXPECT_TRUE(v.has_deadline());
  EXPECT_TRUE(v.due_pending());
  EXPECT_EQ(task_->NextWakeup(out->loaded.state), std::nullopt);
  v1::TaskCommand request;
  request.mutable_request_extension()->set_requested_due_date("2020-12-31");
  request.mutable_request_extension()->set_reasons("x");
  EXPECT_EQ(Code("permit", request, Unit()), absl::StatusCode::kFailedPrecondition);

  clock_.AdvanceTo(At("2020-07-20", 9));
  v1::TaskCommand pre;
  pre.mutable_prerequisite_completed()->set_task_id("c");
  pre.mutable_prerequisite_completed()->set_completed_on("2020-07-18");
  EXPECT_EQ(Code("permit", pre, kSystemActor), absl::StatusCode::kInvalidArgument);
  pre.mutable_prerequisite_completed()->set_task_id("a");
  pre.mutable_prerequisite_completed()->set_completed_on("2020-07-21");
  EXPECT_EQ(Code("permit", pre, kSystemActor), absl::StatusCode::kInvalidArgument);  // future
  pre.mutable_prerequisite_completed()->set_completed_on("2020-07-18");
  out = Run("permit", pre, kSystemActor);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Types(out->events), ElementsAre("task.PrerequisiteRecorded"));
  EXPECT_TRUE(out->loaded.state.due_date().empty());
  // Delivered again (a retry by the engine): nothing new; another date: refused.
  out = Run("permit", pre, kSystemActor);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->events.empty());
  pre.mutable_prerequisite_completed()->set_completed_on("2020-07-19");
  EXPECT_EQ(Code("permit", pre, kSystemActor), absl::StatusCode::kFailedPrecondition);

  pre.mutable_prerequisite_completed()->set_task_id("b");
  pre.mutable_prerequisite_completed()->set_completed_on("2020-07-17");  // earlier than a
  out = Run("permit", pre, kSystemActor);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(Types(out->events),
              ElementsAre("task.PrerequisiteRecorded", "task.DueDateFixed", "task.LightChanged"));
  // From the later completion, 07-18: + 45 = 09-01 (Tuesday).
  EXPECT_EQ(out->events[1].due_date_fixed().computed().start_date(), "2020-07-18");
  EXPECT_EQ(out->loaded.state.due_date(), "2020-09-01");
  EXPECT_EQ(out->events[2].light_changed().to(), v1::LIGHT_GREEN);
  EXPECT_EQ(task_->NextWakeup(out->loaded.state), At("2020-09-01"));

  // Not a task that waits.
  ASSERT_TRUE(Run("t1", Create("t1", "2020-07-31"), Office()).ok());
  EXPECT_EQ(Code("t1", pre, kSystemActor), absl::StatusCode::kFailedPrecondition);
}

TEST_F(TaskTest, ProvisionalDueDateIsRecomputedWhenTheYearIsLoaded) {
  // A calendar without 2020: weekends alone, results provisional.
  task_->SetCalendar(std::make_shared<const engine::WorkingDayCalendar>());
  auto out = Run("wd", Counted("wd", v1::DeadlineRule::WORKING_DAYS, 5, "2020-09-28"), Office());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->loaded.state.due_date(), "2020-10-05");  // 09-29, 30, 10-01, 02, 05
  EXPECT_TRUE(out->loaded.state.provisional());
  EXPECT_TRUE(task_->View(out->loaded.state, clock_.Now()).provisional());

  task_->SetCalendar(calendar_);
  v1::TaskCommand recompute;
  recompute.mutable_recompute_deadlines();
  EXPECT_EQ(Code("wd", recompute, Unit()), absl::StatusCode::kPermissionDenied);
  out = Run("wd", recompute, "admin:ops");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(Types(out->events), ElementsAre("task.DeadlineRecomputed"));
  EXPECT_EQ(out->events[0].deadline_recomputed().old_deadline().due_date(), "2020-10-05");
  EXPECT_EQ(out->events[0].deadline_recomputed().new_deadline().due_date(), "2020-10-12");
  EXPECT_EQ(out->loaded.state.due_date(), "2020-10-12");
  EXPECT_FALSE(out->loaded.state.provisional());
  out = Run("wd", recompute, kSystemActor);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->events.empty());
}

TEST_F(TaskTest, ReplayGivesTheSameStateByteForByte) {
  ASSERT_TRUE(Run("t1", Create("t1", "2020-07-15"), Office()).ok());
  v1::TaskCommand progress;
  progress.mutable_report_progress()->set_percent(60);
  progress.mutable_report_progress()->set_text("已完成2户拆迁");
  ASSERT_TRUE(Run("t1", progress, Unit()).ok());
  clock_.AdvanceTo(At("2020-07-23"));
  Tick("t1");
  Tick("t1");
  auto loaded = store_->Load(TaskStream("t1"));
  auto replayed = store_->LoadAsOf(TaskStream("t1"), {});
  ASSERT_TRUE(loaded.ok() && replayed.ok());
  EXPECT_EQ(loaded->state.SerializeAsString(), replayed->state.SerializeAsString());
  EXPECT_EQ(loaded->state.percent(), 60);
  // Warning and notice; the listing counts from when the notice was issued
  // (07-23), not from when it fell due.
  EXPECT_EQ(loaded->state.rungs_size(), 2);
}

}  // namespace
}  // namespace taizhang::workflows
