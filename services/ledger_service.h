// LedgerService: the gRPC face of the workflows (service Ledger in
// service.proto). Commands go to the Ledger's aggregates with the caller's
// principal as actor; replies carry the positions written, the resulting state
// and its view at the server's now. Queries read the Ledger's projections.
//
// Thread-safety: gRPC calls the handlers concurrently; the Ledger is safe for
// that.
#ifndef TAIZHANG_SERVICES_LEDGER_SERVICE_H_
#define TAIZHANG_SERVICES_LEDGER_SERVICE_H_

#include "base/clock.h"
#include "services/auth.h"
#include "taizhang/v1/service.grpc.pb.h"
#include "workflows/ledger.h"

namespace taizhang::services {

class LedgerService final : public v1::Ledger::Service {
 public:
  // All three must outlive the service.
  LedgerService(workflows::Ledger& ledger, Clock& clock, const Authorizer& auth)
      : ledger_(ledger), clock_(clock), auth_(auth) {}

  grpc::Status ExecuteCase(grpc::ServerContext* ctx, const v1::ExecuteCaseRequest* request,
                           v1::CaseReply* reply) override;
  grpc::Status ExecuteTask(grpc::ServerContext* ctx, const v1::ExecuteTaskRequest* request,
                           v1::TaskReply* reply) override;
  grpc::Status ExecuteProblem(grpc::ServerContext* ctx, const v1::ExecuteProblemRequest* request,
                              v1::ProblemReply* reply) override;
  grpc::Status ExecuteProject(grpc::ServerContext* ctx, const v1::ExecuteProjectRequest* request,
                              v1::ProjectReply* reply) override;
  grpc::Status GetCase(grpc::ServerContext* ctx, const v1::GetRequest* request,
                       v1::CaseReply* reply) override;
  grpc::Status GetTask(grpc::ServerContext* ctx, const v1::GetRequest* request,
                       v1::TaskReply* reply) override;
  grpc::Status GetProblem(grpc::ServerContext* ctx, const v1::GetRequest* request,
                          v1::ProblemReply* reply) override;
  grpc::Status GetProject(grpc::ServerContext* ctx, const v1::GetRequest* request,
                          v1::ProjectReply* reply) override;
  grpc::Status ListCases(grpc::ServerContext* ctx, const v1::ListRequest* request,
                         v1::ListCasesResponse* reply) override;
  grpc::Status ListTasks(grpc::ServerContext* ctx, const v1::ListRequest* request,
                         v1::ListTasksResponse* reply) override;
  grpc::Status ListProblems(grpc::ServerContext* ctx, const v1::ListRequest* request,
                            v1::ListProblemsResponse* reply) override;
  grpc::Status ListProjects(grpc::ServerContext* ctx, const v1::ListRequest* request,
                            v1::ListProjectsResponse* reply) override;
  grpc::Status GetBulletin(grpc::ServerContext* ctx, const v1::BulletinRequest* request,
                           v1::Bulletin* reply) override;

 private:
  workflows::Ledger& ledger_;
  Clock& clock_;
  const Authorizer& auth_;
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_LEDGER_SERVICE_H_
