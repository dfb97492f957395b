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


def _two_gaussians_window(qtbot, tmp_path):
    from widget_lifetime import shown_main_window

    from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
    from playground.session.document import Document

    config = ExperimentConfig(data=DataConfig(generator="two_gaussians", n_points=60, noise=0.2, seed=0,
                                              split=(1.0, 0.0, 0.0)), network=NetworkConfig(hidden=()))
    return shown_main_window(qtbot, tmp_path, Document.generated(config))


def test_the_mismatched_pair_is_offered_with_a_note_beside_the_matched_one(qtbot, tmp_path):
    window = _two_gaussians_window(qtbot, tmp_path)
    last_frame(qtbot, window)
    panel = window.network_panel
    names = [panel.output_combo.itemData(i) for i in range(panel.output_combo.count())]
    assert "sigmoid" in names and "sigmoid_sse" in names
    panel.output_combo.setCurrentIndex(panel.output_combo.findData("sigmoid_sse"))
    assert "Not the canonical link" in panel.mismatch_text()
    assert window.model.document.config.network.output == "sigmoid_sse"
    panel.output_combo.setCurrentIndex(panel.output_combo.findData("sigmoid"))
    assert panel.mismatch_text() == ""


def test_a_perceptron_trains_in_the_window_and_draws_hard_regions(qtbot, tmp_path):
    window = _two_gaussians_window(qtbot, tmp_path)
    last_frame(qtbot, window)
    panel = window.network_panel
    panel.output_combo.setCurrentIndex(panel.output_combo.findData("perceptron"))
    assert "perceptron rule" in panel.mismatch_text()
    worker = window.controller.worker
    qtbot.waitUntil(lambda: worker.job is not None and worker.job.trainer.net.output == "perceptron", timeout=5000)
    for _ in range(3):
        click(qtbot, window.training_panel.step_button)
    frame = last_frame(qtbot, window, lambda f: f.snapshot.epoch >= 3 and f.experiment_id ==
                       window.controller._experiment_id)
    assert set(np.unique(frame.probabilities)) <= {0.0, 1.0}  # a step unit: class 0 or class 1, nothing between
    assert frame.boundary is not None and len(frame.boundary) > 0  # one straight decision boundary
