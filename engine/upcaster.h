// Upcasting: turning an event stored under an older schema version into the
// current one when it is read. Stored events are never rewritten; a change of
// an event's shape registers a step from version n to n+1 here, and every
// reader sees the current shape.
//
// Thread-safety: register everything before use; Upcast is then safe to call
// concurrently (the registry is read-only).
#ifndef TAIZHANG_ENGINE_UPCASTER_H_
#define TAIZHANG_ENGINE_UPCASTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace taizhang::engine {

class UpcasterRegistry {
 public:
  // A step turns the payload of (type, from_version) into version from+1.
  using Step = std::function<absl::StatusOr<std::string>(const std::string& payload)>;

  // Registers the step from `from_version` to `from_version + 1` of `type`.
  void Register(const std::string& type, uint32_t from_version, Step step);

  // Brings `payload` of `type` at `version` up to `current`. FAILED_PRECONDITION
  // when a step is missing or the stored version is newer than this build;
  // a step's own error is passed on.
  absl::StatusOr<std::string> Upcast(const std::string& type, uint32_t version, uint32_t current,
                                     std::string payload) const;

 private:
  std::map<std::pair<std::string, uint32_t>, Step> steps_;
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_UPCASTER_H_
