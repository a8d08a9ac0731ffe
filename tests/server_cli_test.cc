// The workflows through the `taizhang` CLI against the real taizhangd: commands
// and their retries, queries as tables and JSON, bad input and wrong roles
// answered with a clear error and nothing written; and deploy/demo from start
// to end.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::CommandResult;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunCommand;

class CliTest : public testing::DaemonFixture {
 protected:
  void SetUp() override {
    StartWith(
        {{"admin", "admin", "ops"},
         {"office", "supervision", "区政府目督办"},
         {"kunyang", "department", "昆阳街道办"},
         {"leader", "leader", "区政府分管领导"}},
        {"--clock", "manual", "--start", "2020-06-29", "--policies-dir", testing::PoliciesDir()});
  }

  std::string Head() {
    CommandResult r = Cli("admin", {"--json", "info"});
    v1::ServerInfoResponse info;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &info).ok()) << r.out;
    return absl::StrCat(info.head_position());
  }

  std::vector<std::string> CreatePlot5(const std::string& request_id) {
    return {"task",
            "create",
            "wuyue-plot5",
            "--request-id",
            request_id,
            "project_code=2020-530115-70-01-000001",
            "title=晋宁吾悦广场5号地块4户农户拆迁及14.5亩征地",
            "responsible_units=昆阳街道办",
            "responsible_leader=区政府分管领导",
            "deadline.rule.kind=fixed_date",
            "deadline.rule.fixed_date=2020-07-15"};
  }
};

TEST_F(CliTest, CommandsRetriesAndQueries) {
  CommandResult r = Cli("office", CreatePlot5("plot5-1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("task.Created"));
  EXPECT_THAT(r.out, HasSubstr("2020-07-15"));
  EXPECT_THAT(r.out, HasSubstr("绿灯"));
  const std::string head = Head();

  // The same request again: answered from the log, nothing new.
  r = Cli("office", CreatePlot5("plot5-1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("already done by request plot5-1"));
  EXPECT_EQ(Head(), head);

  // JSON is the API's own message.
  r = Cli("leader", {"--json", "task", "show", "wuyue-plot5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  v1::TaskReply reply;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &reply).ok()) << r.out;
  EXPECT_EQ(reply.view().due_date(), "2020-07-15");
  EXPECT_EQ(reply.view().light(), v1::LIGHT_GREEN);

  r = Cli("admin", {"clock", "set", "2020-07-19"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Cli("leader", {"task", "list", "--overdue"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("wuyue-plot5"));
  EXPECT_THAT(r.out, HasSubstr("逾期 2"));  // 16 and 17 July
  EXPECT_THAT(r.out, HasSubstr("红灯"));
  r = Cli("leader", {"task", "list", "--light", "green"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("wuyue-plot5")));
  r = Cli("kunyang", {"task", "report-progress", "wuyue-plot5", "percent=60", "text=已签约3户"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("60%"));
  r = Cli("leader", {"bulletin", "2020-07"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("昆阳街道办"));

  // What the ledger said on 1 July, rebuilt from the events: green, 10
  // working days left; now red. Leaders do not audit.
  r = Cli("office", {"--json", "state", "task/wuyue-plot5", "--at", "2020-07-01"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  v1::StateAsOfResponse then;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &then).ok()) << r.out;
  v1::TaskView view;
  ASSERT_TRUE(then.view().UnpackTo(&view));
  EXPECT_EQ(view.light(), v1::LIGHT_GREEN);
  EXPECT_EQ(view.working_days_left(), 10);
  EXPECT_EQ(then.version(), 2u);  // created, light set
  r = Cli("office", {"state", "task/wuyue-plot5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("红灯"));
  // The task's first event (the log opens with the calendar's years).
  r = Cli("office", {"--json", "history", "task/wuyue-plot5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  v1::AuditEvent created;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(r.out.substr(0, r.out.find('\n')), &created).ok())
      << r.out;
  const std::string first = absl::StrCat(created.position());
  r = Cli("office", {"state", "task/wuyue-plot5", "--position", first});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("as of position ", first, " (version 1)")));
  r = Cli("office", {"state", "task/wuyue-plot5", "--at", "2020-06-01"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("NOT_FOUND"));
  r = Cli("office", {"state", "ledger/x"});
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT"));
  r = Cli("leader", {"state", "task/wuyue-plot5"});
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED"));
}

TEST_F(CliTest, BadInputAndWrongRolesWriteNothing) {
  const std::string head = Head();
  struct Bad {
    const char* who;
    std::vector<std::string> args;
    int exit_code;
    const char* says;
  };
  std::vector<std::string> bogus = CreatePlot5("b1");
  bogus.push_back("bogus=1");
  std::vector<std::string> weekly = CreatePlot5("b2");
  weekly.push_back("deadline.rule.kind=weekly");
  std::vector<std::string> bad_date = CreatePlot5("b3");
  bad_date.push_back("deadline.rule.fixed_date=2020-02-30");
  std::vector<std::string> not_a_number = CreatePlot5("b4");
  not_a_number.push_back("deadline.rule.n=many");
  std::vector<Bad> cases = {
      {"office", bogus, 2, "CreateTask has no field 'bogus'"},
      {"office", weekly, 2, "expected one of"},
      {"office", not_a_number, 2, "not a 32-bit integer"},
      {"office", bad_date, 1, "INVALID_ARGUMENT"},
      {"kunyang", CreatePlot5("b5"), 1, "PERMISSION_DENIED"},
      {"leader", CreatePlot5("b6"), 1, "PERMISSION_DENIED"},
      {"nobody", CreatePlot5("b7"), 1, "UNAUTHENTICATED"},
      {"kunyang", {"task", "complete", "nothing", "text=x"}, 1, "NOT_FOUND"},
      {"office", {"task", "create", "x", "deadline=1"}, 2, "is a message"},
      {"office", {"bulletin", "2020-13"}, 1, "INVALID_ARGUMENT"},
      {"office", {"task", "list", "--light", "blue"}, 2, "green, yellow or red"},
      {"office", {"project", "list", "--stage", "halfway"}, 2, "expected one of"},
  };
  for (const Bad& b : cases) {
    CommandResult r = Cli(b.who, b.args);
    EXPECT_EQ(r.exit_code, b.exit_code) << b.says << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(b.says));
  }
  EXPECT_EQ(Head(), head);
}

TEST(DemoTest, RunsFromStartToEnd) {
  // deploy/demo finds the binaries under TAIZHANG_BUILD_DIR/services.
  const std::filesystem::path build =
      std::filesystem::path(TAIZHANGD_PATH).parent_path().parent_path();
  CommandResult r = RunCommand({"/bin/bash", testing::SourceDir() + "/deploy/demo"},
                               {"TAIZHANG_DEMO_PAUSE=0", "TAIZHANG_BUILD_DIR=" + build.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Plot 5 climbs the ladder, each rung on its day; the 38-day case's late
  // department is listed; the permit counts 45 days from 14 August.
  EXPECT_THAT(r.out, HasSubstr("2020-07-15 00:00  督办升级    预警提示: 晋宁吾悦广场5号"));
  EXPECT_THAT(r.out, HasSubstr("2020-07-16 00:00  督办通知    督办通知单: 晋宁吾悦广场5号"));
  EXPECT_THAT(r.out, HasSubstr("(task/wuyue-plot5/1/listing)"));
  EXPECT_THAT(r.out, HasSubstr("(case/LH-2020-001/item/environmental_assessment/1/listing)"));
  EXPECT_THAT(r.out, HasSubstr("2020-09-28"));
  EXPECT_THAT(r.out, HasSubstr("哈希链完好"));
}

}  // namespace
}  // namespace taizhang
