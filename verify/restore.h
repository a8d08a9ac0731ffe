// Restoring a backup as a server's log (taizhangd --restore-from): the
// backup is checked first as taizhang-verify checks it (the chain, the
// blobs, the Merkle tree, every signature, trust from the keys given; no
// replay), refused with the first bad position when it does not pass, then
// copied file by file into the data directory (each file and the directory
// synced; written beside it and renamed into place, so a crash leaves no
// half-restored log), and the copy is opened read-only and must give the
// backup's chain digest and Merkle root. What the log keeps beside its
// records and the chain does not cover (the stream index, heads, request
// receipts) is then made anew from the records, and the snapshots and
// checkpoints of the projections are dropped: the restored server trusts
// nothing of the backup but what the chain and the signatures vouch for,
// and its first start replays the whole log.
#ifndef TAIZHANG_VERIFY_RESTORE_H_
#define TAIZHANG_VERIFY_RESTORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace taizhang::verify {

struct Restored {
  uint64_t head = 0;         // the records restored
  std::string chain_digest;  // hex, the last record's hash
  std::string root;          // hex, the Merkle root
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t streams = 0;   // made anew from the records
  uint64_t requests = 0;  // request receipts made anew
};

// `data_dir` must not exist, or be empty: FAILED_PRECONDITION otherwise, and
// for a backup that does not pass (naming the position and what is wrong);
// DATA_LOSS when the copy does not read back as the backup.
absl::StatusOr<Restored> Restore(const std::string& backup, const std::string& data_dir,
                                 const std::vector<std::string>& public_keys);

}  // namespace taizhang::verify

#endif  // TAIZHANG_VERIFY_RESTORE_H_
