#include "services/audit_service.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "proof/bundle.h"
#include "proof/checkpoint.h"
#include "proof/ed25519.h"
#include "proof/signer.h"
#include "services/grpc_status.h"
#include "store/merkle.h"
#include "store/sha256.h"
#include "workflows/backdating.h"

namespace taizhang::services {
namespace {

using google::protobuf::util::TimeUtil;

constexpr uint32_t kDefaultPage = 100;
constexpr uint32_t kMaxPage = 1000;

uint32_t PageSize(uint32_t requested) {
  if (requested == 0) return kDefaultPage;
  return std::min(requested, kMaxPage);
}

// Page tokens are opaque to clients: web-safe base64 of "v1|<next version>|<stream>".
std::string EncodePageToken(const std::string& stream, uint64_t next_version) {
  return absl::WebSafeBase64Escape(absl::StrCat("v1|", next_version, "|", stream));
}

absl::StatusOr<uint64_t> DecodePageToken(const std::string& token, const std::string& stream) {
  std::string raw;
  auto bad = absl::InvalidArgumentError(
      "page_token: not one this server gave for this stream; start again without it");
  if (!absl::WebSafeBase64Unescape(token, &raw)) return bad;
  std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('|', 2));
  uint64_t next = 0;
  if (parts.size() != 3 || parts[0] != "v1" || !absl::SimpleAtoi(parts[1], &next) ||
      parts[2] != stream) {
    return bad;
  }
  return next;
}

}  // namespace

v1::AuditEvent ToAuditEvent(const store::RecordedEvent& e, const PayloadDecoders* decoders) {
  const v1::EventRecord& r = e.record;
  v1::AuditEvent out;
  out.set_partition(r.partition());
  out.set_position(r.position());
  out.set_stream(r.stream());
  out.set_version(r.version());
  out.set_type(r.type());
  out.set_type_version(r.type_version());
  *out.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(r.occurred_at_us());
  *out.mutable_recorded_at() = TimeUtil::MicrosecondsToTimestamp(r.recorded_at_us());
  out.set_late_entry(workflows::IsLateEntry(r.occurred_at_us(), r.recorded_at_us()));
  out.set_actor(r.actor());
  out.set_request_id(r.request_id());
  out.set_causation_id(r.causation_id());
  out.set_correlation_id(r.correlation_id());
  out.set_prev_hash(store::ToHex(r.prev_hash()));
  out.set_hash(store::ToHex(e.hash));
  out.set_payload(r.payload());
  if (decoders != nullptr) {
    if (const PayloadDecoder* decoder = decoders->Find(r.stream())) {
      auto json = decoder->ToJson(r);
      if (json.ok()) {
        out.set_payload_json(*std::move(json));
      } else {
        out.set_payload_error(json.status().ToString());
      }
    }
  }
  return out;
}

AuditService::AuditService(store::EventLog& log, Clock& clock, const Authorizer& auth,
                           const PayloadDecoders& decoders, proof::CheckpointSigner* signer)
    : log_(log), clock_(clock), auth_(auth), decoders_(decoders), signer_(signer) {}

grpc::Status AuditService::ReadStream(grpc::ServerContext* ctx,
                                      const v1::ReadStreamRequest* request,
                                      v1::ReadStreamResponse* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  if (request->stream().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "stream: required, e.g. case/<id>");
  }
  uint64_t from = std::max<uint64_t>(request->from_version(), 1);
  if (!request->page_token().empty()) {
    TZ_ASSIGN_OR_RETURN_GRPC(from, DecodePageToken(request->page_token(), request->stream()));
  }
  TZ_ASSIGN_OR_RETURN_GRPC(uint64_t version, log_.StreamVersion(request->stream()));
  if (version == 0) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("stream '", request->stream(), "' has no events"));
  }
  const uint32_t page = PageSize(request->page_size());
  TZ_ASSIGN_OR_RETURN_GRPC(auto events, log_.ReadStream(request->stream(), from, page));
  response->set_stream_version(version);
  for (const store::RecordedEvent& e : events) {
    *response->add_events() = ToAuditEvent(e, &decoders_);
  }
  if (!events.empty() && events.back().record.version() < version) {
    response->set_next_page_token(
        EncodePageToken(request->stream(), events.back().record.version() + 1));
  }
  return grpc::Status::OK;
}

grpc::Status AuditService::ReadLog(grpc::ServerContext* ctx, const v1::ReadLogRequest* request,
                                   grpc::ServerWriter<v1::ReadLogResponse>* writer) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  const uint64_t head = log_.HeadPosition();
  const uint64_t to = request->to_position() == 0 ? head : std::min(request->to_position(), head);
  const uint32_t page = PageSize(request->page_size());
  uint64_t next = std::max<uint64_t>(request->from_position(), 1);
  while (next <= to) {
    if (ctx->IsCancelled()) return grpc::Status::CANCELLED;
    size_t want = static_cast<size_t>(std::min<uint64_t>(page, to - next + 1));
    TZ_ASSIGN_OR_RETURN_GRPC(auto events, log_.ReadAll(next, want));
    if (events.empty()) break;
    v1::ReadLogResponse response;
    response.set_head_position(head);
    for (const store::RecordedEvent& e : events) {
      *response.add_events() = ToAuditEvent(e, &decoders_);
    }
    next = events.back().record.position() + 1;
    if (!writer->Write(response)) return grpc::Status::CANCELLED;
  }
  return grpc::Status::OK;
}

grpc::Status AuditService::Verify(grpc::ServerContext* ctx, const v1::VerifyRequest* request,
                                  v1::VerifyResponse* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  if (request->to_position() != 0 && request->to_position() < request->from_position()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("to_position ", request->to_position(),
                                     " is before from_position ", request->from_position()));
  }
  TZ_ASSIGN_OR_RETURN_GRPC(store::VerifyResult v,
                           log_.Verify(request->from_position(), request->to_position()));
  response->set_ok(v.ok);
  response->set_from_position(v.from);
  response->set_to_position(v.to);
  response->set_checked(v.checked);
  response->set_digest(v.last_hash.empty() ? "" : store::ToHex(v.last_hash));
  response->set_first_bad(v.first_bad);
  response->set_problem(v.problem);
  if (v.ok) response->set_merkle_root(store::ToHex(v.merkle_root));
  return grpc::Status::OK;
}

namespace {

// The size a request names, or the head; INVALID_ARGUMENT beyond the head.
absl::StatusOr<uint64_t> TreeSize(bool has, uint64_t size, uint64_t head, const char* field) {
  if (!has) return head;
  if (size > head) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", size, " is beyond the log's head ", head));
  }
  return size;
}

std::vector<std::string> Hex(const std::vector<std::string>& hashes) {
  std::vector<std::string> out;
  out.reserve(hashes.size());
  for (const std::string& h : hashes) out.push_back(store::ToHex(h));
  return out;
}

}  // namespace

grpc::Status AuditService::GetTreeHead(grpc::ServerContext* ctx,
                                       const v1::GetTreeHeadRequest* request,
                                       v1::TreeHead* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  TZ_ASSIGN_OR_RETURN_GRPC(
      uint64_t size, TreeSize(request->has_size(), request->size(), log_.HeadPosition(), "size"));
  TZ_ASSIGN_OR_RETURN_GRPC(std::string root, log_.MerkleRoot(size));
  response->set_size(size);
  response->set_root(store::ToHex(root));
  if (size > 0) {
    TZ_ASSIGN_OR_RETURN_GRPC(std::vector<store::RecordedEvent> last, log_.ReadAll(size, 1));
    if (last.empty()) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS,
                          absl::StrCat("position ", size, ": the record is missing"));
    }
    response->set_partition(last[0].record.partition());
    response->set_chain_digest(store::ToHex(last[0].hash));
    *response->mutable_recorded_at() =
        TimeUtil::MicrosecondsToTimestamp(last[0].record.recorded_at_us());
  }
  return grpc::Status::OK;
}

grpc::Status AuditService::ProveInclusion(grpc::ServerContext* ctx,
                                          const v1::ProveInclusionRequest* request,
                                          v1::InclusionProof* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  TZ_ASSIGN_OR_RETURN_GRPC(
      uint64_t size, TreeSize(request->has_size(), request->size(), log_.HeadPosition(), "size"));
  if (request->position() < 1 || request->position() > size) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("position: ", request->position(), " is not in the tree of ",
                                     size, " records (1..", size, ")"));
  }
  TZ_ASSIGN_OR_RETURN_GRPC(std::string record, log_.RecordBytes(request->position()));
  TZ_ASSIGN_OR_RETURN_GRPC(std::vector<std::string> path,
                           log_.InclusionProof(request->position(), size));
  TZ_ASSIGN_OR_RETURN_GRPC(std::string root, log_.MerkleRoot(size));
  response->set_position(request->position());
  response->set_size(size);
  response->set_leaf_hash(store::ToHex(store::merkle::LeafHash(record)));
  response->set_record(std::move(record));
  for (std::string& h : Hex(path)) response->add_path(std::move(h));
  response->set_root(store::ToHex(root));
  return grpc::Status::OK;
}

grpc::Status AuditService::ProveConsistency(grpc::ServerContext* ctx,
                                            const v1::ProveConsistencyRequest* request,
                                            v1::ConsistencyProof* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  TZ_ASSIGN_OR_RETURN_GRPC(uint64_t second, TreeSize(request->has_second(), request->second(),
                                                     log_.HeadPosition(), "second"));
  if (request->first() > second) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("first: ", request->first(), " is beyond second (", second,
                                     "); a tree is only proven to extend a smaller one"));
  }
  TZ_ASSIGN_OR_RETURN_GRPC(std::vector<std::string> path,
                           log_.ConsistencyProof(request->first(), second));
  TZ_ASSIGN_OR_RETURN_GRPC(std::string first_root, log_.MerkleRoot(request->first()));
  TZ_ASSIGN_OR_RETURN_GRPC(std::string second_root, log_.MerkleRoot(second));
  response->set_first(request->first());
  response->set_second(second);
  response->set_first_root(store::ToHex(first_root));
  response->set_second_root(store::ToHex(second_root));
  for (std::string& h : Hex(path)) response->add_path(std::move(h));
  return grpc::Status::OK;
}

namespace {

void FillCheckpoint(const v1::SignedCheckpoint& c, uint64_t position, v1::Checkpoint* out) {
  out->set_partition(c.partition());
  out->set_size(c.size());
  out->set_root(store::ToHex(c.root()));
  *out->mutable_time() = TimeUtil::MicrosecondsToTimestamp(c.time_us());
  out->set_key_id(c.key_id());
  out->set_signature(store::ToHex(c.signature()));
  out->set_text(proof::CheckpointText(c));
  out->set_position(position);
}

grpc::Status NoSigner() {
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                      "本服务器不签署检查点（以 --no-signing 启动，或日志未保留默克尔树）");
}

}  // namespace

grpc::Status AuditService::GetCheckpoint(grpc::ServerContext* ctx,
                                         const v1::GetCheckpointRequest* request,
                                         v1::Checkpoint* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  if (signer_ == nullptr) return NoSigner();
  std::optional<proof::RecordedCheckpoint> latest = signer_->Latest();
  if (!latest.has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "还没有签署过检查点（taizhang checkpoint sign 可立即签署一个）");
  }
  FillCheckpoint(latest->checkpoint, latest->position, response);
  return grpc::Status::OK;
}

grpc::Status AuditService::SignCheckpoint(grpc::ServerContext* ctx,
                                          const v1::SignCheckpointRequest* request,
                                          v1::SignCheckpointResponse* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  if (signer_ == nullptr) return NoSigner();
  const std::optional<proof::RecordedCheckpoint> before = signer_->Latest();
  TZ_ASSIGN_OR_RETURN_GRPC(proof::RecordedCheckpoint made, signer_->SignNow());
  FillCheckpoint(made.checkpoint, made.position, response->mutable_checkpoint());
  response->set_made(!before.has_value() || before->position != made.position);
  return grpc::Status::OK;
}

grpc::Status AuditService::GetStateDigest(grpc::ServerContext* ctx,
                                          const v1::GetStateDigestRequest* request,
                                          v1::StateDigest* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  if (!state_digest_) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "本服务器只服务日志（--log-only），没有工作流的状态可摘要");
  }
  TZ_ASSIGN_OR_RETURN_GRPC(const ServedStateDigest d, state_digest_());
  TZ_ASSIGN_OR_RETURN_GRPC(std::string root, log_.MerkleRoot(d.position));
  response->set_position(d.position);
  response->set_streams(d.streams);
  response->set_digest(store::ToHex(d.digest));
  response->set_root(store::ToHex(root));
  return grpc::Status::OK;
}

grpc::Status AuditService::ExportBundle(grpc::ServerContext* ctx,
                                        const v1::ExportBundleRequest* request,
                                        grpc::ServerWriter<v1::BundleChunk>* writer) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  if (signer_ == nullptr) return NoSigner();
  const uint64_t head = log_.HeadPosition();
  const uint64_t from = std::max<uint64_t>(request->from_position(), 1);
  uint64_t to = request->to_position();
  if (to > head) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("to_position：日志只有 ", head, " 条记录，没有第 ", to, " 条"));
  }
  if (from > (to == 0 ? head : to)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("from_position：第 ", from, " 条在区间的末条（第 ",
                                     to == 0 ? head : to, " 条）之后"));
  }
  // The latest checkpoint when it proves the range; otherwise one of the
  // log as it is now (SignNow gives the latest when nothing but proof
  // records followed it).
  v1::SignedCheckpoint checkpoint;
  std::optional<proof::RecordedCheckpoint> latest = signer_->Latest();
  if (to != 0 && latest.has_value() && latest->checkpoint.size() >= to) {
    checkpoint = latest->checkpoint;
  } else {
    TZ_ASSIGN_OR_RETURN_GRPC(proof::RecordedCheckpoint made, signer_->SignNow());
    checkpoint = made.checkpoint;
    // The range ends in proof records that followed the latest checkpoint:
    // one of exactly the range, signed for the bundle (as for a bulletin).
    if (checkpoint.size() < to) {
      TZ_ASSIGN_OR_RETURN_GRPC(checkpoint, signer_->SignUnrecorded(to));
    }
  }
  if (to == 0) to = checkpoint.size();
  const proof::KeyChain keys = signer_->Keys();
  const proof::ChainKey* key = keys.Find(checkpoint.key_id());
  if (key == nullptr) {
    return grpc::Status(
        grpc::StatusCode::INTERNAL,
        absl::StrCat("检查点的签名密钥 ", checkpoint.key_id(), " 不在日志的密钥记录中"));
  }
  // The bytes go out in chunks of up to 1 MiB as they are made.
  constexpr size_t kChunk = 1 << 20;
  v1::BundleChunk chunk;
  auto send = [&]() -> absl::Status {
    if (ctx->IsCancelled() || !writer->Write(chunk)) {
      return absl::CancelledError("导出包的接收方已断开");
    }
    chunk.clear_data();
    return absl::OkStatus();
  };
  auto written = proof::WriteBundle(
      log_, {.from = from, .to = to}, checkpoint, key->public_key, clock_.NowMicros(), caller.actor,
      [&](std::string_view bytes) -> absl::Status {
        while (!bytes.empty()) {
          const size_t n = std::min(bytes.size(), kChunk - chunk.data().size());
          chunk.mutable_data()->append(bytes.data(), n);
          bytes.remove_prefix(n);
          if (chunk.data().size() == kChunk) RETURN_IF_ERROR(send());
        }
        return absl::OkStatus();
      });
  if (!written.ok()) return ToGrpcStatus(written.status());
  if (!chunk.data().empty()) {
    if (absl::Status s = send(); !s.ok()) return ToGrpcStatus(s);
  }
  return grpc::Status::OK;
}

grpc::Status AuditService::ListSigningKeys(grpc::ServerContext* ctx,
                                           const v1::ListSigningKeysRequest* request,
                                           v1::ListSigningKeysResponse* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  if (signer_ == nullptr) return NoSigner();
  const proof::KeyChain chain = signer_->Keys();
  for (const proof::ChainKey& k : chain.keys()) {
    v1::SigningKey* out = response->add_keys();
    out->set_key_id(k.id);
    out->set_public_key(store::ToHex(k.public_key));
    out->set_public_key_pem(proof::PublicKeyPem(k.public_key));
    out->set_from_position(k.from_position);
    *out->mutable_since() = TimeUtil::MicrosecondsToTimestamp(k.time_us);
    out->set_replaces(k.replaces);
    out->set_endorsed(k.endorsed);
    out->set_in_use(&k == chain.current());
  }
  response->set_server_key_id(signer_->key().id());
  response->set_server_public_key(store::ToHex(signer_->key().public_key()));
  return grpc::Status::OK;
}

}  // namespace taizhang::services
