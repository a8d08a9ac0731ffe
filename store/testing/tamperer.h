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
#include "store/testing/raw_log.h"

namespace taizhang::store::testing {

// Opens the log's RocksDB directly, to damage it as a disk or an intruder would.
class Tamperer {
 public:
  explicit Tamperer(const std::string& dir) : raw_(dir) {
    EXPECT_TRUE(raw_.status().ok()) << raw_.status().ToString();
  }
  void Put(uint64_t position, const std::string& value) {
    ASSERT_TRUE(raw_.Put(RawLog::kEvents, format::EventKey(0, position), value).ok());
  }
  void Delete(uint64_t position) {
    ASSERT_TRUE(raw_.Delete(RawLog::kEvents, format::EventKey(0, position)).ok());
  }
  std::string Get(uint64_t position) {
    std::string v;
    EXPECT_TRUE(raw_.Get(RawLog::kEvents, format::EventKey(0, position), &v).ok());
    return v;
  }
  void PutBlob(const std::string& digest, const std::string& bytes) {
    ASSERT_TRUE(raw_.Put(RawLog::kBlobs, digest, bytes).ok());
  }
  void DeleteBlob(const std::string& digest) {
    ASSERT_TRUE(raw_.Delete(RawLog::kBlobs, digest).ok());
  }
  // Every (key, value) of the blobs column family.
  std::map<std::string, std::string> Blobs() {
    std::map<std::string, std::string> out;
    std::unique_ptr<rocksdb::Iterator> it = raw_.Iterate(RawLog::kBlobs);
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out[it->key().ToString()] = it->value().ToString();
    return out;
  }
  void PutMeta(const std::string& key, const std::string& value) {
    ASSERT_TRUE(raw_.Put(RawLog::kMeta, key, value).ok());
  }
  std::string GetMeta(const std::string& key) {
    std::string v;
    EXPECT_TRUE(raw_.Get(RawLog::kMeta, key, &v).ok());
    return v;
  }
  void PutSnapshotKey(const std::string& key, const std::string& value) {
    ASSERT_TRUE(raw_.Put(RawLog::kSnapshots, key, value).ok());
  }
  bool HasSnapshotKey(const std::string& key) {
    std::string v;
    return raw_.Get(RawLog::kSnapshots, key, &v).ok();
  }
  void DeleteSnapshotKey(const std::string& key) {
    ASSERT_TRUE(raw_.Delete(RawLog::kSnapshots, key).ok());
  }
  // What the log derives from its records: the stream index, the heads,
  // the request receipts (store/format.h's keys).
  void PutIndex(const std::string& key, const std::string& value) {
    ASSERT_TRUE(raw_.Put(RawLog::kStreamIndex, key, value).ok());
  }
  void PutHead(const std::string& stream, const std::string& value) {
    ASSERT_TRUE(raw_.Put(RawLog::kHeads, stream, value).ok());
  }
  void PutReceipt(const std::string& key, const std::string& value) {
    ASSERT_TRUE(raw_.Put(RawLog::kRequests, key, value).ok());
  }
  // The Merkle tree's node (level, index).
  std::string GetNode(uint32_t level, uint64_t index) {
    std::string v;
    EXPECT_TRUE(raw_.Get(RawLog::kMerkle, format::MerkleNodeKey(0, level, index), &v).ok());
    return v;
  }
  void PutNode(uint32_t level, uint64_t index, const std::string& hash) {
    ASSERT_TRUE(raw_.Put(RawLog::kMerkle, format::MerkleNodeKey(0, level, index), hash).ok());
  }
  void DeleteNode(uint32_t level, uint64_t index) {
    ASSERT_TRUE(raw_.Delete(RawLog::kMerkle, format::MerkleNodeKey(0, level, index)).ok());
  }
  // Removes the whole tree; returns how many nodes it had.
  size_t DeleteTree() {
    size_t n = 0;
    std::unique_ptr<rocksdb::Iterator> it = raw_.Iterate(RawLog::kMerkle);
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
      EXPECT_TRUE(raw_.Delete(RawLog::kMerkle, it->key().ToString()).ok());
    }
    return n;
  }

 private:
  RawLog raw_;
};

}  // namespace taizhang::store::testing

#endif  // TAIZHANG_STORE_TESTING_TAMPERER_H_
