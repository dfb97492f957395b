"""The kernel machine beside the network, on the same training points (seed 004).

"Compare": the network's curve (1-D regression) or decision boundary (2-D classification) from
the newest frame, and the kernel machine's, fitted to the training part of the split: kernel
ridge for regression, the SVM for classes (support vectors ringed). sigma and lambda move on log
sliders. "Bootstrap" adds the 5-95 % band of B refits (regression) or the shading of the share of
models voting for each class; refitting the network instead (warm-started from its weights for a
few epochs) also reports the bagged mean's validation error beside the single network's.
"Lecture grid": the lecture's small multiples, sigma = 1e-3 ... 1 at lambda = 1e-4 and
sigma = 0.1 at lambda = 1. Every fit runs on a JobRunner (gui/background.py), never here;
what is fitted lives in gui/plots/kernel_fits.py.
"""

from __future__ import annotations

import math
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QSpinBox,
    QTabWidget, QVBoxLayout, QWidget,
)

from playground.core import kernels
from playground.core.params import KERNEL_PARAMETERS, RESAMPLING_PARAMETERS

from ..contours import segments_to_pairs
from ..panels.widgets import configure_box, set_usable
from ..theme import current_theme
from .common import clear_curve
from .jobs import JobRunner
from .kernel_fits import LECTURE_GRID, KernelProblem, KernelResult, KernelSettings, compute, problem_from  # noqa: F401

SIGMA_DECADES = (-3.0, 1.0)  # the lecture's 1e-3 ... 1, and a decade more
LAMBDA_DECADES = (-6.0, 1.0)
STEPS_PER_DECADE = 10
KERNEL_COLOR = "#CC79A7"  # Okabe-Ito reddish purple: neither a class colour nor the network's
NETWORK_COLOR = "#0072B2"
NO_DATA = ("The kernel comparison draws 1-D regression (kernel ridge) and 2-D classification (SVM); "
           "draw or generate such data.")


# ---------------------------------------------------------------------------- controls
class LogSlider(QWidget):
    """A slider over decades (10 steps a decade) with the value written beside it."""

    sigValueChanged = Signal(float)

    def __init__(self, name: str, decades: tuple[float, float], value: float, parent=None):
        super().__init__(parent)
        self._lo = decades[0]
        self.slider = QSlider(Qt.Horizontal, self)
        self.slider.setRange(0, int(round((decades[1] - decades[0]) * STEPS_PER_DECADE)))
        self.label = QLabel(self)
        self.label.setMinimumWidth(50)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(name, self))
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        self.slider.valueChanged.connect(self._moved)
        self.set_value(value)
        self._moved(self.slider.value())

    def value(self) -> float:
        return float(10.0 ** (self._lo + self.slider.value() / STEPS_PER_DECADE))

    def set_value(self, value: float) -> None:
        self.slider.setValue(int(round((math.log10(value) - self._lo) * STEPS_PER_DECADE)))

    def _moved(self, _step: int) -> None:
        self.label.setText(f"{self.value():.3g}")
        self.sigValueChanged.emit(self.value())


def _plot(parent, title: str = "") -> tuple[pg.PlotWidget, pg.PlotItem]:
    widget = pg.PlotWidget(parent=parent)
    widget.setMinimumSize(120, 90)  # the dock may be short: the plots shrink, the controls stay
    item = widget.getPlotItem()
    item.setMenuEnabled(False)
    if title:
        item.setTitle(title, size="9pt")
    return widget, item


class KernelView(QWidget):
    """The comparison dock (module docstring). ``show_experiment`` gives it the training points."""

    analysis = None

    def __init__(self, parent=None):
        super().__init__(parent)
        self._theme = current_theme()
        self._problem: KernelProblem | None = None
        self._result: KernelResult | None = None
        self._net = None
        self._fit_options: dict = {}
        self._stale = False
        self._points_stale = False
        self.runner = JobRunner("kernel comparison", self)
        # fill the dock's scroll area, scrolling only below this: the plots' large size hints would
        # otherwise make it scroll in any dock of ordinary height
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.setMinimumHeight(250)

        self.kernel_combo = QComboBox(self)
        for name, text in (("rbf", "RBF (Gaussian)"), ("poly", "polynomial"), ("sigmoid", "sigmoid")):
            self.kernel_combo.addItem(text, name)
        self.degree_spin = QSpinBox(self)
        configure_box(self.degree_spin, KERNEL_PARAMETERS["degree"])
        self.degree_spin.setValue(3)
        self.degree_spin.setPrefix("degree ")
        self.sigma_slider = LogSlider("σ", SIGMA_DECADES, 0.1, self)
        self.lambda_slider = LogSlider("λ", LAMBDA_DECADES, 1e-4, self)
        self.bootstrap_combo = QComboBox(self)
        for key, text in (("", "no bootstrap"), ("kernel", "bootstrap the kernel machine"),
                          ("network", "bootstrap the network (warm start)")):
            self.bootstrap_combo.addItem(text, key)
        self.b_spin = QSpinBox(self)
        configure_box(self.b_spin, RESAMPLING_PARAMETERS["B"])
        self.b_spin.setValue(30)
        self.b_spin.setPrefix("B = ")
        self.low_spin, self.high_spin = QDoubleSpinBox(self), QDoubleSpinBox(self)
        for spin, value in ((self.low_spin, 5.0), (self.high_spin, 95.0)):
            spin.setRange(0.0, 100.0)
            spin.setDecimals(1)
            spin.setSuffix(" %")
            spin.setValue(value)
        self.seed_spin = QSpinBox(self)
        configure_box(self.seed_spin, RESAMPLING_PARAMETERS["seed"])
        self.seed_spin.setPrefix("seed ")
        self.epochs_spin = QSpinBox(self)
        configure_box(self.epochs_spin, RESAMPLING_PARAMETERS["epochs"])
        self.epochs_spin.setValue(50)
        self.epochs_spin.setSuffix(" epochs")
        self.epochs_spin.setToolTip("Epochs of each network refit, warm-started from the current weights")
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(False)  # a wrapping label makes the scroll area keep the full height
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # long: clipped
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.plot_widget, self.plot_item = _plot(self)
        self.tabs.addTab(self.plot_widget, "Compare")
        grid_page = QWidget(self)
        grid = QGridLayout(grid_page)
        grid.setContentsMargins(0, 0, 0, 0)
        self.multiple_plots = []
        for i, (s, lam) in enumerate(LECTURE_GRID):
            widget, item = _plot(grid_page, f"σ = {s:g}, λ = {lam:g}")
            grid.addWidget(widget, i // 3, i % 3)
            self.multiple_plots.append(item)
        self.tabs.addTab(grid_page, "Lecture grid")

        top = QHBoxLayout()
        for widget, stretch in ((self.kernel_combo, 0), (self.degree_spin, 0), (self.sigma_slider, 1),
                                (self.lambda_slider, 1)):
            top.addWidget(widget, stretch)
        boot = QHBoxLayout()
        for widget in (self.bootstrap_combo, self.b_spin, self.low_spin, self.high_spin, self.seed_spin,
                       self.epochs_spin):
            widget.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            boot.addWidget(widget)
        boot.addWidget(self.status_label, 1)
        boot.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(top)
        layout.addLayout(boot)
        layout.addWidget(self.tabs, 1)

        self._build_items()
        for signal in (self.kernel_combo.currentIndexChanged, self.degree_spin.valueChanged,
                       self.sigma_slider.sigValueChanged, self.lambda_slider.sigValueChanged,
                       self.bootstrap_combo.currentIndexChanged, self.b_spin.valueChanged,
                       self.low_spin.valueChanged, self.high_spin.valueChanged, self.seed_spin.valueChanged,
                       self.epochs_spin.valueChanged):
            signal.connect(self.refit)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.runner.sigResult.connect(self._show_result)
        self.runner.sigProgress.connect(self._show_progress)
        self.runner.sigCancelled.connect(self._cancelled)
        self.runner.sigErrored.connect(self._errored)
        self._update_controls()
        self.clear()

    def _build_items(self) -> None:
        p = self.plot_item
        self.band_fill_lo = pg.PlotCurveItem()
        self.band_fill_hi = pg.PlotCurveItem()
        self.band_fill = pg.FillBetweenItem(self.band_fill_lo, self.band_fill_hi, brush=pg.mkBrush(204, 121, 167, 70))
        self.votes_image = pg.ImageItem()
        self.network_curve = pg.PlotCurveItem(pen=pg.mkPen(NETWORK_COLOR, width=2))
        self.kernel_curve = pg.PlotCurveItem(pen=pg.mkPen(KERNEL_COLOR, width=2))
        self.bagged_curve = pg.PlotCurveItem(pen=pg.mkPen(NETWORK_COLOR, width=2, style=Qt.DashLine))
        self.network_boundary = pg.PlotCurveItem(pen=pg.mkPen(NETWORK_COLOR, width=2), connect="pairs")
        self.kernel_boundary = pg.PlotCurveItem(pen=pg.mkPen(KERNEL_COLOR, width=2, style=Qt.DashLine), connect="pairs")
        self.points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#333333"))
        self.support = pg.ScatterPlotItem(size=13, pen=pg.mkPen(KERNEL_COLOR, width=2), brush=None, symbol="o")
        for item in (self.votes_image, self.band_fill, self.network_curve, self.bagged_curve, self.kernel_curve,
                     self.network_boundary,
                     self.kernel_boundary, self.points, self.support):
            p.addItem(item)
        self.legend = p.addLegend(offset=(5, 5))
        self.legend.addItem(self.network_curve, "network")
        self.legend.addItem(self.kernel_curve, "kernel machine")
        self.legend.addItem(self.support, "support vectors")
        self.legend.addItem(self.bagged_curve, "bagged networks' mean")
        self.multiple_items = []
        for item in self.multiple_plots:
            points = pg.ScatterPlotItem(size=5, pen=None)
            curve = pg.PlotCurveItem(pen=pg.mkPen(KERNEL_COLOR, width=1), connect="all")
            item.addItem(points)
            item.addItem(curve)
            self.multiple_items.append((points, curve))

    # ------------------------------------------------------------------ the settings
    def settings(self) -> KernelSettings:
        lo, hi = self.low_spin.value() / 100.0, self.high_spin.value() / 100.0
        return KernelSettings(kernel=self.kernel_combo.currentData(), sigma=self.sigma_slider.value(),
                              lam=self.lambda_slider.value(), degree=self.degree_spin.value(),
                              bootstrap=self.bootstrap_combo.currentData(), B=self.b_spin.value(),
                              quantiles=(lo, hi), seed=self.seed_spin.value(), epochs=self.epochs_spin.value())

    def _update_controls(self) -> None:
        kernel = self.kernel_combo.currentData()
        self.degree_spin.setVisible(kernel == "poly")
        set_usable(self.sigma_slider, kernel == "rbf")
        booting = bool(self.bootstrap_combo.currentData())
        for spin in (self.b_spin, self.low_spin, self.high_spin, self.seed_spin):
            set_usable(spin, booting)
        set_usable(self.epochs_spin, self.bootstrap_combo.currentData() == "network")

    # ------------------------------------------------------------------ LiveView
    def set_theme(self, theme) -> None:
        self._theme = theme
        for widget in [self.plot_widget] + [item.getViewWidget() for item in self.multiple_plots]:
            if widget is not None:
                widget.setBackground(theme.background)
        self._points_stale = True  # redrawn in the new colours when next painted
        self.update()

    def show_network(self, net, input_names=None) -> None:
        self._net = net.copy()
        clear_curve(self.network_curve)
        clear_curve(self.network_boundary)

    def show_experiment(self, experiment) -> None:
        """New training points (or a new network): refit the kernel machine on them."""
        self._problem = problem_from(experiment)
        training = experiment.config.training
        self._fit_options = dict(optimizer=training.optimizer, lr=training.lr, batch_size=training.batch_size,
                                 l2=training.regularization.l2, **training.hyper)
        if self._net is None or self._net.sizes != experiment.net.sizes:
            self._net = experiment.net.copy()
        # Drawn and refitted when next painted: no work for a dock nobody looks at (with 100,000
        # points, drawing them here froze every edit of the main window for 20 s).
        self._points_stale = True
        self._stale = True
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().paintEvent(event)
        if self._points_stale:
            self._points_stale = False
            QTimer.singleShot(0, self, self._draw_points)
        if self._stale:
            self._stale = False
            QTimer.singleShot(0, self, self.refit)

    def set_problem(self, problem: KernelProblem | None, net=None) -> None:
        """For scripts and tests: fit on ``problem`` directly."""
        self._problem, self._net = problem, (net.copy() if net is not None else self._net)
        self._draw_points()
        self.refit()

    def render_frame(self, frame) -> None:
        if self._net is not None and frame.snapshot is not None and frame.snapshot.weights.shape == self._net.w.shape:
            self._net.w[:] = frame.snapshot.weights
        if frame.kind == "regression1d" and frame.curves is not None:
            self.network_curve.setData(frame.grid_x, frame.curves[0])
        elif frame.kind == "classification2d" and frame.boundary is not None:
            self.network_boundary.setData(*segments_to_pairs(frame.boundary))

    def clear(self) -> None:
        self._result = None
        for curve in (self.network_curve, self.kernel_curve, self.network_boundary, self.kernel_boundary,
                      self.band_fill_lo, self.band_fill_hi, self.bagged_curve):
            clear_curve(curve)
        self.support.setData([], [])
        self.votes_image.clear()
        for points, curve in self.multiple_items:
            curve.setData([], [])
        if self._problem is None:
            self.status_label.setText(NO_DATA)

    def shutdown(self) -> None:
        self.runner.stop()

    # ------------------------------------------------------------------ fitting
    @Slot()
    def refit(self, *args) -> None:
        self._update_controls()
        if self._problem is None:
            self.clear()
            return
        settings = self.settings()
        if settings.bootstrap and not settings.quantiles[0] < settings.quantiles[1]:
            self.status_label.setText("The band's lower quantile must be below its upper one.")
            return
        self.status_label.setText("Fitting…")
        self.cancel_button.setEnabled(True)
        self.runner.run(compute, *self._fit_arguments(settings))

    def _fit_arguments(self, settings: KernelSettings) -> tuple:
        """compute's arguments: the points, the settings, a copy of the network and its training options."""
        net = self._net.copy() if self._net is not None else None
        return self._problem, settings, net, dict(self._fit_options)

    def compute_now(self, experiment) -> None:
        """Fit the kernel machine on ``experiment``'s points on this thread and draw it, with the
        network's curve or boundary: for ``render``, where no event loop runs the dock's worker."""
        self.show_experiment(experiment)
        if self._problem is None:
            raise ValueError(NO_DATA)
        self._points_stale = self._stale = False
        self._draw_points()
        self._update_controls()
        self._show_result(compute(*self._fit_arguments(self.settings())))

    def kernel_model(self):
        """The core model the view draws (for checks): fitted anew on the same points and settings."""
        s, p = self.settings(), self._problem
        machine = kernels.KernelRidge if p.kind == "regression1d" else kernels.SVM
        return machine(**s.machine()).fit(p.X, p.y)

    @Slot(object)
    def _show_result(self, result: KernelResult) -> None:
        self._result = result
        self.cancel_button.setEnabled(False)
        s = result.settings
        regression = result.curve is not None
        if regression:
            self.kernel_curve.setData(result.grid_x, result.curve)
            self.kernel_boundary.setData([], [])
            self.support.setData([], [])
        else:
            clear_curve(self.kernel_curve)
            self.kernel_boundary.setData(*segments_to_pairs(result.boundary))
            sv = result.support_vectors
            self.support.setData(sv[:, 0], sv[:, 1])
        if result.band is not None:
            self.band_fill_lo.setData(result.grid_x, result.band[0])
            self.band_fill_hi.setData(result.grid_x, result.band[1])
        else:
            clear_curve(self.band_fill_lo)
            clear_curve(self.band_fill_hi)
        if result.bagged is not None:
            self.bagged_curve.setData(result.grid_x, result.bagged)
        else:
            clear_curve(self.bagged_curve)
        if result.votes is not None:
            rgb = result.votes @ self._theme.class_rgb(result.votes.shape[2])
            image = (255 * (0.55 + 0.45 * rgb)).clip(0, 255).astype(np.uint8)  # pale: the points stay legible
            self.votes_image.setImage(np.ascontiguousarray(image.transpose(1, 0, 2)), levels=(0, 255))
            gx, gy = result.grid_x, result.grid_y
            self.votes_image.setRect(gx[0], gy[0], gx[-1] - gx[0], gy[-1] - gy[0])
        else:
            self.votes_image.clear()
        for (points, curve), multiple in zip(self.multiple_items, result.multiples):
            if regression:
                curve.setData(result.grid_x, np.clip(multiple, -1e6, 1e6), connect="all")
            else:
                curve.setData(*segments_to_pairs(multiple), connect="pairs")
        what = "kernel ridge" if regression else f"SVM, {0 if result.support_vectors is None else len(result.support_vectors)} support vectors"
        extra = f" · {s.B} bootstrap refits, {100 * s.quantiles[0]:g}–{100 * s.quantiles[1]:g} % band" if s.bootstrap else ""
        self.status_label.setText(f"{what} ({s.kernel}, σ = {s.sigma:.3g}, λ = {s.lam:.3g}){extra}"
                                  + (f" · {result.ensemble_text}" if result.ensemble_text else ""))

    @Slot(int, int)
    def _show_progress(self, done: int, total: int) -> None:
        self.status_label.setText(f"Bootstrap: {done} of {total} refits…")

    @Slot()
    def _cancelled(self) -> None:
        self.cancel_button.setEnabled(False)
        if not self.runner.running:
            self.status_label.setText("Cancelled.")

    @Slot(str)
    def _errored(self, message: str) -> None:
        self.cancel_button.setEnabled(False)
        self.status_label.setText(message)

    def _draw_points(self) -> None:
        p = self._problem
        if p is None:
            self.points.setData([], [])
            for points, _ in self.multiple_items:
                points.setData([], [])
            return
        shown = _shown_rows(p.X.shape[0])  # one pyqtgraph spot per point: at most MAX_SHOWN_POINTS of them
        if p.kind == "regression1d":
            x, y, brushes = p.X[shown, 0], p.y[shown], pg.mkBrush("#444444")
        else:
            x, y = p.X[shown, 0], p.X[shown, 1]
            palette = {int(k): pg.mkBrush(self._theme.class_color(int(k))) for k in np.unique(p.y)}
            brushes = [palette[int(k)] for k in p.y[shown]]
        self.points.setData(x, y, brush=brushes)
        for points, _ in self.multiple_items:
            points.setData(x, y, brush=brushes)
        for item in [self.plot_item] + self.multiple_plots:
            item.setAspectLocked(p.kind == "classification2d")  # circles look round, as in the data view
            item.setXRange(*p.x_range, padding=0.02)
            if p.kind == "regression1d":
                lo, hi = float(np.min(p.y)), float(np.max(p.y))
                pad = 0.3 * (hi - lo + 1e-9)
                item.setYRange(lo - pad, hi + pad, padding=0)
            else:
                item.setYRange(*p.y_range, padding=0.02)


MAX_SHOWN_POINTS = 3000


def _shown_rows(n: int) -> np.ndarray:
    """The points the panels draw: all of up to MAX_SHOWN_POINTS, else an even subsample (drawing only:
    the fits use every point, or refuse a size they cannot hold in words)."""
    if n <= MAX_SHOWN_POINTS:
        return np.arange(n)
    return np.linspace(0, n - 1, MAX_SHOWN_POINTS).astype(np.intp)
