"""The main window: the data view in the middle, panels and plots in docks around it.

The window is glue. The document (points, split, config) lives in DocumentModel;
training lives in the worker thread behind TrainingController; each dock is a
view with set_* methods and change signals. The newest frame is drawn when it arrives
(about 30 a second, 20 at full speed), whatever the trainer's pace.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer, Slot
from PySide6.QtWidgets import QApplication, QMainWindow, QVBoxLayout, QWidget

from playground.session.config import DataConfig, ExperimentConfig
from playground.session.controller import Change, Rebuild, Refused, SessionController
from playground.session.document import (
    Document, default_document, empty_dataset,
)

from .actions import install_actions
from .augmented_points import AugmentedPoints
from .data_view import DataView
from .document_model import DocumentModel
from .drawing import DrawingTool
from .figures import install_figures
from .file_actions import FileActions
from .frames import ViewSpec
from .notices import Banner, StatusReadout, say
from .plots.backprop_view import connect_window as connect_backprop
from .plots.common import NEXT_TURN_MS
from .presentation import before_close
from .panels.data_panel import DataPanel
from .panels.network_panel import NetworkPanel
from .panels.regularization_panel import RegularizationPanel
from .panels.training_panel import TrainingPanel
from .race_window import open_race_window
from .settings import app_settings
from .theme import DARK, LIGHT, apply_theme
from . import views
from .views import (build_view_docks, clear_views, make_dock, render_views, set_theme,
                    show_experiment, show_network, shutdown_views, with_history)
from .window_fit import reset_window_layout, restore_window, save_window
from .worker import TrainingController

REPORT_INTERVAL_MS = 33  # how often the Hessian dock looks for a new report or progress
# Frames are drawn as they arrive (at most ~30 a second, 20 at full speed: gui/background.py), each
# at least this long after the last: two that arrive close together do not cost two redraws.
MIN_FRAME_GAP_MS = 25


def _settings() -> QSettings:
    return app_settings()




class MainWindow(QMainWindow):
    def __init__(self, document: Document | None = None, settings: QSettings | None = None,
                 autosave_dir: str | None = None):
        """``autosave_dir``: where crash-safe snapshots go (the app passes its data folder; None: no autosave)."""
        super().__init__()
        self.setWindowTitle("nn-playground")
        self.settings = settings if settings is not None else _settings()
        self.session_path: str | None = None
        self._net_template = None
        self._experiment = None
        self._rebuild_notice: str | None = None  # the banner text of the last failed rebuild
        self._last_snapshot = None
        self._turn = 0  # which secondary views draw the next running frame (render_frame)
        self._hessian_shown = False
        self._selected_unit = None
        self._speed = None

        self.model = DocumentModel(document if document is not None else default_document(), self)
        self.session = SessionController(self.model.document)  # what each edit means (rebuild, options)
        self.controller = TrainingController(self)
        self.tool = DrawingTool(self.model)
        self.files = FileActions(self, autosave_dir)  # title, unsaved changes, autosave

        self._report_timer = QTimer(self, interval=REPORT_INTERVAL_MS)
        self._report_timer.timeout.connect(self._show_hessian_news)
        self._frame_timer = QTimer(self, singleShot=True)
        self._frame_timer.timeout.connect(self._render_newest_frame)
        self._since_render = QElapsedTimer()
        self._view_timer = QTimer(self, singleShot=True, interval=80)  # coalesce zoom/resize steps
        self._view_timer.timeout.connect(self._send_view)
        self._rebuild_timer = QTimer(self, singleShot=True, interval=0)  # coalesce edits of one event
        self._rebuild_timer.timeout.connect(self._rebuild_experiment)

        self._build_central()
        self._build_docks()
        self._build_menus()
        self._build_status_bar()
        self._connect()

        self._default_state = self.saveState()
        self.layout().activate()  # the minimum size of the docks as tabbed now: restoreGeometry is clamped to it
        self._restore_settings()
        self._report_timer.start()

        self._show_document(self.model.document, fit=True)
        self._schedule_rebuild(reset=True, message="")
        self.files.mark_saved()  # the document as it opens is the baseline for unsaved changes

    # ================================================================== construction
    def _build_central(self) -> None:
        self.data_view = DataView()
        self.augmented_points = AugmentedPoints(self.data_view)  # transformed training points, faintly
        self.data_view.set_tool(self.tool)
        self.banner = Banner()  # a notice may offer its remedy (show_notice(fix=...))
        self.banner_label, self.banner_fix, self.banner_close = (self.banner.label, self.banner.fix_button,
                                                                 self.banner.close_button)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.data_view, 1)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        """The panels on both sides, then the live views of the table in gui/views.py."""
        self.data_panel = DataPanel()
        self.network_panel = NetworkPanel()
        self.training_panel = TrainingPanel()
        self.regularization_panel = RegularizationPanel()
        L, R = Qt.LeftDockWidgetArea, Qt.RightDockWidgetArea
        self.data_dock = make_dock(self, "Data", "data", self.data_panel, L, scroll=True)
        self.network_dock = make_dock(self, "Network", "network", self.network_panel, L, scroll=True)
        self.training_dock = make_dock(self, "Training", "training", self.training_panel, R, scroll=True)
        self.regularization_dock = make_dock(self, "Regularization", "regularization", self.regularization_panel, R,
                                             scroll=True)
        self.tabifyDockWidget(self.training_dock, self.regularization_dock)
        self.training_dock.raise_()
        view_docks = [live.dock for live in build_view_docks(self)]  # window.loss_plot, window.loss_dock, ...
        self.trajectory_view.experiment_source = lambda: self._experiment  # fig. 5.13 trains on the current data
        self.docks = [self.data_dock, self.network_dock, self.training_dock, self.regularization_dock, *view_docks]
        self.resizeDocks([self.data_dock, self.training_dock], [300, 400], Qt.Horizontal)

    def _build_menus(self) -> None:
        install_actions(self)  # the tables are in gui/actions/; each action is window.<id>, e.g. window.play_action
        install_figures(self)  # each view's right-click export menu (gui/figures.py)

    def _build_status_bar(self) -> None:
        self.readout = StatusReadout(self.statusBar())
        self.epoch_label = self.readout.epoch_label

    def _connect(self) -> None:
        self.model.sigDocumentChanged.connect(self._document_changed)
        self.controller.sigStopped.connect(self._trainer_stopped)
        self.controller.sigFrameReady.connect(self._frame_ready)
        self.controller.sigRunningChanged.connect(self.training_panel.set_running)
        self.data_view.sigViewChanged.connect(self._view_timer.start)
        dp = self.data_panel
        dp.sigClassChanged.connect(self._class_changed)
        dp.sigNumClassesChanged.connect(self._num_classes_changed)
        dp.sigBrushRadiusChanged.connect(self._brush_changed)
        dp.sigClearRequested.connect(self.clear_points)
        dp.sigModeChanged.connect(self._mode_changed)
        dp.sigGenerateRequested.connect(self._generate)
        dp.sigSplitChanged.connect(self._split_changed)
        dp.sigShowTestChanged.connect(self.test_action.setChecked)
        dp.sigFeaturesChanged.connect(self._features_changed)
        self.network_panel.sigNetworkChanged.connect(self._network_changed)
        tp = self.training_panel
        tp.sigTrainingChanged.connect(self._training_changed)
        tp.sigPlayToggled.connect(self.play)
        tp.sigStepRequested.connect(self.step)
        tp.sigResetRequested.connect(self.reset_weights)
        tp.sigSpeedChanged.connect(self._speed_changed)
        rp = self.regularization_panel
        rp.sigRegularizationChanged.connect(self._regularization_changed)
        rp.sigEarlyStoppingChanged.connect(self._early_stopping_changed)
        self.diagram.sigUnitClicked.connect(self._unit_clicked)
        self.hessian_view.sigRequestChanged.connect(self._hessian_request_changed)
        self.hessian_view.sigRecomputeNow.connect(self.controller.recompute_hessian)
        self.hessian_dock.visibilityChanged.connect(self._hessian_visibility_changed)
        connect_backprop(self)  # clicks in the data view pick a point for it; the diagram's symmetry menu

    # ================================================================== settings (window_fit.py)
    def _restore_settings(self) -> None:
        restore_window(self)

    def _save_settings(self) -> None:
        save_window(self)

    def reset_layout(self) -> None:
        reset_window_layout(self)

    # ================================================================== document -> views
    def _show_document(self, document: Document, fit: bool = False) -> None:
        self.data_view.set_document(document)
        d = document.dataset
        self.data_panel.set_data_config(document.config.data, shown=d.name)
        self.data_panel.set_dataset_info(d.kind, d.n_inputs, d.n_classes, d.n)
        self.network_panel.set_network_config(document.config.network)
        features = document.config.data.features
        self.network_panel.set_problem(d, n_inputs=len(features) if features else d.n_inputs)
        self.training_panel.set_training(document.config.training)
        self.regularization_panel.set_regularization(document.config.training.regularization)
        self.augmented_points.show(document)
        self.regularization_panel.set_early_stopping(document.config.training.early_stopping)
        self.regularization_panel.set_has_validation(document.counts()[1] > 0)
        self.bayes_action.setEnabled(d.bayes_posterior is not None)
        if fit:
            self.zoom_to_data()

    @Slot(object, object)
    def _document_changed(self, new: Document, old: Document) -> None:
        rebuild_due = self.session.observe(new, old)  # points, parts, network or features changed
        self._show_document(new, fit=False)
        if rebuild_due:
            self._rebuild_timer.start()

    def _schedule_rebuild(self, reset: bool, message: str | None) -> None:
        self.session.schedule(Rebuild(reset, message))
        self._rebuild_timer.start()

    @property
    def _rebuild_pending(self) -> bool:
        return self.session.rebuild_pending

    @property
    def _restored_weights(self):
        return self.session.restored_weights  # an opened session's, for the next rebuild

    @_restored_weights.setter
    def _restored_weights(self, weights) -> None:
        self.session.restored_weights = weights

    def _carry_out(self, change: Change) -> bool:
        """Do what the session controller decided: refuse in words, or schedule the rebuild, edit
        (undoably for data) and update the trainer's options. True when something changed."""
        if change.refusal:
            self.show_notice(change.refusal, banner=True)
        if change.rebuild is not None:
            self._schedule_rebuild(change.rebuild.reset, change.rebuild.notice)
        if change.document is not None and change.undo_text is None:
            self.model.set_config(change.document.config)
        elif change.document is not None:
            self.model.edit(change.document, change.undo_text)
        if change.options is not None:
            self.controller.update_options(**change.options)
        if change.fit_view:
            self.zoom_to_data()
        return change.changes

    @Slot()
    def _rebuild_experiment(self) -> None:
        """Hand the worker a trainer for the current document (weights kept when only points changed)."""
        rebuild, head_config = self.session.take_rebuild()
        if head_config is not None:  # the head follows the data when its kind changed (PRML 5.2)
            self.model.set_config(head_config)
            self.session.settle()  # that change is built here and now
            self._rebuild_timer.stop()
        current = None if self._last_snapshot is None else self._last_snapshot.weights
        built = self.session.build(rebuild, current)
        if isinstance(built, Refused):
            self._experiment = None
            self.controller.clear_job()  # its frames would bring the old network's shading back
            self._clear_trained_views(built.experiment)
            fix = None if built.fix is None else (built.fix, self._use_matched_head)
            self.show_notice(built.message, banner=True, fix=fix)
            self._rebuild_notice = self.banner_label.text()
            return
        experiment = self._experiment = built.experiment
        self._net_template = experiment.net.copy()
        show_experiment(self, experiment)
        if built.new_network:
            self._clear_trained_views(experiment)
        else:
            self._last_snapshot = None
            self.diagram.set_network(self._net_template, self._input_names(experiment))
            self.weights_plot.set_network(self._net_template)
            self.loss_plot.clear()
        if self._selected_unit is not None and not self._unit_exists(self._selected_unit):
            self._selected_unit = None
        self.controller.set_job(built.trainer, experiment.features, experiment.dataset.kind,
                                experiment.dataset.n_inputs, experiment.dataset.X)
        self._send_view()
        if self.controller.running:
            self.controller.play(True)
        if built.notice:
            self.show_notice(built.notice)
        self._hide_rebuild_notice()

    def _hide_rebuild_notice(self) -> None:
        """The banner said why there was nothing to train (no training points yet): it goes now,
        but not under a stroke in progress (the data view would move under the pointer)."""
        if self._rebuild_notice is None:
            return
        if self.banner_label.text() != self._rebuild_notice:
            self._rebuild_notice = None
        elif self.tool.active:
            QTimer.singleShot(100, self, self._hide_rebuild_notice)
        else:
            self.banner.hide()
            self._rebuild_notice = None

    @staticmethod
    def _input_names(experiment) -> list[str]:
        if experiment.features:
            return list(experiment.features)
        return ["x1", "x2"][: experiment.dataset.n_inputs] if experiment.dataset.n_inputs > 1 else ["x"]

    def _clear_trained_views(self, experiment=None) -> None:
        """Forget what the previous network drew: shading and curves, loss, weights, Hessian, status.

        With ``experiment`` (its network built, perhaps without training points yet) the diagram
        and histograms show that network's initial weights instead.
        """
        self._last_snapshot = None
        self.data_view.clear_overlays()
        if experiment is not None:
            show_network(self, experiment.net, self._input_names(experiment))
        else:
            clear_views(self)
        self.readout.clear()

    def _unit_exists(self, unit) -> bool:
        layer, index = unit
        net = self._net_template
        return net is not None and 0 <= layer < net.n_layers - 1 and 0 <= index < net.layer_sizes[layer + 1]

    # ================================================================== frames
    def _send_view(self) -> None:
        (x0, x1), (y0, y1) = self.data_view.data_range()
        if not all(math.isfinite(v) for v in (x0, x1, y0, y1)) or x1 <= x0 or y1 <= y0:
            return
        sensitivity = self.backprop_view.sensitivity_check.isChecked() and self.backprop_dock.isVisible()
        self.controller.set_view(ViewSpec((x0, x1), (y0, y1), 100, self._selected_unit, self.hidden_action.isChecked(),
                                          sensitivity))
        self.data_view._draw_true_function()

    @Slot()
    def _show_hessian_news(self) -> None:
        report = self.controller.take_hessian()
        progress = self.controller.hessian_progress() if report is None else None
        for view in views.subscribers(self, "hessian"):
            if report is not None:
                view.show_report(report)  # a report with nothing to show says why
            else:
                view.show_progress(progress)

    @Slot()
    def _frame_ready(self) -> None:
        """A frame arrived: draw it in the next turn, or MIN_FRAME_GAP_MS after the last one drawn."""
        if self._frame_timer.isActive():
            return  # the newest frame is the one drawn when the timer fires
        since = self._since_render.elapsed() if self._since_render.isValid() else MIN_FRAME_GAP_MS
        self._frame_timer.start(max(NEXT_TURN_MS, MIN_FRAME_GAP_MS - since))

    @Slot()
    def _render_newest_frame(self) -> None:
        frame = self.controller.take_frame()
        if frame is None:
            return
        self._since_render.start()
        self.render_frame(frame)

    @Slot(bool)
    def _hessian_visibility_changed(self, visible: bool) -> None:
        if not getattr(self, "_hessian_cancel_connected", False):  # once: the view's Cancel button
            self.hessian_view.sigCancel.connect(self.controller.cancel_hessian)
            self._hessian_cancel_connected = True
        self._hessian_shown = visible
        self._hessian_request_changed()

    def _hessian_request_changed(self, *args) -> None:
        """The worker computes Hessian reports only while the Hessian dock is on screen."""
        if self._hessian_shown:
            self.controller.set_hessian(self.hessian_view.request(), self.hessian_view.interval())
        else:
            self.controller.set_hessian(None)

    def render_frame(self, frame) -> None:
        self._last_snapshot = frame.snapshot
        self._turn += 1  # while training, the views take turns (gui/views.py, LiveViewSpec)
        render_views(self, with_history(frame, self.files.history_to_show(frame.snapshot)), self._turn)
        self.readout.show(frame)

    # ================================================================== notices
    def show_notice(self, text: str, banner: bool = False, fix=None) -> None:
        """Say ``text`` in the status bar (and the banner); ``fix`` = (button text, callable)
        offers the remedy on the banner."""
        say(self.statusBar(), self.banner if banner else None, text, fix)

    def _use_matched_head(self) -> None:
        self._carry_out(self.session.use_matched_head())

    @Slot(str, str)
    def _trainer_stopped(self, status: str, message: str) -> None:
        """Divergence, early stopping, a refused option or an internal error: say it plainly."""
        self.show_notice(message, banner=True)

    # ================================================================== training
    def toggle_play(self) -> None:
        self.play(not self.controller.running)

    @Slot(bool)
    def play(self, running: bool) -> None:
        if running and self._experiment is None:
            self.training_panel.set_running(False)
            if self._rebuild_pending:
                self._rebuild_experiment()
            if self._experiment is None:
                return
        if running:
            self.banner.hide()
        self.controller.play(running)

    @Slot()
    def step(self) -> None:
        if self._experiment is not None:
            self.banner.hide()
            self.controller.step(1)

    @Slot()
    def reset_weights(self) -> None:
        if self._experiment is not None:
            self.controller.reset(self.model.document.config.network.seed)
            self.loss_plot.clear()
            self.show_notice("Weights re-initialised.")

    @Slot()
    def open_race(self):
        """The optimiser race, starting from the current weights on the training points."""
        experiment = self._experiment
        train = experiment.pair(experiment.split.train) if experiment is not None else None
        if train is None:
            self.show_notice("Nothing to race: draw or generate some training points first.", banner=True)
            return None
        net = self._net_template.copy()
        if self._last_snapshot is not None:
            net.w[:] = self._last_snapshot.weights
        self.controller.play(False)  # one race at a time keeps both fair and the window smooth
        return open_race_window(self, net, *train, l2=self._config().training.regularization.l2)

    @Slot(object)
    def _speed_changed(self, epochs_per_frame) -> None:
        self._speed = epochs_per_frame
        self.controller.set_speed(epochs_per_frame)

    # ================================================================== panel edits
    def _config(self) -> ExperimentConfig:
        return self.model.document.config

    # Each edit asks the session controller what it means, then carries that out (_carry_out).
    @Slot(object)
    def _training_changed(self, options) -> None:
        self._carry_out(self.session.training_changed(options))

    @Slot(object)
    def _regularization_changed(self, regularization) -> None:
        if not self._carry_out(self.session.regularization_changed(regularization)):  # refused: show what holds
            self.regularization_panel.set_regularization(self._config().training.regularization)

    @Slot(object)
    def _early_stopping_changed(self, early) -> None:
        self._carry_out(self.session.early_stopping_changed(early))

    @Slot(object)
    def _network_changed(self, network) -> None:
        self._carry_out(self.session.network_changed(network))

    @Slot(object)
    def _features_changed(self, features) -> None:
        self._carry_out(self.session.features_changed(features))

    @Slot(object)
    def _generate(self, data_config: DataConfig) -> None:
        self._carry_out(self.session.generate(data_config))

    @Slot(object)
    def _split_changed(self, value) -> None:
        self._carry_out(self.session.split_changed(*value))

    @Slot(int)
    def _class_changed(self, k: int) -> None:
        self.tool.current_class = k

    def select_class(self, k: int) -> None:
        dataset = self.model.document.dataset
        if dataset.kind == "classification" and k < dataset.n_classes:
            self.data_panel.select_class(k)
            self.tool.current_class = k

    @Slot(int)
    def _num_classes_changed(self, n: int) -> None:
        if self._carry_out(self.session.num_classes_changed(n)) and self.tool.current_class >= n:
            self.select_class(0)

    @Slot(float)
    def _brush_changed(self, radius: float) -> None:
        self.tool.brush_radius = radius

    @Slot(str)
    def _mode_changed(self, mode: str) -> None:
        self._carry_out(self.session.mode_changed(mode))

    def clear_points(self) -> None:
        self._carry_out(self.session.clear_points())

    def new_drawing(self) -> None:
        if not self.files.new_drawing():  # unsaved changes: save, discard or cancel
            return
        kind = self.model.document.dataset.kind
        doc = Document.with_new_dataset(empty_dataset(kind), ExperimentConfig())
        self.session_path = None
        self._schedule_rebuild(reset=True, message="New drawing.")
        self.model.reset(doc)
        self.files.mark_saved()  # an empty new drawing has nothing to lose
        self.zoom_to_data()

    @Slot(int, int)
    def _unit_clicked(self, layer: int, unit: int) -> None:
        self._selected_unit = None if layer < 0 else (layer, unit)
        self._send_view()

    def _toggle_hidden(self, on: bool) -> None:
        self.data_view.set_show_hidden(on)
        self._send_view()

    def _toggle_test_points(self, on: bool) -> None:
        self.data_view.set_show_test(on)
        self.data_panel.set_show_test(on)

    def _toggle_dark(self, on: bool) -> None:
        theme = DARK if on else LIGHT
        apply_theme(QApplication.instance(), theme)
        set_theme(self, theme)  # the data view, the table's views and open race windows
        self.controller.request_frame()

    def zoom_to_data(self) -> None:
        self.data_view.fit_to(self.model.document.dataset.view_bounds)

    # ================================================================== files (file_actions.py)
    def open_session(self, path: str | None = None) -> bool:
        return self.files.open_session(path)

    def save_session(self) -> bool:
        return self.files.save_session()

    def save_session_as(self, path: str | None = None) -> bool:
        return self.files.save_session_as(path)

    def import_csv(self, path: str | None = None) -> bool:
        return self.files.import_csv(path)

    def export_csv(self, path: str | None = None) -> bool:
        return self.files.export_csv(path)

    # ================================================================== closing
    def closeEvent(self, event) -> None:
        if not self.files.may_close():  # cancelled: the window stays, the document unchanged
            event.ignore()
            return
        self._report_timer.stop()
        self._frame_timer.stop()
        before_close(self)  # out of presentation mode: the normal layout is the one remembered
        self._save_settings()
        self.controller.shutdown()
        shutdown_views(self)
        super().closeEvent(event)

