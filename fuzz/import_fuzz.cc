// Ledger files people import (台账导入, reports/sheet_table.h and
// ledger_columns.h): any bytes are read as CSV or XLSX within limits, and
// the header row of a project or task ledger looked for. A file that cannot
// be read, or is not a ledger, is refused with INVALID_ARGUMENT and a
// message in Chinese; what is read keeps to the limits.
#include "fuzz/fuzz_target.h"
#include "reports/ledger_columns.h"
#include "reports/sheet.h"
#include "reports/sheet_table.h"
#include "reports/xlsx_writer.h"

namespace taizhang::fuzz {
namespace {

reports::SheetLimits Limits() {
  reports::SheetLimits limits;
  limits.max_rows = 2000;
  limits.max_columns = 100;
  limits.max_unpacked_bytes = 4u << 20;
  limits.max_cells = 20000;
  limits.max_text_bytes = 1u << 20;
  return limits;
}

std::vector<std::string> ImportSeeds(const std::string&) {
  const std::vector<std::vector<std::string>> ledgers = {
      {"项目代码", "项目名称", "责任单位", "年度计划投资（万元）", "开工时间"},
      {"项目代码", "任务名称", "责任单位", "完成时限"},
  };
  const std::vector<std::vector<std::string>> rows = {
      {"2020-530115-72-01-000001", "示例项目", "自然资源局", "1234.56", "2020-07-15"},
      {"2020-530115-72-01-000001", "征地拆迁", "自然资源局", "2020-07-15"},
  };
  std::vector<std::string> out;
  for (size_t k = 0; k < ledgers.size(); ++k) {
    std::string csv;
    for (const auto* row : {&ledgers[k], &rows[k]}) {
      for (size_t i = 0; i < row->size(); ++i) csv += (i > 0 ? "," : "") + (*row)[i];
      csv += "\n";
    }
    out.push_back(csv);
    reports::Sheet sheet;
    sheet.title = "重点项目台账";
    sheet.as_of = absl::CivilDay(2020, 7, 1);
    for (const std::string& h : ledgers[k])
      sheet.columns.push_back({h, 12, reports::CellType::kText});
    std::vector<reports::Cell> cells;
    for (const std::string& c : rows[k]) cells.push_back(reports::Cell::Text(c));
    sheet.rows.push_back(cells);
    auto xlsx = reports::WriteXlsx(sheet);
    if (xlsx.ok()) out.push_back(*xlsx);
  }
  return out;
}

}  // namespace

TAIZHANG_FUZZ_TARGET(import, ImportSeeds) {
  static const reports::SheetLimits limits = Limits();
  auto table =
      reports::ReadSheetTable(absl::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (!table.ok()) {
    FUZZ_CHECK(table.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!table.status().message().empty());
    return;
  }
  FUZZ_CHECK(table->rows.size() <= limits.max_rows);
  for (const reports::SheetRow& row : table->rows) {
    FUZZ_CHECK(row.cells.size() <= limits.max_columns);
  }
  for (const v1::LedgerKind kind : {v1::LEDGER_KIND_PROJECTS, v1::LEDGER_KIND_TASKS}) {
    std::vector<v1::ImportProblem> notes;
    auto header = reports::internal::FindHeaderRow(*table, kind, &notes);
    if (!header.ok()) {
      FUZZ_CHECK(header.status().code() == absl::StatusCode::kInvalidArgument);
      FUZZ_CHECK(!header.status().message().empty());
    }
  }
}

}  // namespace taizhang::fuzz
