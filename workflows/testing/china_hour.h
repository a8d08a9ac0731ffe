// Test support: instants written as China wall-clock hours, the way the
// tests' scenarios are dated. Header-only; for tests only.
#ifndef TAIZHANG_WORKFLOWS_TESTING_CHINA_HOUR_H_
#define TAIZHANG_WORKFLOWS_TESTING_CHINA_HOUR_H_

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/calendar.h"

namespace taizhang::workflows::testing {

// Hour `hh` (00 by default) of day y-m-d, China time.
inline absl::Time ChinaHour(int y, int m, int d, int hh = 0) {
  return absl::FromCivil(absl::CivilHour(y, m, d, hh), engine::ChinaTime());
}

}  // namespace taizhang::workflows::testing

#endif  // TAIZHANG_WORKFLOWS_TESTING_CHINA_HOUR_H_
