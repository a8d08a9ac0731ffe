#include "services/reports_service.h"

#include <memory>

#include "services/auth.h"
#include "services/bulletin_documents.h"
#include "services/field_checks.h"
#include "services/grpc_status.h"
#include "services/ledger_export.h"
#include "services/ledger_import.h"
#include "services/ledger_service.h"
#include "services/server.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::services {
namespace {

class ReportsService final : public v1::Reports::Service {
 public:
  ReportsService(workflows::Ledger& ledger, Clock& clock, const Authorizer& auth,
                 store::EventLog& log, DocumentOptions documents, v1::TextLimits text_limits)
      : ledger_(ledger),
        clock_(clock),
        auth_(auth),
        documents_(ledger, log, clock, documents),
        text_limits_(std::move(text_limits)) {}

  grpc::Status ExportLedger(grpc::ServerContext* ctx, const v1::ExportLedgerRequest* request,
                            v1::Document* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    TZ_ASSIGN_OR_RETURN_GRPC(*reply,
                             services::ExportLedger(ledger_, clock_.Now(), caller, *request));
    return grpc::Status::OK;
  }
  grpc::Status ImportLedger(grpc::ServerContext* ctx, const v1::ImportLedgerRequest* request,
                            v1::ImportLedgerResponse* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    return ToGrpcStatus(
        services::ImportLedger(ledger_, clock_, caller, text_limits_, *request, reply));
  }
  grpc::Status GetBulletinDocument(grpc::ServerContext* ctx,
                                   const v1::BulletinDocumentRequest* request,
                                   v1::Document* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    TZ_ASSIGN_OR_RETURN_GRPC(*reply,
                             documents_.BulletinDocument(request->month(), request->format()));
    return grpc::Status::OK;
  }
  grpc::Status PublishBulletin(grpc::ServerContext* ctx, const v1::PublishBulletinRequest* request,
                               v1::PublishBulletinResponse* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    // As every command: a sound request id and text within the limits, before
    // anything is computed or printed.
    TZ_RETURN_IF_ERROR_GRPC(CheckCommandHeader(request->header()));
    TZ_RETURN_IF_ERROR_GRPC(CheckRequestFields(*request, EffectiveTextLimits(text_limits_)));
    TZ_ASSIGN_OR_RETURN_GRPC(*reply, documents_.Publish(caller, *request));
    return grpc::Status::OK;
  }
  grpc::Status GetSlipDocument(grpc::ServerContext* ctx, const v1::SlipDocumentRequest* request,
                               v1::Document* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    TZ_ASSIGN_OR_RETURN_GRPC(
        *reply, documents_.SlipDocument(caller, request->slip_number(), request->format()));
    return grpc::Status::OK;
  }
  grpc::Status VerifyBulletin(grpc::ServerContext* ctx, const v1::VerifyBulletinRequest* request,
                              v1::VerifyBulletinResponse* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    TZ_ASSIGN_OR_RETURN_GRPC(*reply, documents_.Verify(request->month()));
    return grpc::Status::OK;
  }

 private:
  workflows::Ledger& ledger_;
  Clock& clock_;
  const Authorizer& auth_;
  BulletinDocuments documents_;
  v1::TextLimits text_limits_;
};

}  // namespace

void AddReportsService(TaizhangServer& server, workflows::Ledger& ledger) {
  const v1::ReportsConfig& config = server.options().reports;
  DocumentOptions documents;
  documents.pdf.chromium = config.chromium();
  if (config.pdf_timeout_seconds() > 0) {
    documents.pdf.timeout = absl::Seconds(config.pdf_timeout_seconds());
  }
  documents.issuing_office = config.issuing_office();
  documents.signer = server.signer();
  server.AddService(std::make_unique<ReportsService>(ledger, server.clock(), server.authorizer(),
                                                     server.log(), std::move(documents),
                                                     server.options().text_limits));
}

}  // namespace taizhang::services
