"""Invariances and soft weight sharing in the window: the Regularization panel's controls, the
transformed points in the data view, the learned mixture over the weight histogram."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from playground.core.regularizers import Regularization
from playground.gui.main_window import MainWindow
from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
from playground.session.document import TRAIN, Document


def rings_window(qtbot, tmp_path, **network):
    config = ExperimentConfig(data=DataConfig(generator="rings", n_points=120, seed=0),
                              network=NetworkConfig(**network) if network else NetworkConfig(hidden=(6,)))
    window = MainWindow(Document.generated(config), settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.regularization_dock.raise_()
    return window


def type_into(qtbot, spin, text):
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Return)


def choose(qtbot, combo, data):
    """Pick an item of a combo box by keyboard, as a user would (Down/Up until it shows)."""
    combo.setFocus()
    target = combo.findData(data)
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, Qt.Key_Down if combo.currentIndex() < target else Qt.Key_Up)


def wait_snapshot(qtbot, window, predicate, timeout=8000):
    qtbot.waitUntil(lambda: window._last_snapshot is not None and predicate(window._last_snapshot), timeout=timeout)
    return window._last_snapshot


def test_the_panel_sets_the_invariances_and_the_data_view_shows_the_transformed_points(qtbot, tmp_path):
    window = rings_window(qtbot, tmp_path)
    controls = window.regularization_panel.invariance
    assert not controls.section.is_expanded()  # out of the way until asked for
    qtbot.mouseClick(controls.section.button, Qt.LeftButton)
    assert controls.tangent_input.isVisible()
    type_into(qtbot, controls.tangent_input.spin, "0.5")
    choose(qtbot, controls.tangent_kind, "scaling")
    assert len(window.augmented_points.points()) == 0
    choose(qtbot, controls.augment_combo, "rotation")
    form = controls.section.form
    assert controls.augment_size.isVisible() and form.labelForField(controls.augment_size).text() == "Angle up to (°)"
    type_into(qtbot, controls.augment_size, "45")
    reg = window.model.document.config.training.regularization
    assert (reg.tangent_prop, reg.tangent_kind, reg.augment, reg.augment_size) == (0.5, "scaling", "rotation", 45.0)
    # the data view shows four rotated draws of every training point, faintly
    train = window.model.document.part(TRAIN)
    shown = window.augmented_points.points()
    assert len(shown) == 4 * train.n
    centre = train.X.mean(axis=0)
    radii = np.hypot(*(np.tile(train.X, (4, 1)) - centre).T)
    np.testing.assert_allclose(np.hypot(*(shown - centre).T), radii, atol=1e-5)  # rotations keep the radius
    assert not np.allclose(shown, np.tile(train.X, (4, 1)), atol=1e-3)
    choose(qtbot, controls.augment_combo, "noise")
    type_into(qtbot, controls.augment_size, "0.02")
    spread = window.augmented_points.points() - np.tile(train.X, (4, 1))
    assert spread.std() == pytest.approx(0.02, rel=0.2)
    choose(qtbot, controls.augment_combo, "none")
    assert len(window.augmented_points.points()) == 0
    # a loaded setting opens its section and shows in it
    window.regularization_panel.set_regularization(Regularization(soft_weight_sharing=0.02, mixture_components=4))
    assert controls.sharing_section.is_expanded() and controls.components_spin.value() == 4


def test_tangent_propagation_reaches_the_trainer(qtbot, tmp_path):
    window = rings_window(qtbot, tmp_path)
    controls = window.regularization_panel.invariance
    qtbot.mouseClick(controls.section.button, Qt.LeftButton)
    type_into(qtbot, controls.tangent_input.spin, "2")
    window.play(True)
    snap = wait_snapshot(qtbot, window, lambda s: s.epoch > 20)
    window.play(False)
    # the reported objective E~/N holds the tangent penalty beside the data error
    assert snap.objective > snap.train_error + 1e-6


def test_the_weight_histogram_shows_the_learned_mixture_live(qtbot, tmp_path):
    window = rings_window(qtbot, tmp_path)
    controls = window.regularization_panel.invariance
    qtbot.mouseClick(controls.sharing_section.button, Qt.LeftButton)
    type_into(qtbot, controls.components_spin, "2")
    type_into(qtbot, controls.sharing_input.spin, "0.05")
    window.weights_dock.raise_()
    window.play(True)
    wait_snapshot(qtbot, window, lambda s: s.mixture is not None and s.epoch > 30)
    window.play(False)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=3000)
    plot = window.weights_plot
    qtbot.waitUntil(lambda: plot.mixture is not None
                    and np.array_equal(plot.mixture[1], window._last_snapshot.mixture[1]), timeout=3000)
    pi, mu, sigma = window._last_snapshot.mixture
    assert len(mu) == 2 and pi.sum() == pytest.approx(1.0)
    x, height = plot.mixture_curve(0)
    # drawn as the counts the mixture predicts for the layer's weights, in the row's scale
    density = np.sum(pi * np.exp(-0.5 * ((x[:, None] - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)), axis=1)
    edges, counts, _ = plot.histogram_data(0)
    n_weights = counts.sum()
    expected = np.minimum(n_weights * (edges[1] - edges[0]) * density * 0.82 / counts.max(), 0.98)
    np.testing.assert_allclose(height, expected, rtol=1e-9)
    assert "mixture" in plot.plot_item.titleLabel.text
    # off again: the curve goes
    type_into(qtbot, controls.sharing_input.spin, "0")
    window.step()
    qtbot.waitUntil(lambda: plot.mixture is None, timeout=3000)


@pytest.mark.parametrize("data, said", [
    (DataConfig(generator="sinusoid", seed=0),
     "Rotation acts on points of the plane, two inputs x1, x2; this data has 1 input"),
    (DataConfig(generator="rings", n_points=60, seed=0, features=("x1^2", "x2^2")),
     "not on the feature maps x1^2, x2^2"),
], ids=["one input", "feature maps"])
def test_tangent_propagation_the_inputs_cannot_take_is_refused_in_plain_words(qtbot, tmp_path, data, said):
    config = ExperimentConfig(data=data, network=NetworkConfig(hidden=(4,)))
    window = MainWindow(Document.generated(config), settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.regularization_dock.raise_()
    controls = window.regularization_panel.invariance
    qtbot.mouseClick(controls.section.button, Qt.LeftButton)
    type_into(qtbot, controls.tangent_input.spin, "0.5")
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=3000)
    assert said in window.banner_label.text()
    assert window.model.document.config.training.regularization.tangent_prop == 0.0  # nothing changed
    assert controls.tangent_input.value() == 0.0  # and the panel shows so
    QApplication.processEvents()
