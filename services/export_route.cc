#include "services/export_route.h"

#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "reports/labels.h"
#include "reports/ledger_sheets.h"
#include "services/http_helpers.h"
#include "services/ledger_export.h"
#include "services/office_pages.h"

namespace taizhang::services {
namespace {

// The gRPC method whose access rule the route follows.
constexpr char kExportMethod[] = "/taizhang.v1.Reports/ExportLedger";
constexpr char kPrefix[] = "/export/";

// The request the path and query ask for, or why it is bad. The filters are
// the office page's (OfficeFilters), with as_of beside them.
absl::StatusOr<v1::ExportLedgerRequest> RequestOf(const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
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
        absl::StrCat("'", path, "'：应为 /export/<台账>.xlsx 或 /export/<台账>.csv"));
  }
  const std::string kind = file.substr(0, dot);
  request.set_kind(reports::ParseLedgerKind(kind));
  if (request.kind() == v1::LEDGER_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        absl::StrCat("没有台账 '", kind, "'：应为 projects、cases、tasks、problems 或 slips"));
  }
  absl::StatusOr<std::map<std::string, std::string>> query = ParseQuery(target);
  if (!query.ok()) return query.status();
  for (const auto& [name, value] : *query) {
    if (name != "as_of" && name != "unit" && name != "region" && name != "stage" &&
        name != "light" && name != "overdue" && name != "project") {
      return absl::InvalidArgumentError(absl::StrCat(
          "未知参数 '", name, "'：可用 as_of、unit、region、stage、light、overdue 或 project"));
    }
  }
  absl::StatusOr<v1::ListRequest> filter = OfficeFilters(*query);
  if (!filter.ok()) return filter.status();
  *request.mutable_filter() = *std::move(filter);
  if (auto it = query->find("as_of"); it != query->end()) request.set_as_of(it->second);
  return request;
}

// The answer carrying `doc`, the ledger `kind`.
HttpResponse FileAnswer(v1::LedgerKind kind, v1::Document doc) {
  HttpResponse r;
  r.content_type = doc.content_type();
  // An ASCII name for old clients, the Chinese one for the rest.
  // The document's name is "<label>-YYYY-MM-DD.<ext>".
  const std::string ascii = absl::StrCat("taizhang-", reports::LedgerKindName(kind),
                                         doc.filename().substr(reports::Label(kind).size()));
  r.headers.emplace_back("Content-Disposition",
                         absl::StrCat("attachment; filename=\"", ascii, "\"; filename*=UTF-8''",
                                      PercentEncode(doc.filename())));
  r.headers.emplace_back("X-Taizhang-Through-Position", absl::StrCat(doc.through_position()));
  r.body = std::move(*doc.mutable_content());
  return r;
}

}  // namespace

bool IsExportPath(const std::string& path) { return absl::StartsWith(path, kPrefix); }

HttpResponse ServeExport(const HttpRequest& request, Clock& clock, const Authorizer& auth,
                         const workflows::Ledger* ledger, ExportPool& pool) {
  auto decision = auth.Decide(kExportMethod, BearerOf(request.authorization));
  if (!decision.ok()) return ErrorAnswer(decision.status());
  if (!decision->has_value()) return ErrorAnswer(absl::PermissionDeniedError("没有调用者"));
  if (ledger == nullptr) {
    return ErrorAnswer(
        absl::UnavailableError("本服务未加载业务流程（--policies-dir），不能导出台账"));
  }
  absl::StatusOr<v1::ExportLedgerRequest> export_request = RequestOf(request.target);
  if (!export_request.ok()) return ErrorAnswer(export_request.status());
  // What the job needs, by value: it outlives this call.
  struct Job {
    Caller caller;
    v1::ExportLedgerRequest request;
    absl::Time now;
  };
  auto job = std::make_shared<const Job>(Job{**decision, *std::move(export_request), clock.Now()});
  HttpResponse r;
  r.deferred = [job, ledger, &pool](HttpReply reply) {
    absl::Status queued = pool.Submit([job, ledger, reply] {
      absl::StatusOr<v1::Document> doc = ExportLedger(*ledger, job->now, job->caller, job->request);
      reply(doc.ok() ? FileAnswer(job->request.kind(), *std::move(doc))
                     : ErrorAnswer(doc.status()));
    });
    if (!queued.ok()) reply(ErrorAnswer(queued));
  };
  return r;
}

}  // namespace taizhang::services
