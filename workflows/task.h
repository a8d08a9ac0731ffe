// Task: the deadline task aggregate (征地拆迁、供地、发证 and the like), one
// stream "task/<task_id>" per task. Its policy, shared with the problem
// ledger (workflows/problem.h), is in workflows/task_policy.h.
//
// What a task knows (proto/taizhang/v1/task.proto):
//   - Creation by the supervision office (or an admin): the project code, the
//     matter, one or more responsible units (责任单位), the supervising office,
//     optionally the project's responsible leader (分包领导), and a deadline:
//       * a fixed date ("by 15 July": FIXED_DATE, never rolled),
//       * N calendar or working days counted from a start day (default: the
//         day of creation; calendar days rolled to a working day),
//       * relative to other tasks (TaskAfterTasks: "within 45 days after
//         requisition and demolition are complete"): the task knows which
//         tasks it waits for; the engine delivers each one's completion as
//         PrerequisiteCompleted (actor system:scheduler), and when the LAST
//         arrives the due date is fixed (TaskDueDateFixed) counting from the
//         latest completion day; from then on it moves only by events,
//       * or none: allowed, shown as such (no light, never late).
//   - Progress reports (0–100 %, text), completion, extension requests, all by
//     a responsible unit; extensions granted or refused, with reasons, only by
//     the task's supervision office. A grant moves the limit and starts a new
//     ladder episode (the climb restarts against the new limit).
//   - Lights: GREEN, YELLOW from the policy's N working days before the limit
//     (the day on which N working days remain, that day included), RED from
//     the limit (DueInstant: 00:00 +08:00 the day after the due date). Each
//     change is a SupervisionLightChanged event: Tick emits those that fall
//     due; a command that sets or moves the limit emits the change it causes.
//     Completion freezes the light.
//   - Supervision (workflows/supervision.h): the task is one subject (id "")
//     on the policy's task ladder, each rung raised once per episode by Tick,
//     with recipients resolved by role: the responsible units
//     (ROLE_RESPONSIBLE_UNIT), their heads (ROLE_UNIT_HEAD), the supervision
//     office, and the responsible leader if one was given (the role is
//     skipped otherwise). The office may raise a rung by hand and delist an
//     answered one; a responsible unit answers a rung; completion stops
//     further rungs.
//
// Who may do what: CreateTask: supervision or admin. ReportTaskProgress,
// CompleteTask, RequestTaskExtension, AnswerSupervisionRung: a responsible
// unit ("department:<unit>"). Grant/RefuseTaskExtension, Raise/Delist
// SupervisionRung: the task's supervision office ("supervision:<office>"). PrerequisiteCompleted,
// TaskTick: the system. RecomputeTaskDeadlines: system or admin.
//
// Thread-safety: Decide, Apply, NextWakeup and View are const and may run
// concurrently; SetCalendar may be called at any time (each call uses the
// calendar current when it starts).
#ifndef TAIZHANG_WORKFLOWS_TASK_H_
#define TAIZHANG_WORKFLOWS_TASK_H_

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
#include "google/protobuf/repeated_field.h"
#include "taizhang/v1/ladder.pb.h"
#include "taizhang/v1/task.pb.h"
#include "workflows/supervision.h"
#include "workflows/task_policy.h"

namespace taizhang::workflows {

// ---------------------------------------------------------------------------
// The task aggregate.

// "task/<task_id>".
std::string TaskStream(absl::string_view task_id);
// The namespace of decided matters' tasks ("matter-<meeting id>-<n>",
// workflows/meeting.h): a task whose id begins with it is created only by
// the system, from a meeting's record; nobody else may take such an id.
inline constexpr char kMatterTaskPrefix[] = "matter-";

class Task {
 public:
  using State = v1::TaskState;
  using Command = v1::TaskCommand;
  using Event = v1::TaskEvent;
  static constexpr uint32_t kStateSchema = 1;
  static constexpr uint32_t kEventSchema = 1;
  static constexpr uint32_t kCompactSchema = 1;

  // `policy` must pass ValidateTaskPolicy and `task_ladder` (the ladder it
  // names) engine::ValidateLadder (CHECKed). `calendar` must not be null.
  Task(v1::TaskPolicy policy, v1::Ladder task_ladder,
       std::shared_ptr<const engine::WorkingDayCalendar> calendar);

  // Loads the policy file, the ladders it names from `ladders_dir` and the
  // calendars from `calendar_dir`.
  static absl::StatusOr<std::unique_ptr<Task>> Load(const std::string& policy_path,
                                                    const std::string& ladders_dir,
                                                    const std::string& calendar_dir);

  // Takes a new calendar into use; then send RecomputeTaskDeadlines to every
  // task with a provisional due date.
  void SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar);

  std::string EventType(const Event& event) const;  // "task.Created", ...
  absl::StatusOr<std::vector<Event>> Decide(const State& state, const Command& command,
                                            const engine::DecideContext& ctx) const;
  void Apply(State* state, const Event& event, const engine::EventContext& ctx) const;
  const engine::UpcasterRegistry* upcasters() const { return nullptr; }
  // The blobs an event stands on: a progress report's attachments.
  std::vector<std::string> BlobDigests(const Event& event) const;
  // A state as the projections keep it: of its progress reports only the
  // latest (the latest percent is a field of its own). A task's every report,
  // with its photos, is in its full state (the store's).
  void Compact(State* state) const;

  // The earliest instant at which a TaskTick could emit something new (the
  // next light threshold or ladder rung); nullopt for a task not created,
  // completed, without a due date, or with nothing left to climb.
  std::optional<absl::Time> NextWakeup(const State& state) const;

  // What depends on `now`: light, working days used and left, overdue.
  v1::TaskView View(const State& state, absl::Time now) const;

  // The prerequisites whose completion the task has not yet been told of:
  // the engine sends PrerequisiteCompleted for each when it completes (or at
  // once, if it already has).
  static std::vector<std::string> PendingPrerequisites(const State& state);

  // The subject it supervises (the stream's own limit, id ""); empty before
  // it exists.
  std::vector<SupervisedSubject> Subjects(const State& state) const;

  const v1::TaskPolicy& policy() const { return policy_; }
  const Supervisor& supervisor() const { return supervisor_; }

 private:
  std::shared_ptr<const engine::WorkingDayCalendar> calendar() const;
  SupervisedSubject SubjectOf(const State& s) const;

  using Events = std::vector<Event>;
  absl::StatusOr<Events> DecideCreate(const State& s, const v1::CreateTask& c,
                                      const engine::DecideContext& ctx,
                                      const engine::WorkingDayCalendar& cal) const;
  absl::StatusOr<Events> DecideExtension(const State& s, const Command& c,
                                         const engine::DecideContext& ctx,
                                         const engine::WorkingDayCalendar& cal) const;
  absl::StatusOr<Events> DecidePrerequisite(const State& s, const v1::PrerequisiteCompleted& c,
                                            const engine::DecideContext& ctx,
                                            const engine::WorkingDayCalendar& cal) const;
  absl::StatusOr<Events> DecideRecompute(const State& s, const engine::DecideContext& ctx,
                                         const engine::WorkingDayCalendar& cal) const;
  // Folds `events` into a copy of `s` and appends the light change the
  // result shows at ctx.now (a limit set or moved), if any.
  void AppendLightChange(const State& s, const engine::DecideContext& ctx,
                         const engine::WorkingDayCalendar& cal, Events* events) const;

  const v1::TaskPolicy policy_;
  const v1::Ladder ladder_;
  const Supervisor supervisor_;
  engine::CalendarHolder calendar_;
};

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_TASK_H_
