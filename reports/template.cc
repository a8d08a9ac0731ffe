#include "reports/template.h"

#include "absl/strings/str_cat.h"

namespace taizhang::reports {

absl::StatusOr<std::string> RenderTemplate(std::string_view name, const TemplateData& data) {
  std::string_view text = EmbeddedTemplate(name);
  if (text.empty())
    return absl::InternalError(absl::StrCat("no template named ", std::string(name)));
  kainjow::mustache::mustache tmpl{std::string(text)};
  if (!tmpl.is_valid()) {
    return absl::InternalError(
        absl::StrCat("template ", std::string(name), ": ", tmpl.error_message()));
  }
  std::string out = tmpl.render(data);
  if (!tmpl.is_valid()) {
    return absl::InternalError(
        absl::StrCat("template ", std::string(name), ": ", tmpl.error_message()));
  }
  return out;
}

}  // namespace taizhang::reports
