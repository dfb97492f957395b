"""Gradient and input Jacobian of every activation x head against finite differences."""

import numpy as np
import pytest

from core.gradcheck import numerical_gradient, numerical_jacobian, relative_error
from playground.core import ACTIVATION_NAMES, MLP

HEADS = ["linear", "sigmoid", "softmax", "mdn"]


def make_problem(activation, head, seed=0, n=7):
    rng = np.random.default_rng(seed)
    if head == "mdn":
        net = MLP([2, 4, 3, 2], hidden=[activation, "tanh"], output="mdn", n_components=3, seed=seed,
                  init="gaussian", init_scale=0.6)
        T = rng.normal(size=(n, 2))
    else:
        K = 3 if head in ("softmax", "sigmoid") else 2
        net = MLP([2, 4, 3, K], hidden=[activation, "tanh"], output=head, seed=seed, init="gaussian",
                  init_scale=0.8)
        if head == "softmax":
            T = rng.integers(0, K, n)
        elif head == "sigmoid":
            T = rng.integers(0, 2, (n, K)).astype(float)
        else:
            T = rng.normal(size=(n, K))
    # swap the activation order too, so that each activation is also a deeper layer
    X = rng.normal(size=(n, 2))
    return net, X, T


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_gradient_matches_finite_differences(activation, head):
    for hidden_order in (0, 1):
        net, X, T = make_problem(activation, head, seed=3 + hidden_order)
        if hidden_order:
            net = MLP(net.sizes, hidden=["tanh", activation], output=head, n_components=net.n_components,
                      init="gaussian", init_scale=0.8, seed=5)
        E, g = net.gradient(X, T)
        assert E == pytest.approx(net.error(X, T))

        def error_at(w):
            net.w[:] = w
            return net.error(X, T)

        w0 = net.w.copy()
        g_fd = numerical_gradient(error_at, w0)
        net.w[:] = w0
        assert relative_error(g, g_fd) < 1e-6, (activation, head, hidden_order)


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_jacobian_matches_finite_differences(activation, head):
    net, X, _ = make_problem(activation, head, seed=11)
    J = net.jacobian(X)

    def flat_outputs(Xp):
        return net.head.output_flat(net.output_activations(Xp))

    J_fd = numerical_jacobian(flat_outputs, X)  # (N, P, N, D): only the diagonal n = n' is non-zero
    n = X.shape[0]
    J_fd_diag = J_fd[np.arange(n), :, np.arange(n), :]
    assert J.shape == (n, net.head.n_units, 2)
    assert relative_error(J, J_fd_diag) < 1e-6, (activation, head)


@pytest.mark.parametrize("head", HEADS)
def test_head_curvature_matches_finite_differences(head):
    """M = d2E/da da' of each head, and the M v product used by the R-operator."""
    rng = np.random.default_rng(2)
    net, X, T = make_problem("tanh", head, seed=2)
    H = net.head
    Tp = H.prepare_targets(T)
    a = rng.normal(size=(X.shape[0], H.n_units)) * 0.7
    M = H.curvature(a, Tp)

    def delta_at(av):
        return H.error_and_delta(av, Tp)[1]

    M_fd = numerical_jacobian(delta_at, a)  # (N, P, N, P)
    n = a.shape[0]
    M_fd_diag = M_fd[np.arange(n), :, np.arange(n), :]
    assert relative_error(M, M_fd_diag) < 1e-6
    assert np.allclose(M, np.transpose(M, (0, 2, 1)), atol=1e-12)
    V = rng.normal(size=a.shape)
    assert relative_error(H.curvature_vector(a, Tp, V), np.einsum("npq,nq->np", M, V)) < 1e-12


@pytest.mark.parametrize("head", HEADS)
def test_head_delta_matches_error_derivative(head):
    rng = np.random.default_rng(4)
    net, X, T = make_problem("tanh", head, seed=4)
    H = net.head
    Tp = H.prepare_targets(T)
    a = rng.normal(size=(X.shape[0], H.n_units))
    D = H.error_and_delta(a, Tp)[1]
    D_fd = numerical_jacobian(lambda av: H.error(av, Tp), a)
    assert relative_error(D, D_fd) < 1e-6
