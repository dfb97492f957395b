"""The loss plot's right-click Export (what pyqtgraph's dialog offers) and its legend placement.

The dialog calls ``exporter_class(item).export(file_name)`` for the class the person picks from
``pyqtgraph.exporters.listExporters()``; these tests do the same with a file in tmp_path.
"""

import csv
import re
import xml.dom.minidom

import numpy as np
import pytest
from pyqtgraph import exporters
from PySide6.QtCore import QPointF, QRectF
from widget_lifetime import delete_widgets_at_a_safe_point as _delete_widgets
from widget_lifetime import shown as show_widget

from playground.core.training import History
from playground.gui.plots import LossPlot
from playground.gui.theme import CURVE_COLORS

delete_widgets_at_a_safe_point = pytest.fixture(autouse=True)(_delete_widgets)


def rising_history(n=120):
    """Errors that grow (a diverging run): the newest points are at the top-right corner."""
    epochs = np.arange(n)
    train = np.linspace(0.1, 1.0, n)
    return History(epochs, train, train * 0.9, np.full(n, np.nan))


def offered(name: str):
    """The exporter class of the dialog's list whose name contains ``name``."""
    matches = [e for e in exporters.listExporters() if name in e.Name]
    assert len(matches) == 1, [e.Name for e in exporters.listExporters()]
    return matches[0]


@pytest.fixture
def plot(qtbot):
    widget = show_widget(qtbot, LossPlot(), 640, 420)
    widget.render(rising_history())
    qtbot.wait(20)
    return widget


def test_every_offered_exporter_writes_a_file(plot, tmp_path):
    suffixes = {"Image": "png", "Scalable Vector Graphics": "svg", "CSV": "csv"}
    names = [e.Name for e in exporters.listExporters()]
    assert names, "the dialog offers no export"
    for exporter in exporters.listExporters():
        suffix = next((s for key, s in suffixes.items() if key in exporter.Name), None)
        assert suffix is not None, f"an offered export this test does not know: {exporter.Name}"
        for item in (plot.plot_item, plot.view_box):  # what a right-click in the plot selects
            target = tmp_path / f"{exporter.__name__}-{type(item).__name__}.{suffix}"
            exporter(item).export(str(target))
            assert target.stat().st_size > 0


def test_svg_export_holds_the_curve_as_drawn(plot, tmp_path):
    target = tmp_path / "loss.svg"
    offered("Scalable Vector Graphics")(plot.plot_item).export(str(target))
    doc = xml.dom.minidom.parse(str(target))  # well-formed XML
    curve = plot.curve_item("train")
    groups = [g for g in doc.getElementsByTagName("g") if g.getAttribute("id").startswith("LossCurve")]
    paths = [p for g in groups for p in g.getElementsByTagName("path")
             if p.parentNode.getAttribute("stroke").lower() == CURVE_COLORS["train"].lower()]
    assert len(paths) == 1
    points = np.array([[float(v) for v in re.sub(r"^[A-Za-z]", "", token).split(",")]
                       for token in paths[0].getAttribute("d").split()])
    xs, ys = curve.layer_data(0)
    origin = plot.plot_item.scenePos()
    expected = np.array([[q.x() - origin.x(), q.y() - origin.y()]
                         for q in (curve.mapToScene(QPointF(x, y)) for x, y in zip(xs, ys))])
    assert points.shape == expected.shape
    np.testing.assert_allclose(points, expected, atol=0.01)


def test_csv_export_rows_are_the_curves_data(plot, tmp_path):
    target = tmp_path / "loss.csv"
    offered("CSV")(plot.plot_item).export(str(target))
    with open(target, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert header == ["training_x", "training_y", "validation_x", "validation_y"]  # no grid lines, no empty test set
    data = np.array(body, dtype=float)
    h = rising_history()
    np.testing.assert_allclose(data[:, 0], h.epochs)
    np.testing.assert_allclose(data[:, 1], h.train_error, rtol=1e-9)
    np.testing.assert_allclose(data[:, 3], h.val_error, rtol=1e-9)


def test_csv_export_writes_every_epoch_not_the_decimated_drawing(qtbot, tmp_path):
    widget = show_widget(qtbot, LossPlot(), 640, 420)
    n = 20_000
    epochs = np.arange(n)
    widget.render(History(epochs, 1 / (1 + epochs), np.full(n, np.nan), np.full(n, np.nan)))
    assert len(widget.curve_item("train").layer_data(0)[0]) < n  # the drawing is decimated
    target = tmp_path / "long.csv"
    offered("CSV")(widget.view_box).export(str(target))
    with open(target, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["training_x", "training_y"]
    assert len(rows) - 1 == n


def test_legend_does_not_cover_the_newest_points(plot):
    curve = plot.curve_item("train")
    xs, ys = curve.layer_data(0)
    newest = slice(int(len(xs) * 0.9), None)
    legend = plot.legend.sceneBoundingRect()
    assert legend.width() > 0 and plot.legend_labels() == ["training", "validation"]
    for name in ("train", "val"):
        xs, ys = plot.curve_item(name).layer_data(0)
        scene = [plot.curve_item(name).mapToScene(QPointF(x, y)) for x, y in zip(xs[newest], ys[newest])]
        box = QRectF(scene[0], scene[-1]).normalized().adjusted(-2, -2, 2, 2)
        assert not legend.intersects(box), (legend, box)
        assert not any(legend.contains(p) for p in scene)


@pytest.mark.parametrize("width", [640, 400, 340])
def test_the_readout_shows_every_curves_value_in_a_narrow_dock(qtbot, width):
    """Three curves' errors on one line: in a narrow dock a compact form (three digits, narrow gaps)
    replaces the full one rather than the last value being cut off."""
    n = 3600
    epochs = np.arange(n)
    history = History(epochs, np.linspace(0.7, 0.15172, n), np.linspace(0.7, 0.14813, n), np.linspace(0.7, 0.26391, n))
    widget = show_widget(qtbot, LossPlot(), width, 300)
    widget.render(history)
    qtbot.wait(20)
    readout = widget.readout
    shown = readout.shown_text()
    assert readout._width_of(readout._shown_runs()) <= readout.width(), (shown, readout.width())
    numbers = [float(v) for v in re.findall(r"\d\.\d+", shown)]
    assert numbers == pytest.approx([0.15172, 0.14813, 0.26391], abs=6e-4), shown
    if width == 640:
        assert shown == readout.text() and "test 0.2639" in shown  # room enough: the full form
