#include "services/proof_cli.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "proof/bundle.h"
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

// The log's signing keys, folded from its proof records as the server gives
// them, each record's signatures checked here (proof::KeyChain): which keys
// a held key reaches by rotations rests on signatures, not on the server's
// word. nullopt and `*why` when the records cannot be read or do not check.
std::optional<proof::KeyChain> ReadKeyChain(CliContext& ctx, std::string* why) {
  v1::Audit::Stub stub(ctx.Channel());
  proof::KeyChain chain;
  std::string page_token;
  do {
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::ReadStreamRequest request;
    request.set_stream(proof::kProofStream);
    request.set_page_size(1000);
    request.set_page_token(page_token);
    v1::ReadStreamResponse response;
    grpc::Status status = stub.ReadStream(&call, request, &response);
    if (!status.ok()) {
      *why = absl::StrCat("不能读取日志的密钥记录：", status.error_message());
      return std::nullopt;
    }
    for (const v1::AuditEvent& e : response.events()) {
      v1::ProofEvent event;
      if (!event.ParseFromString(e.payload())) {
        *why = absl::StrCat("第 ", e.position(), " 条证明记录不可读");
        return std::nullopt;
      }
      if (absl::Status s = chain.Add(e.position(), event); !s.ok()) {
        *why = std::string(s.message());
        return std::nullopt;
      }
    }
    page_token = response.next_page_token();
  } while (!page_token.empty());
  return chain;
}

// What the held key says of the checkpoint.
struct Verdict {
  bool valid = false;
  std::string text;  // the line printed
};

// Checks the checkpoint against the held key: signed by it, or by a key it
// reaches through rotations both keys signed (read from the log and checked
// here).
Verdict Judge(CliContext& ctx, const v1::Checkpoint& view, const std::string& key) {
  const std::string held = proof::KeyIdOf(key);
  const std::optional<v1::SignedCheckpoint> c = FromView(view);
  if (!c.has_value()) return {false, "签名无效：服务器所给的检查点字段不完整"};
  if (proof::CheckpointSignedBy(*c, key)) {
    return {true, absl::StrCat("签名有效：由你持有的公钥 ", held, " 签署，本地核验")};
  }
  if (view.key_id() == held) {
    return {false,
            absl::StrCat("签名无效：检查点不是由你持有的公钥 ", held, " 签署的，或签署后被改动")};
  }
  std::string why;
  const std::optional<proof::KeyChain> chain = ReadKeyChain(ctx, &why);
  if (!chain.has_value()) {
    return {false, absl::StrCat("未能核验：检查点由密钥 ", view.key_id(),
                                " 签署，不是你持有的公钥 ", held, "；", why)};
  }
  const std::vector<std::string> reached = chain->TrustedFrom(key);
  const proof::ChainKey* signer = chain->Find(view.key_id());
  if (signer != nullptr && std::find(reached.begin(), reached.end(), signer->id) != reached.end()) {
    if (!proof::CheckpointSignedBy(*c, signer->public_key)) {
      return {false,
              absl::StrCat("签名无效：检查点不是由密钥 ", signer->id, " 签署的，或签署后被改动")};
    }
    return {true, absl::StrCat("签名有效：由密钥 ", signer->id,
                               " 签署，它经日志中新旧密钥都签了名的轮换承接你持有的公钥 ", held,
                               "（轮换记录的签名本地核验）")};
  }
  if (signer != nullptr && chain->Find(held) != nullptr) {
    return {false, absl::StrCat("未能认可：检查点由密钥 ", signer->id, " 签署；它与你持有的公钥 ",
                                held, " 之间有未经原密钥签名认可的轮换，须另行取得密钥 ",
                                signer->id, " 的公钥（taizhang checkpoint keys 列出各次轮换）")};
  }
  return {false,
          absl::StrCat("签名无效：检查点由密钥 ", view.key_id(), " 签署，不是你持有的公钥 ", held,
                       "，日志中也没有从它轮换而来的密钥（taizhang checkpoint keys 列出各密钥）")};
}

// Prints the checkpoint (as JSON with --json); with a held key, checks its
// signature here (exit 1 when it does not check, JSON or not).
void Show(CliContext& ctx, const google::protobuf::Message& response, const v1::Checkpoint& view,
          const std::optional<std::string>& key) {
  const Verdict verdict = key.has_value() ? Judge(ctx, view, *key) : Verdict{true, ""};
  if (!verdict.valid) ctx.exit_code = 1;
  if (ctx.json) return ctx.PrintJson(response);
  ctx.Print(absl::StrCat("检查点    分区 ", view.partition(), "，第 1–", view.size(),
                         " 条记录（记于第 ", view.position(), " 条）\n默克尔根  ", view.root(),
                         "\n签署时间  ", Time(view.time()), "（北京时间）\n签名密钥  ",
                         view.key_id(), "\n签名      ", view.signature(), "\n"));
  if (!key.has_value()) {
    ctx.Print("（未以你持有的公钥核验签名：--key 公钥文件）\n");
  } else {
    ctx.Print(verdict.text + "\n");
  }
}

// taizhang bundle export: the bundle written to a file beside --out, checked
// there, then renamed to --out.
void AddBundleCommand(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("bundle", "export bundles for auditors (审计导出包)");
  cmd->require_subcommand(1);
  auto* exp = cmd->add_subcommand(
      "export", "the records of a range with what proves them, in one file (docs/bundle.md)");
  struct Flags {
    uint64_t from = 0;
    uint64_t to = 0;
    std::string out;
    std::string key_file;
  };
  auto* f = &ctx.Own<Flags>();
  exp->add_option("--from", f->from, "first position (default: 1)");
  exp->add_option("--to", f->to,
                  "last position (default: the whole log, under a checkpoint signed now)");
  exp->add_option("--out", f->out, "the file to write; must not exist")->required();
  exp->add_option("--key", f->key_file,
                  "a public key you hold (PEM or hex): the bundle is checked against it");
  exp->callback([&ctx, f] {
    std::optional<std::string> key;
    if (!f->key_file.empty() && !(key = HeldKey(ctx, f->key_file)).has_value()) return;
    std::error_code error;
    if (std::filesystem::exists(f->out, error)) {
      return ctx.Fail(absl::StrCat("--out ", f->out, "：文件已存在，不覆盖"), 2);
    }
    // Made here, never over another file (an export under way, or anything).
    const std::string partial = f->out + ".partial";
    std::FILE* file = std::fopen(partial.c_str(), "wbx");
    if (file == nullptr) {
      return ctx.Fail(absl::StrCat(partial, "：无法新建（已存在，或目录不可写）"), 2);
    }
    v1::Audit::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call, /*streaming=*/true);
    v1::ExportBundleRequest request;
    request.set_from_position(f->from);
    request.set_to_position(f->to);
    auto reader = stub.ExportBundle(&call, request);
    v1::BundleChunk chunk;
    bool written = true;
    while (reader->Read(&chunk)) {
      written &=
          std::fwrite(chunk.data().data(), 1, chunk.data().size(), file) == chunk.data().size();
    }
    grpc::Status status = reader->Finish();
    written &= std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
    written &= std::fclose(file) == 0;
    if (!status.ok() || !written) {
      std::filesystem::remove(partial, error);
      if (!status.ok()) return ctx.Fail(status);
      return ctx.Fail(absl::StrCat(partial, "：写入失败"), 2);
    }
    std::ifstream in(partial, std::ios::binary);
    proof::BundleReader bundle(in);
    const proof::BundleFacts facts = proof::CheckBundle(
        bundle, key.has_value() ? std::vector<std::string>{*key} : std::vector<std::string>{},
        nullptr);
    if (facts.problem.has_value()) {
      std::filesystem::remove(partial, error);
      return ctx.Fail(absl::StrCat("收到的导出包未通过核验",
                                   facts.problem->position > 0
                                       ? absl::StrCat("（第 ", facts.problem->position, " 条）")
                                       : "",
                                   "：", facts.problem->what),
                      1);
    }
    // Put in place only where nothing is: a link fails on a file that exists.
    const bool placed = ::link(partial.c_str(), f->out.c_str()) == 0;
    const int link_error = errno;
    std::filesystem::remove(partial, error);
    if (!placed) {
      return ctx.Fail(
          absl::StrCat("--out ", f->out, "：",
                       link_error == EEXIST ? "文件已存在，不覆盖" : std::strerror(link_error)),
          2);
    }
    const v1::BundleHeader& h = facts.header;
    if (ctx.json) return ctx.PrintJson(h);
    ctx.Print(absl::StrCat(
        "导出包    ", f->out, "（", facts.summary.bytes, " 字节）\n记录      分区 ", h.partition(),
        "，第 ", h.from_position(), "–", h.to_position(), " 条，共 ", facts.summary.records,
        " 条；附件 ", facts.summary.blobs, " 个；密钥记录 ", facts.summary.key_records,
        " 条\n检查点    ", h.checkpoint().size(), " 条记录，密钥 ", h.checkpoint().key_id(),
        "\n链末哈希  ", store::ToHex(facts.last_hash), "\n",
        key.has_value() ? absl::StrCat("本地核验通过：由你持有的公钥 ", proof::KeyIdOf(*key),
                                       " 认可的密钥签署\n")
                        : "本地核验通过（包内自洽；--key 公钥文件 可核验出自本服务器）\n",
        "审计方以 taizhang-verify --bundle ", f->out, " --key 公钥文件 核验\n"));
  });
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

  AddBundleCommand(app, ctx);

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
