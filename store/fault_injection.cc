#include "store/fault_injection.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace taizhang::store {
namespace {

enum class Fault { kNone, kNoSpace, kFsync };

class FaultFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FaultFileSystem(std::shared_ptr<rocksdb::FileSystem> base, std::string control)
      : FileSystemWrapper(std::move(base)), control_(std::move(control)) {}
  static const char* kClassName() { return "TaizhangFaultFileSystem"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (Now() == Fault::kNoSpace) return NoSpace();
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<File>(std::move(*result), this);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    if (Now() == Fault::kNoSpace) return NoSpace();
    rocksdb::IOStatus s = target()->ReopenWritableFile(name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<File>(std::move(*result), this);
    return s;
  }

  // What the control file says now.
  Fault Now() const {
    int fd = ::open(control_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Fault::kNone;
    char word[16] = {};
    const ssize_t n = ::read(fd, word, sizeof word - 1);
    ::close(fd);
    const std::string_view w(word, n > 0 ? static_cast<size_t>(n) : 0);
    if (w.rfind("nospace", 0) == 0) return Fault::kNoSpace;
    if (w.rfind("fsync", 0) == 0) return Fault::kFsync;
    return Fault::kNone;
  }
  static rocksdb::IOStatus NoSpace() {
    return rocksdb::IOStatus::NoSpace("No space left on device (injected)");
  }

 private:
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, const FaultFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->Now() == Fault::kNoSpace) return NoSpace();
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->Now() == Fault::kNoSpace) return NoSpace();
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override {
      if (fs_->Now() == Fault::kNoSpace) return NoSpace();
      return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (Check()) return Failed();
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (Check()) return Failed();
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    bool Check() {
      fault_ = fs_->Now();
      return fault_ != Fault::kNone;
    }
    rocksdb::IOStatus Failed() const {
      if (fault_ == Fault::kNoSpace) return NoSpace();
      return rocksdb::IOStatus::IOError("fsync failed (injected)");
    }
    const FaultFileSystem* fs_;
    Fault fault_ = Fault::kNone;
  };

  const std::string control_;
};

}  // namespace

std::unique_ptr<rocksdb::Env> NewFaultInjectionEnv(const std::string& control_file) {
  return rocksdb::NewCompositeEnv(
      std::make_shared<FaultFileSystem>(rocksdb::FileSystem::Default(), control_file));
}

}  // namespace taizhang::store
