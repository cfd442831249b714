// A reusable open-addressing hash table for n-gram counting in the metrics (internal to src/eval).
// reset() empties it in O(1) by bumping a stamp, so one table serves every sentence of a corpus without
// reallocating; keys are compared exactly (the hash only picks the slot).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace attend::eval::detail {

// n-grams packed into 128 bits (exact: see the packers in bleu.cc and chrf.cc).
using NgramKey = unsigned __int128;

inline uint64_t mix64(uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

struct NgramKeyHash {
  uint64_t operator()(NgramKey k) const {
    return mix64(static_cast<uint64_t>(k) ^ mix64(static_cast<uint64_t>(k >> 64) + 0x9E3779B97F4A7C15ULL));
  }
};
struct StringViewHash {
  uint64_t operator()(std::string_view s) const {
    uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a, then mixed
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
    return mix64(h);
  }
};

template <class K, class V, class Hash>
class StampedTable {
 public:
  // Empties the table and makes room for `expected` keys (load factor <= 1/2).
  void reset(size_t expected) {
    size_t cap = 16;
    while (cap < 2 * expected) cap *= 2;
    if (cap > slots_.size() || ++stamp_ == 0) {
      slots_.assign(std::max(cap, slots_.size()), Slot{});
      stamp_ = 1;
    }
    mask_ = slots_.size() - 1;
    size_ = 0;
  }
  // The value of `key`, inserted as V{} when absent. At most `expected` distinct keys per reset.
  V& operator[](const K& key) {
    for (size_t i = Hash{}(key) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.stamp != stamp_) {
        s.stamp = stamp_;
        s.key = key;
        s.value = V{};
        ++size_;
        return s.value;
      }
      if (s.key == key) return s.value;
    }
  }
  // The value of `key`, or nullptr.
  V* find(const K& key) {
    for (size_t i = Hash{}(key) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.stamp != stamp_) return nullptr;
      if (s.key == key) return &s.value;
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    K key{};
    V value{};
    uint32_t stamp = 0;
  };
  std::vector<Slot> slots_;
  uint32_t stamp_ = 0;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace attend::eval::detail
