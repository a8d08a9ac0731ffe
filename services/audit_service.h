// The Audit service: the log as auditors (审计, 纪检) see it — a stream's
// events, the global log in pages, verification of the hash chain, and the
// Merkle tree's roots and proofs, and the signed checkpoints with their keys.
// It only reads, but for SignCheckpoint, which adds a proof record; every
// call is authorized by the Authorizer (auth.h).
//
// Thread-safety: handlers run concurrently; the service holds only references
// to thread-safe objects.
#ifndef TAIZHANG_SERVICES_AUDIT_SERVICE_H_
#define TAIZHANG_SERVICES_AUDIT_SERVICE_H_

#include "base/clock.h"
#include "services/auth.h"
#include "services/payload_decoder.h"
#include "services/state_digest_source.h"
#include "store/event_log.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::proof {
class CheckpointSigner;
}

namespace taizhang::services {

// An event as shown to auditors. `decoders` may be null (no JSON).
v1::AuditEvent ToAuditEvent(const store::RecordedEvent& event, const PayloadDecoders* decoders);

class AuditService final : public v1::Audit::Service {
 public:
  // All references must outlive the service.
  // `signer` may be null: a log without its Merkle tree signs nothing.
  // `clock` stamps export bundles.
  AuditService(store::EventLog& log, Clock& clock, const Authorizer& auth,
               const PayloadDecoders& decoders, proof::CheckpointSigner* signer);

  grpc::Status ReadStream(grpc::ServerContext* ctx, const v1::ReadStreamRequest* request,
                          v1::ReadStreamResponse* response) override;
  grpc::Status ReadLog(grpc::ServerContext* ctx, const v1::ReadLogRequest* request,
                       grpc::ServerWriter<v1::ReadLogResponse>* writer) override;
  grpc::Status Verify(grpc::ServerContext* ctx, const v1::VerifyRequest* request,
                      v1::VerifyResponse* response) override;
  grpc::Status GetTreeHead(grpc::ServerContext* ctx, const v1::GetTreeHeadRequest* request,
                           v1::TreeHead* response) override;
  grpc::Status ProveInclusion(grpc::ServerContext* ctx, const v1::ProveInclusionRequest* request,
                              v1::InclusionProof* response) override;
  grpc::Status ProveConsistency(grpc::ServerContext* ctx,
                                const v1::ProveConsistencyRequest* request,
                                v1::ConsistencyProof* response) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* ctx, const v1::GetCheckpointRequest* request,
                             v1::Checkpoint* response) override;
  grpc::Status SignCheckpoint(grpc::ServerContext* ctx, const v1::SignCheckpointRequest* request,
                              v1::SignCheckpointResponse* response) override;
  grpc::Status ExportBundle(grpc::ServerContext* ctx, const v1::ExportBundleRequest* request,
                            grpc::ServerWriter<v1::BundleChunk>* writer) override;
  grpc::Status ListSigningKeys(grpc::ServerContext* ctx, const v1::ListSigningKeysRequest* request,
                               v1::ListSigningKeysResponse* response) override;
  grpc::Status GetStateDigest(grpc::ServerContext* ctx, const v1::GetStateDigestRequest* request,
                              v1::StateDigest* response) override;

  // Before serving; without one, GetStateDigest is FAILED_PRECONDITION.
  void set_state_digest(StateDigestSource source) { state_digest_ = std::move(source); }

 private:
  store::EventLog& log_;
  Clock& clock_;
  const Authorizer& auth_;
  const PayloadDecoders& decoders_;
  proof::CheckpointSigner* signer_;
  StateDigestSource state_digest_;
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_AUDIT_SERVICE_H_
