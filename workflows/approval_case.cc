#include "workflows/approval_case.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/calendar_working_days.h"
#include "engine/deadline_rule.h"
#include "engine/ladder.h"
#include "workflows/approval_policy.h"
#include "workflows/principal.h"

namespace taizhang::workflows {
namespace {

using engine::WorkingDayCalendar;
using v1::ApprovalCaseCommand;
using v1::ApprovalCaseEvent;
using v1::ApprovalCaseState;
using v1::ApprovalItemPolicy;
using v1::ApprovalPolicy;
using v1::CaseClock;
using v1::CaseItem;
using v1::CaseRung;
using Events = std::vector<ApprovalCaseEvent>;

constexpr absl::string_view kStreamPrefix = "case/";

absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }

std::string ItemStatusName(v1::ApprovalItemStatus s) {
  return std::string(absl::StripPrefix(v1::ApprovalItemStatus_Name(s), "APPROVAL_ITEM_STATUS_"));
}
std::string CaseStatusName(v1::ApprovalCaseStatus s) {
  return std::string(absl::StripPrefix(v1::ApprovalCaseStatus_Name(s), "APPROVAL_CASE_STATUS_"));
}
std::string ReasonName(v1::ApprovalSuspensionReason r) {
  return std::string(
      absl::StripPrefix(v1::ApprovalSuspensionReason_Name(r), "APPROVAL_SUSPENSION_REASON_"));
}

bool IsApproved(const CaseItem& item) {
  return item.status() == v1::APPROVAL_ITEM_STATUS_APPROVED ||
         item.status() == v1::APPROVAL_ITEM_STATUS_DEEMED_APPROVED;
}

// Whether an item's clock runs: submitted or accepted, not suspended, not ended.
bool ItemRunning(const CaseItem& item) {
  return item.status() == v1::APPROVAL_ITEM_STATUS_SUBMITTED ||
         item.status() == v1::APPROVAL_ITEM_STATUS_ACCEPTED;
}

// An item the department still has before it (its clock started, not ended).
bool ItemPending(const CaseItem& item) {
  return ItemRunning(item) || item.status() == v1::APPROVAL_ITEM_STATUS_SUSPENDED;
}

bool CaseRunning(const ApprovalCaseState& s) {
  return s.status() == v1::APPROVAL_CASE_STATUS_OPEN && !s.clock().suspended() &&
         s.clock().ended_at_us() == 0;
}

const ApprovalItemPolicy* FindItemPolicy(const ApprovalPolicy& policy, const std::string& id) {
  for (const ApprovalItemPolicy& p : policy.items()) {
    if (p.id() == id) return &p;
  }
  return nullptr;
}

CaseItem* FindItem(ApprovalCaseState* s, const std::string& id) {
  for (CaseItem& item : *s->mutable_items()) {
    if (item.item_id() == id) return &item;
  }
  return nullptr;
}

const v1::ApprovalUnit* FindUnit(const ApprovalPolicy& policy, const std::string& name) {
  for (const v1::ApprovalUnit& u : policy.units()) {
    if (u.name() == name) return &u;
  }
  return nullptr;
}

absl::CivilDay DueDay(const CaseClock& clock) {
  absl::StatusOr<absl::CivilDay> day = engine::ParseDate(clock.deadline().due_date());
  return day.ok() ? *day : absl::CivilDay();
}

absl::Time DueAt(const CaseClock& clock) { return FromUs(clock.deadline().due_at_us()); }

// ---------------------------------------------------------------------------
// Lights.

// The instant the light turns yellow (00:00 of the day on which `n` working
// days remain, not before the clock started), if the policy has a yellow.
std::optional<absl::Time> YellowAt(const CaseClock& clock, int n, const WorkingDayCalendar& cal) {
  if (n <= 0) return std::nullopt;
  const absl::CivilDay day = cal.SubtractWorkingDays(DueDay(clock) + 1, n).day;
  const absl::Time at = std::max(engine::StartOfDay(day), FromUs(clock.start_at_us()));
  if (at >= DueAt(clock)) return std::nullopt;
  return at;
}

v1::Light TargetLight(const CaseClock& clock, int yellow, absl::Time t,
                      const WorkingDayCalendar& cal) {
  if (t >= DueAt(clock)) return v1::LIGHT_RED;
  std::optional<absl::Time> y = YellowAt(clock, yellow, cal);
  if (y.has_value() && t >= *y) return v1::LIGHT_YELLOW;
  return v1::LIGHT_GREEN;
}

// The instant the clock's light will next go up, if it runs as it is.
std::optional<absl::Time> NextLightAt(const CaseClock& clock, int yellow,
                                      const WorkingDayCalendar& cal) {
  if (clock.light() >= v1::LIGHT_RED) return std::nullopt;
  if (clock.light() < v1::LIGHT_YELLOW) {
    if (std::optional<absl::Time> y = YellowAt(clock, yellow, cal); y.has_value()) return y;
  }
  return DueAt(clock);
}

// ---------------------------------------------------------------------------
// The ladder.

engine::LadderSubject SubjectOf(const CaseClock& clock,
                                const google::protobuf::RepeatedPtrField<CaseRung>& rungs) {
  engine::LadderSubject subject;
  subject.start = FromUs(clock.start_at_us());
  subject.due = DueAt(clock);
  subject.resolved = clock.ended_at_us() != 0;
  if (subject.resolved) subject.resolved_at = FromUs(clock.ended_at_us());
  for (const CaseRung& r : rungs) {
    if (r.raised().episode() != clock.episode()) continue;
    engine::RaisedRung raised;
    raised.rung_id = r.raised().rung_id();
    raised.raised_at = FromUs(r.raised().raised_at_us());
    raised.answered = r.answered();
    if (r.answered()) raised.answered_at = FromUs(r.answered_at_us());
    subject.raised.push_back(std::move(raised));
  }
  return subject;
}

// Who is addressed for `item` (nullptr: the case).
std::vector<v1::CaseRecipient> Recipients(const v1::Rung& rung, const ApprovalCaseState& s,
                                          const CaseItem* item) {
  const std::string unit = item != nullptr ? item->department() : s.policy().lead_unit();
  const v1::ApprovalUnit* u = FindUnit(s.policy(), unit);
  std::vector<v1::CaseRecipient> out;
  for (int role : rung.recipients()) {
    v1::CaseRecipient r;
    r.set_role(static_cast<v1::Role>(role));
    switch (role) {
      case v1::ROLE_RESPONSIBLE_UNIT:
        r.set_unit(unit);
        break;
      case v1::ROLE_UNIT_HEAD:
        r.set_unit(unit);
        r.set_person(u != nullptr ? u->head() : "");
        break;
      case v1::ROLE_SUPERVISION_OFFICE:
        r.set_unit(s.policy().supervision_office());
        break;
      case v1::ROLE_RESPONSIBLE_LEADER:
        r.set_unit(s.responsible_leader());
        break;
      default:
        break;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string SlipNumber(const ApprovalCaseState& s, const CaseItem* item, int episode,
                       const std::string& rung_id) {
  std::string out = CaseStream(s.case_id());
  if (item != nullptr) absl::StrAppend(&out, "/", item->item_id());
  absl::StrAppend(&out, "/", episode, "/", rung_id);
  return out;
}

// ---------------------------------------------------------------------------
// Applying events (pure; used by Apply and to look ahead in Decide).

CaseClock* ClockOf(ApprovalCaseState* s, const std::string& item_id) {
  if (item_id.empty()) return s->mutable_clock();
  CaseItem* item = FindItem(s, item_id);
  return item != nullptr ? item->mutable_clock() : nullptr;
}

void EndClock(CaseClock* clock, int64_t at_us, bool late) {
  if (clock->ended_at_us() != 0) return;
  clock->set_ended_at_us(at_us);
  clock->set_late(late);
}

void ApplyItemEvent(ApprovalCaseState* s, const ApprovalCaseEvent& e) {
  switch (e.kind_case()) {
    case ApprovalCaseEvent::kItemSubmitted: {
      const auto& x = e.item_submitted();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_SUBMITTED);
      item->set_round(x.round());
      CaseClock* clock = item->mutable_clock();
      clock->Clear();
      clock->set_start_at_us(x.submitted_at_us());
      *clock->mutable_deadline() = x.deadline();
      clock->set_episode(x.episode());
      clock->set_light(v1::LIGHT_GREEN);
      item->clear_missing_documents();
      item->clear_commitment_date();
      item->clear_commitment_due_at_us();
      item->clear_commitment_missed();
      item->clear_reasons();
      item->set_last_change_at_us(x.submitted_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemAccepted: {
      const auto& x = e.item_accepted();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_ACCEPTED);
      *item->mutable_missing_documents() = x.missing_documents();
      item->set_commitment_date(x.commitment_date());
      item->set_commitment_due_at_us(x.commitment_due_at_us());
      item->set_last_change_at_us(x.accepted_at_us());
      return;
    }
    case ApprovalCaseEvent::kDocumentsSupplied: {
      const auto& x = e.documents_supplied();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      std::set<std::string> supplied(x.documents().begin(), x.documents().end());
      auto* missing = item->mutable_missing_documents();
      missing->erase(std::remove_if(missing->begin(), missing->end(),
                                    [&](const std::string& d) { return supplied.count(d) > 0; }),
                     missing->end());
      return;
    }
    case ApprovalCaseEvent::kItemSuspended: {
      const auto& x = e.item_suspended();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status_before_suspension(item->status());
      item->set_status(v1::APPROVAL_ITEM_STATUS_SUSPENDED);
      CaseClock* clock = item->mutable_clock();
      clock->set_suspended(true);
      clock->set_suspended_on(x.suspended_on());
      clock->set_suspended_at_us(x.suspended_at_us());
      clock->set_suspension_reason(x.reason());
      item->set_last_change_at_us(x.suspended_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemResumed: {
      const auto& x = e.item_resumed();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(item->status_before_suspension());
      item->clear_status_before_suspension();
      CaseClock* clock = item->mutable_clock();
      v1::CaseSuspension* done = clock->add_suspensions();
      done->set_from(clock->suspended_on());
      done->set_to(x.resumed_on());
      done->set_reason(clock->suspension_reason());
      done->set_working_days(x.suspended_working_days());
      clock->set_suspended(false);
      clock->clear_suspended_on();
      clock->clear_suspended_at_us();
      clock->clear_suspension_reason();
      *clock->mutable_deadline() = x.deadline();
      item->set_last_change_at_us(x.resumed_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemReportedUp: {
      const auto& x = e.item_reported_up();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_REPORTED_UP);
      EndClock(item->mutable_clock(), x.reported_at_us(), x.late());
      item->set_last_change_at_us(x.reported_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemApproved: {
      const auto& x = e.item_approved();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_APPROVED);
      item->set_document_number(x.document_number());
      EndClock(item->mutable_clock(), x.approved_at_us(), x.late());
      item->set_last_change_at_us(x.approved_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemRejected: {
      const auto& x = e.item_rejected();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_REJECTED);
      *item->mutable_reasons() = x.reasons();
      EndClock(item->mutable_clock(), x.rejected_at_us(), x.late());
      item->set_last_change_at_us(x.rejected_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemReturned: {
      const auto& x = e.item_returned();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_NOT_SUBMITTED);
      item->set_returns(item->returns() + 1);
      *item->mutable_reasons() = x.reasons();
      EndClock(item->mutable_clock(), x.returned_at_us(), false);
      item->set_last_change_at_us(x.returned_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemDeemedApproved: {
      const auto& x = e.item_deemed_approved();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_DEEMED_APPROVED);
      EndClock(item->mutable_clock(), x.deemed_at_us(), true);
      item->set_last_change_at_us(x.deemed_at_us());
      return;
    }
    case ApprovalCaseEvent::kCommitmentMissed: {
      CaseItem* item = FindItem(s, e.commitment_missed().item_id());
      if (item != nullptr) item->set_commitment_missed(true);
      return;
    }
    default:
      return;
  }
}

CaseRung* FindRung(ApprovalCaseState* s, const std::string& slip_number) {
  for (CaseRung& r : *s->mutable_rungs()) {
    if (r.raised().slip_number() == slip_number) return &r;
  }
  for (CaseItem& item : *s->mutable_items()) {
    for (CaseRung& r : *item.mutable_rungs()) {
      if (r.raised().slip_number() == slip_number) return &r;
    }
  }
  return nullptr;
}

void ApplyCaseEvent(ApprovalCaseState* s, const ApprovalCaseEvent& e) {
  switch (e.kind_case()) {
    case ApprovalCaseEvent::kOpened: {
      const auto& x = e.opened();
      s->set_case_id(x.case_id());
      s->set_project_code(x.project_code());
      s->set_project_name(x.project_name());
      s->set_owner(x.owner());
      s->set_responsible_leader(x.responsible_leader());
      *s->mutable_policy() = x.policy();
      s->set_status(v1::APPROVAL_CASE_STATUS_OPEN);
      s->set_opened_at_us(x.opened_at_us());
      CaseClock* clock = s->mutable_clock();
      clock->set_start_at_us(x.opened_at_us());
      *clock->mutable_deadline() = x.deadline();
      clock->set_episode(1);
      clock->set_light(v1::LIGHT_GREEN);
      for (const std::string& id : x.item_ids()) {
        const ApprovalItemPolicy* p = FindItemPolicy(x.policy(), id);
        CaseItem* item = s->add_items();
        item->set_item_id(id);
        item->set_status(v1::APPROVAL_ITEM_STATUS_NOT_SUBMITTED);
        if (p != nullptr) {
          item->set_name(p->name());
          item->set_department(p->department());
          item->set_higher_authority(p->higher_authority());
        }
      }
      return;
    }
    case ApprovalCaseEvent::kExtensionGranted: {
      const auto& x = e.extension_granted();
      CaseClock* clock = ClockOf(s, x.item_id());
      if (clock == nullptr) return;
      clock->set_extended(true);
      clock->set_episode(x.episode());
      *clock->mutable_deadline() = x.deadline();
      return;
    }
    case ApprovalCaseEvent::kLightChanged: {
      CaseClock* clock = ClockOf(s, e.light_changed().item_id());
      if (clock != nullptr) clock->set_light(e.light_changed().to());
      return;
    }
    case ApprovalCaseEvent::kRungRaised: {
      const auto& x = e.rung_raised();
      CaseRung rung;
      *rung.mutable_raised() = x;
      if (x.item_id().empty()) {
        *s->add_rungs() = std::move(rung);
      } else if (CaseItem* item = FindItem(s, x.item_id()); item != nullptr) {
        *item->add_rungs() = std::move(rung);
      }
      return;
    }
    case ApprovalCaseEvent::kRungAnswered: {
      const auto& x = e.rung_answered();
      CaseRung* rung = FindRung(s, x.slip_number());
      if (rung == nullptr) return;
      rung->set_answered(true);
      rung->set_answered_at_us(x.answered_at_us());
      rung->set_answer(x.answer());
      rung->set_answered_by(x.answered_by());
      return;
    }
    case ApprovalCaseEvent::kDeadlineRecomputed: {
      CaseClock* clock = ClockOf(s, e.deadline_recomputed().item_id());
      if (clock != nullptr) *clock->mutable_deadline() = e.deadline_recomputed().new_deadline();
      return;
    }
    case ApprovalCaseEvent::kClockStopped: {
      CaseClock* clock = s->mutable_clock();
      clock->set_suspended(true);
      clock->set_suspended_on(e.clock_stopped().stopped_on());
      clock->set_suspended_at_us(e.clock_stopped().stopped_at_us());
      return;
    }
    case ApprovalCaseEvent::kClockResumed: {
      const auto& x = e.clock_resumed();
      CaseClock* clock = s->mutable_clock();
      v1::CaseSuspension* done = clock->add_suspensions();
      done->set_from(clock->suspended_on());
      done->set_to(x.resumed_on());
      done->set_working_days(x.suspended_working_days());
      clock->set_suspended(false);
      clock->clear_suspended_on();
      clock->clear_suspended_at_us();
      *clock->mutable_deadline() = x.deadline();
      return;
    }
    case ApprovalCaseEvent::kCompleted:
      s->set_status(v1::APPROVAL_CASE_STATUS_COMPLETED);
      s->set_closed_at_us(e.completed().completed_at_us());
      EndClock(s->mutable_clock(), e.completed().completed_at_us(), e.completed().late());
      return;
    case ApprovalCaseEvent::kEnded:
      s->set_status(v1::APPROVAL_CASE_STATUS_REJECTED);
      s->set_closed_at_us(e.ended().ended_at_us());
      s->set_ended_by_item(e.ended().item_id());
      *s->mutable_end_reasons() = e.ended().reasons();
      EndClock(s->mutable_clock(), e.ended().ended_at_us(),
               e.ended().ended_at_us() >= s->clock().deadline().due_at_us());
      return;
    case ApprovalCaseEvent::kWithdrawn:
      s->set_status(v1::APPROVAL_CASE_STATUS_WITHDRAWN);
      s->set_closed_at_us(e.withdrawn().withdrawn_at_us());
      EndClock(s->mutable_clock(), e.withdrawn().withdrawn_at_us(), false);
      return;
    default:
      ApplyItemEvent(s, e);
      return;
  }
}

// ---------------------------------------------------------------------------
// Deciding.

// The deadline of `clock` recomputed from its facts: rule, start, closed
// suspensions (plus `extra`), and `extension` working days.
absl::StatusOr<v1::ComputedDeadline> Recompute(const CaseClock& clock,
                                               std::optional<engine::Suspension> extra,
                                               int extension, const WorkingDayCalendar& cal) {
  ASSIGN_OR_RETURN(absl::CivilDay start, engine::ParseDate(clock.deadline().start_date()));
  std::vector<engine::Suspension> suspensions;
  for (const v1::CaseSuspension& s : clock.suspensions()) {
    ASSIGN_OR_RETURN(absl::CivilDay from, engine::ParseDate(s.from()));
    ASSIGN_OR_RETURN(absl::CivilDay to, engine::ParseDate(s.to()));
    suspensions.push_back({from, to});
  }
  if (extra.has_value()) suspensions.push_back(*extra);
  return engine::ComputeDeadline(clock.deadline().rule(), start, suspensions, extension, cal);
}

// One decision: the state, the command's context and the calendar.
class Decider {
 public:
  Decider(const ApprovalCaseState& s, const engine::DecideContext& ctx, const Principal& who,
          const WorkingDayCalendar& cal)
      : s_(s), ctx_(ctx), who_(who), cal_(cal), wd_(cal) {}

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
  absl::StatusOr<Events> Answer(const v1::AnswerCaseSlip& c) const;
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
  void TimedForClock(const CaseClock& clock, const google::protobuf::RepeatedPtrField<CaseRung>&,
                     const CaseItem* item,
                     std::vector<std::pair<absl::Time, ApprovalCaseEvent>>* out) const;
  v1::CaseLightChanged LightEvent(const CaseClock& clock, const std::string& item_id, v1::Light to,
                                  absl::Time at) const;

  const ApprovalCaseState& s_;
  const engine::DecideContext& ctx_;
  const Principal& who_;
  const WorkingDayCalendar& cal_;
  engine::CalendarWorkingDays wd_;
};

absl::Status Denied(const Principal& who, absl::string_view action, absl::string_view who_may) {
  return absl::PermissionDeniedError(
      absl::StrCat("'", who.ToActor(), "' may not ", action, ": only ", who_may, " may"));
}

absl::Status Decider::RequireOwner(absl::string_view action) const {
  if (!who_.Is(Role::kEnterprise) || (!s_.owner().empty() && who_.unit != s_.owner())) {
    return Denied(who_, action,
                  absl::StrCat("the enterprise that owns the project (enterprise:",
                               s_.owner().empty() ? "<owner>" : s_.owner(), ")"));
  }
  return absl::OkStatus();
}

absl::Status Decider::RequireOpen() const {
  if (s_.status() == v1::APPROVAL_CASE_STATUS_UNSPECIFIED) {
    return absl::NotFoundError(
        absl::StrCat("case '", ctx_.stream, "' does not exist; open it first"));
  }
  if (s_.status() != v1::APPROVAL_CASE_STATUS_OPEN) {
    return absl::FailedPreconditionError(absl::StrCat(
        "case '", s_.case_id(), "' is ", CaseStatusName(s_.status()), "; nothing more can change"));
  }
  return absl::OkStatus();
}

absl::StatusOr<const CaseItem*> Decider::Item(const std::string& item_id) const {
  for (const CaseItem& item : s_.items()) {
    if (item.item_id() == item_id) return &item;
  }
  std::vector<std::string> ids;
  for (const CaseItem& item : s_.items()) ids.push_back(item.item_id());
  return absl::InvalidArgumentError(
      absl::StrCat("item_id: '", item_id,
                   "' is not an item of this case (items: ", absl::StrJoin(ids, ", "), ")"));
}

absl::StatusOr<const CaseItem*> Decider::OwnItem(const std::string& item_id,
                                                 absl::string_view action) const {
  if (!who_.Is(Role::kDepartment)) {
    return Denied(who_, action, "the department that owns the item (department:<unit>)");
  }
  RETURN_IF_ERROR(RequireOpen());
  ASSIGN_OR_RETURN(const CaseItem* item, Item(item_id));
  if (who_.unit != item->department()) {
    return Denied(who_, absl::StrCat(action, " item '", item_id, "'"),
                  absl::StrCat("its department (department:", item->department(), ")"));
  }
  return item;
}

absl::Status Decider::NotBefore(int64_t at_us, absl::string_view what) const {
  if (ctx_.occurred_at < FromUs(at_us)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "occurred_at: ", absl::FormatTime(ctx_.occurred_at, engine::ChinaTime()), " is before ",
        what, " (", absl::FormatTime(FromUs(at_us), engine::ChinaTime()), ")"));
  }
  return absl::OkStatus();
}

absl::Status Decider::RequireStatus(const CaseItem& item,
                                    std::initializer_list<v1::ApprovalItemStatus> allowed,
                                    absl::string_view action) const {
  for (v1::ApprovalItemStatus st : allowed) {
    if (item.status() == st) return absl::OkStatus();
  }
  std::vector<std::string> names;
  for (v1::ApprovalItemStatus st : allowed) names.push_back(ItemStatusName(st));
  return absl::FailedPreconditionError(absl::StrCat("item '", item.item_id(), "' is ",
                                                    ItemStatusName(item.status()), "; ", action,
                                                    " needs it ", absl::StrJoin(names, " or ")));
}

absl::Status RequireText(const std::string& text, absl::string_view field) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  return absl::OkStatus();
}

absl::Status RequireReasons(const google::protobuf::RepeatedPtrField<std::string>& reasons) {
  if (reasons.empty()) return absl::InvalidArgumentError("reasons: at least one is required");
  for (int i = 0; i < reasons.size(); ++i) {
    if (absl::StripAsciiWhitespace(reasons[i]).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("reasons[", i, "]: empty"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Events> One(ApprovalCaseEvent e) { return Events{std::move(e)}; }

absl::StatusOr<Events> Decider::Open(const v1::OpenApprovalCase& c,
                                     const std::vector<ApprovalPolicy>& policies) const {
  if (!who_.Is(Role::kEnterprise)) {
    return Denied(who_, "open a case", "the enterprise that owns the project (enterprise:<owner>)");
  }
  if (s_.status() != v1::APPROVAL_CASE_STATUS_UNSPECIFIED) {
    return absl::AlreadyExistsError(absl::StrCat("case '", s_.case_id(), "' already exists (",
                                                 CaseStatusName(s_.status()), ")"));
  }
  if (!absl::StartsWith(ctx_.stream, kStreamPrefix) || ctx_.stream.size() == kStreamPrefix.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("stream '", ctx_.stream, "': a case's stream is case/<case_id>"));
  }
  RETURN_IF_ERROR(ValidateCaseProjectCode(c.project_code()));
  RETURN_IF_ERROR(RequireText(c.project_name(), "project_name"));
  RETURN_IF_ERROR(RequireText(c.owner(), "owner"));
  if (c.owner() != who_.unit) {
    return absl::PermissionDeniedError(absl::StrCat("'", who_.ToActor(),
                                                    "' may not open a case for owner '", c.owner(),
                                                    "': the owner opens its own cases"));
  }
  RETURN_IF_ERROR(RequireText(c.responsible_leader(), "responsible_leader"));
  const ApprovalPolicy* policy = nullptr;
  std::vector<std::string> names;
  for (const ApprovalPolicy& p : policies) {
    names.push_back(p.name());
    if (p.name() == c.policy()) policy = &p;
  }
  if (policy == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("policy: '", c.policy(), "' is not loaded (",
                                                   absl::StrJoin(names, ", "), ")"));
  }
  std::set<std::string> optional;
  for (const std::string& id : c.optional_items()) {
    const ApprovalItemPolicy* p = FindItemPolicy(*policy, id);
    if (p == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("optional_items: '", id, "' is not an item of policy '", c.policy(), "'"));
    }
    if (p->required()) {
      return absl::InvalidArgumentError(
          absl::StrCat("optional_items: '", id, "' is required: every case has it"));
    }
    if (!optional.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat("optional_items: '", id, "' repeated"));
    }
  }
  ASSIGN_OR_RETURN(
      v1::ComputedDeadline deadline,
      engine::ComputeDeadline(policy->case_limit(), engine::DayOf(ctx_.occurred_at), {}, 0, cal_));
  ApprovalCaseEvent e;
  v1::CaseOpened* x = e.mutable_opened();
  x->set_case_id(ctx_.stream.substr(kStreamPrefix.size()));
  x->set_project_code(c.project_code());
  x->set_project_name(c.project_name());
  x->set_owner(c.owner());
  x->set_responsible_leader(c.responsible_leader());
  *x->mutable_policy() = *policy;
  for (const ApprovalItemPolicy& p : policy->items()) {
    if (p.required() || optional.count(p.id()) > 0) x->add_item_ids(p.id());
  }
  x->set_opened_at_us(Us(ctx_.occurred_at));
  *x->mutable_deadline() = std::move(deadline);
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::Submit(const v1::SubmitCaseItem& c) const {
  RETURN_IF_ERROR(RequireOwner("submit an item"));
  RETURN_IF_ERROR(RequireOpen());
  ASSIGN_OR_RETURN(const CaseItem* item, Item(c.item_id()));
  RETURN_IF_ERROR(RequireStatus(*item, {v1::APPROVAL_ITEM_STATUS_NOT_SUBMITTED}, "submitting"));
  const ApprovalItemPolicy* policy = FindItemPolicy(s_.policy(), item->item_id());
  std::vector<std::string> waiting;
  for (const std::string& dep : policy->depends_on()) {
    for (const CaseItem& other : s_.items()) {
      if (other.item_id() == dep && !IsApproved(other)) {
        waiting.push_back(absl::StrCat(dep, " (", ItemStatusName(other.status()), ")"));
      }
    }
  }
  if (!waiting.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("item '", item->item_id(),
                     "' can be submitted once these are approved: ", absl::StrJoin(waiting, ", ")));
  }
  RETURN_IF_ERROR(NotBefore(s_.opened_at_us(), "the case was opened"));
  RETURN_IF_ERROR(NotBefore(item->last_change_at_us(), "the item's last change"));
  ASSIGN_OR_RETURN(
      v1::ComputedDeadline deadline,
      engine::ComputeDeadline(policy->limit(), engine::DayOf(ctx_.occurred_at), {}, 0, cal_));
  ApprovalCaseEvent e;
  v1::CaseItemSubmitted* x = e.mutable_item_submitted();
  x->set_item_id(item->item_id());
  x->set_round(item->round() + 1);
  x->set_episode(item->clock().episode() + 1);
  *x->mutable_documents() = c.documents();
  x->set_submitted_at_us(Us(ctx_.occurred_at));
  *x->mutable_deadline() = std::move(deadline);
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::Accept(const v1::AcceptCaseItem& c) const {
  ASSIGN_OR_RETURN(const CaseItem* item, OwnItem(c.item_id(), "accept"));
  RETURN_IF_ERROR(RequireStatus(*item, {v1::APPROVAL_ITEM_STATUS_SUBMITTED}, "acceptance"));
  RETURN_IF_ERROR(NotBefore(item->last_change_at_us(), "the item's last change"));
  std::set<std::string> seen;
  for (int i = 0; i < c.missing_documents_size(); ++i) {
    RETURN_IF_ERROR(
        RequireText(c.missing_documents(i), absl::StrCat("missing_documents[", i, "]")));
    if (!seen.insert(c.missing_documents(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing_documents: '", c.missing_documents(i), "' repeated"));
    }
  }
  ApprovalCaseEvent e;
  v1::CaseItemAccepted* x = e.mutable_item_accepted();
  if (c.missing_documents_size() > 0) {
    if (c.commitment_date().empty()) {
      return absl::InvalidArgumentError(
          "commitment_date: required when documents are missing (容缺受理): the date the "
          "applicant commits to supply them by");
    }
    ASSIGN_OR_RETURN(absl::CivilDay date, engine::ParseDate(c.commitment_date()));
    if (date < engine::DayOf(ctx_.occurred_at)) {
      return absl::InvalidArgumentError(absl::StrCat("commitment_date: ", c.commitment_date(),
                                                     " is before the day of acceptance"));
    }
    x->set_commitment_date(engine::FormatDate(date));
    x->set_commitment_due_at_us(Us(engine::DueInstant(date)));
  } else if (!c.commitment_date().empty()) {
    return absl::InvalidArgumentError(
        "commitment_date: only with missing_documents (nothing is missing)");
  }
  x->set_item_id(item->item_id());
  x->set_accepted_at_us(Us(ctx_.occurred_at));
  *x->mutable_missing_documents() = c.missing_documents();
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::SupplyDocuments(const v1::SupplyCaseDocuments& c) const {
  RETURN_IF_ERROR(RequireOwner("supply documents"));
  RETURN_IF_ERROR(RequireOpen());
  ASSIGN_OR_RETURN(const CaseItem* item, Item(c.item_id()));
  if (item->missing_documents().empty() || !ItemPending(*item)) {
    return absl::FailedPreconditionError(absl::StrCat("item '", item->item_id(), "' (",
                                                      ItemStatusName(item->status()),
                                                      ") has no documents outstanding"));
  }
  if (c.documents().empty()) return absl::InvalidArgumentError("documents: at least one");
  std::set<std::string> missing(item->missing_documents().begin(), item->missing_documents().end());
  std::set<std::string> seen;
  for (const std::string& d : c.documents()) {
    if (missing.count(d) == 0 || !seen.insert(d).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("documents: '", d, "' is not outstanding (outstanding: ",
                       absl::StrJoin(item->missing_documents(), ", "), ")"));
    }
  }
  RETURN_IF_ERROR(NotBefore(item->last_change_at_us(), "the item's last change"));
  ApprovalCaseEvent e;
  v1::CaseDocumentsSupplied* x = e.mutable_documents_supplied();
  x->set_item_id(item->item_id());
  *x->mutable_documents() = c.documents();
  x->set_supplied_at_us(Us(ctx_.occurred_at));
  x->set_all_supplied(seen.size() == missing.size());
  x->set_late(item->commitment_due_at_us() != 0 &&
              Us(ctx_.occurred_at) >= item->commitment_due_at_us());
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::Suspend(const v1::SuspendCaseItem& c) const {
  ASSIGN_OR_RETURN(const CaseItem* item, OwnItem(c.item_id(), "suspend"));
  RETURN_IF_ERROR(
      RequireStatus(*item, {v1::APPROVAL_ITEM_STATUS_SUBMITTED, v1::APPROVAL_ITEM_STATUS_ACCEPTED},
                    "suspending"));
  if (c.reason() == v1::APPROVAL_SUSPENSION_REASON_UNSPECIFIED ||
      !v1::ApprovalSuspensionReason_IsValid(c.reason())) {
    return absl::InvalidArgumentError(
        "reason: required (CORRECTION, EXPERT_REVIEW, HEARING or INSPECTION)");
  }
  RETURN_IF_ERROR(RequireText(c.note(), "note"));
  RETURN_IF_ERROR(NotBefore(item->last_change_at_us(), "the item's last change"));
  ApprovalCaseEvent e;
  v1::CaseItemSuspended* x = e.mutable_item_suspended();
  x->set_item_id(item->item_id());
  x->set_reason(c.reason());
  x->set_note(c.note());
  x->set_suspended_at_us(Us(ctx_.occurred_at));
  x->set_suspended_on(engine::FormatDate(engine::DayOf(ctx_.occurred_at)));
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::Resume(const std::string& item_id, const std::string& note,
                                       bool by_correction) const {
  const CaseItem* item = nullptr;
  if (by_correction) {
    RETURN_IF_ERROR(RequireOwner("supply a correction"));
    RETURN_IF_ERROR(RequireOpen());
    ASSIGN_OR_RETURN(item, Item(item_id));
    RETURN_IF_ERROR(RequireStatus(*item, {v1::APPROVAL_ITEM_STATUS_SUSPENDED}, "a correction"));
    if (item->clock().suspension_reason() != v1::APPROVAL_SUSPENSION_REASON_CORRECTION) {
      return absl::FailedPreconditionError(absl::StrCat(
          "item '", item_id, "' is suspended for ", ReasonName(item->clock().suspension_reason()),
          ", not for correction; its department resumes it"));
    }
    RETURN_IF_ERROR(RequireText(note, "note"));
  } else {
    ASSIGN_OR_RETURN(item, OwnItem(item_id, "resume"));
    RETURN_IF_ERROR(RequireStatus(*item, {v1::APPROVAL_ITEM_STATUS_SUSPENDED}, "resuming"));
  }
  RETURN_IF_ERROR(NotBefore(item->last_change_at_us(), "the item was suspended"));
  ASSIGN_OR_RETURN(absl::CivilDay from, engine::ParseDate(item->clock().suspended_on()));
  const absl::CivilDay to = engine::DayOf(ctx_.occurred_at);
  ASSIGN_OR_RETURN(v1::ComputedDeadline deadline,
                   Recompute(item->clock(), engine::Suspension{from, to},
                             item->clock().deadline().extension_working_days(), cal_));
  ApprovalCaseEvent e;
  v1::CaseItemResumed* x = e.mutable_item_resumed();
  x->set_item_id(item_id);
  x->set_resumed_at_us(Us(ctx_.occurred_at));
  x->set_resumed_on(engine::FormatDate(to));
  x->set_suspended_working_days(
      static_cast<int32_t>(std::max<int64_t>(0, cal_.CountWorkingDays(from, to).count)));
  *x->mutable_deadline() = std::move(deadline);
  x->set_by_correction(by_correction);
  x->set_note(note);
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::ReportUp(const v1::ReportCaseItemUp& c) const {
  ASSIGN_OR_RETURN(const CaseItem* item, OwnItem(c.item_id(), "report up"));
  if (item->higher_authority().empty()) {
    return absl::FailedPreconditionError(absl::StrCat("item '", item->item_id(), "' is decided by ",
                                                      item->department(), " itself: approve it"));
  }
  RETURN_IF_ERROR(RequireStatus(*item, {v1::APPROVAL_ITEM_STATUS_ACCEPTED}, "reporting up"));
  if (!item->missing_documents().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("item '", item->item_id(),
                     "' still misses documents: ", absl::StrJoin(item->missing_documents(), ", ")));
  }
  RETURN_IF_ERROR(NotBefore(item->last_change_at_us(), "the item's last change"));
  ApprovalCaseEvent e;
  v1::CaseItemReportedUp* x = e.mutable_item_reported_up();
  x->set_item_id(item->item_id());
  x->set_higher_authority(item->higher_authority());
  x->set_reference(c.reference());
  x->set_reported_at_us(Us(ctx_.occurred_at));
  x->set_late(LateAt(item->clock()));
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::Approve(const v1::ApproveCaseItem& c) const {
  ASSIGN_OR_RETURN(const CaseItem* item, OwnItem(c.item_id(), "approve"));
  if (!item->higher_authority().empty() && item->status() == v1::APPROVAL_ITEM_STATUS_ACCEPTED) {
    return absl::FailedPreconditionError(
        absl::StrCat("item '", item->item_id(), "' is decided by ", item->higher_authority(),
                     ": report it up first, then record the decision"));
  }
  RETURN_IF_ERROR(
      RequireStatus(*item,
                    {item->higher_authority().empty() ? v1::APPROVAL_ITEM_STATUS_ACCEPTED
                                                      : v1::APPROVAL_ITEM_STATUS_REPORTED_UP},
                    "approval"));
  if (!item->missing_documents().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "item '", item->item_id(),
        "' still misses documents (容缺): ", absl::StrJoin(item->missing_documents(), ", ")));
  }
  RETURN_IF_ERROR(NotBefore(item->last_change_at_us(), "the item's last change"));
  ApprovalCaseEvent e;
  v1::CaseItemApproved* x = e.mutable_item_approved();
  x->set_item_id(item->item_id());
  x->set_approved_at_us(Us(ctx_.occurred_at));
  x->set_document_number(c.document_number());
  x->set_note(c.note());
  x->set_late(LateAt(item->clock()));
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::Reject(const v1::RejectCaseItem& c) const {
  ASSIGN_OR_RETURN(const CaseItem* item, OwnItem(c.item_id(), "reject"));
  RETURN_IF_ERROR(
      RequireStatus(*item,
                    {v1::APPROVAL_ITEM_STATUS_ACCEPTED, v1::APPROVAL_ITEM_STATUS_SUSPENDED,
                     v1::APPROVAL_ITEM_STATUS_REPORTED_UP},
                    "rejection"));
  RETURN_IF_ERROR(RequireReasons(c.reasons()));
  RETURN_IF_ERROR(NotBefore(item->last_change_at_us(), "the item's last change"));
  ApprovalCaseEvent e;
  v1::CaseItemRejected* x = e.mutable_item_rejected();
  x->set_item_id(item->item_id());
  x->set_rejected_at_us(Us(ctx_.occurred_at));
  *x->mutable_reasons() = c.reasons();
  x->set_late(LateAt(item->clock()));
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::Return(const v1::ReturnCaseItem& c) const {
  ASSIGN_OR_RETURN(const CaseItem* item, OwnItem(c.item_id(), "return"));
  RETURN_IF_ERROR(
      RequireStatus(*item,
                    {v1::APPROVAL_ITEM_STATUS_SUBMITTED, v1::APPROVAL_ITEM_STATUS_ACCEPTED,
                     v1::APPROVAL_ITEM_STATUS_SUSPENDED},
                    "returning"));
  RETURN_IF_ERROR(RequireReasons(c.reasons()));
  RETURN_IF_ERROR(NotBefore(item->last_change_at_us(), "the item's last change"));
  ApprovalCaseEvent e;
  v1::CaseItemReturned* x = e.mutable_item_returned();
  x->set_item_id(item->item_id());
  x->set_returned_at_us(Us(ctx_.occurred_at));
  *x->mutable_reasons() = c.reasons();
  x->set_round(item->round());
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::Extend(const v1::GrantCaseExtension& c) const {
  const ApprovalPolicy& policy = s_.policy();
  const bool for_case = c.item_id().empty();
  // Who may grant: before anything else about the case is revealed.
  if (!who_.Is(Role::kSupervision) && !who_.Is(Role::kDepartment)) {
    return Denied(who_, "grant an extension", "the grantor the case's policy names");
  }
  RETURN_IF_ERROR(RequireOpen());
  const CaseItem* item = nullptr;
  if (!for_case) {
    ASSIGN_OR_RETURN(item, Item(c.item_id()));
  }
  const std::string unit = for_case ? policy.lead_unit() : item->department();
  const v1::ApprovalUnit* u = FindUnit(policy, unit);
  const v1::ApprovalExtensionGrantor grantor =
      for_case ? policy.case_extension_grantor() : policy.item_extension_grantor();
  const std::string what = for_case ? "the case" : absl::StrCat("item '", c.item_id(), "'");
  std::string expected;
  bool allowed = false;
  if (grantor == v1::APPROVAL_EXTENSION_GRANTOR_SUPERVISION_OFFICE) {
    expected = absl::StrCat("supervision:", policy.supervision_office());
    allowed = who_.Is(Role::kSupervision) && who_.unit == policy.supervision_office();
  } else if (grantor == v1::APPROVAL_EXTENSION_GRANTOR_UNIT_HEAD) {
    const std::string head = u != nullptr ? u->head() : "";
    expected = absl::StrCat("department:", unit, ":", head);
    allowed = who_.Is(Role::kDepartment) && who_.unit == unit && who_.person == head;
  }
  if (!allowed) {
    return Denied(who_, absl::StrCat("extend ", what),
                  expected.empty() ? "nobody (the policy names no grantor)"
                                   : absl::StrCat(expected, " (policy '", policy.name(), "')"));
  }
  const int max = for_case ? policy.case_extension_working_days()
                           : FindItemPolicy(policy, c.item_id())->extension_working_days();
  if (max <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("policy '", policy.name(), "' allows no extension of ", what));
  }
  if (c.working_days() < 1 || c.working_days() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("working_days: ", c.working_days(), "; must be 1..", max, " for ", what));
  }
  RETURN_IF_ERROR(RequireText(c.reason(), "reason"));
  const CaseClock& clock = for_case ? s_.clock() : item->clock();
  if (!for_case && !ItemPending(*item)) {
    return absl::FailedPreconditionError(absl::StrCat(what, " is ", ItemStatusName(item->status()),
                                                      "; only a pending item can be extended"));
  }
  if (clock.extended()) {
    return absl::FailedPreconditionError(absl::StrCat(what, " was already extended by ",
                                                      clock.deadline().extension_working_days(),
                                                      " working days; one extension is allowed"));
  }
  RETURN_IF_ERROR(NotBefore(clock.start_at_us(), "the clock started"));
  ASSIGN_OR_RETURN(v1::ComputedDeadline deadline,
                   Recompute(clock, std::nullopt, c.working_days(), cal_));
  ApprovalCaseEvent e;
  v1::CaseExtensionGranted* x = e.mutable_extension_granted();
  x->set_item_id(c.item_id());
  x->set_working_days(c.working_days());
  x->set_reason(c.reason());
  x->set_basis(c.basis());
  x->set_granted_by(ctx_.actor);
  x->set_granted_at_us(Us(ctx_.occurred_at));
  x->set_episode(clock.episode() + 1);
  *x->mutable_deadline() = std::move(deadline);
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::Answer(const v1::AnswerCaseSlip& c) const {
  if (!who_.Is(Role::kDepartment)) {
    return Denied(who_, "answer a slip", "the unit it is addressed to (department:<unit>)");
  }
  if (s_.status() == v1::APPROVAL_CASE_STATUS_UNSPECIFIED) return RequireOpen();
  const CaseRung* rung = nullptr;
  std::string unit = s_.policy().lead_unit();
  for (const CaseRung& r : s_.rungs()) {
    if (r.raised().slip_number() == c.slip_number()) rung = &r;
  }
  for (const CaseItem& item : s_.items()) {
    for (const CaseRung& r : item.rungs()) {
      if (r.raised().slip_number() == c.slip_number()) {
        rung = &r;
        unit = item.department();
      }
    }
  }
  if (rung == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("slip_number: no slip '", c.slip_number(), "' in this case"));
  }
  if (who_.unit != unit) {
    return Denied(who_, absl::StrCat("answer slip '", c.slip_number(), "'"),
                  absl::StrCat("the unit it is addressed to (department:", unit, ")"));
  }
  RETURN_IF_ERROR(RequireText(c.answer(), "answer"));
  if (rung->answered()) {
    return absl::FailedPreconditionError(
        absl::StrCat("slip '", c.slip_number(), "' was already answered by ", rung->answered_by()));
  }
  RETURN_IF_ERROR(NotBefore(rung->raised().raised_at_us(), "the slip was issued"));
  ApprovalCaseEvent e;
  v1::CaseRungAnswered* x = e.mutable_rung_answered();
  x->set_slip_number(c.slip_number());
  x->set_answer(c.answer());
  x->set_answered_by(ctx_.actor);
  x->set_answered_at_us(Us(ctx_.occurred_at));
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::Withdraw(const v1::WithdrawApprovalCase& c) const {
  RETURN_IF_ERROR(RequireOwner("withdraw the case"));
  RETURN_IF_ERROR(RequireOpen());
  RETURN_IF_ERROR(RequireText(c.reason(), "reason"));
  RETURN_IF_ERROR(NotBefore(s_.opened_at_us(), "the case was opened"));
  ApprovalCaseEvent e;
  e.mutable_withdrawn()->set_reason(c.reason());
  e.mutable_withdrawn()->set_withdrawn_at_us(Us(ctx_.occurred_at));
  return One(std::move(e));
}

v1::CaseLightChanged Decider::LightEvent(const CaseClock& clock, const std::string& item_id,
                                         v1::Light to, absl::Time at) const {
  v1::CaseLightChanged x;
  x.set_item_id(item_id);
  x.set_from(clock.light());
  x.set_to(to);
  x.set_changed_at_us(Us(at));
  x.set_due_date(clock.deadline().due_date());
  return x;
}

// What has fallen due for one running clock by now: its light, its rungs and,
// for an item with deemed consent, the deemed approval at its limit.
void Decider::TimedForClock(const CaseClock& clock,
                            const google::protobuf::RepeatedPtrField<CaseRung>& rungs,
                            const CaseItem* item,
                            std::vector<std::pair<absl::Time, ApprovalCaseEvent>>* out) const {
  const ApprovalPolicy& policy = s_.policy();
  const std::string item_id = item != nullptr ? item->item_id() : "";
  const absl::Time now = ctx_.now;
  const absl::Time due = DueAt(clock);
  const bool deemed =
      item != nullptr && now >= due && FindItemPolicy(policy, item_id)->deemed_consent();

  const v1::Light target = TargetLight(clock, policy.yellow_working_days(), now, cal_);
  if (target > clock.light()) {
    const absl::Time at =
        target == v1::LIGHT_RED ? due : *YellowAt(clock, policy.yellow_working_days(), cal_);
    ApprovalCaseEvent e;
    *e.mutable_light_changed() = LightEvent(clock, item_id, target, at);
    out->emplace_back(at, std::move(e));
  }

  // A deemed item is resolved at its limit: only rungs due before it count.
  const absl::Time as_of = deemed ? due - absl::Microseconds(1) : now;
  const engine::LadderSubject subject = SubjectOf(clock, rungs);
  for (const engine::DueRung& due_rung :
       engine::DueRungs(policy.ladder_rules(), subject, as_of, wd_)) {
    const v1::Rung& rung = policy.ladder_rules().rung(due_rung.index);
    ApprovalCaseEvent e;
    v1::CaseRungRaised* x = e.mutable_rung_raised();
    x->set_item_id(item_id);
    x->set_episode(clock.episode());
    x->set_rung_id(rung.id());
    x->set_rung_name(rung.name());
    x->set_issues(rung.issues());
    x->set_slip_colour(rung.slip_colour());
    for (v1::CaseRecipient& r : Recipients(rung, s_, item)) *x->add_recipients() = std::move(r);
    x->set_due_at_us(Us(due_rung.due_at));
    x->set_raised_at_us(Us(now));
    x->set_slip_number(SlipNumber(s_, item, clock.episode(), rung.id()));
    x->set_matter(absl::StrCat(item != nullptr ? item->name() : "联审联批", " — ",
                               s_.project_name(), " (", s_.project_code(), ")"));
    x->set_due_date(clock.deadline().due_date());
    x->set_rectification_working_days(rung.rectification_working_days());
    if (std::optional<absl::Time> r = engine::RectificationDue(rung, now, wd_); r.has_value()) {
      x->set_rectification_due_at_us(Us(*r));
    }
    out->emplace_back(due_rung.due_at, std::move(e));
  }

  if (deemed) {
    ApprovalCaseEvent e;
    v1::CaseItemDeemedApproved* x = e.mutable_item_deemed_approved();
    x->set_item_id(item_id);
    x->set_deemed_at_us(Us(due));
    x->set_department(item->department());
    x->set_due_date(clock.deadline().due_date());
    out->emplace_back(due, std::move(e));
  }
}

absl::StatusOr<Events> Decider::Tick() const {
  if (!who_.Is(Role::kSystem)) return Denied(who_, "send a Tick", kSystemActor);
  if (s_.status() == v1::APPROVAL_CASE_STATUS_UNSPECIFIED) return RequireOpen();
  Events events;
  if (s_.status() != v1::APPROVAL_CASE_STATUS_OPEN) return events;
  std::vector<std::pair<absl::Time, ApprovalCaseEvent>> timed;
  if (CaseRunning(s_)) TimedForClock(s_.clock(), s_.rungs(), nullptr, &timed);
  for (const CaseItem& item : s_.items()) {
    if (ItemRunning(item)) TimedForClock(item.clock(), item.rungs(), &item, &timed);
    if (ItemPending(item) && !item.missing_documents().empty() &&
        item.commitment_due_at_us() != 0 && !item.commitment_missed() &&
        ctx_.now >= FromUs(item.commitment_due_at_us())) {
      ApprovalCaseEvent e;
      v1::CaseCommitmentMissed* x = e.mutable_commitment_missed();
      x->set_item_id(item.item_id());
      x->set_enterprise(s_.owner());
      x->set_commitment_date(item.commitment_date());
      x->set_missed_at_us(item.commitment_due_at_us());
      *x->mutable_missing_documents() = item.missing_documents();
      timed.emplace_back(FromUs(item.commitment_due_at_us()), std::move(e));
    }
  }
  // In the order they fell due; ties keep the case first, then the items in
  // policy order, and per clock light, rungs, deemed consent.
  std::stable_sort(timed.begin(), timed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [at, e] : timed) events.push_back(std::move(e));
  return events;
}

absl::StatusOr<Events> Decider::RecomputeAll(const v1::RecomputeApprovalCaseDeadlines& c) const {
  if (!who_.Is(Role::kSystem) && !who_.Is(Role::kAdmin)) {
    return Denied(who_, "recompute deadlines", "system or admin");
  }
  if (s_.status() == v1::APPROVAL_CASE_STATUS_UNSPECIFIED) return RequireOpen();
  Events events;
  if (s_.status() != v1::APPROVAL_CASE_STATUS_OPEN) return events;
  const std::string reason =
      c.reason().empty() ? "recomputed with the calendar as now loaded" : c.reason();
  auto recompute = [&](const CaseClock& clock, const std::string& item_id) -> absl::Status {
    if (clock.deadline().due_date().empty() || clock.ended_at_us() != 0) return absl::OkStatus();
    ASSIGN_OR_RETURN(
        v1::ComputedDeadline fresh,
        Recompute(clock, std::nullopt, clock.deadline().extension_working_days(), cal_));
    if (fresh.due_date() == clock.deadline().due_date() &&
        fresh.provisional() == clock.deadline().provisional()) {
      return absl::OkStatus();
    }
    ApprovalCaseEvent e;
    v1::CaseDeadlineRecomputed* x = e.mutable_deadline_recomputed();
    x->set_item_id(item_id);
    ASSIGN_OR_RETURN(absl::CivilDay start, engine::ParseDate(fresh.start_date()));
    ASSIGN_OR_RETURN(absl::CivilDay old_due, engine::ParseDate(clock.deadline().due_date()));
    ASSIGN_OR_RETURN(absl::CivilDay new_due, engine::ParseDate(fresh.due_date()));
    x->set_calendar_version(cal_.VersionOf(start, std::max(old_due, new_due)));
    *x->mutable_old_deadline() = clock.deadline();
    *x->mutable_new_deadline() = std::move(fresh);
    x->set_reason(reason);
    events.push_back(std::move(e));
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(recompute(s_.clock(), ""));
  for (const CaseItem& item : s_.items()) {
    if (ItemPending(item)) RETURN_IF_ERROR(recompute(item.clock(), item.item_id()));
  }
  return events;
}

absl::StatusOr<Events> Decider::Finish(Events events) const {
  if (events.empty()) return events;
  ApprovalCaseState after = s_;
  for (const ApprovalCaseEvent& e : events) ApplyCaseEvent(&after, e);
  if (after.status() != v1::APPROVAL_CASE_STATUS_OPEN) return events;
  Events derived;

  // The case's clock stops while an item is suspended for a listed reason.
  const auto& stops = after.policy().case_clock_stops_for();
  bool stopping = false;
  for (const CaseItem& item : after.items()) {
    stopping = stopping || (item.status() == v1::APPROVAL_ITEM_STATUS_SUSPENDED &&
                            std::find(stops.begin(), stops.end(),
                                      item.clock().suspension_reason()) != stops.end());
  }
  const absl::CivilDay today = engine::DayOf(ctx_.occurred_at);
  if (stopping && !after.clock().suspended()) {
    ApprovalCaseEvent e;
    e.mutable_clock_stopped()->set_stopped_at_us(Us(ctx_.occurred_at));
    e.mutable_clock_stopped()->set_stopped_on(engine::FormatDate(today));
    derived.push_back(std::move(e));
  } else if (!stopping && after.clock().suspended()) {
    ASSIGN_OR_RETURN(absl::CivilDay from, engine::ParseDate(after.clock().suspended_on()));
    const absl::CivilDay to = std::max(from, today);
    ASSIGN_OR_RETURN(v1::ComputedDeadline deadline,
                     Recompute(after.clock(), engine::Suspension{from, to},
                               after.clock().deadline().extension_working_days(), cal_));
    ApprovalCaseEvent e;
    v1::CaseClockResumed* x = e.mutable_clock_resumed();
    x->set_resumed_at_us(Us(ctx_.occurred_at));
    x->set_resumed_on(engine::FormatDate(to));
    x->set_suspended_working_days(
        static_cast<int32_t>(std::max<int64_t>(0, cal_.CountWorkingDays(from, to).count)));
    *x->mutable_deadline() = std::move(deadline);
    derived.push_back(std::move(e));
  }
  for (const ApprovalCaseEvent& e : derived) ApplyCaseEvent(&after, e);

  // The case ends with a rejection, completes when every item is approved.
  const CaseItem* rejected = nullptr;
  bool all_approved = true;
  int64_t last_at = 0;
  for (const CaseItem& item : after.items()) {
    if (item.status() == v1::APPROVAL_ITEM_STATUS_REJECTED && rejected == nullptr) {
      rejected = &item;
    }
    all_approved = all_approved && IsApproved(item);
    last_at = std::max(last_at, item.last_change_at_us());
  }
  ApprovalCaseEvent end;
  if (rejected != nullptr) {
    end.mutable_ended()->set_item_id(rejected->item_id());
    *end.mutable_ended()->mutable_reasons() = rejected->reasons();
    end.mutable_ended()->set_ended_at_us(rejected->last_change_at_us());
  } else if (all_approved) {
    end.mutable_completed()->set_completed_at_us(last_at);
    end.mutable_completed()->set_late(last_at >= after.clock().deadline().due_at_us());
  }
  if (end.kind_case() != ApprovalCaseEvent::KIND_NOT_SET) {
    derived.push_back(end);
    ApplyCaseEvent(&after, end);
  }

  // A limit moved later can lower a light at once.
  if (after.status() == v1::APPROVAL_CASE_STATUS_OPEN) {
    const int yellow = after.policy().yellow_working_days();
    auto lower = [&](const CaseClock& clock, const std::string& item_id) {
      const v1::Light target = TargetLight(clock, yellow, ctx_.now, cal_);
      if (target < clock.light()) {
        ApprovalCaseEvent e;
        *e.mutable_light_changed() = LightEvent(clock, item_id, target, ctx_.now);
        derived.push_back(std::move(e));
      }
    };
    if (CaseRunning(after)) lower(after.clock(), "");
    for (const CaseItem& item : after.items()) {
      if (ItemRunning(item)) lower(item.clock(), item.item_id());
    }
  }
  for (ApprovalCaseEvent& e : derived) events.push_back(std::move(e));
  return events;
}

// ---------------------------------------------------------------------------
// The view.

v1::CaseClockView ClockView(const CaseClock& clock, bool running, int yellow, absl::Time now,
                            const WorkingDayCalendar& cal) {
  v1::CaseClockView v;
  const absl::CivilDay start = engine::DayOf(FromUs(clock.start_at_us()));
  const bool ended = clock.ended_at_us() != 0;
  const absl::Time end_at = ended ? FromUs(clock.ended_at_us()) : now;
  const absl::CivilDay end = engine::DayOf(end_at);
  absl::CivilDay due = DueDay(clock);
  int64_t suspended_wd = 0;
  int64_t suspended_cd = 0;
  for (const v1::CaseSuspension& s : clock.suspensions()) {
    suspended_wd += s.working_days();
    absl::StatusOr<absl::CivilDay> from = engine::ParseDate(s.from());
    absl::StatusOr<absl::CivilDay> to = engine::ParseDate(s.to());
    if (from.ok() && to.ok()) suspended_cd += *to - *from;
  }
  if (clock.suspended()) {
    absl::StatusOr<absl::CivilDay> from = engine::ParseDate(clock.suspended_on());
    if (from.ok() && end > *from) {
      const int64_t open = cal.CountWorkingDays(*from, end).count;
      suspended_wd += open;
      suspended_cd += end - *from;
      if (!ended) due = cal.AddWorkingDays(due, open).day;  // as if it resumed today
    }
  }
  v.set_start_date(engine::FormatDate(start));
  v.set_due_date(engine::FormatDate(due));
  v.set_due_at_us(Us(engine::DueInstant(due)));
  v.set_provisional(clock.deadline().provisional());
  v.set_running(running);
  v.set_suspended(clock.suspended() && !ended);
  v.set_ended(ended);
  v.set_working_days_used(static_cast<int32_t>(
      std::max<int64_t>(0, cal.CountWorkingDays(start, end).count - suspended_wd)));
  v.set_working_days_suspended(static_cast<int32_t>(suspended_wd));
  v.set_working_days_left(static_cast<int32_t>(cal.CountWorkingDays(end, due).count));
  v.set_calendar_days_used(
      static_cast<int32_t>(std::max<int64_t>(0, (end - start) - suspended_cd)));
  v.set_calendar_days_suspended(static_cast<int32_t>(suspended_cd));
  v.set_calendar_days_left(static_cast<int32_t>(due - end));
  v.set_overdue(running && now >= DueAt(clock));
  v.set_late(clock.late() || v.overdue());
  if (running) {
    v.set_light(TargetLight(clock, yellow, now, cal));
  } else if (ended && clock.late()) {
    v.set_light(v1::LIGHT_RED);
  } else {
    v.set_light(clock.light());
  }
  v.set_extension_working_days(clock.deadline().extension_working_days());
  v.set_episode(clock.episode());
  return v;
}

}  // namespace

std::string CaseStream(absl::string_view case_id) { return absl::StrCat(kStreamPrefix, case_id); }

absl::Status ValidateCaseProjectCode(absl::string_view code) {
  // YYYY-RRRRRR-DD-TT-NNNNNN.
  static constexpr int kGroups[] = {4, 6, 2, 2, 6};
  size_t pos = 0;
  bool ok = code.size() == 24;
  for (int g = 0; ok && g < 5; ++g) {
    for (int i = 0; ok && i < kGroups[g]; ++i, ++pos) {
      ok = absl::ascii_isdigit(static_cast<unsigned char>(code[pos]));
    }
    if (ok && g < 4) ok = code[pos++] == '-';
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("project_code: '", code,
                     "' is not a project code (项目代码): YYYY-RRRRRR-DD-TT-NNNNNN in digits, "
                     "e.g. 2020-530115-47-01-012345"));
  }
  return absl::OkStatus();
}

ApprovalCase::ApprovalCase(std::vector<v1::ApprovalPolicy> policies,
                           std::shared_ptr<const engine::WorkingDayCalendar> calendar)
    : policies_(std::move(policies)), calendar_(std::move(calendar)) {
  // Broken invariants of the caller: policies are validated when loaded.
  std::string problem = calendar_ == nullptr ? "calendar is null" : "";
  std::set<std::string> names;
  for (const v1::ApprovalPolicy& p : policies_) {
    if (absl::Status valid = ValidateApprovalPolicy(p, p.name()); !valid.ok()) {
      problem = std::string(valid.message());
    } else if (!names.insert(p.name()).second) {
      problem = absl::StrCat("policy '", p.name(), "' given twice");
    }
  }
  if (!problem.empty()) Fatal(problem);
}

void ApprovalCase::Fatal(const std::string& problem) {
  std::fprintf(stderr, "ApprovalCase: %s\n", problem.c_str());
  std::abort();
}

absl::StatusOr<std::unique_ptr<ApprovalCase>> ApprovalCase::Load(const std::string& policy_dir,
                                                                 const std::string& ladders_dir,
                                                                 const std::string& calendar_dir) {
  ASSIGN_OR_RETURN(std::vector<v1::ApprovalPolicy> policies,
                   LoadApprovalPolicies(policy_dir, ladders_dir));
  ASSIGN_OR_RETURN(engine::WorkingDayCalendar calendar,
                   engine::WorkingDayCalendar::LoadDirectory(calendar_dir));
  return std::make_unique<ApprovalCase>(
      std::move(policies), std::make_shared<const engine::WorkingDayCalendar>(std::move(calendar)));
}

void ApprovalCase::SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar) {
  if (calendar == nullptr) Fatal("SetCalendar: calendar is null");
  absl::MutexLock lock(&mu_);
  calendar_ = std::move(calendar);
}

std::shared_ptr<const engine::WorkingDayCalendar> ApprovalCase::calendar() const {
  absl::MutexLock lock(&mu_);
  return calendar_;
}

std::string ApprovalCase::EventType(const Event& event) const {
  // "case." + the oneof field's name in CamelCase: item_accepted → ItemAccepted.
  const google::protobuf::FieldDescriptor* field =
      event.GetReflection()->GetOneofFieldDescriptor(event, Event::descriptor()->oneof_decl(0));
  if (field == nullptr) return "case.Unknown";
  std::string out = "case.";
  bool upper = true;
  for (char c : field->name()) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? absl::ascii_toupper(static_cast<unsigned char>(c)) : c);
    upper = false;
  }
  return out;
}

absl::StatusOr<std::vector<ApprovalCase::Event>> ApprovalCase::Decide(
    const State& state, const Command& command, const engine::DecideContext& ctx) const {
  absl::StatusOr<Principal> who = ParseActor(ctx.actor);
  if (!who.ok()) {
    return absl::PermissionDeniedError(absl::StrCat("actor: ", who.status().message()));
  }
  const std::shared_ptr<const engine::WorkingDayCalendar> cal = calendar();
  const Decider d(state, ctx, *who, *cal);
  absl::StatusOr<Events> events;
  switch (command.action_case()) {
    case Command::kOpen:
      events = d.Open(command.open(), policies_);
      break;
    case Command::kSubmit:
      events = d.Submit(command.submit());
      break;
    case Command::kAccept:
      events = d.Accept(command.accept());
      break;
    case Command::kSupplyDocuments:
      events = d.SupplyDocuments(command.supply_documents());
      break;
    case Command::kSuspend:
      events = d.Suspend(command.suspend());
      break;
    case Command::kSupplyCorrection:
      events = d.Resume(command.supply_correction().item_id(), command.supply_correction().note(),
                        /*by_correction=*/true);
      break;
    case Command::kResume:
      events = d.Resume(command.resume().item_id(), command.resume().note(),
                        /*by_correction=*/false);
      break;
    case Command::kReportUp:
      events = d.ReportUp(command.report_up());
      break;
    case Command::kApprove:
      events = d.Approve(command.approve());
      break;
    case Command::kReject:
      events = d.Reject(command.reject());
      break;
    case Command::kReturnItem:
      events = d.Return(command.return_item());
      break;
    case Command::kGrantExtension:
      events = d.Extend(command.grant_extension());
      break;
    case Command::kAnswerSlip:
      events = d.Answer(command.answer_slip());
      break;
    case Command::kWithdraw:
      events = d.Withdraw(command.withdraw());
      break;
    case Command::kTick:
      events = d.Tick();
      break;
    case Command::kRecomputeDeadlines:
      events = d.RecomputeAll(command.recompute_deadlines());
      break;
    case Command::ACTION_NOT_SET:
      return absl::InvalidArgumentError("action: required");
  }
  if (!events.ok()) return events.status();
  return d.Finish(*std::move(events));
}

void ApprovalCase::Apply(State* state, const Event& event, const engine::EventContext&) const {
  ApplyCaseEvent(state, event);
}

std::optional<absl::Time> ApprovalCase::NextWakeup(const State& s) const {
  if (s.status() != v1::APPROVAL_CASE_STATUS_OPEN) return std::nullopt;
  const std::shared_ptr<const engine::WorkingDayCalendar> cal = calendar();
  const engine::CalendarWorkingDays wd(*cal);
  const int yellow = s.policy().yellow_working_days();
  std::optional<absl::Time> next;
  auto consider = [&](std::optional<absl::Time> t) {
    if (t.has_value() && (!next.has_value() || *t < *next)) next = t;
  };
  auto clock_wakeups = [&](const CaseClock& clock,
                           const google::protobuf::RepeatedPtrField<CaseRung>& rungs, bool deemed) {
    consider(NextLightAt(clock, yellow, *cal));
    const std::vector<engine::DueRung> pending = engine::DueRungs(
        s.policy().ladder_rules(), SubjectOf(clock, rungs), absl::InfiniteFuture(), wd);
    if (!pending.empty() && (!deemed || pending.front().due_at < DueAt(clock))) {
      consider(pending.front().due_at);
    }
    if (deemed) consider(DueAt(clock));
  };
  if (CaseRunning(s)) clock_wakeups(s.clock(), s.rungs(), false);
  for (const CaseItem& item : s.items()) {
    if (ItemRunning(item)) {
      const ApprovalItemPolicy* p = FindItemPolicy(s.policy(), item.item_id());
      clock_wakeups(item.clock(), item.rungs(), p != nullptr && p->deemed_consent());
    }
    if (ItemPending(item) && !item.missing_documents().empty() &&
        item.commitment_due_at_us() != 0 && !item.commitment_missed()) {
      consider(FromUs(item.commitment_due_at_us()));
    }
  }
  return next;
}

v1::ApprovalCaseView ApprovalCase::View(const State& s, absl::Time now) const {
  v1::ApprovalCaseView v;
  v.set_case_id(s.case_id());
  v.set_project_code(s.project_code());
  v.set_project_name(s.project_name());
  v.set_owner(s.owner());
  v.set_policy(s.policy().name());
  v.set_status(s.status());
  v.set_as_of_us(Us(now));
  if (s.status() == v1::APPROVAL_CASE_STATUS_UNSPECIFIED) return v;
  const std::shared_ptr<const engine::WorkingDayCalendar> cal = calendar();
  const int yellow = s.policy().yellow_working_days();
  *v.mutable_clock() = ClockView(s.clock(), CaseRunning(s), yellow, now, *cal);
  *v.mutable_rungs() = s.rungs();
  const bool open = s.status() == v1::APPROVAL_CASE_STATUS_OPEN;
  for (const CaseItem& item : s.items()) {
    v1::CaseItemView* iv = v.add_items();
    iv->set_item_id(item.item_id());
    iv->set_name(item.name());
    iv->set_department(item.department());
    iv->set_status(item.status());
    iv->set_round(item.round());
    if (item.round() > 0) {
      *iv->mutable_clock() = ClockView(item.clock(), open && ItemRunning(item), yellow, now, *cal);
    }
    *iv->mutable_missing_documents() = item.missing_documents();
    iv->set_commitment_date(item.commitment_date());
    iv->set_commitment_missed(item.commitment_missed());
    *iv->mutable_rungs() = item.rungs();
    bool can_submit = open && item.status() == v1::APPROVAL_ITEM_STATUS_NOT_SUBMITTED;
    if (const ApprovalItemPolicy* p = FindItemPolicy(s.policy(), item.item_id()); p != nullptr) {
      for (const std::string& dep : p->depends_on()) {
        for (const CaseItem& other : s.items()) {
          if (other.item_id() == dep && !IsApproved(other)) can_submit = false;
        }
      }
    }
    iv->set_can_submit(can_submit);
  }
  return v;
}

}  // namespace taizhang::workflows
