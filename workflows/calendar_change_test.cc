// Calendars that change under a running ledger, with the real amendments:
// deadlines computed on the first 2019 and 2020 notices (kept as test data in
// workflows/testdata/first-notices), then the amended years loaded; a newly
// published year turning provisional deadlines firm; refused loads; restarts;
// and replay on a machine without the calendar files.
//
// The due dates below are worked out by hand from the notices:
//   2019 first notice: 劳动节 05-01 alone. Amended (2019-03-22): 05-01..05-04
//   off, Sundays 04-28 and 05-05 working.
//   2020 first notice: 春节 01-24..01-30, Sunday 01-19 and Saturday 02-01
//   working. Amended (2020-01-27): 01-24..02-02 off, 02-01 no longer working.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/ledger.h"

namespace taizhang::workflows {
namespace {

using ::testing::HasSubstr;

constexpr char kOffice[] = "supervision:区政府目督办";
constexpr char kAdmin[] = "admin:ops";
constexpr char kKunyang[] = "昆阳街道办事处";
constexpr char kCode[] = "2019-530115-72-01-000001";
constexpr char kOwner[] = "晋宁某置业有限公司";

using ::taizhang::testing::ReadFile;
using ::taizhang::testing::SourceDir;

absl::Time At(int y, int m, int d, int h = 10) {
  return absl::FromCivil(absl::CivilHour(y, m, d, h), engine::ChinaTime());
}

std::string Shipped(int year) {
  return absl::StrCat(SourceDir(), "/workflows/policies/calendars/cn-", year, ".textproto");
}
std::string FirstNotice(int year) {
  return absl::StrCat(SourceDir(), "/workflows/testdata/first-notices/cn-", year, ".textproto");
}
std::string DigestOf(const std::string& path) {
  auto year = engine::ParseCalendarYear(path, ReadFile(path));
  EXPECT_TRUE(year.ok()) << year.status();
  return year.ok() ? engine::CalendarDigest(*year) : "";
}

// An invented 2027 (the real notice had not been published): 元旦 01-01..03.
constexpr char kInvented2027[] = R"(year: 2027
region: "cn"
sources { title: "test data, not a notice" }
off { from: "2027-01-01" to: "2027-01-03" name: "元旦" }
)";

// A ledger over a log in a temporary directory, with a copy of the shipped
// policies whose calendars/ hold the first notices of 2019 and 2020.
class CalendarChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy(SourceDir() + "/workflows/policies", Policies(),
                          std::filesystem::copy_options::recursive);
    for (int year : {2019, 2020}) UseFile(year, FirstNotice(year));
    Open();
  }
  void TearDown() override { Close(); }

  std::string Policies() const { return (root_ / "policies").string(); }
  std::string CalendarFile(int year) const {
    return absl::StrCat(Policies(), "/calendars/cn-", year, ".textproto");
  }
  // Makes the policy directory's file for `year` a copy of `path` ("" removes it).
  void UseFile(int year, const std::string& path) {
    std::filesystem::remove(CalendarFile(year));
    if (!path.empty()) std::filesystem::copy_file(path, CalendarFile(year));
  }

  absl::Status TryOpen(bool amend = false) {
    auto log = store::OpenEventLog((root_ / "data").string(), clock_);
    if (!log.ok()) return log.status();
    log_ = std::move(*log);
    LedgerOptions options;
    options.policies_dir = Policies();
    options.amend_calendars = amend;
    auto ledger = Ledger::Open(*log_, clock_, options);
    if (!ledger.ok()) return ledger.status();
    ledger_ = std::move(*ledger);
    return ledger_->Start();
  }
  void Open() { ASSERT_TRUE(TryOpen().ok()); }
  void Close() {
    ledger_.reset();
    log_.reset();
  }
  void Settle() { ledger_->runtime().Quiesce(); }

  engine::CommandMeta Meta(const std::string& actor) {
    return {.request_id = absl::StrCat("req-", ++requests_), .actor = actor};
  }
  void Must(const absl::Status& status) { ASSERT_TRUE(status.ok()) << status; }

  // A task of `n` working days counted from `start`.
  void CreateTask(const std::string& id, int n, const std::string& start) {
    v1::TaskCommand c;
    v1::CreateTask* t = c.mutable_create();
    t->set_task_id(id);
    t->set_project_code(kCode);
    t->set_title(absl::StrCat("任务 ", id));
    t->add_responsible_units(kKunyang);
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::WORKING_DAYS);
    t->mutable_deadline()->mutable_rule()->set_n(n);
    t->mutable_deadline()->set_start_date(start);
    Must(ledger_->ExecuteTask(id, c, Meta(kOffice)).status());
  }
  // A problem assigned now with the policy's default limit (5 working days).
  void AssignProblem(const std::string& id) {
    v1::ProblemCommand raise;
    raise.mutable_raise()->set_problem_id(id);
    raise.mutable_raise()->set_project_code(kCode);
    raise.mutable_raise()->set_title("施工便道未贯通");
    raise.mutable_raise()->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_INSPECTION);
    Must(ledger_->ExecuteProblem(id, raise, Meta(kOffice)).status());
    v1::ProblemCommand assign;
    assign.mutable_assign()->set_unit(kKunyang);
    assign.mutable_assign()->set_measures("三日内打通便道");
    Must(ledger_->ExecuteProblem(id, assign, Meta(kOffice)).status());
  }
  // A statutory-default case whose item `filing` (20 working days) is
  // submitted and accepted now.
  void AcceptFiling(const std::string& case_id) {
    v1::ApprovalCaseCommand open;
    auto* o = open.mutable_open();
    o->set_project_code(kCode);
    o->set_project_name("晋宁某商业综合体");
    o->set_owner(kOwner);
    o->set_policy("statutory-default");
    o->set_responsible_leader("区政府分管领导");
    const std::string enterprise = absl::StrCat("enterprise:", kOwner);
    Must(ledger_->ExecuteCase(case_id, open, Meta(enterprise)).status());
    v1::ApprovalCaseCommand submit;
    submit.mutable_submit()->set_item_id("filing");
    Must(ledger_->ExecuteCase(case_id, submit, Meta(enterprise)).status());
    v1::ApprovalCaseCommand accept;
    accept.mutable_accept()->set_item_id("filing");
    Must(ledger_->ExecuteCase(case_id, accept, Meta("department:发展改革部门")).status());
  }
  const v1::CaseItem& Filing(const v1::ApprovalCaseState& s) {
    for (const auto& item : s.items()) {
      if (item.item_id() == "filing") return item;
    }
    static v1::CaseItem none;
    ADD_FAILURE() << "no filing item";
    return none;
  }

  absl::StatusOr<CalendarLoadOutcome> Load(const std::string& path, bool amend) {
    return ledger_->LoadCalendar(path, ReadFile(path), amend, kAdmin);
  }

  // The deadline-recomputed events of `stream`'s kind, in log order.
  std::vector<store::RecordedEvent> Recomputed(const std::string& stream) {
    std::vector<store::RecordedEvent> out;
    auto events = log_->ReadStream(stream, 1, 1000);
    EXPECT_TRUE(events.ok()) << events.status();
    if (!events.ok()) return out;
    for (const auto& e : *events) {
      if (absl::EndsWith(e.record.type(), ".DeadlineRecomputed")) out.push_back(e);
    }
    return out;
  }

  // Supervision notices (督办通知单) raised on a problem.
  static int Notices(const v1::ProblemState& s) {
    int n = 0;
    for (const auto& rung : s.rungs()) n += rung.raised().issues() == v1::ISSUE_SUPERVISION_NOTICE;
    return n;
  }

  // Every state, serialized: what replay must reproduce byte for byte.
  std::string AllStates() {
    std::string out;
    for (const auto& s : ledger_->ListTasks()) out += s.SerializeAsString();
    for (const auto& s : ledger_->ListProblems()) out += s.SerializeAsString();
    for (const auto& s : ledger_->ListCases()) out += s.SerializeAsString();
    for (const auto& s : ledger_->ListProjects()) out += s.SerializeAsString();
    return out;
  }

  ManualClock clock_{At(2019, 3, 18)};
  ::taizhang::testing::TempDir tmp_;  // removed after the log closes
  const std::filesystem::path root_ = tmp_.path();
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<Ledger> ledger_;
  int requests_ = 0;
};

TEST_F(CalendarChangeTest, Amended2019RecomputesWhatItMovesOnce) {
  // On the first notice. 5 working days from Thu 04-25: 04-26, 29, 30,
  // 05-02, 03. 10: ... 05-06..10. The filing item, received and accepted on
  // Tue 04-02, 20 working days: 04-03, 04 | 清明 04-05..07 | 08..12, 15..19,
  // 22..26, 29, 30, 05-02.
  CreateTask("t5", 5, "2019-04-25");
  CreateTask("t10", 10, "2019-04-25");
  clock_.AdvanceTo(At(2019, 4, 2));
  AcceptFiling("LH-2019-001");
  Settle();
  EXPECT_EQ(ledger_->GetTask("t5")->due_date(), "2019-05-03");
  EXPECT_EQ(ledger_->GetTask("t10")->due_date(), "2019-05-10");
  const v1::ApprovalCaseState before = *ledger_->GetCase("LH-2019-001");
  EXPECT_EQ(Filing(before).clock().deadline().due_date(), "2019-05-02");
  EXPECT_FALSE(Filing(before).clock().deadline().provisional());
  const std::string case_due = before.clock().deadline().due_date();

  // The amendment. t5: 04-26, Sun 04-28, 29, 30, Sun 05-05. t10 still ends on
  // 05-10 (both make-up Sundays and both new days off fall inside it): no
  // event. The filing item: ... 04-26, Sun 04-28, 29, 30. The case's 45
  // working days span the whole holiday: unchanged.
  auto loaded = Load(Shipped(2019), true);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->loaded.changed);
  EXPECT_TRUE(loaded->loaded.amendment);
  EXPECT_EQ(loaded->loaded.digest, DigestOf(Shipped(2019)));
  EXPECT_EQ(loaded->loaded.previous_digest, DigestOf(FirstNotice(2019)));
  EXPECT_EQ(loaded->recomputed, 2);
  Settle();
  EXPECT_EQ(ledger_->GetTask("t5")->due_date(), "2019-05-05");
  EXPECT_EQ(ledger_->GetTask("t5")->due_at_us(),
            absl::ToUnixMicros(engine::StartOfDay(absl::CivilDay(2019, 5, 6))));
  EXPECT_EQ(ledger_->GetTask("t10")->due_date(), "2019-05-10");
  const v1::ApprovalCaseState after = *ledger_->GetCase("LH-2019-001");
  EXPECT_EQ(Filing(after).clock().deadline().due_date(), "2019-04-30");
  EXPECT_EQ(after.clock().deadline().due_date(), case_due);

  // One event each, naming the amended calendar's digest.
  auto t5 = Recomputed("task/t5");
  ASSERT_EQ(t5.size(), 1u);
  v1::TaskEvent e;
  ASSERT_TRUE(e.ParseFromString(t5[0].record.payload()));
  EXPECT_EQ(e.deadline_recomputed().old_deadline().due_date(), "2019-05-03");
  EXPECT_EQ(e.deadline_recomputed().new_deadline().due_date(), "2019-05-05");
  EXPECT_EQ(e.deadline_recomputed().calendar_version(),
            absl::StrCat("cn-2019:", DigestOf(Shipped(2019))));
  EXPECT_EQ(t5[0].record.request_id(),
            absl::StrCat("recompute:task/t5:calendar/", ledger_->calendar_version()));
  EXPECT_TRUE(Recomputed("task/t10").empty());
  auto item = Recomputed("case/LH-2019-001");
  ASSERT_EQ(item.size(), 1u);
  v1::ApprovalCaseEvent ce;
  ASSERT_TRUE(ce.ParseFromString(item[0].record.payload()));
  EXPECT_EQ(ce.deadline_recomputed().subject(), "item/filing");
  EXPECT_THAT(ce.deadline_recomputed().calendar_version(), HasSubstr(DigestOf(Shipped(2019))));

  // The same data again: nothing.
  const uint64_t head = log_->HeadPosition();
  auto again = Load(Shipped(2019), true);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->loaded.changed);
  EXPECT_EQ(log_->HeadPosition(), head);

  // A restart with the policy files still on the first notice is refused:
  // the log holds the amended year.
  const std::string states = AllStates();
  Close();
  absl::Status refused = TryOpen();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("cn-2019.textproto"));
  Close();
  // With the amended file: no second recompute, the same state.
  UseFile(2019, Shipped(2019));
  Open();
  Settle();
  EXPECT_EQ(log_->HeadPosition(), head);
  EXPECT_EQ(AllStates(), states);
  EXPECT_EQ(Recomputed("task/t5").size(), 1u);
}

// A project node missed: the slip's rectification limit, 5 working days from
// the day it is raised, Thu 2019-04-25: 04-26, 29, 30, 05-02, 03 on the first
// notice; 04-26, Sun 28, 29, 30, Sun 05-05 as amended.
TEST_F(CalendarChangeTest, AProjectSlipsRectificationLimitMovesWithTheAmendment) {
  const std::string code = "2019-530115-47-01-000002";
  v1::ProjectCommand reg;
  v1::ProjectInfo* info = reg.mutable_register_()->mutable_info();
  info->set_code(code);
  info->set_name("昆阳片区综合开发");
  info->set_region_name("晋宁区");
  info->set_level(v1::PROJECT_LEVEL_MUNICIPAL);
  info->set_industry("城市建设");
  info->set_owner(kOwner);
  info->set_total_investment_yuan(100'000'000);
  info->set_plan_year(2019);
  info->set_responsible_leader("张副区长");
  info->set_lead_unit("发改局");
  info->set_lead_person("李四");
  info->set_lead_unit_head("王局长");
  Must(ledger_->ExecuteProject(code, reg, Meta("supervision:督查室")).status());
  v1::ProjectCommand node;
  node.mutable_plan_node()->set_node_id("land");
  node.mutable_plan_node()->set_name("土地摘牌");
  node.mutable_plan_node()->set_due_on("2019-04-24");
  Must(ledger_->ExecuteProject(code, node, Meta("department:发改局")).status());
  clock_.AdvanceTo(At(2019, 4, 25));
  Settle();
  v1::ProjectState before = *ledger_->GetProject(code);
  ASSERT_EQ(before.rungs_size(), 1);
  EXPECT_EQ(before.rungs(0).raised().rectification_due_on(), "2019-05-03");

  auto loaded = Load(Shipped(2019), true);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->recomputed, 1);
  Settle();
  EXPECT_EQ(ledger_->GetProject(code)->rungs(0).raised().rectification_due_on(), "2019-05-05");
  auto events = Recomputed(absl::StrCat("project/", code));
  ASSERT_EQ(events.size(), 1u);
  v1::ProjectEvent e;
  ASSERT_TRUE(e.ParseFromString(events[0].record.payload()));
  EXPECT_EQ(e.deadline_recomputed().old_deadline().due_date(), "2019-05-03");
  EXPECT_EQ(e.deadline_recomputed().new_deadline().due_date(), "2019-05-05");
  EXPECT_EQ(e.deadline_recomputed().calendar_version(),
            absl::StrCat("cn-2019:", DigestOf(Shipped(2019))));
}

TEST_F(CalendarChangeTest, SpringFestival2020ExtensionMovesDeadlinesAndTimers) {
  clock_.AdvanceTo(At(2020, 1, 20));  // Mon
  // The problem, 5 working days from Mon 01-20 on the first notice: 21, 22,
  // 23 | 24..30 | Fri 31, Sat 02-01. The task, 5 from Wed 01-22: 23 | 31,
  // Sat 02-01, 02-03, 02-04.
  AssignProblem("p1");
  CreateTask("t5", 5, "2020-01-22");
  Settle();
  EXPECT_EQ(ledger_->GetProblem("p1")->computed().due_date(), "2020-02-01");
  EXPECT_EQ(ledger_->GetTask("t5")->due_date(), "2020-02-04");

  // 2020-01-27: the extension to 02-02. Problem: 21, 22, 23 | 02-03, 04.
  // Task: 23 | 02-03, 04, 05, 06.
  clock_.AdvanceTo(At(2020, 1, 27));
  auto loaded = Load(Shipped(2020), true);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->recomputed, 2);
  Settle();
  EXPECT_EQ(ledger_->GetProblem("p1")->computed().due_date(), "2020-02-04");
  EXPECT_EQ(ledger_->GetTask("t5")->due_date(), "2020-02-06");
  auto p1 = Recomputed("problem/p1");
  ASSERT_EQ(p1.size(), 1u);
  v1::ProblemEvent pe;
  ASSERT_TRUE(pe.ParseFromString(p1[0].record.payload()));
  EXPECT_EQ(pe.deadline_recomputed().calendar_version(),
            absl::StrCat("cn-2020:", DigestOf(Shipped(2020))));

  // The timers follow: on Mon 02-03 nothing is overdue (on the first notice
  // the problem was overdue from 02-02 00:00).
  clock_.AdvanceTo(At(2020, 2, 3));
  Settle();
  const absl::Time now = clock_.Now();
  EXPECT_FALSE(ledger_->problem().View(*ledger_->GetProblem("p1"), now).overdue());
  EXPECT_FALSE(ledger_->task().View(*ledger_->GetTask("t5"), now).overdue());
  EXPECT_EQ(Notices(*ledger_->GetProblem("p1")), 0);
  const v1::ProblemState on_0203 = *ledger_->GetProblem("p1");
  for (const auto& rung : on_0203.rungs()) {
    EXPECT_EQ(rung.raised().due_date(), "2020-02-04") << rung.DebugString();  // the warning
  }
  clock_.AdvanceTo(At(2020, 2, 5));
  Settle();
  EXPECT_TRUE(ledger_->problem().View(*ledger_->GetProblem("p1"), clock_.Now()).overdue());
  EXPECT_EQ(Notices(*ledger_->GetProblem("p1")), 1);

  // Across a restart (files updated): nothing recomputed again.
  const uint64_t head = log_->HeadPosition();
  const std::string states = AllStates();
  Close();
  UseFile(2020, Shipped(2020));
  Open();
  Settle();
  EXPECT_EQ(log_->HeadPosition(), head);
  EXPECT_EQ(AllStates(), states);
}

TEST_F(CalendarChangeTest, ANewYearTurnsProvisionalDeadlinesFirm) {
  clock_.AdvanceTo(At(2026, 12, 1));
  // 5 working days from Mon 2026-12-28 without 2027: 29, 30, 31, Fri 01-01,
  // Mon 01-04, provisional. With 2027 (01-01..03 off): 29, 30, 31, 01-04, 05.
  CreateTask("t5", 5, "2026-12-28");
  Settle();
  EXPECT_EQ(ledger_->GetTask("t5")->due_date(), "2027-01-04");
  EXPECT_TRUE(ledger_->GetTask("t5")->provisional());

  const std::string file = (root_ / "cn-2027.textproto").string();
  std::ofstream(file) << kInvented2027;
  auto loaded = Load(file, false);  // a new year needs no --amend
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE(loaded->loaded.amendment);
  EXPECT_EQ(loaded->recomputed, 1);
  Settle();
  EXPECT_EQ(ledger_->GetTask("t5")->due_date(), "2027-01-05");
  EXPECT_FALSE(ledger_->GetTask("t5")->provisional());
  auto t5 = Recomputed("task/t5");
  ASSERT_EQ(t5.size(), 1u);
  v1::TaskEvent e;
  ASSERT_TRUE(e.ParseFromString(t5[0].record.payload()));
  EXPECT_EQ(
      e.deadline_recomputed().calendar_version(),
      absl::StrCat("cn-2026:", ledger_->calendar()->Digest(2026), ",cn-2027:", DigestOf(file)));
  // The year is in the log, not in the policy files: a restart keeps it.
  Close();
  Open();
  EXPECT_TRUE(ledger_->calendar()->HasYear(2027));
  EXPECT_EQ(ledger_->GetTask("t5")->due_date(), "2027-01-05");
  EXPECT_EQ(Recomputed("task/t5").size(), 1u);
}

TEST_F(CalendarChangeTest, RefusedLoadsChangeNothing) {
  CreateTask("t5", 5, "2019-04-25");
  Settle();
  const uint64_t head = log_->HeadPosition();
  const uint64_t version = ledger_->calendar_version();

  // Malformed: a weekday listed as a make-up working day, on line 4.
  auto malformed = ledger_->LoadCalendar(
      "cn-2019.textproto", "year: 2019\nregion: \"cn\"\n\nwork { date: \"2019-05-06\" }\n", true,
      kAdmin);
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(malformed.status().message()),
              HasSubstr("cn-2019.textproto:4:8: work[0].date: 2019-05-06 is not a Saturday"));
  auto syntax = ledger_->LoadCalendar("cn-2019.textproto", "year: 2019\nregion: \"cn\"\noff {\n",
                                      true, kAdmin);
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(syntax.status().message()), HasSubstr("cn-2019.textproto:4:"));

  // A year in use with other days, without amend.
  auto changed = Load(Shipped(2019), false);
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(changed.status().message()), HasSubstr("--amend"));

  EXPECT_EQ(log_->HeadPosition(), head);
  EXPECT_EQ(ledger_->calendar_version(), version);
  EXPECT_EQ(ledger_->calendar()->Digest(2019), DigestOf(FirstNotice(2019)));
  EXPECT_EQ(ledger_->GetTask("t5")->due_date(), "2019-05-03");
}

// Replay gives the same state and views whatever calendar files the replaying
// machine has: here, none for 2019 and 2020 at all.
TEST_F(CalendarChangeTest, ReplayDoesNotDependOnTheMachinesCalendarFiles) {
  CreateTask("t5", 5, "2019-04-25");
  clock_.AdvanceTo(At(2019, 4, 2));
  AcceptFiling("LH-2019-001");
  ASSERT_TRUE(Load(Shipped(2019), true).ok());
  Settle();
  const std::string states = AllStates();
  const absl::Time at = At(2019, 4, 29);
  const std::string task_view =
      ledger_->task().View(*ledger_->GetTask("t5"), at).SerializeAsString();
  const std::string case_view =
      ledger_->approval_case().View(*ledger_->GetCase("LH-2019-001"), at).SerializeAsString();
  const uint64_t head = log_->HeadPosition();
  Close();

  UseFile(2019, "");
  UseFile(2020, "");
  Open();
  Settle();
  EXPECT_EQ(log_->HeadPosition(), head);
  EXPECT_EQ(ledger_->calendar()->Digest(2019), DigestOf(Shipped(2019)));
  EXPECT_EQ(ledger_->calendar()->Digest(2020), DigestOf(FirstNotice(2020)));
  EXPECT_EQ(AllStates(), states);
  EXPECT_EQ(ledger_->task().View(*ledger_->GetTask("t5"), at).SerializeAsString(), task_view);
  EXPECT_EQ(ledger_->approval_case().View(*ledger_->GetCase("LH-2019-001"), at).SerializeAsString(),
            case_view);
}

// Apply never reads the calendar: every stream folded by aggregates that have
// no calendar at all (an empty directory) gives the ledger's states.
TEST_F(CalendarChangeTest, ApplyDoesNotReadTheCalendar) {
  CreateTask("t5", 5, "2019-04-25");
  clock_.AdvanceTo(At(2019, 4, 2));
  AcceptFiling("LH-2019-001");
  AssignProblem("p1");
  ASSERT_TRUE(Load(Shipped(2019), true).ok());
  clock_.AdvanceTo(At(2019, 5, 20));
  Settle();
  const std::string empty = (root_ / "no-calendars").string();
  std::filesystem::create_directories(empty);
  const std::string p = Policies();
  auto task = Task::Load(p + "/tasks/jinning-2020.textproto", p + "/ladders", empty);
  auto problem = Problem::Load(p + "/tasks/jinning-2020.textproto", p + "/ladders", empty);
  auto cases = ApprovalCase::Load(p + "/approval", p + "/ladders", empty);
  ASSERT_TRUE(task.ok() && problem.ok() && cases.ok());
  engine::AggregateStore<Task> tasks(*log_, clock_, **task);
  engine::AggregateStore<Problem> problems(*log_, clock_, **problem);
  engine::AggregateStore<ApprovalCase> case_store(*log_, clock_, **cases);
  auto t = tasks.LoadAsOf("task/t5", {});
  auto pr = problems.LoadAsOf("problem/p1", {});
  auto c = case_store.LoadAsOf("case/LH-2019-001", {});
  ASSERT_TRUE(t.ok() && pr.ok() && c.ok());
  EXPECT_GT(Recomputed("task/t5").size(), 0u);
  EXPECT_EQ(t->state.SerializeAsString(), ledger_->GetTask("t5")->SerializeAsString());
  EXPECT_EQ(pr->state.SerializeAsString(), ledger_->GetProblem("p1")->SerializeAsString());
  EXPECT_EQ(c->state.SerializeAsString(), ledger_->GetCase("LH-2019-001")->SerializeAsString());
}

// A crash after the calendar event and before its recomputations: the next
// start makes them, with the same request ids, once.
TEST_F(CalendarChangeTest, ACrashBetweenALoadAndItsRecomputationsIsMadeGoodAtStart) {
  CreateTask("t5", 5, "2019-04-25");
  Settle();
  Close();
  {
    auto log = store::OpenEventLog((root_ / "data").string(), clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    auto calendars = engine::CalendarLog::Open(**log);
    ASSERT_TRUE(calendars.ok()) << calendars.status();
    auto amended = engine::ParseCalendarYear("cn-2019", ReadFile(Shipped(2019)));
    ASSERT_TRUE(amended.ok());
    ASSERT_TRUE((*calendars)->Load(*amended, true, {.origin = "cn-2019.textproto"}).ok());
  }
  UseFile(2019, Shipped(2019));
  Open();
  Settle();
  EXPECT_EQ(ledger_->GetTask("t5")->due_date(), "2019-05-05");
  auto t5 = Recomputed("task/t5");
  ASSERT_EQ(t5.size(), 1u);
  EXPECT_EQ(t5[0].record.request_id(),
            absl::StrCat("recompute:task/t5:calendar/", ledger_->calendar_version()));
  Close();
  Open();
  Settle();
  EXPECT_EQ(Recomputed("task/t5").size(), 1u);
}

// The operator may take a changed file as an amendment at start instead.
TEST_F(CalendarChangeTest, AStartWithAmendTakesAChangedFile) {
  CreateTask("t5", 5, "2019-04-25");
  Settle();
  Close();
  UseFile(2019, Shipped(2019));
  ASSERT_TRUE(TryOpen(/*amend=*/true).ok());
  Settle();
  EXPECT_EQ(ledger_->GetTask("t5")->due_date(), "2019-05-05");
  EXPECT_EQ(Recomputed("task/t5").size(), 1u);
}

}  // namespace
}  // namespace taizhang::workflows
