// The state digest: one SHA-256 over every stream's state as the
// projections hold it at a position, so that two replays of the same log
// (the server's, whatever checkpoints it restored, and an auditor's offline
// one, tools/verify) can be compared by 32 bytes. docs/proof.md gives the
// bytes hashed:
//
//   "taizhang state digest v1\n"  position (8 bytes, big-endian)
//   then, for each workflow in the registry's order:
//     prefix (field)  then, for each of its streams in byte order:
//       stream (field)  version (8)  position of its last event (8)
//       state (field): protobuf's deterministic serialization of the state
//       as the projection keeps it (compacted where the aggregate compacts)
//
// where a field is its length (8 bytes, big-endian) and its bytes.
#ifndef TAIZHANG_ENGINE_STATE_DIGEST_H_
#define TAIZHANG_ENGINE_STATE_DIGEST_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "google/protobuf/message_lite.h"
#include "store/sha256.h"

namespace taizhang::engine {

inline constexpr char kStateDigestHeader[] = "taizhang state digest v1\n";

// Protobuf's deterministic serialization of `message` (map entries in key
// order), the same bytes for the same message on any machine.
std::string DeterministicBytes(const google::protobuf::MessageLite& message);

// Adds pieces to a state digest.
class StateDigester {
 public:
  explicit StateDigester(store::Sha256Hasher& hasher) : hasher_(hasher) {}
  void U64(uint64_t v);
  void Field(std::string_view bytes);
  // A stream: its name, version, last position and state.
  void Stream(std::string_view stream, uint64_t version, uint64_t position,
              const google::protobuf::MessageLite& state);
  uint64_t streams() const { return streams_; }

 private:
  store::Sha256Hasher& hasher_;
  uint64_t streams_ = 0;
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_STATE_DIGEST_H_
