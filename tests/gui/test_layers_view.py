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


def test_while_training_the_layers_view_follows_each_new_pass_once(qtbot, tmp_path):
    """The view draws on every other frame (gui/views.py) and a pass comes with a frame at most ten
    times a second: each frame carries the newest pass, so none is missed, and none drawn twice."""
    window = spiral_window(qtbot, tmp_path)
    window.layers_dock.show()
    window.layers_dock.raise_()
    qtbot.waitUntil(lambda: not window.layers_dock.visibleRegion().isEmpty(), timeout=3000)
    view = window.layers_view
    speed = window.training_panel.speed_slider
    speed.setValue(speed.maximum())  # full speed: 20 frames a second, a pass on every other one or so
    click(qtbot, window.training_panel.play_button)
    qtbot.waitUntil(lambda: len(view.epochs) >= 4, timeout=8000)
    click(qtbot, window.training_panel.play_button)
    epochs = view.epochs
    assert np.all(np.diff(epochs) > 0)  # one point per pass, at the epoch it was made


def test_the_layers_plots_keep_their_data_in_view_and_their_axes_still_between_similar_frames(qtbot):
    """Autorange is off (a re-ranged axis costs milliseconds a frame): the ranges step instead, and
    must still hold every histogram bar, gradient norm (log10 axis) and bar of the fractions."""
    from types import SimpleNamespace
    from playground.core import MLP
    from playground.gui.plots.layers_view import LayersView
    net = MLP([2, 6, 5, 1], output="sigmoid", seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    T = (X[:, :1] > 0).astype(float)
    view = LayersView()
    qtbot.addWidget(view)
    view.resize(400, 500)
    view.show()
    view.show_network(net, ["x1", "x2"])

    def show(epoch, scale):
        net.w[:] *= scale
        frame = SimpleNamespace(layers=layer_diagnostics(net, X, T), experiment_id=1,
                                snapshot=SimpleNamespace(epoch=epoch))
        view.render_frame(frame)
        return [w.getPlotItem().getViewBox().viewRange() for w in (view.hist_widget, view.grad_widget, view.frac_widget)]

    for epoch, scale in enumerate([1.0, 3.0, 0.2, 5.0]):  # tanh layers from spread to saturated
        (hx, hy), (gx, gy), (fx, fy) = show(epoch * 40, scale)
        for edges, shares in view.histograms:
            assert hx[0] <= edges.min() and edges.max() <= hx[1] and hy[0] <= 0 and shares.max() <= hy[1]
        logs = np.log10(view.gradient_norms[view.gradient_norms > 0])
        assert gy[0] <= logs.min() and logs.max() <= gy[1]
        assert gx[0] <= view.epochs.min() and view.epochs.max() <= gx[1]
        assert fx[0] <= 1 - 0.18 - 0.175 and 2 + 0.18 + 0.175 <= fx[1] and fy[0] <= 0 and 1 <= fy[1]
    before = show(121, 1.0001)
    assert show(122, 1.0001) == before  # one epoch later, nearly the same weights: the axes stay
    shown = len(view.epochs)
    view.render_frame(SimpleNamespace(layers=view._shown, experiment_id=1, snapshot=SimpleNamespace(epoch=130)))
    assert len(view.epochs) == shown and view.epochs[-1] == 122  # the same pass again: nothing added
