// The server's own commands cannot be silenced through their request ids,
// through the real taizhangd: for each kind of system id (a deadline firing, a
// prerequisite delivery, a recompute), a client of every role sends a command
// with that exact id first, and the server's own command still happens; and two
// principals using one request id each get their own command.
//
// Each scenario runs twice on fresh data directories with the same manual
// clock: the first run learns the ids the server uses (from the audit read),
// the second sends them ahead of the server and checks it does the same.
#include <filesystem>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using testing::TempDir;
using testing::Tokens;

constexpr char kProjectCode[] = "2020-530115-72-01-000001";
constexpr char kSystem[] = "system:scheduler";

struct Role {
  const char* name;
  const char* token;
  bool may_raise;  // may write a command at all (raise a problem)
};

const std::vector<Role>& Roles() {
  static const auto* roles = new std::vector<Role>{
      {"admin", Tokens::kAdmin, true},           {"supervision", Tokens::kSupervision, true},
      {"department", Tokens::kDepartment, true}, {"enterprise", Tokens::kEnterprise, true},
      {"leader", Tokens::kLeader, false},        {"auditor", Tokens::kAuditor, false}};
  return *roles;
}

// What the server itself wrote on a stream.
struct SystemRecord {
  std::string request_id;
  std::string type;
  bool operator==(const SystemRecord& o) const {
    return std::tie(request_id, type) == std::tie(o.request_id, o.type);
  }
};

void PrintTo(const SystemRecord& r, std::ostream* os) { *os << r.request_id << " " << r.type; }

class RequestIdServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "tokens.textproto", Tokens::FileText());
    std::filesystem::copy(testing::PoliciesDir(), dir_ / "policies",
                          std::filesystem::copy_options::recursive);
  }

  std::unique_ptr<Daemon> Start(const std::string& data, const std::string& day) {
    return testing::StartDaemon(
        dir_, {"--clock", "manual", "--policies-dir", dir_ / "policies", "--start", day}, "stderr",
        data);
  }

  std::vector<v1::AuditEvent> Records(const Daemon& d, const std::string& stream) {
    v1::Audit::Stub audit(Connect(d.address()));
    v1::ReadStreamRequest request;
    request.set_stream(stream);
    request.set_page_size(1000);
    v1::ReadStreamResponse response;
    grpc::Status s = audit.ReadStream(Call(Tokens::kAuditor).get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {response.events().begin(), response.events().end()};
  }

  std::vector<SystemRecord> SystemRecords(const Daemon& d, const std::string& stream) {
    std::vector<SystemRecord> out;
    for (const auto& e : Records(d, stream)) {
      if (e.actor() == kSystem) out.push_back({e.request_id(), e.type()});
    }
    return out;
  }

  static std::vector<std::string> Ids(const std::vector<SystemRecord>& records) {
    std::vector<std::string> ids;
    for (const auto& r : records) {
      if (ids.empty() || ids.back() != r.request_id) ids.push_back(r.request_id);
    }
    return ids;
  }

  grpc::Status Raise(const Daemon& d, const Role& role, const std::string& request_id,
                     const std::string& problem_id, v1::ProblemReply* reply) {
    v1::Ledger::Stub ledger(Connect(d.address()));
    v1::ExecuteProblemRequest r;
    r.mutable_header()->set_request_id(request_id);
    r.set_problem_id(problem_id);
    auto* raise = r.mutable_command()->mutable_raise();
    raise->set_problem_id(problem_id);
    raise->set_project_code(kProjectCode);
    raise->set_title(absl::StrCat("占用请求号 ", request_id));
    if (std::string(role.name) == "admin" || std::string(role.name) == "supervision") {
      raise->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_INSPECTION);
      raise->mutable_source()->set_name("区人大常委会检查组");
    }
    return ledger.ExecuteProblem(Call(role.token).get(), r, reply);
  }

  // Every role sends a command with each of `ids` first. Those that may write
  // must have written it (under their own actor, with that id); the others
  // are refused.
  void EveryRoleTakes(const Daemon& d, const std::vector<std::string>& ids) {
    ASSERT_FALSE(ids.empty());
    int n = 0;
    for (const std::string& id : ids) {
      for (const Role& role : Roles()) {
        const std::string problem = absl::StrCat("squat-", role.name, "-", ++n);
        v1::ProblemReply reply;
        grpc::Status s = Raise(d, role, id, problem, &reply);
        if (!role.may_raise) {
          EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << role.name;
          continue;
        }
        ASSERT_TRUE(s.ok()) << role.name << " " << id << ": " << s.error_message();
        EXPECT_FALSE(reply.result().duplicate()) << role.name << " " << id;
        auto written = Records(d, "problem/" + problem);
        ASSERT_EQ(written.size(), 1u) << role.name;
        EXPECT_EQ(written[0].request_id(), id);
        EXPECT_NE(written[0].actor(), kSystem);
      }
    }
  }

  v1::ExecuteTaskRequest CreateTask(const std::string& id, const std::string& request_id) {
    v1::ExecuteTaskRequest r;
    r.mutable_header()->set_request_id(request_id);
    r.set_task_id(id);
    auto* t = r.mutable_command()->mutable_create();
    t->set_task_id(id);
    t->set_project_code(kProjectCode);
    t->set_title("5号地块4户农户拆迁及14.5亩征地");
    t->add_responsible_units("自然资源局");
    t->set_responsible_leader("张副区长");
    return r;
  }

  v1::TaskReply Execute(const Daemon& d, const char* token, const v1::ExecuteTaskRequest& r) {
    v1::Ledger::Stub ledger(Connect(d.address()));
    v1::TaskReply reply;
    grpc::Status s = ledger.ExecuteTask(Call(token).get(), r, &reply);
    EXPECT_TRUE(s.ok()) << r.task_id() << ": " << s.error_message();
    return reply;
  }

  v1::TaskView GetTask(const Daemon& d, const std::string& id) {
    v1::Ledger::Stub ledger(Connect(d.address()));
    v1::GetRequest request;
    request.set_id(id);
    v1::TaskReply reply;
    grpc::Status s = ledger.GetTask(Call(Tokens::kSupervision).get(), request, &reply);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
    return reply.view();
  }

  TempDir dir_;
};

// A late task: the scheduler's firings raise the rungs (warning, notice, ...)
// whoever sent their ids first.
TEST_F(RequestIdServerTest, DeadlineFiringsHappenWhateverAClientSentFirst) {
  auto late_task = [&](const Daemon& d) {
    v1::ExecuteTaskRequest r = CreateTask("plot5", "create-plot5");
    r.mutable_command()->mutable_create()->mutable_deadline()->mutable_rule()->set_kind(
        v1::DeadlineRule::FIXED_DATE);
    r.mutable_command()->mutable_create()->mutable_deadline()->mutable_rule()->set_fixed_date(
        "2020-07-15");
    Execute(d, Tokens::kSupervision, r);
  };
  std::vector<SystemRecord> expected;
  {
    auto d = Start("learn", "2020-06-29");
    ASSERT_NE(d, nullptr);
    late_task(*d);
    for (int day = 0; day < 30; ++day) testing::AdvanceClock(*d, absl::Hours(24));
    expected = SystemRecords(*d, "task/plot5");
    EXPECT_EQ(d->Stop(), 0);
  }
  ASSERT_GE(expected.size(), 2u) << "the late task should have climbed the ladder";

  auto d = Start("attacked", "2020-06-29");
  ASSERT_NE(d, nullptr);
  late_task(*d);
  EveryRoleTakes(*d, Ids(expected));
  for (int day = 0; day < 30; ++day) testing::AdvanceClock(*d, absl::Hours(24));
  EXPECT_EQ(SystemRecords(*d, "task/plot5"), expected);
  EXPECT_EQ(d->Stop(), 0);
}

// A task waiting for another: the delivery of the completion starts its clock
// whoever sent the delivery's id first.
TEST_F(RequestIdServerTest, PrerequisiteDeliveriesHappenWhateverAClientSentFirst) {
  auto two_tasks = [&](const Daemon& d) {
    v1::ExecuteTaskRequest first = CreateTask("plot5", "create-plot5");
    first.mutable_command()->mutable_create()->mutable_deadline()->mutable_rule()->set_kind(
        v1::DeadlineRule::FIXED_DATE);
    first.mutable_command()->mutable_create()->mutable_deadline()->mutable_rule()->set_fixed_date(
        "2020-07-31");
    Execute(d, Tokens::kSupervision, first);
    v1::ExecuteTaskRequest permit = CreateTask("permit", "create-permit");
    auto* after =
        permit.mutable_command()->mutable_create()->mutable_deadline()->mutable_after_tasks();
    after->add_task_ids("plot5");
    after->mutable_rule()->set_kind(v1::DeadlineRule::CALENDAR_DAYS);
    after->mutable_rule()->set_n(45);
    EXPECT_TRUE(Execute(d, Tokens::kSupervision, permit).view().due_pending());
  };
  auto complete_first = [&](const Daemon& d) {
    v1::ExecuteTaskRequest done;
    done.mutable_header()->set_request_id("complete-plot5");
    done.set_task_id("plot5");
    done.mutable_command()->mutable_complete()->set_text("4户拆迁及征地完成");
    Execute(d, Tokens::kDepartment, done);
    testing::AdvanceClock(d, absl::Minutes(1));  // the reactions have run when it answers
  };
  std::vector<SystemRecord> expected;
  std::string due;
  {
    auto d = Start("learn", "2020-07-10");
    ASSERT_NE(d, nullptr);
    two_tasks(*d);
    complete_first(*d);
    expected = SystemRecords(*d, "task/permit");
    due = GetTask(*d, "permit").due_date();
    EXPECT_EQ(d->Stop(), 0);
  }
  ASSERT_FALSE(expected.empty()) << "the completion should have been delivered";
  ASSERT_FALSE(due.empty());

  auto d = Start("attacked", "2020-07-10");
  ASSERT_NE(d, nullptr);
  two_tasks(*d);
  EveryRoleTakes(*d, Ids(expected));
  complete_first(*d);
  EXPECT_EQ(SystemRecords(*d, "task/permit"), expected);
  v1::TaskView permit = GetTask(*d, "permit");
  EXPECT_FALSE(permit.due_pending());
  EXPECT_EQ(permit.due_date(), due);
  EXPECT_EQ(d->Stop(), 0);
}

// A deadline computed without its year's calendar is recomputed when the year
// is loaded (at the next start), whoever sent the recompute's id first.
TEST_F(RequestIdServerTest, RecomputesHappenWhateverAClientSentFirst) {
  const std::string calendar = dir_ / "policies/calendars/cn-2020.textproto";
  const std::string aside = dir_ / "cn-2020.textproto";
  auto provisional_task = [&](const Daemon& d) {
    v1::ExecuteTaskRequest r = CreateTask("wd", "create-wd");
    auto* deadline = r.mutable_command()->mutable_create()->mutable_deadline();
    deadline->mutable_rule()->set_kind(v1::DeadlineRule::WORKING_DAYS);
    deadline->mutable_rule()->set_n(5);
    deadline->set_start_date("2020-09-28");
    v1::TaskReply reply = Execute(d, Tokens::kSupervision, r);
    EXPECT_TRUE(reply.view().provisional());
    EXPECT_EQ(reply.view().due_date(), "2020-10-05");  // weekends alone
  };
  // Runs the scenario on `data`; `before_restart` runs while the year is missing.
  auto scenario = [&](const std::string& data, const std::function<void(const Daemon&)>& before) {
    std::filesystem::rename(calendar, aside);
    {
      auto d = Start(data, "2020-09-28");
      if (d == nullptr) return std::vector<SystemRecord>{};
      provisional_task(*d);
      if (before) before(*d);
      EXPECT_EQ(d->Stop(), 0);
    }
    std::filesystem::rename(aside, calendar);
    auto d = Start(data, "2020-09-28");
    if (d == nullptr) return std::vector<SystemRecord>{};
    v1::TaskView wd = GetTask(*d, "wd");
    EXPECT_FALSE(wd.provisional());
    EXPECT_EQ(wd.due_date(), "2020-10-12");  // the National Day holiday counted
    auto records = SystemRecords(*d, "task/wd");
    EXPECT_EQ(d->Stop(), 0);
    return records;
  };
  std::vector<SystemRecord> expected = scenario("learn", nullptr);
  ASSERT_FALSE(expected.empty()) << "the year's loading should have recomputed the task";
  std::vector<SystemRecord> attacked =
      scenario("attacked", [&](const Daemon& d) { EveryRoleTakes(d, Ids(expected)); });
  EXPECT_EQ(attacked, expected);
}

// One request id, two principals: each its own command, and each retry
// answered with its own first result.
TEST_F(RequestIdServerTest, TwoPrincipalsWithOneRequestIdEachGetTheirOwnCommand) {
  auto d = Start("data", "2020-06-29");
  ASSERT_NE(d, nullptr);
  const Role& office = Roles()[1];
  const Role& unit = Roles()[2];
  v1::ProblemReply a, b;
  ASSERT_TRUE(Raise(*d, office, "r-1", "from-office", &a).ok());
  ASSERT_TRUE(Raise(*d, unit, "r-1", "from-unit", &b).ok());
  EXPECT_FALSE(b.result().duplicate());
  EXPECT_EQ(b.view().problem_id(), "from-unit");
  EXPECT_NE(b.result().first_position(), a.result().first_position());
  v1::ProblemReply a2, b2;
  ASSERT_TRUE(Raise(*d, office, "r-1", "from-office", &a2).ok());
  ASSERT_TRUE(Raise(*d, unit, "r-1", "from-unit", &b2).ok());
  EXPECT_TRUE(a2.result().duplicate() && b2.result().duplicate());
  EXPECT_EQ(a2.result().first_position(), a.result().first_position());
  EXPECT_EQ(b2.result().first_position(), b.result().first_position());
  EXPECT_EQ(a2.view().problem_id(), "from-office");
  EXPECT_EQ(b2.view().problem_id(), "from-unit");
  // The same principal's id for another stream is still refused.
  v1::ProblemReply c;
  EXPECT_EQ(Raise(*d, unit, "r-1", "elsewhere", &c).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  // A request id with a control character is refused, naming the field.
  v1::ProblemReply e;
  grpc::Status s = Raise(*d, unit, std::string("r\0x", 3), "nul", &e);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("header.request_id"), std::string::npos) << s.error_message();
  EXPECT_EQ(d->Stop(), 0);
}

}  // namespace
}  // namespace taizhang
