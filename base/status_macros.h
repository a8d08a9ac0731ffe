// Small helpers for absl::Status / absl::StatusOr, shared by every module.
//
//   RETURN_IF_ERROR(expr);            // returns expr's status if it is not OK
//   ASSIGN_OR_RETURN(auto x, expr);   // x = *expr, or returns expr's status
//
// Errors cross module boundaries as values; codes follow gRPC's meaning so the
// service maps them one to one.
#ifndef TAIZHANG_BASE_STATUS_MACROS_H_
#define TAIZHANG_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TZ_CONCAT_INNER_(a, b) a##b
#define TZ_CONCAT_(a, b) TZ_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                \
  do {                                       \
    ::absl::Status tz_status_ = (expr);      \
    if (!tz_status_.ok()) return tz_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  TZ_ASSIGN_OR_RETURN_IMPL_(TZ_CONCAT_(tz_statusor_, __LINE__), lhs, expr)

#define TZ_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) return statusor.status();        \
  lhs = std::move(statusor).value()

#endif  // TAIZHANG_BASE_STATUS_MACROS_H_
