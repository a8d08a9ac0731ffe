// The monthly bulletin and the supervision slips as documents, and the
// publication of a bulletin (service.proto's Reports: GetBulletinDocument,
// PublishBulletin, VerifyBulletin, GetSlipDocument). Free of gRPC calls; the
// handlers in reports_service.cc map its absl::Status errors one-to-one.
//
// Publication. PublishBulletin appends one BulletinPublished event
// (bulletin.proto) to the stream "bulletin/<YYYY-MM>", type
// kBulletinPublishedType, expecting the stream not to exist:
//   - the month must have closed (now >= MonthClose), else FAILED_PRECONDITION;
//   - the figures are recomputed from the log alone up to its head at that
//     moment (workflows::BulletinAtPosition), and frozen in the event with the
//     position, their digest (BulletinDigest), the HTML and PDF issued and
//     their SHA-256;
//   - a retry with the same (principal, request id) returns the first
//     publication (duplicate) and writes nothing; any other second
//     publication of the month is FAILED_PRECONDITION naming the first.
// The documents are kept in the event (at most kMaxFrozenDocumentBytes
// together, RESOURCE_EXHAUSTED beyond), so they are covered by the log's hash
// chain and a reprint returns the very bytes issued (Chromium does not print
// the same bytes twice). See docs/bulletin.md.
//
// Verification (an auditor's check): the figures recomputed from the log as
// it stood at the recorded position, their digest against the recorded one,
// and the documents' bytes against their digests.
//
// Thread-safety: every method may be called from any thread; publications
// are serialised by a mutex.
#ifndef TAIZHANG_SERVICES_BULLETIN_DOCUMENTS_H_
#define TAIZHANG_SERVICES_BULLETIN_DOCUMENTS_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "reports/pdf.h"
#include "services/auth.h"
#include "store/event_log.h"
#include "taizhang/v1/api_reports.pb.h"
#include "taizhang/v1/bulletin.pb.h"
#include "workflows/bulletin_log.h"
#include "workflows/ledger.h"

namespace taizhang::services {

using workflows::kBulletinPublishedType;
using workflows::kBulletinStreamPrefix;
// The PDF and the HTML kept in a publication, together; the log takes at
// most 4 MiB per event (store/format.h), this leaves room for the figures.
inline constexpr size_t kMaxFrozenDocumentBytes = 3 << 20;

struct DocumentOptions {
  reports::PdfOptions pdf;
  std::string issuing_office;  // empty: reports::kDefaultIssuingOffice
};

class BulletinDocuments {
 public:
  // `ledger`, `log` and `clock` must outlive this.
  BulletinDocuments(workflows::Ledger& ledger, store::EventLog& log, Clock& clock,
                    DocumentOptions options);

  // The month's bulletin as HTML or PDF: the frozen document when the month
  // is published, else rendered now from the projections. INVALID_ARGUMENT
  // for a bad month or format; UNAVAILABLE when a PDF cannot be printed.
  absl::StatusOr<v1::Document> BulletinDocument(const std::string& month,
                                                v1::DocumentFormat format);

  // Publishes the month (see above). `caller` must be the supervision
  // office's (the RPC's access rule checks it).
  absl::StatusOr<v1::PublishBulletinResponse> Publish(const Caller& caller,
                                                      const v1::PublishBulletinRequest& request);

  // Checks the month's publication. NOT_FOUND when it is not published.
  absl::StatusOr<v1::VerifyBulletinResponse> Verify(const std::string& month);

  // The publication of `month`, with its position, or nullopt.
  struct Published {
    v1::BulletinPublished event;
    uint64_t position = 0;
  };
  absl::StatusOr<std::optional<Published>> PublishedFor(const std::string& month);

  // A slip ("<stream>/<subject>/<episode>/<rung>") as a one-page HTML or PDF
  // document. NOT_FOUND for an unknown slip; PERMISSION_DENIED when `caller`
  // may not read its stream (ReadScope).
  absl::StatusOr<v1::Document> SlipDocument(const Caller& caller, const std::string& slip_number,
                                            v1::DocumentFormat format);

 private:
  absl::StatusOr<std::string> Pdf(const std::string& html);
  // "Chromium 156…", asked once.
  std::string Renderer();

  workflows::Ledger& ledger_;
  store::EventLog& log_;
  Clock& clock_;
  const DocumentOptions options_;
  absl::Mutex publish_mu_;  // one publication at a time
  absl::Mutex renderer_mu_;
  std::optional<std::string> renderer_ ABSL_GUARDED_BY(renderer_mu_);
};

// The publication's summary (without the documents' bytes).
v1::BulletinPublication PublicationOf(const v1::BulletinPublished& event, uint64_t position);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_BULLETIN_DOCUMENTS_H_
