"""The mouse wheel over a panel scrolls the panel; it changes a control only once that control
has focus (scrolling a panel used to change the learning rate from 0.01 to 1e-5)."""

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox, QScrollArea

from playground.gui.panels import DataPanel, NetworkPanel, RegularizationPanel, TrainingPanel
from playground.gui.panels.widgets import Section


def wheel(widget, notches=-1):
    """Wheel notches over the middle of ``widget`` (negative: towards the user, "scroll down")."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
    QApplication.processEvents()
    return event


def value(widget):
    if isinstance(widget, QComboBox):
        return widget.currentIndex()
    return widget.value()


def in_scroll_area(qtbot, panel, height=300):
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(panel)
    area.resize(360, height)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    area.activateWindow()
    qtbot.waitUntil(area.isActiveWindow)
    QApplication.processEvents()
    focused = QApplication.focusWidget()
    if focused is not None:  # activation focuses the first control; the wheel tests start with none
        focused.clearFocus()
    return area


def test_wheel_over_an_unfocused_learning_rate_scrolls_the_panel_instead(qtbot):
    panel = TrainingPanel()
    area = in_scroll_area(qtbot, panel)
    lr = panel.lr_input.spin
    before = lr.value()
    # A wheel event sent from a test does not propagate (Qt propagates only real ones), so check
    # that the box left it unaccepted: a real one then goes on to the scroll area.
    assert not wheel(lr, -1).isAccepted()
    assert lr.value() == before == 0.01
    assert not wheel(panel.lr_input.slider, -1).isAccepted()
    assert lr.value() == before

    lr.setFocus()
    qtbot.waitUntil(lr.hasFocus)
    wheel(lr, -1)
    assert lr.value() < before  # a focused box takes the wheel


@pytest.mark.parametrize("make", [TrainingPanel, NetworkPanel, RegularizationPanel, DataPanel])
def test_no_control_of_a_panel_takes_the_wheel_without_focus(qtbot, make):
    panel = make()
    area = in_scroll_area(qtbot, panel, height=2000)  # noqa: F841 (keeps the panel alive)
    for section in panel.findChildren(Section):  # the rarely used settings too
        section.set_expanded(True)
    controls = [w for kind in (QAbstractSpinBox, QAbstractSlider, QComboBox) for w in panel.findChildren(kind)
                if w.isVisibleTo(panel) and w.isEnabled()]
    assert controls
    for control in controls:
        assert not control.hasFocus()
        assert control.focusPolicy() == Qt.FocusPolicy.StrongFocus, control  # the wheel alone gives no focus
        for notches in (1, -1):
            before = value(control)
            wheel(control, notches)
            assert value(control) == before, (type(control).__name__, control.toolTip()[:40])
            assert not control.hasFocus()


def test_focused_spin_box_and_combo_box_take_the_wheel(qtbot):
    panel = NetworkPanel()
    area = in_scroll_area(qtbot, panel, height=2000)  # noqa: F841 (keeps the panel alive)
    units = panel.units_spins[0]
    units.setFocus()
    qtbot.waitUntil(units.hasFocus)
    before = units.value()
    wheel(units, 1)
    assert units.value() == before + 1
    combo = panel.init_combo
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    before = combo.currentIndex()
    wheel(combo, -1)
    assert combo.currentIndex() == before + 1
