// The entry points each instruction-set build of conv-isa.cc provides (raw pointers only; the
// caller allocates and threads, see src/kernels/native/addon.cc).
#pragma once
#include "conv-desc.h"
#include "task-claims.h"

namespace atrous {

struct ConvSizes {
  unsigned long long packed;  // floats of packed weights
  unsigned long long panel;   // floats of scratch per thread
  unsigned long long ints;    // ints of scratch per thread
  long long tasks;            // independent tasks
};

struct WgradSizes {
  unsigned long long scratch;  // floats of scratch per thread, its dw copy last
  unsigned long long dw;       // floats of dw
  unsigned long long ints;     // ints of scratch per thread
  long long tasks;             // independent tasks
};

#define ATROUS_DECLARE_ISA(ns)                                                                  \
  namespace ns {                                                                                \
  ConvSizes conv_sizes(const ConvDesc& d);                                                      \
  void conv_pack(const ConvDesc& d, const float* w, float* wpack);                              \
  /* Runs thread t's tasks, then any left of the others' (task-claims.h), until none are.   */ \
  void conv_run(const ConvDesc& d, const float* x, const float* wpack, const float* bias, float* y, float* panel, \
                int* ints, const TaskClaims& claims, int t);                                    \
  /* The transposed conv (the input gradient) of the forward conv d, by stride phases: dy →   */ \
  /* dx (conv-transpose.h). Only for geometries transposed_handles() accepts.               */ \
  bool transposed_handles(const ConvDesc& d);                                                   \
  ConvSizes transposed_sizes(const ConvDesc& d);                                                \
  void transposed_pack(const ConvDesc& d, const float* w, float* wpack);                        \
  void transposed_run(const ConvDesc& d, const float* dy, const float* wpack, const float* bias, float* dx, \
                      float* panel, int* ints, const TaskClaims& claims, int t);                \
  WgradSizes wgrad_sizes(const ConvDesc& d);                                                    \
  /* Zeroes one part's dw copy (the last sizes.dw floats of scratch), then adds tasks      */    \
  /* first, first + step, ... into it: a fixed split into parts, so results repeat bit for  */   \
  /* bit whichever thread runs which part (src/kernels/native/addon.cc).                   */    \
  void wgrad_run(const ConvDesc& d, const float* x, const float* dy, float* scratch, int* ints, int first, int step); \
  /* Which kernel a forward / transposed conv runs on: "winograd", "depthwise" or "direct". */ \
  const char* conv_algorithm(const ConvDesc& d);                                                \
  const char* transposed_algorithm(const ConvDesc& d);                                          \
  float peak_madd(int rounds);                                                                  \
  int vector_floats();                                                                          \
  }
ATROUS_DECLARE_ISA(avx512)
ATROUS_DECLARE_ISA(avx2)
ATROUS_DECLARE_ISA(baseline)
#undef ATROUS_DECLARE_ISA
}  // namespace atrous
