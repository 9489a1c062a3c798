// The transposed convolution — the input gradient of a conv — split into stride phases, one
// source for every target, freestanding like conv-direct.h.
//
// The descriptor is the forward conv's: its input x is our output (dx, [N, Cin, D, H, W]), its
// output y our input (dy, [N, Cout, OD, OH, OW]), and the weights are its [Cout, Cin/groups, k…].
//
//   dx[n, c, X] = Σ_{o, k : X = Y·s − p + k·d} w[o, c, k] · dy[n, o, Y]        (per axis)
//
// Rewriting this as a stride-1 conv over dy with s − 1 zeros between samples multiplies s^nd − 1
// zeros for every product that counts. Instead, per axis, the outputs X = i·s + r of one residue
// r ("phase") are reached only by the taps k with k·d ≡ r + p (mod s): with m = ⌊(r + p) / s⌋ and
// ρ = (r + p) mod s, tap k adds w[k] · dy[i + m − (k·d − ρ)/s]. Those taps are k0, k0 + P, …
// (P = s / gcd(d, s)), so reversed they form a stride-1 conv of dy with dilation P·d / s and
// padding (k_last·d − ρ)/s − m, which may be negative (a crop):
//
//   dx[.., i·s + r] = Σ_j w[k_last − j·P] · dy[i − pad + j·(P·d / s)]
//
// Each phase (a residue on every axis) is such a conv, run by the direct kernel writing straight
// into its strided positions of dx. A phase with no tap on some axis gets only the bias.
#pragma once
#include <stddef.h>

#include "conv-desc.h"
#include "conv-direct.h"

namespace atrous {
namespace ATROUS_ISA_NS {

// The sub-conv of one phase along one axis.
struct AxisPhase {
  int taps;    // forward taps that reach this phase
  int k_last;  // the last of them; tap j of the sub-conv is k_last − j·step
  int step;    // P = s / gcd(d, s)
  int dil;     // dilation of the sub-conv over dy: P·d / s
  int pad;     // its padding before (negative: dy is cropped)
  int out;     // outputs of the phase: X = i·s + r for i < out
};

// Phase r (0 ≤ r < min(s, size)) of an axis with `size` outputs, kernel k, stride s, dilation dl, padding p.
inline AxisPhase axis_phase(int r, int size, int k, int s, int dl, int p) {
  AxisPhase a;
  const int rho = (r + p) % s, m = (r + p) / s;
  a.step = s / gcd_int(dl, s);
  a.dil = static_cast<int>(static_cast<long long>(a.step) * dl / s);
  a.out = (size - r + s - 1) / s;
  int k0 = 0;
  while (k0 < a.step && k0 < k && static_cast<long long>(k0) * dl % s != rho) k0++;
  a.taps = k0 < a.step && k0 < k ? (k - 1 - k0) / a.step + 1 : 0;
  a.k_last = k0 + (a.taps - 1) * a.step;
  a.pad = a.taps > 0 ? static_cast<int>((static_cast<long long>(a.k_last) * dl - rho) / s) - m : 0;
  return a;
}

// Phase is the direct kernel (a DirectConv instantiation) each phase runs on.
template <typename Phase>
struct TransposedConv {
  typedef unsigned long long Count;
  // Phases are found by walking them per task; past this many the strides are so large that the
  // rewrite as one stride-1 conv over upsampled dy is the better deal (src/kernels/conv-transpose-as-conv.ts).
  static constexpr int kMaxPhases = 64;

  const ConvDesc& d;
  int nph[3];  // phases per axis: min(stride, output size)

  explicit TransposedConv(const ConvDesc& desc) : d(desc) {
    nph[0] = min_int(d.sD, d.D);
    nph[1] = min_int(d.sH, d.H);
    nph[2] = min_int(d.sW, d.W);
  }

  static bool handles(const ConvDesc& d) {
    return static_cast<long long>(min_int(d.sD, d.D)) * min_int(d.sH, d.H) * min_int(d.sW, d.W) <= kMaxPhases;
  }

  int phase_count() const { return nph[0] * nph[1] * nph[2]; }

  // Phase p's conv over dy (desc `pd`, output layout into dx); false if some axis has no tap.
  bool phase(int p, ConvDesc* pd, AxisPhase ax[3], OutLayout* out) const {
    const int r[3] = {p / (nph[1] * nph[2]), (p / nph[2]) % nph[1], p % nph[2]};
    ax[0] = axis_phase(r[0], d.D, d.KD, d.sD, d.dD, d.pD);
    ax[1] = axis_phase(r[1], d.H, d.KH, d.sH, d.dH, d.pH);
    ax[2] = axis_phase(r[2], d.W, d.KW, d.sW, d.dW, d.pW);
    *pd = {d.N, d.Cout, d.Cin, d.groups, d.OD, d.OH, d.OW, ax[0].taps, ax[1].taps, ax[2].taps, 1, 1, 1,
           ax[0].dil, ax[1].dil, ax[2].dil, ax[0].pad, ax[1].pad, ax[2].pad, ax[0].out, ax[1].out, ax[2].out, 0};
    const long long plane = static_cast<long long>(d.D) * d.H * d.W, hw = static_cast<long long>(d.H) * d.W;
    *out = {d.Cin * plane, plane, d.sD * hw, static_cast<long long>(d.sH) * d.W, d.sW, r[0] * hw + static_cast<long long>(r[1]) * d.W + r[2]};
    return ax[0].taps > 0 && ax[1].taps > 0 && ax[2].taps > 0;
  }

  // Tasks of phase p per batch item: its conv's (numbered batch item first), or one that writes the bias.
  long long phase_tasks(int p) const {
    ConvDesc pd;
    AxisPhase ax[3];
    OutLayout out;
    return phase(p, &pd, ax, &out) ? Phase(pd).task_count() / (d.N > 0 ? d.N : 1) : 1;
  }

  // Numbered batch item first, then phase: the phases of one image run close together in time,
  // so the dx lines they share (each phase writes every s-th column) are still in cache.
  long long task_count() const {
    long long t = 0;
    for (int p = 0; p < phase_count(); p++) t += phase_tasks(p);
    return t * d.N;  // 0 for an empty batch
  }

  // Scratch per caller: the largest phase's. Packed weights: all phases', one after another.
  Count panel_floats() const { return max_over(&Phase::panel_floats); }
  Count scratch_ints() const { return max_over(&Phase::scratch_ints); }
  Count packed_floats() const {
    Count t = 0;
    for (int p = 0; p < phase_count(); p++) t += packed_of(p);
    return t;
  }

  // Each phase's taps, reversed, as that phase conv's weights: its output channel is our (dx)
  // channel co, its input channel the forward output channel o = group·(Cout/groups) + c.
  void pack_weights(const float* w, float* wpack) const {
    const int cinG = d.Cin / d.groups, coutG = d.Cout / d.groups;
    for (int p = 0; p < phase_count(); p++) {
      ConvDesc pd;
      AxisPhase ax[3];
      OutLayout out;
      if (!phase(p, &pd, ax, &out)) continue;
      const Phase k(pd);
      k.pack_with(
          [&](int co, int c, int t) {
            const int jd = t / (ax[1].taps * ax[2].taps), jh = (t / ax[2].taps) % ax[1].taps, jw = t % ax[2].taps;
            const int kd = ax[0].k_last - jd * ax[0].step, kh = ax[1].k_last - jh * ax[1].step, kw = ax[2].k_last - jw * ax[2].step;
            const int o = (co / cinG) * coutG + c;
            return w[((static_cast<size_t>(o) * cinG + co % cinG) * d.KD + kd) * d.KH * d.KW + static_cast<size_t>(kh) * d.KW + kw];
          },
          wpack);
      wpack += k.packed_floats();
    }
  }

  void run_task(int i, const float* dy, const float* wpack, const float* bias, float* dx, float* panel, int* ints) const {
    const int n = static_cast<int>(i / (task_count() / d.N));
    i -= static_cast<int>(n * (task_count() / d.N));
    for (int p = 0; p < phase_count(); p++) {
      ConvDesc pd;
      AxisPhase ax[3];
      OutLayout out;
      if (!phase(p, &pd, ax, &out)) {
        if (i == 0) return fill_bias(n, out, ax, bias, dx);
        i--;
        continue;
      }
      Phase k(pd);
      const int per_item = static_cast<int>(k.task_count() / d.N);
      if (i >= per_item) {
        i -= per_item;
        wpack += k.packed_floats();
        continue;
      }
      k.out = out;
      return k.run_task(n * per_item + i, dy, wpack, bias, dx, panel, ints);
    }
  }

 private:
  Count packed_of(int p) const {
    ConvDesc pd;
    AxisPhase ax[3];
    OutLayout out;
    return phase(p, &pd, ax, &out) ? Phase(pd).packed_floats() : 0;
  }

  Count max_over(Count (Phase::*size)() const) const {
    Count m = 0;
    for (int p = 0; p < phase_count(); p++) {
      ConvDesc pd;
      AxisPhase ax[3];
      OutLayout out;
      if (!phase(p, &pd, ax, &out)) continue;
      const Count v = (Phase(pd).*size)();
      if (v > m) m = v;
    }
    return m;
  }

  // Batch item n's outputs of a phase no tap reaches: just the bias.
  void fill_bias(int n, const OutLayout& out, const AxisPhase ax[3], const float* bias, float* dx) const {
    for (int c = 0; c < d.Cin; c++) {
      const float v = bias ? bias[c] : 0.0f;
      float* base = dx + static_cast<size_t>(out.off + n * out.n + c * out.c);
      for (int i = 0; i < ax[0].out; i++)
        for (int j = 0; j < ax[1].out; j++) {
          float* row = base + static_cast<size_t>(i * out.d + j * out.h);
          for (int l = 0; l < ax[2].out; l++) row[static_cast<size_t>(l * out.w)] = v;
        }
    }
  }
};

}  // namespace ATROUS_ISA_NS
}  // namespace atrous
