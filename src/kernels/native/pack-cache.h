// Packed weights kept between calls, the way onnxruntime packs a Conv's weights once when a session
// loads and tfjs-backend-wasm keeps an XNNPACK operator per filter tensor. Inference calls each
// layer again and again with the same weights, and packing them is not free: F(3x3, 3x3)'s
// transformed filters for aspp2d (65536 channel pairs, 6.5 MB) took about 12% of a one-thread call.
//
// An entry is found by what was packed (instruction set, forward or transposed, descriptor) and
// used only if the weights are the same bytes as the copy it keeps: training updates weights in
// place between calls, so nothing short of comparing them says they did not change. A stale entry
// is repacked in its own buffers when no other call holds it (no page faults per training step).
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

class PackCache {
 public:
  typedef void (*Pack)(const ConvDesc&, const float*, float*);

  // At most this much memory and this many entries; the least recently used go first.
  static constexpr size_t kMaxBytes = size_t(256) << 20;
  static constexpr size_t kMaxEntries = 64;

  // The packed form of the n weights w for (isa, transposed, d): the kept one if w is unchanged,
  // else pack(d, w, ·) into packed_floats floats, kept for the next call.
  std::shared_ptr<const PackedWeights> get(const void* isa, bool transposed, const ConvDesc& d, const float* w, size_t n,
                                           size_t packed_floats, Pack pack) {
    ConvDesc key = d;
    key.relu = 0;
    std::shared_ptr<PackedWeights> e = take(isa, transposed, key, n);
    if (e && std::memcmp(e->raw.data(), w, n * sizeof(float)) == 0) {
      put(e);
      return e;
    }
    // Out of the list, e is reachable only by calls that took it before: if none holds it, its
    // buffers are reused.
    if (!e || e.use_count() > 1) e = std::make_shared<PackedWeights>();
    e->isa = isa, e->transposed = transposed, e->key = key;
    e->raw.assign(w, w + n);
    e->packed.resize(packed_floats);
    pack(d, w, e->packed.data());
    put(e);
    return e;
  }

 private:
  static bool same(const PackedWeights& e, const void* isa, bool transposed, const ConvDesc& key, size_t n) {
    return e.isa == isa && e.transposed == transposed && e.raw.size() == n && std::memcmp(&e.key, &key, sizeof key) == 0;
  }

  // Removes and returns the entry for this key, if any.
  std::shared_ptr<PackedWeights> take(const void* isa, bool transposed, const ConvDesc& key, size_t n) {
    std::lock_guard<std::mutex> lk(m_);
    for (auto it = list_.begin(); it != list_.end(); ++it)
      if (same(**it, isa, transposed, key, n)) {
        std::shared_ptr<PackedWeights> e = *it;
        bytes_ -= e->bytes();
        list_.erase(it);
        return e;
      }
    return nullptr;
  }

  // Puts e first (replacing an entry for the same key a concurrent call put meanwhile), then
  // drops the least recently used past the limits — e too, if it alone is over them.
  void put(const std::shared_ptr<PackedWeights>& e) {
    std::lock_guard<std::mutex> lk(m_);
    for (auto it = list_.begin(); it != list_.end(); ++it)
      if (same(**it, e->isa, e->transposed, e->key, e->raw.size())) {
        bytes_ -= (*it)->bytes();
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
  size_t bytes_ = 0;
};

}  // namespace atrous
