#include "engine/deadline_rule.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "base/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace taizhang::engine {
namespace {

using ::testing::HasSubstr;

absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

v1::DeadlineRule Rule(v1::DeadlineRule::Kind kind, int n = 0, const std::string& fixed = "") {
  v1::DeadlineRule rule;
  rule.set_kind(kind);
  rule.set_n(n);
  rule.set_fixed_date(fixed);
  return rule;
}

class DeadlineRuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<WorkingDayCalendar> loaded =
        WorkingDayCalendar::LoadDirectory(::taizhang::testing::PoliciesDir() + "/calendars");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    cal_ = *std::move(loaded);
  }

  DayResult Due(const v1::DeadlineRule& rule, absl::CivilDay start) {
    absl::StatusOr<std::optional<DayResult>> due = ComputeDue(rule, start, cal_);
    EXPECT_TRUE(due.ok()) << due.status();
    EXPECT_TRUE(due.ok() && due->has_value());
    return due.ok() && due->has_value() ? **due : DayResult{};
  }

  WorkingDayCalendar cal_;
};

TEST_F(DeadlineRuleTest, WorkingDays) {
  // 行政许可法: 20 working days from Fri 2026-09-18, across 中秋 and 国庆.
  EXPECT_EQ(Due(Rule(v1::DeadlineRule::WORKING_DAYS, 20), D(2026, 9, 18)),
            (DayResult{D(2026, 10, 22), false}));
  // "Within 1 working day" of Fri 10-09 is the make-up Saturday 10-10.
  EXPECT_EQ(Due(Rule(v1::DeadlineRule::WORKING_DAYS, 1), D(2026, 10, 9)),
            (DayResult{D(2026, 10, 10), false}));
  EXPECT_EQ(Due(Rule(v1::DeadlineRule::WORKING_DAYS, 0), D(2026, 10, 3)),
            (DayResult{D(2026, 10, 3), false}));
}

TEST_F(DeadlineRuleTest, CalendarDaysEndingOnAHolidayRoll) {
  // 09-20 + 15 = 10-05, a holiday: the period ends on Thu 10-08.
  EXPECT_EQ(Due(Rule(v1::DeadlineRule::CALENDAR_DAYS, 15), D(2026, 9, 20)),
            (DayResult{D(2026, 10, 8), false}));
  // 09-01 + 30 = 10-01 -> 10-08.
  EXPECT_EQ(Due(Rule(v1::DeadlineRule::CALENDAR_DAYS, 30), D(2026, 9, 1)),
            (DayResult{D(2026, 10, 8), false}));
  // 09-01 + 10 = Fri 09-11, a working day: unchanged.
  EXPECT_EQ(Due(Rule(v1::DeadlineRule::CALENDAR_DAYS, 10), D(2026, 9, 1)),
            (DayResult{D(2026, 9, 11), false}));
}

TEST_F(DeadlineRuleTest, FixedDateStaysAsWritten) {
  EXPECT_EQ(Due(Rule(v1::DeadlineRule::FIXED_DATE, 0, "2026-10-03"), D(2026, 9, 1)),
            (DayResult{D(2026, 10, 3), false}));
  EXPECT_EQ(Due(Rule(v1::DeadlineRule::FIXED_DATE, 0, "2027-07-15"), D(2026, 9, 1)),
            (DayResult{D(2027, 7, 15), false}));
}

TEST_F(DeadlineRuleTest, NoneHasNoDueDate) {
  absl::StatusOr<std::optional<DayResult>> due =
      ComputeDue(Rule(v1::DeadlineRule::NONE), D(2026, 9, 1), cal_);
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_FALSE(due->has_value());
}

TEST_F(DeadlineRuleTest, BadRulesAreRefused) {
  const std::vector<std::pair<v1::DeadlineRule, std::string>> bad = {
      {Rule(v1::DeadlineRule::KIND_UNSPECIFIED), "unspecified"},
      {Rule(v1::DeadlineRule::WORKING_DAYS, -1), "n is -1"},
      {Rule(v1::DeadlineRule::CALENDAR_DAYS, 5, "2026-01-01"), "fixed_date is only for"},
      {Rule(v1::DeadlineRule::FIXED_DATE, 0, "2026-02-30"), "2026-02-30"},
      {Rule(v1::DeadlineRule::FIXED_DATE, 0, ""), "fixed_date"},
      {Rule(v1::DeadlineRule::FIXED_DATE, 3, "2026-01-05"), "n must not be set"},
      {Rule(v1::DeadlineRule::NONE, 3), "must not be set"},
  };
  for (const auto& [rule, expected] : bad) {
    absl::StatusOr<std::optional<DayResult>> due = ComputeDue(rule, D(2026, 9, 1), cal_);
    EXPECT_EQ(due.status().code(), absl::StatusCode::kInvalidArgument) << rule.ShortDebugString();
    EXPECT_THAT(std::string(due.status().message()), HasSubstr(expected))
        << rule.ShortDebugString();
    EXPECT_EQ(ValidateRule(rule).code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(DeadlineRuleTest, SuspensionMovesByTheWorkingDaysItCovered) {
  // 20 working days from Tue 09-01: due Tue 09-29.
  const DayResult due = Due(Rule(v1::DeadlineRule::WORKING_DAYS, 20), D(2026, 9, 1));
  ASSERT_EQ(due, (DayResult{D(2026, 9, 29), false}));
  // Suspended on Thu 09-10 (补正 requested), file back on Thu 09-17: 09-11,
  // 14, 15, 16, 17 do not count; 7 days used, 13 left from 09-18, ending
  // Mon 10-12 (after 中秋, 国庆 and the make-up Saturday 10-10).
  absl::StatusOr<SuspendedDue> moved =
      ExtendBySuspension(due, D(2026, 9, 10), D(2026, 9, 17), cal_);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->suspended_working_days, 5);
  EXPECT_EQ(moved->due, (DayResult{D(2026, 10, 12), false}));
  EXPECT_EQ(cal_.CountWorkingDays(D(2026, 9, 1), D(2026, 9, 10)).count +
                cal_.CountWorkingDays(D(2026, 9, 17), moved->due.day).count,
            20);

  // A suspension over the holiday only loses its working days (10-08, 10-09).
  absl::StatusOr<SuspendedDue> over_holiday =
      ExtendBySuspension(moved->due, D(2026, 9, 30), D(2026, 10, 9), cal_);
  ASSERT_TRUE(over_holiday.ok());
  EXPECT_EQ(over_holiday->suspended_working_days, 2);
  EXPECT_EQ(over_holiday->due, (DayResult{D(2026, 10, 14), false}));

  // Resumed the day it stopped: nothing moves.
  absl::StatusOr<SuspendedDue> none = ExtendBySuspension(due, D(2026, 9, 10), D(2026, 9, 10), cal_);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->suspended_working_days, 0);
  EXPECT_EQ(none->due, due);

  EXPECT_EQ(ExtendBySuspension(due, D(2026, 9, 17), D(2026, 9, 10), cal_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DeadlineRuleTest, SuspensionIntoAYearWithoutDataIsProvisional) {
  absl::StatusOr<SuspendedDue> moved =
      ExtendBySuspension(DayResult{D(2026, 12, 28), false}, D(2026, 12, 20), D(2027, 1, 5), cal_);
  ASSERT_TRUE(moved.ok());
  EXPECT_TRUE(moved->due.provisional);
  // A provisional due stays provisional.
  absl::StatusOr<DayResult> extended = ExtendByWorkingDays(DayResult{D(2026, 3, 2), true}, 1, cal_);
  ASSERT_TRUE(extended.ok());
  EXPECT_EQ(*extended, (DayResult{D(2026, 3, 3), true}));
}

TEST_F(DeadlineRuleTest, ExtensionAddsWorkingDays) {
  // 20 + 10 working days (the head's extension) == 30 working days.
  const DayResult due = Due(Rule(v1::DeadlineRule::WORKING_DAYS, 20), D(2026, 9, 18));
  absl::StatusOr<DayResult> extended = ExtendByWorkingDays(due, 10, cal_);
  ASSERT_TRUE(extended.ok());
  EXPECT_EQ(*extended, (DayResult{D(2026, 11, 5), false}));
  EXPECT_EQ(*extended, Due(Rule(v1::DeadlineRule::WORKING_DAYS, 30), D(2026, 9, 18)));
  EXPECT_EQ(ExtendByWorkingDays(due, -1, cal_).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(DeadlineRuleTest, DueInstantIsTheNextMidnightInChina) {
  const absl::Time due = DueInstant(D(2026, 10, 22));
  EXPECT_EQ(due, absl::FromCivil(absl::CivilSecond(2026, 10, 22, 16, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(DayOf(due - absl::Nanoseconds(1)), D(2026, 10, 22));  // still on time
  EXPECT_EQ(DayOf(due), D(2026, 10, 23));                         // overdue
}

TEST_F(DeadlineRuleTest, ComputeDeadlineFromFacts) {
  const std::vector<Suspension> suspensions = {{D(2026, 9, 10), D(2026, 9, 17)}};
  absl::StatusOr<v1::ComputedDeadline> deadline = ComputeDeadline(
      Rule(v1::DeadlineRule::WORKING_DAYS, 20), D(2026, 9, 1), suspensions, 10, cal_);
  ASSERT_TRUE(deadline.ok()) << deadline.status();
  EXPECT_EQ(deadline->start_date(), "2026-09-01");
  EXPECT_EQ(deadline->base_due_date(), "2026-09-29");
  // 10-12 + 10 working days: 13 14 15 16 19 20 21 22 23 26.
  EXPECT_EQ(deadline->due_date(), "2026-10-26");
  EXPECT_FALSE(deadline->provisional());
  EXPECT_EQ(deadline->suspended_working_days(), 5);
  EXPECT_EQ(deadline->extension_working_days(), 10);
  EXPECT_EQ(deadline->due_at_us(),
            absl::ToUnixMicros(
                absl::FromCivil(absl::CivilSecond(2026, 10, 26, 16, 0, 0), absl::UTCTimeZone())));
  EXPECT_EQ(deadline->rule().n(), 20);

  absl::StatusOr<v1::ComputedDeadline> none =
      ComputeDeadline(Rule(v1::DeadlineRule::NONE), D(2026, 9, 1), {}, 0, cal_);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->due_date(), "");
  EXPECT_EQ(none->start_date(), "2026-09-01");

  const std::vector<Suspension> backwards = {{D(2026, 9, 17), D(2026, 9, 10)}};
  EXPECT_EQ(
      ComputeDeadline(Rule(v1::DeadlineRule::WORKING_DAYS, 20), D(2026, 9, 1), backwards, 0, cal_)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(DeadlineRuleTest, RecomputedWhenTheYearIsLoaded) {
  // 5 working days from Mon 2026-12-28: 29 30 31, then 2027-01-01 (a Friday,
  // assumed working) and 01-04: provisional.
  const v1::DeadlineRule rule = Rule(v1::DeadlineRule::WORKING_DAYS, 5);
  absl::StatusOr<v1::ComputedDeadline> before = ComputeDeadline(rule, D(2026, 12, 28), {}, 0, cal_);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->due_date(), "2027-01-04");
  EXPECT_TRUE(before->provisional());

  // A synthetic 2027 with 01-01..01-03 off.
  v1::CalendarYear year;
  year.set_year(2027);
  year.set_region("cn");
  v1::OffRange* off = year.add_off();
  off->set_from("2027-01-01");
  off->set_to("2027-01-03");
  WorkingDayCalendar updated = cal_;
  ASSERT_TRUE(updated.AddYear(year).ok());
  absl::StatusOr<v1::ComputedDeadline> after =
      ComputeDeadline(rule, D(2026, 12, 28), {}, 0, updated);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->due_date(), "2027-01-05");
  EXPECT_FALSE(after->provisional());
}

}  // namespace
}  // namespace taizhang::engine
