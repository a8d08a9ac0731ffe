// Ledger: the workflows wired into one engine over one log.
//
// It owns, for each aggregate type (project, joint-approval case, task,
// problem), its
// AggregateStore and an in-memory projection of every stream; a Runtime that
// replays the log at start and follows it; the deadline scheduler, whose
// firings become Tick commands (request id engine::DeadlineRequestId, actor
// "system:scheduler", so each fires once across crashes and restarts); and the
// reactions between aggregates:
//   - a task that completes is delivered to every task waiting for it
//     (PrerequisiteCompleted), also to a task created after it completed;
//   - at start, every stream whose deadline was computed on a year without a
//     calendar is sent RecomputeDeadlines, so loading a year's calendar later
//     recomputes what depended on it (and records the change as an event).
// Reactions use deterministic request ids, so a crash between the cause and the
// reaction, or a replay, never makes a second event.
//
// Thread-safety: all methods may be called from any thread after Start.
#ifndef TAIZHANG_WORKFLOWS_LEDGER_H_
#define TAIZHANG_WORKFLOWS_LEDGER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/projection.h"
#include "engine/runtime.h"
#include "google/protobuf/any.pb.h"
#include "store/event_log.h"
#include "taizhang/v1/bulletin.pb.h"
#include "workflows/approval_case.h"
#include "workflows/problem.h"
#include "workflows/project.h"
#include "workflows/task.h"

namespace taizhang::workflows {

struct LedgerOptions {
  // Root of the policy data: calendars/, ladders/, tasks/, investment/.
  std::string policies_dir = "workflows/policies";
  std::string task_policy = "tasks/jinning-2020.textproto";
  std::string project_policy = "investment/points-behind-10-30.textproto";
  std::string project_ladder = "ladders/monthly-lights.textproto";
  std::string approval_policies = "approval";  // every *.textproto in it
};

class Ledger {
 public:
  template <class A>
  using Outcome = typename engine::AggregateStore<A>::Outcome;

  // Loads and validates every policy; a bad file is refused with its name,
  // line and reason. `log` and `clock` must outlive the ledger.
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(store::EventLog& log, Clock& clock,
                                                      const LedgerOptions& options);
  ~Ledger();

  // Replays the log (rebuilding projections and pending deadlines), sends the
  // recomputations that loaded calendars call for, and starts the scheduler.
  absl::Status Start();
  void Stop();

  absl::StatusOr<Outcome<Project>> ExecuteProject(const std::string& code,
                                                  const v1::ProjectCommand& command,
                                                  const engine::CommandMeta& meta);
  absl::StatusOr<Outcome<ApprovalCase>> ExecuteCase(const std::string& case_id,
                                                    const v1::ApprovalCaseCommand& command,
                                                    const engine::CommandMeta& meta);
  absl::StatusOr<Outcome<Task>> ExecuteTask(const std::string& task_id,
                                            const v1::TaskCommand& command,
                                            const engine::CommandMeta& meta);
  absl::StatusOr<Outcome<Problem>> ExecuteProblem(const std::string& problem_id,
                                                  const v1::ProblemCommand& command,
                                                  const engine::CommandMeta& meta);

  // The same without blocking the caller while the events are made durable:
  // `done` gets the outcome (see engine::AggregateStore::ExecuteAsync).
  template <class A>
  using Done = typename engine::AggregateStore<A>::Done;
  void ExecuteProjectAsync(const std::string& code, const v1::ProjectCommand& command,
                           const engine::CommandMeta& meta, Done<Project> done);
  void ExecuteCaseAsync(const std::string& case_id, const v1::ApprovalCaseCommand& command,
                        const engine::CommandMeta& meta, Done<ApprovalCase> done);
  void ExecuteTaskAsync(const std::string& task_id, const v1::TaskCommand& command,
                        const engine::CommandMeta& meta, Done<Task> done);
  void ExecuteProblemAsync(const std::string& problem_id, const v1::ProblemCommand& command,
                           const engine::CommandMeta& meta, Done<Problem> done);

  // Current states, from the projections (as of the last event consumed; use
  // WaitForApplied(position) after a command to read your own write).
  std::optional<v1::ProjectState> GetProject(const std::string& code) const;
  std::optional<v1::ApprovalCaseState> GetCase(const std::string& case_id) const;
  std::optional<v1::TaskState> GetTask(const std::string& task_id) const;
  std::optional<v1::ProblemState> GetProblem(const std::string& problem_id) const;
  std::vector<v1::ProjectState> ListProjects() const;
  std::vector<v1::ApprovalCaseState> ListCases() const;
  std::vector<v1::TaskState> ListTasks() const;
  std::vector<v1::ProblemState> ListProblems() const;

  // A stream's state as an auditor asks for it: rebuilt from its first event
  // up to a position or a recorded time (never from a snapshot), with its
  // view at that moment (the recorded time asked for, else the recording of
  // the last event included).
  struct StateAsOf {
    google::protobuf::Any state;  // ApprovalCaseState, TaskState, ...
    google::protobuf::Any view;   // ApprovalCaseView, TaskView, ...
    uint64_t version = 0;         // the stream's version then
    uint64_t position = 0;        // the last event included
    absl::Time as_of;             // the moment the view is judged at
  };
  // `stream` is "case/<id>", "task/<id>", "problem/<id>" or "project/<code>".
  // NOT_FOUND when the stream had no event by then; INVALID_ARGUMENT for
  // another kind of stream.
  absl::StatusOr<StateAsOf> StateAt(const std::string& stream, std::optional<uint64_t> position,
                                    std::optional<absl::Time> recorded_at);

  // The bulletin for `month` ("YYYY-MM"), from the projections.
  absl::StatusOr<v1::Bulletin> BulletinFor(const std::string& month) const;

  const Project& project() const { return *project_; }
  const ApprovalCase& approval_case() const { return *case_; }
  const Task& task() const { return *task_; }
  const Problem& problem() const { return *problem_; }
  const engine::WorkingDayCalendar& calendar() const { return *calendar_; }
  engine::Runtime& runtime() { return *runtime_; }
  bool WaitForApplied(uint64_t position) { return runtime_->WaitForApplied(position); }
  // The last log position the projections have applied.
  uint64_t AppliedPosition() const { return runtime_->applied(); }

 private:
  class Reactions;

  Ledger(store::EventLog& log, Clock& clock);
  absl::Status Fire(const std::string& key, absl::Time due);
  absl::Status RecomputeProvisional();
  template <class A>
  absl::StatusOr<StateAsOf> StateAt(engine::AggregateStore<A>& store, const A& aggregate,
                                    const std::string& stream, std::optional<uint64_t> position,
                                    std::optional<absl::Time> recorded_at);

  store::EventLog& log_;
  Clock& clock_;
  std::shared_ptr<const engine::WorkingDayCalendar> calendar_;
  std::unique_ptr<Project> project_;
  std::unique_ptr<ApprovalCase> case_;
  std::unique_ptr<Task> task_;
  std::unique_ptr<Problem> problem_;
  std::unique_ptr<engine::AggregateStore<Project>> projects_;
  std::unique_ptr<engine::AggregateStore<ApprovalCase>> cases_;
  std::unique_ptr<engine::AggregateStore<Task>> tasks_;
  std::unique_ptr<engine::AggregateStore<Problem>> problems_;
  std::unique_ptr<engine::StreamProjection<Project>> project_view_;
  std::unique_ptr<engine::StreamProjection<ApprovalCase>> case_view_;
  std::unique_ptr<engine::StreamProjection<Task>> task_view_;
  std::unique_ptr<engine::StreamProjection<Problem>> problem_view_;
  std::unique_ptr<Reactions> reactions_;
  std::unique_ptr<engine::Runtime> runtime_;
};

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_LEDGER_H_
