"""Sweep speed: PRML fig. 5.10's sweep serial against the process pool, in the same run.

The default sweep of the Sweeps dock: M = 1 ... 12 tanh hidden units x 30 random starts, 300
epochs of scaled conjugate gradients each, on the PRML sinusoid (App. A: 10 training points
x ~ U(0, 1), t = sin 2 pi x + N(0, 0.3^2), and 100 test points). It runs once in this process
(workers=1, one BLAS thread, as each pool worker uses), then in a pool of one worker process per
core ("spawn") twice: started by the sweep itself (the CLI's ``sweep`` and ``render``: each
worker's start-up, ~1 s of imports, included), and started ahead as the Sweeps dock starts its
pool when it first shows (what a sweep run from the dock meets). It checks that all give the same
numbers, and prints the times, their ratios, and the CPU seconds each used (how many cores the
machine really gave it: on a shared machine the wall-clock ratio says more about the other
programs than about the pool). Budget: the dock's pool >= 1.7x faster than serial on a 2-core
machine; the cold pool's ratio is printed beside it.

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


def fits_per_second(seconds: float) -> float:
    """How many fig. 5.10 fits (M = 6) one process completes per second of wall time right now."""
    config, data = sweeps.SweepConfig(units=(6,), starts=1, epochs=300), sinusoid()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        sweeps.run_fit(config, data, 6, done)
        done += 1
    return done / (time.perf_counter() - start)


def ceiling(workers: int, seconds: float = 3.0) -> tuple[float, float]:
    """(fits per second in one process, in ``workers`` processes at once) right now: the best
    speed-up any pool could show for this work on this machine at this moment. (Counting work
    done, not CPU seconds: a shared virtual machine gives two busy processes two cores' CPU
    seconds while each runs slower.)"""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(fits_per_second, [0.3] * workers)  # started and warm
        together = sum(pool.map(fits_per_second, [seconds] * workers))
    return fits_per_second(seconds), together


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
    cold = sweeps.run_sweep(config, data, workers=workers)
    cold_s, after = time.perf_counter() - start, os.times()
    cold_cpu = after.children_user - cpu.children_user + after.children_system - cpu.children_system
    print(f"pool of {workers} started by the sweep: {cold_s:7.2f} s  ({cold_cpu:.1f} CPU s in the workers: "
          f"{cold_cpu / cold_s:.2f} cores)")

    pool = sweeps.WorkerPool(workers)
    try:
        for ready in pool.warm():  # as the dock does when it shows, before Run is pressed
            ready.result()
        start = time.perf_counter()
        pooled = sweeps.run_sweep(config, data, pool=pool)
        pooled_s = time.perf_counter() - start
    finally:
        pool.close()
    after_close = os.times()
    pooled_cpu = after_close.children_user - after.children_user + after_close.children_system - after.children_system
    print(f"pool of {workers} started ahead (dock): {pooled_s:7.2f} s  ({pooled_cpu:.1f} CPU s in the workers, "
          f"start-up included)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    one, together = ceiling(workers)
    print(f"fits per second: {one:.1f} in one process, {together:.1f} in {workers} at once "
          f"(the best a pool could do now: {together / one:.2f}x)")
    same = serial.csv_text() == pooled.csv_text() == cold.csv_text()
    ratio = serial_s / pooled_s
    print(f"same results serial and pooled: {same}")
    print(f"speed-up of the pool started by the sweep: {serial_s / cold_s:.2f}x (no budget)")
    units, means = pooled.means("test")
    print("mean test error per point by M: " + ", ".join(f"{int(m)}: {e:.3f}" for m, e in zip(units, means)))
    verdict = "within" if ratio >= BUDGET_RATIO else "OVER"
    print(f"speed-up of the dock's pool {ratio:.2f}x (budget >= {BUDGET_RATIO}x on 2 cores): {verdict} budget")
    return 0 if same and ratio >= BUDGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
