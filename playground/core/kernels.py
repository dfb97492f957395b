"""Kernel machines beside the network, and resampling: kernel ridge, the RBF SVM, bootstrap bands, bagging.

The kernels lecture (seed 004) in the house's terms:

- Kernels: "rbf" exp(-|x - x'|^2 / 2 sigma^2), "poly" (c + x.x')^degree (c = 1: all terms up to
  degree k; c = 0: degree exactly k), "sigmoid" tanh(gamma x.x' + r) (not positive definite in
  general, hence the least-squares fallback below).
- :class:`KernelRidge` minimises |P a - y|^2 + lam a^T P a with P_ij = K(x_i, x_j), so
  a = (P + lam I)^-1 y and f(x) = sum_i a_i K(x_i, x) (the dual form of PRML 6.1, eq. 6.8-6.9).
- :class:`SVM` minimises (1/n) sum max(0, 1 - y_i f(x_i)) + lam a^T K a. Divided by 2 lam this is
  libsvm's 1/2 |w|^2 + C sum hinge with C = 1/(2 lam n), so scikit-learn's SVC solves it on our
  own kernel matrix (kernel="precomputed": one kernel definition for both machines). More than
  two classes: SVC's one-vs-one.
- :func:`bootstrap`: B resamples of the training points with replacement, one refit each, the
  predictions at query points; :func:`band` gives their quantiles (5-95 % by default),
  :func:`vote_fraction` the share of models voting for each class, :func:`bootstrap_network`
  refits a network warm-started from its weights, and the models' mean is the bagged
  predictor (model averaging, seed 002) whose error :func:`ensemble_error` reports.

Every long loop takes ``progress(done, total)``; False cancels (:class:`Interrupted`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.linalg

from .memory import require_dense
from .objective import Interrupted
from .params import KERNEL_PARAMETERS, RESAMPLING_PARAMETERS, check

__all__ = ["KERNEL_NAMES", "KernelRidge", "SVM", "kernel_matrix", "bootstrap", "band", "vote_fraction",
           "bootstrap_network", "ensemble_error", "Bootstrap"]

KERNEL_NAMES = ("rbf", "poly", "sigmoid")


def _as_inputs(X, what: str = "inputs") -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or not np.all(np.isfinite(X)):
        raise ValueError(f"{what} must be a finite (N, D) array")
    return X


def kernel_matrix(A, B, kernel: str = "rbf", sigma: float = 0.1, degree: int = 3, c: float = 1.0,
                  gamma: float = 1.0, r: float = 0.0) -> np.ndarray:
    """K(a_i, b_j) for the rows of A (N, D) and B (M, D): an (N, M) array."""
    check("kernel", kernel, KERNEL_PARAMETERS["kernel"])
    A, B = _as_inputs(A), _as_inputs(B)
    if kernel == "rbf":
        # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, clipped at 0 against rounding
        sq = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * A @ B.T
        return np.exp(-np.maximum(sq, 0.0) / (2.0 * sigma * sigma))
    if kernel == "poly":
        return (c + A @ B.T) ** degree
    return np.tanh(gamma * (A @ B.T) + r)  # "sigmoid"


@dataclass
class _KernelMachine:
    kernel: str = "rbf"
    sigma: float = 0.1
    lam: float = 1e-4
    degree: int = 3
    c: float = 1.0
    gamma: float = 1.0
    r: float = 0.0

    def __post_init__(self):
        check("kernel", self.kernel, KERNEL_PARAMETERS["kernel"])
        for name in ("sigma", "lam", "degree", "c", "gamma", "r"):
            setattr(self, name, check(f"kernel {name}", getattr(self, name), KERNEL_PARAMETERS[name]))

    def settings(self) -> dict:
        return dict(kernel=self.kernel, sigma=self.sigma, degree=self.degree, c=self.c, gamma=self.gamma, r=self.r)

    def gram(self, A, B) -> np.ndarray:
        return kernel_matrix(A, B, **self.settings())


@dataclass
class KernelRidge(_KernelMachine):
    """Kernel ridge regression (module docstring). ``fit`` returns self; learned: ``X_``, ``alpha_``."""

    X_: np.ndarray | None = field(default=None, repr=False)
    alpha_: np.ndarray | None = field(default=None, repr=False)
    solver_: str = ""  # "cholesky" or "lstsq": how (P + lam I) a = y was solved

    def fit(self, X, y) -> "KernelRidge":
        X = _as_inputs(X)
        y = np.asarray(y, dtype=float)
        if y.shape[0] != X.shape[0] or not np.all(np.isfinite(y)):
            raise ValueError(f"{X.shape[0]} inputs need as many finite targets, got shape {y.shape}")
        require_dense(X.shape[0], "Kernel ridge on this many points", "use fewer training points")
        A = self.gram(X, X)
        A[np.diag_indices_from(A)] += self.lam
        try:
            self.alpha_ = scipy.linalg.cho_solve(scipy.linalg.cho_factor(A, lower=True, check_finite=False), y)
            self.solver_ = "cholesky"
        except np.linalg.LinAlgError:
            # P + lam I not positive definite (a sigmoid kernel, or lam lost below P's rounding):
            # the least-squares solution still minimises |(P + lam I) a - y|.
            self.alpha_ = np.linalg.lstsq(A, y, rcond=None)[0]
            self.solver_ = "lstsq"
        self.X_ = X
        return self

    def predict(self, Xq) -> np.ndarray:
        """f(x) = sum_i alpha_i K(x_i, x) at the rows of Xq; shaped (Nq,) or (Nq, L) like y."""
        if self.alpha_ is None:
            raise ValueError("fit the kernel ridge model before predicting")
        return self.gram(Xq, self.X_) @ self.alpha_


@dataclass
class SVM(_KernelMachine):
    """The SVM of seed 004 on scikit-learn's SVC (module docstring). ``fit(X, labels)`` returns self.

    Learned: ``support_`` (indices of the support vectors in X), ``support_vectors_``, ``classes_``,
    ``dual_coef_`` (y_i alpha_i of the support vectors, as libsvm gives them), ``C_``.
    """

    X_: np.ndarray | None = field(default=None, repr=False)
    C_: float = 0.0
    _svc: object = field(default=None, repr=False)

    def fit(self, X, labels) -> "SVM":
        from sklearn.svm import SVC  # imported here: the rest of the core does not need scikit-learn

        X = _as_inputs(X)
        labels = np.asarray(labels).ravel()
        if labels.shape[0] != X.shape[0]:
            raise ValueError(f"{X.shape[0]} inputs need as many labels, got {labels.shape[0]}")
        if np.unique(labels).size < 2:
            raise ValueError("an SVM needs points of at least two classes")
        require_dense(X.shape[0], "The SVM on this many points", "use fewer training points")
        n = X.shape[0]
        self.C_ = 1.0 / (2.0 * self.lam * n)
        self._svc = SVC(C=self.C_, kernel="precomputed", decision_function_shape="ovo", tol=1e-5)
        self._svc.fit(self.gram(X, X), labels)
        self.X_ = X
        return self

    def _fitted(self):
        if self._svc is None:
            raise ValueError("fit the SVM before predicting")
        return self._svc

    @property
    def support_(self) -> np.ndarray:
        return self._fitted().support_

    @property
    def support_vectors_(self) -> np.ndarray:
        return self.X_[self.support_]

    @property
    def classes_(self) -> np.ndarray:
        return self._fitted().classes_

    @property
    def dual_coef_(self) -> np.ndarray:
        return self._fitted().dual_coef_

    def decision_function(self, Xq) -> np.ndarray:
        """f(x) = sum_i y_i alpha_i K(x_i, x) + b (two classes: (Nq,), positive for classes_[1]);
        one column per pair of classes otherwise (one-vs-one)."""
        return self._fitted().decision_function(self.gram(Xq, self.X_))

    def predict(self, Xq) -> np.ndarray:
        return self._fitted().predict(self.gram(Xq, self.X_))


# ---------------------------------------------------------------------------- resampling
def _checked_resampling(B: int, seed: int) -> tuple[int, int]:
    return check("bootstrap B", B, RESAMPLING_PARAMETERS["B"]), check("bootstrap seed", seed, RESAMPLING_PARAMETERS["seed"])


def resamples(n: int, B: int, seed: int = 0) -> np.ndarray:
    """(B, n) indices drawn with replacement; the same seed gives the same resamples."""
    B, seed = _checked_resampling(B, seed)
    return np.random.default_rng(seed).integers(0, n, size=(B, n))


def bootstrap(fit_predict: Callable, X, y, Xq, B: int = 100, seed: int = 0,
              progress: Callable[[int, int], bool | None] | None = None) -> np.ndarray:
    """Predictions at Xq of B refits on resamples: (B, Nq, ...) from ``fit_predict(X_b, y_b, Xq)``.

    ``progress(done, B)`` after each refit; False cancels (Interrupted)."""
    X, y = _as_inputs(X), np.asarray(y)
    out = []
    for b, index in enumerate(resamples(X.shape[0], B, seed)):
        out.append(np.asarray(fit_predict(X[index], y[index], Xq)))
        if progress is not None and progress(b + 1, B) is False:
            raise Interrupted("bootstrap cancelled")
    return np.stack(out)


def band(predictions, quantiles=(0.05, 0.95)) -> tuple[np.ndarray, np.ndarray]:
    """The lower and upper quantiles of bootstrap predictions (B, Nq, ...) over the B models."""
    lo, hi = (check("band quantile", q, RESAMPLING_PARAMETERS["quantile"]) for q in quantiles)
    if not lo < hi:
        raise ValueError(f"the band's lower quantile must be below the upper one, got {lo} and {hi}")
    qs = np.quantile(np.asarray(predictions, dtype=float), [lo, hi], axis=0)
    return qs[0], qs[1]


def vote_fraction(labels, n_classes: int) -> np.ndarray:
    """(Nq, K): the share of the B models (rows of ``labels``, (B, Nq)) voting for each class."""
    labels = np.asarray(labels, dtype=int)
    return np.stack([(labels == k).mean(axis=0) for k in range(n_classes)], axis=-1)


@dataclass(frozen=True)
class Bootstrap:
    """What a bootstrap of a network leaves: every refit's weights and predictions at Xq."""

    weights: np.ndarray  # (B, W)
    predictions: np.ndarray  # (B, Nq, K) network outputs
    train_errors: np.ndarray  # (B,) mean error on the model's own resample

    def mean(self) -> np.ndarray:
        """The bagged predictor: the models' average output (seed 002's model averaging)."""
        return self.predictions.mean(axis=0)


def bootstrap_network(net, X, T, Xq, B: int = 20, epochs: int = 100, seed: int = 0,
                      progress: Callable[[int, int], bool | None] | None = None, **fit_options) -> Bootstrap:
    """B copies of ``net`` warm-started from its weights, each trained ``epochs`` epochs on a resample.

    ``fit_options`` are ``fit``'s keywords (optimizer, lr, l2, ...); ``net`` is left unchanged."""
    from .training import fit  # here: training imports much of the core

    X, T = np.asarray(X, dtype=float), np.asarray(T)
    check("bootstrap epochs", epochs, RESAMPLING_PARAMETERS["epochs"])
    weights, predictions, errors = [], [], []
    for b, index in enumerate(resamples(X.shape[0], B, seed)):
        model = net.copy()
        result = fit(model, X[index], T[index], epochs=epochs, seed=int(seed + b) % 2**31, **fit_options)
        weights.append(model.w.copy())
        predictions.append(model.forward(Xq))
        errors.append(float(result.train_error[-1]) if len(result.train_error) else np.nan)
        if progress is not None and progress(b + 1, B) is False:
            raise Interrupted("bootstrap cancelled")
    return Bootstrap(np.stack(weights), np.stack(predictions), np.asarray(errors))


def ensemble_error(net, predictions, T) -> float:
    """The per-point error (the network's head: sum of squares or cross-entropy) of ``predictions``
    (N, K), outputs after the output activation, against targets T; a bagged mean goes here too."""
    y = np.asarray(predictions, dtype=float)
    T = np.asarray(T)
    if net.output == "linear":
        return float(0.5 * np.sum((y - T.reshape(y.shape)) ** 2) / y.shape[0])
    eps = 1e-12
    if net.output == "sigmoid":
        t = T.reshape(y.shape).astype(float)
        return float(-np.sum(t * np.log(y + eps) + (1 - t) * np.log(1 - y + eps)) / y.shape[0])
    if net.output == "softmax":
        labels = T if T.ndim == 1 else np.argmax(T, axis=1)
        return float(-np.mean(np.log(y[np.arange(y.shape[0]), labels.astype(int)] + eps)))
    raise ValueError(f"no ensemble error for a {net.output} output")
