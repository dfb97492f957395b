"""Presentation mode and the font scale: the app in front of a projector.

View > Presentation (F5) goes full screen, scales every font and plot label to the presentation
scale, reduces the side panels to the controls left unlocked (gui/locks.py), and puts a large Play
button over the data view; Esc restores the layout as it was (window state, docks, geometry,
fonts). Ctrl+= and Ctrl+- change the font scale at any time; the normal and the presentation
scale are remembered separately (actions/view.py's preferences). High contrast is white on black.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QGraphicsTextItem, QPushButton, QStyle, QWidget

from . import html_fonts
from .locks import ControlLocks
from .settings import Setting
from .theme import DARK, LIGHT, Theme, apply_theme

FONT_SCALES = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0)  # within core/params LESSON_PARAMETERS
PRESENTATION_SCALE = 1.5  # the presentation's default: 9-10 pt text becomes 14-15 pt
FONT_SCALE = Setting("view/font_scale", 1.0, codes={s: f"{s:g}" for s in FONT_SCALES})
PRESENTATION_FONT_SCALE = Setting("view/presentation_font_scale", PRESENTATION_SCALE,
                                  codes={s: f"{s:g}" for s in FONT_SCALES})
PLAY_BUTTON_SCALE = 2.0  # the large Play button's text against the scaled font
SETTLE_MS = 300  # after entering: the full-screen size and the fonts have reached the layout

HIGH_CONTRAST = Theme("high contrast", background="#000000", foreground="#FFFFFF", grid_alpha=0.35, neutral="#000000",
                      point_outline="#FFFFFF", window="#000000", base="#000000", text="#FFFFFF", highlight="#FFD700")

_BASE = "_nnp_base_font"  # the unscaled point size, kept on each scaled object


def _scaled(font: QFont, base: float, scale: float) -> QFont:
    font = QFont(font)
    font.setPointSizeF(max(1.0, base * scale))
    return font


def apply_font_scale(window, scale: float) -> None:
    """Every font of the application and of ``window``'s plots at ``scale`` times its unscaled size.

    An object met for the first time keeps its unscaled size (its size now over the scale applied
    last: a text made since then was made at that scale)."""
    app = QApplication.instance()
    before = getattr(window, "font_scale_applied", 1.0)
    base = app.property(_BASE)
    if base is None:
        if abs(scale - 1.0) < 1e-9:
            return  # nothing was ever scaled: the fonts are as Qt made them
        base = app.font().pointSizeF() / before
        app.setProperty(_BASE, base)
    base = float(base)
    html_fonts.set_scale(scale)
    app.setFont(_scaled(app.font(), base, scale))
    for widget in window.findChildren(QWidget):
        if widget.testAttribute(Qt.WA_SetFont):  # set explicitly: it does not follow the app font
            own = widget.property(_BASE)
            if own is None:
                own = widget.font().pointSizeF() / before
                widget.setProperty(_BASE, own)
            widget.setFont(_scaled(widget.font(), float(own), scale))
    for view in window.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                tick_font = item.style.get("tickFont")
                tick = getattr(item, "_nnp_tick_base", None)
                if tick is None:
                    tick = item._nnp_tick_base = base if tick_font is None else tick_font.pointSizeF() / before
                item.setStyle(tickFont=_scaled(tick_font or app.font(), tick, scale))
                item.label.setFont(_scaled(item.label.font(), _item_base(item.label, before), scale))
            elif isinstance(item, pg.LabelItem):  # a title: its size is in its HTML
                html_fonts.scale_label(item, scale)
            elif isinstance(item, QGraphicsTextItem):
                item.setFont(_scaled(item.font(), _item_base(item, before), scale))
            elif hasattr(item, "refresh_font"):  # a key that writes its own HTML (data_view.CurveLegend)
                item.refresh_font()
    window.font_scale_applied = scale


def _item_base(item, before: float) -> float:
    base = getattr(item, "_nnp_base", None)
    if base is None:
        base = item._nnp_base = item.font().pointSizeF() / before
    return base


def restore_application_font() -> None:
    """The application font as it was before any scaling (a closed window leaves it so)."""
    app = QApplication.instance()
    base = app.property(_BASE) if app is not None else None
    if base is not None:
        app.setFont(_scaled(app.font(), float(base), 1.0))
        app.setProperty(_BASE, None)
    html_fonts.set_scale(1.0)


class Presentation(QObject):
    """The presentation state of one main window (``window.presentation``)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.locks = ControlLocks(window)
        self.active = False
        self.normal_scale = 1.0
        self.presentation_scale = PRESENTATION_SCALE
        self.high_contrast = False
        self._saved = None
        self.play_button = QPushButton("Play")
        self._icons = (window.style().standardIcon(QStyle.SP_MediaPlay), window.style().standardIcon(QStyle.SP_MediaPause))
        self.play_button.setIcon(self._icons[0])
        self.play_button.setObjectName("presentation_play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Start or pause training (Space)")
        self.play_button.toggled.connect(self._play_clicked)
        self.play_button.hide()
        window.centralWidget().layout().insertWidget(0, self.play_button)
        window.controller.sigRunningChanged.connect(self._running_changed)
        window.leave_presentation_action.setEnabled(False)  # Esc means nothing outside presentation mode

    # ------------------------------------------------------------------ font scale
    @property
    def scale(self) -> float:
        return self.presentation_scale if self.active else self.normal_scale

    def set_scale(self, scale: float) -> None:
        scale = min(FONT_SCALES, key=lambda s: abs(s - scale))
        if self.active:
            self.presentation_scale = scale
        else:
            self.normal_scale = scale
        self._apply_scale()

    def set_normal_scale(self, scale: float) -> None:
        self.normal_scale = scale
        if not self.active:
            self._apply_scale()

    def set_presentation_scale(self, scale: float) -> None:
        self.presentation_scale = scale
        if self.active:
            self._apply_scale()

    def step_scale(self, steps: int) -> None:
        index = FONT_SCALES.index(min(FONT_SCALES, key=lambda s: abs(s - self.scale)))
        self.set_scale(FONT_SCALES[max(0, min(len(FONT_SCALES) - 1, index + steps))])
        self.window.show_notice(f"Text at {self.scale:.0%} (Ctrl+= larger, Ctrl+- smaller).")

    def _apply_scale(self) -> None:
        apply_font_scale(self.window, self.scale)
        font = QFont(self.play_button.font())
        font.setPointSizeF(QApplication.font().pointSizeF() * PLAY_BUTTON_SCALE)
        font.setBold(True)
        self.play_button.setFont(font)
        side = int(QFontMetrics(font).height() * 1.2)
        self.play_button.setIconSize(QSize(side, side))

    # ------------------------------------------------------------------ entering and leaving
    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def enter(self) -> None:
        if self.active:
            return
        w = self.window
        self._saved = (w.windowState(), w.saveState(), w.saveGeometry(),
                       [(dock, dock.isVisible()) for dock in w.docks])
        self.active = True
        w.showFullScreen()
        self.locks.set_hiding(True)
        self.play_button.setChecked(w.controller.running)
        self.play_button.show()
        self._apply_scale()
        from .lessons_panel import widen_for_presentation  # (it imports this module)

        widen_for_presentation(w)
        # Again once the full-screen size and the larger fonts have reached the layout (a window
        # manager answers showFullScreen later): the lesson column is sized for them.
        QTimer.singleShot(SETTLE_MS, w, lambda: self.active and widen_for_presentation(w))
        w.leave_presentation_action.setEnabled(True)
        w.presentation_action.setChecked(True)
        w.show_notice("Presentation: Esc leaves, Ctrl+= and Ctrl+- change the text size.")

    def leave(self) -> None:
        if not self.active:
            return
        w = self.window
        state, dock_state, geometry, docks = self._saved
        self.active = False
        self.play_button.hide()
        self.locks.set_hiding(False)
        self._apply_scale()
        QApplication.sendPostedEvents()  # the fonts' change events first: the docks' minimum sizes follow them
        w.setWindowState(state)
        if not state & Qt.WindowFullScreen:
            w.showNormal() if not state & Qt.WindowMaximized else w.showMaximized()
        w.restoreGeometry(geometry)
        w.restoreState(dock_state)
        for dock, visible in docks:
            dock.setVisible(visible)
        w.leave_presentation_action.setEnabled(False)
        w.presentation_action.setChecked(False)

    # ------------------------------------------------------------------ contrast and play
    def set_high_contrast(self, on: bool) -> None:
        from .views import set_theme

        self.high_contrast = bool(on)
        w = self.window
        theme = HIGH_CONTRAST if on else (DARK if w.dark_action.isChecked() else LIGHT)
        apply_theme(QApplication.instance(), theme)
        set_theme(w, theme)
        w.controller.request_frame()

    @Slot(bool)
    def _play_clicked(self, on: bool) -> None:
        if on != self.window.controller.running:
            self.window.play(on)

    @Slot(bool)
    def _running_changed(self, running: bool) -> None:
        self.play_button.blockSignals(True)
        self.play_button.setChecked(running)
        self.play_button.setText("Pause" if running else "Play")
        self.play_button.setIcon(self._icons[1 if running else 0])
        self.play_button.blockSignals(False)


def before_close(window) -> None:
    """Leave presentation mode, so that the layout saved is the normal one, and give the app its font back."""
    found = window.__dict__.get("presentation")
    if found is not None:
        found.leave()
    restore_application_font()


def presentation(window) -> Presentation:
    """The window's presentation state, made on first use."""
    found = window.__dict__.get("presentation")
    if found is None:
        found = window.presentation = Presentation(window)
    return found
