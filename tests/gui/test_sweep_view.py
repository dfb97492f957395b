"""The sweep dock: fig. 5.10's scatter holds the core's errors, a clicked dot loads its network,
Cancel ends the pool's processes, results save as CSV."""

import csv
import multiprocessing

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from widget_lifetime import delete_widgets_at_a_safe_point as _delete_widgets
from widget_lifetime import shown, shown_main_window

from playground.core import sweeps
from playground.gui.plots.sweep_view import SweepView
from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
from playground.session.document import Document
from processes import alive

delete_widgets_at_a_safe_point = pytest.fixture(autouse=True)(_delete_widgets)


def sinusoid_document():
    config = ExperimentConfig(data=DataConfig(generator="sinusoid", n_points=30, seed=2, split=(0.5, 0.0, 0.5)),
                              network=NetworkConfig(hidden=(5,)))
    return Document.generated(config)


def click_at(qtbot, plot_widget, x, y):
    vb = plot_widget.getPlotItem().vb
    pos = plot_widget.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(plot_widget.viewport(), Qt.LeftButton, pos=pos)


def test_the_scatter_holds_every_fit_and_a_clicked_dot_loads_its_network(qtbot, tmp_path):
    window = shown_main_window(qtbot, tmp_path, sinusoid_document())
    try:
        qtbot.waitUntil(lambda: window._experiment is not None, timeout=10_000)
        view = window.sweep_view
        view.units_spin.setValue(2)
        view.starts_spin.setValue(2)
        view.epochs_spin.setValue(20)
        window.sweep_action.trigger()  # Compare > Fig. 5.10
        assert window.sweeps_dock.isVisible()
        qtbot.waitUntil(lambda: view.result is not None, timeout=60_000)
        result = view.result
        m, e = result.errors("test")
        spots = view.dots.points()
        assert len(spots) == 4
        np.testing.assert_array_equal([p.pos().y() for p in spots], e)
        assert np.all(np.abs(np.array([p.pos().x() for p in spots]) - m) <= 0.15)
        units, means = result.means("test")
        np.testing.assert_allclose(view.mean_curve.getData()[1], means)
        # the same fits as the core computes them, serial, in this process
        again = sweeps.run_sweep(view.config(), view._data, workers=1)
        assert again.csv_text() == result.csv_text()

        target = spots[3]  # M = 2, the second start
        view.scatter_plot.setXRange(0.5, 2.5, padding=0)
        view.scatter_plot.setYRange(target.pos().y() - 1, target.pos().y() + 1, padding=0)
        qtbot.wait(50)
        click_at(qtbot, view.scatter_widget, target.pos().x(), target.pos().y())
        outcome = result.outcomes[target.data()]
        qtbot.waitUntil(lambda: window.model.document.config.network.hidden == (outcome.units,), timeout=5000)
        qtbot.waitUntil(lambda: window._net_template is not None and window._net_template.w.shape == outcome.weights.shape
                        and np.array_equal(window._net_template.w, outcome.weights), timeout=10_000)

        path = tmp_path / "sweep.csv"
        assert view.save_csv(str(path))
        rows = list(csv.DictReader(open(path)))
        assert [(int(r["units"]), int(r["start"])) for r in rows] == [(1, 0), (1, 1), (2, 0), (2, 1)]
        assert float(rows[3]["test_error"]) == e[3]
    finally:
        window.close()


def test_cancel_stops_a_running_sweep_and_no_worker_process_survives(qtbot):
    view = shown(qtbot, SweepView(), 700, 450)
    try:
        rng = np.random.default_rng(0)
        x = rng.uniform(0, 1, (10, 1))
        view.set_data(sweeps.SweepData(x, np.sin(2 * np.pi * x), X_test=x, T_test=np.sin(2 * np.pi * x)))
        view.units_spin.setValue(12)
        view.starts_spin.setValue(2)
        view.epochs_spin.setValue(1_000_000)  # minutes a fit: only a cancel ends this sweep soon
        qtbot.mouseClick(view.run_button, Qt.LeftButton)
        assert view.cancel_button.isEnabled() and not view.run_button.isEnabled()
        qtbot.waitUntil(lambda: len(multiprocessing.active_children()) == 2, timeout=30_000)
        pids = [p.pid for p in multiprocessing.active_children()]
        qtbot.waitUntil(lambda: "of 24 fits" in view.status_label.text(), timeout=30_000)
        qtbot.mouseClick(view.cancel_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: not view.runner.running, timeout=10_000)
        assert "Cancelled" in view.status_label.text()
        assert [pid for pid in pids if alive(pid)] == []
        assert multiprocessing.active_children() == []
        assert view.run_button.isEnabled() and view.result is None
    finally:
        view.shutdown()


def test_the_dock_starts_its_workers_when_shown_a_sweep_reuses_them_and_closing_ends_them(qtbot):
    assert multiprocessing.active_children() == []
    view = shown(qtbot, SweepView(), 700, 450)
    try:
        qtbot.waitUntil(lambda: len(multiprocessing.active_children()) == 2, timeout=30_000)  # before any Run
        warm = sorted(p.pid for p in multiprocessing.active_children())
        rng = np.random.default_rng(0)
        x = rng.uniform(0, 1, (10, 1))
        view.set_data(sweeps.SweepData(x, np.sin(2 * np.pi * x), X_test=x, T_test=np.sin(2 * np.pi * x)))
        view.units_spin.setValue(2)
        view.starts_spin.setValue(2)
        view.epochs_spin.setValue(20)
        qtbot.mouseClick(view.run_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: view.result is not None, timeout=60_000)
        assert len(view.result.outcomes) == 4
        assert sorted(p.pid for p in multiprocessing.active_children()) == warm
    finally:
        view.shutdown()
    assert [pid for pid in warm if alive(pid)] == [] and multiprocessing.active_children() == []
