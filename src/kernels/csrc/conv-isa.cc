// One instruction set's build of the kernels. Compiled once per target with
//   -DATROUS_ISA_NS=<avx512|avx2|baseline> and that target's flags (binding.gyp). Tiles: MR output
// channels × NR vectors of VL output columns, sized so MR·NR accumulators fit the register file.
//
// Kernels only: no allocation, threads or standard library here (src/kernels/native/addon.cc owns
// those, built with baseline flags). Library template code compiled in this file would get this
// file's flags, and the linker keeps one copy of each such function for all three builds: an
// AVX-512 copy of std::vector code, say, then faults on an AVX2-only CPU.
#include "conv-depthwise.h"
#include "conv-direct.h"
#include "conv-isa.h"
#include "conv-transpose.h"
#include "conv-wgrad.h"
#include "conv-winograd.h"

namespace atrous {
namespace ATROUS_ISA_NS {

#if defined(__AVX512F__)
constexpr int VL = 16, MR = 8, NR = 3;  // 24 of 32 zmm registers accumulate
#elif defined(__AVX2__)
constexpr int VL = 8, MR = 4, NR = 3;   // 12 of 16 ymm registers accumulate
#else
constexpr int VL = 4, MR = 4, NR = 3;   // SSE2: 12 of 16 xmm registers
#endif

// One output channel per group (depthwise): a tall tile would multiply zero weights, so such
// convs get a single-channel tile that is wide along the columns. conv-wasm.cc chooses the same way.
typedef DirectConv<VL, MR, NR> Tall;
typedef DirectConv<VL, 1, 8> Wide;
typedef DepthwiseConv<VL, 8> Depthwise;
typedef WinogradConv<VL, MR, NR> Winograd;  // the same register tile, its K loop contiguous
typedef WinogradConv<VL, MR, NR, false> Winograd1;  // F(2, 3): kernels 1 tall, 3 wide
static bool wide(const ConvDesc& d) { return d.Cout / d.groups == 1; }

template <typename K>
static ConvSizes sizes_of(const K& k) {
  return {k.packed_floats(), k.panel_floats(), k.scratch_ints(), k.task_count()};
}

// Plain depthwise (multiplier 1, 1D/2D, column stride 1) has its own kernel (conv-depthwise.h).
ConvSizes conv_sizes(const ConvDesc& d) {
  if (Winograd::handles(d)) return sizes_of(Winograd(d));
  if (Winograd1::handles(d)) return sizes_of(Winograd1(d));
  if (Depthwise::handles(d)) return sizes_of(Depthwise(d));
  return wide(d) ? sizes_of(Wide(d)) : sizes_of(Tall(d));
}

void conv_pack(const ConvDesc& d, const float* w, float* wpack) {
  if (Winograd::handles(d)) Winograd(d).pack_weights(w, wpack);
  else if (Winograd1::handles(d)) Winograd1(d).pack_weights(w, wpack);
  else if (Depthwise::handles(d)) Depthwise(d).pack_weights(w, wpack);
  else if (wide(d)) Wide(d).pack_weights(w, wpack);
  else Tall(d).pack_weights(w, wpack);
}

template <typename K>
static void run_from(const K& k, const float* x, const float* wpack, const float* bias, float* y, float* panel, int* ints,
                     int* next) {
  const int tasks = static_cast<int>(k.task_count());  // the caller checked it fits
  // Many tiny tasks (depthwise: one channel-row each) are claimed in runs, so threads do not
  // contend on the counter's cache line after every few hundred multiply-adds.
  const int grain = tasks >= 1024 ? 16 : 1;
  for (int i; (i = __atomic_fetch_add(next, grain, __ATOMIC_RELAXED)) < tasks;) {
    const int end = i + grain < tasks ? i + grain : tasks;
    for (; i < end; i++) k.run_task(i, x, wpack, bias, y, panel, ints);
  }
}

void conv_run(const ConvDesc& d, const float* x, const float* wpack, const float* bias, float* y, float* panel, int* ints,
              int* next) {
  if (Winograd::handles(d)) run_from(Winograd(d), x, wpack, bias, y, panel, ints, next);
  else if (Winograd1::handles(d)) run_from(Winograd1(d), x, wpack, bias, y, panel, ints, next);
  else if (Depthwise::handles(d)) run_from(Depthwise(d), x, wpack, bias, y, panel, ints, next);
  else if (wide(d)) run_from(Wide(d), x, wpack, bias, y, panel, ints, next);
  else run_from(Tall(d), x, wpack, bias, y, panel, ints, next);
}

// Transposed convs run each stride phase on the direct kernel; its output channels are the
// forward conv's input channels, so the wide tile serves one input channel per group.
typedef TransposedConv<Tall> TallT;
typedef TransposedConv<Wide> WideT;
static bool wide_t(const ConvDesc& d) { return d.Cin / d.groups == 1; }

// Stride-1 3x3 ones with enough channels are a conv over dy, on Winograd's kernel.
typedef WinogradTransposed<Winograd> WinogradT;
typedef WinogradTransposed<Winograd1> Winograd1T;

bool transposed_handles(const ConvDesc& d) { return TallT::handles(d); }

ConvSizes transposed_sizes(const ConvDesc& d) {
  if (WinogradT::handles(d)) return sizes_of(WinogradT(d));
  if (Winograd1T::handles(d)) return sizes_of(Winograd1T(d));
  return wide_t(d) ? sizes_of(WideT(d)) : sizes_of(TallT(d));
}

void transposed_pack(const ConvDesc& d, const float* w, float* wpack) {
  if (WinogradT::handles(d)) WinogradT(d).pack_weights(w, wpack);
  else if (Winograd1T::handles(d)) Winograd1T(d).pack_weights(w, wpack);
  else if (wide_t(d)) WideT(d).pack_weights(w, wpack);
  else TallT(d).pack_weights(w, wpack);
}

void transposed_run(const ConvDesc& d, const float* dy, const float* wpack, const float* bias, float* dx, float* panel,
                    int* ints, int* next) {
  if (WinogradT::handles(d)) run_from(WinogradT(d), dy, wpack, bias, dx, panel, ints, next);
  else if (Winograd1T::handles(d)) run_from(Winograd1T(d), dy, wpack, bias, dx, panel, ints, next);
  else if (wide_t(d)) run_from(WideT(d), dy, wpack, bias, dx, panel, ints, next);
  else run_from(TallT(d), dy, wpack, bias, dx, panel, ints, next);
}

// Weight gradient blocks: MO dy rows × NC x rows of vector accumulators (8 of 16 ymm on AVX2, 16
// of 32 zmm on AVX-512); one row each with four accumulators when every group has one channel.
#if defined(__AVX512F__)
typedef WeightGrad<VL, 4, 4, 1> WgradBlock;
#else
typedef WeightGrad<VL, 4, 2, 1> WgradBlock;
#endif
typedef WeightGrad<VL, 1, 1, 4> WgradDepthwise;
typedef WinogradWgrad<VL, MR, NR> WgradWinograd;  // where the forward conv runs on Winograd
typedef WinogradWgrad<VL, MR, NR, false> WgradWinograd1;

template <typename K>
static WgradSizes wgrad_sizes_of(const K& k) {
  return {k.scratch_floats(), k.dw_floats(), k.scratch_ints(), k.task_count()};
}

WgradSizes wgrad_sizes(const ConvDesc& d) {
  if (WgradWinograd::handles(d)) return wgrad_sizes_of(WgradWinograd(d));
  if (WgradWinograd1::handles(d)) return wgrad_sizes_of(WgradWinograd1(d));
  return wgrad_depthwise(d) ? wgrad_sizes_of(WgradDepthwise(d)) : wgrad_sizes_of(WgradBlock(d));
}

void wgrad_run(const ConvDesc& d, const float* x, const float* dy, float* scratch, int* ints, int first, int step) {
  if (WgradWinograd::handles(d)) wgrad_tasks(WgradWinograd(d), x, dy, scratch, ints, first, step);
  else if (WgradWinograd1::handles(d)) wgrad_tasks(WgradWinograd1(d), x, dy, scratch, ints, first, step);
  else if (wgrad_depthwise(d)) wgrad_tasks(WgradDepthwise(d), x, dy, scratch, ints, first, step);
  else wgrad_tasks(WgradBlock(d), x, dy, scratch, ints, first, step);
}

const char* conv_algorithm(const ConvDesc& d) {
  return Winograd::handles(d) || Winograd1::handles(d) ? "winograd" : Depthwise::handles(d) ? "depthwise" : "direct";
}
const char* transposed_algorithm(const ConvDesc& d) {
  return WinogradT::handles(d) || Winograd1T::handles(d) ? "winograd" : "direct";
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
