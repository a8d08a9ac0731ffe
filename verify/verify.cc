#include "verify/verify.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "proof/bundle.h"
#include "proof/checkpoint.h"
#include "proof/ed25519.h"
#include "store/event_log.h"
#include "store/sha256.h"
#include "taizhang/v1/bulletin.pb.h"
#include "workflows/ledger.h"

namespace taizhang::verify {
namespace {

using google::protobuf::util::TimeUtil;

class Checker {
 public:
  Checker(const CheckOptions& options, Report& report) : options_(options), report_(report) {}

  void Run() {
    store::Options o;
    o.create_if_missing = false;
    o.read_only = true;
    const absl::Duration opening = Now();
    auto log = store::OpenEventLog(options_.dir, clock_, o);
    report_.open_seconds = absl::ToDoubleSeconds(Now() - opening);
    if (!log.ok()) {
      Fail(0, absl::StrCat("不能打开日志副本：", log.status().message()));
      return;
    }
    log_ = std::move(*log);
    report_.head = log_->HeadPosition();
    if (!Chain()) return;  // nothing else can be trusted
    const absl::Duration proofs = Now();
    if (Collect()) {
      Proofs();
      Bulletins();
    }
    Anchors();
    report_.proofs_seconds = absl::ToDoubleSeconds(Now() - proofs);
    Replay();
  }

 private:
  void Fail(uint64_t position, std::string what) {
    report_.failures.push_back({position, std::move(what)});
  }
  absl::Duration Now() const { return SharedSystemClock().Monotonic(); }

  // 1. The chain, the blobs and the tree.
  bool Chain() {
    const absl::Duration start = Now();
    auto v = log_->Verify(1, 0);
    report_.chain_seconds = absl::ToDoubleSeconds(Now() - start);
    if (!v.ok()) {
      Fail(0, absl::StrCat("不能校验哈希链：", v.status().message()));
      return false;
    }
    report_.records_checked = v->checked;
    report_.blobs_checked = v->blobs_checked;
    report_.chain_digest = store::ToHex(v->last_hash);
    report_.root = store::ToHex(v->merkle_root);
    if (!v->ok) {
      Fail(v->first_bad, absl::StrCat("哈希链或默克尔树断裂：", v->problem));
      return false;
    }
    return true;
  }

  // The root of the first `size` records, or a failure named at `position`.
  bool RootIs(uint64_t position, uint64_t size, const std::string& root, const std::string& what) {
    if (size > report_.head) {
      Fail(position, absl::StrCat(what, "覆盖 ", size, " 条记录，而本副本只有 ", report_.head,
                                  " 条（副本被截短，或不是这份日志）"));
      return false;
    }
    auto ours = log_->MerkleRoot(size);
    if (!ours.ok()) {
      Fail(position, absl::StrCat(what, "：", ours.status().message()));
      return false;
    }
    if (*ours != root) {
      Fail(position, absl::StrCat(what, "的默克尔根与本副本前 ", size,
                                  " 条记录的不同（记录在签署之后被改写）"));
      return false;
    }
    return true;
  }

  // Whether the log's key `key_id` is trusted: the whole public key the
  // log holds under that id is one given or reached from one by rotations
  // (a key id is a short digest: two keys could share one).
  bool Trusted(const std::string& key_id) const {
    auto it = trusted_.find(key_id);
    if (it == trusted_.end()) return false;
    const proof::ChainKey* k = chain_.Find(key_id);
    return k == nullptr || k->public_key == it->second;
  }

  // The proof records and the published bulletins, in one pass over the
  // records themselves (not through the stream index, which the chain does
  // not cover).
  bool Collect() {
    absl::Status s = log_->Scan(1, [&](const store::RecordedEvent& e) -> absl::Status {
      const std::string& stream = e.record.stream();
      if (stream == proof::kProofStream) {
        proof_records_.push_back(e);
      } else if (stream.rfind("bulletin/", 0) == 0) {
        v1::BulletinEvent event;
        if (event.ParseFromString(e.record.payload()) && event.has_published() &&
            event.published().has_checkpoint()) {
          bulletins_.emplace_back(e.record.position(), event.published());
        }
      }
      return absl::OkStatus();
    });
    if (!s.ok()) Fail(0, absl::StrCat("不能读取记录：", s.message()));
    return s.ok();
  }

  // 2. The proof records: the keys, each checkpoint's signature and root.
  void Proofs() {
    std::vector<std::pair<uint64_t, v1::SignedCheckpoint>> checkpoints;
    for (const store::RecordedEvent& e : proof_records_) {
      const uint64_t position = e.record.position();
      if (absl::Status s = chain_.Add(e); !s.ok()) {
        Fail(position, std::string(s.message()));
        return;  // the keys after it cannot be followed
      }
      auto event = proof::DecodeProofRecord(e);
      if (event.ok() && event->has_checkpoint_signed()) {
        checkpoints.emplace_back(position, event->checkpoint_signed());
      }
    }
    report_.keys = chain_.keys().size();
    for (const std::string& key : options_.public_keys) {
      for (const std::string& id : chain_.TrustedFrom(key)) {
        trusted_.emplace(id, chain_.Find(id)->public_key);
      }
      // A key held but not (yet) in the chain still vouches for what it signed.
      trusted_.emplace(proof::KeyIdOf(key), key);
    }
    if (options_.public_keys.empty()) {
      report_.notes.push_back(
          "未给公钥：签名只核验了日志内的自洽，不能证明日志出自持有私钥的服务器");
    } else if (chain_.keys().empty()) {
      if (options_.proved_through > 0) {
        // Proved from outside (a bundle's checkpoint, its keys in the bundle).
      } else if (options_.require_signature) {
        Fail(0, "日志中没有签名密钥的记录：所给公钥未签署过这份日志");
      } else {
        report_.notes.push_back("日志中还没有签名的检查点：只核验了哈希链与默克尔树");
      }
    } else if (std::none_of(chain_.keys().begin(), chain_.keys().end(),
                            [&](const proof::ChainKey& k) { return Trusted(k.id); })) {
      Fail(0, "日志中的签名密钥都不是所给公钥，也不由它经轮换认可（日志可能被整体改写并另行签名）");
    }
    for (const proof::ChainKey& k : chain_.keys()) {
      if (!k.replaces.empty() && !k.endorsed) {
        report_.notes.push_back(absl::StrCat("第 ", k.from_position, " 条：密钥 ", k.id, " 替换 ",
                                             k.replaces,
                                             " 时旧密钥未签名认可，信任它需另有来源的公钥"));
      }
    }
    for (const auto& [position, c] : checkpoints) {
      ++report_.checkpoints;
      const std::string what = absl::StrCat("第 ", position, " 条记录中的检查点");
      if (!options_.public_keys.empty() && !Trusted(c.key_id())) {
        Fail(position, absl::StrCat(what, "由不受信任的密钥 ", c.key_id(), " 签署"));
        continue;
      }
      if (!RootIs(position, c.size(), c.root(), what)) continue;
      if (Trusted(c.key_id())) {
        ++report_.checkpoints_trusted;
        report_.signed_through = std::max(report_.signed_through, c.size());
      }
    }
    report_.signed_through = std::max(report_.signed_through, options_.proved_through);
    if (!options_.public_keys.empty() && report_.signed_through < report_.head) {
      report_.notes.push_back(
          absl::StrCat("受信的签名覆盖到第 ", report_.signed_through, " 条；其后 ",
                       report_.head - report_.signed_through,
                       " 条尚无签名：要证明它们（或证明副本未被截短），需另有检查点（--anchor）"));
    }
  }

  // The public key that signed `c`, if trusted: a held key, or one of the
  // chain's keys the held keys reach.
  const std::string* TrustedKey(const std::string& key_id) const {
    if (!Trusted(key_id)) return nullptr;
    return &trusted_.find(key_id)->second;
  }

  // 3. The bulletins' checkpoints: signed by the key they carry, which must
  // be a trusted key (with keys given) or the log's key of that id (without).
  void Bulletins() {
    for (const auto& [position, published] : bulletins_) {
      const v1::SignedCheckpoint& c = published.checkpoint();
      const std::string& key = published.checkpoint_public_key();
      const std::string what = absl::StrCat("第 ", position, " 条记录（通报）所载的检查点");
      ++report_.bulletins;
      const std::string* expected = nullptr;
      if (!options_.public_keys.empty()) {
        expected = TrustedKey(c.key_id());
      } else if (const proof::ChainKey* k = chain_.Find(c.key_id())) {
        expected = &k->public_key;
      }
      if (!proof::CheckpointSignedBy(c, key)) {
        Fail(position, absl::StrCat(what, "签名不符"));
      } else if (expected == nullptr || *expected != key) {
        Fail(position,
             absl::StrCat(what, "由", options_.public_keys.empty() ? "日志中没有的" : "不受信任的",
                          "密钥 ", c.key_id(), " 签署"));
      } else {
        RootIs(position, c.size(), c.root(), what);
      }
    }
  }

  // 4. Checkpoints kept outside the log.
  void Anchors() {
    int n = 0;
    for (const v1::Checkpoint& a : options_.anchors) {
      ++n;
      const std::string what = absl::StrCat("所给的第 ", n, " 个检查点（", a.size(), " 条）");
      if (a.size() == 0 || a.key_id().empty() || a.signature().empty()) {
        Fail(0, absl::StrCat(what, "不是签名检查点（应为 taizhang --json checkpoint 的输出）"));
        continue;
      }
      if (options_.public_keys.empty()) {
        Fail(0, absl::StrCat(what, "：未给公钥（--key），不能核验"));
        continue;
      }
      v1::SignedCheckpoint c;
      c.set_partition(a.partition());
      c.set_size(a.size());
      c.set_time_us(TimeUtil::TimestampToMicroseconds(a.time()));
      c.set_key_id(a.key_id());
      std::string root, signature;
      if (!store::FromHex(a.root(), &root) || !store::FromHex(a.signature(), &signature)) {
        Fail(0, absl::StrCat(what, "的根或签名不是十六进制"));
        continue;
      }
      c.set_root(root);
      c.set_signature(signature);
      const std::string* key = TrustedKey(a.key_id());
      if (key == nullptr) {
        Fail(0, absl::StrCat(what, "的签名密钥 ", a.key_id(), " 不在所给公钥信任之列"));
        continue;
      }
      if (!proof::CheckpointSignedBy(c, *key)) {
        Fail(0, absl::StrCat(what, "签名不符"));
        continue;
      }
      ++report_.anchors;
      RootIs(0, a.size(), root, what);
    }
  }

  // 5. The replay and the state digest.
  void Replay() {
    if (options_.policies_dir.empty()) {
      report_.notes.push_back("未给策略目录：未重放工作流，未计算状态摘要");
      return;
    }
    workflows::LedgerOptions lo;
    lo.policies_dir = options_.policies_dir;
    lo.checkpoints = false;
    const absl::Duration loading = Now();
    auto ledger = workflows::Ledger::Open(*log_, clock_, lo);
    report_.load_seconds = absl::ToDoubleSeconds(Now() - loading);
    if (!ledger.ok()) {
      Fail(0, absl::StrCat("不能载入策略：", ledger.status().message()));
      return;
    }
    const absl::Duration start = Now();
    auto digest = (*ledger)->Replay(options_.through);
    report_.replay_seconds = absl::ToDoubleSeconds(Now() - start);
    if (!digest.ok()) {
      Fail(0, absl::StrCat("重放失败：", digest.status().message()));
      return;
    }
    report_.replayed = true;
    report_.digest_position = digest->position;
    report_.streams = digest->streams;
    report_.state_digest = store::ToHex(digest->digest);
  }

  const CheckOptions& options_;
  Report& report_;
  // Only for the log's interface: nothing is recorded.
  ManualClock clock_{absl::UnixEpoch()};
  std::unique_ptr<store::EventLog> log_;
  proof::KeyChain chain_;
  std::vector<store::RecordedEvent> proof_records_;
  std::vector<std::pair<uint64_t, v1::BulletinPublished>> bulletins_;
  std::map<std::string, std::string> trusted_;  // key id -> whole public key
};

}  // namespace

Report Check(const CheckOptions& options) {
  Report report;
  Checker(options, report).Run();
  report.ok = report.failures.empty();
  return report;
}

Report CheckBundle(const BundleOptions& options) {
  namespace fs = std::filesystem;
  Report report;
  report.bundle = true;
  std::ifstream in(options.file, std::ios::binary);
  if (!in) {
    report.failures.push_back({0, absl::StrCat("不能读取导出包 ", options.file)});
    return report;
  }
  // A bundle from position 1 becomes a log of its own, checked as a copy is.
  std::error_code error;
  const fs::path dir = fs::path(options.work_dir.empty() ? fs::temp_directory_path(error).string()
                                                         : options.work_dir) /
                       absl::StrCat("taizhang-verify-", ::getpid(), "-", std::random_device()());
  ManualClock clock{absl::UnixEpoch()};
  std::unique_ptr<store::EventLog> log;
  proof::BundleReader reader(in);
  const proof::BundleFacts facts = proof::CheckBundle(
      reader, options.public_keys,
      [&](std::vector<std::string> records, std::vector<std::string> blobs) -> absl::Status {
        if (log == nullptr) {
          v1::EventRecord first;
          if (!first.ParseFromString(records.front()) || first.position() != 1) {
            return absl::OkStatus();  // not from 1: nothing to replay
          }
          store::Options o;
          o.partition = first.partition();
          auto opened = store::OpenEventLog(dir.string(), clock, o);
          if (!opened.ok()) {
            return absl::FailedPreconditionError(absl::StrCat(
                "不能在 ", dir.string(), " 建立核验用的日志：", opened.status().message()));
          }
          log = std::move(*opened);
        }
        auto head = log->AppendRecorded(records, blobs);
        if (!head.ok()) {
          return absl::DataLossError(
              absl::StrCat("包中的记录不能接成日志：", head.status().message()));
        }
        return absl::OkStatus();
      });
  const v1::BundleHeader& h = facts.header;
  report.bundle_from = h.from_position();
  report.bundle_to = h.to_position();
  report.bundle_log_head = h.log_head();
  report.bundle_checkpoint_size = h.checkpoint().size();
  report.bundle_key_id = h.checkpoint().key_id();
  report.bundle_exported_by = h.exported_by();
  report.bundle_exported_at_us = h.exported_at_us();
  const bool replayable = log != nullptr;
  log.reset();
  auto cleanup = [&] { fs::remove_all(dir, error); };
  if (facts.problem.has_value()) {
    cleanup();
    report.failures.push_back(
        {facts.problem->position, absl::StrCat("导出包：", facts.problem->what)});
    return report;
  }
  if (!replayable) {
    report.head = h.to_position();
    report.records_checked = facts.summary.records;
    report.blobs_checked = facts.summary.blobs;
    report.chain_digest = store::ToHex(facts.last_hash);
    report.keys = facts.keys;
    report.checkpoints = 1;
    if (facts.trusted) {
      report.checkpoints_trusted = 1;
      report.signed_through = h.to_position();
    }
    report.notes = facts.notes;
    report.notes.push_back(absl::StrCat("导出包从第 ", h.from_position(),
                                        " 条起：核验了包内记录的链、附件与签名检查点的证明；重放工"
                                        "作流需从第 1 条起的导出包或日志副本"));
    report.ok = true;
    return report;
  }
  CheckOptions o;
  o.dir = dir.string();
  // The keys the bundle's key records reach from those given: a log read
  // from 1 to `to` may hold only the older ones of them.
  o.public_keys = options.public_keys;
  for (const std::string& key : facts.trusted_keys) {
    if (std::find(o.public_keys.begin(), o.public_keys.end(), key) == o.public_keys.end()) {
      o.public_keys.push_back(key);
    }
  }
  o.anchors = options.anchors;
  o.policies_dir = options.policies_dir;
  o.through = options.through;
  o.proved_through = facts.trusted ? h.to_position() : 0;
  Report checked = Check(o);
  cleanup();
  checked.bundle = true;
  checked.bundle_from = report.bundle_from;
  checked.bundle_to = report.bundle_to;
  checked.bundle_log_head = report.bundle_log_head;
  checked.bundle_checkpoint_size = report.bundle_checkpoint_size;
  checked.bundle_key_id = report.bundle_key_id;
  checked.bundle_exported_by = report.bundle_exported_by;
  checked.bundle_exported_at_us = report.bundle_exported_at_us;
  checked.keys = std::max(checked.keys, facts.keys);
  for (const std::string& note : facts.notes) checked.notes.push_back(note);
  if (h.to_position() < h.log_head()) {
    checked.notes.push_back(absl::StrCat("导出时日志共 ", h.log_head(), " 条，包只含前 ",
                                         h.to_position(), " 条：状态摘要是第 ", h.to_position(),
                                         " 条时的"));
  }
  return checked;
}

std::string Describe(const Report& r) {
  std::string out;
  auto rate = [](uint64_t n, double seconds) {
    return seconds <= 0 ? std::string("")
                        : absl::StrCat("，每秒 ", static_cast<uint64_t>(n / seconds), " 条");
  };
  if (r.bundle) {
    absl::StrAppend(&out, "导出包    第 ", r.bundle_from, "–", r.bundle_to,
                    " 条记录（导出时日志共 ", r.bundle_log_head, " 条），由 ",
                    r.bundle_checkpoint_size, " 条的签名检查点证明，密钥 ", r.bundle_key_id, "\n");
    if (!r.bundle_exported_by.empty()) {
      absl::StrAppend(
          &out, "导出      ", r.bundle_exported_by, "，",
          absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(r.bundle_exported_at_us),
                           absl::FixedTimeZone(8 * 3600)),
          "（北京时间；包头所记，未经签名）\n");
    }
  }
  absl::StrAppend(&out, "日志      ", r.head, " 条记录\n");
  if (r.records_checked > 0 || r.failures.empty()) {
    absl::StrAppend(&out, "哈希链    已核 ", r.records_checked, " 条、附件 ", r.blobs_checked,
                    " 个", rate(r.records_checked, r.chain_seconds), "\n");
    if (!r.chain_digest.empty()) absl::StrAppend(&out, "链摘要    ", r.chain_digest, "\n");
    if (!r.root.empty()) absl::StrAppend(&out, "默克尔根  ", r.root, "\n");
  }
  absl::StrAppend(&out, "签名      密钥 ", r.keys, " 个，检查点 ", r.checkpoints, " 个（受信 ",
                  r.checkpoints_trusted, " 个，签名覆盖到第 ", r.signed_through, " 条），通报 ",
                  r.bulletins, " 份，外部检查点 ", r.anchors, " 个\n");
  if (r.replayed) {
    absl::StrAppend(&out, "状态摘要  ", r.state_digest, "\n截至      第 ", r.digest_position,
                    " 条记录（", r.streams, " 个流", rate(r.digest_position, r.replay_seconds),
                    "）\n");
  }
  for (const std::string& note : r.notes) absl::StrAppend(&out, "说明      ", note, "\n");
  for (const Finding& f : r.failures) {
    const bool named = f.position > 0 && !absl::StartsWith(f.what, "第 ");
    absl::StrAppend(&out, "不符      ", named ? absl::StrCat("第 ", f.position, " 条：") : "",
                    f.what, "\n");
  }
  absl::StrAppend(&out, r.ok ? "结论      核验通过\n" : "结论      核验未通过\n");
  return out;
}

std::string ReportJson(const Report& r) {
  google::protobuf::Struct out;
  auto& f = *out.mutable_fields();
  auto number = [](double v) {
    google::protobuf::Value x;
    x.set_number_value(v);
    return x;
  };
  auto text = [](const std::string& v) {
    google::protobuf::Value x;
    x.set_string_value(v);
    return x;
  };
  auto flag = [](bool v) {
    google::protobuf::Value x;
    x.set_bool_value(v);
    return x;
  };
  f["ok"] = flag(r.ok);
  f["head"] = number(r.head);
  f["chain_digest"] = text(r.chain_digest);
  f["root"] = text(r.root);
  f["records_checked"] = number(r.records_checked);
  f["blobs_checked"] = number(r.blobs_checked);
  f["keys"] = number(r.keys);
  f["checkpoints"] = number(r.checkpoints);
  f["checkpoints_trusted"] = number(r.checkpoints_trusted);
  f["signed_through"] = number(r.signed_through);
  f["bulletins"] = number(r.bulletins);
  f["anchors"] = number(r.anchors);
  f["replayed"] = flag(r.replayed);
  if (r.replayed) {
    f["digest_position"] = number(r.digest_position);
    f["streams"] = number(r.streams);
    f["state_digest"] = text(r.state_digest);
  }
  auto& seconds = *f["seconds"].mutable_struct_value()->mutable_fields();
  seconds["open"] = number(r.open_seconds);
  seconds["chain"] = number(r.chain_seconds);
  seconds["proofs"] = number(r.proofs_seconds);
  seconds["load"] = number(r.load_seconds);
  seconds["replay"] = number(r.replay_seconds);
  auto* failures = f["failures"].mutable_list_value();
  for (const Finding& finding : r.failures) {
    auto& one = *failures->add_values()->mutable_struct_value()->mutable_fields();
    one["position"] = number(finding.position);
    one["what"] = text(finding.what);
  }
  auto* notes = f["notes"].mutable_list_value();
  for (const std::string& note : r.notes) *notes->add_values() = text(note);
  if (r.bundle) {
    auto& b = *f["bundle"].mutable_struct_value()->mutable_fields();
    b["from"] = number(r.bundle_from);
    b["to"] = number(r.bundle_to);
    b["log_head"] = number(r.bundle_log_head);
    b["checkpoint_size"] = number(r.bundle_checkpoint_size);
    b["key_id"] = text(r.bundle_key_id);
    b["exported_by"] = text(r.bundle_exported_by);
    b["exported_at"] = text(absl::FormatTime(
        absl::RFC3339_full, absl::FromUnixMicros(r.bundle_exported_at_us), absl::UTCTimeZone()));
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(out, &json);
  return json + "\n";
}

}  // namespace taizhang::verify
