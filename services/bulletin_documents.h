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
//     moment (workflows::BulletinAtPosition) with the investment rule of the
//     project policy loaded, and frozen in the event with the position, their
//     digest (BulletinDigest), the rule and the policy's name, the template's
//     digest, and the HTML's and PDF's SHA-256 and sizes;
//   - the HTML and the PDF are blobs of the log (store/event_log.h), written
//     in the same batch as the event, which names them: each at most
//     kMaxDocumentBytes, the event at most kMaxPublicationEventBytes
//     (RESOURCE_EXHAUSTED beyond, nothing written);
//   - a retry with the same (principal, request id) returns the first
//     publication (duplicate) and writes nothing; any other second
//     publication of the month is FAILED_PRECONDITION naming the first.
// A reprint returns the very bytes issued (Chromium does not print the same
// bytes twice), read from the blobs, which GetBlob checks against their
// digests: a missing or altered document is DATA_LOSS. Publications recorded
// before the documents were blobs keep their bytes in the event and are read
// from there. See docs/bulletin.md.
//
// Verification (an auditor's check): the figures recomputed from the log as
// it stood at the recorded position with the recorded rule (the policy loaded
// now plays no part) and their digest against the recorded one; the HTML
// rendered again from the recorded figures with the recorded template and
// compared with the HTML kept (a changed template is said, not compared); the
// PDF's and HTML's bytes against their digests (the PDF is not printed again).
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

namespace taizhang::proof {
class CheckpointSigner;
}

namespace taizhang::services {

using workflows::kBulletinPublishedType;
using workflows::kBulletinStreamPrefix;
// Each document of a publication (a blob of the log: at most the log's
// format::kMaxBlobBytes).
inline constexpr size_t kMaxDocumentBytes = 8 << 20;
// The publication's event without the documents: the figures and digests,
// far under what one request of a replicated log may carry (1.5 MiB in etcd).
inline constexpr size_t kMaxPublicationEventBytes = 1 << 20;

struct DocumentOptions {
  reports::PdfOptions pdf;
  std::string issuing_office;  // empty: reports::kDefaultIssuingOffice
  // Signs the checkpoint a publication prints (not owned); null: none.
  proof::CheckpointSigner* signer = nullptr;
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
  // The publication's signed checkpoint against its key and the log.
  absl::StatusOr<v1::CheckpointCheck> CheckCheckpoint(const v1::BulletinPublished& e);

  // The publication of `month`, with its position, or nullopt.
  struct Published {
    v1::BulletinPublished event;
    uint64_t position = 0;
  };
  absl::StatusOr<std::optional<Published>> PublishedFor(const std::string& month);

  // The bytes a publication kept of its PDF or HTML (`format`): the blob its
  // digest names, or for an older publication the bytes in the event.
  // NOT_FOUND when the log does not hold the blob, DATA_LOSS when its bytes
  // no longer hash to the digest; both name the document and the digest.
  absl::StatusOr<std::string> KeptDocument(const Published& published, v1::DocumentFormat format);

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

// A principal as people read it: its role's label and its name,
// "督查室 区政府目督办" for "supervision:区政府目督办"; the actor as it is when
// it is not one.
std::string PrincipalLabel(const std::string& actor);

// A publication's HTML as its recorded facts render it (figures, office,
// date of publication, number, digest, publisher) with the template compiled
// in: what Publish kept, when the template is the one recorded.
absl::StatusOr<std::string> PublishedHtml(const v1::BulletinPublished& event);

// Lower-case hex SHA-256 of the bulletin template compiled in.
std::string BulletinTemplateSha256();

// A top-level field of v1::Bulletin as people read it ("investment" ->
// "投资完成情况"); the name itself for a field without a label.
std::string BulletinFieldLabel(const std::string& field);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_BULLETIN_DOCUMENTS_H_
