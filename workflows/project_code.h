// The project code (项目代码) of the national investment project online
// approval and supervision platform, checked the same way everywhere a code
// enters Taizhang (RegisterProject, OpenCase, CreateTask, RaiseProblem and
// every filter that names a project).
//
// The rule: 24 characters YYYY-RRRRRR-DD-TT-NNNNNC — the year (4 digits),
// the administrative division (6 digits), the department or industry (2
// digits), the type (2 digits) and a serial of 5 digits followed by one check
// character, dashes between the groups. The check character is a digit or an
// upper-case Latin letter (the platform's check schemes give 'X' and, in
// older codes, other letters); a lower-case letter is refused with a hint.
// Only the shape is checked, never the check character's value: older codes
// exist whose scheme is not known. E.g. 2020-530115-47-01-012345,
// 2019-410000-56-02-00123X.
//
// Thread-safety: pure functions.
#ifndef TAIZHANG_WORKFLOWS_PROJECT_CODE_H_
#define TAIZHANG_WORKFLOWS_PROJECT_CODE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace taizhang::workflows {

// OK for a code of the shape above; INVALID_ARGUMENT naming `field`, quoting
// the code and saying what is wrong otherwise.
absl::Status CheckProjectCode(absl::string_view field, absl::string_view code);

// The six-digit administrative division of a well-formed code ("530115").
absl::string_view RegionOfProjectCode(absl::string_view code);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_PROJECT_CODE_H_
