// The geometry of one (grouped, dilated, strided, padded) convolution, lifted to three spatial
// axes (D, H, W); 1D and 2D convs have unit leading axes. Filled from a validated ConvPlan in
// TypeScript (src/kernels/conv-desc.ts); the native binding re-checks buffer sizes against it.
#pragma once
#include <stdint.h>  // not <cstdint>: the wasm build has no C++ library

namespace atrous {

struct ConvDesc {
  int32_t N, Cin, Cout, groups;
  int32_t D, H, W;        // input spatial size
  int32_t KD, KH, KW;     // kernel taps
  int32_t sD, sH, sW;     // stride
  int32_t dD, dH, dW;     // dilation
  int32_t pD, pH, pW;     // padding before (padding after only bounds the output size)
  int32_t OD, OH, OW;     // output spatial size
  int32_t relu;           // 1: ReLU on the output as it is stored (forward convs only; 0 elsewhere)
};

constexpr int kConvDescFields = 23;

}  // namespace atrous
