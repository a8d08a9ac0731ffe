// Tamperer: the raw column families of a closed log, for tests that alter
// it as an insider with the files would (store/format.h's keys, partition 0).
#ifndef TAIZHANG_STORE_TESTING_TAMPERER_H_
#define TAIZHANG_STORE_TESTING_TAMPERER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "store/format.h"

namespace taizhang::store::testing {

// Opens the log's RocksDB directly, to damage it as a disk or an intruder would.
class Tamperer {
 public:
  explicit Tamperer(const std::string& dir) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name :
         {rocksdb::kDefaultColumnFamilyName.c_str(), format::kEventsCf, format::kStreamIndexCf,
          format::kHeadsCf, format::kRequestsCf, format::kSnapshotsCf, format::kMetaCf,
          format::kBlobsCf, format::kMerkleCf}) {
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* raw;
    EXPECT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir, cfs, &handles_, &raw).ok());
    db_.reset(raw);
  }
  ~Tamperer() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  }
  void Put(uint64_t position, const std::string& value) {
    ASSERT_TRUE(db_->Put({}, handles_[1], format::EventKey(0, position), value).ok());
  }
  void Delete(uint64_t position) {
    ASSERT_TRUE(db_->Delete({}, handles_[1], format::EventKey(0, position)).ok());
  }
  std::string Get(uint64_t position) {
    std::string v;
    EXPECT_TRUE(db_->Get({}, handles_[1], format::EventKey(0, position), &v).ok());
    return v;
  }
  void PutBlob(const std::string& digest, const std::string& bytes) {
    ASSERT_TRUE(db_->Put({}, handles_[7], digest, bytes).ok());
  }
  void DeleteBlob(const std::string& digest) {
    ASSERT_TRUE(db_->Delete({}, handles_[7], digest).ok());
  }
  // Every (key, value) of the blobs column family.
  std::map<std::string, std::string> Blobs() {
    std::map<std::string, std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[7]));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out[it->key().ToString()] = it->value().ToString();
    return out;
  }
  void PutMeta(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put({}, handles_[6], key, value).ok());
  }
  std::string GetMeta(const std::string& key) {
    std::string v;
    EXPECT_TRUE(db_->Get({}, handles_[6], key, &v).ok());
    return v;
  }
  void PutSnapshotKey(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put({}, handles_[5], key, value).ok());
  }
  bool HasSnapshotKey(const std::string& key) {
    std::string v;
    return db_->Get({}, handles_[5], key, &v).ok();
  }
  void DeleteSnapshotKey(const std::string& key) {
    ASSERT_TRUE(db_->Delete({}, handles_[5], key).ok());
  }
  // What the log derives from its records: the stream index, the heads,
  // the request receipts (store/format.h's keys).
  void PutIndex(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put({}, handles_[2], key, value).ok());
  }
  void PutHead(const std::string& stream, const std::string& value) {
    ASSERT_TRUE(db_->Put({}, handles_[3], stream, value).ok());
  }
  void PutReceipt(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put({}, handles_[4], key, value).ok());
  }
  // The Merkle tree's node (level, index).
  std::string GetNode(uint32_t level, uint64_t index) {
    std::string v;
    EXPECT_TRUE(db_->Get({}, handles_[8], format::MerkleNodeKey(0, level, index), &v).ok());
    return v;
  }
  void PutNode(uint32_t level, uint64_t index, const std::string& hash) {
    ASSERT_TRUE(db_->Put({}, handles_[8], format::MerkleNodeKey(0, level, index), hash).ok());
  }
  void DeleteNode(uint32_t level, uint64_t index) {
    ASSERT_TRUE(db_->Delete({}, handles_[8], format::MerkleNodeKey(0, level, index)).ok());
  }
  // Removes the whole tree; returns how many nodes it had.
  size_t DeleteTree() {
    size_t n = 0;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[8]));
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
      EXPECT_TRUE(db_->Delete({}, handles_[8], it->key()).ok());
    }
    return n;
  }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace taizhang::store::testing

#endif  // TAIZHANG_STORE_TESTING_TAMPERER_H_
