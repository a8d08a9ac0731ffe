#include "services/bulletin_documents.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "reports/bulletin_document.h"
#include "reports/slip_document.h"
#include "services/china_time.h"
#include "services/ledger_service.h"
#include "store/sha256.h"
#include "workflows/bulletin_log.h"
#include "workflows/supervision.h"

namespace taizhang::services {
namespace {

std::string Hex(std::string_view bytes) { return store::ToHex(store::Sha256(bytes)); }

absl::StatusOr<absl::CivilMonth> Month(const std::string& text) {
  auto month = workflows::ParseMonth(text);
  if (!month.ok() || workflows::FormatMonth(*month) != text) {
    return absl::InvalidArgumentError(absl::StrCat("month: '", text, "' is not YYYY-MM"));
  }
  return *month;
}

absl::Status CheckFormat(v1::DocumentFormat format) {
  if (format == v1::DOCUMENT_FORMAT_HTML || format == v1::DOCUMENT_FORMAT_PDF) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError("format: HTML or PDF");
}

v1::Document MakeDocument(std::string filename, v1::DocumentFormat format, std::string content,
                          uint64_t through_position) {
  v1::Document d;
  d.set_filename(std::move(filename));
  d.set_content_type(format == v1::DOCUMENT_FORMAT_PDF ? "application/pdf"
                                                       : "text/html; charset=utf-8");
  d.set_sha256_hex(Hex(content));
  d.set_content(std::move(content));
  d.set_through_position(through_position);
  return d;
}

const char* Extension(v1::DocumentFormat format) {
  return format == v1::DOCUMENT_FORMAT_PDF ? "pdf" : "html";
}

absl::CivilDay ChinaDay(absl::Time t) { return absl::ToCivilDay(t, engine::ChinaTime()); }

// The top-level fields of Bulletin in which `a` and `b` differ.
std::vector<std::string> DifferingFields(const v1::Bulletin& a, const v1::Bulletin& b) {
  std::vector<std::string> out;
  const auto* d = v1::Bulletin::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    v1::Bulletin x = a, y = b;
    for (int j = 0; j < d->field_count(); ++j) {
      if (j == i) continue;
      x.GetReflection()->ClearField(&x, d->field(j));
      y.GetReflection()->ClearField(&y, d->field(j));
    }
    if (workflows::BulletinDigest(x) != workflows::BulletinDigest(y)) out.push_back(f->name());
  }
  return out;
}

}  // namespace

v1::BulletinPublication PublicationOf(const v1::BulletinPublished& e, uint64_t position) {
  v1::BulletinPublication p;
  p.set_month(e.month());
  p.set_position(position);
  p.set_through_position(e.through_position());
  p.set_figures_sha256(e.figures_sha256());
  p.set_pdf_sha256(e.pdf_sha256());
  p.set_html_sha256(e.html_sha256());
  p.set_published_by(e.published_by());
  p.set_published_at_us(e.published_at_us());
  p.set_document_number(e.document_number());
  return p;
}

BulletinDocuments::BulletinDocuments(workflows::Ledger& ledger, store::EventLog& log, Clock& clock,
                                     DocumentOptions options)
    : ledger_(ledger), log_(log), clock_(clock), options_(std::move(options)) {}

absl::StatusOr<std::string> BulletinDocuments::Pdf(const std::string& html) {
  return reports::HtmlToPdf(html, options_.pdf);
}

std::string BulletinDocuments::Renderer() {
  absl::MutexLock l(&renderer_mu_);
  if (!renderer_.has_value()) {
    auto version = reports::ChromiumVersion(options_.pdf);
    renderer_ = version.ok() ? *version : "Chromium";
  }
  return *renderer_;
}

absl::StatusOr<std::optional<BulletinDocuments::Published>> BulletinDocuments::PublishedFor(
    const std::string& month) {
  ASSIGN_OR_RETURN(auto events, log_.ReadStream(absl::StrCat(kBulletinStreamPrefix, month), 1, 1));
  if (events.empty()) return std::nullopt;
  const v1::EventRecord& r = events[0].record;
  v1::BulletinEvent event;
  if (r.type() != kBulletinPublishedType || !event.ParseFromString(r.payload()) ||
      !event.has_published()) {
    return absl::DataLossError(absl::StrCat("position ", r.position(), ": ", r.stream(),
                                            " holds an event that is not a ",
                                            kBulletinPublishedType, " (", r.type(), ")"));
  }
  return Published{std::move(*event.mutable_published()), r.position()};
}

absl::StatusOr<v1::Document> BulletinDocuments::BulletinDocument(const std::string& month_text,
                                                                 v1::DocumentFormat format) {
  ASSIGN_OR_RETURN(absl::CivilMonth month, Month(month_text));
  RETURN_IF_ERROR(CheckFormat(format));
  ASSIGN_OR_RETURN(std::optional<Published> published, PublishedFor(month_text));
  if (published.has_value()) {
    v1::BulletinPublished& e = published->event;
    return MakeDocument(reports::BulletinFilename(e.figures(), Extension(format)), format,
                        format == v1::DOCUMENT_FORMAT_PDF ? std::move(*e.mutable_pdf())
                                                          : std::move(*e.mutable_html()),
                        e.through_position());
  }
  ASSIGN_OR_RETURN(v1::Bulletin bulletin, ledger_.BulletinFor(workflows::FormatMonth(month)));
  reports::BulletinDocumentInfo info;
  info.issuing_office = options_.issuing_office;
  info.issued_on = ChinaDay(clock_.Now());
  ASSIGN_OR_RETURN(std::string html, reports::BulletinHtml(bulletin, info));
  if (format == v1::DOCUMENT_FORMAT_PDF) {
    ASSIGN_OR_RETURN(html, Pdf(html));
  }
  return MakeDocument(reports::BulletinFilename(bulletin, Extension(format)), format,
                      std::move(html), bulletin.through_position());
}

absl::StatusOr<v1::PublishBulletinResponse> BulletinDocuments::Publish(
    const Caller& caller, const v1::PublishBulletinRequest& request) {
  const std::string& request_id = request.header().request_id();
  if (request_id.empty()) {
    return absl::InvalidArgumentError("header.request_id: required, so a retry is harmless");
  }
  ASSIGN_OR_RETURN(absl::CivilMonth month, Month(request.month()));
  const std::string stream = absl::StrCat(kBulletinStreamPrefix, request.month());
  absl::MutexLock l(&publish_mu_);

  // A retry: the first publication, whatever the clock says now.
  auto answer = [&](bool duplicate) -> absl::StatusOr<v1::PublishBulletinResponse> {
    ASSIGN_OR_RETURN(std::optional<Published> p, PublishedFor(request.month()));
    if (!p.has_value()) return absl::InternalError(absl::StrCat(stream, ": no publication"));
    v1::PublishBulletinResponse out;
    *out.mutable_publication() = PublicationOf(p->event, p->position);
    out.mutable_publication()->set_duplicate(duplicate);
    *out.mutable_pdf() =
        MakeDocument(reports::BulletinFilename(p->event.figures(), "pdf"), v1::DOCUMENT_FORMAT_PDF,
                     std::move(*p->event.mutable_pdf()), p->event.through_position());
    return out;
  };
  ASSIGN_OR_RETURN(auto seen, log_.LookupRequest(caller.actor, request_id));
  if (seen.has_value()) {
    ASSIGN_OR_RETURN(auto first, log_.ReadAll(seen->first_position, 1));
    if (first.empty() || first[0].record.stream() != stream) {
      return absl::AlreadyExistsError(
          absl::StrCat("header.request_id '", request_id, "' was used for another request"));
    }
    return answer(true);
  }

  const absl::Time now = clock_.Now();
  const absl::Time closes = workflows::MonthClose(month);
  if (now < closes) {
    return absl::FailedPreconditionError(
        absl::StrCat("month ", request.month(), " has not closed: it closes at ",
                     FormatChina(closes), "; a bulletin is published after its month"));
  }
  ASSIGN_OR_RETURN(std::optional<Published> existing, PublishedFor(request.month()));
  if (existing.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the bulletin of ", request.month(), " was published at position ",
                     existing->position, " by ", existing->event.published_by(), " on ",
                     FormatChina(absl::FromUnixMicros(existing->event.published_at_us())),
                     "; an issued bulletin is frozen and is not published again"));
  }

  // The figures from the log alone, as it stands now.
  ASSIGN_OR_RETURN(v1::Bulletin figures,
                   workflows::BulletinAtPosition(ledger_, month, log_.HeadPosition()));
  v1::BulletinPublished e;
  e.set_month(request.month());
  e.set_through_position(figures.through_position());
  e.set_figures_sha256(workflows::BulletinDigest(figures));
  reports::BulletinDocumentInfo info;
  info.issuing_office = options_.issuing_office;
  info.issued_on = ChinaDay(now);
  info.document_number = request.document_number();
  info.published = true;
  info.figures_sha256 = e.figures_sha256();
  ASSIGN_OR_RETURN(std::string html, reports::BulletinHtml(figures, info));
  ASSIGN_OR_RETURN(std::string pdf, Pdf(html));
  if (html.size() + pdf.size() > kMaxFrozenDocumentBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the bulletin's documents take ", html.size() + pdf.size(),
                     " bytes; a publication keeps at most ", kMaxFrozenDocumentBytes));
  }
  e.set_html_sha256(Hex(html));
  e.set_pdf_sha256(Hex(pdf));
  *e.mutable_figures() = std::move(figures);
  e.set_html(std::move(html));
  e.set_pdf(std::move(pdf));
  e.set_published_by(caller.actor);
  e.set_published_at_us(absl::ToUnixMicros(now));
  e.set_document_number(request.document_number());
  e.set_issuing_office(options_.issuing_office.empty() ? reports::kDefaultIssuingOffice
                                                       : options_.issuing_office);
  e.set_renderer(Renderer());

  v1::BulletinEvent event;
  *event.mutable_published() = std::move(e);
  store::AppendRequest append;
  append.stream = stream;
  append.expected = store::ExpectedVersion::NoStream();
  append.request_id = request_id;
  store::NewEvent ne;
  ne.type = kBulletinPublishedType;
  ne.payload = event.SerializeAsString();
  ne.actor = caller.actor;
  ne.correlation_id = request.header().correlation_id();
  append.events.push_back(std::move(ne));
  auto appended = log_.Append(std::move(append));
  if (!appended.ok()) {
    if (absl::IsAborted(appended.status())) {
      return absl::FailedPreconditionError(
          absl::StrCat("the bulletin of ", request.month(), " was published meanwhile"));
    }
    return appended.status();
  }
  return answer(appended->duplicate);
}

absl::StatusOr<v1::VerifyBulletinResponse> BulletinDocuments::Verify(
    const std::string& month_text) {
  ASSIGN_OR_RETURN(absl::CivilMonth month, Month(month_text));
  ASSIGN_OR_RETURN(std::optional<Published> p, PublishedFor(month_text));
  if (!p.has_value()) {
    return absl::NotFoundError(absl::StrCat("the bulletin of ", month_text, " is not published"));
  }
  const v1::BulletinPublished& e = p->event;
  ASSIGN_OR_RETURN(v1::Bulletin recomputed,
                   workflows::BulletinAtPosition(ledger_, month, e.through_position()));
  v1::VerifyBulletinResponse out;
  *out.mutable_publication() = PublicationOf(e, p->position);
  out.set_recomputed_figures_sha256(workflows::BulletinDigest(recomputed));
  // The recorded figures must be the ones digested, and the log's.
  out.set_figures_match(out.recomputed_figures_sha256() == e.figures_sha256() &&
                        workflows::BulletinDigest(e.figures()) == e.figures_sha256());
  for (std::string& f : DifferingFields(e.figures(), recomputed)) out.add_differing_fields(f);
  out.set_pdf_matches(Hex(e.pdf()) == e.pdf_sha256());
  out.set_html_matches(Hex(e.html()) == e.html_sha256());
  out.set_ok(out.figures_match() && out.pdf_matches() && out.html_matches());
  return out;
}

absl::StatusOr<v1::Document> BulletinDocuments::SlipDocument(const Caller& caller,
                                                             const std::string& slip_number,
                                                             v1::DocumentFormat format) {
  RETURN_IF_ERROR(CheckFormat(format));
  const std::vector<std::string> parts = absl::StrSplit(slip_number, '/');
  if (parts.size() < 4) {
    return absl::InvalidArgumentError(absl::StrCat("slip_number: '", slip_number,
                                                   "' is not <stream>/<subject>/<episode>/<rung>"));
  }
  const std::string kind = parts[0] + "/", id = parts[1];
  const ReadScope scope(caller, ledger_);
  const v1::SupervisionRung* rung = nullptr;
  bool readable = true;
  std::string project_code;
  auto find = [&](const auto& state) {
    if (!state.has_value()) return;
    rung = workflows::FindRungBySlip(state->rungs(), slip_number);
    readable = scope.Reads(*state);
  };
  std::optional<v1::ApprovalCaseState> c;
  std::optional<v1::TaskState> t;
  std::optional<v1::ProblemState> q;
  std::optional<v1::ProjectState> j;
  using workflows::WorkflowTraits;
  if (kind == WorkflowTraits<workflows::ApprovalCase>::kPrefix) {
    find(c = ledger_.GetCase(id));
  } else if (kind == WorkflowTraits<workflows::Task>::kPrefix) {
    find(t = ledger_.GetTask(id));
  } else if (kind == WorkflowTraits<workflows::Problem>::kPrefix) {
    find(q = ledger_.GetProblem(id));
  } else if (kind == WorkflowTraits<workflows::Project>::kPrefix) {
    find(j = ledger_.GetProject(id));
  }
  if (rung == nullptr) return absl::NotFoundError(absl::StrCat("no slip '", slip_number, "'"));
  if (!readable) {
    return absl::PermissionDeniedError(
        std::string(scope.Denied(absl::StrCat("slip '", slip_number, "'")).error_message()));
  }
  reports::SlipDocumentInput input;
  input.rung = *rung;
  input.issuing_office = options_.issuing_office;
  if (!rung->raised().project_code().empty()) {
    if (auto project = ledger_.GetProject(rung->raised().project_code())) {
      input.project_name = project->info().name();
    }
  }
  ASSIGN_OR_RETURN(std::string html, reports::SlipHtml(input));
  if (format == v1::DOCUMENT_FORMAT_PDF) {
    ASSIGN_OR_RETURN(html, Pdf(html));
  }
  return MakeDocument(reports::SlipFilename(*rung, Extension(format)), format, std::move(html),
                      ledger_.AppliedPosition());
}

}  // namespace taizhang::services
