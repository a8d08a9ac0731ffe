// Reports.ImportLedger (台账导入) behind the gRPC handler: plans the file
// against the Ledger as it stands (reports/ledger_import.h) and, when asked
// and no row has an error, sends every planned command with the caller's
// principal and the row's derived request id. They go in file order, up to 16
// at once (each row's command is on its own stream: a file names a project or
// a task once), so that the log writes them together.
//
// A dry run (apply false) writes nothing. With apply, a single row in error
// means nothing is written (applied false, the rows say why). A command the
// engine refuses while applying (the ledger moved since the plan) stops the
// apply: no command is started after it, those under way finish, and the
// refusal names every refused row in row order and how many commands were
// written; importing the same file again finishes it, each command once.
//
// Thread-safety: may be called from any thread (the Ledger's methods are).
#ifndef TAIZHANG_SERVICES_LEDGER_IMPORT_H_
#define TAIZHANG_SERVICES_LEDGER_IMPORT_H_

#include "absl/status/status.h"
#include "base/clock.h"
#include "services/auth.h"
#include "taizhang/v1/api_config.pb.h"
#include "taizhang/v1/api_reports.pb.h"
#include "workflows/ledger.h"

namespace taizhang::services {

// Every command planned is checked as a request of the API would be, with the
// server's text limits (`limits`, ServerConfig.text_limits).
absl::Status ImportLedger(workflows::Ledger& ledger, Clock& clock, const Caller& caller,
                          const v1::TextLimits& limits, const v1::ImportLedgerRequest& request,
                          v1::ImportLedgerResponse* reply);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_LEDGER_IMPORT_H_
