"""The panels are compact: at the window's default size the essential controls are on screen
without scrolling (the batch size used to be below the fold of the Training dock). Rarely used
settings sit in collapsed sections that open on a click.

The panels' sizeHint heights (offscreen, default font) went from Training 397, Network 377,
Regularization 229 px to 243, 226, 141 px. A dock gets about 250 px of a 1280 x 720 screen:
the essentials must fit in that.
"""

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QScrollArea

from playground.core.datasets import make_dataset
from playground.gui.panels import NetworkPanel, RegularizationPanel, TrainingPanel

DOCK_HEIGHT = 250  # what a panel's dock gets at 1280 x 720 (three docks share a column)


def in_dock(qtbot, panel, height=DOCK_HEIGHT, width=330):
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(panel)
    area.resize(width, height)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area


def on_screen(area, widget) -> bool:
    """``widget`` lies wholly inside the scroll area's viewport as it is (not scrolled)."""
    top_left = widget.mapTo(area.viewport(), QPoint(0, 0))
    return widget.isVisible() and area.viewport().rect().contains(QRect(top_left, widget.size()))


def test_training_essentials_fit_without_scrolling(qtbot):
    panel = TrainingPanel()
    area = in_dock(qtbot, panel)
    essentials = [panel.play_button, panel.step_button, panel.reset_button, panel.speed_slider,
                  panel.optimizer_combo, panel.lr_input, panel.batch_spin]
    assert area.verticalScrollBar().value() == 0
    assert all(on_screen(area, w) for w in essentials), [w.objectName() or type(w).__name__ for w in essentials
                                                          if not on_screen(area, w)]
    assert panel.sizeHint().height() <= DOCK_HEIGHT


def test_network_essentials_fit_without_scrolling(qtbot):
    panel = NetworkPanel()
    panel.set_problem(make_dataset("spiral"))
    area = in_dock(qtbot, panel)
    essentials = [panel.summary, panel.add_button, panel.remove_button, panel.units_spins[0],
                  panel.units_spins[1], panel.activation_combos[0], panel.output_combo]
    assert all(on_screen(area, w) for w in essentials)
    assert panel.sizeHint().height() <= DOCK_HEIGHT


def test_regularization_fits_without_scrolling(qtbot):
    panel = RegularizationPanel()
    area = in_dock(qtbot, panel)
    assert all(on_screen(area, w) for w in (panel.l2_mode, panel.l1_input, panel.es_check))
    assert panel.sizeHint().height() <= DOCK_HEIGHT


def test_rarely_used_settings_open_on_a_click(qtbot):
    panel = TrainingPanel()
    area = in_dock(qtbot, panel, height=800)  # noqa: F841 (keeps the panel alive)
    section = panel.settings_section
    assert not section.is_expanded() and not panel.seed_spin.isVisible()
    qtbot.mouseClick(section.button, Qt.LeftButton)
    assert section.is_expanded() and panel.seed_spin.isVisible()
    assert panel.hyper_widgets["adam"]["beta1"].isVisible()
    qtbot.mouseClick(section.button, Qt.LeftButton)
    assert not panel.seed_spin.isVisible()


@pytest.mark.parametrize("checked", [False, True])
def test_early_stopping_details_show_while_it_is_on(qtbot, checked):
    panel = RegularizationPanel()
    area = in_dock(qtbot, panel, height=800)  # noqa: F841 (keeps the panel alive)
    if checked:
        qtbot.mouseClick(panel.es_check, Qt.LeftButton, pos=QPoint(8, panel.es_check.height() // 2))
    assert panel.patience_spin.isVisible() == checked
    assert panel.min_delta_spin.isVisible() == checked


@pytest.mark.parametrize("head", ["auto", "mdn"])
def test_the_network_panel_needs_no_sideways_scrolling_in_its_column(qtbot, head):
    """The left column is 300 px wide by default, and a vertical scroll bar takes its part: an MDN's
    rows (components, the sigma floor, whose box takes up to 1e308) once made the panel 365 px wide."""
    panel = NetworkPanel()
    panel.set_problem(make_dataset("inverse_problem"))
    index = panel.output_combo.findData(head)
    if index < 0:
        index = panel.output_combo.findText(head)
    panel.output_combo.setCurrentIndex(index)
    area = in_dock(qtbot, panel, height=150, width=300)  # short: the vertical bar shows
    qtbot.waitUntil(lambda: area.verticalScrollBar().isVisible(), timeout=2000)
    assert panel.minimumSizeHint().width() <= area.viewport().width(), panel.minimumSizeHint().width()
    assert not area.horizontalScrollBar().isVisible()
    if head == "mdn":
        assert panel.sigma_floor_spin.isVisibleTo(panel) and panel.components_spin.isVisibleTo(panel)
