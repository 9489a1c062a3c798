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

template <int VL, int NV>
struct DepthwiseConv {
  typedef typename Vec<VL>::type V;
  static constexpr int kCols = VL * NV;  // output columns per tile

  const ConvDesc& d;
  int PH, PW;  // padded plane: rows read by any output row, columns in whole tiles plus the taps' reach

  // Whether this kernel handles `d` (else the general kernel does): depthwise with multiplier 1,
  // no depth axis, stride 1 along the columns, and a padded plane of at most 16 M floats.
  static bool handles(const ConvDesc& d) {
    if (!(d.groups == d.Cin && d.Cout == d.Cin && d.KD == 1 && d.D == 1 && d.OD == 1 && d.sW == 1)) return false;
    const long long ph = static_cast<long long>(d.OH - 1) * d.sH + static_cast<long long>(d.dH) * (d.KH - 1) + 1;
    const long long pw = static_cast<long long>((d.OW + kCols - 1) / kCols) * kCols + static_cast<long long>(d.dW) * (d.KW - 1);
    return ph * pw <= (16ll << 20);
  }

  explicit DepthwiseConv(const ConvDesc& desc) : d(desc) {
    PH = (d.OH - 1) * d.sH + d.dH * (d.KH - 1) + 1;
    PW = ((d.OW + kCols - 1) / kCols) * kCols + d.dW * (d.KW - 1);
  }

  typedef unsigned long long Count;
  long long task_count() const { return static_cast<long long>(d.N) * d.Cout; }
  Count panel_floats() const { return static_cast<Count>(PH) * PW + kCols; }
  Count scratch_ints() const { return 1; }
  Count packed_floats() const { return static_cast<Count>(d.Cout) * d.KH * d.KW; }
  // The weights are already [C, 1, KH, KW]: "packing" is a copy.
  void pack_weights(const float* w, float* out) const {
    const size_t n = static_cast<size_t>(packed_floats());
    for (size_t i = 0; i < n; i++) out[i] = w[i];
  }

  void run_task(int i, const float* x, const float* wpack, const float* bias, float* y, float* panel, int*) const {
    const int c = i % d.Cout;
    const int n = i / d.Cout;
    const float* src = x + (static_cast<size_t>(n) * d.Cin + c) * d.H * d.W;
    // Zero-padded plane: row r holds input row r − pH, column q input column q − pW.
    for (int r = 0; r < PH; r++) {
      float* dst = panel + static_cast<size_t>(r) * PW;
      const int ih = r - d.pH;
      const int lo = clamp_int(d.pW, 0, PW), hi = clamp_int(d.pW + d.W, lo, PW);
      int q = 0;
      if (ih < 0 || ih >= d.H) {
        for (; q < PW; q++) dst[q] = 0.0f;
        continue;
      }
      const float* row = src + static_cast<size_t>(ih) * d.W;
      for (; q < lo; q++) dst[q] = 0.0f;
      for (; q < hi; q++) dst[q] = row[q - d.pW];
      for (; q < PW; q++) dst[q] = 0.0f;
    }
    const float* w = wpack + static_cast<size_t>(c) * d.KH * d.KW;
    const float b = bias ? bias[c] : 0.0f;
    float* tail = panel + static_cast<size_t>(PH) * PW;
    float* out = y + (static_cast<size_t>(n) * d.Cout + c) * d.OH * d.OW;
    for (int oh = 0; oh < d.OH; oh++) {
      for (int j0 = 0; j0 < d.OW; j0 += kCols) {
        V acc[NV];
        for (int v = 0; v < NV; v++) acc[v] = b - V{};
        for (int kh = 0; kh < d.KH; kh++) {
          const float* row = panel + static_cast<size_t>(oh * d.sH + kh * d.dH) * PW + j0;
          for (int kw = 0; kw < d.KW; kw++) {
            const V s = w[kh * d.KW + kw] - V{};
            const float* p = row + kw * d.dW;
            for (int v = 0; v < NV; v++) acc[v] = ATROUS_MADD(acc[v], s, *reinterpret_cast<const V*>(p + v * VL));
          }
        }
        float* dst = out + static_cast<size_t>(oh) * d.OW + j0;
        if (d.relu)
          for (int v = 0; v < NV; v++) acc[v] = relu_vector(acc[v]);
        if (j0 + kCols <= d.OW) {
          for (int v = 0; v < NV; v++) *reinterpret_cast<V*>(dst + v * VL) = acc[v];
        } else {
          for (int v = 0; v < NV; v++) *reinterpret_cast<V*>(tail + v * VL) = acc[v];
          for (int j = 0; j < d.OW - j0; j++) dst[j] = tail[j];
        }
      }
    }
  }
};

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
