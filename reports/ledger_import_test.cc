// Planning an import: the header row found below a title row, synonyms and
// units of the headers, money read exactly, every error by row and column,
// rows the deciders refuse, existing projects and tasks (unchanged, changed,
// remarked), and request ids that depend on the content alone.
#include "reports/ledger_import.h"

#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/csv_writer.h"
#include "reports/ledger_columns.h"
#include "reports/ledger_sheets.h"
#include "reports/xlsx_writer.h"
#include "workflows/workflow_registry.h"

namespace taizhang::reports {
namespace {

using ::testing::HasSubstr;

using ::taizhang::testing::SourceDir;

constexpr char kCode1[] = "2025-530115-47-01-000011";
constexpr char kCode2[] = "2025-530115-47-01-000012";

// The headers as an exported ledger has them, under a title row.
constexpr char kProjectHeader[] =
    "重点项目台账（截至2025年3月1日）,,,,,,,,,\n"
    "序号,项目代码,项目名称,业主,责任单位,包抓领导,项目级别,\"总投资\n（万元）\","
    "2025年计划投资（万元）,计划开工,计划竣工,阶段,开工日期,形象进度\n";

class LedgerImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workflows::LedgerOptions options;
    options.policies_dir = SourceDir() + "/workflows/policies";
    auto project = workflows::WorkflowTraits<workflows::Project>::Load(options);
    ASSERT_TRUE(project.ok()) << project.status();
    auto task = workflows::WorkflowTraits<workflows::Task>::Load(options);
    ASSERT_TRUE(task.ok()) << task.status();
    project_ = std::move(*project);
    task_ = std::move(*task);
    ctx_.projects = project_.get();
    ctx_.tasks = task_.get();
    ctx_.find_project = [this](const std::string& code) -> std::optional<v1::ProjectState> {
      auto it = projects_.find(code);
      if (it == projects_.end()) return std::nullopt;
      return it->second;
    };
    ctx_.find_task = [this](const std::string& id) -> std::optional<v1::TaskState> {
      auto it = tasks_.find(id);
      if (it == tasks_.end()) return std::nullopt;
      return it->second;
    };
    ctx_.now = absl::FromUnixSeconds(1740758400);  // 2025-03-01 00:00 China time
    ctx_.actor = "supervision:督查室";
  }

  ImportPlan Plan(v1::LedgerKind kind, const std::string& content) {
    absl::StatusOr<ImportPlan> plan = PlanImport(kind, content, ctx_);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : ImportPlan();
  }
  ImportPlan Projects(const std::string& rows) {
    return Plan(v1::LEDGER_KIND_PROJECTS, kProjectHeader + rows);
  }

  // Applies what the plan would send, as the engine would.
  void Apply(const ImportPlan& plan) {
    for (const PlannedCommand& c : plan.commands) {
      engine::DecideContext d;
      d.now = d.occurred_at = ctx_.now;
      d.actor = ctx_.actor;
      engine::EventContext e;
      e.occurred_at = e.recorded_at = ctx_.now;
      if (const auto* p = std::get_if<v1::ProjectCommand>(&c.command)) {
        d.stream = workflows::ProjectStream(c.id);
        v1::ProjectState& s = projects_[c.id];
        d.version = s.info().code().empty() ? 0 : 1;
        auto events = project_->Decide(s, *p, d);
        ASSERT_TRUE(events.ok()) << events.status();
        for (const auto& ev : *events) project_->Apply(&s, ev, e);
      } else {
        d.stream = workflows::TaskStream(c.id);
        v1::TaskState& s = tasks_[c.id];
        auto events = task_->Decide(s, std::get<v1::TaskCommand>(c.command), d);
        ASSERT_TRUE(events.ok()) << events.status();
        for (const auto& ev : *events) task_->Apply(&s, ev, e);
      }
    }
  }

  // "row|column|message" of every problem of the plan.
  static std::vector<std::string> Problems(const ImportPlan& plan) {
    std::vector<std::string> out;
    for (const v1::ImportRow& row : plan.response.rows()) {
      for (const v1::ImportProblem& p : row.problems()) {
        out.push_back(absl::StrCat(p.row(), "|", p.column(), "|", p.message()));
      }
    }
    return out;
  }

  std::unique_ptr<workflows::Project> project_;
  std::unique_ptr<workflows::Task> task_;
  std::map<std::string, v1::ProjectState> projects_;
  std::map<std::string, v1::TaskState> tasks_;
  ImportContext ctx_;
};

std::string Row(std::vector<std::string> cells) { return absl::StrJoin(cells, ",") + "\n"; }

std::string GoodRow(const std::string& code, const std::string& plan = "5000") {
  return Row({"1", code, "晋宁吾悦广场", "昆明万达", "自然资源局", "张副区长", "区（县）重点",
              "\"29,350.5\"", plan, "2025/4/1", "2027年12月31日", "储备", "", "正常"});
}

TEST_F(LedgerImportTest, HeaderBelowTitleSynonymsAndExactMoney) {
  ImportPlan plan = Projects(GoodRow(kCode1) + Row({"", "合计", "", "", "", "", "", "29350.5"}));
  const v1::ImportLedgerResponse& r = plan.response;
  EXPECT_EQ(r.header_row(), 2);
  EXPECT_EQ(r.format(), v1::DOCUMENT_FORMAT_CSV);
  ASSERT_EQ(r.rows_size(), 1);
  EXPECT_EQ(r.rows(0).row(), 3);
  EXPECT_EQ(r.rows(0).action(), v1::ImportRow::ACTION_CREATE);
  EXPECT_EQ(r.rows(0).stream(), absl::StrCat("project/", kCode1));
  EXPECT_EQ(r.created(), 1);
  EXPECT_EQ(r.errors(), 0);
  // 形象进度 is not imported, the 合计 row is left out: both said.
  ASSERT_EQ(r.notes_size(), 2);
  EXPECT_EQ(r.notes(0).row(), 2);
  EXPECT_EQ(r.notes(0).column(), "形象进度");
  EXPECT_EQ(r.notes(1).row(), 4);
  EXPECT_THAT(r.notes(1).message(), HasSubstr("合计"));

  ASSERT_EQ(plan.commands.size(), 1u);
  const v1::ProjectInfo& info =
      std::get<v1::ProjectCommand>(plan.commands[0].command).register_().info();
  EXPECT_EQ(info.code(), kCode1);
  EXPECT_EQ(info.owner(), "昆明万达");               // 业主
  EXPECT_EQ(info.lead_unit(), "自然资源局");         // 责任单位
  EXPECT_EQ(info.responsible_leader(), "张副区长");  // 包抓领导
  EXPECT_EQ(info.level(), v1::PROJECT_LEVEL_DISTRICT);
  EXPECT_EQ(info.total_investment_yuan(), 293505000);  // 29,350.5 万元, exactly
  EXPECT_EQ(info.plan_year(), 2025);                   // from the header "2025年计划投资"
  EXPECT_EQ(info.annual_plan_yuan(), 50000000);
  EXPECT_EQ(info.planned_start_on(), "2025-04-01");
  EXPECT_EQ(info.planned_finish_on(), "2027-12-31");
  EXPECT_EQ(info.initial_stage(), v1::PROJECT_STAGE_RESERVE_AGREEMENT);
  EXPECT_THAT(r.rows(0).commands(0), HasSubstr("总投资 29350.5 万元"));
  EXPECT_THAT(plan.commands[0].request_id, ::testing::StartsWith("import:"));
  EXPECT_EQ(plan.commands[0].request_id.size(), 7u + 64u);
}

TEST_F(LedgerImportTest, MoneyInEveryUnitWithoutRounding) {
  using internal::MoneyUnit;
  using internal::ParseMoney;
  EXPECT_EQ(*ParseMoney("0.0001", MoneyUnit::kWanYuan), 1);
  EXPECT_EQ(*ParseMoney("1,234,567.8901", MoneyUnit::kWanYuan), 12345678901);
  EXPECT_EQ(*ParseMoney("29.35", MoneyUnit::kYiYuan), 2935000000);
  EXPECT_EQ(*ParseMoney("０.１万元", MoneyUnit::kYuan), 1000);  // the cell's unit wins
  EXPECT_FALSE(ParseMoney("0.30000000000000004", MoneyUnit::kYiYuan).ok());
  EXPECT_FALSE(ParseMoney("0.00001", MoneyUnit::kWanYuan).ok());
  EXPECT_FALSE(ParseMoney("-5", MoneyUnit::kWanYuan).ok());
  EXPECT_FALSE(ParseMoney("1e3", MoneyUnit::kWanYuan).ok());
  EXPECT_FALSE(ParseMoney("99999999999999999999", MoneyUnit::kWanYuan).ok());
  EXPECT_EQ(internal::FormatWanYuan(293505000), "29350.5");
  EXPECT_EQ(internal::FormatWanYuan(1), "0.0001");
}

TEST_F(LedgerImportTest, MoneyAsChineseOfficesTypeIt) {
  using internal::MoneyUnit;
  using internal::ParseMoney;
  const MoneyUnit wan = MoneyUnit::kWanYuan;
  EXPECT_EQ(*ParseMoney("２９，３５０．５", wan), 293505000);  // full-width throughout
  EXPECT_EQ(*ParseMoney("29，350.5", wan), 293505000);
  EXPECT_EQ(*ParseMoney("29 350.5", wan), 293505000);
  EXPECT_EQ(*ParseMoney("1,234,567", wan), 12345670000);
  EXPECT_EQ(*ParseMoney("5000万元", wan), 50000000);
  EXPECT_EQ(*ParseMoney("5000 万", wan), 50000000);
  EXPECT_EQ(*ParseMoney("2.5亿", wan), 250000000);
  EXPECT_EQ(*ParseMoney("3亿元", wan), 300000000);
  EXPECT_EQ(*ParseMoney("12,000元", wan), 12000);
  EXPECT_EQ(*ParseMoney("￥1,000", wan), 10000000);
  EXPECT_EQ(*ParseMoney("¥ 1000万元", wan), 10000000);
  EXPECT_EQ(*ParseMoney("+10", wan), 100000);
  // What could be read two ways is refused, saying why.
  for (const char* text : {"1，2", "1,2345", "12,34", ",123", "1,,234", "1,234,5", "1.234,5",
                           "1,234.567,8", "1,234.5.6", "1 2", "1 234,5"}) {
    absl::StatusOr<int64_t> m = ParseMoney(text, wan);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(m.status().message(), HasSubstr("有歧义")) << text;
    EXPECT_THAT(m.status().message(), HasSubstr(text)) << text;
  }
  for (const char* text :
       {"", "万元", "约5000", "5000左右", "一千万", "5000。5", "1.2.3", "5000$"}) {
    absl::StatusOr<int64_t> m = ParseMoney(text, wan);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(m.status().message(), HasSubstr("不是金额")) << text;
  }
  EXPECT_THAT(ParseMoney("－5", wan).status().message(), HasSubstr("负数"));

  // The precision written: the last decimal, never coarser than 0.01 of the
  // unit (as an export writes it).
  auto precision = [](const char* text, MoneyUnit unit) {
    return internal::ParseAmount(text, unit)->precision_yuan;
  };
  EXPECT_EQ(precision("1234.57", wan), 100);
  EXPECT_EQ(precision("1235", wan), 100);
  EXPECT_EQ(precision("1234.5", wan), 100);
  EXPECT_EQ(precision("1234.568", wan), 10);
  EXPECT_EQ(precision("1234.5678", wan), 1);
  EXPECT_EQ(precision("1234.50", MoneyUnit::kYiYuan), 1000000);
  EXPECT_EQ(precision("12345678", MoneyUnit::kYuan), 1);
  const internal::Money exported = *internal::ParseAmount("1234.57", wan);
  EXPECT_TRUE(internal::SameAtPrecision(exported, 12345678));  // 1234.5678 万元
  EXPECT_TRUE(internal::SameAtPrecision(exported, 12345650));  // half rounds away from zero
  EXPECT_FALSE(internal::SameAtPrecision(exported, 12345649));
  EXPECT_FALSE(internal::SameAtPrecision(exported, 12345750));
  EXPECT_FALSE(internal::SameAtPrecision(*internal::ParseAmount("1235", wan), 12345678));
  EXPECT_TRUE(internal::SameAtPrecision(*internal::ParseAmount("1234.5678", wan), 12345678));
  EXPECT_FALSE(internal::SameAtPrecision(*internal::ParseAmount("1234.5677", wan), 12345678));
}

TEST_F(LedgerImportTest, AmbiguousMoneyIsAnErrorOfItsRowAndColumn) {
  ImportPlan plan = Projects(GoodRow(kCode1) + GoodRow(kCode2, "\"1，5\""));
  EXPECT_EQ(plan.response.created(), 1);
  EXPECT_EQ(plan.response.errors(), 1);
  ASSERT_EQ(plan.commands.size(), 1u);
  EXPECT_EQ(plan.commands[0].id, kCode1);
  const std::vector<std::string> problems = Problems(plan);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], ::testing::StartsWith("4|2025年计划投资（万元）|“1，5”有歧义"));
}

TEST_F(LedgerImportTest, EveryErrorByRowAndColumn) {
  ImportPlan plan =
      Projects(GoodRow(kCode1) +
               // Row 4: the same code again.
               GoodRow(kCode1) +
               // Row 5: a bad code, a missing owner, an unknown level, money that is not.
               Row({"3", "2025-530115-47-01-00001", "X", "", "自然资源局", "张副区长", "国家级",
                    "abc", "", "", "", "", "", ""}) +
               // Row 6: plan above total, finish before start, a date that does not exist.
               Row({"4", kCode2, "Y", "业主", "自然资源局", "张副区长", "市重点", "100", "200",
                    "2025-06-01", "2025-05-01", "", "", ""}) +
               // Row 7: in construction without a start day; more decimals than 元.
               Row({"5", "2025-530115-47-01-000013", "Z", "业主", "自然资源局", "张副区长",
                    "省重点", "100.00001", "", "2025-02-30", "", "在建", "", ""}) +
               // Row 8: the decider refuses a start after the registration day.
               Row({"6", "2025-530115-47-01-000014", "W", "业主", "自然资源局", "张副区长",
                    "省重点", "100", "", "", "", "新开工", "2025-03-02", ""}) +
               // Row 9: completed projects are not imported.
               Row({"7", "2025-530115-47-01-000015", "V", "业主", "自然资源局", "张副区长",
                    "省重点", "100", "", "", "", "竣工投产", "2020-01-01", ""}));
  const v1::ImportLedgerResponse& r = plan.response;
  EXPECT_EQ(r.created(), 1);
  EXPECT_EQ(r.errors(), 6);
  for (int i = 1; i < r.rows_size(); ++i) {
    EXPECT_EQ(r.rows(i).action(), v1::ImportRow::ACTION_ERROR) << r.rows(i).row();
  }
  // Only the good row's command is planned.
  ASSERT_EQ(plan.commands.size(), 1u);
  const std::vector<std::string> problems = Problems(plan);
  auto has = [&](const std::string& prefix, const std::string& words) {
    for (const std::string& p : problems) {
      if (absl::StartsWith(p, prefix) && absl::StrContains(p, words)) return true;
    }
    ADD_FAILURE() << "no problem " << prefix << " … " << words << " in:\n"
                  << absl::StrJoin(problems, "\n");
    return false;
  };
  has("4|项目代码|", "与第 3 行的项目代码重复");
  has("5|项目代码|", "格式不对");
  has("5|业主|", "必填");
  has("5|项目级别|", "国家级");
  has("5|总投资（万元）|", "不是金额");
  has("6|2025年计划投资（万元）|", "大于总投资");
  has("6|计划竣工|", "早于计划开工");
  has("7|计划开工|", "不是存在的日期");
  has("7|总投资（万元）|", "最多 4 位小数");
  has("7|开工日期|", "须填开工日期");
  has("8|开工日期|", "系统不接受");
  has("9|阶段|", "已竣工投产");
  EXPECT_EQ(problems.size(), 12u) << absl::StrJoin(problems, "\n");
}

TEST_F(LedgerImportTest, HeaderProblemsRefuseTheFile) {
  auto refused = [&](v1::LedgerKind kind, const std::string& content, const std::string& words) {
    absl::StatusOr<ImportPlan> plan = PlanImport(kind, content, ctx_);
    ASSERT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument) << content;
    EXPECT_THAT(plan.status().message(), HasSubstr(words));
  };
  refused(v1::LEDGER_KIND_PROJECTS, "标题\n名称,代码号\n", "找不到表头");
  refused(v1::LEDGER_KIND_PROJECTS, "项目代码,项目名称,业主\n", "缺少必需的列");
  refused(v1::LEDGER_KIND_PROJECTS, "项目代码,项目名称,业主\n", "分包领导（或 包抓领导");
  refused(v1::LEDGER_KIND_PROJECTS,
          "项目代码,项目名称,业主,责任单位,牵头单位,分包领导,项目级别,总投资\n",
          "列“责任单位”和“牵头单位”都表示“牵头单位”");
  refused(v1::LEDGER_KIND_TASKS, kProjectHeader, "找不到表头");
  refused(v1::LEDGER_KIND_CASE_ITEMS, kProjectHeader, "只能导入");
  refused(v1::LEDGER_KIND_PROJECTS, "", "空");
  ctx_.max_rows = 2;
  refused(v1::LEDGER_KIND_PROJECTS,
          std::string(kProjectHeader) + GoodRow(kCode1) + GoodRow(kCode2) +
              GoodRow("2025-530115-47-01-000013"),
          "超过导入上限 2 行");
  ctx_.max_bytes = 10;
  refused(v1::LEDGER_KIND_PROJECTS, kProjectHeader, "超过导入上限");
}

TEST_F(LedgerImportTest, ExistingProjectsUnchangedChangedOrRemarked) {
  ImportPlan first = Projects(GoodRow(kCode1));
  ASSERT_NO_FATAL_FAILURE(Apply(first));
  // The same file again: nothing to send.
  ImportPlan again = Projects(GoodRow(kCode1));
  ASSERT_EQ(again.response.rows_size(), 1);
  EXPECT_EQ(again.response.rows(0).action(), v1::ImportRow::ACTION_UNCHANGED);
  EXPECT_EQ(again.response.rows(0).notes_size(), 0);
  EXPECT_TRUE(again.commands.empty());
  EXPECT_EQ(again.response.unchanged(), 1);

  // Another plan for the year: SetProjectAnnualPlan, with its own request id.
  ImportPlan changed = Projects(GoodRow(kCode1, "6000"));
  ASSERT_EQ(changed.commands.size(), 1u);
  EXPECT_EQ(changed.response.rows(0).action(), v1::ImportRow::ACTION_CHANGE);
  const auto& set = std::get<v1::ProjectCommand>(changed.commands[0].command).set_annual_plan();
  EXPECT_EQ(set.year(), 2025);
  EXPECT_EQ(set.amount_yuan(), 60000000);
  EXPECT_NE(changed.commands[0].request_id, first.commands[0].request_id);
  EXPECT_EQ(Projects(GoodRow(kCode1, "6000")).commands[0].request_id,
            changed.commands[0].request_id);
  ASSERT_NO_FATAL_FAILURE(Apply(changed));
  // Back to 5000 later is a new change, not taken for the first request.
  ImportPlan back = Projects(GoodRow(kCode1, "5000"));
  ASSERT_EQ(back.commands.size(), 1u);
  EXPECT_NE(back.commands[0].request_id, first.commands[0].request_id);

  // A registered fact that differs is remarked, never rewritten.
  std::string renamed = GoodRow(kCode1, "6000");
  renamed.replace(renamed.find("晋宁吾悦广场"), std::string("晋宁吾悦广场").size(), "吾悦广场二期");
  ImportPlan remarked = Projects(renamed);
  ASSERT_EQ(remarked.response.rows(0).action(), v1::ImportRow::ACTION_UNCHANGED);
  ASSERT_EQ(remarked.response.rows(0).notes_size(), 1);
  EXPECT_EQ(remarked.response.rows(0).notes(0).column(), "项目名称");
  EXPECT_THAT(remarked.response.rows(0).notes(0).message(), HasSubstr("晋宁吾悦广场"));
}

// The projects ledger exported (XLSX and CSV) and imported back reads as
// nothing changed, though its money is rounded to 0.01 万元 and the system
// holds it to the 元: no row to create or change, no remark, nothing to send.
TEST_F(LedgerImportTest, AnExportedProjectLedgerImportedBackChangesNothing) {
  // 1234.5678 万元 in total, 1000.0049 万元 planned for 2025 (rounds down),
  // and a project with no plan for the year exported.
  std::string fine = GoodRow(kCode1, "1000.0049");
  fine.replace(fine.find("\"29,350.5\""), std::string("\"29,350.5\"").size(), "1234.5678");
  ASSERT_NO_FATAL_FAILURE(Apply(Projects(fine + GoodRow(kCode2, "1000.005"))));
  ASSERT_EQ(projects_.size(), 2u);
  ASSERT_EQ(projects_[kCode1].info().total_investment_yuan(), 12345678);
  ASSERT_EQ(projects_[kCode2].plans(0).amount_yuan(), 10000050);

  LedgerSelection selection;
  selection.day = absl::CivilDay(2025, 3, 1);
  for (const auto& [code, state] : projects_) {
    selection.of<workflows::Project>().push_back({&state, project_->View(state, ctx_.now)});
  }
  absl::StatusOr<Sheet> sheet = BuildLedgerSheet(v1::LEDGER_KIND_PROJECTS, selection);
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  ASSERT_EQ(sheet->columns[6].header, "2025年计划投资（万元）");
  absl::StatusOr<std::string> xlsx = WriteXlsx(*sheet);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  const std::string csv = WriteCsv(*sheet);
  ASSERT_THAT(csv, HasSubstr(",1234.57,1000.00,"));  // rounded as people read it
  ASSERT_THAT(csv, HasSubstr(",1000.01,"));

  for (const std::string* file : std::vector<const std::string*>{&*xlsx, &csv}) {
    ImportPlan back = Plan(v1::LEDGER_KIND_PROJECTS, *file);
    const v1::ImportLedgerResponse& r = back.response;
    EXPECT_EQ(r.header_row(), 2);
    EXPECT_EQ(r.unchanged(), 2);
    EXPECT_EQ(r.created() + r.changed() + r.errors(), 0);
    EXPECT_TRUE(back.commands.empty());
    EXPECT_EQ(r.notes_size(), 0) << r.notes(0).column() << r.notes(0).message();
    for (const v1::ImportRow& row : r.rows()) {
      EXPECT_EQ(row.notes_size(), 0) << row.row() << ": " << row.notes(0).message();
    }
  }

  // A change at the file's precision is still a change: 1000.00 -> 1000.02.
  std::string edited = csv;
  edited.replace(edited.find(",1234.57,1000.00,"), std::string(",1234.57,1000.00,").size(),
                 ",1234.57,1000.02,");
  ImportPlan changed = Plan(v1::LEDGER_KIND_PROJECTS, edited);
  EXPECT_EQ(changed.response.changed(), 1);
  ASSERT_EQ(changed.commands.size(), 1u);
  EXPECT_EQ(
      std::get<v1::ProjectCommand>(changed.commands[0].command).set_annual_plan().amount_yuan(),
      10000200);
}

TEST_F(LedgerImportTest, RequestIdsDependOnContentOnly) {
  ImportPlan a = Projects(GoodRow(kCode1) + GoodRow(kCode2));
  ImportPlan b = Plan(v1::LEDGER_KIND_PROJECTS, std::string("\xEF\xBB\xBF") + kProjectHeader +
                                                    GoodRow(kCode2) + GoodRow(kCode1));
  ASSERT_EQ(a.commands.size(), 2u);
  ASSERT_EQ(b.commands.size(), 2u);
  EXPECT_EQ(a.commands[0].request_id, b.commands[1].request_id);
  EXPECT_EQ(a.commands[1].request_id, b.commands[0].request_id);
  EXPECT_NE(a.commands[0].request_id, a.commands[1].request_id);
}

TEST_F(LedgerImportTest, AnApplyCutShortFinishesOnce) {
  ImportPlan whole = Projects(GoodRow(kCode1) + GoodRow(kCode2));
  ASSERT_EQ(whole.commands.size(), 2u);
  ImportPlan first_only = whole;
  first_only.commands.resize(1);
  ASSERT_NO_FATAL_FAILURE(Apply(first_only));  // cut short after the first command
  ImportPlan retry = Projects(GoodRow(kCode1) + GoodRow(kCode2));
  EXPECT_EQ(retry.response.unchanged(), 1);
  EXPECT_EQ(retry.response.created(), 1);
  ASSERT_EQ(retry.commands.size(), 1u);
  EXPECT_EQ(retry.commands[0].id, kCode2);
  // The same request as the first attempt would have sent.
  EXPECT_EQ(retry.commands[0].request_id, whole.commands[1].request_id);
}

constexpr char kTaskHeader[] =
    "任务台账\n序号,任务编号,项目代码,项目名称,任务名称,牵头单位,责任人,完成时限,时限规则,起算日期,"
    "备注\n";

TEST_F(LedgerImportTest, TasksAndTheirErrors) {
  ASSERT_NO_FATAL_FAILURE(Apply(Projects(GoodRow(kCode1))));
  const std::string rows =
      Row({"1", "", kCode1, "吾悦", "5号地块拆迁", "自然资源局、昆阳街道办", "王科长", "2025-06-30",
           "", "", "急"}) +
      Row({"2", "T2", kCode1, "吾悦", "供地", "自然资源局", "", "", "15个工作日", "2025-03-03",
           ""}) +
      Row({"3", "T3", kCode2, "", "发证", "自然资源局", "", "", "", "", ""}) +  // no project
      Row({"4", "T2", kCode1, "", "重复", "自然资源局", "", "", "", "", ""}) +  // same id
      Row({"5", "T5", kCode1, "", "过期", "自然资源局", "", "2025-02-01", "", "", ""}) +  // past
      Row({"6", "T6", kCode1, "", "两个时限", "自然资源局", "", "2025-06-30", "30天", "", ""}) +
      Row({"7", "T7", kCode1, "", "", "住建局，住建局", "", "下个月", "", "", ""}) +
      Row({"8", "T8", kCode1, "", "起算无规则", "住建局", "", "2025-06-30", "", "2025-03-03", ""});
  ImportPlan plan = Plan(v1::LEDGER_KIND_TASKS, kTaskHeader + rows);
  const v1::ImportLedgerResponse& r = plan.response;
  EXPECT_EQ(r.header_row(), 2);
  EXPECT_EQ(r.created(), 2);
  EXPECT_EQ(r.errors(), 6);
  ASSERT_EQ(plan.commands.size(), 2u);
  const v1::CreateTask& t1 = std::get<v1::TaskCommand>(plan.commands[0].command).create();
  EXPECT_THAT(t1.task_id(), ::testing::StartsWith(absl::StrCat(kCode1, "-")));
  EXPECT_EQ(t1.responsible_units_size(), 2);
  EXPECT_EQ(t1.deadline().rule().kind(), v1::DeadlineRule::FIXED_DATE);
  EXPECT_EQ(t1.deadline().rule().fixed_date(), "2025-06-30");
  EXPECT_EQ(t1.description(), "责任人：王科长\n备注：急");
  const v1::CreateTask& t2 = std::get<v1::TaskCommand>(plan.commands[1].command).create();
  EXPECT_EQ(t2.task_id(), "T2");
  EXPECT_EQ(t2.deadline().rule().kind(), v1::DeadlineRule::WORKING_DAYS);
  EXPECT_EQ(t2.deadline().rule().n(), 15);
  EXPECT_EQ(t2.deadline().start_date(), "2025-03-03");

  const std::vector<std::string> problems = Problems(plan);
  auto has = [&](const std::string& prefix, const std::string& words) {
    for (const std::string& p : problems) {
      if (absl::StartsWith(p, prefix) && absl::StrContains(p, words)) return;
    }
    ADD_FAILURE() << prefix << " … " << words << " not in:\n" << absl::StrJoin(problems, "\n");
  };
  has("5|项目代码|", "尚未登记");
  has("6|任务编号|", "与第 4 行是同一任务");
  has("7|完成时限|", "早于今天");
  has("8|时限规则|", "只填一项");
  has("9|任务名称|", "必填");
  has("9|牵头单位|", "写了两次");
  has("9|完成时限|", "不是时限");
  has("10|起算日期|", "只有按天数计的时限");
  EXPECT_EQ(problems.size(), 8u) << absl::StrJoin(problems, "\n");

  // Created, then the same ledger with another limit: unchanged, remarked.
  ASSERT_NO_FATAL_FAILURE(Apply(plan));
  std::string moved =
      kTaskHeader + Row({"1", "", kCode1, "吾悦", "5号地块拆迁", "自然资源局、昆阳街道办", "王科长",
                         "2025-07-31", "", "", "急"});
  ImportPlan again = Plan(v1::LEDGER_KIND_TASKS, moved);
  ASSERT_EQ(again.response.rows_size(), 1);
  EXPECT_EQ(again.response.rows(0).action(), v1::ImportRow::ACTION_UNCHANGED);
  EXPECT_TRUE(again.commands.empty());
  ASSERT_EQ(again.response.rows(0).notes_size(), 1);
  EXPECT_EQ(again.response.rows(0).notes(0).column(), "完成时限");
  EXPECT_THAT(again.response.rows(0).notes(0).message(), HasSubstr("延期"));
}

TEST_F(LedgerImportTest, TheApiChecksOfARequestNameTheColumn) {
  ctx_.check_fields = [](const google::protobuf::Message& command) -> absl::Status {
    const auto& p = static_cast<const v1::ProjectCommand&>(command);
    if (p.register_().info().name().size() > 30) {
      return absl::InvalidArgumentError("register.info.name: at most 10 characters");
    }
    return absl::OkStatus();
  };
  std::string long_name = GoodRow(kCode1);
  long_name.replace(long_name.find("晋宁吾悦广场"), std::string("晋宁吾悦广场").size(),
                    "晋宁吾悦广场晋宁吾悦广场晋宁吾悦广场");
  ImportPlan plan = Projects(long_name + GoodRow(kCode2));
  EXPECT_EQ(plan.response.errors(), 1);
  EXPECT_EQ(plan.commands.size(), 1u);
  ASSERT_EQ(plan.response.rows(0).problems_size(), 1);
  EXPECT_EQ(plan.response.rows(0).problems(0).column(), "项目名称");
  EXPECT_THAT(plan.response.rows(0).problems(0).message(), HasSubstr("at most 10 characters"));
}

TEST_F(LedgerImportTest, CellsAsOfficesWriteThem) {
  EXPECT_EQ(*internal::ParseDay("2020年7月5日"), "2020-07-05");
  EXPECT_EQ(*internal::ParseDay("20200705"), "2020-07-05");
  EXPECT_EQ(*internal::ParseDay("2020.7.5"), "2020-07-05");
  EXPECT_EQ(*internal::ParseDay("2025-04-01 00:00:00"), "2025-04-01");
  EXPECT_EQ(*internal::ParseDay("45748"), "2025-04-01");  // a serial without its date format
  EXPECT_FALSE(internal::ParseDay("12345").ok());
  EXPECT_FALSE(internal::ParseDay("2020-7-5-1").ok());
  EXPECT_THAT(internal::ParseDay("2020年7月").status().message(), HasSubstr("只写到月"));
  EXPECT_EQ(*internal::ParseLevel("省重点"), v1::PROJECT_LEVEL_PROVINCIAL);
  EXPECT_EQ(*internal::ParseLevel("市级重点项目"), v1::PROJECT_LEVEL_MUNICIPAL);
  EXPECT_EQ(*internal::ParseLevel("区(县)重点"), v1::PROJECT_LEVEL_DISTRICT);
  EXPECT_EQ(*internal::ParseStage("续建"), v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
  EXPECT_EQ(*internal::ParseStage("储备(施工前准备)"), v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION);
  EXPECT_EQ(internal::ParseDeadlineRule("30个自然日")->kind(), v1::DeadlineRule::CALENDAR_DAYS);
  EXPECT_EQ(internal::ParseDeadlineRule("无时限")->kind(), v1::DeadlineRule::NONE);
  EXPECT_THAT(internal::SplitUnits("自然资源局、 住建局；昆阳街道办\n"),
              ::testing::ElementsAre("自然资源局", "住建局", "昆阳街道办"));
}

}  // namespace
}  // namespace taizhang::reports
