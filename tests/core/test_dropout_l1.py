"""Dropout (inverted scaling, training steps only) and L1 by a proximal soft-threshold step."""

import numpy as np
import pytest

from core.gradcheck import numerical_gradient, relative_error
from playground.core import MLP, Objective, Regularization, Trainer, fit
from playground.core.dropout import dropout_masks

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)


def two_class(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(float)


def test_dropout_masks_keep_each_unit_with_probability_one_minus_p_and_expectation_one():
    rng = np.random.default_rng(0)
    (m,) = dropout_masks(rng, [50], 4000, 0.3)
    assert set(np.unique(m)) == {0.0, 1.0 / 0.7}
    assert np.mean(m == 0) == pytest.approx(0.3, abs=0.005)
    assert m.mean() == pytest.approx(1.0, abs=0.005)  # inverted scaling: E[m] = 1
    # so the expected output of a masked hidden layer is the unmasked one
    net = MLP([2, 6, 1], seed=0)
    X = np.random.default_rng(1).normal(size=(5, 2))
    z = net.hidden_outputs(X)[0]
    draws = [net.forward_pass(X, dropout_masks(rng, [6], 5, 0.5)).z[1] for _ in range(4000)]
    assert np.abs(np.mean(draws, axis=0) - z).max() < 0.05 * np.abs(z).max()


def test_dropout_refuses_a_rate_of_one():
    with pytest.raises(ValueError, match="dropout"):
        Regularization(dropout=1.0)


@pytest.mark.parametrize("hidden", ["tanh", "relu", "sigmoid", "softplus", "gaussian"])
@pytest.mark.parametrize("output", ["linear", "sigmoid", "softmax"])
def test_gradient_through_a_fixed_dropout_mask_matches_finite_differences(hidden, output):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(7, 2))
    T = {"linear": rng.normal(size=(7, 2)), "sigmoid": rng.integers(0, 2, (7, 1)).astype(float),
         "softmax": np.eye(3)[rng.integers(0, 3, 7)]}[output]
    net = MLP([2, 5, 4, T.shape[1]], hidden=hidden, output=output, seed=3)
    net.w += 0.1 * rng.normal(size=net.n_params)  # biases off 0: a fully dropped layer then misses relu's kink
    masks = dropout_masks(rng, [5, 4], 7, 0.4)

    def error(w):
        net.w[:] = w
        return net.head.error(net.forward_pass(X, masks).out, T)

    w0 = net.w.copy()
    cache = net.forward_pass(X, masks)
    _, delta = net.head.error_and_delta(cache.out, T)
    g = net.backpropagate(cache, delta, np.empty_like(w0))
    assert relative_error(g, numerical_gradient(error, w0)) < 1e-6


def test_training_steps_use_dropout_but_errors_and_snapshots_use_the_whole_network():
    X, T = two_class()
    plain = MLP([2, 16, 16, 1], output="sigmoid", seed=0)
    dropped = plain.copy()
    Trainer(plain, X, T, optimizer="gd", lr=0.5).advance(1)
    trainer = Trainer(dropped, X, T, optimizer="gd", lr=0.5, dropout=0.5)
    snap = trainer.advance(1)
    assert not np.allclose(plain.w, dropped.w)  # the step saw thinned networks
    assert snap.train_error == pytest.approx(dropped.error(X, T) / len(X), rel=1e-12)
    assert snap.history.train_error[1] == pytest.approx(snap.train_error, rel=1e-12)


def test_dropout_is_reproducible_and_survives_mini_batches():
    X, T = two_class()
    runs = []
    for _ in range(2):
        net = MLP([2, 16, 1], output="sigmoid", seed=0)
        fit(net, X, T, epochs=5, batch_size=32, dropout=0.3, seed=4)
        runs.append(net.w.copy())
    assert np.array_equal(runs[0], runs[1])


def test_dropout_objective_draws_fresh_masks_on_every_gradient():
    X, T = two_class(50)
    net = MLP([2, 8, 1], output="sigmoid", seed=0)
    obj = Objective(net, X, T[:, None])
    obj.dropout = (0.5, np.random.default_rng(0))
    g1, g2 = np.empty_like(net.w), np.empty_like(net.w)
    obj.value_and_gradient(net.w, g1)
    obj.value_and_gradient(net.w, g2)
    assert not np.allclose(g1, g2)


def test_soft_threshold_is_the_proximal_step_of_l1():
    reg = Regularization(l1=0.5).bind(MLP([1, 1], seed=0))
    w = np.array([1.0, -1.0, 0.2, -0.2, 0.0])
    reg.soft_threshold(w, 0.6)  # threshold 0.3
    assert np.array_equal(w, [0.7, -0.7, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("optimizer, lr", [("gd", 0.5), ("momentum", 0.1), ("rmsprop", 0.01), ("adam", 0.01)])
def test_l1_with_a_first_order_optimiser_reaches_exact_zeros(optimizer, lr):
    # Before the proximal step, a subgradient sign(w) left all 33 weights of this net non-zero.
    X, T = two_class()
    net = MLP([2, 8, 1], output="sigmoid", seed=0)
    result = fit(net, X, T, optimizer=optimizer, lr=lr, epochs=2000, l1=0.5)
    zeros = int(np.sum(net.w == 0.0))
    assert zeros >= 5, zeros
    assert result.final.train_accuracy > 0.9  # still a fit, not an empty network
    # the reported objective includes the L1 penalty at the weights reported
    assert result.final.objective == pytest.approx(
        result.final.train_error + 0.5 * np.abs(net.w).sum() / len(X), rel=1e-12)


def test_l1_zeros_stay_zero_when_the_data_do_not_need_them():
    # Weights from an input that carries no information go to exactly 0 and stay there.
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=200), rng.normal(size=200)])
    T = (X[:, 0] > 0).astype(float)[:, None]
    net = MLP([2, 1], output="sigmoid", seed=0)  # logistic regression
    fit(net, X, T, optimizer="gd", lr=0.5, epochs=1500, l1=2.0)
    assert net.w[1] == 0.0 and net.w[0] > 1.0  # weight of x2 exactly 0, x1 kept


def test_a_second_order_optimiser_trains_the_whole_network_and_says_so():
    X, T = two_class(60)
    net = MLP([2, 6, 1], output="sigmoid", seed=0)
    reference = net.copy()
    snap = Trainer(net, X, T, optimizer="bfgs", dropout=0.5).advance(3)
    assert "first-order optimisers only" in snap.message
    Trainer(reference, X, T, optimizer="bfgs").advance(3)
    assert np.array_equal(net.w, reference.w)  # no masks in a line search
