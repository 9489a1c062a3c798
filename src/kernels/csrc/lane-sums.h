// The lane sums of many vectors at once: out[i] = Σ_l v[i][l]. A kernel that keeps vector
// accumulators along its reduction (the Winograd weight gradient's products over tiles) sums
// each one's lanes at the end; float by float that is VL − 1 dependent adds and VL lane
// extractions per vector. Here pairs of vectors are folded together instead: each fold halves
// the lanes every accumulator occupies (its high half added onto its low half) and packs two
// vectors' worth into one, so after log2(VL) levels each vector holds VL accumulators' sums,
// in order — about 3 operations per vector per level.
//
// Freestanding (the wasm build has no C++ library): its own index sequence; the shuffle is
// clang's __builtin_shufflevector or GCC's __builtin_shuffle (any GCC version the addon builds
// with), both with constant lanes.
#pragma once

namespace atrous {

template <int... I>
struct LaneSeq {};
template <int N, int... I>
struct MakeLaneSeq : MakeLaneSeq<N - 1, N - 1, I...> {};
template <int... I>
struct MakeLaneSeq<0, I...> {
  typedef LaneSeq<I...> type;
};

// Lane L of a fold of a and b whose accumulators each occupy W lanes: a's W/2-lane halves fill
// lanes [0, VL/2), b's the rest; `high` picks the upper half of each accumulator's lanes.
template <int VL, int W>
constexpr int fold_lane(int L, bool high) {
  return (L < VL / 2 ? 0 : VL) + (L % (VL / 2)) / (W / 2) * W + (L % (VL / 2)) % (W / 2) + (high ? W / 2 : 0);
}

template <int VL, int W, typename V, int... L>
inline V fold(V a, V b, LaneSeq<L...>) {
#if defined(__clang__)
  return __builtin_shufflevector(a, b, fold_lane<VL, W>(L, false)...) + __builtin_shufflevector(a, b, fold_lane<VL, W>(L, true)...);
#else
  typedef int Mask __attribute__((vector_size(VL * 4)));
  const Mask lo = {fold_lane<VL, W>(L, false)...}, hi = {fold_lane<VL, W>(L, true)...};
  return __builtin_shuffle(a, b, lo) + __builtin_shuffle(a, b, hi);
#endif
}

// Folds v[0..n) level by level, from accumulators W lanes wide down to one lane; an odd count is
// made even with a zero vector (v has room for it). Returns the number of vectors left.
template <int VL, int W, typename V>
struct LaneFolds {
  static int run(V* v, int n) {
    if (n % 2) v[n++] = V{};
    for (int i = 0; i < n / 2; i++) v[i] = fold<VL, W>(v[2 * i], v[2 * i + 1], typename MakeLaneSeq<VL>::type{});
    return LaneFolds<VL, W / 2, V>::run(v, n / 2);
  }
};
template <int VL, typename V>
struct LaneFolds<VL, 1, V> {
  static int run(V*, int n) { return n; }
};

// A vector of VL floats at its natural alignment (a kernel's Vec is aligned(4), for loads
// anywhere; lane_sums works on its own vectors, which the caller aligns).
template <int VL>
struct LaneVec {
  typedef float type __attribute__((vector_size(VL * 4)));
};

// out[i] = the sum of v[i]'s lanes for i < n. v (overwritten) has room for n + 1 vectors and is
// aligned to a whole vector.
template <int VL>
inline void lane_sums(typename LaneVec<VL>::type* v, int n, float* out) {
  typedef typename LaneVec<VL>::type V;
  const int left = LaneFolds<VL, VL, V>::run(v, n);
  for (int k = 0; k < left; k++)
    for (int l = 0; l < VL && k * VL + l < n; l++) out[k * VL + l] = v[k][l];
}

}  // namespace atrous
