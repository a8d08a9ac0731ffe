#include "services/ledger_service.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/grpc_status.h"

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

}  // namespace

grpc::Status LedgerService::ExecuteCase(grpc::ServerContext* ctx,
                                        const v1::ExecuteCaseRequest* request,
                                        v1::CaseReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  TZ_ASSIGN_OR_RETURN_GRPC(
      engine::CommandMeta meta,
      MetaOf(request->header(), request->case_id(), "case_id", caller,
             request->command().action_case() != v1::ApprovalCaseCommand::ACTION_NOT_SET));
  TZ_ASSIGN_OR_RETURN_GRPC(auto out,
                           ledger_.ExecuteCase(request->case_id(), request->command(), meta));
  FillResult(out, reply->mutable_result());
  for (const auto& e : out.events) {
    reply->mutable_result()->add_event_types(ledger_.approval_case().EventType(e));
  }
  *reply->mutable_state() = out.loaded.state;
  *reply->mutable_view() = ledger_.approval_case().View(out.loaded.state, clock_.Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::ExecuteTask(grpc::ServerContext* ctx,
                                        const v1::ExecuteTaskRequest* request,
                                        v1::TaskReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  TZ_ASSIGN_OR_RETURN_GRPC(
      engine::CommandMeta meta,
      MetaOf(request->header(), request->task_id(), "task_id", caller,
             request->command().action_case() != v1::TaskCommand::ACTION_NOT_SET));
  TZ_ASSIGN_OR_RETURN_GRPC(auto out,
                           ledger_.ExecuteTask(request->task_id(), request->command(), meta));
  FillResult(out, reply->mutable_result());
  for (const auto& e : out.events) {
    reply->mutable_result()->add_event_types(ledger_.task().EventType(e));
  }
  *reply->mutable_state() = out.loaded.state;
  *reply->mutable_view() = ledger_.task().View(out.loaded.state, clock_.Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::ExecuteProblem(grpc::ServerContext* ctx,
                                           const v1::ExecuteProblemRequest* request,
                                           v1::ProblemReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  TZ_ASSIGN_OR_RETURN_GRPC(
      engine::CommandMeta meta,
      MetaOf(request->header(), request->problem_id(), "problem_id", caller,
             request->command().action_case() != v1::ProblemCommand::ACTION_NOT_SET));
  TZ_ASSIGN_OR_RETURN_GRPC(auto out,
                           ledger_.ExecuteProblem(request->problem_id(), request->command(), meta));
  FillResult(out, reply->mutable_result());
  for (const auto& e : out.events) {
    reply->mutable_result()->add_event_types(ledger_.problem().EventType(e));
  }
  *reply->mutable_state() = out.loaded.state;
  *reply->mutable_view() = ledger_.problem().View(out.loaded.state, clock_.Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::ExecuteProject(grpc::ServerContext* ctx,
                                           const v1::ExecuteProjectRequest* request,
                                           v1::ProjectReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  // The code itself is checked by the aggregate (its shape); here only that
  // it is there.
  TZ_ASSIGN_OR_RETURN_GRPC(
      engine::CommandMeta meta,
      MetaOf(request->header(), request->project_code(), "project_code", caller,
             request->command().action_case() != v1::ProjectCommand::ACTION_NOT_SET));
  TZ_ASSIGN_OR_RETURN_GRPC(
      auto out, ledger_.ExecuteProject(request->project_code(), request->command(), meta));
  FillResult(out, reply->mutable_result());
  for (const auto& e : out.events) {
    reply->mutable_result()->add_event_types(ledger_.project().EventType(e));
  }
  *reply->mutable_state() = out.loaded.state;
  *reply->mutable_view() = ledger_.project().View(out.loaded.state, clock_.Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::GetCase(grpc::ServerContext* ctx, const v1::GetRequest* request,
                                    v1::CaseReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  auto state = ledger_.GetCase(request->id());
  if (!state.has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("no case '", request->id(), "'"));
  }
  *reply->mutable_state() = *state;
  *reply->mutable_view() = ledger_.approval_case().View(*state, clock_.Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::GetTask(grpc::ServerContext* ctx, const v1::GetRequest* request,
                                    v1::TaskReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  auto state = ledger_.GetTask(request->id());
  if (!state.has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("no task '", request->id(), "'"));
  }
  *reply->mutable_state() = *state;
  *reply->mutable_view() = ledger_.task().View(*state, clock_.Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::GetProblem(grpc::ServerContext* ctx, const v1::GetRequest* request,
                                       v1::ProblemReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  auto state = ledger_.GetProblem(request->id());
  if (!state.has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no problem '", request->id(), "'"));
  }
  *reply->mutable_state() = *state;
  *reply->mutable_view() = ledger_.problem().View(*state, clock_.Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::GetProject(grpc::ServerContext* ctx, const v1::GetRequest* request,
                                       v1::ProjectReply* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  auto state = ledger_.GetProject(request->id());
  if (!state.has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no project '", request->id(), "'"));
  }
  *reply->mutable_state() = *state;
  *reply->mutable_view() = ledger_.project().View(*state, clock_.Now());
  return grpc::Status::OK;
}

grpc::Status LedgerService::ListCases(grpc::ServerContext* ctx, const v1::ListRequest* request,
                                      v1::ListCasesResponse* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  absl::Time now = clock_.Now();
  for (const auto& state : ledger_.ListCases()) {
    v1::ApprovalCaseView view = ledger_.approval_case().View(state, now);
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

grpc::Status LedgerService::ListTasks(grpc::ServerContext* ctx, const v1::ListRequest* request,
                                      v1::ListTasksResponse* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  absl::Time now = clock_.Now();
  for (const auto& state : ledger_.ListTasks()) {
    v1::TaskView view = ledger_.task().View(state, now);
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

grpc::Status LedgerService::ListProblems(grpc::ServerContext* ctx, const v1::ListRequest* request,
                                         v1::ListProblemsResponse* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  absl::Time now = clock_.Now();
  for (const auto& state : ledger_.ListProblems()) {
    v1::ProblemView view = ledger_.problem().View(state, now);
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

grpc::Status LedgerService::ListProjects(grpc::ServerContext* ctx, const v1::ListRequest* request,
                                         v1::ListProjectsResponse* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  absl::Time now = clock_.Now();
  for (const auto& state : ledger_.ListProjects()) {
    if (!request->unit().empty() && state.info().lead_unit() != request->unit()) continue;
    if (!request->region().empty() && state.region_code() != request->region()) continue;
    if (!request->project_code().empty() && state.info().code() != request->project_code()) {
      continue;
    }
    v1::ProjectView view = ledger_.project().View(state, now);
    if (request->light() != v1::LIGHT_UNSPECIFIED && view.light() != request->light()) continue;
    if (request->overdue_only() && !view.start_overdue() && !view.finish_overdue()) continue;
    *reply->add_projects() = std::move(view);
  }
  return grpc::Status::OK;
}

grpc::Status LedgerService::GetBulletin(grpc::ServerContext* ctx,
                                        const v1::BulletinRequest* request, v1::Bulletin* reply) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  if (request->month().empty()) return Invalid("month: required, as YYYY-MM");
  TZ_ASSIGN_OR_RETURN_GRPC(*reply, ledger_.BulletinFor(request->month()));
  return grpc::Status::OK;
}

}  // namespace taizhang::services
