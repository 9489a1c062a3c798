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
// Small images (several short output rows per task, as the forward kernel decides for its own
// tasks) gather differently: per tap, the gather above would copy short rows with a fixed cost
// each, KD·KH·KW times over. Instead a task builds the forward kernel's panel for a row block of a
// few batch items (DirectConv::panel_for: rows end to end with the taps' reach between them, each
// H stride phase once), lays dy's rows out the same way with zeros in the gaps, and multiplies
// each tap at its offset into that panel: the positions between rows then add 0 · x.
//
// Why not the forward kernel with dy as the weights (what the float64 reference path does): its
// row panel is built for short kernels and long output rows; here the "kernel" is the whole output
// plane and the "output" is the few taps, which that tiling runs at a fraction of its speed.
#pragma once
#include <stddef.h>

#include "conv-desc.h"
#include "conv-direct.h"  // DirectConv's panels; Vec, ATROUS_MADD, ATROUS_IN_REGISTER, min_int, clamp_int, ceil_div

namespace atrous {
namespace ATROUS_ISA_NS {

// MO dy rows × NC x rows per block, U independent accumulators along the positions (so a 1 × 1
// block, as in depthwise, is not bound by the multiply-add latency).
template <int VL, int MO, int NC, int U>
struct WeightGrad {
  typedef typename Vec<VL>::type V;
  typedef unsigned long long Count;
  static constexpr int kStep = VL * U;  // positions per inner iteration; chunks are padded to it

  // Short rows: panels of about this many positions per batch item, and tasks of about
  // kPositions positions (several batch items), so each block's lane sums pay for a long run.
  static constexpr int kPanelCols = 512, kPositions = 1024;
  typedef DirectConv<VL, 1, 1> Rows;

  const ConvDesc& d;
  int cinG, coutG, K;
  int coutGp, cinGp;  // rows per group in dp and xp, rounded up to whole blocks
  long long plane;    // output positions per batch item
  long long total;    // output positions of the whole batch
  int kc;             // positions per chunk (a multiple of kStep)
  long long chunks;
  Rows panels;        // short rows: the forward kernel's panel geometry (panels.rows > 1), else unused
  int pieces;         // short rows: batch items per task
  long long pstride;  // short rows: floats of one batch item's panel, for cinGp channels

  explicit WeightGrad(const ConvDesc& desc) : d(desc), panels(desc, kPanelCols, true) {
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
    if (c > need) c = need > kStep ? need : kStep;  // (an empty batch still gets a valid chunk)
    kc = static_cast<int>(c / kStep * kStep);
    chunks = (total + kc - 1) / kc;
    const int per_item = panels.rows * panels.seg;
    pieces = clamp_int(kPositions / per_item, 1, d.N > 1 ? d.N : 1);
    pstride = static_cast<long long>(cinGp) * panels.max_blocks() * panels.nphW * panels.area;
  }

  bool short_rows() const { return panels.rows > 1; }
  // Short rows: group × od × row block × run of `pieces` batch items; else chunks of positions.
  long long task_count() const {
    return short_rows() ? static_cast<long long>(d.groups) * d.OD * panels.rblocks * ((d.N + pieces - 1) / pieces) : chunks;
  }
  Count dw_floats() const { return static_cast<Count>(d.Cout) * cinG * K; }
  Count dp_floats() const {
    return short_rows() ? static_cast<Count>(pieces) * coutGp * panels.chunk : static_cast<Count>(d.groups) * coutGp * kc;
  }
  Count xp_floats() const { return short_rows() ? static_cast<Count>(pieces) * pstride : static_cast<Count>(d.groups) * cinGp * kc; }
  // Per thread: dp, xp (or the panels), then that thread's dw copy; and the panels' tap lists.
  Count scratch_floats() const { return dp_floats() + xp_floats() + dw_floats(); }
  Count scratch_ints() const { return short_rows() ? panels.panel_ints() : 0; }

  // Adds task i's share into dwp ([Cout][cinG][K]); `scratch` holds dp and xp, `ints` scratch_ints().
  void run_task(long long i, const float* x, const float* dy, float* dwp, float* scratch, int* ints) const {
    if (short_rows()) return run_rows(i, x, dy, dwp, scratch, ints);
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
  void run_rows(long long i, const float* x, const float* dy, float* dwp, float* scratch, int* ints) const {
    const int nruns = (d.N + pieces - 1) / pieces;
    const int n0 = static_cast<int>(i % nruns) * pieces;
    i /= nruns;
    const int rb = static_cast<int>(i % panels.rblocks);
    i /= panels.rblocks;
    const int od = static_cast<int>(i % d.OD);
    const int g = static_cast<int>(i / d.OD);
    const int np = min_int(pieces, d.N - n0);
    const int oh0 = rb * panels.rows, nrows = min_int(panels.rows, d.OH - oh0);
    const int seg = panels.seg, jlen = panels.chunk;
    float* dp = scratch;                    // [piece][coutGp][jlen]: dy rows at the panel's positions
    float* xp = scratch + dp_floats();      // [piece][pstride]: panels
    int* taps = ints;                       // (tap index, offset), then (first, last + 1 row) per tap
    int* tap_rows = ints + 2 * d.KD * d.KH;
    int ntaps = 0, nblk = 0;
    for (int p = 0; p < np; p++) {
      // The same row block of every item has the same taps and layout: the last call's lists serve all.
      float* panel = xp + p * pstride;
      ntaps = panels.panel_for(n0 + p, g, od, rb, x, panel, taps, tap_rows, &nblk);
      const size_t cstride = panels.channel_stride(nblk);
      for (size_t j = cinG * cstride; j < cinGp * cstride; j++) panel[j] = 0.0f;  // the block's padding channels
      for (int o = 0; o < coutGp; o++) {
        float* row = dp + (static_cast<size_t>(p) * coutGp + o) * jlen;
        int j = 0;
        if (o < coutG) {
          const float* src = dy + ((static_cast<size_t>(n0 + p) * d.Cout + g * coutG + o) * d.OD + od) * d.OH * d.OW +
                             static_cast<size_t>(oh0) * d.OW;
          for (int r = 0; r < nrows; r++, src += d.OW) {
            for (int q = 0; q < d.OW; q++) row[j + q] = src[q];
            for (int q = d.OW; q < seg; q++) row[j + q] = 0.0f;
            j += seg;
          }
        }
        for (; j < jlen; j++) row[j] = 0.0f;
      }
    }
    const size_t cstride = panels.channel_stride(nblk);
    for (int ti = 0; ti < ntaps; ti++) {
      // Positions of the rows this tap reads inside the input, in whole vectors: the positions
      // added at either end are gaps (dy 0) or rows where the tap's panel row is 0.
      const int jlo = tap_rows[2 * ti] * seg / VL * VL;
      const int jhi = round_up((tap_rows[2 * ti + 1] - 1) * seg + d.OW, VL);
      for (int kw = 0; kw < d.KW; kw++)
        multiply_rows(g, taps[2 * ti] * d.KW + kw, taps[2 * ti + 1] + panels.kw_offset(kw), jlo, jhi, np, cstride, dp, xp, dwp);
    }
  }

  // dw[g, o, c, t] += Σ over pieces and positions [jlo, jhi) of dp · panel at offset koff.
  void multiply_rows(int g, int t, int koff, int jlo, int jhi, int np, size_t cstride, const float* dp, const float* xp,
                     float* dwp) const {
    const int jlen = panels.chunk;
    for (int o0 = 0; o0 < coutG; o0 += MO)
      for (int c0 = 0; c0 < cinG; c0 += NC) {
        V acc[U][MO][NC];
        for (int u = 0; u < U; u++)
          for (int m = 0; m < MO; m++)
            for (int c = 0; c < NC; c++) acc[u][m][c] = V{};
        for (int p = 0; p < np; p++) {
          const float* a = dp + (static_cast<size_t>(p) * coutGp + o0) * jlen;
          const float* b = xp + p * pstride + c0 * cstride + koff;
          int j = jlo;
          for (; j + kStep <= jhi; j += kStep)
            for (int u = 0; u < U; u++) step(acc[u], a, b, cstride, j + u * VL);
          for (; j < jhi; j += VL) step(acc[0], a, b, cstride, j);
        }
        add_sums(acc, g, o0, c0, t, dwp);
      }
  }

  // acc[m][c] += a[m][j..j+VL) · b[c][j..j+VL), one vector of positions.
  void step(V (&acc)[MO][NC], const float* a, const float* b, size_t bstride, int j) const {
    V bv[NC];
    for (int c = 0; c < NC; c++) bv[c] = *reinterpret_cast<const V*>(b + c * bstride + j);
    for (int m = 0; m < MO; m++) {
      V av = *reinterpret_cast<const V*>(a + static_cast<size_t>(m) * panels.chunk + j);
      ATROUS_IN_REGISTER(av);
      for (int c = 0; c < NC; c++) acc[m][c] = ATROUS_MADD(acc[m][c], av, bv[c]);
    }
  }

  // Adds the lane sums of a block's accumulators into dwp.
  void add_sums(V (&acc)[U][MO][NC], int g, int o0, int c0, int t, float* dwp) const {
    for (int m = 0; m < MO && o0 + m < coutG; m++)
      for (int c = 0; c < NC && c0 + c < cinG; c++) {
        float s = 0.0f;
        for (int u = 0; u < U; u++)
          for (int l = 0; l < VL; l++) s += acc[u][m][c][l];
        dwp[((static_cast<size_t>(g) * coutG + o0 + m) * cinG + c0 + c) * K + t] += s;
      }
  }

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
              V av = *reinterpret_cast<const V*>(a + static_cast<size_t>(m) * kc + j + u * VL);
              ATROUS_IN_REGISTER(av);
              for (int c = 0; c < NC; c++) acc[u][m][c] = ATROUS_MADD(acc[u][m][c], av, bv[c]);
            }
          }
        add_sums(acc, g, o0, c0, t, dwp);
      }
  }
};

// Every group has one input and one output channel (depthwise): the one-row block applies.
inline bool wgrad_depthwise(const ConvDesc& d) { return d.Cin == d.groups && d.Cout == d.groups; }

// Tasks first, first + step, ... of k summed into the dw copy that ends `scratch` (zeroed first):
// one thread's share (native) or one part (wasm); the caller adds the copies in a fixed order.
template <typename K>
void wgrad_tasks(const K& k, const float* x, const float* dy, float* scratch, int* ints, long long first, long long step) {
  float* dwp = scratch + (k.scratch_floats() - k.dw_floats());
  for (unsigned long long i = 0; i < k.dw_floats(); i++) dwp[i] = 0.0f;
  for (long long i = first; i < k.task_count(); i += step) k.run_task(i, x, dy, dwp, scratch, ints);
}

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
