// Times one instruction set's build of the conv kernels (src/kernels/csrc/conv-isa.cc) on a
// benchmark case, one thread, outside Node: for `perf record`, which then sees the kernels'
// own functions (micro-kernel, panel copy, transforms) rather than one N-API call.
//   tools/experiments/conv-profile.sh <case> [reps]      (builds, runs, prints perf's top symbols)
// Cases: suite-cases.h.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "conv-isa.h"
#include "suite-cases.h"

using atrous::ConvDesc;
// The build to profile: -DATROUS_TOOL_ISA=avx2 or avx512 (conv-profile.sh, from isa.sh).
namespace isa = atrous::ATROUS_TOOL_ISA;

int main(int argc, char** argv) {
  suite::Args a;
  if (!suite::parse(argc, argv, &a)) return 2;
  const ConvDesc& d = a.d;
  const atrous::ConvSizes z = isa::conv_sizes(d);
  std::vector<float> x(a.xs), w(a.ws), y(a.ys), b(d.Cout), wpack(z.packed), panel(z.panel);
  std::vector<int> ints(z.ints + 1);
  for (auto& v : x) v = std::rand() / float(RAND_MAX) - 0.5f;
  for (auto& v : w) v = std::rand() / float(RAND_MAX) - 0.5f;
  isa::conv_pack(d, w.data(), wpack.data());
  auto run = [&] {
    int counter[atrous::TaskClaims::kStride] = {0};  // one thread: every task, in order
    const auto t0 = std::chrono::steady_clock::now();
    isa::conv_run(d, x.data(), wpack.data(), b.data(), y.data(), panel.data(), ints.data(), atrous::TaskClaims{counter, static_cast<int>(z.tasks), 1}, 0);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  // A second of warm-up: this VM's cores run slower for the first half second of load.
  for (const auto t0 = std::chrono::steady_clock::now(); std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 1.0;) run();
  std::vector<double> t;
  for (int r = 0; r < a.reps; r++) t.push_back(run());
  std::sort(t.begin(), t.end());
  const double flops = 2.0 * d.N * d.Cout * (d.Cin / d.groups) * d.KD * d.KH * d.KW * double(d.OD) * d.OH * d.OW;
  std::printf("%s (%s): median %.3f ms, %.1f GFLOP/s (direct-algorithm flops), %lld tasks\n", a.name, isa::conv_algorithm(d),
              t[t.size() / 2] * 1e3, flops / t[t.size() / 2] / 1e9, z.tasks);
  return 0;
}
