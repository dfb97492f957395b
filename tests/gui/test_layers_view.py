"""The layers view inside the window: what it holds is the diagnostics of the weights shown."""

import numpy as np

from test_panel_reactions import click, last_frame, spiral_window

from playground.core.diagnostics import layer_diagnostics, max_points_for, sample_rows


def test_the_layers_view_shows_histograms_gradients_and_saturation_of_the_frame(qtbot, tmp_path):
    window = spiral_window(qtbot, tmp_path)
    window.layers_dock.show()  # a lab's dock is shown from the View menu
    window.layers_dock.raise_()
    qtbot.waitUntil(lambda: not window.layers_dock.visibleRegion().isEmpty(), timeout=3000)
    view = window.layers_view
    last_frame(qtbot, window)
    for epoch in (1, 2, 3):
        click(qtbot, window.training_panel.step_button)
        frame = last_frame(qtbot, window, lambda f, e=epoch: f.snapshot.epoch == e and f.layers is not None)
    qtbot.waitUntil(lambda: len(view.epochs) and view.epochs[-1] == 3, timeout=3000)
    trainer = window.controller.worker.job.trainer
    net = trainer.net.copy()
    net.w[:] = frame.snapshot.weights
    rows = sample_rows(trainer.n_train, max_points_for(net))
    direct = layer_diagnostics(net, trainer.X[rows], trainer.T[rows])
    assert len(view.histograms) == net.n_layers - 1
    for (edges, shares), layer in zip(view.histograms, direct.layers):
        assert np.array_equal(edges, layer.edges)
        assert np.allclose(shares, layer.counts / layer.counts.sum())
    assert np.allclose(view.gradient_norms[-1], direct.gradient_norms)
    assert view.gradient_norms.shape[1] == net.n_layers and list(view.epochs[-3:]) == [1, 2, 3]
    assert np.allclose(view.saturated, [s.saturated for s in direct.layers])  # tanh layers
    assert "saturated" in view.note.text()
    # a reset starts the gradient curves again
    click(qtbot, window.training_panel.reset_button)
    qtbot.waitUntil(lambda: len(view.epochs) == 1 and view.epochs[0] == 0, timeout=3000)
