// What taizhangd's HTTP side answers (see http_server.h):
//   GET /healthz  "ok" and the log's head, for load balancers; no token.
//   GET /metrics  Prometheus text: the log's head and applied positions, the
//                 workflow items by kind and light, the overdue ones; no token.
//   GET /         the office page: projects, joint-approval cases, tasks and
//                 problems with their lights, filtered as the List RPCs are,
//                 as the caller may read them (a leader its own projects);
//   GET /project/<code>  one project with its cases, tasks, problems, slips
//                 and history (office_pages.h). Both take a bearer token, or
//                 HTTP Basic with the token as password so that a browser
//                 asks for it; a screen token is refused (403).
//   GET /screen   the big screen (大屏, screen.h; docs/screen.md): any role's
//                 token, the screen role's above all. /screen?token=T sets
//                 the HttpOnly cookie "taizhang_screen" and redirects to
//                 /screen, so the token leaves the address bar; the page's
//                 WebSocket (GET /screen/ws) carries the cookie, or a client
//                 sends "Authorization: Bearer T". /screen/snapshot is the
//                 same figures once, as JSON. Tokens are never logged.
//   GET /export/<kind>.<xlsx|csv>  a ledger (export_route.h), built on a
//                 small worker pool of the routes' own (export_pool.h) so that
//                 this thread goes on serving and pushing the screen.
// Routes are a table in dashboard.cc: a new one is one line there.
#ifndef TAIZHANG_SERVICES_DASHBOARD_H_
#define TAIZHANG_SERVICES_DASHBOARD_H_

#include "base/clock.h"
#include "services/auth.h"
#include "services/export_pool.h"
#include "services/http_server.h"
#include "store/event_log.h"
#include "workflows/ledger.h"

namespace taizhang::services {

struct HttpRoutesOptions {
  // The pool /export/ builds its ledgers on (2 workers, 4 waiting).
  ExportPoolOptions exports;
};

// All references must outlive the handler; `ledger` may be null (a server
// without policies: health and the log's metrics only). The handler owns
// the export pool: destroying it waits for the exports running.
HttpServer::Handler NewHttpRoutes(store::EventLog& log, Clock& clock, const Authorizer& auth,
                                  const workflows::Ledger* ledger, HttpRoutesOptions options = {});

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_DASHBOARD_H_
