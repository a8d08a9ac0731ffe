// The office's pages on taizhangd's HTTP side (routed by dashboard.cc),
// rendered from reports/templates/office/*.html:
//   GET /                the lists (projects, joint-approval cases, tasks,
//                        problems) with filters as query parameters, the same
//                        as the gRPC List RPCs' (ListRequest) and with the
//                        same read scope (ReadScope): unit, region (6 digits),
//                        stage and light (enum name, short name or Chinese
//                        label), overdue (1), project (a code);
//   GET /project/<code>  one project: its facts, nodes, cases with their
//                        items, tasks, problems, supervision slips (every
//                        rung raised on it or on its cases, tasks and
//                        problems) and its history (the project stream's
//                        events, dated, described in Chinese).
// Everything a person reads is Chinese (reports::Label). The query string
// and the pages' frame are http_helpers.h's.
//
// Thread-safety: the functions are reentrant.
#ifndef TAIZHANG_SERVICES_OFFICE_PAGES_H_
#define TAIZHANG_SERVICES_OFFICE_PAGES_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/auth.h"
#include "services/http_server.h"
#include "store/event_log.h"
#include "taizhang/v1/api_ledger.pb.h"
#include "workflows/ledger.h"

namespace taizhang::services {

// The list filters of `query` (ParseQuery, http_helpers.h): unit, region,
// stage, light, overdue, project; other names are ignored. INVALID_ARGUMENT naming the parameter
// and the value when one does not parse (an unknown stage or light, a region that is not 6 digits,
// overdue other than 1/0).
absl::StatusOr<v1::ListRequest> OfficeFilters(const std::map<std::string, std::string>& query);

HttpResponse OfficeListsPage(const Caller& caller, const workflows::Ledger& ledger, absl::Time now,
                             const std::map<std::string, std::string>& query);

HttpResponse ProjectPage(const Caller& caller, const workflows::Ledger& ledger,
                         store::EventLog& log, absl::Time now, const std::string& code);

// The Chinese description of an event type ("project.StageAdvanced" ->
// "阶段推进"); the type itself when none is known.
std::string EventTypeLabel(const std::string& type);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_OFFICE_PAGES_H_
