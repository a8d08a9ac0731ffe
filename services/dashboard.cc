#include "services/dashboard.h"

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "reports/template.h"
#include "services/export_route.h"
#include "services/http_helpers.h"
#include "services/office_pages.h"
#include "services/photos_service.h"
#include "services/screen.h"

namespace taizhang::services {
namespace {

// The gRPC method whose (access) rule the office pages follow: anyone with a
// token reads, within what its role may read; a screen token is refused.
constexpr char kDashboardMethod[] = "/taizhang.v1.Ledger/ListProjects";

// The cookie a screen holds its token in (HttpOnly, SameSite=Strict, path
// /screen): set by GET /screen?token=T, sent with the page's WebSocket.
constexpr char kScreenCookie[] = "taizhang_screen";

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(const std::string& header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::StartsWith(part, name) && part.size() > name.size() && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
  }
  return "";
}

HttpResponse Metrics(store::EventLog& log, Clock& clock, const workflows::Ledger* ledger) {
  std::string out = absl::StrCat(
      "# HELP taizhang_log_head_position The last durable position of the event log.\n"
      "# TYPE taizhang_log_head_position gauge\n"
      "taizhang_log_head_position ",
      log.HeadPosition(), "\n");
  if (ledger == nullptr) return TextAnswer(200, out);
  absl::StrAppend(&out,
                  "# HELP taizhang_applied_position The last position the workflows have applied.\n"
                  "# TYPE taizhang_applied_position gauge\n"
                  "taizhang_applied_position ",
                  ledger->AppliedPosition(), "\n");
  const absl::Time now = clock.Now();
  std::map<std::pair<std::string, std::string>, int> by_light;
  std::map<std::string, int> overdue;
  for (const auto& s : ledger->ListProjects()) {
    v1::ProjectView v = ledger->project().View(s, now);
    ++by_light[{"project", LightClass(v.light())}];
    overdue["project"] += v.start_overdue() || v.finish_overdue();
  }
  for (const auto& s : ledger->ListCases()) {
    v1::ApprovalCaseView v = ledger->approval_case().View(s, now);
    ++by_light[{"case", LightClass(v.clock().light())}];
    overdue["case"] += v.clock().overdue();
  }
  for (const auto& s : ledger->ListTasks()) {
    v1::TaskView v = ledger->task().View(s, now);
    ++by_light[{"task", LightClass(v.light())}];
    overdue["task"] += v.overdue();
  }
  for (const auto& s : ledger->ListProblems()) {
    v1::ProblemView v = ledger->problem().View(s, now);
    ++by_light[{"problem", LightClass(v.light())}];
    overdue["problem"] += v.overdue();
  }
  absl::StrAppend(&out,
                  "# HELP taizhang_items Workflow items on the ledger, by kind and current light.\n"
                  "# TYPE taizhang_items gauge\n");
  for (const auto& [key, n] : by_light) {
    absl::StrAppend(&out, "taizhang_items{kind=\"", key.first, "\",light=\"", key.second, "\"} ", n,
                    "\n");
  }
  absl::StrAppend(&out,
                  "# HELP taizhang_overdue_items Open items past their limit now, by kind.\n"
                  "# TYPE taizhang_overdue_items gauge\n");
  for (const char* kind : {"project", "case", "task", "problem"}) {
    absl::StrAppend(&out, "taizhang_overdue_items{kind=\"", kind, "\"} ", overdue[kind], "\n");
  }
  HttpResponse r = TextAnswer(200, std::move(out));
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

// Everything the routes read; outlives the handler.
struct Context {
  store::EventLog& log;
  Clock& clock;
  const Authorizer& auth;
  const workflows::Ledger* ledger;
  std::unique_ptr<ScreenFeeds> screens;  // with a ledger only
  std::unique_ptr<ExportPool> exports;   // last: goes first, while the rest is there
};

// The caller of an office page: a bearer token or HTTP Basic (the token as
// password). A screen token is refused (Authorizer::Decide).
absl::StatusOr<Caller> OfficeCaller(const Context& c, const HttpRequest& request) {
  auto decision = c.auth.Decide(kDashboardMethod, BearerOf(request.authorization));
  if (!decision.ok()) return decision.status();
  if (!decision->has_value()) return absl::PermissionDeniedError("no caller");
  return **decision;
}

// The caller of the screen: any role's token, from the screen's cookie or
// the Authorization header. Never logged.
absl::StatusOr<Caller> ScreenCaller(const Context& c, const HttpRequest& request) {
  std::string token = CookieValue(request.cookie, kScreenCookie);
  if (token.empty()) {
    std::optional<std::string> bearer = BearerOf(request.authorization);
    if (bearer.has_value() && absl::StartsWithIgnoreCase(*bearer, "bearer ")) {
      token = std::string(absl::StripAsciiWhitespace(bearer->substr(7)));
    }
  }
  if (token.empty()) {
    return absl::UnauthenticatedError(
        "需要令牌：打开 /screen?token=<令牌>（大屏令牌或任一角色的令牌）");
  }
  const workflows::Principal* p = c.auth.tokens().Find(token);
  if (p == nullptr) return absl::UnauthenticatedError("令牌无效：请向管理员索取大屏令牌");
  return Caller{*p, p->ToActor()};
}

// GET /screen: the page; /screen?token=T sets the cookie and sends the
// browser on to /screen, so the token leaves the address bar and history.
HttpResponse ScreenPage(const Context& c, const HttpRequest& request) {
  const auto query = ParseQuery(request.target);
  if (!query.ok()) return ErrorAnswer(query.status());
  if (auto it = query->find("token"); it != query->end()) {
    if (c.auth.tokens().Find(it->second) == nullptr) {
      return ErrorAnswer(absl::UnauthenticatedError("令牌无效：请向管理员索取大屏令牌"));
    }
    HttpResponse r = TextAnswer(303, "");
    r.headers.emplace_back("Location", "/screen");
    r.headers.emplace_back("Set-Cookie", absl::StrCat(kScreenCookie, "=", it->second,
                                                      "; Path=/screen; HttpOnly; SameSite=Strict"));
    return r;
  }
  auto caller = ScreenCaller(c, request);
  if (!caller.ok()) return ErrorAnswer(caller.status());
  reports::TemplateData d;
  d.set("actor", caller->actor);
  HttpResponse r = HtmlPage(200, reports::RenderTemplate("screen/screen.html", d));
  if (CookieValue(request.cookie, kScreenCookie).empty()) {
    // Let in by the Authorization header (HTTP Basic): the page's WebSocket
    // carries the token as a cookie, which every browser sends with it.
    std::string token = BearerOf(request.authorization).value_or("").substr(7);
    r.headers.emplace_back("Set-Cookie", absl::StrCat(kScreenCookie, "=", token,
                                                      "; Path=/screen; HttpOnly; SameSite=Strict"));
  }
  return r;
}

// GET /screen/ws: the live feed (the snapshot on connect and on every change).
HttpResponse ScreenSocket(const Context& c, const HttpRequest& request) {
  if (!request.websocket)
    return TextAnswer(400, "/screen/ws is a WebSocket (Upgrade: websocket)\n");
  // A page of another site must not open the screen's feed with the wall's
  // cookie: a browser's WebSocket names its page's origin.
  if (!request.origin.empty() && request.origin != absl::StrCat("http://", request.host) &&
      request.origin != absl::StrCat("https://", request.host)) {
    return TextAnswer(403, "/screen/ws: only the screen's own page may open its feed\n");
  }
  auto caller = ScreenCaller(c, request);
  if (!caller.ok()) return ErrorAnswer(caller.status());
  HttpResponse r;
  r.status = 101;
  r.push = c.screens->For(*caller);
  return r;
}

// GET /screen/snapshot: the same snapshot as JSON, once.
HttpResponse ScreenSnapshotJson(const Context& c, const HttpRequest& request) {
  auto caller = ScreenCaller(c, request);
  if (!caller.ok()) return ErrorAnswer(caller.status());
  HttpResponse r =
      TextAnswer(200, ScreenJson(BuildScreenSnapshot(*c.ledger, *caller, c.clock.Now())));
  r.content_type = "application/json; charset=utf-8";
  return r;
}

HttpResponse OfficeLists(const Context& c, const HttpRequest& request) {
  auto caller = OfficeCaller(c, request);
  if (!caller.ok()) return ErrorAnswer(caller.status());
  auto query = ParseQuery(request.target);
  if (!query.ok()) return ErrorAnswer(query.status());
  return OfficeListsPage(*caller, *c.ledger, c.clock.Now(), *query);
}

HttpResponse OfficeProject(const Context& c, const HttpRequest& request, const std::string& path) {
  auto caller = OfficeCaller(c, request);
  if (!caller.ok()) return ErrorAnswer(caller.status());
  std::string code = path.substr(std::string("/project/").size());
  // The path's code, percent-decoded like a query value.
  std::optional<std::string> decoded = PercentDecode(code);
  if (!decoded.has_value()) {
    return ErrorPage(400, absl::StrCat("项目代码 '", code, "' 的百分号编码有误"));
  }
  return ProjectPage(*caller, *c.ledger, c.log, c.clock.Now(), *decoded);
}

// GET /photo/<code>/<sha256>: a project's photo or document (photos_service.h).
HttpResponse OfficePhoto(const Context& c, const HttpRequest& request, const std::string& path) {
  auto caller = OfficeCaller(c, request);
  if (!caller.ok()) return ErrorAnswer(caller.status());
  return AttachmentAnswer(*caller, *c.ledger, path.substr(std::string("/photo/").size()), false,
                          request.if_none_match);
}

// GET /screen/photo/<code>/<sha256>: a project's photo for the screen's
// carousel, to the screen's caller (its cookie).
HttpResponse ScreenPhoto(const Context& c, const HttpRequest& request, const std::string& path) {
  auto caller = ScreenCaller(c, request);
  if (!caller.ok()) return ErrorAnswer(caller.status());
  return AttachmentAnswer(*caller, *c.ledger, path.substr(std::string("/screen/photo/").size()),
                          true, request.if_none_match);
}

// One route: an exact path, or a prefix ending in '/' (the handler gets the
// whole path). `needs_ledger`: 503 on a server without workflows.
struct Route {
  std::string path;
  bool needs_ledger;
  std::function<HttpResponse(const Context&, const HttpRequest&, const std::string& path)> serve;
};

std::vector<Route> Routes() {
  auto plain = [](HttpResponse (*f)(const Context&, const HttpRequest&)) {
    return [f](const Context& c, const HttpRequest& r, const std::string&) { return f(c, r); };
  };
  return {
      {"/healthz", false,
       [](const Context& c, const HttpRequest&, const std::string&) {
         if (absl::Status w = c.log.WriteStatus(); !w.ok()) {
           return TextAnswer(503, absl::StrCat("unavailable: writes refused\n", w.message(),
                                               "\nhead ", c.log.HeadPosition(), "\n"));
         }
         return TextAnswer(200, absl::StrCat("ok\nhead ", c.log.HeadPosition(), "\n"));
       }},
      {"/metrics", false,
       [](const Context& c, const HttpRequest&, const std::string&) {
         return Metrics(c.log, c.clock, c.ledger);
       }},
      {"/", true, plain(&OfficeLists)},
      {"/project/", true, &OfficeProject},
      {"/photo/", true, &OfficePhoto},
      {"/screen/photo/", true, &ScreenPhoto},
      {"/screen", true, plain(&ScreenPage)},
      {"/screen/ws", true, plain(&ScreenSocket)},
      {"/screen/snapshot", true, plain(&ScreenSnapshotJson)},
      {"/export/", false,
       [](const Context& c, const HttpRequest& r, const std::string&) {
         return ServeExport(r, c.clock, c.auth, c.ledger, *c.exports);  // export_route.h
       }},
      // ---- Further routes: one line each, here. ----
  };
}

}  // namespace

HttpServer::Handler NewHttpRoutes(store::EventLog& log, Clock& clock, const Authorizer& auth,
                                  const workflows::Ledger* ledger, HttpRoutesOptions options) {
  auto context = std::shared_ptr<Context>(new Context{log, clock, auth, ledger, nullptr, nullptr});
  if (ledger != nullptr) context->screens = std::make_unique<ScreenFeeds>(log, *ledger, clock);
  context->exports = std::make_unique<ExportPool>(std::move(options.exports));
  auto routes = std::make_shared<const std::vector<Route>>(Routes());
  return [context, routes](const HttpRequest& request) -> HttpResponse {
    if (request.method != "GET") {
      HttpResponse r = TextAnswer(405, "only GET\n");
      r.headers.emplace_back("Allow", "GET");
      return r;
    }
    const std::string path = request.target.substr(0, request.target.find('?'));
    for (const Route& route : *routes) {
      const bool match = route.path.size() > 1 && route.path.back() == '/'
                             ? absl::StartsWith(path, route.path) && path.size() > route.path.size()
                             : path == route.path;
      if (!match) continue;
      if (route.needs_ledger && context->ledger == nullptr) {
        return TextAnswer(503, "this server runs without workflows (--policies-dir)\n");
      }
      return route.serve(*context, request, path);
    }
    return TextAnswer(404, "not found: try /, /screen, /project/<code>, /healthz or /metrics\n");
  };
}

}  // namespace taizhang::services
