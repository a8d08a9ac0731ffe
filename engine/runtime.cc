#include "engine/runtime.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/checkpoint_record.h"

namespace taizhang::engine {

Runtime::Runtime(store::EventLog& log, Clock& clock, DeadlineScheduler::Handler handler,
                 DeadlineSchedulerOptions scheduler_options)
    : log_(log), clock_(clock), scheduler_(clock, std::move(handler), scheduler_options) {}

Runtime::~Runtime() { Stop(); }

absl::Status LogConsumer::Save(const Emit&) const {
  return absl::UnimplementedError("this consumer keeps no checkpoint");
}

absl::Status LogConsumer::Restore(std::string_view) {
  return absl::UnimplementedError("this consumer keeps no checkpoint");
}

void Runtime::AddConsumer(LogConsumer* consumer) { consumers_.push_back(consumer); }

namespace {

// A checkpoint's first record names its consumers, one per line, in order;
// each record after it is the index of its consumer (u32, big-endian) and
// what that consumer saved.
std::string Manifest(const std::vector<LogConsumer*>& consumers) {
  std::vector<std::string> names;
  for (const LogConsumer* c : consumers) names.push_back(c->CheckpointName());
  return absl::StrCat("consumers\n", absl::StrJoin(names, "\n"));
}

}  // namespace

bool Runtime::Checkpointable() const {
  if (checkpoints_.name.empty()) return false;
  for (const LogConsumer* c : consumers_) {
    if (c->CheckpointName().empty()) return false;
  }
  return true;
}

bool Runtime::RestoreCheckpoint() {
  const std::string manifest = Manifest(consumers_);
  bool first = true;
  uint64_t records = 0;
  absl::StatusOr<uint64_t> position =
      log_.ReadCheckpoint(checkpoints_.name, [&](std::string_view record) -> absl::Status {
        if (first) {
          first = false;
          if (record != manifest) {
            return absl::FailedPreconditionError(
                "it was written by other consumers, or in other forms, than this build's");
          }
          return absl::OkStatus();
        }
        ++records;
        RecordReader r(record);
        uint32_t index = 0;
        if (!r.U32(&index)) return absl::DataLossError("a record is malformed");
        if (index >= consumers_.size()) return absl::DataLossError("a record names no consumer");
        return consumers_[index]->Restore(r.rest());
      });
  absl::Status s = position.status();
  if (s.ok() && first) s = absl::DataLossError("it has no records");
  if (s.ok()) {
    for (LogConsumer* c : consumers_) {
      s = c->Restored();
      if (!s.ok()) break;
    }
  }
  absl::MutexLock l(&mu_);
  if (!s.ok()) {
    if (!absl::IsNotFound(s)) start_report_.checkpoint_refused = std::string(s.message());
    for (LogConsumer* c : consumers_) c->Clear();
    return false;
  }
  start_report_.checkpoint_position = *position;
  start_report_.checkpoint_records = records;
  applied_ = *position;
  checkpointed_ = *position;
  return true;
}

absl::Status Runtime::WriteCheckpoint() {
  absl::MutexLock serial(&consume_mu_);
  return WriteCheckpointLocked();
}

absl::Status Runtime::WriteCheckpointLocked() {
  // After a consumer's error some consumers hold an event the others do not.
  if (absl::Status s = status(); !s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the consumers stopped on an error: ", s.message()));
  }
  if (!Checkpointable()) {
    return absl::FailedPreconditionError(checkpoints_.name.empty()
                                             ? "checkpoints are off"
                                             : "a consumer of the log cannot be checkpointed");
  }
  const uint64_t position = applied();
  absl::Status written =
      log_.WriteCheckpoint(checkpoints_.name, position, [&](auto& sink) -> absl::Status {
        RETURN_IF_ERROR(sink.Add(Manifest(consumers_)));
        for (uint32_t i = 0; i < consumers_.size(); ++i) {
          RETURN_IF_ERROR(consumers_[i]->Save([&](std::string_view data) {
            RecordWriter record;
            record.U32(i).rest()->append(data);
            return sink.Add(record.bytes());
          }));
        }
        return absl::OkStatus();
      });
  absl::MutexLock l(&mu_);
  checkpoint_status_ = written;
  if (written.ok()) checkpointed_ = position;
  return written;
}

StartReport Runtime::start_report() const {
  absl::MutexLock l(&mu_);
  return start_report_;
}

absl::Status Runtime::checkpoint_status() const {
  absl::MutexLock l(&mu_);
  return checkpoint_status_;
}

uint64_t Runtime::checkpoint_position() const {
  absl::MutexLock l(&mu_);
  return checkpointed_;
}

absl::Status Runtime::CatchUp(bool replaying) {
  absl::MutexLock serial(&consume_mu_);
  uint64_t from = applied() + 1;
  absl::Status s = log_.Scan(from, [&](const store::RecordedEvent& e) -> absl::Status {
    absl::WriterMutexLock cut(&cut_mu_);
    for (LogConsumer* c : consumers_) {
      absl::Status cs = c->OnEvent(e, replaying);
      if (!cs.ok()) {
        return absl::Status(cs.code(),
                            absl::StrCat("position ", e.record.position(), ": ", cs.message()));
      }
    }
    absl::MutexLock l(&mu_);
    applied_ = e.record.position();
    if (replaying) ++start_report_.replayed;
    return absl::OkStatus();
  });
  if (!s.ok()) {
    absl::MutexLock l(&mu_);
    status_ = s;
  }
  return s;
}

absl::Status Runtime::Start() {
  {
    absl::MutexLock l(&mu_);
    stop_ = false;
    start_report_ = StartReport();
  }
  if (applied() == 0 && Checkpointable()) RestoreCheckpoint();
  absl::Status replayed = CatchUp(/*replaying=*/true);
  if (!replayed.ok()) return replayed;
  absl::Status s = scheduler_.Start();
  if (!s.ok()) return s;
  follower_ = std::thread([this] { Follow(); });
  return absl::OkStatus();
}

void Runtime::Follow() {
  uint64_t failed_at = 0;  // where the last checkpoint that failed was tried
  for (;;) {
    uint64_t seen = applied();
    {
      absl::MutexLock l(&mu_);
      if (stop_ || !status_.ok()) return;
    }
    uint64_t head = log_.WaitForPosition(seen, absl::Milliseconds(200));
    {
      absl::MutexLock l(&mu_);
      if (stop_) return;
    }
    if (head > seen && !CatchUp(/*replaying=*/false).ok()) return;
    if (checkpoints_.every > 0 && Checkpointable() &&
        applied() >= std::max(checkpoint_position(), failed_at) + checkpoints_.every) {
      // A failed checkpoint costs only a longer replay at the next start
      // (checkpoint_status() says why); the next is tried after as many
      // events again.
      absl::MutexLock serial(&consume_mu_);
      if (!WriteCheckpointLocked().ok()) failed_at = applied();
    }
  }
}

void Runtime::Stop() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  const bool was_running = follower_.joinable();
  if (was_running) follower_.join();
  scheduler_.Stop();
  if (was_running && checkpoints_.at_stop && Checkpointable() && status().ok() &&
      applied() > checkpoint_position()) {
    absl::MutexLock serial(&consume_mu_);
    (void)WriteCheckpointLocked();
  }
}

bool Runtime::WaitForApplied(uint64_t position, absl::Duration timeout) {
  absl::MutexLock l(&mu_);
  auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return applied_ >= position || !status_.ok();
  };
  mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  return applied_ >= position;
}

void Runtime::Quiesce() {
  for (int round = 0; round < 1000; ++round) {
    uint64_t head = log_.HeadPosition();
    if (!WaitForApplied(head)) return;
    scheduler_.WaitIdle();
    if (log_.HeadPosition() == head && applied() == head) {
      // Consuming may have armed deadlines that are already due.
      scheduler_.WaitIdle();
      if (log_.HeadPosition() == head) return;
    }
  }
}

uint64_t Runtime::applied() const {
  absl::MutexLock l(&mu_);
  return applied_;
}

uint64_t Runtime::ReadAtApplied(absl::FunctionRef<void()> read) const {
  absl::ReaderMutexLock cut(&cut_mu_);
  read();
  return applied();
}

absl::Status Runtime::status() const {
  absl::MutexLock l(&mu_);
  return status_;
}

}  // namespace taizhang::engine
