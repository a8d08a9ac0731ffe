#include "proof/bundle.h"

#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proof/checkpoint.h"
#include "proof/ed25519.h"
#include "proof/signer.h"
#include "store/event_log.h"
#include "store/format.h"
#include "store/sha256.h"

namespace taizhang::proof {
namespace {

using ::taizhang::testing::TempDir;
using ::testing::HasSubstr;

// A log with events (every third one standing on a blob of its own) and a
// signer of its checkpoints.
class Ledger {
 public:
  Ledger(const std::filesystem::path& dir, Clock& clock, const SigningKey& key,
         const std::filesystem::path& key_file)
      : clock_(clock) {
    auto log = store::OpenEventLog(dir, clock_);
    EXPECT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    if (!std::filesystem::exists(key_file)) {
      EXPECT_TRUE(key.Write(key_file).ok());
    }
    auto signer = CheckpointSigner::Open(
        *log_, clock_, timer_clock_, *SigningKey::Load(key_file), std::nullopt,
        SignerOptions{.every_events = 0, .every = absl::ZeroDuration()});
    EXPECT_TRUE(signer.ok()) << signer.status();
    signer_ = std::move(*signer);
  }

  // Appends `n` events to stream `stream`, their payloads saying `what`.
  void Append(int n, const std::string& stream = "project:1", const std::string& what = "事") {
    for (int i = 0; i < n; ++i) {
      store::AppendRequest r;
      r.stream = stream;
      r.request_id = absl::StrCat("r", next_);
      store::NewEvent e;
      e.type = "test.Happened";
      e.actor = "department:自然资源局";
      e.payload = absl::StrCat(what, next_);
      if (next_ % 3 == 0) {
        std::string blob = absl::StrCat("照片", next_, std::string(100, 'x'));
        e.blob_digests.push_back(store::Sha256(blob));
        r.blobs.push_back(std::move(blob));
      }
      r.events.push_back(std::move(e));
      ++next_;
      auto result = log_->Append(r);
      EXPECT_TRUE(result.ok()) << result.status();
    }
  }

  v1::SignedCheckpoint Sign() {
    auto made = signer_->SignNow();
    EXPECT_TRUE(made.ok()) << made.status();
    return made->checkpoint;
  }

  // The bundle's bytes, or the writer's error.
  absl::StatusOr<std::string> Write(BundleRange range, const v1::SignedCheckpoint& checkpoint) {
    std::string out;
    auto summary = WriteBundle(*log_, range, checkpoint, signer_->key().public_key(),
                               clock_.NowMicros(), "auditor:审计局", [&](std::string_view bytes) {
                                 out.append(bytes);
                                 return absl::OkStatus();
                               });
    if (!summary.ok()) return summary.status();
    EXPECT_EQ(summary->bytes, out.size());
    return out;
  }

  store::EventLog& log() { return *log_; }

 private:
  Clock& clock_;
  ManualClock timer_clock_{absl::FromUnixSeconds(0)};
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<CheckpointSigner> signer_;
  int next_ = 0;
};

// A bundle read back as frames, to be altered and written again with a
// right end digest: what is caught must then be caught by the proof, not by
// the digest.
std::vector<v1::BundleFrame> Frames(const std::string& bundle) {
  std::istringstream in(bundle);
  BundleReader reader(in);
  std::vector<v1::BundleFrame> frames;
  for (;;) {
    auto next = reader.Next();
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok() || !next->has_value()) break;
    frames.push_back(**next);
  }
  return frames;
}

std::string Framed(const std::string& bytes) {
  std::string length;
  store::format::PutFixed32BE(&length, static_cast<uint32_t>(bytes.size()));
  return length + bytes;
}

std::string Bytes(const std::vector<v1::BundleFrame>& frames) {
  std::string out(kBundleMagic);
  for (const v1::BundleFrame& f : frames) {
    if (f.has_end()) {
      v1::BundleFrame end = f;
      end.mutable_end()->set_digest(store::Sha256(out));
      out += Framed(end.SerializeAsString());
    } else {
      out += Framed(f.SerializeAsString());
    }
  }
  return out;
}

// The index of the frame holding record `position`.
size_t RecordFrame(const std::vector<v1::BundleFrame>& frames, uint64_t position) {
  for (size_t i = 0; i < frames.size(); ++i) {
    if (!frames[i].has_record()) continue;
    v1::EventRecord r;
    EXPECT_TRUE(r.ParseFromString(frames[i].record()));
    if (r.position() == position) return i;
  }
  ADD_FAILURE() << "no record " << position;
  return 0;
}

struct Checked {
  BundleFacts facts;
  std::vector<std::string> records;
  std::vector<std::string> blobs;
};

Checked Check(const std::string& bundle, const std::vector<std::string>& keys) {
  std::istringstream in(bundle);
  BundleReader reader(in);
  Checked checked;
  checked.facts =
      CheckBundle(reader, keys, [&](std::vector<std::string> r, std::vector<std::string> b) {
        EXPECT_LE(r.size(), store::format::kMaxEventsPerAppend);
        for (std::string& s : r) checked.records.push_back(std::move(s));
        for (std::string& s : b) checked.blobs.push_back(std::move(s));
        return absl::OkStatus();
      });
  return checked;
}

class BundleTest : public ::testing::Test {
 protected:
  BundleTest() : key_(*SigningKey::Generate()), ledger_(dir_ / "log", clock_, key_, dir_ / "key") {}

  TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(1764734400)};
  SigningKey key_;
  Ledger ledger_;
};

TEST_F(BundleTest, AWholeLogComesBackRecordForRecordAndChecksAgainstTheServersKey) {
  ledger_.Append(2500);  // more than one batch of records
  const v1::SignedCheckpoint c = ledger_.Sign();
  ledger_.Append(5);  // the log goes on after the checkpoint
  const uint64_t to = c.size();
  auto bundle = ledger_.Write({.from = 1, .to = to}, c);
  ASSERT_TRUE(bundle.ok()) << bundle.status();

  Checked checked = Check(*bundle, {key_.public_key()});
  ASSERT_FALSE(checked.facts.problem.has_value()) << checked.facts.problem->what;
  EXPECT_TRUE(checked.facts.trusted);
  EXPECT_TRUE(checked.facts.notes.empty());
  EXPECT_EQ(checked.facts.header.log_head(), ledger_.log().HeadPosition());
  EXPECT_EQ(checked.facts.header.exported_by(), "auditor:审计局");
  EXPECT_EQ(checked.facts.summary.records, to);
  EXPECT_EQ(checked.facts.summary.key_records, 1u);
  EXPECT_EQ(checked.facts.summary.blobs, 834u);  // every third of 2500 events
  EXPECT_EQ(checked.facts.summary.bytes, bundle->size());
  EXPECT_EQ(checked.facts.keys, 1u);
  ASSERT_EQ(checked.records.size(), to);
  for (uint64_t p = 1; p <= to; p += 499) {
    EXPECT_EQ(checked.records[p - 1], *ledger_.log().RecordBytes(p)) << p;
  }
  EXPECT_EQ(checked.facts.last_hash, store::Sha256(checked.records.back()));
  ASSERT_EQ(checked.blobs.size(), 834u);
  EXPECT_EQ(checked.blobs[0], *ledger_.log().GetBlob(store::Sha256(checked.blobs[0])));
}

TEST_F(BundleTest, ARangeInTheMiddleIsProvedByItsLastRecordAndTheChainBeforeIt) {
  ledger_.Append(30);
  const v1::SignedCheckpoint c = ledger_.Sign();
  auto bundle = ledger_.Write({.from = 11, .to = 20}, c);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  Checked checked = Check(*bundle, {key_.public_key()});
  ASSERT_FALSE(checked.facts.problem.has_value()) << checked.facts.problem->what;
  EXPECT_EQ(checked.facts.summary.records, 10u);
  ASSERT_EQ(checked.records.size(), 10u);
  EXPECT_EQ(checked.records[0], *ledger_.log().RecordBytes(11));
  EXPECT_EQ(checked.facts.last_hash, store::Sha256(*ledger_.log().RecordBytes(20)));
}

TEST_F(BundleTest, WithoutAKeyOnlyTheBundlesOwnConsistencyIsCheckedAndTheNoteSaysSo) {
  ledger_.Append(4);
  const v1::SignedCheckpoint c = ledger_.Sign();
  Checked checked = Check(*ledger_.Write({.from = 1, .to = 4}, c), {});
  ASSERT_FALSE(checked.facts.problem.has_value()) << checked.facts.problem->what;
  EXPECT_FALSE(checked.facts.trusted);
  ASSERT_EQ(checked.facts.notes.size(), 1u);
  EXPECT_THAT(checked.facts.notes[0], HasSubstr("不能证明"));
}

TEST_F(BundleTest, TheWriterRefusesARangeOrCheckpointThatDoesNotFitTheLog) {
  ledger_.Append(6);
  const v1::SignedCheckpoint c = ledger_.Sign();
  EXPECT_EQ(ledger_.Write({.from = 0, .to = 3}, c).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_.Write({.from = 4, .to = 3}, c).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ledger_.Write({.from = 1, .to = 7}, c).status().message(),
              HasSubstr("不能证明到第 7"));
  v1::SignedCheckpoint forged = c;
  forged.set_root(std::string(32, 'f'));
  EXPECT_THAT(ledger_.Write({.from = 1, .to = 6}, forged).status().message(), HasSubstr("签名"));
}

class TamperTest : public BundleTest {
 protected:
  void SetUp() override {
    ledger_.Append(12);
    checkpoint_ = ledger_.Sign();
    auto bundle = ledger_.Write({.from = 1, .to = 12}, checkpoint_);
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    bundle_ = *bundle;
    frames_ = Frames(bundle_);
    ASSERT_FALSE(Check(Bytes(frames_), {key_.public_key()}).facts.problem.has_value());
  }

  BundleProblem ProblemOf(const std::string& bundle) {
    Checked checked = Check(bundle, {key_.public_key()});
    EXPECT_TRUE(checked.facts.problem.has_value());
    return checked.facts.problem.value_or(BundleProblem{});
  }

  // Record `position` with its payload changed.
  v1::BundleFrame Edited(uint64_t position) {
    v1::BundleFrame f = frames_[RecordFrame(frames_, position)];
    v1::EventRecord r;
    r.ParseFromString(f.record());
    r.set_payload("改过的内容");
    f.set_record(r.SerializeAsString());
    return f;
  }

  v1::SignedCheckpoint checkpoint_;
  std::string bundle_;
  std::vector<v1::BundleFrame> frames_;
};

TEST_F(TamperTest, AnEditedRecordIsNamedByTheChainOrForTheLastByTheTree) {
  frames_[RecordFrame(frames_, 5)] = Edited(5);
  BundleProblem p = ProblemOf(Bytes(frames_));
  EXPECT_EQ(p.position, 5u);
  EXPECT_THAT(p.what, HasSubstr("第 6 条所载"));

  frames_ = Frames(bundle_);
  frames_[RecordFrame(frames_, 12)] = Edited(12);
  p = ProblemOf(Bytes(frames_));
  EXPECT_EQ(p.position, 12u);
  EXPECT_THAT(p.what, HasSubstr("默克尔树"));
}

TEST_F(TamperTest, ARemovedOrSwappedRecordIsNamedAtItsPlace) {
  frames_.erase(frames_.begin() + static_cast<ptrdiff_t>(RecordFrame(frames_, 8)));
  BundleProblem p = ProblemOf(Bytes(frames_));
  EXPECT_EQ(p.position, 8u);
  EXPECT_THAT(p.what, HasSubstr("自称第 9 条"));
  // Record 7 taken out leaves its blob behind, named by no record before it.
  frames_ = Frames(bundle_);
  frames_.erase(frames_.begin() + static_cast<ptrdiff_t>(RecordFrame(frames_, 7)));
  EXPECT_THAT(ProblemOf(Bytes(frames_)).what, HasSubstr("在第 6 条记录之后"));

  frames_ = Frames(bundle_);
  std::swap(frames_[RecordFrame(frames_, 3)], frames_[RecordFrame(frames_, 4)]);
  EXPECT_EQ(ProblemOf(Bytes(frames_)).position, 3u);
}

TEST_F(TamperTest, ABundleCutShortOrWithoutItsLastRecordsIsRefused) {
  EXPECT_THAT(ProblemOf(bundle_.substr(0, bundle_.size() - 10)).what, HasSubstr("截断"));
  EXPECT_THAT(ProblemOf(bundle_.substr(0, 5)).what, HasSubstr("不是台账导出包"));
  // The last two records taken out and the end made right: the header still
  // says 12, and the checkpoint's path is of record 12.
  frames_.erase(frames_.begin() + static_cast<ptrdiff_t>(RecordFrame(frames_, 11)),
                frames_.end() - 1);
  frames_.back().mutable_end()->set_records(10);
  EXPECT_THAT(ProblemOf(Bytes(frames_)).what, HasSubstr("包在第 11 条记录前结束"));
}

TEST_F(TamperTest, AChangedByteAnywhereBreaksTheEndDigest) {
  std::string bundle = bundle_;
  bundle[bundle.size() / 2] ^= 0x01;
  BundleProblem p = ProblemOf(bundle);
  EXPECT_FALSE(p.what.empty());
  std::string end_digest = bundle_;
  end_digest[end_digest.size() - 3] ^= 0x01;  // inside the end frame's digest
  EXPECT_THAT(ProblemOf(end_digest).what, HasSubstr("摘要"));
  EXPECT_THAT(ProblemOf(bundle_ + "x").what, HasSubstr("还有数据"));
}

TEST_F(TamperTest, AHostileFrameLengthIsRefusedBeforeAnythingIsRead) {
  std::string hostile(kBundleMagic);
  hostile += std::string("\xff\xff\xff\xff", 4);
  hostile += "short";
  EXPECT_THAT(ProblemOf(hostile).what, HasSubstr("超过上限"));
  std::string garbage(kBundleMagic);
  garbage += Framed("\xff\xff\xff\xff\x0f not a frame");
  EXPECT_THAT(ProblemOf(garbage).what, HasSubstr("不可解读"));
}

TEST_F(TamperTest, AMissingOrStrayBlobIsNamed) {
  size_t blob = 0;
  for (size_t i = 0; i < frames_.size(); ++i) {
    if (frames_[i].has_blob()) blob = i;
  }
  ASSERT_GT(blob, 0u);
  std::vector<v1::BundleFrame> missing = frames_;
  missing.erase(missing.begin() + static_cast<ptrdiff_t>(blob));
  missing.back().mutable_end()->set_blobs(missing.back().end().blobs() - 1);
  BundleProblem p = ProblemOf(Bytes(missing));
  EXPECT_THAT(p.what, HasSubstr("不在包中"));
  EXPECT_GT(p.position, 0u);

  std::vector<v1::BundleFrame> stray = frames_;
  stray[blob].set_blob("别的照片");
  EXPECT_THAT(ProblemOf(Bytes(stray)).what, HasSubstr("不为之前任何记录所指"));
}

TEST_F(TamperTest, AForgedCheckpointOrKeyRecordIsRefused) {
  frames_[0].mutable_header()->mutable_checkpoint()->set_size(11);
  EXPECT_THAT(ProblemOf(Bytes(frames_)).what, HasSubstr("不覆盖"));

  frames_ = Frames(bundle_);
  frames_[0].mutable_header()->mutable_checkpoint()->set_time_us(checkpoint_.time_us() + 1);
  EXPECT_THAT(ProblemOf(Bytes(frames_)).what, HasSubstr("签名与所附公钥不符"));

  frames_ = Frames(bundle_);
  ASSERT_TRUE(frames_[1].has_key_record());
  v1::EventRecord key_record;
  key_record.ParseFromString(frames_[1].key_record());
  key_record.set_payload(key_record.payload() + "x");
  frames_[1].set_key_record(key_record.SerializeAsString());
  EXPECT_GT(ProblemOf(Bytes(frames_)).position, 0u);
}

TEST_F(TamperTest, AWholeChainRewrittenAndSignedByAnotherKeyIsNotTrusted) {
  // An insider's consistent rewrite: the same stream with other contents,
  // its own tree and checkpoints, signed by a key of its own.
  const SigningKey other = *SigningKey::Generate();
  Ledger forged(dir_ / "forged", clock_, other, dir_ / "other-key");
  forged.Append(12, "project:1", "假");
  const v1::SignedCheckpoint c = forged.Sign();
  auto bundle = forged.Write({.from = 1, .to = 12}, c);
  ASSERT_TRUE(bundle.ok());
  // It checks by itself...
  EXPECT_FALSE(Check(*bundle, {}).facts.problem.has_value());
  // ...but not against the server's key.
  BundleProblem p = ProblemOf(*bundle);
  EXPECT_THAT(p.what, HasSubstr(other.id()));
  EXPECT_THAT(p.what, HasSubstr("不是所给公钥"));
  // Nor with the server's public key put in the header.
  std::vector<v1::BundleFrame> frames = Frames(*bundle);
  frames[0].mutable_header()->set_checkpoint_public_key(key_.public_key());
  EXPECT_THAT(ProblemOf(Bytes(frames)).what, HasSubstr("签名与所附公钥不符"));
}

TEST_F(TamperTest, RecordsAreHandedOnOnlyUntilTheFirstProblem) {
  frames_[RecordFrame(frames_, 5)] = Edited(5);
  Checked checked = Check(Bytes(frames_), {key_.public_key()});
  ASSERT_TRUE(checked.facts.problem.has_value());
  EXPECT_TRUE(checked.records.empty());  // one batch, never proved
}

}  // namespace
}  // namespace taizhang::proof
