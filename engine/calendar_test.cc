#include "engine/calendar.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "base/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace taizhang::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ::taizhang::testing::SourceDir;

std::string CalendarDir() { return SourceDir() + "/workflows/policies/calendars"; }

absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

DayResult Final(absl::CivilDay day) { return {day, false}; }
DayResult Provisional(absl::CivilDay day) { return {day, true}; }

// A synthetic 2027 for tests (not the real notice, which had not been
// published): New Year 01-01..01-03 off, Saturday 01-09 working.
v1::CalendarYear Synthetic2027() {
  v1::CalendarYear year;
  year.set_year(2027);
  year.set_region("cn");
  v1::OffRange* off = year.add_off();
  off->set_from("2027-01-01");
  off->set_to("2027-01-03");
  off->set_name("元旦");
  v1::MakeUpWorkingDay* work = year.add_work();
  work->set_date("2027-01-09");
  work->set_name("元旦");
  return year;
}

class CalendarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<WorkingDayCalendar> loaded = WorkingDayCalendar::LoadDirectory(CalendarDir());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    cal_ = *std::move(loaded);
  }

  WorkingDayCalendar cal_;
};

TEST(CalendarDateTest, ParseAndFormat) {
  EXPECT_EQ(*ParseDate("2026-02-14"), D(2026, 2, 14));
  EXPECT_EQ(FormatDate(D(2026, 2, 14)), "2026-02-14");
  EXPECT_EQ(FormatDate(D(987, 1, 2)), "0987-01-02");
  for (const char* bad : {"2026-02-30", "2026-2-14", "2026/02/14", "20260214", "2026-02-14 ", "",
                          "2026-13-01", "0000-01-01", "２０２６-02-14"}) {
    EXPECT_EQ(ParseDate(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(std::string(ParseDate("2026-02-30").status().message()), HasSubstr("2026-02-30"));
}

TEST(CalendarDateTest, ChinaTimeIsUtcPlus8) {
  // 2026-10-22 00:00 +08:00 is 2026-10-21 16:00 UTC.
  const absl::Time start = StartOfDay(D(2026, 10, 22));
  EXPECT_EQ(start, absl::FromCivil(absl::CivilSecond(2026, 10, 21, 16, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(DayOf(start), D(2026, 10, 22));
  EXPECT_EQ(DayOf(start - absl::Nanoseconds(1)), D(2026, 10, 21));
  EXPECT_EQ(DayOfMicros(absl::ToUnixMicros(start)), D(2026, 10, 22));
  EXPECT_EQ(DayOfMicros(absl::ToUnixMicros(start) - 1), D(2026, 10, 21));
  // No daylight saving: the same offset in summer and winter.
  EXPECT_EQ(StartOfDay(D(2026, 7, 1)),
            absl::FromCivil(absl::CivilSecond(2026, 6, 30, 16, 0, 0), absl::UTCTimeZone()));
}

TEST_F(CalendarTest, LoadsTheDataFiles) {
  EXPECT_THAT(cal_.Years(),
              ElementsAre(2014, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026));
  EXPECT_TRUE(cal_.HasYear(2026));
  EXPECT_FALSE(cal_.HasYear(2027));
  ASSERT_NE(cal_.YearData(2025), nullptr);
  EXPECT_EQ(cal_.YearData(2025)->sources(0).document_number(), "国办发明电〔2024〕12号");
  EXPECT_EQ(cal_.YearData(2027), nullptr);
}

TEST_F(CalendarTest, SpringFestival2026) {
  EXPECT_TRUE(cal_.IsWorkingDay(D(2026, 2, 13)));   // Fri
  EXPECT_TRUE(cal_.IsWorkingDay(D(2026, 2, 14)));   // Sat, 调休上班
  EXPECT_FALSE(cal_.IsWorkingDay(D(2026, 2, 15)));  // Sun, first day off
  EXPECT_FALSE(cal_.IsWorkingDay(D(2026, 2, 16)));  // Mon, off
  EXPECT_FALSE(cal_.IsWorkingDay(D(2026, 2, 23)));  // Mon, last day off
  EXPECT_TRUE(cal_.IsWorkingDay(D(2026, 2, 24)));   // Tue
  EXPECT_TRUE(cal_.IsWorkingDay(D(2026, 2, 28)));   // Sat, 调休上班
  EXPECT_FALSE(cal_.IsWorkingDay(D(2026, 3, 1)));   // Sun

  // Counting starts the day after: Thu 02-12 + 1 is Fri 02-13.
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 2, 12), 1), Final(D(2026, 2, 13)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 2, 12), 2), Final(D(2026, 2, 14)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 2, 12), 3), Final(D(2026, 2, 24)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 2, 12), 4), Final(D(2026, 2, 25)));
  // From a day off, the first working day after it is day 1.
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 2, 18), 1), Final(D(2026, 2, 24)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 2, 24), 4), Final(D(2026, 2, 28)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 2, 24), 5), Final(D(2026, 3, 2)));
  // 20 working days from Tue 02-10: 11,12,13,14(Sat),24,25,26,27,28(Sat),
  // 03-02..06, 03-09..13, 03-16.
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 2, 10), 20), Final(D(2026, 3, 16)));

  EXPECT_EQ(cal_.CountWorkingDays(D(2026, 2, 13), D(2026, 2, 24)), (CountResult{2, false}));
  EXPECT_EQ(cal_.CountWorkingDays(D(2026, 2, 14), D(2026, 2, 23)), (CountResult{0, false}));
  EXPECT_EQ(cal_.CountWorkingDays(D(2026, 2, 10), D(2026, 3, 16)), (CountResult{20, false}));

  EXPECT_EQ(cal_.NextWorkingDay(D(2026, 2, 15)), Final(D(2026, 2, 24)));
  EXPECT_EQ(cal_.PreviousWorkingDay(D(2026, 2, 23)), Final(D(2026, 2, 14)));
  EXPECT_EQ(cal_.SubtractWorkingDays(D(2026, 2, 24), 1), Final(D(2026, 2, 14)));
  EXPECT_EQ(cal_.SubtractWorkingDays(D(2026, 2, 24), 2), Final(D(2026, 2, 13)));
}

TEST_F(CalendarTest, NationalDay2026) {
  EXPECT_TRUE(cal_.IsWorkingDay(D(2026, 9, 20)));    // Sun, 调休上班
  EXPECT_FALSE(cal_.IsWorkingDay(D(2026, 9, 25)));   // Fri, 中秋节
  EXPECT_TRUE(cal_.IsWorkingDay(D(2026, 9, 28)));    // Mon
  EXPECT_FALSE(cal_.IsWorkingDay(D(2026, 10, 1)));   // Thu
  EXPECT_FALSE(cal_.IsWorkingDay(D(2026, 10, 7)));   // Wed
  EXPECT_TRUE(cal_.IsWorkingDay(D(2026, 10, 8)));    // Thu
  EXPECT_TRUE(cal_.IsWorkingDay(D(2026, 10, 10)));   // Sat, 调休上班
  EXPECT_FALSE(cal_.IsWorkingDay(D(2026, 10, 11)));  // Sun

  // 20 working days from Fri 09-18: 09-20(Sun) 21 22 23 24 | 28 29 30 |
  // 10-08 09 10(Sat) | 12..16 | 19 20 21 22.
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 9, 18), 20), Final(D(2026, 10, 22)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 9, 18), 1), Final(D(2026, 9, 20)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 9, 24), 1), Final(D(2026, 9, 28)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 9, 30), 1), Final(D(2026, 10, 8)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 9, 30), 3), Final(D(2026, 10, 10)));
  EXPECT_EQ(cal_.CountWorkingDays(D(2026, 9, 18), D(2026, 10, 22)), (CountResult{20, false}));
  EXPECT_EQ(cal_.CountWorkingDays(D(2026, 10, 22), D(2026, 9, 18)), (CountResult{-20, false}));
  EXPECT_EQ(cal_.CountWorkingDays(D(2026, 10, 22), D(2026, 10, 22)), (CountResult{0, false}));

  EXPECT_EQ(cal_.NextWorkingDay(D(2026, 10, 1)), Final(D(2026, 10, 8)));
  EXPECT_EQ(cal_.NextWorkingDay(D(2026, 9, 19)), Final(D(2026, 9, 20)));
  EXPECT_EQ(cal_.NextWorkingDay(D(2026, 10, 8)), Final(D(2026, 10, 8)));
  EXPECT_EQ(cal_.PreviousWorkingDay(D(2026, 10, 1)), Final(D(2026, 9, 30)));
  EXPECT_EQ(cal_.PreviousWorkingDay(D(2026, 9, 27)), Final(D(2026, 9, 24)));
  EXPECT_EQ(cal_.PreviousWorkingDay(D(2026, 10, 11)), Final(D(2026, 10, 10)));

  // Yellow "N working days before the limit".
  EXPECT_EQ(cal_.SubtractWorkingDays(D(2026, 10, 8), 1), Final(D(2026, 9, 30)));
  EXPECT_EQ(cal_.SubtractWorkingDays(D(2026, 10, 8), 2), Final(D(2026, 9, 29)));
  EXPECT_EQ(cal_.SubtractWorkingDays(D(2026, 10, 12), 1), Final(D(2026, 10, 10)));
  EXPECT_EQ(cal_.SubtractWorkingDays(D(2026, 10, 12), 2), Final(D(2026, 10, 9)));
  // The 20th working day before 10-22 is 09-18: 20 working days from it end on 10-22.
  EXPECT_EQ(cal_.SubtractWorkingDays(D(2026, 10, 22), 20), Final(D(2026, 9, 18)));
  EXPECT_EQ(cal_.SubtractWorkingDays(D(2026, 10, 22), 0), Final(D(2026, 10, 22)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 10, 12), -2), Final(D(2026, 10, 9)));
}

TEST_F(CalendarTest, Holidays2025) {
  // Spring Festival: 01-28..02-04 off; Sun 01-26 and Sat 02-08 working.
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 1, 24), 1), Final(D(2025, 1, 26)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 1, 24), 2), Final(D(2025, 1, 27)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 1, 24), 3), Final(D(2025, 2, 5)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 1, 24), 6), Final(D(2025, 2, 8)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 1, 24), 7), Final(D(2025, 2, 10)));
  // National Day: 10-01..10-08 off; Sun 09-28 and Sat 10-11 working.
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 9, 26), 3), Final(D(2025, 9, 30)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 9, 26), 4), Final(D(2025, 10, 9)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 9, 26), 6), Final(D(2025, 10, 11)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 9, 26), 7), Final(D(2025, 10, 13)));
  EXPECT_FALSE(cal_.IsWorkingDay(D(2025, 1, 1)));  // Wed, 元旦
  EXPECT_TRUE(cal_.IsWorkingDay(D(2025, 1, 2)));
  EXPECT_FALSE(cal_.IsWorkingDay(D(2025, 6, 2)));  // Mon, 端午节
  // Across the year end: 2026-01-01..03 off, Sun 01-04 working.
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 12, 31), 1), Final(D(2026, 1, 4)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2025, 12, 31), 2), Final(D(2026, 1, 5)));
  EXPECT_EQ(cal_.CountWorkingDays(D(2025, 12, 30), D(2026, 1, 5)), (CountResult{3, false}));
}

TEST_F(CalendarTest, Scenarios2018And2020) {
  // 2020 as amended: 01-24..02-02 off; Sat 02-01 no longer working.
  EXPECT_TRUE(cal_.IsWorkingDay(D(2020, 1, 19)));
  EXPECT_FALSE(cal_.IsWorkingDay(D(2020, 1, 31)));
  EXPECT_FALSE(cal_.IsWorkingDay(D(2020, 2, 1)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2020, 1, 23), 1), Final(D(2020, 2, 3)));
  // 2018: 中秋 09-22..24 off, Sat 09-29 and Sun 09-30 working, 10-01..07 off.
  // 20 working days from Thu 09-20: 21 | 25 26 27 28 29 30 | 10-08..12 |
  // 15..19 | 22 23 24.
  EXPECT_EQ(cal_.AddWorkingDays(D(2018, 9, 20), 20), Final(D(2018, 10, 24)));
  EXPECT_TRUE(cal_.IsWorkingDay(D(2018, 12, 29)));
  EXPECT_FALSE(cal_.IsWorkingDay(D(2018, 12, 31)));
}

TEST_F(CalendarTest, CalendarDaysRollOffHolidays) {
  // The last day 10-05 is a holiday: the period ends on Thu 10-08.
  EXPECT_EQ(cal_.AddCalendarDays(D(2026, 9, 20), 15), Final(D(2026, 10, 8)));
  EXPECT_EQ(cal_.AddCalendarDays(D(2026, 9, 16), 15), Final(D(2026, 10, 8)));
  // A make-up Saturday is a working day: no roll.
  EXPECT_EQ(cal_.AddCalendarDays(D(2026, 10, 1), 9), Final(D(2026, 10, 10)));
  // A plain Sunday rolls to Monday.
  EXPECT_EQ(cal_.AddCalendarDays(D(2026, 10, 2), 9), Final(D(2026, 10, 12)));
  // Counting starts the day after: 09-01 + 10 is Fri 09-11, unchanged.
  EXPECT_EQ(cal_.AddCalendarDays(D(2026, 9, 1), 10), Final(D(2026, 9, 11)));
  // 2025: 09-23 + 10 = 10-03, in the National Day holiday -> Thu 10-09.
  EXPECT_EQ(cal_.AddCalendarDays(D(2025, 9, 23), 10), Final(D(2025, 10, 9)));
  // Spring Festival 2026: 02-10 + 7 = 02-17 -> 02-24.
  EXPECT_EQ(cal_.AddCalendarDays(D(2026, 2, 10), 7), Final(D(2026, 2, 24)));
}

TEST_F(CalendarTest, YearWithoutDataIsProvisionalUntilLoaded) {
  // No 2027 file: weekdays only, and provisional.
  EXPECT_TRUE(cal_.IsWorkingDay(D(2027, 1, 1)));  // a Friday
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 12, 30), 1), Final(D(2026, 12, 31)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 12, 31), 1), Provisional(D(2027, 1, 1)));
  EXPECT_EQ(cal_.AddCalendarDays(D(2026, 12, 17), 15), Provisional(D(2027, 1, 1)));
  EXPECT_EQ(cal_.CountWorkingDays(D(2026, 12, 31), D(2027, 1, 11)), (CountResult{7, true}));
  EXPECT_EQ(cal_.AddWorkingDays(D(2027, 3, 1), 0), Final(D(2027, 3, 1)));
  // 2015 and 2016 have no data either.
  EXPECT_TRUE(cal_.CountWorkingDays(D(2014, 12, 1), D(2017, 1, 10)).provisional);
  EXPECT_FALSE(cal_.CountWorkingDays(D(2017, 12, 1), D(2025, 1, 10)).provisional);
  EXPECT_FALSE(cal_.CountWorkingDays(D(2025, 12, 1), D(2026, 1, 10)).provisional);

  WorkingDayCalendar updated = cal_;
  ASSERT_TRUE(updated.AddYear(Synthetic2027(), "synthetic").ok());
  EXPECT_FALSE(updated.IsWorkingDay(D(2027, 1, 1)));
  EXPECT_EQ(updated.AddWorkingDays(D(2026, 12, 31), 1), Final(D(2027, 1, 4)));
  EXPECT_EQ(updated.AddCalendarDays(D(2026, 12, 17), 15), Final(D(2027, 1, 4)));
  // (12-31, 01-11]: 01-04..08, Sat 01-09, 01-11.
  EXPECT_EQ(updated.CountWorkingDays(D(2026, 12, 31), D(2027, 1, 11)), (CountResult{7, false}));
  EXPECT_EQ(updated.AddWorkingDays(D(2027, 1, 8), 1), Final(D(2027, 1, 9)));
  // 2028 still has none; the original calendar is unchanged.
  EXPECT_EQ(updated.AddWorkingDays(D(2027, 12, 31), 1), Provisional(D(2028, 1, 3)));
  EXPECT_EQ(cal_.AddWorkingDays(D(2026, 12, 31), 1), Provisional(D(2027, 1, 1)));
}

// Every fast operation agrees with a day-by-day scan over IsWorkingDay, in
// and around years with and without data.
TEST_F(CalendarTest, AgreesWithDayByDayScan) {
  std::mt19937 rng(20260918);
  std::uniform_int_distribution<int> offset(0, (D(2028, 12, 31) - D(2016, 1, 1)));
  std::uniform_int_distribution<int> count(0, 300);
  for (int i = 0; i < 3000; ++i) {
    const absl::CivilDay start = D(2016, 1, 1) + offset(rng);
    const int n = count(rng);

    absl::CivilDay forward = start;
    for (int left = n; left > 0;) {
      ++forward;
      if (cal_.IsWorkingDay(forward)) --left;
    }
    ASSERT_EQ(cal_.AddWorkingDays(start, n).day, forward) << FormatDate(start) << " + " << n;
    ASSERT_EQ(cal_.CountWorkingDays(start, forward).count, n) << FormatDate(start);

    absl::CivilDay back = start;
    for (int left = n; left > 0;) {
      --back;
      if (cal_.IsWorkingDay(back)) --left;
    }
    ASSERT_EQ(cal_.SubtractWorkingDays(start, n).day, back) << FormatDate(start) << " - " << n;

    absl::CivilDay next = start, previous = start;
    while (!cal_.IsWorkingDay(next)) ++next;
    while (!cal_.IsWorkingDay(previous)) --previous;
    ASSERT_EQ(cal_.NextWorkingDay(start).day, next) << FormatDate(start);
    ASSERT_EQ(cal_.PreviousWorkingDay(start).day, previous) << FormatDate(start);

    const absl::CivilDay other = D(2016, 1, 1) + offset(rng);
    int64_t scanned = 0;
    for (absl::CivilDay d = std::min(start, other) + 1; d <= std::max(start, other); ++d) {
      scanned += cal_.IsWorkingDay(d) ? 1 : 0;
    }
    if (other < start) scanned = -scanned;
    ASSERT_EQ(cal_.CountWorkingDays(start, other).count, scanned)
        << FormatDate(start) << " .. " << FormatDate(other);
  }
}

TEST_F(CalendarTest, FarAwayDaysAreCheap) {
  // One million working days is about 3,800 years of weekdays.
  const DayResult far = cal_.AddWorkingDays(D(2026, 1, 1), 1000000);
  EXPECT_TRUE(far.provisional);
  EXPECT_EQ(cal_.CountWorkingDays(D(2026, 1, 1), far.day).count, 1000000);
  EXPECT_EQ(cal_.SubtractWorkingDays(far.day, 999999).day,
            cal_.AddWorkingDays(D(2026, 1, 1), 1).day);
}

TEST(CalendarAddYearTest, RefusesBadYears) {
  WorkingDayCalendar cal;
  ASSERT_TRUE(cal.AddYear(Synthetic2027()).ok());

  absl::Status dup = cal.AddYear(Synthetic2027(), "again.textproto");
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(dup.message()), HasSubstr("again.textproto"));

  v1::CalendarYear other_region = Synthetic2027();
  other_region.set_year(2028);
  other_region.set_region("hk");
  other_region.mutable_off(0)->set_from("2028-01-01");
  other_region.mutable_off(0)->set_to("2028-01-01");
  other_region.clear_work();
  EXPECT_EQ(cal.AddYear(other_region).code(), absl::StatusCode::kInvalidArgument);

  struct Case {
    const char* what;
    std::function<void(v1::CalendarYear*)> edit;
    const char* expected;
  };
  const Case cases[] = {
      {"date outside the year",
       [](v1::CalendarYear* y) { y->mutable_off(0)->set_to("2028-01-03"); },
       "off[0].to: 2028-01-03 is not in year 2027"},
      {"bad date", [](v1::CalendarYear* y) { y->mutable_work(0)->set_date("2027-02-29"); },
       "work[0].date: \"2027-02-29\" is not a date that exists"},
      {"reversed range", [](v1::CalendarYear* y) { y->mutable_off(0)->set_from("2027-01-05"); },
       "off[0].to: to 2027-01-03 is before from 2027-01-05"},
      {"weekday make-up", [](v1::CalendarYear* y) { y->mutable_work(0)->set_date("2027-01-08"); },
       "work[0].date: 2027-01-08 is not a Saturday or Sunday"},
      {"make-up day off", [](v1::CalendarYear* y) { y->mutable_work(0)->set_date("2027-01-02"); },
       "work[0].date: 2027-01-02 is also inside an off range"},
      {"duplicate make-up", [](v1::CalendarYear* y) { y->add_work()->set_date("2027-01-09"); },
       "work[1].date: 2027-01-09 is listed twice"},
      {"overlap",
       [](v1::CalendarYear* y) {
         v1::OffRange* r = y->add_off();
         r->set_from("2027-01-03");
         r->set_to("2027-01-04");
       },
       "off[1]: 2027-01-03..2027-01-04 overlaps an earlier off range at 2027-01-03"},
      {"no region", [](v1::CalendarYear* y) { y->clear_region(); }, "region: region is missing"},
  };
  for (const Case& c : cases) {
    v1::CalendarYear year = Synthetic2027();
    c.edit(&year);
    WorkingDayCalendar fresh;
    absl::Status status = fresh.AddYear(year, "test.textproto");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.what;
    EXPECT_THAT(std::string(status.message()), HasSubstr("test.textproto: ")) << c.what;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.expected)) << c.what;
    EXPECT_FALSE(fresh.HasYear(2027)) << c.what;
  }
}

class CalendarLoadTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = tmp_ / name;
    ::taizhang::testing::WriteFile(path, text);
    return path;
  }

  ::taizhang::testing::TempDir tmp_;
  const std::filesystem::path dir_ = tmp_.path();
};

constexpr char kGood2027[] = R"text(year: 2027
region: "cn"
off { from: "2027-01-01" to: "2027-01-03" name: "元旦" }
work { date: "2027-01-09" name: "元旦" }
)text";

TEST_F(CalendarLoadTest, LoadsGoodFilesAndIgnoresOthers) {
  Write("cn-2027.textproto", kGood2027);
  Write("README.md", "not a calendar");
  Write("hk-2027.textproto", "not parsed");
  absl::StatusOr<WorkingDayCalendar> cal = WorkingDayCalendar::LoadDirectory(dir_.string());
  ASSERT_TRUE(cal.ok()) << cal.status();
  EXPECT_THAT(cal->Years(), ElementsAre(2027));
  EXPECT_FALSE(cal->IsWorkingDay(D(2027, 1, 1)));
}

TEST_F(CalendarLoadTest, MissingDirectoryIsNotFound) {
  EXPECT_EQ(WorkingDayCalendar::LoadDirectory((dir_ / "nope").string()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CalendarLoadTest, SyntaxErrorNamesFileAndLine) {
  const std::string path = Write("cn-2027.textproto", R"text(year: 2027
region: "cn"
off { from: "2027-01-01" to: "2027-01-03" nmae: "元旦" }
)text");
  absl::Status status = WorkingDayCalendar::LoadDirectory(dir_.string()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr(path + ":3:"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("nmae"));
}

TEST_F(CalendarLoadTest, BadEntryNamesFileAndLine) {
  const std::string path = Write("cn-2027.textproto", R"text(year: 2027
region: "cn"
off { from: "2027-01-01" to: "2027-01-03" name: "元旦" }
work {
  name: "元旦"
  date: "2027-01-08"
}
)text");
  absl::Status status = WorkingDayCalendar::LoadDirectory(dir_.string()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(path + ":6:3: work[0].date: 2027-01-08 is not a Saturday or Sunday"));
}

TEST_F(CalendarLoadTest, YearMustMatchFileName) {
  const std::string path = Write("cn-2028.textproto", kGood2027);
  absl::Status status = WorkingDayCalendar::LoadDirectory(dir_.string()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(path + ":1:1: year: year 2027 does not match the file name"));
}

TEST_F(CalendarLoadTest, RegionMustBeCn) {
  std::string text = kGood2027;
  text.replace(text.find("\"cn\""), 4, "\"hk\"");
  const std::string path = Write("cn-2027.textproto", text);
  absl::Status status = WorkingDayCalendar::LoadDirectory(dir_.string()).status();
  EXPECT_THAT(std::string(status.message()), HasSubstr(path + ":2:1: region:"));
}

TEST_F(CalendarLoadTest, MisnamedFileIsRefused) {
  const std::string path = Write("cn-27.textproto", kGood2027);
  absl::Status status = WorkingDayCalendar::LoadDirectory(dir_.string()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
}

}  // namespace
}  // namespace taizhang::engine
