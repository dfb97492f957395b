"""Menus and shortcuts as data (after napari's ``_qt/_qapp_model/qactions``).

Each menu is a table in its own module (files, edit, view, train, lessons, help): ``TITLE``, ``ACTIONS``
(``Action`` rows; ``None`` is a separator) and ``PREFERENCES`` (remembered settings that are not
actions, such as the loss plot's log scale). ``install_actions`` builds the menu bar from the
tables and puts each QAction on the window under its id (``window.play_action``);
``restore_preferences`` and ``save_preferences`` loop over every row that has a ``Setting``.
Adding a menu entry is one row; a remembered one is one row with a ``setting``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence

from ..settings import Setting, SettingsReader


@dataclass(frozen=True)
class Bindings:
    """Every key the platform binds to a standard action (QKeySequence.keyBindings), not only the first."""

    standard: QKeySequence.StandardKey


@dataclass(frozen=True)
class Action:
    """One menu entry. ``callback(window)``, or ``callback(window, checked)`` when checkable.

    ``shortcuts``: key texts ("Ctrl+E"), standard keys (their first binding) or ``Bindings``; the
    first is the one the menu shows. ``create(window) -> QAction`` is for actions Qt makes itself
    (undo and redo come from the undo stack). ``setting``: the remembered checked state.
    """

    id: str
    text: str
    callback: Callable | None = None
    shortcuts: tuple = ()
    submenu: str = ""
    checkable: bool = False
    checked: bool = False
    tip: str = ""
    setting: Setting | None = None
    create: Callable | None = None


@dataclass(frozen=True)
class Listed:
    """QActions the window already has, listed in the menu as they are (the docks' show/hide toggles)."""

    id: str
    make: Callable  # window -> list of QActions


@dataclass(frozen=True)
class Preference:
    """A remembered setting that is not a menu entry: ``get(window)``, ``set(window, value)``."""

    setting: Setting
    get: Callable
    set: Callable


def menu_modules() -> tuple:
    """The menus in menu-bar order."""
    from . import compare, edit, files, help, lessons, train, view

    return files, edit, view, train, compare, lessons, help


def all_actions() -> list[Action]:
    return [row for module in menu_modules() for row in module.ACTIONS if isinstance(row, Action)]


def all_preferences() -> list[Preference]:
    """Every remembered setting of the tables: the checkable actions with a setting, then the others."""
    found = [Preference(row.setting, _checked_getter(row.id), _checked_setter(row.id))
             for row in all_actions() if row.setting is not None]
    return found + [p for module in menu_modules() for p in getattr(module, "PREFERENCES", ())]


def _checked_getter(action_id: str):
    return lambda window: getattr(window, action_id).isChecked()


def _checked_setter(action_id: str):
    return lambda window, on: getattr(window, action_id).setChecked(on)


def unique_keys(sequences) -> list[QKeySequence]:
    """Each key once: a key bound twice to one action is ambiguous in Qt and never fires."""
    unique = {}
    for seq in sequences:
        unique.setdefault(QKeySequence(seq).toString(), QKeySequence(seq))
    return [seq for text, seq in unique.items() if text]


def key_sequences(shortcuts) -> list[QKeySequence]:
    keys = []
    for shortcut in shortcuts:
        if isinstance(shortcut, Bindings):
            keys.extend(QKeySequence.keyBindings(shortcut.standard))
        else:
            keys.append(QKeySequence(shortcut))
    return unique_keys(keys)


def make_action(window, row: Action) -> QAction:
    action = row.create(window) if row.create is not None else QAction(row.text, window)
    keys = key_sequences(row.shortcuts)
    if keys:
        action.setShortcuts(keys)
    if row.tip:
        action.setStatusTip(row.tip)
    if row.callback is not None:
        callback = row.callback
        if row.checkable:
            action.setCheckable(True)
            action.toggled.connect(lambda on: callback(window, on))
            action.setChecked(row.checked)  # after connecting: the view starts in the action's state
        else:
            # a lambda: triggered(bool) would pass its checked flag on as an argument
            action.triggered.connect(lambda _=False: callback(window))
    window.addAction(action)  # shortcuts work whichever dock has focus
    return action


def install_actions(window) -> dict[str, QAction]:
    """The menu bar from the tables; each QAction also on the window as ``window.<id>``."""
    bar = window.menuBar()
    by_id: dict[str, QAction] = {}
    for module in menu_modules():
        menu = bar.addMenu(module.TITLE)
        submenus = {}
        for row in module.ACTIONS:
            if row is None:
                menu.addSeparator()
            elif isinstance(row, Listed):
                listed = list(row.make(window))
                menu.addActions(listed)
                setattr(window, row.id, listed)
            else:
                action = make_action(window, row)
                if row.submenu and row.submenu not in submenus:
                    submenus[row.submenu] = menu.addMenu(row.submenu)
                (submenus[row.submenu] if row.submenu else menu).addAction(action)
                setattr(window, row.id, action)
                by_id[row.id] = action
    window.actions_by_id = by_id
    return by_id


def restore_preferences(window, reader: SettingsReader) -> None:
    """Each remembered setting read back (a bad value gives the default and a note in ``reader``)."""
    for preference in all_preferences():
        preference.set(window, preference.setting.read(reader))


def save_preferences(window, settings) -> None:
    for preference in all_preferences():
        preference.setting.write(settings, preference.get(window))
