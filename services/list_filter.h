// The project filters of a list request (v1::ListRequest: region, stage,
// project_code), in one place for every reader of a ledger: the List RPCs
// (ledger_service.h) and the exported ledgers (ledger_export.h). The other
// filters (unit, light, overdue) are each workflow's ApiTraits<A>::Matches
// (workflow_api.h), judged on the view.
//
// Thread-safety: pure.
#ifndef TAIZHANG_SERVICES_LIST_FILTER_H_
#define TAIZHANG_SERVICES_LIST_FILTER_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "taizhang/v1/api_ledger.pb.h"
#include "taizhang/v1/project.pb.h"

namespace taizhang::services {

// The project a code names on the ledger being read (now, or as of a day);
// null when there is none. Asked only when the stage filter is given.
using ProjectLookup = absl::FunctionRef<const v1::ProjectState*(const std::string& code)>;

// Whether an item of project `code` passes `request`'s project filters: the
// region is the code's 6-digit division, the stage the project's (an item of
// a project not on the ledger fails a stage filter), project_code the code.
inline bool PassesProjectFilters(const v1::ListRequest& request, const std::string& code,
                                 ProjectLookup project) {
  if (!request.region().empty() && (code.size() < 11 || code.substr(5, 6) != request.region())) {
    return false;
  }
  if (!request.project_code().empty() && code != request.project_code()) return false;
  if (request.stage() != v1::PROJECT_STAGE_UNSPECIFIED) {
    const v1::ProjectState* p = project(code);
    if (p == nullptr || p->stage() != request.stage()) return false;
  }
  return true;
}

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_LIST_FILTER_H_
