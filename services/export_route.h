// The HTTP route of the exported ledgers (ledger_export.h), beside the
// dashboard (dashboard.h):
//
//   GET /export/<kind>.<xlsx|csv>?as_of=YYYY-MM-DD&unit=..&region=..
//       &stage=..&light=..&overdue=1&project=..
//
// <kind> is projects, cases, tasks, problems or slips; the query's values are
// percent-encoded UTF-8 (stage and light by name, short name or label, as
// the command line takes them). The token as for the dashboard: "Bearer T",
// or HTTP Basic with the token as password so that a browser asks for it;
// what the caller may read as the exports' one scope says (ledger_export.h:
// ExportLedger, the same function Reports.ExportLedger calls). The answer
// is the file, with a Content-Disposition naming it in Chinese (RFC 5987
// filename*, an ASCII filename beside it); 400 for a bad kind, date or
// filter, 401/403 for a token refused, 503 without workflows; errors are the
// office's Chinese error page.
//
// The token, the request and the day are read on the HTTP server's thread;
// the ledger is built and written on an ExportPool (export_pool.h) and the
// answer is deferred to it (http_server.h), so the server's thread goes on
// serving and pushing the screen meanwhile. A full pool is answered at once:
// 503 with Retry-After and a Chinese message; so is the process's limit on
// ledgers built at once (RESOURCE_EXHAUSTED, ledger_export.h).
//
// Thread-safety: as the HTTP server's handler (one thread); the work it
// defers runs on the pool's threads and reads `ledger`, which must outlive
// the pool.
#ifndef TAIZHANG_SERVICES_EXPORT_ROUTE_H_
#define TAIZHANG_SERVICES_EXPORT_ROUTE_H_

#include <string>

#include "base/clock.h"
#include "services/auth.h"
#include "services/export_pool.h"
#include "services/http_server.h"
#include "workflows/ledger.h"

namespace taizhang::services {

// Whether `path` (the target without its query) is this route's.
bool IsExportPath(const std::string& path);

// Answers a request whose path IsExportPath: a refusal at once, or a
// deferred answer built on `pool`. `ledger` may be null (503).
HttpResponse ServeExport(const HttpRequest& request, Clock& clock, const Authorizer& auth,
                         const workflows::Ledger* ledger, ExportPool& pool);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_EXPORT_ROUTE_H_
