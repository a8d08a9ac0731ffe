#include "proof/signer.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/testing/files.h"
#include "engine/event_type.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proof/checkpoint.h"
#include "proof/ed25519.h"
#include "store/event_log.h"

namespace taizhang::proof {
namespace {

using ::taizhang::testing::TempDir;
using ::testing::HasSubstr;

class SignerTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    signer_.reset();
    log_.reset();
    auto log = store::OpenEventLog(dir_ / "log", clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
  }

  // Appends `n` events to stream "s" under new request ids.
  void AppendEvents(int n) {
    for (int i = 0; i < n; ++i) {
      store::AppendRequest r;
      r.stream = "s";
      r.request_id = absl::StrCat("r", next_++);
      store::NewEvent e;
      e.type = "test.Happened";
      e.actor = "admin:ops";
      r.events.push_back(e);
      ASSERT_TRUE(log_->Append(r).ok());
    }
  }

  absl::StatusOr<std::unique_ptr<CheckpointSigner>> Open(const SigningKey& key,
                                                         const SigningKey* previous = nullptr,
                                                         SignerOptions options = {}) {
    std::optional<SigningKey> prev;
    if (previous != nullptr) prev = *SigningKey::Load(Save(*previous));
    return CheckpointSigner::Open(*log_, clock_, timer_clock_, *SigningKey::Load(Save(key)),
                                  std::move(prev), std::move(options));
  }

  // A copy of a key, through a file (keys cannot be copied).
  std::string Save(const SigningKey& key) {
    const std::string path = dir_ / absl::StrCat("key-", key.id(), ".pem");
    if (!SigningKey::Load(path).ok()) {
      EXPECT_TRUE(key.Write(path).ok());
    }
    return path;
  }

  // The proof records of the log, folded.
  KeyChain ChainOfLog() {
    KeyChain chain;
    auto events = log_->ReadStream(kProofStream, 1, 1000);
    EXPECT_TRUE(events.ok());
    for (const store::RecordedEvent& e : *events) EXPECT_TRUE(chain.Add(e).ok());
    return chain;
  }

  TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(1764734400)};
  ManualClock timer_clock_{absl::FromUnixSeconds(0)};
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<CheckpointSigner> signer_;
  int next_ = 0;
};

TEST_F(SignerTest, TheFirstCheckpointIntroducesTheKeyAndSignsTheTreeOfTheLogAsItStood) {
  const SigningKey key = *SigningKey::Generate();
  AppendEvents(3);
  auto signer = Open(key);
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(log_->HeadPosition(), 3u);  // opening writes nothing
  EXPECT_FALSE((*signer)->Latest().has_value());

  auto made = (*signer)->SignNow();
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->checkpoint.size(), 3u);
  EXPECT_EQ(made->checkpoint.root(), *log_->MerkleRoot(3));
  EXPECT_EQ(made->checkpoint.time_us(), clock_.NowMicros());
  EXPECT_EQ(made->checkpoint.key_id(), key.id());
  EXPECT_TRUE(CheckpointSignedBy(made->checkpoint, key.public_key()));
  EXPECT_EQ(made->position, 5u);  // the key at 4, the checkpoint at 5, in one append
  EXPECT_EQ(log_->HeadPosition(), 5u);

  auto records = log_->ReadAll(4, 10);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].record.type(), "proof.KeyIntroduced");
  EXPECT_EQ((*records)[1].record.type(), "proof.CheckpointSigned");
  EXPECT_EQ((*records)[0].record.actor(), kProofActor);
  EXPECT_EQ((*records)[1].record.request_id(), "checkpoint:3");
  KeyChain chain = ChainOfLog();
  ASSERT_NE(chain.current(), nullptr);
  EXPECT_EQ(chain.current()->public_key, key.public_key());

  // Nothing new but the proof records: the same checkpoint, nothing written.
  auto again = (*signer)->SignNow();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->position, 5u);
  EXPECT_EQ(log_->HeadPosition(), 5u);

  // Something new: a checkpoint of it, the key not recorded again.
  AppendEvents(1);
  auto next = (*signer)->SignNow();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->checkpoint.size(), 6u);
  EXPECT_EQ(next->position, 7u);
  EXPECT_EQ(next->checkpoint.root(), *log_->MerkleRoot(6));
  ASSERT_TRUE((*signer)->Latest().has_value());
  EXPECT_EQ((*signer)->Latest()->position, 7u);
}

TEST_F(SignerTest, AfterARestartTheLatestCheckpointIsKnownAndNotMadeAgain) {
  const SigningKey key = *SigningKey::Generate();
  AppendEvents(2);
  {
    auto signer = Open(key);
    ASSERT_TRUE((*signer)->SignNow().ok());
  }
  Reopen();
  auto signer = Open(key);
  ASSERT_TRUE(signer.ok()) << signer.status();
  ASSERT_TRUE((*signer)->Latest().has_value());
  EXPECT_EQ((*signer)->Latest()->checkpoint.size(), 2u);
  const uint64_t head = log_->HeadPosition();
  auto same = (*signer)->SignNow();
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->checkpoint.size(), 2u);
  EXPECT_EQ(log_->HeadPosition(), head);
}

TEST_F(SignerTest, AnEmptyLogHasNothingToSign) {
  auto signer = Open(*SigningKey::Generate());
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ((*signer)->SignNow().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*signer)->SignUnrecorded(1).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log_->HeadPosition(), 0u);
}

TEST_F(SignerTest, ACheckpointIsMadeEveryNRecordsAndEachTimeThatPassedWithRecords) {
  const SigningKey key = *SigningKey::Generate();
  auto signer = Open(key, nullptr, {.every_events = 5, .every = absl::Hours(1)});
  ASSERT_TRUE(signer.ok());
  (*signer)->Start();
  AppendEvents(4);
  (*signer)->WaitIdle();
  EXPECT_FALSE((*signer)->Latest().has_value());
  AppendEvents(1);
  // The fifth record makes one due: key and checkpoint, at 6 and 7.
  EXPECT_GE(log_->WaitForPosition(6, absl::Seconds(30)), 7u);
  (*signer)->WaitIdle();
  ASSERT_TRUE((*signer)->Latest().has_value());
  EXPECT_EQ((*signer)->Latest()->checkpoint.size(), 5u);
  EXPECT_EQ((*signer)->Latest()->position, 7u);

  // The checkpoint's own records do not count: four more make none.
  AppendEvents(4);
  (*signer)->WaitIdle();
  EXPECT_EQ((*signer)->Latest()->position, 7u);

  // An hour with records since: one, stamped when the hour was up.
  auto settle = [&] { (*signer)->WaitIdle(); };
  clock_.Advance(absl::Minutes(30));
  timer_clock_.Advance(absl::Hours(1), settle);
  ASSERT_EQ((*signer)->Latest()->checkpoint.size(), 11u);
  EXPECT_EQ((*signer)->Latest()->checkpoint.time_us(), clock_.NowMicros());
  // Hours with nothing new: none.
  const uint64_t head = log_->HeadPosition();
  timer_clock_.Advance(absl::Hours(5), settle);
  EXPECT_EQ(log_->HeadPosition(), head);

  (*signer)->Stop();
  AppendEvents(6);
  timer_clock_.Advance(absl::Hours(2));
  EXPECT_EQ(log_->HeadPosition(), head + 6);  // stopped: nothing more
  EXPECT_EQ(timer_clock_.PendingTimers(), 0u);
}

TEST_F(SignerTest, ANewKeyIsRecordedAsARotationVouchedForByTheOldOne) {
  const SigningKey a = *SigningKey::Generate(), b = *SigningKey::Generate();
  AppendEvents(1);
  ASSERT_TRUE((*Open(a))->SignNow().ok());  // key 2, checkpoint 3
  AppendEvents(1);
  auto signer = Open(b, &a);
  ASSERT_TRUE(signer.ok()) << signer.status();
  // Recorded as the signer opens: the old key is needed for this start only.
  EXPECT_EQ(log_->HeadPosition(), 5u);
  EXPECT_EQ(ChainOfLog().current()->id, b.id());
  auto made = (*signer)->SignNow();
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->checkpoint.key_id(), b.id());
  KeyChain chain = ChainOfLog();
  ASSERT_EQ(chain.keys().size(), 2u);
  EXPECT_EQ(chain.keys()[1].id, b.id());
  EXPECT_EQ(chain.keys()[1].replaces, a.id());
  EXPECT_TRUE(chain.keys()[1].endorsed);
  EXPECT_EQ(chain.keys()[1].from_position, 5u);

  // The replaced key cannot sign again.
  auto old = Open(a);
  EXPECT_EQ(old.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(old.status().message(), HasSubstr("已被密钥 " + b.id() + " 取代"));
}

TEST_F(SignerTest, AnotherKeyWithoutTheOldOneIsRefusedUnlessAcceptedAndThenSaysSo) {
  const SigningKey a = *SigningKey::Generate(), c = *SigningKey::Generate();
  AppendEvents(1);
  ASSERT_TRUE((*Open(a))->SignNow().ok());
  const uint64_t head = log_->HeadPosition();

  auto refused = Open(c);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr(a.id()));
  EXPECT_THAT(refused.status().message(), HasSubstr("previous_signing_key"));
  // Another key given as the old one is no better.
  auto wrong_previous = Open(c, &c);
  EXPECT_EQ(wrong_previous.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log_->HeadPosition(), head);

  auto accepted = Open(c, nullptr, {.accept_unendorsed = true});
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  AppendEvents(1);
  ASSERT_TRUE((*accepted)->SignNow().ok());
  KeyChain chain = ChainOfLog();
  ASSERT_EQ(chain.keys().size(), 2u);
  EXPECT_FALSE(chain.keys()[1].endorsed);
  EXPECT_EQ(chain.TrustedFrom(a.public_key()).size(), 1u);
}

TEST_F(SignerTest, AForgedProofRecordStopsTheSignerFromOpeningNamingIt) {
  const SigningKey a = *SigningKey::Generate(), x = *SigningKey::Generate();
  AppendEvents(1);
  ASSERT_TRUE((*Open(a))->SignNow().ok());  // 2, 3
  // A checkpoint signed by another key, appended past the server.
  v1::ProofEvent forged;
  v1::SignedCheckpoint* c = forged.mutable_checkpoint_signed();
  c->set_size(3);
  c->set_root(*log_->MerkleRoot(3));
  c->set_key_id(a.id());
  c->set_signature(x.Sign(CheckpointText(*c)));
  store::AppendRequest r;
  r.stream = kProofStream;
  r.request_id = "forged";
  store::NewEvent e;
  e.type = engine::EventTypeName(kProofPrefix, forged);
  e.payload = forged.SerializeAsString();
  e.actor = kProofActor;
  r.events.push_back(e);
  ASSERT_TRUE(log_->Append(r).ok());

  auto signer = Open(a);
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(signer.status().message(), HasSubstr("第 4 条记录"));
}

TEST_F(SignerTest, ACheckpointForADocumentIsSignedButNotRecordedItsKeyIs) {
  const SigningKey key = *SigningKey::Generate();
  AppendEvents(4);
  auto signer = Open(key);
  auto c = (*signer)->SignUnrecorded(3);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->size(), 3u);
  EXPECT_EQ(c->root(), *log_->MerkleRoot(3));
  EXPECT_TRUE(CheckpointSignedBy(*c, key.public_key()));
  // The key is recorded (so that whoever checks the document finds it in
  // the log), the checkpoint is not.
  EXPECT_EQ(log_->HeadPosition(), 5u);
  KeyChain chain = ChainOfLog();
  ASSERT_EQ(chain.keys().size(), 1u);
  EXPECT_EQ(chain.keys()[0].id, key.id());
  EXPECT_FALSE((*signer)->Latest().has_value());
  ASSERT_TRUE((*signer)->SignUnrecorded(5).ok());
  EXPECT_EQ(log_->HeadPosition(), 5u);
  EXPECT_EQ((*signer)->SignUnrecorded(0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*signer)->SignUnrecorded(6).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace taizhang::proof
