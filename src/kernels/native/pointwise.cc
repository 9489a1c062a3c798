// N-API binding of the pointwise kernels training runs most: ReLU forward and backward, same-shape
// addition (residuals, gradient sums), per-channel sums (bias gradients) and batch norm's
// per-channel statistics and affine pass. In
// JavaScript each is a typed-array loop the JIT does not vectorise, and a TCN training step runs
// 48 of them over 460,800 floats; here the compiler vectorises them (baseline SSE2 flags: they are
// bound by memory, not arithmetic). Every call checks that the arrays are float32 and equally long.
#include <node_api.h>

#include <cstddef>

#include "napi-args.h"
#include "pointwise.h"
#include "threads.h"

namespace {

using atrous::fail;
using atrous::typed;

// Arrays shorter than this run on one thread: a helper's wake-up would cost more than it saves.
constexpr size_t kMinPerThread = size_t(1) << 16;

// Threads a call uses: those asked for, but no more than `most` pieces of work.
int parts_for(int32_t threads, size_t most) { return static_cast<size_t>(threads) < most ? threads : static_cast<int>(most); }

// Whether n floats from a and from b do not overlap.
bool apart(const float* a, const float* b, size_t n) { return a + n <= b || b + n <= a; }

// The n float32 arrays in argv, all of one length, then optionally a thread count (1..256, default
// 1); false (and a thrown error) otherwise.
bool float_arrays(napi_env env, napi_callback_info info, size_t n, float** out, size_t* len, int32_t* threads, const char* usage) {
  napi_value argv[5];
  size_t argc = 5;
  if (n > 4 || napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || (argc != n && argc != n + 1)) {
    fail(env, usage);
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    size_t l = 0;
    if (!typed(env, argv[i], napi_float32_array, &out[i], &l) || (i > 0 && l != *len)) {
      fail(env, usage);
      return false;
    }
    *len = l;
  }
  *threads = 1;
  if (argc == n + 1 && !atrous::thread_count(env, argv[n], threads)) {
    fail(env, usage);
    return false;
  }
  return true;
}

// Checks that the call passed N equally long Float32Arrays (and a thread count), then runs
// f(arrays, begin, end) over [0, length) split into one range of whole cache lines per thread.
// Every element is computed the same way whatever the split.
// `valid` may refuse arrays that overlap where the kernel needs them apart.
template <size_t N, typename F, typename Valid>
napi_value on_arrays(napi_env env, napi_callback_info info, const char* usage, F f, Valid valid) {
  float* a[N];
  size_t n = 0;
  int32_t threads = 1;
  if (!float_arrays(env, info, N, a, &n, &threads, usage)) return nullptr;
  if (!valid(a, n)) return fail(env, usage);
  const int parts = parts_for(threads, (n + kMinPerThread - 1) / kMinPerThread);
  if (parts <= 1) {
    f(a, 0, n);
    return nullptr;
  }
  const size_t chunk = ((n + parts - 1) / parts + 15) / 16 * 16;
  auto worker = [&](int t) {
    const size_t begin = t * chunk, end = begin + chunk < n ? begin + chunk : n;
    if (begin < end) f(a, begin, end);
  };
  atrous::run_threads(parts, worker);
  return nullptr;
}

template <size_t N, typename F>
napi_value on_arrays(napi_env env, napi_callback_info info, const char* usage, F f) {
  return on_arrays<N>(env, info, usage, f, [](float**, size_t) { return true; });
}

napi_value Relu(napi_env env, napi_callback_info info) {
  const char* usage = "atrous native relu: expected (x, y[, threads]), two Float32Arrays of one length, the same or not overlapping";
  return on_arrays<2>(env, info, usage, [](float** a, size_t b, size_t e) {
    if (a[0] == a[1]) atrous::relu_inplace(a[1] + b, e - b);
    else atrous::relu_forward(a[0] + b, a[1] + b, e - b);
  }, [](float** a, size_t n) { return a[0] == a[1] || apart(a[0], a[1], n); });
}

napi_value ReluBackward(napi_env env, napi_callback_info info) {
  return on_arrays<3>(env, info, "atrous native reluBackward: expected (g, y, dx[, threads]), three Float32Arrays of one length, dx apart from g and y",
                      [](float** a, size_t b, size_t e) { atrous::relu_backward(a[0] + b, a[1] + b, a[2] + b, e - b); },
                      [](float** a, size_t n) { return apart(a[2], a[0], n) && apart(a[2], a[1], n); });
}

napi_value Add(napi_env env, napi_callback_info info) {
  return on_arrays<3>(env, info, "atrous native add: expected (a, b, out[, threads]), three Float32Arrays of one length",
                      [](float** a, size_t b, size_t e) { atrous::add(a[0] + b, a[1] + b, a[2] + b, e - b); });
}

// (g, out, batch[, threads]): out[c] = Σ g[n, c, :]; g's length must be batch · out.length · plane
// for a whole plane. Threads take ranges of channels, each channel summed by one.
napi_value ChannelSums(napi_env env, napi_callback_info info) {
  const char* usage = "atrous native channelSums: expected (g, out, batch[, threads]), g a Float32Array of batch · out.length · plane floats";
  napi_value argv[4];
  size_t argc = 4;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || (argc != 3 && argc != 4)) return fail(env, usage);
  float* arr[2];
  size_t len[2];
  for (int i = 0; i < 2; i++)
    if (!typed(env, argv[i], napi_float32_array, &arr[i], &len[i])) return fail(env, usage);
  int32_t batch = 0, threads = 1;
  if (napi_get_value_int32(env, argv[2], &batch) != napi_ok || batch < 1 || len[1] < 1) return fail(env, usage);
  if (argc == 4 && !atrous::thread_count(env, argv[3], &threads)) return fail(env, usage);
  const size_t channels = len[1], per = static_cast<size_t>(batch) * channels;
  if (len[0] % per != 0) return fail(env, usage);
  const size_t plane = len[0] / per;
  const int parts = parts_for(threads, len[0] < kMinPerThread ? 1 : channels);
  auto worker = [&](int t) {
    atrous::channel_sums(arr[0], static_cast<size_t>(batch), channels, plane, channels * t / parts, channels * (t + 1) / parts, arr[1]);
  };
  atrous::run_threads(parts, worker);
  return nullptr;
}

// Batch norm's layout check: x holds batch · channels · plane floats for a whole plane ≥ 1.
bool channel_layout(size_t xlen, int32_t batch, size_t channels, size_t* plane) {
  if (batch < 1 || channels < 1) return false;
  const size_t per = static_cast<size_t>(batch) * channels;
  if (xlen == 0 || xlen % per != 0) return false;
  *plane = xlen / per;
  return true;
}

// (x, batch, sum, sqdev): per channel Σx and Σ(x − mean)² into two Float64Arrays of C.
napi_value ChannelMoments(napi_env env, napi_callback_info info) {
  const char* usage = "atrous native channelMoments: expected (x, batch, sum, sqdev): x a Float32Array of batch · C · plane, sum and sqdev Float64Arrays of C";
  napi_value argv[4];
  size_t argc = 4;
  float* x;
  double *sum, *sq;
  size_t xl, sl, ql, plane;
  int32_t batch = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 4 || !typed(env, argv[0], napi_float32_array, &x, &xl) ||
      napi_get_value_int32(env, argv[1], &batch) != napi_ok || !typed(env, argv[2], napi_float64_array, &sum, &sl) ||
      !typed(env, argv[3], napi_float64_array, &sq, &ql) || sl != ql || !channel_layout(xl, batch, sl, &plane)) {
    return fail(env, usage);
  }
  atrous::channel_moments(x, static_cast<size_t>(batch), sl, plane, sum, sq);
  return nullptr;
}

// (g, x, batch, sum, dot): per channel Σg and Σg·x.
napi_value ChannelSumDot(napi_env env, napi_callback_info info) {
  const char* usage = "atrous native channelSumDot: expected (g, x, batch, sum, dot): g and x Float32Arrays of batch · C · plane, sum and dot Float64Arrays of C";
  napi_value argv[5];
  size_t argc = 5;
  float *g, *x;
  double *sum, *dot;
  size_t gl, xl, sl, dl, plane;
  int32_t batch = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 5 || !typed(env, argv[0], napi_float32_array, &g, &gl) ||
      !typed(env, argv[1], napi_float32_array, &x, &xl) || gl != xl || napi_get_value_int32(env, argv[2], &batch) != napi_ok ||
      !typed(env, argv[3], napi_float64_array, &sum, &sl) || !typed(env, argv[4], napi_float64_array, &dot, &dl) || sl != dl ||
      !channel_layout(xl, batch, sl, &plane)) {
    return fail(env, usage);
  }
  atrous::channel_sum_dot(g, x, static_cast<size_t>(batch), sl, plane, sum, dot);
  return nullptr;
}

// (x, out, batch, kx, k0, g, kg): out = kx[c]·x + k0[c] (+ kg[c]·g); g and kg may both be null.
napi_value ChannelAffine(napi_env env, napi_callback_info info) {
  const char* usage = "atrous native channelAffine: expected (x, out, batch, kx, k0, g, kg): x, out (and g) Float32Arrays of batch · C · plane, kx, k0 (and kg) Float64Arrays of C; g and kg both null or both given";
  napi_value argv[7];
  size_t argc = 7;
  float *x, *out, *g = nullptr;
  double *kx, *k0, *kg = nullptr;
  size_t xl, ol, gl = 0, kxl, k0l, kgl = 0, plane;
  int32_t batch = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 7 || !typed(env, argv[0], napi_float32_array, &x, &xl) ||
      !typed(env, argv[1], napi_float32_array, &out, &ol) || ol != xl || napi_get_value_int32(env, argv[2], &batch) != napi_ok ||
      !typed(env, argv[3], napi_float64_array, &kx, &kxl) || !typed(env, argv[4], napi_float64_array, &k0, &k0l) || k0l != kxl ||
      !channel_layout(xl, batch, kxl, &plane)) {
    return fail(env, usage);
  }
  napi_valuetype gt, kgt;
  if (napi_typeof(env, argv[5], &gt) != napi_ok || napi_typeof(env, argv[6], &kgt) != napi_ok) return fail(env, usage);
  if (gt != napi_null || kgt != napi_null) {
    if (!typed(env, argv[5], napi_float32_array, &g, &gl) || gl != xl || !typed(env, argv[6], napi_float64_array, &kg, &kgl) || kgl != kxl) {
      return fail(env, usage);
    }
  }
  atrous::channel_affine(x, out, static_cast<size_t>(batch), kxl, plane, kx, k0, g, kg);
  return nullptr;
}

}  // namespace

namespace atrous {

// Adds the pointwise functions to the addon's exports (called from addon.cc's Init).
void register_pointwise(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"relu", nullptr, Relu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluBackward", nullptr, ReluBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"add", nullptr, Add, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelSums", nullptr, ChannelSums, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelMoments", nullptr, ChannelMoments, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelSumDot", nullptr, ChannelSumDot, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelAffine", nullptr, ChannelAffine, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace atrous
