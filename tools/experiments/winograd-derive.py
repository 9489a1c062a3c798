#!/usr/bin/env python3
"""Derives Winograd F(m, r) transforms (Toom-Cook, Lavin & Gray 2016) exactly, and measures the
float32 rounding of the nested 2D form against a float64 direct correlation.

    python3 tools/experiments/winograd-derive.py 3 3 0 1 -1 2     # F(3, 3) at points 0, ±1, 2, ∞
    python3 tools/experiments/winograd-derive.py --compare        # the variants conv-winograd.h weighs

For points p_0..p_{n-2} and ∞ (n = m + r − 1): Aᵀ[i][j] = p_j^i (the ∞ column picks the top
coefficient), G[j][k] = p_j^k / Π_{l≠j} (p_j − p_l), and Bᵀ solves Σ_j Aᵀ[i][j] G[j][k] Bᵀ[j][l] =
[l = i + k] for every i, k, l — so y = Aᵀ [(G g) ⊙ (Bᵀ d)] is the correlation y_i = Σ_k g_k d_{i+k}
by construction, checked again numerically below.
"""
import sys
from fractions import Fraction

import numpy as np


def derive(m, r, points):
    n = m + r - 1
    pts = [Fraction(p) for p in points]
    assert len(pts) == n - 1, f"F({m}, {r}) needs {n - 1} finite points"
    at = [[p ** i for p in pts] + [Fraction(int(i == m - 1))] for i in range(m)]
    g = []
    for j, p in enumerate(pts):
        norm = Fraction(1)
        for l, q in enumerate(pts):
            if l != j:
                norm *= p - q
        g.append([p ** k / norm for k in range(r)])
    g.append([Fraction(int(k == r - 1)) for k in range(r)])
    # Exact Gauss-Jordan elimination for the n·n entries of Bᵀ.
    rows = []
    for i in range(m):
        for k in range(r):
            for l in range(n):
                row = [Fraction(0)] * (n * n)
                for j in range(n):
                    row[j * n + l] = at[i][j] * g[j][k]
                rows.append(row + [Fraction(int(l == i + k))])
    pivots, top = [], 0
    for col in range(n * n):
        pivot = next((q for q in range(top, len(rows)) if rows[q][col] != 0), None)
        if pivot is None:
            continue
        rows[top], rows[pivot] = rows[pivot], rows[top]
        rows[top] = [v / rows[top][col] for v in rows[top]]
        for q in range(len(rows)):
            if q != top and rows[q][col] != 0:
                f = rows[q][col]
                rows[q] = [a - f * b for a, b in zip(rows[q], rows[top])]
        pivots.append(col)
        top += 1
    assert len(pivots) == n * n and all(row[-1] == 0 for row in rows[top:]), "no Bᵀ for these points"
    bt = [[Fraction(0)] * n for _ in range(n)]
    for q, col in enumerate(pivots):
        bt[col // n][col % n] = rows[q][-1]
    return at, g, bt


def rounding_2d(m, r, points, channels=256, tiles=400, seed=1):
    """max and rms |y − y_exact| ÷ max |y_exact| of F(m x m, r x r) in float32 (U rounded once from
    float64, as conv-winograd.h packs it) over `tiles` random tiles summed over `channels`."""
    at, g, bt = (np.array(a, dtype=float) for a in derive(m, r, points))
    n = m + r - 1
    rng = np.random.default_rng(seed)
    d = rng.uniform(-0.5, 0.5, (tiles, channels, n, n)).astype(np.float32)
    w = rng.uniform(-0.5, 0.5, (channels, r, r)).astype(np.float32)
    exact = np.zeros((tiles, m, m))
    for i in range(m):
        for j in range(m):
            exact[:, i, j] = np.einsum("tckl,ckl->t", d[:, :, i:i + r, j:j + r].astype(float), w.astype(float))
    u = np.einsum("ak,ckl,bl->cab", g, w.astype(float), g).astype(np.float32)
    bt32, at32 = bt.astype(np.float32), at.astype(np.float32)
    v = np.einsum("ak,tckl,bl->tcab", bt32, d, bt32).astype(np.float32)
    msum = np.einsum("cab,tcab->tab", u, v).astype(np.float32)
    y = np.einsum("ia,tab,jb->tij", at32, msum, at32).astype(np.float32)
    big = np.abs(exact).max()
    return np.abs(y - exact).max() / big, np.sqrt(((y - exact) ** 2).mean()) / big


def show(name, matrix):
    print(f"{name} =")
    for row in matrix:
        print("  [" + " ".join(f"{str(v):>5}" for v in row) + "]")


if __name__ == "__main__":
    if sys.argv[1:] == ["--compare"]:
        for m, r, pts in [(2, 3, [0, 1, -1]), (3, 3, [0, 1, -1, 2]), (3, 3, [0, 1, -1, -2]), (3, 3, [0, 1, -1, Fraction(1, 2)]),
                          (4, 3, [0, 1, -1, 2, -2])]:
            worst, rms = rounding_2d(m, r, pts)
            print(f"F({m}x{m}, {r}x{r}) at {', '.join(map(str, pts))}, ∞: max {worst:.2e}, rms {rms:.2e} of max |y| (256 channels)")
        sys.exit(0)
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    m, r = int(sys.argv[1]), int(sys.argv[2])
    pts = [Fraction(p) for p in sys.argv[3:]]
    at, g, bt = derive(m, r, pts)
    show("Bᵀ", bt)
    show("G", g)
    show("Aᵀ", at)
    # The identity, numerically: y = Aᵀ [(G g) ⊙ (Bᵀ d)] against the correlation, in float64.
    rng = np.random.default_rng(0)
    d, w = rng.standard_normal(m + r - 1), rng.standard_normal(r)
    y = np.array(at, float) @ ((np.array(g, float) @ w) * (np.array(bt, float) @ d))
    assert np.allclose(y, [d[i:i + r] @ w for i in range(m)]), "the transforms do not compute the correlation"
    worst, rms = rounding_2d(m, r, pts)
    print(f"float32 rounding of F({m}x{m}, {r}x{r}): max {worst:.2e}, rms {rms:.2e} of max |y| (256 channels)")
