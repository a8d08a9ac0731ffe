// Files the server keeps on its own machine: a directory copied so that it
// stands on its own (for backups and restores, on any filesystem), and the
// data installed beside the programs.
#ifndef TAIZHANG_BASE_FILES_H_
#define TAIZHANG_BASE_FILES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace taizhang {

struct CopiedFiles {
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// Copies the regular files of the flat directory `from` into the new
// directory `to` (which must not exist: FAILED_PRECONDITION), each file
// written whole and fsynced, then the directory itself. A file of another
// kind in `from` is FAILED_PRECONDITION; a read or write that fails is
// UNAVAILABLE naming the file. What was copied before a failure is left for
// the caller to remove.
absl::StatusOr<CopiedFiles> CopyDirectorySynced(const std::string& from, const std::string& to);

// fsyncs the file or directory at `path` (UNAVAILABLE naming it on failure).
absl::Status SyncPath(const std::string& path);

// The directory `name` under share/taizhang beside the running program
// (<prefix>/bin/PROGRAM, <prefix>/share/taizhang/NAME), as installed; `argv0`
// when /proc/self/exe cannot be read. NOT_FOUND naming where it looked.
absl::StatusOr<std::string> InstalledDataDir(const std::string& argv0, const std::string& name);

}  // namespace taizhang

#endif  // TAIZHANG_BASE_FILES_H_
