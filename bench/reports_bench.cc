// reports_bench: what people hold in their hands, for a city of Chengdu's
// size (bench/city.h: 1,105 projects, 20 tasks each, a year of monthly
// investment reports and weekly progress, about 1.2 million events).
//
// Prints, measured in this run, beside the time to read the same rows from
// the log alone (a scan of every record, the peer):
//   1. the month's bulletin figures, from the projections and from the log
//      (every stream replayed, as publishing and verifying do);
//   2. each ledger's export (XLSX and CSV), as of now and as of a past day;
//   3. the bulletin's PDF;
//   4. the delay from a command's acknowledgement to the screen's update: the
//      feed /screen/ws pushes, served by the HTTP side, read by a WebSocket
//      client in this process.
// Targets: each export and the bulletin's figures within 2 s; the screen's
// update p99 within 1 s.
//
//   build/bench/reports_bench [--projects 1105] [--tasks 20] [--weeks 52]
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/city.h"
#include "reports/bulletin_document.h"
#include "reports/labels.h"
#include "reports/pdf.h"
#include "services/http_server.h"
#include "services/ledger_export.h"
#include "services/screen.h"
#include "store/event_log.h"
#include "workflows/bulletin.h"
#include "workflows/bulletin_log.h"
#include "workflows/ledger.h"

namespace taizhang::bench {
namespace {

using Stopwatch = std::chrono::steady_clock;

double SecondsSince(Stopwatch::time_point start) {
  return std::chrono::duration<double>(Stopwatch::now() - start).count();
}

constexpr double kLimitSeconds = 2.0;

// One measurement with its ratio to the peer; `target` says whether the 2 s
// limit applies to it (the exports and the figures) or it is printed only (the
// PDF, made by Chromium).
void Row(const std::string& what, double seconds, double peer, bool target = true) {
  std::printf("  %-44s %8.3f s  %7.2fx the log scan  %s\n", what.c_str(), seconds,
              peer > 0 ? seconds / peer : 0.0,
              !target                    ? "(no limit)"
              : seconds <= kLimitSeconds ? "within 2 s"
                                         : "OVER 2 s");
}

// The screen: the feed taizhangd's /screen/ws pushes, served by the same
// HttpServer, read by a WebSocket client. Each sample creates a task (an
// acknowledged, durable command) and waits for the first message whose
// position includes it.
int ScreenDelay(store::EventLog& log, workflows::Ledger& ledger, ManualClock& clock,
                const services::Caller& office, const CityOptions& options) {
  namespace beast = boost::beast;
  namespace websocket = beast::websocket;
  using tcp = boost::asio::ip::tcp;
  services::ScreenFeeds feeds(log, ledger, clock);
  auto start = Stopwatch::now();
  std::shared_ptr<const services::PushSource> source = feeds.For(office);
  const double first_build = SecondsSince(start);
  auto server = services::HttpServer::Start("127.0.0.1:0", [&](const services::HttpRequest& r) {
    services::HttpResponse response;
    response.push = source;
    return response;
  });
  if (!server.ok()) {
    std::fprintf(stderr, "screen: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  const std::string& address = (*server)->address();
  const int port = std::atoi(address.substr(address.rfind(':') + 1).c_str());
  boost::asio::io_context io;
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect(
      tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  ws.handshake("127.0.0.1", "/screen/ws");

  // Messages as they arrive: when, and the position they include.
  absl::Mutex mu;
  std::vector<std::pair<Stopwatch::time_point, uint64_t>> arrived;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    const std::regex position(R"re("position":\s*"(\d+)")re");
    while (!done) {
      beast::flat_buffer buffer;
      boost::system::error_code ec;
      ws.read(buffer, ec);
      if (ec) return;
      const std::string text = beast::buffers_to_string(buffer.data());
      std::smatch m;
      uint64_t p = 0;
      if (std::regex_search(text, m, position)) p = std::stoull(m[1]);
      absl::MutexLock lock(&mu);
      arrived.emplace_back(Stopwatch::now(), p);
    }
  });

  std::vector<double> delays;
  constexpr int kSamples = 20;
  for (int i = 0; i < kSamples; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // apart from the last update
    v1::TaskCommand c;
    c.mutable_create()->set_task_id(absl::StrCat("screen-", i));
    c.mutable_create()->set_project_code(CityProjectCode(i));
    c.mutable_create()->set_title(absl::StrCat("大屏时延测量任务", i + 1));
    c.mutable_create()->add_responsible_units(CityUnit(0));
    engine::CommandMeta meta{.request_id = absl::StrCat("screen-", i), .actor = kCityOffice};
    auto outcome = ledger.Execute<workflows::Task>(absl::StrCat("screen-", i), c, meta);
    const auto acked = Stopwatch::now();
    if (!outcome.ok()) {
      std::fprintf(stderr, "screen: %s\n", std::string(outcome.status().message()).c_str());
      return 1;
    }
    const uint64_t position = outcome->append.last_position;
    absl::MutexLock lock(&mu);
    auto shown = [&] {
      for (const auto& [when, p] : arrived) {
        if (p >= position) return true;
      }
      return false;
    };
    if (!mu.AwaitWithTimeout(absl::Condition(&shown), absl::Seconds(10))) {
      std::printf("  screen: no update within 10 s of position %llu\n",
                  static_cast<unsigned long long>(position));
      delays.push_back(10.0);
      continue;
    }
    for (const auto& [when, p] : arrived) {
      if (p >= position) {
        delays.push_back(std::chrono::duration<double>(when - acked).count());
        break;
      }
    }
  }
  done = true;
  boost::system::error_code ec;
  ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
  ws.next_layer().close(ec);
  reader.join();
  std::sort(delays.begin(), delays.end());
  const double p50 = delays[delays.size() / 2];
  const double p99 = delays[std::min(delays.size() - 1, delays.size() * 99 / 100)];
  std::printf("  screen: first snapshot of the whole city built in %.3f s\n", first_build);
  std::printf(
      "  screen: acknowledgement -> WebSocket message, %d samples: p50 %.0f ms, p99 %.0f "
      "ms, max %.0f ms  %s\n",
      kSamples, p50 * 1000, p99 * 1000, delays.back() * 1000,
      p99 <= 1.0 ? "within 1 s" : "OVER 1 s");
  return 0;
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
  // What publishing and verifying run: every stream replayed to the head.
  absl::StatusOr<v1::Bulletin> from_log =
      workflows::BulletinAtPosition(**ledger, absl::CivilMonth(options.year, 8), head);
  Row(absl::StrCat("bulletin ", month, " figures (from the log)"), SecondsSince(start), scan);
  if (!from_log.ok()) return 1;

  // Each ledger, as XLSX and CSV, now (the projections) and as of a past day
  // (the log read up to its end), as the supervision office reads it.
  services::Caller office{
      .principal = {.role = workflows::Role::kSupervision, .unit = "市重大项目办"},
      .actor = kCityOffice};
  // Halfway through the weeks built: the ledger as it stood then.
  const std::string past =
      absl::FormatCivilTime(absl::CivilDay(options.year, 1, 1) + options.weeks * 7 / 2);
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
        scan, /*target=*/false);
  } else {
    std::printf("  bulletin PDF: %s\n", std::string(pdf.status().message()).c_str());
  }

  if (int rc = ScreenDelay(**log, **ledger, clock, office, options); rc != 0) return rc;

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
