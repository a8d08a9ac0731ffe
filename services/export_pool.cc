#include "services/export_pool.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace taizhang::services {

BuildSlots::Lease::Lease(BuildSlots& slots, absl::Duration wait) : slots_(slots) {
  absl::MutexLock l(&slots_.mu_);
  auto free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(slots_.mu_) {
    return slots_.held_ < slots_.limit_;
  };
  held_ = slots_.mu_.AwaitWithTimeout(absl::Condition(&free), wait);
  if (held_) ++slots_.held_;
}

BuildSlots::Lease::~Lease() {
  if (!held_) return;
  absl::MutexLock l(&slots_.mu_);
  --slots_.held_;
}

int BuildSlots::held() const {
  absl::MutexLock l(&mu_);
  return held_;
}

ExportPool::ExportPool(ExportPoolOptions options) : options_(std::move(options)) {
  const int workers = std::max(1, options_.workers);
  threads_.reserve(workers);
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

ExportPool::~ExportPool() {
  std::deque<std::function<void()>> dropped;
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  dropped.clear();  // unrun, outside the lock
  for (std::thread& t : threads_) t.join();
}

absl::Status ExportPool::Submit(std::function<void()> job) {
  absl::MutexLock l(&mu_);
  if (stopping_) return absl::FailedPreconditionError("导出服务正在停止");
  const int workers = static_cast<int>(threads_.size());
  if (running_ + static_cast<int>(queue_.size()) >= workers + std::max(0, options_.queue_limit)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "导出繁忙：已有 ", running_, " 份台账正在导出、", queue_.size(), " 份在排队，请稍后再试"));
  }
  queue_.push_back(std::move(job));
  return absl::OkStatus();
}

int ExportPool::running() const {
  absl::MutexLock l(&mu_);
  return running_;
}

int ExportPool::waiting() const {
  absl::MutexLock l(&mu_);
  return static_cast<int>(queue_.size());
}

void ExportPool::Work() {
  for (;;) {
    std::function<void()> job;
    {
      absl::MutexLock l(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    if (options_.before_job) options_.before_job();
    job();
    job = nullptr;  // what it holds goes before it counts as done
    absl::MutexLock l(&mu_);
    --running_;
  }
}

}  // namespace taizhang::services
