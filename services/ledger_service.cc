#include "services/ledger_service.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/time_util.h"
#include "services/grpc_status.h"
#include "services/server.h"
#include "store/format.h"

namespace taizhang::services {
namespace {

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// Checks the header and the id, and builds the command's metadata.
absl::StatusOr<engine::CommandMeta> MetaOf(const v1::CommandHeader& header, const std::string& id,
                                           const char* id_field, const Caller& caller,
                                           bool has_action) {
  if (header.request_id().empty()) {
    return absl::InvalidArgumentError("header.request_id: required, so a retry is harmless");
  }
  // The id is the caller's own (the log keys it with the caller's actor), so
  // its bytes cannot reach another principal's; printable text keeps it
  // readable in audit reads and `taizhang history`.
  if (header.request_id().size() > store::format::kMaxRequestIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("header.request_id: at most ", store::format::kMaxRequestIdBytes, " bytes"));
  }
  for (unsigned char c : header.request_id()) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          "header.request_id: control characters (NUL, newline, ...) are not allowed");
    }
  }
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(id_field, ": required"));
  if (id.size() > 120 || id.find('\0') != std::string::npos || id.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(id_field, ": at most 120 bytes, without '/' or NUL"));
  }
  if (!has_action) return absl::InvalidArgumentError("command: no action set");
  engine::CommandMeta meta;
  meta.request_id = header.request_id();
  meta.actor = caller.actor;
  meta.correlation_id = header.correlation_id();
  if (header.has_expected_version()) meta.expected_version = header.expected_version();
  if (header.has_occurred_at()) {
    meta.occurred_at = absl::FromUnixMicros(
        google::protobuf::util::TimeUtil::TimestampToMicroseconds(header.occurred_at()));
  }
  return meta;
}

template <class Outcome>
void FillResult(const Outcome& out, v1::CommandResult* result) {
  result->set_duplicate(out.duplicate);
  result->set_version(out.loaded.version);
  // A no-op command wrote nothing: its positions stay 0.
  result->set_first_position(out.append.first_position);
  result->set_last_position(out.append.last_position);
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& s) {
  for (const auto& x : list) {
    if (x == s) return true;
  }
  return false;
}

template <class A, class Reply>
grpc::Status Reply_(absl::StatusOr<typename workflows::Ledger::Outcome<A>>&& out,
                    const A& aggregate, absl::Time now, Reply* reply) {
  if (!out.ok()) return ToGrpcStatus(out.status());
  FillResult(*out, reply->mutable_result());
  for (const auto& e : out->events) {
    reply->mutable_result()->add_event_types(aggregate.EventType(e));
  }
  *reply->mutable_view() = aggregate.View(out->loaded.state, now);
  *reply->mutable_state() = std::move(out->loaded.state);
  return grpc::Status::OK;
}

// Who is asking and the command's metadata, or why not.
absl::StatusOr<engine::CommandMeta> Prepare(const Authorizer& auth,
                                            const grpc::ServerContextBase* ctx,
                                            const v1::CommandHeader& header, const std::string& id,
                                            const char* id_field, bool has_action) {
  ASSIGN_OR_RETURN(Caller caller, auth.CallerOf(ctx));
  return MetaOf(header, id, id_field, caller, has_action);
}

// The project filters of a list (region, stage) for an item of project
// `code`: the region is the code's, the stage the project's on the ledger.
bool ProjectFilters(const v1::ListRequest& request, const std::string& code,
                    const workflows::Ledger& ledger) {
  if (!request.region().empty() && (code.size() < 11 || code.substr(5, 6) != request.region())) {
    return false;
  }
  if (request.stage() != v1::PROJECT_STAGE_UNSPECIFIED) {
    auto project = ledger.GetProject(code);
    if (!project.has_value() || project->stage() != request.stage()) return false;
  }
  return true;
}

// The envelope's field of the message type `action`, or null.
const google::protobuf::FieldDescriptor* EnvelopeField(const google::protobuf::Descriptor* envelope,
                                                       const google::protobuf::Descriptor* action) {
  for (int i = 0; i < envelope->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = envelope->field(i);
    if (f->message_type() == action && f->containing_oneof() != nullptr) return f;
  }
  return nullptr;
}

}  // namespace

absl::Status ToEnvelope(const google::protobuf::Message& request,
                        google::protobuf::Message* envelope, v1::CommandHeader* header,
                        std::string* id) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Descriptor* d = request.GetDescriptor();
  const FieldDescriptor* h = d->FindFieldByNumber(1);
  const FieldDescriptor* i = d->FindFieldByNumber(2);
  const FieldDescriptor* a = d->FindFieldByNumber(3);
  if (h == nullptr || h->message_type() != v1::CommandHeader::descriptor() || i == nullptr ||
      i->type() != FieldDescriptor::TYPE_STRING || a == nullptr ||
      a->type() != FieldDescriptor::TYPE_MESSAGE) {
    return absl::InternalError(absl::StrCat(d->full_name(), " is not a typed command request"));
  }
  const FieldDescriptor* target = EnvelopeField(envelope->GetDescriptor(), a->message_type());
  if (target == nullptr) {
    return absl::InternalError(absl::StrCat(a->message_type()->full_name(), " is not an action of ",
                                            envelope->GetDescriptor()->full_name()));
  }
  const google::protobuf::Reflection* r = request.GetReflection();
  header->CopyFrom(r->GetMessage(request, h));
  *id = r->GetString(request, i);
  envelope->Clear();
  // A request without its action leaves the envelope empty: "no action set".
  if (r->HasField(request, a)) {
    envelope->GetReflection()
        ->MutableMessage(envelope, target)
        ->CopyFrom(r->GetMessage(request, a));
  }
  return absl::OkStatus();
}

grpc::Status LedgerCommands::CheckFields(const google::protobuf::Message& request) const {
  return ToGrpcStatus(CheckRequestFields(request, text_limits_));
}

void LedgerCommands::Case(grpc::ServerContextBase* ctx, const v1::CommandHeader& header,
                          const std::string& id, const v1::ApprovalCaseCommand& command,
                          v1::CaseReply* reply, Finish finish) {
  auto meta = Prepare(auth_, ctx, header, id, "case_id",
                      command.action_case() != v1::ApprovalCaseCommand::ACTION_NOT_SET);
  if (!meta.ok()) return finish(ToGrpcStatus(meta.status()));
  ledger_.ExecuteCaseAsync(id, command, *meta, [this, reply, finish = std::move(finish)](auto out) {
    finish(Reply_(std::move(out), ledger_.approval_case(), clock_.Now(), reply));
  });
}

void LedgerCommands::Task(grpc::ServerContextBase* ctx, const v1::CommandHeader& header,
                          const std::string& id, const v1::TaskCommand& command,
                          v1::TaskReply* reply, Finish finish) {
  auto meta = Prepare(auth_, ctx, header, id, "task_id",
                      command.action_case() != v1::TaskCommand::ACTION_NOT_SET);
  if (!meta.ok()) return finish(ToGrpcStatus(meta.status()));
  ledger_.ExecuteTaskAsync(id, command, *meta, [this, reply, finish = std::move(finish)](auto out) {
    finish(Reply_(std::move(out), ledger_.task(), clock_.Now(), reply));
  });
}

void LedgerCommands::Problem(grpc::ServerContextBase* ctx, const v1::CommandHeader& header,
                             const std::string& id, const v1::ProblemCommand& command,
                             v1::ProblemReply* reply, Finish finish) {
  auto meta = Prepare(auth_, ctx, header, id, "problem_id",
                      command.action_case() != v1::ProblemCommand::ACTION_NOT_SET);
  if (!meta.ok()) return finish(ToGrpcStatus(meta.status()));
  ledger_.ExecuteProblemAsync(
      id, command, *meta, [this, reply, finish = std::move(finish)](auto out) {
        finish(Reply_(std::move(out), ledger_.problem(), clock_.Now(), reply));
      });
}

void LedgerCommands::Project(grpc::ServerContextBase* ctx, const v1::CommandHeader& header,
                             const std::string& id, const v1::ProjectCommand& command,
                             v1::ProjectReply* reply, Finish finish) {
  // The code itself is checked by the aggregate (its shape); here only that
  // it is there.
  auto meta = Prepare(auth_, ctx, header, id, "project_code",
                      command.action_case() != v1::ProjectCommand::ACTION_NOT_SET);
  if (!meta.ok()) return finish(ToGrpcStatus(meta.status()));
  ledger_.ExecuteProjectAsync(
      id, command, *meta, [this, reply, finish = std::move(finish)](auto out) {
        finish(Reply_(std::move(out), ledger_.project(), clock_.Now(), reply));
      });
}

// The typed forms: the request into its envelope, then as above.
#define TZ_TYPED_THROUGH(Reply, Envelope, Run)                                       \
  void LedgerCommands::Typed(grpc::ServerContextBase* ctx,                           \
                             const google::protobuf::Message& request, Reply* reply, \
                             Finish finish) {                                        \
    if (grpc::Status s = CheckFields(request); !s.ok()) return finish(s);            \
    Envelope command;                                                                \
    v1::CommandHeader header;                                                        \
    std::string id;                                                                  \
    if (absl::Status s = ToEnvelope(request, &command, &header, &id); !s.ok()) {     \
      return finish(ToGrpcStatus(s));                                                \
    }                                                                                \
    Run(ctx, header, id, command, reply, std::move(finish));                         \
  }
TZ_TYPED_THROUGH(v1::CaseReply, v1::ApprovalCaseCommand, Case)
TZ_TYPED_THROUGH(v1::TaskReply, v1::TaskCommand, Task)
TZ_TYPED_THROUGH(v1::ProblemReply, v1::ProblemCommand, Problem)
TZ_TYPED_THROUGH(v1::ProjectReply, v1::ProjectCommand, Project)
#undef TZ_TYPED_THROUGH

void AddLedgerServices(TaizhangServer& server, workflows::Ledger& ledger) {
  auto commands = std::make_shared<LedgerCommands>(ledger, server.clock(), server.authorizer(),
                                                   server.options().text_limits);
  server.AddService(std::make_unique<LedgerService>(commands));
  server.AddService(std::make_unique<ApprovalService>(commands));
  server.AddService(std::make_unique<TasksService>(commands));
  server.AddService(std::make_unique<ProblemsService>(commands));
  server.AddService(std::make_unique<ProjectsService>(commands));
}

// ---------------------------------------------------------------------------
// ReadScope

ReadScope::ReadScope(const Caller& caller, const workflows::Ledger& ledger) : caller_(caller) {
  using workflows::Role;
  const workflows::Principal& p = caller.principal;
  if (!p.Is(Role::kLeader) && !p.Is(Role::kEnterprise)) return;
  all_ = false;
  for (const v1::ProjectState& s : ledger.ListProjects()) {
    const std::string& who = p.Is(Role::kLeader) ? s.info().responsible_leader() : s.info().owner();
    if (who == p.unit) projects_.insert(s.info().code());
  }
}

bool ReadScope::OwnProject(const std::string& code) const { return projects_.contains(code); }

bool ReadScope::Project(const v1::ProjectState& s) const {
  return all_ || OwnProject(s.info().code());
}

bool ReadScope::Case(const v1::ApprovalCaseState& s) const {
  if (all_ || OwnProject(s.project_code())) return true;
  const workflows::Principal& p = caller_.principal;
  return p.Is(workflows::Role::kLeader) ? s.responsible_leader() == p.unit : s.owner() == p.unit;
}

bool ReadScope::Task(const v1::TaskState& s) const {
  if (all_ || OwnProject(s.project_code())) return true;
  const workflows::Principal& p = caller_.principal;
  return p.Is(workflows::Role::kLeader) && s.responsible_leader() == p.unit;
}

bool ReadScope::Problem(const v1::ProblemState& s) const {
  if (all_ || OwnProject(s.project_code())) return true;
  const workflows::Principal& p = caller_.principal;
  if (p.Is(workflows::Role::kLeader)) return s.responsible_leader() == p.unit;
  return s.source().kind() == v1::PROBLEM_SOURCE_KIND_ENTERPRISE && s.source().name() == p.unit;
}

grpc::Status ReadScope::Denied(const std::string& what) const {
  const char* scope = caller_.principal.Is(workflows::Role::kLeader)
                          ? "the projects it is responsible for (and their cases, tasks and "
                            "problems)"
                          : "its own projects, cases and problems (and the tasks of its projects)";
  return grpc::Status(
      grpc::StatusCode::PERMISSION_DENIED,
      absl::StrCat("'", caller_.actor, "' may not read ", what, ": it reads only ", scope));
}

grpc::Status LedgerService::DoGetCase(grpc::ServerContextBase* ctx, const v1::GetRequest* request,
                                      v1::CaseReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  auto state = ledger().GetCase(request->id());
  if (!state.has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("no case '", request->id(), "'"));
  }
  ReadScope scope(caller, ledger());
  if (!scope.Case(*state)) return scope.Denied(absl::StrCat("case '", request->id(), "'"));
  *reply->mutable_state() = *state;
  *reply->mutable_view() = ledger().approval_case().View(*state, commands_->clock().Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::DoGetTask(grpc::ServerContextBase* ctx, const v1::GetRequest* request,
                                      v1::TaskReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  auto state = ledger().GetTask(request->id());
  if (!state.has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("no task '", request->id(), "'"));
  }
  ReadScope scope(caller, ledger());
  if (!scope.Task(*state)) return scope.Denied(absl::StrCat("task '", request->id(), "'"));
  *reply->mutable_state() = *state;
  *reply->mutable_view() = ledger().task().View(*state, commands_->clock().Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::DoGetProblem(grpc::ServerContextBase* ctx,
                                         const v1::GetRequest* request, v1::ProblemReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  auto state = ledger().GetProblem(request->id());
  if (!state.has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no problem '", request->id(), "'"));
  }
  ReadScope scope(caller, ledger());
  if (!scope.Problem(*state)) return scope.Denied(absl::StrCat("problem '", request->id(), "'"));
  *reply->mutable_state() = *state;
  *reply->mutable_view() = ledger().problem().View(*state, commands_->clock().Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::DoGetProject(grpc::ServerContextBase* ctx,
                                         const v1::GetRequest* request, v1::ProjectReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  auto state = ledger().GetProject(request->id());
  if (!state.has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no project '", request->id(), "'"));
  }
  ReadScope scope(caller, ledger());
  if (!scope.Project(*state)) return scope.Denied(absl::StrCat("project '", request->id(), "'"));
  *reply->mutable_state() = *state;
  *reply->mutable_view() = ledger().project().View(*state, commands_->clock().Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::DoListCases(grpc::ServerContextBase* ctx,
                                        const v1::ListRequest* request,
                                        v1::ListCasesResponse* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  TZ_RETURN_IF_ERROR_GRPC(CheckEnumFields(*request));
  const ReadScope scope(caller, ledger());
  absl::Time now = commands_->clock().Now();
  for (const auto& state : ledger().ListCases()) {
    if (!scope.Case(state) || !ProjectFilters(*request, state.project_code(), ledger())) continue;
    v1::ApprovalCaseView view = ledger().approval_case().View(state, now);
    if (!request->project_code().empty() && view.project_code() != request->project_code()) {
      continue;
    }
    bool unit_ok = request->unit().empty(), light_ok = request->light() == v1::LIGHT_UNSPECIFIED;
    bool overdue = view.clock().overdue();
    if (light_ok == false && view.clock().light() == request->light()) light_ok = true;
    for (const auto& item : view.items()) {
      if (item.department() == request->unit()) unit_ok = true;
      if (request->light() != v1::LIGHT_UNSPECIFIED && item.clock().light() == request->light()) {
        light_ok = true;
      }
      overdue |= item.clock().overdue();
    }
    if (!unit_ok || !light_ok || (request->overdue_only() && !overdue)) continue;
    *reply->add_cases() = std::move(view);
  }
  return grpc::Status::OK;
}

grpc::Status LedgerService::DoListTasks(grpc::ServerContextBase* ctx,
                                        const v1::ListRequest* request,
                                        v1::ListTasksResponse* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  TZ_RETURN_IF_ERROR_GRPC(CheckEnumFields(*request));
  const ReadScope scope(caller, ledger());
  absl::Time now = commands_->clock().Now();
  for (const auto& state : ledger().ListTasks()) {
    if (!scope.Task(state) || !ProjectFilters(*request, state.project_code(), ledger())) continue;
    v1::TaskView view = ledger().task().View(state, now);
    if (!request->unit().empty() && !Contains(view.responsible_units(), request->unit())) continue;
    if (!request->project_code().empty() && view.project_code() != request->project_code()) {
      continue;
    }
    if (request->light() != v1::LIGHT_UNSPECIFIED && view.light() != request->light()) continue;
    if (request->overdue_only() && !view.overdue()) continue;
    *reply->add_tasks() = std::move(view);
  }
  return grpc::Status::OK;
}

grpc::Status LedgerService::DoListProblems(grpc::ServerContextBase* ctx,
                                           const v1::ListRequest* request,
                                           v1::ListProblemsResponse* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  TZ_RETURN_IF_ERROR_GRPC(CheckEnumFields(*request));
  const ReadScope scope(caller, ledger());
  absl::Time now = commands_->clock().Now();
  for (const auto& state : ledger().ListProblems()) {
    if (!scope.Problem(state) || !ProjectFilters(*request, state.project_code(), ledger())) {
      continue;
    }
    v1::ProblemView view = ledger().problem().View(state, now);
    if (!request->unit().empty() && view.unit() != request->unit()) continue;
    if (!request->project_code().empty() && view.project_code() != request->project_code()) {
      continue;
    }
    if (request->light() != v1::LIGHT_UNSPECIFIED && view.light() != request->light()) continue;
    if (request->overdue_only() && !view.overdue()) continue;
    *reply->add_problems() = std::move(view);
  }
  return grpc::Status::OK;
}

grpc::Status LedgerService::DoListProjects(grpc::ServerContextBase* ctx,
                                           const v1::ListRequest* request,
                                           v1::ListProjectsResponse* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  TZ_RETURN_IF_ERROR_GRPC(CheckEnumFields(*request));
  const ReadScope scope(caller, ledger());
  absl::Time now = commands_->clock().Now();
  for (const auto& state : ledger().ListProjects()) {
    if (!scope.Project(state)) continue;
    if (!request->unit().empty() && state.info().lead_unit() != request->unit()) continue;
    if (!request->region().empty() && state.region_code() != request->region()) continue;
    if (request->stage() != v1::PROJECT_STAGE_UNSPECIFIED && state.stage() != request->stage()) {
      continue;
    }
    if (!request->project_code().empty() && state.info().code() != request->project_code()) {
      continue;
    }
    v1::ProjectView view = ledger().project().View(state, now);
    if (request->light() != v1::LIGHT_UNSPECIFIED && view.light() != request->light()) continue;
    if (request->overdue_only() && !view.start_overdue() && !view.finish_overdue()) continue;
    *reply->add_projects() = std::move(view);
  }
  return grpc::Status::OK;
}

grpc::Status LedgerService::DoGetBulletin(grpc::ServerContextBase* ctx,
                                          const v1::BulletinRequest* request, v1::Bulletin* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  if (request->month().empty()) return Invalid("month: required, as YYYY-MM");
  TZ_ASSIGN_OR_RETURN_GRPC(*reply, ledger().BulletinFor(request->month()));
  return grpc::Status::OK;
}

grpc::Status LedgerService::DoGetStateAsOf(grpc::ServerContextBase* ctx,
                                           const v1::StateAsOfRequest* request,
                                           v1::StateAsOfResponse* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, commands_->auth().CallerOf(ctx));
  if (request->stream().empty()) return Invalid("stream: required, e.g. task/<id>");
  if (request->position() != 0 && request->has_recorded_at()) {
    return Invalid("position, recorded_at: give at most one");
  }
  std::optional<uint64_t> position;
  std::optional<absl::Time> recorded_at;
  if (request->position() != 0) position = request->position();
  if (request->has_recorded_at()) {
    recorded_at = absl::FromUnixMicros(
        google::protobuf::util::TimeUtil::TimestampToMicroseconds(request->recorded_at()));
  }
  TZ_ASSIGN_OR_RETURN_GRPC(auto at, ledger().StateAt(request->stream(), position, recorded_at));
  reply->set_stream(request->stream());
  reply->set_version(at.version);
  reply->set_position(at.position);
  *reply->mutable_as_of() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(at.as_of));
  *reply->mutable_state() = std::move(at.state);
  *reply->mutable_view() = std::move(at.view);
  return grpc::Status::OK;
}

}  // namespace taizhang::services
