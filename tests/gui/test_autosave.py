"""Autosave while drawing, removal on a clean exit, and recovery after the app was killed."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from playground.gui import file_actions
from playground.gui.app import open_main_window
from playground.gui.main_window import MainWindow
from playground.session.autosave import autosave_path, write_autosave
from playground.session.document import load_session
from test_main_window import click, empty_document, spiral_document


class RestoreAnswer:
    def __init__(self, monkeypatch, answer):
        self.answer, self.asked = answer, []
        monkeypatch.setattr(file_actions, "ask_restore", self)

    def __call__(self, parent, when, name):
        self.asked.append(when)
        return self.answer


def window_with_autosave(qtbot, tmp_path, document=None):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    window = MainWindow(document if document is not None else empty_document(), settings=settings,
                        autosave_dir=str(tmp_path / "data"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_edits_are_autosaved_in_one_write_and_a_clean_exit_removes_the_file(qtbot, tmp_path):
    window = window_with_autosave(qtbot, tmp_path)
    path = autosave_path(tmp_path / "data")
    qtbot.wait(50)
    assert not path.exists()  # nothing changed yet: nothing to keep
    click(qtbot, window, 0.2, 0.2)
    click(qtbot, window, -0.2, 0.2)
    qtbot.waitUntil(path.exists, timeout=5000)
    window.files.autosaver.wait()
    assert window.files.autosaver.writes == 1  # both clicks in one write
    saved = load_session(path)
    np.testing.assert_array_equal(saved.document.dataset.X, window.model.document.dataset.X)
    assert saved.extra["autosave"]["pid"] == os.getpid()
    window.close()
    assert not path.exists()


def test_an_undo_is_autosaved_too(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(file_actions, "AUTOSAVE_INTERVAL_S", 0.2)
    window = window_with_autosave(qtbot, tmp_path)
    path = autosave_path(tmp_path / "data")
    click(qtbot, window, 0.2, 0.2)
    click(qtbot, window, -0.2, 0.2)
    qtbot.waitUntil(lambda: path.exists() and load_session(path).document.dataset.n == 2, timeout=5000)
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: load_session(path).document.dataset.n == 1, timeout=5000)


def test_saving_removes_the_older_autosave_and_the_next_edit_writes_a_new_one(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(file_actions, "AUTOSAVE_INTERVAL_S", 0.2)
    window = window_with_autosave(qtbot, tmp_path)
    path = autosave_path(tmp_path / "data")
    click(qtbot, window, 0.2, 0.2)
    qtbot.waitUntil(path.exists, timeout=5000)
    assert window.save_session_as(str(tmp_path / "saved.nnp.json"))
    assert not path.exists()  # after a crash it would offer less than the saved file holds
    click(qtbot, window, -0.2, 0.2)
    qtbot.waitUntil(lambda: path.exists() and load_session(path).document.dataset.n == 2, timeout=5000)


def test_a_failing_autosave_is_said_in_the_status_bar(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(file_actions, "AUTOSAVE_INTERVAL_S", 0.2)
    (tmp_path / "data").write_text("a file where the folder should be")
    window = window_with_autosave(qtbot, tmp_path)
    saver = window.files.autosaver
    click(qtbot, window, 0.2, 0.2)
    qtbot.waitUntil(lambda: saver.error is not None, timeout=5000)
    click(qtbot, window, -0.2, 0.2)
    qtbot.waitUntil(lambda: "Autosave failed" in window.statusBar().currentMessage(), timeout=5000)


def test_another_running_windows_autosave_is_neither_offered_nor_touched(qtbot, tmp_path, monkeypatch):
    answer = RestoreAnswer(monkeypatch, "restore")
    other = write_autosave(tmp_path / "data", spiral_document(20), pid=os.getppid())  # a live process
    before = other.read_bytes()
    window = window_with_autosave(qtbot, tmp_path)
    assert not window.files.offer_recovery() and answer.asked == []
    click(qtbot, window, 0.2, 0.2)
    qtbot.waitUntil(autosave_path(tmp_path / "data").exists, timeout=5000)
    window.close()
    assert other.read_bytes() == before


def test_discarding_the_offer_deletes_the_old_autosave(qtbot, tmp_path, monkeypatch):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    old = write_autosave(tmp_path / "data", spiral_document(20), pid=child.pid)
    answer = RestoreAnswer(monkeypatch, "discard")
    window = window_with_autosave(qtbot, tmp_path)
    assert not window.files.offer_recovery()
    assert len(answer.asked) == 1 and not old.exists() and window.model.document.dataset.n == 0


def test_closing_the_offer_without_an_answer_keeps_the_autosave_for_next_time(qtbot, tmp_path, monkeypatch):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    old = write_autosave(tmp_path / "data", spiral_document(20), pid=child.pid)
    window = window_with_autosave(qtbot, tmp_path)

    def close_the_box():
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
        QApplication.activeModalWidget().reject()  # Escape, or the window's close button

    QTimer.singleShot(0, close_the_box)
    assert not window.files.offer_recovery()
    assert old.exists() and window.model.document.dataset.n == 0


CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    from PySide6.QtCore import QSettings, QTimer
    from playground.gui.app import prepare_application, open_main_window

    app = prepare_application([])
    window = open_main_window(settings=QSettings(sys.argv[1], QSettings.IniFormat))
    doc = window.model.document
    new = doc.cleared().with_points(np.array([[0.1, 0.2], [0.3, -0.4], [-0.5, 0.6]]), np.array([0, 1, 1]))
    window.model.edit(new, "Add points")
    print("ready", flush=True)
    app.exec()
""")


def test_after_a_kill_the_next_start_offers_the_drawing_back(qtbot, tmp_path, monkeypatch):
    env = dict(os.environ, HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "share"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    folder = tmp_path / "share" / "nn-playground" / "nn-playground"  # AppDataLocation under XDG_DATA_HOME
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "child.ini")], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        path = autosave_path(folder, child.pid)
        deadline = time.monotonic() + 30
        while not path.exists():
            assert time.monotonic() < deadline, "no autosave appeared"
            assert child.poll() is None, "the app ended by itself"
            time.sleep(0.1)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    answer = RestoreAnswer(monkeypatch, "restore")
    window = open_main_window(autosave_dir=str(folder), settings=QSettings(str(tmp_path / "me.ini"),
                                                                           QSettings.IniFormat))
    qtbot.addWidget(window)
    assert len(answer.asked) == 1 and answer.asked[0].endswith("today")
    np.testing.assert_array_equal(window.model.document.dataset.X, [[0.1, 0.2], [0.3, -0.4], [-0.5, 0.6]])
    np.testing.assert_array_equal(window.model.document.dataset.t, [0, 1, 1])
    assert window.isWindowModified()  # restored work is not saved anywhere yet
    assert not path.exists()  # it lives on in this process's autosave
    qtbot.waitUntil(autosave_path(folder).exists, timeout=5000)
    window.close()
    assert os.listdir(folder) == []


@pytest.fixture(autouse=True)
def _never_the_real_data_folder(monkeypatch, tmp_path):
    """open_main_window falls back to the user's data folder; never in tests."""
    monkeypatch.setattr(file_actions, "autosave_folder", lambda: str(tmp_path / "unused"))
