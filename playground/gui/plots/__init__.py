"""Live plots docked around the data view: loss curves, weight histograms, network diagram,
the Hessian lab.

Each view is rendered from plain numpy data (a History, a flat weight vector) up to
~30 times a second while training runs, so they reuse their graphics items and
avoid per-element Python loops in ``render``.
"""

from .hessian_view import HessianView
from .loss_plot import LossPlot
from .network_diagram import NetworkDiagram
from .weights_plot import WeightsPlot

__all__ = ["HessianView", "LossPlot", "NetworkDiagram", "WeightsPlot"]
