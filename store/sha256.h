// SHA-256 (OpenSSL) of a byte string, as 32 raw bytes. Thread-safe.
#ifndef TAIZHANG_STORE_SHA256_H_
#define TAIZHANG_STORE_SHA256_H_

#include <string>
#include <string_view>

namespace taizhang::store {

std::string Sha256(std::string_view data);

// SHA-256 of bytes given in pieces.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  // The digest (32 raw bytes) of everything given; the hasher is then spent.
  std::string Finish();

 private:
  void* ctx_;  // EVP_MD_CTX
};

// Lower-case hex of arbitrary bytes (for digests shown to people).
std::string ToHex(std::string_view bytes);

// The bytes of lower- or upper-case hex text; false (and *bytes unchanged)
// when `hex` has an odd length or a character that is not a hex digit.
bool FromHex(std::string_view hex, std::string* bytes);

}  // namespace taizhang::store

#endif  // TAIZHANG_STORE_SHA256_H_
