"""The live views docked around the data view, as a table.

Every docked live view speaks one small protocol (:class:`LiveView`): a theme, a new
network, a frame, clear, and the background analysis whose reports it shows. The
main window builds a dock per row of :data:`VIEWS` and drives all of them through
the functions below, so adding a view is one new file in ``gui/plots/`` and one row
here. The data view is the central widget, not a dock: it gets every frame and every
theme change first, and is otherwise the window's own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Callable, Protocol

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget

from .plots.bayes_view import BayesView
from .plots.common import NEXT_TURN_MS
from .plots.backprop_view import BackpropView
from .plots.hessian_view import HessianView
from .plots.layers_view import LayersView
from .plots.kernel_view import KernelView
from .plots.loss_plot import LossPlot
from .plots.mdn_view import MixtureView
from .plots.network_diagram import NetworkDiagram
from .plots.prior_samples import PriorSamplesView
from .plots.trajectory_view import TrajectoryView
from .plots.sweep_view import SweepView
from .plots.weights_plot import WeightsPlot
from .race_window import RaceWindow


class LiveView(Protocol):
    """What the window asks of a docked live view."""

    analysis: str | None  # the background analysis whose reports it draws ("hessian"), or None

    def set_theme(self, theme) -> None:
        """Re-colour for playground.gui.theme.LIGHT / DARK."""

    def show_network(self, net, input_names: list[str]) -> None:
        """A new network (an MLP): lay it out and show it untrained, at its weights ``net.w``."""

    def render_frame(self, frame) -> None:
        """Draw what it shows of a frame (gui/frames.Frame) of the training run."""

    def clear(self) -> None:
        """Forget what it drew (no network to train)."""


@dataclass(frozen=True)
class LiveViewSpec:
    """One row of the table: how the window docks a view and how often it redraws.

    While training runs, a view redraws on the frames n with n % every == turn: the GUI
    thread holds the GIL while it draws, so every millisecond here is taken from the
    trainer, and views that take turns (every=2) each redraw 15 times a second at 30 frames
    a second (10 at full speed's 20). every=0: frames never redraw it (it draws its analysis'
    reports). A paused frame redraws every view with every > 0.
    """

    name: str  # the dock's object name (saved layouts refer to it); the window's <name>_dock
    attribute: str  # the window's attribute holding the view (window.loss_plot, ...)
    title: str
    factory: Callable[[], QWidget]
    area: Qt.DockWidgetArea = Qt.RightDockWidgetArea
    tab_group: str | None = None  # docks of one group share a place as tabs; the first is on top
    every: int = 1
    turn: int = 0
    scroll: bool = False  # scrolls when squeezed instead of squashing its controls
    output: str | None = None  # the output head it draws ("mdn"); None: any network
    hidden: bool = False  # starts hidden: its menu (or View) shows it when asked for


VIEWS: tuple[LiveViewSpec, ...] = (
    LiveViewSpec("loss", "loss_plot", "Loss", LossPlot, tab_group="loss", every=2, turn=0),
    LiveViewSpec("diagram", "diagram", "Network diagram", NetworkDiagram, tab_group="plots", every=2, turn=1),
    LiveViewSpec("weights", "weights_plot", "Weights", WeightsPlot, tab_group="plots", every=2, turn=1),
    LiveViewSpec("hessian", "hessian_view", "Hessian", HessianView, tab_group="plots", every=0, scroll=True),
    # Behind the loss curves: a fifth tab among the plots made a restored window grow by 12 pixels.
    LiveViewSpec("mdn", "mdn_view", "Mixture density", MixtureView, tab_group="loss", every=2, turn=0,
                 scroll=True, output="mdn"),
    # The labs' docks start hidden (View menu, or a lesson, shows them): eight tabs in one place
    # shrank every tab's title to a letter. Shown, each takes its place among the plots, and like
    # them redraws on the frames the loss curves skip (turn 1).
    LiveViewSpec("bayes", "bayes_view", "Bayesian", BayesView, tab_group="plots", every=2, turn=1, scroll=True,
                 hidden=True),
    LiveViewSpec("prior", "prior_view", "Prior samples", PriorSamplesView, tab_group="plots", every=0, scroll=True,
                 hidden=True),
    LiveViewSpec("layers", "layers_view", "Layers", LayersView, tab_group="plots", every=2, turn=1,
                 scroll=True, hidden=True),
    LiveViewSpec("trajectory", "trajectory_view", "Early stopping vs decay", TrajectoryView, tab_group="plots",
                 every=0, scroll=True, hidden=True),
    # wide, and asked for from the Compare menu: below the data view, hidden until then (tabified with the
    # other plots they would make the right column's restored height grow)
    LiveViewSpec("kernels", "kernel_view", "Kernels", KernelView, area=Qt.BottomDockWidgetArea, tab_group="compare",
                 every=2, turn=0, scroll=True, hidden=True),
    LiveViewSpec("sweeps", "sweep_view", "Sweeps", SweepView, area=Qt.BottomDockWidgetArea, tab_group="compare",
                 every=0, scroll=True, hidden=True),
    LiveViewSpec("backprop", "backprop_view", "Backprop", BackpropView, tab_group="plots", every=2, turn=1,
                 scroll=True, hidden=True),
)


@dataclass(frozen=True)
class LiveDock:
    """A built row: its spec, its dock and its view."""

    spec: LiveViewSpec
    dock: QDockWidget
    view: LiveView


def make_dock(window: QMainWindow, title: str, name: str, widget: QWidget, area, scroll: bool = False) -> QDockWidget:
    """A dock named ``name`` (its object name) holding ``widget``, added to ``area`` of ``window``."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    if scroll:
        holder = QScrollArea()
        holder.setWidget(widget)
        holder.setWidgetResizable(True)
        holder.setFrameShape(QFrame.NoFrame)
        widget = holder
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock


def build_view_docks(window: QMainWindow, specs=VIEWS) -> list[LiveDock]:
    """Make each row's view and dock, tabify the groups and remember them as
    ``window.live_docks``; the views and docks are also the window's attributes
    (``window.loss_plot``, ``window.loss_dock``, ...)."""
    built, groups = [], {}
    for spec in specs:
        view = spec.factory()
        dock = make_dock(window, spec.title, spec.name, view, spec.area, scroll=spec.scroll)
        setattr(window, spec.attribute, view)
        setattr(window, f"{spec.name}_dock", dock)
        live = LiveDock(spec, dock, view)
        dock.visibilityChanged.connect(partial(_dock_shown, window, live))
        built.append(live)
        if hasattr(view, "attach_window"):  # a view that draws in the data view too (bayes_view.py)
            view.attach_window(window)
        if hasattr(view, "attach"):  # a view that acts on the window (a sweep's dot loads its network)
            view.attach(window)
        if spec.tab_group is not None:
            groups.setdefault(spec.tab_group, []).append(dock)
    for docks in groups.values():
        for first, second in zip(docks, docks[1:]):
            window.tabifyDockWidget(first, second)
        docks[0].raise_()
    # A tab group takes the room of one dock: recompute the window's minimum size, which the layout
    # had summed over the docks stacked before they were tabified (10 docks: 625 px, too tall for 600).
    window.layout().invalidate()
    window.layout().activate()
    window.live_docks = built
    window.pending_networks = {}  # dock name -> (network, input names) it has yet to lay out
    window.pending_themes = {}  # dock name -> the theme it has yet to take
    hide_views_shown_on_request(window)
    return built


def hide_views_shown_on_request(window) -> None:
    """Hide the docks whose row says ``hidden`` (at start and on Reset layout)."""
    for live in window.live_docks:
        if live.spec.hidden:
            live.dock.hide()


def render_views(window, frame, count: int) -> None:
    """Draw ``frame`` (the ``count``-th frame rendered) into the data view and into the docked
    views whose turn it is and that are on screen: a dock behind another tab is still
    ``isVisible()``, only its visible region is empty."""
    window.data_view.render(frame)
    running = frame.running
    laid_out = False
    for live in window.live_docks:
        every = live.spec.every
        if every == 0 or (running and count % every != live.spec.turn):
            continue
        if not on_screen(live.dock):
            continue
        if live.spec.name in window.pending_networks:
            # A big network, spread over turns (show_network): one view lays it out in this turn, at
            # the weights it was built with; the others wait for a later frame or _show_next_pending.
            if not laid_out:
                laid_out = True
                show_pending_network(window, live)
            continue
        live.view.render_frame(frame)


def with_history(frame, history):
    """``frame`` with ``history`` as its snapshot's curves (an opened session's, before training goes on)."""
    if history is None or history is frame.snapshot.history:
        return frame
    return replace(frame, snapshot=replace(frame.snapshot, history=history))


# their entries in window.pending_themes, beside the docks' names
DATA_VIEW, RACE_WINDOWS = "data view", "race windows"


def set_theme(window, theme) -> None:
    """Re-colour the data view, every docked view and the race windows ``window`` opened.

    In a window on screen (whose palette ``apply_theme`` has just changed) the theme arrives over a
    few event-loop turns: the data view in the next, then one dock on screen per turn
    (``_theme_next``), and a dock that does not show when it shows (``_dock_shown``). All at once,
    with 100,000 points, froze the window for 100-180 ms; the palette's repaint takes ~60 ms of it
    alone, the data view's ~50 ms."""
    if not window.isVisible():
        window.pending_themes.clear()
        window.data_view.set_theme(theme)
        for live in window.live_docks:
            live.view.set_theme(theme)
        _theme_races(window, theme)
        return
    for name in (DATA_VIEW, RACE_WINDOWS, *(live.spec.name for live in window.live_docks)):
        window.pending_themes[name] = theme
    _in_next_turn(window, _theme_next)


def _theme_next(window) -> None:
    """The data view, or else one dock on screen, takes the theme it waits for; the next one in the
    next turn; the race windows last."""
    pending = window.pending_themes
    theme = pending.pop(DATA_VIEW, None)
    if theme is not None:
        window.data_view.set_theme(theme)
        _in_next_turn(window, _theme_next)
        return
    for live in window.live_docks:
        if live.spec.name in pending and on_screen(live.dock):
            live.view.set_theme(pending.pop(live.spec.name))
            _in_next_turn(window, _theme_next)
            return
    theme = pending.pop(RACE_WINDOWS, None)
    if theme is not None:
        _theme_races(window, theme)


def _theme_races(window, theme) -> None:
    for race in window.findChildren(RaceWindow):
        race.set_theme(theme)


def _in_next_turn(window, step) -> None:
    """``step(window)`` in a later turn of the event loop, after the repaint of this one."""
    QTimer.singleShot(NEXT_TURN_MS, window, partial(step, window))


def on_screen(dock: QDockWidget) -> bool:
    """Whether any of ``dock`` shows: a dock behind another tab is still ``isVisible()``, only its
    visible region is empty."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


# Above this many weights a new network reaches the views on screen one per turn of the event
# loop: the diagram, the histograms and the loss plot each take tens of ms for an 8 x 256 network
# (460,000 weights), and together they froze the window for 200 ms.
SPREAD_ABOVE = 20_000


def show_network(window, net, input_names: list[str]) -> None:
    """Every docked view shows the new, untrained network ``net``. In a window on screen, a view
    whose dock is behind another tab or closed gets it when its dock shows (``_dock_shown``), and
    a big network reaches the views on screen one per event-loop turn (``_show_next_pending``)."""
    pending = window.pending_networks
    kept = None  # one copy for all the docks that wait (an 8 x 256 copy costs a few ms)
    spread = window.isVisible() and net.n_params > SPREAD_ABOVE
    for live in window.live_docks:
        if window.isVisible() and (spread or not on_screen(live.dock)):
            kept = kept or (net.copy(), list(input_names))
            pending[live.spec.name] = kept
        else:
            pending.pop(live.spec.name, None)
            live.view.show_network(net, input_names)
    if spread:
        _in_next_turn(window, _show_next_pending)


def _show_next_pending(window) -> None:
    """One view on screen lays out the network it waits for; the next one in the next turn."""
    for live in window.live_docks:
        if live.spec.name in window.pending_networks and on_screen(live.dock):
            show_pending_network(window, live)
            _in_next_turn(window, _show_next_pending)
            return


def show_pending_network(window, live: LiveDock) -> None:
    """``live``'s view gets the network it has been waiting for, if any (before it draws a frame)."""
    waiting = window.pending_networks.pop(live.spec.name, None)
    if waiting is not None:
        live.view.show_network(*waiting)


def _dock_shown(window, live: LiveDock, visible: bool) -> None:
    """A dock came on screen (its tab raised, reopened): its view gets the network it missed and
    draws the newest frame, since frames skipped it while it was hidden and a paused run sends none."""
    if not visible:
        return
    theme = window.pending_themes.pop(live.spec.name, None)
    if theme is not None:
        live.view.set_theme(theme)
    show_pending_network(window, live)
    data_view = getattr(window, "data_view", None)
    frame = None if data_view is None else data_view.last_frame
    if frame is not None and live.spec.every > 0:
        live.view.render_frame(frame)


def show_experiment(window, experiment) -> None:
    """Views that need the training data (their own background work: Bayes, kernels, sweeps) get each
    newly built experiment."""
    for live in window.live_docks:
        if hasattr(live.view, "show_experiment"):
            live.view.show_experiment(experiment)


def shutdown_views(window) -> None:
    """Views with their own worker thread stop and join it (the window closes)."""
    for live in window.live_docks:
        if hasattr(live.view, "shutdown"):
            live.view.shutdown()


def clear_views(window) -> None:
    """Every docked view forgets what it drew."""
    for live in window.live_docks:
        live.view.clear()


def subscribers(window, analysis: str) -> list[LiveView]:
    """The docked views that draw the reports of ``analysis`` (e.g. "hessian")."""
    chosen = [live for live in window.live_docks if getattr(live.view, "analysis", None) == analysis]
    for live in chosen:  # a report is about the newest network: lay it out first
        show_pending_network(window, live)
    return [live.view for live in chosen]
