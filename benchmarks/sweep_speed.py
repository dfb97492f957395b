"""Sweep speed: PRML fig. 5.10's sweep serial against the process pool, in the same run.

The default sweep of the Sweeps dock: M = 1 ... 12 tanh hidden units x 30 random starts, 300
epochs of scaled conjugate gradients each, on the PRML sinusoid (App. A: 10 training points
x ~ U(0, 1), t = sin 2 pi x + N(0, 0.3^2), and 100 test points). It runs once in this process
(workers=1, one BLAS thread, as each pool worker uses) and once in a pool of one worker process
per core ("spawn", as the GUI starts it, worker start-up included), checks that both give the
same numbers, and prints both times, their ratio, and the CPU seconds each used (how many cores
the machine really gave it: on a shared machine the wall-clock ratio says more about the other
programs than about the pool). Budget: the pool >= 1.7x faster on a 2-core machine.

    python benchmarks/sweep_speed.py [--starts 30] [--epochs 300] [--max-units 12]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from playground.core import sweeps

BUDGET_RATIO = 1.7


def sinusoid(seed: int = 0) -> sweeps.SweepData:
    rng = np.random.default_rng(seed)
    x, xt = rng.uniform(0, 1, (10, 1)), rng.uniform(0, 1, (100, 1))
    noisy = lambda x: np.sin(2 * np.pi * x) + 0.3 * rng.normal(size=x.shape)  # noqa: E731
    return sweeps.SweepData(x, noisy(x), X_test=xt, T_test=noisy(xt))


def _burn(seconds: float) -> float:
    """CPU seconds a pure-Python loop gets in ``seconds`` of wall time."""
    start, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        pass
    return time.process_time() - cpu


def cores_available(workers: int, seconds: float = 2.0) -> tuple[float, float]:
    """(cores one process gets, cores ``workers`` processes get together) right now: the
    best speed-up any pool could show on this machine at this moment."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_burn, [0.1] * workers)  # started and warm
        together = sum(pool.map(_burn, [seconds] * workers)) / seconds
    return _burn(seconds) / seconds, together


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--max-units", type=int, default=12)
    args = parser.parse_args()
    config = sweeps.SweepConfig(units=tuple(range(1, args.max_units + 1)), starts=args.starts, epochs=args.epochs)
    data = sinusoid()
    workers = sweeps.default_workers()
    print(f"{platform.python_version()} on {platform.machine()}, {workers} cores (os.cpu_count {os.cpu_count()}); "
          f"{len(config.jobs())} fits ({args.max_units} M x {args.starts} starts x {args.epochs} epochs)")

    print(f"load average before: {os.getloadavg()[0]:.2f} (other programs share these cores)")
    start, cpu = time.perf_counter(), os.times()
    serial = sweeps.run_sweep(config, data, workers=1)
    serial_s, after = time.perf_counter() - start, os.times()
    serial_cpu = after.user - cpu.user + after.system - cpu.system
    print(f"serial (this process):       {serial_s:7.2f} s  ({serial_cpu:.1f} CPU s: {serial_cpu / serial_s:.2f} cores)")

    start, cpu = time.perf_counter(), os.times()
    pooled = sweeps.run_sweep(config, data, workers=workers)
    pooled_s, after = time.perf_counter() - start, os.times()
    pooled_cpu = after.children_user - cpu.children_user + after.children_system - cpu.children_system
    print(f"pool of {workers} processes (spawn): {pooled_s:7.2f} s  ({pooled_cpu:.1f} CPU s in the workers: "
          f"{pooled_cpu / pooled_s:.2f} cores)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    one, together = cores_available(workers)
    print(f"the machine gives a busy loop {one:.2f} cores in one process, {together:.2f} in {workers} "
          f"(the best a pool could do now: {together / one:.2f}x)")
    same = serial.csv_text() == pooled.csv_text()
    ratio = serial_s / pooled_s
    print(f"same results serial and pooled: {same}")
    units, means = pooled.means("test")
    print("mean test error per point by M: " + ", ".join(f"{int(m)}: {e:.3f}" for m, e in zip(units, means)))
    verdict = "within" if ratio >= BUDGET_RATIO else "OVER"
    print(f"speed-up {ratio:.2f}x (budget >= {BUDGET_RATIO}x on 2 cores): {verdict} budget")
    return 0 if same and ratio >= BUDGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
