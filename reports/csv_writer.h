// A Sheet (sheet.h) as CSV the way Excel opens it without asking: UTF-8 with
// a byte-order mark (without it Excel reads Chinese as mojibake), fields
// quoted as RFC 4180 says (a field with a comma, a double quote, CR or LF is
// quoted, its quotes doubled), CRLF after every record.
//
// The first record is the title line ("重点项目台账（截至2026年11月30日）")
// alone in its first field, the second the column headers, then the rows: a
// person who opens the file sees what the sheet is of and as of when, as in
// the XLSX; a program skips one line (the import reads the header wherever
// it is). Cells as CellText writes them: money "123.46" in the header's unit,
// percent "69.81%", dates "YYYY-MM-DD", a light by its label (the fill
// colour has no place in CSV).
//
// Thread-safety: WriteCsv is pure.
#ifndef TAIZHANG_REPORTS_CSV_WRITER_H_
#define TAIZHANG_REPORTS_CSV_WRITER_H_

#include <string>

#include "reports/sheet.h"

namespace taizhang::reports {

inline constexpr char kUtf8Bom[] = "\xEF\xBB\xBF";

std::string WriteCsv(const Sheet& sheet);

// One field as RFC 4180 writes it, appended to `out`.
void AppendCsvField(const std::string& field, std::string* out);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_CSV_WRITER_H_
