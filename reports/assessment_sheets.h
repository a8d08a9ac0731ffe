// The assessment ledgers (考核台账, 考核明细) as Sheets, from an Assessment
// (workflows/assessment.h): one row per unit (group, rank, unit, score, each
// indicator's score, deductions, 先进 / 末位), and one row per counted
// subject (unit, indicator, stream, subject, log position, outcome, limit).
// Points are written in hundredths, as money columns (two decimals).
//
// Thread-safety: pure functions.
#ifndef TAIZHANG_REPORTS_ASSESSMENT_SHEETS_H_
#define TAIZHANG_REPORTS_ASSESSMENT_SHEETS_H_

#include "absl/time/civil_time.h"
#include "reports/sheet.h"
#include "taizhang/v1/assessment.pb.h"

namespace taizhang::reports {

// 考核台账 as of `day`.
Sheet AssessmentSheet(const v1::Assessment& assessment, absl::CivilDay day);
// 考核明细 as of `day` (the units' breakdowns, as `assessment` carries them).
Sheet AssessmentDetailSheet(const v1::Assessment& assessment, absl::CivilDay day);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_ASSESSMENT_SHEETS_H_
