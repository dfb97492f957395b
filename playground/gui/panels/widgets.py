"""Small widgets and helpers shared by the side panels.

- `Panel`: base class of the panels. Setters run inside ``self._quietly()``; the
  handlers of child widgets still update the panel's own layout then, but emit
  the panel's signals only for changes made by the user (``self._user``).
- `blocked(*objects)`: block Qt signals of some objects for a ``with`` block.
- `DecimalSpinBox`: a QDoubleSpinBox without trailing zeros that reads 0.5 and 5e-1.
- `LogSpinBox`, `LogSlider`, `LogInput`: positive numbers on a logarithmic scale
  (learning rates, weight-decay coefficients, eps), typed as ``0.003`` or
  ``3e-3``, stepped along 1-2-5, optionally with an explicit 0 ("off").
- `int_spin`, `float_spin`: spin boxes that report a typed value only on Enter
  (or focus loss), never keystroke by keystroke.
- `configure_box(box, constraint)`: the box's range from a declaration of playground.core.params,
  so it holds what the core and the config parser take (as far as a spin box can).
- `form_group`, `HintLabel`, `WarningLabel`, `set_row_visible`: compact layout
  pieces that follow the application palette (light or dark).
- `Section`: a collapsible part of a form (rarely used settings), collapsed by default.
- `guard_wheel`, `guard_wheels`: the mouse wheel changes a spin box, slider or combo box
  only once it has focus; otherwise the wheel scrolls the panel (Panel applies it to all).
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager

from playground.core.params import MAX_SEED, SEED, Interval

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QPalette, QValidator
from PySide6.QtWidgets import (
    QAbstractSlider, QAbstractSpinBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
    QSizePolicy, QSlider, QSpinBox, QStyle, QToolButton, QVBoxLayout, QWidget,
)

SEED_MAX = MAX_SEED  # the seeds' declared range ends where a QSpinBox ends
INT_MAX = 2**31 - 1  # the largest a QSpinBox holds: "no upper limit" for a whole number (patience, batch size)
# "No upper limit" for a number in a box: the core takes every lr, eps, damping, penalty coefficient
# > 0, so the boxes take what it takes (and show it), not a teaching range. Just above 0 is 1e-300 in
# a log box (its 323 decimals), 1e-12 in a linear one; just below 1 is 1 - 1e-12 (see box_range).
POSITIVE_MAX = 1e300
FINE_DECIMALS = 12  # decimals of the linear boxes: 0.9999 stays 0.9999 (shown without trailing zeros)


@contextmanager
def blocked(*objects):
    """Block the Qt signals of ``objects`` inside the ``with`` block (restoring the previous state)."""
    states = [(obj, obj.blockSignals(True)) for obj in objects]
    try:
        yield
    finally:
        for obj, state in reversed(states):
            obj.blockSignals(state)


# --------------------------------------------------------------------------------------------
# The mouse wheel
# --------------------------------------------------------------------------------------------


class _WheelGuard(QObject):
    """Event filter: a wheel event over a control without focus is ignored, so Qt passes it on
    to the parent (the panel's scroll area scrolls) instead of changing the value under the mouse."""

    def eventFilter(self, obj, event):  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Wheel and not obj.hasFocus():
            event.ignore()
            return True
        return False


_wheel_guard: _WheelGuard | None = None
_GUARDED = "wheelGuarded"
_WHEEL_CONTROLS = (QAbstractSpinBox, QAbstractSlider, QComboBox)


def guard_wheel(widget: QWidget) -> QWidget:
    """Let the wheel change ``widget`` only once it has focus (a click or Tab gives it focus;
    the wheel alone does not). Returns ``widget``."""
    global _wheel_guard
    if widget.property(_GUARDED):
        return widget
    if _wheel_guard is None:
        _wheel_guard = _WheelGuard()
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(_wheel_guard)
    widget.setProperty(_GUARDED, True)
    return widget


def guard_wheels(root: QWidget) -> None:
    """`guard_wheel` for every spin box, slider and combo box inside ``root``."""
    for kind in _WHEEL_CONTROLS:
        for widget in root.findChildren(kind):
            guard_wheel(widget)


class Panel(QWidget):
    """A side panel: a pure view that emits complete configs for changes made by the user.
    Its spin boxes, sliders and combo boxes take the mouse wheel only when focused (`guard_wheel`):
    the panels call `guard_wheels` when built, and every panel does once more when first shown."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._setting = 0

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        guard_wheels(self)  # also the controls of panels that did not call it
        super().showEvent(event)

    @contextmanager
    def _quietly(self):
        """Programmatic updates: child-widget handlers run, panel signals stay silent."""
        self._setting += 1
        try:
            yield
        finally:
            self._setting -= 1

    @property
    def _user(self) -> bool:
        """True while handling a change the user made (not one made by a ``set_*`` method)."""
        return self._setting == 0


# --------------------------------------------------------------------------------------------
# Numbers on a log scale
# --------------------------------------------------------------------------------------------

_PARTIAL_NUMBER = re.compile(r"^[+]?(\d*\.?\d*)([eE][+-]?\d*)?$")


def format_number(value: float, digits: int | None = 3) -> str:
    """``value`` with ``digits`` significant digits (None: as many as it takes to read back the
    same number) and a short exponent: 0.003, 1e-8, 2.5e6."""
    if value == 0:
        return "0"
    if digits is None:
        text = repr(float(value))
        text = text[:-2] if text.endswith(".0") else text
    else:
        text = f"{value:.{digits}g}"
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return text
    sign = "-" if exponent.startswith("-") else ""
    return f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"


def round_significant(value: float, digits: int = 2) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{digits}g}")


def _grid_step(value: float, up: bool) -> float:
    """The next value of the 1-2-5 series above (or below) ``value`` > 0."""
    exponent = math.floor(math.log10(value))
    candidates = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5)]
    candidates = [round_significant(c, 1) for c in candidates]
    if up:
        return min(c for c in candidates if c > value * (1 + 1e-9))
    return max(c for c in candidates if c < value * (1 - 1e-9))


class DecimalSpinBox(QDoubleSpinBox):
    """A QDoubleSpinBox that shows no trailing zeros (0.1, not 0.100) and reads numbers with a
    decimal point or an exponent (3e-3) whatever the locale. Reports typed values on Enter."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QDoubleSpinBox.CorrectToNearestValue)
        self.setAlignment(Qt.AlignRight | Qt.AlignVCenter)

    def _room(self, hint, longest: int):
        """``hint`` with room for the range's ends cut to ``longest`` characters instead of Qt's 18: a box
        that takes up to 1e308 (a declared range) need not be 165 px wide (it widened the Network panel)."""
        metrics = self.fontMetrics()
        affix = self.prefix() + self.suffix()

        def widest(cut):
            texts = [self.textFromValue(self.minimum())[:cut], self.textFromValue(self.maximum())[:cut],
                     self.specialValueText()[:cut], self.textFromValue(self.value())]
            return max(metrics.horizontalAdvance(t + affix) for t in texts)
        hint.setWidth(hint.width() - max(0, widest(18) - widest(longest)))
        return hint

    def sizeHint(self):  # noqa: N802 (Qt name)
        return self._room(super().sizeHint(), 12)

    def minimumSizeHint(self):  # noqa: N802 (Qt name)
        return self._room(super().minimumSizeHint(), 8)

    def _format(self, value: float) -> str:
        text = f"{value:.{self.decimals()}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    # Qt's text <-> value hooks -----------------------------------------------------------------
    def textFromValue(self, value: float) -> str:
        return self._format(value)

    def _parse(self, text: str) -> float | None:
        text = text.strip()
        special = self.specialValueText()
        if special and text.lower() == special.lower():
            return self.minimum()
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def valueFromText(self, text: str) -> float:
        value = self._parse(text)
        return self.value() if value is None else value

    def validate(self, text: str, pos: int):
        value = self._parse(text)
        if value is not None:
            ok = self.minimum() <= value <= self.maximum()
            return (QValidator.Acceptable if ok else QValidator.Intermediate), text, pos
        stripped = text.strip()
        special = self.specialValueText()
        if special and special.lower().startswith(stripped.lower()):
            return QValidator.Intermediate, text, pos
        if self.minimum() < 0 and stripped.startswith("-"):
            stripped = stripped[1:]
        if _PARTIAL_NUMBER.match(stripped):
            return QValidator.Intermediate, text, pos
        return QValidator.Invalid, text, pos

    def fixup(self, text: str) -> str:
        value = self._parse(text)
        if value is None:
            return self.textFromValue(self.value())
        return self.textFromValue(min(max(value, self.minimum()), self.maximum()))


class LogSpinBox(DecimalSpinBox):
    """A positive number typed as ``0.003`` or ``3e-3``, shown with 3 significant digits.

    The arrows step along 1, 2, 5, 10, 20, ... and not below ``minimum``. With ``allow_zero``
    the value 0 is allowed too and shown as ``zero_text``; stepping down from ``minimum``
    reaches it. A typed or set value may take ``minimum`` to ``maximum`` (values outside are
    clamped on Enter) until `set_accepted` (or `configure_box`, from a declared range) widens it.
    """

    def __init__(self, minimum: float = 1e-6, maximum: float = 10.0, value: float | None = None, *,
                 allow_zero: bool = False, zero_text: str = "0", digits: int | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        if not 0 < minimum < maximum:
            raise ValueError("LogSpinBox needs 0 < minimum < maximum")
        self._min_positive = float(minimum)
        self._allow_zero = allow_zero
        self._digits = digits
        # QDoubleSpinBox rounds values to this many decimals: the most it takes, so that 1e-300 stays 1e-300
        self.setDecimals(323)
        self.setRange(0.0 if allow_zero else minimum, maximum)
        if allow_zero:
            self.setSpecialValueText(zero_text)
        self.setValue(minimum if value is None else value)

    @property
    def min_positive(self) -> float:
        return self._min_positive

    def set_accepted(self, low: float, high: float) -> None:
        """The range a typed or set value may take; with 0 in it, stepping down reaches 0."""
        self._allow_zero = low <= 0
        self.setRange(low, high)

    def _format(self, value: float) -> str:
        return format_number(value, self._digits)

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            if steps > 0:
                value = self._min_positive if value < self._min_positive else _grid_step(value, up=True)
            elif value <= self._min_positive:
                value = 0.0 if self._allow_zero else self._min_positive
            else:
                value = max(_grid_step(value, up=False), self._min_positive)
        self.setValue(min(value, self.maximum()))

    def sizeHint(self):
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        shown = max((self.textFromValue(v) for v in (self.minimum(), self.maximum(), self.value())),
                    key=metrics.horizontalAdvance)
        extra = metrics.horizontalAdvance("8.88e-88") - metrics.horizontalAdvance(shown)
        if extra > 0:
            hint.setWidth(hint.width() + extra)
        return hint

    minimumSizeHint = sizeHint


class LogSlider(QSlider):
    """A horizontal slider over log10 of a value, ``steps_per_decade`` positions a decade.

    With ``allow_zero`` the leftmost position means 0. Positions map to values
    rounded to two significant digits (0.001, 0.0013, 0.0016, 0.002, 0.0025, ...).
    """

    def __init__(self, low_exponent: int, high_exponent: int, *, steps_per_decade: int = 10,
                 allow_zero: bool = False, parent: QWidget | None = None):
        super().__init__(Qt.Horizontal, parent)
        self._steps = steps_per_decade
        self._allow_zero = allow_zero
        self._low = low_exponent * steps_per_decade
        high = high_exponent * steps_per_decade
        self._zero = self._low - 1 if allow_zero else None
        self.setRange(self._low - 1 if allow_zero else self._low, high)
        self.setPageStep(steps_per_decade)
        self.setSingleStep(1)

    def value_at(self, position: int) -> float:
        if self._zero is not None and position <= self._zero:
            return 0.0
        return round_significant(10.0 ** (position / self._steps), 2)

    def position_of(self, value: float) -> int:
        if value <= 0:
            return self._zero if self._zero is not None else self.minimum()
        position = round(math.log10(value) * self._steps)
        return min(max(position, self._low), self.maximum())

    def log_value(self) -> float:
        return self.value_at(self.value())

    def set_log_value(self, value: float) -> None:
        self.setValue(self.position_of(value))


class LogInput(QWidget):
    """A `LogSlider` and a `LogSpinBox` showing one value; ``sigValueChanged(float)``
    fires once for each change the user makes with either of them."""

    sigValueChanged = Signal(float)

    def __init__(self, minimum: float, maximum: float, value: float, *, slider_range: tuple[int, int],
                 allow_zero: bool = False, zero_text: str = "0", parent: QWidget | None = None):
        super().__init__(parent)
        self.slider = LogSlider(*slider_range, allow_zero=allow_zero)
        self.spin = LogSpinBox(minimum, maximum, value, allow_zero=allow_zero, zero_text=zero_text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.setMinimumWidth(60)
        self.slider.set_log_value(value)
        self.slider.valueChanged.connect(self._slider_moved)
        self.spin.valueChanged.connect(self._spin_changed)

    def value(self) -> float:
        return self.spin.value()

    def set_value(self, value: float) -> None:
        """Show ``value`` without emitting ``sigValueChanged``."""
        with blocked(self.slider, self.spin):
            self.spin.setValue(value)
            self.slider.set_log_value(self.spin.value())

    def setToolTip(self, text: str) -> None:  # noqa: N802 (Qt naming)
        super().setToolTip(text)
        self.slider.setToolTip(text)
        self.spin.setToolTip(text)

    def _slider_moved(self, position: int) -> None:
        with blocked(self.spin):
            self.spin.setValue(self.slider.value_at(position))
        self.sigValueChanged.emit(self.spin.value())

    def _spin_changed(self, value: float) -> None:
        with blocked(self.slider):
            self.slider.set_log_value(value)
        self.sigValueChanged.emit(value)


# --------------------------------------------------------------------------------------------
# Plain spin boxes and layout pieces
# --------------------------------------------------------------------------------------------


def int_spin(minimum: int, maximum: int, value: int, tooltip: str = "", *, suffix: str = "",
             special: str = "") -> QSpinBox:
    """A QSpinBox that reports typed values on Enter; ``special`` is shown for the minimum."""
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setValue(value)
    spin.setKeyboardTracking(False)
    spin.setCorrectionMode(QSpinBox.CorrectToNearestValue)
    spin.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
    if suffix:
        spin.setSuffix(suffix)
    return _with_text(spin, special, tooltip)


def seed_spin(tooltip: str) -> QSpinBox:
    return configure_box(int_spin(0, SEED_MAX, 0, tooltip), SEED)


def box_range(box, constraint: Interval, *, none_below: bool = False, scale: float = 1) -> tuple[float, float]:
    """The range of ``box`` that holds just the values ``constraint`` takes, times ``scale`` (100
    for a box in percent). An open end moves in by the smallest step the box shows (1 in a QSpinBox,
    1e-12 at 12 decimals, 1e-300 in a log box); a missing upper end is the most a box holds.
    ``none_below``: one step below the range, the box's special text stands for None (full batch,
    default scale)."""
    integer = isinstance(box, QSpinBox)
    step = 1 if integer else 10.0 ** -min(box.decimals(), 300)
    biggest = INT_MAX if integer else POSITIVE_MAX
    lo, hi = constraint.lo, constraint.hi
    if lo is None:
        lo = -biggest
    else:
        lo = lo * scale
        if not constraint.lo_closed:
            lo = lo + step if integer else max(lo + step, math.nextafter(lo, math.inf))
    if hi is None:
        hi = biggest
    else:
        hi = hi * scale
        if not constraint.hi_closed:
            hi = hi - step if integer else min(hi - step, math.nextafter(hi, -math.inf))
    if integer:
        lo, hi = math.ceil(lo), math.floor(hi)
    if none_below:
        lo = lo - 1 if integer else 0.0
    return max(lo, -biggest), min(hi, biggest)


def configure_box(box, constraint: Interval, *, none_below: bool = False, scale: float = 1):
    """Give ``box`` (a spin box, a `LogSpinBox` or the box of a `LogInput`) the range of ``constraint``
    (see `box_range`); the teaching range where a log box's arrows stop is left as it is. Returns ``box``."""
    spin = box.spin if isinstance(box, LogInput) else box
    low, high = box_range(spin, constraint, none_below=none_below, scale=scale)
    if isinstance(spin, LogSpinBox):
        spin.set_accepted(low, high)
    else:
        spin.setRange(low, high)
    return box


def set_shown_value(spin, value, what: str) -> str | None:
    """``spin.setValue(value)``; if the box cannot hold ``value`` (a file may say more than a
    spin box shows), a sentence saying what it shows instead, else None."""
    spin.setValue(min(max(value, spin.minimum()), spin.maximum()))  # PySide refuses ints beyond 32 bits
    shown = spin.value()
    if shown == value:
        return None
    def text(number):
        return str(number) if isinstance(number, int) else format_number(number, None)

    return (f"{what} {text(value)} is outside what this box holds ({text(spin.minimum())} to "
            f"{text(spin.maximum())}): it shows {text(shown)}, and a change in this panel uses that.")


def float_spin(minimum: float, maximum: float, value: float, decimals: int, step: float,
               tooltip: str = "", *, special: str = "") -> DecimalSpinBox:
    spin = DecimalSpinBox()
    spin.setDecimals(decimals)
    spin.setRange(minimum, maximum)
    spin.setSingleStep(step)
    spin.setValue(value)
    return _with_text(spin, special, tooltip)


def _with_text(spin, special: str, tooltip: str):
    """``special`` shown for the minimum, and a tooltip, when given."""
    if special:
        spin.setSpecialValueText(special)
    if tooltip:
        spin.setToolTip(tooltip)
    return spin


def _compact_form(form: QFormLayout) -> QFormLayout:
    form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.DontWrapRows)
    form.setLabelAlignment(Qt.AlignLeft | Qt.AlignVCenter)
    form.setVerticalSpacing(3)
    form.setHorizontalSpacing(8)
    return form


def form_group(title: str, tooltip: str = "") -> tuple[QGroupBox, QFormLayout]:
    """A titled group with a compact form layout inside."""
    box = QGroupBox(title)
    if tooltip:
        box.setToolTip(tooltip)
    form = _compact_form(QFormLayout(box))
    form.setContentsMargins(6, 4, 6, 4)
    return box, form


class Section(QWidget):
    """A header button (an arrow and a title) over a form that it shows or hides: rarely used
    settings stay out of the way so that the essential ones fit without scrolling.
    ``section.form`` takes the rows; ``set_title`` can name the current choice."""

    def __init__(self, title: str, tooltip: str = "", expanded: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.button = QToolButton()
        self.button.setCheckable(True)
        self.button.setAutoRaise(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.button.setStyleSheet("QToolButton { border: none; text-align: left; padding: 1px 0px; }")
        if tooltip:
            self.button.setToolTip(tooltip)
        self.body = QWidget()
        self.form = _compact_form(QFormLayout(self.body))
        self.form.setContentsMargins(14, 0, 0, 0)  # indented under the arrow
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button)
        layout.addWidget(self.body)
        self.button.toggled.connect(self._show_body)
        self.set_title(title)
        self.button.setChecked(expanded)
        self._show_body(expanded)

    def set_title(self, title: str) -> None:
        self.button.setText(title)

    def title(self) -> str:
        return self.button.text()

    def is_expanded(self) -> bool:
        return self.button.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        self.button.setChecked(expanded)

    def _show_body(self, expanded: bool) -> None:
        self.button.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)


def inline_row(*items) -> QWidget:
    """Several fields on one form row: widgets, and strings that become small labels between them.
    Related settings share a row so that a panel fits the default window without scrolling."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    for item in items:
        if isinstance(item, str):
            label = QLabel(item)
            layout.addWidget(label)
        else:
            layout.addWidget(item, 1)
    return row


LOCKED = "nnp_locked"  # a dynamic property of a control a lesson or the teacher locked (gui/locks.py)
WANTED = "nnp_wanted_enabled"  # ... and the state its own view asked for meanwhile (set_usable)


def set_usable(widget: QWidget, on: bool) -> None:
    """Enable or disable ``widget`` as its view wants, but never a locked one: a sweep that ends must not
    free a Run button the lesson locked (gui/locks.py enables it as wanted when the lock goes)."""
    widget.setProperty(WANTED, bool(on))
    widget.setEnabled(bool(on) and not widget.property(LOCKED))


def set_row_visible(form: QFormLayout, widget: QWidget, visible: bool) -> None:
    """Show or hide the whole form row (label and field) that holds ``widget``."""
    form.setRowVisible(widget, visible)


class HintLabel(QLabel):
    """A word-wrapped explanatory line in the palette's muted text colour."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setForegroundRole(QPalette.PlaceholderText)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        self.setTextInteractionFlags(Qt.NoTextInteraction)


class WarningLabel(QWidget):
    """A word-wrapped warning with the style's warning icon; hidden while it has no text."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(6)
        self.icon = QLabel()
        size = self.style().pixelMetric(QStyle.PM_SmallIconSize)
        self.icon.setPixmap(self.style().standardIcon(QStyle.SP_MessageBoxWarning).pixmap(size, size))
        self.icon.setAlignment(Qt.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        layout.addWidget(self.icon, 0, Qt.AlignTop)
        layout.addWidget(self.label, 1)
        self.setVisible(False)

    def text(self) -> str:
        return self.label.text() if not self.isHidden() else ""

    def set_text(self, text: str | None) -> None:
        self.label.setText(text or "")
        self.setVisible(bool(text))
