// Adapts the WorkingDayCalendar to the ladder's WorkingDays interface.
// Holds a reference: the calendar must outlive the adapter. Thread-safe for
// concurrent const use, as the calendar is.
#ifndef TAIZHANG_ENGINE_CALENDAR_WORKING_DAYS_H_
#define TAIZHANG_ENGINE_CALENDAR_WORKING_DAYS_H_

#include <algorithm>

#include "engine/calendar.h"
#include "engine/ladder.h"

namespace taizhang::engine {

class CalendarWorkingDays final : public WorkingDays {
 public:
  explicit CalendarWorkingDays(const WorkingDayCalendar& calendar) : calendar_(calendar) {}

  absl::CivilDay AddWorkingDays(absl::CivilDay start, int64_t n) const override {
    return calendar_.AddWorkingDays(start, n).day;
  }
  absl::CivilDay SubtractWorkingDays(absl::CivilDay day, int64_t n) const override {
    return calendar_.SubtractWorkingDays(day, n).day;
  }
  int64_t CountWorkingDays(absl::CivilDay from, absl::CivilDay to) const override {
    return std::max<int64_t>(0, calendar_.CountWorkingDays(from, to).count);
  }

 private:
  const WorkingDayCalendar& calendar_;
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_CALENDAR_WORKING_DAYS_H_
