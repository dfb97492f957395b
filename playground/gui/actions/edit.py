"""Edit menu: undo and redo of drawing edits, clearing, and the class that clicks draw."""

from PySide6.QtGui import QKeySequence

from . import Action, Bindings

TITLE = "&Edit"
N_CLASS_KEYS = 6  # keys 1-6, as many as the data panel's classes


def _draw_class(k: int):
    return lambda window: window.select_class(k)


ACTIONS = (
    Action("undo_action", "&Undo", shortcuts=(QKeySequence.Undo,),
           create=lambda w: w.model.undo_stack.createUndoAction(w, "&Undo")),
    # Ctrl+Shift+Z and Ctrl+Y on every platform; on Linux the standard Redo is Ctrl+Shift+Z
    # already, and a key bound twice never fires (install_actions keeps each key once).
    Action("redo_action", "&Redo", shortcuts=(Bindings(QKeySequence.Redo), "Ctrl+Shift+Z", "Ctrl+Y"),
           create=lambda w: w.model.undo_stack.createRedoAction(w, "&Redo")),
    None,
    Action("clear_action", "&Clear points", lambda w: w.clear_points(), ("Ctrl+Shift+Del",)),
    *(Action(f"class_{k + 1}_action", f"Draw class {k + 1}", _draw_class(k), (str(k + 1),), submenu="Draw &class")
      for k in range(N_CLASS_KEYS)),
)
