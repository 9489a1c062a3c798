// The weight gradient for convs with stride 1 along W and long output rows (1D sequence models
// above all: a TCN layer, a WaveNet layer). Freestanding like conv-direct.h.
//
//   dw[o, c, t] = Σ_n Σ_p dy[n, o, p] · x[n, c, in(p, t)]
//
// With stride 1 along W, the inputs tap t reads for one output row are a contiguous run of one
// input row, shifted by kw·dW − pW: x is read where it lies, and padding only shortens the run.
// The product is formed as the forward kernel's register tile does it — outer products, not dot
// products: per output position p, NR vectors of dy across output channels (dy transposed once
// per task into `dyt`, [position][channel]) times MR broadcast inputs x[c, in(p, t)], into MR × NR
// vector accumulators that stay in registers over all of a task's positions. No lane sums per
// (block, tap), no vector tails: positions are walked one at a time. WeightGrad (conv-wgrad.h)
// instead copies dy and gathers x per tap into chunk buffers and reduces along the positions,
// which on a TCN layer (24 channels, kernel 8) ran at a third of the multiply-add peak.
//
// A task is a range of output rows (counted over the whole batch: (n, od, oh)) or, for rows longer
// than its budget, a chunk of one row: kDyFloats floats of transposed dy, so it stays in L2 while
// every (input channel block, tap) streams it. Memory per thread: that buffer and the dw copy.
#pragma once
#include <stddef.h>

#include "conv-desc.h"
#include "conv-direct.h"  // Vec, ATROUS_MADD, min_int, round_up, DirectConv (its short-row choice)
#include "conv-wgrad.h"   // WeightGrad (which takes the convs this does not), wgrad_depthwise

namespace atrous {
namespace ATROUS_ISA_NS {

template <int VL, int MR, int NR>
struct WeightGradRows {
  typedef typename Vec<VL>::type V;
  typedef unsigned long long Count;
  static constexpr int kDyFloats = 32768;  // 128 KiB of transposed dy per task

  const ConvDesc& d;
  int cinG, coutG, coutGp, K;  // coutGp: output channels rounded up to whole vectors
  long long rows;              // output rows of the batch: N·OD·OH
  int chunk, nchunks;          // positions per task along a row, chunks per row
  int per_task;                // rows per task (one when a row is split into chunks)

  // Stride 1 along W, and rows WeightGrad would not lay end to end (it does that for short rows,
  // where the taps along H then share one panel).
  static bool handles(const ConvDesc& d) {
    typedef WeightGrad<VL, 1, 1, 1> Copying;
    return d.sW == 1 && !wgrad_depthwise(d) && DirectConv<VL, 1, 1>(d, Copying::kPanelCols, true).rows == 1;
  }

  explicit WeightGradRows(const ConvDesc& desc) : d(desc) {
    cinG = d.Cin / d.groups;
    coutG = d.Cout / d.groups;
    coutGp = round_up(coutG, VL);
    K = d.KD * d.KH * d.KW;
    rows = static_cast<long long>(d.N) * d.OD * d.OH;
    const int positions = kDyFloats / coutGp > VL ? kDyFloats / coutGp : VL;
    nchunks = d.OW > positions ? (d.OW + positions - 1) / positions : 1;
    chunk = (d.OW + nchunks - 1) / nchunks;
    per_task = nchunks > 1 ? 1 : clamp_int(positions / (d.OW > 0 ? d.OW : 1), 1, 1 << 20);
  }

  long long task_count() const { return (rows + per_task - 1) / per_task * nchunks; }
  Count dw_floats() const { return static_cast<Count>(d.Cout) * cinG * K; }
  Count dyt_floats() const { return static_cast<Count>(per_task) * chunk * coutGp; }
  Count scratch_floats() const { return dyt_floats() + dw_floats(); }  // dyt, then the dw copy
  Count scratch_ints() const { return 0; }

  // Adds task i's share into dwp ([Cout][cinG][K]); `scratch` holds dyt.
  void run_task(long long i, const float* x, const float* dy, float* dwp, float* scratch, int*) const {
    const int p0 = static_cast<int>(i % nchunks) * chunk;
    const int len = min_int(d.OW, p0 + chunk) - p0;
    const long long r0 = i / nchunks * per_task;
    const int nrows = static_cast<int>((r0 + per_task < rows ? r0 + per_task : rows) - r0);
    const Row first = {static_cast<int>(r0 / (static_cast<long long>(d.OH) * d.OD)), static_cast<int>(r0 / d.OH % d.OD),
                       static_cast<int>(r0 % d.OH)};
    float* dyt = scratch;
    for (int g = 0; g < d.groups; g++) {
      transpose_dy(g, first, nrows, p0, len, dy, dyt);
      for (int c0 = 0; c0 < cinG; c0 += MR)
        for (int o0 = 0; o0 < coutGp; o0 += NR * VL) {
          const int nv = min_int(NR, (coutGp - o0) / VL);
          for (int kd = 0; kd < d.KD; kd++)
            for (int kh = 0; kh < d.KH; kh++)
              for (int kw = 0; kw < d.KW; kw++) {
                const Tap tap = {g, c0, o0, kd, kh, kw};
                switch (nv) {  // NR is at most 4
                  case 1: block<1>(tap, first, nrows, p0, len, x, dyt, dwp); break;
                  case 2: block<(NR < 2 ? NR : 2)>(tap, first, nrows, p0, len, x, dyt, dwp); break;
                  case 3: block<(NR < 3 ? NR : 3)>(tap, first, nrows, p0, len, x, dyt, dwp); break;
                  default: block<(NR < 4 ? NR : 4)>(tap, first, nrows, p0, len, x, dyt, dwp); break;
                }
              }
        }
    }
  }

 private:
  static_assert(NR <= 4, "run_task dispatches up to 4 vectors");
  struct Row {
    int n, od, oh;
  };
  struct Tap {
    int g, c0, o0, kd, kh, kw;
  };

  Row next(Row r) const {
    if (++r.oh == d.OH) {
      r.oh = 0;
      if (++r.od == d.OD) r.od = 0, r.n++;
    }
    return r;
  }

  // dyt[k][p][o] = dy[n, g·coutG + o, od, oh, p0 + p] for the task's k-th row, zero for o ≥ coutG
  // (those lanes are computed and dropped; zeros keep stray denormals out of the multiply-adds).
  void transpose_dy(int g, Row r, int nrows, int p0, int len, const float* dy, float* dyt) const {
    const size_t oplane = static_cast<size_t>(d.OD) * d.OH * d.OW;
    for (int k = 0; k < nrows; k++, r = next(r)) {
      float* dst = dyt + static_cast<size_t>(k) * len * coutGp;
      const float* src = dy + (static_cast<size_t>(r.n) * d.Cout + g * coutG) * oplane + (static_cast<size_t>(r.od) * d.OH + r.oh) * d.OW + p0;
      // Blocks of 8 positions: each channel's 8 values are read together (one line), and the
      // block's rows of dyt are written whole (column by column, the stores hit new lines).
      for (int q = 0; q < len; q += 8) {
        const int qn = min_int(8, len - q);
        for (int o = 0; o < coutG; o++) {
          const float* s = src + static_cast<size_t>(o) * oplane + q;
          for (int p = 0; p < qn; p++) dst[static_cast<size_t>(q + p) * coutGp + o] = s[p];
        }
        for (int p = 0; p < qn; p++)
          for (int o = coutG; o < coutGp; o++) dst[static_cast<size_t>(q + p) * coutGp + o] = 0.0f;
      }
    }
  }

  // dw[g, o0.., c0.., tap] += Σ over the task's rows and positions of dy · x, NV vectors of
  // output channels by MR input channels.
  template <int NV>
  ATROUS_ALIGN_LOOPS void block(const Tap& tp, Row r, int nrows, int p0, int len, const float* x, const float* dyt,
                                float* dwp) const {
    const size_t iplane = static_cast<size_t>(d.D) * d.H * d.W;
    // Output p0 + p reads input column p0 + p + shift, inside the input for p in [lo, hi).
    const int shift = tp.kw * d.dW - d.pW;
    const int lo = -shift - p0 > 0 ? -shift - p0 : 0;
    const int hi = d.W - shift - p0 < len ? d.W - shift - p0 : len;
    V acc[MR][NV];
    for (int m = 0; m < MR; m++)
      for (int v = 0; v < NV; v++) acc[m][v] = V{};
    for (int k = 0; k < nrows && lo < hi; k++, r = next(r)) {
      const int id = r.od * d.sD - d.pD + tp.kd * d.dD, ih = r.oh * d.sH - d.pH + tp.kh * d.dH;
      if (id < 0 || id >= d.D || ih < 0 || ih >= d.H) continue;
      // Channels past the group's last (a partial block) repeat its last one; their sums are dropped.
      const float* b[MR];
      for (int m = 0; m < MR; m++) {
        const int c = tp.g * cinG + min_int(tp.c0 + m, cinG - 1);
        b[m] = x + (static_cast<size_t>(r.n) * d.Cin + c) * iplane + (static_cast<size_t>(id) * d.H + ih) * d.W + p0 + shift;
      }
      const float* a = dyt + static_cast<size_t>(k) * len * coutGp + tp.o0;
      for (int p = lo; p < hi; p++) {
        const float* ap = a + static_cast<size_t>(p) * coutGp;
        V dv[NV];
        for (int v = 0; v < NV; v++) dv[v] = *reinterpret_cast<const V*>(ap + v * VL);
        for (int m = 0; m < MR; m++) {
          const V s = b[m][p] - V{};  // a broadcast without a stray add (see DirectConv::tile)
          for (int v = 0; v < NV; v++) acc[m][v] = ATROUS_MADD(acc[m][v], s, dv[v]);
        }
      }
    }
    const int t = (tp.kd * d.KH + tp.kh) * d.KW + tp.kw;
    for (int m = 0; m < MR && tp.c0 + m < cinG; m++)
      for (int v = 0; v < NV; v++)
        for (int l = 0; l < VL; l++) {
          const int o = tp.o0 + v * VL + l;
          if (o < coutG) dwp[((static_cast<size_t>(tp.g) * coutG + o) * cinG + tp.c0 + m) * K + t] += acc[m][v][l];
        }
  }
};

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
