"""Side panels: pure views of the experiment configuration.

Each panel shows a configuration given to its ``set_*`` methods (without emitting)
and emits a complete, validated, immutable config object whenever the user changes
something. The main window wires them to the session and the trainer.
"""

from .data_panel import DataPanel
from .network_panel import NetworkPanel
from .regularization_panel import RegularizationPanel
from .training_panel import SPEED_LEVELS, TrainingPanel

__all__ = ["DataPanel", "NetworkPanel", "RegularizationPanel", "SPEED_LEVELS", "TrainingPanel"]
