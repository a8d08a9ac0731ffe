// SHA-256 (OpenSSL) of a byte string, as 32 raw bytes. Thread-safe.
#ifndef TAIZHANG_STORE_SHA256_H_
#define TAIZHANG_STORE_SHA256_H_

#include <string>
#include <string_view>

namespace taizhang::store {

std::string Sha256(std::string_view data);

// Lower-case hex of arbitrary bytes (for digests shown to people).
std::string ToHex(std::string_view bytes);

// The bytes of lower- or upper-case hex text; false (and *bytes unchanged)
// when `hex` has an odd length or a character that is not a hex digit.
bool FromHex(std::string_view hex, std::string* bytes);

}  // namespace taizhang::store

#endif  // TAIZHANG_STORE_SHA256_H_
