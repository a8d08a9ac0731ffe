// The yearly assessment of units (考核): every assessed unit's score for a
// period, as the log stood on a day, with the ranking (先进 / 末位) and each
// figure's breakdown down to the events behind it.
//
// The log is folded from its first record up to the day asked
// (ReadLedgerAsOf, as every past-day export reads it), and each registered
// workflow's supervised subjects (A::Subjects(state), workflows/supervision.h)
// and rungs are read in one place, so a new aggregate with subjects (a
// meeting's decided matters, "meeting/<id>", "matter/<n>") is counted by an
// on-time indicator that selects it, with no code here. While folding, the
// position of each event that resolved a subject, turned its light red, set
// its limit, raised or answered a rung, or reported a month's investment is
// noted, so each counted subject names the event that decided it.
//
// Rules (docs/assessment.md):
//   - A subject with a limit is decided when its outcome is known: done
//     before the limit (on time, at completion) or the limit passed (late,
//     then). It counts in the period that instant falls in, once, for each
//     of its responsible units; open and not yet due, or suspended, it waits.
//     Enterprises' subjects are not counted.
//   - A rung with a rectification limit is decided when answered on time, or
//     when its limit passes (late or unanswered).
//   - Investment: each project a unit leads with a plan for the year, the
//     latest cumulative report of the year through the period's last month,
//     capped at the plan, against the plan.
//   - Visits made: each judged quota period (ProjectVisitPeriodResult) whose
//     last day is in the period, met or short, for the unit of the person
//     judged (the unit they record their own visits for,
//     "department:<unit>:<name>"; else the project's lead unit). Not
//     computed when the visit policy judges no quota.
//   - Enterprise rating: the ratings of the unit's service contacts (the
//     unit found the same way) for periods beginning in the period, given by
//     the log read: their mean on the rating scale.
//   - An indicator not computed is left out, its weight shared out.
//   - Points are integers in hundredths (rounded half up); ties share a rank.
//
// Thread-safety: ComputeAssessment may run concurrently with appends (it
// reads the log up to its head at the start).
#ifndef TAIZHANG_WORKFLOWS_ASSESSMENT_H_
#define TAIZHANG_WORKFLOWS_ASSESSMENT_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "taizhang/v1/assessment.pb.h"
#include "workflows/ledger.h"

namespace taizhang::workflows {

struct AssessmentQuery {
  absl::CivilDay from;  // the period's first day
  absl::CivilDay to;    // its last day, not before `from`
  // The day the log is read as of (the events recorded by its end, judged
  // at its end); nullopt: the log now, judged at `now`.
  std::optional<absl::CivilDay> as_of;
  // Instead of a day: the log through this position (a published bulletin's;
  // 0: not used), judged at the period's end. Not with as_of.
  uint64_t through_position = 0;
};

// The assessment of `query` under `policy`. Outcomes are judged at the
// earlier of the period's end and the day read. INVALID_ARGUMENT for a period
// whose end is before its start; DATA_LOSS / FAILED_PRECONDITION when the log
// cannot be read.
absl::StatusOr<v1::Assessment> ComputeAssessment(const Ledger& ledger,
                                                 const v1::AssessmentPolicy& policy,
                                                 const AssessmentQuery& query, absl::Time now);

// The same under `rule` (the policy and the visit policy's part recorded with
// a publication), whatever visit policy is loaded.
absl::StatusOr<v1::Assessment> ComputeAssessment(const Ledger& ledger,
                                                 const v1::AssessmentRule& rule,
                                                 const AssessmentQuery& query, absl::Time now);

// `policy` with the visit policy loaded in `ledger`: the rule a computation
// now uses.
v1::AssessmentRule AssessmentRuleOf(const Ledger& ledger, const v1::AssessmentPolicy& policy);

// Points as people read them: 9550 -> "95.50", -50 -> "-0.50".
std::string CentiText(int64_t centi);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_ASSESSMENT_H_
