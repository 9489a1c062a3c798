// Times one instruction set's build of the conv kernels on a benchmark case at one thread and at
// two, outside Node: the second thread a spinning std::thread that starts the moment the job is
// posted. What the kernels' own tasks allow for thread scaling, apart from how the addon's thread
// pool wakes its helpers; and how long each thread was busy, to see an uneven split.
//   tools/experiments/conv-threads.sh <case> [reps]      (cases: suite-cases.h)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "conv-isa.h"
#include "suite-cases.h"

using atrous::ConvDesc;
namespace isa = atrous::ATROUS_TOOL_ISA;  // -DATROUS_TOOL_ISA=avx2 or avx512 (conv-threads.sh)

int main(int argc, char** argv) {
  suite::Args a;
  if (!suite::parse(argc, argv, &a)) return 2;
  const ConvDesc& d = a.d;
  const atrous::ConvSizes z = isa::conv_sizes(d);
  std::vector<float> x(a.xs), w(a.ws), y(a.ys), b(d.Cout), wpack(z.packed), panel(2 * (z.panel + 64));
  std::vector<int> ints(2 * (z.ints + 64));
  for (auto& v : x) v = std::rand() / float(RAND_MAX) - 0.5f;
  for (auto& v : w) v = std::rand() / float(RAND_MAX) - 0.5f;
  isa::conv_pack(d, w.data(), wpack.data());
  std::atomic<int> go{0}, done{0};  // jobs posted to the helper, jobs it finished
  int next = 0;                      // the kernels' task counter (conv_run claims atomically)
  double busy[2];                    // each thread's time in conv_run, last job
  auto work = [&](int t) {
    const auto t0 = std::chrono::steady_clock::now();
    isa::conv_run(d, x.data(), wpack.data(), b.data(), y.data(), panel.data() + t * (z.panel + 64), ints.data() + t * (z.ints + 64), &next);
    busy[t] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::atomic<bool> quit{false};
  std::thread helper([&] {
    int seen = 0;
    for (;;) {
      int g;
      while ((g = go.load(std::memory_order_acquire)) == seen) if (quit.load()) return;
      seen = g;
      work(1);
      done.fetch_add(1, std::memory_order_release);
    }
  });
  // One job on `threads` threads (1 or 2), timed from posting to both finishing.
  auto run = [&](int threads) {
    next = 0;
    const auto t0 = std::chrono::steady_clock::now();
    int want = done.load();
    if (threads == 2) go.fetch_add(1, std::memory_order_release);
    work(0);
    if (threads == 2) while (done.load(std::memory_order_acquire) == want) {}
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  // A second of warm-up, then 1- and 2-thread jobs alternately.
  for (const auto t0 = std::chrono::steady_clock::now(); std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 1.0;) run(1), run(2);
  std::vector<double> t1, t2, b0, b1;
  for (int r = 0; r < a.reps; r++) {
    t1.push_back(run(1));
    t2.push_back(run(2));
    b0.push_back(busy[0]), b1.push_back(busy[1]);
  }
  for (auto* v : {&t1, &t2, &b0, &b1}) std::sort(v->begin(), v->end());
  const int m = a.reps / 2;
  std::printf("%s (%s, %lld tasks): 1T %.3f ms, 2T %.3f ms (%.2fx); at 2T thread busy %.3f / %.3f ms\n", a.name, isa::conv_algorithm(d), z.tasks,
              t1[m] * 1e3, t2[m] * 1e3, t1[m] / t2[m], b0[m] * 1e3, b1[m] * 1e3);
  quit = true;
  go.fetch_add(1);
  helper.join();
  return 0;
}
