#include "proof/bundle.h"

#include <map>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "proof/checkpoint.h"
#include "proof/ed25519.h"
#include "store/format.h"
#include "store/merkle.h"

namespace taizhang::proof {
namespace {

namespace fmt = store::format;

// Frames written with their length, and the digest of everything written.
class FrameWriter {
 public:
  explicit FrameWriter(const ByteSink& sink) : sink_(sink) {}

  absl::Status Start() { return Put(kBundleMagic); }

  absl::Status Frame(const v1::BundleFrame& frame) {
    std::string bytes = frame.SerializeAsString();
    std::string length;
    fmt::PutFixed32BE(&length, static_cast<uint32_t>(bytes.size()));
    RETURN_IF_ERROR(Put(length));
    return Put(bytes);
  }

  // The end frame, with the digest of everything before it.
  absl::Status End(v1::BundleEnd end) {
    end.set_digest(hasher_.Finish());
    v1::BundleFrame frame;
    *frame.mutable_end() = std::move(end);
    return Frame(frame);
  }

  uint64_t bytes() const { return bytes_; }

 private:
  absl::Status Put(std::string_view bytes) {
    hasher_.Update(bytes);
    bytes_ += bytes.size();
    return sink_(bytes);
  }

  const ByteSink& sink_;
  store::Sha256Hasher hasher_;
  uint64_t bytes_ = 0;
};

bool IsKeyRecord(const store::RecordedEvent& e) {
  auto event = DecodeProofRecord(e);
  return event.ok() && (event->has_key_introduced() || event->has_key_rotated());
}

}  // namespace

absl::StatusOr<BundleSummary> WriteBundle(store::EventLog& log, BundleRange range,
                                          const v1::SignedCheckpoint& checkpoint,
                                          const std::string& public_key, int64_t exported_at_us,
                                          const std::string& exported_by, const ByteSink& sink) {
  const uint64_t head = log.HeadPosition();
  if (range.from < 1 || range.to < range.from) {
    return absl::InvalidArgumentError(
        absl::StrCat("导出范围第 ", range.from, " 至 ", range.to, " 条不是一个区间"));
  }
  if (checkpoint.size() < range.to || checkpoint.size() > head) {
    return absl::InvalidArgumentError(absl::StrCat("检查点覆盖 ", checkpoint.size(),
                                                   " 条记录，不能证明到第 ", range.to,
                                                   " 条（日志共 ", head, " 条）"));
  }
  if (!CheckpointSignedBy(checkpoint, public_key)) {
    return absl::InvalidArgumentError("检查点的签名与所给公钥不符");
  }
  ASSIGN_OR_RETURN(std::string root, log.MerkleRoot(checkpoint.size()));
  if (root != checkpoint.root()) {
    return absl::DataLossError(absl::StrCat(
        "日志前 ", checkpoint.size(), " 条记录的默克尔根与检查点的不同：日志不是签署时的那份"));
  }
  FrameWriter out(sink);
  RETURN_IF_ERROR(out.Start());
  BundleSummary summary;
  {
    v1::BundleFrame frame;
    v1::BundleHeader* h = frame.mutable_header();
    h->set_format(kBundleFormat);
    h->set_partition(checkpoint.partition());
    h->set_from_position(range.from);
    h->set_to_position(range.to);
    h->set_log_head(head);
    h->set_exported_at_us(exported_at_us);
    h->set_exported_by(exported_by);
    *h->mutable_checkpoint() = checkpoint;
    h->set_checkpoint_public_key(public_key);
    ASSIGN_OR_RETURN(std::vector<std::string> path,
                     log.InclusionProof(range.to, checkpoint.size()));
    for (std::string& p : path) h->add_last_record_path(std::move(p));
    RETURN_IF_ERROR(out.Frame(frame));
  }
  // Every key the log has had, in order (a few records at most).
  for (uint64_t version = 1;;) {
    ASSIGN_OR_RETURN(std::vector<store::RecordedEvent> page,
                     log.ReadStream(kProofStream, version, 1000));
    if (page.empty()) break;
    for (const store::RecordedEvent& e : page) {
      if (e.record.position() > head || !IsKeyRecord(e)) continue;
      v1::BundleFrame frame;
      ASSIGN_OR_RETURN(*frame.mutable_key_record(), log.RecordBytes(e.record.position()));
      RETURN_IF_ERROR(out.Frame(frame));
      ++summary.key_records;
    }
    version = page.back().record.version() + 1;
  }
  absl::flat_hash_set<std::string> sent;  // blobs
  for (uint64_t position = range.from; position <= range.to; ++position) {
    v1::BundleFrame frame;
    ASSIGN_OR_RETURN(*frame.mutable_record(), log.RecordBytes(position));
    v1::EventRecord record;
    if (!record.ParseFromString(frame.record())) {
      return absl::DataLossError(absl::StrCat("第 ", position, " 条记录不可解读"));
    }
    RETURN_IF_ERROR(out.Frame(frame));
    ++summary.records;
    for (const std::string& digest : record.blob_digests()) {
      if (!sent.insert(digest).second) continue;
      v1::BundleFrame blob;
      ASSIGN_OR_RETURN(*blob.mutable_blob(), log.GetBlob(digest));
      RETURN_IF_ERROR(out.Frame(blob));
      ++summary.blobs;
    }
  }
  v1::BundleEnd end;
  end.set_records(summary.records);
  end.set_key_records(summary.key_records);
  end.set_blobs(summary.blobs);
  RETURN_IF_ERROR(out.End(std::move(end)));
  summary.bytes = out.bytes();
  return summary;
}

absl::Status BundleReader::Read(size_t n, std::string* out) {
  out->resize(n);
  in_.read(out->data(), static_cast<std::streamsize>(n));
  const size_t got = static_cast<size_t>(in_.gcount());
  if (got != n) {
    return absl::DataLossError(
        absl::StrCat("文件在第 ", offset_ + got, " 字节处截断（缺少结尾帧：不是完整的导出包）"));
  }
  offset_ += n;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::BundleFrame>> BundleReader::Next() {
  if (ended_) return std::optional<v1::BundleFrame>();
  if (!started_) {
    std::string magic;
    absl::Status s = Read(kBundleMagic.size(), &magic);
    if (!s.ok() || magic != kBundleMagic) {
      return absl::DataLossError("不是台账导出包（文件开头不是 TZBUNDLE1）");
    }
    hasher_.Update(magic);
    started_ = true;
  }
  const uint64_t at = offset_;
  std::string length;
  RETURN_IF_ERROR(Read(4, &length));
  const uint32_t n = fmt::DecodeFixed32BE(length.data());
  if (n > kMaxBundleFrameBytes) {
    return absl::DataLossError(
        absl::StrCat("第 ", at, " 字节处的帧长 ", n, " 字节，超过上限 ", kMaxBundleFrameBytes));
  }
  std::string bytes;
  RETURN_IF_ERROR(Read(n, &bytes));
  v1::BundleFrame frame;
  if (!frame.ParseFromString(bytes) || frame.kind_case() == v1::BundleFrame::KIND_NOT_SET) {
    return absl::DataLossError(absl::StrCat("第 ", at, " 字节处的帧不可解读"));
  }
  if (frame.has_end()) {
    ended_ = true;
    if (hasher_.Finish() != frame.end().digest()) {
      return absl::DataLossError("结尾帧所载摘要与包的内容不符（包被改动）");
    }
    if (in_.peek() != std::istream::traits_type::eof()) {
      return absl::DataLossError(absl::StrCat("结尾帧之后（第 ", offset_, " 字节起）还有数据"));
    }
  } else {
    hasher_.Update(length);
    hasher_.Update(bytes);
  }
  return std::optional<v1::BundleFrame>(std::move(frame));
}

namespace {

class Checker {
 public:
  Checker(BundleReader& reader, const std::vector<std::string>& public_keys,
          const BundleRecords& on_records, BundleFacts& facts)
      : reader_(reader), public_keys_(public_keys), on_records_(on_records), facts_(facts) {}

  void Run() {
    auto first = reader_.Next();
    if (!first.ok()) return Fail(0, std::string(first.status().message()));
    if (!first->has_value() || !(*first)->has_header()) return Fail(0, "包的第一帧不是包头");
    if (!Header((*first)->header())) return;
    for (;;) {
      auto next = reader_.Next();
      if (!next.ok()) return Fail(0, std::string(next.status().message()));
      if (!next->has_value()) break;
      const v1::BundleFrame& frame = **next;
      bool ok = false;
      switch (frame.kind_case()) {
        case v1::BundleFrame::kKeyRecord:
          ok = KeyRecord(frame.key_record());
          break;
        case v1::BundleFrame::kRecord:
          ok = Record(frame.record());
          break;
        case v1::BundleFrame::kBlob:
          ok = Blob(frame.blob());
          break;
        case v1::BundleFrame::kEnd:
          ok = End(frame.end());
          break;
        default:
          Fail(0, absl::StrCat("第 ", reader_.offset(), " 字节前：包头只能有一个"));
      }
      if (!ok) return;
    }
  }

 private:
  void Fail(uint64_t position, std::string what) {
    if (!facts_.problem) facts_.problem = BundleProblem{position, std::move(what)};
  }
  const v1::BundleHeader& header() const { return facts_.header; }

  bool Header(const v1::BundleHeader& h) {
    facts_.header = h;
    if (h.format() != kBundleFormat) {
      Fail(0, absl::StrCat("导出包格式 ", h.format(), " 不是本程序能读的 ", kBundleFormat));
      return false;
    }
    if (h.from_position() < 1 || h.to_position() < h.from_position()) {
      Fail(0, absl::StrCat("包头的范围第 ", h.from_position(), " 至 ", h.to_position(),
                           " 条不是一个区间"));
      return false;
    }
    const v1::SignedCheckpoint& c = h.checkpoint();
    if (c.size() < h.to_position() || c.partition() != h.partition()) {
      Fail(0, absl::StrCat("包头的检查点（分区 ", c.partition(), "，", c.size(),
                           " 条）不覆盖包的记录（分区 ", h.partition(), "，至第 ", h.to_position(),
                           " 条）"));
      return false;
    }
    if (!CheckpointSignedBy(c, h.checkpoint_public_key())) {
      Fail(0, absl::StrCat("包头的检查点（", c.size(), " 条）签名与所附公钥不符"));
      return false;
    }
    expected_ = h.from_position();
    return true;
  }

  bool KeyRecord(const std::string& bytes) {
    if (facts_.summary.records > 0) {
      Fail(0, "密钥记录应在区间的记录之前");
      return false;
    }
    store::RecordedEvent e;
    if (!e.record.ParseFromString(bytes) || e.record.stream() != kProofStream ||
        e.record.partition() != header().partition()) {
      Fail(0, absl::StrCat("第 ", facts_.summary.key_records + 1, " 个密钥记录不可解读"));
      return false;
    }
    if (e.record.position() <= last_key_position_) {
      Fail(e.record.position(), "密钥记录未按位置先后排列");
      return false;
    }
    last_key_position_ = e.record.position();
    e.hash = store::Sha256(bytes);
    if (absl::Status s = chain_.Add(e); !s.ok()) {
      Fail(e.record.position(), std::string(s.message()));
      return false;
    }
    ++facts_.summary.key_records;
    return true;
  }

  // Everything blobs named before must be there by now.
  bool BlobsComplete() {
    for (const auto& [digest, position] : wanted_) {
      Fail(position, absl::StrCat("所指的附件 ", store::ToHex(digest), " 不在包中"));
      return false;
    }
    return true;
  }

  bool Record(const std::string& bytes) {
    if (expected_ > header().to_position()) {
      Fail(expected_, "包中的记录多于包头所说的范围");
      return false;
    }
    if (!BlobsComplete()) return false;
    if (!Trust()) return false;
    v1::EventRecord record;
    if (!record.ParseFromString(bytes)) {
      Fail(expected_, "记录不可解读");
      return false;
    }
    if (record.position() != expected_ || record.partition() != header().partition()) {
      Fail(expected_, absl::StrCat("此处的记录自称第 ", record.position(), " 条（分区 ",
                                   record.partition(), "）：记录被删除、插入或调换"));
      return false;
    }
    if (expected_ == 1 && record.prev_hash() != std::string(fmt::kHashSize, '\0')) {
      Fail(1, "第 1 条记录所载前一条的哈希不是全零（记录被改动）");
      return false;
    }
    // The records after this one chain to the last, which the tree proves:
    // when they check, it is the record before this one that was changed.
    if (expected_ > 1 && !last_hash_.empty() && record.prev_hash() != last_hash_) {
      Fail(expected_ - 1, absl::StrCat("第 ", expected_, " 条所载前一条记录的哈希与第 ",
                                       expected_ - 1, " 条不符（第 ", expected_ - 1,
                                       " 条被改动，或第 ", expected_, " 条的前哈希被改动）"));
      return false;
    }
    last_hash_ = store::Sha256(bytes);
    for (const std::string& digest : record.blob_digests()) {
      if (!seen_blobs_.contains(digest)) wanted_.emplace(digest, expected_);
    }
    if (expected_ == header().to_position()) {
      const v1::SignedCheckpoint& c = header().checkpoint();
      std::vector<std::string> path(header().last_record_path().begin(),
                                    header().last_record_path().end());
      if (!store::merkle::VerifyInclusion(expected_ - 1, c.size(), store::merkle::LeafHash(bytes),
                                          path, c.root())) {
        Fail(expected_, absl::StrCat("记录不在签名检查点（", c.size(),
                                     " 条）的默克尔树中（记录被改动，或包被整体伪造）"));
        return false;
      }
      facts_.last_hash = last_hash_;
    }
    if (batch_records_.size() >= fmt::kMaxEventsPerAppend ||
        batch_blob_bytes_ >= fmt::kMaxAppendBlobBytes / 2) {
      if (!Flush()) return false;
    }
    batch_records_.push_back(bytes);
    ++facts_.summary.records;
    ++expected_;
    return true;
  }

  bool Blob(std::string bytes) {
    std::string digest = store::Sha256(bytes);
    auto it = wanted_.find(digest);
    if (it == wanted_.end()) {
      const std::string where = expected_ == header().from_position()
                                    ? std::string("在区间的第一条记录之前")
                                    : absl::StrCat("在第 ", expected_ - 1, " 条记录之后");
      Fail(0, absl::StrCat("附件 ", store::ToHex(digest), "（", where,
                           "）不为之前任何记录所指（或重复）"));
      return false;
    }
    wanted_.erase(it);
    seen_blobs_.insert(digest);
    batch_blob_bytes_ += bytes.size();
    batch_blobs_.push_back(std::move(bytes));
    ++facts_.summary.blobs;
    return true;
  }

  bool End(const v1::BundleEnd& end) {
    if (!BlobsComplete()) return false;
    if (expected_ != header().to_position() + 1) {
      Fail(expected_, absl::StrCat("包在第 ", expected_, " 条记录前结束，包头说到第 ",
                                   header().to_position(), " 条"));
      return false;
    }
    if (end.records() != facts_.summary.records ||
        end.key_records() != facts_.summary.key_records || end.blobs() != facts_.summary.blobs) {
      Fail(0, "结尾帧的计数与包的内容不符");
      return false;
    }
    facts_.summary.bytes = reader_.offset();
    return Flush();
  }

  bool Flush() {
    if (batch_records_.empty()) return true;
    absl::Status s = on_records_ ? on_records_(std::move(batch_records_), std::move(batch_blobs_))
                                 : absl::OkStatus();
    batch_records_.clear();
    batch_blobs_.clear();
    batch_blob_bytes_ = 0;
    if (!s.ok()) {
      Fail(0, std::string(s.message()));
      return false;
    }
    return true;
  }

  // Whether the checkpoint's key is one the checker trusts, decided once the
  // key records are read (before the first record).
  bool Trust() {
    if (trust_decided_) return true;
    trust_decided_ = true;
    facts_.keys = chain_.keys().size();
    const v1::SignedCheckpoint& c = header().checkpoint();
    if (public_keys_.empty()) {
      const ChainKey* k = chain_.Find(c.key_id());
      if (k == nullptr || k->public_key != header().checkpoint_public_key()) {
        Fail(0, absl::StrCat("检查点的签名密钥 ", c.key_id(), " 不在包的密钥记录中"));
        return false;
      }
      facts_.notes.push_back("未给公钥：只核验了包内的自洽，不能证明包出自持有私钥的服务器");
      return true;
    }
    // Keys are compared whole, not by their ids (eight bytes of a hash).
    std::set<std::string> trusted;
    for (const std::string& key : public_keys_) {
      trusted.insert(key);
      for (const std::string& id : chain_.TrustedFrom(key)) {
        if (const ChainKey* k = chain_.Find(id)) trusted.insert(k->public_key);
      }
    }
    const std::string& signer = header().checkpoint_public_key();
    if (!trusted.contains(signer) || KeyIdOf(signer) != c.key_id()) {
      Fail(0, absl::StrCat("包头的检查点由密钥 ", c.key_id(),
                           " 签署，它不是所给公钥，也不由所给公钥经双方签名的轮换认可"));
      return false;
    }
    facts_.trusted = true;
    facts_.trusted_keys.assign(trusted.begin(), trusted.end());
    return true;
  }

  BundleReader& reader_;
  const std::vector<std::string>& public_keys_;
  const BundleRecords& on_records_;
  BundleFacts& facts_;
  uint64_t expected_ = 0;  // the next record's position; 0 before the header
  uint64_t last_key_position_ = 0;
  std::string last_hash_;
  KeyChain chain_;
  bool trust_decided_ = false;
  std::map<std::string, uint64_t> wanted_;  // blob named, not yet read -> position
  absl::flat_hash_set<std::string> seen_blobs_;
  std::vector<std::string> batch_records_;
  std::vector<std::string> batch_blobs_;
  size_t batch_blob_bytes_ = 0;
};

}  // namespace

BundleFacts CheckBundle(BundleReader& reader, const std::vector<std::string>& public_keys,
                        const BundleRecords& on_records) {
  BundleFacts facts;
  Checker(reader, public_keys, on_records, facts).Run();
  return facts;
}

}  // namespace taizhang::proof
