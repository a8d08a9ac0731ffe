// Merkle trees in the layout of RFC 9162 (Certificate Transparency 2.0),
// section 2.1: the hash of no leaves is SHA-256 of nothing; a leaf's is
// SHA-256(0x00 || leaf); a node's is SHA-256(0x01 || left || right); a tree
// of n > 1 leaves splits at k, the largest power of two smaller than n. So a
// root, an inclusion proof or a consistency proof made here is checked by any
// other implementation of the RFC, and an auditor needs nothing of ours.
//
// A log keeps its tree as perfect subtrees: node (level, index) is the hash
// of leaves [index * 2^level, (index + 1) * 2^level). Appending leaf n
// completes node (0, n) and one more per trailing one bit of n (two nodes per
// leaf on average), and a Frontier, the roots of the perfect subtrees the
// tree is made of (one per one bit of its size), gives the root with no
// reading. Every subtree the RFC's proofs name is either such a node or lies
// on the right edge of the tree of that size, where its hash folds from at
// most log2(n) nodes; so a proof for any earlier size is read from stored
// nodes alone (NodeReader), and a tree of any size can be proved later.
//
//   merkle::Frontier tree;
//   std::vector<merkle::Node> completed;
//   tree.Append(merkle::LeafHash(record), &completed);  // store `completed`
//   std::string root = tree.Root();
//   auto proof = merkle::InclusionProof(leaf, tree.size(), reader);
//   bool ok = merkle::VerifyInclusion(leaf, size, merkle::LeafHash(record),
//                                     *proof, root);
//
// Thread-safety: the functions are; a Frontier is a value (one writer).
#ifndef TAIZHANG_STORE_MERKLE_H_
#define TAIZHANG_STORE_MERKLE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace taizhang::store::merkle {

inline constexpr size_t kHashSize = 32;  // SHA-256

// The largest tree this code proves (leaf indexes and sizes are below it).
inline constexpr uint64_t kMaxSize = uint64_t{1} << 62;

std::string LeafHash(std::string_view leaf);
std::string NodeHash(std::string_view left, std::string_view right);
// The root of the tree of no leaves: SHA-256 of nothing.
const std::string& EmptyRoot();

// A perfect subtree: the hash of leaves [index << level, (index + 1) << level).
struct Node {
  uint32_t level = 0;
  uint64_t index = 0;
  std::string hash;
};

// The stored node (level, index), or an error (NotFound when it is not
// there, or whatever reading it gave) which the proof functions pass on.
using NodeReader = std::function<absl::StatusOr<std::string>(uint32_t level, uint64_t index)>;

// The growing edge of a tree: its size and the roots of its perfect subtrees.
class Frontier {
 public:
  Frontier() = default;

  // The frontier of the tree of the first `size` leaves, read from its
  // stored nodes (one per one bit of `size`).
  static absl::StatusOr<Frontier> Load(uint64_t size, const NodeReader& read);

  uint64_t size() const { return size_; }

  // Appends the leaf whose hash is `leaf_hash` (LeafHash of its bytes) and
  // adds the nodes it completes to `completed`, the leaf first, then upwards.
  void Append(std::string leaf_hash, std::vector<Node>* completed);

  // The tree's root (EmptyRoot() for no leaves).
  std::string Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<std::string> roots_;  // largest subtree first
};

// The root of the tree of the first `size` leaves.
absl::StatusOr<std::string> Root(uint64_t size, const NodeReader& read);

// RFC 9162 2.1.3.1: the hashes that lead from leaf `leaf` to the root of the
// tree of the first `size` leaves, lowest first. InvalidArgument unless
// leaf < size <= kMaxSize.
absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t leaf, uint64_t size,
                                                        const NodeReader& read);

// RFC 9162 2.1.4.1: the hashes that show the tree of `second` leaves extends
// the tree of `first` leaves. Empty when first is 0 or equals second.
// InvalidArgument unless first <= second <= kMaxSize.
absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t first, uint64_t second,
                                                          const NodeReader& read);

// RFC 9162 2.1.3.2: whether `proof` shows the leaf with hash `leaf_hash` is
// leaf `leaf` of the tree of `size` leaves whose root is `root`.
bool VerifyInclusion(uint64_t leaf, uint64_t size, std::string_view leaf_hash,
                     const std::vector<std::string>& proof, std::string_view root);

// RFC 9162 2.1.4.2: whether `proof` shows the tree of `second` leaves with
// root `second_root` extends the tree of `first` leaves with root
// `first_root`. For first == second the proof must be empty and the roots
// equal; for first == 0 it must be empty and `first_root` EmptyRoot().
bool VerifyConsistency(uint64_t first, uint64_t second, std::string_view first_root,
                       std::string_view second_root, const std::vector<std::string>& proof);

}  // namespace taizhang::store::merkle

#endif  // TAIZHANG_STORE_MERKLE_H_
