#include "services/calendar_loader.h"

#include <string>

#include "base/status_macros.h"

namespace taizhang::services {

CalendarLoader LedgerCalendarLoader(workflows::Ledger& ledger) {
  return [&ledger](const v1::LoadCalendarRequest& request,
                   const std::string& actor) -> absl::StatusOr<v1::LoadCalendarResponse> {
    const std::string name = request.name().empty() ? "calendar" : request.name();
    ASSIGN_OR_RETURN(workflows::CalendarLoadOutcome outcome,
                     ledger.LoadCalendar(name, request.text(), request.amend(), actor));
    v1::LoadCalendarResponse response;
    response.set_year(outcome.loaded.year);
    response.set_digest(outcome.loaded.digest);
    response.set_changed(outcome.loaded.changed);
    response.set_amendment(outcome.loaded.amendment);
    response.set_previous_digest(outcome.loaded.previous_digest);
    response.set_position(outcome.loaded.position);
    response.set_calendar_version(outcome.loaded.version);
    response.set_recomputed_deadlines(outcome.recomputed);
    return response;
  };
}

}  // namespace taizhang::services
