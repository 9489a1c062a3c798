// Times one instruction set's build of the conv kernels (src/kernels/csrc/conv-isa.cc) on a
// benchmark case, one thread, outside Node: for `perf record`, which then sees the kernels'
// own functions (micro-kernel, panel copy, transforms) rather than one N-API call.
//   tools/experiments/conv-profile.sh <case> [reps]      (builds, runs, prints perf's top symbols)
// Cases: the suite's 2D/1D shapes (bench/shapes/suite.json) and the training bench's TCN layer.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "conv-isa.h"

using atrous::ConvDesc;

static ConvDesc conv2d(int N, int Ci, int Co, int H, int W, int K, int dil, int pad, int s) {
  const int OH = (H + 2 * pad - dil * (K - 1) - 1) / s + 1, OW = (W + 2 * pad - dil * (K - 1) - 1) / s + 1;
  return ConvDesc{N, Ci, Co, 1, 1, H, W, 1, K, K, 1, s, s, 1, dil, dil, 0, pad, pad, 1, OH, OW};
}
static ConvDesc conv1d(int N, int Ci, int Co, int T, int K, int dil, int padBefore, int padAfter) {
  return ConvDesc{N, Ci, Co, 1, 1, 1, T, 1, 1, K, 1, 1, 1, 1, 1, dil, 0, 0, padBefore, 1, 1, T + padBefore + padAfter - dil * (K - 1)};
}

int main(int argc, char** argv) {
  const char* name = argc > 1 ? argv[1] : "context2d";
  const int reps = argc > 2 ? std::atoi(argv[2]) : 40;
  ConvDesc d;
  if (!std::strcmp(name, "context2d")) d = conv2d(1, 64, 64, 128, 128, 3, 8, 8, 1);
  else if (!std::strcmp(name, "aspp2d")) d = conv2d(1, 256, 256, 65, 65, 3, 12, 12, 1);
  else if (!std::strcmp(name, "strided2d")) d = conv2d(1, 32, 64, 112, 112, 3, 2, 2, 2);
  else if (!std::strcmp(name, "bytenet1d")) d = conv1d(8, 256, 256, 512, 3, 8, 8, 8);
  else if (!std::strcmp(name, "tcn1d")) d = conv1d(16, 64, 64, 1024, 3, 16, 32, 0);
  else if (!std::strcmp(name, "wavenet1d")) d = conv1d(1, 64, 128, 16000, 2, 256, 256, 0);
  else if (!std::strcmp(name, "tcn-layer")) d = conv1d(32, 24, 24, 600, 8, 16, 112, 0);
  else if (!std::strcmp(name, "conv3d")) d = ConvDesc{1, 16, 16, 1, 32, 32, 32, 3, 3, 3, 1, 1, 1, 2, 2, 2, 2, 2, 2, 32, 32, 32};
  else if (!std::strcmp(name, "depthwise2d")) d = ConvDesc{1, 256, 256, 256, 1, 65, 65, 1, 3, 3, 1, 1, 1, 1, 6, 6, 0, 6, 6, 1, 65, 65};
  else {
    std::fprintf(stderr, "unknown case %s\n", name);
    return 2;
  }
  namespace isa = atrous::avx2;
  const atrous::ConvSizes z = isa::conv_sizes(d);
  const size_t xs = size_t(d.N) * d.Cin * d.D * d.H * d.W, ws = size_t(d.Cout) * d.Cin / d.groups * d.KD * d.KH * d.KW,
               ys = size_t(d.N) * d.Cout * d.OD * d.OH * d.OW;
  std::vector<float> x(xs), w(ws), y(ys), b(d.Cout), wpack(z.packed), panel(z.panel);
  std::vector<int> ints(z.ints + 1);
  for (auto& v : x) v = std::rand() / float(RAND_MAX) - 0.5f;
  for (auto& v : w) v = std::rand() / float(RAND_MAX) - 0.5f;
  isa::conv_pack(d, w.data(), wpack.data());
  auto run = [&] {
    int next = 0;
    const auto t0 = std::chrono::steady_clock::now();
    isa::conv_run(d, x.data(), wpack.data(), b.data(), y.data(), panel.data(), ints.data(), &next);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  // A second of warm-up: this VM's cores run slower for the first half second of load.
  for (const auto t0 = std::chrono::steady_clock::now(); std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 1.0;) run();
  std::vector<double> t;
  for (int r = 0; r < reps; r++) t.push_back(run());
  std::sort(t.begin(), t.end());
  const double flops = 2.0 * d.N * d.Cout * (d.Cin / d.groups) * d.KD * d.KH * d.KW * double(d.OD) * d.OH * d.OW;
  std::printf("%s (%s): median %.3f ms, %.1f GFLOP/s (direct-algorithm flops), %lld tasks\n", name, isa::conv_algorithm(d),
              t[t.size() / 2] * 1e3, flops / t[t.size() / 2] / 1e9, z.tasks);
  return 0;
}
