"""The early-stopping-against-weight-decay view (PRML fig. 5.13) inside the window."""

import numpy as np
from PySide6.QtCore import QObject, Slot

from test_panel_reactions import click, last_frame
from widget_lifetime import shown_main_window

from playground.core.trajectory import project
from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
from playground.session.document import Document


class Results(QObject):
    def __init__(self):
        super().__init__()
        self.seen = []

    @Slot(int, object)
    def record(self, job_id, figure):
        self.seen.append(figure)


def sinusoid_window(qtbot, tmp_path, split=(0.5, 0.5, 0.0), epochs=400):
    config = ExperimentConfig(data=DataConfig(generator="sinusoid", n_points=30, noise=0.2, seed=1, split=split),
                              network=NetworkConfig(hidden=(6,)), epochs=epochs)
    window = shown_main_window(qtbot, tmp_path, Document.generated(config))
    window.trajectory_dock.show()  # a lab's dock is shown from the View menu, and its tab clicked
    window.trajectory_dock.raise_()
    qtbot.waitUntil(lambda: not window.trajectory_dock.visibleRegion().isEmpty(), timeout=3000)
    return window


def test_compare_draws_both_trajectories_over_the_error_contours(qtbot, tmp_path):
    window = sinusoid_window(qtbot, tmp_path)
    last_frame(qtbot, window)
    view = window.trajectory_view
    window.trajectory_dock.raise_()
    click(qtbot, view.compare_button)
    assert not view.compare_button.isEnabled() and view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: view.figure is not None, timeout=20000)
    fig = view.figure
    stopped, decayed = fig.paths
    assert decayed.end_epoch == 400 and fig.l2 == 1e-2  # no decay in the document: the view's default
    # the curves hold the projected trajectories, starting together at the network's starting weights
    start = window._net_template.w
    for label, xy in zip(("early stopping", "weight decay"), fig.projected):
        x, y = view._paths[label].getData()
        assert np.allclose(x, xy[:, 0]) and np.allclose(y, xy[:, 1])
        assert np.allclose(xy[0], project(start, fig.center, fig.directions)[0])
    contour_x, _ = view._contours.getData()
    assert len(contour_x) > 0
    assert "Early stopping ended at epoch" in view.status.text() and view.compare_button.isEnabled()


def test_without_validation_points_it_says_so(qtbot, tmp_path):
    window = sinusoid_window(qtbot, tmp_path, split=(1.0, 0.0, 0.0))
    last_frame(qtbot, window)
    click(qtbot, window.trajectory_view.compare_button)
    assert "validation" in window.trajectory_view.status.text()
    assert window.trajectory_view.figure is None


def test_cancel_stops_the_comparison(qtbot, tmp_path):
    window = sinusoid_window(qtbot, tmp_path, epochs=5000)  # seconds of work: Cancel comes first
    last_frame(qtbot, window)
    view = window.trajectory_view
    click(qtbot, view.compare_button)
    results = Results()
    view.worker.sigResult.connect(results.record)
    click(qtbot, view.cancel_button)
    qtbot.waitUntil(lambda: len(results.seen) == 1, timeout=20000)
    assert results.seen == [None] and view.figure is None
    assert view.status.text() == "Cancelled." and view.compare_button.isEnabled()
