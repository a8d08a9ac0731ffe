#include "services/export_route.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "reports/labels.h"
#include "reports/ledger_sheets.h"
#include "services/ledger_export.h"

namespace taizhang::services {
namespace {

// The gRPC method whose access rule the route follows.
constexpr char kExportMethod[] = "/taizhang.v1.Reports/ExportLedger";
constexpr char kPrefix[] = "/export/";

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

// The token in an Authorization header: "Bearer T", or "Basic base64(user:T)"
// as a browser sends it (as the dashboard reads it).
std::optional<std::string> BearerOf(const std::string& authorization) {
  if (authorization.empty()) return std::nullopt;
  if (absl::StartsWithIgnoreCase(authorization, "basic ")) {
    std::string decoded;
    if (!absl::Base64Unescape(authorization.substr(6), &decoded)) return "Bearer -";
    const size_t colon = decoded.find(':');
    return absl::StrCat("Bearer ",
                        colon == std::string::npos ? decoded : decoded.substr(colon + 1));
  }
  return authorization;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A query component decoded ('+' is a space). Nullopt for a bad escape.
std::optional<std::string> PercentDecode(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The request the path and query ask for, or why it is bad.
absl::StatusOr<v1::ExportLedgerRequest> RequestOf(const std::string& target) {
  const size_t q = target.find('?');
  const std::string path = target.substr(0, q);
  const std::string file = path.substr(sizeof(kPrefix) - 1);
  const size_t dot = file.rfind('.');
  v1::ExportLedgerRequest request;
  const std::string ext =
      dot == std::string::npos ? "" : absl::AsciiStrToLower(file.substr(dot + 1));
  if (ext == "xlsx") {
    request.set_format(v1::DOCUMENT_FORMAT_XLSX);
  } else if (ext == "csv") {
    request.set_format(v1::DOCUMENT_FORMAT_CSV);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("'", path, "': expected /export/<kind>.xlsx or /export/<kind>.csv"));
  }
  const std::string kind = file.substr(0, dot);
  request.set_kind(reports::ParseLedgerKind(kind));
  if (request.kind() == v1::LEDGER_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown ledger '", kind, "': expected projects, cases, tasks, problems or slips"));
  }
  if (q == std::string::npos) return request;
  v1::ListRequest* filter = request.mutable_filter();
  for (absl::string_view pair : absl::StrSplit(target.substr(q + 1), '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    std::optional<std::string> key = PercentDecode(pair.substr(0, eq));
    std::optional<std::string> value =
        PercentDecode(eq == absl::string_view::npos ? "" : pair.substr(eq + 1));
    if (!key.has_value() || !value.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("bad percent-encoding in '", pair, "'"));
    }
    if (*key == "as_of") {
      request.set_as_of(*value);
    } else if (*key == "unit") {
      filter->set_unit(*value);
    } else if (*key == "region") {
      filter->set_region(*value);
    } else if (*key == "project") {
      filter->set_project_code(*value);
    } else if (*key == "overdue") {
      filter->set_overdue_only(*value == "1" || *value == "true" || *value == "是");
    } else if (*key == "light" || *key == "stage") {
      const bool light = *key == "light";
      const auto* type = light ? v1::Light_descriptor() : v1::ProjectStage_descriptor();
      const auto* v = value->empty() ? nullptr : reports::ParseEnumValue(type, *value);
      if (v == nullptr || v->number() == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(*key, ": unknown value '", *value, "'",
                         light ? " (green, yellow, red or 绿灯, 黄灯, 红灯)" : ""));
      }
      if (light) {
        filter->set_light(static_cast<v1::Light>(v->number()));
      } else {
        filter->set_stage(static_cast<v1::ProjectStage>(v->number()));
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown parameter '", *key,
                       "': expected as_of, unit, region, stage, light, overdue or project"));
    }
  }
  return request;
}

}  // namespace

bool IsExportPath(const std::string& path) { return absl::StartsWith(path, kPrefix); }

std::string PercentEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

HttpResponse ServeExport(const HttpRequest& request, Clock& clock, const Authorizer& auth,
                         const workflows::Ledger* ledger) {
  std::optional<std::string> bearer = BearerOf(request.authorization);
  auto decision = auth.Decide(kExportMethod, bearer);
  if (!decision.ok() || !decision->has_value()) {
    HttpResponse r = Text(
        decision.ok() || decision.status().code() == absl::StatusCode::kUnauthenticated ? 401 : 403,
        absl::StrCat(decision.status().message(), "\n"));
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"taizhang\", charset=\"UTF-8\"");
    return r;
  }
  if (ledger == nullptr) return Text(503, "this server runs without workflows (--policies-dir)\n");
  absl::StatusOr<v1::ExportLedgerRequest> export_request = RequestOf(request.target);
  if (!export_request.ok()) {
    return Text(400, absl::StrCat(export_request.status().message(), "\n"));
  }
  absl::StatusOr<v1::Document> doc =
      ExportLedger(*ledger, clock.Now(), **decision, *export_request);
  if (!doc.ok()) {
    return Text(HttpStatusOf(doc.status().code()), absl::StrCat(doc.status().message(), "\n"));
  }
  HttpResponse r;
  r.content_type = doc->content_type();
  // An ASCII name for old clients, the Chinese one for the rest.
  // The document's name is "<label>-YYYY-MM-DD.<ext>".
  const std::string ascii =
      absl::StrCat("taizhang-", reports::LedgerKindName(export_request->kind()),
                   doc->filename().substr(reports::Label(export_request->kind()).size()));
  r.headers.emplace_back("Content-Disposition",
                         absl::StrCat("attachment; filename=\"", ascii, "\"; filename*=UTF-8''",
                                      PercentEncode(doc->filename())));
  r.headers.emplace_back("X-Taizhang-Through-Position", absl::StrCat(doc->through_position()));
  r.body = std::move(*doc->mutable_content());
  return r;
}

}  // namespace taizhang::services
