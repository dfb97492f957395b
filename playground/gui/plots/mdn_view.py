"""The mixture density network's own view: the four panels of PRML fig. 5.21, live.

For one input: (a) the mixing coefficients pi_k(x), (b) the component means mu_k(x), with
mu_k +- sigma_k as a faint band on request, (c) the conditional density p(t|x) as a heat map
on the colour scale the frame chose where the data are, (d) the approximate conditional mode
(the mean of the most probable component, in pieces: it jumps between branches) and the
conditional mean +- one conditional standard deviation. For two inputs: the conditional mean
surface and a map of each pi_k. Everything drawn comes ready-made in the frame
(gui/mdn_frames.py, computed in the training thread); this view only copies arrays.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QCheckBox, QGraphicsPathItem, QHBoxLayout, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from .. import html_fonts
from ..data_view import CurveLegend, ShadingImage
from ..theme import CLASS_COLORS, blend, current_theme
from .common import clear_curve

NOT_AN_MDN = ("The mixture density panels (PRML fig. 5.21) appear when the network's output is a "
              "mixture density: choose the output \"mdn\" in the Network panel, for example on the "
              "Inverse problem preset.")
NO_MIXTURE = "The mixture density panels need regression data with one or two inputs."
WAITING = "The mixture density panels appear with the network's first frame: press Play or Step."
BAND_SHADE = 0.22  # how far a sigma band moves from the background towards its component's colour


def component_color(k: int) -> str:
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def _lut(start, end, n: int = 256) -> np.ndarray:
    """A 256-entry lookup table from colour ``start`` to ``end`` (design.md: explicit levels and lut)."""
    a, b = np.array(QColor(start).getRgb()[:3], float), np.array(QColor(end).getRgb()[:3], float)
    s = np.linspace(0.0, 1.0, n)[:, None]
    return np.rint((1 - s) * a + s * b).astype(np.uint8)


def _diverging_lut(theme, n: int = 256) -> np.ndarray:
    half = n // 2
    return np.concatenate([_lut("#E69F00", theme.neutral, half), _lut(theme.neutral, "#0072B2", n - half)])


class ShadedMap(ShadingImage):
    """The data view's fast shading image with its lookup table and the levels last shown (tests read them)."""

    def __init__(self):
        super().__init__()
        self.lut = _lut("#FFFFFF", "#000000")
        self.levels: tuple[float, float] | None = None

    def show_values(self, values: np.ndarray, rect: QRectF, levels: tuple[float, float]) -> None:
        self.levels = (float(levels[0]), float(levels[1]))
        self.set_values(values, rect, self.levels, self.lut)

    def clear(self) -> None:
        self.levels = None
        super().clear()


def _grid_rect(gx: np.ndarray, gy: np.ndarray) -> QRectF:
    """The rectangle covered by grid cells centred on ``gx`` x ``gy``."""
    dx = (gx[-1] - gx[0]) / max(1, len(gx) - 1)
    dy = (gy[-1] - gy[0]) / max(1, len(gy) - 1)
    return QRectF(gx[0] - dx / 2, gy[0] - dy / 2, gx[-1] - gx[0] + dx, gy[-1] - gy[0] + dy)


def _quiet_plot(layout: pg.GraphicsLayoutWidget, row: int, col: int, title: str) -> pg.PlotItem:
    plot = layout.addPlot(row=row, col=col, title=title)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(x=False, y=False)
    plot.disableAutoRange()  # ranges are set from the frame's grid, only when they change
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    plot.getAxis("left").enableAutoSIPrefix(False)
    return plot


class MixtureView(QWidget):
    """Fig. 5.21 for the network being trained (a LiveView, gui/views.py)."""

    analysis = None

    def __init__(self, parent=None):
        super().__init__(parent)
        self._theme = current_theme()
        self.n_components = 0
        self._ranges = self._map_ranges = None  # what the panels show, to set only on a change
        self._is_mdn = False
        self.last_frame = None
        self.bands_box = QCheckBox("σ bands")
        self.bands_box.setToolTip("Show each component's mean ± one standard deviation, mu_k(x) ± sigma_k(x), "
                                  "as a faint band in panel (b).")
        self.bands_box.toggled.connect(self._bands_toggled)
        self.message = QLabel(NOT_AN_MDN)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignCenter)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)  # wraps, never props the dock up
        self.curves_page = pg.GraphicsLayoutWidget()
        self.maps_page = pg.GraphicsLayoutWidget()
        self.stack = QStackedWidget()
        for page in (self.message, self.curves_page, self.maps_page):
            self.stack.addWidget(page)
        controls = QHBoxLayout()
        controls.setContentsMargins(4, 2, 4, 0)
        controls.addWidget(self.bands_box)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.stack, 1)
        self.map_plots: list[pg.PlotItem] = []  # made for each K (_set_components)
        self.map_images: list[ShadedMap] = []
        self._build_curves_page()
        self.set_theme(self._theme)
        self.clear()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        """Modest, as the other tabs of its dock: pyqtgraph's 640 x 480 would make the window taller."""
        return QSize(100, 84)

    # ------------------------------------------------------------------ layout
    def _build_curves_page(self) -> None:
        page = self.curves_page
        self.pi_plot = _quiet_plot(page, 0, 0, "(a) mixing coefficients π<sub>k</sub>")
        self.mu_plot = _quiet_plot(page, 0, 1, "(b) means μ<sub>k</sub>")
        self.density_plot = _quiet_plot(page, 1, 0, "(c) density p(t|x)")
        self.mode_plot = _quiet_plot(page, 1, 1, "(d) mode, mean ± std")
        self.density_image = ShadedMap()
        self.density_plot.addItem(self.density_image)
        # The key to the shading: the density at which the colour is full (the frame's robust top).
        # Bottom right: empty in both problems of fig. 5.19 (large x, small t).
        self.density_key = pg.TextItem(anchor=(1, 1))
        self.density_key.setParentItem(self.density_plot.vb)
        self.density_plot.vb.sigResized.connect(
            lambda *_: self.density_key.setPos(self.density_plot.vb.width() - 4, self.density_plot.vb.height() - 2))
        self.mode_curve = pg.PlotCurveItem(connect="finite")
        self.mean_curve = pg.PlotCurveItem()
        self.upper_curve = pg.PlotCurveItem()  # conditional mean + one conditional standard deviation
        self.lower_curve = pg.PlotCurveItem()
        for item in (self.upper_curve, self.lower_curve, self.mean_curve, self.mode_curve):
            self.mode_plot.addItem(item)
        self.mode_legend = CurveLegend([(self.mode_curve, "conditional mode"), (self.mean_curve, "conditional mean"),
                                        (self.upper_curve, "mean ± 1 std")])
        self.mode_legend.setParentItem(self.mode_plot.vb)
        self.pi_curves: list[pg.PlotCurveItem] = []
        self.mu_curves: list[pg.PlotCurveItem] = []
        self.band_fills: list[QGraphicsPathItem] = []
        self.band_data: list[tuple | None] = []  # (x, mu - sigma, mu + sigma) each band is drawn from
        self.pi_legend = CurveLegend([])
        self.pi_legend.setParentItem(self.pi_plot.vb)
        self.mu_legend = CurveLegend([])
        self.mu_legend.setParentItem(self.mu_plot.vb)
        for plot, legend in ((self.pi_plot, self.pi_legend), (self.mu_plot, self.mu_legend)):
            plot.vb.sigResized.connect(lambda *_, p=plot, key=legend: key.setPos(p.vb.width() - 4, 2))
        # Top left in (d): where fig. 5.19's problems have no data (small x, large t).
        self.mode_legend.setAnchor((0, 0))
        self.mode_legend.setPos(4, 2)

    def _set_components(self, K: int) -> None:
        """Curves, bands and maps for K components (made once per K, then reused)."""
        if K == self.n_components:
            return
        self.n_components = K
        for curve in self.pi_curves:
            self.pi_plot.removeItem(curve)
        for item in self.mu_curves + self.band_fills:
            self.mu_plot.removeItem(item)
        self.pi_curves, self.mu_curves, self.band_fills, self.band_data = [], [], [], []
        for k in range(K):
            pen = pg.mkPen(component_color(k), width=1)  # width 1 for live curves: wide pens are slow in Qt
            pi_curve, mu_curve = pg.PlotCurveItem(pen=pen), pg.PlotCurveItem(pen=pen)
            self.pi_plot.addItem(pi_curve)
            self.mu_plot.addItem(mu_curve)
            # One closed polygon per band: pyqtgraph's FillBetweenItem rebuilt its path in Python
            # from both curves on every frame (25 ms a frame for three bands).
            fill = QGraphicsPathItem()
            fill.setZValue(-5)
            fill.setVisible(self.bands_box.isChecked())
            self.mu_plot.addItem(fill)
            self.pi_curves.append(pi_curve)
            self.mu_curves.append(mu_curve)
            self.band_fills.append(fill)
            self.band_data.append(None)
        self.pi_legend.entries = [(c, f"π{k + 1}") for k, c in enumerate(self.pi_curves)]
        self.mu_legend.entries = [(c, f"μ{k + 1}") for k, c in enumerate(self.mu_curves)]
        self._colour_bands()
        self.pi_legend.refresh()
        self.mu_legend.refresh()
        self.maps_page.clear()
        self.map_plots, self.map_images = [], []
        columns = 2 if K + 1 <= 4 else 3
        titles = ["conditional mean E[t|x]"] + [f"π<sub>{k + 1}</sub>(x)" for k in range(K)]
        for i, title in enumerate(titles):
            plot = _quiet_plot(self.maps_page, i // columns, i % columns, title)
            plot.setAspectLocked(False)
            image = ShadedMap()
            plot.addItem(image)
            self.map_plots.append(plot)
            self.map_images.append(image)
            self._style_plot(plot)
        self._map_ranges = None  # new plots: their ranges are set by the next frame
        self._colour_maps()

    # ------------------------------------------------------------------ LiveView protocol
    def set_theme(self, theme) -> None:
        self._theme = theme
        fg = pg.mkColor(theme.foreground)
        for page in (self.curves_page, self.maps_page):
            page.setBackground(theme.background)
        for plot in self._plots():
            self._style_plot(plot)
        self.mean_curve.setPen(pg.mkPen(fg, width=1))
        dashed = pg.mkPen(theme.faint(0.55), width=1, style=Qt.PenStyle.DashLine)
        self.upper_curve.setPen(dashed)
        self.lower_curve.setPen(dashed)
        self.mode_curve.setPen(pg.mkPen("#D55E00", width=1))
        self.density_image.lut = _lut(theme.neutral, "#0072B2")
        self.density_key.setColor(fg)
        self._colour_bands()
        self._colour_maps()
        for legend in (self.pi_legend, self.mu_legend, self.mode_legend):
            legend.set_theme(theme)
        if self.last_frame is not None:  # the images take the new colours now, not at the next frame
            self.render_frame(self.last_frame)

    def _style_plot(self, plot: pg.PlotItem) -> None:
        fg = pg.mkColor(self._theme.foreground)
        plot.setTitle(plot.titleLabel.text, color=self._theme.foreground, size="9pt")
        html_fonts.scale_label(plot.titleLabel, html_fonts.current_scale())  # written unscaled: Ctrl+= follows
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(fg))
            axis.setTextPen(pg.mkPen(fg))

    def _plots(self) -> list[pg.PlotItem]:
        return [self.pi_plot, self.mu_plot, self.density_plot, self.mode_plot, *self.map_plots]

    def _colour_bands(self) -> None:
        for k, fill in enumerate(self.band_fills):
            colour = blend(self._theme.background, component_color(k), BAND_SHADE)
            fill.setBrush(pg.mkBrush(colour))
            fill.setPen(QPen(Qt.PenStyle.NoPen))

    def _colour_maps(self) -> None:
        for i, image in enumerate(self.map_images):
            image.lut = _diverging_lut(self._theme) if i == 0 else _lut(self._theme.neutral, component_color(i - 1))

    def show_network(self, net, input_names: list[str]) -> None:
        self.clear()
        self._is_mdn = getattr(net, "output", None) == "mdn"
        if self._is_mdn:
            self._set_components(net.n_components)
            self._show_message(WAITING)

    def render_frame(self, frame) -> None:
        mixture = getattr(frame, "mixture", None)
        self.last_frame = frame
        if mixture is None:
            self._show_message(NO_MIXTURE if self._is_mdn else NOT_AN_MDN)
            return
        self._set_components(mixture.n_components)
        if mixture.mu is not None:
            self._render_curves(frame, mixture)
        else:
            self._render_maps(frame, mixture)

    def clear(self) -> None:
        self.last_frame = None
        for curve in [*self.pi_curves, *self.mu_curves, self.mode_curve, self.mean_curve, self.upper_curve,
                      self.lower_curve]:
            clear_curve(curve)
        self._clear_bands()
        self.density_image.clear()
        self._set_density_key("")
        for image in self.map_images:
            image.clear()
        self._show_message(NOT_AN_MDN)

    # ------------------------------------------------------------------ drawing
    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self._show_page(self.message)

    def _show_page(self, page) -> None:
        self.stack.setCurrentWidget(page)
        self.bands_box.setVisible(page is self.curves_page)  # bands belong to panel (b)

    def _render_curves(self, frame, mixture) -> None:
        self._show_page(self.curves_page)
        gx = frame.grid_x
        bands = self.bands_box.isChecked()
        for k in range(mixture.n_components):
            self.pi_curves[k].setData(gx, mixture.pi[k])
            self.mu_curves[k].setData(gx, mixture.mu[k])
            if bands:
                self._draw_band(k, gx, mixture.mu[k] - mixture.sigma[k], mixture.mu[k] + mixture.sigma[k])
        self.mode_curve.setData(mixture.mode_x, mixture.mode_y, connect="finite")
        self.mean_curve.setData(gx, mixture.mean)
        self.upper_curve.setData(gx, mixture.mean + mixture.std)
        self.lower_curve.setData(gx, mixture.mean - mixture.std)
        gy = frame.grid_y
        self._set_ranges((float(gx[0]), float(gx[-1])), None if gy is None else (float(gy[0]), float(gy[-1])))
        if frame.density is not None and gy is not None:
            self.density_image.show_values(frame.density, _grid_rect(gx, gy), mixture.density_levels)
            self._set_density_key(f"full colour: p ≥ {mixture.density_levels[1]:.3g}")
        else:
            self.density_image.clear()
            self._set_density_key("")

    def _render_maps(self, frame, mixture) -> None:
        self._show_page(self.maps_page)
        rect = _grid_rect(frame.grid_x, frame.grid_y)
        mean = mixture.mean
        finite = mean[np.isfinite(mean)]
        bound = float(np.max(np.abs(finite))) if finite.size else 1.0
        self.map_images[0].show_values(mean, rect, (-max(bound, 1e-12), max(bound, 1e-12)))
        for k in range(mixture.n_components):
            self.map_images[k + 1].show_values(mixture.pi[k], rect, (0.0, 1.0))
        ranges = ((float(frame.grid_x[0]), float(frame.grid_x[-1])), (float(frame.grid_y[0]), float(frame.grid_y[-1])))
        if ranges != self._map_ranges:  # a range set on every frame relayouts the axes every frame
            self._map_ranges = ranges
            for plot in self.map_plots:
                plot.setRange(xRange=ranges[0], yRange=ranges[1], padding=0)

    def _set_ranges(self, x_range, t_range) -> None:
        """The frame's x range on every panel and its t range on (b)-(d), when they changed."""
        if (x_range, t_range) == self._ranges:
            return
        self._ranges = (x_range, t_range)
        self.pi_plot.setRange(xRange=x_range, yRange=(0.0, 1.0), padding=0.02)
        for plot in (self.mu_plot, self.density_plot, self.mode_plot):
            if t_range is None:
                plot.setXRange(*x_range, padding=0)
            else:
                plot.setRange(xRange=x_range, yRange=t_range, padding=0)

    def _set_density_key(self, text: str) -> None:
        if text != self.density_key.textItem.toPlainText():  # a new text lays the item out again
            self.density_key.setText(text)

    def _draw_band(self, k: int, x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """The region between ``lower`` and ``upper`` as one polygon: along the top, back along the bottom."""
        keep = np.isfinite(lower) & np.isfinite(upper)
        path = pg.arrayToQPath(np.concatenate([x[keep], x[keep][::-1]]),
                               np.concatenate([upper[keep], lower[keep][::-1]]), connect="all")
        path.closeSubpath()
        self.band_fills[k].setPath(path)
        self.band_data[k] = (x, lower, upper)

    def _clear_bands(self) -> None:
        for k, fill in enumerate(self.band_fills):
            fill.setPath(QPainterPath())
            self.band_data[k] = None

    def _bands_toggled(self, on: bool) -> None:
        for fill in self.band_fills:
            fill.setVisible(on)
        if not on:
            self._clear_bands()
        if self.last_frame is not None:
            self.render_frame(self.last_frame)

    # ------------------------------------------------------------------ for tests and readers
    def legend_labels(self) -> dict[str, list[str]]:
        """The legend of each panel that has one: {"a": ["π1", ...], "b": [...], "d": [...]}."""
        return {"a": self.pi_legend.labels(), "b": self.mu_legend.labels(), "d": self.mode_legend.labels()}
