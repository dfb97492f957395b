"""Light and dark themes; colours shared by every view.

Class colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies) in an order whose first two, orange and blue, stay distinct even
in greyscale. Weight signs use the same blue (positive) and orange (negative)
as TensorFlow Playground, so a student moving between the two is not confused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

CLASS_COLORS = ("#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
POSITIVE_COLOR = "#0072B2"
NEGATIVE_COLOR = "#E69F00"
CURVE_COLORS = {"train": "#0072B2", "val": "#D55E00", "test": "#009E73"}
CURVE_LABELS = {"train": "training", "val": "validation", "test": "test"}


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    foreground: str
    grid_alpha: float
    neutral: str  # the colour of "no preference" in probability shading
    point_outline: str
    window: str
    base: str
    text: str
    highlight: str

    def class_color(self, k: int) -> QColor:
        return QColor(CLASS_COLORS[k % len(CLASS_COLORS)])

    def class_rgb(self, n_classes: int) -> np.ndarray:
        """(K, 3) floats in [0, 1] for blending class colours by probability."""
        return np.array([QColor(CLASS_COLORS[k % len(CLASS_COLORS)]).getRgbF()[:3] for k in range(n_classes)])

    def neutral_rgb(self) -> np.ndarray:
        return np.array(QColor(self.neutral).getRgbF()[:3])

    def faint(self, alpha: float) -> QColor:
        """The foreground at opacity ``alpha`` over the background, as an opaque colour:
        Qt's raster engine draws translucent lines ~35x slower than opaque ones (4.5 ms
        instead of 0.12 ms for a 900-pixel grid), with the GIL held."""
        return blend(self.background, self.foreground, alpha)


def blend(a, b, t: float) -> QColor:
    """The opaque colour a fraction ``t`` of the way from colour ``a`` to ``b`` (anything
    pyqtgraph's mkColor takes), channels rounded to whole numbers."""
    ca, cb = pg.mkColor(a), pg.mkColor(b)
    return QColor(*(int(round((1 - t) * x + t * y)) for x, y in zip(ca.getRgb()[:3], cb.getRgb()[:3])))


LIGHT = Theme("light", background="#FFFFFF", foreground="#202020", grid_alpha=0.15, neutral="#F4F4F4",
              point_outline="#FFFFFF", window="#EFEFEF", base="#FFFFFF", text="#202020", highlight="#0072B2")
DARK = Theme("dark", background="#1E1E1E", foreground="#E0E0E0", grid_alpha=0.2, neutral="#2A2A2A",
             point_outline="#101010", window="#2B2B2B", base="#232323", text="#E6E6E6", highlight="#56B4E9")
THEMES = {"light": LIGHT, "dark": DARK}

_current = LIGHT


def current_theme() -> Theme:
    return _current


def apply_theme(app: QApplication | None, theme: Theme) -> None:
    """Set pyqtgraph's defaults and, with an application, Qt's palette (Fusion style)."""
    global _current
    _current = theme
    # Antialiasing everything doubles the data view's paint time (benchmarks/gui_speed.py);
    # views switch it on for the few curves that need it.
    pg.setConfigOptions(background=theme.background, foreground=theme.foreground, antialias=False)
    if app is None:
        return
    if app.style().name().lower() != "fusion":  # setting it again re-polishes every widget (~50 ms)
        app.setStyle(QStyleFactory.create("Fusion"))
    palette = QPalette()
    roles = {
        QPalette.Window: theme.window, QPalette.WindowText: theme.text, QPalette.Base: theme.base,
        QPalette.AlternateBase: theme.window, QPalette.Text: theme.text, QPalette.Button: theme.window,
        QPalette.ButtonText: theme.text, QPalette.Highlight: theme.highlight,
        QPalette.HighlightedText: "#FFFFFF", QPalette.ToolTipBase: theme.base, QPalette.ToolTipText: theme.text,
        QPalette.PlaceholderText: "#808080",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    # Fusion draws frames, sliders and spin-box arrows from these; derive them from the window colour.
    window = QColor(theme.window)
    palette.setColor(QPalette.Light, window.lighter(150))
    palette.setColor(QPalette.Midlight, window.lighter(125))
    palette.setColor(QPalette.Mid, window.darker(130))
    palette.setColor(QPalette.Dark, window.darker(160))
    palette.setColor(QPalette.Shadow, window.darker(250))
    palette.setColor(QPalette.Disabled, QPalette.Text, QColor("#808080"))
    palette.setColor(QPalette.Disabled, QPalette.ButtonText, QColor("#808080"))
    palette.setColor(QPalette.Disabled, QPalette.WindowText, QColor("#808080"))
    app.setPalette(palette)
