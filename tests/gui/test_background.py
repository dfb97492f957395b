"""The background-work module: commands, errors in words, the log file, the registry, and the trainer
that stays responsive while a long Hessian report computes (issue 9, issue 10)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, Slot

from playground.core import MLP, Trainer
from playground.core.hessian_lab import HessianRequest
from playground.gui import background
from playground.gui.background import Worker, live_workers, log_path, shutdown_all, start_worker
from playground.gui.worker import TrainingController


class _Echo(Worker):
    """A worker with one command, to test the base."""

    title = "echo worker"

    def __init__(self):
        super().__init__()
        self.seen = []

    def _on_echo(self, value):
        self.seen.append(value)


class _Messages(QObject):
    """Lives in the GUI thread: what a worker's signal delivered, in order."""

    def __init__(self):
        super().__init__()
        self.messages = []

    @Slot(str)
    def take(self, message):
        self.messages.append(message)


@pytest.fixture
def log_folder(tmp_path, monkeypatch):
    """The app data folder (and so the log file) inside tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


def test_an_unknown_command_reaches_the_error_signal_and_the_worker_carries_on(qtbot, log_folder):
    worker = _Echo()
    handle = start_worker(worker, "echo")
    try:
        # Not qtbot.waitSignal: its blocker is no QObject, so a signal from the worker thread runs
        # its slot in that thread, and a signal landing just before the blocker's event loop starts
        # leaves the loop waiting forever (it hung the suite). A QObject slot in the GUI thread
        # receives it queued, as the app's own controllers do.
        received = _Messages()
        worker.sigErrored.connect(received.take)
        handle.post("no_such_command", 1)
        qtbot.waitUntil(lambda: len(received.messages) > 0, timeout=3000)
        message = received.messages[0]
        assert "unknown command 'no_such_command'" in message and "echo worker" in message
        assert "Traceback" not in message
        handle.post("echo", 42)  # the worker is still alive and dispatches known commands
        qtbot.waitUntil(lambda: worker.seen == [42], timeout=3000)
    finally:
        assert handle.stop(5.0)


def test_shutdown_all_stops_and_joins_every_registered_worker(qtbot):
    handles = [start_worker(_Echo(), f"echo {k}") for k in range(3)]
    assert all(h in live_workers() for h in handles)
    assert shutdown_all(5.0)
    assert not any(h.is_running() for h in handles)
    assert not any(h in live_workers() for h in handles)


def spiral_trainer(n=200, hidden=(8, 8), seed=0, batch_size=None):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    T = (X[:, 0] * X[:, 1] > 0).astype(float)[:, None]
    net = MLP([2, *hidden, 1], hidden="tanh", output="sigmoid", seed=seed)
    return Trainer(net, X, T, optimizer="adam", lr=0.01, batch_size=batch_size)


@pytest.fixture
def controller(qtbot):
    c = TrainingController()
    yield c
    assert c.shutdown()
    assert not c.thread.isRunning() and not c.hessian_thread.isRunning()


def test_an_internal_error_says_what_failed_in_words_and_logs_the_traceback(qtbot, controller, log_folder):
    trainer = spiral_trainer()

    def broken_advance(*args, **kwargs):
        raise ValueError("the optimiser's state is corrupt")

    trainer.advance = broken_advance
    controller.set_job(trainer, None, "classification", 2)
    with qtbot.waitSignal(controller.sigStopped, timeout=5000) as stopped:
        controller.play(True)
    status, message = stopped.args
    assert status == "error" and not controller.running
    assert message.startswith("The trainer stopped because of an internal error while training "
                              "(ValueError: the optimiser's state is corrupt).")
    assert "Traceback" not in message and "\n" not in message
    path = log_path()
    assert path.parent.is_relative_to(log_folder) and path.name == "nn-playground.log"
    assert f"Details were written to {path}." in message
    logged = path.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged and "broken_advance" in logged


def test_the_trainer_answers_pause_while_a_long_hessian_report_computes_and_cancel_ends_it(qtbot, controller):
    # 4,400 weights on 20,000 points: the sparse path, hundreds of Hessian-vector products (a minute)
    trainer = spiral_trainer(n=20_000, hidden=(64, 64), batch_size=500)
    events = []
    controller.hessian_worker.sigReport.connect(lambda _id, report: events.append(("report", report)))
    controller.worker.sigFrame.connect(lambda frame: events.append(("frame", frame.running)))
    controller.set_job(trainer, None, "classification", 2)
    controller.set_hessian(HessianRequest(), interval=100)
    qtbot.waitUntil(lambda: controller.hessian_progress() is not None, timeout=10_000)  # the report runs
    controller.play(True)
    qtbot.waitUntil(lambda: ("frame", True) in events, timeout=10_000)
    controller.play(False)
    qtbot.waitUntil(lambda: events[-1] == ("frame", False), timeout=10_000)
    # the trainer has paused while the report is still being computed
    assert controller.hessian_worker.busy.is_set()
    assert not any(kind == "report" for kind, _ in events)
    controller.cancel_hessian()
    qtbot.waitUntil(lambda: any(kind == "report" for kind, _ in events), timeout=10_000)
    report = next(r for kind, r in events if kind == "report")
    assert report.cancelled and not report.ok and "cancelled" in report.reason
    assert events.index(("frame", False)) < events.index(("report", report))
    qtbot.waitUntil(lambda: not controller.hessian_worker.busy.is_set(), timeout=5000)


CLOSE_SCRIPT = textwrap.dedent("""
    import os, sys
    from PySide6.QtCore import QSettings, QTimer
    from playground.gui.app import prepare_application
    app = prepare_application([])
    from playground.gui.background import shutdown_all
    from playground.gui.main_window import MainWindow
    from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
    from playground.session.document import Document
    config = ExperimentConfig(data=DataConfig(generator="spiral", n_points=20_000, noise=0.05, seed=1),
                              network=NetworkConfig(hidden=(256,) * 8))
    window = MainWindow(Document.generated(config), settings=QSettings(sys.argv[1], QSettings.IniFormat))
    window.show()
    window.hessian_dock.show()
    window.hessian_dock.raise_()
    QTimer.singleShot(500, lambda: window.play(True))
    QTimer.singleShot(2500, window.close)
    QTimer.singleShot(60_000, lambda: os._exit(3))  # a hang fails instead of blocking the suite
    code = app.exec()
    print("all stopped:", shutdown_all(), flush=True)
    sys.exit(code)
""")


def test_closing_the_window_while_a_big_network_trains_with_the_hessian_dock_exits_cleanly(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run([sys.executable, "-c", CLOSE_SCRIPT, str(tmp_path / "settings.ini")], env=env,
                          capture_output=True, text=True, timeout=120, cwd=Path(background.__file__).parents[2])
    assert "QThread: Destroyed" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
    assert "all stopped: True" in done.stdout


def test_the_hessian_dock_shows_a_long_reports_progress_and_its_cancel_button_stops_it(qtbot, tmp_path):
    from PySide6.QtCore import QSettings, Qt

    from playground.gui.main_window import MainWindow
    from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
    from playground.session.document import Document

    config = ExperimentConfig(data=DataConfig(generator="spiral", n_points=3000, noise=0.05, seed=1),
                              network=NetworkConfig(hidden=(64, 64)))  # 4,400 weights: a long sparse report
    window = MainWindow(Document.generated(config), settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    window.hessian_dock.show()
    window.hessian_dock.raise_()
    view = window.hessian_view
    qtbot.waitUntil(lambda: view.progress_row.isVisible(), timeout=15_000)
    assert "Computing the Hessian" in view.progress_text()
    window.play_action.trigger()  # the trainer carries on while the report computes
    qtbot.waitUntil(lambda: window._last_snapshot is not None and window._last_snapshot.epoch > 0, timeout=15_000)
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.spectrum_placeholder.text() == "The Hessian report was cancelled.", timeout=10_000)
    assert not view.progress_row.isVisible() and window.controller.running
    epoch = window._last_snapshot.epoch
    qtbot.waitUntil(lambda: window._last_snapshot.epoch > epoch, timeout=10_000)  # and still trains
    window.play_action.trigger()
    window.close()
    assert not window.controller.thread.isRunning() and not window.controller.hessian_thread.isRunning()


def test_blas_runs_single_threaded_while_a_report_computes_and_is_restored_after():
    import scipy.sparse.linalg  # noqa: F401  (scipy's own OpenBLAS is loaded too)

    from playground.gui.background import _openblas_thread_controls, single_threaded_blas

    controls = _openblas_thread_controls()
    before = [get() for get, _ in controls]
    with single_threaded_blas():
        with single_threaded_blas():  # two users at once: the inner one does not restore
            pass
        assert all(get() == 1 for get, _ in controls)
    assert [get() for get, _ in controls] == before


def test_the_trainer_leaves_a_core_to_the_gui_thread_and_the_limits_nest(qtbot, monkeypatch):
    """While the trainer's thread lives, BLAS uses every core but one (the GUI thread's); a report's
    single thread inside it and the trainer's limit both go back to what was there."""
    import scipy.sparse.linalg  # noqa: F401  (scipy's own OpenBLAS is loaded too)

    from playground.gui.background import _openblas_thread_controls, limited_blas, single_threaded_blas

    controls = _openblas_thread_controls()
    before = [get() for get, _ in controls]
    if not controls or max(before) < 2:
        pytest.skip("one BLAS thread already: nothing to limit on this machine")
    monkeypatch.setattr(background, "cores_but_one", lambda: 2)  # as on a 3-core machine
    with limited_blas(8):  # a limit above the count leaves it
        assert [get() for get, _ in controls] == before
    monkeypatch.setattr("playground.gui.worker.cores_but_one", lambda: 1)
    ctrl = TrainingController()
    ctrl.set_job(spiral_trainer(), None, "classification", 2, None)
    qtbot.waitUntil(lambda: all(get() == 1 for get, _ in controls), timeout=3000)  # the trainer runs
    with single_threaded_blas():
        pass
    assert all(get() == 1 for get, _ in controls)  # a report's end keeps the trainer's limit
    assert ctrl.shutdown()
    assert [get() for get, _ in controls] == before
