#include "store/format.h"

namespace taizhang::store::format {

void PutFixed32BE(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 3; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 4);
}

void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 8);
}

uint32_t DecodeFixed32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string EventKey(uint32_t partition, uint64_t position) {
  std::string key;
  key.reserve(kEventKeySize);
  PutFixed32BE(&key, partition);
  PutFixed64BE(&key, position);
  return key;
}

bool ParseEventKey(std::string_view key, uint32_t* partition, uint64_t* position) {
  if (key.size() != kEventKeySize) return false;
  *partition = DecodeFixed32BE(key.data());
  *position = DecodeFixed64BE(key.data() + 4);
  return true;
}

std::string MerkleNodeKey(uint32_t partition, uint32_t level, uint64_t index) {
  std::string key;
  key.reserve(kMerkleNodeKeySize);
  PutFixed32BE(&key, partition);
  key.push_back(static_cast<char>(level));
  PutFixed64BE(&key, index);
  return key;
}

std::string StreamPrefix(std::string_view stream) {
  std::string key(stream);
  key.push_back('\0');
  return key;
}

std::string StreamVersionKey(std::string_view stream, uint64_t version) {
  std::string key = StreamPrefix(stream);
  PutFixed64BE(&key, version);
  return key;
}

std::string RequestKey(std::string_view actor, std::string_view request_id) {
  std::string key;
  key.reserve(actor.size() + 1 + request_id.size());
  key.append(actor);
  key.push_back('\0');
  key.append(request_id);
  return key;
}

bool ParseRequestKey(std::string_view key, std::string* actor, std::string* request_id) {
  size_t nul = key.find('\0');
  if (nul == std::string_view::npos) return false;
  actor->assign(key.substr(0, nul));
  request_id->assign(key.substr(nul + 1));
  return true;
}

std::string EncodeHead(uint64_t position, std::string_view hash) {
  std::string value;
  PutFixed64BE(&value, position);
  value.append(hash);
  return value;
}

bool DecodeHead(std::string_view value, uint64_t* position, std::string* hash) {
  if (value.size() != 8 + kHashSize) return false;
  *position = DecodeFixed64BE(value.data());
  hash->assign(value.substr(8));
  return true;
}

std::string CheckpointPrefix(std::string_view name) {
  std::string out("\0checkpoint\0", 12);
  out.append(name);
  out.push_back('\0');
  return out;
}

std::string CheckpointRecordKey(std::string_view prefix, uint64_t index) {
  std::string out(prefix);
  out.push_back('r');
  PutFixed64BE(&out, index);
  return out;
}

std::string CheckpointRecordsEnd(std::string_view prefix) {
  std::string out(prefix);
  out.push_back('s');
  return out;
}

std::string CheckpointHeaderKey(std::string_view prefix) {
  std::string out(prefix);
  out.push_back('z');
  return out;
}

std::string CheckpointRecordFrame(uint64_t size) {
  std::string out;
  PutFixed64BE(&out, size);
  return out;
}

std::string EncodeCheckpointHeader(uint64_t position, std::string_view hash, uint64_t records,
                                   std::string_view digest) {
  std::string out;
  PutFixed64BE(&out, position);
  out.append(hash);
  PutFixed64BE(&out, records);
  out.append(digest);
  return out;
}

bool DecodeCheckpointHeader(std::string_view value, uint64_t* position, std::string* hash,
                            uint64_t* records, std::string* digest) {
  // With a chain hash (position > 0) or without (the empty log).
  size_t hash_size = 0;
  if (value.size() == 8 + kHashSize + 8 + kHashSize) {
    hash_size = kHashSize;
  } else if (value.size() != 8 + 8 + kHashSize) {
    return false;
  }
  *position = DecodeFixed64BE(value.data());
  hash->assign(value.substr(8, hash_size));
  *records = DecodeFixed64BE(value.data() + 8 + hash_size);
  digest->assign(value.substr(16 + hash_size));
  return (*position == 0) == (hash_size == 0);
}

}  // namespace taizhang::store::format
