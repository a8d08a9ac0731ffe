// The RocksDB implementation of EventLog.
//
// Writers queue up (as in LevelDB's DBImpl::Write): the writer at the front of
// the queue becomes the leader, takes every waiting append (up to a limit) into
// one WriteBatch, writes it with sync=true outside the lock, and then tells
// every follower its own result. Only the leader touches the chain state, so
// positions and hashes are assigned in exactly the order they are written.
//
// An asynchronous append is led by the log's committer thread, except when
// nothing is under way: then its caller writes it at once, alone, on its own
// thread (the commit a lone client waits for costs no hand-off to another
// thread and back), and only its own callback runs there. Appends made from
// inside a callback always go to the committer, so a chain of appends, each
// made from the last one's callback, never nests on one thread.
#include <atomic>
#include <deque>
#include <filesystem>
#include <map>
#include <thread>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/sst_file_writer.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"
#include "store/event_log.h"
#include "store/format.h"
#include "store/merkle.h"
#include "store/sha256.h"

namespace taizhang::store {

std::string ExpectedVersion::ToString() const {
  if (any()) return "any";
  if (version_ == 0) return "no stream";
  return absl::StrCat(version_);
}

const std::string& AppendRequest::actor() const {
  static const std::string* const kNone = new std::string();
  return events.empty() ? *kNone : events.front().actor;
}

namespace {

namespace fmt = format;

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  return absl::UnavailableError(msg);
}

absl::Status ValidateRequest(const AppendRequest& r) {
  if (r.stream.empty()) return absl::InvalidArgumentError("stream: must not be empty");
  if (r.stream.size() > fmt::kMaxStreamBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("stream: longer than ", fmt::kMaxStreamBytes, " bytes"));
  }
  if (r.stream.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("stream: must not contain a NUL byte");
  }
  if (r.request_id.empty()) return absl::InvalidArgumentError("request_id: must not be empty");
  if (r.request_id.size() > fmt::kMaxRequestIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("request_id: longer than ", fmt::kMaxRequestIdBytes, " bytes"));
  }
  if (r.events.empty()) return absl::InvalidArgumentError("events: at least one is required");
  if (r.events.size() > fmt::kMaxEventsPerAppend) {
    return absl::InvalidArgumentError(
        absl::StrCat("events: at most ", fmt::kMaxEventsPerAppend, " per append"));
  }
  const std::string& actor = r.actor();
  if (actor.size() > fmt::kMaxActorBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("events[0].actor: longer than ", fmt::kMaxActorBytes, " bytes"));
  }
  if (actor.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("events[0].actor: must not contain a NUL byte");
  }
  for (size_t i = 0; i < r.events.size(); ++i) {
    const NewEvent& e = r.events[i];
    if (e.actor != actor) {
      return absl::InvalidArgumentError(absl::StrCat(
          "events[", i, "].actor: '", e.actor, "' differs from events[0]'s '", actor,
          "'; an append is one principal's request (its idempotency key is actor and request id)"));
    }
    if (e.type.empty() || e.type.size() > fmt::kMaxTypeBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("events[", i, "].type: must be 1 to ", fmt::kMaxTypeBytes, " bytes"));
    }
    if (e.payload.size() > fmt::kMaxPayloadBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("events[", i, "].payload: larger than ", fmt::kMaxPayloadBytes, " bytes"));
    }
    if (e.blob_digests.size() > fmt::kMaxBlobsPerEvent) {
      return absl::InvalidArgumentError(absl::StrCat("events[", i, "].blob_digests: at most ",
                                                     fmt::kMaxBlobsPerEvent, " per event"));
    }
    for (size_t j = 0; j < e.blob_digests.size(); ++j) {
      const std::string& d = e.blob_digests[j];
      if (d.size() != fmt::kHashSize) {
        return absl::InvalidArgumentError(absl::StrCat("events[", i, "].blob_digests[", j,
                                                       "]: a SHA-256 is ", fmt::kHashSize,
                                                       " bytes, not ", d.size()));
      }
      for (size_t k = 0; k < j; ++k) {
        if (e.blob_digests[k] == d) {
          return absl::InvalidArgumentError(absl::StrCat("events[", i, "].blob_digests[", j,
                                                         "]: blob ", ToHex(d), " named twice"));
        }
      }
    }
  }
  return absl::OkStatus();
}

// The blobs an append carries: within the limits, each named by one of its
// events. Sets *digests to their SHA-256, in order.
absl::Status ValidateBlobs(const AppendRequest& r, std::vector<std::string>* digests) {
  if (r.blobs.size() > fmt::kMaxBlobsPerAppend) {
    return absl::InvalidArgumentError(absl::StrCat("blobs: at most ", fmt::kMaxBlobsPerAppend,
                                                   " per append, not ", r.blobs.size()));
  }
  size_t total = 0;
  digests->clear();
  for (size_t i = 0; i < r.blobs.size(); ++i) {
    const std::string& b = r.blobs[i];
    if (b.size() > fmt::kMaxBlobBytes) {
      return absl::InvalidArgumentError(absl::StrCat("blobs[", i, "]: ", b.size(),
                                                     " bytes, more than a blob may hold (",
                                                     fmt::kMaxBlobBytes, " bytes)"));
    }
    total += b.size();
    std::string digest = Sha256(b);
    bool named = false;
    for (const NewEvent& e : r.events) {
      for (const std::string& d : e.blob_digests) named = named || d == digest;
    }
    if (!named) {
      return absl::InvalidArgumentError(
          absl::StrCat("blobs[", i, "]: blob ", ToHex(digest),
                       " is named by none of the append's events (blob_digests); a blob is "
                       "kept only for an event that stands on it"));
    }
    digests->push_back(std::move(digest));
  }
  if (total > fmt::kMaxAppendBlobBytes) {
    return absl::InvalidArgumentError(absl::StrCat("blobs: ", total,
                                                   " bytes together, more than an append may "
                                                   "carry (",
                                                   fmt::kMaxAppendBlobBytes, " bytes)"));
  }
  return absl::OkStatus();
}

AppendResult FromReceipt(const v1::AppendReceipt& r) {
  AppendResult out;
  out.first_position = r.first_position();
  out.last_position = r.last_position();
  out.first_version = r.first_version();
  out.last_version = r.last_version();
  out.recorded_at_us = r.recorded_at_us();
  out.duplicate = true;
  return out;
}

class RocksEventLog final : public EventLog {
 public:
  RocksEventLog(Clock& clock, Options options) : clock_(clock), options_(options) {}
  ~RocksEventLog() override;

  absl::Status Open(const std::string& dir);

  absl::StatusOr<AppendResult> Append(AppendRequest request) override;
  void AppendAsync(AppendRequest request, AppendCallback done) override;
  absl::StatusOr<std::optional<AppendResult>> LookupRequest(
      const std::string& actor, const std::string& request_id) override {
    ASSIGN_OR_RETURN(auto receipt, LoadReceipt(fmt::RequestKey(actor, request_id)));
    if (!receipt.has_value()) return std::optional<AppendResult>();
    return std::optional<AppendResult>(FromReceipt(*receipt));
  }
  absl::StatusOr<std::vector<RecordedEvent>> ReadStream(const std::string& stream,
                                                        uint64_t from_version, size_t max) override;
  absl::StatusOr<std::vector<RecordedEvent>> ReadAll(uint64_t from_position, size_t max) override;
  absl::Status Scan(uint64_t from_position,
                    const std::function<absl::Status(const RecordedEvent&)>& fn) override;
  absl::StatusOr<uint64_t> StreamVersion(const std::string& stream) override;
  uint64_t HeadPosition() const override;
  uint64_t WaitForPosition(uint64_t after, absl::Duration timeout) override;
  uint64_t Subscribe(std::function<void(uint64_t)> fn) override;
  void Unsubscribe(uint64_t id) override;
  absl::Status WriteStatus() const override {
    absl::MutexLock l(&mu_);
    return bg_error_;
  }
  void OnWritesStopped(std::function<void(const absl::Status&)> fn) override {
    absl::MutexLock l(&mu_);
    on_stopped_ = std::move(fn);
  }
  absl::StatusOr<VerifyResult> Verify(uint64_t from, uint64_t to) override;
  absl::StatusOr<std::string> MerkleRoot(uint64_t size) override;
  absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t position,
                                                          uint64_t size) override;
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t first,
                                                            uint64_t second) override;
  absl::StatusOr<std::string> RecordBytes(uint64_t position) override;
  absl::StatusOr<std::string> GetBlob(std::string_view digest) override;
  absl::Status PutSnapshot(const std::string& stream, uint64_t version,
                           const std::string& bytes) override;
  absl::StatusOr<std::optional<std::pair<uint64_t, std::string>>> GetSnapshot(
      const std::string& stream, uint64_t max_version) override;
  absl::Status PutMeta(const std::string& key, const std::string& value) override;
  absl::StatusOr<std::optional<std::string>> GetMeta(const std::string& key) override;
  absl::Status WriteCheckpoint(const std::string& name, uint64_t position,
                               const std::function<absl::Status(CheckpointSink&)>& fill) override;
  absl::StatusOr<uint64_t> ReadCheckpoint(
      const std::string& name, const std::function<absl::Status(std::string_view)>& fn) override;
  absl::StatusOr<uint64_t> Backup(const std::string& dir) override;
  absl::StatusOr<CopiedBackup> BackupCopy(const std::string& dir) override;
  absl::StatusOr<Rederived> RederiveFromRecords() override;
  absl::StatusOr<uint64_t> AppendRecorded(const std::vector<std::string>& records,
                                          const std::vector<std::string>& blobs) override;

 private:
  // One queued append.
  struct Writer {
    AppendRequest request;
    absl::StatusOr<AppendResult> result = absl::UnknownError("not written");
    bool done = false;
    absl::CondVar cv;  // signalled when done or at the front of the queue
    // Set for AppendAsync: nobody waits on cv; its caller leads it when the
    // queue was empty (see the file comment), else the committer thread does
    // when it is at the front; the leader calls `callback` when done.
    AppendCallback callback;
    // SHA-256 of request.blobs, in order; their bytes together.
    std::vector<std::string> blob_digests;
    size_t blob_bytes = 0;
  };

  // What the leader knows of a stream while building a batch.
  struct StreamState {
    uint64_t version = 0;
    uint64_t last_position = 0;
  };

  void WriteAsLeader(std::vector<Writer*>& group);
  // Puts the heads of the streams `touched` and the log's head (the record
  // at `position`, whose chain hash is `hash`) into `batch`.
  void PutHeads(const absl::flat_hash_map<std::string, StreamState>& touched, uint64_t position,
                const std::string& hash, rocksdb::WriteBatch* batch) const;
  // After a batch failed to be written: the log takes no more writes until
  // it is reopened (the disk's state after a failed sync is unknown). The
  // error every writer of the batch is given. Under write_mu_; the
  // OnWritesStopped callback is told later, by TellStopped, outside it.
  absl::Status StopWrites(const rocksdb::Status& s);
  // Calls the OnWritesStopped callback when StopWrites left it a notice.
  // Outside the log's locks.
  void TellStopped();
  // Leads one group of at most `most` appends from the front of the queue
  // (mu_ held on entry and on return); returns the async writers of the
  // group, done, to call back.
  std::vector<Writer*> LeadGroup(Writer* self, size_t most) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Calls back the async writers of a group (outside mu_) and frees them.
  static void CallBack(const std::vector<Writer*>& done);
  void CommitterLoop();
  absl::StatusOr<StreamState> LoadStreamState(const std::string& stream);
  // The receipt stored under `key` (format::RequestKey), if any.
  absl::StatusOr<std::optional<v1::AppendReceipt>> LoadReceipt(const std::string& key);
  absl::StatusOr<RecordedEvent> ReadPosition(uint64_t position, bool with_hash);
  absl::StatusOr<RecordedEvent> Decode(uint64_t expected_position, const rocksdb::Slice& value,
                                       bool with_hash);
  absl::Status RecoverHead();
  // Builds the Merkle tree over every record (the upgrade from a format
  // without it), writing the current format with its last nodes.
  absl::Status BuildMerkleTree();
  // The upgrade from format 4: deletes the stored leaves.
  absl::Status DeleteMerkleLeaves();
  // FAILED_PRECONDITION when the log was opened read-only.
  absl::Status Writable() const {
    if (!options_.read_only) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("the event log in ", dir_, " is open read-only: nothing can be written"));
  }
  // Loads the tree's frontier at the head and checks its last leaf is the
  // last record's and nothing lies beyond it.
  absl::Status LoadMerkleTree();
  // Reads the stored Merkle nodes (DATA_LOSS for a missing one).
  merkle::NodeReader MerkleReader() const;
  // INVALID_ARGUMENT unless `size` <= the head.
  absl::Status CheckTreeSize(uint64_t size) const;
  // Validates `request` (ValidateRequest, ValidateBlobs) into a new writer,
  // and checks that every blob its events name and it does not carry is held.
  absl::StatusOr<std::unique_ptr<Writer>> Prepare(AppendRequest request);
  // Whether the blob `digest` is held with bytes that still hash to it.
  absl::StatusOr<bool> HoldsIntactBlob(const std::string& digest);
  // Checks that the blob `digest` is held and intact: OK, or what is wrong.
  absl::Status CheckBlob(const std::string& digest);

  Clock& clock_;
  const Options options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* index_ = nullptr;
  rocksdb::ColumnFamilyHandle* heads_ = nullptr;
  rocksdb::ColumnFamilyHandle* requests_ = nullptr;
  rocksdb::ColumnFamilyHandle* snapshots_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* blobs_ = nullptr;
  rocksdb::ColumnFamilyHandle* merkle_ = nullptr;

  mutable absl::Mutex mu_;
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;  // last durable position
  absl::Status bg_error_ ABSL_GUARDED_BY(mu_);
  std::function<void(const absl::Status&)> on_stopped_ ABSL_GUARDED_BY(mu_);
  // The callback StopWrites found, for TellStopped to call.
  std::function<void(const absl::Status&)> stop_notice_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::function<void(uint64_t)>> subscribers_ ABSL_GUARDED_BY(mu_);
  uint64_t next_subscriber_ ABSL_GUARDED_BY(mu_) = 1;
  // Leads the groups whose front writer is asynchronous.
  absl::CondVar committer_cv_;
  // A group is being written (by whichever thread leads it).
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread committer_;

  // Held by the leader across building and writing a batch; Backup takes it to
  // see a quiet log. Lock order: write_mu_ before mu_.
  absl::Mutex write_mu_;
  // Chain state, touched only by the leader (under write_mu_): the last
  // record written and its hash. head_ follows written_head_ once the
  // leader has handed its group back, so under write_mu_ this is the head.
  uint64_t written_head_ = 0;
  std::string last_hash_;
  int64_t last_recorded_us_ = 0;
  absl::flat_hash_map<std::string, StreamState> stream_cache_;
  // The Merkle tree's frontier at the head, and the nodes a record completes.
  // A batch that fails to write leaves it ahead of the disk; the log then
  // takes no more writes until it is reopened, which loads it again.
  merkle::Frontier tree_;
  std::vector<merkle::Node> completed_;

  rocksdb::Env* env() const {
    return options_.env != nullptr ? options_.env : rocksdb::Env::Default();
  }
  std::string CheckpointFile() const { return dir_ + "/checkpoint-being-written.tmp"; }
  // Where BackupCopy takes the consistent state it copies (hard links):
  // backup-staging-<n>, one for each copy under way.
  std::string BackupStagingPrefix() const { return dir_ + "/backup-staging"; }
  std::atomic<uint64_t> backup_copies_{0};

  std::string dir_;
  absl::Mutex checkpoint_mu_;  // one WriteCheckpoint at a time
};

RocksEventLog::~RocksEventLog() {
  if (committer_.joinable()) {
    {
      absl::MutexLock l(&mu_);
      stopping_ = true;
      committer_cv_.Signal();
    }
    committer_.join();  // after the queued async appends are written
  }
  if (db_) {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }
}

namespace {

// A batch that could not be made durable stops the log's writes until the
// server restarts (StopWrites): RocksDB must not resume on its own either,
// from a thread of its own that would flush and write while the log is
// being closed.
class NoAutomaticRecovery final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
  const char* Name() const override { return "NoAutomaticRecovery"; }
};

}  // namespace

absl::Status RocksEventLog::Open(const std::string& dir) {
  dir_ = dir;
  rocksdb::Options db_options;
  db_options.create_if_missing = options_.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.atomic_flush = true;
  if (options_.env != nullptr) db_options.env = options_.env;
  db_options.listeners.push_back(std::make_shared<NoAutomaticRecovery>());
  db_options.max_bgerror_resume_count = 0;

  rocksdb::ColumnFamilyOptions cf_options;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // Request ids and stream heads are read by point lookups that mostly miss
  // (a new request id, a new stream): a whole-key bloom filter in the
  // memtable answers those misses without walking the skip list.
  rocksdb::ColumnFamilyOptions lookup_options = cf_options;
  lookup_options.memtable_prefix_bloom_size_ratio = 0.05;
  lookup_options.memtable_whole_key_filtering = true;

  // Records are inserted in position order, and the head is the same key
  // rewritten by every batch: both insert next to their last insertion, which
  // the memtable finds from a hint instead of a search from the top.
  rocksdb::ColumnFamilyOptions events_options = cf_options;
  events_options.memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewFixedPrefixTransform(fmt::kEventKeySize - sizeof(uint64_t)));
  rocksdb::ColumnFamilyOptions meta_options = cf_options;
  meta_options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewNoopTransform());

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, cf_options},
      {fmt::kEventsCf, events_options},
      {fmt::kStreamIndexCf, cf_options},
      {fmt::kHeadsCf, lookup_options},
      {fmt::kRequestsCf, lookup_options},
      {fmt::kSnapshotsCf, cf_options},
      {fmt::kMetaCf, meta_options},
      {fmt::kBlobsCf, cf_options},
      {fmt::kMerkleCf, cf_options},
  };
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options_.read_only) {
    // Nothing is written: not the format, not an upgrade, not the WAL's
    // replay (it is applied in memory).
    s = rocksdb::DB::OpenForReadOnly(db_options, dir, cfs, &handles_, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, dir, cfs, &handles_, &raw);
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("opening the event log in ", dir));
  db_.reset(raw);
  events_ = handles_[1];
  index_ = handles_[2];
  heads_ = handles_[3];
  requests_ = handles_[4];
  snapshots_ = handles_[5];
  meta_ = handles_[6];
  blobs_ = handles_[7];
  merkle_ = handles_[8];

  std::string format_version;
  s = db_->Get(rocksdb::ReadOptions(), meta_, fmt::kMetaFormat, &format_version);
  int upgrade_from = 0;
  if (options_.read_only) {
    // Format 4 differs from 5 only by the leaves it also stores, which are
    // not read (a leaf is computed from its record): both open as they are.
    if (!s.ok() || (format_version != std::to_string(fmt::kFormatVersion) &&
                    format_version != std::to_string(fmt::kFormatVersion - 1))) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the log in ", dir, " has format ", s.ok() ? format_version : "(none)",
          "; read-only, this build reads formats ", fmt::kFormatVersion - 1, " and ",
          fmt::kFormatVersion, " (an older log is upgraded by a server opening it for writing)"));
    }
    RETURN_IF_ERROR(RecoverHead());
    return LoadMerkleTree();
  }
  if (s.IsNotFound()) {
    // A new log (its format is written before anything else).
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db_->Put(
        wo, meta_, fmt::kMetaFormat,
        std::to_string(options_.merkle_tree ? fmt::kFormatVersion : fmt::kFormatWithoutMerkleTree));
    if (!s.ok()) return FromRocks(s, "writing the format version");
  } else if (!s.ok()) {
    return FromRocks(s, "reading the format version");
  } else if (!options_.merkle_tree) {
    if (format_version != std::to_string(fmt::kFormatWithoutMerkleTree)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the log in ", dir, " has format ", format_version,
          "; without its Merkle tree only format ", fmt::kFormatWithoutMerkleTree, " opens"));
    }
  } else if (format_version != std::to_string(fmt::kFormatVersion)) {
    int version = 0;
    if (!absl::SimpleAtoi(format_version, &version) ||
        version < fmt::kOldestUpgradableFormatVersion || version > fmt::kFormatVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the log in ", dir, " has format ", format_version, "; this build reads format ",
          fmt::kFormatVersion, " and upgrades formats ", fmt::kOldestUpgradableFormatVersion,
          " to ", fmt::kFormatVersion - 1, " to it"));
    }
    // Format 2 lacked the blobs family and 3 the tree: both families were
    // created empty above, and the tree is built from the records. Format 4
    // kept the leaves too: they go.
    upgrade_from = version;
  }
  RETURN_IF_ERROR(RecoverHead());
  if (options_.merkle_tree) {
    if (upgrade_from == 4) {
      RETURN_IF_ERROR(DeleteMerkleLeaves());
    } else if (upgrade_from != 0) {
      RETURN_IF_ERROR(BuildMerkleTree());
    }
    RETURN_IF_ERROR(LoadMerkleTree());
  }
  if (!options_.read_only) {
    // A checkpoint a crash left unfinished (or a second link a crash left to
    // an ingested one): only its name goes. And the links a crash left while
    // a copied backup was being taken.
    (void)env()->DeleteFile(CheckpointFile());
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
      if (entry.path().filename().string().rfind("backup-staging", 0) == 0) {
        std::filesystem::remove_all(entry.path(), error);
      }
    }
  }
  committer_ = std::thread([this] { CommitterLoop(); });
  return absl::OkStatus();
}

// Reads the head from the meta column family and checks it against the last
// record; the atomic batches guarantee they agree unless the files were
// tampered with or damaged.
absl::Status RocksEventLog::RecoverHead() {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, fmt::kMetaHead, &value);
  uint64_t head = 0;
  std::string hash(fmt::kHashSize, '\0');
  if (s.ok()) {
    if (!fmt::DecodeHead(value, &head, &hash)) {
      return absl::DataLossError("the log's head record is malformed");
    }
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading the log's head");
  }
  if (head > 0) {
    ASSIGN_OR_RETURN(RecordedEvent last, ReadPosition(head, /*with_hash=*/true));
    if (last.hash != hash) {
      return absl::DataLossError(
          absl::StrCat("position ", head, ": the last record does not match the head's hash"));
    }
    last_recorded_us_ = last.record.recorded_at_us();
  }
  // Nothing may lie beyond the head.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_));
  it->Seek(fmt::EventKey(options_.partition, head + 1));
  if (it->Valid()) {
    uint32_t partition = 0;
    uint64_t position = 0;
    if (fmt::ParseEventKey(it->key().ToStringView(), &partition, &position) &&
        partition == options_.partition) {
      return absl::DataLossError(
          absl::StrCat("position ", position, ": a record lies beyond the head ", head));
    }
  }
  last_hash_ = hash;
  written_head_ = head;
  absl::MutexLock l(&mu_);
  head_ = head;
  return absl::OkStatus();
}

absl::Status RocksEventLog::BuildMerkleTree() {
  const uint64_t head = HeadPosition();
  merkle::Frontier tree;
  rocksdb::WriteBatch batch;
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, events_));
  uint64_t expected = 1;
  for (it->Seek(fmt::EventKey(options_.partition, 1)); it->Valid() && expected <= head;
       it->Next()) {
    uint32_t partition = 0;
    uint64_t position = 0;
    if (!fmt::ParseEventKey(it->key().ToStringView(), &partition, &position) ||
        partition != options_.partition || position != expected) {
      break;
    }
    completed_.clear();
    tree.Append(merkle::LeafHash(it->value().ToStringView()), &completed_);
    for (const merkle::Node& n : completed_) {
      if (n.level == 0) continue;  // a leaf is its record's hash
      batch.Put(merkle_, fmt::MerkleNodeKey(options_.partition, n.level, n.index), n.hash);
    }
    if (batch.Count() >= 8192) {
      rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
      if (!s.ok()) return FromRocks(s, "writing the Merkle tree");
      batch.Clear();
    }
    ++expected;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the records for the tree");
  if (expected != head + 1) {
    return absl::DataLossError(
        absl::StrCat("position ", expected, ": the record is missing (building the Merkle tree)"));
  }
  // The format last, in the tree's last batch: a crash before it leaves the
  // old format, and the next open builds the tree again (the same nodes).
  batch.Put(meta_, fmt::kMetaFormat, std::to_string(fmt::kFormatVersion));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return FromRocks(s, "writing the Merkle tree");
  return absl::OkStatus();
}

absl::Status RocksEventLog::DeleteMerkleLeaves() {
  rocksdb::WriteBatch batch;
  batch.DeleteRange(merkle_, fmt::MerkleNodeKey(options_.partition, 0, 0),
                    fmt::MerkleNodeKey(options_.partition, 1, 0));
  batch.Put(meta_, fmt::kMetaFormat, std::to_string(fmt::kFormatVersion));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return FromRocks(s, "upgrading the Merkle tree");
  return absl::OkStatus();
}

merkle::NodeReader RocksEventLog::MerkleReader() const {
  return [this](uint32_t level, uint64_t index) -> absl::StatusOr<std::string> {
    std::string value;
    if (level == 0) {
      // A leaf: the hash of the record at position index + 1.
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events_,
                                   fmt::EventKey(options_.partition, index + 1), &value);
      if (s.IsNotFound()) {
        return absl::DataLossError(
            absl::StrCat("position ", index + 1, ": the record is missing (a leaf of the tree)"));
      }
      if (!s.ok()) return FromRocks(s, "reading a record for the Merkle tree");
      return merkle::LeafHash(value);
    }
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), merkle_,
                                 fmt::MerkleNodeKey(options_.partition, level, index), &value);
    if (s.IsNotFound()) {
      return absl::DataLossError(
          absl::StrCat("the Merkle tree's node (", level, ", ", index, ") is missing"));
    }
    if (!s.ok()) return FromRocks(s, "reading the Merkle tree");
    return value;
  };
}

absl::Status RocksEventLog::LoadMerkleTree() {
  const uint64_t head = HeadPosition();
  absl::StatusOr<merkle::Frontier> tree = merkle::Frontier::Load(head, MerkleReader());
  if (!tree.ok()) {
    return absl::DataLossError(
        absl::StrCat("the Merkle tree at the head ", head, ": ", tree.status().message()));
  }
  // Nothing beyond the head: the next node the records would complete, of
  // the two leaves head + 1 and head + 2 (odd head) or of head + 1 and the
  // one before it, is absent.
  std::string beyond;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), merkle_,
                               fmt::MerkleNodeKey(options_.partition, 1, head / 2), &beyond);
  if (s.ok()) {
    return absl::DataLossError(absl::StrCat(
        "position ", head + 1, ": the Merkle tree has a node beyond the head's records"));
  }
  if (!s.IsNotFound()) return FromRocks(s, "reading the Merkle tree");
  tree_ = *std::move(tree);
  return absl::OkStatus();
}

absl::Status RocksEventLog::CheckTreeSize(uint64_t size) const {
  if (!options_.merkle_tree) {
    return absl::FailedPreconditionError("this log was opened without its Merkle tree");
  }
  const uint64_t head = HeadPosition();
  if (size > head) {
    return absl::InvalidArgumentError(
        absl::StrCat("the log holds ", head, " records; there is no tree of ", size));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RocksEventLog::MerkleRoot(uint64_t size) {
  RETURN_IF_ERROR(CheckTreeSize(size));
  return merkle::Root(size, MerkleReader());
}

absl::StatusOr<std::vector<std::string>> RocksEventLog::InclusionProof(uint64_t position,
                                                                       uint64_t size) {
  RETURN_IF_ERROR(CheckTreeSize(size));
  if (position == 0 || position > size) {
    return absl::InvalidArgumentError(
        absl::StrCat("position ", position, " is not in the tree of ", size, " records"));
  }
  return merkle::InclusionProof(position - 1, size, MerkleReader());
}

absl::StatusOr<std::vector<std::string>> RocksEventLog::ConsistencyProof(uint64_t first,
                                                                         uint64_t second) {
  RETURN_IF_ERROR(CheckTreeSize(second));
  if (first > second) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the tree of ", first, " records cannot be extended by the smaller one of ", second));
  }
  return merkle::ConsistencyProof(first, second, MerkleReader());
}

absl::StatusOr<std::string> RocksEventLog::RecordBytes(uint64_t position) {
  if (position == 0 || position > HeadPosition()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no position ", position, " in a log of ", HeadPosition(), " records"));
  }
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events_,
                               fmt::EventKey(options_.partition, position), &value);
  if (s.IsNotFound()) {
    return absl::DataLossError(absl::StrCat("position ", position, ": the record is missing"));
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading position ", position));
  return value;
}

absl::StatusOr<std::unique_ptr<RocksEventLog::Writer>> RocksEventLog::Prepare(
    AppendRequest request) {
  RETURN_IF_ERROR(Writable());
  RETURN_IF_ERROR(ValidateRequest(request));
  auto w = std::make_unique<Writer>();
  RETURN_IF_ERROR(ValidateBlobs(request, &w->blob_digests));
  for (const std::string& b : request.blobs) w->blob_bytes += b.size();
  // A blob named and not carried must be held already; a blob is never
  // removed, so what is held now is held when the batch is written.
  for (size_t i = 0; i < request.events.size(); ++i) {
    for (const std::string& d : request.events[i].blob_digests) {
      if (absl::c_linear_search(w->blob_digests, d)) continue;
      ASSIGN_OR_RETURN(bool held, HoldsIntactBlob(d));
      if (!held) {
        return absl::FailedPreconditionError(
            absl::StrCat("events[", i, "].blob_digests: blob ", ToHex(d),
                         " is neither carried by the append (blobs) nor held intact by the log"));
      }
    }
  }
  w->request = std::move(request);
  return w;
}

absl::StatusOr<bool> RocksEventLog::HoldsIntactBlob(const std::string& digest) {
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), blobs_, digest, &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading blob ", ToHex(digest)));
  return Sha256(value.ToStringView()) == digest;
}

absl::Status RocksEventLog::CheckBlob(const std::string& digest) {
  rocksdb::PinnableSlice value;
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  rocksdb::Status s = db_->Get(ro, blobs_, digest, &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("blob ", ToHex(digest), " is not in the log"));
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading blob ", ToHex(digest)));
  if (Sha256(value.ToStringView()) != digest) {
    return absl::DataLossError(absl::StrCat("blob ", ToHex(digest),
                                            ": its stored bytes no longer hash to its digest "
                                            "(the blob was altered or damaged)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RocksEventLog::GetBlob(std::string_view digest) {
  if (digest.size() != fmt::kHashSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest: a SHA-256 is ", fmt::kHashSize, " bytes, not ", digest.size()));
  }
  std::string value;
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  rocksdb::Status s = db_->Get(ro, blobs_, rocksdb::Slice(digest.data(), digest.size()), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("blob ", ToHex(digest), " is not in the log"));
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading blob ", ToHex(digest)));
  if (Sha256(value) != digest) {
    return absl::DataLossError(absl::StrCat("blob ", ToHex(digest),
                                            ": its stored bytes no longer hash to its digest "
                                            "(the blob was altered or damaged)"));
  }
  return value;
}

absl::StatusOr<AppendResult> RocksEventLog::Append(AppendRequest request) {
  ASSIGN_OR_RETURN(std::unique_ptr<Writer> prepared, Prepare(std::move(request)));
  Writer& w = *prepared;

  std::vector<Writer*> callbacks;
  {
    absl::MutexLock l(&mu_);
    writers_.push_back(&w);
    // Each writer waits on its own condition variable (as in LevelDB), so a
    // release wakes only the writers it concerns.
    while (!w.done && writers_.front() != &w) w.cv.Wait(&mu_);
    if (w.done) return std::move(w.result);
    callbacks = LeadGroup(&w, options_.max_batch_appends);
  }
  CallBack(callbacks);
  return std::move(w.result);
}

namespace {
// How deep this thread is in append callbacks (see the file comment).
thread_local int callback_depth = 0;
}  // namespace

void RocksEventLog::CallBack(const std::vector<Writer*>& done) {
  ++callback_depth;
  for (Writer* x : done) {
    x->callback(std::move(x->result));
    delete x;
  }
  --callback_depth;
}

void RocksEventLog::AppendAsync(AppendRequest request, AppendCallback done) {
  auto prepared = Prepare(std::move(request));
  if (!prepared.ok()) return done(prepared.status());
  Writer* w = prepared->release();
  w->callback = std::move(done);
  absl::MutexLock l(&mu_);
  if (stopping_ && writers_.empty()) {  // the committer is gone: nobody would lead
    mu_.Unlock();
    w->callback(absl::UnavailableError("the event log is closing"));
    delete w;
    mu_.Lock();
    return;
  }
  writers_.push_back(w);
  if (writers_.front() != w) return;  // a group is under way: its successor takes this one
  if (callback_depth > 0) {
    committer_cv_.Signal();
    return;
  }
  // Nothing under way: written here, alone.
  std::vector<Writer*> callbacks = LeadGroup(nullptr, 1);
  mu_.Unlock();
  CallBack(callbacks);
  mu_.Lock();
}

void RocksEventLog::CommitterLoop() {
  absl::MutexLock l(&mu_);
  for (;;) {
    while (!(!writers_.empty() && writers_.front()->callback && !leading_) &&
           !(stopping_ && writers_.empty())) {
      committer_cv_.Wait(&mu_);
    }
    if (writers_.empty()) return;  // stopping, nothing left
    std::vector<Writer*> callbacks = LeadGroup(nullptr, options_.max_batch_appends);
    mu_.Unlock();
    CallBack(callbacks);
    mu_.Lock();
  }
}

std::vector<RocksEventLog::Writer*> RocksEventLog::LeadGroup(Writer* self, size_t most) {
  // Leader: take a group from the front of the queue.
  // A group ends at max_batch_appends, or before the appends' blobs pass
  // kMaxAppendBlobBytes together (the first always joins), so a batch stays
  // bounded in memory.
  std::vector<Writer*> group;
  size_t blob_bytes = 0;
  leading_ = true;
  for (Writer* x : writers_) {
    if (group.size() >= most) break;
    if (!group.empty() && blob_bytes + x->blob_bytes > fmt::kMaxAppendBlobBytes) break;
    blob_bytes += x->blob_bytes;
    group.push_back(x);
  }
  absl::Status bg = bg_error_;
  mu_.Unlock();

  if (!bg.ok()) {
    for (Writer* x : group) x->result = bg;
  } else {
    {
      absl::MutexLock wl(&write_mu_);
      WriteAsLeader(group);
    }
    TellStopped();
  }

  std::vector<std::function<void(uint64_t)>> to_notify;
  std::vector<Writer*> callbacks;
  uint64_t head;
  mu_.Lock();
  leading_ = false;
  for (Writer* x : group) {
    writers_.pop_front();
    x->done = true;
    if (x->callback) {
      callbacks.push_back(x);
    } else if (x != self) {
      x->cv.Signal();
    }
  }
  if (!writers_.empty()) {
    if (writers_.front()->callback) {
      committer_cv_.Signal();
    } else {
      writers_.front()->cv.Signal();
    }
  }
  for (Writer* x : group) {
    if (x->result.ok() && !x->result->duplicate) {
      head_ = std::max(head_, x->result->last_position);
    }
  }
  head = head_;
  for (auto& [id, fn] : subscribers_) to_notify.push_back(fn);
  mu_.Unlock();
  for (auto& fn : to_notify) fn(head);
  mu_.Lock();
  return callbacks;
}

void RocksEventLog::WriteAsLeader(std::vector<Writer*>& group) {
  // Writes may have stopped since the group was taken (AppendRecorded does
  // not queue): seen here, under write_mu_, nothing is written after them.
  if (absl::Status bg = WriteStatus(); !bg.ok()) {
    for (Writer* w : group) w->result = bg;
    return;
  }
  uint64_t position = written_head_;
  std::string hash = last_hash_;
  int64_t now_us = std::max(clock_.NowMicros(), last_recorded_us_);

  rocksdb::WriteBatch batch;
  // Streams and request ids touched by this batch, ahead of the disk.
  absl::flat_hash_map<std::string, StreamState> touched;
  absl::flat_hash_map<std::string, v1::AppendReceipt> new_receipts;
  std::vector<Writer*> written;
  // Blobs put in this batch (each once, however many appends carry it).
  absl::flat_hash_set<std::string> new_blobs;

  for (Writer* w : group) {
    const AppendRequest& r = w->request;
    const std::string request_key = fmt::RequestKey(r.actor(), r.request_id);
    // Idempotency first: a retry of a successful append gets its first result,
    // whatever the stream's version is now.
    std::optional<v1::AppendReceipt> receipt;
    if (auto it = new_receipts.find(request_key); it != new_receipts.end()) {
      receipt = it->second;
      // Its answer stands or falls with this batch.
      written.push_back(w);
    } else {
      auto loaded = LoadReceipt(request_key);
      if (!loaded.ok()) {
        w->result = loaded.status();
        continue;
      }
      receipt = *loaded;
    }
    if (receipt.has_value()) {
      if (receipt->stream() != r.stream) {
        w->result = absl::AlreadyExistsError(
            absl::StrCat("request id '", r.request_id, "' of '", r.actor(),
                         "' was already used for stream '", receipt->stream(), "'"));
      } else {
        w->result = FromReceipt(*receipt);
      }
      continue;
    }

    StreamState state;
    if (auto it = touched.find(r.stream); it != touched.end()) {
      state = it->second;
    } else {
      auto loaded = LoadStreamState(r.stream);
      if (!loaded.ok()) {
        w->result = loaded.status();
        continue;
      }
      state = *loaded;
    }
    if (!r.expected.any() && r.expected.version() != state.version) {
      w->result =
          absl::AbortedError(absl::StrCat("stream '", r.stream, "' is at version ", state.version,
                                          ", the append expected ", r.expected.ToString()));
      continue;
    }

    AppendResult result;
    result.first_position = position + 1;
    result.first_version = state.version + 1;
    result.recorded_at_us = now_us;
    for (size_t i = 0; i < r.events.size(); ++i) {
      const NewEvent& e = r.events[i];
      v1::EventRecord rec;
      rec.set_partition(options_.partition);
      rec.set_position(++position);
      rec.set_stream(r.stream);
      rec.set_version(++state.version);
      rec.set_type(e.type);
      rec.set_type_version(e.type_version);
      rec.set_payload(e.payload);
      rec.set_occurred_at_us(e.occurred_at_us != 0 ? e.occurred_at_us : now_us);
      rec.set_recorded_at_us(now_us);
      rec.set_actor(e.actor);
      rec.set_causation_id(e.causation_id);
      rec.set_correlation_id(e.correlation_id);
      rec.set_request_id(r.request_id);
      rec.set_index_in_append(static_cast<uint32_t>(i));
      rec.set_prev_hash(hash);
      for (const std::string& d : e.blob_digests) rec.add_blob_digests(d);
      std::string bytes = rec.SerializeAsString();
      hash = Sha256(bytes);
      if (options_.merkle_tree) {
        completed_.clear();
        tree_.Append(merkle::LeafHash(bytes), &completed_);
        for (const merkle::Node& n : completed_) {
          if (n.level == 0) continue;  // a leaf is its record's hash
          batch.Put(merkle_, fmt::MerkleNodeKey(options_.partition, n.level, n.index), n.hash);
        }
      }
      batch.Put(events_, fmt::EventKey(options_.partition, position), bytes);
      std::string pos_value;
      fmt::PutFixed64BE(&pos_value, position);
      batch.Put(index_, fmt::StreamVersionKey(r.stream, state.version), pos_value);
    }
    state.last_position = position;
    touched[r.stream] = state;
    result.last_position = position;
    result.last_version = state.version;

    v1::AppendReceipt rc;
    rc.set_stream(r.stream);
    rc.set_first_position(result.first_position);
    rc.set_last_position(result.last_position);
    rc.set_first_version(result.first_version);
    rc.set_last_version(result.last_version);
    rc.set_recorded_at_us(now_us);
    batch.Put(requests_, request_key, rc.SerializeAsString());
    new_receipts[request_key] = rc;
    // The blobs, in the same batch as the events that name them. One held
    // intact already is not written again (equal content, equal key).
    for (size_t i = 0; i < r.blobs.size(); ++i) {
      const std::string& digest = w->blob_digests[i];
      if (new_blobs.contains(digest)) continue;
      auto held = HoldsIntactBlob(digest);
      if (held.ok() && *held) continue;
      batch.Put(blobs_, digest, r.blobs[i]);
      new_blobs.insert(digest);
    }
    w->result = result;
    written.push_back(w);
  }

  if (new_receipts.empty()) return;  // nothing new to write
  PutHeads(touched, position, hash, &batch);

  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) {
    // Nobody in this batch is told it succeeded.
    absl::Status err = StopWrites(s);
    for (Writer* w : written) w->result = err;  // also the duplicates answered from it
    return;
  }
  written_head_ = position;
  last_hash_ = hash;
  last_recorded_us_ = now_us;
  if (stream_cache_.size() > 200000) stream_cache_.clear();
  for (auto& [stream, state] : touched) stream_cache_[stream] = state;
}

void RocksEventLog::PutHeads(const absl::flat_hash_map<std::string, StreamState>& touched,
                             uint64_t position, const std::string& hash,
                             rocksdb::WriteBatch* batch) const {
  for (const auto& [stream, state] : touched) {
    v1::StreamHead head;
    head.set_version(state.version);
    head.set_last_position(state.last_position);
    batch->Put(heads_, stream, head.SerializeAsString());
  }
  batch->Put(meta_, fmt::kMetaHead, fmt::EncodeHead(position, hash));
}

absl::Status RocksEventLog::StopWrites(const rocksdb::Status& s) {
  absl::Status err = absl::UnavailableError(
      absl::StrCat("事件日志未能使本批写入落盘（磁盘已满或同步失败），暂停受理写入，"
                   "直至服务器重新启动（the event log could not make the batch durable: ",
                   s.ToString(), "）"));
  stream_cache_.clear();
  absl::MutexLock l(&mu_);
  if (bg_error_.ok()) stop_notice_ = on_stopped_;
  bg_error_ = err;
  return err;
}

void RocksEventLog::TellStopped() {
  std::function<void(const absl::Status&)> notice;
  absl::Status why;
  {
    absl::MutexLock l(&mu_);
    notice = std::move(stop_notice_);
    stop_notice_ = nullptr;
    why = bg_error_;
  }
  if (notice) notice(why);
}

absl::StatusOr<RocksEventLog::StreamState> RocksEventLog::LoadStreamState(
    const std::string& stream) {
  if (auto it = stream_cache_.find(stream); it != stream_cache_.end()) return it->second;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), heads_, stream, &value);
  StreamState state;
  if (s.IsNotFound()) return state;
  if (!s.ok()) return FromRocks(s, "reading a stream head");
  v1::StreamHead head;
  if (!head.ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat("stream '", stream, "': malformed head"));
  }
  state.version = head.version();
  state.last_position = head.last_position();
  return state;
}

absl::StatusOr<std::optional<v1::AppendReceipt>> RocksEventLog::LoadReceipt(
    const std::string& key) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), requests_, key, &value);
  if (s.IsNotFound()) return std::optional<v1::AppendReceipt>();
  if (!s.ok()) return FromRocks(s, "reading a request id");
  v1::AppendReceipt receipt;
  if (!receipt.ParseFromString(value)) {
    std::string actor, request_id;
    fmt::ParseRequestKey(key, &actor, &request_id);
    return absl::DataLossError(
        absl::StrCat("request id '", request_id, "' of '", actor, "': malformed receipt"));
  }
  return std::optional<v1::AppendReceipt>(std::move(receipt));
}

absl::StatusOr<RecordedEvent> RocksEventLog::Decode(uint64_t expected_position,
                                                    const rocksdb::Slice& value, bool with_hash) {
  RecordedEvent out;
  if (!out.record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(
        absl::StrCat("position ", expected_position, ": the record cannot be decoded"));
  }
  if (out.record.position() != expected_position || out.record.partition() != options_.partition) {
    return absl::DataLossError(absl::StrCat("position ", expected_position,
                                            ": the record says it is position ",
                                            out.record.position()));
  }
  if (with_hash) out.hash = Sha256(value.ToStringView());
  return out;
}

absl::StatusOr<RecordedEvent> RocksEventLog::ReadPosition(uint64_t position, bool with_hash) {
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events_,
                               fmt::EventKey(options_.partition, position), &value);
  if (s.IsNotFound()) {
    return absl::DataLossError(absl::StrCat("position ", position, ": the record is missing"));
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading position ", position));
  return Decode(position, value, with_hash);
}

absl::StatusOr<std::vector<RecordedEvent>> RocksEventLog::ReadStream(const std::string& stream,
                                                                     uint64_t from_version,
                                                                     size_t max) {
  std::vector<RecordedEvent> out;
  if (max == 0) return out;
  std::string prefix = fmt::StreamPrefix(stream);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
  uint64_t expected = std::max<uint64_t>(from_version, 1);
  for (it->Seek(fmt::StreamVersionKey(stream, expected));
       it->Valid() && it->key().starts_with(prefix) && out.size() < max; it->Next()) {
    rocksdb::Slice key = it->key();
    if (key.size() != prefix.size() + 8 || it->value().size() != 8) {
      return absl::DataLossError(absl::StrCat("stream '", stream, "': malformed index entry"));
    }
    uint64_t version = fmt::DecodeFixed64BE(key.data() + prefix.size());
    if (version != expected) {
      return absl::DataLossError(
          absl::StrCat("stream '", stream, "': version ", expected, " is missing from the index"));
    }
    uint64_t position = fmt::DecodeFixed64BE(it->value().data());
    ASSIGN_OR_RETURN(RecordedEvent e, ReadPosition(position, /*with_hash=*/true));
    if (e.record.stream() != stream || e.record.version() != version) {
      return absl::DataLossError(absl::StrCat("position ", position, ": indexed as '", stream,
                                              "' version ", version, " but the record differs"));
    }
    out.push_back(std::move(e));
    ++expected;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading a stream");
  return out;
}

absl::StatusOr<std::vector<RecordedEvent>> RocksEventLog::ReadAll(uint64_t from_position,
                                                                  size_t max) {
  std::vector<RecordedEvent> out;
  uint64_t head = HeadPosition();
  for (uint64_t p = std::max<uint64_t>(from_position, 1); p <= head && out.size() < max; ++p) {
    ASSIGN_OR_RETURN(RecordedEvent e, ReadPosition(p, /*with_hash=*/true));
    out.push_back(std::move(e));
  }
  return out;
}

absl::Status RocksEventLog::Scan(uint64_t from_position,
                                 const std::function<absl::Status(const RecordedEvent&)>& fn) {
  uint64_t head = HeadPosition();
  uint64_t expected = std::max<uint64_t>(from_position, 1);
  if (expected > head) return absl::OkStatus();
  rocksdb::ReadOptions ro;
  std::string upper = fmt::EventKey(options_.partition, head + 1);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, events_));
  RecordedEvent e;
  for (it->Seek(fmt::EventKey(options_.partition, expected)); it->Valid(); it->Next()) {
    uint32_t partition;
    uint64_t position;
    if (!fmt::ParseEventKey(it->key().ToStringView(), &partition, &position) ||
        position != expected) {
      return absl::DataLossError(absl::StrCat("position ", expected, ": the record is missing"));
    }
    rocksdb::Slice v = it->value();
    if (!e.record.ParseFromArray(v.data(), static_cast<int>(v.size())) ||
        e.record.position() != position) {
      return absl::DataLossError(
          absl::StrCat("position ", position, ": the record cannot be decoded"));
    }
    RETURN_IF_ERROR(fn(e));
    ++expected;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning the log");
  if (expected != head + 1) {
    return absl::DataLossError(absl::StrCat("position ", expected, ": the record is missing"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> RocksEventLog::StreamVersion(const std::string& stream) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), heads_, stream, &value);
  if (s.IsNotFound()) return 0;
  if (!s.ok()) return FromRocks(s, "reading a stream head");
  v1::StreamHead head;
  if (!head.ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat("stream '", stream, "': malformed head"));
  }
  return head.version();
}

uint64_t RocksEventLog::HeadPosition() const {
  absl::MutexLock l(&mu_);
  return head_;
}

uint64_t RocksEventLog::WaitForPosition(uint64_t after, absl::Duration timeout) {
  absl::MutexLock l(&mu_);
  auto passed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return head_ > after; };
  mu_.AwaitWithTimeout(absl::Condition(&passed), timeout);
  return head_;
}

uint64_t RocksEventLog::Subscribe(std::function<void(uint64_t)> fn) {
  absl::MutexLock l(&mu_);
  uint64_t id = next_subscriber_++;
  subscribers_[id] = std::move(fn);
  return id;
}

void RocksEventLog::Unsubscribe(uint64_t id) {
  absl::MutexLock l(&mu_);
  subscribers_.erase(id);
}

absl::StatusOr<VerifyResult> RocksEventLog::Verify(uint64_t from, uint64_t to) {
  VerifyResult out;
  uint64_t head = HeadPosition();
  out.from = std::max<uint64_t>(from, 1);
  out.to = (to == 0 || to > head) ? head : to;
  if (out.from > out.to) {
    // An empty range: nothing checked; its end no further than the head.
    out.to = std::min(out.from - 1, head);
    if (options_.merkle_tree) {
      ASSIGN_OR_RETURN(out.merkle_root, merkle::Root(out.to, MerkleReader()));
    }
    return out;
  }
  std::string hash(fmt::kHashSize, '\0');
  if (out.from > 1) {
    auto prev = ReadPosition(out.from - 1, /*with_hash=*/true);
    if (!prev.ok()) {
      out.ok = false;
      out.first_bad = out.from - 1;
      out.problem = std::string(prev.status().message());
      return out;
    }
    hash = prev->hash;
  }
  rocksdb::ReadOptions ro;
  std::string upper = fmt::EventKey(options_.partition, out.to + 1);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  ro.verify_checksums = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, events_));
  uint64_t expected = out.from;
  auto fail = [&](uint64_t at, std::string problem) {
    out.ok = false;
    out.first_bad = at;
    out.problem = std::move(problem);
    return out;
  };
  // The tree before the range, from its stored nodes; within it, every leaf
  // and every node a leaf completes is recomputed and compared.
  const bool with_tree = options_.merkle_tree;
  const merkle::NodeReader read_node = MerkleReader();
  absl::StatusOr<merkle::Frontier> tree =
      with_tree ? merkle::Frontier::Load(out.from - 1, read_node) : merkle::Frontier();
  if (!tree.ok()) return fail(out.from - 1, std::string(tree.status().message()));
  std::vector<merkle::Node> completed;
  v1::EventRecord rec;
  absl::flat_hash_set<std::string> blobs_seen;
  for (it->Seek(fmt::EventKey(options_.partition, out.from)); it->Valid(); it->Next()) {
    uint32_t partition;
    uint64_t position;
    if (!fmt::ParseEventKey(it->key().ToStringView(), &partition, &position) ||
        position != expected) {
      return fail(expected, "the record is missing");
    }
    rocksdb::Slice v = it->value();
    if (!rec.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      return fail(position, "the record cannot be decoded");
    }
    if (rec.position() != position) {
      return fail(position, absl::StrCat("the record says it is position ", rec.position()));
    }
    if (rec.prev_hash() != hash) {
      return fail(position,
                  "the previous-record hash does not match: the record before it, or "
                  "this one, was altered or removed");
    }
    hash = Sha256(v.ToStringView());
    completed.clear();
    if (with_tree) tree->Append(merkle::LeafHash(v.ToStringView()), &completed);
    for (const merkle::Node& n : completed) {
      if (n.level == 0) continue;  // recomputed from this very record
      absl::StatusOr<std::string> stored = read_node(n.level, n.index);
      if (!stored.ok()) return fail(position, std::string(stored.status().message()));
      if (*stored != n.hash) {
        return fail(position, absl::StrCat("the Merkle tree's node (", n.level, ", ", n.index,
                                           ") does not match the records: the tree, or a "
                                           "record it covers, was altered"));
      }
    }
    for (const std::string& digest : rec.blob_digests()) {
      if (blobs_seen.contains(digest)) continue;
      absl::Status blob = CheckBlob(digest);
      if (absl::IsNotFound(blob)) {
        return fail(position, absl::StrCat("blob ", ToHex(digest),
                                           " named by the record is missing from the blob store"));
      }
      if (!blob.ok()) return fail(position, std::string(blob.message()));
      blobs_seen.insert(digest);
      ++out.blobs_checked;
    }
    ++out.checked;
    ++expected;
  }
  if (!it->status().ok()) return fail(expected, it->status().ToString());
  if (expected != out.to + 1) return fail(expected, "the record is missing");
  if (out.to == head) {
    std::string value;
    uint64_t head_pos;
    std::string head_hash;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, fmt::kMetaHead, &value);
    if (s.ok() && fmt::DecodeHead(value, &head_pos, &head_hash) &&
        (head_pos != head || head_hash != hash)) {
      return fail(head, "the last record does not match the head's hash");
    }
  }
  out.last_hash = hash;
  if (with_tree) out.merkle_root = tree->Root();
  return out;
}

absl::Status RocksEventLog::PutSnapshot(const std::string& stream, uint64_t version,
                                        const std::string& bytes) {
  RETURN_IF_ERROR(Writable());
  if (stream.empty() || stream.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("stream: must be non-empty without NUL bytes");
  }
  rocksdb::WriteOptions wo;
  // A snapshot can always be rebuilt from the log; it need not be synced.
  rocksdb::Status s = db_->Put(wo, snapshots_, fmt::StreamVersionKey(stream, version), bytes);
  return FromRocks(s, "writing a snapshot");
}

absl::StatusOr<std::optional<std::pair<uint64_t, std::string>>> RocksEventLog::GetSnapshot(
    const std::string& stream, uint64_t max_version) {
  using Result = std::optional<std::pair<uint64_t, std::string>>;
  std::string prefix = fmt::StreamPrefix(stream);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), snapshots_));
  it->SeekForPrev(fmt::StreamVersionKey(stream, max_version));
  if (!it->status().ok()) return FromRocks(it->status(), "reading a snapshot");
  if (!it->Valid() || !it->key().starts_with(prefix) || it->key().size() != prefix.size() + 8) {
    return Result();
  }
  uint64_t version = fmt::DecodeFixed64BE(it->key().data() + prefix.size());
  return Result(std::make_pair(version, it->value().ToString()));
}

absl::Status RocksEventLog::PutMeta(const std::string& key, const std::string& value) {
  RETURN_IF_ERROR(Writable());
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, meta_, absl::StrCat(fmt::kMetaUserPrefix, key), value),
                   "writing metadata");
}

absl::StatusOr<std::optional<std::string>> RocksEventLog::GetMeta(const std::string& key) {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), meta_, absl::StrCat(fmt::kMetaUserPrefix, key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading metadata");
  return std::optional<std::string>(std::move(value));
}

namespace {

// The records of a checkpoint, written into one table file.
class SstSink final : public EventLog::CheckpointSink {
 public:
  SstSink(rocksdb::SstFileWriter& writer, std::string prefix)
      : writer_(writer), prefix_(std::move(prefix)) {}
  absl::Status Add(std::string_view record) override {
    hasher_.Update(fmt::CheckpointRecordFrame(record.size()));
    hasher_.Update(record);
    return FromRocks(writer_.Put(fmt::CheckpointRecordKey(prefix_, count_++),
                                 rocksdb::Slice(record.data(), record.size())),
                     "writing a checkpoint");
  }
  uint64_t count() const { return count_; }
  std::string Digest() { return hasher_.Finish(); }

 private:
  rocksdb::SstFileWriter& writer_;
  const std::string prefix_;
  uint64_t count_ = 0;
  Sha256Hasher hasher_;
};

}  // namespace

absl::Status RocksEventLog::WriteCheckpoint(
    const std::string& name, uint64_t position,
    const std::function<absl::Status(CheckpointSink&)>& fill) {
  RETURN_IF_ERROR(Writable());
  if (name.empty() || name.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("checkpoint name: must be non-empty without NUL bytes");
  }
  if (position > HeadPosition()) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint position ", position,
                                                   " is beyond the log's head ", HeadPosition()));
  }
  std::string hash;
  if (position > 0) {
    ASSIGN_OR_RETURN(RecordedEvent at, ReadPosition(position, /*with_hash=*/true));
    hash = at.hash;
  }
  absl::MutexLock l(&checkpoint_mu_);
  const std::string prefix = fmt::CheckpointPrefix(name);
  // How many records the checkpoint it replaces has (those beyond this one's
  // are removed after it).
  uint64_t earlier_records = 0;
  {
    std::string value, unused_hash, unused_digest;
    uint64_t unused_position = 0;
    if (db_->Get(rocksdb::ReadOptions(), snapshots_, fmt::CheckpointHeaderKey(prefix), &value)
            .ok()) {
      fmt::DecodeCheckpointHeader(value, &unused_position, &unused_hash, &earlier_records,
                                  &unused_digest);
    }
  }
  // A name RocksDB does not take for one of its own files. Ingesting moves
  // the file by a hard link; if a crash kept the old name as a second link
  // to a table file of the log, removing the name (not truncating the file)
  // leaves that table intact.
  const std::string file = CheckpointFile();
  (void)env()->DeleteFile(file);
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), db_->GetOptions(snapshots_), snapshots_);
  RETURN_IF_ERROR(FromRocks(writer.Open(file), "starting a checkpoint"));
  SstSink sink(writer, prefix);
  absl::Status filled = fill(sink);
  std::string header = fmt::EncodeCheckpointHeader(position, hash, sink.count(), sink.Digest());
  if (filled.ok()) {
    filled =
        FromRocks(writer.Put(fmt::CheckpointHeaderKey(prefix), header), "writing a checkpoint");
  }
  if (filled.ok()) filled = FromRocks(writer.Finish(), "finishing a checkpoint");
  if (filled.ok()) {
    // An ingest that overlaps the family's memtable (the range delete of an
    // earlier checkpoint) flushes it while every write waits; flushed first,
    // nothing waits but the ingest itself.
    filled = FromRocks(db_->Flush(rocksdb::FlushOptions(), snapshots_), "storing a checkpoint");
  }
  if (filled.ok()) {
    rocksdb::IngestExternalFileOptions ingest;
    ingest.move_files = true;
    filled = FromRocks(db_->IngestExternalFile(snapshots_, {file}, ingest), "storing a checkpoint");
  }
  (void)env()->DeleteFile(file);
  if (!filled.ok()) return filled;
  if (earlier_records <= sink.count()) return absl::OkStatus();
  // The records of an earlier, longer checkpoint beyond this one's.
  return FromRocks(db_->DeleteRange(rocksdb::WriteOptions(), snapshots_,
                                    fmt::CheckpointRecordKey(prefix, sink.count()),
                                    fmt::CheckpointRecordsEnd(prefix)),
                   "removing an earlier checkpoint");
}

absl::StatusOr<uint64_t> RocksEventLog::ReadCheckpoint(
    const std::string& name, const std::function<absl::Status(std::string_view)>& fn) {
  const std::string prefix = fmt::CheckpointPrefix(name);
  // The header and the records as of one moment, whatever is written meanwhile.
  const rocksdb::Snapshot* moment = db_->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* snapshot;
    ~Release() { db->ReleaseSnapshot(snapshot); }
  } release{db_.get(), moment};
  rocksdb::ReadOptions at_moment;
  at_moment.snapshot = moment;
  std::string value;
  rocksdb::Status s = db_->Get(at_moment, snapshots_, fmt::CheckpointHeaderKey(prefix), &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no checkpoint '", name, "'"));
  RETURN_IF_ERROR(FromRocks(s, "reading a checkpoint"));
  uint64_t position = 0, records = 0;
  std::string hash, digest;
  if (!fmt::DecodeCheckpointHeader(value, &position, &hash, &records, &digest)) {
    return absl::DataLossError(absl::StrCat("checkpoint '", name, "': its header is malformed"));
  }
  const uint64_t head = HeadPosition();
  if (position > head) {
    return absl::FailedPreconditionError(absl::StrCat("checkpoint '", name, "' stands at position ",
                                                      position, ", beyond the log's head ", head));
  }
  if (position > 0) {
    ASSIGN_OR_RETURN(RecordedEvent at, ReadPosition(position, /*with_hash=*/true));
    if (at.hash != hash) {
      return absl::FailedPreconditionError(
          absl::StrCat("checkpoint '", name, "' was taken at position ", position,
                       " of another log: the record there is not the one it stands on"));
    }
  } else if (!hash.empty()) {
    return absl::DataLossError(absl::StrCat("checkpoint '", name, "': its header is malformed"));
  }
  rocksdb::ReadOptions ro = at_moment;
  ro.fill_cache = false;  // read once, at start
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, snapshots_));
  Sha256Hasher hasher;
  it->Seek(fmt::CheckpointRecordKey(prefix, 0));
  for (uint64_t i = 0; i < records; ++i, it->Next()) {
    if (!it->Valid() || it->key() != fmt::CheckpointRecordKey(prefix, i)) {
      RETURN_IF_ERROR(FromRocks(it->status(), "reading a checkpoint"));
      return absl::DataLossError(
          absl::StrCat("checkpoint '", name, "': record ", i, " of ", records, " is missing"));
    }
    std::string_view record = it->value().ToStringView();
    hasher.Update(fmt::CheckpointRecordFrame(record.size()));
    hasher.Update(record);
    RETURN_IF_ERROR(fn(record));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading a checkpoint"));
  if (hasher.Finish() != digest) {
    return absl::DataLossError(
        absl::StrCat("checkpoint '", name, "': its records do not match its digest"));
  }
  return position;
}

absl::StatusOr<uint64_t> RocksEventLog::Backup(const std::string& dir) {
  RETURN_IF_ERROR(Writable());
  // Holding write_mu_ keeps the leader out, so the checkpoint's head is
  // exactly the head we report.
  absl::MutexLock wl(&write_mu_);
  const uint64_t head = written_head_;
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!s.ok()) return FromRocks(s, "preparing a backup");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  s = checkpoint->CreateCheckpoint(dir);
  if (!s.ok()) return FromRocks(s, absl::StrCat("creating a backup in ", dir));
  return head;
}

absl::StatusOr<EventLog::CopiedBackup> RocksEventLog::BackupCopy(const std::string& dir) {
  RETURN_IF_ERROR(Writable());
  if (!options_.merkle_tree) {
    return absl::FailedPreconditionError("a copied backup is read back with its Merkle tree");
  }
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::exists(dir, error)) {
    return absl::FailedPreconditionError(absl::StrCat(dir, " exists; a backup needs a new one"));
  }
  // The consistent state is taken as hard links inside the log's directory
  // (at once, holding up no append for long), then copied from there.
  const std::string staging = absl::StrCat(BackupStagingPrefix(), "-", ++backup_copies_);
  CopiedBackup out;
  {
    absl::MutexLock wl(&write_mu_);
    out.position = written_head_;
    out.last_hash = last_hash_;
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
    if (!s.ok()) return FromRocks(s, "preparing a backup");
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    s = checkpoint->CreateCheckpoint(staging);
    if (!s.ok()) return FromRocks(s, "taking the state to copy");
  }
  ASSIGN_OR_RETURN(out.root, MerkleRoot(out.position));
  absl::Status status = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(CopiedFiles copied, CopyDirectorySynced(staging, dir));
    out.files = copied.files;
    out.bytes = copied.bytes;
    const fs::path parent = fs::absolute(dir).lexically_normal().parent_path();
    RETURN_IF_ERROR(SyncPath(parent.string()));
    // Read back: the copy alone must be the log up to its position.
    Options ro;
    ro.create_if_missing = false;
    ro.read_only = true;
    ro.partition = options_.partition;
    RocksEventLog copy(clock_, ro);
    if (absl::Status s = copy.Open(dir); !s.ok()) {
      return absl::DataLossError(
          absl::StrCat("the copy in ", dir, " does not open: ", s.message()));
    }
    ASSIGN_OR_RETURN(VerifyResult v, copy.Verify(1, 0));
    if (!v.ok) {
      return absl::DataLossError(absl::StrCat("the copy in ", dir, " does not verify at position ",
                                              v.first_bad, ": ", v.problem));
    }
    if (copy.HeadPosition() != out.position || (out.position > 0 && v.last_hash != out.last_hash) ||
        v.merkle_root != out.root) {
      return absl::DataLossError(absl::StrCat(
          "the copy in ", dir, " does not end where the log stood at position ", out.position));
    }
    return absl::OkStatus();
  }();
  fs::remove_all(staging, error);
  if (!status.ok()) {
    fs::remove_all(dir, error);
    return status;
  }
  return out;
}

absl::StatusOr<EventLog::Rederived> RocksEventLog::RederiveFromRecords() {
  RETURN_IF_ERROR(Writable());
  absl::MutexLock wl(&write_mu_);
  stream_cache_.clear();
  const uint64_t head = written_head_;
  // Everything in the four families goes, in the first batch.
  rocksdb::WriteBatch batch;
  for (rocksdb::ColumnFamilyHandle* cf : {index_, heads_, requests_, snapshots_}) {
    std::unique_ptr<rocksdb::Iterator> last(db_->NewIterator(rocksdb::ReadOptions(), cf));
    last->SeekToLast();
    if (!last->status().ok()) return FromRocks(last->status(), "reading what the log derives");
    if (!last->Valid()) continue;
    std::string end = last->key().ToString();
    end.push_back('\0');
    batch.DeleteRange(cf, "", end);
  }
  Rederived out;
  absl::flat_hash_map<std::string, StreamState> streams;
  // An append's records are consecutive: its receipt is complete when the
  // next record belongs to another.
  std::string receipt_key;
  v1::AppendReceipt receipt;
  auto put_receipt = [&] {
    if (receipt_key.empty()) return;
    batch.Put(requests_, receipt_key, receipt.SerializeAsString());
    ++out.requests;
  };
  auto flush = [&](bool sync) -> absl::Status {
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    rocksdb::Status s = db_->Write(wo, &batch);
    batch.Clear();
    return FromRocks(s, "writing what the log derives from its records");
  };
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, events_));
  uint64_t expected = 1;
  for (it->Seek(fmt::EventKey(options_.partition, 1)); it->Valid() && expected <= head;
       it->Next(), ++expected) {
    ASSIGN_OR_RETURN(RecordedEvent e, Decode(expected, it->value(), /*with_hash=*/false));
    const v1::EventRecord& r = e.record;
    StreamState& state = streams[r.stream()];
    if (r.version() != state.version + 1) {
      return absl::DataLossError(absl::StrCat("position ", expected, ": stream ", r.stream(),
                                              " goes from version ", state.version, " to ",
                                              r.version()));
    }
    state.version = r.version();
    state.last_position = expected;
    std::string pos_value;
    fmt::PutFixed64BE(&pos_value, expected);
    batch.Put(index_, fmt::StreamVersionKey(r.stream(), r.version()), pos_value);
    std::string key = fmt::RequestKey(r.actor(), r.request_id());
    if (key != receipt_key) {
      put_receipt();
      receipt_key = std::move(key);
      receipt.Clear();
      receipt.set_stream(r.stream());
      receipt.set_first_position(expected);
      receipt.set_first_version(r.version());
      receipt.set_recorded_at_us(r.recorded_at_us());
    }
    receipt.set_last_position(expected);
    receipt.set_last_version(r.version());
    ++out.records;
    if (batch.Count() >= 8192) RETURN_IF_ERROR(flush(false));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the records");
  if (expected != head + 1) {
    return absl::DataLossError(absl::StrCat("position ", expected, ": the record is missing"));
  }
  put_receipt();
  for (const auto& [stream, state] : streams) {
    v1::StreamHead h;
    h.set_version(state.version);
    h.set_last_position(state.last_position);
    batch.Put(heads_, stream, h.SerializeAsString());
    if (batch.Count() >= 8192) RETURN_IF_ERROR(flush(false));
  }
  out.streams = streams.size();
  RETURN_IF_ERROR(flush(true));
  return out;
}

absl::StatusOr<uint64_t> RocksEventLog::AppendRecorded(const std::vector<std::string>& records,
                                                       const std::vector<std::string>& blobs) {
  RETURN_IF_ERROR(Writable());
  absl::flat_hash_map<std::string, const std::string*> carried;  // digest -> bytes
  for (size_t i = 0; i < blobs.size(); ++i) {
    if (blobs[i].size() > fmt::kMaxBlobBytes) {
      return absl::InvalidArgumentError(absl::StrCat("blobs[", i, "]: ", blobs[i].size(),
                                                     " bytes, more than ", fmt::kMaxBlobBytes));
    }
    carried.emplace(Sha256(blobs[i]), &blobs[i]);
  }
  absl::ReleasableMutexLock wl(&write_mu_);
  if (absl::Status bg = WriteStatus(); !bg.ok()) return bg;
  uint64_t position = written_head_;
  std::string hash = last_hash_;
  int64_t recorded_us = last_recorded_us_;
  merkle::Frontier tree = tree_;
  std::vector<merkle::Node> completed;
  rocksdb::WriteBatch batch;
  absl::flat_hash_map<std::string, StreamState> touched;
  // The receipt of the append the last record belongs to, under its key.
  std::string receipt_key;
  v1::AppendReceipt receipt;
  absl::flat_hash_set<std::string> named;
  absl::flat_hash_set<std::string> requests;  // the request ids begun in this call
  for (size_t i = 0; i < records.size(); ++i) {
    const std::string& bytes = records[i];
    const uint64_t at = position + 1;
    auto refuse = [&](const std::string& what) {
      return absl::InvalidArgumentError(
          absl::StrCat("records[", i, "] (position ", at, "): ", what));
    };
    v1::EventRecord r;
    if (!r.ParseFromString(bytes)) return refuse(std::string("does not decode as a record"));
    if (r.partition() != options_.partition || r.position() != at) {
      return refuse(absl::StrCat("is position ", r.position(), " of partition ", r.partition(),
                                 ", not the next of partition ", options_.partition));
    }
    if (r.prev_hash() != hash)
      return refuse(std::string("its prev_hash is not the hash of the record before"));
    if (r.stream().empty() || r.stream().find('\0') != std::string::npos ||
        r.actor().find('\0') != std::string::npos ||
        r.request_id().find('\0') != std::string::npos) {
      return refuse(std::string("names no stream, or a name with a NUL byte"));
    }
    StreamState state;
    if (auto it = touched.find(r.stream()); it != touched.end()) {
      state = it->second;
    } else {
      ASSIGN_OR_RETURN(state, LoadStreamState(r.stream()));
    }
    if (r.version() != state.version + 1) {
      return refuse(absl::StrCat("is version ", r.version(), " of stream '", r.stream(),
                                 "', which is at version ", state.version));
    }
    for (const std::string& d : r.blob_digests()) {
      named.insert(d);
      if (carried.contains(d)) continue;
      ASSIGN_OR_RETURN(bool held, HoldsIntactBlob(d));
      if (!held) return refuse(absl::StrCat("names blob ", ToHex(d), ", neither carried nor held"));
    }
    // The receipt: an append's records are consecutive, its first at index 0.
    std::string key = fmt::RequestKey(r.actor(), r.request_id());
    if (r.index_in_append() == 0) {
      if (!requests.insert(key).second) {
        return refuse(
            absl::StrCat("request id '", r.request_id(), "' of '", r.actor(), "' was used before"));
      }
      {
        ASSIGN_OR_RETURN(auto held, LoadReceipt(key));
        if (held.has_value()) {
          return refuse(absl::StrCat("request id '", r.request_id(), "' of '", r.actor(),
                                     "' was used before"));
        }
      }
      if (!receipt_key.empty()) batch.Put(requests_, receipt_key, receipt.SerializeAsString());
      receipt_key = std::move(key);
      receipt.Clear();
      receipt.set_stream(r.stream());
      receipt.set_first_position(at);
      receipt.set_first_version(r.version());
      receipt.set_recorded_at_us(r.recorded_at_us());
    } else {
      if (receipt_key.empty()) {  // the append began in an earlier call
        ASSIGN_OR_RETURN(auto held, LoadReceipt(key));
        if (held.has_value()) receipt = *held;
        receipt_key = key;
      }
      if (key != receipt_key || receipt.last_position() != position ||
          receipt.stream() != r.stream() ||
          r.index_in_append() != position + 1 - receipt.first_position()) {
        return refuse(absl::StrCat("is event ", r.index_in_append(), " of request id '",
                                   r.request_id(),
                                   "', which does not go on from the record before"));
      }
    }
    receipt.set_last_position(at);
    receipt.set_last_version(r.version());

    position = at;
    hash = Sha256(bytes);
    recorded_us = std::max(recorded_us, r.recorded_at_us());
    state.version = r.version();
    state.last_position = at;
    touched[r.stream()] = state;
    if (options_.merkle_tree) {
      completed.clear();
      tree.Append(merkle::LeafHash(bytes), &completed);
      for (const merkle::Node& n : completed) {
        if (n.level == 0) continue;
        batch.Put(merkle_, fmt::MerkleNodeKey(options_.partition, n.level, n.index), n.hash);
      }
    }
    batch.Put(events_, fmt::EventKey(options_.partition, at), bytes);
    std::string pos_value;
    fmt::PutFixed64BE(&pos_value, at);
    batch.Put(index_, fmt::StreamVersionKey(r.stream(), r.version()), pos_value);
  }
  for (const auto& [digest, bytes] : carried) {
    if (!named.contains(digest)) {
      return absl::InvalidArgumentError(
          absl::StrCat("blob ", ToHex(digest), " is named by none of the records"));
    }
    ASSIGN_OR_RETURN(bool held, HoldsIntactBlob(digest));
    if (!held) batch.Put(blobs_, digest, *bytes);
  }
  if (records.empty()) return written_head_;
  if (!receipt_key.empty()) batch.Put(requests_, receipt_key, receipt.SerializeAsString());
  PutHeads(touched, position, hash, &batch);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (rocksdb::Status s = db_->Write(wo, &batch); !s.ok()) {
    absl::Status err = StopWrites(s);
    wl.Release();
    TellStopped();
    return err;
  }
  written_head_ = position;
  last_hash_ = hash;
  last_recorded_us_ = recorded_us;
  tree_ = std::move(tree);
  if (stream_cache_.size() > 200000) stream_cache_.clear();
  for (auto& [stream, state] : touched) stream_cache_[stream] = state;
  std::vector<std::function<void(uint64_t)>> to_notify;
  {
    absl::MutexLock l(&mu_);
    head_ = std::max(head_, position);
    for (auto& [id, fn] : subscribers_) to_notify.push_back(fn);
  }
  wl.Release();
  for (auto& fn : to_notify) fn(position);  // outside the locks, as LeadGroup does
  return position;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLog>> OpenEventLog(const std::string& dir, Clock& clock,
                                                       const Options& options) {
  auto log = std::make_unique<RocksEventLog>(clock, options);
  RETURN_IF_ERROR(log->Open(dir));
  return std::unique_ptr<EventLog>(std::move(log));
}

}  // namespace taizhang::store
