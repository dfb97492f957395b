"""SVG of a figure made of several widgets (the whole window, a Hessian tab): what the screen shows.

QSvgGenerator drawing the whole widget tree at once gets it wrong, as a browser, Inkscape or
librsvg shows (Qt's own SVG renderer ignores clipping, so it hides the damage):

- SVG Tiny 1.2 (its default) has no clipping, so what a widget paints under a clip shows
  through: the menu bar fills its empty area after its items, clipped around them, and that
  fill hid every menu title; a selected tab's shape covers the label under it.
- SVG 1.1 writes the clips, but in the coordinates of the widget being painted while they apply
  in the window's: every clip of a widget away from the window's corner lands in the wrong place
  and hides that widget's text (line edits, spin boxes, combo boxes).
- Plots drawn through QGraphicsView come out as paths with coordinates of 1e13, filled black.

So each widget is drawn on its own, without its children, at the origin, where the coordinates
Qt writes its clips in are the ones they apply in (SVG 1.1), and placed at its position as a
nested ``<svg>``, which also clips it to what its parents show (a scroll area's viewport); its
children follow it, in the order Qt paints them. A pyqtgraph view is drawn by pyqtgraph's own
SVG exporter (the drawing of its own figure, gui/figures.svg_bytes) instead.
"""

from __future__ import annotations

import re
import xml.dom.minidom
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect
from PySide6.QtGui import QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

_DRAWING = {"path", "rect", "polyline", "polygon", "line", "circle", "ellipse", "text", "image", "use"}
_REFERENCE = re.compile(r"url\(#([^)]+)\)")


def composite_svg(widget: QWidget, plot_svg: Callable[[pg.GraphicsView], bytes]) -> bytes:
    """``widget`` and everything shown in it as one SVG 1.1 drawing; ``plot_svg(view)`` draws each
    pyqtgraph view."""
    doc = xml.dom.minidom.getDOMImplementation().createDocument("http://www.w3.org/2000/svg", "svg", None)
    root = doc.documentElement
    root.setAttribute("xmlns", "http://www.w3.org/2000/svg")
    root.setAttribute("xmlns:xlink", "http://www.w3.org/1999/xlink")
    root.setAttribute("version", "1.1")
    root.setAttribute("width", f"{widget.width()}px")
    root.setAttribute("height", f"{widget.height()}px")
    root.setAttribute("viewBox", f"0 0 {widget.width()} {widget.height()}")
    title = doc.createElement("title")
    title.appendChild(doc.createTextNode(widget.windowTitle() or "nn-playground figure"))
    root.appendChild(title)
    counter = iter(range(1 << 30))
    _add(doc, root, widget, widget, widget.rect(), plot_svg, counter)
    return doc.toxml(encoding="utf-8")


def _add(doc, parent, widget: QWidget, top: QWidget, shown: QRect, plot_svg, counter) -> None:
    """``widget`` (then its children) as nested ``<svg>`` elements of ``parent``; ``shown``: the part
    of ``top`` its ancestors let it show."""
    at = QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())
    shown = shown.intersected(at)
    if shown.isEmpty():
        return
    if isinstance(widget, pg.GraphicsView):
        parent.appendChild(_nested(doc, plot_svg(widget), at, shown, f"w{next(counter)}-"))
        return
    own = _alone(widget)
    if own is not None:
        parent.appendChild(_nested(doc, own, at, shown, f"w{next(counter)}-"))
    for child in widget.children():  # the order Qt paints them in (raise_ moves a child to the end)
        if isinstance(child, QWidget) and not child.isWindow() and child.isVisibleTo(top):
            _add(doc, parent, child, top, shown, plot_svg, counter)


def _alone(widget: QWidget) -> bytes | None:
    """What ``widget`` itself paints, without its children, as SVG 1.1; None when it paints nothing."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator(QSvgGenerator.SvgVersion.Svg11)
    generator.setOutputDevice(buffer)
    generator.setSize(widget.size())
    generator.setViewBox(QRect(QPoint(0, 0), widget.size()))
    generator.setResolution(widget.logicalDpiY())  # else text is sized for 72 dpi, smaller than on screen
    painter = QPainter(generator)
    try:
        # QWidget.render: a view may define render() of its own (LiveView protocol)
        QWidget.render(widget, painter, QPoint(0, 0), QRegion(widget.rect()), QWidget.RenderFlag.DrawWindowBackground)
    finally:
        painter.end()
    buffer.close()
    svg = bytes(data)
    return svg if any(f"<{tag}".encode() in svg for tag in _DRAWING) else None


def _nested(doc, svg: bytes, at: QRect, shown: QRect, prefix: str):
    """A drawing of the widget at ``at`` as an ``<svg>`` showing only its part ``shown`` (both in the
    figure's coordinates), its ids prefixed so that they cannot clash with another's."""
    drawing = xml.dom.minidom.parseString(svg).documentElement
    box = drawing.getAttribute("viewBox").split()
    sx = float(box[2]) / at.width() if len(box) == 4 and at.width() else 1.0  # a plot's own size in its viewBox
    sy = float(box[3]) / at.height() if len(box) == 4 and at.height() else 1.0
    nested = doc.createElement("svg")
    for name, value in (("x", shown.x()), ("y", shown.y()), ("width", shown.width()), ("height", shown.height())):
        nested.setAttribute(name, str(value))
    nested.setAttribute("viewBox", " ".join(f"{v:g}" for v in (
        (shown.x() - at.x()) * sx, (shown.y() - at.y()) * sy, shown.width() * sx, shown.height() * sy)))
    for element in drawing.getElementsByTagName("*"):
        if element.hasAttribute("id"):
            element.setAttribute("id", prefix + element.getAttribute("id"))
        for name, value in list(element.attributes.items()):
            if "url(#" in value:
                element.setAttribute(name, _REFERENCE.sub(lambda m: f"url(#{prefix}{m.group(1)})", value))
            elif name in ("xlink:href", "href") and value.startswith("#"):
                element.setAttribute(name, "#" + prefix + value[1:])
    for child in list(drawing.childNodes):
        if child.nodeType == child.ELEMENT_NODE and child.tagName not in ("title", "desc"):
            nested.appendChild(doc.importNode(child, True))
    return nested
