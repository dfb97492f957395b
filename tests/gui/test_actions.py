"""The menus' action tables (playground/gui/actions): every shortcut fires its callback, every
remembered setting survives a save and a restore, no key is bound twice, the guide is the resource."""

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from playground.gui import actions
from playground.gui.actions import Action, all_actions, all_preferences, help as help_actions, menu_modules
from playground.gui.main_window import MainWindow
from playground.gui.theme import LIGHT, apply_theme
from playground.session.config import DataConfig, ExperimentConfig
from playground.session.document import Document
from test_main_window import click, empty_document, make_window

GUIDE_FILE = Path(__file__).resolve().parents[2] / "resources" / "guide.html"
WINDOW_ENTRIES = {"window/geometry", "window/state", "files/last_dir"}  # the special entries


@pytest.fixture(autouse=True)
def _light_theme_afterwards():
    yield
    apply_theme(QApplication.instance(), LIGHT)  # a test that turns on the dark theme leaves the app light


def bayes_document():
    """Data whose Bayes-optimal boundary is known, so that every View entry is enabled."""
    return Document.generated(ExperimentConfig(data=DataConfig(generator="prml_synthetic", n_points=40, seed=1)))


def _with_callback(rows):
    return [row for row in rows if row.callback is not None]


def _spy_on(monkeypatch, target: Action) -> list:
    """Replace ``target``'s callback in its table by one that records its calls."""
    calls = []
    for module in menu_modules():
        if target in module.ACTIONS:
            spy = replace(target, callback=lambda *args: calls.append(args))
            monkeypatch.setattr(module, "ACTIONS", tuple(spy if row == target else row for row in module.ACTIONS))
            return calls
    raise AssertionError(f"{target.id} is in no table")


def _enable_as_a_user_would(window, action_id: str) -> None:
    """Esc means something in presentation mode, Page Up / Down while a lesson is open."""
    from playground.gui.lessons_panel import lesson_player
    from playground.session.lessons import lesson_paths

    if action_id == "leave_presentation_action":
        window.presentation_action.trigger()
    elif action_id.endswith(("_step_action", "_lesson_action")):
        assert not getattr(window, action_id).isEnabled()
        lesson_player(window).open_path(lesson_paths()[1])


# ---------------------------------------------------------------------- the tables build the menus
def test_every_row_is_a_window_attribute_in_its_menu(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    menus = {m.text(): m.menu() for m in window.menuBar().actions()}
    assert list(menus) == [module.TITLE for module in menu_modules()]
    for module in menu_modules():
        menu = menus[module.TITLE]
        listed = menu.actions() + [a for sub in menu.findChildren(QMenu) for a in sub.actions()]
        for row in module.ACTIONS:
            if isinstance(row, Action):
                action = getattr(window, row.id)
                assert window.actions_by_id[row.id] is action
                assert action in listed and action in window.actions(), row.id
                assert action.isCheckable() == row.checkable
    assert [a.text() for a in window.dock_actions] == [d.windowTitle() for d in window.docks]


# ---------------------------------------------------------------------- shortcuts
# Rows whose action is enabled only by another, real action (presentation mode, an open lesson):
# their window has only their own callback spied on. Every other row shares one window whose every
# callback is a spy: no callback changes the window, so one window serves them all (a window costs
# ~1 s to build).
NEEDS_REAL_NEIGHBOURS = ("leave_presentation_action", "_step_action", "_lesson_action")


def _needs_real_neighbours(row) -> bool:
    return row.id == NEEDS_REAL_NEIGHBOURS[0] or row.id.endswith(NEEDS_REAL_NEIGHBOURS[1:])


@pytest.fixture(scope="module")
def window_of_spies(qapp, tmp_path_factory):
    """(window, calls by action id): a window built while every callback of the tables is a spy."""
    calls = {}
    with pytest.MonkeyPatch.context() as patch:
        for module in menu_modules():
            rows = []
            for row in module.ACTIONS:
                if isinstance(row, Action) and row.callback is not None:
                    log = calls.setdefault(row.id, [])
                    row = replace(row, callback=lambda *args, log=log: log.append(args))
                rows.append(row)
            patch.setattr(module, "ACTIONS", tuple(rows))
        settings = QSettings(str(tmp_path_factory.mktemp("spies") / "settings.ini"), QSettings.IniFormat)
        window = MainWindow(bayes_document(), settings=settings)
    window.show()
    assert QTest.qWaitForWindowExposed(window)
    checked = {action: action.isChecked() for action in window.actions_by_id.values() if action.isCheckable()}
    yield window, calls, checked
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("playground.gui.file_actions.ask_save_changes", lambda parent, name: "discard")
        window.close()
    window.deleteLater()


def _spied_window(qtbot, window_of_spies, row):
    """The shared window as it was built: each checkable action back in its first state (an exclusive
    group unchecks the others when one is checked: the checked ones first), active, calls cleared."""
    window, calls, checked = window_of_spies
    for on in (True, False):
        for action, first in checked.items():
            if first is on:
                action.setChecked(on)
    assert {action: action.isChecked() for action in checked} == checked
    window.activateWindow()  # window shortcuts (Space, S, R, 1-6) need the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    for log in calls.values():
        log.clear()
    return window, calls[row.id]


@pytest.mark.parametrize("row", _with_callback(all_actions()), ids=lambda row: row.id)
def test_every_action_fires_its_callback_from_its_keys_or_trigger(window_of_spies, qtbot, tmp_path, monkeypatch, row):
    # window_of_spies is built before the test starts watching for threads (its workers live on)
    if _needs_real_neighbours(row):
        calls = _spy_on(monkeypatch, row)
        window = make_window(qtbot, tmp_path, bayes_document())
        _enable_as_a_user_would(window, row.id)
    else:
        window, calls = _spied_window(qtbot, window_of_spies, row)
    action = getattr(window, row.id)
    assert action.isEnabled()
    calls.clear()  # a checkable action that starts checked told its callback at start
    keys = action.shortcuts()
    assert [k.toString() for k in keys] == [k.toString() for k in actions.key_sequences(row.shortcuts)]
    if not keys:  # no shortcut (or none on this platform, e.g. Quit): the menu entry
        action.trigger()
        assert len(calls) == 1 and calls[0][0] is window
    for n, key in enumerate(keys, start=1):
        combination = key[0]
        qtbot.keyClick(window, combination.key(), combination.keyboardModifiers())
        assert len(calls) == n, f"{key.toString()} did not fire {row.id}"
        assert calls[-1][0] is window
    if row.checkable:  # each press toggles: told the new state
        assert [args[1] for args in calls] == [(not row.checked) if i % 2 == 0 else row.checked
                                               for i in range(len(calls))]


def test_undo_and_redo_answer_every_one_of_their_keys(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    for x in (0.1, 0.2):
        click(qtbot, window, x, 0.1)
    stack = window.model.undo_stack
    redo_keys = window.redo_action.shortcuts()
    assert {"Ctrl+Shift+Z", "Ctrl+Y"} <= {k.toString() for k in redo_keys}
    for key in redo_keys:
        undo = window.undo_action.shortcut()[0]
        qtbot.keyClick(window, undo.key(), undo.keyboardModifiers())
        assert stack.index() == 1 and window.model.document.dataset.n == 1
        qtbot.keyClick(window, key[0].key(), key[0].keyboardModifiers())
        assert stack.index() == 2 and window.model.document.dataset.n == 2, key.toString()


def test_no_key_is_bound_twice_in_the_menus(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    every = set(window.actions())
    for menu in window.menuBar().findChildren(QMenu):
        every.update(menu.actions())
    seen = {}
    for action in every:
        for key in action.shortcuts():
            assert key.toString() not in seen, f"{key.toString()}: {seen[key.toString()]!r} and {action.text()!r}"
            seen[key.toString()] = action.text()
    assert len(seen) >= 20  # the tables' keys are all there: File, Edit (1-6), View, Train, Help


# ---------------------------------------------------------------------- remembered settings
def _other_value(setting):
    return [v for v in setting.values if v != setting.default][-1]


@pytest.mark.parametrize("preference", all_preferences(), ids=lambda p: p.setting.key)
def test_every_remembered_setting_survives_save_and_restore(qtbot, tmp_path, preference):
    setting = preference.setting
    value = _other_value(setting)
    window = make_window(qtbot, tmp_path, empty_document())
    assert preference.get(window) == setting.default  # a fresh settings file: the default
    preference.set(window, value)
    assert preference.get(window) == value
    window.close()
    stored = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat).value(setting.key)
    assert stored is not None and str(stored) != ""
    again = make_window(qtbot, tmp_path, empty_document())
    assert preference.get(again) == value
    assert again.settings_notes == []


def test_the_loss_plots_log_scale_is_one_of_them(qtbot, tmp_path):
    keys = [p.setting.key for p in all_preferences()]
    assert "view/log_loss" in keys and "view/theme" in keys and "training/speed" in keys
    window = make_window(qtbot, tmp_path, empty_document())
    window.loss_plot.log_check.click()  # as a person ticks it
    window.close()
    again = make_window(qtbot, tmp_path, empty_document())
    assert again.loss_plot.log_y() and again.loss_plot.log_check.isChecked()


def test_the_settings_file_holds_the_tables_keys_and_the_window_entries(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.close()
    written = set(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat).allKeys())
    assert written == {p.setting.key for p in all_preferences()} | WINDOW_ENTRIES


def test_the_dark_theme_and_the_speed_are_kept_as_words(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.dark_action.trigger()
    qtbot.keyClick(window.training_panel.speed_slider, Qt.Key_End)  # as fast as it goes
    window.close()
    text = (tmp_path / "settings.ini").read_text()
    assert "theme=dark" in text and "speed=max" in text


# ---------------------------------------------------------------------- the guide
def test_the_guide_shows_the_resource_text(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.guide_action.trigger()
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    text = GUIDE_FILE.read_text(encoding="utf-8")
    assert boxes[0].text() == text == help_actions.guide_html()
    for mentioned in ("Equal aspect", "Ctrl+Y", "Autosave", "Optimiser race"):
        assert mentioned in text
    boxes[0].close()


def test_the_package_lists_its_tables():
    assert [m.__name__.rsplit(".", 1)[1] for m in menu_modules()] == ["files", "edit", "view", "train", "compare",
                                                                      "lessons", "help"]
    assert [k.toString() for k in actions.unique_keys(["Ctrl+Y", "Ctrl+Y", ""])] == ["Ctrl+Y"]
