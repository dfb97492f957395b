"""Training, validation and test error per point against epochs, live.

A long run (10^6 epochs) must not slow the frame down: the curves are decimated
here, not in pyqtgraph. Each curve keeps a min/max summary per block of epochs
that grows incrementally as the history grows (only new epochs are summarised per
frame), and the plot receives about two points per pixel of the visible epoch
range ("peak" downsampling: spikes survive). When the person zooms in, only the
visible epochs are taken (clip to view), at full resolution once few enough.

The axes follow the data in steps (1, 1.2, 1.5, 2, ... x 10^k; whole decades on
the log scale) instead of creeping every frame: a calm picture, and pyqtgraph
then has no axis to re-layout on most frames. Zooming or panning with the mouse
stops the following; "View All" in the context menu or a double-click resumes it.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore
from PySide6.QtCore import QEvent, QPointF, Qt, Signal, Slot
from PySide6.QtWidgets import QSizePolicy, QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from ..theme import CURVE_COLORS, CURVE_LABELS, current_theme
from . import export
from .common import EventWatcher, ReadoutLine
from .network_diagram import PathLayers
from .common import nice_ceil, stepped_range

SHORT_LABELS = {"train": "train", "val": "val", "test": "test"}  # the readout line is narrow; the legend spells them out

SETS = ("train", "val", "test")
_FIELDS = {"train": "train_error", "val": "val_error", "test": "test_error"}


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)  # equal, or both NaN


def _search(x: np.ndarray, value: float, side: str = "left") -> int:
    """np.searchsorted without converting an integer epoch array to float (slow for 10^6)."""
    if np.issubdtype(x.dtype, np.integer):
        if side == "left":
            value = math.ceil(value)  # first x >= value
        else:
            value = math.floor(value)  # first x > value
        info = np.iinfo(x.dtype)
        value = x.dtype.type(min(max(value, info.min), info.max))
    return int(np.searchsorted(x, value, side=side))


def _decade_label(log_value: float) -> str:
    """Tick label for 10**log_value: 0.001 ... 1000 written out, else 1e-05."""
    value = 10.0 ** log_value
    if 1e-3 <= value < 1e4:
        return f"{value:.3f}".rstrip("0").rstrip(".") if value < 1 else f"{value:.0f}"
    return f"{value:.0e}"


def _fmt(value: float, digits: int = 4) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:.{digits}g}"


class _PeakCache:
    """Per-block min and max of a growing series, extended incrementally.

    Only complete blocks before the last sample are summarised (the trainer may
    rewrite the newest entry). A shorter series or a changed first/last summarised
    value means a new history: the summary starts again.
    """

    MAX_BLOCKS = 8192

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.block = 16
        self.n = 0  # raw samples summarised (a multiple of block)
        self.nblocks = 0
        self._min = np.empty(256)
        self._max = np.empty(256)
        self._first = math.nan
        self._last = math.nan
        self._any_finite = False

    @property
    def mins(self) -> np.ndarray:
        return self._min[: self.nblocks]

    @property
    def maxs(self) -> np.ndarray:
        return self._max[: self.nblocks]

    def update(self, y: np.ndarray) -> None:
        m = y.shape[0]
        if self.n and (m <= self.n or not _same(y[0], self._first) or not _same(y[self.n - 1], self._last)):
            self.reset()
        while True:
            complete = ((m - 1) // self.block) * self.block if m else 0
            if complete > self.n:
                chunk = y[self.n : complete].reshape(-1, self.block)
                lo = np.fmin.reduce(chunk, axis=1)
                hi = np.fmax.reduce(chunk, axis=1)
                self._append(lo, hi)
                self.n = complete
                if not self._any_finite:
                    self._any_finite = bool(np.isfinite(hi).any())
            if self.nblocks <= self.MAX_BLOCKS:
                break
            keep = (self.nblocks // 2) * 2  # merge pairs: twice the block size
            lo = np.fmin(self._min[0:keep:2], self._min[1:keep:2])
            hi = np.fmax(self._max[0:keep:2], self._max[1:keep:2])
            self.nblocks = 0
            self.block *= 2
            self._append(lo, hi)
            self.n = self.nblocks * self.block
        self._first = y[0] if m else math.nan
        self._last = y[self.n - 1] if self.n else math.nan

    def _append(self, lo: np.ndarray, hi: np.ndarray) -> None:
        need = self.nblocks + lo.size
        if need > self._min.size:
            size = max(need, 2 * self._min.size)
            for name in ("_min", "_max"):
                grown = np.empty(size)
                grown[: self.nblocks] = getattr(self, name)[: self.nblocks]
                setattr(self, name, grown)
        self._min[self.nblocks : need] = lo
        self._max[self.nblocks : need] = hi
        self.nblocks = need

    def any_finite(self, y: np.ndarray) -> bool:
        return self._any_finite or bool(np.isfinite(y[self.n :]).any())

    def display(self, x: np.ndarray, y: np.ndarray, i0: int, i1: int, target: int):
        """(x, y) to draw for samples [i0, i1): raw when few, else min/max per bucket."""
        m = i1 - i0
        if m <= 2 * target:
            return x[i0:i1], y[i0:i1]
        k = -(-m // target)  # samples per bucket
        parts = []
        start = i0
        if k >= self.block and self.nblocks:
            g = k // self.block
            j0 = i0 // self.block
            j_end = min(self.nblocks, -(-i1 // self.block))
            ng = (j_end - j0) // g
            if ng > 0:
                lo = np.fmin.reduce(self.mins[j0 : j0 + ng * g].reshape(ng, g), axis=1)
                hi = np.fmax.reduce(self.maxs[j0 : j0 + ng * g].reshape(ng, g), axis=1)
                xs = x[(j0 + np.arange(ng) * g) * self.block]
                parts.append((xs, lo, hi))
                start = (j0 + ng * g) * self.block
                k = g * self.block
        rest = i1 - start
        nfull = rest // k
        if nfull:
            chunk = y[start : start + nfull * k].reshape(nfull, k)
            parts.append((x[start : start + nfull * k : k], np.fmin.reduce(chunk, axis=1),
                          np.fmax.reduce(chunk, axis=1)))
        tail = start + nfull * k
        xs = np.concatenate([np.repeat(p[0], 2) for p in parts] + [x[tail:i1]])
        ys = np.concatenate([np.column_stack((p[2], p[1])).ravel() for p in parts] + [y[tail:i1]])
        return xs.astype(float, copy=False), ys



class LossCurve(PathLayers):
    """One error curve, drawn as a single-layer PathLayers rather than a PlotDataItem: the
    path is mapped to pixels once per view change and its bounds are cached, where three
    PlotDataItems cost about 1 ms a frame in setData and bounding-rect bookkeeping (with the
    GIL held). Speaks as much of PlotDataItem as the legend and the PlotItem's log mode use."""

    def __init__(self, pen, name: str = ""):
        super().__init__([(pen, None)])
        self._name = name
        self._source: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))
        self.antialias = False
        self.opts = {"pen": pen, "symbol": None, "fillLevel": None, "antialias": False, "logMode": [False, False]}
        self.xData: np.ndarray | None = None  # what was given (errors, not their logarithms)
        self.yData: np.ndarray | None = None

    def set_data(self, xs, ys) -> None:
        self.xData, self.yData = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        self._draw()

    def setLogMode(self, x_log: bool, y_log: bool) -> None:  # noqa: N802 (called by PlotItem)
        self.opts["logMode"] = [bool(x_log), bool(y_log)]
        self._draw()

    def getOriginalDataset(self):  # noqa: N802 (PlotDataItem's name, used by the tests)
        return self.xData, self.yData

    # What pyqtgraph's CSV export reads (playground.gui.plots.export).
    def implements(self, interface=None):
        return interface == "plotData"

    def name(self) -> str:
        return self._name

    def set_source(self, xs, ys) -> None:
        """The whole series (the drawing may be decimated): what a CSV export writes."""
        self._source = (xs, ys)

    def export_data(self) -> tuple[np.ndarray, np.ndarray]:
        return self._source

    def _draw(self) -> None:
        if self.xData is None:
            return
        ys = self.yData
        if self.opts["logMode"][1]:  # the view is in log10 units; errors <= 0 (and NaN) are left out
            positive = ys > 0
            ys = np.where(positive, np.log10(np.where(positive, ys, 1.0)), np.nan)
        self.set_layer(0, self.xData, ys, connect="finite")


def _epoch_text(epoch) -> str:
    """'epoch 84,638', grouped like the status bar's count."""
    epoch = float(epoch)
    return f"epoch {int(epoch):,}" if epoch.is_integer() else f"epoch {epoch:g}"


class LossPlot(QWidget):
    """Error per point of the training, validation and test sets against epochs.

    ``render(history, best_epoch)`` draws a ``History`` (NaN where a set is absent);
    a set whose curve is all NaN is hidden and left out of the legend. A "log
    scale" checkbox (also pyqtgraph's context menu) switches the error axis to
    log10; values <= 0 are then left out as gaps. Hovering shows the epoch under
    the mouse and the three errors there, in the line above the plot.
    """

    sigLogYChanged = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._theme = current_theme()
        self._build_readout()
        self._build_plot()
        self._add_items()
        self._lay_out()
        self._reset_state()
        self._connect()
        self.set_theme(self._theme)
        self._follow_range()
        self._update_readout()

    # ------------------------------------------------------------------ construction, step by step
    def _build_readout(self) -> None:
        """The line above the plot (latest or hovered errors) and the log-scale switch."""
        self.readout = ReadoutLine(self)
        self.log_check = QCheckBox("log scale", self)
        self.log_check.setToolTip("Show the error on a logarithmic axis (errors <= 0 are left out)")
        # A fixed height: the readout's text changes every frame, the layout must not.
        self.readout.setFixedHeight(max(self.log_check.sizeHint().height(),
                                        int(self.readout.fontMetrics().height() * 1.5)))

    def _build_plot(self) -> None:
        """The plot, its plain-number axes and the legend in the title's row."""
        self.plot_widget = pg.PlotWidget(parent=self)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.view_box: pg.ViewBox = self.plot_item.getViewBox()
        pi = self.plot_item
        pi.setLabel("bottom", "epoch")
        pi.setLabel("left", "error per point")
        for side in ("left", "bottom"):  # "700 (x0.001)" would puzzle a student: plain numbers
            pi.getAxis(side).enableAutoSIPrefix(False)
        pi.showGrid(x=False, y=False)  # pyqtgraph's grid repaints with every curve: own lines below
        pi.setClipToView(False)  # decimation and clipping happen here (module docstring)
        pi.setDownsampling(auto=False)
        pi.hideButtons()
        # The legend sits in one row above the data area (the title's row), never over the
        # curves, whose newest part is at the right edge where a corner legend would be.
        self.legend = pg.LegendItem(labelTextSize="10pt", colCount=len(SETS))
        self.legend.layout.setContentsMargins(0, 0, 4, 0)
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        pi.layout.removeItem(pi.titleLabel)  # the plot has no title; its row holds the legend
        pi.titleLabel.setVisible(False)
        pi.layout.addItem(self.legend, 0, 1, QtCore.Qt.AlignmentFlag.AlignRight)
        export.install()

    def _add_items(self) -> None:
        """Grid lines, one curve per set, the early-stopping line, the hover cursor and dots."""
        pi = self.plot_item
        self._grid = pg.PlotCurveItem(connect="pairs")
        self._grid.csv_export = False  # lines across the plot, not data
        self._grid.setZValue(-10)
        pi.addItem(self._grid, ignoreBounds=True)

        self._curves: dict[str, LossCurve] = {}
        for name in SETS:
            curve = LossCurve(pg.mkPen(CURVE_COLORS[name], width=1), CURVE_LABELS[name])
            curve.setZValue({"train": 3, "val": 2, "test": 1}[name])
            curve.setVisible(False)
            pi.addItem(curve)
            self._curves[name] = curve
        self._in_legend: set[str] = set()

        self._best_line = pg.InfiniteLine(
            angle=90, movable=False, label="best",
            labelOpts={"position": 0.92, "color": self._theme.foreground, "anchors": [(0, 0.5), (0, 0.5)]},
        )
        self._best_line.setZValue(5)
        self._best_line.setVisible(False)
        pi.addItem(self._best_line, ignoreBounds=True)

        self._cursor = pg.InfiniteLine(angle=90, movable=False)
        self._cursor.setVisible(False)
        pi.addItem(self._cursor, ignoreBounds=True)
        self._dots = pg.PlotDataItem(pen=None, symbol="o", symbolSize=7)
        self._dots.csv_export = False  # the hover marks
        self._dots.setZValue(10)
        self._dots.setVisible(False)
        pi.addItem(self._dots, ignoreBounds=True)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 6, 0)
        top.addWidget(self.readout, 1)
        top.addWidget(self.log_check, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.plot_widget, 1)

    def _reset_state(self) -> None:
        """No curves yet; the axes follow the data."""
        self._caches = {name: _PeakCache() for name in SETS}
        self._data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._epochs = np.zeros(0)
        self._history = None
        self._best_epoch: float | None = None
        self._hover_epoch: float | None = None
        self._draw_key = None
        self._has_nonpositive = False
        self._readout_plain = ""
        self._follow = True  # the axes follow the data (until the person zooms or pans)
        self._range_key = None
        self.view_box.disableAutoRange()

    def _connect(self) -> None:
        """The log switches, the hover and the zoom of the view box."""
        self.log_check.toggled.connect(self._on_log_check)
        self.plot_item.ctrl.logYCheck.toggled.connect(self._on_ctrl_log)
        self.plot_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._leave_filter = EventWatcher(self.plot_widget.viewport(), QEvent.Type.Leave, self._end_hover, self)
        self.view_box.sigXRangeChanged.connect(self._on_view_changed)
        self.view_box.sigYRangeChanged.connect(self._update_grid)
        self.view_box.sigResized.connect(self._on_view_changed)
        self.view_box.sigRangeChangedManually.connect(self._on_manual_range)
        self.view_box.menu.viewAll.triggered.connect(self.follow_data)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def set_theme(self, theme) -> None:
        """Re-colour for a theme (playground.gui.theme.LIGHT / DARK); the curves keep
        their set colours."""
        self._theme = theme
        fg = pg.mkColor(theme.foreground)
        self.plot_widget.setBackground(theme.background)
        pi = self.plot_item
        for side in ("left", "bottom"):
            axis = pi.getAxis(side)
            axis.setPen(pg.mkPen(fg))
            axis.setTextPen(pg.mkPen(fg))
            axis.setLabel(axis.labelText, color=theme.foreground)
        legend_fill = pg.mkColor(theme.background)
        legend_fill.setAlpha(200)
        self.legend.setBrush(pg.mkBrush(legend_fill))
        self.legend.setLabelTextColor(fg)
        for _, label in self.legend.items:  # existing labels keep their old colour until re-set
            label.setText(label.text, color=fg)
        self._grid.setPen(pg.mkPen(theme.faint(theme.grid_alpha), width=1))
        self._best_line.setPen(pg.mkPen(theme.faint(150 / 255), width=1, style=Qt.PenStyle.DashLine))
        self._best_line.label.setColor(fg)
        self._cursor.setPen(pg.mkPen(theme.faint(90 / 255), width=1, style=Qt.PenStyle.DotLine))

    # ------------------------------------------------------------------ data
    # ------------------------------------------------------------------ the live-view protocol (gui/views.py)
    analysis = None  # draws no background analysis

    def render_frame(self, frame) -> None:
        """Draw the curves of a frame's snapshot."""
        snap = frame.snapshot
        self.render(snap.history, snap.best_epoch)

    def show_network(self, net, input_names=None) -> None:
        """A new network has no curves yet."""
        self.clear()

    def render(self, history, best_epoch=None) -> None:
        """Draw a History (epochs, train_error, val_error, test_error); optionally mark
        the early-stopping epoch ``best_epoch``."""
        if history is self._history and best_epoch == self._best_epoch:
            return
        self._history = history
        x = np.asarray(history.epochs)
        n = x.shape[0]
        self._epochs = x
        self._has_nonpositive = False
        for name in SETS:
            y = np.asarray(getattr(history, _FIELDS[name]), dtype=float)
            if y.shape[0] != n:
                raise ValueError(f"history.{_FIELDS[name]} has {y.shape[0]} entries for {n} epochs")
            self._data[name] = (x, y)
            self._curves[name].set_source(x, y)
            cache = self._caches[name]
            cache.update(y)
            shown = n > 0 and cache.any_finite(y)
            self._show_curve(name, shown)
        self._draw_key = None
        self._draw()
        self._follow_range()
        self._set_best(best_epoch)
        if self._hover_epoch is not None:
            self._show_hover(self._hover_epoch)
        else:
            self._update_readout()

    def clear(self) -> None:
        """Forget the curves (a new experiment starts)."""
        self._history = None
        self._data.clear()
        self._epochs = np.zeros(0)
        for name in SETS:
            self._caches[name].reset()
            self._curves[name].set_data([], [])
            self._curves[name].set_source(np.zeros(0), np.zeros(0))
            self._show_curve(name, False)
        self._set_best(None)
        self._end_hover()
        self._draw_key = None
        self.follow_data()

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, errors) of the set ``name`` ("train", "val", "test") as last rendered."""
        if name not in SETS:
            raise ValueError(f"unknown curve {name!r}; choose one of {SETS}")
        if name not in self._data:
            return np.zeros(0), np.zeros(0)
        return self._data[name]

    def curve_visible(self, name: str) -> bool:
        """Whether the set's curve is shown (a set that is all NaN is not)."""
        return self._curves[name].isVisible()

    def curve_item(self, name: str) -> LossCurve:
        """The graphics item of a set's curve (it holds the decimated, drawn points)."""
        return self._curves[name]

    def legend_labels(self) -> list[str]:
        """The legend's entries, in order."""
        return [label.text for _, label in self.legend.items]

    def best_marker_epoch(self) -> float | None:
        """Where the "best" (early stopping) marker stands, or None when hidden."""
        return float(self._best_line.value()) if self._best_line.isVisible() else None

    def _show_curve(self, name: str, shown: bool) -> None:
        curve = self._curves[name]
        curve.setVisible(shown)
        if shown and name not in self._in_legend:
            self.legend.addItem(curve, CURVE_LABELS[name])
            self._in_legend.add(name)
            self._sort_legend()
        elif not shown and name in self._in_legend:
            self.legend.removeItem(curve)
            self._in_legend.discard(name)

    def _sort_legend(self) -> None:
        present = [n for n in SETS if n in self._in_legend]
        labels = [label.text for _, label in self.legend.items]
        wanted = [CURVE_LABELS[n] for n in present]
        if labels != wanted:
            for n in present:
                self.legend.removeItem(self._curves[n])
            for n in present:
                self.legend.addItem(self._curves[n], CURVE_LABELS[n])

    def _set_best(self, best_epoch) -> None:
        self._best_epoch = best_epoch
        if best_epoch is None or not math.isfinite(float(best_epoch)):
            self._best_line.setVisible(False)
            return
        self._best_line.setValue(float(best_epoch))
        self._best_line.setVisible(True)

    def _visible_range(self, n: int) -> tuple[int, int]:
        if n == 0 or self._following():
            return 0, n
        lo, hi = self.view_box.viewRange()[0]
        x = self._epochs
        i0 = max(_search(x, lo, "left") - 1, 0)
        i1 = min(_search(x, hi, "right") + 1, n)
        return i0, max(i1, i0)

    def _draw(self) -> None:
        n = self._epochs.shape[0]
        i0, i1 = self._visible_range(n)
        target = max(int(self.view_box.width()), 400)
        key = (id(self._history), i0, i1, target)
        if key == self._draw_key:
            return
        self._draw_key = key
        for name in SETS:
            curve = self._curves[name]
            if not curve.isVisible() or name not in self._data:
                continue
            x, y = self._data[name]
            xs, ys = self._caches[name].display(x, y, i0, i1, target)
            curve.set_data(xs, ys)
            if not self._has_nonpositive and self.log_y():
                self._has_nonpositive = bool(np.any(ys <= 0))

    # ------------------------------------------------------------------ view range
    def follow_data(self) -> None:
        """Let the axes follow the curves again (after the person zoomed or panned)."""
        self._follow = True
        self._range_key = None
        self._draw_key = None
        if self._history is not None:
            self._draw()
        self._follow_range()

    def _following(self) -> bool:
        vb = self.view_box
        if any(vb.autoRangeEnabled()):  # pyqtgraph's own "auto" (context menu): ours instead
            vb.disableAutoRange()
            self._follow = True
        return self._follow

    @Slot(object)
    def _on_manual_range(self, *args) -> None:
        self._follow = False

    def _data_extent(self) -> tuple[float, float] | None:
        """(min, max) over the visible curves' drawn points, in view coordinates."""
        lo, hi = math.inf, -math.inf
        log = self.log_y()
        for name in SETS:
            curve = self._curves[name]
            if not curve.isVisible() or curve.yData is None or not len(curve.yData):
                continue
            ys = curve.yData
            if log:
                ys = ys[ys > 0]
            else:
                ys = ys[np.isfinite(ys)]
            if ys.size:
                lo, hi = min(lo, float(ys.min())), max(hi, float(ys.max()))
        return (lo, hi) if lo <= hi else None

    def _follow_range(self) -> None:
        if not self._following():
            return
        x = self._epochs
        x0 = float(x[0]) if x.size else 0.0
        span = float(x[-1]) - x0 if x.size else 0.0
        x1 = x0 + nice_ceil(max(span, 10.0))
        log = self.log_y()
        y0, y1 = stepped_range(self._data_extent(), log, empty=(-3.0, 0.0) if log else (0.0, 1.0))
        key = (x0, x1, y0, y1)
        if key == self._range_key:
            return
        self._range_key = key
        pad_x = 0.01 * (x1 - x0)
        pad_y = 0.02 * (y1 - y0)
        self.view_box.setRange(xRange=(x0 - pad_x, x1 + pad_x), yRange=(y0 - pad_y, y1 + pad_y), padding=0.0)

    @Slot()
    def _update_grid(self, *args) -> None:
        """Faint horizontal lines at the major ticks; on the log scale, ticks at whole
        decades (and at 2 and 5 when few decades show) instead of pyqtgraph's crowded ones."""
        vb = self.view_box
        (x0, x1), (y0, y1) = vb.viewRange()
        axis = self.plot_item.getAxis("left")
        if self.log_y():
            lo, hi = math.ceil(y0 - 1e-9), math.floor(y1 + 1e-9)
            decades = list(range(lo, hi + 1)) if hi - lo < 60 else []
            minor = []
            if len(decades) <= 3:
                minor = [k + math.log10(m) for k in range(lo - 1, hi + 1) for m in (2, 5)
                         if y0 <= k + math.log10(m) <= y1]
            axis.setTicks([[(k, _decade_label(k)) for k in decades],
                           [(v, _decade_label(v)) for v in minor]])
            major = np.asarray(decades, dtype=float)
        else:
            axis.setTicks(None)
            height = max(vb.height(), 1.0)
            ticks = axis.tickValues(y0, y1, height)
            major = np.asarray(ticks[0][1], dtype=float) if ticks else np.zeros(0)
        xs = np.tile([-1e12, 1e12], major.size)
        ys = np.repeat(major, 2)
        self._grid.setData(xs, ys, connect="pairs")

    @Slot()
    def _on_view_changed(self, *args) -> None:
        if self._history is not None:
            self._draw()
        self._update_grid()

    # ------------------------------------------------------------------ log axis
    def set_log_y(self, on: bool) -> None:
        """Logarithmic error axis on or off (same as the checkbox)."""
        self.log_check.setChecked(bool(on))

    def log_y(self) -> bool:
        return self.log_check.isChecked()

    @Slot(bool)
    def _on_log_check(self, on: bool) -> None:
        if self.plot_item.ctrl.logYCheck.isChecked() != on:
            self.plot_item.setLogMode(False, on)  # enables pyqtgraph's auto range: ours instead
        self._has_nonpositive = False
        self.follow_data()
        if self._hover_epoch is not None:
            self._show_hover(self._hover_epoch)
        else:
            self._update_readout()
        self.sigLogYChanged.emit(on)

    @Slot(bool)
    def _on_ctrl_log(self, on: bool) -> None:
        if self.log_check.isChecked() != on:
            self.log_check.setChecked(on)

    # ------------------------------------------------------------------ hover
    def _nearest_index(self, epoch: float) -> int | None:
        x = self._epochs
        n = x.shape[0]
        if n == 0 or not math.isfinite(epoch):
            return None
        i = _search(x, epoch)
        if i >= n:
            return n - 1
        if i > 0 and epoch - x[i - 1] <= x[i] - epoch:
            return i - 1
        return i

    def _values_at(self, i: int) -> list[tuple[str, float]]:
        return [(name, float(self._data[name][1][i])) for name in SETS
                if name in self._data and self._curves[name].isVisible()]

    def hover_text_at(self, epoch: float) -> str:
        """What hovering over ``epoch`` shows: the nearest epoch and the errors there."""
        i = self._nearest_index(float(epoch))
        if i is None:
            return ""
        parts = [_epoch_text(self._epochs[i])]
        parts += [f"{CURVE_LABELS[name]} {_fmt(value)}" for name, value in self._values_at(i)]
        return "   ".join(parts)

    def hover_text(self) -> str:
        """The readout line above the plot as plain text (hover or latest values)."""
        return self._readout_plain

    def _readout_runs(self, i: int, prefix: str, compact: int = 0) -> list:
        """The readout's runs; shorter for a narrow dock: ``compact`` 1 three digits and narrow
        gaps, 2 the curves' colours without their names too (the legend names them)."""
        runs = [(prefix, None, "bold")]
        gap, digits = (" \u25a0", 3) if compact else ("   \u25a0", 4)
        for name, value in self._values_at(i):
            label = "" if compact >= 2 else f" {SHORT_LABELS[name]}"
            runs += [(gap, CURVE_COLORS[name], ""), (f"{label} {_fmt(value, digits)}", None, "")]
        return runs

    def _set_readout(self, i: int, prefix: str, extra=()) -> None:
        self.readout.set_runs(*(self._readout_runs(i, prefix, compact) + list(extra) for compact in (0, 1, 2)))

    def _update_readout(self) -> None:
        n = self._epochs.shape[0]
        if n == 0:
            self._readout_plain = "no training yet"
            self.readout.set_runs([("no training yet", "gray", "")])
            return
        self._readout_plain = self.hover_text_at(self._epochs[-1])
        epoch = self._epochs[-1]
        extra = []
        if self.log_y() and self._has_nonpositive:
            extra.append(("   (errors \u2264 0 not shown on a log scale)", None, "italic"))
        self._set_readout(n - 1, _epoch_text(epoch), extra)

    def _show_hover(self, epoch: float) -> None:
        i = self._nearest_index(epoch)
        if i is None:
            self._end_hover()
            return
        self._hover_epoch = epoch
        x = float(self._epochs[i])
        self._cursor.setValue(x)
        self._cursor.setVisible(True)
        vals = [(n, v) for n, v in self._values_at(i) if math.isfinite(v) and (v > 0 or not self.log_y())]
        if vals:
            self._dots.setData([x] * len(vals), [v for _, v in vals],
                               symbolBrush=[pg.mkBrush(CURVE_COLORS[n]) for n, _ in vals],
                               symbolPen=pg.mkPen(self._theme.background, width=1))
            self._dots.setVisible(True)
        else:
            self._dots.setVisible(False)
        label = _epoch_text(x)
        self._readout_plain = self.hover_text_at(x)
        self._set_readout(i, label)

    def _end_hover(self) -> None:
        self._hover_epoch = None
        self._cursor.setVisible(False)
        self._dots.setVisible(False)
        self._update_readout()

    @Slot(object)
    def _on_mouse_clicked(self, ev) -> None:
        if ev.double() and self.view_box.sceneBoundingRect().contains(ev.scenePos()):
            self.follow_data()

    @Slot(object)
    def _on_mouse_moved(self, scene_pos) -> None:
        vb = self.view_box
        if not vb.sceneBoundingRect().contains(scene_pos) or self._epochs.shape[0] == 0:
            if self._hover_epoch is not None:
                self._end_hover()
            return
        p = vb.mapSceneToView(QPointF(scene_pos))
        self._show_hover(p.x())
