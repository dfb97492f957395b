"""The Hessian lab's mathematics (PRML 5.4): exact Hessian, R-operator, approximations, spectra."""

import numpy as np
import pytest

from core.gradcheck import numerical_gradient, relative_error
from playground.core import ACTIVATION_NAMES, MLP, Objective, Regularization, hessian

HEADS = ["linear", "sigmoid", "softmax", "mdn"]
trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2 has only trapz


def targets_for(head, K, n, rng):
    if head == "softmax":
        return rng.integers(0, K, n)
    if head == "sigmoid":
        return rng.integers(0, 2, (n, K)).astype(float)
    return rng.normal(size=(n, K))


def make_net(sizes, head, hidden="tanh", seed=0, scale=0.8, n=6):
    """A small network with its data; for "mdn", ``sizes[-1]`` is the target dimension L (K = 2)."""
    rng = np.random.default_rng(seed)
    comps = 2 if head == "mdn" else None
    net = MLP(sizes, hidden=hidden, output=head, n_components=comps, seed=seed, init="gaussian",
              init_scale=0.6 if head == "mdn" else scale)
    X = rng.normal(size=(n, sizes[0]))
    return net, X, targets_for(head, sizes[-1], n, rng)


def default_size(head):
    return {"linear": 2, "sigmoid": 2, "softmax": 3, "mdn": 1}[head]


def hessian_by_columns(net, X, T, **kw):
    """H e_i for every i by the R-operator (independent of ``exact``'s block recursion)."""
    eye = np.eye(net.n_params)
    return np.column_stack([hessian.hvp(net, X, T, e, **kw) for e in eye])


# ---------------------------------------------------------------------------- exact and hvp
@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_exact_and_hvp_match_finite_differences(activation, head):
    K = default_size(head)
    for position, hidden in enumerate(([activation, "tanh"], ["tanh", activation])):
        net, X, T = make_net([2, 4, 3, K], head, hidden=hidden, seed=3 + position)
        H = hessian.exact(net, X, T)
        H_fd = hessian.finite_difference(net, X, T, method="gradients")
        assert H.shape == (net.n_params, net.n_params)
        assert relative_error(H, H_fd) < 1e-5, (activation, head, position)
        v = np.random.default_rng(1).normal(size=net.n_params)
        assert relative_error(hessian.hvp(net, X, T, v), H @ v) < 1e-5, (activation, head, position)


@pytest.mark.parametrize("head", HEADS)
def test_exact_without_hidden_layers(head):
    net, X, T = make_net([2, default_size(head)], head, hidden=[])
    H = hessian.exact(net, X, T)
    assert relative_error(H, hessian.finite_difference(net, X, T)) < 1e-5
    v = np.random.default_rng(2).normal(size=net.n_params)
    assert relative_error(hessian.hvp(net, X, T, v), H @ v) < 1e-10


@pytest.mark.parametrize("head", HEADS)
def test_exact_with_three_hidden_layers(head):
    net, X, T = make_net([2, 3, 4, 3, default_size(head)], head, hidden=["sin", "softplus", "tanh"], seed=5)
    H = hessian.exact(net, X, T)
    assert relative_error(H, hessian.finite_difference(net, X, T)) < 1e-5
    assert relative_error(H, hessian_by_columns(net, X, T)) < 1e-10


def test_exact_deep_and_wide_equals_r_operator_columns():
    """Eight hidden layers, and layers wide enough for the matrix-product path of the block recursion."""
    net, X, T = make_net([2] + [3] * 8 + [2], "softmax", hidden=["tanh", "sigmoid", "swish", "elu", "sin",
                                                                    "gaussian", "softplus", "linear"], seed=6)
    assert relative_error(hessian.exact(net, X, T), hessian_by_columns(net, X, T)) < 1e-10
    net, X, T = make_net([2, 3, 14, 13, 2], "mdn", hidden=["tanh", "sin", "sigmoid"], seed=7, n=5)
    assert relative_error(hessian.exact(net, X, T), hessian_by_columns(net, X, T)) < 1e-10


def test_exact_is_symmetric_and_matches_error_differences():
    net, X, T = make_net([2, 3, 2], "sigmoid", hidden="tanh", seed=8, n=5)
    H = hessian.exact(net, X, T)
    assert np.array_equal(H, H.T)
    assert relative_error(H, hessian.finite_difference(net, X, T, method="errors")) < 1e-5
    net, X, T = make_net([2, 2, 2, 3], "softmax", hidden=["sigmoid", "elu"], seed=9, n=4)
    assert relative_error(hessian.exact(net, X, T), hessian.finite_difference(net, X, T, method="errors")) < 1e-5


def test_chunked_computation_equals_unchunked(monkeypatch):
    """Tiny memory budget: many point chunks and row chunks must give the same matrices."""
    net, X, T = make_net([2, 5, 4, 3, 3], "softmax", hidden=["tanh", "sin", "sigmoid"], seed=10, n=23)
    reference = {
        "exact": hessian.exact(net, X, T),
        "outer": hessian.outer_product(net, X, T),
        "diag": hessian.diagonal(net, X, T),
        "inverse": hessian.outer_product_inverse(net, X, T, 0.7),
    }
    monkeypatch.setattr(hessian, "_CHUNK_BYTES", 3000)
    assert relative_error(hessian.exact(net, X, T), reference["exact"]) < 1e-13
    assert relative_error(hessian.outer_product(net, X, T), reference["outer"]) < 1e-13
    assert relative_error(hessian.diagonal(net, X, T), reference["diag"]) < 1e-13
    assert relative_error(hessian.outer_product_inverse(net, X, T, 0.7), reference["inverse"]) < 1e-12


# ---------------------------------------------------------------------------- regularisation
@pytest.mark.parametrize(
    "reg",
    [Regularization(l2=0.3), Regularization(l2_groups={"w1": 0.2, "b1": 0.0, "w2": 0.5, "b2": 0.1}),
     Regularization(l2=0.3, l1=0.05)],
    ids=["l2", "l2_groups", "l2+l1"],
)
def test_regularised_curvature(reg):
    net, X, T = make_net([2, 4, 3, 2], "sigmoid", hidden="tanh", seed=11)
    lam = reg.bind(net).lam
    H0 = hessian.exact(net, X, T)
    H = hessian.exact(net, X, T, regularization=reg)
    assert relative_error(H, H0 + np.diag(lam)) < 1e-14
    assert relative_error(hessian.exact(net, X, T, regularization=reg.bind(net)), H) == 0.0
    # finite differences of the gradient of E + Omega, as the trainer's Objective computes it
    # (L2 part only: L1's |w| has no curvature away from 0, and Objective's subgradient is piecewise constant)
    smooth = Regularization(l2=reg.l2, l2_groups=reg.l2_groups)
    objective = Objective(net, net.check_inputs(X), net.head.prepare_targets(T), smooth.bind(net))
    w0 = net.w.copy()

    def grad_component(i):
        def f(w):
            g = np.empty_like(w)
            objective.value_and_gradient(w, g)
            return g[i]
        return f

    H_fd = np.array([numerical_gradient(grad_component(i), w0, eps=1e-5) for i in range(net.n_params)])
    net.w[:] = w0
    assert relative_error(H, H_fd) < 1e-6
    assert relative_error(hessian.finite_difference(net, X, T, regularization=reg), H) < 1e-6
    assert relative_error(hessian.finite_difference(net, X, T, method="errors", regularization=reg), H) < 1e-5
    v = np.random.default_rng(0).normal(size=net.n_params)
    assert relative_error(hessian.hvp(net, X, T, v, regularization=reg), H @ v) < 1e-12
    assert relative_error(hessian.diagonal(net, X, T, regularization=reg), hessian.diagonal(net, X, T) + lam) < 1e-14
    G = hessian.outer_product(net, X, T)
    assert relative_error(hessian.outer_product(net, X, T, regularization=reg), G + np.diag(lam)) < 1e-14
    assert relative_error(hessian.gauss_newton_vector(net, X, T, v, regularization=reg), (G + np.diag(lam)) @ v) < 1e-12
    inverse = hessian.outer_product_inverse(net, X, T, 0.5, regularization=reg)
    assert relative_error(inverse, np.linalg.inv(0.5 * np.eye(net.n_params) + np.diag(lam) + G)) < 1e-10


def test_l1_alone_adds_no_curvature():
    net, X, T = make_net([2, 3, 1], "linear", seed=12)
    assert np.array_equal(hessian.exact(net, X, T, regularization=Regularization(l1=0.5)), hessian.exact(net, X, T))


def test_bad_regularization_is_rejected():
    net, X, T = make_net([2, 3, 1], "linear", seed=12)
    with pytest.raises(TypeError):
        hessian.exact(net, X, T, regularization=0.1)
    other = MLP([2, 5, 1])
    with pytest.raises(ValueError, match="bound to"):
        hessian.exact(net, X, T, regularization=Regularization(l2=0.1).bind(other))


# ---------------------------------------------------------------------------- outer product
def test_outer_product_is_exact_at_zero_residual():
    for hidden in ("tanh", "sigmoid", "sin"):
        net, X, _ = make_net([2, 4, 3, 2], "linear", hidden=hidden, seed=13)
        T = net.forward(X)  # zero residual: the delta-weighted second-derivative terms vanish
        assert relative_error(hessian.outer_product(net, X, T), hessian.exact(net, X, T)) < 1e-12
        T_off = T + np.random.default_rng(0).normal(size=T.shape)
        assert relative_error(hessian.outer_product(net, X, T_off), hessian.exact(net, X, T_off)) > 1e-3


@pytest.mark.parametrize("head", HEADS)
def test_outer_product_is_exact_without_hidden_layers(head):
    net, X, T = make_net([2, default_size(head)], head, hidden=[], seed=14)
    assert relative_error(hessian.outer_product(net, X, T), hessian.exact(net, X, T)) < 1e-12
    net, X, T = make_net([2, 3, default_size(head)], head, hidden="tanh", seed=14)
    assert relative_error(hessian.outer_product(net, X, T), hessian.exact(net, X, T)) > 1e-3


@pytest.mark.parametrize("head", HEADS)
def test_outer_product_is_sum_of_jacobian_products(head):
    net, X, T = make_net([2, 3, 4, default_size(head)], head, hidden=["tanh", "swish"], seed=15)
    J = hessian.weight_jacobian(net, X)
    assert J.shape == (X.shape[0], net.head.n_units, net.n_params)
    # J against finite differences of the output pre-activations
    w0 = net.w.copy()
    for n in range(2):
        for p in range(net.head.n_units):
            def a_np(w):
                net.w[:] = w
                return net.output_activations(X)[n, p]
            assert relative_error(J[n, p], numerical_gradient(a_np, w0)) < 1e-7
    net.w[:] = w0
    M = net.head.curvature(net.output_activations(X), net.head.prepare_targets(T))
    G = np.einsum("npi,npq,nqj->ij", J, M, J)
    assert relative_error(hessian.outer_product(net, X, T), G) < 1e-12
    v = np.random.default_rng(3).normal(size=net.n_params)
    assert relative_error(hessian.gauss_newton_vector(net, X, T, v), G @ v) < 1e-12


@pytest.mark.parametrize("head, K", [("linear", 1), ("linear", 2), ("sigmoid", 2), ("softmax", 3)])
def test_outer_product_inverse_equals_inverse(head, K):
    net, X, T = make_net([2, 4, K], head, hidden="tanh", seed=16, n=9)
    alpha = 0.3
    A = alpha * np.eye(net.n_params) + hessian.outer_product(net, X, T)
    assert relative_error(hessian.outer_product_inverse(net, X, T, alpha), np.linalg.inv(A)) < 1e-10


def test_outer_product_inverse_with_mixture_density_head():
    """Signed rank-1 terms: equal to the inverse while the running matrix stays positive definite."""
    net, X, T = make_net([2, 3, 1], "mdn", hidden="tanh", seed=17, n=5)
    alpha = 50.0
    A = alpha * np.eye(net.n_params) + hessian.outer_product(net, X, T)
    assert relative_error(hessian.outer_product_inverse(net, X, T, alpha), np.linalg.inv(A)) < 1e-10
    with pytest.raises(ValueError, match="positive definite"):
        hessian.outer_product_inverse(net, X, T, 1e-3)
    with pytest.raises(ValueError):
        hessian.outer_product_inverse(net, X, T, 0.0)


# ---------------------------------------------------------------------------- diagonal
@pytest.mark.parametrize("head", ["linear", "sigmoid"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "sin", "softplus", "gaussian", "swish"])
def test_diagonal_is_exact_for_one_hidden_layer_and_one_output(activation, head):
    net, X, T = make_net([2, 5, 1], head, hidden=activation, seed=18)
    exact_diag = np.diag(hessian.exact(net, X, T))
    full = hessian.diagonal(net, X, T, variant="full")
    assert relative_error(full, exact_diag) < 1e-12
    assert relative_error(hessian.diagonal(net, X, T, variant="drop_offdiag"), full) < 1e-14


@pytest.mark.parametrize("head", ["softmax", "mdn"])
def test_full_diagonal_keeps_the_output_block_for_several_outputs(head):
    net, X, T = make_net([2, 5, default_size(head)], head, hidden="tanh", seed=19)
    exact_diag = np.diag(hessian.exact(net, X, T))
    assert relative_error(hessian.diagonal(net, X, T, variant="full"), exact_diag) < 1e-12
    assert relative_error(hessian.diagonal(net, X, T, variant="drop_offdiag"), exact_diag) > 1e-3


@pytest.mark.parametrize("head", HEADS)
def test_diagonal_of_deeper_networks(head):
    net, X, T = make_net([2, 4, 3, 3, default_size(head)], head, hidden=["tanh", "sigmoid", "sin"], seed=20)
    exact_diag = np.diag(hessian.exact(net, X, T))
    starts = hessian._layer_starts(net)
    for variant in ("full", "drop_offdiag"):
        d = hessian.diagonal(net, X, T, variant=variant)
        assert d.shape == (net.n_params,) and np.all(np.isfinite(d))
        # the output layer's weights are exact for both variants ...
        assert relative_error(d[starts[-1]:], exact_diag[starts[-1]:]) < 1e-12
        # ... the layer into the top hidden layer also for "full"; lower layers are approximations
        if variant == "full":
            assert relative_error(d[starts[-2]:], exact_diag[starts[-2]:]) < 1e-12
        assert relative_error(d, exact_diag) > 1e-6
        assert relative_error(d, exact_diag) < 1.0
    with pytest.raises(ValueError, match="variant"):
        hessian.diagonal(net, X, T, variant="nope")


# ---------------------------------------------------------------------------- spectra
def spectral_problem():
    net, X, T = make_net([2, 6, 2], "softmax", hidden="tanh", seed=21, n=12)
    return net, X, T, hessian.exact(net, X, T)


def test_spectrum_and_eigenpairs():
    _, _, _, H = spectral_problem()
    values = hessian.spectrum(H)
    assert np.all(np.diff(values) >= 0)
    vals, vecs = hessian.eigenpairs(H)
    assert np.allclose(vals, values)
    assert relative_error(H @ vecs, vecs * vals) < 1e-12


@pytest.mark.parametrize("which", ["LA", "SA", "BE", "LM"])
def test_extreme_eigenpairs_match_dense_spectrum(which):
    net, X, T, H = spectral_problem()
    k = 4
    values, vectors = hessian.extreme_eigenpairs(net, X, T, k=k, which=which)
    dense = hessian.spectrum(H)
    expected = {"LA": dense[-k:], "SA": dense[:k], "BE": np.r_[dense[:2], dense[-2:]],
                "LM": np.sort(dense[np.argsort(np.abs(dense))[-k:]])}[which]
    assert values.shape == (k,) and vectors.shape == (net.n_params, k)
    assert np.allclose(values, expected, rtol=1e-8, atol=1e-8 * np.abs(dense).max())
    residual = np.linalg.norm(H @ vectors - vectors * values, axis=0)
    assert np.all(residual < 1e-6 * np.abs(dense).max())
    again = hessian.extreme_eigenpairs(net, X, T, k=k, which=which)
    assert np.array_equal(values, again[0])  # a fixed start vector: deterministic


def test_extreme_eigenpairs_dense_fallback_for_tiny_networks():
    net, X, T = make_net([1, 1, 1], "linear", seed=22)  # 4 weights
    values, vectors = hessian.extreme_eigenpairs(net, X, T, k=3, which="LA")
    dense = hessian.spectrum(hessian.exact(net, X, T))
    assert np.allclose(values, dense[-3:])
    with pytest.raises(ValueError):
        hessian.extreme_eigenpairs(net, X, T, which="XX")


def test_extreme_eigenpairs_with_regularization():
    net, X, T, H = spectral_problem()
    reg = Regularization(l2=2.0)
    values, _ = hessian.extreme_eigenpairs(net, X, T, k=2, which="SA", regularization=reg)
    assert np.allclose(values, hessian.spectrum(H)[:2] + 2.0, rtol=1e-8)


def test_trace_hutchinson_is_within_a_few_standard_errors():
    net, X, T, H = spectral_problem()
    estimate, se = hessian.trace_hutchinson(net, X, T, n_samples=200, seed=1)
    assert se > 0
    assert abs(estimate - np.trace(H)) < 4 * se
    reg = Regularization(l2=0.5)
    estimate_r, _ = hessian.trace_hutchinson(net, X, T, n_samples=200, seed=1, regularization=reg)
    assert estimate_r == pytest.approx(estimate + 0.5 * net.n_params)  # same probes, v^T v = W


def test_spectral_density_integrates_to_one_and_matches_eigenvalues():
    net, X, T, H = spectral_problem()
    W = net.n_params
    eigenvalues = hessian.spectrum(H)
    grid, density = hessian.spectral_density(net, X, T, n_probes=10, n_steps=30, seed=0)
    assert np.all(density >= 0)
    assert trapezoid(density, grid) == pytest.approx(1.0, abs=1e-3)
    mean = trapezoid(grid * density, grid)
    assert mean == pytest.approx(np.trace(H) / W, abs=0.25 * np.abs(eigenvalues).max() / np.sqrt(W))
    # with as many Lanczos steps as weights, the nodes are the exact eigenvalues, each of mean
    # weight 1/W: the density's distribution function follows the eigenvalues' one
    sigma = 0.02 * (eigenvalues[-1] - eigenvalues[0])
    grid, density = hessian.spectral_density(net, X, T, n_probes=60, n_steps=W, sigma=sigma, seed=1)
    smoothed = np.mean(np.exp(-0.5 * ((grid[:, None] - eigenvalues) / sigma) ** 2), axis=1) / (sigma * np.sqrt(2 * np.pi))
    cdf = np.cumsum(density) * (grid[1] - grid[0])
    cdf_exact = np.cumsum(smoothed) * (grid[1] - grid[0])
    assert np.max(np.abs(cdf - cdf_exact)) < 0.1
    assert trapezoid(np.abs(density - smoothed), grid) < 0.5


def test_condition_number_and_summary():
    assert hessian.condition_number([1.0, -4.0, 2.0]) == pytest.approx(4.0)
    assert hessian.condition_number([0.0, 1.0]) == np.inf
    assert hessian.condition_number([1e-20, 1.0]) == np.inf
    s = hessian.summarize([-1.0, 0.0, 1e-14, 2.0, 3.0])
    assert (s.n, s.n_negative, s.n_zero, s.n_positive) == (5, 1, 2, 2)
    assert s.trace == pytest.approx(4.0)
    assert s.condition_number == np.inf
    assert (s.min, s.max) == (-1.0, 3.0)
    with pytest.raises(Exception):
        s.n = 3  # frozen
    _, _, _, H = spectral_problem()
    summary = hessian.summarize(hessian.spectrum(H))
    assert summary.trace == pytest.approx(np.trace(H))
    assert summary.n == H.shape[0]


# ---------------------------------------------------------------------------- inputs untouched
def test_no_function_changes_the_network_or_the_data():
    net, X, T = make_net([2, 4, 3, 3], "softmax", hidden=["relu", "tanh"], seed=23)
    w0, X0, T0 = net.w.copy(), X.copy(), T.copy()
    v = np.ones(net.n_params)
    calls = [
        lambda: hessian.exact(net, X, T),
        lambda: hessian.hvp(net, X, T, v),
        lambda: hessian.gauss_newton_vector(net, X, T, v),
        lambda: hessian.diagonal(net, X, T),
        lambda: hessian.diagonal(net, X, T, variant="drop_offdiag"),
        lambda: hessian.outer_product(net, X, T),
        lambda: hessian.outer_product_inverse(net, X, T, 1.0),
        lambda: hessian.weight_jacobian(net, X),
        lambda: hessian.finite_difference(net, X, T),
        lambda: hessian.finite_difference(net, X, T, method="errors"),
        lambda: hessian.extreme_eigenpairs(net, X, T, k=2),
        lambda: hessian.trace_hutchinson(net, X, T, n_samples=5),
        lambda: hessian.spectral_density(net, X, T, n_probes=2, n_steps=5),
    ]
    for call in calls:
        call()
        assert np.array_equal(net.w, w0)
        assert np.array_equal(X, X0) and np.array_equal(T, T0)
    assert np.array_equal(v, np.ones(net.n_params))


def test_finite_difference_restores_weights_after_an_exception(monkeypatch):
    net, X, T = make_net([2, 3, 1], "linear", seed=24)
    w0 = net.w.copy()
    calls = {"n": 0}
    original = net.error_gradient

    def failing(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom")
        return original(*args)

    monkeypatch.setattr(net, "error_gradient", failing)
    with pytest.raises(RuntimeError):
        hessian.finite_difference(net, X, T)
    assert np.array_equal(net.w, w0)


def test_public_api():
    from playground.core import hessian as h

    net, X, T = make_net([2, 3, 1], "sigmoid", seed=25)
    T = (T > 0.5).astype(float)
    assert h.exact(net, X, T).shape == (net.n_params, net.n_params)
    with pytest.raises(ValueError):
        h.hvp(net, X, T, np.ones(3))
    with pytest.raises(ValueError):
        h.finite_difference(net, X, T, method="central")
