// The weight gradient of a (grouped, dilated, strided, padded) convolution, one source for every
// target, freestanding like conv-direct.h.
//
//   dw[o, c, t] = Σ_n Σ_p dy[n, o, p] · x[n, c, in(p, t)]
//
// where p runs over output positions and in(p, t) is the input position tap t of output p reads
// (stride, padding and dilation applied; zero outside the input). For one tap this is a matrix
// product dy · X_tᵀ whose reduction runs along the output positions, which are contiguous in dy.
// So a task takes a chunk of output positions (of the whole batch, in order: small images share a
// chunk, so the reduction runs long enough to pay for the lane sums), copies dy's rows for it into `dp`
// (zero-padded to whole vectors), and for each tap gathers the input values those positions read
// into `xp` — stride, padding and dilation are resolved in that gather, the same way the forward
// kernel builds its panel — then multiplies MO × NC blocks of rows with vector accumulators along
// the positions and adds the lane sums into a per-thread copy of dw. Memory: the two chunk buffers
// and one dw copy per thread; never an im2col buffer of k·C·positions.
//
// Why not the forward kernel with dy as the weights (what the float64 reference path does): its
// row panel is built for short kernels and long output rows; here the "kernel" is the whole output
// plane and the "output" is the few taps, which that tiling runs at a fraction of its speed.
#pragma once
#include <stddef.h>

#include "conv-desc.h"
#include "conv-direct.h"  // Vec, ATROUS_MADD, min_int, clamp_int, ceil_div

namespace atrous {
namespace ATROUS_ISA_NS {

// MO dy rows × NC x rows per block, U independent accumulators along the positions (so a 1 × 1
// block, as in depthwise, is not bound by the multiply-add latency).
template <int VL, int MO, int NC, int U>
struct WeightGrad {
  typedef typename Vec<VL>::type V;
  typedef unsigned long long Count;
  static constexpr int kStep = VL * U;  // positions per inner iteration; chunks are padded to it

  const ConvDesc& d;
  int cinG, coutG, K;
  int coutGp, cinGp;  // rows per group in dp and xp, rounded up to whole blocks
  long long plane;    // output positions per batch item
  long long total;    // output positions of the whole batch
  int kc;             // positions per chunk (a multiple of kStep)
  long long chunks;

  explicit WeightGrad(const ConvDesc& desc) : d(desc) {
    cinG = d.Cin / d.groups;
    coutG = d.Cout / d.groups;
    K = d.KD * d.KH * d.KW;
    coutGp = (coutG + MO - 1) / MO * MO;
    cinGp = (cinG + NC - 1) / NC * NC;
    plane = static_cast<long long>(d.OD) * d.OH * d.OW;
    total = plane * d.N;
    // dp and xp together about 192 KiB, so the rows a block re-reads stay in L2.
    const long long rows = static_cast<long long>(d.groups) * (coutGp + cinGp);
    long long c = (48 * 1024) / rows;
    c = c < kStep * 2 ? kStep * 2 : c > 4096 ? 4096 : c;
    const long long need = (total + kStep - 1) / kStep * kStep;
    if (c > need) c = need;
    kc = static_cast<int>(c / kStep * kStep);
    chunks = (total + kc - 1) / kc;
  }

  long long task_count() const { return chunks; }
  Count dw_floats() const { return static_cast<Count>(d.Cout) * cinG * K; }
  Count dp_floats() const { return static_cast<Count>(d.groups) * coutGp * kc; }
  // Per thread: dp, xp, then that thread's dw copy.
  Count scratch_floats() const { return dp_floats() + static_cast<Count>(d.groups) * cinGp * kc + dw_floats(); }

  // Adds task i's share into dwp ([Cout][cinG][K]); `scratch` holds dp and xp.
  void run_task(long long i, const float* x, const float* dy, float* dwp, float* scratch) const {
    const long long q0 = i * kc;  // first position of the chunk, counted over the whole batch
    const int len = static_cast<int>(total - q0 < kc ? total - q0 : kc);
    const int lenp = (len + kStep - 1) / kStep * kStep;
    float* dp = scratch;
    float* xp = scratch + dp_floats();
    for (int g = 0; g < d.groups; g++)
      for (int o = 0; o < coutGp; o++) {
        float* row = dp + (static_cast<size_t>(g) * coutGp + o) * kc;
        int j = 0;
        if (o < coutG) {
          while (j < len) {  // one batch item's run of positions at a time
            const long long q = q0 + j;
            const long long n = q / plane, p = q % plane;
            const int seg = static_cast<int>(plane - p < len - j ? plane - p : len - j);
            const float* src = dy + (static_cast<size_t>(n) * d.Cout + g * coutG + o) * plane + p;
            for (int k = 0; k < seg; k++) row[j + k] = src[k];
            j += seg;
          }
        }
        for (; j < lenp; j++) row[j] = 0.0f;
      }
    for (int kd = 0; kd < d.KD; kd++)
      for (int kh = 0; kh < d.KH; kh++)
        for (int kw = 0; kw < d.KW; kw++) {
          gather(q0, len, lenp, kd, kh, kw, x, xp);
          const int t = (kd * d.KH + kh) * d.KW + kw;
          for (int g = 0; g < d.groups; g++) multiply(g, t, lenp, dp, xp, dwp);
        }
  }

 private:
  // xp[g·cinGp + c][j] = x[n, g·cinG + c, in(p, tap)] for batch position q0 + j = n·plane + p, zero
  // outside the input and past len.
  void gather(long long q0, int len, int lenp, int kd, int kh, int kw, const float* x, float* xp) const {
    const long long hw = static_cast<long long>(d.OH) * d.OW;
    for (int g = 0; g < d.groups; g++)
      for (int c = 0; c < cinGp; c++) {
        float* row = xp + (static_cast<size_t>(g) * cinGp + c) * kc;
        if (c >= cinG) {
          for (int j = 0; j < lenp; j++) row[j] = 0.0f;
          continue;
        }
        int j = 0;
        // One output row (fixed n, od, oh) at a time: within it the input column is base + ow·sW.
        // The first row's coordinates come from q0, the next ones by counting (no divisions per row).
        long long n = q0 / plane;
        const long long p0 = q0 % plane;
        int od = static_cast<int>(p0 / hw), oh = static_cast<int>((p0 / d.OW) % d.OH), ow = static_cast<int>(p0 % d.OW);
        while (j < len) {
          const float* xc = x + (static_cast<size_t>(n) * d.Cin + g * cinG + c) * d.D * d.H * d.W;
          const int seg = min_int(len - j, d.OW - ow);
          const int id = od * d.sD - d.pD + kd * d.dD;
          const int ih = oh * d.sH - d.pH + kh * d.dH;
          float* dst = row + j;
          if (id < 0 || id >= d.D || ih < 0 || ih >= d.H) {
            for (int k = 0; k < seg; k++) dst[k] = 0.0f;
          } else {
            const int base = ow * d.sW - d.pW + kw * d.dW;  // input column of dst[0]
            // (Stride 1 without the divisions: this runs once per output row, channel and tap.)
            const int lo = clamp_int(d.sW == 1 ? -base : ceil_div(-base, d.sW), 0, seg);
            const int hi = clamp_int(d.sW == 1 ? d.W - base : ceil_div(d.W - base, d.sW), lo, seg);
            const float* src = xc + (static_cast<size_t>(id) * d.H + ih) * d.W + base;
            int k = 0;
            for (; k < lo; k++) dst[k] = 0.0f;
            if (d.sW == 1) {
              for (; k < hi; k++) dst[k] = src[k];
            } else {
              for (; k < hi; k++) dst[k] = src[static_cast<long long>(k) * d.sW];
            }
            for (; k < seg; k++) dst[k] = 0.0f;
          }
          j += seg;
          ow = 0;
          if (++oh == d.OH) {
            oh = 0;
            if (++od == d.OD) od = 0, n++;
          }
        }
        for (; j < lenp; j++) row[j] = 0.0f;
      }
  }

  void multiply(int g, int t, int lenp, const float* dp, const float* xp, float* dwp) const {
    for (int o0 = 0; o0 < coutG; o0 += MO)
      for (int c0 = 0; c0 < cinG; c0 += NC) {
        const float* a = dp + (static_cast<size_t>(g) * coutGp + o0) * kc;
        const float* b = xp + (static_cast<size_t>(g) * cinGp + c0) * kc;
        V acc[U][MO][NC];
        for (int u = 0; u < U; u++)
          for (int m = 0; m < MO; m++)
            for (int c = 0; c < NC; c++) acc[u][m][c] = V{};
        for (int j = 0; j < lenp; j += kStep)
          for (int u = 0; u < U; u++) {
            V bv[NC];
            for (int c = 0; c < NC; c++) bv[c] = *reinterpret_cast<const V*>(b + static_cast<size_t>(c) * kc + j + u * VL);
            for (int m = 0; m < MO; m++) {
              const V av = *reinterpret_cast<const V*>(a + static_cast<size_t>(m) * kc + j + u * VL);
              for (int c = 0; c < NC; c++) acc[u][m][c] = ATROUS_MADD(acc[u][m][c], av, bv[c]);
            }
          }
        for (int m = 0; m < MO && o0 + m < coutG; m++)
          for (int c = 0; c < NC && c0 + c < cinG; c++) {
            float s = 0.0f;
            for (int u = 0; u < U; u++)
              for (int l = 0; l < VL; l++) s += acc[u][m][c][l];
            dwp[((static_cast<size_t>(g) * coutG + o0 + m) * cinG + c0 + c) * K + t] += s;
          }
      }
  }
};

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
