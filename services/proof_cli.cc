#include "services/proof_cli.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "proof/checkpoint.h"
#include "proof/ed25519.h"
#include "services/china_time.h"
#include "services/text_table.h"
#include "store/sha256.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::services {
namespace {

using google::protobuf::util::TimeUtil;

std::string Time(const google::protobuf::Timestamp& t) { return ChinaTimeOf(t, true); }

// The public key in the file at `path` (PEM or hex); nullopt after saying why.
std::optional<std::string> HeldKey(CliContext& ctx, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ctx.Fail(absl::StrCat("--key ", path, "：文件不存在或不可读"), 2);
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto key = proof::ParsePublicKey(text.str());
  if (!key.ok()) {
    ctx.Fail(absl::StrCat("--key ", path, "：", key.status().message()), 2);
    return std::nullopt;
  }
  return *key;
}

// The checkpoint as signed, made from the fields the server gave; nullopt
// when a field is not what a checkpoint holds.
std::optional<v1::SignedCheckpoint> FromView(const v1::Checkpoint& view) {
  v1::SignedCheckpoint c;
  c.set_partition(view.partition());
  c.set_size(view.size());
  std::string root, signature;
  if (!store::FromHex(view.root(), &root) || root.size() != 32 ||
      !store::FromHex(view.signature(), &signature)) {
    return std::nullopt;
  }
  c.set_root(root);
  c.set_time_us(TimeUtil::TimestampToMicroseconds(view.time()));
  c.set_key_id(view.key_id());
  c.set_signature(signature);
  return c;
}

// What the held key says of the checkpoint: "" when it signed it, else why
// not.
std::string Refusal(const v1::Checkpoint& view, const std::string& key) {
  const std::optional<v1::SignedCheckpoint> c = FromView(view);
  if (c.has_value() && proof::CheckpointSignedBy(*c, key)) return "";
  if (view.key_id() != proof::KeyIdOf(key)) {
    return absl::StrCat("签名无效：检查点由密钥 ", view.key_id(), " 签署，不是你持有的公钥 ",
                        proof::KeyIdOf(key),
                        "（日志若轮换过密钥，taizhang checkpoint keys 列出各密钥及其轮换）");
  }
  return absl::StrCat("签名无效：检查点不是由你持有的公钥 ", proof::KeyIdOf(key),
                      " 签署的，或签署后被改动");
}

// Prints the checkpoint (as JSON with --json); with a held key, checks its
// signature here (exit 1 when it does not check, JSON or not).
void Show(CliContext& ctx, const google::protobuf::Message& response, const v1::Checkpoint& view,
          const std::optional<std::string>& key) {
  const std::string refusal = key.has_value() ? Refusal(view, *key) : "";
  if (!refusal.empty()) ctx.exit_code = 1;
  if (ctx.json) return ctx.PrintJson(response);
  ctx.Print(absl::StrCat("检查点    分区 ", view.partition(), "，第 1–", view.size(),
                         " 条记录（记于第 ", view.position(), " 条）\n默克尔根  ", view.root(),
                         "\n签署时间  ", Time(view.time()), "（北京时间）\n签名密钥  ",
                         view.key_id(), "\n签名      ", view.signature(), "\n"));
  if (!key.has_value()) {
    ctx.Print("（未以你持有的公钥核验签名：--key 公钥文件）\n");
  } else if (refusal.empty()) {
    ctx.Print(absl::StrCat("签名有效：由你持有的公钥 ", proof::KeyIdOf(*key), " 签署，本地核验\n"));
  } else {
    ctx.Print(refusal + "\n");
  }
}

}  // namespace

void AddProofCommands(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("checkpoint", "the log's signed checkpoints (签名检查点)");
  auto* key_file = &ctx.Own<std::string>();
  cmd->add_option("--key", *key_file,
                  "a public key you hold (PEM or hex): check the signature against it");
  cmd->callback([&ctx, cmd, key_file] {
    if (!cmd->get_subcommands().empty()) return;
    std::optional<std::string> key;
    if (!key_file->empty() && !(key = HeldKey(ctx, *key_file)).has_value()) return;
    v1::Audit::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::Checkpoint response;
    grpc::Status status = stub.GetCheckpoint(&call, v1::GetCheckpointRequest(), &response);
    if (!status.ok()) return ctx.Fail(status);
    Show(ctx, response, response, key);
  });

  auto* sign = cmd->add_subcommand("sign", "sign a checkpoint of the log as it is now");
  sign->fallthrough();
  sign->callback([&ctx, key_file] {
    std::optional<std::string> key;
    if (!key_file->empty() && !(key = HeldKey(ctx, *key_file)).has_value()) return;
    v1::Audit::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::SignCheckpointResponse response;
    grpc::Status status = stub.SignCheckpoint(&call, v1::SignCheckpointRequest(), &response);
    if (!status.ok()) return ctx.Fail(status);
    if (!ctx.json) {
      ctx.Print(response.made() ? "已签署新的检查点\n"
                                : "最近的检查点已覆盖全部记录（其后只有证明记录），未新签\n");
    }
    Show(ctx, response, response.checkpoint(), key);
  });

  auto* digest = app.add_subcommand(
      "digest",
      "the digest of the workflows' state the server holds (状态摘要), for taizhang-verify");
  digest->callback([&ctx] {
    v1::Audit::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::StateDigest response;
    grpc::Status status = stub.GetStateDigest(&call, v1::GetStateDigestRequest(), &response);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(response);
    ctx.Print(absl::StrCat("状态摘要  ", response.digest(), "\n截至      第 ", response.position(),
                           " 条记录（", response.streams(), " 个流）\n默克尔根  ", response.root(),
                           "\n以 taizhang-verify --through ", response.position(),
                           " 重放一份日志副本，应得出同一摘要\n"));
  });

  auto* keys = cmd->add_subcommand("keys", "the keys that sign the log's checkpoints");
  auto* pem_of = &ctx.Own<std::string>();
  keys->add_option("--pem", *pem_of, "print this key's public key as PEM (to keep in a file)");
  keys->callback([&ctx, pem_of] {
    v1::Audit::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::ListSigningKeysResponse response;
    grpc::Status status = stub.ListSigningKeys(&call, v1::ListSigningKeysRequest(), &response);
    if (!status.ok()) return ctx.Fail(status);
    if (!pem_of->empty()) {
      for (const v1::SigningKey& k : response.keys()) {
        if (k.key_id() == *pem_of) return ctx.Print(k.public_key_pem());
      }
      std::string server_key;
      if (*pem_of == response.server_key_id() &&
          store::FromHex(response.server_public_key(), &server_key)) {
        return ctx.Print(proof::PublicKeyPem(server_key));
      }
      return ctx.Fail(absl::StrCat("--pem ", *pem_of, "：没有这把密钥"), 1);
    }
    if (ctx.json) return ctx.PrintJson(response);
    TextTable table({"密钥", "启用于", "启用时间", "取代", "经原密钥认可", "在用"});
    for (const v1::SigningKey& k : response.keys()) {
      table.AddRow({k.key_id(), absl::StrCat("第 ", k.from_position(), " 条"), Time(k.since()),
                    k.replaces().empty() ? "—" : k.replaces(),
                    k.replaces().empty() ? "—" : (k.endorsed() ? "是" : "否：须另行取得其公钥"),
                    k.in_use() ? "在用" : ""});
    }
    if (response.keys_size() > 0) ctx.Print(table.Render());
    bool recorded = false;
    for (const v1::SigningKey& k : response.keys())
      recorded |= k.key_id() == response.server_key_id();
    ctx.Print(absl::StrCat("本服务器的密钥 ", response.server_key_id(),
                           recorded ? "" : "（签署第一个检查点时记入日志）", "\n公钥 ",
                           response.server_public_key(), "\n"));
  });
}

}  // namespace taizhang::services
