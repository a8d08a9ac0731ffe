// PayloadDecoder: how the Audit service shows an event's payload as JSON.
//
// The log stores payloads as opaque protobuf bytes; only the domain knows their
// message types. The domain plugs one decoder per stream prefix ("case/",
// "task/", ...) into the server (TaizhangServer::AddPayloadDecoder); an event of
// a stream without one is shown with its bytes only. NewProtoJsonDecoder covers
// the usual case: one Event message per aggregate, upcast to its current
// schema, rendered by protobuf's JSON mapping (field names as in the .proto,
// Chinese kept as UTF-8).
//
// This header is free of gRPC: the domain may implement it anywhere.
//
// Thread-safety: ToJson is called from many RPC threads at once; decoders must
// be immutable once registered.
#ifndef TAIZHANG_SERVICES_PAYLOAD_DECODER_H_
#define TAIZHANG_SERVICES_PAYLOAD_DECODER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "taizhang/v1/record.pb.h"

namespace google::protobuf {
class Message;
}

namespace taizhang::engine {
class UpcasterRegistry;
}

namespace taizhang::services {

class PayloadDecoder {
 public:
  virtual ~PayloadDecoder() = default;

  // The payload of `record` as JSON. An error (e.g. DATA_LOSS for bytes that
  // do not parse) is shown to the auditor beside the raw bytes; it does not
  // fail the read.
  virtual absl::StatusOr<std::string> ToJson(const v1::EventRecord& record) const = 0;
};

// Decodes payloads as `prototype`'s message type (the aggregate's Event; its
// default instance is fine — it is copied). A record whose type_version differs
// from `current_version` is first upcast through `upcasters` (not owned; must
// outlive the decoder; nullptr: such records are FAILED_PRECONDITION).
std::unique_ptr<PayloadDecoder> NewProtoJsonDecoder(
    const google::protobuf::Message& prototype, uint32_t current_version = 1,
    const engine::UpcasterRegistry* upcasters = nullptr);

// Decoders by stream prefix. The longest matching prefix wins.
class PayloadDecoders {
 public:
  void Add(std::string stream_prefix, std::shared_ptr<const PayloadDecoder> decoder);
  // The decoder for `stream`, or nullptr.
  const PayloadDecoder* Find(std::string_view stream) const;
  bool empty() const { return decoders_.empty(); }

 private:
  std::vector<std::pair<std::string, std::shared_ptr<const PayloadDecoder>>> decoders_;
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_PAYLOAD_DECODER_H_
