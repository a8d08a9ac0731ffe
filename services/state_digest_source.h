// What the server asks the workflows for when an auditor calls
// Audit.GetStateDigest: their state digest (engine/state_digest.h) and the
// position it holds. Apart from the service so that the server's header
// need not include the gRPC stubs.
#ifndef TAIZHANG_SERVICES_STATE_DIGEST_SOURCE_H_
#define TAIZHANG_SERVICES_STATE_DIGEST_SOURCE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace taizhang::services {

struct ServedStateDigest {
  uint64_t position = 0;
  uint64_t streams = 0;
  std::string digest;  // 32 bytes
};
// FAILED_PRECONDITION when the projections are not the log's (they stopped
// on an error): a digest of them would be of nothing an auditor can check.
using StateDigestSource = std::function<absl::StatusOr<ServedStateDigest>()>;

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_STATE_DIGEST_SOURCE_H_
