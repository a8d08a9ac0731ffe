// Test support: small files of each kind an attachment may be (a JPEG, a PNG,
// a PDF, as their bytes begin and end), and files that are none. Header-only;
// for tests only.
#ifndef TAIZHANG_WORKFLOWS_TESTING_ATTACHMENT_FILES_H_
#define TAIZHANG_WORKFLOWS_TESTING_ATTACHMENT_FILES_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "taizhang/v1/attachment.pb.h"

namespace taizhang::workflows::testing {

// A JPEG: SOI, an APP0 segment with `seed` in it, EOI.
inline std::string Jpeg(const std::string& seed, size_t padding = 0) {
  return absl::StrCat(std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 11), seed,
                      std::string(padding, 'x'), "\xFF\xD9");
}

// A PNG: signature, IHDR, IEND.
inline std::string Png(const std::string& seed) {
  return absl::StrCat(std::string("\x89PNG\r\n\x1a\n", 8), std::string("\0\0\0\x0D", 4), "IHDR",
                      std::string("\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0", 13), "CRC!", seed,
                      std::string("\0\0\0\0IEND\xAE\x42\x60\x82", 12));
}

inline std::string Pdf(const std::string& seed) {
  return absl::StrCat("%PDF-1.4\n", seed, "\n%%EOF\n");
}

inline v1::Attachment File(const std::string& name, const std::string& media_type,
                           const std::string& bytes) {
  v1::Attachment a;
  a.set_name(name);
  a.set_media_type(media_type);
  a.set_bytes(bytes);
  return a;
}

}  // namespace taizhang::workflows::testing

#endif  // TAIZHANG_WORKFLOWS_TESTING_ATTACHMENT_FILES_H_
