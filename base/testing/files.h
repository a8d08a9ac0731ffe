// Test support, files: the source tree a test reads its policies and test
// data from, a temporary directory removed when the test ends, and whole-file
// reads and writes. Header-only; for tests only (library taizhang_testing).
//
//   taizhang::testing::TempDir dir;                 // removed at scope exit
//   WriteFile(dir / "tokens.textproto", text);
//   Load(PoliciesDir() + "/calendars");            // the shipped policies
//
// No gRPC and nothing of the domain here: the daemon and CLI helpers are in
// services/testing/server_harness.h, an open ledger in
// workflows/testing/ledger_fixture.h.
//
// Thread-safety: TempDir is not shared between threads; the functions are
// safe to call from any thread.
#ifndef TAIZHANG_BASE_TESTING_FILES_H_
#define TAIZHANG_BASE_TESTING_FILES_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"

namespace taizhang::testing {

// The source tree: $TAIZHANG_SOURCE_DIR (CTest sets it for every test), else
// the working directory.
inline std::string SourceDir() {
  const char* dir = std::getenv("TAIZHANG_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

// The policies shipped with the workflows (workflows/policies in the source
// tree): calendars, ladders, approval, tasks, investment, backdating,
// attachments.
inline std::string PoliciesDir() { return SourceDir() + "/workflows/policies"; }

// A fresh, empty directory under the system's temporary directory, removed
// with everything in it when destroyed. Declare it before whatever keeps files
// open in it (a log, a ledger), so that those close first.
class TempDir {
 public:
  TempDir() : TempDir(std::filesystem::temp_directory_path()) {}
  // A new directory under `parent` (e.g. on another filesystem).
  explicit TempDir(const std::filesystem::path& parent) {
    std::random_device rd;
    for (;;) {
      path_ = parent / absl::StrCat("taizhang-test-", getpid(), "-", rd());
      if (std::filesystem::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  // A path inside the directory (not created).
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Replaces the file at `path` with `text` (bytes as given).
inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The bytes of the file at `path`; "" when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace taizhang::testing

#endif  // TAIZHANG_BASE_TESTING_FILES_H_
