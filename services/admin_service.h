// The Admin service: the manual clock, online backups, calendar loads (handed to
// the domain's loader), and what the server is.
//
// Thread-safety: handlers run concurrently; AdvanceClock calls are serialised
// (the manual clock fires due timers inside the call, then the hooks run).
#ifndef TAIZHANG_SERVICES_ADMIN_SERVICE_H_
#define TAIZHANG_SERVICES_ADMIN_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "services/auth.h"
#include "store/event_log.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::services {

// Loads one calendar year into the domain for Admin.LoadCalendar, as `actor`.
using CalendarLoader = std::function<absl::StatusOr<v1::LoadCalendarResponse>(
    const v1::LoadCalendarRequest& request, const std::string& actor)>;

struct AdminContext {
  store::EventLog* log = nullptr;       // not owned
  Clock* clock = nullptr;               // not owned
  ManualClock* manual_clock = nullptr;  // == clock in manual mode, else null
  std::string data_dir;                 // absolute
  std::string version;
  absl::Time started_at;
  uint32_t partition = 0;
  // Run in order after each timer an AdvanceClock fires, at its due instant,
  // and once more at the end (e.g. waiting for the domain's runtime to handle
  // what fell due, so it is stamped when it fell due).
  std::vector<std::function<void()>> after_clock_advance;
  // Loads a calendar year for LoadCalendar (the domain's; see
  // TaizhangServer::SetCalendarLoader). Null: no workflows, so LoadCalendar is
  // FAILED_PRECONDITION. Called with the caller's actor; may block.
  CalendarLoader load_calendar;
};

class AdminService final : public v1::Admin::WithCallbackMethod_ServerInfo<v1::Admin::Service> {
 public:
  // `auth` must outlive the service, and so must what `context` points to.
  AdminService(AdminContext context, const Authorizer& auth);

  grpc::Status AdvanceClock(grpc::ServerContext* ctx, const v1::AdvanceClockRequest* request,
                            v1::AdvanceClockResponse* response) override;
  grpc::Status Backup(grpc::ServerContext* ctx, const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;
  grpc::Status LoadCalendar(grpc::ServerContext* ctx, const v1::LoadCalendarRequest* request,
                            v1::LoadCalendarResponse* response) override;
  grpc::ServerUnaryReactor* ServerInfo(grpc::CallbackServerContext* ctx,
                                       const v1::ServerInfoRequest* request,
                                       v1::ServerInfoResponse* response) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(Info(ctx, request, response));
    return reactor;
  }
  grpc::Status Info(grpc::ServerContextBase* ctx, const v1::ServerInfoRequest* request,
                    v1::ServerInfoResponse* response);

 private:
  const AdminContext context_;
  const Authorizer& auth_;
  absl::Mutex advance_mu_;  // one AdvanceClock at a time
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_ADMIN_SERVICE_H_
