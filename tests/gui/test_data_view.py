"""The data view with many points and its rough edges (issue 9), checked by what it draws.

Points: the point items hold the dataset's positions and colours; a configuration edit
does not redraw them. Ranges near 1e308 raise nothing. Equal aspect, the dark theme
switched on live, the MDN legend and clearing a previous network's overlays.
"""

from dataclasses import replace

import numpy as np
import pytest
from widget_lifetime import delete_widgets_at_a_safe_point as _delete_widgets
from widget_lifetime import shown
from PySide6.QtCore import QPointF, QSettings
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from playground.gui import data_view
from playground.gui.data_view import DataView
from playground.gui.frames import ViewSpec, compute_frame
from playground.gui.main_window import MainWindow
from playground.gui.theme import CLASS_COLORS, DARK, LIGHT, apply_theme
from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
from playground.session.datafile import read_csv
from playground.session.document import TEST, Document
from playground.session.experiment import prepare

delete_widgets_at_a_safe_point = pytest.fixture(autouse=True)(_delete_widgets)


@pytest.fixture(autouse=True)
def light_theme():
    apply_theme(QApplication.instance(), LIGHT)
    yield
    apply_theme(QApplication.instance(), LIGHT)


def generated(generator, n=200, network=None, **data):
    config = ExperimentConfig(data=DataConfig(generator=generator, n_points=n, seed=1, **data),
                              network=network or NetworkConfig())
    return Document.generated(config)


def make_window(qtbot, tmp_path, document):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    window = MainWindow(document, settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def count_point_draws(view, monkeypatch) -> list:
    """Record every time the view hands points to its point items."""
    calls = []
    for item in (view.points, view.test_points):
        original = item.set_points

        def counting(*args, _original=original, **kwargs):
            calls.append(1)
            return _original(*args, **kwargs)
        monkeypatch.setattr(item, "set_points", counting)
    return calls


def frame_for(document, view_spec=None):
    """What the trainer thread would send for ``document``'s network at its initial weights."""
    experiment = prepare(document.config, dataset=document.dataset, split=document.split())
    trainer = experiment.make_trainer()
    d = experiment.dataset
    return compute_frame(trainer.net, experiment.features, d.kind, d.n_inputs, trainer.snapshot(),
                         view_spec or ViewSpec(), 1, False, 0.0)


def curve_points(curve) -> int:
    return 0 if curve.xData is None else len(curve.xData)


# ---------------------------------------------------------------------- points
def test_the_point_items_hold_the_datasets_positions_and_colours(qtbot):
    view = shown(qtbot, DataView())
    doc = generated("blobs", n=300, n_classes=3)
    view.set_document(doc)
    d, test = doc.dataset, doc.parts == TEST
    assert test.any() and (~test).any()
    np.testing.assert_array_equal(view.points.x, d.X[~test, 0])
    np.testing.assert_array_equal(view.points.y, d.X[~test, 1])
    np.testing.assert_array_equal(view.test_points.x, d.X[test, 0])
    assert [c.name() for c in view.points.colors()] == [CLASS_COLORS[k].lower() for k in d.t[~test]]
    assert [c.name() for c in view.test_points.colors()] == [CLASS_COLORS[k].lower() for k in d.t[test]]
    # test points are ringed in the foreground colour, the others outlined faintly
    assert {s.outline.name() for s in view.test_points.styles} == {QColor(LIGHT.foreground).name()}
    assert {s.outline.name() for s in view.points.styles} == {QColor(LIGHT.point_outline).name()}
    view.set_show_test(False)
    assert len(view.test_points) == 0 and len(view.points) == int((~test).sum())
    view.grab()  # paints without error


def test_regression_points_lie_at_x_t_and_a_surface_colours_them_by_value(qtbot):
    view = shown(qtbot, DataView())
    doc = generated("sine", n=60)
    view.set_document(doc)
    d, train = doc.dataset, doc.parts != TEST
    np.testing.assert_array_equal(view.points.x, d.X[train, 0])
    np.testing.assert_array_equal(view.points.y, d.t[train, 0])
    plane = generated("plane", n=100)
    view.set_document(plane)
    t = plane.dataset.t[plane.parts != TEST, 0]
    colours = view.points.colors()
    lut = view._diverging_lut()
    assert colours[int(np.argmin(t))] == QColor(*lut[0][:3])
    assert colours[int(np.argmax(t))] == QColor(*lut[-1][:3])


def test_a_configuration_edit_does_not_redraw_the_points(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path, generated("spiral", n=400))
    draws = count_point_draws(window.data_view, monkeypatch)
    options = window.model.document.config.training
    window.training_panel.sigTrainingChanged.emit(replace(options, lr=0.003))
    window.training_panel.sigTrainingChanged.emit(replace(options, optimizer="momentum"))
    window.network_panel.sigNetworkChanged.emit(replace(window.model.document.config.network, activation="relu"))
    QApplication.processEvents()
    assert window.model.document.config.training.optimizer == "momentum"
    assert draws == []
    # a real data edit does redraw, and undo brings the old points back
    n = len(window.data_view.points) + len(window.data_view.test_points)
    window.tool.press(0.1, 0.2)
    window.tool.release()
    assert draws and len(window.data_view.points) + len(window.data_view.test_points) == n + 1
    window.model.undo_stack.undo()
    assert len(window.data_view.points) + len(window.data_view.test_points) == n


def test_an_undo_to_equal_points_in_new_arrays_is_not_redrawn(qtbot, monkeypatch):
    view = shown(qtbot, DataView())
    doc = generated("spiral", n=200)
    view.set_document(doc)
    draws = count_point_draws(view, monkeypatch)
    copy = replace(doc, dataset=replace(doc.dataset, X=doc.dataset.X.copy()), parts=doc.parts.copy())
    view.set_document(copy)
    assert draws == []


# ---------------------------------------------------------------------- ranges
@pytest.mark.parametrize("bounds", [
    ((-1e308, 1e308), (0.0, 1.0)),
    ((1e308, 1e308), (-1e308, 1e308)),
    ((-np.inf, np.inf), (np.nan, 1.0)),
    ((5.0, 5.0), (0.0, 0.0)),
])
def test_huge_or_degenerate_ranges_are_shown_without_an_error(qtbot, bounds):
    view = shown(qtbot, DataView())
    view.fit_to(bounds)
    (x0, x1), (y0, y1) = view.data_range()
    assert all(np.isfinite([x0, x1, y0, y1])) and x1 > x0 and y1 > y0
    view.grab()


def test_points_near_1e308_are_drawn_and_fitted_without_an_error(qtbot, tmp_path):
    # the File > Import path refuses such a file with a message; a view given them still copes
    path = tmp_path / "huge.csv"
    path.write_text("x1,x2,label\n1e308,0,0\n-1e308,1,1\n0,1e308,0\n3,4,1\n")
    doc = Document.with_new_dataset(read_csv(path), ExperimentConfig())
    view = shown(qtbot, DataView())
    view.set_document(doc)
    view.fit_to(doc.dataset.view_bounds)
    assert len(view.points) + len(view.test_points) == 4
    assert 1e308 in np.concatenate([view.points.x, view.test_points.x])
    (x0, x1), (y0, y1) = view.data_range()
    assert all(np.isfinite([x0, x1, y0, y1])) and x1 > x0 and y1 > y0
    assert view.points.boundingRect().isValid() or len(view.points) == 0
    view.grab()


def test_drawable_range_keeps_ordinary_ranges():
    assert data_view.drawable_range(-2.0, 3.0) == (-2.0, 3.0)
    lo, hi = data_view.drawable_range(1e308, -1e308)
    assert np.isfinite(hi - lo) and lo < hi


# ---------------------------------------------------------------------- equal aspect, theme
def test_equal_aspect_locks_the_view_boxs_aspect(qtbot):
    view = shown(qtbot, DataView(), 700, 400)
    view.fit_to(((0.0, 1.0), (0.0, 1.0)))
    view.set_equal_aspect(True)
    assert view.vb.state["aspectLocked"] == 1.0 and view.equal_aspect()
    QApplication.processEvents()
    (x0, x1), (y0, y1) = view.data_range()
    ppx = view.vb.width() / (x1 - x0)
    ppy = view.vb.height() / (y1 - y0)
    assert ppx == pytest.approx(ppy, rel=0.02)  # a data unit is as long across as up
    view.set_equal_aspect(False)
    assert view.vb.state["aspectLocked"] is False and not view.equal_aspect()


def test_dark_theme_switched_on_live_recolours_the_tick_labels(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, generated("spiral", n=100))
    view = window.data_view
    assert not window.dark_action.isChecked()
    window.dark_action.trigger()
    dark = QColor(DARK.foreground)
    qtbot.waitUntil(lambda: view.backgroundBrush().color() == QColor(DARK.background), timeout=2000)
    for name in ("left", "bottom"):
        axis = view.getAxis(name)
        assert axis.textPen().color() == dark, name
        assert axis.pen().color() == dark, name
    assert view.backgroundBrush().color() == QColor(DARK.background)
    assert {s.outline.name() for s in view.test_points.styles} == {dark.name()}
    window.dark_action.trigger()
    qtbot.waitUntil(lambda: view.getAxis("left").textPen().color() == QColor(LIGHT.foreground), timeout=2000)


# ---------------------------------------------------------------------- MDN legend, overlays
def mdn_document():
    return generated("inverse_problem", n=120, network=NetworkConfig(hidden=(5,), output="mdn", n_components=3))


def test_the_mdn_view_has_a_legend_for_its_mean_and_mode(qtbot):
    view = shown(qtbot, DataView())
    doc = mdn_document()
    view.set_document(doc)
    frame = frame_for(doc, ViewSpec((-0.2, 1.2), (-0.1, 1.1), 40))
    assert frame.density is not None
    view.render(frame)
    assert curve_points(view.mean_curve) > 0 and curve_points(view.mode_curve) > 0
    assert view.legend.isVisible()
    entries = {label: curve for curve, label in view.legend.entries}
    assert entries["conditional mean"] is view.mean_curve
    assert entries["conditional mode"] is view.mode_curve
    shown_text = view.legend.textItem.toPlainText()
    assert "conditional mean" in shown_text and "conditional mode" in shown_text
    # inside the view, at its top right corner
    assert view.vb.sceneBoundingRect().contains(view.legend.sceneBoundingRect().center())


def test_a_document_of_another_kind_clears_the_old_networks_overlays(qtbot):
    view = shown(qtbot, DataView())
    doc = mdn_document()
    view.set_document(doc)
    view.render(frame_for(doc, ViewSpec((-0.2, 1.2), (-0.1, 1.1), 40)))
    assert view.image.image is not None and curve_points(view.mean_curve) > 0
    view.set_document(generated("spiral", n=100))  # e.g. a classification preset
    assert view.image.image is None
    assert curve_points(view.mean_curve) == 0 and curve_points(view.mode_curve) == 0
    assert not view.legend.isVisible() and view.last_frame is None


def test_clear_overlays_forgets_shading_and_boundary_but_keeps_the_points(qtbot):
    view = shown(qtbot, DataView())
    doc = generated("spiral", n=100)
    view.set_document(doc)
    view.render(frame_for(doc))
    assert view.image.image is not None
    n = len(view.points)
    view.clear_overlays()
    assert view.image.image is None and curve_points(view.boundary) == 0
    assert len(view.points) == n


# ---------------------------------------------------------------------- the point item itself
def test_a_dense_cloud_draws_only_the_topmost_point_of_each_pixel_in_order():
    from playground.gui.point_cloud import _topmost_per_pixel
    px = np.array([10.2, 10.4, 30.0, 10.1, 50.0])
    py = np.array([5.0, 5.1, 5.0, 5.3, 5.0])
    style = np.array([0, 1, 2, 3, 4])
    kx, ky, ks = _topmost_per_pixel(px, py, style, 1.0)
    np.testing.assert_array_equal(ks, [2, 3, 4])  # point 3 is drawn last at (10, 5): it covers 0 and 1
    np.testing.assert_array_equal(kx, [30.0, 10.1, 50.0])


def test_points_are_painted_in_their_colours_where_they_lie(qtbot):
    view = shown(qtbot, DataView(), 400, 400)
    doc = Document.with_new_dataset(
        replace(generated("blobs", n=30, n_classes=2).dataset.subset(np.arange(2)),
                X=np.array([[0.25, 0.5], [0.75, 0.5]]), t=np.array([0, 1])),
        replace(ExperimentConfig(), data=replace(ExperimentConfig().data, split=(1.0, 0.0, 0.0))))
    view.set_document(doc)
    view.fit_to(((0.0, 1.0), (0.0, 1.0)))
    QApplication.processEvents()
    image = view.grab().toImage()
    for (x, y), k in zip(doc.dataset.X, doc.dataset.t):
        pos = view.mapFromScene(view.vb.mapViewToScene(QPointF(x, y)))
        assert QColor(image.pixel(pos.x(), pos.y())).name() == CLASS_COLORS[k].lower()


def test_a_point_added_and_taken_away_again_shows_and_goes_in_the_painted_view(qtbot):
    view = shown(qtbot, DataView(), 400, 400)
    config = replace(ExperimentConfig(), data=replace(ExperimentConfig().data, split=(1.0, 0.0, 0.0)))
    base = generated("blobs", n=30, n_classes=2).dataset.subset(np.arange(2))
    corners = np.array([[0.05, 0.05], [0.95, 0.95]])
    doc = Document.with_new_dataset(replace(base, X=corners, t=np.array([0, 0])), config)
    view.set_document(doc)
    view.fit_to(((0.0, 1.0), (0.0, 1.0)))
    QApplication.processEvents()
    before = view.grab().toImage()
    added = doc.with_points(np.array([[0.5, 0.5]]), np.array([1]))
    view.set_document(added)  # inside the old bounds: only its neighbourhood is repainted
    pos = view.mapFromScene(view.vb.mapViewToScene(QPointF(0.5, 0.5)))
    assert QColor(view.grab().toImage().pixel(pos.x(), pos.y())).name() == CLASS_COLORS[1].lower()
    view.set_document(doc)  # undo
    assert view.grab().toImage().pixel(pos.x(), pos.y()) == before.pixel(pos.x(), pos.y())


def test_a_dense_cloud_recoloured_or_moved_is_painted_anew(qtbot):
    """The culled points of a paint are kept for the next one (a theme switch repaints the same
    points): new colours and points that changed place must still reach the screen."""
    import pyqtgraph as pg
    from playground.gui.point_cloud import DEDUPE_ABOVE, PointCloud, PointStyle
    plot = shown(qtbot, pg.PlotWidget(), 300, 300)
    cloud = PointCloud()
    plot.addItem(cloud)
    n = DEDUPE_ABOVE + 1000  # dense: the topmost-per-pixel path
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.0, 1.0, n), rng.uniform(0.0, 1.0, n)
    left = (x > 0.5).astype(int)  # style 0 on the left, 1 on the right
    red, blue = PointStyle("#ff0000", "#ff0000", 0, 6), PointStyle("#0000ff", "#0000ff", 0, 6)
    cloud.set_points(x, y, left, [red, blue])
    plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    plot.getPlotItem().hideAxis("left"), plot.getPlotItem().hideAxis("bottom")

    def colours_at(*fx):
        QApplication.processEvents()
        image = plot.grab().toImage()
        at = [plot.mapFromScene(plot.getViewBox().mapViewToScene(QPointF(f, 0.5))) for f in fx]
        return [QColor(image.pixel(pos.x(), pos.y())).name() for pos in at]
    assert colours_at(0.25, 0.75) == ["#ff0000", "#0000ff"]
    green = PointStyle("#00ff00", "#00ff00", 0, 6)
    cloud.set_points(x, y, left, [green, blue])  # the same points, re-coloured
    assert colours_at(0.25, 0.75) == ["#00ff00", "#0000ff"]
    cloud.set_points(x, y, 1 - left, [green, blue])  # the same places and bounds, the styles swapped
    assert colours_at(0.25, 0.75) == ["#0000ff", "#00ff00"]
    cloud.set_points(1.0 - x, y, left, [green, blue])  # the points mirrored within the same bounds
    assert colours_at(0.25, 0.75) == ["#0000ff", "#00ff00"]
