#include "engine/calendar_holder.h"

#include "gtest/gtest.h"

namespace taizhang::engine {
namespace {

TEST(CalendarHolderTest, ADecisionKeepsTheCalendarItStartedWith) {
  auto first = std::make_shared<const WorkingDayCalendar>();
  CalendarHolder holder(first, "test");
  std::shared_ptr<const WorkingDayCalendar> in_use = holder.Get();
  v1::CalendarYear year;
  year.set_year(2027);
  year.set_region("cn");
  auto* off = year.add_off();
  off->set_from("2027-01-01");
  off->set_to("2027-01-01");
  WorkingDayCalendar next;
  ASSERT_TRUE(next.AddYear(year).ok());
  holder.Set(std::make_shared<const WorkingDayCalendar>(std::move(next)));
  EXPECT_EQ(in_use, first);  // still alive and unchanged for its holder
  EXPECT_TRUE(in_use->IsWorkingDay(absl::CivilDay(2027, 1, 1)));
  EXPECT_FALSE(holder.Get()->IsWorkingDay(absl::CivilDay(2027, 1, 1)));
}

TEST(CalendarHolderDeathTest, ANullCalendarIsABrokenInvariant) {
  EXPECT_DEATH(CalendarHolder(nullptr, "Owner"), "Owner: a null working-day calendar");
  CalendarHolder holder(std::make_shared<const WorkingDayCalendar>(), "Owner");
  EXPECT_DEATH(holder.Set(nullptr), "Owner: a null working-day calendar");
}

}  // namespace
}  // namespace taizhang::engine
