"""File menu, unsaved changes, remembered settings and bad files, driven through the window as a user would."""

import json
import os

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QStandardPaths, Qt
from PySide6.QtGui import QKeySequence

from playground.gui import file_actions
from playground.gui.actions import unique_keys as _unique_keys
from playground.gui.main_window import MainWindow
from playground.session.document import load_session, save_session
from test_main_window import click, empty_document, make_window, spiral_document, wait_frame


class Prompts:
    """Answers the save-changes question and records each time it was asked."""

    def __init__(self, monkeypatch, answer="cancel"):
        self.answer, self.asked = answer, []
        monkeypatch.setattr(file_actions, "ask_save_changes", self)

    def __call__(self, parent, name):
        self.asked.append(name)
        return self.answer


@pytest.fixture
def problems(monkeypatch):
    """The texts of the warnings the window shows."""
    shown = []
    monkeypatch.setattr(file_actions, "show_problem", lambda parent, title, text: shown.append(text))
    return shown


def answer_dialogs(monkeypatch, path):
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (str(path), ""))


def modified_window(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    click(qtbot, window, 0.3, 0.3)
    assert window.model.document.dataset.n == 1
    return window


# ---------------------------------------------------------------------- unsaved changes
def test_the_title_names_the_file_and_marks_unsaved_changes(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path, empty_document())
    assert "untitled" in window.windowTitle() and not window.isWindowModified()
    click(qtbot, window, 0.3, 0.3)
    assert window.isWindowModified()
    answer_dialogs(monkeypatch, tmp_path / "mine.nnp.json")
    window.save_action.trigger()
    assert "mine.nnp.json" in window.windowTitle() and not window.isWindowModified()
    window.undo_action.trigger()  # undoing past the save is a change again
    assert window.isWindowModified()
    window.redo_action.trigger()
    assert not window.isWindowModified()


def test_a_settings_change_counts_as_unsaved_but_training_alone_does_not(qtbot, tmp_path, monkeypatch):
    prompts = Prompts(monkeypatch, "cancel")
    window = make_window(qtbot, tmp_path, spiral_document(60))
    window.step_action.trigger()
    wait_frame(qtbot, window, lambda f: f.snapshot.epoch >= 1)
    assert not window.isWindowModified()
    window.new_action.trigger()
    assert prompts.asked == []  # trained weights alone do not ask
    window.model.undo_stack.clear()
    window.training_panel.lr_input.spin.setValue(0.2)
    assert window.model.document.config.training.lr == pytest.approx(0.2)
    assert window.isWindowModified()
    prompts.answer = "discard"


def test_quit_with_unsaved_changes_cancel_keeps_the_window_and_the_drawing(qtbot, tmp_path, monkeypatch):
    window = modified_window(qtbot, tmp_path)
    prompts = Prompts(monkeypatch, "cancel")
    document = window.model.document
    window.quit_action.trigger()
    assert prompts.asked == ["untitled"]
    assert window.isVisible() and window.model.document is document and window.isWindowModified()
    prompts.answer = "discard"
    window.quit_action.trigger()
    assert not window.isVisible()


def test_closing_with_save_writes_the_file_first(qtbot, tmp_path, monkeypatch):
    window = modified_window(qtbot, tmp_path)
    Prompts(monkeypatch, "save")
    answer_dialogs(monkeypatch, tmp_path / "kept")
    window.close()
    assert not window.isVisible()
    assert load_session(tmp_path / "kept.nnp.json").document.dataset.n == 1


def test_closing_when_the_save_dialog_is_cancelled_keeps_the_window(qtbot, tmp_path, monkeypatch):
    window = modified_window(qtbot, tmp_path)
    Prompts(monkeypatch, "save")
    answer_dialogs(monkeypatch, "")  # the save dialog cancelled
    window.close()
    assert window.isVisible() and window.isWindowModified()
    Prompts(monkeypatch, "discard")


def test_new_drawing_asks_and_cancel_keeps_the_points(qtbot, tmp_path, monkeypatch):
    window = modified_window(qtbot, tmp_path)
    prompts = Prompts(monkeypatch, "cancel")
    window.new_action.trigger()
    assert window.model.document.dataset.n == 1 and len(prompts.asked) == 1
    prompts.answer = "discard"
    window.new_action.trigger()
    assert window.model.document.dataset.n == 0 and not window.isWindowModified()


def test_open_asks_first_and_save_saves_the_old_drawing_before_opening(qtbot, tmp_path, monkeypatch):
    other = tmp_path / "other.nnp.json"
    save_session(other, spiral_document(40))
    window = modified_window(qtbot, tmp_path)
    window.save_session_as(str(tmp_path / "first.nnp.json"))
    click(qtbot, window, -0.3, 0.3)
    prompts = Prompts(monkeypatch, "cancel")
    answer_dialogs(monkeypatch, other)
    window.open_action.trigger()
    assert window.model.document.dataset.n == 2 and prompts.asked == ["first.nnp.json"]
    prompts.answer = "save"
    window.open_action.trigger()
    assert load_session(tmp_path / "first.nnp.json").document.dataset.n == 2
    assert window.model.document.dataset.n == 40 and "other.nnp.json" in window.windowTitle()
    assert not window.isWindowModified()


def test_an_unchanged_window_never_asks(qtbot, tmp_path, monkeypatch):
    prompts = Prompts(monkeypatch, "cancel")
    path = tmp_path / "s.nnp.json"
    save_session(path, spiral_document(30))
    window = make_window(qtbot, tmp_path, spiral_document())
    answer_dialogs(monkeypatch, path)
    window.open_action.trigger()
    qtbot.wait(50)  # the opened document settles (the output head follows the data, ...)
    window.new_action.trigger()
    window.close()
    assert prompts.asked == [] and not window.isVisible()


# ---------------------------------------------------------------------- settings
def test_bad_settings_fall_back_to_the_defaults_with_a_note(qtbot, tmp_path):
    ini = tmp_path / "settings.ini"
    ini.write_text("[training]\nspeed=abc\n[view]\ntheme=purple\nhidden_units=maybe\nlog_loss=2\n"
                   "[window]\nstate=garbage\ngeometry=@ByteArray(not a geometry)\n[files]\nlast_dir=a, b\n")
    window = MainWindow(empty_document(), settings=QSettings(str(ini), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    noted = " ".join(window.settings_notes)
    for key in ("training/speed", "view/theme", "view/hidden_units", "view/log_loss", "window/state",
                "window/geometry", "files/last_dir"):
        assert key in noted
    assert "training/speed" in window.statusBar().currentMessage()
    assert window.training_panel.speed() == 2  # the default: a pace one can watch
    assert not window.dark_action.isChecked() and not window.hidden_action.isChecked()
    assert not window.loss_plot.log_y()
    assert window._last_dir == QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation)
    assert window.width() > 600  # the default geometry


@pytest.mark.parametrize("text, dark", [("dark", True), ("light", False), ("purple", False)])
def test_the_app_starts_in_the_theme_the_dark_action_saved(qapp, tmp_path, monkeypatch, text, dark):
    from playground.gui import app as app_module
    from playground.gui.theme import DARK, LIGHT, apply_theme, current_theme

    ini = tmp_path / "settings.ini"
    ini.write_text(f"[view]\ntheme={text}\n")
    monkeypatch.setattr(app_module, "app_settings", lambda: QSettings(str(ini), QSettings.IniFormat))
    try:
        app_module.prepare_application([])
        assert current_theme() is (DARK if dark else LIGHT)
    finally:
        apply_theme(qapp, LIGHT)


def test_a_number_out_of_range_for_the_speed_falls_back_too(qtbot, tmp_path):
    ini = tmp_path / "settings.ini"
    ini.write_text("[training]\nspeed=7\n")
    window = MainWindow(empty_document(), settings=QSettings(str(ini), QSettings.IniFormat))
    qtbot.addWidget(window)
    assert window.settings_notes == ["training/speed = '7'"] and window.training_panel.speed() == 2


@pytest.mark.parametrize("on", [False, True])
def test_log_scale_of_the_loss_plot_is_remembered_as_set(qtbot, tmp_path, on):
    window = make_window(qtbot, tmp_path, empty_document())
    window.loss_plot.set_log_y(on)
    window.close()
    again = make_window(qtbot, tmp_path, empty_document())
    assert again.loss_plot.log_y() is on


# ---------------------------------------------------------------------- shortcuts
def test_redo_answers_ctrl_y_and_ctrl_shift_z(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    for x in (0.1, 0.2):
        click(qtbot, window, x, 0.1)
    stack = window.model.undo_stack
    for key, modifiers in ((Qt.Key_Y, Qt.ControlModifier), (Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)):
        qtbot.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
        assert stack.index() == 1
        qtbot.keyClick(window, key, modifiers)
        assert stack.index() == 2 and window.model.document.dataset.n == 2


def test_no_key_is_bound_twice(qtbot, tmp_path):
    """Qt ignores a key bound twice ('Ambiguous shortcut overload'): on Linux QKeySequence.Redo is
    Ctrl+Shift+Z, which the redo action also listed by hand."""
    window = make_window(qtbot, tmp_path, empty_document())
    seen = {}
    for action in window.actions():
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text} is bound to {seen[text]!r} and {action.text()!r}"
            seen[text] = action.text()
    linux = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
    assert [k.toString() for k in _unique_keys(linux)] == ["Ctrl+Shift+Z", "Ctrl+Y"]


# ---------------------------------------------------------------------- sessions keep their curves and names
def test_a_reopened_session_shows_its_loss_curves(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path, spiral_document(60))
    window.play(True)
    wait_frame(qtbot, window, lambda f: f.snapshot.epoch > 20)
    window.play(False)
    frame = wait_frame(qtbot, window, lambda f: not f.running)
    path = tmp_path / "lesson.nnp.json"
    window.save_session_as(str(path))
    saved = load_session(path).history
    assert len(saved) == len(frame.snapshot.history) > 20

    other = make_window(qtbot, tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path, empty_document())
    answer_dialogs(monkeypatch, path)
    other.open_action.trigger()
    wait_frame(qtbot, other)
    qtbot.wait(100)  # a few more frames of the paused trainer
    _, train = other.loss_plot.curve_data("train")
    np.testing.assert_allclose(train, saved.train_error)
    other.save_session_as(str(tmp_path / "again.nnp.json"))  # saved again before training: curves kept
    assert len(load_session(tmp_path / "again.nnp.json").history) == len(saved)
    other.step_action.trigger()  # training resumes: the trainer's own curves from here
    qtbot.waitUntil(lambda: len(other.loss_plot.curve_data("train")[1]) == 2)


def test_the_save_dialog_proposes_a_name_in_the_last_folder(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path, spiral_document(30))
    window._last_dir = str(tmp_path)
    proposed = []

    def dialog(parent, caption, start, filters):
        proposed.append(start)
        return "", ""

    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", dialog)
    window.save_as_action.trigger()
    window.export_action.trigger()
    assert proposed == [str(tmp_path / "spiral.nnp.json"), str(tmp_path / "spiral.csv")]
    window.save_session_as(str(tmp_path / "sub" / ".." / "lesson 3.nnp.json"))
    window.save_as_action.trigger()
    assert proposed[-1] == os.path.join(window._last_dir, "lesson 3.nnp.json")


# ---------------------------------------------------------------------- bad files
def nested(depth=1000):
    return "[" * depth + "]" * depth


def bad_session_files(tmp_path):
    """(name, path) of session files the app cannot use."""
    from playground.session.document import session_document

    good = session_document(spiral_document(20))
    files = {}

    def write(name, text):
        files[name] = tmp_path / name
        files[name].write_text(text)

    write("nested.nnp.json", nested())
    write("nested_config.nnp.json", json.dumps({**good, "config": "@"}).replace('"@"', '{"data": ' + nested() + "}"))
    write("nested_history.nnp.json", json.dumps({**good, "history": "@"}).replace('"@"', nested(3000)))
    write("history_list.nnp.json", json.dumps({**good, "history": [1, 2, 3]}))
    write("history_number.nnp.json", json.dumps({**good, "history": {"train_error": 5}}))
    many = dict(good, dataset=dict(good["dataset"], X=[[0.0, 1.0, 2.0]] * 20))
    write("three_inputs.nnp.json", json.dumps(many))
    huge = dict(good, dataset=dict(good["dataset"], X=[[1e308, -1e308]] * 20))
    write("huge.nnp.json", json.dumps(huge))
    files["binary.nnp.json"] = tmp_path / "binary.nnp.json"
    files["binary.nnp.json"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe" * 50)
    os.mkfifo(tmp_path / "pipe.nnp.json")
    files["pipe.nnp.json"] = tmp_path / "pipe.nnp.json"
    (tmp_path / "folder.nnp.json").mkdir()
    files["folder.nnp.json"] = tmp_path / "folder.nnp.json"
    files["missing.nnp.json"] = tmp_path / "missing.nnp.json"
    return files


def test_every_bad_session_file_gives_a_plain_message_and_keeps_the_drawing(qtbot, tmp_path, monkeypatch,
                                                                            problems):
    window = make_window(qtbot, tmp_path, spiral_document(50))
    document = window.model.document
    files = bad_session_files(tmp_path / "files" if (tmp_path / "files").mkdir() is None else tmp_path)
    for name, path in files.items():
        answer_dialogs(monkeypatch, path)
        before = len(problems)
        window.open_action.trigger()
        assert len(problems) == before + 1, name
        text = problems[-1]
        assert "Traceback" not in text and "Error" not in text.split(":")[0], (name, text)
        assert len(text) < 600, name
        assert window.model.document is document, name
    by_name = dict(zip(files, problems))
    assert "1-D or 2-D" in by_name["three_inputs.nnp.json"] and "command line" in by_name["three_inputs.nnp.json"]
    assert "1e+308" in by_name["huge.nnp.json"] and "Rescale" in by_name["huge.nnp.json"]
    assert "not a regular file" in by_name["pipe.nnp.json"]
    assert "folder" in by_name["folder.nnp.json"]
    assert "no such file" in by_name["missing.nnp.json"]


def test_bad_csv_files_are_refused_in_plain_words(qtbot, tmp_path, monkeypatch, problems):
    window = make_window(qtbot, tmp_path, spiral_document(50))
    document = window.model.document
    cases = {
        "three.csv": "x1,x2,x3,label\n0,1,2,0\n1,2,3,1\n2,3,4,0\n",
        "huge.csv": "x1,x2,label\n1e308,0,0\n-1e308,1,1\n",
        "bad.csv": "x1,x2,label\n0,1,0\n1,oops,1\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x89PNG" * 100)
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "dir.csv").mkdir()
    names = [*cases, "binary.csv", "pipe.csv", "dir.csv"]
    for name in names:
        answer_dialogs(monkeypatch, tmp_path / name)
        window.import_action.trigger()
        assert window.model.document is document, name
    assert len(problems) == len(names)
    said = dict(zip(names, problems))
    assert "3 inputs" in said["three.csv"] and "1-D or 2-D" in said["three.csv"]
    assert "Rescale" in said["huge.csv"]
    assert "line 3" in said["bad.csv"]
    assert "not a regular file" in said["pipe.csv"] and "folder" in said["dir.csv"]
    # a good file still imports afterwards, and Play then trains on it
    (tmp_path / "good.csv").write_text("x,t\n0,0\n0.5,1\n1,0.5\n")
    answer_dialogs(monkeypatch, tmp_path / "good.csv")
    window.import_action.trigger()
    assert window.model.document.dataset.n_inputs == 1
    wait_frame(qtbot, window, lambda f: f.snapshot.weights.size == window._net_template.n_params)


def test_weights_that_do_not_fit_the_network_are_said_in_the_banner(qtbot, tmp_path, monkeypatch, problems):
    path = tmp_path / "odd.nnp.json"
    save_session(path, spiral_document(30), np.zeros(7))
    window = make_window(qtbot, tmp_path, empty_document())
    answer_dialogs(monkeypatch, path)
    window.open_action.trigger()
    assert problems == [] and window.model.document.dataset.n == 30
    assert window.banner.isVisible() and "do not fit" in window.banner_label.text()
