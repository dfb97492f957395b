"""What the data view draws, checked against the network evaluated directly on the frame's grid.

Each overlay is read back from the view's graphics items (curve data, shading values and the
painted pixels) and compared with ``net.forward`` (or the first layer's a_j, or the Bayes
posterior) on the same grid, never with the frame's own arrays:
- the decision boundary: every drawn end point lies on a grid edge whose ends the network puts
  on different sides, where the directly computed field interpolates to the level
  (p_1 = 0.5 for two classes; p_k = max_{j != k} p_j, the top two probabilities tie, for K > 2),
  and every such edge is crossed;
- the hidden-unit lines: a_j = x . w_j + b_j = 0 (PRML 5.9) exactly, since a_j is linear in x;
- the Bayes boundary: the true posterior is 1/2 there;
- the shading: class colours by probability, discretised to the most probable class;
- the MDN: the conditional mean sum_k pi_k mu_k (PRML 5.158), the mode mu of the largest pi_k,
  the density sum_k pi_k N(t | mu_k, sigma_k^2) (5.148).
"""

import numpy as np
import pytest
from widget_lifetime import delete_widgets_at_a_safe_point as _delete_widgets
from widget_lifetime import shown
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from playground.core.datasets import map_features
from playground.gui.data_view import SHADE_STRENGTH, DataView
from playground.gui.frames import ViewSpec, compute_frame
from playground.gui.theme import LIGHT, apply_theme, current_theme
from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
from playground.session.document import Document
from playground.session.experiment import prepare

delete_widgets_at_a_safe_point = pytest.fixture(autouse=True)(_delete_widgets)


@pytest.fixture(autouse=True)
def light_theme():
    apply_theme(QApplication.instance(), LIGHT)
    yield


class Scene:
    """A document, a network with given random weights, its frame, and a view that drew it."""

    def __init__(self, qtbot, generator, network, spec, scale=1.5, seed=0, n=120, size=(500, 500), **data):
        config = ExperimentConfig(data=DataConfig(generator=generator, n_points=n, seed=1, **data), network=network)
        self.document = Document.generated(config)
        experiment = prepare(config, dataset=self.document.dataset, split=self.document.split())
        trainer = experiment.make_trainer()
        self.net = trainer.net
        self.net.w[:] = np.random.default_rng(seed).normal(size=self.net.n_params) * scale
        self.features = experiment.features
        d = experiment.dataset
        self.frame = compute_frame(self.net, self.features, d.kind, d.n_inputs, trainer.snapshot(), spec, 1, False, 0.0)
        self.view = shown(qtbot, DataView(), *size)
        self.view.set_document(self.document)
        self.view.render(self.frame)

    def forward(self, X):
        X = np.asarray(X, dtype=float)
        return self.net.forward(X if self.features is None else map_features(X, self.features))

    def grid(self):
        gx, gy = self.frame.grid_x, self.frame.grid_y
        XX, YY = np.meshgrid(gx, gy)
        return gx, gy, np.column_stack([XX.ravel(), YY.ravel()])

    def probabilities(self):
        """(ny, nx, K) class probabilities by net.forward on the frame's grid."""
        gx, gy, X = self.grid()
        y = self.forward(X)
        if y.shape[1] == 1:
            y = np.column_stack([1.0 - y[:, 0], y[:, 0]])
        return y.reshape(len(gy), len(gx), -1)


def end_points(curve) -> np.ndarray:
    x, y = curve.getData()
    assert x is not None and len(x) > 0 and len(x) % 2 == 0, "nothing drawn"
    return np.column_stack([x, y])


def edge_of(point, gx, gy):
    """The grid edge a contour end point lies on: ((i_a, j_a), (i_b, j_b), t), t along it."""
    x, y = point
    j = np.flatnonzero(gx == x)
    if j.size:  # on a vertical edge x = gx[j]
        i = int(np.clip(np.searchsorted(gy, y, side="right") - 1, 0, len(gy) - 2))
        return (i, j[0]), (i + 1, j[0]), (y - gy[i]) / (gy[i + 1] - gy[i])
    i = np.flatnonzero(gy == y)
    assert i.size, f"end point {point} lies on no grid line"
    j = int(np.clip(np.searchsorted(gx, x, side="right") - 1, 0, len(gx) - 2))
    return (i[0], j), (i[0], j + 1), (x - gx[j]) / (gx[j + 1] - gx[j])


def crossed_edges(field, level):
    """Number of grid edges whose ends lie on different sides of ``level`` (>= is inside)."""
    inside = field >= level
    return int(np.sum(inside[:, 1:] != inside[:, :-1]) + np.sum(inside[1:, :] != inside[:-1, :]))


def check_level_set(points, field, gx, gy, level, tol=1e-5):
    """Every end point is on a crossed edge where the linear interpolation of ``field`` is ``level``;
    every crossed edge carries an end point."""
    for point in points:
        a, b, t = edge_of(point, gx, gy)
        fa, fb = field[a], field[b]
        assert (fa >= level) != (fb >= level), f"{point}: the edge is not crossed ({fa}, {fb})"
        assert fa + t * (fb - fa) == pytest.approx(level, abs=tol), point
    assert len(np.unique(points, axis=0)) == crossed_edges(field, level)


def pixel_at(view, image, x, y) -> np.ndarray:
    pos = view.mapFromScene(view.vb.mapViewToScene(QPointF(x, y)))
    return np.array(QColor(image.pixel(pos.x(), pos.y())).getRgb()[:3])


def only_the_shading(view):
    for item in (view.points, view.test_points, view.boundary, view.bayes, view.grid, view.hidden_lines):
        item.setVisible(False)
    view.fit_to(((view.last_frame.grid_x[0], view.last_frame.grid_x[-1]),
                 (view.last_frame.grid_y[0], view.last_frame.grid_y[-1])))
    QApplication.processEvents()
    return view.grab().toImage()


def interior_cells(labels, step=3):
    """(i, j) of grid cells whose 3 x 3 neighbourhood has one label: a pixel there is that label's colour."""
    ny, nx = labels.shape
    cells = []
    for i in range(1, ny - 1, step):
        for j in range(1, nx - 1, step):
            if np.all(labels[i - 1:i + 2, j - 1:j + 2] == labels[i, j]):
                cells.append((i, j))
    return cells


def mixed(rgb_from, rgb_to, s):
    return (1 - s) * np.asarray(rgb_from) + s * np.asarray(rgb_to)


TWO_CLASS = NetworkConfig(hidden=(6,), activation="tanh", output="sigmoid")
SPEC = ViewSpec((-1.5, 1.5), (-1.5, 1.5), 61)


# ---------------------------------------------------------------------- decision boundary
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_the_two_class_boundary_is_where_the_network_says_one_half(qtbot, output):
    scene = Scene(qtbot, "xor", NetworkConfig(hidden=(6,), output=output), SPEC)
    p1 = scene.probabilities()[:, :, 1]
    assert 0.05 < np.mean(p1 >= 0.5) < 0.95  # the boundary crosses the view
    check_level_set(end_points(scene.view.boundary), p1, scene.frame.grid_x, scene.frame.grid_y, 0.5)


def test_the_boundary_of_three_classes_is_where_the_top_two_probabilities_tie(qtbot):
    scene = Scene(qtbot, "blobs", NetworkConfig(hidden=(6,), output="softmax"), SPEC, n_classes=3, seed=7)
    p = scene.probabilities()
    gx, gy = scene.frame.grid_x, scene.frame.grid_y
    winner = np.argmax(p, axis=2)
    assert len(np.unique(winner)) == 3
    ordered = np.sort(p, axis=2)
    points = end_points(scene.view.boundary)
    gaps = []
    for point in points:
        a, b, t = edge_of(point, gx, gy)
        assert winner[a] != winner[b], point  # the most probable class changes along this edge
        # some class k's margin p_k - max_{j != k} p_j, computed directly, interpolates to 0 here
        margins = []
        for k in range(3):
            others = np.delete(p, k, axis=2).max(axis=2)
            g = p[:, :, k] - others
            if (g[a] >= 0) != (g[b] >= 0):
                margins.append(abs(g[a] + t * (g[b] - g[a])))
        assert margins and min(margins) < 1e-5, point
        # and the network evaluated at the point itself nearly ties its top two classes
        y = np.sort(scene.forward(point[None, :])[0])
        gaps.append(y[-1] - y[-2])
    typical_gap = np.median(ordered[:, :, -1] - ordered[:, :, -2])
    assert max(gaps) < 0.15 * typical_gap, (max(gaps), typical_gap)
    # every edge along which the winner changes is crossed
    changes = np.sum(winner[:, 1:] != winner[:, :-1]) + np.sum(winner[1:, :] != winner[:-1, :])
    on_edges = {tuple(sorted((edge_of(pt, gx, gy)[0], edge_of(pt, gx, gy)[1]))) for pt in points}
    assert len(on_edges) == changes


# ---------------------------------------------------------------------- hidden-unit lines
def test_the_hidden_unit_lines_are_where_each_first_layer_activation_is_zero(qtbot):
    spec = ViewSpec((-1.5, 1.5), (-1.5, 1.5), 41, hidden_contours=True)
    scene = Scene(qtbot, "xor", NetworkConfig(hidden=(5, 3), output="sigmoid"), spec, scale=1.0)
    view = scene.view
    assert view.hidden_lines.getData()[0] is None or len(view.hidden_lines.getData()[0]) == 0  # off by default
    view.set_show_hidden(True)
    points = end_points(view.hidden_lines)
    W, b = scene.net.weights[0], scene.net.biases[0]
    a = points @ W + b  # (points, units): a_j at each end point, computed directly
    nearest = np.argmin(np.abs(a), axis=1)
    assert np.all(np.abs(a[np.arange(len(points)), nearest]) < 1e-9 * (1 + np.abs(b).max()))
    # every unit whose line a_j = 0 crosses the view has its line drawn: a point on each edge it crosses
    gx, gy, X = scene.grid()
    for j in range(W.shape[1]):
        aj = X @ W[:, j] + b[j]
        if aj.min() < 0 < aj.max():
            assert crossed_edges(aj.reshape(len(gy), len(gx)), 0.0) == len(np.unique(points[nearest == j], axis=0)), j
    view.set_show_hidden(False)
    x, _ = view.hidden_lines.getData()
    assert x is None or len(x) == 0


# ---------------------------------------------------------------------- Bayes boundary
def test_the_bayes_boundary_is_where_the_true_posterior_is_one_half(qtbot):
    spec = ViewSpec((-2.0, 2.0), (-2.0, 3.0), 51)
    scene = Scene(qtbot, "prml_synthetic", TWO_CLASS, spec, n=100)
    posterior = scene.document.dataset.bayes_posterior
    assert posterior is not None
    gx, gy, X = scene.grid()
    p = posterior(X).reshape(len(gy), len(gx))
    check_level_set(end_points(scene.view.bayes), p, gx, gy, 0.5, tol=1e-9)
    scene.view.set_show_bayes(False)
    x, _ = scene.view.bayes.getData()
    assert x is None or len(x) == 0


# ---------------------------------------------------------------------- shading
def test_two_class_shading_follows_the_probability_and_discretised_the_winner(qtbot):
    scene = Scene(qtbot, "xor", TWO_CLASS, SPEC)
    view = scene.view
    p1 = scene.probabilities()[:, :, 1]
    np.testing.assert_allclose(view.image.image, p1, atol=1e-6)
    theme = current_theme()
    neutral = theme.neutral_rgb() * 255
    c0, c1 = theme.class_rgb(2) * 255
    image = only_the_shading(view)
    gx, gy = scene.frame.grid_x, scene.frame.grid_y
    labels = np.digitize(p1, [0.1, 0.4, 0.6, 0.9])  # cells with no steep change around them
    cells = interior_cells(labels)
    assert len(cells) > 50
    for i, j in cells:
        v = float(p1[i, j])
        # neutral at p = 1/2, moving linearly towards the colour of the more probable class
        expected = mixed(neutral, c1 if v >= 0.5 else c0, SHADE_STRENGTH * abs(2 * v - 1))
        assert np.all(np.abs(pixel_at(view, image, gx[j], gy[i]) - expected) <= 4), (i, j, v)

    view.set_discretize(True)
    np.testing.assert_array_equal(view.image.image, (p1 >= 0.5).astype(np.float32))
    image = view.grab().toImage()
    for i, j in interior_cells((p1 >= 0.5).astype(int), step=2):
        expected = mixed(neutral, c1 if p1[i, j] >= 0.5 else c0, SHADE_STRENGTH)
        assert np.all(np.abs(pixel_at(view, image, gx[j], gy[i]) - expected) <= 1), (i, j)


@pytest.mark.parametrize("discretize", [False, True])
def test_three_class_shading_blends_class_colours_by_probability(qtbot, discretize):
    scene = Scene(qtbot, "blobs", NetworkConfig(hidden=(6,), output="softmax"), SPEC, n_classes=3, seed=7)
    view = scene.view
    view.set_discretize(discretize)
    p = scene.probabilities()
    K = 3
    theme = current_theme()
    neutral, colors = theme.neutral_rgb(), theme.class_rgb(K)
    winner = np.argmax(p, axis=2)
    if discretize:  # the winner's colour at full strength
        expected = neutral + SHADE_STRENGTH * (colors[winner] - neutral)
    else:  # the colours mixed by p, faded to neutral where the network is undecided (max p = 1/K)
        confidence = (p.max(axis=2) - 1 / K) / (1 - 1 / K)
        expected = neutral + SHADE_STRENGTH * confidence[:, :, None] * (p @ colors - neutral)
    expected *= 255
    assert np.max(np.abs(view.image.image.astype(float) - expected)) <= 1.0
    image = only_the_shading(view)
    gx, gy = scene.frame.grid_x, scene.frame.grid_y
    labels = winner if discretize else np.digitize(p.max(axis=2), [0.5, 0.8, 0.95]) * 3 + winner
    cells = interior_cells(labels)
    assert len(cells) > 30 and len({winner[c] for c in cells}) == 3
    for i, j in cells:
        assert np.all(np.abs(pixel_at(view, image, gx[j], gy[i]) - expected[i, j]) <= 6), (i, j)


# ---------------------------------------------------------------------- regression and the MDN
def test_regression_curves_are_the_network_along_x(qtbot):
    spec = ViewSpec((-0.2, 1.2), (-1.5, 1.5), 40, hidden_contours=True)
    scene = Scene(qtbot, "sinusoid", NetworkConfig(hidden=(4,), output="linear"), spec, scale=1.0)
    scene.view.set_show_hidden(True)
    gx = scene.frame.grid_x
    x, y = scene.view.output_curves[0].getData()
    np.testing.assert_array_equal(x, gx)
    np.testing.assert_allclose(y, scene.forward(gx[:, None])[:, 0], rtol=1e-6, atol=1e-6)
    z1 = np.tanh(gx[:, None] @ scene.net.weights[0] + scene.net.biases[0])  # first-layer outputs
    for j, curve in enumerate(scene.view.hidden_curves[:4]):
        np.testing.assert_allclose(curve.getData()[1], z1[:, j], rtol=1e-6, atol=1e-6)


def test_the_mdn_mean_mode_and_density_are_the_mixture_of_the_network(qtbot):
    spec = ViewSpec((-0.2, 1.2), (-0.1, 1.1), 40)
    scene = Scene(qtbot, "inverse_problem", NetworkConfig(hidden=(5,), output="mdn", n_components=3),
                  spec, scale=1.2, seed=3)
    view, frame = scene.view, scene.frame
    gx, gy = frame.grid_x, frame.grid_y
    pi, mu, sigma = scene.forward(gx[:, None])  # (nx, K), (nx, K, 1), (nx, K)
    mean = np.sum(pi * mu[:, :, 0], axis=1)
    mode = mu[np.arange(len(gx)), np.argmax(pi, axis=1), 0]
    assert not np.allclose(mean, mode, atol=1e-2)  # the two curves differ somewhere
    x, y = view.mean_curve.getData()
    np.testing.assert_array_equal(x, gx)
    np.testing.assert_allclose(y, mean, rtol=1e-6, atol=1e-9)
    x, y = view.mode_curve.getData()
    np.testing.assert_array_equal(x, gx)
    np.testing.assert_allclose(y, mode, rtol=1e-6, atol=1e-9)
    t = gy[:, None, None]
    density = np.sum(pi * np.exp(-0.5 * ((t - mu[None, :, :, 0]) / sigma) ** 2) / (np.sqrt(2 * np.pi) * sigma), axis=2)
    np.testing.assert_allclose(view.image.image, density, rtol=1e-5, atol=1e-6)
