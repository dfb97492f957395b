"""The Hessian lab's report: every number checked against a direct computation with playground.core.hessian."""

import math

import numpy as np
import pytest

from core.test_hessian import HEADS, default_size, make_net
from playground.core import MLP, Regularization, hessian
from playground.core.hessian_lab import (
    COMPARISON_NAMES, HessianReport, HessianRequest, compute_report, parameter_blocks, parameter_name,
)


def report_for(net, X, T, **request):
    return compute_report(net, X, T, HessianRequest(**request), epoch=7)


# ---------------------------------------------------------------------------- spectrum and summary
@pytest.mark.parametrize("head", HEADS)
def test_dense_eigenvalues_and_summary_match_the_exact_hessian(head):
    net, X, T = make_net([2, 4, 3, default_size(head)], head, seed=1, n=12)
    report = report_for(net, X, T)
    H = hessian.exact(net, X, T)
    expected = np.linalg.eigvalsh(H)
    assert report.kind == "dense" and report.ok and not report.estimated
    assert report.matrix_name == "exact"
    np.testing.assert_allclose(report.eigenvalues, expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())
    assert np.all(np.diff(report.eigenvalues) >= 0)
    np.testing.assert_allclose(report.matrix, H, rtol=0, atol=1e-12 * np.abs(H).max())
    s = report.summary
    scale = np.abs(expected).max()
    assert s.n == net.n_params == report.n_weights
    assert s.n_negative == int(np.sum(expected < -1e-10 * scale))
    assert s.n_positive == int(np.sum(expected > 1e-10 * scale))
    assert s.trace == pytest.approx(np.trace(H))
    assert (s.min, s.max) == pytest.approx((expected[0], expected[-1]))
    magnitudes = np.abs(expected)
    if magnitudes.min() > net.n_params * np.finfo(float).eps * magnitudes.max():
        assert s.condition_number == pytest.approx(magnitudes.max() / magnitudes.min(), rel=1e-6)
    np.testing.assert_array_equal(report.negative_mask(), report.eigenvalues < -1e-10 * scale)
    assert report.epoch == 7 and report.n_points == 12 and report.seconds > 0 and report.message == ""
    assert report.request == HessianRequest()
    assert report.comparison is None and report.surface is None and report.density is None


def test_outer_product_matrix_and_regularization():
    net, X, T = make_net([2, 4, 2], "sigmoid", seed=2, n=10)
    reg = Regularization(l2=0.3).bind(net)
    report = compute_report(net, X, T, HessianRequest(matrix="outer_product"), regularization=reg)
    G = hessian.outer_product(net, X, T) + 0.3 * np.eye(net.n_params)
    assert report.matrix_name == "outer_product" and report.regularized
    np.testing.assert_allclose(report.eigenvalues, np.linalg.eigvalsh(G), atol=1e-10 * np.abs(G).max())
    assert report.summary.n_negative == 0  # Gauss-Newton + weight decay: positive definite
    # an unbound Regularization is bound to the network
    again = compute_report(net, X, T, HessianRequest(matrix="outer_product"), regularization=Regularization(l2=0.3))
    np.testing.assert_allclose(again.eigenvalues, report.eigenvalues, rtol=1e-12)


def test_softmax_hessian_is_singular():
    """Adding a constant to every logit changes nothing: zero eigenvalues, an infinite condition number."""
    net, X, T = make_net([2, 3, 3], "softmax", seed=3, n=10)
    report = report_for(net, X, T)
    assert report.summary.n_zero >= 1
    assert math.isinf(report.summary.condition_number)


# ---------------------------------------------------------------------------- blocks and names
@pytest.mark.parametrize("sizes, labels", [
    ([2, 3, 2], ["W1", "b1", "W2", "b2"]),
    ([2, 4, 4, 1], ["W1", "b1", "W2", "b2", "W3", "b3"]),
])
def test_blocks_cover_the_weights_contiguously(sizes, labels):
    net = MLP(sizes, seed=0)
    X = np.zeros((3, sizes[0]))
    T = np.zeros((3, sizes[-1]))
    report = report_for(net, X, T)
    blocks = report.blocks
    assert [b[2] for b in blocks] == labels
    assert blocks[0][0] == 0 and blocks[-1][1] == net.n_params
    for (_, stop, _), (start, _, _) in zip(blocks[:-1], blocks[1:]):
        assert stop == start
    # each block is exactly the network's own view of that weight matrix or bias vector
    probe = np.arange(net.n_params, dtype=float)
    Ws, bs = net.unpack(probe)
    for k, (W, b) in enumerate(zip(Ws, bs)):
        (ws, we, _), (bs_, be, _) = blocks[2 * k], blocks[2 * k + 1]
        np.testing.assert_array_equal(probe[ws:we], W.ravel())
        np.testing.assert_array_equal(probe[bs_:be], b)
    assert parameter_blocks(net.layer_sizes) == blocks


def test_parameter_names_follow_the_layout():
    net = MLP([2, 4, 4, 1], seed=0)
    Ws, bs = net.unpack(np.arange(net.n_params))
    assert parameter_name(net.layer_sizes, int(Ws[0][0, 3])) == "W1[0,3]"
    assert parameter_name(net.layer_sizes, int(Ws[0][1, 2])) == "W1[1,2]"
    assert parameter_name(net.layer_sizes, int(bs[1][2])) == "b2[2]"
    assert parameter_name(net.layer_sizes, int(Ws[2][3, 0])) == "W3[3,0]"
    assert parameter_name(net.layer_sizes, net.n_params - 1) == "b3[0]"
    with pytest.raises(IndexError):
        parameter_name(net.layer_sizes, net.n_params)


def test_mixture_density_blocks_use_the_output_layer_units():
    net, X, T = make_net([1, 3, 1], "mdn", seed=4)  # K = 2 components, L = 1: 2 * (1 + 2) = 6 output units
    report = report_for(net, X, T)
    assert report.layer_sizes == (1, 3, 6)
    assert report.blocks[-1] == (net.n_params - 6, net.n_params, "b2")
    assert report.blocks[-2][1] - report.blocks[-2][0] == 3 * 6


# ---------------------------------------------------------------------------- comparison
def test_comparison_errors_are_relative_frobenius_errors():
    net, X, T = make_net([2, 4, 3, 2], "softmax", seed=5, n=10)
    report = report_for(net, X, T, compare=True)
    H = hessian.exact(net, X, T)
    assert set(report.comparison) == set(COMPARISON_NAMES)
    expected = {
        "diagonal": np.diag(hessian.diagonal(net, X, T, variant="full")),
        "diagonal (drop off-diag)": np.diag(hessian.diagonal(net, X, T, variant="drop_offdiag")),
        "outer product": hessian.outer_product(net, X, T),
        "finite differences": hessian.finite_difference(net, X, T),
    }
    for name, A in expected.items():
        error, matrix = report.comparison[name]
        np.testing.assert_allclose(matrix, A, atol=1e-8 * np.abs(H).max())
        assert error == pytest.approx(np.linalg.norm(A - H) / np.linalg.norm(H), rel=1e-6, abs=1e-9)
        assert report.diagonal_errors[name] == pytest.approx(
            np.linalg.norm(np.diag(A) - np.diag(H)) / np.linalg.norm(np.diag(H)), rel=1e-6, abs=1e-9)
    assert report.reference is report.matrix
    assert report.comparison["finite differences"][0] < 1e-5
    assert report.comparison["outer product"][0] > 1e-3  # hidden layers and residuals: not exact


@pytest.mark.parametrize("head", HEADS)
def test_outer_product_is_exact_without_hidden_layers(head):
    net, X, T = make_net([2, default_size(head)], head, hidden=[], seed=6)
    report = report_for(net, X, T, compare=True)
    assert report.comparison["outer product"][0] < 1e-12


@pytest.mark.parametrize("head", ["linear", "sigmoid"])
def test_diagonal_is_exact_on_the_diagonal_for_one_hidden_layer_and_one_output(head):
    net, X, T = make_net([2, 5, 1], head, seed=7)
    report = report_for(net, X, T, compare=True)
    for name in ("diagonal", "diagonal (drop off-diag)"):
        assert report.diagonal_errors[name] < 1e-12
        error, D = report.comparison[name]
        np.testing.assert_array_equal(D, np.diag(np.diag(D)))  # a diagonal matrix ...
        assert error > 1e-3  # ... which misses the off-diagonal curvature


def test_comparison_of_the_outer_product_view_is_still_against_the_exact_hessian():
    net, X, T = make_net([2, 3, 1], "linear", seed=8)
    report = report_for(net, X, T, compare=True, matrix="outer_product")
    H = hessian.exact(net, X, T)
    np.testing.assert_allclose(report.reference, H, atol=1e-12 * np.abs(H).max())
    assert report.comparison["outer product"][1] is report.matrix


# ---------------------------------------------------------------------------- error surface
@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("directions", ["top2", "extremes", "random"])
def test_surface_passes_through_the_current_error_and_matches_a_direct_evaluation(head, directions):
    net, X, T = make_net([2, 4, default_size(head)], head, seed=9, n=8)
    w0 = net.w.copy()
    report = report_for(net, X, T, surface=True, surface_directions=directions, surface_resolution=7,
                        surface_span=0.5)
    s = report.surface
    assert s.error.shape == s.quadratic.shape == (7, 7)
    np.testing.assert_array_equal(s.alphas, np.linspace(-0.5, 0.5, 7))
    np.testing.assert_array_equal(s.betas, s.alphas)
    assert s.span == 0.5
    assert s.error[3, 3] == pytest.approx(net.error(X, T), rel=1e-12)
    assert s.quadratic[3, 3] == pytest.approx(net.error(X, T), rel=1e-12)
    np.testing.assert_allclose(np.linalg.norm(s.directions, axis=1), 1.0)
    # rows are beta, columns alpha: E(w + alphas[j] d1 + betas[i] d2)
    probe = net.copy()
    for i, j in ((0, 6), (5, 1), (2, 2)):
        probe.w[:] = w0 + s.alphas[j] * s.directions[0] + s.betas[i] * s.directions[1]
        assert s.error[i, j] == pytest.approx(probe.error(X, T), rel=1e-12)
    H = hessian.exact(net, X, T)
    assert s.curvatures == pytest.approx((s.directions[0] @ H @ s.directions[0],
                                          s.directions[1] @ H @ s.directions[1]), rel=1e-8)
    if directions != "random":  # eigenvectors: the curvatures are eigenvalues
        values = report.eigenvalues
        expected = (values[-1], values[-2] if directions == "top2" else values[0])
        assert s.curvatures == pytest.approx(expected, rel=1e-8, abs=1e-10 * np.abs(values).max())
        assert abs(s.directions[0] @ s.directions[1]) < 1e-10
    np.testing.assert_array_equal(net.w, w0)


def test_quadratic_model_agrees_with_the_error_to_second_order():
    """PRML (5.28): the model's error is O(span^3); halving the span divides it by about 8."""
    net, X, T = make_net([2, 4, 1], "sigmoid", seed=10, n=10)
    gaps = []
    for span in (0.02, 0.01):
        s = report_for(net, X, T, surface=True, surface_span=span, surface_resolution=5).surface
        gaps.append(np.abs(s.error - s.quadratic).max())
        first_order = np.abs(s.error - s.error_at_zero).max()
        assert gaps[-1] < 1e-2 * first_order
    assert 5.0 < gaps[0] / gaps[1] < 11.0


def test_quadratic_model_uses_the_gradient_and_the_hessian():
    net, X, T = make_net([2, 3, 2], "linear", seed=11, n=9)
    s = report_for(net, X, T, surface=True, surface_directions="random", surface_resolution=5).surface
    E, g = net.gradient(X, T)
    H = hessian.exact(net, X, T)
    d1, d2 = s.directions
    for i in range(5):
        for j in range(5):
            d = s.alphas[j] * d1 + s.betas[i] * d2
            assert s.quadratic[i, j] == pytest.approx(E + g @ d + 0.5 * d @ H @ d, rel=1e-10)
    assert s.slopes == pytest.approx((g @ d1, g @ d2))


def test_automatic_span_follows_the_curvature():
    net, X, T = make_net([2, 4, 1], "linear", seed=12, n=10)
    s = report_for(net, X, T, surface=True).surface  # surface_span=None: automatic
    E = net.error(X, T)
    c = max(abs(s.curvatures[0]), abs(s.curvatures[1]))
    assert s.span == pytest.approx(math.sqrt(2 * E / c))
    assert s.alphas[-1] == pytest.approx(s.span) and s.alphas[0] == pytest.approx(-s.span)
    # along the steeper direction the model has risen by E at the edge (less the slope term)
    middle = s.alphas.size // 2
    along = s.quadratic[middle, -1] + s.quadratic[middle, 0] - 2 * s.error_at_zero
    assert along == pytest.approx(c * s.span ** 2) and 0.5 * c * s.span ** 2 == pytest.approx(E)


def test_regularized_surface_includes_the_penalty():
    net, X, T = make_net([2, 3, 1], "linear", seed=13)
    reg = Regularization(l2=0.5).bind(net)
    s = compute_report(net, X, T, HessianRequest(surface=True, surface_resolution=5), regularization=reg).surface
    assert s.error_at_zero == pytest.approx(net.error(X, T) + reg.value(net.w))
    assert s.error[2, 2] == pytest.approx(s.error_at_zero)


# ---------------------------------------------------------------------------- sparse path
@pytest.mark.parametrize("head", HEADS)
def test_sparse_path_finds_the_extreme_eigenvalues_of_the_dense_spectrum(head):
    net, X, T = make_net([2, 6, 4, default_size(head)], head, seed=14, n=15)
    dense = np.linalg.eigvalsh(hessian.exact(net, X, T))
    report = report_for(net, X, T, dense_limit=10, n_extreme=3, surface=True, surface_resolution=5)
    assert report.kind == "sparse" and report.estimated and report.matrix is None
    assert net.n_params > 10
    assert "Estimated without forming the matrix" in report.message
    scale = np.abs(dense).max()
    values = report.eigenvalues
    n_low = values.size - 3
    np.testing.assert_allclose(values[-3:], dense[-3:], atol=1e-5 * scale)
    np.testing.assert_allclose(values[:n_low], dense[:n_low], atol=1e-5 * scale)  # what has converged
    assert report.summary.n == net.n_params
    assert (report.summary.min, report.summary.max) == pytest.approx((dense[0], dense[-1]), abs=1e-5 * scale)
    grid, density = report.density
    assert grid.shape == density.shape and np.all(density >= 0)
    # Hutchinson's trace: within a few standard errors of the true one
    assert abs(report.summary.trace - dense.sum()) < 5 * report.trace_stderr
    assert report.surface is not None and report.surface.curvatures[0] == pytest.approx(dense[-1], rel=1e-5)


def test_sparse_summary_flags_its_lower_bounds():
    net, X, T = make_net([2, 6, 4, 2], "linear", seed=15, n=15)
    dense = np.linalg.eigvalsh(hessian.exact(net, X, T))
    assert np.sum(dense < 0) > 3 and dense[-1] > 0  # more negative eigenvalues than are computed
    report = report_for(net, X, T, dense_limit=10, n_extreme=3)
    low = report.eigenvalues[:3]
    np.testing.assert_allclose(low, dense[:3], atol=1e-5 * np.abs(dense).max())
    assert report.summary.n_negative == 3 < np.sum(dense < 0)
    assert set(report.lower_bounds) == {"n_negative", "condition_number"}  # and H is indefinite
    assert report.summary.condition_number <= np.abs(dense).max() / np.abs(dense).min()
    # a positive definite H: the extremes give the condition number itself
    reg = Regularization(l2=2.0 * abs(dense[0]) + 1.0)
    report = compute_report(net, X, T, HessianRequest(dense_limit=10, n_extreme=3), regularization=reg)
    shifted = dense + reg.l2
    assert report.lower_bounds == ()
    assert report.summary.condition_number == pytest.approx(shifted[-1] / shifted[0], rel=1e-5)


def test_sparse_path_with_a_tiny_network_falls_back_to_dense_eigenpairs():
    net, X, T = make_net([1, 2, 1], "linear", seed=16)  # 7 weights; 2 * n_extreme >= W - 1
    report = report_for(net, X, T, dense_limit=3, n_extreme=3)
    dense = np.linalg.eigvalsh(hessian.exact(net, X, T))
    np.testing.assert_allclose(report.eigenvalues, np.r_[dense[:3], dense[-3:]], atol=1e-10)


# ---------------------------------------------------------------------------- robustness
def test_the_network_is_never_modified():
    net, X, T = make_net([2, 4, 3, 2], "softmax", seed=17)
    w0 = net.w.copy()
    weights_view = net.w
    for request in (HessianRequest(compare=True, surface=True),
                    HessianRequest(dense_limit=10, n_extreme=2, surface=True, surface_directions="extremes")):
        compute_report(net, X, T, request)
        assert net.w is weights_view
        np.testing.assert_array_equal(net.w, w0)


def test_non_finite_weights_give_a_message_not_an_exception():
    net, X, T = make_net([2, 3, 1], "sigmoid", seed=18)
    net.w[4] = np.nan
    report = report_for(net, X, T, compare=True, surface=True)
    assert isinstance(report, HessianReport)
    assert report.kind == "none" and not report.ok
    assert "not finite" in report.message
    assert report.eigenvalues.size == 0 and report.summary is None and report.matrix is None
    net.w[4] = np.inf
    assert not report_for(net, X, T).ok


def test_overflowing_weights_give_a_message_not_an_exception():
    net, X, T = make_net([2, 3, 2], "linear", hidden="softplus", seed=19)
    net.w[:] = 1e200  # finite weights whose Hessian overflows
    for dense_limit in (1500, 10):  # formed, and through the R-operator (ARPACK never sees a NaN)
        report = report_for(net, X, T, surface=True, dense_limit=dense_limit, n_extreme=2)
        assert not report.ok and "non-finite" in report.message
    np.testing.assert_array_equal(net.w, 1e200)


def test_bad_requests_are_rejected():
    for bad in (dict(matrix="diagonal"), dict(surface_directions="up"), dict(surface_span=0.0),
                dict(surface_span=math.nan), dict(surface_resolution=2), dict(dense_limit=0), dict(n_extreme=1)):
        with pytest.raises(ValueError):
            HessianRequest(**bad)
    net, X, T = make_net([2, 3, 1], "linear", seed=20)
    with pytest.raises(TypeError):
        compute_report(net, X, T, request={"matrix": "exact"})


# ---------------------------------------------------------------------------- progress, cancel, size
def test_progress_is_reported_and_false_cancels_with_a_reason():
    net, X, T = make_net([2, 5, 1], "sigmoid", n=60)
    calls = []

    def progress(done, total):
        calls.append((done, total))
        return len(calls) < 3

    report = compute_report(net, X, T, HessianRequest(surface=True), progress=progress)
    assert isinstance(report, HessianReport) and not report.ok and report.cancelled
    assert "cancelled" in report.reason and len(calls) == 3
    assert all(0 < done <= total for done, total in calls)
    finished = []
    full = compute_report(net, X, T, HessianRequest(surface=True), progress=lambda d, t: finished.append(d))
    assert full.ok and not full.cancelled and full.reason == "" and finished == sorted(finished)


@pytest.mark.parametrize("request_fields", [dict(compare=True, surface=True),
                                            dict(dense_limit=10, n_extreme=3, surface=True)])
def test_sums_over_row_blocks_equal_the_whole_data(monkeypatch, request_fields):
    import playground.core.hessian_lab as lab

    net, X, T = make_net([2, 4, 1], "sigmoid", n=50)
    reg = Regularization(l2=0.1)
    whole = compute_report(net, X, T, HessianRequest(**request_fields), regularization=reg)
    monkeypatch.setattr(lab, "_HVP_BLOCK_COST", 7 * net.n_params)  # 7 rows a block: 8 blocks
    monkeypatch.setattr(lab, "_DENSE_BLOCK_COST", 7 * net.n_params ** 2)
    steps = []
    blocked = compute_report(net, X, T, HessianRequest(**request_fields), regularization=reg,
                             progress=lambda d, t: steps.append(d))
    np.testing.assert_allclose(blocked.eigenvalues, whole.eigenvalues, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(blocked.surface.error, whole.surface.error, rtol=1e-10)
    if whole.matrix is not None:
        np.testing.assert_allclose(blocked.matrix, hessian.exact(net, X, T, regularization=reg), atol=1e-10)
        for name in COMPARISON_NAMES:
            np.testing.assert_allclose(blocked.comparison[name][1], whole.comparison[name][1], atol=1e-7)
    else:
        assert blocked.summary.trace == pytest.approx(whole.summary.trace, rel=1e-9)
    assert len(steps) > 8  # many pieces, each a short one


@pytest.mark.parametrize("failure", [ValueError("The exact Hessian of 60,000 weights needs 27 GB of memory; "
                                                "use fewer units or the Lanczos view."), MemoryError()])
def test_a_matrix_too_large_for_memory_gives_a_plain_reason(monkeypatch, failure):
    def refuse(*args, **kwargs):
        raise failure

    monkeypatch.setattr(hessian, "exact", refuse)
    net, X, T = make_net([2, 5, 1], "sigmoid", n=30)
    report = compute_report(net, X, T, HessianRequest())
    assert not report.ok and not report.cancelled
    if isinstance(failure, ValueError):
        assert report.reason == str(failure)
    else:
        assert "Not enough memory" in report.reason and f"{net.n_params:,}" in report.reason
    assert "Traceback" not in report.reason

