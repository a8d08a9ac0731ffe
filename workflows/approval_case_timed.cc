// Tick and the supervision commands of the case (answering, raising by hand
// and delisting a rung, recomputing deadlines), and Finish: the events a
// command's events entail.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/deadline_rule.h"
#include "workflows/approval_case_decider.h"
#include "workflows/approval_case_internal.h"
#include "workflows/supervision.h"

namespace taizhang::workflows::case_internal {

absl::StatusOr<Events> Decider::Answer(const v1::AnswerSupervisionRung& c) const {
  if (!who_.Is(Role::kDepartment) && !who_.Is(Role::kEnterprise)) {
    return Denied(who_, "answer a slip", "the unit it is addressed to");
  }
  if (s_.status() == v1::APPROVAL_CASE_STATUS_UNSPECIFIED) return RequireOpen();
  ApprovalCaseEvent e;
  ASSIGN_OR_RETURN(*e.mutable_rung_answered(),
                   AnswerRung(c, s_.rungs(), "", s_.clock().episode(), who_, ctx_.occurred_at));
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::RaiseRung(const v1::RaiseSupervisionRung& c) const {
  if (!who_.Is(Role::kSupervision)) {
    return Denied(who_, "raise a rung by hand",
                  absl::StrCat("the supervision office (supervision:",
                               s_.policy().supervision_office(), ")"));
  }
  RETURN_IF_ERROR(RequireOpen());
  std::optional<SupervisedSubject> subject;
  const v1::Ladder* ladder = &s_.policy().ladder_rules();
  if (c.subject().empty()) {
    subject = CaseSubject(s_);
  } else if (const v1::CaseItem* item = FindItem(s_, ItemIdOfSubject(c.subject()));
             item != nullptr && c.subject() == ItemSubjectId(item->item_id())) {
    if (item->round() == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "item '", item->item_id(), "' has not been submitted: its clock has not started"));
    }
    subject = ItemSubject(s_, *item);
  } else {
    for (const v1::CaseItem& it : s_.items()) {
      if (c.subject() == CommitmentSubjectId(it.item_id()) && CommitmentOwed(it)) {
        subject = CommitmentSubject(s_, it);
        ladder = &s_.policy().commitment_ladder_rules();
      }
    }
  }
  if (!subject.has_value()) {
    std::vector<std::string> ids = {"\"\" (the case)"};
    for (const v1::CaseItem& it : s_.items()) {
      if (it.round() > 0) ids.push_back(ItemSubjectId(it.item_id()));
      if (CommitmentOwed(it)) ids.push_back(CommitmentSubjectId(it.item_id()));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "subject: '", c.subject(),
        "' is not supervised in this case (subjects: ", absl::StrJoin(ids, ", "), ")"));
  }
  ApprovalCaseEvent e;
  ASSIGN_OR_RETURN(*e.mutable_rung_raised(),
                   RaiseByHand(c, *subject, s_.rungs(), ladder, who_, ctx_.occurred_at, cal_));
  return One(std::move(e));
}

absl::StatusOr<Events> Decider::DelistRung(const v1::DelistSupervisionRung& c) const {
  if (!who_.Is(Role::kSupervision)) {
    return Denied(who_, "delist a slip",
                  absl::StrCat("the supervision office (supervision:",
                               s_.policy().supervision_office(), ")"));
  }
  if (s_.status() == v1::APPROVAL_CASE_STATUS_UNSPECIFIED) return RequireOpen();
  ApprovalCaseEvent e;
  ASSIGN_OR_RETURN(*e.mutable_rung_delisted(),
                   workflows::DelistRung(c, s_.rungs(), who_, ctx_.occurred_at));
  return One(std::move(e));
}

void Decider::TimedFor(const Supervisor& supervisor, const SupervisedSubject& subject,
                       std::optional<absl::Time> as_of,
                       std::vector<std::pair<absl::Time, ApprovalCaseEvent>>* out) const {
  SupervisionDue due = supervisor.Evaluate(subject, s_.rungs(), ctx_.now, cal_, as_of);
  // A Tick only raises a light; a command that moves a limit lowers it.
  if (due.light.has_value() && due.light->to() > due.light->from()) {
    ApprovalCaseEvent e;
    const absl::Time at = FromUs(due.light->changed_at_us());
    *e.mutable_light_changed() = *std::move(due.light);
    out->emplace_back(at, std::move(e));
  }
  for (v1::SupervisionRungRaised& r : due.rungs) {
    ApprovalCaseEvent e;
    const absl::Time at = FromUs(r.due_at_us());
    *e.mutable_rung_raised() = std::move(r);
    out->emplace_back(at, std::move(e));
  }
}

absl::StatusOr<Events> Decider::Tick() const {
  if (!who_.Is(Role::kSystem)) return Denied(who_, "send a Tick", kSystemActor);
  if (s_.status() == v1::APPROVAL_CASE_STATUS_UNSPECIFIED) return RequireOpen();
  Events events;
  if (s_.status() != v1::APPROVAL_CASE_STATUS_OPEN) return events;
  const ApprovalPolicy& policy = s_.policy();
  const Supervisor clocks(policy.ladder_rules(), policy.yellow_working_days());
  const Supervisor commitments(policy.commitment_ladder_rules(), 0);
  std::vector<std::pair<absl::Time, ApprovalCaseEvent>> timed;
  if (CaseRunning(s_)) TimedFor(clocks, CaseSubject(s_), std::nullopt, &timed);
  for (const CaseItem& item : s_.items()) {
    if (ItemRunning(item)) {
      // A deemed item is resolved at its limit: only rungs due before it count.
      const absl::Time due = DueAt(item.clock());
      const bool deemed =
          ctx_.now >= due && FindItemPolicy(policy, item.item_id())->deemed_consent();
      TimedFor(clocks, ItemSubject(s_, item),
               deemed ? std::optional<absl::Time>(due - absl::Microseconds(1)) : std::nullopt,
               &timed);
      if (deemed) {
        ApprovalCaseEvent e;
        v1::CaseItemDeemedApproved* x = e.mutable_item_deemed_approved();
        x->set_item_id(item.item_id());
        x->set_deemed_at_us(Us(due));
        x->set_department(item.department());
        x->set_due_date(item.clock().deadline().due_date());
        timed.emplace_back(due, std::move(e));
      }
    }
    if (!CommitmentOwed(item)) continue;
    const absl::Time promised = FromUs(item.commitment_due_at_us());
    if (!item.commitment_missed() && ctx_.now >= promised) {
      ApprovalCaseEvent e;
      v1::CaseCommitmentMissed* x = e.mutable_commitment_missed();
      x->set_item_id(item.item_id());
      x->set_enterprise(s_.owner());
      x->set_commitment_date(item.commitment_date());
      x->set_missed_at_us(item.commitment_due_at_us());
      *x->mutable_missing_documents() = item.missing_documents();
      timed.emplace_back(promised, std::move(e));
    }
    TimedFor(commitments, CommitmentSubject(s_, item), std::nullopt, &timed);
  }
  // In the order they fell due; ties keep the case first, then the items in
  // policy order, and per subject light, rungs, deemed consent.
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
  auto recompute = [&](const CaseClock& clock, const std::string& subject) -> absl::Status {
    if (clock.deadline().due_date().empty() || clock.ended_at_us() != 0) return absl::OkStatus();
    ASSIGN_OR_RETURN(
        v1::ComputedDeadline fresh,
        Recompute(clock, std::nullopt, clock.deadline().extension_working_days(), cal_));
    if (fresh.due_date() == clock.deadline().due_date() &&
        fresh.provisional() == clock.deadline().provisional()) {
      return absl::OkStatus();
    }
    ApprovalCaseEvent e;
    v1::SupervisionDeadlineRecomputed* x = e.mutable_deadline_recomputed();
    x->set_subject(subject);
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
    if (ItemPending(item)) RETURN_IF_ERROR(recompute(item.clock(), ItemSubjectId(item.item_id())));
  }
  // The rectification limits of the slips still open move with them.
  for (auto& r : RecomputeRectifications(s_.rungs(), cal_)) {
    ApprovalCaseEvent e;
    *e.mutable_deadline_recomputed() = std::move(r);
    events.push_back(std::move(e));
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
    const Supervisor clocks(after.policy().ladder_rules(), after.policy().yellow_working_days());
    auto lower = [&](const SupervisedSubject& subject) {
      std::optional<v1::SupervisionLightChanged> change =
          clocks.LightChangeAt(subject, ctx_.now, cal_);
      if (change.has_value() && change->to() < change->from()) {
        ApprovalCaseEvent e;
        *e.mutable_light_changed() = *std::move(change);
        derived.push_back(std::move(e));
      }
    };
    if (CaseRunning(after)) lower(CaseSubject(after));
    for (const CaseItem& item : after.items()) {
      if (ItemRunning(item)) lower(ItemSubject(after, item));
    }
  }
  for (ApprovalCaseEvent& e : derived) events.push_back(std::move(e));
  return events;
}

}  // namespace taizhang::workflows::case_internal
