"""Rough edges of the main window (issue 9), each driven as a user would."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from playground.session import prepare
from playground.session.config import DataConfig, ExperimentConfig
from playground.session.document import Document
from playground.gui.main_window import MainWindow
from tests.gui.test_main_window import drag


def make_window(qtbot, tmp_path, document=None, show=True):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    window = MainWindow(document, settings=settings)
    qtbot.addWidget(window)
    if show:
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    return window


def generated(generator, n=80, **data):
    return Document.generated(ExperimentConfig(data=DataConfig(generator=generator, n_points=n, seed=1, **data)))


def choose(combo, data):
    """Pick the item holding ``data`` as a user would (the combo's index changes)."""
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def curve_points(curve) -> int:
    return 0 if curve.xData is None else len(curve.xData)


def test_switching_from_an_mdn_regression_to_a_classification_preset_trains_the_matched_head(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("inverse_problem"))
    choose(window.network_panel.output_combo, "mdn")
    window.hessian_dock.show()
    window.hessian_dock.raise_()
    window.step_action.trigger()
    qtbot.waitUntil(lambda: curve_points(window.data_view.mean_curve) > 0, timeout=8000)
    qtbot.waitUntil(lambda: window.hessian_view.report() is not None, timeout=8000)
    old_weights = window.hessian_view.report().n_weights

    choose(window.data_panel.preset_combo, "spiral")
    qtbot.waitUntil(lambda: not window._rebuild_pending, timeout=3000)
    assert window.model.document.config.network.output == "auto"
    assert window.network_panel.output_combo.currentData() == "auto"
    assert window._experiment.output == "sigmoid"
    assert not (window.banner.isVisible() and "mixture density" in window.banner_label.text())
    # the old density, mean and mode curves are gone at once, before any new frame
    assert curve_points(window.data_view.mean_curve) == 0 and curve_points(window.data_view.mode_curve) == 0
    report = window.hessian_view.report()
    assert report is None or report.n_weights != old_weights
    # and Play trains the new network
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window._last_snapshot is not None and window._last_snapshot.epoch > 20
                    and window.data_view.last_frame.kind == "classification2d", timeout=8000)
    window.play_action.trigger()
    assert curve_points(window.data_view.mean_curve) == 0


def test_space_s_and_r_work_whichever_control_has_focus_but_not_while_typing(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("spiral"))
    qtbot.waitUntil(lambda: window._experiment is not None and window._last_snapshot is not None, timeout=8000)
    controls = [window.training_panel.findChild(type(window.data_panel.regenerate_button)),
                window.data_panel.regenerate_button, window.data_panel.preset_combo, window.data_panel.brush_slider,
                window.data_panel.show_test_check]
    for control in controls:
        control.setFocus()
        qtbot.waitUntil(control.hasFocus, timeout=1000)
        qtbot.keyClick(control, Qt.Key_Space)
        assert window.controller.running, control
        qtbot.keyClick(control, Qt.Key_Space)
        assert not window.controller.running, control
    # S steps once, R re-initialises, from a focused combo box
    combo = window.data_panel.preset_combo
    combo.setFocus()
    qtbot.wait(300)  # the last frames of the short runs above arrive
    qtbot.waitUntil(lambda: window.controller.peek_frame() is None and not window.data_view.last_frame.running, timeout=5000)
    epoch = window._last_snapshot.epoch
    qtbot.keyClick(combo, Qt.Key_S)
    qtbot.waitUntil(lambda: window._last_snapshot is not None and window._last_snapshot.epoch == epoch + 1, timeout=5000)
    assert combo.currentData() == "spiral"  # the key did not search the list
    qtbot.keyClick(combo, Qt.Key_R)
    qtbot.waitUntil(lambda: window._last_snapshot is not None and window._last_snapshot.epoch == 0, timeout=5000)
    # typing in a spin box's text is typing: Space does not toggle training
    spin = window.data_panel.points_spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=1000)
    qtbot.keyClick(spin.lineEdit(), Qt.Key_Space)
    qtbot.keyClick(spin.lineEdit(), Qt.Key_S)
    assert not window.controller.running


def shaded(window) -> bool:
    return window.data_view.image.image is not None


def test_new_drawing_forgets_the_old_networks_shading_weights_and_curves(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("spiral"))
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window._last_snapshot is not None and window._last_snapshot.epoch > 50, timeout=8000)
    qtbot.waitUntil(lambda: len(window.loss_plot.curve_data("train")[0]) > 10, timeout=5000)
    window.play_action.trigger()
    assert shaded(window)
    trained = window._last_snapshot.weights.copy()
    window.new_action.trigger()
    qtbot.waitUntil(lambda: not window._rebuild_pending, timeout=3000)
    qtbot.wait(200)  # a frame of the old network, had it been asked for, would arrive now
    window.zoom_to_data()
    qtbot.wait(200)
    assert window.model.document.dataset.n == 0
    assert not shaded(window) and window.data_view.last_frame is None
    assert len(window.loss_plot.curve_data("train")[0]) == 0
    assert window.epoch_label.text() == "epoch 0"
    # the diagram shows the new network's initial weights, not the trained ones
    doc = window.model.document
    fresh = prepare(doc.config, dataset=doc.dataset, split=doc.split()).net.w
    assert np.array_equal(window.diagram._weights, fresh) and not np.array_equal(fresh, trained)
    assert window.hessian_view.report() is None


def test_the_no_training_points_banner_goes_once_training_points_exist(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path, generated("spiral"))
    window.new_action.trigger()
    qtbot.waitUntil(lambda: window.banner.isVisible() and "no training points" in window.banner_label.text(),
                    timeout=3000)
    # an import brings training points (and says so in the status bar): the banner goes
    csv = tmp_path / "points.csv"
    rows = ["x1,x2,label"] + [f"{np.cos(k):.3f},{np.sin(k):.3f},{k % 2}" for k in range(40)]
    csv.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName", lambda *a, **k: (str(csv), ""))
    window.import_action.trigger()
    assert window.model.document.dataset.n == 40
    qtbot.waitUntil(lambda: window._experiment is not None, timeout=3000)
    assert not window.banner.isVisible()
    # the Data panel names what is on screen, not the preset of the config
    assert window.data_panel.preset_combo.currentIndex() == -1
    assert "points" in window.data_panel.preset_combo.placeholderText()
    # drawn points too: after a brush stroke (not during it: the view would move under the pointer)
    window.new_action.trigger()
    qtbot.waitUntil(lambda: window.banner.isVisible() and "no training points" in window.banner_label.text(),
                    timeout=3000)
    window.tool.brush_radius = 0.2
    drag(window, [(-0.8, 0.0), (-0.4, 0.0), (0.0, 0.0), (0.4, 0.0), (0.8, 0.0)])
    assert window.model.document.counts()[0] > 0
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=3000)


def test_after_an_undone_preset_the_data_panel_names_the_data_on_screen(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("spiral"))
    choose(window.data_panel.preset_combo, "moons")
    assert window.model.document.dataset.name == "moons"
    window.undo_action.trigger()
    assert window.model.document.dataset.name == "spiral"
    combo = window.data_panel.preset_combo
    shown = combo.currentText() if combo.currentIndex() >= 0 else combo.placeholderText()
    assert "moons" not in shown.lower() and "spiral" in shown.lower()


def test_show_test_points_in_the_menu_and_the_panel_agree_from_the_start(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("spiral"))
    assert window.test_action.isChecked() == window.data_panel.show_test_check.isChecked() == \
        window.data_view.show_test
    window.data_panel.show_test_check.click()
    assert window.test_action.isChecked() == window.data_panel.show_test_check.isChecked() == \
        window.data_view.show_test == False  # noqa: E712
    window.test_action.trigger()
    assert window.data_panel.show_test_check.isChecked() and window.data_view.show_test


def test_reset_layout_gives_the_loss_dock_a_sensible_height_and_that_is_remembered(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("spiral"))
    window.reset_layout_action.trigger()
    qtbot.waitUntil(lambda: window.loss_dock.height() > 0.2 * window.height(), timeout=2000)
    assert window.loss_dock.isVisible() and window.loss_plot.height() > 120
    window.close()
    again = make_window(qtbot, tmp_path)
    assert again.loss_dock.height() > 0.2 * again.height()


def test_the_window_opens_within_the_screen_and_a_far_away_geometry_is_brought_back(qtbot, tmp_path):
    from PySide6.QtGui import QGuiApplication

    area = QGuiApplication.primaryScreen().availableGeometry()
    window = make_window(qtbot, tmp_path)
    assert area.contains(window.frameGeometry()), (area, window.frameGeometry())
    window.move(area.right() + 3000, area.bottom() + 3000)  # e.g. saved on a monitor since unplugged
    window.close()
    again = make_window(qtbot, tmp_path)
    assert area.contains(again.frameGeometry()), (area, again.frameGeometry())


def test_equal_aspect_in_the_view_menu_makes_circles_round_and_is_remembered(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("circle"))
    window.resize(window.width() + 300, window.height())
    window.equal_aspect_action.trigger()
    qtbot.wait(50)
    (x0, x1), (y0, y1) = window.data_view.vb.viewRange()
    vb = window.data_view.vb
    assert (x1 - x0) / vb.width() == pytest.approx((y1 - y0) / vb.height(), rel=0.02)
    window.close()
    again = make_window(qtbot, tmp_path)
    assert again.equal_aspect_action.isChecked() and again.data_view.equal_aspect()


def test_the_banner_never_shows_a_traceback_or_a_wall_of_text(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("spiral"))
    message = ("Internal error while training:\nTraceback (most recent call last):\n"
               '  File "trainer.py", line 1, in advance\nZeroDivisionError: division by zero')
    window.controller.sigStopped.emit("error", message)
    assert window.banner.isVisible()
    text = window.banner_label.text()
    assert "Traceback" not in text and "File " not in text and "Internal error while training" in text
    assert "log" in text
    window.show_notice("The file says: " + "x" * 5000, banner=True)
    assert len(window.banner_label.text()) <= 400 and window.banner_label.wordWrap()
    window.banner_close.click()
    assert not window.banner.isVisible()


def test_a_head_that_cannot_train_on_the_data_is_fixed_from_the_banner(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("spiral"))
    qtbot.waitUntil(lambda: window._experiment is not None, timeout=3000)
    choose(window.network_panel.output_combo, "mdn")  # chosen by hand on class labels
    qtbot.waitUntil(lambda: window.banner.isVisible() and window.banner_fix.isVisible(), timeout=3000)
    assert window._experiment is None and "sigmoid" in window.banner_fix.text()
    window.banner_fix.click()
    qtbot.waitUntil(lambda: window._experiment is not None, timeout=3000)
    assert window._experiment.output == "sigmoid" and window.network_panel.output_combo.currentData() == "auto"
    assert not window.banner.isVisible()
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window._last_snapshot is not None and window._last_snapshot.epoch > 10, timeout=8000)
    window.play_action.trigger()


def test_an_opened_mdn_session_keeps_its_head(qtbot, tmp_path):
    from playground.session.config import NetworkConfig
    from playground.session.document import save_session

    config = ExperimentConfig(data=DataConfig(generator="inverse_problem", n_points=60, seed=1),
                              network=NetworkConfig(output="mdn", n_components=3))
    path = tmp_path / "mdn.nnp.json"
    save_session(str(path), Document.generated(config))
    window = make_window(qtbot, tmp_path, generated("spiral"))
    qtbot.waitUntil(lambda: window._experiment is not None, timeout=3000)
    assert window.open_session(str(path))
    qtbot.waitUntil(lambda: not window._rebuild_pending and window._experiment is not None, timeout=3000)
    assert window._experiment.output == "mdn" and window.model.document.config.network.output == "mdn"
