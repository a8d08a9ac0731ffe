// The assessment's visits and ratings through the daemon, with Yangshan's
// visit quotas in its policy directory and an assessment rule of visits and
// ratings: visits and a rating keyed in with the CLI, the periods judged by
// the daemon's timer, `taizhang assessment` in Chinese, the 考核明细 ledger
// read back by openpyxl (tests/ledger_dump.py) with the log positions behind
// each row, and the monthly bulletin's ranking section read back as text.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/testing/ledger_dump.h"
#include "services/testing/server_harness.h"

namespace taizhang {
namespace {

using testing::CommandResult;
using testing::Daemon;
using testing::DumpLedger;
using ::testing::HasSubstr;
using testing::RunCommand;
using testing::TempDir;

constexpr char kCode[] = "2014-441823-30-01-000001";

constexpr char kRule[] = R"(id: "yangshan-2014"
name: "重点项目服务考核办法"
from_year: 2014
groups { name: "部门" kind: UNIT_KIND_DEPARTMENT units: "县发改局" units: "县经信局"
         advanced_count: 1 last_count: 1 }
indicators { id: "visits" name: "走访完成率" kind: INDICATOR_KIND_VISITS_MADE weight: 50
             no_data: NO_DATA_EXCLUDED }
indicators { id: "ratings" name: "企业评价" kind: INDICATOR_KIND_ENTERPRISE_RATING weight: 50
             no_data: NO_DATA_EXCLUDED }
)";

int Col(const std::vector<std::string>& headers, const std::string& header) {
  auto it = std::find(headers.begin(), headers.end(), header);
  return it == headers.end() ? -1 : static_cast<int>(it - headers.begin());
}

class AssessmentVisitsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(
        dir_ / "tokens.textproto",
        absl::StrCat(
            testing::TokenLine("admin-0123456789abcdef", "admin", "ops"),
            testing::TokenLine("office-0123456789abcdef", "supervision", "县重点办"),
            testing::TokenLine("leader-0123456789abcdef", "leader", "李欣"),
            testing::TokenLine("cadre-0123456789abcdef", "department", "县经信局", "陈干部"),
            testing::TokenLine("owner-0123456789abcdef", "enterprise", "阳山水泥有限公司")));
    const std::filesystem::path policies = dir_ / "policies";
    std::filesystem::copy(testing::PoliciesDir(), policies,
                          std::filesystem::copy_options::recursive);
    std::filesystem::copy_file(policies / "visits" / "yangshan-2014.textproto",
                               policies / "visits" / "default.textproto",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove_all(policies / "assessment");
    std::filesystem::create_directory(policies / "assessment");
    testing::WriteFile(policies / "assessment" / "yangshan-2014.textproto", kRule);
    std::string failure;
    daemon_ = Daemon::Start({"--listen", "127.0.0.1:0", "--data-dir", dir_ / "data", "--tokens",
                             dir_ / "tokens.textproto", "--clock", "manual", "--start",
                             "2014-06-01", "--policies-dir", policies},
                            dir_ / "stderr", &failure);
    ASSERT_NE(daemon_, nullptr) << failure;
  }
  void TearDown() override {
    if (daemon_ != nullptr) {
      EXPECT_EQ(daemon_->Stop(), 0);
    }
  }

  CommandResult Cli(const std::string& who, std::vector<std::string> args) {
    std::vector<std::string> argv = {TAIZHANG_CLI_PATH, "--server", daemon_->address(), "--token",
                                     who + "-0123456789abcdef"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
  void Ok(const std::string& who, std::vector<std::string> args) {
    CommandResult r = Cli(who, args);
    ASSERT_EQ(r.exit_code, 0) << absl::StrJoin(args, " ") << ": " << r.err;
  }
  void ClockTo(const std::string& day) { Ok("admin", {"clock", "set", day}); }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

// 陈干部 (县经信局) visits in the first half of June only and is rated 80 on
// 30 June; the leaders (县发改局, the lead unit) visit once or never.
TEST_F(AssessmentVisitsServerTest, VisitsAndRatingsScoreTheUnits) {
  Ok("office", {"project", "register", kCode, "info.name=阳山水泥技改项目", "info.level=district",
                "info.owner=阳山水泥有限公司", "info.total_investment_yuan=500000000",
                "info.plan_year=2014", "info.annual_plan_yuan=0", "info.responsible_leader=李欣",
                "info.lead_unit=县发改局", "info.service_contacts.county_leader=伍文超",
                "info.service_contacts.department_cadre=陈干部"});
  ClockTo("2014-06-05");
  Ok("cadre", {"project", "visit", kCode, "findings=了解用电报装"});
  Ok("leader", {"project", "visit", kCode, "findings=现场协调用地"});
  ClockTo("2014-06-30");
  Ok("owner", {"project", "rate", kCode, "capacity=department_cadre", "score=80"});
  ClockTo("2014-07-02");

  // 县经信局: first half met, second short (1 of 2: 25.00), rated 80 (40.00).
  CommandResult r = Cli(
      "office", {"assessment", "--from", "2014-06-01", "--to", "2014-06-30", "--unit", "县经信局"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("县经信局：得分 65.00，名次 1"));
  EXPECT_THAT(r.out, HasSubstr("25.00 (1/2)"));
  EXPECT_THAT(r.out, HasSubstr("40.00 (80/100)"));
  EXPECT_THAT(r.out, HasSubstr("走访达标"));
  EXPECT_THAT(r.out, HasSubstr("走访不足"));
  EXPECT_THAT(r.out, HasSubstr("企业评分"));
  EXPECT_THAT(r.out, HasSubstr("visits/department_cadre/2014-06-2"));

  // The detail ledger, read by openpyxl: every row of 县经信局 with its
  // position in the log.
  const std::string xlsx = dir_ / "detail.xlsx";
  Ok("office", {"export", "assessment-detail", "--xlsx", xlsx});
  auto dump = DumpLedger("xlsx", xlsx);
  ASSERT_TRUE(dump.ok()) << dump.status();
  const auto headers = testing::Strings(dump->fields().at("headers"));
  int met = 0, short_of = 0, rated = 0;
  for (const auto& row : testing::Table(*dump, "rows")) {
    if (row[Col(headers, "单位")] != "县经信局") continue;
    EXPECT_EQ(row[Col(headers, "流")], absl::StrCat("project/", kCode));
    EXPECT_FALSE(row[Col(headers, "日志位置")].empty());
    const std::string& result = row[Col(headers, "结果")];
    if (result == "走访达标") ++met;
    if (result == "走访不足") ++short_of;
    if (result == "企业评分") {
      ++rated;
      EXPECT_EQ(row[Col(headers, "指标")], "企业评价");
      EXPECT_THAT(row[Col(headers, "事项")], HasSubstr("陈干部 2014-06 评分 80"));
    }
  }
  EXPECT_EQ(met, 1);
  EXPECT_EQ(short_of, 1);
  EXPECT_EQ(rated, 1);

  // The bulletin of June ranks the units for the year to 30 June.
  const std::string html = dir_ / "bulletin.html";
  CommandResult bulletin = Cli("office", {"bulletin", "2014-06", "--html", html});
  ASSERT_EQ(bulletin.exit_code, 0) << bulletin.err;
  const std::string text = testing::ReadFile(html);
  EXPECT_THAT(text, HasSubstr("七、重点项目建设工作考核排名"));
  EXPECT_THAT(text, HasSubstr("按《重点项目服务考核办法》，2014年1月1日至2014年6月30日"));
  EXPECT_THAT(text, HasSubstr("先进单位：县经信局；末位单位：县发改局"));
  EXPECT_THAT(text, HasSubstr("<td class=\"name\">县经信局</td><td class=\"num\">65.00</td>"));
}

}  // namespace
}  // namespace taizhang
