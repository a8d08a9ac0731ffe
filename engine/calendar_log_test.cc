#include "engine/calendar_log.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace taizhang::engine {
namespace {

using ::testing::HasSubstr;

using ::taizhang::testing::SourceDir;

v1::CalendarYear Year(const std::string& text) {
  auto year = ParseCalendarYear("test", text);
  EXPECT_TRUE(year.ok()) << year.status();
  return year.ok() ? *year : v1::CalendarYear();
}

// An invented 2027 for tests (the real notice had not been published).
constexpr char k2027[] = R"(year: 2027 region: "cn"
  off { from: "2027-01-01" to: "2027-01-03" name: "元旦" })";
constexpr char k2027Amended[] = R"(year: 2027 region: "cn"
  off { from: "2027-01-01" to: "2027-01-04" name: "元旦" })";

class CalendarLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void TearDown() override {
    calendars_.reset();
    log_.reset();
  }
  void Reopen() {
    calendars_.reset();
    log_.reset();
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    auto calendars = CalendarLog::Open(*log_);
    ASSERT_TRUE(calendars.ok()) << calendars.status();
    calendars_ = std::move(*calendars);
  }
  CalendarLog::Source Admin() {
    return {.origin = "cn-2027.textproto", .via = "admin", .actor = "admin:ops"};
  }

  ManualClock clock_{absl::FromUnixSeconds(1764806400)};  // 2025-12-04
  ::taizhang::testing::TempDir tmp_;                      // removed after the log closes
  const std::string dir_ = tmp_ / "log";
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<CalendarLog> calendars_;
};

TEST_F(CalendarLogTest, ANewYearIsRecordedWithItsDataAndDigest) {
  EXPECT_EQ(calendars_->version(), 0u);
  EXPECT_FALSE(calendars_->calendar()->HasYear(2027));
  auto loaded = calendars_->Load(Year(k2027), false, Admin());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->changed);
  EXPECT_FALSE(loaded->amendment);
  EXPECT_EQ(loaded->digest, CalendarDigest(Year(k2027)));
  EXPECT_EQ(loaded->position, 1u);
  EXPECT_EQ(loaded->version, 1u);
  EXPECT_FALSE(calendars_->calendar()->IsWorkingDay(absl::CivilDay(2027, 1, 1)));

  auto events = log_->ReadStream(kCalendarStream, 1, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].record.type(), kYearLoadedType);
  EXPECT_EQ((*events)[0].record.actor(), "admin:ops");
  v1::CalendarEvent e;
  ASSERT_TRUE(e.ParseFromString((*events)[0].record.payload()));
  EXPECT_EQ(e.year_loaded().data().year(), 2027);
  EXPECT_EQ(e.year_loaded().digest(), loaded->digest);
  EXPECT_EQ(e.year_loaded().origin(), "cn-2027.textproto");
  EXPECT_EQ(e.year_loaded().via(), "admin");
}

TEST_F(CalendarLogTest, TheSameDataAgainIsANoOp) {
  ASSERT_TRUE(calendars_->Load(Year(k2027), false, Admin()).ok());
  auto again = calendars_->Load(Year(k2027), true, Admin());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(log_->HeadPosition(), 1u);
  EXPECT_EQ(calendars_->version(), 1u);
}

TEST_F(CalendarLogTest, AChangedYearNeedsAmendAndNamesWhatItReplaces) {
  ASSERT_TRUE(calendars_->Load(Year(k2027), false, Admin()).ok());
  auto refused = calendars_->Load(Year(k2027Amended), false, Admin());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("--amend"));
  EXPECT_EQ(log_->HeadPosition(), 1u);
  EXPECT_TRUE(calendars_->calendar()->IsWorkingDay(absl::CivilDay(2027, 1, 4)));

  auto amended = calendars_->Load(Year(k2027Amended), true, Admin());
  ASSERT_TRUE(amended.ok()) << amended.status();
  EXPECT_TRUE(amended->amendment);
  EXPECT_EQ(amended->previous_digest, CalendarDigest(Year(k2027)));
  EXPECT_EQ(amended->version, 2u);
  EXPECT_FALSE(calendars_->calendar()->IsWorkingDay(absl::CivilDay(2027, 1, 4)));
}

TEST_F(CalendarLogTest, AnInvalidYearIsRefusedAndNothingIsWritten) {
  v1::CalendarYear bad = Year(k2027);
  bad.add_work()->set_date("2027-01-06");  // a Wednesday
  EXPECT_EQ(calendars_->Load(bad, true, Admin()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->HeadPosition(), 0u);
}

// Reopened, the calendar is the log's: its files play no part.
TEST_F(CalendarLogTest, ReopenedTheCalendarIsTheLogs) {
  ASSERT_TRUE(calendars_->Load(Year(k2027), false, Admin()).ok());
  ASSERT_TRUE(calendars_->Load(Year(k2027Amended), true, Admin()).ok());
  const std::string digest = calendars_->calendar()->Digest(2027);
  Reopen();
  EXPECT_EQ(calendars_->version(), 2u);
  EXPECT_EQ(calendars_->calendar()->Digest(2027), digest);
  EXPECT_FALSE(calendars_->calendar()->IsWorkingDay(absl::CivilDay(2027, 1, 4)));
}

TEST_F(CalendarLogTest, LoadAllAppendsNewYearsAndRefusesDifferingOnesWhole) {
  auto first = WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/testdata/first-notices");
  ASSERT_TRUE(first.ok()) << first.status();
  auto loaded = calendars_->LoadAll(*first, false, {.via = "policies", .actor = "system:x"});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].year, 2019);
  EXPECT_EQ((*loaded)[1].year, 2020);
  // Again: nothing new.
  loaded = calendars_->LoadAll(*first, false, {.via = "policies", .actor = "system:x"});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->empty());
  EXPECT_EQ(log_->HeadPosition(), 2u);

  auto shipped = WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/policies/calendars");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  auto refused = calendars_->LoadAll(*shipped, false, {.via = "policies", .actor = "system:x"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("cn-2019.textproto"));
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("cn-2020.textproto"));
  EXPECT_EQ(log_->HeadPosition(), 2u);  // not even the new years

  loaded = calendars_->LoadAll(*shipped, true, {.via = "policies", .actor = "system:x"});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->size(), 11u);  // 9 new years, 2 amendments
  EXPECT_EQ(calendars_->calendar()->Digest(2019), shipped->Digest(2019));
}

}  // namespace
}  // namespace taizhang::engine
