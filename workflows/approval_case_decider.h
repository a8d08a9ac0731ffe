// Internal to the approval case's deciding (approval_case_decide.cc and
// approval_case_timed.cc): other modules include workflows/approval_case.h
// only, the case's other files approval_case_internal.h.
//
// Deciding is written in two files: approval_case_decide.cc (the case's and
// items' commands, and DecideCase's dispatch) and approval_case_timed.cc
// (Tick, the supervision commands, recomputing deadlines and the events a
// command entails). This header holds the Decider they both define and the
// little they share besides.
#ifndef TAIZHANG_WORKFLOWS_APPROVAL_CASE_DECIDER_H_
#define TAIZHANG_WORKFLOWS_APPROVAL_CASE_DECIDER_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/deadline_rule.h"
#include "taizhang/v1/approval_case.pb.h"
#include "workflows/approval_case_internal.h"
#include "workflows/principal.h"
#include "workflows/supervision.h"

namespace taizhang::workflows::case_internal {

using engine::WorkingDayCalendar;
using v1::ApprovalCaseEvent;
using v1::ApprovalCaseState;
using v1::ApprovalItemPolicy;
using v1::ApprovalPolicy;
using v1::CaseClock;
using v1::CaseItem;

// The deadline of `clock` recomputed from its facts: rule, start, closed
// suspensions (plus `extra`), and `extension` working days.
absl::StatusOr<v1::ComputedDeadline> Recompute(const CaseClock& clock,
                                               std::optional<engine::Suspension> extra,
                                               int extension, const WorkingDayCalendar& cal);

// One decision: the state, the command's context and the calendar.
class Decider {
 public:
  Decider(const ApprovalCaseState& s, const engine::DecideContext& ctx, const Principal& who,
          const WorkingDayCalendar& cal)
      : s_(s), ctx_(ctx), who_(who), cal_(cal) {}

  absl::StatusOr<Events> Open(const v1::OpenApprovalCase& c,
                              const std::vector<ApprovalPolicy>& policies) const;
  absl::StatusOr<Events> Submit(const v1::SubmitCaseItem& c) const;
  absl::StatusOr<Events> Accept(const v1::AcceptCaseItem& c) const;
  absl::StatusOr<Events> SupplyDocuments(const v1::SupplyCaseDocuments& c) const;
  absl::StatusOr<Events> Suspend(const v1::SuspendCaseItem& c) const;
  absl::StatusOr<Events> Resume(const std::string& item_id, const std::string& note,
                                bool by_correction) const;
  absl::StatusOr<Events> ReportUp(const v1::ReportCaseItemUp& c) const;
  absl::StatusOr<Events> Approve(const v1::ApproveCaseItem& c) const;
  absl::StatusOr<Events> Reject(const v1::RejectCaseItem& c) const;
  absl::StatusOr<Events> Return(const v1::ReturnCaseItem& c) const;
  absl::StatusOr<Events> Extend(const v1::GrantCaseExtension& c) const;
  absl::StatusOr<Events> Answer(const v1::AnswerSupervisionRung& c) const;
  absl::StatusOr<Events> RaiseRung(const v1::RaiseSupervisionRung& c) const;
  absl::StatusOr<Events> DelistRung(const v1::DelistSupervisionRung& c) const;
  absl::StatusOr<Events> Withdraw(const v1::WithdrawApprovalCase& c) const;
  absl::StatusOr<Events> Tick() const;
  absl::StatusOr<Events> RecomputeAll(const v1::RecomputeApprovalCaseDeadlines& c) const;

  // The events a command's events entail: the case clock stopping or
  // resuming, the case completing or ending, lights lowered by a moved limit.
  absl::StatusOr<Events> Finish(Events events) const;

 private:
  absl::Status RequireOwner(absl::string_view action) const;
  absl::Status RequireOpen() const;
  // The item named by a command, checked to be the actor's department's.
  absl::StatusOr<const CaseItem*> OwnItem(const std::string& item_id,
                                          absl::string_view action) const;
  absl::StatusOr<const CaseItem*> Item(const std::string& item_id) const;
  absl::Status NotBefore(int64_t at_us, absl::string_view what) const;
  absl::Status RequireStatus(const CaseItem& item,
                             std::initializer_list<v1::ApprovalItemStatus> allowed,
                             absl::string_view action) const;
  bool LateAt(const CaseClock& clock) const {
    return !clock.suspended() && clock.ended_at_us() == 0 && ctx_.occurred_at >= DueAt(clock);
  }
  // What has fallen due for one subject by now (the light, the rungs due as
  // of `as_of`), each with the instant it fell due.
  void TimedFor(const Supervisor& supervisor, const SupervisedSubject& subject,
                std::optional<absl::Time> as_of,
                std::vector<std::pair<absl::Time, ApprovalCaseEvent>>* out) const;

  const ApprovalCaseState& s_;
  const engine::DecideContext& ctx_;
  const Principal& who_;
  const WorkingDayCalendar& cal_;
};

// PERMISSION_DENIED: `who` may not do `action`, only `who_may`.
absl::Status Denied(const Principal& who, absl::string_view action, absl::string_view who_may);

// A command's single event.
absl::StatusOr<Events> One(ApprovalCaseEvent e);

}  // namespace taizhang::workflows::case_internal

#endif  // TAIZHANG_WORKFLOWS_APPROVAL_CASE_DECIDER_H_
