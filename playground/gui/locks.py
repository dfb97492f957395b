"""Control locks: a lesson or the teacher locks controls by name (session/lessons.CONTROLS).

The one mapping name -> widgets (and the menu actions that do the same thing) lives here. A locked
control is greyed, with a tooltip saying who locked it; in presentation mode it is hidden, with its
form label, and a side panel left with nothing unlocked is hidden too. The panels switch some of
their widgets on and off themselves, so the locks are laid on again after every document change.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QFormLayout, QGroupBox, QLineEdit, QWidget,
)

from playground.session.lessons import CONTROLS

from .panels.widgets import LOCKED, WANTED
from .plots.backprop_view import refresh_tool


def _training(w):
    return w.training_panel


def _section(section) -> list:
    """A collapsible section (panels/widgets.Section) as a control: it, its header and every field in it, so
    that each says it is locked and presentation mode hides the whole section. The section comes last: a
    child is saved (enabled or not) before its parent greys it."""
    form = section.form
    fields = [form.itemAt(row, QFormLayout.FieldRole) for row in range(form.rowCount())]
    return [*(item.widget() for item in fields if item is not None and item.widget() is not None), section.button,
            section]


# name -> the widgets of that control (window -> list of QWidgets)
CONTROL_WIDGETS = {
    "play": lambda w: [w.training_panel.play_button],
    "step": lambda w: [w.training_panel.step_button],
    "reset": lambda w: [w.training_panel.reset_button],
    "speed": lambda w: [w.training_panel.speed_slider, w.training_panel.speed_label],
    "optimizer": lambda w: [_training(w).optimizer_combo, _training(w).settings_section],
    "learning_rate": lambda w: [_training(w).lr_input],
    "batch_size": lambda w: [_training(w).batch_spin],
    "schedule": lambda w: [_training(w).schedule_section],
    "hidden_layers": lambda w: [*w.network_panel.units_spins, *w.network_panel.activation_combos,
                                w.network_panel.add_button, w.network_panel.remove_button],
    "output": lambda w: [w.network_panel.output_combo, w.network_panel.components_spin],
    "initialisation": lambda w: [w.network_panel.init_section],
    "data_preset": lambda w: [w.data_panel.preset_combo, w.data_panel.points_spin, w.data_panel.noise_spin,
                              w.data_panel.seed_spin, w.data_panel.preset_classes_spin, w.data_panel.regenerate_button],
    "drawing": lambda w: [w.data_panel.mode_combo, w.data_panel.class_row, w.data_panel.brush_slider,
                          w.data_panel.brush_spin, w.data_panel.clear_button],
    "split": lambda w: [w.data_panel.train_spin, w.data_panel.val_spin, w.data_panel.test_spin,
                        w.data_panel.split_seed_spin],
    "features": lambda w: [w.data_panel.features_grid.parentWidget()],
    "l2": lambda w: [w.regularization_panel.l2_mode, w.regularization_panel.l2_input,
                     *w.regularization_panel.group_spins.values()],
    "l1": lambda w: [w.regularization_panel.l1_input],
    "early_stopping": lambda w: [w.regularization_panel.es_check, w.regularization_panel.patience_spin,
                                 w.regularization_panel.min_delta_spin, w.regularization_panel.restore_check],
    "race": lambda w: [],
    "dropout": lambda w: [w.regularization_panel.dropout_spin],
    "invariance": lambda w: _section(w.regularization_panel.invariance.section),
    "weight_sharing": lambda w: _section(w.regularization_panel.invariance.sharing_section),
    "prior": lambda w: list(w.prior_view.sliders.values()),
    "bayes": lambda w: [w.bayes_view.show_box, w.bayes_view.alpha_box, w.bayes_view.beta_box, w.bayes_view.hessian_box,
                        w.bayes_view.group_box, w.bayes_view.every_box],
    "evidence": lambda w: [w.bayes_view.cycles_box, w.bayes_view.evidence_button, w.bayes_view.use_button],
    "sweeps": lambda w: [w.sweep_view.units_spin, w.sweep_view.starts_spin, w.sweep_view.epochs_spin,
                         w.sweep_view.part_combo, w.sweep_view.run_button, w.sweep_view.run_9_button,
                         w.sweep_view.save_button],
    "kernel": lambda w: [w.kernel_view.kernel_combo, w.kernel_view.degree_spin, w.kernel_view.sigma_slider,
                         w.kernel_view.lambda_slider],
    "bootstrap": lambda w: [w.kernel_view.bootstrap_combo, w.kernel_view.b_spin, w.kernel_view.low_spin,
                            w.kernel_view.high_spin, w.kernel_view.seed_spin, w.kernel_view.epochs_spin],
}

# name -> the collapsible section holding it: a lesson that leaves the control unlocked opens the section,
# so that the controls its narrative names are in sight
CONTROL_SECTIONS = {
    "initialisation": lambda w: w.network_panel.init_section,
    "invariance": lambda w: w.regularization_panel.invariance.section,
    "weight_sharing": lambda w: w.regularization_panel.invariance.sharing_section,
}

# name -> the window's actions (gui/actions tables) that do what the control does
CONTROL_ACTIONS = {
    "play": ("play_action",), "step": ("step_action",), "reset": ("reset_action",), "race": ("race_action",),
    "drawing": ("clear_action",),
    "sweeps": ("sweep_action", "sweep_9_action", "sweep_csv_action"),  # the Compare menu runs them too
}

# the docks of the side panels and the controls in each (a panel with none unlocked is hidden when presenting)
PANEL_CONTROLS = {
    "data_dock": ("data_preset", "drawing", "split", "features"),
    "network_dock": ("hidden_layers", "output", "initialisation"),
    "training_dock": ("play", "step", "reset", "speed", "optimizer", "learning_rate", "batch_size", "schedule"),
    "regularization_dock": ("l2", "l1", "early_stopping", "dropout", "invariance", "weight_sharing"),
}

INPUT_TYPES = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit)  # what a person sets

WHO = {"lesson": "the lesson", "teacher": "the teacher"}


def lock_tip(who: str) -> str:
    return f"Locked by {WHO.get(who, who)}."


class ControlLocks:
    """The locked controls of one window: ``set_locked(names, who)``, ``set_hiding(on)``, ``unlock_all()``."""

    def __init__(self, window):
        self.window = window
        self.locked: dict[str, str] = {}  # name -> who locked it ("lesson" or "teacher")
        self.hiding = False  # presentation mode: hide instead of grey
        self._saved: dict[int, tuple] = {}  # id(widget) -> (widget, enabled, tooltip, visible)
        self._saved_actions: dict[str, bool] = {}
        self._hidden_docks: list = []
        window.model.sigDocumentChanged.connect(lambda *_: self.reapply())  # after the panels redrew

    def widgets(self, name: str) -> list[QWidget]:
        return [widget for widget in CONTROL_WIDGETS[name](self.window) if widget is not None]

    def set_locked(self, names, who: str = "lesson") -> None:
        """Lock ``names`` for ``who`` ("lesson" or "teacher"), in place of what ``who`` locked before;
        the other's locks stay (a lesson opened after the teacher's locks keeps them)."""
        unknown = [n for n in names if n not in CONTROLS]
        if unknown:
            raise ValueError(f"unknown control {unknown[0]!r}; controls: {', '.join(CONTROLS)}")
        self._restore()
        kept = {name: by for name, by in self.locked.items() if by != who}
        self.locked = {**{name: who for name in names}, **kept}
        self.reapply()

    def unlock_all(self) -> None:
        self._restore()
        self.locked = {}
        self.reapply()

    def set_hiding(self, on: bool) -> None:
        self._restore()
        self.hiding = bool(on)
        self.reapply()

    def is_locked(self, name: str) -> bool:
        return name in self.locked

    def reapply(self) -> None:
        for name, who in self.locked.items():
            for widget in self.widgets(name):
                self._save(widget)
                widget.setProperty(LOCKED, True)  # its view's set_usable leaves it disabled
                widget.setEnabled(False)
                widget.setToolTip(lock_tip(who))
                if self.hiding:
                    self._set_row_visible(widget, False)
            for action_id in CONTROL_ACTIONS.get(name, ()):
                action = getattr(self.window, action_id, None)
                if action is not None:
                    self._saved_actions.setdefault(action_id, action.isEnabled())
                    action.setEnabled(False)
        refresh_tool(self.window)  # a locked drawing tool: clicks in the data view draw nothing
        if self.hiding:
            self._hide_empty_groups()
            for dock_name, names in PANEL_CONTROLS.items():
                dock = getattr(self.window, dock_name)
                if all(n in self.locked for n in names) and dock.isVisible():
                    dock.hide()
                    self._hidden_docks.append(dock)

    def _hide_empty_groups(self) -> None:
        """A titled group whose every control is locked goes too (its title alone would say nothing)."""
        for name in PANEL_CONTROLS:
            for box in getattr(self.window, name).findChildren(QGroupBox):
                controls = [c for kind in INPUT_TYPES for c in box.findChildren(kind)]
                if controls and not any(c.isVisibleTo(box) for c in controls) and not box.isHidden():
                    self._save(box)
                    box.setVisible(False)

    def _save(self, widget: QWidget) -> None:
        self._saved.setdefault(id(widget), (widget, widget.isEnabled(), widget.toolTip(), not widget.isHidden()))

    @staticmethod
    def _set_row_visible(widget: QWidget, visible: bool) -> None:
        widget.setVisible(visible)
        row, parent = widget, widget.parentWidget()
        outer = parent.parentWidget() if parent is not None else None
        if (parent is not None and not isinstance(parent.layout(), QFormLayout) and outer is not None
                and isinstance(outer.layout(), QFormLayout)):
            # A field inside an inline row ("Validation [ ] test [ ]", widgets.inline_row): the row and its
            # labels go when none of its inputs shows, and come back with the first that does.
            inputs = [c for kind in INPUT_TYPES for c in parent.findChildren(kind)]
            if visible or not any(c.isVisibleTo(parent) for c in inputs):
                parent.setVisible(visible)
                row = parent
        form = row.parentWidget().layout() if row.parentWidget() is not None else None
        if isinstance(form, QFormLayout):
            label = form.labelForField(row)
            if label is not None:
                label.setVisible(visible)

    def _restore(self) -> None:
        for widget, enabled, tip, visible in self._saved.values():
            widget.setProperty(LOCKED, False)
            wanted = widget.property(WANTED)  # what its view asked for while it was locked
            widget.setEnabled(enabled if wanted is None else bool(wanted))
            widget.setToolTip(tip)
            if self.hiding:
                self._set_row_visible(widget, visible)
        for action_id, enabled in self._saved_actions.items():
            getattr(self.window, action_id).setEnabled(enabled)
        for dock in self._hidden_docks:
            dock.show()
        self._saved, self._saved_actions, self._hidden_docks = {}, {}, []
        refresh_tool(self.window)
