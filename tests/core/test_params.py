"""The declarations of playground.core.params: plain messages, bools and huge numbers refused,
and the core's checks reading them (the config parser and the boxes: tests/session/test_config.py,
tests/gui/test_panel_ranges.py)."""

import importlib

import numpy as np
import pytest

from playground.core import MLP, fit
from playground.core.optimizers import Schedule, make_optimizer
from playground.core.params import (
    DATA_PARAMETERS, HYPER_PARAMETERS, MAX_SEED, NETWORK_PARAMETERS, TRAINING_PARAMETERS, Boolean, Choice, Interval, check, problem,
)
from playground.core.regularizers import Regularization
from playground.core.training import EarlyStopping, TrainingOptions


@pytest.mark.parametrize("constraint, value, message", [
    (Interval(float, 0, None, "neither"), -1, "must be a positive number, got -1"),
    (Interval(float, 0, None, "neither"), 0.0, "must be a positive number, got 0.0"),
    (Interval(float, 0, None, "left"), -0.5, "must be >= 0, got -0.5"),
    (Interval(float, 0, 1, "left"), 1, "must be >= 0 and < 1, got 1"),
    (Interval(float, 0, 1, "neither"), 0, "must be > 0 and < 1, got 0"),
    (Interval(float, 0, 1, "right"), 1.5, "must be > 0 and <= 1, got 1.5"),
    (Interval(float, 0, 1, "both"), 2, "must be between 0 and 1, got 2"),
    (Interval(float, 0, None), "fast", "must be a finite number, got 'fast'"),
    (Interval(float, 0, None), float("nan"), "must be a finite number, got nan"),
    (Interval(float, 0, None), True, "must be a finite number, got True"),
    (Interval(int, 1, 256), 0, "must be from 1 to 256, got 0"),
    (Interval(int, 1, None, "left"), 0, "must be a whole number >= 1, got 0"),
    (Interval(int, 0, 10, "neither"), 10, "must be from 1 to 9, got 10"),
    (Interval(int, 1, None), 2.0, "must be a whole number, got 2.0"),
    (Interval(int, 1, None), True, "must be a whole number, got True"),
    (Boolean(), 1, "must be true or false, got 1"),
])
def test_a_refused_value_gets_a_plain_sentence(constraint, value, message):
    assert problem(value, constraint) == message
    with pytest.raises(ValueError) as caught:
        check("the setting", value, constraint)
    assert str(caught.value) == "the setting " + message


def test_numbers_of_hundreds_of_digits_are_far_too_large_and_not_echoed_whole():
    for constraint in (Interval(float, 0, None, "neither"), Interval(int, 1, None, "left")):
        message = problem(10**400, constraint)
        assert "far too large" in message and "(a whole number of 401 digits)" in message and len(message) < 150
    assert problem(10**400, Interval(int, 0, 100)).startswith("must be from 0 to 100, got ")
    assert problem(2**63 - 1, Interval(int, 1, None, "left")) is None


def test_accepted_values_come_back_in_their_kind():
    assert check("x", 3, Interval(float, 0, None)) == 3.0 and type(check("x", 3, Interval(float, 0, None))) is float
    assert type(check("x", np.int64(3), Interval(int, 0, None))) is int
    assert check("x", np.bool_(True), Boolean()) is True
    assert check("x", 0.5, Interval(float, 0, 1, "left")) == 0.5


def test_a_refused_choice_names_the_kind_and_the_near_miss():
    assert problem("c", Choice(("a", "b"))) == "unknown value 'c'; choose one of: a, b"
    with pytest.raises(ValueError) as caught:
        check("optimizer", "adma", Choice(("sgd", "adam"), "optimizer"))
    assert str(caught.value) == "unknown optimizer 'adma' (did you mean 'adam'?); choose one of: sgd, adam"


@pytest.mark.parametrize("declarations, key, module, registry", [
    (TRAINING_PARAMETERS, "optimizer", "optimizers", "OPTIMIZERS"),
    (TRAINING_PARAMETERS, "schedule", "optimizers", "SCHEDULE_NAMES"),
    (NETWORK_PARAMETERS, "activation", "activations", "ACTIVATION_NAMES"),
    (NETWORK_PARAMETERS, "output", "heads", "HEAD_NAMES"),
    (NETWORK_PARAMETERS, "init", "mlp", "INIT_NAMES"),
    (DATA_PARAMETERS, "generator", "datasets", "GENERATORS"),
    (DATA_PARAMETERS, "feature", "datasets", "FEATURES"),
])
def test_every_choice_is_declared_from_its_registry(declarations, key, module, registry):
    names = list(getattr(importlib.import_module(f"playground.core.{module}"), registry))
    assert list(declarations[key].values) == names and names
    assert problem(names[-1], declarations[key]) is None
    assert problem(names[-1] + "x", declarations[key]).startswith(f"unknown {declarations[key].noun} ")


def test_the_core_refuses_an_unknown_choice_through_its_declaration():
    with pytest.raises(ValueError, match="unknown optimizer 'adma' \\(did you mean 'adam'\\?\\)"):
        TrainingOptions(optimizer="adma")
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_optimizer(["adam"], 3)  # not even hashable: still a sentence, not a TypeError
    with pytest.raises(ValueError, match="unknown schedule 'steps' \\(did you mean 'step'\\?\\)"):
        Schedule("steps")
    with pytest.raises(ValueError, match="unknown init 'xavir'"):
        MLP([2, 3, 1], init="xavir")


def test_a_choice_reads_a_registry_live():
    names = {"a": 1}
    choice = Choice(names)
    names["b"] = 2  # registered after the declaration
    assert problem("b", choice) is None


@pytest.mark.parametrize("build, words", [
    (lambda: TrainingOptions(lr=-1), "learning rate must be a positive number, got -1"),
    (lambda: TrainingOptions(lr=10**400), "far too large"),
    (lambda: TrainingOptions(lr=True), "learning rate must be a finite number, got True"),
    (lambda: TrainingOptions(batch_size=0), "batch size"),
    (lambda: TrainingOptions(batch_size=True), "batch size"),
    (lambda: TrainingOptions(seed=-1), f"seed must be from 0 to {MAX_SEED}, got -1"),
    (lambda: TrainingOptions(seed=MAX_SEED + 1), f"seed must be from 0 to {MAX_SEED}"),
    (lambda: EarlyStopping(patience=0), "early-stopping patience must be a whole number >= 1, got 0"),
    (lambda: EarlyStopping(min_delta=-1e-9), "early-stopping min_delta must be >= 0"),
    (lambda: EarlyStopping(restore_best=1), "restore_best must be true or false"),
    (lambda: Schedule("step", drop=1.5), "schedule drop must be > 0 and <= 1, got 1.5"),
    (lambda: Schedule("step", every=0), "schedule 'every' (epochs) must be a whole number >= 1"),
    (lambda: Schedule("inverse_time", decay=-1), "schedule decay must be >= 0"),
    (lambda: Regularization(l2=-0.1), "l2 must be >= 0, got -0.1"),
    (lambda: Regularization(l2_groups={"w1": float("inf")}), "l2 of group w1 must be a finite number"),
    (lambda: TrainingOptions("momentum", hyper={"momentum": 1.0}), "momentum must be >= 0 and < 1, got 1.0"),
    (lambda: TrainingOptions("momentum", hyper={"nesterov": 1}), "nesterov must be true or false"),
    (lambda: TrainingOptions("rmsprop", hyper={"rho": 0}), "rho must be > 0 and < 1, got 0"),
    (lambda: TrainingOptions("adam", hyper={"eps": 0}), "eps must be a positive number, got 0"),
    (lambda: TrainingOptions("lbfgs", hyper={"memory": 2.0}), "memory must be a whole number, got 2.0"),
    (lambda: make_optimizer("newton", 4, damping=-1), "damping must be a positive number, got -1"),
])
def test_the_core_checks_read_the_declarations(build, words):
    with pytest.raises(ValueError) as caught:
        build()
    assert words in str(caught.value)


def test_fit_refuses_epochs_beyond_the_declared_cap():
    cap = TRAINING_PARAMETERS["epochs"].hi
    X, T = np.zeros((2, 1)), np.zeros((2, 1))
    with pytest.raises(ValueError, match=f"epochs must be from 0 to {cap}, got {cap + 1}"):
        fit(MLP([1, 1]), X, T, epochs=cap + 1)
    assert fit(MLP([1, 1]), X, T, epochs=0).final.epoch == 0


def test_every_optimiser_setting_has_a_declared_range():
    from playground.core import OPTIMIZERS

    for cls in OPTIMIZERS.values():
        assert set(cls.defaults) <= set(HYPER_PARAMETERS), cls.name
        for key, default in cls.defaults.items():  # and the defaults are in it
            assert problem(default, HYPER_PARAMETERS[key]) is None, (cls.name, key)
