// Photo evidence of image progress (形象进度, 图片库): files checked by their
// bytes, carried as blobs of the log with the events that name them, covered
// by the chain; and the monthly photo judgement of a project under
// construction (Hualong 2017, seeds/003: "建立重点项目图片库，每月更新以图片为
// 依据督导项目形象进度完成情况").
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/format.h"
#include "store/sha256.h"
#include "store/testing/raw_log.h"
#include "workflows/attachments.h"
#include "workflows/principal.h"
#include "workflows/testing/attachment_files.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using testing::File;
using ::testing::HasSubstr;
using testing::Jpeg;
using testing::Pdf;
using testing::Png;

constexpr char kOffice[] = "supervision:督查室";
constexpr char kUnit[] = "department:住建局";
constexpr char kCode[] = "2017-410185-48-01-000101";

absl::Time At(int y, int m, int d, int h = 10, int min = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, h, min), engine::ChinaTime());
}

v1::AttachmentPolicy Policy(int64_t max_bytes = 1000, int per_report = 3) {
  v1::AttachmentPolicy p;
  p.set_name("test");
  p.set_max_bytes(max_bytes);
  p.set_max_per_report(per_report);
  p.add_media_types(kMediaJpeg);
  p.add_media_types(kMediaPng);
  p.add_media_types(kMediaPdf);
  return p;
}

google::protobuf::RepeatedPtrField<v1::Attachment> Files(std::vector<v1::Attachment> files) {
  google::protobuf::RepeatedPtrField<v1::Attachment> out;
  for (auto& f : files) *out.Add() = std::move(f);
  return out;
}

// --- The checks of a request's files ---

TEST(AttachmentCheckTest, EachKindIsRecognisedByItsBytes) {
  EXPECT_EQ(SniffMediaType(Jpeg("a")), kMediaJpeg);
  EXPECT_EQ(SniffMediaType(Png("a")), kMediaPng);
  EXPECT_EQ(SniffMediaType(Pdf("a")), kMediaPdf);
  EXPECT_EQ(SniffMediaType("今天施工顺利"), "");
  const std::string jpeg = Jpeg("a");
  EXPECT_EQ(SniffMediaType(jpeg.substr(0, jpeg.size() - 1)), "");  // truncated
  const std::string png = Png("a");
  EXPECT_EQ(SniffMediaType(png.substr(0, png.size() - 4)), "");
  const std::string pdf = Pdf("a");
  EXPECT_EQ(SniffMediaType(pdf.substr(0, 12)), "");
}

TEST(AttachmentCheckTest, GoodFilesBecomeRefsAndBlobsKeyedByTheirDigest) {
  const std::string photo = Jpeg("主体施工"), scan = Pdf("验收"), same = Jpeg("主体施工");
  auto checked =
      CheckAttachments(Files({File("a.jpg", kMediaJpeg, photo), File("b.pdf", kMediaPdf, scan),
                              File("a-again.jpg", kMediaJpeg, same)}),
                       Policy(), false, "files");
  ASSERT_TRUE(checked.ok()) << checked.status();
  ASSERT_EQ(checked->refs.size(), 3u);
  EXPECT_EQ(checked->refs[0].sha256(), DigestHex(store::Sha256(photo)));
  EXPECT_EQ(checked->refs[0].sha256().size(), 64u);
  EXPECT_EQ(checked->refs[0].media_type(), kMediaJpeg);
  EXPECT_EQ(checked->refs[0].size(), static_cast<int64_t>(photo.size()));
  EXPECT_EQ(checked->refs[1].name(), "b.pdf");
  // Equal bytes are one blob.
  ASSERT_EQ(checked->blobs.size(), 2u);
  EXPECT_EQ(checked->blobs.at(store::Sha256(photo)), photo);
  EXPECT_EQ(checked->blobs.at(store::Sha256(scan)), scan);
}

TEST(AttachmentCheckTest, ABadFileIsRefusedByName) {
  struct Case {
    v1::Attachment file;
    const char* says;
  };
  const std::string jpeg = Jpeg("x");
  const std::vector<Case> cases = {
      {File("tower.png", kMediaJpeg, Png("x")), "与文件内容（PNG 图片）不符"},
      {File("cut.jpg", kMediaJpeg, jpeg.substr(0, jpeg.size() - 2)), "不是完整的"},
      {File("notes.txt", "text/plain", "今天浇筑三层楼板"), "不是完整的"},
      {File("big.jpg", kMediaJpeg, Jpeg("x", 2000)), "超过上限"},
      {File("empty.jpg", kMediaJpeg, ""), "文件为空"},
  };
  for (const Case& c : cases) {
    auto checked = CheckAttachments(Files({File("ok.jpg", kMediaJpeg, Jpeg("ok")), c.file}),
                                    Policy(), false, "files");
    ASSERT_FALSE(checked.ok()) << c.file.name();
    EXPECT_EQ(checked.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(checked.status().message()),
                HasSubstr(absl::StrCat("files[1] '", c.file.name(), "'")));
    EXPECT_THAT(std::string(checked.status().message()), HasSubstr(c.says)) << c.file.name();
  }
  // A photo library takes no document.
  auto pdf =
      CheckAttachments(Files({File("plan.pdf", kMediaPdf, Pdf("x"))}), Policy(), true, "files");
  EXPECT_THAT(std::string(pdf.status().message()), HasSubstr("图片库只收"));
  // Too many.
  auto many = CheckAttachments(
      Files({File("1.jpg", kMediaJpeg, Jpeg("1")), File("2.jpg", kMediaJpeg, Jpeg("2")),
             File("3.jpg", kMediaJpeg, Jpeg("3")), File("4.jpg", kMediaJpeg, Jpeg("4"))}),
      Policy(), false, "files");
  EXPECT_THAT(std::string(many.status().message()), HasSubstr("最多 3 个"));
  // A type the policy leaves out.
  v1::AttachmentPolicy photos_only = Policy();
  photos_only.clear_media_types();
  photos_only.add_media_types(kMediaJpeg);
  auto png =
      CheckAttachments(Files({File("p.png", kMediaPng, Png("x"))}), photos_only, false, "files");
  EXPECT_THAT(std::string(png.status().message()), HasSubstr("不接受PNG 图片"));
}

TEST(AttachmentPolicyTest, TheShippedPolicyLoadsAndABadOneIsRefusedWithItsLine) {
  auto shipped =
      LoadAttachmentPolicy(::taizhang::testing::PoliciesDir() + "/attachments/default.textproto");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_LE(shipped->max_bytes(), static_cast<int64_t>(store::format::kMaxBlobBytes));
  auto big = ParseAttachmentPolicy("p.textproto",
                                   "name: \"p\"\nmax_bytes: 9000000\nmax_per_report: 2\n"
                                   "media_types: \"image/jpeg\"\n");
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(big.status().message()), HasSubstr("p.textproto:2: max_bytes"));
  auto over = ParseAttachmentPolicy("p.textproto",
                                    "name: \"p\"\nmax_bytes: 8000000\nmax_per_report: 5\n"
                                    "media_types: \"image/jpeg\"\n");
  EXPECT_THAT(std::string(over.status().message()), HasSubstr("p.textproto:3:"));
  auto gif = ParseAttachmentPolicy("p.textproto",
                                   "name: \"p\"\nmax_bytes: 100\nmax_per_report: 1\n"
                                   "media_types: \"image/gif\"\n");
  EXPECT_THAT(std::string(gif.status().message()), HasSubstr("p.textproto:4: media type"));
}

// --- Through the ledger: blobs with their events, the monthly judgement ---

// Opens the log's RocksDB directly, to alter a blob as a disk or an intruder
// would.
void AlterBlob(const std::string& dir, const std::string& digest, const std::string& bytes) {
  store::testing::RawLog raw(dir);
  ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
  EXPECT_TRUE(raw.Put(store::testing::RawLog::kBlobs, digest, bytes).ok());
}

// The shipped policies with Hualong's photo library put in as the project
// policy (the shipped investment policies judge no photos).
LedgerOptions HualongPhotoOptions() {
  LedgerOptions options;
  options.policies_dir = ::taizhang::testing::PoliciesDir();
  options.project_policy = "investment/hualong-2017.textproto";
  return options;
}

class PhotosTest : public testing::LedgerFixture {
 protected:
  explicit PhotosTest(LedgerOptions options = HualongPhotoOptions())
      : LedgerFixture(At(2017, 3, 1), std::move(options)) {}

  void SetUp() override {
    LedgerFixture::SetUp();
    v1::ProjectCommand c;
    v1::ProjectInfo* info = c.mutable_register_()->mutable_info();
    info->set_code(kCode);
    info->set_name("苏北路卫生院");
    info->set_level(v1::PROJECT_LEVEL_DISTRICT);
    info->set_owner("华龙区卫计委");
    info->set_total_investment_yuan(120'000'000);
    info->set_plan_year(2017);
    info->set_annual_plan_yuan(0);  // investment not judged: the photos only
    info->set_responsible_leader("李副区长");
    info->set_lead_unit("住建局");
    info->set_initial_stage(v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
    info->set_started_on("2016-10-08");  // 续建
    auto out = ledger_->ExecuteProject(kCode, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }

  // RecordProjectImageProgress of `files` as the service sends it: the files
  // checked before Decide, their bytes brought in the command's metadata.
  absl::StatusOr<Ledger::Outcome<Project>> Upload(std::vector<v1::Attachment> files,
                                                  engine::CommandMeta meta) {
    ASSIGN_OR_RETURN(
        CheckedAttachments checked,
        CheckAttachments(Files(std::move(files)), ledger_->attachment_policy(), true, "files"));
    v1::ProjectCommand c;
    c.mutable_record_image_progress()->set_note("主体结构施工");
    for (auto& r : checked.refs) *c.mutable_record_image_progress()->add_attachments() = r;
    meta.blobs = std::move(checked.blobs);
    return ledger_->ExecuteProject(kCode, c, meta);
  }

  // Closes every month due at the clock (the scheduler's Tick).
  void Tick() {
    v1::ProjectCommand c;
    c.mutable_tick();
    auto out = ledger_->ExecuteProject(kCode, c, Meta(kSystemActor));
    ASSERT_TRUE(out.ok()) << out.status();
    Settle();
  }

  v1::ProjectState State() {
    Settle();
    return *ledger_->GetProject(kCode);
  }

  const v1::ProjectMonthResult* Month(const v1::ProjectState& s, const std::string& month) {
    for (const auto& m : s.months()) {
      if (m.month() == month) return &m;
    }
    return nullptr;
  }
};

TEST_F(PhotosTest, APhotoIsABlobOfTheLogNamedInTheChain) {
  const std::string photo = Jpeg("2017-03 主体施工");
  auto out = Upload({File("主体施工.jpg", kMediaJpeg, photo)}, Meta(kUnit));
  ASSERT_TRUE(out.ok()) << out.status();
  // The event names the photo; the record's blob_digests carry its digest.
  ASSERT_EQ(out->events.size(), 1u);
  const auto& recorded = out->events[0].image_progress_recorded();
  ASSERT_EQ(recorded.attachments_size(), 1);
  EXPECT_EQ(recorded.attachments(0).sha256(), DigestHex(store::Sha256(photo)));
  EXPECT_EQ(recorded.on(), "2017-03-01");
  auto records = log_->ReadStream(ProjectStream(kCode), out->append.first_version, 1);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ((*records)[0].record.blob_digests_size(), 1);
  EXPECT_EQ((*records)[0].record.blob_digests(0), store::Sha256(photo));
  // Read back byte for byte.
  auto bytes = log_->GetBlob(store::Sha256(photo));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, photo);
  // The state's library and the view.
  const v1::ProjectState s = State();
  ASSERT_EQ(s.photos_size(), 1);
  EXPECT_EQ(s.photos(0).source(), "image");
  const v1::ProjectView v = ledger_->project().View(s, clock_.Now());
  EXPECT_EQ(v.last_photo_on(), "2017-03-01");
  ASSERT_EQ(v.latest_photos_size(), 1);
  // The chain verifies, the blob hashed.
  auto verified = log_->Verify(1, log_->HeadPosition());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->blobs_checked, 1u);
  // Altered bytes are caught, naming the digest.
  const uint64_t head = log_->HeadPosition();
  CloseLedger();
  AlterBlob(dir_.path(), store::Sha256(photo), Jpeg("另一张照片"));
  OpenLedger();
  auto altered = log_->Verify(1, head);
  ASSERT_FALSE(altered.ok() && altered->ok);
  const std::string problem =
      altered.ok() ? altered->problem : std::string(altered.status().message());
  EXPECT_THAT(problem, HasSubstr(DigestHex(store::Sha256(photo))));
  EXPECT_EQ(log_->GetBlob(store::Sha256(photo)).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(PhotosTest, ACommandNamingAPhotoItDoesNotBringWritesNothing) {
  const uint64_t head = log_->HeadPosition();
  v1::ProjectCommand c;
  auto* r = c.mutable_record_image_progress();
  auto* a = r->add_attachments();
  a->set_sha256(DigestHex(store::Sha256("never sent")));
  a->set_media_type(kMediaJpeg);
  a->set_size(10);
  a->set_name("x.jpg");
  auto out = ledger_->ExecuteProject(kCode, c, Meta(kUnit));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("does not bring"));
  EXPECT_EQ(log_->HeadPosition(), head);
  // Nor a record without a photo, nor one by another unit.
  v1::ProjectCommand empty;
  empty.mutable_record_image_progress()->set_note("无照片");
  EXPECT_EQ(ledger_->ExecuteProject(kCode, empty, Meta(kUnit)).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto other = Upload({File("a.jpg", kMediaJpeg, Jpeg("a"))}, Meta("department:交通局"));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  auto leader = Upload({File("a.jpg", kMediaJpeg, Jpeg("a"))}, Meta("leader:李副区长"));
  EXPECT_EQ(leader.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(log_->HeadPosition(), head);
}

TEST_F(PhotosTest, ARetriedUploadReturnsTheFirstResultAndStoresTheBytesOnce) {
  const std::string photo = Jpeg("retry");
  engine::CommandMeta meta = Meta(kUnit);
  auto first = Upload({File("a.jpg", kMediaJpeg, photo)}, meta);
  ASSERT_TRUE(first.ok()) << first.status();
  const uint64_t head = log_->HeadPosition();
  auto again = Upload({File("a.jpg", kMediaJpeg, photo)}, meta);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->append.first_position, first->append.first_position);
  EXPECT_EQ(log_->HeadPosition(), head);
  EXPECT_EQ(State().photos_size(), 1);
  // The same photo in another report: a second event, the same one blob.
  auto other = Upload({File("a-copy.jpg", kMediaJpeg, photo)}, Meta(kUnit));
  ASSERT_TRUE(other.ok()) << other.status();
  auto verified = log_->Verify(1, log_->HeadPosition());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->blobs_checked, 1u);
}

TEST_F(PhotosTest, ANodeReportCarriesPhotosAndDocuments) {
  v1::ProjectCommand plan;
  plan.mutable_plan_node()->set_node_id("roof");
  plan.mutable_plan_node()->set_name("主体封顶");
  plan.mutable_plan_node()->set_due_on("2017-06-30");
  ASSERT_TRUE(ledger_->ExecuteProject(kCode, plan, Meta(kUnit)).ok());
  auto checked = CheckAttachments(
      Files({File("封顶.png", kMediaPng, Png("roof")), File("验收.pdf", kMediaPdf, Pdf("ok"))}),
      ledger_->attachment_policy(), false, "files");
  ASSERT_TRUE(checked.ok()) << checked.status();
  v1::ProjectCommand done;
  done.mutable_report_node_done()->set_node_id("roof");
  for (auto& r : checked->refs) *done.mutable_report_node_done()->add_attachments() = r;
  engine::CommandMeta meta = Meta(kUnit);
  meta.blobs = checked->blobs;
  auto out = ledger_->ExecuteProject(kCode, done, meta);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*log_->GetBlob(store::Sha256(Pdf("ok"))), Pdf("ok"));
  const v1::ProjectState s = State();
  ASSERT_EQ(s.photos_size(), 2);
  EXPECT_EQ(s.photos(0).source(), "node/roof");
  // The document is kept, the view's photos are the images.
  const v1::ProjectView v = ledger_->project().View(s, clock_.Now());
  ASSERT_EQ(v.latest_photos_size(), 1);
  EXPECT_EQ(v.latest_photos(0).attachment().name(), "封顶.png");
}

TEST_F(PhotosTest, AMonthWithoutANewPhotoIsFlaggedAndClimbsThePhotoLadder) {
  // March: a photo at 23:59 on the last day counts for March.
  clock_.AdvanceTo(At(2017, 3, 31, 23, 59));
  ASSERT_TRUE(Upload({File("3月.jpg", kMediaJpeg, Jpeg("march"))}, Meta(kUnit)).ok());
  // April: the next photo only at 00:30 on 1 May — it counts for May.
  clock_.AdvanceTo(At(2017, 5, 1, 0, 30));
  Tick();  // closes March and April
  ASSERT_TRUE(Upload({File("5月.jpg", kMediaJpeg, Jpeg("may"))}, Meta(kUnit)).ok());
  // June: nothing either. Closes May (green) and June (yellow), then July
  // (red: two months running).
  clock_.AdvanceTo(At(2017, 8, 1, 1));
  Tick();
  const v1::ProjectState s = State();
  struct Want {
    const char* month;
    v1::Light light;
    int missed;
  };
  for (const Want& w : {Want{"2017-03", v1::LIGHT_GREEN, 0}, Want{"2017-04", v1::LIGHT_YELLOW, 1},
                        Want{"2017-05", v1::LIGHT_GREEN, 0}, Want{"2017-06", v1::LIGHT_YELLOW, 1},
                        Want{"2017-07", v1::LIGHT_RED, 2}}) {
    const v1::ProjectMonthResult* m = Month(s, w.month);
    ASSERT_NE(m, nullptr) << w.month;
    EXPECT_EQ(m->photo_light(), w.light) << w.month;
    EXPECT_EQ(m->photo_months_missed(), w.missed) << w.month;
    // Not part of the month's own light (investment and dates).
    EXPECT_EQ(m->light(), v1::LIGHT_GREEN) << w.month;
  }
  EXPECT_EQ(s.photo_episode(), 2);  // April; June–July
  // The photo ladder: a warning for April, for June, and a notice for July.
  std::vector<std::string> slips;
  for (const auto& r : s.rungs()) {
    if (r.raised().subject() == "photos") slips.push_back(r.raised().slip_number());
  }
  EXPECT_THAT(slips, ::testing::ElementsAre(absl::StrCat("project/", kCode, "/photos/1/warning"),
                                            absl::StrCat("project/", kCode, "/photos/2/warning"),
                                            absl::StrCat("project/", kCode, "/photos/2/notice")));
  // The subject the supervision model reads.
  bool found = false;
  for (const auto& subject : ledger_->project().Subjects(s)) {
    if (subject.id != "photos") continue;
    found = true;
    EXPECT_EQ(subject.light, v1::LIGHT_RED);
    EXPECT_EQ(subject.month, "2017-07");
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(ledger_->project().View(s, clock_.Now()).photo_light(), v1::LIGHT_RED);
}

TEST_F(PhotosTest, AProjectNotUnderConstructionIsNotJudgedOnPhotos) {
  // A reserve project registered in March: its months have no photo light.
  constexpr char kReserve[] = "2017-410185-48-01-000102";
  v1::ProjectCommand c;
  v1::ProjectInfo* info = c.mutable_register_()->mutable_info();
  info->set_code(kReserve);
  info->set_name("德众汽车");
  info->set_level(v1::PROJECT_LEVEL_DISTRICT);
  info->set_owner("德众汽车公司");
  info->set_total_investment_yuan(50'000'000);
  info->set_plan_year(2017);
  info->set_responsible_leader("李副区长");
  info->set_lead_unit("住建局");
  ASSERT_TRUE(ledger_->ExecuteProject(kReserve, c, Meta(kOffice)).ok());
  // Started on 10 April: April (its starting month) is not judged, May is.
  clock_.AdvanceTo(At(2017, 4, 10));
  for (auto stage : {v1::PROJECT_STAGE_RESERVE_FEASIBILITY, v1::PROJECT_STAGE_RESERVE_LAND_PLANNING,
                     v1::PROJECT_STAGE_RESERVE_DESIGN, v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION,
                     v1::PROJECT_STAGE_NEW_START}) {
    v1::ProjectCommand a;
    a.mutable_advance_stage()->set_to(stage);
    ASSERT_TRUE(ledger_->ExecuteProject(kReserve, a, Meta(kUnit)).ok());
  }
  clock_.AdvanceTo(At(2017, 6, 1, 1));
  v1::ProjectCommand tick;
  tick.mutable_tick();
  ASSERT_TRUE(ledger_->ExecuteProject(kReserve, tick, Meta(kSystemActor)).ok());
  Settle();
  const v1::ProjectState s = *ledger_->GetProject(kReserve);
  ASSERT_EQ(s.months_size(), 3);
  EXPECT_EQ(s.months(0).photo_light(), v1::LIGHT_UNSPECIFIED);  // March: reserve
  EXPECT_EQ(s.months(1).photo_light(), v1::LIGHT_UNSPECIFIED);  // April: started in it
  EXPECT_EQ(s.months(2).photo_light(), v1::LIGHT_YELLOW);       // May: no photo
}

// The shipped policies keep photos and judge none: months close without a
// photo light, no photo ladder, no photo subject.
class ShippedPhotosTest : public PhotosTest {
 protected:
  ShippedPhotosTest() : PhotosTest(ShippedOptions()) {}
};

TEST_F(ShippedPhotosTest, TheShippedPolicyJudgesNoPhotos) {
  EXPECT_EQ(ledger_->project().policy().photo_yellow_from_month(), 0);
  EXPECT_FALSE(ledger_->project().policy().has_photo_ladder());
  // March, April and May without any photo, closed on 1 June.
  clock_.AdvanceTo(At(2017, 6, 1, 1));
  Tick();
  const v1::ProjectState s = State();
  ASSERT_EQ(s.months_size(), 3);
  for (const auto& m : s.months()) {
    EXPECT_EQ(m.photo_light(), v1::LIGHT_UNSPECIFIED) << m.month();
    EXPECT_EQ(m.photo_months_missed(), 0) << m.month();
  }
  EXPECT_EQ(s.photo_episode(), 0);
  for (const auto& r : s.rungs()) EXPECT_NE(r.raised().subject(), "photos");
  for (const auto& subject : ledger_->project().Subjects(s)) EXPECT_NE(subject.id, "photos");
  EXPECT_EQ(ledger_->project().View(s, clock_.Now()).photo_light(), v1::LIGHT_UNSPECIFIED);
  // A photo is still kept and shown.
  ASSERT_TRUE(Upload({File("6月.jpg", kMediaJpeg, Jpeg("june"))}, Meta(kUnit)).ok());
  EXPECT_EQ(State().photos_size(), 1);
}

}  // namespace
}  // namespace taizhang::workflows
