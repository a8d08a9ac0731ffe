#include "engine/aggregate.h"

namespace taizhang::engine {

EventContext ContextOf(const store::RecordedEvent& e) {
  EventContext ctx;
  ctx.position = e.record.position();
  ctx.version = e.record.version();
  ctx.occurred_at = absl::FromUnixMicros(e.record.occurred_at_us());
  ctx.recorded_at = absl::FromUnixMicros(e.record.recorded_at_us());
  ctx.actor = e.record.actor();
  return ctx;
}

}  // namespace taizhang::engine
