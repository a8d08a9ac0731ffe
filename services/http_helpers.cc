#include "services/http_helpers.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "reports/template.h"

namespace taizhang::services {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

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

std::optional<std::string> PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

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

absl::StatusOr<std::map<std::string, std::string>> ParseQuery(const std::string& target) {
  std::map<std::string, std::string> out;
  const size_t q = target.find('?');
  if (q == std::string::npos) return out;
  for (absl::string_view part : absl::StrSplit(target.substr(q + 1), '&', absl::SkipEmpty())) {
    const size_t eq = part.find('=');
    std::optional<std::string> name = PercentDecode(part.substr(0, eq));
    std::optional<std::string> value =
        PercentDecode(eq == absl::string_view::npos ? "" : part.substr(eq + 1));
    if (!name.has_value() || !value.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("查询参数 '", part, "' 的百分号编码有误"));
    }
    out[*std::move(name)] = *std::move(value);
  }
  return out;
}

HttpResponse TextAnswer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HtmlPage(int status, absl::StatusOr<std::string> rendered) {
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  if (!rendered.ok()) {
    r.status = 500;
    r.content_type = "text/plain; charset=utf-8";
    r.body = absl::StrCat(rendered.status().message(), "\n");
    return r;
  }
  r.status = status;
  r.body = *std::move(rendered);
  return r;
}

HttpResponse ErrorPage(int status, const std::string& message) {
  reports::TemplateData d;
  d.set("title", status == 400   ? "请求有误"
                 : status == 401 ? "需要令牌"
                 : status == 403 ? "无权查看"
                 : status == 404 ? "未找到"
                 : status == 503 ? "稍后再试"
                                 : "出错了");
  d.set("status", std::to_string(status));
  d.set("message", message);
  return HtmlPage(status, reports::RenderTemplate("office/error.html", d));
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
    case absl::StatusCode::kResourceExhausted:
      return 503;
    default:
      return 500;
  }
}

HttpResponse ErrorAnswer(const absl::Status& status, int retry_after_seconds) {
  HttpResponse r = ErrorPage(HttpStatusOf(status.code()), std::string(status.message()));
  if (r.status == 401) {
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"taizhang\", charset=\"UTF-8\"");
  } else if (r.status == 503) {
    r.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  }
  return r;
}

const char* LightClass(v1::Light light) {
  switch (light) {
    case v1::LIGHT_GREEN:
      return "green";
    case v1::LIGHT_YELLOW:
      return "yellow";
    case v1::LIGHT_RED:
      return "red";
    default:
      return "none";
  }
}

}  // namespace taizhang::services
