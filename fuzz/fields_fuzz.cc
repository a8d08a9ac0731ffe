// The CLI's FIELD=VALUE assignments (services/ledger_cli.h SetFields) onto
// the request of any RPC of the API: the first byte picks the method, each
// line after it is an assignment. An assignment that does not fit is
// refused naming it, and the request is left as it was.
#include "absl/strings/str_split.h"
#include "fuzz/fuzz_target.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "services/ledger_cli.h"
#include "taizhang/v1/service.pb.h"

namespace taizhang::fuzz {
namespace {

namespace pb = google::protobuf;

// The request type of every method of taizhang/v1/service.proto, in order.
const std::vector<const pb::Descriptor*>& Requests() {
  static const auto* requests = [] {
    auto* out = new std::vector<const pb::Descriptor*>();
    const pb::FileDescriptor* file =
        pb::DescriptorPool::generated_pool()->FindFileByName("taizhang/v1/service.proto");
    FUZZ_CHECK(file != nullptr);
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        out->push_back(file->service(s)->method(m)->input_type());
      }
    }
    return out;
  }();
  return *requests;
}

std::vector<std::string> FieldsSeeds(const std::string&) {
  std::vector<std::string> out;
  const auto& requests = Requests();
  for (size_t i = 0; i < requests.size() && i < 256; ++i) {
    std::string seed(1, static_cast<char>(i));
    const pb::Descriptor* d = requests[i];
    for (int f = 0; f < d->field_count() && f < 4; ++f) {
      const pb::FieldDescriptor* field = d->field(f);
      seed += "\n" + field->name() + "=";
      switch (field->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_STRING:
          seed += "2020-07-15";
          break;
        case pb::FieldDescriptor::CPPTYPE_BOOL:
          seed += "true";
          break;
        case pb::FieldDescriptor::CPPTYPE_ENUM:
          seed += field->enum_type()->value(field->enum_type()->value_count() - 1)->name();
          break;
        case pb::FieldDescriptor::CPPTYPE_MESSAGE:
          if (field->message_type()->field_count() > 0) {
            seed.back() = '.';
            seed += field->message_type()->field(0)->name() + "=1";
          }
          break;
        default:
          seed += "42";
      }
    }
    out.push_back(seed);
  }
  return out;
}

}  // namespace

TAIZHANG_FUZZ_TARGET(fields, FieldsSeeds) {
  if (size == 0) return;
  const auto& requests = Requests();
  const pb::Descriptor* type = requests[data[0] % requests.size()];
  std::vector<std::string> assignments =
      absl::StrSplit(absl::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), '\n',
                     absl::SkipEmpty());
  std::unique_ptr<pb::Message> message(
      pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
  // Something set first, so that "left as it was" is more than empty.
  if (type->field_count() > 0 &&
      type->field(0)->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING &&
      !type->field(0)->is_repeated()) {
    message->GetReflection()->SetString(message.get(), type->field(0), "已有的值");
  }
  const std::string before = message->SerializeAsString();
  absl::Status s = services::SetFields(assignments, message.get());
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!s.message().empty());
    FUZZ_CHECK(message->SerializeAsString() == before);
  }
}

}  // namespace taizhang::fuzz
