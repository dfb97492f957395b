"""Softmax heads with soft targets: rows that are not one-hot, and rows that do not sum to one.

E = -sum_n sum_k t_nk ln y_nk (PRML 5.24) for any non-negative T; its delta is
y_k sum_j t_j - t_k (5.18 only when rows sum to one) and its curvature (sum_j t_j)(diag y - y y^T).
Every derivative is checked against finite differences of the error itself.
"""

import numpy as np
import pytest
from scipy.special import log_softmax

from core.gradcheck import numerical_gradient, numerical_jacobian, relative_error
from playground.core import MLP, hessian

K = 3


def soft_targets(kind, n, rng):
    if kind == "rows_sum_to_one":  # probabilities, none one-hot
        T = rng.uniform(0.1, 1.0, (n, K))
        return T / T.sum(axis=1, keepdims=True)
    if kind == "rows_not_summing_to_one":  # sums from 0.3 to 2.5, one row all zero
        T = rng.uniform(0.1, 1.0, (n, K)) * rng.uniform(0.3, 2.5, (n, 1)) / K
        T[0] = 0.0
        return T
    raise ValueError(kind)


KINDS = ["rows_sum_to_one", "rows_not_summing_to_one"]


def make(kind, seed=0, n=7, sizes=(2, 4, 3, K)):
    rng = np.random.default_rng(seed)
    net = MLP(list(sizes), hidden="tanh", output="softmax", seed=seed, init="gaussian", init_scale=0.8)
    X = rng.normal(size=(n, sizes[0]))
    T = soft_targets(kind, n, rng)
    assert not np.allclose(T.sum(axis=1), 1.0) or kind == "rows_sum_to_one"
    return net, X, T


def direct_error(net, X, T):
    """-sum t ln y from the logits, written out independently of the head."""
    a = net.forward_pass(X).out
    return float(-np.sum(T * log_softmax(a, axis=1)))


@pytest.mark.parametrize("kind", KINDS)
def test_error_is_minus_sum_t_log_y(kind):
    net, X, T = make(kind)
    assert net.error(X, T) == pytest.approx(direct_error(net, X, T), rel=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_gradient_matches_finite_differences_of_the_error(kind):
    net, X, T = make(kind, seed=1)
    E, g = net.gradient(X, T)
    assert E == pytest.approx(direct_error(net, X, T), rel=1e-12)

    def f(w):
        net.w[:] = w
        return direct_error(net, X, T)

    w0 = net.w.copy()
    g_fd = numerical_gradient(f, w0)
    net.w[:] = w0
    assert relative_error(g, g_fd) < 1e-7


@pytest.mark.parametrize("kind", KINDS)
def test_head_delta_and_curvature_match_finite_differences(kind):
    net, X, T = make(kind, seed=2)
    head = net.head
    a = np.random.default_rng(5).normal(size=(X.shape[0], K)) * 2.0
    T = head.prepare_targets(T, X.shape[0])

    def row_error(a_flat):
        return float(-np.sum(T * log_softmax(a_flat.reshape(a.shape), axis=1)))

    E, delta = head.error_and_delta(a, T)
    assert E == pytest.approx(row_error(a.ravel()), rel=1e-12)
    assert relative_error(delta.ravel(), numerical_gradient(row_error, a.ravel())) < 1e-7

    # M_n = d delta_n / d a_n, one (K, K) block per point
    J = numerical_jacobian(lambda aa: head.error_and_delta(aa, T)[1], a)  # (N, K, N, K)
    M_fd = np.stack([J[n, :, n, :] for n in range(a.shape[0])])
    M = head.curvature(a, T)
    assert relative_error(M, M_fd) < 1e-7
    V = np.random.default_rng(6).normal(size=a.shape)
    assert relative_error(head.curvature_vector(a, T, V), np.einsum("nkj,nj->nk", M_fd, V)) < 1e-7


@pytest.mark.parametrize("kind", KINDS)
def test_exact_hessian_and_hvp_match_finite_differences(kind):
    net, X, T = make(kind, seed=3)
    H = hessian.exact(net, X, T)
    # second differences of the error (5.90): independent of the back-propagated gradient
    H_errors = hessian.finite_difference(net, X, T, eps=1e-4, method="errors")
    H_gradients = hessian.finite_difference(net, X, T, eps=1e-5, method="gradients")
    assert relative_error(H, H_errors) < 1e-5
    assert relative_error(H, H_gradients) < 1e-6
    for seed in range(3):
        v = np.random.default_rng(seed).normal(size=net.n_params)
        assert relative_error(hessian.hvp(net, X, T, v), H @ v) < 1e-10


@pytest.mark.parametrize("kind", KINDS)
def test_outer_product_and_diagonal_scale_with_the_row_sums(kind):
    """Without hidden layers the Hessian is sum_n s_n (diag y - y y^T) (x) x x^T: the Gauss-Newton
    form is exact there and the diagonal method is the diagonal of H."""
    net, X, T = make(kind, seed=4, sizes=(2, K))
    H = hessian.exact(net, X, T)
    assert relative_error(hessian.outer_product(net, X, T), H) < 1e-12
    assert relative_error(hessian.diagonal(net, X, T), np.diag(H)) < 1e-12
    assert relative_error(H, hessian.finite_difference(net, X, T, method="errors")) < 1e-5
