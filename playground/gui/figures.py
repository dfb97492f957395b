"""Figures: every view (and the whole window) to PNG at 1x-3x its on-screen size, to SVG, and to CSV.

One entry point, :func:`export_figure`, picks the format by suffix; the right-click menu of each
view, File > Export figure... and the headless ``render`` command all call it.

- PNG: the widget painted into an image of ``scale`` times its on-screen size with that device
  pixel ratio, so lines and text are drawn again at the higher resolution (crisp on a slide),
  not an enlarged screenshot.
- SVG: a figure that is one pyqtgraph scene goes through pyqtgraph's SVGExporter (curves as
  paths, with the closepath fix of gui/plots/export.py, pyqtgraph issue 3495); a figure made
  of several widgets (a Hessian tab, the window: menu bar, panels, docks) through QSvgGenerator,
  its plots through pyqtgraph's exporter again (gui/composite_svg.py says why).
- CSV: the visible curves of a plot (gui/plots/export.PlotCSVExporter), or for the data view
  the network's predictions on its grid (:func:`grid_csv`).

Which widget is a view's figure (:func:`figures_of`): a view with tabs has one figure per tab
(the tab's page); a view holding one pyqtgraph view is that plot (its readout and check boxes
belong to the screen, not to a slide); any other view is drawn whole. Views added to the table
in gui/views.py are covered without a change here. Every file is written atomically.
"""

from __future__ import annotations

import io
import os
import tempfile
import weakref
import xml.dom.minidom

import shiboken6
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import SVGExporter
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QMainWindow,
    QMenu,
    QTabWidget,
    QWidget,
)

from playground.core.params import FIGURE_PARAMETERS, check
from playground.session.atomic import atomic_write_bytes, atomic_write_text

from .composite_svg import composite_svg
from .plots import export as plot_export

SCALES = tuple(range(FIGURE_PARAMETERS["scale"].lo, FIGURE_PARAMETERS["scale"].hi + 1))  # 1x, 2x, 3x
SUFFIXES = (".png", ".svg", ".csv")


@dataclass(frozen=True)
class Figure:
    """One exportable figure: ``key`` ("data", "loss", "hessian/spectrum", "window"), a title for
    menus, the widget drawn, and ``select()`` that brings it on screen (its tab) before drawing."""

    key: str
    title: str
    widget: QWidget
    select: Callable[[], None] | None = None

    def formats(self) -> tuple[str, ...]:
        """The suffixes this figure can be written to (CSV only where there are data series)."""
        return (".png", ".svg", ".csv") if _has_csv(self.widget) else (".png", ".svg")


# ---------------------------------------------------------------------------- which figures
def _graphics_views(widget: QWidget) -> list[pg.GraphicsView]:
    found = [widget] if isinstance(widget, pg.GraphicsView) else []
    return found + widget.findChildren(pg.GraphicsView)


def _own_tabs(view: QWidget) -> QTabWidget | None:
    """The view's QTabWidget, when its tabs are the view's parts (not tabs of a nested widget)."""
    tabs = [t for t in view.findChildren(QTabWidget) if t.parentWidget() is view]
    return tabs[0] if len(tabs) == 1 else None


def figure_widget(view: QWidget) -> QWidget:
    """The widget that is the figure of ``view``: itself when it is a plot or holds several,
    else its only pyqtgraph view."""
    views = _graphics_views(view)
    return views[0] if len(views) == 1 else view


def figures_of(window) -> list[Figure]:
    """Every figure of the main window: the data view, each row of gui/views.VIEWS (one per tab of
    a tabbed view), then the whole window."""
    figures = [Figure("data", "Data view", window.data_view)]
    for live in window.live_docks:
        view, spec = live.view, live.spec
        tabs = _own_tabs(view)
        if tabs is None:
            figures.append(Figure(spec.name, spec.title, figure_widget(view), _raiser(live.dock)))
            continue
        for i in range(tabs.count()):
            name = tabs.tabText(i).replace("&", "")
            figures.append(Figure(f"{spec.name}/{name.lower()}", f"{spec.title}: {name}", tabs.widget(i),
                                  _raiser(live.dock, tabs, i)))
    figures.append(Figure("window", "Whole window", window))
    return figures


def _raiser(dock, tabs: QTabWidget | None = None, index: int = 0):
    def select():
        if not dock.isVisible():
            dock.show()
        dock.raise_()
        if tabs is not None:
            tabs.setCurrentIndex(index)
        QApplication.processEvents()  # lay the page out at its on-screen size before it is drawn
    return select


def find_figure(window, key: str) -> Figure:
    """The figure called ``key`` (see :func:`figures_of`); KeyError names the known ones."""
    for figure in figures_of(window):
        if figure.key == key:
            return figure
    raise KeyError(f"no figure {key!r}; known: {', '.join(f.key for f in figures_of(window))}")


# ---------------------------------------------------------------------------- drawing
def png_bytes(widget: QWidget, scale: float = 1) -> bytes:
    """``widget`` painted at ``scale`` times its on-screen size (device pixel ratio ``scale``), as PNG."""
    return _encode(render_image(widget, scale), "PNG")


def render_image(widget: QWidget, scale: float = 1) -> QImage:
    """``widget`` painted into a QImage of ``scale`` times its size, device pixel ratio ``scale``."""
    scale = check("scale", scale, FIGURE_PARAMETERS["scale"])
    size = widget.size()
    image = QImage(QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale))),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(widget.palette().window().color())
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        QWidget.render(widget, painter, QPoint(0, 0))  # QGraphicsView.render would draw the scene only
    finally:
        painter.end()
    return image


def _encode(image: QImage, fmt: str) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt):
        raise OSError(f"Qt could not encode the image as {fmt}")
    buffer.close()
    return bytes(data)


def svg_bytes(widget: QWidget) -> bytes:
    """``widget`` as SVG: pyqtgraph's exporter for one scene; for a composite widget (the window,
    a Hessian tab) Qt's drawing of its widgets with each visible plot drawn by pyqtgraph (gui/composite_svg.py)."""
    if isinstance(widget, pg.GraphicsView):
        plot_export.install()  # the closepath fix (pyqtgraph issue 3495)
        return _sized(SVGExporter(widget.scene()).export(toBytes=True), widget.size())
    return composite_svg(widget, svg_bytes)


def _sized(svg: bytes, size: QSize) -> bytes:
    """pyqtgraph's SVG with the width and height it lacks (without them a viewer stretches it to its window)."""
    doc = xml.dom.minidom.parseString(svg)
    doc.documentElement.setAttribute("width", f"{size.width()}px")
    doc.documentElement.setAttribute("height", f"{size.height()}px")
    return doc.toxml(encoding="utf-8")


# ---------------------------------------------------------------------------- CSV
def _plot_item(widget: QWidget):
    if isinstance(widget, pg.PlotWidget):
        return widget.getPlotItem()
    views = _graphics_views(widget)
    if len(views) == 1 and isinstance(views[0], pg.PlotWidget):
        return views[0].getPlotItem()
    return None


def _has_csv(widget: QWidget) -> bool:
    if hasattr(widget, "last_frame"):  # the data view: its grid predictions
        return True
    item = _plot_item(widget)
    return item is not None and any(getattr(i, "export_data", None) is not None or isinstance(i, pg.PlotDataItem)
                                    for i in item.listDataItems())


def grid_csv(frame) -> str:
    """The predictions of a data-view frame (gui/frames.Frame) on its grid, one row per grid point.

    Classification: x1, x2 and p(class k | x) for each class; a regression surface: x1, x2, y;
    a regression along x: x and y per output; a mixture density network: x, t and p(t | x) (PRML 5.148).
    """
    if frame is None or frame.grid_x is None:
        raise ValueError("there are no predictions yet: train or step the network first")
    gx = np.asarray(frame.grid_x, dtype=np.float64)
    if frame.probabilities is not None:
        p = frame.probabilities
        header = ["x1", "x2"] + [f"p_class{k}" for k in range(p.shape[2])]
        values = p.reshape(-1, p.shape[2])
    elif frame.surface is not None:
        header, values = ["x1", "x2", "y"], frame.surface.reshape(-1, 1)
    elif frame.density is not None:
        header, values = ["x", "t", "density"], frame.density.reshape(-1, 1)
    elif frame.curves is not None:
        header = ["x"] + [f"y{k}" for k in range(len(frame.curves))]
        return _csv(header, np.column_stack([gx, np.asarray(frame.curves, dtype=np.float64).T]))
    else:
        raise ValueError("this frame holds no predictions")
    XX, YY = np.meshgrid(gx, np.asarray(frame.grid_y, dtype=np.float64))  # row j is grid_y[j], as drawn
    return _csv(header, np.column_stack([XX.ravel(), YY.ravel(), np.asarray(values, dtype=np.float64)]))


def _csv(header: list[str], table: np.ndarray) -> str:
    out = io.StringIO()
    out.write(",".join(header) + "\n")
    np.savetxt(out, table, delimiter=",", fmt="%.9g")
    return out.getvalue()


def csv_text(widget: QWidget) -> str:
    """The CSV of a figure: the data view's grid predictions, or a plot's visible curves."""
    if hasattr(widget, "last_frame"):
        return grid_csv(widget.last_frame)
    item = _plot_item(widget)
    if item is None:
        raise ValueError("this figure has no data series to write as CSV")
    plot_export.install()
    exporter = plot_export.PlotCSVExporter(item)
    # CSVExporter writes to a file name only: write to a temporary folder and read it back.
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "curves.csv")
        exporter.export(path)
        with open(path, encoding="utf-8") as f:
            return f.read()


# ---------------------------------------------------------------------------- the one entry point
def export_figure(widget_or_view, path, scale: float = 1) -> str:
    """Write the figure of ``widget_or_view`` (a view, a plot, the window or a :class:`Figure`) to
    ``path``: PNG at ``scale`` times its on-screen size, SVG or CSV, by the suffix. Returns the path.
    ValueError for an unknown suffix or a figure without data for CSV."""
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"cannot write a figure as {suffix or 'a file without suffix'}: use .png, .svg or .csv")
    if isinstance(widget_or_view, Figure):
        if widget_or_view.select is not None:
            widget_or_view.select()
        widget = widget_or_view.widget
    elif isinstance(widget_or_view, QWidget):
        # the main window is drawn whole; a view (docked, or standalone as `render` makes it) is its figure
        widget = widget_or_view if isinstance(widget_or_view, QMainWindow) else figure_widget(widget_or_view)
    else:
        raise TypeError(f"export_figure takes a widget or a Figure, not {type(widget_or_view).__name__}")
    if suffix == ".png":
        atomic_write_bytes(path, png_bytes(widget, scale))
    elif suffix == ".svg":
        atomic_write_bytes(path, svg_bytes(widget))
    else:
        atomic_write_text(path, csv_text(widget))
    return path


# ---------------------------------------------------------------------------- menus and dialog
FORMAT_NAMES = {".png": "PNG image", ".svg": "SVG drawing", ".csv": "CSV data"}


def _ask_and_export(window, figure: Figure, suffix: str, scale: int = 1) -> str | None:
    """Ask where, write, and say so in the status line (a problem in a dialog, in plain words)."""
    from .file_actions import show_problem

    folder = getattr(window, "_last_dir", "") or os.getcwd()
    proposed = os.path.join(folder, f"{figure.key.replace('/', '-')}{'' if scale == 1 else f'@{scale}x'}{suffix}")
    path, _ = QFileDialog.getSaveFileName(window, f"Export {figure.title}", proposed,
                                          f"{FORMAT_NAMES[suffix]} (*{suffix})")
    if not path:
        return None
    if not os.path.splitext(path)[1]:
        path += suffix
    try:
        export_figure(figure, path, scale)
    except (OSError, ValueError) as err:
        show_problem(window, "Cannot export the figure", f"{path}: {err}")
        return None
    window._last_dir = os.path.dirname(path)
    window.show_notice(f"Exported {figure.title} to {path}")
    return path


def fill_menu(menu: QMenu, window, figure: Figure) -> None:
    """The export entries of one figure: PNG at each scale, SVG, CSV where it has data."""
    for scale in SCALES:
        menu.addAction(f"Export {figure.title} as PNG ({scale}x)…",
                       lambda s=scale: _ask_and_export(window, figure, ".png", s))
    menu.addAction(f"Export {figure.title} as SVG…", lambda: _ask_and_export(window, figure, ".svg"))
    if ".csv" in figure.formats():
        menu.addAction(f"Export {figure.title} as CSV…", lambda: _ask_and_export(window, figure, ".csv"))
    menu.addSeparator()
    whole = Figure("window", "Whole window", window)
    menu.addAction("Export the whole window as PNG (2x)…", lambda: _ask_and_export(window, whole, ".png", 2))


def context_menu_for(window, view_widget: QWidget) -> QMenu:
    """The right-click menu of a view: the figure under the pointer (its current tab) and the window."""
    figure = _figure_containing(window, view_widget)
    menu = QMenu(view_widget)
    menu.setObjectName("figure_menu")
    fill_menu(menu, window, figure)
    return menu


def _figure_containing(window, widget: QWidget) -> Figure:
    candidates = [f for f in figures_of(window) if f.key != "window"
                  and (f.widget is widget or f.widget.isAncestorOf(widget) or widget.isAncestorOf(f.widget))]
    visible = [f for f in candidates if f.widget.isVisible()]
    return (visible or candidates)[0]


def install_figures(window) -> None:
    """Give each view's plots a right-click menu with its exports (the data view paints and erases
    with the right button: there the menu opens on its axes and margins, not over the data)."""
    for figure in figures_of(window):
        if figure.key == "window":
            continue
        for view in _graphics_views(figure.widget):
            if getattr(view, "_figure_menu_installed", False):
                continue
            view._figure_menu_installed = True
            if _has_own_menu(view):
                _extend_pyqtgraph_menu(window, view)
                continue
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(
                lambda pos, v=view: _popup(window, v, pos))


def _has_own_menu(view: pg.GraphicsView) -> bool:
    """A plot whose pyqtgraph menu is on (the loss plot's View All, log scale, Export...)."""
    return isinstance(view, pg.PlotWidget) and view.getPlotItem().getViewBox().menuEnabled()


def _extend_pyqtgraph_menu(window, view: pg.PlotWidget) -> None:
    vb_menu = view.getPlotItem().getViewBox().menu
    submenu = vb_menu.addMenu("Export figure")
    # Weak references: pyqtgraph's menu has no Qt parent, and a connection holding the window
    # is a cycle through C++ that Python's collector cannot see (every closed window would stay).
    window_ref, view_ref = weakref.ref(window), weakref.ref(view)

    def fill() -> None:
        submenu.clear()
        window, view = window_ref(), view_ref()
        if window is not None and view is not None:
            fill_menu(submenu, window, _figure_containing(window, view))

    submenu.aboutToShow.connect(fill)

    def forget() -> None:  # the entries' actions hold the window too
        if shiboken6.isValid(submenu):  # at exit Qt may have deleted the menu first
            submenu.clear()
    view.destroyed.connect(forget)


def _popup(window, view: pg.GraphicsView, pos) -> QMenu | None:
    if view is getattr(window, "data_view", None):
        scene_pos = view.mapToScene(pos)
        if view.vb.sceneBoundingRect().contains(scene_pos):
            return None  # over the data: the right button erases
    menu = context_menu_for(window, view)
    window._figure_menu = menu  # tests read the menu shown last
    menu.popup(view.viewport().mapToGlobal(pos))
    return menu


class ExportFigureDialog(QDialog):
    """File > Export figure...: which figure, which format, which scale."""

    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Export figure")
        self.figures = figures_of(window)
        self.figure_combo = QComboBox(self)
        for figure in self.figures:
            self.figure_combo.addItem(figure.title, figure.key)
        self.format_combo = QComboBox(self)
        self.scale_combo = QComboBox(self)
        for scale in SCALES:
            self.scale_combo.addItem(f"{scale}x the size on screen", scale)
        self.scale_combo.setCurrentIndex(self.scale_combo.findData(2))  # a slide's usual need
        self.scale_combo.setToolTip("2x or 3x for slides and print: lines and text are drawn again, sharp")
        form = QFormLayout(self)
        form.addRow("Figure", self.figure_combo)
        form.addRow("Format", self.format_combo)
        form.addRow("PNG size", self.scale_combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.figure_combo.currentIndexChanged.connect(self._figure_changed)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self._figure_changed()

    def figure(self) -> Figure:
        return self.figures[self.figure_combo.currentIndex()]

    def suffix(self) -> str:
        return self.format_combo.currentData()

    def scale(self) -> int:
        return self.scale_combo.currentData()

    def _figure_changed(self, *args) -> None:
        keep = self.format_combo.currentData()
        self.format_combo.clear()
        for suffix in self.figure().formats():
            self.format_combo.addItem(FORMAT_NAMES[suffix], suffix)
        index = self.format_combo.findData(keep)
        self.format_combo.setCurrentIndex(max(0, index))
        self._format_changed()

    def _format_changed(self, *args) -> None:
        self.scale_combo.setEnabled(self.suffix() == ".png")


def open_export_dialog(window) -> ExportFigureDialog:
    """File > Export figure...: the dialog; on OK, ask for the file and write it."""
    dialog = ExportFigureDialog(window)
    window._export_figure_dialog = dialog  # tests drive the dialog the person sees
    dialog.accepted.connect(lambda: _ask_and_export(window, dialog.figure(), dialog.suffix(), dialog.scale()))
    dialog.open()
    return dialog
