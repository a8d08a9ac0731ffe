// Signed checkpoints and the chain of signing keys, as the log holds them.
//
// The server signs checkpoints of its log (the partition, the number of
// records, the Merkle root of those records, the time) with Ed25519, and
// records each as an event of kProofStream, with the keys that sign them:
// the first key is introduced (signed by itself), a new key replaces the
// old one by a rotation (signed by both, or by the new one alone when the
// old one was lost, which a check reports). An auditor who holds one public
// key of the log can check every checkpoint signed by it or by a key that a
// rotation links to it, with nothing but the records.
//
// What is signed is a text of a few lines made from the fields, documented
// in docs/proof.md so that it can be checked without this program:
//
//   taizhang checkpoint v1
//   partition 0
//   size 1234
//   root 5f3e…(64 hex digits)
//   time 2026-12-03T04:00:00.000000Z
//   key 1a2b3c4d5e6f7081
//
// Thread-safety: pure functions; a KeyChain is used by one thread.
#ifndef TAIZHANG_PROOF_CHECKPOINT_H_
#define TAIZHANG_PROOF_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/event_log.h"
#include "taizhang/v1/proof.pb.h"

namespace taizhang::proof {

// The stream of the proof records, their types, and who appends them.
inline constexpr char kProofStream[] = "proof/checkpoints";
inline constexpr char kProofPrefix[] = "proof";  // types "proof.<Kind>"
inline constexpr char kProofActor[] = "system:proof";

// The texts that are signed (see the file comment).
std::string CheckpointText(const v1::SignedCheckpoint& c);
std::string IntroductionText(const v1::SigningKeyIntroduced& k);
std::string RotationText(const v1::SigningKeyRotated& r);

// "2026-12-03T04:00:00.000000Z": the time in the texts.
std::string TimeText(int64_t time_us);

// Whether the checkpoint's signature is `public_key`'s (and its key id that
// key's id).
bool CheckpointSignedBy(const v1::SignedCheckpoint& c, const std::string& public_key);

// One key of a log's chain.
struct ChainKey {
  std::string id;
  std::string public_key;      // 32 bytes
  uint64_t from_position = 0;  // the record that introduced it
  int64_t time_us = 0;
  // The key it replaced ("" for the first) and whether that key signed the
  // rotation (vouched for this one).
  std::string replaces;
  bool endorsed = true;
};

// The keys of a log, folded from its proof records in order, each record's
// signatures checked as it is added.
class KeyChain {
 public:
  // Adds the proof record at `position` (an event of kProofStream).
  // DATA_LOSS naming the position when it cannot be decoded, a signature does
  // not verify, a rotation does not start from the key in use, a key is
  // introduced twice, or a checkpoint is signed by another key than the one
  // in use. A checkpoint record is checked and otherwise not kept.
  absl::Status Add(uint64_t position, const v1::ProofEvent& event);
  absl::Status Add(const store::RecordedEvent& e);

  const std::vector<ChainKey>& keys() const { return keys_; }
  // The key in use after the records added (null before the first).
  const ChainKey* current() const { return keys_.empty() ? nullptr : &keys_.back(); }
  const ChainKey* Find(const std::string& id) const;

  // The keys an auditor who trusts `public_key` can trust too: those linked
  // to it by rotations that both keys signed (in either direction, since
  // the old key vouches for the new and the new one signs its rotation from
  // the old). Empty when `public_key` is none of this chain's.
  std::vector<std::string> TrustedFrom(const std::string& public_key) const;

 private:
  std::vector<ChainKey> keys_;
};

// The proof event in a record of kProofStream. DATA_LOSS naming the
// position when it does not decode.
absl::StatusOr<v1::ProofEvent> DecodeProofRecord(const store::RecordedEvent& e);

}  // namespace taizhang::proof

#endif  // TAIZHANG_PROOF_CHECKPOINT_H_
