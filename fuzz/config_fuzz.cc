// taizhangd's configuration file (services/config.h) as an operator writes
// it: any text is read from a file and applied to the server's options. What
// does not parse, or holds a bad clock or date, is refused with
// INVALID_ARGUMENT naming the file or the field.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_target.h"
#include "services/config.h"

namespace taizhang::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> ConfigSeeds(const std::string& source_dir) {
  return {ReadSeedFile((fs::path(source_dir) / "deploy" / "taizhangd.example.textproto").string()),
          "clock: \"manual\"\nclock_start: \"2020-06-29\"\n", "clock: \"sometimes\"\n",
          "clock_start: \"2020-02-30\"\nclock: \"manual\"\n"};
}

}  // namespace

TAIZHANG_FUZZ_TARGET(config, ConfigSeeds) {
  static const fs::path file = [] {
    static const fs::path* path = new fs::path(
        fs::temp_directory_path() /
        absl::StrCat("tz_fuzz_config_", ::getpid(), "_", std::random_device()(), ".textproto"));
    std::atexit([] {
      std::error_code error;
      fs::remove(*path, error);
    });
    return *path;
  }();
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto config = services::LoadServerConfig(file.string());
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(absl::StrContains(config.status().message(), file.string()));
    return;
  }
  services::ServerOptions options;
  absl::Status s = services::ApplyServerConfig(*config, &options);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!s.message().empty());
  }
}

}  // namespace taizhang::fuzz
