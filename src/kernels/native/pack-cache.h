// Packed weights kept between calls, the way onnxruntime packs a Conv's weights once when a session
// loads and tfjs-backend-wasm keeps an XNNPACK operator per filter tensor. Inference calls each
// layer again and again with the same weights, and packing them is not free: F(3x3, 3x3)'s
// transformed filters for aspp2d (65536 channel pairs, 6.5 MB) took about 12% of a one-thread call.
//
// An entry is found by what was packed (instruction set, forward or transposed, descriptor) and
// used only if the weights are the same bytes as the copy it keeps: training updates weights in
// place between calls, so nothing short of comparing them says they did not change. A model may
// have several layers of one shape (a TCN block's two convs), so a descriptor may have several
// entries, up to kMaxPerKey; past that, the least recently used of them is repacked in its own
// buffers when no other call holds it (no page faults per training step).
#pragma once
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

#include "../csrc/conv-desc.h"

namespace atrous {

struct PackedWeights {
  const void* isa;
  bool transposed;
  ConvDesc key;             // the descriptor, ReLU flag cleared (the packing does not depend on it)
  std::vector<float> raw;   // the weights as they were packed, to compare against
  std::vector<float> packed;
  size_t bytes() const { return sizeof(float) * (raw.capacity() + packed.capacity()); }
};

// What the cache holds and how it has done since the process started, for tests and diagnostics.
struct PackCacheStats {
  size_t entries, bytes, hits, misses;
};

class PackCache {
 public:
  typedef void (*Pack)(const ConvDesc&, const float*, float*);

  // At most this much memory and this many entries (and this many for one descriptor); the least
  // recently used go first.
  static constexpr size_t kMaxBytes = size_t(256) << 20;
  static constexpr size_t kMaxEntries = 64;
  static constexpr size_t kMaxPerKey = 8;

  // The packed form of the n weights w for (isa, transposed, d): a kept one if w is unchanged,
  // else pack(d, w, ·) into packed_floats floats, kept for the next call.
  std::shared_ptr<const PackedWeights> get(const void* isa, bool transposed, const ConvDesc& d, const float* w, size_t n,
                                           size_t packed_floats, Pack pack) {
    ConvDesc key = d;
    key.relu = 0;
    // Compared outside the lock: the candidates are shared, and nothing writes a listed entry.
    for (const std::shared_ptr<PackedWeights>& e : candidates(isa, transposed, key, n))
      if (std::memcmp(e->raw.data(), w, n * sizeof(float)) == 0) {
        put(e, true);
        return e;
      }
    // Out of the list, an entry is reachable only by calls that took it before: if none holds
    // it, its buffers are reused.
    std::shared_ptr<PackedWeights> e = take_oldest_if_full(isa, transposed, key, n);
    if (!e || e.use_count() > 1) e = std::make_shared<PackedWeights>();
    e->isa = isa, e->transposed = transposed, e->key = key;
    e->raw.assign(w, w + n);
    e->packed.resize(packed_floats);
    pack(d, w, e->packed.data());
    put(e, false);
    return e;
  }

  PackCacheStats stats() {
    std::lock_guard<std::mutex> lk(m_);
    return {list_.size(), bytes_, hits_, misses_};
  }

 private:
  static bool same(const PackedWeights& e, const void* isa, bool transposed, const ConvDesc& key, size_t n) {
    return e.isa == isa && e.transposed == transposed && e.raw.size() == n && std::memcmp(&e.key, &key, sizeof key) == 0;
  }

  // The entries for this key, most recently used first.
  std::vector<std::shared_ptr<PackedWeights>> candidates(const void* isa, bool transposed, const ConvDesc& key, size_t n) {
    std::lock_guard<std::mutex> lk(m_);
    std::vector<std::shared_ptr<PackedWeights>> out;
    for (const std::shared_ptr<PackedWeights>& e : list_)
      if (same(*e, isa, transposed, key, n)) out.push_back(e);
    return out;
  }

  // Removes and returns the least recently used entry for this key if the key has kMaxPerKey.
  std::shared_ptr<PackedWeights> take_oldest_if_full(const void* isa, bool transposed, const ConvDesc& key, size_t n) {
    std::lock_guard<std::mutex> lk(m_);
    size_t count = 0;
    auto oldest = list_.end();
    for (auto it = list_.begin(); it != list_.end(); ++it)
      if (same(**it, isa, transposed, key, n)) count++, oldest = it;
    if (count < kMaxPerKey) return nullptr;
    std::shared_ptr<PackedWeights> e = *oldest;
    bytes_ -= e->bytes();
    list_.erase(oldest);
    return e;
  }

  // Puts e first (moving it if listed), then drops the least recently used past the limits — e
  // too, if it alone is over them.
  void put(const std::shared_ptr<PackedWeights>& e, bool hit) {
    std::lock_guard<std::mutex> lk(m_);
    (hit ? hits_ : misses_)++;
    for (auto it = list_.begin(); it != list_.end(); ++it)
      if (*it == e) {
        bytes_ -= e->bytes();
        list_.erase(it);
        break;
      }
    list_.push_front(e);
    bytes_ += e->bytes();
    while (!list_.empty() && (bytes_ > kMaxBytes || list_.size() > kMaxEntries)) {
      bytes_ -= list_.back()->bytes();
      list_.pop_back();
    }
  }

  std::mutex m_;
  std::list<std::shared_ptr<PackedWeights>> list_;
  size_t bytes_ = 0, hits_ = 0, misses_ = 0;
};

}  // namespace atrous
