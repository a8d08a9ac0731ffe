// The monthly bulletin's visit figures (Bulletin fields 50..53): the visits
// of the month per person and per unit, and the quota periods of the month
// judged below quota (docs/visits.md).
//
// Thread-safety: pure.
#ifndef TAIZHANG_WORKFLOWS_BULLETIN_VISITS_H_
#define TAIZHANG_WORKFLOWS_BULLETIN_VISITS_H_

#include <vector>

#include "absl/time/civil_time.h"
#include "taizhang/v1/bulletin.pb.h"
#include "taizhang/v1/project.pb.h"

namespace taizhang::workflows {

// Fills in `bulletin`'s visit figures for `month` from the projects' states:
// visits whose day is in the month (keyed in late ones too), and the periods
// of the month (a half month or the month itself) judged below quota.
void AddVisitFigures(const std::vector<v1::ProjectState>& projects, absl::CivilMonth month,
                     v1::Bulletin* bulletin);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_BULLETIN_VISITS_H_
