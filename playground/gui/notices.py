"""What the window says: the banner over the data view (a notice that waits to be read, with its
remedy as a button) and the status bar's readout of the newest frame."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStatusBar

from .window_fit import notice_text

_log = logging.getLogger("playground.window")


class Banner(QFrame):
    """A yellow notice over the data view: plain words (never a traceback), Dismiss, and an
    optional remedy button (``show_text(text, fix=(button text, callable))``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.setStyleSheet("#banner { background: #FFF3CD; border: 1px solid #E0A800; border-radius: 4px; }"
                           " QLabel { color: #3D2C00; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.close_button = QPushButton("Dismiss")
        self.close_button.clicked.connect(self.hide)
        self.fix_button = QPushButton()
        self.fix_button.hide()
        self.fix_button.clicked.connect(self._apply_fix)
        self._fix = None
        layout.addWidget(self.label, 1)
        layout.addWidget(self.fix_button)
        layout.addWidget(self.close_button)
        self.hide()

    def show_text(self, text: str, fix=None) -> None:
        self.label.setText(text)
        self._fix = fix[1] if fix else None
        self.fix_button.setText(fix[0] if fix else "")
        self.fix_button.setVisible(fix is not None)
        self.show()

    def _apply_fix(self) -> None:
        fix, self._fix = self._fix, None
        self.hide()
        if fix is not None:
            fix()


def say(status_bar: QStatusBar, banner: Banner | None, text: str, fix=None) -> None:
    """``text`` in the status bar (and on the banner when given), shortened to its first line when
    it is long or carries a traceback; the full text goes to the log."""
    short = notice_text(text)
    if short != text.strip():
        _log.warning("notice shortened for the banner; in full:\n%s", text)
    status_bar.showMessage(short.splitlines()[0] if short else "", 8000)
    if banner is not None:
        banner.show_text(short, fix)


class SteadyLabel(QLabel):
    """A label whose size changes only when its text outgrows it (by steps of ``STEP`` pixels).

    A label whose size follows each new number asks its parent for a new layout, and in the
    status bar that re-lays out and repaints the whole window: three window paints per frame
    while training, measured. A fixed size (minimum = maximum) repaints the label alone."""

    STEP = 24

    def setText(self, text: str) -> None:  # noqa: N802  (Qt's name: every caller gets the steady size)
        if text == self.text():
            return
        margins = self.contentsMargins()
        need = self.fontMetrics().horizontalAdvance(text) + margins.left() + margins.right() + 2
        if need > self.maximumWidth() or self.minimumWidth() != self.maximumWidth():
            self.setFixedSize(-(-need // self.STEP) * self.STEP, self.sizeHint().height())
        super().setText(text)

    def fit(self) -> None:
        """Shrink to the text (when the readout is reset, or the font changes)."""
        text = self.text()
        self.setMinimumSize(0, 0)
        self.setMaximumSize(16_777_215, 16_777_215)
        super().setText("")
        self.setText(text)

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit()


class StatusReadout:
    """The status bar's permanent labels: epoch, errors, accuracies, speed of the newest frame."""

    def __init__(self, status_bar: QStatusBar):
        self.epoch_label = SteadyLabel()
        self.error_label = SteadyLabel()
        self.accuracy_label = SteadyLabel()
        self.speed_label = SteadyLabel()
        for label in (self.epoch_label, self.error_label, self.accuracy_label, self.speed_label):
            label.setContentsMargins(8, 0, 8, 0)
            status_bar.addPermanentWidget(label)
        self.clear()

    def clear(self) -> None:
        self.epoch_label.setText("epoch 0")
        for label in (self.error_label, self.accuracy_label, self.speed_label):
            label.setText("")
        for label in (self.epoch_label, self.error_label, self.accuracy_label, self.speed_label):
            label.fit()

    def show(self, frame) -> None:
        snap = frame.snapshot
        self.epoch_label.setText(f"epoch {snap.epoch:,}")
        self.error_label.setText("error  " + _parts(snap.train_error, snap.val_error, snap.test_error, "{:.4g}"))
        if snap.train_accuracy is not None:
            accuracies = (snap.train_accuracy, snap.val_accuracy, snap.test_accuracy)
            self.accuracy_label.setText("accuracy  " + _parts(*(None if a is None else 100 * a for a in accuracies),
                                                              "{:.1f}%"))
        else:
            self.accuracy_label.setText("")
        self.speed_label.setText(f"{frame.epochs_per_second:,.0f} epochs/s" if frame.running else "paused")


def _parts(train, validation, test, form: str) -> str:
    named = (("train", train), ("validation", validation), ("test", test))
    return "  ·  ".join(f"{name} {form.format(value)}" for name, value in named if value is not None)
