// A supervision slip (督办通知单, 催办单, 交办单, 挂牌督办...) as a one-page
// A4 document (reports/templates/slip.html): its kind as people name it
// (workflows::SlipKindLabel; a coloured reminder slip in its colour), its
// number, the office's document number, the matter and its project, the
// addressed unit with its head, the responsible leader, the date issued, the
// rectification limit (整改时限), who issued it, and the answer and the
// delisting (销号) when there are.
//
// Thread-safety: the functions are pure.
#ifndef TAIZHANG_REPORTS_SLIP_DOCUMENT_H_
#define TAIZHANG_REPORTS_SLIP_DOCUMENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "taizhang/v1/supervision.pb.h"

namespace taizhang::reports {

struct SlipDocumentInput {
  v1::SupervisionRung rung;
  std::string project_name;    // the matter's project, when it has one
  std::string issuing_office;  // empty: the rung's parties' office, else kDefaultIssuingOffice
};

// The slip's HTML. INTERNAL only if the compiled-in template is broken.
absl::StatusOr<std::string> SlipHtml(const SlipDocumentInput& input);

// A file name for it: "督办通知单-<number with '/' as '_'>.pdf".
std::string SlipFilename(const v1::SupervisionRung& rung, const std::string& extension);

// How a person reads an actor: "department:自然资源局:王科长" -> "自然资源局
// 王科长"; "system:scheduler" -> "系统（按督办规则自动下发）".
std::string ActorDisplay(const std::string& actor);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_SLIP_DOCUMENT_H_
