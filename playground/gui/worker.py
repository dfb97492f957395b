"""The background trainer: a worker QObject moved to a QThread (design.md, "The GUI").

The worker owns the Trainer once it has been handed over. It trains in chunks,
reads a thread-safe mailbox between chunks (play, pause, step, reset, option
changes, view changes, stop) and emits at most ~30 frames a second. The GUI keeps
only the newest frame and draws it from a timer, so a slow frame never builds a
backlog. While paused the worker sleeps on the mailbox instead of spinning.
"""

from __future__ import annotations

import collections
import threading
import time
import traceback
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

from playground.core.hessian_lab import compute_report

from .frames import Frame, ViewSpec, compute_frame

FRAME_INTERVAL = 1.0 / 30.0  # at most ~30 frames a second
# While training, Hessian reports come every N steps but at most twice a second: a fast
# trainer would otherwise spend its time on eigen-decompositions and the GUI on redrawing them.
MIN_HESSIAN_GAP = 0.5  # seconds


@dataclass(frozen=True)
class Job:
    """A new experiment for the worker: it takes ownership of ``trainer`` (and its net)."""

    experiment_id: int
    trainer: object
    features: tuple | None
    dataset_kind: str
    n_inputs: int
    message: str = ""


class Mailbox:
    """Commands from the GUI thread to the worker, read between training chunks."""

    def __init__(self):
        self._cond = threading.Condition()
        self._items: collections.deque = collections.deque()

    def post(self, command: str, *args) -> None:
        with self._cond:
            self._items.append((command, args))
            self._cond.notify()

    def take(self, timeout: float | None) -> list:
        """All pending commands; waits up to ``timeout`` seconds (None: forever) for one."""
        with self._cond:
            if not self._items and timeout != 0:
                self._cond.wait(timeout)
            items = list(self._items)
            self._items.clear()
            return items


class TrainingWorker(QObject):
    sigFrame = Signal(object)  # Frame
    sigHessian = Signal(int, object)  # (experiment id, HessianReport or an error message)
    sigStopped = Signal(str, str)  # (status, message): diverged, early stopped, or an option error
    sigFinished = Signal()

    def __init__(self, mailbox: Mailbox):
        super().__init__()
        self.mailbox = mailbox
        self.job: Job | None = None
        self.running = False
        self.epochs_per_frame: int | None = None  # None: as fast as possible
        self.view: ViewSpec | None = None
        self._rate_window: collections.deque = collections.deque()  # (time, epoch)
        self.hessian_request = None  # a HessianRequest, or None while no Hessian view is shown
        self.hessian_interval = 100  # recompute every this many epochs while training
        self._hessian_epoch: int | None = None  # epoch of the last report
        self._hessian_time = 0.0  # perf_counter() of the last report
        self._hessian_due = False
        self.wakeups = 0  # passes through the loop: an idle worker sleeps on the mailbox

    @Slot()
    def run(self) -> None:
        """The worker's whole life: returns when told to stop."""
        next_frame = 0.0
        frame_due = False
        while True:
            self.wakeups += 1
            now = time.perf_counter()
            if self.running and self.job is not None:
                timeout = 0 if self.epochs_per_frame is None else max(0.0, next_frame - now)
            else:
                timeout = None if not frame_due else 0
            try:
                stop, changed = self._handle(self.mailbox.take(timeout))
            except Exception:  # a bug must not kill the thread silently
                self.running = False
                self.sigStopped.emit("error", "Internal error in the trainer:\n" + traceback.format_exc(limit=3))
                continue
            if stop:
                break
            # Without a job there is nothing to draw: a frame "due" then would never be emitted
            # and the loop would spin (a window opened on an empty canvas kept a core busy).
            frame_due = (frame_due or changed) and self.job is not None
            if self._hessian_due and self.job is not None and self.hessian_request is not None:
                self._emit_hessian()  # before training on: a due report is of the weights as they are now
            if self.running and self.job is not None and time.perf_counter() >= next_frame:
                try:
                    self._train_chunk()
                except Exception:
                    self.running = False
                    self.sigStopped.emit("error", "Internal error while training:\n" + traceback.format_exc(limit=3))
                frame_due = True
                next_frame = time.perf_counter() + FRAME_INTERVAL if self.epochs_per_frame else 0.0
            if frame_due and self.job is not None:
                self._emit_frame()
                frame_due = False
            if self._hessian_due and self.job is not None and self.hessian_request is not None:
                self._emit_hessian()
        self.sigFinished.emit()

    # ------------------------------------------------------------------ commands
    def _handle(self, commands) -> tuple[bool, bool]:
        changed = False
        for command, args in commands:
            if command == "stop":
                return True, changed
            changed = True
            trainer = self.job.trainer if self.job is not None else None
            if command == "job":
                self.job = args[0]
                self._rate_window.clear()
                self._hessian_due = True
            elif command == "play":
                self.running = bool(args[0]) and self.job is not None
                self._restart_rate()
            elif command == "speed":
                self.epochs_per_frame = args[0]
            elif command == "view":
                self.view = args[0]
            elif command == "frame":
                pass
            elif command == "hessian":
                self.hessian_request, self.hessian_interval = args[0], max(1, int(args[1]))
                self._hessian_due = self.hessian_request is not None
            elif command == "hessian_now":
                self._hessian_due = True
            elif trainer is None:
                continue
            elif command == "step":
                snap = trainer.advance(args[0])
                self._report_stop(snap)
                self._check_hessian_due()
            elif command == "reset":
                trainer.reset(seed=args[0])
                self._restart_rate()
                self._hessian_due = True
            elif command == "options":
                try:
                    trainer.update_options(**args[0])
                except ValueError as err:
                    self.sigStopped.emit("options", str(err))
            elif command == "weights":
                trainer.set_weights(args[0])
                self._hessian_due = True
        return False, changed

    def _train_chunk(self) -> None:
        trainer = self.job.trainer
        epochs = 1_000_000_000 if self.epochs_per_frame is None else self.epochs_per_frame
        if self.hessian_request is not None and self._hessian_epoch is not None:
            # Stop exactly at the next multiple of N after the last report, so "every N steps"
            # means N (or a multiple of N when the reports would come faster than MIN_HESSIAN_GAP).
            since = trainer.epoch - self._hessian_epoch
            to_next = self.hessian_interval - since % self.hessian_interval if since >= 0 else -since
            epochs = max(1, min(epochs, to_next))
        snap = trainer.advance(epochs, max_seconds=FRAME_INTERVAL)
        self._report_stop(snap)
        self._check_hessian_due()

    def _check_hessian_due(self) -> None:
        if self.hessian_request is None or self.job is None:
            return
        epoch = self.job.trainer.epoch
        if self._hessian_epoch is None or abs(epoch - self._hessian_epoch) >= self.hessian_interval:
            recent = time.perf_counter() - self._hessian_time < MIN_HESSIAN_GAP
            if not (self.running and recent):  # never cancels a report asked for otherwise
                self._hessian_due = True

    def _emit_hessian(self) -> None:
        """Compute the Hessian report here, in the training thread (never on the GUI thread)."""
        self._hessian_due = False
        job = self.job
        trainer = job.trainer
        self._hessian_epoch = trainer.epoch
        self._hessian_time = time.perf_counter()
        try:
            report = compute_report(trainer.net, trainer.X, trainer.T, self.hessian_request,
                                    regularization=trainer.regularizer, epoch=trainer.epoch)
        except Exception as err:  # a bug in the lab must not stop training
            report = f"The Hessian could not be computed: {err}"
        self.sigHessian.emit(job.experiment_id, report)

    def _report_stop(self, snap) -> None:
        if snap.status in ("diverged", "early_stopped"):
            self.running = False
            self.sigStopped.emit(snap.status, snap.message)

    def _restart_rate(self) -> None:
        """Start measuring steps per second from now, so the first frame already has a rate."""
        self._rate_window.clear()
        if self.job is not None:
            self._rate_window.append((time.perf_counter(), self.job.trainer.epoch))

    def _rate(self, epoch: int) -> float:
        now = time.perf_counter()
        window = self._rate_window
        window.append((now, epoch))
        while len(window) > 2 and now - window[0][0] > 1.0:
            window.popleft()
        (t0, e0), (t1, e1) = window[0], window[-1]
        return (e1 - e0) / (t1 - t0) if t1 > t0 and self.running else 0.0

    def _emit_frame(self) -> None:
        job = self.job
        snap = job.trainer.snapshot()
        frame = compute_frame(job.trainer.net, job.features, job.dataset_kind, job.n_inputs, snap, self.view,
                              job.experiment_id, self.running, self._rate(snap.epoch))
        self.sigFrame.emit(frame)


class TrainingController(QObject):
    """Lives in the GUI thread: starts the worker thread, posts commands, keeps the newest frame."""

    sigStopped = Signal(str, str)
    sigRunningChanged = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.mailbox = Mailbox()
        self.thread = QThread()
        self.thread.setObjectName("training")
        self.worker = TrainingWorker(self.mailbox)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.sigFinished.connect(self.thread.quit)
        self.worker.sigFrame.connect(self._on_frame)
        self.worker.sigStopped.connect(self._on_stopped)
        self.worker.sigHessian.connect(self._on_hessian)
        self._frame: Frame | None = None
        self._hessian = None
        self._experiment_id = 0
        self._running = False
        self.frames_received = 0
        self.thread.start()

    # ------------------------------------------------------------------ commands
    def set_job(self, trainer, features, dataset_kind: str, n_inputs: int) -> int:
        """Hand a new trainer to the worker (the GUI must not touch it afterwards)."""
        self._experiment_id += 1
        self._frame = None
        self._hessian = None
        self.mailbox.post("job", Job(self._experiment_id, trainer, features, dataset_kind, n_inputs))
        return self._experiment_id

    def play(self, running: bool) -> None:
        if running != self._running:
            self._running = running
            self.sigRunningChanged.emit(running)
        self.mailbox.post("play", running)

    def step(self, epochs: int = 1) -> None:
        self.play(False)
        self.mailbox.post("step", epochs)

    def reset(self, seed: int | None = None) -> None:
        self.mailbox.post("reset", seed)

    def update_options(self, **changes) -> None:
        self.mailbox.post("options", changes)

    def set_weights(self, w) -> None:
        self.mailbox.post("weights", w)

    def set_speed(self, epochs_per_frame: int | None) -> None:
        self.mailbox.post("speed", epochs_per_frame)

    def set_view(self, view: ViewSpec) -> None:
        self.mailbox.post("view", view)

    def request_frame(self) -> None:
        self.mailbox.post("frame")

    def set_hessian(self, request, interval: int = 100) -> None:
        """Compute Hessian reports (a HessianRequest) every ``interval`` epochs, or none (None)."""
        self.mailbox.post("hessian", request, interval)

    def recompute_hessian(self) -> None:
        self.mailbox.post("hessian_now")

    def take_hessian(self):
        """The newest Hessian report (or error message) of the current experiment, once."""
        report, self._hessian = self._hessian, None
        return report

    @property
    def running(self) -> bool:
        return self._running

    @property
    def experiment_id(self) -> int:
        return self._experiment_id

    def take_frame(self) -> Frame | None:
        """The newest frame of the current experiment, once (None if nothing new)."""
        frame, self._frame = self._frame, None
        return frame

    def peek_frame(self) -> Frame | None:
        return self._frame

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop the worker and join its thread; True when it has ended."""
        if not self.thread.isRunning():
            return True
        self.mailbox.post("stop")
        self.thread.quit()
        return self.thread.wait(timeout_ms)

    # ------------------------------------------------------------------ from the worker
    @Slot(object)
    def _on_frame(self, frame: Frame) -> None:
        if frame.experiment_id == self._experiment_id:
            self._frame = frame
            self.frames_received += 1

    @Slot(int, object)
    def _on_hessian(self, experiment_id: int, report) -> None:
        if experiment_id == self._experiment_id:
            self._hessian = report

    @Slot(str, str)
    def _on_stopped(self, status: str, message: str) -> None:
        if status in ("diverged", "early_stopped", "error") and self._running:
            self._running = False
            self.sigRunningChanged.emit(False)
        self.sigStopped.emit(status, message)
