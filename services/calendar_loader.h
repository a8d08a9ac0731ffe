// The workflows' side of Admin.LoadCalendar: a CalendarLoader that loads the
// year into a running workflows::Ledger (which records it in the log and
// recomputes the deadlines it moves) and answers with what was done.
//
// Thread-safety: the loader may be called from any thread; the Ledger
// serialises loads.
#ifndef TAIZHANG_SERVICES_CALENDAR_LOADER_H_
#define TAIZHANG_SERVICES_CALENDAR_LOADER_H_

#include "services/admin_service.h"
#include "workflows/ledger.h"

namespace taizhang::services {

// `ledger` must outlive the loader and be started.
CalendarLoader LedgerCalendarLoader(workflows::Ledger& ledger);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_CALENDAR_LOADER_H_
