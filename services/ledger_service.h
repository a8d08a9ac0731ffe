// The gRPC face of the workflows (service.proto's Ledger, Approval, Tasks,
// Problems and Projects). Commands go to the Ledger's aggregates with the
// caller's principal as actor; replies carry the positions written, the
// resulting state and its view at the server's now. Queries read the Ledger's
// projections, limited to what the caller may read (ReadScope below).
//
// The typed command services (one RPC per action) and the Ledger's Execute*
// (the aggregate's command envelope) share one path: a typed request is put
// into its envelope by reflection (header = 1, id = 2, action = 3; the action's
// message type names the envelope's field), so no action is wired by hand.
//
// Thread-safety: gRPC calls the handlers concurrently; the Ledger is safe for
// that.
#ifndef TAIZHANG_SERVICES_LEDGER_SERVICE_H_
#define TAIZHANG_SERVICES_LEDGER_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "base/clock.h"
#include "services/auth.h"
#include "services/field_checks.h"
#include "taizhang/v1/service.grpc.pb.h"
#include "workflows/ledger.h"

namespace taizhang::services {

class TaizhangServer;

// Registers every workflow service (Ledger, Approval, Tasks, Problems,
// Projects) on `server`; `ledger` must outlive it.
void AddLedgerServices(TaizhangServer& server, workflows::Ledger& ledger);

// What a caller may read. Leaders read the projects they are responsible for
// (分包领导) and the cases, tasks and problems of those projects or naming
// them; enterprises read their own projects, cases and problems and the tasks
// of their projects; every other role reads everything.
class ReadScope {
 public:
  ReadScope(const Caller& caller, const workflows::Ledger& ledger);

  bool Project(const v1::ProjectState& s) const;
  bool Case(const v1::ApprovalCaseState& s) const;
  bool Task(const v1::TaskState& s) const;
  bool Problem(const v1::ProblemState& s) const;

  // PERMISSION_DENIED naming what the caller may read instead.
  grpc::Status Denied(const std::string& what) const;

 private:
  bool OwnProject(const std::string& code) const;

  const Caller& caller_;
  bool all_ = true;
  // Leader or enterprise: the codes of its projects.
  absl::flat_hash_set<std::string> projects_;
};

// Commands through the aggregates, shared by every command RPC. Each call
// returns at once; `finish` gets the status once the command's events are
// durable (the reply filled) or it was refused. gRPC's callback API carries
// the call meanwhile, so no thread waits for the disk.
class LedgerCommands {
 public:
  using Finish = std::function<void(grpc::Status)>;

  LedgerCommands(workflows::Ledger& ledger, Clock& clock, const Authorizer& auth,
                 const v1::TextLimits& text_limits = {})
      : ledger_(ledger),
        clock_(clock),
        auth_(auth),
        text_limits_(EffectiveTextLimits(text_limits)) {}

  // The checks every command request gets before anything else, whichever
  // RPC carries it (field_checks.h): its text within the limits, its enums
  // declared values. INVALID_ARGUMENT naming the field otherwise.
  grpc::Status CheckFields(const google::protobuf::Message& request) const;

  void Case(grpc::ServerContextBase* ctx, const v1::CommandHeader& header, const std::string& id,
            const v1::ApprovalCaseCommand& command, v1::CaseReply* reply, Finish finish);
  void Task(grpc::ServerContextBase* ctx, const v1::CommandHeader& header, const std::string& id,
            const v1::TaskCommand& command, v1::TaskReply* reply, Finish finish);
  void Problem(grpc::ServerContextBase* ctx, const v1::CommandHeader& header, const std::string& id,
               const v1::ProblemCommand& command, v1::ProblemReply* reply, Finish finish);
  void Project(grpc::ServerContextBase* ctx, const v1::CommandHeader& header, const std::string& id,
               const v1::ProjectCommand& command, v1::ProjectReply* reply, Finish finish);

  // A typed request (header = 1, id = 2, action = 3) through its envelope.
  void Typed(grpc::ServerContextBase* ctx, const google::protobuf::Message& request,
             v1::CaseReply* reply, Finish finish);
  void Typed(grpc::ServerContextBase* ctx, const google::protobuf::Message& request,
             v1::TaskReply* reply, Finish finish);
  void Typed(grpc::ServerContextBase* ctx, const google::protobuf::Message& request,
             v1::ProblemReply* reply, Finish finish);
  void Typed(grpc::ServerContextBase* ctx, const google::protobuf::Message& request,
             v1::ProjectReply* reply, Finish finish);

  workflows::Ledger& ledger() { return ledger_; }
  Clock& clock() { return clock_; }
  const Authorizer& auth() { return auth_; }

 private:
  workflows::Ledger& ledger_;
  Clock& clock_;
  const Authorizer& auth_;
  const v1::TextLimits text_limits_;
};

// Puts a typed command request into `envelope` (ApprovalCaseCommand, ...):
// the envelope's field whose message type is the request's field 3. Returns
// the header and the id. INTERNAL when the request does not have that shape
// (a proto mistake, caught by the services' tests for every RPC).
absl::Status ToEnvelope(const google::protobuf::Message& request,
                        google::protobuf::Message* envelope, v1::CommandHeader* header,
                        std::string* id);

class LedgerService final : public v1::Ledger::CallbackService {
 public:
  explicit LedgerService(std::shared_ptr<LedgerCommands> commands)
      : commands_(std::move(commands)) {}

  grpc::ServerUnaryReactor* ExecuteCase(grpc::CallbackServerContext* ctx,
                                        const v1::ExecuteCaseRequest* request,
                                        v1::CaseReply* reply) override {
    return Run(ctx, *request, [&](LedgerCommands::Finish f) {
      commands_->Case(ctx, request->header(), request->case_id(), request->command(), reply,
                      std::move(f));
    });
  }
  grpc::ServerUnaryReactor* ExecuteTask(grpc::CallbackServerContext* ctx,
                                        const v1::ExecuteTaskRequest* request,
                                        v1::TaskReply* reply) override {
    return Run(ctx, *request, [&](LedgerCommands::Finish f) {
      commands_->Task(ctx, request->header(), request->task_id(), request->command(), reply,
                      std::move(f));
    });
  }
  grpc::ServerUnaryReactor* ExecuteProblem(grpc::CallbackServerContext* ctx,
                                           const v1::ExecuteProblemRequest* request,
                                           v1::ProblemReply* reply) override {
    return Run(ctx, *request, [&](LedgerCommands::Finish f) {
      commands_->Problem(ctx, request->header(), request->problem_id(), request->command(), reply,
                         std::move(f));
    });
  }
  grpc::ServerUnaryReactor* ExecuteProject(grpc::CallbackServerContext* ctx,
                                           const v1::ExecuteProjectRequest* request,
                                           v1::ProjectReply* reply) override {
    return Run(ctx, *request, [&](LedgerCommands::Finish f) {
      commands_->Project(ctx, request->header(), request->project_code(), request->command(), reply,
                         std::move(f));
    });
  }
  grpc::ServerUnaryReactor* GetCase(grpc::CallbackServerContext* ctx, const v1::GetRequest* request,
                                    v1::CaseReply* reply) override {
    return Done(ctx, DoGetCase(ctx, request, reply));
  }
  grpc::ServerUnaryReactor* GetTask(grpc::CallbackServerContext* ctx, const v1::GetRequest* request,
                                    v1::TaskReply* reply) override {
    return Done(ctx, DoGetTask(ctx, request, reply));
  }
  grpc::ServerUnaryReactor* GetProblem(grpc::CallbackServerContext* ctx,
                                       const v1::GetRequest* request,
                                       v1::ProblemReply* reply) override {
    return Done(ctx, DoGetProblem(ctx, request, reply));
  }
  grpc::ServerUnaryReactor* GetProject(grpc::CallbackServerContext* ctx,
                                       const v1::GetRequest* request,
                                       v1::ProjectReply* reply) override {
    return Done(ctx, DoGetProject(ctx, request, reply));
  }
  grpc::ServerUnaryReactor* ListCases(grpc::CallbackServerContext* ctx,
                                      const v1::ListRequest* request,
                                      v1::ListCasesResponse* reply) override {
    return Done(ctx, DoListCases(ctx, request, reply));
  }
  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* ctx,
                                      const v1::ListRequest* request,
                                      v1::ListTasksResponse* reply) override {
    return Done(ctx, DoListTasks(ctx, request, reply));
  }
  grpc::ServerUnaryReactor* ListProblems(grpc::CallbackServerContext* ctx,
                                         const v1::ListRequest* request,
                                         v1::ListProblemsResponse* reply) override {
    return Done(ctx, DoListProblems(ctx, request, reply));
  }
  grpc::ServerUnaryReactor* ListProjects(grpc::CallbackServerContext* ctx,
                                         const v1::ListRequest* request,
                                         v1::ListProjectsResponse* reply) override {
    return Done(ctx, DoListProjects(ctx, request, reply));
  }
  grpc::ServerUnaryReactor* GetBulletin(grpc::CallbackServerContext* ctx,
                                        const v1::BulletinRequest* request,
                                        v1::Bulletin* reply) override {
    return Done(ctx, DoGetBulletin(ctx, request, reply));
  }
  grpc::ServerUnaryReactor* GetStateAsOf(grpc::CallbackServerContext* ctx,
                                         const v1::StateAsOfRequest* request,
                                         v1::StateAsOfResponse* reply) override {
    return Done(ctx, DoGetStateAsOf(ctx, request, reply));
  }

 private:
  // A query: computed at once on the calling thread (in memory, no disk wait).
  static grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx, grpc::Status status) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(std::move(status));
    return reactor;
  }
  // A command: its fields checked, then started; the call finishes when it does.
  template <class Start>
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* ctx,
                                const google::protobuf::Message& request, Start start) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    if (grpc::Status s = commands_->CheckFields(request); !s.ok()) {
      reactor->Finish(std::move(s));
      return reactor;
    }
    start([reactor](grpc::Status s) { reactor->Finish(std::move(s)); });
    return reactor;
  }

  grpc::Status DoGetCase(grpc::ServerContextBase* ctx, const v1::GetRequest* request,
                         v1::CaseReply* reply);
  grpc::Status DoGetTask(grpc::ServerContextBase* ctx, const v1::GetRequest* request,
                         v1::TaskReply* reply);
  grpc::Status DoGetProblem(grpc::ServerContextBase* ctx, const v1::GetRequest* request,
                            v1::ProblemReply* reply);
  grpc::Status DoGetProject(grpc::ServerContextBase* ctx, const v1::GetRequest* request,
                            v1::ProjectReply* reply);
  grpc::Status DoListCases(grpc::ServerContextBase* ctx, const v1::ListRequest* request,
                           v1::ListCasesResponse* reply);
  grpc::Status DoListTasks(grpc::ServerContextBase* ctx, const v1::ListRequest* request,
                           v1::ListTasksResponse* reply);
  grpc::Status DoListProblems(grpc::ServerContextBase* ctx, const v1::ListRequest* request,
                              v1::ListProblemsResponse* reply);
  grpc::Status DoListProjects(grpc::ServerContextBase* ctx, const v1::ListRequest* request,
                              v1::ListProjectsResponse* reply);
  grpc::Status DoGetBulletin(grpc::ServerContextBase* ctx, const v1::BulletinRequest* request,
                             v1::Bulletin* reply);
  grpc::Status DoGetStateAsOf(grpc::ServerContextBase* ctx, const v1::StateAsOfRequest* request,
                              v1::StateAsOfResponse* reply);

  workflows::Ledger& ledger() { return commands_->ledger(); }

  std::shared_ptr<LedgerCommands> commands_;
};

// One override per typed RPC, each the same: the request through its
// envelope (LedgerCommands::Typed), the call finished when the command is.
#define TZ_TYPED_COMMAND(Rpc, Reply)                                                               \
  grpc::ServerUnaryReactor* Rpc(grpc::CallbackServerContext* ctx, const v1::Rpc##Request* request, \
                                v1::Reply* reply) override {                                       \
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();                                     \
    commands_->Typed(ctx, *request, reply,                                                         \
                     [reactor](grpc::Status s) { reactor->Finish(std::move(s)); });                \
    return reactor;                                                                                \
  }

class ApprovalService final : public v1::Approval::CallbackService {
 public:
  explicit ApprovalService(std::shared_ptr<LedgerCommands> commands)
      : commands_(std::move(commands)) {}
  TZ_TYPED_COMMAND(OpenCase, CaseReply)
  TZ_TYPED_COMMAND(SubmitCaseItem, CaseReply)
  TZ_TYPED_COMMAND(AcceptCaseItem, CaseReply)
  TZ_TYPED_COMMAND(SupplyCaseDocuments, CaseReply)
  TZ_TYPED_COMMAND(SuspendCaseItem, CaseReply)
  TZ_TYPED_COMMAND(SupplyCaseCorrection, CaseReply)
  TZ_TYPED_COMMAND(ResumeCaseItem, CaseReply)
  TZ_TYPED_COMMAND(ReportCaseItemUp, CaseReply)
  TZ_TYPED_COMMAND(ApproveCaseItem, CaseReply)
  TZ_TYPED_COMMAND(RejectCaseItem, CaseReply)
  TZ_TYPED_COMMAND(ReturnCaseItem, CaseReply)
  TZ_TYPED_COMMAND(GrantCaseExtension, CaseReply)
  TZ_TYPED_COMMAND(AnswerCaseRung, CaseReply)
  TZ_TYPED_COMMAND(RaiseCaseRung, CaseReply)
  TZ_TYPED_COMMAND(DelistCaseRung, CaseReply)
  TZ_TYPED_COMMAND(WithdrawCase, CaseReply)
  TZ_TYPED_COMMAND(RecomputeCaseDeadlines, CaseReply)

 private:
  std::shared_ptr<LedgerCommands> commands_;
};

class TasksService final : public v1::Tasks::CallbackService {
 public:
  explicit TasksService(std::shared_ptr<LedgerCommands> commands)
      : commands_(std::move(commands)) {}
  TZ_TYPED_COMMAND(CreateTask, TaskReply)
  TZ_TYPED_COMMAND(ReportTaskProgress, TaskReply)
  TZ_TYPED_COMMAND(CompleteTask, TaskReply)
  TZ_TYPED_COMMAND(RequestTaskExtension, TaskReply)
  TZ_TYPED_COMMAND(GrantTaskExtension, TaskReply)
  TZ_TYPED_COMMAND(RefuseTaskExtension, TaskReply)
  TZ_TYPED_COMMAND(AnswerTaskRung, TaskReply)
  TZ_TYPED_COMMAND(RaiseTaskRung, TaskReply)
  TZ_TYPED_COMMAND(DelistTaskRung, TaskReply)
  TZ_TYPED_COMMAND(RecomputeTaskDeadlines, TaskReply)

 private:
  std::shared_ptr<LedgerCommands> commands_;
};

class ProblemsService final : public v1::Problems::CallbackService {
 public:
  explicit ProblemsService(std::shared_ptr<LedgerCommands> commands)
      : commands_(std::move(commands)) {}
  TZ_TYPED_COMMAND(RaiseProblem, ProblemReply)
  TZ_TYPED_COMMAND(AssignProblem, ProblemReply)
  TZ_TYPED_COMMAND(AnswerProblem, ProblemReply)
  TZ_TYPED_COMMAND(ResolveProblem, ProblemReply)
  TZ_TYPED_COMMAND(VerifyProblem, ProblemReply)
  TZ_TYPED_COMMAND(ReopenProblem, ProblemReply)
  TZ_TYPED_COMMAND(RecomputeProblemDeadlines, ProblemReply)
  TZ_TYPED_COMMAND(AnswerProblemRung, ProblemReply)
  TZ_TYPED_COMMAND(RaiseProblemRung, ProblemReply)
  TZ_TYPED_COMMAND(DelistProblemRung, ProblemReply)

 private:
  std::shared_ptr<LedgerCommands> commands_;
};

class ProjectsService final : public v1::Projects::CallbackService {
 public:
  explicit ProjectsService(std::shared_ptr<LedgerCommands> commands)
      : commands_(std::move(commands)) {}
  TZ_TYPED_COMMAND(RegisterProject, ProjectReply)
  TZ_TYPED_COMMAND(SetProjectAnnualPlan, ProjectReply)
  TZ_TYPED_COMMAND(AdvanceProjectStage, ProjectReply)
  TZ_TYPED_COMMAND(PlanProjectNode, ProjectReply)
  TZ_TYPED_COMMAND(ReportProjectNodeDone, ProjectReply)
  TZ_TYPED_COMMAND(ReportProjectInvestment, ProjectReply)
  TZ_TYPED_COMMAND(AnswerProjectRung, ProjectReply)
  TZ_TYPED_COMMAND(RaiseProjectRung, ProjectReply)
  TZ_TYPED_COMMAND(DelistProjectRung, ProjectReply)
  TZ_TYPED_COMMAND(RecomputeProjectDeadlines, ProjectReply)

 private:
  std::shared_ptr<LedgerCommands> commands_;
};

#undef TZ_TYPED_COMMAND

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_LEDGER_SERVICE_H_
