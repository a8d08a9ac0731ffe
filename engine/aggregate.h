// Aggregates: the contract every state machine in Taizhang follows, and the
// AggregateStore that loads, decides, appends and snapshots them.
//
// An aggregate type A provides (all pure, reading time only from the context):
//
//   using State = <protobuf message>;     // everything the aggregate knows
//   using Command = <any copyable type>;  // what a caller asks for
//   using Event = <protobuf message>;     // what happened; stored as the payload
//   static constexpr uint32_t kStateSchema;  // bump when State's meaning changes
//   static constexpr uint32_t kEventSchema;  // current version of Event
//   std::string EventType(const Event&) const;             // e.g. "case.ItemAccepted"
//   absl::StatusOr<std::vector<Event>> Decide(const State&, const Command&,
//                                             const DecideContext&) const;
//   void Apply(State*, const Event&, const EventContext&) const;
//   const UpcasterRegistry* upcasters() const;  // may return nullptr
//
// and, when its events stand on blobs of the log (a report's photos):
//
//   std::vector<std::string> BlobDigests(const Event&) const;  // raw SHA-256s, each once
//
// and, when its states hold history that no view needs (old progress
// reports), so that the projections keep them small (engine/projection.h):
//
//   static constexpr uint32_t kCompactSchema;  // bump when Compact keeps other things
//   void Compact(State*) const;  // drops that history; views of the state are unchanged
//
// Compact must commute with Apply: compacting, applying an event and
// compacting again gives the same state as applying it to the full state and
// compacting once. Decide and the store's snapshots always see full states.
//
// The command brings those bytes in CommandMeta::blobs (computed before
// Decide, which stays pure and sees only what names them); each event's
// digests go into its record's blob_digests and the bytes into the same
// append, so the chain covers them and a crash leaves both or neither.
//
// Decide either refuses (a Status with a gRPC-meaning code and a message a
// person can act on; nothing is written) or returns the events to append.
// Apply folds one event into the state; it must not fail (an event is a fact).
// Replaying a stream therefore gives a byte-identical state on any machine.
//
// AggregateStore::Execute runs a command: it loads the stream (a state it keeps
// in memory when that is still the stream's version, else the latest snapshot
// plus the events after it), decides, and appends with the loaded version as
// expected version. A retried request is answered with the first result (no
// second event): the log answers it when the retry decides to append again, and
// the store asks the log before it refuses or answers without appending. A
// request is (actor, request id): the same id from another principal is
// another command, never taken for a retry (see store/event_log.h).
// Commands on one stream are serialised within the process (queued behind the
// one under way), so conflicts arise only between processes; on one it
// reloads and decides again, a bounded number of times, unless the caller
// named an expected version (then ABORTED). ExecuteAsync does the same without
// making its caller wait behind other commands' appends.
//
// Thread-safety: AggregateStore is safe to use from many threads; the log
// serialises appends and the optimistic check catches races.
#ifndef TAIZHANG_ENGINE_AGGREGATE_H_
#define TAIZHANG_ENGINE_AGGREGATE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/status_macros.h"
#include "engine/upcaster.h"
#include "store/event_log.h"
#include "taizhang/v1/engine.pb.h"

namespace taizhang::engine {

// What Decide may know besides the state and the command.
struct DecideContext {
  std::string stream;
  absl::Time now;          // from the injected clock
  absl::Time occurred_at;  // when the caller says it happened (== now unless keyed in late)
  std::string actor;       // the authenticated principal
  uint64_t version = 0;    // the state's stream version
};

// Metadata of the event being applied.
struct EventContext {
  uint64_t position = 0;
  uint64_t version = 0;
  absl::Time occurred_at;
  absl::Time recorded_at;
  std::string actor;
};

// What a caller attaches to a command.
struct CommandMeta {
  std::string request_id;                    // required: a retry with it is harmless
  std::string actor;                         // principal; request ids are each actor's own
  std::optional<uint64_t> expected_version;  // when set, a mismatch is ABORTED
  std::optional<absl::Time> occurred_at;     // set when a paper record is keyed in later
  std::string correlation_id;
  std::string causation_id;
  // The bytes of the blobs the command brings (a report's photos), keyed by
  // their SHA-256 (32 raw bytes). Written with the events that name them
  // (A::BlobDigests); a blob an event names and the command does not bring
  // is INVALID_ARGUMENT, nothing written; one brought and not named is not
  // written.
  std::map<std::string, std::string> blobs;
};

struct StoreOptions {
  uint64_t snapshot_every = 100;  // write a snapshot each time the version passes a multiple
  int max_attempts = 5;           // decide/append attempts on version conflicts
  // States of the most recently written streams kept in memory, so that the
  // next command on one of them neither reads a snapshot nor replays events.
  // A kept state is used only while the log still has the stream at its
  // version. 0 keeps none.
  size_t cached_states = 4096;
  // ... and at most this many bytes of them (their serialized sizes), so
  // that states whose history grows (a task reporting every week for years)
  // do not make the kept states grow with it.
  size_t cached_bytes = 16 << 20;
  // Checked for every command before it is decided, after the version check:
  // e.g. how far back its actor may date it. A refusal is answered like any
  // other (a retry of a command already written still gets its first result).
  std::function<absl::Status(const DecideContext& ctx)> admit;
};

EventContext ContextOf(const store::RecordedEvent& e);

template <class A>
class AggregateStore {
 public:
  using State = typename A::State;
  using Command = typename A::Command;
  using Event = typename A::Event;

  struct Loaded {
    State state;
    uint64_t version = 0;   // 0: the stream does not exist
    uint64_t position = 0;  // position of the last event applied
  };

  struct Outcome {
    Loaded loaded;  // the state after the command
    store::AppendResult append;
    std::vector<Event> events;  // what was appended (empty for a duplicate or a no-op)
    bool duplicate = false;     // the request id had been seen: nothing was written
  };

  // Which moment a LoadAsOf rebuilds.
  struct AsOf {
    std::optional<uint64_t> position;       // include events at positions <= this
    std::optional<absl::Time> recorded_at;  // include events recorded at or before this
  };

  AggregateStore(store::EventLog& log, Clock& clock, const A& aggregate, StoreOptions options = {})
      : log_(log), clock_(clock), aggregate_(aggregate), options_(options) {}

  // The current state: a kept state at the stream's version, else the latest
  // usable snapshot (or a kept older state) and the events after it.
  absl::StatusOr<Loaded> Load(const std::string& stream) {
    ASSIGN_OR_RETURN(uint64_t version, log_.StreamVersion(stream));
    if (version == 0) return Loaded();  // a new stream: nothing to read
    Loaded loaded;
    if (FindCached(stream, version, &loaded)) {
      if (loaded.version == version) return loaded;
      // An older state: only the events after it are read.
      uint64_t before = loaded.version;
      RETURN_IF_ERROR(ReplayInto(stream, &loaded, AsOf{}));
      MaybeSnapshot(stream, before, loaded);
      return loaded;
    }
    ASSIGN_OR_RETURN(auto snapshot, log_.GetSnapshot(stream, UINT64_MAX));
    if (snapshot.has_value()) {
      v1::SnapshotEnvelope envelope;
      // A snapshot from another state schema, or one that cannot be read, is
      // ignored: the state is rebuilt from the log and a new one is written.
      if (envelope.ParseFromString(snapshot->second) &&
          envelope.state_schema() == A::kStateSchema &&
          loaded.state.ParseFromString(envelope.state())) {
        loaded.version = envelope.version();
        loaded.position = envelope.position();
      } else {
        loaded = Loaded();
      }
    }
    uint64_t before = loaded.version;
    RETURN_IF_ERROR(ReplayInto(stream, &loaded, AsOf{}));
    MaybeSnapshot(stream, before, loaded);
    return loaded;
  }

  // The state as of a position or a recorded time, rebuilt from the first
  // event (snapshots are not used: an audit sees the replay itself).
  absl::StatusOr<Loaded> LoadAsOf(const std::string& stream, const AsOf& as_of) {
    Loaded loaded;
    RETURN_IF_ERROR(ReplayInto(stream, &loaded, as_of));
    return loaded;
  }

  // Applies one stored record to a state (for projections that replay the
  // global log). DATA_LOSS/FAILED_PRECONDITION when it cannot be decoded.
  absl::Status ApplyRecord(const store::RecordedEvent& e, Loaded* loaded) const {
    ASSIGN_OR_RETURN(Event event, DecodeEvent(e.record));
    aggregate_.Apply(&loaded->state, event, ContextOf(e));
    loaded->version = e.record.version();
    loaded->position = e.record.position();
    return absl::OkStatus();
  }

  absl::StatusOr<Event> DecodeEvent(const v1::EventRecord& record) const {
    std::string payload = record.payload();
    if (record.type_version() != A::kEventSchema) {
      const UpcasterRegistry* upcasters = aggregate_.upcasters();
      if (upcasters == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("position ", record.position(), ": event '", record.type(), "' version ",
                         record.type_version(), " has no upcaster"));
      }
      auto up = upcasters->Upcast(record.type(), record.type_version(), A::kEventSchema,
                                  std::move(payload));
      if (!up.ok()) {
        return absl::Status(up.status().code(), absl::StrCat("position ", record.position(), ": ",
                                                             up.status().message()));
      }
      payload = std::move(*up);
    }
    Event event;
    if (!event.ParseFromString(payload)) {
      return absl::DataLossError(absl::StrCat("position ", record.position(), ": event '",
                                              record.type(), "' cannot be decoded"));
    }
    return event;
  }

  // Runs a command and waits for its outcome. See the file comment. Must not
  // be called from an ExecuteAsync callback (it would wait for itself).
  absl::StatusOr<Outcome> Execute(const std::string& stream, const Command& command,
                                  const CommandMeta& meta) {
    absl::Notification finished;
    absl::StatusOr<Outcome> out;
    ExecuteAsync(stream, command, meta, [&](absl::StatusOr<Outcome> result) {
      out = std::move(result);
      finished.Notify();
    });
    finished.WaitForNotification();
    return out;
  }

  // Runs a command without waiting for other commands: `done` gets the
  // outcome once its events are durable (or the refusal). Commands on one
  // stream run one after another, in arrival order. `done` may run on the
  // caller's thread before this returns (a refusal; or an append the log
  // wrote at once because nothing else was being written, see
  // EventLog::AppendAsync) or on the log's (after a group commit), and must
  // not wait for another command.
  using Done = std::function<void(absl::StatusOr<Outcome>)>;
  void ExecuteAsync(const std::string& stream, const Command& command, const CommandMeta& meta,
                    Done done) {
    if (meta.request_id.empty()) {
      return done(absl::InvalidArgumentError("request_id: required, so that a retry is harmless"));
    }
    auto job = std::make_shared<Job>(Job{stream, command, meta, std::move(done)});
    {
      absl::MutexLock l(&busy_mu_);
      auto [it, idle] = busy_.try_emplace(stream);
      if (!idle) {  // a command on this stream is under way: run after it
        it->second.push_back(std::move(job));
        return;
      }
    }
    if (auto now = Attempt(job, 1)) Finish(std::move(job), *std::move(now));
  }

  const A& aggregate() const { return aggregate_; }
  // How many states are kept in memory (at most StoreOptions::cached_states),
  // and their serialized bytes (at most StoreOptions::cached_bytes).
  size_t kept_states() {
    absl::MutexLock l(&cache_mu_);
    return cache_.size();
  }
  size_t kept_bytes() {
    absl::MutexLock l(&cache_mu_);
    return cached_bytes_;
  }
  store::EventLog& log() { return log_; }

 private:
  // The first outcome of the request (meta's actor and request id) that wrote
  // `first`; ALREADY_EXISTS when that was on another stream.
  absl::StatusOr<Outcome> Replayed(const std::string& stream, const store::AppendResult& first,
                                   const CommandMeta& meta) {
    ASSIGN_OR_RETURN(auto events, log_.ReadStream(stream, first.first_version, 1));
    if (events.empty() || events[0].record.request_id() != meta.request_id ||
        events[0].record.actor() != meta.actor) {
      return absl::AlreadyExistsError(
          absl::StrCat("request id '", meta.request_id, "' was already used for another stream"));
    }
    Outcome outcome;
    outcome.duplicate = true;
    outcome.append = first;
    outcome.append.duplicate = true;
    ASSIGN_OR_RETURN(outcome.loaded, LoadAsOf(stream, AsOf{.position = first.last_position}));
    return outcome;
  }

  struct Job {
    std::string stream;
    Command command;
    CommandMeta meta;
    Done done;
  };

  // The outcome of `job`; then the next commands on its stream, in a loop
  // (not recursion) while they finish without an append.
  void Finish(std::shared_ptr<Job> job, absl::StatusOr<Outcome> outcome) {
    for (;;) {
      std::shared_ptr<Job> next;
      {
        absl::MutexLock l(&busy_mu_);
        auto it = busy_.find(job->stream);
        if (it->second.empty()) {
          busy_.erase(it);
        } else {
          next = std::move(it->second.front());
          it->second.pop_front();
        }
      }
      job->done(std::move(outcome));
      if (next == nullptr) return;
      std::optional<absl::StatusOr<Outcome>> now = Attempt(next, 1);
      if (!now.has_value()) return;  // appending: its callback finishes it
      job = std::move(next);
      outcome = *std::move(now);
    }
  }

  // Loads, decides and appends; on a version conflict with another process,
  // again (bounded), unless the caller named the version.
  // Returns the outcome when there is nothing to append (a refusal, a retry
  // answered from the log, a command that changes nothing); otherwise nullopt,
  // and the append's callback calls Finish.
  std::optional<absl::StatusOr<Outcome>> Attempt(std::shared_ptr<Job> job, int attempt) {
    const std::string& stream = job->stream;
    const CommandMeta& meta = job->meta;
    // Every answer but an append is first checked against the request ids
    // already written: a retry of a command that was written gets the first
    // result, not a refusal made on the state it produced. (A retry that
    // decides to append again is answered so by the log.)
    auto unless_retry = [&](absl::StatusOr<Outcome> answer) -> absl::StatusOr<Outcome> {
      auto previous = log_.LookupRequest(meta.actor, meta.request_id);
      if (!previous.ok()) return previous.status();
      if (previous->has_value()) return Replayed(stream, **previous, meta);
      return answer;
    };
    auto loaded = Load(stream);
    if (!loaded.ok()) return unless_retry(loaded.status());
    if (meta.expected_version.has_value() && *meta.expected_version != loaded->version) {
      return unless_retry(absl::AbortedError(
          absl::StrCat("'", stream, "' is at version ", loaded->version, ", the request expected ",
                       *meta.expected_version, "; reload and retry")));
    }
    DecideContext ctx;
    ctx.stream = stream;
    ctx.now = clock_.Now();
    ctx.occurred_at = meta.occurred_at.value_or(ctx.now);
    ctx.actor = meta.actor;
    ctx.version = loaded->version;
    if (ctx.occurred_at > ctx.now) {
      return unless_retry(absl::InvalidArgumentError("occurred_at: must not be in the future"));
    }
    if (options_.admit) {
      if (absl::Status admitted = options_.admit(ctx); !admitted.ok()) {
        return unless_retry(admitted);
      }
    }
    auto decided = aggregate_.Decide(loaded->state, job->command, ctx);
    if (!decided.ok()) return unless_retry(decided.status());
    if (decided->empty()) {  // nothing to record
      Outcome outcome;
      outcome.loaded = *std::move(loaded);
      return unless_retry(std::move(outcome));
    }
    store::AppendRequest request;
    request.stream = stream;
    request.request_id = meta.request_id;
    request.expected = store::ExpectedVersion::Exactly(loaded->version);
    std::map<std::string, bool> carried;  // digests put into request.blobs
    for (const Event& e : *decided) {
      store::NewEvent ne;
      if constexpr (requires(const A& a, const Event& ev) { a.BlobDigests(ev); }) {
        ne.blob_digests = aggregate_.BlobDigests(e);
        for (const std::string& digest : ne.blob_digests) {
          auto it = meta.blobs.find(digest);
          if (it == meta.blobs.end()) {
            return unless_retry(absl::InvalidArgumentError(
                absl::StrCat("an attachment names blob ", absl::BytesToHexString(digest),
                             " that the command does not bring; send its bytes with the request")));
          }
          if (carried.emplace(digest, true).second) request.blobs.push_back(it->second);
        }
      }
      ne.type = aggregate_.EventType(e);
      ne.type_version = A::kEventSchema;
      ne.payload = e.SerializeAsString();
      ne.occurred_at_us = absl::ToUnixMicros(ctx.occurred_at);
      ne.actor = meta.actor;
      ne.causation_id = meta.causation_id.empty() ? meta.request_id : meta.causation_id;
      ne.correlation_id = meta.correlation_id;
      request.events.push_back(std::move(ne));
    }
    log_.AppendAsync(
        std::move(request),
        [this, job, attempt, occurred_at = ctx.occurred_at, loaded = *std::move(loaded),
         events = *std::move(decided)](absl::StatusOr<store::AppendResult> appended) mutable {
          if (!appended.ok()) {
            if (appended.status().code() == absl::StatusCode::kAborted &&
                !job->meta.expected_version.has_value() && attempt < options_.max_attempts) {
              // Decide again on the new state.
              if (auto now = Attempt(job, attempt + 1)) Finish(std::move(job), *std::move(now));
              return;
            }
            return Finish(std::move(job), appended.status());
          }
          if (appended->duplicate) {
            auto replayed = Replayed(job->stream, *appended, job->meta);
            return Finish(std::move(job), std::move(replayed));
          }
          // Fold the new events in with exactly the context a replay gives
          // them (positions, versions, both times, actor), so the state is
          // what a replay of the log produces, without reading them back.
          const uint64_t version_before = loaded.version;
          for (size_t i = 0; i < events.size(); ++i) {
            EventContext ec;
            ec.position = appended->first_position + i;
            ec.version = appended->first_version + i;
            ec.occurred_at = absl::FromUnixMicros(absl::ToUnixMicros(occurred_at));
            ec.recorded_at = absl::FromUnixMicros(appended->recorded_at_us);
            ec.actor = job->meta.actor;
            aggregate_.Apply(&loaded.state, events[i], ec);
          }
          loaded.version = appended->last_version;
          loaded.position = appended->last_position;
          MaybeSnapshot(job->stream, version_before, loaded);
          Keep(job->stream, loaded);
          Outcome outcome;
          outcome.loaded = std::move(loaded);
          outcome.append = *appended;
          outcome.events = std::move(events);
          Finish(std::move(job), std::move(outcome));
        });
    return std::nullopt;
  }

  absl::Status ReplayInto(const std::string& stream, Loaded* loaded, const AsOf& as_of) {
    constexpr size_t kPage = 512;
    for (;;) {
      ASSIGN_OR_RETURN(auto page, log_.ReadStream(stream, loaded->version + 1, kPage));
      for (const store::RecordedEvent& e : page) {
        if (as_of.position.has_value() && e.record.position() > *as_of.position) {
          return absl::OkStatus();
        }
        if (as_of.recorded_at.has_value() &&
            absl::FromUnixMicros(e.record.recorded_at_us()) > *as_of.recorded_at) {
          return absl::OkStatus();
        }
        RETURN_IF_ERROR(ApplyRecord(e, loaded));
      }
      if (page.size() < kPage) return absl::OkStatus();
    }
  }

  // Writes a snapshot when `loaded` passed a multiple of snapshot_every since
  // `version_before`. Its events are durable whatever happens to the snapshot:
  // one that cannot be written is skipped (the next is tried N events later,
  // and loading works from the log alone).
  void MaybeSnapshot(const std::string& stream, uint64_t version_before, const Loaded& loaded) {
    if (loaded.version / options_.snapshot_every > version_before / options_.snapshot_every) {
      WriteSnapshot(stream, loaded).IgnoreError();
    }
  }

  // Keeps a copy of `loaded` as the stream's latest known state, evicting the
  // least recently kept stream beyond the limit.
  void Keep(const std::string& stream, const Loaded& loaded) {
    if (options_.cached_states == 0) return;
    const size_t bytes = loaded.state.ByteSizeLong();
    if (bytes > options_.cached_bytes) {
      // Too large to keep: an older kept state of the stream must not stay
      // to be replayed from.
      absl::MutexLock l(&cache_mu_);
      if (auto it = cache_.find(stream); it != cache_.end()) {
        recency_.erase(it->second.recency);
        cached_bytes_ -= it->second.bytes;
        cache_.erase(it);
      }
      return;
    }
    Loaded copy = loaded;  // outside the lock
    absl::MutexLock l(&cache_mu_);
    auto [it, inserted] = cache_.try_emplace(stream);
    if (!inserted) {
      recency_.erase(it->second.recency);
      cached_bytes_ -= it->second.bytes;
    }
    recency_.push_front(stream);
    it->second.loaded = std::move(copy);
    it->second.recency = recency_.begin();
    it->second.bytes = bytes;
    cached_bytes_ += bytes;
    while (cache_.size() > options_.cached_states || cached_bytes_ > options_.cached_bytes) {
      auto last = cache_.find(recency_.back());
      cached_bytes_ -= last->second.bytes;
      cache_.erase(last);
      recency_.pop_back();
    }
  }

  // Copies the kept state of `stream` into *out when it is not newer than
  // `version` (the log's; a state claiming to be newer is dropped).
  bool FindCached(const std::string& stream, uint64_t version, Loaded* out) {
    absl::MutexLock l(&cache_mu_);
    auto it = cache_.find(stream);
    if (it == cache_.end()) return false;
    if (it->second.loaded.version > version) {
      recency_.erase(it->second.recency);
      cached_bytes_ -= it->second.bytes;
      cache_.erase(it);
      return false;
    }
    *out = it->second.loaded;
    return true;
  }

  absl::Status WriteSnapshot(const std::string& stream, const Loaded& loaded) {
    v1::SnapshotEnvelope envelope;
    envelope.set_state_schema(A::kStateSchema);
    envelope.set_version(loaded.version);
    envelope.set_position(loaded.position);
    envelope.set_state(loaded.state.SerializeAsString());
    return log_.PutSnapshot(stream, loaded.version, envelope.SerializeAsString());
  }

  store::EventLog& log_;
  Clock& clock_;
  const A& aggregate_;
  const StoreOptions options_;
  // Streams with a command under way, each with the commands queued behind it.
  absl::Mutex busy_mu_;
  absl::flat_hash_map<std::string, std::deque<std::shared_ptr<Job>>> busy_
      ABSL_GUARDED_BY(busy_mu_);
  // Recently written states (see StoreOptions::cached_states), most recent
  // first in recency_.
  struct Cached {
    Loaded loaded;
    std::list<std::string>::iterator recency;
    size_t bytes = 0;  // the state's serialized size
  };
  absl::Mutex cache_mu_;
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(cache_mu_);
  size_t cached_bytes_ ABSL_GUARDED_BY(cache_mu_) = 0;  // of every kept state
  std::list<std::string> recency_ ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_AGGREGATE_H_
