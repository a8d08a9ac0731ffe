// Pages and documents are templates, not string concatenation: markup lives
// in reports/templates/ (compiled into the program), data is filled in by
// Mustache (Debian's libkainjow-mustache-dev, header-only), which escapes
// HTML by default ({{name}}; {{{name}}} only for markup this code made, such
// as an SVG chart).
//
// Thread-safety: RenderTemplate is reentrant.
#ifndef TAIZHANG_REPORTS_TEMPLATE_H_
#define TAIZHANG_REPORTS_TEMPLATE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "kainjow/mustache.hpp"

namespace taizhang::reports {

using TemplateData = kainjow::mustache::data;
using TemplateList = kainjow::mustache::list;

// The bytes of reports/templates/<name> as compiled in; empty for an unknown
// name.
std::string_view EmbeddedTemplate(std::string_view name);

// Renders the template `name` (a path under reports/templates/) with `data`.
// INTERNAL for an unknown template or a template that does not parse (a bug of this code:
// the templates are compiled in and tested).
absl::StatusOr<std::string> RenderTemplate(std::string_view name, const TemplateData& data);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_TEMPLATE_H_
