#include "engine/deadline_scheduler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace taizhang::engine {
struct DeadlineScheduler::TimerTarget {
  absl::Mutex mu;
  DeadlineScheduler* scheduler ABSL_GUARDED_BY(mu);
};

std::string DeadlineRequestId(absl::string_view key, absl::Time due) {
  return absl::StrCat("deadline:", key, "@", DeadlineIndex::ToDueMicros(due));
}

DeadlineScheduler::DeadlineScheduler(Clock& clock, Handler handler,
                                     DeadlineSchedulerOptions options)
    : clock_(clock),
      handler_(std::move(handler)),
      options_(options),
      timer_target_(std::make_shared<TimerTarget>()) {
  absl::MutexLock l(&timer_target_->mu);
  timer_target_->scheduler = this;
}

DeadlineScheduler::~DeadlineScheduler() {
  Stop();
  // Waits for a timer callback under way, and turns later ones into no-ops.
  absl::MutexLock l(&timer_target_->mu);
  timer_target_->scheduler = nullptr;
}

absl::Status DeadlineScheduler::Start() {
  if (options_.batch_size == 0 || options_.firing_threads < 1 ||
      options_.initial_retry_backoff <= absl::ZeroDuration() ||
      options_.max_retry_backoff < options_.initial_retry_backoff) {
    return absl::InvalidArgumentError(
        "deadline scheduler options: batch_size and firing_threads must be at least 1, and "
        "0 < initial_retry_backoff <= max_retry_backoff");
  }
  absl::MutexLock lifecycle(&lifecycle_mu_);
  {
    absl::MutexLock l(&mu_);
    if (running_) return absl::FailedPreconditionError("deadline scheduler already running");
    running_ = true;
    stopping_ = false;
    RearmLocked();
  }
  for (int i = 0; i < options_.firing_threads; ++i) {
    threads_.emplace_back([this] { FiringLoop(); });
  }
  return absl::OkStatus();
}

void DeadlineScheduler::Stop() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  {
    absl::MutexLock l(&mu_);
    if (!running_) return;
    stopping_ = true;
    if (timer_.has_value()) {
      clock_.Cancel(*timer_);
      timer_.reset();
    }
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  absl::MutexLock l(&mu_);
  running_ = false;
  stopping_ = false;
  wake_ = false;
}

absl::Status DeadlineScheduler::Set(absl::string_view key, absl::Time due) {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("deadline key must be 1 to ", kMaxKeyBytes, " bytes long, got ", key.size()));
  }
  absl::MutexLock l(&mu_);
  ForgetLocked(key);
  waiting_.Set(key, due);
  RearmLocked();
  return absl::OkStatus();
}

bool DeadlineScheduler::Remove(absl::string_view key) {
  absl::MutexLock l(&mu_);
  bool removed = ForgetLocked(key);
  removed = waiting_.Remove(key) || removed;
  if (removed) RearmLocked();
  return removed;
}

std::optional<absl::Time> DeadlineScheduler::Find(absl::string_view key) const {
  absl::MutexLock l(&mu_);
  if (auto due = waiting_.Find(key)) return due;
  auto it = retries_.find(key);
  if (it != retries_.end()) return it->second.due;
  return std::nullopt;
}

bool DeadlineScheduler::IdleLocked() const {
  return !running_ || stopping_ || (!wake_ && busy_threads_ == 0);
}

void DeadlineScheduler::WaitIdle() {
  absl::MutexLock l(&mu_);
  mu_.Await(absl::Condition(this, &DeadlineScheduler::IdleLocked));
}

DeadlineSchedulerStats DeadlineScheduler::stats() const {
  absl::MutexLock l(&mu_);
  DeadlineSchedulerStats s;
  s.fired = fired_;
  s.failures = failures_;
  s.retrying = retries_.size();
  s.pending = waiting_.size() + retries_.size() + in_flight_total_;
  s.last_lateness = last_lateness_;
  s.max_lateness = max_lateness_;
  return s;
}

bool DeadlineScheduler::ForgetLocked(absl::string_view key) {
  auto in = in_flight_.find(key);
  if (in != in_flight_.end()) in->second.forgotten_at = ++forget_seq_;
  auto it = retries_.find(key);
  if (it == retries_.end()) return false;
  retries_.erase(it);
  retry_at_.Remove(key);
  return true;
}

absl::Duration DeadlineScheduler::BackoffFor(int attempts) const {
  absl::Duration d = options_.initial_retry_backoff;
  for (int i = 1; i < attempts && d < options_.max_retry_backoff; ++i) d *= 2;
  return std::min(d, options_.max_retry_backoff);
}

void DeadlineScheduler::RearmLocked() {
  if (!running_ || stopping_) return;
  std::optional<absl::Time> next = waiting_.EarliestDue();
  if (auto retry = retry_at_.EarliestDue(); retry && (!next || *retry < *next)) next = retry;
  if (!next.has_value()) {
    if (timer_.has_value()) clock_.Cancel(*timer_);
    timer_.reset();
    return;
  }
  if (timer_.has_value() && timer_at_ == *next) return;
  if (*next <= clock_.Now()) {
    // Already due: no timer needed (a manual clock would fire one only at its
    // next Advance).
    wake_ = true;
    return;
  }
  if (timer_.has_value()) clock_.Cancel(*timer_);
  const uint64_t seq = ++timer_seq_;
  timer_at_ = *next;
  // The callback only wakes the firing threads: it runs inside
  // ManualClock::Advance or on the system clock's timer thread.
  timer_ = clock_.ScheduleAt(*next, [target = timer_target_, seq] {
    absl::MutexLock l(&target->mu);
    if (target->scheduler != nullptr) target->scheduler->OnTimer(seq);
  });
  // The clock may have passed `next` between the check above and the timer
  // going in (a manual clock then fires it only at its next Advance).
  if (*next <= clock_.Now()) wake_ = true;
}

void DeadlineScheduler::OnTimer(uint64_t timer_seq) {
  absl::MutexLock l(&mu_);
  if (timer_seq == timer_seq_) timer_.reset();
  if (running_ && !stopping_) wake_ = true;
}

std::vector<DeadlineScheduler::Firing> DeadlineScheduler::TakeDueLocked(absl::Time now) {
  std::vector<Firing> out;
  for (Deadline& d : retry_at_.PopDue(now, options_.batch_size)) {
    auto it = retries_.find(d.key);
    out.push_back(Firing{Deadline{std::move(d.key), it->second.due}, it->second.attempts});
    retries_.erase(it);
  }
  if (out.size() < options_.batch_size) {
    for (Deadline& d : waiting_.PopDue(now, options_.batch_size - out.size())) {
      out.push_back(Firing{std::move(d), 0});
    }
  }
  for (const Firing& f : out) ++in_flight_[f.deadline.key].count;
  in_flight_total_ += out.size();
  return out;
}

void DeadlineScheduler::FinishLocked(Firing& f, uint64_t taken_at, bool called, absl::Time now,
                                     const absl::Status& status) {
  Deadline& d = f.deadline;
  auto in = in_flight_.find(d.key);
  const bool superseded = in->second.forgotten_at > taken_at;
  if (--in->second.count == 0) in_flight_.erase(in);
  --in_flight_total_;

  if (!called) {
    // The clock went back after the batch was taken: not due after all.
    if (!superseded) waiting_.Set(d.key, d.due);
    return;
  }
  if (status.ok()) {
    ++fired_;
    last_lateness_ = now - d.due;
    max_lateness_ = std::max(max_lateness_, last_lateness_);
    return;
  }
  ++failures_;
  if (superseded) return;  // moved or removed meanwhile: the new state rules
  const int attempts = f.attempts + 1;
  retry_at_.Set(d.key, now + BackoffFor(attempts));
  retries_[std::move(d.key)] = Retry{d.due, attempts};
}

void DeadlineScheduler::FiringLoop() {
  struct Outcome {
    bool called = false;
    absl::Time now;
    absl::Status status;
  };
  for (;;) {
    std::vector<Firing> batch;
    uint64_t taken_at;
    {
      absl::MutexLock l(&mu_);
      mu_.Await(absl::Condition(
          +[](DeadlineScheduler* s)
               ABSL_SHARED_LOCKS_REQUIRED(s->mu_) { return s->wake_ || s->stopping_; },
          this));
      if (stopping_) return;
      batch = TakeDueLocked(clock_.Now());
      if (batch.empty()) {
        wake_ = false;
        RearmLocked();
        continue;
      }
      ++busy_threads_;
      taken_at = forget_seq_;
    }

    // The handlers run without the lock, so Set/Remove and other threads'
    // work go on meanwhile.
    std::vector<Outcome> outcomes(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      Outcome& o = outcomes[i];
      o.now = clock_.Now();
      if (batch[i].deadline.due > o.now) continue;  // never early
      o.called = true;
      o.status = handler_(batch[i].deadline.key, batch[i].deadline.due);
    }

    {
      absl::MutexLock l(&mu_);
      for (size_t i = 0; i < batch.size(); ++i) {
        FinishLocked(batch[i], taken_at, outcomes[i].called, outcomes[i].now, outcomes[i].status);
      }
      --busy_threads_;
      RearmLocked();
    }
    std::this_thread::yield();
  }
}

}  // namespace taizhang::engine
