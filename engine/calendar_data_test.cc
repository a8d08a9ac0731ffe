// The shipped calendar data (workflows/policies/calendars) and the first
// notices kept as test data (workflows/testdata/first-notices), checked
// against the rules every State Council notice follows; and the calendar's
// versions (digests).
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace taizhang::engine {
namespace {

using ::testing::HasSubstr;

using ::taizhang::testing::ReadFile;
using ::taizhang::testing::SourceDir;

bool Weekend(absl::CivilDay d) {
  const absl::Weekday w = absl::GetWeekday(d);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

// Weekdays off minus make-up working days: the statutory holidays that fall
// on weekdays, net of 调休.
int NetWeekdaysOff(const WorkingDayCalendar& cal, int year) {
  int net = 0;
  for (absl::CivilDay d(year, 1, 1); d.year() == year; ++d) {
    if (!Weekend(d) && !cal.IsWorkingDay(d)) ++net;
    if (Weekend(d) && cal.IsWorkingDay(d)) --net;
  }
  return net;
}

TEST(CalendarDataTest, EveryShippedYearFollowsTheNoticeRules) {
  auto cal = WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/policies/calendars");
  ASSERT_TRUE(cal.ok()) << cal.status();
  for (int year : {2014, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026}) {
    SCOPED_TRACE(year);
    ASSERT_TRUE(cal->HasYear(year));
    const v1::CalendarYear& data = *cal->YearData(year);
    ASSERT_GE(data.sources_size(), 1);
    EXPECT_THAT(data.sources(0).title(),
                HasSubstr(absl::StrCat("国务院办公厅关于", year, "年部分节假日安排的通知")));
    for (const v1::MakeUpWorkingDay& work : data.work()) {
      EXPECT_TRUE(Weekend(*ParseDate(work.date()))) << work.date();
    }
    // 11 statutory days on weekdays net of make-up days until 2024 (2020: 13
    // after the Spring Festival extension), 13 from 2025.
    const int expected = year == 2020 ? 13 : year >= 2025 ? 13 : 11;
    EXPECT_EQ(NetWeekdaysOff(*cal, year), expected);
  }
  // The amendments are named as sources.
  EXPECT_EQ(cal->YearData(2019)->sources(1).document_number(), "国办发明电〔2019〕2号");
  EXPECT_EQ(cal->YearData(2020)->sources(1).document_number(), "国办发明电〔2020〕1号");
}

TEST(CalendarDataTest, FirstNoticesBeforeTheirAmendments) {
  auto first = WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/testdata/first-notices");
  ASSERT_TRUE(first.ok()) << first.status();
  auto amended = WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/policies/calendars");
  ASSERT_TRUE(amended.ok()) << amended.status();
  EXPECT_EQ(NetWeekdaysOff(*first, 2019), 11);
  EXPECT_EQ(NetWeekdaysOff(*first, 2020), 11);
  for (int year : {2019, 2020}) {
    for (const v1::MakeUpWorkingDay& work : first->YearData(year)->work()) {
      EXPECT_TRUE(Weekend(*ParseDate(work.date()))) << work.date();
    }
  }
  // 2019 劳动节: 05-01 alone, no make-up Sundays; amended to 05-01..04 with
  // Sundays 04-28 and 05-05 working.
  const absl::CivilDay d0502(2019, 5, 2), d0428(2019, 4, 28), d0505(2019, 5, 5);
  EXPECT_TRUE(first->IsWorkingDay(d0502));
  EXPECT_FALSE(first->IsWorkingDay(d0428));
  EXPECT_FALSE(first->IsWorkingDay(d0505));
  EXPECT_FALSE(amended->IsWorkingDay(d0502));
  EXPECT_TRUE(amended->IsWorkingDay(d0428));
  EXPECT_TRUE(amended->IsWorkingDay(d0505));
  // 2020 春节: 01-24..01-30 with Saturday 02-01 working; extended to 02-02.
  EXPECT_TRUE(first->IsWorkingDay(absl::CivilDay(2020, 1, 31)));
  EXPECT_TRUE(first->IsWorkingDay(absl::CivilDay(2020, 2, 1)));
  EXPECT_FALSE(amended->IsWorkingDay(absl::CivilDay(2020, 1, 31)));
  EXPECT_FALSE(amended->IsWorkingDay(absl::CivilDay(2020, 2, 1)));
  // The other days agree.
  EXPECT_EQ(first->Digest(2018), "");
  EXPECT_NE(first->Digest(2019), amended->Digest(2019));
  EXPECT_NE(first->Digest(2020), amended->Digest(2020));
}

TEST(CalendarDigestTest, CoversTheDaysNotTheirSpelling) {
  const std::string a = R"(year: 2027 region: "cn"
    off { from: "2027-01-01" to: "2027-01-03" name: "元旦" }
    work { date: "2027-01-09" name: "元旦" })";
  // The same days: two ranges, other names, a source, another order.
  const std::string b = R"(year: 2027 region: "cn"
    sources { title: "test" }
    work { date: "2027-01-09" }
    off { from: "2027-01-02" to: "2027-01-03" }
    off { from: "2027-01-01" to: "2027-01-01" name: "New Year" })";
  // One day more off.
  const std::string c = R"(year: 2027 region: "cn"
    off { from: "2027-01-01" to: "2027-01-04" name: "元旦" }
    work { date: "2027-01-09" name: "元旦" })";
  auto ya = ParseCalendarYear("a", a), yb = ParseCalendarYear("b", b),
       yc = ParseCalendarYear("c", c);
  ASSERT_TRUE(ya.ok() && yb.ok() && yc.ok()) << ya.status() << yb.status() << yc.status();
  EXPECT_EQ(CanonicalCalendarText(*ya),
            "taizhang calendar v1\nregion cn\nyear 2027\noff 2027-01-01\nwork 2027-01-09\n");
  EXPECT_EQ(CalendarDigest(*ya), CalendarDigest(*yb));
  EXPECT_NE(CalendarDigest(*ya), CalendarDigest(*yc));
  EXPECT_EQ(CalendarDigest(*ya).size(), 64u);
  // The digest is pinned: it is recorded in the log and named by events.
  EXPECT_EQ(CalendarDigest(*ya),
            "a400763590eaeb0856ea85b3beca664f92fbd4c07aa8ccae51ef19055188644a");
}

TEST(CalendarDigestTest, VersionOfNamesEveryYearSpanned) {
  WorkingDayCalendar cal;
  auto y = ParseCalendarYear("2026", R"(year: 2026 region: "cn")");
  ASSERT_TRUE(y.ok());
  ASSERT_TRUE(cal.AddYear(*y).ok());
  EXPECT_EQ(cal.VersionOf(absl::CivilDay(2026, 12, 28), absl::CivilDay(2027, 1, 4)),
            absl::StrCat("cn-2026:", cal.Digest(2026), ",cn-2027:none"));
  EXPECT_EQ(cal.VersionOf(absl::CivilDay(2026, 5, 1), absl::CivilDay(2026, 3, 1)),
            absl::StrCat("cn-2026:", cal.Digest(2026)));
}

TEST(CalendarParseTest, MalformedTextNamesLineAndReason) {
  auto syntax =
      ParseCalendarYear("cn-2027.textproto", "year: 2027\nregion: \"cn\"\noff { from: }\n");
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(syntax.status().message()), HasSubstr("cn-2027.textproto:3:"));
  auto weekday = ParseCalendarYear("cn-2027.textproto",
                                   "year: 2027\nregion: \"cn\"\n\nwork { date: \"2027-01-06\" }\n");
  EXPECT_EQ(weekday.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(weekday.status().message()),
              HasSubstr("cn-2027.textproto:4:8: work[0].date: 2027-01-06 is not a Saturday"));
  auto year = ParseCalendarYear("x", "year: 2027\nregion: \"cn\"\n", 2028);
  EXPECT_THAT(std::string(year.status().message()), HasSubstr("does not match the file name"));
}

TEST(CalendarSetYearTest, ReplacesAYearAndKeepsTheOthers) {
  auto cal = WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/testdata/first-notices");
  ASSERT_TRUE(cal.ok()) << cal.status();
  auto amended = ParseCalendarYear(
      "cn-2019", ReadFile(SourceDir() + "/workflows/policies/calendars/cn-2019.textproto"), 2019);
  ASSERT_TRUE(amended.ok()) << amended.status();
  const std::string digest2020 = cal->Digest(2020);
  // 5 working days from Thu 2019-04-25: 04-26, 29, 30, 05-02, 03 on the first
  // notice; 04-26, Sun 28, 29, 30, Sun 05-05 as amended.
  EXPECT_EQ(cal->AddWorkingDays(absl::CivilDay(2019, 4, 25), 5).day, absl::CivilDay(2019, 5, 3));
  EXPECT_EQ(cal->AddYear(*amended).code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(cal->SetYear(*amended).ok());
  EXPECT_EQ(cal->AddWorkingDays(absl::CivilDay(2019, 4, 25), 5).day, absl::CivilDay(2019, 5, 5));
  EXPECT_EQ(cal->Digest(2019), CalendarDigest(*amended));
  EXPECT_EQ(cal->Digest(2020), digest2020);
  // A bad year changes nothing.
  v1::CalendarYear bad = *amended;
  bad.add_work()->set_date("2019-05-06");  // a Monday
  EXPECT_EQ(cal->SetYear(bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cal->Digest(2019), CalendarDigest(*amended));
}

}  // namespace
}  // namespace taizhang::engine
