// Jinning district, 2020 (seeds/000_*.txt): after the people's congress
// inspection of 29 June, the district government set owners and dates for the
// problems the enterprises raised:
//   - 晋宁吾悦广场: "5号地块4户农户拆迁及14.5亩征地 ... 由昆阳街道办7月15日前完成";
//     "1号地块1综房屋拆迁事宜 ... 9月底前完成"; "项目组价报规划许可证问题由区自然资源局
//     负责在征地拆迁完成后的45天内完成发证"; "项目永久性排水以及大商业项目双回线路供电问题
//     由晋宁区国有资本运营有限公司负责解决" (no date);
//   - 昆明腾洋光学: "尽快为企业供地事宜,由区工业园区管委会和区自然资源局 ... 于7月底前负责供地";
//   - and the office "发现问题及时进行预警提示通报 ... 实行挂牌督办 ... 责任倒查".
// The test drives the tasks and a problem through 2020 on a ManualClock, as
// the engine would: each stream is ticked at its NextWakeup (with the
// scheduler's request id), and a task's completion is delivered to the tasks
// waiting for it. The calendar is cn-2020, the policy jinning-2020 (yellow one
// working day before; the ladder warning → notice → listing → interview).
// Project codes are placeholders: the document gives none.
#include <algorithm>
#include <cstdlib>

#include "base/testing/files.h"
#include "engine/deadline_rule.h"
#include "engine/deadline_scheduler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/principal.h"
#include "workflows/problem.h"
#include "workflows/task.h"

namespace taizhang::workflows {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using ::taizhang::testing::SourceDir;
absl::CivilDay Day(const char* text) { return *engine::ParseDate(text); }
absl::Time At(const char* text, int hours = 0) {
  return engine::StartOfDay(Day(text)) + absl::Hours(hours);
}

constexpr char kOffice[] = "supervision:区政府目督办";
constexpr char kKunyang[] = "昆阳街道办";
constexpr char kResources[] = "区自然资源局";
constexpr char kPark[] = "区工业园区管委会";
constexpr char kCapital[] = "晋宁区国有资本运营有限公司";
constexpr char kLeader[] = "区政府分管领导";
constexpr char kWuyue[] = "2020-530115-70-01-000001";     // placeholder
constexpr char kTengyang[] = "2020-530115-39-03-000002";  // placeholder

std::string Dept(const char* unit) { return absl::StrCat("department:", unit); }

// A recorded rung: which stream, what.
struct RaisedOn {
  std::string stream;
  v1::SupervisionRungRaised rung;
};

class JinningScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    const std::string policies = SourceDir() + "/workflows/policies";
    auto task = Task::Load(policies + "/tasks/jinning-2020.textproto", policies + "/ladders",
                           policies + "/calendars");
    ASSERT_TRUE(task.ok()) << task.status();
    task_ = std::move(*task);
    auto problem = Problem::Load(policies + "/tasks/jinning-2020.textproto", policies + "/ladders",
                                 policies + "/calendars");
    ASSERT_TRUE(problem.ok()) << problem.status();
    problem_ = std::move(*problem);
    auto cal = engine::WorkingDayCalendar::LoadDirectory(policies + "/calendars");
    ASSERT_TRUE(cal.ok());
    calendar_ = std::move(*cal);
    tasks_ = std::make_unique<engine::AggregateStore<Task>>(*log_, clock_, *task_);
    problems_ = std::make_unique<engine::AggregateStore<Problem>>(*log_, clock_, *problem_);
  }
  void TearDown() override {
    tasks_.reset();
    problems_.reset();
    log_.reset();
  }

  engine::CommandMeta Meta(const std::string& actor, std::string request_id = "") {
    engine::CommandMeta meta;
    meta.request_id = request_id.empty() ? absl::StrCat("req-", ++requests_) : request_id;
    meta.actor = actor;
    return meta;
  }

  v1::TaskState TaskState(const std::string& id) {
    auto loaded = tasks_->Load(TaskStream(id));
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded->state;
  }
  v1::TaskView TaskView(const std::string& id) { return task_->View(TaskState(id), clock_.Now()); }
  v1::ProblemState ProblemState(const std::string& id) {
    auto loaded = problems_->Load(ProblemStream(id));
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded->state;
  }

  void Record(const std::string& stream, const v1::SupervisionRungRaised* rung,
              const v1::SupervisionLightChanged* light) {
    if (rung != nullptr) raised_.push_back({stream, *rung});
    if (light != nullptr) lights_.push_back({stream, *light});
  }

  // Runs a task command, then delivers a completion to the tasks waiting for
  // it, as the engine does.
  void RunTask(const std::string& id, const v1::TaskCommand& c, const std::string& actor) {
    auto out = tasks_->Execute(TaskStream(id), c, Meta(actor));
    ASSERT_TRUE(out.ok()) << id << ": " << out.status();
    for (const v1::TaskEvent& e : out->events) {
      Record(TaskStream(id), e.has_rung_raised() ? &e.rung_raised() : nullptr,
             e.has_light_changed() ? &e.light_changed() : nullptr);
      if (!e.has_completed()) continue;
      for (const std::string& other : task_ids_) {
        const std::vector<std::string> waiting = Task::PendingPrerequisites(TaskState(other));
        if (std::find(waiting.begin(), waiting.end(), id) == waiting.end()) continue;
        v1::TaskCommand pre;
        pre.mutable_prerequisite_completed()->set_task_id(id);
        pre.mutable_prerequisite_completed()->set_completed_on(e.completed().completed_on());
        RunTask(other, pre, kSystemActor);
      }
    }
  }
  void RunProblem(const std::string& id, const v1::ProblemCommand& c, const std::string& actor) {
    auto out = problems_->Execute(ProblemStream(id), c, Meta(actor));
    ASSERT_TRUE(out.ok()) << id << ": " << out.status();
    for (const v1::ProblemEvent& e : out->events) {
      Record(ProblemStream(id), e.has_rung_raised() ? &e.rung_raised() : nullptr,
             e.has_light_changed() ? &e.light_changed() : nullptr);
    }
  }

  // Moves the clock to `to`, ticking every stream at its wake-up on the way,
  // earliest first, with the scheduler's request id.
  void RunUntil(absl::Time to) {
    for (;;) {
      std::optional<absl::Time> best;
      std::string best_id;
      bool best_is_task = false;
      auto consider = [&](std::optional<absl::Time> w, const std::string& id, bool is_task) {
        if (w.has_value() && *w <= to && (!best.has_value() || *w < *best)) {
          best = w;
          best_id = id;
          best_is_task = is_task;
        }
      };
      for (const std::string& id : task_ids_) consider(task_->NextWakeup(TaskState(id)), id, true);
      for (const std::string& id : problem_ids_) {
        consider(problem_->NextWakeup(ProblemState(id)), id, false);
      }
      if (!best.has_value()) break;
      clock_.AdvanceTo(*best);
      if (best_is_task) {
        v1::TaskCommand tick;
        tick.mutable_tick();
        const std::string stream = TaskStream(best_id);
        auto out = tasks_->Execute(stream, tick,
                                   Meta(kSystemActor, engine::DeadlineRequestId(stream, *best)));
        ASSERT_TRUE(out.ok()) << out.status();
        ASSERT_FALSE(out->events.empty()) << stream << " woke at " << *best << " for nothing";
        for (const auto& e : out->events) {
          Record(stream, e.has_rung_raised() ? &e.rung_raised() : nullptr,
                 e.has_light_changed() ? &e.light_changed() : nullptr);
        }
      } else {
        v1::ProblemCommand tick;
        tick.mutable_tick();
        const std::string stream = ProblemStream(best_id);
        auto out = problems_->Execute(stream, tick,
                                      Meta(kSystemActor, engine::DeadlineRequestId(stream, *best)));
        ASSERT_TRUE(out.ok()) << out.status();
        ASSERT_FALSE(out->events.empty()) << stream << " woke at " << *best << " for nothing";
        for (const auto& e : out->events) {
          Record(stream, e.has_rung_raised() ? &e.rung_raised() : nullptr,
                 e.has_light_changed() ? &e.light_changed() : nullptr);
        }
      }
    }
    clock_.AdvanceTo(to);
  }

  // Rung ids raised on `stream`, in order.
  std::vector<std::string> Rungs(const std::string& stream) {
    std::vector<std::string> out;
    for (const RaisedOn& r : raised_) {
      if (r.stream == stream) out.push_back(r.rung.rung_id());
    }
    return out;
  }
  const v1::SupervisionRungRaised& Rung(const std::string& stream, const std::string& id) {
    for (const RaisedOn& r : raised_) {
      if (r.stream == stream && r.rung.rung_id() == id) return r.rung;
    }
    ADD_FAILURE() << "no rung " << id << " on " << stream;
    static const v1::SupervisionRungRaised* none = new v1::SupervisionRungRaised();
    return *none;
  }
  // "role unit" strings of a rung's recipients.
  static std::vector<std::string> To(const v1::SupervisionRungRaised& rung) {
    std::vector<std::string> out;
    for (const auto& r : rung.recipients()) {
      out.push_back(absl::StrCat(v1::Role_Name(r.role()), " ", r.unit()));
    }
    return out;
  }
  // Lights taken by `stream`, in order.
  std::vector<v1::Light> Lights(const std::string& stream) {
    std::vector<v1::Light> out;
    for (const auto& [s, l] : lights_) {
      if (s == stream) out.push_back(l.to());
    }
    return out;
  }

  void CreateTask(const std::string& id, const std::string& code, const std::string& title,
                  std::vector<std::string> units, const char* fixed_date, const char* leader) {
    v1::TaskCommand c;
    v1::CreateTask* t = c.mutable_create();
    t->set_task_id(id);
    t->set_project_code(code);
    t->set_title(title);
    for (const auto& u : units) t->add_responsible_units(u);
    if (leader != nullptr) t->set_responsible_leader(leader);
    if (fixed_date != nullptr) {
      t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
      t->mutable_deadline()->mutable_rule()->set_fixed_date(fixed_date);
    }
    task_ids_.push_back(id);
    RunTask(id, c, kOffice);
  }

  static v1::TaskCommand Complete(const char* text) {
    v1::TaskCommand c;
    c.mutable_complete()->set_text(text);
    return c;
  }

  ManualClock clock_{At("2020-06-29", 10)};  // the inspection
  ::taizhang::testing::TempDir tmp_;         // removed after the log closes
  const std::string dir_ = tmp_ / "log";
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<Task> task_;
  std::unique_ptr<Problem> problem_;
  engine::WorkingDayCalendar calendar_;
  std::unique_ptr<engine::AggregateStore<Task>> tasks_;
  std::unique_ptr<engine::AggregateStore<Problem>> problems_;
  std::vector<std::string> task_ids_;
  std::vector<std::string> problem_ids_;
  std::vector<RaisedOn> raised_;
  std::vector<std::pair<std::string, v1::SupervisionLightChanged>> lights_;
  int requests_ = 0;
};

TEST_F(JinningScenarioTest, WuyuePlazaAndTengyangOpticsThrough2020) {
  const std::string plot5 = TaskStream("wuyue-plot5");
  const std::string plot1 = TaskStream("wuyue-plot1");
  const std::string permit = TaskStream("wuyue-permit");
  const std::string land = TaskStream("tengyang-land");
  const std::string civil = ProblemStream("wuyue-civil-defence");

  // --- 29 June: the office sets the tasks.
  CreateTask("wuyue-plot5", kWuyue, "晋宁吾悦广场5号地块4户农户拆迁及14.5亩征地", {kKunyang},
             "2020-07-15", kLeader);
  CreateTask("wuyue-plot1", kWuyue, "晋宁吾悦广场1号地块1综房屋拆迁", {kKunyang}, "2020-09-30",
             kLeader);
  {
    v1::TaskCommand c;
    v1::CreateTask* t = c.mutable_create();
    t->set_task_id("wuyue-permit");
    t->set_project_code(kWuyue);
    t->set_title("晋宁吾悦广场项目组价报规划许可证发证");
    t->add_responsible_units(kResources);
    t->set_responsible_leader(kLeader);
    v1::TaskAfterTasks* after = t->mutable_deadline()->mutable_after_tasks();
    after->add_task_ids("wuyue-plot5");  // requisition and demolition, plot 5
    after->add_task_ids("wuyue-plot1");  // demolition, plot 1
    after->mutable_rule()->set_kind(v1::DeadlineRule::CALENDAR_DAYS);
    after->mutable_rule()->set_n(45);  // "完成后的45天内"
    task_ids_.push_back("wuyue-permit");
    RunTask("wuyue-permit", c, kOffice);
  }
  CreateTask("wuyue-drainage", kWuyue, "晋宁吾悦广场项目永久性排水", {kCapital}, nullptr, kLeader);
  CreateTask("wuyue-power", kWuyue, "晋宁吾悦广场大商业项目双回线路供电", {kCapital}, nullptr,
             kLeader);
  CreateTask("tengyang-land", kTengyang, "昆明腾洋光学标准化厂房建设项目供地", {kPark, kResources},
             "2020-07-31", nullptr);
  {
    // The enterprise's problem, recorded by the office, assigned to the
    // subdistrict office with the same date.
    v1::ProblemCommand raise;
    v1::RaiseProblem* r = raise.mutable_raise();
    r->set_problem_id("wuyue-civil-defence");
    r->set_project_code(kWuyue);
    r->set_title("5号地块4户农户拆迁及14.5亩征地影响项目人防工程申报");
    r->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_ENTERPRISE);
    r->mutable_source()->set_name("晋宁吾悦广场项目单位");
    r->set_responsible_leader(kLeader);
    r->set_task_id("wuyue-plot5");
    problem_ids_.push_back("wuyue-civil-defence");
    RunProblem("wuyue-civil-defence", raise, kOffice);
    v1::ProblemCommand assign;
    assign.mutable_assign()->set_unit(kKunyang);
    assign.mutable_assign()->set_measures("7月15日前完成5号地块4户农户拆迁及14.5亩征地");
    assign.mutable_assign()->mutable_limit()->set_kind(v1::DeadlineRule::FIXED_DATE);
    assign.mutable_assign()->mutable_limit()->set_fixed_date("2020-07-15");
    RunProblem("wuyue-civil-defence", assign, kOffice);
  }

  EXPECT_EQ(TaskView("wuyue-plot5").light(), v1::LIGHT_GREEN);
  EXPECT_EQ(TaskView("tengyang-land").light(), v1::LIGHT_GREEN);
  v1::TaskView pv = TaskView("wuyue-permit");
  EXPECT_TRUE(pv.due_pending());
  EXPECT_THAT(pv.waiting_for(), ElementsAre("wuyue-plot5", "wuyue-plot1"));
  EXPECT_EQ(pv.light(), v1::LIGHT_UNSPECIFIED);
  for (const char* id : {"wuyue-drainage", "wuyue-power"}) {
    EXPECT_FALSE(TaskView(id).has_deadline()) << id;
    EXPECT_EQ(TaskView(id).light(), v1::LIGHT_UNSPECIFIED) << id;
  }

  // --- Up to the last moment of 14 July: nothing is raised.
  RunUntil(At("2020-07-15") - absl::Seconds(1));
  EXPECT_THAT(raised_, IsEmpty());

  // --- 15 July (Wednesday), the due day: yellow and a warning to the unit,
  // for the task and for the problem.
  RunUntil(At("2020-07-15", 12));
  EXPECT_EQ(TaskView("wuyue-plot5").light(), v1::LIGHT_YELLOW);
  EXPECT_THAT(Rungs(plot5), ElementsAre("warning"));
  EXPECT_THAT(To(Rung(plot5, "warning")), ElementsAre("ROLE_RESPONSIBLE_UNIT 昆阳街道办"));
  EXPECT_EQ(absl::FromUnixMicros(Rung(plot5, "warning").raised_at_us()), At("2020-07-15"));
  EXPECT_THAT(Rungs(civil), ElementsAre("warning"));
  EXPECT_EQ(TaskView("tengyang-land").light(), v1::LIGHT_GREEN);

  // --- 16 July 00:00, not done: red and the supervision notice, 3 working
  // days to rectify (17, 20, 21 July).
  RunUntil(At("2020-07-16", 12));
  EXPECT_EQ(TaskView("wuyue-plot5").light(), v1::LIGHT_RED);
  EXPECT_TRUE(TaskView("wuyue-plot5").overdue());
  EXPECT_THAT(Rungs(plot5), ElementsAre("warning", "notice"));
  const v1::SupervisionRungRaised& notice = Rung(plot5, "notice");
  EXPECT_EQ(absl::FromUnixMicros(notice.raised_at_us()), At("2020-07-16"));
  EXPECT_THAT(To(notice),
              ElementsAre("ROLE_RESPONSIBLE_UNIT 昆阳街道办", "ROLE_UNIT_HEAD 昆阳街道办",
                          "ROLE_SUPERVISION_OFFICE 区政府目督办"));
  EXPECT_EQ(notice.rectification_due_on(), "2020-07-21");
  EXPECT_EQ(notice.slip_number(), "task/wuyue-plot5/1/notice");
  EXPECT_THAT(Rungs(civil), ElementsAre("warning", "notice"));

  // --- Unanswered: listed (挂牌督办) at 00:00 on 22 July.
  RunUntil(At("2020-07-22", 12));
  EXPECT_THAT(Rungs(plot5), ElementsAre("warning", "notice", "listing"));
  EXPECT_EQ(absl::FromUnixMicros(Rung(plot5, "listing").raised_at_us()), At("2020-07-22"));
  EXPECT_THAT(Rungs(civil), ElementsAre("warning", "notice", "listing"));
  EXPECT_THAT(To(Rung(civil, "listing")),
              ElementsAre("ROLE_RESPONSIBLE_UNIT 昆阳街道办", "ROLE_UNIT_HEAD 昆阳街道办",
                          "ROLE_SUPERVISION_OFFICE 区政府目督办"));

  // --- 24 July: plot 5 done, late; the problem resolved. The interview that
  // would have come on 30 July never does.
  RunUntil(At("2020-07-24", 10));
  RunTask("wuyue-plot5", Complete("4户农户拆迁及14.5亩征地完成"), Dept(kKunyang));
  EXPECT_TRUE(TaskState("wuyue-plot5").completed_late());
  {
    v1::ProblemCommand resolve;
    resolve.mutable_resolve()->set_text("征地拆迁完成,人防工程已申报");
    RunProblem("wuyue-civil-defence", resolve, Dept(kKunyang));
  }
  // The permit heard of plot 5 and still waits for plot 1.
  pv = TaskView("wuyue-permit");
  EXPECT_TRUE(pv.due_pending());
  EXPECT_THAT(pv.waiting_for(), ElementsAre("wuyue-plot1"));
  RunUntil(At("2020-07-27", 10));
  {
    v1::ProblemCommand verify;
    verify.mutable_verify()->set_text("经核实已解决");
    RunProblem("wuyue-civil-defence", verify, kOffice);
  }
  EXPECT_EQ(ProblemState("wuyue-civil-defence").status(), v1::PROBLEM_STATUS_VERIFIED);

  // --- 31 July (Friday): Tengyang's land supply due; both units warned.
  RunUntil(At("2020-07-31", 12));
  EXPECT_THAT(Rungs(plot5), ElementsAre("warning", "notice", "listing"));  // stopped
  EXPECT_THAT(Rungs(civil), ElementsAre("warning", "notice", "listing"));  // stopped
  EXPECT_EQ(TaskView("tengyang-land").light(), v1::LIGHT_YELLOW);
  EXPECT_THAT(To(Rung(land, "warning")), ElementsAre("ROLE_RESPONSIBLE_UNIT 区工业园区管委会",
                                                     "ROLE_RESPONSIBLE_UNIT 区自然资源局"));

  // --- 1 August 00:00 (a Saturday): not supplied, red and a notice to both
  // units, both heads and the office (no leader was named for it).
  RunUntil(At("2020-08-01", 12));
  EXPECT_EQ(TaskView("tengyang-land").light(), v1::LIGHT_RED);
  EXPECT_THAT(To(Rung(land, "notice")),
              ElementsAre("ROLE_RESPONSIBLE_UNIT 区工业园区管委会",
                          "ROLE_RESPONSIBLE_UNIT 区自然资源局", "ROLE_UNIT_HEAD 区工业园区管委会",
                          "ROLE_UNIT_HEAD 区自然资源局", "ROLE_SUPERVISION_OFFICE 区政府目督办"));
  // Rectify within 3 working days after 1 August: 3, 4, 5 August.
  EXPECT_EQ(Rung(land, "notice").rectification_due_on(), "2020-08-05");

  // --- 4 August: the park committee answers the notice; no listing follows.
  RunUntil(At("2020-08-04", 10));
  {
    v1::TaskCommand answer;
    answer.mutable_answer_rung()->set_text("土地报批材料已上报,8月10日前完成供地");
    RunTask("tengyang-land", answer, Dept(kPark));
  }
  RunUntil(At("2020-08-10", 10));
  EXPECT_THAT(Rungs(land), ElementsAre("warning", "notice"));
  RunTask("tengyang-land", Complete("已供地"), Dept(kResources));
  EXPECT_TRUE(TaskState("tengyang-land").completed_late());

  // --- 20 August: plot 1 done early (green all along). Both prerequisites
  // complete: the permit is due 45 calendar days after the later one,
  // 20 August + 45 = 4 October — a Sunday inside the National Day holiday
  // (1–8 October) — so the period ends on the first working day after it,
  // Friday 9 October.
  RunUntil(At("2020-08-20", 16));
  RunTask("wuyue-plot1", Complete("1综房屋拆迁完成"), Dept(kKunyang));
  EXPECT_FALSE(TaskState("wuyue-plot1").completed_late());
  const absl::CivilDay raw = Day("2020-08-20") + 45;
  EXPECT_EQ(engine::FormatDate(raw), "2020-10-04");
  EXPECT_FALSE(calendar_.IsWorkingDay(raw));
  v1::TaskState permit_state = TaskState("wuyue-permit");
  EXPECT_EQ(permit_state.computed().start_date(), "2020-08-20");
  EXPECT_EQ(permit_state.due_date(), "2020-10-09");
  EXPECT_EQ(permit_state.due_date(), engine::FormatDate(calendar_.NextWorkingDay(raw).day));
  EXPECT_FALSE(permit_state.provisional());
  pv = TaskView("wuyue-permit");
  EXPECT_FALSE(pv.due_pending());
  EXPECT_EQ(pv.light(), v1::LIGHT_GREEN);

  // --- Through 8 October: no rung on the permit, none ever on plot 1.
  RunUntil(At("2020-10-09") - absl::Seconds(1));
  EXPECT_THAT(Rungs(permit), IsEmpty());
  EXPECT_EQ(TaskView("wuyue-permit").light(), v1::LIGHT_GREEN);
  EXPECT_THAT(Rungs(plot1), IsEmpty());
  EXPECT_THAT(Lights(plot1), ElementsAre(v1::LIGHT_GREEN));

  // --- 9 October: yellow and the warning to the bureau.
  RunUntil(At("2020-10-09", 12));
  EXPECT_EQ(TaskView("wuyue-permit").light(), v1::LIGHT_YELLOW);
  EXPECT_THAT(To(Rung(permit, "warning")), ElementsAre("ROLE_RESPONSIBLE_UNIT 区自然资源局"));

  // --- 10 October 00:00 (a Saturday made a working day): red, notice;
  // unanswered, listing at 00:00 after 12, 13, 14 October; still unanswered,
  // the interview (约谈) after 16, 19, 20, 21, 22 October — to the leader and
  // the bureau's head.
  RunUntil(At("2020-10-23", 12));
  EXPECT_THAT(Rungs(permit), ElementsAre("warning", "notice", "listing", "interview"));
  EXPECT_EQ(absl::FromUnixMicros(Rung(permit, "notice").raised_at_us()), At("2020-10-10"));
  EXPECT_EQ(absl::FromUnixMicros(Rung(permit, "listing").raised_at_us()), At("2020-10-15"));
  EXPECT_EQ(absl::FromUnixMicros(Rung(permit, "interview").raised_at_us()), At("2020-10-23"));
  EXPECT_THAT(To(Rung(permit, "interview")),
              ElementsAre("ROLE_RESPONSIBLE_LEADER 区政府分管领导", "ROLE_UNIT_HEAD 区自然资源局"));
  // Overdue by the working days 10-10, 10-12..16, 10-19..23.
  EXPECT_EQ(TaskView("wuyue-permit").working_days_left(), -11);

  RunUntil(At("2020-10-26", 10));
  RunTask("wuyue-permit", Complete("规划许可证已核发"), Dept(kResources));

  // --- To the end of the year: nothing more anywhere.
  const size_t before = raised_.size();
  RunUntil(At("2020-12-31", 23));
  EXPECT_EQ(raised_.size(), before);
  for (const std::string& id : task_ids_) {
    EXPECT_EQ(task_->NextWakeup(TaskState(id)), std::nullopt) << id;
  }
  // The tasks without a deadline: no light, never late, no rung.
  for (const char* id : {"wuyue-drainage", "wuyue-power"}) {
    EXPECT_THAT(Lights(TaskStream(id)), IsEmpty()) << id;
    EXPECT_THAT(Rungs(TaskStream(id)), IsEmpty()) << id;
    EXPECT_FALSE(TaskView(id).overdue()) << id;
  }
  // Each rung was raised when it fell due (the ticks ran on time).
  for (const RaisedOn& r : raised_) {
    EXPECT_EQ(r.rung.raised_at_us(), r.rung.due_at_us()) << r.rung.slip_number();
  }
  EXPECT_THAT(Lights(permit), ElementsAre(v1::LIGHT_GREEN, v1::LIGHT_YELLOW, v1::LIGHT_RED));
  EXPECT_THAT(Lights(civil), ElementsAre(v1::LIGHT_GREEN, v1::LIGHT_YELLOW, v1::LIGHT_RED));
  // Replaying every stream gives the state the stores hold.
  for (const std::string& id : task_ids_) {
    auto replayed = tasks_->LoadAsOf(TaskStream(id), {});
    ASSERT_TRUE(replayed.ok());
    EXPECT_EQ(replayed->state.SerializeAsString(), TaskState(id).SerializeAsString()) << id;
  }
}

}  // namespace
}  // namespace taizhang::workflows
