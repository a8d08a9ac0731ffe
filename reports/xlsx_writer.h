// A Sheet (sheet.h) as an Excel workbook (.xlsx), written by Debian's
// libxlsxwriter, laid out as a supervision office's ledger is:
//   - row 1: the title with the day it stands as of, merged across every
//     column ("重点项目台账（截至2026年11月30日）");
//   - row 2: the column headers, frozen (they stay while scrolling), with an
//     autofilter over every column and row;
//   - the rows: money with two decimals and thousands separators, percent as
//     a percentage, dates as dates (yyyy-mm-dd), a light as the cell's fill
//     (green 92D050, yellow FFFF00, red FF0000);
//   - columns as wide as their longest text (a CJK character counts 2), at
//     most 60;
//   - a text longer than a cell holds (Excel: 32,767 characters, counted as
//     UTF-16 units) is cut to fit with kTruncatedMarker at its end, and the
//     export goes on: the ledger is a summary, the full text stays in the
//     system (and in the CSV export, which has no such limit);
//   - printed on A4 landscape, fit to one page wide, the title and header
//     rows repeated on every page, "第 N 页，共 M 页" in the footer.
//
// Thread-safety: WriteXlsx is reentrant (each call its own workbook and
// temporary file).
#ifndef TAIZHANG_REPORTS_XLSX_WRITER_H_
#define TAIZHANG_REPORTS_XLSX_WRITER_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "reports/sheet.h"

namespace taizhang::reports {

// The fill colours of the lights, as RGB.
inline constexpr int kGreenFill = 0x92D050;
inline constexpr int kYellowFill = 0xFFFF00;
inline constexpr int kRedFill = 0xFF0000;

// What a cell holds at most, in UTF-16 units, and what ends a text cut to it.
inline constexpr size_t kMaxCellChars = 32767;
inline constexpr char kTruncatedMarker[] = "…（已截断，全文见系统）";

// `text` as a cell holds it: unchanged when it fits, else its first
// characters (never half of one) and kTruncatedMarker, kMaxCellChars in all.
std::string FitCellText(const std::string& text);

// The workbook's bytes. libxlsxwriter writes to a file: a temporary one (in
// $TMPDIR, else /tmp), read back and removed. INTERNAL naming libxlsxwriter's
// error when it fails, or when the temporary file cannot be made or read.
absl::StatusOr<std::string> WriteXlsx(const Sheet& sheet);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_XLSX_WRITER_H_
