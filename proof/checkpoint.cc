#include "proof/checkpoint.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/event_type.h"
#include "proof/ed25519.h"
#include "store/sha256.h"

namespace taizhang::proof {

std::string TimeText(int64_t time_us) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E6SZ", absl::FromUnixMicros(time_us),
                          absl::UTCTimeZone());
}

std::string CheckpointText(const v1::SignedCheckpoint& c) {
  return absl::StrCat("taizhang checkpoint v1\npartition ", c.partition(), "\nsize ", c.size(),
                      "\nroot ", store::ToHex(c.root()), "\ntime ", TimeText(c.time_us()), "\nkey ",
                      c.key_id(), "\n");
}

std::string IntroductionText(const v1::SigningKeyIntroduced& k) {
  return absl::StrCat("taizhang signing key v1\npartition ", k.partition(), "\nkey ", k.key_id(),
                      "\npublic key ", store::ToHex(k.public_key()), "\ntime ",
                      TimeText(k.time_us()), "\n");
}

std::string RotationText(const v1::SigningKeyRotated& r) {
  return absl::StrCat("taizhang signing key rotation v1\npartition ", r.partition(), "\nold key ",
                      r.old_key_id(), "\nnew key ", r.new_key_id(), "\nnew public key ",
                      store::ToHex(r.new_public_key()), "\ntime ", TimeText(r.time_us()), "\n");
}

bool CheckpointSignedBy(const v1::SignedCheckpoint& c, const std::string& public_key) {
  return c.key_id() == KeyIdOf(public_key) &&
         VerifySignature(public_key, CheckpointText(c), c.signature());
}

absl::StatusOr<v1::ProofEvent> DecodeProofRecord(const store::RecordedEvent& e) {
  v1::ProofEvent event;
  if (!event.ParseFromString(e.record.payload()) ||
      engine::EventTypeName(kProofPrefix, event) != e.record.type()) {
    return absl::DataLossError(absl::StrCat("第 ", e.record.position(), " 条记录（",
                                            e.record.type(), "）不是可读的证明记录"));
  }
  return event;
}

const ChainKey* KeyChain::Find(const std::string& id) const {
  for (const ChainKey& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

absl::Status KeyChain::Add(const store::RecordedEvent& e) {
  auto event = DecodeProofRecord(e);
  if (!event.ok()) return event.status();
  return Add(e.record.position(), *event);
}

absl::Status KeyChain::Add(uint64_t position, const v1::ProofEvent& event) {
  auto bad = [position](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("第 ", position, " 条记录：", what));
  };
  switch (event.kind_case()) {
    case v1::ProofEvent::kKeyIntroduced: {
      const v1::SigningKeyIntroduced& k = event.key_introduced();
      if (!keys_.empty()) return bad("日志已有签名密钥，新的密钥只能经轮换启用");
      if (k.key_id() != KeyIdOf(k.public_key())) return bad("密钥标识与公钥不符");
      if (!VerifySignature(k.public_key(), IntroductionText(k), k.signature())) {
        return bad(absl::StrCat("密钥 ", k.key_id(), " 的启用记录签名不符"));
      }
      keys_.push_back({k.key_id(), k.public_key(), position, k.time_us(), "", true});
      return absl::OkStatus();
    }
    case v1::ProofEvent::kKeyRotated: {
      const v1::SigningKeyRotated& r = event.key_rotated();
      const ChainKey* old = current();
      if (old == nullptr) return bad("日志尚无签名密钥，不能轮换");
      if (r.old_key_id() != old->id) {
        return bad(absl::StrCat("轮换自密钥 ", r.old_key_id(), "，但在用的是 ", old->id));
      }
      if (r.new_key_id() != KeyIdOf(r.new_public_key())) return bad("新密钥标识与公钥不符");
      if (Find(r.new_key_id()) != nullptr) {
        return bad(absl::StrCat("密钥 ", r.new_key_id(), " 已用过"));
      }
      const std::string text = RotationText(r);
      if (!VerifySignature(r.new_public_key(), text, r.new_signature())) {
        return bad(absl::StrCat("新密钥 ", r.new_key_id(), " 对轮换记录的签名不符"));
      }
      const bool endorsed = !r.old_signature().empty();
      if (endorsed && !VerifySignature(old->public_key, text, r.old_signature())) {
        return bad(absl::StrCat("原密钥 ", old->id, " 对轮换记录的签名不符"));
      }
      keys_.push_back(
          {r.new_key_id(), r.new_public_key(), position, r.time_us(), old->id, endorsed});
      return absl::OkStatus();
    }
    case v1::ProofEvent::kCheckpointSigned: {
      const v1::SignedCheckpoint& c = event.checkpoint_signed();
      const ChainKey* key = current();
      if (key == nullptr) return bad("检查点签署于任何签名密钥启用之前");
      if (c.key_id() != key->id) {
        return bad(absl::StrCat("检查点由密钥 ", c.key_id(), " 签署，但在用的是 ", key->id));
      }
      if (!CheckpointSignedBy(c, key->public_key)) {
        return bad(absl::StrCat("检查点（", c.size(), " 条）的签名不符"));
      }
      if (c.size() >= position) return bad("检查点所覆盖的记录不在它之前");
      return absl::OkStatus();
    }
    case v1::ProofEvent::KIND_NOT_SET:
      break;
  }
  return bad("未知的证明记录");
}

std::vector<std::string> KeyChain::TrustedFrom(const std::string& public_key) const {
  std::vector<std::string> out;
  auto at = std::find_if(keys_.begin(), keys_.end(),
                         [&](const ChainKey& k) { return k.public_key == public_key; });
  if (at == keys_.end()) return out;
  // Keys are in rotation order, each replacing the one before: the trusted
  // run is the stretch around `at` not broken by an unendorsed rotation.
  auto first = at, last = at;
  while (first != keys_.begin() && first->endorsed) --first;
  while (last + 1 != keys_.end() && (last + 1)->endorsed) ++last;
  for (auto k = first; k <= last; ++k) out.push_back(k->id);
  return out;
}

}  // namespace taizhang::proof
