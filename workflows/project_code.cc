#include "workflows/project_code.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace taizhang::workflows {

absl::Status CheckProjectCode(absl::string_view field, absl::string_view code) {
  // '9' a digit, '-' a dash, 'C' the check character.
  static constexpr absl::string_view kShape = "9999-999999-99-99-99999C";
  std::string why;
  if (code.size() != kShape.size()) {
    why = absl::StrCat("has ", code.size(), " characters, not 24");
  }
  for (size_t i = 0; why.empty() && i < code.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(code[i]);
    switch (kShape[i]) {
      case '-':
        if (c != '-') why = absl::StrCat("character ", i + 1, " must be '-'");
        break;
      case '9':
        if (!absl::ascii_isdigit(c)) why = absl::StrCat("character ", i + 1, " must be a digit");
        break;
      default:
        if (absl::ascii_islower(c)) {
          why = "the check character must be a digit or an upper-case letter (X, not x)";
        } else if (!absl::ascii_isdigit(c) && !absl::ascii_isupper(c)) {
          why = "the check character must be a digit or an upper-case letter";
        }
    }
  }
  if (why.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": '", code, "' is not a project code (项目代码): ", why,
                   "; expected YYYY-RRRRRR-DD-TT-NNNNNC, e.g. 2020-530115-47-01-012345"));
}

absl::string_view RegionOfProjectCode(absl::string_view code) {
  return code.size() >= 11 ? code.substr(5, 6) : absl::string_view();
}

}  // namespace taizhang::workflows
