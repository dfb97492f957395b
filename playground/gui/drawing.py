"""Drawing tools: pointer events in data coordinates become document edits.

A tool knows nothing about widgets (Orange's owpaintdata is the model), so tests
can paint without a mouse: ``press(x, y)``, ``move(x, y)``, ``release()``. Each dab is an
undo command of the rows it adds or erases; the dabs of one stroke (press, drags, release)
merge into a single undo entry.
"""

from __future__ import annotations

import numpy as np

from .document_model import DocumentModel

POINTS_PER_DAB = 6  # points a brush of non-zero radius adds at each dab


class DrawingTool:
    def __init__(self, model: DocumentModel):
        self.model = model
        self.current_class = 0
        self.brush_radius = 0.0
        self.pick_radius = 0.05  # data units; the view keeps it at a few pixels
        self._stroke: int | None = None  # the number of the stroke in progress
        self._strokes = 0
        self._erasing = False
        self._last = None
        self._rng = np.random.default_rng(0)

    @property
    def active(self) -> bool:
        return self._stroke is not None

    def press(self, x: float, y: float, erase: bool = False) -> None:
        self._strokes += 1
        self._stroke = self._strokes
        self._erasing = erase
        self._last = None
        self._apply(x, y)

    def move(self, x: float, y: float) -> None:
        if self._stroke is None:
            return
        spacing = max(self.brush_radius, self.pick_radius)
        if self._last is not None and np.hypot(x - self._last[0], y - self._last[1]) < spacing:
            return
        self._apply(x, y)

    def release(self) -> None:
        self._stroke = None  # the next press starts a new undo entry

    # ------------------------------------------------------------------ edits
    def _apply(self, x: float, y: float) -> None:
        self._last = (x, y)
        doc = self.model.document
        if self._erasing:
            self.model.erase_points(self._points_near(doc.dataset, x, y), self._stroke)
            return
        centres = np.array([[x, y]])
        if self.brush_radius > 0:
            angle = self._rng.uniform(0, 2 * np.pi, POINTS_PER_DAB)
            radius = self.brush_radius * np.sqrt(self._rng.uniform(0, 1, POINTS_PER_DAB))
            centres = centres + np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
        dataset = doc.dataset
        if dataset.kind == "classification":
            if dataset.n_inputs != 2 or self.current_class >= dataset.n_classes:
                return
            self.model.add_points(doc.with_points(centres, np.full(len(centres), self.current_class)), self._stroke)
        elif dataset.n_inputs == 1 and dataset.n_targets == 1:
            self.model.add_points(doc.with_points(centres[:, :1], centres[:, 1:]), self._stroke)

    def _points_near(self, dataset, x: float, y: float) -> np.ndarray:
        """Indices to erase: all within the brush, or the nearest within the pick radius."""
        if dataset.n == 0:
            return np.zeros(0, dtype=int)
        if dataset.n_inputs >= 2:
            px, py = dataset.X[:, 0], dataset.X[:, 1]
        elif dataset.kind == "regression":
            px, py = dataset.X[:, 0], dataset.t[:, 0]
        else:
            return np.zeros(0, dtype=int)
        distance = np.hypot(px - x, py - y)
        if self.brush_radius > 0:
            inside = np.flatnonzero(distance <= self.brush_radius)
            if inside.size:
                return inside
        nearest = int(np.argmin(distance))
        return np.array([nearest]) if distance[nearest] <= max(self.pick_radius, self.brush_radius) else np.zeros(0, dtype=int)
