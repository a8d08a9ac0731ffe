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
// what the caller may read as ReadScope says. The answer is the file, with a
// Content-Disposition naming it in Chinese (RFC 5987 filename*, an ASCII
// filename beside it); 400 for a bad kind, date or filter, 401/403 for a
// token refused, 503 without workflows.
//
// Thread-safety: as the HTTP server's handler (one thread).
#ifndef TAIZHANG_SERVICES_EXPORT_ROUTE_H_
#define TAIZHANG_SERVICES_EXPORT_ROUTE_H_

#include <string>

#include "base/clock.h"
#include "services/auth.h"
#include "services/http_server.h"
#include "workflows/ledger.h"

namespace taizhang::services {

// Whether `path` (the target without its query) is this route's.
bool IsExportPath(const std::string& path);

// Answers a request whose path IsExportPath. `ledger` may be null (503).
HttpResponse ServeExport(const HttpRequest& request, Clock& clock, const Authorizer& auth,
                         const workflows::Ledger* ledger);

// "%E9%87%8D" for the UTF-8 bytes of "重": RFC 3986 percent-encoding of
// everything but unreserved characters (for RFC 5987 filename*).
std::string PercentEncode(const std::string& text);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_EXPORT_ROUTE_H_
