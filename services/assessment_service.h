// The yearly assessment of units (考核) at the front door: the Assessments
// service (GetAssessment), and AssessmentFor, the one reading of a request
// that the RPC, the ledger export (kinds 考核台账 and 考核明细) and the CLI
// share (workflows/assessment.h computes).
//
// Who reads what: the office (supervision), leaders, auditors and admin
// read every unit; a department reads its own unit only (naming another is
// PERMISSION_DENIED), with its breakdown; enterprises and screens are
// refused.
//
// Thread-safety: AssessmentFor may be called from any thread (it folds the
// log into its own states).
#ifndef TAIZHANG_SERVICES_ASSESSMENT_SERVICE_H_
#define TAIZHANG_SERVICES_ASSESSMENT_SERVICE_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/auth.h"
#include "taizhang/v1/api_assessment.pb.h"
#include "taizhang/v1/assessment.pb.h"
#include "workflows/ledger.h"

namespace taizhang::services {

class TaizhangServer;

// The assessment `request` asks for, as `caller` may read it, at the
// server's `now`. INVALID_ARGUMENT for a missing or malformed year or period,
// a period across years, or an as-of day after today; NOT_FOUND when no rule
// assesses the year or the unit named is not assessed; PERMISSION_DENIED
// outside the caller's scope (above); DATA_LOSS when the log cannot be read.
absl::StatusOr<v1::Assessment> AssessmentFor(const workflows::Ledger& ledger, absl::Time now,
                                             const Caller& caller,
                                             const v1::AssessmentRequest& request);

// Registers the Assessments service on `server`; `ledger` must outlive it.
void AddAssessmentService(TaizhangServer& server, workflows::Ledger& ledger);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_ASSESSMENT_SERVICE_H_
