// The entry points each instruction-set build of conv-isa.cc provides.
#pragma once
#include "conv-desc.h"

namespace atrous {
#define ATROUS_DECLARE_ISA(ns)                                                                         \
  namespace ns {                                                                                       \
  void conv_f32(const ConvDesc& d, const float* x, const float* w, const float* bias, float* y, int threads); \
  double peak_gflops(int threads, double seconds);                                                     \
  }
ATROUS_DECLARE_ISA(avx512)
ATROUS_DECLARE_ISA(avx2)
ATROUS_DECLARE_ISA(baseline)
#undef ATROUS_DECLARE_ISA
}  // namespace atrous
