// Direct dilated convolution on row panels, one source for every target.
//
// Built once per instruction set (native AVX-512 / AVX2 / baseline, and wasm SIMD128) with the
// vector length VL and the register tile MR x NR as template parameters. Freestanding on purpose
// (no allocation, no threads, no standard library): the native driver (conv-isa.cc) and the wasm
// exports (conv-wasm.cc) each own memory and threads their own way, and call run_task.
//
// Why a row panel and not im2col: for an output row r = (od, oh) and an output column chunk, we
// copy the input rows that row reads — one per (input channel, valid (kd, kh) tap) — into a small
// zero-padded "panel", with each row split into the stride phases its taps read, so that a
// strided tap reads contiguous memory. Stride, padding and dilation are resolved there; the
// micro-kernel only multiplies:
//
//   panel[c][t][slot][j] = x[c, id_t, ih_t, (ow0 + j)·sW + phase(slot) − pW]   (0 outside the input)
//   y[co, r, ow0 + j] += w[co, c, t, kw] · panel[c][t][slot(kw)][j + (kw·dW) / sW]
//
// Tap kw reads phase (kw·dW) mod sW, which repeats every P = sW / gcd(dW, sW) taps, so only
// min(KW, P) phases are stored: slot(kw) = kw mod P, phase(slot) = slot·dW mod sW.
//
// Short rows (small images): one row would fill a fraction of a tile and pay the per-task costs
// for a few multiplies, so a task then takes `rows` consecutive output rows of one (n, od) and
// lays them end to end, each followed by the reach of the taps along W ("seg" columns per row):
// output column q = r·seg + ow, and the columns ow ≥ OW between rows are computed and dropped.
// When rows share input rows (the tap reach along H is short next to `rows`), the panel holds
// each H stride phase once as a little padded image, rows + reachH rows of seg columns, and tap
// kh reads it shifted by (kh·dH / sH) rows — the same phase trick as along W:
//
//   panel[c][kd, hslot][wslot][i·seg + j] = x[c, id, (oh0 + i)·sH + phaseH(hslot) − pH, j·sW + phaseW(wslot) − pW]
//   y[co, oh0 + r, ow] += w[co, c, kd, kh, kw] · panel[c][kd, kh mod PH][kw mod PW][(r + kh·dH/sH)·seg + ow + kw·dW/sW]
//
// else it holds one block of `rows` rows per tap. Either way the panel is O(tile): never
// O(k·C·H·W), and not O(stride) either. Taps that fall entirely in the padding are skipped.
// The output goes where an OutLayout says (by default y's own dense layout), so the transposed
// conv (conv-transpose.h) can write each stride phase of its output in place.
#pragma once
#include <stddef.h>

#include "conv-desc.h"
#include "pointwise.h"

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

// GCC folds a load into each multiply-add that uses it, so a value shared by several of them is
// loaded once for each, and a block becomes bound by loads, not multiply-adds; an empty asm that
// claims to change the value keeps it in a register. (x86 only: other targets do without.)
#if defined(__x86_64__) || defined(__i386__)
#define ATROUS_IN_REGISTER(v) __asm__("" : "+x"(v))
#else
#define ATROUS_IN_REGISTER(v) (void)0
#endif

// The micro-kernel's loops start on a 64-byte boundary: its innermost loop is about 128 bytes of
// code, which x86 cores fetch in 2 aligned windows or 3, and the third cost up to a fifth of its
// speed depending only on where the linker happened to put it. (GCC only; clang and wasm ignore it.)
#if defined(__GNUC__) && !defined(__clang__)
#define ATROUS_ALIGN_LOOPS __attribute__((optimize("align-loops=64")))
#else
#define ATROUS_ALIGN_LOOPS
#endif

inline int min_int(int a, int b) { return a < b ? a : b; }
inline int max_int(int a, int b) { return a > b ? a : b; }
inline int gcd_int(int a, int b) { return b == 0 ? a : gcd_int(b, a % b); }
inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
// Rounds toward +infinity for any sign of a (b > 0); C++ division truncates toward zero.
inline int ceil_div(int a, int b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
inline int round_up(int a, int b) { return (a + b - 1) / b * b; }

// ReLU by PyTorch's rules (relu_value, pointwise.h: max(v, 0), NaN passes through, −0 becomes +0)
// on a vector, applied where a fused conv stores its output: the comparisons give all-ones lanes
// where v is kept (v > 0 or NaN), and the other lanes' bits become 0, which is +0.
template <class V>
inline V relu_vector(V v) {
  typedef decltype(v > v) M;  // the lane mask type of V (a signed integer vector)
  return (V)((M)v & ((v > V{}) | (v != v)));
}

// Where output (n, co, od, oh, ow) goes: off + n·n_ + co·c + od·d_ + oh·h + ow·w (in floats).
struct OutLayout {
  long long n, c, d, h, w, off;
};

template <int VL, int MR, int NR>
struct DirectConv {
  typedef typename Vec<VL>::type V;
  static constexpr int kColBlock = VL * NR;  // output columns per micro-tile
  static_assert(NR <= 8, "tile_cols dispatches up to 8 vectors");
  static constexpr int kChunk = 128;  // output columns per task, rounded to whole tiles (128 measured best for 1D)
  static constexpr int kRowCols = 256;  // short rows: panel columns per task to aim for
  int row_target;     // kRowCols, or what the weight gradient asks for

  const ConvDesc& d;
  OutLayout out;
  int cinG, coutG, blocks, K;
  int rows;           // output rows per task: 1, or more when rows are short
  int rblocks;        // tasks along OH: ceil(OH / rows)
  int seg;            // panel columns per row: the chunk (or the whole row) plus the taps' reach along W
  int chunk, chunks;  // accumulator columns per task (whole vectors) and column chunks per output row
  int periodW, nphW;  // stride phases along W: taps after which the phase repeats, phases stored
  int periodH, nphH;  // the same along H (used when flat)
  int reachH;         // (KH − 1)·dH / sH: rows below a task's rows that its taps read (flat)
  bool flat;          // one block per (kd, H phase) shared by the taps, else one block per tap
  int area;           // floats per (block, W phase): its rows of seg columns, then zero slack

  // `target` and `gaps_only` are for the weight gradient (conv-wgrad.h), whose alternative to
  // several rows per task costs differently: there, several rows pay unless the gaps between them
  // take more than a quarter of the positions (measured on AVX2, 7x7 to 128x128, dilation 1 to 12).
  explicit DirectConv(const ConvDesc& desc, int target = kRowCols, bool gaps_only = false) : row_target(target), d(desc) {
    cinG = d.Cin / d.groups;
    coutG = d.Cout / d.groups;
    blocks = (coutG + MR - 1) / MR;
    K = d.KD * d.KH * d.KW;
    const long long plane = static_cast<long long>(d.OD) * d.OH * d.OW;
    out = {d.Cout * plane, plane, static_cast<long long>(d.OH) * d.OW, d.OW, 1, 0};
    periodW = d.sW / gcd_int(d.dW, d.sW);
    nphW = min_int(d.KW, periodW);
    periodH = d.sH / gcd_int(d.dH, d.sH);
    nphH = min_int(d.KH, periodH);
    const long long reachW = static_cast<long long>(d.dW) * (d.KW - 1) / d.sW;
    const long long row_cols = d.OW + reachW;
    if (d.OH > 1 && row_cols * 2 <= row_target && (gaps_only ? reachW * 3 <= d.OW : rows_pay(static_cast<int>(row_cols)))) {
      seg = static_cast<int>(row_cols);
      rows = rows_for(seg);
      rblocks = (d.OH + rows - 1) / rows;
      chunks = 1;
      chunk = round_up(rows * seg, VL);
      flat = shares_rows(rows);
      reachH = flat ? static_cast<int>(reach_rows()) : 0;
      // The last tile reads up to VL − 1 columns past the last row's reach.
      area = (rows + reachH) * seg + VL;
    } else {
      rows = 1;
      rblocks = d.OH;
      chunk = row_chunk();
      chunks = (d.OW + chunk - 1) / chunk;
      seg = chunk + static_cast<int>(reachW) + 1;
      flat = false;
      reachH = 0;
      area = seg;
    }
  }

  // Output columns per task with one row per task: a chunk of the row in whole tiles.
  int row_chunk() const { return round_up(min_int(d.OW, kChunk), kColBlock); }
  // Input rows below a task's rows that its taps read, along H (in stride steps).
  long long reach_rows() const { return static_cast<long long>(d.dH) * (d.KH - 1) / d.sH; }
  // Whether tasks of r rows share one panel block per (kd, H phase): those copy r + reach rows
  // per phase, per-tap blocks r rows per tap.
  bool shares_rows(int r) const { return static_cast<long long>(nphH) * (r + reach_rows()) <= static_cast<long long>(d.KH) * r; }

  // Rows per task for short rows of `seg` panel columns: about row_target columns, and the same
  // rows in every task of a plane, give or take one.
  int rows_for(int seg_cols) const {
    const int r = min_int(d.OH, row_target / seg_cols);
    return (d.OH + (d.OH + r - 1) / r - 1) / ((d.OH + r - 1) / r);
  }
  // Whether tasks of several rows beat one task per row. Cost per output row, in columns
  // computed, plus a fixed cost per task (accumulators, loops) worth about 8 columns, plus the
  // panel's copy: a row alone rounds up to whole vectors and copies a row per tap; rows end to
  // end also compute the gaps between them, and copy each input row once per H phase (flat).
  // Several rows must be 1.2x cheaper: the model flatters them (measured on AVX2, 7x7 to 65x65
  // images at dilations 1 to 12), and a gap as wide as the row (high dilation on a small image)
  // wastes more than the task costs save.
  //
  // A copied float costs about 16 multiply-adds (conv3d, 16 → 16 channels: the panel took 33% of
  // the time, the micro-kernel 53%), and a column of a tap KW·Cout/groups of them, so the copy
  // counts where there are few output channels: conv3d's 32-wide rows ran 1.21x faster as 7-row
  // tasks, which the model without it refused.
  bool rows_pay(int seg_cols) const {
    const int r = rows_for(seg_cols);
    const double per_float = 16.0 / (static_cast<double>(d.KW) * coutG);  // columns a copied float costs
    const double copy_one = per_float * (row_chunk() + (seg_cols - d.OW) + 1);  // the one-row seg
    const double rows_copied = shares_rows(r) ? nphH * (r + reach_rows()) / static_cast<double>(d.KH) : r;  // per tap
    const double copy_many = per_float * static_cast<double>(seg_cols) * rows_copied / r;
    const double one = round_up(d.OW, VL) + 8.0 + copy_one;
    const double many = (round_up((r - 1) * seg_cols + d.OW, VL) + 8.0) / r + copy_many;
    return many * 1.2 <= one;
  }

  // Tasks: batch item × group × od × row block × column chunk, numbered in output order.
  // 64-bit: callers refuse counts near INT_MAX before running (run_task takes an int).
  long long task_count() const { return static_cast<long long>(d.N) * d.groups * d.OD * rblocks * chunks; }
  // Panel blocks per channel at most: one per (kd, H phase) when flat, else one per (kd, kh).
  int max_blocks() const { return d.KD * (flat ? nphH : d.KH); }
  // Scratch each concurrent caller of run_task needs: the panel and accumulators, and ints for
  // the block, tap and product lists. Sizes are 64-bit even where size_t is 32 (wasm32), so a
  // caller can check them before it allocates.
  typedef unsigned long long Count;
  Count panel_only() const { return static_cast<Count>(cinG) * max_blocks() * nphW * area; }
  // The panel, then the partial sums of every output channel of a group over one task.
  Count panel_floats() const { return panel_only() + static_cast<Count>(blocks) * MR * chunk; }
  // Ints: the tap and block lists, and the products' list of each tile.
  Count scratch_ints() const {
    const Count taps = static_cast<Count>(d.KD) * d.KH;
    const Count tiles = static_cast<Count>(chunk / kColBlock + 1);
    return panel_ints() + tiles * (1 + 2 * taps * d.KW);
  }
  Count packed_floats() const { return static_cast<Count>(d.groups) * blocks * cinG * K * MR; }

  // Weights repacked per group as [cout block][c][kd][kh][kw][MR], zero-padded to a whole block,
  // so the micro-kernel reads its MR broadcasts from one contiguous line.
  void pack_weights(const float* w, float* wpack) const {
    pack_with([w, this](int co, int c, int k) { return w[(static_cast<size_t>(co) * cinG + c) * K + k]; }, wpack);
  }
  // The same from any weight layout: w_at(co, c, k) is the weight of output channel co, input
  // channel c of its group and tap k (flat over kd, kh, kw).
  template <typename W>
  void pack_with(W w_at, float* wpack) const {
    const size_t n = static_cast<size_t>(packed_floats());
    for (size_t i = 0; i < n; i++) wpack[i] = 0.0f;
    for (int g = 0; g < d.groups; g++)
      for (int b = 0; b < blocks; b++)
        for (int m = 0; m < MR && b * MR + m < coutG; m++) {
          const int co = g * coutG + b * MR + m;
          for (int c = 0; c < cinG; c++)
            for (int k = 0; k < K; k++) wpack[((static_cast<size_t>(g * blocks + b) * cinG + c) * K + k) * MR + m] = w_at(co, c, k);
        }
  }

  // Runs task `i`. `panel` holds panel_floats(), `ints` scratch_ints().
  void run_task(int i, const float* x, const float* wpack, const float* bias, float* y, float* panel, int* ints) const {
    const int ow0 = (i % chunks) * chunk;
    i /= chunks;
    const int oh0 = (i % rblocks) * rows;
    i /= rblocks;
    const int od = i % d.OD;
    i /= d.OD;
    const int g = i % d.groups;
    const int n = i / d.groups;
    const int nrows = min_int(rows, d.OH - oh0);
    // Columns of the task: whole rows with their gaps but the last one's, or one chunk of a row.
    const int row_cols = rows > 1 ? d.OW : min_int(d.OW, ow0 + chunk) - ow0;
    const int ncols = (nrows - 1) * seg + row_cols;

    int* taps = ints;                          // per tap: (kd, kh) index, offset in a channel's panel
    int* tap_rows = taps + 2 * d.KD * d.KH;    // per tap: first and last + 1 task row it reads inside the input
    int* blk = tap_rows + 2 * d.KD * d.KH;     // per block: input depth, then row offset (see build_panel)
    int* lists = blk + 4 * max_blocks() + 3 * nphW;  // per tile: count, then its products
    int nblk = 0;
    // The taps read x where it lies when every column they read is inside the input (one output
    // row, stride 1 along W: a 1D layer's chunks past its padding); else from the panel.
    const bool in_place = reads_in_place(ow0, ncols);
    const int ntaps = in_place ? place_taps(od, oh0, ow0, taps) : build_panel(n, g, od, oh0, nrows, ow0, x, panel, taps, tap_rows, blk, &nblk);
    const float* src = in_place ? x + (static_cast<size_t>(n) * d.Cin + static_cast<size_t>(g) * cinG) * d.D * d.H * d.W : panel;
    const size_t cstride = in_place ? static_cast<size_t>(d.D) * d.H * d.W : static_cast<size_t>(nblk) * nphW * area;
    // The micro-kernel walks one flat list of (panel offset, packed-weight offset) per product of a
    // tap and a kw, rather than nested loops over a few taps and a few kw. Each tile gets its own
    // list, without the products that read only padding for all of the tile's columns: with
    // several rows per task, taps along H outside the input for the tile's rows (large dilation on
    // a small image); with one row, kw whose columns fall in the padding — a causal layer of a TCN
    // (kernel 8, dilation 128, 600 steps) pads 896 steps, and 64% of its products would multiply zeros.
    const int list_ints = 1 + 2 * d.KD * d.KH * d.KW;
    const int* cols = blk + 4 * nblk;  // per W phase: base, then the panel columns inside the input
    // Tiles of at most NR vectors, as even as can be: 4 vectors run as 2 + 2, not 3 + 1 — the same
    // loads and multiply-adds, but a 1-vector tile has MR accumulator chains, fewer than it takes
    // to cover the multiply-add latency (conv3d's 4-vector rows spent a fifth of their time in it;
    // even tiles: conv3d and strided2d 1.04x, conv-ab.sh).
    const int nvec = (ncols + VL - 1) / VL, ntiles = (nvec + NR - 1) / NR;
    const auto first_vec = [nvec, ntiles](int t) { return static_cast<int>(static_cast<long long>(t) * nvec / ntiles); };
    for (int t = 0; t < ntiles; t++) {
      const int j0 = first_vec(t) * VL, j1 = min_int(first_vec(t + 1) * VL, ncols);
      const int r0 = j0 / seg, r1 = (j1 - 1) / seg;
      int* list = lists + t * list_ints;
      int np = 0;
      for (int ti = 0; ti < ntaps; ti++) {
        if (rows > 1 && !(tap_rows[2 * ti] <= r1 && tap_rows[2 * ti + 1] > r0)) continue;
        for (int kw = 0; kw < d.KW; kw++) {
          const int slot = kw % periodW, shift = kw * d.dW / d.sW;
          if (rows == 1 && !in_place && (j0 + shift >= cols[3 * slot + 2] || j1 + shift <= cols[3 * slot + 1])) continue;
          list[1 + 2 * np] = taps[2 * ti + 1] + kw_offset(kw);
          list[2 + 2 * np] = (taps[2 * ti] * d.KW + kw) * MR;
          np++;
        }
      }
      list[0] = np;
    }

    const float* wgroup = wpack + static_cast<size_t>(g) * blocks * cinG * K * MR;
    float* acc = panel + static_cast<size_t>(panel_only());  // [blocks·MR][chunk]
    const size_t acc_len = static_cast<size_t>(blocks) * MR * chunk;
    for (size_t j = 0; j < acc_len; j++) acc[j] = 0.0f;
    if (ntaps > 0) {
      // Channel blocks whose panel (or the part of x read in place) fits in L1 (~24 KiB), so every
      // output-channel block and column tile re-reads it from L1 rather than from L2.
      const long long cbytes = 4 * (in_place ? static_cast<long long>(ntaps) * (ncols + (d.KW - 1) * d.dW) : static_cast<long long>(cstride));
      const int kc = cbytes >= 24 * 1024 ? 1 : static_cast<int>((24 * 1024) / cbytes);
      for (int c0 = 0; c0 < cinG; c0 += kc) {
        const int c1 = min_int(cinG, c0 + kc);
        for (int b = 0; b < blocks; b++)
          for (int t = 0; t < ntiles; t++) {
            const int* list = lists + t * list_ints;
            const int j0 = first_vec(t) * VL;
            if (list[0] > 0) tile_cols(src, cstride, list + 1, list[0], wgroup, b, j0, c0, c1, acc + static_cast<size_t>(b) * MR * chunk + j0, first_vec(t + 1) - first_vec(t));
          }
      }
    }
    float* ybase = y + static_cast<size_t>(out.off + n * out.n + (static_cast<long long>(g) * coutG) * out.c + od * out.d);
    for (int r = 0; r < nrows; r++)
      for (int co = 0; co < coutG; co++) {
        const float bv = bias ? bias[g * coutG + co] : 0.0f;
        const float* src = acc + static_cast<size_t>(co) * chunk + static_cast<size_t>(r) * seg;
        float* dst = ybase + static_cast<size_t>(co * out.c + (oh0 + r) * out.h + ow0 * out.w);
        if (d.relu) {
          for (int j = 0; j < row_cols; j++) dst[static_cast<size_t>(j * out.w)] = relu_value(src[j] + bv);
        } else if (out.w == 1) {
          for (int j = 0; j < row_cols; j++) dst[j] = src[j] + bv;
        } else {
          for (int j = 0; j < row_cols; j++) dst[static_cast<size_t>(j * out.w)] = src[j] + bv;
        }
      }
  }

  // For the weight gradient (conv-wgrad.h), which multiplies dy by the same panels: the panel of
  // row block rb of (n, g, od), its taps as build_panel lists them, and their layout.
  int panel_for(int n, int g, int od, int rb, const float* x, float* panel, int* taps, int* tap_rows, int* nblk) const {
    const int oh0 = rb * rows;
    int* blk = tap_rows + 2 * d.KD * d.KH;
    return build_panel(n, g, od, oh0, min_int(rows, d.OH - oh0), 0, x, panel, taps, tap_rows, blk, nblk);
  }
  // Tap lists (4 per tap), block list (4 per block) and column ranges (3 per W phase).
  Count panel_ints() const { return 4 * static_cast<Count>(d.KD) * d.KH + 4 * static_cast<Count>(max_blocks()) + 3 * nphW; }
  size_t channel_stride(int nblk) const { return static_cast<size_t>(nblk) * nphW * area; }
  int kw_offset(int kw) const { return (kw % periodW) * area + kw * d.dW / d.sW; }

 private:
  // Whether the task of one output row's columns [ow0, ow0 + ncols) can read x in place: stride 1
  // along W, and every column its tiles read — whole vectors, each kw's shift — inside the input.
  bool reads_in_place(int ow0, int ncols) const {
    if (rows != 1 || d.sW != 1 || static_cast<long long>(d.D) * d.H * d.W >= (1LL << 31)) return false;  // int offsets
    const long long base = static_cast<long long>(ow0) - d.pW;
    return base >= 0 && base + round_up(ncols, VL) + static_cast<long long>(d.KW - 1) * d.dW <= d.W;
  }
  // The taps (kd, kh) of output row (od, oh) that read inside the input, each with the offset of
  // the columns it reads from its channel's start: the list build_panel makes, for x in place.
  int place_taps(int od, int oh, int ow0, int* taps) const {
    int ntaps = 0;
    for (int kd = 0; kd < d.KD; kd++) {
      const int id = od * d.sD - d.pD + kd * d.dD;
      if (id < 0 || id >= d.D) continue;
      for (int kh = 0; kh < d.KH; kh++) {
        const int ih = oh * d.sH - d.pH + kh * d.dH;
        if (ih < 0 || ih >= d.H) continue;
        taps[2 * ntaps] = kd * d.KH + kh;
        taps[2 * ntaps + 1] = static_cast<int>((static_cast<long long>(id) * d.H + ih) * d.W + ow0 - d.pW);
        ntaps++;
      }
    }
    return ntaps;
  }

  // Lists the panel's blocks in `blk` (4 ints each: input depth, row offset — block row i reads
  // input row (oh0 + i)·sH + offset — and the range of rows inside the input), followed by each
  // W phase's column range (3 ints), and fills them; lists the taps that read inside the input
  // for some row of the task in `taps` (tap index, offset in a channel's panel) and `tap_rows`
  // (first and last + 1 such row). Returns the tap count.
  int build_panel(int n, int g, int od, int oh0, int nrows, int ow0, const float* x, float* panel, int* taps,
                  int* tap_rows, int* blk, int* nblk) const {
    int ntaps = 0, nb = 0;
    for (int kd = 0; kd < d.KD; kd++) {
      const int id = od * d.sD - d.pD + kd * d.dD;
      if (id < 0 || id >= d.D) continue;
      const int first = nb;
      if (flat) {
        for (int s = 0; s < nphH; s++) {
          blk[4 * nb] = id;
          blk[4 * nb + 1] = static_cast<int>(static_cast<long long>(s) * d.dH % d.sH) - d.pH;
          nb++;
        }
      }
      for (int kh = 0; kh < d.KH; kh++) {
        // Rows (oh0 + r)·sH + kh·dH − pH for r < nrows: is any inside the input?
        const int ih0 = oh0 * d.sH - d.pH + kh * d.dH;
        const int r0 = clamp_int(ceil_div(-ih0, d.sH), 0, nrows);
        const int r1 = clamp_int(ceil_div(d.H - ih0, d.sH), r0, nrows);
        if (r0 == r1) continue;
        taps[2 * ntaps] = kd * d.KH + kh;
        tap_rows[2 * ntaps] = r0;
        tap_rows[2 * ntaps + 1] = r1;
        if (flat) {
          taps[2 * ntaps + 1] = ((first + kh % periodH) * nphW * area) + (kh * d.dH / d.sH) * seg;
        } else {
          blk[4 * nb] = id;
          blk[4 * nb + 1] = kh * d.dH - d.pH;
          taps[2 * ntaps + 1] = nb * nphW * area;
          nb++;
        }
        ntaps++;
      }
    }
    *nblk = nb;
    if (ntaps == 0) return 0;
    // Rows per block: the task's (plus the taps' reach when flat); rows past the task's are zero.
    const int brows = min_int(rows, nrows) + reachH;
    // Block row i reads input row (oh0 + i)·sH + offset: inside for i in [i0, i1), kept with the block.
    for (int b = 0; b < nb; b++) {
      const int off = oh0 * d.sH + blk[4 * b + 1];
      blk[4 * b + 1] = off;
      blk[4 * b + 2] = clamp_int(ceil_div(-off, d.sH), 0, brows);
      blk[4 * b + 3] = clamp_int(ceil_div(d.H - off, d.sH), blk[4 * b + 2], brows);
    }
    // Panel column j of W phase `slot` reads input column base + j·sW: inside for j in [lo, hi).
    int* cols = blk + 4 * nb;
    for (int slot = 0; slot < nphW; slot++) {
      const int base = ow0 * d.sW + static_cast<int>(static_cast<long long>(slot) * d.dW % d.sW) - d.pW;
      cols[3 * slot] = base;
      cols[3 * slot + 1] = clamp_int(ceil_div(-base, d.sW), 0, seg);
      cols[3 * slot + 2] = clamp_int(ceil_div(d.W - base, d.sW), cols[3 * slot + 1], seg);
    }
    // Filled channel by channel, in panel order: the panel is written sequentially, and each
    // channel's input rows are read close together.
    for (int c = 0; c < cinG; c++) {
      const float* xc = x + (static_cast<size_t>(n) * d.Cin + g * cinG + c) * d.D * d.H * d.W;
      for (int b = 0; b < nb; b++) {
        const float* xd = xc + static_cast<size_t>(blk[4 * b]) * d.H * d.W;
        const int off = blk[4 * b + 1], i0 = blk[4 * b + 2], i1 = blk[4 * b + 3];
        for (int slot = 0; slot < nphW; slot++) {
          const int base = cols[3 * slot], lo = cols[3 * slot + 1], hi = cols[3 * slot + 2];
          float* dst = panel + ((static_cast<size_t>(c) * nb + b) * nphW + slot) * area;
          int j = 0;
          for (const int end = i0 * seg; j < end; j++) dst[j] = 0.0f;
          for (int i = i0; i < i1; i++, j += seg) {
            float* row = dst + j;
            const float* src = xd + static_cast<size_t>(off + i * d.sH) * d.W + base;
            int q = 0;
            for (; q < lo; q++) row[q] = 0.0f;
            if (d.sW == 1) {
              for (; q < hi; q++) row[q] = src[q];
            } else {
              for (; q < hi; q++) row[q] = src[static_cast<long long>(q) * d.sW];
            }
            for (; q < seg; q++) row[q] = 0.0f;
          }
          for (; j < area; j++) dst[j] = 0.0f;
        }
      }
    }
    return ntaps;
  }

  // A tile of `nvec` vectors (at most NR).
  void tile_cols(const float* panel, size_t cstride, const int* list, int nprod, const float* wgroup, int b, int j0, int c0,
                 int c1, float* acc, int nvec) const {
#define ATROUS_TILE(nv) tile<(nv < NR ? nv : NR)>(panel, cstride, list, nprod, wgroup, b, j0, c0, c1, acc)
    switch (nvec < NR ? nvec : NR) {  // NR is at most 8
      case 1: return ATROUS_TILE(1);
      case 2: return ATROUS_TILE(2);
      case 3: return ATROUS_TILE(3);
      case 4: return ATROUS_TILE(4);
      case 5: return ATROUS_TILE(5);
      case 6: return ATROUS_TILE(6);
      case 7: return ATROUS_TILE(7);
      default: return ATROUS_TILE(8);
    }
#undef ATROUS_TILE
  }

  // acc[m·chunk + j] += Σ over channels c0..c1 and the listed products of w · panel, for one cout
  // block and NV vectors of columns. (A variant with KW fixed at compile time measured slower here.)
  template <int NV>
  ATROUS_ALIGN_LOOPS void tile(const float* panel, size_t cstride, const int* list, int nprod, const float* wgroup, int b,
                               int j0, int c0, int c1, float* acc) const {
    V sum[MR][NV];
    for (int m = 0; m < MR; m++)
      for (int v = 0; v < NV; v++) sum[m][v] = *reinterpret_cast<const V*>(acc + static_cast<size_t>(m) * chunk + v * VL);
    // Products outside, channels inside: the inner loop steps two pointers by constant strides,
    // with no list lookups between its multiply-adds.
    const size_t wstride = static_cast<size_t>(K) * MR;
    for (int q = 0; q < nprod; q++) {
      const float* src = panel + c0 * cstride + j0 + list[2 * q];
      const float* wt = wgroup + (static_cast<size_t>(b) * cinG + c0) * wstride + list[2 * q + 1];
      for (int c = c0; c < c1; c++, src += cstride, wt += wstride) {
        V xv[NV];
        for (int v = 0; v < NV; v++) xv[v] = *reinterpret_cast<const V*>(src + v * VL);
        for (int m = 0; m < MR; m++) {
          // "s − 0" broadcasts without the stray add that "0 + s" keeps (x + 0 ≠ x for −0).
          const V s = wt[m] - V{};
          for (int v = 0; v < NV; v++) sum[m][v] = ATROUS_MADD(sum[m][v], s, xv[v]);
        }
      }
    }
    for (int m = 0; m < MR; m++)
      for (int v = 0; v < NV; v++) *reinterpret_cast<V*>(acc + static_cast<size_t>(m) * chunk + v * VL) = sum[m][v];
  }
};

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
