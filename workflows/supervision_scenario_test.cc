// One ladder, four aggregates, one code path: a task, a problem, a
// joint-approval item and a project node, all due on Wednesday 2020-07-15 and
// all left undone, climb the same ladder (luohe-38-day: warning, notice,
// listing, interview) on the same days with the same slips; the office's
// hand, the unit's answer and the delisting work the same way on each.
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/deadline_rule.h"
#include "engine/ladder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/alerts.h"
#include "workflows/approval_case.h"
#include "workflows/principal.h"
#include "workflows/problem.h"
#include "workflows/project.h"
#include "workflows/task.h"

namespace taizhang::workflows {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ::taizhang::testing::SourceDir;

absl::Time At(int y, int m, int d, int h = 0) {
  return engine::StartOfDay(absl::CivilDay(y, m, d)) + absl::Hours(h);
}

constexpr char kCode[] = "2020-530115-47-01-000001";
constexpr char kUnit[] = "市规划局";
constexpr char kOffice[] = "市政府督查室";
constexpr char kLeader[] = "王副市长";

// Decides and applies commands on one stream of aggregate A, in memory.
template <class A>
class Stream {
 public:
  Stream(const A& aggregate, std::string stream) : a_(aggregate), stream_(std::move(stream)) {}

  absl::StatusOr<std::vector<typename A::Event>> Do(const typename A::Command& c,
                                                    const std::string& actor, absl::Time now) {
    engine::DecideContext ctx;
    ctx.stream = stream_;
    ctx.now = now;
    ctx.occurred_at = now;
    ctx.actor = actor;
    ctx.version = version_;
    auto events = a_.Decide(state_, c, ctx);
    if (!events.ok()) return events.status();
    engine::EventContext ectx;
    ectx.occurred_at = now;
    ectx.recorded_at = now;
    ectx.actor = actor;
    for (const auto& e : *events) {
      a_.Apply(&state_, e, ectx);
      ++version_;
    }
    return events;
  }
  void Must(const typename A::Command& c, const std::string& actor, absl::Time now) {
    auto out = Do(c, actor, now);
    ASSERT_TRUE(out.ok()) << stream_ << ": " << out.status();
  }
  std::vector<typename A::Event> Tick(absl::Time now) {
    typename A::Command c;
    c.mutable_tick();
    auto out = Do(c, kSystemActor, now);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : std::vector<typename A::Event>{};
  }
  const typename A::State& state() const { return state_; }
  const std::string& stream() const { return stream_; }

 private:
  const A& a_;
  const std::string stream_;
  typename A::State state_;
  uint64_t version_ = 0;
};

// What a rung says, comparable across aggregates (the stream and subject left
// out of the slip number).
std::string Describe(const v1::SupervisionRungRaised& r) {
  std::string to;
  for (const auto& x : r.recipients())
    absl::StrAppend(&to, v1::Role_Name(x.role()), "=", x.unit(), " ");
  return absl::StrCat(
      r.rung_id(), " ep", r.episode(), " due ",
      absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMicros(r.due_at_us()), engine::ChinaTime()),
      " limit ", r.due_date(), " rect ", r.rectification_due_on(), " to ", to);
}

template <class Events>
std::vector<v1::SupervisionRungRaised> Raised(const Events& events) {
  std::vector<v1::SupervisionRungRaised> out;
  for (const auto& e : events) {
    if (e.has_rung_raised()) out.push_back(e.rung_raised());
  }
  return out;
}

class SameLadderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ladder =
        engine::LoadLadder(SourceDir() + "/workflows/policies/ladders/luohe-38-day.textproto");
    ASSERT_TRUE(ladder.ok()) << ladder.status();
    ladder_ = *ladder;
    auto cal =
        engine::WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/policies/calendars");
    ASSERT_TRUE(cal.ok()) << cal.status();
    calendar_ = std::make_shared<const engine::WorkingDayCalendar>(std::move(*cal));

    // Tasks and problems: the shipped policy with the one ladder.
    auto files = LoadTaskPolicy(SourceDir() + "/workflows/policies/tasks/jinning-2020.textproto",
                                SourceDir() + "/workflows/policies/ladders");
    ASSERT_TRUE(files.ok()) << files.status();
    files->policy.set_task_yellow_working_days(1);
    files->policy.set_problem_yellow_working_days(1);
    task_ = std::make_unique<Task>(files->policy, ladder_, calendar_);
    problem_ = std::make_unique<Problem>(files->policy, ladder_, calendar_);

    // A case policy with one item of 10 working days (submitted on 1 July:
    // 2, 3, 6, 7, 8, 9, 10, 13, 14, 15 July), the same ladder.
    v1::ApprovalPolicy policy;
    policy.set_name("one-item");
    policy.mutable_case_limit()->set_kind(v1::DeadlineRule::WORKING_DAYS);
    policy.mutable_case_limit()->set_n(60);
    policy.set_yellow_working_days(1);
    *policy.mutable_ladder_rules() = ladder_;
    policy.set_supervision_office(kOffice);
    policy.set_lead_unit("市行政服务中心");
    auto* lead = policy.add_units();
    lead->set_name("市行政服务中心");
    lead->set_head("主任");
    auto* unit = policy.add_units();
    unit->set_name(kUnit);
    unit->set_head("局长");
    auto* item = policy.add_items();
    item->set_id("permit");
    item->set_name("建设用地规划许可");
    item->set_department(kUnit);
    item->set_required(true);
    item->mutable_limit()->set_kind(v1::DeadlineRule::WORKING_DAYS);
    item->mutable_limit()->set_n(10);
    case_ = std::make_unique<ApprovalCase>(std::vector<v1::ApprovalPolicy>{policy}, calendar_);

    // Projects: the shipped policy, the same ladder for nodes.
    auto project_policy = LoadProjectPolicy(
        SourceDir() + "/workflows/policies/investment/points-behind-10-30.textproto");
    ASSERT_TRUE(project_policy.ok()) << project_policy.status();
    *project_policy->mutable_node_ladder() = ladder_;
    auto monthly =
        engine::LoadLadder(SourceDir() + "/workflows/policies/ladders/monthly-lights.textproto");
    ASSERT_TRUE(monthly.ok());
    project_ = std::make_unique<Project>(*project_policy, *monthly, calendar_);

    tasks_ = std::make_unique<Stream<Task>>(*task_, TaskStream("plot5"));
    problems_ = std::make_unique<Stream<Problem>>(*problem_, ProblemStream("p1"));
    cases_ = std::make_unique<Stream<ApprovalCase>>(*case_, CaseStream("c1"));
    projects_ = std::make_unique<Stream<Project>>(*project_, ProjectStream(kCode));
    ASSERT_NO_FATAL_FAILURE(CreateAll(At(2020, 7, 1, 10)));
  }

  void CreateAll(absl::Time t) {
    const std::string office = absl::StrCat("supervision:", kOffice);
    v1::TaskCommand task;
    task.mutable_create()->set_task_id("plot5");
    task.mutable_create()->set_project_code(kCode);
    task.mutable_create()->set_title("5号地块拆迁");
    task.mutable_create()->add_responsible_units(kUnit);
    task.mutable_create()->set_responsible_leader(kLeader);
    task.mutable_create()->mutable_deadline()->mutable_rule()->set_kind(
        v1::DeadlineRule::FIXED_DATE);
    task.mutable_create()->mutable_deadline()->mutable_rule()->set_fixed_date("2020-07-15");
    tasks_->Must(task, office, t);

    v1::ProblemCommand raise;
    raise.mutable_raise()->set_problem_id("p1");
    raise.mutable_raise()->set_project_code(kCode);
    raise.mutable_raise()->set_title("人防工程申报受阻");
    raise.mutable_raise()->set_responsible_leader(kLeader);
    raise.mutable_raise()->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_INSPECTION);
    problems_->Must(raise, office, t);
    v1::ProblemCommand assign;
    assign.mutable_assign()->set_unit(kUnit);
    assign.mutable_assign()->set_measures("7月15日前完成申报");
    assign.mutable_assign()->mutable_limit()->set_kind(v1::DeadlineRule::FIXED_DATE);
    assign.mutable_assign()->mutable_limit()->set_fixed_date("2020-07-15");
    problems_->Must(assign, office, t);

    v1::ApprovalCaseCommand open;
    open.mutable_open()->set_project_code(kCode);
    open.mutable_open()->set_project_name("吾悦广场");
    open.mutable_open()->set_owner("吾悦公司");
    open.mutable_open()->set_policy("one-item");
    open.mutable_open()->set_responsible_leader(kLeader);
    cases_->Must(open, "enterprise:吾悦公司", t);
    v1::ApprovalCaseCommand submit;
    submit.mutable_submit()->set_item_id("permit");
    cases_->Must(submit, "enterprise:吾悦公司", t);

    v1::ProjectCommand reg;
    v1::ProjectInfo* info = reg.mutable_register_()->mutable_info();
    info->set_code(kCode);
    info->set_name("吾悦广场");
    info->set_level(v1::PROJECT_LEVEL_DISTRICT);
    info->set_owner("吾悦公司");
    info->set_total_investment_yuan(1'000'000'000);
    info->set_plan_year(2020);
    info->set_responsible_leader(kLeader);
    info->set_lead_unit(kUnit);
    info->set_lead_unit_head("局长");
    projects_->Must(reg, office, t);
    v1::ProjectCommand node;
    node.mutable_plan_node()->set_node_id("land");
    node.mutable_plan_node()->set_name("土地挂牌");
    node.mutable_plan_node()->set_due_on("2020-07-15");
    projects_->Must(node, absl::StrCat("department:", kUnit), t);
  }

  // Ticks every stream at `t`; returns each one's rungs, described.
  std::vector<std::vector<std::string>> TickAll(absl::Time t) {
    std::vector<std::vector<std::string>> out(4);
    for (const auto& r : Raised(tasks_->Tick(t))) out[0].push_back(Describe(r));
    for (const auto& r : Raised(problems_->Tick(t))) out[1].push_back(Describe(r));
    for (const auto& r : Raised(cases_->Tick(t))) out[2].push_back(Describe(r));
    for (const auto& r : Raised(projects_->Tick(t))) out[3].push_back(Describe(r));
    return out;
  }

  void ExpectSame(const std::vector<std::vector<std::string>>& got,
                  const std::vector<std::string>& want) {
    const char* names[] = {"task", "problem", "case item", "project node"};
    for (int i = 0; i < 4; ++i) EXPECT_EQ(got[i], want) << names[i];
  }

  v1::Ladder ladder_;
  std::shared_ptr<const engine::WorkingDayCalendar> calendar_;
  std::unique_ptr<Task> task_;
  std::unique_ptr<Problem> problem_;
  std::unique_ptr<ApprovalCase> case_;
  std::unique_ptr<Project> project_;
  std::unique_ptr<Stream<Task>> tasks_;
  std::unique_ptr<Stream<Problem>> problems_;
  std::unique_ptr<Stream<ApprovalCase>> cases_;
  std::unique_ptr<Stream<Project>> projects_;
};

TEST_F(SameLadderTest, FourSubjectsClimbTheSameLadderOnTheSameDays) {
  const std::string to_unit = absl::StrCat("ROLE_RESPONSIBLE_UNIT=", kUnit, " ");
  const std::string to_three = absl::StrCat(to_unit, "ROLE_UNIT_HEAD=", kUnit, " ",
                                            "ROLE_SUPERVISION_OFFICE=", kOffice, " ");
  ExpectSame(TickAll(At(2020, 7, 14, 23)), {});
  // The warning: 00:00 of the last day (1 working day remains).
  ExpectSame(
      TickAll(At(2020, 7, 15, 9)),
      {absl::StrCat("warning ep1 due 2020-07-15 00:00 limit 2020-07-15 rect  to ", to_unit)});
  // The notice at the limit, with 3 working days to rectify (17, 20, 21 July).
  ExpectSame(TickAll(At(2020, 7, 16, 9)),
             {absl::StrCat("notice ep1 due 2020-07-16 00:00 limit 2020-07-15 rect 2020-07-21 to ",
                           to_three)});
  ExpectSame(TickAll(At(2020, 7, 20, 23)), {});
  // Unanswered 3 working days after the notice's day (17, 20, 21): listed.
  ExpectSame(
      TickAll(At(2020, 7, 22, 9)),
      {absl::StrCat("listing ep1 due 2020-07-22 00:00 limit 2020-07-15 rect  to ", to_three)});
  // Unanswered 5 working days more (23, 24, 27, 28, 29): the interview of
  // the head, with the leader.
  ExpectSame(TickAll(At(2020, 7, 29, 23)), {});
  ExpectSame(TickAll(At(2020, 7, 30, 9)),
             {absl::StrCat("interview ep1 due 2020-07-30 00:00 limit 2020-07-15 rect  to ",
                           "ROLE_RESPONSIBLE_LEADER=", kLeader, " ROLE_UNIT_HEAD=", kUnit, " ")});
  // Slip numbers name the stream and the subject.
  EXPECT_EQ(tasks_->state().rungs(1).raised().slip_number(), "task/plot5/1/notice");
  EXPECT_EQ(problems_->state().rungs(1).raised().slip_number(), "problem/p1/1/notice");
  EXPECT_EQ(cases_->state().rungs(1).raised().slip_number(), "case/c1/item/permit/1/notice");
  EXPECT_EQ(projects_->state().rungs(1).raised().slip_number(),
            absl::StrCat("project/", kCode, "/node/land/1/notice"));
  // Alerts read them one way: the notice is a 督办通知单 to the unit.
  store::RecordedEvent recorded;
  v1::TaskEvent e;
  *e.mutable_rung_raised() = tasks_->state().rungs(1).raised();
  recorded.record.set_type(task_->EventType(e));
  recorded.record.set_stream(tasks_->stream());
  recorded.record.set_payload(e.SerializeAsString());
  std::vector<v1::Alert> alerts = AlertsFor(recorded);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind(), v1::ALERT_KIND_NOTICE_ISSUED);
  EXPECT_EQ(alerts[0].slip_kind(), "督办通知单");
  EXPECT_EQ(alerts[0].slip_number(), "task/plot5/1/notice");
}

TEST_F(SameLadderTest, AnAnswerStopsTheClimbAndTheOfficeDelistsTheSameWayEverywhere) {
  TickAll(At(2020, 7, 16, 9));  // warning and notice on each
  const std::string unit = absl::StrCat("department:", kUnit);
  const std::string office = absl::StrCat("supervision:", kOffice);
  v1::AnswerSupervisionRung answer;
  answer.set_text("已完成整改，7月20日前办结");
  v1::DelistSupervisionRung delist;
  delist.set_note("经核实已整改到位，予以销号");
  const absl::Time t = At(2020, 7, 17, 10);
  auto run = [&](auto& stream, auto command_for, const std::string& slip) {
    SCOPED_TRACE(stream.stream());
    answer.set_slip_number(slip);
    delist.set_slip_number(slip);
    // Delisting before the answer, by anyone but the office, or answering by
    // another unit, is refused and changes nothing.
    EXPECT_EQ(stream.Do(command_for(delist), office, t).status().code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(stream.Do(command_for(answer), "department:住建局", t).status().code(),
              absl::StatusCode::kPermissionDenied);
    stream.Must(command_for(answer), unit, t);
    EXPECT_EQ(stream.Do(command_for(answer), unit, t).status().code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(stream.Do(command_for(delist), unit, t).status().code(),
              absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(stream.Do(command_for(delist), "supervision:另一个督查室", t).status().code(),
              absl::StatusCode::kPermissionDenied);
    stream.Must(command_for(delist), office, t);
    EXPECT_EQ(stream.Do(command_for(delist), office, t).status().code(),
              absl::StatusCode::kFailedPrecondition);
    const auto& rung = stream.state().rungs(1);
    EXPECT_TRUE(rung.answered());
    EXPECT_FALSE(rung.answered_late());
    EXPECT_TRUE(rung.delisted());
    EXPECT_EQ(rung.delisted_by(), office);
  };
  auto task_cmd = [](const auto& m) {
    v1::TaskCommand c;
    if constexpr (std::is_same_v<std::decay_t<decltype(m)>, v1::AnswerSupervisionRung>) {
      *c.mutable_answer_rung() = m;
    } else {
      *c.mutable_delist_rung() = m;
    }
    return c;
  };
  auto problem_cmd = [](const auto& m) {
    v1::ProblemCommand c;
    if constexpr (std::is_same_v<std::decay_t<decltype(m)>, v1::AnswerSupervisionRung>) {
      *c.mutable_answer_rung() = m;
    } else {
      *c.mutable_delist_rung() = m;
    }
    return c;
  };
  auto case_cmd = [](const auto& m) {
    v1::ApprovalCaseCommand c;
    if constexpr (std::is_same_v<std::decay_t<decltype(m)>, v1::AnswerSupervisionRung>) {
      *c.mutable_answer_rung() = m;
    } else {
      *c.mutable_delist_rung() = m;
    }
    return c;
  };
  auto project_cmd = [](const auto& m) {
    v1::ProjectCommand c;
    if constexpr (std::is_same_v<std::decay_t<decltype(m)>, v1::AnswerSupervisionRung>) {
      *c.mutable_answer_rung() = m;
    } else {
      *c.mutable_delist_rung() = m;
    }
    return c;
  };
  run(*tasks_, task_cmd, "task/plot5/1/notice");
  run(*problems_, problem_cmd, "problem/p1/1/notice");
  run(*cases_, case_cmd, "case/c1/item/permit/1/notice");
  run(*projects_, project_cmd, absl::StrCat("project/", kCode, "/node/land/1/notice"));
  // Answered: the listing that waits on an unanswered notice never comes.
  ExpectSame(TickAll(At(2020, 7, 31, 9)), {});
}

TEST_F(SameLadderTest, TheOfficesOwnHandStandsForTheLaddersRung) {
  // Before the limit, the office issues a notice by hand on each subject; at
  // the limit the ladder does not issue a second one, and the listing counts
  // from the manual notice.
  const std::string office = absl::StrCat("supervision:", kOffice);
  v1::RaiseSupervisionRung raise;
  raise.set_issues(v1::ISSUE_SUPERVISION_NOTICE);
  raise.set_document_number("督办〔2020〕12号");
  raise.set_rectification_working_days(3);
  const absl::Time t = At(2020, 7, 13, 10);  // a Monday
  auto check = [&](auto& stream, auto command, const std::string& subject) {
    SCOPED_TRACE(stream.stream());
    raise.set_subject(subject);
    auto c = command;
    *c.mutable_raise_rung() = raise;
    // Nobody but the subject's office raises by hand.
    EXPECT_EQ(stream.Do(c, absl::StrCat("department:", kUnit), t).status().code(),
              absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(stream.Do(c, "supervision:另一个督查室", t).status().code(),
              absl::StatusCode::kPermissionDenied);
    auto bad = c;
    bad.mutable_raise_rung()->set_rectification_working_days(0);
    EXPECT_EQ(stream.Do(bad, office, t).status().code(), absl::StatusCode::kInvalidArgument);
    auto out = stream.Do(c, office, t);
    ASSERT_TRUE(out.ok()) << out.status();
    const auto& r = stream.state().rungs(0).raised();
    EXPECT_TRUE(r.manual());
    EXPECT_EQ(r.rung_id(), "manual-1");
    EXPECT_EQ(r.stands_for_rung_id(), "notice");
    EXPECT_EQ(r.rung_name(), "督办通知单");
    EXPECT_EQ(r.document_number(), "督办〔2020〕12号");
    EXPECT_EQ(r.issued_by(), office);
    EXPECT_EQ(r.rectification_due_on(), "2020-07-16");  // 14, 15, 16 July
  };
  check(*tasks_, v1::TaskCommand(), "");
  check(*problems_, v1::ProblemCommand(), "");
  check(*cases_, v1::ApprovalCaseCommand(), "item/permit");
  check(*projects_, v1::ProjectCommand(), "node/land");
  // The warning still comes; the notice does not.
  ExpectSame(TickAll(At(2020, 7, 16, 9)),
             {absl::StrCat("warning ep1 due 2020-07-15 00:00 limit 2020-07-15 rect  to ",
                           "ROLE_RESPONSIBLE_UNIT=", kUnit, " ")});
  // Unanswered 3 working days after the manual notice's day (14, 15, 16):
  // listed from 17 July.
  const std::string to_three =
      absl::StrCat("ROLE_RESPONSIBLE_UNIT=", kUnit, " ROLE_UNIT_HEAD=", kUnit,
                   " ROLE_SUPERVISION_OFFICE=", kOffice, " ");
  ExpectSame(
      TickAll(At(2020, 7, 17, 9)),
      {absl::StrCat("listing ep1 due 2020-07-17 00:00 limit 2020-07-15 rect  to ", to_three)});
}

TEST_F(SameLadderTest, AHandRaisedRungNeedsAKnownSubjectAndALiveOne) {
  const std::string office = absl::StrCat("supervision:", kOffice);
  v1::RaiseSupervisionRung raise;
  raise.set_issues(v1::ISSUE_INTERVIEW);
  raise.set_subject("item/nothing");
  v1::ApprovalCaseCommand c;
  *c.mutable_raise_rung() = raise;
  auto out = cases_->Do(c, office, At(2020, 7, 2));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("item/permit"));
  v1::ProjectCommand p;
  raise.set_subject("node/none");
  *p.mutable_raise_rung() = raise;
  EXPECT_EQ(projects_->Do(p, office, At(2020, 7, 2)).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A completed task is not supervised any more.
  v1::TaskCommand done;
  done.mutable_complete()->set_text("完成");
  tasks_->Must(done, absl::StrCat("department:", kUnit), At(2020, 7, 2));
  v1::TaskCommand t;
  raise.set_subject("");
  *t.mutable_raise_rung() = raise;
  EXPECT_EQ(tasks_->Do(t, office, At(2020, 7, 3)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // On a live subject, a rung must say what it issues.
  raise.set_issues(v1::ISSUE_UNSPECIFIED);
  v1::ProblemCommand q;
  *q.mutable_raise_rung() = raise;
  auto unspecified = problems_->Do(q, office, At(2020, 7, 3));
  EXPECT_EQ(unspecified.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unspecified.status().message(), HasSubstr("issues: required"));
}

}  // namespace
}  // namespace taizhang::workflows
