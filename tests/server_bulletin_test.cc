// The monthly bulletin and the slips as documents through the real taizhangd
// and the `taizhang` CLI: a late task walks up the ladder in July 2020; the
// office publishes July's bulletin once (a retry returns the first, a second
// publication and an unclosed month are refused, a department may not); the
// event carries the figures, the rule and the digests, the documents are blobs
// beside it; a reprint is the same bytes; an auditor's verification matches
// (also after the loaded policy changed), and catches forged publications; the
// task's 督办通知单 prints as one A4 page with its number and unit.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proof/checkpoint.h"
#include "proof/ed25519.h"
#include "reports/bulletin_document.h"
#include "reports/template.h"
#include "services/bulletin_documents.h"
#include "services/testing/server_harness.h"
#include "store/event_log.h"
#include "store/sha256.h"
#include "taizhang/v1/bulletin.pb.h"
#include "taizhang/v1/service.grpc.pb.h"
#include "workflows/bulletin.h"
#include "workflows/bulletin_log.h"
#include "workflows/project.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::CommandResult;
using testing::Connect;
using testing::Daemon;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

constexpr char kAdmin[] = "admin-0123456789abcdef";
constexpr char kOffice[] = "office-0123456789abcdef";
constexpr char kResources[] = "resources-0123456789abcdef";
constexpr char kAuditor[] = "auditor-0123456789abcdef";
constexpr char kEnterprise[] = "enterprise-0123456789abcdef";

std::string SourceDir() {
  const char* dir = std::getenv("TAIZHANG_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

std::string Hex(const std::string& bytes) { return store::ToHex(store::Sha256(bytes)); }

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

class BulletinServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(
        dir_ / "tokens.textproto",
        absl::StrCat("token { token: \"", kAdmin, "\" role: \"admin\" unit: \"ops\" }\n",
                     "token { token: \"", kOffice,
                     "\" role: \"supervision\" unit: \"区政府目督办\" }\n", "token { token: \"",
                     kResources, "\" role: \"department\" unit: \"区自然资源局\" }\n",
                     "token { token: \"", kAuditor, "\" role: \"auditor\" unit: \"审计局\" }\n",
                     "token { token: \"", kEnterprise,
                     "\" role: \"enterprise\" unit: \"漯河某食品有限公司\" }\n"));
  }

  std::unique_ptr<Daemon> Start(const std::string& start_day,
                                std::string policies = SourceDir() + "/workflows/policies") {
    std::vector<std::string> args = {"--listen",    "127.0.0.1:0", "--data-dir",
                                     dir_ / "data", "--tokens",    dir_ / "tokens.textproto",
                                     "--clock",     "manual",      "--policies-dir",
                                     policies};
    if (!start_day.empty()) {
      args.push_back("--start");
      args.push_back(start_day);
    }
    std::string failure;
    auto d = Daemon::Start(args, dir_ / "stderr", &failure);
    EXPECT_NE(d, nullptr) << failure;
    return d;
  }

  uint64_t Head(const Daemon& d) {
    v1::Admin::Stub admin(Connect(d.address()));
    v1::ServerInfoResponse response;
    EXPECT_TRUE(admin.ServerInfo(Call(kAdmin).get(), v1::ServerInfoRequest(), &response).ok());
    return response.head_position();
  }

  void Advance(const Daemon& d, int days) {
    v1::Admin::Stub admin(Connect(d.address()));
    v1::AdvanceClockRequest request;
    request.mutable_by()->set_seconds(days * 24 * 3600);
    v1::AdvanceClockResponse response;
    grpc::Status s = admin.AdvanceClock(Call(kAdmin).get(), request, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  CommandResult Cli(const Daemon& d, const std::string& token, std::vector<std::string> args) {
    std::vector<std::string> argv = {TAIZHANG_CLI_PATH, "--server", d.address(), "--token", token};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunCommand(argv);
  }

  grpc::Status Publish(const Daemon& d, const std::string& token, const std::string& month,
                       const std::string& request_id, v1::PublishBulletinResponse* out) {
    v1::Reports::Stub reports(Connect(d.address()));
    v1::PublishBulletinRequest request;
    request.mutable_header()->set_request_id(request_id);
    request.set_month(month);
    request.set_document_number("晋督通报〔2020〕7号");
    return reports.PublishBulletin(Call(token).get(), request, out);
  }

  // The auditor's check of a month's publication (a test failure when the
  // call fails).
  v1::VerifyBulletinResponse Verify(const Daemon& d, const std::string& month) {
    v1::Reports::Stub reports(Connect(d.address()));
    v1::VerifyBulletinRequest verify;
    verify.set_month(month);
    v1::VerifyBulletinResponse checked;
    grpc::Status s = reports.VerifyBulletin(Call(kAuditor).get(), verify, &checked);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return checked;
  }

  TempDir dir_;
};

TEST_F(BulletinServerTest, PublishedOnceFrozenReprintedAndVerified) {
  auto d = Start("2020-06-29");
  ASSERT_NE(d, nullptr);
  v1::Ledger::Stub ledger(Connect(d->address()));
  v1::Reports::Stub reports(Connect(d->address()));
  {
    v1::ExecuteTaskRequest r;
    r.mutable_header()->set_request_id("create-1");
    r.set_task_id("wuyue-plot5");
    auto* t = r.mutable_command()->mutable_create();
    t->set_task_id("wuyue-plot5");
    t->set_project_code("2020-530115-72-01-000001");
    t->set_title("5号地块4户农户拆迁及14.5亩征地");
    t->add_responsible_units("区自然资源局");
    t->set_responsible_leader("王副区长");
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
    t->mutable_deadline()->mutable_rule()->set_fixed_date("2020-07-15");
    v1::TaskReply reply;
    grpc::Status s = ledger.ExecuteTask(Call(kOffice).get(), r, &reply);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_NO_FATAL_FAILURE(Advance(*d, 33));  // to 2020-08-01: July has closed
  const uint64_t before = Head(*d);

  // Refused, writing nothing: a department; a month still open; no request id.
  v1::PublishBulletinResponse refused;
  EXPECT_EQ(Publish(*d, kResources, "2020-07", "dept-1", &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status open = Publish(*d, kOffice, "2020-08", "aug-1", &refused);
  EXPECT_EQ(open.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << open.error_message();
  EXPECT_THAT(open.error_message(), HasSubstr("has not closed"));
  EXPECT_EQ(Publish(*d, kOffice, "2020-07", "", &refused).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Publish(*d, kOffice, "2020-7", "bad-1", &refused).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Publish(*d, kOffice, "2020-07", "bad\nid", &refused).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  {
    // A document number past the text limits, refused before anything prints.
    v1::Reports::Stub stub(Connect(d->address()));
    v1::PublishBulletinRequest huge;
    huge.mutable_header()->set_request_id("huge-1");
    huge.set_month("2020-07");
    huge.set_document_number(std::string(300000, 'x'));
    grpc::Status s = stub.PublishBulletin(Call(kOffice).get(), huge, &refused);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("document_number"));
  }
  EXPECT_EQ(Head(*d), before);

  // Before publication the document is rendered live, and says so.
  v1::BulletinDocumentRequest html_request;
  html_request.set_month("2020-07");
  html_request.set_format(v1::DOCUMENT_FORMAT_HTML);
  v1::Document live;
  ASSERT_TRUE(reports.GetBulletinDocument(Call(kAuditor).get(), html_request, &live).ok());
  EXPECT_THAT(live.content(), HasSubstr("重点项目推进情况通报（2020年7月）"));
  EXPECT_THAT(live.content(), HasSubstr("区自然资源局"));
  EXPECT_THAT(live.content(), HasSubstr("未发布"));
  EXPECT_EQ(live.sha256_hex(), Hex(live.content()));

  // Published: one event with the figures, the position and the digests.
  v1::PublishBulletinResponse first;
  grpc::Status s = Publish(*d, kOffice, "2020-07", "pub-1", &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const v1::BulletinPublication& p = first.publication();
  EXPECT_FALSE(p.duplicate());
  EXPECT_EQ(p.month(), "2020-07");
  // The figures through `before`; then the server's signing key, recorded
  // with the first document it signs; then the publication.
  EXPECT_EQ(p.position(), before + 2);
  EXPECT_EQ(p.through_position(), before);
  EXPECT_EQ(p.published_by(), "supervision:区政府目督办");
  EXPECT_EQ(p.document_number(), "晋督通报〔2020〕7号");
  EXPECT_EQ(first.pdf().content().rfind("%PDF-", 0), 0u);
  EXPECT_EQ(p.pdf_sha256(), Hex(first.pdf().content()));
  EXPECT_EQ(first.pdf().sha256_hex(), p.pdf_sha256());
  EXPECT_EQ(Head(*d), before + 2);

  v1::Audit::Stub audit(Connect(d->address()));
  v1::ReadStreamRequest read;
  read.set_stream("bulletin/2020-07");
  v1::ReadStreamResponse events;
  ASSERT_TRUE(audit.ReadStream(Call(kAuditor).get(), read, &events).ok());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).type(), "bulletin.Published");
  EXPECT_EQ(events.events(0).actor(), "supervision:区政府目督办");
  EXPECT_THAT(events.events(0).payload_json(), HasSubstr(p.figures_sha256()));
  v1::BulletinEvent event;
  ASSERT_TRUE(event.ParseFromString(events.events(0).payload()));
  const v1::BulletinPublished& recorded = event.published();
  EXPECT_EQ(recorded.through_position(), before);
  EXPECT_EQ(recorded.figures().through_position(), before);
  EXPECT_EQ(recorded.figures_sha256(), workflows::BulletinDigest(recorded.figures()));
  // The documents are blobs beside the event, which keeps their digests and
  // sizes, the rule and the template: a few KB, far under 1.5 MiB.
  EXPECT_TRUE(recorded.pdf().empty());
  EXPECT_TRUE(recorded.html().empty());
  EXPECT_EQ(recorded.pdf_bytes(), static_cast<int64_t>(first.pdf().content().size()));
  EXPECT_GT(recorded.html_bytes(), 1000);
  EXPECT_LT(events.events(0).payload().size(), 16u << 10);
  EXPECT_EQ(recorded.investment_rule().measure(), v1::INVESTMENT_GAP_MEASURE_POINTS);
  EXPECT_EQ(recorded.investment_rule().yellow_from_bp(), 1000);
  EXPECT_EQ(recorded.policy_name(), "points-behind-10-30");
  EXPECT_EQ(recorded.template_sha256(),
            Hex(std::string(reports::EmbeddedTemplate(reports::kBulletinTemplate))));
  EXPECT_EQ(p.published_by_label(), "督查室 区政府目督办");
  EXPECT_THAT(recorded.renderer(), HasSubstr("Chromium"));
  // The log the figures stand on, signed by the server's key (made beside
  // the data directory at the first start): the tree of its first `before`
  // records, as the Audit service gives it.
  auto key = proof::SigningKey::Load(dir_ / "signing-key.pem");
  ASSERT_TRUE(key.ok()) << key.status();
  ASSERT_TRUE(recorded.has_checkpoint());
  EXPECT_EQ(recorded.checkpoint().size(), before);
  EXPECT_EQ(recorded.checkpoint_public_key(), key->public_key());
  EXPECT_TRUE(proof::CheckpointSignedBy(recorded.checkpoint(), key->public_key()));
  {
    v1::GetTreeHeadRequest head;
    head.set_size(before);
    v1::TreeHead tree;
    ASSERT_TRUE(audit.GetTreeHead(Call(kAuditor).get(), head, &tree).ok());
    EXPECT_EQ(store::ToHex(recorded.checkpoint().root()), tree.root());
  }
  EXPECT_EQ(p.checkpoint().text(), proof::CheckpointText(recorded.checkpoint()));
  EXPECT_EQ(p.checkpoint_public_key(), store::ToHex(key->public_key()));
  ASSERT_EQ(recorded.figures().unit_supervision_size(), 1);
  EXPECT_EQ(recorded.figures().unit_supervision(0).unit(), "区自然资源局");
  EXPECT_EQ(recorded.figures().unit_supervision(0).overdue_tasks(), 1);
  // The figures from the log alone are those the projections give.
  v1::BulletinRequest month;
  month.set_month("2020-07");
  v1::Bulletin projected;
  ASSERT_TRUE(ledger.GetBulletin(Call(kAuditor).get(), month, &projected).ok());
  projected.set_through_position(recorded.figures().through_position());
  EXPECT_EQ(workflows::BulletinDigest(projected), recorded.figures_sha256());

  // A retry returns the first publication; another is refused.
  v1::PublishBulletinResponse again;
  ASSERT_TRUE(Publish(*d, kOffice, "2020-07", "pub-1", &again).ok());
  EXPECT_TRUE(again.publication().duplicate());
  EXPECT_EQ(again.publication().position(), p.position());
  EXPECT_EQ(again.pdf().content(), first.pdf().content());
  grpc::Status second = Publish(*d, kOffice, "2020-07", "pub-2", &refused);
  EXPECT_EQ(second.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(second.error_message(), HasSubstr("published at position"));
  EXPECT_EQ(Head(*d), before + 2);

  // Later events do not move a published bulletin: it is reprinted as issued.
  ASSERT_NO_FATAL_FAILURE(Advance(*d, 1));
  v1::BulletinDocumentRequest pdf_request = html_request;
  pdf_request.set_format(v1::DOCUMENT_FORMAT_PDF);
  v1::Document reprint;
  ASSERT_TRUE(reports.GetBulletinDocument(Call(kAuditor).get(), pdf_request, &reprint).ok());
  EXPECT_EQ(reprint.content(), first.pdf().content());
  EXPECT_EQ(reprint.sha256_hex(), p.pdf_sha256());
  EXPECT_EQ(reprint.through_position(), before);
  EXPECT_EQ(reprint.filename(), "重点项目推进情况通报-2020-07.pdf");
  v1::Document frozen_html;
  ASSERT_TRUE(reports.GetBulletinDocument(Call(kAuditor).get(), html_request, &frozen_html).ok());
  EXPECT_EQ(frozen_html.sha256_hex(), p.html_sha256());
  EXPECT_THAT(frozen_html.content(), HasSubstr(p.figures_sha256()));
  EXPECT_THAT(frozen_html.content(), HasSubstr("晋督通报〔2020〕7号"));
  EXPECT_THAT(frozen_html.content(), HasSubstr("发布：督查室 区政府目督办"));
  EXPECT_THAT(frozen_html.content(), Not(HasSubstr("supervision:")));
  EXPECT_THAT(frozen_html.content(), HasSubstr("签名检查点：分区 0，日志第 1–" +
                                               std::to_string(before) + " 条记录的默克尔根"));
  EXPECT_THAT(frozen_html.content(), HasSubstr(p.checkpoint().root()));
  EXPECT_THAT(frozen_html.content(), HasSubstr(p.checkpoint().signature()));
  EXPECT_THAT(frozen_html.content(), HasSubstr(p.checkpoint_public_key()));

  // The PDF as a reader sees it.
  testing::WriteFile(dir_ / "bulletin.pdf", reprint.content());
  const std::string text = Output("pdftotext " + (dir_ / "bulletin.pdf") + " - | tr -d ' '");
  EXPECT_THAT(text, HasSubstr("重点项目推进情况通报（2020年7月）"));
  EXPECT_THAT(text, HasSubstr("五、督办情况"));
  EXPECT_THAT(text, HasSubstr("区自然资源局"));
  EXPECT_THAT(text, HasSubstr("第1页共"));
  EXPECT_THAT(text, HasSubstr("签名检查点"));
  EXPECT_THAT(text, HasSubstr(p.checkpoint().key_id()));

  // The auditor's check.
  v1::VerifyBulletinRequest verify;
  verify.set_month("2020-07");
  v1::VerifyBulletinResponse checked;
  ASSERT_TRUE(reports.VerifyBulletin(Call(kAuditor).get(), verify, &checked).ok());
  EXPECT_TRUE(checked.ok());
  EXPECT_TRUE(checked.figures_match());
  EXPECT_TRUE(checked.pdf_matches());
  EXPECT_TRUE(checked.html_matches());
  EXPECT_EQ(checked.pdf_integrity(), v1::DOCUMENT_INTEGRITY_INTACT);
  EXPECT_EQ(checked.html_integrity(), v1::DOCUMENT_INTEGRITY_INTACT);
  EXPECT_EQ(checked.html_rerender(), v1::HTML_RERENDER_MATCHES);
  EXPECT_EQ(checked.checkpoint(), v1::CHECKPOINT_CHECK_VALID);
  EXPECT_TRUE(checked.rule_recorded());
  EXPECT_EQ(checked.recomputed_figures_sha256(), p.figures_sha256());
  EXPECT_EQ(checked.differing_fields_size(), 0);
  verify.set_month("2020-06");
  EXPECT_EQ(reports.VerifyBulletin(Call(kAuditor).get(), verify, &checked).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // The same through the CLI.
  CommandResult r = Cli(*d, kAuditor, {"bulletin", "2020-07", "--pdf", dir_ / "cli.pdf"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadFile(dir_ / "cli.pdf"), first.pdf().content());
  r = Cli(*d, kAuditor, {"bulletin", "verify", "2020-07"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("发布人 督查室 区政府目督办"));
  EXPECT_THAT(r.out, HasSubstr("发布时记录的投资亮灯规则（points-behind-10-30），慢于时间进度 "
                               "10.00 个百分点起黄灯，超过 30.00 个百分点红灯"));
  EXPECT_THAT(r.out, HasSubstr("数据：按日志重算与发布记录一致"));
  EXPECT_THAT(r.out, HasSubstr("PDF：留存文件完好（核对字节与发布时的摘要，未重新打印）"));
  EXPECT_THAT(r.out, HasSubstr("网页：留存文件完好；按记录的数据重新生成与留存网页一致"));
  EXPECT_THAT(r.out, HasSubstr("签名检查点：签名有效，与日志一致"));
  EXPECT_THAT(r.out, HasSubstr("核验通过"));
  EXPECT_THAT(r.out, Not(HasSubstr("match")));
  EXPECT_THAT(r.out, Not(HasSubstr("supervision:")));
  r = Cli(*d, kAuditor, {"--json", "bulletin", "verify", "2020-07"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"figures_match\":true"));
  EXPECT_THAT(r.out, HasSubstr("HTML_RERENDER_MATCHES"));
  r = Cli(*d, kOffice, {"bulletin", "publish", "2020-07"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("FAILED_PRECONDITION"));
  r = Cli(*d, kOffice, {"bulletin", "publish", "2020-07", "--request-id", "pub-1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("重试"));
  EXPECT_THAT(r.out, HasSubstr("发布人 督查室 区政府目督办"));
  r = Cli(*d, kAuditor, {"bulletin", "2020-07"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("区自然资源局"));
  EXPECT_EQ(Head(*d), before + 2);
  EXPECT_EQ(d->Stop(), 0);

  // In the log: the record names both blobs, which hold the documents issued.
  ManualClock clock(testing::TestStart());
  auto log = store::OpenEventLog(dir_ / "data", clock);
  ASSERT_TRUE(log.ok()) << log.status();
  auto stored = (*log)->ReadStream("bulletin/2020-07", 1, 1);
  ASSERT_TRUE(stored.ok() && stored->size() == 1u);
  EXPECT_THAT(std::vector<std::string>((*stored)[0].record.blob_digests().begin(),
                                       (*stored)[0].record.blob_digests().end()),
              ::testing::ElementsAre(store::Sha256(first.pdf().content()),
                                     store::Sha256(frozen_html.content())));
  EXPECT_EQ(*(*log)->GetBlob(store::Sha256(first.pdf().content())), first.pdf().content());
  auto chain = (*log)->Verify(1, 0);
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->ok) << chain->problem;
  EXPECT_EQ(chain->blobs_checked, 2u);
}

// The figures are recomputed with the rule recorded at publication: after a
// restart with another investment policy, whose lights differ for the same
// log, the publication still verifies.
TEST_F(BulletinServerTest, VerificationUsesTheRuleRecordedNotThePolicyLoadedNow) {
  const std::string code = "2020-530115-72-01-000001";
  {
    auto d = Start("2020-06-29");
    ASSERT_NE(d, nullptr);
    v1::Projects::Stub projects(Connect(d->address()));
    v1::RegisterProjectRequest r;
    r.mutable_header()->set_request_id("register-1");
    r.set_project_code(code);
    v1::ProjectInfo* info = r.mutable_register_()->mutable_info();
    info->set_code(code);
    info->set_name("五岳产业园");
    info->set_level(v1::PROJECT_LEVEL_DISTRICT);
    info->set_owner("漯河某食品有限公司");
    info->set_total_investment_yuan(500'000'000);
    info->set_plan_year(2020);
    info->set_annual_plan_yuan(100'000'000);
    info->set_responsible_leader("王副区长");
    info->set_lead_unit("区自然资源局");
    v1::ProjectReply reply;
    grpc::Status s = projects.RegisterProject(Call(kOffice).get(), r, &reply);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_NO_FATAL_FAILURE(Advance(*d, 3));  // into July
    // Half of the plan by July's end (time progress 58.33%): 8.33 points
    // behind, green by points; 14.3% of time progress missed, yellow by share.
    v1::ReportProjectInvestmentRequest report;
    report.mutable_header()->set_request_id("report-1");
    report.set_project_code(code);
    report.mutable_report_investment()->set_month("2020-07");
    report.mutable_report_investment()->set_cumulative_yuan(50'000'000);
    s = projects.ReportProjectInvestment(Call(kResources).get(), report, &reply);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_NO_FATAL_FAILURE(Advance(*d, 30));  // to 2020-08-01
    v1::PublishBulletinResponse published;
    s = Publish(*d, kOffice, "2020-07", "pub-1", &published);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(published.publication().policy_name(), "points-behind-10-30");
    EXPECT_EQ(d->Stop(), 0);
  }
  // The same log under the other investment policy.
  const std::string policies = dir_ / "policies";
  std::filesystem::copy(SourceDir() + "/workflows/policies", policies,
                        std::filesystem::copy_options::recursive);
  testing::WriteFile(
      policies + "/investment/points-behind-10-30.textproto",
      testing::ReadFile(SourceDir() +
                        "/workflows/policies/investment/half-of-time-progress.textproto"));
  auto d = Start("2020-08-02", policies);
  ASSERT_NE(d, nullptr);
  v1::Ledger::Stub ledger(Connect(d->address()));
  v1::Reports::Stub reports(Connect(d->address()));
  v1::BulletinRequest month;
  month.set_month("2020-07");
  v1::Bulletin live;
  ASSERT_TRUE(ledger.GetBulletin(Call(kAuditor).get(), month, &live).ok());
  EXPECT_EQ(live.investment().light(), v1::LIGHT_YELLOW);  // the policy now loaded

  v1::VerifyBulletinRequest verify;
  verify.set_month("2020-07");
  v1::VerifyBulletinResponse checked;
  grpc::Status s = reports.VerifyBulletin(Call(kAuditor).get(), verify, &checked);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(checked.ok());
  EXPECT_TRUE(checked.figures_match()) << ::testing::PrintToString(checked.differing_fields());
  EXPECT_TRUE(checked.rule_recorded());
  EXPECT_EQ(checked.policy_name(), "points-behind-10-30");
  EXPECT_EQ(checked.investment_rule().measure(), v1::INVESTMENT_GAP_MEASURE_POINTS);
  EXPECT_EQ(checked.html_rerender(), v1::HTML_RERENDER_MATCHES);
  v1::BulletinDocumentRequest html;
  html.set_month("2020-07");
  html.set_format(v1::DOCUMENT_FORMAT_HTML);
  v1::Document kept;
  ASSERT_TRUE(reports.GetBulletinDocument(Call(kAuditor).get(), html, &kept).ok());
  EXPECT_EQ(kept.sha256_hex(), checked.publication().html_sha256());
  CommandResult r = Cli(*d, kAuditor, {"bulletin", "verify", "2020-07"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("发布时记录的投资亮灯规则（points-behind-10-30）"));
  EXPECT_EQ(d->Stop(), 0);
}

TEST_F(BulletinServerTest, ASlipPrintsAsOnePage) {
  auto d = Start("2020-06-29");
  ASSERT_NE(d, nullptr);
  v1::Ledger::Stub ledger(Connect(d->address()));
  v1::Reports::Stub reports(Connect(d->address()));
  CommandResult r = Cli(*d, kOffice,
                        {"task", "create", "wuyue-plot5", "--request-id", "create-1",
                         "project_code=2020-530115-72-01-000001", "title=5号地块<征地>",
                         "responsible_units=区自然资源局", "responsible_leader=王副区长",
                         "deadline.rule.kind=fixed_date", "deadline.rule.fixed_date=2020-07-15"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NO_FATAL_FAILURE(Advance(*d, 20));  // to 07-19: the warning and the notice
  v1::GetRequest get;
  get.set_id("wuyue-plot5");
  v1::TaskReply task;
  ASSERT_TRUE(ledger.GetTask(Call(kAuditor).get(), get, &task).ok());
  std::string notice;
  for (const auto& rung : task.state().rungs()) {
    if (rung.raised().issues() == v1::ISSUE_SUPERVISION_NOTICE)
      notice = rung.raised().slip_number();
  }
  ASSERT_FALSE(notice.empty());

  v1::SlipDocumentRequest request;
  request.set_slip_number(notice);
  request.set_format(v1::DOCUMENT_FORMAT_PDF);
  v1::Document slip;
  grpc::Status s = reports.GetSlipDocument(Call(kResources).get(), request, &slip);
  ASSERT_TRUE(s.ok()) << s.error_message();
  testing::WriteFile(dir_ / "slip.pdf", slip.content());
  EXPECT_THAT(Output("pdfinfo " + (dir_ / "slip.pdf")), HasSubstr("Pages:           1\n"));
  const std::string text = Output("pdftotext " + (dir_ / "slip.pdf") + " - | tr -d ' '");
  EXPECT_THAT(text, HasSubstr("督办通知单"));
  EXPECT_THAT(text, HasSubstr(notice));
  EXPECT_THAT(text, HasSubstr("区自然资源局"));
  EXPECT_THAT(text, HasSubstr("5号地块<征地>"));
  EXPECT_THAT(text, HasSubstr("王副区长"));
  EXPECT_THAT(slip.filename(), HasSubstr("督办通知单-task_wuyue-plot5"));

  // The HTML through the CLI; an unknown slip; a caller who may not read it.
  r = Cli(*d, kAuditor, {"slip", notice, "--html", dir_ / "slip.html"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(testing::ReadFile(dir_ / "slip.html"), HasSubstr("5号地块&lt;征地&gt;"));
  request.set_format(v1::DOCUMENT_FORMAT_HTML);
  request.set_slip_number("task/wuyue-plot5/1/no-such-rung");
  EXPECT_EQ(reports.GetSlipDocument(Call(kAuditor).get(), request, &slip).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_slip_number("task/nothing/1/notice");
  EXPECT_EQ(reports.GetSlipDocument(Call(kAuditor).get(), request, &slip).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_slip_number(notice);
  EXPECT_EQ(reports.GetSlipDocument(Call(kEnterprise).get(), request, &slip).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  request.set_format(v1::DOCUMENT_FORMAT_XLSX);
  EXPECT_EQ(reports.GetSlipDocument(Call(kAuditor).get(), request, &slip).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(d->Stop(), 0);
}

// Appends `events` to the log in `data_dir` (the server not running), each
// carrying its blobs; returns the head.
struct ForgedEvent {
  std::string stream;
  v1::BulletinEvent event;
  std::vector<std::string> blobs;
};
uint64_t SeedForged(const std::string& data_dir, const std::vector<ForgedEvent>& events) {
  ManualClock clock(testing::TestStart());
  auto log = store::OpenEventLog(data_dir, clock);
  if (!log.ok()) {
    ADD_FAILURE() << log.status();
    return 0;
  }
  int n = 0;
  for (const ForgedEvent& f : events) {
    clock.Advance(absl::Minutes(1));
    store::AppendRequest request;
    request.stream = f.stream;
    request.request_id = absl::StrCat("forged-", ++n);
    store::NewEvent ne;
    ne.type = "bulletin.Published";
    ne.actor = "supervision:区政府目督办";
    ne.payload = f.event.SerializeAsString();
    for (const std::string& b : f.blobs) ne.blob_digests.push_back(store::Sha256(b));
    request.events.push_back(std::move(ne));
    request.blobs = f.blobs;
    auto r = (*log)->Append(std::move(request));
    if (!r.ok()) ADD_FAILURE() << r.status();
  }
  return (*log)->HeadPosition();
}

// Publications written into the log behind the server's back: the auditor's
// check names what differs, says plainly when the template has changed since
// publication, and reads an older publication (documents in the event, no
// rule, no template) as well as it can.
TEST_F(BulletinServerTest, VerificationCatchesForgedPublications) {
  // The true figures of a month of a log with no project, by a rule.
  auto rule_of = [](const std::string& name) {
    auto policy = workflows::LoadProjectPolicy(SourceDir() + "/workflows/policies/investment/" +
                                               name + ".textproto");
    EXPECT_TRUE(policy.ok()) << policy.status();
    return policy.ok() ? policy->investment() : v1::InvestmentLightRule();
  };
  auto figures = [](int month, const v1::InvestmentLightRule& rule) {
    workflows::BulletinBuilder builder({absl::CivilMonth(2020, month), rule});
    builder.set_through_position(1);
    return builder.Build();
  };
  const std::string current_template =
      Hex(std::string(reports::EmbeddedTemplate(reports::kBulletinTemplate)));
  auto publication = [&](int month, v1::Bulletin b, const v1::InvestmentLightRule& rule,
                         const std::string& name, const std::string& template_sha256,
                         const std::string& pdf, const std::string& html) {
    ForgedEvent f;
    f.stream = absl::StrFormat("bulletin/2020-%02d", month);
    v1::BulletinPublished* e = f.event.mutable_published();
    e->set_month(absl::StrFormat("2020-%02d", month));
    e->set_through_position(1);
    e->set_figures_sha256(workflows::BulletinDigest(b));  // consistent with itself
    *e->mutable_figures() = std::move(b);
    *e->mutable_investment_rule() = rule;
    e->set_policy_name(name);
    e->set_template_sha256(template_sha256);
    e->set_pdf_sha256(Hex(pdf));
    e->set_html_sha256(Hex(html));
    e->set_pdf_bytes(pdf.size());
    e->set_html_bytes(html.size());
    e->set_published_by("supervision:区政府目督办");
    e->set_issuing_office("重点项目推进办公室");
    f.blobs = {pdf, html};
    return f;
  };
  const auto points = rule_of("points-behind-10-30"), share = rule_of("half-of-time-progress");

  // July: figures not the log's (a project count and the investment), an HTML
  // that the figures do not render to, with the template compiled in now.
  v1::Bulletin july = figures(7, points);
  july.set_project_count(7);
  july.mutable_investment()->set_completed_yuan(1);
  ForgedEvent forged_july = publication(7, july, points, "points-behind-10-30", current_template,
                                        "%PDF-1.4 forged", "<p>forged</p>");
  // June: the log's figures by the rule recorded (not the one loaded), but a
  // template other than the one compiled in: not compared, and said so.
  ForgedEvent june = publication(6, figures(6, share), share, "half-of-time-progress",
                                 std::string(64, '0'), "%PDF-1.4 june", "<p>june</p>");
  // May, as publications were recorded before the documents were blobs: the
  // bytes in the event, an HTML whose digest is another's, no rule, no template.
  ForgedEvent may;
  may.stream = "bulletin/2020-05";
  {
    v1::BulletinPublished* e = may.event.mutable_published();
    e->set_month("2020-05");
    e->set_through_position(1);
    *e->mutable_figures() = figures(5, points);
    e->set_figures_sha256(workflows::BulletinDigest(e->figures()));
    e->set_pdf("%PDF-1.4 may");
    e->set_pdf_sha256(Hex(e->pdf()));
    e->set_html("<p>may</p>");
    e->set_html_sha256(Hex("<p>another</p>"));
    e->set_published_by("supervision:区政府目督办");
  }
  ASSERT_EQ(SeedForged(dir_ / "data", {forged_july, june, may}), 3u);
  auto d = Start("");
  ASSERT_NE(d, nullptr);
  auto check = [&](const std::string& month) { return Verify(*d, month); };
  auto fields = [](const auto& repeated) {
    return std::vector<std::string>(repeated.begin(), repeated.end());
  };

  v1::VerifyBulletinResponse checked = check("2020-07");
  EXPECT_FALSE(checked.ok());
  EXPECT_FALSE(checked.figures_match());
  EXPECT_NE(checked.recomputed_figures_sha256(), checked.publication().figures_sha256());
  EXPECT_THAT(fields(checked.differing_fields()),
              ::testing::ElementsAre("project_count", "investment"));
  EXPECT_THAT(fields(checked.differing_field_labels()),
              ::testing::ElementsAre("在库项目数", "投资完成情况"));
  EXPECT_EQ(checked.pdf_integrity(), v1::DOCUMENT_INTEGRITY_INTACT);
  EXPECT_EQ(checked.html_integrity(), v1::DOCUMENT_INTEGRITY_INTACT);
  EXPECT_EQ(checked.html_rerender(), v1::HTML_RERENDER_DIFFERS);
  CommandResult r = Cli(*d, kAuditor, {"bulletin", "verify", "2020-07"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("按日志重算与发布记录不一致"));
  EXPECT_THAT(r.out, HasSubstr("不一致的数据项：在库项目数、投资完成情况"));
  EXPECT_THAT(r.out, HasSubstr("按记录的数据重新生成与留存网页不一致"));
  EXPECT_THAT(r.out, HasSubstr("核验未通过"));
  EXPECT_THAT(r.out, Not(HasSubstr("project_count")));

  checked = check("2020-06");
  EXPECT_TRUE(checked.ok());
  EXPECT_TRUE(checked.figures_match()) << ::testing::PrintToString(checked.differing_fields());
  EXPECT_TRUE(checked.rule_recorded());
  EXPECT_EQ(checked.investment_rule().measure(), v1::INVESTMENT_GAP_MEASURE_SHARE_OF_TIME_PROGRESS);
  EXPECT_EQ(checked.html_rerender(), v1::HTML_RERENDER_TEMPLATE_CHANGED);
  EXPECT_EQ(checked.template_sha256(), current_template);
  r = Cli(*d, kAuditor, {"bulletin", "verify", "2020-06"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("按记录的数据重新生成模板已更改，未比对"));
  EXPECT_THAT(r.out, HasSubstr("当前模板摘要 " + current_template));
  EXPECT_THAT(r.out, HasSubstr("核验通过"));

  checked = check("2020-05");
  EXPECT_FALSE(checked.ok());
  EXPECT_TRUE(checked.figures_match());
  EXPECT_FALSE(checked.rule_recorded());
  EXPECT_EQ(checked.policy_name(), "points-behind-10-30");  // the policy loaded now
  EXPECT_EQ(checked.pdf_integrity(), v1::DOCUMENT_INTEGRITY_INTACT);
  EXPECT_EQ(checked.html_integrity(), v1::DOCUMENT_INTEGRITY_ALTERED);
  EXPECT_FALSE(checked.html_matches());
  EXPECT_EQ(checked.html_rerender(), v1::HTML_RERENDER_NOT_RECORDED);
  r = Cli(*d, kAuditor, {"bulletin", "verify", "2020-05"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("发布时未记录规则，按当前加载的政策"));
  EXPECT_THAT(r.out, HasSubstr("网页：留存文件已被改动"));
  // An older publication's documents are still read from its event.
  v1::Reports::Stub reports(Connect(d->address()));
  v1::BulletinDocumentRequest pdf;
  pdf.set_month("2020-05");
  pdf.set_format(v1::DOCUMENT_FORMAT_PDF);
  v1::Document kept;
  ASSERT_TRUE(reports.GetBulletinDocument(Call(kAuditor).get(), pdf, &kept).ok());
  EXPECT_EQ(kept.content(), "%PDF-1.4 may");
  pdf.set_month("2020-07");
  ASSERT_TRUE(reports.GetBulletinDocument(Call(kAuditor).get(), pdf, &kept).ok());
  EXPECT_EQ(kept.content(), "%PDF-1.4 forged");

  // The month counts as published: it is not published again.
  v1::PublishBulletinResponse refused;
  grpc::Status again = Publish(*d, kOffice, "2020-07", "pub-1", &refused);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(again.error_message(), HasSubstr("督查室 区政府目督办"));
  EXPECT_EQ(d->Stop(), 0);
}

// A publication's signed checkpoint checked against the log and the keys:
// each way a printed checkpoint can be wrong is named, and counts.
TEST_F(BulletinServerTest, ThePrintedCheckpointIsCheckedAgainstTheLogAndItsKeys) {
  auto server_key = proof::SigningKey::Generate();
  ASSERT_TRUE(server_key->Write(dir_ / "signing-key.pem").ok());
  auto stranger = proof::SigningKey::Generate();

  // One record that no bulletin counts, then the publications, each
  // carrying a checkpoint of that one record.
  ManualClock clock(testing::TestStart());
  std::string root;
  {
    auto log = store::OpenEventLog(dir_ / "data", clock);
    ASSERT_TRUE(log.ok()) << log.status();
    store::AppendRequest first;
    first.stream = "note/1";
    first.request_id = "note-1";
    store::NewEvent note;
    note.type = "note.Written";
    note.actor = "admin:ops";
    first.events.push_back(note);
    ASSERT_TRUE((*log)->Append(first).ok());
    root = *(*log)->MerkleRoot(1);
  }
  const auto rule = workflows::LoadProjectPolicy(SourceDir() +
                                                 "/workflows/policies/investment/"
                                                 "points-behind-10-30.textproto")
                        ->investment();
  auto publication = [&](int month, const proof::SigningKey& key, const std::string& signed_root,
                         bool spoil_signature) {
    ForgedEvent f;
    f.stream = absl::StrFormat("bulletin/2020-%02d", month);
    v1::BulletinPublished* e = f.event.mutable_published();
    e->set_month(absl::StrFormat("2020-%02d", month));
    e->set_through_position(1);
    workflows::BulletinBuilder builder({absl::CivilMonth(2020, month), rule});
    builder.set_through_position(1);
    *e->mutable_figures() = builder.Build();
    e->set_figures_sha256(workflows::BulletinDigest(e->figures()));
    *e->mutable_investment_rule() = rule;
    e->set_policy_name("points-behind-10-30");
    e->set_template_sha256(std::string(64, '0'));  // not rendered again
    const std::string pdf = absl::StrCat("%PDF-1.4 ", month), html = absl::StrCat("<p>", month);
    e->set_pdf_sha256(Hex(pdf));
    e->set_html_sha256(Hex(html));
    e->set_published_by("supervision:区政府目督办");
    v1::SignedCheckpoint* c = e->mutable_checkpoint();
    c->set_size(1);
    c->set_root(signed_root);
    c->set_time_us(absl::ToUnixMicros(testing::TestStart()));
    c->set_key_id(key.id());
    c->set_signature(key.Sign(proof::CheckpointText(*c)));
    if (spoil_signature) (*c->mutable_signature())[7] ^= 0x20;
    e->set_checkpoint_public_key(key.public_key());
    f.blobs = {pdf, html};
    return f;
  };
  ASSERT_EQ(
      SeedForged(dir_ / "data",
                 {publication(3, *server_key, root, false), publication(4, *stranger, root, false),
                  publication(5, *server_key, store::Sha256("another log"), false),
                  publication(6, *server_key, root, true)}),
      5u);
  auto d = Start("");
  ASSERT_NE(d, nullptr);
  auto check = [&](const std::string& month) { return Verify(*d, month); };
  v1::VerifyBulletinResponse checked = check("2020-03");
  EXPECT_EQ(checked.checkpoint(), v1::CHECKPOINT_CHECK_VALID);
  EXPECT_TRUE(checked.figures_match());
  EXPECT_TRUE(checked.ok());
  checked = check("2020-04");
  EXPECT_EQ(checked.checkpoint(), v1::CHECKPOINT_CHECK_UNKNOWN_KEY);
  EXPECT_FALSE(checked.ok());
  checked = check("2020-05");
  EXPECT_EQ(checked.checkpoint(), v1::CHECKPOINT_CHECK_ROOT_DIFFERS);
  EXPECT_FALSE(checked.ok());
  checked = check("2020-06");
  EXPECT_EQ(checked.checkpoint(), v1::CHECKPOINT_CHECK_BAD_SIGNATURE);
  EXPECT_FALSE(checked.ok());

  CommandResult r = Cli(*d, kAuditor, {"bulletin", "verify", "2020-05"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("签名检查点：签署的默克尔根与日志不符"));
  EXPECT_THAT(r.out, HasSubstr("核验未通过"));
  r = Cli(*d, kAuditor, {"bulletin", "verify", "2020-04"});
  EXPECT_THAT(r.out, HasSubstr("签名检查点：签名密钥不属于本日志"));
  r = Cli(*d, kAuditor, {"bulletin", "verify", "2020-03"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(d->Stop(), 0);

  // Away from the server, the offline verifier finds the same three in the
  // log's files, each at its record, and passes the true one.
  CommandResult offline =
      testing::RunCommand({TAIZHANG_VERIFY_PATH, dir_ / "data", "--key",
                           store::ToHex(server_key->public_key()), "--no-replay"});
  EXPECT_EQ(offline.exit_code, 1) << offline.out << offline.err;
  EXPECT_THAT(offline.out,
              HasSubstr("第 3 条记录（通报）所载的检查点由不受信任的密钥 " + stranger->id()));
  EXPECT_THAT(offline.out, HasSubstr("第 4 条记录（通报）所载的检查点的默克尔根与本副本"));
  EXPECT_THAT(offline.out, HasSubstr("第 5 条记录（通报）所载的检查点签名不符"));
  EXPECT_THAT(offline.out, Not(HasSubstr("第 2 条记录（通报）")));
  EXPECT_THAT(offline.out, HasSubstr("通报 4 份"));
}

}  // namespace
}  // namespace taizhang
