// Ed25519 keys (OpenSSL): the server's signing key, and checking a signature
// with nothing but a public key.
//
// A private key is kept in a PEM file (PKCS#8, "BEGIN PRIVATE KEY"), the form
// `openssl genpkey -algorithm ed25519` writes; a public key is 32 raw bytes,
// given to people as PEM ("BEGIN PUBLIC KEY", what `openssl pkey -pubout`
// writes) or as 64 hex digits. A key is named by its id: the first 8 bytes
// of the SHA-256 of its 32 public bytes, in lower-case hex.
//
// Thread-safety: a SigningKey is immutable after it is made; Sign and the
// free functions may be called from any thread.
#ifndef TAIZHANG_PROOF_ED25519_H_
#define TAIZHANG_PROOF_ED25519_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace taizhang::proof {

inline constexpr size_t kPublicKeyBytes = 32;
inline constexpr size_t kSignatureBytes = 64;

class SigningKey {
 public:
  // A new key from the system's random source.
  static absl::StatusOr<SigningKey> Generate();
  // The key in a PEM file. NOT_FOUND when the file is missing;
  // INVALID_ARGUMENT, naming the file, when it holds no Ed25519 private key.
  static absl::StatusOr<SigningKey> Load(const std::string& path);
  // The key at `path`, made and written there (readable by its owner only)
  // when the file does not exist.
  static absl::StatusOr<SigningKey> LoadOrCreate(const std::string& path, bool* created);

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

  // Writes the private key as PEM to a new file (mode 0600); ALREADY_EXISTS
  // when `path` exists.
  absl::Status Write(const std::string& path) const;

  const std::string& public_key() const { return public_key_; }  // 32 bytes
  const std::string& id() const { return id_; }
  // The Ed25519 signature (64 bytes) of `message`.
  std::string Sign(std::string_view message) const;

 private:
  explicit SigningKey(void* pkey);
  void* pkey_ = nullptr;  // EVP_PKEY
  std::string public_key_;
  std::string id_;
};

// The id of a public key (32 raw bytes).
std::string KeyIdOf(std::string_view public_key);

// Whether `signature` is `public_key`'s Ed25519 signature of `message`
// (false for a key or signature of the wrong size).
bool VerifySignature(std::string_view public_key, std::string_view message,
                     std::string_view signature);

// A public key as PEM, and back: the 32 bytes from PEM text or from 64 hex
// digits (surrounding white space ignored). INVALID_ARGUMENT otherwise.
std::string PublicKeyPem(std::string_view public_key);
absl::StatusOr<std::string> ParsePublicKey(std::string_view text);

}  // namespace taizhang::proof

#endif  // TAIZHANG_PROOF_ED25519_H_
