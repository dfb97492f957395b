"""First-order optimisers and learning-rate schedules, advanced one step at a time.

An optimiser updates the flat parameter vector in place. ``step(w, objective, lr)``
evaluates the objective (which already carries the 1/N scaling, see
objective.py) and moves ``w``; it returns the objective at the point where the
gradient was taken. Hyper-parameters can be changed between steps with ``set``
without losing the optimiser's state; ``reset`` forgets the state (after the
weights were changed from outside).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .params import HYPER_PARAMETERS, POSITIVE, TRAINING_PARAMETERS, check


class Optimizer:
    name = "optimizer"
    label = ""
    defaults: dict = {}
    full_batch_only = False  # line-search / second-order methods need the whole training set
    evaluates_once = True  # one objective evaluation per step, at the starting point
    warning = ""  # set by a step that wants the user told something (the trainer shows it once)
    uses_learning_rate = True  # False for line-search methods, which choose their own step length
    default_lr: float | None = None  # a learning rate to propose when the user picks this optimiser

    def __init__(self, n_params: int, **hyper):
        self.n_params = n_params
        self.hyper = dict(self.defaults)
        self._g = np.empty(n_params)
        self.set(**hyper)
        self.reset()

    def set(self, **hyper) -> None:
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise ValueError(f"{self.name} has no setting(s) {sorted(unknown)}; it takes {sorted(self.defaults)}")
        for key, value in hyper.items():
            self.hyper[key] = self._validate(key, value)

    def _validate(self, key, value):
        # The ranges live in params.HYPER_PARAMETERS (read by the config parser and the panels too).
        return check(key, value, HYPER_PARAMETERS.get(key, POSITIVE))

    def reset(self) -> None:
        pass

    # Attributes that a step only replaces or changes after its last objective evaluation,
    # so a state copy may share them (BFGS's W x W inverse Hessian).
    _shared_state: tuple = ()

    def get_state(self) -> dict:
        """A copy of everything a step changes, for ``set_state`` after an interrupted epoch."""
        shared = self._shared_state
        return {k: v.copy() if isinstance(v, np.ndarray) and k not in shared else v for k, v in vars(self).items()}

    def set_state(self, state: dict) -> None:
        self.__dict__.clear()
        self.__dict__.update(state)

    def step(self, w: np.ndarray, objective, lr: float) -> float:
        E = objective.value_and_gradient(w, self._g)
        self.update(w, self._g, lr)
        return E

    def update(self, w: np.ndarray, g: np.ndarray, lr: float) -> None:
        raise NotImplementedError

    def step_sizes(self, lr: float):
        """How far the last update moved each weight per unit of gradient (a number or a
        W-vector): the metric of the proximal L1 step that follows it (training.py)."""
        return lr


class GradientDescent(Optimizer):
    """w <- w - eta grad E (PRML 5.41); batch or mini-batch by the trainer's batch size."""

    name = "gd"
    label = "Gradient descent"

    def update(self, w, g, lr):
        w -= lr * g


class Momentum(Optimizer):
    """Heavy-ball momentum, optionally Nesterov: v <- mu v + g; w <- w - eta v
    (Nesterov: w <- w - eta (g + mu v)), the form used by PyTorch, which keeps its
    meaning when the learning rate changes."""

    name = "momentum"
    label = "Momentum"
    defaults = {"momentum": 0.9, "nesterov": False}

    def reset(self):
        self.v = np.zeros(self.n_params)

    def update(self, w, g, lr):
        mu = self.hyper["momentum"]
        v = self.v
        v *= mu
        v += g
        if self.hyper["nesterov"]:
            w -= lr * (g + mu * v)
        else:
            w -= lr * v

    def step_sizes(self, lr):
        # A steady gradient g moves w by lr g / (1 - mu) per step once the velocity has built up:
        # with lr alone the velocity pushes weights back across 0 faster than L1 pulls them in.
        return lr / (1.0 - self.hyper["momentum"])


class Nesterov(Momentum):
    name = "nesterov"
    label = "Nesterov momentum"
    defaults = {"momentum": 0.9, "nesterov": True}


class RMSprop(Optimizer):
    """s <- rho s + (1 - rho) g^2; w <- w - eta g / (sqrt(s) + eps)."""

    name = "rmsprop"
    label = "RMSprop"
    defaults = {"rho": 0.9, "eps": 1e-8}

    def reset(self):
        self.s = np.zeros(self.n_params)

    def update(self, w, g, lr):
        rho = self.hyper["rho"]
        self.s *= rho
        self.s += (1.0 - rho) * g * g
        w -= lr * g / (np.sqrt(self.s) + self.hyper["eps"])

    def step_sizes(self, lr):
        return lr / (np.sqrt(self.s) + self.hyper["eps"])


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias-corrected first and second moments."""

    name = "adam"
    label = "Adam"
    defaults = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}

    def reset(self):
        self.m = np.zeros(self.n_params)
        self.v = np.zeros(self.n_params)
        self.t = 0

    def update(self, w, g, lr):
        b1, b2 = self.hyper["beta1"], self.hyper["beta2"]
        self.t += 1
        self.m *= b1
        self.m += (1.0 - b1) * g
        self.v *= b2
        self.v += (1.0 - b2) * g * g
        step = lr * math.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        w -= step * self.m / (np.sqrt(self.v) + self.hyper["eps"])

    def step_sizes(self, lr):
        b1, b2 = self.hyper["beta1"], self.hyper["beta2"]
        step = lr * math.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        return step / (np.sqrt(self.v) + self.hyper["eps"])


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (GradientDescent, Momentum, Nesterov, RMSprop, Adam)
}


def register_optimizer(cls: type[Optimizer]) -> type[Optimizer]:
    """Add an optimiser class (second-order methods register themselves this way)."""
    OPTIMIZERS[cls.name] = cls
    return cls


def make_optimizer(name: str, n_params: int, **hyper) -> Optimizer:
    cls = OPTIMIZERS[check("optimizer", name, TRAINING_PARAMETERS["optimizer"])]
    return cls(n_params, **hyper)


SCHEDULE_NAMES = ("constant", "step", "inverse_time")


@dataclass(frozen=True)
class Schedule:
    """Learning rate as a function of the epoch.

    constant:      eta_t = eta
    step:          eta_t = eta * drop ** floor(t / every)
    inverse_time:  eta_t = eta / (1 + decay t)
    """

    kind: str = "constant"
    drop: float = 0.5
    every: int = 100
    decay: float = 0.01

    def __post_init__(self):
        check("schedule", self.kind, TRAINING_PARAMETERS["schedule"])
        object.__setattr__(self, "drop", check("schedule drop", self.drop, TRAINING_PARAMETERS["drop"]))
        check("schedule 'every' (epochs)", self.every, TRAINING_PARAMETERS["every"])
        object.__setattr__(self, "decay", check("schedule decay", self.decay, TRAINING_PARAMETERS["decay"]))

    def lr(self, base: float, epoch: int) -> float:
        if self.kind == "step":
            return base * self.drop ** (epoch // self.every)
        if self.kind == "inverse_time":
            return base / (1.0 + self.decay * epoch)
        return base
