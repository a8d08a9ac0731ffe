// The payload the crash child writes for event i of an append, shared with the
// parent that checks it.
#ifndef TAIZHANG_TESTS_CRASH_PAYLOAD_H_
#define TAIZHANG_TESTS_CRASH_PAYLOAD_H_

#include <string>

#include "absl/strings/str_cat.h"

namespace taizhang::testing {

inline std::string CrashPayload(const std::string& request_id, int i) {
  return absl::StrCat("payload of ", request_id, " #", i, " ", std::string(64 + (i * 7) % 50, 'x'));
}

}  // namespace taizhang::testing

#endif  // TAIZHANG_TESTS_CRASH_PAYLOAD_H_
