"""Backpropagation opened up for one data point (PRML 5.3), and the input Jacobian (5.3.4).

Click a data point (the view's "Pick a point" button makes clicks in the data view pick instead of
draw): the diagram shows, for that point, each unit's activation z on the forward pass and its delta
on the backward pass (5.56), and each link's dE/dw = delta z (5.53), coloured by sign and size, the
numbers on hover. The arrow keys step through the passes: forward layer by layer, then backward.
Beside it, the Jacobian dy_k/dx_i at the point, and optionally |dy/dx| over the plane.

The numbers come from playground.core.backprop_trace.trace (checked against net.gradient). The
window side (picking a point, the diagram's right-click symmetry menu) is ``connect_window``.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QMenu, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from playground.core.backprop_trace import BackpropTrace, input_sensitivity, trace
from playground.core.datasets import map_features

from ..theme import NEGATIVE_COLOR, POSITIVE_COLOR, blend, current_theme
from .network_diagram import PathLayers

MAX_UNITS_SHOWN = 16  # units drawn per column; bigger layers show their first 16
N_SHADES = 6  # colour steps per sign
LINK_WIDTH = 3.0
NODE_PX = 26


def _shade_index(values: np.ndarray, scale: float) -> np.ndarray:
    """Layer index per value: sign (0 negative, 1 positive) times N_SHADES plus intensity 0..N_SHADES-1."""
    strength = np.clip(np.abs(values) / scale, 0.0, 1.0) if scale > 0 else np.zeros_like(values)
    level = np.minimum((strength * N_SHADES).astype(int), N_SHADES - 1)
    return (values >= 0).astype(int) * N_SHADES + level


class BackpropView(QWidget):
    """Forward and backward pass of one point through the current network.

    ``stage`` runs over 0 .. 2L (L weight layers): stages 0..L show the activations z of the
    columns 0..stage (the forward pass, 5.48-5.49); stage L + b shows the deltas of the last b
    columns and the dE/dw of the links into them (the backward pass, 5.54-5.56, 5.53).
    """

    analysis = None
    sigPickingChanged = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.net = None
        self.input_names: list[str] = []
        self.point = None  # (x inputs of the net, target, description)
        self.trace: BackpropTrace | None = None
        self.stage = 0
        self._cleared = False
        self.sensitivity_source = None  # window side: () -> (features, ((x0, x1), (y0, y1)), raw inputs) or None
        theme = current_theme()
        self.view = pg.GraphicsView(background=theme.background)
        self.view_box = pg.ViewBox(enableMouse=False, enableMenu=False, defaultPadding=0.08)
        self.view_box.setMouseEnabled(False, False)
        self.view.setCentralItem(self.view_box)
        self.view.setFocusProxy(self)  # the arrow keys step the passes, never scroll the picture
        self.setFocusPolicy(Qt.StrongFocus)
        self._links = PathLayers([(pg.mkPen(QColor("#999999"), width=LINK_WIDTH), None) for _ in range(2 * N_SHADES + 1)])
        self.view_box.addItem(self._links)
        self._nodes = pg.ScatterPlotItem(pxMode=True, size=NODE_PX)
        self._nodes.setZValue(10)
        self.view_box.addItem(self._nodes)
        self._labels: list[pg.TextItem] = []
        self.view.scene().sigMouseMoved.connect(self._on_mouse_moved)

        self.pick_button = QPushButton("Pick a point")
        self.pick_button.setCheckable(True)
        self.pick_button.setChecked(True)
        self.pick_button.setToolTip("While pressed, a click in the data view picks the nearest point instead of "
                                    "drawing one.")
        self.pick_button.toggled.connect(self.sigPickingChanged)
        self.stage_label = QLabel()
        self.stage_label.setWordWrap(True)
        self.hover_label = QLabel("Hover a unit or a link for its numbers.")
        self.hover_label.setWordWrap(True)
        self.jacobian_label = QLabel()
        self.jacobian_label.setTextFormat(Qt.RichText)
        self.jacobian_label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.sensitivity_check = QCheckBox("Shade |\u2202y/\u2202x| over the plane")
        self.sensitivity_check.setToolTip("The data view shades how strongly the output reacts to moving the input, "
                                          "everywhere (the norm of the input Jacobian, PRML 5.3.4), instead of the "
                                          "output; with one input, a curve here.")
        self.sensitivity_check.toggled.connect(self._sensitivity_toggled)
        self.sensitivity_plot = pg.PlotWidget(background=theme.background)
        self.sensitivity_plot.setMinimumHeight(120)
        self.sensitivity_plot.setMouseEnabled(False, False)
        self.sensitivity_curve = pg.PlotDataItem()
        self.sensitivity_plot.addItem(self.sensitivity_curve)
        self.sensitivity_plot.hide()
        self.sensitivity_values: np.ndarray | None = None

        side = QVBoxLayout()
        side.addWidget(QLabel("<b>Input Jacobian</b> (PRML 5.3.4)"))
        side.addWidget(self.jacobian_label)
        side.addWidget(self.sensitivity_check)
        side.addWidget(self.sensitivity_plot, 1)
        side.addStretch(0)
        top = QHBoxLayout()
        top.addWidget(self.pick_button)
        top.addWidget(self.stage_label, 1)
        body = QHBoxLayout()
        body.addWidget(self.view, 3)
        body.addLayout(side, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addWidget(self.hover_label)
        self.hover_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self._theme = theme
        self._style()
        self._show_stage()

    def sizeHint(self):  # noqa: N802 (Qt): a modest tab beside the diagram; it scrolls when squeezed
        return QSize(320, 240)

    # ------------------------------------------------------------------ LiveView protocol
    def set_theme(self, theme) -> None:
        self._theme = theme
        self.view.setBackground(theme.background)
        self.sensitivity_plot.setBackground(theme.background)
        self._style()
        self._redraw()

    def show_network(self, net, input_names: list[str]) -> None:
        self._cleared = False
        self.net = net.copy()
        self.input_names = list(input_names)
        self._layout_units()
        self._recompute()

    def render_frame(self, frame) -> None:
        if self.net is None or frame.snapshot.weights.shape != self.net.w.shape:
            return
        if not self._cleared and np.array_equal(frame.snapshot.weights, self.net.w):
            return
        self._cleared = False
        self.net.w[:] = frame.snapshot.weights
        self._recompute(sensitivity=not frame.running)

    def clear(self) -> None:
        """Forget the point and the drawing; the layout stays for the next frame."""
        self.point = None
        self.trace = None
        self._cleared = True
        for k in range(2 * N_SHADES + 1):
            self._links.set_layer(k, [], [])
        self._nodes.setData([])
        self.stage_label.setText(self.stage_text())
        self._update_jacobian()

    def links_drawn(self) -> int:
        """Links on screen (coloured by w, or by dE/dw once the backward pass reached them)."""
        return sum(len(self._links.layer_data(k)[0]) // 2 for k in range(2 * N_SHADES))

    # ------------------------------------------------------------------ the point
    def set_point(self, x, t, description: str = "") -> None:
        """Trace the point with network inputs ``x`` and target ``t``; the passes start at the input."""
        self.point = (np.asarray(x, dtype=float).ravel(), np.asarray(t, dtype=float).ravel(), description)
        self.stage = 0
        self._recompute()
        self.setFocus(Qt.OtherFocusReason)  # the arrow keys go on from here

    @property
    def n_stages(self) -> int:
        return 0 if self.net is None else 2 * self.net.n_layers + 1

    def set_stage(self, stage: int) -> None:
        self.stage = max(0, min(self.n_stages - 1, int(stage)))
        self._show_stage()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt)
        steps = {Qt.Key_Right: 1, Qt.Key_Down: 1, Qt.Key_Left: -1, Qt.Key_Up: -1}
        if event.key() in steps and self.trace is not None:
            self.set_stage(self.stage + steps[event.key()])
        elif event.key() == Qt.Key_Home and self.trace is not None:
            self.set_stage(0)
        elif event.key() == Qt.Key_End and self.trace is not None:
            self.set_stage(self.n_stages - 1)
        else:
            super().keyPressEvent(event)

    def _recompute(self, sensitivity: bool = True) -> None:
        self.trace = None
        if self.net is not None and self.point is not None and self.point[0].size == self.net.sizes[0]:
            try:
                self.trace = trace(self.net, self.point[0], self.point[1])
            except ValueError:  # a target that does not fit this head (the data changed kind)
                self.trace = None
        self._show_stage()
        if sensitivity and self.sensitivity_check.isChecked():
            self.update_sensitivity()

    # ------------------------------------------------------------------ drawing
    def _style(self) -> None:
        bg = self._theme.background
        self._pos_shades = [blend(bg, POSITIVE_COLOR, 0.25 + 0.75 * (k + 1) / N_SHADES) for k in range(N_SHADES)]
        self._neg_shades = [blend(bg, NEGATIVE_COLOR, 0.25 + 0.75 * (k + 1) / N_SHADES) for k in range(N_SHADES)]
        for k in range(2 * N_SHADES):
            colour = (self._neg_shades + self._pos_shades)[k]
            self._links.set_pen(k, pg.mkPen(colour, width=LINK_WIDTH))
        self._links.set_pen(2 * N_SHADES, pg.mkPen(blend(bg, self._theme.foreground, 0.25), width=1.0))

    def _colour(self, value: float, scale: float) -> QColor:
        k = int(_shade_index(np.array([value]), scale)[0])
        return (self._neg_shades + self._pos_shades)[k]

    def _columns(self) -> list[int]:
        """Units drawn per column (at most MAX_UNITS_SHOWN)."""
        return [] if self.net is None else [min(n, MAX_UNITS_SHOWN) for n in self.net.layer_sizes]

    def _layout_units(self) -> None:
        for item in self._labels:
            self.view_box.removeItem(item)
        self._labels = []
        self._pos = []  # per column, (n, 2) positions
        for c, n in enumerate(self._columns()):
            ys = np.arange(n, dtype=float) - (n - 1) / 2.0
            self._pos.append(np.column_stack([np.full(n, float(c)), -ys]))
            heading = pg.TextItem(self._heading(c), anchor=(0.5, 1.0), color=self._theme.foreground)
            heading.setPos(float(c), (n - 1) / 2.0 + 0.6)
            self.view_box.addItem(heading)
            self._labels.append(heading)
        if self._pos:
            top = max(len(p) for p in self._pos) / 2.0 + 1.0
            self.view_box.setRange(xRange=(-0.4, len(self._pos) - 0.6), yRange=(-top, top), padding=0.05)

    def _heading(self, c: int) -> str:
        last = len(self._columns()) - 1
        return "input" if c == 0 else ("output" if c == last else f"hidden {c}")

    def _show_stage(self) -> None:
        self._redraw()
        self._update_jacobian()
        self.stage_label.setText(self.stage_text())

    def stage_text(self) -> str:
        if self.net is None:
            return "No network yet."
        if self.trace is None:
            return "Click a data point in the data view to follow it through the network."
        L = self.net.n_layers
        s = self.stage
        where = f"{self.point[2]}: " if self.point[2] else ""
        if s == 0:
            return f"{where}the input x (\u2192 to go on). Forward pass next."
        if s <= L:
            what = "the output y" if s == L else f"hidden layer {s}"
            return f"Forward: {what}, z = h(a), a = \u03a3 w z (PRML 5.48-5.49). Step {s + 1} of {self.n_stages}."
        b = s - L
        if b == 1:
            return (f"Backward: the output's \u03b4 = \u2202E/\u2202a = y \u2212 t (PRML 5.54), and dE/dw = \u03b4 z on "
                    f"its links (5.53). Step {s + 1} of {self.n_stages}.")
        return (f"Backward: hidden layer {L - b + 1}, \u03b4_j = h'(a_j) \u03a3_k w_kj \u03b4_k (PRML 5.56), "
                f"dE/dw = \u03b4 z (5.53). Step {s + 1} of {self.n_stages}.")

    def shown(self) -> dict:
        """What the diagram shows at this stage: {"z": {column: values}, "delta": {column: values},
        "dE_dw": {layer: (fan_in, fan_out) values}, "w": {layer: values}} (columns 0 = input)."""
        out = {"z": {}, "delta": {}, "dE_dw": {}, "w": {}}
        if self.net is None:
            return out
        L = self.net.n_layers
        for layer in range(L):
            out["w"][layer] = self.net.weights[layer]
        if self.trace is None:
            return out
        forward = min(self.stage, L)
        for c in range(forward + 1):
            out["z"][c] = self.trace.z[c]
        back = max(0, self.stage - L)
        for c in range(L, L - back, -1):
            out["delta"][c] = self.trace.delta[c - 1]
            out["dE_dw"][c - 1] = self.trace.grad_w[c - 1]
        return out

    def _redraw(self) -> None:
        shown = self.shown()
        columns = self._columns()
        n_layers = len(columns) - 1
        segments = [[[], []] for _ in range(2 * N_SHADES + 1)]
        grad_scale = max((float(np.max(np.abs(g))) for g in shown["dE_dw"].values()), default=0.0)
        w_scale = max((float(np.max(np.abs(w))) for w in shown["w"].values()), default=0.0)
        for layer in range(n_layers):
            fan_in, fan_out = columns[layer], columns[layer + 1]
            start, end = self._pos[layer], self._pos[layer + 1]
            # dE/dw once the backward pass reached the layer, else the weights the forward pass uses
            values, scale = shown["dE_dw"].get(layer), grad_scale
            if values is None:
                values, scale = shown["w"][layer], w_scale
            for i in range(fan_in):
                for j in range(fan_out):
                    k = int(_shade_index(np.array([values[i, j]]), scale)[0])
                    segments[k][0].extend([start[i, 0], end[j, 0]])
                    segments[k][1].extend([start[i, 1], end[j, 1]])
        for k, (xs, ys) in enumerate(segments):
            self._links.set_layer(k, xs, ys)
        spots = []
        delta_scale = max((float(np.max(np.abs(d))) for d in shown["delta"].values()), default=0.0)
        z_scale = max((float(np.max(np.abs(z))) for z in shown["z"].values()), default=0.0)
        unknown = blend(self._theme.background, self._theme.foreground, 0.12)
        for c, n in enumerate(columns):
            for u in range(n):
                if c in shown["delta"]:
                    brush, pen = self._colour(shown["delta"][c][u], delta_scale), pg.mkPen(self._theme.foreground, width=2)
                elif c in shown["z"]:
                    brush, pen = self._colour(shown["z"][c][u], z_scale), pg.mkPen(self._theme.foreground, width=1)
                else:
                    brush, pen = unknown, pg.mkPen(self._theme.foreground, width=1)
                spots.append({"pos": tuple(self._pos[c][u]), "brush": pg.mkBrush(brush), "pen": pen})
        self._nodes.setData(spots)

    # ------------------------------------------------------------------ numbers
    def describe_node(self, column: int, unit: int) -> str:
        shown = self.shown()
        name = self._unit_name(column, unit)
        parts = []
        if self.trace is not None and 0 < column and column in shown["z"]:
            parts.append(f"a = {self.trace.a[column - 1][unit]:.4g}")
        if column in shown["z"]:
            parts.append(f"z = {shown['z'][column][unit]:.4g}")
        if column in shown["delta"]:
            rule = "y \u2212 t (5.54)" if column == len(self._columns()) - 1 else "h'(a) \u03a3 w \u03b4 (5.56)"
            parts.append(f"\u03b4 = {shown['delta'][column][unit]:.4g} = {rule}")
        return f"{name}: " + (", ".join(parts) if parts else "not reached yet")

    def describe_link(self, layer: int, i: int, j: int) -> str:
        shown = self.shown()
        text = f"{self._unit_name(layer, i)} \u2192 {self._unit_name(layer + 1, j)}: w = {self.net.weights[layer][i, j]:.4g}"
        if layer in shown["dE_dw"]:
            z = self.trace.z[layer][i]
            delta = self.trace.delta[layer][j]
            text += f", dE/dw = \u03b4 z = {delta:.4g} \u00d7 {z:.4g} = {shown['dE_dw'][layer][i, j]:.4g} (5.53)"
        return text

    def _unit_name(self, column: int, unit: int) -> str:
        if column == 0:
            return self.input_names[unit] if unit < len(self.input_names) else f"x{unit + 1}"
        if column == len(self._columns()) - 1:
            return f"y{unit + 1}" if self.net.layer_sizes[-1] > 1 else "y"
        return f"h{column},{unit + 1}"

    @Slot(object)
    def _on_mouse_moved(self, scene_pos) -> None:
        if self.net is None or not self._pos:
            return
        p = self.view_box.mapSceneToView(QPointF(scene_pos))
        x, y = p.x(), p.y()
        best = None
        for c, pos in enumerate(self._pos):
            d = np.hypot(pos[:, 0] - x, pos[:, 1] - y)
            u = int(np.argmin(d))
            if d[u] < 0.3 and (best is None or d[u] < best[0]):
                best = (d[u], c, u)
        if best is not None:
            self.hover_label.setText(self.describe_node(best[1], best[2]))
            return
        c = int(np.floor(x))
        if 0 <= c < len(self._pos) - 1 and c <= x <= c + 1:
            start, end = self._pos[c], self._pos[c + 1]
            frac = x - c
            ys = start[:, 1][:, None] * (1 - frac) + end[:, 1][None, :] * frac  # each link's height at x
            i, j = np.unravel_index(int(np.argmin(np.abs(ys - y))), ys.shape)
            if abs(ys[i, j] - y) < 0.15:
                self.hover_label.setText(self.describe_link(c, int(i), int(j)))

    def _update_jacobian(self) -> None:
        if self.trace is None:
            self.jacobian_label.setText("\u2202y_k/\u2202x_i at the chosen point.")
            return
        J = self.trace.jacobian
        outputs = [self._unit_name(len(self._columns()) - 1, k) for k in range(J.shape[0])]
        head = "".join(f"<th>{html.escape(self._unit_name(0, i))}</th>" for i in range(J.shape[1]))
        rows = "".join(f"<tr><th>\u2202{html.escape(outputs[k])}</th>"
                       + "".join(f"<td align='right'>{J[k, i]:+.3f}</td>" for i in range(J.shape[1])) + "</tr>"
                       for k in range(min(J.shape[0], 8)))
        self.jacobian_label.setText(f"<table cellspacing='4'><tr><th></th>{head}</tr>{rows}</table>")

    # ------------------------------------------------------------------ the sensitivity map
    def _sensitivity_toggled(self, on: bool) -> None:
        if on:
            self.update_sensitivity()
        else:
            self.sensitivity_plot.hide()

    def update_sensitivity(self) -> None:
        """With one input, |dy/dx| along x in the dock's own plot; with two, the data view shades it
        (its frames carry it, gui/frames.py) and the plot stays hidden."""
        source = self.sensitivity_source() if self.sensitivity_source is not None else None
        if source is None or self.net is None:
            return
        features, ((x0, x1), _), n_raw = source
        self.sensitivity_plot.setVisible(n_raw == 1)
        if n_raw != 1:
            self.sensitivity_values = None
            return
        gx = np.linspace(x0, x1, 200)
        try:
            norm = input_sensitivity(self.net, gx[:, None], features)
        except ValueError:  # the features do not fit these inputs (the data are changing)
            return
        self.sensitivity_values = norm
        self.sensitivity_curve.setData(gx, norm)


# ====================================================================== the window side
class PointPicker:
    """A data-view tool (press / move / release, like gui/drawing.DrawingTool) that picks the nearest
    data point for the backprop view instead of drawing."""

    def __init__(self, window):
        self.window = window
        self.pick_radius = 0.05
        self.active = False

    def press(self, x: float, y: float, erase: bool = False) -> None:
        pick_point(self.window, x, y, max(self.pick_radius, 1e-9) * 3)

    def move(self, x: float, y: float) -> None:
        pass

    def release(self) -> None:
        pass


def pick_point(window, x: float, y: float, radius: float = np.inf) -> int | None:
    """Trace the data point nearest to (x, y) (within ``radius``) in the backprop view; its index or None."""
    experiment = window._experiment
    view = window.backprop_view
    if experiment is None:
        return None
    dataset = experiment.dataset
    if dataset.n == 0:
        return None
    if dataset.n_inputs >= 2:
        px, py = dataset.X[:, 0], dataset.X[:, 1]
    else:
        px, py = dataset.X[:, 0], dataset.t[:, 0] if dataset.kind == "regression" else np.zeros(dataset.n)
    distance = np.hypot(px - x, py - y)
    index = int(np.argmin(distance))
    if distance[index] > radius:
        return None
    raw = dataset.X[index:index + 1]
    inputs = raw if experiment.features is None else map_features(raw, experiment.features)
    target = dataset.targets(experiment.output)[index]
    coords = ", ".join(f"{v:.2f}" for v in raw[0])
    label = f"class {int(dataset.t[index])}" if dataset.kind == "classification" else f"t = {target[0]:.2f}"
    view.set_point(inputs[0], target, f"point {index + 1} ({coords}), {label}")
    marker = window.__dict__.get("picked_marker")
    if marker is None:  # a ring around the traced point, so the class sees which one it is
        marker = window.picked_marker = pg.ScatterPlotItem(size=24, pen=pg.mkPen("#CC79A7", width=3),
                                                           brush=pg.mkBrush(None))
        marker.setZValue(50)
        window.data_view.addItem(marker, ignoreBounds=True)
    marker.setData([px[index]], [py[index]])
    marker.setVisible(True)
    window.show_notice(f"Backpropagation of point {index + 1}: \u2192 and \u2190 step through the passes.")
    return index


def refresh_tool(window) -> None:
    """The data view picks points while the backprop view is on screen and picking; else it draws
    (unless drawing is locked: then clicks do nothing)."""
    from ..views import on_screen

    picker = window.__dict__.get("point_picker")
    view = window.backprop_view
    picking = picker is not None and view.pick_button.isChecked() and on_screen(window.backprop_dock)
    marker = window.__dict__.get("picked_marker")
    if marker is not None:
        marker.setVisible(picking)
    if picking:
        window.data_view.set_tool(picker)
    elif window.__dict__.get("presentation") is not None and window.presentation.locks.is_locked("drawing"):
        window.data_view.set_tool(None)
    else:
        window.data_view.set_tool(window.tool)


def _sensitivity_source(window):
    experiment = window._experiment
    if experiment is None:
        return None
    return experiment.features, window.data_view.data_range(), experiment.dataset.n_inputs


def unit_menu(window, layer: int, unit: int) -> QMenu:
    """The diagram's right-click menu of hidden unit (layer, unit): flip its signs, swap it (PRML 5.1.1)."""
    net = window._net_template
    menu = QMenu(window)
    name = f"h{layer + 1},{unit + 1}"
    flip = menu.addAction(f"Flip the signs of {name} (the function stays)")
    odd = net is not None and net.activations[layer].odd
    flip.setEnabled(odd)
    if not odd and net is not None:
        flip.setToolTip(f"{net.activations[layer].name} is not odd: flipping would change the function")
    flip.triggered.connect(lambda: window.controller.transform_weights("flip", layer, unit))
    swaps = menu.addMenu(f"Swap {name} with")
    for other in range(net.layer_sizes[layer + 1] if net is not None else 0):
        if other != unit:
            action = swaps.addAction(f"h{layer + 1},{other + 1}")
            action.triggered.connect(lambda _=False, o=other: window.controller.transform_weights("swap", layer, unit, o))
    window.unit_menu = menu
    return menu


def connect_window(window) -> None:
    """Picking points in the data view for the backprop view, and the diagram's symmetry menu."""
    window.point_picker = PointPicker(window)
    view = window.backprop_view
    view.sensitivity_source = lambda: _sensitivity_source(window)
    view.sensitivity_check.toggled.connect(lambda _on: window._send_view())  # the data view's shading
    window.backprop_dock.visibilityChanged.connect(lambda _on: window._send_view())
    view.sigPickingChanged.connect(lambda _on: refresh_tool(window))
    window.backprop_dock.visibilityChanged.connect(lambda _on: refresh_tool(window))
    window.diagram.sigUnitMenuRequested.connect(
        lambda layer, unit, pos: unit_menu(window, layer, unit).popup(pos))
    refresh_tool(window)
    # The window's minimum size was last worked out with the docks stacked, before gui/views.py
    # tabbed them: one more dock there made it too tall for a saved 701 x 523 geometry.
    window.layout().invalidate()
    window.layout().activate()
