#include "store/merkle.h"

#include <bit>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sha256.h"

namespace taizhang::store::merkle {
namespace {

using ::testing::ElementsAreArray;

std::string Unhex(std::string_view hex) {
  std::string bytes;
  EXPECT_TRUE(FromHex(hex, &bytes)) << hex;
  return bytes;
}

std::vector<std::string> Hexes(const std::vector<std::string>& hashes) {
  std::vector<std::string> out;
  for (const std::string& h : hashes) out.push_back(ToHex(h));
  return out;
}

// The definitions of RFC 9162 2.1, written as the RFC writes them, over the
// leaf hashes [start, end): the reference the stored tree must agree with.
uint64_t Split(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

std::string Mth(const std::vector<std::string>& leaves, uint64_t start, uint64_t end) {
  const uint64_t n = end - start;
  if (n == 0) return Sha256("");
  if (n == 1) return leaves[start];
  const uint64_t k = Split(n);
  return NodeHash(Mth(leaves, start, start + k), Mth(leaves, start + k, end));
}

std::vector<std::string> RefPath(const std::vector<std::string>& leaves, uint64_t m, uint64_t start,
                                 uint64_t end) {
  const uint64_t n = end - start;
  if (n == 1) return {};
  const uint64_t k = Split(n);
  std::vector<std::string> out;
  if (m < k) {
    out = RefPath(leaves, m, start, start + k);
    out.push_back(Mth(leaves, start + k, end));
  } else {
    out = RefPath(leaves, m - k, start + k, end);
    out.push_back(Mth(leaves, start, start + k));
  }
  return out;
}

std::vector<std::string> RefSubproof(const std::vector<std::string>& leaves, uint64_t m,
                                     uint64_t start, uint64_t end, bool b) {
  const uint64_t n = end - start;
  if (m == n) {
    if (b) return {};
    return {Mth(leaves, start, end)};
  }
  const uint64_t k = Split(n);
  std::vector<std::string> out;
  if (m <= k) {
    out = RefSubproof(leaves, m, start, start + k, b);
    out.push_back(Mth(leaves, start + k, end));
  } else {
    out = RefSubproof(leaves, m - k, start + k, end, false);
    out.push_back(Mth(leaves, start, start + k));
  }
  return out;
}

// A tree grown leaf by leaf through a Frontier, keeping every node it
// completes, as the log does.
class StoredTree {
 public:
  void Append(std::string_view leaf) {
    std::string hash = LeafHash(leaf);
    leaves_.push_back(hash);
    std::vector<Node> completed;
    frontier_.Append(std::move(hash), &completed);
    for (Node& n : completed) {
      EXPECT_TRUE(nodes_.emplace(std::make_pair(n.level, n.index), std::move(n.hash)).second)
          << "node (" << n.level << ", " << n.index << ") completed twice";
    }
  }

  NodeReader Reader() const {
    return [this](uint32_t level, uint64_t index) -> absl::StatusOr<std::string> {
      ++reads_;
      auto it = nodes_.find({level, index});
      if (it == nodes_.end()) {
        return absl::NotFoundError(absl::StrCat("no node (", level, ", ", index, ")"));
      }
      return it->second;
    };
  }

  const Frontier& frontier() const { return frontier_; }
  const std::vector<std::string>& leaves() const { return leaves_; }
  std::map<std::pair<uint32_t, uint64_t>, std::string>& nodes() { return nodes_; }
  uint64_t reads() const { return reads_; }

 private:
  Frontier frontier_;
  std::vector<std::string> leaves_;
  std::map<std::pair<uint32_t, uint64_t>, std::string> nodes_;
  mutable uint64_t reads_ = 0;
};

// The Certificate Transparency reference leaves (RFC 6962's test data, used
// by every implementation of the layout) and the roots of sizes 0 to 8.
const char* const kReferenceLeaves[] = {"",
                                        "00",
                                        "10",
                                        "2021",
                                        "3031",
                                        "40414243",
                                        "5051525354555657",
                                        "606162636465666768696a6b6c6d6e6f"};
const char* const kReferenceRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

StoredTree ReferenceTree() {
  StoredTree tree;
  for (const char* leaf : kReferenceLeaves) tree.Append(Unhex(leaf));
  return tree;
}

TEST(MerkleTest, RootsAreTheReferenceRootsAtEverySize) {
  StoredTree tree;
  EXPECT_EQ(ToHex(tree.frontier().Root()), kReferenceRoots[0]);
  EXPECT_EQ(ToHex(EmptyRoot()), kReferenceRoots[0]);
  for (size_t n = 1; n <= 8; ++n) {
    tree.Append(Unhex(kReferenceLeaves[n - 1]));
    EXPECT_EQ(ToHex(tree.frontier().Root()), kReferenceRoots[n]) << n;
  }
  // An earlier size's root, from the stored nodes of the grown tree.
  for (size_t n = 0; n <= 8; ++n) {
    absl::StatusOr<std::string> root = Root(n, tree.Reader());
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(ToHex(*root), kReferenceRoots[n]) << n;
  }
}

TEST(MerkleTest, ProofsAreTheReferenceProofs) {
  StoredTree tree = ReferenceTree();
  auto inclusion = [&](uint64_t leaf, uint64_t size) {
    absl::StatusOr<std::vector<std::string>> p = InclusionProof(leaf, size, tree.Reader());
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? Hexes(*p) : std::vector<std::string>{};
  };
  auto consistency = [&](uint64_t first, uint64_t second) {
    absl::StatusOr<std::vector<std::string>> p = ConsistencyProof(first, second, tree.Reader());
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? Hexes(*p) : std::vector<std::string>{};
  };
  EXPECT_THAT(
      inclusion(0, 8),
      ElementsAreArray({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_THAT(
      inclusion(5, 8),
      ElementsAreArray({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
  EXPECT_THAT(
      consistency(2, 8),
      ElementsAreArray({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_THAT(
      consistency(6, 8),
      ElementsAreArray({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
  EXPECT_THAT(
      consistency(2, 5),
      ElementsAreArray({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}));
  EXPECT_TRUE(consistency(0, 8).empty());
  EXPECT_TRUE(consistency(8, 8).empty());
}

// Every size up to 70 (past a few powers of two), every leaf, every pair of
// sizes: the stored tree's roots and proofs are the RFC's definitions, and
// every proof verifies.
TEST(MerkleTest, EveryProofOfEverySizeIsTheDefinitionsAndVerifies) {
  constexpr uint64_t kLeaves = 70;
  StoredTree tree;
  for (uint64_t i = 0; i < kLeaves; ++i) tree.Append(absl::StrCat("record ", i));
  const std::vector<std::string>& leaves = tree.leaves();
  std::vector<std::string> roots;
  for (uint64_t n = 0; n <= kLeaves; ++n) roots.push_back(Mth(leaves, 0, n));

  for (uint64_t n = 0; n <= kLeaves; ++n) {
    absl::StatusOr<std::string> root = Root(n, tree.Reader());
    ASSERT_TRUE(root.ok()) << root.status();
    ASSERT_EQ(*root, roots[n]) << n;
    for (uint64_t m = 0; m < n; ++m) {
      absl::StatusOr<std::vector<std::string>> p = InclusionProof(m, n, tree.Reader());
      ASSERT_TRUE(p.ok()) << p.status();
      ASSERT_EQ(*p, RefPath(leaves, m, 0, n)) << m << " of " << n;
      EXPECT_TRUE(VerifyInclusion(m, n, leaves[m], *p, roots[n])) << m << " of " << n;
    }
    for (uint64_t m = 0; m <= n; ++m) {
      absl::StatusOr<std::vector<std::string>> p = ConsistencyProof(m, n, tree.Reader());
      ASSERT_TRUE(p.ok()) << p.status();
      if (m > 0 && m < n) ASSERT_EQ(*p, RefSubproof(leaves, m, 0, n, true)) << m << " to " << n;
      EXPECT_TRUE(VerifyConsistency(m, n, roots[m], roots[n], *p)) << m << " to " << n;
    }
  }
  EXPECT_EQ(tree.frontier().Root(), roots[kLeaves]);
}

TEST(MerkleTest, AMangledInclusionProofIsRejected) {
  constexpr uint64_t kLeaves = 40;
  StoredTree tree;
  for (uint64_t i = 0; i < kLeaves; ++i) tree.Append(absl::StrCat("record ", i));
  const std::vector<std::string>& leaves = tree.leaves();
  const std::string other = LeafHash("a record never appended");
  int checked = 0;
  for (uint64_t n = 2; n <= kLeaves; ++n) {
    const std::string root = Mth(leaves, 0, n);
    for (uint64_t m = 0; m < n; ++m) {
      std::vector<std::string> p = *InclusionProof(m, n, tree.Reader());
      ASSERT_FALSE(p.empty());
      const std::string& leaf = leaves[m];
      EXPECT_FALSE(VerifyInclusion(m, n, other, p, root));
      EXPECT_FALSE(VerifyInclusion(m, n, leaf, p, Mth(leaves, 0, n - 1)));
      if (m + 1 < n) EXPECT_FALSE(VerifyInclusion(m + 1, n, leaf, p, root)) << m << "/" << n;
      if (m > 0) EXPECT_FALSE(VerifyInclusion(m - 1, n, leaf, p, root)) << m << "/" << n;
      // A proof for one size does not prove the leaf in the next tree (the
      // size alone proves nothing: a checkpoint binds a root to its size).
      if (n < kLeaves) EXPECT_FALSE(VerifyInclusion(m, n + 1, leaf, p, Mth(leaves, 0, n + 1)));
      EXPECT_FALSE(VerifyInclusion(n, n, leaf, p, root));
      for (size_t i = 0; i < p.size(); ++i) {
        std::vector<std::string> flipped = p;
        flipped[i][7] ^= 0x01;
        EXPECT_FALSE(VerifyInclusion(m, n, leaf, flipped, root)) << m << "/" << n << " @" << i;
      }
      std::vector<std::string> shorter(p.begin(), p.end() - 1);
      EXPECT_FALSE(VerifyInclusion(m, n, leaf, shorter, root));
      std::vector<std::string> longer = p;
      longer.push_back(std::string(kHashSize, '\xab'));
      EXPECT_FALSE(VerifyInclusion(m, n, leaf, longer, root));
      std::vector<std::string> short_hash = p;
      short_hash[0].pop_back();
      EXPECT_FALSE(VerifyInclusion(m, n, leaf, short_hash, root));
      if (p.size() >= 2 && p[0] != p[1]) {
        std::vector<std::string> swapped = p;
        std::swap(swapped[0], swapped[1]);
        EXPECT_FALSE(VerifyInclusion(m, n, leaf, swapped, root));
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 819);  // sum of n for n = 2..40
}

TEST(MerkleTest, AMangledConsistencyProofIsRejected) {
  constexpr uint64_t kLeaves = 40;
  StoredTree tree;
  for (uint64_t i = 0; i < kLeaves; ++i) tree.Append(absl::StrCat("record ", i));
  const std::vector<std::string>& leaves = tree.leaves();
  std::vector<std::string> roots;
  for (uint64_t n = 0; n <= kLeaves; ++n) roots.push_back(Mth(leaves, 0, n));
  for (uint64_t n = 2; n <= kLeaves; ++n) {
    for (uint64_t m = 1; m < n; ++m) {
      std::vector<std::string> p = *ConsistencyProof(m, n, tree.Reader());
      ASSERT_FALSE(p.empty());
      // A rewritten history: the same sizes, another first tree.
      EXPECT_FALSE(VerifyConsistency(m, n, roots[m - 1], roots[n], p)) << m << "->" << n;
      EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n - 1], p)) << m << "->" << n;
      EXPECT_FALSE(VerifyConsistency(n, m, roots[n], roots[m], p));
      EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], {}));
      for (size_t i = 0; i < p.size(); ++i) {
        std::vector<std::string> flipped = p;
        flipped[i][3] ^= 0x80;
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], flipped))
            << m << "->" << n << " @" << i;
      }
      std::vector<std::string> shorter(p.begin(), p.end() - 1);
      EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], shorter));
      std::vector<std::string> longer = p;
      longer.push_back(std::string(kHashSize, '\xcd'));
      EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], longer));
    }
  }
  // The two degenerate cases.
  EXPECT_TRUE(VerifyConsistency(4, 4, roots[4], roots[4], {}));
  EXPECT_FALSE(VerifyConsistency(4, 4, roots[4], roots[5], {}));
  EXPECT_FALSE(VerifyConsistency(4, 4, roots[4], roots[4], {roots[4]}));
  EXPECT_TRUE(VerifyConsistency(0, 8, EmptyRoot(), roots[8], {}));
  EXPECT_FALSE(VerifyConsistency(0, 8, roots[1], roots[8], {}));
  EXPECT_FALSE(VerifyConsistency(0, 8, EmptyRoot(), roots[8], {roots[1]}));
}

TEST(MerkleTest, EachPerfectSubtreeIsStoredOnceAndAFrontierLoadsFromThem) {
  StoredTree tree;
  for (uint64_t n = 1; n <= 300; ++n) {
    tree.Append(absl::StrCat("record ", n));
    // Leaves plus inner perfect nodes: 2n - popcount(n).
    ASSERT_EQ(tree.nodes().size(), 2 * n - std::popcount(n)) << n;
  }
  for (uint64_t n : {0, 1, 2, 3, 64, 127, 128, 129, 255, 300}) {
    absl::StatusOr<Frontier> loaded = Frontier::Load(n, tree.Reader());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ(loaded->size(), n);
    EXPECT_EQ(loaded->Root(), Mth(tree.leaves(), 0, n)) << n;
    // Growing on from the loaded frontier completes the same nodes.
    Frontier grown = *loaded;
    for (uint64_t i = n; i < tree.leaves().size(); ++i) {
      std::vector<Node> completed;
      grown.Append(tree.leaves()[i], &completed);
      for (const Node& node : completed) {
        ASSERT_EQ(node.hash, tree.nodes().at({node.level, node.index})) << n << " " << i;
      }
    }
    EXPECT_EQ(grown.Root(), tree.frontier().Root());
  }
}

TEST(MerkleTest, AProofReadsFewNodes) {
  StoredTree tree;
  for (uint64_t i = 0; i < 5000; ++i) tree.Append(absl::StrCat("record ", i));
  const uint64_t before = tree.reads();
  ASSERT_TRUE(InclusionProof(1234, 4999, tree.Reader()).ok());
  ASSERT_TRUE(ConsistencyProof(1234, 4999, tree.Reader()).ok());
  // log2(5000) is 13: a right edge folds at most that many nodes per proof
  // step, far below reading the leaves.
  EXPECT_LE(tree.reads() - before, 2u * 13 * 13);
}

TEST(MerkleTest, AMissingOrDamagedNodeIsAnErrorNotAProof) {
  StoredTree tree = ReferenceTree();
  tree.nodes().erase({1, 2});  // leaves 4 and 5
  absl::StatusOr<std::vector<std::string>> p = InclusionProof(6, 8, tree.Reader());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound) << p.status();
  EXPECT_EQ(Root(6, tree.Reader()).status().code(), absl::StatusCode::kNotFound);
  tree.nodes()[{1, 2}] = "too short";
  EXPECT_EQ(ConsistencyProof(6, 8, tree.Reader()).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Frontier::Load(6, tree.Reader()).status().code(), absl::StatusCode::kDataLoss);
}

TEST(MerkleTest, ImpossibleRequestsAreInvalid) {
  StoredTree tree = ReferenceTree();
  EXPECT_EQ(InclusionProof(8, 8, tree.Reader()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(InclusionProof(0, 0, tree.Reader()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(5, 3, tree.Reader()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Root(kMaxSize + 1, tree.Reader()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(VerifyInclusion(0, 0, tree.leaves()[0], {}, EmptyRoot()));
  EXPECT_FALSE(VerifyInclusion(0, 1, tree.leaves()[0], {}, "short root"));
  EXPECT_TRUE(VerifyInclusion(0, 1, tree.leaves()[0], {}, tree.leaves()[0]));
}

}  // namespace
}  // namespace taizhang::store::merkle
