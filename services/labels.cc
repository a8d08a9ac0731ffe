#include "services/labels.h"

#include "absl/strings/str_cat.h"
#include "workflows/alerts.h"

namespace taizhang::services {

std::string ShortName(const google::protobuf::EnumValueDescriptor* value) {
  if (value == nullptr) return "?";
  const auto* type = value->type();
  std::string prefix = type->value(0)->name();
  for (int i = 1; i < type->value_count(); ++i) {
    const std::string& name = type->value(i)->name();
    size_t n = 0;
    while (n < prefix.size() && n < name.size() && prefix[n] == name[n]) ++n;
    prefix.resize(n);
  }
  prefix.resize(prefix.rfind('_') == std::string::npos ? 0 : prefix.rfind('_') + 1);
  return value->name().substr(prefix.size());
}

std::string LightLabel(v1::Light light) {
  return light == v1::LIGHT_UNSPECIFIED ? "" : workflows::LightLabel(light);
}

std::string DaysLeft(int64_t days) {
  return days >= 0 ? absl::StrCat(days) : absl::StrCat("逾期 ", -days);
}

}  // namespace taizhang::services
