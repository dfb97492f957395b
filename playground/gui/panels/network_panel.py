"""The Network panel: hidden layers, output head, initial weights."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from playground.core.activations import ACTIVATION_NAMES, ACTIVATIONS
from playground.core.heads import HEAD_NAMES, LABEL_COLUMN_HEADS
from playground.core.mlp import INIT_NAMES
from playground.core.params import DEFAULT_SIGMA_FLOOR, MAX_HIDDEN_LAYERS, MAX_UNITS, NETWORK_PARAMETERS
from playground.session.config import NetworkConfig
from playground.session.experiment import output_mismatch, resolve_output

from .widgets import (
    HintLabel, LogSpinBox, Panel, Section, WarningLabel, blocked, configure_box, float_spin, form_group, guard_wheels,
    int_spin, seed_spin, set_row_visible, set_shown_value,
)

DEFAULT_UNITS = 8
DEFAULT_COMPONENTS = 3

# head -> (error function, tooltip)
HEADS = {
    "linear": ("sum-of-squares", "Identity output with the sum-of-squares error: regression with Gaussian "
                                 "noise (PRML 5.2)."),
    "sigmoid": ("cross-entropy", "Logistic sigmoid output with the cross-entropy error: the probability of "
                                 "class 1, or independent yes/no labels (PRML 5.2)."),
    "softmax": ("cross-entropy", "Softmax outputs with the cross-entropy error: probabilities of K mutually "
                                 "exclusive classes (PRML 5.2)."),
    "mdn": ("mixture likelihood", "Mixture density network: the outputs are the weights, means and widths of "
                                  "K Gaussians, for targets with several likely values (PRML 5.6)."),
    "sigmoid_sse": ("sum-of-squares", "The mismatched pair, not the canonical link: a sigmoid output with the "
                                      "sum-of-squares error. Its gradient (y-t)y(1-y) vanishes for confidently "
                                      "wrong outputs, so learning is slow (Nielsen's learning slowdown)."),
    "perceptron": ("perceptron criterion", "A step unit with the perceptron criterion (PRML 4.1.7): with no "
                                           "hidden layer, gradient descent, batch size 1 and learning rate 1 it "
                                           "is the perceptron rule. Converges on separable classes, cycles on XOR."),
}

INITS = {
    "xavier": "Uniform in ±√(6/(fan_in+fan_out)), biases 0 (Glorot & Bengio): keeps tanh units out of "
              "saturation.",
    "he": "Gaussian with standard deviation √(2/fan_in), biases 0 (He et al.): suited to ReLU units.",
    "gaussian": "Weights and biases Gaussian with standard deviation 'Scale' (default 1/√(fan_in+1)).",
    "uniform": "Weights and biases uniform in ±'Scale' (default 1/√fan_in).",
    "constant": "Every weight equal to 'Scale' (default 0.5), biases 0: the symmetry problem. Units that start "
                "equal get equal gradients and stay equal, so a layer acts as one unit (PRML 5.1.1).",
}
SCALED_INITS = ("gaussian", "uniform", "constant")


def count_weights(sizes) -> int:
    """Weights and biases of a fully connected network: sum over layers of (fan_in + 1) * fan_out."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))


class NetworkPanel(Panel):
    """Architecture of the feed-forward network.

    Signal (user changes only): sigNetworkChanged(NetworkConfig).
    Methods: set_network_config(NetworkConfig), set_problem(Dataset | None, n_inputs=None),
    network_config() -> NetworkConfig.
    """

    sigNetworkChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._n_layers = 0
        self._activation = "tanh"  # used for new layers and when there is no hidden layer
        self._dataset = None
        self._n_inputs = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self.summary = QLabel()
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.summary.setWordWrap(True)
        self.summary.setToolTip("Layer sizes from inputs to outputs, and the number of adjustable parameters: "
                                "Σ (fan_in + 1) × fan_out over the layers (weights and biases).")
        layout.addWidget(self._build_layers())
        layout.addWidget(self._build_output())
        layout.addWidget(self._build_init())
        self.range_note = WarningLabel()  # a loaded value no box can hold, said plainly
        layout.addWidget(self.range_note)
        layout.addStretch(1)
        with self._quietly():
            self.set_network_config(NetworkConfig())
        guard_wheels(self)

    # ------------------------------------------------------------------------------- building
    def _build_layers(self) -> QGroupBox:
        box = QGroupBox("Hidden layers")
        box.setToolTip("Each hidden layer computes z = h(W x + b) (PRML 5.1).")
        outer = QVBoxLayout(box)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(3)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(3)
        grid.setColumnStretch(2, 1)
        self.layer_labels, self.units_spins, self.activation_combos = [], [], []
        for i in range(MAX_HIDDEN_LAYERS):
            label = QLabel(f"{i + 1}")
            label.setToolTip(f"Hidden layer {i + 1}")
            units = configure_box(int_spin(1, DEFAULT_UNITS, DEFAULT_UNITS, f"Number of hidden units in layer {i + 1} "
                                           f"(1 to {MAX_UNITS}).", suffix=" units"), NETWORK_PARAMETERS["units"])
            combo = QComboBox()
            for name in ACTIVATION_NAMES:
                combo.addItem(name, name)
                combo.setItemData(combo.count() - 1, ACTIVATIONS[name].label or name, Qt.ToolTipRole)
            units.valueChanged.connect(self._changed)
            combo.currentIndexChanged.connect(lambda _i, i=i: self._activation_changed(i))
            grid.addWidget(label, i, 0)
            grid.addWidget(units, i, 1)
            grid.addWidget(combo, i, 2)
            self.layer_labels.append(label)
            self.units_spins.append(units)
            self.activation_combos.append(combo)
        outer.addLayout(grid)
        self.no_hidden_hint = HintLabel("No hidden layer: the outputs are a generalised linear function of the "
                                        "inputs (PRML 4.3).")
        outer.addWidget(self.no_hidden_hint)
        buttons = QHBoxLayout()  # the summary and the buttons share a row
        buttons.setSpacing(4)
        self.add_button = QPushButton("+ layer")
        self.add_button.setToolTip(f"Add a hidden layer (at most {MAX_HIDDEN_LAYERS}).")
        self.remove_button = QPushButton("\u2212 layer")
        self.remove_button.setToolTip("Remove the last hidden layer.")
        self.add_button.clicked.connect(self._add_layer)
        self.remove_button.clicked.connect(self._remove_layer)
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        outer.insertLayout(0, buttons)
        return box

    def _build_output(self) -> QGroupBox:
        box, form = form_group("Output", "The output activation and its matching error function (PRML 5.2).")
        self.output_combo = QComboBox()
        self.output_combo.addItem("auto (matched)", "auto")
        self.output_combo.setItemData(0, "Sigmoid for two classes, softmax for more, linear for regression "
                                         "(PRML 5.2).", Qt.ToolTipRole)
        for name in HEAD_NAMES:
            self.output_combo.addItem(name, name)
            self.output_combo.setItemData(self.output_combo.count() - 1, HEADS.get(name, ("", name))[1],
                                          Qt.ToolTipRole)
        self.output_combo.currentIndexChanged.connect(self._output_changed)
        form.addRow("Head", self.output_combo)
        self.components_spin = configure_box(int_spin(1, DEFAULT_COMPONENTS, DEFAULT_COMPONENTS,
                                                      "Number K of Gaussian components of the mixture density output "
                                                      "(PRML 5.6)."), NETWORK_PARAMETERS["n_components"])
        self.components_spin.valueChanged.connect(self._changed)
        self.sigma_floor_spin = configure_box(float_spin(0.0, 10.0, DEFAULT_SIGMA_FLOOR, 4, 0.005,
                                                         "Smallest standard deviation of a component, in the "
                                                         "targets' units: sigma = floor + e^s, so that no component "
                                                         "collapses onto one point (0: PRML's e^s, 5.151)."),
                                              NETWORK_PARAMETERS["sigma_floor"])
        self.sigma_floor_spin.valueChanged.connect(self._changed)
        # Two rows, not one: side by side they made the Network panel wider than its column.
        self._components_row = self.components_spin
        form.addRow("Components", self.components_spin)
        form.addRow("σ floor", self.sigma_floor_spin)
        self._output_form = form
        self.head_hint = HintLabel()
        form.addRow(self.head_hint)
        self.warning = WarningLabel()
        form.addRow(self.warning)
        return box

    def _build_init(self) -> Section:
        # Rarely changed: a section that opens on a click; its title names the choice.
        box = self.init_section = Section("Initial weights", "How the weights are drawn before training.")
        form = box.form
        self.init_combo = QComboBox()
        for name in INIT_NAMES:
            self.init_combo.addItem(name, name)
            self.init_combo.setItemData(self.init_combo.count() - 1, INITS.get(name, name), Qt.ToolTipRole)
        self.init_combo.currentIndexChanged.connect(self._init_changed)
        form.addRow("Method", self.init_combo)
        # Any positive scale the config takes; the arrows step along 0.001 ... 10, below that 'default'.
        self.scale_spin = configure_box(LogSpinBox(1e-3, 10.0, 0.0, allow_zero=True, zero_text="default"),
                                        NETWORK_PARAMETERS["init_scale"], none_below=True)
        self.scale_spin.setToolTip("Standard deviation (gaussian), half-width (uniform) or value (constant) of "
                                   "the initial weights; 'default' scales with 1/√fan_in (constant: 0.5).")
        self.scale_spin.valueChanged.connect(self._changed)
        form.addRow("Scale", self.scale_spin)
        self.seed_spin = seed_spin("Seed of the initial weights: the same seed gives the same start.")
        self.seed_spin.valueChanged.connect(self._changed)
        form.addRow("Seed", self.seed_spin)
        return box

    # ------------------------------------------------------------------------------- public API
    def set_network_config(self, config: NetworkConfig) -> None:
        """Show ``config`` without emitting."""
        with self._quietly():
            activations = config.activations()
            if isinstance(config.activation, str):
                self._activation = config.activation
            elif activations:
                self._activation = activations[-1]
            self._show_layers(len(config.hidden))
            layers = list(zip(config.hidden, activations))[:MAX_HIDDEN_LAYERS]
            for i, (units, activation) in enumerate(layers):
                self.units_spins[i].setValue(units)
                self.activation_combos[i].setCurrentIndex(self.activation_combos[i].findData(activation))
            self.output_combo.setCurrentIndex(max(0, self.output_combo.findData(config.output)))
            if config.n_components is not None:
                self.components_spin.setValue(config.n_components)
            self.sigma_floor_spin.setValue(DEFAULT_SIGMA_FLOOR if config.sigma_floor is None else config.sigma_floor)
            self.init_combo.setCurrentIndex(max(0, self.init_combo.findData(config.init)))
            self.scale_spin.setValue(config.init_scale or 0.0)
            self.range_note.set_text(set_shown_value(self.seed_spin, config.seed, "The seed"))
        self._refresh()

    def set_problem(self, dataset, n_inputs: int | None = None) -> None:
        """The data the network will see (a Dataset, or None). ``n_inputs`` overrides the number of
        network inputs when input features are mapped (the number of features)."""
        self._dataset = dataset
        self._n_inputs = n_inputs
        self._refresh()

    def network_config(self) -> NetworkConfig:
        hidden = tuple(self.units_spins[i].value() for i in range(self._n_layers))
        names = tuple(self.activation_combos[i].currentData() for i in range(self._n_layers))
        activation = names[0] if names and all(n == names[0] for n in names) else (names or self._activation)
        output = self.output_combo.currentData()
        scale = self.scale_spin.value()
        floor = self.sigma_floor_spin.value()
        return NetworkConfig(
            hidden=hidden, activation=activation, output=output,
            n_components=self.components_spin.value() if output == "mdn" else None,
            sigma_floor=floor if output == "mdn" and floor != DEFAULT_SIGMA_FLOOR else None,  # None: the default
            init=self.init_combo.currentData(),
            init_scale=scale if scale > 0 and self.init_combo.currentData() in SCALED_INITS else None,
            seed=self.seed_spin.value(),
        )

    def mismatch_text(self) -> str:
        return self.warning.text()

    # ------------------------------------------------------------------------------- internals
    def _show_layers(self, n: int) -> None:
        n = min(max(n, 0), MAX_HIDDEN_LAYERS)
        for i in range(self._n_layers, n):  # new rows start like the last one
            units = self.units_spins[i - 1].value() if i > 0 else DEFAULT_UNITS
            activation = self.activation_combos[i - 1].currentData() if i > 0 else self._activation
            with blocked(self.units_spins[i], self.activation_combos[i]):
                self.units_spins[i].setValue(units)
                self.activation_combos[i].setCurrentIndex(self.activation_combos[i].findData(activation))
                self._activation_tooltip(i)
        self._n_layers = n
        for i in range(MAX_HIDDEN_LAYERS):
            for widget in (self.layer_labels[i], self.units_spins[i], self.activation_combos[i]):
                widget.setVisible(i < n)
        self.no_hidden_hint.setVisible(n == 0)
        self.add_button.setEnabled(n < MAX_HIDDEN_LAYERS)
        self.remove_button.setEnabled(n > 0)

    def _activation_tooltip(self, i: int) -> None:
        name = self.activation_combos[i].currentData()
        self.activation_combos[i].setToolTip(f"Activation of layer {i + 1}: {ACTIVATIONS[name].label or name}")

    def _sizes(self) -> list[int] | None:
        """[inputs, hidden..., outputs] as the network will be built, or None without data."""
        data = self._dataset
        if data is None:
            return None
        config = self.network_config()
        try:
            output = resolve_output(data, config.output)
        except Exception:  # noqa: BLE001 - a summary must never break the panel
            return None
        n_in = self._n_inputs or data.n_inputs
        n_out = data.n_targets
        if output in LABEL_COLUMN_HEADS and data.kind == "classification" and data.n_classes == 2:
            n_out = 1
        if output == "mdn":
            n_out = self.components_spin.value() * (n_out + 2)
        return [n_in, *config.hidden, n_out]

    def _refresh(self) -> None:
        """Update the parts that depend on the choices: enabled states, hints, warning, summary."""
        output = self.output_combo.currentData()
        self.components_spin.setEnabled(output == "mdn")
        self.sigma_floor_spin.setEnabled(output == "mdn")
        set_row_visible(self._output_form, self._components_row, output == "mdn")
        set_row_visible(self._output_form, self.sigma_floor_spin, output == "mdn")
        init = self.init_combo.currentData()
        self.scale_spin.setEnabled(init in SCALED_INITS)
        self.init_combo.setToolTip(INITS.get(init, init))
        scale = self.scale_spin.value() if init in SCALED_INITS else 0.0
        self.init_section.set_title(f"Initial weights: {init}" + (f" \u00d7 {self.scale_spin.text()}" if scale else "")
                                    + f", seed {self.seed_spin.value()}")
        self.output_combo.setToolTip(self.output_combo.itemData(self.output_combo.currentIndex(), Qt.ToolTipRole) or "")
        for i in range(self._n_layers):
            self._activation_tooltip(i)
        data = self._dataset
        if output == "auto":
            if data is None:
                self.head_hint.setText("auto picks the head that matches the data (PRML 5.2).")
            else:
                resolved = resolve_output(data, "auto")
                self.head_hint.setText(f"auto \u2192 {resolved} + {HEADS.get(resolved, ('?',))[0]}")
        else:
            self.head_hint.setText(f"{output} + {HEADS.get(output, ('?',))[0]} error")
        self.warning.set_text(None if data is None else output_mismatch(data, output))
        sizes = self._sizes()
        if sizes is None:
            hidden = self.network_config().hidden
            self.summary.setText("hidden " + "-".join(map(str, hidden)) if hidden else "no hidden layer")
        else:
            self.summary.setText(f"{'-'.join(map(str, sizes))}, {count_weights(sizes):,} weights")

    # handlers -----------------------------------------------------------------------------------
    def _emit(self) -> None:
        self._refresh()
        if self._user:
            self.range_note.set_text(None)
            self.sigNetworkChanged.emit(self.network_config())

    def _changed(self, *_args) -> None:
        self._emit()

    def _activation_changed(self, i: int) -> None:
        if i == self._n_layers - 1:
            self._activation = self.activation_combos[i].currentData()
        self._emit()

    def _output_changed(self, _index: int) -> None:
        self._emit()

    def _init_changed(self, _index: int) -> None:
        self._emit()

    def _add_layer(self) -> None:
        if self._n_layers < MAX_HIDDEN_LAYERS:
            self._show_layers(self._n_layers + 1)
            self._emit()

    def _remove_layer(self) -> None:
        if self._n_layers > 0:
            self._activation = self.activation_combos[self._n_layers - 1].currentData()
            self._show_layers(self._n_layers - 1)
            self._emit()
