"""Prior samples (PRML fig. 5.11): functions of a 1-12-1 tanh network with weights drawn from the prior.

Each group w1, b1, w2, b2 has its own precision alpha (the prior N(0, 1/alpha) of PRML 5.7 /
consistent weight decay 5.121); four log sliders set them and the curves are redrawn as they
move. Drawing ten functions of 200 points costs well under a millisecond (core.bayes.prior_functions),
so it is done right here. The labels give the variance 1/alpha too, as fig. 5.11's panels read.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSlider, QVBoxLayout, QWidget

from ...core.bayes import prior_functions
from ...core.regularizers import GROUP_NAMES

N_SAMPLES = 10
N_HIDDEN = 12
X_RANGE = (-1.0, 1.0)
LOG_RANGE = (-2.0, 3.0)  # log10 alpha on the sliders
SLIDER_STEPS_PER_DECADE = 10
DEFAULT_LOG_ALPHA = {"w1": 0.0, "b1": 0.0, "w2": 0.0, "b2": 0.0}  # fig. 5.11, top left: all 1
GROUP_LABELS = {"w1": "first-layer weights", "b1": "first-layer biases", "w2": "output weights",
                "b2": "output bias"}
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442", "#999999",
          "#882255"]


class PriorSamplesView(QWidget):
    """The "Prior samples" dock; speaks gui/views.LiveView (it needs no frames)."""

    analysis = None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.x = np.linspace(*X_RANGE, 200)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "x")
        self.plot.setLabel("left", "y(x, w),  w ~ prior")
        self.plot.setMinimumHeight(160)
        self.curves = [self.plot.plot(pen=pg.mkPen(COLORS[i % len(COLORS)], width=1)) for i in range(N_SAMPLES)]
        layout.addWidget(self.plot, 1)
        grid = QGridLayout()
        self.sliders: dict[str, QSlider] = {}
        self.value_labels: dict[str, QLabel] = {}
        for row, group in enumerate(GROUP_NAMES):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(int(LOG_RANGE[0] * SLIDER_STEPS_PER_DECADE), int(LOG_RANGE[1] * SLIDER_STEPS_PER_DECADE))
            slider.setValue(int(round(DEFAULT_LOG_ALPHA[group] * SLIDER_STEPS_PER_DECADE)))
            slider.setToolTip(f"precision \u03b1 of the {GROUP_LABELS[group]} (log scale)")
            slider.valueChanged.connect(self.redraw)
            label = QLabel()
            grid.addWidget(QLabel(f"\u03b1 {group}"), row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(label, row, 2)
            self.sliders[group], self.value_labels[group] = slider, label
        layout.addLayout(grid)
        self.samples = np.zeros((N_SAMPLES, self.x.size))
        self.redraw()

    def alphas(self) -> dict[str, float]:
        return {g: 10.0 ** (s.value() / SLIDER_STEPS_PER_DECADE) for g, s in self.sliders.items()}

    def redraw(self, *args) -> None:
        alphas = self.alphas()
        self.samples = prior_functions(self.x, alphas, n_hidden=N_HIDDEN, n_samples=N_SAMPLES, seed=0)
        for curve, y in zip(self.curves, self.samples):
            curve.setData(self.x, y)
        for g, a in alphas.items():
            self.value_labels[g].setText(f"{a:.3g}  (variance {1 / a:.3g})")

    # LiveView: nothing to do with networks or frames; the theme only
    def set_theme(self, theme) -> None:
        self.plot.setBackground(theme.background)

    def show_network(self, net, input_names) -> None:
        pass

    def render_frame(self, frame) -> None:
        pass

    def clear(self) -> None:
        pass
