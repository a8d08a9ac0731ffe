// The ledgers exported (台账导出) from the real taizhangd: a small scenario
// built by `taizhang` commands on a manual clock, each ledger exported by
// `taizhang export`, Reports.ExportLedger and GET /export/..., and read back
// by independent readers (openpyxl, Python's csv; tests/ledger_dump.py):
// headers, values, the merged title with its day, frozen header, autofilter,
// light fills, A4 landscape; the ledger as it stood on a past day; a leader's
// scope; bad input refused.
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/testing/ledger_dump.h"
#include "services/auth.h"
#include "services/dashboard.h"
#include "services/http_server.h"
#include "services/testing/http_client.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"
#include "workflows/ledger.h"

namespace taizhang {
namespace {

using testing::CommandResult;
using ::testing::Contains;
using testing::DumpLedger;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::HttpGet;
using testing::HttpReply;
using ::testing::Not;
using testing::SourceDir;
using testing::Str;
using testing::Table;
using testing::TempDir;

constexpr char kP1[] = "2020-530115-72-01-000001";
constexpr char kP2[] = "2020-530115-72-01-000002";

// The column of `header` in `headers`, or -1.
int Col(const std::vector<std::string>& headers, const std::string& header) {
  auto it = std::find(headers.begin(), headers.end(), header);
  return it == headers.end() ? -1 : static_cast<int>(it - headers.begin());
}

class ExportTest : public testing::DaemonFixture {
 protected:
  void SetUp() override {
    StartWith({{"admin", "admin", "ops"},
               {"office", "supervision", "区政府目督办"},
               {"resources", "department", "区自然资源局"},
               {"leader", "leader", "王副区长"},
               {"enterprise", "enterprise", "某食品有限公司"},
               {"ndrc", "department", "市发展改革委"},
               {"auditor", "auditor", "区审计局"},
               {"screen", "screen", "大厅大屏"}},
              {"--clock", "manual", "--start", "2020-06-29", "--policies-dir",
               testing::PoliciesDir(), "--http", "127.0.0.1:0"});
  }

  void Register(const std::string& code, const std::string& name, const std::string& leader) {
    Ok("office", {"project", "register", code, "info.code=" + code, "info.name=" + name,
                  "info.level=district", "info.owner=某食品有限公司",
                  "info.total_investment_yuan=500000000", "info.plan_year=2020",
                  "info.annual_plan_yuan=100000000", "info.responsible_leader=" + leader,
                  "info.lead_unit=区自然资源局", "info.lead_person=王科长",
                  "info.planned_start_on=2020-06-01", "info.planned_finish_on=2021-12-31"});
  }
  void Task(const std::string& id, const std::string& code, const std::string& title,
            const std::string& due, const std::string& leader) {
    Ok("office", {"task", "create", id, "project_code=" + code, "title=" + title,
                  "responsible_units=区自然资源局", "responsible_leader=" + leader,
                  "deadline.rule.kind=fixed_date", "deadline.rule.fixed_date=" + due});
  }

  // Builds the scenario; the clock ends on 2020-07-19.
  void Scenario() {
    Register(kP1, "晋宁吾悦广场", "王副区长");
    Register(kP2, "昆阳物流园", "李副区长");
    Ok("resources",
       {"project", "report-investment", kP1, "month=2020-06", "cumulative_yuan=30000000"});
    Task("plot5", kP1, "5号地块4户农户拆迁及14.5亩征地", "2020-07-15", "王副区长");
    Task("plot1", kP2, "1号地块征地", "2020-07-10", "李副区长");
    Ok("office",
       {"problem", "raise", "pr1", "project_code=" + std::string(kP1), "title=施工用电未接入",
        "source.kind=inspection", "source.name=督查组", "responsible_leader=王副区长"});
    Ok("office", {"problem", "assign", "pr1", "unit=区自然资源局", "measures=协调供电局接入",
                  "limit.kind=fixed_date", "limit.fixed_date=2020-07-31"});
    Ok("enterprise", {"case", "open", "LH-2020-001", "project_code=" + std::string(kP2),
                      "project_name=昆阳物流园", "owner=某食品有限公司", "policy=luohe-2018-38-day",
                      "responsible_leader=李副区长"});
    Ok("enterprise", {"case", "submit", "LH-2020-001", "item_id=filing"});
    Ok("ndrc", {"case", "accept", "LH-2020-001", "item_id=filing"});
    ClockTo("2020-07-08");
    Ok("resources", {"task", "complete", "plot1", "text=征地完成"});
    ClockTo("2020-07-19");
    Ok("office", {"task", "raise-rung", "plot5", "issues=supervision_notice",
                  "rectification_working_days=3", "document_number=督办〔2020〕12号"});
  }

  // `taizhang export` to a file; the file's path.
  std::string Export(const std::string& who, const std::string& kind, const std::string& ext,
                     std::vector<std::string> extra = {}) {
    const std::string path = dir_ / absl::StrCat(who, "-", kind, "-", ++files_, ".", ext);
    std::vector<std::string> args = {"export", kind, "--" + ext, path};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = Cli(who, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return path;
  }
  google::protobuf::Struct Xlsx(const std::string& who, const std::string& kind,
                                std::vector<std::string> extra = {}) {
    auto dump = DumpLedger("xlsx", Export(who, kind, "xlsx", std::move(extra)));
    EXPECT_TRUE(dump.ok()) << dump.status();
    return dump.ok() ? *dump : google::protobuf::Struct();
  }

  // `who`'s CSV of `kind` (as of `as_of`, "" for now) through gRPC and
  // through HTTP, which must be the same bytes and position; the bytes.
  std::string BothDoors(const std::string& who, v1::LedgerKind kind, const std::string& as_of) {
    v1::Reports::Stub reports(testing::Connect(daemon_->address()));
    v1::ExportLedgerRequest request;
    request.set_kind(kind);
    request.set_format(v1::DOCUMENT_FORMAT_CSV);
    request.set_as_of(as_of);
    v1::Document doc;
    grpc::Status s =
        reports.ExportLedger(testing::Call(who + "-0123456789abcdef").get(), request, &doc);
    EXPECT_TRUE(s.ok()) << who << " " << kind << " " << as_of << ": " << s.error_message();
    const std::string name = kind == v1::LEDGER_KIND_PROJECTS     ? "projects"
                             : kind == v1::LEDGER_KIND_CASE_ITEMS ? "cases"
                             : kind == v1::LEDGER_KIND_TASKS      ? "tasks"
                             : kind == v1::LEDGER_KIND_PROBLEMS   ? "problems"
                                                                  : "slips";
    HttpReply r = HttpGet(
        http_, absl::StrCat("/export/", name, ".csv", as_of.empty() ? "" : "?as_of=", as_of),
        absl::StrCat("Bearer ", who, "-0123456789abcdef"));
    EXPECT_EQ(r.status, 200) << who << " " << name << " " << as_of << ": " << r.body;
    EXPECT_EQ(r.body, doc.content()) << who << " " << name << " " << as_of;
    EXPECT_THAT(r.head,
                HasSubstr(absl::StrCat("X-Taizhang-Through-Position: ", doc.through_position())));
    return doc.content();
  }

  int files_ = 0;
};

// The rows of a CSV ledger (after its title and header lines).
std::vector<std::string> CsvRows(const std::string& csv) {
  std::vector<std::string> lines = absl::StrSplit(csv, "\r\n", absl::SkipEmpty());
  if (lines.size() <= 2) return {};
  return std::vector<std::string>(lines.begin() + 2, lines.end());
}

// Whether some row names `id` as a cell.
bool HasRow(const std::string& csv, const std::string& id) {
  for (const std::string& row : CsvRows(csv)) {
    std::vector<std::string> cells = absl::StrSplit(row, ',');
    if (std::find(cells.begin(), cells.end(), id) != cells.end()) return true;
  }
  return false;
}

TEST_F(ExportTest, EachLedgerReadsBackWithItsLayoutAndValues) {
  ASSERT_NO_FATAL_FAILURE(Scenario());
  google::protobuf::Struct projects = Xlsx("office", "projects");
  EXPECT_EQ(Str(projects, "title"), "重点项目台账（截至2020年7月19日）");
  const auto& f = projects.fields();
  EXPECT_THAT(testing::Strings(f.at("merged")), ElementsAre("A1:V1"));
  EXPECT_EQ(Str(projects, "freeze"), "A3");
  EXPECT_EQ(Str(projects, "autofilter"), "A2:V4");
  EXPECT_EQ(Str(projects, "orientation"), "landscape");
  EXPECT_EQ(Str(projects, "paper"), "9");
  EXPECT_EQ(f.at("fit_width").number_value(), 1);
  const std::vector<std::string> headers = testing::Strings(f.at("headers"));
  EXPECT_THAT(
      headers,
      ElementsAre("序号", "项目代码", "项目名称", "项目级别", "业主单位", "总投资（万元）",
                  "2020年计划投资（万元）", "累计完成投资（万元）", "填报截至", "投资完成率",
                  "时间进度", "亮灯", "项目进展", "计划开工", "计划竣工", "应开工未开工",
                  "应竣工未竣工", "责任单位", "责任人", "分包领导", "督办情况", "备注"));
  auto rows = Table(projects, "rows");
  auto fills = Table(projects, "fills");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][Col(headers, "序号")], "1");
  EXPECT_EQ(rows[0][Col(headers, "项目代码")], kP1);
  EXPECT_EQ(rows[0][Col(headers, "项目名称")], "晋宁吾悦广场");
  EXPECT_EQ(rows[0][Col(headers, "项目级别")], "区（县）重点");
  EXPECT_EQ(rows[0][Col(headers, "总投资（万元）")], "50000");
  EXPECT_EQ(rows[0][Col(headers, "2020年计划投资（万元）")], "10000");
  EXPECT_EQ(rows[0][Col(headers, "累计完成投资（万元）")], "3000");
  EXPECT_EQ(rows[0][Col(headers, "填报截至")], "2020-06");
  EXPECT_EQ(rows[0][Col(headers, "投资完成率")], "0.3");
  EXPECT_EQ(rows[0][Col(headers, "时间进度")], "0.5");  // six months of 2020 ended
  EXPECT_EQ(rows[0][Col(headers, "计划开工")], "2020-06-01");
  EXPECT_EQ(rows[0][Col(headers, "应开工未开工")], "是");  // planned 06-01, still in reserve
  EXPECT_EQ(rows[0][Col(headers, "分包领导")], "王副区长");
  EXPECT_EQ(rows[0][Col(headers, "项目进展")], "储备（签订投资协议）");
  EXPECT_EQ(rows[1][Col(headers, "累计完成投资（万元）")], "");  // P2 has not reported
  EXPECT_THAT(rows[0][Col(headers, "亮灯")], ::testing::AnyOf("绿灯", "黄灯", "红灯"));
  EXPECT_NE(fills[0][Col(headers, "亮灯")], "");

  // Tasks: plot5 is red and overdue on 07-19, plot1 completed on 07-08.
  google::protobuf::Struct tasks = Xlsx("office", "tasks");
  EXPECT_EQ(Str(tasks, "title"), "任务台账（截至2020年7月19日）");
  const std::vector<std::string> th = testing::Strings(tasks.fields().at("headers"));
  EXPECT_THAT(th, ElementsAre("序号", "任务编号", "项目代码", "项目名称", "任务名称", "责任单位",
                              "分包领导", "时限", "剩余工作日", "进展", "办理状态", "完成日期",
                              "亮灯", "督办情况", "备注"));
  rows = Table(tasks, "rows");
  fills = Table(tasks, "fills");
  ASSERT_EQ(rows.size(), 2u);
  // By task id: plot1, then plot5.
  EXPECT_EQ(rows[0][Col(th, "任务编号")], "plot1");
  EXPECT_EQ(rows[0][Col(th, "办理状态")], "已完成");
  EXPECT_EQ(rows[0][Col(th, "完成日期")], "2020-07-08");
  EXPECT_EQ(rows[0][Col(th, "项目名称")], "昆阳物流园");
  EXPECT_EQ(rows[1][Col(th, "任务编号")], "plot5");
  EXPECT_EQ(rows[1][Col(th, "办理状态")], "办理中");
  EXPECT_EQ(rows[1][Col(th, "亮灯")], "红灯");
  EXPECT_EQ(fills[1][Col(th, "亮灯")], "FF0000");
  EXPECT_EQ(rows[1][Col(th, "剩余工作日")], "-2");  // 16 and 17 July
  // The ladder's warning and notice on 07-16, and the office's own notice.
  EXPECT_EQ(rows[1][Col(th, "督办情况")], "督办通知单2件（未回复2件）；预警提示1件");
  EXPECT_THAT(rows[1][Col(th, "备注")], HasSubstr("逾期"));

  // Joint approval: one row per item of the case, each with its department.
  google::protobuf::Struct cases = Xlsx("office", "cases");
  const std::vector<std::string> ch = testing::Strings(cases.fields().at("headers"));
  EXPECT_EQ(ch[Col(ch, "审批事项")], "审批事项");
  rows = Table(cases, "rows");
  ASSERT_GE(rows.size(), 3u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][Col(ch, "案件编号")], "LH-2020-001");
    EXPECT_EQ(rows[i][Col(ch, "项目名称")], "昆阳物流园");
    EXPECT_NE(rows[i][Col(ch, "审批部门")], "");
    if (i > 0) {
      EXPECT_EQ(rows[i][Col(ch, "办理状态")], "未申报");
    }
  }
  EXPECT_EQ(rows.back()[Col(ch, "序号")], absl::StrCat(rows.size()));
  // 立项(备案), accepted on 06-29 with one working day, overdue since.
  fills = Table(cases, "fills");
  EXPECT_EQ(rows[0][Col(ch, "审批事项")], "项目立项(备案)");
  EXPECT_EQ(rows[0][Col(ch, "审批部门")], "市发展改革委");
  EXPECT_EQ(rows[0][Col(ch, "受理日期")], "2020-06-29");
  EXPECT_EQ(rows[0][Col(ch, "办理时限")], "1个工作日");
  EXPECT_EQ(rows[0][Col(ch, "截止日期")], "2020-06-30");
  EXPECT_EQ(rows[0][Col(ch, "办理状态")], "已受理");
  EXPECT_EQ(rows[0][Col(ch, "亮灯")], "红灯");
  EXPECT_EQ(fills[0][Col(ch, "亮灯")], "FF0000");
  EXPECT_THAT(rows[0][Col(ch, "备注")], HasSubstr("逾期"));
  EXPECT_THAT(rows[0][Col(ch, "督办情况")], Not(::testing::IsEmpty()));
  // A department's rows: its own items only.
  rows = Table(Xlsx("office", "cases", {"--unit", "市发展改革委"}), "rows");
  ASSERT_GE(rows.size(), 2u);
  for (const auto& row : rows) EXPECT_EQ(row[Col(ch, "审批部门")], "市发展改革委");

  google::protobuf::Struct problems = Xlsx("office", "problems");
  const std::vector<std::string> ph = testing::Strings(problems.fields().at("headers"));
  rows = Table(problems, "rows");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][Col(ph, "问题描述")], "施工用电未接入");
  EXPECT_EQ(rows[0][Col(ph, "问题来源")], "检查发现（督查组）");
  EXPECT_EQ(rows[0][Col(ph, "解决措施")], "协调供电局接入");
  EXPECT_EQ(rows[0][Col(ph, "时限")], "2020-07-31");
  EXPECT_EQ(rows[0][Col(ph, "办理状态")], "办理中");
  EXPECT_EQ(rows[0][Col(ph, "亮灯")], "绿灯");
  EXPECT_EQ(Table(problems, "fills")[0][Col(ph, "亮灯")], "92D050");

  // Slips: the office's notice on plot5, with its number and limit.
  google::protobuf::Struct slips = Xlsx("office", "slips");
  const std::vector<std::string> sh = testing::Strings(slips.fields().at("headers"));
  rows = Table(slips, "rows");
  auto notice = std::find_if(rows.begin(), rows.end(), [&](const auto& r) {
    return r[Col(sh, "文号")] == "督办〔2020〕12号";
  });
  ASSERT_NE(notice, rows.end());
  EXPECT_EQ((*notice)[Col(sh, "督办类别")], "督办通知单");
  EXPECT_EQ((*notice)[Col(sh, "台账")], "任务");
  EXPECT_EQ((*notice)[Col(sh, "督办事项")], "5号地块4户农户拆迁及14.5亩征地");
  EXPECT_EQ((*notice)[Col(sh, "责任单位")], "区自然资源局");
  EXPECT_EQ((*notice)[Col(sh, "分包领导")], "王副区长");
  EXPECT_EQ((*notice)[Col(sh, "下发日期")], "2020-07-19");
  EXPECT_EQ((*notice)[Col(sh, "整改时限")], "2020-07-22");
  EXPECT_EQ((*notice)[Col(sh, "状态")], "待回复");
  EXPECT_THAT((*notice)[Col(sh, "督办单编号")], HasSubstr("task/plot5/"));
}

TEST_F(ExportTest, APastDayShowsTheLedgerAsItStoodThen) {
  ASSERT_NO_FATAL_FAILURE(Scenario());
  google::protobuf::Struct tasks = Xlsx("office", "tasks", {"--as-of", "2020-07-01"});
  EXPECT_EQ(Str(tasks, "title"), "任务台账（截至2020年7月1日）");
  const std::vector<std::string> th = testing::Strings(tasks.fields().at("headers"));
  auto rows = Table(tasks, "rows");
  auto fills = Table(tasks, "fills");
  ASSERT_EQ(rows.size(), 2u);
  // plot1 was completed later: open then; plot5 turned red later: green then.
  EXPECT_EQ(rows[0][Col(th, "任务编号")], "plot1");
  EXPECT_EQ(rows[0][Col(th, "办理状态")], "办理中");
  EXPECT_EQ(rows[0][Col(th, "完成日期")], "");
  EXPECT_EQ(rows[1][Col(th, "亮灯")], "绿灯");
  EXPECT_EQ(fills[1][Col(th, "亮灯")], "92D050");
  EXPECT_EQ(rows[1][Col(th, "督办情况")], "");
  EXPECT_EQ(rows[1][Col(th, "备注")], "");
  // Slips as they were raised, each on the day its deadline fell: none on
  // 06-29; the filing item (accepted 06-29, one working day) warned on its
  // last day, 06-30, and its notice the day after, with the month's yellow
  // lights of both projects; nothing yet of plot5's notice (07-19).
  EXPECT_TRUE(Table(Xlsx("office", "slips", {"--as-of", "2020-06-29"}), "rows").empty());
  google::protobuf::Struct slips = Xlsx("office", "slips", {"--as-of", "2020-06-30"});
  const std::vector<std::string> sh = testing::Strings(slips.fields().at("headers"));
  rows = Table(slips, "rows");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][Col(sh, "督办单编号")], "case/LH-2020-001/item/filing/1/warning");
  EXPECT_EQ(rows[0][Col(sh, "督办类别")], "预警提示");
  EXPECT_EQ(rows[0][Col(sh, "下发日期")], "2020-06-30");
  rows = Table(Xlsx("office", "slips", {"--as-of", "2020-07-01"}), "rows");
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r[Col(sh, "督办单编号")]);
  EXPECT_THAT(ids,
              ::testing::UnorderedElementsAre("case/LH-2020-001/item/filing/1/warning",
                                              "case/LH-2020-001/item/filing/1/notice",
                                              "project/2020-530115-72-01-000001/monthly/1/yellow",
                                              "project/2020-530115-72-01-000002/monthly/1/yellow"));
  auto notice = std::find_if(rows.begin(), rows.end(), [&](const auto& r) {
    return r[Col(sh, "督办单编号")] == "case/LH-2020-001/item/filing/1/notice";
  });
  ASSERT_NE(notice, rows.end());
  EXPECT_EQ((*notice)[Col(sh, "督办类别")], "督办通知单");
  EXPECT_EQ((*notice)[Col(sh, "下发日期")], "2020-07-01");
  EXPECT_EQ((*notice)[Col(sh, "整改时限")], "2020-07-06");
  EXPECT_EQ((*notice)[Col(sh, "状态")], "待回复");
  // The day plot1 was completed counts it as completed (recorded that day).
  rows = Table(Xlsx("office", "tasks", {"--as-of", "2020-07-08"}), "rows");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][Col(th, "办理状态")], "已完成");
  // Before anything was registered: empty ledgers with their headers.
  google::protobuf::Struct before = Xlsx("office", "projects", {"--as-of", "2020-06-28"});
  EXPECT_TRUE(Table(before, "rows").empty());
  EXPECT_EQ(Str(before, "autofilter"), "A2:V2");

  // Filters judge the day asked for: red on 07-19, nothing red on 07-01.
  rows = Table(Xlsx("office", "tasks", {"--light", "red"}), "rows");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][Col(th, "任务编号")], "plot5");
  EXPECT_TRUE(
      Table(Xlsx("office", "tasks", {"--light", "red", "--as-of", "2020-07-01"}), "rows").empty());
  rows = Table(Xlsx("office", "tasks", {"--overdue"}), "rows");
  ASSERT_EQ(rows.size(), 1u);
  rows = Table(Xlsx("office", "tasks", {"--project", kP2}), "rows");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][Col(th, "任务编号")], "plot1");
  EXPECT_TRUE(Table(Xlsx("office", "tasks", {"--unit", "别的单位"}), "rows").empty());
  EXPECT_TRUE(Table(Xlsx("office", "tasks", {"--region", "110101"}), "rows").empty());
  EXPECT_EQ(Table(Xlsx("office", "projects", {"--stage", "new_start"}), "rows").size(), 0u);
  EXPECT_EQ(Table(Xlsx("office", "tasks", {"--stage", "储备（签订投资协议）"}), "rows").size(), 2u);
}

TEST_F(ExportTest, ALeaderExportsOnlyItsProjectsAndCsvOverHttp) {
  ASSERT_NO_FATAL_FAILURE(Scenario());
  auto rows = Table(Xlsx("leader", "projects"), "rows");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][1], kP1);
  rows = Table(Xlsx("leader", "tasks"), "rows");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][1], "plot5");
  EXPECT_TRUE(Table(Xlsx("leader", "cases"), "rows").empty());  // 李副区长's case

  // CSV over HTTP, HTTP Basic with the token as password, as a browser sends it.
  const std::string basic = "Basic " + absl::Base64Escape("王:leader-0123456789abcdef");
  HttpReply r = HttpGet(http_, "/export/tasks.csv?as_of=2020-07-01", basic);
  ASSERT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_THAT(r.head, HasSubstr("Content-Type: text/csv; charset=utf-8"));
  // 任务台账-2020-07-01.csv
  EXPECT_THAT(r.head,
              HasSubstr("filename=\"taizhang-tasks-2020-07-01.csv\"; "
                        "filename*=UTF-8''%E4%BB%BB%E5%8A%A1%E5%8F%B0%E8%B4%A6-2020-07-01.csv"));
  ASSERT_TRUE(absl::StartsWith(r.body, "\xEF\xBB\xBF"));
  const std::string csv_path = dir_ / "http.csv";
  testing::WriteFile(csv_path, r.body);
  auto csv = DumpLedger("csv", csv_path);
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_TRUE(csv->fields().at("bom").bool_value());
  EXPECT_TRUE(csv->fields().at("crlf").bool_value());
  const auto records = Table(*csv, "records");
  ASSERT_EQ(records.size(), 3u);  // title, header, plot5 only
  EXPECT_THAT(records[0], ElementsAre("任务台账（截至2020年7月1日）"));
  EXPECT_EQ(records[1][0], "序号");
  EXPECT_EQ(records[2][1], "plot5");
  EXPECT_THAT(records[2], Contains("绿灯"));
  EXPECT_THAT(records[2], Contains("0.00%"));

  // The route's XLSX, percent-encoded Chinese in the query.
  r = HttpGet(http_,
              "/export/projects.xlsx?unit=%E5%8C%BA%E8%87%AA%E7%84%B6%E8%B5%84%E6%BA%90%E5%B1%80",
              "Bearer office-0123456789abcdef");
  ASSERT_EQ(r.status, 200) << r.body;
  testing::WriteFile(dir_ / "http.xlsx", r.body);
  auto x = DumpLedger("xlsx", dir_ / "http.xlsx");
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(Table(*x, "rows").size(), 2u);

  // Refusals.
  EXPECT_EQ(HttpGet(http_, "/export/tasks.csv", "").status, 401);
  EXPECT_EQ(HttpGet(http_, "/export/tasks.csv", "Bearer nope-0123456789abcdef").status, 401);
  EXPECT_EQ(HttpGet(http_, "/export/nonsense.xlsx", basic).status, 400);
  EXPECT_EQ(HttpGet(http_, "/export/tasks.pdf", basic).status, 400);
  HttpReply bad = HttpGet(http_, "/export/tasks.csv?as_of=2020-02-30", basic);
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("as_of"));
  bad = HttpGet(http_, "/export/tasks.csv?as_of=2020-07-20", basic);
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("after today"));
  EXPECT_EQ(HttpGet(http_, "/export/tasks.csv?light=purple", basic).status, 400);
  EXPECT_EQ(HttpGet(http_, "/export/tasks.csv?colour=red", basic).status, 400);
  EXPECT_EQ(HttpGet(http_, "/export/tasks.csv?unit=%E5%8", basic).status, 400);
  EXPECT_EQ(HttpGet(http_, "/export/tasks.csv?stage=%E5%9C%A8%E5%BB%BA", basic).status, 200);
}

TEST_F(ExportTest, BadInputIsRefusedAndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(Scenario());
  const std::string path = dir_ / "never.xlsx";
  CommandResult r = Cli("office", {"export", "nonsense", "--xlsx", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("projects, cases, tasks, problems, slips, matters, meetings, "
                               "visits, ratings, campaigns, assessment or assessment-detail"));
  r = Cli("office", {"export", "tasks", "--xlsx", path, "--as-of", "2020/07/01"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT"));
  r = Cli("office", {"export", "tasks", "--xlsx", path, "--as-of", "2020-07-20"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("after today"));
  r = Cli("office", {"export", "tasks", "--xlsx", path, "--csv", path});
  EXPECT_EQ(r.exit_code, 2);
  r = Cli("office", {"export", "tasks"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(path));

  // Over gRPC: an unknown kind or format, a bad filter enum.
  v1::Reports::Stub reports(testing::Connect(daemon_->address()));
  v1::ExportLedgerRequest request;
  request.set_format(v1::DOCUMENT_FORMAT_XLSX);
  v1::Document doc;
  EXPECT_EQ(reports.ExportLedger(testing::Call("office-0123456789abcdef").get(), request, &doc)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.set_kind(v1::LEDGER_KIND_TASKS);
  request.set_format(v1::DOCUMENT_FORMAT_PDF);
  EXPECT_EQ(reports.ExportLedger(testing::Call("office-0123456789abcdef").get(), request, &doc)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.set_format(v1::DOCUMENT_FORMAT_CSV);
  request.mutable_filter()->set_light(static_cast<v1::Light>(42));
  EXPECT_EQ(reports.ExportLedger(testing::Call("office-0123456789abcdef").get(), request, &doc)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.mutable_filter()->clear_light();
  EXPECT_EQ(reports.ExportLedger(testing::Call("nope-0123456789abcdef").get(), request, &doc)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // And a good one carries its name, digest and log position.
  ASSERT_TRUE(
      reports.ExportLedger(testing::Call("office-0123456789abcdef").get(), request, &doc).ok());
  EXPECT_EQ(doc.filename(), "任务台账-2020-07-19.csv");
  EXPECT_EQ(doc.sha256_hex().size(), 64u);
  EXPECT_GT(doc.through_position(), 0u);
  request.set_as_of("2020-07-01");
  v1::Document then;
  ASSERT_TRUE(
      reports.ExportLedger(testing::Call("office-0123456789abcdef").get(), request, &then).ok());
  EXPECT_LT(then.through_position(), doc.through_position());
  EXPECT_THAT(then.content(), Not(HasSubstr("已完成")));
  EXPECT_THAT(doc.content(), HasSubstr("已完成"));
}

TEST_F(ExportTest, OneScopePerRoleThroughEveryDoorNowAndAsOfAPastDay) {
  // A task of a project not yet registered, its leader 李副区长; the project,
  // registered later, is 王副区长's.
  constexpr char kP3[] = "2020-530115-72-01-000003";
  ASSERT_NO_FATAL_FAILURE(Task("early", kP3, "早期任务", "2020-08-31", "李副区长"));
  ASSERT_NO_FATAL_FAILURE(Scenario());
  ASSERT_NO_FATAL_FAILURE(Register(kP3, "昆阳冷链", "王副区长"));
  using K = v1::LedgerKind;
  const K kTasks = v1::LEDGER_KIND_TASKS, kProjects = v1::LEDGER_KIND_PROJECTS,
          kCases = v1::LEDGER_KIND_CASE_ITEMS, kProblems = v1::LEDGER_KIND_PROBLEMS,
          kSlips = v1::LEDGER_KIND_SLIPS;

  // The office, auditors and admin: every row, now and then.
  for (const std::string who : {"office", "auditor", "admin"}) {
    std::string tasks = BothDoors(who, kTasks, "");
    EXPECT_EQ(CsvRows(tasks).size(), 3u) << who;
    EXPECT_EQ(CsvRows(BothDoors(who, kProjects, "")).size(), 3u) << who;
    EXPECT_EQ(CsvRows(BothDoors(who, kProblems, "")).size(), 1u) << who;
    EXPECT_GE(CsvRows(BothDoors(who, kCases, "")).size(), 3u) << who;
    std::string slips = BothDoors(who, kSlips, "");
    EXPECT_THAT(slips, HasSubstr("task/plot5/")) << who;
    EXPECT_THAT(slips, HasSubstr("case/LH-2020-001/")) << who;
    EXPECT_EQ(CsvRows(BothDoors(who, kTasks, "2020-07-01")).size(), 3u) << who;
  }

  // A department reads what the List RPCs give it: every row, now and then;
  // its unit filter narrows the rows as the office's does.
  std::string tasks = BothDoors("resources", kTasks, "");
  EXPECT_EQ(tasks, BothDoors("office", kTasks, ""));
  EXPECT_EQ(CsvRows(BothDoors("resources", kProjects, "")).size(), 3u);
  EXPECT_EQ(CsvRows(BothDoors("resources", kProblems, "")).size(), 1u);
  EXPECT_GE(CsvRows(BothDoors("ndrc", kCases, "")).size(), 3u);
  std::string slips = BothDoors("ndrc", kSlips, "");
  EXPECT_THAT(slips, HasSubstr("task/plot5/"));
  EXPECT_THAT(slips, HasSubstr("case/LH-2020-001/"));
  EXPECT_EQ(BothDoors("resources", kTasks, "2020-07-01"),
            BothDoors("office", kTasks, "2020-07-01"));

  // A leader: the projects it was responsible for on the day asked, their
  // rows and those naming it. P3 is 王副区长's now, not yet on 07-01.
  tasks = BothDoors("leader", kTasks, "");
  EXPECT_TRUE(HasRow(tasks, "plot5") && HasRow(tasks, "early"));
  EXPECT_FALSE(HasRow(tasks, "plot1"));
  tasks = BothDoors("leader", kTasks, "2020-07-01");
  EXPECT_TRUE(HasRow(tasks, "plot5"));
  EXPECT_FALSE(HasRow(tasks, "early"));
  EXPECT_FALSE(HasRow(tasks, "plot1"));
  std::string projects = BothDoors("leader", kProjects, "");
  EXPECT_TRUE(HasRow(projects, kP1) && HasRow(projects, kP3));
  EXPECT_FALSE(HasRow(projects, kP2));
  EXPECT_EQ(CsvRows(BothDoors("leader", kProblems, "")).size(), 1u);
  EXPECT_TRUE(CsvRows(BothDoors("leader", kCases, "")).empty());  // 李副区长's case
  slips = BothDoors("leader", kSlips, "");
  EXPECT_THAT(slips, HasSubstr("task/plot5/"));
  EXPECT_THAT(slips, Not(HasSubstr("case/LH-2020-001/")));

  // An enterprise: its projects, its case, the tasks and problems of its
  // projects.
  EXPECT_EQ(CsvRows(BothDoors("enterprise", kProjects, "")).size(), 3u);
  EXPECT_GE(CsvRows(BothDoors("enterprise", kCases, "")).size(), 3u);
  EXPECT_EQ(CsvRows(BothDoors("enterprise", kTasks, "")).size(), 3u);

  // The CLI is the gRPC door: the same bytes.
  EXPECT_EQ(testing::ReadFile(Export("leader", "tasks", "csv", {"--as-of", "2020-07-01"})),
            BothDoors("leader", kTasks, "2020-07-01"));

  // A department may name any unit, by any door, as in the List RPCs.
  v1::Reports::Stub reports(testing::Connect(daemon_->address()));
  v1::ExportLedgerRequest other;
  other.set_kind(kTasks);
  other.set_format(v1::DOCUMENT_FORMAT_CSV);
  other.mutable_filter()->set_unit("区自然资源局");
  v1::Document doc;
  grpc::Status status =
      reports.ExportLedger(testing::Call("ndrc-0123456789abcdef").get(), other, &doc);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(CsvRows(doc.content()).empty());
  for (const std::string& row : CsvRows(doc.content())) EXPECT_THAT(row, HasSubstr("区自然资源局"));
  HttpReply r = HttpGet(
      http_, "/export/tasks.csv?unit=%E5%8C%BA%E8%87%AA%E7%84%B6%E8%B5%84%E6%BA%90%E5%B1%80",
      "Bearer ndrc-0123456789abcdef");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, doc.content());
  CommandResult cli =
      Cli("ndrc", {"export", "tasks", "--csv", dir_ / "other.csv", "--unit", "区自然资源局"});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(testing::ReadFile(dir_ / "other.csv"), doc.content());

  // The screen's token reads the screen and nothing else.
  v1::ExportLedgerRequest any;
  any.set_kind(kTasks);
  any.set_format(v1::DOCUMENT_FORMAT_CSV);
  EXPECT_EQ(
      reports.ExportLedger(testing::Call("screen-0123456789abcdef").get(), any, &doc).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(HttpGet(http_, "/export/tasks.csv", "Bearer screen-0123456789abcdef").status, 403);
  EXPECT_EQ(
      HttpGet(http_, "/export/tasks.csv?as_of=2020-07-01", "Bearer screen-0123456789abcdef").status,
      403);
  EXPECT_EQ(HttpGet(http_, "/", "Bearer screen-0123456789abcdef").status, 403);
  EXPECT_EQ(Cli("screen", {"export", "tasks", "--csv", dir_ / "never.csv"}).exit_code, 1);
  EXPECT_EQ(HttpGet(http_, "/screen/snapshot", "Bearer screen-0123456789abcdef").status, 200);
  EXPECT_EQ(HttpGet(http_, "/export/tasks.csv", "Bearer nope-0123456789abcdef").status, 401);
}

// The HTTP side builds exports on a worker pool: while one is in flight
// (held at its start by the pool's test hook), the server's one thread
// answers other requests and pushes the screen; a full pool is answered 503
// at once; the export held then completes, read back by openpyxl.
class ExportPoolRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = store::OpenEventLog(dir_ / "data", clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    workflows::LedgerOptions options;
    options.policies_dir = testing::PoliciesDir();
    auto ledger = workflows::Ledger::Open(*log_, clock_, options);
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = std::move(*ledger);
    ASSERT_TRUE(ledger_->Start().ok());
    auto tokens = services::TokenTable::Parse(
        "tokens",
        "token { token: \"office-0123456789abcdef\" role: \"supervision\" "
        "unit: \"区政府目督办\" }\n");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    auto access = services::AccessTable::ForApi();
    ASSERT_TRUE(access.ok()) << access.status();
    auth_ = std::make_unique<services::Authorizer>(*std::move(tokens), *std::move(access));
    services::HttpRoutesOptions routes;
    routes.exports.workers = 1;
    routes.exports.queue_limit = 0;
    routes.exports.before_job = [this] {
      absl::MutexLock l(&mu_);
      if (++jobs_ > 1) return;  // only the first is held
      mu_.Await(absl::Condition(&released_));
    };
    auto server = services::HttpServer::Start(
        "127.0.0.1:0", services::NewHttpRoutes(*log_, clock_, *auth_, ledger_.get(), routes));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  void TearDown() override {
    Release();
    server_.reset();
    ledger_.reset();
    log_.reset();
  }

  void CreateTask(const std::string& id) {
    v1::TaskCommand c;
    v1::CreateTask* t = c.mutable_create();
    t->set_task_id(id);
    t->set_project_code(kP1);
    t->set_title(absl::StrCat("任务", id));
    t->add_responsible_units("区自然资源局");
    t->set_responsible_leader("王副区长");
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
    t->mutable_deadline()->mutable_rule()->set_fixed_date("2020-08-31");
    auto out = ledger_->ExecuteTask(
        id, c, {.request_id = absl::StrCat("create-", id), .actor = "supervision:区政府目督办"});
    ASSERT_TRUE(out.ok()) << out.status();
    ledger_->runtime().Quiesce();
  }
  void AwaitHeld() {
    absl::MutexLock l(&mu_);
    auto held = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return jobs_ >= 1; };
    mu_.Await(absl::Condition(&held));
  }
  void Release() {
    absl::MutexLock l(&mu_);
    released_ = true;
  }

  TempDir dir_;
  ManualClock clock_{absl::FromCivil(absl::CivilHour(2020, 7, 1, 10), engine::ChinaTime())};
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<workflows::Ledger> ledger_;
  std::unique_ptr<services::Authorizer> auth_;
  std::unique_ptr<services::HttpServer> server_;
  absl::Mutex mu_;
  int jobs_ ABSL_GUARDED_BY(mu_) = 0;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
};

// The screen's feed, read with blocking reads that give up after 5 s.
class ScreenSocket {
 public:
  explicit ScreenSocket(const std::string& address) : ws_(io_) {
    const size_t colon = address.rfind(':');
    int port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(address.substr(colon + 1), &port));
    ws_.next_layer().connect(boost::asio::ip::tcp::endpoint(
        boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    timeval tv{5, 0};
    setsockopt(ws_.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ws_.set_option(boost::beast::websocket::stream_base::decorator(
        [](boost::beast::websocket::request_type& r) {
          r.set(boost::beast::http::field::authorization, "Bearer office-0123456789abcdef");
        }));
    ws_.handshake("127.0.0.1", "/screen/ws", ec_);
  }
  const boost::system::error_code& error() const { return ec_; }
  std::string Read() {
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    ws_.read(buffer, ec);
    return ec ? "" : boost::beast::buffers_to_string(buffer.data());
  }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::system::error_code ec_;
};

TEST_F(ExportPoolRouteTest, AnExportInFlightHoldsUpNeitherPagesNorTheScreen) {
  ASSERT_NO_FATAL_FAILURE(CreateTask("t1"));
  ASSERT_NO_FATAL_FAILURE(CreateTask("t2"));
  ScreenSocket screen(server_->address());
  ASSERT_FALSE(screen.error()) << screen.error().message();
  const std::string first_push = screen.Read();
  ASSERT_THAT(first_push, HasSubstr("\"position\""));

  HttpReply held;
  std::thread exporting([&] {
    held = HttpGet(server_->address(), "/export/tasks.xlsx", "Bearer office-0123456789abcdef");
  });
  AwaitHeld();  // the export is on the pool's worker, not yet answered

  // Meanwhile the server's thread answers, and pushes the screen a change.
  HttpReply health = HttpGet(server_->address(), "/healthz", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_TRUE(absl::StartsWith(health.body, "ok")) << health.body;
  EXPECT_EQ(HttpGet(server_->address(), "/", "Bearer office-0123456789abcdef").status, 200);
  ASSERT_NO_FATAL_FAILURE(CreateTask("t3"));
  // The first push that includes t3 (a command may append more than one event).
  const std::string head = absl::StrCat("\"position\":\"", log_->HeadPosition(), "\"");
  std::string pushed;
  for (int i = 0; i < 5 && !absl::StrContains(pushed, head); ++i) pushed = screen.Read();
  EXPECT_THAT(pushed, HasSubstr(head));
  EXPECT_THAT(pushed, HasSubstr("任务"));

  // One worker, no queue: a second export is refused at once.
  HttpReply busy =
      HttpGet(server_->address(), "/export/tasks.csv", "Bearer office-0123456789abcdef");
  EXPECT_EQ(busy.status, 503);
  EXPECT_THAT(busy.head, HasSubstr("Retry-After: 2"));
  EXPECT_THAT(busy.body, HasSubstr("导出繁忙"));

  Release();
  exporting.join();
  ASSERT_EQ(held.status, 200) << held.head << held.body;
  // Built when the worker ran: the three tasks, at the position then.
  EXPECT_THAT(held.head,
              HasSubstr(absl::StrCat("X-Taizhang-Through-Position: ", log_->HeadPosition())));
  testing::WriteFile(dir_ / "held.xlsx", held.body);
  auto dump = DumpLedger("xlsx", dir_ / "held.xlsx");
  ASSERT_TRUE(dump.ok()) << dump.status();
  EXPECT_EQ(Str(*dump, "title"), "任务台账（截至2020年7月1日）");
  auto rows = Table(*dump, "rows");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][1], "t1");
  EXPECT_EQ(rows[2][1], "t3");
  EXPECT_EQ(rows[2][4], "任务t3");

  // With the worker free again, the next export is answered.
  EXPECT_EQ(
      HttpGet(server_->address(), "/export/tasks.csv", "Bearer office-0123456789abcdef").status,
      200);
}

}  // namespace
}  // namespace taizhang
