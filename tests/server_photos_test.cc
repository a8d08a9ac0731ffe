// Photos and documents (图片库, 形象进度) through the real taizhangd over gRPC:
// every file checked by its bytes before anything is written (a PNG declared
// as JPEG, a truncated file, a text, an oversized file, too many: refused,
// naming the file, the log's head unchanged); a retried upload answered with
// its first result; attachments of a project's image progress, a node report
// and a task's progress report read back byte for byte by those who may read
// them and refused to a leader who is not responsible; the chain verified
// with its blobs. A visit's photos the same way, through gRPC and the CLI's
// --file; and the HTTP side's photo answered 304 to a copy it already has.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/testing/http_client.h"
#include "services/testing/server_harness.h"
#include "store/sha256.h"
#include "taizhang/v1/service.grpc.pb.h"
#include "workflows/attachments.h"
#include "workflows/testing/attachment_files.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using ::testing::HasSubstr;
using testing::HeadPosition;
using testing::HttpGet;
using testing::HttpReply;
using testing::TempDir;
using testing::TokenLine;
using workflows::DigestHex;
using workflows::testing::File;
using workflows::testing::Jpeg;
using workflows::testing::Pdf;
using workflows::testing::Png;

constexpr char kAdmin[] = "admin-0123456789abcdef";
constexpr char kOffice[] = "office-0123456789abcdef";
constexpr char kUnit[] = "zhujian-0123456789abcdef";
constexpr char kOther[] = "jiaotong-0123456789abcdef";
constexpr char kLeader[] = "leader-0123456789abcdef";        // 王副区长, responsible for kMine
constexpr char kOtherLeader[] = "leader2-0123456789abcdef";  // 李副区长
constexpr char kMine[] = "2017-410185-48-01-000101";
constexpr char kTheirs[] = "2017-410185-48-01-000102";

std::string TokensText() {
  return absl::StrCat(
      TokenLine(kAdmin, "admin", "ops"), TokenLine(kOffice, "supervision", "督查室"),
      TokenLine(kUnit, "department", "住建局"), TokenLine(kOther, "department", "交通局"),
      TokenLine(kLeader, "leader", "王副区长"), TokenLine(kOtherLeader, "leader", "李副区长"));
}

v1::RegisterProjectRequest Register(const std::string& code, const std::string& leader) {
  v1::RegisterProjectRequest r;
  r.mutable_header()->set_request_id(absl::StrCat("reg-", code));
  r.set_project_code(code);
  v1::ProjectInfo* info = r.mutable_register_()->mutable_info();
  info->set_code(code);
  info->set_name(absl::StrCat("项目", code.substr(code.size() - 3)));
  info->set_level(v1::PROJECT_LEVEL_DISTRICT);
  info->set_owner("华龙某公司");
  info->set_total_investment_yuan(100'000'000);
  info->set_plan_year(2017);
  info->set_responsible_leader(leader);
  info->set_lead_unit("住建局");
  info->set_initial_stage(v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
  info->set_started_on("2016-11-01");
  return r;
}

v1::RecordProjectImageProgressRequest Image(const std::string& request_id,
                                            std::vector<v1::Attachment> files) {
  v1::RecordProjectImageProgressRequest r;
  r.mutable_header()->set_request_id(request_id);
  r.set_project_code(kMine);
  r.mutable_record_image_progress()->set_note("主体施工");
  for (auto& f : files) *r.add_files() = std::move(f);
  return r;
}

class PhotosServerTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::WriteFile(dir_ / "tokens.textproto", TokensText()); }
  std::unique_ptr<Daemon> Start() {
    return testing::StartDaemon(dir_, {"--clock", "manual", "--start", "2017-03-06",
                                       "--policies-dir", testing::PoliciesDir()});
  }
  TempDir dir_;
};

TEST_F(PhotosServerTest, FilesAreCheckedWrittenWithTheirEventsAndReadOnlyByThoseWhoMay) {
  auto d = Start();
  ASSERT_NE(d, nullptr);
  v1::Projects::Stub projects(Connect(d->address()));
  v1::Photos::Stub photos(Connect(d->address()));
  v1::Tasks::Stub tasks(Connect(d->address()));
  v1::ProjectReply reply;
  ASSERT_TRUE(
      projects.RegisterProject(Call(kOffice).get(), Register(kMine, "王副区长"), &reply).ok());
  ASSERT_TRUE(
      projects.RegisterProject(Call(kOffice).get(), Register(kTheirs, "李副区长"), &reply).ok());

  // Bad files: refused naming the file, nothing written.
  const uint64_t head = HeadPosition(*d, kAdmin);
  const std::string jpeg = Jpeg("三月"), png = Png("塔吊");
  struct Bad {
    std::vector<v1::Attachment> files;
    const char* names;
  };
  std::vector<v1::Attachment> seven;
  for (int i = 0; i < 7; ++i) {
    seven.push_back(File(absl::StrCat(i, ".jpg"), "image/jpeg", Jpeg(absl::StrCat(i))));
  }
  const std::vector<Bad> bad = {
      {{File("ok.jpg", "image/jpeg", jpeg), File("塔吊.jpg", "image/jpeg", png)},
       "files[1] '塔吊.jpg'"},
      {{File("cut.jpg", "image/jpeg", jpeg.substr(0, jpeg.size() / 2))}, "files[0] 'cut.jpg'"},
      {{File("说明.txt", "text/plain", "本月完成主体三层")}, "files[0] '说明.txt'"},
      {{File("big.jpg", "image/jpeg", Jpeg("x", 5 << 20))}, "files[0] 'big.jpg'"},
      {{File("plan.pdf", "application/pdf", Pdf("x"))}, "files[0] 'plan.pdf'"},
      {seven, "最多 6 个"},
  };
  for (const Bad& b : bad) {
    grpc::Status s =
        photos.RecordProjectImageProgress(Call(kUnit).get(), Image("bad", b.files), &reply);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << b.names;
    EXPECT_NE(s.error_message().find(b.names), std::string::npos) << s.error_message();
  }
  // Attachments named by the client itself, without their bytes.
  v1::RecordProjectImageProgressRequest forged = Image("forged", {});
  auto* ref = forged.mutable_record_image_progress()->add_attachments();
  ref->set_sha256(DigestHex(store::Sha256(jpeg)));
  ref->set_media_type("image/jpeg");
  ref->set_size(10);
  ref->set_name("x.jpg");
  EXPECT_EQ(photos.RecordProjectImageProgress(Call(kUnit).get(), forged, &reply).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Another unit may not add to the project's library.
  EXPECT_EQ(photos
                .RecordProjectImageProgress(
                    Call(kOther).get(), Image("other", {File("a.jpg", "image/jpeg", jpeg)}), &reply)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(HeadPosition(*d, kAdmin), head);

  // A good upload, then its retry.
  const auto good =
      Image("img-1", {File("三月.jpg", "image/jpeg", jpeg), File("塔吊.png", "image/png", png)});
  grpc::Status s = photos.RecordProjectImageProgress(Call(kUnit).get(), good, &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(reply.result().duplicate());
  ASSERT_EQ(reply.state().photos_size(), 2);
  EXPECT_EQ(reply.state().photos(0).attachment().sha256(), DigestHex(store::Sha256(jpeg)));
  EXPECT_EQ(reply.view().last_photo_on(), "2017-03-06");
  const uint64_t first = reply.result().first_position();
  const uint64_t after = HeadPosition(*d, kAdmin);
  v1::ProjectReply retried;
  ASSERT_TRUE(photos.RecordProjectImageProgress(Call(kUnit).get(), good, &retried).ok());
  EXPECT_TRUE(retried.result().duplicate());
  EXPECT_EQ(retried.result().first_position(), first);
  EXPECT_EQ(retried.state().photos_size(), 2);
  EXPECT_EQ(HeadPosition(*d, kAdmin), after);

  // A node report with a document; a task's progress report with a photo.
  v1::PlanProjectNodeRequest plan;
  plan.mutable_header()->set_request_id("plan-roof");
  plan.set_project_code(kMine);
  plan.mutable_plan_node()->set_node_id("roof");
  plan.mutable_plan_node()->set_name("主体封顶");
  plan.mutable_plan_node()->set_due_on("2017-06-30");
  ASSERT_TRUE(projects.PlanProjectNode(Call(kUnit).get(), plan, &reply).ok());
  v1::ReportProjectNodeDoneRequest done;
  done.mutable_header()->set_request_id("roof-done");
  done.set_project_code(kMine);
  done.mutable_report_node_done()->set_node_id("roof");
  *done.add_files() = File("验收记录.pdf", "application/pdf", Pdf("验收"));
  s = projects.ReportProjectNodeDone(Call(kUnit).get(), done, &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::CreateTaskRequest create;
  create.mutable_header()->set_request_id("t-1");
  create.set_task_id("t-1");
  create.mutable_create()->set_task_id("t-1");
  create.mutable_create()->set_project_code(kMine);
  create.mutable_create()->set_title("塔吊基础施工");
  create.mutable_create()->add_responsible_units("住建局");
  create.mutable_create()->set_responsible_leader("王副区长");
  create.mutable_create()->mutable_deadline()->mutable_rule()->set_kind(
      v1::DeadlineRule::FIXED_DATE);
  create.mutable_create()->mutable_deadline()->mutable_rule()->set_fixed_date("2017-04-28");
  v1::TaskReply task;
  ASSERT_TRUE(tasks.CreateTask(Call(kOffice).get(), create, &task).ok());
  v1::ReportTaskProgressRequest progress;
  progress.mutable_header()->set_request_id("t-1-p");
  progress.set_task_id("t-1");
  progress.mutable_report_progress()->set_percent(40);
  progress.mutable_report_progress()->set_text("基础完成");
  *progress.add_files() = File("基础.jpg", "image/jpeg", Jpeg("基础"));
  s = tasks.ReportTaskProgress(Call(kUnit).get(), progress, &task);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(task.state().progress(0).attachments_size(), 1);
  // A progress report with a bad file writes nothing either.
  const uint64_t before_bad = HeadPosition(*d, kAdmin);
  progress.mutable_header()->set_request_id("t-1-bad");
  progress.mutable_files(0)->set_media_type("image/png");
  s = tasks.ReportTaskProgress(Call(kUnit).get(), progress, &task);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("files[0] '基础.jpg'"), std::string::npos) << s.error_message();
  EXPECT_EQ(HeadPosition(*d, kAdmin), before_bad);
  // A later report, without files: the first report is no longer in the
  // task's live state (which keeps the latest report); its photo is still
  // served below, from the task's full state, which the reply shows whole.
  v1::ReportTaskProgressRequest later;
  later.mutable_header()->set_request_id("t-1-p2");
  later.set_task_id("t-1");
  later.mutable_report_progress()->set_percent(60);
  later.mutable_report_progress()->set_text("主体施工");
  s = tasks.ReportTaskProgress(Call(kUnit).get(), later, &task);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(task.state().progress_size(), 2);
  EXPECT_EQ(task.state().progress(0).attachments_size(), 1);

  // Read back: by the office, by the project's own leader; not by another.
  auto get = [&](const char* token, const std::string& code, const std::string& task_id,
                 const std::string& bytes, v1::GetAttachmentResponse* out) {
    v1::GetAttachmentRequest r;
    r.set_project_code(code);
    r.set_task_id(task_id);
    r.set_sha256(DigestHex(store::Sha256(bytes)));
    return photos.GetAttachment(Call(token).get(), r, out);
  };
  v1::GetAttachmentResponse got;
  ASSERT_TRUE(get(kOffice, kMine, "", png, &got).ok());
  EXPECT_EQ(got.bytes(), png);
  EXPECT_EQ(got.attachment().media_type(), "image/png");
  EXPECT_EQ(got.attachment().name(), "塔吊.png");
  ASSERT_TRUE(get(kLeader, kMine, "", Pdf("验收"), &got).ok());
  EXPECT_EQ(got.bytes(), Pdf("验收"));
  ASSERT_TRUE(get(kLeader, "", "t-1", Jpeg("基础"), &got).ok());
  EXPECT_EQ(got.bytes(), Jpeg("基础"));
  EXPECT_EQ(get(kOtherLeader, kMine, "", jpeg, &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(get(kOtherLeader, "", "t-1", Jpeg("基础"), &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A digest the project does not name, even one the log holds: not found.
  EXPECT_EQ(get(kOffice, kTheirs, "", jpeg, &got).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(get(kOffice, kMine, "", "never sent", &got).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::GetAttachmentRequest both;
  both.set_project_code(kMine);
  both.set_task_id("t-1");
  both.set_sha256(DigestHex(store::Sha256(jpeg)));
  EXPECT_EQ(photos.GetAttachment(Call(kOffice).get(), both, &got).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // The chain with its blobs: four distinct files, each hashed.
  EXPECT_EQ(d->Stop(), 0);
  const store::VerifyResult v = testing::OfflineVerify(dir_ / "data");
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.blobs_checked, 4u);
}

// A visit's photos: checked, written with the visit, served to those who may
// read the project and refused to others.
TEST_F(PhotosServerTest, AVisitsPhotosAreCheckedKeptAndServedToThoseWhoMayReadTheProject) {
  auto d = Start();
  ASSERT_NE(d, nullptr);
  v1::Projects::Stub projects(Connect(d->address()));
  v1::Photos::Stub photos(Connect(d->address()));
  v1::ProjectReply reply;
  ASSERT_TRUE(
      projects.RegisterProject(Call(kOffice).get(), Register(kMine, "王副区长"), &reply).ok());
  const std::string jpeg = Jpeg("走访现场"), png = Png("走访塔吊");
  auto visit = [&](const std::string& request_id, std::vector<v1::Attachment> files) {
    v1::RecordProjectVisitRequest r;
    r.mutable_header()->set_request_id(request_id);
    r.set_project_code(kMine);
    r.mutable_visit()->set_findings("现场查看主体施工进度");
    for (auto& f : files) *r.add_files() = std::move(f);
    return r;
  };

  // A PNG declared as JPEG, a text: refused naming the file, nothing written.
  const uint64_t head = HeadPosition(*d, kAdmin);
  grpc::Status s = projects.RecordProjectVisit(
      Call(kLeader).get(), visit("v-bad", {File("现场.jpg", "image/jpeg", png)}), &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("files[0] '现场.jpg'"));
  s = projects.RecordProjectVisit(Call(kLeader).get(),
                                  visit("v-txt", {File("说明.txt", "text/plain", "文字")}), &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Attachments named by hand instead of sent as files: refused.
  v1::RecordProjectVisitRequest forged = visit("v-forged", {});
  forged.mutable_visit()->add_attachments()->set_sha256(DigestHex(store::Sha256(jpeg)));
  EXPECT_EQ(projects.RecordProjectVisit(Call(kLeader).get(), forged, &reply).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(HeadPosition(*d, kAdmin), head);

  // The project's leader, with a photo; retried: the first result.
  v1::RecordProjectVisitRequest good = visit("v-1", {File("现场.jpg", "image/jpeg", jpeg)});
  s = projects.RecordProjectVisit(Call(kLeader).get(), good, &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(reply.state().visits_size(), 1);
  ASSERT_EQ(reply.state().visits(0).recorded().attachments_size(), 1);
  EXPECT_EQ(reply.state().visits(0).recorded().attachments(0).sha256(),
            DigestHex(store::Sha256(jpeg)));
  ASSERT_EQ(reply.view().latest_photos_size(), 1);
  EXPECT_EQ(reply.view().latest_photos(0).source(), "visit/1");
  const uint64_t after = HeadPosition(*d, kAdmin);
  v1::ProjectReply retried;
  ASSERT_TRUE(projects.RecordProjectVisit(Call(kLeader).get(), good, &retried).ok());
  EXPECT_EQ(retried.state().visits_size(), 1);
  EXPECT_EQ(HeadPosition(*d, kAdmin), after);

  // The CLI: `taizhang project visit ... --file`.
  const std::string png_path = dir_ / "塔吊.png";
  testing::WriteFile(png_path, png);
  testing::CommandResult cli = testing::RunCli(
      *d, kLeader, {"project", "visit", kMine, "findings=塔吊安装", "--file", png_path});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;

  // Read back by the office and the project's leader; not by another leader.
  auto get = [&](const char* token, const std::string& bytes, v1::GetAttachmentResponse* out) {
    v1::GetAttachmentRequest r;
    r.set_project_code(kMine);
    r.set_sha256(DigestHex(store::Sha256(bytes)));
    return photos.GetAttachment(Call(token).get(), r, out);
  };
  v1::GetAttachmentResponse got;
  ASSERT_TRUE(get(kOffice, jpeg, &got).ok());
  EXPECT_EQ(got.bytes(), jpeg);
  EXPECT_EQ(got.attachment().name(), "现场.jpg");
  ASSERT_TRUE(get(kLeader, png, &got).ok());
  EXPECT_EQ(got.bytes(), png);
  EXPECT_EQ(got.attachment().name(), "塔吊.png");
  EXPECT_EQ(get(kOtherLeader, jpeg, &got).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  EXPECT_EQ(d->Stop(), 0);
  const store::VerifyResult v = testing::OfflineVerify(dir_ / "data");
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.blobs_checked, 2u);
}

// GET /photo/<code>/<sha> with If-None-Match: 304 and no body when it names
// the photo's ETag (its digest), the photo otherwise; never to a caller who
// may not read it.
TEST_F(PhotosServerTest, APhotoTheBrowserHasIsAnswered304) {
  auto d =
      testing::StartDaemon(dir_, {"--clock", "manual", "--start", "2017-03-06", "--policies-dir",
                                  testing::PoliciesDir(), "--http", "127.0.0.1:0"});
  ASSERT_NE(d, nullptr);
  const std::string http = testing::HttpAddress(*d);
  ASSERT_FALSE(http.empty());
  v1::Projects::Stub projects(Connect(d->address()));
  v1::Photos::Stub photos(Connect(d->address()));
  v1::ProjectReply reply;
  ASSERT_TRUE(
      projects.RegisterProject(Call(kOffice).get(), Register(kMine, "王副区长"), &reply).ok());
  const std::string jpeg = Jpeg("缓存");
  ASSERT_TRUE(
      photos
          .RecordProjectImageProgress(
              Call(kUnit).get(), Image("img-1", {File("三月.jpg", "image/jpeg", jpeg)}), &reply)
          .ok());
  const std::string hex = DigestHex(store::Sha256(jpeg));
  const std::string path = absl::StrCat("/photo/", kMine, "/", hex);
  const std::string office = absl::StrCat("Bearer ", kOffice);
  auto get = [&](const std::string& target, const std::string& auth,
                 const std::string& if_none_match) {
    std::string request = absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: x\r\n");
    if (!auth.empty()) absl::StrAppend(&request, "Authorization: ", auth, "\r\n");
    if (!if_none_match.empty()) absl::StrAppend(&request, "If-None-Match: ", if_none_match, "\r\n");
    return testing::HttpExchange(http, request + "\r\n");
  };

  // The first fetch: 200, the bytes, the digest as ETag.
  HttpReply first = get(path, office, "");
  ASSERT_EQ(first.status, 200) << first.head;
  EXPECT_EQ(first.body, jpeg);
  EXPECT_THAT(first.head, HasSubstr(absl::StrCat("ETag: \"", hex, "\"")));
  // Again with that ETag: 304, no body, the ETag again.
  HttpReply cached = get(path, office, absl::StrCat("\"", hex, "\""));
  EXPECT_EQ(cached.status, 304) << cached.head;
  EXPECT_TRUE(cached.body.empty());
  EXPECT_THAT(cached.head, HasSubstr(absl::StrCat("ETag: \"", hex, "\"")));
  // In a list, weak, or "*": 304 too.
  EXPECT_EQ(get(path, office, absl::StrCat("\"other\", W/\"", hex, "\"")).status, 304);
  EXPECT_EQ(get(path, office, "*").status, 304);
  // Another ETag, or an unquoted digest: the photo.
  HttpReply other = get(path, office, absl::StrCat("\"", std::string(64, '0'), "\""));
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body, jpeg);
  EXPECT_EQ(get(path, office, hex).status, 200);
  // A leader not responsible for the project: 403 even with the right ETag.
  EXPECT_EQ(get(path, absl::StrCat("Bearer ", kOtherLeader), absl::StrCat("\"", hex, "\"")).status,
            403);
  // No such digest in the project: 404, whatever the ETag.
  const std::string missing = absl::StrCat("/photo/", kMine, "/", std::string(64, 'a'));
  EXPECT_EQ(get(missing, office, absl::StrCat("\"", std::string(64, 'a'), "\"")).status, 404);
  EXPECT_EQ(d->Stop(), 0);
}

}  // namespace
}  // namespace taizhang
