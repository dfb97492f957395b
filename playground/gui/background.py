"""Every background thread of the app: one worker base, one mailbox, one registry (design.md, "The GUI").

After superqt's ``utils/_qthreading.py`` (``WorkerBase.run`` wraps the work with
started / errored / finished; ``new_worker_qthread`` does the wiring in one place)
and napari's ``_qt/qthreading.py`` (errors go to one notification path):

- :class:`Mailbox` carries commands from the GUI thread to a worker. It is read
  between pieces of work; :meth:`Mailbox.pending` is cheap enough to be polled inside
  long computations, so that a worker gives up a piece of work when told something.
- :class:`Worker` is a QObject moved to its own QThread (not a QThread subclass). Its
  loop reads the mailbox, dispatches each command ``name`` to ``_on_<name>`` (an
  unknown command is a bug and is reported, never silently ignored), then calls
  :meth:`Worker.work` for one short piece of work. "stop" ends the loop.
- Every failure inside a worker becomes one plain sentence on ``sigErrored``; the
  traceback goes to the log file in the app's data folder (:func:`log_path`), never
  at the person.
- :func:`start_worker` is the only place that wires a worker to a thread, and it
  registers the pair; :func:`shutdown_all` stops and joins every live worker within
  a bound (the app calls it on quit, so no "QThread: Destroyed while running").
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import threading
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QThread, Signal, Slot

FRAME_INTERVAL = 1.0 / 30.0  # frames, chunks of work and redraws: at most ~30 a second
# At full speed, 20 frames a second: each drawn frame holds the GIL in the GUI thread for 6-10 ms and
# the trainer lost about twice that (benchmarks/gui_speed.py: ratio 0.37-0.48 at 30, 0.52-0.62 at 20).
FULL_SPEED_FRAME_INTERVAL = 1.0 / 20.0
SHUTDOWN_TIMEOUT = 5.0  # seconds shutdown_all waits for all workers together
LOG_FILE_NAME = "nn-playground.log"

_log = logging.getLogger("playground")


# ---------------------------------------------------------------------------- the log file
def log_path() -> Path:
    """The log file in the app's data folder (QStandardPaths.AppDataLocation)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or ".") / LOG_FILE_NAME


_log_lock = threading.Lock()
_log_handler: logging.Handler | None = None


def _ensure_log_file() -> Path:
    global _log_handler
    path = log_path()
    with _log_lock:
        if _log_handler is None or Path(getattr(_log_handler, "baseFilename", "")) != path.resolve():
            path.parent.mkdir(parents=True, exist_ok=True)
            if _log_handler is not None:
                _log.removeHandler(_log_handler)
                _log_handler.close()
            _log_handler = logging.FileHandler(path, encoding="utf-8", delay=True)
            _log_handler.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(levelname)s %(message)s"))
            _log.addHandler(_log_handler)
            _log.setLevel(logging.INFO)
    return path


def describe_failure(what: str, error: BaseException) -> str:
    """One plain sentence about ``error`` for the person; its traceback goes to the log file.

    ``what`` says what stopped and while doing what, e.g. "The trainer stopped because
    of an internal error while training".
    """
    summary = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        path = _ensure_log_file()
        _log.error("%s (%s)\n%s", what, summary, details)
        where = f" Details were written to {path}."
    except OSError:  # a read-only home must not turn an error report into another error
        where = ""
    return f"{what} ({summary}).{where}"


# ---------------------------------------------------------------------------- BLAS threads
_blas_lock = threading.Lock()
_blas_limits: list[int] = []  # the limit of each user inside limited_blas, any thread
_blas_saved: list = []


def _openblas_thread_controls() -> list:
    """(get, set) of every OpenBLAS loaded in this process (numpy's and scipy's), via ctypes."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line})
    except OSError:  # not Linux: leave the thread counts alone
        return []
    controls = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_", ""):
            for suffix in ("64_", ""):
                get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    controls.append((get, put))
    return controls


@contextlib.contextmanager
def limited_blas(threads: int):
    """At most ``threads`` BLAS threads while inside.

    Two threads each calling multi-threaded OpenBLAS on a small machine slow each other
    down many times over (measured: an 8 x 256 mini-batch step 40x slower, so a pause
    took 14 s instead of 0.01 s); with one BLAS thread each they share the cores.
    The setting is process-wide: the smallest limit of the users inside holds, and the
    last one out restores the thread counts found on the way in.

    Not threadpoolctl here (sweep worker processes use it, core/sweeps.py): since 3.6 it lets
    only the first Python thread that limits OpenBLAS's process-wide pool change it again, and
    a QThread counts as alive for ever, so a second worker's limit (or the restore by the last
    user, on another thread) is silently ignored (measured: 2 threads left inside the block).
    """
    global _blas_saved
    threads = max(1, int(threads))
    with _blas_lock:
        if not _blas_limits:
            _blas_saved = [(put, get()) for get, put in _openblas_thread_controls()]
        _blas_limits.append(threads)
        _apply_blas_limit()
    try:
        yield
    finally:
        with _blas_lock:
            _blas_limits.remove(threads)
            _apply_blas_limit()


def _apply_blas_limit() -> None:
    for put, found in _blas_saved:
        put(min([found, *_blas_limits]))


def single_threaded_blas():
    """One BLAS thread per Python thread while two workers compute at once (see limited_blas)."""
    return limited_blas(1)


def cores_but_one() -> int:
    """BLAS threads for the trainer: every core but one, which the GUI thread needs to stay smooth
    (measured with 100,000 points on 2 cores: building an 8 x 256 network froze the window for
    51-157 ms with two BLAS threads, 39-47 ms with one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores - 1)


# ---------------------------------------------------------------------------- mailbox
class UnknownCommand(Exception):
    """A command with no handler: a bug in whoever posted it."""


class Mailbox:
    """Commands from the GUI thread to a worker, read between pieces of work."""

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

    def pending(self) -> bool:
        """Is a command waiting? (No lock: a deque's length is read atomically; polled in hot loops.)"""
        return bool(self._items)


# ---------------------------------------------------------------------------- worker base
class Worker(QObject):
    """A worker living in its own QThread (module docstring). Subclasses define
    ``_on_<command>(*args)`` handlers, :meth:`work` and :meth:`idle_timeout`."""

    sigErrored = Signal(str)  # one plain sentence; the traceback is in the log file
    sigFinished = Signal()

    title = "background worker"  # "The <title> stopped because of an internal error <activity>"
    activity = "while working"

    def __init__(self, mailbox: Mailbox | None = None):
        super().__init__()
        self.mailbox = mailbox if mailbox is not None else Mailbox()
        self.stopping = False
        self.wakeups = 0  # passes through the loop: an idle worker sleeps on the mailbox

    # ---- what subclasses provide
    def idle_timeout(self) -> float | None:
        """How long to wait for a command before the next :meth:`work`: None sleeps until one comes."""
        return None

    def work(self) -> None:
        """One short piece of work (returns within about FRAME_INTERVAL, or when a command is pending)."""

    def on_failure(self) -> None:
        """Called after an internal error, before it is reported (e.g. pause)."""

    # ---- the loop
    def run_context(self):
        """What the worker's whole life runs inside (the trainer: its BLAS threads, worker.py)."""
        return contextlib.nullcontext()

    @Slot()
    def run(self) -> None:
        """The worker's whole life: returns when told to stop."""
        try:
            with self.run_context():
                while not self.stopping:
                    self.wakeups += 1
                    self.dispatch(self.mailbox.take(self.idle_timeout()))
                    if self.stopping:
                        break
                    try:
                        self.work()
                    except Exception as error:  # a bug must not kill the thread silently
                        self.fail(self.activity, error)
        finally:
            self.sigFinished.emit()

    def dispatch(self, commands) -> None:
        """Run each command's handler; "stop" ends the loop (the commands after it are dropped)."""
        for command, args in commands:
            if command == "stop":
                self.stopping = True
                return
            try:
                handler = getattr(self, f"_on_{command}", None)
                if handler is None:
                    raise UnknownCommand(f"unknown command {command!r} for the {self.title}")
                handler(*args)
            except Exception as error:
                self.fail(f"while handling {command!r}", error)

    def fail(self, doing: str, error: BaseException) -> None:
        try:
            self.on_failure()
        finally:
            self.sigErrored.emit(describe_failure(
                f"The {self.title} stopped because of an internal error {doing}", error))

    def should_stop(self) -> bool:
        """For long work: True when a command is waiting, so the work returns to the loop."""
        return self.stopping or self.mailbox.pending()


# ---------------------------------------------------------------------------- wiring and registry
class WorkerThread:
    """A worker and the QThread it lives in: start, post, stop and join (the only wiring)."""

    def __init__(self, worker: Worker, name: str):
        self.worker = worker
        self.mailbox = worker.mailbox
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        worker.sigFinished.connect(self.thread.quit)

    def start(self) -> None:
        with _registry_lock:
            _registry.append(self)
        self.thread.start()

    def post(self, command: str, *args) -> None:
        self.mailbox.post(command, *args)

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def request_stop(self) -> None:
        self.mailbox.post("stop")
        self.thread.quit()

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the thread to end; True when it has."""
        done = self.thread.wait(max(0, int(timeout * 1000)))
        if done:
            with _registry_lock:
                if self in _registry:
                    _registry.remove(self)
        return done

    def stop(self, timeout: float = SHUTDOWN_TIMEOUT) -> bool:
        """Stop the worker and join its thread; True when it has ended. Safe to call twice."""
        if not self.is_running():
            self.join(0)
            return True
        self.request_stop()
        return self.join(timeout)


_registry: list[WorkerThread] = []
_registry_lock = threading.Lock()


def start_worker(worker: Worker, name: str) -> WorkerThread:
    """Move ``worker`` to a new QThread called ``name``, register the pair and start it."""
    handle = WorkerThread(worker, name)
    handle.start()
    return handle


def live_workers() -> list[WorkerThread]:
    with _registry_lock:
        return [h for h in _registry if h.is_running()]


def shutdown_all(timeout: float = SHUTDOWN_TIMEOUT) -> bool:
    """Tell every live worker to stop, then join them all within ``timeout`` seconds in total."""
    handles = live_workers()
    for handle in handles:  # all at once: they wind down in parallel
        handle.request_stop()
    deadline = time.monotonic() + timeout
    ok = True
    for handle in handles:
        ok = handle.join(max(0.0, deadline - time.monotonic())) and ok
    return ok
