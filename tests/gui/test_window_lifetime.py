"""A closed main window is freed: nothing outside it (pyqtgraph's parentless menus, the app's
signals) keeps a reference to it, so windows opened one after another do not pile up. (Every GUI
test opens one: when they piled up, each later garbage collection and theme switch got slower.)"""

import gc
import weakref

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from test_main_window import empty_document, make_window


def _close_and_collect() -> None:
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the deleteLater() below
    gc.collect()


def test_a_closed_window_is_freed(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    freed = weakref.ref(window)
    window.close()
    window.deleteLater()
    del window
    _close_and_collect()
    assert freed() is None


def test_a_closed_window_is_freed_after_its_plot_menu_was_filled(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    submenu = next(a.menu() for a in window.loss_plot.view_box.menu.actions() if a.text() == "Export figure")
    submenu.aboutToShow.emit()  # as a right-click on the loss plot does: its exports are added
    assert submenu.actions()
    freed = weakref.ref(window)
    window.close()
    window.deleteLater()
    del window, submenu
    _close_and_collect()
    assert freed() is None
