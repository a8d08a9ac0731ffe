#include "services/text_table.h"

#include "gtest/gtest.h"

namespace taizhang::services {
namespace {

TEST(DisplayWidthTest, CountsCjkAsTwoColumns) {
  EXPECT_EQ(DisplayWidth(""), 0);
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("自然资源局"), 10);
  EXPECT_EQ(DisplayWidth("department:自然资源局:王科长"), 11 + 10 + 1 + 6);
  EXPECT_EQ(DisplayWidth("（全角）"), 8);       // fullwidth parentheses
  EXPECT_EQ(DisplayWidth("督办，通报。"), 12);  // CJK punctuation
  EXPECT_EQ(DisplayWidth("e\u0301"), 1);        // combining accent
  EXPECT_EQ(DisplayWidth("\xff"), 1);           // invalid byte
  EXPECT_EQ(DisplayWidth("\xe4\xb8"), 2);       // truncated sequence: one per byte
}

TEST(TextTableTest, AlignsColumnsByDisplayWidth) {
  TextTable table({"no", "unit", "note"}, {TextTable::Align::kRight});
  table.AddRow({"1", "自然资源局", "ok"});
  table.AddRow({"12", "ops", "超期"});
  EXPECT_EQ(table.Render(),
            "no  unit        note\n"
            "--  ----------  ----\n"
            " 1  自然资源局  ok\n"
            "12  ops         超期\n");
}

TEST(PadTest, PadsToDisplayWidth) {
  EXPECT_EQ(PadRight("局", 4), "局  ");
  EXPECT_EQ(PadLeft("局", 4), "  局");
  EXPECT_EQ(PadRight("toolong", 3), "toolong");
}

}  // namespace
}  // namespace taizhang::services
