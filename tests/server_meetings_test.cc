// Meetings through the real taizhangd: the office declares a weekly series
// and records a meeting with its decided matters by `taizhang`; a unit
// completes its matter (a task) and may not record a meeting; GetMeeting
// gives the counts and the next meeting's open list; a missed week raises
// the series' rung once; the matters and meetings ledgers are exported and
// read back by openpyxl and Python's csv.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/testing/ledger_dump.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::CommandResult;
using testing::DumpLedger;
using ::testing::HasSubstr;
using testing::Table;

class MeetingsDaemonTest : public testing::DaemonFixture {
 protected:
  void SetUp() override {
    StartWith(
        {{"admin", "admin", "ops"},
         {"office", "supervision", "区重点办"},
         {"resources", "department", "区自然资源局"},
         {"housing", "department", "区住建局"}},
        {"--clock", "manual", "--start", "2026-11-02", "--policies-dir", testing::PoliciesDir()});
  }
  v1::MeetingReply GetMeeting(const std::string& id) {
    v1::Ledger::Stub ledger(testing::Connect(daemon_->address()));
    v1::GetRequest request;
    request.set_id(id);
    v1::MeetingReply reply;
    grpc::Status s =
        ledger.GetMeeting(testing::Call(testing::TokenOf("office")).get(), request, &reply);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return reply;
  }
};

constexpr char kMatters[] = R"({"matters": [)"
                            R"({"text": "完成5号地块清表", "responsibleUnits": ["区自然资源局"],)"
                            R"( "limit": {"kind": "WORKING_DAYS", "n": 2}},)"
                            R"({"text": "办理施工许可", "responsibleUnits": ["区住建局"],)"
                            R"( "limit": {"kind": "FIXED_DATE", "fixedDate": "2026-11-20"}}]})";

TEST_F(MeetingsDaemonTest, WeeklyDispatchThroughCliGrpcAndTheLedgers) {
  Ok("office", {"series", "declare", "hl-weekly", "name=全区重点项目建设周调度会",
                "rhythm_policy=hualong-weekly-friday", "chair=区长"});
  Ok("admin", {"clock", "set", "2026-11-06"});
  // A unit may not record a meeting; nothing is written.
  CommandResult denied = Cli("resources", {"meeting", "record", "w1", "kind=weekly_dispatch",
                                           "series_id=hl-weekly", "--body", kMatters});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_THAT(denied.err, HasSubstr("PERMISSION_DENIED"));
  CommandResult recorded =
      Cli("office", {"meeting", "record", "w1", "kind=weekly_dispatch", "series_id=hl-weekly",
                     "title=第45周调度会", "--body", kMatters});
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  EXPECT_THAT(recorded.out, HasSubstr("meeting.Recorded"));
  EXPECT_THAT(recorded.out, HasSubstr("完成5号地块清表"));

  // The matter is a task: its unit completes it; another unit may not.
  EXPECT_NE(Cli("housing", {"task", "complete", "matter-w1-1", "text=已完成"}).exit_code, 0);
  Ok("resources", {"task", "complete", "matter-w1-1", "text=已完成"});

  Ok("admin", {"clock", "set", "2026-11-13"});
  Ok("office", {"meeting", "record", "w2", "kind=weekly_dispatch", "series_id=hl-weekly",
                "title=第46周调度会"});
  v1::MeetingReply w1 = GetMeeting("w1");
  EXPECT_EQ(w1.view().matters_total(), 2);
  EXPECT_EQ(w1.view().matters_on_time(), 1);
  EXPECT_EQ(w1.view().matters_open(), 1);
  v1::MeetingReply w2 = GetMeeting("w2");
  ASSERT_EQ(w2.view().carried_over_size(), 1);
  EXPECT_EQ(w2.view().carried_over(0).task_id(), "matter-w1-2");
  CommandResult shown = Cli("office", {"meeting", "show", "w2"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("以往会议未完成事项"));
  EXPECT_THAT(shown.out, HasSubstr("办理施工许可"));

  // Week 47 (11-16..11-22) has no meeting: judged at 11-23, one rung.
  Ok("admin", {"clock", "set", "2026-11-24"});
  v1::Ledger::Stub ledger(testing::Connect(daemon_->address()));
  v1::GetRequest get;
  get.set_id("hl-weekly");
  v1::MeetingSeriesReply series;
  ASSERT_TRUE(
      ledger.GetMeetingSeries(testing::Call(testing::TokenOf("office")).get(), get, &series).ok());
  EXPECT_EQ(series.state().periods_size(), 3);
  EXPECT_EQ(series.view().periods_missed(), 1);
  ASSERT_EQ(series.state().rungs_size(), 1);
  EXPECT_EQ(series.state().rungs(0).raised().recipients(0).unit(), "区重点办");

  // 商定事项台账, XLSX through the CLI, read by openpyxl.
  const std::string xlsx = dir_ / "matters.xlsx";
  Ok("office", {"export", "matters", "--xlsx", xlsx});
  auto dump = DumpLedger("xlsx", xlsx);
  ASSERT_TRUE(dump.ok()) << dump.status();
  EXPECT_THAT(testing::Str(*dump, "title"), HasSubstr("商定事项台账"));
  const std::vector<std::string> headers = testing::Strings(dump->fields().at("headers"));
  ASSERT_GT(headers.size(), 12u);
  EXPECT_EQ(headers[4], "商定事项");
  EXPECT_EQ(headers[10], "办理状态");
  auto rows = Table(*dump, "rows");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][3], "matter-w1-1");
  EXPECT_EQ(rows[0][10], "按时完成");
  EXPECT_EQ(rows[0][11], "2026-11-06");
  EXPECT_EQ(rows[0][12], "");
  EXPECT_EQ(rows[1][3], "matter-w1-2");
  EXPECT_EQ(rows[1][10], "逾期未完成");  // due 11-20, open on 11-24
  EXPECT_EQ(rows[1][12], "是");

  // 会议台账, CSV, read by Python's csv.
  const std::string csv = dir_ / "meetings.csv";
  Ok("office", {"export", "meetings", "--csv", csv});
  auto records = DumpLedger("csv", csv);
  ASSERT_TRUE(records.ok()) << records.status();
  auto lines = Table(*records, "records");
  ASSERT_EQ(lines.size(), 4u);  // title, header, w1, w2
  EXPECT_EQ(lines[1][7], "商定事项");
  EXPECT_EQ(lines[2][1], "w1");
  EXPECT_EQ(lines[2][7], "2");   // matters
  EXPECT_EQ(lines[2][9], "1");   // on time
  EXPECT_EQ(lines[2][10], "1");  // late (overdue)
  EXPECT_EQ(lines[3][1], "w2");
  EXPECT_EQ(lines[3][12], "1");  // carried over from w1
}

}  // namespace
}  // namespace taizhang
