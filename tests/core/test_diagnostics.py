"""Per-layer diagnostics against a direct computation, and the lecture's deep-tanh demo."""

import numpy as np
import pytest

from core.gradcheck import numerical_gradient
from playground.core import MLP
from playground.core.diagnostics import deep_tanh_demo, layer_diagnostics, max_points_for, sample_rows


def test_layer_statistics_match_a_direct_computation():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2)) * 3
    T = rng.normal(size=(50, 1))
    net = MLP([2, 6, 5, 4, 1], hidden=["tanh", "relu", "sigmoid"], init="gaussian", init_scale=1.5, seed=1)
    d = layer_diagnostics(net, X, T, bins=10)
    # direct: the layers by hand
    a1 = X @ net.weights[0] + net.biases[0]
    z1 = np.tanh(a1)
    a2 = z1 @ net.weights[1] + net.biases[1]
    z2 = np.maximum(a2, 0)
    a3 = z2 @ net.weights[2] + net.biases[2]
    z3 = 1 / (1 + np.exp(-a3))
    tanh, relu, sigmoid = d.layers
    assert tanh.mean == pytest.approx(z1.mean()) and tanh.std == pytest.approx(z1.std())
    assert tanh.saturated == pytest.approx(np.mean(np.abs(z1) > 0.99)) and tanh.dead is None
    assert np.array_equal(tanh.counts, np.histogram(z1, bins=10, range=(-1, 1))[0])
    assert relu.dead == pytest.approx(np.mean(np.all(a2 <= 0, axis=0))) and relu.saturated is None
    assert relu.counts.sum() == z2.size
    assert sigmoid.saturated == pytest.approx(np.mean((z3 < 0.01) | (z3 > 0.99)))
    assert 0 < tanh.saturated < 1  # the case is not trivial
    # gradient norms: of each weight matrix, from central finite differences of E / N
    w0 = net.w.copy()

    def mean_error(w):
        net.w[:] = w
        return net.error(X, T) / len(X)

    gW, _ = net.unpack(numerical_gradient(mean_error, w0))
    net.w[:] = w0
    assert d.gradient_norms == pytest.approx([np.linalg.norm(W) for W in gW], rel=1e-6)


def test_a_dead_relu_is_one_that_is_off_on_every_point():
    net = MLP([1, 3, 1], hidden="relu", seed=0)
    net.weights[0][:] = [[1.0, -1.0, 0.0]]
    net.biases[0][:] = [0.0, 0.0, -1.0]  # unit 3 is always off; units 1 and 2 each on for half the points
    X = np.linspace(-1, 1, 20)[:, None]
    (layer,) = layer_diagnostics(net, X).layers
    assert layer.dead == pytest.approx(1 / 3)


def test_sample_rows_cap_the_work():
    net = MLP([2, 256, 256, 1], seed=0)
    limit = max_points_for(net)
    assert 16 <= limit < 100
    rows = sample_rows(10_000, limit)
    assert len(rows) == limit and rows[0] == 0 and rows[-1] == 9_999
    assert sample_rows(10, limit) == slice(None)


def test_the_lecture_demo_collapses_saturates_or_keeps_the_signal():
    # a smaller version of the lecture's 10 x 500 stack (same behaviour, a test's time)
    small = deep_tanh_demo("small", layers=10, units=64, n_points=200)[1]
    large = deep_tanh_demo("large", layers=10, units=64, n_points=200)[1]
    xavier = deep_tanh_demo("xavier", layers=10, units=64, n_points=200)[1]
    assert small.layers[-1].std < 1e-6 < small.layers[0].std  # the outputs collapse to 0
    assert min(s.saturated for s in large.layers) > 0.6  # the units saturate
    assert 0.1 < xavier.layers[-1].std and max(s.saturated for s in xavier.layers) < 0.1
    # the gradients of the small init vanish: decades below Xavier's at every layer
    assert np.all(small.gradient_norms < 1e-3 * xavier.gradient_norms)
    with pytest.raises(ValueError, match="demo init"):
        deep_tanh_demo("huge")
