// HTML to PDF by headless Chromium (Debian's `chromium`, with
// fonts-noto-cjk for the Chinese text), run as a subprocess:
//
//   chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer
//            --user-data-dir=DIR/profile --print-to-pdf=DIR/out.pdf file://DIR/in.html
//
// in a private temporary directory (mode 0700, removed afterwards). The page
// size, margins and page numbers are the document's own print CSS (@page);
// Chromium adds no header or footer of its own. Chromium embeds the subsets
// of the fonts it used, so the PDF's text can be extracted (pdftotext).
//
// Chromium's PDF bytes are not reproducible (they carry a creation date and
// identifiers), so a document that must be the same when reprinted keeps its
// bytes (see docs/bulletin.md).
//
// Thread-safety: HtmlToPdf may run concurrently; each call has its own
// directory and Chromium profile. The child is started with posix_spawn (safe
// in a multithreaded server) in its own process group, which is killed when
// the timeout passes.
#ifndef TAIZHANG_REPORTS_PDF_H_
#define TAIZHANG_REPORTS_PDF_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/clock.h"

namespace taizhang::reports {

struct PdfOptions {
  // The Chromium binary: a path, or a name looked up on PATH. Empty: the
  // first of chromium, chromium-browser, google-chrome found on PATH.
  std::string chromium;
  absl::Duration timeout = absl::Seconds(60);
  // At most two documents print at once in a process; a third waits this
  // long for a slot, then is RESOURCE_EXHAUSTED.
  absl::Duration wait_for_slot = absl::Seconds(20);
  // The clock `timeout` is measured on (its Monotonic()); null: the
  // system's. Not the server's manual clock: a hung Chromium must be killed
  // after real seconds even on a training clock that stands still.
  const Clock* clock = nullptr;
};

// The Chromium binary `options` names, as an absolute path. UNAVAILABLE
// naming what was looked for when there is none.
absl::StatusOr<std::string> FindChromium(const PdfOptions& options);

// Prints `html` (a whole document, UTF-8) to PDF. RESOURCE_EXHAUSTED when two
// prints are running and neither ends within options.wait_for_slot.
// UNAVAILABLE when Chromium
// is missing, fails (its exit status and the end of its output in the
// message), writes no PDF, or runs past the timeout (then it is killed);
// INTERNAL when the temporary directory cannot be made.
absl::StatusOr<std::string> HtmlToPdf(std::string_view html, const PdfOptions& options);

// "Chromium 156.0.8078.114 ..." as `chromium --version` prints it (first
// line), or UNAVAILABLE.
absl::StatusOr<std::string> ChromiumVersion(const PdfOptions& options);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_PDF_H_
