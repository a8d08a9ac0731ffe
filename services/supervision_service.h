// The Supervision service: FollowAlerts streams the alerts the AlertMapper
// derives from each event, from a position on, then live as events are
// recorded.
//
// Delivery: events are read in position order; the alerts of one event are
// sent together and the last carries last_in_event. A consumer that reconnects
// with from_position = the last position it has completely received (exclusive)
// gets every later alert exactly once, because the mapper is a pure function of
// the record.
//
// Waiting: a follower that has caught up sleeps until the log announces a new
// head (EventLog::Subscribe, called after each durable batch), the client
// cancels (the callback API's OnCancel), or the server stops. No polling, no
// timed wake-ups. Each follower has one thread of its own while it lives, so a
// slow mapper or client delays nobody else.
//
// Scoping: department and leader callers see only alerts addressed to their
// own unit; supervision, auditor and admin callers may ask for any.
//
// Thread-safety: all methods may be called from any thread.
#ifndef TAIZHANG_SERVICES_SUPERVISION_SERVICE_H_
#define TAIZHANG_SERVICES_SUPERVISION_SERVICE_H_

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/repeated_field.h"
#include "services/alert_mapper.h"
#include "services/auth.h"
#include "store/event_log.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::services {

class SupervisionService final : public v1::Supervision::CallbackService {
 public:
  // `log` and `auth` must outlive the service; `mapper` may be null (no alerts).
  SupervisionService(store::EventLog& log, const Authorizer& auth,
                     std::shared_ptr<const AlertMapper> mapper);
  // Requires that no follower is left (the gRPC server has shut down).
  ~SupervisionService() override;

  grpc::ServerWriteReactor<v1::Alert>* FollowAlerts(
      grpc::CallbackServerContext* ctx, const v1::FollowAlertsRequest* request) override;

  // Ends every follower with UNAVAILABLE (the message names the position to
  // reconnect from) and refuses new ones. Does not wait: the gRPC server's
  // Shutdown waits for the calls to finish.
  void Stop();

  // Followers currently streaming.
  int followers() const;

 private:
  class Follower;
  friend class Follower;

  // What followers wait on. Shared with the log's subscription callback, which
  // may still be running briefly after Unsubscribe returns.
  struct Shared {
    // Guards everything below and the wait state of every follower (their
    // conditions are evaluated under it).
    absl::Mutex mu;
    uint64_t head ABSL_GUARDED_BY(mu) = 0;  // as announced by the log
    bool stopping ABSL_GUARDED_BY(mu) = false;
    int followers ABSL_GUARDED_BY(mu) = 0;
  };

  store::EventLog& log_;
  const Authorizer& auth_;
  const std::shared_ptr<const AlertMapper> mapper_;
  const std::shared_ptr<Shared> shared_;
  uint64_t subscription_ = 0;
};

// True when `alert` is for one of `roles` (any when empty) and, when `unit` is
// not empty, for that unit. An alert without recipients matches only the
// empty filter.
bool AlertMatches(const v1::Alert& alert, const google::protobuf::RepeatedField<int>& roles,
                  const std::string& unit);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_SUPERVISION_SERVICE_H_
