// The sheet model and its two writers: CSV checked byte by byte and parsed
// by Python's csv module, XLSX read back by openpyxl (tests/ledger_dump.py).
#include "reports/sheet.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/csv_writer.h"
#include "reports/testing/ledger_dump.h"
#include "reports/xlsx_writer.h"

namespace taizhang::reports {
namespace {

using testing::DumpLedger;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::Str;
using testing::Table;

Sheet Sample() {
  Sheet s;
  s.title = "任务台账";
  s.as_of = absl::CivilDay(2026, 11, 30);
  s.columns = {{"序号", 6, CellType::kInteger},
               {"任务名称", 10, CellType::kText},
               {"计划投资（万元）", 10, CellType::kMoney},
               {"完成率", 8, CellType::kPercent},
               {"时限", 10, CellType::kDate},
               {"亮灯", 6, CellType::kText}};
  Cell red = Cell::Text("红灯");
  red.fill = v1::LIGHT_RED;
  Cell green = Cell::Text("绿灯");
  green.fill = v1::LIGHT_GREEN;
  s.rows.push_back({Cell::Number(1), Cell::Text("征地, \"拆迁\"\n补偿"), Cell::Number(12346),
                    Cell::Number(6981), Cell::Text("2026-11-15"), red});
  s.rows.push_back({Cell::Number(2), Cell::Text("晋宁吾悦广场5号地块4户农户拆迁及14.5亩征地"),
                    Cell::Number(-5), Cell::Empty(), Cell::Empty(), green});
  return s;
}

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            absl::StrCat("taizhang-sheet-", getpid(), "-", name))
                               .string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(SheetTest, WidthsMoneyAndText) {
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("项目名称"), 8);
  EXPECT_EQ(DisplayWidth("A区（县）"), 9);           // full-width brackets are wide
  EXPECT_EQ(DisplayWidth("\xff"), 1);                // a stray byte counts once
  EXPECT_EQ(YuanToWanHundredths(1'234'567), 12346);  // 123.4567 万元 -> 123.46
  EXPECT_EQ(YuanToWanHundredths(49), 0);
  EXPECT_EQ(YuanToWanHundredths(50), 1);
  EXPECT_EQ(YuanToWanHundredths(-150), -2);
  const Sheet s = Sample();
  EXPECT_EQ(s.TitleLine(), "任务台账（截至2026年11月30日）");
  EXPECT_EQ(CellText(s.columns[2], s.rows[0][2]), "123.46");
  EXPECT_EQ(CellText(s.columns[2], s.rows[1][2]), "-0.05");
  EXPECT_EQ(CellText(s.columns[3], s.rows[0][3]), "69.81%");
  EXPECT_EQ(CellText(s.columns[3], s.rows[1][3]), "");
  EXPECT_EQ(CellText(s.columns[0], s.rows[1][0]), "2");
}

TEST(CsvWriterTest, BomQuotingAndCrlf) {
  const std::string csv = WriteCsv(Sample());
  EXPECT_THAT(csv, StartsWith("\xEF\xBB\xBF任务台账（截至2026年11月30日）\r\n"
                              "序号,任务名称,计划投资（万元）,完成率,时限,亮灯\r\n"
                              "1,\"征地, \"\"拆迁\"\"\n补偿\",123.46,69.81%,2026-11-15,红灯\r\n"));
  EXPECT_THAT(csv, HasSubstr("\r\n2,晋宁吾悦广场5号地块4户农户拆迁及14.5亩征地,-0.05,,,绿灯\r\n"));
  std::string field;
  AppendCsvField("plain", &field);
  EXPECT_EQ(field, "plain");

  const std::string path = WriteTemp("a.csv", csv);
  auto dump = DumpLedger("csv", path);
  ASSERT_TRUE(dump.ok()) << dump.status();
  EXPECT_TRUE(dump->fields().at("bom").bool_value());
  const auto records = Table(*dump, "records");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_THAT(records[0], ElementsAre("任务台账（截至2026年11月30日）"));
  EXPECT_EQ(records[2][1], "征地, \"拆迁\"\n补偿");
  EXPECT_EQ(records[3][5], "绿灯");
  std::filesystem::remove(path);
}

// A title an enterprise wrote must not run as a formula when an office opens
// the CSV in Excel; a negative amount stays a number.
TEST(CsvWriterTest, TextThatLooksLikeAFormulaIsWrittenAsText) {
  Sheet s = Sample();
  s.rows.resize(1);
  for (const char* hostile :
       {"=HYPERLINK(\"http://x\",\"点此\")", "+1", "-2+3", "@SUM(A1)", "\t=1"}) {
    s.rows[0][1] = Cell::Text(hostile);
    const std::string csv = WriteCsv(s);
    std::string quoted;
    AppendCsvField(absl::StrCat("'", hostile), &quoted);
    EXPECT_THAT(csv, HasSubstr(absl::StrCat("\r\n1,", quoted, ","))) << hostile;
  }
  s.rows[0][1] = Cell::Text("征地");
  s.rows[0][2] = Cell::Number(-5);
  EXPECT_THAT(WriteCsv(s), HasSubstr("\r\n1,征地,-0.05,"));
}

TEST(XlsxWriterTest, LayoutAndPrintSetupReadBackByOpenpyxl) {
  auto bytes = WriteXlsx(Sample());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_THAT(*bytes, StartsWith("PK\x03\x04"));
  const std::string path = WriteTemp("a.xlsx", *bytes);
  auto dump = DumpLedger("xlsx", path);
  std::filesystem::remove(path);
  ASSERT_TRUE(dump.ok()) << dump.status();
  const auto& f = dump->fields();
  EXPECT_EQ(Str(*dump, "sheet"), "任务台账");
  EXPECT_EQ(Str(*dump, "title"), "任务台账（截至2026年11月30日）");
  EXPECT_THAT(testing::Strings(f.at("merged")), ElementsAre("A1:F1"));
  EXPECT_EQ(Str(*dump, "freeze"), "A3");
  EXPECT_EQ(Str(*dump, "autofilter"), "A2:F4");
  EXPECT_EQ(Str(*dump, "orientation"), "landscape");
  EXPECT_EQ(Str(*dump, "paper"), "9");  // A4
  EXPECT_TRUE(f.at("fit_to_page").bool_value());
  EXPECT_EQ(f.at("fit_width").number_value(), 1);
  EXPECT_EQ(f.at("fit_height").number_value(), 0);
  EXPECT_EQ(Str(*dump, "print_title_rows"), "$1:$2");
  EXPECT_THAT(testing::Strings(f.at("headers")),
              ElementsAre("序号", "任务名称", "计划投资（万元）", "完成率", "时限", "亮灯"));
  const auto rows = Table(*dump, "rows");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[0],
              ElementsAre("1", "征地, \"拆迁\"\n补偿", "123.46", "0.6981", "2026-11-15", "红灯"));
  EXPECT_THAT(rows[1], ElementsAre("2", "晋宁吾悦广场5号地块4户农户拆迁及14.5亩征地", "-0.05", "",
                                   "", "绿灯"));
  const auto fills = Table(*dump, "fills");
  EXPECT_EQ(fills[0][5], "FF0000");
  EXPECT_EQ(fills[1][5], "92D050");
  EXPECT_EQ(fills[0][1], "");
  // The long Chinese name widens its column: 18 CJK characters and 6 others;
  // 序号 stays narrow.
  const auto& widths = f.at("widths").list_value().values();
  ASSERT_EQ(widths.size(), 6);
  EXPECT_GE(widths[1].number_value(), 44);
  EXPECT_LE(widths[0].number_value(), 9);
}

// Code points of UTF-8 text (what Python's len counts).
size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// A text past what a cell holds (32,767 characters) is cut with a visible
// marker and the workbook is still written; openpyxl reads the cut text, the
// CSV keeps it whole.
TEST(XlsxWriterTest, ATextLongerThanACellIsCutWithAMarker) {
  std::string paragraph = "经现场核查，该地块征地拆迁补偿款已足额拨付到位，剩余4户农户正在协商中。";
  std::string whole;
  while (CodePoints(whole) < 40000) whole += paragraph;
  const std::string fits(kMaxCellChars, 'a');
  Sheet s = Sample();
  s.rows[0][1] = Cell::Text(whole);
  s.rows[1][1] = Cell::Text(fits);
  auto bytes = WriteXlsx(s);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  const std::string path = WriteTemp("long.xlsx", *bytes);
  auto dump = DumpLedger("xlsx", path);
  std::filesystem::remove(path);
  ASSERT_TRUE(dump.ok()) << dump.status();
  const auto rows = Table(*dump, "rows");
  ASSERT_EQ(rows.size(), 2u);
  const std::string& cut = rows[0][1];
  EXPECT_EQ(CodePoints(cut), kMaxCellChars);
  EXPECT_THAT(cut, ::testing::EndsWith(kTruncatedMarker));
  EXPECT_EQ(cut.substr(0, cut.size() - std::string(kTruncatedMarker).size()),
            whole.substr(0, cut.size() - std::string(kTruncatedMarker).size()));
  EXPECT_EQ(rows[0][5], "红灯");  // the row goes on after the cut cell
  EXPECT_EQ(rows[1][1], fits);    // exactly what a cell holds: unchanged
  // The CSV has no such limit.
  EXPECT_THAT(WriteCsv(s), HasSubstr(whole));
}

TEST(XlsxWriterTest, FitCellTextCountsUtf16UnitsAndCutsWholeCharacters) {
  EXPECT_EQ(FitCellText("征地"), "征地");
  // 😀 is two UTF-16 units: 16,384 of them are 32,768 units, one too many.
  std::string faces;
  for (int i = 0; i < 16384; ++i) faces += "😀";
  const std::string cut = FitCellText(faces);
  EXPECT_THAT(cut, ::testing::EndsWith(kTruncatedMarker));
  const std::string kept = cut.substr(0, cut.size() - std::string(kTruncatedMarker).size());
  EXPECT_EQ(kept.size() % 4, 0u);  // whole faces only
  // The marker is 12 units: 32,755 units left, 16,377 faces (32,754 units).
  EXPECT_EQ(kept.size() / 4, 16377u);
  const std::string just(32765, 'x');
  EXPECT_EQ(FitCellText(just + "😀"), just + "😀");  // 32,767 units: fits
  EXPECT_EQ(FitCellText("x" + just + "😀"), std::string(32755, 'x') + kTruncatedMarker);
}

TEST(XlsxWriterTest, NoRowsStillHasItsHeaderAndFilter) {
  Sheet s = Sample();
  s.rows.clear();
  auto bytes = WriteXlsx(s);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  const std::string path = WriteTemp("empty.xlsx", *bytes);
  auto dump = DumpLedger("xlsx", path);
  std::filesystem::remove(path);
  ASSERT_TRUE(dump.ok()) << dump.status();
  EXPECT_EQ(Str(*dump, "autofilter"), "A2:F2");
  EXPECT_TRUE(Table(*dump, "rows").empty());
  s.columns.clear();
  EXPECT_FALSE(WriteXlsx(s).ok());
}

}  // namespace
}  // namespace taizhang::reports
