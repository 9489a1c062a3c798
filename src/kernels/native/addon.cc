// N-API binding of the native kernels. The TypeScript side validates every argument first
// (src/shape/plan-conv.ts); this layer checks again that each buffer is exactly as long as the
// descriptor says, so no input can make a kernel read or write out of range.
// It also owns what the kernels must not contain (src/kernels/csrc/conv-isa.cc says why): memory,
// threads and clocks. This file is compiled with baseline flags.
#include <node_api.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <mutex>
#include <initializer_list>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "../csrc/conv-isa.h"
#include "napi-args.h"
#include "pack-cache.h"
#include "threads.h"

namespace atrous {
void register_pointwise(napi_env env, napi_value exports);  // pointwise.cc
}

namespace {

using atrous::ConvDesc;
using atrous::ConvSizes;

struct Isa {
  const char* name;
  ConvSizes (*sizes)(const ConvDesc&);
  void (*pack)(const ConvDesc&, const float*, float*);
  void (*run)(const ConvDesc&, const float*, const float*, const float*, float*, float*, int*, const atrous::TaskClaims&, int);
  bool (*t_handles)(const ConvDesc&);
  ConvSizes (*t_sizes)(const ConvDesc&);
  void (*t_pack)(const ConvDesc&, const float*, float*);
  void (*t_run)(const ConvDesc&, const float*, const float*, const float*, float*, float*, int*, const atrous::TaskClaims&, int);
  atrous::WgradSizes (*wgrad_sizes)(const ConvDesc&);
  void (*wgrad_run)(const ConvDesc&, const float*, const float*, float*, int*, int, int);
  const char* (*algorithm)(const ConvDesc&);
  const char* (*t_algorithm)(const ConvDesc&);
  float (*peak)(int);
  int (*vector_floats)();
  bool supported;
};

#define ATROUS_ISA_ENTRY(ns, ok)                                                                                 \
  {#ns, atrous::ns::conv_sizes, atrous::ns::conv_pack, atrous::ns::conv_run, atrous::ns::transposed_handles,     \
   atrous::ns::transposed_sizes, atrous::ns::transposed_pack, atrous::ns::transposed_run, atrous::ns::wgrad_sizes, \
   atrous::ns::wgrad_run, atrous::ns::conv_algorithm, atrous::ns::transposed_algorithm, atrous::ns::peak_madd, atrous::ns::vector_floats, ok}

Isa* isas() {
  static Isa table[] = {
      ATROUS_ISA_ENTRY(avx512, __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                                   __builtin_cpu_supports("fma")),
      ATROUS_ISA_ENTRY(avx2, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")),
      ATROUS_ISA_ENTRY(baseline, true),
  };
  return table;
}
constexpr int kIsaCount = 3;

// Scratch beyond this is refused with an error rather than attempted: the build has no exceptions,
// so a failed allocation would abort the process. The panel is O(tile), so only the packed weights
// (about the weights' own size) grow with the model.
constexpr unsigned long long kMaxScratchFloats = 1ull << 30;  // 4 GiB
// Parts of a weight gradient (see WeightGradient): a few per thread, each with its own dw copy.
constexpr long long kWgradParts = 4;

// Scratch memory of the calling thread (the main thread, or a libuv worker for async calls),
// kept between calls: allocating megabytes per call costs page faults, which on a VM made run times
// noticeably more variable. Shrinks after a call that needed far less.
template <typename T>
T* reuse(std::vector<T>& buf, size_t need) {
  if (buf.size() < need || (buf.size() > (size_t(16) << 20) && need < buf.size() / 4)) {
    std::vector<T>().swap(buf);
    buf.resize(need);
  }
  return buf.data();
}

// Helper threads kept between calls: starting and joining a thread per call cost about 0.1 ms on
// a busy 2-core VM, a tenth of a small image's conv. One call at a time uses them; a call that
// finds them busy (an async call overlapping another) starts threads of its own, as before. The
// threads are detached and never stopped: the process ends them at exit.
//
// Between jobs a helper spins for kSpin before it sleeps, and the caller spins as long for the
// helpers to finish: on a VM an idle vCPU is halted, and waking a thread asleep on it took long
// enough that strided2d (0.5 ms at one thread) ran at 2 threads only 1.15x faster through the
// addon, where the same kernel on two spinning threads (tools/experiments/conv-threads.sh) ran
// 1.81x faster. Back-to-back calls (a network's layers, a training step's convs) find the helpers
// awake; an idle process stops spinning after kSpin.
class Helpers {
 public:
  // Runs fn(t) for t = 1..n−1 on helper threads and fn(0) on the caller, then returns true once
  // all are done; returns false without running anything if another call holds the helpers.
  template <typename F>
  bool run(int n, F& fn) {
    std::unique_lock<std::mutex> own(owner_, std::try_to_lock);
    if (!own.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lk(m_);
      while (static_cast<int>(started_) < n - 1) {
        const int id = ++started_;
        std::thread([this, id, gen = gen_.load()] { loop(id, gen); }).detach();
      }
      call_ = [](void* f, int t) { (*static_cast<F*>(f))(t); };
      ctx_ = &fn;
      active_ = n;
      pending_.store(n - 1, std::memory_order_relaxed);
      gen_.fetch_add(1, std::memory_order_release);  // publishes call_, ctx_, active_ to spinners
    }
    wake_.notify_all();
    fn(0);
    if (!spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lk(m_);
      done_.wait(lk, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    return true;
  }

 private:
  static constexpr std::chrono::microseconds kSpin{500};

  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
  }

  // Polls ready() for up to kSpin; whether it came true.
  template <typename P>
  static bool spin_until(P ready) {
    const auto until = std::chrono::steady_clock::now() + kSpin;
    for (int i = 0;; i++) {
      if (ready()) return true;
      cpu_relax();
      if ((i & 63) == 63 && std::chrono::steady_clock::now() > until) return ready();
    }
  }

  // Helper `id` runs its share of every job from generation `seen` + 1 on.
  void loop(int id, unsigned long long seen) {
    for (;;) {
      if (!spin_until([&] { return gen_.load(std::memory_order_acquire) != seen; })) {
        std::unique_lock<std::mutex> lk(m_);
        wake_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen; });
      }
      seen = gen_.load(std::memory_order_acquire);
      if (id >= active_) continue;
      call_(ctx_, id);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(m_);  // the caller checks pending_ under m_ before it sleeps
        done_.notify_one();
      }
    }
  }

  std::mutex owner_;  // held by the call using the helpers
  std::mutex m_;
  std::condition_variable wake_, done_;
  std::atomic<unsigned long long> gen_{0};  // jobs posted so far
  std::atomic<int> pending_{0};             // helpers still running the current job
  int started_ = 0, active_ = 0;            // written under m_ before gen_ moves on
  void (*call_)(void*, int) = nullptr;
  void* ctx_ = nullptr;
};

}  // namespace

// Runs call(ctx, t) for t in [0, n): on the kept helpers when free, else on threads started for
// the call (declared in threads.h, which pointwise.cc shares).
void atrous::run_parallel(int n, void (*call)(void*, int), void* ctx) {
  static Helpers* helpers = new Helpers();  // never deleted: see Helpers
  auto fn = [call, ctx](int t) { call(ctx, t); };
  if (n <= 1) {
    if (n == 1) fn(0);
    return;
  }
  if (helpers->run(n, fn)) return;
  std::vector<std::thread> pool;
  for (int t = 1; t < n; t++) pool.emplace_back(fn, t);
  fn(0);
  for (auto& th : pool) th.join();
}

namespace {

using atrous::run_threads;

using atrous::typed;

napi_value throw_error(napi_env env, const std::string& msg) { return atrous::fail(env, msg.c_str()); }

#define CHECK_NAPI(call) \
  if ((call) != napi_ok) return throw_error(env, "atrous native: N-API call failed: " #call)

const Isa* find_isa(napi_env env, napi_value v) {
  char buf[32];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, sizeof buf, &len) != napi_ok) return nullptr;
  for (int i = 0; i < kIsaCount; i++)
    if (std::strcmp(isas()[i].name, buf) == 0 && isas()[i].supported) return &isas()[i];
  return nullptr;
}


// Reads a conv descriptor (kConvDescFields int32s), checks every field's range and that the tensor sizes it implies
// (x, w, y in elements) fit 64 bits: a hand-made descriptor must not wrap around to a small size.
bool parse_desc(napi_env env, napi_value v, ConvDesc* out, int64_t* xs, int64_t* ws, int64_t* ys) {
  int32_t* desc = nullptr;
  size_t n = 0;
  if (!typed(env, v, napi_int32_array, &desc, &n) || n != atrous::kConvDescFields) {
    throw_error(env, "atrous native conv: desc must be an Int32Array of " + std::to_string(atrous::kConvDescFields) + " fields");
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    // Padding (fields 16..18) may be 0, the ReLU flag (22) is 0 or 1; everything else is a size,
    // stride or dilation ≥ 1.
    const bool is_pad = i >= 16 && i <= 18;
    const bool bad = i == 22 ? desc[i] != 0 && desc[i] != 1 : desc[i] < (is_pad ? 0 : 1) && !(i == 0 && desc[i] == 0);
    if (bad) {
      throw_error(env, "atrous native conv: descriptor field " + std::to_string(i) + " out of range");
      return false;
    }
  }
  std::memcpy(out, desc, sizeof(ConvDesc));
  const ConvDesc& d = *out;
  if (d.Cin % d.groups != 0 || d.Cout % d.groups != 0) {
    throw_error(env, "atrous native conv: channels not divisible by groups");
    return false;
  }
  auto product = [](std::initializer_list<int64_t> fs, int64_t* r) {
    int64_t p = 1;
    for (int64_t f : fs)
      if (__builtin_mul_overflow(p, f, &p)) return false;
    *r = p;
    return true;
  };
  if (!product({d.N, d.Cin, d.D, d.H, d.W}, xs) || !product({d.Cout, d.Cin / d.groups, d.KD, d.KH, d.KW}, ws) ||
      !product({d.N, d.Cout, d.OD, d.OH, d.OW}, ys)) {
    throw_error(env, "atrous native conv: tensor sizes overflow 64 bits");
    return false;
  }
  return true;
}

struct ConvCall {
  const Isa* isa = nullptr;
  ConvDesc d{};
  ConvSizes sizes{};
  const float* x = nullptr;
  const float* w = nullptr;
  size_t wn = 0;  // weights
  const float* b = nullptr;
  float* y = nullptr;
  int threads = 1;
  bool transposed = false;
};

atrous::PackCache& pack_cache() {
  static atrous::PackCache* cache = new atrous::PackCache();  // never deleted: calls may run at exit
  return *cache;
}

// Packs the weights (or finds them packed), then runs the tasks on `threads` threads (the
// caller's included), each with its own panel, each claiming its own share of the tasks first
// (task-claims.h).
// Transposed: the transposed conv of d, from x = its dy to y = its dx.
void run_conv(const ConvCall& c) {
  const Isa& isa = *c.isa;
  const ConvDesc& d = c.d;
  const ConvSizes& z = c.sizes;
  const int nthreads = c.threads < z.tasks ? c.threads : static_cast<int>(z.tasks);
  const std::shared_ptr<const atrous::PackedWeights> packed =
      pack_cache().get(&isa, c.transposed, d, c.w, c.wn, z.packed, c.transposed ? isa.t_pack : isa.pack);
  thread_local std::vector<float> fscratch;
  thread_local std::vector<int> iscratch;
  float* panels = reuse(fscratch, z.panel * nthreads);
  int* ints = reuse(iscratch, z.ints * nthreads);
  const auto run = c.transposed ? isa.t_run : isa.run;
  const float* wpack = packed->packed.data();
  const int T = nthreads < 1 ? 1 : nthreads;
  thread_local std::vector<int> counters;
  const atrous::TaskClaims claims{reuse(counters, static_cast<size_t>(T) * atrous::TaskClaims::kStride), static_cast<int>(z.tasks), T};
  claims.reset();
  auto worker = [&](int t) { run(d, c.x, wpack, c.b, c.y, panels + z.panel * t, ints + z.ints * t, claims, t); };
  run_threads(T, worker);
}

// Parses (isa, desc, x, w, bias|null, y, threads) and checks every size against the descriptor.
// For call->transposed, desc is the forward conv whose transposed conv runs: x is [N, Cout, O…]
// and y [N, Cin, D, H, W].
bool parse_conv(napi_env env, napi_callback_info info, ConvCall* call, napi_value* keep) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 7) {
    throw_error(env, "atrous native conv: expected (isa, desc, x, w, bias, y, threads)");
    return false;
  }
  call->isa = find_isa(env, argv[0]);
  if (!call->isa) {
    throw_error(env, "atrous native conv: unknown or unsupported instruction set");
    return false;
  }
  int64_t xs = 0, ws = 0, ys = 0;
  if (!parse_desc(env, argv[1], &call->d, &xs, &ws, &ys)) return false;
  const ConvDesc& d = call->d;
  if (call->transposed) {
    if (!call->isa->t_handles(d)) {
      throw_error(env, "atrous native convTranspose: too many stride phases for this kernel");
      return false;
    }
    const int64_t t = xs;
    xs = ys, ys = t;
  }
  const int32_t bias_len = call->transposed ? d.Cin : d.Cout;
  float *x, *w, *y, *b = nullptr;
  size_t xl, wl, yl, bl = 0;
  if (!typed(env, argv[2], napi_float32_array, &x, &xl) || int64_t(xl) != xs ||
      !typed(env, argv[3], napi_float32_array, &w, &wl) || int64_t(wl) != ws ||
      !typed(env, argv[5], napi_float32_array, &y, &yl) || int64_t(yl) != ys) {
    throw_error(env, "atrous native conv: x, w or y is not a Float32Array of the size the descriptor implies");
    return false;
  }
  napi_valuetype bt;
  napi_typeof(env, argv[4], &bt);
  if (bt != napi_null && bt != napi_undefined) {
    if (!typed(env, argv[4], napi_float32_array, &b, &bl) || int64_t(bl) != bias_len) {
      throw_error(env, "atrous native conv: bias must be null or a Float32Array of one value per output channel");
      return false;
    }
  }
  int32_t threads = 1;
  if (!atrous::thread_count(env, argv[6], &threads)) {
    throw_error(env, "atrous native conv: threads must be an integer in 1..256");
    return false;
  }
  call->sizes = (call->transposed ? call->isa->t_sizes : call->isa->sizes)(d);
  const ConvSizes& z = call->sizes;
  const unsigned long long scratch = z.packed + z.panel * static_cast<unsigned long long>(threads);
  if (z.tasks > INT_MAX - (1 << 13) ||  // each counter is overshot by up to 16 a thread (task-claims.h)
       z.panel > kMaxScratchFloats || scratch > kMaxScratchFloats) {
    throw_error(env, "atrous native conv: this geometry needs " + std::to_string(scratch / (1ull << 28)) +
                         " GiB of scratch or " + std::to_string(z.tasks) + " tasks, more than the native kernels allow");
    return false;
  }
  call->x = x, call->w = w, call->wn = wl, call->b = b, call->y = y, call->threads = threads;
  for (int i = 0; i < 4; i++) keep[i] = argv[i == 3 ? 5 : 2 + i];  // x, w, bias, y stay alive
  return true;
}

napi_value Conv(napi_env env, napi_callback_info info) {
  ConvCall call;
  napi_value keep[4];
  if (!parse_conv(env, info, &call, keep)) return nullptr;
  run_conv(call);
  return nullptr;
}

// convTranspose(isa, desc, dy, w, bias|null, dx, threads): the transposed conv of the forward conv
// `desc` (its input gradient), by stride phases (csrc/conv-transpose.h).
napi_value ConvTranspose(napi_env env, napi_callback_info info) {
  ConvCall call;
  call.transposed = true;
  napi_value keep[4];
  if (!parse_conv(env, info, &call, keep)) return nullptr;
  run_conv(call);
  return nullptr;
}

// The async form runs the same kernel on a libuv worker so a long call never blocks the event
// loop; references keep the typed arrays alive until it completes.
struct AsyncConv {
  ConvCall call;
  napi_ref refs[4] = {};
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
};

napi_value ConvAsync(napi_env env, napi_callback_info info) {
  auto* job = new AsyncConv();
  napi_value keep[4];
  if (!parse_conv(env, info, &job->call, keep)) {
    delete job;
    return nullptr;
  }
  for (int i = 0; i < 4; i++) napi_create_reference(env, keep[i], 1, &job->refs[i]);
  napi_value promise, name;
  CHECK_NAPI(napi_create_promise(env, &job->deferred, &promise));
  CHECK_NAPI(napi_create_string_utf8(env, "atrous.conv", NAPI_AUTO_LENGTH, &name));
  CHECK_NAPI(napi_create_async_work(
      env, nullptr, name,
      [](napi_env, void* data) {
        auto* j = static_cast<AsyncConv*>(data);
        run_conv(j->call);
      },
      [](napi_env env, napi_status, void* data) {
        auto* j = static_cast<AsyncConv*>(data);
        for (auto& r : j->refs) napi_delete_reference(env, r);
        napi_value undef;
        napi_get_undefined(env, &undef);
        napi_resolve_deferred(env, j->deferred, undef);
        napi_delete_async_work(env, j->work);
        delete j;
      },
      job, &job->work));
  CHECK_NAPI(napi_queue_async_work(env, job->work));
  return promise;
}

// convWeightGrad(isa, desc, x, dy, dw, threads): dw of the conv `desc` describes, given its input
// and output gradient. Each of a fixed number of parts sums a fixed share of the tasks into its own
// dw copy; the copies are then added in part order, so a result is the same bits at any thread
// count.
napi_value WeightGradient(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 6) {
    return throw_error(env, "atrous native convWeightGrad: expected (isa, desc, x, dy, dw, threads)");
  }
  const Isa* isa = find_isa(env, argv[0]);
  if (!isa) return throw_error(env, "atrous native convWeightGrad: unknown or unsupported instruction set");
  ConvDesc d;
  int64_t xs = 0, ws = 0, ys = 0;
  if (!parse_desc(env, argv[1], &d, &xs, &ws, &ys)) return nullptr;
  float *x, *dy, *dw;
  size_t xl, yl, wl;
  if (!typed(env, argv[2], napi_float32_array, &x, &xl) || int64_t(xl) != xs ||
      !typed(env, argv[3], napi_float32_array, &dy, &yl) || int64_t(yl) != ys ||
      !typed(env, argv[4], napi_float32_array, &dw, &wl) || int64_t(wl) != ws) {
    return throw_error(env, "atrous native convWeightGrad: x, dy or dw is not a Float32Array of the size the descriptor implies");
  }
  int32_t threads = 1;
  if (!atrous::thread_count(env, argv[5], &threads)) {
    return throw_error(env, "atrous native convWeightGrad: threads must be an integer in 1..256");
  }
  const atrous::WgradSizes z = isa->wgrad_sizes(d);
  // The tasks are split into a fixed number of parts (tasks p, p + parts, ...), each summed into
  // its own dw copy, and the copies are added in part order: the result is the same bits at any
  // thread count. Threads claim parts as they finish, so one thread slowed down (by the garbage
  // collector's threads, say) leaves its next part to the other rather than holding up the call.
  const int parts = static_cast<int>(z.tasks < kWgradParts ? (z.tasks < 1 ? 1 : z.tasks) : kWgradParts);
  const int nthreads = threads < parts ? threads : parts;
  // A part's scratch (its kernel's panels, then its dw copy last) is used only while the part
  // runs, so each thread has one, reused by its parts, and a finished part's dw copy is kept
  // apart. A scratch per part had made the weight gradient of a 64-channel 128x128 layer touch
  // 4 × 5.4 MB of panels a call: in a training step, where other layers' activations have
  // pushed them out of cache since the last call, 9.5-10 ms a call against 6.6-7 in a loop of
  // calls on the same memory.
  if (z.scratch > kMaxScratchFloats || z.dw > kMaxScratchFloats || z.scratch * nthreads + z.dw * parts > kMaxScratchFloats ||
      z.ints * nthreads > kMaxScratchFloats || z.tasks > INT_MAX) {
    return throw_error(env, "atrous native convWeightGrad: this geometry needs more scratch than the native kernels allow");
  }
  thread_local std::vector<float> fscratch, fcopies;
  thread_local std::vector<int> iscratch;
  float* scratch = reuse(fscratch, z.scratch * nthreads);
  float* copies = reuse(fcopies, z.dw * parts);
  int* ints = reuse(iscratch, z.ints * nthreads + 1);
  const size_t off = z.scratch - z.dw;
  int next = 0;
  auto worker = [&](int t) {
    float* own = scratch + z.scratch * t;
    for (int p; (p = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED)) < parts;) {
      isa->wgrad_run(d, x, dy, own, ints + z.ints * t, p, parts);
      std::memcpy(copies + z.dw * p, own + off, z.dw * sizeof(float));
    }
  };
  run_threads(nthreads, worker);
  for (unsigned long long i = 0; i < z.dw; i++) {
    float s = 0.0f;
    for (int p = 0; p < parts; p++) s += copies[z.dw * p + i];
    dw[i] = s;
  }
  return nullptr;
}

napi_value Peak(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  const Isa* isa = argc == 3 ? find_isa(env, argv[0]) : nullptr;
  int32_t threads = 0;
  double seconds = 0;
  if (!isa || !atrous::thread_count(env, argv[1], &threads) ||
      napi_get_value_double(env, argv[2], &seconds) != napi_ok || !(seconds > 0 && seconds <= 10)) {
    return throw_error(env, "atrous native peak: expected (isa, threads 1..256, seconds in (0, 10])");
  }
  // Each thread repeats the multiply-add loop until `seconds` pass; the sum of their rates is the peak.
  std::vector<double> rates(threads);
  auto worker = [&](int t) {
    const int rounds = 16;
    float sink = 0;
    long calls = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < seconds) {
      sink += isa->peak(rounds);
      calls++;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    const double flops = double(calls) * rounds * 4096 * 12 * isa->vector_floats() * 2;
    rates[t] = flops / elapsed / 1e9 + (sink == 12345.0f ? 1e-9 : 0);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; t++) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
  double total = 0;
  for (double r : rates) total += r;
  napi_value out;
  CHECK_NAPI(napi_create_double(env, total, &out));
  return out;
}

// The arguments of the queries below, (isa, descriptor, third), with the descriptor's groups
// dividing its channels: they only size or name a kernel (the calls that run one check every
// field). Null when the isa or descriptor is wrong; `third` is the query's own argument.
const Isa* query_args(napi_env env, napi_callback_info info, ConvDesc* d, napi_value* third) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 3) return nullptr;
  const Isa* isa = find_isa(env, argv[0]);
  int32_t* desc = nullptr;
  size_t n = 0;
  if (!isa || !typed(env, argv[1], napi_int32_array, &desc, &n) || n != atrous::kConvDescFields) return nullptr;
  std::memcpy(d, desc, sizeof *d);
  *third = argv[2];
  return isa;
}
bool bad_groups(const ConvDesc& d) { return d.groups < 1 || d.Cin % d.groups || d.Cout % d.groups; }

// Bytes a call with this descriptor and thread count holds, without running it (for the
// benchmark's memory column): the packed weights and the copy of the weights they were packed from
// (both kept between calls: pack-cache.h), and each thread's panel and ints.
napi_value Scratch(napi_env env, napi_callback_info info) {
  ConvDesc d;
  napi_value third;
  const Isa* isa = query_args(env, info, &d, &third);
  int32_t threads = 0;
  if (!isa || !atrous::thread_count(env, third, &threads)) {
    return throw_error(env, "atrous native scratch: expected (isa, desc Int32Array(23), threads 1..256)");
  }
  if (bad_groups(d)) return throw_error(env, "atrous native scratch: bad descriptor");
  const ConvSizes z = isa->sizes(d);
  const long long nthreads = threads < z.tasks ? threads : z.tasks;
  napi_value out;
  const double weights = double(d.Cout) * (d.Cin / d.groups) * d.KD * d.KH * d.KW;
  CHECK_NAPI(napi_create_double(env, 4.0 * (double(z.packed) + weights + double(z.panel + z.ints) * double(nthreads)), &out));
  return out;
}

// The kernel a forward (transposed = false) or transposed conv with this descriptor runs on.
napi_value Algorithm(napi_env env, napi_callback_info info) {
  ConvDesc d;
  napi_value third;
  const Isa* isa = query_args(env, info, &d, &third);
  bool transposed = false;
  if (!isa || napi_get_value_bool(env, third, &transposed) != napi_ok) {
    return throw_error(env, "atrous native algorithm: expected (isa, desc Int32Array(23), transposed boolean)");
  }
  if (bad_groups(d)) return throw_error(env, "atrous native algorithm: bad descriptor");
  napi_value out;
  CHECK_NAPI(napi_create_string_utf8(env, (transposed ? isa->t_algorithm : isa->algorithm)(d), NAPI_AUTO_LENGTH, &out));
  return out;
}

napi_value Isas(napi_env env, napi_callback_info) {
  napi_value arr;
  CHECK_NAPI(napi_create_array(env, &arr));
  uint32_t k = 0;
  for (int i = 0; i < kIsaCount; i++) {
    if (!isas()[i].supported) continue;
    napi_value s;
    CHECK_NAPI(napi_create_string_utf8(env, isas()[i].name, NAPI_AUTO_LENGTH, &s));
    CHECK_NAPI(napi_set_element(env, arr, k++, s));
  }
  return arr;
}

// packCacheStats() → { entries, bytes, hits, misses }: the packed weights kept between calls
// (pack-cache.h) and how often a call found its weights there, since the process started.
napi_value PackCacheStats(napi_env env, napi_callback_info) {
  const atrous::PackCacheStats st = pack_cache().stats();
  napi_value out;
  CHECK_NAPI(napi_create_object(env, &out));
  const std::pair<const char*, size_t> fields[] = {{"entries", st.entries}, {"bytes", st.bytes}, {"hits", st.hits}, {"misses", st.misses}};
  for (const auto& f : fields) {
    napi_value v;
    CHECK_NAPI(napi_create_double(env, static_cast<double>(f.second), &v));
    CHECK_NAPI(napi_set_named_property(env, out, f.first, v));
  }
  return out;
}

// Tensor memory: V8 takes each ArrayBuffer's memory from calloc, and glibc serves blocks above its
// mmap threshold (128 KiB to 32 MiB, adapting) with fresh mmaps and gives freed ones back to the
// kernel, so every large tensor of every training step paid page faults on first write — about
// 1 ms per 2 MB on this VM, a tenth of a digits training step. Serving them from the heap instead
// (and keeping freed memory up to a bound) makes a freed tensor's memory the next one's, already
// mapped. Done once, when the addon loads; a process without the addon keeps glibc's defaults.
void keep_tensor_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 << 20);  // blocks up to 64 MiB from the heap
  mallopt(M_TRIM_THRESHOLD, 256 << 20); // return heap memory to the kernel only past 256 MiB free
#endif
}

napi_value Init(napi_env env, napi_value exports) {
  keep_tensor_memory();
  napi_property_descriptor props[] = {
      {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convAsync", nullptr, ConvAsync, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convTranspose", nullptr, ConvTranspose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convWeightGrad", nullptr, WeightGradient, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"peak", nullptr, Peak, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"isas", nullptr, Isas, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scratch", nullptr, Scratch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"algorithm", nullptr, Algorithm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"packCacheStats", nullptr, PackCacheStats, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  atrous::register_pointwise(env, exports);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
