// The bulletin as a PDF printed by headless Chromium, read back by an
// independent reader (poppler-utils pdftotext, pdfinfo): Chengdu 2019 built
// by commands through the project aggregate into a real log, its bulletin
// computed from the log, rendered and printed; the document's figures, its
// Chinese text (so the CJK fonts are embedded) and its page numbers come out.
// Also how printing fails: no Chromium, a Chromium that fails, one that hangs;
// and that it works under the systemd unit's MemoryDenyWriteExecute.
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/bulletin_document.h"
#include "reports/pdf.h"
#include "workflows/bulletin.h"
#include "workflows/testing/chengdu_2019.h"
#include "workflows/testing/shipped_project.h"

namespace taizhang::reports {
namespace {

using ::testing::HasSubstr;

using ::taizhang::testing::TempDir;
using ::taizhang::testing::WriteFile;

// Runs a shell command, returning its stdout.
std::string Output(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(BulletinPdfTest, ChengduTwentyNineteenPrintsItsFigures) {
  // The scenario, by commands, into a log of its own.
  TempDir dir;
  ManualClock clock(absl::UnixEpoch());
  const workflows::testing::Chengdu2019 scenario = workflows::testing::Chengdu2019Commands();
  clock.AdvanceTo(scenario.registered_at);
  auto log = store::OpenEventLog(dir / "log", clock);
  ASSERT_TRUE(log.ok()) << log.status();
  auto project = workflows::testing::LoadShippedProject();
  ASSERT_TRUE(project.ok()) << project.status();
  engine::AggregateStore<workflows::Project> store(**log, clock, **project);
  ASSERT_TRUE(workflows::testing::RunScenario(store, scenario.registrations, "register").ok());
  clock.AdvanceTo(scenario.reported_at);
  ASSERT_TRUE(workflows::testing::RunScenario(store, scenario.progress, "progress").ok());
  auto bulletin = workflows::BuildBulletinFromLog(
      store,
      workflows::BulletinOptions{absl::CivilMonth(2019, 8), (*project)->policy().investment()});
  ASSERT_TRUE(bulletin.ok()) << bulletin.status();

  BulletinDocumentInfo info;
  info.issuing_office = "成都市重点项目推进办公室";
  info.issued_on = absl::CivilDay(2019, 9, 20);
  auto html = BulletinHtml(*bulletin, info);
  ASSERT_TRUE(html.ok()) << html.status();
  auto pdf = HtmlToPdf(*html, PdfOptions{});
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  ASSERT_EQ(pdf->rfind("%PDF-", 0), 0u);
  WriteFile(dir / "bulletin.pdf", *pdf);

  const std::string text = Output("pdftotext -layout " + (dir / "bulletin.pdf") + " -");
  // The document's figures: 开工率 69.81%, the provincial 81.82%, and 77.45%
  // of the year's plan.
  EXPECT_THAT(text, HasSubstr("69.81%"));
  EXPECT_THAT(text, HasSubstr("81.82%"));
  EXPECT_THAT(text, HasSubstr("77.45%"));
  EXPECT_THAT(text, HasSubstr("3568.05"));
  // Chinese text, extracted: the fonts are embedded with their mappings.
  EXPECT_THAT(text, HasSubstr("重点项目推进情况通报"));
  EXPECT_THAT(text, HasSubstr("一、总体情况"));
  EXPECT_THAT(text, HasSubstr("成都市重点项目推进办公室"));
  EXPECT_THAT(text, HasSubstr("应开工未开工"));
  EXPECT_THAT(text, HasSubstr("先进"));
  // Page numbers in the bottom margin, as many as pdfinfo counts.
  const std::string pdfinfo = Output("pdfinfo " + (dir / "bulletin.pdf"));
  EXPECT_THAT(pdfinfo, HasSubstr("(A4)"));
  const size_t pages_at = pdfinfo.find("Pages:");
  ASSERT_NE(pages_at, std::string::npos) << pdfinfo;
  const int pages = std::atoi(pdfinfo.c_str() + pages_at + 6);
  EXPECT_GT(pages, 1);
  const std::string compact = Output("pdftotext " + (dir / "bulletin.pdf") + " - | tr -d ' '");
  EXPECT_THAT(compact, HasSubstr(absl::StrCat("第1页共", pages, "页")));
  EXPECT_THAT(compact, HasSubstr(absl::StrCat("第", pages, "页共", pages, "页")));
  // Every font embedded (Chromium draws its glyphs as Type 3 fonts with a
  // ToUnicode map, which is what lets the Chinese above be extracted).
  const std::string fonts = Output("pdffonts " + (dir / "bulletin.pdf") + " | tail -n +3");
  int font_count = 0;
  std::istringstream lines(fonts);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    ++font_count;
    std::smatch m;  // ... emb sub uni object ID
    ASSERT_TRUE(std::regex_search(
        line, m, std::regex(R"(\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$)")))
        << line;
    EXPECT_EQ(m[1], "yes") << line;
  }
  EXPECT_GT(font_count, 0);
}

// deploy/taizhangd.service sets MemoryDenyWriteExecute=yes, which the kernel
// applies to the server and every child it starts (PR_SET_MDWE, Linux 6.3):
// Chromium must print a bulletin without ever making writable memory
// executable. A child of the test, put under the same rule, prints one.
TEST(PdfTest, PrintsWhereWritableMemoryMayNeverBeExecutable) {
#ifndef PR_GET_MDWE
  constexpr int PR_SET_MDWE = 65, PR_GET_MDWE = 66;
#endif
  if (prctl(PR_GET_MDWE, 0L, 0L, 0L, 0L) < 0) {
    GTEST_SKIP() << "this kernel has no memory-deny-write-execute (PR_SET_MDWE, Linux 6.3)";
  }
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(
      {
        if (prctl(PR_SET_MDWE, 1L /* PR_MDWE_REFUSE_EXEC_GAIN */, 0L, 0L, 0L) != 0) {
          std::fputs("prctl(PR_SET_MDWE) failed\n", stderr);
          std::_Exit(2);
        }
        PdfOptions options;
        options.timeout = absl::Seconds(40);
        auto pdf = HtmlToPdf("<p>通报</p><script>document.body.append('脚本')</script>", options);
        if (!pdf.ok() || pdf->rfind("%PDF-", 0) != 0) {
          std::fputs(std::string(pdf.status().message()).c_str(), stderr);
          std::_Exit(1);
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(PdfTest, NoChromiumIsUnavailable) {
  PdfOptions options;
  options.chromium = "/nonexistent/chromium";
  auto pdf = HtmlToPdf("<p>x</p>", options);
  EXPECT_EQ(pdf.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(pdf.status().message(), HasSubstr("/nonexistent/chromium"));
  options.chromium = "no-such-chromium-binary";
  EXPECT_EQ(HtmlToPdf("<p>x</p>", options).status().code(), absl::StatusCode::kUnavailable);
}

TEST(PdfTest, AFailingOrHangingChromiumIsUnavailable) {
  TempDir dir;
  const std::string failing = dir / "failing-chromium";
  WriteFile(failing, "#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n");
  chmod(failing.c_str(), 0755);
  PdfOptions options;
  options.chromium = failing;
  auto pdf = HtmlToPdf("<p>x</p>", options);
  EXPECT_EQ(pdf.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(pdf.status().message(), HasSubstr("exit 3"));
  EXPECT_THAT(pdf.status().message(), HasSubstr("cannot open display"));

  const std::string hanging = dir / "hanging-chromium";
  WriteFile(hanging, "#!/bin/sh\nsleep 30\n");
  chmod(hanging.c_str(), 0755);
  options.chromium = hanging;
  options.timeout = absl::Milliseconds(300);
  // Killed at the timeout: a Chromium left to finish would have exited 0
  // without a PDF, which reads differently.
  pdf = HtmlToPdf("<p>x</p>", options);
  EXPECT_EQ(pdf.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(pdf.status().message(), HasSubstr("did not print the PDF within"));
}

// Callers cannot start a Chromium each: two print at once, a third waits for
// a slot and is refused when none comes free in time.
TEST(PdfTest, AtMostTwoPrintAtOnce) {
  TempDir dir;
  const std::string slow = dir / "slow-chromium";
  WriteFile(slow, "#!/bin/sh\nsleep 30\n");
  chmod(slow.c_str(), 0755);
  PdfOptions options;
  options.chromium = slow;
  options.timeout = absl::Seconds(3);
  std::vector<absl::StatusCode> codes(2);
  std::vector<std::thread> printing;
  for (int i = 0; i < 2; ++i) {
    printing.emplace_back([&, i] { codes[i] = HtmlToPdf("<p>x</p>", options).status().code(); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // both hold their slots
  PdfOptions third = options;
  third.wait_for_slot = absl::Milliseconds(100);
  auto refused = HtmlToPdf("<p>x</p>", third);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
  for (auto& t : printing) t.join();
  EXPECT_EQ(codes[0], absl::StatusCode::kUnavailable);  // the slow one timed out
  EXPECT_EQ(codes[1], absl::StatusCode::kUnavailable);
  // The slots are free again.
  third.wait_for_slot = absl::Seconds(1);
  third.timeout = absl::Milliseconds(200);
  EXPECT_EQ(HtmlToPdf("<p>x</p>", third).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace taizhang::reports
