#include "reports/csv_writer.h"

#include <string_view>

namespace taizhang::reports {
namespace {

// Text that people outside the office wrote (a problem's title, an answer)
// must not become a formula when the file is opened in Excel: a text cell
// starting with = + - @ or a tab or carriage return is written after an
// apostrophe, which Excel shows as text (OWASP's advice on CSV injection).
// Numbers are numbers and keep their sign.
std::string SafeText(const Column& column, const Cell& cell) {
  std::string text = CellText(column, cell);
  if (cell.kind == Cell::Kind::kText && !text.empty() &&
      std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos) {
    text.insert(text.begin(), '\'');
  }
  return text;
}

}  // namespace

void AppendCsvField(const std::string& field, std::string* out) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

std::string WriteCsv(const Sheet& sheet) {
  std::string out = kUtf8Bom;
  out.reserve(64 + sheet.rows.size() * sheet.columns.size() * 12);
  AppendCsvField(sheet.TitleLine(), &out);
  out.append("\r\n");
  for (size_t c = 0; c < sheet.columns.size(); ++c) {
    if (c > 0) out.push_back(',');
    AppendCsvField(sheet.columns[c].header, &out);
  }
  out.append("\r\n");
  for (const auto& cells : sheet.rows) {
    for (size_t c = 0; c < sheet.columns.size(); ++c) {
      if (c > 0) out.push_back(',');
      if (c < cells.size()) AppendCsvField(SafeText(sheet.columns[c], cells[c]), &out);
    }
    out.append("\r\n");
  }
  return out;
}

}  // namespace taizhang::reports
