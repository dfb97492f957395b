"""Live plots: loss curves, weight histograms, network diagram.

Checked by the data the plots hold and driven with the mouse as a person would:
view coordinates -> vb.mapViewToScene -> view.mapFromScene -> qtbot on the viewport.
"""

import math

import numpy as np
import pytest
from widget_lifetime import delete_widgets_at_a_safe_point as _delete_widgets
from widget_lifetime import shown as show_widget
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication

from playground.core import MLP
from playground.core.training import History
from playground.gui.plots import LossPlot, NetworkDiagram, WeightsPlot
from playground.gui.plots import network_diagram as nd
from playground.gui.plots import weights_plot as wp
from playground.gui.theme import NEGATIVE_COLOR, POSITIVE_COLOR, blend


delete_widgets_at_a_safe_point = pytest.fixture(autouse=True)(_delete_widgets)


def shown(qtbot, widget, w=640, h=420):
    return show_widget(qtbot, widget, w, h)


def to_viewport(view, vb, x, y) -> QPoint:
    """Viewport pixel of view coordinates (x, y)."""
    return view.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def move_mouse(qtbot, view, pos: QPoint):
    """Move the mouse over the viewport; pyqtgraph ignores moves < 1/60 s apart, so pause first."""
    qtbot.wait(40)
    qtbot.mouseMove(view.viewport(), pos)


def wheel(view, pos: QPoint, steps=1):
    """One mouse-wheel notch over the viewport at ``pos`` (zoom in for steps > 0)."""
    vp = view.viewport()
    event = QWheelEvent(QPointF(pos), QPointF(vp.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, event)
    QApplication.processEvents()


def history(n=50, val=True, test=True, seed=0):
    rng = np.random.default_rng(seed)
    epochs = np.arange(n)
    train = np.exp(-epochs / 15) + 0.05 + 0.01 * rng.random(n)
    val_e = train * 1.2 if val else np.full(n, np.nan)
    test_e = train * 1.3 if test else np.full(n, np.nan)
    return History(epochs, train, val_e, test_e)


# ---------------------------------------------------------------------- loss plot
def test_loss_curves_hold_exactly_the_history(qtbot):
    plot = shown(qtbot, LossPlot())
    h = history(60)
    h.val_error.flags.writeable = True
    h.val_error[10:15] = np.nan  # a gap
    plot.render(h)
    for name, field in (("train", "train_error"), ("val", "val_error"), ("test", "test_error")):
        x, y = plot.curve_data(name)
        np.testing.assert_array_equal(x, h.epochs)
        np.testing.assert_array_equal(y, getattr(h, field))
        ix, iy = plot.curve_item(name).getOriginalDataset()  # what the item draws
        np.testing.assert_array_equal(ix, h.epochs)
        np.testing.assert_array_equal(iy, getattr(h, field))
        assert plot.curve_visible(name)
    assert plot.legend_labels() == ["training", "validation", "test"]
    pen = plot.curve_item("train").opts["pen"]
    assert QColor(pen.color()).name().lower() == "#0072b2" and pen.widthF() == 1


def test_all_nan_validation_curve_is_hidden_and_left_out_of_the_legend(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.render(history(40, val=False))
    assert not plot.curve_visible("val")
    assert plot.curve_visible("train") and plot.curve_visible("test")
    assert plot.legend_labels() == ["training", "test"]
    assert "validation" not in plot.hover_text_at(5)
    plot.render(history(40, val=True))  # the set appears again
    assert plot.curve_visible("val")
    assert plot.legend_labels() == ["training", "validation", "test"]


def test_log_toggle_changes_log_mode_and_keeps_the_data(qtbot):
    plot = shown(qtbot, LossPlot())
    h = history(80)
    plot.render(h)
    assert not plot.log_y()
    with qtbot.waitSignal(plot.sigLogYChanged) as blocker:
        qtbot.mouseClick(plot.log_check, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert plot.log_y()
    assert plot.plot_item.ctrl.logYCheck.isChecked()
    assert plot.curve_item("train").opts["logMode"] == [False, True]
    np.testing.assert_array_equal(plot.curve_data("train")[1], h.train_error)
    drawn_x, drawn_y = plot.curve_item("train").layer_data(0)  # the path on screen, in view units
    np.testing.assert_allclose(drawn_y, np.log10(h.train_error))
    np.testing.assert_array_equal(drawn_x, h.epochs)
    # The view shows log10 of the errors.
    (_, _), (y0, y1) = plot.view_box.viewRange()
    assert y0 <= math.log10(h.train_error.min()) and y1 >= math.log10(h.val_error.max())
    plot.set_log_y(False)
    assert not plot.plot_item.ctrl.logYCheck.isChecked()
    assert plot.curve_item("train").opts["logMode"] == [False, False]
    np.testing.assert_array_equal(plot.curve_item("train").layer_data(0)[1], h.train_error)
    # pyqtgraph's own context-menu switch is the same switch.
    plot.plot_item.ctrl.logYCheck.setChecked(True)
    assert plot.log_check.isChecked()


def test_log_view_survives_zero_and_negative_errors(qtbot):
    plot = shown(qtbot, LossPlot())
    e = np.arange(30)
    train = np.linspace(1, -1, 30)  # e.g. a mixture density net's error goes negative
    train[5] = 0.0
    plot.set_log_y(True)
    plot.render(History(e, train, np.full(30, np.nan), np.zeros(30)))
    QApplication.processEvents()
    (x0, x1), (y0, y1) = plot.view_box.viewRange()
    assert all(map(math.isfinite, (x0, x1, y0, y1)))
    assert "not shown" in plot.readout.text()
    assert "test 0" in plot.hover_text_at(3)
    drawn = plot.curve_item("train").layer_data(0)[1]
    assert np.all(np.isnan(drawn[train <= 0])) and np.allclose(drawn[train > 0], np.log10(train[train > 0]))


def test_hover_text_snaps_to_the_nearest_epoch(qtbot):
    plot = shown(qtbot, LossPlot())
    h = history(50, test=False)
    plot.render(h)
    text = plot.hover_text_at(12.4)
    assert text.startswith("epoch 12")
    assert f"training {h.train_error[12]:.4g}" in text
    assert f"validation {h.val_error[12]:.4g}" in text
    assert "test" not in text
    assert plot.hover_text_at(12.6).startswith("epoch 13")
    assert plot.hover_text_at(-5).startswith("epoch 0")
    assert plot.hover_text_at(1e9).startswith("epoch 49")


def test_moving_the_mouse_over_the_plot_shows_the_values_there(qtbot):
    plot = shown(qtbot, LossPlot())
    h = history(50)
    plot.render(h)
    QApplication.processEvents()
    assert plot.hover_text().startswith("epoch 49")  # latest values when not hovering
    view, vb = plot.plot_widget, plot.view_box
    y_mid = float(h.train_error[20])
    move_mouse(qtbot, view, to_viewport(view, vb, 20.2, y_mid))
    qtbot.waitUntil(lambda: plot.hover_text().startswith("epoch 20"), timeout=2000)
    assert f"training {h.train_error[20]:.4g}" in plot.hover_text()
    assert f"test {h.test_error[20]:.4g}" in plot.hover_text()
    assert plot._cursor.isVisible() and plot._cursor.value() == 20
    move_mouse(qtbot, view, to_viewport(view, vb, 34.9, y_mid))
    qtbot.waitUntil(lambda: plot.hover_text().startswith("epoch 35"), timeout=2000)


def test_best_epoch_marker(qtbot):
    plot = shown(qtbot, LossPlot())
    h = history(60)
    plot.render(h, best_epoch=23)
    assert plot.best_marker_epoch() == 23
    assert plot._best_line.label.format == "best"
    plot.render(history(61), best_epoch=None)
    assert plot.best_marker_epoch() is None


def test_axes_follow_the_data_in_steps_and_stop_when_the_person_zooms(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.render(history(100))
    first = plot.view_box.viewRange()
    plot.render(history(101))  # one more epoch: the axes do not creep
    assert plot.view_box.viewRange() == first
    assert first[0][1] >= 99
    view, vb = plot.plot_widget, plot.view_box
    wheel(view, to_viewport(view, vb, 50, 0.5), steps=3)
    zoomed = vb.viewRange()
    assert zoomed[0][1] - zoomed[0][0] < first[0][1] - first[0][0]
    plot.render(history(102))
    assert vb.viewRange() == zoomed  # following stopped
    x = plot.curve_item("train").xData
    assert x.min() >= zoomed[0][0] - 2 and x.max() <= zoomed[0][1] + 2  # clipped to the view
    plot.follow_data()
    assert vb.viewRange()[0][1] >= 101


def test_a_million_epochs_are_decimated_but_keep_their_peaks(qtbot):
    plot = shown(qtbot, LossPlot())
    n = 1_000_000
    e = np.arange(n)
    train = 1.0 / (1 + e / 1000.0)
    train[654_321] = 5.0  # a spike must survive decimation
    h = History(e, train, train * 1.1, np.full(n, np.nan))
    plot.render(h)
    x, y = plot.curve_item("train").getOriginalDataset()
    assert len(x) < 10_000
    assert y.max() == 5.0 and y.min() == train.min()
    np.testing.assert_array_equal(plot.curve_data("train")[1], train)
    # A longer history only summarises what is new.
    train2 = np.concatenate([train, [0.0001] * 10])
    plot.render(History(np.arange(n + 10), train2, train2 * 1.1, np.full(n + 10, np.nan)))
    assert plot.curve_item("train").getOriginalDataset()[1].min() == 0.0001
    assert plot.hover_text_at(654_321).startswith("epoch 654,321")  # grouped as in the status bar


def test_clear_forgets_the_curves(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.render(history(30), best_epoch=10)
    plot.clear()
    assert plot.curve_data("train")[0].size == 0
    assert not any(plot.curve_visible(n) for n in ("train", "val", "test"))
    assert plot.legend_labels() == []
    assert plot.best_marker_epoch() is None
    assert plot.hover_text_at(3) == ""
    plot.render(history(10))  # and starts again
    assert plot.curve_visible("train") and len(plot.curve_data("train")[0]) == 10


# ---------------------------------------------------------------------- weights plot
@pytest.fixture
def small_net():
    return MLP([2, 8, 8, 1], hidden="tanh", output="sigmoid", seed=3)


def test_weight_histograms_match_numpy(qtbot, small_net):
    plot = shown(qtbot, WeightsPlot())
    plot.set_network(small_net)
    rng = np.random.default_rng(0)
    w = rng.normal(0, 0.7, small_net.n_params)
    plot.render(w)
    assert plot.layer_labels() == ["layer 1 (2\u21928)", "layer 2 (8\u21928)", "layer 3 (8\u21921)"]
    Ws, bs = small_net.unpack(w)
    for layer in range(3):
        edges, wc, bc = plot.histogram_data(layer)
        np.testing.assert_array_equal(wc, np.histogram(Ws[layer].ravel(), bins=edges)[0])
        np.testing.assert_array_equal(bc, np.histogram(bs[layer], bins=edges)[0])
        assert wc.sum() == Ws[layer].size and bc.sum() == bs[layer].size
        assert edges[0] == -edges[-1] and edges[-1] >= np.abs(w).max()
    with pytest.raises(IndexError):
        plot.histogram_data(3)
    with pytest.raises(ValueError):
        plot.render(np.zeros(5))


def test_weight_axis_is_symmetric_and_does_not_jump(qtbot, small_net):
    plot = shown(qtbot, WeightsPlot())
    plot.set_network(small_net)
    w = np.random.default_rng(1).normal(0, 0.5, small_net.n_params)
    plot.render(w)
    lo, hi = plot.x_range()
    assert lo == -hi and hi >= np.abs(w).max()
    view_before = plot.view_box.viewRange()[0]
    for k in range(20):  # small changes: nothing moves
        plot.render(w * (1 + 0.002 * k) - 0.001 * k)
        assert plot.x_range() == (lo, hi)
    assert plot.view_box.viewRange()[0] == view_before
    plot.render(w * 3)  # a weight leaves the range: it grows at once
    grown = plot.x_range()[1]
    assert grown >= 3 * np.abs(w).max()
    plot.render(w * 0.05)  # much smaller weights: it shrinks only after a while
    assert plot.x_range()[1] == grown
    for _ in range(wp.SHRINK_AFTER):
        plot.render(w * 0.05)
    assert plot.x_range()[1] < grown
    assert plot.x_range()[1] >= 0.05 * np.abs(w).max()
    plot.render(w * 3)
    plot.reset_range()
    plot.render(w)  # after a reset it fits at once
    assert plot.x_range() == (lo, hi)


def test_weights_plot_follows_a_new_network(qtbot):
    plot = shown(qtbot, WeightsPlot())
    plot.set_network(MLP([2, 3, 1], seed=0))
    plot.render(np.ones(13))
    net = MLP([3, 4, 4, 4, 2], output="softmax", seed=0)
    plot.set_network(net)
    plot.render(net.w)
    assert len(plot.layer_labels()) == 4
    assert plot.layer_labels()[-1] == "layer 4 (4\u21922)"
    assert sum(plot.histogram_data(k)[1].sum() + plot.histogram_data(k)[2].sum() for k in range(4)) == net.n_params


# ---------------------------------------------------------------------- network diagram
def diagram_for(qtbot, net, w=None, **kw):
    d = shown(qtbot, NetworkDiagram(), 640, 460)
    d.set_network(net, **kw)
    if w is not None:
        d.render(w)
    QApplication.processEvents()
    return d


def drawn_links(d):
    """{(x0, y0, x1, y1): (width, sign, colour)} from the batches the diagram holds."""
    out = {}
    for batch in d.link_batches():
        xs, ys = batch["xs"], batch["ys"]
        for k in range(len(xs) // 2):
            out[(xs[2 * k], ys[2 * k], xs[2 * k + 1], ys[2 * k + 1])] = (
                batch["width"], batch["sign"], QColor(batch["pen"].color()).name())
    return out


def test_diagram_counts_nodes_and_links(qtbot, small_net):
    d = diagram_for(qtbot, small_net, small_net.w)
    assert d.node_count() == 2 + 8 + 8 + 1
    assert d.link_count() == 2 * 8 + 8 * 8 + 8 * 1
    assert d.links_drawn() == d.link_count()
    assert len(drawn_links(d)) == 88
    assert "strongest" not in d.caption_text()
    # columns: inputs at x = 0, then one column per layer
    assert d.node_position(0, 1)[0] == 0 and d.node_position(3, 0)[0] == 3
    assert d.node_position(1, 0)[1] > d.node_position(1, 7)[1]  # unit 0 on top


def test_a_big_networks_links_come_in_the_next_turn_and_a_newer_network_wins(qtbot, monkeypatch):
    from playground.gui.plots import network_diagram

    monkeypatch.setattr(network_diagram, "LINKS_LATER_ABOVE", 50)  # 2-8-8-1 (97 weights) counts as big
    d = shown(qtbot, NetworkDiagram(), 640, 460)
    first, second = MLP([2, 8, 8, 1], seed=1), MLP([2, 8, 8, 1], seed=2)
    d.show_network(first)
    assert d.node_count() == 19 and d.links_drawn() == 0  # units now, links in the next turn
    d.show_network(second)  # a newer network before that turn: only its links are drawn
    qtbot.waitUntil(lambda: d.links_drawn() == 88, timeout=2000)
    qtbot.wait(20)
    np.testing.assert_array_equal(d._weights, second.w)
    d.show_network(first)
    d.render(first.w * 2)  # a frame drawn first: the deferred drawing leaves it
    qtbot.wait(20)
    np.testing.assert_array_equal(d._weights, first.w * 2)
    labels = list(d._headings)
    d.show_network(MLP([2, 3, 1], seed=0))
    d.show_network(MLP([2, 8, 8, 1], seed=0))
    assert d._headings == labels  # the same text items, kept from network to network
    assert [t.isVisible() for t in d._text_pool["heading"]] == [True] * 4


def test_link_width_follows_abs_weight_and_colour_its_sign(qtbot, small_net):
    net = small_net
    rng = np.random.default_rng(5)
    w = rng.permutation(np.linspace(-2.0, 1.5, net.n_params))  # distinct magnitudes, both signs
    d = diagram_for(qtbot, net, w)
    links = drawn_links(d)
    Ws, _ = net.unpack(w)
    rows = []
    for layer, W in enumerate(Ws):
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                key = (*d.node_position(layer, i), *d.node_position(layer + 1, j))
                rows.append((abs(W[i, j]), W[i, j], *links[key]))
    rows.sort()
    widths = [r[2] for r in rows]
    assert widths == sorted(widths)  # thicker for larger |w|
    assert widths[0] == pytest.approx(nd.MIN_WIDTH) and widths[-1] == pytest.approx(nd.MAX_WIDTH)
    for _, value, _, sign, colour in rows:
        assert sign == (1 if value >= 0 else -1)
    # The strongest link of each sign has the full sign colour.
    strongest_neg = max((r for r in rows if r[1] < 0), key=lambda r: r[0])
    strongest_pos = max((r for r in rows if r[1] >= 0), key=lambda r: r[0])
    assert strongest_neg[4] == QColor(NEGATIVE_COLOR).name()
    assert strongest_pos[2] < nd.MAX_WIDTH or strongest_pos[4] == QColor(POSITIVE_COLOR).name()
    assert QColor(strongest_pos[4]).blue() > QColor(strongest_pos[4]).red()


def test_node_fill_shows_the_bias(qtbot, small_net):
    net = small_net
    w = net.w.copy()
    _, bs = net.unpack(w)
    bs[0][:] = np.linspace(-1, 1, 8)  # first hidden layer: -1 ... 1
    bs[1][:] = 0.0
    bs[2][:] = 0.25
    d = diagram_for(qtbot, net, w)
    background = QColor(d._bg)
    assert d.node_fill(1, 0).name() == blend(background, NEGATIVE_COLOR, 0.9).name()
    assert d.node_fill(1, 7).name() == blend(background, POSITIVE_COLOR, 0.9).name()
    assert d.node_fill(2, 3).name() == background.name()  # no bias: plain
    assert d.node_fill(1, 7).blue() > d.node_fill(1, 7).red()
    # Fills are updated in place for the units that change, and agree with a fresh render.
    w2 = w.copy()
    _, bs2 = net.unpack(w2)
    bs2[0][:] = -bs2[0]
    bs2[1][2] = 0.9
    d.render(w2)
    fresh = diagram_for(qtbot, net, w2)
    for layer, size in enumerate(net.layer_sizes):
        for unit in range(size):
            assert d.node_fill(layer, unit).name() == fresh.node_fill(layer, unit).name()
    assert d.node_fill(1, 0).blue() > d.node_fill(1, 0).red()


def test_clicking_a_hidden_unit_selects_it_and_empty_space_clears(qtbot, small_net):
    d = diagram_for(qtbot, small_net, small_net.w)
    view, vb = d.view, d.view_box
    x, y = d.node_position(2, 5)  # second hidden layer, unit 5
    with qtbot.waitSignal(d.sigUnitClicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=to_viewport(view, vb, x, y))
    assert blocker.args == [1, 5]
    assert d.selected_unit() == (1, 5)
    assert d._ring.data["x"][0] == x  # highlighted
    with qtbot.waitSignal(d.sigUnitClicked) as blocker:  # again: deselects
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=to_viewport(view, vb, x, y))
    assert blocker.args == [-1, -1]
    assert d.selected_unit() == (-1, -1) and len(d._ring.data) == 0

    x, y = d.node_position(1, 0)
    with qtbot.waitSignal(d.sigUnitClicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=to_viewport(view, vb, x, y))
    assert blocker.args == [0, 0]
    empty = (1.5, d.node_position(1, 0)[1] + 0.6)  # above all links, between columns
    assert d.describe_at(*empty) == ""
    with qtbot.waitSignal(d.sigUnitClicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=to_viewport(view, vb, *empty))
    assert blocker.args == [-1, -1]
    assert d.selected_unit() == (-1, -1)
    # An input unit is not a hidden unit: clicking it clears too.
    with qtbot.waitSignal(d.sigUnitClicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=to_viewport(view, vb, *d.node_position(0, 0)))
    assert blocker.args == [-1, -1]


def test_every_link_joins_the_units_of_its_weight(qtbot):
    """Link k of each layer pair is weight W[k // fan_out, k % fan_out]: hovering near the source
    end of a link names that weight's units, for links deep in a column (not just unit 1)."""
    net = MLP([2, 3, 4, 2], hidden="tanh", output="softmax", seed=1)
    w = net.w.copy()
    Ws, _ = net.unpack(w)
    d = diagram_for(qtbot, net, w, input_names=["x1", "x2"])
    for layer, W in enumerate(Ws):
        for i, j in [(W.shape[0] - 1, 1), (1, W.shape[1] - 1), (0, 0)]:
            (ax, ay), (bx, by) = d.node_position(layer, i), d.node_position(layer + 1, j)
            text = d.describe_at(ax + 0.3 * (bx - ax), ay + 0.3 * (by - ay))
            source = f"x{i + 1}" if layer == 0 else f"h{layer},{i + 1}"
            target = f"y{j + 1}" if layer == len(Ws) - 1 else f"h{layer + 1},{j + 1}"
            assert text == f"w = {W[i, j]:.3f} ({source} \u2192 {target})"


def test_hover_over_a_link_shows_its_weight(qtbot, small_net):
    net = small_net
    w = net.w.copy()
    Ws, bs = net.unpack(w)
    Ws[0][0, 0] = 0.734
    Ws[2][0, 0] = -1.25
    d = diagram_for(qtbot, net, w, input_names=["x1", "x2"])
    (ax, ay), (bx, by) = d.node_position(0, 0), d.node_position(1, 0)
    assert d.describe_at((ax + bx) / 2, (ay + by) / 2) == "w = 0.734 (x1 \u2192 h1,1)"
    (ax, ay), (bx, by) = d.node_position(2, 0), d.node_position(3, 0)
    mid = ((ax + bx) / 2, (ay + by) / 2)
    assert d.describe_at(*mid) == "w = -1.250 (h2,1 \u2192 y)"
    view, vb = d.view, d.view_box
    move_mouse(qtbot, view, to_viewport(view, vb, *mid))
    qtbot.waitUntil(lambda: d.hover_text() == "w = -1.250 (h2,1 \u2192 y)", timeout=2000)
    # over a unit: its layer, unit, activation and bias
    bs[0][2] = 0.5
    d.render(w)
    x, y = d.node_position(1, 2)
    text = d.describe_at(x, y)
    assert "h1,3" in text and "hidden layer 1, unit 3" in text and "tanh" in text and "bias = 0.500" in text
    assert d.describe_at(*d.node_position(0, 1)) == "input x2"
    assert "sigmoid" in d.describe_at(*d.node_position(3, 0))
    move_mouse(qtbot, view, to_viewport(view, vb, x, y))
    qtbot.waitUntil(lambda: "h1,3" in d.hover_text(), timeout=2000)


def test_diagram_is_locked_against_zoom_and_pan(qtbot, small_net):
    d = diagram_for(qtbot, small_net, small_net.w)
    view, vb = d.view, d.view_box
    before = vb.viewRange()
    centre = to_viewport(view, vb, 1.5, 0.0)
    wheel(view, centre, steps=3)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(view.viewport(), centre + QPoint(80, 40))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=centre + QPoint(80, 40))
    assert vb.viewRange() == before


def test_input_names_and_feature_maps(qtbot):
    net = MLP([3, 4, 1], seed=0)
    d = diagram_for(qtbot, net, net.w, input_names=["x1", "x2", "x1*x2"])
    assert d.describe_at(*d.node_position(0, 2)) == "input x1*x2"
    with pytest.raises(ValueError):
        d.set_network(net, input_names=["x1"])


def test_big_network_draws_only_the_strongest_links(qtbot):
    net = MLP([2] + [256] * 8 + [1], hidden="relu", output="sigmoid", seed=0)
    d = diagram_for(qtbot, net)
    d.render(net.w)
    QApplication.processEvents()
    assert d.node_count() == 2 + 8 * 256 + 1
    assert d.link_count() == 2 * 256 + 7 * 256 * 256 + 256
    assert d.links_drawn() <= nd.LINK_CAP
    assert "showing the 3,000 strongest of 459,520 links" in d.caption_text()
    # All of the small pairs are drawn; the strongest weight of the net is among the drawn.
    Ws, _ = net.unpack(net.w)
    layer, (i, j) = max(((k, np.unravel_index(np.argmax(np.abs(W)), W.shape)) for k, W in enumerate(Ws)),
                        key=lambda t: abs(Ws[t[0]][t[1]]))
    key = (*d.node_position(layer, i), *d.node_position(layer + 1, j))
    assert drawn_links(d)[key][0] == max(b["width"] for b in d.link_batches())  # thinned, dense
    d.render(net.w * -1)  # renders again without trouble
    assert d.links_drawn() <= nd.LINK_CAP


# ---------------------------------------------------------------------- themes
def test_views_switch_theme_at_run_time(qtbot, small_net):
    from playground.gui.theme import DARK, LIGHT

    loss, weights, diagram = LossPlot(), WeightsPlot(), NetworkDiagram()
    for view in (loss, weights, diagram):
        shown(qtbot, view, 420, 320)
    weights.set_network(small_net)
    diagram.set_network(small_net)
    loss.render(history(30), best_epoch=12)
    weights.render(small_net.w)
    diagram.render(small_net.w)
    assert not small_net.unpack(small_net.w)[1][0].any()  # xavier: zero biases, plain fills
    assert diagram.node_fill(1, 0).name() == QColor(LIGHT.background).name()
    for view in (loss, weights, diagram):
        view.set_theme(DARK)
    QApplication.processEvents()
    assert loss.plot_widget.backgroundBrush().color().name() == QColor(DARK.background).name()
    assert weights.plot_widget.backgroundBrush().color().name() == QColor(DARK.background).name()
    assert diagram.view.backgroundBrush().color().name() == QColor(DARK.background).name()
    assert QColor(loss.plot_item.getAxis("left").textPen().color()).name() == QColor(DARK.foreground).name()
    for _, label in loss.legend.items:
        assert QColor(label.opts["color"]).name() == QColor(DARK.foreground).name()
        assert QColor(DARK.foreground).name().lower() in label.item.toHtml().lower()
    # Fills and links are blended with the new background.
    assert diagram.node_fill(1, 0).name() == QColor(DARK.background).name()
    weakest = min(diagram.link_batches(), key=lambda b: b["width"])
    assert QColor(weakest["pen"].color()).lightness() < QColor(LIGHT.background).lightness()
    diagram.render(small_net.w * 0.5)  # and it keeps working
    loss.render(history(31))
    for view in (loss, weights, diagram):
        view.set_theme(LIGHT)
    assert loss.plot_widget.backgroundBrush().color().name() == QColor(LIGHT.background).name()


def test_the_shading_image_paints_its_values_through_the_lookup_table_the_right_way_up(qtbot):
    import pyqtgraph as pg
    from PySide6.QtCore import QRectF

    from playground.gui.data_view import ShadingImage

    plot = shown(qtbot, pg.PlotWidget(), 400, 400)
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    item = ShadingImage()
    plot.addItem(item)
    values = np.zeros((10, 20))
    values[5:, :] = 1.0  # rows 5..9 are the upper half of the plane (y grows upwards)
    values[5:, 10:] = np.nan  # the upper right quarter shows the background
    lut = np.array([[255, 0, 0], [0, 0, 255]], dtype=np.uint8)  # 0 -> red, 1 -> blue
    item.set_values(values, QRectF(-1, -1, 2, 2), (0.0, 1.0), lut)
    vb = plot.getViewBox()
    vb.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
    qtbot.wait(50)
    image = plot.grab().toImage()

    def colour_at(x, y):
        return image.pixelColor(to_viewport(plot, vb, x, y)).name()

    assert colour_at(-0.5, 0.5) == "#0000ff"  # upper left: value 1
    assert colour_at(-0.5, -0.5) == "#ff0000" and colour_at(0.5, -0.5) == "#ff0000"  # lower half: 0
    assert colour_at(0.5, 0.5) == QColor(plot.backgroundBrush().color()).name()  # NaN is transparent
    np.testing.assert_array_equal(item.image, values)
    assert item.boundingRect() == QRectF(-1, -1, 2, 2)

    rgb = np.zeros((2, 2, 3), dtype=np.uint8)
    rgb[1, 0] = (0, 200, 0)  # upper left cell
    item.set_rgb(rgb, QRectF(-1, -1, 2, 2))
    qtbot.wait(50)
    image = plot.grab().toImage()
    assert colour_at(-0.5, 0.5) == "#00c800" and colour_at(0.5, -0.5) == "#000000"
    item.clear()
    assert item.image is None


def test_the_diagrams_headings_follow_the_font_scale(qtbot, small_net):
    """The layer headings write their second line's size in their HTML: Ctrl+= and presentation
    mode (gui/presentation.apply_font_scale) must reach it too."""
    from PySide6.QtWidgets import QVBoxLayout, QWidget
    from playground.gui.presentation import apply_font_scale
    holder = QWidget()
    qtbot.addWidget(holder)
    QVBoxLayout(holder)
    d = NetworkDiagram()
    holder.layout().addWidget(d)
    holder.resize(640, 460)
    holder.show()
    d.set_network(small_net)
    QApplication.processEvents()
    assert "9pt" in d._heading(1, False)
    try:
        apply_font_scale(holder, 1.5)
        assert "13.5pt" in d._heading(1, False)
        assert "13.5pt" in d._headings[1].textItem.toHtml()  # written again, not only the next time it is laid out
    finally:
        apply_font_scale(holder, 1.0)
    assert "13.5pt" not in d._headings[1].textItem.toHtml()
