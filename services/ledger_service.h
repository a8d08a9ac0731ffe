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
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "services/auth.h"
#include "services/field_checks.h"
#include "services/grpc_status.h"
#include "services/workflow_api.h"
#include "taizhang/v1/service.grpc.pb.h"
#include "workflows/attachments.h"
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
  // The same, the caller's projects found among `projects` (e.g. those of a
  // past day, workflows/ledger_as_of.h), read only here; `caller` must
  // outlive the scope.
  ReadScope(const Caller& caller, const std::vector<v1::ProjectState>& projects);

  // Whether the caller may read `state`, of any registered workflow: all, or
  // through its project, or as a party it names (ApiTraits::ReadsAsParty).
  template <class State>
  bool Reads(const State& state) const {
    using A = workflows::AggregateOfState<State>;
    if (all_ || OwnProject(workflows::WorkflowTraits<A>::ProjectCode(state)) ||
        ApiTraits<A>::ReadsAsParty(caller_.principal, state)) {
      return true;
    }
    for (const std::string& code : OtherProjectCodes<A>(state)) {
      if (OwnProject(code)) return true;
    }
    return false;
  }

  // PERMISSION_DENIED naming what the caller may read instead.
  grpc::Status Denied(const std::string& what) const;

 private:
  bool OwnProject(const std::string& code) const;

  const Caller& caller_;
  bool all_ = true;
  // Leader or enterprise: the codes of its projects.
  absl::flat_hash_set<std::string> projects_;
};

// Fills the `attachments` of the action set in `envelope` with `refs`.
// INVALID_ARGUMENT when the action has attachments already (a client's own)
// or none to fill (an action that takes no files).
absl::Status SetAttachments(google::protobuf::Message* envelope,
                            const std::vector<v1::AttachmentRef>& refs);

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

  // A command to a stream of workflow A (id: its id, without the prefix);
  // `reply` gets the result, the state and its view at the server's now.
  // `blobs`: the bytes of the files the command's attachments name (raw
  // SHA-256 -> bytes), carried to the log with its events.
  template <class A>
  void Execute(grpc::ServerContextBase* ctx, const v1::CommandHeader& header, const std::string& id,
               const typename A::Command& command, typename ApiTraits<A>::Reply* reply,
               Finish finish, std::map<std::string, std::string> blobs = {});

  // A typed request (header = 1, id = 2, action = 3) through A's envelope.
  template <class A>
  void Typed(grpc::ServerContextBase* ctx, const google::protobuf::Message& request,
             typename ApiTraits<A>::Reply* reply, Finish finish) {
    typename A::Command command;
    v1::CommandHeader header;
    std::string id;
    if (grpc::Status s = ToEnvelopeChecked(request, &command, &header, &id); !s.ok()) {
      return finish(s);
    }
    Execute<A>(ctx, header, id, command, reply, std::move(finish));
  }

  // A typed request with files (its repeated Attachment `files`): each file
  // checked against the ledger's attachment policy (workflows/attachments.h;
  // `images_only` for a photo library), the action's attachments filled from
  // them and their bytes carried with the command. A bad file is
  // INVALID_ARGUMENT naming it, and nothing is written; an action that names
  // attachments itself is refused (they come from the files only).
  template <class A, class Request>
  void TypedWithFiles(grpc::ServerContextBase* ctx, const Request& request, bool images_only,
                      typename ApiTraits<A>::Reply* reply, Finish finish) {
    typename A::Command command;
    v1::CommandHeader header;
    std::string id;
    if (grpc::Status s = ToEnvelopeChecked(request, &command, &header, &id); !s.ok()) {
      return finish(s);
    }
    auto checked = workflows::CheckAttachments(request.files(), ledger_.attachment_policy(),
                                               images_only, "files");
    if (!checked.ok()) return finish(ToGrpcStatus(checked.status()));
    if (grpc::Status s = ToGrpcStatus(SetAttachments(&command, checked->refs)); !s.ok()) {
      return finish(s);
    }
    Execute<A>(ctx, header, id, command, reply, std::move(finish), std::move(checked->blobs));
  }

  workflows::Ledger& ledger() { return ledger_; }
  Clock& clock() { return clock_; }
  const Authorizer& auth() { return auth_; }

 private:
  // CheckFields, then ToEnvelope.
  grpc::Status ToEnvelopeChecked(const google::protobuf::Message& request,
                                 google::protobuf::Message* envelope, v1::CommandHeader* header,
                                 std::string* id) const;
  // The command's metadata (the caller as actor), or why it is refused.
  absl::StatusOr<engine::CommandMeta> Prepare(grpc::ServerContextBase* ctx,
                                              const v1::CommandHeader& header,
                                              const std::string& id, const char* id_field,
                                              bool has_action) const;
  // The reply of a command's outcome (state, view and result), or its error.
  template <class A>
  grpc::Status FillReply(absl::StatusOr<typename workflows::Ledger::Outcome<A>> out,
                         typename ApiTraits<A>::Reply* reply);

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

  // Execute<One>, Get<One> and List<Many> of each workflow: one override per
  // RPC (as the generated class wants), each the same template.
#define TZ_WORKFLOW_RPCS(One, Many, Aggregate, id)                                           \
  grpc::ServerUnaryReactor* Execute##One(grpc::CallbackServerContext* ctx,                   \
                                         const v1::Execute##One##Request* request,           \
                                         ApiTraits<Aggregate>::Reply* reply) override {      \
    return Execute<Aggregate>(ctx, *request, request->id(), reply);                          \
  }                                                                                          \
  grpc::ServerUnaryReactor* Get##One(grpc::CallbackServerContext* ctx,                       \
                                     const v1::GetRequest* request,                          \
                                     ApiTraits<Aggregate>::Reply* reply) override {          \
    return Done(ctx, GetOf<Aggregate>(ctx, *request, reply));                                \
  }                                                                                          \
  grpc::ServerUnaryReactor* List##Many(grpc::CallbackServerContext* ctx,                     \
                                       const v1::ListRequest* request,                       \
                                       ApiTraits<Aggregate>::ListResponse* reply) override { \
    return Done(ctx, ListOf<Aggregate>(ctx, *request, reply));                               \
  }
  TZ_WORKFLOW_RPCS(Case, Cases, workflows::ApprovalCase, case_id)
  TZ_WORKFLOW_RPCS(Task, Tasks, workflows::Task, task_id)
  TZ_WORKFLOW_RPCS(Problem, Problems, workflows::Problem, problem_id)
  TZ_WORKFLOW_RPCS(Project, Projects, workflows::Project, project_code)
  TZ_WORKFLOW_RPCS(MeetingSeries, MeetingSeries, workflows::MeetingSeries, series_id)
  TZ_WORKFLOW_RPCS(Meeting, Meetings, workflows::Meeting, meeting_id)
  TZ_WORKFLOW_RPCS(Campaign, Campaigns, workflows::Campaign, campaign_id)
#undef TZ_WORKFLOW_RPCS

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
  template <class A, class Request>
  grpc::ServerUnaryReactor* Execute(grpc::CallbackServerContext* ctx, const Request& request,
                                    const std::string& id, typename ApiTraits<A>::Reply* reply) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    if (grpc::Status s = commands_->CheckFields(request); !s.ok()) {
      reactor->Finish(std::move(s));
      return reactor;
    }
    commands_->Execute<A>(ctx, request.header(), id, request.command(), reply,
                          [reactor](grpc::Status s) { reactor->Finish(std::move(s)); });
    return reactor;
  }

  // One state of workflow A with its view, if the caller may read it.
  template <class A>
  grpc::Status GetOf(grpc::ServerContextBase* ctx, const v1::GetRequest& request,
                     typename ApiTraits<A>::Reply* reply);
  // The states of workflow A the caller may read, filtered, as views.
  template <class A>
  grpc::Status ListOf(grpc::ServerContextBase* ctx, const v1::ListRequest& request,
                      typename ApiTraits<A>::ListResponse* reply);
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
    commands_->Typed<Aggregate>(ctx, *request, reply,                                              \
                                [reactor](grpc::Status s) { reactor->Finish(std::move(s)); });     \
    return reactor;                                                                                \
  }

class ApprovalService final : public v1::Approval::CallbackService {
 public:
  using Aggregate = workflows::ApprovalCase;
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
  using Aggregate = workflows::Task;
  explicit TasksService(std::shared_ptr<LedgerCommands> commands)
      : commands_(std::move(commands)) {}
  TZ_TYPED_COMMAND(CreateTask, TaskReply)
  // With its files (photos, documents): LedgerCommands::TypedWithFiles.
  grpc::ServerUnaryReactor* ReportTaskProgress(grpc::CallbackServerContext* ctx,
                                               const v1::ReportTaskProgressRequest* request,
                                               v1::TaskReply* reply) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    commands_->TypedWithFiles<Aggregate>(
        ctx, *request, false, reply, [reactor](grpc::Status s) { reactor->Finish(std::move(s)); });
    return reactor;
  }
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
  using Aggregate = workflows::Problem;
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
  using Aggregate = workflows::Project;
  explicit ProjectsService(std::shared_ptr<LedgerCommands> commands)
      : commands_(std::move(commands)) {}
  TZ_TYPED_COMMAND(RegisterProject, ProjectReply)
  TZ_TYPED_COMMAND(SetProjectAnnualPlan, ProjectReply)
  TZ_TYPED_COMMAND(AdvanceProjectStage, ProjectReply)
  TZ_TYPED_COMMAND(PlanProjectNode, ProjectReply)
  // With its files (photos, documents): LedgerCommands::TypedWithFiles.
  grpc::ServerUnaryReactor* ReportProjectNodeDone(grpc::CallbackServerContext* ctx,
                                                  const v1::ReportProjectNodeDoneRequest* request,
                                                  v1::ProjectReply* reply) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    commands_->TypedWithFiles<Aggregate>(
        ctx, *request, false, reply, [reactor](grpc::Status s) { reactor->Finish(std::move(s)); });
    return reactor;
  }
  TZ_TYPED_COMMAND(ReportProjectInvestment, ProjectReply)
  TZ_TYPED_COMMAND(AnswerProjectRung, ProjectReply)
  TZ_TYPED_COMMAND(RaiseProjectRung, ProjectReply)
  TZ_TYPED_COMMAND(DelistProjectRung, ProjectReply)
  TZ_TYPED_COMMAND(RecomputeProjectDeadlines, ProjectReply)
  // Visits and ratings.
  // With its files (photos, documents): LedgerCommands::TypedWithFiles.
  grpc::ServerUnaryReactor* RecordProjectVisit(grpc::CallbackServerContext* ctx,
                                               const v1::RecordProjectVisitRequest* request,
                                               v1::ProjectReply* reply) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    commands_->TypedWithFiles<Aggregate>(
        ctx, *request, false, reply, [reactor](grpc::Status s) { reactor->Finish(std::move(s)); });
    return reactor;
  }
  TZ_TYPED_COMMAND(RateProjectServiceContact, ProjectReply)

 private:
  std::shared_ptr<LedgerCommands> commands_;
};

// Start campaigns (集中开工): declared by the office; late starters are
// answered on their projects' streams (ProjectsService).
class CampaignsService final : public v1::Campaigns::CallbackService {
 public:
  explicit CampaignsService(std::shared_ptr<LedgerCommands> commands)
      : commands_(std::move(commands)) {}
  using Aggregate = workflows::Campaign;
  TZ_TYPED_COMMAND(DeclareStartCampaign, CampaignReply)

 private:
  std::shared_ptr<LedgerCommands> commands_;
};

// Meetings (调度会): series declared, meetings recorded, the series' rungs.
class MeetingsService final : public v1::Meetings::CallbackService {
 public:
  explicit MeetingsService(std::shared_ptr<LedgerCommands> commands)
      : commands_(std::move(commands)) {}
  using Aggregate = workflows::MeetingSeries;
  TZ_TYPED_COMMAND(DeclareMeetingSeries, MeetingSeriesReply)
  TZ_TYPED_COMMAND(AnswerSeriesRung, MeetingSeriesReply)
  TZ_TYPED_COMMAND(RaiseSeriesRung, MeetingSeriesReply)
  TZ_TYPED_COMMAND(DelistSeriesRung, MeetingSeriesReply)
  grpc::ServerUnaryReactor* RecordMeeting(grpc::CallbackServerContext* ctx,
                                          const v1::RecordMeetingRequest* request,
                                          v1::MeetingReply* reply) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    commands_->Typed<workflows::Meeting>(
        ctx, *request, reply, [reactor](grpc::Status s) { reactor->Finish(std::move(s)); });
    return reactor;
  }

 private:
  std::shared_ptr<LedgerCommands> commands_;
};

#undef TZ_TYPED_COMMAND

// ---------------------------------------------------------------------------
// The templates' definitions; nothing below is for callers.

namespace ledger_service_internal {

// The list's project filters (region, stage, project_code) for an item of
// project `code` (list_filter.h).
bool ProjectFilters(const v1::ListRequest& request, const std::string& code,
                    const workflows::Ledger& ledger);

template <class Outcome>
void FillResult(const Outcome& out, v1::CommandResult* result) {
  result->set_duplicate(out.duplicate);
  result->set_version(out.loaded.version);
  // A no-op command wrote nothing: its positions stay 0.
  result->set_first_position(out.append.first_position);
  result->set_last_position(out.append.last_position);
}

}  // namespace ledger_service_internal

template <class A>
void LedgerCommands::Execute(grpc::ServerContextBase* ctx, const v1::CommandHeader& header,
                             const std::string& id, const typename A::Command& command,
                             typename ApiTraits<A>::Reply* reply, Finish finish,
                             std::map<std::string, std::string> blobs) {
  // A project's code itself is checked by the aggregate (its shape); here
  // only that it is there.
  auto meta = Prepare(ctx, header, id, workflows::WorkflowTraits<A>::kIdField,
                      command.action_case() != A::Command::ACTION_NOT_SET);
  if (!meta.ok()) return finish(ToGrpcStatus(meta.status()));
  meta->blobs = std::move(blobs);
  ledger_.workflow<A>().ExecuteAsync(id, command, *meta,
                                     [this, reply, finish = std::move(finish)](auto out) {
                                       finish(FillReply<A>(std::move(out), reply));
                                     });
}

template <class A>
grpc::Status LedgerCommands::FillReply(absl::StatusOr<typename workflows::Ledger::Outcome<A>> out,
                                       typename ApiTraits<A>::Reply* reply) {
  if (!out.ok()) return ToGrpcStatus(out.status());
  const A& aggregate = ledger_.workflow<A>().aggregate();
  ledger_service_internal::FillResult(*out, reply->mutable_result());
  for (const auto& e : out->events) {
    reply->mutable_result()->add_event_types(aggregate.EventType(e));
  }
  *reply->mutable_view() = ViewOf<A>(ledger_, out->loaded.state, clock_.Now());
  *reply->mutable_state() = std::move(out->loaded.state);
  return grpc::Status::OK;
}

template <class A>
grpc::Status LedgerService::GetOf(grpc::ServerContextBase* ctx, const v1::GetRequest& request,
                                  typename ApiTraits<A>::Reply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  workflows::WorkflowOf<A>& workflow = ledger().workflow<A>();
  const std::string what = absl::StrCat(workflow.kind(), " '", request.id(), "'");
  // The full state: a task's every progress report, not only the latest.
  absl::StatusOr<std::optional<typename A::State>> state = workflow.GetFull(request.id());
  if (!state.ok()) return ToGrpcStatus(state.status());
  if (!state->has_value()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no " + what);
  ReadScope scope(caller, ledger());
  if (!scope.Reads(**state)) return scope.Denied(what);
  *reply->mutable_view() = ViewOf<A>(ledger(), **state, commands_->clock().Now());
  *reply->mutable_state() = std::move(**state);
  return grpc::Status::OK;
}

template <class A>
grpc::Status LedgerService::ListOf(grpc::ServerContextBase* ctx, const v1::ListRequest& request,
                                   typename ApiTraits<A>::ListResponse* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  TZ_RETURN_IF_ERROR_GRPC(CheckEnumFields(request));
  const ReadScope scope(caller, ledger());
  const absl::Time now = commands_->clock().Now();
  const workflows::WorkflowOf<A>& workflow = ledger().workflow<A>();
  for (const auto& state : workflow.List()) {
    const std::string& code = workflows::WorkflowTraits<A>::ProjectCode(state);
    if (!scope.Reads(state) || !ledger_service_internal::ProjectFilters(request, code, ledger())) {
      continue;
    }
    auto view = ViewOf<A>(ledger(), state, now);
    if (!ApiTraits<A>::Matches(request, state, view)) continue;
    *ApiTraits<A>::Add(reply) = std::move(view);
  }
  return grpc::Status::OK;
}

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_LEDGER_SERVICE_H_
