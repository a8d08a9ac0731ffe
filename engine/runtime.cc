#include "engine/runtime.h"

#include "absl/strings/str_cat.h"

namespace taizhang::engine {

Runtime::Runtime(store::EventLog& log, Clock& clock, DeadlineScheduler::Handler handler,
                 DeadlineSchedulerOptions scheduler_options)
    : log_(log), clock_(clock), scheduler_(clock, std::move(handler), scheduler_options) {}

Runtime::~Runtime() { Stop(); }

void Runtime::AddConsumer(LogConsumer* consumer) { consumers_.push_back(consumer); }

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
  }
  absl::Status replayed = CatchUp(/*replaying=*/true);
  if (!replayed.ok()) return replayed;
  absl::Status s = scheduler_.Start();
  if (!s.ok()) return s;
  follower_ = std::thread([this] { Follow(); });
  return absl::OkStatus();
}

void Runtime::Follow() {
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
  }
}

void Runtime::Stop() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  if (follower_.joinable()) follower_.join();
  scheduler_.Stop();
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
