#include "workflows/workflow_registry.h"

#include "absl/strings/str_cat.h"

namespace taizhang::workflows {
namespace {

std::string Under(const LedgerOptions& o, const std::string& path) {
  return absl::StrCat(o.policies_dir, "/", path);
}
std::string Ladders(const LedgerOptions& o) { return Under(o, "ladders"); }
std::string Calendars(const LedgerOptions& o) { return Under(o, "calendars"); }

}  // namespace

absl::StatusOr<std::unique_ptr<ApprovalCase>> WorkflowTraits<ApprovalCase>::Load(
    const LedgerOptions& o) {
  return ApprovalCase::Load(Under(o, o.approval_policies), Ladders(o), Calendars(o));
}
v1::ApprovalCaseCommand WorkflowTraits<ApprovalCase>::RecomputeDeadlines(
    uint64_t calendar_version) {
  v1::ApprovalCaseCommand c;
  c.mutable_recompute_deadlines()->set_reason(
      absl::StrCat("recomputed with the calendar version ", calendar_version));
  return c;
}

absl::StatusOr<std::unique_ptr<Task>> WorkflowTraits<Task>::Load(const LedgerOptions& o) {
  return Task::Load(Under(o, o.task_policy), Ladders(o), Calendars(o));
}

absl::StatusOr<std::unique_ptr<Problem>> WorkflowTraits<Problem>::Load(const LedgerOptions& o) {
  return Problem::Load(Under(o, o.task_policy), Ladders(o), Calendars(o));
}

absl::StatusOr<std::unique_ptr<Project>> WorkflowTraits<Project>::Load(const LedgerOptions& o) {
  return Project::Load(Under(o, o.project_policy), Under(o, o.project_ladder), Calendars(o),
                       o.visit_policy.empty() ? "" : Under(o, o.visit_policy));
}
absl::StatusOr<std::unique_ptr<MeetingSeries>> WorkflowTraits<MeetingSeries>::Load(
    const LedgerOptions& o) {
  return MeetingSeries::Load(Under(o, o.meeting_policies), Ladders(o), Calendars(o));
}

absl::StatusOr<std::unique_ptr<Meeting>> WorkflowTraits<Meeting>::Load(const LedgerOptions& o) {
  return Meeting::Load(Calendars(o));
}

bool WorkflowTraits<Project>::HasPendingDeadline(const v1::ProjectState& s) {
  for (const auto& slip : s.rungs()) {
    if (!slip.answered() && slip.raised().rectification_working_days() > 0) return true;
  }
  return false;
}

}  // namespace taizhang::workflows
