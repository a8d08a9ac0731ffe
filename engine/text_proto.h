// Loading policy data (calendars, limits, ladders) from protobuf text format.
//
// Text format is typed, diff-friendly and gives line numbers; every error names
// the file, the line and column, and the reason, so a bad policy file is refused
// at start with something a person can act on.
#ifndef TAIZHANG_ENGINE_TEXT_PROTO_H_
#define TAIZHANG_ENGINE_TEXT_PROTO_H_

#include <string>

#include "absl/status/status.h"

namespace google::protobuf {
class Message;
}

namespace taizhang::engine {

// Parses `text` into `message` (cleared first). `name` is used in errors
// ("name:line:col: reason"). Returns INVALID_ARGUMENT on any error.
absl::Status ParseTextProto(const std::string& name, const std::string& text,
                            google::protobuf::Message* message);

// Reads the file at `path` and parses it. NOT_FOUND when it cannot be read.
absl::Status LoadTextProtoFile(const std::string& path, google::protobuf::Message* message);

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_TEXT_PROTO_H_
