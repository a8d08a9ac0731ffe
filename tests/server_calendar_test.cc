// Calendars loaded into the real taizhangd while it runs (Admin.LoadCalendar
// and `taizhang calendar load`): the amended 2019 notice moving a deadline
// computed on the first one, once and across a restart; a newly published year
// turning a provisional deadline firm; malformed files, a changed year without
// --amend and wrong roles refused with nothing written; a restart whose policy
// files disagree with the log refused.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using ::testing::HasSubstr;
using testing::HeadPosition;
using testing::RunCli;
using testing::TempDir;
using testing::Tokens;

std::string Shipped2019() { return testing::PoliciesDir() + "/calendars/cn-2019.textproto"; }

// An invented 2027 (the real notice had not been published): 元旦 01-01..03.
constexpr char kInvented2027[] =
    "year: 2027\nregion: \"cn\"\noff { from: \"2027-01-01\" to: \"2027-01-03\" name: \"元旦\" }\n";

class CalendarServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "tokens.textproto", Tokens::FileText());
    std::filesystem::copy(testing::PoliciesDir(), dir_ / "policies",
                          std::filesystem::copy_options::recursive);
    UsePolicyFile(testing::SourceDir() + "/workflows/testdata/first-notices/cn-2019.textproto");
  }
  void UsePolicyFile(const std::string& path) {
    const std::string target = dir_ / "policies/calendars/cn-2019.textproto";
    std::filesystem::remove(target);
    std::filesystem::copy_file(path, target);
  }

  std::unique_ptr<Daemon> Start(std::string* failure = nullptr) {
    std::string why;
    auto d = Daemon::Start(testing::DaemonArgs(dir_, {"--clock", "manual", "--start", "2019-03-18",
                                                      "--policies-dir", dir_ / "policies"}),
                           dir_ / "stderr", &why);
    if (failure != nullptr) *failure = why;
    return d;
  }

  // A task of 5 working days counted from `start`.
  grpc::Status CreateTask(const Daemon& d, const std::string& id, const std::string& start,
                          v1::TaskReply* reply) {
    v1::Ledger::Stub ledger(Connect(d.address()));
    v1::ExecuteTaskRequest request;
    request.mutable_header()->set_request_id(absl::StrCat("create-", id));
    request.set_task_id(id);
    v1::CreateTask* t = request.mutable_command()->mutable_create();
    t->set_task_id(id);
    t->set_project_code("2019-530115-72-01-000001");
    t->set_title("5号地块征地");
    t->add_responsible_units("昆阳街道办事处");
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::WORKING_DAYS);
    t->mutable_deadline()->mutable_rule()->set_n(5);
    t->mutable_deadline()->set_start_date(start);
    return ledger.ExecuteTask(Call(Tokens::kSupervision).get(), request, reply);
  }
  v1::TaskState Task(const Daemon& d, const std::string& id) {
    v1::Ledger::Stub ledger(Connect(d.address()));
    v1::GetRequest request;
    request.set_id(id);
    v1::TaskReply reply;
    grpc::Status s = ledger.GetTask(Call(Tokens::kAuditor).get(), request, &reply);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return reply.state();
  }

  TempDir dir_;
};

TEST_F(CalendarServerTest, AmendedAndNewYearsAreLoadedWhileRunning) {
  auto d = Start();
  ASSERT_NE(d, nullptr);
  // On the first 2019 notice: 04-26, 29, 30, 05-02, 03.
  v1::TaskReply reply;
  grpc::Status s = CreateTask(*d, "t5", "2019-04-25", &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(reply.state().due_date(), "2019-05-03");
  const uint64_t head = HeadPosition(*d);

  // Refused, with nothing written: wrong roles, a malformed file, a changed
  // year without --amend.
  v1::Admin::Stub admin(Connect(d->address()));
  v1::LoadCalendarRequest request;
  request.set_name("cn-2019.textproto");
  {
    std::ifstream in(Shipped2019());
    std::stringstream text;
    text << in.rdbuf();
    request.set_text(text.str());
  }
  request.set_amend(true);
  v1::LoadCalendarResponse response;
  for (const char* token : {Tokens::kDepartment, Tokens::kSupervision, Tokens::kAuditor}) {
    EXPECT_EQ(admin.LoadCalendar(Call(token).get(), request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << token;
  }
  testing::WriteFile(dir_ / "bad-2019.textproto",
                     "year: 2019\nregion: \"cn\"\n\nwork { date: \"2019-05-06\" }\n");
  testing::CommandResult r =
      RunCli(*d, Tokens::kAdmin, {"calendar", "load", dir_ / "bad-2019.textproto", "--amend"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT: bad-2019.textproto:4:8: work[0].date: "
                               "2019-05-06 is not a Saturday or Sunday"));
  r = RunCli(*d, Tokens::kAdmin, {"calendar", "load", Shipped2019()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(r.err, HasSubstr("--amend"));
  EXPECT_EQ(HeadPosition(*d), head);
  EXPECT_EQ(Task(*d, "t5").due_date(), "2019-05-03");

  // The amendment: 04-26, Sun 04-28, 29, 30, Sun 05-05.
  r = RunCli(*d, Tokens::kAdmin, {"calendar", "load", Shipped2019(), "--amend"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("amended year 2019"));
  EXPECT_THAT(r.out, HasSubstr("1 deadline(s) recomputed"));
  EXPECT_EQ(Task(*d, "t5").due_date(), "2019-05-05");
  // Again: nothing.
  const uint64_t amended_head = HeadPosition(*d);
  r = RunCli(*d, Tokens::kAdmin, {"calendar", "load", Shipped2019(), "--amend"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("nothing changed"));
  EXPECT_EQ(HeadPosition(*d), amended_head);

  // A newly published year: the provisional deadline becomes firm.
  ASSERT_TRUE(CreateTask(*d, "t27", "2026-12-28", &reply).ok());
  EXPECT_EQ(reply.state().due_date(), "2027-01-04");
  EXPECT_TRUE(reply.state().provisional());
  testing::WriteFile(dir_ / "cn-2027.textproto", kInvented2027);
  r = RunCli(*d, Tokens::kAdmin, {"--json", "calendar", "load", dir_ / "cn-2027.textproto"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"recomputed_deadlines\":1"));
  EXPECT_EQ(Task(*d, "t27").due_date(), "2027-01-05");
  EXPECT_FALSE(Task(*d, "t27").provisional());
  const uint64_t final_head = HeadPosition(*d);
  r = RunCli(*d, Tokens::kAdmin, {"calendar", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("cn-2019.textproto  policies"));
  EXPECT_THAT(r.out, HasSubstr("cn-2019.textproto  admin"));
  EXPECT_THAT(r.out, HasSubstr("cn-2027.textproto  admin"));
  EXPECT_THAT(r.out, HasSubstr("amends "));
  EXPECT_EQ(RunCli(*d, Tokens::kDepartment, {"calendar", "list"}).exit_code, 1);
  ASSERT_EQ(d->Stop(), 0);

  // The policy files still hold the first notice: the server refuses to
  // start rather than take it silently.
  std::string failure;
  EXPECT_EQ(Start(&failure), nullptr);
  EXPECT_THAT(failure, HasSubstr("cn-2019.textproto"));
  EXPECT_THAT(failure, HasSubstr("--amend-calendars"));

  // With the amended file: the same state, nothing recomputed again.
  UsePolicyFile(Shipped2019());
  d = Start(&failure);
  ASSERT_NE(d, nullptr) << failure;
  EXPECT_EQ(Task(*d, "t5").due_date(), "2019-05-05");
  EXPECT_EQ(Task(*d, "t27").due_date(), "2027-01-05");
  EXPECT_EQ(HeadPosition(*d), final_head);
  ASSERT_EQ(d->Stop(), 0);

  // In the log: one recompute of t5, naming the amended calendar's digest.
  ManualClock clock(testing::TestStart());
  auto log = store::OpenEventLog(dir_ / "data", clock);
  ASSERT_TRUE(log.ok()) << log.status();
  auto events = (*log)->ReadStream("task/t5", 1, 100);
  ASSERT_TRUE(events.ok());
  int recomputed = 0;
  for (const auto& e : *events) {
    if (e.record.type() != "task.DeadlineRecomputed") continue;
    ++recomputed;
    v1::TaskEvent event;
    ASSERT_TRUE(event.ParseFromString(e.record.payload()));
    auto amended = engine::ParseCalendarYear("cn-2019", request.text());
    ASSERT_TRUE(amended.ok());
    EXPECT_EQ(event.deadline_recomputed().calendar_version(),
              absl::StrCat("cn-2019:", engine::CalendarDigest(*amended)));
  }
  EXPECT_EQ(recomputed, 1);
  auto calendar = (*log)->ReadStream("calendar/cn", 1, 100);
  ASSERT_TRUE(calendar.ok());
  EXPECT_EQ(calendar->size(), 13u);  // 11 shipped years at start, the amendment, 2027
}

}  // namespace
}  // namespace taizhang
