"""What a frame of the mixture density view (PRML fig. 5.21) costs the GUI thread.

Render + paint of 30 frames of a 1-5-9 MDN on the inverse problem (K = 3, 300 points), offscreen,
in the data view (the reference, measured in the same run) and in the four-panel mixture view at
700 x 500 pixels, without and with the sigma bands; and the worker's cost of one MDN frame
(compute_frame with the density, the mode in pieces and the colour scale).

    python benchmarks/mdn_view.py
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from playground.core import MLP, Trainer  # noqa: E402
from playground.core.datasets import make_dataset  # noqa: E402
from playground.gui.data_view import DataView  # noqa: E402
from playground.gui.frames import ViewSpec, compute_frame  # noqa: E402
from playground.gui.plots.mdn_view import MixtureView  # noqa: E402

N_FRAMES = 30


def per_frame_ms(app, draw, frames) -> float:
    draw(frames[0])
    app.processEvents()
    start = time.perf_counter()
    for frame in frames:
        draw(frame)
        app.processEvents()
    return (time.perf_counter() - start) / len(frames) * 1000


def main() -> None:
    app = QApplication.instance() or QApplication([])
    data = make_dataset("inverse_problem", seed=0)
    net = MLP([1, 5, 1], output="mdn", n_components=3, seed=0)
    trainer = Trainer(net, data.X, data.targets("mdn"))
    trainer.advance(100)
    view = ViewSpec((-0.2, 1.2), (-0.1, 1.1), 100)
    frames, start = [], time.perf_counter()
    for _ in range(N_FRAMES):
        trainer.advance(1)
        frames.append(compute_frame(net, None, "regression", 1, trainer.snapshot(), view, 1, True, 0.0,
                                    points=data.X))
    print(f"worker: one MDN frame {(time.perf_counter() - start) / N_FRAMES * 1000:.1f} ms (with one epoch)")
    data_view = DataView()
    data_view.resize(700, 700)
    data_view.show()
    reference = per_frame_ms(app, data_view.render, frames)
    print(f"reference: data view render + paint {reference:.1f} ms a frame")
    mixture = MixtureView()
    mixture.resize(700, 500)
    mixture.show_network(net, ["x"])
    mixture.show()
    for bands in (False, True):
        mixture.bands_box.setChecked(bands)
        ms = per_frame_ms(app, mixture.render_frame, frames)
        print(f"mixture view 700 x 500{' with sigma bands' if bands else ''}: {ms:.1f} ms a frame, "
              f"{ms / reference:.2f} x the data view")


if __name__ == "__main__":
    main()
