// The monthly bulletin (一月一通报) as a document: v1::Bulletin's figures
// rendered as the HTML of a 通报 (reports/templates/bulletin.html), the way
// such a document reads:
//   重点项目推进情况通报（YYYY年M月）, the office's number, issuing office, date;
//   一、总体情况   stage counts, 开工率, 竣工率, investment against time progress;
//   二、分级情况   the same figures by project level;
//   三、单位排名   the ranking by investment completion, 先进 and 后进;
//   四、点名项目   the projects named, with their reasons;
//   五、督办情况   per unit: overdue work, rungs raised in the month, listings,
//                 late entries (补录);
//   六、走访服务情况 visits in the month per person and per unit, and the
//                 quota periods of the month below quota (docs/visits.md).
// Charts (reports/svg_chart.h) are inline SVG; print CSS sets A4 pages with
// "第 N 页 共 M 页" in the bottom margin. Every enum reads by its label
// (reports/labels.h); every text from the figures is HTML-escaped.
//
// Money reads in 亿元 with two decimals, rates as FormatBp gives them.
//
// Thread-safety: the functions are pure.
#ifndef TAIZHANG_REPORTS_BULLETIN_DOCUMENT_H_
#define TAIZHANG_REPORTS_BULLETIN_DOCUMENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "taizhang/v1/bulletin.pb.h"

namespace taizhang::reports {

// What the document says about itself, beside the figures.
struct BulletinDocumentInfo {
  std::string issuing_office = "重点项目推进办公室";
  absl::CivilDay issued_on;     // the date printed under the title
  std::string document_number;  // e.g. "督查通报〔2026〕11号"; empty: none printed
  // Published documents also print the digest of their figures and who
  // published them as people read it ("督查室 区政府目督办"; empty: not printed).
  bool published = false;
  std::string figures_sha256;
  std::string published_by;
  // The signed checkpoint the publication carries (none printed when unset).
  std::optional<v1::SignedCheckpoint> checkpoint;
  std::string checkpoint_public_key;  // 32 bytes
};

// The template BulletinHtml renders (reports/templates/<name>, compiled in):
// a publication records its digest.
inline constexpr char kBulletinTemplate[] = "bulletin.html";

// The office named when none is configured.
inline constexpr char kDefaultIssuingOffice[] = "重点项目推进办公室";

// "3568.05" for 356805000000 元 (亿元, rounded half away from zero).
std::string FormatYi(int64_t yuan);

// A rate the bulletin may leave unset (no plan, no start due): "69.81%" for
// 6981 basis points when `has`, else "—".
std::string FormatRate(bool has, int32_t bp);

// "2019年8月1日".
std::string ChineseDate(absl::CivilDay day);

// The bulletin's HTML document. INTERNAL only if the compiled-in template
// is broken.
absl::StatusOr<std::string> BulletinHtml(const v1::Bulletin& bulletin,
                                         const BulletinDocumentInfo& info);

// A file name for the document: "重点项目推进情况通报-2019-08.pdf".
std::string BulletinFilename(const v1::Bulletin& bulletin, const std::string& extension);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_BULLETIN_DOCUMENT_H_
