// ApprovalCase: the joint-approval case aggregate (联审联批 / 并联审批), one
// stream "case/<case_id>" per case (proto/taizhang/v1/approval_case.proto).
//
// What it knows:
//   - Opening, by the enterprise that owns the project ("enterprise:<owner>"):
//     the project code (workflows/project_code.h), the policy by
//     name (a copy, ladder included, is kept in the case, so later edits of
//     the policy file do not change a running case), the items: every
//     required item of the policy plus the optional ones the enterprise names.
//     The case's clock starts: its limit (e.g. 38 calendar days) counts from
//     the day after opening.
//   - Items. NOT_SUBMITTED → SUBMITTED (the item's clock starts: its limit
//     counts from the day after receipt; only once every item it depends on
//     is approved) → ACCEPTED (受理; 容缺: documents missing against a
//     commitment date, which is a deadline against the enterprise) ↔
//     SUSPENDED (补正, expert review, hearing, inspection: the clock stops; a
//     correction supplied by the enterprise, or the department, resumes it,
//     and the due date moves by exactly the working days in (stopped day,
//     resumed day]) → APPROVED, REJECTED (reasons required) or back to
//     NOT_SUBMITTED (returned, reasons required; a new submission is a new
//     round with a fresh clock). An item needing a higher authority is
//     REPORTED_UP within its limit; the department's clock then stops and it
//     records the higher authority's decision later. With deemed consent
//     (超时默认) in the policy, an item still pending at its limit becomes
//     DEEMED_APPROVED by itself (emitted by Tick), late against its
//     department. Approval needs every missing document supplied.
//   - The case completes when every item in it is approved (or deemed); a
//     rejection ends it; the enterprise may withdraw it. Suspensions for the
//     reasons the policy lists (e.g. 补正) also stop the case's clock.
//   - Extensions: one per item round (and one for the case), up to the
//     policy's working days, by the grantor the policy names (the supervision
//     office, or the head of the owning/lead unit); an extension starts a new
//     ladder episode.
//   - Supervision (workflows/supervision.h), three kinds of subject: the
//     case ("", addressed to the lead unit), each item's round ("item/<id>",
//     its department) with the policy's ladder, and each 容缺 commitment
//     ("commitment/<id>", the enterprise) with the policy's commitment
//     ladder. Lights GREEN, YELLOW from the day N working days remain, RED
//     at the limit; rungs raised once per episode with recipients resolved
//     to units and posts, a slip number and a rectification limit. Tick
//     emits them; nothing runs while a clock is suspended or after it ended.
//     A command that moves a limit later (resume, extension) also emits the
//     lowered light. A missed commitment is recorded (CaseCommitmentMissed)
//     and climbs the commitment ladder. The office raises rungs by hand and
//     delists answered ones; the addressed unit answers.
//
// Who may do what (ParseActor(ctx.actor)):
//   enterprise:<owner>            open, submit, supply documents/correction, withdraw
//   department:<item department>  accept, suspend, resume, report up, approve,
//                                 reject, return its own items; answer slips
//                                 (the lead unit answers the case's; the
//                                 enterprise its commitments')
//   supervision:<policy's office> raise rungs by hand, delist answered ones
//   per policy                    grant extensions: "supervision:<office>" or
//                                 "department:<unit>:<head post>"
//   system:scheduler              Tick; system or admin: RecomputeDeadlines
//   auditors, leaders, others     nothing (PERMISSION_DENIED)
//
// Time: only ctx.now and ctx.occurred_at (an action keyed in later is judged
// at its occurred_at, which must not precede the item's last change). Due
// dates are computed from their facts with engine::ComputeDeadline and kept
// in events; a date touching a year without a calendar is provisional until
// RecomputeDeadlines.
//
// Thread-safety: Decide, Apply, NextWakeup and View are const and may run
// concurrently; SetCalendar may be called at any time (each call uses the
// calendar current when it starts).
#ifndef TAIZHANG_WORKFLOWS_APPROVAL_CASE_H_
#define TAIZHANG_WORKFLOWS_APPROVAL_CASE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/calendar_holder.h"
#include "engine/upcaster.h"
#include "taizhang/v1/approval_case.pb.h"
#include "workflows/supervision.h"

namespace taizhang::workflows {

// "case/<case_id>".
std::string CaseStream(absl::string_view case_id);

class ApprovalCase {
 public:
  using State = v1::ApprovalCaseState;
  using Command = v1::ApprovalCaseCommand;
  using Event = v1::ApprovalCaseEvent;
  static constexpr uint32_t kStateSchema = 1;
  static constexpr uint32_t kEventSchema = 1;

  // `policies` must each pass ValidateApprovalPolicy and have distinct names;
  // `calendar` must not be null (otherwise the process aborts: a broken
  // invariant of the caller, as policies are validated when loaded).
  ApprovalCase(std::vector<v1::ApprovalPolicy> policies,
               std::shared_ptr<const engine::WorkingDayCalendar> calendar);

  // Loads the policies in `policy_dir` (ladders from `ladders_dir`) and the
  // calendar directory.
  static absl::StatusOr<std::unique_ptr<ApprovalCase>> Load(const std::string& policy_dir,
                                                            const std::string& ladders_dir,
                                                            const std::string& calendar_dir);

  // Takes a new calendar into use; then send RecomputeDeadlines to each case.
  void SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar);

  std::string EventType(const Event& event) const;
  absl::StatusOr<std::vector<Event>> Decide(const State& state, const Command& command,
                                            const engine::DecideContext& ctx) const;
  void Apply(State* state, const Event& event, const engine::EventContext& ctx) const;
  const engine::UpcasterRegistry* upcasters() const { return nullptr; }

  // The earliest instant after which a Tick could emit something new: a
  // light's next threshold, the next rung, a deemed consent, a commitment
  // date passing. May be in the past (then a Tick is due now). nullopt when
  // nothing is pending (not opened, closed, every clock suspended or ended).
  std::optional<absl::Time> NextWakeup(const State& state) const;

  // Every subject the case supervises: its own limit, each submitted item's
  // round, each commitment made (empty before opening).
  std::vector<SupervisedSubject> Subjects(const State& state) const;

  // Times and lights at `now` for the case and each item.
  v1::ApprovalCaseView View(const State& state, absl::Time now) const;

  const std::vector<v1::ApprovalPolicy>& policies() const { return policies_; }
  std::shared_ptr<const engine::WorkingDayCalendar> calendar() const;

 private:
  [[noreturn]] static void Fatal(const std::string& problem);

  const std::vector<v1::ApprovalPolicy> policies_;
  engine::CalendarHolder calendar_;
};

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_APPROVAL_CASE_H_
