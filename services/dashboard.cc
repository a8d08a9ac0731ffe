#include "services/dashboard.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "reports/labels.h"
#include "services/china_time.h"
#include "services/export_route.h"
#include "services/ledger_service.h"

namespace taizhang::services {

using reports::DaysLeft;
using reports::Label;
using reports::LightLabel;
namespace {

// The gRPC method whose (access) rule the dashboard follows: anyone with a
// token reads, within what its role may read.
constexpr char kDashboardMethod[] = "/taizhang.v1.Ledger/ListProjects";

std::string Html(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* LightName(v1::Light light) {
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

std::string LightCell(v1::Light light) {
  if (light == v1::LIGHT_UNSPECIFIED) return "<td></td>";
  return absl::StrCat("<td class=\"", LightName(light), "\">", LightLabel(light), "</td>");
}

// Red first, then yellow, then green, then unjudged.
int Severity(v1::Light light) {
  switch (light) {
    case v1::LIGHT_RED:
      return 0;
    case v1::LIGHT_YELLOW:
      return 1;
    case v1::LIGHT_GREEN:
      return 2;
    default:
      return 3;
  }
}

// The token in an Authorization header: "Bearer T", or "Basic base64(user:T)"
// as a browser sends it.
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

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse Metrics(store::EventLog& log, Clock& clock, const workflows::Ledger* ledger) {
  std::string out = absl::StrCat(
      "# HELP taizhang_log_head_position The last durable position of the event log.\n"
      "# TYPE taizhang_log_head_position gauge\n"
      "taizhang_log_head_position ",
      log.HeadPosition(), "\n");
  if (ledger == nullptr) return Text(200, out);
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
    ++by_light[{"project", LightName(v.light())}];
    overdue["project"] += v.start_overdue() || v.finish_overdue();
  }
  for (const auto& s : ledger->ListCases()) {
    v1::ApprovalCaseView v = ledger->approval_case().View(s, now);
    ++by_light[{"case", LightName(v.clock().light())}];
    overdue["case"] += v.clock().overdue();
  }
  for (const auto& s : ledger->ListTasks()) {
    v1::TaskView v = ledger->task().View(s, now);
    ++by_light[{"task", LightName(v.light())}];
    overdue["task"] += v.overdue();
  }
  for (const auto& s : ledger->ListProblems()) {
    v1::ProblemView v = ledger->problem().View(s, now);
    ++by_light[{"problem", LightName(v.light())}];
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
  HttpResponse r = Text(200, std::move(out));
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

HttpResponse Dashboard(const Caller& caller, Clock& clock, const workflows::Ledger& ledger) {
  const absl::Time now = clock.Now();
  const ReadScope scope(caller, ledger);
  std::string body = absl::StrCat(
      "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"60\"><title>台账</title><style>"
      "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1.5em}"
      "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
      ".green{background:#c8f0c8}.yellow{background:#fff2a8}.red{background:#f6b8b8}"
      "</style></head><body><h1>台账</h1><p>",
      Html(FormatChina(now, false)), " (北京时间) · ", Html(caller.actor), "</p>");

  absl::StrAppend(&body,
                  "<h2>项目</h2><table><tr><th>项目代码</th><th>名称</th><th>阶段</th>"
                  "<th>灯</th><th>应开工未开工</th><th>应竣工未竣工</th></tr>");
  for (const auto& s : ledger.ListProjects()) {
    if (!scope.Reads(s)) continue;
    v1::ProjectView v = ledger.project().View(s, now);
    absl::StrAppend(&body, "<tr><td>", Html(v.code()), "</td><td>", Html(v.name()), "</td><td>",
                    Label(v.stage()), "</td>", LightCell(v.light()), "<td>",
                    v.start_overdue() ? "是" : "", "</td><td>", v.finish_overdue() ? "是" : "",
                    "</td></tr>");
  }
  absl::StrAppend(&body,
                  "</table><h2>联审联批</h2><table><tr><th>案件</th><th>项目</th>"
                  "<th>状态</th><th>期限</th><th>剩余天数</th><th>灯</th>"
                  "<th>逾期事项</th></tr>");
  for (const auto& s : ledger.ListCases()) {
    if (!scope.Reads(s)) continue;
    v1::ApprovalCaseView v = ledger.approval_case().View(s, now);
    std::string late;
    for (const auto& item : v.items()) {
      if (item.has_clock() && item.clock().overdue()) {
        absl::StrAppend(&late, late.empty() ? "" : "、", Html(item.name()), " (",
                        Html(item.department()), ")");
      }
    }
    absl::StrAppend(&body, "<tr><td>", Html(v.case_id()), "</td><td>", Html(v.project_name()),
                    "</td><td>", Label(v.status()), "</td><td>", Html(v.clock().due_date()),
                    "</td><td>", v.has_clock() ? DaysLeft(v.clock().calendar_days_left()) : "",
                    "</td>", LightCell(v.clock().light()), "<td>", late, "</td></tr>");
  }
  absl::StrAppend(&body,
                  "</table><h2>任务</h2><table><tr><th>任务</th><th>名称</th>"
                  "<th>责任单位</th><th>期限</th><th>剩余工作日</th><th>灯</th>"
                  "<th>未回复督办</th></tr>");
  std::vector<std::pair<int, std::string>> rows;
  for (const auto& s : ledger.ListTasks()) {
    if (!scope.Reads(s) || s.status() != v1::TASK_STATUS_OPEN) continue;
    v1::TaskView v = ledger.task().View(s, now);
    std::string units;
    for (const auto& u : v.responsible_units()) {
      absl::StrAppend(&units, units.empty() ? "" : "、", Html(u));
    }
    rows.emplace_back(
        Severity(v.light()),
        absl::StrCat("<tr><td>", Html(v.task_id()), "</td><td>", Html(v.title()), "</td><td>",
                     units, "</td><td>", Html(v.due_date()), "</td><td>",
                     v.has_deadline() && !v.due_pending() ? DaysLeft(v.working_days_left()) : "",
                     "</td>", LightCell(v.light()), "<td>", v.open_rungs(), "</td></tr>"));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [severity, row] : rows) absl::StrAppend(&body, row);
  rows.clear();
  absl::StrAppend(&body,
                  "</table><h2>问题</h2><table><tr><th>问题</th><th>问题描述</th>"
                  "<th>责任单位</th><th>期限</th><th>剩余工作日</th><th>灯</th></tr>");
  for (const auto& s : ledger.ListProblems()) {
    if (!scope.Reads(s)) continue;
    v1::ProblemView v = ledger.problem().View(s, now);
    if (v.light() == v1::LIGHT_UNSPECIFIED) continue;  // not assigned, or closed
    rows.emplace_back(
        Severity(v.light()),
        absl::StrCat("<tr><td>", Html(v.problem_id()), "</td><td>", Html(v.title()), "</td><td>",
                     Html(v.unit()), "</td><td>", Html(v.due_date()), "</td><td>",
                     DaysLeft(v.working_days_left()), "</td>", LightCell(v.light()), "</tr>"));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [severity, row] : rows) absl::StrAppend(&body, row);
  absl::StrAppend(&body, "</table></body></html>\n");
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  return r;
}

}  // namespace

HttpServer::Handler NewHttpRoutes(store::EventLog& log, Clock& clock, const Authorizer& auth,
                                  const workflows::Ledger* ledger) {
  return [&log, &clock, &auth, ledger](const HttpRequest& request) -> HttpResponse {
    if (request.method != "GET") {
      HttpResponse r = Text(405, "only GET\n");
      r.headers.emplace_back("Allow", "GET");
      return r;
    }
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (path == "/healthz") return Text(200, absl::StrCat("ok\nhead ", log.HeadPosition(), "\n"));
    if (path == "/metrics") return Metrics(log, clock, ledger);
    if (IsExportPath(path)) return ServeExport(request, clock, auth, ledger);
    if (path != "/") return Text(404, "not found: try /, /healthz or /metrics\n");
    std::optional<std::string> bearer = BearerOf(request.authorization);
    auto decision = auth.Decide(kDashboardMethod, bearer);
    if (!decision.ok() || !decision->has_value()) {
      HttpResponse r = Text(
          decision.ok() || decision.status().code() == absl::StatusCode::kUnauthenticated ? 401
                                                                                          : 403,
          absl::StrCat(decision.status().message(), "\n"));
      r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"taizhang\", charset=\"UTF-8\"");
      return r;
    }
    if (ledger == nullptr)
      return Text(503, "this server runs without workflows (--policies-dir)\n");
    return Dashboard(**decision, clock, *ledger);
  };
}

}  // namespace taizhang::services
