#include "engine/event_type.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace taizhang::engine {

std::string EventTypeName(absl::string_view prefix, absl::string_view field_name) {
  std::string out = absl::StrCat(prefix, ".");
  bool upper = true;
  for (char c : field_name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? absl::ascii_toupper(static_cast<unsigned char>(c)) : c);
    upper = false;
  }
  return out;
}

std::string EventTypeName(absl::string_view prefix, const google::protobuf::Message& envelope) {
  const google::protobuf::Descriptor* d = envelope.GetDescriptor();
  const google::protobuf::FieldDescriptor* field =
      d->oneof_decl_count() == 0
          ? nullptr
          : envelope.GetReflection()->GetOneofFieldDescriptor(envelope, d->oneof_decl(0));
  if (field == nullptr) return absl::StrCat(prefix, ".Unknown");
  return EventTypeName(prefix, field->name());
}

}  // namespace taizhang::engine
