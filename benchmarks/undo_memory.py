"""Memory the undo stack holds: 100,000 points and 200 undo steps of painting and erasing.

Edits go through the app's own DrawingTool and DocumentModel (offscreen, no window): brush
strokes that add a few points and clicks that erase a few, 200 in all (the undo limit). It
prints what tracemalloc sees the model hold after the edits beyond the starting document,
in MB and as a multiple of one data set's size (X, t and the split parts).

    python benchmarks/undo_memory.py [n_points] [n_edits]
"""

from __future__ import annotations

import gc
import os
import sys
import tracemalloc

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from playground.core.datasets import Dataset  # noqa: E402
from playground.gui.document_model import UNDO_LIMIT, DocumentModel  # noqa: E402
from playground.gui.drawing import DrawingTool  # noqa: E402
from playground.session.config import ExperimentConfig  # noqa: E402
from playground.session.document import Document  # noqa: E402

MB = 1024 * 1024


def document_of(n_points: int) -> Document:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1.5, 1.5, size=(n_points, 2))
    t = (X[:, 0] * X[:, 1] > 0).astype(int)
    dataset = Dataset(X, t, "classification", n_classes=2, name="drawing", bounds=((-1.5, 1.5), (-1.5, 1.5)))
    return Document.with_new_dataset(dataset, ExperimentConfig())


def dataset_bytes(document: Document) -> int:
    return document.dataset.X.nbytes + document.dataset.t.nbytes + document.parts.nbytes


def paint_and_erase(tool: DrawingTool, n_edits: int, seed: int = 1) -> None:
    """Alternate short brush strokes (3 dabs of 6 points) with small-brush erase clicks."""
    rng = np.random.default_rng(seed)
    for i in range(n_edits):
        x, y = rng.uniform(-1.4, 1.4, size=2)
        if i % 2 == 0:
            tool.brush_radius = 0.05
            tool.current_class = i % 4 // 2
            tool.press(x, y)
            tool.move(x + 0.1, y)
            tool.move(x + 0.2, y)
            tool.release()
        else:
            tool.brush_radius = 0.01
            tool.press(x, y, erase=True)
            tool.release()


def measure(n_points: int = 100_000, n_edits: int = UNDO_LIMIT) -> dict:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (Qt wants one)
    start = document_of(n_points)
    one = dataset_bytes(start)
    tracemalloc.start()
    model = DocumentModel(start)
    tool = DrawingTool(model)
    del start
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    paint_and_erase(tool, n_edits)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    now = model.document
    result = dict(n_points=n_points, n_edits=model.undo_stack.count(), points_now=now.dataset.n,
                  dataset_mb=one / MB, held_mb=held / MB, ratio=held / one)
    model.undo_stack.clear()
    return result


def main(argv: list[str]) -> int:
    n_points = int(argv[0]) if argv else 100_000
    n_edits = int(argv[1]) if len(argv) > 1 else UNDO_LIMIT
    r = measure(n_points, n_edits)
    print(f"{r['n_points']:,} points, {r['n_edits']} undo steps ({r['points_now']:,} points after the edits)")
    print(f"one data set (X, t, parts): {r['dataset_mb']:.2f} MB")
    print(f"held beyond the start document after the edits: {r['held_mb']:.2f} MB "
          f"= {r['ratio']:.2f} data sets (the current document itself is about 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
