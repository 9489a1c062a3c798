// Times one instruction set's build of the conv kernels on a benchmark case at one thread and at
// two, outside Node: the second thread a spinning std::thread that starts the moment the job is
// posted. What the kernels' own tasks allow for thread scaling, apart from how the addon's thread
// pool wakes its helpers; and how long each thread was busy, to see an uneven split.
//   tools/experiments/conv-threads.sh <case> [reps]      (cases: suite-cases.h)
// 1- and 2-thread jobs alternate; with BLOCK=1 set they run in blocks of 20 each, as the bench's
// rounds run each runner's reps back to back (a 1-thread job right after a 2-thread one finds
// half its data in the other core's cache: context2d 5.21 ms alternating, 4.75 in blocks).
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
  int counters[2 * atrous::TaskClaims::kStride];  // each thread's share first (task-claims.h)
  atrous::TaskClaims claims{counters, static_cast<int>(z.tasks), 1};
  double busy[2];                    // each thread's time in conv_run, last job
  auto work = [&](int t) {
    const auto t0 = std::chrono::steady_clock::now();
    isa::conv_run(d, x.data(), wpack.data(), b.data(), y.data(), panel.data() + t * (z.panel + 64), ints.data() + t * (z.ints + 64), claims, t);
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
    claims.T = threads;
    claims.reset();
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
  const bool block = std::getenv("BLOCK") != nullptr;
  for (int r = 0; r < a.reps; r++) {
    const bool one = block ? (r / 10) % 2 == 0 : true, two = block ? !one : true;  // 2 jobs a step in blocks
    for (int q = 0; q < (block ? 2 : 1); q++) {
      if (one) t1.push_back(run(1));
      if (two) t2.push_back(run(2)), b0.push_back(busy[0]), b1.push_back(busy[1]);
    }
  }
  for (auto* v : {&t1, &t2, &b0, &b1}) std::sort(v->begin(), v->end());
  const int m = static_cast<int>(t2.size()) / 2, m1 = static_cast<int>(t1.size()) / 2;
  std::printf("%s (%s, %lld tasks): 1T %.3f ms, 2T %.3f ms (%.2fx); at 2T thread busy %.3f / %.3f ms\n", a.name, isa::conv_algorithm(d), z.tasks,
              t1[m1] * 1e3, t2[m] * 1e3, t1[m1] / t2[m], b0[m] * 1e3, b1[m] * 1e3);
  quit = true;
  go.fetch_add(1);
  helper.join();
  return 0;
}
