// The Photos service (service.proto): a project's image progress (形象进度)
// into its photo library (图片库), and attachments read back by digest.
//
// An attachment is read through what names it: a project's events (its node
// reports and image progress) or a task's (its progress reports), and only by
// a caller who may read that project or task (ReadScope, as the List RPCs and
// the office pages). The bytes come from the log's blob, hashed again as read
// (store/event_log.h GetBlob), so what is served is what the chain names.
//
// Thread-safety: gRPC calls the handlers concurrently; the Ledger is safe for
// that, and ReadAttachment is reentrant.
#ifndef TAIZHANG_SERVICES_PHOTOS_SERVICE_H_
#define TAIZHANG_SERVICES_PHOTOS_SERVICE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/http_server.h"
#include "services/ledger_service.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::services {

struct FoundAttachment {
  v1::AttachmentRef ref;
  std::string bytes;
};

// The attachment `sha256_hex` named by project `project_code` or by task
// `task_id` (exactly one given), for a caller reading with `scope`.
// INVALID_ARGUMENT for a bad digest or not exactly one owner; NOT_FOUND when
// the project or task does not exist or names no such attachment;
// PERMISSION_DENIED when the caller may not read it; DATA_LOSS when the log's
// blob no longer has the bytes named.
absl::StatusOr<FoundAttachment> ReadAttachment(const ReadScope& scope,
                                               const workflows::Ledger& ledger,
                                               const std::string& project_code,
                                               const std::string& task_id,
                                               const std::string& sha256_hex);

// GET <prefix><code>/<sha256 hex> on the HTTP side (`rest` is "<code>/<hex>",
// percent-encoded): a project's attachment with its media type, ETag = its
// digest (it never changes), 403 for a caller who may not read the project,
// 404 for an unknown project or digest. `images_only`: a document is 404
// (the screen shows photos only). `if_none_match` (the request's
// If-None-Match): when it names the ETag (or is "*"), 304 with no body, once
// the caller is known to be allowed the attachment.
HttpResponse AttachmentAnswer(const Caller& caller, const workflows::Ledger& ledger,
                              const std::string& rest, bool images_only,
                              const std::string& if_none_match = "");
// Whether an If-None-Match header value (a list of entity tags, weak or
// strong, or "*") matches the strong entity tag `etag` (quoted).
bool IfNoneMatchHits(const std::string& if_none_match, const std::string& etag);

// The path of a project's photo under `prefix` ("/photo/" or "/screen/photo/").
std::string AttachmentPath(const std::string& prefix, const std::string& code,
                           const std::string& sha256_hex);

class PhotosService final : public v1::Photos::CallbackService {
 public:
  explicit PhotosService(std::shared_ptr<LedgerCommands> commands)
      : commands_(std::move(commands)) {}

  grpc::ServerUnaryReactor* RecordProjectImageProgress(
      grpc::CallbackServerContext* ctx, const v1::RecordProjectImageProgressRequest* request,
      v1::ProjectReply* reply) override;
  grpc::ServerUnaryReactor* GetAttachment(grpc::CallbackServerContext* ctx,
                                          const v1::GetAttachmentRequest* request,
                                          v1::GetAttachmentResponse* reply) override;

 private:
  std::shared_ptr<LedgerCommands> commands_;
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_PHOTOS_SERVICE_H_
