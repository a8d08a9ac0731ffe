#include "services/supervision_service.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "absl/strings/str_cat.h"
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

// One FollowAlerts call: a thread that reads, maps and writes, then waits.
class SupervisionService::Follower final : public grpc::ServerWriteReactor<v1::Alert> {
 public:
  Follower(SupervisionService* service, v1::FollowAlertsRequest request, std::string actor)
      : service_(service),
        shared_(service->shared_),
        request_(std::move(request)),
        actor_(std::move(actor)) {
    StartSendInitialMetadata();  // tells the client the stream is established
    thread_ = std::thread([this] { Finish(Loop()); });
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock l(&shared_->mu);
    writing_ = false;
    write_ok_ = ok;
  }

  void OnCancel() override {
    absl::MutexLock l(&shared_->mu);
    cancelled_ = true;
  }

  void OnDone() override {
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
    {
      absl::MutexLock l(&shared_->mu);
      --shared_->followers;
    }
    spdlog::debug("alert follower {} ended at position {}", actor_, cursor_);
    delete this;
  }

 private:
  grpc::Status Loop() {
    store::EventLog& log = service_->log_;
    cursor_ = request_.from_position();
    const uint64_t stop_at = request_.until_head() ? log.HeadPosition() : UINT64_MAX;
    for (;;) {
      if (cursor_ >= stop_at) return grpc::Status::OK;
      if (grpc::Status s = Interrupted(); !s.ok()) return s;
      auto page = log.ReadAll(cursor_ + 1, kPage);
      if (!page.ok()) return ToGrpcStatus(page.status());
      if (page->empty()) {
        const uint64_t after = cursor_;
        absl::MutexLock l(&shared_->mu);
        auto ready = [this, after]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu) {
          return shared_->head > after || cancelled_ || shared_->stopping;
        };
        shared_->mu.Await(absl::Condition(&ready));
        continue;
      }
      for (const store::RecordedEvent& e : *page) {
        if (e.record.position() > stop_at) return grpc::Status::OK;
        if (grpc::Status s = SendAlertsOf(e); !s.ok()) return s;
        cursor_ = e.record.position();
      }
    }
  }

  grpc::Status SendAlertsOf(const store::RecordedEvent& e) {
    if (service_->mapper_ == nullptr) return grpc::Status::OK;
    std::vector<v1::Alert> alerts = service_->mapper_->Map(e);
    std::vector<v1::Alert*> kept;
    for (v1::Alert& a : alerts) {
      if (AlertMatches(a, request_.roles(), request_.unit())) kept.push_back(&a);
    }
    for (size_t i = 0; i < kept.size(); ++i) {
      v1::Alert& a = *kept[i];
      a.set_position(e.record.position());
      a.set_stream(e.record.stream());
      a.set_event_type(e.record.type());
      a.set_index_in_event(static_cast<uint32_t>(i));
      a.set_last_in_event(i + 1 == kept.size());
      if (!a.has_occurred_at()) {
        *a.mutable_occurred_at() =
            google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(e.record.occurred_at_us());
      }
      if (grpc::Status s = Send(a); !s.ok()) return s;
    }
    return grpc::Status::OK;
  }

  // Writes one alert and waits until gRPC is done with it.
  grpc::Status Send(const v1::Alert& alert) {
    {
      absl::MutexLock l(&shared_->mu);
      if (cancelled_) return grpc::Status::CANCELLED;
      writing_ = true;
    }
    StartWrite(&alert);
    absl::MutexLock l(&shared_->mu);
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu) { return !writing_; };
    shared_->mu.Await(absl::Condition(&done));
    if (!write_ok_) return grpc::Status::CANCELLED;
    return grpc::Status::OK;
  }

  grpc::Status Interrupted() {
    absl::MutexLock l(&shared_->mu);
    if (cancelled_) return grpc::Status::CANCELLED;
    if (shared_->stopping) {
      return grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat("taizhangd is shutting down; reconnect with from_position ", cursor_));
    }
    return grpc::Status::OK;
  }

  SupervisionService* const service_;
  const std::shared_ptr<Shared> shared_;
  const v1::FollowAlertsRequest request_;
  const std::string actor_;
  uint64_t cursor_ = 0;  // last position whose alerts were all sent (the thread's)
  bool cancelled_ ABSL_GUARDED_BY(shared_->mu) = false;
  bool writing_ ABSL_GUARDED_BY(shared_->mu) = false;
  bool write_ok_ ABSL_GUARDED_BY(shared_->mu) = true;
  std::thread thread_;
};

SupervisionService::SupervisionService(store::EventLog& log, const Authorizer& auth,
                                       std::shared_ptr<const AlertMapper> mapper)
    : log_(log), auth_(auth), mapper_(std::move(mapper)), shared_(std::make_shared<Shared>()) {
  subscription_ = log_.Subscribe([shared = shared_](uint64_t head) {
    absl::MutexLock l(&shared->mu);
    shared->head = std::max(shared->head, head);
  });
  absl::MutexLock l(&shared_->mu);
  shared_->head = std::max(shared_->head, log_.HeadPosition());
}

SupervisionService::~SupervisionService() {
  log_.Unsubscribe(subscription_);
  absl::MutexLock l(&shared_->mu);
  if (shared_->followers != 0) {
    spdlog::error("supervision service destroyed with {} followers left", shared_->followers);
  }
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
  return new Follower(this, std::move(scoped), caller->actor);
}

void SupervisionService::Stop() {
  absl::MutexLock l(&shared_->mu);
  shared_->stopping = true;
}

int SupervisionService::followers() const {
  absl::MutexLock l(&shared_->mu);
  return shared_->followers;
}

}  // namespace taizhang::services
