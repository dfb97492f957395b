"""The Data panel: what to draw, which preset to sample, how to split it, which input features."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
    QSlider, QStyledItemDelegate, QToolButton, QVBoxLayout, QWidget,
)

from playground.core.datasets import FEATURES, GENERATORS, MAX_CLASSES, MIN_CLASSES, features_for_inputs
from playground.core.params import DATA_PARAMETERS
from playground.session.config import DataConfig

from ..theme import CLASS_COLORS
from .widgets import (
    HintLabel, Panel, blocked, configure_box, float_spin, form_group, inline_row, int_spin, seed_spin,
    set_row_visible,
)

MODES = ("classification", "regression")
MAX_BRUSH = 0.5
DEFAULT_PRESET_CLASSES = 3  # make_dataset's default for multi-class presets
_BRUSH_STEPS = 50  # slider positions from 0 to MAX_BRUSH

# Preset groups in the order the combo shows them: (kind, number of inputs, heading).
_GROUPS = (("classification", 2, "2-D classification"), ("regression", 1, "1-D regression"),
           ("regression", 2, "2-D regression"))

_FEATURE_TIPS = {
    "x1": "The first input itself.",
    "x2": "The second input itself.",
    "x1^2": "x1 squared: a fixed nonlinear basis function (PRML 3.1) given to the network as an extra input.",
    "x2^2": "x2 squared: a fixed nonlinear basis function (PRML 3.1) given to the network as an extra input.",
    "x1*x2": "The product x1·x2: lets even a network without hidden layers separate XOR-like data.",
    "sin(x1)": "sin(x1): a periodic basis function given to the network as an extra input.",
    "sin(x2)": "sin(x2): a periodic basis function given to the network as an extra input.",
}


_FEATURE_GRID = (("x1", "x2"), ("x1^2", "x2^2"), ("sin(x1)", "sin(x2)"))


def raw_features(n_inputs: int) -> tuple[str, ...]:
    """The plain inputs ("x1", "x2" for two inputs; "x1" for one): the meaning of features=None."""
    return ("x1", "x2")[: max(1, min(n_inputs, 2))]


def feature_label(name: str) -> str:
    """``x1^2`` -> ``x₁²`` and so on, for display only."""
    return name.replace("x1", "x\u2081").replace("x2", "x\u2082").replace("^2", "\u00b2").replace("*", "\u00b7")


def shown_data_label(config: DataConfig, shown: str | None) -> str:
    """What the preset combo says when the data on screen are not the config's preset sample."""
    if shown in GENERATORS:
        return f"{GENERATORS[shown].label} (earlier sample)"
    if shown not in (None, "drawing"):
        return f"file: {shown}"
    return f"CSV: {os.path.basename(config.csv)}" if config.csv else "drawn data"


def _inputs_needed(features) -> int:
    one = set(features_for_inputs(1))
    return 1 if all(f in one for f in features) else 2


def _text_color(background: str) -> str:
    c = QColor(background)
    luminance = 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()
    return "#000000" if luminance > 140 else "#FFFFFF"


class _IndentedItems(QStyledItemDelegate):
    """Indents the presets under their (unselectable) group headings in the popup list."""

    def initStyleOption(self, option, index):  # noqa: N802 (Qt naming)
        super().initStyleOption(option, index)
        if index.data(Qt.UserRole):
            option.rect.adjust(option.fontMetrics.horizontalAdvance("    "), 0, 0, 0)

    def sizeHint(self, option, index):  # noqa: N802 (Qt naming)
        size = super().sizeHint(option, index)
        size.setHeight(size.height() + 4)
        return size


class ClassButton(QToolButton):
    """A checkable swatch in a class colour, labelled 1..K."""

    def __init__(self, k: int, parent: QWidget | None = None):
        super().__init__(parent)
        colour = CLASS_COLORS[k % len(CLASS_COLORS)]
        self.setText(str(k + 1))
        self.setCheckable(True)
        self.setAutoRaise(False)
        self.setToolTip(f"Draw points of class {k + 1} (key {k + 1})")
        self.setAccessibleName(f"class {k + 1}")
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.setStyleSheet(
            f"QToolButton {{ background-color: {colour}; color: {_text_color(colour)}; font-weight: bold;"
            " border: 1px solid palette(mid); border-radius: 4px; min-width: 22px; min-height: 22px;"
            " padding: 0px; }"
            " QToolButton:checked { border: 3px solid palette(window-text); }"
        )


class DataPanel(Panel):
    """Drawing tools, preset generator, train/validation/test split and input features.

    Signals (user changes only; the ``set_*`` methods never emit):
    sigClassChanged(int), sigNumClassesChanged(int), sigBrushRadiusChanged(float),
    sigClearRequested(), sigModeChanged(str), sigGenerateRequested(DataConfig),
    sigSplitChanged(((train, val, test), seed)), sigShowTestChanged(bool),
    sigFeaturesChanged(tuple of names | None).
    """

    sigClassChanged = Signal(int)
    sigNumClassesChanged = Signal(int)
    sigBrushRadiusChanged = Signal(float)
    sigClearRequested = Signal()
    sigModeChanged = Signal(str)
    sigGenerateRequested = Signal(object)
    sigSplitChanged = Signal(object)
    sigShowTestChanged = Signal(bool)
    sigFeaturesChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._n_classes = 2
        self._n_inputs = 2
        self._multi_class = False
        self._available = features_for_inputs(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(6)
        self.summary = QLabel("no data")
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        layout.addWidget(self.summary)
        layout.addWidget(self._build_draw())
        layout.addWidget(self._build_preset())
        layout.addWidget(self._build_split())
        layout.addWidget(self._build_features())
        layout.addStretch(1)
        with self._quietly():
            self._show_n_classes(2)
            self._show_features(raw_features(2), 2)
            self.set_data_config(DataConfig())

    # ------------------------------------------------------------------------------- building
    def _build_draw(self) -> QGroupBox:
        box, form = form_group("Draw", "Click or drag in the data view to add points; right-drag erases.")
        self.mode_combo = QComboBox()
        for mode in MODES:
            self.mode_combo.addItem(mode, mode)
        self.mode_combo.setToolTip("Classification: points carry a class label.\n"
                                   "Regression: each point is an input x and a real target t.\n"
                                   "Changing this starts a new, empty drawing.")
        self.mode_combo.currentIndexChanged.connect(self._mode_changed)
        form.addRow("Problem", self.mode_combo)

        self.class_row = QWidget()
        row = QHBoxLayout(self.class_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3)
        self.class_group = QButtonGroup(self)
        self.class_group.setExclusive(True)
        self.class_buttons = []
        for k in range(MAX_CLASSES):
            button = ClassButton(k)
            self.class_group.addButton(button, k)
            self.class_buttons.append(button)
            row.addWidget(button)
        row.addStretch(1)
        self.classes_spin = int_spin(MIN_CLASSES, MAX_CLASSES, 2, "Number of classes you can draw (2 to 6).",
                                     suffix=" classes")
        self.classes_spin.valueChanged.connect(self._classes_changed)
        row.addWidget(self.classes_spin)
        self.class_buttons[0].setChecked(True)
        self.class_group.idClicked.connect(self._class_clicked)
        form.addRow("Class", self.class_row)

        brush = QWidget()
        row = QHBoxLayout(brush)
        row.setContentsMargins(0, 0, 0, 0)
        tip = ("Radius of the brush in data units: a drag scatters points within it.\n"
               "'point' (0) adds exactly one point per click.")
        self.brush_slider = QSlider(Qt.Horizontal)
        self.brush_slider.setRange(0, _BRUSH_STEPS)
        self.brush_slider.setToolTip(tip)
        self.brush_spin = float_spin(0.0, MAX_BRUSH, 0.0, 2, 0.01, tip, special="point")
        self.brush_slider.valueChanged.connect(self._brush_slider_moved)
        self.brush_spin.valueChanged.connect(self._brush_spin_changed)
        row.addWidget(self.brush_slider, 1)
        row.addWidget(self.brush_spin)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove all points (undo with Ctrl+Z).")
        self.clear_button.clicked.connect(self._clear_clicked)
        row.addWidget(self.clear_button)
        form.addRow("Brush", brush)
        self._draw_form = form
        return box

    def _build_preset(self) -> QGroupBox:
        box, form = form_group("Preset", "Sample a data set from a generator.")
        self.preset_combo = QComboBox()
        self.preset_combo.setPlaceholderText("drawn data")
        self.preset_combo.setMaxVisibleItems(30)
        model = self.preset_combo.model()
        seen = set()
        groups = list(_GROUPS) + sorted({(i.kind, i.n_inputs, f"{i.n_inputs}-D {i.kind}")
                                          for i in GENERATORS.values()} - {g for g in _GROUPS})
        for kind, n_inputs, heading in groups:
            members = [i for i in GENERATORS.values() if i.kind == kind and i.n_inputs == n_inputs]
            if not members:
                continue
            self.preset_combo.addItem(heading)
            header = model.item(self.preset_combo.count() - 1)
            header.setFlags(Qt.NoItemFlags)
            font = QFont(header.font())
            font.setBold(True)
            header.setFont(font)
            for info in members:
                seen.add(info.name)
                self.preset_combo.addItem(info.label, info.name)
                self.preset_combo.setItemData(self.preset_combo.count() - 1, info.description, Qt.ToolTipRole)
        assert seen == set(GENERATORS)
        self.preset_combo.setItemDelegate(_IndentedItems(self.preset_combo))
        self.preset_combo.currentIndexChanged.connect(self._preset_changed)
        form.addRow("Data set", self.preset_combo)

        enter = "\nPress Enter or Regenerate to draw a new sample."
        self.points_spin = configure_box(int_spin(1, 200, 200, "Number of points to sample." + enter),
                                         DATA_PARAMETERS["n_points"])
        self.noise_spin = configure_box(float_spin(0.0, 2.0, 0.1, 2, 0.01, "Standard deviation of the noise added "
                                                   "(each preset says what it perturbs)." + enter),
                                        DATA_PARAMETERS["noise"])
        self.seed_spin = seed_spin("Seed of the random sample: the same seed gives the same points." + enter)
        self.preset_classes_spin = configure_box(int_spin(MIN_CLASSES, MAX_CLASSES, 3, "Number of classes (only for "
                                                          "presets that offer a choice)." + enter),
                                                 DATA_PARAMETERS["n_classes"])
        for spin in (self.points_spin, self.noise_spin, self.seed_spin, self.preset_classes_spin):
            spin.lineEdit().returnPressed.connect(self._regenerate_clicked)
        form.addRow("Points", inline_row(self.points_spin, "noise", self.noise_spin))
        form.addRow("Seed", inline_row(self.seed_spin, "classes", self.preset_classes_spin))
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setToolTip("Sample the preset again with the settings above.")
        self.regenerate_button.clicked.connect(self._regenerate_clicked)
        form.addRow("", self.regenerate_button)
        return box

    def _build_split(self) -> QGroupBox:
        box, form = form_group("Split", "Train on one part, tune on the validation part, report the test part.")
        # In percent; the validation and test boxes stop where the training share is at its least.
        self.train_spin = configure_box(int_spin(70, 70, 70, "Share of the points used to fit the weights.",
                                                 suffix=" %"), DATA_PARAMETERS["train_share"], scale=100)
        self.val_spin = int_spin(0, 100 - self.train_spin.minimum(), 15, "Share held out to watch over-fitting and "
                                 "for early stopping (PRML 5.5.2).", suffix=" %")
        self.test_spin = int_spin(0, 100 - self.train_spin.minimum(), 15, "Share kept aside to estimate the error "
                                  "on new data.", suffix=" %")
        self.train_spin.valueChanged.connect(lambda v: self._share_changed(0))
        self.val_spin.valueChanged.connect(lambda v: self._share_changed(1))
        self.test_spin.valueChanged.connect(lambda v: self._share_changed(2))
        form.addRow("Training", self.train_spin)
        form.addRow("Validation", inline_row(self.val_spin, "test", self.test_spin))
        self.split_seed_spin = seed_spin("Seed of the random split (stratified by class).")
        self.split_seed_spin.valueChanged.connect(self._split_seed_changed)
        form.addRow("Split seed", self.split_seed_spin)
        self.show_test_check = QCheckBox("Show test points")
        self.show_test_check.setToolTip("Draw the test points in the data view (hollow markers).")
        self.show_test_check.toggled.connect(self._show_test_toggled)
        form.addRow(self.show_test_check)
        return box

    def _build_features(self) -> QGroupBox:
        box = QGroupBox("Input features")
        box.setToolTip("What the network sees as inputs. Extra features are fixed basis functions of the "
                       "inputs (PRML 3.1); at least one must stay on.")
        self.features_grid = QGridLayout(box)
        self.features_grid.setContentsMargins(8, 6, 8, 6)
        self.features_grid.setVerticalSpacing(2)
        self.feature_checks: dict[str, QCheckBox] = {}
        for name in FEATURES:
            check = QCheckBox(feature_label(name))
            check.setToolTip(_FEATURE_TIPS.get(name, name))
            check.toggled.connect(lambda on, name=name: self._feature_toggled(name, on))
            self.feature_checks[name] = check
        self.features_note = HintLabel("")
        return box

    # ------------------------------------------------------------------------------- public API
    def set_data_config(self, config: DataConfig, shown: str | None = None) -> None:
        """Show ``config`` (preset settings, split, features) without emitting.

        ``shown`` is the name of the data set on screen: when it is not the config's preset
        (an imported file, an undone preset, a new drawing) the combo names it instead.
        """
        with self._quietly():
            info = GENERATORS.get(config.generator) if config.generator else None
            if info is not None and shown is not None and shown != info.name:
                info = None
            if info is not None:
                self.preset_combo.setCurrentIndex(self.preset_combo.findData(info.name))
            else:
                self.preset_combo.setPlaceholderText(shown_data_label(config, shown))
                self.preset_combo.setCurrentIndex(-1)
            self._update_preset_controls()
            if info is not None:
                self.points_spin.setValue(info.default_points if config.n_points is None else config.n_points)
                self.noise_spin.setValue(info.default_noise if config.noise is None else config.noise)
                default_classes = DEFAULT_PRESET_CLASSES if info.multi_class else 2
                self.preset_classes_spin.setValue(config.n_classes or default_classes)
            self.seed_spin.setValue(config.seed)
            self._show_split(config.split, config.split_seed)
            n_inputs = info.n_inputs if info is not None else self._n_inputs
            if config.features is not None:
                n_inputs = max(n_inputs, _inputs_needed(config.features))
            self._show_features(config.features or raw_features(n_inputs), n_inputs)

    def set_dataset_info(self, kind: str, n_inputs: int, n_classes: int | None, n_points: int) -> None:
        """Show what the current data set is: drawing mode, class buttons, available features, summary."""
        with self._quietly():
            self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(kind)))
            if kind == "classification" and n_classes:
                self._show_n_classes(n_classes)
            self._show_features(self.features() or raw_features(n_inputs), n_inputs)
            points = f"{n_points:,} point{'s' if n_points != 1 else ''}"
            if kind == "classification":
                self.summary.setText(f"{points}, {n_classes} classes")
            else:
                self.summary.setText(f"{points}, regression on {n_inputs} input{'s' if n_inputs != 1 else ''}")

    def set_current_class(self, k: int) -> None:
        if 0 <= k < self._n_classes:
            with self._quietly():
                self.class_buttons[k].setChecked(True)

    def select_class(self, k: int) -> None:
        """Choose the drawing class as a user would (keys 1-6); classes >= K are ignored."""
        if 0 <= k < self._n_classes and self.mode() == "classification":
            self.class_buttons[k].setChecked(True)
            self._class_clicked(k)

    def set_mode(self, mode: str) -> None:
        with self._quietly():
            self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))

    def set_brush_radius(self, radius: float) -> None:
        with self._quietly():
            self.brush_spin.setValue(radius)

    def set_show_test(self, show: bool) -> None:
        with self._quietly():
            self.show_test_check.setChecked(show)

    # getters --------------------------------------------------------------------------------------
    def current_class(self) -> int:
        return self.class_group.checkedId()

    def n_classes(self) -> int:
        return self._n_classes

    def mode(self) -> str:
        return self.mode_combo.currentData()

    def brush_radius(self) -> float:
        return self.brush_spin.value()

    def split(self) -> tuple[tuple[float, float, float], int]:
        shares = (self.train_spin.value(), self.val_spin.value(), self.test_spin.value())
        return tuple(s / 100.0 for s in shares), self.split_seed_spin.value()

    def features(self) -> tuple[str, ...] | None:
        """The checked features, or None when they are exactly the raw inputs."""
        names = tuple(n for n in self._available if self.feature_checks[n].isChecked())
        return None if names == raw_features(self._n_inputs) else names

    def preset_config(self) -> DataConfig | None:
        """The DataConfig that Regenerate would request (None without a preset)."""
        name = self.preset_combo.currentData()
        if name not in GENERATORS:
            return None
        info = GENERATORS[name]
        (split, seed) = self.split()
        return DataConfig(generator=name, n_points=self.points_spin.value(), noise=self.noise_spin.value(),
                          seed=self.seed_spin.value(),
                          n_classes=self.preset_classes_spin.value() if info.multi_class else None,
                          split=split, split_seed=seed, features=self.features())

    # ------------------------------------------------------------------------------- internals
    def _show_n_classes(self, n_classes: int) -> None:
        n_classes = min(max(n_classes, MIN_CLASSES), MAX_CLASSES)
        self._n_classes = n_classes
        with blocked(self.classes_spin):
            self.classes_spin.setValue(n_classes)
        for k, button in enumerate(self.class_buttons):
            button.setVisible(k < n_classes)
        if self.current_class() >= n_classes:
            self.class_buttons[n_classes - 1].setChecked(True)

    def _show_split(self, split, seed: int) -> None:
        train = min(max(round(split[0] * 100), 1), 100)
        val = min(max(round(split[1] * 100), 0), 100 - train)
        with blocked(self.train_spin, self.val_spin, self.test_spin, self.split_seed_spin):
            self.train_spin.setValue(train)
            self.val_spin.setValue(val)
            self.test_spin.setValue(100 - train - val)
            self.split_seed_spin.setValue(seed)

    def _show_features(self, checked, n_inputs: int) -> None:
        n_inputs = 1 if n_inputs <= 1 else 2
        self._n_inputs = n_inputs
        available = features_for_inputs(n_inputs)
        self._available = available
        checked = [n for n in checked if n in available] or list(raw_features(n_inputs))
        while self.features_grid.count():
            self.features_grid.takeAt(0)
        # a column per input: x1, x1^2, sin(x1) | x2, x2^2, sin(x2); then the rest (x1*x2)
        row = 0
        placed = set()
        for row, pair in enumerate(_FEATURE_GRID):
            for column, name in enumerate(pair):
                if name in available:
                    self.features_grid.addWidget(self.feature_checks[name], row, column)
                    placed.add(name)
        row = len(_FEATURE_GRID)
        for i, name in enumerate(n for n in available if n not in placed):
            self.features_grid.addWidget(self.feature_checks[name], row + i // 2, i % 2)
        for name in FEATURES:
            check = self.feature_checks[name]
            with blocked(check):
                check.setChecked(name in available and name in checked)
            check.setVisible(name in available)
        self.features_grid.addWidget(self.features_note, row + 4, 0, 1, 2)
        self.features_note.setText("")
        self.features_note.setVisible(False)

    def _update_preset_controls(self) -> None:
        info = GENERATORS.get(self.preset_combo.currentData())
        self._multi_class = self.preset_classes_spin.isEnabled()  # before this change
        self.preset_classes_spin.setEnabled(info is not None and info.multi_class)
        if info is not None and not info.multi_class:
            with blocked(self.preset_classes_spin):
                self.preset_classes_spin.setValue(2 if info.kind == "classification" else MIN_CLASSES)
        self.regenerate_button.setEnabled(info is not None)
        self.preset_combo.setToolTip(info.description if info is not None else
                                     "Choose a preset to replace the data by a fresh sample.")

    # handlers -----------------------------------------------------------------------------------
    def _mode_changed(self, _index: int) -> None:
        classification = self.mode() == "classification"
        set_row_visible(self._draw_form, self.class_row, classification)
        if self._user:
            self.sigModeChanged.emit(self.mode())

    def _class_clicked(self, k: int) -> None:
        if self._user:
            self.sigClassChanged.emit(k)

    def _classes_changed(self, n_classes: int) -> None:
        before = self.current_class()
        self._show_n_classes(n_classes)
        if self._user:
            self.sigNumClassesChanged.emit(n_classes)
            if self.current_class() != before:
                self.sigClassChanged.emit(self.current_class())

    def _brush_slider_moved(self, position: int) -> None:
        with blocked(self.brush_spin):
            self.brush_spin.setValue(position * MAX_BRUSH / _BRUSH_STEPS)
        if self._user:
            self.sigBrushRadiusChanged.emit(self.brush_spin.value())

    def _brush_spin_changed(self, value: float) -> None:
        with blocked(self.brush_slider):
            self.brush_slider.setValue(round(value / MAX_BRUSH * _BRUSH_STEPS))
        if self._user:
            self.sigBrushRadiusChanged.emit(value)

    def _clear_clicked(self) -> None:
        self.sigClearRequested.emit()

    def _preset_changed(self, _index: int) -> None:
        self._update_preset_controls()
        info = GENERATORS.get(self.preset_combo.currentData())
        if not self._user or info is None:
            return
        with self._quietly():
            self.points_spin.setValue(info.default_points)
            self.noise_spin.setValue(info.default_noise)
            if info.multi_class and not self._multi_class:  # coming from a two-class preset
                self.preset_classes_spin.setValue(DEFAULT_PRESET_CLASSES)
            self._show_features(self.features() or raw_features(info.n_inputs), info.n_inputs)
        self.sigGenerateRequested.emit(self.preset_config())

    def _regenerate_clicked(self) -> None:
        config = self.preset_config()
        if config is not None and self._user:
            self.sigGenerateRequested.emit(config)

    def _share_changed(self, which: int) -> None:
        train, val, test = self.train_spin.value(), self.val_spin.value(), self.test_spin.value()
        if which == 0:  # training changed: validation keeps what fits, test takes the rest
            val = min(val, 100 - train)
            test = 100 - train - val
        elif which == 1:  # validation changed: test takes the rest, then training gives way
            test = 100 - train - val
            if test < 0:
                test, train = 0, 100 - val
        else:  # test changed: validation takes the rest, then training gives way
            val = 100 - train - test
            if val < 0:
                val, train = 0, 100 - test
        with blocked(self.train_spin, self.val_spin, self.test_spin):
            self.train_spin.setValue(train)
            self.val_spin.setValue(val)
            self.test_spin.setValue(test)
        if self._user:
            self.sigSplitChanged.emit(self.split())

    def _split_seed_changed(self, _seed: int) -> None:
        if self._user:
            self.sigSplitChanged.emit(self.split())

    def _show_test_toggled(self, on: bool) -> None:
        if self._user:
            self.sigShowTestChanged.emit(on)

    def _feature_toggled(self, name: str, on: bool) -> None:
        if not on and not any(self.feature_checks[n].isChecked() for n in self._available):
            check = self.feature_checks[name]
            with blocked(check):
                check.setChecked(True)
            self.features_note.setText("The network needs at least one input.")
            self.features_note.setVisible(True)
            return
        self.features_note.setVisible(False)
        if self._user:
            self.sigFeaturesChanged.emit(self.features())
