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

// In this order the Ledger replays, recomputes and reads them.
using RegisteredWorkflows = WorkflowList<ApprovalCase, Task, Problem, Project>;
using Workflows = WorkflowSet<RegisteredWorkflows>;

// The registered aggregate type whose State is S (v1::TaskState -> Task).
template <class A>
using StateOf = typename A::State;
template <class S>
using AggregateOfState = typename FindWorkflow<S, StateOf, RegisteredWorkflows>::type;

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_WORKFLOW_REGISTRY_H_
