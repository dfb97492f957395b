"""In the main window at the size it opens with on a 1280 x 720 screen (1264 x 680), the Training
and Network docks show their essential controls without scrolling (the batch size used to be
below the fold of the Training dock)."""

from PySide6.QtCore import QPoint, QRect, QSettings
from PySide6.QtWidgets import QScrollArea

from playground.gui.main_window import MainWindow
from playground.session.config import DataConfig, ExperimentConfig
from playground.session.document import Document


def scroll_area_of(widget) -> QScrollArea:
    while not isinstance(widget, QScrollArea):
        widget = widget.parentWidget()
    return widget


def on_screen(widget) -> bool:
    area = scroll_area_of(widget)
    top_left = widget.mapTo(area.viewport(), QPoint(0, 0))
    return widget.isVisible() and area.viewport().rect().contains(QRect(top_left, widget.size()))


def shown_window(qtbot, tmp_path, width: int, height: int) -> MainWindow:
    config = ExperimentConfig(data=DataConfig(generator="spiral", n_points=100, noise=0.05, seed=1))
    window = MainWindow(Document.generated(config), settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    return window


def test_essential_controls_are_above_the_fold_at_1264_x_680(qtbot, tmp_path):
    window = shown_window(qtbot, tmp_path, 1264, 680)
    training, network = window.training_panel, window.network_panel
    for widget in (training.play_button, training.optimizer_combo, training.lr_input, training.batch_spin,
                   network.units_spins[0], network.output_combo):
        assert on_screen(widget), type(widget).__name__
    assert scroll_area_of(training.batch_spin).verticalScrollBar().value() == 0


def test_data_panel_shows_split_and_input_features_at_the_default_size(qtbot, tmp_path):
    """The split and the input features used to be below the fold of the Data dock (1500 x 940)."""
    window = shown_window(qtbot, tmp_path, 1500, 940)
    data = window.data_panel
    for widget in (data.mode_combo, data.clear_button, data.preset_combo, data.regenerate_button,
                   data.train_spin, data.test_spin, data.show_test_check,
                   data.feature_checks["x1"], data.feature_checks["x2"]):
        assert on_screen(widget), type(widget).__name__
    assert scroll_area_of(data.train_spin).verticalScrollBar().value() == 0
