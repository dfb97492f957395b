"""One point's backpropagation (core/backprop_trace.py) against net.gradient and finite differences."""

import numpy as np
import pytest

from playground.core import MLP
from playground.core.backprop_trace import trace

CASES = [
    ("sigmoid", "tanh", np.array([1.0])),
    ("linear", "tanh", np.array([0.3, -1.2])),
    ("softmax", "sin", np.array([0.0, 1.0, 0.0])),
]


@pytest.mark.parametrize("output,hidden,t", CASES)
def test_the_traced_dE_dw_is_the_single_point_gradient(output, hidden, t):
    net = MLP([2, 3, 4, t.size], hidden=hidden, output=output, seed=3)
    x = np.array([0.4, -0.8])
    result = trace(net, x, t)
    E, g = net.gradient(x[None], t[None])
    assert result.error == pytest.approx(E, rel=1e-12)
    np.testing.assert_allclose(result.flat_gradient(), g, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("output,hidden,t", CASES)
def test_each_delta_is_dE_da_by_central_differences(output, hidden, t):
    """delta_j = dE/da_j (5.51): nudging unit j's bias nudges a_j by the same amount."""
    net = MLP([2, 3, 4, t.size], hidden=hidden, output=output, seed=4)
    x = np.array([-0.3, 0.9])
    result = trace(net, x, t)
    eps = 1e-6
    for layer, delta in enumerate(result.delta):
        for j in range(delta.size):
            saved = net.biases[layer][j]
            net.biases[layer][j] = saved + eps
            up = net.error(x[None], t[None])
            net.biases[layer][j] = saved - eps
            down = net.error(x[None], t[None])
            net.biases[layer][j] = saved
            assert delta[j] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-9)


def test_link_gradients_are_delta_times_z_and_match_finite_differences():
    net = MLP([2, 3, 1], output="sigmoid", seed=5)
    x, t = np.array([0.5, 0.2]), np.array([0.0])
    result = trace(net, x, t)
    np.testing.assert_allclose(result.grad_w[1], np.outer(result.z[1], result.delta[1]))  # 5.53
    eps = 1e-6
    for i in range(2):
        for j in range(3):
            saved = net.weights[0][i, j]
            net.weights[0][i, j] = saved + eps
            up = net.error(x[None], t[None])
            net.weights[0][i, j] = saved - eps
            down = net.error(x[None], t[None])
            net.weights[0][i, j] = saved
            assert result.grad_w[0][i, j] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-10)


def test_the_input_jacobian_matches_finite_differences():
    net = MLP([2, 5, 2], output="linear", seed=6)
    x = np.array([0.1, -0.4])
    J = trace(net, x, np.zeros(2)).jacobian
    eps = 1e-6
    for i in range(2):
        step = np.zeros(2)
        step[i] = eps
        column = (net.forward((x + step)[None]) - net.forward((x - step)[None]))[0] / (2 * eps)
        np.testing.assert_allclose(J[:, i], column, rtol=1e-6, atol=1e-9)


def test_the_forward_values_are_the_networks():
    net = MLP([2, 3, 1], output="sigmoid", seed=7)
    x = np.array([0.7, 0.7])
    result = trace(net, x, np.array([1.0]))
    np.testing.assert_allclose(result.z[1], net.hidden_outputs(x[None])[0][0])
    np.testing.assert_allclose(result.z[-1], net.forward(x[None])[0])
