"""The Training panel: run controls, optimiser and its settings, learning rate, batch size, schedule."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QStyle, QVBoxLayout, QWidget,
)

from playground.core.optimizers import OPTIMIZERS, SCHEDULE_NAMES, Schedule
from playground.core.params import HYPER_PARAMETERS, POSITIVE, TRAINING_PARAMETERS
from playground.core.training import TrainingOptions

from .widgets import (
    FINE_DECIMALS, HintLabel, LogInput, LogSpinBox, Panel, Section, WarningLabel, blocked, configure_box, float_spin,
    form_group, guard_wheels, int_spin, seed_spin, set_row_visible, set_shown_value,
)

# Epochs per displayed frame; None: as fast as possible.
SPEED_LEVELS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, None)
DEFAULT_SPEED = 2  # about 60 epochs a second: the boundary forms over several seconds (issue 15's pace)
FRAMES_PER_SECOND = 30  # gui/background.FRAME_INTERVAL; the panel says the pace in epochs a second too

LR_MIN, LR_MAX = 1e-9, 100.0  # where the arrows stop; typed or loaded, any rate the trainer takes (> 0)
LR_SLIDER = (-5, 1)  # log10 range of the slider

# Known optimiser settings: key -> (label, tooltip, widget kind...). The range a box takes is the
# setting's declaration in params.HYPER_PARAMETERS (what the optimiser and the config parser take).
#   ("linear", decimals, step) | ("log", arrows' low, arrows' high) | ("int",) | ("bool",)
HYPER = {
    "momentum": ("Momentum \u03bc", "Fraction of the previous step kept: v \u2190 \u03bc v + \u2207E, "
                 "w \u2190 w \u2212 \u03b7 v (PRML 5.2.4).", ("linear", FINE_DECIMALS, 0.05)),
    "nesterov": ("Nesterov", "Take the gradient after the momentum step (look-ahead), which damps "
                 "oscillations.", ("bool",)),
    "beta1": ("\u03b2\u2081", "Decay rate of Adam's running mean of the gradient.", ("linear", FINE_DECIMALS, 0.01)),
    "beta2": ("\u03b2\u2082", "Decay rate of Adam's running mean of the squared gradient.",
              ("linear", FINE_DECIMALS, 0.001)),
    "rho": ("\u03c1", "Decay rate of the running mean of the squared gradient: "
            "s \u2190 \u03c1 s + (1\u2212\u03c1) g\u00b2.", ("linear", FINE_DECIMALS, 0.01)),
    "eps": ("\u03b5", "Added to \u221as so that a tiny gradient history does not blow the step up.",
            ("log", 1e-12, 1e-2)),
    "damping": ("Damping \u03bc", "Initial Levenberg-Marquardt damping in (H + \u03bcI) d = \u2212g: large "
                "\u03bc gives short gradient-descent-like steps, small \u03bc full Newton steps (PRML 5.4).",
                ("log", 1e-12, 1e6)),
    "memory": ("Memory", "Number of recent (step, gradient change) pairs L-BFGS keeps to model the inverse "
               "Hessian.", ("int",)),
}

SCHEDULES = {
    "constant": ("constant", "\u03b7\u209c = \u03b7: the same learning rate throughout."),
    "step": ("step", "\u03b7\u209c = \u03b7 \u00b7 drop^\u230at / every\u230b: multiply by 'drop' every so "
             "many epochs."),
    "inverse_time": ("inverse time", "\u03b7\u209c = \u03b7 / (1 + decay \u00b7 t): the Robbins-Monro kind of "
                     "decrease that lets stochastic gradient descent converge (PRML 2.3.5)."),
}


def _first_paragraph(doc: str | None) -> str:
    text = (doc or "").strip().split("\n\n")[0]
    return " ".join(text.split())


def speed_text(level) -> str:
    if level is None:
        return "as fast as possible"
    return f"{level} epoch{'s' if level != 1 else ''} per frame"


def speed_words(level) -> str:
    """What a speed level does, in words (the slider's tooltip and the label's)."""
    if level is None:
        return "As fast as the computer goes: a small problem is over before the eye can follow."
    rate = level * FRAMES_PER_SECOND
    pace = "slow enough to watch every step" if rate <= 100 else "quick" if rate <= 1000 else "a blur"
    return f"{speed_text(level)}: {speed_pace(level)}, {pace}."


def speed_pace(level) -> str:
    """The pace in a few words, for the Run group's title (short: the title sets the panel's width)."""
    if level is None:
        return "flat out"
    return f"about {level * FRAMES_PER_SECOND:,} epochs a second"


class TrainingPanel(Panel):
    """Run controls and the optimiser settings.

    Signals (user changes only): sigTrainingChanged(TrainingOptions), sigPlayToggled(bool),
    sigStepRequested(), sigResetRequested(), sigSpeedChanged(int | None).
    Methods: set_training(TrainingOptions), set_running(bool), set_speed(int | None),
    training_options() -> TrainingOptions, speed() -> int | None, is_running() -> bool.
    """

    sigTrainingChanged = Signal(object)
    sigPlayToggled = Signal(bool)
    sigStepRequested = Signal()
    sigResetRequested = Signal()
    sigSpeedChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._base = TrainingOptions()
        self._explicit: set[str] = set()  # settings given explicitly by the last set_training
        self._batch = 0  # the batch size shown for optimisers that take mini-batches (0: full batch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self._build_run())
        layout.addWidget(self._build_optimizer())
        self.error = WarningLabel()
        layout.addWidget(self.error)
        self.range_note = WarningLabel()  # a loaded value no box can hold, said plainly
        layout.addWidget(self.range_note)
        layout.addStretch(1)
        with self._quietly():
            self.set_training(TrainingOptions())
            self.set_speed(DEFAULT_SPEED)
            self.set_running(False)
        guard_wheels(self)

    # ------------------------------------------------------------------------------- building
    def _build_run(self) -> QGroupBox:
        box, form = form_group("Run")
        style = self.style()
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.play_button = QPushButton()
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Start or pause training (Space)")
        self.play_button.toggled.connect(self._play_toggled)
        self.step_button = QPushButton(style.standardIcon(QStyle.SP_MediaSkipForward), "Step")
        self.step_button.setToolTip("Train for one epoch (S)")
        self.step_button.clicked.connect(self._step_clicked)
        self.reset_button = QPushButton(style.standardIcon(QStyle.SP_BrowserReload), "Reset")
        self.reset_button.setToolTip("Draw new initial weights and start again from epoch 0 (R)")
        self.reset_button.clicked.connect(self._reset_clicked)
        row.addWidget(self.play_button, 1)
        row.addWidget(self.step_button, 1)
        row.addWidget(self.reset_button, 1)
        form.addRow(buttons)

        self.speed_slider = QSlider(Qt.Horizontal)
        self.speed_slider.setRange(0, len(SPEED_LEVELS) - 1)
        self.speed_slider.setPageStep(1)
        self.speed_slider.setTickPosition(QSlider.TicksBelow)
        self.speed_slider.setToolTip("Epochs trained between two redraws: from one epoch per frame (watch every "
                                     "step) to as fast as possible.")
        self.speed_slider.valueChanged.connect(self._speed_moved)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(self.speed_label.fontMetrics().horizontalAdvance(speed_text(None)))
        speed = QWidget()  # slider and its reading on one row
        speed_row = QHBoxLayout(speed)
        speed_row.setContentsMargins(0, 0, 0, 0)
        speed_row.addWidget(self.speed_slider, 1)
        speed_row.addWidget(self.speed_label)
        form.addRow("Speed", speed)
        self.run_box = box  # its title says the pace in words (epochs a second, and whether the eye can follow)
        return box

    def _say_speed(self, level) -> None:
        self.run_box.setTitle(f"Run \u2014 {speed_pace(level)}")
        self.speed_label.setToolTip(speed_words(level))

    def _build_optimizer(self) -> QGroupBox:
        box, form = form_group("Optimizer", "How the weights move downhill on the error surface (PRML 5.2.4).")
        self._form = form
        self.optimizer_combo = QComboBox()
        names = [n for n, c in OPTIMIZERS.items() if not c.full_batch_only]
        batch_only = [n for n, c in OPTIMIZERS.items() if c.full_batch_only]
        for name in names + batch_only:
            if name == (batch_only or [None])[0] and names:
                self.optimizer_combo.insertSeparator(self.optimizer_combo.count())
            cls = OPTIMIZERS[name]
            self.optimizer_combo.addItem(cls.label or name, name)
            self.optimizer_combo.setItemData(self.optimizer_combo.count() - 1, _first_paragraph(cls.__doc__),
                                             Qt.ToolTipRole)
        self.optimizer_combo.currentIndexChanged.connect(self._optimizer_changed)
        form.addRow("Method", self.optimizer_combo)

        self.lr_input = configure_box(LogInput(LR_MIN, LR_MAX, 0.01, slider_range=LR_SLIDER),
                                      TRAINING_PARAMETERS["lr"])
        self.lr_input.setToolTip("Learning rate \u03b7: the step is \u2212\u03b7 \u2207E (PRML 5.41). Type e.g. "
                                 "0.003 or 3e-3. Too large and the error explodes, too small and nothing moves.")
        self.lr_input.sigValueChanged.connect(self._changed)
        form.addRow("Learning rate", self.lr_input)
        self.lr_note = HintLabel()
        form.addRow(self.lr_note)

        self.batch_spin = int_spin(0, 1, 0, "Points per weight update. 'full batch' uses every training "
                                   "point (batch gradient descent); a few points give cheap, noisy steps "
                                   "(stochastic gradient descent, PRML 5.2.4).", special="full batch")
        configure_box(self.batch_spin, TRAINING_PARAMETERS["batch_size"], none_below=True)  # 0: full batch
        self.batch_spin.valueChanged.connect(self._batch_changed)
        form.addRow("Batch size", self.batch_spin)
        self.batch_note = HintLabel()
        form.addRow(self.batch_note)

        # Rarely changed: the optimisers' own settings and the shuffle seed, then the schedule,
        # each in a section that opens on a click (the essentials above fit without scrolling).
        self.settings_section = Section("Optimizer settings", "The chosen optimiser's own settings and the "
                                        "shuffle seed.")
        self._more_form = self.settings_section.form
        # One row per (optimiser, setting), only the current one's shown.
        self.hyper_widgets: dict[str, dict[str, QWidget]] = {}
        for name, cls in OPTIMIZERS.items():
            widgets = {}
            for key, default in cls.defaults.items():
                label, widget = self._hyper_widget(key, default)
                self._more_form.addRow(label, widget)
                widgets[key] = widget
            self.hyper_widgets[name] = widgets
        self.seed_spin = seed_spin("Seed of the order in which mini-batches visit the points.")
        self.seed_spin.valueChanged.connect(self._changed)
        self._more_form.addRow("Shuffle seed", self.seed_spin)
        form.addRow(self.settings_section)
        form.addRow(self._build_schedule())
        return box

    def _hyper_widget(self, key: str, default) -> tuple[str, QWidget]:
        label, tip, kind = HYPER.get(key, (key, f"Setting '{key}' of this optimiser.", None))
        constraint = HYPER_PARAMETERS.get(key, POSITIVE)  # as Optimizer._validate reads it
        if isinstance(default, bool) or (kind and kind[0] == "bool"):
            widget = QCheckBox()
            widget.setChecked(bool(default))
            widget.toggled.connect(self._changed)
        else:
            # Built without a range: configure_box gives the declared one, then the default is shown.
            if kind and kind[0] == "int" or (kind is None and isinstance(default, int)):
                widget = int_spin(0, 0, 0)
            elif kind and kind[0] == "linear":
                widget = float_spin(0.0, 0.0, 0.0, *kind[1:])
            else:
                widget = LogSpinBox(*(kind[1:] if kind else (1e-12, 1e6)))  # where the arrows stop
            configure_box(widget, constraint)
            widget.setValue(default)
            widget.valueChanged.connect(self._changed)
        widget.setToolTip(tip)
        return label, widget

    def _build_schedule(self) -> Section:
        box = self.schedule_section = Section("Schedule", "How the learning rate changes with the epoch t.")
        form = self._schedule_form = box.form
        self.schedule_combo = QComboBox()
        for name in SCHEDULE_NAMES:
            text, tip = SCHEDULES.get(name, (name.replace("_", " "), name))
            self.schedule_combo.addItem(text, name)
            self.schedule_combo.setItemData(self.schedule_combo.count() - 1, tip, Qt.ToolTipRole)
        self.schedule_combo.currentIndexChanged.connect(self._schedule_changed)
        form.addRow("Kind", self.schedule_combo)
        self.drop_spin = float_spin(0.0, 0.0, 0.0, FINE_DECIMALS, 0.05, "Factor applied to the learning rate at "
                                    "each drop.")
        self.every_spin = int_spin(0, 0, 0, "Epochs between two drops.", suffix=" epochs")
        self.decay_spin = LogSpinBox(1e-6, 10.0, allow_zero=True)  # the arrows stop at 1e-6 and 10, then 0
        defaults = Schedule()
        for spin, key in ((self.drop_spin, "drop"), (self.every_spin, "every"), (self.decay_spin, "decay")):
            configure_box(spin, TRAINING_PARAMETERS[key])  # the range the core and the parser take
            spin.setValue(getattr(defaults, key))
        self.decay_spin.setToolTip("Decay rate: the learning rate is halved after 1/decay epochs.")
        for spin in (self.drop_spin, self.every_spin, self.decay_spin):
            spin.valueChanged.connect(self._changed)
        form.addRow("Drop \u00d7", self.drop_spin)
        form.addRow("Every", self.every_spin)
        form.addRow("Decay", self.decay_spin)
        return box

    # ------------------------------------------------------------------------------- public API
    def set_training(self, options: TrainingOptions) -> None:
        """Show ``options`` without emitting; its regularization and early_stopping are passed on unchanged."""
        with self._quietly():
            self._base = options
            self._explicit = set(options.hyper)
            cls = OPTIMIZERS[options.optimizer]
            notes = []
            if not cls.full_batch_only or options.batch_size is not None:
                notes.append(set_shown_value(self.batch_spin, options.batch_size or 0, "The batch size"))
                self._batch = self.batch_spin.value()
            self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(options.optimizer))
            for key, widget in self.hyper_widgets[options.optimizer].items():
                value = options.hyper.get(key, cls.defaults[key])
                if isinstance(widget, QCheckBox):
                    widget.setChecked(bool(value))
                else:
                    notes.append(set_shown_value(widget, value, f"The setting {HYPER.get(key, (key,))[0]}"))
            self.lr_input.set_value(options.lr)
            notes.append(None if self.lr_input.value() == options.lr else
                         f"The learning rate {options.lr} is shown as {self.lr_input.value():g}.")
            schedule = options.schedule
            self.schedule_combo.setCurrentIndex(self.schedule_combo.findData(schedule.kind))
            notes.append(set_shown_value(self.drop_spin, schedule.drop, "The schedule's drop"))
            notes.append(set_shown_value(self.every_spin, schedule.every, "The schedule's 'every'"))
            notes.append(set_shown_value(self.decay_spin, schedule.decay, "The schedule's decay"))
            notes.append(set_shown_value(self.seed_spin, options.seed, "The shuffle seed"))
            self._refresh()
        self.error.set_text(None)
        self.range_note.set_text(" ".join(n for n in notes if n) or None)

    @Slot(bool)
    def set_running(self, running: bool) -> None:
        with self._quietly():
            self.play_button.setChecked(running)
            self._show_play_state()

    def set_speed(self, level) -> None:
        """Show the speed level (an entry of SPEED_LEVELS; other numbers snap to the nearest level)."""
        if level in SPEED_LEVELS:
            index = SPEED_LEVELS.index(level)
        else:
            index = min(range(len(SPEED_LEVELS) - 1), key=lambda i: abs(SPEED_LEVELS[i] - level))
        with self._quietly():
            self.speed_slider.setValue(index)
            self.speed_label.setText(speed_text(SPEED_LEVELS[index]))
            self._say_speed(SPEED_LEVELS[index])

    def speed(self):
        return SPEED_LEVELS[self.speed_slider.value()]

    def is_running(self) -> bool:
        return self.play_button.isChecked()

    def optimizer(self) -> str:
        return self.optimizer_combo.currentData()

    def training_options(self) -> TrainingOptions:
        """The options shown (may raise ValueError if a setting is refused by the optimiser)."""
        name = self.optimizer()
        cls = OPTIMIZERS[name]
        explicit = self._explicit if name == self._base.optimizer else set()
        hyper = {}
        for key, widget in self.hyper_widgets[name].items():
            value = self._widget_value(widget, cls.defaults[key])
            if key in explicit or value != cls.defaults[key]:
                hyper[key] = value
        batch = None if cls.full_batch_only or self.batch_spin.value() == 0 else self.batch_spin.value()
        schedule = Schedule(self.schedule_combo.currentData(), self.drop_spin.value(), self.every_spin.value(),
                            self.decay_spin.value())
        return TrainingOptions(name, self.lr_input.value(), batch, hyper, schedule, self._base.regularization,
                               self._base.early_stopping, self.seed_spin.value())

    # ------------------------------------------------------------------------------- internals
    @staticmethod
    def _widget_value(widget, default):
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        value = widget.value()
        return int(value) if isinstance(default, int) and not isinstance(default, bool) else float(value)

    def _refresh(self) -> None:
        """Show the rows of the current optimiser and schedule; enable what applies."""
        name = self.optimizer()
        cls = OPTIMIZERS[name]
        for other, widgets in self.hyper_widgets.items():
            for widget in widgets.values():
                set_row_visible(self._more_form, widget, other == name)
        self.optimizer_combo.setToolTip(_first_paragraph(cls.__doc__))
        uses_lr = cls.uses_learning_rate
        self.lr_input.setEnabled(uses_lr)
        self.lr_note.setText("" if uses_lr else f"{cls.label or name} chooses its own step length: the learning "
                                                "rate and its schedule are not used.")
        set_row_visible(self._form, self.lr_note, not uses_lr)
        with blocked(self.batch_spin):  # a full-batch-only optimiser shows "full batch", others the last choice
            self.batch_spin.setValue(0 if cls.full_batch_only else self._batch)
        self.batch_spin.setEnabled(not cls.full_batch_only)
        self.batch_note.setText(f"{cls.label or name} needs the whole training set at every step."
                                if cls.full_batch_only else "")
        set_row_visible(self._form, self.batch_note, cls.full_batch_only)
        self._update_seed_enabled()
        kind = self.schedule_combo.currentData()
        set_row_visible(self._schedule_form, self.drop_spin, kind == "step")
        set_row_visible(self._schedule_form, self.every_spin, kind == "step")
        set_row_visible(self._schedule_form, self.decay_spin, kind == "inverse_time")
        self.schedule_combo.setToolTip(self.schedule_combo.itemData(self.schedule_combo.currentIndex(),
                                                                    Qt.ToolTipRole) or "")
        self.schedule_combo.setEnabled(uses_lr)
        self.schedule_section.set_title(f"Schedule: {self.schedule_combo.currentText()}")

    def _update_seed_enabled(self) -> None:
        """The shuffle seed only matters for mini-batches."""
        self.seed_spin.setEnabled(self.batch_spin.isEnabled() and self.batch_spin.value() != 0)

    def _show_play_state(self) -> None:
        running = self.play_button.isChecked()
        icon = QStyle.SP_MediaPause if running else QStyle.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText("Pause" if running else "Play")

    # handlers -----------------------------------------------------------------------------------
    def _changed(self, *_args) -> None:
        if not self._user:
            return
        try:
            options = self.training_options()
        except ValueError as err:
            self.error.set_text(str(err))
            return
        self.error.set_text(None)
        self.range_note.set_text(None)  # what is shown is now what is used
        self.sigTrainingChanged.emit(options)

    def _optimizer_changed(self, _index: int) -> None:
        proposed = OPTIMIZERS[self.optimizer()].default_lr
        if proposed is not None and self._user:
            self.lr_input.set_value(proposed)
        self._refresh()
        self._changed()

    def _schedule_changed(self, _index: int) -> None:
        self._refresh()
        self._changed()

    def _batch_changed(self, value: int) -> None:
        self._batch = value
        self._update_seed_enabled()
        self._changed()

    def _play_toggled(self, on: bool) -> None:
        self._show_play_state()
        if self._user:
            self.sigPlayToggled.emit(on)

    def _step_clicked(self) -> None:
        self.sigStepRequested.emit()

    def _reset_clicked(self) -> None:
        self.sigResetRequested.emit()

    def _speed_moved(self, index: int) -> None:
        self.speed_label.setText(speed_text(SPEED_LEVELS[index]))
        self._say_speed(SPEED_LEVELS[index])
        if self._user:
            self.sigSpeedChanged.emit(SPEED_LEVELS[index])
