// Deciding the case's and its items' commands: who may, what is checked,
// the events each makes; and DecideCase, which dispatches a command and adds
// the events it entails (Finish, in approval_case_timed.cc).
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/deadline_rule.h"
#include "workflows/approval_case.h"
#include "workflows/approval_case_decider.h"
#include "workflows/approval_case_internal.h"
#include "workflows/project_code.h"

namespace taizhang::workflows::case_internal {

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

namespace {

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

}  // namespace

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
  RETURN_IF_ERROR(CheckProjectCode("project_code", c.project_code()));
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

absl::StatusOr<Events> DecideCase(const ApprovalCaseState& state,
                                  const v1::ApprovalCaseCommand& command,
                                  const engine::DecideContext& ctx, const Principal& who,
                                  const WorkingDayCalendar& cal,
                                  const std::vector<ApprovalPolicy>& policies) {
  using Command = v1::ApprovalCaseCommand;
  const Decider d(state, ctx, who, cal);
  absl::StatusOr<Events> events;
  switch (command.action_case()) {
    case Command::kOpen:
      events = d.Open(command.open(), policies);
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
    case Command::kAnswerRung:
      events = d.Answer(command.answer_rung());
      break;
    case Command::kRaiseRung:
      events = d.RaiseRung(command.raise_rung());
      break;
    case Command::kDelistRung:
      events = d.DelistRung(command.delist_rung());
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

}  // namespace taizhang::workflows::case_internal
