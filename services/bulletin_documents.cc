#include "services/bulletin_documents.h"

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "google/protobuf/util/time_util.h"
#include "proof/checkpoint.h"
#include "proof/signer.h"
#include "reports/bulletin_document.h"
#include "reports/labels.h"
#include "reports/slip_document.h"
#include "reports/template.h"
#include "services/china_time.h"
#include "services/ledger_service.h"
#include "services/server.h"
#include "store/format.h"
#include "store/sha256.h"
#include "workflows/bulletin_assessment.h"
#include "workflows/bulletin_log.h"
#include "workflows/principal.h"
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

static_assert(kMaxDocumentBytes <= store::format::kMaxBlobBytes,
              "a publication's document is one blob of the log");

const char* DocumentName(v1::DocumentFormat format) {
  return format == v1::DOCUMENT_FORMAT_PDF ? "PDF" : "HTML";
}

// The integrity of a kept document, from KeptDocument's answer.
v1::DocumentIntegrity Integrity(const absl::StatusOr<std::string>& kept,
                                const std::string& recorded_hex) {
  if (absl::IsNotFound(kept.status())) return v1::DOCUMENT_INTEGRITY_MISSING;
  if (!kept.ok()) return v1::DOCUMENT_INTEGRITY_ALTERED;
  return Hex(*kept) == recorded_hex ? v1::DOCUMENT_INTEGRITY_INTACT
                                    : v1::DOCUMENT_INTEGRITY_ALTERED;
}

// A kept document for a reader: a missing blob is a loss, not an absence.
absl::StatusOr<std::string> AsRead(absl::StatusOr<std::string> kept) {
  if (absl::IsNotFound(kept.status())) {
    return absl::DataLossError(kept.status().message());
  }
  return kept;
}

}  // namespace

std::string PrincipalLabel(const std::string& actor) {
  absl::StatusOr<workflows::Principal> p = workflows::ParseActor(actor);
  const std::string role = reports::RoleLabel(actor);
  if (!p.ok() || role.empty()) return actor;
  std::string out = role;
  if (!p->unit.empty()) absl::StrAppend(&out, " ", p->unit);
  if (!p->person.empty()) absl::StrAppend(&out, " ", p->person);
  return out;
}

std::string BulletinTemplateSha256() {
  return Hex(reports::EmbeddedTemplate(reports::kBulletinTemplate));
}

absl::StatusOr<std::string> PublishedHtml(const v1::BulletinPublished& e) {
  reports::BulletinDocumentInfo info;
  info.issuing_office = e.issuing_office();
  info.issued_on = ChinaDay(absl::FromUnixMicros(e.published_at_us()));
  info.document_number = e.document_number();
  info.published = true;
  info.figures_sha256 = e.figures_sha256();
  info.published_by = PrincipalLabel(e.published_by());
  if (e.has_checkpoint()) {
    info.checkpoint = e.checkpoint();
    info.checkpoint_public_key = e.checkpoint_public_key();
  }
  return reports::BulletinHtml(e.figures(), info);
}

std::string BulletinFieldLabel(const std::string& field) {
  static const auto* const kLabels = new std::map<std::string, std::string>{
      {"month", "月份"},
      {"year", "年度"},
      {"month_index", "月序"},
      {"closes_at_us", "截止时间"},
      {"through_position", "数据截至日志位置"},
      {"project_count", "在库项目数"},
      {"stages", "各阶段项目数"},
      {"starts", "新开工"},
      {"completions", "竣工投产"},
      {"investment", "投资完成情况"},
      {"by_level", "分级情况"},
      {"unit_ranking", "单位排名"},
      {"listed", "点名项目"},
      {"total_investment_yuan", "总投资"},
      {"unit_supervision", "督办情况"},
      {"assessment", "考核排名"},
  };
  auto it = kLabels->find(field);
  return it == kLabels->end() ? field : it->second;
}

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
  p.set_published_by_label(PrincipalLabel(e.published_by()));
  p.set_pdf_bytes(e.pdf().empty() ? e.pdf_bytes() : static_cast<int64_t>(e.pdf().size()));
  p.set_html_bytes(e.html().empty() ? e.html_bytes() : static_cast<int64_t>(e.html().size()));
  p.set_template_sha256(e.template_sha256());
  p.set_policy_name(e.policy_name());
  if (e.has_checkpoint()) {
    const v1::SignedCheckpoint& c = e.checkpoint();
    v1::Checkpoint* view = p.mutable_checkpoint();
    view->set_partition(c.partition());
    view->set_size(c.size());
    view->set_root(store::ToHex(c.root()));
    *view->mutable_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(c.time_us());
    view->set_key_id(c.key_id());
    view->set_signature(store::ToHex(c.signature()));
    view->set_text(proof::CheckpointText(c));
    p.set_checkpoint_public_key(store::ToHex(e.checkpoint_public_key()));
  }
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

absl::StatusOr<std::string> BulletinDocuments::KeptDocument(const Published& p,
                                                            v1::DocumentFormat format) {
  const v1::BulletinPublished& e = p.event;
  const bool pdf = format == v1::DOCUMENT_FORMAT_PDF;
  const std::string& in_event = pdf ? e.pdf() : e.html();
  if (!in_event.empty()) return in_event;  // an older publication
  const std::string& hex = pdf ? e.pdf_sha256() : e.html_sha256();
  const std::string what = absl::StrCat("the publication of ", e.month(), " (position ", p.position,
                                        ") keeps its ", DocumentName(format), " as blob ", hex);
  std::string digest;
  if (!store::FromHex(hex, &digest) || digest.size() != store::format::kHashSize) {
    return absl::NotFoundError(absl::StrCat(what, ", which is not a SHA-256"));
  }
  absl::StatusOr<std::string> bytes = log_.GetBlob(digest);
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(absl::StrCat(what, ", which the log does not hold"));
  }
  if (!bytes.ok()) {
    return absl::Status(bytes.status().code(), absl::StrCat(what, ": ", bytes.status().message()));
  }
  return bytes;
}

absl::StatusOr<v1::Document> BulletinDocuments::BulletinDocument(const std::string& month_text,
                                                                 v1::DocumentFormat format) {
  ASSIGN_OR_RETURN(absl::CivilMonth month, Month(month_text));
  RETURN_IF_ERROR(CheckFormat(format));
  ASSIGN_OR_RETURN(std::optional<Published> published, PublishedFor(month_text));
  if (published.has_value()) {
    const v1::BulletinPublished& e = published->event;
    ASSIGN_OR_RETURN(std::string bytes, AsRead(KeptDocument(*published, format)));
    return MakeDocument(reports::BulletinFilename(e.figures(), Extension(format)), format,
                        std::move(bytes), e.through_position());
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
    ASSIGN_OR_RETURN(std::string pdf, AsRead(KeptDocument(*p, v1::DOCUMENT_FORMAT_PDF)));
    *out.mutable_pdf() =
        MakeDocument(reports::BulletinFilename(p->event.figures(), "pdf"), v1::DOCUMENT_FORMAT_PDF,
                     std::move(pdf), p->event.through_position());
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
                     existing->position, " by ", PrincipalLabel(existing->event.published_by()),
                     " on ", FormatChina(absl::FromUnixMicros(existing->event.published_at_us())),
                     "; an issued bulletin is frozen and is not published again"));
  }

  // The figures from the log alone, as it stands now, with the rule of the
  // policy loaded now: recorded, so that a check later uses the same.
  const v1::ProjectPolicy& policy = ledger_.project().policy();
  const std::optional<v1::AssessmentRule> assessment =
      workflows::BulletinAssessmentRuleFor(ledger_, month);
  ASSIGN_OR_RETURN(
      v1::Bulletin figures,
      workflows::BulletinAtPosition(ledger_, month, log_.HeadPosition(), policy.investment(),
                                    assessment.has_value() ? &*assessment : nullptr));
  v1::BulletinPublished e;
  e.set_month(request.month());
  e.set_through_position(figures.through_position());
  e.set_figures_sha256(workflows::BulletinDigest(figures));
  *e.mutable_figures() = std::move(figures);
  e.set_published_by(caller.actor);
  e.set_published_at_us(absl::ToUnixMicros(now));
  e.set_document_number(request.document_number());
  e.set_issuing_office(options_.issuing_office.empty() ? reports::kDefaultIssuingOffice
                                                       : options_.issuing_office);
  *e.mutable_investment_rule() = policy.investment();
  e.set_policy_name(policy.name());
  if (assessment.has_value()) *e.mutable_assessment_rule() = *assessment;
  e.set_template_sha256(BulletinTemplateSha256());
  e.set_program_version(ServerVersion());
  if (options_.signer != nullptr && e.through_position() > 0) {
    // The log the figures stand on, signed: the printed document anchors it.
    ASSIGN_OR_RETURN(*e.mutable_checkpoint(),
                     options_.signer->SignUnrecorded(e.through_position()));
    e.set_checkpoint_public_key(options_.signer->key().public_key());
  }
  ASSIGN_OR_RETURN(std::string html, PublishedHtml(e));
  ASSIGN_OR_RETURN(std::string pdf, Pdf(html));
  for (const std::string* doc : {&html, &pdf}) {
    if (doc->size() > kMaxDocumentBytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the bulletin's ", doc == &pdf ? "PDF" : "HTML", " takes ", doc->size(),
                       " bytes; a publication keeps each document in at most ", kMaxDocumentBytes));
    }
  }
  e.set_html_sha256(Hex(html));
  e.set_pdf_sha256(Hex(pdf));
  e.set_html_bytes(static_cast<int64_t>(html.size()));
  e.set_pdf_bytes(static_cast<int64_t>(pdf.size()));
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
  if (ne.payload.size() > kMaxPublicationEventBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the bulletin's figures take ", ne.payload.size(),
                     " bytes; a publication's event is at most ", kMaxPublicationEventBytes));
  }
  ne.actor = caller.actor;
  ne.correlation_id = request.header().correlation_id();
  // The documents as blobs, in the same batch as the event that names them.
  ne.blob_digests = {store::Sha256(pdf), store::Sha256(html)};
  append.blobs = {std::move(pdf), std::move(html)};
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

absl::StatusOr<v1::CheckpointCheck> BulletinDocuments::CheckCheckpoint(
    const v1::BulletinPublished& e) {
  if (!e.has_checkpoint()) return v1::CHECKPOINT_CHECK_NOT_RECORDED;
  const v1::SignedCheckpoint& c = e.checkpoint();
  const std::string& key = e.checkpoint_public_key();
  if (!proof::CheckpointSignedBy(c, key)) return v1::CHECKPOINT_CHECK_BAD_SIGNATURE;
  bool known = options_.signer != nullptr && options_.signer->key().public_key() == key;
  if (!known && options_.signer != nullptr) {
    const proof::ChainKey* k = options_.signer->Keys().Find(c.key_id());
    known = k != nullptr && k->public_key == key;
  }
  if (!known) return v1::CHECKPOINT_CHECK_UNKNOWN_KEY;
  if (c.size() != e.through_position() || c.size() > log_.HeadPosition()) {
    return v1::CHECKPOINT_CHECK_ROOT_DIFFERS;
  }
  ASSIGN_OR_RETURN(std::string root, log_.MerkleRoot(c.size()));
  return root == c.root() ? v1::CHECKPOINT_CHECK_VALID : v1::CHECKPOINT_CHECK_ROOT_DIFFERS;
}

absl::StatusOr<v1::VerifyBulletinResponse> BulletinDocuments::Verify(
    const std::string& month_text) {
  ASSIGN_OR_RETURN(absl::CivilMonth month, Month(month_text));
  ASSIGN_OR_RETURN(std::optional<Published> p, PublishedFor(month_text));
  if (!p.has_value()) {
    return absl::NotFoundError(absl::StrCat("the bulletin of ", month_text, " is not published"));
  }
  const v1::BulletinPublished& e = p->event;
  v1::VerifyBulletinResponse out;
  *out.mutable_publication() = PublicationOf(e, p->position);

  // The figures, with the rule they were computed with (an older publication
  // recorded none: the policy loaded now, and the answer says so).
  out.set_rule_recorded(e.has_investment_rule());
  const v1::ProjectPolicy& loaded = ledger_.project().policy();
  *out.mutable_investment_rule() =
      e.has_investment_rule() ? e.investment_rule() : loaded.investment();
  out.set_policy_name(e.has_investment_rule() ? e.policy_name() : loaded.name());
  // The ranking by the assessment rule recorded; none recorded, none.
  ASSIGN_OR_RETURN(
      v1::Bulletin recomputed,
      workflows::BulletinAtPosition(ledger_, month, e.through_position(), out.investment_rule(),
                                    e.has_assessment_rule() ? &e.assessment_rule() : nullptr));
  out.set_recomputed_figures_sha256(workflows::BulletinDigest(recomputed));
  // The recorded figures must be the ones digested, and the log's.
  out.set_figures_match(out.recomputed_figures_sha256() == e.figures_sha256() &&
                        workflows::BulletinDigest(e.figures()) == e.figures_sha256());
  for (std::string& f : DifferingFields(e.figures(), recomputed)) {
    out.add_differing_field_labels(BulletinFieldLabel(f));
    out.add_differing_fields(std::move(f));
  }

  // The documents' bytes against their digests.
  absl::StatusOr<std::string> pdf = KeptDocument(*p, v1::DOCUMENT_FORMAT_PDF);
  absl::StatusOr<std::string> html = KeptDocument(*p, v1::DOCUMENT_FORMAT_HTML);
  for (const auto* kept : {&pdf, &html}) {
    const absl::StatusCode code = kept->status().code();
    if (code != absl::StatusCode::kOk && code != absl::StatusCode::kNotFound &&
        code != absl::StatusCode::kDataLoss) {
      return kept->status();  // the disk, not the publication
    }
  }
  out.set_pdf_integrity(Integrity(pdf, e.pdf_sha256()));
  out.set_html_integrity(Integrity(html, e.html_sha256()));
  out.set_pdf_matches(out.pdf_integrity() == v1::DOCUMENT_INTEGRITY_INTACT);
  out.set_html_matches(out.html_integrity() == v1::DOCUMENT_INTEGRITY_INTACT);

  // The HTML rendered again from the recorded figures, with the template
  // recorded; a changed template is said, not taken for a mismatch.
  out.set_template_sha256(BulletinTemplateSha256());
  if (!html.ok() && out.html_integrity() == v1::DOCUMENT_INTEGRITY_MISSING) {
    out.set_html_rerender(v1::HTML_RERENDER_NO_DOCUMENT);
  } else if (e.template_sha256().empty()) {
    out.set_html_rerender(v1::HTML_RERENDER_NOT_RECORDED);
  } else if (e.template_sha256() != out.template_sha256()) {
    out.set_html_rerender(v1::HTML_RERENDER_TEMPLATE_CHANGED);
  } else {
    ASSIGN_OR_RETURN(std::string again, PublishedHtml(e));
    // An altered blob's bytes are not given back: they differ from anything.
    const bool same = html.ok() && again == *html;
    out.set_html_rerender(same ? v1::HTML_RERENDER_MATCHES : v1::HTML_RERENDER_DIFFERS);
  }

  ASSIGN_OR_RETURN(v1::CheckpointCheck checkpoint, CheckCheckpoint(e));
  out.set_checkpoint(checkpoint);

  const bool rerender_ok = out.html_rerender() == v1::HTML_RERENDER_MATCHES ||
                           out.html_rerender() == v1::HTML_RERENDER_TEMPLATE_CHANGED ||
                           out.html_rerender() == v1::HTML_RERENDER_NOT_RECORDED;
  const bool checkpoint_ok =
      checkpoint == v1::CHECKPOINT_CHECK_VALID || checkpoint == v1::CHECKPOINT_CHECK_NOT_RECORDED;
  out.set_ok(out.figures_match() && out.pdf_matches() && out.html_matches() && rerender_ok &&
             checkpoint_ok);
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
