"""Many points in a few styles, painted fast enough for 100,000 of them.

pyqtgraph's ScatterPlotItem with one brush per point spent 7-11 s in ``setData`` for
100,000 points (a Python object and a style lookup per point), and the data view
redrew them on every edit. Here a point is two floats and a small style number:
each style (fill, outline, size) is rendered once into a strip of symbol pixmaps,
and painting maps all points to pixels with numpy and draws them with one
``QPainter.drawPixmapFragments`` call (sizes are in pixels, as pyqtgraph's pxMode).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPaintEngine, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem

# Coordinates beyond this are clamped for drawing and bounds: Qt's geometry overflows
# (a width of 2e308 is inf) long before a float does.
COORD_LIMIT = 1e300
DEDUPE_ABOVE = 5000  # more points than this: only the topmost one per device pixel is drawn
COARSE_ABOVE = 20000  # still more: the topmost per 2 x 2 pixels (Qt's cost is ~1.6 us a symbol)
_FRAGMENT_FIELDS = 10  # QPainter.PixmapFragment: x, y, sx, sy, sw, sh, scaleX, scaleY, rotation, opacity


def pixel_pad(item, half_pixels: float):
    """(dx, dy): ``half_pixels`` screen pixels around ``item``'s data, in its data units (its
    bounding rectangle grows by them for a pen's or symbol's width); None before it is in a view."""
    px, py = item.pixelVectors()
    if px is None:
        return None
    return (half_pixels * (abs(px.x()) + abs(py.x())), half_pixels * (abs(px.y()) + abs(py.y())))


class PointStyle:
    """A round symbol: fill colour, outline pen colour and width, diameter in pixels."""

    __slots__ = ("fill", "outline", "outline_width", "size")

    def __init__(self, fill, outline, outline_width: float, size: float):
        self.fill = QColor(fill)
        self.outline = QColor(outline)
        self.outline_width = float(outline_width)
        self.size = float(size)

    def key(self) -> tuple:
        return (self.fill.rgba(), self.outline.rgba(), self.outline_width, self.size)


class PointCloud(pg.GraphicsObject):
    """Points ``(x[i], y[i])`` drawn in ``styles[style[i]]``, in array order.

    ``set_points`` takes arrays as they are (no per-point objects); painting culls to the
    exposed rectangle. The item takes no mouse events: clicks on a point paint or erase.
    """

    def __init__(self):
        super().__init__()
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.style = np.zeros(0, dtype=np.intp)
        self.styles: list[PointStyle] = []
        self._atlas: QPixmap | None = None
        self._atlas_key = None
        self._atlas_dpr = 1.0
        self._cell = 1
        self._source = np.zeros((0, 4))  # per style: source rect (x, y, w, h) in the atlas, device pixels
        self._rect = QRectF()
        self._pad = None
        self._fragments = internals.PrimitiveArray(QPainter.PixmapFragment, _FRAGMENT_FIELDS)
        self._positions = 0  # counts changes of x, y or style: the culled points below stay valid until then
        self._culled = (None, None)  # (key, (px, py, style)) of the last paint
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        # The points change with edits, not with frames: Qt keeps them as a pixmap and
        # repaints the shading under them without calling paint() again.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # paint() is told which part is exposed, and draws only the points there.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    # ------------------------------------------------------------------ data
    def set_points(self, x, y, style, styles) -> None:
        x = np.asarray(x, dtype=float).ravel()
        y = np.asarray(y, dtype=float).ravel()
        style = np.asarray(style, dtype=np.intp).ravel()
        if not (x.shape == y.shape == style.shape):
            raise ValueError("x, y and style need one entry per point")
        if style.size and (style.min() < 0 or style.max() >= len(styles)):
            raise ValueError("a point's style is not among the styles")
        keep = np.isfinite(x) & np.isfinite(y)
        if not keep.all():
            x, y, style = x[keep], y[keep], style[keep]
        old_x, old_y, old_style = self.x, self.y, self.style
        moved = not (np.array_equal(x, old_x) and np.array_equal(y, old_y) and np.array_equal(style, old_style))
        if moved:
            self._positions += 1
        same_styles = tuple(s.key() for s in styles) == tuple(s.key() for s in self.styles)
        if not moved and same_styles:
            return  # nothing to draw anew: the cached picture stands (a repaint of 100,000 points is ~30 ms)
        self.x, self.y, self.style = x, y, style
        self.styles = list(styles)
        if tuple(s.key() for s in self.styles) != self._atlas_key:
            self._atlas = None
        # A click adds a point at the end and undo takes it away: repaint only around it
        # (Qt re-renders that part of the cached picture), not all 100,000 points.
        changed = _tail_change(old_x, old_y, old_style, x, y, style) if same_styles else None
        if changed is not None and not self._grows_bounds(*changed):
            self.update(self._around(*changed))
        else:
            self._update_rect()

    def _grows_bounds(self, cx: np.ndarray, cy: np.ndarray) -> bool:
        if not self._rect.isValid() or not self.x.size:
            return True
        x0, x1 = float(self.x.min()), float(self.x.max())
        y0, y1 = float(self.y.min()), float(self.y.max())
        r = self._rect
        return not (x0 == r.left() and y0 == r.top() and abs(x1 - r.right()) <= 1e-12 * max(abs(x1), 1.0)
                    and abs(y1 - r.bottom()) <= 1e-12 * max(abs(y1), 1.0))

    def _around(self, cx: np.ndarray, cy: np.ndarray) -> QRectF:
        """The rectangle (item coordinates) the symbols centred at (cx, cy) cover."""
        px, py = self.pixelVectors()
        half = self.pixelPadding() + 2
        dx = half * (abs(px.x()) + abs(py.x())) if px is not None else 0.0
        dy = half * (abs(px.y()) + abs(py.y())) if px is not None else 0.0
        x0, x1 = float(cx.min()), float(cx.max())
        y0, y1 = float(cy.min()), float(cy.max())
        return QRectF(x0 - dx, y0 - dy, x1 - x0 + 2 * dx, y1 - y0 + 2 * dy)

    def clear(self) -> None:
        self.set_points([], [], [], self.styles)

    def __len__(self) -> int:
        return int(self.x.size)

    def colors(self) -> list[QColor]:
        """The fill colour of every point, in order (for inspection)."""
        return [self.styles[k].fill for k in self.style.tolist()]

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802 (pyqtgraph hook for auto range)
        values = self.x if ax == 0 else self.y
        if not values.size:
            return None, None
        lo, hi = float(values.min()), float(values.max())
        return max(lo, -COORD_LIMIT), min(hi, COORD_LIMIT)

    def pixelPadding(self) -> float:  # noqa: N802 (pyqtgraph hook)
        return max([s.size / 2 + s.outline_width for s in self.styles] + [0.0])

    def _update_rect(self) -> None:
        self.prepareGeometryChange()
        self._pad = None
        if self.x.size:
            x0, x1 = np.clip([self.x.min(), self.x.max()], -COORD_LIMIT, COORD_LIMIT)
            y0, y1 = np.clip([self.y.min(), self.y.max()], -COORD_LIMIT, COORD_LIMIT)
            self._rect = QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0))
        else:
            self._rect = QRectF()
        self.update()

    # ------------------------------------------------------------------ geometry
    def viewTransformChanged(self):  # noqa: N802 (pyqtgraph hook)
        self.prepareGeometryChange()
        self._pad = None

    def boundingRect(self) -> QRectF:  # noqa: N802
        if not self.x.size:
            return QRectF()
        if self._pad is None:
            self._pad = pixel_pad(self, self.pixelPadding() + 1)
            if self._pad is None:
                return QRectF(self._rect)
        dx, dy = self._pad
        return self._rect.adjusted(-dx, -dy, dx, dy)

    # ------------------------------------------------------------------ painting
    def _build_atlas(self, dpr: float) -> None:
        """One cell per style in a strip, each symbol drawn antialiased once."""
        sizes = [s.size + 2 * s.outline_width for s in self.styles] or [1.0]
        cell = int(np.ceil(max(sizes) * dpr)) + 2
        n = max(len(self.styles), 1)
        columns = min(n, 64)
        rows = -(-n // columns)
        atlas = QPixmap(columns * cell, rows * cell)
        atlas.fill(Qt.GlobalColor.transparent)
        painter = QPainter(atlas)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for k, s in enumerate(self.styles):
            cx = (k % columns) * cell + cell / 2
            cy = (k // columns) * cell + cell / 2
            pen = QPen(s.outline, s.outline_width * dpr) if s.outline_width > 0 else Qt.PenStyle.NoPen
            painter.setPen(pen)
            painter.setBrush(s.fill)
            r = s.size * dpr / 2
            painter.drawEllipse(QPointF(cx, cy), r, r)
        painter.end()
        k = np.arange(n)
        self._source = np.column_stack([(k % columns) * cell, (k // columns) * cell,
                                        np.full(n, cell), np.full(n, cell)]).astype(float)
        self._cell = cell
        self._atlas = atlas
        self._atlas_dpr = dpr
        self._atlas_key = tuple(s.key() for s in self.styles)

    def paint(self, painter, option, widget=None) -> None:
        if not self.x.size or not self.styles:
            return
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        if self._atlas is None or dpr != self._atlas_dpr:
            self._build_atlas(dpr)
        tr = painter.transform()
        exposed = tr.mapRect(option.exposedRect) if option is not None else None
        # A re-colouring (theme) repaints the same points at the same place: cull them once.
        key = (self._positions, tr.m11(), tr.m12(), tr.m21(), tr.m22(), tr.dx(), tr.dy(), self._cell, dpr,
               None if exposed is None else exposed.getRect(), frozenset((s.size, s.outline_width) for s in self.styles))
        if self._culled[0] == key:
            px, py, style = self._culled[1]
        else:
            px, py, style = self._visible_points(tr, exposed, dpr)
            self._culled = (key, (px, py, style))
        if not px.size:
            return
        svg = painter.paintEngine() is not None and painter.paintEngine().type() == QPaintEngine.Type.SVG
        if svg or self._exportOpts is not False:  # an SVG (QSvgGenerator or pyqtgraph's export): circles, not pixmaps
            self._paint_vectors(painter, px, py, style)
            return
        self._fragments.resize(px.size)
        frags = self._fragments.ndarray()
        # Whole-pixel target rectangles: Qt then blits each symbol instead of resampling it
        # (about 5x faster); a point moves by at most half a pixel.
        half = self._cell / (2 * dpr)
        frags[:, 0] = np.floor(px - half + 0.5) + half
        frags[:, 1] = np.floor(py - half + 0.5) + half
        frags[:, 2:6] = self._source[style]
        frags[:, 6:10] = (1 / dpr, 1 / dpr, 0.0, 1.0)
        painter.save()
        painter.resetTransform()
        painter.drawPixmapFragments(*self._fragments.drawargs(), self._atlas)
        painter.restore()

    def _visible_points(self, tr, exposed, dpr):
        """(px, py, style) in device pixels of the points that can show, in drawing order."""
        px = tr.m11() * self.x + tr.m21() * self.y + tr.dx()
        py = tr.m12() * self.x + tr.m22() * self.y + tr.dy()
        style = self.style
        # Only what can show: the exposed rectangle in device pixels plus a symbol's reach.
        reach = self._cell / dpr
        if exposed is not None and exposed.isValid():
            inside = ((px >= exposed.left() - reach) & (px <= exposed.right() + reach)
                      & (py >= exposed.top() - reach) & (py <= exposed.bottom() + reach))
            if not inside.all():
                px, py, style = px[inside], py[inside], style[inside]
        if px.size > DEDUPE_ABOVE and len({(st.size, st.outline_width) for st in self.styles}) == 1:
            px, py, style = _topmost_per_pixel(px, py, style, 1.0)
            if px.size > COARSE_ABOVE:
                px, py, style = _topmost_per_pixel(px, py, style, 2.0)
        return px, py, style

    def _paint_vectors(self, painter, px, py, style) -> None:
        """Each point as a circle at its device position, in drawing order (an SVG keeps them as
        vectors; the pixmap fragments of the screen come out misplaced through pyqtgraph's exporter)."""
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        current = None
        for x, y, k in zip(px.tolist(), py.tolist(), style.tolist()):
            s = self.styles[k]
            if k != current:
                painter.setPen(QPen(s.outline, s.outline_width) if s.outline_width > 0 else Qt.PenStyle.NoPen)
                painter.setBrush(s.fill)
                current = k
            painter.drawEllipse(QPointF(x, y), s.size / 2, s.size / 2)
        painter.restore()


def _topmost_per_pixel(px: np.ndarray, py: np.ndarray, style: np.ndarray, cell: float):
    """The points that can show when all symbols of an item have one size: of those whose
    centres fall in the same ``cell`` x ``cell`` device pixels, the last drawn covers the others
    (up to a cell's width of their edge). Keeps drawing order. Dense clouds of 100,000 points
    repaint in a fraction of the time, since Qt's cost is per symbol drawn."""
    ix = np.floor(np.clip(px, -1e9, 1e9) / cell).astype(np.int64)
    iy = np.floor(np.clip(py, -1e9, 1e9) / cell).astype(np.int64)
    ix -= ix.min()
    iy -= iy.min()
    width, height = int(ix.max()) + 1, int(iy.max()) + 1
    if width * height > 1 << 24:  # not a view's pixels (nothing culled): draw them all
        return px, py, style
    # Last writer wins in numpy's fancy assignment: owner[c] is the last point in cell c
    # (an argsort-free np.unique: 2 ms instead of 20 for 100,000 points).
    owner = np.full(width * height, -1, dtype=np.int64)
    owner[ix * height + iy] = np.arange(px.size)
    owner = owner[owner >= 0]
    if owner.size == px.size:
        return px, py, style
    keep = np.zeros(px.size, dtype=bool)
    keep[owner] = True
    return px[keep], py[keep], style[keep]


def _tail_change(old_x, old_y, old_style, x, y, style):
    """(xs, ys) of the points added at the end or taken from the end, if that is the only
    change (a click, its undo); None otherwise."""
    n_old, n = old_x.size, x.size
    if n == n_old or min(n, n_old) == 0:
        return None
    short, long = (slice(0, n), (old_x, old_y, old_style)) if n < n_old else (slice(0, n_old), (x, y, style))
    kept = (x, y, style) if n < n_old else (old_x, old_y, old_style)
    if not all(np.array_equal(a[short], b) for a, b in zip(long, kept)):
        return None
    lx, ly, _ = long
    tail = slice(min(n, n_old), max(n, n_old))
    return lx[tail], ly[tail]
