// The workflows through the real taizhangd over gRPC: a joint-approval case
// from opening to completion; a late task walking up the ladder while the alert
// stream receives each rung once, across a server restart and a reconnecting
// consumer; bad input and wrong roles answered with the right status and
// nothing written.
#include <grpcpp/impl/client_unary_call.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/calendar.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/api_access.pb.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using testing::HeadPosition;
using testing::TempDir;
using testing::TokenLine;

constexpr char kAdmin[] = "admin-0123456789abcdef";
constexpr char kOffice[] = "office-0123456789abcdef";
constexpr char kResources[] = "resources-0123456789abcdef";
constexpr char kEnterprise[] = "enterprise-0123456789abcdef";
constexpr char kAuditor[] = "auditor-0123456789abcdef";
constexpr char kLeader[] = "leader-0123456789abcdef";

// The Luohe policy's departments, one token each.
const std::vector<std::pair<std::string, std::string>>& Departments() {
  static const auto* d = new std::vector<std::pair<std::string, std::string>>{
      {"市发展改革委", "dept-fgw-0123456789"}, {"市国土资源局", "dept-gt-0123456789"},
      {"市环保局", "dept-hb-0123456789"},      {"市规划局", "dept-gh-0123456789"},
      {"市人防办", "dept-rf-0123456789"},      {"市住建委", "dept-zj-0123456789"}};
  return *d;
}

std::string TokensText() {
  std::string text = absl::StrCat(
      TokenLine(kAdmin, "admin", "ops"), TokenLine(kOffice, "supervision", "区政府目督办"),
      TokenLine(kResources, "department", "区自然资源局"),
      TokenLine(kEnterprise, "enterprise", "漯河某食品有限公司"),
      TokenLine(kAuditor, "auditor", "审计局"), TokenLine(kLeader, "leader", "王副区长"));
  for (const auto& [unit, token] : Departments()) {
    absl::StrAppend(&text, TokenLine(token, "department", unit));
  }
  return text;
}

class LedgerServerTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::WriteFile(dir_ / "tokens.textproto", TokensText()); }

  std::unique_ptr<Daemon> Start(const std::string& start_day) {
    std::vector<std::string> extra = {"--clock", "manual", "--policies-dir",
                                      testing::PoliciesDir()};
    if (!start_day.empty()) {
      extra.push_back("--start");
      extra.push_back(start_day);
    }
    return testing::StartDaemon(dir_, extra);
  }

  // A day at a time, as the office's clock would pass.
  void Advance(const Daemon& d, int days) {
    for (int i = 0; i < days; ++i) testing::AdvanceClock(d, absl::Hours(24), kAdmin);
  }

  v1::ExecuteTaskRequest CreatePlot5(const std::string& request_id) {
    v1::ExecuteTaskRequest r;
    r.mutable_header()->set_request_id(request_id);
    r.set_task_id("wuyue-plot5");
    auto* t = r.mutable_command()->mutable_create();
    t->set_task_id("wuyue-plot5");
    t->set_project_code("2020-530115-72-01-000001");
    t->set_title("5号地块4户农户拆迁及14.5亩征地");
    t->add_responsible_units("区自然资源局");
    t->set_responsible_leader("王副区长");
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
    t->mutable_deadline()->mutable_rule()->set_fixed_date("2020-07-15");
    return r;
  }

  TempDir dir_;
};

// The supervision office's own hand on the ladder through the typed RPCs: a
// notice raised by hand, answered by the unit, delisted by the office; the
// alert names the slip; wrong roles, a retry and a backdated completion.
TEST_F(LedgerServerTest, TheOfficesHandTheUnitsAnswerAndTheDelistingOverGrpc) {
  auto d = Start("2020-06-29");
  ASSERT_NE(d, nullptr);
  v1::Ledger::Stub ledger(Connect(d->address()));
  v1::Tasks::Stub tasks(Connect(d->address()));
  v1::TaskReply created;
  ASSERT_TRUE(ledger.ExecuteTask(Call(kOffice).get(), CreatePlot5("create-1"), &created).ok());

  v1::RaiseTaskRungRequest raise;
  raise.mutable_header()->set_request_id("raise-1");
  raise.set_task_id("wuyue-plot5");
  raise.mutable_raise_rung()->set_issues(v1::ISSUE_SUPERVISION_NOTICE);
  raise.mutable_raise_rung()->set_document_number("督办〔2020〕12号");
  raise.mutable_raise_rung()->set_rectification_working_days(3);
  v1::TaskReply reply;
  const uint64_t head = HeadPosition(*d, kAdmin);
  for (const char* token : {kResources, kLeader, kAuditor, kEnterprise, kAdmin}) {
    grpc::Status s = tasks.RaiseTaskRung(Call(token).get(), raise, &reply);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << token;
  }
  EXPECT_EQ(HeadPosition(*d, kAdmin), head);
  grpc::Status s = tasks.RaiseTaskRung(Call(kOffice).get(), raise, &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(reply.state().rungs_size(), 1);
  const std::string slip = reply.state().rungs(0).raised().slip_number();
  EXPECT_EQ(slip, "task/wuyue-plot5/1/manual-1");
  EXPECT_EQ(reply.view().open_rungs(), 1);
  // A retry is answered from the log: still one rung.
  v1::TaskReply again;
  ASSERT_TRUE(tasks.RaiseTaskRung(Call(kOffice).get(), raise, &again).ok());
  EXPECT_TRUE(again.result().duplicate());
  EXPECT_EQ(again.state().rungs_size(), 1);

  v1::DelistTaskRungRequest delist;
  delist.mutable_header()->set_request_id("delist-early");
  delist.set_task_id("wuyue-plot5");
  delist.mutable_delist_rung()->set_slip_number(slip);
  delist.mutable_delist_rung()->set_note("核实");
  EXPECT_EQ(tasks.DelistTaskRung(Call(kOffice).get(), delist, &reply).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // not answered yet

  v1::AnswerTaskRungRequest answer;
  answer.mutable_header()->set_request_id("answer-1");
  answer.set_task_id("wuyue-plot5");
  answer.mutable_answer_rung()->set_slip_number(slip);
  answer.mutable_answer_rung()->set_text("已约谈农户，7月10日前完成拆迁");
  const std::string& other = Departments()[0].second;
  EXPECT_EQ(tasks.AnswerTaskRung(Call(other).get(), answer, &reply).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  s = tasks.AnswerTaskRung(Call(kResources).get(), answer, &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(reply.view().open_rungs(), 0);
  delist.mutable_header()->set_request_id("delist-1");
  s = tasks.DelistTaskRung(Call(kOffice).get(), delist, &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(reply.state().rungs(0).delisted());

  // A completion dated back beyond the department's 3 working days is
  // refused; within them it is recorded, late-entered (补录).
  Advance(*d, 10);  // to 07-09 (Thursday)
  v1::CompleteTaskRequest complete;
  complete.mutable_header()->set_request_id("complete-1");
  *complete.mutable_header()->mutable_occurred_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(
          absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2020, 7, 1), engine::ChinaTime())));
  complete.set_task_id("wuyue-plot5");
  complete.mutable_complete()->set_text("拆迁完成");
  const uint64_t before = HeadPosition(*d, kAdmin);
  s = tasks.CompleteTask(Call(kResources).get(), complete, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_NE(s.error_message().find("3 working days"), std::string::npos) << s.error_message();
  EXPECT_EQ(HeadPosition(*d, kAdmin), before);
  complete.mutable_header()->set_request_id("complete-2");
  *complete.mutable_header()->mutable_occurred_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(
          absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2020, 7, 7), engine::ChinaTime())));
  s = tasks.CompleteTask(Call(kResources).get(), complete, &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // The alert stream, read to the head: the manual notice as a 督办通知单, the
  // answer to the office, the delisting, the late entry.
  v1::Supervision::Stub supervision(Connect(d->address()));
  v1::FollowAlertsRequest follow;
  follow.set_until_head(true);
  auto ctx = Call(kOffice);
  auto stream = supervision.FollowAlerts(ctx.get(), follow);
  std::vector<v1::Alert> alerts;
  for (v1::Alert a; stream->Read(&a);) alerts.push_back(a);
  ASSERT_TRUE(stream->Finish().ok());
  auto find = [&](v1::AlertKind kind) {
    return std::count_if(alerts.begin(), alerts.end(),
                         [&](const v1::Alert& a) { return a.kind() == kind; });
  };
  auto manual =
      std::find_if(alerts.begin(), alerts.end(), [](const v1::Alert& a) { return a.manual(); });
  ASSERT_NE(manual, alerts.end());
  EXPECT_EQ(manual->slip_kind(), "督办通知单");
  EXPECT_EQ(manual->slip_number(), slip);
  EXPECT_EQ(find(v1::ALERT_KIND_RUNG_ANSWERED), 1);
  EXPECT_EQ(find(v1::ALERT_KIND_RUNG_DELISTED), 1);
  EXPECT_EQ(find(v1::ALERT_KIND_LATE_ENTRY), 1);
  EXPECT_EQ(d->Stop(), 0);
}

TEST_F(LedgerServerTest, BadInputAndWrongRolesChangeNothing) {
  auto d = Start("2020-06-29");
  ASSERT_NE(d, nullptr);
  v1::Ledger::Stub ledger(Connect(d->address()));
  uint64_t head = HeadPosition(*d, kAdmin);
  struct Case {
    const char* token;
    v1::ExecuteTaskRequest request;
    grpc::StatusCode code;
    const char* what;
  };
  std::vector<Case> cases;
  cases.push_back({"", CreatePlot5("a"), grpc::StatusCode::UNAUTHENTICATED, "no token"});
  cases.push_back(
      {"not-a-token-at-all-xx", CreatePlot5("b"), grpc::StatusCode::UNAUTHENTICATED, "bad token"});
  cases.push_back({kAuditor, CreatePlot5("c"), grpc::StatusCode::PERMISSION_DENIED, "auditor"});
  cases.push_back({kLeader, CreatePlot5("d"), grpc::StatusCode::PERMISSION_DENIED, "leader"});
  cases.push_back({kEnterprise, CreatePlot5("e"), grpc::StatusCode::PERMISSION_DENIED,
                   "enterprise creating a task"});
  cases.push_back({kResources, CreatePlot5("f"), grpc::StatusCode::PERMISSION_DENIED,
                   "a department creating a task"});
  cases.push_back({kOffice, CreatePlot5(""), grpc::StatusCode::INVALID_ARGUMENT, "no request id"});
  v1::ExecuteTaskRequest no_action = CreatePlot5("g");
  no_action.clear_command();
  cases.push_back({kOffice, no_action, grpc::StatusCode::INVALID_ARGUMENT, "no action"});
  v1::ExecuteTaskRequest bad_date = CreatePlot5("h");
  bad_date.mutable_command()->mutable_create()->mutable_deadline()->mutable_rule()->set_fixed_date(
      "2020-07-32");
  cases.push_back({kOffice, bad_date, grpc::StatusCode::INVALID_ARGUMENT, "bad date"});
  for (const Case& c : cases) {
    v1::TaskReply reply;
    auto ctx = c.token[0] != '\0' ? Call(c.token) : std::make_unique<grpc::ClientContext>();
    grpc::Status s = ledger.ExecuteTask(ctx.get(), c.request, &reply);
    EXPECT_EQ(s.error_code(), c.code) << c.what << ": " << s.error_message();
    EXPECT_FALSE(s.error_message().empty()) << c.what;
  }
  EXPECT_EQ(HeadPosition(*d, kAdmin), head);
  // Completing a task that does not exist.
  v1::ExecuteTaskRequest complete;
  complete.mutable_header()->set_request_id("i");
  complete.set_task_id("nothing");
  complete.mutable_command()->mutable_complete()->set_text("done");
  v1::TaskReply reply;
  EXPECT_EQ(ledger.ExecuteTask(Call(kResources).get(), complete, &reply).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // A version conflict.
  v1::ExecuteTaskRequest stale = CreatePlot5("j");
  stale.mutable_header()->set_expected_version(3);
  EXPECT_EQ(ledger.ExecuteTask(Call(kOffice).get(), stale, &reply).error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_EQ(HeadPosition(*d, kAdmin), head);
  EXPECT_EQ(d->Stop(), 0);
}

TEST_F(LedgerServerTest, ALateTaskClimbsTheLadderAndEachAlertArrivesOnce) {
  auto d = Start("2020-06-29");
  ASSERT_NE(d, nullptr);
  {
    v1::Ledger::Stub ledger(Connect(d->address()));
    v1::TaskReply first, again;
    ASSERT_TRUE(ledger.ExecuteTask(Call(kOffice).get(), CreatePlot5("create-1"), &first).ok());
    EXPECT_GT(first.result().first_position(), 0u);
    EXPECT_EQ(first.view().due_date(), "2020-07-15");
    // A retried request returns the first result and writes nothing.
    ASSERT_TRUE(ledger.ExecuteTask(Call(kOffice).get(), CreatePlot5("create-1"), &again).ok());
    EXPECT_TRUE(again.result().duplicate());
    EXPECT_EQ(again.result().first_position(), first.result().first_position());
  }

  // A consumer follows the alerts for the unit, acknowledging as it goes.
  absl::Mutex mu;
  std::vector<v1::Alert> received;
  uint64_t acked = 0;
  auto follow = [&](const Daemon& server, int want) {
    v1::Supervision::Stub supervision(Connect(server.address()));
    v1::FollowAlertsRequest request;
    {
      absl::MutexLock l(&mu);
      request.set_from_position(acked);  // exclusive: the alerts after it
    }
    auto ctx = Call(kOffice);
    auto stream = supervision.FollowAlerts(ctx.get(), request);
    v1::Alert alert;
    int got = 0;
    while (got < want && stream->Read(&alert)) {
      absl::MutexLock l(&mu);
      received.push_back(alert);
      if (alert.last_in_event()) acked = alert.position();
      ++got;
    }
    ctx->TryCancel();
    stream->Finish();
  };

  Advance(*d, 20);  // to 07-19: warning, notice (and red light) raised
  follow(*d, 3);    // read three alerts, then "disconnect"

  // Restart the server in the middle.
  ASSERT_EQ(d->Stop(), 0);
  d = Start("");
  ASSERT_NE(d, nullptr);
  Advance(*d, 25);  // to 08-13: listing, interview
  {
    v1::Ledger::Stub ledger(Connect(d->address()));
    v1::GetRequest get;
    get.set_id("wuyue-plot5");
    v1::TaskReply reply;
    ASSERT_TRUE(ledger.GetTask(Call(kAuditor).get(), get, &reply).ok());
    std::vector<std::string> rungs;
    for (const auto& r : reply.state().rungs()) rungs.push_back(r.raised().rung_id());
    EXPECT_EQ(rungs, (std::vector<std::string>{"warning", "notice", "listing", "interview"}));
    EXPECT_TRUE(reply.view().overdue());
    // The bulletin for July lists the unit's overdue task.
    v1::BulletinRequest month;
    month.set_month("2020-07");
    v1::Bulletin bulletin;
    ASSERT_TRUE(ledger.GetBulletin(Call(kLeader).get(), month, &bulletin).ok());
    ASSERT_EQ(bulletin.unit_supervision_size(), 1);
    EXPECT_EQ(bulletin.unit_supervision(0).unit(), "区自然资源局");
    EXPECT_EQ(bulletin.unit_supervision(0).overdue_tasks(), 1);
  }
  // The consumer reconnects from its last acknowledged position and reads
  // the rest: 4 rung alerts and 2 light changes (yellow, then red) in all,
  // none twice.
  int total_expected = 6;
  int have;
  {
    absl::MutexLock l(&mu);
    have = static_cast<int>(received.size());
  }
  follow(*d, total_expected - have);
  std::map<std::pair<uint64_t, uint32_t>, int> seen;
  int rung_alerts = 0;
  for (const auto& a : received) {
    ++seen[{a.position(), a.index_in_event()}];
    if (a.kind() == v1::ALERT_KIND_RUNG_RAISED || a.kind() == v1::ALERT_KIND_NOTICE_ISSUED) {
      ++rung_alerts;
    }
  }
  for (const auto& [key, n] : seen) EXPECT_EQ(n, 1) << "position " << key.first;
  EXPECT_EQ(rung_alerts, 4);
  int red = 0;
  for (const auto& a : received) red += a.kind() == v1::ALERT_KIND_DEADLINE_PASSED;
  EXPECT_EQ(red, 1);
  EXPECT_EQ(static_cast<int>(received.size()), total_expected);
  EXPECT_EQ(d->Stop(), 0);
}

TEST_F(LedgerServerTest, AJointApprovalCaseFromOpeningToCompletionThroughTypedRpcs) {
  auto d = Start("2018-03-01");
  ASSERT_NE(d, nullptr);
  v1::Ledger::Stub ledger(Connect(d->address()));
  v1::Approval::Stub approval(Connect(d->address()));
  int n = 0;
  auto with_header = [&](auto* request) {
    request->mutable_header()->set_request_id(absl::StrCat("case-", ++n));
    request->set_case_id("LH-2018-017");
    return request;
  };
  auto ok = [](const grpc::Status& s) { EXPECT_TRUE(s.ok()) << s.error_message(); };
  v1::OpenCaseRequest open;
  with_header(&open);
  open.mutable_open()->set_project_code("2018-411102-14-03-000123");
  open.mutable_open()->set_project_name("年产10万吨休闲食品项目");
  open.mutable_open()->set_owner("漯河某食品有限公司");
  open.mutable_open()->set_policy("luohe-2018-38-day");
  open.mutable_open()->set_responsible_leader("王副市长");
  v1::CaseReply last;
  ok(approval.OpenCase(Call(kEnterprise).get(), open, &last));
  EXPECT_EQ(last.result().event_types_size(), 1);

  // A department may not approve what it was not sent, nor an auditor anything.
  v1::ApproveCaseItemRequest foreign;
  with_header(&foreign);
  foreign.mutable_approve()->set_item_id(last.view().items(0).item_id());
  v1::CaseReply refused;
  EXPECT_EQ(approval.ApproveCaseItem(Call(kAuditor).get(), foreign, &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(approval.ApproveCaseItem(Call(kResources).get(), foreign, &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  for (int round = 0; round < 8; ++round) {
    v1::GetRequest get;
    get.set_id("LH-2018-017");
    v1::CaseReply now;
    // Reads come from the projections, which follow the log a moment after
    // a command is acknowledged (a read "at least at position P" is not yet
    // in the API): wait for the case to appear.
    grpc::Status read;
    for (int tries = 0; tries < 200; ++tries) {
      now.Clear();
      read = ledger.GetCase(Call(kAuditor).get(), get, &now);
      if (read.ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(read.ok()) << read.error_message();
    for (const auto& item : now.view().items()) {
      if (item.status() != v1::APPROVAL_ITEM_STATUS_UNSPECIFIED &&
          item.status() != v1::APPROVAL_ITEM_STATUS_NOT_SUBMITTED) {
        continue;
      }
      if (!item.can_submit()) continue;
      std::string token;
      for (const auto& [unit, t] : Departments()) {
        if (unit == item.department()) token = t;
      }
      ASSERT_FALSE(token.empty()) << item.department();
      const std::string& id = item.item_id();
      v1::SubmitCaseItemRequest submit;
      with_header(&submit)->mutable_submit()->set_item_id(id);
      ok(approval.SubmitCaseItem(Call(kEnterprise).get(), submit, &last));
      v1::AcceptCaseItemRequest accept;
      with_header(&accept)->mutable_accept()->set_item_id(id);
      ok(approval.AcceptCaseItem(Call(token).get(), accept, &last));
      bool higher = false;
      for (const auto& p : now.state().policy().items()) {
        if (p.id() == id) higher = !p.higher_authority().empty();
      }
      if (higher) {  // 上报: the higher authority decides; the department records it
        v1::ReportCaseItemUpRequest up;
        with_header(&up)->mutable_report_up()->set_item_id(id);
        up.mutable_report_up()->set_reference("漯国土资〔2018〕12号");
        ok(approval.ReportCaseItemUp(Call(token).get(), up, &last));
      }
      v1::ApproveCaseItemRequest approve;
      with_header(&approve)->mutable_approve()->set_item_id(id);
      ok(approval.ApproveCaseItem(Call(token).get(), approve, &last));
      // A retry of the same request is answered from the log, not decided again.
      v1::CaseReply again;
      ok(approval.ApproveCaseItem(Call(token).get(), approve, &again));
      EXPECT_TRUE(again.result().duplicate());
      EXPECT_EQ(again.result().first_position(), last.result().first_position());
    }
  }
  EXPECT_EQ(last.state().status(), v1::APPROVAL_CASE_STATUS_COMPLETED);
  EXPECT_TRUE(last.state().rungs().empty());
  EXPECT_EQ(d->Stop(), 0);
}

v1::RegisterProjectRequest Register(const std::string& request_id, const std::string& code,
                                    const std::string& leader, const std::string& owner) {
  v1::RegisterProjectRequest r;
  r.mutable_header()->set_request_id(request_id);
  r.set_project_code(code);
  v1::ProjectInfo* info = r.mutable_register_()->mutable_info();
  info->set_code(code);
  info->set_name(absl::StrCat("项目 ", code));
  info->set_level(v1::PROJECT_LEVEL_DISTRICT);
  info->set_owner(owner);
  info->set_total_investment_yuan(500'000'000);
  info->set_plan_year(2020);
  info->set_annual_plan_yuan(100'000'000);
  info->set_responsible_leader(leader);
  info->set_lead_unit("区自然资源局");
  return r;
}

TEST_F(LedgerServerTest, LeadersAndEnterprisesReadOnlyTheirOwnProjects) {
  auto d = Start("2020-06-29");
  ASSERT_NE(d, nullptr);
  v1::Ledger::Stub ledger(Connect(d->address()));
  v1::Projects::Stub projects(Connect(d->address()));
  v1::Tasks::Stub tasks(Connect(d->address()));
  const std::string mine = "2020-530115-72-01-000001", theirs = "2020-530115-72-01-000002";
  v1::ProjectReply reply;

  // Registering: only the office (or an admin); bad input changes nothing.
  uint64_t head = HeadPosition(*d, kAdmin);
  EXPECT_EQ(
      projects
          .RegisterProject(Call(kResources).get(), Register("r0", mine, "王副区长", "x"), &reply)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      projects.RegisterProject(Call(kAuditor).get(), Register("r0", mine, "王副区长", "x"), &reply)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  v1::RegisterProjectRequest nameless = Register("r0", mine, "王副区长", "x");
  nameless.mutable_register_()->mutable_info()->clear_name();
  grpc::Status s = projects.RegisterProject(Call(kOffice).get(), nameless, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("info.name"), std::string::npos) << s.error_message();
  EXPECT_EQ(HeadPosition(*d, kAdmin), head);

  s = projects.RegisterProject(Call(kOffice).get(),
                               Register("r1", mine, "王副区长", "漯河某食品有限公司"), &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = projects.RegisterProject(Call(kOffice).get(), Register("r2", theirs, "李副区长", "另一公司"),
                               &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // A task on each project, the other's naming its own leader.
  for (const auto& [id, code, leader] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"t-mine", mine, ""}, {"t-theirs", theirs, "李副区长"}}) {
    v1::CreateTaskRequest create;
    create.mutable_header()->set_request_id(id);
    create.set_task_id(id);
    v1::CreateTask* t = create.mutable_create();
    t->set_task_id(id);
    t->set_project_code(code);
    t->set_title("征地拆迁");
    t->add_responsible_units("区自然资源局");
    t->set_responsible_leader(leader);
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
    t->mutable_deadline()->mutable_rule()->set_fixed_date("2020-07-15");
    v1::TaskReply task;
    s = tasks.CreateTask(Call(kOffice).get(), create, &task);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  auto list_projects = [&](const char* token) {
    v1::ListProjectsResponse list;
    grpc::Status s = ledger.ListProjects(Call(token).get(), v1::ListRequest(), &list);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> codes;
    for (const auto& p : list.projects()) codes.push_back(p.code());
    std::sort(codes.begin(), codes.end());
    return codes;
  };
  auto list_tasks = [&](const char* token) {
    v1::ListTasksResponse list;
    grpc::Status s = ledger.ListTasks(Call(token).get(), v1::ListRequest(), &list);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const auto& t : list.tasks()) ids.push_back(t.task_id());
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  EXPECT_EQ(list_projects(kLeader), std::vector<std::string>{mine});
  EXPECT_EQ(list_projects(kEnterprise), std::vector<std::string>{mine});
  EXPECT_EQ(list_projects(kAuditor), (std::vector<std::string>{mine, theirs}));
  EXPECT_EQ(list_projects(kResources), (std::vector<std::string>{mine, theirs}));
  EXPECT_EQ(list_tasks(kLeader), std::vector<std::string>{"t-mine"});
  // Region and stage, for projects and for what belongs to them.
  auto count = [&](v1::ListRequest filter) {
    v1::ListProjectsResponse projects_list;
    v1::ListTasksResponse tasks_list;
    EXPECT_TRUE(ledger.ListProjects(Call(kOffice).get(), filter, &projects_list).ok());
    EXPECT_TRUE(ledger.ListTasks(Call(kOffice).get(), filter, &tasks_list).ok());
    return std::make_pair(projects_list.projects_size(), tasks_list.tasks_size());
  };
  v1::ListRequest filter;
  filter.set_stage(v1::PROJECT_STAGE_RESERVE_AGREEMENT);
  EXPECT_EQ(count(filter), std::make_pair(2, 2));
  filter.set_stage(v1::PROJECT_STAGE_NEW_START);
  EXPECT_EQ(count(filter), std::make_pair(0, 0));
  filter.clear_stage();
  filter.set_region("530115");
  EXPECT_EQ(count(filter), std::make_pair(2, 2));
  filter.set_region("110101");
  EXPECT_EQ(count(filter), std::make_pair(0, 0));
  EXPECT_EQ(list_tasks(kAuditor), (std::vector<std::string>{"t-mine", "t-theirs"}));

  v1::GetRequest get;
  get.set_id(theirs);
  s = ledger.GetProject(Call(kLeader).get(), get, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(s.error_message().find("leader:王副区长"), std::string::npos) << s.error_message();
  get.set_id("t-theirs");
  v1::TaskReply task;
  EXPECT_EQ(ledger.GetTask(Call(kLeader).get(), get, &task).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  get.set_id(mine);
  s = ledger.GetProject(Call(kLeader).get(), get, &reply);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(d->Stop(), 0);
}

// Every RPC of the workflow services, called by every role (and by nobody),
// with an empty request: a role the (access) option does not name is refused
// before the handler runs; a named one reaches it (and an empty request is
// then refused for what it lacks). Nothing is written either way.
TEST_F(LedgerServerTest, EveryWorkflowRpcIsGuardedForEveryRole) {
  auto d = Start("2020-06-29");
  ASSERT_NE(d, nullptr);
  const uint64_t head = HeadPosition(*d, kAdmin);
  auto channel = Connect(d->address());
  const std::vector<std::pair<std::string, std::string>> roles = {
      {"admin", kAdmin},          {"auditor", kAuditor}, {"supervision", kOffice},
      {"department", kResources}, {"leader", kLeader},   {"enterprise", kEnterprise},
  };
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  int checked = 0;
  for (const char* name :
       {"taizhang.v1.Ledger", "taizhang.v1.Approval", "taizhang.v1.Tasks", "taizhang.v1.Problems",
        "taizhang.v1.Projects", "taizhang.v1.Meetings", "taizhang.v1.Campaigns"}) {
    const auto* service = pool->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int m = 0; m < service->method_count(); ++m) {
      const auto* method = service->method(m);
      const v1::Access& access = method->options().GetExtension(v1::access);
      const std::string path = absl::StrCat("/", name, "/", method->name());
      auto call = [&](const std::string& token) {
        std::unique_ptr<google::protobuf::Message> request(
            factory->GetPrototype(method->input_type())->New());
        std::unique_ptr<google::protobuf::Message> reply(
            factory->GetPrototype(method->output_type())->New());
        grpc::ClientContext ctx;
        if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
        grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
        return grpc::internal::BlockingUnaryCall<google::protobuf::Message,
                                                 google::protobuf::Message>(
            channel.get(), rpc, &ctx, *request, reply.get());
      };
      EXPECT_EQ(call("").error_code(), grpc::StatusCode::UNAUTHENTICATED) << path;
      for (const auto& [role, token] : roles) {
        const bool allowed =
            access.any_authenticated() ||
            std::find(access.roles().begin(), access.roles().end(), role) != access.roles().end();
        grpc::Status s = call(token);
        const bool gate = s.error_code() == grpc::StatusCode::PERMISSION_DENIED &&
                          absl::StrContains(s.error_message(), "needs role");
        EXPECT_EQ(gate, !allowed) << path << " as " << role << ": " << s.error_message();
        ++checked;
      }
    }
  }
  // Projects: 10 + 2 visit RPCs; + the meetings' RPCs; + the campaigns' (3
  // in the Ledger, 1 typed).
  EXPECT_EQ(checked, 6 * (14 + 6 + 17 + 10 + 10 + 12 + 5 + 3 + 1));
  EXPECT_EQ(HeadPosition(*d, kAdmin), head);
  EXPECT_EQ(d->Stop(), 0);
}

}  // namespace
}  // namespace taizhang
