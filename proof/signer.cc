#include "proof/signer.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/event_type.h"

namespace taizhang::proof {

struct CheckpointSigner::Worker {
  absl::Mutex mu;
  bool started ABSL_GUARDED_BY(mu) = false;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  bool due ABSL_GUARDED_BY(mu) = false;         // a checkpoint is to be made
  bool busy ABSL_GUARDED_BY(mu) = false;        // one is being made
  uint64_t count_from ABSL_GUARDED_BY(mu) = 0;  // the head the count starts at
  Clock::TimerId timer ABSL_GUARDED_BY(mu) = 0;

  // Arms the timer that marks a checkpoint due every `every`. The callback
  // holds the worker, not the signer.
  static void Arm(const std::shared_ptr<Worker>& w, Clock& clock, absl::Duration every)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu) {
    w->timer = clock.ScheduleAt(clock.Now() + every, [w, &clock, every] {
      absl::MutexLock lock(&w->mu);
      if (w->stopping) return;
      w->due = true;
      Arm(w, clock, every);
    });
  }
};

CheckpointSigner::CheckpointSigner(store::EventLog& log, Clock& clock, Clock& timer_clock,
                                   SigningKey key, std::optional<SigningKey> previous,
                                   SignerOptions options)
    : log_(log),
      clock_(clock),
      timer_clock_(timer_clock),
      key_(std::move(key)),
      previous_(std::move(previous)),
      options_(std::move(options)),
      worker_(std::make_shared<Worker>()) {}

CheckpointSigner::~CheckpointSigner() { Stop(); }

absl::StatusOr<std::unique_ptr<CheckpointSigner>> CheckpointSigner::Open(
    store::EventLog& log, Clock& clock, Clock& timer_clock, SigningKey key,
    std::optional<SigningKey> previous, SignerOptions options) {
  std::unique_ptr<CheckpointSigner> signer(new CheckpointSigner(
      log, clock, timer_clock, std::move(key), std::move(previous), std::move(options)));
  absl::MutexLock lock(&signer->sign_mu_);
  if (absl::Status s = signer->LoadLocked(); !s.ok()) return s;
  const ChainKey* in_use = signer->chain_.current();
  const SigningKey& key_ = signer->key_;
  if (in_use == nullptr || signer->key_recorded_) return signer;
  if (signer->chain_.Find(key_.id()) != nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("签名密钥 ", key_.id(), " 已被密钥 ", in_use->id,
                     " 取代，不能再用：请配置在用的密钥，或换一把新密钥"));
  }
  if ((signer->previous_.has_value() && signer->previous_->id() == in_use->id) ||
      signer->options_.accept_unendorsed) {
    // The rotation is recorded now, so that the old key may be put away
    // once the server has started.
    auto recorded = signer->Record(std::nullopt);
    if (!recorded.ok()) return recorded.status();
    return signer;
  }
  if (signer->previous_.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("日志的检查点由密钥 ", in_use->id, " 签署，给出的原密钥却是 ",
                     signer->previous_->id(), "：请给出密钥 ", in_use->id, " 的私钥文件"));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "日志的检查点由密钥 ", in_use->id, " 签署，本服务器的密钥是 ", key_.id(),
      "：轮换密钥时请把原密钥一并给出（previous_signing_key）；原密钥已遗失时，"
      "可声明不经原密钥认可而启用新密钥（accept_unendorsed_signing_key），审计时须另行取得新公钥"));
}

absl::Status CheckpointSigner::Fold(uint64_t position, uint64_t version,
                                    const v1::ProofEvent& event) {
  if (absl::Status s = chain_.Add(position, event); !s.ok()) return s;
  stream_version_ = version;
  if (event.has_checkpoint_signed()) {
    latest_ = RecordedCheckpoint{event.checkpoint_signed(), position};
    proof_records_after_latest_ = 0;
  } else {
    ++proof_records_after_latest_;
  }
  const ChainKey* in_use = chain_.current();
  key_recorded_ = in_use != nullptr && in_use->id == key_.id();
  return absl::OkStatus();
}

absl::Status CheckpointSigner::LoadLocked() {
  chain_ = KeyChain();
  latest_.reset();
  proof_records_after_latest_ = 0;
  stream_version_ = 0;
  key_recorded_ = false;
  constexpr size_t kPage = 1000;
  for (;;) {
    auto page = log_.ReadStream(kProofStream, stream_version_ + 1, kPage);
    if (!page.ok()) return page.status();
    for (const store::RecordedEvent& e : *page) {
      auto event = DecodeProofRecord(e);
      if (!event.ok()) return event.status();
      if (absl::Status s = Fold(e.record.position(), e.record.version(), *event); !s.ok()) {
        return s;
      }
    }
    if (page->size() < kPage) break;
  }
  return absl::OkStatus();
}

bool CheckpointSigner::MovedSinceLatest() const {
  const uint64_t head = log_.HeadPosition();
  const uint64_t base = latest_.has_value() ? latest_->position : 0;
  return head > base + proof_records_after_latest_;
}

absl::StatusOr<std::optional<RecordedCheckpoint>> CheckpointSigner::Record(
    std::optional<uint64_t> size) {
  store::AppendRequest request;
  request.stream = kProofStream;
  request.expected = store::ExpectedVersion::Exactly(stream_version_);
  const int64_t now_us = clock_.NowMicros();
  std::vector<v1::ProofEvent> events;
  if (!key_recorded_) {
    v1::ProofEvent& event = events.emplace_back();
    const ChainKey* in_use = chain_.current();
    if (in_use == nullptr) {
      v1::SigningKeyIntroduced* k = event.mutable_key_introduced();
      k->set_partition(options_.partition);
      k->set_key_id(key_.id());
      k->set_public_key(key_.public_key());
      k->set_time_us(now_us);
      k->set_signature(key_.Sign(IntroductionText(*k)));
    } else {
      v1::SigningKeyRotated* r = event.mutable_key_rotated();
      r->set_partition(options_.partition);
      r->set_old_key_id(in_use->id);
      r->set_new_key_id(key_.id());
      r->set_new_public_key(key_.public_key());
      r->set_time_us(now_us);
      const std::string text = RotationText(*r);
      r->set_new_signature(key_.Sign(text));
      if (previous_.has_value() && previous_->id() == in_use->id) {
        r->set_old_signature(previous_->Sign(text));
      }
    }
  }
  if (size.has_value()) {
    auto root = log_.MerkleRoot(*size);
    if (!root.ok()) return root.status();
    v1::SignedCheckpoint* c = events.emplace_back().mutable_checkpoint_signed();
    c->set_partition(options_.partition);
    c->set_size(*size);
    c->set_root(*root);
    c->set_time_us(now_us);
    c->set_key_id(key_.id());
    c->set_signature(key_.Sign(CheckpointText(*c)));
  }
  if (events.empty()) return std::optional<RecordedCheckpoint>();
  // A record that does not check would stop every later open: check each
  // before it is written.
  {
    KeyChain check = chain_;
    for (size_t i = 0; i < events.size(); ++i) {
      if (absl::Status s = check.Add(log_.HeadPosition() + 1 + i, events[i]); !s.ok()) {
        return absl::InternalError(absl::StrCat("签署的证明记录未通过核验：", s.message()));
      }
    }
  }
  for (const v1::ProofEvent& event : events) {
    store::NewEvent e;
    e.type = engine::EventTypeName(kProofPrefix, event);
    e.payload = event.SerializeAsString();
    e.actor = kProofActor;
    request.events.push_back(std::move(e));
  }
  request.request_id =
      size.has_value() ? absl::StrCat("checkpoint:", *size) : absl::StrCat("key:", key_.id());

  auto appended = log_.Append(std::move(request));
  if (!appended.ok()) return appended.status();
  if (appended->duplicate) {
    // Recorded in an earlier life of this log's signer: read it back.
    if (absl::Status s = LoadLocked(); !s.ok()) return s;
    return latest_;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (absl::Status s = Fold(appended->first_position + i, appended->first_version + i, events[i]);
        !s.ok()) {
      return s;
    }
  }
  return size.has_value() ? latest_ : std::optional<RecordedCheckpoint>();
}

absl::StatusOr<RecordedCheckpoint> CheckpointSigner::SignLocked() {
  // The latest stands when nothing but proof records came after it and it
  // is the current key's (after a rotation, the new key signs afresh).
  if (latest_.has_value() && key_recorded_ && latest_->checkpoint.key_id() == key_.id() &&
      !MovedSinceLatest()) {
    return *latest_;
  }
  const uint64_t head = log_.HeadPosition();
  if (head == 0) {
    return absl::FailedPreconditionError("日志还没有记录，无可签署的检查点");
  }
  auto recorded = Record(head);
  if (!recorded.ok()) return recorded.status();
  if (!recorded->has_value()) return absl::InternalError("检查点未写入");
  return **recorded;
}

absl::StatusOr<RecordedCheckpoint> CheckpointSigner::SignNow() {
  absl::MutexLock lock(&sign_mu_);
  return SignLocked();
}

absl::StatusOr<v1::SignedCheckpoint> CheckpointSigner::SignUnrecorded(uint64_t size) {
  const uint64_t head = log_.HeadPosition();
  if (head == 0) return absl::FailedPreconditionError("日志还没有记录，无可签署的检查点");
  if (size == 0 || size > head) {
    return absl::InvalidArgumentError(
        absl::StrCat("检查点的记录数 ", size, " 不在 1 到 ", head, " 之间"));
  }
  {
    // The key that signs must be the log's, so that whoever checks the
    // document later finds it in the log.
    absl::MutexLock lock(&sign_mu_);
    if (!key_recorded_) {
      auto recorded = Record(std::nullopt);
      if (!recorded.ok()) return recorded.status();
    }
  }
  auto root = log_.MerkleRoot(size);
  if (!root.ok()) return root.status();
  v1::SignedCheckpoint c;
  c.set_partition(options_.partition);
  c.set_size(size);
  c.set_root(*root);
  c.set_time_us(clock_.NowMicros());
  c.set_key_id(key_.id());
  c.set_signature(key_.Sign(CheckpointText(c)));
  if (c.signature().empty()) return absl::InternalError("Ed25519 签名失败");
  return c;
}

std::optional<RecordedCheckpoint> CheckpointSigner::Latest() const {
  absl::MutexLock lock(&sign_mu_);
  return latest_;
}

KeyChain CheckpointSigner::Keys() const {
  absl::MutexLock lock(&sign_mu_);
  return chain_;
}

void CheckpointSigner::Start() {
  {
    absl::MutexLock lock(&worker_->mu);
    if (worker_->started || worker_->stopping) return;
    worker_->started = true;
    worker_->count_from = log_.HeadPosition();
    if (options_.every > absl::ZeroDuration()) Worker::Arm(worker_, timer_clock_, options_.every);
  }
  if (options_.every_events > 0) {
    std::shared_ptr<Worker> w = worker_;
    const uint64_t every = options_.every_events;
    subscription_ = log_.Subscribe([w, every](uint64_t head) {
      absl::MutexLock lock(&w->mu);
      if (head >= w->count_from + every) w->due = true;
    });
  }
  thread_ = std::thread([this] { Run(); });
}

void CheckpointSigner::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&worker_->mu);
      worker_->mu.Await(absl::Condition(
          +[](Worker* w) ABSL_NO_THREAD_SAFETY_ANALYSIS { return w->due || w->stopping; },
          worker_.get()));
      if (worker_->stopping) return;
      worker_->due = false;
      worker_->busy = true;
    }
    absl::StatusOr<RecordedCheckpoint> made;
    {
      absl::MutexLock lock(&sign_mu_);
      made = SignLocked();
    }
    // Nothing to sign on an empty log is not an error.
    if (!made.ok() && options_.on_error && log_.HeadPosition() > 0) {
      options_.on_error(made.status());
    }
    absl::MutexLock lock(&worker_->mu);
    worker_->busy = false;
    // Count from the checkpoint's own record, so that it does not count.
    worker_->count_from = made.ok() ? made->position : log_.HeadPosition();
  }
}

void CheckpointSigner::WaitIdle() {
  absl::MutexLock lock(&worker_->mu);
  if (!worker_->started) return;
  worker_->mu.Await(absl::Condition(
      +[](Worker* w)
           ABSL_NO_THREAD_SAFETY_ANALYSIS { return w->stopping || (!w->due && !w->busy); },
      worker_.get()));
}

void CheckpointSigner::Stop() {
  {
    absl::MutexLock lock(&worker_->mu);
    if (!worker_->started || worker_->stopping) {
      worker_->stopping = true;
      return;
    }
    worker_->stopping = true;
    if (worker_->timer != 0) timer_clock_.Cancel(worker_->timer);
  }
  if (subscription_ != 0) log_.Unsubscribe(subscription_);
  if (thread_.joinable()) thread_.join();
}

}  // namespace taizhang::proof
