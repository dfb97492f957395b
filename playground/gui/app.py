"""Start the desktop app: ``nn-playground`` or ``python -m playground``."""

from __future__ import annotations

import gc
import sys
import traceback
from importlib.resources import files

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from .actions.view import THEME
from .settings import SettingsReader, app_settings
from .theme import DARK, LIGHT, apply_theme

# How long a thread waiting for the GIL waits before asking its holder to let go. PySide lets the
# GIL go around most calls into Qt, so the GUI thread takes it back hundreds of times a frame; the
# trainer's numpy calls let it go and take it back every few tens of microseconds, and CPython asks
# the holder to let go only when a whole interval passed without a switch. At 1 ms the GUI thread
# waited for the end of the trainer's chunk on small data: with 20-100 training points, 35-40 of
# 56-61 frames drawn at full speed and a 1 ms timer 50-60 ms late; at 50 us every frame drawn
# and the timer ~1.5 ms late, the trainer's speed within this machine's noise
# (benchmarks/gil_handoff.py). Two CPU-bound Python threads lose ~6 % to it; 20 us lost ~40 %.
GIL_SWITCH_INTERVAL = 50e-6


def _install_excepthook() -> None:
    """An unexpected error shows a dialog instead of killing the app or printing at the user."""

    def hook(kind, value, tb):
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(text)
        app = QApplication.instance()
        if app is not None:
            box = QMessageBox(QMessageBox.Warning, "Something went wrong",
                              f"nn-playground hit an unexpected error and carried on:\n\n{value}")
            box.setDetailedText(text)
            box.exec()

    sys.excepthook = hook


def collect_garbage_at_safe_points(app: QApplication) -> None:
    """Python's cyclic garbage collector, run only from a timer of the GUI thread's event loop.

    A widget whose wrapper sits in a reference cycle is otherwise freed whenever the collector
    happens to run: inside a paint event or inside Qt's own signal disconnection, which then
    deadlocks or crashes (seen in the self-test and the tests). pyqtgraph's GarbageCollector
    disables the automatic collector and collects from a QTimer instead."""
    if getattr(app, "_garbage_collector", None) is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        app._garbage_collector = GarbageCollector(interval=1.0)


def freeze_long_lived_objects() -> None:
    """What exists once the window is built (its widgets, plots and docks: ~100,000 objects) leaves
    the cyclic collector's sight: each full collection walked them all, a pause of 40-45 ms every
    few seconds (measured with 100,000 points, benchmarks/scale.py). They are freed by reference
    counting as before; only a cycle among them would now wait."""
    gc.collect()
    gc.freeze()


def prepare_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the app's names, the remembered theme and the thread settings."""
    argv = list(sys.argv[:1] if argv is None else [sys.argv[0], *argv])
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)  # the GUI thread gets the GIL back quickly while the trainer runs
    QApplication.setAttribute(Qt.AA_DontCreateNativeWidgetSiblings)
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("nn-playground")
    app.setOrganizationName("nn-playground")
    app.setWindowIcon(QIcon(str(files("playground.resources").joinpath("icons", "nn-playground.svg"))))
    collect_garbage_at_safe_points(app)
    dark = THEME.read(SettingsReader(app_settings()))  # the dark action's setting; the window notes a bad one
    apply_theme(app, DARK if dark else LIGHT)
    return app


def open_main_window(session: str | None = None, autosave_dir: str | None = None, settings=None):
    """The window as the app starts it: autosave on, an unclean exit's autosave offered back, then ``session``."""
    from .file_actions import autosave_folder
    from .main_window import MainWindow

    window = MainWindow(settings=settings, autosave_dir=autosave_dir or autosave_folder())
    window.show()
    window.files.offer_recovery()
    if session is not None:
        window.open_session(session)
    return window


def run(argv: list[str] | None = None, session: str | None = None, play: bool = False,
        lesson: str | None = None) -> int:
    app = prepare_application(argv)
    _install_excepthook()
    window = open_main_window(session)
    if lesson is not None:
        from .lessons_panel import lesson_player

        lesson_player(window).open_path(lesson)
    freeze_long_lived_objects()
    if play:
        QTimer.singleShot(300, lambda: window.play(True))
    code = app.exec()
    from .background import shutdown_all

    shutdown_all()  # every worker thread stopped and joined before Qt goes away
    return code
