"""Soft weight sharing (PRML 5.5.7): the penalty, its gradients, the learned mixture, clustering."""

import numpy as np
import pytest
from scipy.stats import norm

from gradcheck import numerical_gradient, relative_error
from playground.core import MLP, fit, hessian
from playground.core.datasets import make_dataset
from playground.core.regularizers import Regularization, WeightMixture, sharing_curvature, soft_weight_sharing
from playground.core.training import Trainer

rng = np.random.default_rng(0)
W = rng.normal(size=25)
ETA, MU, SIGMA = rng.normal(size=3), np.array([-1.0, 0.1, 1.2]), np.array([0.4, 0.7, 0.3])


def test_the_penalty_is_minus_the_log_of_the_mixture_density():
    omega, _ = soft_weight_sharing(W, ETA, MU, SIGMA)
    pi = np.exp(ETA) / np.exp(ETA).sum()
    assert omega == pytest.approx(-np.log((pi * norm.pdf(W[:, None], MU, SIGMA)).sum(axis=1)).sum(), rel=1e-12)


def test_far_away_weights_give_a_finite_penalty_and_gradient():
    omega, grads = soft_weight_sharing(np.array([1e3]), ETA, MU, SIGMA)
    assert np.isfinite(omega) and all(np.all(np.isfinite(g)) for g in grads.values())


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("key", ["w", "eta", "mu", "sigma"])
def test_every_gradient_against_finite_differences(key, seed):
    r = np.random.default_rng(seed)
    args = {"w": r.normal(size=15), "eta": r.normal(size=4), "mu": r.normal(size=4), "sigma": r.uniform(0.2, 1.0, 4)}
    _, grads = soft_weight_sharing(**args)

    def f(v):
        return soft_weight_sharing(**{**args, key: v})[0]

    assert relative_error(grads[key], numerical_gradient(f, args[key])) < 1e-7


def test_the_curvature_is_the_derivative_of_the_weight_gradient():
    def gw(v):
        return soft_weight_sharing(v, ETA, MU, SIGMA)[1]["w"]
    eps = 1e-5
    numeric = np.array([(gw(W + eps * e) - gw(W - eps * e))[i] / (2 * eps) for i, e in enumerate(np.eye(W.size))])
    assert relative_error(sharing_curvature(W, ETA, MU, SIGMA), numeric) < 1e-7


def test_as_a_regulariser_it_acts_on_the_weights_not_the_biases():
    net = MLP([2, 4, 1], output="sigmoid", seed=0, init="gaussian", init_scale=0.8)
    bound = Regularization(soft_weight_sharing=0.3, mixture_components=2).bind(net)
    g = np.zeros_like(net.w)
    bound.add_gradient(net.w, g)
    w0 = net.w.copy()
    assert relative_error(g, numerical_gradient(bound.value, w0)) < 1e-7
    groups = net.parameter_groups()
    assert np.all(g[groups["b1"] | groups["b2"]] == 0) and np.all(g[groups["w1"] | groups["w2"]] != 0)
    # the exact Hessian takes its (diagonal) curvature: the derivative of E~'s gradient
    X, t = make_dataset("circle", n_points=20).X, make_dataset("circle", n_points=20).t
    H = hessian.exact(net, X, t, regularization=bound)
    H0 = hessian.exact(net, X, t)
    np.testing.assert_allclose(np.diag(H - H0), bound.curvature_diagonal(net.w), atol=1e-10)


def test_the_mixture_update_lowers_the_penalty_and_zeroes_its_gradients():
    values = np.concatenate([np.random.default_rng(3).normal(c, 0.1, 30) for c in (-1.0, 0.0, 0.8)])
    mixture = WeightMixture(1.0, np.ones(values.size, dtype=bool), values, 3)
    before = mixture.value(values)
    for _ in range(200):
        last = mixture.value(values)
        mixture.update(values)
        assert mixture.value(values) <= last + 1e-9
    assert mixture.value(values) < before
    np.testing.assert_allclose(np.sort(mixture.mu), [-1.0, 0.0, 0.8], atol=0.05)
    # at the fixed point the mixture's gradients vanish but for the weak prior's pull
    _, grads = soft_weight_sharing(values, mixture.eta, mixture.mu, mixture.sigma)
    assert np.abs(grads["mu"]).max() < 1e-6 and np.abs(grads["eta"]).max() < 1.01


def spread_to_nearest_mean(net, mu) -> float:
    groups = net.parameter_groups()
    w = net.w[groups["w1"] | groups["w2"]]
    return float(np.mean(np.min(np.abs(w[:, None] - np.asarray(mu)[None, :]), axis=1)) / np.std(w))


def test_soft_weight_sharing_clusters_the_weights_around_the_learned_components():
    data = make_dataset("two_gaussians", n_points=100)
    plain = MLP([2, 8, 1], output="sigmoid", seed=0)
    fit(plain, data.X, data.t, epochs=300, lr=0.03)
    groups = plain.parameter_groups()
    fitted = WeightMixture(1.0, groups["w1"] | groups["w2"], plain.w, 3)
    for _ in range(300):  # the best 3-component mixture for the plainly trained weights
        fitted.update(plain.w)
    shared = MLP([2, 8, 1], output="sigmoid", seed=0)
    result = fit(shared, data.X, data.t, epochs=300, lr=0.03, soft_weight_sharing=0.1, mixture_components=3)
    pi, mu, sigma = result.final.mixture
    assert pi.sum() == pytest.approx(1.0)
    # measured: weights 0.223 standard deviations from the nearest mean when trained plainly, 0.008 shared
    assert spread_to_nearest_mean(shared, mu) < 0.2 * spread_to_nearest_mean(plain, fitted.mu)
    # each component sits at the mean of the weights closest to it
    w = shared.w[groups["w1"] | groups["w2"]]
    nearest = np.argmin(np.abs(w[:, None] - mu[None, :]), axis=1)
    for j in np.unique(nearest):
        assert mu[j] == pytest.approx(w[nearest == j].mean(), abs=0.05 * np.std(w))
    assert result.final.train_error < 1.5 * fit(MLP([2, 8, 1], output="sigmoid", seed=0), data.X, data.t,
                                                epochs=300, lr=0.03).final.train_error


def test_a_new_lambda_keeps_the_learned_mixture():
    data = make_dataset("two_gaussians", n_points=50)
    net = MLP([2, 4, 1], output="sigmoid", seed=0)
    trainer = Trainer(net, data.X, data.t, soft_weight_sharing=0.1)
    learned = trainer.advance(30).mixture
    trainer.update_options(soft_weight_sharing=0.2)
    np.testing.assert_array_equal(trainer.snapshot().mixture[1], learned[1])
    trainer.update_options(soft_weight_sharing=0.0)
    assert trainer.snapshot().mixture is None


def test_a_frozen_regulariser_keeps_its_mixture_while_training_goes_on():
    data = make_dataset("two_gaussians", n_points=50)
    net = MLP([2, 4, 1], output="sigmoid", seed=0)
    trainer = Trainer(net, data.X, data.t, soft_weight_sharing=0.1)
    trainer.advance(5)
    frozen = trainer.regularizer.frozen()  # what a Hessian report on another thread is handed
    kept = frozen.sharing.parameters()
    trainer.advance(20)
    assert not np.array_equal(trainer.regularizer.sharing.mu, kept[1])
    for a, b in zip(frozen.sharing.parameters(), kept):
        np.testing.assert_array_equal(a, b)
