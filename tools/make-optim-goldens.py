#!/usr/bin/env python3
"""Writes test/golden/optim.json: torch.optim trajectories, gradient clipping and LR schedules.

  python3 tools/make-optim-goldens.py [OUT]     (default OUT: test/golden/optim.json)

Every optimizer runs 5 steps from the same float64 parameters with the same literal gradients
(PARAMS, GRADS below; test/optim/optim-golden.test.ts holds an identical copy and checks it against
the copy written into the JSON). One step leaves the second parameter without a gradient, which
torch.optim skips. `LRS` sets the learning rate before each step for the runs that use it. The
optimizers run with foreach=False (the single-tensor path that atrous follows). Needs torch; the
golden in the repo was made with Debian's python3-torch (1.13), which is installed for /usr/bin/python3
rather than a pyenv python: `/usr/bin/python3 tools/make-optim-goldens.py`.
"""
import json
import math
import sys

import torch

PARAMS = [
    ([3], [0.5, -1.25, 2.0]),
    ([2, 2], [0.3, -0.7, 1.1, 0.05]),
]
# Per step, one gradient per parameter (None: no gradient at that step).
GRADS = [
    [[0.1, -0.2, 0.3], [0.4, -0.5, 0.6, -0.7]],
    [[-0.25, 0.05, 0.8], [0.01, 0.2, -0.3, 0.9]],
    [[0.6, -0.9, -0.1], None],
    [[0.02, 0.03, -0.04], [-0.6, 0.1, 0.05, -0.2]],
    [[-0.3, 0.7, 0.2], [0.3, -0.35, 0.0, 0.15]],
]
LRS = [0.01, 0.02, 0.005, 0.01, 0.03]

# name, atrous kind, atrous options (camelCase), torch constructor, whether LRS drives the rate
OPTIMIZERS = [
    ("sgd", "SGD", {"lr": 0.1}, lambda p: torch.optim.SGD(p, lr=0.1, foreach=False), False),
    ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weightDecay": 0.01},
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01, foreach=False), False),
    ("sgd_nesterov_lrs", "SGD", {"lr": 0.01, "momentum": 0.8, "weightDecay": 0.05, "nesterov": True},
     lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.8, weight_decay=0.05, nesterov=True, foreach=False), True),
    ("adam", "Adam", {"lr": 0.01},
     lambda p: torch.optim.Adam(p, lr=0.01, foreach=False), False),
    ("adam_l2_amsgrad", "Adam", {"lr": 0.05, "betas": [0.8, 0.95], "eps": 1e-6, "weightDecay": 0.1, "amsgrad": True},
     lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1, amsgrad=True, foreach=False), False),
    ("adam_lrs", "Adam", {"lr": 0.01, "betas": [0.5, 0.6]},
     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.5, 0.6), foreach=False), True),
    ("adamw", "AdamW", {"lr": 0.01, "weightDecay": 0.1},
     lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1, foreach=False), False),
    ("adamw_amsgrad_lrs", "AdamW", {"lr": 0.01, "weightDecay": 0.5, "amsgrad": True, "betas": [0.7, 0.9]},
     lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.5, amsgrad=True, betas=(0.7, 0.9), foreach=False), True),
    ("rmsprop", "RMSprop", {"lr": 0.01},
     lambda p: torch.optim.RMSprop(p, lr=0.01, foreach=False), False),
    ("rmsprop_centered_momentum", "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weightDecay": 0.01, "momentum": 0.9, "centered": True},
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.9, centered=True, foreach=False), False),
    ("rmsprop_momentum_lrs", "RMSprop", {"lr": 0.01, "alpha": 0.5, "momentum": 0.5},
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.5, momentum=0.5, foreach=False), True),
]

CLIP_NORM = [
    {"maxNorm": 1.0, "normType": 2},
    {"maxNorm": 100.0, "normType": 2},
    {"maxNorm": 0.5, "normType": 1},
    {"maxNorm": 0.25, "normType": "inf"},
    {"maxNorm": 0.75, "normType": 3},
]
CLIP_VALUE = [0.5, 0.05]

BASE_LR = 0.1
SCHEDULE_STEPS = 12


def make_params():
    return [torch.tensor(v, dtype=torch.float64).reshape(s).requires_grad_() for s, v in PARAMS]


def run_optimizer(make, use_lrs):
    params = make_params()
    opt = make(params)
    trajectory = []
    for k, grads in enumerate(GRADS):
        for p, g in zip(params, grads):
            p.grad = None if g is None else torch.tensor(g, dtype=torch.float64).reshape(p.shape)
        if use_lrs:
            for group in opt.param_groups:
                group["lr"] = LRS[k]
        opt.step()
        trajectory.append([p.detach().flatten().tolist() for p in params])
    return trajectory


def run_clip_norm(case):
    params = make_params()
    for p, g in zip(params, GRADS[0]):
        p.grad = torch.tensor(g, dtype=torch.float64).reshape(p.shape)
    norm_type = math.inf if case["normType"] == "inf" else case["normType"]
    total = torch.nn.utils.clip_grad_norm_(params, case["maxNorm"], norm_type=norm_type)
    return dict(case, total=float(total), grads=[p.grad.flatten().tolist() for p in params])


def run_clip_value(clip):
    params = make_params()
    for p, g in zip(params, GRADS[1]):
        p.grad = torch.tensor(g, dtype=torch.float64).reshape(p.shape)
    torch.nn.utils.clip_grad_value_(params, clip)
    return {"clipValue": clip, "grads": [p.grad.flatten().tolist() for p in params]}


def warmup_cosine_factor(t, warmup=3, total=10, min_lr=0.01):
    if t < warmup:
        return t / warmup
    q = min(1.0, (t - warmup) / max(1, total - warmup))
    return (min_lr + (BASE_LR - min_lr) * (1 + math.cos(math.pi * q)) / 2) / BASE_LR


S = torch.optim.lr_scheduler
SCHEDULES = [
    ("StepLR", {"stepSize": 3, "gamma": 0.5}, lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}, lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3)),
    ("CosineAnnealingLR", {"tMax": 5, "etaMin": 0.001}, lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.001)),
    ("LinearLR", {"startFactor": 0.25, "endFactor": 1.0, "totalIters": 4}, lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4)),
    ("LambdaLR", {"base": 0.9}, lambda o: S.LambdaLR(o, lambda t: 0.9 ** t)),
    ("warmupCosine", {"warmupSteps": 3, "totalSteps": 10, "minLr": 0.01}, lambda o: S.LambdaLR(o, warmup_cosine_factor)),
]


def run_schedule(make):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=BASE_LR)
    sched = make(opt)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(SCHEDULE_STEPS):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return lrs


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/golden/optim.json"
    golden = {
        "comment": "Made by tools/make-optim-goldens.py; do not edit.",
        "torch": torch.__version__,
        "params": [v for _, v in PARAMS],
        "shapes": [s for s, _ in PARAMS],
        "grads": GRADS,
        "lrs": LRS,
        "optimizers": [
            {"name": name, "kind": kind, "options": opts, "useLrs": use_lrs, "trajectory": run_optimizer(make, use_lrs)}
            for name, kind, opts, make, use_lrs in OPTIMIZERS
        ],
        "clipNorm": [run_clip_norm(c) for c in CLIP_NORM],
        "clipValue": [run_clip_value(c) for c in CLIP_VALUE],
        "baseLr": BASE_LR,
        "schedules": [{"name": n, "args": a, "lrs": run_schedule(m)} for n, a, m in SCHEDULES],
    }
    with open(out, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
