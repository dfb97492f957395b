"""The Bayesian lab (PRML 5.7): Laplace approximation, predictive distribution, moderated output, evidence."""

import math

import numpy as np
import pytest
from scipy.special import expit, softmax

from core.gradcheck import numerical_jacobian, relative_error
from playground.core import MLP, Trainer, TooLargeError, bayes, fit


# ---------------------------------------------------------------------------- exact Bayesian linear regression
def linear_regression_case(seed=0, n=20):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    t = 0.5 * X[:, 0] - 0.8 * X[:, 1] + 0.3 + 0.2 * rng.standard_normal(n)
    Phi = np.column_stack([X, np.ones(n)])  # the net's layout: weights (2 x 1) then the bias
    return X, t[:, None], Phi


def closed_form(Phi, t, alpha_vec, beta):
    """PRML 3.53-3.54 (posterior), 3.86 (log evidence) with a diagonal prior precision."""
    S_inv = np.diag(alpha_vec) + beta * Phi.T @ Phi
    S = np.linalg.inv(S_inv)
    m = beta * S @ Phi.T @ t[:, 0]
    N = Phi.shape[0]
    E = 0.5 * beta * np.sum((t[:, 0] - Phi @ m) ** 2) + 0.5 * np.sum(alpha_vec * m**2)
    log_ev = (0.5 * np.sum(np.log(alpha_vec)) + 0.5 * N * math.log(beta) - E
              - 0.5 * np.linalg.slogdet(S_inv)[1] - 0.5 * N * math.log(2 * math.pi))
    return S_inv, S, m, log_ev


@pytest.mark.parametrize("hessian", ["exact", "outer_product"])
def test_no_hidden_layer_is_bayesian_linear_regression(hessian):
    X, t, Phi = linear_regression_case()
    alpha, beta = 0.7, 25.0
    S_inv, S, m, log_ev = closed_form(Phi, t, np.full(3, alpha), beta)
    net = MLP([2, 1], output="linear")
    net.w[:] = m  # w_MAP = m_N (3.53)
    post = bayes.laplace(net, X, t, alpha=alpha, beta=beta, hessian=hessian)
    np.testing.assert_allclose(post.A, S_inv, rtol=1e-10)
    Xq = np.array([[0.0, 0.0], [0.9, -0.9], [5.0, 4.0]])
    Phi_q = np.column_stack([Xq, np.ones(3)])
    mean, var = post.predictive(Xq)
    np.testing.assert_allclose(mean[:, 0], Phi_q @ m, rtol=1e-10)
    np.testing.assert_allclose(var[:, 0], 1 / beta + np.einsum("ni,ij,nj->n", Phi_q, S, Phi_q), rtol=1e-9)  # 3.59
    assert post.log_evidence() == pytest.approx(log_ev, rel=1e-10)
    assert var[2, 0] > 5 * var[0, 0]  # the band widens away from the data


def test_group_alphas_are_a_diagonal_prior():
    X, t, Phi = linear_regression_case(seed=1)
    alpha = {"w1": 0.5, "b1": 0.01}
    beta = 10.0
    S_inv, S, m, log_ev = closed_form(Phi, t, np.array([0.5, 0.5, 0.01]), beta)
    net = MLP([2, 1], output="linear")
    net.w[:] = m
    post = bayes.laplace(net, X, t, alpha=alpha, beta=beta)
    np.testing.assert_allclose(post.A, S_inv, rtol=1e-10)
    assert post.log_evidence() == pytest.approx(log_ev, rel=1e-10)


def test_reestimation_matches_linear_regression_formulas():
    """PRML 3.91-3.95: gamma = sum lam/(alpha + lam), alpha = gamma/m^T m, 1/beta = sum (t - m^T phi)^2 / (N - gamma)."""
    X, t, Phi = linear_regression_case(seed=2)
    alpha, beta = 0.3, 12.0
    _, _, m, _ = closed_form(Phi, t, np.full(3, alpha), beta)
    net = MLP([2, 1], output="linear")
    net.w[:] = m
    lam = np.linalg.eigvalsh(beta * Phi.T @ Phi)
    gamma = np.sum(lam / (alpha + lam))
    new_alpha, new_beta, new_gamma = bayes.reestimate(net, X, t, alpha=alpha, beta=beta)
    assert new_gamma == pytest.approx(gamma, rel=1e-10)
    assert new_alpha == pytest.approx(gamma / (m @ m), rel=1e-10)
    assert 1 / new_beta == pytest.approx(np.sum((t[:, 0] - Phi @ m) ** 2) / (len(t) - gamma), rel=1e-10)


def test_negative_hessian_eigenvalues_count_as_zero():
    """Away from a minimum the exact data Hessian is indefinite; gamma stays in [0, W] and A positive."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 1))
    t = np.sin(3 * X) + 5.0  # far from the untrained net's outputs: large residuals, indefinite H
    net = MLP([1, 4, 1], hidden="tanh", init="gaussian", init_scale=2.0, seed=3)
    post = bayes.laplace(net, X, t, alpha=1e-3, beta=10.0)
    assert post.n_negative > 0 and post.clipped
    assert np.linalg.eigvalsh(post.A).min() > 0
    _, var = post.predictive(np.linspace(-3, 3, 7)[:, None])
    assert np.all(var >= 0.1)  # never below the noise 1/beta
    lam = np.clip(post.eigenvalues, 0, None) * 10.0
    _, _, gamma = bayes.reestimate(net, X, t, alpha=1e-3, beta=10.0)
    assert gamma == pytest.approx(np.sum(lam / (lam + 1e-3)))
    assert 0 <= gamma <= net.n_params


# ---------------------------------------------------------------------------- derivatives against finite differences
@pytest.mark.parametrize("output,K", [("linear", 2), ("sigmoid", 1), ("softmax", 3)])
def test_weight_gradients_against_finite_differences(output, K):
    net = MLP([2, 3, K], hidden="tanh", output=output, init="gaussian", seed=4)
    Xq = np.random.default_rng(4).normal(size=(5, 2))

    def logits(w):
        clone = net.copy()
        clone.w[:] = w
        return clone.output_activations(Xq)

    numeric = numerical_jacobian(logits, net.w.copy())  # (N, K, W)
    assert relative_error(bayes.weight_gradients(net, Xq), numeric) < 1e-7


def test_predictive_variance_uses_the_output_gradient():
    """var = 1/beta + g^T A^-1 g (5.173) with g = dy/dw taken by finite differences."""
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, (15, 1))
    t = np.sin(2 * np.pi * X) + 0.1 * rng.standard_normal((15, 1))
    net = MLP([1, 3, 1], hidden="tanh", init="gaussian", seed=5)
    fit(net, X, t, epochs=200, optimizer="scg", l2=0.01)
    post = bayes.laplace(net, X, t, alpha=0.5, beta=50.0)
    Xq = np.array([[-0.5], [0.2], [2.0]])

    def y(w):
        clone = net.copy()
        clone.w[:] = w
        return clone.forward(Xq)[:, 0]

    g = numerical_jacobian(y, net.w.copy())  # (N, W)
    expected = 1 / 50.0 + np.einsum("ni,ij,nj->n", g, post.A_inv, g)
    mean, var = post.predictive(Xq)
    np.testing.assert_allclose(var[:, 0], expected, rtol=1e-6)
    np.testing.assert_allclose(mean[:, 0], net.forward(Xq)[:, 0])
    _, noise, weight_var = post.predictive_parts(Xq)
    np.testing.assert_allclose(noise + weight_var, var)
    np.testing.assert_allclose(noise, 1 / 50.0)


# ---------------------------------------------------------------------------- moderated outputs against Monte Carlo
def classification_case(seed=6, n=60):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal([0, 0], 0.7, (n // 2, 2)), rng.normal([2, 1], 0.7, (n // 2, 2))])
    labels = np.repeat([0, 1], n // 2)
    return X, labels


def mean_over_samples(net, samples, Xq, link, linearised_about=None):
    """Monte Carlo mean of link(a(x, w)) over weight samples; with ``linearised_about`` a posterior,
    a is its first-order expansion a_MAP + b^T (w - w_MAP), the model 5.190 integrates exactly."""
    clone = net.copy()
    total = 0.0
    if linearised_about is not None:
        a0 = net.output_activations(Xq)
        B = bayes.weight_gradients(net, Xq)
    for w in samples:
        if linearised_about is None:
            clone.w[:] = w
            a = clone.output_activations(Xq)
        else:
            a = a0 + B @ (w - net.w)
        total = total + link(a)
    return total / len(samples)


def sigmoid_link(a):
    return expit(a)


def softmax_link(a):
    return softmax(a, axis=1)


def test_moderated_output_of_logistic_regression_against_monte_carlo():
    """No hidden layer: the logit is linear in w, so 5.190 differs from the Monte Carlo mean over
    N(w_MAP, A^-1) by the probit approximation only."""
    X, labels = classification_case(n=30)
    net = MLP([2, 1], output="sigmoid")
    fit(net, X, labels[:, None], epochs=200, optimizer="scg", l2=0.5)
    post = bayes.laplace(net, X, labels[:, None], alpha=0.5)
    assert not post.clipped  # at w_MAP alpha I + H is positive definite: PRML's A, nothing clipped
    Xq = np.array([[1.0, 0.5], [2.5, 1.5], [-2.0, 2.5], [6.0, -4.0], [0.6, 1.5]])
    p = post.predictive(Xq)[:, 0]
    mc = mean_over_samples(net, post.sample_weights(8000, seed=0), Xq, sigmoid_link)[:, 0]
    np.testing.assert_allclose(p, mc, atol=0.02)
    p_map = post.map_output(Xq)[:, 0]
    assert abs(p[3] - 0.5) < abs(p_map[3] - 0.5) - 0.02  # moderated towards 1/2 far from the data


def test_moderated_output_of_a_hidden_layer_net_against_monte_carlo():
    X, labels = classification_case(n=60)
    net = MLP([2, 3, 1], hidden="tanh", output="sigmoid", init="gaussian", seed=6)
    fit(net, X, labels[:, None], epochs=300, optimizer="scg", l2=1.0)
    post = bayes.laplace(net, X, labels[:, None], alpha=1.0)
    Xq = np.array([[1.0, 0.5], [2.5, 1.5], [-2.0, 2.5], [5.0, -3.0], [0.6, 1.5]])
    p = post.predictive(Xq)[:, 0]
    samples = post.sample_weights(4000, seed=0)
    linear = mean_over_samples(net, samples, Xq, sigmoid_link, linearised_about=post)[:, 0]
    np.testing.assert_allclose(p, linear, atol=0.02)
    full = mean_over_samples(net, samples, Xq, sigmoid_link)[:, 0]  # the network itself, not linearised
    np.testing.assert_allclose(p, full, atol=0.12)
    assert np.all(np.abs(p - 0.5) <= np.abs(post.map_output(Xq)[:, 0] - 0.5) + 1e-12)


def test_moderated_softmax_output_against_monte_carlo():
    rng = np.random.default_rng(7)
    X = np.vstack([rng.normal(c, 0.6, (60, 2)) for c in ([-1, 0], [1, 0], [0, 1.5])])
    labels = np.repeat([0, 1, 2], 60)
    net = MLP([2, 3, 3], hidden="tanh", output="softmax", init="gaussian", seed=7)
    fit(net, X, labels, epochs=300, optimizer="scg", l2=1.0)
    post = bayes.laplace(net, X, labels, alpha=1.0)
    Xq = np.array([[0.0, 0.5], [2.0, -1.0], [-3.0, 3.0]])
    p = post.predictive(Xq)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    samples = post.sample_weights(4000, seed=1)
    np.testing.assert_allclose(p, mean_over_samples(net, samples, Xq, softmax_link, linearised_about=post),
                               atol=0.03)
    np.testing.assert_allclose(p, mean_over_samples(net, samples, Xq, softmax_link), atol=0.05)


# ---------------------------------------------------------------------------- the evidence procedure (Netlab demev1)
def demev1_data(seed):
    rng = np.random.default_rng(seed)
    x = 0.25 + 0.07 * rng.standard_normal(16)
    t = np.sin(2 * np.pi * x) + 0.1 * rng.standard_normal(16)
    return x[:, None], t[:, None]


@pytest.mark.parametrize("seed", [0, 1])
def test_evidence_loop_on_demev1_data(seed):
    X, t = demev1_data(seed)
    net = MLP([1, 3, 1], hidden="tanh", output="linear", init="gaussian", seed=seed)
    trainer = Trainer(net, X, t, optimizer="scg")
    snap, steps = bayes.train_with_evidence(trainer, 2500, bayes.EvidenceOptions(alpha=0.01, beta=50.0, cycles=5))
    assert len(steps) == 5 and steps[-1].epoch == 2500
    last = steps[-1]
    assert 50.0 < last.beta < 200.0  # the true noise precision is 1 / 0.1^2 = 100
    assert 0 < last.gamma < net.n_params
    assert math.isfinite(last.log_evidence)
    # the trainer now minimises E_D + alpha / (2 beta) |w|^2 at the final hyperparameters
    assert trainer.options.regularization.l2 == pytest.approx(last.alpha / last.beta)


def test_fit_with_evidence_per_group_for_a_classifier():
    X, labels = classification_case(seed=8, n=40)
    net = MLP([2, 3, 1], hidden="tanh", output="sigmoid", init="gaussian", seed=8)
    result = fit(net, X, labels[:, None], epochs=200, optimizer="scg",
                 evidence={"alpha": 0.1, "cycles": 2, "per_group": True})
    assert [s.epoch for s in result.evidence] == [100, 200]
    last = result.evidence[-1]
    assert last.beta is None and set(last.alpha) == {"w1", "b1", "w2", "b2"}
    assert 0 < last.gamma < net.n_params


# ---------------------------------------------------------------------------- refusals and prior samples
def test_refusals_are_plain_sentences():
    net = MLP([1, 3, 1], output="mdn", n_components=2)
    with pytest.raises(ValueError, match="mixture density"):
        bayes.laplace(net, np.zeros((3, 1)), np.zeros((3, 1)), alpha=1.0)
    lin = MLP([1, 3, 1])
    with pytest.raises(ValueError, match="needs beta"):
        bayes.laplace(lin, np.zeros((3, 1)), np.zeros((3, 1)), alpha=1.0)
    with pytest.raises(ValueError, match="alpha must be a positive number"):
        bayes.laplace(lin, np.zeros((3, 1)), np.zeros((3, 1)), alpha=-1.0, beta=1.0)
    with pytest.raises(ValueError, match="missing"):
        bayes.laplace(lin, np.zeros((3, 1)), np.zeros((3, 1)), alpha={"w1": 1.0}, beta=1.0)
    with pytest.raises(ValueError, match="unknown hessian"):
        bayes.laplace(lin, np.zeros((3, 1)), np.zeros((3, 1)), alpha=1.0, beta=1.0, hessian="diag")
    with pytest.raises(ValueError, match="beta is the noise precision"):
        bayes.laplace(MLP([1, 2, 1], output="sigmoid"), np.zeros((3, 1)), np.zeros((3, 1)), alpha=1.0, beta=2.0)


def test_too_large_a_network_is_refused_before_any_work(monkeypatch):
    from playground.core import memory

    monkeypatch.setattr(memory, "budget_bytes", lambda: 10_000)
    net = MLP([1, 8, 1])
    with pytest.raises(TooLargeError, match="Laplace approximation"):
        bayes.laplace(net, np.zeros((3, 1)), np.zeros((3, 1)), alpha=1.0, beta=1.0)


def test_progress_false_cancels():
    from playground.core import Interrupted

    net = MLP([1, 3, 1])
    with pytest.raises(Interrupted):
        bayes.laplace(net, np.zeros((3, 1)), np.zeros((3, 1)), alpha=1.0, beta=1.0, progress=lambda d, n: False)


def test_prior_functions_follow_the_group_precisions():
    """Fig. 5.11: the output bias's variance 1/alpha_b2 sets the spread at any x; w1 the wiggliness."""
    x = np.linspace(-1, 1, 201)
    base = {"w1": 1.0, "b1": 1.0, "w2": 1.0, "b2": 1.0}
    f = bayes.prior_functions(x, base, n_samples=400, seed=0)
    assert f.shape == (400, 201)
    wide = bayes.prior_functions(x, {**base, "b2": 0.01}, n_samples=400, seed=0)
    assert np.std(wide[:, 100]) > 3 * np.std(f[:, 100])
    wiggly = bayes.prior_functions(x, {**base, "w1": 0.0001}, n_samples=50, seed=0)
    assert np.mean(np.abs(np.diff(wiggly, 2, axis=1))) > 10 * np.mean(np.abs(np.diff(f, 2, axis=1)))
