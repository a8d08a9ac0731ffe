// Checks every request gets before its handler acts on it, made once by
// reflection over the request's fields rather than per field by hand:
//   - string fields no longer than their TextLimits (api_config.proto), by
//     what the field's name says it is (a title, a reason, free text);
//   - enum fields holding a value their enum declares (proto3 keeps an unknown
//     number as is, so a filter on it would silently match nothing).
// A failure is INVALID_ARGUMENT naming the field's path from the request
// ("command.create.title", "responsible_units[2]", "light") and, for a
// length, the limit and the configuration key that sets it; for an enum,
// the values it accepts.
//
// Thread-safety: pure functions of their arguments.
#ifndef TAIZHANG_SERVICES_FIELD_CHECKS_H_
#define TAIZHANG_SERVICES_FIELD_CHECKS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "taizhang/v1/api_config.pb.h"
#include "taizhang/v1/api_ledger.pb.h"

namespace taizhang::services {

inline constexpr uint32_t kDefaultTitleChars = 200;
inline constexpr uint32_t kDefaultReasonChars = 2000;
inline constexpr uint32_t kDefaultFreeTextChars = 10000;

// `configured` with every 0 replaced by its default.
v1::TextLimits EffectiveTextLimits(const v1::TextLimits& configured);

// The limit of string field `field` under `limits` (effective ones), and the
// configuration key that sets it ("text_limits.title", ...) in *key.
uint32_t TextLimitOf(const google::protobuf::FieldDescriptor& field, const v1::TextLimits& limits,
                     std::string* key);

// Every string field of `message`, at any depth, within its limit under
// `limits` (effective ones, see EffectiveTextLimits); every enum field a
// declared value.
// A command's header: a request id that is given, at most
// store::format::kMaxRequestIdBytes, and printable (no control characters).
// INVALID_ARGUMENT naming header.request_id otherwise.
absl::Status CheckCommandHeader(const v1::CommandHeader& header);

absl::Status CheckRequestFields(const google::protobuf::Message& message,
                                const v1::TextLimits& limits);

// Only the enum fields, for queries (a list's filters).
absl::Status CheckEnumFields(const google::protobuf::Message& message);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_FIELD_CHECKS_H_
