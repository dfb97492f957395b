"""Many fits at once: PRML fig. 5.10 (M = 1 ... 12 hidden units x 30 random starts) and fig. 5.9.

A sweep is a list of (M, start) fits of one-hidden-layer networks on the same data. Each fit's
seed comes from (sweep seed, M, start) alone (:func:`fit_seed`), and every fit runs with one BLAS
thread, so a sweep gives the same numbers serial or pooled, in any order of completion.

The pool: worker processes from an explicit "spawn" context (fork after Qt's threads exist is
unsafe, and spawn is what a frozen binary can do; ``__main__`` calls freeze_support). Each job
carries the config and plain arrays, and returns plain numbers and a weight vector, so a
:class:`WorkerPool` started ahead (the Sweeps dock's) serves every later sweep.
``progress(done, total)`` is called at least every :data:`POLL_SECONDS` while fits run; its False
terminates the pool's processes and joins them before :class:`Interrupted` is raised, so nothing
survives a cancel.
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import io
import multiprocessing
import os
import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .objective import Interrupted
from .params import SWEEP_PARAMETERS, check

__all__ = ["SweepConfig", "SweepData", "FitOutcome", "SweepResult", "fit_seed", "run_fit", "run_sweep", "WorkerPool",
           "FIG_5_10_UNITS", "FIG_5_9_UNITS", "POLL_SECONDS"]

FIG_5_10_UNITS = tuple(range(1, 13))
FIG_5_9_UNITS = (1, 3, 10)
POLL_SECONDS = 0.1  # how often a running pool asks progress(): Cancel acts within a second
CSV_COLUMNS = ("units", "start", "seed", "train_error", "validation_error", "test_error", "epochs")


@dataclass(frozen=True)
class SweepData:
    """Plain arrays: the training pair and, optionally, validation and test pairs."""

    X: np.ndarray
    T: np.ndarray
    X_val: np.ndarray | None = None
    T_val: np.ndarray | None = None
    X_test: np.ndarray | None = None
    T_test: np.ndarray | None = None

    def pair(self, part: str):
        X, T = {"train": (self.X, self.T), "val": (self.X_val, self.T_val), "test": (self.X_test, self.T_test)}[part]
        return None if X is None or len(X) == 0 else (np.asarray(X, dtype=float), np.asarray(T))


@dataclass(frozen=True)
class SweepConfig:
    """Which fits and how each trains. ``epochs`` with scaled conjugate gradients (Netlab's choice
    for fig. 5.10's small networks) trains these to convergence."""

    units: tuple[int, ...] = FIG_5_10_UNITS
    starts: int = 30
    epochs: int = 300
    hidden: str = "tanh"
    output: str = "linear"
    optimizer: str = "scg"
    l2: float = 0.0
    seed: int = 0
    init_scale: float | None = None  # None: the MLP's default initialisation

    def __post_init__(self):
        units = tuple(check("sweep hidden units", m, SWEEP_PARAMETERS["units"]) for m in self.units)
        if not units:
            raise ValueError("a sweep needs at least one number of hidden units")
        object.__setattr__(self, "units", units)
        check("sweep starts", self.starts, SWEEP_PARAMETERS["starts"])
        check("sweep epochs", self.epochs, SWEEP_PARAMETERS["epochs"])
        check("sweep seed", self.seed, SWEEP_PARAMETERS["seed"])

    @classmethod
    def fig_5_10(cls, **changes) -> "SweepConfig":
        return cls(**{"units": FIG_5_10_UNITS, "starts": 30, **changes})

    @classmethod
    def fig_5_9(cls, **changes) -> "SweepConfig":
        return cls(**{"units": FIG_5_9_UNITS, "starts": 1, **changes})

    def jobs(self) -> list[tuple[int, int]]:
        return [(m, s) for m in self.units for s in range(self.starts)]


@dataclass(frozen=True)
class FitOutcome:
    """One fit: per-point mean errors (NaN where a part is empty) and the trained weights."""

    units: int
    start: int
    seed: int
    train_error: float
    validation_error: float
    test_error: float
    epochs: int
    sizes: tuple[int, ...]
    weights: np.ndarray = field(repr=False)

    def error(self, part: str = "test") -> float:
        """The error of ``part`` ("test", "validation" or "train")."""
        return {"test": self.test_error, "validation": self.validation_error, "train": self.train_error}[part]


@dataclass(frozen=True)
class SweepResult:
    config: SweepConfig
    outcomes: tuple[FitOutcome, ...]  # ordered by (units, start)

    def errors(self, part: str = "test") -> tuple[np.ndarray, np.ndarray]:
        """(M, error) of every fit: the points of fig. 5.10's scatter."""
        return (np.array([o.units for o in self.outcomes], dtype=float),
                np.array([o.error(part) for o in self.outcomes], dtype=float))

    def means(self, part: str = "test") -> tuple[np.ndarray, np.ndarray]:
        """Each M and the mean error of its fits (NaN-free fits only)."""
        m, e = self.errors(part)
        units = np.array(sorted(set(m)))
        return units, np.array([np.nanmean(e[m == u]) if np.any(np.isfinite(e[m == u])) else np.nan for u in units])

    def network(self, index: int):
        """The trained network of outcome ``index`` (an MLP at its weights)."""
        from .mlp import MLP

        o = self.outcomes[index]
        net = MLP(list(o.sizes), hidden=self.config.hidden, output=self.config.output, seed=0)
        net.w[:] = o.weights
        return net

    def csv_text(self) -> str:
        """One row per fit (CSV_COLUMNS), full float precision; write it with session.atomic."""
        out = io.StringIO()
        out.write(",".join(CSV_COLUMNS) + "\n")
        for o in self.outcomes:
            out.write(f"{o.units},{o.start},{o.seed},{o.train_error!r},{o.validation_error!r},"
                      f"{o.test_error!r},{o.epochs}\n")
        return out.getvalue()


def fit_seed(seed: int, units: int, start: int) -> int:
    """The seed of one fit, from the sweep's seed, M and the start alone (never the order of running)."""
    return int(np.random.SeedSequence([int(seed), int(units), int(start)]).generate_state(1)[0] % (2**31 - 1))


def _mean_error(net, pair) -> float:
    if pair is None:
        return float("nan")
    X, T = pair
    return float(net.error(X, T) / X.shape[0])


def run_fit(config: SweepConfig, data: SweepData, units: int, start: int,
            should_stop: Callable[[], bool] | None = None) -> FitOutcome:
    """Train one network with ``units`` hidden units from the start's seed (one BLAS thread)."""
    from threadpoolctl import threadpool_limits

    from .mlp import MLP
    from .training import fit

    X, T = data.pair("train")
    if T.ndim == 1 and config.output == "softmax":  # integer labels
        T2, n_out = T, int(np.max(T)) + 1
    else:
        T2 = T.reshape(len(T), -1)
        n_out = T2.shape[1]
    seed = fit_seed(config.seed, units, start)
    sizes = (X.shape[1], units, n_out)
    kwargs = {} if config.init_scale is None else {"init_scale": config.init_scale}
    net = MLP(list(sizes), hidden=config.hidden, output=config.output, seed=seed, **kwargs)
    callback = None if should_stop is None else (lambda snapshot: not should_stop())
    with threadpool_limits(limits=1, user_api="blas"):
        result = fit(net, X, T2, epochs=config.epochs, optimizer=config.optimizer, seed=seed, l2=config.l2,
                     validation=data.pair("val"), test=data.pair("test"), callback=callback, callback_every=25)
        if should_stop is not None and should_stop():
            raise Interrupted("sweep cancelled")
        return FitOutcome(units, start, seed, _mean_error(net, (X, T2)), _mean_error(net, data.pair("val")),
                          _mean_error(net, data.pair("test")), int(result.final.epoch), sizes, net.w.copy())


# ---------------------------------------------------------------------------- the pool's side
_limits: list = []  # a worker's BLAS limit, kept for its life


def _init_worker() -> None:
    from threadpoolctl import threadpool_limits

    from . import training  # noqa: F401  (a started worker has its imports done: ~1 s of scipy and numpy)

    # Two processes each running two BLAS threads on two cores fight for them (brief: 12.8 s
    # instead of 1.5 s for an eigen-decomposition); one thread per worker process shares them.
    _limits.append(threadpool_limits(limits=1))


def _ready() -> int:
    return os.getpid()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class WorkerPool:
    """Worker processes kept from one sweep to the next.

    :meth:`warm` starts them ahead of the first sweep (a spawned worker spends about a second
    importing numpy and scipy), so a sweep started later finds them ready; ``run_sweep(pool=...)``
    reuses them. A cancelled or failed sweep terminates them (nothing survives a cancel), and the
    next use starts new ones. Each job carries its config and plain arrays (no initializer state),
    so one pool serves sweeps on any data."""

    def __init__(self, workers: int | None = None, start_method: str = "spawn"):
        self.workers = default_workers() if workers is None else check("sweep workers", workers,
                                                                         SWEEP_PARAMETERS["workers"])
        self._start_method = start_method
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._executor is not None

    def executor(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context = multiprocessing.get_context(self._start_method)
                self._executor = concurrent.futures.ProcessPoolExecutor(self.workers, mp_context=context,
                                                                        initializer=_init_worker)
            return self._executor

    def warm(self) -> list[concurrent.futures.Future]:
        """Start every worker process now, without waiting: each future is done once its process is ready."""
        executor = self.executor()
        # a spawn-context pool starts a process per job while none is idle
        return [executor.submit(_ready) for _ in range(self.workers)]

    def terminate(self) -> None:
        """Kill the processes now (the fits they run are not awaited), then reap them."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        kill = getattr(executor, "terminate_workers", None)  # Python >= 3.14
        if kill is not None:
            kill()
        else:  # earlier Pythons have no public way to stop a running task: its processes are terminated
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                if process.is_alive():
                    process.terminate()
        executor.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Let the workers finish what they run, exit, and join them."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def map_fits(self, config: SweepConfig, data: SweepData, jobs, ask) -> list[FitOutcome]:
        """Every job's outcome; ``ask(done)`` at least every POLL_SECONDS (it raises to cancel)."""
        executor = self.executor()
        outcomes: list[FitOutcome] = []
        finished = False
        try:
            # The largest networks first: the last fits to end are short ones, so no core idles long.
            order = sorted(jobs, key=lambda job: -job[0])
            pending = {executor.submit(run_fit, config, data, *job) for job in order}
            while pending:
                done, pending = concurrent.futures.wait(pending, timeout=POLL_SECONDS,
                                                        return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    try:
                        outcomes.append(future.result())
                    except concurrent.futures.process.BrokenProcessPool:
                        raise RuntimeError("a sweep worker process ended unexpectedly (out of memory, or the "
                                           "program that started the sweep cannot be started again)") from None
                ask(len(outcomes))
            finished = True
        finally:
            if not finished:  # cancelled or failed
                self.terminate()
        return outcomes


def run_sweep(config: SweepConfig, data: SweepData, *, workers: int | None = None,
              progress: Callable[[int, int], bool | None] | None = None,
              start_method: str = "spawn", pool: WorkerPool | None = None) -> SweepResult:
    """Every fit of ``config`` on ``data``; ``workers`` processes (None: all cores; 1: in this process),
    in ``pool``'s processes if given (kept for the next sweep), else in a pool of this sweep's own.

    ``progress(done, total)`` after each fit and every POLL_SECONDS while fits run; False cancels:
    the worker processes are terminated and joined, then Interrupted is raised."""
    jobs = config.jobs()
    total = len(jobs)
    n_workers = default_workers() if workers is None else check("sweep workers", workers, SWEEP_PARAMETERS["workers"])
    n_workers = min(n_workers, total)

    def ask(done: int) -> None:
        if progress is not None and progress(done, total) is False:
            raise Interrupted("sweep cancelled")

    outcomes: list[FitOutcome] = []
    ask(0)
    if n_workers <= 1:
        for units, start in jobs:
            outcomes.append(run_fit(config, data, units, start,
                                    should_stop=lambda: progress is not None and progress(len(outcomes), total) is False))
            ask(len(outcomes))
    elif pool is not None:
        outcomes = pool.map_fits(config, data, jobs, ask)
    else:
        own = WorkerPool(n_workers, start_method)
        try:
            outcomes = own.map_fits(config, data, jobs, ask)
        finally:
            own.close()
    outcomes.sort(key=lambda o: (o.units, o.start))
    return SweepResult(config, tuple(outcomes))
