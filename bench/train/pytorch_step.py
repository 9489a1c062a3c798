#!/usr/bin/python3
"""PyTorch side of the training-step benchmark: median wall time of one Adam training step.

  /usr/bin/python3 bench/train/pytorch_step.py [--steps N] [--warmup N] [--threads 1,2] [--rounds R] > out.json

One step = zero_grad(set_to_none=True) + forward + loss + backward + optimizer.step(), float32 on
the CPU, timed with time.perf_counter around the whole step. torch.set_num_interop_threads(1);
torch.set_num_threads(T) for each T. The timed steps of each (T, model) are split into R rounds that
interleave thread counts and models, after warm-up. Progress goes to stderr; one JSON object to stdout.
Needs only the standard library and torch (Debian's python3-torch is 1.13.1: /usr/bin/python3).

The two models, exactly (so the TypeScript side can build the same thing):

(1) TCN for the adding problem (Bai, Kolter & Koltun 2018, github.com/locuslab/TCN), batch 32:
    x: [32, 2, 600] (channel 0 uniform [0,1), channel 1 zeros with two 1s: one in each half);
    target: [32, 1] = sum of the two marked values.
    8 TemporalBlocks, level i = 0..7, dilation d = 2^i (1..128), kernel 8, 24 channels,
    Cin = 2 at level 0, else 24. Each block, on input h [32, Cin, 600]:
      a = ReLU(conv1(F.pad(h, (7d, 0))))      conv1 = weight_norm(Conv1d(Cin, 24, 8, dilation=d))
      a = Dropout(0.0)(a)                      (dropout 0: identity; no module in the graph)
      a = ReLU(conv2(F.pad(a, (7d, 0))))      conv2 = weight_norm(Conv1d(24, 24, 8, dilation=d))
      res = downsample(h) if Cin != 24 else h  downsample = Conv1d(Cin, 24, 1)   (level 0 only,
                                               no weight norm, as in locuslab/TCN)
      out = ReLU(a + res)                      → [32, 24, 600]
    Left padding 7d then a valid conv = locuslab's symmetric padding + Chomp1d: causal, length kept.
    Weight norm (torch.nn.utils.weight_norm, dim 0): weight = g · v / ‖v‖, the norm over (Cin, k)
    per output channel; parameters g [24, 1, 1] and v [24, Cin, 8], plus bias [24].
    Head: Linear(24, 1) on out[:, :, -1] → [32, 1]; loss = MSE (mean) against target.
    Parameters:
      level 0: conv1 v 24·2·8=384 + g 24 + b 24 = 432; conv2 v 24·24·8=4608 + g 24 + b 24 = 4656;
               downsample w 24·2=48 + b 24 = 72                                → 5160
      levels 1..7: 2 × 4656 = 9312 each                                         → 65184
      head: 24 + 1                                                              → 25
      total 70369 (checked at run time).
    Init (as locuslab/TCN): v ~ N(0, 0.01) then g = ‖v‖ per channel (weight_norm's own init),
    downsample and head weights ~ N(0, 0.01), biases as torch's defaults. Adam lr 4e-3.

(2) Context module, basic (Yu & Koltun 2016, "Multi-scale context aggregation by dilated
    convolutions", Table 1), 64 channels, x: [1, 64, 128, 128]:
      layers 1..7: Conv2d(64, 64, 3, dilation=d, padding=d) then ReLU, d = 1, 1, 2, 4, 8, 16, 1
      layer 8:     Conv2d(64, 64, 1) (no ReLU)                                  → [1, 64, 128, 128]
    loss = MSE (mean) to a fixed target [1, 64, 128, 128] ~ N(0, 1).
    Parameters: 7 × (64·64·9 + 64) + (64·64 + 64) = 7 × 36928 + 4160 = 262656 (checked).
    Init: the paper's identity init (centre tap w[c, c, 1, 1] = 1, layer 8 w = I, biases 0).
    Adam lr 1e-3. Inputs: x ~ N(0, 1) (seeded).
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class TemporalBlock(nn.Module):
    def __init__(self, cin, cout, k, d):
        super().__init__()
        self.pad = (k - 1) * d
        self.conv1 = nn.Conv1d(cin, cout, k, dilation=d)
        self.conv2 = nn.Conv1d(cout, cout, k, dilation=d)
        self.conv1.weight.data.normal_(0, 0.01)
        self.conv2.weight.data.normal_(0, 0.01)
        self.conv1 = nn.utils.weight_norm(self.conv1)
        self.conv2 = nn.utils.weight_norm(self.conv2)
        self.downsample = nn.Conv1d(cin, cout, 1) if cin != cout else None
        if self.downsample is not None:
            self.downsample.weight.data.normal_(0, 0.01)

    def forward(self, h):
        a = F.relu(self.conv1(F.pad(h, (self.pad, 0))))
        a = F.relu(self.conv2(F.pad(a, (self.pad, 0))))
        res = h if self.downsample is None else self.downsample(h)
        return F.relu(a + res)


class TCN(nn.Module):
    def __init__(self, cin=2, channels=24, levels=8, k=8):
        super().__init__()
        self.blocks = nn.Sequential(*[TemporalBlock(cin if i == 0 else channels, channels, k, 2 ** i) for i in range(levels)])
        self.head = nn.Linear(channels, 1)
        self.head.weight.data.normal_(0, 0.01)

    def forward(self, x):
        return self.head(self.blocks(x)[:, :, -1])


class ContextModule(nn.Module):
    DILATIONS = (1, 1, 2, 4, 8, 16, 1)

    def __init__(self, c=64):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(c, c, 3, dilation=d, padding=d) for d in self.DILATIONS])
        self.last = nn.Conv2d(c, c, 1)
        with torch.no_grad():  # identity init (Yu & Koltun, section 3)
            for conv in list(self.convs) + [self.last]:
                conv.weight.zero_()
                conv.bias.zero_()
                kc = conv.weight.shape[-1] // 2
                for i in range(c):
                    conv.weight[i, i, kc, kc] = 1.0

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return self.last(x)


def adding_batch(gen, n=32, t=600):
    x = torch.zeros(n, 2, t)
    x[:, 0, :] = torch.rand(n, t, generator=gen)
    first = torch.randint(0, t // 2, (n,), generator=gen)
    second = torch.randint(t // 2, t, (n,), generator=gen)
    rows = torch.arange(n)
    x[rows, 1, first] = 1.0
    x[rows, 1, second] = 1.0
    y = (x[rows, 0, first] + x[rows, 0, second]).unsqueeze(1)
    return x, y


def n_params(model):
    return sum(p.numel() for p in model.parameters())


class Bench:
    """One model, its optimizer and fixed data; `step()` is the timed unit."""

    def __init__(self, name, model, opt, x, target):
        self.name, self.model, self.opt, self.x, self.target = name, model, opt, x, target
        self.times, self.losses = [], []

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(self.model(self.x), self.target)
        loss.backward()
        self.opt.step()
        return loss.item()

    def timed(self, n, label):
        for _ in range(n):
            t0 = time.perf_counter()
            self.losses.append(self.step())
            self.times.append((time.perf_counter() - t0) * 1e3)
            log(f"  {label} {self.name} step {len(self.times)}: {self.times[-1]:.1f} ms (loss {self.losses[-1]:.5g})")


def make_benches():
    """Both models from the same seed, so every thread count trains identical copies."""
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    tcn = TCN()
    assert n_params(tcn) == 70369, n_params(tcn)
    x, target = adding_batch(gen)
    ctx = ContextModule()
    assert n_params(ctx) == 262656, n_params(ctx)
    cx = torch.randn(1, 64, 128, 128, generator=gen)
    ctarget = torch.randn(1, 64, 128, 128, generator=gen)
    return [Bench("tcn", tcn, torch.optim.Adam(tcn.parameters(), lr=4e-3), x, target),
            Bench("context", ctx, torch.optim.Adam(ctx.parameters(), lr=1e-3), cx, ctarget)]


def summary(times):
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times),
            "times_ms": [round(t, 3) for t in times]}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = line.split(":", 1)[1].split()
                    return [f for f in ("avx2", "fma", "avx512f", "avx512vl", "avx512bw", "avx512_vnni") if f in flags]
    except OSError:
        pass
    return []


def blas_libraries():
    """The BLAS shared objects this process has mapped: Debian's torch calls whatever libblas.so.3
    points to (netlib's reference BLAS unless OpenBLAS/BLIS is installed), which is what its
    non-oneDNN convs (e.g. a 1x1 conv on one thread) and Linear run on."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.lower() or "blis" in line.lower()}
        return sorted(os.path.realpath(p) for p in paths if p.startswith("/"))
    except OSError:
        return []


def run(thread_counts, warmup, steps, rounds):
    """Interleaves thread counts and models in rounds, so a burst of load from other processes on
    this shared machine lands on every setting rather than on one."""
    benches = {}
    for t in thread_counts:
        torch.set_num_threads(t)
        benches[t] = make_benches()
        for b in benches[t]:
            for _ in range(warmup):
                b.step()
    per_round = [steps // rounds + (1 if r < steps % rounds else 0) for r in range(rounds)]
    for r, n in enumerate(per_round):
        for t in thread_counts:
            torch.set_num_threads(t)
            log(f"round {r + 1}/{rounds}, threads={t} (torch.get_num_threads()={torch.get_num_threads()})")
            for b in benches[t]:
                b.step()  # one untimed step after switching the thread count
                b.timed(n, f"T={t}")
    out = {}
    for t in thread_counts:
        tcn, ctx = benches[t]
        out[t] = {
            "tcn_ms": statistics.median(tcn.times),
            "context_ms": statistics.median(ctx.times),
            "steps": steps,
            "warmup": warmup,
            "torch_threads": t,
            "tcn": {**summary(tcn.times), "first_loss": tcn.losses[0], "last_loss": tcn.losses[-1]},
            "context": {**summary(ctx.times), "first_loss": ctx.losses[0], "last_loss": ctx.losses[-1]},
        }
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=15, help="timed steps per model and thread count (>= 10)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds the timed steps are split into")
    ap.add_argument("--part", action="store_true",
                    help="one round of a run interleaved with another process (bench/train/run.ts): few steps expected")
    args = ap.parse_args()
    torch.set_num_interop_threads(1)
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    if args.steps < 10 and not args.part:
        log("warning: fewer than 10 timed steps; medians on this noisy machine will not mean much")
    results = run([int(s) for s in args.threads.split(",")], args.warmup, args.steps, max(1, min(args.rounds, args.steps)))
    out = {
        "torch_version": torch.__version__,
        "threads": results,
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "logical_cpus": os.cpu_count(),
        "loadavg_before": [round(v, 2) for v in load_before],
        "loadavg_after": [round(v, 2) for v in os.getloadavg()],
        "started": started,
        "python": platform.python_version(),
        "interop_threads": torch.get_num_interop_threads(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "blas": blas_libraries(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else None,
        "torch_parallel_backend": next((l.split(":", 1)[1].strip() for l in torch.__config__.parallel_info().splitlines() if l.startswith("ATen parallel backend")), None),
        "step": "zero_grad(set_to_none=True) + forward + MSE loss + backward + Adam.step(), float32",
        "models": {
            "tcn": "adding problem: 8 levels, k 8, 24 ch, dilation 1..128, causal, weight norm, ReLU, dropout 0, 1x1 residual at level 0, "
                   "x [32, 2, 600], Linear(24, 1) on the last step; 70369 params; Adam lr 4e-3",
            "context": "Yu & Koltun basic context module: 64 ch, 3x3 dilations 1,1,2,4,8,16,1 (+ReLU), 1x1 64->64, x [1, 64, 128, 128]; "
                       "262656 params; Adam lr 1e-3",
        },
        "command": "/usr/bin/python3 bench/train/pytorch_step.py " + " ".join(sys.argv[1:]),
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
