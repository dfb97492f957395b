"""What the Kernels dock computes, off the GUI thread (gui/plots/kernel_view.py draws it).

``compute(problem, settings, ...)`` fits the kernel machine (core/kernels.py) to the training
points, evaluates it on a grid, fits the lecture's small multiples, and, when asked, bootstraps the
kernel machine or the network (its band, votes and bagged mean). No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from playground.core import kernels
from playground.core.datasets import map_features

from ..contours import contour_segments
from ..frames import decision_boundary

LECTURE_GRID = ((1e-3, 1e-4), (1e-2, 1e-4), (1e-1, 1e-4), (1.0, 1e-4), (1e-1, 1.0))  # (sigma, lambda)
CURVE_POINTS = 300
PLANE_POINTS = 80


@dataclass(frozen=True)
class KernelProblem:
    """The training points as the kernel machine sees them (raw inputs, no feature maps)."""

    kind: str  # "regression1d" or "classification2d"
    X: np.ndarray
    y: np.ndarray  # (N,) targets or labels
    n_classes: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    # for refitting the network: its inputs (feature maps applied), targets, validation pair, features
    net_inputs: np.ndarray | None = None
    net_targets: np.ndarray | None = None
    validation: tuple | None = None
    features: tuple | None = None


@dataclass(frozen=True)
class KernelSettings:
    kernel: str = "rbf"
    sigma: float = 0.1
    lam: float = 1e-4
    degree: int = 3
    c: float = 1.0
    bootstrap: str = ""  # "", "kernel" or "network"
    B: int = 30
    quantiles: tuple[float, float] = (0.05, 0.95)
    seed: int = 0
    epochs: int = 50  # warm-started epochs of each network refit

    def machine(self, **changes) -> dict:
        return {**dict(kernel=self.kernel, sigma=self.sigma, lam=self.lam, degree=self.degree, c=self.c), **changes}


@dataclass(frozen=True)
class KernelResult:
    settings: KernelSettings
    grid_x: np.ndarray
    grid_y: np.ndarray | None = None
    curve: np.ndarray | None = None  # regression: the kernel machine at grid_x
    boundary: np.ndarray | None = None  # classification: (M, 2, 2) segments
    support_vectors: np.ndarray | None = None
    band: tuple | None = None  # (lo, hi) at grid_x
    votes: np.ndarray | None = None  # (ny, nx, K) shares of the models voting for each class
    multiples: tuple = ()  # per LECTURE_GRID entry: a curve, or boundary segments
    bagged: np.ndarray | None = None  # regression: the bootstrap networks' mean at grid_x (seed 002's bagging)
    ensemble_text: str = ""


def _svm_boundary(svm, X, gx, gy, n_classes):
    f = svm.decision_function(X)
    if n_classes == 2:
        return contour_segments(f.reshape(len(gy), len(gx)), gx, gy, 0.0)
    onehot = np.eye(n_classes)[svm.predict(X).astype(int)]  # labels are 0 ... K-1
    return decision_boundary(onehot.reshape(len(gy), len(gx), n_classes), gx, gy)


def compute(problem: KernelProblem, settings: KernelSettings, net=None, fit_options=None, progress=None) -> KernelResult:
    """Everything the view draws for ``settings`` (runs in the background)."""
    machine = settings.machine()
    if problem.kind == "regression1d":
        gx = np.linspace(*problem.x_range, CURVE_POINTS)
        Q = gx[:, None]
        curve = kernels.KernelRidge(**machine).fit(problem.X, problem.y).predict(Q)
        multiples = tuple(kernels.KernelRidge(kernel="rbf", sigma=s, lam=lam).fit(problem.X, problem.y).predict(Q)
                          for s, lam in LECTURE_GRID)
        result = KernelResult(settings, gx, curve=curve, multiples=multiples)
        if settings.bootstrap == "kernel":
            refit = lambda Xb, yb, q: kernels.KernelRidge(**machine).fit(Xb, yb).predict(q)  # noqa: E731
            preds = kernels.bootstrap(refit, problem.X, problem.y, Q, settings.B, settings.seed, progress)
            result = replace(result, band=kernels.band(preds, settings.quantiles))
        elif settings.bootstrap == "network" and net is not None:
            preds, text = _network_bootstrap(problem, settings, net, Q, fit_options, progress)
            result = replace(result, band=kernels.band(preds[:, :, 0], settings.quantiles), ensemble_text=text,
                             bagged=preds[:, :, 0].mean(axis=0))
        return result
    gx = np.linspace(*problem.x_range, PLANE_POINTS)
    gy = np.linspace(*problem.y_range, PLANE_POINTS)
    XX, YY = np.meshgrid(gx, gy)
    Q = np.column_stack([XX.ravel(), YY.ravel()])
    svm = kernels.SVM(**machine).fit(problem.X, problem.y)
    multiples = tuple(_svm_boundary(kernels.SVM(kernel="rbf", sigma=s, lam=lam).fit(problem.X, problem.y),
                                    Q, gx, gy, problem.n_classes) for s, lam in LECTURE_GRID)
    result = KernelResult(settings, gx, gy, boundary=_svm_boundary(svm, Q, gx, gy, problem.n_classes),
                          support_vectors=svm.support_vectors_, multiples=multiples)
    K = problem.n_classes
    if settings.bootstrap == "kernel":
        refit = lambda Xb, yb, q: (kernels.SVM(**machine).fit(Xb, yb).predict(q)  # noqa: E731
                                   if np.unique(yb).size > 1 else np.full(len(q), yb[0]))
        labels = kernels.bootstrap(refit, problem.X, problem.y, Q, settings.B, settings.seed, progress)
        result = replace(result, votes=kernels.vote_fraction(labels, K).reshape(len(gy), len(gx), K))
    elif settings.bootstrap == "network" and net is not None:
        preds, text = _network_bootstrap(problem, settings, net, Q, fit_options, progress)
        labels = preds.argmax(axis=2) if preds.shape[2] > 1 else (preds[:, :, 0] > 0.5).astype(int)
        result = replace(result, votes=kernels.vote_fraction(labels, K).reshape(len(gy), len(gx), K),
                         ensemble_text=text)
    return result


def _network_bootstrap(problem, settings, net, Q, fit_options, progress):
    """B warm-started refits of the network: predictions at Q, and the bagged mean's validation error."""
    features = problem.features
    inputs = (lambda X: X) if features is None else (lambda X: map_features(X, features))  # noqa: E731
    val = problem.validation
    Xq = inputs(Q) if val is None else np.vstack([inputs(Q), val[0]])
    boot = kernels.bootstrap_network(net, problem.net_inputs, problem.net_targets, Xq, settings.B, settings.epochs,
                                     settings.seed, progress, **(fit_options or {}))
    preds = boot.predictions[:, : len(Q)]
    if val is None:
        return preds, f"{settings.B} networks bagged; no validation points to compare them on"
    bagged = kernels.ensemble_error(net, boot.predictions[:, len(Q):].mean(axis=0), val[1])
    single = net.error(*val) / len(val[0])
    return preds, f"validation error: bagged mean of {settings.B} networks {bagged:.4g}, this network {single:.4g}"


def _padded(values, margin: float = 0.1) -> tuple[float, float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = margin * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


def problem_from(experiment) -> KernelProblem | None:
    """The training part of an experiment (session/experiment.py) as a kernel problem, or None."""
    train = experiment.split.train
    if train.n < 2:
        return None
    bounds = experiment.dataset.bounds or (_padded(train.X[:, 0]), _padded(train.X[:, 1] if train.X.shape[1] > 1
                                                                           else train.t[:, 0]))
    pair = experiment.pair(train)
    common = dict(net_inputs=pair[0], net_targets=pair[1], validation=experiment.pair(experiment.split.val),
                  features=experiment.features, x_range=tuple(bounds[0]), y_range=tuple(bounds[1]))
    if experiment.dataset.kind == "regression" and train.X.shape[1] == 1 and experiment.output != "mdn":
        return KernelProblem("regression1d", train.X, train.t[:, 0], 0, **common)
    if experiment.dataset.kind == "classification" and train.X.shape[1] == 2 and np.unique(train.t).size > 1:
        return KernelProblem("classification2d", train.X, train.t, experiment.dataset.n_classes, **common)
    return None


