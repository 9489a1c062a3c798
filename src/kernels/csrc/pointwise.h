// Pointwise kernels, plain loops the compiler vectorises. The ReLU rules are PyTorch's: max(x, 0)
// with NaN passing through and −0 becoming +0; the gradient is g where the output is positive.
#pragma once
#include <stddef.h>  // not <cstddef>: the conv kernels include this in the wasm build, which has no C++ library

namespace atrous {

// One value: v > 0 ? v : (v != v ? v : 0) — selects, so loops over it vectorise; NaN compares
// false on both. The fused conv + ReLU applies it as the kernels store each output (conv-direct.h).
inline float relu_value(float v) { return v > 0.0f ? v : (v != v ? v : 0.0f); }

inline void relu_forward(const float* __restrict x, float* __restrict y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = relu_value(x[i]);
}

// The same in place (x is y: relu_forward's arrays must not overlap).
inline void relu_inplace(float* y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = relu_value(y[i]);
}

inline void relu_backward(const float* __restrict g, const float* __restrict y, float* __restrict dx, size_t n) {
  // g is loaded whatever y is: written as "y > 0 ? g[i] : 0" the load is conditional, the compiler
  // keeps a branch per element, and random signs made it 19x slower than relu_forward (measured).
  for (size_t i = 0; i < n; i++) {
    const float gv = g[i];
    dx[i] = y[i] > 0.0f ? gv : 0.0f;
  }
}

// out = a + b; out may be a (an in-place sum), so no __restrict here.
inline void add(const float* a, const float* b, float* out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

// out[c] = the sum of g[n, c, :] over n and the plane, in double (as the JS reference does), for
// channels c0 ≤ c < c1: a conv's bias gradient. Eight independent partial sums so the adds pipeline
// and vectorise.
inline void channel_sums(const float* g, size_t batch, size_t channels, size_t plane, size_t c0, size_t c1, float* out) {
  for (size_t c = c0; c < c1; c++) {
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

// Batch norm's per-channel loops over x [batch, channels, plane] (channel c is `batch` runs of
// `plane` contiguous values), all in double as the JavaScript path: Σx and Σ(x − mean)²...
inline void channel_moments(const float* x, size_t batch, size_t channels, size_t plane, double* sum, double* sqdev) {
  const double count = static_cast<double>(batch * plane);
  for (size_t c = 0; c < channels; c++) {
    double a[4] = {0, 0, 0, 0};
    for (size_t n = 0; n < batch; n++) {
      const float* p = x + (n * channels + c) * plane;
      size_t i = 0;
      for (; i + 4 <= plane; i += 4)
        for (int k = 0; k < 4; k++) a[k] += p[i + k];
      for (; i < plane; i++) a[0] += p[i];
    }
    const double s = (a[0] + a[1]) + (a[2] + a[3]);
    const double mu = s / count;
    double q[4] = {0, 0, 0, 0};
    for (size_t n = 0; n < batch; n++) {
      const float* p = x + (n * channels + c) * plane;
      size_t i = 0;
      for (; i + 4 <= plane; i += 4)
        for (int k = 0; k < 4; k++) {
          const double d = p[i + k] - mu;
          q[k] += d * d;
        }
      for (; i < plane; i++) q[0] += (p[i] - mu) * (p[i] - mu);
    }
    sum[c] = s;
    sqdev[c] = (q[0] + q[1]) + (q[2] + q[3]);
  }
}

// ...Σg and Σg·x (the backward's statistics)...
inline void channel_sum_dot(const float* g, const float* x, size_t batch, size_t channels, size_t plane, double* sum, double* dot) {
  for (size_t c = 0; c < channels; c++) {
    double a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
    for (size_t n = 0; n < batch; n++) {
      const size_t o = (n * channels + c) * plane;
      const float* gp = g + o;
      const float* xp = x + o;
      size_t i = 0;
      for (; i + 4 <= plane; i += 4)
        for (int k = 0; k < 4; k++) {
          a[k] += gp[i + k];
          b[k] += static_cast<double>(gp[i + k]) * xp[i + k];
        }
      for (; i < plane; i++) {
        a[0] += gp[i];
        b[0] += static_cast<double>(gp[i]) * xp[i];
      }
    }
    sum[c] = (a[0] + a[1]) + (a[2] + a[3]);
    dot[c] = (b[0] + b[1]) + (b[2] + b[3]);
  }
}

// ...and out = kx[c]·x + k0[c] (+ kg[c]·g when g is given), in double, rounded once.
inline void channel_affine(const float* x, float* out, size_t batch, size_t channels, size_t plane, const double* kx,
                           const double* k0, const float* g, const double* kg) {
  for (size_t n = 0; n < batch; n++)
    for (size_t c = 0; c < channels; c++) {
      const size_t o = (n * channels + c) * plane;
      const double a = kx[c], b = k0[c];
      if (g == nullptr) {
        for (size_t i = 0; i < plane; i++) out[o + i] = static_cast<float>(x[o + i] * a + b);
      } else {
        const double kgc = kg[c];
        for (size_t i = 0; i < plane; i++) out[o + i] = static_cast<float>(g[o + i] * kgc + x[o + i] * a + b);
      }
    }
}

}  // namespace atrous
