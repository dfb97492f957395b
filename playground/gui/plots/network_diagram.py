"""The network as a picture: units in columns, links drawn by weight.

Links are thicker for larger |w| (scaled to the largest |w| in the net) and
coloured by sign (blue +, orange -, as in TensorFlow Playground); a unit's fill
shows its bias the same way. Links are batched into a few ``PlotCurveItem``s, one
per sign and width class, so a frame costs the same few calls for any net; for
big nets only the strongest links of each layer pair are drawn (at most
``LINK_CAP`` in all) and the caption says so.

Hovering names a unit (layer, unit, activation, bias) or a link ("w = 0.734
(x1 → h1,3)"); clicking a hidden unit selects it and emits ``sigUnitClicked``.
The view is locked: it is a picture, not a plot, so no zooming or panning.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QTextDocument, QTransform
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..html_fonts import pt
from .common import NEXT_TURN_MS, EventWatcher
from ..point_cloud import PointCloud, PointStyle, pixel_pad
from ..theme import NEGATIVE_COLOR, POSITIVE_COLOR, blend, current_theme

LINK_CAP = 3000  # links drawn at most, over all layer pairs
LINKS_LATER_ABOVE = 20_000  # weights: show_network draws the links in a turn of their own
N_WIDTHS = 8  # width classes per sign
MIN_WIDTH, MAX_WIDTH = 0.5, 6.0
N_SHADES = 8  # bias intensity levels of the node fill
MAX_SLOTS = 16  # units per column drawn 1 slot apart; bigger layers are squeezed
NODE_HIT_PX = 3.0  # extra pixels around a node that still count as on it
LINK_HIT_PX = 4.0
ANTIALIAS_LINKS = 1000  # more links than this are drawn without antialiasing


def _width_class(strength: np.ndarray) -> np.ndarray:
    return np.minimum((np.asarray(strength) * (N_WIDTHS - 1) + 0.5).astype(np.intp), N_WIDTHS - 1)


class PathLayers(pg.GraphicsObject):
    """Several batches of line segments or filled outlines, each with its own pen and
    brush, painted by one graphics item in device coordinates.

    Qt's raster engine strokes antialiased wide cosmetic pens under the view's
    scaling transform dozens of times slower than the same path mapped to pixels
    first (88 links: ~13 ms against < 1 ms), so each path is mapped here once per
    view transform and drawn untransformed. One item for many batches also saves
    pyqtgraph's per-item overhead on every repaint.

    Layer k: ``set_layer(k, xs, ys, connect)`` with connect "pairs" (segments
    (xs[2i], ys[2i])-(xs[2i+1], ys[2i+1])) or "finite" (polylines split at NaN;
    filled layers close each polyline).
    """

    def __init__(self, styles):
        super().__init__()
        self._pens = [QPen(pen) if isinstance(pen, QPen) else (pg.mkPen(pen) if pen is not None else None)
                      for pen, _ in styles]
        self._brushes = [pg.mkBrush(brush) if brush is not None else None for _, brush in styles]
        n = len(styles)
        self._data = [(np.zeros(0), np.zeros(0))] * n
        self._paths = [QPainterPath() for _ in range(n)]
        self._mapped = [None] * n
        self._mapped_tr = None
        self._rect = QRectF()
        self._pad = None
        widths = [p.widthF() for p in self._pens if p is not None]
        self._max_width = max(widths + [1.0])
        self.antialias = True

    def pen(self, k: int):
        return self._pens[k]

    def brush(self, k: int):
        return self._brushes[k]

    def layer_data(self, k: int):
        """(xs, ys) of layer k as last set."""
        return self._data[k]

    def set_pen(self, k: int, pen) -> None:
        self._pens[k] = QPen(pen)
        widths = [p.widthF() for p in self._pens if p is not None]
        self._max_width = max(widths + [1.0])
        self._pad = None
        self.update()

    def set_brush(self, k: int, brush) -> None:
        self._brushes[k] = pg.mkBrush(brush) if brush is not None else None
        self.update()

    def set_layer(self, k: int, xs, ys, connect: str = "pairs") -> None:
        xs = np.asarray(xs, dtype=float)
        ys = np.asarray(ys, dtype=float)
        self._data[k] = (xs, ys)
        if xs.size >= 2:
            self._paths[k] = pg.arrayToQPath(xs, ys, connect=connect, finiteCheck=connect != "pairs")
        else:
            self._paths[k] = QPainterPath()
        self._mapped[k] = None
        self._update_rect()

    def _update_rect(self) -> None:
        self.prepareGeometryChange()
        rect = QRectF()
        for path in self._paths:
            if not path.isEmpty():
                rect = rect.united(path.boundingRect()) if rect.isValid() else path.boundingRect()
        self._rect = rect
        self.update()

    def viewTransformChanged(self):  # noqa: N802 (pyqtgraph hook)
        self.prepareGeometryChange()
        self._pad = None

    def boundingRect(self):  # noqa: N802
        if not self._rect.isValid():
            return QRectF()
        if self._pad is None:
            self._pad = pixel_pad(self, self._max_width / 2 + 2)
            if self._pad is None:
                return QRectF(self._rect)
        dx, dy = self._pad
        return self._rect.adjusted(-dx, -dy, dx, dy)

    def paint(self, p, *args):
        tr = p.transform()
        if self._mapped_tr != tr:
            self._mapped = [None] * len(self._paths)
            self._mapped_tr = QTransform(tr)
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
        for k, path in enumerate(self._paths):
            if path.isEmpty():
                continue
            mapped = self._mapped[k]
            if mapped is None:
                mapped = self._mapped[k] = tr.map(path)
            if self._brushes[k] is not None:
                p.fillPath(mapped, self._brushes[k])
            if self._pens[k] is not None:
                p.strokePath(mapped, self._pens[k])
        p.restore()



class NetworkDiagram(QWidget):
    """Units and weighted links of an MLP, drawn from its flat parameter vector.

    ``sigUnitClicked(hidden_layer, unit)``: a hidden unit was clicked (0-based
    hidden layer and unit), or (-1, -1) when the selection was cleared by clicking
    the selected unit again or anything else.
    """

    sigUnitClicked = Signal(int, int)
    sigUnitMenuRequested = Signal(int, int, QPoint)  # right-click on hidden unit (layer, unit) at a screen point

    def __init__(self, parent=None):
        super().__init__(parent)
        theme = current_theme()
        self._theme = theme
        self.view = pg.GraphicsView(parent=self, background=theme.background)
        self.view_box = pg.ViewBox(enableMouse=False, enableMenu=False, defaultPadding=0.0)
        self.view_box.setMouseEnabled(False, False)
        self.view_box.disableAutoRange()
        self.view.setCentralItem(self.view_box)
        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.caption.setContentsMargins(6, 0, 6, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption, 0)

        self._fg, self._bg = QColor(theme.foreground), QColor(theme.background)
        self._link_scale = 1.0
        # One layer per (sign, width class); weak links faint and underneath.
        styles = [(self._link_pen(g, 1.0), None) for g in range(2 * N_WIDTHS)]
        # Draw order: by width class, so strong links lie on top of weak ones.
        self._draw_order = [sign * N_WIDTHS + k for k in range(N_WIDTHS) for sign in (0, 1)]
        self._links = PathLayers([styles[g] for g in self._draw_order])
        self._layer_of_group = np.argsort(self._draw_order)
        self.view_box.addItem(self._links)
        self._hover_link = PathLayers([(pg.mkPen(self._fg, width=2.5, style=Qt.PenStyle.DashLine), None)])
        self._hover_link.setZValue(N_WIDTHS + 1)
        self._hover_link.setVisible(False)
        self.view_box.addItem(self._hover_link)
        # Units as a PointCloud (fill x size styles, one numpy array per node): pyqtgraph's scatter
        # spent 15-40 ms styling the 2,051 units of an 8 x 256 network point by point.
        self._nodes = PointCloud()
        self._node_shade = np.zeros(0, dtype=np.intp)  # per node: 0 input fill, 1 + sign * (N_SHADES + 1) + level
        self._nodes.setZValue(N_WIDTHS + 2)
        self.view_box.addItem(self._nodes)
        self._ring = pg.ScatterPlotItem(pxMode=True, brush=pg.mkBrush(None))
        self._ring.setZValue(N_WIDTHS + 3)
        self.view_box.addItem(self._ring)
        self._tip = pg.TextItem("")
        self._tip.setZValue(100)
        self._tip.setVisible(False)
        self.view_box.addItem(self._tip, ignoreBounds=True)

        self._text_pool: dict[str, list[pg.TextItem]] = {}
        self._shown_networks = 0  # show_network's calls: a deferred drawing of links checks it is the newest
        self._selected = (-1, -1)
        self._hover_pos: QPointF | None = None
        self._weights = None
        self._drawn = np.zeros(0, dtype=np.intp)  # indices of the links drawn, in draw order
        self._link_group = None  # batch of every link at the last render (-1: not drawn)
        self._clear_geometry()

        self.view.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.view.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._leave_filter = EventWatcher(self.view.viewport(), QEvent.Type.Leave, self._hide_tip, self)
        self.view_box.sigResized.connect(self._relayout)
        self.set_theme(theme)
        self._update_caption()

    def set_theme(self, theme) -> None:
        """Re-colour for a theme (playground.gui.theme.LIGHT / DARK)."""
        self._theme = theme
        fg, bg = QColor(theme.foreground), QColor(theme.background)
        self._fg, self._bg = fg, bg
        self.view.setBackground(theme.background)
        for g in range(2 * N_WIDTHS):  # opaque colours pre-blended with the background
            self._links.set_pen(int(self._layer_of_group[g]), self._link_pen(g, self._link_scale))
        self._hover_link.set_pen(0, pg.mkPen(fg, width=2.5, style=Qt.PenStyle.DashLine))
        self._node_outline = QColor(fg)
        self._node_outline.setAlphaF(0.75)
        self._ring.setPen(pg.mkPen(QColor(theme.highlight), width=3))
        tip_fill = QColor(bg)
        tip_fill.setAlphaF(0.92)
        tip_border = QColor(fg)
        tip_border.setAlphaF(0.5)
        self._tip.fill = pg.mkBrush(tip_fill)
        self._tip.border = pg.mkPen(tip_border)
        self._tip.setColor(fg)
        # Unit fills (_node_shade): the input fill, then bias fills by sign and level; level 0 = no
        # bias = background.
        neutral = QColor(theme.neutral) if theme.name == "light" else blend(bg, fg, 0.25)
        self._fills = [blend(neutral, fg, 0.12)] + [
            blend(bg, QColor(colour), 0.9 * lvl / N_SHADES)
            for colour in (NEGATIVE_COLOR, POSITIVE_COLOR) for lvl in range(N_SHADES + 1)]
        for pool in self._text_pool.values():
            for t in pool:
                t.setColor(fg)
        self._draw_nodes()

    # ------------------------------------------------------------------ geometry
    def _link_pen(self, group: int, scale: float) -> QPen:
        """Pen of a (sign, width class) batch; ``scale`` < 1 thins dense diagrams."""
        sign, k = divmod(group, N_WIDTHS)
        colour = POSITIVE_COLOR if sign else NEGATIVE_COLOR
        c = blend(self._bg, QColor(colour), 0.4 + 0.6 * k / (N_WIDTHS - 1))
        top = max(MAX_WIDTH * scale, 1.5)
        width = MIN_WIDTH + (top - MIN_WIDTH) * k / (N_WIDTHS - 1)
        # Flat caps: round caps (pg.mkPen's choice above 4 px) make antialiased strokes
        # ~20x slower in Qt's raster engine.
        pen = pg.mkPen(c, width=width)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        return pen

    def _clear_geometry(self) -> None:
        self._sizes: list[int] = []
        self._node_x = np.zeros(0)
        self._node_y = np.zeros(0)
        self._node_col = np.zeros(0, dtype=np.intp)
        self._node_unit = np.zeros(0, dtype=np.intp)
        self._col_start = np.zeros(1, dtype=np.intp)
        self._spacing = np.zeros(0)
        self._node_px = np.zeros(0)
        self._pair_start = np.zeros(0, dtype=np.intp)  # per layer pair: its first link, fan-out, ...
        self._pair_fan_out = np.zeros(0, dtype=np.intp)
        self._pair_src = np.zeros(0, dtype=np.intp)  # ... and the node index of its first source, destination
        self._pair_dst = np.zeros(0, dtype=np.intp)
        self._link_param = np.zeros(0, dtype=np.intp)
        self._pair_slices: list[slice] = []
        self._pair_caps: list[int] = []
        self._bias_param = np.zeros(0, dtype=np.intp)
        self._half_height = 0.0
        self._names: list[str] = []

    def set_network(self, net, input_names=None) -> None:
        """Lay out ``net`` (an MLP: its ``layer_sizes`` and ``unpack``); inputs are named
        ``input_names`` (e.g. ["x1", "x2", "x1*x2"]) or x1, x2, ..."""
        sizes = [int(s) for s in net.layer_sizes]
        if input_names is None:
            input_names = [f"x{i + 1}" for i in range(sizes[0])]
        input_names = [str(s) for s in input_names]
        if len(input_names) != sizes[0]:
            raise ValueError(f"{len(input_names)} input names for {sizes[0]} inputs")
        self._clear_geometry()
        self._sizes = sizes
        self._input_names = input_names
        self._hidden_names = list(net.hidden_names)
        self._output_kind = str(getattr(net, "output", ""))
        head = getattr(net, "head", None)
        self._mixture = (head.n_components, head.n_targets) if self._output_kind == "mdn" and head is not None else None
        self._place_units(sizes)
        self._names = self._unit_names()
        self._index_links(net)
        self._style_links()
        self._reset_drawing()
        self._relayout()
        self._update_caption()

    def _place_units(self, sizes: list[int]) -> None:
        """Column c at x = c; a column's units 1 apart, squeezed into MAX_SLOTS slots when bigger."""
        slots = max(min(max(sizes), MAX_SLOTS) - 1, 0)
        self._half_height = slots / 2.0
        xs, ys, cols, units, spacing = [], [], [], [], []
        for c, n in enumerate(sizes):
            s = 1.0 if n <= 1 else min(1.0, slots / (n - 1))
            k = np.arange(n)
            xs.append(np.full(n, float(c)))
            ys.append((n - 1) / 2.0 * s - k * s)
            cols.append(np.full(n, c, dtype=np.intp))
            units.append(k)
            spacing.append(np.full(n, s if n > 1 else 1.0))
        self._node_x = np.concatenate(xs)
        self._node_y = np.concatenate(ys)
        self._node_col = np.concatenate(cols)
        self._node_unit = np.concatenate(units)
        self._spacing = np.concatenate(spacing)
        self._col_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)

    def _unit_names(self) -> list[str]:
        """x1.. (or the input names), h<layer>,<unit> for hidden units, y or y1.. for outputs;
        an MDN's outputs by group (PRML 5.150-5.152): π1..πK, μ1..μK (μk,l for L > 1), σ1..σK."""
        sizes, n_cols = self._sizes, len(self._sizes)

        def name(c, k):
            if c == 0:
                return self._input_names[k]
            if c == n_cols - 1:
                return self._mixture_name(k) if self._mixture else "y" if sizes[c] == 1 else f"y{k + 1}"
            return f"h{c},{k + 1}"
        return [name(c, k) for c, k in zip(self._node_col.tolist(), self._node_unit.tolist())]

    def _mixture_name(self, k: int) -> str:
        """Output unit k of an MDN: [pi logits (K) | means (K x L, component-major) | widths (K)]."""
        K, L = self._mixture
        if k < K:
            return f"π{k + 1}"
        if k < K + K * L:
            component, dim = divmod(k - K, L)
            return f"μ{component + 1}" if L == 1 else f"μ{component + 1},{dim + 1}"
        return f"σ{k - K - K * L + 1}"

    def _index_links(self, net) -> None:
        """Every link's index into w, found by unpacking a probe vector 0, 1, 2, ... (so the layout
        of ``w`` is the network's own); link k of a layer pair joins its source unit k // fan_out
        to its destination unit k % fan_out, computed only for the links asked about (``_ends``:
        an 8 x 256 network has 460,000 links and draws at most LINK_CAP of them)."""
        weights, biases = net.unpack(np.arange(net.n_params, dtype=np.intp))
        fan_outs = [W.shape[1] for W in weights]
        counts = [W.size for W in weights]
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        self._pair_start = starts[:-1]
        self._pair_fan_out = np.asarray(fan_outs, dtype=np.intp)
        self._pair_src = self._col_start[: len(weights)].copy()
        self._pair_dst = self._col_start[1 : len(weights) + 1].copy()
        self._link_param = np.concatenate([W.ravel() for W in weights])
        self._pair_slices = [slice(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]
        self._pair_caps = self._share_cap(counts)
        self._bias_param = np.concatenate(biases)
        self._n_params = net.n_params

    def _ends(self, links) -> tuple[np.ndarray, np.ndarray]:
        """(source nodes, destination nodes) of link indices ``links``."""
        links = np.asarray(links, dtype=np.intp)
        pair = np.searchsorted(self._pair_start, links, side="right") - 1
        unit_in, unit_out = np.divmod(links - self._pair_start[pair], self._pair_fan_out[pair])
        return self._pair_src[pair] + unit_in, self._pair_dst[pair] + unit_out

    def _style_links(self) -> None:
        """Many links between two columns: thinner lines, or they merge into one blob; thousands
        of antialiased strokes cost tens of ms a frame, and a dense picture needs no smoothing."""
        densest = max(self._pair_caps) if self._pair_caps else 0
        scale = min(1.0, math.sqrt(80.0 / densest)) if densest else 1.0
        self._link_scale = scale
        for g in range(2 * N_WIDTHS):
            self._links.set_pen(int(self._layer_of_group[g]), self._link_pen(g, scale))
        self._links.antialias = sum(self._pair_caps) <= ANTIALIAS_LINKS

    def _reset_drawing(self) -> None:
        """No weights drawn yet, nothing selected or hovered; new labels, units in the input fill."""
        self._selected = (-1, -1)
        self._ring.setData([], [])
        self._forget_links()
        self._make_texts()
        self._node_shade = np.zeros(self._node_x.size, dtype=np.intp)
        self._node_px = np.full(self._node_x.size, 8.0)
        self._draw_nodes()

    def _forget_links(self) -> None:
        """No weights drawn: the links go, the hover tip with them."""
        self._weights = None
        self._drawn = np.zeros(0, dtype=np.intp)
        self._link_group = None
        for layer in range(2 * N_WIDTHS):
            self._links.set_layer(layer, [], [])
        self._hide_tip()

    @staticmethod
    def _share_cap(counts: list[int]) -> list[int]:
        """Links to draw per layer pair: all of the small pairs, the rest shared evenly."""
        caps = [0] * len(counts)
        if sum(counts) <= LINK_CAP:
            return list(counts)
        budget = LINK_CAP
        todo = sorted(range(len(counts)), key=lambda p: counts[p])
        while todo:
            share = budget // len(todo)
            p = todo[0]
            if counts[p] <= share:
                caps[p] = counts[p]
                budget -= counts[p]
                todo.pop(0)
            else:
                for q in todo:
                    caps[q] = share
                break
        return caps

    def _make_texts(self) -> None:
        """The input names, output names and column headings of the network laid out."""
        out_names = ([self._names[self._col_start[-2] + k] for k in range(self._sizes[-1])]
                     if self._sizes[-1] <= MAX_SLOTS else [])
        self._in_labels = self._labels("in", self._input_names, (1, 0.5))
        self._out_labels = self._labels("out", out_names, (0, 0.5))
        self._headings = self._labels("heading", [""] * len(self._sizes), (0.5, 0))

    def _labels(self, kind: str, texts: list[str], anchor) -> list[pg.TextItem]:
        """Text items of ``kind`` showing ``texts``, the pool's others hidden. Items are kept from one
        network to the next: adding a text item to the view box costs ~1 ms (pyqtgraph connects it
        to the view), and an 8 x 256 network's labels took 20 ms of the window's freeze."""
        pool = self._text_pool.setdefault(kind, [])
        while len(pool) < len(texts):
            item = pg.TextItem("", color=self._fg, anchor=anchor)
            item.setZValue(N_WIDTHS + 4)
            self.view_box.addItem(item, ignoreBounds=True)
            pool.append(item)
        for item, text in zip(pool, texts):
            item.setText(text)
            item.setVisible(True)
        for item in pool[len(texts):]:
            item.setVisible(False)
        return pool[: len(texts)]

    def _heading(self, c: int, short: bool) -> str:
        n_cols = len(self._sizes)
        n = self._sizes[c]
        if c == 0:
            return "in" if short else "inputs"
        if c == n_cols - 1:
            kind = self._output_kind
            return "out" if short else (f"output<br><span style='font-size:{pt(9)}'>{kind}</span>" if kind else "output")
        act = self._hidden_names[c - 1] if c - 1 < len(self._hidden_names) else ""
        if short:
            return f"h{c}"
        return f"hidden {c}<br><span style='font-size:{pt(9)}'>{n} {act}</span>" if act else f"hidden {c}"

    @Slot()
    def _relayout(self) -> None:
        """Fit the picture to the widget: margins in pixels for the labels, node sizes."""
        if not self._sizes:
            return
        vb = self.view_box
        w_px = max(vb.width(), 50.0)
        h_px = max(vb.height(), 50.0)
        n_cols = len(self._sizes)
        span_x = float(n_cols - 1)
        col_px = None
        short = False
        for _ in range(2):
            for c, t in enumerate(self._headings):
                text = self._heading(c, short)
                t.setHtml(f"<div style='text-align:center'>{text}</div>")
            left = max([t.textItem.boundingRect().width() for t in self._in_labels] + [0.0])
            right = max([t.textItem.boundingRect().width() for t in self._out_labels] + [0.0])
            head_h = max([t.textItem.boundingRect().height() for t in self._headings] + [0.0])
            margin_l, margin_r = left + 18.0, right + 18.0
            col_px = (w_px - margin_l - margin_r) / max(span_x, 1.0)
            widest = max(t.textItem.boundingRect().width() for t in self._headings)
            if short or col_px >= widest + 6:
                break
            short = True
        top, bottom = head_h + 14.0, 14.0
        span_y = 2 * self._half_height
        row_px = (h_px - top - bottom) / max(span_y, 1.0)
        # Node diameters: most of the slot, never crowding the columns.
        unit_px = np.minimum(self._spacing * row_px * 0.62, 0.3 * max(col_px, 1.0))
        self._node_px = np.clip(unit_px, 3.0, 26.0)
        self._draw_nodes()
        sx = max(span_x, 1.0) / max(w_px - margin_l - margin_r, 1.0)  # view units per pixel
        sy = max(span_y, 1.0) / max(h_px - top - bottom, 1.0)
        x0 = 0.0 - margin_l * sx if span_x > 0 else -0.5 * w_px * sx
        x1 = span_x + margin_r * sx if span_x > 0 else 0.5 * w_px * sx
        y0 = -self._half_height - bottom * sy
        y1 = self._half_height + top * sy
        vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0, update=True)
        r_in = self._node_px[: self._sizes[0]]
        for k, t in enumerate(self._in_labels):
            t.setPos(-(r_in[k] / 2 + 5) * sx, self._node_y[k])
        first_out = int(self._col_start[-2])
        for k, t in enumerate(self._out_labels):
            t.setPos(span_x + (self._node_px[first_out + k] / 2 + 5) * sx, self._node_y[first_out + k])
        for c, t in enumerate(self._headings):
            t.setPos(float(c), y1 - 2 * sy)
        self._update_ring()

    # ------------------------------------------------------------------ the live-view protocol (gui/views.py)
    analysis = None  # draws no background analysis

    def show_network(self, net, input_names=None) -> None:
        """Lay out ``net`` and draw its weights as they are: a big network's in the next turn of the
        event loop (an 8 x 256 network's layout and links take ~15 ms each, with a repaint after
        each), unless a frame's weights are drawn first."""
        self.set_network(net, input_names)
        self._shown_networks += 1
        if net.n_params <= LINKS_LATER_ABOVE:
            self.render(net.w)
            return
        weights, serial = np.array(net.w), self._shown_networks
        QTimer.singleShot(NEXT_TURN_MS, self, lambda: self._links_later(weights, serial))

    def _links_later(self, weights, serial: int) -> None:
        if serial == self._shown_networks and self._weights is None:  # no newer network, no frame drawn
            self.render(weights)

    def render_frame(self, frame) -> None:
        """Draw the weights of a frame's snapshot."""
        self.render(frame.snapshot.weights)

    def clear(self) -> None:
        """No weights drawn (nothing to train): the units stay, in the input fill, without links."""
        self._forget_links()
        self._node_shade = np.zeros(self._node_x.size, dtype=np.intp)
        self._draw_nodes()

    # ------------------------------------------------------------------ drawing
    def render(self, weights) -> None:
        """Draw links and unit fills for the flat parameter vector ``weights``."""
        if not self._sizes:
            return
        w = np.asarray(weights, dtype=float).ravel()
        if w.size != self._n_params:
            raise ValueError(f"the network has {self._n_params} parameters, got {w.size}")
        if not np.isfinite(w).all():
            w = np.nan_to_num(w, nan=0.0, posinf=0.0, neginf=0.0)
        self._weights = w
        lw = w[self._link_param]
        a = np.abs(lw)
        biggest = float(a.max()) if a.size else 0.0
        # Strongest links of the pairs that have too many.
        if self._capped():
            chosen = []
            for sl, cap in zip(self._pair_slices, self._pair_caps):
                n = sl.stop - sl.start
                if cap >= n:
                    chosen.append(np.arange(sl.start, sl.stop))
                elif cap > 0:
                    chosen.append(sl.start + np.argpartition(-a[sl], cap - 1)[:cap])
            sel = np.concatenate(chosen)
        else:
            sel = None
        a_sel = a if sel is None else a[sel]
        strength = a_sel / biggest if biggest > 0 else np.zeros_like(a_sel)
        group = _width_class(strength) + N_WIDTHS * ((lw if sel is None else lw[sel]) >= 0)
        # Widths and colours are quantised: a batch needs new data only when the set of
        # links in it changed (most frames of a training run change few or none).
        full = np.full(lw.size, -1, dtype=np.intp)
        if sel is None:
            full[:] = group
        else:
            full[sel] = group
        prev = self._link_group
        if prev is not None and prev.size == full.size:
            moved = full != prev
            if not moved.any():
                self._render_nodes(w)
                self._refresh_tip()
                return
            dirty = np.zeros(2 * N_WIDTHS + 1, dtype=bool)
            dirty[full[moved]] = True  # index -1 (not drawn) lands in the extra last slot
            dirty[prev[moved]] = True
            dirty = dirty[: 2 * N_WIDTHS]
        else:
            dirty = np.ones(2 * N_WIDTHS, dtype=bool)
        self._link_group = full
        order = np.argsort(group, kind="stable")
        drawn = order if sel is None else sel[order]
        self._drawn = drawn
        bounds = np.searchsorted(group[order], np.arange(2 * N_WIDTHS + 1))
        src, dst = self._ends(drawn)
        xs = np.empty(2 * drawn.size)
        ys = np.empty(2 * drawn.size)
        xs[0::2], xs[1::2] = self._node_x[src], self._node_x[dst]
        ys[0::2], ys[1::2] = self._node_y[src], self._node_y[dst]
        for g in np.nonzero(dirty)[0].tolist():
            lo, hi = bounds[g], bounds[g + 1]
            self._links.set_layer(int(self._layer_of_group[g]), xs[2 * lo : 2 * hi], ys[2 * lo : 2 * hi])
        self._render_nodes(w)
        self._refresh_tip()

    def _refresh_tip(self) -> None:
        if self._tip.isVisible() and self._hover_pos is not None:
            self._show_tip(self._hover_pos)

    def _render_nodes(self, w: np.ndarray) -> None:
        """Fill each unit by its bias: sign colour, intensity by |b| over the largest |b|."""
        b = w[self._bias_param]
        biggest = float(np.abs(b).max()) if b.size else 0.0
        level = np.zeros(b.size, dtype=np.intp)
        if biggest > 0:
            level = np.minimum((np.abs(b) / biggest * N_SHADES + 0.5).astype(np.intp), N_SHADES)
        shade = np.concatenate([np.zeros(self._sizes[0], dtype=np.intp), 1 + (b >= 0) * (N_SHADES + 1) + level])
        if np.array_equal(shade, self._node_shade):
            return
        self._node_shade = shade
        self._draw_nodes()

    def _draw_nodes(self) -> None:
        """The units in their fills and sizes (a style per fill and distinct size)."""
        if self._node_shade.size != self._node_x.size or self._node_px.size != self._node_x.size:
            self._nodes.clear()
            return
        sizes, size_class = np.unique(self._node_px, return_inverse=True)
        n_fills = len(self._fills)
        styles = [PointStyle(fill, self._node_outline, 1.2, size) for size in sizes.tolist() for fill in self._fills]
        self._nodes.set_points(self._node_x, self._node_y, size_class.ravel() * n_fills + self._node_shade, styles)

    def _capped(self) -> bool:
        return sum(self._pair_caps) < self._link_param.size

    def links_drawn(self) -> int:
        """How many links the last render drew."""
        return int(self._drawn.size)

    def link_count(self) -> int:
        """How many links (weights) the network has."""
        return int(self._link_param.size)

    def node_count(self) -> int:
        return int(self._node_x.size)

    def link_batches(self) -> list[dict]:
        """The drawn links by batch: dicts with "sign" (+1/-1), "width" (px), "pen" (QPen),
        "xs" and "ys" (segment end points in pairs), thinnest first (for inspection)."""
        out = []
        for g in range(2 * N_WIDTHS):
            layer = int(self._layer_of_group[g])
            xs, ys = self._links.layer_data(layer)
            pen = self._links.pen(layer)
            out.append({"sign": 1 if g >= N_WIDTHS else -1, "width": pen.widthF(), "pen": pen, "xs": xs, "ys": ys})
        return sorted(out, key=lambda b: (b["width"], b["sign"]))

    def _update_caption(self) -> None:
        key = (f"<span style='color:{POSITIVE_COLOR}'>\u25ac</span> positive&nbsp;&nbsp;"
               f"<span style='color:{NEGATIVE_COLOR}'>\u25ac</span> negative&nbsp;&nbsp;"
               "thicker = larger |w|; fill = bias")
        if self._sizes and self._capped():
            total = self.link_count()
            key += (f"<br><b>showing the {sum(self._pair_caps):,} strongest of {total:,} links</b>")
        self.caption.setText(key)

    def caption_text(self) -> str:
        """The caption under the diagram as plain text (the key; the link cap, if any)."""
        doc = QTextDocument()
        doc.setHtml(self.caption.text())
        return doc.toPlainText()

    # ------------------------------------------------------------------ queries
    def node_position(self, layer: int, unit: int) -> tuple[float, float]:
        """View coordinates of a unit; ``layer`` indexes columns (0 = inputs, 1 = first hidden, ...)."""
        if not 0 <= layer < len(self._sizes) or not 0 <= unit < self._sizes[layer]:
            raise IndexError(f"no unit {unit} in column {layer}")
        i = self._col_start[layer] + unit
        return float(self._node_x[i]), float(self._node_y[i])

    def _node_at(self, x: float, y: float) -> int | None:
        if not self._node_x.size:
            return None
        pw, ph = self.view_box.viewPixelSize()
        d = np.hypot((self._node_x - x) / pw, (self._node_y - y) / ph)
        i = int(np.argmin(d))
        return i if d[i] <= self._node_px[i] / 2 + NODE_HIT_PX else None

    def _link_at(self, x: float, y: float) -> int | None:
        drawn = self._drawn
        if not drawn.size:
            return None
        pw, ph = self.view_box.viewPixelSize()
        src, dst = self._ends(drawn)
        ax, ay = self._node_x[src] / pw, self._node_y[src] / ph
        bx, by = self._node_x[dst] / pw, self._node_y[dst] / ph
        px, py = x / pw, y / ph
        dx, dy = bx - ax, by - ay
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0.0, 1.0)
        d = np.hypot(ax + t * dx - px, ay + t * dy - py)
        # Prefer the link drawn on top (later in draw order) among equally near ones.
        m = int(drawn.size - 1 - np.argmin(d[::-1]))
        return int(drawn[m]) if d[m] <= LINK_HIT_PX else None

    def node_fill(self, layer: int, unit: int) -> QColor:
        """The fill colour a unit is drawn with (its bias: sign colour, intensity by |b|)."""
        self.node_position(layer, unit)  # validates
        return QColor(self._fills[int(self._node_shade[self._col_start[layer] + unit])])

    def _describe_node(self, i: int) -> str:
        c, k = int(self._node_col[i]), int(self._node_unit[i])
        name = self._names[i]
        if c == 0:
            return f"input {name}"
        n_cols = len(self._sizes)
        if c == n_cols - 1:
            what = f"{name}: output unit {k + 1}"
            act = self._output_kind
        else:
            what = f"{name}: hidden layer {c}, unit {k + 1}"
            act = self._hidden_names[c - 1]
        if self._weights is None:
            return f"{what}\n{act}"
        bias = self._weights[self._bias_param[i - self._sizes[0]]]
        return f"{what}\n{act}, bias = {bias:.3f}"

    def _describe_link(self, j: int) -> str:
        w = self._weights[self._link_param[j]]
        (a,), (b,) = self._ends([j])
        return f"w = {w:.3f} ({self._names[a]} \u2192 {self._names[b]})"

    def describe_at(self, x: float, y: float) -> str:
        """What hovering at view coordinates (x, y) shows: a unit, else the nearest link
        within a few pixels, else ""."""
        i = self._node_at(x, y)
        if i is not None:
            return self._describe_node(i)
        if self._weights is None:
            return ""
        j = self._link_at(x, y)
        return self._describe_link(j) if j is not None else ""

    def hover_text(self) -> str:
        """The text the hover box shows now ("" when hidden)."""
        return self._tip.textItem.toPlainText() if self._tip.isVisible() else ""

    # ------------------------------------------------------------------ hover
    def _show_tip(self, pos: QPointF) -> None:
        x, y = pos.x(), pos.y()
        self._hover_pos = QPointF(pos)
        i = self._node_at(x, y)
        j = None
        if i is None and self._weights is not None:
            j = self._link_at(x, y)
        text = self._describe_node(i) if i is not None else (self._describe_link(j) if j is not None else "")
        if j is not None:
            (a,), (b,) = self._ends([j])
            self._hover_link.set_layer(0, self._node_x[[a, b]], self._node_y[[a, b]])
            self._hover_link.setVisible(True)
        else:
            self._hover_link.setVisible(False)
        if not text:
            self._tip.setVisible(False)
            return
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        ax = 0.0 if x < (x0 + x1) / 2 else 1.0
        ay = 1.0 if y < (y0 + y1) / 2 else 0.0
        pw, ph = self.view_box.viewPixelSize()
        self._tip.setAnchor((ax, ay))
        self._tip.setText(text)
        self._tip.setPos(x + (12 if ax == 0 else -12) * pw, y + (8 if ay == 1 else -8) * ph)
        self._tip.setVisible(True)

    @Slot()
    def _hide_tip(self) -> None:
        self._hover_pos = None
        self._tip.setVisible(False)
        self._hover_link.setVisible(False)

    @Slot(object)
    def _on_mouse_moved(self, scene_pos) -> None:
        if not self._sizes or not self.view_box.sceneBoundingRect().contains(scene_pos):
            self._hide_tip()
            return
        self._show_tip(self.view_box.mapSceneToView(QPointF(scene_pos)))

    # ------------------------------------------------------------------ selection
    def selected_unit(self) -> tuple[int, int]:
        """(hidden layer, unit) of the highlighted unit, or (-1, -1)."""
        return self._selected

    def set_selected_unit(self, layer: int, unit: int) -> None:
        """Highlight hidden unit (layer, unit) (0-based hidden layer), or none with (-1, -1);
        does not emit sigUnitClicked."""
        if layer < 0 or unit < 0:
            self._selected = (-1, -1)
        else:
            if not 0 <= layer < len(self._sizes) - 2 or not 0 <= unit < self._sizes[layer + 1]:
                raise IndexError(f"no hidden unit {unit} in hidden layer {layer}")
            self._selected = (int(layer), int(unit))
        self._update_ring()

    def _update_ring(self) -> None:
        layer, unit = self._selected
        if layer < 0 or not self._sizes:
            self._ring.setData([], [])
            return
        i = self._col_start[layer + 1] + unit
        size = float(self._node_px[i]) + 8.0 if self._node_px.size else 16.0
        self._ring.setData([self._node_x[i]], [self._node_y[i]], size=size)

    @Slot(object)
    def _on_mouse_clicked(self, ev) -> None:
        if ev.button() == Qt.MouseButton.RightButton and self._sizes:
            self._request_unit_menu(ev)
            return
        if ev.button() != Qt.MouseButton.LeftButton or not self._sizes:
            return
        scene_pos = ev.scenePos()
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return
        p = self.view_box.mapSceneToView(scene_pos)
        i = self._node_at(p.x(), p.y())
        n_cols = len(self._sizes)
        if i is not None and 0 < self._node_col[i] < n_cols - 1:
            hit = (int(self._node_col[i]) - 1, int(self._node_unit[i]))
            new = (-1, -1) if hit == self._selected else hit
        else:
            new = (-1, -1)
        self.set_selected_unit(*new)
        ev.accept()
        self.sigUnitClicked.emit(*new)

    def _request_unit_menu(self, ev) -> None:
        """A right-click on a hidden unit asks for its menu (the symmetry transforms, backprop_view.unit_menu)."""
        p = self.view_box.mapSceneToView(ev.scenePos())
        i = self._node_at(p.x(), p.y())
        if i is not None and 0 < self._node_col[i] < len(self._sizes) - 1:
            ev.accept()
            self.sigUnitMenuRequested.emit(int(self._node_col[i]) - 1, int(self._node_unit[i]), ev.screenPos().toPoint())
