"""The Regularization panel: weight decay (one or per group), L1, dropout, input standardisation,
invariances, soft weight sharing,
early stopping."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGroupBox, QVBoxLayout, QWidget

from playground.core.params import TRAINING_PARAMETERS
from playground.core.regularizers import GROUP_NAMES, Regularization
from playground.core.training import EarlyStopping

from .invariance_section import InvarianceControls
from .widgets import (
    HintLabel, LogInput, LogSpinBox, Panel, WarningLabel, configure_box, float_spin, form_group, guard_wheels,
    int_spin, set_row_visible, set_shown_value,
)

# Where the arrows stop; typed or loaded, any coefficient the core takes (TRAINING_PARAMETERS["l2"], ["l1"]).
COEFF_MIN, COEFF_MAX = 1e-6, 10.0
COEFF_SLIDER = (-6, 1)  # log10 range of the sliders; the leftmost position is 0
DEFAULT_L2 = 1e-3

L2_MODES = (("off", "off"), ("one", "one coefficient"), ("groups", "per group"))

GROUPS = {
    "w1": ("First-layer weights", "λ for the weights from the inputs to the first layer."),
    "b1": ("First-layer biases", "λ for the biases of the first layer (often 0: PRML 5.5.1 shows biases "
                                 "should not be decayed for the result to be invariant to shifts of the data)."),
    "w2": ("Later weights", "λ for the weights of every later layer, including the output layer."),
    "b2": ("Later biases", "λ for the biases of every later layer, including the output layer."),
}
DEFAULT_GROUPS = {"w1": 1e-3, "b1": 0.0, "w2": 1e-3, "b2": 0.0}

NO_VALIDATION = "Needs validation data: give the split a validation share in the Data panel."


class RegularizationPanel(Panel):
    """Regulariser and early stopping.

    Signals (user changes only): sigRegularizationChanged(Regularization),
    sigEarlyStoppingChanged(EarlyStopping | None).
    Methods: set_regularization(Regularization), set_early_stopping(EarlyStopping | None),
    set_has_validation(bool), regularization(), early_stopping().
    """

    sigRegularizationChanged = Signal(object)
    sigEarlyStoppingChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._has_validation = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self._build_penalty())
        self.invariance = InvarianceControls(self)  # PRML 5.5.3-5.5.7, in collapsed sections
        for section in self.invariance.sections:
            layout.addWidget(section)
        self.invariance.sigChanged.connect(self._regularization_changed)
        layout.addWidget(self._build_early_stopping())
        self.range_note = WarningLabel()  # a loaded value no box can hold, said plainly
        layout.addWidget(self.range_note)
        layout.addStretch(1)
        with self._quietly():
            self.set_regularization(Regularization())
            self.set_early_stopping(None)
            self.set_has_validation(True)
        guard_wheels(self)

    # ------------------------------------------------------------------------------- building
    def _build_penalty(self) -> QGroupBox:
        box, form = form_group("Penalty \u03a9(w)", "Training minimises E(w) + \u03a9(w): the penalty keeps "
                               "weights small, so the fitted function stays smooth (PRML 5.5).")
        self._form = form
        self.l2_mode = QComboBox()
        for key, text in L2_MODES:
            self.l2_mode.addItem(text, key)
        self.l2_mode.setToolTip("Weight decay (PRML 5.5.1): \u03a9 = \u03bb/2 \u03a3 w\u00b2 pulls every weight "
                                "towards 0. 'per group' gives first- and later-layer weights and biases their "
                                "own \u03bb (consistent weight decay, PRML 5.121).")
        self.l2_mode.currentIndexChanged.connect(self._mode_changed)
        form.addRow("Weight decay", self.l2_mode)
        self.l2_input = configure_box(LogInput(COEFF_MIN, COEFF_MAX, DEFAULT_L2, slider_range=COEFF_SLIDER,
                                               allow_zero=True), TRAINING_PARAMETERS["l2"])
        self.l2_input.setToolTip("Weight-decay coefficient \u03bb in \u03a9 = \u03bb/2 \u03a3 w\u00b2 (PRML 5.112); "
                                 "larger \u03bb, smoother fit. Type e.g. 1e-3; 0 switches it off.")
        self.l2_input.sigValueChanged.connect(self._regularization_changed)
        form.addRow("\u03bb", self.l2_input)
        self.group_spins: dict[str, LogSpinBox] = {}
        for group in GROUP_NAMES:
            label, tip = GROUPS.get(group, (group, f"\u03bb for parameter group {group}."))
            spin = configure_box(LogSpinBox(COEFF_MIN, COEFF_MAX, DEFAULT_GROUPS.get(group, 0.0), allow_zero=True),
                                 TRAINING_PARAMETERS["l2"])
            spin.setToolTip(tip + " 0: not decayed.")
            spin.valueChanged.connect(self._regularization_changed)
            form.addRow(label, spin)
            self.group_spins[group] = spin
        self.l1_input = configure_box(LogInput(COEFF_MIN, COEFF_MAX, 0.0, slider_range=COEFF_SLIDER, allow_zero=True,
                                               zero_text="off"), TRAINING_PARAMETERS["l1"])
        self.l1_input.setToolTip("L1 penalty \u03a9 = \u03bb \u03a3 |w|: its constant pull drives small weights "
                                 "to exactly 0, leaving a sparse network (the first-order optimisers take it by a "
                                 "soft-threshold step after each update). 'off' (0) disables it.")
        self.l1_input.sigValueChanged.connect(self._regularization_changed)
        form.addRow("L1", self.l1_input)
        self.dropout_spin = configure_box(float_spin(0.0, 0.95, 0.0, 2, 0.05, special="off"),
                                          TRAINING_PARAMETERS["dropout"])
        self.dropout_spin.setToolTip("Dropout: in every training step each hidden unit is switched off with this "
                                     "probability and the others are scaled by 1/(1-p), so that the average "
                                     "signal is unchanged. Errors, the validation and test curves and every view "
                                     "use the whole network. First-order optimisers only; 'off' (0) disables it.")
        self.dropout_spin.valueChanged.connect(self._regularization_changed)
        form.addRow("Dropout", self.dropout_spin)
        self.standardize_check = QCheckBox("Standardise the inputs")
        self.standardize_check.setToolTip("Train as if every input had mean 0 and variance 1 on the training set "
                                          "(the network still takes the raw inputs). Steps no longer depend on "
                                          "the units of the inputs, and the penalty acts on the weights of "
                                          "standardised inputs: the consistent prior of PRML 5.5.1.")
        self.standardize_check.toggled.connect(self._regularization_changed)
        form.addRow(self.standardize_check)
        return box

    def _build_early_stopping(self) -> QGroupBox:
        box, form = form_group("Early stopping", "Stop training when the error on the validation set stops "
                               "falling (PRML 5.5.2): the number of epochs acts like a regulariser.")
        self.es_check = QCheckBox("Stop when validation error stops falling")
        self.es_check.setToolTip("PRML 5.5.2: training beyond the minimum of the validation error only fits "
                                 "the noise of the training set.")
        self.es_check.toggled.connect(self._early_stopping_changed)
        form.addRow(self.es_check)
        self.patience_spin = configure_box(int_spin(1, 20, 20, "Epochs without improvement before training stops.",
                                                    suffix=" epochs"), TRAINING_PARAMETERS["patience"])
        self.patience_spin.valueChanged.connect(self._early_stopping_changed)
        form.addRow("Patience", self.patience_spin)
        self.min_delta_spin = configure_box(LogSpinBox(1e-8, 1.0, 0.0, allow_zero=True),
                                            TRAINING_PARAMETERS["min_delta"])
        self.min_delta_spin.setToolTip("How much the per-point validation error must fall to count as an "
                                       "improvement (0: any decrease).")
        self.min_delta_spin.valueChanged.connect(self._early_stopping_changed)
        form.addRow("Min. improvement", self.min_delta_spin)
        self.restore_check = QCheckBox("Restore the best weights")
        self.restore_check.setToolTip("When training stops, go back to the weights with the lowest validation "
                                      "error.")
        self.restore_check.setChecked(True)
        self.restore_check.toggled.connect(self._early_stopping_changed)
        form.addRow(self.restore_check)
        self.es_reason = HintLabel(NO_VALIDATION)
        form.addRow(self.es_reason)
        self._es_form = form
        return box

    # ------------------------------------------------------------------------------- public API
    def set_regularization(self, regularization: Regularization) -> None:
        """Show ``regularization`` without emitting."""
        with self._quietly():
            if regularization.l2_groups is not None:
                mode = "groups"
                for group, spin in self.group_spins.items():
                    spin.setValue(regularization.l2_groups.get(group, 0.0))
            elif regularization.l2 > 0:
                mode = "one"
                self.l2_input.set_value(regularization.l2)
            else:
                mode = "off"
            self.l2_mode.setCurrentIndex(self.l2_mode.findData(mode))
            self.l1_input.set_value(regularization.l1)
            self.invariance.show(regularization)
            self.dropout_spin.setValue(regularization.dropout)
            self.standardize_check.setChecked(regularization.standardize_inputs)
            self._refresh()

    def set_early_stopping(self, early_stopping: EarlyStopping | None) -> None:
        """Show ``early_stopping`` (None: off) without emitting."""
        with self._quietly():
            self.es_check.setChecked(early_stopping is not None)
            if early_stopping is not None:
                self.range_note.set_text(set_shown_value(self.patience_spin, early_stopping.patience,
                                                         "The patience"))
                self.restore_check.setChecked(early_stopping.restore_best)
                self.min_delta_spin.setValue(early_stopping.min_delta)
            self._refresh()

    def set_has_validation(self, has_validation: bool) -> None:
        """Early stopping needs validation data; without it the controls are disabled and say why."""
        self._has_validation = bool(has_validation)
        with self._quietly():
            self._refresh()

    def regularization(self) -> Regularization:
        mode = self.l2_mode.currentData()
        groups = {g: s.value() for g, s in self.group_spins.items()} if mode == "groups" else None
        l2 = self.l2_input.value() if mode == "one" else 0.0
        return Regularization(l2, groups, self.l1_input.value(), dropout=self.dropout_spin.value(),
                              standardize_inputs=self.standardize_check.isChecked(), **self.invariance.values())

    def early_stopping(self) -> EarlyStopping | None:
        if not self.es_check.isChecked():
            return None
        return EarlyStopping(self.patience_spin.value(), self.restore_check.isChecked(), self.min_delta_spin.value())

    # ------------------------------------------------------------------------------- internals
    def _refresh(self) -> None:
        mode = self.l2_mode.currentData()
        set_row_visible(self._form, self.l2_input, mode == "one")
        for spin in self.group_spins.values():
            set_row_visible(self._form, spin, mode == "groups")
        valid = self._has_validation
        self.es_check.setEnabled(valid)
        on = valid and self.es_check.isChecked()
        for widget in (self.patience_spin, self.restore_check, self.min_delta_spin):
            widget.setEnabled(on)
            set_row_visible(self._es_form, widget, on)  # its details only while it is on: a compact panel
        set_row_visible(self._es_form, self.es_reason, not valid)

    def _mode_changed(self, _index: int) -> None:
        self._refresh()
        self._regularization_changed()

    def _regularization_changed(self, *_args) -> None:
        if self._user:
            self.sigRegularizationChanged.emit(self.regularization())

    def _early_stopping_changed(self, *_args) -> None:
        self._refresh()
        if self._user:
            self.range_note.set_text(None)
            self.sigEarlyStoppingChanged.emit(self.early_stopping())
