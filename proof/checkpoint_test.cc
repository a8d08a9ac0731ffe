#include "proof/checkpoint.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proof/ed25519.h"
#include "store/sha256.h"

namespace taizhang::proof {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kTime = 1764734400123456;  // 2025-12-03T04:00:00.123456Z

SigningKey NewKey() { return *SigningKey::Generate(); }

v1::ProofEvent Introduce(const SigningKey& key, uint32_t partition = 0) {
  v1::ProofEvent e;
  v1::SigningKeyIntroduced* k = e.mutable_key_introduced();
  k->set_partition(partition);
  k->set_key_id(key.id());
  k->set_public_key(key.public_key());
  k->set_time_us(kTime);
  k->set_signature(key.Sign(IntroductionText(*k)));
  return e;
}

v1::ProofEvent Rotate(const SigningKey* old_key, const std::string& old_id,
                      const SigningKey& new_key) {
  v1::ProofEvent e;
  v1::SigningKeyRotated* r = e.mutable_key_rotated();
  r->set_old_key_id(old_id);
  r->set_new_key_id(new_key.id());
  r->set_new_public_key(new_key.public_key());
  r->set_time_us(kTime);
  const std::string text = RotationText(*r);
  r->set_new_signature(new_key.Sign(text));
  if (old_key != nullptr) r->set_old_signature(old_key->Sign(text));
  return e;
}

v1::ProofEvent Checkpoint(const SigningKey& key, uint64_t size) {
  v1::ProofEvent e;
  v1::SignedCheckpoint* c = e.mutable_checkpoint_signed();
  c->set_size(size);
  c->set_root(store::Sha256("root"));
  c->set_time_us(kTime);
  c->set_key_id(key.id());
  c->set_signature(key.Sign(CheckpointText(*c)));
  return e;
}

TEST(CheckpointTest, TheSignedTextsAreTheDocumentedOnes) {
  v1::SignedCheckpoint c;
  c.set_partition(3);
  c.set_size(1234);
  c.set_root(std::string(32, '\xab'));
  c.set_time_us(kTime);
  c.set_key_id("1a2b3c4d5e6f7081");
  EXPECT_EQ(CheckpointText(c),
            "taizhang checkpoint v1\n"
            "partition 3\n"
            "size 1234\n"
            "root abababababababababababababababababababababababababababababababab\n"
            "time 2025-12-03T04:00:00.123456Z\n"
            "key 1a2b3c4d5e6f7081\n");
  // The signature and anything not listed are not part of it.
  v1::SignedCheckpoint signed_c = c;
  signed_c.set_signature("whatever");
  EXPECT_EQ(CheckpointText(signed_c), CheckpointText(c));

  v1::SigningKeyIntroduced k;
  k.set_key_id("00112233aabbccdd");
  k.set_public_key(std::string(32, '\x01'));
  k.set_time_us(0);
  EXPECT_EQ(IntroductionText(k),
            "taizhang signing key v1\n"
            "partition 0\n"
            "key 00112233aabbccdd\n"
            "public key 0101010101010101010101010101010101010101010101010101010101010101\n"
            "time 1970-01-01T00:00:00.000000Z\n");

  v1::SigningKeyRotated r;
  r.set_partition(1);
  r.set_old_key_id("00112233aabbccdd");
  r.set_new_key_id("8899aabbccddeeff");
  r.set_new_public_key(std::string(32, '\x02'));
  r.set_time_us(kTime);
  EXPECT_EQ(RotationText(r),
            "taizhang signing key rotation v1\n"
            "partition 1\n"
            "old key 00112233aabbccdd\n"
            "new key 8899aabbccddeeff\n"
            "new public key 0202020202020202020202020202020202020202020202020202020202020202\n"
            "time 2025-12-03T04:00:00.123456Z\n");
}

TEST(CheckpointTest, EveryFieldIsCoveredByTheSignature) {
  const SigningKey key = NewKey();
  const v1::SignedCheckpoint good = Checkpoint(key, 10).checkpoint_signed();
  EXPECT_TRUE(CheckpointSignedBy(good, key.public_key()));
  EXPECT_FALSE(CheckpointSignedBy(good, NewKey().public_key()));
  for (int field = 0; field < 5; ++field) {
    v1::SignedCheckpoint c = good;
    switch (field) {
      case 0:
        c.set_partition(1);
        break;
      case 1:
        c.set_size(11);
        break;
      case 2:
        c.set_root(store::Sha256("another root"));
        break;
      case 3:
        c.set_time_us(kTime + 1);
        break;
      case 4:
        c.set_key_id(NewKey().id());
        break;
    }
    EXPECT_FALSE(CheckpointSignedBy(c, key.public_key())) << "field " << field;
  }
}

TEST(KeyChainTest, FoldsIntroductionRotationsAndCheckpointsCheckingEachSignature) {
  const SigningKey a = NewKey(), b = NewKey(), c = NewKey(), d = NewKey();
  KeyChain chain;
  ASSERT_TRUE(chain.Add(1, Introduce(a)).ok());
  ASSERT_TRUE(chain.Add(3, Checkpoint(a, 2)).ok());
  ASSERT_TRUE(chain.Add(5, Rotate(&a, a.id(), b)).ok());  // vouched for by a
  ASSERT_TRUE(chain.Add(6, Checkpoint(b, 5)).ok());
  ASSERT_TRUE(chain.Add(8, Rotate(nullptr, b.id(), c)).ok());  // b was lost
  ASSERT_TRUE(chain.Add(9, Rotate(&c, c.id(), d)).ok());
  ASSERT_TRUE(chain.Add(11, Checkpoint(d, 10)).ok());

  ASSERT_EQ(chain.keys().size(), 4u);
  EXPECT_EQ(chain.current()->id, d.id());
  EXPECT_EQ(chain.Find(b.id())->from_position, 5u);
  EXPECT_EQ(chain.Find(b.id())->replaces, a.id());
  EXPECT_TRUE(chain.Find(b.id())->endorsed);
  EXPECT_FALSE(chain.Find(c.id())->endorsed);
  EXPECT_EQ(chain.Find(NewKey().id()), nullptr);

  // Trust runs along endorsed rotations, both ways, and stops at the lost key.
  EXPECT_THAT(chain.TrustedFrom(a.public_key()), ElementsAre(a.id(), b.id()));
  EXPECT_THAT(chain.TrustedFrom(b.public_key()), ElementsAre(a.id(), b.id()));
  EXPECT_THAT(chain.TrustedFrom(d.public_key()), ElementsAre(c.id(), d.id()));
  EXPECT_THAT(chain.TrustedFrom(NewKey().public_key()), ElementsAre());
}

TEST(KeyChainTest, ARecordThatDoesNotCheckIsDataLossAtItsPosition) {
  const SigningKey a = NewKey(), b = NewKey();
  auto refused = [](KeyChain chain, uint64_t position, const v1::ProofEvent& e,
                    const std::string& why) {
    absl::Status s = chain.Add(position, e);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << why;
    EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("第 ", position, " 条记录"))) << why;
  };
  KeyChain empty;
  refused(empty, 2, Checkpoint(a, 1), "a checkpoint before any key");
  refused(empty, 2, Rotate(&a, a.id(), b), "a rotation before any key");
  v1::ProofEvent forged = Introduce(a);
  forged.mutable_key_introduced()->set_public_key(b.public_key());
  refused(empty, 1, forged, "an introduction signed by another key");
  v1::ProofEvent wrong_id = Introduce(a);
  wrong_id.mutable_key_introduced()->set_key_id(b.id());
  refused(empty, 1, wrong_id, "an id that is not the key's");
  refused(empty, 1, v1::ProofEvent(), "no kind");

  KeyChain chain;
  ASSERT_TRUE(chain.Add(1, Introduce(a)).ok());
  refused(chain, 3, Introduce(b), "a second introduction");
  refused(chain, 3, Checkpoint(b, 2), "a checkpoint by a key not in use");
  refused(chain, 3, Checkpoint(a, 3), "a checkpoint of records not before it");
  v1::ProofEvent altered = Checkpoint(a, 2);
  altered.mutable_checkpoint_signed()->set_size(1);
  refused(chain, 3, altered, "a checkpoint altered after signing");
  refused(chain, 3, Rotate(&a, b.id(), b), "a rotation from a key not in use");
  refused(chain, 3, Rotate(&b, a.id(), b), "an old signature by another key");
  v1::ProofEvent unsigned_new = Rotate(&a, a.id(), b);
  unsigned_new.mutable_key_rotated()->clear_new_signature();
  refused(chain, 3, unsigned_new, "a new key that did not sign");
  refused(chain, 3, Rotate(&a, a.id(), a), "a key rotated to itself");
}

}  // namespace
}  // namespace taizhang::proof
