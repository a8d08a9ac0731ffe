// Internal to the approval case (approval_case*.cc): other modules include
// workflows/approval_case.h only.
//
// The case is written in five files along its seams: approval_case.cc (the
// aggregate: Decide's dispatch, Apply, NextWakeup, the supervised subjects),
// approval_case_decide.cc (deciding the case's and items' commands),
// approval_case_timed.cc (Tick, the supervision commands and the events a
// command entails; the Decider the two share is in approval_case_decider.h),
// approval_case_apply.cc (applying events, pure) and approval_case_view.cc
// (what depends on now). This header holds what they share: state lookups,
// the clock predicates and the supervised subjects.
#ifndef TAIZHANG_WORKFLOWS_APPROVAL_CASE_INTERNAL_H_
#define TAIZHANG_WORKFLOWS_APPROVAL_CASE_INTERNAL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/deadline_rule.h"
#include "taizhang/v1/approval_case.pb.h"
#include "workflows/principal.h"
#include "workflows/supervision.h"

namespace taizhang::workflows::case_internal {

using Events = std::vector<v1::ApprovalCaseEvent>;

inline constexpr absl::string_view kStreamPrefix = "case/";
inline constexpr absl::string_view kItemSubjectPrefix = "item/";
inline constexpr absl::string_view kCommitmentSubjectPrefix = "commitment/";

inline absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
inline int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }

std::string ItemStatusName(v1::ApprovalItemStatus s);
std::string CaseStatusName(v1::ApprovalCaseStatus s);
std::string ReasonName(v1::ApprovalSuspensionReason r);

bool IsApproved(const v1::CaseItem& item);
// Whether an item's clock runs: submitted or accepted, not suspended, not ended.
bool ItemRunning(const v1::CaseItem& item);
// An item the department still has before it (its clock started, not ended).
bool ItemPending(const v1::CaseItem& item);
bool CaseRunning(const v1::ApprovalCaseState& s);
// An item whose 容缺 commitment is still owed (documents outstanding).
bool CommitmentOwed(const v1::CaseItem& item);

const v1::ApprovalItemPolicy* FindItemPolicy(const v1::ApprovalPolicy& policy,
                                             const std::string& id);
v1::CaseItem* FindItem(v1::ApprovalCaseState* s, const std::string& id);
const v1::CaseItem* FindItem(const v1::ApprovalCaseState& s, const std::string& id);
const v1::ApprovalUnit* FindUnit(const v1::ApprovalPolicy& policy, const std::string& name);

absl::CivilDay DueDay(const v1::CaseClock& clock);
inline absl::Time DueAt(const v1::CaseClock& clock) { return FromUs(clock.deadline().due_at_us()); }

// Subject ids: "" (the case), "item/<id>", "commitment/<id>".
std::string ItemSubjectId(absl::string_view item_id);
std::string CommitmentSubjectId(absl::string_view item_id);
// The item a subject id names ("" for the case itself or another id).
std::string ItemIdOfSubject(absl::string_view subject);

// The supervised subjects of a case: its own limit, an item's round, an
// enterprise's commitment for an item (容缺).
SupervisedSubject CaseSubject(const v1::ApprovalCaseState& s);
SupervisedSubject ItemSubject(const v1::ApprovalCaseState& s, const v1::CaseItem& item);
SupervisedSubject CommitmentSubject(const v1::ApprovalCaseState& s, const v1::CaseItem& item);

// The clock of the case ("") or of an item, by subject id or item id; nullptr
// for an unknown item.
v1::CaseClock* ClockOf(v1::ApprovalCaseState* s, const std::string& subject_or_item);

// Applies one event (pure; used by Apply and to look ahead in Decide).
void ApplyCaseEvent(v1::ApprovalCaseState* s, const v1::ApprovalCaseEvent& e);

// Decides `command` (the actor already parsed) and adds the events it entails.
absl::StatusOr<Events> DecideCase(const v1::ApprovalCaseState& s,
                                  const v1::ApprovalCaseCommand& command,
                                  const engine::DecideContext& ctx, const Principal& who,
                                  const engine::WorkingDayCalendar& cal,
                                  const std::vector<v1::ApprovalPolicy>& policies);

// A clock's view at `now`.
v1::CaseClockView ClockView(const v1::CaseClock& clock, bool running, int yellow, absl::Time now,
                            const engine::WorkingDayCalendar& cal);

}  // namespace taizhang::workflows::case_internal

#endif  // TAIZHANG_WORKFLOWS_APPROVAL_CASE_INTERNAL_H_
