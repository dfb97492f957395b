"""The mixture density panels (PRML fig. 5.21) and the MDN shading of the data view, checked by
the data they draw, driven as a user would."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from playground.core import MLP, Trainer
from playground.gui.frames import ViewSpec, compute_frame
from playground.core.params import DEFAULT_SIGMA_FLOOR
from playground.gui.theme import DARK
from playground.gui.mdn_frames import DENSITY_PERCENTILE, density_levels, mode_with_breaks
from playground.session.config import NetworkConfig
from tests.gui.test_data_view import generated
from tests.gui.test_panels import type_into
from tests.gui.test_rough_edges import choose, make_window


# ---------------------------------------------------------------------------- Qt-free frame parts
def test_the_mode_breaks_with_a_nan_wherever_the_most_probable_component_changes():
    x = np.linspace(0.0, 1.0, 11)
    pi = np.where(x[:, None] < 0.45, [0.7, 0.3], [0.2, 0.8])  # component 0, then 1
    pi[8] = [0.9, 0.1]  # and back to 0 for one point
    mu = np.column_stack([np.full(11, -1.0), np.full(11, 2.0)])
    xs, ys = mode_with_breaks(x, pi, mu)
    gaps = np.flatnonzero(np.isnan(ys))
    assert len(gaps) == 3 and len(xs) == 11 + 3
    np.testing.assert_allclose(xs[gaps], [0.45, 0.75, 0.85])  # midway between the neighbours
    pieces = np.split(ys, gaps)
    assert [p[~np.isnan(p)].tolist() for p in pieces] == [[-1.0] * 5, [2.0] * 3, [-1.0], [2.0] * 2]
    assert np.array_equal(xs[~np.isnan(ys)], x)


def extrapolating_net():
    """K = 1: mean 0.5, width unit s = 10 (1 - x): sigma >= 1 over the data (0 <= x <= 1), then it
    shrinks to the floor where the network extrapolates (x = 2)."""
    net = MLP([1, 1], output="mdn", n_components=1, sigma_floor=0.01)
    net.weights[0][:] = [[0.0, 0.0, -10.0]]
    net.biases[0][:] = [0.0, 0.5, 10.0]
    return net


def test_the_density_colour_scale_comes_from_where_the_points_are_not_from_the_peak():
    net = extrapolating_net()
    points = np.linspace(0.0, 1.0, 30)[:, None]
    trainer = Trainer(net, points, np.full((30, 1), 0.5))
    frame = compute_frame(net, None, "regression", 1, trainer.snapshot(), ViewSpec((-0.2, 2.0), (-0.5, 1.5), 50),
                          1, False, 0, points=points)
    density, gx = frame.density, frame.grid_x
    inside = (gx >= 0.0) & (gx <= 1.0)
    assert density.max() > 10  # the peak where the network extrapolates (sigma near its floor)
    lo, hi = frame.mixture.density_levels
    assert lo == 0.0 and hi == pytest.approx(np.percentile(density[:, inside], DENSITY_PERCENTILE), rel=1e-6)
    assert hi < density.max() / 10
    assert density_levels(density, gx, None)[1] == pytest.approx(np.percentile(density, DENSITY_PERCENTILE))
    one = np.array([0.5 * (gx[10] + gx[11]) + 1e-9])  # a single point between two columns
    assert density_levels(density, gx, one)[1] == pytest.approx(np.percentile(density[:, 11], DENSITY_PERCENTILE))


# ---------------------------------------------------------------------------- the window
def mdn_window(qtbot, tmp_path, generator="inverse_problem", n=150, K=3):
    doc = generated(generator, n=n, network=NetworkConfig(hidden=(5,), output="mdn", n_components=K))
    window = make_window(qtbot, tmp_path, doc)
    window.mdn_dock.show()
    window.mdn_dock.raise_()
    return window


def train(qtbot, window, epochs):
    window.training_panel.speed_slider.setValue(window.training_panel.speed_slider.maximum())  # as fast as possible
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window._last_snapshot is not None and window._last_snapshot.epoch >= epochs,
                    timeout=15000)
    window.play_action.trigger()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=3000)
    epoch = window._last_snapshot.epoch
    # the paused frame redraws every view
    qtbot.waitUntil(lambda: window.mdn_view.last_frame is not None
                    and window.mdn_view.last_frame.snapshot.epoch == window._last_snapshot.epoch, timeout=5000)
    return epoch


def test_the_four_panels_of_fig_5_21_draw_the_trained_mixture(qtbot, tmp_path):
    window = mdn_window(qtbot, tmp_path)
    # the network diagram names the output units by group (PRML 5.150-5.152)
    qtbot.waitUntil(lambda: window._experiment is not None and len(window.diagram._out_labels) == 9, timeout=3000)
    labels = [t.textItem.toPlainText() for t in window.diagram._out_labels]
    assert labels == ["π1", "π2", "π3", "μ1", "μ2", "μ3", "σ1", "σ2", "σ3"]
    train(qtbot, window, 120)
    view = window.mdn_view
    frame = view.last_frame
    assert view.stack.currentWidget() is view.curves_page
    gx = frame.grid_x
    # (a) mixing coefficients: K curves over the frame's x, summing to one
    pis = np.array([curve.getData()[1] for curve in view.pi_curves])
    assert pis.shape == (3, len(gx)) and np.array_equal(view.pi_curves[0].getData()[0], gx)
    np.testing.assert_allclose(pis.sum(axis=0), 1.0, atol=1e-6)
    # (b) the means are the network's
    net = window._net_template.copy()
    net.w[:] = frame.snapshot.weights
    pi, mu, sigma = net.forward(gx[:, None])
    np.testing.assert_allclose(pis.T, pi, atol=1e-6)
    for k, curve in enumerate(view.mu_curves):
        np.testing.assert_allclose(curve.getData()[1], mu[:, k, 0], rtol=1e-6, atol=1e-6)
    # ... with no sigma bands until they are asked for
    assert not view.band_fills[0].isVisible() and view.band_data == [None] * 3
    qtbot.mouseClick(view.bands_box, Qt.LeftButton)
    assert view.bands_box.isChecked()
    for k, fill in enumerate(view.band_fills):
        x, lower, upper = view.band_data[k]
        np.testing.assert_array_equal(x, gx)
        np.testing.assert_allclose(upper, mu[:, k, 0] + sigma[:, k], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(lower, mu[:, k, 0] - sigma[:, k], rtol=1e-6, atol=1e-6)
        assert fill.isVisible()
        box = fill.path().boundingRect()  # the polygon spans the band
        assert box.top() == pytest.approx(lower.min(), abs=1e-6) and box.bottom() == pytest.approx(upper.max(), abs=1e-6)
        assert box.left() == pytest.approx(gx[0]) and box.right() == pytest.approx(gx[-1])
    # (d) the mode in pieces: a NaN exactly between neighbours whose most probable component differs
    xs, ys = view.mode_curve.getData()
    winner = np.argmax(pi, axis=1)
    jumps = np.flatnonzero(winner[1:] != winner[:-1])
    assert len(jumps) >= 1  # on the inverse problem the mode jumps between branches (fig. 5.21 d)
    gaps = np.flatnonzero(np.isnan(ys))
    np.testing.assert_array_equal(gaps, jumps + 1 + np.arange(len(jumps)))
    assert np.all((xs[gaps] > gx[jumps]) & (xs[gaps] < gx[jumps + 1]))
    np.testing.assert_allclose(ys[~np.isnan(ys)], mu[np.arange(len(gx)), winner, 0], rtol=1e-6, atol=1e-6)
    assert view.mode_curve.opts["connect"] == "finite"  # no line through a gap
    mean = np.sum(pi * mu[:, :, 0], axis=1)
    std = np.sqrt(np.sum(pi * (sigma**2 + (mu[:, :, 0] - mean[:, None]) ** 2), axis=1))  # PRML 5.160
    np.testing.assert_allclose(view.mean_curve.getData()[1], mean, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(view.upper_curve.getData()[1], mean + std, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(view.lower_curve.getData()[1], mean - std, rtol=1e-5, atol=1e-6)
    # (c) the heat map holds p(t|x) on the scale taken where the points are
    x_points = window.model.document.dataset.X[:, 0]
    inside = (gx >= x_points.min()) & (gx <= x_points.max())
    levels = view.density_image.levels
    top = np.percentile(frame.density[:, inside], DENSITY_PERCENTILE)
    np.testing.assert_allclose(levels, [0.0, top], rtol=1e-6)
    np.testing.assert_array_equal(view.density_image.image, frame.density)
    assert view.density_key.textItem.toPlainText() == f"full colour: p ≥ {top:.3g}"  # the key to the shading
    # a key for every line
    assert view.legend_labels() == {"a": ["π1", "π2", "π3"], "b": ["μ1", "μ2", "μ3"],
                                    "d": ["conditional mode", "conditional mean", "mean ± 1 std"]}
    # the data view: its mode breaks at the same places, its shading is on the same scale
    data_view = window.data_view
    assert data_view.last_frame is frame
    np.testing.assert_array_equal(np.flatnonzero(np.isnan(data_view.mode_curve.getData()[1])), gaps)
    image = data_view.image
    np.testing.assert_array_equal(image.image, frame.density)
    r, g, b = (int(c) for c in data_view._density_lut()[-1][:3])
    full = 0xFF000000 | (r << 16) | (g << 8) | b  # the top colour: every value from the top level up
    assert np.all(image._pixels[frame.density >= top] & 0xFFFFFFFF == full)
    assert np.all(image._pixels[frame.density < 0.9 * top] & 0xFFFFFFFF != full)
    # the dark switch recolours the heat map within a few event-loop turns, paused as it is
    window.dark_action.trigger()
    r, g, b = QColor(DARK.neutral).getRgb()[:3]
    lowest = frame.density <= frame.density.min()
    qtbot.waitUntil(lambda: np.all(view.density_image._pixels[lowest] & 0xFFFFFFFF
                                   == (0xFF000000 | (r << 16) | (g << 8) | b)), timeout=2000)
    window.dark_action.trigger()


def test_two_inputs_show_the_mean_surface_and_a_map_of_each_pi(qtbot, tmp_path):
    window = mdn_window(qtbot, tmp_path, generator="multi_gaussian", n=120, K=2)
    train(qtbot, window, 10)
    view = window.mdn_view
    frame = view.last_frame
    assert frame.kind == "regression2d" and view.stack.currentWidget() is view.maps_page
    assert len(view.map_images) == 3
    pi_maps = np.array([image.image for image in view.map_images[1:]])
    np.testing.assert_allclose(pi_maps.sum(axis=0), 1.0, atol=1e-6)
    assert [image.levels for image in view.map_images[1:]] == [(0.0, 1.0)] * 2
    net = window._net_template.copy()
    net.w[:] = frame.snapshot.weights
    XX, YY = np.meshgrid(frame.grid_x, frame.grid_y)
    pi, mu, _ = net.forward(np.column_stack([XX.ravel(), YY.ravel()]))
    mean = np.sum(pi * mu[:, :, 0], axis=1).reshape(XX.shape)
    np.testing.assert_allclose(view.map_images[0].image, mean, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(window.data_view.image.image, mean, rtol=1e-5, atol=1e-6)  # the surface too


def test_without_a_mixture_density_output_the_view_says_how_to_get_one_and_the_floor_is_set_in_the_panel(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("inverse_problem", n=60))
    window.mdn_dock.show()
    window.mdn_dock.raise_()
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.mdn_view.last_frame is not None, timeout=5000)
    view = window.mdn_view
    assert view.stack.currentWidget() is view.message and "mdn" in view.message.text()
    choose(window.network_panel.output_combo, "mdn")
    qtbot.waitUntil(lambda: not window._rebuild_pending, timeout=3000)
    assert window._experiment.net.head.sigma_floor == DEFAULT_SIGMA_FLOOR
    floor_spin = window.network_panel.sigma_floor_spin  # the floor, in the row of the components
    assert floor_spin.isVisible() and floor_spin.value() == DEFAULT_SIGMA_FLOOR
    type_into(qtbot, floor_spin, "0.05")
    qtbot.waitUntil(lambda: not window._rebuild_pending and window._experiment.net.head.sigma_floor == 0.05,
                    timeout=3000)
    assert window.model.document.config.network.sigma_floor == 0.05
    window.step_action.trigger()
    qtbot.waitUntil(lambda: view.stack.currentWidget() is view.curves_page, timeout=5000)
    assert np.min(view.last_frame.mixture.sigma) >= 0.05


def test_two_target_dimensions_name_each_mean(qtbot):
    from playground.gui.plots.network_diagram import NetworkDiagram

    diagram = NetworkDiagram()
    qtbot.addWidget(diagram)
    diagram.show_network(MLP([1, 3, 2], output="mdn", n_components=2, seed=0), ["x"])
    labels = [t.textItem.toPlainText() for t in diagram._out_labels]
    assert labels == ["π1", "π2", "μ1,1", "μ1,2", "μ2,1", "μ2,2", "σ1", "σ2"]


def test_the_view_brought_to_the_front_while_paused_draws_the_newest_frame(qtbot, tmp_path):
    doc = generated("inverse_problem", n=60, network=NetworkConfig(hidden=(5,), output="mdn", n_components=2))
    window = make_window(qtbot, tmp_path, doc)
    view = window.mdn_view
    window.loss_dock.raise_()  # the mixture density tab is behind the loss curves
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.data_view.last_frame is not None
                    and window.data_view.last_frame.snapshot.epoch >= 1, timeout=5000)
    assert view.last_frame is None and view.stack.currentWidget() is view.message
    window.mdn_dock.raise_()  # the user clicks its tab: nothing is training, so no new frame comes
    qtbot.waitUntil(lambda: view.last_frame is window.data_view.last_frame, timeout=3000)
    assert view.stack.currentWidget() is view.curves_page
