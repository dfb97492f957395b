"""The optimiser race window: start by a click, curves equal the snapshots, restart, close."""

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from playground.core import MLP, Trainer
from playground.core.datasets import make_dataset
from playground.core.race import DEFAULT_CONTENDERS, Contender
from playground.gui.race_window import MAX_DRAWN_POINTS, RaceWindow, open_race_window, thin_curve


def xor_problem(seed=1):
    data = make_dataset("xor", n_points=100, noise=0.3, seed=3)
    net = MLP([2, 4, 1], hidden="tanh", output="sigmoid", seed=seed)
    return net, data.X, data.targets("sigmoid")


@pytest.fixture
def make_window(qtbot):
    windows = []

    def make(*args, **kwargs):
        if not args:
            args = xor_problem()
        window = RaceWindow(*args, **kwargs)
        windows.append(window)
        window.show()
        return window

    yield make
    for window in windows:
        assert window.shutdown()
        assert not window.thread.isRunning()
        window.close()


def wait_finished(qtbot, window, timeout=20000):
    qtbot.waitUntil(lambda: window.snapshot() is not None and window.snapshot().finished, timeout=timeout)
    return window.snapshot()


def expected_y(errors, log):
    errors = np.asarray(errors, dtype=float)
    if not log:
        return errors
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log10(errors)
    y[~np.isfinite(y)] = np.nan
    return y


def assert_curves_show(window, snap):
    """Each curve holds real points of the snapshot: (step k, error k) and (seconds k, error k),
    all of them, or for a long race a thinned selection that keeps the first and last
    points and the extremes; what pyqtgraph draws is that, log10-mapped on log axes."""
    log_x, log_y = window.log_x(), window.log_y()
    steps_curves, seconds_curves = window.curves("steps"), window.curves("seconds")
    assert list(steps_curves) == list(snap.labels) == window.labels()
    for c in snap.contenders:
        xs, ys = steps_curves[c.label].getOriginalDataset()
        idx = np.asarray(xs, dtype=np.int64)
        np.testing.assert_array_equal(xs, c.steps[idx])
        assert idx[0] == 0 and idx[-1] == c.n_steps and np.all(np.diff(idx) > 0)
        if c.steps.size <= MAX_DRAWN_POINTS:
            np.testing.assert_array_equal(idx, c.steps)
        else:
            assert idx.size <= MAX_DRAWN_POINTS
            finite = c.errors[np.isfinite(c.errors)]
            assert finite.min() in ys and finite.max() in ys
        np.testing.assert_array_equal(ys, c.errors[idx])
        xt, yt = seconds_curves[c.label].getOriginalDataset()
        np.testing.assert_array_equal(xt, c.seconds[idx])
        np.testing.assert_array_equal(yt, c.errors[idx])
        for curve, x in ((steps_curves[c.label], xs), (seconds_curves[c.label], xt)):
            dx, dy = curve.getData()
            np.testing.assert_array_equal(dx, expected_y(x, log_x))
            np.testing.assert_array_equal(dy, expected_y(c.errors[idx], log_y))


def test_start_click_races_and_the_curves_show_the_snapshot(qtbot, make_window):
    net, X, T = xor_problem()
    window = make_window(net, X, T, max_steps=150)
    # Before Start: every curve is the common start.
    qtbot.waitUntil(lambda: window.snapshot() is not None, timeout=5000)
    start = window.snapshot()
    assert all(c.n_steps == 0 for c in start.contenders)
    assert window.labels() == [c.label for c in DEFAULT_CONTENDERS]
    assert window.legend_labels() == window.labels()

    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    assert window.start_button.text() == "Pause"
    snap = wait_finished(qtbot, window)
    assert window.log_y() and not window.log_x()  # log error axis by default
    assert_curves_show(window, snap)
    for c in snap.contenders:  # a short race is drawn point for point
        x, y = window.curves("steps")[c.label].getData()
        np.testing.assert_array_equal(x, c.steps)
        np.testing.assert_array_equal(y, expected_y(c.errors, True))
    assert window.start_button.text() == "Start" and not window.start_button.isChecked()

    # The drawn numbers are the mathematics: step 0 is net.error / N for everyone, and the
    # curves are those of independent trainers with the same optimiser.
    N = X.shape[0]
    for contender, c in zip(DEFAULT_CONTENDERS, snap.contenders):
        assert c.n_steps == 150 and c.status == "finished"
        assert c.errors[0] == pytest.approx(net.error(X, T) / N, rel=1e-12)
        trainer = Trainer(net.copy(), X, T, optimizer=contender.optimizer, lr=contender.resolved_lr)
        np.testing.assert_allclose(c.errors, trainer.advance(150).history.train_error, rtol=1e-9, atol=1e-13)
    assert window.status_text() == snap.summary()
    assert "Newton: 150 steps, error" in window.status_text()


def test_linear_and_log_axes_plot_the_same_snapshot(qtbot, make_window):
    window = make_window(max_steps=40)
    window.start()
    snap = wait_finished(qtbot, window)
    window.log_y_check.setChecked(False)
    assert_curves_show(window, snap)
    window.log_x_check.setChecked(True)
    assert_curves_show(window, snap)
    window.log_y_check.setChecked(True)
    assert_curves_show(window, snap)


def test_unticking_a_contender_and_restarting_removes_its_curve(qtbot, make_window):
    window = make_window(max_steps=30)
    window.start()
    wait_finished(qtbot, window)
    window.set_checked("Newton", False)
    assert "Newton" in window.labels()  # nothing changes until Restart
    qtbot.mouseClick(window.restart_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.snapshot() is not None and "Newton" not in window.snapshot().labels,
                    timeout=5000)
    assert "Newton" not in window.curves("steps") and "Newton" not in window.curves("seconds")
    names = [item.name() for item in window.steps_plot.listDataItems()]
    assert "Newton" not in names and len(names) == len(DEFAULT_CONTENDERS) - 1
    assert "Newton" not in window.legend_labels()
    assert "Newton" not in window.status_text()


def test_a_restarted_race_runs_again_from_the_same_start(qtbot, make_window):
    window = make_window(max_steps=20)
    window.start()
    first = wait_finished(qtbot, window)
    window.start()  # Start after the finish: a new race
    qtbot.waitUntil(lambda: window.snapshot() not in (None, first) and window.snapshot().finished, timeout=20000)
    second = window.snapshot()
    for a, b in zip(first.contenders, second.contenders):
        np.testing.assert_allclose(a.errors, b.errors, rtol=1e-12)


def test_pause_stops_the_race(qtbot, make_window):
    data = make_dataset("spiral", n_points=200, seed=1)
    net = MLP([2, 8, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    window = make_window(net, data.X, data.targets("sigmoid"), max_steps=50_000)
    window.start()
    qtbot.waitUntil(lambda: window.snapshot() is not None and window.snapshot().contenders[0].n_steps > 10,
                    timeout=10000)
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    assert window.start_button.text() == "Start"
    qtbot.wait(300)  # let a snapshot already on its way arrive and be drawn
    paused = window.snapshot()
    qtbot.wait(300)
    assert window.snapshot().labels == paused.labels
    assert [c.n_steps for c in window.snapshot().contenders] == [c.n_steps for c in paused.contenders]
    assert not paused.finished


def test_a_diverging_contender_is_reported_and_the_others_finish(qtbot, make_window):
    data = make_dataset("sinusoid", n_points=20, seed=1)
    net = MLP([1, 5, 1], hidden="tanh", output="linear", seed=0)
    wild = Contender("gd", lr=1e4)
    window = make_window(net, data.X, data.targets("linear"), contenders=[wild, Contender("newton")], max_steps=100)
    window.start()
    snap = wait_finished(qtbot, window)
    assert snap[wild.label].status == "diverged"
    assert snap["Newton"].status == "finished"
    assert f"{wild.label}: " in window.status_text() and "(diverged)" in window.status_text()
    assert "diverged" in window.status_label.toolTip()
    assert_curves_show(window, snap)


def test_a_race_without_optimisers_is_refused_in_the_status_line(qtbot, make_window):
    window = make_window(max_steps=20)
    for label in window.labels():
        window.set_checked(label, False)
    assert not window.restart()
    assert "at least one optimiser" in window.status_text()
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)  # Start cannot start it either
    assert "at least one optimiser" in window.status_text()
    assert not window.start_button.isChecked()
    window.set_checked("Newton", True)
    assert window.restart()
    qtbot.waitUntil(lambda: window.snapshot() is not None and window.snapshot().labels == ("Newton",),
                    timeout=5000)
    assert window.status_text().startswith("Newton: 0 steps")


def test_hover_reads_every_error_at_a_step(qtbot, make_window):
    window = make_window(max_steps=20)
    window.start()
    snap = wait_finished(qtbot, window)
    text = window.hover_text_at("steps", 3.2)
    for c in snap.contenders:
        assert f"{c.label} {c.errors[3]:.3g}" in text
    t = float(snap["Newton"].seconds[5])
    text = window.hover_text_at("seconds", t)
    assert f"Newton {snap['Newton'].errors[5]:.3g} (step 5)" in text


def racing_window(qtbot) -> RaceWindow:
    """A shown race window whose race has started and runs long."""
    net, X, T = xor_problem()
    window = RaceWindow(net, X, T, max_steps=50_000)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.snapshot() is not None and window.snapshot().contenders[0].n_steps > 0,
                    timeout=5000)
    return window


def test_closing_the_window_stops_its_thread(qtbot):
    window = racing_window(qtbot)
    thread = window.thread
    assert thread.isRunning()
    window.close()
    assert not thread.isRunning()
    assert window.shutdown()  # a second time is harmless
    window.deleteLater()


def test_the_owner_closing_closes_the_race(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    owner.show()
    net, X, T = xor_problem()
    window = open_race_window(owner, net, X, T)
    thread = window.thread
    assert window.isWindow() and window.isVisible() and thread.isRunning()
    window.start()
    owner.close()
    assert not thread.isRunning() and not window.isVisible()


def test_reopening_releases_closed_race_windows(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    net, X, T = xor_problem()
    first = open_race_window(owner, net, X, T)
    first.close()
    second = open_race_window(owner, net, X, T)
    assert first.parent() is None and second.parent() is owner
    assert owner.findChildren(RaceWindow) == [second]
    threads = [first.thread, second.thread]
    second.close()
    assert not any(t.isRunning() for t in threads)


def test_a_window_deleted_without_closing_stops_its_thread(qtbot):
    owner = QWidget()
    net, X, T = xor_problem()
    window = RaceWindow(net, X, T, parent=owner, max_steps=50_000)
    window.start()
    thread = window.thread
    def started(w=window):
        return w.snapshot() is not None and w.snapshot().contenders[0].n_steps > 0

    qtbot.waitUntil(started, timeout=5000)
    del window, started  # no Python reference is left to keep the window alive
    owner.deleteLater()  # the parent goes, taking the window with it, without any close event
    qtbot.waitUntil(lambda: not thread.isRunning(), timeout=5000)


def test_the_start_network_is_not_trained(qtbot, make_window):
    net, X, T = xor_problem()
    before = net.w.copy()
    window = make_window(net, X, T, max_steps=30)
    window.start()
    wait_finished(qtbot, window)
    np.testing.assert_array_equal(net.w, before)
    assert math.isfinite(window.snapshot()["Newton"].error)


def test_a_long_race_is_drawn_with_real_points(qtbot, make_window):
    window = make_window(max_steps=MAX_DRAWN_POINTS + 700)
    window.start()
    snap = wait_finished(qtbot, window, timeout=60000)
    assert snap.contenders[0].steps.size > MAX_DRAWN_POINTS
    assert_curves_show(window, snap)
    window.log_x_check.setChecked(True)
    assert_curves_show(window, snap)


def test_thinning_keeps_the_start_the_end_and_every_blocks_extremes():
    rng = np.random.default_rng(0)
    y = np.cumsum(rng.normal(size=10_000))
    y[5000] = 1e6  # a spike
    y[7000:7100] = np.nan
    keep = thin_curve(y, max_points=1000, head=100)
    assert keep.size <= 1000 and np.all(np.diff(keep) > 0)
    np.testing.assert_array_equal(keep[:100], np.arange(100))
    assert keep[-1] == y.size - 1 and 5000 in keep
    assert np.nanargmin(y) in keep
    assert thin_curve(y[:1000], max_points=1000) is None


def test_the_race_runs_on_a_background_worker_and_stops_with_the_registry(qtbot):
    from playground.gui import background

    window = racing_window(qtbot)
    assert isinstance(window.worker, background.Worker)
    assert any(handle.thread is window.thread for handle in background.live_workers())
    assert background.shutdown_all(5.0)  # what the app does on quit, with no window closed
    assert not window.thread.isRunning()
    window.close()
    window.deleteLater()


def test_an_internal_error_of_the_race_is_said_in_words(qtbot, make_window, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    window = make_window(max_steps=50_000)

    def broken(seconds, should_stop=None):
        raise RuntimeError("lost a lane")

    qtbot.waitUntil(lambda: window.worker.race is not None, timeout=5000)
    window.worker.race.advance = broken
    window.start()
    qtbot.waitUntil(lambda: "internal error" in window.status_text(), timeout=5000)
    text = window.status_text()
    assert "The optimiser race stopped because of an internal error while racing (RuntimeError: lost a lane)" in text
    assert "Traceback" not in text and not window.start_button.isChecked()
