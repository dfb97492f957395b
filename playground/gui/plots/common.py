"""Small Qt helpers shared by the plots."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


class LeaveFilter(QObject):
    """Calls ``callback`` when the mouse leaves the watched widget (to end a hover readout)."""

    def __init__(self, callback, parent=None):
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Leave:
            self._callback()
        return False


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
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def set_runs(self, runs) -> None:
        runs = [(text, QColor(color) if color is not None else None, style) for text, color, style in runs]
        if runs != self._runs:
            self._runs = runs
            self.update()

    def text(self) -> str:
        return "".join(text for text, _, _ in self._runs)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(100, self.minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(0, int(self.fontMetrics().height() * 1.5))

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        x = 0
        baseline = (self.height() + self.fontMetrics().ascent() - self.fontMetrics().descent()) // 2
        for text, color, style in self._runs:
            font = QFont(self.font())
            font.setBold(style == "bold")
            font.setItalic(style == "italic")
            painter.setFont(font)
            painter.setPen(color if color is not None else self.palette().windowText().color())
            painter.drawText(x, baseline, text)
            x += QFontMetrics(font).horizontalAdvance(text)
            if x > self.width():
                break
