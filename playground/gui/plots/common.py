"""Small Qt helpers shared by the plots."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject


class LeaveFilter(QObject):
    """Calls ``callback`` when the mouse leaves the watched widget (to end a hover readout)."""

    def __init__(self, callback, parent=None):
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Leave:
            self._callback()
        return False
