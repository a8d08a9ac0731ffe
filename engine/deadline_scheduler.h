// DeadlineScheduler: turns due instants into calls of a handler, once each.
//
// The owner (the engine) keeps one DeadlineScheduler per log. At start it
// replays the log, calls Set for every deadline still pending, then Start();
// anything already due fires at once. While running, whoever changes a
// deadline calls Set (add or move) or Remove, from any thread.
//
// Firing. When the clock reaches a deadline's due instant, the handler is
// called with (key, due). The owner's handler appends the due event through the
// log with the request id DeadlineRequestId(key, due); the log's idempotency
// makes a second firing of the same (key, due) a harmless duplicate, which is
// what makes a deadline fire exactly once across crashes and restarts:
//   - the process dies after the append but before the scheduler knows: on
//     restart the replayed state no longer has the deadline pending (or, if it
//     does, the append comes back as a duplicate and writes nothing);
//   - the handler returns an error: the deadline is kept and retried.
// A handler returns OK once the due event is durable (or was already there, or
// is no longer wanted); the deadline is then forgotten. Anything else is a
// failure: the deadline is kept, counted in failures, and retried on the clock
// after a backoff (initial_retry_backoff, doubling up to max_retry_backoff),
// always with the same (key, due).
//
// Never early: a deadline is handed to the handler only when its due instant
// is at or before clock.Now(), read just before the call. Lateness, the clock's
// Now() at the call minus due, is measured for every firing (stats()).
//
// No starvation. The clock's timer callback only wakes the firing thread(s);
// it never runs a handler, so ManualClock::Advance and the system clock's timer
// thread return at once. The firing threads take due deadlines in batches of
// at most batch_size, drop the scheduler's lock while calling handlers, and
// yield between batches, so Set/Remove and the log appends of commands
// interleave with a large backlog instead of waiting for it to drain: the
// scheduler's lock is held at most for taking one batch (batch_size pops).
//
// One clock timer is armed at a time, for the earliest due instant (or retry).
//
// Races. A Set or Remove of a key whose firing is already under way cannot
// stop that firing; it does stop a retry of it. Handlers must tolerate a due
// event for a deadline the state no longer has (the aggregate ignores it).
//
// Keys are opaque bytes, 1 to kMaxKeyBytes long. Due instants are kept to the
// microsecond, rounded up (see DeadlineIndex).
//
// Thread-safety: every method may be called from any thread, except that the
// handler must not call Stop() or destroy the scheduler. The handler may call
// Set/Remove. With several firing threads, handlers run concurrently (for
// different keys) and the order of firing across threads is not defined.
#ifndef TAIZHANG_ENGINE_DEADLINE_SCHEDULER_H_
#define TAIZHANG_ENGINE_DEADLINE_SCHEDULER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "engine/deadline_index.h"

namespace taizhang::engine {

// The request id under which the due event of (key, due) is appended:
// "deadline:<key>@<due in Unix microseconds, rounded up>". Stable forever: it
// is stored in the log, and a replay after a restart must produce the same id.
// At most 9 + kMaxKeyBytes + 1 + 20 = 230 bytes (the log allows 256).
std::string DeadlineRequestId(absl::string_view key, absl::Time due);

struct DeadlineSchedulerOptions {
  // Most deadlines handled per batch before the lock is retaken and the
  // thread yields.
  size_t batch_size = 256;
  // Threads calling the handler.
  int firing_threads = 1;
  // Retry after a failed handler: initial delay, doubled per failure, capped.
  absl::Duration initial_retry_backoff = absl::Seconds(1);
  absl::Duration max_retry_backoff = absl::Minutes(5);
};

struct DeadlineSchedulerStats {
  uint64_t fired = 0;            // handler calls that returned OK
  uint64_t failures = 0;         // handler calls that returned an error
  size_t pending = 0;            // set and not yet fired (waiting, retrying, in flight)
  size_t retrying = 0;           // of pending, those waiting for a retry
  absl::Duration last_lateness;  // Now() - due at the latest handler call
  absl::Duration max_lateness;   // the largest such lateness so far
};

class DeadlineScheduler {
 public:
  // Called with a due deadline; see the file comment for what OK means.
  using Handler = std::function<absl::Status(const std::string& key, absl::Time due)>;

  static constexpr size_t kMaxKeyBytes = 200;

  // `clock` is not owned and must outlive the scheduler.
  DeadlineScheduler(Clock& clock, Handler handler, DeadlineSchedulerOptions options = {});
  DeadlineScheduler(const DeadlineScheduler&) = delete;
  DeadlineScheduler& operator=(const DeadlineScheduler&) = delete;
  // Stops (see Stop).
  ~DeadlineScheduler();

  // Starts the firing threads and arms the clock timer; deadlines already due
  // fire at once. FAILED_PRECONDITION if already running; INVALID_ARGUMENT for
  // options out of range.
  absl::Status Start();

  // Stops firing: disarms the timer, lets each firing thread finish the batch
  // it holds, and joins them. Pending deadlines are kept; Start may be called
  // again. A no-op when not running.
  void Stop();

  // Adds `key` due at `due`, or moves it there. Allowed before Start (the
  // rebuild). A pending retry of the key is dropped. INVALID_ARGUMENT for an
  // empty key or one longer than kMaxKeyBytes.
  absl::Status Set(absl::string_view key, absl::Time due);

  // Removes `key`; returns false when it was not pending.
  bool Remove(absl::string_view key);

  // The due instant of a pending (waiting or retrying) `key`.
  std::optional<absl::Time> Find(absl::string_view key) const;

  // Blocks until nothing is due at the clock's current instant and no handler
  // is running: every deadline due by now has fired or failed and waits for
  // its retry. Returns at once when not running. For tests with ManualClock:
  //   clock.Advance(d); scheduler.WaitIdle();  // all that fell due is handled
  // (With a system clock, "due" means its timer has fired.) Never returns if
  // deadlines keep falling due faster than they are handled.
  void WaitIdle();

  DeadlineSchedulerStats stats() const;

 private:
  // A deadline whose handler failed: due kept for the request id.
  struct Retry {
    absl::Time due;
    int attempts = 0;
  };
  // Firings of a key under way, and when a Set/Remove last superseded them.
  struct InFlight {
    int count = 0;
    uint64_t forgotten_at = 0;  // value of forget_seq_ at the last Set/Remove
  };
  // One deadline taken by a firing thread.
  struct Firing {
    Deadline deadline;
    int attempts = 0;  // failures so far
  };
  // The timer callback's route back to the scheduler; outlives it if a timer
  // callback is under way when the scheduler is destroyed.
  struct TimerTarget;

  void FiringLoop();
  // Takes up to batch_size deadlines due at `now`: retries first, then the
  // waiting ones in (due, key) order. Marks them in flight.
  std::vector<Firing> TakeDueLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records the outcome of one firing taken when forget_seq_ was `taken_at`.
  // `called` is false when the handler was not called (the clock went back).
  void FinishLocked(Firing& f, uint64_t taken_at, bool called, absl::Time now,
                    const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Wakes the firing threads if something is due, else keeps exactly one
  // timer armed for the earliest instant.
  void RearmLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnTimer(uint64_t timer_seq);
  // Drops a key's retry and supersedes a firing of it under way. Returns true
  // when a retry was dropped.
  bool ForgetLocked(absl::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration BackoffFor(int attempts) const;
  bool IdleLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  Clock& clock_;
  const Handler handler_;
  const DeadlineSchedulerOptions options_;
  std::shared_ptr<TimerTarget> timer_target_;

  mutable absl::Mutex mu_;
  DeadlineIndex waiting_ ABSL_GUARDED_BY(mu_);
  // Retries, ordered by the instant of the next attempt, and their state.
  DeadlineIndex retry_at_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Retry> retries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, InFlight> in_flight_ ABSL_GUARDED_BY(mu_);

  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Something may be due: the firing threads look until they find nothing.
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  // Firing threads between taking a batch and recording its outcome.
  int busy_threads_ ABSL_GUARDED_BY(mu_) = 0;
  size_t in_flight_total_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t forget_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // The armed timer: its clock id, instant, and our sequence number for it
  // (a callback carrying an older number is stale).
  std::optional<Clock::TimerId> timer_ ABSL_GUARDED_BY(mu_);
  absl::Time timer_at_ ABSL_GUARDED_BY(mu_);
  uint64_t timer_seq_ ABSL_GUARDED_BY(mu_) = 0;

  uint64_t fired_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration last_lateness_ ABSL_GUARDED_BY(mu_);
  absl::Duration max_lateness_ ABSL_GUARDED_BY(mu_);

  std::vector<std::thread> threads_;  // touched only by Start/Stop
  absl::Mutex lifecycle_mu_;          // serialises Start/Stop
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_DEADLINE_SCHEDULER_H_
