"""The main window driven as a user would: clicks on the plot, shortcuts, menu actions."""

import random

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
from playground.session.document import Document, empty_dataset, load_session
from playground.gui.main_window import MainWindow


def make_window(qtbot, tmp_path, document=None):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    window = MainWindow(document, settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # window shortcuts (Space, S, R, 1-6) need the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    return window


def spiral_document(n=120, **network):
    config = ExperimentConfig(data=DataConfig(generator="spiral", n_points=n, noise=0.05, seed=1),
                              network=NetworkConfig(**network) if network else NetworkConfig())
    return Document.generated(config)


def empty_document():
    return Document.with_new_dataset(empty_dataset("classification"), ExperimentConfig())


def widget_pos(window, x, y) -> QPoint:
    view = window.data_view
    scene = view.vb.mapViewToScene(QPointF(x, y))
    return view.mapFromScene(scene)


def click(qtbot, window, x, y, button=Qt.LeftButton, modifier=Qt.NoModifier):
    qtbot.mouseClick(window.data_view.viewport(), button, modifier, pos=widget_pos(window, x, y))


def drag(window, points, button=Qt.LeftButton):
    """Press, move through the points with the button held, release (QTest cannot move with buttons)."""
    viewport = window.data_view.viewport()
    positions = [QPointF(widget_pos(window, x, y)) for x, y in points]

    def send(kind, pos, buttons):
        event = QMouseEvent(kind, pos, viewport.mapToGlobal(pos), button, buttons, Qt.NoModifier)
        QApplication.sendEvent(viewport, event)

    send(QEvent.MouseButtonPress, positions[0], button)
    for pos in positions[1:]:
        send(QEvent.MouseMove, pos, button)
        QApplication.processEvents()
    send(QEvent.MouseButtonRelease, positions[-1], Qt.NoButton)
    QApplication.processEvents()


def faster(window, epochs_per_frame=20):
    """The speed slider moved up (10x the default pace) for a test whose subject is not the pace:
    the epochs it waits for arrive in a fraction of the time."""
    from playground.gui.panels import SPEED_LEVELS

    window.training_panel.speed_slider.setValue(SPEED_LEVELS.index(epochs_per_frame))
    return window


def wait_frame(qtbot, window, predicate=lambda f: True, timeout=8000):
    seen = []

    def check():
        snap = window._last_snapshot
        assert snap is not None and window.data_view.last_frame is not None
        assert predicate(window.data_view.last_frame)
        seen.append(window.data_view.last_frame)

    qtbot.waitUntil(check, timeout=timeout)
    return seen[-1]


def test_a_click_adds_a_point_at_the_clicked_data_coordinates(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.select_class(1)
    click(qtbot, window, 0.4, -0.7)
    dataset = window.model.document.dataset
    assert dataset.n == 1 and dataset.t[0] == 1
    pixel = window.data_view.pixel_size()
    assert abs(dataset.X[0, 0] - 0.4) <= pixel and abs(dataset.X[0, 1] + 0.7) <= pixel
    # keys 1-6 choose the class of the next point
    qtbot.keyClick(window, Qt.Key_1)
    click(qtbot, window, -0.2, 0.3)
    assert window.model.document.dataset.t.tolist() == [1, 0]


def test_right_click_and_shift_click_erase_the_nearest_point(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    for x, y in [(0.0, 0.0), (0.5, 0.5), (-0.5, 0.5)]:
        click(qtbot, window, x, y)
    click(qtbot, window, 0.52, 0.49, button=Qt.RightButton)
    remaining = window.model.document.dataset.X.tolist()
    assert len(remaining) == 2 and all(abs(x - 0.5) > 0.1 for x, _ in remaining)
    click(qtbot, window, -0.49, 0.5, modifier=Qt.ShiftModifier)
    assert window.model.document.dataset.n == 1
    # far from every point, a right click erases nothing
    click(qtbot, window, 1.2, -1.2, button=Qt.RightButton)
    assert window.model.document.dataset.n == 1


def test_brush_stroke_is_one_undo_step_and_shortcuts_undo_and_redo(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.tool.brush_radius = 0.1
    drag(window, [(-0.8, 0.0), (-0.4, 0.0), (0.0, 0.0), (0.4, 0.0), (0.8, 0.0)])
    painted = window.model.document.dataset
    assert painted.n >= 12
    assert np.all(np.abs(painted.X[:, 1]) <= 0.1 + 1e-9)
    assert window.model.undo_stack.count() == 1
    qtbot.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    assert window.model.document.dataset.n == 0
    qtbot.keyClick(window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.model.document.dataset.n == painted.n


def test_regression_mode_clicks_add_x_t_points(qtbot, tmp_path):
    doc = Document.with_new_dataset(empty_dataset("regression"), ExperimentConfig())
    window = make_window(qtbot, tmp_path, doc)
    click(qtbot, window, 0.3, 0.8)
    dataset = window.model.document.dataset
    pixel = window.data_view.pixel_size()
    assert dataset.kind == "regression" and abs(dataset.X[0, 0] - 0.3) <= pixel and abs(dataset.t[0, 0] - 0.8) < 2 * pixel


def test_space_plays_and_the_error_falls_then_pause_step_and_reset(qtbot, tmp_path):
    window = faster(make_window(qtbot, tmp_path, spiral_document()))
    first = wait_frame(qtbot, window)
    qtbot.keyClick(window, Qt.Key_Space)
    assert window.controller.running
    later = wait_frame(qtbot, window, lambda f: f.snapshot.epoch > 200)
    assert later.snapshot.train_error < first.snapshot.train_error
    # The loss plot follows while training (it redraws every other frame).
    qtbot.waitUntil(lambda: len(window.loss_plot.curve_data("train")[0]) > 100, timeout=3000)
    qtbot.keyClick(window, Qt.Key_Space)
    paused = wait_frame(qtbot, window, lambda f: not f.running)
    # While training, the loss plot redraws every other frame; a paused frame redraws everything.
    assert window.loss_plot.curve_data("train")[1][-1] == pytest.approx(paused.snapshot.history.train_error[-1])
    qtbot.keyClick(window, Qt.Key_S)
    stepped = wait_frame(qtbot, window, lambda f: f.snapshot.epoch == paused.snapshot.epoch + 1)
    assert window.epoch_label.text() == f"epoch {stepped.snapshot.epoch:,}"
    qtbot.keyClick(window, Qt.Key_R)
    wait_frame(qtbot, window, lambda f: f.snapshot.epoch == 0)


def test_the_status_readout_of_each_new_frame_repaints_its_labels_without_relaying_out_the_window(qtbot, tmp_path):
    from PySide6.QtCore import QObject

    window = make_window(qtbot, tmp_path, spiral_document())
    wait_frame(qtbot, window)
    # One step first: the labels take the width of a stepped frame's texts (the first frame can come
    # before the window's first layout, and one CI run saw the status bar re-laid out once after it).
    qtbot.keyClick(window, Qt.Key_S)
    first = wait_frame(qtbot, window, lambda f: f.snapshot.epoch >= 1)
    qtbot.wait(20)
    requests = []

    class Count(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.LayoutRequest:
                requests.append(type(obj).__name__)
            return False

    counter = Count()
    for widget in (window, window.statusBar()):
        widget.installEventFilter(counter)
    labels = (window.readout.epoch_label, window.readout.error_label, window.readout.speed_label)
    for _ in range(3):  # new epochs, errors and speed: new texts of about the same length
        epoch = window.data_view.last_frame.snapshot.epoch
        qtbot.keyClick(window, Qt.Key_S)
        wait_frame(qtbot, window, lambda f, e=epoch: f.snapshot.epoch == e + 1)
        qtbot.wait(20)
    assert window.epoch_label.text() == f"epoch {first.snapshot.epoch + 3:,}"
    assert requests == []
    for label in labels:  # each still shows its whole text
        assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())
    window.readout.error_label.setText("error  " + "9" * 80)  # a longer text: the label grows to show it
    assert window.readout.error_label.width() >= window.readout.error_label.fontMetrics().horizontalAdvance("9" * 80)


def test_the_heatmap_holds_the_networks_output(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, spiral_document())
    frame = wait_frame(qtbot, window, lambda f: f.probabilities is not None)
    from playground.core import MLP

    net = MLP.from_dict({**window._net_template.to_dict(), "weights": frame.snapshot.weights.tolist()})
    XX, YY = np.meshgrid(frame.grid_x, frame.grid_y)
    p = net.forward(np.column_stack([XX.ravel(), YY.ravel()]))[:, 0].reshape(XX.shape)
    np.testing.assert_allclose(window.data_view.image.image, p, atol=1e-6)
    (x0, x1), (y0, y1) = window.data_view.data_range()
    assert frame.grid_x[0] == pytest.approx(x0) and frame.grid_y[-1] == pytest.approx(y1)


def test_changing_the_learning_rate_while_running_keeps_the_weights(qtbot, tmp_path):
    window = faster(make_window(qtbot, tmp_path, spiral_document()))
    start = wait_frame(qtbot, window)
    window.play(True)
    wait_frame(qtbot, window, lambda f: f.snapshot.epoch > 100)
    options = window.model.document.config.training
    window.training_panel.sigTrainingChanged.emit(type(options)(optimizer="adam", lr=1e-9))
    changed = wait_frame(qtbot, window, lambda f: f.snapshot.lr == 1e-9)
    later = wait_frame(qtbot, window, lambda f: f.snapshot.epoch > changed.snapshot.epoch + 50)
    # the same run goes on: no re-initialisation, no restarted curve, and a tiny rate freezes the weights
    assert later.experiment_id == start.experiment_id
    assert later.snapshot.history.train_error[0] == start.snapshot.train_error
    assert changed.snapshot.train_error < 0.8 * start.snapshot.train_error
    assert np.max(np.abs(later.snapshot.weights - changed.snapshot.weights)) < 1e-4
    assert window.model.document.config.training.lr == 1e-9
    window.play(False)


def test_divergence_pauses_and_shows_a_plain_message(qtbot, tmp_path):
    config = ExperimentConfig(data=DataConfig(generator="plane", n_points=80),
                              network=NetworkConfig(hidden=(8,), activation="relu"))
    window = make_window(qtbot, tmp_path, Document.generated(config))
    options = window.model.document.config.training
    window.training_panel.sigTrainingChanged.emit(type(options)(optimizer="gd", lr=5e3))
    qtbot.keyClick(window, Qt.Key_Space)
    assert window.training_panel.play_button.isChecked()  # Space pressed it (synchronously)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=8000)
    assert "smaller learning rate" in window.banner_label.text()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=2000)
    # the play button shows the pause (it says Play again)
    assert not window.training_panel.play_button.isChecked()
    assert window.training_panel.play_button.text() == "Play"


def test_changing_the_network_resets_and_says_so(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, spiral_document())
    wait_frame(qtbot, window)
    window.network_panel.sigNetworkChanged.emit(NetworkConfig(hidden=(5,), activation="relu"))
    frame = wait_frame(qtbot, window, lambda f: f.snapshot.weights.size == 2 * 5 + 5 + 5 + 1)
    assert frame.snapshot.epoch == 0
    assert "re-initialised" in window.statusBar().currentMessage()


def test_drawing_while_training_keeps_training_from_the_current_weights(qtbot, tmp_path):
    window = faster(make_window(qtbot, tmp_path, spiral_document()))
    fresh = wait_frame(qtbot, window)
    handed = []  # (experiment id, starting weights of the new trainer, weights on screen then)
    set_job = window.controller.set_job

    def recording_set_job(trainer, *args):
        shown = window.data_view.last_frame.snapshot.weights.copy()
        start = trainer.net.w.copy()  # read before the worker owns the trainer
        start_error = trainer.net.error(trainer.X, trainer.T) / trainer.X.shape[0]
        experiment = set_job(trainer, *args)
        handed.append((experiment, start, shown, start_error))
        return experiment

    window.controller.set_job = recording_set_job
    window.play(True)
    trained = wait_frame(qtbot, window, lambda f: f.snapshot.epoch > 100)
    n = window.model.document.dataset.n
    click(qtbot, window, 0.1, 0.1)
    assert window.model.document.dataset.n == n + 1
    qtbot.waitUntil(lambda: len(handed) == 1, timeout=3000)
    # the rebuild says so at once (show_notice follows set_job in the same call)
    assert "current weights" in window.statusBar().currentMessage()
    experiment, start, shown, start_error = handed[0]
    # the new trainer starts from the weights on screen at that moment, not from fresh ones
    np.testing.assert_array_equal(start, shown)
    assert not np.array_equal(start, fresh.snapshot.weights)
    frame = wait_frame(qtbot, window, lambda f: f.experiment_id == experiment and f.running and f.snapshot.epoch > 5)
    assert window.controller.running
    window.play(False)
    # the new curve restarts at the error of those weights on the new training set
    assert frame.snapshot.history.epochs[0] == 0
    assert frame.snapshot.history.train_error[0] == pytest.approx(start_error, rel=1e-9)
    assert start_error < 0.8 * fresh.snapshot.train_error  # trained weights, not a fresh network


def test_session_save_and_open_round_trip_through_the_file_menu(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path, spiral_document())
    window.play(True)
    wait_frame(qtbot, window, lambda f: f.snapshot.epoch > 30)
    window.play(False)
    frame = wait_frame(qtbot, window, lambda f: not f.running)
    path = str(tmp_path / "lesson.nnp.json")
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (path, ""))
    window.save_as_action.trigger()
    session = load_session(path)
    np.testing.assert_array_equal(session.weights, frame.snapshot.weights)

    other = make_window(qtbot, tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path, empty_document())
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName", lambda *a, **k: (path, ""))
    other.open_action.trigger()
    restored = wait_frame(qtbot, other, lambda f: f.snapshot.weights.size == frame.snapshot.weights.size)
    np.testing.assert_array_equal(restored.snapshot.weights, frame.snapshot.weights)
    assert other.model.document.dataset.n == window.model.document.dataset.n


def test_bad_files_give_a_message_not_a_crash(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path, spiral_document())
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0,1,0\n1,oops,1\n")
    warnings = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.warning", lambda *a, **k: warnings.append(a[2]))
    n = window.model.document.dataset.n
    assert not window.import_csv(str(bad))
    assert "line 3" in warnings[-1] and window.model.document.dataset.n == n
    (tmp_path / "bad.json").write_text("{}")
    assert not window.open_session(str(tmp_path / "bad.json"))
    assert "not an nn-playground session" in warnings[-1]


def test_csv_export_and_import(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path, spiral_document(60))
    shown = window.model.document.dataset
    path = str(tmp_path / "points.csv")
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (path, ""))
    window.export_action.trigger()  # File > Export CSV
    # the file holds every point with its class, one row each, in round-trip precision
    rows = [line for line in open(path).read().splitlines() if line and not line.startswith("#")]
    assert rows[0] == "x1,x2,label"
    values = np.array([[float(v) for v in row.split(",")] for row in rows[1:]])
    np.testing.assert_array_equal(values[:, :2], shown.X)
    np.testing.assert_array_equal(values[:, 2], shown.t)
    window.clear_points()
    assert window.model.document.dataset.n == 0
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName", lambda *a, **k: (path, ""))
    window.import_action.trigger()  # File > Import CSV
    read = window.model.document.dataset
    np.testing.assert_array_equal(read.X, shown.X)
    np.testing.assert_array_equal(read.t, shown.t)
    assert read.kind == "classification" and read.n_classes == shown.n_classes


def test_layout_and_settings_are_remembered(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, spiral_document())
    window.resize(701, 523)  # the offscreen screen is 800 x 600; restoreGeometry clamps to it
    window.weights_dock.hide()
    window.hidden_action.setChecked(True)
    window.close()
    again = make_window(qtbot, tmp_path, spiral_document())
    assert (again.size().width(), again.size().height()) == (701, 523)
    assert not again.weights_dock.isVisible()
    assert again.hidden_action.isChecked()
    again.reset_layout_action.trigger()
    # Reset layout brings the hidden dock back, docked (not floating) in the main window
    assert again.weights_dock.isVisible() and not again.weights_dock.isFloating()
    assert again.dockWidgetArea(again.weights_dock) != Qt.NoDockWidgetArea


def test_closing_the_window_stops_the_training_thread(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, spiral_document())
    window.play(True)
    wait_frame(qtbot, window, lambda f: f.running)
    thread = window.controller.thread
    window.close()
    assert not thread.isRunning()


def test_menus_have_the_documented_shortcuts(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, spiral_document())
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for a in window.actions()}
    assert shortcuts["Play / pause"] == "Space" and shortcuts["Step"] == "S" and shortcuts["Reset weights"] == "R"
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [s.toString() for s in window.redo_action.shortcuts()]
    titles = [m.title().replace("&", "") for m in window.menuBar().findChildren(type(window.menuBar().actions()[0].menu()))]
    for title in ("File", "Edit", "View", "Train", "Help"):
        assert title in titles


def test_random_user_actions_raise_nothing(qtbot, tmp_path):
    """A few hundred clicks, keys, parameter changes, plays and resets in random order."""
    errors = []
    import sys

    old_hook = sys.excepthook
    sys.excepthook = lambda *exc: errors.append(exc)
    try:
        window = make_window(qtbot, tmp_path, spiral_document(80))
        rng = random.Random(7)
        keys = [Qt.Key_Space, Qt.Key_S, Qt.Key_R, Qt.Key_1, Qt.Key_2, Qt.Key_3, Qt.Key_H, Qt.Key_D]
        for i in range(300):
            action = rng.random()
            if action < 0.35:
                click(qtbot, window, rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5),
                      button=rng.choice([Qt.LeftButton, Qt.LeftButton, Qt.RightButton]))
            elif action < 0.6:
                qtbot.keyClick(window, rng.choice(keys))
            elif action < 0.7:
                qtbot.keyClick(window, Qt.Key_Z, rng.choice([Qt.ControlModifier, Qt.ControlModifier | Qt.ShiftModifier]))
            elif action < 0.8:
                options = window.model.document.config.training
                lr = 10 ** rng.uniform(-5, 1)
                window.training_panel.sigTrainingChanged.emit(type(options)(optimizer=rng.choice(["adam", "gd", "momentum"]), lr=lr,
                                                                            batch_size=rng.choice([None, 8, 32])))
            elif action < 0.87:
                window.network_panel.sigNetworkChanged.emit(NetworkConfig(
                    hidden=tuple(rng.randint(1, 12) for _ in range(rng.randint(0, 3))),
                    activation=rng.choice(["tanh", "relu", "sigmoid", "sin"])))
            elif action < 0.92:
                window.data_panel.sigGenerateRequested.emit(DataConfig(
                    generator=rng.choice(["xor", "circle", "moons", "sinusoid", "blobs"]),
                    n_points=rng.randint(5, 200), seed=rng.randint(0, 5),
                    n_classes=None))
            elif action < 0.96:
                window.data_panel.sigSplitChanged.emit(((0.6, 0.2, 0.2), rng.randint(0, 3)))
            else:
                qtbot.wait(rng.randint(5, 60))
            QApplication.processEvents()
        window.close()
    finally:
        sys.excepthook = old_hook
    assert not errors, errors[:1]


def test_clicking_a_hidden_unit_in_the_diagram_shows_its_activation_in_the_data_view(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, spiral_document())
    window.diagram_dock.show()
    window.diagram_dock.raise_()
    wait_frame(qtbot, window)
    diagram = window.diagram
    qtbot.waitUntil(lambda: diagram.isVisible() and diagram.view_box.width() > 50, timeout=3000)
    x, y = diagram.node_position(2, 3)  # column 2 = second hidden layer, unit 3
    scene = diagram.view_box.mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(diagram.view.viewport(), Qt.LeftButton, pos=diagram.view.mapFromScene(scene))
    assert diagram.selected_unit() == (1, 3)
    frame = wait_frame(qtbot, window, lambda f: f.unit_map is not None)
    from playground.core import MLP

    net = MLP.from_dict({**window._net_template.to_dict(), "weights": frame.snapshot.weights.tolist()})
    XX, YY = np.meshgrid(frame.grid_x, frame.grid_y)
    second_hidden = net.hidden_outputs(np.column_stack([XX.ravel(), YY.ravel()]))[1][:, 3].reshape(XX.shape)
    np.testing.assert_allclose(window.data_view.image.image, second_hidden, atol=1e-6)
    assert window.data_view.caption.toPlainText() == "hidden unit 4 of layer 2 (tanh)"  # 1-based for people


def test_dark_theme_recolours_every_view_and_is_remembered(qtbot, tmp_path):
    from playground.gui.theme import DARK, LIGHT, current_theme

    window = make_window(qtbot, tmp_path, spiral_document())
    wait_frame(qtbot, window)
    try:
        window.dark_action.trigger()
        assert current_theme() is DARK
        assert QApplication.palette().window().color().name().upper() == DARK.window  # at once
        # the views within a few event-loop turns, one at a time
        views = (window.data_view, window.loss_plot.plot_widget, window.diagram.view)
        qtbot.waitUntil(lambda: all(view.backgroundBrush().color().name().upper() == DARK.background
                                    for view in views), timeout=2000)
        window.close()
        again = make_window(qtbot, tmp_path, spiral_document())
        assert again.dark_action.isChecked()
        again.dark_action.trigger()
        assert current_theme() is LIGHT
        qtbot.waitUntil(lambda: again.data_view.backgroundBrush().color().name().upper() == LIGHT.background,
                        timeout=2000)
    finally:
        from playground.gui.theme import apply_theme

        apply_theme(QApplication.instance(), LIGHT)


def show_hessian_dock(qtbot, window):
    window.hessian_dock.show()
    window.hessian_dock.raise_()
    qtbot.waitUntil(lambda: window._hessian_shown, timeout=3000)


def test_the_hessian_dock_shows_the_spectrum_of_the_networks_actual_hessian(qtbot, tmp_path):
    from playground.core import hessian
    from playground.gui.plots.hessian_view import symlog

    window = make_window(qtbot, tmp_path, spiral_document(hidden=[5], activation="tanh"))
    wait_frame(qtbot, window)
    show_hessian_dock(qtbot, window)
    view = window.hessian_view
    qtbot.waitUntil(lambda: view.report() is not None, timeout=8000)
    report = view.report()
    assert report.epoch == 0  # paused: the initial weights
    X, T = window._experiment.pair(window._experiment.split.train)
    values = np.linalg.eigvalsh(hessian.exact(window._net_template, X, T))
    plotted = np.concatenate([view.positive_points.getData()[1], view.negative_points.getData()[1]])
    shown_x = np.concatenate([view.positive_points.getData()[0], view.negative_points.getData()[0]])
    np.testing.assert_allclose(plotted[np.argsort(shown_x)], symlog(values, view.symlog_constant()),
                               rtol=1e-7, atol=1e-9)
    assert len(view.negative_points.getData()[0]) == int(np.sum(values < -1e-10 * np.abs(values).max()))

    # Hidden behind another tab, the worker stops computing Hessians.
    window.diagram_dock.raise_()
    qtbot.waitUntil(lambda: not window._hessian_shown, timeout=3000)


def test_the_recompute_interval_works_while_training(qtbot, tmp_path):
    # 50 epochs a frame: frames fall between the multiples of 40, the Hessian must not
    window = faster(make_window(qtbot, tmp_path, spiral_document(hidden=[4], activation="tanh")), 50)
    wait_frame(qtbot, window)
    show_hessian_dock(qtbot, window)
    view = window.hessian_view
    view.interval_spin.setValue(40)
    epochs = []

    def record(report):
        if report.epoch not in epochs:
            epochs.append(report.epoch)

    original = view.show_report
    view.show_report = lambda report: (record(report), original(report))
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.waitUntil(lambda: len([e for e in epochs if e > 0]) >= 3, timeout=15000)
    qtbot.keyClick(window, Qt.Key_Space)
    assert all(e % 40 == 0 for e in epochs), epochs
    assert epochs == sorted(epochs)
    # "Recompute" while paused gives the Hessian of the weights as they are now.
    qtbot.waitUntil(lambda: not window.controller.running and window._last_snapshot is not None, timeout=3000)
    qtbot.wait(200)
    now = window._last_snapshot.epoch
    qtbot.mouseClick(view.recompute_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.report() is not None and view.report().epoch == now, timeout=8000)


def test_the_optimiser_race_starts_from_the_current_weights(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, spiral_document(hidden=[4], activation="tanh"))
    qtbot.keyClick(window, Qt.Key_Space)
    wait_frame(qtbot, window, lambda f: f.snapshot.epoch > 50)
    start = window._last_snapshot.weights.copy()  # what is on screen when the menu item is chosen
    window.race_action.trigger()
    race = next(w for w in QApplication.topLevelWidgets() if w.windowTitle() == "Optimiser race")
    assert not window.controller.running  # the main trainer pauses while the race runs
    X, T = window._experiment.pair(window._experiment.split.train)
    qtbot.mouseClick(race.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: race.snapshot() is not None and race.snapshot().contenders[0].n_steps > 0, timeout=8000)
    net = window._net_template.copy()
    net.w[:] = start
    assert net.error(X, T) < window._net_template.error(X, T)  # trained, not the initial weights
    for contender in race.snapshot().contenders:  # every lane starts at the main window's weights
        assert contender.errors[0] == pytest.approx(net.error(X, T) / len(X))
    race.close()
    assert not race.thread.isRunning()
