#include "store/merkle.h"

#include <bit>
#include <utility>

#include "absl/strings/str_cat.h"
#include "store/sha256.h"

namespace taizhang::store::merkle {
namespace {

// The largest power of two smaller than n (n >= 2): where RFC 9162 splits.
uint64_t Split(uint64_t n) { return uint64_t{1} << (63 - std::countl_zero(n - 1)); }

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

bool IsHash(std::string_view h) { return h.size() == kHashSize; }

// The hash of leaves [start, end), where start is a multiple of a power of
// two at least end - start (true of every subtree the RFC's recursion
// names): a stored node when end - start is a power of two, else folded
// from the nodes of the right edge.
absl::StatusOr<std::string> SubtreeHash(uint64_t start, uint64_t end, const NodeReader& read) {
  const uint64_t n = end - start;
  if (IsPowerOfTwo(n)) {
    const int level = std::countr_zero(n);
    absl::StatusOr<std::string> hash = read(static_cast<uint32_t>(level), start >> level);
    if (hash.ok() && !IsHash(*hash)) {
      return absl::DataLossError(absl::StrCat("merkle node (", level, ", ", start >> level, ") is ",
                                              hash->size(), " bytes, not ", kHashSize));
    }
    return hash;
  }
  const uint64_t k = Split(n);
  absl::StatusOr<std::string> left = SubtreeHash(start, start + k, read);
  if (!left.ok()) return left.status();
  absl::StatusOr<std::string> right = SubtreeHash(start + k, end, read);
  if (!right.ok()) return right.status();
  return NodeHash(*left, *right);
}

// RFC 9162 2.1.3.1, PATH(m, D[start:end]).
absl::Status Path(uint64_t m, uint64_t start, uint64_t end, const NodeReader& read,
                  std::vector<std::string>* out) {
  const uint64_t n = end - start;
  if (n == 1) return absl::OkStatus();
  const uint64_t k = Split(n);
  absl::StatusOr<std::string> sibling;
  if (m < k) {
    if (absl::Status s = Path(m, start, start + k, read, out); !s.ok()) return s;
    sibling = SubtreeHash(start + k, end, read);
  } else {
    if (absl::Status s = Path(m - k, start + k, end, read, out); !s.ok()) return s;
    sibling = SubtreeHash(start, start + k, read);
  }
  if (!sibling.ok()) return sibling.status();
  out->push_back(*std::move(sibling));
  return absl::OkStatus();
}

// RFC 9162 2.1.4.1, SUBPROOF(m, D[start:end], b).
absl::Status Subproof(uint64_t m, uint64_t start, uint64_t end, bool b, const NodeReader& read,
                      std::vector<std::string>* out) {
  const uint64_t n = end - start;
  if (m == n) {
    if (b) return absl::OkStatus();
    absl::StatusOr<std::string> hash = SubtreeHash(start, end, read);
    if (!hash.ok()) return hash.status();
    out->push_back(*std::move(hash));
    return absl::OkStatus();
  }
  const uint64_t k = Split(n);
  absl::StatusOr<std::string> sibling;
  if (m <= k) {
    if (absl::Status s = Subproof(m, start, start + k, b, read, out); !s.ok()) return s;
    sibling = SubtreeHash(start + k, end, read);
  } else {
    if (absl::Status s = Subproof(m - k, start + k, end, false, read, out); !s.ok()) return s;
    sibling = SubtreeHash(start, start + k, read);
  }
  if (!sibling.ok()) return sibling.status();
  out->push_back(*std::move(sibling));
  return absl::OkStatus();
}

// Shifts fn and sn right together until fn's lowest bit is set or fn is 0.
void ShiftWhileEven(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

std::string LeafHash(std::string_view leaf) {
  // One contiguous buffer for the one-shot digest: a streaming context
  // costs more to set up than copying a record does.
  std::string buffer;
  buffer.reserve(1 + leaf.size());
  buffer.push_back('\0');
  buffer.append(leaf);
  return Sha256(buffer);
}

std::string NodeHash(std::string_view left, std::string_view right) {
  std::string buffer;
  buffer.reserve(1 + left.size() + right.size());
  buffer.push_back('\1');
  buffer.append(left);
  buffer.append(right);
  return Sha256(buffer);
}

const std::string& EmptyRoot() {
  static const std::string* const kEmpty = new std::string(Sha256(""));
  return *kEmpty;
}

absl::StatusOr<Frontier> Frontier::Load(uint64_t size, const NodeReader& read) {
  if (size > kMaxSize) {
    return absl::InvalidArgumentError(absl::StrCat("a tree of ", size, " leaves is too large"));
  }
  Frontier f;
  uint64_t start = 0;
  for (int level = 62; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    absl::StatusOr<std::string> hash = SubtreeHash(start, start + width, read);
    if (!hash.ok()) return hash.status();
    f.roots_.push_back(*std::move(hash));
    start += width;
  }
  f.size_ = size;
  return f;
}

void Frontier::Append(std::string leaf_hash, std::vector<Node>* completed) {
  const uint64_t n = size_;
  completed->push_back(Node{0, n, leaf_hash});
  uint32_t level = 0;
  while ((n >> level) & 1) {
    leaf_hash = NodeHash(roots_.back(), leaf_hash);
    roots_.pop_back();
    ++level;
    completed->push_back(Node{level, n >> level, leaf_hash});
  }
  roots_.push_back(std::move(leaf_hash));
  ++size_;
}

std::string Frontier::Root() const {
  if (roots_.empty()) return EmptyRoot();
  std::string root = roots_.back();
  for (size_t i = roots_.size() - 1; i-- > 0;) root = NodeHash(roots_[i], root);
  return root;
}

absl::StatusOr<std::string> Root(uint64_t size, const NodeReader& read) {
  if (size > kMaxSize) {
    return absl::InvalidArgumentError(absl::StrCat("a tree of ", size, " leaves is too large"));
  }
  if (size == 0) return EmptyRoot();
  return SubtreeHash(0, size, read);
}

absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t leaf, uint64_t size,
                                                        const NodeReader& read) {
  if (size > kMaxSize || leaf >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("no leaf ", leaf, " in a tree of ", size, " leaves"));
  }
  std::vector<std::string> proof;
  if (absl::Status s = Path(leaf, 0, size, read, &proof); !s.ok()) return s;
  return proof;
}

absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t first, uint64_t second,
                                                          const NodeReader& read) {
  if (second > kMaxSize || first > second) {
    return absl::InvalidArgumentError(
        absl::StrCat("no consistency proof from a tree of ", first, " leaves to one of ", second));
  }
  std::vector<std::string> proof;
  if (first == 0 || first == second) return proof;
  if (absl::Status s = Subproof(first, 0, second, true, read, &proof); !s.ok()) return s;
  return proof;
}

bool VerifyInclusion(uint64_t leaf, uint64_t size, std::string_view leaf_hash,
                     const std::vector<std::string>& proof, std::string_view root) {
  if (size > kMaxSize || leaf >= size || !IsHash(leaf_hash) || !IsHash(root)) return false;
  uint64_t fn = leaf;
  uint64_t sn = size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0 || !IsHash(p)) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) ShiftWhileEven(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t first, uint64_t second, std::string_view first_root,
                       std::string_view second_root, const std::vector<std::string>& proof) {
  if (second > kMaxSize || first > second || !IsHash(first_root) || !IsHash(second_root)) {
    return false;
  }
  if (first == 0) return proof.empty() && first_root == EmptyRoot();
  if (first == second) return proof.empty() && first_root == second_root;
  if (proof.empty()) return false;
  for (const std::string& c : proof) {
    if (!IsHash(c)) return false;
  }
  // When the first tree is a perfect subtree of the second, its root is the
  // proof's implied first element.
  const bool implied = IsPowerOfTwo(first);
  size_t i = 0;
  uint64_t fn = first - 1;
  uint64_t sn = second - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr(implied ? first_root : std::string_view(proof[i++]));
  std::string sr = fr;
  for (; i < proof.size(); ++i) {
    const std::string& c = proof[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1) == 0) ShiftWhileEven(fn, sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == first_root && sr == second_root;
}

}  // namespace taizhang::store::merkle
