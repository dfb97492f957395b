"""What an SVG viewer shows where: the texts of an SVG and whether a later filled rectangle hides them.

A small reading of the SVG that Qt and pyqtgraph write (``matrix``/``translate`` transforms,
nested ``<svg>`` viewports, ``clip-path`` made of straight-line paths filled even-odd, widget
backgrounds as ``<rect>``), enough to tell whether a browser would show a text or paint over it.
Qt's own SVG renderer cannot tell: it ignores clipping.
"""

from __future__ import annotations

import re
import xml.dom.minidom
from dataclasses import dataclass

import numpy as np

_NUMBER = r"-?[\d.]+(?:e-?\d+)?"


def _transform(text: str) -> np.ndarray:
    m = np.eye(3)
    for name, args in re.findall(r"(matrix|translate|scale)\(([^)]*)\)", text or ""):
        v = [float(x) for x in re.findall(_NUMBER, args)]
        if name == "matrix":
            t = np.array([[v[0], v[2], v[4]], [v[1], v[3], v[5]], [0, 0, 1]])
        elif name == "translate":
            t = np.array([[1, 0, v[0]], [0, 1, v[1] if len(v) > 1 else 0], [0, 0, 1]])
        else:
            t = np.diag([v[0], v[1] if len(v) > 1 else v[0], 1])
        m = m @ t
    return m


def _polygons(d: str) -> list[list[tuple[float, float]]]:
    """The subpaths of a path of M, L and Z commands."""
    polygons: list[list[tuple[float, float]]] = []
    for command, args in re.findall(r"([MLZmlz])([^MLZmlz]*)", d):
        v = [float(x) for x in re.findall(_NUMBER, args)]
        if command == "M":
            polygons.append([])
        for x, y in zip(v[0::2], v[1::2]):
            polygons[-1].append((x, y))
    return polygons


def _inside_evenodd(point, polygons) -> bool:
    x, y = point
    crossings = 0
    for polygon in polygons:
        for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                crossings += 1
    return crossings % 2 == 1


@dataclass
class Clip:
    """A region in the figure's coordinates: a rectangle (a nested viewport) or clip-path polygons."""

    inverse: np.ndarray  # figure -> the clip's own coordinates
    polygons: list | None = None
    rect: tuple[float, float, float, float] | None = None

    def contains(self, point) -> bool:
        x, y, _ = self.inverse @ np.array([point[0], point[1], 1.0])
        if self.rect is not None:
            rx, ry, rw, rh = self.rect
            return rx <= x <= rx + rw and ry <= y <= ry + rh
        return _inside_evenodd((x, y), self.polygons)


@dataclass
class Painted:
    kind: str  # "text" or "rect"
    text: str
    point: tuple[float, float]  # text: a point on its first glyph; rect: its top-left corner
    corner: tuple[float, float]  # rect: its bottom-right corner
    clips: list[Clip]

    def shows(self, point) -> bool:
        (x0, y0), (x1, y1) = self.point, self.corner
        inside = min(x0, x1) <= point[0] <= max(x0, x1) and min(y0, y1) <= point[1] <= max(y0, y1)
        return inside and all(clip.contains(point) for clip in self.clips)


def painted(path) -> list[Painted]:
    """The texts and filled rectangles of the SVG at ``path``, in painting order, in its coordinates."""
    doc = xml.dom.minidom.parse(str(path))
    clip_paths = {c.getAttribute("id"): c for c in doc.getElementsByTagName("clipPath")}
    out: list[Painted] = []

    def walk(node, ctm, clips, fill, opacity):
        if node.nodeType != node.ELEMENT_NODE or node.tagName in ("defs", "clipPath", "title", "desc", "style"):
            return
        ctm = ctm @ _transform(node.getAttribute("transform"))
        if node.tagName == "svg" and node.parentNode.nodeType == node.ELEMENT_NODE:  # a nested viewport
            x, y = float(node.getAttribute("x") or 0), float(node.getAttribute("y") or 0)
            w, h = float(node.getAttribute("width")), float(node.getAttribute("height"))
            vx, vy, vw, vh = (float(v) for v in node.getAttribute("viewBox").split())
            ctm = ctm @ np.array([[w / vw, 0, x - vx * w / vw], [0, h / vh, y - vy * h / vh], [0, 0, 1]])
            clips = clips + [Clip(np.linalg.inv(ctm), rect=(vx, vy, vw, vh))]
        reference = re.match(r"url\(#([^)]+)\)", node.getAttribute("clip-path"))
        if reference:
            shape = clip_paths[reference.group(1)].getElementsByTagName("path")[0]
            clips = clips + [Clip(np.linalg.inv(ctm), polygons=_polygons(shape.getAttribute("d")))]
        fill = node.getAttribute("fill") or fill
        if node.hasAttribute("fill-opacity"):
            opacity = float(node.getAttribute("fill-opacity"))
        if node.tagName == "text":
            x, y = float(node.getAttribute("x") or 0), float(node.getAttribute("y") or 0)
            px, py, _ = ctm @ np.array([x + 2, y - 3, 1.0])
            out.append(Painted("text", "".join(t.data for t in node.childNodes if t.nodeType == t.TEXT_NODE),
                               (px, py), (px, py), clips))
        elif node.tagName == "rect" and fill not in ("none", "") and opacity > 0:
            x, y = float(node.getAttribute("x") or 0), float(node.getAttribute("y") or 0)
            w, h = node.getAttribute("width"), node.getAttribute("height")
            if w.endswith("%") or h.endswith("%"):
                return
            (x0, y0, _), (x1, y1, _) = ctm @ np.array([x, y, 1.0]), ctm @ np.array([x + float(w), y + float(h), 1.0])
            out.append(Painted("rect", "", (x0, y0), (x1, y1), clips))
        for child in node.childNodes:
            walk(child, ctm, clips, fill, opacity)

    walk(doc.documentElement, np.eye(3), [], "black", 1.0)
    return out


def visible_texts(path, within: tuple[float, float, float, float]) -> list[tuple[float, str]]:
    """The texts drawn inside ``within`` (x, y, width, height) that a viewer shows: not outside their
    clips, not covered by a filled rectangle painted after them; (x, text) in painting order."""
    items = painted(path)
    x0, y0, w, h = within
    shown = []
    for i, item in enumerate(items):
        px, py = item.point
        if item.kind != "text" or not (x0 <= px <= x0 + w and y0 <= py <= y0 + h):
            continue
        if all(clip.contains(item.point) for clip in item.clips) and \
                not any(later.kind == "rect" and later.shows(item.point) for later in items[i + 1:]):
            shown.append((px, item.text))
    return shown
