"""How long an autosave of 100,000 points holds the GUI thread (budget: no freeze over 100 ms).

Measures, in a MainWindow with autosave on (offscreen, temporary folders):
(a) the GUI thread's own part of an autosave (taking the document and starting the writer);
(b) the longest gap of a 2 ms GUI timer while the writer thread encodes and writes the file,
    against the same timer with no writer (the reference, same run);
(c) for comparison, ``save_session`` of the same document in one go on the GUI thread.

    python benchmarks/autosave.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from playground.core.datasets import Dataset  # noqa: E402
from playground.gui import file_actions  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.session.config import ExperimentConfig  # noqa: E402
from playground.session.document import Document, save_session  # noqa: E402

BUDGET_MS = 100.0
file_actions.ask_save_changes = lambda parent, name: "discard"  # offscreen nobody can answer


def settle(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)


def longest_gap(app, busy) -> tuple[float, int]:
    """Longest interval between ticks of a 2 ms timer while ``busy()`` is true (ms, ticks)."""
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=2)
    timer.timeout.connect(tick)
    timer.start()
    while busy():
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    return 1000 * max(gaps, default=0.0), len(gaps)


def main() -> int:
    app = QApplication.instance() or QApplication([])
    folder = tempfile.mkdtemp(prefix="nnp-autosave-")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100_000, 2))
    dataset = Dataset(X, (X[:, 0] > 0).astype(int), "classification", n_classes=2, name="big")
    document = Document.with_new_dataset(dataset, ExperimentConfig())
    window = MainWindow(document, settings=QSettings(os.path.join(folder, "s.ini"), QSettings.IniFormat),
                        autosave_dir=os.path.join(folder, "data"))
    window.show()
    settle(app, 4.0)  # the first frame of 100k points is drawn before measuring
    saver = window.files.autosaver
    window.files._force_modified = True  # as after an edit

    end = time.perf_counter() + 0.4
    reference, reference_ticks = longest_gap(app, lambda: time.perf_counter() < end)
    worst = 0.0
    for _ in range(3):
        saver._written = None
        t0 = time.perf_counter()
        saver._write_now()
        own = 1000 * (time.perf_counter() - t0)
        t0 = time.perf_counter()
        gap, ticks = longest_gap(app, saver._thread.is_alive)
        total = 1000 * (time.perf_counter() - t0)
        worst = max(worst, gap, own)
        print(f"GUI thread's part {own:5.1f} ms; writer {total:4.0f} ms; longest GUI gap meanwhile "
              f"{gap:5.1f} ms ({ticks} ticks)")
    print(f"reference, no writer: longest GUI gap {reference:.1f} ms ({reference_ticks} ticks)")
    t0 = time.perf_counter()
    save_session(os.path.join(folder, "x.nnp.json"), document)
    print(f"save_session in one go on the GUI thread: {1000 * (time.perf_counter() - t0):.0f} ms")
    print(f"worst freeze {worst:.1f} ms: {'within' if worst <= BUDGET_MS else 'OVER'} the {BUDGET_MS:.0f} ms budget")
    window.files._force_modified = False
    window.close()
    return 0 if worst <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
