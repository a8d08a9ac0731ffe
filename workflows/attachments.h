// Attachments (附件): photos and documents behind reports, kept as blobs of
// the log (proto/taizhang/v1/attachment.proto).
//
// A request's files are checked here before any command is decided: each
// file's type is recognised by its bytes (a JPEG from its SOI marker to its
// EOI marker, a PNG from its signature and IHDR to its IEND chunk, a PDF from
// "%PDF-" to "%%EOF", so a truncated file is recognised as none), the
// declared type must be that one and allowed by the policy, the size within
// the policy's limit, the count within its limit per report. What passes
// becomes the AttachmentRefs the command names and the bytes the command
// brings to the log (engine::CommandMeta::blobs), keyed by their SHA-256:
// Decide stays pure, and the event names only digests.
//
// Thread-safety: pure functions.
#ifndef TAIZHANG_WORKFLOWS_ATTACHMENTS_H_
#define TAIZHANG_WORKFLOWS_ATTACHMENTS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "taizhang/v1/attachment.pb.h"

namespace taizhang::workflows {

inline constexpr char kMediaJpeg[] = "image/jpeg";
inline constexpr char kMediaPng[] = "image/png";
inline constexpr char kMediaPdf[] = "application/pdf";

// The type `bytes` are, judged by their content: kMediaJpeg, kMediaPng or
// kMediaPdf; "" for anything else, a truncated file included.
std::string SniffMediaType(absl::string_view bytes);

// Whether `media_type` is a photo (image/*).
bool IsImage(absl::string_view media_type);

// The 64 lowercase hex digits of a raw digest, and back (INVALID_ARGUMENT
// for anything but 64 hex digits).
std::string DigestHex(absl::string_view raw);
absl::StatusOr<std::string> DigestFromHex(absl::string_view hex);

// Policy (workflows/policies/attachments/*.textproto): a name; 1 <= max_bytes
// <= the log's blob limit; 1 <= max_per_report <= the log's blobs per append,
// max_bytes * max_per_report within its bytes per append; at least one media
// type, each one SniffMediaType knows, none twice. INVALID_ARGUMENT
// "name:line: reason"; NOT_FOUND when the file cannot be read.
absl::StatusOr<v1::AttachmentPolicy> ParseAttachmentPolicy(const std::string& name,
                                                           const std::string& text);
absl::StatusOr<v1::AttachmentPolicy> LoadAttachmentPolicy(const std::string& path);
absl::Status ValidateAttachmentPolicy(const v1::AttachmentPolicy& policy, const std::string& name);

// A request's files, checked.
struct CheckedAttachments {
  std::vector<v1::AttachmentRef> refs;       // in the request's order
  std::map<std::string, std::string> blobs;  // raw SHA-256 -> bytes (equal files once)
};

// Checks `files` (the request's field `field`, for messages) against
// `policy`; `images_only`: photos only (a photo library). INVALID_ARGUMENT
// naming the file (its index and name) and what is wrong, in Chinese: too
// many files, an empty or missing name, a size over the limit, bytes of no
// known type (a truncated file, a text), a declared type that is not what
// the bytes are, a type the policy does not take.
absl::StatusOr<CheckedAttachments> CheckAttachments(
    const google::protobuf::RepeatedPtrField<v1::Attachment>& files,
    const v1::AttachmentPolicy& policy, bool images_only, absl::string_view field);

// The raw digests `refs` name, each once, in order (for an event's
// blob_digests). A ref whose sha256 is not 64 hex digits is left out (Decide
// never writes one).
std::vector<std::string> BlobDigestsOf(
    const google::protobuf::RepeatedPtrField<v1::AttachmentRef>& refs);

// INVALID_ARGUMENT unless every ref is well formed (64 hex digits, a type, a
// size >= 1, a name): what Decide checks of a command's attachments.
absl::Status CheckAttachmentRefs(const google::protobuf::RepeatedPtrField<v1::AttachmentRef>& refs,
                                 absl::string_view field);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_ATTACHMENTS_H_
