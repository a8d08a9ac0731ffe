#include "reports/labels.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "taizhang/v1/labels.pb.h"
#include "workflows/enum_label.h"
#include "workflows/principal.h"

namespace taizhang::reports {

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

std::string Label(const google::protobuf::EnumValueDescriptor* value) {
  if (value == nullptr) return "";
  return value->options().GetExtension(v1::label);
}

const google::protobuf::EnumValueDescriptor* ParseEnumValue(
    const google::protobuf::EnumDescriptor* type, const std::string& text) {
  const std::string upper = absl::AsciiStrToUpper(text);
  for (int i = 0; i < type->value_count(); ++i) {
    const auto* v = type->value(i);
    if (v->name() == upper || ShortName(v) == upper) return v;
    const std::string label = Label(v);
    if (!label.empty() && label == text) return v;
  }
  return nullptr;
}

std::string LightLabel(v1::Light light) { return workflows::EnumLabel(light); }

std::string DaysLeft(int64_t days) {
  return days >= 0 ? absl::StrCat(days) : absl::StrCat("逾期 ", -days);
}

std::string RoleLabel(const std::string& actor) {
  absl::StatusOr<workflows::Principal> p = workflows::ParseActor(actor);
  if (!p.ok()) return "";
  switch (p->role) {
    case workflows::Role::kDepartment:
      return "责任单位";
    case workflows::Role::kEnterprise:
      return "企业";
    case workflows::Role::kSupervision:
      return "督查室";
    case workflows::Role::kLeader:
      return "分包领导";
    case workflows::Role::kAuditor:
      return "审计";
    case workflows::Role::kAdmin:
      return "管理员";
    case workflows::Role::kScreen:
      return "大屏";
    case workflows::Role::kSystem:
      return "系统";
  }
  return "";
}

}  // namespace taizhang::reports
