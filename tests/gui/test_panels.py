"""The side panels, driven as a user would: clicks, typing followed by Enter, sliders, combos.

Every panel: set_* shows a config without emitting, and the next user change emits the
same config with only that change; every control emits exactly the right config; limits
and dynamic parts (rows that appear, controls that are enabled) follow the choices.
"""

from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, Qt

from playground.core.datasets import FEATURES, GENERATORS, make_dataset
from playground.core.optimizers import OPTIMIZERS, Optimizer, Schedule
from playground.core.regularizers import Regularization
from playground.core.training import EarlyStopping, TrainingOptions
from playground.gui.panels import SPEED_LEVELS, DataPanel, NetworkPanel, RegularizationPanel, TrainingPanel
from playground.gui.panels.network_panel import count_weights
from playground.gui.panels.widgets import LogSpinBox, format_number
from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
from playground.session.experiment import output_mismatch

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


class Recorder:
    """Collects the emissions of every sig* signal of a panel."""

    def __init__(self, panel):
        self.events = []
        for name in dir(type(panel)):
            if name.startswith("sig") and name[3:4].isupper():
                getattr(panel, name).connect(lambda *args, name=name: self.events.append((name, *args)))

    def of(self, name):
        return [e[1] if len(e) == 2 else e[1:] for e in self.events if e[0] == name]

    def last(self, name):
        values = self.of(name)
        assert values, f"{name} was not emitted; got {self.events}"
        return values[-1]

    def clear(self):
        self.events.clear()


def shown(qtbot, panel):
    qtbot.addWidget(panel)
    panel.resize(340, 900)
    panel.show()
    qtbot.waitExposed(panel)
    return panel, Recorder(panel)


def type_into(qtbot, spin, text):
    """Select the spin box's text, type ``text`` and press Enter."""
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Return)


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.LeftButton)


def click_check(qtbot, check):
    """Click a checkbox on its indicator (its centre may be empty space in a wide layout)."""
    qtbot.mouseClick(check, Qt.LeftButton, pos=QPoint(8, check.height() // 2))


def choose(combo, data):
    index = combo.findData(data)
    assert index >= 0, f"{data!r} is not offered"
    combo.setCurrentIndex(index)


def roundtrips(data=None, network=None, training=None):
    """A config is valid if the versioned JSON format takes it back unchanged."""
    config = ExperimentConfig(data=data or DataConfig(), network=network or NetworkConfig(),
                              training=training or TrainingOptions())
    assert ExperimentConfig.from_dict(config.to_dict()) == config


def row_shown(widget):
    return widget.isVisible()


# --------------------------------------------------------------------------------------------
# shared widgets
# --------------------------------------------------------------------------------------------


def test_format_number_is_short_and_exact():
    assert format_number(0.003) == "0.003"
    assert format_number(1e-8) == "1e-8"
    assert format_number(2.5e6) == "2.5e6"
    assert format_number(0.012345) == "0.0123"
    assert format_number(0) == "0"


def test_log_spin_box_steps_along_1_2_5_and_reaches_zero(qtbot):
    spin = LogSpinBox(1e-3, 1.0, 0.01, allow_zero=True)
    qtbot.addWidget(spin)
    spin.stepBy(1)
    assert spin.value() == pytest.approx(0.02)
    spin.stepBy(1)
    assert spin.value() == pytest.approx(0.05)
    spin.stepBy(-3)
    assert spin.value() == pytest.approx(0.005)
    spin.stepBy(-10)
    assert spin.value() == 0.0 and spin.text() == "0"
    spin.stepBy(1)
    assert spin.value() == pytest.approx(1e-3)
    spin.stepBy(100)
    assert spin.value() == 1.0


# --------------------------------------------------------------------------------------------
# DataPanel
# --------------------------------------------------------------------------------------------

BLOBS = DataConfig(generator="blobs", n_points=123, noise=0.2, seed=7, n_classes=4, split=(0.6, 0.25, 0.15),
                   split_seed=3, features=("x1", "x2", "x1*x2"))


def test_data_setters_are_silent_and_round_trip(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    panel.set_data_config(BLOBS)
    panel.set_dataset_info("classification", 2, 4, 123)
    panel.set_current_class(3)
    panel.set_mode("classification")
    panel.set_brush_radius(0.2)
    panel.set_show_test(True)
    assert rec.events == []
    assert panel.current_class() == 3 and panel.brush_radius() == pytest.approx(0.2)
    assert panel.summary.text() == "123 points, 4 classes"
    click(qtbot, panel.regenerate_button)
    assert rec.events == [("sigGenerateRequested", BLOBS)]
    roundtrips(data=BLOBS)


def test_data_defaults_of_a_preset_fill_in(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    panel.set_data_config(DataConfig(generator="moons", n_points=None, noise=None, seed=2))
    assert rec.events == []
    click(qtbot, panel.regenerate_button)
    info = GENERATORS["moons"]
    assert rec.last("sigGenerateRequested") == DataConfig(generator="moons", n_points=info.default_points,
                                                          noise=info.default_noise, seed=2)


def test_choosing_a_preset_generates_it_with_its_defaults(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    panel.set_data_config(DataConfig(generator="xor", n_points=55, noise=0.5, seed=9))
    choose(panel.preset_combo, "spiral")
    config = rec.last("sigGenerateRequested")
    assert config == DataConfig(generator="spiral", n_points=300, noise=0.1, seed=9)
    assert panel.preset_combo.toolTip() == GENERATORS["spiral"].description
    assert not panel.preset_classes_spin.isEnabled()
    choose(panel.preset_combo, "blobs")
    assert panel.preset_classes_spin.isEnabled()
    assert rec.last("sigGenerateRequested").n_classes == 3
    # a 1-D preset: only its features are offered, and the request carries valid ones
    choose(panel.preset_combo, "sinusoid")
    config = rec.last("sigGenerateRequested")
    assert config.generator == "sinusoid" and config.n_classes is None and config.features is None
    assert not panel.feature_checks["x2"].isVisible() and panel.feature_checks["x1^2"].isVisible()
    assert len(rec.of("sigGenerateRequested")) == 3


def test_preset_list_is_grouped_and_complete(qtbot):
    panel, _ = shown(qtbot, DataPanel())
    combo = panel.preset_combo
    names = [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i)]
    assert sorted(names) == sorted(GENERATORS)
    headings = [combo.itemText(i) for i in range(combo.count()) if not combo.itemData(i)]
    assert headings == ["2-D classification", "1-D regression", "2-D regression"]
    kinds = [(GENERATORS[n].kind, GENERATORS[n].n_inputs) for n in names]
    assert kinds == sorted(kinds, key=[("classification", 2), ("regression", 1), ("regression", 2)].index)
    for i in range(combo.count()):
        if combo.itemData(i):
            assert combo.itemData(i, Qt.ToolTipRole) == GENERATORS[combo.itemData(i)].description


def test_data_from_a_file_has_no_preset_to_regenerate(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    panel.set_data_config(DataConfig(generator=None, csv="data/points.csv", split=(0.5, 0.5, 0.0),
                                     features=("x2", "x1^2")))
    assert panel.preset_combo.currentIndex() == -1 and panel.preset_combo.currentText() == ""
    assert panel.preset_combo.placeholderText() == "CSV: points.csv"
    assert not panel.regenerate_button.isEnabled()
    assert panel.features() == ("x2", "x1^2") and panel.split() == ((0.5, 0.5, 0.0), 0)
    click(qtbot, panel.regenerate_button)
    qtbot.keyClick(panel.seed_spin, Qt.Key_Return)
    assert rec.events == []


def test_points_noise_seed_wait_for_enter_or_regenerate(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    panel.set_data_config(DataConfig(generator="circle", n_points=100, noise=0.1, seed=0))
    qtbot.keyClick(panel.points_spin, Qt.Key_Up)  # arrows change the number only
    panel.noise_spin.setValue(0.3)
    assert rec.events == []
    type_into(qtbot, panel.points_spin, "500")
    assert rec.events == [("sigGenerateRequested", DataConfig(generator="circle", n_points=500, noise=0.3))]
    type_into(qtbot, panel.seed_spin, "42")
    assert rec.last("sigGenerateRequested").seed == 42
    type_into(qtbot, panel.noise_spin, "12")  # beyond the declared range (0 to 10): clamped to 10
    assert rec.last("sigGenerateRequested").noise == 10.0
    type_into(qtbot, panel.points_spin, "1000000")
    assert rec.last("sigGenerateRequested").n_points == 100_000
    assert "Enter" in panel.points_spin.toolTip()


def test_class_buttons_follow_the_number_of_classes(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    panel.set_dataset_info("classification", 2, 3, 90)
    assert [b.isVisible() for b in panel.class_buttons] == [True, True, True, False, False, False]
    assert [b.text() for b in panel.class_buttons[:3]] == ["1", "2", "3"]
    click(qtbot, panel.class_buttons[2])
    assert rec.events == [("sigClassChanged", 2)]
    assert panel.current_class() == 2
    rec.clear()
    panel.select_class(3)  # only 3 classes: ignored
    panel.select_class(5)
    assert rec.events == [] and panel.current_class() == 2
    panel.select_class(0)
    assert rec.events == [("sigClassChanged", 0)] and panel.class_buttons[0].isChecked()
    rec.clear()
    type_into(qtbot, panel.classes_spin, "9")  # out of range: the key is refused
    assert rec.events == [] and panel.n_classes() == 3
    type_into(qtbot, panel.classes_spin, "6")
    qtbot.keyClick(panel.classes_spin, Qt.Key_Up)  # at the limit
    assert rec.of("sigNumClassesChanged") == [6]
    assert all(b.isVisible() for b in panel.class_buttons)
    panel.select_class(5)
    rec.clear()
    type_into(qtbot, panel.classes_spin, "1")  # at least 2; the selected class 6 no longer exists
    assert rec.events == [("sigNumClassesChanged", 2), ("sigClassChanged", 1)]
    rec.clear()
    qtbot.keyClick(panel.classes_spin, Qt.Key_Down)
    assert rec.events == [] and panel.n_classes() == 2
    assert panel.current_class() == 1 and not panel.class_buttons[2].isVisible()


def test_drawing_mode_hides_the_class_selector_for_regression(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    choose(panel.mode_combo, "regression")
    assert rec.events == [("sigModeChanged", "regression")]
    assert not panel.class_row.isVisible()
    rec.clear()
    panel.select_class(1)
    assert rec.events == []
    panel.set_dataset_info("classification", 2, 2, 10)
    assert panel.class_row.isVisible() and panel.mode() == "classification"
    panel.set_dataset_info("regression", 1, None, 1)
    assert not panel.class_row.isVisible() and panel.summary.text() == "1 point, regression on 1 input"
    assert rec.events == []


def test_brush_slider_and_spin(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    panel.brush_slider.setValue(10)
    assert rec.last("sigBrushRadiusChanged") == pytest.approx(0.1)
    assert panel.brush_spin.value() == pytest.approx(0.1)
    type_into(qtbot, panel.brush_spin, "0.25")
    assert rec.last("sigBrushRadiusChanged") == pytest.approx(0.25)
    assert panel.brush_slider.value() == 25
    type_into(qtbot, panel.brush_spin, "3")
    assert rec.last("sigBrushRadiusChanged") == pytest.approx(0.5)
    panel.brush_slider.setValue(0)
    assert rec.last("sigBrushRadiusChanged") == 0.0 and panel.brush_spin.text() == "point"
    assert len(rec.of("sigBrushRadiusChanged")) == 4


def test_clear_button(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    click(qtbot, panel.clear_button)
    assert rec.events == [("sigClearRequested",)]


def test_split_shares_always_sum_to_one(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    panel.set_data_config(replace(BLOBS, split=(0.7, 0.15, 0.15), split_seed=5))
    type_into(qtbot, panel.train_spin, "80")
    assert rec.last("sigSplitChanged") == ((0.8, 0.15, 0.05), 5)
    type_into(qtbot, panel.val_spin, "30")  # test cannot go below 0: training gives way
    assert rec.last("sigSplitChanged") == ((0.7, 0.3, 0.0), 5)
    type_into(qtbot, panel.test_spin, "99")
    assert rec.last("sigSplitChanged") == ((0.01, 0.0, 0.99), 5)
    type_into(qtbot, panel.train_spin, "0")  # training cannot be empty
    (shares, _seed) = rec.last("sigSplitChanged")
    assert shares[0] == 0.01
    type_into(qtbot, panel.train_spin, "100")
    assert rec.last("sigSplitChanged") == ((1.0, 0.0, 0.0), 5)
    type_into(qtbot, panel.split_seed_spin, "11")
    assert rec.last("sigSplitChanged") == ((1.0, 0.0, 0.0), 11)
    for shares, _seed in rec.of("sigSplitChanged"):
        assert sum(shares) == pytest.approx(1.0) and shares[0] > 0 and min(shares) >= 0
        roundtrips(data=DataConfig(split=shares))


def test_show_test_points_checkbox(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    click_check(qtbot, panel.show_test_check)
    click_check(qtbot, panel.show_test_check)
    assert rec.events == [("sigShowTestChanged", True), ("sigShowTestChanged", False)]


def test_features_keep_at_least_one_and_report_raw_inputs_as_none(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    panel.set_dataset_info("classification", 2, 2, 100)
    checks = panel.feature_checks
    assert all(checks[name].isVisible() for name in FEATURES)
    click_check(qtbot, checks["x1*x2"])
    assert rec.last("sigFeaturesChanged") == ("x1", "x2", "x1*x2")
    click_check(qtbot, checks["x1"])
    click_check(qtbot, checks["x2"])
    assert rec.last("sigFeaturesChanged") == ("x1*x2",)
    rec.clear()
    click_check(qtbot, checks["x1*x2"])  # the last one: refused
    assert checks["x1*x2"].isChecked() and rec.events == []
    assert panel.features_note.isVisible()
    click_check(qtbot, checks["x1"])
    click_check(qtbot, checks["x2"])
    click_check(qtbot, checks["x1*x2"])
    assert rec.of("sigFeaturesChanged") == [("x1", "x1*x2"), ("x1", "x2", "x1*x2"), None]
    roundtrips(data=DataConfig(features=("x1", "x1*x2")))


def test_one_input_offers_only_its_features(qtbot):
    panel, rec = shown(qtbot, DataPanel())
    panel.set_dataset_info("regression", 1, None, 50)
    visible = [name for name in FEATURES if panel.feature_checks[name].isVisible()]
    assert visible == ["x1", "x1^2", "sin(x1)"]
    click_check(qtbot, panel.feature_checks["sin(x1)"])
    assert rec.last("sigFeaturesChanged") == ("x1", "sin(x1)")
    click_check(qtbot, panel.feature_checks["sin(x1)"])
    assert rec.last("sigFeaturesChanged") is None
    rec.clear()
    click_check(qtbot, panel.feature_checks["x1"])
    assert rec.events == [] and panel.feature_checks["x1"].isChecked()


# --------------------------------------------------------------------------------------------
# NetworkPanel
# --------------------------------------------------------------------------------------------

MDN_NET = NetworkConfig(hidden=(5, 7), activation=("relu", "tanh"), output="mdn", n_components=4, init="gaussian",
                        init_scale=0.5, seed=3)


def test_network_setters_are_silent_and_round_trip(qtbot):
    panel, rec = shown(qtbot, NetworkPanel())
    panel.set_network_config(MDN_NET)
    panel.set_problem(make_dataset("sinusoid"))
    assert rec.events == []
    click(qtbot, panel.init_section.button)  # the initial weights are in a collapsed section
    assert panel.seed_spin.isVisible()
    type_into(qtbot, panel.seed_spin, "4")
    assert rec.events == [("sigNetworkChanged", replace(MDN_NET, seed=4))]
    roundtrips(network=replace(MDN_NET, seed=4))


def test_layers_can_be_added_up_to_8_and_removed_down_to_0(qtbot):
    panel, rec = shown(qtbot, NetworkPanel())
    panel.set_network_config(NetworkConfig(hidden=(8, 8), activation="sin"))
    for n in range(3, 9):
        click(qtbot, panel.add_button)
        assert rec.last("sigNetworkChanged").hidden == (8,) * n
    assert not panel.add_button.isEnabled()
    click(qtbot, panel.add_button)  # disabled: nothing happens
    assert len(rec.of("sigNetworkChanged")) == 6
    assert rec.last("sigNetworkChanged").activation == "sin"
    for n in range(7, -1, -1):
        click(qtbot, panel.remove_button)
        assert rec.last("sigNetworkChanged").hidden == (8,) * n
    assert not panel.remove_button.isEnabled() and panel.no_hidden_hint.isVisible()
    assert rec.last("sigNetworkChanged") == NetworkConfig(hidden=(), activation="sin")
    assert not any(spin.isVisible() for spin in panel.units_spins)
    roundtrips(network=rec.last("sigNetworkChanged"))
    click(qtbot, panel.add_button)
    assert rec.last("sigNetworkChanged") == NetworkConfig(hidden=(8,), activation="sin")


def test_units_are_limited_to_1_to_256(qtbot):
    panel, rec = shown(qtbot, NetworkPanel())
    type_into(qtbot, panel.units_spins[1], "256")
    qtbot.keyClick(panel.units_spins[1], Qt.Key_Up)
    assert rec.of("sigNetworkChanged") == [NetworkConfig(hidden=(8, 256))]
    type_into(qtbot, panel.units_spins[1], "999")  # the digit that would pass the limit is refused
    assert rec.last("sigNetworkChanged").hidden == (8, 99)
    type_into(qtbot, panel.units_spins[0], "0")  # corrected to the nearest allowed value
    assert rec.last("sigNetworkChanged").hidden[0] == 1
    qtbot.keyClick(panel.units_spins[0], Qt.Key_Down)
    assert rec.last("sigNetworkChanged").hidden[0] == 1
    type_into(qtbot, panel.units_spins[0], "12")
    assert rec.last("sigNetworkChanged") == NetworkConfig(hidden=(12, 99))


def test_per_layer_activations(qtbot):
    panel, rec = shown(qtbot, NetworkPanel())
    choose(panel.activation_combos[1], "relu")
    assert rec.last("sigNetworkChanged").activation == ("tanh", "relu")
    assert "max(0, a)" in panel.activation_combos[1].toolTip()
    click(qtbot, panel.add_button)  # a new layer starts like the last one
    assert rec.last("sigNetworkChanged").activation == ("tanh", "relu", "relu")
    choose(panel.activation_combos[0], "relu")
    assert rec.last("sigNetworkChanged").activation == "relu"
    roundtrips(network=NetworkConfig(hidden=(8, 8), activation=("tanh", "relu")))


def test_mdn_head_enables_components(qtbot):
    panel, rec = shown(qtbot, NetworkPanel())
    assert not panel.components_spin.isEnabled()
    choose(panel.output_combo, "mdn")
    assert panel.components_spin.isEnabled()
    assert rec.last("sigNetworkChanged") == NetworkConfig(output="mdn", n_components=3)
    type_into(qtbot, panel.components_spin, "10")
    qtbot.keyClick(panel.components_spin, Qt.Key_Up)
    assert rec.last("sigNetworkChanged").n_components == 10
    type_into(qtbot, panel.components_spin, "0")
    assert rec.last("sigNetworkChanged").n_components == 1
    choose(panel.output_combo, "linear")
    assert not panel.components_spin.isEnabled()
    assert rec.last("sigNetworkChanged") == NetworkConfig(output="linear")


def test_gaussian_init_enables_the_scale(qtbot):
    panel, rec = shown(qtbot, NetworkPanel())
    assert not panel.scale_spin.isVisible()  # in a collapsed section
    click(qtbot, panel.init_section.button)
    assert not panel.scale_spin.isEnabled()
    choose(panel.init_combo, "gaussian")
    assert panel.scale_spin.isEnabled() and panel.scale_spin.text() == "default"
    assert rec.last("sigNetworkChanged") == NetworkConfig(init="gaussian", init_scale=None)
    type_into(qtbot, panel.scale_spin, "0.25")
    assert rec.last("sigNetworkChanged") == NetworkConfig(init="gaussian", init_scale=0.25)
    assert panel.init_section.title() == "Initial weights: gaussian \u00d7 0.25, seed 0"
    type_into(qtbot, panel.scale_spin, "0")
    assert rec.last("sigNetworkChanged").init_scale is None
    choose(panel.init_combo, "he")
    assert not panel.scale_spin.isEnabled()
    choose(panel.init_combo, "uniform")
    assert panel.scale_spin.isEnabled()


def test_mismatched_head_shows_the_explanation(qtbot):
    panel, rec = shown(qtbot, NetworkPanel())
    data = make_dataset("sinusoid")
    panel.set_problem(data)
    assert "auto \u2192 linear" in panel.head_hint.text()
    assert not panel.warning.isVisible()
    choose(panel.output_combo, "softmax")
    assert panel.warning.isVisible()
    assert panel.mismatch_text() == output_mismatch(data, "softmax")
    choose(panel.output_combo, "auto")
    assert not panel.warning.isVisible() and panel.mismatch_text() == ""
    choose(panel.output_combo, "linear")
    assert not panel.warning.isVisible()
    # the same head on classification data is the mismatch now, and the panel blocks nothing
    panel.set_problem(make_dataset("xor"))
    assert panel.mismatch_text() == output_mismatch(make_dataset("xor"), "linear")
    assert rec.last("sigNetworkChanged").output == "linear"
    panel.set_problem(None)
    assert not panel.warning.isVisible()


def test_summary_counts_weights(qtbot):
    panel, _ = shown(qtbot, NetworkPanel())
    assert panel.summary.text() == "hidden 8-8"
    panel.set_problem(make_dataset("spiral"))
    assert panel.summary.text() == "2-8-8-1, 105 weights"
    panel.set_problem(make_dataset("blobs", n_classes=4))
    assert panel.summary.text() == f"2-8-8-4, {count_weights([2, 8, 8, 4])} weights"
    panel.set_problem(make_dataset("spiral"), n_inputs=5)  # five input features
    assert panel.summary.text() == "5-8-8-1, 129 weights"
    panel.set_problem(make_dataset("inverse_problem"))
    choose(panel.output_combo, "mdn")  # K (L + 2) outputs: 3 * (1 + 2)
    assert panel.summary.text() == "1-8-8-9, 169 weights"
    assert count_weights([1, 8, 8, 9]) == 16 + 72 + 81


# --------------------------------------------------------------------------------------------
# TrainingPanel
# --------------------------------------------------------------------------------------------

MOMENTUM = TrainingOptions("momentum", lr=0.05, batch_size=16, hyper={"momentum": 0.8},
                           schedule=Schedule("step", 0.3, 50), regularization=Regularization(l2=0.01),
                           early_stopping=EarlyStopping(30), seed=4)


def test_training_setters_are_silent_and_round_trip(qtbot):
    panel, rec = shown(qtbot, TrainingPanel())
    panel.set_training(MOMENTUM)
    panel.set_running(True)
    panel.set_speed(50)
    assert rec.events == []
    assert panel.is_running() and panel.speed() == 50
    type_into(qtbot, panel.seed_spin, "5")
    assert rec.events == [("sigTrainingChanged", replace(MOMENTUM, seed=5))]
    # regularisation and early stopping are passed on as they were given
    click_check(qtbot, panel.hyper_widgets["momentum"]["nesterov"])
    assert rec.last("sigTrainingChanged") == replace(MOMENTUM, seed=5, hyper={"momentum": 0.8, "nesterov": True})
    roundtrips(training=rec.last("sigTrainingChanged"))


def test_explicit_default_settings_stay_explicit(qtbot):
    panel, rec = shown(qtbot, TrainingPanel())
    options = TrainingOptions("adam", lr=0.02, hyper={"beta1": 0.9, "beta2": 0.999})
    panel.set_training(options)
    type_into(qtbot, panel.lr_input.spin, "0.03")
    assert rec.last("sigTrainingChanged") == replace(options, lr=0.03)


def test_optimizer_change_shows_its_own_settings(qtbot):
    panel, rec = shown(qtbot, TrainingPanel())
    choose(panel.optimizer_combo, "rmsprop")
    assert rec.last("sigTrainingChanged") == TrainingOptions("rmsprop")
    rms = panel.hyper_widgets["rmsprop"]
    assert not rms["rho"].isVisible()  # rarely changed: in a collapsed section
    click(qtbot, panel.settings_section.button)
    assert rms["rho"].isVisible() and rms["eps"].isVisible()
    assert not panel.hyper_widgets["adam"]["beta1"].isVisible()
    assert not panel.hyper_widgets["momentum"]["momentum"].isVisible()
    type_into(qtbot, rms["rho"], "0.95")
    assert rec.last("sigTrainingChanged").hyper == {"rho": 0.95}
    type_into(qtbot, rms["eps"], "1e-6")
    assert rec.last("sigTrainingChanged").hyper == {"rho": 0.95, "eps": 1e-6}
    type_into(qtbot, rms["eps"], "1")  # the optimiser takes any eps > 0, and so does the box
    assert rec.last("sigTrainingChanged").hyper["eps"] == 1.0
    choose(panel.optimizer_combo, "momentum")
    assert panel.hyper_widgets["momentum"]["momentum"].isVisible() and not rms["rho"].isVisible()
    type_into(qtbot, panel.hyper_widgets["momentum"]["momentum"], "1.5")  # the core takes momentum < 1
    assert 0.999 < rec.last("sigTrainingChanged").hyper["momentum"] < 1.0
    choose(panel.optimizer_combo, "gd")
    assert not any(w.isVisible() for ws in panel.hyper_widgets.values() for w in ws.values())
    assert rec.last("sigTrainingChanged") == TrainingOptions("gd")


def test_every_registered_optimizer_is_offered_with_its_settings(qtbot, monkeypatch):
    class Fancy(Optimizer):
        """A made-up optimiser registered after the built-in ones."""

        name = "fancy"
        label = "Fancy method"
        defaults = {"alpha": 0.5, "window": 7, "flag": False}

        def _validate(self, key, value):
            return value

    monkeypatch.setitem(OPTIMIZERS, "fancy", Fancy)
    panel, rec = shown(qtbot, TrainingPanel())
    offered = [panel.optimizer_combo.itemData(i) for i in range(panel.optimizer_combo.count())]
    assert set(OPTIMIZERS) <= set(offered)
    assert panel.optimizer_combo.itemText(offered.index("fancy")) == "Fancy method"
    choose(panel.optimizer_combo, "fancy")
    widgets = panel.hyper_widgets["fancy"]
    click(qtbot, panel.settings_section.button)
    assert all(w.isVisible() for w in widgets.values())
    type_into(qtbot, widgets["alpha"], "2e-3")
    type_into(qtbot, widgets["window"], "9")
    click_check(qtbot, widgets["flag"])
    assert rec.last("sigTrainingChanged").hyper == {"alpha": 0.002, "window": 9, "flag": True}
    assert isinstance(rec.last("sigTrainingChanged").hyper["window"], int)


def test_learning_rate_typed_in_scientific_notation(qtbot):
    panel, rec = shown(qtbot, TrainingPanel())
    spin = panel.lr_input.spin
    type_into(qtbot, spin, "3e-3")
    assert rec.events == [("sigTrainingChanged", TrainingOptions(lr=0.003))]
    assert spin.text() == "0.003"
    assert panel.lr_input.slider.value() == round(-2.5229 * 10)  # log10(0.003) * 10 steps a decade
    type_into(qtbot, spin, "0.0123456")
    assert rec.last("sigTrainingChanged").lr == 0.0123456 and spin.text() == "0.0123456"  # as typed
    type_into(qtbot, spin, "100")  # the trainer takes any rate > 0: so does the box (tests/gui/test_panel_ranges.py)
    assert rec.last("sigTrainingChanged").lr == 100.0 and spin.text() == "100"
    type_into(qtbot, spin, "1e-9")
    assert rec.last("sigTrainingChanged").lr == 1e-9
    n = len(rec.events)
    type_into(qtbot, spin, "abc")  # refused: nothing changes
    assert len(rec.events) == n and rec.last("sigTrainingChanged").lr == 1e-9


def test_learning_rate_slider_is_logarithmic(qtbot):
    panel, rec = shown(qtbot, TrainingPanel())
    slider = panel.lr_input.slider
    assert slider.log_value() == pytest.approx(0.01)
    slider.setValue(slider.minimum())
    assert rec.last("sigTrainingChanged").lr == pytest.approx(1e-5)
    slider.setValue(slider.maximum())
    assert rec.last("sigTrainingChanged").lr == pytest.approx(10.0)
    slider.setValue(-10)
    assert rec.last("sigTrainingChanged").lr == pytest.approx(0.1)
    assert panel.lr_input.spin.text() == "0.1"
    qtbot.keyClick(slider, Qt.Key_Left)
    assert rec.last("sigTrainingChanged").lr == pytest.approx(0.079)


def test_full_batch_only_optimizers_disable_the_batch_size(qtbot):
    panel, rec = shown(qtbot, TrainingPanel())
    type_into(qtbot, panel.batch_spin, "32")
    assert rec.last("sigTrainingChanged").batch_size == 32
    choose(panel.optimizer_combo, "lbfgs")
    assert not panel.batch_spin.isEnabled() and panel.batch_spin.text() == "full batch"
    assert panel.batch_note.isVisible() and "whole training set" in panel.batch_note.text()
    assert rec.last("sigTrainingChanged").batch_size is None
    assert not panel.lr_input.isEnabled() and panel.lr_note.isVisible()  # L-BFGS ignores it
    type_into(qtbot, panel.hyper_widgets["lbfgs"]["memory"], "100")
    qtbot.keyClick(panel.hyper_widgets["lbfgs"]["memory"], Qt.Key_Up)  # any whole number >= 1, as the core
    assert rec.last("sigTrainingChanged").hyper == {"memory": 101}
    choose(panel.optimizer_combo, "newton")
    assert panel.lr_input.isEnabled()  # the fraction of the Newton step
    choose(panel.optimizer_combo, "adam")
    assert panel.batch_spin.isEnabled() and not panel.batch_note.isVisible()
    assert rec.last("sigTrainingChanged").batch_size == 32
    type_into(qtbot, panel.batch_spin, "0")
    assert rec.last("sigTrainingChanged").batch_size is None and panel.batch_spin.text() == "full batch"


def test_schedule_shows_only_its_fields(qtbot):
    panel, rec = shown(qtbot, TrainingPanel())
    click(qtbot, panel.schedule_section.button)
    assert not any(w.isVisible() for w in (panel.drop_spin, panel.every_spin, panel.decay_spin))
    assert panel.schedule_section.title() == "Schedule: constant"
    choose(panel.schedule_combo, "step")
    assert panel.schedule_section.title() == "Schedule: step"
    assert panel.drop_spin.isVisible() and panel.every_spin.isVisible() and not panel.decay_spin.isVisible()
    type_into(qtbot, panel.drop_spin, "0.25")
    type_into(qtbot, panel.every_spin, "40")
    assert rec.last("sigTrainingChanged").schedule == Schedule("step", drop=0.25, every=40)
    choose(panel.schedule_combo, "inverse_time")
    assert panel.decay_spin.isVisible() and not panel.drop_spin.isVisible()
    type_into(qtbot, panel.decay_spin, "2e-3")
    assert rec.last("sigTrainingChanged").schedule == Schedule("inverse_time", drop=0.25, every=40, decay=0.002)


def test_transport_buttons(qtbot):
    panel, rec = shown(qtbot, TrainingPanel())
    assert panel.play_button.text() == "Play" and "Space" in panel.play_button.toolTip()
    click(qtbot, panel.play_button)
    assert rec.events == [("sigPlayToggled", True)] and panel.play_button.text() == "Pause"
    click(qtbot, panel.play_button)
    assert rec.of("sigPlayToggled") == [True, False]
    rec.clear()
    panel.set_running(True)
    assert rec.events == [] and panel.play_button.text() == "Pause"
    panel.set_running(False)
    click(qtbot, panel.step_button)
    click(qtbot, panel.reset_button)
    assert rec.events == [("sigStepRequested",), ("sigResetRequested",)]
    assert "(S)" in panel.step_button.toolTip() and "(R)" in panel.reset_button.toolTip()


def test_speed_levels(qtbot):
    panel, rec = shown(qtbot, TrainingPanel())
    assert SPEED_LEVELS[0] == 1 and SPEED_LEVELS[-1] is None
    assert panel.speed() == 2 and panel.speed_label.text() == "2 epochs per frame"
    assert panel.run_box.title() == "Run \u2014 about 60 epochs a second"  # the pace in words
    assert "slow enough to watch every step" in panel.speed_label.toolTip()
    panel.speed_slider.setValue(3)
    assert rec.last("sigSpeedChanged") == 10 and panel.speed_label.text() == "10 epochs per frame"
    qtbot.keyClick(panel.speed_slider, Qt.Key_End)
    assert rec.last("sigSpeedChanged") is None and panel.speed_label.text() == "as fast as possible"
    assert panel.run_box.title().endswith("flat out") and "before the eye" in panel.speed_label.toolTip()
    rec.clear()
    panel.set_speed(200)
    assert rec.events == [] and panel.speed() == 200 and panel.speed_label.text() == "200 epochs per frame"
    panel.set_speed(None)
    assert panel.speed() is None
    panel.set_speed(30)  # not a level: the nearest one
    assert panel.speed() in (20, 50) and rec.events == []


# --------------------------------------------------------------------------------------------
# RegularizationPanel
# --------------------------------------------------------------------------------------------


def test_regularization_setters_are_silent_and_round_trip(qtbot):
    panel, rec = shown(qtbot, RegularizationPanel())
    reg = Regularization(l2=0.01, l1=0.002)
    panel.set_regularization(reg)
    panel.set_early_stopping(EarlyStopping(50, False, 0.001))
    panel.set_has_validation(True)
    assert rec.events == []
    assert panel.l2_input.isVisible() and panel.l2_input.spin.text() == "0.01"
    type_into(qtbot, panel.l1_input.spin, "5e-4")
    assert rec.events == [("sigRegularizationChanged", Regularization(l2=0.01, l1=0.0005))]
    type_into(qtbot, panel.patience_spin, "70")
    assert rec.last("sigEarlyStoppingChanged") == EarlyStopping(70, False, 0.001)


def test_weight_decay_modes(qtbot):
    panel, rec = shown(qtbot, RegularizationPanel())
    assert not panel.l2_input.isVisible() and not panel.group_spins["w1"].isVisible()
    choose(panel.l2_mode, "one")
    assert panel.l2_input.isVisible() and not panel.group_spins["w1"].isVisible()
    assert rec.last("sigRegularizationChanged") == Regularization(l2=1e-3)
    type_into(qtbot, panel.l2_input.spin, "3e-2")
    assert rec.last("sigRegularizationChanged") == Regularization(l2=0.03)
    choose(panel.l2_mode, "groups")
    assert all(s.isVisible() for s in panel.group_spins.values()) and not panel.l2_input.isVisible()
    assert rec.last("sigRegularizationChanged") == Regularization(l2_groups={"w1": 1e-3, "w2": 1e-3})
    type_into(qtbot, panel.group_spins["b2"], "0.1")
    assert rec.last("sigRegularizationChanged").l2_groups == {"w1": 1e-3, "b1": 0.0, "w2": 1e-3, "b2": 0.1}
    choose(panel.l2_mode, "off")
    assert rec.last("sigRegularizationChanged") == Regularization()
    choose(panel.l2_mode, "one")  # the coefficient was kept
    assert rec.last("sigRegularizationChanged") == Regularization(l2=0.03)
    panel.set_regularization(Regularization(l2_groups={"w1": 0.5}))
    assert panel.l2_mode.currentData() == "groups" and panel.group_spins["w1"].value() == 0.5
    roundtrips(training=TrainingOptions(regularization=Regularization(l2_groups={"w1": 0.5})))


def test_coefficients_have_an_explicit_zero(qtbot):
    panel, rec = shown(qtbot, RegularizationPanel())
    choose(panel.l2_mode, "one")
    panel.l2_input.slider.setValue(panel.l2_input.slider.minimum())
    assert rec.last("sigRegularizationChanged") == Regularization(l2=0.0)
    assert panel.l2_input.spin.text() == "0"
    panel.l1_input.slider.setValue(panel.l1_input.slider.minimum() + 1)
    assert rec.last("sigRegularizationChanged").l1 == pytest.approx(1e-6)
    type_into(qtbot, panel.l1_input.spin, "0")
    assert rec.last("sigRegularizationChanged").l1 == 0.0 and panel.l1_input.spin.text() == "off"
    assert panel.l1_input.slider.value() == panel.l1_input.slider.minimum()


def test_early_stopping_controls(qtbot):
    panel, rec = shown(qtbot, RegularizationPanel())
    assert not panel.patience_spin.isEnabled()
    click_check(qtbot, panel.es_check)
    assert rec.last("sigEarlyStoppingChanged") == EarlyStopping(20, True, 0.0)
    assert panel.patience_spin.isEnabled() and panel.restore_check.isEnabled()
    type_into(qtbot, panel.patience_spin, "0")
    assert rec.last("sigEarlyStoppingChanged").patience == 1
    type_into(qtbot, panel.patience_spin, "100000")
    qtbot.keyClick(panel.patience_spin, Qt.Key_Up)  # any whole number >= 1, as the core
    assert rec.last("sigEarlyStoppingChanged").patience == 100_001
    click_check(qtbot, panel.restore_check)
    type_into(qtbot, panel.min_delta_spin, "1e-4")
    assert rec.last("sigEarlyStoppingChanged") == EarlyStopping(100_001, False, 1e-4)
    click_check(qtbot, panel.es_check)
    assert rec.last("sigEarlyStoppingChanged") is None
    assert not panel.patience_spin.isEnabled()


def test_early_stopping_needs_validation_data(qtbot):
    panel, rec = shown(qtbot, RegularizationPanel())
    panel.set_early_stopping(EarlyStopping(10))
    panel.set_has_validation(False)
    assert rec.events == []
    assert not panel.es_check.isEnabled() and not panel.patience_spin.isEnabled()
    assert panel.es_reason.isVisible() and "validation" in panel.es_reason.text()
    click_check(qtbot, panel.es_check)  # disabled: nothing happens
    assert rec.events == [] and panel.es_check.isChecked()
    panel.set_has_validation(True)
    assert panel.es_check.isEnabled() and panel.patience_spin.isEnabled() and not panel.es_reason.isVisible()
    assert rec.events == []


def test_picking_newton_proposes_the_full_step_and_line_searches_disable_the_rate(qtbot):
    from playground.core import TrainingOptions
    from playground.gui.panels.training_panel import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_training(TrainingOptions(optimizer="adam", lr=0.01))
    emitted = []
    panel.sigTrainingChanged.connect(emitted.append)
    combo = panel.optimizer_combo
    combo.setCurrentIndex(combo.findData("newton"))
    assert emitted[-1].optimizer == "newton" and emitted[-1].lr == 1.0
    combo.setCurrentIndex(combo.findData("lbfgs"))
    assert not panel.lr_input.isEnabled()
