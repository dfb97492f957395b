"""Mini-batch gradients against the full batch, and early stopping's min_delta against its rule.

A mini-batch b of |b| out of N points estimates E~ = E_D + Omega by (N/|b|) E_b + Omega
(objective.py); weighted by |b|/N, the batch gradients of one epoch (all taken at the same
weights) sum to the full-batch gradient of E~, regulariser included (PRML 5.112, 5.5.2).
"""

import numpy as np
import pytest

from core.gradcheck import numerical_gradient, relative_error
from playground.core import MLP, Trainer, fit
from playground.core.training import EARLY_STOPPED


def data(n=23, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    T = np.column_stack([np.sin(X[:, 0]) + 0.1 * rng.normal(size=n), X[:, 1] ** 2])
    return X, T


def full_regularised_error(net, X, T, l2):
    return net.error(X, T) + 0.5 * l2 * float(net.w @ net.w)


@pytest.mark.parametrize("batch_size", [5, 8])  # 23 points: last batches of 3 and 7 points
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_batch_gradients_weighted_by_size_average_to_the_full_gradient(batch_size, l2):
    X, T = data()
    net = MLP([2, 5, 2], hidden="tanh", output="linear", seed=1)
    trainer = Trainer(net, X, T, optimizer="gd", lr=0.1, batch_size=batch_size, l2=l2, seed=4)
    N = X.shape[0]
    seen = []  # (rows of the batch, gradient the optimiser was given)

    def recording_step(w, objective, lr):
        g = np.empty_like(w)
        value = objective.value_and_gradient(w, g)
        seen.append((objective.X.copy(), g.copy()))
        return value  # the weights stay put: every batch is seen at the same w

    trainer.optimizer.step = recording_step
    w0 = net.w.copy()
    trainer.advance(1)
    assert len(seen) == -(-N // batch_size)
    sizes = [len(rows) for rows, _ in seen]
    assert sum(sizes) == N and sorted(map(tuple, np.concatenate([r for r, _ in seen]))) == sorted(map(tuple, X))

    average = sum(len(rows) / N * g for rows, g in seen)

    def f(w):
        net.w[:] = w
        return full_regularised_error(net, X, T, l2) / N  # first-order steps see E~ / N

    expected = numerical_gradient(f, w0)
    net.w[:] = w0
    assert relative_error(average, expected) < 1e-7
    # and no single batch is the full gradient (the test would be empty otherwise)
    assert all(relative_error(g, expected) > 1e-3 for _, g in seen)


def implied_stop(val, patience, min_delta):
    """(stop epoch, best epoch) of the rule: an epoch improves when val < best - min_delta."""
    best_epoch, best = None, np.inf
    for epoch, v in enumerate(val):
        if v < best - min_delta:
            best_epoch, best = epoch, v
        elif best_epoch is not None and epoch - best_epoch >= patience:
            return epoch, best_epoch
    return None, best_epoch


def a_middle_min_delta(val, patience, epoch=100):
    """Slightly more than what ``patience`` epochs gain around ``epoch``: stops near there."""
    return 1.01 * float(val[epoch] - val[epoch + patience])


def run(min_delta, patience, epochs):
    X, T = data(40, seed=2)
    Xv, Tv = data(30, seed=3)
    net = MLP([2, 6, 2], hidden="tanh", output="linear", seed=5)
    return fit(net, X, T, epochs=epochs, validation=(Xv, Tv), optimizer="gd", lr=0.05,
               patience=patience, min_delta=min_delta, restore_best=True)


def test_min_delta_stops_at_the_epoch_it_implies():
    patience, epochs = 3, 400
    reference = run(0.0, patience, epochs)
    val = reference.history.val_error
    assert len(val) == epochs + 1 and reference.final.status != EARLY_STOPPED  # slow steady descent
    improvements = -np.diff(val)
    assert np.all(improvements > 0)
    min_delta = a_middle_min_delta(val, patience)
    stop, best = implied_stop(val, patience, min_delta)
    assert stop is not None and 5 < stop < epochs

    result = run(min_delta, patience, epochs)
    assert result.final.status == EARLY_STOPPED
    assert result.final.epoch == stop
    assert result.final.best_epoch == best
    assert len(result.history.val_error) == stop + 1
    np.testing.assert_allclose(result.history.val_error, val[: stop + 1], rtol=1e-12)
    # restore_best went back to the weights whose validation error was the best one
    assert result.final.val_error == pytest.approx(val[best], rel=1e-10)


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_a_different_min_delta_implies_a_different_stop(scale):
    """The rule's epoch moves with min_delta, so the test above could see a min_delta ignored."""
    patience, epochs = 3, 400
    val = run(0.0, patience, epochs).history.val_error
    base = a_middle_min_delta(val, patience)
    stop_base, _ = implied_stop(val, patience, base)
    stop, best = implied_stop(val, patience, base * scale)
    assert stop != stop_base
    result = run(base * scale, patience, epochs)
    if stop is None:
        assert result.final.status != EARLY_STOPPED and result.final.epoch == epochs
    else:
        assert (result.final.status, result.final.epoch, result.final.best_epoch) == (EARLY_STOPPED, stop, best)
