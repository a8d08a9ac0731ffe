// Clock: the only source of "now" in Taizhang.
//
// Nothing outside a Clock implementation reads the time. Code that needs the
// current instant or a callback at a future instant takes a Clock& (not owned;
// the clock must outlive its users).
//
// Two implementations:
//   - NewSystemClock(): wall time; timers fire on a background thread.
//   - ManualClock: time moves only when a test or a demo calls Advance/Set;
//     timers that fall due fire synchronously inside that call, in due order,
//     so no test ever sleeps.
//
// Thread-safety: all methods may be called from any thread. Timer callbacks run
// without the clock's lock held, so a callback may schedule or cancel timers.
#ifndef TAIZHANG_BASE_CLOCK_H_
#define TAIZHANG_BASE_CLOCK_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace taizhang {

class Clock {
 public:
  using TimerId = uint64_t;

  virtual ~Clock() = default;

  // The current wall-clock instant (what is recorded in events).
  virtual absl::Time Now() const = 0;

  // A monotonic reading for measuring intervals; never goes back.
  virtual absl::Duration Monotonic() const = 0;

  // Calls `fn` once, at or after `when` (never before). Returns an id for
  // Cancel. A `when` in the past fires as soon as possible.
  virtual TimerId ScheduleAt(absl::Time when, std::function<void()> fn) = 0;

  // Cancels a timer that has not fired yet; a no-op otherwise.
  virtual void Cancel(TimerId id) = 0;

  // Microseconds since the Unix epoch of Now(), as stored in records.
  int64_t NowMicros() const { return absl::ToUnixMicros(Now()); }
};

// Wall time, with one background thread for timers. Never returns null.
std::unique_ptr<Clock> NewSystemClock();

// A process-wide system clock, made on first use and never destroyed: for
// measuring real intervals (a child process's timeout, a rebuild's pacing)
// where the server's own clock may be a manual one that stands still.
Clock& SharedSystemClock();

// A clock that moves only when told to. Starts at `start`.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start);

  absl::Time Now() const override;
  absl::Duration Monotonic() const override;
  TimerId ScheduleAt(absl::Time when, std::function<void()> fn) override;
  void Cancel(TimerId id) override;

  // Moves time forward by `d` (>= 0), firing every timer due by the new time,
  // in order of due instant; Now() during a callback is that timer's due
  // instant, so work done by a timer is stamped when it fell due.
  //
  // `after_each`, when set, runs after each callback with Now() still at that
  // timer's due instant. A timer that only hands work to another thread (the
  // deadline scheduler's wakes its firing threads) needs it: `after_each`
  // waits for that work, so it too is done and stamped when it fell due, and
  // the timers it sets in turn fire in order, before time moves on.
  void Advance(absl::Duration d, const std::function<void()>& after_each = nullptr);

  // Moves time to `t`; a `t` before Now() is ignored (time never goes back).
  void AdvanceTo(absl::Time t, const std::function<void()>& after_each = nullptr);

  // Number of timers waiting.
  size_t PendingTimers() const;

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  absl::Time start_;
  TimerId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // (due, id) -> callback; ids break ties in scheduling order.
  std::map<std::pair<absl::Time, TimerId>, std::function<void()>> timers_ ABSL_GUARDED_BY(mu_);
  absl::Mutex advance_mu_;  // serialises Advance calls
};

}  // namespace taizhang

#endif  // TAIZHANG_BASE_CLOCK_H_
