// The on-disk layout of the event log: column families, key encodings and
// limits. Described for people in docs/storage-format.md; keep both in step.
//
// All integers in keys are big-endian so that RocksDB's bytewise order is the
// numeric order. Values are protobuf messages from taizhang/v1/record.proto.
#ifndef TAIZHANG_STORE_FORMAT_H_
#define TAIZHANG_STORE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace taizhang::store::format {

// Column families.
inline constexpr char kEventsCf[] = "events";        // partition|position -> EventRecord
inline constexpr char kStreamIndexCf[] = "streams";  // stream\0version -> position (u64)
inline constexpr char kHeadsCf[] = "heads";          // stream -> StreamHead
inline constexpr char kRequestsCf[] = "requests";    // actor\0request id -> AppendReceipt
inline constexpr char kSnapshotsCf[] = "snapshots";  // stream\0version -> state bytes
inline constexpr char kMetaCf[] = "meta";            // name -> value
inline constexpr char kBlobsCf[] = "blobs";          // SHA-256 (32 bytes) -> blob bytes
inline constexpr char kMerkleCf[] = "merkle";        // partition|level|index -> node hash

// Keys in the meta column family.
inline constexpr char kMetaFormat[] = "format";     // value: kFormatVersion as decimal text
inline constexpr char kMetaHead[] = "head";         // value: position (u64) | chain hash (32 bytes)
inline constexpr char kMetaUserPrefix[] = "user/";  // PutMeta keys live under this prefix

// 2: request ids are keyed by (actor, request id), see RequestKey.
// 3: the blobs column family; records may name blobs (blob_digests). A log of
//    format 2 holds no blobs and is upgraded at open by writing 3.
// 4: the merkle column family, the Merkle tree of each partition's records
//    (store/merkle.h). A log of format 2 or 3 is upgraded at open by building
//    the tree over its records, then writing the format.
// 5: the merkle column family keeps the nodes above the leaves only: a leaf
//    is the hash of its stored record, computed when it is needed. A log of
//    format 4 is upgraded at open by deleting its leaves.
inline constexpr int kFormatVersion = 5;
inline constexpr int kOldestUpgradableFormatVersion = 2;
// The format of a log opened without its Merkle tree (Options::merkle_tree):
// the current format less the tree.
inline constexpr int kFormatWithoutMerkleTree = 3;
inline constexpr size_t kHashSize = 32;  // SHA-256

// Limits on what an append may carry.
inline constexpr size_t kMaxStreamBytes = 256;
inline constexpr size_t kMaxRequestIdBytes = 256;
inline constexpr size_t kMaxActorBytes = 256;
inline constexpr size_t kMaxTypeBytes = 128;
inline constexpr size_t kMaxEventsPerAppend = 1000;
inline constexpr size_t kMaxPayloadBytes = 4 << 20;
// Blobs (kBlobsCf): each at most kMaxBlobBytes; an append carries at most
// kMaxBlobsPerAppend of them, kMaxAppendBlobBytes together; an event names at
// most kMaxBlobsPerEvent. A group commit gathers appends until their blobs
// pass kMaxAppendBlobBytes (one append always fits), so one batch stays
// bounded.
inline constexpr size_t kMaxBlobBytes = 8 << 20;
inline constexpr size_t kMaxBlobsPerAppend = 16;
inline constexpr size_t kMaxAppendBlobBytes = 32 << 20;
inline constexpr size_t kMaxBlobsPerEvent = 64;

// Checkpoints of derived state (EventLog::WriteCheckpoint) live in the
// snapshots column family under keys that begin with a NUL byte, which no
// stream's name does:
//   prefix  = "\0checkpoint\0" name "\0"
//   prefix "r" index (u64)  -> the index-th record, from 0
//   prefix "z"              -> header: position (u64) | chain hash at the
//                              position (32 bytes; none at position 0) |
//                              records (u64) | digest (32 bytes)
// The digest is the SHA-256 of every record, each preceded by its length
// (u64). One checkpoint of a name is written as one table file, header last.
std::string CheckpointPrefix(std::string_view name);
std::string CheckpointRecordKey(std::string_view prefix, uint64_t index);
std::string CheckpointRecordsEnd(std::string_view prefix);  // past every record key
std::string CheckpointHeaderKey(std::string_view prefix);
std::string CheckpointRecordFrame(uint64_t size);
std::string EncodeCheckpointHeader(uint64_t position, std::string_view hash, uint64_t records,
                                   std::string_view digest);
bool DecodeCheckpointHeader(std::string_view value, uint64_t* position, std::string* hash,
                            uint64_t* records, std::string* digest);

void PutFixed32BE(std::string* dst, uint32_t v);
void PutFixed64BE(std::string* dst, uint64_t v);
uint32_t DecodeFixed32BE(const char* p);
uint64_t DecodeFixed64BE(const char* p);

// events: partition (u32) | position (u64).
std::string EventKey(uint32_t partition, uint64_t position);
inline constexpr size_t kEventKeySize = 12;
// Returns false when `key` is not an event key.
bool ParseEventKey(std::string_view key, uint32_t* partition, uint64_t* position);

// streams, snapshots: stream bytes | 0x00 | version (u64).
std::string StreamVersionKey(std::string_view stream, uint64_t version);
// The prefix shared by all keys of one stream.
std::string StreamPrefix(std::string_view stream);

// requests: actor bytes | 0x00 | request id bytes. The idempotency key of an
// append is the pair (actor, request id): each principal's ids are its own, so
// no caller can use up, or be answered with, another principal's request
// (the server's own "system:..." ids included). An actor holds no NUL (the log
// refuses one), so the first NUL ends it whatever bytes the request id holds.
std::string RequestKey(std::string_view actor, std::string_view request_id);
// Returns false when `key` is not a request key.
bool ParseRequestKey(std::string_view key, std::string* actor, std::string* request_id);

// blobs: the blob's SHA-256, 32 raw bytes (the same in every partition: the
// key is the content's).
inline constexpr size_t kBlobKeySize = kHashSize;

// merkle: partition (u32) | level (u8) | index (u64) -> the 32-byte hash of
// the perfect subtree over leaves [index << level, (index + 1) << level) of
// the partition's tree, where leaf i is the stored bytes of the record at
// position i + 1 (store/merkle.h). Written in the batch of the record that
// completes the subtree.
std::string MerkleNodeKey(uint32_t partition, uint32_t level, uint64_t index);
inline constexpr size_t kMerkleNodeKeySize = 13;

// The head value: position (u64) | hash (32 bytes).
std::string EncodeHead(uint64_t position, std::string_view hash);
bool DecodeHead(std::string_view value, uint64_t* position, std::string* hash);

}  // namespace taizhang::store::format

#endif  // TAIZHANG_STORE_FORMAT_H_
