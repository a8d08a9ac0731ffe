// The big screen (大屏): the figures a public wall screen shows, and the feed
// that keeps every open screen up to date (GET /screen/ws, dashboard.h).
//
// BuildScreenSnapshot computes, from the Ledger's projections at `now`:
//   - lights: items in progress (projects not completed, case items submitted
//     and not decided, open tasks, assigned problems not resolved) by their
//     light now, per kind and in all;
//   - the unit ranking by on-time rate: for each responsible unit, the items
//     it finished (case items it decided, tasks it completed, problems it
//     resolved, project nodes it reported done) and how many of them within
//     their limit; ranked by that rate, higher first (compared exactly, by
//     cross-multiplication), then fewer open items overdue now, then more
//     items finished, then the unit's name (bytewise); units that finished
//     nothing come after every unit that did, by the same rule from "fewer
//     overdue" on. A task of several units counts for each of them;
//   - investment completion against time progress: the current month's
//     bulletin figures (Ledger::BulletinFor), overall and per lead unit;
//   - the overdue list: open items past their limit now (tasks, problems, case
//     items, project nodes, 应开工未开工, 应竣工未竣工), most calendar days
//     past the due date first, then by project code, kind and title;
//   - every project for the carousel, by code.
// What a public screen leaves out is listed in api_screen.proto. A caller
// that reads only some projects (a leader, an enterprise: ReadScope) gets the
// figures of what it reads; the screen role and the office read everything.
//
// ScreenFeeds keeps one snapshot per read scope, rebuilt whenever the
// ledger has applied a new position (told by the log's WaitForPosition, no
// busy polling), coalesced to at most one rebuild per min_interval, and at
// least every refresh_interval (days pass without events). Its snapshots are
// the WebSocket's messages (http_server.h's PushSource).
//
// Thread-safety: BuildScreenSnapshot is reentrant; ScreenFeeds is safe to use
// from any thread.
#ifndef TAIZHANG_SERVICES_SCREEN_H_
#define TAIZHANG_SERVICES_SCREEN_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "services/auth.h"
#include "services/http_server.h"
#include "store/event_log.h"
#include "taizhang/v1/api_screen.pb.h"
#include "workflows/ledger.h"

namespace taizhang::services {

inline constexpr int kScreenOverdueShown = 50;

// The screen's figures for what `caller` reads (see above).
v1::ScreenSnapshot BuildScreenSnapshot(const workflows::Ledger& ledger, const Caller& caller,
                                       absl::Time now);

// The snapshot as the WebSocket sends it: protobuf's JSON mapping, field
// names in lowerCamelCase, zeros and empty lists included.
std::string ScreenJson(const v1::ScreenSnapshot& snapshot);

struct ScreenFeedOptions {
  absl::Duration min_interval = absl::Milliseconds(150);
  absl::Duration refresh_interval = absl::Seconds(30);
  // The clock both intervals are measured on (its Monotonic()); null: the
  // system's, since the pacing is in real time even on a manual clock.
  const Clock* pacing = nullptr;
};

class ScreenFeeds {
 public:
  // `log`, `ledger` and `clock` must outlive the feeds. Starts a thread.
  ScreenFeeds(store::EventLog& log, const workflows::Ledger& ledger, Clock& clock,
              ScreenFeedOptions options = {});
  ~ScreenFeeds();  // stops the thread

  // The feed of `caller`'s scope, made (and its first snapshot built, on the
  // calling thread) on first use.
  std::shared_ptr<const PushSource> For(const Caller& caller);

  // Snapshots built so far (for tests and /metrics).
  uint64_t builds() const { return builds_.load(); }

 private:
  class Feed;
  // The feeds' thread: rebuilds them as the ledger moves on from `built_at`.
  void Run(uint64_t built_at);
  void RebuildAll();

  store::EventLog& log_;
  const workflows::Ledger& ledger_;
  Clock& clock_;
  const ScreenFeedOptions options_;
  std::atomic<uint64_t> builds_{0};

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // Scope key ("" for everything, else the actor) -> its feed.
  absl::flat_hash_map<std::string, std::shared_ptr<Feed>> feeds_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_SCREEN_H_
