// CheckpointSigner: the server's side of signed checkpoints.
//
// It holds the server's signing key and appends the proof records
// (checkpoint.h) to the log: a checkpoint of the log as it stands every
// `every_events` records and every `every` (when anything but proof records
// was appended since the last one), and on demand. The key is recorded with
// the first checkpoint it signs: introduced on a log that has none, or as a
// rotation from the key in use, signed by that key too when the server is
// given it (`previous`). A server holding another key than the log's, and
// not the log's own, refuses to open unless told to accept its key without
// the old one's word (accept_unendorsed: the key was lost); the rotation
// then says so and an auditor needs the new public key from elsewhere. A
// rotation is recorded when the signer opens, so that the old key is needed
// for that start only.
//
// Records are appended by actor kProofActor with the request id
// "checkpoint:<size>" (or "key:<id>"), so a checkpoint of a size is recorded
// once, however often it is asked for and across restarts.
//
// The timer runs on `timer_clock`, the server's clock or a system clock:
// checkpoints are stamped with the log's clock (`clock`) either way.
//
// Thread-safety: all methods may be called from any thread after Open.
#ifndef TAIZHANG_PROOF_SIGNER_H_
#define TAIZHANG_PROOF_SIGNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "proof/checkpoint.h"
#include "proof/ed25519.h"
#include "store/event_log.h"

namespace taizhang::proof {

struct SignerOptions {
  uint64_t every_events = 10000;          // 0: not by count
  absl::Duration every = absl::Hours(1);  // 0: not by time
  uint32_t partition = 0;
  // With no key of the log at hand, record this one as a rotation that the
  // old key did not sign.
  bool accept_unendorsed = false;
  // Told of a checkpoint due by count or time that could not be made (the
  // next one due tries again). On the signer's thread.
  std::function<void(const absl::Status&)> on_error;
};

// A checkpoint and the position of the record that holds it.
struct RecordedCheckpoint {
  v1::SignedCheckpoint checkpoint;
  uint64_t position = 0;
};

class CheckpointSigner {
 public:
  // Reads the log's proof records (each checked, KeyChain) and decides how
  // `key` joins them. FAILED_PRECONDITION when the log is signed by another
  // key and neither `previous` is that key nor accept_unendorsed is set;
  // DATA_LOSS for a proof record that does not check.
  static absl::StatusOr<std::unique_ptr<CheckpointSigner>> Open(store::EventLog& log, Clock& clock,
                                                                Clock& timer_clock, SigningKey key,
                                                                std::optional<SigningKey> previous,
                                                                SignerOptions options);
  ~CheckpointSigner();

  // Starts signing by count and by time; Stop() ends it (before the log is
  // closed). Both idempotent.
  void Start();
  void Stop();

  // A checkpoint of the log as it is now: the latest one when nothing but
  // proof records was appended after it.
  absl::StatusOr<RecordedCheckpoint> SignNow();
  // A checkpoint of the first `size` records (1 <= size <= head), not
  // recorded in the log (a document carries it: the bulletin). Signed by the
  // server's key, which is recorded first (a record of its own) if it is not
  // yet, so that the key of every document is in the log.
  absl::StatusOr<v1::SignedCheckpoint> SignUnrecorded(uint64_t size);

  // The latest recorded checkpoint, if any.
  std::optional<RecordedCheckpoint> Latest() const;
  // The chain of keys as recorded (the server's key is there once it has
  // signed its first checkpoint).
  KeyChain Keys() const;
  const SigningKey& key() const { return key_; }

  // Waits until no checkpoint is due or being made (one made due by a count
  // or a timer is then recorded: for tests, and for a manual clock's advance).
  void WaitIdle();

 private:
  CheckpointSigner(store::EventLog& log, Clock& clock, Clock& timer_clock, SigningKey key,
                   std::optional<SigningKey> previous, SignerOptions options);
  absl::Status LoadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sign_mu_);
  // Folds a proof record this signer appended.
  absl::Status Fold(uint64_t position, uint64_t version, const v1::ProofEvent& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sign_mu_);
  // Appends the key's record (when it is not recorded yet) and, when `size`
  // is set, a checkpoint of that size, in one append.
  absl::StatusOr<std::optional<RecordedCheckpoint>> Record(std::optional<uint64_t> size)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sign_mu_);
  absl::StatusOr<RecordedCheckpoint> SignLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sign_mu_);
  bool MovedSinceLatest() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(sign_mu_);
  void Run();

  store::EventLog& log_;
  Clock& clock_;
  Clock& timer_clock_;
  const SigningKey key_;
  const std::optional<SigningKey> previous_;
  const SignerOptions options_;

  mutable absl::Mutex sign_mu_;  // one append of proof records at a time
  KeyChain chain_ ABSL_GUARDED_BY(sign_mu_);
  uint64_t stream_version_ ABSL_GUARDED_BY(sign_mu_) = 0;
  std::optional<RecordedCheckpoint> latest_ ABSL_GUARDED_BY(sign_mu_);
  bool key_recorded_ ABSL_GUARDED_BY(sign_mu_) = false;
  // Proof records after the latest checkpoint's (after none: all of them).
  uint64_t proof_records_after_latest_ ABSL_GUARDED_BY(sign_mu_) = 0;

  // What the log's subscription, the timer and the signer's thread share;
  // the timer's callback holds it, so that one firing during Stop touches
  // nothing of the signer.
  struct Worker;
  std::shared_ptr<Worker> worker_;
  uint64_t subscription_ = 0;
  std::thread thread_;
};

}  // namespace taizhang::proof

#endif  // TAIZHANG_PROOF_SIGNER_H_
