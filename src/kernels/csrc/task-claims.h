// How the threads of one call share its tasks [0, n): thread t of T owns the contiguous share
// [⌊t·n/T⌋, ⌊(t+1)·n/T⌋), claims it in order `grain` tasks at a time, then claims what is left of
// the others' shares, starting with the next thread's. A thread that falls behind (its vCPU
// halted by the host, an async call overlapping another) is helped rather than waited for, as
// with one shared counter; but in a run of calls each thread mostly runs the same tasks each
// time, so the x rows, packed filters and panels those tasks touched are still in its own core's
// cache. From one shared counter, the tasks a thread got changed from call to call:
// tools/experiments/conv-threads.sh with BLOCK=1 (each case's calls back to back, as the bench
// times them), two threads: context2d 2.57 / 2.49 ms with one counter, 2.39 / 2.32 with fixed
// halves, 2.40 with these claims (2.03x its one-thread time, from 1.85-1.88x); bytenet1d 3.55
// against 3.14 (1.99x); aspp2d level. Through the addon, in the bench's blocks: context2d 2T ÷ 1T
// 1.91x twice, where it had read 1.74-1.80x. Contiguous shares, not every T-th task: strided
// ones ran context2d at 2.62 ms (2.43 contiguous) and bytenet1d 3.38 (3.03), neighbouring tasks
// sharing cache lines; they would have evened out aspp2d, whose later tasks write fewer output
// rows (its threads busy 9.9 and 9.1 ms).
//
// Freestanding (the kernels' builds include it; addon.cc resets the counters before each call).
#pragma once

namespace atrous {

struct TaskClaims {
  // Ints between two threads' counters: 64 bytes, so no two share a cache line.
  static constexpr int kStride = 16;

  int* counters;  // T·kStride ints; counters[u·kStride] is thread u's next unclaimed task
  int n, T;

  int begin(int u) const { return static_cast<int>(static_cast<long long>(n) * u / T); }
  int end(int u) const { return begin(u + 1); }

  // Before any thread claims: every counter at the start of its share.
  void reset() const {
    for (int u = 0; u < T; u++) counters[u * kStride] = begin(u);
  }

  // Runs f(first, last) over the ranges thread t claims, until no task is left unclaimed. Each
  // counter runs past its share's end by at most grain·T (the callers check n leaves room).
  template <typename F>
  void run(int t, int grain, F f) const {
    for (int k = 0; k < T; k++) {
      const int u = t + k < T ? t + k : t + k - T;
      const int last = end(u);
      for (int i; (i = __atomic_fetch_add(&counters[u * kStride], grain, __ATOMIC_RELAXED)) < last;)
        f(i, i + grain < last ? i + grain : last);
    }
  }
};

}  // namespace atrous
