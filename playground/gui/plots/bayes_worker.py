"""The Bayesian dock's background work (PRML 5.7): posteriors and the evidence procedure off the GUI thread.

:func:`compute_picture` builds the Laplace approximation (``playground.core.bayes``) at the weights
of a :class:`BayesRequest` and evaluates what the dock draws on the data view's grid, contour lines
included, so the GUI thread only copies arrays (gui/plots/bayes_view.py). :class:`BayesWorker`, a
gui/background.Worker, runs it for the newest request only, and runs the evidence procedure
(Netlab demev1) on a copy of the network when asked.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Signal

from ...core import bayes
from ...core.datasets import map_features
from ...core.training import Trainer
from ..background import Worker, single_threaded_blas
from ..contours import contour_segments, segments_to_pairs

LEVELS = (0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9)  # drawn thin; 0.5 is the decision boundary, drawn bold
# The thin levels are traced on every other grid point: a quarter of the moderated outputs to
# compute, half the vertices (each repaint of the data view strokes them all, 30 times a second
# while training) and no visible difference.
LEVEL_STRIDE = 2


@dataclass(frozen=True)
class BayesJob:
    """The network's architecture (a copy) and its training data, as the trainer sees them."""

    serial: int
    net: object
    X: np.ndarray
    T: np.ndarray
    features: tuple | None


@dataclass(frozen=True)
class BayesSettings:
    alpha: float | dict = 0.01  # a dict over the groups after a per-group evidence procedure
    beta: float = 50.0
    hessian: str = "exact"
    per_group: bool = False


@dataclass(frozen=True)
class BayesRequest:
    serial: int
    weights: np.ndarray
    epoch: int
    kind: str
    grid_x: np.ndarray
    grid_y: np.ndarray | None


@dataclass(frozen=True)
class BayesPicture:
    """What the overlay and the dock draw for one posterior (all arrays fresh)."""

    serial: int
    kind: str  # regression1d | classification2d | none
    epoch: int
    grid_x: np.ndarray | None = None
    grid_y: np.ndarray | None = None
    mean: np.ndarray | None = None  # (nx,) predictive mean
    noise_sd: float | None = None  # sqrt(1/beta)
    weight_sd: np.ndarray | None = None  # (nx,) sqrt(g^T A^-1 g)
    moderated: np.ndarray | None = None  # (ny, nx, C) moderated probabilities (one sigmoid: every LEVEL_STRIDE-th point)
    map_output: np.ndarray | None = None  # (ny, nx, C) y(x, w_MAP)
    contours: dict | None = None  # "moderated" / "map" -> (levels, level pairs (x, y), boundary pairs (x, y))
    gamma: float | None = None
    n_params: int = 0
    log_evidence: float | None = None
    message: str = ""  # why nothing is drawn, or a note (clipped Hessian)
    seconds: float = 0.0  # what it took the worker: the view waits a few times as long before the next

    @property
    def total_sd(self) -> np.ndarray | None:
        if self.weight_sd is None:
            return None
        return np.sqrt(self.noise_sd**2 + self.weight_sd**2)


def _alpha(settings: BayesSettings, net):
    if isinstance(settings.alpha, dict):
        return settings.alpha
    if settings.per_group:
        return {g: settings.alpha for g, m in net.parameter_groups().items() if m.any()}
    return settings.alpha


def compute_picture(job: BayesJob, settings: BayesSettings, request: BayesRequest, progress=None) -> BayesPicture:
    """The posterior at the request's weights and what it predicts on the request's grid."""
    net = job.net.copy()
    net.w[:] = request.weights
    base = dict(serial=request.serial, kind=request.kind, epoch=request.epoch, grid_x=request.grid_x,
                grid_y=request.grid_y, n_params=net.n_params)
    shape_ok = ((request.kind == "regression1d" and net.output == "linear" and net.head.n_units == 1)
                or (request.kind == "classification2d" and net.output in ("sigmoid", "softmax")))
    if net.output == "mdn":
        return BayesPicture(**{**base, "kind": "none"}, message=(
            "No error bars for a mixture density network: its conditional density already shows the spread of "
            "t, and the Laplace approximation (PRML 5.7) is for linear, sigmoid and softmax outputs."))
    if not shape_ok:
        return BayesPicture(**{**base, "kind": "none"}, message=(
            "Error bars are drawn for regression with one input and one output; moderated outputs for "
            "classification in the plane. This data set is neither."))
    beta = settings.beta if net.output == "linear" else None
    post = bayes.laplace(net, job.X, job.T, _alpha(settings, net), beta, settings.hessian, progress=progress)
    note = ("The weights are not at a minimum yet: A uses the data Hessian with its negative eigenvalues "
            "set to zero." if post.clipped else "")
    if not _near_map(net, job.X, job.T, post):
        note += (" These weights do not minimise β E_D + Σ α/2 w² (the trainer has its own weight "
                 "decay), so the evidence is not PRML's 5.175 at w_MAP; the evidence procedure trains to it.")
    common = dict(gamma=post.gamma(), log_evidence=post.log_evidence(), message=note)
    inputs = (lambda X: X) if job.features is None else (lambda X: map_features(X, job.features))
    if request.kind == "regression1d":
        mean, noise, weight_var = post.predictive_parts(inputs(request.grid_x[:, None]))
        return BayesPicture(**base, **common, mean=mean[:, 0], noise_sd=math.sqrt(noise[0, 0]),
                            weight_sd=np.sqrt(weight_var[:, 0]))
    gx, gy = request.grid_x, request.grid_y

    def on_grid(x, y):
        XX, YY = np.meshgrid(x, y)
        return inputs(np.column_stack([XX.ravel(), YY.ravel()]))

    shape = (len(gy), len(gx), net.head.n_units)
    map_output = post.map_output(on_grid(gx, gy)).reshape(shape)
    if net.head.n_units == 1:
        # One sigmoid: its thin levels are traced on every other grid point, so the moderated output
        # (whose g^T A^-1 g per point is most of a picture's cost) is computed there only; its 0.5
        # boundary is where a_MAP = 0 whatever kappa (PRML 4.5.2, 5.190): the MAP output's own.
        cx, cy = gx[::LEVEL_STRIDE], gy[::LEVEL_STRIDE]
        moderated = post.predictive(on_grid(cx, cy)).reshape(len(cy), len(cx), 1)
        boundary = segments_to_pairs(contour_segments(map_output[:, :, 0], gx, gy, 0.5))
        contours = {"moderated": _level_lines(moderated[:, :, 0], cx, cy) + (boundary,),
                    "map": _level_lines(map_output[::LEVEL_STRIDE, ::LEVEL_STRIDE, 0], cx, cy) + (boundary,)}
    else:
        moderated = post.predictive(on_grid(gx, gy)).reshape(shape)
        contours = {"moderated": _class_boundaries(moderated, gx, gy), "map": _class_boundaries(map_output, gx, gy)}
    return BayesPicture(**base, **common, moderated=moderated, map_output=map_output, contours=contours)


def _level_lines(p: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> tuple:
    """(levels, their line pairs) of one sigmoid output's (ny, nx) probabilities: 0.1 ... 0.9
    thin, and 0.5, the boundary, drawn bold from the full grid."""
    return LEVELS + (0.5,), segments_to_pairs(np.concatenate([contour_segments(p, gx, gy, level) for level in LEVELS]))


def _class_boundaries(values: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> tuple:
    """(levels, no level lines, boundary pairs) of softmax's (ny, nx, C) probabilities: each class's
    0.5 contour, where it becomes more likely than all others together."""
    segments = [contour_segments(values[:, :, k], gx, gy, 0.5) for k in range(values.shape[2])]
    return (0.5,), (np.zeros(0), np.zeros(0)), segments_to_pairs(np.concatenate(segments))


def _near_map(net, X, T, post, tolerance: float = 0.1) -> bool:
    """Is the gradient of beta E_D + sum alpha_i/2 w_i^2 small next to its two parts' (w is w_MAP)?"""
    _, g = net.gradient(X, T)
    data = (1.0 if post.beta is None else post.beta) * g
    prior = post.alpha_vector * post.w
    scale = np.linalg.norm(data) + np.linalg.norm(prior) + 1e-12
    return bool(np.linalg.norm(data + prior) <= tolerance * scale)


@dataclass(frozen=True)
class EvidenceReport:
    serial: int
    steps: tuple  # bayes.EvidenceStep, so far
    done: bool
    alpha: object = None  # the final hyperparameters (when done)
    beta: float | None = None
    message: str = ""


class BayesWorker(Worker):
    """Builds posteriors (and runs the evidence procedure) off the GUI thread; the newest request wins."""

    title = "Bayesian error-bar worker"
    activity = "while computing a Laplace approximation"
    sigPicture = Signal(object)  # BayesPicture
    sigEvidence = Signal(object)  # EvidenceReport

    def __init__(self):
        super().__init__()
        self._job: BayesJob | None = None
        self._settings = BayesSettings()
        self._request: BayesRequest | None = None
        self._evidence: tuple | None = None  # (cycles, epochs, weights)

    def _on_job(self, job: BayesJob | None) -> None:
        self._job, self._request, self._evidence = job, None, None

    def _on_settings(self, settings: BayesSettings) -> None:
        self._settings = settings

    def _on_compute(self, request: BayesRequest) -> None:
        self._request = request

    def _on_evidence(self, cycles: int, epochs: int, weights) -> None:
        self._evidence = (cycles, epochs, weights)

    def idle_timeout(self) -> float | None:
        return 0 if (self._request is not None or self._evidence is not None) else None

    def work(self) -> None:
        job = self._job
        if job is None:
            self._request = self._evidence = None
            return
        if self._evidence is not None:
            self._run_evidence(job)
            return
        request, self._request = self._request, None
        if request is None or request.serial != job.serial:
            return
        start = time.perf_counter()
        try:
            with single_threaded_blas():  # the trainer computes at the same time
                picture = compute_picture(job, self._settings, request, progress=lambda d, n: not self.should_stop())
            picture = dataclasses.replace(picture, seconds=time.perf_counter() - start)
        except bayes.Interrupted:
            return  # a newer request (or job) is waiting
        except ValueError as err:  # too large for memory, an MDN head, ...: said in the dock
            picture = BayesPicture(request.serial, "none", request.epoch, message=_sentence(err))
        self.sigPicture.emit(picture)

    def _run_evidence(self, job: BayesJob) -> None:
        (cycles, epochs, weights), self._evidence = self._evidence, None
        net = job.net.copy()
        net.w[:] = weights
        s = self._settings
        start_alpha = float(np.exp(np.mean(np.log(list(s.alpha.values()))))) if isinstance(s.alpha, dict) else s.alpha
        options = bayes.EvidenceOptions(alpha=start_alpha, beta=s.beta, cycles=cycles, hessian=s.hessian,
                                        per_group=s.per_group)
        steps: list = []

        def report(snap, step):
            steps.append(step)
            self.sigEvidence.emit(EvidenceReport(job.serial, tuple(steps), False))
            return not self.should_stop()

        try:
            with single_threaded_blas():
                trainer = Trainer(net, job.X, job.T, optimizer="scg")
                bayes.train_with_evidence(trainer, cycles * epochs, options, callback=report)
        except ValueError as err:
            self.sigEvidence.emit(EvidenceReport(job.serial, tuple(steps), True, message=_sentence(err)))
            return
        last = steps[-1] if steps else None
        self.sigEvidence.emit(EvidenceReport(job.serial, tuple(steps), True,
                                             alpha=None if last is None else last.alpha,
                                             beta=None if last is None else last.beta,
                                             message="" if len(steps) == cycles else "Stopped early."))


def _sentence(err: Exception) -> str:
    text = str(err)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
