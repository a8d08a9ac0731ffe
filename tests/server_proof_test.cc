// Signed checkpoints against the real taizhangd: made on demand, checked here
// against the server's key and a tree computed from the records before the
// server started; the keys and their rotation across restarts; who may ask;
// the CLI's checks against a public key the caller holds.

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "proof/checkpoint.h"
#include "proof/ed25519.h"
#include "services/testing/server_harness.h"
#include "store/merkle.h"
#include "store/sha256.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using ::testing::HasSubstr;
using testing::SeedEvent;
using testing::TempDir;
using testing::Tokens;

class ProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "tokens.textproto", Tokens::FileText());
    head_ = testing::SeedLog(dir_ / "data", {
                                                {"task/T-1", "task.Created", "supervision:督查室"},
                                                {"task/T-1", "task.Completed", "department:住建局"},
                                                {"task/T-2", "task.Created", "supervision:督查室"},
                                            });
    ManualClock clock(testing::TestStart());
    auto log = store::OpenEventLog(dir_ / "data", clock);
    ASSERT_TRUE(log.ok()) << log.status();
    store::merkle::Frontier tree;
    std::vector<store::merkle::Node> unused;
    for (uint64_t p = 1; p <= head_; ++p) {
      tree.Append(store::merkle::LeafHash(*(*log)->RecordBytes(p)), &unused);
    }
    root_ = tree.Root();
  }

  void Start(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), "--log-only");
    daemon_ = testing::StartDaemon(dir_, extra);
    ASSERT_NE(daemon_, nullptr);
    audit_ = std::make_unique<v1::Audit::Stub>(Connect(daemon_->address()));
  }

  // Stops the daemon cleanly, closing this test's channel first (the server
  // waits for open connections to close).
  int Stop() {
    audit_.reset();
    return daemon_->Stop();
  }

  testing::CommandResult Cli(std::vector<std::string> args) {
    return testing::RunCli(*daemon_, Tokens::kAuditor, args);
  }

  TempDir dir_;
  uint64_t head_ = 0;
  std::string root_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<v1::Audit::Stub> audit_;
};

TEST_F(ProofTest, ACheckpointSignedOnDemandIsTheTreeOfTheLogSignedByTheServersKey) {
  Start();
  // The key, made at the first start beside the data directory, for its owner only.
  const std::string key_file = dir_ / "signing-key.pem";
  struct stat st;
  ASSERT_EQ(stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto key = proof::SigningKey::Load(key_file);
  ASSERT_TRUE(key.ok()) << key.status();

  v1::Checkpoint none;
  EXPECT_EQ(audit_->GetCheckpoint(Call(Tokens::kAuditor).get(), {}, &none).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListSigningKeysResponse keys;
  ASSERT_TRUE(audit_->ListSigningKeys(Call(Tokens::kAuditor).get(), {}, &keys).ok());
  EXPECT_EQ(keys.keys_size(), 0);  // recorded with the first checkpoint
  EXPECT_EQ(keys.server_key_id(), key->id());
  EXPECT_EQ(keys.server_public_key(), store::ToHex(key->public_key()));
  EXPECT_EQ(testing::HeadPosition(*daemon_), head_);  // starting wrote nothing

  v1::SignCheckpointResponse made;
  grpc::Status s = audit_->SignCheckpoint(Call(Tokens::kAuditor).get(), {}, &made);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(made.made());
  const v1::Checkpoint& c = made.checkpoint();
  EXPECT_EQ(c.size(), head_);
  EXPECT_EQ(c.root(), store::ToHex(root_));
  EXPECT_EQ(c.key_id(), key->id());
  EXPECT_EQ(c.position(), head_ + 2);  // the key's record, then the checkpoint's
  EXPECT_EQ(testing::HeadPosition(*daemon_), head_ + 2);
  // The text, made here from the fields, is what the server's key signed.
  v1::SignedCheckpoint signed_c;
  signed_c.set_partition(c.partition());
  signed_c.set_size(c.size());
  signed_c.set_root(root_);
  signed_c.set_time_us(google::protobuf::util::TimeUtil::TimestampToMicroseconds(c.time()));
  signed_c.set_key_id(c.key_id());
  std::string signature;
  ASSERT_TRUE(store::FromHex(c.signature(), &signature));
  signed_c.set_signature(signature);
  EXPECT_EQ(c.text(), proof::CheckpointText(signed_c));
  EXPECT_TRUE(proof::CheckpointSignedBy(signed_c, key->public_key()));

  // Asked again with nothing new: the same one.
  v1::SignCheckpointResponse again;
  ASSERT_TRUE(audit_->SignCheckpoint(Call(Tokens::kSupervision).get(), {}, &again).ok());
  EXPECT_FALSE(again.made());
  EXPECT_EQ(again.checkpoint().position(), c.position());
  v1::Checkpoint latest;
  ASSERT_TRUE(audit_->GetCheckpoint(Call(Tokens::kAdmin).get(), {}, &latest).ok());
  EXPECT_EQ(latest.signature(), c.signature());
  EXPECT_EQ(testing::HeadPosition(*daemon_), head_ + 2);

  ASSERT_TRUE(audit_->ListSigningKeys(Call(Tokens::kAuditor).get(), {}, &keys).ok());
  ASSERT_EQ(keys.keys_size(), 1);
  EXPECT_EQ(keys.keys(0).key_id(), key->id());
  EXPECT_EQ(keys.keys(0).from_position(), head_ + 1);
  EXPECT_TRUE(keys.keys(0).in_use());
  EXPECT_EQ(*proof::ParsePublicKey(keys.keys(0).public_key_pem()), key->public_key());

  // The proof records read as JSON by auditors.
  v1::ReadStreamRequest read;
  read.set_stream("proof/checkpoints");
  v1::ReadStreamResponse page;
  ASSERT_TRUE(audit_->ReadStream(Call(Tokens::kAuditor).get(), read, &page).ok());
  ASSERT_EQ(page.events_size(), 2);
  EXPECT_EQ(page.events(0).type(), "proof.KeyIntroduced");
  EXPECT_EQ(page.events(1).actor(), "system:proof");
  EXPECT_THAT(page.events(1).payload_json(), HasSubstr("\"checkpoint_signed\""));
}

TEST_F(ProofTest, OnlyAuditorsTheOfficeAndAdminsAskForCheckpoints) {
  Start();
  for (const char* token : {Tokens::kDepartment, Tokens::kEnterprise, Tokens::kLeader}) {
    v1::SignCheckpointResponse made;
    EXPECT_EQ(audit_->SignCheckpoint(Call(token).get(), {}, &made).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << token;
    v1::Checkpoint c;
    EXPECT_EQ(audit_->GetCheckpoint(Call(token).get(), {}, &c).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    v1::ListSigningKeysResponse keys;
    EXPECT_EQ(audit_->ListSigningKeys(Call(token).get(), {}, &keys).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    auto call = Call(token);
    auto bundle = audit_->ExportBundle(call.get(), {});
    v1::BundleChunk chunk;
    EXPECT_FALSE(bundle->Read(&chunk));
    EXPECT_EQ(bundle->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  v1::SignCheckpointResponse made;
  grpc::ClientContext anonymous;
  EXPECT_EQ(audit_->SignCheckpoint(&anonymous, {}, &made).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(testing::HeadPosition(*daemon_), head_);
}

TEST_F(ProofTest, AServerThatChecksACopySignsNothingAndHoldsNoKey) {
  Start({"--no-signing"});
  v1::SignCheckpointResponse made;
  grpc::Status s = audit_->SignCheckpoint(Call(Tokens::kAuditor).get(), {}, &made);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("--no-signing"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "signing-key.pem"));
  EXPECT_EQ(testing::HeadPosition(*daemon_), head_);
  // Serving the log alone, it has no workflows' state to digest: it says so
  // rather than answer the digest of nothing.
  v1::StateDigest digest;
  s = audit_->GetStateDigest(Call(Tokens::kAuditor).get(), {}, &digest);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("--log-only"));
  EXPECT_EQ(digest.position(), 0u);
  auto cli = Cli({"digest"});
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_THAT(cli.err, HasSubstr("没有工作流的状态可摘要"));
}

TEST_F(ProofTest, TheCliChecksTheSignatureAgainstTheKeyTheCallerHolds) {
  Start();
  auto none = Cli({"checkpoint"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.err, HasSubstr("还没有签署过检查点"));

  // The auditor keeps the server's public key in a file, as PEM.
  auto keys = Cli({"checkpoint", "keys"});
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  EXPECT_THAT(keys.out, HasSubstr("签署第一个检查点时记入日志"));
  const std::string id = proof::SigningKey::Load(dir_ / "signing-key.pem")->id();
  auto pem = Cli({"checkpoint", "keys", "--pem", id});
  ASSERT_EQ(pem.exit_code, 0) << pem.err;
  EXPECT_THAT(pem.out, HasSubstr("BEGIN PUBLIC KEY"));
  testing::WriteFile(dir_ / "held.pem", pem.out);

  auto sign = Cli({"checkpoint", "sign", "--key", dir_ / "held.pem"});
  ASSERT_EQ(sign.exit_code, 0) << sign.err << sign.out;
  EXPECT_THAT(sign.out, HasSubstr("已签署新的检查点"));
  EXPECT_THAT(sign.out, HasSubstr(absl::StrCat("第 1–", head_, " 条记录")));
  EXPECT_THAT(sign.out, HasSubstr("签名有效"));
  auto shown = Cli({"checkpoint", "--key", dir_ / "held.pem"});
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_THAT(shown.out, HasSubstr("签名有效"));
  auto unchecked = Cli({"checkpoint"});
  EXPECT_EQ(unchecked.exit_code, 0);
  EXPECT_THAT(unchecked.out, HasSubstr("未以你持有的公钥核验"));

  // Another key held: the signature is not that key's.
  auto other = proof::SigningKey::Generate();
  testing::WriteFile(dir_ / "other.pem", proof::PublicKeyPem(other->public_key()));
  auto wrong = Cli({"checkpoint", "--key", dir_ / "other.pem"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.out,
              HasSubstr("签名无效：检查点由密钥 " + id + " 签署，不是你持有的公钥 " + other->id()));
  // JSON or not, a signature that does not check is exit 1.
  auto wrong_json = Cli({"--json", "checkpoint", "--key", dir_ / "other.pem"});
  EXPECT_EQ(wrong_json.exit_code, 1);
  EXPECT_THAT(wrong_json.out, HasSubstr("\"key_id\""));
  EXPECT_EQ(Cli({"--json", "checkpoint", "--key", dir_ / "held.pem"}).exit_code, 0);
  // A hex key is read too; a file that is no key, or none, is a usage error.
  testing::WriteFile(dir_ / "held.hex", store::ToHex(*proof::ParsePublicKey(pem.out)));
  EXPECT_EQ(Cli({"checkpoint", "--key", dir_ / "held.hex"}).exit_code, 0);
  testing::WriteFile(dir_ / "junk.pem", "not a key");
  EXPECT_EQ(Cli({"checkpoint", "--key", dir_ / "junk.pem"}).exit_code, 2);
  EXPECT_EQ(Cli({"checkpoint", "--key", dir_ / "missing.pem"}).exit_code, 2);
  EXPECT_EQ(Cli({"checkpoint", "keys", "--pem", "0000000000000000"}).exit_code, 1);

  auto listed = Cli({"checkpoint", "keys"});
  EXPECT_THAT(listed.out, HasSubstr(id));
  EXPECT_THAT(listed.out, HasSubstr("在用"));
}

TEST_F(ProofTest, ANewKeyNeedsTheOldOneOrAnOperatorsWordAndTheRotationSaysWhich) {
  Start();
  v1::SignCheckpointResponse made;
  ASSERT_TRUE(audit_->SignCheckpoint(Call(Tokens::kAuditor).get(), {}, &made).ok());
  const std::string old_id = made.checkpoint().key_id();
  ASSERT_EQ(Stop(), 0);
  const uint64_t head = head_ + 2;

  // A new key alone: refused, saying what to do; nothing written.
  auto fresh = proof::SigningKey::Generate();
  ASSERT_TRUE(fresh->Write(dir_ / "new-key.pem").ok());
  std::string failure;
  auto refused = Daemon::Start(
      testing::DaemonArgs(dir_, {"--log-only", "--signing-key", dir_ / "new-key.pem"}),
      dir_ / "refused.stderr", &failure);
  EXPECT_EQ(refused, nullptr);
  EXPECT_THAT(failure, HasSubstr(old_id));
  EXPECT_THAT(failure, HasSubstr("previous_signing_key"));
  EXPECT_EQ(testing::OfflineVerify(dir_ / "data").to, head);

  // With the old key too: the rotation is signed by both.
  Start(
      {"--signing-key", dir_ / "new-key.pem", "--previous-signing-key", dir_ / "signing-key.pem"});
  ASSERT_TRUE(audit_->SignCheckpoint(Call(Tokens::kAuditor).get(), {}, &made).ok());
  EXPECT_TRUE(made.made());  // a rotation is not a record a checkpoint can skip
  EXPECT_EQ(made.checkpoint().key_id(), fresh->id());
  v1::ListSigningKeysResponse keys;
  ASSERT_TRUE(audit_->ListSigningKeys(Call(Tokens::kAuditor).get(), {}, &keys).ok());
  ASSERT_EQ(keys.keys_size(), 2);
  EXPECT_EQ(keys.keys(1).replaces(), old_id);
  EXPECT_TRUE(keys.keys(1).endorsed());
  EXPECT_FALSE(keys.keys(0).in_use());
  EXPECT_TRUE(keys.keys(1).in_use());
  // An auditor who holds the old key only: the checkpoint the new key signed
  // is valid through the rotation both keys signed, checked by the CLI.
  testing::WriteFile(
      dir_ / "old.pem",
      proof::PublicKeyPem(proof::SigningKey::Load(dir_ / "signing-key.pem")->public_key()));
  testing::WriteFile(dir_ / "new.pem", proof::PublicKeyPem(fresh->public_key()));
  auto through = Cli({"checkpoint", "--key", dir_ / "old.pem"});
  EXPECT_EQ(through.exit_code, 0) << through.out << through.err;
  EXPECT_THAT(through.out, HasSubstr("签名有效：由密钥 " + fresh->id()));
  EXPECT_THAT(through.out, HasSubstr("承接你持有的公钥 " + old_id));
  EXPECT_EQ(Cli({"checkpoint", "--key", dir_ / "new.pem"}).exit_code, 0);
  ASSERT_EQ(Stop(), 0);

  // The old key cannot come back.
  refused = Daemon::Start(testing::DaemonArgs(dir_, {"--log-only"}), dir_ / "old.stderr", &failure);
  EXPECT_EQ(refused, nullptr);
  EXPECT_THAT(failure, HasSubstr("取代"));

  // A lost key: another accepted on the operator's word, and marked so.
  auto third = proof::SigningKey::Generate();
  ASSERT_TRUE(third->Write(dir_ / "third.pem").ok());
  Start({"--signing-key", dir_ / "third.pem", "--accept-unendorsed-signing-key"});
  ASSERT_TRUE(audit_->SignCheckpoint(Call(Tokens::kAuditor).get(), {}, &made).ok());
  ASSERT_TRUE(audit_->ListSigningKeys(Call(Tokens::kAuditor).get(), {}, &keys).ok());
  ASSERT_EQ(keys.keys_size(), 3);
  EXPECT_FALSE(keys.keys(2).endorsed());
  auto listed = Cli({"checkpoint", "keys"});
  EXPECT_THAT(listed.out, HasSubstr("否：须另行取得其公钥"));
  // The keys before the unendorsed rotation reach no further: their holders
  // are told so; the third key's holder is answered.
  for (const char* held : {"old.pem", "new.pem"}) {
    auto refused_key = Cli({"checkpoint", "--key", dir_ / held});
    EXPECT_EQ(refused_key.exit_code, 1) << held;
    EXPECT_THAT(refused_key.out, HasSubstr("未能认可：检查点由密钥 " + third->id())) << held;
  }
  testing::WriteFile(dir_ / "third-public.pem", proof::PublicKeyPem(third->public_key()));
  EXPECT_EQ(Cli({"checkpoint", "--key", dir_ / "third-public.pem"}).exit_code, 0);
  // A held key the log never had, against a checkpoint of another key.
  auto stranger = proof::SigningKey::Generate();
  testing::WriteFile(dir_ / "stranger.pem", proof::PublicKeyPem(stranger->public_key()));
  auto unknown = Cli({"checkpoint", "--key", dir_ / "stranger.pem"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.out, HasSubstr("日志中也没有从它轮换而来的密钥"));
  ASSERT_EQ(Stop(), 0);
  EXPECT_TRUE(testing::OfflineVerify(dir_ / "data").ok);
}

// A server that lies. The command line checks what it is given and says
// 未能证明 or 签名无效 (exit 1), never that a lie is proven.
class LyingAudit final : public v1::Audit::Service {
 public:
  LyingAudit(std::string record, v1::Checkpoint checkpoint)
      : record_(std::move(record)), checkpoint_(std::move(checkpoint)) {}

  // Asked for any position: a true proof, of the record at position 1 in
  // the tree of one record.
  grpc::Status ProveInclusion(grpc::ServerContext*, const v1::ProveInclusionRequest*,
                              v1::InclusionProof* response) override {
    response->set_position(1);
    response->set_size(1);
    response->set_record(record_);
    response->set_leaf_hash(store::ToHex(store::merkle::LeafHash(record_)));
    response->set_root(store::ToHex(store::merkle::LeafHash(record_)));
    return grpc::Status::OK;
  }
  // Asked for any pair: a true proof between two trees of one record.
  grpc::Status ProveConsistency(grpc::ServerContext*, const v1::ProveConsistencyRequest*,
                                v1::ConsistencyProof* response) override {
    response->set_first(1);
    response->set_second(1);
    response->set_first_root(store::ToHex(store::merkle::LeafHash(record_)));
    response->set_second_root(response->first_root());
    return grpc::Status::OK;
  }
  grpc::Status GetCheckpoint(grpc::ServerContext*, const v1::GetCheckpointRequest*,
                             v1::Checkpoint* response) override {
    *response = checkpoint_;
    return grpc::Status::OK;
  }

 private:
  std::string record_;
  v1::Checkpoint checkpoint_;
};

TEST_F(ProofTest, TheCliProvesNothingALyingServerSays) {
  // What the truthful server says, to make the lies from.
  Start();
  v1::SignCheckpointResponse made;
  ASSERT_TRUE(audit_->SignCheckpoint(Call(Tokens::kAuditor).get(), {}, &made).ok());
  v1::InclusionProof first;
  v1::ProveInclusionRequest ask;
  ask.set_position(1);
  ASSERT_TRUE(audit_->ProveInclusion(Call(Tokens::kAuditor).get(), ask, &first).ok());
  auto pem = Cli({"checkpoint", "keys", "--pem", made.checkpoint().key_id()});
  ASSERT_EQ(pem.exit_code, 0);
  testing::WriteFile(dir_ / "held.pem", pem.out);
  ASSERT_EQ(Stop(), 0);

  // The checkpoint with another root: the signature no longer covers it.
  v1::Checkpoint altered = made.checkpoint();
  altered.set_root(store::ToHex(store::Sha256("another log")));
  LyingAudit liar(first.record(), altered);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&liar);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto cli = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {TAIZHANG_CLI_PATH, "--server",
                                     absl::StrCat("127.0.0.1:", port), "--token", Tokens::kAuditor};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunCommand(argv);
  };

  auto prove = cli({"tree", "prove", "3"});
  EXPECT_EQ(prove.exit_code, 1);
  EXPECT_THAT(prove.out, HasSubstr("未能证明：服务器答的是第 1 条记录在 1 条记录的树中"));
  auto consistency = cli({"tree", "consistency", "2", "--second", "3"});
  EXPECT_EQ(consistency.exit_code, 1);
  EXPECT_THAT(consistency.out, HasSubstr("未能证明：服务器答的是 1 条与 1 条记录的两棵树"));
  auto checkpoint = cli({"checkpoint", "--key", dir_ / "held.pem"});
  EXPECT_EQ(checkpoint.exit_code, 1);
  EXPECT_THAT(checkpoint.out, HasSubstr("签名无效"));
  // The truth it started from passes: asked for position 1 of a tree of 1.
  EXPECT_EQ(cli({"tree", "prove", "1", "--size", "1"}).exit_code, 0);
  server->Shutdown();
}

}  // namespace
}  // namespace taizhang
