"""Early stopping against weight decay in weight space (PRML fig. 5.13), on the current data.

"Compare" trains two copies of the current network from its starting weights in the background
(core/trajectory.py): one that stops early on the validation set and one with weight decay. The
plot shows both weight trajectories projected on the plane of the two leading eigenvectors of
the data Hessian at the end of the weight-decay run, over the contours of the training error
there. The view owns its worker (gui/background.py), started on the first comparison and
stopped when the window closes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from playground.core.trajectory import early_stopping_vs_weight_decay

from ..background import Worker, WorkerThread, start_worker
from ..contours import contour_segments
from ..theme import current_theme
from .common import EventWatcher

EARLY_COLOR = "#E69F00"  # Okabe-Ito orange
DECAY_COLOR = "#0072B2"  # Okabe-Ito blue
N_LEVELS = 12
DEFAULT_L2 = 1e-2  # when the document has no weight decay of its own
DEFAULT_PATIENCE = 20
MAX_EPOCHS = 5000


@dataclass(frozen=True, eq=False)
class TrajectoryJob:
    job_id: int
    net: object  # a copy at the starting weights
    X: object
    T: object
    validation: tuple
    l2: float
    epochs: int
    patience: int
    options: dict

    def compute(self, progress=None):
        """Both runs and the figure (PRML fig. 5.13); None when ``progress`` answered False."""
        return early_stopping_vs_weight_decay(self.net, self.X, self.T, self.validation, l2=self.l2,
                                              epochs=self.epochs, patience=self.patience, progress=progress,
                                              **self.options)


class TrajectoryWorker(Worker):
    title = "weight-space comparison"
    activity = "while comparing early stopping and weight decay"
    sigResult = Signal(int, object)  # (job id, TrajectoryFigure or None when cancelled)
    sigProgress = Signal(int, int, int)  # (job id, done, total)

    def __init__(self):
        super().__init__()
        self._job: TrajectoryJob | None = None  # the next to compute
        self._interrupted: TrajectoryJob | None = None  # stopped by a command before it was done

    def _on_compute(self, job: TrajectoryJob) -> None:
        self._job, self._interrupted = job, None

    def _on_cancel(self) -> None:
        job = self._job or self._interrupted
        if job is not None:
            self.sigResult.emit(job.job_id, None)
        self._job = self._interrupted = None

    def idle_timeout(self):
        return 0 if self._job is not None else None

    def work(self) -> None:
        job, self._job = self._job, None
        if job is None:
            return

        def progress(done, total):
            self.sigProgress.emit(job.job_id, done, total)
            return not self.should_stop()

        figure = job.compute(progress)
        if figure is not None:
            self.sigResult.emit(job.job_id, figure)
        else:
            self._interrupted = job  # a command came: Cancel reports it, a new job replaces it


def _stop_thread(handle: WorkerThread, *args) -> None:
    handle.stop()


class TrajectoryView(QWidget):
    """Fig. 5.13 for the current network and data; the window sets ``experiment_source``."""

    analysis = "trajectory"  # it draws its own computation's results, not frames

    def __init__(self, parent=None):
        super().__init__(parent)
        self.experiment_source = lambda: None  # the window's current session Experiment, or None
        self._theme = current_theme()
        self._start = None  # the network at its starting weights (show_network)
        self._job_id = 0
        self._thread: WorkerThread | None = None
        self._watcher = None
        self.figure = None  # the TrajectoryFigure drawn, for tests and export
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        row = QHBoxLayout()
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Train two copies of the network from its starting weights: one stops early "
                                       "on the validation set, one uses weight decay λ (the Regularization panel's, "
                                       f"or {DEFAULT_L2:g}). PRML fig. 5.13.")
        self.compare_button.clicked.connect(self.compare)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.compare_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.plot_widget = pg.PlotWidget(parent=self)
        item = self.plot_widget.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setLabel("bottom", "along u₁ (largest curvature)")
        item.setLabel("left", "along u₂")
        item.addLegend(offset=(-5, 5))  # top right
        for side in ("bottom", "left"):
            item.getAxis(side).enableAutoSIPrefix(False)
        self.plot_widget.setMinimumHeight(240)  # the dock scrolls rather than squash the picture
        layout.addWidget(self.plot_widget, 1)
        self._contours = pg.PlotCurveItem(connect="pairs")
        item.addItem(self._contours)
        self._paths = {
            "weight decay": pg.PlotDataItem(pen=pg.mkPen(DECAY_COLOR, width=1.5), name="weight decay"),
            "early stopping": pg.PlotDataItem(pen=pg.mkPen(EARLY_COLOR, width=3), name="early stopping"),
        }
        for curve in self._paths.values():  # early stopping on top: its path is often the start of the other
            item.addItem(curve)
        self._marks = pg.ScatterPlotItem(size=9)
        item.addItem(self._marks)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.set_theme(self._theme)
        self.clear()

    # --------------------------------------------------------------------------- LiveView
    def set_theme(self, theme) -> None:
        self._theme = theme
        self.plot_widget.setBackground(theme.background)
        item = self.plot_widget.getPlotItem()
        for side in ("bottom", "left"):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen(theme.foreground))
            axis.setTextPen(pg.mkPen(theme.foreground))
        self._contours.setPen(pg.mkPen(theme.faint(0.45), width=1))
        if self.figure is not None:
            self._draw(self.figure)

    def show_network(self, net, input_names) -> None:
        self._start = net.copy()
        self.clear()

    def render_frame(self, frame) -> None:
        """Frames do not change the picture: it is of two runs of its own."""

    def clear(self) -> None:
        self._job_id += 1  # a result still on its way is of the old network
        self.figure = None
        self._contours.setData([], [])
        for curve in self._paths.values():
            curve.setData([], [])
        self._marks.setData([], [])
        self.compare_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.status.setText("Compare early stopping with weight decay in weight space (PRML fig. 5.13): "
                            "press Compare.")

    # --------------------------------------------------------------------------- commands
    def _job(self, experiment) -> TrajectoryJob | str:
        """The two runs to train for ``experiment``, or why there are none."""
        if experiment is None or self._start is None:
            return "There is no network to train yet: add training points first."
        train = experiment.pair(experiment.split.train)
        validation = experiment.pair(experiment.split.val)
        if train is None or validation is None:
            return "Early stopping needs validation points: give the split a validation share in the Data panel."
        config = experiment.config
        options = config.training
        reg, early = options.regularization, options.early_stopping
        l2 = reg.l2 if reg.l2 > 0 else DEFAULT_L2
        patience = early.patience if early is not None else DEFAULT_PATIENCE
        self._job_id += 1
        return TrajectoryJob(self._job_id, self._start.copy(), *train, validation, l2, min(config.epochs, MAX_EPOCHS),
                             patience, dict(optimizer=options.optimizer, lr=options.lr, batch_size=options.batch_size,
                                            seed=options.seed, **options.hyper))

    def compare(self) -> None:
        job = self._job(self.experiment_source())
        if isinstance(job, str):
            self.status.setText(job)
            return
        self._ensure_worker().post("compute", job)
        self.compare_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Training both runs ({job.epochs} epochs at most, λ = {job.l2:g}, patience {job.patience})…")

    def compute_now(self, experiment) -> None:
        """Train both runs on this thread and draw them: for ``render``, where no event loop runs the worker."""
        job = self._job(experiment)
        if isinstance(job, str):
            raise ValueError(job)
        self._on_result(job.job_id, job.compute())

    def cancel(self) -> None:
        if self._thread is not None:
            self._thread.post("cancel")

    def _ensure_worker(self) -> WorkerThread:
        if self._thread is None or not self._thread.is_running():
            self.worker = TrajectoryWorker()
            self.worker.sigResult.connect(self._on_result)
            self.worker.sigProgress.connect(self._on_progress)
            self.worker.sigErrored.connect(self._on_error)
            self._thread = start_worker(self.worker, "weight-space comparison")
            self.destroyed.connect(functools.partial(_stop_thread, self._thread))
            if self._watcher is None:
                self._watcher = EventWatcher(self.window(), QEvent.Type.Close, self.stop_worker, self)
        return self._thread

    def stop_worker(self) -> bool:
        """Stop the worker and join its thread (the window is closing); True when it has ended."""
        if self._thread is None:
            return True
        return self._thread.stop()

    # --------------------------------------------------------------------------- from the worker
    @Slot(int, int, int)
    def _on_progress(self, job_id: int, done: int, total: int) -> None:
        if job_id == self._job_id:
            self.status.setText(f"Training both runs… {100 * done // max(1, total)}%")

    @Slot(int, object)
    def _on_result(self, job_id: int, figure) -> None:
        if job_id != self._job_id:
            return
        self.compare_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if figure is None:
            self.status.setText("Cancelled.")
            return
        self.figure = figure
        self._draw(figure)
        stopped, decayed = figure.paths
        self.status.setText(
            f"Early stopping ended at epoch {stopped.end_epoch} (the best validation error); weight decay "
            f"λ = {figure.l2:g} trained {decayed.end_epoch} epochs. Contours: training error per point over the "
            f"plane of the Hessian's two leading eigenvectors (eigenvalues {figure.eigenvalues[0]:.3g}, "
            f"{figure.eigenvalues[1]:.3g}) at the end of the weight-decay run.")

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self.compare_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.status.setText(message)

    # --------------------------------------------------------------------------- drawing
    def _draw(self, figure) -> None:
        error = figure.error
        finite = error[np.isfinite(error)]
        segments = []
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            levels = lo + (hi - lo) * np.linspace(0.02, 0.9, N_LEVELS) ** 2  # denser near the minimum
            for level in levels:
                segments.append(contour_segments(error, figure.grid_a, figure.grid_b, level))
        pairs = np.concatenate(segments).reshape(-1, 2) if segments else np.zeros((0, 2))
        self._contours.setData(pairs[:, 0], pairs[:, 1])
        for path, xy in zip(figure.paths, figure.projected):
            self._paths[path.label].setData(xy[:, 0], xy[:, 1])
        start = figure.projected[0][0]
        ends = figure.ends
        self._marks.setData(
            [{"pos": tuple(start), "brush": pg.mkBrush(self._theme.foreground), "symbol": "o"},
             {"pos": tuple(ends[0]), "brush": pg.mkBrush(EARLY_COLOR), "symbol": "s"},
             {"pos": tuple(ends[1]), "brush": pg.mkBrush(DECAY_COLOR), "symbol": "t"}])
        self.plot_widget.getPlotItem().setRange(xRange=(figure.grid_a[0], figure.grid_a[-1]),
                                                yRange=(figure.grid_b[0], figure.grid_b[-1]), padding=0)
