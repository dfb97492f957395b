"""How fast the trainer answers pause and stop while a large network trains (issue 9: within 0.5 s).

    python benchmarks/stop_latency.py [--points 100000] [--units 256] [--layers 8] [--repeats 3]

An 8 x 256 tanh network on 100,000 points (an epoch of full-batch Adam takes many
seconds here) trains in the background worker with the Hessian dock's reports on
(each one a long computation on its own worker). Measured, from the moment the GUI
thread posts the command:

- pause: until the worker has taken it from its mailbox (it is then no longer training),
  and until the first frame that says "paused" has arrived in the GUI thread;
- stop (closing the window): until both threads have ended.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from playground.core import MLP, Trainer  # noqa: E402
from playground.core.hessian_lab import HessianRequest  # noqa: E402
from playground.gui.frames import ViewSpec  # noqa: E402
from playground.gui.worker import TrainingController  # noqa: E402


def _spin_until(predicate, timeout: float) -> float:
    """Process Qt events until ``predicate()``; the seconds it took (inf on timeout)."""
    start = time.perf_counter()
    while not predicate():
        QApplication.processEvents()
        if time.perf_counter() - start > timeout:
            return float("inf")
        time.sleep(0.001)
    return time.perf_counter() - start


def measure_stop_latency(n_points=100_000, units=256, layers=8, batch_size=None, warmup=3.0, hessian=True,
                         seed=0) -> dict:
    """One run: seconds to answer pause (mailbox taken, paused frame shown) and stop (threads joined)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.5, 1.5, (n_points, 2))
    T = (np.sin(3 * X[:, 0]) * X[:, 1] > 0).astype(float)[:, None]
    net = MLP([2] + [units] * layers + [1], hidden="tanh", output="sigmoid", seed=seed)
    trainer = Trainer(net, X, T, optimizer="adam", lr=0.01, batch_size=batch_size)
    controller = TrainingController()
    frames = []
    controller.worker.sigFrame.connect(lambda frame: frames.append(frame.running))
    controller.set_job(trainer, None, "classification", 2)
    controller.set_view(ViewSpec(resolution=100))
    if hessian:
        controller.set_hessian(HessianRequest(), 1)
    controller.play(True)
    _spin_until(lambda: True in frames, 120.0)
    _spin_until(lambda: False, warmup)  # training (and a Hessian report) under way
    mailbox = controller.worker.mailbox
    frames.clear()
    start = time.perf_counter()
    controller.play(False)
    taken = _spin_until(lambda: not mailbox.pending(), 60.0)
    shown = _spin_until(lambda: False in frames, 60.0) + taken
    hessian_busy = controller.hessian_worker.busy.is_set()
    controller.play(True)
    _spin_until(lambda: False, 1.0)
    start = time.perf_counter()
    ok = controller.shutdown()
    stopped = time.perf_counter() - start
    return dict(pause_taken=taken, pause_frame=shown, stop=stopped, joined=ok, hessian_busy=hessian_busy,
                epochs=trainer.epoch)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    QApplication.instance() or QApplication([])
    from playground.gui.app import GIL_SWITCH_INTERVAL

    sys.setswitchinterval(GIL_SWITCH_INTERVAL)  # as the app does
    runs = [measure_stop_latency(args.points, args.units, args.layers, args.batch_size, seed=k)
            for k in range(args.repeats)]
    print(f"{args.layers} x {args.units} tanh on {args.points:,} points, batch {args.batch_size or 'full'}, "
          f"Hessian reports on; {args.repeats} runs")
    for key, label in (("pause_taken", "pause taken by the worker"), ("pause_frame", "paused frame shown"),
                       ("stop", "stop: both threads joined")):
        values = [r[key] for r in runs]
        print(f"  {label:28s} median {statistics.median(values):.3f} s   max {max(values):.3f} s")
    print(f"  all joined: {all(r['joined'] for r in runs)}; a report was computing at the pause in "
          f"{sum(r['hessian_busy'] for r in runs)} of {len(runs)} runs; epochs trained {[r['epochs'] for r in runs]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
