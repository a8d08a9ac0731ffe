// How protocol values read for people, shared by every rendering (the CLI's
// tables, the pages and the screen, the ledgers exported, the bulletin and
// the slips): enum values by their Chinese label (the (taizhang.v1.label)
// option of proto/taizhang/v1/labels.proto), lights, days left, roles.
//
// Thread-safety: every function is pure (descriptors are immutable).
#ifndef TAIZHANG_REPORTS_LABELS_H_
#define TAIZHANG_REPORTS_LABELS_H_

#include <cstdint>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "taizhang/v1/common.pb.h"

namespace taizhang::reports {

// An enum value without the prefix its enum's values share:
// APPROVAL_CASE_STATUS_OPEN -> OPEN. "?" for null. For what a person types
// (the CLI accepts it), not for what a person reads.
std::string ShortName(const google::protobuf::EnumValueDescriptor* value);

template <class Enum>
std::string ShortName(Enum value) {
  return ShortName(google::protobuf::GetEnumDescriptor<Enum>()->FindValueByNumber(value));
}

// The value's Chinese label ("在建", "已办结", "红灯"); "" for a value without
// one (UNSPECIFIED); the number for a value the schema does not know (a newer
// writer's).
std::string Label(const google::protobuf::EnumValueDescriptor* value);

template <class Enum>
std::string Label(Enum value) {
  const auto* type = google::protobuf::GetEnumDescriptor<Enum>();
  const auto* v = type->FindValueByNumber(value);
  return v != nullptr ? Label(v) : std::to_string(static_cast<int>(value));
}

// The enum value a person typed: its name, its short name (any case) or its
// label. Null when none matches.
const google::protobuf::EnumValueDescriptor* ParseEnumValue(
    const google::protobuf::EnumDescriptor* type, const std::string& text);

// 绿灯, 黄灯, 红灯; "" when not judged.
std::string LightLabel(v1::Light light);

// Days left as people read them: "3", "0", "逾期 2".
std::string DaysLeft(int64_t days);

// A principal's role as people read it, from its actor string
// ("department:自然资源局" -> "责任单位"): 责任单位, 企业, 督查室, 分包领导,
// 审计, 管理员, 系统. "" for a string that is not an actor.
std::string RoleLabel(const std::string& actor);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_LABELS_H_
