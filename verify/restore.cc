#include "verify/restore.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/files.h"
#include "store/event_log.h"
#include "store/sha256.h"
#include "verify/verify.h"

namespace taizhang::verify {
namespace {

namespace fs = std::filesystem;

}  // namespace

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
    auto copied = CopyDirectorySynced(backup, temporary);
    if (!copied.ok()) return copied.status();
    out.files = copied->files;
    out.bytes = copied->bytes;
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
    log->reset();
    // The index, heads and request receipts beside the records are not
    // covered by the chain, nor are the checkpoints of the projections: the
    // restored log has them made anew from its records, and the server's
    // first start replays the whole log.
    auto writable = store::OpenEventLog(temporary, clock, {.create_if_missing = false});
    if (!writable.ok()) {
      return absl::DataLossError(absl::StrCat("恢复的日志不能打开：", writable.status().message()));
    }
    auto rederived = (*writable)->RederiveFromRecords();
    if (!rederived.ok()) {
      return absl::DataLossError(
          absl::StrCat("由记录重建索引失败：", rederived.status().message()));
    }
    out.streams = rederived->streams;
    out.requests = rederived->requests;
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
