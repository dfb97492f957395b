"""Each box takes what the core and the config parser take: what is typed or loaded is what
is shown and what a later change in the panel sends on (a learning rate of 100 used to be
shown as 10 while the trainer used 100, and the next edit anywhere in the panel sent 10)."""

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox

from playground.core import MLP, fit
from playground.core.datasets import make_dataset
from playground.core.optimizers import Schedule
from playground.core.params import DATA_PARAMETERS, HYPER_PARAMETERS, NETWORK_PARAMETERS, TRAINING_PARAMETERS, Interval
from playground.core.race import Contender
from playground.core.regularizers import Regularization
from playground.core.training import EarlyStopping, TrainingOptions
from playground.gui.panels import DataPanel, NetworkPanel, RegularizationPanel, TrainingPanel
from playground.gui.panels.widgets import INT_MAX, POSITIVE_MAX
from playground.session.config import ConfigError, ExperimentConfig, NetworkConfig


def shown(qtbot, panel):
    qtbot.addWidget(panel)
    panel.resize(340, 900)
    panel.show()
    qtbot.waitExposed(panel)
    signals = []
    for name in dir(type(panel)):
        if name.startswith("sig") and name[3:4].isupper():
            getattr(panel, name).connect(lambda *args, name=name: signals.append((name, *args)))
    return panel, signals


def type_into(qtbot, spin, text):
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Return)


@pytest.mark.parametrize("lr", [100.0, 1e-9, 1e-15, 250.0, 0.0123456])
def test_a_loaded_learning_rate_is_shown_and_kept(qtbot, lr):
    panel, signals = shown(qtbot, TrainingPanel())
    panel.set_training(TrainingOptions("gd", lr))
    assert panel.lr_input.value() == lr
    assert float(panel.lr_input.spin.text()) == lr
    assert panel.training_options().lr == lr
    type_into(qtbot, panel.batch_spin, "16")  # an edit elsewhere sends the rate on unchanged
    assert signals[-1][1] == TrainingOptions("gd", lr, batch_size=16)
    assert not panel.range_note.text()


@pytest.mark.parametrize("text, lr", [("100", 100.0), ("1e-9", 1e-9), ("1e3", 1000.0)])
def test_a_typed_learning_rate_is_what_the_trainer_gets(qtbot, text, lr):
    panel, signals = shown(qtbot, TrainingPanel())
    type_into(qtbot, panel.lr_input.spin, text)
    assert signals[-1][1].lr == lr and panel.lr_input.value() == lr


def test_every_training_setting_the_core_takes_round_trips(qtbot):
    panel, _ = shown(qtbot, TrainingPanel())
    cases = [
        TrainingOptions("momentum", 0.5, batch_size=250_000, hyper={"momentum": 0.9999}, seed=2**31 - 1),
        TrainingOptions("adam", 0.01, hyper={"beta1": 0.99999, "beta2": 0.9999999, "eps": 1.0}),
        TrainingOptions("rmsprop", 0.01, hyper={"rho": 0.0001, "eps": 1e-20}),
        TrainingOptions("lbfgs", 1.0, hyper={"memory": 500}),
        TrainingOptions("lm", 1.0, hyper={"damping": 1e9}),
        TrainingOptions("gd", 0.1, schedule=Schedule("step", drop=0.001, every=5_000_000)),
        TrainingOptions("gd", 0.1, schedule=Schedule("inverse_time", decay=100.0)),
        TrainingOptions("gd", 0.1, schedule=Schedule("inverse_time", decay=1e-9)),
    ]
    for options in cases:
        panel.set_training(options)
        assert panel.training_options() == options
        assert not panel.range_note.text()


def test_a_batch_size_no_box_can_hold_is_reported_plainly(qtbot):
    # Was a seed of 2**40; seeds are declared 0 .. 2**31 - 1 for the core too now (params.SEED),
    # so the batch size, which has no upper bound, is what a box may be unable to hold.
    panel, _ = shown(qtbot, TrainingPanel())
    panel.set_training(TrainingOptions("momentum", batch_size=2**40))
    note = panel.range_note.text()
    assert "batch size" in note.lower() and str(2**40) in note and str(2**31 - 1) in note


def test_every_penalty_the_core_takes_round_trips(qtbot):
    panel, _ = shown(qtbot, RegularizationPanel())
    for reg in (Regularization(100.0, None, 1e-9), Regularization(1e-9, None, 50.0),
                Regularization(0.0, {"w1": 1e-8, "b1": 20.0, "w2": 0.0, "b2": 1e-3}, 0.0)):
        panel.set_regularization(reg)
        assert panel.regularization() == reg
    for early in (EarlyStopping(1_000_000, True, 5.0), EarlyStopping(3, False, 1e-12)):
        panel.set_early_stopping(early)
        assert panel.early_stopping() == early
    assert not panel.range_note.text()


def test_every_initial_scale_the_config_takes_round_trips(qtbot):
    panel, _ = shown(qtbot, NetworkPanel())
    for scale in (1e-4, 0.3, 25.0):
        config = NetworkConfig(hidden=(8,), init="gaussian", init_scale=scale)
        panel.set_network_config(config)
        assert panel.network_config().init_scale == scale
    assert not panel.range_note.text()


# ---------------------------------------------------------------------------- one declaration, three users
@dataclass(frozen=True)
class Setting:
    """One declared setting and how each user meets it: the core (None where only the app caps
    it: the core builds networks of any size), the config parser (key path and where the value
    goes in a config) and the spin box (None where no box shows it)."""

    constraint: object
    path: str
    put: Callable  # (raw config, value) -> None
    core: Callable | None
    box: Callable | None  # panels -> box
    none_below: bool = False  # the box's minimum stands for None (full batch, default scale)
    scale: float = 1  # the box shows value * scale (percent)


def _training(**kw):
    return lambda raw, v: raw["training"].update({k: (v if x is None else x) for k, x in kw.items()})


def _rest(v):
    """1 - v, the share left for another part of the split (0 where v is no number)."""
    plain = isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= 1e300
    return 1.0 - v if plain else 0.0


def _fit_epochs(v):  # the check runs before training; one epoch at most either way
    fit(MLP([1, 1], seed=0), np.zeros((2, 1)), np.zeros((2, 1)), optimizer="gd", lr=0.1, epochs=v,
        callback=lambda snap: False, callback_every=1)


T, H, N, D = TRAINING_PARAMETERS, HYPER_PARAMETERS, NETWORK_PARAMETERS, DATA_PARAMETERS


def _noise_size_box(panels):
    """The size box of transformed data as input noise (a rotation's box stops at 180 degrees)."""
    controls = panels["regularization"].invariance
    controls.augment_combo.setCurrentIndex(controls.augment_combo.findData("noise"))
    return controls.augment_size
SETTINGS = {
    "T:lr": Setting(T["lr"], "training.lr", _training(lr=None), lambda v: TrainingOptions("gd", v),
                    lambda p: p["training"].lr_input.spin),
    "T:lr:race": Setting(T["lr"], "training.lr", _training(lr=None), lambda v: Contender("gd", v),
                         lambda p: p["training"].lr_input.spin),
    "T:batch_size": Setting(T["batch_size"], "training.batch_size", _training(batch_size=None),
                          lambda v: TrainingOptions(batch_size=v), lambda p: p["training"].batch_spin, none_below=True),
    "T:seed": Setting(T["seed"], "training.seed", _training(seed=None), lambda v: TrainingOptions(seed=v),
                             lambda p: p["training"].seed_spin),
    "T:epochs": Setting(T["epochs"], "training.epochs", _training(epochs=None), _fit_epochs, None),
    "T:patience": Setting(T["patience"], "training.early_stopping.patience",
                        lambda raw, v: raw["training"].update(early_stopping={"patience": v}),
                        lambda v: EarlyStopping(patience=v), lambda p: p["regularization"].patience_spin),
    "T:min_delta": Setting(T["min_delta"], "training.early_stopping.min_delta",
                         lambda raw, v: raw["training"].update(early_stopping={"min_delta": v}),
                         lambda v: EarlyStopping(min_delta=v), lambda p: p["regularization"].min_delta_spin),
    "T:drop": Setting(T["drop"], "training.schedule.drop",
                    lambda raw, v: raw["training"].update(schedule={"kind": "step", "drop": v}),
                    lambda v: Schedule("step", drop=v), lambda p: p["training"].drop_spin),
    "T:every": Setting(T["every"], "training.schedule.every",
                     lambda raw, v: raw["training"].update(schedule={"kind": "step", "every": v}),
                     lambda v: Schedule("step", every=v), lambda p: p["training"].every_spin),
    "T:decay": Setting(T["decay"], "training.schedule.decay",
                     lambda raw, v: raw["training"].update(schedule={"kind": "inverse_time", "decay": v}),
                     lambda v: Schedule("inverse_time", decay=v), lambda p: p["training"].decay_spin),
    "T:l2": Setting(T["l2"], "regularization.l2", lambda raw, v: raw.update(regularization={"l2": v}),
                  lambda v: Regularization(v), lambda p: p["regularization"].l2_input.spin),
    "T:l1": Setting(T["l1"], "regularization.l1", lambda raw, v: raw.update(regularization={"l1": v}),
                  lambda v: Regularization(0.0, None, v), lambda p: p["regularization"].l1_input.spin),
    "T:dropout": Setting(T["dropout"], "regularization.dropout",
                         lambda raw, v: raw.update(regularization={"dropout": v}),
                         lambda v: Regularization(dropout=v), lambda p: p["regularization"].dropout_spin),
    "T:l2:group": Setting(T["l2"], "regularization.l2_groups.b1",
                        lambda raw, v: raw.update(regularization={"l2_groups": {"b1": v}}),
                        lambda v: Regularization(0.0, {"b1": v}), lambda p: p["regularization"].group_spins["b1"]),
    "T:tangent_prop": Setting(T["tangent_prop"], "regularization.tangent_prop",
                              lambda raw, v: raw.update(regularization={"tangent_prop": v}),
                              lambda v: Regularization(tangent_prop=v), lambda p: p["regularization"].invariance
                              .tangent_input.spin),
    "T:tikhonov": Setting(T["tikhonov"], "regularization.tikhonov",
                          lambda raw, v: raw.update(regularization={"tikhonov": v}),
                          lambda v: Regularization(tikhonov=v), lambda p: p["regularization"].invariance
                          .tikhonov_input.spin),
    "T:augment_size": Setting(T["augment_size"], "regularization.augment_size",
                              lambda raw, v: raw.update(regularization={"augment": "noise", "augment_size": v}),
                              lambda v: Regularization(augment="noise", augment_size=v), _noise_size_box),
    "T:soft_weight_sharing": Setting(T["soft_weight_sharing"], "regularization.soft_weight_sharing",
                                     lambda raw, v: raw.update(regularization={"soft_weight_sharing": v}),
                                     lambda v: Regularization(soft_weight_sharing=v),
                                     lambda p: p["regularization"].invariance.sharing_input.spin),
    "T:mixture_components": Setting(T["mixture_components"], "regularization.mixture_components",
                                    lambda raw, v: raw.update(regularization={"mixture_components": v}),
                                    lambda v: Regularization(mixture_components=v),
                                    lambda p: p["regularization"].invariance.components_spin),
    **{f"H:{key}:{optimizer}": Setting(
        H[key], f"training.{key}", _training(optimizer=optimizer, **{key: None}),
        lambda v, o=optimizer, k=key: TrainingOptions(o, 1.0, hyper={k: v}),
        lambda p, o=optimizer, k=key: p["training"].hyper_widgets[o][k])
       for optimizer, key in (("momentum", "momentum"), ("nesterov", "momentum"), ("adam", "beta1"),
                              ("adam", "beta2"), ("adam", "eps"), ("rmsprop", "rho"), ("rmsprop", "eps"),
                              ("newton", "damping"), ("lm", "damping"), ("lbfgs", "memory"))},
    "N:units": Setting(N["units"], "network.hidden[0]", lambda raw, v: raw["network"].update(hidden=[v]), None,
                     lambda p: p["network"].units_spins[0]),
    "N:n_components": Setting(N["n_components"], "network.n_components",
                            lambda raw, v: raw["network"].update(output="mdn", n_components=v), None,
                            lambda p: p["network"].components_spin),
    "N:sigma_floor": Setting(N["sigma_floor"], "network.sigma_floor",
                           lambda raw, v: raw["network"].update(output="mdn", n_components=2, sigma_floor=v),
                           lambda v: MLP([1, 1], output="mdn", n_components=1, sigma_floor=v),
                           lambda p: p["network"].sigma_floor_spin),
    "N:init_scale": Setting(N["init_scale"], "network.init_scale",
                          lambda raw, v: raw["network"].update(init="gaussian", init_scale=v),
                          lambda v: MLP([2, 2, 1], init="gaussian", init_scale=v), lambda p: p["network"].scale_spin,
                          none_below=True),
    "N:seed": Setting(N["seed"], "network.seed", lambda raw, v: raw["network"].update(seed=v), None,
                            lambda p: p["network"].seed_spin),
    "D:n_points": Setting(D["n_points"], "data.n_points", lambda raw, v: raw["data"].update(n_points=v),
                        lambda v: make_dataset("xor", n_points=v), lambda p: p["data"].points_spin),
    "D:n_classes": Setting(D["n_classes"], "data.n_classes",
                         lambda raw, v: raw["data"].update(generator="blobs", n_classes=v),
                         lambda v: make_dataset("blobs", n_points=30, n_classes=v),
                         lambda p: p["data"].preset_classes_spin),
    "D:seed": Setting(D["seed"], "data.seed", lambda raw, v: raw["data"].update(seed=v), None,
                         lambda p: p["data"].seed_spin),
    "D:split_seed": Setting(D["split_seed"], "data.split.seed",
                          lambda raw, v: raw["data"].update(split={"train": 1.0, "seed": v}), None,
                          lambda p: p["data"].split_seed_spin),
    "D:train_share": Setting(D["train_share"], "data.split.train",
                           lambda raw, v: raw["data"].update(split={"train": v, "validation": _rest(v) / 2,
                                                                   "test": _rest(v) / 2}), None,
                           lambda p: p["data"].train_spin, scale=100),
    "D:share": Setting(D["share"], "data.split.test",
                          lambda raw, v: raw["data"].update(split={"train": _rest(v) or 0.5, "test": v}), None, None),
    "D:noise": Setting(D["noise"], "data.noise", lambda raw, v: raw["data"].update(noise=v),
                       lambda v: make_dataset("xor", n_points=10, noise=v), lambda p: p["data"].noise_spin),
    "N:layers": Setting(N["layers"], "network.hidden",  # a count: a negative or true one is no list of layers
                        lambda raw, v: raw["network"].update(hidden=[4] * v if type(v) is int and v >= 0 else v),
                        None, None),
}


def test_every_declared_range_has_a_row_in_the_agreement_test():
    declared = {f"{t}:{key}" for t, table in (("T", T), ("H", H), ("N", N), ("D", D))
                for key, c in table.items() if isinstance(c, Interval)}
    assert declared == {":".join(name.split(":")[:2]) for name in SETTINGS}


def _ends(c):
    """(values just inside, values just outside) of the declared interval ``c``."""
    whole = c.kind is int
    inside, outside = [], [True]  # a bool is never a number
    if c.lo is not None:
        inside.append(c.lo if c.lo_closed else (c.lo + 1 if whole else math.nextafter(c.lo, math.inf)))
        outside.append(c.lo - 1 if whole and c.lo_closed else c.lo if not c.lo_closed else
                       math.nextafter(c.lo, -math.inf))
    if c.hi is not None:
        inside.append(c.hi if c.hi_closed else (c.hi - 1 if whole else math.nextafter(c.hi, -math.inf)))
        outside.append(c.hi + 1 if whole and c.hi_closed else c.hi if not c.hi_closed else
                       math.nextafter(c.hi, math.inf))
    else:
        outside.append(10**400 if whole else float("inf"))  # "far too large" / not finite
    if not whole:
        outside.append(10**400)
    return inside, outside


def _config(setting, value):
    raw = {"version": 1, "data": {"generator": "xor", "n_points": 40}, "network": {"hidden": [4]}, "training": {}}
    setting.put(raw, value)
    return ExperimentConfig.from_dict(raw)


@pytest.fixture(scope="module")
def panels():
    made = {"training": TrainingPanel(), "regularization": RegularizationPanel(), "network": NetworkPanel(),
            "data": DataPanel()}
    yield made
    for panel in made.values():
        panel.deleteLater()


@pytest.mark.parametrize("name", SETTINGS)
def test_the_core_the_parser_and_the_box_take_the_same_range(qapp, panels, name):
    setting = SETTINGS[name]
    c = setting.constraint
    inside, outside = _ends(c)
    if setting.box is not None:
        box = setting.box(panels)
        low, high = box.minimum(), box.maximum()
        if setting.scale != 1:
            low, high = low / setting.scale, high / setting.scale
        whole_box = isinstance(box, QSpinBox)
        step = 1 / setting.scale if whole_box else 10.0 ** -min(box.decimals(), 300)
        if setting.none_below:  # one step below the declared range: "full batch", "default"
            assert box.specialValueText() and box.minimum() == (c.lo - 1 if c.kind is int else 0)
        elif c.lo_closed:
            assert low == c.lo
        else:  # just inside the open end, as close as the box shows
            assert c.lo < low <= c.lo + step
            inside.append(low)
        if c.hi is None:
            assert box.maximum() == (INT_MAX if whole_box else POSITIVE_MAX)  # the most a box holds
            inside.append(high)
        elif c.hi_closed:
            assert high == c.hi
        else:
            assert c.hi - step <= high < c.hi
            inside.append(high)
        for end in (box.minimum(), box.maximum())[setting.none_below:]:  # the box holds its ends as they are
            box.setValue(end)
            assert box.value() == end
    for value in inside:
        if setting.core is not None:
            setting.core(value)
        _config(setting, value)
    for value in outside:
        if setting.core is not None:
            with pytest.raises(ValueError):
                setting.core(value)
        with pytest.raises(ConfigError) as caught:
            _config(setting, value)
        assert str(caught.value).startswith(setting.path + ": "), str(caught.value)
