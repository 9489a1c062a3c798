// One instruction set's build of the kernels. Compiled once per target with
//   -DATROUS_ISA_NS=<avx512|avx2|baseline> and that target's flags (binding.gyp). Tiles: MR output
// channels × NR vectors of VL output columns, sized so MR·NR accumulators fit the register file.
//
// Kernels only: no allocation, threads or standard library here (src/kernels/native/addon.cc owns
// those, built with baseline flags). Library template code compiled in this file would get this
// file's flags, and the linker keeps one copy of each such function for all three builds: an
// AVX-512 copy of std::vector code, say, then faults on an AVX2-only CPU.
#include "conv-choose.h"
#include "conv-isa.h"

namespace atrous {
namespace ATROUS_ISA_NS {

#if defined(__AVX512F__)
constexpr int VL = 16, MR = 8, NR = 3;  // 24 of 32 zmm registers accumulate
#elif defined(__AVX2__)
constexpr int VL = 8, MR = 4, NR = 3;   // 12 of 16 ymm registers accumulate
#else
constexpr int VL = 4, MR = 4, NR = 3;   // SSE2: 12 of 16 xmm registers
#endif

// This build's kernels; conv-choose.h picks among them.
struct Kernels {
  static constexpr int kVL = VL, kMR = MR, kNR = NR;
  typedef DirectConv<VL, MR, NR> Tall;
  typedef DirectConv<VL, 1, 8> Wide;  // one output channel per group
  typedef DepthwiseConv<VL, 4, 2> Depthwise;  // 2 rows × 4 vectors: 8 multiply-add chains
  typedef WinogradConv<VL, MR, NR> Winograd;  // the same register tile, its K loop contiguous
  typedef WinogradConv<VL, MR, NR, true, 3> Winograd3x3;  // F(3x3, 3x3) where it leaves fewer products
  typedef WinogradConv<VL, MR, NR, true, 4> Winograd4x4;  // F(4x4, 3x3) where it leaves fewer products than both
  typedef WinogradConv<VL, MR, NR, false> Winograd1;  // F(2, 3): kernels 1 tall, 3 wide
  typedef WinogradConv<VL, MR, NR, false, 4> Winograd1x4;  // F(4, 3) where it leaves fewer products
  typedef WinogradConv<VL, MR, NR, false, 3, 2> Winograd1k2;  // F(3, 2): kernels 1 tall, 2 wide
  // Weight gradient blocks: MO dy rows × NC x rows of vector accumulators (8 of 16 ymm on AVX2, 16
  // of 32 zmm on AVX-512); one row each with four accumulators when every group has one channel.
#if defined(__AVX512F__)
  typedef WeightGrad<VL, 4, 4, 1> WgradBlock;
#else
  typedef WeightGrad<VL, 4, 2, 1> WgradBlock;
#endif
  typedef WeightGradRows<VL, MR, NR> WgradRows;  // the forward's register tile, as outer products
  typedef WeightGrad<VL, 1, 1, 4> WgradDepthwise;
};

template <typename K>
static ConvSizes sizes_of(const K& k) {
  return {k.packed_floats(), k.panel_floats(), k.scratch_ints(), k.task_count()};
}

ConvSizes conv_sizes(const ConvDesc& d) {
  ConvSizes z{};
  with_forward<Kernels>(d, [&](const auto& k, Algorithm) { z = sizes_of(k); });
  return z;
}

void conv_pack(const ConvDesc& d, const float* w, float* wpack) {
  with_forward<Kernels>(d, [&](const auto& k, Algorithm) { k.pack_weights(w, wpack); });
}

template <typename K>
static void run_claimed(const K& k, const float* x, const float* wpack, const float* bias, float* y, float* panel, int* ints,
                        const TaskClaims& claims, int t) {
  // Many tiny tasks (depthwise: one channel-row each) are claimed in runs, so threads do not
  // contend on a counter's cache line after every few hundred multiply-adds.
  const int grain = claims.n >= 1024 ? 16 : 1;
  claims.run(t, grain, [&](int first, int last) {
    for (int i = first; i < last; i++) k.run_task(i, x, wpack, bias, y, panel, ints);
  });
}

void conv_run(const ConvDesc& d, const float* x, const float* wpack, const float* bias, float* y, float* panel, int* ints,
              const TaskClaims& claims, int t) {
  with_forward<Kernels>(d, [&](const auto& k, Algorithm) { run_claimed(k, x, wpack, bias, y, panel, ints, claims, t); });
}

bool transposed_handles(const ConvDesc& d) { return TransposedConv<Kernels::Tall>::handles(d); }

ConvSizes transposed_sizes(const ConvDesc& d) {
  ConvSizes z{};
  with_transposed<Kernels>(d, [&](const auto& k, Algorithm) { z = sizes_of(k); });
  return z;
}

void transposed_pack(const ConvDesc& d, const float* w, float* wpack) {
  with_transposed<Kernels>(d, [&](const auto& k, Algorithm) { k.pack_weights(w, wpack); });
}

void transposed_run(const ConvDesc& d, const float* dy, const float* wpack, const float* bias, float* dx, float* panel,
                    int* ints, const TaskClaims& claims, int t) {
  with_transposed<Kernels>(d, [&](const auto& k, Algorithm) { run_claimed(k, dy, wpack, bias, dx, panel, ints, claims, t); });
}

WgradSizes wgrad_sizes(const ConvDesc& d) {
  WgradSizes z{};
  with_wgrad<Kernels>(d, [&](const auto& k) { z = {k.scratch_floats(), k.dw_floats(), k.scratch_ints(), k.task_count()}; });
  return z;
}

void wgrad_run(const ConvDesc& d, const float* x, const float* dy, float* scratch, int* ints, int first, int step) {
  with_wgrad<Kernels>(d, [&](const auto& k) { wgrad_tasks(k, x, dy, scratch, ints, first, step); });
}

static const char* const kAlgorithmNames[] = {"direct", "depthwise", "winograd", "winograd-f43", "winograd-f32", "winograd-f33", "winograd-f44"};

const char* conv_algorithm(const ConvDesc& d) {
  Algorithm a = kDirect;
  with_forward<Kernels>(d, [&](const auto&, Algorithm chosen) { a = chosen; });
  return kAlgorithmNames[a];
}
const char* transposed_algorithm(const ConvDesc& d) {
  Algorithm a = kDirect;
  with_transposed<Kernels>(d, [&](const auto&, Algorithm chosen) { a = chosen; });
  return kAlgorithmNames[a];
}

// `rounds` × 4096 steps of 12 independent multiply-add chains of VL lanes: this build's peak
// throughput, timed by the caller. Returns a lane of the result so the loop is not optimized away.
float peak_madd(int rounds) {
  typedef Vec<VL>::type V;
  V acc[12];
  for (int i = 0; i < 12; i++) acc[i] = V{} + static_cast<float>(i);
  const V a = V{} + 0.999999f, b = V{} + 1e-7f;
  for (int r = 0; r < rounds; r++)
    for (int s = 0; s < 4096; s++)
      for (int i = 0; i < 12; i++) acc[i] = acc[i] * a + b;
  float sink = 0;
  for (int i = 0; i < 12; i++) sink += acc[i][0];
  return sink;
}

int vector_floats() { return VL; }

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
