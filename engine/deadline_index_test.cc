#include "engine/deadline_index.h"

#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace taizhang::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

absl::Time At(int64_t us) { return kT0 + absl::Microseconds(us); }

std::vector<std::string> Keys(const std::vector<Deadline>& ds) {
  std::vector<std::string> keys;
  for (const Deadline& d : ds) keys.push_back(d.key);
  return keys;
}

TEST(DeadlineIndexTest, EmptyIndex) {
  DeadlineIndex index;
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.empty());
  EXPECT_FALSE(index.Earliest().has_value());
  EXPECT_FALSE(index.EarliestDue().has_value());
  EXPECT_FALSE(index.Find("a").has_value());
  EXPECT_FALSE(index.Remove("a"));
  EXPECT_THAT(index.PopDue(absl::InfiniteFuture(), 10), IsEmpty());
}

TEST(DeadlineIndexTest, PopsInDueOrder) {
  DeadlineIndex index;
  EXPECT_TRUE(index.Set("c", At(30)));
  EXPECT_TRUE(index.Set("a", At(10)));
  EXPECT_TRUE(index.Set("d", At(40)));
  EXPECT_TRUE(index.Set("b", At(20)));
  EXPECT_EQ(index.size(), 4u);
  EXPECT_EQ(index.Earliest(), (Deadline{"a", At(10)}));
  EXPECT_EQ(index.EarliestDue(), At(10));
  EXPECT_THAT(index.PopDue(At(100), 10), ElementsAre(Deadline{"a", At(10)}, Deadline{"b", At(20)},
                                                     Deadline{"c", At(30)}, Deadline{"d", At(40)}));
  EXPECT_TRUE(index.empty());
}

TEST(DeadlineIndexTest, SetAgainMovesEarlierAndLater) {
  DeadlineIndex index;
  index.Set("a", At(10));
  index.Set("b", At(20));
  index.Set("c", At(30));
  EXPECT_FALSE(index.Set("a", At(35)));  // later
  EXPECT_FALSE(index.Set("c", At(5)));   // earlier
  EXPECT_FALSE(index.Set("b", At(20)));  // unchanged
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.Find("a"), At(35));
  EXPECT_EQ(index.Find("c"), At(5));
  EXPECT_THAT(Keys(index.PopDue(At(100), 10)), ElementsAre("c", "b", "a"));
}

TEST(DeadlineIndexTest, RemovedEntryNeverComesOut) {
  DeadlineIndex index;
  for (int i = 0; i < 10; ++i) index.Set(absl::StrCat("k", i), At(i));
  EXPECT_TRUE(index.Remove("k0"));  // the root
  EXPECT_TRUE(index.Remove("k5"));  // an inner entry
  EXPECT_TRUE(index.Remove("k9"));  // the last
  EXPECT_FALSE(index.Remove("k5"));
  EXPECT_FALSE(index.Find("k5").has_value());
  EXPECT_EQ(index.size(), 7u);
  EXPECT_THAT(Keys(index.PopDue(At(100), 100)),
              ElementsAre("k1", "k2", "k3", "k4", "k6", "k7", "k8"));
}

TEST(DeadlineIndexTest, TiesComeOutInKeyOrder) {
  DeadlineIndex index;
  const std::string with_nul("a\0b", 3);
  for (const std::string& k : {std::string("b"), std::string("ab"), with_nul, std::string("a"),
                               std::string("c"), std::string("")}) {
    index.Set(k, At(7));
  }
  index.Set("z", At(6));
  EXPECT_THAT(Keys(index.PopDue(At(7), 100)), ElementsAre("z", "", "a", with_nul, "ab", "b", "c"));
}

TEST(DeadlineIndexTest, PopDueHonoursNowAndMax) {
  DeadlineIndex index;
  for (int i = 1; i <= 5; ++i) index.Set(absl::StrCat("k", i), At(i * 10));
  EXPECT_THAT(index.PopDue(At(9), 10), IsEmpty());
  EXPECT_THAT(index.PopDue(At(30), 0), IsEmpty());
  // Due exactly at now is due; 1 µs later is not.
  EXPECT_THAT(Keys(index.PopDue(At(30), 2)), ElementsAre("k1", "k2"));
  EXPECT_THAT(Keys(index.PopDue(At(30), 10)), ElementsAre("k3"));
  EXPECT_THAT(index.PopDue(At(39), 10), IsEmpty());
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.EarliestDue(), At(40));
}

TEST(DeadlineIndexTest, DueRoundsUpToTheMicrosecond) {
  DeadlineIndex index;
  index.Set("a", At(10) + absl::Nanoseconds(500));
  EXPECT_EQ(index.Find("a"), At(11));
  EXPECT_THAT(index.PopDue(At(10) + absl::Nanoseconds(999), 10), IsEmpty());
  EXPECT_THAT(index.PopDue(At(11), 10), ElementsAre(Deadline{"a", At(11)}));
  // Before the epoch too.
  index.Set("b", absl::FromUnixMicros(-5) - absl::Nanoseconds(1));
  EXPECT_EQ(index.Find("b"), absl::FromUnixMicros(-5));
}

TEST(DeadlineIndexTest, InfiniteInstantsSaturate) {
  DeadlineIndex index;
  index.Set("never", absl::InfiniteFuture());
  index.Set("always", absl::InfinitePast());
  EXPECT_THAT(Keys(index.PopDue(kT0, 10)), ElementsAre("always"));
  EXPECT_EQ(index.size(), 1u);
  EXPECT_THAT(Keys(index.PopDue(absl::InfiniteFuture(), 10)), ElementsAre("never"));
}

TEST(DeadlineIndexTest, FreedSlotsAreReused) {
  DeadlineIndex index;
  size_t steady = 0;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 1000; ++i) index.Set(absl::StrCat("key-", round, "-", i), At(i));
    EXPECT_EQ(index.size(), 1000u);
    // From the second round on, every slot and container is reused.
    if (round == 1) steady = index.MemoryUsageBytes();
    if (round >= 1) {
      EXPECT_EQ(index.MemoryUsageBytes(), steady) << "round " << round;
    }
    EXPECT_EQ(index.PopDue(absl::InfiniteFuture(), 1000).size(), 1000u);
  }
}

TEST(DeadlineIndexTest, MemoryPerEntryFitsOneMillionIn200MB) {
  DeadlineIndex index;
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) {
    // ~40-byte keys, as the engine makes them.
    index.Set(absl::StrCat("case/2024-530115-47-01-", 100000 + i, "#item/4#due"), At(i % 977));
  }
  const double per_entry = static_cast<double>(index.MemoryUsageBytes()) / kN;
  EXPECT_LT(per_entry, 130.0) << "1M entries would take " << per_entry << " MB";
}

// Random operations against an ordered model: std::set of (due, key) beside a
// key -> due map.
TEST(DeadlineIndexTest, MatchesOrderedModelOnRandomOperations) {
  DeadlineIndex index;
  std::set<std::pair<int64_t, std::string>> order;
  std::map<std::string, int64_t> due_of;
  std::mt19937_64 rng(20240601);
  auto key = [&] { return absl::StrCat("k", rng() % 400); };
  auto due = [&] { return static_cast<int64_t>(rng() % 2000); };  // many ties

  for (int op = 0; op < 10000; ++op) {
    const int kind = static_cast<int>(rng() % 10);
    if (kind < 5) {  // Set (add or move)
      std::string k = key();
      int64_t d = due();
      bool added = !due_of.count(k);
      if (!added) order.erase({due_of[k], k});
      due_of[k] = d;
      order.insert({d, k});
      ASSERT_EQ(index.Set(k, At(d)), added) << "op " << op;
    } else if (kind < 7) {  // Remove
      std::string k = key();
      bool present = due_of.count(k) > 0;
      if (present) {
        order.erase({due_of[k], k});
        due_of.erase(k);
      }
      ASSERT_EQ(index.Remove(k), present) << "op " << op;
    } else if (kind < 8) {  // Find
      std::string k = key();
      auto it = due_of.find(k);
      std::optional<absl::Time> want;
      if (it != due_of.end()) want = At(it->second);
      ASSERT_EQ(index.Find(k), want) << "op " << op;
    } else {  // PopDue
      int64_t now = due() - 200;
      size_t max = rng() % 40;
      std::vector<Deadline> want;
      while (want.size() < max && !order.empty() && order.begin()->first <= now) {
        want.push_back(Deadline{order.begin()->second, At(order.begin()->first)});
        due_of.erase(order.begin()->second);
        order.erase(order.begin());
      }
      ASSERT_EQ(index.PopDue(At(now), max), want) << "op " << op;
    }
    ASSERT_EQ(index.size(), order.size()) << "op " << op;
    if (order.empty()) {
      ASSERT_FALSE(index.Earliest().has_value());
    } else {
      ASSERT_EQ(index.Earliest(), (Deadline{order.begin()->second, At(order.begin()->first)}))
          << "op " << op;
    }
  }
}

}  // namespace
}  // namespace taizhang::engine
