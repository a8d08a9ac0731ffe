// WorkingDayCalendar: which civil days are working days (工作日) in mainland
// China, and arithmetic on working days.
//
// The data are one CalendarYear (proto/taizhang/v1/calendar.proto) per year,
// transcribed from the State Council's yearly holiday notice: inclusive ranges
// of days off and the weekend days made working (调休上班). A year with data
// follows them exactly; a year without data is assumed to have Monday–Friday
// working and every weekend off, and any result that depended on such a year
// is marked `provisional`, to be recomputed once the year is loaded.
//
// Days are absl::CivilDay in China time, which is fixed UTC+8 (no daylight
// saving since 1991), so a day D runs from StartOfDay(D) to StartOfDay(D + 1).
//
// Counting conventions (行政许可法: a period starts counting the day after the
// event that starts it):
//   - AddWorkingDays(start, n), n > 0: the n-th working day strictly after
//     `start`; `start` itself never counts, whether or not it is a working
//     day. n == 0 returns `start` unchanged.
//   - CountWorkingDays(from, to): the working days in the half-open interval
//     (from, to] when from <= to, and minus the working days in (to, from]
//     when to < from; so Count(a, b) == -Count(b, a), Count(a, a) == 0 and
//     Count(a, AddWorkingDays(a, n).day) == n.
//   - SubtractWorkingDays(due, n), n > 0: the n-th working day strictly before
//     `due`, counting back (the day "n working days before the limit").
//     n == 0 returns `due`.
//   - AddCalendarDays(start, n): start + n, rolled forward to the next working
//     day if that day is off (a period whose last day is a holiday ends on the
//     next working day).
//   - NextWorkingDay(d) / PreviousWorkingDay(d): d itself if it is a working
//     day, else the nearest working day after / before it.
// A negative n turns one into the other: AddWorkingDays(d, -n) ==
// SubtractWorkingDays(d, n), and AddCalendarDays(d, -n) rolls d - n forward.
//
// `provisional` is true when a day the answer depends on lies in a year
// without data: for AddWorkingDays the days in (start, result], for
// CountWorkingDays the days in the interval counted, for AddCalendarDays the
// days in [start + n, result], for Next/Previous the days between d and the
// result, for SubtractWorkingDays the days in [result, due).
//
// Cost: each year with data keeps a bitset and prefix counts of its working
// days, and weekday counts in years without data are closed-form, so
// CountWorkingDays and IsWorkingDay are O(log years) and the Add/Subtract
// operations O(log n · log years), independent of how far apart the days are
// (plus a check over each year spanned, for `provisional`).
//
// Versions: a year's data has a digest, the lower-case hex SHA-256 of its
// canonical text (CanonicalCalendarText): the region, the year, then in date
// order one line per weekday off ("off YYYY-MM-DD") and per weekend day made
// working ("work YYYY-MM-DD"). It covers exactly what decides which days are
// working days: names, sources and comments are not in it, and two files that
// list the same days differently (one range or two) have the same digest. A
// deadline names the versions of the years it was computed on (VersionOf).
//
// Thread-safety: const methods may be called concurrently. AddYear and SetYear
// mutate and must not run concurrently with anything else on the same object; a loaded
// calendar is meant to be immutable and shared (e.g. as
// std::shared_ptr<const WorkingDayCalendar>). To take a new year into use,
// copy the calendar, AddYear on the copy (or LoadDirectory again), and publish
// the copy.
#ifndef TAIZHANG_ENGINE_CALENDAR_H_
#define TAIZHANG_ENGINE_CALENDAR_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "taizhang/v1/calendar.pb.h"

namespace taizhang::engine {

// China Standard Time, UTC+8 without daylight saving.
absl::TimeZone ChinaTime();

// The instant day `day` begins in China time (00:00 +08:00).
absl::Time StartOfDay(absl::CivilDay day);

// The civil day, in China time, that contains instant `t`.
absl::CivilDay DayOf(absl::Time t);

// The civil day, in China time, of an instant recorded as Unix microseconds
// (as the log and the states keep their times).
absl::CivilDay DayOfMicros(int64_t us);

// Parses exactly "YYYY-MM-DD" (four-digit year 0001–9999, two-digit month and
// day, a date that exists). INVALID_ARGUMENT otherwise, quoting the text.
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text);

// Formats a day as "YYYY-MM-DD".
std::string FormatDate(absl::CivilDay day);

// A day computed by the calendar; provisional if it depended on a year without
// data.
struct DayResult {
  absl::CivilDay day;
  bool provisional = false;

  friend bool operator==(const DayResult&, const DayResult&) = default;
};

// A number of working days computed by the calendar; provisional as above.
struct CountResult {
  int64_t count = 0;
  bool provisional = false;

  friend bool operator==(const CountResult&, const CountResult&) = default;
};

// "2027-01-04" or "2027-01-04 (provisional)"; "12" or "12 (provisional)".
std::ostream& operator<<(std::ostream& os, const DayResult& result);
std::ostream& operator<<(std::ostream& os, const CountResult& result);

// Parses the text of one calendar file (`name` is used in errors) as a
// CalendarYear and checks it on its own: the text format, region "cn", and the
// checks of WorkingDayCalendar::AddYear; with `expected_year` > 0, also that
// the year is that one. INVALID_ARGUMENT "name:line:col: field: reason"
// otherwise (the line is given whenever the entry can be located).
absl::StatusOr<v1::CalendarYear> ParseCalendarYear(const std::string& name, const std::string& text,
                                                   int expected_year = 0);

// The canonical text of a year's data (see "Versions" above). `data` must be
// valid (as ParseCalendarYear or AddYear check); entries that are not are
// skipped.
std::string CanonicalCalendarText(const v1::CalendarYear& data);

// The lower-case hex SHA-256 of CanonicalCalendarText(data).
std::string CalendarDigest(const v1::CalendarYear& data);

class WorkingDayCalendar {
 public:
  // An empty calendar: no year has data, Monday–Friday are working days and
  // every result is provisional.
  WorkingDayCalendar() = default;

  // Loads every file named cn-YYYY.textproto in `dir` (other files are
  // ignored; a .textproto file starting "cn-" that does not match is refused
  // as misnamed). Each must parse as a CalendarYear with region "cn" and the
  // year of its name, and pass AddYear's checks. NOT_FOUND if `dir` cannot be
  // listed; INVALID_ARGUMENT naming the file, the line and the problem for a
  // bad file. Nothing is returned unless every file is good.
  static absl::StatusOr<WorkingDayCalendar> LoadDirectory(const std::string& dir);

  // Adds one year's data. `origin` (e.g. a file name) prefixes error messages.
  // Checks: the year is 1..9999 and the region is not empty (and equals the
  // region of the years already added); every date parses and lies in that
  // year; from <= to; off ranges do not overlap; a make-up working day is a
  // Saturday or Sunday, is listed once and is not inside an off range.
  // INVALID_ARGUMENT naming the entry and the problem on a bad year;
  // ALREADY_EXISTS if the year already has data. On error nothing changes.
  absl::Status AddYear(const v1::CalendarYear& year, absl::string_view origin = "");

  // As AddYear, but replaces the year's data if it has some (an amended
  // notice). On error nothing changes.
  absl::Status SetYear(const v1::CalendarYear& year, absl::string_view origin = "");

  // The digest of `year`'s data (see "Versions" above), or "" if it has none.
  std::string Digest(int year) const;

  // The versions of the years [first.year(), last.year()] (either order):
  // "cn-2019:<digest>" per year with data and "cn-2027:none" per year
  // without, joined by ",". What a deadline computed over those days used.
  std::string VersionOf(absl::CivilDay first, absl::CivilDay last) const;

  // Whether `year` has data.
  bool HasYear(int year) const { return years_.count(year) > 0; }

  // The years with data, ascending.
  std::vector<int> Years() const;

  // The data `year` was built from, or nullptr if it has none. Valid until the
  // calendar is modified or destroyed.
  const v1::CalendarYear* YearData(int year) const;

  // Whether `day` is a working day (by the data, or Monday–Friday for a year
  // without data).
  bool IsWorkingDay(absl::CivilDay day) const;

  // See the counting conventions at the top of this file.
  DayResult AddWorkingDays(absl::CivilDay start, int64_t n) const;
  DayResult SubtractWorkingDays(absl::CivilDay due, int64_t n) const;
  CountResult CountWorkingDays(absl::CivilDay from, absl::CivilDay to) const;
  DayResult AddCalendarDays(absl::CivilDay start, int64_t n) const;
  DayResult NextWorkingDay(absl::CivilDay day) const;
  DayResult PreviousWorkingDay(absl::CivilDay day) const;

 private:
  struct Year {
    v1::CalendarYear data;
    std::string digest;                // CalendarDigest(data)
    absl::CivilDay first_day;          // January 1
    int length = 0;                    // 365 or 366
    std::bitset<366> working;          // by day of year, 0-based
    std::array<uint16_t, 367> prefix;  // prefix[i]: working days among days [0, i)
    // Rank() of December 31 of the year before.
    int64_t rank_before = 0;
    // Sum over the years with data before this one of (working days by the
    // data - Monday–Friday days): how far Rank() is off a pure weekday count
    // in the years without data just before this one.
    int64_t adjustment_before = 0;
  };

  // Working days in (epoch, day] (negative before the epoch): the
  // monotonically non-decreasing rank every operation is built on.
  int64_t Rank(absl::CivilDay day) const;

  // The first day d in (lo, hi] with Rank(d) >= target, where
  // Rank(lo) < target <= Rank(hi) is required.
  absl::CivilDay FirstDayWithRank(int64_t target, absl::CivilDay lo, absl::CivilDay hi) const;

  // The first day d with Rank(d) >= target, searching forward from `after`
  // (Rank(after) < target required).
  absl::CivilDay SearchForward(int64_t target, absl::CivilDay after) const;

  // The first day d with Rank(d) >= target, searching backward from `at`
  // (Rank(at) >= target required).
  absl::CivilDay SearchBackward(int64_t target, absl::CivilDay at) const;

  // True if some day in [first, last] lies in a year without data; false if
  // the range is empty.
  bool TouchesMissingYear(absl::CivilDay first, absl::CivilDay last) const;

  std::map<int, Year> years_;
  std::string region_;
  int64_t total_adjustment_ = 0;  // adjustment after the last year with data
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_CALENDAR_H_
