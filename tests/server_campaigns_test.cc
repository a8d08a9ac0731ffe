// Start campaigns through the real taizhangd: the office declares a campaign
// on a Saturday by `taizhang`; a department may not; the listed projects
// join; one starts on the day, one after it; the notice reaches the late
// starter at 00:00 on Sunday; GetCampaign gives the counts and rates; the
// campaigns ledger is exported and read back by openpyxl and Python's csv.
#include <string>
#include <vector>

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

constexpr char kA[] = "2026-530115-70-01-000011";
constexpr char kB[] = "2026-530115-70-01-000012";
constexpr char kUnknown[] = "2026-530115-70-01-000019";

class CampaignsDaemonTest : public testing::DaemonFixture {
 protected:
  void SetUp() override {
    StartWith(
        {{"admin", "admin", "ops"},
         {"office", "supervision", "区重点办"},
         {"reform", "department", "区发改局"}},
        {"--clock", "manual", "--start", "2026-11-02", "--policies-dir", testing::PoliciesDir()});
  }
  void Register(const std::string& code, const std::string& name) {
    Ok("office",
       {"project", "register", code, "info.name=" + name, "info.level=district",
        "info.owner=高新投资公司", "info.total_investment_yuan=800000000", "info.plan_year=2026",
        "info.responsible_leader=张副区长", "info.lead_unit=区发改局",
        "info.supervision_office=区重点办", "info.initial_stage=reserve_site_preparation"});
  }
  v1::CampaignReply GetCampaign(const std::string& id) {
    v1::Ledger::Stub ledger(testing::Connect(daemon_->address()));
    v1::GetRequest request;
    request.set_id(id);
    v1::CampaignReply reply;
    grpc::Status s =
        ledger.GetCampaign(testing::Call(testing::TokenOf("office")).get(), request, &reply);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return reply;
  }
  v1::ProjectReply GetProject(const std::string& code) {
    v1::Ledger::Stub ledger(testing::Connect(daemon_->address()));
    v1::GetRequest request;
    request.set_id(code);
    v1::ProjectReply reply;
    grpc::Status s =
        ledger.GetProject(testing::Call(testing::TokenOf("office")).get(), request, &reply);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return reply;
  }
};

TEST_F(CampaignsDaemonTest, SaturdayCampaignThroughCliGrpcAndTheLedger) {
  Register(kA, "智能制造产业园");
  Register(kB, "高新区污水处理厂");
  const std::vector<std::string> declare = {"campaign",
                                            "declare",
                                            "c-nov",
                                            "name=11月重点项目集中开工",
                                            "kind=district",
                                            "day=2026-11-07",
                                            "project_codes=" + std::string(kA),
                                            "project_codes=" + std::string(kB),
                                            "project_codes=" + std::string(kUnknown)};
  // A department may not declare; nothing is written.
  CommandResult denied = Cli("reform", declare);
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_THAT(denied.err, HasSubstr("PERMISSION_DENIED"));
  // A malformed day is refused with the field named.
  CommandResult bad = Cli("office", {"campaign", "declare", "c-bad", "name=x", "kind=district",
                                     "day=2026-11-31", "project_codes=" + std::string(kA)});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("day"));
  CommandResult declared = Cli("office", declare);
  ASSERT_EQ(declared.exit_code, 0) << declared.err;
  EXPECT_THAT(declared.out, HasSubstr("campaign.Declared"));
  EXPECT_THAT(declared.out, HasSubstr("11月重点项目集中开工"));
  ASSERT_EQ(GetProject(kA).state().campaigns_size(), 1);

  // B starts on Saturday 11-07, the campaign day.
  Ok("admin", {"clock", "set", "2026-11-07T10:00:00+08:00"});
  Ok("reform", {"project", "advance-stage", kB, "to=new_start"});
  // At 00:00 Sunday A, not started, gets the notice (the Saturday is not
  // moved to Monday).
  Ok("admin", {"clock", "set", "2026-11-08T00:30:00+08:00"});
  v1::ProjectReply a = GetProject(kA);
  std::vector<std::string> rungs;
  for (const auto& r : a.state().rungs()) rungs.push_back(r.raised().rung_name());
  EXPECT_THAT(rungs, ::testing::Contains("督办通知单"));
  ASSERT_EQ(a.view().campaigns_size(), 1);
  EXPECT_EQ(a.view().campaigns(0).status(), v1::CAMPAIGN_START_STATUS_NOT_STARTED);

  v1::CampaignReply c = GetCampaign("c-nov");
  EXPECT_EQ(c.view().projects_total(), 3);
  EXPECT_EQ(c.view().started_on_time(), 1);
  EXPECT_EQ(c.view().not_started(), 2);
  EXPECT_EQ(c.view().unregistered(), 1);
  EXPECT_EQ(c.view().start_rate_on_day_bp(), 3333);
  CommandResult shown = Cli("office", {"campaign", "show", "c-nov"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("逾期未开工"));
  EXPECT_THAT(shown.out, HasSubstr("按期开工"));
  EXPECT_THAT(shown.out, HasSubstr("未登记"));

  // A starts on Tuesday: late.
  Ok("admin", {"clock", "set", "2026-11-10T09:00:00+08:00"});
  Ok("reform", {"project", "advance-stage", kA, "to=new_start"});

  // 集中开工台账, XLSX through the CLI, read by openpyxl.
  const std::string xlsx = dir_ / "campaigns.xlsx";
  Ok("office", {"export", "campaigns", "--xlsx", xlsx});
  auto dump = DumpLedger("xlsx", xlsx);
  ASSERT_TRUE(dump.ok()) << dump.status();
  EXPECT_THAT(testing::Str(*dump, "title"), HasSubstr("集中开工台账"));
  const std::vector<std::string> headers = testing::Strings(dump->fields().at("headers"));
  ASSERT_EQ(headers.size(), 13u);
  EXPECT_EQ(headers[4], "集中开工日期");
  EXPECT_EQ(headers[9], "开工情况");
  auto rows = Table(*dump, "rows");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][5], kA);
  EXPECT_EQ(rows[0][8], "2026-11-10");
  EXPECT_EQ(rows[0][9], "逾期开工");
  EXPECT_EQ(rows[1][5], kB);
  EXPECT_EQ(rows[1][9], "按期开工");
  EXPECT_EQ(rows[2][5], kUnknown);
  EXPECT_EQ(rows[2][9], "未登记");

  // As of Friday 11-06 (before the day), CSV: both pending.
  const std::string csv = dir_ / "campaigns.csv";
  Ok("office", {"export", "campaigns", "--as-of", "2026-11-06", "--csv", csv});
  auto records = DumpLedger("csv", csv);
  ASSERT_TRUE(records.ok()) << records.status();
  auto lines = Table(*records, "records");
  ASSERT_EQ(lines.size(), 5u);  // title, header, three projects
  EXPECT_EQ(lines[2][9], "待开工");
  EXPECT_EQ(lines[3][9], "待开工");
  EXPECT_EQ(lines[2][8], "");

  // The late starter's notice is a row of 督办单台账, named by its campaign.
  const std::string slips = dir_ / "slips.csv";
  Ok("office", {"export", "slips", "--csv", slips});
  auto slip_records = DumpLedger("csv", slips);
  ASSERT_TRUE(slip_records.ok()) << slip_records.status();
  int notices = 0;
  for (const auto& line : Table(*slip_records, "records")) {
    const std::string text = absl::StrJoin(line, "|");
    notices += text.find("集中开工：11月重点项目集中开工（2026-11-07）") != std::string::npos &&
               text.find("督办通知单") != std::string::npos;
  }
  EXPECT_EQ(notices, 1);
}

}  // namespace
}  // namespace taizhang
