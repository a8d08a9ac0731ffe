#include "engine/upcaster.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace taizhang::engine {

void UpcasterRegistry::Register(const std::string& type, uint32_t from_version, Step step) {
  steps_[{type, from_version}] = std::move(step);
}

absl::StatusOr<std::string> UpcasterRegistry::Upcast(const std::string& type, uint32_t version,
                                                     uint32_t current, std::string payload) const {
  if (version > current) {
    return absl::FailedPreconditionError(absl::StrCat("event type '", type, "' version ", version,
                                                      " is newer than this build understands (",
                                                      current, ")"));
  }
  for (uint32_t v = version; v < current; ++v) {
    auto it = steps_.find({type, v});
    if (it == steps_.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("no upcaster for event type '", type, "' from version ", v));
    }
    auto next = it->second(payload);
    if (!next.ok()) return next.status();
    payload = std::move(*next);
  }
  return payload;
}

}  // namespace taizhang::engine
