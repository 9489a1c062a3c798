// N-API binding of the pointwise kernels training runs most: ReLU forward and backward, same-shape
// addition (residuals, gradient sums) and per-channel sums (bias gradients). In
// JavaScript each is a typed-array loop the JIT does not vectorise, and a TCN training step runs
// 48 of them over 460,800 floats; here the compiler vectorises them (baseline SSE2 flags: they are
// bound by memory, not arithmetic). Every call checks that the arrays are float32 and equally long.
#include <node_api.h>

#include <cstddef>

#include "pointwise.h"

namespace {

napi_value fail(napi_env env, const char* msg) {
  napi_throw_error(env, "ATROUS_NATIVE", msg);
  return nullptr;
}

// The n float32 arrays in argv, all of one length; false (and a thrown error) otherwise.
bool float_arrays(napi_env env, napi_callback_info info, size_t n, float** out, size_t* len, const char* usage) {
  napi_value argv[4];
  size_t argc = 4;
  if (n > 4 || napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != n) {
    fail(env, usage);
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    bool is = false;
    napi_typedarray_type type;
    size_t l = 0;
    void* data = nullptr;
    if (napi_is_typedarray(env, argv[i], &is) != napi_ok || !is ||
        napi_get_typedarray_info(env, argv[i], &type, &l, &data, nullptr, nullptr) != napi_ok || type != napi_float32_array ||
        (i > 0 && l != *len)) {
      fail(env, usage);
      return false;
    }
    out[i] = static_cast<float*>(data);
    *len = l;
  }
  return true;
}

// Checks that the call passed N equally long Float32Arrays, then runs f on them.
template <size_t N, typename F>
napi_value on_arrays(napi_env env, napi_callback_info info, const char* usage, F f) {
  float* a[N];
  size_t n = 0;
  if (float_arrays(env, info, N, a, &n, usage)) f(a, n);
  return nullptr;
}

napi_value Relu(napi_env env, napi_callback_info info) {
  return on_arrays<2>(env, info, "atrous native relu: expected (x, y), two Float32Arrays of one length",
                      [](float** a, size_t n) { atrous::relu_forward(a[0], a[1], n); });
}

napi_value ReluBackward(napi_env env, napi_callback_info info) {
  return on_arrays<3>(env, info, "atrous native reluBackward: expected (g, y, dx), three Float32Arrays of one length",
                      [](float** a, size_t n) { atrous::relu_backward(a[0], a[1], a[2], n); });
}

napi_value Add(napi_env env, napi_callback_info info) {
  return on_arrays<3>(env, info, "atrous native add: expected (a, b, out), three Float32Arrays of one length",
                      [](float** a, size_t n) { atrous::add(a[0], a[1], a[2], n); });
}

// (g, out, batch): out[c] = Σ g[n, c, :]; g's length must be batch · out.length · plane for a whole plane.
napi_value ChannelSums(napi_env env, napi_callback_info info) {
  const char* usage = "atrous native channelSums: expected (g, out, batch), g a Float32Array of batch · out.length · plane floats";
  napi_value argv[3];
  size_t argc = 3;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 3) return fail(env, usage);
  float* arr[2];
  size_t len[2];
  for (int i = 0; i < 2; i++) {
    bool is = false;
    napi_typedarray_type type;
    void* data = nullptr;
    if (napi_is_typedarray(env, argv[i], &is) != napi_ok || !is ||
        napi_get_typedarray_info(env, argv[i], &type, &len[i], &data, nullptr, nullptr) != napi_ok || type != napi_float32_array) {
      return fail(env, usage);
    }
    arr[i] = static_cast<float*>(data);
  }
  int32_t batch = 0;
  if (napi_get_value_int32(env, argv[2], &batch) != napi_ok || batch < 1 || len[1] < 1) return fail(env, usage);
  const size_t per = static_cast<size_t>(batch) * len[1];
  if (len[0] % per != 0) return fail(env, usage);
  atrous::channel_sums(arr[0], static_cast<size_t>(batch), len[1], len[0] / per, arr[1]);
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
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace atrous
