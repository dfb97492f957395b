"""The window's reaction to the panels' controls (tests/gui/test_panels.py checks the signals alone).

Each control is clicked or typed into inside the main window, and the test checks what follows
in the document, the trainer and the data view, not only that a signal was emitted.
"""

import numpy as np
from PySide6.QtCore import QPoint, Qt

from widget_lifetime import shown_main_window

from playground.session.config import DataConfig, ExperimentConfig
from playground.session.document import TEST, VALIDATION, Document


def spiral_window(qtbot, tmp_path, n=100):
    config = ExperimentConfig(data=DataConfig(generator="spiral", n_points=n, noise=0.05, seed=1,
                                              split=(0.6, 0.2, 0.2)))
    return shown_main_window(qtbot, tmp_path, Document.generated(config))


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.LeftButton)


def click_check(qtbot, check):
    qtbot.mouseClick(check, Qt.LeftButton, pos=QPoint(8, check.height() // 2))


def type_into(qtbot, spin, text):
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Return)


def last_frame(qtbot, window, predicate=lambda f: True, timeout=8000):
    seen = []

    def check():
        frame = window.data_view.last_frame
        assert frame is not None and predicate(frame)
        seen.append(frame)

    qtbot.waitUntil(check, timeout=timeout)
    return seen[-1]


def n_test(window) -> int:
    return int(np.sum(np.asarray(window.model.document.parts) == TEST))


def test_the_clear_button_empties_the_document_and_the_view(qtbot, tmp_path):
    window = spiral_window(qtbot, tmp_path)
    assert len(window.data_view.points) + len(window.data_view.test_points) == 100
    click(qtbot, window.data_panel.clear_button)
    assert window.model.document.dataset.n == 0
    assert len(window.data_view.points) == 0 and len(window.data_view.test_points) == 0
    assert window.undo_action.isEnabled()  # and it is an undoable edit


def test_the_show_test_points_checkbox_shows_and_hides_them_in_the_view(qtbot, tmp_path):
    window = spiral_window(qtbot, tmp_path)
    check = window.data_panel.show_test_check
    expected = n_test(window)
    assert expected > 0 and check.isChecked()
    assert len(window.data_view.test_points) == expected
    click_check(qtbot, check)
    assert not window.data_view.show_test and len(window.data_view.test_points) == 0
    assert not window.test_action.isChecked()  # the View menu's switch follows
    assert len(window.data_view.points) == 100 - expected  # the other points stay
    click_check(qtbot, check)
    assert len(window.data_view.test_points) == expected


def test_the_split_spin_boxes_change_the_parts_the_trainer_and_view_use(qtbot, tmp_path):
    window = spiral_window(qtbot, tmp_path)
    last_frame(qtbot, window)
    handed = []  # training points of every trainer the window hands to the worker
    set_job = window.controller.set_job

    def recording_set_job(trainer, *args):
        handed.append(trainer.X.shape[0])
        return set_job(trainer, *args)

    window.controller.set_job = recording_set_job
    panel = window.data_panel
    type_into(qtbot, panel.test_spin, "40")  # 60 / 20 / 20 -> validation gives way: 60 / 0 / 40
    shares = (panel.train_spin.value(), panel.val_spin.value(), panel.test_spin.value())
    assert shares == (60, 0, 40)
    doc = window.model.document
    assert doc.counts() == (60, 0, 40)
    assert not np.any(np.asarray(doc.parts) == VALIDATION)
    assert len(window.data_view.test_points) == 40 and len(window.data_view.points) == 60
    qtbot.waitUntil(lambda: len(handed) >= 1, timeout=3000)
    assert handed[-1] == 60  # the next trainer learns from the 60 training points only
    frame = last_frame(qtbot, window, lambda f: f.experiment_id == window.controller._experiment_id)
    assert frame.snapshot.val_error is None and frame.snapshot.test_error is not None


def test_step_and_reset_buttons_move_the_trainer(qtbot, tmp_path):
    window = spiral_window(qtbot, tmp_path)
    panel = window.training_panel
    start = last_frame(qtbot, window)
    assert start.snapshot.epoch == 0
    click(qtbot, panel.step_button)
    stepped = last_frame(qtbot, window, lambda f: f.snapshot.epoch == 1)
    assert not np.array_equal(stepped.snapshot.weights, start.snapshot.weights)
    assert window.epoch_label.text() == "epoch 1"
    click(qtbot, panel.step_button)
    last_frame(qtbot, window, lambda f: f.snapshot.epoch == 2)
    click(qtbot, panel.reset_button)
    reset = last_frame(qtbot, window, lambda f: f.snapshot.epoch == 0)
    assert len(reset.snapshot.history) == 1 and window.epoch_label.text() == "epoch 0"


def test_the_speed_slider_sets_the_epochs_per_frame_of_the_worker(qtbot, tmp_path):
    window = spiral_window(qtbot, tmp_path)
    worker = window.controller.worker
    window.training_panel.speed_slider.setValue(3)  # the fourth level: 10 epochs per frame
    qtbot.waitUntil(lambda: worker.epochs_per_frame == 10, timeout=3000)
    qtbot.keyClick(window.training_panel.speed_slider, Qt.Key_End)
    qtbot.waitUntil(lambda: worker.epochs_per_frame is None, timeout=3000)  # as fast as possible
