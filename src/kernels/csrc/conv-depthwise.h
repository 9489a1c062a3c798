// Depthwise convolution (one input and one output channel per group, 1D/2D, column stride 1):
// one task per (batch item, channel) plane. The general row-panel kernel spends more time building
// a panel per output row than multiplying the 9 taps of a 3x3 depthwise conv; here the plane is
// zero-padded once and every output row reads its taps straight from it:
//
//   P[r][q] = x[r − pH][q − pW]   (0 outside; r < PH = (OH−1)·sH + dH·(KH−1) + 1)
//   y[oh][ow] = b + Σ_{kh,kw} w[kh][kw] · P[oh·sH + kh·dH][ow + kw·dW]
//
// Same conventions as conv-direct.h: freestanding, caller-provided scratch, tasks by index.
#pragma once
#include "conv-direct.h"

namespace atrous {
namespace ATROUS_ISA_NS {

// Register tiles are R output rows × NV vectors of VL columns, R·NV independent multiply-add
// chains: a 3x3 tap loop is a chain of 9 dependent multiply-adds per accumulator, so fewer chains
// than the FMA units' latency × throughput (8 on x86) leave them idle. A row's tiles compute only
// the vectors the row has (a 65-wide row: 17 vectors of 4, not 20 or 24).
template <int VL, int NV, int R>
struct DepthwiseConv {
  typedef typename Vec<VL>::type V;

  const ConvDesc& d;
  int PH, PW;  // padded plane: rows read by any output row, columns in whole vectors plus the taps' reach
  int nvec;    // vectors per output row

  // Whether this kernel handles `d` (else the general kernel does): depthwise with multiplier 1,
  // no depth axis, stride 1 along the columns, and a padded plane of at most 16 M floats.
  static bool handles(const ConvDesc& d) {
    if (!(d.groups == d.Cin && d.Cout == d.Cin && d.KD == 1 && d.D == 1 && d.OD == 1 && d.sW == 1)) return false;
    const long long ph = static_cast<long long>(d.OH - 1) * d.sH + static_cast<long long>(d.dH) * (d.KH - 1) + 1;
    const long long pw = static_cast<long long>((d.OW + VL - 1) / VL) * VL + static_cast<long long>(d.dW) * (d.KW - 1);
    return ph * pw <= (16ll << 20);
  }

  explicit DepthwiseConv(const ConvDesc& desc) : d(desc) {
    nvec = (d.OW + VL - 1) / VL;
    PH = (d.OH - 1) * d.sH + d.dH * (d.KH - 1) + 1;
    PW = nvec * VL + d.dW * (d.KW - 1);
  }

  typedef unsigned long long Count;
  long long task_count() const { return static_cast<long long>(d.N) * d.Cout; }
  Count panel_floats() const { return static_cast<Count>(PH) * PW + VL; }
  Count scratch_ints() const { return 1; }
  Count packed_floats() const { return static_cast<Count>(d.Cout) * d.KH * d.KW; }
  // The weights are already [C, 1, KH, KW]: "packing" is a copy.
  void pack_weights(const float* w, float* out) const {
    const size_t n = static_cast<size_t>(packed_floats());
    for (size_t i = 0; i < n; i++) out[i] = w[i];
  }

  static V load(const float* p) { return *reinterpret_cast<const V*>(p); }
  static void store(float* p, V v) { *reinterpret_cast<V*>(p) = v; }
  // dst[q] = 0 for q in [from, to).
  static void fill(float* dst, int from, int to, V zero) {
    int q = from;
    for (; q + VL <= to; q += VL) store(dst + q, zero);
    for (; q < to; q++) dst[q] = 0.0f;
  }

  // Output rows oh .. oh + RR − 1, vectors from column j0: RR × NN accumulators.
  template <int RR, int NN>
  void tile(int oh, int j0, const float* panel, const float* w, float b, float* out, float* tail) const {
    V acc[RR][NN];
    for (int r = 0; r < RR; r++)
      for (int v = 0; v < NN; v++) acc[r][v] = b - V{};
    for (int kh = 0; kh < d.KH; kh++) {
      for (int kw = 0; kw < d.KW; kw++) {
        const V s = w[kh * d.KW + kw] - V{};
        for (int r = 0; r < RR; r++) {
          const float* p = panel + static_cast<size_t>((oh + r) * d.sH + kh * d.dH) * PW + j0 + kw * d.dW;
          for (int v = 0; v < NN; v++) acc[r][v] = ATROUS_MADD(acc[r][v], s, load(p + v * VL));
        }
      }
    }
    for (int r = 0; r < RR; r++) {
      float* dst = out + static_cast<size_t>(oh + r) * d.OW + j0;
      // Past the row's end, the last vector may spill into the start of the next row, which is
      // written after this one (row_block's order) — except from the plane's last row.
      const bool spill = oh + r + 1 < d.OH && nvec * VL - d.OW <= d.OW;
      for (int v = 0; v < NN; v++) {
        V a = d.relu ? relu_vector(acc[r][v]) : acc[r][v];
        if (spill || j0 + (v + 1) * VL <= d.OW) {
          store(dst + v * VL, a);
        } else {  // the plane's last vector, past its end: only the columns it has
          store(tail, a);
          for (int j = 0; j < d.OW - j0 - v * VL; j++) dst[v * VL + j] = tail[j];
        }
      }
    }
  }

  // tile<RR, n> for n = nn (0 < nn ≤ NV).
  template <int RR, int NN = NV>
  void tile_of(int nn, int oh, int j0, const float* panel, const float* w, float b, float* out, float* tail) const {
    if constexpr (NN > 0) {
      if (nn == NN) tile<RR, NN>(oh, j0, panel, w, b, out, tail);
      else tile_of<RR, NN - 1>(nn, oh, j0, panel, w, b, out, tail);
    }
  }

  // Rows oh .. oh + RR − 1 in tiles of near-equal width (17 vectors: 4, 4, 3, 3, 3, not 4 × 4 + 1,
  // whose last tile would be a chain of 9 dependent multiply-adds per row), right to left, so that
  // the vectors a tile writes past a row's end are overwritten by the tiles after it.
  template <int RR>
  void row_block(int oh, const float* panel, const float* w, float b, float* out, float* tail) const {
    const int tiles = (nvec + NV - 1) / NV, base = nvec / tiles, wider = nvec % tiles;
    int end = nvec;
    for (int t = tiles - 1; t >= 0; t--) {
      const int nn = base + (t < wider ? 1 : 0);
      end -= nn;
      tile_of<RR>(nn, oh, end * VL, panel, w, b, out, tail);
    }
  }

  void run_task(int i, const float* x, const float* wpack, const float* bias, float* y, float* panel, int*) const {
    const int c = i % d.Cout;
    const int n = i / d.Cout;
    const float* src = x + (static_cast<size_t>(n) * d.Cin + c) * d.H * d.W;
    // Zero-padded plane: row r holds input row r − pH, column q input column q − pW. Copied and
    // zeroed in vectors: a compiler left to it (clang for wasm) copies a float at a time.
    const V zero = 0.0f - V{};
    const int lo = clamp_int(d.pW, 0, PW), hi = clamp_int(d.pW + d.W, lo, PW);
    for (int r = 0; r < PH; r++) {
      float* dst = panel + static_cast<size_t>(r) * PW;
      const int ih = r - d.pH;
      if (ih < 0 || ih >= d.H) {
        fill(dst, 0, PW, zero);
        continue;
      }
      const float* row = src + static_cast<size_t>(ih) * d.W - d.pW;
      fill(dst, 0, lo, zero);
      int q = lo;
      for (; q + VL <= hi; q += VL) store(dst + q, load(row + q));
      for (; q < hi; q++) dst[q] = row[q];
      fill(dst, q, PW, zero);
    }
    const float* w = wpack + static_cast<size_t>(c) * d.KH * d.KW;
    const float b = bias ? bias[c] : 0.0f;
    float* tail = panel + static_cast<size_t>(PH) * PW;
    float* out = y + (static_cast<size_t>(n) * d.Cout + c) * d.OH * d.OW;
    int oh = 0;
    for (; oh + R <= d.OH; oh += R) row_block<R>(oh, panel, w, b, out, tail);
    for (; oh < d.OH; oh++) row_block<1>(oh, panel, w, b, out, tail);
  }
};

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
