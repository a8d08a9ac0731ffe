#include "reports/xlsx_reader.h"

#include <expat.h>
#include <minizip/unzip.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "base/status_macros.h"

namespace taizhang::reports {
namespace {

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("XLSX 文件无法读取：", what));
}

// ---------------------------------------------------------------------------
// The zip container, read by minizip from the buffer.

struct MemoryFile {
  absl::string_view bytes;
  size_t at = 0;
};

voidpf ZCALLBACK MemOpen(voidpf opaque, const char* /*name*/, int /*mode*/) { return opaque; }
uLong ZCALLBACK MemRead(voidpf /*opaque*/, voidpf stream, void* buf, uLong size) {
  auto* f = static_cast<MemoryFile*>(stream);
  const size_t n = std::min<size_t>(size, f->bytes.size() - f->at);
  std::memcpy(buf, f->bytes.data() + f->at, n);
  f->at += n;
  return static_cast<uLong>(n);
}
uLong ZCALLBACK MemWrite(voidpf, voidpf, const void*, uLong) { return 0; }
long ZCALLBACK MemTell(voidpf /*opaque*/, voidpf stream) {
  return static_cast<long>(static_cast<MemoryFile*>(stream)->at);
}
long ZCALLBACK MemSeek(voidpf /*opaque*/, voidpf stream, uLong offset, int origin) {
  auto* f = static_cast<MemoryFile*>(stream);
  size_t base = 0;
  switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET:
      base = 0;
      break;
    case ZLIB_FILEFUNC_SEEK_CUR:
      base = f->at;
      break;
    case ZLIB_FILEFUNC_SEEK_END:
      base = f->bytes.size();
      break;
    default:
      return -1;
  }
  if (base > f->bytes.size() || offset > f->bytes.size() - base) return -1;
  f->at = base + offset;
  return 0;
}
int ZCALLBACK MemClose(voidpf, voidpf) { return 0; }
int ZCALLBACK MemError(voidpf, voidpf) { return 0; }

class ZipArchive {
 public:
  // INVALID_ARGUMENT when `bytes` is not a zip minizip can read.
  static absl::StatusOr<std::unique_ptr<ZipArchive>> Open(absl::string_view bytes, size_t budget) {
    auto zip = std::unique_ptr<ZipArchive>(new ZipArchive(bytes, budget));
    zlib_filefunc_def def;
    def.zopen_file = MemOpen;
    def.zread_file = MemRead;
    def.zwrite_file = MemWrite;
    def.ztell_file = MemTell;
    def.zseek_file = MemSeek;
    def.zclose_file = MemClose;
    def.zerror_file = MemError;
    def.opaque = &zip->file_;
    zip->unz_ = unzOpen2("workbook.xlsx", &def);
    if (zip->unz_ == nullptr) {
      return Invalid("不是完整的 zip 文件（可能已截断或损坏）");
    }
    return zip;
  }
  ~ZipArchive() {
    if (unz_ != nullptr) unzClose(unz_);
  }

  bool Has(const std::string& name) { return unzLocateFile(unz_, name.c_str(), 2) == UNZ_OK; }

  // The uncompressed bytes of `name`; INVALID_ARGUMENT when it is missing,
  // corrupt, or would pass the budget left.
  absl::StatusOr<std::string> Read(const std::string& name) {
    if (unzLocateFile(unz_, name.c_str(), 2) != UNZ_OK) {
      return Invalid(absl::StrCat("缺少部件 ", name));
    }
    unz_file_info64 info;
    if (unzGetCurrentFileInfo64(unz_, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK) {
      return Invalid(absl::StrCat("部件 ", name, " 的目录项损坏"));
    }
    if (info.uncompressed_size > budget_) {
      return TooLarge(name);
    }
    if (unzOpenCurrentFile(unz_) != UNZ_OK) {
      return Invalid(absl::StrCat("部件 ", name, " 无法解压"));
    }
    std::string out;
    char buffer[64 * 1024];
    for (;;) {
      int n = unzReadCurrentFile(unz_, buffer, sizeof buffer);
      if (n < 0) {
        unzCloseCurrentFile(unz_);
        return Invalid(absl::StrCat("部件 ", name, " 解压出错（文件损坏）"));
      }
      if (n == 0) break;
      if (static_cast<size_t>(n) > budget_ - out.size()) {
        unzCloseCurrentFile(unz_);
        return TooLarge(name);
      }
      out.append(buffer, n);
    }
    if (unzCloseCurrentFile(unz_) != UNZ_OK) {  // CRC
      return Invalid(absl::StrCat("部件 ", name, " 校验失败（文件损坏）"));
    }
    budget_ -= out.size();
    return out;
  }

 private:
  ZipArchive(absl::string_view bytes, size_t budget) : budget_(budget), limit_(budget) {
    file_.bytes = bytes;
  }
  absl::Status TooLarge(const std::string& name) const {
    return Invalid(absl::StrCat("解压后超过 ", limit_ >> 20, " MiB（部件 ", name,
                                "），拒绝读取；请删去无关的工作表或拆分文件"));
  }

  MemoryFile file_;
  unzFile unz_ = nullptr;
  size_t budget_;
  const size_t limit_;
};

// ---------------------------------------------------------------------------
// XML parts, read by expat. Element and attribute names are taken without
// their namespace prefix ("r:id" -> "id", "x:row" -> "row").

absl::string_view Local(const char* name) {
  absl::string_view n(name);
  size_t colon = n.rfind(':');
  return colon == absl::string_view::npos ? n : n.substr(colon + 1);
}

// The attribute `local` of an element (the first of that local name), or null.
const char* Attr(const char** attrs, absl::string_view local) {
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    if (Local(attrs[i]) == local) return attrs[i + 1];
  }
  return nullptr;
}

struct XmlHandler {
  std::function<void(absl::string_view name, const char** attrs)> start;
  std::function<void(absl::string_view name)> end;
  std::function<void(absl::string_view text)> text;
  absl::Status error;  // set by a callback to stop the parse
};

absl::Status ParseXml(const std::string& part, const std::string& xml, XmlHandler& h) {
  XML_Parser parser = XML_ParserCreate("UTF-8");
  if (parser == nullptr) return absl::ResourceExhaustedError("XML parser");
  struct Ctx {
    XmlHandler* h;
    XML_Parser parser;
    bool doctype = false;
  } ctx{&h, parser};
  XML_SetUserData(parser, &ctx);
  XML_SetElementHandler(
      parser,
      [](void* data, const XML_Char* name, const XML_Char** attrs) {
        auto* c = static_cast<Ctx*>(data);
        if (c->h->start && c->h->error.ok()) c->h->start(Local(name), attrs);
        if (!c->h->error.ok()) XML_StopParser(c->parser, XML_FALSE);
      },
      [](void* data, const XML_Char* name) {
        auto* c = static_cast<Ctx*>(data);
        if (c->h->end && c->h->error.ok()) c->h->end(Local(name));
        if (!c->h->error.ok()) XML_StopParser(c->parser, XML_FALSE);
      });
  XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* s, int len) {
    auto* c = static_cast<Ctx*>(data);
    if (c->h->text && c->h->error.ok()) c->h->text(absl::string_view(s, len));
  });
  // No part of a workbook has a DTD; one would only serve entity tricks.
  XML_SetStartDoctypeDeclHandler(
      parser, [](void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
        auto* c = static_cast<Ctx*>(data);
        c->doctype = true;
        XML_StopParser(c->parser, XML_FALSE);
      });
  absl::Status result;
  if (xml.size() > static_cast<size_t>(INT32_MAX)) {
    result = Invalid(absl::StrCat(part, " 过大"));
  } else if (XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), XML_TRUE) !=
             XML_STATUS_OK) {
    if (ctx.doctype) {
      result = Invalid(absl::StrCat(part, " 含有 DOCTYPE 声明，拒绝读取"));
    } else if (!h.error.ok()) {
      result = h.error;
    } else {
      result = Invalid(absl::StrCat(part, " 不是合格的 XML（第 ", XML_GetCurrentLineNumber(parser),
                                    " 行：", XML_ErrorString(XML_GetErrorCode(parser)), "）"));
    }
  } else if (!h.error.ok()) {
    result = h.error;
  }
  XML_ParserFree(parser);
  return result;
}

// ---------------------------------------------------------------------------
// The workbook's parts.

struct Workbook {
  std::string sheet_part;  // e.g. "xl/worksheets/sheet1.xml"
  bool date1904 = false;
};

absl::StatusOr<Workbook> ReadWorkbook(ZipArchive& zip) {
  ASSIGN_OR_RETURN(std::string xml, zip.Read("xl/workbook.xml"));
  std::string rid;
  Workbook wb;
  XmlHandler h;
  h.start = [&](absl::string_view name, const char** attrs) {
    if (name == "sheet" && rid.empty()) {
      const char* id = Attr(attrs, "id");
      if (id != nullptr) rid = id;
    } else if (name == "workbookPr") {
      const char* d = Attr(attrs, "date1904");
      wb.date1904 = d != nullptr && (absl::string_view(d) == "1" || absl::string_view(d) == "true");
    }
  };
  RETURN_IF_ERROR(ParseXml("xl/workbook.xml", xml, h));
  if (rid.empty()) return Invalid("工作簿中没有工作表");

  ASSIGN_OR_RETURN(std::string rels, zip.Read("xl/_rels/workbook.xml.rels"));
  std::string target;
  XmlHandler r;
  r.start = [&](absl::string_view name, const char** attrs) {
    if (name != "Relationship") return;
    const char* id = Attr(attrs, "Id");
    const char* t = Attr(attrs, "Target");
    if (id != nullptr && t != nullptr && rid == id) target = t;
  };
  RETURN_IF_ERROR(ParseXml("xl/_rels/workbook.xml.rels", rels, r));
  if (target.empty()) return Invalid(absl::StrCat("找不到第一个工作表（", rid, "）的部件"));
  if (target[0] == '/') {
    wb.sheet_part = target.substr(1);
  } else {
    wb.sheet_part = absl::StrCat("xl/", target);
  }
  return wb;
}

absl::StatusOr<std::vector<std::string>> ReadSharedStrings(ZipArchive& zip) {
  std::vector<std::string> strings;
  if (!zip.Has("xl/sharedStrings.xml")) return strings;  // inline strings only
  ASSIGN_OR_RETURN(std::string xml, zip.Read("xl/sharedStrings.xml"));
  bool in_si = false, in_t = false;
  int in_phonetic = 0;
  std::string current;
  XmlHandler h;
  h.start = [&](absl::string_view name, const char**) {
    if (name == "si") {
      in_si = true;
      current.clear();
    } else if (name == "rPh") {
      ++in_phonetic;
    } else if (name == "t" && in_si && in_phonetic == 0) {
      in_t = true;
    }
  };
  h.end = [&](absl::string_view name) {
    if (name == "si") {
      strings.push_back(std::move(current));
      current.clear();
      in_si = false;
    } else if (name == "rPh") {
      --in_phonetic;
    } else if (name == "t") {
      in_t = false;
    }
  };
  h.text = [&](absl::string_view text) {
    if (in_t) current.append(text.data(), text.size());
  };
  RETURN_IF_ERROR(ParseXml("xl/sharedStrings.xml", xml, h));
  return strings;
}

// Whether a number format code shows a date: y or d outside quoted text,
// bracketed sections ([Red], [$-804]) and escaped characters.
bool IsDateFormatCode(absl::string_view code) {
  bool quoted = false;
  int bracket = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (quoted) {
      if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '[') {
      ++bracket;
    } else if (c == ']') {
      if (bracket > 0) --bracket;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is literal (or padding)
    } else if (bracket == 0) {
      char l = absl::ascii_tolower(c);
      if (l == 'y' || l == 'd') return true;
    }
  }
  return false;
}

bool IsBuiltinDateFormat(int id) {
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
         (id >= 50 && id <= 58);
}

// For each cell style (the s attribute of a cell), whether it shows a date.
absl::StatusOr<std::vector<bool>> ReadDateStyles(ZipArchive& zip) {
  std::vector<bool> styles;
  if (!zip.Has("xl/styles.xml")) return styles;
  ASSIGN_OR_RETURN(std::string xml, zip.Read("xl/styles.xml"));
  std::map<int, bool> custom;  // numFmtId -> date
  std::vector<int> xf_formats;
  bool in_cell_xfs = false;
  XmlHandler h;
  h.start = [&](absl::string_view name, const char** attrs) {
    if (name == "numFmt") {
      const char* id = Attr(attrs, "numFmtId");
      const char* code = Attr(attrs, "formatCode");
      int n = 0;
      if (id != nullptr && code != nullptr && absl::SimpleAtoi(id, &n)) {
        custom[n] = IsDateFormatCode(code);
      }
    } else if (name == "cellXfs") {
      in_cell_xfs = true;
    } else if (name == "xf" && in_cell_xfs) {
      const char* id = Attr(attrs, "numFmtId");
      int n = 0;
      if (id == nullptr || !absl::SimpleAtoi(id, &n)) n = 0;
      xf_formats.push_back(n);
    }
  };
  h.end = [&](absl::string_view name) {
    if (name == "cellXfs") in_cell_xfs = false;
  };
  RETURN_IF_ERROR(ParseXml("xl/styles.xml", xml, h));
  for (int id : xf_formats) {
    auto it = custom.find(id);
    styles.push_back(it != custom.end() ? it->second : IsBuiltinDateFormat(id));
  }
  return styles;
}

// "C7" -> column 2 (0-based), row 7. False when it is not a reference in
// Excel's range (XFD1048576).
bool ParseCellRef(absl::string_view ref, int* col, int* row) {
  size_t i = 0;
  int c = 0;
  while (i < ref.size() && absl::ascii_isalpha(ref[i])) {
    c = c * 26 + (absl::ascii_toupper(ref[i]) - 'A' + 1);
    if (c > 16384) return false;
    ++i;
  }
  if (i == 0 || i == ref.size()) return false;
  int r = 0;
  for (; i < ref.size(); ++i) {
    if (!absl::ascii_isdigit(ref[i])) return false;
    r = r * 10 + (ref[i] - '0');
    if (r > 1048576) return false;
  }
  if (r == 0) return false;
  *col = c - 1;
  *row = r;
  return true;
}

// A number as Excel shows it in General format: at most 15 significant
// digits, no exponent for ordinary magnitudes.
std::string NumberText(absl::string_view v) {
  double d = 0;
  if (!absl::SimpleAtod(v, &d) || !std::isfinite(d)) return std::string(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  std::string s = buf;
  if (s == "-0") s = "0";
  return s;
}

// A date serial as "YYYY-MM-DD" (its day), or nullopt when out of range.
std::optional<std::string> SerialDate(absl::string_view v, bool date1904) {
  double d = 0;
  if (!absl::SimpleAtod(v, &d) || !std::isfinite(d) || d < 0 || d > 2958465) return std::nullopt;
  long days = static_cast<long>(std::floor(d));
  absl::CivilDay day;
  if (date1904) {
    day = absl::CivilDay(1904, 1, 1) + days;
  } else {
    // Serial 1 is 1900-01-01; Excel counts a 29 February 1900 that never
    // was (serial 60), so from 61 on the epoch is 1899-12-30.
    if (days == 0) return std::nullopt;
    day = days < 60 ? absl::CivilDay(1899, 12, 31) + days : absl::CivilDay(1899, 12, 30) + days;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(day.year()), day.month(),
                day.day());
  return std::string(buf);
}

absl::StatusOr<SheetTable> ReadSheet(ZipArchive& zip, const Workbook& wb,
                                     const std::vector<std::string>& strings,
                                     const std::vector<bool>& date_styles,
                                     const SheetLimits& limits) {
  ASSIGN_OR_RETURN(std::string xml, zip.Read(wb.sheet_part));
  SheetTable table;
  const std::string& part = wb.sheet_part;
  XmlHandler h;
  SheetRow row;
  int last_row = 0;
  int next_col = 0;
  // The cell being read.
  bool in_cell = false;
  std::string type, value, inline_text, ref;
  int style = -1;
  int col = 0;
  bool in_v = false, in_is_t = false, in_is = false;
  int in_phonetic = 0;
  auto fail = [&](std::string what) {
    if (h.error.ok()) h.error = Invalid(absl::StrCat(part, "：", what));
  };
  auto finish_row = [&]() {
    while (!row.cells.empty() && row.cells.back().empty()) row.cells.pop_back();
    if (!row.cells.empty()) {
      table.rows.push_back(std::move(row));
      if (table.rows.size() > limits.max_rows) {
        fail(absl::StrCat("超过 ", limits.max_rows, " 行"));
      }
    }
    row = SheetRow();
  };
  h.start = [&](absl::string_view name, const char** attrs) {
    if (name == "row") {
      int r = last_row + 1;
      if (const char* a = Attr(attrs, "r"); a != nullptr) {
        if (!absl::SimpleAtoi(a, &r) || r < 1 || r > 1048576) {
          return fail(absl::StrCat("行号 \"", a, "\" 无效"));
        }
      }
      if (r <= last_row) return fail(absl::StrCat("第 ", r, " 行重复或顺序颠倒"));
      row = SheetRow();
      row.number = r;
      last_row = r;
      next_col = 0;
    } else if (name == "c") {
      in_cell = true;
      type.clear();
      value.clear();
      inline_text.clear();
      style = -1;
      col = next_col;
      if (const char* a = Attr(attrs, "r"); a != nullptr) {
        int r = 0;
        if (!ParseCellRef(a, &col, &r)) return fail(absl::StrCat("单元格引用 \"", a, "\" 无效"));
        if (r != row.number) {
          return fail(absl::StrCat("单元格 ", a, " 不在它所在的第 ", row.number, " 行"));
        }
      }
      if (col < next_col) return fail(absl::StrCat("第 ", row.number, " 行的单元格重复"));
      if (static_cast<size_t>(col) >= limits.max_columns) {
        return fail(absl::StrCat("第 ", row.number, " 行超过 ", limits.max_columns, " 列"));
      }
      if (const char* t = Attr(attrs, "t"); t != nullptr) type = t;
      if (const char* s = Attr(attrs, "s"); s != nullptr) {
        if (!absl::SimpleAtoi(s, &style)) style = -1;
      }
    } else if (name == "v" && in_cell) {
      in_v = true;
    } else if (name == "is" && in_cell) {
      in_is = true;
    } else if (name == "rPh") {
      ++in_phonetic;
    } else if (name == "t" && in_is && in_phonetic == 0) {
      in_is_t = true;
    }
  };
  h.end = [&](absl::string_view name) {
    if (name == "v") {
      in_v = false;
    } else if (name == "t") {
      in_is_t = false;
    } else if (name == "is") {
      in_is = false;
    } else if (name == "rPh") {
      --in_phonetic;
    } else if (name == "c" && in_cell) {
      in_cell = false;
      std::string text;
      if (type == "s") {
        size_t index = 0;
        if (!absl::SimpleAtoi(value, &index) || index >= strings.size()) {
          return fail(absl::StrCat("第 ", row.number, " 行引用了不存在的共享字符串 ", value));
        }
        text = strings[index];
      } else if (type == "inlineStr") {
        text = inline_text;
      } else if (type == "str" || type == "e" || type == "d") {
        text = type == "d" ? value.substr(0, 10) : value;
      } else if (type == "b") {
        text = value == "1" ? "TRUE" : value.empty() ? "" : "FALSE";
      } else if (!value.empty()) {  // a number
        const bool date =
            style >= 0 && static_cast<size_t>(style) < date_styles.size() && date_styles[style];
        std::optional<std::string> day;
        if (date) day = SerialDate(value, wb.date1904);
        text = day.has_value() ? *day : NumberText(value);
      }
      if (row.cells.size() <= static_cast<size_t>(col)) row.cells.resize(col + 1);
      row.cells[col] = std::move(text);
      next_col = col + 1;
    } else if (name == "row") {
      finish_row();
    }
  };
  h.text = [&](absl::string_view t) {
    if (in_v) value.append(t.data(), t.size());
    if (in_is_t) inline_text.append(t.data(), t.size());
  };
  RETURN_IF_ERROR(ParseXml(part, xml, h));
  return table;
}

}  // namespace

absl::StatusOr<SheetTable> ReadXlsx(absl::string_view content, const SheetLimits& limits) {
  ASSIGN_OR_RETURN(std::unique_ptr<ZipArchive> zip,
                   ZipArchive::Open(content, limits.max_unpacked_bytes));
  ASSIGN_OR_RETURN(Workbook wb, ReadWorkbook(*zip));
  ASSIGN_OR_RETURN(std::vector<std::string> strings, ReadSharedStrings(*zip));
  ASSIGN_OR_RETURN(std::vector<bool> date_styles, ReadDateStyles(*zip));
  return ReadSheet(*zip, wb, strings, date_styles, limits);
}

}  // namespace taizhang::reports
