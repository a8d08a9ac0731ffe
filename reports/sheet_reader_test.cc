// The readers of ledgers brought in: CSV as Excel and WPS write it, XLSX as
// openpyxl (an independent writer) and a hand-made minimal zip write it, and
// hostile files (garbage, truncated, missing parts, bombs, bad XML), each a
// clear INVALID_ARGUMENT.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/csv_reader.h"
#include "reports/sheet_table.h"
#include "reports/xlsx_reader.h"

namespace taizhang::reports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fresh temporary directory, removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    do {
      path_ = std::filesystem::temp_directory_path() /
              absl::StrCat("taizhang-sheet-", getpid(), "-", rd());
    } while (!std::filesystem::create_directory(path_));
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs a script with Debian's python3 (whose python3-openpyxl is the
// independent writer) in `dir`; it writes its files there.
void RunPython(const ScratchDir& dir, const std::string& script) {
  {
    std::ofstream out(dir / "make.py", std::ios::binary);
    out << script;
  }
  const std::string cmd = absl::StrCat("cd '", dir / "", "' && /usr/bin/python3 make.py");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << script;
}

std::vector<std::string> Cells(const SheetRow& row) { return row.cells; }

// ---------------------------------------------------------------------------
// CSV.

TEST(CsvReaderTest, BomQuotesCrlfAndRowNumbers) {
  const std::string csv =
      "\xEF\xBB\xBF项目代码,项目名称,备注\r\n"
      "2020-530115-47-01-012345,\"罗欣药业, 医药健康产业园\",\"他说\"\"好\"\"\"\r\n"
      "\r\n"  // an empty row keeps its number
      "A,\"两行\r\n文字\",\r\n"
      "B,,\n"  // LF alone
      "C,\"\",末行";
  absl::StatusOr<SheetTable> t = ReadCsv(csv);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 5u);
  EXPECT_EQ(t->rows[0].number, 1);
  EXPECT_THAT(Cells(t->rows[0]), ElementsAre("项目代码", "项目名称", "备注"));
  EXPECT_THAT(Cells(t->rows[1]),
              ElementsAre("2020-530115-47-01-012345", "罗欣药业, 医药健康产业园", "他说\"好\""));
  EXPECT_EQ(t->rows[2].number, 4);  // row 3 was empty
  EXPECT_THAT(Cells(t->rows[2]), ElementsAre("A", "两行\n文字"));
  EXPECT_EQ(t->rows[3].number, 5);  // the quoted line break is inside row 4
  EXPECT_THAT(Cells(t->rows[3]), ElementsAre("B"));
  EXPECT_EQ(t->rows[4].number, 6);
  EXPECT_THAT(Cells(t->rows[4]), ElementsAre("C", "", "末行"));
  EXPECT_EQ(t->rows[4].Cell(7), "");
  EXPECT_EQ(DetectSheetFormat(csv), SheetFormat::kCsv);
}

TEST(CsvReaderTest, WithoutBomAndQuoteInsideUnquotedField) {
  absl::StatusOr<SheetTable> t = ReadCsv("a,5\"寸\",c\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(Cells(t->rows[0]), ElementsAre("a", "5\"寸\"", "c"));
}

TEST(CsvReaderTest, InvalidUtf8NamesTheRow) {
  // "项目" in GBK on the third row.
  absl::StatusOr<SheetTable> t = ReadCsv("a,b\nc,d\ne,\xCF\xEE\xC4\xBF\n");
  ASSERT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("第 3 行"));
  EXPECT_THAT(t.status().message(), HasSubstr("UTF-8"));
  // A truncated sequence at the very end, and an overlong encoding.
  EXPECT_EQ(ReadCsv("a\n\xE9\xA1").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadCsv("\xC0\xAF").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CsvReaderTest, BadQuotingIsRefusedWithTheRow) {
  absl::StatusOr<SheetTable> t = ReadCsv("a\nb\n\"never closed,\nc\n");
  ASSERT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("第 3 行"));
  t = ReadCsv("\"a\"b,c\n");
  ASSERT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("第 1 行"));
}

TEST(CsvReaderTest, Limits) {
  SheetLimits limits;
  limits.max_rows = 2;
  EXPECT_EQ(ReadCsv("a\nb\nc\n", limits).status().code(), absl::StatusCode::kInvalidArgument);
  limits.max_rows = 10;
  limits.max_columns = 3;
  EXPECT_EQ(ReadCsv("a,b,c,d\n", limits).status().code(), absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// XLSX.

// openpyxl: a title row (merged), the headers, strings, numbers, a date, a
// boolean, an empty cell in the middle; a second sheet that must be ignored.
constexpr char kOpenpyxlScript[] = R"PY(
import datetime, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "重点项目"
ws["A1"] = "重点项目台账（截至2025年3月1日）"
ws.merge_cells("A1:F1")
ws.append(["序号", "项目代码", "项目名称", "总投资（万元）", "计划开工", "已审核"])
ws.append([1, "2025-530115-47-01-000011", "晋宁吾悦广场", 29350.5, datetime.date(2025, 4, 1), True])
ws.append([2, None, "滇池医院", 12000, datetime.datetime(2024, 12, 31, 18, 30), False])
ws["C5"] = "只有一格"
ws["E6"] = 0.1 + 0.2
ws["F6"] = 45000
other = wb.create_sheet("其他")
other["A1"] = "不应读到"
wb.save("ledger.xlsx")
)PY";

TEST(XlsxReaderTest, FirstSheetOfAnOpenpyxlWorkbook) {
  ScratchDir dir;
  ASSERT_NO_FATAL_FAILURE(RunPython(dir, kOpenpyxlScript));
  const std::string bytes = Slurp(dir / "ledger.xlsx");
  ASSERT_EQ(DetectSheetFormat(bytes), SheetFormat::kXlsx);
  absl::StatusOr<SheetTable> t = ReadSheetTable(bytes);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 6u);
  EXPECT_EQ(t->rows[0].number, 1);
  EXPECT_THAT(Cells(t->rows[0]), ElementsAre("重点项目台账（截至2025年3月1日）"));
  EXPECT_THAT(Cells(t->rows[1]),
              ElementsAre("序号", "项目代码", "项目名称", "总投资（万元）", "计划开工", "已审核"));
  EXPECT_THAT(Cells(t->rows[2]), ElementsAre("1", "2025-530115-47-01-000011", "晋宁吾悦广场",
                                             "29350.5", "2025-04-01", "TRUE"));
  // The empty cell in the middle is "", the date-time is its day.
  EXPECT_THAT(Cells(t->rows[3]), ElementsAre("2", "", "滇池医院", "12000", "2024-12-31", "FALSE"));
  EXPECT_EQ(t->rows[4].number, 5);
  EXPECT_THAT(Cells(t->rows[4]), ElementsAre("", "", "只有一格"));
  // A float as Excel shows it; a number without a date format stays a number.
  EXPECT_THAT(Cells(t->rows[5]), ElementsAre("", "", "", "", "0.3", "45000"));
  for (const SheetRow& row : t->rows) {
    for (const std::string& cell : row.cells) EXPECT_NE(cell, "不应读到");
  }
}

// A minimal workbook by hand: inline strings, no sharedStrings.xml and no
// styles.xml (valid), a sheet part named by an absolute target, sparse
// cells without references after the first, the 1904 date system ignored
// without a date style.
constexpr char kMinimalScript[] = R"PY(
import zipfile
def write(name, parts):
    with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in parts.items():
            z.writestr(k, v)
ct = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
wb = ('<?xml version="1.0"?><x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
      '<x:sheets><x:sheet name="S" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>')
rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId7" Type="worksheet" Target="/xl/worksheets/data.xml"/></Relationships>')
sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
         '<row r="2"><c r="B2" t="inlineStr"><is><t>任务</t></is></c><c t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c></row>'
         '<row><c r="A3"><v>1.5E3</v></c><c r="D3" t="str"><v>公式结果</v></c><c r="E3" t="e"><v>#N/A</v></c></row>'
         '</sheetData></worksheet>')
base = {"[Content_Types].xml": ct, "xl/workbook.xml": wb, "xl/_rels/workbook.xml.rels": rels,
        "xl/worksheets/data.xml": sheet}
write("minimal.xlsx", base)
write("missing_sheet.xlsx", {k: v for k, v in base.items() if k != "xl/worksheets/data.xml"})
write("missing_workbook.xlsx", {k: v for k, v in base.items() if k != "xl/workbook.xml"})
write("bad_xml.xlsx", dict(base, **{"xl/worksheets/data.xml": sheet[:-20]}))
write("doctype.xlsx", dict(base, **{"xl/worksheets/data.xml":
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet><sheetData/></worksheet>'}))
write("bad_ref.xlsx", dict(base, **{"xl/worksheets/data.xml":
    '<worksheet><sheetData><row r="1"><c r="ZZZZ1"><v>1</v></c></row></sheetData></worksheet>'}))
write("bad_shared.xlsx", dict(base, **{"xl/worksheets/data.xml":
    '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>99</v></c></row></sheetData></worksheet>'}))
# A shared string of 1 MiB referenced by 70 cells: a small file, 70 MiB of cells.
big = 'x' * (1 << 20)
write("amplify.xlsx", dict(base, **{
    "xl/sharedStrings.xml": '<sst><si><t>' + big + '</t></si></sst>',
    "xl/worksheets/data.xml": '<worksheet><sheetData><row r="1">' +
        ''.join('<c t="s"><v>0</v></c>' for _ in range(70)) + '</row></sheetData></worksheet>'}))
# One cell far to the right (column 900, AHP) on each of 2,500 rows: 2.25 million cells.
write("far_right.xlsx", dict(base, **{"xl/worksheets/data.xml": '<worksheet><sheetData>' +
    ''.join('<row r="%d"><c r="AHP%d"><v>1</v></c></row>' % (i, i) for i in range(1, 2501)) +
    '</sheetData></worksheet>'}))
# A zip bomb: 70 MiB of spaces deflate to a few tens of KiB.
write("bomb.xlsx", dict(base, **{"xl/worksheets/data.xml":
    '<worksheet><sheetData>' + ' ' * (70 << 20) + '</sheetData></worksheet>'}))
)PY";

class HostileXlsxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    RunPython(*dir_, kMinimalScript);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string File(const std::string& name) { return Slurp(*dir_ / name); }
  static void ExpectRefused(const std::string& name, const std::string& words) {
    absl::StatusOr<SheetTable> t = ReadXlsx(File(name));
    ASSERT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << name << ": " << t.status();
    EXPECT_THAT(t.status().message(), HasSubstr(words)) << name;
  }
  static ScratchDir* dir_;
};
ScratchDir* HostileXlsxTest::dir_ = nullptr;

TEST_F(HostileXlsxTest, MinimalWorkbookWithInlineStringsOnly) {
  absl::StatusOr<SheetTable> t = ReadXlsx(File("minimal.xlsx"));
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].number, 2);
  EXPECT_THAT(Cells(t->rows[0]), ElementsAre("", "任务", "富文本"));
  EXPECT_EQ(t->rows[1].number, 3);
  EXPECT_THAT(Cells(t->rows[1]), ElementsAre("1500", "", "", "公式结果", "#N/A"));
}

TEST_F(HostileXlsxTest, EachIsAClearError) {
  ExpectRefused("missing_sheet.xlsx", "缺少部件 xl/worksheets/data.xml");
  ExpectRefused("missing_workbook.xlsx", "缺少部件 xl/workbook.xml");
  ExpectRefused("bad_xml.xlsx", "不是合格的 XML");
  ExpectRefused("doctype.xlsx", "DOCTYPE");
  ExpectRefused("bad_ref.xlsx", "ZZZZ1");
  ExpectRefused("bad_shared.xlsx", "共享字符串");
  ExpectRefused("bomb.xlsx", "解压后超过 64 MiB");
  ExpectRefused("amplify.xlsx", "单元格内容超过 64 MiB");
  ExpectRefused("far_right.xlsx", "单元格超过 2000000 个");
}

TEST_F(HostileXlsxTest, GarbageAndEveryTruncation) {
  absl::StatusOr<SheetTable> t = ReadSheetTable(std::string("PK\x03\x04 not a zip at all", 23));
  ASSERT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("zip"));
  // Every prefix of a real workbook is refused, never a crash.
  const std::string whole = File("minimal.xlsx");
  for (size_t n = 4; n < whole.size(); n += 7) {
    absl::StatusOr<SheetTable> cut = ReadXlsx(whole.substr(0, n));
    EXPECT_EQ(cut.status().code(), absl::StatusCode::kInvalidArgument) << n;
  }
  // Flipped bytes in the middle: an error or a table, never a crash.
  for (size_t at = 30; at < whole.size(); at += 11) {
    std::string flipped = whole;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x5A);
    absl::StatusOr<SheetTable> r = ReadXlsx(flipped);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << at;
    }
  }
}

}  // namespace
}  // namespace taizhang::reports
