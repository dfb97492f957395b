"""The range or choice of every setting, declared once.

The core's checks, the config parser (playground.session.config) and the spin boxes of the
panels all read these declarations, so the three cannot drift apart: a learning rate the
trainer takes is one the parser takes and one the box holds. scikit-learn's
``_parameter_constraints`` (``Interval(Real, 0, None, closed="neither")``) is the model.

- ``Interval(kind, lo, hi, closed)``: a whole number (``int``) or a finite number (``float``)
  between ``lo`` and ``hi`` (None: no bound); ``closed`` is "both", "left", "right" or "neither".
- ``Boolean()``: true or false (a bool, never a 0 or 1).
- ``Choice(values)``: one of some names.
- ``problem(value, constraint)``: what is wrong with ``value`` ("must be a positive number,
  got -1"), or None; ``check(name, value, constraint)`` raises ValueError with that sentence
  after ``name`` and returns the value in its kind (an ``int`` or a ``float``).

A bool is never a number here (JSON's true is not 1), and a whole number too large for a
float (hundreds of digits) is "far too large", never an OverflowError.
"""

from __future__ import annotations

import difflib
import importlib
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

__all__ = [
    "Boolean", "Choice", "Interval", "Registry", "check", "close_match", "problem", "AUGMENT_KINDS", "TANGENT_KINDS",
    "DEFAULT_SIGMA_FLOOR", "MAX_COMPONENTS", "MAX_EPOCHS", "MAX_HIDDEN_LAYERS", "MAX_POINTS", "MAX_SEED", "MAX_UNITS",
    "BAYES_PARAMETERS", "DATA_PARAMETERS", "HYPER_PARAMETERS", "NETWORK_PARAMETERS", "TRAINING_PARAMETERS", "LESSON_PARAMETERS",
    "FIGURE_PARAMETERS",
    "KERNEL_PARAMETERS", "RESAMPLING_PARAMETERS", "SWEEP_PARAMETERS",
]

MAX_POINTS = 100_000
MIN_CLASSES, MAX_CLASSES = 2, 6  # range of the "blobs" generator
MAX_SEED = 2**31 - 1  # the largest a seed spin box (a 32-bit QSpinBox) holds; numpy refuses negative seeds
MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 256
MAX_COMPONENTS = 10
MAX_EPOCHS = 10_000_000
# The smallest standard deviation of a mixture density component, in the targets' units
# (sigma = floor + e^s, core/heads.py): the presets' targets span about 1, their noise about 0.06.
DEFAULT_SIGMA_FLOOR = 0.01
# A whole number beyond 64 bits means nothing to numpy (an index, a count, a seed): refused as
# far too large even where a setting has no upper bound of its own.
_LARGEST_WHOLE = 2**63 - 1

_CLOSED = ("both", "left", "right", "neither")

TANGENT_KINDS = ("rotation", "scaling", "translation_x", "translation_y")  # invariance.tangents
AUGMENT_KINDS = ("none", "rotation", "scaling", "translation", "noise")  # invariance.augment


def _shown(value) -> str:
    """A short quote of ``value``: a number of hundreds of digits is not echoed whole."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        try:
            digits = str(int(value))
        except ValueError:  # beyond Python's int-to-text limit
            return f"a whole number of about {int(int(value).bit_length() * 0.30103):,} digits"
        if len(digits) > 60:
            return f"{digits[:30]}… (a whole number of {len(digits.lstrip('-')):,} digits)"
        return digits
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


def _bound(x) -> str:
    return str(x) if isinstance(x, int) else format(x, "g")


@dataclass(frozen=True)
class Interval:
    kind: type  # int or float
    lo: float | None
    hi: float | None
    closed: str = "both"

    def __post_init__(self):
        if self.kind not in (int, float) or self.closed not in _CLOSED:
            raise ValueError(f"Interval needs kind int or float and closed in {_CLOSED}")

    @property
    def lo_closed(self) -> bool:
        return self.closed in ("both", "left")

    @property
    def hi_closed(self) -> bool:
        return self.closed in ("both", "right")

    def __contains__(self, x) -> bool:
        if self.lo is not None and (x < self.lo if self.lo_closed else x <= self.lo):
            return False
        return not (self.hi is not None and (x > self.hi if self.hi_closed else x >= self.hi))

    def describe(self) -> str:
        """What a value must be, after "must be": "a positive number", "from 1 to 256", ...."""
        lo, hi = self.lo, self.hi
        if self.kind is int:  # whole-number bounds are given closed
            if lo is not None and not self.lo_closed:
                lo = lo + 1
            if hi is not None and not self.hi_closed:
                hi = hi - 1
            if lo is not None and hi is not None:
                return f"from {_bound(lo)} to {_bound(hi)}"
            return f"a whole number >= {_bound(lo)}" if lo is not None else f"a whole number <= {_bound(hi)}"
        if lo == 0 and hi is None and not self.lo_closed:
            return "a positive number"
        if lo is not None and hi is not None and self.closed == "both":
            return f"between {_bound(lo)} and {_bound(hi)}"
        parts = []
        if lo is not None:
            parts.append(f"{'>=' if self.lo_closed else '>'} {_bound(lo)}")
        if hi is not None:
            parts.append(f"{'<=' if self.hi_closed else '<'} {_bound(hi)}")
        return " and ".join(parts) or "a finite number"

    def problem(self, value, show: Callable[[Any], str] = _shown) -> str | None:
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                return f"must be a whole number, got {show(value)}"
            number = int(value)
            if number not in self or (self.hi is None and number > _LARGEST_WHOLE):
                far = ", which is far too large" if self.hi is None and number > _LARGEST_WHOLE else ""
                return f"must be {self.describe()}, got {show(value)}{far}"
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return f"must be a finite number, got {show(value)}"
        try:
            number = float(value)
        except OverflowError:  # a whole number of hundreds of digits
            return f"must be a finite number, got {show(value)}, which is far too large"
        if not math.isfinite(number):
            return f"must be a finite number, got {show(value)}"
        if number not in self:
            return f"must be {self.describe()}, got {show(value)}"
        return None

    def convert(self, value):
        return int(value) if self.kind is int else float(value)


@dataclass(frozen=True)
class Boolean:
    def problem(self, value, show: Callable[[Any], str] = _shown) -> str | None:
        if isinstance(value, (bool, np.bool_)):  # numpy's bool is a bool too (a comparison's result)
            return None
        return f"must be true or false, got {show(value)}"

    def convert(self, value) -> bool:
        return bool(value)

    def describe(self) -> str:
        return "true or false"


class Registry:
    """The names of a registry kept in another core module (``OPTIMIZERS`` in optimizers.py),
    read when asked: those modules import this one, so it cannot import them first."""

    def __init__(self, module: str, attribute: str):
        self.module, self.attribute = module, attribute

    def __iter__(self):
        return iter(getattr(importlib.import_module(f"playground.core.{self.module}"), self.attribute))


def close_match(value, names) -> str:
    """' (did you mean 'x'?)' for a near miss of a short string, else ''."""
    if not isinstance(value, str) or len(value) > 100:
        return ""
    close = difflib.get_close_matches(value, [str(n) for n in names], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Choice:
    """One of ``values`` (an iterable of names; a dict or a ``Registry`` is read live, so registered
    names count). ``noun`` names the kind in messages: "unknown optimizer 'sgd'; choose one of: ..."."""

    names_itself = True  # its message names what was wrong, so check() does not prefix the name

    def __init__(self, values: Iterable[str], noun: str = "value"):
        self.values = values
        self.noun = noun

    def problem(self, value, show: Callable[[Any], str] = _shown) -> str | None:
        names = list(self.values)
        if isinstance(value, str) and value in names:
            return None
        return f"unknown {self.noun} {show(value)}{close_match(value, names)}; choose one of: {', '.join(names)}"

    def convert(self, value) -> str:
        return value

    def describe(self) -> str:
        return "one of: " + ", ".join(self.values)


def problem(value, constraint, show: Callable[[Any], str] = _shown) -> str | None:
    """What is wrong with ``value`` under ``constraint`` ("must be ..., got ..."), or None."""
    return constraint.problem(value, show)


def check(name: str, value, constraint):
    """``value`` in the constraint's kind, or ValueError "<name> must be ..., got ..."."""
    wrong = constraint.problem(value)
    if wrong is not None:
        raise ValueError(wrong if getattr(constraint, "names_itself", False) else f"{name} {wrong}")
    return constraint.convert(value)


POSITIVE = Interval(float, 0, None, "neither")
NON_NEGATIVE = Interval(float, 0, None, "left")
DECAY_RATE = Interval(float, 0, 1, "left")  # momentum, Adam's betas: 0 <= rate < 1
SEED = Interval(int, 0, MAX_SEED, "both")
AT_LEAST_ONE = Interval(int, 1, None, "left")

TRAINING_PARAMETERS = {
    "lr": POSITIVE,
    "epochs": Interval(int, 0, MAX_EPOCHS, "both"),  # the CLI's and the config's cap
    "batch_size": AT_LEAST_ONE,  # or None: the full batch
    "seed": SEED,
    "patience": AT_LEAST_ONE,  # epochs without improvement before early stopping (PRML 5.5.2)
    "min_delta": NON_NEGATIVE,
    "restore_best": Boolean(),
    "drop": Interval(float, 0, 1, "right"),  # step schedule: eta drop^floor(t / every)
    "every": AT_LEAST_ONE,
    "decay": NON_NEGATIVE,  # inverse-time schedule: eta / (1 + decay t)
    "l2": NON_NEGATIVE,  # weight decay lambda (PRML 5.112), also of each group (5.121)
    "l1": NON_NEGATIVE,
    "optimizer": Choice(Registry("optimizers", "OPTIMIZERS"), "optimizer"),
    "schedule": Choice(Registry("optimizers", "SCHEDULE_NAMES"), "schedule"),
    # Invariances (PRML 5.5.3-5.5.5, core/invariance.py) and soft weight sharing (5.5.7).
    "tangent_prop": NON_NEGATIVE,  # lambda of the tangent-propagation penalty (5.127)
    "tangent_kind": Choice(TANGENT_KINDS, "transformation"),
    "tikhonov": NON_NEGATIVE,  # lambda of 1/2 sum ||J||^2 (5.135)
    "augment": Choice(AUGMENT_KINDS, "augmentation"),
    "augment_size": NON_NEGATIVE,  # degrees, a scale change, a shift or a noise deviation (invariance.augment)
    "soft_weight_sharing": NON_NEGATIVE,  # lambda of -sum ln sum_j pi_j N(w_i | mu_j, sigma_j^2)
    "mixture_components": Interval(int, 1, MAX_COMPONENTS, "both"),
    "dropout": Interval(float, 0, 1, "left"),  # probability of dropping a hidden unit in a step: 0 <= p < 1
    "standardize_inputs": Boolean(),  # train in coordinates where every input has mean 0, variance 1
}

# The optimisers' own settings (a setting not listed here is any positive number).
HYPER_PARAMETERS = {
    "momentum": DECAY_RATE,
    "nesterov": Boolean(),
    "beta1": DECAY_RATE,
    "beta2": DECAY_RATE,
    "rho": Interval(float, 0, 1, "neither"),
    "eps": POSITIVE,
    "damping": POSITIVE,  # initial Levenberg-Marquardt mu, in the units of E~
    "memory": AT_LEAST_ONE,  # L-BFGS pairs
}

NETWORK_PARAMETERS = {
    "layers": Interval(int, 0, MAX_HIDDEN_LAYERS, "both"),
    "units": Interval(int, 1, MAX_UNITS, "both"),
    "n_components": Interval(int, 1, MAX_COMPONENTS, "both"),  # mixture density components K
    "sigma_floor": NON_NEGATIVE,  # mixture density: sigma_k >= this, so no component collapses (0: PRML 5.151)
    "init_scale": POSITIVE,
    "seed": SEED,
    "activation": Choice(Registry("activations", "ACTIVATION_NAMES"), "activation"),
    "output": Choice(Registry("heads", "HEAD_NAMES"), "output"),
    "init": Choice(Registry("mlp", "INIT_NAMES"), "init"),
}

DATA_PARAMETERS = {
    "n_points": Interval(int, 1, MAX_POINTS, "both"),
    "noise": Interval(float, 0, 10, "both"),  # the presets lie within about +-2: noise 10 buries any of them
    "seed": SEED,
    "n_classes": Interval(int, MIN_CLASSES, MAX_CLASSES, "both"),
    "train_share": Interval(float, 0, 1, "right"),  # something to train on
    "share": Interval(float, 0, 1, "left"),  # validation and test shares: they leave the training share some
    "split_seed": SEED,
    "generator": Choice(Registry("datasets", "GENERATORS"), "data set"),
    "feature": Choice(Registry("datasets", "FEATURES"), "feature"),
}

# The Bayesian lab (core/bayes.py, PRML 5.7): hyperparameters and the evidence procedure.
BAYES_PARAMETERS = {
    "alpha": POSITIVE,  # prior precision of the weights (5.162), or of one group
    "beta": POSITIVE,  # noise precision 1/sigma^2 of regression (5.161)
    "cycles": Interval(int, 1, 1000, "both"),  # re-estimations of the evidence loop (Netlab demev1's outer loop)
    "updates": Interval(int, 1, 100, "both"),  # updates of alpha, beta at fixed weights (Netlab's num)
    "per_group": Boolean(),  # one alpha per group w1, b1, w2, b2 (Netlab demev2)
    "hessian": Choice(Registry("bayes", "HESSIAN_KINDS"), "Hessian"),  # exact, or the outer product (5.84)
}

# Figures and clips (gui/figures.py, gui/clips.py): the export dialogs' boxes read these.
FIGURE_PARAMETERS = {
    "scale": Interval(int, 1, 3, "both"),  # PNG at 1x, 2x or 3x the on-screen size
    "clip_fps": Interval(int, 1, 30, "both"),  # frames a second: the window redraws at most 30 times a second
    "clip_seconds": Interval(float, 0.1, 60, "both"),  # the length limit: every frame is kept in memory
}

# Kernel machines (core/kernels.py, seed 004): lam > 0 keeps the SVM's C = 1/(2 lam n) finite.
KERNEL_PARAMETERS = {
    "kernel": Choice(Registry("kernels", "KERNEL_NAMES"), "kernel"),
    "sigma": POSITIVE,  # RBF bandwidth; the lecture's grid runs from 1e-3 to 1
    "lam": POSITIVE,
    "degree": Interval(int, 1, 12, "both"),  # polynomial degree k
    "c": NON_NEGATIVE,  # polynomial offset: 1 "up to degree k", 0 "exactly k"
    "gamma": POSITIVE,  # sigmoid kernel tanh(gamma x.x' + r)
    "r": Interval(float, None, None),
}

# Bootstrap bands and bagged ensembles (core/kernels.py)
RESAMPLING_PARAMETERS = {
    "B": Interval(int, 2, 1000, "both"),
    "quantile": Interval(float, 0, 1, "both"),
    "seed": SEED,
    "epochs": Interval(int, 1, MAX_EPOCHS, "both"),  # a network refit's warm-started epochs
}

# Sweeps over many fits (core/sweeps.py, PRML fig. 5.9-5.10)
SWEEP_PARAMETERS = {
    "units": Interval(int, 1, MAX_UNITS, "both"),  # each M of the sweep
    "starts": Interval(int, 1, 1000, "both"),  # random starts per M (fig. 5.10: 30)
    "epochs": Interval(int, 1, MAX_EPOCHS, "both"),
    "workers": Interval(int, 1, 64, "both"),
    "seed": SEED,
}

# A lesson's settings (playground.session.lessons) and the presentation's font scale (gui/presentation.py).
LESSON_PARAMETERS = {
    "pace": Interval(int, 1, 1000, "both"),  # epochs per frame (about 30 frames a second); null: as fast as it goes
    "font_scale": Interval(float, 0.5, 4.0, "both"),  # Ctrl+= and Ctrl+-: every font and plot label
}
