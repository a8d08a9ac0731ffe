#include "workflows/attachments.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/text_proto.h"
#include "google/protobuf/text_format.h"
#include "store/format.h"
#include "store/sha256.h"

namespace taizhang::workflows {
namespace {

bool IsJpeg(absl::string_view b) {
  if (b.size() < 4 || !absl::StartsWith(b, "\xFF\xD8\xFF")) return false;
  // A file may be padded after its end-of-image marker.
  while (!b.empty() && b.back() == '\0') b.remove_suffix(1);
  return absl::EndsWith(b, "\xFF\xD9");
}

bool IsPng(absl::string_view b) {
  static constexpr absl::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  static constexpr absl::string_view kIend("\0\0\0\0IEND\xAE\x42\x60\x82", 12);
  return b.size() >= 8 + 25 + 12 && absl::StartsWith(b, kSignature) && b.substr(12, 4) == "IHDR" &&
         absl::EndsWith(b, kIend);
}

bool IsPdf(absl::string_view b) {
  if (!absl::StartsWith(b, "%PDF-")) return false;
  const absl::string_view tail = b.size() > 1024 ? b.substr(b.size() - 1024) : b;
  return absl::StrContains(tail, "%%EOF");
}

std::string SizeText(int64_t bytes) {
  if (bytes >= (1 << 20)) {
    return absl::StrCat(bytes / (1 << 20), ".", (bytes % (1 << 20)) * 10 / (1 << 20), " MiB");
  }
  if (bytes >= 1024) return absl::StrCat(bytes / 1024, " KiB");
  return absl::StrCat(bytes, " 字节");
}

std::string TypeLabel(absl::string_view media_type) {
  if (media_type == kMediaJpeg) return "JPEG 图片";
  if (media_type == kMediaPng) return "PNG 图片";
  if (media_type == kMediaPdf) return "PDF 文档";
  return absl::StrCat("'", media_type, "'");
}

int PolicyLine(const google::protobuf::TextFormat::ParseInfoTree* tree, const char* field) {
  if (tree == nullptr) return 0;
  const auto* f = v1::AttachmentPolicy::descriptor()->FindFieldByName(field);
  if (f == nullptr) return 0;
  const int index = f->is_repeated() ? 0 : -1;
  return tree->GetLocation(f, index).line + 1;
}

absl::Status Validate(const v1::AttachmentPolicy& policy, const std::string& name,
                      const google::protobuf::TextFormat::ParseInfoTree* tree) {
  std::vector<std::string> problems;
  auto add = [&](const char* field, absl::string_view reason) {
    const int line = PolicyLine(tree, field);
    problems.push_back(line > 0 ? absl::StrCat(name, ":", line, ": ", reason)
                                : absl::StrCat(name, ": ", reason));
  };
  if (policy.name().empty()) add("name", "name is empty");
  const int64_t max_blob = static_cast<int64_t>(store::format::kMaxBlobBytes);
  if (policy.max_bytes() < 1 || policy.max_bytes() > max_blob) {
    add("max_bytes", absl::StrCat("max_bytes is ", policy.max_bytes(), ", must be in 1..", max_blob,
                                  " (the log's limit for one blob)"));
  }
  const int32_t max_files = static_cast<int32_t>(store::format::kMaxBlobsPerAppend);
  if (policy.max_per_report() < 1 || policy.max_per_report() > max_files) {
    add("max_per_report",
        absl::StrCat("max_per_report is ", policy.max_per_report(), ", must be in 1..", max_files,
                     " (the log's blobs per append)"));
  } else if (policy.max_bytes() * policy.max_per_report() >
             static_cast<int64_t>(store::format::kMaxAppendBlobBytes)) {
    add("max_per_report",
        absl::StrCat("max_bytes × max_per_report is ", policy.max_bytes() * policy.max_per_report(),
                     ", more than the log's ", store::format::kMaxAppendBlobBytes,
                     " bytes per append"));
  }
  if (policy.media_types().empty()) add("media_types", "media_types is empty");
  std::set<std::string> seen;
  for (const std::string& t : policy.media_types()) {
    if (t != kMediaJpeg && t != kMediaPng && t != kMediaPdf) {
      add("media_types", absl::StrCat("media type '", t, "' is not one recognised by its bytes (",
                                      kMediaJpeg, ", ", kMediaPng, ", ", kMediaPdf, ")"));
    } else if (!seen.insert(t).second) {
      add("media_types", absl::StrCat("media type '", t, "' is named twice"));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

bool IsHexDigest(absl::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

std::string SniffMediaType(absl::string_view bytes) {
  if (IsJpeg(bytes)) return kMediaJpeg;
  if (IsPng(bytes)) return kMediaPng;
  if (IsPdf(bytes)) return kMediaPdf;
  return "";
}

bool IsImage(absl::string_view media_type) { return absl::StartsWith(media_type, "image/"); }

std::string DigestHex(absl::string_view raw) { return absl::BytesToHexString(raw); }

absl::StatusOr<std::string> DigestFromHex(absl::string_view hex) {
  const std::string lower = absl::AsciiStrToLower(hex);
  if (!IsHexDigest(lower)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", hex, "' is not a SHA-256 digest (64 hex digits)"));
  }
  return absl::HexStringToBytes(lower);
}

absl::StatusOr<v1::AttachmentPolicy> ParseAttachmentPolicy(const std::string& name,
                                                           const std::string& text) {
  v1::AttachmentPolicy policy;
  RETURN_IF_ERROR(engine::ParseTextProto(name, text, &policy));
  google::protobuf::TextFormat::ParseInfoTree tree;
  google::protobuf::TextFormat::Parser parser;
  parser.WriteLocationsTo(&tree);
  v1::AttachmentPolicy located;
  const bool located_ok = parser.ParseFromString(text, &located);
  RETURN_IF_ERROR(Validate(policy, name, located_ok ? &tree : nullptr));
  return policy;
}

absl::StatusOr<v1::AttachmentPolicy> LoadAttachmentPolicy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return ParseAttachmentPolicy(path, buffer.str());
}

absl::Status ValidateAttachmentPolicy(const v1::AttachmentPolicy& policy, const std::string& name) {
  return Validate(policy, name, nullptr);
}

absl::StatusOr<CheckedAttachments> CheckAttachments(
    const google::protobuf::RepeatedPtrField<v1::Attachment>& files,
    const v1::AttachmentPolicy& policy, bool images_only, absl::string_view field) {
  if (files.size() > policy.max_per_report()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": 共 ", files.size(), " 个文件，每次报送最多 ", policy.max_per_report(), " 个"));
  }
  CheckedAttachments out;
  for (int i = 0; i < files.size(); ++i) {
    const v1::Attachment& f = files[i];
    const std::string which = absl::StrCat(field, "[", i, "] '", f.name(), "'");
    if (f.name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, "[", i, "]: 文件缺少名称（name）"));
    }
    const int64_t size = static_cast<int64_t>(f.bytes().size());
    if (size == 0) return absl::InvalidArgumentError(absl::StrCat(which, ": 文件为空"));
    if (size > policy.max_bytes()) {
      return absl::InvalidArgumentError(absl::StrCat(which, ": 文件大小 ", SizeText(size),
                                                     "，超过上限 ", SizeText(policy.max_bytes())));
    }
    const std::string actual = SniffMediaType(f.bytes());
    if (actual.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          which, ": 文件内容不是完整的 JPEG、PNG 图片或 PDF 文档（可能已损坏或不完整）"));
    }
    if (f.media_type() != actual) {
      return absl::InvalidArgumentError(absl::StrCat(
          which, ": 声明的类型 '", f.media_type(), "' 与文件内容（", TypeLabel(actual), "）不符"));
    }
    bool allowed = false;
    for (const std::string& t : policy.media_types()) allowed = allowed || t == actual;
    if (!allowed || (images_only && !IsImage(actual))) {
      return absl::InvalidArgumentError(absl::StrCat(
          which, ": 不接受", TypeLabel(actual),
          images_only ? "（图片库只收 JPEG 或 PNG 图片）" : "（附件类型不在规定之内）"));
    }
    std::string digest = store::Sha256(f.bytes());
    v1::AttachmentRef& ref = out.refs.emplace_back();
    ref.set_sha256(DigestHex(digest));
    ref.set_media_type(actual);
    ref.set_size(size);
    ref.set_name(f.name());
    out.blobs.emplace(std::move(digest), f.bytes());
  }
  return out;
}

std::vector<std::string> BlobDigestsOf(
    const google::protobuf::RepeatedPtrField<v1::AttachmentRef>& refs) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const v1::AttachmentRef& r : refs) {
    if (!IsHexDigest(r.sha256()) || !seen.insert(r.sha256()).second) continue;
    out.push_back(absl::HexStringToBytes(r.sha256()));
  }
  return out;
}

absl::Status CheckAttachmentRefs(const google::protobuf::RepeatedPtrField<v1::AttachmentRef>& refs,
                                 absl::string_view field) {
  for (int i = 0; i < refs.size(); ++i) {
    const v1::AttachmentRef& r = refs[i];
    if (!IsHexDigest(r.sha256()) || r.media_type().empty() || r.size() < 1 || r.name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i,
                       "]: an attachment names its sha256 (64 lowercase hex digits), type, size "
                       "and name; send files through the request's files"));
    }
  }
  if (refs.size() > static_cast<int>(store::format::kMaxBlobsPerAppend)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", store::format::kMaxBlobsPerAppend, " files"));
  }
  return absl::OkStatus();
}

}  // namespace taizhang::workflows
