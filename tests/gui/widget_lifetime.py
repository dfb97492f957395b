"""Widget lifetime for the plot tests (shared by test_plots.py and test_hessian_view.py)."""

import gc

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

_ALIVE = []


def delete_widgets_at_a_safe_point():
    """Keep the test's widgets alive until pytest-qt has closed them, then delete them now.

    pytest-qt only holds weak references and calls deleteLater(), which
    QApplication.processEvents() never runs. A top-level widget whose Python wrapper
    sits in a reference cycle is then freed by the cyclic garbage collector at a
    random moment, possibly inside its own paintEvent (a segfault, 1 run in 3).
    """
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    _ALIVE.clear()
    gc.collect()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def shown(qtbot, widget, w=640, h=420):
    _ALIVE.append(widget)
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)
    QApplication.processEvents()
    return widget


def shown_main_window(qtbot, tmp_path, document):
    """A main window on ``document`` with its own settings file in tmp_path, shown and exposed."""
    from PySide6.QtCore import QSettings

    from playground.gui.main_window import MainWindow

    window = MainWindow(document, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window
