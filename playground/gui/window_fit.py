"""What fits the screen and the banner: the window's default and restored geometry, and the
text of a notice (never a traceback, never a wall of text)."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication

DEFAULT_SIZE = (1500, 940)
TITLE_BAR = 32  # room above the window for the window manager's title bar
FRAME = 8  # room for the frame at the sides and the bottom
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
