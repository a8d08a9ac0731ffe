// The gRPC face of reports/ (service.proto's Reports): ledgers exported and
// imported, the bulletin and the slips as documents, a bulletin published.
// Reads are limited to what the caller may read (ReadScope,
// ledger_service.h).
//
// Thread-safety: gRPC calls the handlers concurrently; each reads the
// Ledger's projections or replays the log into its own states.
#ifndef TAIZHANG_SERVICES_REPORTS_SERVICE_H_
#define TAIZHANG_SERVICES_REPORTS_SERVICE_H_

#include "workflows/ledger.h"

namespace taizhang::services {

class TaizhangServer;

// Registers the Reports service on `server`; `ledger` must outlive it.
void AddReportsService(TaizhangServer& server, workflows::Ledger& ledger);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_REPORTS_SERVICE_H_
