"""The backpropagation view: a click on a data point, the arrow keys, the numbers against net.gradient;
the diagram's right-click symmetry menu leaves net.forward unchanged."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
from playground.session.document import Document
from test_main_window import click, make_window, wait_frame


def xor_window(qtbot, tmp_path, hidden=(3,)):
    doc = Document.generated(ExperimentConfig(data=DataConfig(generator="xor", n_points=60, seed=1),
                                              network=NetworkConfig(hidden=hidden)))
    window = make_window(qtbot, tmp_path, doc)
    wait_frame(qtbot, window)
    return window


def show_backprop(qtbot, window):
    window.backprop_dock.show()
    window.backprop_dock.raise_()
    qtbot.waitUntil(lambda: window.data_view.vb.tool is window.point_picker, timeout=3000)


def current_net(window):
    net = window._net_template.copy()
    if window._last_snapshot is not None:
        net.w[:] = window._last_snapshot.weights
    return net


def test_clicking_a_point_traces_it_and_the_numbers_are_its_gradient(qtbot, tmp_path):
    window = xor_window(qtbot, tmp_path)
    show_backprop(qtbot, window)
    experiment = window._experiment
    n_before = experiment.dataset.n
    x, y = experiment.dataset.X[7]
    click(qtbot, window, x, y)
    view = window.backprop_view
    assert view.trace is not None and window.model.document.dataset.n == n_before  # picked, not drawn
    assert "point 8" in view.stage_text()
    np.testing.assert_allclose(np.column_stack(window.picked_marker.getData())[0], [x, y])  # ringed in the data view
    net = current_net(window)
    X, T = experiment.dataset.X[7:8], experiment.dataset.targets(experiment.output)[7:8]
    E, g = net.gradient(X, T)
    for _ in range(view.n_stages - 1):  # the arrow keys: forward, then backward
        qtbot.keyClick(view, Qt.Key_Right)
    assert view.stage == view.n_stages - 1 and "5.56" in view.stage_text()
    shown = view.shown()
    flat = np.concatenate([np.concatenate([shown["dE_dw"][layer].ravel(), view.trace.delta[layer]])
                           for layer in range(net.n_layers)])
    np.testing.assert_allclose(flat, g, rtol=1e-10, atol=1e-12)  # dE/dw on the links; deltas are dE/db
    eps = 1e-6  # and against central differences, for one first-layer weight
    plus, minus = net.copy(), net.copy()
    plus.weights[0][1, 2] += eps
    minus.weights[0][1, 2] -= eps
    numeric = (plus.error(X, T) - minus.error(X, T)) / (2 * eps)
    assert shown["dE_dw"][0][1, 2] == pytest.approx(numeric, rel=1e-5, abs=1e-9)
    assert "dE/dw" in view.describe_link(0, 1, 2) and f"{shown['dE_dw'][0][1, 2]:.4g}" in view.describe_link(0, 1, 2)
    np.testing.assert_allclose(view.trace.jacobian, net.jacobian(X)[0])
    qtbot.keyClick(view, Qt.Key_Home)
    assert view.stage == 0 and view.shown()["delta"] == {}
    qtbot.keyClick(view, Qt.Key_Right)
    assert set(view.shown()["z"]) == {0, 1} and view.shown()["dE_dw"] == {}  # forward: hidden layer 1


def test_the_sensitivity_map_is_the_jacobian_norm_over_the_plane(qtbot, tmp_path):
    """The box shades the data view with |dy/dx| (through the feature maps, by the chain rule)
    instead of the output; unticked, or with the dock closed, the output shading comes back."""
    from playground.core.backprop_trace import input_sensitivity
    window = xor_window(qtbot, tmp_path)
    show_backprop(qtbot, window)
    view = window.backprop_view
    view.sensitivity_check.click()
    qtbot.waitUntil(lambda: window.data_view.last_frame.sensitivity_map is not None, timeout=3000)
    frame = window.data_view.last_frame
    gx, gy = frame.grid_x, frame.grid_y
    XX, YY = np.meshgrid(gx, gy)
    net = current_net(window)
    net.w[:] = frame.snapshot.weights
    expected = input_sensitivity(net, np.column_stack([XX.ravel(), YY.ravel()])).reshape(len(gy), len(gx))
    np.testing.assert_allclose(frame.sensitivity_map, expected, rtol=1e-5)
    corner = np.sqrt(np.sum(net.jacobian(np.array([[gx[0], gy[0]]])) ** 2))
    assert frame.sensitivity_map[0, 0] == pytest.approx(corner, rel=1e-5)
    np.testing.assert_array_equal(window.data_view.image.image, frame.sensitivity_map)  # what is shaded
    assert "\u2202y/\u2202x" in window.data_view.caption.toPlainText()
    window.backprop_dock.close()
    qtbot.waitUntil(lambda: window.data_view.last_frame.sensitivity_map is None, timeout=3000)
    assert "\u2202y/\u2202x" not in window.data_view.caption.toPlainText()


def test_with_features_the_sensitivity_is_taken_with_respect_to_the_plane():
    """dy/dx through x1^2 and sin(x2) (chain rule) against central differences of y(x)."""
    from playground.core import MLP
    from playground.core.backprop_trace import input_sensitivity
    from playground.core.datasets import map_features
    features = ["x1", "x1^2", "sin(x2)", "x1*x2"]
    net = MLP([4, 5, 2], output="softmax", seed=2)
    X = np.random.default_rng(1).normal(size=(6, 2))
    h = 1e-6
    numeric = []
    for x in X:
        J = np.column_stack([(net.forward(map_features((x + e)[None], features))[0]
                              - net.forward(map_features((x - e)[None], features))[0]) / (2 * h)
                             for e in np.eye(2) * h])
        numeric.append(np.sqrt(np.sum(J ** 2)))
    np.testing.assert_allclose(input_sensitivity(net, X, features), numeric, rtol=1e-6)


def test_without_the_view_clicks_draw_points_again(qtbot, tmp_path):
    window = xor_window(qtbot, tmp_path)
    show_backprop(qtbot, window)
    window.backprop_view.pick_button.click()
    assert window.data_view.vb.tool is window.tool
    n = window.model.document.dataset.n
    click(qtbot, window, 0.2, 0.3)
    assert window.model.document.dataset.n == n + 1


@pytest.mark.parametrize("choice", ["flip", "swap"])
def test_right_click_on_a_hidden_unit_flips_or_swaps_and_the_output_stays(qtbot, tmp_path, choice):
    window = xor_window(qtbot, tmp_path, hidden=(4,))
    window.diagram_dock.show()
    window.diagram_dock.raise_()
    diagram = window.diagram
    qtbot.waitUntil(lambda: diagram.isVisible() and diagram.view_box.width() > 50, timeout=3000)
    requests = []
    diagram.sigUnitMenuRequested.connect(lambda layer, unit, pos: requests.append((layer, unit)))
    x, y = diagram.node_position(1, 2)  # column 1 = the hidden layer, unit 2
    pos = diagram.view.mapFromScene(diagram.view_box.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(diagram.view.viewport(), Qt.RightButton, pos=pos)
    assert requests == [(0, 2)]
    menu = window.unit_menu
    menu.hide()
    before = current_net(window)
    X = window._experiment.dataset.X
    if choice == "flip":
        menu.actions()[0].trigger()
    else:
        menu.actions()[1].menu().actions()[0].trigger()  # swap with unit 0
    wait_frame(qtbot, window, lambda f: not np.array_equal(f.snapshot.weights, before.w))
    after = current_net(window)
    assert not np.allclose(after.w, before.w)
    np.testing.assert_allclose(after.forward(X), before.forward(X), atol=1e-12)
    if choice == "flip":
        np.testing.assert_allclose(after.weights[0][:, 2], -before.weights[0][:, 2])
    else:
        np.testing.assert_allclose(after.weights[0][:, 0], before.weights[0][:, 2])
