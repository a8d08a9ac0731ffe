#include "proof/ed25519.h"

#include <sys/stat.h>

#include <string>

#include "absl/status/status.h"
#include "base/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sha256.h"

namespace taizhang::proof {
namespace {

using ::taizhang::testing::TempDir;
using ::taizhang::testing::WriteFile;
using ::testing::HasSubstr;

std::string Hex(std::string_view hex) {
  std::string out;
  EXPECT_TRUE(store::FromHex(hex, &out));
  return out;
}

TEST(Ed25519Test, ChecksTheSignaturesOfRfc8032) {
  // RFC 8032 §7.1, tests 1 and 2: public key, message, signature.
  const std::string pub1 = Hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const std::string sig1 = Hex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
      "b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(VerifySignature(pub1, "", sig1));
  const std::string pub2 = Hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  const std::string sig2 = Hex(
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f1"
      "1d8c387b2eaeb4302aeeb00d291612bb0c00");
  EXPECT_TRUE(VerifySignature(pub2, Hex("72"), sig2));

  EXPECT_FALSE(VerifySignature(pub2, Hex("73"), sig2));  // another message
  EXPECT_FALSE(VerifySignature(pub1, Hex("72"), sig2));  // another key
  std::string flipped = sig2;
  flipped[10] ^= 0x01;
  EXPECT_FALSE(VerifySignature(pub2, Hex("72"), flipped));
  EXPECT_FALSE(VerifySignature(pub2, Hex("72"), sig2.substr(0, 63)));
  EXPECT_FALSE(VerifySignature(pub2.substr(0, 31), Hex("72"), sig2));
  EXPECT_FALSE(VerifySignature("", "", ""));
}

TEST(Ed25519Test, AKeySignsWhatItsPublicKeyChecks) {
  auto key = SigningKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status();
  ASSERT_EQ(key->public_key().size(), kPublicKeyBytes);
  const std::string sig = key->Sign("台账 checkpoint");
  ASSERT_EQ(sig.size(), kSignatureBytes);
  EXPECT_TRUE(VerifySignature(key->public_key(), "台账 checkpoint", sig));
  EXPECT_FALSE(VerifySignature(key->public_key(), "台账 checkpoinT", sig));

  auto other = SigningKey::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->public_key(), key->public_key());
  EXPECT_FALSE(VerifySignature(other->public_key(), "台账 checkpoint", sig));

  // The id: the first 8 bytes of the SHA-256 of the public key, in hex.
  EXPECT_EQ(key->id(), store::ToHex(store::Sha256(key->public_key()).substr(0, 8)));
  EXPECT_EQ(key->id().size(), 16u);
  EXPECT_EQ(KeyIdOf(key->public_key()), key->id());
}

TEST(Ed25519Test, AKeyFileIsWrittenForItsOwnerAloneAndReadsBackAsTheSameKey) {
  TempDir dir;
  auto key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string path = dir / "signing-key.pem";
  ASSERT_TRUE(key->Write(path).ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_THAT(::taizhang::testing::ReadFile(path), HasSubstr("-----BEGIN PRIVATE KEY-----"));

  auto loaded = SigningKey::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->public_key(), key->public_key());
  EXPECT_TRUE(VerifySignature(key->public_key(), "m", loaded->Sign("m")));

  // Never over an existing file.
  auto another = SigningKey::Generate();
  EXPECT_EQ(another->Write(path).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(SigningKey::Load(path)->public_key(), key->public_key());

  // LoadOrCreate: made once, then the same key.
  bool created = false;
  auto first = SigningKey::LoadOrCreate(dir / "new.pem", &created);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(created);
  auto again = SigningKey::LoadOrCreate(dir / "new.pem", &created);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(again->public_key(), first->public_key());
}

TEST(Ed25519Test, AFileThatIsNoEd25519PrivateKeyIsRefusedNamingIt) {
  TempDir dir;
  EXPECT_EQ(SigningKey::Load(dir / "missing.pem").status().code(), absl::StatusCode::kNotFound);

  const std::string garbage = dir / "garbage.pem";
  WriteFile(garbage, "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n");
  auto bad = SigningKey::Load(garbage);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr(garbage));

  // A public key is not a private one.
  auto key = SigningKey::Generate();
  const std::string pub = dir / "public.pem";
  WriteFile(pub, PublicKeyPem(key->public_key()));
  EXPECT_EQ(SigningKey::Load(pub).status().code(), absl::StatusCode::kInvalidArgument);

  // An existing file that holds no key is not replaced by a new one.
  const std::string empty = dir / "empty.pem";
  WriteFile(empty, "");
  bool created = true;
  EXPECT_EQ(SigningKey::LoadOrCreate(empty, &created).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(created);
  EXPECT_EQ(::taizhang::testing::ReadFile(empty), "");
}

TEST(Ed25519Test, APublicKeyReadsBackFromPemOrHex) {
  auto key = SigningKey::Generate();
  const std::string pem = PublicKeyPem(key->public_key());
  EXPECT_THAT(pem, HasSubstr("-----BEGIN PUBLIC KEY-----"));
  auto from_pem = ParsePublicKey(pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  EXPECT_EQ(*from_pem, key->public_key());
  auto from_hex = ParsePublicKey("  " + store::ToHex(key->public_key()) + "\n");
  ASSERT_TRUE(from_hex.ok());
  EXPECT_EQ(*from_hex, key->public_key());

  for (const std::string& bad :
       {std::string(""), store::ToHex(key->public_key()).substr(2),
        std::string("zz") + store::ToHex(key->public_key()).substr(2),
        std::string("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")}) {
    EXPECT_EQ(ParsePublicKey(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace taizhang::proof
