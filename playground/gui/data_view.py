"""The central data view: points, output shading, decision boundary, contours, curves.

Rendering only copies arrays from a Frame (computed in the training thread) into
reused graphics items. Points are redrawn only when the points, their parts, the
theme or the test-point switch changed (not for a configuration edit, not per frame),
through a PointCloud that takes arrays (100,000 points in milliseconds).
Mouse: left click / drag paints the current class (regression: adds (x, t) points),
right click / drag or shift-click erases, the wheel zooms, middle drag pans.
"""

from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPen

from playground.session.document import TEST, Document

from . import html_fonts
from .contours import contour_segments, segments_to_pairs
from .frames import Frame
from .plots.common import cache_axes, clear_curve
from .point_cloud import COORD_LIMIT, PointCloud, PointStyle
from .segment_lines import SegmentLines
from .theme import current_theme

SHADE_STRENGTH = 0.55  # how far a confident region moves from neutral towards its class colour


class ShadingImage(pg.GraphicsObject):
    """The shading under the points: a small colour image stretched over a rectangle of the plane.

    Not pyqtgraph's ImageItem: for a lookup table that builds an Indexed8 image and its colour
    table on every update, which Qt then converts again on every paint while scaling it
    (2 ms instead of 0.5 ms for 100 x 100 -> 900 x 900 pixels, with the GIL held, so the trainer
    waits: benchmarks/gui_speed.py). Here the lookup is one numpy ``take`` and the QImage is in
    the raster engine's own pixel format. Row 0 is drawn at the bottom (smallest y), as ImageItem does.
    """

    def __init__(self):
        super().__init__()
        self.image: np.ndarray | None = None  # what is shown: values, or RGB bytes (tests read it)
        self._pixels: np.ndarray | None = None  # 0xAARRGGBB words the QImage points into
        self._qimage: QImage | None = None
        self._rect = QRectF()

    def set_values(self, values: np.ndarray, rect: QRectF, levels: tuple[float, float], lut: np.ndarray) -> None:
        """Colour ``values`` through ``lut`` ((n, 3+) uint8), mapping ``levels`` to its ends; NaN is transparent."""
        lo, hi = levels
        finite = np.isfinite(values)
        scaled = np.where(finite, values, lo).astype(np.float64)
        scaled = (scaled - lo) * ((len(lut) - 1) / (hi - lo)) if hi > lo else np.zeros_like(scaled)
        index = np.clip(np.rint(scaled), 0, len(lut) - 1).astype(np.intp)
        pixels = _argb_words(lut)[index]
        pixels[~finite] = 0
        self._show(values, pixels, rect)

    def set_rgb(self, rgb: np.ndarray, rect: QRectF) -> None:
        """Show (h, w, 3) uint8 colours as they are."""
        self._show(rgb, _argb_words(rgb.reshape(-1, 3)).reshape(rgb.shape[:2]), rect)

    def _show(self, data: np.ndarray, pixels: np.ndarray, rect: QRectF) -> None:
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QRectF(rect)
        self.image = data
        self._pixels = np.ascontiguousarray(pixels, dtype=np.uint32)
        h, w = self._pixels.shape
        self._qimage = QImage(self._pixels.data, w, h, 4 * w, QImage.Format_ARGB32_Premultiplied)
        self.update()

    def clear(self) -> None:
        self.image = self._pixels = self._qimage = None
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter, *args) -> None:
        if self._qimage is not None:
            painter.drawImage(self._rect, self._qimage)


def _argb_words(rgb: np.ndarray) -> np.ndarray:
    """(n, 3+) uint8 RGB rows as opaque 0xAARRGGBB words (QImage's ARGB32 pixels)."""
    r, g, b = (rgb[:, i].astype(np.uint32) for i in range(3))
    return np.uint32(0xFF000000) | (r << 16) | (g << 8) | b


def _lut(colors, n=256) -> np.ndarray:
    """A read-only (n, 4) uint8 lookup table through the given RGB stops (floats in [0, 1])."""
    return _cached_lut(tuple(tuple(float(v) for v in c[:3]) for c in colors), n)


@functools.lru_cache(maxsize=32)  # the same few tables are asked for every frame
def _cached_lut(colors: tuple, n: int) -> np.ndarray:
    stops = np.linspace(0.0, 1.0, len(colors))
    t = np.linspace(0.0, 1.0, n)
    rgb = np.column_stack([np.interp(t, stops, [c[i] for c in colors]) for i in range(3)])
    table = np.column_stack([np.round(rgb * 255), np.full(n, 255)]).astype(np.uint8)
    table.flags.writeable = False
    return table


def _finite_range(values: np.ndarray, default=(0.0, 1.0)) -> tuple[float, float]:
    """(min, max) of the finite values, widened when flat; ``default`` when there are none."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return default
    lo, hi = float(finite.min()), float(finite.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def drawable_range(lo, hi) -> tuple[float, float]:
    """(lo, hi) made something a view can show: NaN and infinities become the widest
    drawable range, ends are clamped to +-COORD_LIMIT (near 1e308 a range's width, and
    pyqtgraph's padding of it, overflow to inf), and an empty range is widened around its value."""
    lo, hi = float(lo), float(hi)
    lo = -COORD_LIMIT if not np.isfinite(lo) and not lo > 0 else min(max(lo, -COORD_LIMIT), COORD_LIMIT)
    hi = COORD_LIMIT if not np.isfinite(hi) and not hi < 0 else min(max(hi, -COORD_LIMIT), COORD_LIMIT)
    if lo > hi:
        lo, hi = hi, lo
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1.0):
        half = max(0.5 * abs(lo) * 1e-3, 0.5) if abs(lo) < COORD_LIMIT / 2 else COORD_LIMIT * 1e-3
        lo, hi = lo - half, hi + half
    return lo, hi


def mdn_density_levels(frame: Frame) -> tuple[float, float]:
    """The colour scale of an MDN's p(t|x): the frame's robust one (gui/mdn_frames.py, from the
    density where the points are), else 0 to the largest value."""
    if frame.mixture is not None and frame.mixture.density_levels is not None:
        return frame.mixture.density_levels
    return 0.0, max(_finite_range(frame.density)[1], 1e-12)


def _mix(a, b, s):
    return tuple((1 - s) * np.asarray(a) + s * np.asarray(b))


class CurveLegend(pg.TextItem):
    """A key to some curves: a short line in each curve's colour and dash, then its name.

    A TextItem in the view box's corner rather than pyqtgraph's LegendItem, whose layout of
    label widgets asks Python for size hints while a closing view is torn down."""

    DASHES = {Qt.PenStyle.SolidLine: "━━", Qt.PenStyle.DashLine: "╍╍",
              Qt.PenStyle.DotLine: "┉┉"}

    def __init__(self, entries):
        super().__init__(anchor=(1, 0))
        self.entries = list(entries)  # (curve, label)
        self._theme = current_theme()

    def labels(self) -> list[str]:
        return [label for _, label in self.entries]

    def set_theme(self, theme) -> None:
        self._theme = theme
        self.fill = pg.mkBrush(theme.faint(0.0))
        self.border = pg.mkPen(theme.faint(0.3))
        self.refresh()

    def refresh(self) -> None:
        """Redraw the key from the curves' current pens."""
        rows = []
        for curve, label in self.entries:
            pen = curve.opts["pen"]
            pen = pen if isinstance(pen, QPen) else pg.mkPen(pen)
            mark = self.DASHES.get(pen.style(), self.DASHES[Qt.PenStyle.SolidLine])
            rows.append(f"<span style='color:{pen.color().name()}'>{mark}</span>&nbsp;"
                        f"<span style='color:{QColor(self._theme.foreground).name()}'>{label}</span>")
        self.setHtml(f"<div style='font-size:{html_fonts.pt(9)}'>" + "<br>".join(rows) + "</div>")

    def refresh_font(self) -> None:
        """The font scale changed (gui/presentation.py): redraw at the new size."""
        self.refresh()


class PaintViewBox(pg.ViewBox):
    """A ViewBox whose left and right buttons draw instead of panning."""

    def __init__(self):
        super().__init__(enableMenu=False)
        self.tool = None

    def _data_pos(self, scene_pos):
        p = self.mapSceneToView(scene_pos)
        return p.x(), p.y()

    def _erasing(self, ev) -> bool:
        return ev.button() == Qt.RightButton or bool(ev.modifiers() & Qt.ShiftModifier)

    def mouseClickEvent(self, ev):
        if self.tool is not None and ev.button() in (Qt.LeftButton, Qt.RightButton):
            ev.accept()
            self.tool.press(*self._data_pos(ev.scenePos()), erase=self._erasing(ev))
            self.tool.release()
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None):
        if self.tool is not None and ev.button() in (Qt.LeftButton, Qt.RightButton):
            ev.accept()
            if ev.isStart():
                self.tool.press(*self._data_pos(ev.buttonDownScenePos()), erase=self._erasing(ev))
            self.tool.move(*self._data_pos(ev.scenePos()))
            if ev.isFinish():
                self.tool.release()
        else:
            super().mouseDragEvent(ev, axis)


class DataView(pg.PlotWidget):
    sigViewChanged = Signal()  # the visible range changed (the grid must follow)

    def __init__(self, parent=None):
        self.vb = PaintViewBox()
        super().__init__(parent, viewBox=self.vb)
        self.setAspectLocked(False)
        # pyqtgraph's axis grid costs 10-20 ms per repaint of a large view (benchmarks/gui_speed.py);
        # one curve of line pairs at the major ticks looks the same for a fraction of that.
        self.grid = pg.PlotCurveItem(connect="pairs")
        self.grid.setZValue(-5)
        self.addItem(self.grid, ignoreBounds=True)
        self.set_grid_color(current_theme())
        self.setMenuEnabled(False)
        self.plotItem.hideButtons()
        cache_axes(self.plotItem)
        self.setMinimumSize(300, 300)

        self.image = ShadingImage()
        self.image.setZValue(-10)
        self.addItem(self.image)
        self.hidden_lines = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen((120, 120, 120), width=1, style=Qt.DashLine))
        # Antialiasing is off by default (theme.py); the few fixed lines a student reads closely keep
        # it. Not the live boundary: Qt strokes its hundreds of 2-px segments antialiased in ~6 ms a frame
        # (and, as a PlotCurveItem, in ~0.5 ms not antialiased: gui/segment_lines.py).
        self.boundary = SegmentLines(pg.mkPen(current_theme().foreground, width=2))
        self.bayes = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen("#009E73", width=2, style=Qt.DashLine),
                                      antialias=True)
        self.true_curve = pg.PlotCurveItem(pen=pg.mkPen("#009E73", width=2, style=Qt.DotLine), antialias=True)
        self.output_curves: list[pg.PlotCurveItem] = []
        self.hidden_curves: list[pg.PlotCurveItem] = []
        self.unit_curve = pg.PlotCurveItem(pen=pg.mkPen("#CC79A7", width=3))
        self.mean_curve = pg.PlotCurveItem(pen=pg.mkPen(current_theme().foreground, width=2))
        self.mode_curve = pg.PlotCurveItem(pen=pg.mkPen("#D55E00", width=2, style=Qt.DashLine))
        self.points = PointCloud()
        self.test_points = PointCloud()  # outlined, and on top of the others
        for z, item in enumerate([self.hidden_lines, self.bayes, self.true_curve, self.boundary, self.unit_curve,
                                  self.mean_curve, self.mode_curve, self.points, self.test_points]):
            item.setZValue(z)
            self.addItem(item)
        self.caption = pg.TextItem(anchor=(0, 0), color=current_theme().foreground)
        self.caption.setParentItem(self.vb)
        self.caption.setPos(8, 4)
        # Names the MDN's curves (PRML 5.6); shown only while they are drawn.
        self.legend = CurveLegend([(self.mean_curve, "conditional mean"), (self.mode_curve, "conditional mode")])
        self.legend.setParentItem(self.vb)
        self.legend.setVisible(False)
        self.vb.sigResized.connect(self._place_legend)

        self.show_test = True
        self.show_hidden = False
        self.show_bayes = True
        self.discretize = False
        self.document: Document | None = None
        self.last_frame: Frame | None = None
        self._bayes_key = None
        self._points_key = None  # what the drawn points show: see _points_state
        self._overlay_key = None  # (kind, inputs, classes) the frame overlays were drawn for
        self._hosted: list = []  # overlays other modules draw here (host_overlay)
        self.set_theme(current_theme())
        self.vb.sigRangeChanged.connect(self._range_changed)

    # ------------------------------------------------------------------ drawing tool
    def set_tool(self, tool) -> None:
        self.vb.tool = tool

    def pixel_size(self) -> float:
        """Data units per screen pixel (horizontal), for pick tolerances."""
        (x0, x1), _ = self.vb.viewRange()
        return (x1 - x0) / max(1.0, self.vb.width())

    def _range_changed(self, *args) -> None:
        if self.vb.tool is not None:
            self.vb.tool.pick_radius = 8 * self.pixel_size()
        self._update_grid()
        self.sigViewChanged.emit()

    def set_grid_color(self, theme) -> None:
        self.grid.setPen(pg.mkPen(theme.faint(theme.grid_alpha), width=1))

    def set_theme(self, theme) -> None:
        """Re-colour everything the view draws itself for a theme (theme.LIGHT / DARK): background,
        grid, both axes (lines and tick labels: pyqtgraph keeps the colours they were made with),
        boundary, MDN mean, caption, legend and the points."""
        self._theme = theme
        fg = pg.mkColor(theme.foreground)
        self.setBackground(theme.background)
        self.set_grid_color(theme)
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setPen(pg.mkPen(fg))
            axis.setTextPen(pg.mkPen(fg))
        self.boundary.setPen(pg.mkPen(fg, width=2))
        self.mean_curve.setPen(pg.mkPen(fg, width=2))
        self.caption.setColor(fg)
        self.legend.set_theme(theme)
        self._draw_points()

    def _place_legend(self, *args) -> None:
        self.legend.setPos(self.vb.width() - 8, 4)

    def set_equal_aspect(self, on: bool) -> None:
        """One data unit is as long across as up (circles look round), or each axis fits the view."""
        self.vb.setAspectLocked(bool(on), ratio=1.0)

    def equal_aspect(self) -> bool:
        return bool(self.vb.state["aspectLocked"])

    def _update_grid(self) -> None:
        """Faint lines at the axes' major ticks."""
        (x0, x1), (y0, y1) = self.vb.viewRange()
        xs, ys = [], []
        for name, lo, hi, size in (("bottom", x0, x1, self.vb.width()), ("left", y0, y1, self.vb.height())):
            ticks = self.getAxis(name).tickValues(lo, hi, max(size, 1.0))
            for value in (ticks[0][1] if ticks else []):
                if name == "bottom":
                    xs += [value, value]
                    ys += [y0, y1]
                else:
                    xs += [x0, x1]
                    ys += [value, value]
        self.grid.setData(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), connect="pairs")

    def data_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        (x0, x1), (y0, y1) = self.vb.viewRange()
        return (x0, x1), (y0, y1)

    def fit_to(self, bounds) -> None:
        """Show the rectangle ``bounds``; huge, infinite or empty ranges become drawable ones."""
        (x0, x1), (y0, y1) = bounds
        self.vb.setRange(xRange=drawable_range(x0, x1), yRange=drawable_range(y0, y1), padding=0)

    # ------------------------------------------------------------------ points
    def set_document(self, document: Document) -> None:
        """Show ``document``: its points are redrawn only if they (or their parts) changed;
        a document of another kind (classification / regression, inputs, classes) also
        clears the previous network's shading and curves."""
        old = self.document
        self.document = document
        dataset = document.dataset
        shape = (dataset.kind, dataset.n_inputs, dataset.n_classes if dataset.kind == "classification" else 0)
        if old is not None and shape != self._overlay_key:
            self.clear_overlays()
        self._overlay_key = shape
        self._draw_points()
        self._draw_true_function()

    def set_show_test(self, show: bool) -> None:
        self.show_test = show
        self._draw_points()

    def _point_xy(self, dataset) -> tuple[np.ndarray, np.ndarray]:
        if dataset.n_inputs >= 2:
            return dataset.X[:, 0], dataset.X[:, 1]
        if dataset.kind == "regression":
            return dataset.X[:, 0], dataset.t[:, 0]
        return dataset.X[:, 0], np.zeros(dataset.n)

    def _points_state(self):
        doc = self.document
        return (doc.dataset, doc.parts, self._theme, self.show_test)

    def _points_unchanged(self) -> bool:
        """Is what the points show the same as when drawn? Identity first, then cheap equality
        (an undo brings back equal arrays in other objects; the parts are int8)."""
        key = self._points_key
        if key is None:
            return False
        dataset, parts, theme, show_test = self._points_state()
        old_dataset, old_parts, old_theme, old_show = key
        if theme is not old_theme or show_test != old_show:
            return False
        if parts is not old_parts and not np.array_equal(parts, old_parts):
            return False
        if dataset is old_dataset:
            return True
        return (dataset.kind == old_dataset.kind and dataset.n_classes == old_dataset.n_classes
                and np.array_equal(dataset.X, old_dataset.X) and np.array_equal(dataset.t, old_dataset.t))

    def _draw_points(self) -> None:
        if self.document is None or self._points_unchanged():
            return
        self._points_key = self._points_state()
        theme = self._theme
        dataset = self.document.dataset
        x, y = self._point_xy(dataset)
        # Fill colours as a table plus an index per point: the point items take arrays.
        if dataset.kind == "classification":
            fills = [theme.class_color(k) for k in range(max(dataset.n_classes, 1))]
            fill_index = np.asarray(dataset.t, dtype=np.intp).ravel() % len(fills)
        elif dataset.n_inputs >= 2:
            lut = self._diverging_lut()
            fills = [QColor(*row[:3]) for row in lut.tolist()]
            fill_index = self._value_indices(dataset.t[:, 0], len(lut))
        else:
            fills = [QColor(theme.foreground)]
            fill_index = np.zeros(dataset.n, dtype=np.intp)
        plain = [PointStyle(c, theme.point_outline, 1.0, 9.0) for c in fills]
        ringed = [PointStyle(c, theme.foreground, 2.0, 10.0) for c in fills]
        test = np.asarray(self.document.parts) == TEST
        self.points.set_points(x[~test], y[~test], fill_index[~test], plain)
        if self.show_test:
            self.test_points.set_points(x[test], y[test], fill_index[test], ringed)
        else:
            self.test_points.set_points([], [], [], ringed)

    @staticmethod
    def _value_indices(values: np.ndarray, n: int) -> np.ndarray:
        """Row of an n-entry colour table for each value, min to max."""
        if values.size == 0:
            return np.zeros(0, dtype=np.intp)
        lo, hi = _finite_range(values)
        scaled = (np.nan_to_num(values, nan=lo) - lo) / (hi - lo) * (n - 1)
        return np.clip(np.round(scaled), 0, n - 1).astype(np.intp)

    def _draw_true_function(self) -> None:
        doc = self.document
        f = doc.dataset.true_function if doc is not None else None
        if f is None or doc.dataset.n_inputs != 1:
            self.true_curve.setData([], [])
            return
        (x0, x1), _ = self.data_range()
        xs = np.linspace(x0, x1, 400)
        self.true_curve.setData(xs, f(xs[:, None])[:, 0])

    # ------------------------------------------------------------------ frames
    def _two_class_lut(self) -> np.ndarray:
        theme = current_theme()
        c0, c1 = theme.class_rgb(2)
        neutral = theme.neutral_rgb()
        return _lut([_mix(neutral, c0, SHADE_STRENGTH), neutral, _mix(neutral, c1, SHADE_STRENGTH)])

    def _density_lut(self) -> np.ndarray:
        return _lut([current_theme().neutral_rgb(), QColor("#0072B2").getRgbF()[:3]])

    def _diverging_lut(self) -> np.ndarray:
        neutral = current_theme().neutral_rgb()
        orange, blue = QColor("#E69F00").getRgbF()[:3], QColor("#0072B2").getRgbF()[:3]
        return _lut([_mix(neutral, orange, 0.85), neutral, _mix(neutral, blue, 0.85)])

    @staticmethod
    def _grid_rect(gx: np.ndarray, gy: np.ndarray) -> QRectF:
        """The rectangle covered by grid cells centred on ``gx`` x ``gy``."""
        dx = (gx[-1] - gx[0]) / max(1, len(gx) - 1)
        dy = (gy[-1] - gy[0]) / max(1, len(gy) - 1)
        return QRectF(gx[0] - dx / 2, gy[0] - dy / 2, gx[-1] - gx[0] + dx, gy[-1] - gy[0] + dy)

    def _set_image(self, values: np.ndarray, gx: np.ndarray, gy: np.ndarray, levels, lut) -> None:
        self.image.set_values(values, self._grid_rect(gx, gy), levels, lut)

    def render(self, frame: Frame) -> None:
        """Copy a frame into the graphics items (cheap: no network evaluation here)."""
        self.last_frame = frame
        kind = frame.kind
        gx, gy = frame.grid_x, frame.grid_y
        caption = ""
        if kind == "classification2d" and frame.probabilities is not None:
            self._render_classes(frame)
            self.boundary.setData(*segments_to_pairs(frame.boundary))
        elif kind == "regression2d" and frame.surface is not None:
            self._set_image(frame.surface, gx, gy, levels=_finite_range(frame.surface), lut=self._diverging_lut())
            clear_curve(self.boundary)
        else:
            clear_curve(self.boundary)
            if frame.density is not None:
                self._set_image(frame.density, gx, gy, levels=mdn_density_levels(frame), lut=self._density_lut())
            else:
                self.image.clear()
        if frame.sensitivity_map is not None and frame.unit_map is None:
            finite = frame.sensitivity_map[np.isfinite(frame.sensitivity_map)]
            # The scale's top at the 99th percentile: the peak on a sharp boundary would wash out the rest.
            top = max(float(np.percentile(finite, 99)) if finite.size else 0.0, 1e-12)
            self._set_image(frame.sensitivity_map, gx, gy, levels=(0.0, top), lut=self._density_lut())
            caption = (f"|\u2202y/\u2202x| over the plane (PRML 5.3.4), 0 \u2026 {top:.3g} and above: "
                       "where moving the input changes y most")
        if frame.unit_map is not None:
            caption = frame.unit_label
            if frame.unit_map.ndim == 2:
                lo, hi = _finite_range(frame.unit_map)
                bound = max(abs(lo), abs(hi), 1e-12)
                levels = (-bound, bound) if lo < 0 else (0.0, max(hi, 1e-12))
                self._set_image(frame.unit_map, gx, gy, levels=levels, lut=self._diverging_lut())
                clear_curve(self.boundary)
                clear_curve(self.unit_curve)
            else:
                self.unit_curve.setData(gx, frame.unit_map)
        else:
            clear_curve(self.unit_curve)
        self._render_curves(frame)
        if self.show_hidden and frame.hidden_segments:
            segs = [s for s in frame.hidden_segments if len(s)]
            self.hidden_lines.setData(*segments_to_pairs(np.concatenate(segs) if segs else np.zeros((0, 2, 2))))
        else:
            clear_curve(self.hidden_lines)
        self._render_bayes(frame)
        self.caption.setText(caption)

    def _render_classes(self, frame: Frame) -> None:
        p = frame.probabilities
        K = p.shape[2]
        gx, gy = frame.grid_x, frame.grid_y
        if K == 2 and frame.unit_map is None:
            values = p[:, :, 1]
            if self.discretize:
                values = (values >= 0.5).astype(np.float32)
            self._set_image(values, gx, gy, levels=(0.0, 1.0), lut=self._two_class_lut())
            return
        theme = current_theme()
        colors = theme.class_rgb(K)
        neutral = theme.neutral_rgb()
        if self.discretize:
            weights = np.eye(K, dtype=np.float32)[np.argmax(p, axis=2)]
            confidence = np.ones(p.shape[:2], dtype=np.float32)
        else:
            weights = p
            confidence = (p.max(axis=2) - 1.0 / K) / (1.0 - 1.0 / K)  # 0 where undecided, 1 where sure
        blend = weights @ colors
        rgb = neutral + (SHADE_STRENGTH * confidence)[:, :, None] * (blend - neutral)
        self.image.set_rgb(np.rint(np.clip(rgb, 0, 1) * 255).astype(np.uint8), self._grid_rect(gx, gy))

    def _render_curves(self, frame: Frame) -> None:
        gx = frame.grid_x
        curves = frame.curves if frame.curves is not None else np.zeros((0, 0))
        while len(self.output_curves) < len(curves):
            item = pg.PlotCurveItem(pen=pg.mkPen(current_theme().highlight, width=3), antialias=True)
            item.setZValue(5)
            self.addItem(item)
            self.output_curves.append(item)
        for i, item in enumerate(self.output_curves):
            if i < len(curves):
                item.setData(gx, curves[i])
            else:
                clear_curve(item)
        if frame.density is not None:
            self.mean_curve.setData(gx, frame.density_mean)
            mixture = frame.mixture
            if mixture is not None and mixture.mode_x is not None:  # pieces: no line across a jump
                self.mode_curve.setData(mixture.mode_x, mixture.mode_y, connect="finite")
            else:
                self.mode_curve.setData(gx, frame.density_mode)
        else:
            clear_curve(self.mean_curve)
            clear_curve(self.mode_curve)
        if self.legend.isVisible() != (frame.density is not None):
            self.legend.setVisible(frame.density is not None)
            self._place_legend()
        hidden = frame.hidden_curves if (self.show_hidden and frame.hidden_curves is not None) else np.zeros((0, 0))
        pen = pg.mkPen((128, 128, 128), width=1, style=Qt.DashLine)
        while len(self.hidden_curves) < len(hidden):
            item = pg.PlotCurveItem(pen=pen)
            item.setZValue(1)
            self.addItem(item)
            self.hidden_curves.append(item)
        for i, item in enumerate(self.hidden_curves):
            if i < len(hidden):
                item.setData(gx, hidden[i])
            else:
                clear_curve(item)

    def _render_bayes(self, frame: Frame) -> None:
        doc = self.document
        posterior = doc.dataset.bayes_posterior if doc is not None else None
        if not self.show_bayes or posterior is None or frame.grid_x is None or frame.grid_y is None \
                or frame.kind != "classification2d":
            clear_curve(self.bayes)
            return
        gx, gy = frame.grid_x, frame.grid_y
        key = (id(posterior), gx[0], gx[-1], gy[0], gy[-1], len(gx))
        if key != self._bayes_key:  # the posterior is fixed: compute once per view
            XX, YY = np.meshgrid(gx, gy)
            p = posterior(np.column_stack([XX.ravel(), YY.ravel()])).reshape(XX.shape)
            self._bayes_pairs = segments_to_pairs(contour_segments(p, gx, gy, 0.5))
            self._bayes_key = key
        elif self.bayes.xData is not None and len(self.bayes.xData) == len(self._bayes_pairs[0]):
            return  # already drawn
        self.bayes.setData(*self._bayes_pairs)

    def clear_overlays(self) -> None:
        """Forget the last network's drawing: shading, boundary, output, hidden-unit, unit and
        MDN density / mean / mode curves, the caption and the legend (e.g. when the network or
        its head changes, before the new network's first frame). The points stay."""
        self.last_frame = None
        self.image.clear()
        for curve in [self.boundary, self.bayes, self.hidden_lines, self.unit_curve, self.mean_curve,
                      self.mode_curve, *self.output_curves, *self.hidden_curves]:
            clear_curve(curve)
        self._bayes_key = None
        self.caption.setText("")
        self.legend.setVisible(False)
        for overlay in self._hosted:
            overlay.clear()

    def host_overlay(self, overlay) -> None:
        """Let another module draw here (gui/plots/bayes_view.py's error bars and moderated contours):
        its ``items()`` are added above the shading, and ``clear()`` runs with :meth:`clear_overlays`."""
        self._hosted.append(overlay)
        for item in overlay.items():
            self.addItem(item)

    # A switch that does not change redraws nothing (pyqtgraph's setLogMode does the same).
    def set_show_hidden(self, show: bool) -> None:
        self._switch("show_hidden", bool(show))

    def set_show_bayes(self, show: bool) -> None:
        self._switch("show_bayes", bool(show))

    def set_discretize(self, on: bool) -> None:
        self._switch("discretize", bool(on))

    def _switch(self, name: str, on: bool) -> None:
        if getattr(self, name) == on:
            return
        setattr(self, name, on)
        if self.last_frame is not None:
            self.render(self.last_frame)

    def scene_pos_of(self, x: float, y: float) -> QPointF:
        return self.vb.mapViewToScene(QPointF(x, y))
