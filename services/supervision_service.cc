#include "services/supervision_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/grpc_status.h"

namespace taizhang::services {
namespace {

constexpr size_t kPage = 256;

// A call refused before it starts streaming.
class Refusal final : public grpc::ServerWriteReactor<v1::Alert> {
 public:
  explicit Refusal(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

bool AlertMatches(const v1::Alert& alert, const google::protobuf::RepeatedField<int>& roles,
                  const std::string& unit) {
  if (roles.empty() && unit.empty()) return true;
  for (const v1::Recipient& r : alert.recipients()) {
    bool role_ok = roles.empty() || std::find(roles.begin(), roles.end(), r.role()) != roles.end();
    bool unit_ok = unit.empty() || r.unit() == unit;
    if (role_ok && unit_ok) return true;
  }
  return false;
}

// One FollowAlerts call. Its state says who may touch it next:
//   kReady     in the ready queue: the next pump to take it;
//   kServing   a pump, reading its next page;
//   kWriting   gRPC, until OnWriteDone (which writes the rest of the page);
//   kIdle      caught up: the pump that sees the head pass its cursor;
//   kFinished  Finish was called: nobody (OnDone deletes it).
class SupervisionService::Follower final : public grpc::ServerWriteReactor<v1::Alert> {
 public:
  enum class State { kReady, kServing, kWriting, kIdle, kFinished };

  Follower(SupervisionService* service, v1::FollowAlertsRequest request, std::string actor,
           uint64_t stop_at)
      : service_(service),
        shared_(service->shared_),
        request_(std::move(request)),
        actor_(std::move(actor)),
        stop_at_(stop_at),
        cursor_(request_.from_position()) {
    StartSendInitialMetadata();  // tells the client the stream is established
    absl::MutexLock l(&shared_->mu);
    MakeReady();
  }

  // gRPC's reactions and the Start/Finish calls never run under shared_->mu:
  // gRPC may call a reaction from inside them.
  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock l(&shared_->mu);
      if (!ok || cancelled_) {
        MarkFinished();
      } else {
        if (pending_.front().last_in_event()) cursor_ = pending_.front().position();
        pending_.pop_front();
        if (pending_.empty()) {
          cursor_ = page_end_;
          return MakeReady();
        }
      }
    }
    if (pending_.empty()) return Finish(grpc::Status::CANCELLED);
    StartWrite(&pending_.front());
  }

  void OnCancel() override {
    absl::MutexLock l(&shared_->mu);
    cancelled_ = true;
    if (state_ == State::kIdle) {
      auto& idle = shared_->idle;
      idle.erase(std::find(idle.begin(), idle.end(), this));
      MakeReady();
    }
  }

  void OnDone() override {
    {
      absl::MutexLock l(&shared_->mu);
      --shared_->followers;
    }
    spdlog::debug("alert follower {} ended at position {}", actor_, cursor_);
    delete this;
  }

  // A pump's turn (the follower is kServing; shared_->mu not held): reads
  // the next page and starts writing what the filter keeps, or goes idle, or
  // ends the call.
  void Serve() {
    if (std::optional<grpc::Status> end = Interrupted()) return Finish(*end);
    auto page = service_->ReadMapped(cursor_ + 1, kPage);
    {
      absl::MutexLock l(&shared_->mu);
      if (!page.ok()) {
        MarkFinished();
      } else if (page->empty()) {
        if (shared_->head > cursor_ || cancelled_ || shared_->stopping) return MakeReady();
        state_ = State::kIdle;
        shared_->idle.push_back(this);
        return;
      } else {
        for (const auto& mapped : *page) {
          if (mapped->position > stop_at_) break;
          page_end_ = mapped->position;
          int kept = 0;
          for (const v1::Alert& a : mapped->alerts) {
            if (!AlertMatches(a, request_.roles(), request_.unit())) continue;
            pending_.push_back(a);
            pending_.back().set_index_in_event(static_cast<uint32_t>(kept++));
            pending_.back().set_last_in_event(false);  // the server's to set, below
          }
          if (kept > 0) pending_.back().set_last_in_event(true);
        }
        if (pending_.empty()) {
          cursor_ = page_end_;
          return MakeReady();
        }
        state_ = State::kWriting;
      }
    }
    if (!page.ok()) return Finish(ToGrpcStatus(page.status()));
    StartWrite(&pending_.front());
  }

  // Taken from the ready queue by a pump, which calls Serve next.
  void TakeForServing() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu) { state_ = State::kServing; }

  // Whether the head has passed this idle follower's cursor.
  bool Behind(uint64_t head) const { return cursor_ < head; }

  // Into the ready queue, for a pump (shared_->mu held).
  void MakeReady() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu) {
    state_ = State::kReady;
    shared_->ready.push_back(this);
    shared_->pump_cv.Signal();
  }

 private:
  // The status to end with, before a page is read: done (until_head, all
  // sent), cancelled or stopping; then the call is marked finished.
  std::optional<grpc::Status> Interrupted() {
    absl::MutexLock l(&shared_->mu);
    std::optional<grpc::Status> end;
    if (cursor_ >= stop_at_) {  // all sent: done, whatever came after
      end = grpc::Status::OK;
    } else if (cancelled_) {
      end = grpc::Status::CANCELLED;
    } else if (shared_->stopping) {
      end = grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat("taizhangd is shutting down; reconnect with from_position ", cursor_));
    }
    if (end.has_value()) MarkFinished();
    return end;
  }

  // Nobody touches it again but gRPC (Finish follows, without the lock).
  void MarkFinished() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu) {
    state_ = State::kFinished;
    pending_.clear();
  }

  SupervisionService* const service_;
  const std::shared_ptr<Shared> shared_;
  const v1::FollowAlertsRequest request_;
  const std::string actor_;
  const uint64_t stop_at_;  // until_head: the head when the call began
  // Last position whose alerts were all sent. Touched by whoever the state
  // says (one at a time), under shared_->mu or in Serve.
  uint64_t cursor_;
  State state_ ABSL_GUARDED_BY(shared_->mu) = State::kReady;
  bool cancelled_ ABSL_GUARDED_BY(shared_->mu) = false;
  // The page being written: its alerts not yet done, and its last position.
  std::deque<v1::Alert> pending_;
  uint64_t page_end_ = 0;
};

SupervisionService::SupervisionService(store::EventLog& log, const Authorizer& auth,
                                       std::shared_ptr<const AlertMapper> mapper)
    : log_(log), auth_(auth), mapper_(std::move(mapper)), shared_(std::make_shared<Shared>()) {
  subscription_ = log_.Subscribe([shared = shared_](uint64_t head) {
    absl::MutexLock l(&shared->mu);
    shared->head = std::max(shared->head, head);
    if (!shared->idle.empty()) shared->pump_cv.Signal();
  });
  {
    absl::MutexLock l(&shared_->mu);
    shared_->head = std::max(shared_->head, log_.HeadPosition());
  }
  for (int i = 0; i < 2; ++i) pumps_.emplace_back([this] { Pump(); });
}

SupervisionService::~SupervisionService() {
  log_.Unsubscribe(subscription_);
  {
    absl::MutexLock l(&shared_->mu);
    shared_->pumps_exit = true;
    shared_->pump_cv.SignalAll();
    if (shared_->followers != 0) {
      spdlog::error("supervision service destroyed with {} followers left", shared_->followers);
    }
  }
  for (std::thread& t : pumps_) t.join();
}

void SupervisionService::Pump() {
  absl::MutexLock l(&shared_->mu);
  for (;;) {
    // The idle followers the head (or a stop) has passed become ready.
    if (!shared_->idle.empty() && (shared_->head > shared_->idle_head || shared_->stopping)) {
      shared_->idle_head = shared_->head;
      auto& idle = shared_->idle;
      auto keep = std::partition(idle.begin(), idle.end(), [&](Follower* f) {
        return !(f->Behind(shared_->head) || shared_->stopping);
      });
      for (auto it = keep; it != idle.end(); ++it) (*it)->MakeReady();
      idle.erase(keep, idle.end());
    }
    if (!shared_->ready.empty()) {
      Follower* f = shared_->ready.front();
      shared_->ready.pop_front();
      f->TakeForServing();
      shared_->mu.Unlock();
      f->Serve();
      shared_->mu.Lock();
      continue;
    }
    if (shared_->pumps_exit) return;
    shared_->pump_cv.Wait(&shared_->mu);
  }
}

std::shared_ptr<const SupervisionService::Mapped> SupervisionService::MapEvent(
    const store::RecordedEvent& e) const {
  auto mapped = std::make_shared<Mapped>();
  mapped->position = e.record.position();
  if (mapper_ == nullptr) return mapped;
  mapped->alerts = mapper_->Map(e);
  for (v1::Alert& a : mapped->alerts) {
    a.set_position(e.record.position());
    a.set_stream(e.record.stream());
    a.set_event_type(e.record.type());
    if (!a.has_occurred_at()) {
      *a.mutable_occurred_at() =
          google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(e.record.occurred_at_us());
    }
  }
  return mapped;
}

absl::StatusOr<std::vector<std::shared_ptr<const SupervisionService::Mapped>>>
SupervisionService::ReadMapped(uint64_t from, size_t max) {
  std::vector<std::shared_ptr<const Mapped>> out;
  absl::MutexLock l(&tail_mu_);
  // An empty tail starts where the first follower to read is (after a
  // restart, followers resume at the positions they had received).
  if (tail_.empty()) tail_last_ = from - 1;
  const uint64_t tail_first = tail_.empty() ? tail_last_ + 1 : tail_.front()->position;
  if (from < tail_first || from > tail_last_ + 1) {
    // Further back than the tail (or past it, after a gap): read and mapped
    // for this follower alone.
    tail_mu_.Unlock();
    auto page = log_.ReadAll(from, max);
    tail_mu_.Lock();
    if (!page.ok()) return page.status();
    for (const store::RecordedEvent& e : *page) out.push_back(MapEvent(e));
    return out;
  }
  if (from == tail_last_ + 1) {
    // The tail ends where this follower is: read on, into the tail.
    ASSIGN_OR_RETURN(auto page, log_.ReadAll(from, max));
    for (const store::RecordedEvent& e : page) {
      tail_.push_back(MapEvent(e));
      tail_last_ = e.record.position();
    }
    while (tail_.size() > kTailEvents) tail_.pop_front();
  }
  if (tail_.empty()) return out;
  for (size_t i = from - tail_.front()->position; i < tail_.size() && out.size() < max; ++i) {
    out.push_back(tail_[i]);
  }
  return out;
}

grpc::ServerWriteReactor<v1::Alert>* SupervisionService::FollowAlerts(
    grpc::CallbackServerContext* ctx, const v1::FollowAlertsRequest* request) {
  auto caller = auth_.CallerOf(ctx);
  if (!caller.ok()) return new Refusal(ToGrpcStatus(caller.status()));
  v1::FollowAlertsRequest scoped = *request;
  const workflows::Principal& p = caller->principal;
  if (p.Is(workflows::Role::kDepartment) || p.Is(workflows::Role::kLeader)) {
    if (scoped.unit().empty()) scoped.set_unit(p.unit);
    if (scoped.unit() != p.unit) {
      return new Refusal(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                      absl::StrCat(caller->actor, " may follow only the alerts of ",
                                                   p.unit, ", not of ", scoped.unit())));
    }
  }
  for (int role : scoped.roles()) {
    if (!v1::Role_IsValid(role) || role == v1::ROLE_UNSPECIFIED) {
      return new Refusal(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                      absl::StrCat("roles: ", role, " is not a recipient role")));
    }
  }
  {
    absl::MutexLock l(&shared_->mu);
    if (shared_->stopping) {
      return new Refusal(grpc::Status(grpc::StatusCode::UNAVAILABLE, "taizhangd is shutting down"));
    }
    ++shared_->followers;
  }
  spdlog::debug("alert follower {} from position {}", caller->actor, scoped.from_position());
  const uint64_t stop_at = scoped.until_head() ? log_.HeadPosition() : UINT64_MAX;
  return new Follower(this, std::move(scoped), caller->actor, stop_at);
}

void SupervisionService::Stop() {
  absl::MutexLock l(&shared_->mu);
  shared_->stopping = true;
  shared_->pump_cv.SignalAll();
}

int SupervisionService::followers() const {
  absl::MutexLock l(&shared_->mu);
  return shared_->followers;
}

}  // namespace taizhang::services
