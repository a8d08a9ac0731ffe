#include "base/clock.h"

#include <chrono>
#include <thread>

namespace taizhang {
namespace {

class SystemClock final : public Clock {
 public:
  SystemClock() : thread_([this] { Run(); }) {}

  ~SystemClock() override {
    {
      absl::MutexLock l(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

  absl::Time Now() const override { return absl::FromChrono(std::chrono::system_clock::now()); }

  absl::Duration Monotonic() const override {
    return absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
  }

  TimerId ScheduleAt(absl::Time when, std::function<void()> fn) override {
    absl::MutexLock l(&mu_);
    TimerId id = next_id_++;
    timers_.emplace(std::make_pair(when, id), std::move(fn));
    return id;
  }

  void Cancel(TimerId id) override {
    absl::MutexLock l(&mu_);
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->first.second == id) {
        timers_.erase(it);
        return;
      }
    }
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> fn;
      {
        absl::MutexLock l(&mu_);
        // Wake at the earliest due instant, a change in the timer set, or at
        // most every 200 ms (wall time can jump).
        absl::Time wake = Now() + absl::Milliseconds(200);
        if (!timers_.empty() && timers_.begin()->first.first < wake) {
          wake = timers_.begin()->first.first;
        }
        size_t count = timers_.size();
        auto changed = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
          return stop_ || timers_.size() != count ||
                 (!timers_.empty() && timers_.begin()->first.first <= Now());
        };
        mu_.AwaitWithDeadline(absl::Condition(&changed), wake);
        if (stop_) return;
        if (timers_.empty() || timers_.begin()->first.first > Now()) continue;
        auto it = timers_.begin();
        fn = std::move(it->second);
        timers_.erase(it);
      }
      fn();
    }
  }

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  TimerId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::pair<absl::Time, TimerId>, std::function<void()>> timers_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Clock> NewSystemClock() { return std::make_unique<SystemClock>(); }

Clock& SharedSystemClock() {
  static Clock* const system = NewSystemClock().release();
  return *system;
}

ManualClock::ManualClock(absl::Time start) : now_(start), start_(start) {}

absl::Time ManualClock::Now() const {
  absl::MutexLock l(&mu_);
  return now_;
}

absl::Duration ManualClock::Monotonic() const {
  absl::MutexLock l(&mu_);
  return now_ - start_;
}

Clock::TimerId ManualClock::ScheduleAt(absl::Time when, std::function<void()> fn) {
  absl::MutexLock l(&mu_);
  TimerId id = next_id_++;
  timers_.emplace(std::make_pair(when, id), std::move(fn));
  return id;
}

void ManualClock::Cancel(TimerId id) {
  absl::MutexLock l(&mu_);
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->first.second == id) {
      timers_.erase(it);
      return;
    }
  }
}

void ManualClock::Advance(absl::Duration d, const std::function<void()>& after_each) {
  if (d < absl::ZeroDuration()) return;
  AdvanceTo(Now() + d, after_each);
}

void ManualClock::AdvanceTo(absl::Time t, const std::function<void()>& after_each) {
  absl::MutexLock serial(&advance_mu_);
  for (;;) {
    std::function<void()> fn;
    {
      absl::MutexLock l(&mu_);
      if (timers_.empty() || timers_.begin()->first.first > t) {
        if (t > now_) now_ = t;
        return;
      }
      auto it = timers_.begin();
      if (it->first.first > now_) now_ = it->first.first;
      fn = std::move(it->second);
      timers_.erase(it);
    }
    fn();
    if (after_each) after_each();
  }
}

size_t ManualClock::PendingTimers() const {
  absl::MutexLock l(&mu_);
  return timers_.size();
}

}  // namespace taizhang
