// Problem: the problem ledger aggregate (问题台账), one stream
// "problem/<problem_id>" per problem blocking a project.
//
// Life of a problem (proto/taizhang/v1/problem.proto):
//   RAISED    — by an inspection, an enterprise or a unit (the source is
//               recorded), against a project code;
//   ASSIGNED  — by the supervision office, to one unit with measures (整改措施)
//               and a limit (a DeadlineRule: a date, or N working / calendar
//               days counted from the day of assignment; the policy's default
//               when none is given). The unit answers (what was done) as often
//               as it likes; each answer also answers the latest unanswered
//               rung of the current episode;
//   RESOLVED  — the unit reports it solved: the light freezes and the ladder
//               stops;
//   VERIFIED  — the office confirms (closed); or the office reopens it: back
//               to ASSIGNED with a new limit, from the day of reopening, and a
//               new ladder episode.
// While ASSIGNED the limit is watched like a task's (workflows/task.h,
// Supervisor): lights GREEN / YELLOW (policy's N working days before) / RED,
// and the policy's problem ladder climbed by ProblemTick, rungs addressed to
// the assigned unit, its head, the supervision office and the responsible
// leader (if one was given when raising or assigning).
//
// Who may do what: RaiseProblem: the supervision office or an admin (any
// source), an enterprise (as ENTERPRISE, itself), a department (as UNIT,
// itself). AssignProblem: the supervision office (which becomes the
// problem's office). AnswerProblem, ResolveProblem: the assigned unit.
// VerifyProblem, ReopenProblem: the problem's supervision office.
// ProblemTick: the system. RecomputeProblemDeadlines: system or admin.
//
// Thread-safety: as Task: Decide, Apply, NextWakeup and View are const and
// may run concurrently; SetCalendar may be called at any time.
#ifndef TAIZHANG_WORKFLOWS_PROBLEM_H_
#define TAIZHANG_WORKFLOWS_PROBLEM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/calendar_holder.h"
#include "engine/upcaster.h"
#include "taizhang/v1/problem.pb.h"
#include "workflows/task.h"

namespace taizhang::workflows {

// "problem/<problem_id>".
std::string ProblemStream(absl::string_view problem_id);

class Problem {
 public:
  using State = v1::ProblemState;
  using Command = v1::ProblemCommand;
  using Event = v1::ProblemEvent;
  static constexpr uint32_t kStateSchema = 1;
  static constexpr uint32_t kEventSchema = 1;

  // `policy` must pass ValidateTaskPolicy and `problem_ladder` (the ladder it
  // names) engine::ValidateLadder (checked: the process stops otherwise).
  // `calendar` must not be null.
  Problem(v1::TaskPolicy policy, v1::Ladder problem_ladder,
          std::shared_ptr<const engine::WorkingDayCalendar> calendar);

  // Loads the policy file, the ladders it names from `ladders_dir` and the
  // calendars from `calendar_dir`.
  static absl::StatusOr<std::unique_ptr<Problem>> Load(const std::string& policy_path,
                                                       const std::string& ladders_dir,
                                                       const std::string& calendar_dir);

  // Takes a new calendar into use; then send RecomputeProblemDeadlines to
  // every assigned problem with a provisional limit.
  void SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar);

  std::string EventType(const Event& event) const;  // "problem.Raised", ...
  absl::StatusOr<std::vector<Event>> Decide(const State& state, const Command& command,
                                            const engine::DecideContext& ctx) const;
  void Apply(State* state, const Event& event, const engine::EventContext& ctx) const;
  const engine::UpcasterRegistry* upcasters() const { return nullptr; }

  // The earliest instant at which a ProblemTick could emit something new;
  // nullopt unless ASSIGNED with something left to happen.
  std::optional<absl::Time> NextWakeup(const State& state) const;

  // What depends on `now`: light, working days used and left in the current
  // episode, overdue.
  v1::ProblemView View(const State& state, absl::Time now) const;

  // The subject it supervises (the stream's own limit, id ""); empty before
  // it exists.
  std::vector<SupervisedSubject> Subjects(const State& state) const;

  const v1::TaskPolicy& policy() const { return policy_; }
  const Supervisor& supervisor() const { return supervisor_; }

 private:
  using Events = std::vector<Event>;

  std::shared_ptr<const engine::WorkingDayCalendar> calendar() const;
  SupervisedSubject SubjectOf(const State& s) const;
  // The limit for an assignment or reopening on `day` (the policy's default
  // when `limit` is unset); `field` names the command's field in errors.
  absl::StatusOr<v1::ComputedDeadline> LimitFrom(bool has_limit, const v1::DeadlineRule& limit,
                                                 absl::CivilDay day, const std::string& field,
                                                 const engine::WorkingDayCalendar& cal) const;
  absl::StatusOr<Events> DecideRaise(const State& s, const v1::RaiseProblem& c,
                                     const engine::DecideContext& ctx) const;
  absl::StatusOr<Events> DecideRecompute(const State& s, const engine::DecideContext& ctx,
                                         const engine::WorkingDayCalendar& cal) const;
  void AppendLightChange(const State& s, const engine::DecideContext& ctx,
                         const engine::WorkingDayCalendar& cal, Events* events) const;

  const v1::TaskPolicy policy_;
  const v1::Ladder ladder_;
  const Supervisor supervisor_;
  engine::CalendarHolder calendar_;
};

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_PROBLEM_H_
