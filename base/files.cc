#include "base/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace taizhang {
namespace {

namespace fs = std::filesystem;

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::StatusOr<uint64_t> CopyFileSynced(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Errno(absl::StrCat("reading ", from));
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (out < 0) {
    ::close(in);
    return Errno(absl::StrCat("writing ", to));
  }
  uint64_t total = 0;
  char buffer[1 << 16];
  absl::Status status;
  for (;;) {
    const ssize_t n = ::read(in, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = Errno(absl::StrCat("reading ", from));
      break;
    }
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out, buffer + done, n - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        status = Errno(absl::StrCat("writing ", to));
        break;
      }
      done += w;
    }
    if (!status.ok()) break;
    total += n;
  }
  if (status.ok() && ::fsync(out) != 0) status = Errno(absl::StrCat("syncing ", to));
  ::close(in);
  if (::close(out) != 0 && status.ok()) status = Errno(absl::StrCat("closing ", to));
  if (!status.ok()) return status;
  return total;
}

}  // namespace

absl::Status SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(absl::StrCat("opening ", path));
  const int r = ::fsync(fd);
  ::close(fd);
  if (r != 0) return Errno(absl::StrCat("syncing ", path));
  return absl::OkStatus();
}

absl::StatusOr<CopiedFiles> CopyDirectorySynced(const std::string& from, const std::string& to) {
  std::error_code error;
  if (!fs::create_directory(to, error) || error) {
    return absl::FailedPreconditionError(
        absl::StrCat(to, "：不能新建目录（", error ? error.message() : "它已存在", "）"));
  }
  CopiedFiles out;
  for (const fs::directory_entry& e : fs::directory_iterator(from, error)) {
    if (!e.is_regular_file()) {
      return absl::FailedPreconditionError(absl::StrCat(e.path().string(), "：备份中只应有文件"));
    }
    auto n = CopyFileSynced(e.path().string(), (fs::path(to) / e.path().filename()).string());
    if (!n.ok()) return n.status();
    out.bytes += *n;
    ++out.files;
  }
  if (error) return absl::UnavailableError(absl::StrCat("reading ", from, ": ", error.message()));
  if (absl::Status s = SyncPath(to); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> InstalledDataDir(const std::string& argv0, const std::string& name) {
  std::error_code error;
  fs::path program = fs::read_symlink("/proc/self/exe", error);
  if (error) program = fs::absolute(argv0, error);
  const fs::path dir =
      (program.parent_path() / ".." / "share" / "taizhang" / name).lexically_normal();
  if (!fs::is_directory(dir, error)) {
    return absl::NotFoundError(
        absl::StrCat("not installed beside the program (looked in ", dir.string(), ")"));
  }
  return dir.string();
}

}  // namespace taizhang
