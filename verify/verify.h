// The offline verifier (taizhang-verify): what an auditor runs on a copy of
// a log, with nothing but the copy, the public key of the server that signed
// it and the policies it ran, no server and no network.
//
// Check() opens the copy read-only and, in order:
//   1. the chain, the blobs and the Merkle tree (every record's hash, every
//      node recomputed from the records; store/event_log.h, Verify);
//   2. the proof records (proof/checkpoints): every key introduced and
//      rotated, every checkpoint's signature, and each checkpoint's root
//      against the tree of the records it names; the keys trusted are the
//      ones the given public keys reach by rotations both keys signed, and a
//      checkpoint signed by another is a failure (an insider who rewrites
//      the log whole must sign with a key of their own);
//   3. the published bulletins: the checkpoint each carries, its signature,
//      its key and its root;
//   4. the anchors given (checkpoints kept outside the log, as `taizhang
//      checkpoint --json` prints them, or copied from a printed bulletin):
//      each must be signed by a trusted key and be a prefix of this log (a
//      copy cut short, or rewritten after it, fails here);
//   5. the replay of every stream through the workflows up to `through`,
//      which gives the state digest the server gives (Audit.GetStateDigest,
//      `taizhang digest`) when its projections hold that position.
// The first bad position and what is wrong there are named.
//
// CheckBundle() checks an export bundle (proof/bundle.h, docs/bundle.md)
// instead: the bundle's frames, chain, blobs, key records and the path of
// its last record to its signed checkpoint. A bundle from position 1 is then
// read into a log of its own in a temporary directory (the records byte for
// byte) and checked as a copy is, steps 1 to 5, with its checkpoint proving
// every record; one from a later position cannot be replayed, and the
// report says so.
//
// Thread-safety: Check is a pure function of its options and the files.
#ifndef TAIZHANG_VERIFY_VERIFY_H_
#define TAIZHANG_VERIFY_VERIFY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "taizhang/v1/api_audit.pb.h"

namespace taizhang::verify {

struct CheckOptions {
  std::string dir;                       // the copy of the log (a backup directory)
  std::vector<std::string> public_keys;  // Ed25519, 32 raw bytes each
  std::vector<v1::Checkpoint> anchors;   // checkpoints kept outside the log
  std::string policies_dir;              // the policies the server ran; "": no replay
  uint64_t through = 0;                  // replay through this position (0: the head)
  // With public keys: a log none of whose records a key signed fails (an
  // auditor's check); false: it is only noted (a restore of a backup taken
  // before the first checkpoint).
  bool require_signature = true;
  // The records up to here are proved by a signed checkpoint from outside
  // the log (a bundle's): with none of its own, the log is not refused.
  uint64_t proved_through = 0;
};

struct BundleOptions {
  std::string file;                      // the bundle
  std::vector<std::string> public_keys;  // Ed25519, 32 raw bytes each
  std::vector<v1::Checkpoint> anchors;
  std::string policies_dir;  // "": no replay
  uint64_t through = 0;      // replay through this position (0: the bundle's last)
  std::string work_dir;      // where the log is made ("": the system's temporary directory)
};

// One finding; `position` 0 when it is not of one record.
struct Finding {
  uint64_t position = 0;
  std::string what;  // in Chinese
};

struct Report {
  bool ok = false;
  uint64_t head = 0;
  std::string chain_digest;  // hex, the last record's hash
  std::string root;          // hex, the Merkle root of the whole log
  uint64_t records_checked = 0;
  uint64_t blobs_checked = 0;
  double open_seconds = 0;    // opening the copy
  double chain_seconds = 0;   // step 1
  double proofs_seconds = 0;  // steps 2 to 4
  double load_seconds = 0;    // the policies, for step 5
  uint64_t checkpoints = 0;   // in the log, signatures checked
  uint64_t checkpoints_trusted = 0;
  uint64_t signed_through = 0;  // the largest size a trusted checkpoint covers
  uint64_t keys = 0;
  uint64_t bulletins = 0;  // published bulletins whose checkpoint was checked
  uint64_t anchors = 0;    // anchors checked
  bool replayed = false;
  uint64_t digest_position = 0;
  uint64_t streams = 0;
  std::string state_digest;  // hex
  double replay_seconds = 0;
  std::vector<Finding> failures;   // empty when ok
  std::vector<std::string> notes;  // what was not checked, and why
  // Of a bundle (CheckBundle).
  bool bundle = false;
  uint64_t bundle_from = 0;
  uint64_t bundle_to = 0;
  uint64_t bundle_log_head = 0;  // the server's head when it was made
  uint64_t bundle_checkpoint_size = 0;
  std::string bundle_key_id;
  std::string bundle_exported_by;
  int64_t bundle_exported_at_us = 0;
};

Report Check(const CheckOptions& options);
Report CheckBundle(const BundleOptions& options);

// The report as a person reads it (Chinese), one fact per line.
std::string Describe(const Report& report);

// The report as one JSON object on one line, for the programs an audit
// office keeps its findings with: every field of Report under its own name
// (hex digests as strings, times as RFC 3339 in UTC, failures as
// {"position", "what"}).
std::string ReportJson(const Report& report);

}  // namespace taizhang::verify

#endif  // TAIZHANG_VERIFY_VERIFY_H_
