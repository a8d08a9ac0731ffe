// The escalation ladder (督查督办): loading, validating and evaluating it.
//
// A ladder (proto/taizhang/v1/ladder.proto) is policy data: rungs in order,
// each with one trigger, its recipients by role and what it issues. The
// evaluator is generic: it knows nothing of what is late, only a LadderSubject
// (when the clock started, the limit, whether it is resolved, which rungs were
// raised and answered, and the lights of past periods). It turns
// (ladder, subject, now) into the rungs due and not yet raised; the caller
// records each as an event, once, and feeds it back in `raised`.
//
// Conventions (all days are civil days in China time, fixed UTC+8):
//   - `due` is the instant the limit expires: the subject is late from `due`
//     on. Its "last day" is the civil day containing the instant just before
//     `due` (for the usual due = 00:00 of the day after the last day to act,
//     that last day). Clock stops (补正 etc.) are already folded into `due`.
//   - Counting starts the day after (行政许可法): "N working days after t" is
//     the N-th working day strictly after t's day, and a rung counting N
//     whole working days from an instant is due at 00:00 of the day after
//     that N-th working day.
//   - share_of_limit_used p: with T the working days in (start's day, last
//     day] and k the least whole number >= p·T, due at 00:00 of the day after
//     the k-th working day after start's day; k == T is the limit itself
//     (`due`). With T == 0, start + p·(due − start).
//   - working_days_before_due N: due at 00:00 of the N-th working day
//     counting back from the last day, that day included (the day on which N
//     working days remain); never before `start`. N == 0 is `due`.
//   - days_overdue N: `due` + N·24h for calendar days; for working days, 00:00
//     of the day after the N-th working day after the last day. N == 0 is
//     `due`.
//   - previous_unanswered {R, N}: 00:00 of the day after the N-th working day
//     after the day R was raised (RaisedRung::raised_at), unless R was
//     answered by then. Equal to RectificationDue(R) when N is R's
//     rectification limit.
//   - consecutive_lights {L, K}: when the latest K periods were all L or
//     worse; due at the closing instant of the period that made the run K
//     long.
//
// Climbing. Rungs are climbed in order: a rung is due only when every earlier
// rung has been raised, or is due in the same evaluation, so a listing never
// precedes its notice. A rung's due_at is the later of its trigger's instant
// and the previous rung's raised_at (or due_at, if due in the same
// evaluation), so due_at never decreases along the ladder. A rung that counts
// from an earlier rung (previous_unanswered) is not due before that rung has
// been raised and fed back: the recipient's time starts when it is issued.
// Each rung is raised at most once per subject; a caller wanting a fresh climb
// after a recovery (e.g. a new episode of yellow lights) starts a new subject.
//
// State wins over history. A rung is due only while its cause still holds at
// `now`: nothing is due once the subject is resolved (a rung that fell due
// before the resolution but was never raised is not raised afterwards: the
// item is no longer late; its lateness stays on record in the subject's own
// history), a previous_unanswered rung is not due once the earlier rung was
// answered, and a consecutive_lights rung is not due once the run is broken.
// Facts stamped after `now` (resolved_at, answered_at, a period's closed_at)
// are treated as not yet having happened; raised rungs count as raised
// whatever their raised_at.
//
// Determinism. due_at is derived from the subject, the ladder and the working
// days only, never from `now`: evaluating again later (after a restart, say)
// gives the same instant, fit for a deterministic event id.
//
// Thread-safety: everything here is a pure function of its arguments and may
// be called concurrently; WorkingDays implementations must allow concurrent
// const calls.
#ifndef TAIZHANG_ENGINE_LADDER_H_
#define TAIZHANG_ENGINE_LADDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "taizhang/v1/common.pb.h"
#include "taizhang/v1/ladder.pb.h"

namespace taizhang::engine {

// Working-day arithmetic the ladder needs, on civil days in China time. The
// working-day calendar is adapted to it (dropping its `provisional` flag: a
// due_at computed on a provisional year changes when the year is loaded, and
// the caller re-evaluates then).
class WorkingDays {
 public:
  virtual ~WorkingDays() = default;

  // n > 0: the n-th working day strictly after `start` (`start` itself never
  // counts). n == 0: `start`.
  virtual absl::CivilDay AddWorkingDays(absl::CivilDay start, int64_t n) const = 0;

  // n > 0: the n-th working day strictly before `day`, counting back.
  // n == 0: `day`.
  virtual absl::CivilDay SubtractWorkingDays(absl::CivilDay day, int64_t n) const = 0;

  // The number of working days in (from, to]; 0 when to <= from.
  virtual int64_t CountWorkingDays(absl::CivilDay from, absl::CivilDay to) const = 0;
};

// Parses a ladder from text format and validates it. `name` (a file name)
// prefixes every error. INVALID_ARGUMENT on a parse error ("name:line:col:
// reason") or a rule broken ("name:line: rung 'id' (#i): reason", the line of
// the offending field or rung).
absl::StatusOr<v1::Ladder> ParseLadder(const std::string& name, const std::string& text);

// Reads the file at `path` and parses it as ParseLadder does, with `path` in
// errors. NOT_FOUND if the file cannot be read.
absl::StatusOr<v1::Ladder> LoadLadder(const std::string& path);

// Checks the rules a ladder must obey: a name; at least one rung; each rung
// with a well-formed id unique in the ladder, exactly one trigger with sound
// values (share in (0, 1]; counts >= 0; periods >= 1; a light of yellow or
// red; previous_unanswered naming an EARLIER rung), at least one recipient and
// no repeats, what it issues, and a rectification limit (> 0) for a
// supervision notice. All problems are reported, joined by "; ", as
// INVALID_ARGUMENT "name: rung 'id' (#i): reason" (no line numbers: the
// ladder did not come from text; ParseLadder adds them).
absl::Status ValidateLadder(const v1::Ladder& ladder, const std::string& name);

// A rung already raised for the subject, as recorded in its events.
struct RaisedRung {
  std::string rung_id;
  // When it was issued (recorded), which is when the recipient's time starts.
  absl::Time raised_at = absl::InfinitePast();
  bool answered = false;  // the recipient answered (rectification reported)
  absl::Time answered_at = absl::InfinitePast();
};

// The result of one period (e.g. a month) for a periodic subject.
struct PeriodLight {
  absl::Time closed_at = absl::InfinitePast();  // when the period's result was fixed
  v1::Light light = v1::LIGHT_UNSPECIFIED;
};

// What the evaluator needs to know about whatever is being supervised.
struct LadderSubject {
  // When its clock started (e.g. receipt); counting starts the next day.
  absl::Time start = absl::InfinitePast();
  // The limit as an instant (late from then on); none: time triggers never
  // fire.
  std::optional<absl::Time> due;
  bool resolved = false;
  absl::Time resolved_at = absl::InfinitePast();
  // Rungs raised so far, in any order; ids not in the ladder are ignored.
  std::vector<RaisedRung> raised;
  // Period results, oldest first (closed_at non-decreasing).
  std::vector<PeriodLight> lights;
};

// A rung that is due and has not been raised.
struct DueRung {
  int index = 0;        // position in ladder.rung()
  std::string rung_id;  // ladder.rung(index).id()
  absl::Time due_at;    // when it became due; <= now; independent of now

  friend bool operator==(const DueRung& a, const DueRung& b) {
    return a.index == b.index && a.rung_id == b.rung_id && a.due_at == b.due_at;
  }
};

// The rungs due by `now` and not yet raised, in ladder order (a prefix of the
// rungs not raised). Empty once the subject is resolved. `ladder` must have
// passed ValidateLadder (otherwise the result is unspecified but safe).
std::vector<DueRung> DueRungs(const v1::Ladder& ladder, const LadderSubject& subject,
                              absl::Time now, const WorkingDays& working_days);

// The earliest instant t > now at which DueRungs(ladder, subject, t) would
// return a rung that DueRungs(ladder, subject, now) does not, if the subject
// stays as it is: the instant to arm a timer for. nullopt when there is none:
// resolved, every rung raised, the ladder stopped by an answer or a broken run
// of lights (a later period may restart it: re-evaluate when a period closes),
// or the next rung counts from a rung that is due now but not yet raised
// (raise what DueRungs returns, feed it back, then ask again).
std::optional<absl::Time> NextTriggerAt(const v1::Ladder& ladder, const LadderSubject& subject,
                                        absl::Time now, const WorkingDays& working_days);

// When the rectification limit of `rung`, raised at `raised_at`, expires:
// 00:00 of the day after the rectification_working_days-th working day after
// the day it was raised. nullopt when the rung has no rectification limit.
std::optional<absl::Time> RectificationDue(const v1::Rung& rung, absl::Time raised_at,
                                           const WorkingDays& working_days);

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_LADDER_H_
