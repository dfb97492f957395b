"""The Qt-free numerical core: networks, heads, training, datasets (PRML chapter 5).

Public API (design.md): ``from playground.core import MLP, hessian, fit``.
"""

from .activations import ACTIVATION_NAMES, ACTIVATIONS, Activation, get_activation
from .heads import HEAD_NAMES, Head, TargetError, make_head
from .mlp import INIT_NAMES, MLP, ForwardCache

__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_NAMES",
    "Activation",
    "ForwardCache",
    "HEAD_NAMES",
    "Head",
    "INIT_NAMES",
    "MLP",
    "TargetError",
    "get_activation",
    "make_head",
]

from . import hessian, memory
from .memory import TooLargeError
from .objective import Interrupted, Objective
from .optimizers import OPTIMIZERS, SCHEDULE_NAMES, Optimizer, Schedule, make_optimizer, register_optimizer
from .regularizers import GROUP_NAMES, Regularization
from .training import EarlyStopping, FitResult, History, Snapshot, Trainer, TrainingOptions, fit

from . import second_order  # noqa: E402, F401  (registers the second-order optimisers)
from . import bayes  # noqa: E402  (the Bayesian lab, PRML 5.7)

__all__ += [
    "EarlyStopping",
    "FitResult",
    "bayes",
    "GROUP_NAMES",
    "History",
    "Interrupted",
    "OPTIMIZERS",
    "Objective",
    "Optimizer",
    "Regularization",
    "SCHEDULE_NAMES",
    "Schedule",
    "Snapshot",
    "TooLargeError",
    "Trainer",
    "TrainingOptions",
    "fit",
    "hessian",
    "make_optimizer",
    "memory",
    "register_optimizer",
]
