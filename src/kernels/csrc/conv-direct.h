// Direct dilated convolution on one output row at a time, one source for every target.
//
// Built once per instruction set (native AVX-512 / AVX2 / baseline, and wasm SIMD128) with the
// vector length VL and the register tile MR x NR as template parameters. Freestanding on purpose
// (no allocation, no threads, no standard library): the native driver (conv-isa.cc) and the wasm
// exports (conv-wasm.cc) each own memory and threads their own way, and call run_task.
//
// Why a row panel and not im2col: for output row r = (od, oh) and an output column chunk, we copy
// the input rows that row reads — one per (input channel, valid (kd, kh) tap) — into a small
// zero-padded "panel", with each row split into the stride phases its taps read, so that a
// strided tap reads contiguous memory. Stride, padding and dilation are resolved there; the
// micro-kernel only multiplies:
//
//   panel[c][t][slot][j] = x[c, id_t, ih_t, (ow0 + j)·sW + phase(slot) − pW]   (0 outside the input)
//   y[co, r, ow0 + j] += w[co, c, t, kw] · panel[c][t][slot(kw)][j + (kw·dW) / sW]
//
// Tap kw reads phase (kw·dW) mod sW, which repeats every P = sW / gcd(dW, sW) taps, so only
// min(KW, P) phases are stored: slot(kw) = kw mod P, phase(slot) = slot·dW mod sW.
// The panel holds Cin/groups · KD·KH · min(KW, P) rows of one column chunk: O(tile), never
// O(k·C·H·W), and not O(stride) either.
// Rows whose tap falls entirely in the padding contribute zero and are skipped, not multiplied.
#pragma once
#include <stddef.h>

#include "conv-desc.h"

namespace atrous {
namespace ATROUS_ISA_NS {

// Unaligned vector of VL floats (GCC/clang vector extensions: one source for x86 and wasm).
template <int VL>
struct Vec {
  typedef float type __attribute__((vector_size(VL * 4), aligned(4)));
};

// acc + s·x. A build may define ATROUS_MADD to name a multiply-add instruction the compiler would
// not choose by itself from "acc + s * x" (wasm relaxed SIMD); native builds get FMA from
// -ffp-contract=fast.
#ifndef ATROUS_MADD
#define ATROUS_MADD(acc, s, x) ((acc) + (s) * (x))
#endif

inline int min_int(int a, int b) { return a < b ? a : b; }
inline int gcd_int(int a, int b) { return b == 0 ? a : gcd_int(b, a % b); }
inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
// Rounds toward +infinity for any sign of a (b > 0); C++ division truncates toward zero.
inline int ceil_div(int a, int b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

template <int VL, int MR, int NR>
struct DirectConv {
  typedef typename Vec<VL>::type V;
  static constexpr int kColBlock = VL * NR;  // output columns per micro-tile
  static constexpr int kChunk = 128;  // output columns per task, rounded to whole tiles (128 measured best for 1D)

  const ConvDesc& d;
  int cinG, coutG, blocks, K;
  int chunk, chunks;  // column chunk width and chunks per output row
  int panel_len;      // floats per phase row: the chunk in whole tiles, plus the reach of the taps
  int period;         // taps after which the stride phase a tap reads repeats: sW / gcd(dW, sW)
  int nphase;         // phase rows stored per input row: min(KW, period)

  explicit DirectConv(const ConvDesc& desc) : d(desc) {
    cinG = d.Cin / d.groups;
    coutG = d.Cout / d.groups;
    blocks = (coutG + MR - 1) / MR;
    K = d.KD * d.KH * d.KW;
    const int c = d.OW < kChunk ? d.OW : kChunk;
    chunk = ((c + kColBlock - 1) / kColBlock) * kColBlock;
    chunks = (d.OW + chunk - 1) / chunk;
    panel_len = chunk + d.dW * (d.KW - 1) / d.sW + 1;
    period = d.sW / gcd_int(d.dW, d.sW);
    nphase = min_int(d.KW, period);
  }

  // Tasks: batch item × group × output row × column chunk, numbered in output order.
  // 64-bit: callers refuse counts near INT_MAX before running (run_task takes an int).
  long long task_count() const { return static_cast<long long>(d.N) * d.groups * d.OD * d.OH * chunks; }
  // Scratch each concurrent caller of run_task needs: the panel, and KD·KH + KW ints. Sizes are
  // 64-bit even where size_t is 32 (wasm32), so a caller can check them before it allocates.
  typedef unsigned long long Count;
  Count panel_only() const { return static_cast<Count>(cinG) * d.KD * d.KH * nphase * panel_len; }
  // The panel, then the partial sums of every output channel of a group over one chunk.
  Count panel_floats() const { return panel_only() + static_cast<Count>(blocks) * MR * chunk; }
  Count scratch_ints() const { return static_cast<Count>(d.KD) * d.KH + d.KW; }
  Count packed_floats() const { return static_cast<Count>(d.groups) * blocks * cinG * K * MR; }

  // Weights repacked per group as [cout block][c][kd][kh][kw][MR], zero-padded to a whole block,
  // so the micro-kernel reads its MR broadcasts from one contiguous line.
  void pack_weights(const float* w, float* out) const {
    const size_t n = static_cast<size_t>(packed_floats());
    for (size_t i = 0; i < n; i++) out[i] = 0.0f;
    for (int g = 0; g < d.groups; g++)
      for (int b = 0; b < blocks; b++)
        for (int m = 0; m < MR && b * MR + m < coutG; m++) {
          const int co = g * coutG + b * MR + m;
          for (int c = 0; c < cinG; c++)
            for (int k = 0; k < K; k++)
              out[((static_cast<size_t>(g * blocks + b) * cinG + c) * K + k) * MR + m] =
                  w[(static_cast<size_t>(co) * cinG + c) * K + k];
        }
  }

  // Runs task `i`. `panel` holds panel_floats(), `ints` scratch_ints().
  void run_task(int i, const float* x, const float* wpack, const float* bias, float* y, float* panel, int* ints) const {
    const int ow0 = (i % chunks) * chunk;
    i /= chunks;
    const int oh = i % d.OH;
    i /= d.OH;
    const int od = i % d.OD;
    i /= d.OD;
    const int g = i % d.groups;
    const int n = i / d.groups;
    const int ow1 = min_int(d.OW, ow0 + chunk);

    int* taps = ints;
    int* kw_off = ints + d.KD * d.KH;
    const int ntaps = build_panel(n, g, od, oh, ow0, x, panel, taps);
    for (int kw = 0; kw < d.KW; kw++) kw_off[kw] = (kw % period) * panel_len + kw * d.dW / d.sW;

    const size_t plane = static_cast<size_t>(d.OD) * d.OH * d.OW;
    const size_t row_off = (static_cast<size_t>(od) * d.OH + oh) * d.OW;
    const float* wgroup = wpack + static_cast<size_t>(g) * blocks * cinG * K * MR;
    float* acc = panel + static_cast<size_t>(panel_only());  // [blocks·MR][chunk]
    const size_t acc_len = static_cast<size_t>(blocks) * MR * chunk;
    for (size_t j = 0; j < acc_len; j++) acc[j] = 0.0f;
    const int ncols = ow1 - ow0;
    if (ntaps > 0) {
      // Channel blocks whose panel rows fit in L1 (~24 KiB), so every output-channel block and
      // column tile re-reads them from L1 rather than from L2.
      const long long row_bytes = static_cast<long long>(ntaps) * nphase * panel_len * 4;
      const int kc = row_bytes >= 24 * 1024 ? 1 : static_cast<int>((24 * 1024) / row_bytes);
      for (int c0 = 0; c0 < cinG; c0 += kc) {
        const int c1 = min_int(cinG, c0 + kc);
        for (int b = 0; b < blocks; b++)
          for (int j0 = 0; j0 < ncols; j0 += kColBlock)  // the last tile may be narrower
            tile_cols(panel, taps, ntaps, kw_off, wgroup, b, j0, c0, c1, acc + static_cast<size_t>(b) * MR * chunk + j0, ncols);
      }
    }
    for (int co = 0; co < coutG; co++) {
      const float bv = bias ? bias[g * coutG + co] : 0.0f;
      const float* src = acc + static_cast<size_t>(co) * chunk;
      float* dst = y + (static_cast<size_t>(n) * d.Cout + g * coutG + co) * plane + row_off + ow0;
      for (int j = 0; j < ncols; j++) dst[j] = src[j] + bv;
    }
  }

 private:
  // Fills the panel; returns how many (kd, kh) taps land inside the input, listed in `taps`.
  int build_panel(int n, int g, int od, int oh, int ow0, const float* x, float* panel, int* taps) const {
    int ntaps = 0;
    for (int kd = 0; kd < d.KD; kd++) {
      const int id = od * d.sD - d.pD + kd * d.dD;
      if (id < 0 || id >= d.D) continue;
      for (int kh = 0; kh < d.KH; kh++) {
        const int ih = oh * d.sH - d.pH + kh * d.dH;
        if (ih >= 0 && ih < d.H) taps[ntaps++] = kd * d.KH + kh;
      }
    }
    for (int c = 0; c < cinG; c++) {
      const size_t plane_in = (static_cast<size_t>(n) * d.Cin + g * cinG + c) * d.D;
      for (int ti = 0; ti < ntaps; ti++) {
        const int id = od * d.sD - d.pD + (taps[ti] / d.KH) * d.dD;
        const int ih = oh * d.sH - d.pH + (taps[ti] % d.KH) * d.dH;
        const float* src = x + ((plane_in + id) * d.H + ih) * d.W;
        float* row = panel + (static_cast<size_t>(c) * ntaps + ti) * nphase * panel_len;
        for (int slot = 0; slot < nphase; slot++) {
          const int ph = static_cast<int>(static_cast<long long>(slot) * d.dW % d.sW);
          float* dst = row + static_cast<size_t>(slot) * panel_len;
          // dst[j] reads input column base + j·sW; only j in [lo, hi) lands inside the input, so
          // the copy splits into zeros, a branch-free strided copy, and zeros.
          const int base = ow0 * d.sW + ph - d.pW;
          const int lo = clamp_int(ceil_div(-base, d.sW), 0, panel_len);
          const int hi = clamp_int(ceil_div(d.W - base, d.sW), lo, panel_len);
          int j = 0;
          for (; j < lo; j++) dst[j] = 0.0f;
          const float* s = src + base;
          if (d.sW == 1) {
            for (; j < hi; j++) dst[j] = s[j];
          } else {
            for (; j < hi; j++) dst[j] = s[j * d.sW];
          }
          for (; j < panel_len; j++) dst[j] = 0.0f;
        }
      }
    }
    return ntaps;
  }

  // The row's last tile is only as wide as the columns left (in whole vectors): a 32-wide row
  // with 24-column tiles would otherwise compute 48 columns, half of them thrown away.
  void tile_cols(const float* panel, const int* taps, int ntaps, const int* kw_off, const float* wgroup, int b, int j0,
                 int c0, int c1, float* acc, int ncols) const {
    const int left = (ncols - j0 + VL - 1) / VL;
    switch (left < NR ? left : NR) {
      case 1: return tile<1>(panel, taps, ntaps, kw_off, wgroup, b, j0, c0, c1, acc);
      case 2: return tile<(2 < NR ? 2 : NR)>(panel, taps, ntaps, kw_off, wgroup, b, j0, c0, c1, acc);
      case 3: return tile<(3 < NR ? 3 : NR)>(panel, taps, ntaps, kw_off, wgroup, b, j0, c0, c1, acc);
      default: return tile<NR>(panel, taps, ntaps, kw_off, wgroup, b, j0, c0, c1, acc);
    }
  }

  // acc[m·chunk + j] += Σ over channels c0..c1, valid taps and kw of w · panel, for one cout block
  // and NV vectors of columns. (A variant with KW fixed at compile time measured slower here.)
  template <int NV>
  void tile(const float* panel, const int* taps, int ntaps, const int* kw_off, const float* wgroup, int b, int j0,
            int c0, int c1, float* acc) const {
    V sum[MR][NV];
    for (int m = 0; m < MR; m++)
      for (int v = 0; v < NV; v++) sum[m][v] = *reinterpret_cast<const V*>(acc + static_cast<size_t>(m) * chunk + v * VL);
    const size_t row_stride = static_cast<size_t>(nphase) * panel_len;
    const int KW = d.KW;
    for (int c = c0; c < c1; c++) {
      for (int ti = 0; ti < ntaps; ti++) {
        const float* row = panel + (static_cast<size_t>(c) * ntaps + ti) * row_stride + j0;
        const float* wt = wgroup + ((static_cast<size_t>(b) * cinG + c) * K + taps[ti] * KW) * MR;
        for (int kw = 0; kw < KW; kw++) {
          const float* src = row + kw_off[kw];
          V xv[NV];
          for (int v = 0; v < NV; v++) xv[v] = *reinterpret_cast<const V*>(src + v * VL);
          for (int m = 0; m < MR; m++) {
            // "s − 0" broadcasts without the stray add that "0 + s" keeps (x + 0 ≠ x for −0).
            const V s = wt[kw * MR + m] - V{};
            for (int v = 0; v < NV; v++) sum[m][v] = ATROUS_MADD(sum[m][v], s, xv[v]);
          }
        }
      }
    }
    for (int m = 0; m < MR; m++)
      for (int v = 0; v < NV; v++) *reinterpret_cast<V*>(acc + static_cast<size_t>(m) * chunk + v * VL) = sum[m][v];
  }
};

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
