// The monthly bulletin's assessment ranking (Bulletin field 70,
// BulletinAssessment): the yearly assessment of units (workflows/assessment.h)
// from the year's first day to the month's last, judged at the month's end,
// over the log the bulletin's other figures read (through its position), with
// each unit's rank, score, standing (先进 / 末位) and largest deductions.
//
// The rule is data a publication records (BulletinPublished.assessment_rule),
// so a published bulletin recomputed later ranks with the rule it was
// published with; an older publication recorded none and has no ranking.
//
// Thread-safety: as ComputeAssessment (reads the log up to a position).
#ifndef TAIZHANG_WORKFLOWS_BULLETIN_ASSESSMENT_H_
#define TAIZHANG_WORKFLOWS_BULLETIN_ASSESSMENT_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "taizhang/v1/assessment.pb.h"
#include "taizhang/v1/bulletin.pb.h"

namespace taizhang::workflows {

class Ledger;

// The rule the ledger loaded for `month`'s year (its assessment policy and
// its visit policy), or nullopt when no assessment policy covers the year.
std::optional<v1::AssessmentRule> BulletinAssessmentRuleFor(const Ledger& ledger,
                                                            absl::CivilMonth month);

// The ranking of `rule` over the log through `through_position` (0: the
// head), as bulletin->assessment. The month is the bulletin's. DATA_LOSS /
// FAILED_PRECONDITION when the log cannot be read.
absl::Status AddAssessmentRanking(const Ledger& ledger, const v1::AssessmentRule& rule,
                                  absl::CivilMonth month, uint64_t through_position,
                                  v1::Bulletin* bulletin);

// The assessment as the bulletin shows it (pure).
v1::BulletinAssessment BulletinRanking(const v1::Assessment& assessment);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_BULLETIN_ASSESSMENT_H_
