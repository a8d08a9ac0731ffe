// Small helpers every route of taizhangd's HTTP side uses (dashboard.h,
// office_pages.h, export_route.h), in one place: the caller's token from an
// Authorization header, the query string, answers in plain text and as the
// office's Chinese pages, and the HTTP status of an absl::Status.
//
// Thread-safety: pure functions, callable from any thread.
#ifndef TAIZHANG_SERVICES_HTTP_HELPERS_H_
#define TAIZHANG_SERVICES_HTTP_HELPERS_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/http_server.h"
#include "taizhang/v1/common.pb.h"

namespace taizhang::services {

// The authorization a route hands the Authorizer: "Bearer T" as sent, or,
// for "Basic base64(user:T)" as a browser sends it, "Bearer T" (the
// password is the token; an undecodable one gives "Bearer -", which no
// token matches). Nullopt when the header is empty.
std::optional<std::string> BearerOf(const std::string& authorization);

// A query component percent-decoded, '+' as a space. Nullopt for a '%' not
// followed by two hex digits.
std::optional<std::string> PercentDecode(absl::string_view text);

// "%E9%87%8D" for the UTF-8 bytes of "重": RFC 3986 percent-encoding of
// everything but unreserved characters (for RFC 5987 filename*).
std::string PercentEncode(const std::string& text);

// The query string of `target` ("/p?a=1&b=%E4%B8%AD"), decoded; a repeated
// name keeps its last value. INVALID_ARGUMENT naming the part with a bad
// percent-escape.
absl::StatusOr<std::map<std::string, std::string>> ParseQuery(const std::string& target);

// A text/plain answer.
HttpResponse TextAnswer(int status, std::string body);

// An HTML page of `status` from a rendered template (500 in plain text when
// the template failed).
HttpResponse HtmlPage(int status, absl::StatusOr<std::string> rendered);

// A Chinese error page (reports/templates/office/error.html): "请求有误"
// (400), "需要令牌" (401), "无权查看" (403), "未找到" (404), "稍后再试" (503),
// "出错了" otherwise, with `message`.
HttpResponse ErrorPage(int status, const std::string& message);

// The HTTP status of a status code as the routes answer it: 400 for a bad
// argument, 401, 403, 404, 503 for UNAVAILABLE and RESOURCE_EXHAUSTED, 500
// otherwise.
int HttpStatusOf(absl::StatusCode code);

// `status` (not OK) as an error page of HttpStatusOf its code; a 401 asks the
// browser for the token (WWW-Authenticate: Basic), a 503 says when to come
// back (Retry-After, `retry_after_seconds`).
HttpResponse ErrorAnswer(const absl::Status& status, int retry_after_seconds = 2);

// The CSS class and metric label of a light: "green", "yellow", "red",
// "none".
const char* LightClass(v1::Light light);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_HTTP_HELPERS_H_
