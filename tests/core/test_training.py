"""Optimisers, schedules, regularisers and the step-wise Trainer."""

import math

import numpy as np
import pytest

from core.gradcheck import numerical_gradient, relative_error
from playground.core import (
    MLP, OPTIMIZERS, EarlyStopping, Objective, Regularization, Schedule, Trainer, TrainingOptions, fit,
)

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
XOR_T = np.array([0, 1, 1, 0], float)


def regression_problem(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 1))
    return X, np.sin(np.pi * X) + 0.05 * rng.normal(size=X.shape)


def test_xor_with_four_tanh_units_reaches_full_training_accuracy():
    net = MLP([2, 4, 1], hidden="tanh", output="sigmoid", seed=0)
    result = fit(net, XOR_X, XOR_T, optimizer="adam", lr=0.05, epochs=1500)
    assert result.final.train_accuracy == 1.0
    assert np.array_equal(net.predict_labels(XOR_X), XOR_T.astype(int))


@pytest.mark.parametrize(
    "optimizer, lr, extra",
    [("gd", 0.5, {}), ("momentum", 0.1, {}), ("nesterov", 0.1, {}), ("rmsprop", 0.01, {}), ("adam", 0.02, {}),
     ("gd", 0.2, {"batch_size": 10}), ("adam", 0.01, {"batch_size": 16})],
)
def test_each_optimiser_fits_a_small_regression(optimizer, lr, extra):
    X, T = regression_problem()
    net = MLP([1, 8, 1], hidden="tanh", output="linear", seed=1)
    start = net.error(X, T) / len(X)
    result = fit(net, X, T, optimizer=optimizer, lr=lr, epochs=800, **extra)
    assert result.final.train_error < 0.01 < start
    assert result.final.status != "diverged"


def test_every_registered_first_order_optimiser_is_covered():
    assert {"gd", "momentum", "nesterov", "rmsprop", "adam"} <= set(OPTIMIZERS)


def test_history_entry_k_is_the_error_after_k_epochs():
    """The curve must hold the error at exactly the weights it is drawn for."""
    X, T = regression_problem(30)
    for batch in (None, 7):
        net = MLP([1, 5, 1], seed=3)
        trainer = Trainer(net, X, T, validation=(X[:10], T[:10]), optimizer="momentum", lr=0.05, batch_size=batch)
        direct_train, direct_val = [net.error(X, T) / 30], [net.error(X[:10], T[:10]) / 10]
        for _ in range(6):
            trainer.advance(1)
            direct_train.append(net.error(X, T) / 30)
            direct_val.append(net.error(X[:10], T[:10]) / 10)
        snap = trainer.snapshot()
        np.testing.assert_allclose(snap.history.train_error, direct_train, rtol=1e-12)
        np.testing.assert_allclose(snap.history.val_error, direct_val, rtol=1e-12)
        assert snap.train_error == pytest.approx(direct_train[-1], rel=1e-12)
        assert snap.epoch == 6 and snap.history.epochs.tolist() == list(range(7))


def test_advancing_in_chunks_equals_advancing_at_once():
    X, T = regression_problem(40)
    a, b = MLP([1, 6, 1], seed=2), MLP([1, 6, 1], seed=2)
    ta = Trainer(a, X, T, optimizer="adam", lr=0.01, batch_size=8, seed=5)
    tb = Trainer(b, X, T, optimizer="adam", lr=0.01, batch_size=8, seed=5)
    ta.advance(20)
    for _ in range(4):
        tb.advance(5)
    np.testing.assert_array_equal(a.w, b.w)
    np.testing.assert_array_equal(ta.snapshot().history.train_error, tb.snapshot().history.train_error)


def test_snapshots_are_immutable_copies():
    X, T = regression_problem(20)
    net = MLP([1, 3, 1], seed=0)
    trainer = Trainer(net, X, T, optimizer="gd", lr=0.1)
    snap = trainer.advance(3)
    w_before = snap.weights.copy()
    trainer.advance(3)
    np.testing.assert_array_equal(snap.weights, w_before)
    with pytest.raises(ValueError):
        snap.weights[0] = 1.0
    with pytest.raises(ValueError):
        snap.history.train_error[0] = 1.0
    assert trainer.snapshot().serial > snap.serial


def test_changing_learning_rate_or_optimiser_between_steps_keeps_the_weights():
    X, T = regression_problem(30)
    net = MLP([1, 5, 1], seed=0)
    trainer = Trainer(net, X, T, optimizer="momentum", lr=0.05, momentum=0.8)
    trainer.advance(10)
    w = net.w.copy()
    trainer.update_options(lr=0.001)
    np.testing.assert_array_equal(net.w, w)
    assert trainer.snapshot().lr == 0.001 and trainer.optimizer.hyper["momentum"] == 0.8
    trainer.update_options(momentum=0.5, l2=0.1)
    trainer.update_options(optimizer="adam")
    np.testing.assert_array_equal(net.w, w)
    assert trainer.options.optimizer == "adam" and trainer.options.regularization.l2 == 0.1
    snap = trainer.advance(5)
    assert snap.epoch == 15 and len(snap.history) == 16


def test_bad_option_changes_are_rejected_and_change_nothing():
    X, T = regression_problem(20)
    trainer = Trainer(MLP([1, 3, 1], seed=0), X, T, optimizer="adam", lr=0.01)
    for bad in ({"lr": float("nan")}, {"lr": -1}, {"beta1": 1.5}, {"optimizer": "sgdd"}, {"momentum": 0.9},
                {"batch_size": 0}, {"l2": -0.1}, {"l2_groups": {"w3": 1.0}}):
        with pytest.raises(ValueError):
            trainer.update_options(**bad)
    assert trainer.options == TrainingOptions(optimizer="adam", lr=0.01)


def test_divergence_restores_finite_weights_and_says_so():
    X, T = regression_problem(40)
    for batch in (None, 8):
        net = MLP([1, 8, 1], hidden="relu", seed=0)
        trainer = Trainer(net, X, T, optimizer="gd", lr=1e3, batch_size=batch)
        snap = trainer.advance(200)
        assert snap.status == "diverged"
        assert "smaller learning rate" in snap.message
        assert np.all(np.isfinite(net.w)) and np.all(np.isfinite(snap.weights))
        assert math.isfinite(snap.train_error)
        assert np.all(np.isfinite(snap.history.train_error))
        assert len(snap.history) == snap.epoch + 1
        # the reported error is the error of the restored weights
        assert snap.train_error == pytest.approx(net.error(X, T) / 40)
        # lowering the learning rate and carrying on works from the restored weights
        trainer.update_options(lr=1e-3)
        later = trainer.advance(5)
        assert later.status == "training" and later.epoch == snap.epoch + 5


def test_early_stopping_restores_the_best_validation_weights():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (12, 1))
    T = np.sin(3 * X) + 0.3 * rng.normal(size=X.shape)
    Xv = rng.uniform(-1, 1, (40, 1))
    Tv = np.sin(3 * Xv) + 0.3 * rng.normal(size=Xv.shape)
    net = MLP([1, 30, 1], seed=0)
    result = fit(net, X, T, validation=(Xv, Tv), optimizer="adam", lr=0.03, epochs=5000, patience=50)
    snap = result.final
    assert snap.status == "early_stopped" and snap.epoch < 5000
    best = int(np.nanargmin(result.val_error))
    assert snap.best_epoch == best
    assert snap.epoch - best == 50
    assert snap.val_error == pytest.approx(result.val_error[best], rel=1e-12)
    assert "epoch" in snap.message
    # stopped trainers stay stopped until the settings change
    trainer = Trainer(net, X, T, validation=(Xv, Tv), optimizer="adam", lr=0.03, patience=1)
    for _ in range(200):
        if trainer.advance(1).status == "early_stopped":
            break
    assert trainer.advance(10).epoch == trainer.epoch
    trainer.update_options(early_stopping=None)
    assert trainer.advance(3).status == "training"


def test_early_stopping_needs_a_validation_set():
    X, T = regression_problem(20)
    with pytest.raises(ValueError, match="validation"):
        Trainer(MLP([1, 3, 1]), X, T, patience=5)


def test_reset_reinitialises_and_clears_history():
    X, T = regression_problem(20)
    net = MLP([1, 3, 1], seed=0)
    w0 = net.w.copy()
    trainer = Trainer(net, X, T, optimizer="adam", lr=0.05)
    trainer.advance(10)
    snap = trainer.reset(seed=0)
    np.testing.assert_array_equal(net.w, w0)
    assert snap.epoch == 0 and len(snap.history) == 1


def test_schedules():
    assert Schedule().lr(0.1, 1000) == 0.1
    step = Schedule("step", drop=0.5, every=10)
    assert [step.lr(1.0, e) for e in (0, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]
    inv = Schedule("inverse_time", decay=0.1)
    assert inv.lr(1.0, 10) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        Schedule("cosine")
    X, T = regression_problem(20)
    trainer = Trainer(MLP([1, 3, 1]), X, T, optimizer="gd", lr=0.2, schedule="step", lr_every=5, lr_drop=0.1)
    assert trainer.advance(5).lr == pytest.approx(0.02)


@pytest.mark.parametrize("reg", [Regularization(l2=0.3), Regularization(l2_groups={"w1": 0.1, "b1": 0.0, "w2": 2.0, "b2": 0.5}),
                                 Regularization(l1=0.2), Regularization(l2=0.1, l1=0.05)])
def test_regularised_objective_gradient_matches_finite_differences(reg):
    rng = np.random.default_rng(1)
    net = MLP([2, 4, 3, 2], hidden="tanh", output="softmax", seed=4)
    X = rng.normal(size=(9, 2))
    T = rng.integers(0, 2, 9)
    objective = Objective(net, X, net.head.prepare_targets(T), reg.bind(net), data_weight=2.5, scale=0.1)
    w0 = net.w.copy()
    g = np.empty_like(w0)
    E = objective.value_and_gradient(w0, g)
    assert E == pytest.approx(objective.value(w0))
    g_fd = numerical_gradient(objective.value, w0)
    assert relative_error(g, g_fd) < 1e-6


def test_weight_decay_groups_select_the_right_parameters():
    net = MLP([2, 3, 4, 1], seed=0)
    lam = Regularization(l2_groups={"w1": 1.0, "b1": 2.0, "w2": 3.0, "b2": 4.0}).bind(net).lam
    (W1, W2, W3), (b1, b2, b3) = net.unpack(lam)
    assert np.all(W1 == 1) and np.all(b1 == 2)
    assert np.all(W2 == 3) and np.all(W3 == 3) and np.all(b2 == 4) and np.all(b3 == 4)


def test_l1_drives_weights_towards_zero_more_than_l2():
    X, T = regression_problem(40)
    plain, sparse = MLP([1, 10, 1], seed=0), MLP([1, 10, 1], seed=0)
    fit(plain, X, T, optimizer="adam", lr=0.01, epochs=600)
    fit(sparse, X, T, optimizer="adam", lr=0.01, epochs=600, l1=0.5)
    assert np.sum(np.abs(sparse.w) < 1e-2) > np.sum(np.abs(plain.w) < 1e-2)


def test_fit_rejects_unknown_keywords_clearly():
    X, T = regression_problem(10)
    with pytest.raises(ValueError, match="learning_rate"):
        fit(MLP([1, 2, 1]), X, T, learning_rate=0.1)
    with pytest.raises(ValueError, match="momentum"):
        fit(MLP([1, 2, 1]), X, T, optimizer="adam", momentum=0.9)


def test_fit_callback_sees_snapshots_and_can_stop():
    X, T = regression_problem(10)
    seen = []

    def callback(snap):
        seen.append(snap.epoch)
        return snap.epoch < 30

    result = fit(MLP([1, 2, 1]), X, T, optimizer="gd", lr=0.1, epochs=100, callback=callback, callback_every=10)
    assert seen == [10, 20, 30] and result.final.epoch == 30


def test_training_options_round_trip_through_keywords():
    opts = TrainingOptions.from_kwargs(optimizer="momentum", lr=0.3, momentum=0.5, nesterov=True, batch_size=4,
                                       schedule="inverse_time", lr_decay=0.2, l2=0.1, patience=7, restore_best=False)
    assert opts.hyper == {"momentum": 0.5, "nesterov": True}
    assert opts.schedule == Schedule("inverse_time", decay=0.2)
    assert opts.early_stopping == EarlyStopping(patience=7, restore_best=False)
