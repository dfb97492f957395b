"""Training speed: full-batch gradient descent, 2-8-8-1 tanh network, sigmoid output, 500 points.

Prints steps per second of ``playground.core.fit`` and, when torch is importable,
of an equivalent PyTorch CPU loop (float64, one thread) in the same run, and
their ratio. Budget (issue 2): fit at least 3x the PyTorch loop.

Also the cost per step of tangent propagation (issue 12, PRML 5.5.4: a tangent pass forward
and back beside the data's) and of Tikhonov (one tangent pass per input) against plain
training, same network and points, interleaved in the same run.

    python benchmarks/train_speed.py [--steps 3000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from playground.core import MLP, fit
from playground.core.datasets import make_dataset

BUDGET_RATIO = 3.0


def problem():
    data = make_dataset("spiral", n_points=500, noise=0.1, seed=0)
    return data.X, data.targets("sigmoid")


def playground_steps_per_second(X, T, steps: int, **penalty) -> float:
    net = MLP([2, 8, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    start = time.perf_counter()
    fit(net, X, T, optimizer="gd", lr=0.1, epochs=steps, **penalty)
    return steps / (time.perf_counter() - start)


def torch_steps_per_second(X, T, steps: int) -> float:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)
    ).double()
    Xt, Tt = torch.from_numpy(np.array(X)), torch.from_numpy(np.array(T))  # writable copies
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="mean")  # same gradient as fit's E/N
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    start = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(Xt), Tt)
        loss.backward()
        opt.step()
    return steps / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    X, T = problem()
    try:
        import torch
    except ImportError:
        torch = None
    ours, theirs = [], []
    tangent, tikhonov = [], []
    # Interleave the runs so that machine noise hits both alike; report the best of each.
    for _ in range(args.repeats):
        ours.append(playground_steps_per_second(X, T, args.steps))
        tangent.append(playground_steps_per_second(X, T, args.steps, tangent_prop=0.1, tangent_kind="rotation"))
        tikhonov.append(playground_steps_per_second(X, T, args.steps, tikhonov=0.1))
        if torch is not None:
            theirs.append(torch_steps_per_second(X, T, args.steps))
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()} "
          f"numpy {np.__version__}" + (f" torch {torch.__version__}" if torch else ""))
    print(f"playground fit (full-batch GD, 2-8-8-1 tanh/sigmoid, 500 points): {max(ours):,.0f} steps/s "
          f"(best of {args.repeats} x {args.steps} steps)")
    for label, runs in (("tangent propagation (rotation)", tangent), ("Tikhonov (2 inputs)", tikhonov)):
        print(f"  with {label + ':':32s} {max(runs):,.0f} steps/s, {1e6 / max(runs):,.0f} us a step = "
              f"{max(ours) / max(runs):.2f}x the plain step ({1e6 / max(ours):,.0f} us)")
    if torch is None:
        print("torch not importable: no reference run (pip install torch==2.13.0 for the comparison)")
        return 0
    ratio = max(ours) / max(theirs)
    print(f"PyTorch CPU loop (float64, 1 thread):                              {max(theirs):,.0f} steps/s")
    print(f"ratio playground / PyTorch: {ratio:.2f}x   budget >= {BUDGET_RATIO:.1f}x: "
          f"{'met' if ratio >= BUDGET_RATIO else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
