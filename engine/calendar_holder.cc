#include "engine/calendar_holder.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace taizhang::engine {
namespace {

void RequireCalendar(const std::shared_ptr<const WorkingDayCalendar>& calendar, const char* owner) {
  if (calendar != nullptr) return;
  std::fprintf(stderr, "%s: a null working-day calendar\n", owner);
  std::abort();
}

}  // namespace

CalendarHolder::CalendarHolder(std::shared_ptr<const WorkingDayCalendar> calendar,
                               const char* owner)
    : owner_(owner) {
  RequireCalendar(calendar, owner_);
  calendar_ = std::move(calendar);
}

void CalendarHolder::Set(std::shared_ptr<const WorkingDayCalendar> calendar) {
  RequireCalendar(calendar, owner_);
  absl::MutexLock l(&mu_);
  calendar_ = std::move(calendar);
}

std::shared_ptr<const WorkingDayCalendar> CalendarHolder::Get() const {
  absl::MutexLock l(&mu_);
  return calendar_;
}

}  // namespace taizhang::engine
