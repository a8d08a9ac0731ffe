// Runtime: follows the log in position order and feeds every event to the
// registered consumers (projections, reactions), and owns the deadline
// scheduler whose timers the consumers arm.
//
// Start() replays the whole log through the consumers synchronously (so the
// read models and the pending deadlines are rebuilt before anything is
// served), starts the scheduler (deadlines already due fire at once), then
// follows new positions on a thread of its own, woken by the log (no polling).
//
// Consumers are called from one thread at a time, in position order, each
// event exactly once per Runtime. A consumer's error stops the follower and is
// reported by status(); corruption in the log does the same, naming the
// position.
//
// Thread-safety: AddConsumer before Start; everything else from any thread.
#ifndef TAIZHANG_ENGINE_RUNTIME_H_
#define TAIZHANG_ENGINE_RUNTIME_H_

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "engine/deadline_scheduler.h"
#include "store/event_log.h"

namespace taizhang::engine {

class LogConsumer {
 public:
  virtual ~LogConsumer() = default;
  // Called once per event, in position order. `replaying` is true during
  // Start()'s catch-up (consumers that react to events, rather than just
  // project them, may skip reactions the log already shows were done).
  virtual absl::Status OnEvent(const store::RecordedEvent& event, bool replaying) = 0;
};

class Runtime {
 public:
  // `log` and `clock` must outlive the runtime. `handler` is the deadline
  // scheduler's (see deadline_scheduler.h).
  Runtime(store::EventLog& log, Clock& clock, DeadlineScheduler::Handler handler,
          DeadlineSchedulerOptions scheduler_options = {});
  ~Runtime();

  // Not owned; must outlive the runtime. Only before Start.
  void AddConsumer(LogConsumer* consumer);

  absl::Status Start();
  void Stop();

  // Blocks until every event up to `position` has been consumed, or the
  // timeout passes. Returns false on timeout or when the follower has failed.
  bool WaitForApplied(uint64_t position, absl::Duration timeout = absl::Seconds(30));

  // Waits until the consumers have caught up with the log's head and the
  // scheduler has handled everything due now, repeatedly, until both are quiet.
  // For tests and demos driving a ManualClock.
  void Quiesce();

  uint64_t applied() const;

  // Runs `read` while no event is being consumed and returns the position
  // the consumers had applied then: what `read` sees of the consumers'
  // state (the projections) is the log through exactly that position,
  // nothing less, nothing more. Consuming waits meanwhile, so `read` should
  // copy what it needs and return; it must not wait for the log, nor be
  // called from a consumer. Readers do not exclude one another.
  uint64_t ReadAtApplied(absl::FunctionRef<void()> read) const;

  absl::Status status() const;
  DeadlineScheduler& scheduler() { return scheduler_; }

 private:
  absl::Status CatchUp(bool replaying);
  void Follow();

  store::EventLog& log_;
  Clock& clock_;
  DeadlineScheduler scheduler_;
  std::vector<LogConsumer*> consumers_;
  absl::Mutex consume_mu_;  // one CatchUp at a time
  // Held (writer) while one event is consumed and applied_ moved past it;
  // (reader) by ReadAtApplied.
  mutable absl::Mutex cut_mu_;

  mutable absl::Mutex mu_;
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread follower_;
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_RUNTIME_H_
