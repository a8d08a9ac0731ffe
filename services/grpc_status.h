// Between absl::Status (the project's error values) and grpc::Status. The
// codes are the same numbers with the same meaning, so the mapping is one to
// one and the message passes through unchanged.
#ifndef TAIZHANG_SERVICES_GRPC_STATUS_H_
#define TAIZHANG_SERVICES_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace taizhang::services {

inline grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

}  // namespace taizhang::services

// In a gRPC handler: returns the grpc::Status of `expr` when it is not OK.
#define TZ_RETURN_IF_ERROR_GRPC(expr)                                                      \
  do {                                                                                     \
    ::absl::Status tz_grpc_status_ = (expr);                                               \
    if (!tz_grpc_status_.ok()) return ::taizhang::services::ToGrpcStatus(tz_grpc_status_); \
  } while (0)

// In a gRPC handler: lhs = *expr, or returns expr's status as a grpc::Status.
#define TZ_ASSIGN_OR_RETURN_GRPC(lhs, expr) \
  TZ_ASSIGN_OR_RETURN_GRPC_IMPL_(TZ_GRPC_CONCAT_(tz_grpc_statusor_, __LINE__), lhs, expr)
#define TZ_GRPC_CONCAT_INNER_(a, b) a##b
#define TZ_GRPC_CONCAT_(a, b) TZ_GRPC_CONCAT_INNER_(a, b)
#define TZ_ASSIGN_OR_RETURN_GRPC_IMPL_(statusor, lhs, expr)                         \
  auto statusor = (expr);                                                           \
  if (!statusor.ok()) return ::taizhang::services::ToGrpcStatus(statusor.status()); \
  lhs = std::move(statusor).value()

#endif  // TAIZHANG_SERVICES_GRPC_STATUS_H_
