"""How soon the GUI thread gets the GIL back while the trainer runs at full speed, on small data.

A hand-drawn dataset of a few dozen points is the classroom's usual case. Its epochs are short and
the trainer's numpy calls let the GIL go and take it back every few tens of microseconds; CPython
asks the holder to let go only when a whole switch interval passed without a switch, so at a long
interval the GUI thread waits for the end of the trainer's chunk. For each dataset size this
script trains the app's window at full speed (offscreen) in alternating blocks at the app's switch
interval (gui/app.GIL_SWITCH_INTERVAL) and at 1 ms (the reference, in the same process), and prints:

- frames drawn / frames the trainer sent (budget: at least 90 % at the app's interval);
- how late a frame is drawn after it arrives, median and p99 (the window asks for it 1 ms later);
- the trainer's epochs per second at each interval (their ratio: what the GUI's share costs it).

    QT_QPA_PLATFORM=offscreen python benchmarks/gil_handoff.py [--points 20,100,300] [--blocks 2] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402

from playground.gui.app import GIL_SWITCH_INTERVAL, prepare_application  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.session.config import DataConfig, ExperimentConfig  # noqa: E402
from playground.session.document import Document  # noqa: E402

REFERENCE_INTERVAL = 0.001
DRAWN_BUDGET = 0.9


def settle(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(max(0, int(seconds * 1000)), loop.quit)
    loop.exec()


def one_block(window: MainWindow, interval: float, seconds: float) -> dict:
    """Play for ``seconds`` at switch interval ``interval``: frames sent and drawn, lateness, speed."""
    sys.setswitchinterval(interval)
    arrived: list[float] = []
    late: list[float] = []
    controller = window.controller
    original_render = window._render_newest_frame

    def note_arrival():
        arrived.append(time.perf_counter())

    def timed_render():
        if controller.peek_frame() is not None and arrived:
            late.append(1e3 * (time.perf_counter() - arrived[-1]))
        original_render()

    controller.sigFrameReady.connect(note_arrival)
    window._frame_timer.timeout.disconnect(window._render_newest_frame)
    window._frame_timer.timeout.connect(timed_render)
    window.play(True)
    settle(0.3)
    epoch0, turn0, received0 = window._last_snapshot.epoch, window._turn, controller.frames_received
    start = time.perf_counter()
    settle(seconds)
    elapsed = time.perf_counter() - start
    epochs = window._last_snapshot.epoch - epoch0
    drawn, received = window._turn - turn0, controller.frames_received - received0
    window.play(False)
    settle(0.2)
    controller.sigFrameReady.disconnect(note_arrival)
    window._frame_timer.timeout.disconnect(timed_render)
    window._frame_timer.timeout.connect(window._render_newest_frame)
    return {"drawn": drawn, "received": received, "late": late, "rate": epochs / elapsed}


def measure(points: int, blocks: int, seconds: float) -> dict:
    config = ExperimentConfig(data=DataConfig(generator="spiral", n_points=points, noise=0.05, seed=1))
    settings = QSettings(os.path.join(tempfile.mkdtemp(prefix="nnp-gil-"), "settings.ini"), QSettings.IniFormat)
    window = MainWindow(Document.generated(config), settings=settings)
    window.resize(1600, 1000)
    window.show()
    slider = window.training_panel.speed_slider
    slider.setValue(slider.maximum())  # full speed, as a person moves the slider
    settle(1.0)
    results = {GIL_SWITCH_INTERVAL: [], REFERENCE_INTERVAL: []}
    for _ in range(blocks):  # alternating: this machine's speed drifts within a minute
        for interval in results:
            results[interval].append(one_block(window, interval, seconds))
    window.close()
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    return results


def summary(runs: list[dict]) -> tuple[float, float, float, float]:
    drawn = sum(r["drawn"] for r in runs) / max(1, sum(r["received"] for r in runs))
    late = np.concatenate([r["late"] for r in runs]) if any(r["late"] for r in runs) else np.zeros(1)
    return drawn, float(np.median(late)), float(np.percentile(late, 99)), statistics.median(r["rate"] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", default="20,100,300", help="dataset sizes (two spirals), comma-separated")
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    prepare_application([])
    ok = True
    for points in (int(p) for p in args.points.split(",")):
        results = measure(points, args.blocks, args.seconds)
        ours, reference = summary(results[GIL_SWITCH_INTERVAL]), summary(results[REFERENCE_INTERVAL])
        within = ours[0] >= DRAWN_BUDGET
        ok &= within
        print(f"{points} points: at {GIL_SWITCH_INTERVAL * 1e6:.0f} us, {100 * ours[0]:.0f} % of frames drawn "
              f"(budget >= {100 * DRAWN_BUDGET:.0f} %: {'ok' if within else 'UNDER'}), drawn {ours[1]:.1f} ms "
              f"after arriving (p99 {ours[2]:.1f}), {ours[3]:,.0f} epochs/s; at 1 ms (reference) "
              f"{100 * reference[0]:.0f} %, {reference[1]:.1f} ms (p99 {reference[2]:.1f}), {reference[3]:,.0f} "
              f"epochs/s; trainer speed ratio {ours[3] / reference[3]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
