// Which kernel runs a conv: one choice for every build. conv-isa.cc and conv-wasm.cc each name
// their instantiations (tile sizes differ per target) in a struct of typedefs — Tall, Wide,
// Depthwise, Winograd4x4, Winograd3x3, Winograd, Winograd1x4, Winograd1, Winograd1k2, WgradBlock, WgradRows, WgradDepthwise — and call f with the kernel for d.
// Freestanding like the kernels (the wasm build has no standard library).
#pragma once
#include "conv-depthwise.h"
#include "conv-desc.h"
#include "conv-direct.h"
#include "conv-transpose.h"
#include "conv-wgrad-rows.h"
#include "conv-wgrad.h"
#include "conv-winograd.h"

namespace atrous {
namespace ATROUS_ISA_NS {

// What ConvKernel.algorithm reports (src/kernels/conv-kernel.ts).
enum Algorithm { kDirect = 0, kDepthwise = 1, kWinograd = 2, kWinogradF43 = 3, kWinogradF32 = 4, kWinogradF33 = 5, kWinogradF44 = 6 };

// Forward: Winograd where it pays (stride 1, or strides that divide the dilations, run on the
// subsampled input grid), then plain depthwise, then by channels per group — one output
// channel per group gets the single-channel tile that is wide along the columns, since a tall one
// would multiply zero weights.
template <typename K, typename F>
void with_forward(const ConvDesc& d, F f) {
  if (K::Winograd4x4::handles(d)) f(typename K::Winograd4x4(d), kWinogradF44);
  else if (K::Winograd3x3::handles(d)) f(typename K::Winograd3x3(d), kWinogradF33);
  else if (K::Winograd::handles(d)) f(typename K::Winograd(d), kWinograd);
  else if (K::Winograd1x4::handles(d)) f(typename K::Winograd1x4(d), kWinogradF43);
  else if (K::Winograd1::handles(d)) f(typename K::Winograd1(d), kWinograd);
  else if (K::Winograd1k2::handles(d)) f(typename K::Winograd1k2(d), kWinogradF32);
  else if (WinogradSubsampled<typename K::Winograd4x4>::handles(d)) f(WinogradSubsampled<typename K::Winograd4x4>(d), kWinogradF44);
  else if (WinogradSubsampled<typename K::Winograd3x3>::handles(d)) f(WinogradSubsampled<typename K::Winograd3x3>(d), kWinogradF33);
  else if (WinogradSubsampled<typename K::Winograd>::handles(d)) f(WinogradSubsampled<typename K::Winograd>(d), kWinograd);
  else if (K::Depthwise::handles(d)) f(typename K::Depthwise(d), kDepthwise);
  else if (d.Cout / d.groups == 1) f(typename K::Wide(d), kDirect);
  else f(typename K::Tall(d), kDirect);
}

// Transposed (the input gradient of the forward conv d): stride-1 ones Winograd takes are a conv
// over dy on it; else each stride phase on the direct kernel, whose output channels are the
// forward conv's input channels.
template <typename K, typename F>
void with_transposed(const ConvDesc& d, F f) {
  if (WinogradTransposed<typename K::Winograd4x4>::handles(d)) f(WinogradTransposed<typename K::Winograd4x4>(d), kWinogradF44);
  else if (WinogradTransposed<typename K::Winograd3x3>::handles(d)) f(WinogradTransposed<typename K::Winograd3x3>(d), kWinogradF33);
  else if (WinogradTransposed<typename K::Winograd>::handles(d)) f(WinogradTransposed<typename K::Winograd>(d), kWinograd);
  else if (WinogradTransposed<typename K::Winograd1x4>::handles(d)) f(WinogradTransposed<typename K::Winograd1x4>(d), kWinogradF43);
  else if (WinogradTransposed<typename K::Winograd1>::handles(d)) f(WinogradTransposed<typename K::Winograd1>(d), kWinograd);
  else if (WinogradTransposed<typename K::Winograd1k2>::handles(d)) f(WinogradTransposed<typename K::Winograd1k2>(d), kWinogradF32);
  else if (d.Cin / d.groups == 1) f(TransposedConv<typename K::Wide>(d), kDirect);
  else f(TransposedConv<typename K::Tall>(d), kDirect);
}

// Weight gradient: Winograd's where the forward conv runs on it (also on a subsampled grid), then the one-row block for
// depthwise, then rows read in place (stride 1 along W, long rows), else the general block.
template <typename K, typename F>
void with_wgrad(const ConvDesc& d, F f) {
  typedef WinogradWgrad<K::kVL, K::kMR, K::kNR, true, 4> Wino4x4;
  typedef WinogradWgrad<K::kVL, K::kMR, K::kNR, true, 3> Wino3x3;
  typedef WinogradWgrad<K::kVL, K::kMR, K::kNR> Wino;
  typedef WinogradWgrad<K::kVL, K::kMR, K::kNR, false> Wino1;
  typedef WinogradWgrad<K::kVL, K::kMR, K::kNR, false, 4> Wino1x4;
  typedef WinogradWgrad<K::kVL, K::kMR, K::kNR, false, 3, 2> Wino1k2;
  if (Wino4x4::handles(d)) f(Wino4x4(d));
  else if (Wino3x3::handles(d)) f(Wino3x3(d));
  else if (Wino::handles(d)) f(Wino(d));
  else if (WinogradWgradSubsampled<Wino4x4>::handles(d)) f(WinogradWgradSubsampled<Wino4x4>(d));
  else if (WinogradWgradSubsampled<Wino3x3>::handles(d)) f(WinogradWgradSubsampled<Wino3x3>(d));
  else if (WinogradWgradSubsampled<Wino>::handles(d)) f(WinogradWgradSubsampled<Wino>(d));
  else if (Wino1x4::handles(d)) f(Wino1x4(d));
  else if (Wino1::handles(d)) f(Wino1(d));
  else if (Wino1k2::handles(d)) f(Wino1k2(d));
  else if (wgrad_depthwise(d)) f(typename K::WgradDepthwise(d));
  else if (K::WgradRows::handles(d)) f(typename K::WgradRows(d));
  else f(typename K::WgradBlock(d));
}

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
