"""Early stopping against weight decay in weight space (PRML fig. 5.13)."""

import numpy as np
import pytest

from playground.core import MLP, fit, hessian
from playground.core.trajectory import early_stopping_vs_weight_decay, project


def data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 1))
    return X, np.sin(3 * X) + 0.3 * rng.normal(size=X.shape)


@pytest.fixture(scope="module")
def figure():
    X, T = data(15, 0)
    net = MLP([1, 8, 1], seed=0)
    w0 = net.w.copy()
    fig = early_stopping_vs_weight_decay(net, X, T, data(15, 1), l2=0.05, epochs=3000, patience=50,
                                         optimizer="gd", lr=0.2, grid=21)
    assert np.array_equal(net.w, w0)  # the network is left as it was
    return net, X, T, fig


def test_both_runs_start_at_the_same_weights_and_end_where_they_say(figure):
    net, X, T, fig = figure
    stopped, decayed = fig.paths
    assert np.array_equal(stopped.weights[0], net.w) and np.array_equal(decayed.weights[0], net.w)
    assert np.allclose(fig.projected[0][0], fig.projected[1][0])
    assert "Early stopping" in stopped.message and stopped.end_epoch < 3000
    assert np.array_equal(stopped.end, stopped.weights[-1]) and len(stopped.weights) == stopped.end_epoch + 1
    assert decayed.end_epoch == 3000 and np.array_equal(decayed.end, fig.center)
    assert np.allclose(fig.ends[1], 0.0) and np.allclose(fig.ends[0], project(stopped.end, fig.center, fig.directions))
    # both ends are shrunk towards the start compared with the unregularised minimum (fig. 5.13)
    ml = net.copy()
    fit(ml, X, T, optimizer="gd", lr=0.2, epochs=3000)
    distance = lambda w: np.linalg.norm(w - net.w)  # noqa: E731
    assert distance(stopped.end) < distance(ml.w) and distance(decayed.end) < distance(ml.w)


def test_the_plane_is_spanned_by_the_leading_hessian_eigenvectors_at_the_end(figure):
    net, X, T, fig = figure
    work = net.copy()
    work.w[:] = fig.center
    H = hessian.exact(work, X, T)
    U = fig.directions
    assert np.allclose(U @ U.T, np.eye(2), atol=1e-10)
    for u, lam in zip(U, fig.eigenvalues):
        assert np.allclose(H @ u, lam * u, atol=1e-8 * max(1.0, abs(lam)))
    assert fig.eigenvalues[0] >= fig.eigenvalues[1] >= np.linalg.eigvalsh(H)[-3] - 1e-9


def test_the_error_surface_is_the_data_error_over_the_plane(figure):
    net, X, T, fig = figure
    work = net.copy()
    for i, j in ((0, 0), (10, 5), (20, 20)):
        work.w[:] = fig.center + fig.grid_a[j] * fig.directions[0] + fig.grid_b[i] * fig.directions[1]
        assert fig.error[i, j] == pytest.approx(work.error(X, T) / len(X), rel=1e-12)
    every = np.vstack(fig.projected)
    assert fig.grid_a[0] < every[:, 0].min() and every[:, 0].max() < fig.grid_a[-1]
    assert fig.grid_b[0] < every[:, 1].min() and every[:, 1].max() < fig.grid_b[-1]


def test_it_needs_validation_points_and_a_decay_and_can_be_cancelled():
    X, T = data(10, 0)
    net = MLP([1, 3, 1], seed=0)
    with pytest.raises(ValueError, match="validation"):
        early_stopping_vs_weight_decay(net, X, T, None, l2=0.1)
    with pytest.raises(ValueError, match="lambda"):
        early_stopping_vs_weight_decay(net, X, T, data(5, 1), l2=0.0)
    calls = []
    assert early_stopping_vs_weight_decay(net, X, T, data(5, 1), l2=0.1, epochs=100,
                                          progress=lambda d, t: calls.append(d) or False) is None
    assert calls == [0]
