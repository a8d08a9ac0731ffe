// StreamProjection<A>: the current state of every stream of one aggregate
// type, kept in memory by following the log (a LogConsumer), and the timers
// those states need.
//
// Streams are selected by prefix ("case/", "task/", ...). After each event the
// projection asks `wakeup(state)` for the instant the aggregate next needs a
// Tick and arms (or clears) the runtime's deadline under the stream's name.
//
// Live states. When the aggregate compacts its states (A::Compact, see
// engine/aggregate.h) the projection keeps each state compacted: what views
// need, without the history only a stream's full state holds (its old
// progress reports). The full state is the store's (AggregateStore::Load).
//
// Checkpoints (engine/runtime.h): the projection saves each stream's state,
// version and position as one record, and at restore arms every restored
// stream's timer as the replay would have.
//
// Thread-safety: OnEvent is called by the Runtime's single consumer thread;
// Get/List/ForEach may be called from any thread (a mutex guards the map).
#ifndef TAIZHANG_ENGINE_PROJECTION_H_
#define TAIZHANG_ENGINE_PROJECTION_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "engine/aggregate.h"
#include "engine/checkpoint_record.h"
#include "engine/runtime.h"
#include "engine/state_digest.h"

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
      Compact(&loaded.state);
      next = wakeup_(loaded.state);
    }
    if (runtime_ == nullptr) return absl::OkStatus();
    if (next.has_value()) return runtime_->scheduler().Set(stream, *next);
    runtime_->scheduler().Remove(stream);
    return absl::OkStatus();
  }

  // Whether A's states are kept compacted (see the file comment).
  static constexpr bool kCompacts = requires(const A& a, typename A::State* s) { a.Compact(s); };
  // `state` as the projection keeps it.
  void Compact(typename A::State* state) const {
    if constexpr (kCompacts) store_.aggregate().Compact(state);
  }

  // Checkpoints: one record per stream (its name, version, position and
  // state), in stream order.
  std::string CheckpointName() const override {
    uint32_t compact = 0;
    if constexpr (kCompacts) compact = A::kCompactSchema;
    return absl::StrCat("projection ", prefix_, " state ", A::kStateSchema, " compact ", compact);
  }
  absl::Status Save(const Emit& emit) const override {
    // In batches, so that readers wait for one batch at most. Only the
    // consumer thread changes the map, and it is the one saving, so the
    // iterator stays valid between batches.
    constexpr int kBatch = 256;
    std::vector<std::string> batch;
    typename std::map<std::string, Loaded>::const_iterator it;
    {
      absl::MutexLock l(&mu_);
      it = states_.begin();
    }
    for (;;) {
      batch.clear();
      {
        absl::MutexLock l(&mu_);
        for (int n = 0; n < kBatch && it != states_.end(); ++n, ++it) {
          batch.push_back(EncodeRecord(it->first, it->second));
        }
      }
      if (batch.empty()) return absl::OkStatus();
      for (const std::string& record : batch) RETURN_IF_ERROR(emit(record));
    }
  }
  absl::Status Restore(std::string_view record) override {
    std::string stream;
    Loaded loaded;
    if (!DecodeRecord(record, &stream, &loaded)) {
      return absl::DataLossError(
          absl::StrCat("a checkpoint record of ", prefix_, " streams cannot be read"));
    }
    absl::MutexLock l(&mu_);
    if (!states_.emplace(std::move(stream), std::move(loaded)).second) {
      return absl::DataLossError(absl::StrCat("a checkpoint holds a ", prefix_, " stream twice"));
    }
    return absl::OkStatus();
  }
  absl::Status Restored() override { return Rearm(); }
  void Clear() override {
    std::vector<std::string> streams;
    {
      absl::MutexLock l(&mu_);
      for (const auto& [stream, loaded] : states_) streams.push_back(stream);
      states_.clear();
    }
    if (runtime_ == nullptr) return;
    for (const std::string& stream : streams) runtime_->scheduler().Remove(stream);
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

  // Adds every stream's state as kept, in stream order, to a state digest
  // (engine/state_digest.h). Under the projection's lock.
  void DigestInto(StateDigester& digester) const {
    absl::MutexLock l(&mu_);
    for (const auto& [stream, loaded] : states_) {
      digester.Stream(stream, loaded.version, loaded.position, loaded.state);
    }
  }

  const std::string& prefix() const { return prefix_; }
  size_t size() const {
    absl::MutexLock l(&mu_);
    return states_.size();
  }

 private:
  // stream | version | position | state (engine/checkpoint_record.h).
  static std::string EncodeRecord(const std::string& stream, const Loaded& loaded) {
    RecordWriter w;
    w.String(stream).U64(loaded.version).U64(loaded.position);
    loaded.state.AppendToString(w.rest());
    return std::move(w.bytes());
  }
  bool DecodeRecord(std::string_view in, std::string* stream, Loaded* loaded) const {
    RecordReader r(in);
    if (!r.String(stream) || stream->compare(0, prefix_.size(), prefix_) != 0) return false;
    if (!r.U64(&loaded->version) || !r.U64(&loaded->position)) return false;
    return loaded->state.ParseFromArray(r.rest().data(), static_cast<int>(r.rest().size()));
  }

  const std::string prefix_;
  AggregateStore<A>& store_;
  Wakeup wakeup_;
  Runtime* runtime_ = nullptr;
  mutable absl::Mutex mu_;
  std::map<std::string, Loaded> states_ ABSL_GUARDED_BY(mu_);
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_PROJECTION_H_
