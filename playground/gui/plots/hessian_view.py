"""The Hessian lab's dock: spectrum, matrix, approximations and error surface of one report.

The view never computes a Hessian: a background worker (gui/worker.py) calls
``playground.core.hessian_lab.compute_report`` every few steps (or on "Recompute
now") and the GUI hands the newest :class:`HessianReport` to :meth:`HessianView.show_report`;
a report with nothing to show is drawn as its ``reason``. What to compute is chosen
here and announced with ``sigRequestChanged(HessianRequest)``. A long report shows
its progress (after PROGRESS_DELAY, as pyqtgraph's ProgressDialog) with a Cancel
button (``sigCancel``).

Tabs
----
- Spectrum: the eigenvalues, ascending, on a symmetric log scale
  y = sign(l) log10(1 + |l| / c), so that the few large eigenvalues and the many
  small ones are both visible and negative curvature (orange) stands out. For a
  network too big for the dense matrix, the estimated spectral density instead,
  with the computed extreme eigenvalues marked on it.
- Matrix: H as a heat map (blue > 0, orange < 0, white = 0), rows and columns
  grouped by layer (W1, b1, W2, ...); hovering names the two weights of an entry.
- Compare: errors of the diagonal, outer-product and finite-difference
  approximations against the exact H, and the exact H beside one of them.
- Surface: E along two directions through the current weights, with the
  quadratic model of PRML (5.28) as orange contours over it, at the same levels.

All errors are sums over the training points (E, not E/N), as in PRML; the labels say so.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel, QProgressBar,
    QPushButton, QSizePolicy, QSpinBox, QStackedWidget, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
    QWidget,
)

from ...core.hessian_lab import COMPARISON_NAMES, HessianReport, HessianRequest, parameter_name
from ..contours import contour_segments
from .common import EventWatcher
from ..theme import NEGATIVE_COLOR, POSITIVE_COLOR, blend, current_theme

NO_REPORT_YET = "Press Play or \u201cRecompute\u201d to compute the Hessian."
MATRIX_CHOICES = (("exact", "exact Hessian"), ("outer_product", "outer product"))
DIRECTION_CHOICES = (("top2", "two largest \u03bb"), ("extremes", "\u03bb max & min"), ("random", "random"))
QUADRATIC_COLOR = "#D55E00"  # Okabe-Ito vermillion: the model, distinct from both sign colours
SURFACE_HIGH_COLOR = "#5A6F8C"  # slate blue-grey: high error; low error fades to the background
N_SURFACE_LEVELS = 8
SYMLOG_DECADES = 4  # the symmetric log scale is logarithmic over ~4 decades below the largest |lambda|
LUT_SIZE = 256
DEFAULT_INTERVAL = 500  # steps between Hessians (the worker makes at most two a second while training)
PROGRESS_DELAY = 0.25  # seconds a report runs before its progress shows (pyqtgraph's ProgressDialog waits 250 ms)


# ---------------------------------------------------------------------------- helpers
def symlog(values, c: float) -> np.ndarray:
    """sign(v) log10(1 + |v| / c): logarithmic for |v| >> c, linear (slope 1/(c ln 10)) near 0."""
    v = np.asarray(values, dtype=float)
    return np.sign(v) * np.log10(1.0 + np.abs(v) / c)


def symlog_constant(values) -> float:
    """The c of :func:`symlog` for a spectrum: a power of ten ~SYMLOG_DECADES decades below max |lambda|.

    A power of ten keeps the tick labels round; values much smaller than c all sit near 0,
    which is how small they are next to the largest curvature.
    """
    v = np.asarray(values, dtype=float)
    top = float(np.abs(v[np.isfinite(v)]).max()) if v.size and np.isfinite(v).any() else 0.0
    if top <= 0.0:
        return 1.0
    return 10.0 ** (math.floor(math.log10(top)) - SYMLOG_DECADES)


def format_number(value: float, digits: int = 3) -> str:
    """Readable for a class: 0.00123, 42.1, 1.2e5 (no 'e+05'), ∞."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    if math.isinf(value):
        return "\u221e" if value > 0 else "\u2212\u221e"
    if value == 0:
        return "0"
    if 10 ** digits <= abs(value) < 1e5:
        text = f"{value:,.0f}"  # 11,462 rather than 1.15e+04
    elif 1e-3 <= abs(value) < 1e5:
        text = f"{value:.{digits}g}"
    else:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "\u2212")


def format_seconds(seconds: float) -> str:
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def _symlog_ticks(c: float, top: float, bottom: float) -> list[tuple[float, str]]:
    """Ticks at 0 and at +-c 10^k inside [bottom, top], labelled with the true values.

    At most ~5 decades are labelled on the longer side (a dock is small), the largest
    first: the axis drops labels that would overlap, so the most telling ones stay.
    """
    extents = {1.0: max(top, 0.0), -1.0: max(-bottom, 0.0)}
    k_max = {sign: math.floor(math.log10(e / c)) if e >= c else -1 for sign, e in extents.items()}
    step = max(1, math.ceil((max(k_max.values()) + 1) / 5))
    ticks = [(0.0, "0")]
    for sign in (1.0, -1.0):
        for k in range(k_max[sign], -1, -step):
            value = sign * c * 10.0 ** k
            ticks.append((float(symlog(value, c)), format_number(value, 2)))
    return ticks


def _blend(a: str, b: str, t: float) -> tuple[int, int, int]:
    return blend(a, b, t).getRgb()[:3]


def diverging_lut(theme) -> np.ndarray:
    """(256, 3) uint8: orange (negative) -> background (0) -> blue (positive)."""
    t = np.linspace(-1.0, 1.0, LUT_SIZE)
    neg = np.array(_blend(theme.background, NEGATIVE_COLOR, 1.0), dtype=float)
    pos = np.array(_blend(theme.background, POSITIVE_COLOR, 1.0), dtype=float)
    bg = np.array(_blend(theme.background, theme.background, 0.0), dtype=float)
    w = np.abs(t)[:, None]
    lut = np.where(t[:, None] < 0, (1 - w) * bg + w * neg, (1 - w) * bg + w * pos)
    return np.clip(np.round(lut), 0, 255).astype(np.uint8)


def sequential_lut(theme) -> np.ndarray:
    """(256, 3) uint8 from (almost) the background (low error) to slate (high error)."""
    low = np.array(_blend(theme.background, SURFACE_HIGH_COLOR, 0.06), dtype=float)
    high = np.array(_blend(theme.background, SURFACE_HIGH_COLOR, 0.85), dtype=float)
    t = np.linspace(0.0, 1.0, LUT_SIZE)[:, None] ** 0.8
    return np.clip(np.round((1 - t) * low + t * high), 0, 255).astype(np.uint8)


def block_boundaries(blocks) -> tuple[list[int], list[int]]:
    """Interior boundaries of ``report.blocks``: (between layers, between a layer's W and b)."""
    layers, inner = [], []
    n = blocks[-1][1] if blocks else 0
    for start, stop, label in blocks:
        if 0 < stop < n:
            (inner if label[0] == "W" else layers).append(stop)
    return layers, inner


class _TidyAxis(pg.AxisItem):
    """An axis that drops a tick label rather than letting it overlap an earlier one.

    The matrix's block labels: weight blocks are tick level 0 and bias blocks level 1,
    so when "W3" and "b3" collide, "W3" stays (zooming in brings "b3" back). The
    spectrum's labels: 0 and the largest values come first and stay.
    """

    def generateDrawSpecs(self, p):  # noqa: N802 (Qt/pyqtgraph name)
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis_spec, tick_specs, text_specs = specs
        kept = []
        for spec in text_specs:
            rect = spec[0].adjusted(-3, -1, 3, 1)
            if not any(rect.intersects(other[0]) for other in kept):
                kept.append(spec)
        return axis_spec, tick_specs, kept



def _placeholder(parent) -> QLabel:
    label = QLabel(parent)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setMargin(12)
    label.setStyleSheet("color: gray")
    return label


def _plain_plot(parent, **axes) -> tuple[pg.PlotWidget, pg.PlotItem]:
    widget = pg.PlotWidget(parent=parent, axisItems=axes or None)
    item = widget.getPlotItem()
    item.hideButtons()
    item.setMenuEnabled(False)
    for side in ("left", "bottom"):
        item.getAxis(side).enableAutoSIPrefix(False)
    return widget, item


def _row(*widgets, stretch_after=True) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(4, 2, 4, 2)
    row.setSpacing(4)
    for w in widgets:
        row.addWidget(w)
    if stretch_after:
        row.addStretch(1)
    return row


# ---------------------------------------------------------------------------- the view
class HessianView(QWidget):
    """Draws :class:`HessianReport` s; the controls choose what the next report contains.

    ``sigRequestChanged(HessianRequest)`` is emitted whenever the person changes a
    control (matrix, recompute interval, compare, surface and its options); the
    interval is not part of the request: read it with :meth:`interval`.
    ``sigRecomputeNow()`` asks for a report of the current weights now.
    """

    sigRequestChanged = Signal(object)
    sigRecomputeNow = Signal()
    sigCancel = Signal()  # cancel the report in progress

    def __init__(self, parent=None):
        super().__init__(parent)
        self._theme = current_theme()
        self._report: HessianReport | None = None
        self._base_request = HessianRequest()  # fields without a control (dense_limit, ...)
        self._c = 1.0
        self._matrix_half = 1.0
        self._surface_levels = np.zeros(0)
        self._matrix_hover = ""

        # ---------------------------------------------------------- controls above the tabs
        self.matrix_combo = QComboBox(self)
        for key, text in MATRIX_CHOICES:
            self.matrix_combo.addItem(text, key)
        self.matrix_combo.setToolTip("Which matrix to show: the exact Hessian (PRML 5.4.5) or its "
                                     "outer-product (Gauss\u2013Newton) approximation (5.84\u20135.85)")
        self.interval_spin = QSpinBox(self)
        self.interval_spin.setRange(1, 100_000)
        self.interval_spin.setValue(DEFAULT_INTERVAL)
        self.interval_spin.setPrefix("every ")
        self.interval_spin.setSuffix(" steps")
        self.interval_spin.setToolTip(
            "While training, recompute the Hessian every this many steps (at most twice a second)")
        # room for "every 100000 steps" is wasted on 100: let the box shrink in a narrow dock
        self.interval_spin.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.recompute_button = QPushButton("Recompute", self)
        self.recompute_button.setToolTip("Recompute now: the Hessian of the current weights")

        self._build_progress_row()

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._build_spectrum_tab(), "Spectrum")
        self.tabs.addTab(self._build_matrix_tab(), "Matrix")
        self.tabs.addTab(self._build_compare_tab(), "Compare")
        self.tabs.addTab(self._build_surface_tab(), "Surface")

        top = _row(self.matrix_combo, self.interval_spin, stretch_after=False)
        top.addStretch(1)
        top.addWidget(self.recompute_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.progress_row)
        layout.addWidget(self.tabs, 1)

        self.matrix_combo.currentIndexChanged.connect(self._emit_request)
        self.interval_spin.valueChanged.connect(self._emit_request)
        self.compare_check.toggled.connect(self._emit_request)
        self.surface_check.toggled.connect(self._emit_request)
        self.direction_combo.currentIndexChanged.connect(self._emit_request)
        self.span_spin.valueChanged.connect(self._emit_request)
        self.recompute_button.clicked.connect(self.sigRecomputeNow)
        self.cancel_button.clicked.connect(self.sigCancel)
        self.compare_combo.currentIndexChanged.connect(self._draw_compare_images)
        self.compare_table.currentCellChanged.connect(self._on_table_row)
        self.log_colors_check.toggled.connect(self._draw_matrix_image)
        self.log_colors_check.toggled.connect(self._draw_compare_images)

        self.set_theme(self._theme)
        self.clear()

    # ------------------------------------------------------------------ building
    def _build_progress_row(self) -> None:
        """Bar, label and Cancel of a long report; hidden until it has run PROGRESS_DELAY."""
        self.progress_row = QWidget(self)
        self.progress_bar = QProgressBar(self.progress_row)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(12)
        self.progress_label = QLabel(self.progress_row)
        self.cancel_button = QPushButton("Cancel", self.progress_row)
        self.cancel_button.setToolTip("Stop computing this Hessian report (training carries on)")
        row = QHBoxLayout(self.progress_row)
        row.setContentsMargins(6, 2, 6, 2)
        row.addWidget(self.progress_label)
        row.addWidget(self.progress_bar, 1)
        row.addWidget(self.cancel_button)
        self.progress_row.setVisible(False)
        self._progress = None

    def _build_spectrum_tab(self) -> QWidget:
        page = QWidget(self)
        self.status_label = QLabel(page)
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.setWordWrap(True)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label.setContentsMargins(6, 4, 6, 2)
        self.spectrum_stack = QStackedWidget(page)
        self.spectrum_placeholder = _placeholder(page)

        # dense: eigenvalue against index, symmetric log scale
        self.spectrum_widget, pi = _plain_plot(page, left=_TidyAxis("left"))
        self.spectrum_plot = pi
        pi.setMouseEnabled(x=False, y=False)
        pi.setLabel("bottom", "index (ascending)")
        pi.setLabel("left", "eigenvalue \u03bb (sym. log)")
        self.spectrum_zero = pg.InfiniteLine(0.0, angle=0)
        self.spectrum_zero.setZValue(-5)
        pi.addItem(self.spectrum_zero, ignoreBounds=True)
        self.positive_stems = pg.PlotCurveItem(connect="pairs")
        self.negative_stems = pg.PlotCurveItem(connect="pairs")
        self.positive_points = pg.PlotDataItem(pen=None, symbol="o", symbolSize=5,
                                               symbolBrush=POSITIVE_COLOR, symbolPen=None)
        self.negative_points = pg.PlotDataItem(pen=None, symbol="o", symbolSize=6,
                                               symbolBrush=NEGATIVE_COLOR, symbolPen=None)
        for item in (self.positive_stems, self.negative_stems, self.positive_points, self.negative_points):
            pi.addItem(item)
        self.positive_stems.setPen(pg.mkPen(POSITIVE_COLOR, width=1))
        self.negative_stems.setPen(pg.mkPen(NEGATIVE_COLOR, width=1))

        # sparse: estimated density on a log scale, extreme eigenvalues marked on the curve
        self.density_widget, di = _plain_plot(page)
        self.density_plot = di
        di.setMouseEnabled(x=False, y=False)
        di.setLabel("bottom", "eigenvalue \u03bb")
        di.setLabel("left", "density (log\u2081\u2080)")
        self.density_curve = pg.PlotDataItem()
        self.density_positive = pg.PlotDataItem(pen=None, symbol="t1", symbolSize=9,
                                                symbolBrush=POSITIVE_COLOR, symbolPen=None)
        self.density_negative = pg.PlotDataItem(pen=None, symbol="t1", symbolSize=9,
                                                symbolBrush=NEGATIVE_COLOR, symbolPen=None)
        for item in (self.density_curve, self.density_positive, self.density_negative):
            di.addItem(item)

        for w in (self.spectrum_placeholder, self.spectrum_widget, self.density_widget):
            self.spectrum_stack.addWidget(w)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.status_label)
        layout.addWidget(self.spectrum_stack, 1)
        return page

    def _build_matrix_tab(self) -> QWidget:
        page = QWidget(self)
        self.matrix_readout = QLabel(page)
        self.matrix_readout.setToolTip("Hover over the matrix to read an entry and the two weights it belongs to")
        self.matrix_readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.log_colors_check = QCheckBox("log colours", page)
        self.log_colors_check.setChecked(True)  # a few large entries would leave the rest white
        self.log_colors_check.setToolTip("Colour by sign(H) log10(1 + |H|/c), c = max|H|/1000: small entries "
                                         "stay visible next to a few large ones (also in the Compare tab)")
        self.matrix_stack = QStackedWidget(page)
        self.matrix_placeholder = _placeholder(page)
        axes = {"top": _TidyAxis("top"), "left": _TidyAxis("left")}
        self.matrix_widget = pg.PlotWidget(parent=page, axisItems=axes)
        pi = self.matrix_widget.getPlotItem()
        self.matrix_plot = pi
        pi.hideButtons()
        pi.setMenuEnabled(False)
        pi.showAxis("top")
        pi.hideAxis("bottom")
        for side in ("top", "left"):
            pi.getAxis(side).setStyle(tickLength=0)
        vb = pi.getViewBox()
        vb.invertY(True)  # row 0 at the top, as a matrix is written
        vb.setAspectLocked(True)
        self.matrix_image = pg.ImageItem(axisOrder="row-major")
        pi.addItem(self.matrix_image)
        self.layer_lines = pg.PlotCurveItem(connect="pairs")
        self.bias_lines = pg.PlotCurveItem(connect="pairs")
        for item in (self.layer_lines, self.bias_lines):
            item.setZValue(5)
            pi.addItem(item, ignoreBounds=True)
        self.matrix_stack.addWidget(self.matrix_placeholder)
        self.matrix_stack.addWidget(self.matrix_widget)
        self.matrix_widget.scene().sigMouseMoved.connect(self._on_matrix_mouse)
        self._leave_filter = EventWatcher(self.matrix_widget.viewport(), QEvent.Type.Leave, self._end_matrix_hover, self)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        row = _row(self.matrix_readout, stretch_after=False)
        row.setStretch(0, 1)
        row.addWidget(self.log_colors_check)
        layout.addLayout(row)
        layout.addWidget(self.matrix_stack, 1)
        return page

    def _build_compare_tab(self) -> QWidget:
        page = QWidget(self)
        self.compare_check = QCheckBox("compute", page)
        self.compare_check.setToolTip("Also compute the diagonal (PRML 5.79\u20135.81), outer-product (5.84) "
                                      "and finite-difference (5.91) Hessians and their errors (dense only)")
        self.compare_combo = QComboBox(page)
        for name in COMPARISON_NAMES:
            self.compare_combo.addItem(name)
        self.compare_combo.setToolTip("The approximation shown beside the exact Hessian")
        self.compare_stack = QStackedWidget(page)
        self.compare_placeholder = _placeholder(page)

        self.compare_table = QTableWidget(len(COMPARISON_NAMES), 2, page)
        self.compare_table.setHorizontalHeaderLabels(["\u2016A \u2212 H\u2016 / \u2016H\u2016", "diagonal only"])
        self.compare_table.setVerticalHeaderLabels(list(COMPARISON_NAMES))
        self.compare_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.compare_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.compare_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.compare_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.compare_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.compare_table.setToolTip("Relative (Frobenius) error of each approximation A against the exact H; "
                                      "'diagonal only' compares just the diagonals")
        vh = self.compare_table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 6)
        table_height = (self.compare_table.horizontalHeader().sizeHint().height()
                        + len(COMPARISON_NAMES) * vh.defaultSectionSize() + 4)
        self.compare_table.setFixedHeight(table_height)
        for row in range(len(COMPARISON_NAMES)):
            for col in range(2):
                item = QTableWidgetItem("")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.compare_table.setItem(row, col, item)

        self.compare_images_widget = pg.GraphicsLayoutWidget(parent=page)
        gl = self.compare_images_widget
        gl.ci.setContentsMargins(2, 2, 2, 2)
        gl.ci.setSpacing(2)
        self.compare_exact_label = gl.addLabel("exact H", row=0, col=0, size="9pt")
        self.compare_approx_label = gl.addLabel("", row=0, col=1, size="9pt")
        self.compare_exact_box = gl.addViewBox(row=1, col=0, invertY=True, lockAspect=True, enableMouse=False)
        self.compare_approx_box = gl.addViewBox(row=1, col=1, invertY=True, lockAspect=True, enableMouse=False)
        self.compare_exact_image = pg.ImageItem(axisOrder="row-major")
        self.compare_approx_image = pg.ImageItem(axisOrder="row-major")
        self._compare_lines = []
        for box, image in ((self.compare_exact_box, self.compare_exact_image),
                           (self.compare_approx_box, self.compare_approx_image)):
            box.addItem(image)
            lines = pg.PlotCurveItem(connect="pairs")
            lines.setZValue(5)
            box.addItem(lines, ignoreBounds=True)
            self._compare_lines.append(lines)

        content = QWidget(page)
        cl = QVBoxLayout(content)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(2)
        cl.addWidget(self.compare_table)
        cl.addWidget(self.compare_images_widget, 1)
        self.compare_stack.addWidget(self.compare_placeholder)
        self.compare_stack.addWidget(content)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        show = QLabel("show", page)
        layout.addLayout(_row(self.compare_check, show, self.compare_combo))
        layout.addWidget(self.compare_stack, 1)
        return page

    def _build_surface_tab(self) -> QWidget:
        page = QWidget(self)
        self.surface_check = QCheckBox("compute", page)
        self.surface_check.setToolTip("Also compute the error along two directions through the current "
                                      "weights, and the quadratic model of PRML (5.28)")
        self.direction_combo = QComboBox(page)
        for key, text in DIRECTION_CHOICES:
            self.direction_combo.addItem(text, key)
        self.direction_combo.setToolTip("The two directions of the slice: eigenvectors of the largest and the "
                                        "smallest eigenvalue, of the two largest, or two random directions")
        self.span_spin = QDoubleSpinBox(page)
        self.span_spin.setRange(0.0, 1000.0)  # 0 shows as "auto": the span follows the curvature
        self.span_spin.setDecimals(3)
        self.span_spin.setSingleStep(0.05)
        self.span_spin.setSpecialValueText("\u00b1 auto")
        self.span_spin.setPrefix("\u00b1 ")
        self.span_spin.setValue(0.0)
        self.span_spin.setToolTip("Distance covered along each unit direction, in weight-space units; "
                                  "auto: where the quadratic model has risen by E along the steeper direction")
        self.surface_stack = QStackedWidget(page)
        self.surface_placeholder = _placeholder(page)

        self.surface_widget, pi = _plain_plot(page)
        self.surface_plot = pi
        pi.getViewBox().setAspectLocked(True)
        self.surface_image = pg.ImageItem(axisOrder="row-major")
        self.surface_image.setZValue(-10)
        pi.addItem(self.surface_image)
        self.error_contours = pg.PlotCurveItem(connect="pairs")
        self.quadratic_contours = pg.PlotCurveItem(connect="pairs")
        self.quadratic_contours.setZValue(2)
        self.current_marker = pg.ScatterPlotItem(size=10, symbol="o")
        self.current_marker.setZValue(10)
        for item in (self.error_contours, self.quadratic_contours, self.current_marker):
            pi.addItem(item)
        self.surface_stack.addWidget(self.surface_placeholder)
        self.surface_stack.addWidget(self.surface_widget)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(_row(self.surface_check, self.direction_combo, self.span_spin))
        layout.addWidget(self.surface_stack, 1)
        return page

    # ------------------------------------------------------------------ controls
    def request(self) -> HessianRequest:
        """What the controls ask for (fields without a control come from :meth:`set_request`)."""
        base = self._base_request
        return HessianRequest(
            matrix=self.matrix_combo.currentData(), compare=self.compare_check.isChecked(),
            surface=self.surface_check.isChecked(), surface_directions=self.direction_combo.currentData(),
            surface_span=float(self.span_spin.value()) or None, surface_resolution=base.surface_resolution,
            dense_limit=base.dense_limit, n_extreme=base.n_extreme, seed=base.seed,
        )

    def interval(self) -> int:
        """Recompute every this many training steps."""
        return int(self.interval_spin.value())

    def set_request(self, request: HessianRequest, interval: int | None = None) -> None:
        """Show ``request`` (and ``interval``) in the controls, without emitting sigRequestChanged."""
        if not isinstance(request, HessianRequest):
            raise TypeError(f"expected a HessianRequest, got {type(request).__name__}")
        self._base_request = request
        controls = (self.matrix_combo, self.compare_check, self.surface_check, self.direction_combo,
                    self.span_spin, self.interval_spin)
        blocked = [c.blockSignals(True) for c in controls]
        try:
            self.matrix_combo.setCurrentIndex(self.matrix_combo.findData(request.matrix))
            self.compare_check.setChecked(request.compare)
            self.surface_check.setChecked(request.surface)
            self.direction_combo.setCurrentIndex(self.direction_combo.findData(request.surface_directions))
            self.span_spin.setValue(request.surface_span or 0.0)
            if interval is not None:
                self.interval_spin.setValue(int(interval))
        finally:
            for c, was in zip(controls, blocked):
                c.blockSignals(was)

    @Slot()
    def _emit_request(self, *args) -> None:
        self.sigRequestChanged.emit(self.request())

    # ------------------------------------------------------------------ theme
    def set_theme(self, theme) -> None:
        """Re-colour for a theme (playground.gui.theme.LIGHT / DARK)."""
        self._theme = theme
        fg = pg.mkColor(theme.foreground)
        for widget in (self.spectrum_widget, self.density_widget, self.matrix_widget, self.surface_widget,
                       self.compare_images_widget):
            widget.setBackground(theme.background)
        for pi in (self.spectrum_plot, self.density_plot, self.matrix_plot, self.surface_plot):
            for side in ("left", "bottom", "top"):
                axis = pi.getAxis(side)
                axis.setPen(pg.mkPen(fg))
                axis.setTextPen(pg.mkPen(fg))
                if axis.labelText:
                    axis.setLabel(axis.labelText, color=theme.foreground)
        for label in (self.compare_exact_label, self.compare_approx_label):
            label.setText(label.text, color=theme.foreground)
        faint = pg.mkColor(theme.foreground)
        faint.setAlpha(110)
        self.spectrum_zero.setPen(pg.mkPen(faint, width=1, style=Qt.PenStyle.DashLine))
        self.density_curve.setPen(pg.mkPen(theme.foreground, width=1.5))
        self.layer_lines.setPen(pg.mkPen(faint, width=1))
        dotted = pg.mkColor(theme.foreground)
        dotted.setAlpha(80)
        self.bias_lines.setPen(pg.mkPen(dotted, width=1, style=Qt.PenStyle.DotLine))
        for lines in self._compare_lines:
            lines.setPen(pg.mkPen(faint, width=1))
        self._diverging = diverging_lut(theme)
        for image in (self.matrix_image, self.compare_exact_image, self.compare_approx_image):
            image.setLookupTable(self._diverging)
        self.surface_image.setLookupTable(sequential_lut(theme))
        contour = pg.mkColor(theme.foreground)
        contour.setAlpha(140)
        self.error_contours.setPen(pg.mkPen(contour, width=1))
        # solid: the contours are many one-cell segments, on which a dash pattern would restart each time
        self.quadratic_contours.setPen(pg.mkPen(QUADRATIC_COLOR, width=2))
        self.current_marker.setPen(pg.mkPen(theme.foreground, width=1.5))
        self.current_marker.setBrush(pg.mkBrush(theme.background))
        self._set_surface_title()
        if self._report is not None and self._report.ok:  # a refused report's message stays as it is
            self._show_status(self._report)
        self._end_matrix_hover()

    # ------------------------------------------------------------------ reports
    def report(self) -> HessianReport | None:
        """The report on show (None after :meth:`clear`)."""
        return self._report

    # ------------------------------------------------------------------ progress
    def show_progress(self, progress) -> None:
        """Show how far the report in progress is (an object with ``done``, ``total`` and
        ``seconds``, e.g. worker.HessianProgress), once it has run PROGRESS_DELAY; None hides it."""
        if progress is self._progress:
            return
        self._progress = progress
        if progress is None or progress.seconds < PROGRESS_DELAY:
            self.progress_row.setVisible(False)
            return
        fraction = min(1.0, progress.done / max(1, progress.total))
        self.progress_bar.setValue(int(round(1000 * fraction)))
        self.progress_label.setText(f"Computing the Hessian\u2026 {100 * fraction:.0f} % "
                                    f"({format_seconds(progress.seconds)})")
        self.progress_row.setVisible(True)

    def progress_text(self) -> str:
        """The progress line on show ("" when hidden)."""
        return self.progress_label.text() if self.progress_row.isVisibleTo(self) else ""

    # ------------------------------------------------------------------ the live-view protocol (gui/views.py)
    analysis = "hessian"  # draws the reports of the Hessian analysis (show_report), not frames

    def show_network(self, net, input_names=None) -> None:
        """A new network: the report on show was of another one."""
        self.clear()

    def render_frame(self, frame) -> None:
        """Frames bring no report: the window hands reports to show_report."""

    def clear(self, message: str = NO_REPORT_YET) -> None:
        """Forget the report and show ``message`` (e.g. "Hessian off: too many weights") in every tab."""
        self.show_progress(None)
        self._report = None
        self.status_label.setText("")
        self.status_label.setVisible(False)
        for placeholder, stack in ((self.spectrum_placeholder, self.spectrum_stack),
                                   (self.matrix_placeholder, self.matrix_stack),
                                   (self.compare_placeholder, self.compare_stack),
                                   (self.surface_placeholder, self.surface_stack)):
            placeholder.setText(message)
            stack.setCurrentWidget(placeholder)
        for item in (self.positive_stems, self.negative_stems, self.positive_points, self.negative_points,
                     self.density_curve, self.density_positive, self.density_negative, self.layer_lines,
                     self.bias_lines, self.error_contours, self.quadratic_contours, *self._compare_lines):
            item.setData([], [])
        self.current_marker.setData([], [])
        for image in (self.matrix_image, self.compare_exact_image, self.compare_approx_image, self.surface_image):
            image.clear()
        self._matrix_hover = ""
        self.matrix_readout.setText("")

    def show_report(self, report: HessianReport) -> None:
        """Draw ``report`` in every tab."""
        if not isinstance(report, HessianReport):
            raise TypeError(f"expected a HessianReport, got {type(report).__name__}")
        self.show_progress(None)
        if not report.ok:
            self.clear(report.reason)
            self._report = report
            return
        self._report = report
        self._show_status(report)
        self._show_spectrum(report)
        self._show_matrix(report)
        self._show_compare(report)
        self._show_surface(report)

    # ------------------------------------------------------------------ spectrum
    def symlog_constant(self) -> float:
        """The c of the spectrum's scale y = sign(l) log10(1 + |l|/c) on show."""
        return self._c

    def status_text(self) -> str:
        """The line above the spectrum, as plain text."""
        return _plain(self.status_label.text())

    def _show_status(self, report: HessianReport) -> None:
        s = report.summary
        lower = set(report.lower_bounds)
        faint = "gray"
        what = "exact Hessian" if report.matrix_name == "exact" else "outer-product approximation"
        at_least = "\u2265 " if "n_negative" in lower else ""
        n_neg = f"{at_least}{s.n_negative:,} negative"
        if s.n_negative:
            n_neg = f"<span style='color:{NEGATIVE_COLOR}'><b>{n_neg}</b></span>"
        if math.isinf(s.condition_number):
            cond = "\u221e (singular)"
        else:
            cond = ("\u2265 " if "condition_number" in lower else "") + format_number(s.condition_number)
        if report.estimated:
            trace = f"\u2248 {format_number(s.trace)} \u00b1 {format_number(report.trace_stderr, 2)}"
        else:
            trace = format_number(s.trace)
        line1 = (f"<b>{report.n_weights:,} weights</b> &nbsp;\u00b7&nbsp; condition {cond} &nbsp;\u00b7&nbsp; "
                 f"{n_neg} &nbsp;\u00b7&nbsp; trace {trace}")
        omega = " + \u03a9" if report.regularized else ""
        of = f"{what} of E{omega} (sum over {report.n_points:,} points)"
        line2 = (f"<span style='color:{faint}'>{html.escape(of)} &nbsp;\u00b7&nbsp; computed in "
                 f"{format_seconds(report.seconds)} at epoch {report.epoch:,}</span>")
        text = f"{line1}<br>{line2}"
        if report.message:
            text += f"<br><i><span style='color:{faint}'>{html.escape(report.message)}</span></i>"
        self.status_label.setText(text)
        self.status_label.setToolTip(report.message)
        self.status_label.setVisible(True)

    def _show_spectrum(self, report: HessianReport) -> None:
        values = np.asarray(report.eigenvalues, dtype=float)
        negative = report.negative_mask()
        self._c = c = symlog_constant(values)
        if report.kind == "sparse" and report.density is not None:
            self._show_density(report, values, negative)
            return
        index = np.arange(values.size, dtype=float)
        y = symlog(values, c)
        for mask, points, stems in ((~negative, self.positive_points, self.positive_stems),
                                    (negative, self.negative_points, self.negative_stems)):
            points.setData(index[mask], y[mask])
            xs = np.repeat(index[mask], 2)
            ys = np.zeros(xs.size)
            ys[1::2] = y[mask]
            stems.setData(xs, ys, connect="pairs")
        big = values.size > 300  # thousands of dots: smaller ones, no stems (they would be a solid block)
        self.positive_points.setSymbolSize(3 if big else 5)
        self.negative_points.setSymbolSize(4 if big else 6)
        self.positive_stems.setVisible(not big)
        self.negative_stems.setVisible(not big)
        lo = float(values.min()) if values.size else 0.0
        hi = float(values.max()) if values.size else 0.0
        self.spectrum_plot.getAxis("left").setTicks([_symlog_ticks(c, hi, lo), []])
        pad = 0.5 if values.size < 50 else 0.01 * values.size
        self.spectrum_plot.setXRange(-pad, values.size - 1 + pad, padding=0)
        y_lo = min(0.0, float(y.min())) if y.size else 0.0
        y_hi = max(0.0, float(y.max())) if y.size else 1.0
        self.spectrum_plot.setYRange(y_lo, y_hi, padding=0.06)
        self.spectrum_stack.setCurrentWidget(self.spectrum_widget)

    def _show_density(self, report, values, negative) -> None:
        grid, density = (np.asarray(a, dtype=float) for a in report.density)
        # five decades below the peak: enough to see the outliers, not the Gaussian tails' underflow
        floor = float(density.max()) * 1e-5 if density.size and density.max() > 0 else 1e-300
        log_density = np.log10(np.maximum(density, floor))
        self.density_curve.setData(grid, log_density)
        at = np.interp(values, grid, log_density)  # the markers sit on the curve
        self.density_positive.setData(values[~negative], at[~negative])
        self.density_negative.setData(values[negative], at[negative])
        self.density_plot.enableAutoRange()
        self.spectrum_stack.setCurrentWidget(self.density_widget)

    # ------------------------------------------------------------------ matrix
    def _show_matrix(self, report: HessianReport) -> None:
        if report.matrix is None:
            self.matrix_placeholder.setText(
                f"No matrix: {report.n_weights:,} weights are too many to form the "
                f"{report.n_weights:,} \u00d7 {report.n_weights:,} matrix; the spectrum is estimated instead.")
            self.matrix_stack.setCurrentWidget(self.matrix_placeholder)
            for lines in (self.layer_lines, self.bias_lines):
                lines.setData([], [])
            self.matrix_image.clear()
            return
        H = report.matrix
        W = H.shape[0]
        finite = np.abs(H[np.isfinite(H)])
        self._matrix_half = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        self._draw_matrix_image()
        self.matrix_image.setRect(QRectF(0, 0, W, W))
        layers, inner = block_boundaries(report.blocks)
        self.layer_lines.setData(*_grid_lines(layers, W), connect="pairs")
        self.bias_lines.setData(*_grid_lines(inner, W), connect="pairs")
        weights = [((a + b) / 2, label) for a, b, label in report.blocks if label[0] == "W"]
        biases = [((a + b) / 2, label) for a, b, label in report.blocks if label[0] == "b"]
        for side in ("top", "left"):
            self.matrix_plot.getAxis(side).setTicks([weights, biases])
        self.matrix_plot.getViewBox().setRange(QRectF(0, 0, W, W), padding=0.01)
        self.matrix_stack.setCurrentWidget(self.matrix_widget)
        self._end_matrix_hover()

    @Slot()
    def _draw_matrix_image(self, *args) -> None:
        report = self._report
        if report is None or report.matrix is None:
            return
        image, half = self.matrix_display(report.matrix, self._matrix_half)
        self.matrix_image.setImage(image, levels=(-half, half), autoLevels=False)
        self._end_matrix_hover()

    def matrix_display(self, H, half: float) -> tuple[np.ndarray, float]:
        """(float32 image, half-range of its symmetric levels) of a matrix whose full colour is at |H| = half.

        Linear colours show H itself; log colours sign(H) log10(1 + |H|/c) with c = half/1000.
        """
        H = np.asarray(H, dtype=float)
        if self.log_colors_check.isChecked():
            c = half * 1e-3
            return np.ascontiguousarray(symlog(H, c), dtype=np.float32), float(symlog(half, c))
        return np.ascontiguousarray(H, dtype=np.float32), half

    def matrix_levels(self) -> tuple[float, float]:
        return tuple(self.matrix_image.levels) if self.matrix_image.levels is not None else (0.0, 0.0)

    def describe_matrix_at(self, x: float, y: float) -> str:
        """What hovering over view point (x, y) of the matrix shows: "H[i, j] = v (W1[0,3] × b2[0])"."""
        report = self._report
        if report is None or report.matrix is None:
            return ""
        W = report.matrix.shape[0]
        j, i = math.floor(x), math.floor(y)
        if not (0 <= i < W and 0 <= j < W):
            return ""
        value = float(report.matrix[i, j])
        names = f"{parameter_name(report.layer_sizes, i)} \u00d7 {parameter_name(report.layer_sizes, j)}"
        return f"H[{i}, {j}] = {format_number(value, 4)}  ({names})"

    def matrix_hover_text(self) -> str:
        return self._matrix_hover

    @Slot(object)
    def _on_matrix_mouse(self, scene_pos) -> None:
        vb = self.matrix_plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            self._end_matrix_hover()
            return
        p = vb.mapSceneToView(QPointF(scene_pos))
        text = self.describe_matrix_at(p.x(), p.y())
        if not text:
            self._end_matrix_hover()
            return
        self._matrix_hover = text
        self.matrix_readout.setText(text)

    def _end_matrix_hover(self) -> None:
        self._matrix_hover = ""
        report = self._report
        if report is None or report.matrix is None:
            self.matrix_readout.setText("")
            return
        self.matrix_readout.setText(
            f"<span style='color:{POSITIVE_COLOR}'>\u25a0</span> &gt; 0 &nbsp;"
            f"<span style='color:{NEGATIVE_COLOR}'>\u25a0</span> &lt; 0 &nbsp;"
            f"<span style='color:gray'>max |H| = {format_number(self._matrix_half)}</span>")

    # ------------------------------------------------------------------ compare
    def _show_compare(self, report: HessianReport) -> None:
        if report.comparison is None:
            requested = report.request is not None and report.request.compare
            if requested:
                hint = report.message or "The approximations could not be computed for this report."
            else:
                hint = ("Tick \u201ccompute\u201d to compare the diagonal, outer-product and finite-difference "
                        "approximations with the exact Hessian (from the next report on).")
            self.compare_placeholder.setText(hint)
            self.compare_stack.setCurrentWidget(self.compare_placeholder)
            return
        for row, name in enumerate(COMPARISON_NAMES):
            error = report.comparison[name][0]
            diagonal = report.diagonal_errors[name] if report.diagonal_errors else math.nan
            self.compare_table.item(row, 0).setText(format_number(error))
            self.compare_table.item(row, 1).setText(format_number(diagonal))
        self.compare_stack.setCurrentWidget(self.compare_stack.widget(1))
        self._draw_compare_images()

    def compare_text(self, row: int, column: int) -> str:
        return self.compare_table.item(row, column).text()

    @Slot(int, int, int, int)
    def _on_table_row(self, row, column, previous_row, previous_column) -> None:
        if 0 <= row < self.compare_combo.count():
            self.compare_combo.setCurrentIndex(row)

    @Slot()
    def _draw_compare_images(self, *args) -> None:
        report = self._report
        name = self.compare_combo.currentText()
        self.compare_approx_label.setText(name, color=self._theme.foreground)
        if report is None or report.comparison is None:
            return
        H = report.reference
        A = report.comparison[name][1]
        half = float(max(np.abs(H).max(), np.abs(A).max())) or 1.0  # the same levels for both
        W = H.shape[0]
        layers, _ = block_boundaries(report.blocks)
        for image, M, box, lines in ((self.compare_exact_image, H, self.compare_exact_box, self._compare_lines[0]),
                                     (self.compare_approx_image, A, self.compare_approx_box, self._compare_lines[1])):
            data, level = self.matrix_display(M, half)
            image.setImage(data, levels=(-level, level), autoLevels=False)
            image.setRect(QRectF(0, 0, W, W))
            lines.setData(*_grid_lines(layers, W), connect="pairs")
            box.setRange(QRectF(0, 0, W, W), padding=0.02)

    # ------------------------------------------------------------------ surface
    def surface_levels(self) -> np.ndarray:
        """The error values of the contour lines on show (the same for E and its quadratic model)."""
        return self._surface_levels.copy()

    def _set_surface_title(self) -> None:
        fg = self._theme.foreground
        self.surface_plot.setTitle(
            f"<span style='color:{fg}'>\u2014</span> E &nbsp; "
            f"<span style='color:{QUADRATIC_COLOR}'><b>\u2501</b></span> quadratic (5.28) &nbsp; "
            f"<span style='color:{fg}'>\u25cb</span> w",
            size="9pt", color=fg)

    def _show_surface(self, report: HessianReport) -> None:
        surface = report.surface
        if surface is None:
            requested = report.request is not None and report.request.surface
            self.surface_placeholder.setText(
                (report.message or "The error surface could not be computed for this report.") if requested else
                "Tick \u201ccompute\u201d to see the error along two directions through the current weights, "
                "with the quadratic model of the Hessian (from the next report on).")
            self.surface_stack.setCurrentWidget(self.surface_placeholder)
            return
        a, b = surface.alphas, surface.betas
        E = np.asarray(surface.error, dtype=float)
        finite = E[np.isfinite(E)]
        if finite.size:
            levels = np.unique(np.quantile(finite, np.linspace(0.06, 0.9, N_SURFACE_LEVELS)))
            lo, hi = float(finite.min()), float(np.quantile(finite, 0.95))
        else:
            levels, lo, hi = np.zeros(0), 0.0, 1.0
        self._surface_levels = levels
        self.surface_image.setImage(np.ascontiguousarray(E, dtype=np.float32), levels=(lo, max(hi, lo + 1e-12)),
                                    autoLevels=False)
        da = (a[-1] - a[0]) / max(1, a.size - 1)
        db = (b[-1] - b[0]) / max(1, b.size - 1)
        self.surface_image.setRect(QRectF(a[0] - da / 2, b[0] - db / 2, a[-1] - a[0] + da, b[-1] - b[0] + db))
        for item, field in ((self.error_contours, E), (self.quadratic_contours, surface.quadratic)):
            segments = [contour_segments(field, a, b, level) for level in levels]
            seg = np.concatenate(segments) if segments else np.zeros((0, 2, 2))
            item.setData(seg[:, :, 0].ravel(), seg[:, :, 1].ravel(), connect="pairs")
        self.current_marker.setData([0.0], [0.0])
        is_eigen = not surface.labels[0].startswith("random")
        for side, symbol, label, curvature in (("bottom", "\u03b1", surface.labels[0], surface.curvatures[0]),
                                               ("left", "\u03b2", surface.labels[1], surface.curvatures[1])):
            what = label.replace(" \u03bb", "") + " \u03bb" if is_eigen else label
            value = format_number(curvature)
            text = f"{symbol}: {what} = {value}" if is_eigen else f"{symbol}: {what} (d\u1d40Hd = {value})"
            self.surface_plot.setLabel(side, text, color=self._theme.foreground)
        self.surface_plot.getViewBox().setRange(QRectF(a[0], b[0], a[-1] - a[0], b[-1] - b[0]), padding=0.02)
        self.surface_stack.setCurrentWidget(self.surface_widget)


def _grid_lines(positions, size) -> tuple[np.ndarray, np.ndarray]:
    """Full-length vertical and horizontal lines at ``positions`` of a size x size matrix, as pairs."""
    p = np.asarray(positions, dtype=float)
    if p.size == 0:
        return np.zeros(0), np.zeros(0)
    vx = np.repeat(p, 2)
    vy = np.tile([0.0, float(size)], p.size)
    return np.concatenate([vx, vy]), np.concatenate([vy, vx])


def _plain(rich: str) -> str:
    """Rich text without tags and entities, for tests and tooltips."""
    text = re.sub(r"<br\s*/?>", "\n", rich)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).replace("\xa0", " ")
