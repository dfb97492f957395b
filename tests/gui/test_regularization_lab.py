"""The Regularization panel's dropout and standardisation, and the constant init, inside the window."""

import numpy as np

from test_panel_reactions import click, click_check, last_frame, spiral_window, type_into


def test_dropout_and_standardisation_reach_the_trainer_and_the_view_shows_the_whole_network(qtbot, tmp_path):
    window = spiral_window(qtbot, tmp_path)
    last_frame(qtbot, window)
    panel = window.regularization_panel
    type_into(qtbot, panel.dropout_spin, "0.4")
    click_check(qtbot, panel.standardize_check)
    reg = window.model.document.config.training.regularization
    assert reg.dropout == 0.4 and reg.standardize_inputs
    worker = window.controller.worker
    qtbot.waitUntil(lambda: worker.job is not None and worker.job.trainer.options.regularization == reg, timeout=5000)
    click(qtbot, window.training_panel.step_button)
    frame = last_frame(qtbot, window, lambda f: f.snapshot.epoch == 1)
    trainer = worker.job.trainer
    net = trainer.net.copy()
    net.w[:] = frame.snapshot.weights
    # the error shown is that of the whole network (no unit dropped) at the weights shown
    assert abs(frame.snapshot.train_error - net.error(trainer.X, trainer.T) / trainer.n_train) < 1e-12
    # and the decision regions too: p(class 1) on the view's grid from the whole network
    gx, gy = frame.grid_x, frame.grid_y
    XX, YY = np.meshgrid(gx, gy)
    p = net.forward(np.column_stack([XX.ravel(), YY.ravel()]))[:, 0].reshape(len(gy), len(gx))
    assert np.abs(frame.probabilities[:, :, 1] - p).max() < 1e-5


def test_constant_initialisation_gives_equal_hidden_units(qtbot, tmp_path):
    window = spiral_window(qtbot, tmp_path)
    last_frame(qtbot, window)
    panel = window.network_panel
    panel.init_combo.setCurrentIndex(panel.init_combo.findData("constant"))
    assert window.model.document.config.network.init == "constant"
    worker = window.controller.worker
    qtbot.waitUntil(lambda: worker.job is not None and worker.job.trainer.net.init == "constant", timeout=5000)
    frame = last_frame(qtbot, window, lambda f: f.experiment_id == window.controller._experiment_id)
    net = window.controller.worker.job.trainer.net.copy()
    net.w[:] = frame.snapshot.weights
    assert np.ptp(net.weights[0], axis=1).max() == 0.0 and np.all(net.weights[0] == 0.5)
