// RawLog: a closed log's RocksDB opened directly, every column family of
// store/format.h, for the tests and fuzz targets that alter a log as a disk
// or an insider with its files would. Without a test framework: its users
// check status() and what each call returns.
#ifndef TAIZHANG_STORE_TESTING_RAW_LOG_H_
#define TAIZHANG_STORE_TESTING_RAW_LOG_H_

#include <memory>
#include <string>
#include <vector>

#include "rocksdb/db.h"
#include "store/format.h"

namespace taizhang::store::testing {

class RawLog {
 public:
  // The column families, in the order they are opened.
  enum Family {
    kDefault,
    kEvents,
    kStreamIndex,
    kHeads,
    kRequests,
    kSnapshots,
    kMeta,
    kBlobs,
    kMerkle
  };

  explicit RawLog(const std::string& dir) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name :
         {rocksdb::kDefaultColumnFamilyName.c_str(), format::kEventsCf, format::kStreamIndexCf,
          format::kHeadsCf, format::kRequestsCf, format::kSnapshotsCf, format::kMetaCf,
          format::kBlobsCf, format::kMerkleCf}) {
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* raw = nullptr;
    status_ = rocksdb::DB::Open(rocksdb::Options(), dir, cfs, &handles_, &raw);
    db_.reset(raw);
  }
  ~RawLog() {
    if (db_ == nullptr) return;
    for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h);
  }
  RawLog(const RawLog&) = delete;
  RawLog& operator=(const RawLog&) = delete;

  // Whether it opened; nothing else may be called when it did not.
  const rocksdb::Status& status() const { return status_; }
  rocksdb::DB& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* family(Family f) { return handles_[f]; }

  rocksdb::Status Put(Family f, const std::string& key, const std::string& value) {
    return db_->Put({}, handles_[f], key, value);
  }
  rocksdb::Status Delete(Family f, const std::string& key) {
    return db_->Delete({}, handles_[f], key);
  }
  rocksdb::Status Get(Family f, const std::string& key, std::string* value) {
    return db_->Get({}, handles_[f], key, value);
  }
  std::unique_ptr<rocksdb::Iterator> Iterate(Family f) {
    return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator({}, handles_[f]));
  }

 private:
  rocksdb::Status status_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace taizhang::store::testing

#endif  // TAIZHANG_STORE_TESTING_RAW_LOG_H_
