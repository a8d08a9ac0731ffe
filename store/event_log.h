// EventLog: Taizhang's append-only, hash-chained log of events.
//
// Every event gets a gapless global position (from 1) and a gapless version
// within its stream (from 1). An append names one stream, an expected version
// and a request id, and carries one or more events that are written atomically.
// Each record carries the SHA-256 of the previous record's stored bytes, so a
// change or removal anywhere is detected by Verify.
//
// Blobs: bytes too large for an event (a bulletin's PDF, a photo) are kept
// beside the log, content-addressed by their SHA-256. An event names the blobs
// it stands on by digest (NewEvent::blob_digests, recorded in its record and so
// covered by the chain); the append carries the bytes (AppendRequest::blobs),
// written in the same batch as the events, so no crash can leave an event
// naming a blob the log does not hold. Equal blobs are stored once. A blob is
// never removed or replaced; GetBlob and Verify check that its bytes still
// hash to its digest.
//
// Durability: Append returns only once its records are in the fsynced WAL.
// Concurrent appends are gathered by a single writer into one WriteBatch and one
// sync (group commit); each caller is then told its own result.
//
// Idempotency: an append's key is (actor, request id), where the actor is the
// principal named by its events (they must all name the same one). A key seen
// before, at any time in the log's life, returns the first append's result
// (with duplicate = true) and writes nothing. The same request id under
// another actor is another request: one principal can neither use up nor be
// answered with another's (the server's own "system:..." commands included).
//
// Errors (absl::Status codes, as gRPC means them):
//   INVALID_ARGUMENT     malformed request (empty stream, no events, ...)
//   ABORTED              expected version does not match the stream
//   ALREADY_EXISTS       (actor, request id) reused for a different stream
//   DATA_LOSS            corruption found on read, with its position (or
//                        the blob's digest)
//   NOT_FOUND            GetBlob: a digest the log does not hold
//   UNAVAILABLE          the disk failed; the log refuses writes until reopened
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef TAIZHANG_STORE_EVENT_LOG_H_
#define TAIZHANG_STORE_EVENT_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "taizhang/v1/record.pb.h"

namespace rocksdb {
class Env;
}

namespace taizhang {
class Clock;
}

namespace taizhang::store {

// What the appender believes the stream's version is.
class ExpectedVersion {
 public:
  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  static ExpectedVersion NoStream() { return ExpectedVersion(Kind::kExact, 0); }
  static ExpectedVersion Exactly(uint64_t v) { return ExpectedVersion(Kind::kExact, v); }

  bool any() const { return kind_ == Kind::kAny; }
  uint64_t version() const { return version_; }  // meaningful unless any()
  std::string ToString() const;

 private:
  enum class Kind { kAny, kExact };
  ExpectedVersion(Kind k, uint64_t v) : kind_(k), version_(v) {}
  Kind kind_;
  uint64_t version_;
};

// One event to append.
struct NewEvent {
  std::string type;
  uint32_t type_version = 1;
  std::string payload;         // serialized protobuf
  int64_t occurred_at_us = 0;  // 0: same as recorded_at
  std::string actor;           // the principal; every event of an append names the same one
  std::string causation_id;
  std::string correlation_id;
  // The SHA-256 (32 raw bytes, store::Sha256) of each blob the event stands
  // on, at most format::kMaxBlobsPerEvent, no digest twice. Each must be
  // carried by the append (AppendRequest::blobs) or already held by the log.
  std::vector<std::string> blob_digests;
};

struct AppendRequest {
  std::string stream;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::string request_id;  // required, non-empty, at most 256 bytes; unique per actor
  std::vector<NewEvent> events;
  // The bytes of blobs the events name, written in the same batch as them
  // (and not at all when the append is a duplicate or refused). Each must be
  // named by one of the events, and be at most format::kMaxBlobBytes; at most
  // format::kMaxBlobsPerAppend of them, format::kMaxAppendBlobBytes together.
  // A blob the log already holds is not written again.
  std::vector<std::string> blobs;
  // The principal whose request this is: the events' actor ("" when none).
  const std::string& actor() const;
};

struct AppendResult {
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  uint64_t first_version = 0;
  uint64_t last_version = 0;
  int64_t recorded_at_us = 0;
  bool duplicate = false;  // the request id had been seen: nothing was written
};

// A record read back, with its own chain hash (SHA-256 of its stored bytes).
struct RecordedEvent {
  v1::EventRecord record;
  std::string hash;  // 32 bytes
};

// Result of verifying the chain.
struct VerifyResult {
  uint64_t from = 0;
  uint64_t to = 0;             // last position checked
  uint64_t checked = 0;        // records checked
  uint64_t blobs_checked = 0;  // distinct blobs the records name, read and hashed
  std::string last_hash;       // chain hash at `to` (the range's digest)
  // Root of the Merkle tree of the first `to` records, with the range's
  // leaves and the nodes they complete recomputed from the records.
  std::string merkle_root;
  bool ok = true;
  uint64_t first_bad = 0;  // first position that fails, when !ok
  std::string problem;     // what is wrong there
};

struct Options {
  // Create the directory and the log when missing.
  bool create_if_missing = true;
  // Optional RocksDB Env (fault injection in tests). Not owned.
  rocksdb::Env* env = nullptr;
  // Most appends gathered into one batch.
  size_t max_batch_appends = 1024;
  // Partition id recorded in every key and record.
  uint32_t partition = 0;
  // Keep the Merkle tree as records are appended (format 5). false, for the
  // benchmark that measures what the tree costs an append: a new log is made
  // in format 3, which has no tree, and stays so (no roots, no proofs, Verify
  // checks the chain alone); it gets its tree, built from the records, when
  // next opened with one. A log that has a tree is refused without one.
  bool merkle_tree = true;
  // Open an existing log without writing anything (a backup or a copy an
  // auditor checks): only the current format with its tree opens; every
  // write (Append, snapshots, metadata, checkpoints, backups) is
  // FAILED_PRECONDITION. Files left by a crash are applied in memory only.
  bool read_only = false;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  // Appends atomically; returns after the batch is durable. See file comment.
  virtual absl::StatusOr<AppendResult> Append(AppendRequest request) = 0;

  // As Append, without waiting behind other appends: `done` gets the result
  // once the batch is durable (or refused). When no append is under way the
  // caller's own thread writes it at once, alone, and calls `done` before
  // returning (no hand-off to another thread); otherwise it joins the next
  // group commit and the call returns at once. `done` runs on the thread that
  // wrote the batch (that caller, the log's committer, or a concurrent
  // Append's caller), outside the log's locks; an invalid request is refused
  // at once on the caller's thread. `done` may append again (that append goes
  // to the committer) but must not wait for another append to finish.
  using AppendCallback = std::function<void(absl::StatusOr<AppendResult>)>;
  virtual void AppendAsync(AppendRequest request, AppendCallback done) {
    done(Append(std::move(request)));
  }

  // The result of the append that `actor` made with `request_id`, if any
  // (duplicate=true). Another actor's use of the same id is not seen.
  virtual absl::StatusOr<std::optional<AppendResult>> LookupRequest(
      const std::string& actor, const std::string& request_id) = 0;

  // Events of `stream` with version >= from_version, at most `max` of them.
  virtual absl::StatusOr<std::vector<RecordedEvent>> ReadStream(const std::string& stream,
                                                                uint64_t from_version,
                                                                size_t max) = 0;

  // Events with global position >= from_position, at most `max`.
  virtual absl::StatusOr<std::vector<RecordedEvent>> ReadAll(uint64_t from_position,
                                                             size_t max) = 0;

  // Calls fn for each event from `from_position` up to the head (as of the
  // call). Stops early, returning fn's status, if fn returns non-OK. A record
  // that cannot be decoded is DATA_LOSS naming its position.
  virtual absl::Status Scan(uint64_t from_position,
                            const std::function<absl::Status(const RecordedEvent&)>& fn) = 0;

  // The stream's current version (0 when it does not exist).
  virtual absl::StatusOr<uint64_t> StreamVersion(const std::string& stream) = 0;

  // Position of the last durable event (0 for an empty log).
  virtual uint64_t HeadPosition() const = 0;

  // Blocks until the head passes `after` or `timeout` elapses (on the
  // monotonic clock of the system; no polling). Returns the head.
  virtual uint64_t WaitForPosition(uint64_t after, absl::Duration timeout) = 0;

  // Whether the log takes writes: OK, or why not. A batch that could not be
  // made durable (a full disk, a failed sync) stops the log: it takes no
  // write until it is reopened, for it cannot know what the disk holds.
  virtual absl::Status WriteStatus() const = 0;
  // `fn` is called once, when the log stops taking writes, with why: on the
  // thread that found it, outside the log's locks; keep it short. A later
  // call replaces it (nullptr: none).
  virtual void OnWritesStopped(std::function<void(const absl::Status&)> fn) = 0;

  // Registers fn to be called (on the writer thread, after each durable batch)
  // with the new head. Keep fn short. Returns an id for Unsubscribe.
  virtual uint64_t Subscribe(std::function<void(uint64_t head)> fn) = 0;
  virtual void Unsubscribe(uint64_t id) = 0;

  // Recomputes the chain over [from, to] (to = 0: up to the head), checks
  // that every blob a record in the range names is held and still hashes to
  // its digest (a missing or altered blob fails at the record naming it),
  // and recomputes the Merkle tree's leaves over the range and the nodes
  // they complete, each of which must equal the stored one.
  virtual absl::StatusOr<VerifyResult> Verify(uint64_t from, uint64_t to) = 0;

  // The Merkle tree over the records (store/merkle.h, RFC 9162's layout):
  // leaf i is the stored bytes of the record at position i + 1
  // (RecordBytes), so the tree of `size` leaves is the log up to position
  // `size`, and every earlier tree stays provable. Each call is
  // INVALID_ARGUMENT for a size beyond the head, and DATA_LOSS when a node
  // it needs is missing or damaged.
  //
  // The root of the tree of the first `size` records (SHA-256 of nothing
  // for 0).
  virtual absl::StatusOr<std::string> MerkleRoot(uint64_t size) = 0;
  // The hashes that lead from the record at `position` to the root of the
  // tree of `size` records (1 <= position <= size), lowest first.
  virtual absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t position,
                                                                  uint64_t size) = 0;
  // The hashes that show the tree of `second` records extends the tree of
  // `first` records (first <= second); empty when first is 0 or second.
  virtual absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t first,
                                                                    uint64_t second) = 0;
  // The stored bytes of the record at `position` (1 to the head): what its
  // leaf hashes and the next record's prev_hash is the SHA-256 of.
  virtual absl::StatusOr<std::string> RecordBytes(uint64_t position) = 0;

  // The bytes of the blob whose SHA-256 is `digest` (32 raw bytes).
  // INVALID_ARGUMENT for a digest that is not 32 bytes; NOT_FOUND when the log
  // holds no such blob; DATA_LOSS naming the digest (in hex) when the stored
  // bytes no longer hash to it.
  virtual absl::StatusOr<std::string> GetBlob(std::string_view digest) = 0;

  // Snapshots: opaque bytes of a stream's state at a version.
  virtual absl::Status PutSnapshot(const std::string& stream, uint64_t version,
                                   const std::string& bytes) = 0;
  // The latest snapshot with version <= max_version; nullopt when none.
  virtual absl::StatusOr<std::optional<std::pair<uint64_t, std::string>>> GetSnapshot(
      const std::string& stream, uint64_t max_version) = 0;

  // Small durable key/value metadata (e.g. which calendars a replay used).
  virtual absl::Status PutMeta(const std::string& key, const std::string& value) = 0;
  virtual absl::StatusOr<std::optional<std::string>> GetMeta(const std::string& key) = 0;

  // Checkpoints of state derived from the log (the runtime's projections,
  // engine/runtime.h): under a name, a sequence of opaque records taken as of
  // a position, replaced whole by the next checkpoint of that name. Like a
  // snapshot it can always be rebuilt from the log, so it is written beside
  // the log's batches: into a table file that appears at once when complete
  // (a crash leaves the previous checkpoint or this one, never a mixture),
  // through neither the log's WAL nor its memory.
  //
  // WriteCheckpoint: `fill` adds the records, in order, to the sink; the
  // checkpoint keeps the record at `position`'s chain hash (0: the empty
  // log), so that it is used only with the log it was taken from.
  // INVALID_ARGUMENT for an empty name or one with a NUL byte, or a position
  // beyond the head; fill's error is returned and nothing is replaced.
  class CheckpointSink {
   public:
    virtual ~CheckpointSink() = default;
    virtual absl::Status Add(std::string_view record) = 0;
  };
  virtual absl::Status WriteCheckpoint(
      const std::string& name, uint64_t position,
      const std::function<absl::Status(CheckpointSink&)>& fill) = 0;
  // ReadCheckpoint: calls `fn` with each record of the latest checkpoint of
  // `name`, in order, and returns its position. NOT_FOUND when there is none;
  // FAILED_PRECONDITION when it no longer stands on this log (its position
  // is beyond the head, or the record there is not the one it was taken at:
  // the log was restored or replaced), before any record is read; DATA_LOSS
  // when its records do not add up to what was written (a count or digest
  // that differs), which may be found after some records were given to `fn`.
  // fn's error stops the read and is returned.
  virtual absl::StatusOr<uint64_t> ReadCheckpoint(
      const std::string& name, const std::function<absl::Status(std::string_view)>& fn) = 0;

  // Online backup: a consistent checkpoint in `dir` (must not exist). Returns
  // the head position it contains.
  virtual absl::StatusOr<uint64_t> Backup(const std::string& dir) = 0;

  // A backup that stands on its own, for another disk or filesystem: where
  // Backup's files are hard links to the log's own (on the same filesystem),
  // these are copies, each written whole and fsynced, then the directory.
  // The copy is then opened read-only and verified whole (chain, blobs,
  // Merkle tree) and must end at this log's hash and root at its position;
  // a copy that fails, or is left half-written, is removed. `dir` must not
  // exist and its parent must (FAILED_PRECONDITION); DATA_LOSS when the copy
  // does not read back as the log.
  struct CopiedBackup {
    uint64_t position = 0;  // the head the copy holds
    uint64_t files = 0;
    uint64_t bytes = 0;
    std::string last_hash;  // 32 bytes, of the record at `position`
    std::string root;       // 32 bytes, the Merkle root of `position` records
  };
  virtual absl::StatusOr<CopiedBackup> BackupCopy(const std::string& dir) = 0;

  // What the log keeps beside its records and the chain does not cover (the
  // stream index, the streams' heads, the request receipts), made anew from
  // the records alone; the snapshots and checkpoints, which are rebuilt from
  // the log when needed, are dropped. For a log restored from a copy: nothing
  // read from it afterwards stands on bytes the chain does not vouch for.
  // Waits for appends under way. Returns what the records hold.
  struct Rederived {
    uint64_t records = 0;
    uint64_t streams = 0;
    uint64_t requests = 0;
  };
  virtual absl::StatusOr<Rederived> RederiveFromRecords() = 0;

  // Appends records made by another log, byte for byte: the stored bytes of
  // the records that follow this log's head, in order, and the blobs they
  // name that the log does not hold (each at most format::kMaxBlobBytes).
  // Each record must decode, be of this log's partition, at the next
  // position, its prev_hash the hash of the record before it, its stream at
  // the next version, and name only blobs carried or held; then the stream
  // index, heads, request receipts and Merkle tree are kept as Append keeps
  // them, and all of it is written in one synced batch. For a copy that
  // follows another log (a replica; a bundle read into a log). INVALID_
  // ARGUMENT naming the first record that does not fit, or a stray blob,
  // and nothing is written; the log's write errors as Append's. Waits for
  // appends under way.
  virtual absl::StatusOr<uint64_t> AppendRecorded(const std::vector<std::string>& records,
                                                  const std::vector<std::string>& blobs) = 0;
};

// Opens (or creates) the log in `dir`. `clock` stamps recorded_at and must
// outlive the log.
absl::StatusOr<std::unique_ptr<EventLog>> OpenEventLog(const std::string& dir, Clock& clock,
                                                       const Options& options = {});

}  // namespace taizhang::store

#endif  // TAIZHANG_STORE_EVENT_LOG_H_
