#include "reports/xlsx_writer.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace taizhang::reports {
namespace {

constexpr double kMaxWidth = 60;
constexpr lxw_row_t kTitleRow = 0;
constexpr lxw_row_t kHeaderRow = 1;
constexpr lxw_row_t kFirstDataRow = 2;
constexpr uint8_t kPaperA4 = 9;

int FillOf(v1::Light light) {
  switch (light) {
    case v1::LIGHT_GREEN:
      return kGreenFill;
    case v1::LIGHT_YELLOW:
      return kYellowFill;
    case v1::LIGHT_RED:
      return kRedFill;
    default:
      return -1;
  }
}

// A temporary file's path, removed when this goes.
class TempFile {
 public:
  TempFile() {
    // The system's temporary directory ($TMPDIR, else the platform's).
    std::error_code error;
    const std::filesystem::path dir = std::filesystem::temp_directory_path(error);
    path_ = ((error ? std::filesystem::path(".") : dir) / "taizhang-xlsx-XXXXXX").string();
    int fd = mkstemp(path_.data());
    if (fd < 0) {
      path_.clear();
    } else {
      close(fd);
    }
  }
  ~TempFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The cell formats, one per (column type, light), made when first asked.
class Formats {
 public:
  explicit Formats(lxw_workbook* wb) : wb_(wb) {}

  lxw_format* Cell(CellType type, v1::Light light) {
    lxw_format*& f = cells_[static_cast<int>(type)][static_cast<int>(light) & 3];
    if (f != nullptr) return f;
    f = workbook_add_format(wb_);
    format_set_border(f, LXW_BORDER_THIN);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    switch (type) {
      case CellType::kInteger:
        format_set_num_format(f, "0");
        break;
      case CellType::kMoney:
        format_set_num_format(f, "#,##0.00");
        break;
      case CellType::kPercent:
        format_set_num_format(f, "0.00%");
        break;
      case CellType::kDate:
        format_set_num_format(f, "yyyy-mm-dd");
        format_set_align(f, LXW_ALIGN_CENTER);
        break;
      case CellType::kText:
        break;
    }
    if (int rgb = FillOf(light); rgb >= 0) {
      format_set_bg_color(f, rgb);
      format_set_pattern(f, LXW_PATTERN_SOLID);
      format_set_align(f, LXW_ALIGN_CENTER);
    }
    return f;
  }

  lxw_format* Title() {
    if (title_ == nullptr) {
      title_ = workbook_add_format(wb_);
      format_set_bold(title_);
      format_set_font_size(title_, 16);
      format_set_align(title_, LXW_ALIGN_CENTER);
      format_set_align(title_, LXW_ALIGN_VERTICAL_CENTER);
    }
    return title_;
  }

  lxw_format* Header() {
    if (header_ == nullptr) {
      header_ = workbook_add_format(wb_);
      format_set_bold(header_);
      format_set_border(header_, LXW_BORDER_THIN);
      format_set_align(header_, LXW_ALIGN_CENTER);
      format_set_align(header_, LXW_ALIGN_VERTICAL_CENTER);
      format_set_text_wrap(header_);
      format_set_bg_color(header_, 0xD9D9D9);
      format_set_pattern(header_, LXW_PATTERN_SOLID);
    }
    return header_;
  }

 private:
  lxw_workbook* wb_;
  std::array<std::array<lxw_format*, 4>, 5> cells_{};
  lxw_format* title_ = nullptr;
  lxw_format* header_ = nullptr;
};

// The UTF-16 units of the UTF-8 character that starts with byte `lead`: 2
// above the BMP, 0 for a continuation byte, else 1.
size_t Utf16Units(unsigned char lead) {
  if ((lead & 0xC0) == 0x80) return 0;
  return lead >= 0xF0 ? 2 : 1;
}

size_t Utf16Length(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += Utf16Units(c);
  return n;
}

// The width a number takes as its column's format shows it.
double NumberWidth(CellType type, int64_t n) {
  int digits = 1;
  for (int64_t a = n < 0 ? -(n / 10) : n / 10; a > 0; a /= 10) ++digits;
  double width = digits + (n < 0 ? 1 : 0) + 2;
  if (type == CellType::kMoney || type == CellType::kPercent) width += 2 + digits / 3.0;
  return width;
}

lxw_error WriteCell(lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, const Column& column,
                    const Cell& cell, Formats& formats) {
  lxw_format* f = formats.Cell(column.type, cell.fill);
  switch (cell.kind) {
    case Cell::Kind::kEmpty:
      return worksheet_write_blank(ws, row, col, f);
    case Cell::Kind::kNumber:
      switch (column.type) {
        case CellType::kMoney:
          return worksheet_write_number(ws, row, col, cell.number / 100.0, f);
        case CellType::kPercent:
          return worksheet_write_number(ws, row, col, cell.number / 10000.0, f);
        default:
          return worksheet_write_number(ws, row, col, static_cast<double>(cell.number), f);
      }
    case Cell::Kind::kText:
      break;
  }
  if (column.type == CellType::kDate && cell.text.size() == 10) {
    lxw_datetime dt{};
    if (absl::SimpleAtoi(cell.text.substr(0, 4), &dt.year) &&
        absl::SimpleAtoi(cell.text.substr(5, 2), &dt.month) &&
        absl::SimpleAtoi(cell.text.substr(8, 2), &dt.day)) {
      return worksheet_write_datetime(ws, row, col, &dt, f);
    }
  }
  if (cell.text.size() > kMaxCellChars) {  // more bytes than units: may not fit
    return worksheet_write_string(ws, row, col, FitCellText(cell.text).c_str(), f);
  }
  return worksheet_write_string(ws, row, col, cell.text.c_str(), f);
}

absl::Status Check(lxw_error e, const char* what) {
  if (e == LXW_NO_ERROR) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("xlsx: ", what, ": ", lxw_strerror(e)));
}

absl::Status Fill(const Sheet& sheet, lxw_workbook* wb, lxw_worksheet* ws) {
  Formats formats(wb);
  const auto ncols = static_cast<lxw_col_t>(sheet.columns.size());
  const lxw_col_t last_col = ncols - 1;
  std::vector<double> widths(ncols);
  for (lxw_col_t c = 0; c < ncols; ++c) {
    const Column& column = sheet.columns[c];
    widths[c] = std::max(column.width, DisplayWidth(column.header) + 2);
    if (lxw_error e =
            worksheet_write_string(ws, kHeaderRow, c, column.header.c_str(), formats.Header())) {
      return Check(e, "header");
    }
  }
  lxw_row_t row = kFirstDataRow;
  for (const auto& cells : sheet.rows) {
    for (lxw_col_t c = 0; c < ncols && c < cells.size(); ++c) {
      const Cell& cell = cells[c];
      if (cell.kind == Cell::Kind::kText) {
        widths[c] = std::max(widths[c], DisplayWidth(cell.text) + 2);
      } else if (cell.kind == Cell::Kind::kNumber) {
        widths[c] = std::max(widths[c], NumberWidth(sheet.columns[c].type, cell.number));
      }
      if (lxw_error e = WriteCell(ws, row, c, sheet.columns[c], cell, formats)) {
        return Check(e, "cell");
      }
    }
    ++row;
  }
  for (lxw_col_t c = 0; c < ncols; ++c) {
    worksheet_set_column(ws, c, c, std::min(widths[c], kMaxWidth), nullptr);
  }
  const std::string title = sheet.TitleLine();
  if (ncols > 1) {
    RETURN_IF_ERROR(Check(worksheet_merge_range(ws, kTitleRow, 0, kTitleRow, last_col,
                                                title.c_str(), formats.Title()),
                          "title"));
  } else {
    RETURN_IF_ERROR(
        Check(worksheet_write_string(ws, kTitleRow, 0, title.c_str(), formats.Title()), "title"));
  }
  worksheet_set_row(ws, kTitleRow, 32, nullptr);
  worksheet_set_row(ws, kHeaderRow, 30, nullptr);
  worksheet_freeze_panes(ws, kFirstDataRow, 0);
  RETURN_IF_ERROR(
      Check(worksheet_autofilter(ws, kHeaderRow, 0, std::max(row - 1, kHeaderRow), last_col),
            "autofilter"));
  worksheet_set_landscape(ws);
  worksheet_set_paper(ws, kPaperA4);
  worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
  worksheet_center_horizontally(ws);
  RETURN_IF_ERROR(Check(worksheet_repeat_rows(ws, kTitleRow, kHeaderRow), "repeat rows"));
  worksheet_fit_to_pages(ws, 1, 0);
  RETURN_IF_ERROR(Check(worksheet_set_footer(ws, "&C第 &P 页，共 &N 页"), "footer"));
  return absl::OkStatus();
}

}  // namespace

std::string FitCellText(const std::string& text) {
  if (Utf16Length(text) <= kMaxCellChars) return text;
  const std::string marker = kTruncatedMarker;
  const size_t room = kMaxCellChars - Utf16Length(marker);
  size_t units = 0;
  size_t cut = 0;  // bytes kept: whole characters only
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t u = Utf16Units(static_cast<unsigned char>(text[i]));
    if (u == 0) continue;
    if (units + u > room) break;
    units += u;
    cut = i + 1;
    while (cut < text.size() && Utf16Units(static_cast<unsigned char>(text[cut])) == 0) ++cut;
  }
  return text.substr(0, cut) + marker;
}

absl::StatusOr<std::string> WriteXlsx(const Sheet& sheet) {
  if (sheet.columns.empty()) return absl::InternalError("xlsx: a sheet without columns");
  TempFile file;
  if (file.path().empty()) return absl::InternalError("xlsx: cannot make a temporary file");
  lxw_workbook_options options{};
  lxw_workbook* wb = workbook_new_opt(file.path().c_str(), &options);
  if (wb == nullptr) return absl::InternalError("xlsx: cannot start a workbook");
  // The sheet's name: Excel allows 31 characters and none of []:*?/\.
  lxw_worksheet* ws =
      workbook_add_worksheet(wb, sheet.title.empty() ? nullptr : sheet.title.c_str());
  if (ws == nullptr) ws = workbook_add_worksheet(wb, nullptr);
  absl::Status filled =
      ws == nullptr ? absl::InternalError("xlsx: cannot add a worksheet") : Fill(sheet, wb, ws);
  lxw_error closed = workbook_close(wb);  // frees the workbook, also after a failure
  RETURN_IF_ERROR(filled);
  RETURN_IF_ERROR(Check(closed, "close"));
  std::ifstream in(file.path(), std::ios::binary);
  if (!in) return absl::InternalError("xlsx: cannot read the workbook back");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::move(bytes).str();
}

}  // namespace taizhang::reports
