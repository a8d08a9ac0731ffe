// The CSV reader of ledgers brought in (sheet_table.h): RFC 4180 as Excel
// and WPS write it. UTF-8 with or without a byte-order mark; records end in
// CRLF, LF or CR; fields separated by ',' and quoted with '"' ('""' inside
// quotes is one quote), a quoted field may span lines (it stays one row). A
// quote inside an unquoted field is kept as text.
//
// Errors (INVALID_ARGUMENT, in Chinese, naming the row): bytes that are not
// UTF-8 (e.g. a file saved as GBK), a quoted field never closed, text after
// a closing quote, more rows or columns than the limits allow.
//
// Thread-safety: a pure function.
#ifndef TAIZHANG_REPORTS_CSV_READER_H_
#define TAIZHANG_REPORTS_CSV_READER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "reports/sheet_table.h"

namespace taizhang::reports {

// Rows whose every field is empty are left out (their numbers are skipped).
absl::StatusOr<SheetTable> ReadCsv(absl::string_view content, const SheetLimits& limits = {});

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_CSV_READER_H_
