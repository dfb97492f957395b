"""Each box takes what the core and the config parser take: what is typed or loaded is what
is shown and what a later change in the panel sends on (a learning rate of 100 used to be
shown as 10 while the trainer used 100, and the next edit anywhere in the panel sent 10)."""

import pytest
from PySide6.QtCore import Qt

from playground.core.optimizers import Schedule
from playground.core.regularizers import Regularization
from playground.core.training import EarlyStopping, TrainingOptions
from playground.gui.panels import NetworkPanel, RegularizationPanel, TrainingPanel
from playground.session.config import NetworkConfig


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


def test_a_seed_no_box_can_hold_is_reported_plainly(qtbot):
    panel, _ = shown(qtbot, TrainingPanel())
    panel.set_training(TrainingOptions("momentum", batch_size=8, seed=2**40))
    note = panel.range_note.text()
    assert "shuffle seed" in note.lower() and str(2**40) in note and str(2**31 - 1) in note


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
