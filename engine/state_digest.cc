#include "engine/state_digest.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace taizhang::engine {

std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

void StateDigester::U64(uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * (7 - i)));
  hasher_.Update(std::string_view(b, 8));
}

void StateDigester::Field(std::string_view bytes) {
  U64(bytes.size());
  hasher_.Update(bytes);
}

void StateDigester::Stream(std::string_view stream, uint64_t version, uint64_t position,
                           const google::protobuf::MessageLite& state) {
  Field(stream);
  U64(version);
  U64(position);
  Field(DeterministicBytes(state));
  ++streams_;
}

}  // namespace taizhang::engine
