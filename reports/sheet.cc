#include "reports/sheet.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace taizhang::reports {
namespace {

// The code point at s[*i], advancing *i; U+FFFD for a malformed byte.
uint32_t NextCodePoint(const std::string& s, size_t* i) {
  const auto b = static_cast<unsigned char>(s[*i]);
  int extra = b < 0x80 ? 0 : (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xe ? 2 : (b >> 3) == 0x1e ? 3 : -1;
  if (extra < 0 || *i + extra >= s.size()) {
    ++*i;
    return 0xfffd;
  }
  uint32_t cp = extra == 0 ? b : b & (0x3f >> extra);
  for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3f);
  *i += extra + 1;
  return cp;
}

bool Wide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
         (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
         (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
         (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
}

std::string Hundredths(int64_t v) {
  const int64_t a = v < 0 ? -v : v;
  return absl::StrFormat("%s%d.%02d", v < 0 ? "-" : "", a / 100, a % 100);
}

}  // namespace

std::string Sheet::TitleLine() const {
  return absl::StrFormat("%s（截至%d年%d月%d日）", title, as_of.year(), as_of.month(), as_of.day());
}

double DisplayWidth(const std::string& utf8) {
  double width = 0;
  for (size_t i = 0; i < utf8.size();) width += Wide(NextCodePoint(utf8, &i)) ? 2 : 1;
  return width;
}

int64_t YuanToWanHundredths(int64_t yuan) {
  // 1 万元 hundredth = 100 元.
  const int64_t a = yuan < 0 ? -yuan : yuan;
  const int64_t r = (a + 50) / 100;
  return yuan < 0 ? -r : r;
}

std::string CellText(const Column& column, const Cell& cell) {
  switch (cell.kind) {
    case Cell::Kind::kEmpty:
      return "";
    case Cell::Kind::kText:
      return cell.text;
    case Cell::Kind::kNumber:
      break;
  }
  switch (column.type) {
    case CellType::kMoney:
      return Hundredths(cell.number);
    case CellType::kPercent:
      return absl::StrCat(Hundredths(cell.number), "%");
    default:
      return absl::StrCat(cell.number);
  }
}

}  // namespace taizhang::reports
