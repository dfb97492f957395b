"""Kernel ridge against its closed form, the SVM's margin conditions, bootstrap coverage (seed 004)."""

import numpy as np
import pytest

from playground.core import kernels
from playground.core.kernels import SVM, KernelRidge


def explicit_kernel(a, b, kernel, **p):
    """One kernel value written out as on the lecture's slide."""
    if kernel == "rbf":
        return np.exp(-np.sum((a - b) ** 2) / (2 * p["sigma"] ** 2))
    if kernel == "poly":
        return (p["c"] + a @ b) ** p["degree"]
    return np.tanh(p["gamma"] * (a @ b) + p["r"])


SETTINGS = {
    "rbf": dict(sigma=0.3, lam=1e-3),
    "poly": dict(degree=3, c=1.0, lam=1e-2),
    "sigmoid": dict(gamma=0.5, r=-0.2, lam=0.1),
}


@pytest.mark.parametrize("kernel", ["rbf", "poly", "sigmoid"])
def test_kernel_ridge_equals_the_closed_form(kernel):
    rng = np.random.default_rng(3)
    X, Xq = rng.uniform(-1, 1, (15, 2)), rng.uniform(-1, 1, (7, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    p = {"sigma": 0.1, "degree": 3, "c": 1.0, "gamma": 1.0, "r": 0.0, **SETTINGS[kernel]}
    P = np.array([[explicit_kernel(a, b, kernel, **p) for b in X] for a in X])
    Kq = np.array([[explicit_kernel(a, b, kernel, **p) for b in X] for a in Xq])
    alpha = np.linalg.inv(P + p["lam"] * np.eye(len(X))) @ y
    model = KernelRidge(kernel=kernel, **SETTINGS[kernel]).fit(X, y)
    np.testing.assert_allclose(model.alpha_, alpha, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(model.predict(Xq), Kq @ alpha, rtol=1e-7, atol=1e-9)


def test_kernel_ridge_minimises_the_lecture_objective():
    """a = (P + lam I)^-1 y zeroes the gradient 2 P (P a - y) + 2 lam P a of |P a - y|^2 + lam a^T P a."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (12, 1))
    y = np.sin(2 * np.pi * X[:, 0])
    model = KernelRidge(sigma=0.2, lam=0.05).fit(X, y)
    P = kernels.kernel_matrix(X, X, sigma=0.2)
    a = model.alpha_
    loss = lambda v: np.sum((P @ v - y) ** 2) + 0.05 * v @ P @ v  # noqa: E731
    for _ in range(5):
        assert loss(a) <= loss(a + 1e-3 * rng.normal(size=a.shape))


def test_an_indefinite_kernel_falls_back_to_least_squares():
    """A sigmoid kernel matrix is not positive definite in general: Cholesky fails, lstsq solves."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, (20, 2))
    y = X[:, 0]
    model = KernelRidge(kernel="sigmoid", gamma=2.0, r=-1.0, lam=1e-3).fit(X, y)
    P = kernels.kernel_matrix(X, X, kernel="sigmoid", gamma=2.0, r=-1.0)
    assert np.linalg.eigvalsh(P + 1e-3 * np.eye(20)).min() < 0  # the case the fallback is for
    assert model.solver_ == "lstsq"
    np.testing.assert_allclose((P + 1e-3 * np.eye(20)) @ model.alpha_, y, atol=1e-6)


def test_the_svm_solution_satisfies_its_margin_conditions():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 2))
    labels = (X[:, 0] ** 2 + X[:, 1] ** 2 > 1.2).astype(int)
    lam = 1e-2
    svm = SVM(sigma=0.7, lam=lam).fit(X, labels)
    assert svm.C_ == pytest.approx(1 / (2 * lam * 60))
    y = np.where(labels == svm.classes_[1], 1.0, -1.0)
    margin = y * svm.decision_function(X)
    support = np.zeros(60, bool)
    support[svm.support_] = True
    tol = 1e-3
    assert np.all(margin[~support] >= 1 - tol)  # off the support vectors: outside the margin
    assert np.all(margin[support] <= 1 + tol)  # support vectors: on the margin or inside it
    coef = np.abs(svm.dual_coef_.ravel())
    free = coef < svm.C_ * (1 - 1e-6)  # 0 < alpha < C: exactly on the margin
    assert free.any()
    np.testing.assert_allclose(margin[svm.support_][free], 1.0, atol=tol)
    assert np.all(coef <= svm.C_ * (1 + 1e-9))
    np.testing.assert_array_equal(svm.support_vectors_, X[svm.support_])


def test_the_svm_separates_three_classes_one_against_one():
    rng = np.random.default_rng(4)
    centres = np.array([[0, 0], [3, 0], [0, 3]])
    labels = np.repeat([0, 1, 2], 20)
    X = centres[labels] + 0.4 * rng.normal(size=(60, 2))
    svm = SVM(sigma=1.0, lam=1e-3).fit(X, labels)
    assert svm.decision_function(X).shape == (60, 3)  # one column per pair of classes
    assert np.mean(svm.predict(X) == labels) == 1.0


def test_bad_settings_are_refused_in_words():
    with pytest.raises(ValueError, match="sigma must be a positive number"):
        KernelRidge(sigma=0.0)
    with pytest.raises(ValueError, match="unknown kernel"):
        KernelRidge(kernel="laplace")
    with pytest.raises(ValueError, match="two classes"):
        SVM().fit(np.zeros((3, 2)), [1, 1, 1])


def test_the_bootstrap_band_covers_the_true_line_near_its_nominal_level():
    """Known noise, an unbiased fit (a degree-1 polynomial kernel, tiny lam): the 5-95 % band of
    the refits holds the true line about 90 % of the time (loose bounds, fixed seed)."""
    rng = np.random.default_rng(7)
    Xq = np.linspace(-0.8, 0.8, 5)[:, None]
    truth = 0.5 + 2.0 * Xq[:, 0]

    def refit(Xb, yb, Xq):
        return KernelRidge(kernel="poly", degree=1, c=1.0, lam=1e-6).fit(Xb, yb).predict(Xq)

    hits = []
    for r in range(30):
        X = rng.uniform(-1, 1, (40, 1))
        y = 0.5 + 2.0 * X[:, 0] + 0.3 * rng.normal(size=40)
        lo, hi = kernels.band(kernels.bootstrap(refit, X, y, Xq, B=100, seed=r))
        hits.append((lo <= truth) & (truth <= hi))
    coverage = np.mean(hits)
    assert 0.78 <= coverage <= 0.97, coverage


def test_bootstrap_cancels_and_votes_are_fractions():
    calls = []

    def progress(done, total):
        calls.append(done)
        return done < 3

    X = np.linspace(0, 1, 10)[:, None]
    with pytest.raises(kernels.Interrupted):
        kernels.bootstrap(lambda a, b, q: np.zeros(len(q)), X, X[:, 0], X, B=50, progress=progress)
    assert calls == [1, 2, 3]
    votes = kernels.vote_fraction(np.array([[0, 1], [0, 2], [1, 2], [0, 2]]), 3)
    np.testing.assert_allclose(votes, [[0.75, 0.25, 0.0], [0.0, 0.25, 0.75]])


def test_a_network_bootstrap_warm_starts_copies_and_bags_them():
    from playground.core import MLP

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (20, 1))
    T = np.sin(2 * np.pi * X) + 0.1 * rng.normal(size=(20, 1))
    net = MLP([1, 4, 1], seed=0)
    before = net.w.copy()
    result = kernels.bootstrap_network(net, X, T, X, B=4, epochs=5, seed=1, optimizer="adam", lr=0.01)
    np.testing.assert_array_equal(net.w, before)  # the window's network is left alone
    assert result.weights.shape == (4, net.w.size) and result.predictions.shape == (4, 20, 1)
    assert not np.allclose(result.weights[0], result.weights[1])  # different resamples
    again = kernels.bootstrap_network(net, X, T, X, B=4, epochs=5, seed=1, optimizer="adam", lr=0.01)
    np.testing.assert_array_equal(again.weights, result.weights)
    mean = result.mean()
    assert kernels.ensemble_error(net, mean, T) == pytest.approx(0.5 * np.sum((mean - T) ** 2) / 20)
