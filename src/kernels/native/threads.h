// The addon's helper threads, shared by the conv bindings (addon.cc, which keeps them) and the
// pointwise ones (pointwise.cc).
#pragma once

namespace atrous {

// Runs call(ctx, t) for t in [0, n) on n threads, the caller's included; returns when all are done.
void run_parallel(int n, void (*call)(void*, int), void* ctx);

// run_parallel for a callable: fn(t) for t in [0, n).
template <typename F>
void run_threads(int n, F& fn) {
  run_parallel(n, [](void* f, int t) { (*static_cast<F*>(f))(t); }, &fn);
}

}  // namespace atrous
