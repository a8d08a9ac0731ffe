#include "engine/deadline_index.h"

#include <cassert>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/hash/hash.h"

namespace taizhang::engine {
namespace {

constexpr size_t kArity = 4;

absl::Time FromDueMicros(int64_t us) { return absl::FromUnixMicros(us); }

// What the allocator is likely to hold for a request of n bytes (glibc: 8
// bytes of header, 16-byte granules, 32 bytes at least).
size_t AllocatedBytes(size_t n) {
  size_t chunk = (n + 8 + 15) & ~size_t{15};
  return chunk < 32 ? 32 : chunk;
}

}  // namespace

size_t DeadlineIndex::SlotHash::operator()(uint32_t slot) const {
  return absl::Hash<absl::string_view>{}(index->KeyOf(slot));
}

size_t DeadlineIndex::SlotHash::operator()(absl::string_view key) const {
  return absl::Hash<absl::string_view>{}(key);
}

DeadlineIndex::DeadlineIndex() : by_key_(0, SlotHash{this}, SlotEq{this}) {}

DeadlineIndex::~DeadlineIndex() = default;

int64_t DeadlineIndex::ToDueMicros(absl::Time t) {
  if (t == absl::InfinitePast()) return std::numeric_limits<int64_t>::min();
  if (t == absl::InfiniteFuture()) return std::numeric_limits<int64_t>::max();
  int64_t us = absl::ToUnixMicros(t);  // rounds down (saturates)
  if (us < std::numeric_limits<int64_t>::max() && absl::FromUnixMicros(us) < t) ++us;
  return us;
}

bool DeadlineIndex::Less(size_t i, size_t j) const {
  if (heap_due_[i] != heap_due_[j]) return heap_due_[i] < heap_due_[j];
  return KeyOf(heap_slot_[i]) < KeyOf(heap_slot_[j]);
}

void DeadlineIndex::Place(size_t pos, int64_t due, uint32_t slot) {
  heap_due_[pos] = due;
  heap_slot_[pos] = slot;
  slots_[slot].heap_pos = static_cast<uint32_t>(pos);
}

void DeadlineIndex::SiftUp(size_t pos) {
  const int64_t due = heap_due_[pos];
  const uint32_t slot = heap_slot_[pos];
  const absl::string_view key = KeyOf(slot);
  while (pos > 0) {
    size_t parent = (pos - 1) / kArity;
    int64_t pdue = heap_due_[parent];
    if (pdue < due || (pdue == due && KeyOf(heap_slot_[parent]) <= key)) break;
    Place(pos, pdue, heap_slot_[parent]);
    pos = parent;
  }
  Place(pos, due, slot);
}

void DeadlineIndex::SiftDown(size_t pos) {
  const size_t n = heap_due_.size();
  const int64_t due = heap_due_[pos];
  const uint32_t slot = heap_slot_[pos];
  const absl::string_view key = KeyOf(slot);
  for (;;) {
    size_t first = pos * kArity + 1;
    if (first >= n) break;
    size_t last = first + kArity < n ? first + kArity : n;
    size_t best = first;
    for (size_t c = first + 1; c < last; ++c) {
      if (Less(c, best)) best = c;
    }
    int64_t bdue = heap_due_[best];
    if (due < bdue || (due == bdue && key <= KeyOf(heap_slot_[best]))) break;
    Place(pos, bdue, heap_slot_[best]);
    pos = best;
  }
  Place(pos, due, slot);
}

void DeadlineIndex::Fix(size_t pos) {
  if (pos > 0 && Less(pos, (pos - 1) / kArity)) {
    SiftUp(pos);
  } else {
    SiftDown(pos);
  }
}

bool DeadlineIndex::Set(absl::string_view key, absl::Time due) {
  const int64_t due_us = ToDueMicros(due);
  auto it = by_key_.find(key);
  if (it != by_key_.end()) {
    size_t pos = slots_[*it].heap_pos;
    if (heap_due_[pos] != due_us) {
      heap_due_[pos] = due_us;
      Fix(pos);
    }
    return false;
  }
  assert(key.size() <= std::numeric_limits<uint32_t>::max());
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    assert(slots_.size() < std::numeric_limits<uint32_t>::max());
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.key.reset(new char[key.size()]);
  if (!key.empty()) std::memcpy(s.key.get(), key.data(), key.size());
  s.key_size = static_cast<uint32_t>(key.size());
  key_bytes_ += key.size();
  by_key_.insert(slot);

  heap_due_.push_back(due_us);
  heap_slot_.push_back(slot);
  s.heap_pos = static_cast<uint32_t>(heap_due_.size() - 1);
  SiftUp(heap_due_.size() - 1);
  return true;
}

void DeadlineIndex::RemoveAt(size_t pos) {
  auto it = by_key_.find(heap_slot_[pos]);  // hashes the key: before freeing it
  assert(it != by_key_.end());
  RemoveAt(pos, it);
}

void DeadlineIndex::RemoveAt(size_t pos, KeySet::iterator it) {
  const uint32_t slot = heap_slot_[pos];
  by_key_.erase(it);
  key_bytes_ -= slots_[slot].key_size;
  slots_[slot].key.reset();
  slots_[slot].key_size = 0;
  free_slots_.push_back(slot);

  const size_t last = heap_due_.size() - 1;
  if (pos != last) {
    Place(pos, heap_due_[last], heap_slot_[last]);
    heap_due_.pop_back();
    heap_slot_.pop_back();
    Fix(pos);
  } else {
    heap_due_.pop_back();
    heap_slot_.pop_back();
  }
}

bool DeadlineIndex::Remove(absl::string_view key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return false;
  RemoveAt(slots_[*it].heap_pos, it);
  return true;
}

std::optional<absl::Time> DeadlineIndex::Find(absl::string_view key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  return FromDueMicros(heap_due_[slots_[*it].heap_pos]);
}

std::optional<Deadline> DeadlineIndex::Earliest() const {
  if (empty()) return std::nullopt;
  return Deadline{std::string(KeyOf(heap_slot_[0])), FromDueMicros(heap_due_[0])};
}

std::optional<absl::Time> DeadlineIndex::EarliestDue() const {
  if (empty()) return std::nullopt;
  return FromDueMicros(heap_due_[0]);
}

std::vector<Deadline> DeadlineIndex::PopDue(absl::Time now, size_t max) {
  std::vector<Deadline> out;
  // A due kept as d is reached when now >= d; `now` rounds down so that a
  // sub-microsecond `now` never reaches the next microsecond early.
  const int64_t now_us = absl::ToUnixMicros(now);
  while (out.size() < max && !empty() && heap_due_[0] <= now_us) {
    out.push_back(Deadline{std::string(KeyOf(heap_slot_[0])), FromDueMicros(heap_due_[0])});
    RemoveAt(0);
  }
  return out;
}

void DeadlineIndex::Reserve(size_t n) {
  heap_due_.reserve(n);
  heap_slot_.reserve(n);
  slots_.reserve(n);
  by_key_.reserve(n);
}

size_t DeadlineIndex::MemoryUsageBytes() const {
  size_t bytes = heap_due_.capacity() * sizeof(int64_t) + heap_slot_.capacity() * sizeof(uint32_t) +
                 slots_.capacity() * sizeof(Slot) + free_slots_.capacity() * sizeof(uint32_t);
  // flat_hash_set: one slot and one control byte per bucket (plus a group of
  // cloned control bytes, negligible).
  bytes += by_key_.bucket_count() * (sizeof(uint32_t) + 1);
  // Keys: one allocation each; estimate the allocator's rounding from the
  // average size rather than walking every slot.
  const size_t live = size();
  if (live > 0) bytes += live * AllocatedBytes(key_bytes_ / live);
  return bytes;
}

}  // namespace taizhang::engine
