"""The perceptron (PRML 4.1.7) and the mismatched pair sigmoid + sum-of-squares (Nielsen ch. 3)."""

import numpy as np
import pytest

from core.gradcheck import numerical_gradient, relative_error
from playground.core import MLP, fit, hessian
from playground.core.perceptron import perceptron_rule

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
XOR_LABELS = np.array([0, 1, 1, 0], float)


def separable(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    margin = X @ [1.0, -2.0] + 0.3
    keep = np.abs(margin) > 0.1  # a margin, so the convergence theorem's bound is small
    return X[keep], (margin[keep] > 0).astype(float)


@pytest.mark.parametrize("seed", [None, 1])
def test_the_perceptron_rule_converges_on_separable_data(seed):
    X, labels = separable()
    run = perceptron_rule(X, labels, epochs=500, seed=seed)
    assert run.converged and run.mistakes[-1] == 0 and run.mistakes[0] > 0
    a = X @ run.w[:2] + run.w[2]
    assert np.all((a >= 0) == (labels == 1))  # every point on its side


def test_the_perceptron_rule_cycles_on_xor():
    run = perceptron_rule(XOR_X, XOR_LABELS, epochs=500)
    assert not run.converged and run.cycle is not None
    assert np.array_equal(run.weights[-1], run.weights[-1 - run.cycle])  # the state came back
    assert np.all(run.mistakes > 0)
    shuffled = perceptron_rule(XOR_X, XOR_LABELS, epochs=300, seed=0)  # random orders never settle either
    assert not shuffled.converged and shuffled.epochs == 300 and shuffled.mistakes.min() >= 1
    w = shuffled.weights  # and the weights stay bounded (the perceptron cycling theorem)
    assert np.abs(w).max() <= 4


def test_gradient_descent_on_the_perceptron_criterion_with_batch_size_one_is_the_perceptron_rule():
    X, labels = separable(seed=2)
    net = MLP([2, 1], output="perceptron", seed=0)
    w0 = net.w.copy()
    result = fit(net, X, labels, optimizer="gd", lr=1.0, batch_size=1, epochs=40, seed=5)
    run = perceptron_rule(X, labels, epochs=40, seed=5, w0=w0)
    assert run.converged
    assert np.array_equal(net.w, run.w)
    assert result.final.train_accuracy == 1.0 and result.final.train_error == 0.0
    assert np.array_equal(net.forward(X)[:, 0], labels)  # the step output gives the labels
    assert np.array_equal(net.predict_labels(X), labels.astype(int))


def test_the_perceptron_criterion_and_its_gradient():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2))
    labels = (rng.random(30) > 0.5).astype(float)
    net = MLP([2, 4, 1], output="perceptron", seed=1)
    a = net.output_activations(X)[:, 0]
    t = 2 * labels - 1
    wrong = a * t <= 0
    assert net.error(X, labels) == pytest.approx(-np.sum(a[wrong] * t[wrong]))  # PRML 4.54
    assert 0 < wrong.sum() < 30

    def error(w):
        net.w[:] = w
        return net.error(X, labels)

    w0 = net.w.copy()
    E, g = net.gradient(X, labels)
    assert relative_error(g, numerical_gradient(error, w0, eps=1e-7)) < 1e-6


def test_the_perceptron_refuses_three_classes():
    with pytest.raises(ValueError, match="two classes"):
        MLP([2, 3], output="perceptron")


@pytest.mark.parametrize("hidden", ["tanh", "relu", "softplus"])
def test_sigmoid_with_sum_of_squares_gradient_and_hessian_match_finite_differences(hidden):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(12, 2))
    T = (rng.random((12, 1)) > 0.5).astype(float)
    net = MLP([2, 4, 1], hidden=hidden, output="sigmoid_sse", seed=2)
    net.w += 0.1 * rng.normal(size=net.n_params)
    y = net.forward(X)
    assert net.error(X, T) == pytest.approx(0.5 * np.sum((y - T) ** 2))

    def error(w):
        net.w[:] = w
        return net.error(X, T)

    w0 = net.w.copy()
    _, g = net.gradient(X, T)
    assert relative_error(g, numerical_gradient(error, w0)) < 1e-6
    net.w[:] = w0
    H = hessian.exact(net, X, T)
    assert relative_error(H, hessian.finite_difference(net, X, T)) < 1e-5


def test_the_mismatched_pair_learns_slowly_from_a_confidently_wrong_start():
    # Nielsen ch. 3: one sigmoid neuron, input 1, target 0, starting at w = b = 2 (output 0.98).
    X, T = np.ones((1, 1)), np.zeros((1, 1))
    outputs = {}
    for head in ("sigmoid", "sigmoid_sse"):
        net = MLP([1, 1], output=head, seed=0)
        net.w[:] = [2.0, 2.0]
        fit(net, X, T, optimizer="gd", lr=0.15, epochs=60)
        outputs[head] = float(net.forward(X)[0, 0])
    assert outputs["sigmoid"] < 0.2  # the canonical link: delta = y - t does not vanish
    assert outputs["sigmoid_sse"] > 0.9  # delta = (y - t) y (1 - y) is tiny at y = 0.98: stuck
