// The weight gradient read in place, for convs with stride 1 along W and long output rows (1D
// sequence models above all: a TCN layer, a WaveNet layer). Freestanding like conv-direct.h.
//
//   dw[o, c, t] = Σ_n Σ_p dy[n, o, p] · x[n, c, in(p, t)]
//
// With stride 1 along W, the inputs tap t reads for one output row are a contiguous run of one
// input row, shifted by kw·dW − pW: both operands of the reduction are read where they lie, and
// padding only shortens the run. WeightGrad (conv-wgrad.h) copies dy and gathers x per tap into
// chunk buffers instead, which on a TCN layer (24 channels, kernel 8) cost a fifth of its time and
// made it re-read each chunk from L2 for every tap. Here a block of MO dy rows × NC x rows runs all
// its taps in turn over a task's positions, so its rows stay in L1 from one tap to the next.
//
// A task is a range of output rows (counted over the whole batch: (n, od, oh)) or, for rows longer
// than kPositions, a chunk of one row — about kPositions positions either way, so the lane sums
// of each (block, tap) pay for a long run of multiply-adds. Runs end in a tail of fewer than VL
// positions, read through zero-padded copies. Memory: the caller's per-thread dw copy only.
#pragma once
#include <stddef.h>

#include "conv-desc.h"
#include "conv-direct.h"  // Vec, ATROUS_MADD, min_int, DirectConv (its short-row choice)
#include "conv-wgrad.h"   // ATROUS_IN_REGISTER, WeightGrad (which takes the convs this does not)

namespace atrous {
namespace ATROUS_ISA_NS {

template <int VL, int MO, int NC>
struct WeightGradRows {
  typedef typename Vec<VL>::type V;
  typedef unsigned long long Count;
  static constexpr int kPositions = 1024;

  const ConvDesc& d;
  int cinG, coutG, K;
  long long rows;      // output rows of the batch: N·OD·OH
  int chunk, nchunks;  // positions per task along a row, chunks per row
  int per_task;        // rows per task (one when a row is split into chunks)

  // Stride 1 along W, and rows WeightGrad would not lay end to end (it does that for short rows,
  // where the taps along H then share one panel).
  static bool handles(const ConvDesc& d) {
    typedef WeightGrad<VL, MO, NC, 1> Copying;
    return d.sW == 1 && !wgrad_depthwise(d) && DirectConv<VL, 1, 1>(d, Copying::kPanelCols, true).rows == 1;
  }

  explicit WeightGradRows(const ConvDesc& desc) : d(desc) {
    cinG = d.Cin / d.groups;
    coutG = d.Cout / d.groups;
    K = d.KD * d.KH * d.KW;
    rows = static_cast<long long>(d.N) * d.OD * d.OH;
    nchunks = d.OW > kPositions ? (d.OW + kPositions - 1) / kPositions : 1;
    chunk = (d.OW + nchunks - 1) / nchunks;
    per_task = nchunks > 1 ? 1 : clamp_int(kPositions / (d.OW > 0 ? d.OW : 1), 1, 1 << 20);
  }

  long long task_count() const { return (rows + per_task - 1) / per_task * nchunks; }
  Count dw_floats() const { return static_cast<Count>(d.Cout) * cinG * K; }
  Count scratch_floats() const { return dw_floats(); }  // the dw copy only
  Count scratch_ints() const { return 0; }

  // Adds task i's share into dwp ([Cout][cinG][K]).
  void run_task(long long i, const float* x, const float* dy, float* dwp, float*, int*) const {
    const int p0 = static_cast<int>(i % nchunks) * chunk;
    const int p1 = min_int(d.OW, p0 + chunk);
    const long long r0 = i / nchunks * per_task;
    const long long r1 = r0 + per_task < rows ? r0 + per_task : rows;
    const Row first = {static_cast<int>(r0 / (static_cast<long long>(d.OH) * d.OD)), static_cast<int>(r0 / d.OH % d.OD),
                       static_cast<int>(r0 % d.OH)};
    for (int g = 0; g < d.groups; g++)
      for (int o0 = 0; o0 < coutG; o0 += MO)
        for (int c0 = 0; c0 < cinG; c0 += NC)
          for (int kd = 0; kd < d.KD; kd++)
            for (int kh = 0; kh < d.KH; kh++)
              for (int kw = 0; kw < d.KW; kw++) block(g, o0, c0, kd, kh, kw, first, static_cast<int>(r1 - r0), p0, p1, x, dy, dwp);
  }

 private:
  struct Row {
    int n, od, oh;
  };

  // dw[g, o0.., c0.., tap] += Σ over `nrows` rows from `first` and positions [p0, p1) of dy · x.
  void block(int g, int o0, int c0, int kd, int kh, int kw, Row first, int nrows, int p0, int p1, const float* x,
             const float* dy, float* dwp) const {
    const size_t oplane = static_cast<size_t>(d.OD) * d.OH * d.OW;
    const size_t iplane = static_cast<size_t>(d.D) * d.H * d.W;
    // Outputs p read input column p + shift, inside the input for p in [lo, hi).
    const int shift = kw * d.dW - d.pW;
    const int lo = p0 > -shift ? p0 : -shift;
    const int hi = p1 < d.W - shift ? p1 : d.W - shift;
    V acc[MO][NC];
    for (int m = 0; m < MO; m++)
      for (int c = 0; c < NC; c++) acc[m][c] = V{};
    Row r = first;
    for (int k = 0; k < nrows && lo < hi; k++, r = next(r)) {
      const int n = r.n, od = r.od, oh = r.oh;
      const int id = od * d.sD - d.pD + kd * d.dD, ih = oh * d.sH - d.pH + kh * d.dH;
      if (id < 0 || id >= d.D || ih < 0 || ih >= d.H) continue;
      // Rows past the group's last channel (a partial block) repeat its last row; their sums are dropped below.
      const float* a[MO];
      const float* b[NC];
      for (int m = 0; m < MO; m++) {
        const int o = g * coutG + min_int(o0 + m, coutG - 1);
        a[m] = dy + (static_cast<size_t>(n) * d.Cout + o) * oplane + (static_cast<size_t>(od) * d.OH + oh) * d.OW;
      }
      for (int c = 0; c < NC; c++) {
        const int ci = g * cinG + min_int(c0 + c, cinG - 1);
        b[c] = x + (static_cast<size_t>(n) * d.Cin + ci) * iplane + (static_cast<size_t>(id) * d.H + ih) * d.W + shift;
      }
      int j = lo;
      for (; j + VL <= hi; j += VL) step(acc, a, b, j);
      if (j < hi) {
        // The last few positions, through zero-padded copies: scalar sums kept beside the vector
        // ones would take registers from them for the whole run.
        float ta[MO][VL], tb[NC][VL];
        for (int l = 0; l < VL; l++) {
          for (int m = 0; m < MO; m++) ta[m][l] = j + l < hi ? a[m][j + l] : 0.0f;
          for (int c = 0; c < NC; c++) tb[c][l] = j + l < hi ? b[c][j + l] : 0.0f;
        }
        const float* pa[MO];
        const float* pb[NC];
        for (int m = 0; m < MO; m++) pa[m] = ta[m];
        for (int c = 0; c < NC; c++) pb[c] = tb[c];
        step(acc, pa, pb, 0);
      }
    }
    const int t = (kd * d.KH + kh) * d.KW + kw;
    for (int m = 0; m < MO && o0 + m < coutG; m++)
      for (int c = 0; c < NC && c0 + c < cinG; c++) {
        float s = 0.0f;
        for (int l = 0; l < VL; l++) s += acc[m][c][l];
        dwp[((static_cast<size_t>(g) * coutG + o0 + m) * cinG + c0 + c) * K + t] += s;
      }
  }

  Row next(Row r) const {
    if (++r.oh == d.OH) {
      r.oh = 0;
      if (++r.od == d.OD) r.od = 0, r.n++;
    }
    return r;
  }

  // acc[m][c] += a[m][j..j+VL) · b[c][j..j+VL).
  static void step(V (&acc)[MO][NC], const float* const (&a)[MO], const float* const (&b)[NC], int j) {
    V bv[NC];
    for (int c = 0; c < NC; c++) bv[c] = *reinterpret_cast<const V*>(b[c] + j);
    for (int m = 0; m < MO; m++) {
      V av = *reinterpret_cast<const V*>(a[m] + j);
      ATROUS_IN_REGISTER(av);
      for (int c = 0; c < NC; c++) acc[m][c] = ATROUS_MADD(acc[m][c], av, bv[c]);
    }
  }
};

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
