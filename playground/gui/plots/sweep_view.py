"""Many fits on the window's data: PRML fig. 5.10 and fig. 5.9 (core/sweeps.py).

"Fig. 5.10": the test (or validation) error of every fit, M = 1 ... 12 hidden units x 30 random
starts (both settable), as a scatter against M with the mean of each M; clicking a dot loads that
network into the main window. "Fig. 5.9": the same data fitted with M = 1, 3 and 10, side by side.
The fits run in a process pool on all cores, driven from a JobRunner thread; the progress bar
shows how many are done and about how long the rest will take, and Cancel ends the pool's
processes. "Save as CSV" writes one row per fit (session/atomic.py).
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QSpinBox, QTabWidget,
    QVBoxLayout, QWidget,
)

from playground.core import sweeps
from playground.core.datasets import map_features
from playground.core.params import SWEEP_PARAMETERS
from playground.session.atomic import atomic_write_text
from playground.session.sweeps import sweep_data, sweep_settings

from ..panels.widgets import configure_box, set_usable
from ..theme import current_theme
from .common import NEXT_TURN_MS
from .jobs import JobRunner

_log = logging.getLogger("playground.sweeps")

DOT_COLOR = "#0072B2"
MEAN_COLOR = "#D55E00"
CURVE_POINTS = 300
NO_DATA = "Sweeps need training points and a network that can train on them."


def format_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"


class SweepView(QWidget):
    """The sweep dock (module docstring). ``sigLoadNetwork(result, index)``: a dot was clicked."""

    analysis = None
    sigLoadNetwork = Signal(object, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._theme = current_theme()
        self._data: sweeps.SweepData | None = None
        self._base: dict = {}  # hidden activation and output of the window's network
        self._features = None
        self._raw = None  # (x, t) of the training points for fig. 5.9's panels (1-D regression)
        self._x_range = (0.0, 1.0)
        self._started = 0.0
        self._running = ""
        self.result: sweeps.SweepResult | None = None  # fig. 5.10's
        self.fig_5_9_result: sweeps.SweepResult | None = None
        self.runner = JobRunner("sweeps", self)
        # Its processes start when the dock first shows, so the sweep a student starts a moment
        # later does not wait ~1 s for each worker's imports; they are kept until a cancel or close.
        self.pool = sweeps.WorkerPool()
        self._closed = False
        # fill the dock's scroll area, scrolling only below this: the plots' large size hints would
        # otherwise make it scroll in any dock of ordinary height
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.setMinimumHeight(250)

        self.units_spin = self._spin("units", 12, "M = 1 … ", "", "The largest number of hidden units")
        self.starts_spin = self._spin("starts", 30, "", " starts", "Random starts for each M")
        self.epochs_spin = self._spin("epochs", 300, "", " epochs", "Epochs of scaled conjugate gradients for each fit")
        self.part_combo = QComboBox(self)
        self.part_combo.addItem("test error", "test")
        self.part_combo.addItem("validation error", "validation")
        self.run_button = QPushButton("Run fig. 5.10", self)
        self.run_9_button = QPushButton("Run fig. 5.9", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.save_button = QPushButton("Save as CSV…", self)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(12)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(False)  # a wrapping label makes the scroll area keep the full height
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # long: clipped

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.scatter_widget = pg.PlotWidget(parent=self)
        self.scatter_plot = self.scatter_widget.getPlotItem()
        self.scatter_plot.setMenuEnabled(False)
        self.scatter_plot.setLabel("bottom", "M (hidden units)")
        self.scatter_plot.setLabel("left", "error per point")
        self.dots = pg.ScatterPlotItem(size=7, pen=None, brush=pg.mkBrush(0, 114, 178, 140), hoverable=True,
                                       tip=self._dot_tip)
        self.mean_curve = pg.PlotDataItem(pen=pg.mkPen(MEAN_COLOR, width=2), symbol="o", symbolSize=6,
                                          symbolBrush=MEAN_COLOR, symbolPen=None)
        self.scatter_plot.addItem(self.dots)
        self.scatter_plot.addItem(self.mean_curve)
        self.tabs.addTab(self.scatter_widget, "Fig. 5.10")
        page = QWidget(self)
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        self.panels = []
        for i, m in enumerate(sweeps.FIG_5_9_UNITS):
            widget = pg.PlotWidget(parent=page)
            item = widget.getPlotItem()
            item.setMenuEnabled(False)
            item.setTitle(f"M = {m}", size="9pt")
            points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("#333333"), brush=pg.mkBrush("#FFFFFF"))
            curve = pg.PlotCurveItem(pen=pg.mkPen("#D55E00", width=2))
            item.addItem(points)
            item.addItem(curve)
            grid.addWidget(widget, 0, i)
            self.panels.append((item, points, curve))
        self.tabs.addTab(page, "Fig. 5.9")

        settings = QHBoxLayout()
        for widget in (self.units_spin, self.starts_spin, self.epochs_spin, self.part_combo, self.run_button,
                       self.run_9_button, self.cancel_button, self.save_button):
            widget.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            settings.addWidget(widget)
        settings.addStretch(1)
        progress = QHBoxLayout()
        progress.addWidget(self.status_label, 1)
        progress.addWidget(self.progress_bar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(settings)
        layout.addLayout(progress)
        layout.addWidget(self.tabs, 1)

        self.run_button.clicked.connect(self.run_fig_5_10)
        self.run_9_button.clicked.connect(self.run_fig_5_9)
        self.cancel_button.clicked.connect(self.cancel)
        self.save_button.clicked.connect(self._ask_save)
        self.part_combo.currentIndexChanged.connect(self._draw_scatter)
        self.dots.sigClicked.connect(self._dot_clicked)
        self.runner.sigResult.connect(self._finished)
        self.runner.sigProgress.connect(self._progress)
        self.runner.sigCancelled.connect(self._cancelled)
        self.runner.sigErrored.connect(self._errored)
        self._set_running("")
        self.status_label.setText(NO_DATA)

    def _spin(self, setting: str, value, prefix, suffix, tip) -> QSpinBox:
        spin = configure_box(QSpinBox(self), SWEEP_PARAMETERS[setting])  # the range declared in core/params.py
        spin.setValue(value)
        spin.setPrefix(prefix)
        spin.setSuffix(suffix)
        spin.setToolTip(tip)
        return spin

    # ------------------------------------------------------------------ LiveView
    def set_theme(self, theme) -> None:
        self._theme = theme
        self.scatter_widget.setBackground(theme.background)
        for item, _, _ in self.panels:
            item.getViewWidget().setBackground(theme.background)

    def show_network(self, net, input_names=None) -> None:
        """Nothing to do: a sweep trains networks of its own."""

    def render_frame(self, frame) -> None:
        """Nothing to do: frames are the window's network, not the sweep's."""

    def clear(self) -> None:
        """Keep the results: they belong to the data they were run on until a new sweep."""

    def attach(self, window) -> None:
        """A clicked dot's network goes into ``window`` (gui/actions/compare.py does it)."""
        from ..actions.compare import load_sweep_network

        self.sigLoadNetwork.connect(lambda result, index: load_sweep_network(window, result, index))

    def shutdown(self) -> None:
        self._closed = True
        self.runner.stop()
        self.pool.terminate()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.pool.started:
            QTimer.singleShot(NEXT_TURN_MS, self, self._warm_pool)  # after the dock has painted

    def _warm_pool(self) -> None:
        if self.isVisible() and not self._closed and not self.pool.started:
            try:
                self.pool.warm()
            except Exception:  # started ahead only to save time: Run starts them again and says what fails
                _log.warning("could not start the sweep's worker processes ahead", exc_info=True)
                self.pool.terminate()

    def show_experiment(self, experiment) -> None:
        """The window's data and network kind: what the next sweep fits."""
        data = sweep_data(experiment)
        if data is None:
            self._data = None
            if not self._running:
                self.status_label.setText(NO_DATA)
            return
        one_input_curve = experiment.dataset.kind == "regression" and experiment.dataset.n_inputs == 1
        self.set_data(data, features=experiment.features, **sweep_settings(experiment),
                      raw=(experiment.split.train.X, experiment.split.train.t) if one_input_curve else None)

    def set_data(self, data: sweeps.SweepData, hidden="tanh", output="linear", features=None, raw=None) -> None:
        self._data, self._base, self._features, self._raw = data, dict(hidden=hidden, output=output), features, raw
        if raw is not None:
            x = np.asarray(raw[0])[:, 0]
            pad = 0.05 * (x.max() - x.min() + 1e-9)
            self._x_range = (float(x.min() - pad), float(x.max() + pad))
        if not self._running:
            self.status_label.setText(f"{len(data.X)} training points; "
                                      f"{'no validation points, ' if data.X_val is None else ''}"
                                      f"{'no test points' if data.X_test is None else f'{len(data.X_test)} test points'}")
        for _, points, curve in self.panels:
            if raw is None:
                points.setData([], [])
            else:
                points.setData(np.asarray(raw[0])[:, 0], np.asarray(raw[1])[:, 0])

    # ------------------------------------------------------------------ running
    def config(self, figure: str = "5.10") -> sweeps.SweepConfig:
        common = dict(epochs=self.epochs_spin.value(), **self._base)
        if figure == "5.9":
            return sweeps.SweepConfig.fig_5_9(**common)
        return sweeps.SweepConfig(units=tuple(range(1, self.units_spin.value() + 1)), starts=self.starts_spin.value(),
                                  **common)

    def run_fig_5_10(self) -> None:
        self._run("5.10")

    def run_fig_5_9(self) -> None:
        self._run("5.9")

    def _run(self, figure: str) -> None:
        if self._data is None:
            self.status_label.setText(NO_DATA)
            return
        config = self.config(figure)
        self._started = time.monotonic()
        self._set_running(figure)
        self.progress_bar.setRange(0, len(config.jobs()))
        self.progress_bar.setValue(0)
        self.status_label.setText(f"Starting {len(config.jobs())} fits on all cores…")
        self.runner.run(sweeps.run_sweep, config, self._data, pool=self.pool)
        if figure == "5.9":
            self.tabs.setCurrentIndex(1)
        else:
            self.tabs.setCurrentIndex(0)

    def cancel(self) -> None:
        self.runner.cancel()

    def compute_now(self, experiment, figure: str = "5.10") -> None:
        """Run the sweep on ``experiment``'s data on this thread (in the process pool) and draw it:
        for ``render``, where no event loop waits for the dock's runner."""
        self.show_experiment(experiment)
        if self._data is None:
            raise ValueError(NO_DATA)
        self._started = time.monotonic()
        self._set_running(figure)
        self._finished(sweeps.run_sweep(self.config(figure), self._data, pool=self.pool))

    def _set_running(self, figure: str) -> None:
        self._running = figure
        set_usable(self.run_button, not figure)
        set_usable(self.run_9_button, not figure)
        self.cancel_button.setEnabled(bool(figure))
        set_usable(self.save_button, not figure and self.result is not None)
        self.progress_bar.setVisible(bool(figure))

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        self.progress_bar.setValue(done)
        elapsed = time.monotonic() - self._started
        left = f", about {format_seconds(elapsed / done * (total - done))} left" if done else ""
        self.status_label.setText(f"{done} of {total} fits{left}")

    @Slot(object)
    def _finished(self, result: sweeps.SweepResult) -> None:
        figure = self._running
        seconds = time.monotonic() - self._started
        if figure == "5.9":
            self.fig_5_9_result = result
            self._draw_fig_5_9()
        else:
            self.result = result
            self._draw_scatter()
        self._set_running("")
        self.status_label.setText(f"{len(result.outcomes)} fits in {format_seconds(seconds)}"
                                  + (" · click a dot to load its network" if figure != "5.9" else ""))

    @Slot()
    def _cancelled(self) -> None:
        self._set_running("")
        self.status_label.setText("Cancelled; no fits are running.")

    @Slot(str)
    def _errored(self, message: str) -> None:
        self._set_running("")
        self.status_label.setText(message)

    # ------------------------------------------------------------------ drawing
    def part(self) -> str:
        return self.part_combo.currentData()

    def _draw_scatter(self, *args) -> None:
        if self.result is None:
            return
        m, e = self.result.errors(self.part())
        rng = np.random.default_rng(0)  # a little sideways jitter, the same every time: dots of one M stay apart
        spots = [dict(pos=(mi + jitter, ei), data=i) for i, (mi, ei, jitter)
                 in enumerate(zip(m, e, rng.uniform(-0.15, 0.15, len(m)))) if np.isfinite(ei)]
        self.dots.setData(spots)
        units, means = self.result.means(self.part())
        self.mean_curve.setData(units, means)
        if not spots:
            self.status_label.setText(f"No {self.part()} points: the {self.part()} share of the split is empty.")

    def _dot_tip(self, x, y, data) -> str:
        o = self.result.outcomes[data]
        return f"M = {o.units}, start {o.start + 1}: {self.part()} error {o.error(self.part()):.4g}\nclick to load"

    def _dot_clicked(self, item, points, *args) -> None:
        if len(points) and self.result is not None:
            self.sigLoadNetwork.emit(self.result, int(points[0].data()))

    def _draw_fig_5_9(self) -> None:
        result = self.fig_5_9_result
        if result is None or self._raw is None:
            for _, _, curve in self.panels:
                curve.setData([], [])
            if result is not None:
                self.status_label.setText("Fig. 5.9 draws curves for one input and real targets.")
            return
        gx = np.linspace(*self._x_range, CURVE_POINTS)
        inputs = gx[:, None] if self._features is None else map_features(gx[:, None], self._features)
        for (_, _, curve), index in zip(self.panels, range(len(result.outcomes))):
            curve.setData(gx, result.network(index).forward(inputs)[:, 0])

    def save_csv(self, path: str) -> bool:
        """Write the fig. 5.10 results to ``path``; False (and a sentence in the status line) on failure."""
        if self.result is None:
            self.status_label.setText("Run a sweep before saving its results.")
            return False
        try:
            atomic_write_text(path, self.result.csv_text())
        except OSError as error:
            self.status_label.setText(f"Could not save {path}: {error.strerror or error}.")
            return False
        self.status_label.setText(f"Saved {len(self.result.outcomes)} fits to {path}.")
        return True

    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save sweep results", "sweep.csv", "CSV files (*.csv)")
        if path:
            self.save_csv(path)
