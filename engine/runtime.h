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
// Checkpoints. With checkpoints on (set_checkpoints) and every consumer able
// to save its state (LogConsumer::CheckpointName), the runtime writes the
// consumers' state beside the log (EventLog::WriteCheckpoint) every so many
// events and when it stops, and Start() restores the latest one and replays
// only the events after it. A checkpoint is used only when it stands on this
// log (the store checks the chain hash at its position), was written by the
// same consumers in the same forms (their names), and reads back whole;
// otherwise the consumers are cleared and the whole log is replayed, and
// start_report() says why. Restoring and then replaying the tail gives the
// consumers exactly the state a replay of the whole log gives.
//
// Thread-safety: AddConsumer before Start; everything else from any thread.
#ifndef TAIZHANG_ENGINE_RUNTIME_H_
#define TAIZHANG_ENGINE_RUNTIME_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
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

  // Checkpoints (see the file comment). A consumer that can save what it
  // keeps names the form it saves in; the name must change whenever what
  // Save writes changes meaning (a state schema, an encoding), so that an
  // old checkpoint is never read as a new one. A consumer that keeps nothing
  // between events names itself and saves nothing. "" (the default): this
  // consumer cannot be checkpointed, so the runtime takes none.
  virtual std::string CheckpointName() const { return ""; }
  // Writes everything it keeps as records, through `emit`, in an order
  // Restore accepts. Called between events (none is being consumed).
  using Emit = std::function<absl::Status(std::string_view record)>;
  virtual absl::Status Save(const Emit& emit) const;
  // At Start, before any event: each record Save wrote, in order.
  virtual absl::Status Restore(std::string_view record);
  // After the last Restore, before the events after the checkpoint (e.g. to
  // arm the timers of the restored states).
  virtual absl::Status Restored() { return absl::OkStatus(); }
  // Forgets whatever Restore took: the checkpoint failed part-way, and the
  // whole log is replayed instead.
  virtual void Clear() {}
};

struct CheckpointOptions {
  // Under which name the checkpoints are kept in the log; "": none.
  std::string name;
  // A checkpoint is written once this many events have been consumed since
  // the last one (0: only when the runtime stops).
  uint64_t every = 100'000;
  // Written when the runtime stops, if anything was consumed since the last.
  bool at_stop = true;
};

// How Start() rebuilt the consumers.
struct StartReport {
  uint64_t checkpoint_position = 0;  // the checkpoint restored; 0: none
  uint64_t checkpoint_records = 0;   // its records
  // Why a checkpoint that was found was not used ("" when one was used,
  // or none was found, or checkpoints are off).
  std::string checkpoint_refused;
  uint64_t replayed = 0;  // events consumed after it (all of them without one)
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
  // Only before Start.
  void set_checkpoints(CheckpointOptions options) { checkpoints_ = std::move(options); }

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

  // Writes a checkpoint of the consumers at the position they have applied
  // now (waits for any event being consumed). FAILED_PRECONDITION when
  // checkpoints are off or a consumer cannot be checkpointed. Any thread.
  absl::Status WriteCheckpoint();
  // What the last Start() did.
  StartReport start_report() const;
  // The position of the last checkpoint written or restored (0: none).
  uint64_t checkpoint_position() const;
  // How the last attempt to write a checkpoint went (OK before any).
  absl::Status checkpoint_status() const;

 private:
  absl::Status CatchUp(bool replaying);
  void Follow();
  bool Checkpointable() const;
  // Restores the latest checkpoint into the consumers; false (and the
  // consumers cleared, the reason in start_report_) when there is none that
  // can be used.
  bool RestoreCheckpoint();
  absl::Status WriteCheckpointLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(consume_mu_);

  store::EventLog& log_;
  Clock& clock_;
  DeadlineScheduler scheduler_;
  std::vector<LogConsumer*> consumers_;
  CheckpointOptions checkpoints_;
  absl::Mutex consume_mu_;  // one CatchUp (or checkpoint) at a time
  // Held (writer) while one event is consumed and applied_ moved past it;
  // (reader) by ReadAtApplied.
  mutable absl::Mutex cut_mu_;

  mutable absl::Mutex mu_;
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  StartReport start_report_ ABSL_GUARDED_BY(mu_);
  uint64_t checkpointed_ ABSL_GUARDED_BY(mu_) = 0;  // position of the last checkpoint
  absl::Status checkpoint_status_ ABSL_GUARDED_BY(mu_);
  std::thread follower_;
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_RUNTIME_H_
