// taizhang-verify's checks (verify.h) on copies of a log built through the
// workflows and signed by its server's key: the intact copy passes with the
// server's state digest, and each way an insider with the files could alter
// it is caught and named: a record edited, removed, or two swapped, the copy
// cut short, a checkpoint forged, and the whole chain rewritten consistently
// (tree included); and a log signed by a key that is not the one the
// auditor holds (as a rewrite signed anew would be) is not trusted.
#include "verify/verify.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "bench/city.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "proof/bundle.h"
#include "proof/checkpoint.h"
#include "proof/ed25519.h"
#include "proof/signer.h"
#include "store/format.h"
#include "store/sha256.h"
#include "store/testing/tamperer.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::verify {
namespace {

using store::testing::Tamperer;
using ::testing::HasSubstr;

class VerifyTest : public workflows::testing::LedgerFixture {
 protected:
  VerifyTest() : LedgerFixture(workflows::testing::ChinaHour(2019, 1, 1, 8)) {}

  void SetUp() override {
    LedgerFixture::SetUp();
    auto key = proof::SigningKey::Generate();
    ASSERT_TRUE(key.ok());
    public_key_ = key->public_key();
    auto signer = proof::CheckpointSigner::Open(*log_, clock_, clock_, *std::move(key),
                                                std::nullopt, proof::SignerOptions{});
    ASSERT_TRUE(signer.ok()) << signer.status();
    bench::CityOptions o;
    o.projects = 6;
    o.tasks_per_project = 3;
    o.units = 3;
    o.leaders = 2;
    o.weeks = 6;
    o.max_in_flight = 8;
    ASSERT_TRUE(bench::BuildCity(*ledger_, clock_, o).ok());
    Settle();
    auto first = (*signer)->SignNow();
    ASSERT_TRUE(first.ok()) << first.status();
    first_checkpoint_ = first->position;
    // A backup now: later, a copy cut short of what the log became.
    early_ = early_dir_.path() + "/backup";
    ASSERT_TRUE(log_->Backup(early_).ok());
    o.first_week = 6;
    o.weeks = 10;
    ASSERT_TRUE(bench::BuildCity(*ledger_, clock_, o).ok());
    Settle();
    auto last = (*signer)->SignNow();
    ASSERT_TRUE(last.ok()) << last.status();
    last_ = last->checkpoint;
    Settle();
    digest_ = store::ToHex(ledger_->Digest().digest);
    head_ = log_->HeadPosition();
    ASSERT_EQ(ledger_->Digest().position, head_);
    (*signer)->Stop();
    signer->reset();
    CloseLedger();
  }

  CheckOptions Options() {
    CheckOptions o;
    o.dir = dir_.path();
    o.public_keys = {public_key_};
    o.policies_dir = options_.policies_dir;
    return o;
  }
  // The checkpoint as `taizhang checkpoint --json` gives it.
  v1::Checkpoint Anchor(const v1::SignedCheckpoint& c) {
    v1::Checkpoint a;
    a.set_partition(c.partition());
    a.set_size(c.size());
    a.set_root(store::ToHex(c.root()));
    a.mutable_time()->set_seconds(c.time_us() / 1000000);
    a.mutable_time()->set_nanos(static_cast<int32_t>(c.time_us() % 1000000) * 1000);
    a.set_key_id(c.key_id());
    a.set_signature(store::ToHex(c.signature()));
    return a;
  }
  // Rewrites every record from `from` on with the chain made whole again,
  // `change` applied to each, and the head moved; the tree is then rebuilt
  // from the records (format 3 opened for writing), as an insider with the
  // program would.
  void Rewrite(uint64_t from, const std::function<void(uint64_t, v1::EventRecord&)>& change) {
    {
      Tamperer t(dir_.path());
      std::string prev = from > 1 ? store::Sha256(t.Get(from - 1)) : "";
      for (uint64_t p = from; p <= head_; ++p) {
        v1::EventRecord rec;
        ASSERT_TRUE(rec.ParseFromString(t.Get(p)));
        change(p, rec);
        if (p > 1) rec.set_prev_hash(prev);
        const std::string bytes = rec.SerializeAsString();
        t.Put(p, bytes);
        prev = store::Sha256(bytes);
      }
      t.PutMeta(store::format::kMetaHead, store::format::EncodeHead(head_, prev));
      t.DeleteTree();
      t.PutMeta(store::format::kMetaFormat, "3");
    }
    auto log = store::OpenEventLog(dir_.path(), clock_);  // builds the tree again
    ASSERT_TRUE(log.ok()) << log.status();
  }
  // The first finding.
  static const Finding& First(const Report& r) {
    static const Finding none{0, "(none)"};
    return r.failures.empty() ? none : r.failures[0];
  }
  // The position of a task event well before the first checkpoint.
  uint64_t TaskEventPosition() {
    Tamperer t(dir_.path());
    for (uint64_t p = 2; p < first_checkpoint_; ++p) {
      v1::EventRecord rec;
      if (rec.ParseFromString(t.Get(p)) && rec.stream().rfind("task/", 0) == 0) return p;
    }
    return 0;
  }

  ::taizhang::testing::TempDir early_dir_;
  std::string early_;
  std::string public_key_;
  uint64_t first_checkpoint_ = 0;
  v1::SignedCheckpoint last_;
  std::string digest_;
  uint64_t head_ = 0;
};

TEST_F(VerifyTest, AnIntactCopyChecksAndGivesTheServersStateDigest) {
  CheckOptions o = Options();
  o.anchors = {Anchor(last_)};
  const Report r = Check(o);
  EXPECT_TRUE(r.ok) << Describe(r);
  EXPECT_EQ(r.head, head_);
  EXPECT_EQ(r.records_checked, head_);
  EXPECT_EQ(r.checkpoints, 2u);
  EXPECT_EQ(r.checkpoints_trusted, 2u);
  EXPECT_EQ(r.signed_through, last_.size());
  EXPECT_EQ(r.anchors, 1u);
  EXPECT_EQ(r.keys, 1u);
  ASSERT_TRUE(r.replayed);
  EXPECT_EQ(r.digest_position, head_);
  EXPECT_EQ(r.state_digest, digest_);
  const std::string text = Describe(r);
  EXPECT_THAT(text, HasSubstr(absl::StrCat("状态摘要  ", digest_)));
  EXPECT_THAT(text, HasSubstr("核验通过"));
  // The same report as JSON, read back by protobuf's own parser.
  google::protobuf::Struct json;
  const std::string printed = ReportJson(r);
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(printed, &json).ok()) << printed;
  const auto& f = json.fields();
  EXPECT_TRUE(f.at("ok").bool_value());
  EXPECT_EQ(f.at("head").number_value(), static_cast<double>(head_));
  EXPECT_EQ(f.at("state_digest").string_value(), digest_);
  EXPECT_EQ(f.at("digest_position").number_value(), static_cast<double>(head_));
  EXPECT_EQ(f.at("checkpoints_trusted").number_value(), 2.0);
  EXPECT_EQ(f.at("root").string_value(), r.root);
  EXPECT_EQ(f.at("failures").list_value().values_size(), 0);
  EXPECT_FALSE(f.contains("bundle"));
  EXPECT_EQ(printed.find('\n'), printed.size() - 1);  // one line
  // Through an earlier position: another digest, of that position.
  o.through = first_checkpoint_;
  const Report earlier = Check(o);
  EXPECT_TRUE(earlier.ok);
  EXPECT_EQ(earlier.digest_position, first_checkpoint_);
  EXPECT_NE(earlier.state_digest, digest_);
}

TEST_F(VerifyTest, WithoutAKeyItSaysSoAndWithAnotherKeyNothingIsTrusted) {
  CheckOptions o = Options();
  o.public_keys.clear();
  Report r = Check(o);
  EXPECT_TRUE(r.ok) << Describe(r);
  EXPECT_EQ(r.checkpoints_trusted, 0u);
  EXPECT_THAT(Describe(r), HasSubstr("未给公钥"));

  o.public_keys = {proof::SigningKey::Generate()->public_key()};
  r = Check(o);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(First(r).what, HasSubstr("都不是所给公钥"));
  EXPECT_THAT(Describe(r), HasSubstr("核验未通过"));
}

TEST_F(VerifyTest, AnEditedRecordIsNamed) {
  const uint64_t p = TaskEventPosition();
  ASSERT_GT(p, 0u);
  {
    Tamperer t(dir_.path());
    v1::EventRecord rec;
    ASSERT_TRUE(rec.ParseFromString(t.Get(p)));
    rec.set_actor("dept/另一个单位");
    t.Put(p, rec.SerializeAsString());
  }
  const Report r = Check(Options());
  EXPECT_FALSE(r.ok);
  // The record itself when the tree's node over it completes there (an even
  // position), else the next, whose prev_hash no longer matches.
  EXPECT_EQ(First(r).position, p % 2 == 0 ? p : p + 1) << Describe(r);
  EXPECT_THAT(First(r).what, HasSubstr("哈希链或默克尔树断裂"));
  EXPECT_FALSE(r.replayed);
  google::protobuf::Struct json;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(ReportJson(r), &json).ok());
  EXPECT_FALSE(json.fields().at("ok").bool_value());
  EXPECT_FALSE(json.fields().contains("state_digest"));
  const auto& failure = json.fields().at("failures").list_value().values(0).struct_value().fields();
  EXPECT_EQ(failure.at("position").number_value(), static_cast<double>(First(r).position));
  EXPECT_EQ(failure.at("what").string_value(), First(r).what);
}

TEST_F(VerifyTest, ARemovedRecordIsNamed) {
  const uint64_t p = TaskEventPosition();
  {
    Tamperer t(dir_.path());
    t.Delete(p);
  }
  const Report r = Check(Options());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(First(r).position, p) << Describe(r);
}

TEST_F(VerifyTest, TwoSwappedRecordsAreNamed) {
  const uint64_t p = TaskEventPosition();
  {
    Tamperer t(dir_.path());
    const std::string a = t.Get(p), b = t.Get(p + 1);
    t.Put(p, b);
    t.Put(p + 1, a);
  }
  const Report r = Check(Options());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(First(r).position, p) << Describe(r);
}

TEST_F(VerifyTest, ACopyCutShortIsCaughtByAnAnchorKeptOutside) {
  // An older backup passed off as the log: a whole log of its own, a prefix
  // of the one the last checkpoint was signed on.
  CheckOptions o = Options();
  o.dir = early_;
  o.policies_dir.clear();
  const Report alone = Check(o);
  ASSERT_TRUE(alone.ok) << Describe(alone);  // alone, a shorter log cannot be told from one
  EXPECT_LT(alone.head, head_);
  EXPECT_LT(alone.signed_through, last_.size());
  o.anchors = {Anchor(last_)};
  const Report r = Check(o);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(First(r).what, HasSubstr("被截短"));
  // And an anchor of another log (its root altered, so its signature fails).
  v1::Checkpoint other = Anchor(last_);
  other.set_root(std::string(64, '0'));
  o.anchors = {other};
  o.dir = dir_.path();
  const Report forged = Check(o);
  EXPECT_FALSE(forged.ok);
  EXPECT_THAT(First(forged).what, HasSubstr("签名不符"));
}

TEST_F(VerifyTest, AForgedCheckpointIsNamed) {
  // The last checkpoint's root changed, the chain and tree made whole again.
  uint64_t at = 0;
  Rewrite(first_checkpoint_, [&](uint64_t p, v1::EventRecord& rec) {
    if (rec.stream() != proof::kProofStream) return;
    v1::ProofEvent e;
    ASSERT_TRUE(e.ParseFromString(rec.payload()));
    if (!e.has_checkpoint_signed() || e.checkpoint_signed().size() != last_.size()) return;
    e.mutable_checkpoint_signed()->set_size(e.checkpoint_signed().size() - 1);
    rec.set_payload(e.SerializeAsString());
    at = p;
  });
  ASSERT_GT(at, 0u);
  const Report r = Check(Options());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(First(r).position, at) << Describe(r);
  EXPECT_THAT(First(r).what, HasSubstr("签名不符"));
}

TEST_F(VerifyTest, AConsistentRewriteOfTheWholeChainIsCaughtByTheSignedRoots) {
  const uint64_t p = TaskEventPosition();
  Rewrite(p, [&](uint64_t at, v1::EventRecord& rec) {
    if (at == p) rec.set_actor("dept/另一个单位");
  });
  CheckOptions o = Options();
  o.policies_dir.clear();
  o.public_keys.clear();
  // The log agrees with itself: chain and tree verify...
  const Report r = Check(o);
  EXPECT_FALSE(r.ok);
  // ...but the first checkpoint signed after the change names a root the
  // records no longer have.
  EXPECT_EQ(First(r).position, first_checkpoint_) << Describe(r);
  EXPECT_THAT(First(r).what, HasSubstr("默克尔根与本副本"));
  EXPECT_GT(r.records_checked, 0u);
}

class BundleVerifyTest : public VerifyTest {
 protected:
  // The bundle of records [from, to] of the copy, proved by the last
  // checkpoint, in a file.
  std::string Bundle(uint64_t from, uint64_t to) {
    store::Options o;
    o.read_only = true;
    o.create_if_missing = false;
    auto log = store::OpenEventLog(dir_.path(), clock_, o);
    EXPECT_TRUE(log.ok()) << log.status();
    const std::string file = absl::StrCat(bundles_.path(), "/", from, "-", to, ".tzb");
    std::ofstream out(file, std::ios::binary);
    auto written =
        proof::WriteBundle(**log, {.from = from, .to = to}, last_, public_key_, clock_.NowMicros(),
                           "auditor:审计局", [&](std::string_view bytes) {
                             out.write(bytes.data(), bytes.size());
                             return absl::OkStatus();
                           });
    EXPECT_TRUE(written.ok()) << written.status();
    return file;
  }
  BundleOptions Of(const std::string& file) {
    BundleOptions b;
    b.file = file;
    b.public_keys = {public_key_};
    b.policies_dir = options_.policies_dir;
    b.work_dir = work_.path();
    return b;
  }

  ::taizhang::testing::TempDir bundles_;
  ::taizhang::testing::TempDir work_;
};

TEST_F(BundleVerifyTest, ABundleFromTheFirstRecordReplaysToTheDigestOfTheCopyAtItsEnd) {
  const uint64_t to = last_.size();
  BundleOptions b = Of(Bundle(1, to));
  b.anchors = {Anchor(last_)};
  const Report r = CheckBundle(b);
  ASSERT_TRUE(r.ok) << Describe(r);
  EXPECT_TRUE(r.bundle);
  EXPECT_EQ(r.head, to);
  EXPECT_EQ(r.records_checked, to);
  EXPECT_EQ(r.signed_through, to);
  EXPECT_EQ(r.anchors, 1u);
  ASSERT_TRUE(r.replayed);
  EXPECT_EQ(r.digest_position, to);
  // The same digest as the copy's replayed to the same position.
  CheckOptions o = Options();
  o.through = to;
  const Report copy = Check(o);
  ASSERT_TRUE(copy.ok) << Describe(copy);
  EXPECT_EQ(r.state_digest, copy.state_digest);
  EXPECT_EQ(r.chain_digest, store::ToHex(store::Sha256(Tamperer(dir_.path()).Get(to))));
  const std::string text = Describe(r);
  EXPECT_THAT(text, HasSubstr(absl::StrCat("导出包    第 1–", to, " 条记录")));
  EXPECT_THAT(text, HasSubstr("auditor:审计局"));
  EXPECT_THAT(text, HasSubstr("核验通过"));
  // Nothing is left of the log it was read into.
  EXPECT_TRUE(std::filesystem::is_empty(work_.path()));
}

TEST_F(BundleVerifyTest, ABundleFromALaterRecordIsProvedButNotReplayedAndSaysSo) {
  const Report r = CheckBundle(Of(Bundle(first_checkpoint_, last_.size())));
  ASSERT_TRUE(r.ok) << Describe(r);
  EXPECT_FALSE(r.replayed);
  EXPECT_EQ(r.records_checked, last_.size() - first_checkpoint_ + 1);
  EXPECT_EQ(r.signed_through, last_.size());
  EXPECT_THAT(Describe(r), HasSubstr("重放工作流需从第 1 条起"));
}

TEST_F(BundleVerifyTest, ABundleCutShortOrCheckedAgainstAnotherKeyFails) {
  const std::string file = Bundle(1, last_.size());
  BundleOptions b = Of(file);
  b.public_keys = {proof::SigningKey::Generate()->public_key()};
  Report r = CheckBundle(b);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(First(r).what, HasSubstr("不是所给公钥"));
  EXPECT_FALSE(r.replayed);

  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 100);
  r = CheckBundle(Of(file));
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(First(r).what, HasSubstr("截断"));
  EXPECT_THAT(Describe(r), HasSubstr("核验未通过"));
  EXPECT_TRUE(std::filesystem::is_empty(work_.path()));
}

// A bundle of a log up to before a key rotation, proved by a checkpoint of
// the new key, checked by an auditor who holds only the new key: the old key
// is reached through the rotation both keys signed, in the log read from the
// bundle too.
TEST(BundleKeysTest, AnAuditorHoldingOnlyTheNewKeyTrustsTheOldOneThroughTheRotation) {
  ::taizhang::testing::TempDir dir;
  ManualClock clock(absl::FromUnixSeconds(1764734400));
  auto log = store::OpenEventLog(dir.path() + "/log", clock);
  ASSERT_TRUE(log.ok()) << log.status();
  auto append = [&](int n) {
    static int next = 0;
    for (int i = 0; i < n; ++i) {
      store::AppendRequest r;
      r.stream = "note/1";
      r.request_id = absl::StrCat("r", next++);
      store::NewEvent e;
      e.type = "note.Written";
      e.actor = "supervision:督查室";
      r.events.push_back(e);
      ASSERT_TRUE((*log)->Append(r).ok());
    }
  };
  const std::string old_file = dir.path() + "/old.pem", new_file = dir.path() + "/new.pem";
  ASSERT_TRUE(proof::SigningKey::Generate()->Write(old_file).ok());
  ASSERT_TRUE(proof::SigningKey::Generate()->Write(new_file).ok());
  append(3);
  {
    auto signer =
        proof::CheckpointSigner::Open(**log, clock, clock, *proof::SigningKey::Load(old_file),
                                      std::nullopt, proof::SignerOptions{});
    ASSERT_TRUE(signer.ok()) << signer.status();
    ASSERT_TRUE((*signer)->SignNow().ok());  // the old key at 4, its checkpoint at 5
    (*signer)->Stop();
  }
  append(2);
  auto signer =
      proof::CheckpointSigner::Open(**log, clock, clock, *proof::SigningKey::Load(new_file),
                                    *proof::SigningKey::Load(old_file), proof::SignerOptions{});
  ASSERT_TRUE(signer.ok()) << signer.status();
  auto latest = (*signer)->SignNow();
  ASSERT_TRUE(latest.ok()) << latest.status();
  const std::string new_key = (*signer)->key().public_key();
  const std::string file = dir.path() + "/1-5.tzb";
  {
    std::ofstream out(file, std::ios::binary);
    ASSERT_TRUE(proof::WriteBundle(**log, {.from = 1, .to = 5}, latest->checkpoint, new_key,
                                   clock.NowMicros(), "auditor:审计局",
                                   [&](std::string_view bytes) {
                                     out.write(bytes.data(), bytes.size());
                                     return absl::OkStatus();
                                   })
                    .ok());
  }
  (*signer)->Stop();
  BundleOptions b;
  b.file = file;
  b.public_keys = {new_key};
  b.work_dir = dir.path();
  const Report r = CheckBundle(b);
  EXPECT_TRUE(r.ok) << Describe(r);
  EXPECT_EQ(r.checkpoints_trusted, 1u);  // the old key's checkpoint at 5, inside the bundle
  EXPECT_EQ(r.signed_through, 5u);
  // Another key held: nothing is trusted.
  b.public_keys = {proof::SigningKey::Generate()->public_key()};
  EXPECT_FALSE(CheckBundle(b).ok);
}

}  // namespace
}  // namespace taizhang::verify
