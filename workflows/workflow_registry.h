// The aggregate types the Ledger runs, each registered once: its
// WorkflowTraits (see workflow.h for what a registration declares) and its
// place in RegisteredWorkflows. A new aggregate type is one more
// specialisation here and one more name in the list; the Ledger's commands,
// queries, timers, calendar recomputations and audit reads then serve it.
//
// The traits are stateless: every function may be called from any thread.
#ifndef TAIZHANG_WORKFLOWS_WORKFLOW_REGISTRY_H_
#define TAIZHANG_WORKFLOWS_WORKFLOW_REGISTRY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "workflows/approval_case.h"
#include "workflows/campaign.h"
#include "workflows/meeting.h"
#include "workflows/problem.h"
#include "workflows/project.h"
#include "workflows/task.h"
#include "workflows/workflow.h"

namespace taizhang::workflows {

// Joint-approval cases (联审联批), "case/<case_id>".
template <>
struct WorkflowTraits<ApprovalCase> : DefaultWorkflowTraits<ApprovalCase> {
  static constexpr char kKind[] = "case";
  static constexpr char kPrefix[] = "case/";
  static constexpr char kIdField[] = "case_id";
  static absl::StatusOr<std::unique_ptr<ApprovalCase>> Load(const LedgerOptions& options);
  static const std::string& Id(const v1::ApprovalCaseState& s) { return s.case_id(); }
  static const std::string& ProjectCode(const v1::ApprovalCaseState& s) { return s.project_code(); }
  // A case keeps several limits (case, items): every case still open is
  // asked, and only a changed date makes an event.
  static bool HasPendingDeadline(const v1::ApprovalCaseState& s) {
    return s.status() == v1::APPROVAL_CASE_STATUS_OPEN;
  }
  // Names the calendar version in the event's reason.
  static v1::ApprovalCaseCommand RecomputeDeadlines(uint64_t calendar_version);
};

// Tasks with deadlines, "task/<task_id>".
template <>
struct WorkflowTraits<Task> : DefaultWorkflowTraits<Task> {
  static constexpr char kKind[] = "task";
  static constexpr char kPrefix[] = "task/";
  static constexpr char kIdField[] = "task_id";
  static absl::StatusOr<std::unique_ptr<Task>> Load(const LedgerOptions& options);
  static const std::string& Id(const v1::TaskState& s) { return s.task_id(); }
  static const std::string& ProjectCode(const v1::TaskState& s) { return s.project_code(); }
  static bool HasPendingDeadline(const v1::TaskState& s) {
    return s.status() == v1::TASK_STATUS_OPEN && !s.due_date().empty();
  }
};

// The problem ledger (问题台账), "problem/<problem_id>".
template <>
struct WorkflowTraits<Problem> : DefaultWorkflowTraits<Problem> {
  static constexpr char kKind[] = "problem";
  static constexpr char kPrefix[] = "problem/";
  static constexpr char kIdField[] = "problem_id";
  static absl::StatusOr<std::unique_ptr<Problem>> Load(const LedgerOptions& options);
  static const std::string& Id(const v1::ProblemState& s) { return s.problem_id(); }
  static const std::string& ProjectCode(const v1::ProblemState& s) { return s.project_code(); }
  static bool HasPendingDeadline(const v1::ProblemState& s) {
    return s.status() == v1::PROBLEM_STATUS_ASSIGNED && !s.computed().due_date().empty();
  }
};

// Projects (项目台账), "project/<code>".
template <>
struct WorkflowTraits<Project> : DefaultWorkflowTraits<Project> {
  static constexpr char kKind[] = "project";
  static constexpr char kPrefix[] = "project/";
  static constexpr char kIdField[] = "project_code";
  static absl::StatusOr<std::unique_ptr<Project>> Load(const LedgerOptions& options);
  static const std::string& Id(const v1::ProjectState& s) { return s.info().code(); }
  static const std::string& ProjectCode(const v1::ProjectState& s) { return s.info().code(); }
  // A rectification limit of an unanswered slip is counted in working days.
  static bool HasPendingDeadline(const v1::ProjectState& s);
};

// Meeting series (会议), "series/<series_id>".
template <>
struct WorkflowTraits<MeetingSeries> : DefaultWorkflowTraits<MeetingSeries> {
  static constexpr char kKind[] = "series";
  static constexpr char kPrefix[] = "series/";
  static constexpr char kIdField[] = "series_id";
  static absl::StatusOr<std::unique_ptr<MeetingSeries>> Load(const LedgerOptions& options);
  static const std::string& Id(const v1::MeetingSeriesState& s) { return s.series_id(); }
  static const std::string& ProjectCode(const v1::MeetingSeriesState&) {
    static const std::string kNone;
    return kNone;
  }
  // A rectification limit of an unanswered slip is counted in working days.
  static bool HasPendingDeadline(const v1::MeetingSeriesState& s) {
    for (const auto& r : s.rungs()) {
      if (!r.answered() && r.raised().rectification_working_days() > 0) return true;
    }
    return false;
  }
};

// Meetings (调度会, 例会, 推进会), "meeting/<meeting_id>"; their decided
// matters are tasks.
template <>
struct WorkflowTraits<Meeting> : DefaultWorkflowTraits<Meeting> {
  static constexpr char kKind[] = "meeting";
  static constexpr char kPrefix[] = "meeting/";
  static constexpr char kIdField[] = "meeting_id";
  static absl::StatusOr<std::unique_ptr<Meeting>> Load(const LedgerOptions& options);
  static const std::string& Id(const v1::MeetingState& s) { return s.meeting().meeting_id(); }
  static const std::string& ProjectCode(const v1::MeetingState&) {
    static const std::string kNone;
    return kNone;
  }
  static bool HasPendingDeadline(const v1::MeetingState&) { return false; }
};

// Start campaigns (集中开工), "campaign/<campaign_id>"; their late starters
// are chased on the projects' streams.
template <>
struct WorkflowTraits<Campaign> : DefaultWorkflowTraits<Campaign> {
  static constexpr char kKind[] = "campaign";
  static constexpr char kPrefix[] = "campaign/";
  static constexpr char kIdField[] = "campaign_id";
  static absl::StatusOr<std::unique_ptr<Campaign>> Load(const LedgerOptions&) {
    return std::make_unique<Campaign>();
  }
  static const std::string& Id(const v1::CampaignState& s) { return s.campaign().campaign_id(); }
  static const std::string& ProjectCode(const v1::CampaignState&) {
    static const std::string kNone;
    return kNone;
  }
  static bool HasPendingDeadline(const v1::CampaignState&) { return false; }
};

// In this order the Ledger replays, recomputes and reads them.
using RegisteredWorkflows =
    WorkflowList<ApprovalCase, Task, Problem, Project, MeetingSeries, Meeting, Campaign>;
using Workflows = WorkflowSet<RegisteredWorkflows>;

// The registered aggregate type whose State is S (v1::TaskState -> Task).
template <class A>
using StateOf = typename A::State;
template <class S>
using AggregateOfState = typename FindWorkflow<S, StateOf, RegisteredWorkflows>::type;

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_WORKFLOW_REGISTRY_H_
