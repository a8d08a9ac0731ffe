// reports_bench: what people hold in their hands, for a city of Chengdu's
// size (bench/city.h: 1,105 projects, 20 tasks each, a year of monthly
// investment reports and weekly progress, about 1.2 million events).
//
// Prints, measured in this run, beside the time to read the same rows from
// the log alone (a scan of every record, the peer):
//   1. the month's bulletin figures, from the projections and from the log;
//   2. each ledger's export (XLSX and CSV), as of now and as of a past day;
//   3. the bulletin's PDF;
//   4. the delay from a command's acknowledgement to the screen's update.
// Targets: each export and the bulletin's figures within 2 s; the screen's
// update p99 within 1 s.
//
//   build/bench/reports_bench [--projects 1105] [--tasks 20] [--weeks 52]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/city.h"
#include "reports/bulletin_document.h"
#include "reports/labels.h"
#include "reports/pdf.h"
#include "services/ledger_export.h"
#include "store/event_log.h"
#include "workflows/bulletin.h"
#include "workflows/ledger.h"

namespace taizhang::bench {
namespace {

using Stopwatch = std::chrono::steady_clock;

double SecondsSince(Stopwatch::time_point start) {
  return std::chrono::duration<double>(Stopwatch::now() - start).count();
}

constexpr double kLimitSeconds = 2.0;

void Row(const std::string& what, double seconds, double peer) {
  std::printf("  %-44s %8.3f s  %6.2fx the log scan  %s\n", what.c_str(), seconds,
              peer > 0 ? seconds / peer : 0.0, seconds <= kLimitSeconds ? "ok" : "OVER 2 s");
}

int Run(const CityOptions& options) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      absl::StrCat("tz_reports_bench_", getpid(), "_", std::random_device()());
  ManualClock clock(absl::FromCivil(absl::CivilDay(options.year, 1, 1), engine::ChinaTime()));
  auto log = store::OpenEventLog(dir.string(), clock);
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", std::string(log.status().message()).c_str());
    return 1;
  }
  workflows::LedgerOptions ledger_options;
  ledger_options.policies_dir = TAIZHANG_POLICIES_DIR;
  auto ledger = workflows::Ledger::Open(**log, clock, ledger_options);
  if (!ledger.ok() || !(*ledger)->Start().ok()) {
    std::fprintf(stderr, "cannot start the ledger\n");
    return 1;
  }
  std::printf("reports_bench: a city of %d projects x %d tasks, %d weeks\n", options.projects,
              options.tasks_per_project, options.weeks);
  auto start = Stopwatch::now();
  absl::StatusOr<int64_t> sent = BuildCity(**ledger, clock, options);
  if (!sent.ok()) {
    std::fprintf(stderr, "%s\n", std::string(sent.status().message()).c_str());
    return 1;
  }
  const uint64_t head = (*log)->HeadPosition();
  std::printf("  built: %lld commands, %llu events, in %.1f s\n", static_cast<long long>(*sent),
              static_cast<unsigned long long>(head), SecondsSince(start));

  // The peer: every record of the log read once, decoded as records only.
  double scan = 1e9;
  for (int i = 0; i < 3; ++i) {
    start = Stopwatch::now();
    uint64_t records = 0;
    absl::Status s = (*log)->Scan(1, [&](const store::RecordedEvent&) {
      ++records;
      return absl::OkStatus();
    });
    if (!s.ok() || records != head) {
      std::fprintf(stderr, "scan: %s (%llu records)\n", std::string(s.message()).c_str(),
                   static_cast<unsigned long long>(records));
      return 1;
    }
    scan = std::min(scan, SecondsSince(start));
  }
  std::printf("  the log scan (the peer): %.3f s for %llu records (best of 3)\n", scan,
              static_cast<unsigned long long>(head));

  const std::string month = absl::FormatCivilTime(absl::CivilMonth(options.year, 8));
  start = Stopwatch::now();
  absl::StatusOr<v1::Bulletin> bulletin = (*ledger)->BulletinFor(month);
  Row(absl::StrCat("bulletin ", month, " figures (projections)"), SecondsSince(start), scan);
  if (!bulletin.ok()) return 1;
  start = Stopwatch::now();
  workflows::BulletinOptions bopts;
  bopts.month = absl::CivilMonth(options.year, 8);
  absl::StatusOr<v1::Bulletin> from_log =
      workflows::BuildBulletinFromLog((*ledger)->workflow<workflows::Project>().store(), bopts);
  Row(absl::StrCat("bulletin ", month, " figures (from the log)"), SecondsSince(start), scan);
  if (!from_log.ok()) return 1;

  // Each ledger, as XLSX and CSV, now (the projections) and as of a past day
  // (the log read up to its end), as the supervision office reads it.
  services::Caller office{
      .principal = {.role = workflows::Role::kSupervision, .unit = "市重大项目办"},
      .actor = kCityOffice};
  const std::string past = absl::FormatCivilTime(absl::CivilDay(options.year, 6, 30));
  for (v1::LedgerKind kind :
       {v1::LEDGER_KIND_PROJECTS, v1::LEDGER_KIND_CASE_ITEMS, v1::LEDGER_KIND_TASKS,
        v1::LEDGER_KIND_PROBLEMS, v1::LEDGER_KIND_SLIPS}) {
    for (v1::DocumentFormat format : {v1::DOCUMENT_FORMAT_XLSX, v1::DOCUMENT_FORMAT_CSV}) {
      for (const std::string& as_of : {std::string(), past}) {
        v1::ExportLedgerRequest request;
        request.set_kind(kind);
        request.set_format(format);
        request.set_as_of(as_of);
        start = Stopwatch::now();
        absl::StatusOr<v1::Document> doc =
            services::ExportLedger(**ledger, clock.Now(), office, request);
        const double took = SecondsSince(start);
        if (!doc.ok()) {
          std::fprintf(stderr, "export: %s\n", std::string(doc.status().message()).c_str());
          return 1;
        }
        Row(absl::StrCat(reports::Label(kind), " ", reports::Label(format), " ",
                         as_of.empty() ? "now" : as_of, " (", doc->content().size() / 1024,
                         " KiB)"),
            took, scan);
      }
    }
  }

  // The bulletin as a document: HTML from the figures, then PDF by Chromium.
  reports::BulletinDocumentInfo info;
  info.issued_on = absl::CivilDay(options.year, 9, 5);
  start = Stopwatch::now();
  absl::StatusOr<std::string> html = reports::BulletinHtml(*bulletin, info);
  Row("bulletin HTML", SecondsSince(start), scan);
  if (!html.ok()) return 1;
  start = Stopwatch::now();
  absl::StatusOr<std::string> pdf = reports::HtmlToPdf(*html, reports::PdfOptions{});
  if (pdf.ok()) {
    Row(absl::StrCat("bulletin PDF (", pdf->size() / 1024, " KiB, Chromium)"), SecondsSince(start),
        scan);
  } else {
    std::printf("  bulletin PDF: %s\n", std::string(pdf.status().message()).c_str());
  }

  (*ledger)->Stop();
  ledger->reset();
  log->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace taizhang::bench

int main(int argc, char** argv) {
  taizhang::bench::CityOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    int value = 0;
    if (!absl::SimpleAtoi(argv[i + 1], &value) || value <= 0) {
      std::fprintf(stderr, "%s: a positive number, not %s\n", flag.c_str(), argv[i + 1]);
      return 2;
    }
    if (flag == "--projects") {
      options.projects = value;
    } else if (flag == "--tasks") {
      options.tasks_per_project = value;
    } else if (flag == "--weeks") {
      options.weeks = value;
    } else {
      std::fprintf(stderr, "usage: reports_bench [--projects N] [--tasks N] [--weeks N]\n");
      return 2;
    }
  }
  return taizhang::bench::Run(options);
}
