"""The lesson player: a docked panel with the lesson's narrative, step by step.

Opening a lesson (Lessons menu) asks about unsaved changes first (file_actions' ask_save_changes
path), then puts the lesson's experiment in the window as a new drawing, shows its views and view
settings, locks the controls it does not leave unlocked (gui/locks.py) and sets its pace. The
panel steps through the narrative (Page Down / Page Up, as a presenter's clicker sends) and on to
the next or previous lesson; each step raises the views it talks about.
"""

from __future__ import annotations

import html
import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QStyle,
    QVBoxLayout, QWidget,
)

from playground.session.config import ConfigError
from playground.session.document import Document
from playground.session.lessons import CONTROLS, Lesson, LessonError, lesson_paths, load_lesson

from .file_actions import show_problem
from .dock_settings import DOCK_SETTING_APPLIERS
from .locks import CONTROL_SECTIONS, PANEL_CONTROLS
from .presentation import presentation
from .views import make_dock

ALWAYS_IN_SIGHT = ("play", "step", "reset")  # also in the Train menu and on the keys: their panel need not rise

VIEW_SETTING_ACTIONS = {  # a lesson's view_settings key -> the View menu's action
    "hidden_units": "hidden_action", "discretize": "discretize_action", "test_points": "test_action",
    "bayes_boundary": "bayes_action",
}


class LessonPanel(QWidget):
    """Title, figure, 'step i of n', the step's text, and previous / next buttons."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.RichText)
        self.counter = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.RichText)
        self.text.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        steps = QHBoxLayout()
        self.previous_step_button = QPushButton("\u25c0 Step")
        self.next_step_button = QPushButton("Step \u25b6")
        self.previous_step_button.setToolTip("The previous step (Page Up)")
        self.next_step_button.setToolTip("The next step (Page Down)")
        steps.addWidget(self.previous_step_button)
        steps.addWidget(self.next_step_button)
        lessons = QHBoxLayout()
        self.previous_lesson_button = QPushButton("\u25c0\u25c0 Lesson")
        self.next_lesson_button = QPushButton("Lesson \u25b6\u25b6")
        self.previous_lesson_button.setToolTip("The previous lesson (Ctrl+Page Up)")
        self.next_lesson_button.setToolTip("The next lesson (Ctrl+Page Down)")
        lessons.addWidget(self.previous_lesson_button)
        lessons.addWidget(self.next_lesson_button)
        layout.addWidget(self.title)
        layout.addWidget(self.counter)
        layout.addWidget(self.text, 1)
        layout.addLayout(steps)
        layout.addLayout(lessons)
        self.end_button = QPushButton("End the lesson")
        self.end_button.setToolTip("Unlock what the lesson locked and close this panel; the drawing stays.")
        layout.addWidget(self.end_button)
        for button in (self.previous_step_button, self.next_step_button, self.previous_lesson_button,
                       self.next_lesson_button, self.end_button):
            # the buttons may shrink with the panel: at a presentation's font size their text would otherwise
            # make the panel wider than its dock, and the narrative would wrap beyond the dock's edge
            button.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)

    def show_step(self, lesson: Lesson, index: int, number: int, count: int) -> None:
        step = lesson.steps[index]
        self.title.setText(f"<b>{html.escape(lesson.title)}</b><br>{html.escape(lesson.figure)}"
                           f" \u2014 lesson {number} of {count}")
        self.counter.setText(f"Step {index + 1} of {len(lesson.steps)}")
        self.text.setText(html.escape(step.text))
        self.previous_step_button.setEnabled(index > 0)
        self.next_step_button.setEnabled(index < len(lesson.steps) - 1)
        self.previous_lesson_button.setEnabled(number > 1)
        self.next_lesson_button.setEnabled(number < count)


class LessonPlayer:
    """The open lesson of one window (``lesson_player(window)``)."""

    def __init__(self, window):
        self.window = window
        self.paths = lesson_paths()
        self.lesson: Lesson | None = None
        self.number = 0  # 1-based position in self.paths
        self.step = 0
        self.panel = LessonPanel()
        self.dock = make_dock(window, "Lesson", "lesson", self.panel, Qt.LeftDockWidgetArea, scroll=True)
        self.dock.hide()
        self.panel.previous_step_button.clicked.connect(lambda: self.go_step(-1))
        self.panel.next_step_button.clicked.connect(lambda: self.go_step(+1))
        self.panel.previous_lesson_button.clicked.connect(lambda: self.go_lesson(-1))
        self.panel.next_lesson_button.clicked.connect(lambda: self.go_lesson(+1))
        self.panel.end_button.clicked.connect(self.end)
        self._enable_steps()

    def open_path(self, path) -> bool:
        try:
            lesson = load_lesson(path)
        except LessonError as err:
            show_problem(self.window, "Cannot open the lesson", str(err))
            return False
        return self.open(lesson, path)

    def open(self, lesson: Lesson, path=None) -> bool:
        """Show ``lesson``; False (nothing changed) when the person cancels the unsaved-changes question."""
        w = self.window
        try:
            document = Document.generated(lesson.experiment)
        except ConfigError as err:
            show_problem(w, "Cannot open the lesson", f"{lesson.path or lesson.title}: {err}")
            return False
        if not w.files.new_drawing():  # unsaved changes: save, discard or cancel
            return False
        w.play(False)
        w.session_path = None
        w._schedule_rebuild(reset=True, message=f"Lesson: {lesson.title}.")
        w.model.reset(document)
        w.files.mark_saved()  # the lesson as it opens has nothing to lose
        w.zoom_to_data()
        self.lesson = lesson
        names = [os.path.abspath(p) for p in self.paths]
        where = os.path.abspath(path) if path is not None else None
        self.number = names.index(where) + 1 if where in names else 0
        self._show_views(lesson)
        presentation(w).locks.set_locked(lesson.locked(), "lesson")
        from .actions.train import _set_speed

        _set_speed(w, lesson.pace)
        self.dock.show()
        self.dock.raise_()
        # Tall enough to read a step without scrolling: a new dock at the bottom of the column gets ~120 px.
        w.resizeDocks([self.dock], [int(w.height() * LESSON_HEIGHT)], Qt.Vertical)
        self.show_step(0)
        self._enable_steps()
        return True

    def _show_views(self, lesson: Lesson) -> None:
        w = self.window
        for live in w.live_docks:
            live.dock.setVisible(live.spec.name in lesson.views)
        for key, on in lesson.view_settings.items():
            if key in DOCK_SETTING_APPLIERS:
                attribute, apply = DOCK_SETTING_APPLIERS[key]
                apply(getattr(w, attribute), on)
            elif key == "log_loss":
                w.loss_plot.set_log_y(on)
            else:
                getattr(w, VIEW_SETTING_ACTIONS[key]).setChecked(on)
        for name in lesson.unlocked or ():
            if name in CONTROL_SECTIONS:  # the controls the narrative names are in sight
                CONTROL_SECTIONS[name](w).set_expanded(True)

    def show_step(self, index: int) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        self.step = max(0, min(len(lesson.steps) - 1, index))
        self.panel.show_step(lesson, self.step, max(self.number, 1), max(len(self.paths), 1))
        step = lesson.steps[self.step]
        for panel, names in PANEL_CONTROLS.items():  # the panel of a control the step names comes to the front
            if any(name in names for name in step.controls if name not in ALWAYS_IN_SIGHT):
                getattr(self.window, panel).raise_()
        for name in step.views:
            dock = getattr(self.window, f"{name}_dock", None)
            if dock is not None:
                dock.raise_()  # the view the step talks about comes to the front of its tabs

    def go_step(self, delta: int) -> None:
        self.show_step(self.step + delta)

    def go_lesson(self, delta: int) -> bool:
        target = self.number + delta
        if not 1 <= target <= len(self.paths):
            return False
        return self.open_path(self.paths[target - 1])

    def end(self) -> None:
        """Close the lesson: its locks go (the teacher's stay), the panel hides, the drawing stays."""
        self.lesson = None
        presentation(self.window).locks.set_locked((), "lesson")
        self.dock.hide()
        self._enable_steps()

    def _enable_steps(self) -> None:
        on = self.lesson is not None
        for action_id in ("next_step_action", "previous_step_action", "next_lesson_action", "previous_lesson_action"):
            action = getattr(self.window, action_id, None)
            if action is not None:
                action.setEnabled(on)  # Page Up / Down belong to the spin boxes while no lesson is open


PRESENTED_WIDTH = 0.22  # the lesson panel's share of the screen's width in presentation mode
LESSON_HEIGHT = 0.3  # and of the window's height when a lesson opens
PRESENTED_HEIGHT = 0.5  # ... and in presentation mode
PRESENTED_WIDEST = 0.32  # the column's width at most, whatever its panels would like


def _content(dock):
    """What a dock shows: its widget, or the widget inside its scroll area."""
    inner = dock.widget()
    return inner.widget() if isinstance(inner, QScrollArea) and inner.widget() is not None else inner


def widen_for_presentation(window) -> None:
    """Presentation mode with a lesson open: the lesson panel takes a readable share of the screen."""
    player = window.__dict__.get("lesson_player")
    if player is not None and player.lesson is not None and player.dock.isVisible():
        # and wide enough for the panels beside it at their presentation font (no sideways scrolling)
        column = [d for d in (window.data_dock, window.network_dock, player.dock) if d.isVisible()]
        bar = window.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        needed = max(_content(d).minimumSizeHint().width() for d in column) + bar + 8
        width = min(max(int(window.width() * PRESENTED_WIDTH), needed), int(window.width() * PRESENTED_WIDEST))
        window.resizeDocks([player.dock], [width], Qt.Horizontal)
        # and half the column's height: the step's text at 150 % is the point of the screen
        window.resizeDocks([player.dock], [int(window.height() * PRESENTED_HEIGHT)], Qt.Vertical)


def lesson_player(window) -> LessonPlayer:
    found = window.__dict__.get("lesson_player")
    if found is None:
        found = window.lesson_player = LessonPlayer(window)
    return found


def lesson_actions(window) -> list[QAction]:
    """One menu entry per lesson file, named by its title."""
    actions = []
    for number, path in enumerate(lesson_paths(), start=1):
        try:
            title = f"{number}. {load_lesson(path).title}"
        except LessonError:
            title = f"{number}. {os.path.basename(path)} (cannot be read)"
        action = QAction(title, window)
        action.triggered.connect(lambda _=False, p=path: lesson_player(window).open_path(p))
        actions.append(action)
    return actions


class LockDialog(QDialog):
    """The teacher's locks: one check box per control; a ticked control is locked."""

    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Lock controls")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Ticked controls are locked: greyed, and hidden in presentation mode."))
        locks = presentation(window).locks
        self.boxes = {}
        for name, label in CONTROLS.items():
            box = QCheckBox(label)
            box.setChecked(locks.is_locked(name))
            layout.addWidget(box)
            self.boxes[name] = box
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        return [name for name, box in self.boxes.items() if box.isChecked()]


def ask_locks(window) -> LockDialog:
    dialog = LockDialog(window)
    dialog.accepted.connect(lambda: presentation(window).locks.set_locked(dialog.chosen(), "teacher"))
    dialog.open()
    return dialog
