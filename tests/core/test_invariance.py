"""Invariances (PRML 5.5.3-5.5.5): tangents, tangent propagation, Tikhonov, transformed inputs."""

import numpy as np
import pytest

from gradcheck import numerical_gradient, relative_error
from playground.core import MLP, fit
from playground.core import invariance as inv
from playground.core.activations import ACTIVATION_NAMES
from playground.core.datasets import make_dataset
from playground.core.training import Trainer

HEADS = {
    "linear": ([2, 4, 3, 2], {}),
    "sigmoid": ([2, 4, 3, 2], {}),
    "softmax": ([2, 4, 3, 3], {}),
    "mdn": ([2, 4, 3, 1], {"n_components": 2}),
}
X = np.random.default_rng(0).normal(size=(6, 2))


def small_net(head, activation, seed=1):
    sizes, kw = HEADS[head]
    return MLP(sizes, hidden=activation, output=head, seed=seed, init="gaussian", init_scale=0.8, **kw)


def penalty_of(net, f):
    def at(w):
        old = net.w.copy()
        net.w[:] = w
        try:
            return f()
        finally:
            net.w[:] = old
    return at


# ------------------------------------------------------------------------------ tangent vectors
def test_tangents_are_the_derivatives_of_the_transformations_at_zero():
    centre = np.array([0.3, -0.2])
    eps = 1e-6
    d = X - centre
    rotated = centre + d @ np.array([[np.cos(eps), np.sin(eps)], [-np.sin(eps), np.cos(eps)]])
    np.testing.assert_allclose(inv.tangents(X, "rotation", centre), (rotated - X) / eps, atol=1e-5)
    np.testing.assert_allclose(inv.tangents(X, "scaling", centre), ((centre + d * (1 + eps)) - X) / eps, atol=1e-5)
    np.testing.assert_array_equal(inv.tangents(X, "translation_x"), np.tile([1.0, 0.0], (len(X), 1)))
    np.testing.assert_array_equal(inv.tangents(X, "translation_y"), np.tile([0.0, 1.0], (len(X), 1)))
    # default centre: the points' mean
    np.testing.assert_allclose(inv.tangents(X, "rotation"), inv.tangents(X, "rotation", X.mean(axis=0)))


def test_tangents_refuse_what_is_not_a_plane_point():
    with pytest.raises(ValueError, match="points of the plane, two inputs x1, x2; these have 1 input"):
        inv.tangents(np.zeros((3, 1)), "rotation")
    with pytest.raises(ValueError, match="unknown transformation 'shear'; choose one of: rotation"):
        inv.tangents(X, "shear")


# ------------------------------------------------------------------------------ tangent propagation
@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_tangent_penalty_and_its_gradient_against_finite_differences(head, activation):
    net = small_net(head, activation)
    tau = inv.tangents(X, "rotation") + 0.3 * inv.tangents(X, "translation_x")
    omega, g = inv.tangent_penalty(net, X, tau)
    J = net.jacobian(X)  # dy/dx after the output activation (5.128)
    assert omega == pytest.approx(0.5 * np.sum(np.einsum("nki,ni->nk", J, tau) ** 2), rel=1e-10)
    numeric = numerical_gradient(penalty_of(net, lambda: inv.tangent_penalty_value(net, X, tau)), net.w)
    assert relative_error(g, numeric) < 1e-6


@pytest.mark.parametrize("head", HEADS)
def test_tikhonov_penalty_is_half_the_squared_jacobian_with_its_gradient(head):
    net = small_net(head, "tanh")
    omega, g = inv.tikhonov_penalty(net, X)
    assert omega == pytest.approx(0.5 * np.sum(net.jacobian(X) ** 2), rel=1e-10)
    numeric = numerical_gradient(penalty_of(net, lambda: inv.tikhonov_penalty_value(net, X)), net.w)
    assert relative_error(g, numeric) < 1e-6


def test_a_network_with_no_hidden_layer_gets_its_gradient_too():
    net = MLP([2, 3], output="softmax", seed=0)
    tau = inv.tangents(X, "scaling")
    _, g = inv.tangent_penalty(net, X, tau)
    numeric = numerical_gradient(penalty_of(net, lambda: inv.tangent_penalty_value(net, X, tau)), net.w)
    assert relative_error(g, numeric) < 1e-6


def test_tikhonov_is_the_small_noise_limit_of_training_with_noise():
    # Targets at the network's own outputs: E(x + xi) = 1/2 |J xi|^2 + O(s^3), so the mean over
    # Gaussian noise of variance s^2 is s^2 Omega_Tikhonov (PRML 5.5.5, 5.135).
    net = MLP([2, 6, 2], hidden="tanh", output="linear", seed=3)
    Xs = X[:4]
    T = net.forward(Xs)
    s = 1e-3
    rng = np.random.default_rng(1)
    draws = [net.error(Xs + rng.normal(scale=s, size=Xs.shape), T) for _ in range(4000)]
    omega = inv.tikhonov_penalty_value(net, Xs)
    assert np.mean(draws) == pytest.approx(s**2 * omega, rel=0.05)


# ------------------------------------------------------------------------------ transformed data
def test_augment_draws_each_transformation_within_its_size():
    rng = np.random.default_rng(0)
    P = np.random.default_rng(5).normal(size=(500, 2))
    c = P.mean(axis=0)
    R = inv.augment(P, "rotation", 30.0, rng, c)
    np.testing.assert_allclose(np.hypot(*(R - c).T), np.hypot(*(P - c).T))
    turn = np.rad2deg(np.angle(((R - c) @ [1, 1j]) / ((P - c) @ [1, 1j])))
    assert np.abs(turn).max() <= 30.0 + 1e-9 and np.abs(turn).max() > 25.0
    S = inv.augment(P, "scaling", 0.2, rng, c)
    factor = np.hypot(*(S - c).T) / np.hypot(*(P - c).T)
    assert factor.min() >= 0.8 - 1e-12 and factor.max() <= 1.2 + 1e-12 and factor.std() > 0.05
    shift = inv.augment(P, "translation", 0.1, rng) - P
    assert np.abs(shift).max() <= 0.1 and np.abs(shift).max() > 0.09
    noise = inv.augment(P, "noise", 0.05, rng) - P
    assert noise.std() == pytest.approx(0.05, rel=0.1)
    assert inv.augment(P, "none", 3.0, rng) is P


def test_augment_refuses_sizes_the_transformation_cannot_take():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="at most 180 degrees, got 200"):
        inv.augment(X, "rotation", 200.0, rng)
    with pytest.raises(ValueError, match="at most 0.99"):
        inv.augment(X, "scaling", 1.5, rng)
    with pytest.raises(ValueError, match="augmentation size must be >= 0, got -1"):
        inv.augment(X, "noise", -1.0, rng)


# ------------------------------------------------------------------------------ in the trainer
def test_the_trainer_objective_has_the_gradient_of_the_penalised_error():
    data = make_dataset("rings", n_points=40)
    net = MLP([2, 5, 1], hidden="tanh", output="sigmoid", seed=0)
    trainer = Trainer(net, data.X, data.t, tangent_prop=0.7, tangent_kind="scaling", tikhonov=0.2, l2=0.01,
                      batch_size=10)
    obj = trainer.objective
    obj.X, obj.T, obj.data_weight = trainer.X[:10], trainer.T[:10], 4.0  # one mini-batch, as a step sees it
    g = np.empty_like(net.w)
    value = obj.value_and_gradient(net.w, g)
    w0 = net.w.copy()
    numeric = numerical_gradient(lambda w: obj.value(w), w0)
    net.w[:] = w0
    assert value == pytest.approx(obj.value(w0))
    assert relative_error(g, numeric) < 1e-6
    plain = Trainer(net, data.X, data.t, l2=0.01, batch_size=10).objective
    plain.X, plain.T, plain.data_weight = obj.X, obj.T, 4.0
    assert value > plain.value(w0)  # the penalties are in it


def test_transformed_training_points_change_training_and_repeat_with_the_seed():
    data = make_dataset("rings", n_points=60)
    runs = []
    for kw in ({}, {"augment": "rotation", "augment_size": 40.0}, {"augment": "rotation", "augment_size": 40.0}):
        net = MLP([2, 6, 1], output="sigmoid", seed=0)
        fit(net, data.X, data.t, epochs=20, lr=0.02, **kw)
        runs.append(net.w.copy())
    assert not np.allclose(runs[0], runs[1])
    np.testing.assert_array_equal(runs[1], runs[2])


def test_a_rotation_of_one_dimensional_inputs_is_refused_in_plain_words():
    data = make_dataset("sinusoid")
    net = MLP([1, 4, 1], seed=0)
    with pytest.raises(ValueError, match="rotation acts on points of the plane"):
        Trainer(net, data.X, data.t, tangent_prop=0.1)
    Trainer(net, data.X, data.t, tikhonov=0.1, augment="noise", augment_size=0.05)  # these need no plane


def circle_variance(net) -> float:
    """The mean over circles about the origin of the variance of the output along each."""
    angles = np.linspace(0.0, 2 * np.pi, 72, endpoint=False)
    return float(np.mean([np.var(net.forward(np.column_stack([r * np.cos(angles), r * np.sin(angles)]))[:, 0])
                          for r in np.linspace(0.3, 1.3, 11)]))


def test_tangent_propagation_makes_the_rings_boundary_more_rotation_invariant():
    data = make_dataset("rings")
    variance = {}
    for weight in (0.0, 1.0):
        net = MLP([2, 10, 10, 1], output="sigmoid", seed=0)
        result = fit(net, data.X, data.t, epochs=200, lr=0.02, tangent_prop=weight)
        assert result.final.train_accuracy == 1.0
        variance[weight] = circle_variance(net)
    # measured: 0.0545 without, 0.0246 with tangent propagation (lambda = 1)
    assert variance[1.0] < 0.6 * variance[0.0]


def test_a_refused_transformation_changes_nothing_in_a_running_trainer():
    data = make_dataset("sinusoid")
    net = MLP([1, 4, 1], seed=0)
    trainer = Trainer(net, data.X, data.t, l2=0.01)
    trainer.advance(3)
    before = (trainer.options, trainer.regularizer, trainer.objective)
    with pytest.raises(ValueError, match="rotation acts on points of the plane"):
        trainer.update_options(tangent_prop=0.5, l2=0.5)
    assert (trainer.options, trainer.regularizer, trainer.objective) == before
    assert trainer.objective.data_penalty is None


def test_an_interruptible_objective_takes_the_penalty_block_by_block():
    from playground.core.objective import Interrupted

    data = make_dataset("rings", n_points=200)
    net = MLP([2, 5, 1], output="sigmoid", seed=0)
    obj = Trainer(net, data.X, data.t, tangent_prop=0.4, tikhonov=0.3).objective
    whole = np.empty_like(net.w)
    value = obj.value_and_gradient(net.w, whole)
    asked = []
    obj.block_rows, obj.interrupt = 64, lambda: asked.append(1) and False  # 4 blocks, never stopping
    blocked = np.empty_like(net.w)
    assert obj.value_and_gradient(net.w, blocked) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(blocked, whole, rtol=1e-10, atol=1e-14)
    assert obj.value() == pytest.approx(value, rel=1e-12)
    assert len(asked) == 4 * 2 + 4 * 2  # data and penalty blocks, for the gradient and for the value
    calls = []
    obj.interrupt = lambda: calls.append(1) or len(calls) > 5  # stops inside the penalty's blocks
    with pytest.raises(Interrupted):
        obj.value_and_gradient(net.w, blocked)


def test_the_snapshot_reports_the_penalised_objective():
    data = make_dataset("rings", n_points=50)
    net = MLP([2, 5, 1], output="sigmoid", seed=0)
    snap = Trainer(net, data.X, data.t, tangent_prop=0.4, tikhonov=0.3).advance(3)
    X = data.X
    tau = inv.tangents(X, "rotation", X.mean(axis=0))
    penalty = 0.4 * inv.tangent_penalty_value(net, X, tau) + 0.3 * inv.tikhonov_penalty_value(net, X)
    assert snap.objective == pytest.approx(snap.train_error + penalty / len(X), rel=1e-12)


@pytest.mark.parametrize("optimizer", ["newton", "lm"])
def test_newton_and_lm_take_the_penaltys_curvature_into_their_step(optimizer):
    """With tangent propagation and Tikhonov, Newton's curvature matrix is the Hessian of the whole
    objective (central differences of its exact gradient), LM's the outer product plus the
    penalty's Hessian: not the data error's alone."""
    from playground.core import hessian
    data = make_dataset("rings", n_points=30)
    net = MLP([2, 4, 1], hidden="tanh", output="sigmoid", seed=1)
    trainer = Trainer(net, data.X, data.t, optimizer=optimizer, tangent_prop=0.5, tikhonov=0.2, l2=0.01)
    obj = trainer.objective
    H = trainer.optimizer._curvature_matrix(obj)
    w0 = net.w.copy()

    def total_gradient(out):
        obj.value_and_gradient(net.w, out)
    whole = hessian.add_gradient_differences(net, total_gradient, np.zeros((net.n_params,) * 2))
    whole = 0.5 * (whole + whole.T)
    assert np.array_equal(net.w, w0)
    data_only = getattr(hessian, "exact" if optimizer == "newton" else "outer_product")(
        net, trainer.X, trainer.T, regularization=obj.regularizer)
    penalty_part = whole - hessian.exact(net, trainer.X, trainer.T, regularization=obj.regularizer)
    expected = obj.scale * (data_only + penalty_part)
    assert np.abs(penalty_part).max() > 1e-2 * np.abs(data_only).max()  # the penalty's curvature matters here
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())
