// StreamProjection<A>: the current state of every stream of one aggregate
// type, kept in memory by following the log (a LogConsumer), and the timers
// those states need.
//
// Streams are selected by prefix ("case/", "task/", ...). After each event the
// projection asks `wakeup(state)` for the instant the aggregate next needs a
// Tick and arms (or clears) the runtime's deadline under the stream's name.
//
// Thread-safety: OnEvent is called by the Runtime's single consumer thread;
// Get/List/ForEach may be called from any thread (a mutex guards the map).
#ifndef TAIZHANG_ENGINE_PROJECTION_H_
#define TAIZHANG_ENGINE_PROJECTION_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "engine/aggregate.h"
#include "engine/runtime.h"

namespace taizhang::engine {

template <class A>
class StreamProjection final : public LogConsumer {
 public:
  using Loaded = typename AggregateStore<A>::Loaded;
  using Wakeup = std::function<std::optional<absl::Time>(const typename A::State&)>;

  // `store` decodes events (upcasting included); not owned.
  StreamProjection(std::string prefix, AggregateStore<A>& store, Wakeup wakeup)
      : prefix_(std::move(prefix)), store_(store), wakeup_(std::move(wakeup)) {}

  // The runtime whose scheduler receives the wake-ups; set before Start.
  void set_runtime(Runtime* runtime) { runtime_ = runtime; }

  absl::Status OnEvent(const store::RecordedEvent& e, bool replaying) override {
    const std::string& stream = e.record.stream();
    if (stream.compare(0, prefix_.size(), prefix_) != 0) return absl::OkStatus();
    std::optional<absl::Time> next;
    {
      absl::MutexLock l(&mu_);
      Loaded& loaded = states_[stream];
      absl::Status s = store_.ApplyRecord(e, &loaded);
      if (!s.ok()) return s;
      next = wakeup_(loaded.state);
    }
    if (runtime_ == nullptr) return absl::OkStatus();
    if (next.has_value()) return runtime_->scheduler().Set(stream, *next);
    runtime_->scheduler().Remove(stream);
    return absl::OkStatus();
  }

  std::optional<Loaded> Get(const std::string& stream) const {
    absl::MutexLock l(&mu_);
    auto it = states_.find(stream);
    if (it == states_.end()) return std::nullopt;
    return it->second;
  }

  // Calls `fn` on every state, in stream order, without copying any, under
  // the projection's lock: `fn` must not call back into this projection (nor
  // run a command on its aggregate), and should be quick, since the log's
  // follower waits for it.
  void ForEach(absl::FunctionRef<void(const Loaded&)> fn) const {
    absl::MutexLock l(&mu_);
    for (const auto& [stream, loaded] : states_) fn(loaded);
  }

  // Every state, in stream order, that `keep` accepts.
  std::vector<Loaded> List(const std::function<bool(const Loaded&)>& keep = nullptr) const {
    absl::MutexLock l(&mu_);
    std::vector<Loaded> out;
    for (const auto& [stream, loaded] : states_) {
      if (!keep || keep(loaded)) out.push_back(loaded);
    }
    return out;
  }

  // Asks `wakeup` again for every stream and re-arms the timers: for when
  // what `wakeup` reads besides the state changed (a new calendar moves a
  // warning's day without any event of the stream). Any thread.
  absl::Status Rearm() {
    std::vector<std::pair<std::string, std::optional<absl::Time>>> next;
    {
      absl::MutexLock l(&mu_);
      for (const auto& [stream, loaded] : states_) next.emplace_back(stream, wakeup_(loaded.state));
    }
    if (runtime_ == nullptr) return absl::OkStatus();
    for (const auto& [stream, at] : next) {
      if (at.has_value()) {
        absl::Status s = runtime_->scheduler().Set(stream, *at);
        if (!s.ok()) return s;
      } else {
        runtime_->scheduler().Remove(stream);
      }
    }
    return absl::OkStatus();
  }

  const std::string& prefix() const { return prefix_; }

 private:
  const std::string prefix_;
  AggregateStore<A>& store_;
  Wakeup wakeup_;
  Runtime* runtime_ = nullptr;
  mutable absl::Mutex mu_;
  std::map<std::string, Loaded> states_ ABSL_GUARDED_BY(mu_);
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_PROJECTION_H_
