"""The Regularization panel's controls for invariances (PRML 5.5.3-5.5.5) and soft weight sharing (5.5.7).

Two collapsible sections under the penalty: tangent propagation (weight and transformation),
Tikhonov, training on transformed points (kind and size), and soft weight sharing (weight and
number of components). ``InvarianceControls.values()`` gives the Regularization fields they set;
``show(regularization)`` shows them (and opens a section whose settings are on).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox

from playground.core.invariance import AUGMENT_SIZE_LIMITS
from playground.core.params import AUGMENT_KINDS, TANGENT_KINDS, TRAINING_PARAMETERS
from playground.core.regularizers import Regularization

from .widgets import LogInput, Section, blocked, configure_box, float_spin, int_spin, set_row_visible

COEFF_MIN, COEFF_MAX, COEFF_SLIDER = 1e-4, 100.0, (-4, 2)  # where the arrows and slider stop; typed, any >= 0

TANGENT_LABELS = {"rotation": "rotation", "scaling": "scaling", "translation_x": "shift along x1",
                  "translation_y": "shift along x2"}
AUGMENT_LABELS = {"none": "off", "rotation": "random rotations", "scaling": "random scalings",
                  "translation": "random shifts", "noise": "input noise"}
# The size box per kind: (its row's label, decimals, step, the size it proposes, tooltip).
AUGMENT_SIZES = {
    "rotation": ("Angle up to (°)", 1, 5.0, 30.0, "Each training point is turned about the data's mean by a random angle "
                                     "of up to this many degrees, afresh for every epoch or mini-batch."),
    "scaling": ("Scale 1 \u00b1", 2, 0.05, 0.2, "Each point's distance from the data's mean is multiplied by a random "
                                  "factor between 1 - size and 1 + size, afresh for every epoch or mini-batch."),
    "translation": ("Shift up to \u00b1", 2, 0.05, 0.1, "Each point is shifted by up to this much along x1 and x2, afresh for "
                                      "every epoch or mini-batch."),
    "noise": ("Noise \u03c3", 3, 0.01, 0.05, "Gaussian noise of this standard deviation is added to the inputs, afresh "
                                 "for every epoch or mini-batch (PRML 5.5.5: for small noise the same as "
                                 "Tikhonov with \u03bb = noise\u00b2)."),
}


def _coefficient(value: float, zero_text: str, tip: str) -> LogInput:
    box = configure_box(LogInput(COEFF_MIN, COEFF_MAX, value, slider_range=COEFF_SLIDER, allow_zero=True,
                                 zero_text=zero_text), TRAINING_PARAMETERS["tangent_prop"])
    box.setToolTip(tip)
    return box


class InvarianceControls(QObject):
    """Builds the two sections; ``sigChanged`` when the user changes any of them."""

    sigChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.section = Section("Invariances", "Make the network's output change little when the input is "
                               "rotated, scaled or shifted (PRML 5.5.3-5.5.5).")
        form = self._form = self.section.form
        self.tangent_input = _coefficient(0.0, "off", (
            "Tangent propagation (PRML 5.5.4): adds \u03bb \u00b7 \u00bd \u03a3 (J \u03c4)\u00b2, the squared change "
            "of the outputs along the transformation at every training point (5.128). 'off' (0) disables it."))
        self.tangent_input.sigValueChanged.connect(self._changed)
        form.addRow("Tangent prop.", self.tangent_input)
        self.tangent_kind = QComboBox()
        for kind in TANGENT_KINDS:
            self.tangent_kind.addItem(TANGENT_LABELS.get(kind, kind), kind)
        self.tangent_kind.setToolTip("The transformation the output should not change under: rotation and "
                                     "scaling are about the training points' mean.")
        self.tangent_kind.currentIndexChanged.connect(self._changed)
        form.addRow("Invariant to", self.tangent_kind)
        self.tikhonov_input = _coefficient(0.0, "off", (
            "Tikhonov regularisation (PRML 5.5.5): adds \u03bb \u00b7 \u00bd \u03a3 \u2016\u2202y/\u2202x\u2016\u00b2, "
            "what training with small input noise of variance \u03bb amounts to. Compare it with 'input noise' "
            "below on the same data."))
        self.tikhonov_input.sigValueChanged.connect(self._changed)
        form.addRow("Tikhonov", self.tikhonov_input)
        self.augment_combo = QComboBox()
        for kind in AUGMENT_KINDS:
            self.augment_combo.addItem(AUGMENT_LABELS.get(kind, kind), kind)
        self.augment_combo.setToolTip("Training with transformed data (PRML 5.5.3): every epoch or mini-batch "
                                      "sees randomly transformed copies of the training points, drawn faintly "
                                      "in the data view.")
        self.augment_combo.currentIndexChanged.connect(self._augment_kind_changed)
        form.addRow("Transformed data", self.augment_combo)
        self.augment_size = configure_box(float_spin(0.0, 1.0, 0.0, 2, 0.05), TRAINING_PARAMETERS["augment_size"])
        self.augment_size.setKeyboardTracking(False)
        self.augment_size.valueChanged.connect(self._changed)
        form.addRow("Size", self.augment_size)

        self.sharing_section = Section("Soft weight sharing", "Pull the weights into a few groups of similar "
                                       "values, with a Gaussian mixture learned along with them (PRML 5.5.7).")
        sform = self._sharing_form = self.sharing_section.form
        self.sharing_input = _coefficient(0.0, "off", (
            "Soft weight sharing (PRML 5.5.7): adds \u03bb \u00b7 (-\u03a3 ln \u03a3\u2c7c \u03c0\u2c7c "
            "N(w\u1d62 | \u03bc\u2c7c, \u03c3\u2c7c\u00b2)) over the weights (not the biases). The mixture is "
            "learned with the weights and drawn over the Weights histogram."))
        self.sharing_input.sigValueChanged.connect(self._changed)
        sform.addRow("\u03bb", self.sharing_input)
        self.components_spin = configure_box(int_spin(1, 10, 3, "Number of Gaussian components the weights are "
                                                      "pulled towards."), TRAINING_PARAMETERS["mixture_components"])
        self.components_spin.valueChanged.connect(self._changed)
        sform.addRow("Components", self.components_spin)
        self._quiet = 0
        self._size_kind = None
        self._show_size_for("none")

    @property
    def sections(self) -> tuple[Section, Section]:
        return self.section, self.sharing_section

    # ------------------------------------------------------------------------------- public API
    def values(self) -> dict:
        """The Regularization fields these controls set."""
        return {
            "tangent_prop": self.tangent_input.value(),
            "tangent_kind": self.tangent_kind.currentData(),
            "tikhonov": self.tikhonov_input.value(),
            "augment": self.augment_combo.currentData(),
            "augment_size": self.augment_size.value() if self.augment_combo.currentData() != "none" else 0.0,
            "soft_weight_sharing": self.sharing_input.value(),
            "mixture_components": self.components_spin.value(),
        }

    def show(self, regularization: Regularization) -> None:
        """Show ``regularization``'s settings without emitting; a section with a setting on opens."""
        r = regularization
        self._quiet += 1
        try:
            self.tangent_input.set_value(r.tangent_prop)
            self.tangent_kind.setCurrentIndex(self.tangent_kind.findData(r.tangent_kind))
            self.tikhonov_input.set_value(r.tikhonov)
            self.augment_combo.setCurrentIndex(self.augment_combo.findData(r.augment))
            self._show_size_for(r.augment)
            with blocked(self.augment_size):
                self.augment_size.setValue(r.augment_size)
            self.sharing_input.set_value(r.soft_weight_sharing)
            self.components_spin.setValue(r.mixture_components)
        finally:
            self._quiet -= 1
        if r.tangent_prop > 0 or r.tikhonov > 0 or r.transforms_data:
            self.section.set_expanded(True)
        if r.soft_weight_sharing > 0:
            self.sharing_section.set_expanded(True)

    # ------------------------------------------------------------------------------- internals
    def _show_size_for(self, kind: str) -> None:
        """The size box's unit, range and tooltip follow the kind; a new kind proposes a size."""
        set_row_visible(self._form, self.augment_size, kind != "none")
        if kind == "none" or kind == self._size_kind:
            return
        label, decimals, step, proposed, tip = AUGMENT_SIZES.get(kind, ("Size", 3, 0.01, 0.05, ""))
        spin = self.augment_size
        self._form.labelForField(spin).setText(label)
        with blocked(spin):
            spin.setDecimals(decimals)
            spin.setSingleStep(step)
            limit = AUGMENT_SIZE_LIMITS.get(kind)
            configure_box(spin, TRAINING_PARAMETERS["augment_size"])
            if limit is not None:
                spin.setMaximum(limit[0])
            spin.setValue(proposed)
            spin.setToolTip(tip)
        self._size_kind = kind

    def _augment_kind_changed(self, _index: int) -> None:
        if not self._quiet:
            self._show_size_for(self.augment_combo.currentData())
        self._changed()

    def _changed(self, *_args) -> None:
        if not self._quiet:
            self.sigChanged.emit()
