"""What fits the screen and the banner: the window's default and restored geometry, its
remembered layout (restore_window, save_window, reset_window_layout), and the text of a notice
(never a traceback, never a wall of text)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QStandardPaths, Qt
from PySide6.QtGui import QGuiApplication

from .actions import restore_preferences, save_preferences
from .settings import SettingsReader
from .views import hide_views_shown_on_request

DEFAULT_SIZE = (1500, 940)
TITLE_BAR = 32  # room above the window for the window manager's title bar
FRAME = 8  # room for the frame at the sides and the bottom
DOCK_TITLE_HEIGHT = 30  # a dock's title bar and frame, above its panel
NOTICE_LIMIT = 400  # characters a banner shows; a longer text is cut to its first line


def default_geometry(screen) -> QRect:
    """1500 x 940 where it fits, else the screen's free area less the frame (1264 x 680 on a
    1280 x 720 display), centred there: the window always opens within the screen."""
    if screen is None:
        return QRect(0, 0, *DEFAULT_SIZE)
    area = screen.availableGeometry()
    width = min(DEFAULT_SIZE[0], area.width() - 2 * FRAME)
    height = min(DEFAULT_SIZE[1], area.height() - TITLE_BAR - FRAME)
    x = area.x() + (area.width() - width) // 2
    y = area.y() + TITLE_BAR + (area.height() - TITLE_BAR - FRAME - height) // 2
    return QRect(x, y, width, height)


def on_screen_geometry(geometry: QRect) -> QRect:
    """``geometry`` (a window's, without its frame) moved onto the screen it is mostly on, or
    the default one when it is on none (saved on a monitor since unplugged) or too large."""
    screen = QGuiApplication.screenAt(geometry.center())
    if screen is None:
        return default_geometry(QGuiApplication.primaryScreen())
    room = screen.availableGeometry().adjusted(FRAME, TITLE_BAR, -FRAME, -FRAME)  # the frame must fit too
    if geometry.width() > room.width() or geometry.height() > room.height():
        return default_geometry(screen)
    fitted = QRect(geometry)
    fitted.moveLeft(min(max(fitted.left(), room.left()), room.right() + 1 - fitted.width()))
    fitted.moveTop(min(max(fitted.top(), room.top()), room.bottom() + 1 - fitted.height()))
    return fitted


def notice_text(text: str) -> str:
    """What a notice may say: plain words, never a traceback, at most NOTICE_LIMIT characters
    (the caller logs the full text)."""
    text = text.strip()
    if "Traceback" not in text and len(text) <= NOTICE_LIMIT:
        return text
    lines = [line.strip() for line in text.splitlines()]
    first = next((line for line in lines if line and not line.startswith("Traceback")), "Something went wrong.")
    suffix = " (details in the log)"
    if len(first) > NOTICE_LIMIT - len(suffix):
        first = first[: NOTICE_LIMIT - len(suffix) - 1].rstrip() + "\u2026"
    return first + suffix


def restore_window(window) -> None:
    """Geometry, dock layout and every remembered preference of ``window`` from its settings; a bad
    value falls back to its default, with a note in ``window.settings_notes`` and the status bar."""
    read = SettingsReader(window.settings)
    geometry = read.byte_array("window/geometry")
    if geometry is not None and not window.restoreGeometry(geometry):
        read.note("window/geometry", geometry)
        geometry = None
    if geometry is not None:
        if not (window.isMaximized() or window.isFullScreen()):  # saved on a larger or a detached monitor
            window.setGeometry(on_screen_geometry(window.geometry()))
    else:
        window.setGeometry(default_geometry(QGuiApplication.primaryScreen()))
        default_dock_sizes(window)
    state = read.byte_array("window/state")
    if state is not None and not window.restoreState(state):
        read.note("window/state", state)
    restore_preferences(window, read)  # every setting of the action tables (theme, overlays, log scale, speed)
    window._last_dir = read.directory("files/last_dir",
                                      QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation))
    window.settings_notes = read.notes
    if read.notes:
        window.show_notice(read.message())


def save_window(window) -> None:
    s = window.settings
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState())
    save_preferences(window, s)
    s.setValue("files/last_dir", window._last_dir)
    s.sync()


def reset_window_layout(window) -> None:
    window.restoreState(window._default_state)
    for dock in window.docks:
        dock.show()
    hide_views_shown_on_request(window)
    default_dock_sizes(window)


def default_dock_sizes(window) -> None:
    """Side columns of 300 and 400 px; on the right, Training, Loss and the plots share the
    height (the state saved before the window is shown holds no sensible heights)."""
    height = max(window.height() - window.menuBar().height() - window.statusBar().height(), 300)
    window.resizeDocks([window.data_dock, window.training_dock], [300, 400], Qt.Horizontal)
    # The Data panel is the taller one: it gets what it asks for, the Network panel the rest.
    data = min(window.data_panel.sizeHint().height() + DOCK_TITLE_HEIGHT, int(height * 0.7))
    window.resizeDocks([window.data_dock, window.network_dock], [data, height - data], Qt.Vertical)
    window.resizeDocks([window.training_dock, window.loss_dock, window.diagram_dock],
                       [int(height * 0.38), int(height * 0.30), height - int(height * 0.38) - int(height * 0.30)],
                       Qt.Vertical)
