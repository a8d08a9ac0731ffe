// The fields of a checkpoint record (engine/runtime.h, LogConsumer::Save):
// integers big-endian, strings preceded by their length.
#ifndef TAIZHANG_ENGINE_CHECKPOINT_RECORD_H_
#define TAIZHANG_ENGINE_CHECKPOINT_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace taizhang::engine {

class RecordWriter {
 public:
  RecordWriter& U32(uint32_t v) { return Put(v, 4); }
  RecordWriter& U64(uint64_t v) { return Put(v, 8); }
  RecordWriter& I64(int64_t v) { return Put(static_cast<uint64_t>(v), 8); }
  RecordWriter& String(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
    return *this;
  }
  // The rest of the record, without a length (e.g. a serialized message).
  std::string* rest() { return &out_; }
  std::string& bytes() { return out_; }

 private:
  RecordWriter& Put(uint64_t v, int size) {
    for (int i = size - 1; i >= 0; --i) out_.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  std::string out_;
};

// Reads what a RecordWriter wrote, in the same order; each read is false
// (and the reader spent) when the record is too short.
class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : in_(in) {}
  bool U32(uint32_t* v) {
    uint64_t w = 0;
    if (!Get(4, &w)) return false;
    *v = static_cast<uint32_t>(w);
    return true;
  }
  bool U64(uint64_t* v) { return Get(8, v); }
  bool I64(int64_t* v) {
    uint64_t w = 0;
    if (!Get(8, &w)) return false;
    *v = static_cast<int64_t>(w);
    return true;
  }
  bool String(std::string* s) {
    uint32_t size = 0;
    if (!U32(&size) || in_.size() < size) return Fail();
    s->assign(in_.substr(0, size));
    in_.remove_prefix(size);
    return true;
  }
  std::string_view rest() const { return in_; }
  bool done() const { return in_.empty(); }

 private:
  bool Get(int size, uint64_t* v) {
    if (in_.size() < static_cast<size_t>(size)) return Fail();
    *v = 0;
    for (int i = 0; i < size; ++i) *v = (*v << 8) | static_cast<unsigned char>(in_[i]);
    in_.remove_prefix(size);
    return true;
  }
  bool Fail() {
    in_ = {};
    return false;
  }
  std::string_view in_;
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_CHECKPOINT_RECORD_H_
