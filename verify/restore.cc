#include "verify/restore.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "store/event_log.h"
#include "store/sha256.h"
#include "verify/verify.h"

namespace taizhang::verify {
namespace {

namespace fs = std::filesystem;

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::Status SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(absl::StrCat("opening ", path));
  const int r = ::fsync(fd);
  ::close(fd);
  if (r != 0) return Errno(absl::StrCat("syncing ", path));
  return absl::OkStatus();
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

absl::StatusOr<uint64_t> CopyDirectorySynced(const std::string& from, const std::string& to,
                                             uint64_t* files) {
  std::error_code error;
  if (!fs::create_directory(to, error) || error) {
    return absl::FailedPreconditionError(
        absl::StrCat(to, "：不能新建目录（", error ? error.message() : "它已存在", "）"));
  }
  uint64_t bytes = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(from, error)) {
    if (!e.is_regular_file()) {
      return absl::FailedPreconditionError(absl::StrCat(e.path().string(), "：备份中只应有文件"));
    }
    auto n = CopyFileSynced(e.path().string(), (fs::path(to) / e.path().filename()).string());
    if (!n.ok()) return n.status();
    bytes += *n;
    if (files != nullptr) ++*files;
  }
  if (error) return absl::UnavailableError(absl::StrCat("reading ", from, ": ", error.message()));
  if (absl::Status s = SyncPath(to); !s.ok()) return s;
  return bytes;
}

absl::StatusOr<Restored> Restore(const std::string& backup, const std::string& data_dir,
                                 const std::vector<std::string>& public_keys) {
  std::error_code error;
  if (fs::exists(data_dir, error) && !fs::is_empty(data_dir, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("数据目录 ", data_dir,
                     " 中已有文件：恢复只写入一个新的（或空的）数据目录，不覆盖现有日志"));
  }
  CheckOptions check;
  check.dir = backup;
  check.public_keys = public_keys;
  check.require_signature = false;
  const Report report = Check(check);
  if (!report.ok) {
    const Finding& f = report.failures.front();
    const bool named = f.position > 0 && !absl::StartsWith(f.what, "第 ");
    return absl::FailedPreconditionError(
        absl::StrCat("备份 ", backup, " 未通过核验，未恢复：",
                     named ? absl::StrCat("第 ", f.position, " 条：") : "", f.what));
  }

  // "data/" is "data": the copy is written beside it, not in it.
  fs::path target = fs::absolute(data_dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  const std::string temporary = target.string() + ".restoring";
  fs::remove_all(temporary, error);  // what a crash during an earlier restore left
  Restored out;
  absl::Status status = [&]() -> absl::Status {
    auto bytes = CopyDirectorySynced(backup, temporary, &out.files);
    if (!bytes.ok()) return bytes.status();
    out.bytes = *bytes;
    // The copy, read back before it is put in place, is the backup.
    ManualClock clock{absl::UnixEpoch()};
    store::Options ro;
    ro.create_if_missing = false;
    ro.read_only = true;
    auto log = store::OpenEventLog(temporary, clock, ro);
    if (!log.ok()) {
      return absl::DataLossError(absl::StrCat("恢复的日志不能打开：", log.status().message()));
    }
    auto v = (*log)->Verify(1, 0);
    if (!v.ok() || !v->ok || store::ToHex(v->last_hash) != report.chain_digest ||
        store::ToHex(v->merkle_root) != report.root) {
      return absl::DataLossError(absl::StrCat("复制出的日志与备份不同（", temporary, "）"));
    }
    return absl::OkStatus();
  }();
  if (status.ok()) {
    if (fs::exists(target, error)) fs::remove(target, error);  // empty, checked above
    fs::rename(temporary, target, error);
    if (error) {
      status = absl::UnavailableError(
          absl::StrCat("moving ", temporary, " to ", target.string(), ": ", error.message()));
    }
  }
  if (!status.ok()) {
    fs::remove_all(temporary, error);
    return status;
  }
  if (absl::Status s = SyncPath(target.parent_path().string()); !s.ok()) return s;
  out.head = report.head;
  out.chain_digest = report.chain_digest;
  out.root = report.root;
  return out;
}

}  // namespace taizhang::verify
