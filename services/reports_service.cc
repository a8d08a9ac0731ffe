#include "services/reports_service.h"

#include <memory>

#include "services/auth.h"
#include "services/grpc_status.h"
#include "services/ledger_import.h"
#include "services/ledger_service.h"
#include "services/server.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::services {
namespace {

class ReportsService final : public v1::Reports::Service {
 public:
  ReportsService(workflows::Ledger& ledger, Clock& clock, const Authorizer& auth)
      : ledger_(ledger), clock_(clock), auth_(auth) {}

  grpc::Status ExportLedger(grpc::ServerContext* ctx, const v1::ExportLedgerRequest* request,
                            v1::Document* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "ExportLedger: not yet");
  }
  grpc::Status ImportLedger(grpc::ServerContext* ctx, const v1::ImportLedgerRequest* request,
                            v1::ImportLedgerResponse* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    return ToGrpcStatus(services::ImportLedger(ledger_, clock_, caller, *request, reply));
  }
  grpc::Status GetBulletinDocument(grpc::ServerContext* ctx,
                                   const v1::BulletinDocumentRequest* request,
                                   v1::Document* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "GetBulletinDocument: not yet");
  }
  grpc::Status PublishBulletin(grpc::ServerContext* ctx, const v1::PublishBulletinRequest* request,
                               v1::PublishBulletinResponse* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "PublishBulletin: not yet");
  }
  grpc::Status GetSlipDocument(grpc::ServerContext* ctx, const v1::SlipDocumentRequest* request,
                               v1::Document* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "GetSlipDocument: not yet");
  }

 private:
  workflows::Ledger& ledger_;
  Clock& clock_;
  const Authorizer& auth_;
};

}  // namespace

void AddReportsService(TaizhangServer& server, workflows::Ledger& ledger) {
  server.AddService(std::make_unique<ReportsService>(ledger, server.clock(), server.authorizer()));
}

}  // namespace taizhang::services
