// The XLSX reader of ledgers brought in (sheet_table.h): the first sheet of
// a workbook (Excel, WPS, LibreOffice, openpyxl), read from memory.
//
// The zip container is opened by minizip over the buffer; the parts read are
// xl/workbook.xml (the first sheet, the 1904 date system), its relationships
// xl/_rels/workbook.xml.rels (the sheet's part), xl/sharedStrings.xml and
// xl/styles.xml when present, and the sheet. Their XML is parsed by expat
// (no DTDs: a part with one is refused). Cells: shared strings (rich text
// runs joined, phonetic runs left out), inline strings, formula strings,
// numbers (as Excel shows them: at most 15 significant digits), booleans
// ("TRUE"/"FALSE"), errors ("#N/A"...), and dates: a number whose style's
// number format is a date format (built-in 14–22, 27–36, 45–47, 50–58, or a
// custom code with y or d outside quotes and brackets) becomes
// "YYYY-MM-DD" (its day; a time of day is dropped). Cell references ("C7")
// place a cell; a row or cell without one follows the previous.
//
// Hostile input, each an INVALID_ARGUMENT in Chinese, never a crash: not a
// zip, a truncated or corrupt zip (CRC), a missing part, parts larger than
// SheetLimits::max_unpacked_bytes together (declared or actually inflated),
// malformed XML (with the part and line), a reference out of Excel's range.
//
// Thread-safety: a pure function.
#ifndef TAIZHANG_REPORTS_XLSX_READER_H_
#define TAIZHANG_REPORTS_XLSX_READER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "reports/sheet_table.h"

namespace taizhang::reports {

// Rows whose every cell is empty are left out.
absl::StatusOr<SheetTable> ReadXlsx(absl::string_view content, const SheetLimits& limits = {});

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_XLSX_READER_H_
