"""The optimiser race: same start, fair bookkeeping, curves equal to independent Trainers."""

import math

import numpy as np
import pytest

from playground.core import MLP, OPTIMIZERS, Trainer
from playground.core.datasets import make_dataset
from playground.core.race import DEFAULT_CONTENDERS, Contender, Race, RaceSnapshot


def xor_problem(seed=0, noise=0.3, n_points=100):
    """A 2-4-1 tanh/sigmoid net on noisy xor: the classes overlap, so the minimum is not at 0."""
    data = make_dataset("xor", n_points=n_points, noise=noise, seed=3)
    net = MLP([2, 4, 1], hidden="tanh", output="sigmoid", seed=seed)
    return net, data.X, data.targets("sigmoid")


def sinusoid_problem(seed=0):
    data = make_dataset("sinusoid", n_points=20, seed=1)
    net = MLP([1, 5, 1], hidden="tanh", output="linear", seed=seed)
    return net, data.X, data.targets("linear")


def independent_curve(net, X, T, contender, steps, **options):
    trainer = Trainer(net.copy(), X, T, optimizer=contender.optimizer, lr=contender.resolved_lr,
                      **dict(contender.hyper), **options)
    return trainer.advance(steps).history.train_error


# ---------------------------------------------------------------------------------- contenders

def test_default_contenders_are_the_six_of_the_brief():
    assert [c.optimizer for c in DEFAULT_CONTENDERS] == ["gd", "momentum", "adam", "scg", "lbfgs", "newton"]
    labels = [c.label for c in DEFAULT_CONTENDERS]
    assert len(set(labels)) == len(labels)
    # Newton takes its own default (the full step); line-search methods show no learning rate.
    newton = DEFAULT_CONTENDERS[-1]
    assert newton.resolved_lr == OPTIMIZERS["newton"].default_lr and newton.label == "Newton"
    assert DEFAULT_CONTENDERS[3].label == "SCG" and DEFAULT_CONTENDERS[4].label == "L-BFGS"
    for c in DEFAULT_CONTENDERS:
        assert c.resolved_lr > 0


def test_contender_label_shows_learning_rate_and_changed_settings():
    c = Contender("momentum", lr=0.05, hyper={"momentum": 0.5})
    assert "0.05" in c.label and "momentum=0.5" in c.label
    assert Contender("lbfgs", hyper={"memory": 10}).label == "L-BFGS"  # a default is not repeated
    assert c == Contender("momentum", lr=0.05, hyper={"momentum": 0.5})
    assert hash(c) == hash(Contender("momentum", lr=0.05, hyper={"momentum": 0.5}))


def test_contender_settings_are_copied_and_read_only():
    hyper = {"momentum": 0.5}
    c = Contender("momentum", hyper=hyper)
    hyper["momentum"] = 0.0
    assert c.hyper["momentum"] == 0.5
    with pytest.raises(TypeError):
        c.hyper["momentum"] = 0.1


@pytest.mark.parametrize("kwargs", [
    {"optimizer": "sgd-with-magic"},
    {"optimizer": "gd", "lr": -1.0},
    {"optimizer": "gd", "lr": float("nan")},
    {"optimizer": "adam", "hyper": {"beta1": 2.0}},
    {"optimizer": "gd", "hyper": {"momentum": 0.9}},
])
def test_invalid_contenders_are_refused(kwargs):
    with pytest.raises(ValueError):
        Contender(**kwargs)


def test_invalid_races_are_refused():
    net, X, T = xor_problem()
    with pytest.raises(ValueError, match="at least one"):
        Race(net, X, T, contenders=[])
    with pytest.raises(ValueError, match="twice"):
        Race(net, X, T, contenders=[Contender("gd", 0.1), Contender("gd", 0.1)])
    with pytest.raises(ValueError, match="max_steps"):
        Race(net, X, T, max_steps=0)
    with pytest.raises(ValueError, match="pace"):
        Race(net, X, T, pace="vibes")


# ---------------------------------------------------------------------------------- the race

def test_every_contender_starts_from_the_same_weights_and_error():
    net, X, T = xor_problem()
    race = Race(net, X, T)
    for trainer in race.trainers:
        assert trainer.net is not net
        assert not np.shares_memory(trainer.net.w, net.w)
        np.testing.assert_array_equal(trainer.net.w, net.w)
    snap = race.snapshot()
    assert isinstance(snap, RaceSnapshot) and not snap.finished
    expected = net.error(X, T) / X.shape[0]
    assert snap.labels == tuple(c.label for c in DEFAULT_CONTENDERS)
    for c in snap.contenders:
        assert c.status == "ready" and c.n_steps == 0
        np.testing.assert_array_equal(c.steps, [0])
        np.testing.assert_array_equal(c.seconds, [0.0])
        assert c.errors.shape == (1,)
        assert c.errors[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("pace", ["time", "steps"])
def test_each_curve_equals_an_independent_trainer(pace):
    net, X, T = xor_problem(seed=1)
    contenders = DEFAULT_CONTENDERS + (Contender("lm"), Contender("momentum", lr=0.05, hyper={"momentum": 0.5}))
    # Tiny slices: many slice boundaries, where the trainers are stopped and resumed.
    race = Race(net, X, T, contenders=contenders, max_steps=60, pace=pace, slice_seconds=1e-5)
    snap = race.advance(None)
    assert snap.finished
    for contender, c in zip(contenders, snap.contenders):
        assert c.label == contender.label and c.optimizer == contender.optimizer
        assert c.status == "finished" and c.n_steps == 60
        np.testing.assert_array_equal(c.steps, np.arange(61))
        reference = independent_curve(net, X, T, contender, 60)
        np.testing.assert_allclose(c.errors, reference, rtol=1e-9, atol=1e-13)


def test_a_partial_race_matches_too_and_seconds_only_grow():
    net, X, T = xor_problem(seed=2)
    race = Race(net, X, T, max_steps=400, slice_seconds=1e-4)
    snaps = [race.advance(0.01) for _ in range(5)]
    for snap in snaps:
        for c in snap.contenders:
            assert c.steps.shape == c.seconds.shape == c.errors.shape
            assert c.seconds[0] == 0.0
            assert np.all(np.diff(c.seconds) >= 0)
            assert np.all(np.isfinite(c.errors))
    last = snaps[-1]
    assert any(c.n_steps > 0 for c in last.contenders)
    for contender, c in zip(DEFAULT_CONTENDERS, last.contenders):
        reference = independent_curve(net, X, T, contender, c.n_steps)
        np.testing.assert_allclose(c.errors, reference, rtol=1e-9, atol=1e-13)
    # Later snapshots extend earlier ones; earlier arrays were not changed afterwards.
    first, final = snaps[0], race.advance(None)
    for a, b in zip(first.contenders, final.contenders):
        n = a.errors.size
        np.testing.assert_array_equal(a.errors, b.errors[:n])
        np.testing.assert_array_equal(a.seconds, b.seconds[:n])


def test_snapshot_arrays_are_fresh_read_only_copies():
    net, X, T = xor_problem()
    race = Race(net, X, T, max_steps=20)
    a = race.advance(None)
    b = race.snapshot()
    for ca, cb in zip(a.contenders, b.contenders):
        for name in ("steps", "seconds", "errors"):
            x, y = getattr(ca, name), getattr(cb, name)
            assert not x.flags.writeable
            assert not np.shares_memory(x, y)
            np.testing.assert_array_equal(x, y)
    assert b.serial > a.serial


def test_steps_pace_keeps_the_step_counts_together():
    net, X, T = xor_problem()
    race = Race(net, X, T, max_steps=300, pace="steps", slice_seconds=1e-4)
    for _ in range(10):
        snap = race.advance(0.005)
        counts = [c.n_steps for c in snap.contenders]
        assert max(counts) - min(counts) <= 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_newton_and_lbfgs_beat_gradient_descent_within_50_steps(seed):
    """PRML 5.4: curvature information gets far further per step than the gradient alone."""
    net, X, T = xor_problem(seed=seed)
    snap = Race(net, X, T, max_steps=50).advance(None)
    gd, lbfgs, newton = snap["GD \u03b7=0.5"], snap["L-BFGS"], snap["Newton"]
    assert gd.n_steps == lbfgs.n_steps == newton.n_steps == 50
    assert newton.error < gd.error
    assert lbfgs.error < gd.error
    assert newton.error < 0.5 * gd.error


def test_a_diverging_contender_stops_and_the_others_run_on():
    net, X, T = sinusoid_problem()
    wild = Contender("gd", lr=1e4)
    contenders = (wild, Contender("gd"), Contender("lbfgs"), Contender("newton"))
    snap = Race(net, X, T, contenders=contenders, max_steps=200).advance(None)
    assert snap.finished
    bad = snap[wild.label]
    assert bad.status == "diverged" and "diverged" in bad.message
    assert bad.n_steps < 200 and np.all(np.isfinite(bad.errors))
    assert "diverged" in snap.summary()
    for c in snap.contenders[1:]:
        assert c.status == "finished" and c.n_steps == 200 and c.message.find("diverged") < 0
        assert c.error < c.errors[0]
    # Its curve up to divergence is still that of an independent trainer.
    reference = independent_curve(net, X, T, wild, 200)
    np.testing.assert_allclose(bad.errors, reference[: bad.errors.size], rtol=1e-9)


def test_the_original_network_is_untouched():
    net, X, T = xor_problem()
    before = net.w.copy()
    Race(net, X, T, max_steps=30).advance(None)
    np.testing.assert_array_equal(net.w, before)


def test_regularised_race_matches_regularised_trainers():
    net, X, T = xor_problem(seed=4)
    contenders = (Contender("adam"), Contender("newton"))
    snap = Race(net, X, T, contenders=contenders, l2=0.5, max_steps=25, slice_seconds=1e-5).advance(None)
    for contender, c in zip(contenders, snap.contenders):
        np.testing.assert_allclose(c.errors, independent_curve(net, X, T, contender, 25, l2=0.5),
                                   rtol=1e-9, atol=1e-13)


def test_a_finished_race_stays_finished():
    net, X, T = xor_problem()
    race = Race(net, X, T, contenders=(Contender("gd"), Contender("scg")), max_steps=10)
    first = race.advance(None)
    again = race.advance(1.0)
    assert first.finished and again.finished and race.finished
    for a, b in zip(first.contenders, again.contenders):
        np.testing.assert_array_equal(a.errors, b.errors)
        assert a.status == b.status == "finished"


def test_summary_names_every_contender():
    net, X, T = xor_problem()
    snap = Race(net, X, T, max_steps=5).advance(None)
    text = snap.summary()
    for c in snap.contenders:
        assert f"{c.label}: 5 steps, error {c.error:.3g}" in text
    assert math.isfinite(snap["Newton"].error)
    with pytest.raises(KeyError):
        snap["nobody"]
