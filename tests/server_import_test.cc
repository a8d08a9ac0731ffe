// Ledgers brought in through the real taizhangd and the `taizhang` CLI: a
// workbook written by openpyxl (an independent writer) is planned in a dry
// run that writes nothing, applied, found in the ledger, then imported again
// (and renamed) without writing anything; a file with one bad row writes
// nothing even with --apply and names the row and the column; a department
// may not import. The projects ledger exported and imported back changes
// nothing; a file of a few hundred rows applies (its commands sent several at
// a time) and again writes nothing.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::CommandResult;
using testing::Daemon;
using ::testing::HasSubstr;
using testing::RunCommand;
using testing::TempDir;
using testing::Tokens;

std::string SourceDir() {
  const char* dir = std::getenv("TAIZHANG_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

// Two projects (one under construction) and three tasks, as an office keeps
// them: a merged title row, the headers, dates as date cells, money as
// numbers; plus a task ledger with one bad row.
constexpr char kWorkbooks[] = R"PY(
import datetime, openpyxl
def save(name, title, header, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = title
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.create_sheet("说明")["A1"] = "第二个工作表不导入"
    wb.save(name)
save("projects.xlsx", "2025年重点项目台账（截至2025年3月1日）",
     ["序号", "项目代码", "项目名称", "建设单位", "牵头单位", "分包领导", "项目级别",
      "总投资（万元）", "年度计划投资（万元）", "计划开工", "计划竣工", "阶段", "开工日期"],
     [[1, "2025-530115-47-01-000011", "晋宁吾悦广场", "昆明万达", "自然资源局", "张副区长",
       "区（县）重点", 29350.5, 5000, datetime.date(2025, 4, 1), datetime.date(2027, 12, 31),
       "储备", None],
      [2, "2025-530115-47-01-000012", "滇池医院", "卫健局", "卫健局", "李副区长", "市重点",
       12000, 3000.25, None, datetime.date(2026, 6, 30), "在建", datetime.date(2024, 5, 1)]])
task_header = ["序号", "任务编号", "项目代码", "任务名称", "责任单位", "责任人", "时限", "时限规则"]
tasks = [[1, "wy-plot5", "2025-530115-47-01-000011", "5号地块拆迁", "自然资源局、昆阳街道办", "王科长",
          datetime.date(2025, 6, 30), None],
         [2, "wy-land", "2025-530115-47-01-000011", "供地", "自然资源局", None, None, "15个工作日"],
         [3, "dc-permit", "2025-530115-47-01-000012", "施工许可", "住建局", None, None, None]]
save("tasks.xlsx", "任务台账", task_header, tasks)
bad = [list(r) for r in tasks] + [[4, "wy-bad", "2025-530115-47-01-000011", "拆迁扫尾", "自然资源局",
                                   None, datetime.date(2025, 2, 1), None]]
bad[0][1] = "wy-plot5-b"; bad[1][1] = "wy-land-b"; bad[2][1] = "dc-permit-b"
save("tasks_bad.xlsx", "任务台账", task_header, bad)
)PY";

class ImportServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "tokens.textproto", Tokens::FileText());
    testing::WriteFile(dir_ / "make.py", kWorkbooks);
    ASSERT_EQ(
        std::system(absl::StrCat("cd '", dir_.path(), "' && /usr/bin/python3 make.py").c_str()), 0);
    std::string failure;
    daemon_ = Daemon::Start({"--listen", "127.0.0.1:0", "--data-dir", dir_ / "data", "--tokens",
                             dir_ / "tokens.textproto", "--clock", "manual", "--start",
                             "2025-03-01", "--policies-dir", SourceDir() + "/workflows/policies"},
                            dir_ / "stderr", &failure);
    ASSERT_NE(daemon_, nullptr) << failure;
  }
  void TearDown() override {
    if (daemon_ != nullptr) {
      EXPECT_EQ(daemon_->Stop(), 0);
    }
  }

  CommandResult Cli(const std::string& token, std::vector<std::string> args) {
    std::vector<std::string> argv = {TAIZHANG_CLI_PATH, "--server", daemon_->address(), "--token",
                                     token};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
  v1::ImportLedgerResponse Import(const std::string& kind, const std::string& file, bool apply,
                                  int expect_exit = 0) {
    std::vector<std::string> args = {"--json", "import", kind, file};
    if (apply) args.push_back("--apply");
    CommandResult r = Cli(Tokens::kSupervision, args);
    EXPECT_EQ(r.exit_code, expect_exit) << r.out << r.err;
    v1::ImportLedgerResponse reply;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &reply).ok()) << r.out << r.err;
    return reply;
  }
  uint64_t Head() {
    v1::Admin::Stub admin(testing::Connect(daemon_->address()));
    v1::ServerInfoResponse info;
    EXPECT_TRUE(admin.ServerInfo(testing::Call(Tokens::kAdmin).get(), {}, &info).ok());
    return info.head_position();
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ImportServerTest, DryRunApplyAgainRenamedBadRowAndRole) {
  const uint64_t empty = Head();
  // A dry run: two creations, nothing written.
  CommandResult dry = Cli(Tokens::kSupervision, {"import", "projects", dir_ / "projects.xlsx"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("表头在第 2 行"));
  EXPECT_THAT(dry.out, HasSubstr("新建 2，变更 0，无变化 0，错误 0"));
  EXPECT_THAT(dry.out, HasSubstr("登记项目“晋宁吾悦广场”"));
  EXPECT_THAT(dry.out, HasSubstr("试运行，未写入"));
  EXPECT_EQ(Head(), empty);

  // Applied: the projects exist as the file says.
  v1::ImportLedgerResponse applied = Import("projects", dir_ / "projects.xlsx", true);
  EXPECT_TRUE(applied.applied());
  EXPECT_EQ(applied.created(), 2);
  const uint64_t after_projects = Head();
  EXPECT_GT(after_projects, empty);
  EXPECT_EQ(applied.last_position(), after_projects);
  v1::Ledger::Stub ledger(testing::Connect(daemon_->address()));
  {
    v1::GetRequest get;
    get.set_id("2025-530115-47-01-000012");
    v1::ProjectReply reply;
    ASSERT_TRUE(ledger.GetProject(testing::Call(Tokens::kSupervision).get(), get, &reply).ok());
    EXPECT_EQ(reply.state().info().name(), "滇池医院");
    EXPECT_EQ(reply.state().info().total_investment_yuan(), 120000000);
    EXPECT_EQ(reply.state().info().annual_plan_yuan(), 30002500);  // 3000.25 万元
    EXPECT_EQ(reply.state().info().plan_year(), 2025);
    EXPECT_EQ(reply.state().stage(), v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
    EXPECT_EQ(reply.state().started_on(), "2024-05-01");
    EXPECT_EQ(reply.state().info().planned_finish_on(), "2026-06-30");
    EXPECT_EQ(reply.state().info().supervision_office(), "督查室");
  }

  // Tasks, applied; their projects now exist.
  v1::ImportLedgerResponse tasks = Import("tasks", dir_ / "tasks.xlsx", true);
  EXPECT_TRUE(tasks.applied());
  EXPECT_EQ(tasks.created(), 3);
  const uint64_t after_tasks = Head();
  {
    v1::GetRequest get;
    get.set_id("wy-land");
    v1::TaskReply reply;
    ASSERT_TRUE(ledger.GetTask(testing::Call(Tokens::kSupervision).get(), get, &reply).ok());
    EXPECT_EQ(reply.state().deadline().rule().kind(), v1::DeadlineRule::WORKING_DAYS);
    EXPECT_EQ(reply.state().deadline().rule().n(), 15);
    get.set_id("wy-plot5");
    ASSERT_TRUE(ledger.GetTask(testing::Call(Tokens::kSupervision).get(), get, &reply).ok());
    EXPECT_EQ(reply.state().due_date(), "2025-06-30");
    EXPECT_EQ(reply.state().responsible_units_size(), 2);
    EXPECT_EQ(reply.state().description(), "责任人：王科长");
  }

  // The same files again, and renamed: all unchanged, the log does not move.
  std::filesystem::copy_file(dir_ / "projects.xlsx", dir_ / "重点项目台账-副本.xlsx");
  for (const std::string& file : {dir_ / "projects.xlsx", dir_ / "重点项目台账-副本.xlsx"}) {
    v1::ImportLedgerResponse again = Import("projects", file, true);
    EXPECT_EQ(again.unchanged(), 2) << file;
    EXPECT_EQ(again.created() + again.changed() + again.errors(), 0) << file;
  }
  v1::ImportLedgerResponse tasks_again = Import("tasks", dir_ / "tasks.xlsx", true);
  EXPECT_EQ(tasks_again.unchanged(), 3);
  CommandResult again =
      Cli(Tokens::kSupervision, {"import", "tasks", dir_ / "tasks.xlsx", "--apply"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("新建 0，变更 0，无变化 3，错误 0"));
  EXPECT_THAT(again.out, HasSubstr("无需写入"));
  EXPECT_EQ(Head(), after_tasks);

  // One bad row: nothing written even with --apply; the row and column named.
  CommandResult bad =
      Cli(Tokens::kSupervision, {"import", "tasks", dir_ / "tasks_bad.xlsx", "--apply"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.out, HasSubstr("新建 3，变更 0，无变化 0，错误 1"));
  EXPECT_THAT(bad.out, HasSubstr("【时限】2025-02-01 早于今天"));
  EXPECT_THAT(bad.out, HasSubstr("有错误，未写入任何内容"));
  v1::ImportLedgerResponse bad_json = Import("tasks", dir_ / "tasks_bad.xlsx", true, 1);
  EXPECT_FALSE(bad_json.applied());
  ASSERT_EQ(bad_json.rows_size(), 4);
  EXPECT_EQ(bad_json.rows(3).row(), 6);
  EXPECT_EQ(bad_json.rows(3).action(), v1::ImportRow::ACTION_ERROR);
  ASSERT_EQ(bad_json.rows(3).problems_size(), 1);
  EXPECT_EQ(bad_json.rows(3).problems(0).column(), "时限");
  EXPECT_EQ(Head(), after_tasks);

  // A department may not import, not even a dry run.
  CommandResult dept = Cli(Tokens::kDepartment, {"import", "projects", dir_ / "projects.xlsx"});
  EXPECT_EQ(dept.exit_code, 1);
  EXPECT_THAT(dept.err, HasSubstr("PERMISSION_DENIED"));
  // Not a ledger at all: a clear error, nothing written.
  testing::WriteFile(dir_ / "garbage.xlsx", std::string("PK\x03\x04garbage", 11));
  CommandResult garbage = Cli(Tokens::kSupervision, {"import", "projects", dir_ / "garbage.xlsx"});
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_THAT(garbage.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(garbage.err, HasSubstr("garbage.xlsx"));
  // Past the size limit (and past gRPC's default 4 MiB): refused by size.
  testing::WriteFile(dir_ / "huge.csv", std::string(17u << 20, 'a'));
  CommandResult huge = Cli(Tokens::kSupervision, {"import", "projects", dir_ / "huge.csv"});
  EXPECT_EQ(huge.exit_code, 1);
  EXPECT_THAT(huge.err, HasSubstr("超过导入上限 16 MiB"));
  EXPECT_EQ(Head(), after_tasks);
}

// Money finer than the export's 0.01 万元, as the system holds it: the
// exported ledger (XLSX and CSV), imported back, plans nothing and writes
// nothing.
TEST_F(ImportServerTest, AnExportedProjectLedgerImportedBackChangesNothing) {
  testing::WriteFile(
      dir_ / "fine.csv",
      "项目代码,项目名称,建设单位,牵头单位,分包领导,项目级别,总投资（万元）,"
      "2025年计划投资（万元）,计划开工,计划竣工\n"
      "2025-530115-47-01-000021,晋宁吾悦广场,昆明万达,自然资源局,张副区长,区（县）重点,"
      "1234.5678,1000.0049,2025-04-01,2027-12-31\n"
      "2025-530115-47-01-000022,滇池医院,卫健局,卫健局,李副区长,市重点,\"12,345.6789\","
      "1000.005,,2026-06-30\n");
  v1::ImportLedgerResponse first = Import("projects", dir_ / "fine.csv", true);
  ASSERT_TRUE(first.applied());
  ASSERT_EQ(first.created(), 2);
  const uint64_t after = Head();

  for (const std::string format : {"xlsx", "csv"}) {
    const std::string file = dir_ / absl::StrCat("exported.", format);
    CommandResult exported = Cli(Tokens::kSupervision, {"export", "projects", "--" + format, file});
    ASSERT_EQ(exported.exit_code, 0) << exported.out << exported.err;
    if (format == "csv") {
      std::ifstream in(file, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      // Rounded to 0.01 万元 as people read it, under a header that names the year.
      EXPECT_THAT(text.str(), HasSubstr("2025年计划投资（万元）"));
      EXPECT_THAT(text.str(), HasSubstr(",1234.57,1000.00,"));
      EXPECT_THAT(text.str(), HasSubstr(",12345.68,1000.01,"));
    }
    // A dry run: no change, no note.
    v1::ImportLedgerResponse dry = Import("projects", file, false);
    EXPECT_EQ(dry.unchanged(), 2) << format;
    EXPECT_EQ(dry.created() + dry.changed() + dry.errors(), 0) << format;
    EXPECT_EQ(dry.notes_size(), 0) << format << ": " << dry.DebugString();
    for (const v1::ImportRow& row : dry.rows()) {
      EXPECT_EQ(row.notes_size(), 0) << format << ": " << row.DebugString();
      EXPECT_EQ(row.commands_size(), 0) << format << ": " << row.DebugString();
    }
    // Applied: nothing to write, and nothing written.
    CommandResult applied = Cli(Tokens::kSupervision, {"import", "projects", file, "--apply"});
    EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_THAT(applied.out, HasSubstr("新建 0，变更 0，无变化 2，错误 0"));
    EXPECT_THAT(applied.out, HasSubstr("无需写入"));
    EXPECT_EQ(Head(), after) << format;
  }
}

// A few hundred rows, applied several at a time: every project is there, the
// reply lists the rows in file order; a part applied first (an apply cut
// short) is finished by the whole file, each command once; the same file
// again writes nothing.
TEST_F(ImportServerTest, AFewHundredRowsApplyAndARetryWritesNothing) {
  constexpr int kRows = 300;
  constexpr int kFirstPart = 120;
  const std::string header =
      "项目代码,项目名称,建设单位,牵头单位,分包领导,项目级别,总投资（万元）,"
      "2025年计划投资（万元）\n";
  std::string part = header;
  std::string whole = header;
  for (int i = 0; i < kRows; ++i) {
    const std::string row =
        absl::StrFormat("2025-530115-47-01-%06d,项目%d,业主%d,自然资源局,张副区长,市重点,%d.5,%d\n",
                        100000 + i, i, i % 7, 1000 + i, 100 + i);
    whole += row;
    if (i < kFirstPart) part += row;
  }
  testing::WriteFile(dir_ / "part.csv", part);
  testing::WriteFile(dir_ / "whole.csv", whole);
  const uint64_t empty = Head();

  v1::ImportLedgerResponse first = Import("projects", dir_ / "part.csv", true);
  ASSERT_TRUE(first.applied());
  ASSERT_EQ(first.created(), kFirstPart);
  const uint64_t after_part = Head();
  EXPECT_GE(after_part - empty, static_cast<uint64_t>(kFirstPart));

  v1::ImportLedgerResponse rest = Import("projects", dir_ / "whole.csv", true);
  ASSERT_TRUE(rest.applied());
  EXPECT_EQ(rest.created(), kRows - kFirstPart);
  EXPECT_EQ(rest.unchanged(), kFirstPart);
  EXPECT_EQ(rest.errors(), 0);
  ASSERT_EQ(rest.rows_size(), kRows);
  for (int i = 0; i < kRows; ++i) {
    EXPECT_EQ(rest.rows(i).row(), i + 2);
    EXPECT_EQ(rest.rows(i).action(),
              i < kFirstPart ? v1::ImportRow::ACTION_UNCHANGED : v1::ImportRow::ACTION_CREATE);
  }
  const uint64_t after_whole = Head();
  EXPECT_GE(after_whole - after_part, static_cast<uint64_t>(kRows - kFirstPart));
  EXPECT_EQ(rest.last_position(), after_whole);

  v1::Ledger::Stub ledger(testing::Connect(daemon_->address()));
  v1::ListProjectsResponse list;
  ASSERT_TRUE(ledger.ListProjects(testing::Call(Tokens::kSupervision).get(), {}, &list).ok());
  EXPECT_EQ(list.projects_size(), kRows);
  v1::GetRequest get;
  get.set_id("2025-530115-47-01-100299");
  v1::ProjectReply last;
  ASSERT_TRUE(ledger.GetProject(testing::Call(Tokens::kSupervision).get(), get, &last).ok());
  EXPECT_EQ(last.state().info().name(), "项目299");
  EXPECT_EQ(last.state().info().total_investment_yuan(), 12995000);  // 1299.5 万元
  EXPECT_EQ(last.state().info().annual_plan_yuan(), 3990000);

  // The same file again: all unchanged, the log does not move.
  v1::ImportLedgerResponse again = Import("projects", dir_ / "whole.csv", true);
  EXPECT_EQ(again.unchanged(), kRows);
  EXPECT_EQ(again.created() + again.changed() + again.errors(), 0);
  EXPECT_EQ(Head(), after_whole);
}

}  // namespace
}  // namespace taizhang
