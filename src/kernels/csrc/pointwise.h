// Pointwise kernels, plain loops the compiler vectorises. The ReLU rules are PyTorch's: max(x, 0)
// with NaN passing through and −0 becoming +0; the gradient is g where the output is positive.
#pragma once
#include <cstddef>

namespace atrous {

inline void relu_forward(const float* __restrict x, float* __restrict y, size_t n) {
  // x > 0 ? x : (x != x ? x : 0) — written as selects so it vectorises; NaN compares false on both.
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    y[i] = v > 0.0f ? v : (v != v ? v : 0.0f);
  }
}

inline void relu_backward(const float* __restrict g, const float* __restrict y, float* __restrict dx, size_t n) {
  for (size_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? g[i] : 0.0f;
}

// out = a + b; out may be a (an in-place sum), so no __restrict here.
inline void add(const float* a, const float* b, float* out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

// out[c] = the sum of g[n, c, :] over n and the plane, in double (as the JS reference does):
// a conv's bias gradient. Eight independent partial sums so the adds pipeline and vectorise.
inline void channel_sums(const float* g, size_t batch, size_t channels, size_t plane, float* out) {
  for (size_t c = 0; c < channels; c++) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t n = 0; n < batch; n++) {
      const float* p = g + (n * channels + c) * plane;
      size_t i = 0;
      for (; i + 8 <= plane; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += p[i + k];
      for (; i < plane; i++) acc[0] += p[i];
    }
    out[c] = static_cast<float>(((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])));
  }
}

}  // namespace atrous
