"""Line segments mapped to device pixels with numpy, then drawn untransformed in one call.

The data view's decision boundary changes with every frame while training: some 650 segments of
a 2-pixel pen. As a PlotCurveItem (connect="pairs") Qt maps each segment through the view's
transform while stroking: its paint took 0.78 ms a frame in the data view, this one's 0.36 ms
(a bare QPainter, 650 segments: 0.5 ms through a scaling transform, 0.15 ms in device pixels).
Same drawing, same data API (``setData``, ``getData``, ``xData``, ``setPen``) as the curve it replaces.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QPainter

from .point_cloud import pixel_pad


class SegmentLines(pg.GraphicsObject):
    """Segments (xs[2k], ys[2k]) -> (xs[2k+1], ys[2k+1]) in one cosmetic pen; antialiased only in an
    exported figure (as pyqtgraph's items are: its exporters say so through ``_exportOpts``)."""

    def __init__(self, pen=None):
        super().__init__()
        self.xData: np.ndarray | None = None
        self.yData: np.ndarray | None = None
        self._pen = pg.mkPen(pen)
        self._rect = QRectF()
        self._pad = None
        self._lines = internals.PrimitiveArray(QLineF, 4)

    # ------------------------------------------------------------------ data
    def setData(self, xs, ys, connect: str = "pairs") -> None:  # noqa: N802 (PlotCurveItem's name)
        if connect != "pairs":
            raise ValueError("SegmentLines draws segment pairs only")
        xs = np.asarray(xs, dtype=float).ravel()
        ys = np.asarray(ys, dtype=float).ravel()
        if xs.shape != ys.shape or xs.size % 2:
            raise ValueError("segments need an (x, y) start and end each")
        self.prepareGeometryChange()
        self.xData, self.yData = xs, ys
        self._rect = (QRectF(float(xs.min()), float(ys.min()), float(np.ptp(xs)), float(np.ptp(ys)))
                      if xs.size else QRectF())
        self.update()

    def getData(self):  # noqa: N802
        return self.xData, self.yData

    def setPen(self, pen) -> None:  # noqa: N802
        self._pen = pg.mkPen(pen)
        self._pad = None
        self.prepareGeometryChange()
        self.update()

    # ------------------------------------------------------------------ geometry
    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802 (pyqtgraph hook for auto range)
        values = self.xData if ax == 0 else self.yData
        if values is None or not values.size:
            return None, None
        return float(values.min()), float(values.max())

    def viewTransformChanged(self):  # noqa: N802 (pyqtgraph hook)
        self.prepareGeometryChange()
        self._pad = None

    def boundingRect(self) -> QRectF:  # noqa: N802
        if self.xData is None or not self.xData.size:
            return QRectF()
        if self._pad is None:
            self._pad = pixel_pad(self, self._pen.widthF() / 2 + 1)
            if self._pad is None:
                return QRectF(self._rect)
        dx, dy = self._pad
        return self._rect.adjusted(-dx, -dy, dx, dy)

    # ------------------------------------------------------------------ painting
    def paint(self, p, *args) -> None:
        if self.xData is None or not self.xData.size:
            return
        exporting = self._exportOpts is not False
        p.setRenderHint(QPainter.RenderHint.Antialiasing, bool(exporting and self._exportOpts.get("antialias", True)))
        tr = p.transform()  # a view's is affine: scale and translation
        x = tr.m11() * self.xData + tr.m21() * self.yData + tr.dx()
        y = tr.m12() * self.xData + tr.m22() * self.yData + tr.dy()
        n = x.size // 2
        self._lines.resize(n)
        ends = self._lines.ndarray()
        ends[:, 0], ends[:, 1], ends[:, 2], ends[:, 3] = x[0::2], y[0::2], x[1::2], y[1::2]
        p.save()
        p.resetTransform()
        p.setPen(self._pen)
        p.drawLines(*self._lines.drawargs())
        p.restore()
