"""The kernel comparison dock draws the core models' predictions, computed off the GUI thread."""

import numpy as np
import pytest

from playground.core import MLP, kernels
from playground.gui.plots.kernel_view import LECTURE_GRID, KernelProblem, KernelView

from widget_lifetime import delete_widgets_at_a_safe_point as _delete_widgets

delete_widgets_at_a_safe_point = pytest.fixture(autouse=True)(_delete_widgets)


def sinusoid_problem():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (15, 1))
    y = np.sin(2 * np.pi * x[:, 0]) + 0.2 * rng.normal(size=15)
    return KernelProblem("regression1d", x, y, 0, (0.0, 1.0), (-1.5, 1.5), net_inputs=x, net_targets=y[:, None])


def circle_problem():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1.5, 1.5, (60, 2))
    labels = (np.hypot(X[:, 0], X[:, 1]) > 0.9).astype(int)
    return KernelProblem("classification2d", X, labels, 2, (-1.5, 1.5), (-1.5, 1.5))


@pytest.fixture
def view(qtbot):
    view = KernelView()
    qtbot.addWidget(view)
    view.show()
    yield view
    view.shutdown()


def fitted(view, qtbot):
    view._result = None
    qtbot.waitUntil(lambda: view._result is not None, timeout=20_000)
    return view._result


def test_the_kernel_curve_is_the_core_models_prediction(view, qtbot):
    view.set_problem(sinusoid_problem())
    fitted(view, qtbot)
    x, y = view.kernel_curve.getData()
    np.testing.assert_allclose(y, view.kernel_model().predict(x[:, None]), rtol=1e-10, atol=1e-12)
    # the lambda slider refits: a larger lambda, a smoother curve that no longer equals the old one
    view._result = None
    view.lambda_slider.slider.setValue(view.lambda_slider.slider.maximum())
    qtbot.waitUntil(lambda: view._result is not None, timeout=20_000)
    assert view.lambda_slider.value() == pytest.approx(10.0)
    x2, y2 = view.kernel_curve.getData()
    expected = kernels.KernelRidge(sigma=0.1, lam=10.0).fit(view._problem.X, view._problem.y).predict(x2[:, None])
    np.testing.assert_allclose(y2, expected, rtol=1e-10, atol=1e-12)
    # the lecture's grid: one curve per (sigma, lambda), each the core model's
    for (sigma, lam), (_, curve) in zip(LECTURE_GRID, view.multiple_items):
        cx, cy = curve.getData()
        model = kernels.KernelRidge(sigma=sigma, lam=lam).fit(view._problem.X, view._problem.y)
        np.testing.assert_allclose(cy, np.clip(model.predict(cx[:, None]), -1e6, 1e6), rtol=1e-8, atol=1e-10)


def test_the_svm_boundary_rings_its_support_vectors_and_a_bootstrap_shades_votes(view, qtbot):
    view.set_problem(circle_problem())
    fitted(view, qtbot)
    sx, sy = view.support.getData()
    np.testing.assert_array_equal(np.column_stack([sx, sy]), view.kernel_model().support_vectors_)
    bx, by = view.kernel_boundary.getData()
    f = view.kernel_model().decision_function(np.column_stack([bx, by]))
    grid = np.stack(np.meshgrid(np.linspace(-1.5, 1.5, 30), np.linspace(-1.5, 1.5, 30)), -1).reshape(-1, 2)
    assert len(bx) > 10 and np.all(np.abs(f) < 0.1 * np.abs(view.kernel_model().decision_function(grid)).max())
    view.b_spin.setValue(5)
    view.bootstrap_combo.setCurrentIndex(view.bootstrap_combo.findData("kernel"))
    result = fitted(view, qtbot)
    assert result.votes.shape == (len(result.grid_y), len(result.grid_x), 2)
    np.testing.assert_allclose(result.votes.sum(axis=2), 1.0)
    assert view.votes_image.image is not None


def test_a_network_bootstrap_draws_a_band_around_the_refits(view, qtbot):
    problem = sinusoid_problem()
    view.set_problem(problem, net=MLP([1, 3, 1], seed=0))
    fitted(view, qtbot)
    view.b_spin.setValue(4)
    view.epochs_spin.setValue(5)
    view.bootstrap_combo.setCurrentIndex(view.bootstrap_combo.findData("network"))
    result = fitted(view, qtbot)
    lo, hi = view.band_fill_lo.getData()[1], view.band_fill_hi.getData()[1]
    assert np.all(lo <= hi + 1e-12) and np.any(hi > lo)
    assert "no validation points" in view.status_label.text()
    bx, by = view.bagged_curve.getData()  # the bagged predictor: the refits' mean
    np.testing.assert_allclose(by, result.bagged)
    assert np.all((lo - 1e-12 <= by) & (by <= hi + 1e-12))


def test_the_window_hands_the_kernels_dock_its_training_points_and_the_networks_curve(qtbot, tmp_path):
    from widget_lifetime import shown_main_window

    from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
    from playground.session.document import Document

    config = ExperimentConfig(data=DataConfig(generator="sinusoid", n_points=30, seed=2, split=(0.6, 0.2, 0.2)),
                              network=NetworkConfig(hidden=(3,)))
    window = shown_main_window(qtbot, tmp_path, Document.generated(config))
    try:
        assert not window.kernels_dock.isVisible()  # asked for from the Compare menu
        window.kernels_action.trigger()
        assert window.kernels_dock.isVisible()
        view = window.kernel_view
        qtbot.waitUntil(lambda: view._result is not None, timeout=20_000)
        train = window._experiment.split.train
        np.testing.assert_array_equal(view._problem.X, train.X)  # the training part, not all points
        assert len(view._problem.X) == 18
        x, y = view.kernel_curve.getData()
        np.testing.assert_allclose(y, view.kernel_model().predict(x[:, None]), rtol=1e-10, atol=1e-12)
        window.step_action.trigger()  # a frame: the network's curve beside the kernel machine's
        qtbot.waitUntil(lambda: view.network_curve.getData()[0] is not None
                        and len(view.network_curve.getData()[0]) > 0, timeout=10_000)
        nx, ny = view.network_curve.getData()
        net = window._net_template.copy()
        net.w[:] = window._last_snapshot.weights
        np.testing.assert_allclose(ny, net.forward(nx[:, None])[:, 0], rtol=1e-5, atol=1e-5)  # float32 display
    finally:
        window.close()
