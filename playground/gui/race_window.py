"""The optimiser race window (PRML 5.4): why Newton-type methods need only a handful of steps.

The same start trained by gradient descent, momentum, Adam, SCG, L-BFGS and Newton
(or any optimisers ticked in the list); their training errors overlaid against
steps and against compute time. The race (playground.core.race) runs on a worker
of gui/background.py, like the trainer: the worker owns the Race, advances it in
chunks of one frame interval, reads its mailbox (race, play, stop) between chunks
and emits immutable snapshots; the window keeps only the newest and draws it from
a ~30 Hz timer. Closing the window (or quitting the app, through the registry of
background.py) stops and joins the thread.
"""

from __future__ import annotations

import functools
import html
import math

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QEvent, QPointF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ..core import OPTIMIZERS
from ..core.race import DEFAULT_CONTENDERS, Contender, Race, RaceSnapshot
from .plots.common import EventWatcher
from .plots.common import stepped_range
from .background import FRAME_INTERVAL, Worker, WorkerThread, describe_failure, start_worker
from .theme import CLASS_COLORS, current_theme

DEFAULT_MAX_STEPS = 2000
MAX_STEPS_LIMIT = 50_000
MAX_DRAWN_POINTS = 1500  # longer curves are thinned to real data points (thin_curve)
LOG_FLOOR = 1e-8  # the log error axis goes no lower (a fit this close is as good as exact here)

# Okabe-Ito colours (theme.CLASS_COLORS), warm for gradient-only methods and cool for
# methods that use curvature; a method's relative (Nesterov to momentum, RMSprop to Adam,
# CG to SCG, BFGS to L-BFGS, LM to Newton) shares its colour with a dashed line.
_ORANGE, _BLUE, _GREEN, _VERMILLION, _PINK, _SKY = CLASS_COLORS
OPTIMIZER_COLORS = {
    "gd": _ORANGE, "momentum": _VERMILLION, "nesterov": _VERMILLION, "rmsprop": _PINK, "adam": _PINK,
    "scg": _GREEN, "cg": _GREEN, "lbfgs": _SKY, "bfgs": _SKY, "newton": _BLUE, "lm": _BLUE,
}
_RELATIVES = ("nesterov", "rmsprop", "cg", "bfgs", "lm")
_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)
PEN_WIDTH = 2  # a classroom projector needs more than the live plots' 1 px

STEP_HELP = (
    "One step is one iteration of the optimiser on the whole training set. A Newton step computes "
    "the W\u00d7W Hessian and solves a linear system with it (PRML 5.4), an L-BFGS or SCG step a line "
    "search or a curvature estimate: far more work than one gradient step. So compare both plots. "
    "Each optimiser's clock counts only its own steps; they take turns on one thread."
)


def _fmt(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "\u2013"


def _decade_label(log_value: float) -> str:
    value = 10.0 ** log_value
    if 1e-3 <= value < 1e4:
        return f"{value:.3f}".rstrip("0").rstrip(".") if value < 1 else f"{value:.0f}"
    return f"{value:.0e}"


def thin_curve(y: np.ndarray, max_points: int = MAX_DRAWN_POINTS, head: int = 300):
    """Indices of the points to draw of a long curve (None: draw all of them).

    Wide antialiased lines are slow to paint, so a curve of more than ``max_points``
    points keeps its first ``head`` points (the start, where a log step axis spends
    its room) and, of the rest, in each block of consecutive points the one with the
    smallest and the one with the largest value (spikes survive), plus the last
    point. Every drawn point is a real (step, seconds, error) of the race.
    """
    n = y.shape[0]
    if n <= max_points:
        return None
    rest = y[head:]
    blocks = max(1, (max_points - head) // 2)
    size = -(-rest.shape[0] // blocks)  # ceil
    padded = np.full(blocks * size, np.nan)
    padded[: rest.shape[0]] = rest
    padded = padded.reshape(blocks, size)
    finite = np.isfinite(padded)
    lo = np.where(finite, padded, np.inf).argmin(axis=1)
    hi = np.where(finite, padded, -np.inf).argmax(axis=1)
    base = np.arange(blocks) * size + head
    keep = np.concatenate([np.arange(head), base + lo, base + hi, [n - 1]])
    keep = np.unique(keep[keep < n])
    return keep


def _swatch(color: str, style: Qt.PenStyle, size: QSize = QSize(28, 12)) -> QIcon:
    pixmap = QPixmap(size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(color), 2.5)
    pen.setStyle(style)
    painter.setPen(pen)
    painter.drawLine(1, size.height() // 2, size.width() - 1, size.height() // 2)
    painter.end()
    return QIcon(pixmap)


# ====================================================================================== worker
class RaceWorker(Worker):
    """Owns the Race once it has been handed over; lives in the race thread."""

    title = "optimiser race"
    activity = "while racing"
    sigSnapshot = Signal(int, object)  # (race id, RaceSnapshot)

    def __init__(self):
        super().__init__()
        self.race: Race | None = None
        self.race_id = 0
        self.running = False

    def idle_timeout(self) -> float | None:
        return 0 if self.running and self.race is not None else None

    def work(self) -> None:
        if self.running and self.race is not None:
            snap = self.race.advance(FRAME_INTERVAL, should_stop=self.should_stop)  # a command answers at once
            if snap.finished:
                self.running = False
            self.sigSnapshot.emit(self.race_id, snap)

    def on_failure(self) -> None:
        self.running = False

    def _on_race(self, race_id: int, race: Race) -> None:
        self.race_id, self.race = race_id, race
        self.sigSnapshot.emit(race_id, race.snapshot())

    def _on_play(self, running: bool) -> None:
        self.running = bool(running) and self.race is not None


def _stop_thread(handle: WorkerThread, *args) -> None:
    """Stop and join a race thread whose window is being destroyed without closing."""
    if shiboken6.isValid(handle.thread):
        handle.stop()


# ====================================================================================== window
class _Lane:
    """The window's side of one contender: its two curves and how it was drawn last."""

    def __init__(self, label: str, color: str, style: Qt.PenStyle):
        pen = pg.mkPen(color, width=PEN_WIDTH, style=style)
        self.label = label
        self.color = color
        self.style = style
        self.steps_curve = pg.PlotDataItem(pen=pen, connect="finite", name=label)
        self.seconds_curve = pg.PlotDataItem(pen=pen, connect="finite", name=label)
        self.drawn = None  # (points, status) of the last draw


class RaceWindow(QWidget):
    """A top-level window racing optimisers from one start (module docstring).

    ``net`` is the network to start from (the caller passes a copy; it is never
    trained here), ``X``, ``T`` the training inputs and targets, ``contenders`` the
    optimisers ticked at first (default: gd, momentum, adam, scg, lbfgs, newton).
    ``l2`` is an optional weight-decay coefficient, the same for all.
    """

    def __init__(self, net, X, T, parent=None, contenders=None, *, l2: float = 0.0,
                 max_steps: int = DEFAULT_MAX_STEPS):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Optimiser race")
        self._net = net.copy()  # the start; never trained (every contender trains its own copy)
        self._X, self._T = np.array(X, copy=True), np.array(T, copy=True)
        self._l2 = l2
        self._theme = current_theme()
        self._create_worker()
        top = self._build_controls(max_steps)
        left = self._build_checklist(contenders)
        right = self._build_plots()
        self._build_status()
        self.set_theme(self._theme)
        self._lay_out(top, left, right)
        self._connect_controls()
        self._start(parent)

    # ------------------------------------------------------------------ construction, step by step
    def _create_worker(self) -> None:
        """The race worker (started last, once everything it talks to exists) and the window's state."""
        self.worker = RaceWorker()
        self.mailbox = self.worker.mailbox
        self.worker.sigSnapshot.connect(self._on_snapshot)
        self.worker.sigErrored.connect(self._on_error)

        self._race_id = 0
        self._pending: RaceSnapshot | None = None
        self._snapshot: RaceSnapshot | None = None
        self._lanes: dict[str, _Lane] = {}
        self._follow = True
        self._error = ""
        self._hover: tuple[str, float] | None = None
        self._started = False  # has the current race been set running? (before: changes restart it)
        self._race_ok = False  # did the last restart succeed?

    def _build_controls(self, max_steps: int) -> QHBoxLayout:
        """Start, Restart, max steps and the log-axis switches in one row, then the network and data."""
        self.start_button = QPushButton("Start", self)
        self.start_button.setCheckable(True)
        self.start_button.setToolTip("Start or pause the race")
        self.restart_button = QPushButton("Restart", self)
        self.restart_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.restart_button.setToolTip("Start again from the same weights with the ticked optimisers")
        self.max_steps_spin = QSpinBox(self)
        self.max_steps_spin.setRange(10, MAX_STEPS_LIMIT)
        self.max_steps_spin.setSingleStep(100)
        self.max_steps_spin.setValue(int(max_steps))
        self.max_steps_spin.setToolTip("Every optimiser stops after this many steps (applies on Restart)")
        self.log_y_check = QCheckBox("log error axis", self)
        self.log_y_check.setChecked(True)
        self.log_y_check.setToolTip("A logarithmic error axis: fast (quadratic) convergence shows as a cliff")
        self.log_x_check = QCheckBox("log step/time axes", self)
        self.log_x_check.setToolTip("Logarithmic step and time axes (step 0 and time 0 are then left out)")

        top = QHBoxLayout()
        top.addWidget(self.start_button)
        top.addWidget(self.restart_button)
        top.addSpacing(12)
        top.addWidget(QLabel("Max steps", self))
        top.addWidget(self.max_steps_spin)
        top.addSpacing(12)
        top.addWidget(self.log_y_check)
        top.addWidget(self.log_x_check)
        top.addStretch(1)
        self.network_label = QLabel(self)
        self.network_label.setText(
            f"{html.escape(self._net.describe())} \u00b7 {self._X.shape[0]} training points, full batch"
            + (f" \u00b7 weight decay \u03bb = {self._l2:g}" if self._l2 else ""))
        self.network_label.setStyleSheet("color: gray")
        top.addWidget(self.network_label)
        return top

    def _build_checklist(self, contenders) -> QVBoxLayout:
        """The ticked optimisers that race."""
        self.optimizer_list = QListWidget(self)
        self.optimizer_list.setToolTip("Tick the optimisers that race; changes apply on Restart")
        self.optimizer_list.setIconSize(QSize(28, 12))
        self._populate_list(tuple(contenders) if contenders is not None else DEFAULT_CONTENDERS)
        self.optimizer_list.setMaximumWidth(max(self.optimizer_list.sizeHintForColumn(0) + 24, 160))
        self.optimizer_list.itemChanged.connect(self._on_item_changed)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Optimisers</b>", self))
        left.addWidget(self.optimizer_list, 1)
        return left

    def _build_plots(self) -> QVBoxLayout:
        """Error against steps and against compute time, their legend, cursors and hover readout."""
        self.readout = QLabel(self)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout.setWordWrap(True)  # two lines of room, always: the layout must not jump while hovering
        self.readout.setFixedHeight(int(self.readout.fontMetrics().height() * 2.6))
        self.graphics = pg.GraphicsLayoutWidget(parent=self)
        self.steps_plot: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.seconds_plot: pg.PlotItem = self.graphics.addPlot(row=0, col=1)
        self.legend = pg.LegendItem(colCount=6, labelTextSize="11pt", horSpacing=24)
        self.graphics.addItem(self.legend, row=1, col=0, colspan=2)
        self._cursors = {}
        self._titles = {id(self.steps_plot): "Error per step", id(self.seconds_plot): "Error against compute time"}
        for plot, x_label in ((self.steps_plot, "step"), (self.seconds_plot, "seconds of compute")):
            plot.setLabel("bottom", x_label)
            plot.setLabel("left", "training error per point")
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)
            plot.setDownsampling(auto=False)  # thin_curve does it, with real data points
            plot.setClipToView(False)
            plot.hideButtons()
            plot.setMenuEnabled(True)
            vb = plot.getViewBox()
            vb.sigRangeChangedManually.connect(self._on_manual_range)
            vb.menu.viewAll.triggered.connect(self.follow_data)
            cursor = pg.InfiniteLine(angle=90, movable=False)
            cursor.setVisible(False)
            plot.addItem(cursor, ignoreBounds=True)
            self._cursors[id(plot)] = cursor
        self.steps_plot.getViewBox().sigResized.connect(self._update_log_ticks)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._leave_watcher = EventWatcher(self.graphics.viewport(), QEvent.Type.Leave, self._end_hover, self)

        right = QVBoxLayout()
        right.addWidget(self.readout)
        right.addWidget(self.graphics, 1)
        return right

    def _build_status(self) -> None:
        """The lines under the plots: how the race stands and what a step means."""
        self.status_label = QLabel(self)
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.help_label = QLabel(STEP_HELP, self)
        self.help_label.setWordWrap(True)
        self.help_label.setStyleSheet("color: gray")

    def _lay_out(self, top, left, right) -> None:
        """Controls on top, the checklist beside the plots, the status lines below."""
        middle = QHBoxLayout()
        middle.addLayout(left, 0)
        middle.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.help_label)
        self.resize(1280, 720)

    def _connect_controls(self) -> None:
        """The controls act only once the window is whole."""
        self.start_button.toggled.connect(self._on_start_toggled)
        self.restart_button.clicked.connect(self._on_restart_clicked)
        self.max_steps_spin.valueChanged.connect(self._on_max_steps_changed)
        self.log_y_check.toggled.connect(self._on_log_changed)
        self.log_x_check.toggled.connect(self._on_log_changed)

    def _start(self, parent) -> None:
        """The render timer, the watchers of the owner and the app, the worker thread, the first race."""
        self._timer = QTimer(self)
        self._timer.setInterval(int(FRAME_INTERVAL * 1000))
        self._timer.timeout.connect(self._render_pending)
        self._owner_watcher = None
        if parent is not None:  # the main window closing closes the race too
            self._owner_watcher = EventWatcher(parent.window(), QEvent.Type.Close, self.close, self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._apply_log_mode()
        self._worker_thread = start_worker(self.worker, "optimiser race")
        self.thread = self._worker_thread.thread
        # However the window goes (closed, deleted with its parent, collected), the thread stops
        # (the same thread: no cross-thread signal, so a partial is fine here).
        self.destroyed.connect(functools.partial(_stop_thread, self._worker_thread))
        self._timer.start()
        self.restart()

    def set_theme(self, theme) -> None:
        """Re-colour for a theme (theme.LIGHT / DARK): the main window's switch reaches open races too."""
        self._theme = theme
        fg = theme.foreground
        self.graphics.setBackground(theme.background)
        for plot in (self.steps_plot, self.seconds_plot):
            plot.setTitle(self._titles[id(plot)], color=fg, size="12pt")
            for side in ("left", "bottom"):
                axis = plot.getAxis(side)
                axis.setLabel(axis.labelText, color=fg)
                axis.setPen(pg.mkPen(fg))
                axis.setTextPen(pg.mkPen(fg))
            plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)
            self._cursors[id(plot)].setPen(pg.mkPen(fg, width=1, style=Qt.PenStyle.DotLine))
        self.legend.setLabelTextColor(fg)
        self._show_status()  # its squares fall back to the foreground colour

    # ------------------------------------------------------------------ the checklist
    def _populate_list(self, contenders) -> None:
        items = list(contenders)
        labels = {c.label for c in items}
        checked = set(labels)
        for name in OPTIMIZERS:
            default = Contender(name)
            if default.label not in labels and all(c.optimizer != name for c in contenders):
                items.append(default)
                labels.add(default.label)
        self._styles: dict[str, tuple[str, Qt.PenStyle]] = {}
        taken: set[tuple[str, int]] = set()
        for i, c in enumerate(items):
            color = OPTIMIZER_COLORS.get(c.optimizer, CLASS_COLORS[i % len(CLASS_COLORS)])
            k = 1 if c.optimizer in _RELATIVES else 0  # a relative is dashed in its kin's colour
            while (color, k % len(_STYLES)) in taken and k < 2 * len(_STYLES):
                k += 1  # the same optimiser twice (other settings): the next line style
            taken.add((color, k % len(_STYLES)))
            style = _STYLES[k % len(_STYLES)]
            self._styles[c.label] = (color, style)
            item = QListWidgetItem(_swatch(color, style), c.label)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if c.label in checked else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, c)
            item.setToolTip(OPTIMIZERS[c.optimizer].label or c.optimizer)
            self.optimizer_list.addItem(item)

    def checked_contenders(self) -> tuple[Contender, ...]:
        """The ticked optimisers, in list order."""
        out = []
        for i in range(self.optimizer_list.count()):
            item = self.optimizer_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return tuple(out)

    def set_checked(self, label: str, checked: bool) -> None:
        """Tick or untick the optimiser ``label`` (as a click on its box does)."""
        for i in range(self.optimizer_list.count()):
            item = self.optimizer_list.item(i)
            if item.text() == label:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(label)

    # ------------------------------------------------------------------ commands
    def restart(self) -> bool:
        """A new race from the start weights with the ticked optimisers and max steps;
        it runs at once if the Start button is down. False (and the reason in the
        status line) if it could not be set up."""
        try:
            race = Race(self._net, self._X, self._T, self.checked_contenders(),
                        l2=self._l2, max_steps=self.max_steps_spin.value())
        except Exception as err:  # shown, never raised at the person
            self._race_ok = False
            self._race_id += 1  # whatever the worker still sends belongs to the old race
            self.mailbox.post("play", False)
            self._snapshot = self._pending = None
            self._make_lanes(())
            self._show_error(f"Cannot start the race: {err}")
            self.start_button.setChecked(False)
            return False
        self._race_ok = True
        self._race_id += 1
        self._pending = None
        self._snapshot = None
        self._error = ""
        self._started = False
        self._make_lanes(race.labels)
        self.mailbox.post("race", self._race_id, race)  # the worker owns it from now on
        self.follow_data()
        if self.start_button.isChecked():
            self._started = True
            self.mailbox.post("play", True)
        self._show_status()
        return True

    def start(self, running: bool = True) -> None:
        """Start (or, with False, pause) the race, as the Start/Pause button."""
        self.start_button.setChecked(bool(running))

    @Slot(bool)
    def _on_start_toggled(self, on: bool) -> None:
        self._show_start_state(on)
        try:
            if on and not self._race_ok:
                self.restart()  # the last set-up failed: try again with the current choices
            elif on and self._snapshot is not None and self._snapshot.finished:
                self.restart()  # Start after the finish: race again
            else:
                if on:
                    self._started = True
                self.mailbox.post("play", on)
        except Exception as err:
            self._show_error(f"Cannot start the race: {err}")

    @Slot()
    def _on_restart_clicked(self) -> None:
        self.restart()

    @Slot(object)
    def _on_item_changed(self, _item) -> None:
        if not self._started:  # nothing run yet: nothing to lose
            self.restart()

    @Slot(int)
    def _on_max_steps_changed(self, _value: int) -> None:
        if not self._started:
            self.restart()

    # ------------------------------------------------------------------ closing
    @Slot()
    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop the worker and join its thread; True when it has ended. Safe to call twice."""
        self._timer.stop()
        for watcher in (self._leave_watcher, self._owner_watcher):
            if watcher is not None and shiboken6.isValid(watcher):
                watcher.release()
        return self._worker_thread.stop(timeout_ms / 1000.0)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------ from the worker
    @Slot(int, object)
    def _on_snapshot(self, race_id: int, snap) -> None:
        if race_id == self._race_id:
            self._pending = snap

    @Slot(str)
    def _on_error(self, message: str) -> None:
        """An internal error of the worker, in words (the traceback is in the log file)."""
        self._show_error(message)
        self.start_button.setChecked(False)

    # ------------------------------------------------------------------ drawing
    @Slot()
    def _render_pending(self) -> None:
        snap, self._pending = self._pending, None
        if snap is None:
            return
        try:
            self.render(snap)
        except Exception as error:
            self._show_error(describe_failure("The race could not be drawn because of an internal error", error))

    def _make_lanes(self, labels) -> None:
        for lane in self._lanes.values():
            self.steps_plot.removeItem(lane.steps_curve)
            self.seconds_plot.removeItem(lane.seconds_curve)
        self.legend.clear()
        self._lanes = {}
        for label in labels:
            color, style = self._styles.get(label, (CLASS_COLORS[len(self._lanes) % 6], _STYLES[0]))
            lane = _Lane(label, color, style)
            self.steps_plot.addItem(lane.steps_curve)
            self.seconds_plot.addItem(lane.seconds_curve)
            self.legend.addItem(lane.steps_curve, label)
            self._lanes[label] = lane
        self._set_log_on_curves()
        self._end_hover()

    def render(self, snap: RaceSnapshot) -> None:
        """Draw a RaceSnapshot (the timer calls this with the newest one)."""
        self._snapshot = snap
        for c in snap.contenders:
            lane = self._lanes.get(c.label)
            if lane is None:
                continue
            key = (c.errors.size, c.status)
            if lane.drawn == key:
                continue
            lane.drawn = key
            keep = thin_curve(c.errors)
            if keep is None:
                lane.steps_curve.setData(c.steps, c.errors)
                lane.seconds_curve.setData(c.seconds, c.errors)
            else:
                lane.steps_curve.setData(c.steps[keep], c.errors[keep])
                lane.seconds_curve.setData(c.seconds[keep], c.errors[keep])
        if snap.finished and self.start_button.isChecked():
            self.start_button.blockSignals(True)
            self.start_button.setChecked(False)
            self.start_button.blockSignals(False)
            self._show_start_state(False)
        self._follow_range()
        self._show_status()
        if self._hover is not None:
            self._show_hover(*self._hover)

    def _show_start_state(self, on: bool) -> None:
        self.start_button.setText("Pause" if on else "Start")
        self.start_button.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPause if on else QStyle.StandardPixmap.SP_MediaPlay))

    def snapshot(self) -> RaceSnapshot | None:
        """The snapshot drawn last."""
        return self._snapshot

    def labels(self) -> list[str]:
        """The contenders of the current race, in order (one curve each per plot)."""
        return list(self._lanes)

    def curves(self, plot: str = "steps") -> dict[str, pg.PlotDataItem]:
        """{label: curve} of the "steps" or the "seconds" plot."""
        if plot not in ("steps", "seconds"):
            raise ValueError(f"plot must be 'steps' or 'seconds', got {plot!r}")
        attr = "steps_curve" if plot == "steps" else "seconds_curve"
        return {label: getattr(lane, attr) for label, lane in self._lanes.items()}

    def legend_labels(self) -> list[str]:
        return [label.text for _, label in self.legend.items]

    def status_text(self) -> str:
        """The status line as plain text."""
        if self._error:
            return self._error
        if self._snapshot is None:
            return "Ready: press Start." if self._lanes else ""
        return self._snapshot.summary()

    # ------------------------------------------------------------------ status
    def _show_error(self, message: str) -> None:
        self._error = message
        self.status_label.setText(f"<span style='color:#D55E00'>{html.escape(message)}</span>".replace("\n", "<br>"))
        self.status_label.setToolTip("")

    def _show_status(self) -> None:
        if self._error:
            return
        snap = self._snapshot
        if snap is None:
            self.status_label.setText("Ready: press Start.")
            return
        parts, notes = [], []
        for c in snap.contenders:
            lane = self._lanes.get(c.label)
            color = lane.color if lane else self._theme.foreground
            text = (f"<span style='color:{color}'>\u25a0</span>&nbsp;<b>{html.escape(c.label)}</b>: "
                    f"{c.n_steps}&nbsp;step{'s' if c.n_steps != 1 else ''}, error&nbsp;{_fmt(c.error)}")
            if c.status in ("diverged", "error"):
                text += f" <span style='color:#D55E00'>({c.status})</span>"
            parts.append(text)
            if c.message:
                notes.append(f"{c.label}: {c.message}")
        state = "Finished. " if snap.finished else ""
        self.status_label.setText(state + " &nbsp;\u00b7&nbsp; ".join(parts))
        self.status_label.setToolTip("\n".join(notes))

    # ------------------------------------------------------------------ axes
    def log_y(self) -> bool:
        return self.log_y_check.isChecked()

    def log_x(self) -> bool:
        return self.log_x_check.isChecked()

    @Slot(bool)
    def _on_log_changed(self, _on: bool) -> None:
        self._apply_log_mode()
        self.follow_data()

    def _apply_log_mode(self) -> None:
        for plot in (self.steps_plot, self.seconds_plot):
            plot.setLogMode(x=self.log_x(), y=self.log_y())
            plot.getViewBox().disableAutoRange(pg.ViewBox.YAxis)
        self._set_log_on_curves()
        self._update_log_ticks()

    def _set_log_on_curves(self) -> None:
        for lane in self._lanes.values():  # new curves take the plot's log mode
            lane.steps_curve.setLogMode(self.log_x(), self.log_y())
            lane.seconds_curve.setLogMode(self.log_x(), self.log_y())

    @Slot()
    def follow_data(self) -> None:
        """Let the axes follow the curves again (after zooming or panning)."""
        self._follow = True
        for plot in (self.steps_plot, self.seconds_plot):
            plot.getViewBox().enableAutoRange(x=True, y=False)
        self._follow_range()

    @Slot(object)
    def _on_manual_range(self, *args) -> None:
        self._follow = False

    def _y_extent(self) -> tuple[float, float] | None:
        snap = self._snapshot
        if snap is None:
            return None
        starts = [float(c.errors[0]) for c in snap.contenders if c.errors.size and math.isfinite(c.errors[0])]
        if not starts:
            return None
        cap = 10.0 * max(max(starts), 1e-300)  # a diverging run must not squash the others
        lo, hi = math.inf, -math.inf
        for c in snap.contenders:
            e = c.errors[np.isfinite(c.errors)]
            e = e[e <= cap]
            if self.log_y():
                e = e[e > 0]
            if e.size:
                lo, hi = min(lo, float(e.min())), max(hi, float(e.max()))
        return (lo, hi) if lo <= hi else None

    def _follow_range(self) -> None:
        if not self._follow:
            return
        extent = self._y_extent()
        log = self.log_y()
        if log and extent is not None:
            extent = (max(extent[0], LOG_FLOOR), extent[1])
        y0, y1 = stepped_range(extent, log, empty=(-3.0, 0.0) if log else (0.0, 1.0))
        pad = 0.02 * (y1 - y0)
        for plot in (self.steps_plot, self.seconds_plot):
            vb = plot.getViewBox()
            if vb.viewRange()[1] != [y0 - pad, y1 + pad]:
                vb.setYRange(y0 - pad, y1 + pad, padding=0.0)
        self._update_log_ticks()

    @Slot()
    def _update_log_ticks(self, *args) -> None:
        """Whole decades on the log error axis (pyqtgraph's own crowd at small heights)."""
        for plot in (self.steps_plot, self.seconds_plot):
            axis = plot.getAxis("left")
            if not self.log_y():
                axis.setTicks(None)
                continue
            y0, y1 = plot.getViewBox().viewRange()[1]
            lo, hi = math.ceil(y0 - 1e-9), math.floor(y1 + 1e-9)
            if hi - lo > 60:
                axis.setTicks(None)
                continue
            step = max(1, math.ceil((hi - lo + 1) / 8))
            major = [(k, _decade_label(k)) for k in range(lo, hi + 1) if (k - hi) % step == 0]
            minor = []
            if hi - lo <= 2:
                minor = [(k + math.log10(m), _decade_label(k + math.log10(m)))
                         for k in range(lo - 1, hi + 1) for m in (2, 5) if y0 <= k + math.log10(m) <= y1]
            axis.setTicks([major, minor])

    # ------------------------------------------------------------------ hover
    def _plot_at(self, scene_pos):
        for name, plot in (("steps", self.steps_plot), ("seconds", self.seconds_plot)):
            if plot.getViewBox().sceneBoundingRect().contains(scene_pos):
                return name, plot
        return None, None

    @Slot(object)
    def _on_mouse_moved(self, scene_pos) -> None:
        name, plot = self._plot_at(scene_pos)
        if plot is None or self._snapshot is None:
            self._end_hover()
            return
        x = plot.getViewBox().mapSceneToView(QPointF(scene_pos)).x()
        self._show_hover(name, 10.0 ** x if self.log_x() else x)

    @Slot(object)
    def _on_mouse_clicked(self, ev) -> None:
        if ev.double():
            self.follow_data()

    def hover_text_at(self, plot: str, x: float) -> str:
        """What hovering at ``x`` (a step, or seconds) over ``plot`` shows, as plain text."""
        return " \u00b7 ".join(f"{label} {value}" for label, value in self._hover_values(plot, x)[1])

    def _hover_values(self, plot: str, x: float):
        snap = self._snapshot
        values = []
        if plot == "steps":
            step = max(int(round(x)), 0)
            head = f"step {step}"
            for c in snap.contenders:
                values.append((c.label, _fmt(float(c.errors[step])) if step < c.errors.size else "\u2013"))
            where = float(step)
        else:
            head = f"{x:.3g} s"
            for c in snap.contenders:
                i = int(np.searchsorted(c.seconds, x, side="right")) - 1
                reached = 0 <= i and (x <= c.seconds[-1] or c.stopped)
                values.append((c.label, _fmt(float(c.errors[i])) + f" (step {i})" if reached else "\u2013"))
            where = x
        return head, values, where

    def _show_hover(self, plot: str, x: float) -> None:
        if self._snapshot is None or not math.isfinite(x):
            return
        self._hover = (plot, x)
        head, values, where = self._hover_values(plot, x)
        for name, item in (("steps", self.steps_plot), ("seconds", self.seconds_plot)):
            cursor = self._cursors[id(item)]
            if name == plot and (where > 0 or not self.log_x()):
                cursor.setValue(math.log10(where) if self.log_x() else where)
                cursor.setVisible(True)
            else:
                cursor.setVisible(False)
        parts = [f"<b>{html.escape(head)}</b>"]
        for label, value in values:
            color = self._lanes[label].color if label in self._lanes else self._theme.foreground
            parts.append(f"<span style='color:{color}'>\u25a0</span>&nbsp;{html.escape(label)}&nbsp;{value}")
        self.readout.setText("&nbsp;&nbsp; ".join(parts))

    def _end_hover(self) -> None:
        self._hover = None
        for cursor in self._cursors.values():
            cursor.setVisible(False)
        self.readout.setText("<span style='color:gray'>Hover over a plot to read every optimiser's error "
                             "at that step or time; double-click to fit the axes.</span>")


def open_race_window(parent, net, X, T, *, l2: float = 0.0, contenders=None) -> RaceWindow:
    """Open the optimiser race on a copy of ``net`` and the training data (Train menu,
    "Optimiser race…"); ``parent`` is the main window, whose closing closes the race.

    Race windows that ``parent`` opened before and that were closed since are
    released here (handed to Python, deleted when the last reference goes), so
    opening the race again and again does not pile up hidden windows. (Not
    WA_DeleteOnClose: a deferred delete pending while PySide deletes the parent
    crashed in tests.)"""
    if parent is not None:
        for old in parent.findChildren(RaceWindow):
            if not old.isVisible():
                old.shutdown()
                old.setParent(None)
    window = RaceWindow(net, X, T, parent=parent, contenders=contenders, l2=l2)
    window.show()
    window.raise_()
    window.activateWindow()
    return window
