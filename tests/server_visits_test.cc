// Visits and ratings through the daemon: `taizhang project visit` and
// `taizhang project rate` over gRPC with the role tokens, the period judged
// by the daemon's own timer when the clock passes its end, the problems the
// visit raised, the bulletin's visit section read back as text, and the
// visits and ratings ledgers read back by openpyxl and Python's csv module
// (tests/ledger_dump.py).
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

namespace taizhang {
namespace {

using testing::CommandResult;
using testing::DumpLedger;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Str;
using testing::Table;

constexpr char kCode[] = "2014-441823-30-01-000001";

class VisitsServerTest : public testing::DaemonFixture {
 protected:
  void SetUp() override {
    // The shipped policies, with Yangshan's quotas put in as the visit policy
    // (what a county that judges visits does to its policy directory).
    const std::filesystem::path policies = CopyPolicies();
    std::filesystem::copy_file(policies / "visits" / "yangshan-2014.textproto",
                               policies / "visits" / "default.textproto",
                               std::filesystem::copy_options::overwrite_existing);
    StartWith({{"admin", "admin", "ops"},
               {"office", "supervision", "县重点办"},
               {"leader", "leader", "李欣"},
               {"cadre", "department", "县经信局", "陈干部"},
               {"owner", "enterprise", "阳山水泥有限公司"},
               {"other", "enterprise", "别的公司"},
               {"auditor", "auditor", "县审计局"}},
              {"--clock", "manual", "--start", "2014-06-01", "--policies-dir", policies});
  }

  google::protobuf::Struct Dump(const std::string& who, const std::string& kind,
                                const std::string& ext) {
    const std::string path = dir_ / absl::StrCat(who, "-", kind, ".", ext);
    CommandResult r = Cli(who, {"export", kind, "--" + ext, path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto dump = DumpLedger(ext, path);
    EXPECT_TRUE(dump.ok()) << dump.status();
    return dump.ok() ? *dump : google::protobuf::Struct();
  }
};

TEST_F(VisitsServerTest, VisitsAndRatingsThroughTheCliTheTimerTheBulletinAndTheLedgers) {
  Ok("office",
     {"project", "register", kCode, "info.name=阳山水泥技改项目", "info.level=district",
      "info.owner=阳山水泥有限公司", "info.total_investment_yuan=500000000", "info.plan_year=2014",
      "info.annual_plan_yuan=0", "info.responsible_leader=李欣", "info.lead_unit=县发改局",
      "info.service_contacts.county_leader=伍文超", "info.service_contacts.town_member=黎镇长",
      "info.service_contacts.department_cadre=陈干部"});
  ClockTo("2014-06-05");
  CommandResult visit = Cli("cadre", {"project", "visit", kCode, "findings=了解到用电报装未完成",
                                      "problems=双回线路供电未落实", "--request-id", "v-1"});
  ASSERT_EQ(visit.exit_code, 0) << visit.err;
  // A retry with the same request id is the first result, not a second visit.
  ASSERT_EQ(Cli("cadre", {"project", "visit", kCode, "findings=了解到用电报装未完成",
                          "problems=双回线路供电未落实", "--request-id", "v-1"})
                .exit_code,
            0);
  Ok("leader", {"project", "visit", kCode, "findings=现场协调用地"});
  // Wrong roles: a department for someone else, an auditor; another
  // enterprise rating; an empty finding.
  CommandResult other = Cli("cadre", {"project", "visit", kCode, "visitor=伍文超", "findings=x"});
  EXPECT_NE(other.exit_code, 0);
  EXPECT_THAT(other.err, HasSubstr("只能记录本人的走访"));
  EXPECT_NE(Cli("auditor", {"project", "visit", kCode, "findings=x"}).exit_code, 0);
  EXPECT_NE(
      Cli("other", {"project", "rate", kCode, "capacity=county_leader", "score=90"}).exit_code, 0);
  CommandResult empty = Cli("leader", {"project", "visit", kCode, "findings="});
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_THAT(empty.err, HasSubstr("findings"));

  Ok("owner",
     {"project", "rate", kCode, "capacity=department_cadre", "score=92", "comment=代办及时"});
  CommandResult again =
      Cli("owner", {"project", "rate", kCode, "capacity=department_cadre", "score=50"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.err, HasSubstr("已评价"));

  // The first half of June closes on the 16th: the county leader and the
  // town member made no visit, the cadre one.
  ClockTo("2014-06-16");
  CommandResult state = Cli("office", {"--json", "project", "show", kCode});
  ASSERT_EQ(state.exit_code, 0) << state.err;
  EXPECT_THAT(state.out, HasSubstr("\"visits_below_quota\":2"));
  CommandResult problem = Cli("office", {"problem", "show", absl::StrCat(kCode, "-V1-1")});
  ASSERT_EQ(problem.exit_code, 0) << problem.err;
  EXPECT_THAT(problem.out, HasSubstr("双回线路供电未落实"));

  // The bulletin of June (after the month closed) as text.
  ClockTo("2014-07-01");
  const std::string html = dir_ / "bulletin.html";
  CommandResult bulletin = Cli("office", {"bulletin", "2014-06", "--html", html});
  ASSERT_EQ(bulletin.exit_code, 0) << bulletin.err;
  const std::string text = testing::ReadFile(html);
  EXPECT_THAT(text, HasSubstr("六、走访服务情况"));
  EXPECT_THAT(text, HasSubstr("本月领导和服务员共走访项目企业2次，走访人员2人。"));
  EXPECT_THAT(text, HasSubstr("<td class=\"name\">县经信局</td><td class=\"num\">1</td>"));
  EXPECT_THAT(text, HasSubstr("<td class=\"name\">黎镇长</td><td>镇班子成员</td>"));
  EXPECT_THAT(text, HasSubstr("走访次数未达要求"));

  // The ledgers, by independent readers.
  google::protobuf::Struct visits = Dump("office", "visits", "xlsx");
  EXPECT_EQ(Str(visits, "title"), "走访台账（截至2014年7月1日）");
  const auto headers = testing::Strings(visits.fields().at("headers"));
  EXPECT_THAT(headers,
              ElementsAre("序号", "项目代码", "项目名称", "走访人", "身份", "走访日期", "了解情况",
                          "发现问题", "问题编号", "录入人", "录入日期", "计入定额"));
  auto rows = Table(visits, "rows");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[0], ElementsAre("1", kCode, "阳山水泥技改项目", "陈干部", "部门干部",
                                   "2014-06-05", "了解到用电报装未完成", "双回线路供电未落实",
                                   absl::StrCat(kCode, "-V1-1"), "department:县经信局:陈干部",
                                   "2014-06-05", "是"));
  EXPECT_EQ(rows[1][3], "李欣");
  EXPECT_EQ(rows[1][4], "分包领导");
  google::protobuf::Struct ratings = Dump("office", "ratings", "csv");
  auto records = Table(ratings, "records");
  ASSERT_EQ(records.size(), 3u);  // title, header, one rating
  EXPECT_THAT(records[2],
              ElementsAre("1", kCode, "阳山水泥技改项目", "阳山水泥有限公司", "2014-06", "陈干部",
                          "部门干部", "92", "满意", "代办及时", "2014-06-05"));
}

}  // namespace
}  // namespace taizhang
