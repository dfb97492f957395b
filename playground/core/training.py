"""Step-wise training: a Trainer that advances by epochs and returns immutable snapshots.

Training minimises PRML's regularised error E~(w) = E_D(w) + Omega(w) (5.112)
with E_D summed over the training points. First-order optimisers step along
grad E~ / N so a learning rate means the same for 10 or 10,000 points; a
mini-batch of B points estimates it with (N/B) E_B. Everything reported
(snapshots, history) is the per-point mean data error E_D / N, evaluated at
exactly the weights it is reported for.

Nothing here sleeps, loops forever or knows about threads: the GUI worker and
the CLI drive a Trainer by calling ``advance``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, fields, replace
from typing import Callable, Mapping

import numpy as np

from . import objective as _objective
from .objective import Interrupted, Objective, gradient_flops_per_point
from .optimizers import OPTIMIZERS, Optimizer, Schedule, make_optimizer
from .params import TRAINING_PARAMETERS, check
from .invariance import DataPenalty, augment, tangents
from .regularizers import Regularization
from .standardize import InputStandardizer

Array = np.ndarray

READY, TRAINING, DIVERGED, EARLY_STOPPED = "ready", "training", "diverged", "early_stopped"

# Training has diverged when the per-point training error exceeds this many times the larger
# of the error of the best constant prediction and the error at the start (and whenever it is
# not finite). Cross-entropies grow only linearly with the logits and stay finite while
# diverging (spiral, lr = 100: 40-79 per point, from 0.7), so a non-finite test alone never
# fires for them; 30 times is far above any spike of a run that recovers (measured: <= 22 for
# gd lr <= 10 on spiral, xor, circle, moons). Squared errors grow with the square of the
# outputs and Adam's first steps with lr ~ 1 spike by 10^4 and recover, hence 10^6 there.
# Mixture densities have no such yardstick (their errors can be negative): non-finite only.
DIVERGENCE_FACTORS = {"sigmoid": 30.0, "softmax": 30.0, "linear": 1e6}

# The fixed cost of one optimiser step (~20 us of Python), in the operations of
# objective.BLOCK_FLOPS: many tiny mini-batches make a long epoch too.
_STEP_OVERHEAD_FLOPS = 2e5

# Points per block of an evaluation that need not be interruptible (snapshots): as many as
# keep the activations of one block under this many bytes; big blocks run fastest.
_EVALUATION_BYTES = 64 * 2**20

# Between epochs, ``should_stop`` is asked at most this often (seconds): cheap epochs of small
# networks then pay nothing measurable for it.
_POLL_INTERVAL = 0.005


def _readonly(arr) -> Array:
    arr = np.array(arr, dtype=float, copy=True)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class EarlyStopping:
    """Stop when the validation error has not improved by ``min_delta`` (per point)
    for ``patience`` epochs (PRML 5.5.2); optionally go back to the best weights."""

    patience: int = 20
    restore_best: bool = True
    min_delta: float = 0.0

    def __post_init__(self):
        check("early-stopping patience", self.patience, TRAINING_PARAMETERS["patience"])
        check("restore_best", self.restore_best, TRAINING_PARAMETERS["restore_best"])
        check("early-stopping min_delta", self.min_delta, TRAINING_PARAMETERS["min_delta"])


@dataclass(frozen=True)
class TrainingOptions:
    """Every training setting the GUI offers. ``hyper`` holds the optimiser's own
    settings (momentum, nesterov, beta1, beta2, eps, rho, ...)."""

    optimizer: str = "adam"
    lr: float = 0.01
    batch_size: int | None = None
    hyper: Mapping[str, float] = field(default_factory=dict)
    schedule: Schedule = field(default_factory=Schedule)
    regularization: Regularization = field(default_factory=Regularization)
    early_stopping: EarlyStopping | None = None
    seed: int = 0

    def __post_init__(self):
        check("optimizer", self.optimizer, TRAINING_PARAMETERS["optimizer"])
        object.__setattr__(self, "lr", check("learning rate", self.lr, TRAINING_PARAMETERS["lr"]))
        if self.batch_size is not None:
            check("batch size (or None for the full batch)", self.batch_size, TRAINING_PARAMETERS["batch_size"])
        check("seed", self.seed, TRAINING_PARAMETERS["seed"])
        object.__setattr__(self, "hyper", dict(self.hyper))
        # Let the optimiser class validate its own settings now, not mid-training.
        make_optimizer(self.optimizer, 1, **self.hyper)

    @classmethod
    def from_kwargs(cls, **kw) -> "TrainingOptions":
        """Flat keywords as ``fit`` takes them: optimizer, lr, batch_size, seed,
        schedule ("constant" | "step" | "inverse_time" or a Schedule), lr_drop,
        lr_every, lr_decay, l2, l2_groups, l1, dropout, standardize_inputs, patience (enables early stopping),
        restore_best, min_delta, and the optimiser's own settings (momentum, ...)."""
        own = {f.name for f in fields(cls)} - {"hyper", "schedule", "regularization", "early_stopping"}
        args = {k: kw.pop(k) for k in list(kw) if k in own}
        if args.get("lr") is None:
            # Newton and Levenberg-Marquardt read lr as the fraction of their step: take all of it,
            # as the GUI proposes; other optimisers keep the class default.
            args.pop("lr", None)
            name = args.get("optimizer", cls.optimizer)
            default_lr = getattr(OPTIMIZERS.get(name), "default_lr", None) if isinstance(name, str) else None
            if default_lr is not None:
                args["lr"] = default_lr
        schedule = kw.pop("schedule", "constant")
        sched_kw = {k2: kw.pop(k1) for k1, k2 in (("lr_drop", "drop"), ("lr_every", "every"), ("lr_decay", "decay")) if k1 in kw}
        if isinstance(schedule, Schedule):
            schedule = replace(schedule, **sched_kw)
        else:
            schedule = Schedule(schedule, **sched_kw)
        reg = Regularization(kw.pop("l2", 0.0), kw.pop("l2_groups", None), kw.pop("l1", 0.0),
                             **{k: kw.pop(k) for k in _INVARIANCE_KEYS if k in kw},
                             dropout=kw.pop("dropout", 0.0), standardize_inputs=kw.pop("standardize_inputs", False))
        early = kw.pop("early_stopping", None)
        es_kw = {k: kw.pop(k) for k in ("patience", "restore_best", "min_delta") if k in kw}
        if isinstance(early, EarlyStopping):
            early = replace(early, **es_kw)
        elif early or es_kw:
            early = EarlyStopping(**es_kw)
        else:
            early = None
        optimizer = args.get("optimizer", cls.optimizer)
        allowed = set(OPTIMIZERS[optimizer].defaults) if optimizer in OPTIMIZERS else set()
        unknown = set(kw) - allowed
        if unknown:
            raise ValueError(
                f"unknown training option(s) {sorted(unknown)}"
                + (f"; the {optimizer} optimizer takes {sorted(allowed)}" if allowed else "")
            )
        return cls(**args, hyper=kw, schedule=schedule, regularization=reg, early_stopping=early)


@dataclass(frozen=True)
class History:
    """Per-epoch curves; entry k holds the per-point errors after k epochs
    (NaN where a set is absent)."""

    epochs: Array
    train_error: Array
    val_error: Array
    test_error: Array

    def __len__(self) -> int:
        return len(self.epochs)


@dataclass(frozen=True)
class Snapshot:
    """Immutable state of a training run; every array is a fresh read-only copy."""

    epoch: int  # completed epochs
    steps: int  # parameter updates
    weights: Array
    train_error: float  # per-point data error at ``weights``
    val_error: float | None
    test_error: float | None
    train_accuracy: float | None
    val_accuracy: float | None
    test_accuracy: float | None
    objective: float  # regularised E~ / N at ``weights``
    lr: float
    status: str
    message: str
    best_epoch: int | None
    seconds: float  # time spent training so far
    history: History
    serial: int  # increases with every snapshot of a trainer
    mixture: tuple | None = None  # soft weight sharing's learned (pi, mu, sigma), or None


@dataclass(frozen=True)
class FitResult:
    """What ``fit`` returns: the curves of the run plus its final snapshot."""

    history: History
    final: Snapshot
    evidence: tuple = ()  # bayes.EvidenceStep per re-estimation, when fit ran the evidence procedure

    @property
    def train_error(self) -> Array:
        return self.history.train_error

    @property
    def val_error(self) -> Array:
        return self.history.val_error

    @property
    def test_error(self) -> Array:
        return self.history.test_error

    @property
    def epochs(self) -> Array:
        return self.history.epochs


class _Series:
    """A growable float buffer (amortised O(1) append, cheap copies of the prefix)."""

    def __init__(self, capacity: int = 256):
        self._data = np.full(capacity, np.nan)
        self.n = 0

    def set(self, index: int, value: float) -> None:
        if index >= self._data.size:
            grown = np.full(max(2 * self._data.size, index + 1), np.nan)
            grown[: self._data.size] = self._data
            self._data = grown
        self._data[index] = value
        self.n = max(self.n, index + 1)

    def get(self, index: int) -> float:
        return self._data[index] if index < self.n else math.nan

    def truncate(self, n: int) -> None:
        self._data[n : self.n] = np.nan
        self.n = min(self.n, n)

    def copy(self, n: int) -> Array:
        out = np.full(n, np.nan)
        m = min(n, self.n)
        out[:m] = self._data[:m]
        out.flags.writeable = False
        return out


class _StopCheck:
    """When an ``advance`` call should give up: ``should_stop()`` answered True, or the time
    budget ran out once the call has completed an epoch (``deadline_applies``)."""

    def __init__(self, should_stop: Callable[[], bool] | None, deadline: float | None):
        self.should_stop = should_stop
        self.deadline = deadline
        self.deadline_applies = False
        self._next_poll = 0.0

    def __call__(self) -> bool:
        if self.should_stop is not None and self.should_stop():
            return True
        return self.deadline_applies and self.deadline is not None and time.perf_counter() >= self.deadline

    def between_epochs(self, now: float, always: bool) -> bool:
        """``should_stop()`` before an epoch: every time for long epochs, else at most every few ms."""
        if self.should_stop is None or not (always or now >= self._next_poll):
            return False
        self._next_poll = now + _POLL_INTERVAL
        return bool(self.should_stop())


class Trainer:
    """Trains ``net`` on (X, T) one epoch at a time.

    ``validation`` and ``test`` are optional (X, T) pairs. Options are a
    TrainingOptions or the flat keywords of ``TrainingOptions.from_kwargs``.
    """

    def __init__(self, net, X, T, *, validation=None, test=None, options: TrainingOptions | None = None, **kw):
        self.net = net
        self.X = net.check_inputs(X)
        self.T = net.head.prepare_targets(T, self.X.shape[0])
        if self.X.shape[0] == 0:
            raise ValueError("there are no training points")
        self.sets = {"train": (self.X, self.T)}
        for name, pair in (("val", validation), ("test", test)):
            if pair is not None and len(pair[0]):
                Xs = net.check_inputs(pair[0])
                self.sets[name] = (Xs, net.head.prepare_targets(pair[1], Xs.shape[0]))
        if options is None:
            options = TrainingOptions.from_kwargs(**kw)
        elif kw:
            raise ValueError("give either options or keywords, not both")
        if options.early_stopping is not None and "val" not in self.sets:
            raise ValueError("early stopping needs a validation set (give the split a validation share)")
        self._options = options
        self._serial = 0
        self._evaluated = None  # (weights, {set: (error, accuracy)}) of the last snapshot
        self._interrupt = None  # while a long epoch runs: asked between blocks of every evaluation
        self._configure(options, new_optimizer=True)
        self._restart_history()

    # ------------------------------------------------------------------ options
    @property
    def options(self) -> TrainingOptions:
        return self._options

    @property
    def n_train(self) -> int:
        return self.X.shape[0]

    def update_options(self, **changes) -> TrainingOptions:
        """Change settings between steps; the weights are kept.

        Accepts TrainingOptions fields (``lr=...``, ``regularization=...``) or the
        flat keywords of ``from_kwargs`` (``l2=...``, ``patience=...``, ``momentum=...``).
        Invalid values raise ValueError and change nothing.
        """
        if not changes:
            return self._options
        current = self._options
        option_fields = {f.name for f in fields(TrainingOptions)}
        if set(changes) <= option_fields:
            if changes.get("optimizer", current.optimizer) != current.optimizer and "hyper" not in changes:
                changes = {**changes, "hyper": {}}
            new = replace(current, **changes)
        else:
            flat = _flatten(current)
            if "optimizer" in changes and changes["optimizer"] != current.optimizer:
                flat = {k: v for k, v in flat.items() if k not in current.hyper}
            flat.update(changes)
            new = TrainingOptions.from_kwargs(**flat)
        if new.early_stopping is not None and "val" not in self.sets:
            raise ValueError("early stopping needs a validation set (give the split a validation share)")
        # Switching standardisation changes the coordinates of the optimiser's state: start it afresh.
        recoordinated = new.regularization.standardize_inputs != current.regularization.standardize_inputs
        self._configure(new, new_optimizer=new.optimizer != current.optimizer or recoordinated)
        if self._status == EARLY_STOPPED and new.early_stopping != current.early_stopping:
            self._status, self._message = TRAINING, ""
        if new.early_stopping != current.early_stopping:
            self._best_epoch, self._best_val, self._best_w = None, math.inf, None
            self._candidate_due = True
        return new

    def _configure(self, options: TrainingOptions, new_optimizer: bool) -> None:
        net = self.net
        invariance = self._invariance(options.regularization)  # may refuse: before anything changes
        if new_optimizer:
            self.optimizer: Optimizer = make_optimizer(options.optimizer, net.n_params, **options.hyper)
        else:
            self.optimizer.set(**options.hyper)
        reg = options.regularization
        old_sharing = getattr(getattr(self, "regularizer", None), "sharing", None)
        self.regularizer = reg.bind(net)
        sharing = self.regularizer.sharing
        if sharing is not None and old_sharing is not None and old_sharing.n_components == sharing.n_components:
            sharing.set_parameters(*old_sharing.parameters())  # a new lambda keeps the learned mixture
        N = self.n_train
        B = options.batch_size
        self.full_batch = B is None or B >= N or self.optimizer.full_batch_only
        self._batch = N if self.full_batch else B
        first_order = not self.optimizer.full_batch_only
        if self._options.seed != options.seed or not hasattr(self, "_rng"):
            self._rng = np.random.default_rng(options.seed)
        # L1 by a proximal step after each first-order step (regularizers.py): exact zeros.
        self._prox_l1 = first_order and self.regularizer.l1 > 0
        self._configure_coordinates(reg.standardize_inputs)
        # First-order steps use grad E~/N; mini-batches estimate E~ by (N/B) E_B (objective.py).
        self.objective = Objective(self._step_net, self._step_X, self.T,
                                   self.regularizer.smooth_part() if self._prox_l1 else self.regularizer,
                                   data_weight=N / self._batch if not self.full_batch else 1.0,
                                   scale=1.0 / N if first_order else 1.0)
        self.objective.data_penalty, self._augment = invariance
        if reg.dropout > 0 and first_order:
            self.objective.dropout = (reg.dropout, self._rng)  # the trainer's generator: epochs restore it
        elif reg.dropout > 0:
            self.optimizer.warning = (f"Dropout is used by the first-order optimisers only; {options.optimizer} "
                                      "trains the whole network.")
        # With dropout a step's error is that of a thinned network: measure the whole one instead.
        self._lazy_train_error = (self.full_batch and self.optimizer.evaluates_once and self.objective.dropout is None
                                  and self._augment is None)
        self._options = options

    def _invariance(self, reg: Regularization) -> tuple:
        """(the penalty on every batch or None, the transformation of the batches or None) of tangent
        propagation, Tikhonov and transformed data (PRML 5.5.3-5.5.5); a transformation the inputs
        cannot take (a rotation of 1-D inputs) raises ValueError."""
        centre = self.X.mean(axis=0)  # rotations and scalings about the training set's mean
        penalty = DataPenalty(reg.tangent_prop, reg.tangent_kind, reg.tikhonov, centre)
        if reg.standardize_inputs and (penalty.active or reg.transforms_data):
            raise ValueError("standardized inputs do not combine with tangent propagation, Tikhonov or transformed "
                             "data: those act on the raw inputs (rotations about their mean); switch one of them off")
        if penalty.tangent_prop > 0:
            tangents(self.X[:1], penalty.tangent_kind, centre)
        transform = None
        if reg.transforms_data:
            augment(self.X[:1], reg.augment, reg.augment_size, np.random.default_rng(0), centre)
            transform = (reg.augment, reg.augment_size, centre)
        return (penalty if penalty.active else None), transform

    def _batch_inputs(self, X: Array) -> Array:
        """The inputs a step sees: X, or a random transformation of it (PRML 5.5.3)."""
        if self._augment is None:
            return X
        kind, size, centre = self._augment
        return augment(X, kind, size, self._rng, centre)

    def _configure_coordinates(self, standardize: bool) -> None:
        """Where the optimiser steps: the network itself, or a copy of it in the coordinates of
        standardised inputs (standardize.py), mapped back to ``net`` after every epoch."""
        if not standardize:
            self._standardizer, self._step_net, self._step_X = None, self.net, self.X
            return
        self._standardizer = InputStandardizer.of(self.X)
        self._step_X = self._standardizer.transform(self.X)
        if getattr(self, "_step_net", None) is None or self._step_net is self.net:
            self._step_net = self.net.copy()
        self._standardizer.to_standard(self.net, self.net.w, out=self._step_net.w)

    def _step_weights(self):
        """The vector the optimiser moves this epoch (``net.w``, or w' of standardised inputs)."""
        if self._standardizer is None:
            return self.net.w
        return self._standardizer.to_standard(self.net, self.net.w, out=self._step_net.w)

    def _end_steps(self) -> None:
        if self._standardizer is not None:
            self._standardizer.to_raw(self.net, self._step_net.w, out=self.net.w)

    def _after_step(self, w, lr: float) -> None:
        """After each optimiser step on ``w`` (the vector the steps move)."""
        if self._prox_l1:  # in the optimiser's own metric: Adam's per-weight step lengths, ...
            self.regularizer.soft_threshold(w, self.optimizer.step_sizes(lr) * self.objective.scale)
        sharing = self.regularizer.sharing
        if sharing is not None:  # the mixture learns with the weights (regularizers.WeightMixture)
            sharing.update(w)

    def _penalty(self) -> float:
        """Omega at the current weights, in the coordinates the steps use."""
        if self._standardizer is None:
            return self.regularizer.value(self.net.w)
        return self.regularizer.value(self._standardizer.to_standard(self.net, self.net.w))

    # ------------------------------------------------------------------ state
    def _restart_history(self) -> None:
        self.epoch = 0
        self.steps = 0
        self.seconds = 0.0
        self._series = {name: _Series() for name in ("train", "val", "test")}
        self._status, self._message = READY, ""
        self._best_epoch, self._best_val, self._best_w = None, math.inf, None
        # The validation / test errors of the starting weights are measured when first needed
        # (the first epoch or snapshot): building a Trainer makes no pass over the data.
        self._eval_due = self._candidate_due = True
        self._restart_divergence_watch()

    def _restart_divergence_watch(self) -> None:
        """Forget the best weights seen; the next training error measured (that of the
        current weights) sets the yardstick anew (``_note_train_error``)."""
        self._best_train_w, self._best_train_error, self._best_train_epoch = None, math.inf, None
        self._spare_w = None
        self._divergence_limit = None  # known once the starting error is: no extra pass over the data here
        if not hasattr(self, "_constant_error"):
            self._constant_error = self.net.head.constant_error(self.T)
            self._divergence_factor = DIVERGENCE_FACTORS.get(self.net.head.name)

    def _set_divergence_limit(self, start: float) -> None:
        constant, factor = self._constant_error, self._divergence_factor
        if constant is None or factor is None or not math.isfinite(start):
            self._divergence_limit = math.inf  # only a non-finite error counts
        else:
            reference = max(constant, start)
            self._divergence_limit = factor * reference if reference > 0 else math.inf

    def reset(self, seed: int | None = None, init: str | None = None) -> Snapshot:
        """New initial weights (same architecture and data), fresh optimiser state and history.
        An mdn head starts from a mixture fitted to the training targets (core/mdn_init.py)."""
        self.net.initialize(init, seed=seed, scale=self.net.init_scale, targets=self.T)
        self.optimizer.reset()
        # The same generator object, restarted: the objective's dropout draws from it too.
        self._rng.bit_generator.state = np.random.default_rng(self._options.seed).bit_generator.state
        self._restart_history()
        return self.snapshot()

    def set_weights(self, w) -> None:
        """Replace the weights (e.g. a symmetry transform); the optimiser state is cleared."""
        self.net.w = w
        self.optimizer.reset()
        for series in self._series.values():
            series.truncate(self.epoch)
        self._eval_due = True
        self._restart_divergence_watch()

    @property
    def status(self) -> str:
        return self._status

    @property
    def stopped(self) -> bool:
        """True after early stopping; ``update_options`` or ``reset`` lifts it."""
        return self._status == EARLY_STOPPED

    def current_lr(self) -> float:
        return self._options.schedule.lr(self._options.lr, self.epoch)

    # ------------------------------------------------------------------ evaluation
    def _evaluate(self, name: str, accuracy: bool = True) -> tuple[float, float | None]:
        """(per-point error, accuracy) on a set, in blocks: the forward pass of 100,000
        points through a large network would otherwise hold gigabytes of activations."""
        X, T = self.sets[name]
        net, head = self.net, self.net.head
        n = X.shape[0]
        rows = self.objective.block_rows
        if self._interrupt is None:
            rows = max(rows, int(_EVALUATION_BYTES / (16 * sum(net.layer_sizes))))
        if n <= rows:
            a = net.forward_pass(X).out
            return head.error(a, T) / n, head.accuracy(a, T) if accuracy else None
        E, hits = 0.0, 0.0
        for start in range(0, n, rows):
            if self._interrupt is not None and self._interrupt():
                raise Interrupted()
            block = slice(start, min(n, start + rows))
            a = net.forward_pass(X[block]).out
            E += head.error(a, T[block])
            share = head.accuracy(a, T[block]) if accuracy else None
            hits = None if share is None else hits + share * a.shape[0]
        return E / n, None if hits is None else hits / n

    def _penalty_on_training_set(self) -> float:
        """Tangent propagation / Tikhonov on all training points, in blocks asking ``_interrupt``."""
        penalty, X, rows = self.objective.data_penalty, self.X, self.objective.block_rows
        total = 0.0
        for start in range(0, X.shape[0], rows):
            if self._interrupt is not None and self._interrupt():
                raise Interrupted()
            total += penalty.value(self.net, X[start:start + rows])
        return total

    def _mean_error(self, name: str) -> float:
        return self._evaluate(name, accuracy=False)[0]

    def _ensure_evaluated(self, results: dict | None = None) -> None:
        """Record what was left for later: the validation / test errors at this epoch
        (from ``results`` when a snapshot has them) and the early-stopping check."""
        if self._eval_due:
            for name in ("val", "test"):
                if name in self.sets:
                    value = results[name][0] if results is not None else self._mean_error(name)
                    self._series[name].set(self.epoch, value)
            self._eval_due = False
        if self._candidate_due:
            self._candidate_due = False
            self._check_early_stopping_candidate()

    def _record_eval_sets(self) -> None:
        """Validation and test errors at the current weights, entry ``self.epoch``."""
        for name in ("val", "test"):
            if name in self.sets:
                self._series[name].set(self.epoch, self._mean_error(name))

    def _train_error_now(self) -> float:
        series = self._series["train"]
        value = series.get(self.epoch)
        if math.isnan(value):
            value = self._mean_error("train")
            series.set(self.epoch, value)
        return value

    # ------------------------------------------------------------------ training
    def advance(self, epochs: int = 1, max_seconds: float | None = None,
                should_stop: Callable[[], bool] | None = None) -> Snapshot:
        """Train up to ``epochs`` epochs and return a snapshot.

        Fewer epochs are trained when training diverges, early stopping fires,
        ``max_seconds`` runs out or ``should_stop()`` answers True; never more, so
        ``self.epoch`` afterwards is at most the starting epoch plus ``epochs``.

        ``should_stop`` (no arguments) is asked between epochs (at most every few
        milliseconds) and, when an epoch is long, between mini-batches and between
        blocks of points inside every gradient or error evaluation (second-order
        steps included), so a call returns within about one block (~0.05 s of work)
        of it turning True. The epoch under way is then discarded: weights,
        optimiser state and step count are those at the end of the last completed
        epoch, which the snapshot describes. The returned snapshot is cheap when the
        weights are those of the last snapshot; when it must evaluate new weights (a
        pass over all points) after a long epoch and ``should_stop`` turns True
        meanwhile, that epoch is discarded too if the errors at its start are known,
        so the answer stays prompt.

        ``max_seconds``: no epoch is started that the last epoch's duration says
        would end after the budget, and after the first completed epoch a long epoch
        is cut off (and discarded) at the budget. The first epoch of a call always
        runs to its end unless ``should_stop`` fires, so every call makes progress.
        """
        if self._status == EARLY_STOPPED:
            return self.snapshot()
        start = time.perf_counter()
        deadline = None if max_seconds is None else start + max_seconds
        self._status, self._message = TRAINING, ""
        stop = _StopCheck(should_stop, deadline)
        long_epochs = (should_stop is not None or deadline is not None) and self._epoch_is_long()
        objective = self.objective
        done = 0
        last_epoch_seconds = 0.0
        completed = None  # the state at the start of the last epoch completed in this call
        # Overflow on the way to divergence is expected and handled (_diverged).
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if long_epochs:
                objective.interrupt = self._interrupt = stop
            try:
                timed = deadline is not None or should_stop is not None
                now = 0.0
                for _ in range(int(epochs)):
                    if timed:  # (the clock is read only when needed: small epochs take ~50 us)
                        now = time.perf_counter()
                        if done and deadline is not None and now + last_epoch_seconds > deadline:
                            break
                        if stop.between_epochs(now, always=long_epochs):
                            break
                    saved = self._save_epoch() if long_epochs else None
                    try:
                        ok = self._run_epoch(stop if long_epochs else None)
                    except Interrupted:
                        self._restore_epoch(saved)
                        break
                    done += 1
                    completed = saved
                    stop.deadline_applies = True  # the call has made progress: the budget may cut now
                    if timed:
                        last_epoch_seconds = time.perf_counter() - now
                    if not ok or self._status == EARLY_STOPPED:
                        break
            finally:
                objective.interrupt = self._interrupt = None
        self.seconds += time.perf_counter() - start
        if completed is not None and should_stop is not None and self._status == TRAINING:
            # Evaluating the new weights is a pass over all points (seconds for 100,000 points
            # through a large network). If asked to stop meanwhile, go back to the start of the
            # last epoch instead, when that state's errors are known: a prompt, consistent answer.
            cached = self._evaluated
            if cached is not None and np.array_equal(cached[0], completed[0]):
                self._interrupt = _StopCheck(should_stop, None)
                try:
                    return self.snapshot()
                except Interrupted:
                    self._restore_epoch(completed)
                finally:
                    self._interrupt = None
        return self.snapshot()  # cheap after an interruption: the weights' errors are cached

    def _epoch_is_long(self) -> bool:
        """Whether one epoch costs more than one interruptible block (objective.BLOCK_FLOPS, ~0.05 s)."""
        opt = self.optimizer
        W = self.net.n_params
        work = self.n_train * gradient_flops_per_point(self.net)
        if not self.full_batch:  # each mini-batch step costs ~20 us of Python besides its arithmetic
            work += math.ceil(self.n_train / self._batch) * _STEP_OVERHEAD_FLOPS
        if self.objective.data_penalty is not None:
            work *= 4  # tangent propagation: a second forward and backward pass beside the data's
        if opt.full_batch_only:
            work *= 4  # several evaluations per step (line searches, SCG's curvature probe)
        if getattr(opt, "curvature", None) is not None:
            work += W**3 / 3  # Newton / Levenberg-Marquardt: a Cholesky factorisation per try
        return work > _objective.BLOCK_FLOPS

    def _save_epoch(self) -> tuple:
        """What an epoch changes (a few W-vectors), to go back to its start."""
        best_train = (None if self._best_train_w is None else self._best_train_w.copy(),
                      self._best_train_error, self._best_train_epoch)
        best_val = (self._best_w, self._best_val, self._best_epoch)  # replaced, never changed in place
        return (self.net.w.copy(), self.optimizer.get_state(), self._rng.bit_generator.state, self.steps,
                self.epoch, best_train, best_val, self._message, (self._eval_due, self._candidate_due))

    def _restore_epoch(self, saved: tuple) -> None:
        w, state, rng_state, steps, epoch, best_train, best_val, message, due = saved
        self._eval_due, self._candidate_due = due
        self.net.w[:] = w
        self.optimizer.set_state(state)
        self._rng.bit_generator.state = rng_state
        self.steps = steps
        self.objective.X, self.objective.T = self._step_X, self.T
        self._best_train_w, self._best_train_error, self._best_train_epoch = best_train
        self._best_w, self._best_val, self._best_epoch = best_val
        self._message = message
        if self.epoch != epoch:  # cut off after the epoch was counted (its evaluations)
            self.epoch = epoch
            for series in self._series.values():
                series.truncate(epoch + 1)

    def _run_epoch(self, stop: "_StopCheck | None" = None) -> bool:
        """One epoch; False when training diverged (the best weights are then restored).
        ``stop`` (long epochs only) is asked between mini-batches."""
        self._ensure_evaluated()
        lr = self.current_lr()
        w = self.net.w
        steps_w = self._step_weights()
        opt = self.optimizer
        if self._lazy_train_error:
            # Full batch, one evaluation per step: the step's own error is E_D(w_k).
            prev = self._spare_buffer()
            prev[:] = w
            E = opt.step(steps_w, self.objective, lr)
            self._after_step(steps_w, lr)
            self._end_steps()
            self.steps += 1
            E_data = self.objective.last_data_error
            if not (math.isfinite(E) and math.isfinite(E_data)):
                return self._diverged()
            error = E_data / self.n_train
            self._series["train"].set(self.epoch, error)
            if error < self._best_train_error or self._divergence_limit is None:
                self._note_train_error(error, prev)
            if error > self._divergence_limit:
                return self._diverged(error)
        else:
            error = self._train_error_now()
            if not math.isfinite(error):
                return self._diverged()
            self._note_train_error(error, w)
            if self.full_batch:
                self.objective.X = self._batch_inputs(self._step_X)
                try:
                    E = opt.step(steps_w, self.objective, lr)
                finally:
                    self.objective.X = self._step_X
                self._after_step(steps_w, lr)
                self._end_steps()
                self.steps += 1
                if not math.isfinite(E):
                    return self._diverged()
            else:
                order = self._rng.permutation(self.n_train)
                obj = self.objective
                X_steps = self._step_X
                try:
                    for start in range(0, self.n_train, self._batch):
                        if stop is not None and stop():
                            raise Interrupted()
                        idx = order[start : start + self._batch]
                        obj.X, obj.T = self._batch_inputs(X_steps[idx]), self.T[idx]
                        obj.data_weight = self.n_train / idx.size
                        E = opt.step(steps_w, obj, lr)
                        self._after_step(steps_w, lr)
                        self.steps += 1
                        if not math.isfinite(E):
                            obj.X, obj.T = X_steps, self.T
                            self._end_steps()
                            return self._diverged()
                finally:
                    obj.X, obj.T = X_steps, self.T
                self._end_steps()
        self.epoch += 1
        if opt.warning:
            self._message, opt.warning = opt.warning, ""
        self._record_eval_sets()
        if not self._lazy_train_error:
            error = self._train_error_now()
            if not math.isfinite(error):
                return self._diverged()
            self._note_train_error(error, w)
            if error > self._divergence_limit:
                return self._diverged(error)
        if any(not math.isfinite(self._series[s].get(self.epoch)) for s in ("val", "test") if s in self.sets) \
                or not math.isfinite(float(np.dot(w, w))):  # cheaper than isfinite(w).all()
            return self._diverged()
        self._check_early_stopping_candidate()
        return True

    def _spare_buffer(self) -> Array:
        buf = self._spare_w
        if buf is None:
            buf = self._spare_w = np.empty_like(self.net.w)
        return buf

    def _note_train_error(self, error: float, w: Array) -> None:
        """Keep the weights with the lowest training error seen (``w`` has ``error``, at this epoch)."""
        if self._divergence_limit is None:
            self._set_divergence_limit(error)
        if not error < self._best_train_error:
            return
        if w is self._spare_w:  # the lazy path's copy of w_k: keep it, take the old best as the spare
            self._best_train_w, self._spare_w = w, self._best_train_w
        else:
            if self._best_train_w is None:
                self._best_train_w = np.empty_like(w)
            self._best_train_w[:] = w
        self._best_train_error, self._best_train_epoch = error, self.epoch

    def _diverged(self, error: float | None = None) -> bool:
        """Pause: go back to the weights with the lowest training error seen."""
        lr = self.current_lr()
        if error is None:
            what = "the error became infinite or not a number"
        else:
            what = (f"the training error grew to {error:.3g} per point, more than {self._divergence_factor:,.0f} "
                    "times what it was at the start and what always predicting the same output gives")
        if self._best_train_w is not None:
            self.net.w[:] = self._best_train_w
            self.epoch = self._best_train_epoch
            for series in self._series.values():
                series.truncate(self.epoch + 1)
            self._series["train"].set(self.epoch, self._best_train_error)
            self._record_eval_sets()
            where = (f"the weights with the lowest training error seen ({self._best_train_error:.4g} per point, "
                     f"epoch {self.epoch}) were put back")
        else:
            where = "the starting weights already give a non-finite error"
        self.optimizer.reset()
        self._status = DIVERGED
        self._message = f"Training diverged: {what}; {where}. Try a smaller learning rate (now {lr:.3g})."
        return False

    def _check_early_stopping_candidate(self) -> None:
        es = self._options.early_stopping
        if es is None or "val" not in self.sets:
            return
        val = self._series["val"].get(self.epoch)
        if val < self._best_val - es.min_delta:
            self._best_val, self._best_epoch = val, self.epoch
            self._best_w = self.net.w.copy()
        elif self._best_epoch is not None and self.epoch - self._best_epoch >= es.patience:
            self._status = EARLY_STOPPED
            restored = ""
            self._train_error_now()  # complete the curve before the weights go back
            if es.restore_best:
                self.net.w[:] = self._best_w
                self.optimizer.reset()
                restored = f"; the weights of epoch {self._best_epoch} were restored"
            self._message = (
                f"Early stopping at epoch {self.epoch}: the validation error has not improved for "
                f"{es.patience} epochs (best {self._best_val:.4g} at epoch {self._best_epoch}){restored}."
            )

    # ------------------------------------------------------------------ snapshots
    def snapshot(self) -> Snapshot:
        net = self.net
        cached = self._evaluated
        if cached is not None and np.array_equal(cached[0], net.w):
            # Same weights (an interrupted advance, a frame after a step): no new pass over all
            # points, which takes seconds for 100,000 points through a large network.
            results = cached[1]
        else:
            results = {name: self._evaluate(name) for name in self.sets}
            if self.objective.data_penalty is not None:
                results["penalty"] = self._penalty_on_training_set()
            self._evaluated = (net.w.copy(), results)
        self._ensure_evaluated(results)
        restored_best = self._status == EARLY_STOPPED and self._options.early_stopping.restore_best
        if not restored_best:
            # Keep the curve's last entry equal to what the snapshot reports.
            self._series["train"].set(self.epoch, results["train"][0])
        n = self.epoch + 1
        history = History(
            np.arange(n),
            self._series["train"].copy(n),
            self._series["val"].copy(n),
            self._series["test"].copy(n),
        )
        objective = results["train"][0] + self._penalty() / self.n_train
        if "penalty" in results:
            objective += results["penalty"] / self.n_train
        sharing = self.regularizer.sharing
        mixture = None if sharing is None else tuple(_readonly(v) for v in sharing.parameters())
        self._serial += 1
        get = lambda name, i: results[name][i] if name in results else None  # noqa: E731
        snap = Snapshot(
            epoch=self.epoch,
            steps=self.steps,
            weights=_readonly(net.w),
            train_error=results["train"][0],
            val_error=get("val", 0),
            test_error=get("test", 0),
            train_accuracy=results["train"][1],
            val_accuracy=get("val", 1),
            test_accuracy=get("test", 1),
            objective=objective,
            lr=self.current_lr(),
            status=self._status,
            message=self._message,
            best_epoch=self._best_epoch if self._options.early_stopping else None,
            seconds=self.seconds,
            history=history,
            serial=self._serial,
            mixture=mixture,
        )
        return snap


# Regularization's settings of PRML 5.5.3-5.5.7, flat keywords of fit / from_kwargs as they are.
_INVARIANCE_KEYS = ("tangent_prop", "tangent_kind", "tikhonov", "augment", "augment_size",
                    "soft_weight_sharing", "mixture_components")


def _flatten(options: TrainingOptions) -> dict:
    """The flat-keyword form of options (inverse of TrainingOptions.from_kwargs)."""
    flat = {
        "optimizer": options.optimizer,
        "lr": options.lr,
        "batch_size": options.batch_size,
        "seed": options.seed,
        "schedule": options.schedule,
        "l2": options.regularization.l2,
        "l2_groups": options.regularization.l2_groups,
        "l1": options.regularization.l1,
        **{k: getattr(options.regularization, k) for k in _INVARIANCE_KEYS},
        "dropout": options.regularization.dropout,
        "standardize_inputs": options.regularization.standardize_inputs,
        **options.hyper,
    }
    if options.early_stopping is not None:
        flat["early_stopping"] = options.early_stopping
    return flat


def fit(net, X, T, *, epochs: int = 100, validation=None, test=None,
        callback: Callable[[Snapshot], object] | None = None, callback_every: int = 1,
        evidence=None, **options) -> FitResult:
    """Train ``net`` in place for ``epochs`` epochs (or until early stopping or divergence).

    Keywords are those of ``TrainingOptions.from_kwargs``: optimizer ("gd",
    "momentum", "nesterov", "rmsprop", "adam"; second order "scg", "cg", "bfgs",
    "lbfgs", "newton", "lm"), lr, batch_size (None = full
    batch), seed, schedule, lr_drop, lr_every, lr_decay, l2, l2_groups, l1,
    dropout (rate of dropping hidden units in first-order steps), standardize_inputs,
    patience / restore_best / min_delta (early stopping), and the optimiser's own
    settings. Invariances and soft weight sharing (PRML 5.5.3-5.5.7): tangent_prop (lambda)
    with tangent_kind ("rotation", "scaling", "translation_x", "translation_y"), tikhonov
    (lambda), augment ("none", "rotation", "scaling", "translation", "noise") with
    augment_size, soft_weight_sharing (lambda) with mixture_components. ``callback(snapshot)`` runs every ``callback_every`` epochs; if it
    returns False, training stops.

    ``evidence`` (a ``bayes.EvidenceOptions``, a dict of its settings or True) runs the evidence
    procedure instead (PRML 5.7.2, Netlab demev1): the epochs in cycles, alpha and beta re-estimated
    after each, their weight decay replacing ``l2``; ``callback(snapshot)`` then runs after each
    cycle, and the result's ``evidence`` holds one ``bayes.EvidenceStep`` per re-estimation.
    """
    check("epochs", epochs, TRAINING_PARAMETERS["epochs"])
    trainer = Trainer(net, X, T, validation=validation, test=test, **options)
    if evidence is not None and evidence is not False:
        from .bayes import train_with_evidence  # bayes builds on training: imported when asked for

        final, steps = train_with_evidence(
            trainer, epochs, evidence, callback=None if callback is None else (lambda snap, step: callback(snap)))
        return FitResult(final.history, final, tuple(steps))
    if callback is None:
        final = trainer.advance(epochs)
    else:
        final = trainer.snapshot()
        while trainer.epoch < epochs:
            final = trainer.advance(min(callback_every, epochs - trainer.epoch))
            if callback(final) is False or final.status in (DIVERGED, EARLY_STOPPED):
                break
    return FitResult(final.history, final)
