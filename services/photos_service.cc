#include "services/photos_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "services/grpc_status.h"
#include "services/http_helpers.h"
#include "workflows/attachments.h"

namespace taizhang::services {
namespace {

template <class Refs>
const v1::AttachmentRef* FindRef(const Refs& refs, const std::string& hex) {
  for (const v1::AttachmentRef& r : refs) {
    if (r.sha256() == hex) return &r;
  }
  return nullptr;
}

// The ref among a state's attachments, or null.
const v1::AttachmentRef* Named(const v1::ProjectState& s, const std::string& hex) {
  for (const v1::ProjectPhoto& p : s.photos()) {
    if (p.attachment().sha256() == hex) return &p.attachment();
  }
  return nullptr;
}
const v1::AttachmentRef* Named(const v1::TaskState& s, const std::string& hex) {
  for (const v1::TaskProgressReported& p : s.progress()) {
    if (const v1::AttachmentRef* r = FindRef(p.attachments(), hex)) return r;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<FoundAttachment> ReadAttachment(const ReadScope& scope,
                                               const workflows::Ledger& ledger,
                                               const std::string& project_code,
                                               const std::string& task_id,
                                               const std::string& sha256_hex) {
  if (project_code.empty() == task_id.empty()) {
    return absl::InvalidArgumentError("project_code, task_id: give exactly one");
  }
  ASSIGN_OR_RETURN(std::string digest, workflows::DigestFromHex(sha256_hex));
  const std::string hex = workflows::DigestHex(digest);
  FoundAttachment found;
  if (!project_code.empty()) {
    auto state = ledger.GetProject(project_code);
    if (!state.has_value() || state->info().code().empty()) {
      return absl::NotFoundError(absl::StrCat("没有项目代码为 ", project_code, " 的项目"));
    }
    if (!scope.Reads(*state)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "无权查看项目 ", project_code, " 的附件：只能查看本人负责（或本单位）的项目"));
    }
    const v1::AttachmentRef* ref = Named(*state, hex);
    if (ref == nullptr) {
      return absl::NotFoundError(absl::StrCat("项目 ", project_code, " 没有附件 ", hex));
    }
    found.ref = *ref;
  } else {
    // The full state: a photo of any report, not only the latest.
    ASSIGN_OR_RETURN(auto state, ledger.workflow<workflows::Task>().GetFull(task_id));
    if (!state.has_value() || state->task_id().empty()) {
      return absl::NotFoundError(absl::StrCat("没有任务 ", task_id));
    }
    if (!scope.Reads(*state)) {
      return absl::PermissionDeniedError(
          absl::StrCat("无权查看任务 ", task_id, " 的附件：只能查看本人负责（或本单位）的事项"));
    }
    const v1::AttachmentRef* ref = Named(*state, hex);
    if (ref == nullptr)
      return absl::NotFoundError(absl::StrCat("任务 ", task_id, " 没有附件 ", hex));
    found.ref = *ref;
  }
  ASSIGN_OR_RETURN(found.bytes, ledger.log().GetBlob(digest));
  return found;
}

bool IfNoneMatchHits(const std::string& if_none_match, const std::string& etag) {
  for (absl::string_view tag : absl::StrSplit(if_none_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    if (tag == "*") return true;
    // The weak comparison (RFC 9110, 13.1.2): a W/ prefix does not matter.
    absl::ConsumePrefix(&tag, "W/");
    if (!tag.empty() && tag == etag) return true;
  }
  return false;
}

HttpResponse AttachmentAnswer(const Caller& caller, const workflows::Ledger& ledger,
                              const std::string& rest, bool images_only,
                              const std::string& if_none_match) {
  const size_t slash = rest.find('/');
  if (slash == std::string::npos) {
    return ErrorPage(404, "照片地址应为 <项目代码>/<SHA-256>");
  }
  std::optional<std::string> code = PercentDecode(rest.substr(0, slash));
  if (!code.has_value()) return ErrorPage(400, "项目代码的百分号编码有误");
  const std::string hex = rest.substr(slash + 1);
  if (!workflows::DigestFromHex(hex).ok()) {
    return ErrorPage(404, absl::StrCat("'", hex, "' 不是附件的 SHA-256 摘要"));
  }
  const ReadScope scope(caller, ledger);
  auto found = ReadAttachment(scope, ledger, *code, "", hex);
  if (!found.ok()) return ErrorAnswer(found.status());
  if (images_only && !workflows::IsImage(found->ref.media_type())) {
    return ErrorPage(404, "大屏只显示照片");
  }
  HttpResponse r;
  const std::string etag = absl::StrCat("\"", found->ref.sha256(), "\"");
  r.content_type = found->ref.media_type();
  if (IfNoneMatchHits(if_none_match, etag)) {
    r.status = 304;  // the browser's copy is these bytes: none sent again
  } else {
    r.status = 200;
    r.body = std::move(found->bytes);
  }
  r.headers.emplace_back("ETag", etag);
  // The bytes under a digest never change; only who may read them does.
  r.headers.emplace_back("Cache-Control", "private, max-age=86400");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

std::string AttachmentPath(const std::string& prefix, const std::string& code,
                           const std::string& sha256_hex) {
  return absl::StrCat(prefix, PercentEncode(code), "/", sha256_hex);
}

grpc::ServerUnaryReactor* PhotosService::RecordProjectImageProgress(
    grpc::CallbackServerContext* ctx, const v1::RecordProjectImageProgressRequest* request,
    v1::ProjectReply* reply) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  commands_->TypedWithFiles<workflows::Project>(
      ctx, *request, /*images_only=*/true, reply,
      [reactor](grpc::Status s) { reactor->Finish(std::move(s)); });
  return reactor;
}

grpc::ServerUnaryReactor* PhotosService::GetAttachment(grpc::CallbackServerContext* ctx,
                                                       const v1::GetAttachmentRequest* request,
                                                       v1::GetAttachmentResponse* reply) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto caller = commands_->auth().CallerOf(ctx);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  const ReadScope scope(*caller, commands_->ledger());
  auto found = ReadAttachment(scope, commands_->ledger(), request->project_code(),
                              request->task_id(), request->sha256());
  if (!found.ok()) {
    reactor->Finish(ToGrpcStatus(found.status()));
    return reactor;
  }
  *reply->mutable_attachment() = std::move(found->ref);
  reply->set_bytes(std::move(found->bytes));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace taizhang::services
