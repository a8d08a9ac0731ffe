// SheetTable: the cells of one sheet of a ledger as text, read from a file an
// office keeps (CSV or the first sheet of an XLSX workbook), before any
// meaning is given to them (ledger_import.h does that).
//
// Rows keep the numbers the spreadsheet shows (1-based), so a message can
// name "第 7 行"; a row absent from the file (an XLSX sheet is sparse) is
// absent here. Cells are UTF-8 text as a person sees them: a number as its
// shortest decimal form, a date cell as "YYYY-MM-DD".
//
// ReadSheetTable tells the format apart by content, never by the file's
// name: a zip ("PK\x03\x04") is XLSX, anything else is CSV.
//
// Thread-safety: pure functions over the bytes given.
#ifndef TAIZHANG_REPORTS_SHEET_TABLE_H_
#define TAIZHANG_REPORTS_SHEET_TABLE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace taizhang::reports {

struct SheetRow {
  int number = 0;                  // 1-based, as the spreadsheet numbers it
  std::vector<std::string> cells;  // by column, A first; missing cells are ""
  // The cell of column `col` (0-based), "" past the end.
  const std::string& Cell(size_t col) const;
};

struct SheetTable {
  std::vector<SheetRow> rows;  // ascending by number
};

enum class SheetFormat { kCsv, kXlsx };

// XLSX when `content` starts with the zip magic, else CSV.
SheetFormat DetectSheetFormat(absl::string_view content);

struct SheetLimits {
  // Rows with a cell (beyond it: INVALID_ARGUMENT).
  size_t max_rows = 100000;
  // Columns of a row.
  size_t max_columns = 1000;
  // XLSX: the uncompressed bytes of all the parts read, together.
  size_t max_unpacked_bytes = 64u << 20;
};

// Reads CSV or XLSX as DetectSheetFormat says. INVALID_ARGUMENT with a
// message in Chinese naming the row (and for XLSX the part) for a file that
// cannot be read; never crashes on hostile bytes.
absl::StatusOr<SheetTable> ReadSheetTable(absl::string_view content,
                                          const SheetLimits& limits = {});

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_SHEET_TABLE_H_
