"""The optimiser race (PRML 5.4): one start, several optimisers, error curves side by side.

Every contender trains its own copy of the same network, from the same weights,
on the same full batch, with its own ``Trainer``. The race records each
contender's mean training error per point after every step, and the compute
time that contender's own steps took, so that two questions can be answered:

- *per step*: a Newton step (PRML 5.4, the exact Hessian, a W x W linear solve)
  or an L-BFGS / SCG step (a line search or a curvature estimate) uses far more
  information than a gradient-descent step, and reaches a low error in a handful
  of steps where gradient descent needs thousands;
- *per second*: but one Newton step also costs far more than one GD step
  (O(W^2) memory and O(W^3) work against O(W)), which is why the race has a
  wall-time axis too. The seconds are measured around each contender's own
  steps only (snapshots and bookkeeping are not counted), so the curves are fair
  although all contenders share one thread.

Steps: one optimiser iteration each, i.e. one Trainer epoch (full batch), for
first- and second-order methods alike; a line-search method may evaluate the
error several times within its one step.

Scheduling: ``advance`` runs the contenders in short slices, always giving the
next slice to the contender that is furthest behind, in compute time
(``pace="time"``, the default: a fair race for the clock) or in steps
(``pace="steps"``). Within a slice of k steps the time is spread evenly over the
k steps; it is exact at slice boundaries, and a slice lasts a few milliseconds.

Nothing here sleeps, loops forever or knows about threads (design.md).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Mapping

import numpy as np

from .optimizers import OPTIMIZERS, make_optimizer
from .params import TRAINING_PARAMETERS, check
from .training import DIVERGED, EARLY_STOPPED, Trainer

from . import second_order  # noqa: F401  (registers scg, lbfgs, newton, ... before contenders are checked)

Array = np.ndarray

# Contender states
READY, RUNNING, FINISHED, ERROR = "ready", "running", "finished", "error"
# (DIVERGED = "diverged" comes from training.py.)

PACES = ("time", "steps")

SHORT_NAMES = {
    "gd": "GD", "momentum": "Momentum", "nesterov": "Nesterov", "rmsprop": "RMSprop", "adam": "Adam",
    "scg": "SCG", "cg": "CG", "bfgs": "BFGS", "lbfgs": "L-BFGS", "newton": "Newton", "lm": "LM",
}

# Learning rates for a race on a small full-batch problem, where the optimiser has no
# ``default_lr`` of its own. Measured on the spiral, xor, circle, moons and sinusoid data
# sets with 2-4-1 .. 2-8-8-1 tanh nets: each makes steady progress and none diverged
# (gd 1.0 diverges on the 10-point sinusoid regression, hence 0.5).
RACE_LEARNING_RATES = {"gd": 0.5, "momentum": 0.1, "nesterov": 0.1, "rmsprop": 0.01, "adam": 0.02}
FALLBACK_LR = 0.01  # the training panel's default


def _positive_lr(lr) -> float:
    return check("learning rate", lr, TRAINING_PARAMETERS["lr"])  # the trainer's own range (params)


def _fmt_value(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class Contender:
    """One runner: an optimiser name (``OPTIMIZERS``), its learning rate and settings.

    ``lr=None`` takes the optimiser's ``default_lr`` (Newton: 1, the full step), else
    ``RACE_LEARNING_RATES``. Optimisers that ignore the learning rate (scg, cg, bfgs,
    lbfgs) do not show it in their label. ``hyper`` holds the optimiser's own
    settings (momentum=0.5, memory=5, damping=1e-2, ...); it is copied and read-only.
    """

    optimizer: str
    lr: float | None = None
    hyper: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        check("optimizer", self.optimizer, TRAINING_PARAMETERS["optimizer"])
        if self.lr is not None:
            object.__setattr__(self, "lr", _positive_lr(self.lr))
        hyper = dict(self.hyper)
        make_optimizer(self.optimizer, 1, **hyper)  # the optimiser validates its own settings now
        object.__setattr__(self, "hyper", MappingProxyType(hyper))

    def __hash__(self) -> int:
        return hash((self.optimizer, self.lr, tuple(sorted(self.hyper.items()))))

    @property
    def uses_learning_rate(self) -> bool:
        return bool(OPTIMIZERS[self.optimizer].uses_learning_rate)

    @property
    def resolved_lr(self) -> float:
        """The learning rate the race uses (1.0 for optimisers that ignore it)."""
        if self.lr is not None:
            return self.lr
        cls = OPTIMIZERS[self.optimizer]
        if cls.default_lr is not None:
            return float(cls.default_lr)
        if not cls.uses_learning_rate:
            return 1.0
        return RACE_LEARNING_RATES.get(self.optimizer, FALLBACK_LR)

    @property
    def label(self) -> str:
        """Short and unique within a race: "GD η=0.5", "Newton", "L-BFGS memory=5"."""
        parts = [SHORT_NAMES.get(self.optimizer, self.optimizer)]
        cls = OPTIMIZERS[self.optimizer]
        lr = self.resolved_lr
        if self.uses_learning_rate and not (cls.default_lr is not None and lr == cls.default_lr):
            parts.append(f"\u03b7={lr:g}")
        defaults = cls.defaults
        parts += [f"{k}={_fmt_value(v)}" for k, v in self.hyper.items() if defaults.get(k) != v]
        return " ".join(parts)


DEFAULT_CONTENDERS: tuple[Contender, ...] = (
    Contender("gd"),
    Contender("momentum"),
    Contender("adam"),
    Contender("scg"),
    Contender("lbfgs"),
    Contender("newton"),
)


@dataclass(frozen=True, eq=False)  # compared by identity: == on arrays has no single truth value
class ContenderSnapshot:
    """One contender's curve; entry k belongs to step k (step 0 = the common start).
    Every array is a fresh read-only copy."""

    label: str
    optimizer: str
    steps: Array  # int64 0..n-1
    seconds: Array  # cumulative compute time of this contender's own steps
    errors: Array  # mean training (data) error per point
    status: str  # ready, running, finished, diverged, error
    message: str  # the trainer's last message (divergence, a stalled line search, ...)

    @property
    def n_steps(self) -> int:
        """Steps taken (the curve has n_steps + 1 points)."""
        return int(self.steps[-1]) if self.steps.size else 0

    @property
    def error(self) -> float:
        """The latest error."""
        return float(self.errors[-1]) if self.errors.size else math.nan

    @property
    def stopped(self) -> bool:
        return self.status in (FINISHED, DIVERGED, ERROR, EARLY_STOPPED)


@dataclass(frozen=True, eq=False)
class RaceSnapshot:
    contenders: tuple[ContenderSnapshot, ...]
    max_steps: int
    finished: bool
    serial: int  # increases with every snapshot of a race

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.contenders)

    def __getitem__(self, label: str) -> ContenderSnapshot:
        for c in self.contenders:
            if c.label == label:
                return c
        raise KeyError(label)

    def __len__(self) -> int:
        return len(self.contenders)

    def summary(self) -> str:
        """"Newton: 12 steps, error 0.031 · GD η=0.5: 2000 steps, error 0.21 (finished)"."""
        parts = []
        for c in self.contenders:
            text = f"{c.label}: {c.n_steps} step{'s' if c.n_steps != 1 else ''}, error {c.error:.3g}"
            if c.status in (DIVERGED, ERROR, FINISHED):
                text += f" ({c.status})"
            parts.append(text)
        return " \u00b7 ".join(parts)


def _readonly(a: Array) -> Array:
    a.flags.writeable = False
    return a


class _Lane:
    """A contender's trainer and curve (seconds preallocated, max_steps + 1 entries)."""

    def __init__(self, contender: Contender, trainer: Trainer, max_steps: int):
        self.contender = contender
        self.trainer = trainer
        self.seconds = np.zeros(max_steps + 1)
        self.status = READY
        self.message = ""
        snap = trainer.snapshot()  # computes the error at step 0, outside any timing
        self.errors = np.array(snap.history.train_error, dtype=float)
        self.n = 1  # recorded points

    @property
    def steps(self) -> int:
        return self.n - 1


class Race:
    """Train copies of ``net`` with each contender from identical weights (module docstring).

    ``net`` is not changed. ``X``, ``T`` are the training inputs and targets (as for
    ``Trainer``); every contender trains full batch on all of them. ``l2``, ``l2_groups``,
    ``l1`` are the regulariser (PRML 5.5), the same for all; the recorded error is
    the data error per point, as in the loss plot. ``max_steps`` bounds every
    contender's run (and the memory of the race). ``slice_seconds`` is the length
    of one scheduling slice.

    A step is one optimiser iteration (one Trainer epoch) for every method, but the
    steps are not equal: one Newton step (exact Hessian, a W x W solve) costs far
    more than one GD step, which is why every curve also records seconds.
    """

    def __init__(self, net, X, T, contenders: Iterable[Contender] = DEFAULT_CONTENDERS, *,
                 l2: float = 0.0, l2_groups=None, l1: float = 0.0, max_steps: int = 2000,
                 pace: str = "time", slice_seconds: float = 0.002):
        contenders = tuple(contenders)
        if not contenders:
            raise ValueError("a race needs at least one optimiser")
        for c in contenders:
            if not isinstance(c, Contender):
                raise ValueError(f"contenders must be Contender objects, got {c!r}")
        labels = [c.label for c in contenders]
        twice = sorted({lab for lab in labels if labels.count(lab) > 1})
        if twice:
            raise ValueError(f"the race has the same contender twice: {', '.join(twice)}")
        if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
            raise ValueError(f"max_steps must be a whole number >= 1, got {max_steps!r}")
        if pace not in PACES:
            raise ValueError(f"pace must be one of {PACES}, got {pace!r}")
        if not (isinstance(slice_seconds, (int, float)) and slice_seconds > 0):
            raise ValueError(f"slice_seconds must be > 0, got {slice_seconds!r}")
        self.contenders = contenders
        self.max_steps = int(max_steps)
        self.pace = pace
        self.slice_seconds = float(slice_seconds)
        self._serial = 0
        start = np.array(net.w, dtype=float, copy=True)
        self._lanes: list[_Lane] = []
        for c in contenders:
            copy = net.copy()
            copy.w[:] = start
            trainer = Trainer(copy, X, T, optimizer=c.optimizer, lr=c.resolved_lr, batch_size=None,
                              l2=l2, l2_groups=l2_groups, l1=l1, **dict(c.hyper))
            self._lanes.append(_Lane(c, trainer, self.max_steps))

    # ------------------------------------------------------------------ state
    @property
    def trainers(self) -> tuple[Trainer, ...]:
        """Each contender's Trainer (its ``net`` is the contender's own copy)."""
        return tuple(lane.trainer for lane in self._lanes)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.contenders)

    @property
    def finished(self) -> bool:
        """Every contender reached max_steps or stopped (diverged, error)."""
        return all(self._done(lane) for lane in self._lanes)

    def _done(self, lane: _Lane) -> bool:
        return lane.status in (FINISHED, DIVERGED, ERROR, EARLY_STOPPED)

    # ------------------------------------------------------------------ running
    def advance(self, max_seconds: float | None = None, should_stop=None) -> RaceSnapshot:
        """Run slices until ``max_seconds`` of wall time have passed (at least one slice,
        unless the race is finished) or the race is finished (``None``: run to the end,
        which max_steps bounds), and return a snapshot.

        ``should_stop()`` (no arguments) is asked between slices and handed to
        ``Trainer.advance``, which asks it inside long steps too; when it answers True
        the race returns promptly, each contender at its last completed step."""
        deadline = None if max_seconds is None else time.perf_counter() + float(max_seconds)
        while True:
            if should_stop is not None and should_stop():
                break
            active = [lane for lane in self._lanes if not self._done(lane)]
            if not active:
                break
            if self.pace == "time":
                lane = min(active, key=lambda la: (la.seconds[la.n - 1], la.n))
            else:
                lane = min(active, key=lambda la: (la.n, la.seconds[la.n - 1]))
            budget = self.slice_seconds
            if deadline is not None:
                budget = min(budget, max(deadline - time.perf_counter(), 0.0))
            self._run_slice(lane, budget, should_stop)
            if deadline is not None and time.perf_counter() >= deadline:
                break
        return self.snapshot()

    def _run_slice(self, lane: _Lane, budget: float, should_stop=None) -> None:
        trainer = lane.trainer
        e0, s0 = trainer.epoch, trainer.seconds
        remaining = self.max_steps - e0
        if self.pace == "steps":
            # Keep the step counts together: a slice never runs far ahead of the slowest.
            others = [la.steps for la in self._lanes if la is not lane and not self._done(la)]
            if others:
                remaining = min(remaining, max(min(others) - e0 + 1, 1))
        lane.status = RUNNING
        try:
            snap = trainer.advance(remaining, max_seconds=budget, should_stop=should_stop)
        except Exception as err:  # one contender failing must not end the race for the others
            lane.status = ERROR
            lane.message = f"{lane.contender.label} stopped: {type(err).__name__}: {err}"
            return
        e1 = snap.epoch
        errors = snap.history.train_error
        n = e1 + 1
        if n > lane.seconds.size:  # cannot happen (advance is bounded), but never write out of range
            raise RuntimeError("a contender ran past max_steps")
        if e1 > e0:
            k = e1 - e0
            lane.seconds[e0 + 1 : n] = s0 + (trainer.seconds - s0) * np.arange(1, k + 1) / k
        lane.errors = errors
        lane.n = n
        if snap.message:
            lane.message = snap.message
        if snap.status == DIVERGED:
            lane.status = DIVERGED
        elif snap.status == EARLY_STOPPED:
            lane.status = EARLY_STOPPED
        elif e1 >= self.max_steps:
            lane.status = FINISHED

    # ------------------------------------------------------------------ snapshots
    def snapshot(self) -> RaceSnapshot:
        out = []
        for lane in self._lanes:
            n = lane.n
            out.append(ContenderSnapshot(
                label=lane.contender.label,
                optimizer=lane.contender.optimizer,
                steps=_readonly(np.arange(n, dtype=np.int64)),
                seconds=_readonly(lane.seconds[:n].copy()),
                errors=_readonly(np.array(lane.errors[:n], dtype=float, copy=True)),
                status=lane.status,
                message=lane.message,
            ))
        self._serial += 1
        return RaceSnapshot(tuple(out), self.max_steps, self.finished, self._serial)
