// A ledger (台账) as a table, before it is written as XLSX or CSV
// (xlsx_writer.h, csv_writer.h): its title, the day it stands as of, its
// columns and its rows of typed cells, a light (绿灯/黄灯/红灯) as a cell's
// fill. The writers decide how each type looks; a sheet says only what a cell
// is.
//
// Thread-safety: a value; not synchronised.
#ifndef TAIZHANG_REPORTS_SHEET_H_
#define TAIZHANG_REPORTS_SHEET_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "taizhang/v1/common.pb.h"

namespace taizhang::reports {

enum class CellType {
  kText,
  kInteger,
  kMoney,    // an amount in the column's unit (万元 or 元, said in its header), 2 decimals
  kPercent,  // basis points: 6981 is 69.81%
  kDate,     // "YYYY-MM-DD"
};

struct Column {
  std::string header;  // e.g. "项目名称", "年度计划投资（万元）"
  double width = 10;   // in Excel's character widths (a CJK character is about 2)
  CellType type = CellType::kText;
};

// One cell. Empty (kind kEmpty) is a blank cell of any column.
struct Cell {
  enum class Kind { kEmpty, kText, kNumber };
  Kind kind = Kind::kEmpty;
  std::string text;    // kText; a kDate column's "YYYY-MM-DD"
  int64_t number = 0;  // kNumber: the integer, the money in hundredths (分 of the unit), the bp
  v1::Light fill = v1::LIGHT_UNSPECIFIED;  // a light's fill colour

  static Cell Text(std::string s) {
    Cell c;
    c.kind = s.empty() ? Kind::kEmpty : Kind::kText;
    c.text = std::move(s);
    return c;
  }
  static Cell Number(int64_t n) {
    Cell c;
    c.kind = Kind::kNumber;
    c.number = n;
    return c;
  }
  static Cell Empty() { return Cell(); }
};

struct Sheet {
  std::string title;     // e.g. "重点项目台账"
  absl::CivilDay as_of;  // the China day it stands as of
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;  // each as long as `columns`

  // The title row as people read it: "重点项目台账（截至2026年11月30日）".
  std::string TitleLine() const;
};

// Display width of UTF-8 text in Excel's character widths: a CJK (or other
// wide) character counts 2, others 1.
double DisplayWidth(const std::string& utf8);

// A money cell's value: yuan in 万元 hundredths (1,234,567 元 -> 12346, i.e.
// 123.46 万元), rounded half away from zero.
int64_t YuanToWanHundredths(int64_t yuan);

// A cell's text as the CSV writes it and a person reads it: money "123.46",
// percent "69.81%", integers and dates as they are.
std::string CellText(const Column& column, const Cell& cell);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_SHEET_H_
