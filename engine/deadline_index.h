// DeadlineIndex: the set of pending deadlines, ordered by due instant.
//
// Maps an opaque key (any bytes, compared bytewise; e.g. "case/123#item/4#due")
// to the instant it falls due. Each key has at most one due instant: setting a
// key again moves it. Entries come out in (due, key) order, so two deadlines
// due at the same instant always come out in the same order, on any machine.
//
// Due instants are kept to the microsecond, as records store them, rounded UP
// (a due of 10.5 µs is kept as 11 µs), so a deadline never comes due before the
// instant it was given. InfinitePast/InfiniteFuture saturate to the smallest or
// largest representable microsecond.
//
// Cost: Set (add or move), Remove and each entry popped are O(log n); Find is
// O(1) expected; EarliestDue is O(1). Memory: an indexed 4-ary min-heap of
// (due, slot) pairs, a slot table owning each key once, and a hash set of slot
// numbers searched by key; about 40 bytes per entry plus the key's own
// allocation (measured: 88 MB for a million 40-byte keys; bench/deadline_bench).
// MemoryUsageBytes reports the estimate.
//
// Thread-safety: none. A DeadlineIndex is a plain value owned by one thread or
// guarded by its owner's mutex (DeadlineScheduler does the latter). It is
// neither copyable nor movable (its hash set refers back to it).
#ifndef TAIZHANG_ENGINE_DEADLINE_INDEX_H_
#define TAIZHANG_ENGINE_DEADLINE_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace taizhang::engine {

// One pending deadline.
struct Deadline {
  std::string key;
  absl::Time due;

  friend bool operator==(const Deadline& a, const Deadline& b) {
    return a.key == b.key && a.due == b.due;
  }
};

class DeadlineIndex {
 public:
  DeadlineIndex();
  DeadlineIndex(const DeadlineIndex&) = delete;
  DeadlineIndex& operator=(const DeadlineIndex&) = delete;
  ~DeadlineIndex();

  // Adds `key` due at `due`, or moves it there if present. Returns true when
  // the key was added, false when it was already present (moved or unchanged).
  bool Set(absl::string_view key, absl::Time due);

  // Removes `key`. Returns false when it was not present.
  bool Remove(absl::string_view key);

  // The due instant of `key` (as kept: rounded up to the microsecond).
  std::optional<absl::Time> Find(absl::string_view key) const;

  // The first entry in (due, key) order; nullopt when empty.
  std::optional<Deadline> Earliest() const;
  std::optional<absl::Time> EarliestDue() const;

  // Removes and returns, in (due, key) order, the entries due at or before
  // `now`, at most `max` of them (max = 0 returns nothing).
  std::vector<Deadline> PopDue(absl::Time now, size_t max);

  // Makes room for `n` entries without further reallocation (e.g. before a
  // rebuild by replay).
  void Reserve(size_t n);

  size_t size() const { return heap_due_.size(); }
  bool empty() const { return heap_due_.empty(); }

  // Estimated bytes held on the heap by the index (containers and keys),
  // counting capacity, not only what is in use.
  size_t MemoryUsageBytes() const;

  // The instant kept for `t`: rounded up to the microsecond, saturated.
  static int64_t ToDueMicros(absl::Time t);

 private:
  // A key's home. A free slot has a null key and sits on free_slots_.
  struct Slot {
    std::unique_ptr<char[]> key;
    uint32_t key_size = 0;
    uint32_t heap_pos = 0;  // index into heap_due_/heap_slot_
  };

  // Hashes and compares slot numbers by their keys, and also keys directly, so
  // the set can be searched with a string_view (heterogeneous lookup).
  struct SlotHash {
    using is_transparent = void;
    const DeadlineIndex* index;
    size_t operator()(uint32_t slot) const;
    size_t operator()(absl::string_view key) const;
  };
  struct SlotEq {
    using is_transparent = void;
    const DeadlineIndex* index;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, absl::string_view b) const { return index->KeyOf(a) == b; }
    bool operator()(absl::string_view a, uint32_t b) const { return a == index->KeyOf(b); }
  };

  using KeySet = absl::flat_hash_set<uint32_t, SlotHash, SlotEq>;

  absl::string_view KeyOf(uint32_t slot) const {
    return absl::string_view(slots_[slot].key.get(), slots_[slot].key_size);
  }

  // True when heap position i orders before heap position j.
  bool Less(size_t i, size_t j) const;
  void Place(size_t pos, int64_t due, uint32_t slot);
  void SiftUp(size_t pos);
  void SiftDown(size_t pos);
  // Restores heap order after the entry at `pos` changed.
  void Fix(size_t pos);
  // Removes the heap entry at `pos` and frees its slot; `it` is its entry in
  // by_key_ when the caller has it (saves hashing the key again).
  void RemoveAt(size_t pos);
  void RemoveAt(size_t pos, KeySet::iterator it);

  // The heap, as two parallel arrays so sifting touches only the due instants
  // (8 bytes each, four children to a 32-byte run) until a tie needs the keys.
  std::vector<int64_t> heap_due_;
  std::vector<uint32_t> heap_slot_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  size_t key_bytes_ = 0;  // sum of live key sizes
  KeySet by_key_;
};

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_DEADLINE_INDEX_H_
