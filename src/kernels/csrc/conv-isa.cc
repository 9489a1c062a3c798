// One instruction set's build of the kernels. Compiled once per target with
//   -DATROUS_ISA_NS=<avx512|avx2|baseline|wasm_simd128|wasm_relaxed> and that target's flags
// (binding.gyp for native, tools/build-wasm.sh for WebAssembly). Tiles: MR output channels ×
// NR vectors of VL output columns, sized so MR·NR accumulators fit the register file.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "conv-direct.h"
#include "conv-isa.h"

namespace atrous {
namespace ATROUS_ISA_NS {

#if defined(__AVX512F__)
constexpr int VL = 16, MR = 8, NR = 3;  // 24 of 32 zmm registers accumulate
#elif defined(__AVX2__)
constexpr int VL = 8, MR = 4, NR = 3;   // 12 of 16 ymm registers accumulate
#else
constexpr int VL = 4, MR = 4, NR = 3;   // SSE2 / wasm SIMD128: 12 of 16 xmm registers
#endif

// Scratch memory of the calling thread (the main thread, or a libuv worker for async calls),
// kept between calls: allocating megabytes per call costs page faults, which on this VM made
// run times noticeably more variable. Shrinks after a call that needed far less.
template <typename T>
static T* reuse(std::vector<T>& buf, size_t need) {
  if (buf.size() < need || (buf.size() > (size_t(16) << 20) && need < buf.size() / 4)) {
    std::vector<T>().swap(buf);
    buf.resize(need);
  }
  return buf.data();
}

// Packs the weights, then hands tasks to `threads` threads (the caller's included) through an
// atomic counter; each thread owns a slice of the scratch for its panel.
template <int TMR, int TNR>
static void run(const ConvDesc& d, const float* x, const float* w, const float* bias, float* y, int threads) {
  const DirectConv<VL, TMR, TNR> k(d);
  const int tasks = k.task_count();
  const int nthreads = threads < tasks ? threads : tasks;
  const size_t packed = k.packed_floats(), panel = k.panel_floats(), ints = k.scratch_ints();
  thread_local std::vector<float> fscratch;
  thread_local std::vector<int> iscratch;
  float* wpack = reuse(fscratch, packed + panel * nthreads);
  int* ibase = reuse(iscratch, ints * nthreads);
  k.pack_weights(w, wpack);
  std::atomic<int> next{0};
  auto worker = [&](int t) {
    float* p = wpack + packed + panel * t;
    int* iv = ibase + ints * t;
    for (int i; (i = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) k.run_task(i, x, wpack, bias, y, p, iv);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < nthreads; t++) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
}

void conv_f32(const ConvDesc& d, const float* x, const float* w, const float* bias, float* y, int threads) {
  // One output channel per group (depthwise): a tall tile would multiply zero weights, so use a
  // single-channel tile that is wide along the columns instead.
  if (d.Cout / d.groups == 1) {
    run<1, 8>(d, x, w, bias, y, threads);
  } else {
    run<MR, NR>(d, x, w, bias, y, threads);
  }
}

// Multiply-add throughput with 12 independent accumulator chains per thread: the machine's peak
// for this instruction set, measured rather than looked up (turbo, SMT and VMs change it).
double peak_gflops(int threads, double seconds) {
  typedef Vec<VL>::type V;
  std::atomic<double> total{0};
  auto worker = [&]() {
    V acc[12];
    for (int i = 0; i < 12; i++) acc[i] = V{} + static_cast<float>(i);
    const V a = V{} + 0.999999f, b = V{} + 1e-7f;
    long iters = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < seconds) {
      for (int r = 0; r < 4096; r++)
        for (int i = 0; i < 12; i++) acc[i] = acc[i] * a + b;
      iters += 4096;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    float sink = 0;
    for (int i = 0; i < 12; i++) sink += acc[i][0];
    const double flops = static_cast<double>(iters) * 12 * VL * 2 + (sink == 12345.0f ? 1 : 0);
    double prev = total.load();
    while (!total.compare_exchange_weak(prev, prev + flops / elapsed / 1e9)) {}
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; i++) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  return total.load();
}

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
