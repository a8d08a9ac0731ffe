// The aggregate itself: construction, Decide's entry, Apply, NextWakeup and
// the supervised subjects; the shared helpers of approval_case_internal.h.
#include "workflows/approval_case.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "engine/event_type.h"
#include "workflows/approval_case_internal.h"
#include "workflows/approval_policy.h"

namespace taizhang::workflows {
namespace case_internal {

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

bool IsApproved(const v1::CaseItem& item) {
  return item.status() == v1::APPROVAL_ITEM_STATUS_APPROVED ||
         item.status() == v1::APPROVAL_ITEM_STATUS_DEEMED_APPROVED;
}

bool ItemRunning(const v1::CaseItem& item) {
  return item.status() == v1::APPROVAL_ITEM_STATUS_SUBMITTED ||
         item.status() == v1::APPROVAL_ITEM_STATUS_ACCEPTED;
}

bool ItemPending(const v1::CaseItem& item) {
  return ItemRunning(item) || item.status() == v1::APPROVAL_ITEM_STATUS_SUSPENDED;
}

bool CaseRunning(const v1::ApprovalCaseState& s) {
  return s.status() == v1::APPROVAL_CASE_STATUS_OPEN && !s.clock().suspended() &&
         s.clock().ended_at_us() == 0;
}

bool CommitmentOwed(const v1::CaseItem& item) {
  return ItemPending(item) && !item.missing_documents().empty() && item.commitment_due_at_us() != 0;
}

const v1::ApprovalItemPolicy* FindItemPolicy(const v1::ApprovalPolicy& policy,
                                             const std::string& id) {
  for (const v1::ApprovalItemPolicy& p : policy.items()) {
    if (p.id() == id) return &p;
  }
  return nullptr;
}

v1::CaseItem* FindItem(v1::ApprovalCaseState* s, const std::string& id) {
  for (v1::CaseItem& item : *s->mutable_items()) {
    if (item.item_id() == id) return &item;
  }
  return nullptr;
}

const v1::CaseItem* FindItem(const v1::ApprovalCaseState& s, const std::string& id) {
  for (const v1::CaseItem& item : s.items()) {
    if (item.item_id() == id) return &item;
  }
  return nullptr;
}

const v1::ApprovalUnit* FindUnit(const v1::ApprovalPolicy& policy, const std::string& name) {
  for (const v1::ApprovalUnit& u : policy.units()) {
    if (u.name() == name) return &u;
  }
  return nullptr;
}

absl::CivilDay DueDay(const v1::CaseClock& clock) {
  absl::StatusOr<absl::CivilDay> day = engine::ParseDate(clock.deadline().due_date());
  return day.ok() ? *day : absl::CivilDay();
}

std::string ItemSubjectId(absl::string_view item_id) {
  return absl::StrCat(kItemSubjectPrefix, item_id);
}

std::string CommitmentSubjectId(absl::string_view item_id) {
  return absl::StrCat(kCommitmentSubjectPrefix, item_id);
}

std::string ItemIdOfSubject(absl::string_view subject) {
  if (absl::ConsumePrefix(&subject, kItemSubjectPrefix)) return std::string(subject);
  return "";
}

namespace {

// The subject of one clock: the case's (lead unit) or an item's (its
// department).
SupervisedSubject ClockSubject(const v1::ApprovalCaseState& s, const v1::CaseClock& clock,
                               std::string id, absl::string_view what, const std::string& unit) {
  SupervisedSubject out;
  out.stream = CaseStream(s.case_id());
  out.id = std::move(id);
  out.matter = absl::StrCat(what, " — ", s.project_name(), " (", s.project_code(), ")");
  out.project_code = s.project_code();
  out.episode = clock.episode();
  out.due_date = clock.deadline().due_date();
  out.due_at = DueAt(clock);
  out.start = FromUs(clock.start_at_us());
  if (clock.ended_at_us() != 0) {
    out.resolved = true;
    out.resolved_at = FromUs(clock.ended_at_us());
  } else if (s.status() != v1::APPROVAL_CASE_STATUS_OPEN) {
    out.resolved = true;
    out.resolved_at = FromUs(s.closed_at_us());
  }
  out.light = clock.light();
  out.suspended = clock.suspended();
  v1::SupervisionParties& p = out.parties;
  p.add_units(unit);
  const v1::ApprovalUnit* u = FindUnit(s.policy(), unit);
  p.add_unit_heads(u != nullptr ? u->head() : "");
  p.set_leader(s.responsible_leader());
  p.set_office(s.policy().supervision_office());
  return out;
}

}  // namespace

SupervisedSubject CaseSubject(const v1::ApprovalCaseState& s) {
  return ClockSubject(s, s.clock(), "", "联审联批", s.policy().lead_unit());
}

SupervisedSubject ItemSubject(const v1::ApprovalCaseState& s, const v1::CaseItem& item) {
  return ClockSubject(s, item.clock(), ItemSubjectId(item.item_id()), item.name(),
                      item.department());
}

SupervisedSubject CommitmentSubject(const v1::ApprovalCaseState& s, const v1::CaseItem& item) {
  SupervisedSubject out;
  out.stream = CaseStream(s.case_id());
  out.id = CommitmentSubjectId(item.item_id());
  out.matter = absl::StrCat("容缺承诺: ", item.name(), " 补齐 ",
                            absl::StrJoin(item.missing_documents(), "、"), " — ", s.project_name(),
                            " (", s.project_code(), ")");
  out.project_code = s.project_code();
  out.episode = std::max(1, item.round());
  out.due_date = item.commitment_date();
  out.due_at = FromUs(item.commitment_due_at_us());
  out.start = FromUs(item.clock().start_at_us());
  out.resolved = !CommitmentOwed(item) || s.status() != v1::APPROVAL_CASE_STATUS_OPEN;
  if (out.resolved) out.resolved_at = FromUs(item.last_change_at_us());
  out.records_light = false;  // CaseCommitmentMissed records the lateness
  v1::SupervisionParties& p = out.parties;
  p.add_units(s.owner());
  p.add_unit_heads("");
  p.set_unit_role("enterprise");
  p.set_leader(s.responsible_leader());
  p.set_office(s.policy().supervision_office());
  return out;
}

v1::CaseClock* ClockOf(v1::ApprovalCaseState* s, const std::string& subject) {
  if (subject.empty()) return s->mutable_clock();
  v1::CaseItem* item = FindItem(s, ItemIdOfSubject(subject));
  return item != nullptr ? item->mutable_clock() : nullptr;
}

}  // namespace case_internal

using namespace case_internal;  // NOLINT(build/namespaces): this module's own helpers

std::string CaseStream(absl::string_view case_id) { return absl::StrCat(kStreamPrefix, case_id); }

ApprovalCase::ApprovalCase(std::vector<v1::ApprovalPolicy> policies,
                           std::shared_ptr<const engine::WorkingDayCalendar> calendar)
    : policies_(std::move(policies)), calendar_(std::move(calendar), "ApprovalCase") {
  // Broken invariants of the caller: policies are validated when loaded.
  std::string problem;
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
  calendar_.Set(std::move(calendar));
}

std::shared_ptr<const engine::WorkingDayCalendar> ApprovalCase::calendar() const {
  return calendar_.Get();
}

std::string ApprovalCase::EventType(const Event& event) const {
  return engine::EventTypeName("case", event);
}

absl::StatusOr<std::vector<ApprovalCase::Event>> ApprovalCase::Decide(
    const State& state, const Command& command, const engine::DecideContext& ctx) const {
  absl::StatusOr<Principal> who = ParseActor(ctx.actor);
  if (!who.ok()) {
    return absl::PermissionDeniedError(absl::StrCat("actor: ", who.status().message()));
  }
  const std::shared_ptr<const engine::WorkingDayCalendar> cal = calendar();
  return DecideCase(state, command, ctx, *who, *cal, policies_);
}

void ApprovalCase::Apply(State* state, const Event& event, const engine::EventContext&) const {
  ApplyCaseEvent(state, event);
}

std::vector<SupervisedSubject> ApprovalCase::Subjects(const State& s) const {
  std::vector<SupervisedSubject> out;
  if (s.status() == v1::APPROVAL_CASE_STATUS_UNSPECIFIED) return out;
  out.push_back(CaseSubject(s));
  for (const v1::CaseItem& item : s.items()) {
    if (item.round() > 0) out.push_back(ItemSubject(s, item));
    if (item.commitment_due_at_us() != 0) out.push_back(CommitmentSubject(s, item));
  }
  return out;
}

std::optional<absl::Time> ApprovalCase::NextWakeup(const State& s) const {
  if (s.status() != v1::APPROVAL_CASE_STATUS_OPEN) return std::nullopt;
  const std::shared_ptr<const engine::WorkingDayCalendar> cal = calendar();
  const Supervisor clocks(s.policy().ladder_rules(), s.policy().yellow_working_days());
  const Supervisor commitments(s.policy().commitment_ladder_rules(), 0);
  std::optional<absl::Time> next;
  auto consider = [&](std::optional<absl::Time> t) {
    if (t.has_value() && (!next.has_value() || *t < *next)) next = t;
  };
  if (CaseRunning(s)) consider(clocks.NextWakeup(CaseSubject(s), s.rungs(), *cal));
  for (const v1::CaseItem& item : s.items()) {
    if (ItemRunning(item)) {
      consider(clocks.NextWakeup(ItemSubject(s, item), s.rungs(), *cal));
      const v1::ApprovalItemPolicy* p = FindItemPolicy(s.policy(), item.item_id());
      if (p != nullptr && p->deemed_consent()) consider(DueAt(item.clock()));
    }
    if (CommitmentOwed(item)) {
      if (!item.commitment_missed()) consider(FromUs(item.commitment_due_at_us()));
      consider(commitments.NextWakeup(CommitmentSubject(s, item), s.rungs(), *cal));
    }
  }
  return next;
}

}  // namespace taizhang::workflows
