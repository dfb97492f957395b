"""The table of live views (gui/views.py): every row's view speaks the protocol, the window
docks it as the row says, frames reach it at the row's cadence and only while it is on
screen, the dark switch reaches every view and the open race windows, and the data view's
switches redraw only when they change."""

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QScrollArea
from widget_lifetime import delete_widgets_at_a_safe_point as _delete_widgets
from widget_lifetime import shown

from playground.gui import views
from playground.gui.data_view import DataView
from playground.gui.frames import ViewSpec, compute_frame
from playground.gui.layer_frames import LayerSampler
from playground.gui.main_window import MainWindow
from playground.gui.race_window import RaceWindow
from playground.gui.theme import DARK, LIGHT, apply_theme
from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
from playground.session.document import Document
from playground.session.experiment import prepare

delete_widgets_at_a_safe_point = pytest.fixture(autouse=True)(_delete_widgets)

SPECS = {spec.name: spec for spec in views.VIEWS}


@pytest.fixture(autouse=True)
def light_theme():
    apply_theme(QApplication.instance(), LIGHT)
    yield
    apply_theme(QApplication.instance(), LIGHT)


def trained(hidden, n_classes):
    """(net, input names, frame) of a network trained a few epochs on blobs: 2-3-1 for two
    classes and hidden=(3,), 2-8-8-3 for three classes and hidden=(8, 8); n_classes "mdn": a
    1-5-9 mixture density network (K = 3) on the inverse problem."""
    if n_classes == "mdn":
        config = ExperimentConfig(data=DataConfig(generator="inverse_problem", n_points=120, seed=1),
                                  network=NetworkConfig(hidden=hidden, output="mdn", n_components=3))
    else:
        config = ExperimentConfig(data=DataConfig(generator="blobs", n_points=120, n_classes=n_classes, seed=1),
                                  network=NetworkConfig(hidden=hidden))
    document = Document.generated(config)
    experiment = prepare(document.config, dataset=document.dataset, split=document.split())
    trainer = experiment.make_trainer()
    snapshot = trainer.advance(5)
    d = experiment.dataset
    frame = compute_frame(trainer.net, experiment.features, d.kind, d.n_inputs, snapshot, ViewSpec(resolution=30),
                          1, False, 0.0)
    frame = LayerSampler(lambda: 0.0).attach(frame, trainer, False)  # as the worker does
    return trainer.net, ["x1", "x2"][:d.n_inputs], frame


NETS = {"2-3-1": ((3,), 2), "2-8-8-3": ((8, 8), 3), "1-5-9 mdn": ((5,), "mdn")}


# What each view shows of the weights of a frame, None when frames draw nothing in it: a new
# row in the table needs its probe here.
def _loss_drawn(view, net):
    return view.hover_text().startswith("epoch")


def _weights_drawn(view, net):
    counts = sum(int(view.histogram_data(k)[1].sum() + view.histogram_data(k)[2].sum())
                 for k in range(len(view.layer_labels())))
    assert counts in (0, net.n_params)
    return counts == net.n_params


def _diagram_drawn(view, net):
    assert view.node_count() == sum(net.layer_sizes)  # the layout survives clear
    return view.links_drawn() > 0


def _mixture_drawn(view, net):
    """None for a network without a mixture output: nothing of it to draw, the view says how to get one."""
    if net.output != "mdn":
        assert view.stack.currentWidget() is view.message and "mdn" in view.message.text()
        return None
    pi = view.pi_curves[0].xData
    return view.stack.currentWidget() is view.curves_page and pi is not None and len(pi) > 0


def _kernels_drawn(view, net):
    """The network's boundary beside the kernel machine's (the kernel machine needs training points);
    None for a mixture density network, which it does not compare."""
    if net.output == "mdn":
        return None
    x, _ = view.network_boundary.getData()
    return x is not None and len(x) > 0


def _backprop_drawn(view, net):
    return view.links_drawn() == sum(a * b for a, b in zip(net.layer_sizes, net.layer_sizes[1:]))


def _layers_drawn(view, net):
    drawn = len(view.histograms) == net.n_layers - 1 and len(view.epochs) > 0
    if drawn:
        assert all(abs(shares.sum() - 1.0) < 1e-12 for _, shares in view.histograms)
    return drawn


PROBES = {"loss": _loss_drawn, "weights": _weights_drawn, "diagram": _diagram_drawn, "hessian": None,
          "mdn": _mixture_drawn, "bayes": None, "prior": None, "layers": _layers_drawn, "trajectory": None,
          "kernels": _kernels_drawn, "sweeps": None, "backprop": _backprop_drawn}
FIRST_DRAWN_BY_A_FRAME = ("loss", "mdn", "layers", "kernels")  # an untrained network shows nothing in them yet
# Views that draw from work of their own (a worker of their own fed from the frames, or their sliders,
# or a comparison they run on request), not synchronously from a frame: their own tests check what
# they draw (tests/gui/test_bayes_view.py, test_trajectory_view.py, test_sweep_view.py).
OWN_WORK = {"bayes", "prior", "trajectory", "sweeps"}


def drawn(probe, view, net) -> bool:
    """What the probe sees; True where it does not apply to this network (it checked what it could)."""
    seen = probe(view, net)
    return True if seen is None else seen


def test_every_row_has_a_probe():
    assert set(PROBES) == set(SPECS)


def backgrounds(widget) -> set[str]:
    """The background colours of the pyqtgraph views in ``widget`` (itself one, perhaps)."""
    found = widget.findChildren(pg.GraphicsView) + ([widget] if isinstance(widget, pg.GraphicsView) else [])
    return {view.backgroundBrush().color().name() for view in found}


@pytest.mark.parametrize("name", list(SPECS))
@pytest.mark.parametrize("net_name", list(NETS))
def test_every_view_survives_theme_network_frame_and_clear(qtbot, name, net_name):
    spec = SPECS[name]
    view = shown(qtbot, spec.factory())
    net, names, frame = trained(*NETS[net_name])
    assert list(net.layer_sizes) == {"2-3-1": [2, 3, 1], "2-8-8-3": [2, 8, 8, 3], "1-5-9 mdn": [1, 5, 9]}[net_name]
    probe = PROBES[name]
    for theme in (DARK, LIGHT, DARK):
        view.set_theme(theme)
        assert backgrounds(view) == {theme.background.lower()}
    view.show_network(net, names)
    applies = probe is not None and probe(view, net) is not None
    if probe is not None:
        # an untrained network: the weight views show its weights as they are, the loss nothing yet
        assert drawn(probe, view, net) == (name not in FIRST_DRAWN_BY_A_FRAME or not applies)
    view.render_frame(frame)
    if probe is not None:
        assert drawn(probe, view, net)
        assert spec.every > 0  # frames draw it, so the window must hand it frames
    elif name not in OWN_WORK:
        assert spec.every == 0 and view.analysis is not None  # it draws an analysis' reports
    view.set_theme(LIGHT)  # a theme change keeps what is drawn
    if probe is not None:
        assert drawn(probe, view, net)
    view.clear()
    if probe is not None:
        assert not drawn(probe, view, net) or not applies
    view.render_frame(frame)  # and it draws again after a clear
    if probe is not None:
        assert drawn(probe, view, net)


def test_the_hessian_view_subscribes_to_the_hessian_analysis_and_clears_its_report(qtbot):
    view = shown(qtbot, SPECS["hessian"].factory())
    assert view.analysis == "hessian"
    assert all(SPECS[name].factory.analysis is None for name in ("loss", "weights", "diagram"))
    view.clear()
    assert view.report() is None
    assert "Recompute" in view.spectrum_placeholder.text()


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


def test_the_window_docks_every_row_as_the_table_says(window):
    for spec in views.VIEWS:
        assert getattr(window, f"{spec.name}_dock").isHidden() == spec.hidden  # hidden ones wait for their menu
    for live in window.live_docks:
        live.dock.show()  # Qt lists only shown docks among the tabified ones
    for spec in views.VIEWS:
        dock = getattr(window, f"{spec.name}_dock")
        view = getattr(window, spec.attribute)
        assert isinstance(view, spec.factory)
        assert dock.objectName() == spec.name and dock.windowTitle() == spec.title
        assert window.dockWidgetArea(dock) == spec.area
        held = dock.widget()
        assert (held.widget() if spec.scroll else held) is view
        assert isinstance(held, QScrollArea) == spec.scroll
        assert dock in window.docks
        others = {s.name for s in views.VIEWS if s.tab_group is not None and s.tab_group == spec.tab_group} - {spec.name}
        assert {d.objectName() for d in window.tabifiedDockWidgets(dock)} == others
    assert [live.view for live in window.live_docks] == [getattr(window, s.attribute) for s in views.VIEWS]
    assert views.subscribers(window, "hessian") == [window.hessian_view]
    assert (window.loss_plot, window.weights_plot, window.diagram, window.hessian_view) == tuple(
        getattr(window, a) for a in ("loss_plot", "weights_plot", "diagram", "hessian_view"))


def a_frame_of(qtbot, window, monkeypatch):
    """The frame the window draws after the Step button (the data view gets every frame)."""
    frames = []
    original = window.data_view.render
    monkeypatch.setattr(window.data_view, "render", lambda frame: (frames.append(frame), original(frame)))
    qtbot.waitUntil(lambda: window.step_action.isEnabled(), timeout=5000)
    window.step_action.trigger()
    qtbot.waitUntil(lambda: bool(frames) and frames[-1].snapshot.epoch >= 1, timeout=10000)
    return frames[-1]


def count_renders(window, monkeypatch, frames) -> dict[str, int]:
    """How often each view draws one of ``frames`` (not the frames the window's timer brings)."""
    counts = {spec.name: 0 for spec in views.VIEWS}
    for live in window.live_docks:
        original = live.view.render_frame

        def counting(frame, _name=live.spec.name, _original=original):
            counts[_name] += any(frame is f for f in frames)
            _original(frame)
        monkeypatch.setattr(live.view, "render_frame", counting)
    return counts


def test_running_frames_take_turns_and_skip_views_behind_a_tab(qtbot, window, monkeypatch):
    frame = a_frame_of(qtbot, window, monkeypatch)
    running = replace(frame, running=True)
    counts = count_renders(window, monkeypatch, [frame, running])
    window.diagram_dock.raise_()  # the weights, the Hessian and the mixture density are behind it
    qtbot.waitUntil(lambda: window.weights_dock.visibleRegion().isEmpty(), timeout=2000)
    assert window.weights_dock.isVisible()  # a tab behind another is visible to Qt: the region tells
    for _ in range(4):
        window.render_frame(running)
    assert counts == {"loss": 2, "diagram": 2, "weights": 0, "hessian": 0, "mdn": 0, "bayes": 0, "prior": 0, "layers": 0, "trajectory": 0, "kernels": 0, "sweeps": 0, "backprop": 0}
    window.weights_dock.raise_()
    qtbot.waitUntil(lambda: not window.weights_dock.visibleRegion().isEmpty(), timeout=2000)
    # The histograms were behind their tab since the window showed: raised, they lay out the
    # network they missed and draw the newest frame at once.
    assert counts == {"loss": 2, "diagram": 2, "weights": 1, "hessian": 0, "mdn": 0, "bayes": 0, "prior": 0,
                      "layers": 0, "trajectory": 0, "kernels": 0, "sweeps": 0, "backprop": 0}
    window.render_frame(running)  # two more frames: one for each side
    window.render_frame(running)
    assert counts == {"loss": 3, "diagram": 2, "weights": 2, "hessian": 0, "mdn": 0, "bayes": 0, "prior": 0, "layers": 0, "trajectory": 0, "kernels": 0, "sweeps": 0, "backprop": 0}  # the diagram is behind now
    window.render_frame(frame)  # paused: every visible view with frames to draw
    assert counts == {"loss": 4, "diagram": 2, "weights": 3, "hessian": 0, "mdn": 0, "bayes": 0, "prior": 0, "layers": 0, "trajectory": 0, "kernels": 0, "sweeps": 0, "backprop": 0}
    window.loss_dock.hide()
    window.render_frame(frame)
    assert counts == {"loss": 4, "diagram": 2, "weights": 4, "hessian": 0, "mdn": 0, "bayes": 0, "prior": 0, "layers": 0, "trajectory": 0, "kernels": 0, "sweeps": 0, "backprop": 0}


def test_frames_are_drawn_as_they_arrive_and_two_close_together_cost_one_drawing(qtbot, window, monkeypatch):
    from playground.gui.main_window import MIN_FRAME_GAP_MS
    frame = a_frame_of(qtbot, window, monkeypatch)
    qtbot.wait(2 * MIN_FRAME_GAP_MS)
    drawn = []
    original = window.data_view.render
    monkeypatch.setattr(window.data_view, "render", lambda f: (drawn.append(f), original(f)))
    first, second = replace(frame, running=True), replace(frame, running=True)
    window.controller._on_frame(first)  # as the worker's signal delivers them
    window.controller._on_frame(second)
    qtbot.waitUntil(lambda: bool(drawn), timeout=1000)
    qtbot.wait(2 * MIN_FRAME_GAP_MS)
    assert len(drawn) == 1 and drawn[0] is second  # the newer one, once
    window.controller._on_frame(first)  # right after a drawing: it waits for the gap, then draws
    qtbot.waitUntil(lambda: len(drawn) == 2, timeout=1000)
    assert drawn[1] is first


def test_the_dark_switch_reaches_every_view_and_the_open_race(qtbot, window):
    qtbot.waitUntil(lambda: window._experiment is not None, timeout=5000)
    race = window.open_race()
    assert isinstance(race, RaceWindow)
    try:
        assert backgrounds(race) == {LIGHT.background.lower()}
        for on, theme in ((True, DARK), (False, LIGHT)):
            window.dark_action.trigger()
            assert window.dark_action.isChecked() == on
            showing = [live for live in window.live_docks if views.on_screen(live.dock)]
            # one view per event-loop turn: the data view, each dock on screen, the race windows
            qtbot.waitUntil(lambda: all(backgrounds(w) == {theme.background.lower()}
                                        for w in [window.data_view, race, *(live.view for live in showing)]),
                            timeout=3000)
            for live in window.live_docks:  # a dock that did not show takes the theme when it shows
                if live not in showing:
                    live.dock.show()
                    live.dock.raise_()
                    qtbot.waitUntil(lambda: views.on_screen(live.dock), timeout=2000)
                    assert backgrounds(live.view) == {theme.background.lower()}, live.spec.name
            assert backgrounds(window.data_view) == {theme.background.lower()}
            assert backgrounds(race) == {theme.background.lower()}
            axis = race.steps_plot.getAxis("left")
            assert axis.textPen().color().name() == theme.foreground.lower()
            assert race.legend.opts["labelTextColor"].name() == theme.foreground.lower()
    finally:
        assert race.shutdown()
        race.close()


@pytest.mark.parametrize("switch, attribute", [("set_show_hidden", "show_hidden"),
                                               ("set_show_bayes", "show_bayes"),
                                               ("set_discretize", "discretize")])
def test_a_data_view_switch_redraws_only_when_it_changes(qtbot, monkeypatch, switch, attribute):
    view = shown(qtbot, DataView())
    _, _, frame = trained((3,), 2)
    view.render(frame)
    redraws = []
    original = view.render
    monkeypatch.setattr(view, "render", lambda f: (redraws.append(f), original(f)))
    set_switch = getattr(view, switch)
    start = getattr(view, attribute)
    set_switch(start)
    assert redraws == []  # unchanged: nothing to redraw
    set_switch(not start)
    assert redraws == [frame] and getattr(view, attribute) == (not start)
    set_switch(not start)
    assert redraws == [frame]
    set_switch(start)
    assert len(redraws) == 2 and getattr(view, attribute) == start


def test_with_history_swaps_only_another_history():
    _, _, frame = trained((3,), 2)
    assert views.with_history(frame, frame.snapshot.history) is frame
    assert views.with_history(frame, None) is frame
    other = replace(frame.snapshot.history)
    swapped = views.with_history(frame, other)
    assert swapped.snapshot.history is other and swapped.snapshot.weights is frame.snapshot.weights
    assert np.array_equal(swapped.grid_x, frame.grid_x)


def test_a_view_behind_a_tab_gets_a_new_network_when_its_tab_is_raised(qtbot, window):
    qtbot.waitUntil(lambda: window._experiment is not None, timeout=5000)
    window.diagram_dock.raise_()  # the weights histograms are behind it
    qtbot.waitUntil(lambda: window.weights_dock.visibleRegion().isEmpty(), timeout=2000)
    before = window.weights_plot.layer_labels()
    spin = window.network_panel.units_spins[0]
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "5")
    qtbot.keyClick(spin, Qt.Key_Return)  # as a user types a width: the network is rebuilt
    qtbot.waitUntil(lambda: window._experiment.net.layer_sizes[1] == 5, timeout=5000)
    assert window.diagram._sizes[1] == 5  # on screen: laid out at once
    assert window.weights_plot.layer_labels() == before  # behind its tab: not laid out while nobody sees it
    window.weights_dock.raise_()
    qtbot.waitUntil(lambda: window.weights_plot.layer_labels() != before, timeout=2000)
    assert window.weights_plot.layer_labels()[0] == "layer 1 (2→5)"


def test_a_big_network_reaches_the_views_on_screen_one_per_event_loop_turn(qtbot, window, monkeypatch):
    """Laying out an 8 x 256 network costs each view tens of ms: spread over turns of the event loop,
    the window answers between them (benchmarks/scale.py measures the freeze)."""
    qtbot.waitUntil(lambda: window._experiment is not None, timeout=5000)
    monkeypatch.setattr(views, "SPREAD_ABOVE", 10)  # every network counts as big here
    laid_out, turns = [], []
    for live in window.live_docks:
        original = live.view.show_network
        monkeypatch.setattr(live.view, "show_network",
                            lambda net, names, _name=live.spec.name, _f=original: (laid_out.append(_name), _f(net, names)))
    real_turn = views._show_next_pending

    def counted_turn(w):
        before = len(laid_out)
        real_turn(w)
        turns.append(len(laid_out) - before)
    monkeypatch.setattr(views, "_show_next_pending", counted_turn)
    from playground.gui import main_window

    frames = []
    real_render = main_window.render_views

    def counted_render(w, frame, count):
        before = len(laid_out)
        real_render(w, frame, count)
        frames.append(len(laid_out) - before)
    monkeypatch.setattr(main_window, "render_views", counted_render)
    spin = window.network_panel.units_spins[0]
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "5")
    qtbot.keyClick(spin, Qt.Key_Return)
    qtbot.waitUntil(lambda: window._experiment.net.layer_sizes[1] == 5, timeout=5000)
    on_screen = {live.spec.name for live in window.live_docks if views.on_screen(live.dock)}
    qtbot.waitUntil(lambda: on_screen <= set(laid_out), timeout=5000)
    assert window.diagram._sizes[1] == 5
    assert max(turns) == 1 and sum(turns) >= len(on_screen) - 1  # one view per turn (a frame may take one)
    assert max(frames, default=0) <= 1  # a frame drawn meanwhile lays out one at most
    # off screen: laid out when shown, or (a view of an analysis) when the window next looks for a
    # report (every REPORT_INTERVAL_MS)
    off_screen = {live.spec.name for live in window.live_docks if live.spec.name not in on_screen}
    assert set(window.pending_networks) <= off_screen
    qtbot.waitUntil(lambda: set(window.pending_networks) == off_screen - {"hessian"},
                    timeout=10 * main_window.REPORT_INTERVAL_MS)
    # a frame that comes before any turn: the views on screen all wait, and it lays out one of them
    qtbot.waitUntil(lambda: window.data_view.last_frame is not None, timeout=5000)
    laid_out.clear()
    net = window._experiment.net
    views.show_network(window, net, [f"x{i + 1}" for i in range(net.layer_sizes[0])])
    assert laid_out == []
    views.render_views(window, window.data_view.last_frame, 0)
    assert len(laid_out) == 1


def test_while_training_the_loss_curves_and_the_plots_tab_redraw_on_different_frames():
    """Each frame of a running trainer redraws one of the two tab groups the right column shows at
    once (the loss group and the plots group), whichever of their tabs is on top: the GUI thread's
    work per frame, taken from the trainer, stays that of one dock."""
    for count in range(12):
        groups = {spec.tab_group for spec in views.VIEWS
                  if spec.every and count % spec.every == spec.turn and spec.tab_group in ("loss", "plots")}
        assert len(groups) == 1, (count, groups)
