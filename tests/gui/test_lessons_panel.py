"""The Lessons menu and the lesson player, driven as a teacher would."""

import pytest
from PySide6.QtCore import Qt

from playground.gui import file_actions
from playground.gui.lessons_panel import LockDialog, lesson_player
from playground.gui.locks import lock_tip
from playground.gui.views import VIEWS
from playground.session.lessons import VIEWS as LESSON_VIEWS, lesson_paths, load_lesson
from test_main_window import click, empty_document, make_window


def test_every_view_a_lesson_can_name_is_a_dock_of_the_window():
    assert set(LESSON_VIEWS) == {spec.name for spec in VIEWS} | {"data"}


def test_the_lessons_menu_lists_every_lesson_file(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    titles = [action.text() for action in window.lesson_actions]
    assert len(titles) == len(lesson_paths())
    assert titles[0] == f"1. {load_lesson(lesson_paths()[0]).title}"


def test_opening_a_lesson_sets_up_its_experiment_views_locks_and_pace(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    lesson = load_lesson(lesson_paths()[0])  # fig. 5.3
    window.lesson_actions[0].trigger()
    player = lesson_player(window)
    assert player.lesson.title == lesson.title and player.dock.isVisible()
    assert window.model.document.dataset.name == lesson.experiment.data.generator
    assert window.model.document.config.network.hidden == (3,)
    assert window.diagram_dock.isVisible() and not window.hessian_dock.isVisible()
    assert window.hidden_action.isChecked()  # the lesson's view setting
    panel = window.training_panel
    assert not panel.optimizer_combo.isEnabled() and panel.optimizer_combo.toolTip() == lock_tip("lesson")
    assert panel.play_button.isEnabled() and window.data_panel.preset_combo.isEnabled()  # left unlocked
    assert panel.speed() == lesson.pace
    assert "Step 1 of 4" in player.panel.counter.text() and "Play" in player.panel.text.text()


def test_page_down_and_the_buttons_step_through_the_narrative_and_the_lessons(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.lesson_actions[0].trigger()
    player = lesson_player(window)
    qtbot.keyClick(window, Qt.Key_PageDown)
    assert player.step == 1 and "Step 2 of" in player.panel.counter.text()
    qtbot.keyClick(window, Qt.Key_PageUp)
    assert player.step == 0 and not player.panel.previous_step_button.isEnabled()
    qtbot.mouseClick(player.panel.next_lesson_button, Qt.LeftButton)
    assert player.number == 2 and player.lesson.title == load_lesson(lesson_paths()[1]).title
    assert window.model.document.dataset.name == "prml_synthetic"
    qtbot.mouseClick(player.panel.previous_lesson_button, Qt.LeftButton)
    assert player.number == 1


@pytest.mark.parametrize("answer, opened", [("cancel", False), ("discard", True)])
def test_opening_a_lesson_asks_before_losing_the_drawing(qtbot, tmp_path, monkeypatch, answer, opened):
    window = make_window(qtbot, tmp_path, empty_document())
    click(qtbot, window, 0.1, 0.2)  # an unsaved drawing
    asked = []
    monkeypatch.setattr(file_actions, "ask_save_changes", lambda parent, name: asked.append(name) or answer)
    window.lesson_actions[0].trigger()
    assert asked
    assert (window.model.document.dataset.n == 1) is not opened
    assert (lesson_player(window).lesson is not None) is opened
    monkeypatch.setattr(file_actions, "ask_save_changes", lambda parent, name: "discard")  # closing, later


def test_the_teacher_locks_controls_in_a_dialog(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.lock_controls_action.trigger()
    dialog = window.findChild(LockDialog)
    dialog.boxes["learning_rate"].setChecked(True)
    dialog.accept()
    assert not window.training_panel.lr_input.isEnabled()
    assert window.training_panel.lr_input.toolTip() == lock_tip("teacher")
    window.lesson_actions[0].trigger()  # a lesson adds its locks to the teacher's
    player = lesson_player(window)
    assert window.training_panel.lr_input.toolTip() == lock_tip("teacher")
    assert window.training_panel.optimizer_combo.toolTip() == lock_tip("lesson")
    qtbot.mouseClick(player.panel.end_button, Qt.LeftButton)  # ending it lifts only the lesson's
    assert window.training_panel.optimizer_combo.isEnabled() and not window.training_panel.lr_input.isEnabled()
    assert not player.dock.isVisible() and not window.next_step_action.isEnabled()
    window.unlock_controls_action.trigger()
    assert window.training_panel.lr_input.isEnabled()


def test_a_locked_drawing_tool_draws_nothing(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.presentation.locks.set_locked(["drawing"], "teacher")
    click(qtbot, window, 0.1, 0.2)
    assert window.model.document.dataset.n == 0
    window.presentation.locks.unlock_all()
    click(qtbot, window, 0.1, 0.2)
    assert window.model.document.dataset.n == 1
