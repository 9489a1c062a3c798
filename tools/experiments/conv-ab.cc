// Two builds of one instruction set's conv kernels (AVX2 or AVX-512) in one process — this
// checkout's and an older revision's (namespace old) — run interleaved on one case: the median ratio of their times
// says what a kernel change bought, with this VM's drift shared by both. A case named
// "wgrad:<case>" times the weight gradient (one part, one thread) instead of the forward conv.
//   [ISA=avx2|avx512] tools/experiments/conv-ab.sh <revision> <case> [reps]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "conv-isa.h"

namespace atrous {
namespace old {
ConvSizes conv_sizes(const ConvDesc& d);
void conv_pack(const ConvDesc& d, const float* w, float* wpack);
// Revisions since the threads claim their own share of tasks first (task-claims.h) take the claims;
// older ones one shared counter (conv-ab.sh tells which).
#ifdef ATROUS_OLD_CLAIMS
void conv_run(const ConvDesc& d, const float* x, const float* wpack, const float* bias, float* y, float* panel, int* ints,
              const TaskClaims& claims, int t);
#else
void conv_run(const ConvDesc& d, const float* x, const float* wpack, const float* bias, float* y, float* panel, int* ints, int* next);
#endif
WgradSizes wgrad_sizes(const ConvDesc& d);
void wgrad_run(const ConvDesc& d, const float* x, const float* dy, float* scratch, int* ints, int first, int step);
}  // namespace old
}  // namespace atrous
using atrous::ConvDesc;
// This checkout's build: -DATROUS_TOOL_ISA=avx2 or avx512 (conv-ab.sh, from isa.sh).
namespace fresh = atrous::ATROUS_TOOL_ISA;

static ConvDesc conv2d(int N, int Ci, int Co, int H, int W, int dil) {
  return ConvDesc{N, Ci, Co, 1, 1, H, W, 1, 3, 3, 1, 1, 1, 1, dil, dil, 0, dil, dil, 1, H, W};
}

// Medians of the old and new build's times, and of their ratio per pair.
struct Timing {
  double old_s, new_s, ratio;
};

// Runs time(0) (old) and time(1) (new) alternately: a second of warm-up, then `reps` pairs, each
// pair in the other order from the last (the second of a pair finds x in cache: identical builds
// read 1.04x with the new one always second).
template <typename F>
static Timing interleave(F time, int reps) {
  for (const auto t0 = std::chrono::steady_clock::now(); std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 1.0;) time(0), time(1);
  std::vector<double> t[2], ratio;
  for (int r = 0; r < reps; r++) {
    double a, c;
    if (r % 2) c = time(1), a = time(0);
    else a = time(0), c = time(1);
    t[0].push_back(a), t[1].push_back(c), ratio.push_back(a / c);
  }
  for (auto* v : {&t[0], &t[1], &ratio}) std::sort(v->begin(), v->end());
  return {t[0][reps / 2], t[1][reps / 2], ratio[reps / 2]};
}

// The direct algorithm's flops (what GFLOP/s count everywhere in the benchmarks).
static double direct_flops(const ConvDesc& d) {
  return 2.0 * d.N * d.Cout * (d.Cin / d.groups) * d.KD * d.KH * d.KW * double(d.OD) * d.OH * d.OW;
}

// Weight gradients of both builds, one part (every task) on this thread, interleaved.
static int time_wgrad(const char* name, const ConvDesc& d, int reps) {
  typedef atrous::WgradSizes (*Sizes)(const ConvDesc&);
  typedef void (*Run)(const ConvDesc&, const float*, const float*, float*, int*, int, int);
  const Sizes sizes[2] = {atrous::old::wgrad_sizes, fresh::wgrad_sizes};
  const Run run[2] = {atrous::old::wgrad_run, fresh::wgrad_run};
  const size_t xs = size_t(d.N) * d.Cin * d.D * d.H * d.W, ys = size_t(d.N) * d.Cout * d.OD * d.OH * d.OW;
  std::vector<float> x(xs), dy(ys), scratch[2];
  std::vector<int> ints[2];
  for (auto& v : x) v = std::rand() / float(RAND_MAX) - 0.5f;
  for (auto& v : dy) v = std::rand() / float(RAND_MAX) - 0.5f;
  atrous::WgradSizes z[2];
  for (int k = 0; k < 2; k++) {
    z[k] = sizes[k](d);
    scratch[k].resize(z[k].scratch);
    ints[k].resize(z[k].ints + 1);
  }
  auto time = [&](int k) {
    const auto t0 = std::chrono::steady_clock::now();
    run[k](d, x.data(), dy.data(), scratch[k].data(), ints[k].data(), 0, 1);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const Timing tm = interleave(time, reps);
  // dw is the last z.dw floats of each build's scratch.
  double diff = 0, big = 0;
  for (size_t i = 0; i < z[1].dw; i++) {
    const float a = scratch[0][z[0].scratch - z[0].dw + i], b = scratch[1][z[1].scratch - z[1].dw + i];
    diff = std::fmax(diff, std::fabs(a - b)), big = std::fmax(big, std::fabs(a));
  }
  const double flops = direct_flops(d);
  std::printf("wgrad:%s: old %.3f ms (%.1f GFLOP/s), new %.3f ms (%.1f GFLOP/s), new %.2fx faster (median ratio); max |diff| %.1e of max |dw| %.1f\n",
              name, tm.old_s * 1e3, flops / tm.old_s / 1e9, tm.new_s * 1e3, flops / tm.new_s / 1e9, tm.ratio, diff, big);
  return 0;
}

int main(int argc, char** argv) {
  const char* arg = argc > 1 ? argv[1] : "context2d-d8";
  const int reps = argc > 2 ? std::atoi(argv[2]) : 21;
  const bool wgrad = !std::strncmp(arg, "wgrad:", 6);
  const char* name = wgrad ? arg + 6 : arg;
  ConvDesc d;
  int dil = 0, ch = 0;
  if (std::sscanf(name, "context2d-d%d", &dil) == 1 && dil > 0) d = conv2d(1, 64, 64, 128, 128, dil);  // 3x3, same padding
  else if (std::sscanf(name, "tcn-layer-d%d", &dil) == 1 && dil > 0) {
    // The adding-problem TCN's layer (bench/train): N 32, 24 → 24, T 600, kernel 8, causal.
    d = ConvDesc{32, 24, 24, 1, 1, 1, 600, 1, 1, 8, 1, 1, 1, 1, 1, dil, 0, 0, 7 * dil, 1, 1, 600};
  }
  else if (std::sscanf(name, "k2-c%d-d%d", &ch, &dil) == 2 && ch > 0 && dil > 0) {
    // A WaveNet layer's dilated conv: ch → 2·ch channels (filter and gate), kernel 2, causal, T 8000.
    d = ConvDesc{1, ch, 2 * ch, 1, 1, 1, 8000, 1, 1, 2, 1, 1, 1, 1, 1, dil, 0, 0, dil, 1, 1, 8000};
  }
  else if (!std::strcmp(name, "aspp2d")) d = conv2d(1, 256, 256, 65, 65, 12);
  else if (std::sscanf(name, "strided2d-c%dx%d", &ch, &dil) == 2 && ch > 0 && dil > 0) {
    // strided2d's geometry (112x112, 3x3, stride 2, dilation 2, padding 2) at ch → dil channels.
    d = ConvDesc{1, ch, dil, 1, 1, 112, 112, 1, 3, 3, 1, 2, 2, 1, 2, 2, 0, 2, 2, 1, 56, 56};
  }
  else if (!std::strcmp(name, "strided2d-sub")) d = conv2d(1, 32, 64, 56, 56, 1);  // strided2d on x[::2, ::2]
  else if (!std::strcmp(name, "wavenet1d")) d = ConvDesc{1, 64, 128, 1, 1, 1, 16000, 1, 1, 2, 1, 1, 1, 1, 1, 256, 0, 0, 256, 1, 1, 16000};
  else if (!std::strcmp(name, "strided2d")) d = ConvDesc{1, 32, 64, 1, 1, 112, 112, 1, 3, 3, 1, 2, 2, 1, 2, 2, 0, 2, 2, 1, 56, 56};
  else if (!std::strcmp(name, "conv3d")) d = ConvDesc{1, 16, 16, 1, 32, 32, 32, 3, 3, 3, 1, 1, 1, 2, 2, 2, 2, 2, 2, 32, 32, 32};
  else if (!std::strcmp(name, "digits-layer")) d = conv2d(64, 32, 32, 14, 14, 2);
  else if (!std::strcmp(name, "tcn1d")) d = ConvDesc{16, 64, 64, 1, 1, 1, 1024, 1, 1, 3, 1, 1, 1, 1, 1, 16, 0, 0, 32, 1, 1, 1024};
  else if (!std::strcmp(name, "bytenet1d")) d = ConvDesc{8, 256, 256, 1, 1, 1, 512, 1, 1, 3, 1, 1, 1, 1, 1, 8, 0, 0, 8, 1, 1, 512};
  else if (!std::strcmp(name, "depthwise2d")) d = ConvDesc{1, 256, 256, 256, 1, 65, 65, 1, 3, 3, 1, 1, 1, 1, 6, 6, 0, 6, 6, 1, 65, 65};
  else {
    std::fprintf(stderr, "cases: [wgrad:]context2d-d<dilation>, tcn-layer-d<dilation>, k2-c<channels>-d<dilation>, aspp2d, digits-layer, tcn1d, bytenet1d, depthwise2d, wavenet1d, strided2d, strided2d-c<Cin>x<Cout>, conv3d\n");
    return 2;
  }
  if (wgrad) return time_wgrad(name, d, reps);
  typedef atrous::ConvSizes (*Sizes)(const ConvDesc&);
  typedef void (*Pack)(const ConvDesc&, const float*, float*);
  typedef void (*Run)(const ConvDesc&, const float*, const float*, const float*, float*, float*, int*);
  const Sizes sizes[2] = {atrous::old::conv_sizes, fresh::conv_sizes};
  const Pack pack[2] = {atrous::old::conv_pack, fresh::conv_pack};
  // One thread: all the tasks, in order.
  static long long tasks[2];
  tasks[0] = atrous::old::conv_sizes(d).tasks, tasks[1] = fresh::conv_sizes(d).tasks;
  const Run run[2] = {
      [](const ConvDesc& d, const float* x, const float* wp, const float* b, float* y, float* panel, int* ints) {
#ifdef ATROUS_OLD_CLAIMS
        int counter[atrous::TaskClaims::kStride] = {0};
        atrous::old::conv_run(d, x, wp, b, y, panel, ints, atrous::TaskClaims{counter, static_cast<int>(tasks[0]), 1}, 0);
#else
        int next = 0;
        atrous::old::conv_run(d, x, wp, b, y, panel, ints, &next);
#endif
      },
      [](const ConvDesc& d, const float* x, const float* wp, const float* b, float* y, float* panel, int* ints) {
        int counter[atrous::TaskClaims::kStride] = {0};
        fresh::conv_run(d, x, wp, b, y, panel, ints, atrous::TaskClaims{counter, static_cast<int>(tasks[1]), 1}, 0);
      }};
  const size_t xs = size_t(d.N) * d.Cin * d.D * d.H * d.W, ws = size_t(d.Cout) * d.Cin / d.groups * d.KD * d.KH * d.KW,
               ys = size_t(d.N) * d.Cout * d.OD * d.OH * d.OW;
  std::vector<float> x(xs), w(ws), b(d.Cout), y[2], wpack[2], panel[2];
  std::vector<int> ints[2];
  for (auto& v : x) v = std::rand() / float(RAND_MAX) - 0.5f;
  for (auto& v : w) v = std::rand() / float(RAND_MAX) - 0.5f;
  for (auto& v : b) v = std::rand() / float(RAND_MAX) - 0.5f;
  for (int k = 0; k < 2; k++) {
    const atrous::ConvSizes z = sizes[k](d);
    wpack[k].resize(z.packed);
    panel[k].resize(z.panel);
    ints[k].resize(z.ints + 1);
    y[k].assign(ys, NAN);
    pack[k](d, w.data(), wpack[k].data());
  }
  auto time = [&](int k) {
    const auto t0 = std::chrono::steady_clock::now();
    run[k](d, x.data(), wpack[k].data(), b.data(), y[k].data(), panel[k].data(), ints[k].data());
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const Timing tm = interleave(time, reps);
  double diff = 0, big = 0;
  for (size_t i = 0; i < ys; i++) diff = std::fmax(diff, std::fabs(y[0][i] - y[1][i])), big = std::fmax(big, std::fabs(y[0][i]));
  const double flops = direct_flops(d);
  std::printf("%s: old %.3f ms (%.1f GFLOP/s), new %.3f ms (%.1f GFLOP/s, %s), new %.2fx faster (median ratio); max |diff| %.1e of max |y| %.1f\n", name,
              tm.old_s * 1e3, flops / tm.old_s / 1e9, tm.new_s * 1e3, flops / tm.new_s / 1e9,
              fresh::conv_algorithm(d), tm.ratio, diff, big);
  return 0;
}
