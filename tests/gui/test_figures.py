"""Figures: every view (each Hessian tab, every row of gui/views.VIEWS) and the window to PNG at
1x-3x, to SVG (parsed as XML, with the curves as paths) and to CSV, from the menus a person uses."""

import csv
import re
import time
import xml.dom.minidom

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QSettings
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QMenu,
)
from svg_paint import visible_texts
from widget_lifetime import delete_widgets_at_a_safe_point

from playground.gui import figures
from playground.gui.figures import export_figure, figures_of, grid_csv
from playground.gui.main_window import MainWindow
from playground.gui.views import VIEWS
from playground.session.config import DataConfig, ExperimentConfig
from playground.session.document import Document

EPOCHS = 30


def spiral_document(n=120):
    return Document.generated(ExperimentConfig(data=DataConfig(generator="spiral", n_points=n, noise=0.05, seed=1)))


def wait_until(predicate, timeout=10.0):
    """Process events until ``predicate()`` (a module-scoped window has no qtbot of its own)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        QApplication.processEvents()
        time.sleep(0.01)


def trained_window(tmp_path, epochs=EPOCHS):
    """A shown main window whose network has trained ``epochs`` epochs, paused, with a Hessian report."""
    window = MainWindow(spiral_document(), settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    window.resize(1300, 850)
    window.show()
    window.hessian_dock.raise_()  # its report is computed while it is on screen
    wait_until(lambda: window.data_view.last_frame is not None)
    window.play(True)
    wait_until(lambda: window.data_view.last_frame.snapshot.epoch >= epochs)
    window.play(False)
    wait_until(lambda: not window.data_view.last_frame.running)
    wait_until(lambda: window.hessian_view._report is not None)
    QApplication.processEvents()
    return window


def svg_of(path):
    return xml.dom.minidom.parse(str(path))


def vertex_counts(doc) -> list[int]:
    """Vertices of each <path> and <polyline> of an SVG."""
    counts = [len(re.findall(r"[MLC]", p.getAttribute("d"))) for p in doc.getElementsByTagName("path")]
    return counts + [len(p.getAttribute("points").split()) for p in doc.getElementsByTagName("polyline")]


def svg_size(doc) -> tuple[float, float]:
    box = [float(v) for v in doc.documentElement.getAttribute("viewBox").split()]
    return box[2], box[3]


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    """One trained window for the module (training it is the slow part); the tests only export."""
    w = trained_window(tmp_path_factory.mktemp("figures"))
    for live in w.live_docks:  # the labs' docks start hidden; on screen, their views start their own workers:
        live.dock.show()  # now, in the module's window, not inside the first test that draws them
        live.dock.raise_()
        QApplication.processEvents()
    w.diagram_dock.raise_()
    QApplication.processEvents()
    yield w
    w.controller.shutdown()
    w.files.mark_saved()
    w.close()
    w.deleteLater()
    QApplication.processEvents()


def test_every_view_and_every_tab_is_a_figure(window):
    keys = [f.key for f in figures_of(window)]
    assert {spec.name for spec in VIEWS} <= {key.split("/")[0] for key in keys}  # views added later: covered
    assert [k for k in keys if k.startswith("hessian/")] == [
        f"hessian/{window.hessian_view.tabs.tabText(i).lower()}" for i in range(window.hessian_view.tabs.count())]
    assert keys[0] == "data" and keys[-1] == "window"


def test_every_figure_is_a_png_of_the_asked_size_and_not_blank(window, tmp_path):
    for figure in figures_of(window):
        for scale in ((1, 2, 3) if figure.key in ("data", "loss") else (2,)):
            path = export_figure(figure, tmp_path / f"{figure.key.replace('/', '-')}-{scale}.png", scale)
            size = figure.widget.size()
            with Image.open(path) as image:
                assert image.format == "PNG"
                assert image.size == (size.width() * scale, size.height() * scale), figure.key
                colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
            assert len(colours) > 20, f"{figure.key} looks blank: {len(colours)} colours"


def test_the_2x_png_is_drawn_again_not_enlarged(window, tmp_path):
    """Text and lines drawn at twice the resolution hold more distinct edge colours than a 1x image
    blown up pixel by pixel (which the 2x size alone would not tell)."""
    one = Image.open(export_figure(window.loss_plot, tmp_path / "loss1.png", 1)).convert("RGB")
    two = Image.open(export_figure(window.loss_plot, tmp_path / "loss2.png", 2)).convert("RGB")
    blown_up = one.resize(two.size, Image.Resampling.NEAREST)
    assert np.abs(np.asarray(two, float) - np.asarray(blown_up, float)).mean() > 1.0


def test_every_figure_is_an_svg_that_parses_and_holds_its_drawing(window, tmp_path):
    frame = window.data_view.last_frame
    n_links = sum(a * b for a, b in zip(window._net_template.sizes, window._net_template.sizes[1:]))
    for figure in figures_of(window):
        doc = svg_of(export_figure(figure, tmp_path / f"{figure.key.replace('/', '-')}.svg"))
        assert doc.documentElement.tagName == "svg", figure.key
        size = figure.widget.size()
        assert svg_size(doc) == pytest.approx((size.width(), size.height()), abs=1), figure.key
        assert doc.documentElement.getAttribute("width"), f"{figure.key}: a viewer would stretch it"
        counts = vertex_counts(doc)
        if figure.key == "data":
            assert doc.getElementsByTagName("image"), "the output shading is missing"
            # the decision boundary's segments, drawn as lines of their own
            assert sum(1 for c in counts if c == 2) >= len(frame.boundary) > 0
            # every point a circle where the view shows it (its pixmaps came out misplaced before)
            centres = np.array([[float(c.getAttribute("cx")), float(c.getAttribute("cy"))]
                                for c in doc.getElementsByTagName("circle")])
            view, points = window.data_view, window.model.document.dataset.X
            shown = np.array([[q.x(), q.y()] for q in (view.mapFromScene(view.vb.mapViewToScene(QPointF(*xy)))
                                                       for xy in points[:, :2])])
            assert len(centres) == len(points)
            assert np.abs(centres[:, None, :] - shown[None, :, :]).max(axis=2).min(axis=0).max() <= 1.0
        elif figure.key == "loss":
            assert max(counts) >= EPOCHS, "no curve path with a vertex per epoch"
        elif figure.key == "weights":
            assert max(counts) >= 50, "no histogram path"
        elif figure.key == "diagram":
            moves = sum(len(re.findall("M", p.getAttribute("d"))) for p in doc.getElementsByTagName("path"))
            assert moves >= n_links, "a link of the diagram is missing"
        elif figure.key == "hessian/spectrum":
            assert max(counts) >= window._net_template.n_params, "no stem per eigenvalue"
        else:
            assert doc.getElementsByTagName("text") or doc.getElementsByTagName("image"), figure.key


def test_the_grid_csv_holds_the_frames_predictions(window, tmp_path):
    frame = window.data_view.last_frame
    path = export_figure(window.data_view, tmp_path / "grid.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["x1", "x2", "p_class0", "p_class1"]
    table = np.array(rows[1:], dtype=float)
    gx, gy, p = frame.grid_x, frame.grid_y, frame.probabilities
    assert table.shape == (len(gx) * len(gy), 4)
    j, i = 7, 31  # row j of the grid is y = gy[j], column i is x = gx[i]
    row = table[j * len(gx) + i]
    assert row[:2] == pytest.approx([gx[i], gy[j]], rel=1e-6)
    assert row[2:] == pytest.approx(p[j, i], abs=1e-6)
    assert np.allclose(table[:, 2:].sum(axis=1), 1.0, atol=1e-5)


def test_grid_csv_of_a_regression_curve_and_of_no_frame():
    from playground.gui.frames import Frame

    gx = np.linspace(-1, 1, 5)
    frame = Frame(0, None, False, 0.0, kind="regression1d", grid_x=gx, curves=np.array([gx ** 2], dtype=np.float32))
    lines = grid_csv(frame).splitlines()
    assert lines[0] == "x,y0" and [float(v) for v in lines[3].split(",")] == pytest.approx([0.0, 0.0])
    with pytest.raises(ValueError, match="no predictions yet"):
        grid_csv(None)


def test_the_loss_curves_csv_has_one_row_per_epoch(window, tmp_path):
    path = export_figure(window.loss_plot, tmp_path / "loss.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][:2] == ["training_x", "training_y"]
    epochs, errors = window.loss_plot.curve_data("train")
    assert len(rows) - 1 == len(epochs)
    assert float(rows[-1][1]) == pytest.approx(errors[-1], rel=1e-6)


def test_a_bad_suffix_is_refused_in_plain_words(window, tmp_path):
    with pytest.raises(ValueError, match="use .png, .svg or .csv"):
        export_figure(window.loss_plot, tmp_path / "loss.jpg")
    with pytest.raises(ValueError, match="scale"):
        export_figure(window.loss_plot, tmp_path / "loss.png", scale=5)


def test_file_export_figure_writes_the_chosen_tab_at_the_chosen_scale(window, tmp_path, monkeypatch):
    target = tmp_path / "matrix"
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    window.export_figure_action.trigger()
    dialog = window._export_figure_dialog
    assert dialog.isVisible()
    dialog.figure_combo.setCurrentIndex(dialog.figure_combo.findData("hessian/matrix"))
    assert [dialog.format_combo.itemData(i) for i in range(dialog.format_combo.count())] == [".png", ".svg"]
    dialog.scale_combo.setCurrentIndex(dialog.scale_combo.findData(3))
    dialog.accept()
    assert window.hessian_view.tabs.currentIndex() == 1  # the tab was brought up to be drawn
    page = window.hessian_view.tabs.widget(1)
    with Image.open(str(target) + ".png") as image:
        assert image.size == (3 * page.width(), 3 * page.height())
    assert "Exported Hessian: Matrix" in window.statusBar().currentMessage()


def _fully_shown(widget) -> bool:
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


def test_the_whole_window_svg_shows_the_menu_bar_panels_and_docks(window, tmp_path, monkeypatch):
    """File > Export figure... > Whole window as SVG holds what the window shows, where a viewer that
    clips (a browser, Inkscape) shows it: the menu titles (once hidden under the menu bar's background,
    painted after them without its clip), the panels' values (once clipped away), the docks' titles
    and the plots."""
    target = tmp_path / "window.svg"
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    window.export_figure_action.trigger()
    dialog = window._export_figure_dialog
    dialog.figure_combo.setCurrentIndex(dialog.figure_combo.findData("window"))
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(".svg"))
    dialog.accept()
    bar = window.menuBar().geometry()
    menu = "".join(text for _, text in visible_texts(target, (bar.x(), bar.y(), bar.width(), bar.height())))
    titles = [a.text().replace("&", "") for a in window.menuBar().actions() if a.isVisible()]
    assert menu == "".join(titles) and titles[:2] == ["File", "Edit"]  # runs split where Qt underlines a letter
    shown = {text for _, text in visible_texts(target, (0, 0, window.width(), window.height()))}
    values = [w.currentText() for w in window.findChildren(QComboBox) if _fully_shown(w) and w.currentText()]
    values += [w.text() for w in window.findChildren(QAbstractSpinBox) if _fully_shown(w) and w.text()]
    assert len(values) >= 10 and not [v for v in values if v not in shown]
    docks = [d.windowTitle() for d in window.findChildren(QDockWidget) if _fully_shown(d.titleBarWidget() or d)]
    assert "Data" in docks and not [t for t in docks if t not in shown]
    circles = svg_of(target).getElementsByTagName("circle")
    assert len(circles) >= len(window.model.document.dataset.X), "the data view's points are missing"


def test_the_right_click_menu_of_a_view_exports_it(window, tmp_path, monkeypatch, qtbot):
    target = tmp_path / "weights.svg"
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    view = window.weights_plot.plot_widget
    window.weights_dock.raise_()
    QApplication.processEvents()
    view.customContextMenuRequested.emit(QPoint(40, 40))  # what a right click on the plot sends
    menu = window._figure_menu
    assert isinstance(menu, QMenu) and menu.isVisible()
    texts = [a.text() for a in menu.actions()]
    assert "Export Weights as PNG (3x)…" in texts and "Export Weights as SVG…" in texts
    next(a for a in menu.actions() if a.text() == "Export Weights as SVG…").trigger()
    menu.close()
    assert max(vertex_counts(svg_of(target))) >= 50


def test_the_data_views_menu_opens_on_its_axes_not_over_the_data(window):
    view = window.data_view
    window._figure_menu = None
    inside = view.mapFromScene(view.vb.sceneBoundingRect().center())
    view.customContextMenuRequested.emit(inside)  # a right click there erases points
    assert window._figure_menu is None
    on_axis = view.mapFromScene(view.getAxis("left").sceneBoundingRect().center())
    view.customContextMenuRequested.emit(on_axis)
    texts = [a.text() for a in window._figure_menu.actions()]
    assert "Export Data view as CSV…" in texts
    window._figure_menu.close()


def test_the_loss_plots_own_menu_gains_the_exports(window):
    vb_menu = window.loss_plot.view_box.menu
    submenu = next(a.menu() for a in vb_menu.actions() if a.text() == "Export figure")
    submenu.aboutToShow.emit()
    assert "Export Loss as CSV…" in [a.text() for a in submenu.actions()]


def test_the_scales_offered_are_the_declared_range():
    import playground.core.params as params

    assert params.FIGURE_PARAMETERS["scale"].hi == max(figures.SCALES) == 3


@pytest.fixture
def delete_widgets():
    yield from delete_widgets_at_a_safe_point()


def test_a_standalone_view_exports_its_plot_as_render_would(qtbot, tmp_path, delete_widgets):
    """`nn-playground render` draws a view outside the window: its figure is the plot, not its controls."""
    from widget_lifetime import shown

    from playground.core.training import History
    from playground.gui.plots import LossPlot

    plot = shown(qtbot, LossPlot(), 500, 300)
    epochs = np.arange(40)
    plot.render(History(epochs, np.exp(-epochs / 10), np.exp(-epochs / 12), np.full(40, np.nan)), None)
    QApplication.processEvents()
    size = plot.plot_widget.size()
    with Image.open(export_figure(plot, tmp_path / "loss.png", 2)) as image:
        assert image.size == (2 * size.width(), 2 * size.height())
    assert max(vertex_counts(svg_of(export_figure(plot, tmp_path / "loss.svg")))) >= 40
