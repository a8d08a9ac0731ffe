#include "reports/csv_writer.h"

namespace taizhang::reports {

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
      if (c < cells.size()) AppendCsvField(CellText(sheet.columns[c], cells[c]), &out);
    }
    out.append("\r\n");
  }
  return out;
}

}  // namespace taizhang::reports
