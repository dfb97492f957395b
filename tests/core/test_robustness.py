"""Issue 9, core: divergence of classifiers, best weights restored, full Newton steps,
errors never negative, memory refusals before W x W matrices, interruptible training."""


import numpy as np
import pytest
from scipy.special import expit

from playground.core import MLP, Trainer, fit, hessian, memory
from playground.core.datasets import make_dataset
from playground.core.heads import SigmoidHead, SoftmaxHead
from playground.core.memory import TooLargeError
from playground.core import objective
from playground.core.objective import Interrupted


# ---------------------------------------------------------------------------- errors are never negative
@pytest.mark.parametrize("seed", range(20))
def test_saturated_cross_entropies_are_never_negative(seed):
    # Summing softplus(a) and t a separately cancelled to -4.5e-15 per point here.
    rng = np.random.default_rng(seed)
    a = rng.uniform(36, 50, (200, 1))
    logits, targets = np.r_[a, -a], np.r_[np.ones_like(a), np.zeros_like(a)]
    E = SigmoidHead(1).error(logits, targets)
    assert E >= 0.0
    assert E == pytest.approx(np.sum(np.log1p(np.exp(-np.abs(logits)))), rel=1e-12)
    soft = SoftmaxHead(2)
    E2 = soft.error(np.c_[a, -a], soft.prepare_targets(np.zeros(200, int)))
    assert E2 >= 0.0


def test_sigmoid_cross_entropy_keeps_its_value_for_soft_targets():
    rng = np.random.default_rng(1)
    a = rng.normal(0, 3, (50, 2))
    T = rng.uniform(0, 1, (50, 2))
    y = expit(a)
    expected = -np.sum(T * np.log(y) + (1 - T) * np.log(1 - y))
    E, delta = SigmoidHead(2).error_and_delta(a, T)
    assert E == pytest.approx(expected, rel=1e-12)
    assert np.allclose(delta, y - T)


def test_softmax_cross_entropy_keeps_its_value_for_soft_targets():
    rng = np.random.default_rng(2)
    a = rng.normal(0, 3, (40, 3))
    T = rng.uniform(0, 1, (40, 3))  # rows need not sum to one
    log_y = a - np.log(np.sum(np.exp(a), axis=1, keepdims=True))
    assert SoftmaxHead(3).error(a, T) == pytest.approx(-np.sum(T * log_y), rel=1e-12)


# ---------------------------------------------------------------------------- divergence
@pytest.mark.parametrize("head", ["sigmoid", "softmax"])
def test_classification_divergence_is_detected_and_the_best_weights_come_back(head):
    data = make_dataset("spiral", n_points=200, noise=0.1, seed=0)
    X, T = data.X, data.targets(head)
    net = MLP([2, 8, 8, T.shape[1]], hidden="tanh", output=head, seed=0)
    start = net.error(X, T) / len(X)
    result = fit(net, X, T, optimizer="gd", lr=100, epochs=200)
    snap = result.final
    assert snap.status == "diverged"
    assert "diverged" in snap.message and "lowest training error" in snap.message
    assert "smaller learning rate" in snap.message
    assert snap.epoch < 200
    assert snap.train_error <= start
    assert snap.train_error == pytest.approx(net.error(X, T) / len(X), rel=1e-12)
    assert snap.train_error == pytest.approx(np.nanmin(snap.history.train_error), rel=1e-12)


def test_fit_reports_classification_divergence_for_mini_batches_too():
    data = make_dataset("spiral", n_points=200, noise=0.1, seed=0)
    X, T = data.X, data.targets("sigmoid")
    net = MLP([2, 8, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    snap = fit(net, X, T, optimizer="gd", lr=100, batch_size=20, epochs=200).final
    assert snap.status == "diverged"
    assert snap.train_error == pytest.approx(net.error(X, T) / len(X), rel=1e-12)


def test_reasonable_classification_training_is_not_called_divergent():
    data = make_dataset("spiral", n_points=200, noise=0.1, seed=0)
    for head in ("sigmoid", "softmax"):
        X, T = data.X, data.targets(head)
        for optimizer, lr in (("gd", 1.0), ("gd", 3.0), ("adam", 0.1), ("momentum", 0.5)):
            net = MLP([2, 8, 8, T.shape[1]], hidden="tanh", output=head, seed=0)
            assert fit(net, X, T, optimizer=optimizer, lr=lr, epochs=300).final.status == "training"


def regression(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 1))
    return X, np.sin(np.pi * X) + 0.05 * rng.normal(size=X.shape)


@pytest.mark.parametrize("batch", [None, 8])
def test_regression_divergence_restores_the_best_weights_not_the_last_finite_ones(batch):
    X, T = regression()
    net = MLP([1, 8, 1], hidden="relu", seed=0)
    trainer = Trainer(net, X, T, optimizer="gd", lr=0.05, batch_size=batch)
    seen = [s for s in (trainer.advance(1) for _ in range(60))]
    best = min(s.train_error for s in seen)
    trainer.update_options(lr=1e3)
    snap = trainer.advance(500)
    assert snap.status == "diverged"
    # Before: the last finite weights came back, |w| ~ 1e151 with an error of ~1e304 per point.
    assert np.max(np.abs(snap.weights)) < 100
    assert snap.train_error == pytest.approx(best, rel=1e-12)
    assert snap.train_error == pytest.approx(net.error(X, T) / len(X), rel=1e-12)
    assert snap.epoch == min(range(len(seen)), key=lambda i: seen[i].train_error) + 1
    assert len(snap.history) == snap.epoch + 1
    # carrying on with a sensible learning rate works from there
    trainer.update_options(lr=0.01)
    assert trainer.advance(3).status == "training"


# ---------------------------------------------------------------------------- Newton's full step
@pytest.mark.parametrize("optimizer", ["newton", "lm"])
def test_newton_and_lm_without_lr_take_the_full_step(optimizer):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (30, 1))
    T = 0.878 * X + 2.284 + 0.1 * rng.normal(size=X.shape)
    net = MLP([1, 1], seed=0)
    fit(net, X, T, optimizer=optimizer, epochs=1)
    A = np.c_[X, np.ones(len(X))]
    least_squares = np.linalg.lstsq(A, T[:, 0], rcond=None)[0]
    assert np.allclose(net.w, least_squares, rtol=1e-4, atol=1e-6)


def test_an_explicit_lr_still_wins_for_newton():
    X = np.linspace(-1, 1, 20)[:, None]
    T = 3 * X + 1
    net = MLP([1, 1], seed=0)
    trainer = Trainer(net, X, T, optimizer="newton", lr=0.5)
    assert trainer.options.lr == 0.5
    assert Trainer(MLP([1, 1]), X, T, optimizer="adam").options.lr == 0.01


# ---------------------------------------------------------------------------- memory refusals
@pytest.fixture
def one_megabyte(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**20)


def _big_net():
    return MLP([2, 100, 1], hidden="tanh", seed=0)  # 401 weights: one W x W matrix is 1.3 MB


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(20, 2)), rng.normal(size=(20, 1))


@pytest.mark.parametrize("build", [
    lambda n, X, T: hessian.exact(n, X, T),
    lambda n, X, T: hessian.outer_product(n, X, T),
    lambda n, X, T: hessian.finite_difference(n, X, T),
    lambda n, X, T: hessian.outer_product_inverse(n, X, T, alpha=1.0),
])
def test_dense_hessians_refuse_in_words_when_memory_is_short(one_megabyte, build):
    X, T = _data()
    with pytest.raises(TooLargeError) as err:
        build(_big_net(), X, T)
    message = str(err.value)
    assert "401 x 401" in message and "MB" in message and "fewer hidden units" in message
    assert isinstance(err.value, ValueError) and isinstance(err.value, MemoryError)


def test_small_hessians_still_work_under_the_small_budget(one_megabyte):
    X, T = _data()
    net = MLP([2, 3, 1], hidden="tanh", seed=0)
    assert hessian.exact(net, X, T).shape == (net.n_params, net.n_params)


@pytest.mark.parametrize("optimizer", ["newton", "lm", "bfgs"])
def test_w_by_w_optimisers_are_refused_before_training(one_megabyte, optimizer):
    X, T = _data()
    with pytest.raises(ValueError, match="401 x 401") as err:
        Trainer(_big_net(), X, T, optimizer=optimizer)
    assert "first-order" not in str(err.value) or "L-BFGS" in str(err.value)
    assert "L-BFGS" in str(err.value)
    trainer = Trainer(_big_net(), X, T, optimizer="adam")
    before = trainer.options
    with pytest.raises(ValueError, match="401 x 401"):
        trainer.update_options(optimizer=optimizer)  # the GUI worker reports this as an options error
    assert trainer.options == before and trainer.optimizer.name == "adam"
    assert trainer.advance(2).epoch == 2  # nothing broken


def test_available_memory_is_read_and_capped():
    assert memory.available_bytes() > 0
    assert 0 < memory.budget_bytes() <= memory.ABSOLUTE_CAP_BYTES
    assert memory.format_bytes(1.7e12) == "1.7 TB"


# ---------------------------------------------------------------------------- interruptible training
@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of ~2e7 operations (about 200 points of a 2 x 128 network), so that these
    tests see many blocks on small, quick problems."""
    monkeypatch.setattr(objective, "BLOCK_FLOPS", 2e7)


class Counter:
    """should_stop that answers True from its n-th call on."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def __call__(self):
        self.calls += 1
        return self.calls >= self.n


def _moderate(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X[:, :1] * X[:, 1:] > 0).astype(float)


def _trainer(X, T, **kw):
    net = MLP([2, 128, 128, 1], hidden="tanh", output="sigmoid", seed=0)
    return Trainer(net, X, T, **kw)


@pytest.mark.parametrize("options", [
    dict(optimizer="adam", lr=0.01),
    dict(optimizer="adam", lr=0.01, batch_size=500),
    dict(optimizer="scg"),
    dict(optimizer="lbfgs"),
])
def test_should_stop_discards_the_partial_epoch_and_training_carries_on_exactly(small_blocks, options):
    X, T = _moderate()
    trainer, reference = _trainer(X, T, **options), _trainer(X, T, **options)
    trainer.advance(1)
    reference.advance(1)
    w1 = trainer.net.w.copy()
    stop = Counter(3)  # after a couple of blocks (or mini-batches) of the next epoch
    snap = trainer.advance(5, should_stop=stop)
    assert stop.calls == 3
    assert snap.epoch == trainer.epoch == 1 and snap.steps == trainer.steps == reference.steps
    assert len(snap.history) == 2
    assert np.array_equal(trainer.net.w, w1) and np.array_equal(snap.weights, w1)
    assert snap.train_error == pytest.approx(trainer.net.error(X, T) / len(X), rel=1e-12)
    # the optimiser state and the mini-batch order were put back too: the next epoch is the
    # one an uninterrupted run takes
    trainer.advance(1)
    reference.advance(1)
    assert np.array_equal(trainer.net.w, reference.net.w)


def test_should_stop_before_anything_returns_at_once():
    X, T = _moderate(300)
    trainer = _trainer(X, T, optimizer="gd", lr=0.1)
    snap = trainer.advance(10, should_stop=lambda: True)
    assert snap.epoch == 0 and trainer.steps == 0


def test_a_time_budget_cuts_a_long_epoch_only_after_one_has_completed(small_blocks):
    X, T = _moderate()
    trainer = _trainer(X, T, optimizer="adam", lr=0.01)
    snap = trainer.advance(5, max_seconds=1e-9)  # every call makes progress
    assert snap.epoch == 1
    w = trainer.net.w.copy()
    assert trainer.advance(5, max_seconds=1e-9).epoch == 2
    assert not np.array_equal(trainer.net.w, w)


@pytest.mark.parametrize("budget", [None, 1e-9, 1e-3, 60.0])
def test_advance_never_trains_more_epochs_than_asked(budget):
    X, T = regression(30)
    trainer = Trainer(MLP([1, 4, 1], seed=0), X, T, optimizer="gd", lr=0.1)
    for epochs in (1, 7, 3):
        before = trainer.epoch
        snap = trainer.advance(epochs, max_seconds=budget)
        assert before + 1 <= trainer.epoch == snap.epoch <= before + epochs
        if budget is None or budget >= 60:
            assert trainer.epoch == before + epochs


def test_should_stop_while_the_new_epoch_is_evaluated_discards_that_epoch_too(small_blocks):
    # Mini-batch steps change the weights batch by batch; the epoch ends with error
    # evaluations over all points (validation first), which are interruptible too.
    X, T = _moderate(1500)
    Xv, Tv = _moderate(600, seed=1)
    options = dict(optimizer="adam", lr=0.01, batch_size=500, validation=(Xv, Tv))
    trainer, reference = _trainer(X, T, **options), _trainer(X, T, **options)
    trainer.advance(1)
    reference.advance(1)
    w1 = trainer.net.w.copy()
    snap = trainer.advance(3, should_stop=lambda: trainer.epoch == 2)  # True once the epoch is counted
    assert snap.epoch == trainer.epoch == 1 and len(snap.history) == 2
    assert np.isnan(trainer._series["val"].get(2))
    assert np.array_equal(trainer.net.w, w1)
    assert snap.val_error == pytest.approx(trainer.net.error(Xv, Tv) / len(Xv), rel=1e-12)
    trainer.advance(2)
    reference.advance(2)
    assert np.array_equal(trainer.net.w, reference.net.w)
    assert np.array_equal(trainer.snapshot().history.val_error, reference.snapshot().history.val_error)


def test_exact_hessian_reports_progress_and_can_be_cancelled():
    X, T = _moderate(3000)
    net = MLP([2, 20, 20, 1], hidden="tanh", output="sigmoid", seed=0)
    calls = []
    H = hessian.exact(net, X, T, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) > 1 and calls[0] == (0, 3000) and all(t == 3000 for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert np.allclose(H, hessian.exact(net, X, T))
    w = net.w.copy()
    with pytest.raises(Interrupted):
        hessian.outer_product(net, X, T, progress=lambda done, total: done == 0)
    assert np.array_equal(net.w, w)


def test_should_stop_reaches_into_the_curvature_matrix_of_a_newton_step(small_blocks):
    X, T = _moderate(1600)  # two chunks of points (1,517 + 83) for H of this 501-weight network
    make = lambda: Trainer(MLP([2, 20, 20, 1], hidden="tanh", output="sigmoid", seed=0), X, T,  # noqa: E731
                           optimizer="newton")
    trainer, reference = make(), make()
    trainer.advance(1)
    reference.advance(1)
    w1, mu = trainer.net.w.copy(), trainer.optimizer.mu
    stop = Counter(3)  # between epochs, then the first and second chunk of points of H
    snap = trainer.advance(2, should_stop=stop)
    assert stop.calls == 3 and snap.epoch == 1
    assert np.array_equal(trainer.net.w, w1) and trainer.optimizer.mu == mu
    trainer.advance(1)
    reference.advance(1)
    assert np.array_equal(trainer.net.w, reference.net.w)


def test_a_race_stops_when_asked_with_every_contender_at_a_completed_step(small_blocks):
    from playground.core.race import Race

    X, T = _moderate(2000)
    net = MLP([2, 128, 128, 1], hidden="tanh", output="sigmoid", seed=0)
    race = Race(net, X, T, max_steps=50)
    assert race.advance(None, should_stop=lambda: True).contenders[0].n_steps == 0  # asked first
    stop = Counter(6)
    snap = race.advance(None, should_stop=stop)
    assert not snap.finished and stop.calls >= 6  # the race asks once more after a trainer stopped
    for contender, trainer in zip(snap.contenders, race.trainers):
        assert contender.n_steps == trainer.epoch
        assert contender.errors[-1] == pytest.approx(trainer.net.error(X, T) / len(X), rel=1e-12)


class _TickingClock:
    """perf_counter that advances one second per reading."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        self.now += 1.0
        return self.now


def test_a_time_budget_cuts_a_long_epoch_after_the_first_and_discards_it(small_blocks, monkeypatch):
    import playground.core.training as training

    X, T = _moderate()
    trainer, reference = _trainer(X, T, optimizer="adam", lr=0.01), _trainer(X, T, optimizer="adam", lr=0.01)
    reference.advance(1, should_stop=lambda: False)  # summed in the same blocks
    clock = _TickingClock()
    monkeypatch.setattr(training, "time", clock)
    # The first epoch reads the clock once (it may not be cut); the second one, predicted to fit
    # (it took 1 "second"), reads it before each of its ~16 blocks and is cut at the 10 s budget.
    snap = trainer.advance(5, max_seconds=10.0)
    assert snap.epoch == trainer.epoch == 1
    assert 10 <= clock.now < 20
    assert np.array_equal(trainer.net.w, reference.net.w)


def test_should_stop_while_the_snapshot_evaluates_new_weights_goes_back_to_known_ones(small_blocks):
    X, T = _moderate()
    trainer, reference = _trainer(X, T, optimizer="adam", lr=0.01), _trainer(X, T, optimizer="adam", lr=0.01)
    first = trainer.advance(1)  # its errors are known now
    reference.advance(1)
    # True once epoch 2 is counted: only the final snapshot's pass over the points asks then.
    snap = trainer.advance(1, should_stop=lambda: trainer.epoch == 2)
    assert snap.epoch == trainer.epoch == 1 and trainer.steps == 1
    assert np.array_equal(trainer.net.w, first.weights) and np.array_equal(snap.weights, first.weights)
    assert snap.train_error == first.train_error and len(snap.history) == 2
    trainer.advance(1)
    reference.advance(1)
    assert np.array_equal(trainer.net.w, reference.net.w)


def test_building_a_trainer_makes_no_pass_over_the_data(monkeypatch):
    # The GUI builds a Trainer on every edit; with 100,000 points through a large network a
    # forward pass takes seconds. The starting errors are measured when first needed.
    X, T = regression(60)
    Xv, Tv = regression(30, seed=1)
    net = MLP([1, 6, 1], seed=0)
    calls = []
    original = MLP.forward_pass
    monkeypatch.setattr(MLP, "forward_pass", lambda self, X: calls.append(len(X)) or original(self, X))
    trainer = Trainer(net, X, T, validation=(Xv, Tv), test=(Xv, Tv), optimizer="gd", lr=0.1, patience=5)
    assert calls == []
    snap = trainer.snapshot()
    assert snap.history.val_error[0] == pytest.approx(net.error(Xv, Tv) / 30, rel=1e-12)
    assert snap.history.test_error[0] == snap.val_error and snap.best_epoch == 0
    trainer.set_weights(net.w * 0.5)
    calls.clear()
    trainer.advance(2)
    later = trainer.snapshot()
    assert later.history.val_error[0] == pytest.approx(trainer._series["val"].get(0))
    assert np.all(np.isfinite(later.history.val_error)) and len(later.history) == 3
