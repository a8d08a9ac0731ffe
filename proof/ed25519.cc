#include "proof/ed25519.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "store/sha256.h"

namespace taizhang::proof {
namespace {

EVP_PKEY* Pkey(void* p) { return static_cast<EVP_PKEY*>(p); }

std::string RawPublic(EVP_PKEY* pkey) {
  std::string out(kPublicKeyBytes, '\0');
  size_t n = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(out.data()), &n) != 1 ||
      n != kPublicKeyBytes) {
    return "";
  }
  return out;
}

}  // namespace

SigningKey::SigningKey(void* pkey)
    : pkey_(pkey), public_key_(RawPublic(Pkey(pkey))), id_(KeyIdOf(public_key_)) {}

SigningKey::SigningKey(SigningKey&& other) noexcept
    : pkey_(std::exchange(other.pkey_, nullptr)),
      public_key_(std::move(other.public_key_)),
      id_(std::move(other.id_)) {}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(Pkey(pkey_));
    pkey_ = std::exchange(other.pkey_, nullptr);
    public_key_ = std::move(other.public_key_);
    id_ = std::move(other.id_);
  }
  return *this;
}

SigningKey::~SigningKey() { EVP_PKEY_free(Pkey(pkey_)); }

absl::StatusOr<SigningKey> SigningKey::Generate() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) return absl::InternalError("cannot make an Ed25519 key");
  return SigningKey(pkey);
}

absl::StatusOr<SigningKey> SigningKey::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("签名密钥文件 ", path, " 不存在或不可读"));
  std::stringstream text;
  text << in.rdbuf();
  std::string pem = text.str();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  // No passphrase is asked for (a server has no one to ask): an encrypted
  // key is refused.
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(
      bio, nullptr, [](char*, int, int, void*) { return -1; }, nullptr);
  BIO_free(bio);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (pkey == nullptr || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(pkey);
    return absl::InvalidArgumentError(absl::StrCat("签名密钥文件 ", path,
                                                   " 不是 Ed25519 私钥（PEM，BEGIN PRIVATE KEY，如 "
                                                   "openssl genpkey -algorithm ed25519 所写）"));
  }
  return SigningKey(pkey);
}

absl::StatusOr<SigningKey> SigningKey::LoadOrCreate(const std::string& path, bool* created) {
  *created = false;
  auto loaded = Load(path);
  if (!absl::IsNotFound(loaded.status()) || access(path.c_str(), F_OK) == 0) return loaded;
  auto key = Generate();
  if (!key.ok()) return key.status();
  if (absl::Status s = key->Write(path); !s.ok()) return s;
  *created = true;
  return key;
}

absl::Status SigningKey::Write(const std::string& path) const {
  BIO* bio = BIO_new(BIO_s_secmem());  // cleansed when freed
  if (bio == nullptr) return absl::InternalError("cannot encode the signing key");
  if (PEM_write_bio_PrivateKey(bio, Pkey(pkey_), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    BIO_free(bio);
    return absl::InternalError("cannot encode the signing key");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  struct Wipe {
    std::string& bytes;
    ~Wipe() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  } wipe{pem};

  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int e = errno;
    std::string why = absl::StrCat("不能写签名密钥文件 ", path, "：", std::strerror(e));
    return e == EEXIST ? absl::AlreadyExistsError(why) : absl::FailedPreconditionError(why);
  }
  size_t done = 0;
  while (done < pem.size()) {
    const ssize_t w = write(fd, pem.data() + done, pem.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int e = errno;
      close(fd);
      unlink(path.c_str());
      return absl::UnavailableError(
          absl::StrCat("不能写签名密钥文件 ", path, "：", std::strerror(e)));
    }
    done += static_cast<size_t>(w);
  }
  bool synced = fsync(fd) == 0;
  close(fd);
  // The file's name too: a key that signed records must not vanish in a crash.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dir_fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    synced = synced && fsync(dir_fd) == 0;
    close(dir_fd);
  }
  if (!synced) {
    unlink(path.c_str());
    return absl::UnavailableError(absl::StrCat("不能写签名密钥文件 ", path, "：fsync 失败"));
  }
  return absl::OkStatus();
}

std::string SigningKey::Sign(std::string_view message) const {
  std::string sig(kSignatureBytes, '\0');
  size_t n = sig.size();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, Pkey(pkey_)) == 1 &&
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &n,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok && n == kSignatureBytes ? sig : std::string();
}

std::string KeyIdOf(std::string_view public_key) {
  return store::ToHex(store::Sha256(public_key).substr(0, 8));
}

bool VerifySignature(std::string_view public_key, std::string_view message,
                     std::string_view signature) {
  if (public_key.size() != kPublicKeyBytes || signature.size() != kSignatureBytes) return false;
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size());
  if (pkey == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

std::string PublicKeyPem(std::string_view public_key) {
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size());
  if (pkey == nullptr) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (PEM_write_bio_PUBKEY(bio, pkey) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    out.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  return out;
}

absl::StatusOr<std::string> ParsePublicKey(std::string_view text) {
  const absl::string_view stripped =
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()));
  const std::string_view trimmed(stripped.data(), stripped.size());
  std::string raw;
  if (trimmed.size() == 2 * kPublicKeyBytes && store::FromHex(trimmed, &raw)) return raw;
  BIO* bio = BIO_new_mem_buf(trimmed.data(), static_cast<int>(trimmed.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey != nullptr && EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519) raw = RawPublic(pkey);
  EVP_PKEY_free(pkey);
  if (raw.size() != kPublicKeyBytes) {
    return absl::InvalidArgumentError(
        "不是 Ed25519 公钥：应为 PEM（BEGIN PUBLIC KEY）或 64 位十六进制");
  }
  return raw;
}

}  // namespace taizhang::proof
