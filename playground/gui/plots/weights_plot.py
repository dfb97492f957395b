"""Histograms of the weights and biases of every layer, one row per layer.

Rows are stacked in one plot ("layer 1 (2→8)" on top), each row scaled to its own
tallest bar, so a 2-8-8-1 net and an 8 x 256 net read the same way. The value axis
is symmetric around 0 and moves only on "nice" steps: it grows at once when a
weight leaves it and shrinks only after the weights have stayed well inside it
for a while (or on ``reset_range``), so it never jumps between frames.

With soft weight sharing on (PRML 5.5.7), the learned mixture density p(w) = sum_j pi_j
N(w | mu_j, sigma_j^2) is drawn over every row as the counts it predicts for that row's
weights (its number of weights x bin width x p(w), in the row's scale), live.
"""

from __future__ import annotations


import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .. import html_fonts
from ..theme import blend, current_theme
from .common import nice_ceil
from .network_diagram import PathLayers

N_BINS = 41  # odd: the middle bin holds 0 (zero-initialised biases)
ROW_FILL = 0.82  # the tallest bar of a row reaches this fraction of the row
WEIGHT_COLOR = "#7A8BA0"  # slate: neutral, neither sign colour
BIAS_COLOR = "#CC79A7"  # Okabe-Ito reddish purple
MIXTURE_COLOR = "#D55E00"  # Okabe-Ito vermillion: soft weight sharing's mixture density
MIXTURE_SAMPLES = 201  # points of the density curve across the axis
SHRINK_AFTER = 60  # renders (~2 s) with all values well inside before the axis shrinks
def _histogram_indices(values: np.ndarray, lo: float, hi: float, n: int, edges: np.ndarray) -> np.ndarray:
    """Bin index of each value in [lo, hi], exactly as numpy.histogram assigns them."""
    idx = ((values - lo) * (n / (hi - lo))).astype(np.intp)
    idx[idx >= n] = n - 1
    idx[idx < 0] = 0
    idx[values < edges[idx]] -= 1
    idx[(values >= edges[idx + 1]) & (idx != n - 1)] += 1
    return idx


class WeightsPlot(QWidget):
    """Weight and bias histograms per layer of an MLP's flat parameter vector."""

    def __init__(self, parent=None):
        super().__init__(parent)
        theme = current_theme()
        self._theme = theme
        self.plot_widget = pg.PlotWidget(parent=self)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.view_box: pg.ViewBox = self.plot_item.getViewBox()
        pi = self.plot_item
        pi.setMouseEnabled(x=False, y=False)
        pi.setMenuEnabled(False)
        pi.hideButtons()
        pi.setLabel("bottom", "value")
        pi.getAxis("bottom").enableAutoSIPrefix(False)
        pi.showGrid(x=False, y=False)  # pyqtgraph's grid repaints with every histogram (slow)
        left = pi.getAxis("left")
        left.setStyle(tickLength=0)
        self._zero = pg.InfiniteLine(0.0, angle=90)
        self._zero.setZValue(-5)
        pi.addItem(self._zero, ignoreBounds=True)
        self._baselines = pg.PlotCurveItem(connect="pairs")
        self._baselines.setZValue(-4)
        pi.addItem(self._baselines)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)

        # All rows in one item: layer 0 = filled weight histograms, 1 = bias outlines.
        self._bars = PathLayers([(pg.mkPen(WEIGHT_COLOR, width=1), pg.mkBrush(WEIGHT_COLOR)),
                                 (pg.mkPen(BIAS_COLOR, width=1.5), None)])
        pi.addItem(self._bars)
        self._mixture_curve = pg.PlotCurveItem(pen=pg.mkPen(MIXTURE_COLOR, width=1), connect="finite")
        self._mixture_curve.setZValue(5)
        pi.addItem(self._mixture_curve)
        self.mixture = None  # (pi, mu, sigma) drawn, or None
        self.set_theme(theme)

        self._labels: list[str] = []
        self._groups = np.zeros(0, dtype=np.intp)
        self._n_params = 0
        self._n_layers = 0
        self._sizes: list[tuple[int, int]] = []
        self._half = 1.0
        self._inside_count = 0
        self._edges = np.linspace(-1.0, 1.0, N_BINS + 1)
        self._counts = np.zeros((0, 2, N_BINS), dtype=np.intp)
        self._shown_counts = None
        self._apply_range()

    def set_theme(self, theme) -> None:
        """Re-colour for a theme (playground.gui.theme.LIGHT / DARK)."""
        self._theme = theme
        fg = pg.mkColor(theme.foreground)
        self.plot_widget.setBackground(theme.background)
        pi = self.plot_item
        self._set_title()
        bottom = pi.getAxis("bottom")
        bottom.setPen(pg.mkPen(fg))
        bottom.setTextPen(pg.mkPen(fg))
        bottom.setLabel(bottom.labelText, color=theme.foreground)
        left = pi.getAxis("left")
        left.setPen(pg.mkPen(None))
        left.setTextPen(pg.mkPen(fg))
        self._zero.setPen(pg.mkPen(theme.faint(110 / 255), width=1, style=Qt.PenStyle.DashLine))
        self._baselines.setPen(pg.mkPen(theme.faint(70 / 255), width=1))
        # Opaque fill blended with the background (translucent fills are slow to paint).
        fill = blend(theme.background, WEIGHT_COLOR, 0.6)
        self._bars.set_brush(0, pg.mkBrush(fill))

    def _set_title(self) -> None:
        mixture = "" if getattr(self, "mixture", None) is None else (
            f"&nbsp;&nbsp;&nbsp;<span style='color:{MIXTURE_COLOR}; font-size:13pt'>\u2014</span> mixture p(w)")
        self.plot_item.setTitle(
            f"<span style='color:{WEIGHT_COLOR}; font-size:13pt'>\u25a0</span> weights&nbsp;&nbsp;&nbsp;"
            f"<span style='color:{BIAS_COLOR}; font-size:13pt'>\u25ac</span> biases{mixture}",
            size="10pt", color=self._theme.foreground,
        )
        html_fonts.scale_label(self.plot_item.titleLabel, html_fonts.current_scale())  # written unscaled

    # ------------------------------------------------------------------ the live-view protocol (gui/views.py)
    analysis = None  # draws no background analysis

    def show_network(self, net, input_names=None) -> None:
        """Lay out ``net`` and histogram its weights as they are."""
        self.set_network(net)
        self.render(net.w)
        self.render_mixture(None)

    def render_frame(self, frame) -> None:
        """Histogram the weights of a frame's snapshot, with soft weight sharing's mixture if on."""
        self.render(frame.snapshot.weights)
        self.render_mixture(getattr(frame.snapshot, "mixture", None))

    def render_mixture(self, mixture) -> None:
        """Draw the mixture density (pi, mu, sigma) over every weight row; None removes it."""
        if mixture is None or not self._n_layers:
            if self.mixture is not None:
                self.mixture = None
                self._mixture_curve.setData([], [])
                self._set_title()
            return
        had = self.mixture is not None
        self.mixture = tuple(np.array(v, dtype=float) for v in mixture)
        xs, ys = self._mixture_rows()
        self._mixture_curve.setData(xs.ravel(), ys.ravel(), connect="finite")
        if not had:
            self._set_title()

    def _mixture_rows(self):
        """x and y (plot coordinates) of the density curve of every row, rows split by NaN."""
        pi, mu, sigma = self.mixture
        x = np.linspace(-self._half, self._half, MIXTURE_SAMPLES)
        density = np.sum(pi * np.exp(-0.5 * ((x[:, None] - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)),
                         axis=1)
        width = self._edges[1] - self._edges[0]
        L = self._n_layers
        n_weights = np.array([a * b for a, b in self._sizes], dtype=float)
        peak = np.maximum(self._counts[:, 0, :].max(axis=1), 1)
        rows = (n_weights * width / peak * ROW_FILL)[:, None] * density[None, :]  # predicted counts, row scale
        base = (L - 1 - np.arange(L, dtype=float))[:, None]
        xs = np.concatenate([np.tile(x, (L, 1)), np.full((L, 1), np.nan)], axis=1)
        ys = np.concatenate([base + np.minimum(rows, 0.98), np.full((L, 1), np.nan)], axis=1)
        return xs, ys

    def mixture_curve(self, layer: int):
        """(x, height above the row's baseline) of the mixture density drawn over row ``layer``, or None."""
        if self.mixture is None:
            return None
        xs, ys = self._mixture_rows()
        base = self._n_layers - 1 - layer
        return xs[layer, :-1].copy(), ys[layer, :-1] - base

    # ------------------------------------------------------------------ network
    def set_network(self, net) -> None:
        """Take the parameter layout of ``net`` (an MLP); the range starts afresh."""
        sizes = list(net.layer_sizes)
        n_layers = net.n_layers
        probe = np.arange(net.n_params, dtype=float)
        weights, biases = net.unpack(probe)
        groups = np.empty(net.n_params, dtype=np.intp)
        for layer, (W, b) in enumerate(zip(weights, biases)):
            groups[W.ravel().astype(np.intp)] = 2 * layer
            groups[b.astype(np.intp)] = 2 * layer + 1
        self._groups = groups
        self._n_params = net.n_params
        self._n_layers = n_layers
        self._sizes = [(sizes[i], sizes[i + 1]) for i in range(n_layers)]
        self._labels = [f"layer {i + 1} ({a}\u2192{b})" for i, (a, b) in enumerate(self._sizes)]

        self._bars.set_layer(0, [], [])
        self._bars.set_layer(1, [], [])
        ticks = [(n_layers - 1 - i + 0.4, label) for i, label in enumerate(self._labels)]
        self.plot_item.getAxis("left").setTicks([ticks, []])
        xs = np.tile([-1e6, 1e6], n_layers)
        ys = np.repeat(np.arange(n_layers, dtype=float), 2)
        self._baselines.setData(xs, ys, connect="pairs")
        self.view_box.setYRange(-0.08, n_layers + 0.02, padding=0)
        self._counts = np.zeros((n_layers, 2, N_BINS), dtype=np.intp)
        self._shown_counts = None
        self.reset_range()

    def layer_labels(self) -> list[str]:
        """Row names, first layer first: "layer 1 (2→8)", ..."""
        return list(self._labels)

    # ------------------------------------------------------------------ range
    def x_range(self) -> tuple[float, float]:
        """The value axis, symmetric around 0."""
        return -self._half, self._half

    def reset_range(self) -> None:
        """Fit the axis to the next rendered weights, shrinking if need be."""
        self._half = 1.0
        self._inside_count = 0
        self._fresh = True
        self._apply_range()

    def _apply_range(self) -> None:
        h = self._half
        self._edges = np.linspace(-h, h, N_BINS + 1)
        self.view_box.setXRange(-h, h, padding=0.02)

    def _update_range(self, biggest: float) -> bool:
        wanted = nice_ceil(1.05 * biggest) if biggest > 0 else 1.0
        if getattr(self, "_fresh", False):
            self._fresh = False
            changed = wanted != self._half
            self._half = wanted
            self._inside_count = 0
            return changed
        if wanted > self._half:
            self._half = wanted
            self._inside_count = 0
            return True
        if biggest < 0.45 * self._half:
            self._inside_count += 1
            if self._inside_count >= SHRINK_AFTER:
                self._inside_count = 0
                if wanted < self._half:
                    self._half = wanted
                    return True
        else:
            self._inside_count = 0
        return False

    # ------------------------------------------------------------------ data
    def render(self, weights) -> None:
        """Histogram the flat parameter vector ``weights`` (e.g. ``snapshot.weights``)."""
        if not self._n_layers:
            return
        w = np.asarray(weights, dtype=float).ravel()
        if w.size != self._n_params:
            raise ValueError(f"the network has {self._n_params} parameters, got {w.size}")
        groups = self._groups
        finite = np.isfinite(w)
        if not finite.all():
            w, groups = w[finite], groups[finite]
        biggest = float(np.max(np.abs(w))) if w.size else 0.0
        if self._update_range(biggest):
            self._apply_range()
        n = N_BINS
        idx = _histogram_indices(w, -self._half, self._half, n, self._edges)
        counts = np.bincount(groups * n + idx, minlength=2 * self._n_layers * n)
        self._counts = counts.reshape(self._n_layers, 2, n)
        if self._shown_counts is not None and np.array_equal(self._shown_counts, self._counts) \
                and self._shown_half == self._half:
            return
        self._shown_counts = self._counts.copy()
        self._shown_half = self._half
        peak = self._counts.max(axis=2, keepdims=True)
        heights = self._counts * (ROW_FILL / np.maximum(peak, 1))  # (layers, 2, bins)
        L = self._n_layers
        # Each row's histogram as a closed step outline from its baseline, rows split by NaN:
        # x = e0, e0 e1, e1 e2, ..., e_n-1 e_n, e_n, NaN;  y = base, h0 h0, h1 h1, ..., base, NaN
        steps_x = np.repeat(self._edges, 2)[1:-1]
        xs = np.empty((L, 2 * n + 3))
        xs[:, 0] = self._edges[0]
        xs[:, 1:-2] = steps_x
        xs[:, -2] = self._edges[-1]
        xs[:, -1] = np.nan
        base = (L - 1 - np.arange(L, dtype=float))[:, None]
        for kind in (0, 1):
            ys = np.empty((L, 2 * n + 3))
            ys[:, 1:-2] = np.repeat(heights[:, kind, :], 2, axis=1) + base
            ys[:, 0] = ys[:, -2] = base[:, 0]
            ys[:, -1] = np.nan
            self._bars.set_layer(kind, xs.ravel(), ys.ravel(), connect="finite")

    def histogram_data(self, layer: int):
        """(edges, weight_counts, bias_counts) of weight layer ``layer`` (0-based) as last rendered."""
        if not 0 <= layer < self._n_layers:
            raise IndexError(f"layer {layer} does not exist (the network has {self._n_layers} weight layers)")
        return self._edges.copy(), self._counts[layer, 0].copy(), self._counts[layer, 1].copy()

    def clear(self) -> None:
        """Empty histograms (the axis range starts afresh)."""
        self._bars.set_layer(0, [], [])
        self._bars.set_layer(1, [], [])
        self._counts[:] = 0
        self._shown_counts = None
        self.render_mixture(None)
        self.reset_range()
