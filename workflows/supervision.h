// Supervision (督查督办): the one model every aggregate embeds for what it
// supervises (proto/taizhang/v1/supervision.proto).
//
// An aggregate describes each of its subjects as a SupervisedSubject: where
// it lives (stream, subject id), what it is about (matter, project), its limit
// and episode, whether it is resolved, the lights of its past periods, and who
// answers for it (SupervisionParties). From there everything is one path:
//   - Supervisor: one ladder and one yellow margin. Evaluate turns a subject
//     and its rungs into the light change and the rungs that have fallen due
//     (the events a Tick records); NextWakeup is the instant to arm a timer
//     for; LightAt and LightChangeAt judge a limit's light at an instant.
//   - RaiseByHand, AnswerRung, DelistRung: the office's own hand on the
//     ladder (交办单, 督办通知单, 挂牌督办, 约谈; 摘牌 / 销号) and the unit's
//     answer, with who may do each checked against the rung's parties.
//   - ApplyRaised, ApplyAnswered, ApplyDelisted: state, one list of
//     SupervisionRung per stream.
// A rung raised by hand stands for the first ladder rung of the same issue
// not yet raised in its episode, so the ladder never issues that one again
// (and the rungs after it count from the manual one).
//
// Thread-safety: pure functions and const methods of immutable objects; safe
// to call concurrently.
#ifndef TAIZHANG_WORKFLOWS_SUPERVISION_H_
#define TAIZHANG_WORKFLOWS_SUPERVISION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/calendar.h"
#include "engine/ladder.h"
#include "google/protobuf/repeated_field.h"
#include "taizhang/v1/ladder.pb.h"
#include "taizhang/v1/supervision.pb.h"
#include "workflows/principal.h"

namespace taizhang::workflows {

using SupervisionRungs = google::protobuf::RepeatedPtrField<v1::SupervisionRung>;

// One supervised subject as its aggregate sees it at a decision.
struct SupervisedSubject {
  std::string stream;        // "task/<id>", ...
  std::string id;            // within the stream: "", "item/<id>", "node/<id>", "monthly", ...
  std::string matter;        // for slips: what is watched
  std::string project_code;  // the project it belongs to
  // Where it was decided, when another stream decided it: "meeting/<id>" for
  // a meeting's decided matter (商定事项, a task); "" otherwise.
  std::string origin;
  int32_t episode = 1;
  // The limit: the last day to act and the instant it is late from (empty
  // due_date: none — no light, no time triggers; a periodic subject has none).
  std::string due_date;
  absl::Time due_at = absl::InfiniteFuture();
  absl::Time start = absl::InfinitePast();  // when its clock started
  bool resolved = false;                    // done: frozen
  absl::Time resolved_at = absl::InfinitePast();
  std::vector<engine::PeriodLight> lights;  // a periodic subject's closed periods
  std::string month;                        // a periodic subject: the month judged
  v1::Light light = v1::LIGHT_UNSPECIFIED;  // as last recorded
  absl::Time light_changed_at = absl::InfinitePast();
  // Whether the limit's light is recorded as events (false: judged in views
  // only, as a project's nodes are).
  bool records_light = true;
  bool suspended = false;  // its clock stands still (补正 and the like)
  v1::SupervisionParties parties;
};

// "<stream>/<subject>/<episode>/<rung_id>"; the subject part is left out for
// the stream's own limit.
std::string SlipNumber(absl::string_view stream, absl::string_view subject, int32_t episode,
                       absl::string_view rung_id);

// The ladder's view of a subject: its limit, resolution, period lights and
// the rungs of its episode (a manual rung as the ladder rung it stands for).
engine::LadderSubject LadderSubjectOf(const SupervisedSubject& subject,
                                      const SupervisionRungs& rungs);

// Whom `roles` address for `parties`; roles with nobody to fill them (no
// leader, no office) are left out.
std::vector<v1::SupervisionRecipient> RecipientsFor(
    const google::protobuf::RepeatedField<int>& roles, const v1::SupervisionParties& parties);

// What a Tick finds due for one subject.
struct SupervisionDue {
  std::optional<v1::SupervisionLightChanged> light;
  std::vector<v1::SupervisionRungRaised> rungs;
};

class Supervisor {
 public:
  // `ladder` must pass engine::ValidateLadder (an empty ladder, with no
  // rungs, raises nothing) and outlive the supervisor; yellow_working_days
  // >= 0.
  Supervisor(const v1::Ladder& ladder, int yellow_working_days)
      : ladder_(ladder), yellow_working_days_(yellow_working_days) {}

  // The instant a limit's light turns yellow (00:00 of the day on which N
  // working days remain, never before the clock started); nullopt without a
  // yellow margin or when that is not before the limit.
  std::optional<absl::Time> YellowFrom(const SupervisedSubject& subject,
                                       const engine::WorkingDayCalendar& calendar) const;

  // A limit's light at `t`: RED from due_at, YELLOW from YellowFrom, else
  // GREEN; UNSPECIFIED without a limit.
  v1::Light LightAt(const SupervisedSubject& subject, absl::Time t,
                    const engine::WorkingDayCalendar& calendar) const;

  // What has fallen due at `now` (nothing once resolved): the light change
  // of a limit, stamped with the threshold crossed, and the rungs due as of
  // `as_of` (<= now; e.g. just before an item's deemed consent), raised at
  // `now`. A periodic subject (no limit) gets rungs only: its lights are the
  // aggregate's judgement.
  SupervisionDue Evaluate(const SupervisedSubject& subject, const SupervisionRungs& rungs,
                          absl::Time now, const engine::WorkingDayCalendar& calendar,
                          std::optional<absl::Time> as_of = std::nullopt) const;

  // After a command set or moved the limit: the light change it causes at
  // `now` (changed_at = now), if any.
  std::optional<v1::SupervisionLightChanged> LightChangeAt(
      const SupervisedSubject& subject, absl::Time now,
      const engine::WorkingDayCalendar& calendar) const;

  // The earliest instant at which Evaluate would return something for the
  // state as it is; nullopt when nothing is pending.
  std::optional<absl::Time> NextWakeup(const SupervisedSubject& subject,
                                       const SupervisionRungs& rungs,
                                       const engine::WorkingDayCalendar& calendar) const;

  const v1::Ladder& ladder() const { return ladder_; }
  int yellow_working_days() const { return yellow_working_days_; }

 private:
  const v1::Ladder& ladder_;
  const int yellow_working_days_;
};

// The office raises a rung by hand on `subject`. `ladder` (may be null) is
// the subject's ladder, to find the rung it stands for. Raised at `at` (the
// command's occurred_at: a paper slip keyed in later keeps its day).
// PERMISSION_DENIED unless `who` is the subject's supervision office;
// FAILED_PRECONDITION for a resolved subject or one without an office;
// INVALID_ARGUMENT for a missing or unknown issue, a notice without a
// rectification limit, an unknown or repeated recipient role.
absl::StatusOr<v1::SupervisionRungRaised> RaiseByHand(const v1::RaiseSupervisionRung& command,
                                                      const SupervisedSubject& subject,
                                                      const SupervisionRungs& rungs,
                                                      const v1::Ladder* ladder,
                                                      const Principal& who, absl::Time at,
                                                      const engine::WorkingDayCalendar& calendar);

// The addressed unit answers the rung `command.slip_number()` (empty: the
// latest unanswered rung of `default_subject` in `default_episode`).
// PERMISSION_DENIED unless `who` is one of the rung's responsible units
// (acting in the parties' unit role); INVALID_ARGUMENT for an unknown slip or
// a missing text; FAILED_PRECONDITION when it was answered already.
absl::StatusOr<v1::SupervisionRungAnswered> AnswerRung(const v1::AnswerSupervisionRung& command,
                                                       const SupervisionRungs& rungs,
                                                       absl::string_view default_subject,
                                                       int32_t default_episode,
                                                       const Principal& who, absl::Time at);

// The office delists (摘牌 / 销号) an answered rung. PERMISSION_DENIED unless
// `who` is the rung's supervision office; FAILED_PRECONDITION when it is not
// answered yet or already delisted; INVALID_ARGUMENT for an unknown slip or a
// missing note.
absl::StatusOr<v1::SupervisionRungDelisted> DelistRung(const v1::DelistSupervisionRung& command,
                                                       const SupervisionRungs& rungs,
                                                       const Principal& who, absl::Time at);

// The rectification limits of unanswered rungs recomputed with `calendar`
// (a year loaded or amended): one event per limit whose day or provisional
// flag changes, naming the calendar version used.
std::vector<v1::SupervisionDeadlineRecomputed> RecomputeRectifications(
    const SupervisionRungs& rungs, const engine::WorkingDayCalendar& calendar);

// Folds a supervision event of an aggregate's envelope into `rungs`: a rung
// raised, answered or delisted, or a rung's rectification limit recomputed.
// False (nothing done) for any other event.
template <class Envelope>
bool ApplyRungEvent(const Envelope& e, SupervisionRungs* rungs);

void ApplyRaised(SupervisionRungs* rungs, const v1::SupervisionRungRaised& e);
void ApplyAnswered(SupervisionRungs* rungs, const v1::SupervisionRungAnswered& e);
void ApplyDelisted(SupervisionRungs* rungs, const v1::SupervisionRungDelisted& e);
// A rung's rectification limit recomputed (e.slip_number() set).
void ApplyRectificationRecomputed(SupervisionRungs* rungs,
                                  const v1::SupervisionDeadlineRecomputed& e);

const v1::SupervisionRung* FindRungBySlip(const SupervisionRungs& rungs,
                                          absl::string_view slip_number);

// Rungs of `subject` in `episode` raised and not answered.
int32_t OpenRungs(const SupervisionRungs& rungs, absl::string_view subject, int32_t episode);

// Manual rungs raised on the stream so far.
int32_t ManualRungs(const SupervisionRungs& rungs);

// How a person names what a rung issues: "预警提示", "督办通知单", "挂牌督办"...;
// a coloured slip by its colour ("红色催办单").
std::string SlipKindLabel(v1::Issue issue, v1::SlipColour colour);

// Appends what a Tick found due to an aggregate's events (the light change,
// then the rungs), and recomputed limits; Event is the aggregate's envelope.
template <class Event>
void AppendDue(SupervisionDue due, std::vector<Event>* events) {
  if (due.light.has_value())
    *events->emplace_back().mutable_light_changed() = *std::move(due.light);
  for (auto& r : due.rungs) *events->emplace_back().mutable_rung_raised() = std::move(r);
}
template <class Event>
void AppendRecomputed(std::vector<v1::SupervisionDeadlineRecomputed> recomputed,
                      std::vector<Event>* events) {
  for (auto& r : recomputed) *events->emplace_back().mutable_deadline_recomputed() = std::move(r);
}

// The three supervision commands of an aggregate whose one subject is its
// stream's own limit (a task, a problem), decided into its events: a rung
// raised by the office's hand on `subject` (with `ladder`), an answer (the
// latest open slip of the episode when none is named), a delisting. nullopt
// when `c` is none of them. Event is the aggregate's event envelope.
template <class Event, class Command>
std::optional<absl::StatusOr<std::vector<Event>>> DecideOwnLimitSupervision(
    const Command& c, const SupervisedSubject& subject, const SupervisionRungs& rungs,
    const v1::Ladder& ladder, const Principal& who, absl::Time at,
    const engine::WorkingDayCalendar& calendar) {
  std::vector<Event> events;
  absl::Status status;
  if (c.has_raise_rung()) {
    auto e = RaiseByHand(c.raise_rung(), subject, rungs, &ladder, who, at, calendar);
    if (e.ok()) *events.emplace_back().mutable_rung_raised() = *std::move(e);
    status = e.status();
  } else if (c.has_answer_rung()) {
    auto e = AnswerRung(c.answer_rung(), rungs, subject.id, subject.episode, who, at);
    if (e.ok()) *events.emplace_back().mutable_rung_answered() = *std::move(e);
    status = e.status();
  } else if (c.has_delist_rung()) {
    auto e = DelistRung(c.delist_rung(), rungs, who, at);
    if (e.ok()) *events.emplace_back().mutable_rung_delisted() = *std::move(e);
    status = e.status();
  } else {
    return std::nullopt;
  }
  if (!status.ok()) return absl::StatusOr<std::vector<Event>>(status);
  return absl::StatusOr<std::vector<Event>>(std::move(events));
}

template <class Envelope>
bool ApplyRungEvent(const Envelope& e, SupervisionRungs* rungs) {
  if (e.has_rung_raised()) {
    ApplyRaised(rungs, e.rung_raised());
  } else if (e.has_rung_answered()) {
    ApplyAnswered(rungs, e.rung_answered());
  } else if (e.has_rung_delisted()) {
    ApplyDelisted(rungs, e.rung_delisted());
  } else if (e.has_deadline_recomputed() && !e.deadline_recomputed().slip_number().empty()) {
    ApplyRectificationRecomputed(rungs, e.deadline_recomputed());
  } else {
    return false;
  }
  return true;
}

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_SUPERVISION_H_
