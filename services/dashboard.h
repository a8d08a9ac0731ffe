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
// Routes are a table in dashboard.cc: a new one is one line there.
#ifndef TAIZHANG_SERVICES_DASHBOARD_H_
#define TAIZHANG_SERVICES_DASHBOARD_H_

#include "base/clock.h"
#include "services/auth.h"
#include "services/http_server.h"
#include "store/event_log.h"
#include "workflows/ledger.h"

namespace taizhang::services {

// All references must outlive the handler; `ledger` may be null (a server
// without policies: health and the log's metrics only).
HttpServer::Handler NewHttpRoutes(store::EventLog& log, Clock& clock, const Authorizer& auth,
                                  const workflows::Ledger* ledger);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_DASHBOARD_H_
