"""One background worker for the comparison views' long jobs (kernel fits, bootstrap, sweeps).

A job is ``function(*args, progress=...)`` from the core; it runs in a :class:`JobWorker`
(gui/background.py's Worker in its own QThread), never on the GUI thread. The newest request
wins: posting a job while one runs makes the running one's ``progress`` answer False (the
core's convention for cancel), so dragging a slider never queues a backlog of fits. Results,
progress and failures come back as signals to the owner's GUI-thread slots.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal, Slot

from playground.core.objective import Interrupted

from ..background import Worker, WorkerThread, single_threaded_blas, start_worker

PROGRESS_EVERY = 0.1  # seconds between progress signals


class JobWorker(Worker):
    """Runs the newest posted job; "cancel" drops it (module docstring)."""

    sigResult = Signal(int, object)  # job id, what the function returned
    sigProgress = Signal(int, int, int)  # job id, done, total
    sigCancelled = Signal(int)

    title = "comparison worker"
    activity = "while fitting"

    def __init__(self):
        super().__init__()
        self._job = None
        self._last_progress = 0.0

    def _on_run(self, job_id: int, function, args: tuple, kwargs: dict) -> None:
        self._job = (job_id, function, args, kwargs)

    def _on_cancel(self) -> None:
        if self._job is not None:
            self.sigCancelled.emit(self._job[0])
        self._job = None

    def work(self) -> None:
        if self._job is None:
            return
        job_id, function, args, kwargs = self._job
        self._job = None

        def progress(done: int, total: int) -> bool:
            now = time.monotonic()
            if now - self._last_progress >= PROGRESS_EVERY or done == total:
                self._last_progress = now
                self.sigProgress.emit(job_id, done, total)
            return not self.should_stop()

        try:
            with single_threaded_blas():  # the trainer computes at the same time
                result = function(*args, progress=progress, **kwargs)
        except Interrupted:
            self.sigCancelled.emit(job_id)
            return
        except Exception as error:  # a plain sentence to the owner, the traceback to the log file
            self.fail(self.activity, error)
            return
        self.sigResult.emit(job_id, result)


class JobRunner(QObject):
    """The owner's side: starts the worker thread on first use, numbers jobs, forwards the newest job's
    signals (``sigResult(object)``, ``sigProgress(done, total)``, ``sigCancelled()``, ``sigErrored(str)``)."""

    sigResult = Signal(object)
    sigProgress = Signal(int, int)
    sigCancelled = Signal()
    sigErrored = Signal(str)

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self._name = name
        self._handle: WorkerThread | None = None
        self._job_id = 0
        self._lock = threading.Lock()
        self.running = False

    def _worker(self) -> WorkerThread:
        if self._handle is None or not self._handle.is_running():
            worker = JobWorker()
            worker.sigResult.connect(self._result)
            worker.sigProgress.connect(self._progress)
            worker.sigCancelled.connect(self._cancelled)
            worker.sigErrored.connect(self._errored)
            self._handle = start_worker(worker, self._name)
        return self._handle

    def run(self, function, *args, **kwargs) -> int:
        """Run ``function(*args, progress=..., **kwargs)`` in the background; the previous job is dropped."""
        self._job_id += 1
        self.running = True
        self._worker().post("run", self._job_id, function, args, kwargs)
        return self._job_id

    def cancel(self) -> None:
        if self._handle is not None and self.running:
            self._handle.post("cancel")

    def stop(self) -> None:
        """Stop and join the thread (the owner is closing)."""
        if self._handle is not None:
            self._handle.stop()
            self._handle = None
        self.running = False

    @Slot(int, object)
    def _result(self, job_id: int, result) -> None:
        if job_id == self._job_id:
            self.running = False
            self.sigResult.emit(result)

    @Slot(int, int, int)
    def _progress(self, job_id: int, done: int, total: int) -> None:
        if job_id == self._job_id:
            self.sigProgress.emit(done, total)

    @Slot(int)
    def _cancelled(self, job_id: int) -> None:
        if job_id == self._job_id:
            self.running = False
            self.sigCancelled.emit()

    @Slot(str)
    def _errored(self, message: str) -> None:
        self.running = False
        self.sigErrored.emit(message)
