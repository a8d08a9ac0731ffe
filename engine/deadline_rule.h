// Deadline arithmetic: due dates from rules (v1::DeadlineRule), moved by
// suspensions of the clock and by extensions, on a WorkingDayCalendar.
//
// Everything here is a pure function of its arguments and the (immutable)
// calendar: no clock is read, so replaying the same facts on the same calendar
// gives the same dates, and re-running them after a year is loaded turns
// provisional dates into final ones. Safe to call from any thread.
//
// Conventions (see engine/calendar.h for the day arithmetic):
//   - A due date is the last day on which acting is on time ("by day D"). It
//     becomes overdue at DueInstant(D): 00:00 China time (+08:00) on D + 1.
//   - Counting starts the day after the start day (行政许可法: the day of
//     receipt does not count), for working and calendar days alike.
//   - WORKING_DAYS n: the n-th working day after the start day (n == 0: the
//     start day itself).
//   - CALENDAR_DAYS n: start + n; if that day is off it rolls to the next
//     working day (a period whose last day is a holiday ends on the first
//     working day after it).
//   - FIXED_DATE: the date as written, even on a day off. The rolling rule is
//     about the last day of a period counted in days; a date named by a
//     document ("by 15 July") is the date the document set, and moving it is
//     the issuing authority's decision (an extension), not the engine's.
//   - NONE: no due date.
//   - A suspension (中止: 补正, expert review, hearing, 容缺 hold) from day S
//     to day R (R: the day the clock resumes from, e.g. the day the corrected
//     file arrives) does not count the working days in (S, R]: counting
//     resumes the day after R, and the due date moves later by exactly that
//     many working days. Day S itself counted (the clock ran on it).
//   - An extension (延长) of n working days moves the due date n working days
//     later (20 working days + 10 == 30 working days from the start).
#ifndef TAIZHANG_ENGINE_DEADLINE_RULE_H_
#define TAIZHANG_ENGINE_DEADLINE_RULE_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/calendar.h"
#include "taizhang/v1/calendar.pb.h"

namespace taizhang::engine {

// INVALID_ARGUMENT if `rule` cannot be computed: kind unspecified or unknown,
// a negative n, a fixed date that does not parse, or fields that contradict the
// kind (a fixed date on a counted rule, n on a FIXED_DATE or NONE rule).
absl::Status ValidateRule(const v1::DeadlineRule& rule);

// The due date of `rule` counted from `start` (the day of receipt, acceptance
// or whatever starts the clock). nullopt for NONE. INVALID_ARGUMENT as
// ValidateRule. A FIXED_DATE result is never provisional.
absl::StatusOr<std::optional<DayResult>> ComputeDue(const v1::DeadlineRule& rule,
                                                    absl::CivilDay start,
                                                    const WorkingDayCalendar& calendar);

// A suspension of the clock: it stopped after `from` and resumes counting
// the day after `to` (from <= to).
struct Suspension {
  absl::CivilDay from;
  absl::CivilDay to;
};

// The result of moving a due date by a suspension.
struct SuspendedDue {
  DayResult due;                   // the new due date
  int64_t suspended_working_days;  // working days in (from, to], by which it moved
};

// Moves `due` later by the working days in (suspended_on, resumed_on]: the
// clock stopped after `suspended_on` and counts again from the day after
// `resumed_on`. INVALID_ARGUMENT if resumed_on < suspended_on. The result is
// provisional if `due` was, or if counting or moving touched a year without
// data.
absl::StatusOr<SuspendedDue> ExtendBySuspension(const DayResult& due, absl::CivilDay suspended_on,
                                                absl::CivilDay resumed_on,
                                                const WorkingDayCalendar& calendar);

// Moves `due` later by `n` working days (an approved extension). n >= 0;
// INVALID_ARGUMENT otherwise. Provisional as above.
absl::StatusOr<DayResult> ExtendByWorkingDays(const DayResult& due, int n,
                                              const WorkingDayCalendar& calendar);

// The instant a limit "by day `due`" is overdue: 00:00 China time on due + 1.
absl::Time DueInstant(absl::CivilDay due);

// The whole computation from its facts, as stored: the rule from `start`,
// then each suspension in the order given, then the extension. For NONE only
// rule and start_date are filled. INVALID_ARGUMENT on a bad rule, suspension
// or a negative extension.
absl::StatusOr<v1::ComputedDeadline> ComputeDeadline(const v1::DeadlineRule& rule,
                                                     absl::CivilDay start,
                                                     absl::Span<const Suspension> suspensions,
                                                     int extension_working_days,
                                                     const WorkingDayCalendar& calendar);

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_DEADLINE_RULE_H_
