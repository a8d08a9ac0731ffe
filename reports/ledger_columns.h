// The column mapping of ledgers brought in (docs/import.md): which header an
// office writes for each fact of a project or a task, with the synonyms in
// use (责任单位 / 牵头单位, 分包领导 / 包抓领导 ...), where the header row is
// (exported ledgers carry a title row above it), and how the cells read as
// values (money in 万元 as text, dates as offices write them, levels and
// stages by their Chinese labels, deadline rules "15个工作日").
//
// Internal to reports/ (ledger_import.h is the public face); the tests of
// this folder use it.
//
// Thread-safety: pure functions over immutable tables.
#ifndef TAIZHANG_REPORTS_LEDGER_COLUMNS_H_
#define TAIZHANG_REPORTS_LEDGER_COLUMNS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "reports/sheet_table.h"
#include "taizhang/v1/api_reports.pb.h"
#include "taizhang/v1/calendar.pb.h"
#include "taizhang/v1/project.pb.h"
#include "taizhang/v1/task.pb.h"

namespace taizhang::reports::internal {

// A fact a column holds.
enum class Field {
  kIgnored,  // 序号, and for tasks 项目名称: known, not imported, no remark
  // Projects (RegisterProject, SetProjectAnnualPlan).
  kProjectCode,
  kProjectName,
  kOwner,
  kLeadUnit,
  kLeadPerson,
  kLeadUnitHead,
  kResponsibleLeader,
  kLevel,
  kRegion,
  kIndustry,
  kTotalInvestment,
  kPlanYear,
  kAnnualPlan,
  kPlannedStart,
  kPlannedFinish,
  kStage,
  kStartedOn,
  kCountyLeader,
  kTownMember,
  kDepartmentCadre,
  kSupervisionOffice,
  // Tasks (CreateTask).
  kTaskId,
  kTaskTitle,
  kTaskDescription,
  kResponsibleUnits,
  kResponsiblePerson,
  kDeadline,
  kDeadlineRule,
  kDeadlineStart,
  kRemark,
};

// Money columns: the unit the header names ("总投资（亿元）"); 万元 when it
// names none.
enum class MoneyUnit { kYuan, kWanYuan, kYiYuan };

struct Column {
  int index = 0;  // 0-based
  Field field = Field::kIgnored;
  std::string header;  // as written in the file (trimmed), for messages
  MoneyUnit unit = MoneyUnit::kWanYuan;
  int year = 0;  // "2024年计划投资": 2024; else 0
};

struct HeaderRow {
  int row = 0;                  // its number in the sheet
  std::vector<Column> columns;  // recognised columns, by index
  // The column of `field`, or null.
  const Column* Find(Field field) const;
};

// The canonical header of a field ("项目代码"), for messages and docs.
const char* CanonicalHeader(Field field);

// Finds the header row of a PROJECTS or TASKS ledger: the first row (among
// the first 50) holding every identifying header (projects: 项目代码 and
// 项目名称; tasks: 项目代码 and 任务名称). Unknown columns are reported in
// `notes` and ignored. INVALID_ARGUMENT in Chinese when there is none, when
// a required column is missing (listing it and its synonyms), or when two
// columns mean the same fact.
absl::StatusOr<HeaderRow> FindHeaderRow(const SheetTable& table, v1::LedgerKind kind,
                                        std::vector<v1::ImportProblem>* notes);

// Cell text trimmed of ASCII and full-width spaces.
std::string TrimCell(absl::string_view text);

// An amount as a cell writes it: its value, and the precision it was written
// to, in 元: the place of its last decimal, but never coarser than a
// hundredth of its unit (an exported ledger writes 万元 with two decimals, so
// "1234.57" and "1235" in 万元 are both to 100 元).
struct Money {
  int64_t yuan = 0;
  int64_t precision_yuan = 1;
};

// Money as offices write it, in `unit` unless the cell names its own, read
// exactly:
//   - ASCII or full-width digits, point and comma ("２９，３５０．５");
//   - thousands separators (, ， or a space) between groups of three digits
//     of the whole part only ("29,350.5");
//   - a unit after the number (元, 万元, 万, 亿元, 亿) and a ¥/￥ before it.
// INVALID_ARGUMENT (Chinese, quoting the cell) for anything else, in
// particular for what could be read two ways: a separator not between groups
// of three ("1,2345", "12,34", "1.234,5"), two points, a separator after the
// point; and for a negative amount, or more decimals than 元 allow (万元: 4,
// 亿元: 8).
absl::StatusOr<Money> ParseAmount(absl::string_view text, MoneyUnit unit);
// ParseAmount's value alone.
absl::StatusOr<int64_t> ParseMoney(absl::string_view text, MoneyUnit unit);
// Whether `yuan` (as the system holds it) is `written` at the precision it
// was written to: rounded half away from zero to it, the same value.
bool SameAtPrecision(const Money& written, int64_t yuan);
// 元 as people read it in 万元: 2935000000 -> "293500".
std::string FormatWanYuan(int64_t yuan);

// A day as offices write it: 2020-07-15, 2020/7/15, 2020.7.15, 2020年7月15日,
// 20200715, with a time of day after it (dropped), or an Excel serial from
// 2000 on (36526..99999) whose cell lost its date format; returned as
// "YYYY-MM-DD". INVALID_ARGUMENT (Chinese) otherwise.
absl::StatusOr<std::string> ParseDay(absl::string_view text);
// A year 2000..2200 ("2024", "2024年").
absl::StatusOr<int> ParseYear(absl::string_view text);

absl::StatusOr<v1::ProjectLevel> ParseLevel(absl::string_view text);
absl::StatusOr<v1::ProjectStage> ParseStage(absl::string_view text);

// A deadline rule as written: "15个工作日", "30个自然日" / "30天" / "30日",
// "无时限" / "长期"; or a day (FIXED_DATE).
absl::StatusOr<v1::DeadlineRule> ParseDeadlineRule(absl::string_view text);

// Units listed in one cell: split at 、，,；;/ and line breaks; empty parts
// dropped.
std::vector<std::string> SplitUnits(absl::string_view text);

}  // namespace taizhang::reports::internal

#endif  // TAIZHANG_REPORTS_LEDGER_COLUMNS_H_
