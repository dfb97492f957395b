"""GUI test fixtures: offscreen Qt (tests/conftest.py), pytest-qt's qtbot, no dangling threads."""

import pytest
import shiboken6
from PySide6.QtCore import QThread


@pytest.fixture(autouse=True, scope="session")
def _garbage_collected_at_safe_points(qapp):
    """As the app does (gui/app.collect_garbage_at_safe_points): a widget in a reference cycle is
    freed from a timer of the event loop, not inside a paint event or a signal disconnection."""
    from playground.gui.app import collect_garbage_at_safe_points

    collect_garbage_at_safe_points(qapp)
    yield


@pytest.fixture(autouse=True)
def _unsaved_changes_are_discarded(monkeypatch):
    """Closing a window with unsaved changes asks in a modal box, which would wait for ever here:
    tests answer 'discard' unless they answer the question themselves (file_actions.ask_save_changes)."""
    monkeypatch.setattr("playground.gui.file_actions.ask_save_changes", lambda parent, name: "discard")


@pytest.fixture(autouse=True)
def _no_dangling_qthreads(monkeypatch):
    """Fail a test that leaves a QThread running (napari's _dangling_qthreads is the model)."""
    started = []
    original_start = QThread.start

    def tracking_start(self, *args, **kwargs):
        started.append(self)
        return original_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", tracking_start)
    yield
    running = [t for t in started if shiboken6.isValid(t) and t.isRunning()]
    for thread in running:  # stop them so that one failure does not cascade
        thread.requestInterruption()
        thread.quit()
        thread.wait(5000)
    assert not running, f"{len(running)} QThread(s) still running after the test"
