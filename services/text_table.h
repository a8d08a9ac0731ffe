// Plain-text tables for terminals, aligned by display width: a CJK character
// (汉字, fullwidth forms, CJK punctuation) takes two columns, combining marks
// none, so Chinese names line up with Latin ones.
//
// Thread-safety: none needed (values).
#ifndef TAIZHANG_SERVICES_TEXT_TABLE_H_
#define TAIZHANG_SERVICES_TEXT_TABLE_H_

#include <string>
#include <string_view>
#include <vector>

namespace taizhang::services {

// Columns `s` takes on a terminal (UTF-8; an invalid byte counts as one).
int DisplayWidth(std::string_view s);

// `s` followed by spaces up to `width` columns (unchanged when wider).
std::string PadRight(std::string_view s, int width);
std::string PadLeft(std::string_view s, int width);

class TextTable {
 public:
  enum class Align { kLeft, kRight };

  // One header per column; `align` (optional) per column, left by default.
  explicit TextTable(std::vector<std::string> headers, std::vector<Align> align = {});

  // A row with as many cells as headers (missing cells are empty).
  void AddRow(std::vector<std::string> cells);

  // Header, a rule, then the rows; columns separated by two spaces, no
  // trailing spaces; each line ends with '\n'.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_TEXT_TABLE_H_
