"""Faint copies of the training points, as training with transformed data sees them (PRML 5.5.3).

While the Regularization panel's "Transformed data" is on, the data view shows a few random
draws of the transformation (``invariance.augment``, about the training points' mean, as the
trainer does) under the real points, so that a student sees what "random rotations of up to
30 degrees" means for this data. The draws are fixed (seeded) so that the picture does not
flicker; the trainer draws afresh for every epoch or mini-batch.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from playground.core.invariance import augment
from playground.session.document import TRAIN

from .point_cloud import PointCloud, PointStyle
from .theme import current_theme

COPIES = 4  # draws shown per training point
MAX_SHOWN = 4000  # points at most (a large set would bury the view in haze)
ALPHA = 70  # of 255: faint, under the real points


class AugmentedPoints:
    """Owns one point item in ``data_view``; ``show(document)`` follows the document's settings."""

    def __init__(self, data_view):
        self.item = PointCloud()
        self.item.setZValue(6.5)  # above the boundary, below the real points (data_view's z order)
        data_view.addItem(self.item, ignoreBounds=True)

    def points(self) -> np.ndarray:
        """The transformed points shown, (M, 2) (x, y as drawn)."""
        return np.column_stack([self.item.x, self.item.y])

    def show(self, document) -> None:
        reg = document.config.training.regularization
        dataset = document.dataset
        train = document.part(TRAIN)
        # The trainer transforms the network's inputs: drawn only where they are the plane's points
        # (or, for input noise, the x of a curve), not through feature maps.
        plane = dataset.n_inputs == 2 or (dataset.n_inputs == 1 and reg.augment == "noise")
        if not reg.transforms_data or not train.n or not plane or document.config.data.features is not None:
            self.item.clear()
            return
        X = train.X
        rng = np.random.default_rng(0)
        repeats = max(1, min(COPIES, MAX_SHOWN // max(train.n, 1)))
        shown = np.concatenate([augment(X, reg.augment, reg.augment_size, rng, X.mean(axis=0))
                                for _ in range(repeats)])
        if dataset.n_inputs == 2:
            x, y = shown[:, 0], shown[:, 1]
        else:
            x, y = shown[:, 0], np.tile(np.asarray(train.t, dtype=float)[:, 0], repeats)
        theme = current_theme()
        if dataset.kind == "classification":
            colors = [QColor(theme.class_color(k)) for k in range(max(dataset.n_classes, 1))]
            style = np.tile(np.asarray(train.t, dtype=np.intp).ravel() % len(colors), repeats)
        else:
            colors, style = [QColor(theme.foreground)], np.zeros(x.size, dtype=np.intp)
        for c in colors:
            c.setAlpha(ALPHA)
        self.item.set_points(x, y, style, [PointStyle(c, c, 0.0, 6.0) for c in colors])
