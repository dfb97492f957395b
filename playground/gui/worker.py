"""The background trainer and its Hessian lab: two workers of gui/background.py (design.md, "The GUI").

:class:`TrainingWorker` owns the Trainer once it has been handed over. It trains in
chunks of about one frame interval, reads its mailbox between chunks (and, through
``Trainer.advance(should_stop=...)``, inside them), and emits at most ~30 frames a
second (20 at full speed). The GUI keeps only the newest frame and draws it when it
arrives (main_window.MIN_FRAME_GAP_MS apart at least), so a slow frame never builds a
backlog. While paused the worker sleeps on the mailbox.

:class:`HessianWorker` computes Hessian reports on its own thread, from a snapshot
of the weights (a copy of the net with the training data, regulariser and request),
so a report in progress never holds up pause, stop or a new job. A new request, a
new job or Cancel interrupts the report in progress (``compute_report``'s
``progress`` callback returns False as soon as a command is waiting).

While training, reports come at epochs that are multiples of N (the view's
"every N steps"), at most one per MIN_HESSIAN_GAP and never while one is still
being computed: multiples are skipped, never shifted.
"""

from __future__ import annotations

import collections
import inspect
import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from playground.core.hessian_lab import CANCELLED_REASON, HessianReport, compute_report

from .background import (FRAME_INTERVAL, FULL_SPEED_FRAME_INTERVAL, SHUTDOWN_TIMEOUT, Mailbox, Worker, cores_but_one,
                         limited_blas, single_threaded_blas, start_worker)
from .frames import Frame, FrameInterrupted, ViewSpec, compute_frame
from .layer_frames import LayerSampler

__all__ = ["FRAME_INTERVAL", "MIN_HESSIAN_GAP", "HessianJob", "HessianProgress", "HessianWorker", "Job",
           "Mailbox", "TrainingController", "TrainingWorker"]

# While training, Hessian reports come every N steps but at most twice a second: a fast
# trainer would otherwise spend its time on eigen-decompositions and the GUI on redrawing them.
MIN_HESSIAN_GAP = 0.5  # seconds
PROGRESS_INTERVAL = 0.1  # seconds between progress signals of a long report


@dataclass(frozen=True)
class Job:
    """A new experiment for the worker: it takes ownership of ``trainer`` (and its net)."""

    experiment_id: int
    trainer: object
    features: tuple | None
    dataset_kind: str
    n_inputs: int
    inputs: object = None  # the raw inputs (N, D) of the data shown (an MDN's colour scale follows them)


@dataclass(frozen=True, eq=False)
class HessianJob:
    """What one Hessian report is computed from: a copy of the weights, never the live net."""

    experiment_id: int
    net: object
    X: object
    T: object
    regularizer: object
    request: object
    epoch: int


@dataclass(frozen=True)
class HessianProgress:
    """How far the report in progress is: ``done`` of about ``total`` pieces, after ``seconds``."""

    experiment_id: int
    done: int
    total: int
    seconds: float


def _accepts_should_stop(trainer) -> bool:
    try:
        return "should_stop" in inspect.signature(trainer.advance).parameters
    except (TypeError, ValueError):
        return False


# ============================================================================== Hessian reports
class HessianWorker(Worker):
    """Computes one :class:`HessianJob` at a time; a newer one (or Cancel) interrupts it."""

    title = "Hessian lab"
    activity = "while computing a Hessian report"
    sigReport = Signal(int, object)  # (experiment id, HessianReport)
    sigProgress = Signal(object)  # HessianProgress

    def __init__(self):
        super().__init__()
        self.busy = threading.Event()  # a job is queued or being computed (read by the trainer)
        self.clock = time.perf_counter
        self._job: HessianJob | None = None
        self._interrupted: tuple[HessianJob, HessianReport] | None = None
        self.reports_cancelled = 0

    def submit(self, job: HessianJob) -> None:
        """Any thread: compute ``job`` next, interrupting the report in progress."""
        self.busy.set()
        self.mailbox.post("report", job)

    # ---- commands
    def _on_report(self, job: HessianJob) -> None:
        self._interrupted = None  # superseded: the newer report is what the person waits for
        self._job = job

    def _on_cancel(self) -> None:
        """Drop the queued job and report the interrupted one as cancelled."""
        if self._interrupted is not None:
            job, report = self._interrupted
            self.sigReport.emit(job.experiment_id, report)
        elif self._job is not None:
            job = self._job
            self.sigReport.emit(job.experiment_id, HessianReport.empty(
                CANCELLED_REASON, epoch=job.epoch, layer_sizes=job.net.layer_sizes,
                n_points=len(job.X), request=job.request, cancelled=True))
        self._interrupted = self._job = None
        self.busy.clear()

    # ---- work
    def idle_timeout(self) -> float | None:
        return 0 if self._job is not None else None

    def work(self) -> None:
        job, self._job = self._job, None
        if job is None:
            if not self.mailbox.pending():
                self.busy.clear()
            return
        start = self.clock()
        last = [start]

        def progress(done: int, total: int) -> bool:
            now = self.clock()
            if now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                self.sigProgress.emit(HessianProgress(job.experiment_id, done, total, now - start))
            return not self.should_stop()

        with single_threaded_blas():  # the trainer computes at the same time
            report = compute_report(job.net, job.X, job.T, job.request, regularization=job.regularizer,
                                    epoch=job.epoch, progress=progress)
        if report.cancelled:
            self.reports_cancelled += 1
            self._interrupted = (job, report)  # emitted only if what interrupted it was Cancel
        else:
            self.sigReport.emit(job.experiment_id, report)
        if self._job is None and not self.mailbox.pending():
            self.busy.clear()

    def on_failure(self) -> None:
        self._job = self._interrupted = None
        self.busy.clear()


# ============================================================================== training
class TrainingWorker(Worker):
    """Trains the current job's Trainer in chunks and emits frames (module docstring)."""

    title = "trainer"
    activity = "while training"
    sigFrame = Signal(object)  # Frame
    sigStopped = Signal(str, str)  # (status, message): diverged, early stopped, or an option error

    def __init__(self, hessian: HessianWorker | None = None, mailbox: Mailbox | None = None):
        super().__init__(mailbox)
        self.hessian = hessian
        self.clock = time.perf_counter  # injectable: the chunk logic is tested without wall-clock time
        self.job: Job | None = None
        self.running = False
        self.epochs_per_frame: int | None = None  # None: as fast as possible
        self.full_speed_interval = FULL_SPEED_FRAME_INTERVAL  # FRAME_INTERVAL while a clip records
        self.view: ViewSpec | None = None
        self._rate_window: collections.deque = collections.deque()  # (time, epoch)
        self._frame_due = False
        self._next_chunk = 0.0
        self._should_stop_ok = False  # does this trainer's advance() take should_stop?
        self.hessian_request = None  # a HessianRequest, or None while no Hessian view is shown
        self.hessian_interval = 100  # a report every this many epochs while training
        self.hessian_suspended = False  # Cancel pressed: no periodic reports until asked again
        self._hessian_epoch: int | None = None  # epoch of the last report sent
        self._hessian_time = -float("inf")  # clock() of the last report sent
        self.hessian_epochs: list[int] = []  # epochs of the reports sent (for tests and benchmarks)
        self._layer_sampler = LayerSampler(lambda: self.clock())  # per-layer diagnostics for the layers view

    # ------------------------------------------------------------------ the loop
    def run_context(self):
        return limited_blas(cores_but_one())  # a core left for the GUI thread, whatever the network's size

    def idle_timeout(self) -> float | None:
        if self.job is None:
            return None
        if self.running:
            return 0 if self.epochs_per_frame is None else max(0.0, self._next_chunk - self.clock())
        return 0 if self._frame_due else None

    def work(self) -> None:
        if self.job is None:  # nothing to draw: a frame "due" would never be emitted and the loop would spin
            self._frame_due = False
            return
        if self.running and self.clock() >= self._next_chunk:
            self.train_for_one_frame()
            self._frame_due = True
            self._next_chunk = self.clock() + FRAME_INTERVAL if self.epochs_per_frame else 0.0
        if self._frame_due and not self.mailbox.pending():  # a waiting command first: it may change the frame
            self._frame_due = False
            self._emit_frame()

    def dispatch(self, commands) -> None:
        if commands:
            self._frame_due = True
        super().dispatch(commands)

    def on_failure(self) -> None:
        self.running = False

    # ------------------------------------------------------------------ commands
    def _on_job(self, job: Job) -> None:
        self.job = job
        self._layer_sampler.forget()
        self._should_stop_ok = _accepts_should_stop(job.trainer)
        self._hessian_epoch, self._hessian_time = None, -float("inf")
        self.hessian_suspended = False
        self._restart_rate()
        self._report_now()  # a new job interrupts the report of the old one

    def _on_no_job(self) -> None:
        """Nothing to train (no training points): forget the trainer, draw nothing more."""
        self.job = None
        self.running = False
        self._cancel_report()

    def _on_play(self, running: bool) -> None:
        self.running = bool(running) and self.job is not None
        self._restart_rate()

    def _on_speed(self, epochs_per_frame: int | None) -> None:
        self.epochs_per_frame = epochs_per_frame

    def _on_recording(self, recording: bool) -> None:
        self.full_speed_interval = FRAME_INTERVAL if recording else FULL_SPEED_FRAME_INTERVAL

    def _on_view(self, view: ViewSpec) -> None:
        self.view = view

    def _on_frame(self) -> None:
        """Send a frame now (dispatch has marked it due)."""

    def _on_hessian(self, request, interval: int) -> None:
        self.hessian_request, self.hessian_interval = request, max(1, int(interval))
        self.hessian_suspended = False
        if request is None:
            self._cancel_report()
        else:
            self._report_now()

    def _on_hessian_now(self) -> None:
        self.hessian_suspended = False
        self._report_now()

    def _on_hessian_cancel(self) -> None:
        self.hessian_suspended = True
        self._cancel_report()

    def _on_step(self, epochs: int) -> None:
        if self.job is None:
            return
        trainer = self.job.trainer
        before = trainer.epoch
        self._report_stop(self._advance(trainer, int(epochs), None))
        N = self.hessian_interval
        if before // N != trainer.epoch // N:  # stepped onto or past a multiple of N
            self._report_now()

    def _on_reset(self, seed) -> None:
        if self.job is None:
            return
        self.job.trainer.reset(seed=seed)
        self._restart_rate()
        self._report_now()

    def _on_symmetry(self, kind: str, layer: int, unit: int, other: int | None) -> None:
        """Flip a hidden unit's signs or swap two units (PRML 5.1.1): other weights, the same function."""
        if self.job is None:
            return
        net = self.job.trainer.net.copy()
        try:
            net.flip_sign(layer, unit) if kind == "flip" else net.swap_units(layer, unit, other)
        except ValueError as err:
            self.sigStopped.emit("options", str(err))
            return
        self.job.trainer.set_weights(net.w)
        self._report_now()

    def _on_options(self, changes: dict) -> None:
        if self.job is None:
            return
        try:
            self.job.trainer.update_options(**changes)
        except ValueError as err:
            self.sigStopped.emit("options", str(err))

    # ------------------------------------------------------------------ training
    def _advance(self, trainer, epochs: int, max_seconds: float | None):
        if self._should_stop_ok:
            return trainer.advance(epochs, max_seconds=max_seconds, should_stop=self.should_stop)
        return trainer.advance(epochs, max_seconds=max_seconds)

    def train_for_one_frame(self) -> None:
        """Train for one frame interval (or ``epochs_per_frame`` epochs), stopping at each
        multiple of N where a Hessian report may be sent, and sooner when a command waits."""
        trainer = self.job.trainer
        deadline = self.clock() + (FRAME_INTERVAL if self.epochs_per_frame else self.full_speed_interval)
        remaining = self.epochs_per_frame or 1_000_000_000
        while remaining > 0 and self.running:
            now = self.clock()
            end = deadline
            epochs = remaining
            if self._reports_wanted():
                if self._report_allowed(now):
                    N = self.hessian_interval
                    epochs = min(epochs, N - trainer.epoch % N)  # land exactly on the next multiple
                else:  # come back when the gap has passed, so the first multiple after it is not missed
                    end = min(end, self._hessian_time + MIN_HESSIAN_GAP)
            if end <= now:
                if deadline <= now:
                    break
                end = deadline
            before = trainer.epoch
            snap = self._advance(trainer, epochs, end - now)
            remaining -= trainer.epoch - before
            if self._report_stop(snap):
                break
            if self._reports_wanted() and trainer.epoch % self.hessian_interval == 0 \
                    and trainer.epoch != self._hessian_epoch and self._report_allowed(self.clock()):
                self._send_report()
            if trainer.epoch == before or self.should_stop():
                break

    def _reports_wanted(self) -> bool:
        return self.hessian_request is not None and not self.hessian_suspended and self.hessian is not None

    def _report_allowed(self, now: float) -> bool:
        """At most one report per MIN_HESSIAN_GAP, and none while the last is still computing."""
        return now - self._hessian_time >= MIN_HESSIAN_GAP and not self.hessian.busy.is_set()

    def _report_now(self) -> None:
        """A report of the weights as they are now (asked for, or the weights changed)."""
        if self.job is not None and self._reports_wanted():
            self._send_report()

    def _send_report(self) -> None:
        trainer = self.job.trainer
        self._hessian_epoch, self._hessian_time = trainer.epoch, self.clock()
        self.hessian_epochs.append(trainer.epoch)
        self.hessian.submit(HessianJob(self.job.experiment_id, trainer.net.copy(), trainer.X, trainer.T,
                                       trainer.regularizer.frozen(), self.hessian_request, trainer.epoch))

    def _cancel_report(self) -> None:
        if self.hessian is not None:
            self.hessian.mailbox.post("cancel")

    def _report_stop(self, snap) -> bool:
        if snap.status in ("diverged", "early_stopped"):
            self.running = False
            self.sigStopped.emit(snap.status, snap.message)
            return True
        return False

    # ------------------------------------------------------------------ frames
    def _restart_rate(self) -> None:
        """Start measuring steps per second from now, so the first frame already has a rate."""
        self._rate_window.clear()
        if self.job is not None:
            self._rate_window.append((self.clock(), self.job.trainer.epoch))

    def _rate(self, epoch: int) -> float:
        now = self.clock()
        window = self._rate_window
        window.append((now, epoch))
        while len(window) > 2 and now - window[0][0] > 1.0:
            window.popleft()
        (t0, e0), (t1, e1) = window[0], window[-1]
        return (e1 - e0) / (t1 - t0) if t1 > t0 and self.running else 0.0

    def _emit_frame(self) -> None:
        job = self.job
        snap = job.trainer.snapshot()
        try:
            frame = compute_frame(job.trainer.net, job.features, job.dataset_kind, job.n_inputs, snap, self.view,
                                  job.experiment_id, self.running, self._rate(snap.epoch),
                                  should_stop=self.should_stop, points=job.inputs)
        except FrameInterrupted:  # a command came first; the frame stays due and is made after it
            self._frame_due = True
            return
        self.sigFrame.emit(self._layer_sampler.attach(frame, job.trainer, self.running))


# ============================================================================== GUI side
class TrainingController(QObject):
    """Lives in the GUI thread: starts both workers, posts commands, keeps the newest frame and report."""

    sigStopped = Signal(str, str)
    sigRunningChanged = Signal(bool)
    sigFrameReady = Signal()  # a new frame waits for take_frame

    def __init__(self, parent=None):
        super().__init__(parent)
        self.hessian_worker = HessianWorker()
        self.worker = TrainingWorker(self.hessian_worker)
        self.mailbox = self.worker.mailbox
        self.worker.sigFrame.connect(self._on_frame)
        self.worker.sigStopped.connect(self._on_stopped)
        self.worker.sigErrored.connect(self._on_error)
        self.hessian_worker.sigReport.connect(self._on_hessian)
        self.hessian_worker.sigProgress.connect(self._on_hessian_progress)
        self.hessian_worker.sigErrored.connect(self._on_hessian_error)
        self._frame: Frame | None = None
        self._hessian: HessianReport | None = None
        self._hessian_progress: HessianProgress | None = None
        self._experiment_id = 0
        self._running = False
        self.frames_received = 0
        self._hessian_thread = start_worker(self.hessian_worker, "hessian")
        self._training_thread = start_worker(self.worker, "training")
        self.thread = self._training_thread.thread
        self.hessian_thread = self._hessian_thread.thread

    # ------------------------------------------------------------------ commands
    def set_job(self, trainer, features, dataset_kind: str, n_inputs: int, inputs=None) -> int:
        """Hand a new trainer to the worker (the GUI must not touch it afterwards); ``inputs``:
        the raw inputs of the data shown (read-only)."""
        self._experiment_id += 1
        self._frame = None
        self._hessian = None
        self._hessian_progress = None
        self.mailbox.post("job", Job(self._experiment_id, trainer, features, dataset_kind, n_inputs, inputs))
        return self._experiment_id

    def clear_job(self) -> None:
        """No experiment (e.g. no training points): the worker drops its trainer, so that a new
        view or theme does not bring the old network's frames back; late frames are ignored."""
        self.play(False)
        self._experiment_id += 1
        self._frame = None
        self._hessian = None
        self._hessian_progress = None
        self.mailbox.post("no_job")

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

    def transform_weights(self, kind: str, layer: int, unit: int, other: int | None = None) -> None:
        """"flip" hidden unit (layer, unit)'s signs or "swap" it with unit ``other`` (PRML 5.1.1)."""
        self.mailbox.post("symmetry", kind, layer, unit, other)

    def set_speed(self, epochs_per_frame: int | None) -> None:
        self.mailbox.post("speed", epochs_per_frame)

    def set_recording(self, recording: bool) -> None:
        """While a clip records, full speed sends 30 frames a second, not 20 (a clip of 30 would show
        every other frame twice)."""
        self.mailbox.post("recording", bool(recording))

    def set_view(self, view: ViewSpec) -> None:
        self.mailbox.post("view", view)

    def request_frame(self) -> None:
        self.mailbox.post("frame")

    def set_hessian(self, request, interval: int = 100) -> None:
        """Compute Hessian reports (a HessianRequest) every ``interval`` epochs, or none (None)."""
        if request is None:
            self._hessian_progress = None
        self.mailbox.post("hessian", request, interval)

    def recompute_hessian(self) -> None:
        self.mailbox.post("hessian_now")

    @Slot()
    def cancel_hessian(self) -> None:
        """Cancel the report in progress; no periodic reports until the next request or Recompute."""
        self.mailbox.post("hessian_cancel")

    def take_hessian(self) -> HessianReport | None:
        """The newest Hessian report of the current experiment, once."""
        report, self._hessian = self._hessian, None
        return report

    def hessian_progress(self) -> HessianProgress | None:
        """How far the report in progress is (None when none is being computed)."""
        return self._hessian_progress

    @property
    def running(self) -> bool:
        return self._running

    def take_frame(self) -> Frame | None:
        """The newest frame of the current experiment, once (None if nothing new)."""
        frame, self._frame = self._frame, None
        return frame

    def peek_frame(self) -> Frame | None:
        return self._frame

    def shutdown(self, timeout_ms: int = int(SHUTDOWN_TIMEOUT * 1000)) -> bool:
        """Stop both workers and join their threads within ``timeout_ms`` in all; True when both ended."""
        handles = (self._training_thread, self._hessian_thread)
        for handle in handles:
            if handle.is_running():
                handle.request_stop()
        deadline = time.monotonic() + timeout_ms / 1000.0
        return all([handle.join(max(0.0, deadline - time.monotonic())) for handle in handles])

    # ------------------------------------------------------------------ from the workers
    @Slot(object)
    def _on_frame(self, frame: Frame) -> None:
        if frame.experiment_id == self._experiment_id:
            self._frame = frame
            self.frames_received += 1
            self.sigFrameReady.emit()

    @Slot(int, object)
    def _on_hessian(self, experiment_id: int, report) -> None:
        if experiment_id == self._experiment_id:
            self._hessian = report
            self._hessian_progress = None

    @Slot(object)
    def _on_hessian_progress(self, progress: HessianProgress) -> None:
        if progress.experiment_id == self._experiment_id:
            self._hessian_progress = progress

    @Slot(str)
    def _on_hessian_error(self, message: str) -> None:
        self._hessian = HessianReport.empty(message)
        self._hessian_progress = None

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self._on_stopped("error", message)

    @Slot(str, str)
    def _on_stopped(self, status: str, message: str) -> None:
        if status in ("diverged", "early_stopped", "error") and self._running:
            self._running = False
            self.sigRunningChanged.emit(False)
        self.sigStopped.emit(status, message)
