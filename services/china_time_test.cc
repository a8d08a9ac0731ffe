#include "services/china_time.h"

#include "gtest/gtest.h"

namespace taizhang::services {
namespace {

TEST(ChinaTimeTest, DatesAreMidnightInChina) {
  auto t = ParseChinaDateOrTime("2025-03-01", "--start");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(absl::ToUnixSeconds(*t), 1740758400);  // 2025-02-28T16:00:00Z
  EXPECT_EQ(FormatChina(*t), "2025-03-01 00:00:00");
  EXPECT_EQ(FormatChina(*t, false), "2025-03-01 00:00");
  t = ParseChinaDateOrTime("2025-03-01T09:30:00+08:00", "x");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatChina(*t), "2025-03-01 09:30:00");
  auto bad = ParseChinaDateOrTime("1 March", "--start");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("--start"), absl::string_view::npos);
}

TEST(ChinaTimeTest, HumanDurations) {
  EXPECT_EQ(*ParseHumanDuration("3d"), absl::Hours(72));
  EXPECT_EQ(*ParseHumanDuration("1d12h"), absl::Hours(36));
  EXPECT_EQ(*ParseHumanDuration("2w"), absl::Hours(24 * 14));
  EXPECT_EQ(*ParseHumanDuration("90m"), absl::Minutes(90));
  EXPECT_EQ(*ParseHumanDuration("1h30m"), absl::Minutes(90));
  EXPECT_FALSE(ParseHumanDuration("").ok());
  EXPECT_FALSE(ParseHumanDuration("soon").ok());
  EXPECT_FALSE(ParseHumanDuration("3").ok());
  EXPECT_FALSE(ParseHumanDuration("3y").ok());
}

}  // namespace
}  // namespace taizhang::services
