// Winograd F(2x2, 3x3), F(3x3, 3x3) or F(4x4, 3x3) for dilated 3x3 convolutions with stride 1 — and F(2, 3) or
// F(4, 3) for kernels 1 tall and 3 wide (1D convs with k3), F(3, 2) for kernels 1 tall and 2 wide (k2) — one
// source for every target, freestanding like conv-direct.h. The forward conv, its transposed conv
// (the input gradient) and its weight gradient all run on it.
//
// Why: a 3x3 conv with many channels is bound by its multiply-adds, and the direct kernel
// (conv-direct.h) does all 9 per output. Winograd's minimal filtering (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016) computes a 2x2 block of outputs from a
// 4x4 block of inputs with 16 products per channel pair instead of 36: 2.25x fewer, and the 16
// products are 16 independent matrix products over the channels, which run as a plain GEMM
// (contiguous operands, no gather list). A strided conv whose strides divide its dilations is a
// stride-1 conv on every s-th input row and column (Subsampling, at the end), so its forward conv
// and weight gradient run here too.
//
// Dilation costs nothing: outputs oh ≡ a (mod dH) only read inputs ≡ a − pH (mod dH), so each
// residue is an undilated conv on a subsampled grid. A tile is the outputs (oh0 + i·dH,
// ow0 + j·dW), i, j ∈ {0, 1}, reading the inputs (oh0 + u·dH − pH, ow0 + v·dW − pW), u, v ∈ 0..3
// (zero outside). Tile origins are the positions p with ⌊p / dil⌋ even — origin(k) =
// ⌊k / dil⌋·2·dil + k mod dil — so tiles cover every output once; a tile past the last row or
// column drops its outputs there.
//
//   V = Bᵀ d B (input tile d, 4x4),  U = G g Gᵀ (3x3 filter g),  Y = Aᵀ [Σ_c U ⊙ V] A
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1]
//
// The coefficients are 0, ±1 and ±½ (exact in binary), so the rounding error stays that of a
// few more additions per output. F(2, 3) is the same along W alone: V = Bᵀ d, U = G g,
// Y = Aᵀ [Σ_c U ⊙ V], 4 products per 2 outputs instead of 6. F(4, 3) (WinogradAxis below) has
// tiles of 4 outputs along W reading 6 inputs, so its tile origins are the p with ⌊p / dW⌋ a
// multiple of 4; below, M is the outputs of a tile along W (2 or 4).
//
// Vectors run along a row of tiles. Input column ow0(k) + v·dW − pW of tile k is, for v < M, the
// k-th entry of staged copy v of the input row (phase v: the columns with ⌊(iw + pW) / dW⌋ ≡ v
// mod M; for M = 2 the even and odd ones); v ≥ M is phase v − M dW tiles on, since
// origin(k + dW) = origin(k) + M·dW. Staging is one copy of each input element per row of tiles;
// the transforms then load whole vectors. A task is a block of tile rows × a chunk of tile columns of one
// (n, group); its memory is O(tiles per task · channels), never O(H·W):
//
//   packed U:  [group][ξ < XI: 16, 25 or 36 (1D: 4 or 6)][co block][c][MR]   zero beyond Cout/groups
//   V:         [ξ][c][tile]          tile = row in the task · (chunk width) + column in the chunk
//   M:         [ξ][co][tile]         M[ξ] = U[ξ] · V[ξ], the micro-kernel's MR x NR·VL blocks
#pragma once
#include <stddef.h>

#include "conv-desc.h"
#include "conv-direct.h"  // Vec, ATROUS_MADD, ATROUS_ALIGN_LOOPS, ATROUS_IN_REGISTER, min_int, round_up
#include "lane-sums.h"

namespace atrous {
namespace ATROUS_ISA_NS {

// The transforms along one axis of F(M, R): a tile of M outputs of an R-tap filter reads
// TW = M + R − 1 inputs. F(2, 3) is the one above; F(4, 3) at the interpolation points 0, ±1, 2,
// −½, ∞ (tools/experiments/winograd-derive.py):
//
//   Bᵀ = [1 3/2 −2 −3/2 1 0; 0 −1 −5/2 −½ 1 0; 0 1 ½ −5/2 1 0; 0 −½ −1 ½ 1 0; 0 2 −1 −2 1 0; 0 1 3/2 −2 −3/2 1]
//   G  = [1 0 0; −⅓ −⅓ −⅓; ⅓ −⅓ ⅓; 1/15 2/15 4/15; −16/15 8/15 −4/15; 0 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −½ 0; 0 1 1 4 ¼ 0; 0 1 −1 8 −⅛ 1]
//
// 6 products per 4 outputs instead of F(2, 3)'s 8: a quarter fewer. Its coefficients are not all
// exact in binary (G's thirds and fifteenths) and Aᵀ's reach 8, so the rounding error grows.
// Lavin & Gray's points 0, ±1, ±2, ∞ are the usual choice; −½ in place of −2 halves the largest
// error of F(4x4, 3x3) (winograd-derive.py --compare: 4.0e-6 of the largest output at 256
// channels, where ±2 gave 8.1e-6 and F(3x3, 3x3) 4.0e-6; 1D: 1.5e-6 against 2.9e-6) at the same
// cost (conv-ab.sh tcn1d 0.98x, bytenet1d 1.02x, one thread). Against the float64 reference on
// context2d's shape: 2.7e-6 of the largest output (the conformance test holds every kernel to
// 1e-5).
//
// F(3, 2), for 2-tap kernels (WaveNet's causal k2 convs; points 0, ±1, ∞, derived as Lavin & Gray
// do and checked against a direct correlation in numpy): 4 products per 3 outputs instead of 6,
// with the coefficients of F(2, 3), exact in binary:
//
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 −1 0 1],  G = [1 0; ½ ½; ½ −½; 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 0; 0 1 1 1]
//
// F(3, 3), for F(3x3, 3x3) (points 0, ±1, 2, ∞; tools/experiments/winograd-derive.py derives the
// matrices and measures their rounding): 5 products per 3 outputs. Its value is at dilations
// whose periods are short: a row of 65 outputs at d12 is 12 runs of 5 or 6 outputs, which
// F(2, 3) covers with 3 tiles of 4 products and F(3, 3) with 2 of 5, so F(3x3, 3x3) does 100
// products per run pair where F(2x2, 3x3) does 144 (and F(4x4, 3x3), 2 tiles of 36, 144 too).
//
//   Bᵀ = [2 −1 −2 1 0; 0 −2 −1 1 0; 0 2 −3 1 0; 0 −1 0 1 0; 0 2 −1 −2 1]
//   G  = [½ 0 0; −½ −½ −½; −⅙ ⅙ −⅙; ⅙ ⅓ ⅔; 0 0 1]
//   Aᵀ = [1 1 1 1 0; 0 1 −1 2 0; 0 1 1 4 1]
template <int M, int R, int VL>
struct WinogradAxis {
  static_assert((R == 3 && (M == 2 || M == 3 || M == 4)) || (R == 2 && M == 3), "F(2, 3), F(3, 3), F(4, 3) and F(3, 2) only");
  static constexpr int TW = M + R - 1;
  // Named, not deduced: a deduced parameter type drops Vec's 4-byte alignment.
  typedef typename Vec<VL>::type T;
  // v = Bᵀ b
  static inline void input(const T* b, T* v) {
    if constexpr (R == 2) {
      v[0] = b[0] - b[2];
      v[1] = b[1] + b[2];
      v[2] = b[2] - b[1];
      v[3] = b[3] - b[1];
    } else if constexpr (M == 2) {
      v[0] = b[0] - b[2];
      v[1] = b[1] + b[2];
      v[2] = b[2] - b[1];
      v[3] = b[1] - b[3];
    } else if constexpr (M == 3) {
      const T d31 = b[3] - b[1], d12 = b[1] - b[2];
      v[0] = 2.0f * (b[0] - b[2]) + d31;
      v[1] = d31 - (b[1] + b[2]);
      v[2] = 2.0f * d12 + (b[3] - b[2]);
      v[3] = d31;
      v[4] = 2.0f * (b[1] - b[3]) + (b[4] - b[2]);
    } else {
      const T d13 = b[1] - b[3], s = b[4] - b[2], q = b[1] + 1.5f * b[2] + 0.5f * b[3];  // shared by the rows
      v[0] = (b[0] - b[2]) + s + 1.5f * d13;
      v[1] = s - q;
      v[2] = (s + q) - 3.0f * b[3];
      v[3] = s - 0.5f * d13;
      v[4] = s + 2.0f * d13;
      v[5] = (b[5] - b[3]) + d13 - 1.5f * s;
    }
  }
  // y = Aᵀ m
  static inline void output(const T* m, T* y) {
    if constexpr (R == 2) {
      y[0] = m[0] + m[1] + m[2];
      y[1] = m[1] - m[2];
      y[2] = m[1] + m[2] + m[3];
    } else if constexpr (M == 2) {
      y[0] = m[0] + m[1] + m[2];
      y[1] = m[1] - m[2] - m[3];
    } else if constexpr (M == 3) {
      const T a = m[1] + m[2];
      y[0] = m[0] + a + m[3];
      y[1] = (m[1] - m[2]) + 2.0f * m[3];
      y[2] = a + 4.0f * m[3] + m[4];
    } else {
      const T a = m[1] + m[2], b = m[1] - m[2];
      y[0] = m[0] + a + m[3] + m[4];
      y[1] = b + 2.0f * m[3] - 0.5f * m[4];
      y[2] = a + 4.0f * m[3] + 0.25f * m[4];
      y[3] = b + 8.0f * m[3] - 0.125f * m[4] + m[5];
    }
  }
  // c = A y: Aᵀ's transpose, for the weight gradient's dy (M values in, TW out)
  static inline void output_adjoint(const T* y, T* c) {
    if constexpr (R == 2) {
      c[0] = y[0];
      c[1] = y[0] + y[1] + y[2];
      c[2] = y[0] - y[1] + y[2];
      c[3] = y[2];
    } else if constexpr (M == 2) {
      c[0] = y[0];
      c[1] = y[0] + y[1];
      c[2] = y[0] - y[1];
      c[3] = -y[1];
    } else if constexpr (M == 3) {
      const T e = y[0] + y[2];
      c[0] = y[0];
      c[1] = e + y[1];
      c[2] = e - y[1];
      c[3] = y[0] + 2.0f * y[1] + 4.0f * y[2];
      c[4] = y[2];
    } else {
      const T e = y[0] + y[2], o = y[1] + y[3];
      c[0] = y[0];
      c[1] = e + o;
      c[2] = e - o;
      c[3] = y[0] + 2.0f * y[1] + 4.0f * y[2] + 8.0f * y[3];
      c[4] = y[0] - 0.5f * y[1] + 0.25f * y[2] - 0.125f * y[3];
      c[5] = y[3];
    }
  }
  // dw = Gᵀ s: G's transpose, for the weight gradient (TW sums in, R taps out; F(3, 3) and F(4, 3) in double)
  static inline void filter_adjoint(const float* s, float* dw) {
    if constexpr (R == 2) {
      dw[0] = s[0] + 0.5f * (s[1] + s[2]);
      dw[1] = 0.5f * (s[1] - s[2]) + s[3];
    } else if constexpr (M == 2) {
      dw[0] = s[0] + 0.5f * (s[1] + s[2]);
      dw[1] = 0.5f * (s[1] - s[2]);
      dw[2] = 0.5f * (s[1] + s[2]) + s[3];
    } else if constexpr (M == 3) {
      const double s1 = s[1], s2 = s[2], s3 = s[3];
      dw[0] = static_cast<float>((static_cast<double>(s[0]) - s1) / 2 + (s3 - s2) / 6);
      dw[1] = static_cast<float>(-s1 / 2 + s2 / 6 + s3 / 3);
      dw[2] = static_cast<float>(-s1 / 2 - s2 / 6 + 2 * s3 / 3 + s[4]);
    } else {
      const double s1 = s[1], s2 = s[2], s3 = s[3], s4 = s[4];
      dw[0] = static_cast<float>(s[0] + (s2 - s1) / 3 + (s3 - 16 * s4) / 15);
      dw[1] = static_cast<float>(-(s1 + s2) / 3 + (2 * s3 + 8 * s4) / 15);
      dw[2] = static_cast<float>((s2 - s1) / 3 + (4 * s3 - 4 * s4) / 15 + s[5]);
    }
  }
  // u = G g (F(3, 3) and F(4, 3) in double, rounded once: their sixths are inexact in float)
  static inline void filter(const float* g, float* u) {
    if constexpr (R == 2) {
      u[0] = g[0];
      u[1] = 0.5f * (g[0] + g[1]);
      u[2] = 0.5f * (g[0] - g[1]);
      u[3] = g[1];
    } else if constexpr (M == 2) {
      u[0] = g[0];
      u[1] = 0.5f * (g[0] + g[1] + g[2]);
      u[2] = 0.5f * (g[0] - g[1] + g[2]);
      u[3] = g[2];
    } else if constexpr (M == 3) {
      const double g0 = g[0], g1 = g[1], g2 = g[2];
      u[0] = static_cast<float>(g0 / 2);
      u[1] = static_cast<float>(-(g0 + g1 + g2) / 2);
      u[2] = static_cast<float>((g1 - g0 - g2) / 6);
      u[3] = static_cast<float>((g0 + 2 * g1 + 4 * g2) / 6);
      u[4] = g[2];
    } else {
      const double g0 = g[0], g1 = g[1], g2 = g[2];
      u[0] = g[0];
      u[1] = static_cast<float>(-(g0 + g1 + g2) / 3);
      u[2] = static_cast<float>((g0 - g1 + g2) / 3);
      u[3] = static_cast<float>((g0 + 2 * g1 + 4 * g2) / 15);
      u[4] = static_cast<float>((-16 * g0 + 8 * g1 - 4 * g2) / 15);
      u[5] = g[2];
    }
  }
};

// Where a WinogradConv reads its input: input (ih, iw) of the stride-1 conv it computes is
// x[rH + ih·sH][rW + iw·sW] of a channel plane `plane` floats long with rows `pitch` apart. For a
// stride-1 conv that is the plane as it is; Subsampling (below) reads every sH-th row and sW-th
// column of a strided one.
struct InputGrid {
  size_t plane;
  int pitch, sH, sW, rH, rW;
  static InputGrid of(const ConvDesc& d) { return {static_cast<size_t>(d.H) * d.W, d.W, 1, 1, 0, 0}; }
  size_t row(int ih) const { return static_cast<size_t>(rH + ih * sH) * pitch; }
  int col(int iw) const { return rW + iw * sW; }
};

// ROWS: F(MxM, 3x3) over 3x3 kernels (M tall and M wide tiles, the same transforms down the columns
// as along the rows); else F(M, R) along W for kernels 1 tall and R wide (1D convs, and 2D ones
// with 1xR kernels): the same code with the row transform left out (one input row per tile row,
// TW transformed values, not TW²). F(4x4, 3x3), F(3x3, 3x3), F(4, 3) and F(3, 2) where they leave
// fewer products (handles).
//
// F(3x3, 3x3), timed against F(2x2, 3x3) (tools/experiments/conv-ab.sh, AVX2, one thread): aspp2d
// 1.38x and 1.46x, the 64-channel 128x128 conv at d12 1.23x; its rounding, 4e-6 of the largest
// output at 256 channels (tools/experiments/winograd-derive.py --compare), is 7x F(2x2, 3x3)'s.
// Where it leaves about as many products it is no faster (the 128x128 conv at d8: 0.88 of the
// products, 1.01x; at d2 0.96x), hence the same 85% rule as F(4, 3).
//
// F(4x4, 3x3): 36 products per 4x4 outputs, 56% of F(2x2, 3x3)'s on long rows, taken where it
// leaves at most 85% of the fewer of F(2x2, 3x3)'s and F(3x3, 3x3)'s (aspp2d's d12 on 65x65
// leaves as many as F(2x2, 3x3), so that stays on F(3x3, 3x3)). Timed against the kernels it
// replaces (conv-ab.sh, AVX2, one thread): the 64-channel 128x128 conv at d8 (context2d) 1.23x,
// at d2 1.21x, at d1 1.07x; strided2d's grid 1.11x (32 → 64 channels), 1.19x (32 → 32); weight
// gradients 1.13x (context2d), 1.15x (strided2d's grid at 64 → 64). An earlier try at Lavin &
// Gray's points was not kept for its rounding (9e-6 of the largest output, near the test's 1e-5).
template <int VL, int MR, int NR, bool ROWS = true, int M = 2, int R = 3>
struct WinogradConv {
  static_assert(!ROWS || R == 3, "F(2x2, 3x3), F(3x3, 3x3) and F(4x4, 3x3) only in 2D");
  typedef typename Vec<VL>::type V;
  typedef WinogradAxis<M, R, VL> Axis;
  static constexpr int TW = Axis::TW;        // inputs of a tile along W (and H)
  static constexpr int KH = ROWS ? 3 : 1;    // kernel rows
  static constexpr int KW = R;               // kernel columns
  static constexpr int UR = ROWS ? TW : 1;   // input rows of a tile
  static constexpr int YR = ROWS ? M : 1;    // output rows of a tile
  static constexpr int XI = TW * UR;         // transformed values per tile: 16, 25 or 36 (2D), 4 or 6 (1D)
  static constexpr int kStageRows = UR > 4 ? UR : 4;  // rows of pitch() ≥ M·CV floats: a tile's UR input rows, or YR·M rows of CV (output and dy transforms)
  // V and M of one task: 512 KiB, this machine's L2 per core (lscpu: 1 MiB in 2 instances; an
  // earlier note here took it for 1 MiB a core), chosen by measurement: against 384 KiB and
  // 768 KiB on 64-channel 128x128 convs, 384 split a 64-tile row in two chunks, whose 4-vector
  // GEMMs ran as 2 + 2, and was 10-20% slower at dilations 2 and 4. At many channels a task still
  // takes one full micro-tile of columns (NR vectors) past that: aspp2d's F(3x3, 3x3) tasks hold
  // 24 tiles, 1.2 MB, which was faster than 16 tiles (1.38x against F(2x2, 3x3), where 16 gave
  // 1.16x) or 48 (0.86x).
  static constexpr long long kTaskBytes = 512 * 1024;

  const ConvDesc& d;
  InputGrid grid;      // where x's inputs are (the conv's own plane unless subsampled)
  int cinG, coutG, blocks, cpad;  // cpad = blocks · MR output channels, the padded ones zero
  int TR, TC;          // tile rows and columns of an output plane
  int CW, chunks;      // tile columns per task row (whole vectors unless packed) and chunks per tile row
  int CV;              // CW rounded up to whole vectors: a row's stride in the staged and output scratch
  bool packed;         // a task's tile rows lie back to back (CW = TC), not each padded to whole vectors
  int nr, rtasks;      // tile rows per task and tasks along the tile rows
  int staged;          // floats of one staged copy: CV + dW
  int vrows;           // rows of each V slab: Cin/groups, rounded up for the weight gradient's blocks

  // Winograd pays when each transform is shared by enough channels: an input tile's by
  // Cout/groups products, an output tile's by Cin/groups.
  // Dilations past kMaxDilation go to the direct kernel: a tile reads TW − 1 dilations past its
  // first output (oh0 + (TW − 1)·dH − pH), and the staged rows hold 2·M·dW floats, neither of
  // which the 32-bit bounds of the descriptor (src/kernels/conv-desc.ts) cover for dilations near
  // 2^30.
  static constexpr int kMaxDilation = 4096;
  static bool handles(const ConvDesc& d, int pays_factor = kPaysFactor) {
    return d.KD == 1 && d.D == 1 && d.OD == 1 && d.KH == KH && d.KW == R && d.sD == 1 && d.sH == 1 && d.sW == 1 &&
           d.dH <= kMaxDilation && d.dW <= kMaxDilation && pays(d.Cin / d.groups, d.Cout / d.groups, pays_factor) &&
           fewer_products(d);
  }
  // Products per channel pair over the plane, counting the dropped outputs of tiles that run past
  // it: F(4, 3)'s 6 per tile of 4 are 3/4 of F(2, 3)'s 4 per 2 on long rows, but a row of
  // dilation d is cut into periods of M·d outputs, and a period left over shorter than that still
  // costs whole tiles. F(4, 3) is taken where it leaves at most 85% of F(2, 3)'s products (and
  // F(3x3, 3x3) where it leaves at most 85% of F(2x2, 3x3)'s, F(4x4, 3x3) where at most 85% of the
  // fewer of those two), F(3, 2) where it leaves at most 85% of the direct kernel's 2 per output
  // (not for a single step, say).
  static bool fewer_products(const ConvDesc& d) {
    if constexpr (R == 2) return products(d) * 20 <= 2LL * d.OH * d.OW * 17;
    else if constexpr (ROWS && M == 4) {
      const long long f22 = WinogradConv<VL, MR, NR, true, 2>::products(d), f33 = WinogradConv<VL, MR, NR, true, 3>::products(d);
      return products(d) * 20 <= (f22 < f33 ? f22 : f33) * 17;
    } else if constexpr (M != 2) return products(d) * 20 <= WinogradConv<VL, MR, NR, ROWS, 2>::products(d) * 17;
    else return true;
  }
  static long long products(const ConvDesc& d) {
    return static_cast<long long>(ROWS ? tiles_along(d.OH, d.dH) : d.OH) * tiles_along(d.OW, d.dW) * XI;
  }
  // The GEMMs grow with cin·cout, the transforms with cin + cout. Measured on AVX2 against the
  // direct kernel: 64 → 64 channels 1.5-1.7x faster, 32 → 32 level, 16 → 16 and 16 → 24 slower.
  static constexpr int kPaysFactor = 24;
  static bool pays(long long cin, long long cout, int factor) { return cin * cout >= factor * (cin + cout); }

  // Tile origins along an axis of `out` outputs at dilation `dil`: the positions p with
  // ⌊p / dil⌋ a multiple of M.
  static int tiles_along(int out, int dil) {
    const long long period = static_cast<long long>(M) * dil, rem = out % period;
    return static_cast<int>(out / period * dil + (rem < dil ? rem : dil));
  }
  static int origin(int k, int dil) { return (k / dil) * M * dil + k % dil; }
  // The origins of tiles k, k + 1, ... in turn, without a division per tile: consecutive within a
  // period of dil, then a jump of (M − 1)·dil.
  struct Origins {
    int col, q, dil;
    int next() {
      const int c = col;
      col += ++q == dil ? (M - 1) * dil + 1 : 1;
      if (q == dil) q = 0;
      return c;
    }
  };
  static Origins origins_from(int k, int dil) { return {origin(k, dil), k % dil, dil}; }

  // A forward conv takes fewer rows per task where whole tasks would leave fewer than this many
  // to share among threads: strided2d's 14 tile rows in tasks of 2 were 7 tasks, 4 and 3 on two
  // threads, so the second thread could add at most 1.75x. 12, not 16: aspp2d's 24 packed tile
  // rows on AVX-512 are 12 tasks of 2, which 16 would have split into 24 of one, unpacked.
  static constexpr int kMinTasks = 12;

  // `task_bytes`, `vrow_multiple` and `min_tasks` are for the weight gradient (WinogradWgrad
  // below), whose tasks reduce over their tiles and so want many more of them.
  explicit WinogradConv(const ConvDesc& desc, long long task_bytes = kTaskBytes, int vrow_multiple = 1, int min_tasks = kMinTasks,
                        bool pack_rows = true)
      : WinogradConv(desc, InputGrid::of(desc), task_bytes, vrow_multiple, min_tasks, pack_rows) {}
  WinogradConv(const ConvDesc& desc, const InputGrid& in, long long task_bytes = kTaskBytes, int vrow_multiple = 1,
               int min_tasks = kMinTasks, bool pack_rows = true)
      : d(desc), grid(in) {
    cinG = d.Cin / d.groups;
    coutG = d.Cout / d.groups;
    blocks = (coutG + MR - 1) / MR;
    cpad = blocks * MR;
    vrows = round_up(cinG, vrow_multiple);
    TR = ROWS ? tiles_along(d.OH, d.dH) : d.OH;  // 1D: every output row is a row of tiles
    TC = tiles_along(d.OW, d.dW);
    const long long per_tile = static_cast<long long>(XI) * 4 * (vrows + cpad);
    // Whole micro-tiles of columns (NR vectors), at least one: bytenet1d's 128-tile rows, in chunks
    // of up to 40 tiles, ran as 4 chunks of 4 vectors, whose GEMMs ran as 2 + 2 vectors (8 of the
    // 12 accumulators); in chunks of up to 24 they run as 3 (conv-ab.sh HEAD bytenet1d 1.36x and
    // 1.09x; two addon builds in one process 1.34x at one thread, 1.30x at two).
    long long most = task_bytes / per_tile / (NR * VL) * (NR * VL);
    if (most < NR * VL) most = NR * VL;
    const int tcpad = round_up(TC, VL);
    chunks = static_cast<int>((tcpad + most - 1) / most);
    CW = round_up((tcpad + chunks - 1) / chunks, VL);
    // Rows whose tiles leave part of their last vector empty lie back to back in a task's V and M,
    // so its GEMM has only the task's last vector part empty: on AVX-512 aspp2d's rows of 24 tiles
    // had been 2 vectors of 16, a third of the GEMM's columns padding, and 2 of the micro-kernel's
    // 3 vectors. Not where rows are read in place (dW a multiple of VL), nor for the weight
    // gradient (pack_rows false), whose tasks' rows are whole vectors.
    packed = pack_rows && ROWS && chunks == 1 && TC % VL != 0 && TR > 1 && !(d.dW % VL == 0 && grid.sW == 1);
    if (packed) CW = TC;
    CV = round_up(CW, VL);
    nr = chunks > 1 ? 1 : static_cast<int>(most / CW < TR ? most / CW : TR);
    if (nr < 1) nr = 1;
    rtasks = (TR + nr - 1) / nr;
    nr = (TR + rtasks - 1) / rtasks;  // the same rows in every task, give or take one
    const long long per_rows = static_cast<long long>(d.N) * d.groups * chunks;  // tasks per task row
    while (nr > 1 && per_rows * rtasks < min_tasks) {  // nr strictly falls: rtasks grows
      rtasks = (TR + nr - 2) / (nr - 1);
      nr = (TR + rtasks - 1) / rtasks;
    }
    if (packed && nr == 1) {  // one row a task: nothing to pack
      packed = false;
      CW = CV;
    }
    staged = CV + d.dW;
  }

  typedef unsigned long long Count;
  long long task_count() const { return static_cast<long long>(d.N) * d.groups * rtasks * chunks; }
  Count tiles() const { return static_cast<Count>(stride(nr, CW)); }
  // The columns of a task's V and M rows: its rows·cols tiles in whole vectors.
  int stride(int rows, int cols) const { return round_up(rows * cols, VL); }
  // The output row of tile row r: tile origins along H, or r itself (1D).
  int row_origin(int r) const { return ROWS ? origin(r, d.dH) : r; }
  // Slabs (one per ξ) start 64 bytes past a multiple of 4 KiB, so the streams the transforms
  // read and write fall in different L1 sets; the 16 floats past a slab's last row also take a
  // packed task's last vector (transform_inputs).
  static Count slab(Count floats) { return (floats + 1023) / 1024 * 1024 + 16; }
  Count vs() const { return slab(static_cast<Count>(vrows) * tiles()); }
  Count ms() const { return slab(static_cast<Count>(cpad) * tiles()); }
  // Floats between the padded rows of the contiguous path: a chunk's tiles read at most
  // M·CW + 2·M·dW columns (see transform_inputs); also room for the M staged copies of a row
  // (M·staged floats) and the output transform's M rows of CV per output row of a tile.
  int pitch() const { return M * CV + 2 * M * d.dW; }
  // The staged rows (kStageRows of them, pitch() floats apart), which output_transform_packed
  // also uses for YR·M rows of a whole task's tiles.
  Count stage_floats() const {
    const Count rows = static_cast<Count>(kStageRows) * pitch(), task = static_cast<Count>(YR) * M * tiles();
    return packed && task > rows ? task : rows;
  }
  // Scratch per concurrent caller: V, M, the staged rows, bias.
  Count panel_floats() const { return XI * (vs() + ms()) + stage_floats() + cpad; }
  // The staged copies' source columns (phase 0, 1, ..., M − 1; −1 outside the input).
  Count scratch_ints() const { return static_cast<Count>(M) * staged; }
  Count packed_floats() const { return static_cast<Count>(d.groups) * XI * cpad * cinG; }

  void pack_weights(const float* w, float* wpack) const {
    pack_with([w, this](int co, int c, int k) { return w[(static_cast<size_t>(co) * cinG + c) * (R * KH) + k]; }, wpack);
  }
  // U = G g Gᵀ (1D: G g) for every (output channel, input channel) of each group; w_at(co, c, k)
  // is the weight of output channel co, input channel c of its group and tap k = kh·R + kw.
  template <typename W>
  void pack_with(W w_at, float* wpack) const {
    // A few input channels of one block of MR output channels at a time: their U into `u`, then
    // written slab by slab, kPackC·MR floats in a row in each. Pair by pair, each pair's XI values
    // had gone to XI slabs a multiple of 4 KiB apart (the same L1 set) as scalar stores: packing a
    // 64-channel F(4x4, 3x3) filter took 0.4 ms, which training pays on every call (its weights
    // change every step). Every float is written (zeros for the padded output channels).
    constexpr int kPackC = 4;
    float u[kPackC][MR][XI];  // at most 4·8·36 floats (4.6 KB; the wasm build's stack is 64 KiB)
    for (int g = 0; g < d.groups; g++)
      for (int b = 0; b < blocks; b++)
        for (int c0 = 0; c0 < cinG; c0 += kPackC) {
          const int cn = min_int(kPackC, cinG - c0);
          for (int cc = 0; cc < cn; cc++)
            for (int r = 0; r < MR; r++) {
              const int o = b * MR + r;
              if (o < coutG) {
                transform_filter([&](int k) { return w_at(g * coutG + o, c0 + cc, k); }, u[cc][r]);
              } else {
                for (int xi = 0; xi < XI; xi++) u[cc][r][xi] = 0.0f;
              }
            }
          for (int xi = 0; xi < XI; xi++) {
            float* dst = wpack + ((static_cast<size_t>(g * XI + xi) * blocks + b) * cinG + c0) * MR;
            for (int cc = 0; cc < cn; cc++)
              for (int r = 0; r < MR; r++) dst[cc * MR + r] = u[cc][r][xi];
          }
        }
  }
  // u[ξ] = (G g Gᵀ)[ξ] (1D: G g) of one (output, input) channel pair, g's taps from tap(k).
  template <typename Tap>
  static void transform_filter(Tap tap, float* u) {
    float gk[3][R], t[TW][R];
    for (int k = 0; k < R * KH; k++) gk[k / R][k % R] = tap(k);
    for (int j = 0; j < R; j++) {  // t = G g (1D: the one row as it is)
      if constexpr (ROWS) {
        const float col[3] = {gk[0][j], gk[1][j], gk[2][j]};
        float v[TW];
        Axis::filter(col, v);
        for (int i = 0; i < TW; i++) t[i][j] = v[i];
      } else {
        t[0][j] = gk[0][j];
      }
    }
    for (int i = 0; i < UR; i++) Axis::filter(t[i], u + TW * i);  // U = t Gᵀ
  }

  // Where task i works: batch item n, group g, tile rows [r0, r0 + rows), tile columns
  // [k0, k0 + cols). A row's last chunk is narrower where the row's vectors of tiles do not fill
  // whole chunks: aspp2d's 36 tiles (5 vectors) in chunks of 3 vectors compute 40 tiles, not 48.
  // Tasks with more than one row have one chunk, so their rows are all CW wide.
  struct Place {
    int n, g, r0, rows, k0, cols;
  };
  Place place(int i) const {
    Place p;
    p.k0 = (i % chunks) * CW;
    p.cols = packed ? CW : min_int(CW, round_up(TC, VL) - p.k0);
    i /= chunks;
    p.r0 = (i % rtasks) * nr;
    i /= rtasks;
    p.g = i % d.groups;
    p.n = i / d.groups;
    p.rows = min_int(nr, TR - p.r0);
    return p;
  }

  // V[ξ][c][tile] (rows vs() floats apart per ξ, T = rows·cols floats apart per c) for the task's
  // tiles and every input channel of its group. `stage` holds UR·pitch() floats, `cmap`
  // M·staged ints.
  void transform_inputs(const Place& p, const float* x, float* v, float* stage, int* cmap) const {
    const int k0 = p.k0, T = stride(p.rows, p.cols);
    const size_t vs = this->vs();
    for (int k = 0; k < staged; k++) {
      const int col = origin(k0 + k, d.dW) - d.pW;
      for (int j = 0; j < M; j++) {
        const int cj = col + j * d.dW;
        cmap[j * staged + k] = cj >= 0 && cj < d.W ? grid.col(cj) : -1;
      }
    }
    const float* xg = x + (static_cast<size_t>(p.n) * d.Cin + static_cast<size_t>(p.g) * cinG) * grid.plane;
    // With dW a multiple of VL, every vector of tiles has consecutive origins (k0 and the vectors
    // are VL-aligned within a period), so the transform reads each input row where it lies,
    // copied once with its padding: columns [origin(k0) − pW, + span).
    const bool contiguous = d.dW % VL == 0 && grid.sW == 1;
    const int cbase = origin(k0, d.dW), span = origin(k0 + CW - 1, d.dW) - cbase + (TW - 1) * d.dW + 1;
    // The input columns the task's tiles read (clipped to the row), for prefetch_rows.
    const int clo = max_int(origin(k0, d.dW) - d.pW, 0);
    const int chi = min_int(origin(k0 + p.cols - 1, d.dW) + (TW - 1) * d.dW - d.pW + 1, d.W);
    // Tile rows outer, channels inner; packed, channels outer: a row's last vector runs past its
    // tiles into the next row's first (written after it) or, from the last row, into the next
    // channel's first row (written after it too) or the slab's end (slab()).
    const int steps = p.rows * cinG;
    const auto at = [&](int a, int* rr, int* c) {
      *rr = packed ? a % p.rows : a / cinG;
      *c = packed ? a / p.rows : a % cinG;
    };
    for (int a = 0; a < steps; a++) {
      int rr, c;
      at(a, &rr, &c);
      const int oh0 = row_origin(p.r0 + rr);
      const float* xc = xg + static_cast<size_t>(c) * grid.plane;
      float* dst = v + static_cast<size_t>(c) * T + rr * p.cols;
      if (a + 1 < steps) {
        int rn, cn;
        at(a + 1, &rn, &cn);
        prefetch_rows(xg + static_cast<size_t>(cn) * grid.plane, row_origin(p.r0 + rn), clo, chi);
      }
      for (int u = 0; u < UR; u++) {
        const int ih = oh0 + u * d.dH - d.pH;
        float* row = stage + u * pitch();
        if (!contiguous) {
          stage_row(xc, ih, k0, cmap, row);
        } else if (ih < 0 || ih >= d.H) {
          for (int j = 0; j < span; j++) row[j] = 0.0f;
        } else {
          copy_clipped(xc + grid.row(ih), cbase - d.pW, span, row);
        }
      }
      if (contiguous) input_transform<true>(stage, k0, p.cols, cbase, dst, vs);
      else input_transform<false>(stage, k0, p.cols, cbase, dst, vs);
    }
  }

  // Runs task i. `panel` holds panel_floats().
  void run_task(int i, const float* x, const float* wpack, const float* bias, float* y, float* panel, int* ints) const {
    const Place p = place(i);
    const int g = p.g, n = p.n, r0 = p.r0, rows = p.rows, k0 = p.k0, cols = p.cols;
    const int T = stride(rows, cols);  // the row stride of V and M
    const size_t vs = this->vs(), ms = this->ms();
    float* v = panel;
    float* m = v + XI * vs;
    float* stage = m + XI * ms;
    float* bpad = stage + stage_floats();
    for (int o = 0; o < cpad; o++) bpad[o] = bias && o < coutG ? bias[g * coutG + o] : 0.0f;
    transform_inputs(p, x, v, stage, ints);

    const float* ug = wpack + static_cast<size_t>(g) * XI * cpad * cinG;
    // Column groups of at most NR vectors, as even as can be (4 vectors: 2 + 2, not 3 + 1).
    const int nvec = T / VL, groups = (nvec + NR - 1) / NR;
    for (int xi = 0; xi < XI; xi++)
      for (int gi = 0, t0 = 0; gi < groups; gi++) {
        const int nv = (nvec - t0 / VL + (groups - gi) - 1) / (groups - gi);
        for (int b = 0; b < blocks; b++)
          gemm_cols(v + xi * vs + t0, ug + (static_cast<size_t>(xi) * blocks + b) * cinG * MR, m + xi * ms + static_cast<size_t>(b) * MR * T + t0, T, nv);
        t0 += nv * VL;
      }

    float* yg = y + (static_cast<size_t>(n) * d.Cout + static_cast<size_t>(g) * coutG) * d.OH * d.OW;
    const size_t plane = static_cast<size_t>(d.OH) * d.OW;
    if (packed && d.dW % VL != 0) {
      for (int co = 0; co < coutG; co++) output_transform_packed(m + static_cast<size_t>(co) * T, ms, bpad[co], p, T, yg + co * plane, stage);
      return;
    }
    for (int co = 0; co < coutG; co++)
      for (int rr = 0; rr < rows; rr++)
        output_transform(m + static_cast<size_t>(co) * T + rr * cols, ms, bpad[co], row_origin(r0 + rr), k0, cols, yg + co * plane, stage);
  }

  // Calls f(Period<P>{}) where dW = P is 2, 4 or 8 and divides VL — the dilations
  // stage_periods, write_periods and the weight gradient's gather_periods take as whole periods
  // (8 only where a vector holds 16 tiles: AVX-512's context2d d8 had gone float by float
  // through cmap, 32% of its time) — and says whether it did.
  template <typename F>
  bool by_periods(F f) const {
    if (d.dW == 2 && VL % 2 == 0) return f(Period<2>{}), true;
    if (d.dW == 4 && VL % 4 == 0) return f(Period<4>{}), true;
    if (d.dW == 8 && VL % 8 == 0) return f(Period<8>{}), true;
    return false;
  }
  template <int P>
  struct Period {
    static constexpr int value = P;
  };

 private:
  // Asks for the next channel's input rows of a tile row (columns [clo, chi)) while this one's
  // are staged: the staging waits on x, read from L3 or memory one row at a time (aspp2d on
  // AVX-512: 55% of the staging's samples on its loads from x). conv-ab.sh on AVX-512 (Intel
  // Xeon, 31 interleaved pairs): context2d-d8 1.06x and 1.06x, wavenet1d 1.05x, strided2d 1.03x,
  // aspp2d 0.99-1.02x (identical builds there: 0.99x, 1.03x), bytenet1d and tcn1d 0.98-0.99x; on
  // AVX2 level. Prefetching the whole row regardless of the task's columns made wavenet1d's
  // 16000-wide rows 0.36x.
  void prefetch_rows(const float* xc, int oh0, int clo, int chi) const {
#if !defined(__wasm__)  // WebAssembly has no prefetch
    if (clo >= chi) return;
    for (int u = 0; u < UR; u++) {
      const int ih = oh0 + u * d.dH - d.pH;
      if (ih < 0 || ih >= d.H) continue;
      const float* row = xc + grid.row(ih);
      const float* end = row + grid.col(chi - 1);
      for (const float* q = row + grid.col(clo); q <= end; q += 16) __builtin_prefetch(q);
      __builtin_prefetch(end);
    }
#endif
  }

  // Phase j's staged copy e + j·staged: e_j[k] = x[ih, origin(k0 + k) + j·dW − pW] for k < staged,
  // zero outside the input. Tiles of one dilation period have consecutive origins, so at
  // dilations of a vector or more each period is M contiguous copies; below that, the copies
  // would be a few floats each, and a gather through the task's column map (cmap) is cheaper; so
  // is a subsampled row (grid.sW > 1) at dilations above 1, whose columns are not consecutive in x.
  void stage_row(const float* xc, int ih, int k0, const int* cmap, float* e) const {
    if (ih < 0 || ih >= d.H) {
      for (int k = 0; k < M * staged; k++) e[k] = 0.0f;
      return;
    }
    const float* row = xc + grid.row(ih);
    if (d.dW == 1) return grid.sW == 1 ? stage_unit<1>(row, k0, e) : stage_unit<0>(row + grid.rW, k0, e);
    if (grid.sW != 1) {
      for (int k = 0; k < M * staged; k++) e[k] = cmap[k] >= 0 ? row[cmap[k]] : 0.0f;
      return;
    }
    if (by_periods([&](auto period) { stage_periods<decltype(period)::value>(row, k0, e); })) return;
    if (d.dW < VL) {
      for (int k = 0; k < M * staged; k++) e[k] = cmap[k] >= 0 ? row[cmap[k]] : 0.0f;
      return;
    }
    for (int k = 0; k < staged;) {
      const int len = min_int(d.dW - (k0 + k) % d.dW, staged - k);
      const int col = origin(k0 + k, d.dW) - d.pW;
      for (int j = 0; j < M; j++) copy_clipped(row, col + j * d.dW, len, e + j * staged + k);
      k += len;
    }
  }
  // stage_row for dW = 1: e_j = the columns ≡ j (mod M) from M·k0 − pW, checked only at the ends.
  // Column c is row[c·S], or row[c·grid.sW] for S = 0 (a subsampled row, row at column rW).
  template <int S>
  void stage_unit(const float* row, int k0, float* e) const {
    const int step = S ? S : grid.sW;
    const int base = M * k0 - d.pW;
    const int lo = clamp_int((M - 1 - base) / M, 0, staged), hi = clamp_int((d.W - base) / M, lo, staged);
    const auto checked = [&](int k) {
      for (int j = 0; j < M; j++) {
        const int c = base + M * k + j;
        e[j * staged + k] = c >= 0 && c < d.W ? row[static_cast<size_t>(c) * step] : 0.0f;
      }
    };
    int k = 0;
    for (; k < lo; k++) checked(k);
    for (; k < hi; k++)
      for (int j = 0; j < M; j++) e[j * staged + k] = row[static_cast<size_t>(base + M * k + j) * step];
    for (; k < staged; k++) checked(k);
  }
  // stage_row for dW = P, a divisor of VL: k0 (a multiple of VL) starts a period, so the phases
  // are runs of P floats M·P apart in the row, copied as fixed-size moves where they lie inside it.
  template <int P>
  void stage_periods(const float* row, int k0, float* e) const {
    for (int k = 0; k < staged; k += P) {  // staged = CV + P: whole periods
      const int col = M * (k0 + k) - d.pW;  // origin(k0 + k) − pW, k0 + k starting a period
      if (col >= 0 && col + M * P <= d.W) {
        typedef typename Vec<P>::type VP;  // a period as one move
        for (int j = 0; j < M; j++) *reinterpret_cast<VP*>(e + j * staged + k) = *reinterpret_cast<const VP*>(row + col + j * P);
      } else {
        for (int j = 0; j < M; j++)
          for (int i = 0; i < P; i++) {
            const int c = col + j * P + i;
            e[j * staged + k + i] = c >= 0 && c < d.W ? row[c] : 0.0f;
          }
      }
    }
  }

  // dst[j] = row[col + j] for j < len, zero outside [0, W).
  void copy_clipped(const float* row, int col, int len, float* dst) const {
    const int lo = clamp_int(-col, 0, len), hi = clamp_int(d.W - col, lo, len);
    for (int j = 0; j < lo; j++) dst[j] = 0.0f;
    for (int j = lo; j < hi; j++) dst[j] = row[col + j];
    for (int j = hi; j < len; j++) dst[j] = 0.0f;
  }

  // V[ξ][tile] for a row chunk of `cols` tiles, from the UR staged rows (M phases each) or,
  // contiguous, from the UR padded rows: tile k's column w is at origin(k0 + k) − cbase + w·dW.
  // Staged, columns w ≥ M are phase w − M of tile k + dW, since origin(k + dW) = origin(k) + M·dW.
  template <bool kContiguous>
  void input_transform(const float* stage, int k0, int cols, int cbase, float* dst, size_t vs) const {
    for (int k = 0; k < cols; k += VL) {
      V b[UR][TW];
      for (int u = 0; u < UR; u++) {
        if (kContiguous) {
          const float* p = stage + u * pitch() + (origin(k0 + k, d.dW) - cbase);
          for (int w = 0; w < TW; w++) b[u][w] = *reinterpret_cast<const V*>(p + w * d.dW);
        } else {
          const float* e = stage + u * pitch() + k;
          for (int w = 0; w < TW; w++) b[u][w] = *reinterpret_cast<const V*>(e + (w % M) * staged + (w / M) * d.dW);
        }
      }
      if constexpr (ROWS) {  // b = Bᵀ b down each column
        for (int w = 0; w < TW; w++) {
          V col[TW], t[TW];
          for (int u = 0; u < TW; u++) col[u] = b[u][w];
          Axis::input(col, t);
          for (int u = 0; u < TW; u++) b[u][w] = t[u];
        }
      }
      for (int u = 0; u < UR; u++) {  // V = b B along each row
        V t[TW];
        Axis::input(b[u], t);
        for (int w = 0; w < TW; w++) *reinterpret_cast<V*>(dst + (TW * u + w) * vs + k) = t[w];
      }
    }
  }

  void gemm_cols(const float* v, const float* u, float* m, int T, int left) const {
    switch (left < NR ? left : NR) {
      case 1: return gemm<(1 < NR ? 1 : NR)>(v, u, m, T);
      case 2: return gemm<(2 < NR ? 2 : NR)>(v, u, m, T);
      case 3: return gemm<(3 < NR ? 3 : NR)>(v, u, m, T);
      default: return gemm<(4 < NR ? 4 : NR)>(v, u, m, T);
    }
  }
  static_assert(NR <= 4, "gemm_cols dispatches up to 4 vectors");

  // m[co][NV·VL tiles] = Σ_c u[c][co] · v[c][tiles] for MR output channels (rows T floats apart).
  template <int NV>
  ATROUS_ALIGN_LOOPS void gemm(const float* v, const float* u, float* m, int T) const {
    V acc[MR][NV];
    for (int r = 0; r < MR; r++)
      for (int k = 0; k < NV; k++) acc[r][k] = V{};
    // U is read once per task, from L3 where it outgrows L2 (aspp2d's F(3x3, 3x3): 6.5 MB): asked for
    // 128 channels (2 KiB) ahead, past the block's end into the next block, which the next call
    // reads. conv-ab.sh, aspp2d: 1.23x and 1.25x while this VM was slow (the build without it at
    // 53-67 ms), 1.05x while it was fast (43-47 ms); tcn1d, bytenet1d, wavenet1d, context2d-d8 0.98-1.01x.
    for (int c = 0; c < cinG; c++, v += T, u += MR) {
      __builtin_prefetch(u + 128 * MR);
      V xv[NV];
      for (int k = 0; k < NV; k++) xv[k] = *reinterpret_cast<const V*>(v + k * VL);
      for (int r = 0; r < MR; r++) {
        const V s = u[r] - V{};  // broadcast without a stray add (see conv-direct.h)
        for (int k = 0; k < NV; k++) acc[r][k] = ATROUS_MADD(acc[r][k], s, xv[k]);
      }
    }
    for (int r = 0; r < MR; r++)
      for (int k = 0; k < NV; k++) *reinterpret_cast<V*>(m + static_cast<size_t>(r) * T + k * VL) = acc[r][k];
  }

  // output_transform's writes for dW = P, a divisor of VL (as stage_periods reads): k0 (a multiple
  // of VL) starts a period, so tiles k, k + 1, ... of a period have their output j in a run of P
  // floats at column M·(k0 + k) + j·P; t holds output j of tile k at t[j·ts + k]. The whole
  // periods inside the row are written unchecked, the rest float by float.
  template <int P>
  void write_periods(float* row, const float* t, int ts, int k0, int kend) const {
    const int whole = clamp_int((d.OW - M * k0) / (M * P) * P, 0, kend / P * P);
    int k = 0;
    for (; k < whole; k += P)
      for (int j = 0; j < M; j++)
        for (int l = 0; l < P; l++) row[M * (k0 + k) + j * P + l] = t[j * ts + k + l];
    for (; k < kend; k += P)
      for (int j = 0; j < M; j++)
        for (int l = 0; l < P && k + l < kend; l++)
          if (M * (k0 + k) + j * P + l < d.OW) row[M * (k0 + k) + j * P + l] = t[j * ts + k + l];
  }

  // Output (i, j) of the VL tiles at m (the ξ-th of them ms floats on): Aᵀ q A + bias, in o[i][j].
  void output_vector(const float* m, size_t ms, V bv, V (&o)[YR][M]) const {
    V q[XI];
    for (int xi = 0; xi < XI; xi++) q[xi] = *reinterpret_cast<const V*>(m + xi * ms);
    V r[YR][TW];  // r = Aᵀ q down each column (1D: the one row as it is)
    for (int w = 0; w < TW; w++) {
      if constexpr (ROWS) {
        V col[TW], t[M];
        for (int u = 0; u < TW; u++) col[u] = q[TW * u + w];
        Axis::output(col, t);
        for (int i = 0; i < M; i++) r[i][w] = t[i];
      } else {
        r[0][w] = q[w];
      }
    }
    for (int i = 0; i < YR; i++) {  // r A + bias
      Axis::output(r[i], o[i]);
      for (int j = 0; j < M; j++) {
        o[i][j] = o[i][j] + bv;
        if (d.relu) o[i][j] = relu_vector(o[i][j]);
      }
    }
  }

  // Writes one output row's outputs of tiles k0, ..., k0 + kend − 1 of a tile row, for dW not a
  // multiple of VL: output j of tile k from t[j·ts + k] to row[origin(k0 + k) + j·dW].
  void write_row(float* row, const float* t, int ts, int k0, int kend) const {
    // Tiles of one dilation period have consecutive origins (all inside the row); their later
    // outputs, j·dW further on, may run past it.
    if (d.dW == 1) return write_periods<1>(row, t, ts, k0, kend);
    if (by_periods([&](auto period) { write_periods<decltype(period)::value>(row, t, ts, k0, kend); })) return;
    if (d.dW < VL) {  // runs of a few floats: one at a time
      Origins at = origins_from(k0, d.dW);
      for (int k = 0; k < kend; k++) {
        const int col = at.next();
        for (int j = 0; j < M; j++)
          if (col + j * d.dW < d.OW) row[col + j * d.dW] = t[j * ts + k];
      }
      return;
    }
    for (int k = 0; k < kend;) {
      const int len = min_int(d.dW - (k0 + k) % d.dW, kend - k);
      const int col = origin(k0 + k, d.dW);
      for (int j = 0; j < M; j++) {
        const int lenj = min_int(len, d.OW - col - j * d.dW);
        float* rj = row + col + j * d.dW;
        for (int l = 0; l < lenj; l++) rj[l] = t[j * ts + k + l];
      }
      k += len;
    }
  }

  // A packed task's outputs for one output channel: its rows of tiles lie back to back in M, so
  // they are transformed VL tiles at a time across the rows' ends, ⌈T / VL⌉ vectors, where
  // row by row took ⌈cols / VL⌉ each (aspp2d on AVX-512: 3 vectors for 2 rows of 24 tiles, not
  // 4), into tmp (output (i, j) of the task's tile t at (M·i + j)·T + t), then written row by row.
  void output_transform_packed(const float* m, size_t ms, float bias, const Place& p, int T, float* yc, float* tmp) const {
    const V bv = bias - V{};
    for (int k = 0; k < T; k += VL) {
      V o[YR][M];
      output_vector(m + k, ms, bv, o);
      for (int i = 0; i < YR; i++)
        for (int j = 0; j < M; j++) *reinterpret_cast<V*>(tmp + static_cast<size_t>(M * i + j) * T + k) = o[i][j];
    }
    const int kend = min_int(p.cols, TC - p.k0);
    for (int rr = 0; rr < p.rows; rr++) {
      const int oh0 = row_origin(p.r0 + rr);
      for (int i = 0; i < YR && oh0 + i * d.dH < d.OH; i++)
        write_row(yc + static_cast<size_t>(oh0 + i * d.dH) * d.OW, tmp + static_cast<size_t>(M * i) * T + rr * p.cols, T, p.k0, kend);
    }
  }

  // y's outputs of one output channel for one chunk of a tile row: Aᵀ M A + bias, written
  // through a staged copy (the tiles' columns are not contiguous in y). `tmp` holds YR·M·CV
  // floats: output (i, j) of the chunk's tiles at (M·i + j)·CV.
  void output_transform(const float* m, size_t ms, float bias, int oh0, int k0, int cols, float* yc, float* tmp) const {
    const V bv = bias - V{};
    int nrows = 1;  // output rows of this tile row inside the plane
    if constexpr (ROWS)
      while (nrows < YR && oh0 + nrows * d.dH < d.OH) nrows++;
    for (int k = 0; k < cols; k += VL) {
      V o[YR][M];
      output_vector(m + k, ms, bv, o);
      // dW a multiple of VL: the vector's tiles have consecutive columns; stored in place unless
      // it holds tiles past the row's last or its last outputs run past the row.
      if (d.dW % VL == 0) {
        const int col = origin(k0 + k, d.dW);
        if (k0 + k + VL <= TC && col + (M - 1) * d.dW + VL <= d.OW) {
          for (int i = 0; i < nrows; i++) {
            float* p = yc + static_cast<size_t>(oh0 + i * d.dH) * d.OW + col;
            for (int j = 0; j < M; j++) *reinterpret_cast<V*>(p + j * d.dW) = o[i][j];
          }
          continue;
        }
      }
      for (int i = 0; i < YR; i++)
        for (int j = 0; j < M; j++) *reinterpret_cast<V*>(tmp + (M * i + j) * CV + k) = o[i][j];
      if (d.dW % VL == 0) {  // the lanes that are outputs, one at a time
        const int col = origin(k0 + k, d.dW), lanes = min_int(VL, TC - k0 - k);
        for (int i = 0; i < nrows; i++) {
          float* p = yc + static_cast<size_t>(oh0 + i * d.dH) * d.OW + col;
          for (int l = 0; l < lanes; l++)
            for (int j = 0; j < M; j++)
              if (col + j * d.dW + l < d.OW) p[j * d.dW + l] = tmp[(M * i + j) * CV + k + l];
        }
      }
    }
    if (d.dW % VL == 0) return;
    const int kend = min_int(cols, TC - k0);
    for (int i = 0; i < nrows; i++) write_row(yc + static_cast<size_t>(oh0 + i * d.dH) * d.OW, tmp + M * i * CV, CV, k0, kend);
  }
};

// The weight gradient of a conv WinogradConv handles, by the same transform. Y = Aᵀ [U ⊙ V] A is
// linear in U = G g Gᵀ, so over all tiles and batch items
//
//   dw[o, c] = Gᵀ [ Σ_tiles (A dY A ᵀ)[o] ⊙ V[c] ] G        dY: the tile's MxM of dy (zero past the plane)
//
// — XI matrix products S[ξ] = Ŷ[ξ] · V[ξ]ᵀ reducing over tiles (16 for F(2x2, 3x3), 25 for
// F(3x3, 3x3), 36 for F(4x4, 3x3); 1D: TW of them, Ŷ = A dY from a tile's M outputs, dw = Gᵀ S), then one small
// transform per (o, c). A task transforms its tiles' inputs exactly as the forward conv does, and
// dy's blocks into Ŷ[ξ][o][tile]; the products run MR rows of Ŷ × NR rows of V with vector
// accumulators along the tiles, lane-summed once per task, so tasks take many tiles. Each part of
// the tasks (the caller splits them into a fixed number) sums into its own S, then writes Gᵀ S G
// as its dw copy: the transform is linear, so the caller's sum of the copies in part order is the
// weight gradient, the same bits at any thread count. Timed against what ran before them
// (conv-ab.sh, one thread): F(4, 3) and F(3, 2) against F(2, 3) and the direct weight-gradient
// kernels for k2, tcn1d 1.13x, bytenet1d 1.19x, wavenet1d 1.27x, a 48 → 96-channel k2 layer
// 1.33x; F(3x3, 3x3) against F(2x2, 3x3), aspp2d 1.06x, a 64-channel 128x128 layer at d12 1.10x.
//
// Inputs that no output reads can still enter a tile's V (a tile's outputs past the plane are
// dropped, their inputs are not): they meet Ŷ = 0 there, so they add nothing unless they are
// infinite or NaN — as with the forward transform, non-finite inputs spread further than in a
// direct conv.
template <int VL, int MR, int NR, bool ROWS = true, int M = 2, int R = 3>
struct WinogradWgrad {
  typedef typename Vec<VL>::type V;
  typedef unsigned long long Count;
  typedef WinogradConv<VL, MR, NR, ROWS, M, R> Fwd;
  typedef typename Fwd::Axis Axis;
  static constexpr int XI = Fwd::XI, YR = Fwd::YR, KH = Fwd::KH, TW = Fwd::TW;
  // V and Ŷ of a task: lane sums once per block call want many tiles a task, and at least
  // kMinTasks tasks keep the caller's parts (4) busy. From 2 MiB and no minimum (after the lane
  // sums' folds, conv-ab.sh, one thread): aspp2d 1.60x (its 256-channel tasks had held 48
  // tiles, 3 vectors a block, now 128), a 64-channel 128x128 layer at d4 1.05x (4 tasks of 256
  // tiles, where 11 of 96), tcn1d 1.03x, bytenet1d and a 28x28 digits layer the same bits.
  static constexpr long long kTaskBytes = 8LL << 20;
  static constexpr int kMinTasks = 4;

  const ConvDesc& d;
  Fwd f;

  static bool handles(const ConvDesc& d, int pays_factor = Fwd::kPaysFactor) { return Fwd::handles(d, pays_factor); }
  explicit WinogradWgrad(const ConvDesc& desc) : d(desc), f(desc, kTaskBytes, NR, kMinTasks, false) {}
  WinogradWgrad(const ConvDesc& desc, const InputGrid& grid) : d(desc), f(desc, grid, kTaskBytes, NR, kMinTasks, false) {}

  long long task_count() const { return f.task_count(); }
  Count ys() const { return Fwd::slab(static_cast<Count>(f.cpad) * f.tiles()); }
  Count s_floats() const { return static_cast<Count>(d.groups) * XI * f.cpad * f.vrows; }
  Count dw_floats() const { return static_cast<Count>(d.Cout) * f.cinG * R * KH; }
  // V, Ŷ, the staged rows (also dy's: YR·M rows of CW), S, then this thread's dw copy last.
  Count scratch_floats() const { return XI * (f.vs() + ys()) + static_cast<Count>(Fwd::kStageRows) * f.pitch() + s_floats() + dw_floats(); }
  Count scratch_ints() const { return f.scratch_ints(); }
  float* s_of(float* scratch) const { return scratch + XI * (f.vs() + ys()) + static_cast<Count>(Fwd::kStageRows) * f.pitch(); }

  // Adds task i's tiles into S (in `scratch`, see s_of).
  void run_task(long long i, const float* x, const float* dy, float* scratch, int* ints) const {
    const typename Fwd::Place p = f.place(static_cast<int>(i));
    const int T = p.rows * p.cols;
    const size_t vs = f.vs(), ys = this->ys();
    float* v = scratch;
    float* yh = v + XI * vs;
    float* stage = yh + XI * ys;
    f.transform_inputs(p, x, v, stage, ints);
    for (int xi = 0; xi < XI; xi++) {  // the V rows past Cin/groups and the Ŷ rows past Cout/groups: zero
      for (size_t j = static_cast<size_t>(f.cinG) * T; j < static_cast<size_t>(f.vrows) * T; j++) v[xi * vs + j] = 0.0f;
      for (size_t j = static_cast<size_t>(f.coutG) * T; j < static_cast<size_t>(f.cpad) * T; j++) yh[xi * ys + j] = 0.0f;
    }
    const float* dyg = dy + (static_cast<size_t>(p.n) * d.Cout + static_cast<size_t>(p.g) * f.coutG) * d.OH * d.OW;
    for (int o = 0; o < f.coutG; o++)
      for (int rr = 0; rr < p.rows; rr++)
        dy_transform(dyg + static_cast<size_t>(o) * d.OH * d.OW, f.row_origin(p.r0 + rr), p.k0, p.cols, stage, yh + static_cast<size_t>(o) * T + rr * p.cols, ys);
    float* sg = s_of(scratch) + static_cast<size_t>(p.g) * XI * f.cpad * f.vrows;
    for (int xi = 0; xi < XI; xi++)
      for (int ob = 0; ob < f.cpad; ob += MR)
        for (int cb = 0; cb < f.vrows; cb += NR)
          block(yh + xi * ys + static_cast<size_t>(ob) * T, v + xi * vs + static_cast<size_t>(cb) * T, T,
                sg + (static_cast<size_t>(xi) * f.cpad + ob) * f.vrows + cb);
  }

  // dw (this thread's copy) = Gᵀ S G (1D: Gᵀ s) for every (o, c) of every group.
  void finish(const float* sall, float* dwp) const {
    const size_t xs = static_cast<size_t>(f.cpad) * f.vrows;
    for (int g = 0; g < d.groups; g++)
      for (int o = 0; o < f.coutG; o++)
        for (int c = 0; c < f.cinG; c++) {
          const float* sp = sall + static_cast<size_t>(g) * XI * xs + static_cast<size_t>(o) * f.vrows + c;
          float* out = dwp + (static_cast<size_t>(g * f.coutG + o) * f.cinG + c) * (R * KH);
          if constexpr (ROWS) {
            float t[3][TW];
            for (int v = 0; v < TW; v++) {  // t = Gᵀ s down each column
              float col[TW], r[3];
              for (int u = 0; u < TW; u++) col[u] = sp[(TW * u + v) * xs];
              Axis::filter_adjoint(col, r);
              for (int a = 0; a < 3; a++) t[a][v] = r[a];
            }
            for (int a = 0; a < KH; a++) Axis::filter_adjoint(t[a], out + 3 * a);  // dw = t G
          } else {
            float s[TW];
            for (int v = 0; v < TW; v++) s[v] = sp[v * xs];
            Axis::filter_adjoint(s, out);
          }
        }
  }

 private:
  // Ŷ[ξ][tile] = (A dY Aᵀ)[ξ] for output channel plane `yc`, one row chunk of `cols` tiles; tiles past
  // the row's last (or outputs past the plane) read dy as 0. `tmp` holds YR·M·CW floats: output
  // (i, j) of the chunk's tiles at (M·i + j)·CW.
  void dy_transform(const float* yc, int oh0, int k0, int cols, float* tmp, float* dst, size_t ys) const {
    const int kend = min_int(cols, f.TC - k0);
    for (int i = 0; i < YR; i++) {
      float* e = tmp + M * i * f.CW;
      const int oh = oh0 + i * d.dH;
      int k = 0;
      if (oh < d.OH) {
        gather_row(yc + static_cast<size_t>(oh) * d.OW, k0, kend, e);
        k = kend;
      }
      for (; k < cols; k++)
        for (int j = 0; j < M; j++) e[j * f.CW + k] = 0.0f;
    }
    for (int k = 0; k < cols; k += VL) {
      V y[YR][M], c[YR][TW];
      for (int i = 0; i < YR; i++)
        for (int j = 0; j < M; j++) y[i][j] = *reinterpret_cast<const V*>(tmp + (M * i + j) * f.CW + k);
      for (int i = 0; i < YR; i++) Axis::output_adjoint(y[i], c[i]);  // c = dY Aᵀ along the row
      for (int w = 0; w < TW; w++) {  // Ŷ = A c: the same down the column (1D: c itself)
        if constexpr (ROWS) {
          V col[M], r[TW];
          for (int i = 0; i < M; i++) col[i] = c[i][w];
          Axis::output_adjoint(col, r);
          for (int u = 0; u < TW; u++) *reinterpret_cast<V*>(dst + (TW * u + w) * ys + k) = r[u];
        } else {
          *reinterpret_cast<V*>(dst + w * ys + k) = c[0][w];
        }
      }
    }
  }

  // e[j·CW + k] = row[origin(k0 + k) + j·dW] for k < kend, 0 past the row's end: the outputs of
  // the chunk's tiles in one row of dy, phase j of each. Tiles of one dilation period have
  // consecutive origins, so each period's phase j is a run of dW floats, copied as one; at dW = 1
  // the phases interleave (every M-th float). Float by float through the tiles' origins, this had
  // taken 16% of the weight gradient's time (perf, a 64-channel 128x128 layer at d4).
  void gather_row(const float* row, int k0, int kend, float* e) const {
    const int CW = f.CW;
    if (d.dW == 1) {
      const int inside = clamp_int((d.OW - M * k0) / M, 0, kend);  // tiles whose M outputs are all in the row
      int k = 0;
      for (; k < inside; k++)
        for (int j = 0; j < M; j++) e[j * CW + k] = row[M * (k0 + k) + j];
      for (; k < kend; k++)
        for (int j = 0; j < M; j++) e[j * CW + k] = M * (k0 + k) + j < d.OW ? row[M * (k0 + k) + j] : 0.0f;
      return;
    }
    if (f.by_periods([&](auto period) { gather_periods<decltype(period)::value>(row, k0, kend, e); })) return;
    for (int k = 0; k < kend;) {  // runs of up to dW floats
      const int len = min_int(d.dW - (k0 + k) % d.dW, kend - k);
      const int col = Fwd::origin(k0 + k, d.dW);
      for (int j = 0; j < M; j++) {
        const int in = clamp_int(d.OW - col - j * d.dW, 0, len);
        const float* src = row + col + j * d.dW;
        float* dst = e + j * CW + k;
        for (int l = 0; l < in; l++) dst[l] = src[l];
        for (int l = in; l < len; l++) dst[l] = 0.0f;
      }
      k += len;
    }
  }
  // gather_row for dW = P, a divisor of VL: k0 (a multiple of VL) starts a period, and each whole
  // period inside the row is M moves of P floats.
  template <int P>
  void gather_periods(const float* row, int k0, int kend, float* e) const {
    typedef typename Vec<P>::type VP;
    const int CW = f.CW;
    for (int k = 0; k < kend; k += P) {
      const int col = M * (k0 + k);  // origin(k0 + k), which starts a period
      if (k + P <= kend && col + M * P <= d.OW) {
        for (int j = 0; j < M; j++) *reinterpret_cast<VP*>(e + j * CW + k) = *reinterpret_cast<const VP*>(row + col + j * P);
        continue;
      }
      for (int j = 0; j < M; j++)
        for (int l = 0; l < P && k + l < kend; l++) e[j * CW + k + l] = col + j * P + l < d.OW ? row[col + j * P + l] : 0.0f;
    }
  }

  // s[r][j] += Σ_t yh[r][t] · v[j][t] for MR rows of Ŷ and NR rows of V (rows T floats apart;
  // s rows f.vrows apart), with vector accumulators along t summed across lanes at the end
  // (lane-sums.h: the tasks of a 64-channel layer hold about 96 tiles, 6 vectors, so summing the
  // accumulators' lanes float by float took about as many instructions as their multiply-adds).
  ATROUS_ALIGN_LOOPS void block(const float* yh, const float* v, int T, float* s) const {
    // acc[r·NR + j]; one more for lane_sums, which takes vectors at their natural alignment (when
    // it took V* deduced, without V's aligned(4), clang's AVX-512 code crashed on an acc 16 bytes
    // aligned, in a reviewer's probe).
    alignas(VL * 4) V acc[MR * NR + 1];
    for (int a = 0; a < MR * NR; a++) acc[a] = V{};
    for (int t = 0; t < T; t += VL) {
      V xv[NR];
      for (int j = 0; j < NR; j++) xv[j] = *reinterpret_cast<const V*>(v + static_cast<size_t>(j) * T + t);
      for (int r = 0; r < MR; r++) {
        V a = *reinterpret_cast<const V*>(yh + static_cast<size_t>(r) * T + t);
        ATROUS_IN_REGISTER(a);  // loaded once for its NR multiply-adds, not once each
        for (int j = 0; j < NR; j++) acc[r * NR + j] = ATROUS_MADD(acc[r * NR + j], a, xv[j]);
      }
    }
    float sums[MR * NR];
    lane_sums<VL>(reinterpret_cast<typename LaneVec<VL>::type*>(acc), MR * NR, sums);
    for (int r = 0; r < MR; r++)
      for (int j = 0; j < NR; j++) s[static_cast<size_t>(r) * f.vrows + j] += sums[r * NR + j];
  }
};

// The weight gradient's tasks first, first + step, ... into S, then this share's dw copy (the
// last dw_floats() of scratch) = Gᵀ S G. Chosen over conv-wgrad.h's wgrad_tasks by overloading.
template <int VL, int MR, int NR, bool ROWS, int M, int R>
void wgrad_tasks(const WinogradWgrad<VL, MR, NR, ROWS, M, R>& k, const float* x, const float* dy, float* scratch, int* ints, long long first,
                 long long step) {
  float* s = k.s_of(scratch);
  for (unsigned long long i = 0; i < k.s_floats(); i++) s[i] = 0.0f;
  for (long long i = first; i < k.task_count(); i += step) k.run_task(i, x, dy, scratch, ints);
  k.finish(s, scratch + (k.scratch_floats() - k.dw_floats()));
}

// The transposed conv (the input gradient) of a stride-1 3x3 conv is itself a stride-1 3x3 conv
// over dy: taps flipped, input and output channels swapped, padding 2·d − p before (negative: a
// crop), so it runs on the same kernel. The descriptor is the forward conv's, as in conv-transpose.h.
template <typename K>
struct WinogradTransposed {
  ConvDesc fd;  // declared before k, which keeps a reference to it
  K k;
  const ConvDesc& d;

  static ConvDesc forward_of(const ConvDesc& d) {
    return {d.N, d.Cout, d.Cin, d.groups, 1, d.OH, d.OW, 1, d.KH, d.KW, 1, 1, 1, 1, d.dH, d.dW, 0, d.dH * (d.KH - 1) - d.pH, d.dW * (d.KW - 1) - d.pW,
            1, d.H, d.W};
  }
  static bool handles(const ConvDesc& d) {
    return d.KD == 1 && d.D == 1 && d.OD == 1 && d.sD == 1 && d.sH == 1 && d.sW == 1 && d.KH == K::KH && d.KW == K::KW &&
           K::handles(forward_of(d));
  }
  explicit WinogradTransposed(const ConvDesc& desc) : fd(forward_of(desc)), k(fd), d(desc) {}

  typedef unsigned long long Count;
  long long task_count() const { return k.task_count(); }
  Count panel_floats() const { return k.panel_floats(); }
  Count scratch_ints() const { return k.scratch_ints(); }
  Count packed_floats() const { return k.packed_floats(); }
  // Output channel co of the conv over dy is dx's channel; its input channel c is the forward
  // output channel o = group·(Cout/groups) + c.
  void pack_weights(const float* w, float* wpack) const {
    const int cinG = d.Cin / d.groups, coutG = d.Cout / d.groups;
    const int taps = K::KW * K::KH;  // flipped: tap t of the conv over dy is the forward's taps − 1 − t
    k.pack_with([&](int co, int c, int t) { return w[(static_cast<size_t>((co / cinG) * coutG + c) * cinG + co % cinG) * taps + (taps - 1 - t)]; }, wpack);
  }
  void run_task(int i, const float* dy, const float* wpack, const float* bias, float* dx, float* panel, int* ints) const {
    k.run_task(i, dy, wpack, bias, dx, panel, ints);
  }
};

// A conv whose strides divide its dilations (strided2d: stride 2, dilation 2) reads only the
// inputs ih ≡ −pH (mod sH) and iw ≡ −pW (mod sW): output oh reads oh·sH − pH + kh·dH. On that
// subsampled grid it is a stride-1 conv at dilation d / s with the same outputs, padding
// ⌈p / s⌉ before, so the Winograd kernels run it, reading x through the grid (no copy).
struct Subsampling {
  // Fewer channels pay here than at stride 1: the direct kernel runs strided convs slower. Measured
  // on strided2d's geometry (AVX2, one thread, against the direct kernel): 128 → 128 channels
  // 1.99x, 64 → 64 1.54x, 32 → 64 1.44x, 32 → 32 1.34x, 24 → 24 1.04x, 16 → 32 1.03-1.06x,
  // 16 → 16 0.72x.
  static constexpr int kPaysFactor = 16;

  static int first(int p, int s) { return ((-p) % s + s) % s; }  // the first input an output reads, mod s
  static int grid_size(int n, int s, int r) { return n > r ? static_cast<int>((static_cast<long long>(n) - r + s - 1) / s) : 0; }
  // The stride-1 conv on the grid.
  static ConvDesc sub_of(const ConvDesc& d) {
    ConvDesc s = d;
    const int rH = first(d.pH, d.sH), rW = first(d.pW, d.sW);
    s.H = grid_size(d.H, d.sH, rH), s.W = grid_size(d.W, d.sW, rW);
    s.pH = static_cast<int>((static_cast<long long>(d.pH) + rH) / d.sH), s.pW = static_cast<int>((static_cast<long long>(d.pW) + rW) / d.sW);
    s.dH = d.dH / d.sH, s.dW = d.dW / d.sW;
    s.sH = s.sW = 1;
    return s;
  }
  static InputGrid grid_of(const ConvDesc& d) {
    return {static_cast<size_t>(d.H) * d.W, d.W, d.sH, d.sW, first(d.pH, d.sH), first(d.pW, d.sW)};
  }
  // Strided 2D (or 1D) along H or W, every stride dividing its dilation, the grid not empty.
  static bool applies(const ConvDesc& d) {
    if (d.KD != 1 || d.D != 1 || d.OD != 1 || d.sD != 1 || (d.sH == 1 && d.sW == 1) || d.dH % d.sH != 0 || d.dW % d.sW != 0) return false;
    const ConvDesc s = sub_of(d);
    return s.H > 0 && s.W > 0;
  }
  // Holds the grid's descriptor for a kernel that keeps a reference to it (a base class or member
  // declared before the kernel, so it is built first).
  struct Desc {
    ConvDesc sd;
    explicit Desc(const ConvDesc& d) : sd(sub_of(d)) {}
  };
};

// The forward conv on the grid, by Winograd kernel K.
template <typename K>
struct WinogradSubsampled : private Subsampling::Desc, public K {
  static bool handles(const ConvDesc& d) { return Subsampling::applies(d) && K::handles(Subsampling::sub_of(d), Subsampling::kPaysFactor); }
  explicit WinogradSubsampled(const ConvDesc& desc) : Subsampling::Desc(desc), K(sd, Subsampling::grid_of(desc)) {}
};

// The weight gradient on the grid, by WinogradWgrad W: dy is the same, x is read through the grid.
// It pays only where the stride-1 one does (the direct weight-gradient kernel is not slowed by the
// stride): against it on strided2d's geometry (conv-ab.sh HEAD wgrad:strided2d-c<Cin>x<Cout>, AVX2,
// one thread) 32 → 64 channels 0.86x, 64 → 64 1.19x, 128 → 128 1.12x.
template <typename W>
struct WinogradWgradSubsampled : private Subsampling::Desc, public W {
  static bool handles(const ConvDesc& d) { return Subsampling::applies(d) && W::handles(Subsampling::sub_of(d)); }
  explicit WinogradWgradSubsampled(const ConvDesc& desc) : Subsampling::Desc(desc), W(sd, Subsampling::grid_of(desc)) {}
};
template <typename W>
void wgrad_tasks(const WinogradWgradSubsampled<W>& k, const float* x, const float* dy, float* scratch, int* ints, long long first,
                 long long step) {
  wgrad_tasks(static_cast<const W&>(k), x, dy, scratch, ints, first, step);
}

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
