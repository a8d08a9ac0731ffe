// How protocol values read for people, shared by the CLI's tables and the
// dashboard: enum values without their common prefix, lights in Chinese,
// days left.
#ifndef TAIZHANG_SERVICES_LABELS_H_
#define TAIZHANG_SERVICES_LABELS_H_

#include <cstdint>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "taizhang/v1/common.pb.h"

namespace taizhang::services {

// An enum value without the prefix its enum's values share:
// APPROVAL_CASE_STATUS_OPEN -> OPEN. "?" for null.
std::string ShortName(const google::protobuf::EnumValueDescriptor* value);

template <class Enum>
std::string ShortName(Enum value) {
  return ShortName(google::protobuf::GetEnumDescriptor<Enum>()->FindValueByNumber(value));
}

// 绿灯, 黄灯, 红灯; "" when not judged.
std::string LightLabel(v1::Light light);

// Days left as people read them: "3", "0", "逾期 2".
std::string DaysLeft(int64_t days);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_LABELS_H_
