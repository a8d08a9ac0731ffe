// The five ledgers' rows from states and views made by hand: which columns,
// which values (万元, rates, flags, labels), which fills; one row per case
// item; the slips of every stream with their state on the day.
#include "reports/ledger_sheets.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/csv_writer.h"
#include "reports/labels.h"
#include "reports/xlsx_writer.h"

namespace taizhang::reports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using workflows::ApprovalCase;
using workflows::Problem;
using workflows::Project;
using workflows::Task;

int64_t Micros(int y, int m, int d) {
  return absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(y, m, d), engine::ChinaTime()));
}

// The text of `header`'s cell in `row`.
std::string At(const Sheet& s, size_t row, const std::string& header) {
  for (size_t c = 0; c < s.columns.size(); ++c) {
    if (s.columns[c].header == header) return CellText(s.columns[c], s.rows[row][c]);
  }
  ADD_FAILURE() << "no column " << header;
  return "";
}
v1::Light FillAt(const Sheet& s, size_t row, const std::string& header) {
  for (size_t c = 0; c < s.columns.size(); ++c) {
    if (s.columns[c].header == header) return s.rows[row][c].fill;
  }
  return v1::LIGHT_UNSPECIFIED;
}

v1::SupervisionRung Rung(const std::string& number, v1::Issue issue, const std::string& due_on,
                         int64_t raised_us) {
  v1::SupervisionRung r;
  r.mutable_raised()->set_slip_number(number);
  r.mutable_raised()->set_issues(issue);
  r.mutable_raised()->set_rectification_due_on(due_on);
  r.mutable_raised()->set_raised_at_us(raised_us);
  r.mutable_raised()->set_matter("5号地块征地");
  r.mutable_raised()->mutable_parties()->add_units("昆阳街道办");
  r.mutable_raised()->mutable_parties()->add_unit_heads("");
  r.mutable_raised()->mutable_parties()->add_unit_heads("李主任");
  r.mutable_raised()->mutable_parties()->set_leader("张副区长");
  return r;
}

class LedgerSheetsTest : public ::testing::Test {
 protected:
  LedgerSheetsTest() {
    v1::ProjectState& p = as_of_.of<Project>().emplace_back();
    v1::ProjectInfo* info = p.mutable_info();
    info->set_code("2026-530115-47-01-000001");
    info->set_name("吾悦广场");
    info->set_level(v1::PROJECT_LEVEL_MUNICIPAL);
    info->set_owner("昆明万达");
    info->set_total_investment_yuan(1'234'567'890);
    info->set_plan_year(2026);
    info->set_annual_plan_yuan(100'000'000);
    info->set_lead_unit("区住建局");
    info->set_lead_person("王科长");
    info->set_responsible_leader("张副区长");
    info->set_planned_start_on("2026-03-01");
    p.add_plans()->set_year(2026);
    p.mutable_plans(0)->set_amount_yuan(200'000'000);  // revised: it replaces info's
    auto* r = p.add_reports();
    r->set_month("2026-09");
    r->set_cumulative_yuan(120'000'000);
    r = p.add_reports();
    r->set_month("2026-12");  // after the day: not counted
    r->set_cumulative_yuan(190'000'000);
    p.set_stage(v1::PROJECT_STAGE_RESERVE_DESIGN);
    *p.add_rungs() = Rung("project/x/monthly/1/notice", v1::ISSUE_SUPERVISION_NOTICE, "2026-11-10",
                          Micros(2026, 11, 3));
    *p.add_rungs() =
        Rung("project/x/monthly/1/listing", v1::ISSUE_LISTING, "", Micros(2026, 11, 4));
    as_of_.IndexProjects();
    selection_.ledger = &as_of_;
    selection_.day = absl::CivilDay(2026, 11, 15);
    v1::ProjectView v;
    v.set_light(v1::LIGHT_RED);
    v.set_stage(p.stage());
    v.set_start_overdue(true);
    v.add_nodes()->set_done(true);
    v.add_nodes()->set_late(true);
    selection_.of<Project>().push_back({&p, v});
  }

  workflows::LedgerAsOf as_of_;
  LedgerSelection selection_;
};

TEST_F(LedgerSheetsTest, ProjectsInWanYuanWithRatesFlagsAndLights) {
  auto s = BuildLedgerSheet(v1::LEDGER_KIND_PROJECTS, selection_);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->TitleLine(), "重点项目台账（截至2026年11月15日）");
  ASSERT_EQ(s->rows.size(), 1u);
  EXPECT_EQ(At(*s, 0, "序号"), "1");
  EXPECT_EQ(At(*s, 0, "项目级别"), "市重点");
  EXPECT_EQ(At(*s, 0, "总投资（万元）"), "123456.79");
  EXPECT_EQ(At(*s, 0, "2026年计划投资（万元）"), "20000.00");
  EXPECT_EQ(At(*s, 0, "累计完成投资（万元）"), "12000.00");
  EXPECT_EQ(At(*s, 0, "填报截至"), "2026-09");
  EXPECT_EQ(At(*s, 0, "投资完成率"), "60.00%");
  EXPECT_EQ(At(*s, 0, "时间进度"), "83.33%");  // ten months ended by 11-15
  EXPECT_EQ(At(*s, 0, "亮灯"), "红灯");
  EXPECT_EQ(FillAt(*s, 0, "亮灯"), v1::LIGHT_RED);
  EXPECT_EQ(At(*s, 0, "项目进展"), "储备（初步设计及施工图设计）");
  EXPECT_EQ(At(*s, 0, "应开工未开工"), "是");
  EXPECT_EQ(At(*s, 0, "应竣工未竣工"), "");
  EXPECT_EQ(At(*s, 0, "责任单位"), "区住建局");
  EXPECT_EQ(At(*s, 0, "督办情况"), "挂牌督办1件；督办通知单1件（未回复1件）");
  EXPECT_EQ(At(*s, 0, "备注"), "节点1/2完成，逾期1个");
  // On the last day of November, November has ended too.
  selection_.day = absl::CivilDay(2026, 11, 30);
  EXPECT_EQ(At(*BuildLedgerSheet(v1::LEDGER_KIND_PROJECTS, selection_), 0, "时间进度"), "91.67%");
  for (const auto& row : s->rows) EXPECT_EQ(row.size(), s->columns.size());
  // The plan column names the day's year; a year without a plan is blank,
  // not 0 (imported again, a blank plans nothing).
  selection_.day = absl::CivilDay(2027, 1, 31);
  auto next_year = BuildLedgerSheet(v1::LEDGER_KIND_PROJECTS, selection_);
  ASSERT_TRUE(next_year.ok());
  EXPECT_EQ(next_year->columns[6].header, "2027年计划投资（万元）");
  EXPECT_EQ(At(*next_year, 0, "2027年计划投资（万元）"), "");
  EXPECT_EQ(next_year->rows[0][6].kind, Cell::Kind::kEmpty);
}

TEST_F(LedgerSheetsTest, OneRowPerCaseItemAndTheUnitFilterPicksItems) {
  v1::ApprovalCaseState c;
  c.set_case_id("LH-1");
  c.set_project_code("2026-530115-47-01-000001");
  c.set_responsible_leader("张副区长");
  v1::ApprovalCaseView v;
  v.set_case_id("LH-1");
  v.set_project_code(c.project_code());
  v.set_status(v1::APPROVAL_CASE_STATUS_OPEN);
  for (int i = 0; i < 3; ++i) {
    v1::CaseItem* item = c.add_items();
    item->set_item_id(absl::StrCat("i", i));
    item->mutable_clock()->mutable_deadline()->mutable_rule()->set_kind(
        v1::DeadlineRule::WORKING_DAYS);
    item->mutable_clock()->mutable_deadline()->mutable_rule()->set_n(5 * (i + 1));
    v1::CaseItemView* iv = v.add_items();
    iv->set_item_id(item->item_id());
    iv->set_name(absl::StrCat("事项", i));
    iv->set_department(i == 1 ? "区住建局" : "区自然资源局");
    iv->set_status(v1::APPROVAL_ITEM_STATUS_ACCEPTED);
    v1::CaseClockView* clock = iv->mutable_clock();
    clock->set_start_date("2026-11-02");
    clock->set_due_date("2026-11-20");
    clock->set_working_days_used(9);
    clock->set_working_days_suspended(i);
    clock->set_working_days_left(5 * (i + 1) - 9);
    clock->set_overdue(5 * (i + 1) - 9 < 0);
    clock->set_light(i == 0 ? v1::LIGHT_RED : v1::LIGHT_GREEN);
  }
  *c.add_rungs() = Rung("case/LH-1/item/i0/1/warn", v1::ISSUE_WARNING, "", Micros(2026, 11, 9));
  c.mutable_rungs(0)->mutable_raised()->set_subject("item/i0");
  selection_.of<ApprovalCase>().push_back({&c, v});
  auto s = BuildLedgerSheet(v1::LEDGER_KIND_CASE_ITEMS, selection_);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->rows.size(), 3u);
  EXPECT_EQ(At(*s, 0, "项目名称"), "吾悦广场");  // from the project's state
  EXPECT_EQ(At(*s, 0, "审批事项"), "事项0");
  EXPECT_EQ(At(*s, 0, "受理日期"), "2026-11-02");
  EXPECT_EQ(At(*s, 0, "办理时限"), "5个工作日");
  EXPECT_EQ(At(*s, 0, "剩余工作日"), "-4");
  EXPECT_EQ(At(*s, 0, "备注"), "逾期");
  EXPECT_EQ(At(*s, 0, "督办情况"), "预警提示1件");
  EXPECT_EQ(At(*s, 1, "督办情况"), "");
  EXPECT_EQ(At(*s, 2, "暂停工作日"), "2");
  EXPECT_EQ(At(*s, 1, "办理状态"), "已受理");
  EXPECT_EQ(At(*s, 1, "案件状态"), Label(v1::APPROVAL_CASE_STATUS_OPEN));
  EXPECT_EQ(FillAt(*s, 0, "亮灯"), v1::LIGHT_RED);
  EXPECT_EQ(FillAt(*s, 1, "亮灯"), v1::LIGHT_GREEN);

  selection_.filter.set_unit("区住建局");
  s = BuildLedgerSheet(v1::LEDGER_KIND_CASE_ITEMS, selection_);
  ASSERT_EQ(s->rows.size(), 1u);
  EXPECT_EQ(At(*s, 0, "审批事项"), "事项1");
  EXPECT_EQ(At(*s, 0, "序号"), "1");
  selection_.filter.Clear();
  selection_.filter.set_overdue_only(true);
  s = BuildLedgerSheet(v1::LEDGER_KIND_CASE_ITEMS, selection_);
  ASSERT_EQ(s->rows.size(), 1u);
  EXPECT_EQ(At(*s, 0, "审批事项"), "事项0");
}

TEST_F(LedgerSheetsTest, SlipsOfEveryStreamWithTheirStateOnTheDay) {
  v1::TaskState t;
  t.set_task_id("plot5");
  t.set_title("5号地块4户农户拆迁");
  t.set_project_code("2026-530115-47-01-000001");
  v1::SupervisionRung answered =
      Rung("task/plot5/1/notice", v1::ISSUE_SUPERVISION_NOTICE, "2026-11-05", Micros(2026, 11, 2));
  answered.set_answered(true);
  answered.set_answered_at_us(Micros(2026, 11, 6));
  answered.set_answered_late(true);
  answered.set_answer("已整改");
  answered.set_delisted(true);
  answered.set_delisted_at_us(Micros(2026, 11, 7));
  *t.add_rungs() = answered;
  v1::SupervisionRung slip =
      Rung("task/plot5/1/reminder", v1::ISSUE_REMINDER_SLIP, "2026-11-20", Micros(2026, 11, 12));
  slip.mutable_raised()->set_slip_colour(v1::SLIP_COLOUR_RED);
  *t.add_rungs() = slip;
  selection_.of<Task>().push_back({&t, v1::TaskView()});
  auto s = BuildLedgerSheet(v1::LEDGER_KIND_SLIPS, selection_);
  ASSERT_TRUE(s.ok());
  // The project's two, then the task's two.
  ASSERT_EQ(s->rows.size(), 4u);
  EXPECT_EQ(At(*s, 0, "台账"), "项目");
  EXPECT_EQ(At(*s, 0, "督办对象"), "吾悦广场");            // the project as a whole: its name
  EXPECT_EQ(At(*s, 2, "督办对象"), "5号地块4户农户拆迁");  // a task: its title
  EXPECT_EQ(At(*s, 0, "状态"), "逾期未回复");              // due 11-10, unanswered on 11-15
  EXPECT_EQ(FillAt(*s, 0, "状态"), v1::LIGHT_RED);
  EXPECT_EQ(At(*s, 1, "状态"), "已下发");  // a listing has no rectification limit
  EXPECT_EQ(At(*s, 2, "台账"), "任务");
  EXPECT_EQ(At(*s, 2, "项目名称"), "吾悦广场");
  EXPECT_EQ(At(*s, 2, "下发日期"), "2026-11-02");
  EXPECT_EQ(At(*s, 2, "回复日期"), "2026-11-06");
  EXPECT_EQ(At(*s, 2, "逾期回复"), "是");
  EXPECT_EQ(At(*s, 2, "销号日期"), "2026-11-07");
  EXPECT_EQ(At(*s, 2, "状态"), "已销号");
  EXPECT_EQ(At(*s, 2, "整改情况"), "已整改");
  EXPECT_EQ(At(*s, 2, "单位负责人"), "李主任");
  EXPECT_EQ(At(*s, 3, "督办类别"), "红色催办单");
  EXPECT_EQ(At(*s, 3, "状态"), "待回复");
  EXPECT_EQ(At(*s, 3, "分包领导"), "张副区长");
  for (const auto& row : s->rows) EXPECT_EQ(row.size(), s->columns.size());
}

// 督办对象 names what a slip is about as the other ledgers do, never by id:
// a case item by its department and matter, a problem by its summary, a
// project's monthly light and its nodes.
TEST_F(LedgerSheetsTest, SlipsNameTheirSubjects) {
  const std::string code = "2026-530115-47-01-000001";
  v1::ProjectState& p = as_of_.of<Project>()[0];
  p.mutable_rungs(0)->mutable_raised()->set_subject("monthly");
  p.mutable_rungs(1)->mutable_raised()->set_subject("node/n1");
  v1::ProjectNode* node = p.add_nodes();
  node->set_node_id("n1");
  node->set_name("主体封顶");
  v1::ApprovalCaseState c;
  c.set_case_id("LH-1");
  c.set_project_code(code);
  v1::CaseItem* item = c.add_items();
  item->set_item_id("i0");
  item->set_name("建设用地规划许可");
  item->set_department("区自然资源局");
  for (const char* subject : {"item/i0", "commitment/i0", "", "item/gone"}) {
    v1::SupervisionRung r = Rung("case/LH-1/x", v1::ISSUE_WARNING, "", Micros(2026, 11, 9));
    r.mutable_raised()->set_subject(subject);
    *c.add_rungs() = r;
  }
  selection_.of<ApprovalCase>().push_back({&c, v1::ApprovalCaseView()});
  v1::ProblemState pr;
  pr.set_problem_id("pr1");
  pr.set_project_code(code);
  pr.set_title("施工用电未接入");
  *pr.add_rungs() = Rung("problem/pr1/1/notice", v1::ISSUE_SUPERVISION_NOTICE, "2026-11-20",
                         Micros(2026, 11, 12));
  selection_.of<Problem>().push_back({&pr, v1::ProblemView()});
  auto s = BuildLedgerSheet(v1::LEDGER_KIND_SLIPS, selection_);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->rows.size(), 7u);
  std::vector<std::string> subjects;
  for (size_t i = 0; i < s->rows.size(); ++i) subjects.push_back(At(*s, i, "督办对象"));
  EXPECT_THAT(subjects, ElementsAre("月度亮灯", "节点：主体封顶", "区自然资源局：建设用地规划许可",
                                    "区自然资源局：建设用地规划许可（容缺承诺）",
                                    "全案（各审批事项）", "item/gone", "施工用电未接入"));
  for (size_t i = 0; i < s->rows.size(); ++i) EXPECT_EQ(At(*s, i, "项目名称"), "吾悦广场") << i;
}

TEST_F(LedgerSheetsTest, ProblemsAndKinds) {
  v1::ProblemState p;
  p.set_problem_id("pr1");
  p.set_project_code("2026-530115-47-01-000001");
  p.mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_ENTERPRISE);
  p.mutable_source()->set_name("昆明万达");
  p.set_measures("协调供电");
  p.set_resolution("已接入");
  p.set_resolved_late(true);
  v1::ProblemView v;
  v.set_problem_id("pr1");
  v.set_project_code(p.project_code());
  v.set_title("用电未接入");
  v.set_status(v1::PROBLEM_STATUS_RESOLVED);
  v.set_reopen_count(1);
  selection_.of<Problem>().push_back({&p, v});
  auto s = BuildLedgerSheet(v1::LEDGER_KIND_PROBLEMS, selection_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(At(*s, 0, "问题来源"), "企业反映（昆明万达）");
  EXPECT_EQ(At(*s, 0, "办理状态"), "已解决待核实");
  EXPECT_EQ(At(*s, 0, "剩余工作日"), "");  // not with the unit any more
  EXPECT_EQ(At(*s, 0, "亮灯"), "");
  EXPECT_EQ(At(*s, 0, "备注"), "逾期解决；重新交办1次；解决情况：已接入");

  EXPECT_EQ(BuildLedgerSheet(v1::LEDGER_KIND_UNSPECIFIED, selection_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLedgerKind("cases"), v1::LEDGER_KIND_CASE_ITEMS);
  EXPECT_EQ(ParseLedgerKind("Tasks"), v1::LEDGER_KIND_TASKS);
  EXPECT_EQ(ParseLedgerKind("LEDGER_KIND_SLIPS"), v1::LEDGER_KIND_SLIPS);
  EXPECT_EQ(ParseLedgerKind("case_items"), v1::LEDGER_KIND_CASE_ITEMS);
  EXPECT_EQ(ParseLedgerKind("bulletin"), v1::LEDGER_KIND_UNSPECIFIED);
  EXPECT_EQ(ParseLedgerKind(""), v1::LEDGER_KIND_UNSPECIFIED);
  EXPECT_TRUE(KindReads<Task>(v1::LEDGER_KIND_SLIPS));
  EXPECT_FALSE(KindReads<Task>(v1::LEDGER_KIND_PROJECTS));
}

// A city's task ledger (1,105 projects × 20 tasks): built and written in
// well under the 2 s the export has (printed, not asserted: machines differ).
TEST_F(LedgerSheetsTest, ACityOfTasksIsWrittenQuickly) {
  constexpr int kTasks = 1105 * 20;
  std::vector<v1::TaskState> states(kTasks);
  auto& selected = selection_.of<Task>();
  selected.reserve(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    v1::TaskState& t = states[i];
    t.set_task_id(absl::StrFormat("t%05d", i));
    t.set_project_code("2026-530115-47-01-000001");
    t.set_responsible_leader("张副区长");
    v1::TaskView v;
    v.set_task_id(t.task_id());
    v.set_project_code(t.project_code());
    v.set_title("晋宁吾悦广场5号地块4户农户拆迁及14.5亩征地");
    v.add_responsible_units("昆阳街道办");
    v.set_status(v1::TASK_STATUS_OPEN);
    v.set_has_deadline(true);
    v.set_due_date("2026-12-15");
    v.set_working_days_left(i % 30 - 5);
    v.set_overdue(i % 30 < 5);
    v.set_light(i % 30 < 5 ? v1::LIGHT_RED : i % 30 < 8 ? v1::LIGHT_YELLOW : v1::LIGHT_GREEN);
    v.set_percent(i % 100);
    selected.push_back({&t, std::move(v)});
  }
  // How long this takes is bench/reports_bench's to measure, not a test's.
  auto sheet = BuildLedgerSheet(v1::LEDGER_KIND_TASKS, selection_);
  ASSERT_TRUE(sheet.ok());
  auto xlsx = WriteXlsx(*sheet);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  EXPECT_EQ(xlsx->substr(0, 2), "PK");
  const std::string csv = WriteCsv(*sheet);
  EXPECT_EQ(sheet->rows.size(), static_cast<size_t>(kTasks));
  EXPECT_THAT(csv, HasSubstr(absl::StrCat("\r\n", kTasks, ",t", kTasks - 1, ",")));
}

}  // namespace
}  // namespace taizhang::reports
