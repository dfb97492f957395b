"""Data sets: PRML's reference sets, TensorFlow-Playground-style 2-D toys, splits, feature maps.

- `Dataset`: an immutable set of inputs ``X`` (N, D) and targets ``t`` with its kind
  (classification: integer labels (N,); regression: real targets (N, L)). Edits return new
  data sets, so the GUI's undo stack can keep old ones.
- `GENERATORS` / `make_dataset`: seeded synthetic sets, among them PRML's sinusoid (App. A),
  the four functions of fig 5.3, the inverse problem of figs 5.19-5.21 and the synthetic
  classification set of Netlab's demmlp2 together with its exact Bayes posterior.
- `split_indices` / `split_dataset`: a (stratified) train/validation/test split.
- `FEATURES` / `map_features`: fixed input feature maps, as in TensorFlow Playground.

Pure numpy/scipy; nothing here imports Qt or the session layer.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
from scipy.special import expit, logsumexp

from .heads import HEAD_NAMES, LABEL_COLUMN_HEADS
from .params import DATA_PARAMETERS, MAX_CLASSES, MAX_POINTS, MIN_CLASSES, check  # noqa: F401 (the caps' old home)

Array = np.ndarray
Bounds = tuple[tuple[float, float], tuple[float, float]]

KINDS = ("classification", "regression")


# --------------------------------------------------------------------------------------------
# The data set
# --------------------------------------------------------------------------------------------


def _read_only(array: Array) -> Array:
    array.flags.writeable = False
    return array


def _as_labels(t, n_rows: int) -> Array:
    """Class labels as an int64 vector; integer-valued floats are accepted."""
    labels = np.array(t)  # a copy, whatever the caller keeps
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or labels.shape[0] != n_rows:
        raise ValueError(f"class labels must have shape ({n_rows},), got {np.shape(t)}")
    if labels.dtype.kind in "iub":
        return labels.astype(np.int64)
    if labels.dtype.kind != "f" and labels.size:
        raise ValueError(f"class labels must be integers, got values of type {labels.dtype}")
    labels = labels.astype(np.float64)
    if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
        raise ValueError("class labels must be whole numbers 0, 1, 2, ...")
    return labels.astype(np.int64)


def _as_real_matrix(values, what: str, vector_is_column: bool = False) -> Array:
    try:
        matrix = np.array(values, dtype=np.float64)  # always a copy
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numbers: {exc}") from None
    if vector_is_column and matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2 or matrix.shape[1] < 1:
        raise ValueError(f"{what} must be a 2-D array (N, columns), got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError(f"{what} contain NaN or infinity")
    return matrix


def _as_bounds(bounds) -> Bounds:
    try:
        (x_low, x_high), (y_low, y_high) = bounds
        values = tuple(float(v) for v in (x_low, x_high, y_low, y_high))
    except (TypeError, ValueError):
        raise ValueError(f"bounds must be ((xmin, xmax), (ymin, ymax)), got {bounds!r}") from None
    x_low, x_high, y_low, y_high = values
    if not all(map(math.isfinite, values)) or not (x_low < x_high and y_low < y_high):
        raise ValueError(f"bounds need finite values with min < max, got {bounds!r}")
    return (x_low, x_high), (y_low, y_high)


def _padded_range(values: Array, margin: float = 0.1) -> tuple[float, float]:
    """The data range widened by `margin` of its span; a unit box around a single value."""
    if values.size == 0:
        return -1.0, 1.0
    low, high = float(values.min()), float(values.max())
    span = high - low
    if span == 0.0:
        return low - 1.0, high + 1.0
    return low - margin * span, high + margin * span


def _rows(values, width: int, what: str) -> Array:
    """New points as an (k, width) float array; one point may be given as a flat vector."""
    rows = np.asarray(values, dtype=np.float64)
    if rows.ndim == 0:
        rows = rows.reshape(1, 1)
    elif rows.ndim == 1:
        rows = rows[:, None] if width == 1 else rows[None, :]
    if rows.ndim != 2 or rows.shape[1] != width:
        raise ValueError(f"{what} must have shape (k, {width}), got {np.shape(values)}")
    return rows


def one_hot(labels: Array, n_classes: int) -> Array:
    """(N, K) float matrix with a 1 in column labels[n] of row n (1-of-K coding, PRML 4.1)."""
    return np.eye(n_classes)[labels]


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """Inputs and targets of one problem; immutable (arrays are read-only copies).

    `X` (N, D) float64. `t`: classification -> (N,) int64 labels 0..K-1; regression ->
    (N, L) float64 (a vector is taken as L = 1). `n_classes` K defaults to max label + 1
    (at least 2); it is None for regression. `bounds` is the natural plot range
    ((xmin, xmax), (ymin, ymax)): the two inputs, or for one input, x and t.
    `bayes_posterior(X) -> p(label 1 | x)` (N,) exists where the generating densities are
    known; `true_function(X) -> f(X)` (N, L) is the noise-free regression function.
    """

    X: Array
    t: Array
    kind: str
    n_classes: int | None = None
    name: str = "custom"
    bounds: Bounds | None = None
    bayes_posterior: Callable[[Array], Array] | None = None
    true_function: Callable[[Array], Array] | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        X = _as_real_matrix(self.X, "inputs X")
        if self.kind == "classification":
            t = _as_labels(self.t, X.shape[0])
            n_classes = self._checked_n_classes(t)
        else:
            if self.n_classes is not None:
                raise ValueError("n_classes must be None for regression data")
            t = _as_real_matrix(self.t, "targets t", vector_is_column=True)
            if t.shape[0] != X.shape[0]:
                raise ValueError(f"{X.shape[0]} inputs but {t.shape[0]} targets")
            n_classes = None
        if not isinstance(self.name, str):
            raise ValueError(f"name must be a string, got {self.name!r}")
        for attribute in ("bayes_posterior", "true_function"):
            if getattr(self, attribute) is not None and not callable(getattr(self, attribute)):
                raise ValueError(f"{attribute} must be callable or None")
        object.__setattr__(self, "X", _read_only(X))
        object.__setattr__(self, "t", _read_only(t))
        object.__setattr__(self, "n_classes", n_classes)
        if self.bounds is not None:
            object.__setattr__(self, "bounds", _as_bounds(self.bounds))

    def _checked_n_classes(self, labels: Array) -> int:
        largest = int(labels.max()) if labels.size else -1
        if labels.size and labels.min() < 0:
            raise ValueError(f"class labels must be non-negative, found {int(labels.min())}")
        if self.n_classes is None:
            return max(MIN_CLASSES, largest + 1)
        try:
            n_classes = operator.index(self.n_classes)
        except TypeError:
            raise ValueError(f"n_classes must be an integer, got {self.n_classes!r}") from None
        if n_classes < MIN_CLASSES:
            raise ValueError(f"classification needs at least 2 classes, got n_classes={n_classes}")
        if largest >= n_classes:
            raise ValueError(f"label {largest} out of range for {n_classes} classes (0..{n_classes - 1})")
        return int(n_classes)

    # -- sizes and views ---------------------------------------------------------------------

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def n_inputs(self) -> int:
        return self.X.shape[1]

    @property
    def n_targets(self) -> int:
        """L for regression, K for classification (the width of one-hot targets)."""
        return self.n_classes if self.kind == "classification" else self.t.shape[1]

    @property
    def view_bounds(self) -> Bounds:
        """`bounds`, or the data range plus a 10 % margin ((-1, 1) for an empty axis)."""
        if self.bounds is not None:
            return self.bounds
        if self.n_inputs >= 2:
            vertical = self.X[:, 1]
        else:
            vertical = self.t if self.kind == "classification" else self.t[:, 0]
        return _padded_range(self.X[:, 0]), _padded_range(vertical)

    def targets(self, output: str) -> Array:
        """A fresh target array for a network with output head `output` (PRML 5.2).

        Classification: "softmax" -> one-hot (N, K); "sigmoid", "linear" (and the other heads of
        heads.LABEL_COLUMN_HEADS) -> (N, 1) labels
        0/1 when K = 2, else one-hot (K independent sigmoids / a least-squares fit to 1-of-K).
        Regression: "linear" and "mdn" -> t (N, L).
        """
        if output not in HEAD_NAMES:
            raise ValueError(f"unknown output {output!r}; choose one of {', '.join(HEAD_NAMES)}")
        if self.kind == "regression":
            if output in ("linear", "mdn"):
                return self.t.copy()
            raise ValueError(f"regression targets need a linear or mdn output, not {output!r}")
        if output == "mdn":
            raise ValueError("a mixture density (mdn) output models real-valued targets; "
                             "class labels need a sigmoid, softmax or linear output")
        if self.n_classes == 2 and output in LABEL_COLUMN_HEADS:
            return self.t.astype(np.float64)[:, None]
        return one_hot(self.t, self.n_classes)

    # -- immutable edits (the GUI's drawing tools) ------------------------------------------------

    def with_points(self, X_new, t_new) -> Dataset:
        """A copy with points appended; one point may be given as (D,) and a scalar target."""
        X_new = _rows(X_new, self.n_inputs, "new inputs")
        if self.kind == "classification":
            t_new = np.asarray(t_new).reshape(-1)
        else:
            t_new = _rows(t_new, self.n_targets, "new targets")
        if t_new.shape[0] != X_new.shape[0]:
            raise ValueError(f"{X_new.shape[0]} new inputs but {t_new.shape[0]} new targets")
        return replace(self, X=np.concatenate([self.X, X_new]), t=np.concatenate([self.t, t_new]))

    def without(self, indices) -> Dataset:
        """A copy without the points at `indices` (integers or a boolean mask)."""
        keep = np.ones(self.n, dtype=bool)
        keep[self._index_array(indices)] = False
        return self.subset(np.flatnonzero(keep))

    def subset(self, indices) -> Dataset:
        """The points at `indices`, in that order; name, kind, classes, bounds and callables kept."""
        index = self._index_array(indices)
        return replace(self, X=self.X[index], t=self.t[index])

    def _index_array(self, indices) -> Array:
        index = np.asarray(indices)
        if index.dtype == bool:
            if index.shape != (self.n,):
                raise IndexError(f"a boolean mask must have shape ({self.n},), got {index.shape}")
            return np.flatnonzero(index)
        index = index.reshape(-1)
        if index.size == 0:
            return np.empty(0, dtype=np.intp)
        if index.dtype.kind not in "iu":
            raise IndexError(f"indices must be integers, got {index.dtype}")
        if index.min() < 0 or index.max() >= self.n:
            raise IndexError(f"indices must lie in 0..{self.n - 1}")
        return index.astype(np.intp)

    def __repr__(self) -> str:
        classification = self.kind == "classification"
        size = f"n_classes={self.n_classes}" if classification else f"n_targets={self.n_targets}"
        return (f"Dataset(name={self.name!r}, kind={self.kind!r}, n={self.n}, "
                f"n_inputs={self.n_inputs}, {size})")


# --------------------------------------------------------------------------------------------
# Generators. Each sampler takes (rng, n_points, noise) and returns (X, t).
# --------------------------------------------------------------------------------------------

_PLANE_BOUNDS = ((-1.6, 1.6), (-1.6, 1.6))


def _balanced_labels(rng: np.random.Generator, n: int, n_classes: int = 2) -> Array:
    """Labels 0..K-1 in random order whose counts differ by at most one."""
    return rng.permutation(np.arange(n) % n_classes)


def _jitter(rng: np.random.Generator, X: Array, noise: float) -> Array:
    return X + rng.normal(scale=noise, size=X.shape)


def _polar(radius: Array, angle: Array) -> Array:
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _sample_circle(rng, n, noise):
    labels = _balanced_labels(rng, n)
    # label 0: disc of radius 0.5; label 1: ring 0.8 < r < 1.2; uniform in area
    inner = np.where(labels == 0, 0.0, 0.8)
    outer = np.where(labels == 0, 0.5, 1.2)
    radius = np.sqrt(rng.uniform(inner**2, outer**2))
    X = _polar(radius, rng.uniform(0.0, 2 * np.pi, n))
    return _jitter(rng, X, noise), labels


RING_EDGES = (0.2, 0.6, 1.0, 1.4)  # labels 0, 1, 0 from the inside out, annuli touching each other
RING_SECTORS = 4  # the points lie in this many arcs of 45 degrees, with gaps of 45 degrees between


def _sample_rings(rng, n, noise):
    """Concentric rings whose points cover only arcs of them: the gaps between the arcs are
    where a network must guess, and only the invariance under rotation (PRML 5.5.3-5.5.4)
    tells it that the boundary is round there too. The rings touch, so points lie near the
    boundaries, where the output is not saturated and its derivatives along circles count."""
    labels = _balanced_labels(rng, n)
    ring = np.where(labels == 1, 1, 2 * rng.integers(0, 2, n))  # label 0: the inner or the outer ring
    edges = np.asarray(RING_EDGES)
    radius = np.sqrt(rng.uniform(edges[ring] ** 2, edges[ring + 1] ** 2))  # uniform in area
    arc = rng.integers(0, RING_SECTORS, n)
    angle = (arc + rng.uniform(0.0, 0.5, n)) * (2 * np.pi / RING_SECTORS)
    return _jitter(rng, _polar(radius, angle), noise), labels


def _sample_xor(rng, n, noise):
    labels = _balanced_labels(rng, n)
    # |x_i| >= 0.1 keeps the clean points off the axes, where the label flips
    magnitude = rng.uniform(0.1, 1.2, size=(n, 2))
    sign_1 = rng.choice([-1.0, 1.0], size=n)
    sign_2 = np.where(labels == 1, sign_1, -sign_1)  # label 1 where x1 * x2 > 0
    X = magnitude * np.column_stack([sign_1, sign_2])
    return _jitter(rng, X, noise), labels


def _sample_two_gaussians(rng, n, noise):
    labels = _balanced_labels(rng, n)
    centres = np.array([[-0.6, -0.6], [0.6, 0.6]])
    X = centres[labels] + rng.normal(scale=0.4, size=(n, 2))
    return _jitter(rng, X, noise), labels


def _sample_spiral(rng, n, noise):
    labels = _balanced_labels(rng, n)
    along = rng.uniform(0.0, 1.0, n)  # position along the arm, 1.75 turns in all
    X = _polar(0.1 + 1.2 * along, 3.5 * np.pi * along + np.pi * labels)
    return _jitter(rng, X, noise), labels


def _sample_moons(rng, n, noise):
    labels = _balanced_labels(rng, n)
    angle = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(angle), np.sin(angle)])
    lower = np.column_stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)])
    X = np.where(labels[:, None] == 0, upper, lower) - [0.5, 0.25]  # centre on the origin
    return _jitter(rng, X, noise), labels


def _sample_checkerboard(rng, n, noise):
    labels = _balanced_labels(rng, n)
    # 4 x 4 cells of width 0.6 on [-1.2, 1.2]^2; the label is the parity of column + row
    column = rng.integers(0, 4, n)
    row = 2 * rng.integers(0, 2, n) + (column + labels) % 2
    X = -1.2 + 0.6 * (np.column_stack([column, row]) + rng.uniform(size=(n, 2)))
    return _jitter(rng, X, noise), labels


def _sample_blobs(rng, n, noise, n_classes=3):
    labels = _balanced_labels(rng, n, n_classes)
    centres = _polar(np.ones(n_classes), 2 * np.pi * np.arange(n_classes) / n_classes)
    X = centres[labels] + rng.normal(scale=0.25, size=(n, 2))
    return _jitter(rng, X, noise), labels


# PRML synthetic classification data (Netlab demmlp2, PRML App. A): a three-component
# Gaussian mixture; component 0 is label 0, components 1 and 2 are label 1.
PRML_SYNTHETIC_PRIORS = _read_only(np.array([0.5, 0.25, 0.25]))
PRML_SYNTHETIC_MEANS = _read_only(np.array([[0.0, -0.1], [1.0, 1.0], [1.0, -1.0]]))
PRML_SYNTHETIC_COVARIANCES = _read_only(np.array([
    [[0.625, -0.2165], [-0.2165, 0.875]],
    [[0.2241, -0.1368], [-0.1368, 0.9759]],
    [[0.2375, 0.1516], [0.1516, 0.4125]],
]))


def _gaussian_log_density(X: Array, mean: Array, covariance: Array) -> Array:
    """ln N(x | mean, covariance) for each row of X."""
    difference = X - mean
    mahalanobis = np.einsum("ni,ni->n", difference, np.linalg.solve(covariance, difference.T).T)
    _, log_det = np.linalg.slogdet(2 * np.pi * covariance)
    return -0.5 * (mahalanobis + log_det)


def prml_synthetic_posterior(X) -> Array:
    """Exact Bayes posterior p(label 1 | x) of the PRML synthetic set, (N,) in [0, 1].

    Bayes' theorem on the mixture, evaluated as the logistic sigmoid of the log odds
    (PRML 4.57-4.58) with log-sum-exp, so it stays exact far from the centres.
    """
    X = np.asarray(X, dtype=np.float64).reshape(-1, 2)
    log_joint = np.column_stack([
        np.log(prior) + _gaussian_log_density(X, mean, covariance)
        for prior, mean, covariance in zip(
            PRML_SYNTHETIC_PRIORS, PRML_SYNTHETIC_MEANS, PRML_SYNTHETIC_COVARIANCES)
    ])
    log_odds = logsumexp(log_joint[:, 1:], axis=1) - log_joint[:, 0]
    return expit(log_odds)


def _sample_prml_synthetic(rng, n, noise):
    # Label 1 carries prior 0.25 + 0.25 = 0.5, so the classes are drawn balanced and each
    # label-1 point picks component 1 or 2 with equal odds: the same mixture as Netlab's gmmsamp.
    labels = _balanced_labels(rng, n)
    component = np.where(labels == 0, 0, 1 + rng.integers(0, 2, n))
    X = np.empty((n, 2))
    for k, (mean, covariance) in enumerate(zip(PRML_SYNTHETIC_MEANS, PRML_SYNTHETIC_COVARIANCES)):
        members = component == k
        X[members] = rng.multivariate_normal(mean, covariance, size=int(members.sum()))
    return X, labels


def _sinusoid(x):
    return np.sin(2 * np.pi * x)


def _square(x):
    return x**2


def _sine(x):
    return np.sin(np.pi * x)


def _heaviside(x):
    return np.heaviside(x, 1.0)


def _inverse_forward(x):
    return x + 0.3 * np.sin(2 * np.pi * x)


def _heteroscedastic_mean(x):
    return np.sin(2 * x)


def _sample_curve(function, low, high):
    """Sampler of t = f(x) + N(0, noise^2), x ~ U(low, high)."""

    def sample(rng, n, noise):
        x = rng.uniform(low, high, size=(n, 1))
        return x, function(x) + rng.normal(scale=noise, size=(n, 1))

    return sample


def _sample_inverse_forward(rng, n, noise):
    x = rng.uniform(0.0, 1.0, size=(n, 1))
    return x, _inverse_forward(x) + rng.uniform(-noise, noise, size=(n, 1))


def _sample_inverse_problem(rng, n, noise):
    x, t = _sample_inverse_forward(rng, n, noise)
    return t, x


def _sample_heteroscedastic(rng, n, noise):
    x = rng.uniform(-2.0, 2.0, size=(n, 1))
    return x, _heteroscedastic_mean(x) + rng.normal(size=(n, 1)) * (0.05 + noise * np.abs(x))


_PLANE_SLOPES = np.array([[0.8], [-0.5]])


def _plane(X):
    return X @ _PLANE_SLOPES


# (height, centre, width) of the bumps of "multi_gaussian"
_BUMPS = ((1.0, (-0.6, -0.4), 0.35), (-0.8, (0.6, 0.5), 0.4), (0.6, (0.5, -0.8), 0.3))


def _gaussian_bumps(X):
    return sum(height * np.exp(-np.sum((X - centre) ** 2, axis=1, keepdims=True) / (2 * width**2))
               for height, centre, width in _BUMPS)


def _sample_surface(function):
    """Sampler of t = f(x) + N(0, noise^2), x ~ U(-1.5, 1.5)^2."""

    def sample(rng, n, noise):
        X = rng.uniform(-1.5, 1.5, size=(n, 2))
        return X, function(X) + rng.normal(scale=noise, size=(n, 1))

    return sample


@dataclass(frozen=True)
class GeneratorInfo:
    """One synthetic data set: what the GUI shows and how to sample it.

    `function(rng, n_points, noise)` (plus `n_classes=K` when `multi_class`) -> (X, t).
    """

    name: str
    kind: str
    n_inputs: int
    label: str
    description: str
    default_points: int
    default_noise: float
    function: Callable
    bounds: Bounds | None = None
    true_function: Callable[[Array], Array] | None = None
    bayes_posterior: Callable[[Array], Array] | None = None
    multi_class: bool = False


def _classification(name, label, description, function, points=200, noise=0.1,
                    bounds=_PLANE_BOUNDS, bayes_posterior=None, multi_class=False):
    return GeneratorInfo(name, "classification", 2, label, description, points, noise, function,
                         bounds=bounds, bayes_posterior=bayes_posterior, multi_class=multi_class)


def _regression(name, label, description, function, points, noise, bounds, n_inputs=1,
                true_function=None):
    return GeneratorInfo(name, "regression", n_inputs, label, description, points, noise, function,
                         bounds=bounds, true_function=true_function)


_FIG_5_3 = "Noise-free in PRML fig 5.3 (50 points, 3 tanh hidden units)."

GENERATORS: dict[str, GeneratorInfo] = {info.name: info for info in (
    _classification("circle", "Circle",
                    "A disc of one class inside a ring of the other: no straight line separates them.",
                    _sample_circle),
    _classification("xor", "Exclusive or",
                    "Four quadrants labelled by the sign of x1*x2: the classic problem a single "
                    "layer cannot solve.", _sample_xor),
    _classification("two_gaussians", "Two Gaussians",
                    "Two overlapping Gaussian clouds: almost linearly separable.",
                    _sample_two_gaussians),
    _classification("spiral", "Two spirals",
                    "Two interleaved spirals of 1.75 turns: hard for small networks.",
                    _sample_spiral, points=300),
    _classification("moons", "Two moons", "Two interlocking half circles.", _sample_moons),
    _classification("checkerboard", "Checkerboard",
                    "A 4 x 4 board of alternating cells: many small regions to carve out.",
                    _sample_checkerboard, points=400, noise=0.03),
    _classification("blobs", "Blobs",
                    "K Gaussian blobs (K = 2..6) on a circle: a softmax output with K classes.",
                    _sample_blobs, points=300, multi_class=True),
    _classification("prml_synthetic", "PRML synthetic",
                    "A mixture of three Gaussians, two of them one class (PRML App. A, Netlab "
                    "demmlp2); the exact Bayes decision boundary is known. Noise does not apply.",
                    _sample_prml_synthetic, noise=0.0, bounds=((-2.0, 2.0), (-2.0, 3.0)),
                    bayes_posterior=prml_synthetic_posterior),
    _classification("rings", "Rings (rotation)",
                    "Three concentric rings (one class, the other, the first again) seen only in "
                    "arcs: rotation invariance, by tangent propagation or rotated copies, closes the gaps.",
                    _sample_rings, points=200, noise=0.0),
    _regression("sinusoid", "Sinusoid",
                "t = sin(2 pi x) plus Gaussian noise, x in (0, 1): PRML App. A and fig 5.9.",
                _sample_curve(_sinusoid, 0.0, 1.0), 10, 0.3, ((-0.05, 1.05), (-1.5, 1.5)),
                true_function=_sinusoid),
    _regression("square", "x squared", f"f(x) = x^2 on (-1, 1). {_FIG_5_3}",
                _sample_curve(_square, -1.0, 1.0), 50, 0.0, ((-1.1, 1.1), (-0.2, 1.2)),
                true_function=_square),
    _regression("sine", "Sine", f"f(x) = sin(pi x) on (-1, 1); PRML prints sin(x). {_FIG_5_3}",
                _sample_curve(_sine, -1.0, 1.0), 50, 0.0, ((-1.1, 1.1), (-1.2, 1.2)),
                true_function=_sine),
    _regression("abs", "Absolute value", f"f(x) = |x| on (-1, 1). {_FIG_5_3}",
                _sample_curve(np.abs, -1.0, 1.0), 50, 0.0, ((-1.1, 1.1), (-0.2, 1.2)),
                true_function=np.abs),
    _regression("heaviside", "Step", f"f(x) = H(x), the Heaviside step, on (-1, 1). {_FIG_5_3}",
                _sample_curve(_heaviside, -1.0, 1.0), 50, 0.0, ((-1.1, 1.1), (-0.2, 1.2)),
                true_function=_heaviside),
    _regression("inverse_problem_forward", "Forward problem",
                "t = x + 0.3 sin(2 pi x) plus uniform noise: single-valued, easy for least "
                "squares (PRML fig 5.19, left).",
                _sample_inverse_forward, 300, 0.1, ((-0.05, 1.05), (-0.15, 1.15)),
                true_function=_inverse_forward),
    _regression("inverse_problem", "Inverse problem",
                "The forward problem with x and t swapped: several t for one x, so least squares "
                "fails and a mixture density network succeeds (PRML figs 5.19-5.21).",
                _sample_inverse_problem, 300, 0.1, ((-0.15, 1.15), (-0.05, 1.05))),
    _regression("heteroscedastic", "Growing noise",
                "t = sin(2x) plus Gaussian noise of std 0.05 + noise*|x|, x in (-2, 2): the "
                "spread changes with x, which a mixture density network can model (PRML 5.6).",
                _sample_heteroscedastic, 200, 0.15, ((-2.2, 2.2), (-2.0, 2.0)),
                true_function=_heteroscedastic_mean),
    _regression("plane", "Plane", "t = 0.8 x1 - 0.5 x2 plus Gaussian noise: linear regression in 2-D.",
                _sample_surface(_plane), 200, 0.1, _PLANE_BOUNDS, n_inputs=2, true_function=_plane),
    _regression("multi_gaussian", "Gaussian bumps",
                "A sum of three Gaussian bumps, one of them negative, plus Gaussian noise.",
                _sample_surface(_gaussian_bumps), 300, 0.05, _PLANE_BOUNDS, n_inputs=2,
                true_function=_gaussian_bumps),
)}


def _checked_points(n_points) -> int:
    return check("n_points", n_points, DATA_PARAMETERS["n_points"])


def _checked_noise(noise) -> float:
    return check("noise", noise, DATA_PARAMETERS["noise"])


def _checked_classes(info: GeneratorInfo, n_classes) -> int | None:
    if info.kind == "regression":
        if n_classes is not None:
            raise ValueError(f"{info.name!r} is a regression set; n_classes must be None")
        return None
    if n_classes is None:
        return 3 if info.multi_class else 2
    try:
        n_classes = operator.index(n_classes)
    except TypeError:
        raise ValueError(f"n_classes must be an integer, got {n_classes!r}") from None
    if not MIN_CLASSES <= n_classes <= MAX_CLASSES:
        raise ValueError(f"n_classes must be between {MIN_CLASSES} and {MAX_CLASSES}, got {n_classes}")
    if not info.multi_class and n_classes != 2:
        raise ValueError(f"{info.name!r} has exactly 2 classes; only 'blobs' takes n_classes")
    return n_classes


def make_dataset(name: str, n_points: int | None = None, noise: float | None = None, seed: int = 0,
                 n_classes: int | None = None) -> Dataset:
    """Sample the generator `name`; the same arguments always give the same data.

    `n_points` and `noise` default to the generator's values (`GENERATORS[name]`);
    `n_classes` (2..6, default 3) applies to "blobs" only.
    """
    info = GENERATORS.get(name)
    if info is None:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(GENERATORS)}")
    n_points = _checked_points(info.default_points if n_points is None else n_points)
    noise = _checked_noise(info.default_noise if noise is None else noise)
    n_classes = _checked_classes(info, n_classes)
    options = {"n_classes": n_classes} if info.multi_class else {}
    X, t = info.function(np.random.default_rng(seed), n_points, noise, **options)
    return Dataset(X, t, info.kind, n_classes=n_classes, name=name, bounds=info.bounds,
                   bayes_posterior=info.bayes_posterior, true_function=info.true_function)


# --------------------------------------------------------------------------------------------
# Train / validation / test split
# --------------------------------------------------------------------------------------------

_RATIO_TOLERANCE = 1e-9


def _split_sizes(n: int, ratios) -> tuple[int, int, int]:
    """Validation and test sizes round down; the remainder goes to training."""
    try:
        ratios = tuple(float(r) for r in ratios)
    except (TypeError, ValueError):
        raise ValueError(f"ratios must be three numbers, got {ratios!r}") from None
    if len(ratios) != 3 or not all(math.isfinite(r) and r >= 0 for r in ratios):
        raise ValueError(f"ratios must be three non-negative numbers, got {ratios}")
    if abs(sum(ratios) - 1.0) > _RATIO_TOLERANCE:
        raise ValueError(f"ratios must sum to 1, got {ratios} (sum {sum(ratios)})")
    # the small allowance keeps e.g. 100 * 0.29 = 28.999999999999996 at 29
    n_val, n_test = (int(math.floor(n * r + _RATIO_TOLERANCE)) for r in ratios[1:])
    return n - n_val - n_test, n_val, n_test


def _interleaved_assignment(sizes) -> Array:
    """A sequence of split numbers with the given counts, each spread evenly along it.

    Every stretch of the sequence holds the splits in close to the overall proportions
    (split j's m-th slot sits at (m + 1/2) / size_j), so a class occupying a contiguous
    stretch is divided in those proportions: this is what makes the split stratified.
    """
    slots = np.concatenate([(np.arange(size) + 0.5) / size for size in sizes])
    owners = np.repeat(np.arange(len(sizes)), sizes)
    return owners[np.argsort(slots, kind="stable")]


def split_indices(n: int, ratios=(0.7, 0.15, 0.15), seed: int = 0, labels=None):
    """Disjoint (train, val, test) index arrays covering 0..n-1, each sorted.

    Random but deterministic for a seed. With `labels` (N,), every split keeps the class
    proportions as far as whole points allow.
    """
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    sizes = _split_sizes(n, ratios)
    if labels is None:
        labels = np.zeros(n, dtype=np.int64)
    labels = np.asarray(labels).reshape(-1)
    if labels.shape[0] != n:
        raise ValueError(f"{labels.shape[0]} labels for {n} points")
    # shuffle, then group by class: each class is a contiguous, randomly ordered stretch
    order = np.random.default_rng(seed).permutation(n)
    order = order[np.argsort(labels[order], kind="stable")]
    assignment = _interleaved_assignment(sizes)
    return tuple(np.sort(order[assignment == j]) for j in range(3))


@dataclass(frozen=True, eq=False)
class Split:
    """Training, validation and test sets with the indices they were taken from."""

    train: Dataset
    val: Dataset
    test: Dataset
    train_idx: Array
    val_idx: Array
    test_idx: Array


def split_dataset(dataset: Dataset, ratios=(0.7, 0.15, 0.15), seed: int = 0,
                  stratify: bool = True) -> Split:
    """Split a data set; classification data are stratified by class unless told otherwise."""
    labels = dataset.t if stratify and dataset.kind == "classification" else None
    indices = [_read_only(index) for index in split_indices(dataset.n, ratios, seed, labels)]
    return Split(*(dataset.subset(index) for index in indices), *indices)


# --------------------------------------------------------------------------------------------
# Input feature maps (TensorFlow Playground)
# --------------------------------------------------------------------------------------------

# name -> (inputs it needs, map from X (N, D) to one column (N,))
_FEATURE_MAPS: dict[str, tuple[int, Callable[[Array], Array]]] = {
    "x1": (1, lambda X: X[:, 0]),
    "x2": (2, lambda X: X[:, 1]),
    "x1^2": (1, lambda X: X[:, 0] ** 2),
    "x2^2": (2, lambda X: X[:, 1] ** 2),
    "x1*x2": (2, lambda X: X[:, 0] * X[:, 1]),
    "sin(x1)": (1, lambda X: np.sin(X[:, 0])),
    "sin(x2)": (2, lambda X: np.sin(X[:, 1])),
}
FEATURES: tuple[str, ...] = tuple(_FEATURE_MAPS)

# name -> d(feature)/d(x1, x2) at X (N, D): the columns (N,) of its row of the feature Jacobian
_FEATURE_SLOPES: dict[str, Callable[[Array], tuple]] = {
    "x1": lambda X: (np.ones(len(X)), np.zeros(len(X))),
    "x2": lambda X: (np.zeros(len(X)), np.ones(len(X))),
    "x1^2": lambda X: (2.0 * X[:, 0], np.zeros(len(X))),
    "x2^2": lambda X: (np.zeros(len(X)), 2.0 * X[:, 1]),
    "x1*x2": lambda X: (X[:, 1], X[:, 0]),
    "sin(x1)": lambda X: (np.cos(X[:, 0]), np.zeros(len(X))),
    "sin(x2)": lambda X: (np.zeros(len(X)), np.cos(X[:, 1])),
}


def features_for_inputs(n_inputs: int) -> tuple[str, ...]:
    """The feature names available for data with 1 or 2 inputs."""
    return tuple(name for name, (needed, _) in _FEATURE_MAPS.items() if needed <= n_inputs)


def map_features(X, names) -> Array:
    """Columns of the chosen features of X (N, 1 or 2), in the order of `names`."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] not in (1, 2):
        raise ValueError(f"feature maps take inputs of shape (N, 1) or (N, 2), got {X.shape}")
    names = list(names) if not isinstance(names, str) else [names]
    if not names:
        raise ValueError("choose at least one input feature")
    for name in names:
        if name not in _FEATURE_MAPS:
            raise ValueError(f"unknown feature {name!r}; choose from {', '.join(FEATURES)}")
        if _FEATURE_MAPS[name][0] > X.shape[1]:
            raise ValueError(f"feature {name!r} needs two inputs; data with one input allow "
                             f"{', '.join(features_for_inputs(1))}")
    if len(set(names)) != len(names):
        raise ValueError(f"each feature may be chosen once, got {names}")
    return np.column_stack([_FEATURE_MAPS[name][1](X) for name in names])


def feature_jacobian(X, names) -> Array:
    """d phi_f / d x_i of the feature maps at X (N, D): (N, F, D), for the chain rule from the
    network's inputs (the features) back to the plane's coordinates."""
    phi = map_features(X, names)  # checks X and the names
    X = np.asarray(X, dtype=np.float64)
    names = list(names) if not isinstance(names, str) else [names]
    J = np.empty((len(X), phi.shape[1], X.shape[1]))
    for f, name in enumerate(names):
        J[:, f, :] = np.column_stack(_FEATURE_SLOPES[name](X)[: X.shape[1]])
    return J
