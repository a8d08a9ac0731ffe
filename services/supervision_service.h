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
// Serving: no follower holds a thread. A follower is a state machine on the
// callback API, served by two pump threads of the service: a pump reads the
// follower's next page of events, keeps the alerts its filter wants and
// starts writing them; gRPC's write callbacks send the rest of the page; the
// follower then goes back to the pumps for the next page. A follower that has
// caught up waits, idle, until the log announces a new head
// (EventLog::Subscribe, called after each durable batch), the client cancels
// (OnCancel), or the server stops. No polling, no timed wake-ups. A slow
// client holds only its own writes: the pumps serve the others meanwhile.
//
// Sharing: the alerts of the most recent events are mapped once and kept (the
// tail, kTailEvents events), so the followers that are live read them all
// from memory; one catching up from further back reads and maps its pages
// itself.
//
// Scoping: department and leader callers see only alerts addressed to their
// own unit; supervision, auditor and admin callers may ask for any.
//
// Thread-safety: all methods may be called from any thread.
#ifndef TAIZHANG_SERVICES_SUPERVISION_SERVICE_H_
#define TAIZHANG_SERVICES_SUPERVISION_SERVICE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

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

  // Events whose mapped alerts are kept for the live followers.
  static constexpr size_t kTailEvents = 4096;

 private:
  class Follower;
  friend class Follower;

  // One event's alerts, mapped (position, stream, type and time filled in).
  struct Mapped {
    uint64_t position = 0;
    std::vector<v1::Alert> alerts;
  };

  // What followers wait on and the pumps serve. Shared with the log's
  // subscription callback, which may still be running briefly after
  // Unsubscribe returns.
  struct Shared {
    // Guards everything below and every follower's state.
    absl::Mutex mu;
    uint64_t head ABSL_GUARDED_BY(mu) = 0;  // as announced by the log
    bool stopping ABSL_GUARDED_BY(mu) = false;
    bool pumps_exit ABSL_GUARDED_BY(mu) = false;
    int followers ABSL_GUARDED_BY(mu) = 0;
    // Followers waiting for a pump, in turn.
    std::deque<Follower*> ready ABSL_GUARDED_BY(mu);
    // Followers that have caught up, waiting for a head past their cursor.
    std::vector<Follower*> idle ABSL_GUARDED_BY(mu);
    uint64_t idle_head ABSL_GUARDED_BY(mu) = 0;  // the head the idle were last checked at
    absl::CondVar pump_cv;
  };

  // Serves ready followers until told to exit.
  void Pump();
  // The mapped events from `from` on, at most `max`: from the tail when it
  // holds them (read further from the log when the log is ahead of it), else
  // read and mapped here.
  absl::StatusOr<std::vector<std::shared_ptr<const Mapped>>> ReadMapped(uint64_t from, size_t max);
  std::shared_ptr<const Mapped> MapEvent(const store::RecordedEvent& e) const;

  store::EventLog& log_;
  const Authorizer& auth_;
  const std::shared_ptr<const AlertMapper> mapper_;
  const std::shared_ptr<Shared> shared_;
  uint64_t subscription_ = 0;

  // The tail: the mapped alerts of the latest events read, in position order.
  absl::Mutex tail_mu_;
  std::deque<std::shared_ptr<const Mapped>> tail_ ABSL_GUARDED_BY(tail_mu_);
  uint64_t tail_last_ ABSL_GUARDED_BY(tail_mu_) = 0;  // last position read into it

  std::vector<std::thread> pumps_;
};

// True when `alert` is for one of `roles` (any when empty) and, when `unit` is
// not empty, for that unit. An alert without recipients matches only the
// empty filter.
bool AlertMatches(const v1::Alert& alert, const google::protobuf::RepeatedField<int>& roles,
                  const std::string& unit);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_SUPERVISION_SERVICE_H_
