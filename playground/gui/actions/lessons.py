"""Lessons menu: the lesson files, stepping through a lesson, and the teacher's control locks."""

from PySide6.QtGui import QAction

from . import Action, Listed
from ..lessons_panel import ask_locks, lesson_actions, lesson_player
from ..presentation import presentation

TITLE = "&Lessons"


def _off_until_a_lesson(text: str):
    """A QAction that starts disabled: Page Up / Down belong to the spin boxes until a lesson opens."""
    def create(window) -> QAction:
        action = QAction(text, window)
        action.setEnabled(False)
        return action
    return create


ACTIONS = (
    Listed("lesson_actions", lesson_actions),
    None,
    Action("next_step_action", "Next step", lambda w: lesson_player(w).go_step(+1), ("PgDown",),
           create=_off_until_a_lesson("Next step")),
    Action("previous_step_action", "Previous step", lambda w: lesson_player(w).go_step(-1), ("PgUp",),
           create=_off_until_a_lesson("Previous step")),
    Action("next_lesson_action", "Next lesson", lambda w: lesson_player(w).go_lesson(+1), ("Ctrl+PgDown",),
           create=_off_until_a_lesson("Next lesson")),
    Action("previous_lesson_action", "Previous lesson", lambda w: lesson_player(w).go_lesson(-1), ("Ctrl+PgUp",),
           create=_off_until_a_lesson("Previous lesson")),
    None,
    Action("lock_controls_action", "Lock controls\u2026", ask_locks,
           tip="the teacher's locks: locked controls are greyed, and hidden in presentation mode"),
    Action("unlock_controls_action", "Unlock all controls", lambda w: presentation(w).locks.unlock_all()),
)
