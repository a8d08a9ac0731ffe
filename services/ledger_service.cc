#include "services/ledger_service.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/time_util.h"
#include "services/grpc_status.h"
#include "services/list_filter.h"
#include "services/photos_service.h"
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
  RETURN_IF_ERROR(CheckCommandHeader(header));
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

absl::Status SetAttachments(google::protobuf::Message* envelope,
                            const std::vector<v1::AttachmentRef>& refs) {
  const google::protobuf::Reflection* r = envelope->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> set;
  r->ListFields(*envelope, &set);
  if (set.size() != 1 || set[0]->message_type() == nullptr) return absl::OkStatus();
  google::protobuf::Message* action = r->MutableMessage(envelope, set[0]);
  const google::protobuf::FieldDescriptor* field =
      action->GetDescriptor()->FindFieldByName("attachments");
  if (field == nullptr || !field->is_repeated() ||
      field->message_type() != v1::AttachmentRef::descriptor()) {
    if (refs.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("files: ", action->GetDescriptor()->name(), " takes no files"));
  }
  const google::protobuf::Reflection* ar = action->GetReflection();
  if (ar->FieldSize(*action, field) > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(set[0]->name(),
                     ".attachments: filled by the server from the request's files; send the "
                     "files instead"));
  }
  for (const v1::AttachmentRef& ref : refs) ar->AddMessage(action, field)->CopyFrom(ref);
  return absl::OkStatus();
}

grpc::Status LedgerCommands::CheckFields(const google::protobuf::Message& request) const {
  return ToGrpcStatus(CheckRequestFields(request, text_limits_));
}

absl::StatusOr<engine::CommandMeta> LedgerCommands::Prepare(grpc::ServerContextBase* ctx,
                                                            const v1::CommandHeader& header,
                                                            const std::string& id,
                                                            const char* id_field,
                                                            bool has_action) const {
  ASSIGN_OR_RETURN(Caller caller, auth_.CallerOf(ctx));
  return MetaOf(header, id, id_field, caller, has_action);
}

grpc::Status LedgerCommands::ToEnvelopeChecked(const google::protobuf::Message& request,
                                               google::protobuf::Message* envelope,
                                               v1::CommandHeader* header, std::string* id) const {
  if (grpc::Status s = CheckFields(request); !s.ok()) return s;
  return ToGrpcStatus(ToEnvelope(request, envelope, header, id));
}

namespace ledger_service_internal {

// As PassesProjectFilters (list_filter.h), the project read from the
// projection.
bool ProjectFilters(const v1::ListRequest& request, const std::string& code,
                    const workflows::Ledger& ledger) {
  std::optional<v1::ProjectState> project;
  return PassesProjectFilters(request, code, [&](const std::string& c) {
    project = ledger.GetProject(c);
    return project.has_value() ? &*project : nullptr;
  });
}

}  // namespace ledger_service_internal

void AddLedgerServices(TaizhangServer& server, workflows::Ledger& ledger) {
  auto commands = std::make_shared<LedgerCommands>(ledger, server.clock(), server.authorizer(),
                                                   server.options().text_limits);
  server.AddService(std::make_unique<LedgerService>(commands));
  server.AddService(std::make_unique<ApprovalService>(commands));
  server.AddService(std::make_unique<TasksService>(commands));
  server.AddService(std::make_unique<ProblemsService>(commands));
  server.AddService(std::make_unique<ProjectsService>(commands));
  server.AddService(std::make_unique<PhotosService>(commands));
  server.AddService(std::make_unique<MeetingsService>(commands));
  server.AddService(std::make_unique<CampaignsService>(commands));
}

// ---------------------------------------------------------------------------
// ReadScope

ReadScope::ReadScope(const Caller& caller, const workflows::Ledger& ledger)
    : ReadScope(caller, caller.principal.Is(workflows::Role::kLeader) ||
                                caller.principal.Is(workflows::Role::kEnterprise)
                            ? ledger.ListProjects()
                            : std::vector<v1::ProjectState>()) {}

ReadScope::ReadScope(const Caller& caller, const std::vector<v1::ProjectState>& projects)
    : caller_(caller) {
  using workflows::Role;
  const workflows::Principal& p = caller.principal;
  if (!p.Is(Role::kLeader) && !p.Is(Role::kEnterprise)) return;
  all_ = false;
  for (const v1::ProjectState& s : projects) {
    const std::string& who = p.Is(Role::kLeader) ? s.info().responsible_leader() : s.info().owner();
    if (who == p.unit) projects_.insert(s.info().code());
  }
}

bool ReadScope::OwnProject(const std::string& code) const { return projects_.contains(code); }

grpc::Status ReadScope::Denied(const std::string& what) const {
  const char* scope = caller_.principal.Is(workflows::Role::kLeader)
                          ? "the projects it is responsible for (and their cases, tasks and "
                            "problems)"
                          : "its own projects, cases and problems (and the tasks of its projects)";
  return grpc::Status(
      grpc::StatusCode::PERMISSION_DENIED,
      absl::StrCat("'", caller_.actor, "' may not read ", what, ": it reads only ", scope));
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
