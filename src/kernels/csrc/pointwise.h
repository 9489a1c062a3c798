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

}  // namespace atrous
