// The working-day calendar an aggregate decides with, replaced while the
// server runs when a year is loaded or amended (workflows/ledger.h).
//
// Get returns the calendar current at the call; the shared pointer keeps it
// alive for as long as the caller uses it, so a decision in progress finishes
// on the calendar it started with while Set publishes the next one.
//
// Thread-safety: Get and Set may be called from any thread.
#ifndef TAIZHANG_ENGINE_CALENDAR_HOLDER_H_
#define TAIZHANG_ENGINE_CALENDAR_HOLDER_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "engine/calendar.h"

namespace taizhang::engine {

class CalendarHolder {
 public:
  // `calendar` must not be null (a broken invariant of the caller: the
  // process aborts, naming `owner`).
  CalendarHolder(std::shared_ptr<const WorkingDayCalendar> calendar, const char* owner);

  // Publishes `calendar` (not null, as above) for the calls that start after.
  void Set(std::shared_ptr<const WorkingDayCalendar> calendar);
  std::shared_ptr<const WorkingDayCalendar> Get() const;

 private:
  const char* const owner_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const WorkingDayCalendar> calendar_ ABSL_GUARDED_BY(mu_);
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_CALENDAR_HOLDER_H_
