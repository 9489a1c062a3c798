// The WebAssembly build of the kernels: conv-direct.h (and the transposed and weight-gradient
// kernels built on it) behind extern "C" exports. Compiled twice by
// tools/build-wasm.sh, with -DATROUS_ISA_NS=wasm_simd128 (SIMD128) and with
// -DATROUS_ISA_NS=wasm_relaxed -DATROUS_WASM_RELAXED (relaxed SIMD: each multiply-add is one
// f32x4.relaxed_madd). No libc, no allocation, no threads: JavaScript owns the shared linear memory
// (src/kernels/wasm/memory.ts) and runs ranges of tasks on its worker threads
// (src/kernels/wasm/pool.ts); every pointer here points into memory it laid out.
#include <stdint.h>

#if defined(ATROUS_WASM_RELAXED)
// f32x4.relaxed_madd(a, b, c) = a·b + c (fused or not, as the engine likes). clang 14 only knows
// the 2021 prototype of this instruction, as __builtin_wasm_fma_f32x4 with prototype opcode 0xaf;
// it passes the operands through in order, and tools/wasm-postlink.mjs renumbers the opcode to the
// final 0x105, so the operands are written in the final instruction's order: (s, x, acc).
#define ATROUS_MADD(acc, s, x) __builtin_wasm_fma_f32x4((s), (x), (acc))
#endif

#include "conv-choose.h"

#define EXPORT(name) extern "C" __attribute__((export_name(#name), visibility("default")))

namespace atrous {
namespace ATROUS_ISA_NS {

// V8 on x64 allocates 15 of the 16 xmm registers (xmm15 is its scratch register). A tile whose
// accumulators, NR column vectors and one broadcast do not fit gets accumulators spilled to the
// stack, and each spilled chain then waits on a store and a reload every step.
#if defined(ATROUS_WASM_RELAXED)
constexpr int VL = 4, MR = 3, NR = 3;  // 9 accumulators + 3 + 1 = 13 registers: nothing spills
#else
// mul + add needs a temporary too; 3x3 would fit (14) but V8 still spills one accumulator there,
// and 4x3 measured as fast or faster than 3x3 and 4x2.
constexpr int VL = 4, MR = 4, NR = 3;
#endif

// This build's kernels; conv-choose.h picks among them as for the native builds.
struct Kernels {
  static constexpr int kVL = VL, kMR = MR, kNR = NR;
  typedef DirectConv<VL, MR, NR> Tall;
  typedef DirectConv<VL, 1, 8> Wide;  // one output channel per group
  // 2 rows × 4 vectors: 8 chains. V8 spills one of the 8 accumulators; tiles of 1 × 6 and 2 × 3
  // (no spill) measured no faster (1.35 and 1.53 ms against 1.36 per depthwise2d kernel call).
  typedef DepthwiseConv<VL, 4, 2> Depthwise;
  typedef WinogradConv<VL, MR, NR> Winograd;
  typedef WinogradConv<VL, MR, NR, true, 3> Winograd3x3;  // F(3x3, 3x3) where it leaves fewer products
  typedef WinogradConv<VL, MR, NR, true, 4> Winograd4x4;  // F(4x4, 3x3) where it leaves fewer products than both
  typedef WinogradConv<VL, MR, NR, false> Winograd1;  // F(2, 3): kernels 1 tall, 3 wide
  typedef WinogradConv<VL, MR, NR, false, 4> Winograd1x4;  // F(4, 3) where it leaves fewer products
  typedef WinogradConv<VL, MR, NR, false, 3, 2> Winograd1k2;  // F(3, 2): kernels 1 tall, 2 wide
  // Weight gradient blocks: 4 dy rows × 2 x rows of accumulators (8 + 2 + 1 registers, as on
  // AVX2); one row with four accumulators when every group has one channel (depthwise).
  typedef WeightGrad<VL, 4, 2, 1> WgradBlock;
  typedef WeightGradRows<VL, MR, NR> WgradRows;  // the forward's register tile, as outer products
  typedef WeightGrad<VL, 1, 1, 4> WgradDepthwise;
};

// Floats of one part's work area: its scratch and its ints (4 bytes each), rounded up to whole
// 64-byte lines so every part starts aligned.
template <typename K>
unsigned long long wgrad_part_floats(const K& k) {
  return (k.scratch_floats() + k.scratch_ints() + 15) / 16 * 16;
}

// Part `part` of `parts` of the weight gradient, in its own work area: tasks part, part + parts, ...
// summed into its own dw copy, the last dw_floats() of its scratch (JavaScript adds the copies in
// part order, so the result does not depend on which thread ran which part).
template <typename K>
void wgrad_part(const K& k, const float* x, const float* dy, float* work, int part, int parts) {
  float* scratch = work + wgrad_part_floats(k) * static_cast<unsigned long long>(part);
  wgrad_tasks(k, x, dy, scratch, reinterpret_cast<int*>(scratch + k.scratch_floats()), part, parts);
}

template <typename K>
void sizes(const K& k, double* out) {
  out[0] = static_cast<double>(k.packed_floats());
  out[1] = static_cast<double>(k.panel_floats());
  out[2] = static_cast<double>(k.scratch_ints());
  out[3] = static_cast<double>(k.task_count());
}

template <typename K>
void run_range(const K& k, const float* x, const float* wpack, const float* bias, float* y, float* panel, int* ints,
               int begin, int end) {
  for (int i = begin; i < end; i++) k.run_task(i, x, wpack, bias, y, panel, ints);
}

typedef Vec<VL>::type V;

}  // namespace ATROUS_ISA_NS
}  // namespace atrous

using namespace atrous::ATROUS_ISA_NS;
using atrous::ConvDesc;

// out[0..3] = packed weight floats, panel floats per thread, scratch ints per thread, task count.
// Doubles, so JavaScript sees sizes past 2^32 and can refuse them before it allocates anything.
EXPORT(conv_sizes) void conv_sizes(const ConvDesc* d, double* out) {
  with_forward<Kernels>(*d, [&](const auto& k, Algorithm) { sizes(k, out); });
}

// w: [Cout, Cin/groups, KD, KH, KW] → wpack: conv_sizes()[0] floats in the tile's order.
EXPORT(conv_pack_weights) void conv_pack_weights(const ConvDesc* d, const float* w, float* wpack) {
  with_forward<Kernels>(*d, [&](const auto& k, Algorithm) { k.pack_weights(w, wpack); });
}

// Runs tasks [begin, end). Tasks write disjoint parts of y, so threads may run any ranges at once,
// each with its own panel and ints.
EXPORT(conv_run_tasks) void conv_run_tasks(const ConvDesc* d, const float* x, const float* wpack, const float* bias,
                                           float* y, float* panel, int* ints, int begin, int end) {
  with_forward<Kernels>(*d, [&](const auto& k, Algorithm) { run_range(k, x, wpack, bias, y, panel, ints, begin, end); });
}

// The transposed conv of the forward conv *d (its input gradient), by stride phases: the same
// three calls with x = dy and y = dx. JavaScript calls these only where phaseKernelFits (conv-desc.ts).
EXPORT(convt_sizes) void convt_sizes(const ConvDesc* d, double* out) {
  with_transposed<Kernels>(*d, [&](const auto& k, Algorithm) { sizes(k, out); });
}

EXPORT(convt_pack_weights) void convt_pack_weights(const ConvDesc* d, const float* w, float* wpack) {
  with_transposed<Kernels>(*d, [&](const auto& k, Algorithm) { k.pack_weights(w, wpack); });
}

EXPORT(convt_run_tasks) void convt_run_tasks(const ConvDesc* d, const float* dy, const float* wpack, const float* bias,
                                             float* dx, float* panel, int* ints, int begin, int end) {
  with_transposed<Kernels>(*d, [&](const auto& k, Algorithm) { run_range(k, dy, wpack, bias, dx, panel, ints, begin, end); });
}

// The kernel a forward (transposed = 0) or transposed conv runs on: an Algorithm (conv-choose.h).
EXPORT(conv_algorithm) int conv_algorithm(const ConvDesc* d, int transposed) {
  int a = kDirect;
  if (transposed) with_transposed<Kernels>(*d, [&](const auto&, Algorithm chosen) { a = chosen; });
  else with_forward<Kernels>(*d, [&](const auto&, Algorithm chosen) { a = chosen; });
  return a;
}

// out[0..3] = work floats per part (scratch, then ints, then that part's dw copy inside the
// scratch: see wgrad_part), dw floats, the offset of the dw copy within a part, task count.
EXPORT(wgrad_sizes) void wgrad_sizes(const ConvDesc* d, double* out) {
  with_wgrad<Kernels>(*d, [&](const auto& k) {
    out[0] = static_cast<double>(wgrad_part_floats(k));
    out[1] = static_cast<double>(k.dw_floats());
    out[2] = static_cast<double>(k.scratch_floats() - k.dw_floats());
    out[3] = static_cast<double>(k.task_count());
  });
}

// Runs parts [begin, end) of `parts`, each into its own work area starting at `work`.
EXPORT(wgrad_run_parts) void wgrad_run_parts(const ConvDesc* d, const float* x, const float* dy, float* work, int begin,
                                             int end, int parts) {
  with_wgrad<Kernels>(*d, [&](const auto& k) {
    for (int p = begin; p < end; p++) wgrad_part(k, x, dy, work, p, parts);
  });
}

// 1 if the n 32-bit words at a and b are equal: whether weights are the ones kept packed
// (src/kernels/wasm/pack-cache.ts). Bits, not floats: a NaN weight equals itself, −0 is not 0.
// Differences are looked for a block at a time, a loop the compiler vectorizes.
EXPORT(same_bits) int same_bits(const unsigned* a, const unsigned* b, int n) {
  for (int i = 0; i < n; i += 1024) {
    const int end = n - i < 1024 ? n : i + 1024;
    unsigned diff = 0;
    for (int j = i; j < end; j++) diff |= a[j] ^ b[j];
    if (diff) return 0;
  }
  return 1;
}

// The multiply-add peak: `rounds` × 4096 steps of 12 independent accumulator chains of VL lanes
// (2·VL flops each), the same loop as conv-isa.cc's peak_gflops; JavaScript keeps the clock, since
// wasm has none. Returns a lane of the result so the loop is not optimized away.
EXPORT(peak_madd) float peak_madd(int rounds) {
  V acc[12];
  for (int i = 0; i < 12; i++) acc[i] = V{} + static_cast<float>(i);
  const V a = V{} + 0.999999f, b = V{} + 1e-7f;
  for (int r = 0; r < rounds; r++)
    for (int s = 0; s < 4096; s++)
      for (int i = 0; i < 12; i++) acc[i] = ATROUS_MADD(b, acc[i], a);
  float sink = 0;
  for (int i = 0; i < 12; i++) sink += acc[i][0];
  return sink;
}
