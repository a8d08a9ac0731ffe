// ExportPool: a few threads of their own on which the HTTP side builds its
// exported ledgers (export_route.h), so that the HTTP server's one thread
// goes on serving pages and pushing the big screen while a city's ledger is
// folded and rendered (about half a second for 22,000 task rows as XLSX).
//
// Bounded twice: `workers` jobs run at once, and at most `queue_limit` more
// wait for a worker; a job beyond that is refused at once
// (RESOURCE_EXHAUSTED, which the route answers 503 with Retry-After), so a
// burst of requests neither grows memory nor makes anyone wait long. The
// ledger's own limit on how many are built at once in the process
// (ledger_export.h, as reports/pdf.h limits printing) still applies inside a
// job.
//
// Lifecycle: the threads start with the pool. The destructor refuses new
// jobs, drops the jobs still waiting (destroying them unrun, so whatever
// they hold to answer is released), and waits for the running ones.
//
// Thread-safety: Submit may be called from any thread; jobs run on the
// pool's threads, at most `workers` at once, in the order submitted.
#ifndef TAIZHANG_SERVICES_EXPORT_POOL_H_
#define TAIZHANG_SERVICES_EXPORT_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace taizhang::services {

struct ExportPoolOptions {
  int workers = 2;
  int queue_limit = 4;
  // For tests: called on the worker before each job runs (e.g. to hold an
  // export in flight while the test looks at the rest of the server).
  std::function<void()> before_job;
};

// At most `limit` holders at once: the process-wide limit on ledgers built
// at once (ledger_export.h), whichever door asks, as reports/pdf.h limits
// the documents printed at once.
class BuildSlots {
 public:
  explicit BuildSlots(int limit) : limit_(limit) {}

  // Holds a slot for its life; ok() false when none came free in time.
  class Lease {
   public:
    Lease(BuildSlots& slots, absl::Duration wait);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    bool ok() const { return held_; }

   private:
    BuildSlots& slots_;
    bool held_ = false;
  };

  int limit() const { return limit_; }
  int held() const;

 private:
  const int limit_;
  mutable absl::Mutex mu_;
  int held_ ABSL_GUARDED_BY(mu_) = 0;
};

class ExportPool {
 public:
  explicit ExportPool(ExportPoolOptions options = {});
  ~ExportPool();
  ExportPool(const ExportPool&) = delete;
  ExportPool& operator=(const ExportPool&) = delete;

  // Queues `job` to run on a worker. RESOURCE_EXHAUSTED, with a message a
  // person can act on, when queue_limit jobs already wait (the job is then
  // destroyed unrun); FAILED_PRECONDITION once the pool is stopping.
  absl::Status Submit(std::function<void()> job);

  // Jobs running now and waiting now.
  int running() const;
  int waiting() const;

 private:
  void Work();

  const ExportPoolOptions options_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_EXPORT_POOL_H_
