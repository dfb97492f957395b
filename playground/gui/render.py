"""Headless figures: a view of a trained experiment drawn offscreen and written as PNG or SVG.

``nn-playground render`` and ``--self-test`` use it. Each view is the app's own widget (the data
view, or a row of gui/views.py's table), given the trained network and one frame as the window
would give them, laid out at the asked size without ever appearing on a screen
(WA_DontShowOnScreen), and exported with pyqtgraph's exporters through gui/plots/export.py's
fixes; a view of several plots side by side is drawn whole by gui/figures.export_figure, as File >
Export figure draws it. ``write_figure`` is the one place that writes files.
"""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import replace

import numpy as np

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QWidget

from playground.core.diagnostics import layer_diagnostics, max_points_for, sample_rows
from playground.core.hessian_lab import compute_report
from playground.session.atomic import atomic_write_bytes

from .data_view import DataView
from .figures import _own_tabs, export_figure
from .frames import ViewSpec, compute_frame
from .plots import export as plot_export
from .plots.bayes_view import BayesOverlay
from .dock_settings import DOCK_SETTING_APPLIERS
from .plots.bayes_worker import BayesJob, BayesRequest, BayesSettings, compute_picture
from .theme import LIGHT, apply_theme
from .views import VIEWS

DATA_VIEW = "data"
# The Bayesian dock's figure is in the data view (the error bars, the moderated contours: PRML figs. 5.22-5.23):
# "bayes" draws the data view with that overlay, its posterior computed here rather than on the dock's worker.
BAYES_VIEW = "bayes"
# Views that draw a series of frames (the layers view's gradient norms against the epoch): render_command
# trains in HISTORY_FRAMES chunks and hands the earlier snapshots over.
HISTORY_VIEWS = ("layers",)
HISTORY_FRAMES = 30
VIEW_NAMES: tuple[str, ...] = (DATA_VIEW, *(spec.name for spec in VIEWS))
FIGURE_SUFFIXES = (".png", ".svg")
DEFAULT_SIZE = (800, 600)
MIN_SIZE, MAX_SIZE = 300, 8000  # the data view's own minimum; 8000 px is a poster


def offscreen_application() -> QApplication:
    """The QApplication, made for drawing offscreen when there is no display to draw on."""
    app = QApplication.instance()
    if app is not None:  # a running app (or a test's): its platform and theme stay
        return app
    x11 = os.name == "posix" and sys.platform != "darwin"  # macOS and Windows always have a screen
    chosen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    if x11 and not chosen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    qInstallMessageHandler(_quiet_offscreen)
    app = QApplication(["nn-playground"])
    gc.disable()  # collected at safe points only (_discard): no event loop runs here to do it on a timer
    apply_theme(app, LIGHT)  # figures for slides and print: the light theme, whatever the app remembers
    return app


def _quiet_offscreen(kind, context, message: str) -> None:
    """Qt's messages on stderr, less the offscreen plugin's notice that it cannot resize windows to hints."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def input_names(experiment) -> list[str]:
    if experiment.features:
        return list(experiment.features)
    return ["x1", "x2"][: experiment.dataset.n_inputs] if experiment.dataset.n_inputs > 1 else ["x"]


def build_view(name: str, experiment, document, net, snapshot, size: tuple[int, int], earlier=(),
               view_settings=None) -> QWidget:
    """The widget of view ``name`` showing ``net`` (at the snapshot's weights), laid out at ``size``, hidden.
    ``view_settings``: a lesson's, whose settings of this dock (sweeps, kernels, prior) are applied first."""
    if name in (DATA_VIEW, BAYES_VIEW):
        widget = DataView()
        widget.set_document(document)
        widget.fit_to(document.dataset.view_bounds)
    else:
        spec = next(s for s in VIEWS if s.name == name)
        if spec.output is not None and net.output != spec.output:
            raise ValueError(f"the {name} view draws only networks with output \"{spec.output}\"; "
                             f"this one has output \"{net.output}\"")
        widget = spec.factory()
        widget.show_network(net, input_names(experiment))
        if name in DOCK_SETTING_APPLIERS and (view_settings or {}).get(name):
            DOCK_SETTING_APPLIERS[name][1](widget, view_settings[name])
    try:
        _draw_into(widget, name, experiment, document, net, snapshot, size, earlier)
    except BaseException:
        _discard(widget)  # a half-drawn widget left to the interpreter's exit crashes it (exit 139)
        raise
    return widget


def _discard(widget: QWidget) -> None:
    shutdown = getattr(widget, "shutdown", None)  # a view's threads and processes (the Sweeps dock's pool)
    if callable(shutdown):
        shutdown()
    widget.close()
    widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # now, not at some later garbage collection
    # The wrappers left in reference cycles (pyqtgraph's menus, ...) go now, at a safe point: freed by the
    # collector later, inside Qt's signal disconnection of the next view, they deadlocked the self-test.
    gc.collect()


def _draw_into(widget: QWidget, name: str, experiment, document, net, snapshot, size: tuple[int, int],
               earlier=()) -> None:
    _show_hidden(widget, size)
    for before in earlier:  # the frames a live view saw on its way (the layers view's curves)
        _draw_frame(widget, name, experiment, document, net, before)
    frame, frame_net = _draw_frame(widget, name, experiment, document, net, snapshot)
    if name == BAYES_VIEW:
        _draw_bayes(widget, experiment, frame_net, snapshot, frame)
    if hasattr(widget, "compute_now"):  # a dock that fits on its own worker (kernels, sweeps, fig. 5.13): here, now
        widget.compute_now(experiment)
    if getattr(widget, "analysis", None) == "hessian":
        train = experiment.pair(experiment.split.train)
        if train is not None:
            report = compute_report(frame_net, *train, widget.request(), epoch=snapshot.epoch)
            if not report.ok:
                raise ValueError(report.reason)
            widget.show_report(report)
    _fit_plot(widget, size)


def _draw_frame(widget: QWidget, name: str, experiment, document, net, snapshot):
    frame_net = net.copy()
    frame_net.w[:] = snapshot.weights
    view = None
    if name in (DATA_VIEW, BAYES_VIEW):
        (x0, x1), (y0, y1) = widget.data_range()
        view = ViewSpec((x0, x1), (y0, y1), resolution=150)
    elif net.output == "mdn" or name == "kernels":  # drawn over the data's range, as the window's frames are
        # (the mixture's panels; the network's curve or boundary beside the kernel machine's)
        (x0, x1), (y0, y1) = document.dataset.view_bounds
        view = ViewSpec((x0, x1), (y0, y1), resolution=100)
    frame = compute_frame(frame_net, experiment.features, experiment.dataset.kind, experiment.dataset.n_inputs,
                          snapshot, view, experiment_id=0, running=False, epochs_per_second=0.0,
                          points=document.dataset.X)
    if name in HISTORY_VIEWS:
        train = experiment.pair(experiment.split.train)
        if train is not None and frame_net.n_layers >= 2:
            rows = sample_rows(len(train[0]), max_points_for(frame_net))
            frame = replace(frame, layers=layer_diagnostics(frame_net, train[0][rows], train[1][rows]))
    if name in (DATA_VIEW, BAYES_VIEW):
        widget.render(frame)
    else:
        widget.render_frame(frame)
    return frame, frame_net


def _draw_bayes(widget, experiment, net, snapshot, frame) -> None:
    """The Laplace approximation at the snapshot's weights, with the Bayesian dock's default alpha and beta,
    drawn over the data view as the dock draws it."""
    train = experiment.pair(experiment.split.train)
    if train is None or frame.grid_x is None:
        raise ValueError("the Bayesian view needs training points")
    job = BayesJob(0, net, train[0], train[1], experiment.features)
    request = BayesRequest(0, np.array(snapshot.weights), snapshot.epoch, frame.kind, np.array(frame.grid_x),
                           None if frame.grid_y is None else np.array(frame.grid_y))
    picture = compute_picture(job, BayesSettings(), request)
    if picture.kind == "none":
        raise ValueError(picture.message)
    overlay = BayesOverlay()
    widget.host_overlay(overlay)
    overlay.show(picture)


def _show_hidden(widget: QWidget, size: tuple[int, int]) -> None:
    widget.setAttribute(Qt.WA_DontShowOnScreen, True)
    widget.resize(*size)
    widget.show()  # on no screen (WA_DontShowOnScreen): layouts and resize events happen as in a window
    QApplication.processEvents()


def _fit_plot(widget: QWidget, size: tuple[int, int]) -> None:
    """Resize ``widget`` so that its plot (its largest graphics view) is ``size`` pixels; a figure of
    several plots (is_composite) is the widget itself at ``size``."""
    QApplication.processEvents()
    if is_composite(widget):
        for plot in widget.findChildren(pg.GraphicsView):  # the dock's minimum heights (it scrolls) do not bind a figure
            plot.setMinimumSize(0, 0)
        if widget.layout() is not None:
            widget.layout().activate()  # the widget's own minimum follows its layout's new one
        widget.resize(*size)
        QApplication.processEvents()
        return
    for _ in range(3):  # the controls around the plot take their part; grow the widget by that much
        view = figure_view(widget)
        dw, dh = size[0] - view.width(), size[1] - view.height()
        if dw == dh == 0:
            break
        widget.resize(widget.width() + dw, widget.height() + dh)
        QApplication.processEvents()


def is_composite(widget: QWidget) -> bool:
    """Is ``widget``'s figure several plots side by side (the layers view's three), not one plot?
    A view with tabs shows one tab's plot; File > Export figure draws such a figure whole too."""
    if isinstance(widget, pg.GraphicsView) or _own_tabs(widget) is not None:
        return False
    return len([v for v in widget.findChildren(pg.GraphicsView) if v.isVisibleTo(widget)]) > 1


def figure_view(widget: QWidget) -> pg.GraphicsView:
    """The graphics view that holds a view's figure: the widget itself or its largest visible one."""
    if isinstance(widget, pg.GraphicsView):
        return widget
    views = [v for v in widget.findChildren(pg.GraphicsView) if v.isVisibleTo(widget)]
    if not views:
        raise ValueError(f"{type(widget).__name__} shows no figure")
    return max(views, key=lambda v: v.width() * v.height())


def write_figure(widget: QWidget, path: str, size: tuple[int, int]) -> None:
    """Write the figure of ``widget`` to ``path``: PNG of ``size`` pixels or SVG, by the suffix; atomically.

    One plot goes through pyqtgraph's exporters at exactly ``size`` (antialiased, as they draw);
    several side by side through gui/figures.export_figure.
    """
    from pyqtgraph.exporters import ImageExporter, SVGExporter

    if is_composite(widget):  # the widget whole (sized by _fit_plot), its plots drawn by pyqtgraph in an SVG
        export_figure(widget, path)
        return
    plot_export.install()  # SVG with closed paths (pyqtgraph issue 3495)
    scene = figure_view(widget).scene()
    if path.lower().endswith(".svg"):
        data = SVGExporter(scene).export(toBytes=True)
    else:
        exporter = ImageExporter(scene)
        exporter.params.param("width").setValue(size[0], blockSignal=exporter.widthChanged)
        exporter.params.param("height").setValue(size[1], blockSignal=exporter.heightChanged)
        image = exporter.export(toBytes=True)
        data = _png_bytes(image)
    atomic_write_bytes(path, bytes(data))


def _png_bytes(image) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("the image could not be encoded as PNG")
    buffer.close()
    return bytes(array.data())


def render_figure(name: str, experiment, document, net, snapshot, path: str,
                  size: tuple[int, int] = DEFAULT_SIZE, earlier=(), view_settings=None) -> None:
    """Draw view ``name`` of the trained experiment offscreen and write it to ``path`` (.png or .svg);
    ``earlier``: snapshots before ``snapshot``, drawn first (HISTORY_VIEWS); ``view_settings``: a lesson's."""
    widget = build_view(name, experiment, document, net, snapshot, size, earlier, view_settings)
    try:
        write_figure(widget, path, size)
    finally:
        _discard(widget)


def image_size(path: str) -> tuple[int, int]:
    """Width and height of a PNG file, read from its header."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


