// AlertMapper: how events of the log become alerts for people (督查督办).
//
// The Supervision service follows the log and hands each event to the mapper;
// the domain knows which events mean "a rung was reached", "a light turned
// red", "a limit passed", and whom each concerns. The domain plugs its mapper
// into the server (TaizhangServer::SetAlertMapper); without one, FollowAlerts
// streams nothing.
//
// Contract:
//   - Map is a pure function of the record: the same event gives the same
//     alerts, in the same order, every time. That is what lets a consumer
//     reconnect from its last acknowledged position and see nothing twice.
//   - Map fills kind, title, recipients, due_at, payload_json and light as it
//     sees fit. The server sets position, stream, event_type, index_in_event
//     and last_in_event itself, and occurred_at from the record when unset.
//   - Most events give no alert: return an empty vector.
//
// This header is free of gRPC: the domain may implement it anywhere.
//
// Thread-safety: Map is called concurrently from every follower's thread.
#ifndef TAIZHANG_SERVICES_ALERT_MAPPER_H_
#define TAIZHANG_SERVICES_ALERT_MAPPER_H_

#include <vector>

#include "store/event_log.h"
#include "taizhang/v1/api_supervision.pb.h"

namespace taizhang::services {

class AlertMapper {
 public:
  virtual ~AlertMapper() = default;
  virtual std::vector<v1::Alert> Map(const store::RecordedEvent& event) const = 0;
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_ALERT_MAPPER_H_
