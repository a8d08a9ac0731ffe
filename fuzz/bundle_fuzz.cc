// Export bundles (proof/bundle.h) as an auditor's checker reads them: any
// bytes are read frame by frame and checked, with and without a trusted
// key; what is refused is named, and what passes handed on whole.
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "fuzz/fuzz_target.h"
#include "proof/bundle.h"
#include "proof/signer.h"
#include "store/event_log.h"
#include "store/sha256.h"

namespace taizhang::fuzz {
namespace {

// The key of the seeds' server, fixed so that a corpus made by one program
// is trusted by another: a key for fuzzing only, signing nothing else.
constexpr char kSeedKeyPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIPy9cEtJO46SoTS2aXtAH1NfS/ENgQTTZiMjlOvMPhlK\n"
    "-----END PRIVATE KEY-----\n";

absl::StatusOr<proof::SigningKey> SeedKey(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "seed-key.pem";
  std::ofstream(file) << kSeedKeyPem;
  return proof::SigningKey::Load(file.string());
}

const std::string& TrustedKey() {
  static const std::string* key = [] {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / absl::StrCat("tz_fuzz_key_", ::getpid());
    std::filesystem::create_directories(dir);
    auto k = SeedKey(dir);
    std::error_code error;
    std::filesystem::remove_all(dir, error);
    return new std::string(k.ok() ? k->public_key() : "");
  }();
  return *key;
}

std::vector<std::string> BundleSeeds(const std::string&) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() /
                       absl::StrCat("tz_fuzz_bundle_", ::getpid(), "_", std::random_device()());
  std::vector<std::string> out;
  std::filesystem::create_directories(dir);
  {
    ManualClock clock(absl::FromUnixSeconds(1764734400));
    auto log = store::OpenEventLog((dir / "log").string(), clock);
    if (!log.ok()) return out;
    for (int i = 0; i < 6; ++i) {
      store::AppendRequest r;
      r.stream = absl::StrCat("task/", i % 2);
      r.request_id = absl::StrCat("r", i);
      store::NewEvent e;
      e.type = "task.Created";
      e.actor = "supervision:督查室";
      e.payload = absl::StrCat("内容", i);
      if (i == 3) {
        r.blobs.push_back("照片");
        e.blob_digests.push_back(store::Sha256("照片"));
      }
      r.events.push_back(e);
      (void)(*log)->Append(r);
    }
    auto key = SeedKey(dir);
    if (!key.ok()) return out;
    auto signer = proof::CheckpointSigner::Open(**log, clock, clock, *std::move(key), std::nullopt,
                                                proof::SignerOptions{});
    if (!signer.ok()) return out;
    auto made = (*signer)->SignNow();
    if (!made.ok()) return out;
    for (auto [from, to] : {std::pair<uint64_t, uint64_t>{1, 6}, {4, 6}, {6, 6}}) {
      std::string bytes;
      (void)proof::WriteBundle(**log, {.from = from, .to = to}, made->checkpoint,
                               (*signer)->key().public_key(), clock.NowMicros(), "auditor:审计局",
                               [&](std::string_view b) {
                                 bytes.append(b);
                                 return absl::OkStatus();
                               });
      out.push_back(std::move(bytes));
    }
    (*signer)->Stop();
  }
  std::error_code error;
  fs::remove_all(dir, error);
  return out;
}

}  // namespace

TAIZHANG_FUZZ_TARGET(bundle, BundleSeeds) {
  for (const bool with_key : {false, true}) {
    std::istringstream in(std::string(AsText(data, size)));
    proof::BundleReader reader(in);
    uint64_t records = 0, blobs = 0;
    const proof::BundleFacts facts = proof::CheckBundle(
        reader, with_key ? std::vector<std::string>{TrustedKey()} : std::vector<std::string>{},
        [&](std::vector<std::string> r, std::vector<std::string> b) {
          FUZZ_CHECK(!r.empty());
          records += r.size();
          blobs += b.size();
          return absl::OkStatus();
        });
    if (facts.problem.has_value()) {
      FUZZ_CHECK(!facts.problem->what.empty());
      FUZZ_CHECK(!facts.trusted || with_key);
    } else {
      // What passes was handed on whole, ends where its header says, and is
      // trusted only against a key that was given.
      FUZZ_CHECK(records == facts.summary.records);
      FUZZ_CHECK(blobs == facts.summary.blobs);
      FUZZ_CHECK(records == facts.header.to_position() - facts.header.from_position() + 1);
      FUZZ_CHECK(facts.last_hash.size() == 32);
      FUZZ_CHECK(facts.trusted == with_key);
    }
  }
}

}  // namespace taizhang::fuzz
