"""Input standardisation (training coordinates, PRML 5.5.1's consistent priors) and the
constant initialisation (the symmetry problem, PRML 5.1.1)."""

import numpy as np
import pytest

from core.gradcheck import numerical_gradient, relative_error
from playground.core import MLP, Trainer, fit
from playground.core.standardize import InputStandardizer


def two_class(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(float)


def test_standard_and_raw_coordinates_give_the_same_network_function():
    X, _ = two_class()
    X = X * [50.0, 0.02] + [3.0, -1.0]
    net = MLP([2, 5, 1], seed=0)
    st = InputStandardizer.of(X)
    w_std = st.to_standard(net, net.w)
    clone = net.copy()
    clone.w[:] = w_std
    assert np.allclose(clone.forward(st.transform(X)), net.forward(X), rtol=1e-12, atol=1e-12)
    assert np.allclose(st.to_raw(net, w_std), net.w, rtol=1e-12, atol=1e-14)


def test_gradient_in_standard_coordinates_is_the_chain_rule_of_the_raw_error():
    X, T = two_class(15)
    X = X * [10.0, 0.1] + [2.0, 0.0]
    net = MLP([2, 4, 1], output="sigmoid", seed=1)
    st = InputStandardizer.of(X)
    w_std = st.to_standard(net, net.w)

    def raw_error_of(w):
        net.w[:] = st.to_raw(net, w)
        return net.error(X, T)

    clone = net.copy()
    clone.w[:] = w_std
    _, g = clone.gradient(st.transform(X), T)
    assert relative_error(g, numerical_gradient(raw_error_of, w_std)) < 1e-7


def test_with_standardisation_rescaling_and_shifting_the_inputs_leaves_the_fit_alone():
    X, T = two_class()
    Y = X * [10.0, 0.1] + [5.0, -3.0]
    net_x = MLP([2, 6, 1], output="sigmoid", seed=0)
    net_y = net_x.copy()
    # the same starting function of the standardised inputs
    net_y.w[:] = InputStandardizer.of(Y).to_raw(net_y, InputStandardizer.of(X).to_standard(net_x, net_x.w))
    options = dict(optimizer="adam", lr=0.02, epochs=300, l2_groups={"w1": 0.1, "w2": 0.1}, standardize_inputs=True)
    fx = fit(net_x, X, T, **options)
    fy = fit(net_y, Y, T, **options)
    assert np.allclose(net_x.forward(X), net_y.forward(Y), atol=1e-8)
    assert fx.final.objective == pytest.approx(fy.final.objective, rel=1e-9)
    # without standardisation the same rescaling changes the fit
    a, b = MLP([2, 6, 1], output="sigmoid", seed=0), MLP([2, 6, 1], output="sigmoid", seed=0)
    fit(a, X, T, **{**options, "standardize_inputs": False})
    fit(b, Y, T, **{**options, "standardize_inputs": False})
    assert np.abs(a.forward(X) - b.forward(Y)).max() > 0.05


def test_consistent_priors_rescaling_inputs_and_first_layer_decay_together_keeps_the_minimum():
    # PRML 5.5.1: x -> a x with W1 -> W1 / a maps the network to itself; the penalty
    # lambda1/2 |W1|^2 is unchanged when lambda1 -> a^2 lambda1, so a minimum maps to a minimum.
    X, T = two_class(80)
    net = MLP([2, 5, 1], output="sigmoid", seed=0)
    groups = {"w1": 0.3, "b1": 0.0, "w2": 0.1, "b2": 0.0}
    fit(net, X, T, optimizer="bfgs", epochs=400, l2_groups=groups)
    a = 7.0
    scaled = net.copy()
    scaled.weights[0][:] /= a
    assert np.allclose(scaled.forward(a * X), net.forward(X), atol=1e-12)

    def regularised_gradient(model, inputs, coefficients):
        trainer = Trainer(model, inputs, T, optimizer="bfgs", l2_groups=coefficients)
        g = np.empty_like(model.w)
        trainer.objective.value_and_gradient(model.w, g)
        return np.linalg.norm(g)

    at_minimum = regularised_gradient(net, X, groups)
    consistent = regularised_gradient(scaled, a * X, {**groups, "w1": groups["w1"] * a**2})
    inconsistent = regularised_gradient(scaled, a * X, groups)
    assert at_minimum < 1e-5 and consistent < 1e-4
    assert inconsistent > 100 * consistent
    # and training the rescaled problem from there leaves the fit alone
    before = scaled.forward(a * X)
    fit(scaled, a * X, T, optimizer="bfgs", epochs=50, l2_groups={**groups, "w1": groups["w1"] * a**2})
    assert np.abs(scaled.forward(a * X) - before).max() < 1e-4


def test_standardisation_helps_badly_scaled_inputs():
    X, T = two_class(200)
    X = X * [1.0, 0.01]  # x2 a hundred times smaller: its first-layer weights barely move without it
    errors = {}
    for standardize in (False, True):
        net = MLP([2, 8, 1], output="sigmoid", seed=0)
        errors[standardize] = fit(net, X, T, optimizer="adam", lr=0.01, epochs=600,
                                  standardize_inputs=standardize).final.train_error
        assert Trainer(net, X, T).snapshot().train_error == pytest.approx(errors[standardize], rel=1e-9)
    assert errors[True] < 0.5 * errors[False]  # measured 0.12 against 0.44


@pytest.mark.parametrize("optimizer, extra", [("adam", {}), ("gd", {"batch_size": 10}), ("momentum", {})])
def test_constant_initialisation_keeps_the_hidden_units_equal(optimizer, extra):
    X, T = two_class()
    net = MLP([2, 6, 6, 1], output="sigmoid", init="constant", init_scale=0.3, seed=0)
    assert np.all(net.weights[0] == 0.3) and np.all(net.biases[0] == 0.0)
    fit(net, X, T, optimizer=optimizer, lr=0.05, epochs=100, **extra)
    for layer in range(2):
        W, b = net.weights[layer], net.biases[layer]
        assert np.ptp(W, axis=1).max() < 1e-12 and np.ptp(b) < 1e-12  # every unit has the same weights
    assert np.abs(net.weights[0]).max() != pytest.approx(0.3)  # though they did change
    # Xavier (random) starting weights break the symmetry
    other = MLP([2, 6, 6, 1], output="sigmoid", seed=0)
    fit(other, X, T, optimizer=optimizer, lr=0.05, epochs=5, **extra)
    assert np.ptp(other.weights[0], axis=1).min() > 1e-3


def test_the_default_initialisation_is_unchanged():
    assert MLP([2, 3, 1]).init == "xavier"


def test_switching_standardisation_mid_run_keeps_the_network_function():
    X, T = two_class()
    X = X * [1.0, 0.01]
    net = MLP([2, 6, 1], output="sigmoid", seed=0)
    trainer = Trainer(net, X, T, optimizer="adam", lr=0.01)
    trainer.advance(20)
    before = net.forward(X)
    at_switch = trainer.snapshot().train_error
    trainer.update_options(standardize_inputs=True)
    assert np.array_equal(net.forward(X), before)  # the weights stay; only the steps' coordinates change
    snap = trainer.advance(200)
    assert snap.train_error < at_switch and trainer.options.regularization.standardize_inputs
    assert snap.train_error == pytest.approx(net.error(X, T) / len(X), rel=1e-12)  # raw inputs, raw weights
