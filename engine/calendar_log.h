// CalendarLog: the working-day calendar as recorded in the event log.
//
// Every calendar year the server takes into use is an event in one stream,
// kCalendarStream ("calendar/cn"), of type kYearLoadedType, carrying the
// year's full data and its digest (v1::CalendarYearLoaded). The calendar the
// deadlines are computed on is built from that stream alone, so the same log
// gives the same calendar, and so the same deadlines and views, on any
// machine whatever calendar files it has. Calendar files are only input:
// Load and LoadAll append what is new.
//
// Rules of a load:
//   - a year not in the log yet is appended (a newly published notice);
//   - a year whose data has the digest already in use is a no-op (nothing is
//     appended: the same file loaded twice, or loaded again at every start);
//   - a year already in the log with another digest is an amendment: it is
//     refused (FAILED_PRECONDITION) unless the caller says `amend`, and then
//     appended with the digest it replaces.
// An append names, in its request id, the year, the new digest and the
// stream's version it follows, and expects exactly that version, so a retry
// writes nothing and a concurrent writer is refused (ABORTED) instead of
// interleaving.
//
// The stream's version (the number of calendar events) is the calendar's
// version as a whole: it grows with every change, never repeats, and is what
// a recompute's request id names (see workflows/ledger.cc).
//
// Thread-safety: every method may be called from any thread; loads are
// serialised by a mutex. calendar() returns an immutable snapshot.
#ifndef TAIZHANG_ENGINE_CALENDAR_LOG_H_
#define TAIZHANG_ENGINE_CALENDAR_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/calendar.h"
#include "store/event_log.h"
#include "taizhang/v1/calendar.pb.h"

namespace taizhang::engine {

inline constexpr char kCalendarStream[] = "calendar/cn";
inline constexpr char kYearLoadedType[] = "calendar.YearLoaded";

class CalendarLog {
 public:
  // Who loads and from where; recorded in the event.
  struct Source {
    std::string origin;  // a file name, without a directory
    std::string via;     // "policies" or "admin"
    std::string actor;   // the record's actor
  };

  // What a load did.
  struct Loaded {
    int year = 0;
    std::string digest;           // of the data now in use for the year
    std::string previous_digest;  // the version replaced; empty for a new year
    bool changed = false;         // false: the same data was in use, nothing appended
    bool amendment = false;
    uint64_t position = 0;  // of the event appended (0 if none)
    uint64_t version = 0;   // the calendar's version after the load
  };

  // Reads kCalendarStream from `log` (which must outlive this) and builds the
  // calendar. DATA_LOSS naming the position if an event does not decode or
  // its year is not a valid calendar.
  static absl::StatusOr<std::unique_ptr<CalendarLog>> Open(store::EventLog& log);

  // The calendar as the log has it now.
  std::shared_ptr<const WorkingDayCalendar> calendar() const;
  // The number of events in kCalendarStream.
  uint64_t version() const;

  // Takes `data` into use (see the rules above). INVALID_ARGUMENT if `data`
  // is not a valid year (check files with ParseCalendarYear first, for line
  // numbers); FAILED_PRECONDITION for an amendment without `amend`; the log's
  // error if the append fails. On error nothing changes.
  absl::StatusOr<Loaded> Load(const v1::CalendarYear& data, bool amend, const Source& source);

  // Loads every year of `files` (origin "cn-YYYY.textproto" each), in year
  // order. All are checked first: when one would be an amendment and `amend`
  // is false, FAILED_PRECONDITION names every such year and nothing is
  // appended. Returns the loads that changed something.
  absl::StatusOr<std::vector<Loaded>> LoadAll(const WorkingDayCalendar& files, bool amend,
                                              const Source& source);

 private:
  explicit CalendarLog(store::EventLog& log) : log_(log) {}

  absl::StatusOr<Loaded> LoadLocked(const v1::CalendarYear& data, bool amend, const Source& source)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::EventLog& log_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const WorkingDayCalendar> calendar_ ABSL_GUARDED_BY(mu_);
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_CALENDAR_LOG_H_
