"""The layers view: how the signal and the gradient fare through the depth of the network, live.

Three plots, from the frames' per-layer diagnostics (core/diagnostics.py, computed in the
training thread by gui/layer_frames.py):

- the histogram of each hidden layer's outputs z (one outline per layer, darker = deeper):
  a deep tanh stack with small Gaussian weights collapses to a spike at 0, with large ones
  it piles up at -1 and +1, with Xavier's scale it stays spread;
- |dE/dW| of every weight layer against the epoch (log scale, one curve per layer): when
  the first layers' curves lie decades below the last ones, the gradients vanish;
- per hidden layer, the fraction of saturated tanh / sigmoid units and of dead ReLUs.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..theme import current_theme
from .common import cache_axes, nice_ceil, stepped_range

MIN_PLOT_HEIGHT = 150  # pixels
MAX_HISTORY = 2000  # gradient-norm points kept per curve (older ones thinned out by half)
SATURATED_COLOR = "#D55E00"  # Okabe-Ito vermillion
DEAD_COLOR = "#56B4E9"  # Okabe-Ito sky blue


def layer_colors(n: int) -> list:
    """One colour per layer, light (first) to dark (last), from viridis."""
    cmap = pg.colormap.get("viridis")
    return [cmap.map(0.15 + 0.7 * i / max(1, n - 1), mode="qcolor") for i in range(n)]


class LayersView(QWidget):
    """Activation histograms, gradient norms per layer against the epoch, saturated and dead units."""

    analysis = None

    def __init__(self, parent=None):
        super().__init__(parent)
        self._theme = current_theme()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.hist_widget = pg.PlotWidget(parent=self)
        self.grad_widget = pg.PlotWidget(parent=self)
        self.frac_widget = pg.PlotWidget(parent=self)
        for widget, title, bottom, left in (
            (self.hist_widget, "outputs z of each hidden layer", "z", "share"),
            (self.grad_widget, "|dE/dW| of each layer", "epoch", "norm"),
            (self.frac_widget, "saturated (tanh, sigmoid) / dead (ReLU) units", "hidden layer", "share"),
        ):
            item = widget.getPlotItem()
            item.setMenuEnabled(False)
            item.hideButtons()
            item.setMouseEnabled(x=False, y=False)
            item.setTitle(title, size="9pt")
            item.setLabel("bottom", bottom)
            item.setLabel("left", left)
            for side in ("bottom", "left"):
                item.getAxis(side).enableAutoSIPrefix(False)
            widget.setMinimumHeight(MIN_PLOT_HEIGHT)  # the dock scrolls rather than squash three plots
            item.disableAutoRange()  # ranges change in steps (_set_range): re-ranged axes cost ~5 ms a frame
            cache_axes(item)
            layout.addWidget(widget, 1)
        self.grad_widget.getPlotItem().setLogMode(y=True)
        self._ranges: dict = {}
        self._set_range(self.frac_widget, (0.5, 1.5), (0.0, 1.0))
        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self._sat_bars = pg.BarGraphItem(x=[], height=[], width=0.35, brush=SATURATED_COLOR)
        self._dead_bars = pg.BarGraphItem(x=[], height=[], width=0.35, brush=DEAD_COLOR)
        self._hist_curves, self._grad_curves = [], []
        self.frac_widget.addItem(self._sat_bars)
        self.frac_widget.addItem(self._dead_bars)
        self.clear()
        self.set_theme(self._theme)

    # --------------------------------------------------------------------------- data for tests
    # histograms: per hidden layer (edges, shares); epochs (n,) and gradient_norms (n, layers) as
    # plotted; saturated / dead: per hidden layer (NaN where it does not apply).

    def set_theme(self, theme) -> None:
        self._theme = theme
        for widget in (self.hist_widget, self.grad_widget, self.frac_widget):
            widget.setBackground(theme.background)
            item = widget.getPlotItem()
            for side in ("bottom", "left"):
                axis = item.getAxis(side)
                axis.setPen(pg.mkPen(theme.foreground))
                axis.setTextPen(pg.mkPen(theme.foreground))
            item.titleLabel.setText(item.titleLabel.text, color=theme.foreground)

    def show_network(self, net, input_names) -> None:
        self.clear()
        for curve in self._hist_curves:
            self.hist_widget.removeItem(curve)
        for curve in self._grad_curves:
            self.grad_widget.removeItem(curve)
        self._hist_curves, self._grad_curves = [], []
        n_hidden, n_layers = net.n_layers - 1, net.n_layers
        colors = layer_colors(max(n_hidden, n_layers))
        for i in range(n_hidden):
            # PlotCurveItems, not PlotDataItems: a third of the cost of setData each frame
            curve = pg.PlotCurveItem(pen=pg.mkPen(colors[i], width=1), name=f"layer {i + 1}")
            self.hist_widget.addItem(curve)
            self._hist_curves.append(curve)
        grad_colors = layer_colors(n_layers)
        for i in range(n_layers):
            label = "output" if i == n_layers - 1 else f"layer {i + 1}"
            curve = pg.PlotCurveItem(pen=pg.mkPen(grad_colors[i], width=1), name=label)
            self.grad_widget.addItem(curve)
            self._grad_curves.append(curve)
        names = ", ".join(dict.fromkeys(net.hidden_names)) or "none"
        self.note.setText(f"{n_hidden} hidden layer(s) ({names}); lighter curves are nearer the inputs."
                          if n_hidden else "No hidden layer: nothing to show.")

    def clear(self) -> None:
        """Forget what was drawn; the curves of the network's layers stay, empty."""
        for curve in self._hist_curves + self._grad_curves:
            curve.setData([], [])
        self.histograms: list[tuple[np.ndarray, np.ndarray]] = []
        self.epochs = np.zeros(0)
        self.gradient_norms = np.zeros((0, 0))
        self.saturated = np.zeros(0)
        self.dead = np.zeros(0)
        self._experiment = None
        self._shown = None  # the diagnostics last drawn
        self._sat_bars.setOpts(x=[], height=[])
        self._dead_bars.setOpts(x=[], height=[])

    def _set_range(self, widget, x_range, y_range) -> None:
        """Show ``x_range`` by ``y_range`` in ``widget``, touching the view only when they changed."""
        key = (tuple(x_range), tuple(y_range))
        if self._ranges.get(widget) == key:
            return
        self._ranges[widget] = key
        widget.getPlotItem().getViewBox().setRange(xRange=x_range, yRange=y_range, padding=0.02)

    def _set_note(self, text: str) -> None:
        if self.note.text() != text:  # a new text re-lays out the dock
            self.note.setText(text)

    def render_frame(self, frame) -> None:
        diag = getattr(frame, "layers", None)
        if diag is None or diag is self._shown:
            return  # frames carry the newest diagnostics until the next (gui/layer_frames.py): drawn once
        self._shown = diag
        if frame.experiment_id != self._experiment:
            self._experiment = frame.experiment_id
            self.epochs = np.zeros(0)
            self.gradient_norms = np.zeros((0, len(diag.gradient_norms)))
        self._show_histograms(diag)
        self._add_gradient_norms(frame.snapshot.epoch, diag.gradient_norms)
        self._show_fractions(diag)

    # --------------------------------------------------------------------------- internals
    def _show_histograms(self, diag) -> None:
        self.histograms = []
        for layer, curve in zip(diag.layers, self._hist_curves):
            total = max(1, int(layer.counts.sum()))
            shares = layer.counts / total
            self.histograms.append((layer.edges, shares))
            curve.setData(np.repeat(layer.edges, 2)[1:-1], np.repeat(shares, 2))  # a step over each bin
        if self.histograms:
            edges = np.concatenate([e for e, _ in self.histograms])
            top = max(float(np.max(h)) if h.size else 0.0 for _, h in self.histograms)
            self._set_range(self.hist_widget, stepped_range((float(edges.min()), float(edges.max()))),
                            stepped_range((0.0, top)))

    def _add_gradient_norms(self, epoch: int, norms: np.ndarray) -> None:
        if self.gradient_norms.shape[1] != len(norms):
            self.epochs, self.gradient_norms = np.zeros(0), np.zeros((0, len(norms)))
        if len(self.epochs) and epoch < self.epochs[-1]:  # a reset: the curves start again
            self.epochs, self.gradient_norms = np.zeros(0), np.zeros((0, len(norms)))
        if len(self.epochs) and epoch == self.epochs[-1]:
            self.gradient_norms[-1] = norms
        else:
            self.epochs = np.append(self.epochs, epoch)
            self.gradient_norms = np.vstack([self.gradient_norms, norms[None, :]])
        if len(self.epochs) > MAX_HISTORY:  # keep every second point: a long run stays cheap to draw
            self.epochs, self.gradient_norms = self.epochs[::2], self.gradient_norms[::2]
        # The log axis's coordinates are log10 (a PlotCurveItem is not told of the log mode); no zeros.
        positive = self.gradient_norms > 0
        shown = np.full(self.gradient_norms.shape, np.nan)
        shown[positive] = np.log10(self.gradient_norms[positive])
        for i, curve in enumerate(self._grad_curves[: shown.shape[1]]):
            curve.setData(self.epochs, shown[:, i], connect="finite")
        positive = self.gradient_norms[self.gradient_norms > 0]
        first = float(self.epochs[0])
        self._set_range(self.grad_widget, (first, first + nice_ceil(max(float(self.epochs[-1]) - first, 10.0))),
                        stepped_range((float(positive.min()), float(positive.max())) if positive.size else None,
                                      log=True, empty=(-3.0, 0.0)))

    def _show_fractions(self, diag) -> None:
        n = len(diag.layers)
        x = np.arange(1, n + 1, dtype=float)
        self.saturated = np.array([np.nan if s.saturated is None else s.saturated for s in diag.layers])
        self.dead = np.array([np.nan if s.dead is None else s.dead for s in diag.layers])
        self._sat_bars.setOpts(x=x - 0.18, height=np.nan_to_num(self.saturated))
        self._dead_bars.setOpts(x=x + 0.18, height=np.nan_to_num(self.dead))
        self._set_range(self.frac_widget, (0.5, n + 0.5), (0.0, 1.0))
        parts = []
        for s in diag.layers:
            if s.saturated is not None:
                parts.append(f"{s.index + 1}: {100 * s.saturated:.0f}% saturated")
            elif s.dead is not None:
                parts.append(f"{s.index + 1}: {100 * s.dead:.0f}% dead")
        if parts:
            self._set_note("Layer " + "; ".join(parts) + f" (on {diag.n_points} training points).")
