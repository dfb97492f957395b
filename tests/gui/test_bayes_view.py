"""The Bayesian docks (PRML 5.7): error bars, moderated contours, the evidence procedure, prior samples.

Driven as a user would: the dock's tab is raised, Step is pressed, the button clicked, the sliders
moved by keyboard; what is drawn is checked against playground.core.bayes at the same weights.
"""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from widget_lifetime import delete_widgets_at_a_safe_point as _delete_widgets
from widget_lifetime import shown, shown_main_window

from playground.core import bayes
from playground.gui.plots.bayes_view import LEVELS
from playground.gui.plots.prior_samples import PriorSamplesView
from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig, TrainingOptions
from playground.session.document import Document

delete_widgets_at_a_safe_point = pytest.fixture(autouse=True)(_delete_widgets)


def window_on(qtbot, tmp_path, data: DataConfig, hidden=(3,), optimizer="adam", lr=0.05):
    config = ExperimentConfig(data=data, network=NetworkConfig(hidden=hidden),
                              training=TrainingOptions(optimizer=optimizer, lr=lr))
    window = shown_main_window(qtbot, tmp_path, Document.generated(config))
    window.bayes_dock.show()  # a lab's dock is shown from the View menu
    window.bayes_dock.raise_()
    qtbot.waitUntil(lambda: not window.bayes_dock.visibleRegion().isEmpty(), timeout=3000)
    qtbot.waitUntil(lambda: window.step_action.isEnabled(), timeout=5000)
    return window


def step_until_drawn(qtbot, window, steps=3):
    view = window.bayes_view
    for _ in range(steps):
        before = view.pictures_shown
        window.step_action.trigger()
        qtbot.waitUntil(lambda: view.pictures_shown > before, timeout=15000)
    return view


def train_then_pause(qtbot, window, epochs=150):
    """Play, wait for ``epochs``, pause: the paused frame brings a posterior at its weights."""
    view = window.bayes_view
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window._last_snapshot is not None and window._last_snapshot.epoch >= epochs,
                    timeout=20000)
    window.play_action.trigger()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=5000)
    qtbot.waitUntil(lambda: view._last_frame is not None and not view._last_frame.running, timeout=5000)
    qtbot.waitUntil(lambda: view.overlay.picture is not None
                    and view.overlay.picture.epoch == view._last_frame.snapshot.epoch, timeout=15000)
    return view


def posterior_of(window):
    """The core's Laplace approximation at the weights the dock last drew, with its settings."""
    view = window.bayes_view
    job, settings = view._job, view.settings()
    net = job.net.copy()
    net.w[:] = view._last_weights
    beta = settings.beta if net.output == "linear" else None
    return bayes.laplace(net, job.X, job.T, settings.alpha, beta, settings.hessian)


def test_regression_bands_widen_away_from_the_data(qtbot, tmp_path):
    window = window_on(qtbot, tmp_path, DataConfig(generator="sinusoid", n_points=30, seed=0))
    window.data_view.fit_to(((-1.0, 2.0), (-3.0, 3.0)))  # zoomed out: the data lie in [0, 1]
    view = step_until_drawn(qtbot, window)
    overlay = view.overlay
    x, mean = overlay.line("mean")
    _, upper1 = overlay.upper1.getData()
    _, upper2 = overlay.upper2.getData()
    _, lower2 = overlay.lower2.getData()
    assert x.min() < -0.5 and x.max() > 1.5
    half_width = (upper2 - lower2) / 4  # +-2 sigma
    np.testing.assert_allclose(upper1 - mean, half_width, rtol=1e-9)
    near, far = np.argmin(np.abs(x - 0.5)), np.argmin(np.abs(x - 1.9))
    assert half_width[far] > 2 * half_width[near]
    # the numbers are the core's: sigma^2 = 1/beta + g^T A^-1 g (5.173) at the drawn weights
    post = posterior_of(window)
    expected_mean, expected_var = post.predictive(x[:, None])
    np.testing.assert_allclose(mean, expected_mean[:, 0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(upper1 - mean, np.sqrt(expected_var[:, 0]), rtol=1e-6)
    # the dock's split: the noise part is flat at sqrt(1/beta), the weight part carries the widening
    _, noise = view.noise_sd_curve.getData()
    _, weight = view.weight_sd_curve.getData()
    np.testing.assert_allclose(noise, np.sqrt(1 / view.beta_box.value()))
    np.testing.assert_allclose(noise**2 + weight**2, expected_var[:, 0], rtol=1e-6)
    assert weight[far] > 3 * weight[near]
    _, noise_upper = overlay.line("noise upper")
    np.testing.assert_allclose(noise_upper - mean, noise)


def test_beta_typed_in_the_dock_redraws_the_noise_band(qtbot, tmp_path):
    window = window_on(qtbot, tmp_path, DataConfig(generator="sinusoid", n_points=30, seed=0))
    view = step_until_drawn(qtbot, window, steps=1)
    before = view.pictures_shown
    box = view.beta_box
    box.selectAll()
    qtbot.keyClicks(box, "4")
    qtbot.keyClick(box, Qt.Key_Return)
    qtbot.waitUntil(lambda: view.pictures_shown > before and view.overlay.picture.noise_sd == pytest.approx(0.5),
                    timeout=15000)
    _, noise = view.noise_sd_curve.getData()
    np.testing.assert_allclose(noise, 0.5)  # sqrt(1 / 4)


def test_classification_contours_moderated_and_map(qtbot, tmp_path):
    window = window_on(qtbot, tmp_path, DataConfig(generator="two_gaussians", n_points=80, seed=1))
    view = train_then_pause(qtbot, window)
    overlay = view.overlay
    assert overlay.levels_drawn == {"moderated": LEVELS + (0.5,), "map": LEVELS + (0.5,)}
    post = posterior_of(window)
    h = float(np.diff(view._last_frame.grid_x).max())  # the grid the contours were traced on

    def distance_off(output, points, level):
        """How far (in input units) each vertex lies from the level set p = level: |p - level| / |grad p|.
        A steep p (a well-trained boundary) turns a small offset into a large |p - level|, so the offset is
        measured as a distance, which grid interpolation keeps to a fraction of a grid step."""
        p = output(points)[:, 0]
        eps = h / 20
        gx = (output(points + [eps, 0])[:, 0] - output(points - [eps, 0])[:, 0]) / (2 * eps)
        gy = (output(points + [0, eps])[:, 0] - output(points - [0, eps])[:, 0]) / (2 * eps)
        return np.abs(p - level) / np.maximum(np.hypot(gx, gy), 1e-12)

    for name, output in (("moderated boundary", post.predictive), ("MAP boundary", post.map_output)):
        x, y = overlay.line(name)
        keep = np.isfinite(x) & np.isfinite(y)
        assert keep.sum() > 10
        off = distance_off(output, np.column_stack([x[keep], y[keep]]), 0.5)
        # on p = 1/2 up to the grid's linear interpolation (the worst vertices sit where p is flattest)
        assert np.median(off) < 0.25 * h and np.percentile(off, 90) < 0.6 * h and off.max() < 2 * h
    xs, ys = overlay.line("moderated levels")
    keep = np.isfinite(xs) & np.isfinite(ys)
    assert keep.sum() > 10
    points = np.column_stack([xs[keep], ys[keep]])
    p = post.predictive(points)[:, 0]
    nearest = np.asarray(LEVELS)[np.argmin(np.abs(p[:, None] - np.asarray(LEVELS)[None, :]), axis=1)]
    off = np.array([distance_off(post.predictive, points[k:k + 1], nearest[k])[0] for k in range(len(points))])
    # every vertex on one of the levels 0.1 ... 0.9, up to grid interpolation
    assert np.median(off) < 0.25 * h and np.percentile(off, 90) < 0.6 * h and off.max() < 2 * h
    mx, my = overlay.line("MAP levels")
    p_map = post.map_output(np.column_stack([mx, my]))[:, 0]
    assert len(mx) > 10 and np.abs(p_map - 0.5).max() > 0.35  # the MAP output reaches 0.1 and 0.9 here
    # moderation pulls towards 1/2 where w is uncertain: never further from 1/2 than the MAP output
    on_grid = np.column_stack([xs, ys])
    assert np.all(np.abs(post.predictive(on_grid)[:, 0] - 0.5) <= np.abs(post.map_output(on_grid)[:, 0] - 0.5) + 1e-9)


def test_evidence_button_plots_the_re_estimations_and_group_alphas(qtbot, tmp_path):
    window = window_on(qtbot, tmp_path, DataConfig(generator="sinusoid", n_points=20, seed=2))
    view = step_until_drawn(qtbot, window, steps=1)
    view.group_box.click()
    view.cycles_box.setValue(3)
    qtbot.mouseClick(view.evidence_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.evidence_button.isEnabled() and len(view.evidence_steps) == 3, timeout=30000)
    steps = view.evidence_steps
    n, gamma = view.gamma_curve.getData()
    np.testing.assert_array_equal(n, [1, 2, 3])
    np.testing.assert_allclose(gamma, [s.gamma for s in steps])
    assert all(0 < s.gamma < s.n_params for s in steps)
    assert view.w_line.value() == steps[-1].n_params
    _, log_ev = view.logev_curve.getData()
    np.testing.assert_allclose(log_ev, [s.log_evidence for s in steps])
    assert set(view.alpha_curves) == {"w1", "b1", "w2", "b2"}
    _, log_alpha_b2 = view.alpha_curves["b2"].getData()
    np.testing.assert_allclose(log_alpha_b2, np.log10([s.alpha["b2"] for s in steps]))
    for group in ("w1", "b1", "w2", "b2"):
        assert f"\u03b1_{group} = " in view.alpha_label.text()
    assert view.beta_box.value() == pytest.approx(steps[-1].beta, rel=1e-3)  # the dock takes the new beta
    assert view.settings().alpha == steps[-1].alpha  # and the group alphas, for the error bars from now on
    qtbot.waitUntil(lambda: "per group as re-estimated" in view.status.text(), timeout=15000)


def test_prior_samples_follow_the_sliders(qtbot):
    view = shown(qtbot, PriorSamplesView())
    slider = view.sliders["b2"]
    slider.setFocus()
    spread_before = np.std(view.samples[:, 100])
    for _ in range(2):
        qtbot.keyClick(slider, Qt.Key_PageDown)  # smaller precision of the output bias: a larger offset
    alphas = view.alphas()
    assert alphas["b2"] == pytest.approx(10 ** (slider.value() / 10)) and alphas["b2"] < 1
    expected = bayes.prior_functions(view.x, alphas, n_hidden=12, n_samples=10, seed=0)
    for curve, y in zip(view.curves, expected):
        np.testing.assert_allclose(curve.getData()[1], y)
    assert np.std(view.samples[:, 100]) > spread_before
    assert "variance" in view.value_labels["b2"].text()


def test_softmax_network_shows_each_class_boundary_moderated_and_map(qtbot, tmp_path):
    window = window_on(qtbot, tmp_path, DataConfig(generator="blobs", n_points=90, n_classes=3, seed=1))
    view = train_then_pause(qtbot, window, epochs=60)
    overlay = view.overlay
    assert overlay.levels_drawn == {"moderated": (0.5,), "map": (0.5,)}
    post = posterior_of(window)
    x, y = overlay.line("moderated boundary")
    assert len(x) > 10
    p = post.predictive(np.column_stack([x, y]))
    off = np.abs(p - 0.5).min(axis=1)  # each vertex is on some class's p = 1/2, up to grid interpolation
    assert np.median(off) < 0.01 and off.max() < 0.1


def test_a_network_too_large_for_the_matrix_is_refused_in_the_dock(qtbot, tmp_path, monkeypatch):
    from playground.core import memory

    monkeypatch.setattr(memory, "budget_bytes", lambda: 1000)  # as if the computer had no memory to spare
    window = window_on(qtbot, tmp_path, DataConfig(generator="sinusoid", n_points=20, seed=0))
    view = window.bayes_view
    window.step_action.trigger()
    qtbot.waitUntil(lambda: "needs a" in view.status.text(), timeout=15000)
    assert "Laplace approximation" in view.status.text() and "fewer hidden units" in view.status.text()
    x, _ = view.overlay.line("mean")
    assert x is None or len(x) == 0


def test_the_dock_says_when_the_weights_are_not_w_map():
    from playground.core import MLP, fit
    from playground.gui.plots.bayes_view import BayesJob, BayesRequest, BayesSettings, compute_picture

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (20, 1))
    T = np.sin(2 * np.pi * X) + 0.1 * rng.standard_normal((20, 1))
    net = MLP([1, 3, 1], init="gaussian", seed=0)
    job = BayesJob(1, net.copy(), X, T, None)
    settings = BayesSettings(alpha=0.1, beta=50.0)
    grid = np.linspace(-0.5, 1.5, 41)

    def note_at(w):
        return compute_picture(job, settings, BayesRequest(1, w, 0, "regression1d", grid, None)).message

    assert "do not minimise" in note_at(net.w.copy())
    fit(net, X, T, epochs=2000, optimizer="scg", l2=0.1 / 50.0)  # w_MAP of beta E_D + alpha/2 |w|^2
    assert "do not minimise" not in note_at(net.w.copy())


def test_data_the_dock_does_not_draw_for_are_said_so():
    from playground.core import MLP
    from playground.gui.plots.bayes_view import BayesJob, BayesRequest, BayesSettings, compute_picture

    X, T = np.zeros((4, 1)), np.zeros((4, 1))
    grid = np.linspace(0, 1, 5)
    mdn = MLP([1, 3, 1], output="mdn", n_components=2)
    picture = compute_picture(BayesJob(1, mdn, X, T, None), BayesSettings(),
                              BayesRequest(1, mdn.w.copy(), 0, "regression1d", grid, None))
    assert picture.kind == "none" and "mixture density" in picture.message
    plane = MLP([2, 3, 1])
    picture = compute_picture(BayesJob(1, plane, np.zeros((4, 2)), T, None), BayesSettings(),
                              BayesRequest(1, plane.w.copy(), 0, "regression2d", grid, grid))
    assert picture.kind == "none" and "regression with one input" in picture.message


def test_train_with_these_sets_the_weight_decay_of_the_evidence(qtbot, tmp_path):
    window = window_on(qtbot, tmp_path, DataConfig(generator="sinusoid", n_points=20, seed=2))
    view = step_until_drawn(qtbot, window, steps=1)
    view.cycles_box.setValue(2)
    qtbot.mouseClick(view.evidence_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.evidence_button.isEnabled() and len(view.evidence_steps) == 2, timeout=30000)
    last = view.evidence_steps[-1]
    qtbot.mouseClick(view.use_button, Qt.LeftButton)
    assert window.regularization_panel.regularization().l2 == pytest.approx(last.alpha / last.beta, rel=1e-3)
    qtbot.waitUntil(lambda: window.model.document.config.training.regularization.l2
                    == pytest.approx(last.alpha / last.beta, rel=1e-3), timeout=5000)
    assert "weight decay" in view.status.text()
