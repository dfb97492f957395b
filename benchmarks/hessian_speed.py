"""Hessian speed: ``hessian.exact`` against ``torch.autograd.functional.hessian``, and hvp against the gradient.

Two problems, 500 points from ``np.random.default_rng(0)`` with binary targets,
tanh hidden units and a sigmoid/cross-entropy output:
(a) 2-8-8-1 (105 weights), (b) 2-30-30-1 (1,051 weights).
For each it first checks that torch's Hessian (float64, one thread) equals ours and
prints the largest absolute difference, then prints the best-of-several time of
``hessian.exact``, torch's time, their ratio, and the time of ``hessian.hvp``
relative to ``net.gradient``. torch's ``vectorize=True`` variant (vmap) is printed
for information. Budgets: exact >= 10x faster than torch for (a); exact < 1 s for
(b); hvp / gradient <= ~3.

    python benchmarks/hessian_speed.py [--repeats 7] [--blas-threads N]

By default numpy's BLAS is limited to one thread too (set before numpy is
imported), so that both sides use one core; ``--blas-threads 0`` leaves numpy's
BLAS as configured. (On a small, busy machine a multi-threaded BLAS can make the
many medium-sized products of ``exact`` much slower, not faster.)
"""

from __future__ import annotations

import argparse
import os
import platform
import time

BUDGET_TORCH_RATIO = 10.0
BUDGET_EXACT_SECONDS = 1.0
BUDGET_HVP_RATIO = 3.0


def best_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def problem(sizes, n_points=500):
    import numpy as np

    from playground.core import MLP

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_points, sizes[0]))
    T = rng.integers(0, 2, (n_points, 1)).astype(float)
    net = MLP(sizes, hidden="tanh", output="sigmoid", seed=0)
    return net, X, T


def torch_error_function(net, X, T):
    """E(w) in torch, float64, same layout as ``net.w`` (per layer: weights in C order, then biases)."""
    import torch
    import torch.nn.functional as F

    Xt, Tt = torch.from_numpy(X), torch.from_numpy(T)
    shapes = list(zip(net.layer_sizes[:-1], net.layer_sizes[1:]))

    def error(w):
        h, offset = Xt, 0
        for k, (fan_in, fan_out) in enumerate(shapes):
            W = w[offset : offset + fan_in * fan_out].reshape(fan_in, fan_out)
            offset += fan_in * fan_out
            b = w[offset : offset + fan_out]
            offset += fan_out
            a = h @ W + b
            h = torch.tanh(a) if k < len(shapes) - 1 else a
        return F.binary_cross_entropy_with_logits(h, Tt, reduction="sum")

    return error


def run(label, sizes, repeats, torch_repeats, torch):
    import numpy as np

    from playground.core import hessian

    net, X, T = problem(sizes)
    H = hessian.exact(net, X, T)
    t_exact = best_time(lambda: hessian.exact(net, X, T), repeats)
    v = np.random.default_rng(1).normal(size=net.n_params)
    t_grad = best_time(lambda: net.gradient(X, T), 20 * repeats)
    t_hvp = best_time(lambda: hessian.hvp(net, X, T, v), 20 * repeats)
    print(f"({label}) {net.describe()}, {X.shape[0]} points")
    print(f"    hessian.exact:                 {t_exact * 1e3:9.2f} ms  (best of {repeats})"
          + (f"   budget < {BUDGET_EXACT_SECONDS:.0f} s: {'met' if t_exact < BUDGET_EXACT_SECONDS else 'NOT met'}"
             if label == "b" else ""))
    ratio_hvp = t_hvp / t_grad
    print(f"    hvp / gradient:                {ratio_hvp:9.2f}     ({t_hvp * 1e6:.0f} us / {t_grad * 1e6:.0f} us)"
          f"   budget <= ~{BUDGET_HVP_RATIO:.0f}: {'met' if ratio_hvp <= BUDGET_HVP_RATIO * 1.05 else 'NOT met'}")
    if torch is None:
        return
    error = torch_error_function(net, X, T)
    w = torch.from_numpy(net.w.copy())
    E_torch = float(error(w))
    H_torch = torch.autograd.functional.hessian(error, w).numpy()
    print(f"    check: |E_torch - E| = {abs(E_torch - net.error(X, T)):.1e}, "
          f"max |H_torch - H| = {np.max(np.abs(H_torch - H)):.1e} (max |H| = {np.max(np.abs(H)):.1e})")
    t_torch = best_time(lambda: torch.autograd.functional.hessian(error, w), torch_repeats)
    ratio = t_torch / t_exact
    line = (f"    torch.autograd.functional.hessian (float64, 1 thread): {t_torch * 1e3:9.2f} ms  "
            f"(best of {torch_repeats});  torch / exact = {ratio:.1f}x")
    if label == "a":
        line += f"   budget >= {BUDGET_TORCH_RATIO:.0f}x: {'met' if ratio >= BUDGET_TORCH_RATIO else 'NOT met'}"
    print(line)
    try:
        H_vec = torch.autograd.functional.hessian(error, w, vectorize=True).numpy()
        t_vec = best_time(lambda: torch.autograd.functional.hessian(error, w, vectorize=True), torch_repeats)
        print(f"    (for information) torch hessian vectorize=True: {t_vec * 1e3:9.2f} ms; "
              f"torch / exact = {t_vec / t_exact:.1f}x; max |diff| = {np.max(np.abs(H_vec - H)):.1e}")
    except Exception as exc:  # vmap support varies between torch versions
        print(f"    (torch vectorize=True unavailable: {type(exc).__name__}: {exc})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="numpy's BLAS threads, set before numpy is imported (0: as configured)")
    args = parser.parse_args()
    if args.blas_threads > 0:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.blas_threads)
    import numpy as np

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
          f"python {platform.python_version()} numpy {np.__version__}"
          + (f" torch {torch.__version__}" if torch else "")
          + f"; numpy BLAS threads: {args.blas_threads if args.blas_threads > 0 else 'as configured'}")
    if torch is None:
        print("torch not importable: no reference run (pip install torch==2.13.0 for the comparison)")
    run("a", [2, 8, 8, 1], args.repeats, 5, torch)
    run("b", [2, 30, 30, 1], args.repeats, 2, torch)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
