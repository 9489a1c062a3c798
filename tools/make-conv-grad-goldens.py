#!/usr/bin/python3
"""Writes test/golden/conv-grad.json: PyTorch's conv forward and gradients on small seeded cases.

  /usr/bin/python3 tools/make-conv-grad-goldens.py [OUT]     (default OUT: test/golden/conv-grad.json)

For each case, in float64: y = conv(x, w, b), then dx, dw, db = autograd of <y, gy> for a fixed
random cotangent gy. test/autograd/conv-golden.test.ts rebuilds every case with atrous's API (the
"ours" options stored beside each case) and compares y, dx, dw, db, so that test needs no Python.

Inputs (x, w, b, gy) are multiples of 1/32 in [-2, 2): exact in float32 and short in JSON, so the
float32 run of the test sees the very same inputs. Outputs are whatever torch computes in float64.

Padding modes map as follows (torch on the left, atrous's `padding` option on the right):
  padding=p                                  → p (a number or per-axis numbers)
  F.pad(x, (d*(k-1), 0)) then padding=0      → 'causal' (1D; 2D with causalAxis)
  padding='same' (stride 1 only)             → 'same' (TF rule: the odd extra on the end side,
                                               which is also where torch puts it)
  F.pad(x, (...)) then padding=0             → [[before, after], ...] per spatial axis
Needs only the standard library, torch and numpy.
"""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20240611
FWD = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
TRANSPOSED = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def dyadic(rng, shape):
    """Values k/32, k in [-64, 64): exactly representable in float32."""
    return torch.tensor(rng.integers(-64, 64, size=shape) / 32.0, dtype=torch.float64)


def flat(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def torch_pad_arg(pairs):
    """[[before, after] per spatial axis, first axis first] → F.pad's tuple (last axis first)."""
    out = []
    for before, after in reversed(pairs):
        out += [before, after]
    return tuple(out)


# Each case: name, kind ('conv' | 'transpose'), nd, x shape, w shape, bias, torch kwargs, how the
# input is padded before the torch call (explicit pairs or None), and our options. Shapes stay tiny.
def cases():
    c = []

    def conv(name, nd, xs, ws, bias=True, stride=1, dilation=1, groups=1, torch_padding=0, pre_pad=None, ours_padding=0, causal_axis=None):
        ours = {"stride": stride, "dilation": dilation, "groups": groups, "padding": ours_padding}
        if causal_axis is not None:
            ours["causalAxis"] = causal_axis
        c.append(dict(name=name, kind="conv", nd=nd, x=xs, w=ws, bias=bias,
                      kw=dict(stride=stride, dilation=dilation, groups=groups, padding=torch_padding),
                      pre_pad=pre_pad, ours=ours))

    def transpose(name, nd, xs, ws, bias=True, stride=1, dilation=1, groups=1, padding=0, output_padding=0):
        c.append(dict(name=name, kind="transpose", nd=nd, x=xs, w=ws, bias=bias,
                      kw=dict(stride=stride, dilation=dilation, groups=groups, padding=padding, output_padding=output_padding),
                      pre_pad=None,
                      ours={"stride": stride, "dilation": dilation, "groups": groups, "padding": padding, "outputPadding": output_padding}))

    # conv1d
    conv("conv1d plain, padding 1", 1, [2, 3, 9], [4, 3, 3], torch_padding=1, ours_padding=1)
    conv("conv1d dilation 4, valid", 1, [2, 2, 14], [3, 2, 3], dilation=4, ours_padding="valid")
    conv("conv1d causal k3 d2", 1, [2, 2, 10], [3, 2, 3], dilation=2, pre_pad=[[4, 0]], ours_padding="causal")
    conv("conv1d causal k2 d8 groups 2, no bias", 1, [1, 4, 12], [4, 2, 2], bias=False, dilation=8, groups=2,
         pre_pad=[[8, 0]], ours_padding="causal")
    conv("conv1d same, even kernel k4 d3 (extra pad at the end)", 1, [2, 2, 11], [2, 2, 4], dilation=3,
         torch_padding="same", ours_padding="same")
    conv("conv1d stride 2 dilation 2 (tfjs refuses this)", 1, [2, 3, 13], [2, 3, 3], stride=2, dilation=2,
         torch_padding=2, ours_padding=2)
    conv("conv1d stride 3 drops trailing inputs", 1, [1, 2, 12], [3, 2, 4], stride=3, ours_padding=0)
    conv("conv1d unbatched, same, d2", 1, [3, 9], [2, 3, 3], dilation=2, torch_padding="same", ours_padding="same")
    conv("conv1d depthwise x2 multiplier, d3", 1, [2, 3, 11], [6, 1, 3], dilation=3, groups=3,
         torch_padding=3, ours_padding=3)
    conv("conv1d dilated kernel as large as the padded input", 1, [2, 2, 7], [2, 2, 3], dilation=4,
         torch_padding=1, ours_padding=1)
    # conv2d
    conv("conv2d per-axis dilation (2,3), padding (2,3)", 2, [2, 2, 7, 8], [3, 2, 3, 3], dilation=[2, 3],
         torch_padding=[2, 3], ours_padding=[2, 3])
    conv("conv2d stride 2 dilation 2 (tfjs refuses this)", 2, [2, 2, 9, 8], [3, 2, 3, 3], stride=2, dilation=2,
         torch_padding=1, ours_padding=1)
    conv("conv2d groups 2, stride (1,2), dilation (3,1)", 2, [1, 4, 8, 9], [6, 2, 2, 3], stride=[1, 2],
         dilation=[3, 1], groups=2, torch_padding=[1, 0], ours_padding=[1, 0])
    conv("conv2d depthwise 3x3 d2 same", 2, [2, 3, 7, 6], [3, 1, 3, 3], dilation=2, groups=3,
         torch_padding="same", ours_padding="same")
    conv("conv2d same, even kernel 2x4, dilation (2,1)", 2, [1, 2, 6, 7], [2, 2, 2, 4], dilation=[2, 1],
         torch_padding="same", ours_padding="same")
    conv("conv2d explicit asymmetric padding [[1,0],[2,3]], d2", 2, [2, 2, 6, 5], [2, 2, 3, 2], dilation=2,
         pre_pad=[[1, 0], [2, 3]], ours_padding=[[1, 0], [2, 3]])
    # Causal along H (time), TF-same along W: d·(k−1) = 2·2 on top; W: d·(k−1) = 2 split 1/1.
    conv("conv2d causal on axis 0, same on axis 1", 2, [1, 2, 7, 6], [2, 2, 3, 3], dilation=[2, 1],
         pre_pad=[[4, 0], [1, 1]], ours_padding="causal", causal_axis=0)
    conv("conv2d unbatched, stride 2", 2, [2, 7, 6], [3, 2, 3, 2], stride=2, torch_padding=1, ours_padding=1)
    conv("conv2d 1x1, stride 2", 2, [2, 3, 5, 6], [4, 3, 1, 1], stride=2, ours_padding=0)
    # conv3d
    conv("conv3d dilation (1,2,2) same", 3, [1, 2, 4, 6, 5], [2, 2, 2, 3, 3], dilation=[1, 2, 2],
         torch_padding="same", ours_padding="same")
    conv("conv3d stride 2, dilation (2,1,1), groups 2", 3, [2, 4, 6, 5, 5], [2, 2, 2, 2, 3], stride=2,
         dilation=[2, 1, 1], groups=2, torch_padding=[1, 0, 1], ours_padding=[1, 0, 1])
    conv("conv3d unbatched, dilation 2", 3, [2, 5, 5, 6], [2, 2, 2, 2, 2], dilation=2, ours_padding=0)
    # transposed
    transpose("convTranspose1d stride 2 dilation 2 padding 1 outputPadding 1", 1, [2, 3, 6], [3, 2, 3],
              stride=2, dilation=2, padding=1, output_padding=1)
    transpose("convTranspose1d groups 2, stride 3, outputPadding 2", 1, [1, 4, 5], [4, 3, 4],
              stride=3, groups=2, output_padding=2)
    transpose("convTranspose1d unbatched, dilation 3", 1, [2, 6], [2, 2, 3], dilation=3, padding=2)
    transpose("convTranspose2d stride (2,3), dilation (2,1), padding (1,2), outputPadding (1,2), groups 2", 2,
              [2, 4, 4, 3], [4, 1, 3, 3], stride=[2, 3], dilation=[2, 1], groups=2, padding=[1, 2],
              output_padding=[1, 2])
    transpose("convTranspose2d unbatched, stride 2, dilation 3, outputPadding 1", 2, [2, 3, 4], [2, 3, 2, 2],
              stride=2, dilation=3, output_padding=1)
    transpose("convTranspose2d depthwise, stride 2, no bias", 2, [1, 3, 4, 4], [3, 1, 3, 3], bias=False,
              stride=2, groups=3, padding=1, output_padding=1)
    return c


def run(case, rng):
    nd = case["nd"]
    x = dyadic(rng, case["x"]).requires_grad_()
    w = dyadic(rng, case["w"]).requires_grad_()
    b = None
    if case["bias"]:
        cout = case["w"][0] if case["kind"] == "conv" else case["w"][1] * case["kw"]["groups"]
        b = dyadic(rng, [cout]).requires_grad_()
    if case["kind"] == "conv":
        xin = F.pad(x, torch_pad_arg(case["pre_pad"])) if case["pre_pad"] else x
        y = FWD[nd](xin, w, b, **case["kw"])
    else:
        y = TRANSPOSED[nd](x, w, b, **case["kw"])
    gy = dyadic(rng, list(y.shape))
    y.backward(gy)
    kw = ", ".join(f"{k}={v!r}" for k, v in case["kw"].items())
    fn = ("F.conv%dd" if case["kind"] == "conv" else "F.conv_transpose%dd") % nd
    call = f"{fn}({'F.pad(x, %r)' % (torch_pad_arg(case['pre_pad']),) if case['pre_pad'] else 'x'}, w, {'b' if b is not None else 'None'}, {kw})"
    op = ("conv%dd" if case["kind"] == "conv" else "convTranspose%dd") % nd
    return {
        "name": case["name"],
        "op": op,
        "torch": call,
        "options": case["ours"],
        "x": flat(x), "w": flat(w), "b": flat(b) if b is not None else None, "gy": flat(gy),
        "y": flat(y), "dx": flat(x.grad), "dw": flat(w.grad), "db": flat(b.grad) if b is not None else None,
    }


def debian_package():
    """The Debian package version (torch.__version__ of Debian's 1.13.1 build says 1.13.0a0)."""
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    # torch's notice that padding='same' with an even kernel copies the input: expected here.
    warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "golden", "conv-grad.json"))
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    results = [run(c, rng) for c in cases()]
    doc = {
        "generator": "tools/make-conv-grad-goldens.py",
        "command": "/usr/bin/python3 tools/make-conv-grad-goldens.py",
        "torch_version": torch.__version__,
        "torch_package": debian_package(),
        "numpy_version": np.__version__,
        "dtype": "float64",
        "seed": SEED,
        "note": "y = conv(x, w, b); dx, dw, db = autograd of sum(y * gy). Tensors are row-major flat lists with shapes. "
                "'options' are atrous's arguments for the same call; 'torch' is the PyTorch call that produced it.",
        "cases": results,
    }
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(results)} cases to {out} ({os.path.getsize(out)} bytes), torch {torch.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
