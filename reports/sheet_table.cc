#include "reports/sheet_table.h"

#include "reports/csv_reader.h"
#include "reports/xlsx_reader.h"

namespace taizhang::reports {

const std::string& SheetRow::Cell(size_t col) const {
  static const std::string* const kEmpty = new std::string();
  return col < cells.size() ? cells[col] : *kEmpty;
}

SheetFormat DetectSheetFormat(absl::string_view content) {
  return content.substr(0, 4) == absl::string_view("PK\x03\x04", 4) ? SheetFormat::kXlsx
                                                                    : SheetFormat::kCsv;
}

absl::StatusOr<SheetTable> ReadSheetTable(absl::string_view content, const SheetLimits& limits) {
  return DetectSheetFormat(content) == SheetFormat::kXlsx ? ReadXlsx(content, limits)
                                                          : ReadCsv(content, limits);
}

}  // namespace taizhang::reports
