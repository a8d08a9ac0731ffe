#include "services/payload_decoder.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/upcaster.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"

namespace taizhang::services {
namespace {

class ProtoJsonDecoder final : public PayloadDecoder {
 public:
  ProtoJsonDecoder(const google::protobuf::Message& prototype, uint32_t current_version,
                   const engine::UpcasterRegistry* upcasters)
      : prototype_(prototype.New()), current_version_(current_version), upcasters_(upcasters) {}

  absl::StatusOr<std::string> ToJson(const v1::EventRecord& record) const override {
    std::string payload = record.payload();
    if (record.type_version() != current_version_) {
      if (upcasters_ == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("'", record.type(), "' version ", record.type_version(),
                         " has no upcaster to version ", current_version_));
      }
      auto up = upcasters_->Upcast(record.type(), record.type_version(), current_version_,
                                   std::move(payload));
      if (!up.ok()) return up.status();
      payload = *std::move(up);
    }
    std::unique_ptr<google::protobuf::Message> message(prototype_->New());
    if (!message->ParseFromString(payload)) {
      return absl::DataLossError(
          absl::StrCat("the payload is not a ", message->GetDescriptor()->full_name()));
    }
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    std::string json;
    auto status = google::protobuf::util::MessageToJsonString(*message, &json, options);
    if (!status.ok()) {
      return absl::InternalError(absl::StrCat("JSON: ", std::string(status.message())));
    }
    return json;
  }

 private:
  std::unique_ptr<google::protobuf::Message> prototype_;
  const uint32_t current_version_;
  const engine::UpcasterRegistry* upcasters_;
};

}  // namespace

std::unique_ptr<PayloadDecoder> NewProtoJsonDecoder(const google::protobuf::Message& prototype,
                                                    uint32_t current_version,
                                                    const engine::UpcasterRegistry* upcasters) {
  return std::make_unique<ProtoJsonDecoder>(prototype, current_version, upcasters);
}

void PayloadDecoders::Add(std::string stream_prefix,
                          std::shared_ptr<const PayloadDecoder> decoder) {
  decoders_.emplace_back(std::move(stream_prefix), std::move(decoder));
}

const PayloadDecoder* PayloadDecoders::Find(std::string_view stream) const {
  const PayloadDecoder* best = nullptr;
  size_t best_len = 0;
  for (const auto& [prefix, decoder] : decoders_) {
    if (stream.substr(0, prefix.size()) == prefix &&
        (best == nullptr || prefix.size() > best_len)) {
      best = decoder.get();
      best_len = prefix.size();
    }
  }
  return best;
}

}  // namespace taizhang::services
