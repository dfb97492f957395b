"""Presentation mode (gui/presentation.py) and control locks (gui/locks.py), driven by their keys and menu."""

import pyqtgraph as pg
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget

from playground.gui.locks import CONTROL_WIDGETS, lock_tip
from playground.gui.presentation import presentation
from playground.session.lessons import CONTROLS
from test_main_window import empty_document, make_window


def tick_size(window) -> float:
    axis = window.loss_plot.findChildren(pg.GraphicsView)[0].scene().items()
    axes = [item for item in axis if isinstance(item, pg.AxisItem)]
    font = axes[0].style["tickFont"]  # None: the application's font
    return (font if font is not None else QApplication.font()).pointSizeF()


def test_every_control_name_has_widgets_in_the_window(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    assert set(CONTROL_WIDGETS) == set(CONTROLS)
    for name in CONTROLS:
        assert all(isinstance(widget, QWidget) for widget in CONTROL_WIDGETS[name](window))


def test_presentation_scales_the_fonts_hides_locked_controls_and_esc_restores_the_layout(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    panel = window.training_panel
    normal_font = panel.play_button.font().pointSizeF()
    summary_font = window.data_panel.summary.font().pointSizeF()  # a label with a font of its own
    ticks = tick_size(window)
    state, geometry = window.saveState(), window.geometry()
    docks = [dock.isVisible() for dock in window.docks]
    presentation(window).locks.set_locked([n for n in CONTROLS if n not in ("play", "step", "speed")], "teacher")
    assert not panel.optimizer_combo.isEnabled() and panel.optimizer_combo.toolTip() == lock_tip("teacher")
    assert panel.optimizer_combo.isVisible()  # greyed, not hidden, outside presentation mode

    qtbot.keyClick(window, Qt.Key_F5)
    assert window.isFullScreen() and window.presentation_action.isChecked()
    qtbot.waitUntil(lambda: panel.play_button.font().pointSizeF() >= 1.4 * normal_font, timeout=2000)
    assert window.data_panel.summary.font().pointSizeF() >= 1.4 * summary_font
    assert tick_size(window) >= 1.4 * ticks and presentation(window).play_button.isVisible()
    assert presentation(window).play_button.font().pointSizeF() >= 2 * panel.play_button.font().pointSizeF() - 0.1
    assert not panel.optimizer_combo.isVisible() and not panel.lr_input.isVisible()
    assert panel.play_button.isVisible() and panel.speed_slider.isVisible()
    optimizer_box = panel.optimizer_combo.parentWidget()  # every control in it is locked: the group goes
    assert not optimizer_box.isVisible() and panel.play_button.parentWidget().parentWidget().isVisible()
    assert not window.network_dock.isVisible() and not window.regularization_dock.isVisible()  # nothing unlocked

    qtbot.keyClick(window, Qt.Key_Escape)
    assert not window.isFullScreen() and not window.presentation_action.isChecked()
    assert window.saveState() == state and window.geometry() == geometry
    assert [dock.isVisible() for dock in window.docks] == docks
    qtbot.waitUntil(lambda: panel.play_button.font().pointSizeF() == normal_font, timeout=2000)
    assert window.data_panel.summary.font().pointSizeF() == summary_font and tick_size(window) == ticks
    assert not presentation(window).play_button.isVisible()
    assert panel.optimizer_combo.isVisible() and not panel.optimizer_combo.isEnabled()  # still locked, greyed
    assert optimizer_box.isVisible()
    presentation(window).locks.unlock_all()
    assert panel.optimizer_combo.isEnabled() and panel.optimizer_combo.toolTip() != lock_tip("teacher")


def test_the_large_play_button_plays_and_pauses(qtbot, tmp_path):
    from test_main_window import spiral_document

    window = make_window(qtbot, tmp_path, spiral_document(60))
    window.presentation_action.trigger()
    button = presentation(window).play_button
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.controller.running, timeout=3000)
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=3000)
    assert button.text().endswith("Play")
    window.leave_presentation_action.trigger()


def test_ctrl_plus_and_minus_scale_the_text_outside_presentation_and_are_remembered(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    before = window.training_panel.play_button.font().pointSizeF()
    ticks = tick_size(window)
    qtbot.keyClick(window, Qt.Key_Equal, Qt.ControlModifier)
    qtbot.keyClick(window, Qt.Key_Equal, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.training_panel.play_button.font().pointSizeF() > before * 1.25, timeout=2000)
    assert tick_size(window) > ticks * 1.25  # the plots' labels too
    qtbot.keyClick(window, Qt.Key_Minus, Qt.ControlModifier)
    window.close()
    assert QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat).value("view/font_scale") == "1.15"
    assert QApplication.font().pointSizeF() == before  # a closed window leaves the app's font as it was


def test_the_font_scale_comes_back_with_the_next_window(qtbot, tmp_path):
    (tmp_path / "settings.ini").write_text("[view]\nfont_scale=1.5\n")
    window = make_window(qtbot, tmp_path, empty_document())
    assert presentation(window).normal_scale == 1.5
    qtbot.waitUntil(lambda: window.training_panel.play_button.font().pointSizeF() > 12, timeout=2000)
    window.close()


def test_high_contrast_is_white_on_black_and_goes_back(qtbot, tmp_path):
    from playground.gui.theme import current_theme

    window = make_window(qtbot, tmp_path, empty_document())
    window.high_contrast_action.trigger()
    assert current_theme().background == "#000000" and QApplication.palette().window().color().name() == "#000000"
    window.high_contrast_action.trigger()
    assert current_theme().name == "light"


def test_closing_in_presentation_mode_remembers_the_normal_layout(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.resize(701, 523)
    qtbot.waitUntil(lambda: window.size().height() == 523, timeout=2000)
    window.presentation_action.trigger()
    assert window.isFullScreen()
    window.close()
    again = make_window(qtbot, tmp_path, empty_document())
    assert not again.isFullScreen() and (again.width(), again.height()) == (701, 523)
    assert not again.presentation_action.isChecked() and QApplication.font().pointSizeF() < 12


def test_a_locked_inline_row_goes_with_its_labels_and_comes_back(qtbot, tmp_path):
    """"Validation [ ] test [ ]" is one form row holding two boxes: locked in presentation mode, its
    labels go too (they stood alone, naming nothing); unlocked, all of it is back."""
    window = make_window(qtbot, tmp_path, empty_document())
    data = window.data_panel
    row = data.val_spin.parentWidget()
    form = row.parentWidget().layout()
    label = form.labelForField(row)
    words = [w for w in row.findChildren(QWidget) if w.metaObject().className() == "QLabel"]
    presentation(window).locks.set_locked(["split"], "teacher")
    qtbot.keyClick(window, Qt.Key_F5)
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=2000)
    assert not data.val_spin.isVisible() and not row.isVisible() and not label.isVisible()
    assert data.points_spin.isVisible()  # an unlocked row of the same panel stays
    qtbot.keyClick(window, Qt.Key_Escape)
    presentation(window).locks.unlock_all()
    assert row.isVisible() and label.isVisible() and data.val_spin.isVisible() and all(w.isVisible() for w in words)


def test_a_locked_control_stays_locked_when_its_view_would_free_it(qtbot, tmp_path):
    """A sweep that ends re-enables its Run buttons, a kernel switched back to RBF its sigma slider:
    not while a lesson or the teacher locks them; when the lock goes they are as their view wants."""
    window = make_window(qtbot, tmp_path, empty_document())
    sweeps, kernels = window.sweep_view, window.kernel_view
    locks = presentation(window).locks
    locks.set_locked(["sweeps", "kernel"], "teacher")
    assert not sweeps.run_button.isEnabled() and not kernels.sigma_slider.isEnabled()
    sweeps._set_running("5.10")
    sweeps._set_running("")  # a run ends
    rbf = kernels.kernel_combo.findData("rbf")
    kernels.kernel_combo.setCurrentIndex(kernels.kernel_combo.findData("poly"))
    kernels._update_controls()
    kernels.kernel_combo.setCurrentIndex(rbf)
    kernels._update_controls()
    assert not sweeps.run_button.isEnabled() and not sweeps.run_9_button.isEnabled()
    assert not kernels.sigma_slider.isEnabled() and sweeps.run_button.toolTip() == lock_tip("teacher")
    sweeps._set_running("5.10")  # a run starts while locked: unlocking must not offer Run during it
    locks.unlock_all()
    assert not sweeps.run_button.isEnabled() and sweeps.cancel_button.isEnabled()
    assert kernels.sigma_slider.isEnabled()
    sweeps._set_running("")
    assert sweeps.run_button.isEnabled()
