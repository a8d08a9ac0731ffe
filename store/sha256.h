// SHA-256 (OpenSSL) of a byte string, as 32 raw bytes. Thread-safe.
#ifndef TAIZHANG_STORE_SHA256_H_
#define TAIZHANG_STORE_SHA256_H_

#include <string>
#include <string_view>

namespace taizhang::store {

std::string Sha256(std::string_view data);

// Lower-case hex of arbitrary bytes (for digests shown to people).
std::string ToHex(std::string_view bytes);

}  // namespace taizhang::store

#endif  // TAIZHANG_STORE_SHA256_H_
