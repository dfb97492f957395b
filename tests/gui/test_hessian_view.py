"""The Hessian dock: what it draws is checked against direct computations from playground.core.hessian."""

import math

import numpy as np
import pytest
from widget_lifetime import delete_widgets_at_a_safe_point as _delete_widgets
from widget_lifetime import shown as show_widget
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from playground.core import MLP, hessian
from playground.core.hessian_lab import HessianRequest, compute_report, parameter_blocks
from playground.gui.contours import contour_segments
from playground.gui.plots.hessian_view import DEFAULT_INTERVAL, HessianView, format_number
from playground.gui.theme import DARK, LIGHT, NEGATIVE_COLOR, POSITIVE_COLOR

delete_widgets_at_a_safe_point = pytest.fixture(autouse=True)(_delete_widgets)


def shown(qtbot, widget, w=640, h=480):
    return show_widget(qtbot, widget, w, h)


def problem(sizes=(2, 4, 3, 1), output="sigmoid", seed=0, n=20):
    rng = np.random.default_rng(seed)
    net = MLP(list(sizes), hidden="tanh", output=output, seed=seed, init="gaussian", init_scale=1.0)
    X = rng.normal(size=(n, sizes[0]))
    T = rng.integers(0, 2, (n, 1)).astype(float) if output == "sigmoid" else rng.normal(size=(n, sizes[-1]))
    return net, X, T


@pytest.fixture(scope="module")
def full():
    """A dense report with everything: an untrained net on random labels (negative eigenvalues)."""
    net, X, T = problem()
    report = compute_report(net, X, T, HessianRequest(compare=True, surface=True, surface_resolution=21),
                            epoch=1200)
    return net, X, T, report


def symlog(v, c):
    return np.sign(v) * np.log10(1.0 + np.abs(v) / c)


def parse(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(",", ""))


def brush_color(item) -> str:
    return QColor(pg_brush(item.opts["symbolBrush"]).color()).name().lower()


def pg_brush(brush):
    import pyqtgraph as pg

    return pg.mkBrush(brush)


# ---------------------------------------------------------------------- spectrum
def test_spectrum_points_are_the_eigenvalues_on_the_symmetric_log_scale(qtbot, full):
    net, X, T, report = full
    view = shown(qtbot, HessianView())
    view.show_report(report)
    eigenvalues = np.linalg.eigvalsh(hessian.exact(net, X, T))
    c = view.symlog_constant()
    assert c > 0 and math.log10(c) == round(math.log10(c))  # a power of ten ...
    assert c < np.abs(eigenvalues).max()  # ... below the largest |lambda|
    negative = eigenvalues < -1e-10 * np.abs(eigenvalues).max()
    assert negative.any() and (~negative).any()
    index = np.arange(eigenvalues.size)
    xn, yn = view.negative_points.getData()
    xp, yp = view.positive_points.getData()
    np.testing.assert_array_equal(xn, index[negative])
    np.testing.assert_array_equal(xp, index[~negative])
    np.testing.assert_allclose(yn, symlog(eigenvalues[negative], c), rtol=1e-9)
    np.testing.assert_allclose(yp, symlog(eigenvalues[~negative], c), atol=1e-9)
    assert brush_color(view.negative_points) == NEGATIVE_COLOR.lower()
    assert brush_color(view.positive_points) == POSITIVE_COLOR.lower()
    # stems from 0 to each point
    sx, sy = view.negative_stems.getData()
    np.testing.assert_array_equal(sx[1::2], xn)
    np.testing.assert_array_equal(sy[0::2], 0.0)
    np.testing.assert_allclose(sy[1::2], yn)
    # tick labels are the true values at their transformed positions
    ticks = view.spectrum_plot.getAxis("left")._tickLevels[0]
    assert (0.0, "0") in ticks
    for position, label in ticks:
        assert position == pytest.approx(symlog(parse(label), c))


def test_status_line_states_the_summary_and_the_cost(qtbot, full):
    net, X, T, report = full
    view = shown(qtbot, HessianView())
    view.show_report(report)
    eigenvalues = np.linalg.eigvalsh(hessian.exact(net, X, T))
    text = view.status_text()
    n_negative = int(np.sum(eigenvalues < -1e-10 * np.abs(eigenvalues).max()))
    assert f"{net.n_params} weights" in text
    assert f"{n_negative} negative" in text
    assert f"trace {format_number(np.trace(hessian.exact(net, X, T)))}" in text
    a = np.abs(eigenvalues)
    assert f"condition {format_number(a.max() / a.min())}" in text
    assert "sum over 20 points" in text and "at epoch 1,200" in text and "computed in" in text
    assert "\u2265" not in text and "\u2248" not in text  # nothing estimated


def test_number_format_is_readable():
    assert format_number(11461.78) == "11,462"
    assert format_number(1.34e9) == "1.34e9"
    assert format_number(-0.0261) == "\u22120.0261"
    assert format_number(2.5e-5) == "2.5e\u22125"
    assert format_number(math.inf) == "\u221e"
    assert format_number(0.0) == "0"


# ---------------------------------------------------------------------- matrix
def test_matrix_image_is_the_hessian_with_block_lines(qtbot, full):
    net, X, T, report = full
    view = shown(qtbot, HessianView())
    view.tabs.setCurrentIndex(1)
    view.show_report(report)
    H = hessian.exact(net, X, T)
    half = np.abs(H).max()
    # log colours (the default): sign(H) log10(1 + |H| / (max|H| / 1000))
    assert view.log_colors_check.isChecked()
    np.testing.assert_allclose(view.matrix_image.image, symlog(H, half / 1000).astype(np.float32), atol=1e-5)
    view.log_colors_check.setChecked(False)
    image = view.matrix_image.image
    assert image.dtype == np.float32 and image.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(image, H.astype(np.float32), rtol=1e-6, atol=1e-6 * half)
    assert view.matrix_levels() == pytest.approx((-half, half))
    # separators: solid between layers, dotted between a layer's weights and biases
    blocks = parameter_blocks(net.layer_sizes)
    W = net.n_params
    layer_bounds = [stop for _, stop, label in blocks if label[0] == "b" and stop < W]
    bias_bounds = [stop for _, stop, label in blocks if label[0] == "W"]
    for item, bounds in ((view.layer_lines, layer_bounds), (view.bias_lines, bias_bounds)):
        xs, ys = item.getData()
        k = len(bounds)
        np.testing.assert_array_equal(xs[: 2 * k], np.repeat(bounds, 2))  # vertical lines
        np.testing.assert_array_equal(ys[2 * k:], np.repeat(bounds, 2))  # horizontal lines
        np.testing.assert_array_equal(ys[: 2 * k], np.tile([0, W], k))
    labels = [label for level in view.matrix_plot.getAxis("top")._tickLevels for _, label in level]
    assert sorted(labels) == sorted(b[2] for b in blocks)


def test_hovering_the_matrix_names_the_two_weights(qtbot, full):
    net, X, T, report = full
    view = shown(qtbot, HessianView())
    view.tabs.setCurrentIndex(1)
    view.show_report(report)
    H = report.matrix
    Ws, bs = net.unpack(np.arange(net.n_params))
    i, j = int(Ws[0][1, 2]), int(bs[1][0])  # W1[1,2] and b2[0]
    expected = f"H[{i}, {j}] = {format_number(H[i, j], 4)}  (W1[1,2] \u00d7 b2[0])"
    assert view.describe_matrix_at(j + 0.5, i + 0.5) == expected
    assert view.describe_matrix_at(-1, 3) == ""
    QApplication.processEvents()
    vb = view.matrix_plot.getViewBox()
    widget = view.matrix_widget
    pos = widget.mapFromScene(vb.mapViewToScene(QPointF(j + 0.5, i + 0.5)))
    qtbot.wait(40)
    qtbot.mouseMove(widget.viewport(), pos)
    qtbot.waitUntil(lambda: view.matrix_hover_text().startswith(f"H[{i}, {j}]"), timeout=2000)
    assert "W1[1,2]" in view.matrix_readout.text()


# ---------------------------------------------------------------------- compare
def test_compare_table_and_heat_maps(qtbot, full):
    net, X, T, report = full
    view = shown(qtbot, HessianView())
    view.tabs.setCurrentIndex(2)
    view.show_report(report)
    H = hessian.exact(net, X, T)
    approximations = {
        "diagonal": np.diag(hessian.diagonal(net, X, T)),
        "diagonal (drop off-diag)": np.diag(hessian.diagonal(net, X, T, variant="drop_offdiag")),
        "outer product": hessian.outer_product(net, X, T),
        "finite differences": hessian.finite_difference(net, X, T),
    }
    for row, (name, A) in enumerate(approximations.items()):
        assert view.compare_table.verticalHeaderItem(row).text() == name
        whole = np.linalg.norm(A - H) / np.linalg.norm(H)
        diagonal = np.linalg.norm(np.diag(A) - np.diag(H)) / np.linalg.norm(np.diag(H))
        assert parse(view.compare_text(row, 0)) == pytest.approx(whole, rel=5e-3, abs=1e-6)
        assert parse(view.compare_text(row, 1)) == pytest.approx(diagonal, rel=5e-3, abs=1e-6)
    view.log_colors_check.setChecked(False)
    view.compare_combo.setCurrentText("outer product")
    G = approximations["outer product"]
    half = max(np.abs(H).max(), np.abs(G).max())
    np.testing.assert_allclose(view.compare_exact_image.image, H.astype(np.float32), atol=1e-6 * half)
    np.testing.assert_allclose(view.compare_approx_image.image, G.astype(np.float32), atol=1e-6 * half)
    assert tuple(view.compare_exact_image.levels) == tuple(view.compare_approx_image.levels) \
        == pytest.approx((-half, half))
    view.compare_table.setCurrentCell(0, 0)  # a row of the table selects it too
    assert view.compare_combo.currentText() == "diagonal"
    np.testing.assert_allclose(view.compare_approx_image.image, np.diag(np.diag(approximations["diagonal"]))
                               .astype(np.float32), atol=1e-6 * half)


def test_compare_and_surface_hints_when_not_requested(qtbot):
    net, X, T = problem(seed=1)
    view = shown(qtbot, HessianView())
    view.show_report(compute_report(net, X, T))
    assert view.compare_stack.currentWidget() is view.compare_placeholder
    assert "Tick" in view.compare_placeholder.text()
    assert view.surface_stack.currentWidget() is view.surface_placeholder
    assert "Tick" in view.surface_placeholder.text()
    assert view.spectrum_stack.currentWidget() is view.spectrum_widget


# ---------------------------------------------------------------------- surface
def test_surface_items_hold_the_report_grids(qtbot, full):
    net, X, T, report = full
    view = shown(qtbot, HessianView())
    view.tabs.setCurrentIndex(3)
    view.show_report(report)
    s = report.surface
    np.testing.assert_array_equal(view.surface_image.image, s.error.astype(np.float32))
    rect = view.surface_image.mapRectToParent(view.surface_image.boundingRect())
    step = s.alphas[1] - s.alphas[0]
    assert (rect.left(), rect.right()) == pytest.approx((s.alphas[0] - step / 2, s.alphas[-1] + step / 2))
    assert (rect.top(), rect.bottom()) == pytest.approx((s.betas[0] - step / 2, s.betas[-1] + step / 2))
    levels = view.surface_levels()
    assert levels.size >= 3
    assert s.error.min() < levels.min() and levels.max() < s.error.max()
    for item, field in ((view.error_contours, s.error), (view.quadratic_contours, s.quadratic)):
        expected = np.concatenate([contour_segments(field, s.alphas, s.betas, level) for level in levels])
        xs, ys = item.getData()
        np.testing.assert_allclose(xs, expected[:, :, 0].ravel())
        np.testing.assert_allclose(ys, expected[:, :, 1].ravel())
    mx, my = view.current_marker.getData()
    assert (list(mx), list(my)) == ([0.0], [0.0])
    bottom = view.surface_plot.getAxis("bottom").labelText
    left = view.surface_plot.getAxis("left").labelText
    assert "largest \u03bb" in bottom and format_number(s.curvatures[0]) in bottom
    assert "2nd largest \u03bb" in left and format_number(s.curvatures[1]) in left
    # the curvatures are the two largest eigenvalues of H
    values = np.linalg.eigvalsh(hessian.exact(net, X, T))
    assert s.curvatures == pytest.approx((values[-1], values[-2]), rel=1e-8)


# ---------------------------------------------------------------------- sparse and empty reports
def test_sparse_report_shows_the_density_with_the_extreme_eigenvalues(qtbot):
    net, X, T = problem(sizes=(2, 6, 5, 1), seed=2)
    report = compute_report(net, X, T, HessianRequest(dense_limit=10, n_extreme=3, compare=True), epoch=3)
    view = shown(qtbot, HessianView())
    view.show_report(report)
    assert view.spectrum_stack.currentWidget() is view.density_widget
    grid, density = report.density
    x, y = view.density_curve.getData()
    np.testing.assert_array_equal(x, grid)
    np.testing.assert_allclose(y, np.log10(np.maximum(density, density.max() * 1e-5)))
    negative = report.negative_mask()
    mx, _ = view.density_negative.getData()
    px, _ = view.density_positive.getData()
    np.testing.assert_array_equal(mx, report.eigenvalues[negative])
    np.testing.assert_array_equal(px, report.eigenvalues[~negative])
    text = view.status_text()
    assert "trace \u2248" in text and "Estimated without forming the matrix" in text
    assert view.matrix_stack.currentWidget() is view.matrix_placeholder
    assert view.compare_stack.currentWidget() is view.compare_placeholder
    assert "dense" in view.compare_placeholder.text()


def test_clear_and_failed_reports_show_a_message(qtbot, full):
    net, X, T, report = full
    view = shown(qtbot, HessianView())
    view.show_report(report)
    view.clear("Hessian off: too many weights")
    assert view.report() is None
    for placeholder, stack in ((view.spectrum_placeholder, view.spectrum_stack),
                               (view.matrix_placeholder, view.matrix_stack),
                               (view.compare_placeholder, view.compare_stack),
                               (view.surface_placeholder, view.surface_stack)):
        assert stack.currentWidget() is placeholder
        assert placeholder.text() == "Hessian off: too many weights"
    assert view.positive_points.getData()[0] is None or len(view.positive_points.getData()[0]) == 0
    bad = net.copy()
    bad.w[0] = np.nan
    view.show_report(compute_report(bad, X, T))
    assert "not finite" in view.spectrum_placeholder.text()
    view.show_report(report)  # and back
    assert view.spectrum_stack.currentWidget() is view.spectrum_widget


# ---------------------------------------------------------------------- controls
def test_controls_emit_the_request(qtbot):
    view = shown(qtbot, HessianView())
    assert view.interval() == DEFAULT_INTERVAL and view.request() == HessianRequest()
    with qtbot.waitSignal(view.sigRequestChanged) as blocker:
        view.interval_spin.setValue(250)
    assert view.interval() == 250 and blocker.args == [HessianRequest()]
    with qtbot.waitSignal(view.sigRequestChanged) as blocker:
        view.matrix_combo.setCurrentIndex(view.matrix_combo.findData("outer_product"))
    assert blocker.args[0].matrix == "outer_product"
    with qtbot.waitSignal(view.sigRequestChanged) as blocker:
        qtbot.mouseClick(view.compare_check, Qt.MouseButton.LeftButton, pos=QPoint(6, view.compare_check.height() // 2))
    assert blocker.args[0].compare is True
    view.tabs.setCurrentIndex(3)
    with qtbot.waitSignal(view.sigRequestChanged) as blocker:
        qtbot.mouseClick(view.surface_check, Qt.MouseButton.LeftButton, pos=QPoint(6, view.surface_check.height() // 2))
    assert blocker.args[0].surface is True and blocker.args[0].compare is True
    with qtbot.waitSignal(view.sigRequestChanged) as blocker:
        view.direction_combo.setCurrentIndex(view.direction_combo.findData("random"))
    assert blocker.args[0].surface_directions == "random"
    assert blocker.args[0].surface_span is None  # "auto"
    with qtbot.waitSignal(view.sigRequestChanged) as blocker:
        view.span_spin.setValue(0.25)
    assert blocker.args[0].surface_span == 0.25
    assert blocker.args[0] == HessianRequest(matrix="outer_product", compare=True, surface=True,
                                             surface_directions="random", surface_span=0.25)
    with qtbot.waitSignal(view.sigRecomputeNow, timeout=1000):
        qtbot.mouseClick(view.recompute_button, Qt.MouseButton.LeftButton)


def test_set_request_shows_it_without_emitting(qtbot):
    view = shown(qtbot, HessianView())
    request = HessianRequest(matrix="outer_product", surface=True, surface_directions="extremes",
                             surface_span=0.5, dense_limit=300, n_extreme=4)
    emitted = []
    view.sigRequestChanged.connect(emitted.append)
    view.set_request(request, interval=40)
    assert emitted == []
    assert view.request() == request and view.interval() == 40
    assert view.matrix_combo.currentData() == "outer_product" and view.surface_check.isChecked()


# ---------------------------------------------------------------------- theme and size
def test_theme_switch_recolours_backgrounds_and_the_colour_scale(qtbot, full):
    view = shown(qtbot, HessianView())
    view.show_report(full[3])
    view.set_theme(DARK)
    for widget in (view.spectrum_widget, view.matrix_widget, view.surface_widget, view.compare_images_widget):
        assert widget.backgroundBrush().color().name() == QColor(DARK.background).name()
    middle = view.matrix_image.lut[128]
    assert QColor(*middle).lightness() < 80  # zero is the (dark) background
    axis = view.spectrum_plot.getAxis("left")
    assert QColor(axis.textPen().color()).name() == QColor(DARK.foreground).name()
    view.set_theme(LIGHT)
    assert QColor(*view.matrix_image.lut[128]).lightness() > 230
    assert QColor(*view.matrix_image.lut[0]).name() == QColor(NEGATIVE_COLOR).name()
    assert QColor(*view.matrix_image.lut[-1]).name() == QColor(POSITIVE_COLOR).name()


def test_a_theme_switch_keeps_a_refused_reports_message(qtbot):
    from playground.core.hessian_lab import HessianReport

    view = shown(qtbot, HessianView())
    view.show_report(HessianReport.empty("The exact Hessian of 460,000 weights needs 1.7 TB.", layer_sizes=(2, 3, 1)))
    view.set_theme(DARK)  # raised AttributeError: a refused report has no summary
    assert "1.7 TB" in view.spectrum_placeholder.text()
    view.set_theme(LIGHT)


def test_fits_a_small_dock(qtbot):
    view = HessianView()
    hint = view.minimumSizeHint()
    assert hint.width() <= 350 and hint.height() <= 300


# ---------------------------------------------------------------------- progress and cancel
def test_a_long_report_shows_its_progress_after_a_delay_and_cancel_is_offered(qtbot, full):
    from playground.core.hessian_lab import HessianReport
    from playground.gui.plots.hessian_view import PROGRESS_DELAY
    from playground.gui.worker import HessianProgress

    net, X, T, report = full
    view = shown(qtbot, HessianView())
    view.show_progress(HessianProgress(1, 3, 100, PROGRESS_DELAY / 2))
    assert not view.progress_row.isVisible() and view.progress_text() == ""  # a short report never flickers
    view.show_progress(HessianProgress(1, 30, 100, PROGRESS_DELAY + 0.5))
    assert view.progress_row.isVisible() and view.cancel_button.isVisible()
    assert view.progress_bar.value() == 300 and "30 %" in view.progress_text()
    with qtbot.waitSignal(view.sigCancel, timeout=1000):
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    cancelled = HessianReport.empty("The Hessian report was cancelled.", epoch=5, layer_sizes=net.layer_sizes,
                                    n_points=len(X), cancelled=True)
    view.show_report(cancelled)
    assert not view.progress_row.isVisible()
    assert view.spectrum_placeholder.text() == cancelled.reason == "The Hessian report was cancelled."
    view.show_progress(HessianProgress(1, 1, 100, 1.0))
    view.show_report(report)  # a finished report hides the progress too
    assert not view.progress_row.isVisible() and view.spectrum_stack.currentWidget() is view.spectrum_widget
