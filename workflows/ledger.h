// Ledger: the workflows wired into one engine over one log.
//
// It owns, for each registered aggregate type (joint-approval case, task,
// problem, project; workflow_registry.h), its Workflow: an AggregateStore and
// an in-memory projection of every stream (workflow.h); a Runtime that
// replays the log at start and follows it; the deadline scheduler, whose
// firings become Tick commands (request id engine::DeadlineRequestId, actor
// "system:scheduler", so each fires once across crashes and restarts); and the
// reactions between aggregates:
//   - a task that completes is delivered to every task waiting for it
//     (PrerequisiteCompleted), also to a task created after it completed;
//   - when the calendar changes (a year loaded or amended, at start from the
//     policy files or while running through LoadCalendar), every stream with
//     a pending deadline is sent RecomputeDeadlines; each deadline whose date
//     (or provisional mark) the new calendar moves gets one event naming the
//     calendar version it used, and the timers are re-armed. A firing sends
//     the same RecomputeDeadlines (same request id) before its Tick, so no
//     Tick judges a limit computed on a calendar no longer in use.
// Reactions use deterministic request ids, so a crash between the cause and the
// reaction, or a replay, never makes a second event.
//
// The calendar. The working-day calendar is the log's (engine/calendar_log.h):
// every year in use is an event of the stream "calendar/cn". At Start the
// policy directory's calendars/ are compared with it: a year the log lacks is
// appended; a year whose days differ from the log's is refused (Start fails
// with FAILED_PRECONDITION naming it) unless LedgerOptions::amend_calendars,
// when it is appended as an amendment. So replay, deadlines and views never
// depend on the calendar files of the machine that replays. Aggregates read
// the calendar only in Decide and in views, never in Apply.
//
// Thread-safety: all methods may be called from any thread after Start.
#ifndef TAIZHANG_WORKFLOWS_LEDGER_H_
#define TAIZHANG_WORKFLOWS_LEDGER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/calendar_log.h"
#include "engine/projection.h"
#include "engine/runtime.h"
#include "google/protobuf/any.pb.h"
#include "store/event_log.h"
#include "taizhang/v1/attachment.pb.h"
#include "taizhang/v1/bulletin.pb.h"
#include "workflows/assessment_policy.h"
#include "workflows/backdating.h"
#include "workflows/workflow.h"
#include "workflows/workflow_registry.h"

namespace taizhang::workflows {

// What Ledger::LoadCalendar did.
struct CalendarLoadOutcome {
  engine::CalendarLog::Loaded loaded;
  int recomputed = 0;  // deadline-recomputed events appended
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

  // Builds the calendar from the log and appends the policy files' new years
  // (see "The calendar" above; FAILED_PRECONDITION for a file that differs),
  // replays the log (rebuilding projections and pending deadlines), sends the
  // recomputations the calendar calls for, and starts the scheduler.
  absl::Status Start();

  // Loads one calendar year from the text of a file (`name`, e.g. the file's
  // path, is used in messages; only its last component is recorded) into the
  // running ledger, then recomputes every pending deadline it moves.
  // INVALID_ARGUMENT "name:line:col: reason" for a malformed file;
  // FAILED_PRECONDITION when the year is in use with other days and `amend` is
  // false. The same data again is a no-op (loaded.changed false). `actor` is
  // recorded on the calendar event. After Start.
  absl::StatusOr<CalendarLoadOutcome> LoadCalendar(const std::string& name, const std::string& text,
                                                   bool amend, const std::string& actor);
  void Stop();

  // Every registered workflow, typed (see workflow_registry.h): its
  // aggregate, Execute, ExecuteAsync, Get and List by id.
  template <class A>
  WorkflowOf<A>& workflow() const {
    return workflows_->of<A>();
  }

  // Shorthands for the typed workflows. Current states come from the
  // projections (as of the last event consumed; use WaitForApplied(position)
  // after a command to read your own write).
  template <class A>
  absl::StatusOr<Outcome<A>> Execute(const std::string& id, const typename A::Command& command,
                                     const engine::CommandMeta& meta) {
    return workflow<A>().Execute(id, command, meta);
  }
  absl::StatusOr<Outcome<Project>> ExecuteProject(const std::string& code,
                                                  const v1::ProjectCommand& command,
                                                  const engine::CommandMeta& meta) {
    return Execute<Project>(code, command, meta);
  }
  absl::StatusOr<Outcome<ApprovalCase>> ExecuteCase(const std::string& case_id,
                                                    const v1::ApprovalCaseCommand& command,
                                                    const engine::CommandMeta& meta) {
    return Execute<ApprovalCase>(case_id, command, meta);
  }
  absl::StatusOr<Outcome<Task>> ExecuteTask(const std::string& task_id,
                                            const v1::TaskCommand& command,
                                            const engine::CommandMeta& meta) {
    return Execute<Task>(task_id, command, meta);
  }
  absl::StatusOr<Outcome<Problem>> ExecuteProblem(const std::string& problem_id,
                                                  const v1::ProblemCommand& command,
                                                  const engine::CommandMeta& meta) {
    return Execute<Problem>(problem_id, command, meta);
  }
  std::optional<v1::ProjectState> GetProject(const std::string& code) const {
    return workflow<Project>().Get(code);
  }
  std::optional<v1::ApprovalCaseState> GetCase(const std::string& id) const {
    return workflow<ApprovalCase>().Get(id);
  }
  std::optional<v1::TaskState> GetTask(const std::string& id) const {
    return workflow<Task>().Get(id);
  }
  std::optional<v1::ProblemState> GetProblem(const std::string& id) const {
    return workflow<Problem>().Get(id);
  }
  std::vector<v1::ProjectState> ListProjects() const { return workflow<Project>().List(); }
  std::vector<v1::ApprovalCaseState> ListCases() const { return workflow<ApprovalCase>().List(); }
  std::vector<v1::TaskState> ListTasks() const { return workflow<Task>().List(); }
  std::vector<v1::ProblemState> ListProblems() const { return workflow<Problem>().List(); }
  const Project& project() const { return workflow<Project>().aggregate(); }
  const ApprovalCase& approval_case() const { return workflow<ApprovalCase>().aggregate(); }
  const Task& task() const { return workflow<Task>().aggregate(); }
  const Problem& problem() const { return workflow<Problem>().aggregate(); }

  // A stream's state as an auditor asks for it: rebuilt from its first event
  // up to a position or a recorded time (never from a snapshot), with its
  // view at that moment (the recorded time asked for, else the recording of
  // the last event included).
  // The state, its view then, the stream's version and the last position.
  using StateAsOf = workflows::StateAsOf;
  // `stream` is a registered workflow's: "case/<id>", "task/<id>",
  // "problem/<id>" or "project/<code>". NOT_FOUND when the stream had no event
  // by then; INVALID_ARGUMENT for another kind of stream.
  absl::StatusOr<StateAsOf> StateAt(const std::string& stream, std::optional<uint64_t> position,
                                    std::optional<absl::Time> recorded_at);

  // The late entries (补录) recorded in [from, to), in log order.
  std::vector<LateEntry> LateEntriesBetween(absl::Time from, absl::Time to) const {
    return late_entries_.RecordedBetween(from, to);
  }
  const v1::BackdatingPolicy& backdating_policy() const { return backdating_; }
  // What photos and documents a report may carry (checked by the service
  // before the command, workflows/attachments.h).
  const v1::AttachmentPolicy& attachment_policy() const { return attachment_policy_; }
  // The log it runs on (e.g. to read an attachment's blob).
  store::EventLog& log() const { return log_; }
  // The assessment rules loaded at Open (workflows/assessment_policy.h).
  const AssessmentPolicies& assessment_policies() const { return assessment_; }

  // A meeting's full record as of `now` (workflows/meeting.h,
  // MeetingRecord): its decided matters with their tasks' status and the
  // counts, and the matters of the earlier meetings of its series still
  // open on its day.
  v1::MeetingView MeetingRecordOf(const v1::MeetingState& meeting, absl::Time now) const;

  // A start campaign's record as of `now` (workflows/campaign.h,
  // CampaignRecord): each listed project's standing from its stream, the
  // counts and the start rates.
  v1::CampaignView CampaignRecordOf(const v1::CampaignState& campaign, absl::Time now) const;

  // The bulletin for `month` ("YYYY-MM"), from the projections.
  absl::StatusOr<v1::Bulletin> BulletinFor(const std::string& month) const;

  // The calendar in use (the log's after Start, the policy files' before).
  std::shared_ptr<const engine::WorkingDayCalendar> calendar() const;
  // The calendar's version: the number of events of "calendar/cn" (0 before
  // Start).
  uint64_t calendar_version() const;
  engine::Runtime& runtime() { return *runtime_; }
  bool WaitForApplied(uint64_t position) { return runtime_->WaitForApplied(position); }
  // The last log position the projections have applied.
  uint64_t AppliedPosition() const { return runtime_->applied(); }
  // Runs `read` (which reads the projections) with no event being applied,
  // and returns the position they hold exactly (Runtime::ReadAtApplied).
  uint64_t ReadProjections(absl::FunctionRef<void()> read) const {
    return runtime_->ReadAtApplied(read);
  }

  // The state digest (engine/state_digest.h) of every registered
  // workflow's streams, as the projections hold them, and the position they
  // hold exactly.
  struct StateDigest {
    uint64_t position = 0;
    uint64_t streams = 0;
    std::string digest;  // 32 bytes
  };
  StateDigest Digest() const;

  // For a check away from any server, of a log opened read-only: instead of
  // Start, builds the calendar from the log and folds the events at
  // positions 1 to `through` (0: the head) into the projections, with no
  // timer, no reaction, no checkpoint and nothing written, and returns their
  // digest at `through`, which is what Digest() gives on a server whose
  // projections hold that position. A record that does not decode, or an
  // event an aggregate cannot apply, is DATA_LOSS naming its position.
  // `progress`, when given, is called every so many events with the
  // position reached. Once per ledger; never with Start.
  absl::StatusOr<StateDigest> Replay(uint64_t through,
                                     const std::function<void(uint64_t)>& progress = nullptr);

 private:
  class Reactions;

  Ledger(store::EventLog& log, Clock& clock);
  absl::Status Fire(const std::string& key, absl::Time due);
  // Gives the aggregates `calendar`, the calendar log's `version`.
  void UseCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar, uint64_t version);
  // Asks every stream's aggregate again for its next wake-up.
  absl::Status RearmTimers();
  // Sends RecomputeDeadlines to `stream`, with a request id naming the stream
  // and the calendar version in use. Returns the deadline-recomputed events
  // appended.
  absl::StatusOr<int> RecomputeStream(const std::string& stream);
  // RecomputeStream for every stream with a pending deadline.
  absl::StatusOr<int> RecomputeDeadlines();
  // RecomputeDeadlines, unless the log's metadata records that those of the
  // calendar version in use were all made.
  absl::Status RecomputeUnlessDone();
  // The digest of the projections as they are, at `position`.
  StateDigest DigestAt(uint64_t position) const;
  store::EventLog& log_;
  Clock& clock_;
  LedgerOptions options_;
  // The policy files' calendar: what Start loads into the log.
  std::shared_ptr<const engine::WorkingDayCalendar> files_calendar_;
  v1::BackdatingPolicy backdating_;
  v1::AttachmentPolicy attachment_policy_;
  AssessmentPolicies assessment_;
  LateEntries late_entries_;
  std::unique_ptr<engine::CalendarLog> calendar_log_;  // set by Start
  absl::Mutex calendar_mu_;  // one LoadCalendar (load and recompute) at a time
  // The calendar log's version of the calendar the aggregates have.
  std::atomic<uint64_t> calendar_in_use_{0};
  // The calendar the aggregates have (the policy files' until Start).
  mutable absl::Mutex in_use_mu_;
  std::shared_ptr<const engine::WorkingDayCalendar> in_use_ ABSL_GUARDED_BY(in_use_mu_);
  // One per registered aggregate type; set by Open.
  std::unique_ptr<Workflows> workflows_;
  std::unique_ptr<Reactions> reactions_;
  std::unique_ptr<engine::Runtime> runtime_;
};

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_LEDGER_H_
