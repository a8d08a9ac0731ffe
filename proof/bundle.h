// The export bundle: the records of a range of a log, in their stored bytes,
// with what proves them to someone who holds nothing but the file and a
// public key of the server (docs/bundle.md; taizhang/v1/bundle.proto).
//
// The proof: a checkpoint of a tree that holds the range's last record,
// signed by the server; the path (RFC 9162 2.1.3) from that record to the
// checkpoint's root; and each record's prev_hash, the SHA-256 of the record
// before it, which pins every earlier record of the range to the last. The
// key records of the log (introductions and rotations, each signed) lead
// from a key the checker trusts to the checkpoint's key. The blobs the
// records name travel with them, each named by its own SHA-256.
//
//   WriteBundle(log, {.from = 1, .to = 500}, checkpoint, public_key,
//               exported_at_us, "auditor:审计局", sink);
//   BundleReader reader(in);               // then, frame by frame:
//   BundleFacts facts = CheckBundle(reader, trusted_keys, on_records);
//
// Thread-safety: WriteBundle and CheckBundle are pure functions of their
// arguments (the log is thread-safe); a BundleReader is used by one thread.
#ifndef TAIZHANG_PROOF_BUNDLE_H_
#define TAIZHANG_PROOF_BUNDLE_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "store/event_log.h"
#include "store/sha256.h"
#include "taizhang/v1/bundle.pb.h"
#include "taizhang/v1/proof.pb.h"

namespace taizhang::proof {

// The first bytes of every bundle, then frames of a 4-byte big-endian
// length and a BundleFrame.
inline constexpr std::string_view kBundleMagic = "TZBUNDLE1\n";
inline constexpr uint32_t kBundleFormat = 1;
// No frame is longer (the largest is a blob of store::format::kMaxBlobBytes).
inline constexpr uint32_t kMaxBundleFrameBytes = 16 << 20;

struct BundleRange {
  uint64_t from = 1;
  uint64_t to = 0;  // >= from, <= the checkpoint's size
};

struct BundleSummary {
  uint64_t records = 0;
  uint64_t key_records = 0;
  uint64_t blobs = 0;
  uint64_t bytes = 0;
};

// Called with the bundle's bytes in order; an error stops the writing.
using ByteSink = std::function<absl::Status(std::string_view)>;

// Writes the bundle of records [range.from, range.to] of `log`, proved by
// `checkpoint` (signed by `public_key`, its size at least range.to and at
// most the head), with every key record of the log and the blobs the
// records name. INVALID_ARGUMENT for a range or checkpoint that does not fit
// the log; the log's errors as they are.
absl::StatusOr<BundleSummary> WriteBundle(store::EventLog& log, BundleRange range,
                                          const v1::SignedCheckpoint& checkpoint,
                                          const std::string& public_key, int64_t exported_at_us,
                                          const std::string& exported_by, const ByteSink& sink);

// Reads a bundle's frames from `in`, keeping the SHA-256 of what it read.
class BundleReader {
 public:
  explicit BundleReader(std::istream& in) : in_(in) {}

  // The next frame, or nullopt after the end frame, which must be the last
  // thing in the file and whose digest must be that of the bytes before it.
  // DATA_LOSS (in Chinese, naming the byte offset) for a file that is not a
  // bundle, is cut short, holds a frame too long or not a BundleFrame, or
  // goes on after its end.
  absl::StatusOr<std::optional<v1::BundleFrame>> Next();

  uint64_t offset() const { return offset_; }

 private:
  absl::Status Read(size_t n, std::string* out);

  std::istream& in_;
  uint64_t offset_ = 0;
  bool started_ = false;
  bool ended_ = false;
  store::Sha256Hasher hasher_;  // of the bytes before the end frame
};

// The first thing wrong in a bundle: the record's position (0 when it is
// not of one record) and what, in Chinese.
struct BundleProblem {
  uint64_t position = 0;
  std::string what;
};

// What a bundle holds, once checked.
struct BundleFacts {
  v1::BundleHeader header;
  BundleSummary summary;
  std::string last_hash;  // 32 bytes: the chain hash at header.to_position
  uint64_t keys = 0;      // keys introduced or rotated in the key records
  bool trusted = false;   // the checkpoint's key is one the checker trusts
  // The public keys (32 bytes each) trusted: those given, and those the
  // bundle's key records reach from them by rotations both keys signed.
  std::vector<std::string> trusted_keys;
  std::vector<std::string> notes;        // in Chinese: what was not proved, and why
  std::optional<BundleProblem> problem;  // none when the bundle checks
};

// Consecutive records of the range (stored bytes) and the blobs they name
// that no earlier call carried: at most store::format::kMaxEventsPerAppend
// records and kMaxAppendBlobBytes of blobs (a record with more blobs comes
// alone). Given as they are read, before the last record is proved: the
// verdict is CheckBundle's result.
using BundleRecords =
    std::function<absl::Status(std::vector<std::string> records, std::vector<std::string> blobs)>;

// Reads the bundle through `reader` and checks it: the frames in order and
// counted, the digest; each record decodes, is of the header's partition,
// at the next position, and its prev_hash is the SHA-256 of the record
// before it (32 zero bytes for position 1); each blob is named by a record
// and every blob a record names is there; the key records' signatures
// (KeyChain); the checkpoint's signature by the header's key, whose id it
// names; the last record's path to the checkpoint's root. With
// `public_keys`, the checkpoint's key must be one of them or be reached from
// one by rotations both keys signed; without, it must be a key of the
// bundle's key records (and a note says nothing proves whose key it is).
// `on_records` may be null; its error is the problem. The check stops at
// the first problem.
BundleFacts CheckBundle(BundleReader& reader, const std::vector<std::string>& public_keys,
                        const BundleRecords& on_records);

}  // namespace taizhang::proof

#endif  // TAIZHANG_PROOF_BUNDLE_H_
