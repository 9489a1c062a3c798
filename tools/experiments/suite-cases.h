// The forward benchmark's cases (bench/shapes/suite.json) as conv descriptors, and the training
// bench's TCN layer, for the C++ experiment harnesses (conv-profile.cc, conv-threads.cc).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "conv-desc.h"

namespace suite {

using atrous::ConvDesc;

inline ConvDesc conv2d(int N, int Ci, int Co, int H, int W, int K, int dil, int pad, int s) {
  const int OH = (H + 2 * pad - dil * (K - 1) - 1) / s + 1, OW = (W + 2 * pad - dil * (K - 1) - 1) / s + 1;
  return ConvDesc{N, Ci, Co, 1, 1, H, W, 1, K, K, 1, s, s, 1, dil, dil, 0, pad, pad, 1, OH, OW};
}
inline ConvDesc conv1d(int N, int Ci, int Co, int T, int K, int dil, int padBefore, int padAfter) {
  return ConvDesc{N, Ci, Co, 1, 1, 1, T, 1, 1, K, 1, 1, 1, 1, 1, dil, 0, 0, padBefore, 1, 1, T + padBefore + padAfter - dil * (K - 1)};
}

// Sets *d to the case called `name`; false if there is none.
inline bool find(const char* name, ConvDesc* d) {
  if (!std::strcmp(name, "context2d")) *d = conv2d(1, 64, 64, 128, 128, 3, 8, 8, 1);
  else if (!std::strcmp(name, "aspp2d")) *d = conv2d(1, 256, 256, 65, 65, 3, 12, 12, 1);
  else if (!std::strcmp(name, "strided2d")) *d = conv2d(1, 32, 64, 112, 112, 3, 2, 2, 2);
  else if (!std::strcmp(name, "bytenet1d")) *d = conv1d(8, 256, 256, 512, 3, 8, 8, 8);
  else if (!std::strcmp(name, "tcn1d")) *d = conv1d(16, 64, 64, 1024, 3, 16, 32, 0);
  else if (!std::strcmp(name, "wavenet1d")) *d = conv1d(1, 64, 128, 16000, 2, 256, 256, 0);
  else if (!std::strcmp(name, "tcn-layer")) *d = conv1d(32, 24, 24, 600, 8, 16, 112, 0);
  else if (!std::strcmp(name, "conv3d")) *d = ConvDesc{1, 16, 16, 1, 32, 32, 32, 3, 3, 3, 1, 1, 1, 2, 2, 2, 2, 2, 2, 32, 32, 32};
  else if (!std::strcmp(name, "depthwise2d")) *d = ConvDesc{1, 256, 256, 256, 1, 65, 65, 1, 3, 3, 1, 1, 1, 1, 6, 6, 0, 6, 6, 1, 65, 65};
  else return false;
  return true;
}

// A harness's command line, <case> [reps], and the case's tensor sizes in floats.
struct Args {
  const char* name;
  int reps;
  ConvDesc d;
  size_t xs, ws, ys;  // x, w, y
};

// Reads argv (the case, context2d if none; reps, 40 if none); false, with a message, for an
// unknown case.
inline bool parse(int argc, char** argv, Args* a) {
  a->name = argc > 1 ? argv[1] : "context2d";
  a->reps = argc > 2 ? std::atoi(argv[2]) : 40;
  if (!find(a->name, &a->d)) {
    std::fprintf(stderr, "unknown case %s\n", a->name);
    return false;
  }
  const ConvDesc& d = a->d;
  a->xs = size_t(d.N) * d.Cin * d.D * d.H * d.W;
  a->ws = size_t(d.Cout) * d.Cin / d.groups * d.KD * d.KH * d.KW;
  a->ys = size_t(d.N) * d.Cout * d.OD * d.OH * d.OW;
  return true;
}

}  // namespace suite
