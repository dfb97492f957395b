"""The Bayesian dock (PRML 5.7): error bars and moderated outputs in the data view, the evidence procedure.

Nothing heavy runs on the GUI thread: a :class:`BayesWorker` (bayes_worker.py) gets a copy
of the weights from the frames (every N steps while training, and once when paused), builds
the Laplace approximation with ``playground.core.bayes`` and sends back a :class:`BayesPicture`,
which the :class:`BayesOverlay` copies into graphics items of the data view:

- regression with one input: the predictive mean with +-1 and +-2 sigma bands (fig. 5.22),
  sigma^2 = 1/beta + g^T A^-1 g (5.173); the dock's small plot splits sigma into its noise
  part sqrt(1/beta) and its weight-uncertainty part sqrt(g^T A^-1 g) along x;
- classification in the plane: contours 0.1 ... 0.9 of the moderated output (5.190, solid)
  and of the MAP output (dashed), and both decision boundaries (fig. 5.23, Netlab demev2).
  A softmax network shows each class's 0.5 contour, moderated and MAP.

"Run evidence procedure" trains a copy of the network from the current weights with scaled
conjugate gradients in cycles, re-estimating alpha and beta after each (Netlab demev1); the
steps are plotted (alpha, beta, gamma against W, ln evidence), the group alphas listed, and
the re-estimated values become the dock's alpha and beta. The main trainer is not changed by it;
"Train with these alpha, beta" sets the Regularization panel's weight decay to alpha/beta (per
group after a per-group procedure; alpha for a classifier), as a person would, so that training
moves to w_MAP of those hyperparameters.
A network too large for the W x W matrix is refused in a sentence in the dock.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QGraphicsItem, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout,
    QWidget,
)

from ...core import bayes
from ...core.params import BAYES_PARAMETERS
from ...core.regularizers import Regularization
from ..background import start_worker
from ..panels.widgets import LogSpinBox, configure_box, set_usable
from ..theme import current_theme
from .bayes_worker import (  # noqa: F401  (the names the dock's tests and callers know it by)
    LEVELS, BayesJob, BayesPicture, BayesRequest, BayesSettings, BayesWorker, EvidenceReport, compute_picture,
)
from .common import clear_curve
from .network_diagram import PathLayers

DEFAULT_EVERY = 100  # training steps between two posteriors
MIN_GAP = 0.5  # seconds between two requests while training: the worker shares the CPU (and the GIL) with the trainer
GAP_FACTOR = 5.0  # ... and at least this many times the last posterior's cost (a 1,000-weight net takes ~3 s)
EVIDENCE_EPOCHS = 200  # scg epochs per cycle of "Run evidence procedure"
BAND_COLOR = "#0072B2"
WEIGHT_PART_COLOR = "#D55E00"
MAP_COLOR = "#CC79A7"  # reddish purple: visible on both class shadings (the moderated lines take the foreground)
HESSIAN_CHOICES = (("exact", "exact Hessian"), ("outer_product", "outer product"))
KEYS = {
    "regression1d": "Data view: the predictive mean, dark band ±1σ, light band ±2σ; dashed: "
                    "±√(1/β), the noise alone (PRML 5.173, fig. 5.22).",
    "classification2d": "Data view: solid lines, the moderated output p(t=1|x) (PRML 5.190); dashed purple, the MAP "
                        "output y(x, w_MAP); contours at 0.1 … 0.9, bold at 0.5: the decision boundaries.",
}


# ---------------------------------------------------------------------------- drawing in the data view
class BayesOverlay:
    """The graphics items the Bayesian dock draws in the data view (hosted by DataView.host_overlay).

    Its lines (mean, noise bounds, contours and boundaries) are the layers of one item, cached in
    device pixels: they change only when a new picture comes (every few hundred steps), not with each
    frame's shading under them, and one cached item costs one blit a frame where each of the four
    contour curves cost another (the data view's repaint with them: 6.1 ms as four, 4.7 ms as one)."""

    LINES = ("mean", "noise upper", "noise lower", "moderated levels", "MAP levels", "moderated boundary",
             "MAP boundary")

    def __init__(self):
        blue = pg.mkColor(BAND_COLOR)
        self.upper1, self.lower1, self.upper2, self.lower2 = (pg.PlotCurveItem(pen=pg.mkPen(None)) for _ in range(4))
        self.band1 = pg.FillBetweenItem(self.upper1, self.lower1, brush=pg.mkBrush(0, 114, 178, 90))
        self.band2 = pg.FillBetweenItem(self.upper2, self.lower2, brush=pg.mkBrush(0, 114, 178, 45))
        dash = Qt.PenStyle.DashLine
        pens = {"mean": pg.mkPen(blue, width=2),
                "noise upper": pg.mkPen(blue, width=1, style=dash), "noise lower": pg.mkPen(blue, width=1, style=dash),
                "moderated levels": None, "MAP levels": pg.mkPen(MAP_COLOR, width=1, style=dash),
                "moderated boundary": None, "MAP boundary": pg.mkPen(MAP_COLOR, width=2, style=dash)}
        self.lines = PathLayers([(pens[name] or pg.mkPen(None), None) for name in self.LINES])
        self.set_theme(current_theme())
        for z, item in enumerate([self.band2, self.band1]):
            item.setZValue(0.5 + 0.01 * z)  # over the shading, under the points
        for item in (self.upper1, self.lower1, self.upper2, self.lower2):
            item.setVisible(False)  # only the fills between them show
        self.lines.setZValue(4.5)
        self.lines.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.picture: BayesPicture | None = None
        self.levels_drawn: dict[str, tuple] = {}  # "moderated" / "map" -> the levels their contours are at

    def items(self) -> list:
        return [self.band2, self.band1, self.upper1, self.lower1, self.upper2, self.lower2, self.lines]

    def line(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(xs, ys) of the line ``name`` (one of LINES) as drawn; contours are segment pairs."""
        return self.lines.layer_data(self.LINES.index(name))

    def set_theme(self, theme) -> None:
        self.lines.set_pen(self.LINES.index("moderated levels"), pg.mkPen(theme.foreground, width=1))
        self.lines.set_pen(self.LINES.index("moderated boundary"), pg.mkPen(theme.foreground, width=2))

    def clear(self) -> None:
        self.picture = None
        self.levels_drawn = {}
        for item in (self.upper1, self.lower1, self.upper2, self.lower2):
            clear_curve(item)
        for k in range(len(self.LINES)):
            if self.lines.layer_data(k)[0].size:
                self.lines.set_layer(k, [], [])

    def _set_line(self, name: str, xs, ys, connect: str = "all") -> None:
        self.lines.set_layer(self.LINES.index(name), xs, ys, connect=connect)

    def show(self, picture: BayesPicture) -> None:
        self.clear()
        self.picture = picture
        if picture.kind == "regression1d":
            x, m, sd = picture.grid_x, picture.mean, picture.total_sd
            self._set_line("mean", x, m)
            self.upper1.setData(x, m + sd)
            self.lower1.setData(x, m - sd)
            self.upper2.setData(x, m + 2 * sd)
            self.lower2.setData(x, m - 2 * sd)
            self._set_line("noise upper", x, m + picture.noise_sd)
            self._set_line("noise lower", x, m - picture.noise_sd)
        elif picture.kind == "classification2d":
            for name, label in (("moderated", "moderated"), ("map", "MAP")):
                levels, lines, boundary = picture.contours[name]
                self._set_line(f"{label} levels", *lines, connect="pairs")
                self._set_line(f"{label} boundary", *boundary, connect="pairs")
                self.levels_drawn[name] = levels


# ---------------------------------------------------------------------------- the dock
class BayesView(QWidget):
    """The "Bayesian" dock (module docstring); speaks gui/views.LiveView."""

    analysis = None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.overlay = BayesOverlay()
        self._data_view = None
        self._regularization_panel = None
        self._handle = None  # the worker's thread, started with the first request
        self.worker: BayesWorker | None = None
        self._job: BayesJob | None = None
        self._serial = 0
        self._last_request_steps: int | None = None
        self._last_request_time = -math.inf
        self._min_gap = MIN_GAP
        self._last_weights: np.ndarray | None = None
        self._last_frame = None
        self.evidence_steps: tuple = ()
        self._group_alphas: dict | None = None  # re-estimated per group by the evidence procedure
        self.pictures_shown = 0
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.show_box = QCheckBox("Draw in the data view")
        self.show_box.setToolTip("The error bars (regression) or the moderated output's contours "
                                 "(classification) in the data view")
        self.show_box.setChecked(True)
        layout.addWidget(self.show_box)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # a narrow dock: labels above their fields
        self.alpha_box = _log_box(BAYES_PARAMETERS["alpha"], 0.01)
        self.beta_box = _log_box(BAYES_PARAMETERS["beta"], 50.0)
        self.hessian_box = QComboBox()
        for key, label in HESSIAN_CHOICES:
            self.hessian_box.addItem(label, key)
        self.group_box = QCheckBox("one \u03b1 per group (w1, b1, w2, b2)")
        self.every_box = QSpinBox()
        self.every_box.setRange(1, 100_000)
        self.every_box.setValue(DEFAULT_EVERY)
        self.every_box.setSuffix(" steps")
        form.addRow("\u03b1 (prior precision)", self.alpha_box)
        form.addRow("\u03b2 (noise precision)", self.beta_box)
        form.addRow("Hessian", self.hessian_box)
        form.addRow("", self.group_box)
        form.addRow("Update every", self.every_box)
        layout.addLayout(form)
        self.status = QLabel("Train or press Step to see the Laplace approximation.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.key = QLabel("")  # what the lines in the data view are
        self.key.setWordWrap(True)
        layout.addWidget(self.key)

        self.sd_plot = pg.PlotWidget()
        self.sd_plot.setMinimumHeight(110)
        self.sd_plot.setLabel("left", "\u03c3")
        self.sd_plot.setLabel("bottom", "x")
        self.sd_plot.setTitle("predictive \u03c3 = \u221a(1/\u03b2 + g\u1d40A\u207b\u00b9g)", size="9pt")
        self.total_sd_curve = self.sd_plot.plot(pen=pg.mkPen(BAND_COLOR, width=2), name="total")
        self.noise_sd_curve = self.sd_plot.plot(pen=pg.mkPen("#009E73", width=1, style=Qt.PenStyle.DashLine))
        self.weight_sd_curve = self.sd_plot.plot(pen=pg.mkPen(WEIGHT_PART_COLOR, width=1))
        self.sd_plot.getAxis("left").enableAutoSIPrefix(False)
        self.sd_legend = QLabel("<span style='color:#0072B2'>\u2501</span> total &nbsp; "
                                "<span style='color:#009E73'>\u254d</span> noise \u221a(1/\u03b2) &nbsp; "
                                "<span style='color:#D55E00'>\u2501</span> weights \u221a(g\u1d40A\u207b\u00b9g)")
        self.sd_legend.setWordWrap(True)
        layout.addWidget(self.sd_plot, 1)
        layout.addWidget(self.sd_legend)

        row = QHBoxLayout()
        self.cycles_box = QSpinBox()
        self.cycles_box.setRange(BAYES_PARAMETERS["cycles"].lo, 50)
        self.cycles_box.setValue(5)
        self.cycles_box.setSuffix(" cycles")
        self.evidence_button = QPushButton("Run evidence procedure")
        self.use_button = QPushButton("Train with these α, β")
        self.use_button.setToolTip("Set the Regularization panel's weight decay to α/β (α for a "
                                   "classifier), so that training moves to w_MAP of these hyperparameters")
        row.addWidget(self.cycles_box)
        row.addWidget(self.evidence_button, 1)
        layout.addLayout(row)
        layout.addWidget(self.use_button)
        self.evidence_plot = pg.GraphicsLayoutWidget()
        self.evidence_plot.setMinimumHeight(240)
        self.hyper_plot = self.evidence_plot.addPlot(row=0, col=0, title="log\u2081\u2080 \u03b1 and \u03b2")
        self.gamma_plot = self.evidence_plot.addPlot(row=1, col=0, title="\u03b3 (effective parameters) and W")
        self.logev_plot = self.evidence_plot.addPlot(row=2, col=0, title="ln p(D | \u03b1, \u03b2)")
        self.logev_plot.setLabel("bottom", "re-estimation")
        self.alpha_curves: dict[str, pg.PlotDataItem] = {}
        self.beta_curve = self.hyper_plot.plot(pen=pg.mkPen("#009E73", width=2), symbol="s", symbolSize=5)
        self.gamma_curve = self.gamma_plot.plot(pen=pg.mkPen(BAND_COLOR, width=2), symbol="o", symbolSize=5)
        self.w_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#888888", style=Qt.PenStyle.DashLine))
        self.gamma_plot.addItem(self.w_line)
        self.logev_curve = self.logev_plot.plot(pen=pg.mkPen(MAP_COLOR, width=2), symbol="o", symbolSize=5)
        layout.addWidget(self.evidence_plot, 2)
        self.alpha_label = QLabel("")
        self.alpha_label.setWordWrap(True)
        layout.addWidget(self.alpha_label)

        self.alpha_box.valueChanged.connect(self._alpha_typed)
        self.beta_box.valueChanged.connect(self._settings_changed)
        self.hessian_box.currentIndexChanged.connect(self._settings_changed)
        self.group_box.toggled.connect(self._settings_changed)
        self.show_box.toggled.connect(self._show_toggled)
        self.evidence_button.clicked.connect(self.run_evidence)
        self.use_button.clicked.connect(self.use_for_training)

    # ------------------------------------------------------------------ settings
    def settings(self) -> BayesSettings:
        alpha = self._group_alphas if (self._group_alphas and self.group_box.isChecked()) else self.alpha_box.value()
        return BayesSettings(alpha, self.beta_box.value(), self.hessian_box.currentData(), self.group_box.isChecked())

    def _alpha_typed(self, *args) -> None:
        self._group_alphas = None  # a typed alpha is every group's again
        self._settings_changed()

    def _settings_changed(self, *args) -> None:
        if self.worker is not None:
            self.worker.mailbox.post("settings", self.settings())
        self._request(self._last_frame, force=True)

    def _show_toggled(self, on: bool) -> None:
        if on:
            self._request(self._last_frame, force=True)
        else:
            self.overlay.clear()

    # ------------------------------------------------------------------ the window's hooks (gui/views.py)
    def attach_window(self, window) -> None:
        """gui/views.py's hook: draw in the window's data view; "Train with these" edits its
        Regularization panel as a person would."""
        self._data_view = window.data_view
        window.data_view.host_overlay(self.overlay)
        self._regularization_panel = getattr(window, "regularization_panel", None)

    def use_for_training(self) -> None:
        """The button: the trainer minimises beta E_D + alpha/2 |w|^2 from now on, i.e. E_D plus the
        weight decay alpha / beta (per group after a per-group procedure), set in the Regularization panel."""
        panel = self._regularization_panel
        if panel is None:
            return
        settings = self.settings()
        beta = settings.beta if (self._job is not None and self._job.net.output == "linear") else None
        decay = bayes.weight_decay_for(settings.alpha, beta)
        panel.set_regularization(Regularization(decay["l2"], decay["l2_groups"], panel.regularization().l1))
        panel.sigRegularizationChanged.emit(panel.regularization())
        shown = (", ".join(f"{g} {v:.3g}" for g, v in decay["l2_groups"].items()) if decay["l2_groups"]
                 else f"{decay['l2']:.3g}")
        self.status.setText(f"Training now minimises E_D plus weight decay λ = {'α/β' if beta else 'α'}"
                            f" = {shown} (the Regularization panel shows it).")

    def show_experiment(self, experiment) -> None:
        """A newly built experiment: its network's architecture and training data for the worker."""
        self._serial += 1
        train = experiment.pair(experiment.split.train)
        self._last_frame = self._last_weights = self._last_request_steps = None
        self.overlay.clear()
        if train is None:
            self._job = None
        else:
            self._job = BayesJob(self._serial, experiment.net.copy(), train[0], train[1], experiment.features)
        if self.worker is not None:
            self.worker.mailbox.post("job", self._job)

    def set_theme(self, theme) -> None:
        self.sd_plot.setBackground(theme.background)
        self.evidence_plot.setBackground(theme.background)
        self.overlay.set_theme(theme)

    def show_network(self, net, input_names) -> None:
        self.sd_plot.setLabel("bottom", input_names[0] if input_names else "x")

    def clear(self) -> None:
        self._job = None
        self.overlay.clear()
        for curve in (self.total_sd_curve, self.noise_sd_curve, self.weight_sd_curve):
            curve.setData([], [])
        if self.worker is not None:
            self.worker.mailbox.post("job", None)

    def render_frame(self, frame) -> None:
        self._last_frame = frame
        self._request(frame)

    # ------------------------------------------------------------------ requests
    def _ensure_worker(self) -> BayesWorker:
        if self.worker is None:
            self.worker = BayesWorker()
            self.worker.sigPicture.connect(self._on_picture)
            self.worker.sigEvidence.connect(self._on_evidence)
            self.worker.mailbox.post("settings", self.settings())
            self.worker.mailbox.post("job", self._job)
            self._handle = start_worker(self.worker, "bayes")
        return self.worker

    def _request(self, frame, force: bool = False) -> None:
        """Post the frame's weights to the worker: every N steps while training, once when paused."""
        if frame is None or self._job is None or not self.show_box.isChecked() or frame.grid_x is None:
            return
        snap = frame.snapshot
        if not force:
            if frame.running:
                due = self._last_request_steps is None or snap.steps - self._last_request_steps >= self.every_box.value()
                if not due or time.monotonic() - self._last_request_time < self._min_gap:
                    return
            elif self._last_weights is not None and np.array_equal(self._last_weights, snap.weights):
                return
        self._last_request_steps, self._last_request_time = snap.steps, time.monotonic()
        self._last_weights = snap.weights
        request = BayesRequest(self._serial, np.array(snap.weights), snap.epoch, frame.kind, np.array(frame.grid_x),
                               None if frame.grid_y is None else np.array(frame.grid_y))
        self._ensure_worker().mailbox.post("compute", request)

    def run_evidence(self) -> None:
        """The button: the evidence procedure from the current weights, on a copy (module docstring)."""
        if self._job is None or self._last_weights is None:
            self.status.setText("Build a network and train it a little first: the procedure starts from its weights.")
            return
        self.evidence_steps = ()
        set_usable(self.evidence_button, False)
        self.status.setText("Running the evidence procedure\u2026")
        self._ensure_worker().mailbox.post("evidence", self.cycles_box.value(), EVIDENCE_EPOCHS,
                                           np.array(self._last_weights))

    # ------------------------------------------------------------------ results (GUI thread)
    @Slot(object)
    def _on_picture(self, picture: BayesPicture) -> None:
        if picture.serial != self._serial:
            return  # an older network's
        if picture.kind == "none":
            self.overlay.clear()
            self.status.setText(picture.message)
            return
        self._min_gap = max(MIN_GAP, GAP_FACTOR * picture.seconds)
        if self.show_box.isChecked():
            self.overlay.show(picture)
        self.key.setText(KEYS[picture.kind])
        self.pictures_shown += 1
        text = (f"At epoch {picture.epoch}: \u03b3 = {picture.gamma:.3g} of W = {picture.n_params} well-determined "
                f"parameters, ln evidence {picture.log_evidence:.4g}.")
        if isinstance(self.settings().alpha, dict):
            text += " α per group as re-estimated below (typing an α gives every group that value)."
        self.status.setText(text + (" " + picture.message if picture.message else ""))
        if picture.kind == "regression1d":
            x = picture.grid_x
            self.total_sd_curve.setData(x, picture.total_sd)
            self.noise_sd_curve.setData(x, np.full_like(x, picture.noise_sd))
            self.weight_sd_curve.setData(x, picture.weight_sd)
        else:
            for curve in (self.total_sd_curve, self.noise_sd_curve, self.weight_sd_curve):
                curve.setData([], [])

    @Slot(object)
    def _on_evidence(self, report: EvidenceReport) -> None:
        if report.serial != self._serial:
            return
        self.evidence_steps = report.steps
        self._plot_evidence(report.steps)
        if report.done:
            set_usable(self.evidence_button, True)
            if report.alpha is not None:
                alpha = report.alpha
                blockers = [self.alpha_box.blockSignals(True), self.beta_box.blockSignals(True)]
                mean_alpha = float(np.exp(np.mean(np.log(list(alpha.values()))))) if isinstance(alpha, dict) else alpha
                self.alpha_box.setValue(mean_alpha)
                if report.beta is not None:
                    self.beta_box.setValue(report.beta)
                self.alpha_box.blockSignals(blockers[0])
                self.beta_box.blockSignals(blockers[1])
                self._group_alphas = dict(alpha) if isinstance(alpha, dict) else None
                self._settings_changed()
            self.status.setText(report.message or f"Evidence procedure done: {len(report.steps)} re-estimations.")

    def _plot_evidence(self, steps) -> None:
        n = np.arange(1, len(steps) + 1)
        if not steps:
            return
        groups = steps[0].alpha if isinstance(steps[0].alpha, dict) else {"all": steps[0].alpha}
        colors = ["#0072B2", "#CC79A7", "#E69F00", "#56B4E9"]
        for name in list(self.alpha_curves):
            if name not in groups:
                self.hyper_plot.removeItem(self.alpha_curves.pop(name))
        for i, name in enumerate(groups):
            if name not in self.alpha_curves:
                self.alpha_curves[name] = self.hyper_plot.plot(pen=pg.mkPen(colors[i % 4], width=2), symbol="o",
                                                               symbolSize=5)
            values = [s.alpha[name] if isinstance(s.alpha, dict) else s.alpha for s in steps]
            self.alpha_curves[name].setData(n, np.log10(values))
        if steps[0].beta is not None:
            self.beta_curve.setData(n, np.log10([s.beta for s in steps]))
        else:
            self.beta_curve.setData([], [])
        self.gamma_curve.setData(n, [s.gamma for s in steps])
        self.w_line.setValue(steps[-1].n_params)
        self.logev_curve.setData(n, [s.log_evidence for s in steps])
        last = steps[-1]
        if isinstance(last.alpha, dict):
            alphas = ", ".join(f"\u03b1_{g} = {a:.3g}" for g, a in last.alpha.items())
        else:
            alphas = f"\u03b1 = {last.alpha:.3g}"
        beta = "" if last.beta is None else f", \u03b2 = {last.beta:.3g}"
        self.alpha_label.setText(f"After {len(steps)} re-estimations: {alphas}{beta}; \u03b3 = {last.gamma:.3g} "
                                 f"of W = {last.n_params}. Colours: " + ", ".join(
                                     f"<span style='color:{colors[i % 4]}'>\u03b1 {g}</span>"
                                     for i, g in enumerate(groups)) + ", <span style='color:#009E73'>\u03b2</span>.")

    # ------------------------------------------------------------------ visibility and closing
    def hideEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.overlay.clear()  # a frozen band behind another tab would mislead
        super().hideEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self._request(self._last_frame, force=True)

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Stop and join the worker's thread (the window closes)."""
        if self._handle is None:
            return True
        return self._handle.stop(timeout)


def _log_box(constraint, value: float) -> LogSpinBox:
    """A precision's box: typed as 0.01 or 1e-2, arrows along 1, 2, 5, 10; the range from core/params."""
    return configure_box(LogSpinBox(1e-4, 1e6, value, digits=3), constraint)
