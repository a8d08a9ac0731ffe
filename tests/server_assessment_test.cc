// The yearly assessment (考核) from the real taizhangd: GetAssessment and
// `taizhang assessment` for each role (the office and auditors read every
// unit, a department only itself, enterprises and screens are refused), the
// same past day twice giving the same bytes, and the two assessment ledgers
// (考核台账, 考核明细) exported and read back by openpyxl and Python's csv.
#include <filesystem>
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
using ::testing::Not;

constexpr char kCode[] = "2020-530115-72-01-000001";

constexpr char kRule[] = R"(id: "test-2020"
name: "重点项目考核办法"
from_year: 2020
groups { name: "部门" kind: UNIT_KIND_DEPARTMENT units: "区自然资源局" units: "市发展改革委"
         advanced_count: 1 last_count: 1 }
indicators { id: "tasks" name: "任务按时完成率" kind: INDICATOR_KIND_ON_TIME_RATE weight: 80
             subjects { stream_prefix: "task/" } no_data: NO_DATA_EXCLUDED }
indicators { id: "answers" name: "督办按时回复率" kind: INDICATOR_KIND_RUNG_ANSWER_RATE weight: 20
             no_data: NO_DATA_FULL_MARKS }
deductions { id: "listing" name: "挂牌督办" kind: DEDUCTION_KIND_RUNG_RAISED issue: ISSUE_LISTING
             points_each: 5 }
)";

int Col(const std::vector<std::string>& headers, const std::string& header) {
  auto it = std::find(headers.begin(), headers.end(), header);
  return it == headers.end() ? -1 : static_cast<int>(it - headers.begin());
}

class AssessmentServerTest : public testing::DaemonFixture {
 protected:
  void SetUp() override {
    // The shipped policies with this test's assessment rule.
    const std::filesystem::path policies = CopyPolicies();
    std::filesystem::remove_all(policies / "assessment");
    std::filesystem::create_directory(policies / "assessment");
    testing::WriteFile(policies / "assessment" / "test-2020.textproto", kRule);
    StartWith({{"admin", "admin", "ops"},
               {"office", "supervision", "区政府目督办"},
               {"resources", "department", "区自然资源局"},
               {"ndrc", "department", "市发展改革委"},
               {"leader", "leader", "王副区长"},
               {"enterprise", "enterprise", "某食品有限公司"},
               {"auditor", "auditor", "区审计局"},
               {"screen", "screen", "大厅大屏"}},
              {"--clock", "manual", "--start", "2020-06-29", "--policies-dir", policies});
  }

  void Task(const std::string& id, const std::string& unit, const std::string& due) {
    Ok("office", {"task", "create", id, "project_code=" + std::string(kCode), "title=任务" + id,
                  "responsible_units=" + unit, "deadline.rule.kind=fixed_date",
                  "deadline.rule.fixed_date=" + due});
  }
  // 区自然资源局 finishes on time; 市发展改革委 does not: the ladder sends its
  // notice at the limit (2020-07-10) and, unanswered, lists it (挂牌督办)
  // three working days later.
  void Scenario() {
    Task("t1", "区自然资源局", "2020-07-15");
    Task("t2", "市发展改革委", "2020-07-10");
    Ok("admin", {"clock", "set", "2020-07-08"});
    Ok("resources", {"task", "complete", "t1", "text=完成"});
    // Day by day, so that each rung falls due on its own day.
    for (const char* day : {"2020-07-11", "2020-07-14", "2020-07-17", "2020-07-20", "2020-07-25"}) {
      Ok("admin", {"clock", "set", day});
    }
  }
  grpc::Status Get(const std::string& who, const v1::AssessmentRequest& request,
                   v1::Assessment* out) {
    v1::Assessments::Stub stub(testing::Connect(daemon_->address()));
    return stub.GetAssessment(testing::Call(who + "-0123456789abcdef").get(), request, out);
  }
};

TEST_F(AssessmentServerTest, TheOfficeSeesTheRankingInChinese) {
  ASSERT_NO_FATAL_FAILURE(Scenario());
  CommandResult r = Cli("office", {"assessment", "--year", "2020"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("重点项目考核办法"));
  EXPECT_THAT(r.out, HasSubstr("【部门】"));
  EXPECT_THAT(r.out, HasSubstr("区自然资源局"));
  EXPECT_THAT(r.out, HasSubstr("先进"));
  EXPECT_THAT(r.out, HasSubstr("末位"));
  EXPECT_THAT(r.out, HasSubstr("100.00"));
  // One unit with its breakdown: the listing and the late task, each with
  // its position in the log.
  r = Cli("office", {"assessment", "--year", "2020", "--unit", "市发展改革委"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("逾期未办结"));
  EXPECT_THAT(r.out, HasSubstr("被督办"));
  EXPECT_THAT(r.out, HasSubstr("扣分：挂牌督办"));
  EXPECT_THAT(r.out, HasSubstr("task/t2"));
}

TEST_F(AssessmentServerTest, EachRoleReadsWhatItMay) {
  ASSERT_NO_FATAL_FAILURE(Scenario());
  v1::AssessmentRequest all;
  all.set_year(2020);
  v1::Assessment a;
  for (const char* who : {"office", "auditor", "leader", "admin"}) {
    grpc::Status s = Get(who, all, &a);
    ASSERT_TRUE(s.ok()) << who << ": " << s.error_message();
    EXPECT_EQ(a.units_size(), 2) << who;
  }
  // A department: itself only, with its breakdown, whatever it asks.
  ASSERT_TRUE(Get("resources", all, &a).ok());
  ASSERT_EQ(a.units_size(), 1);
  EXPECT_EQ(a.units(0).unit(), "区自然资源局");
  EXPECT_EQ(a.units(0).rank(), 1);
  EXPECT_GT(a.units(0).counted_size(), 0);
  v1::AssessmentRequest other = all;
  other.set_unit("市发展改革委");
  grpc::Status s = Get("resources", other, &a);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("只能查看本单位"));
  CommandResult r = Cli("resources", {"assessment", "--year", "2020", "--unit", "市发展改革委"});
  EXPECT_NE(r.exit_code, 0);
  for (const char* who : {"enterprise", "screen"}) {
    EXPECT_EQ(Get(who, all, &a).error_code(), grpc::StatusCode::PERMISSION_DENIED) << who;
  }
  // Bad input.
  v1::AssessmentRequest bad;
  EXPECT_EQ(Get("office", bad, &a).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  bad.set_year(2019);
  EXPECT_EQ(Get("office", bad, &a).error_code(), grpc::StatusCode::NOT_FOUND);
  bad.set_year(2020);
  bad.set_as_of("2020-08-01");
  EXPECT_EQ(Get("office", bad, &a).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  bad.set_as_of("2020/07/01");
  EXPECT_EQ(Get("office", bad, &a).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AssessmentServerTest, APastDayIsTheSameBytesAndLaterEventsAreNotInIt) {
  ASSERT_NO_FATAL_FAILURE(Scenario());
  v1::AssessmentRequest day;
  day.set_year(2020);
  day.set_as_of("2020-07-13");  // after the notice, before the listing
  day.set_breakdown(true);
  v1::Assessment first, second;
  ASSERT_TRUE(Get("auditor", day, &first).ok());
  Ok("ndrc", {"task", "complete", "t2", "text=完成"});
  ASSERT_TRUE(Get("auditor", day, &second).ok());
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  for (const auto& u : first.units()) EXPECT_EQ(u.deducted_centi(), 0) << u.unit();
  v1::Assessment now;
  ASSERT_TRUE(Get(
                  "auditor",
                  [] {
                    v1::AssessmentRequest r;
                    r.set_year(2020);
                    return r;
                  }(),
                  &now)
                  .ok());
  int64_t deducted = 0;
  for (const auto& u : now.units()) deducted += u.deducted_centi();
  EXPECT_EQ(deducted, 500);
}

TEST_F(AssessmentServerTest, TheLedgersReadBack) {
  ASSERT_NO_FATAL_FAILURE(Scenario());
  const std::string xlsx = dir_ / "assessment.xlsx";
  Ok("office", {"export", "assessment", "--xlsx", xlsx, "--as-of", "2020-07-24"});
  auto dump = DumpLedger("xlsx", xlsx);
  ASSERT_TRUE(dump.ok()) << dump.status();
  EXPECT_EQ(testing::Str(*dump, "title"), "考核台账（截至2020年7月24日）");
  const auto headers = testing::Strings(dump->fields().at("headers"));
  const auto rows = testing::Table(*dump, "rows");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][Col(headers, "单位")], "区自然资源局");
  EXPECT_EQ(rows[0][Col(headers, "名次")], "1");
  EXPECT_EQ(rows[0][Col(headers, "得分")], "100");
  EXPECT_EQ(rows[0][Col(headers, "评定")], "先进");
  EXPECT_EQ(rows[1][Col(headers, "单位")], "市发展改革委");
  EXPECT_EQ(rows[1][Col(headers, "评定")], "末位");
  EXPECT_EQ(rows[1][Col(headers, "扣分")], "5");
  EXPECT_EQ(rows[1][Col(headers, "得分")], "0");  // held at the minimum
  ASSERT_GE(Col(headers, "任务按时完成率（80分）"), 0);

  const std::string csv = dir_ / "detail.csv";
  Ok("office", {"export", "assessment-detail", "--csv", csv, "--as-of", "2020-07-24"});
  auto detail = DumpLedger("csv", csv);
  ASSERT_TRUE(detail.ok()) << detail.status();
  const auto records = testing::Table(*detail, "records");
  // Title, header, then: t1 on time (区自然资源局); t2 late, its notice
  // unanswered and its listing (市发展改革委).
  ASSERT_EQ(records.size(), 6u);
  const auto& h = records[1];
  EXPECT_EQ(records[2][Col(h, "单位")], "区自然资源局");
  EXPECT_EQ(records[2][Col(h, "流")], "task/t1");
  EXPECT_EQ(records[2][Col(h, "结果")], "按时办结");
  EXPECT_FALSE(records[2][Col(h, "日志位置")].empty());
  EXPECT_EQ(records[3][Col(h, "结果")], "逾期未办结");
  EXPECT_EQ(records[4][Col(h, "结果")], "逾期未回复");
  EXPECT_EQ(records[5][Col(h, "结果")], "被督办");

  // A department exports its own row only; an enterprise nothing.
  const std::string own = dir_ / "own.csv";
  Ok("ndrc", {"export", "assessment", "--csv", own});
  auto mine = DumpLedger("csv", own);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(testing::Table(*mine, "records").size(), 3u);
  CommandResult r = Cli("enterprise", {"export", "assessment", "--csv", dir_ / "x.csv"});
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace taizhang
