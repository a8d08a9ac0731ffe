// What taizhangd's HTTP side answers (see http_server.h):
//   GET /healthz  "ok" and the log's head, for load balancers; no token.
//   GET /metrics  Prometheus text: the log's head and applied positions, the
//                 workflow items by kind and light, the overdue ones; no token.
//   GET /         the dashboard: projects, joint-approval cases, and the tasks
//                 and problems that are late or close to it, with their
//                 lights, as the caller may read them (a leader its own
//                 projects). A bearer token, or HTTP Basic with the token as
//                 password so that a browser asks for it.
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
