// Test support for the assessment's tests: a unit's and an indicator's
// results looked up by name (a test failure, and an empty value, when
// missing), and instants at a China wall-clock hour (10:00 by default).
// Header-only; for tests only.
#ifndef TAIZHANG_WORKFLOWS_TESTING_ASSESSMENT_RESULTS_H_
#define TAIZHANG_WORKFLOWS_TESTING_ASSESSMENT_RESULTS_H_

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "taizhang/v1/assessment.pb.h"
#include "workflows/testing/china_hour.h"

namespace taizhang::workflows::testing {

// Hour `h` of day y-m-d, China time.
inline absl::Time At(int y, int m, int d, int h = 10) { return ChinaHour(y, m, d, h); }

inline const v1::UnitAssessment& UnitOf(const v1::Assessment& a, const std::string& unit) {
  for (const auto& u : a.units()) {
    if (u.unit() == unit) return u;
  }
  static const v1::UnitAssessment none;
  ADD_FAILURE() << "no unit " << unit;
  return none;
}

inline const v1::IndicatorScore& IndicatorOf(const v1::UnitAssessment& u, const std::string& id) {
  for (const auto& x : u.indicators()) {
    if (x.indicator() == id) return x;
  }
  static const v1::IndicatorScore none;
  ADD_FAILURE() << "no indicator " << id;
  return none;
}

}  // namespace taizhang::workflows::testing

#endif  // TAIZHANG_WORKFLOWS_TESTING_ASSESSMENT_RESULTS_H_
