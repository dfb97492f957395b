"""Small Qt helpers shared by the plots."""

from __future__ import annotations

import math

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QGraphicsItem, QSizePolicy, QWidget

# Work spread over turns of the event loop waits this long for the next one: a timer, not a
# zero-time call (Qt posts those as events, and a chain of them ran in one pass of the event
# loop, with no repaint and no other timer between them: benchmarks/scale.py saw one freeze).
NEXT_TURN_MS = 1


def cache_axes(plot_item) -> None:
    """Keep the plot's axes as pixmaps: a view repainted under them each frame (new shading, a new
    curve) blits them instead of replaying their tick labels from Python. pyqtgraph calls update()
    on an axis whenever its ticks, range, size or pens change, which redraws the pixmap."""
    for name in ("left", "bottom", "right", "top"):
        plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


class EventWatcher(QObject):
    """Calls ``callback()`` when ``watched`` gets an event of type ``kind``: the mouse leaving a
    viewport ends a hover readout, the main window closing closes the race window. A separate
    object, because an event filter on a window itself could be called while it is destroyed."""

    # Class defaults: Qt may still filter an event while the Python wrapper's attributes are gone.
    _callback = None
    _kind = None

    def __init__(self, watched: QObject, kind: QEvent.Type, callback, parent: QObject | None = None):
        super().__init__(parent)
        self._kind = kind
        self._callback = callback
        self._watched = watched
        watched.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
        if self._callback is not None and event.type() == self._kind:
            self._callback()
        return False

    def release(self) -> None:
        """Stop watching (the owner is closing)."""
        self._callback = None
        if shiboken6.isValid(self._watched):
            self._watched.removeEventFilter(self)


def clear_curve(curve) -> None:
    """Empty a PlotCurveItem or PlotDataItem, doing nothing when it already is empty:
    every setData makes pyqtgraph recompute bounds and Qt re-index the item, and the
    data view would otherwise do that for each of its unused curves on every frame."""
    x = curve.xData
    if x is not None and len(x):
        curve.setData([], [])


class ReadoutLine(QWidget):
    """One line of text in runs of their own colour and weight, painted directly.

    A rich-text QLabel parses its HTML again and asks the window's layout to recompute on every
    change (about 1 ms a frame in the main window, with the GIL held); this widget's size never
    depends on its text, so a new text repaints only the line itself.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._runs: list[tuple[str, QColor | None, str]] = []  # (text, colour or None, "", "bold", "italic")
        self._fallbacks: list[list] = []  # shorter runs, painted instead (the first that fits) when these do not
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def set_runs(self, runs, *fallbacks) -> None:
        """Show ``runs``; when they are wider than the widget, the first of ``fallbacks`` (ever
        shorter runs) that fits, else the last one."""
        def colored(some):
            return [(text, QColor(color) if color is not None else None, style) for text, color, style in some]
        runs, fallbacks = colored(runs), [colored(f) for f in fallbacks]
        if runs != self._runs or fallbacks != self._fallbacks:
            self._runs, self._fallbacks = runs, fallbacks
            self.update()

    def text(self) -> str:
        return "".join(text for text, _, _ in self._runs)

    def shown_text(self) -> str:
        """The text painted at the widget's width (a fallback when the full runs do not fit)."""
        return "".join(text for text, _, _ in self._shown_runs())

    @staticmethod
    def _run_font(base: QFont, style: str) -> QFont:
        font = QFont(base)
        font.setBold(style == "bold")
        font.setItalic(style == "italic")
        return font

    def _width_of(self, runs) -> int:
        return sum(QFontMetrics(self._run_font(self.font(), style)).horizontalAdvance(text) for text, _, style in runs)

    def _shown_runs(self):
        for runs in [self._runs] + self._fallbacks:
            if self._width_of(runs) <= self.width():
                return runs
        return self._fallbacks[-1] if self._fallbacks else self._runs

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(100, self.minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(0, int(self.fontMetrics().height() * 1.5))

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        x = 0
        baseline = (self.height() + self.fontMetrics().ascent() - self.fontMetrics().descent()) // 2
        for text, color, style in self._shown_runs():
            font = self._run_font(self.font(), style)
            painter.setFont(font)
            painter.setPen(color if color is not None else self.palette().windowText().color())
            painter.drawText(x, baseline, text)
            x += QFontMetrics(font).horizontalAdvance(text)
            if x > self.width():
                break


_NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceil(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (x 10^k) that is >= value."""
    if not (value > 0 and math.isfinite(value)):
        return 1.0
    exp = math.floor(math.log10(value))
    base = 10.0 ** exp
    for m in _NICE:
        if m * base >= value * (1 - 1e-12):
            return m * base
    return 10.0 * base


def stepped_range(extent: tuple[float, float] | None, log: bool = False,
                  empty: tuple[float, float] = (0.0, 1.0)) -> tuple[float, float]:
    """An axis range covering ``extent`` (lo, hi) that changes in steps, so that a curve growing
    frame by frame does not redraw its axes on every frame: whole decades on a log axis (in
    log10 units, as pyqtgraph's log mode), else from 0 or a nice negative number to a nice number
    5 % above the top. ``empty`` when there is nothing to show."""
    if extent is None:
        return empty
    lo, hi = extent
    if log:
        y0 = math.floor(math.log10(lo) + 1e-9)
        y1 = math.ceil(math.log10(hi) - 1e-9)
        return (y0, y1) if y1 > y0 else (y0, y0 + 1)
    y0 = 0.0 if lo >= 0 else -nice_ceil(-lo * 1.05)
    y1 = nice_ceil(hi * 1.05) if hi > 0 else 0.0
    return (y0, y1) if y1 > y0 else (y0, y0 + 1.0)
