#include "services/field_checks.h"

#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "store/format.h"

namespace taizhang::services {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Code points of valid UTF-8 (proto3 strings are, once parsed).
size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool IsTitle(const std::string& name) {
  return name == "title" || name == "name" || absl::EndsWith(name, "_title") ||
         absl::EndsWith(name, "_name");
}

bool IsReason(const std::string& name) {
  for (const char* n : {"reason", "reasons", "measures", "note", "comment", "opinion"}) {
    if (name == n) return true;
  }
  return absl::EndsWith(name, "_reason");
}

std::string Accepted(const google::protobuf::EnumDescriptor& e) {
  std::vector<std::string> values;
  for (int i = 0; i < e.value_count(); ++i) {
    values.push_back(absl::StrCat(e.value(i)->name(), " = ", e.value(i)->number()));
  }
  return absl::StrJoin(values, ", ");
}

class Walker {
 public:
  // `limits` null: enums only.
  explicit Walker(const v1::TextLimits* limits) : limits_(limits) {}

  absl::Status Walk(const Message& m, const std::string& prefix) const {
    const Reflection* r = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(m, &fields);
    for (const FieldDescriptor* f : fields) {
      const std::string path = prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
      if (!f->is_repeated()) {
        if (absl::Status s = One(m, *f, -1, path); !s.ok()) return s;
        continue;
      }
      const int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        if (absl::Status s = One(m, *f, i, absl::StrCat(path, "[", i, "]")); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

 private:
  // Field `f` of `m` (element `i` when repeated, else -1).
  absl::Status One(const Message& m, const FieldDescriptor& f, int i,
                   const std::string& path) const {
    const Reflection* r = m.GetReflection();
    switch (f.cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Walk(i < 0 ? r->GetMessage(m, &f) : r->GetRepeatedMessage(m, &f, i), path);
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int value = i < 0 ? r->GetEnumValue(m, &f) : r->GetRepeatedEnumValue(m, &f, i);
        if (f.enum_type()->FindValueByNumber(value) != nullptr) return absl::OkStatus();
        return absl::InvalidArgumentError(absl::StrCat(path, ": unknown value ", value,
                                                       "; accepted: ", Accepted(*f.enum_type())));
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        if (limits_ == nullptr || f.type() == FieldDescriptor::TYPE_BYTES) {
          return absl::OkStatus();
        }
        std::string scratch;
        const std::string& value = i < 0 ? r->GetStringReference(m, &f, &scratch)
                                         : r->GetRepeatedStringReference(m, &f, i, &scratch);
        std::string key;
        const uint32_t limit = TextLimitOf(f, *limits_, &key);
        const size_t chars = Utf8Chars(value);
        if (chars <= limit) return absl::OkStatus();
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": ", chars, " characters, more than the ", limit, " allowed (", key,
                         " in the server's configuration); shorten it"));
      }
      default:
        return absl::OkStatus();
    }
  }

  const v1::TextLimits* limits_;
};

}  // namespace

v1::TextLimits EffectiveTextLimits(const v1::TextLimits& configured) {
  v1::TextLimits out = configured;
  if (out.title() == 0) out.set_title(kDefaultTitleChars);
  if (out.reason() == 0) out.set_reason(kDefaultReasonChars);
  if (out.free_text() == 0) out.set_free_text(kDefaultFreeTextChars);
  return out;
}

uint32_t TextLimitOf(const FieldDescriptor& field, const v1::TextLimits& limits, std::string* key) {
  if (auto it = limits.field().find(field.full_name()); it != limits.field().end()) {
    *key = absl::StrCat("text_limits.field[\"", field.full_name(), "\"]");
    return it->second;
  }
  if (IsTitle(field.name())) {
    *key = "text_limits.title";
    return limits.title();
  }
  if (IsReason(field.name())) {
    *key = "text_limits.reason";
    return limits.reason();
  }
  *key = "text_limits.free_text";
  return limits.free_text();
}

absl::Status CheckRequestFields(const Message& message, const v1::TextLimits& limits) {
  return Walker(&limits).Walk(message, "");
}

absl::Status CheckEnumFields(const Message& message) { return Walker(nullptr).Walk(message, ""); }

absl::Status CheckCommandHeader(const v1::CommandHeader& header) {
  if (header.request_id().empty()) {
    return absl::InvalidArgumentError("header.request_id: required, so a retry is harmless");
  }
  // The id is the caller's own (the log keys it with the caller's actor), so
  // its bytes cannot reach another principal's; printable text keeps it
  // readable in audit reads and `taizhang history`.
  if (header.request_id().size() > store::format::kMaxRequestIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("header.request_id: at most ", store::format::kMaxRequestIdBytes, " bytes"));
  }
  for (unsigned char c : header.request_id()) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          "header.request_id: control characters (NUL, newline, ...) are not allowed");
    }
  }
  return absl::OkStatus();
}

}  // namespace taizhang::services
