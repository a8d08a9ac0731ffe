#include "reports/csv_reader.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace taizhang::reports {
namespace {

// The length of the well-formed UTF-8 sequence at s[i], or 0.
size_t Utf8SequenceAt(absl::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;
    if (c == 0xF4 && b(1) >= 0x90) return 0;
    return 4;
  }
  return 0;
}

absl::Status RowError(int row, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("CSV 第 ", row, " 行：", what));
}

}  // namespace

absl::StatusOr<SheetTable> ReadCsv(absl::string_view content, const SheetLimits& limits) {
  if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
  SheetTable table;
  SheetRow row;
  std::string field;
  int number = 1;         // the record's row, as a spreadsheet numbers it
  bool any_text = false;  // the current row has a non-empty field
  auto end_field = [&]() -> absl::Status {
    if (!field.empty()) any_text = true;
    row.cells.push_back(std::move(field));
    field.clear();
    if (row.cells.size() > limits.max_columns) {
      return RowError(number, absl::StrCat("超过 ", limits.max_columns, " 列"));
    }
    return absl::OkStatus();
  };
  auto end_row = [&]() -> absl::Status {
    RETURN_IF_ERROR(end_field());
    if (any_text) {
      row.number = number;
      while (!row.cells.empty() && row.cells.back().empty()) row.cells.pop_back();
      table.rows.push_back(std::move(row));
      if (table.rows.size() > limits.max_rows) {
        return RowError(number, absl::StrCat("超过 ", limits.max_rows, " 行"));
      }
    }
    row = SheetRow();
    any_text = false;
    ++number;
    return absl::OkStatus();
  };
  // The length of a line end at content[k] (CRLF: 2), else 0.
  auto newline_at = [&](size_t k) -> size_t {
    if (content[k] == '\n') return 1;
    if (content[k] == '\r') return k + 1 < content.size() && content[k + 1] == '\n' ? 2 : 1;
    return 0;
  };
  // Appends the character at content[k] to the field; false for bytes that
  // are not UTF-8.
  auto take = [&](size_t* k) -> bool {
    size_t n = Utf8SequenceAt(content, *k);
    if (n == 0) return false;
    field.append(content.data() + *k, n);
    *k += n;
    return true;
  };
  const char* const kNotUtf8 =
      "不是有效的 UTF-8 文字（文件可能是 GBK 等编码；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”，"
      "或导入 XLSX 文件）";
  bool row_open = false;  // something of the current record has been read
  size_t i = 0;
  while (i < content.size()) {
    row_open = true;
    const char c = content[i];
    if (c == '"' && field.empty()) {
      // A quoted field: up to the quote that is not doubled.
      ++i;
      for (;;) {
        if (i >= content.size()) {
          return RowError(number, "引号（\"）开始的单元格直到文件末尾都没有结束");
        }
        if (content[i] == '"') {
          if (i + 1 < content.size() && content[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (size_t n = newline_at(i); n > 0) {
          field.push_back('\n');
          i += n;
          continue;
        }
        if (!take(&i)) return RowError(number, kNotUtf8);
      }
      // After the closing quote: a separator, a line end or the end.
      if (i < content.size() && content[i] != ',' && newline_at(i) == 0) {
        return RowError(number, "引号结束后紧跟着其他文字（引号内的引号须写成两个 \"\"）");
      }
      continue;
    }
    if (c == ',') {
      RETURN_IF_ERROR(end_field());
      ++i;
      continue;
    }
    if (size_t n = newline_at(i); n > 0) {
      RETURN_IF_ERROR(end_row());
      row_open = false;
      i += n;
      continue;
    }
    if (!take(&i)) return RowError(number, kNotUtf8);
  }
  if (row_open) RETURN_IF_ERROR(end_row());
  return table;
}

}  // namespace taizhang::reports
