"""The perceptron (Rosenblatt 1962; PRML 4.1.7): a step unit trained by the perceptron rule.

    y(x) = f(w^T phi(x)),  f(a) = +1 if a >= 0 else -1                       (4.52-4.53)
    E_P(w) = - sum_{n in M} w^T phi_n t_n   over the misclassified points M  (4.54)
    w <- w + eta phi_n t_n   for each misclassified point in turn            (4.55)

Targets here are class labels 0 / 1 (t_n = 2 label - 1 in the formulas) and phi(x) = (x, 1),
the layout of an MLP without hidden layers: its weights, then its bias.

Two ways to train one:

- ``perceptron_rule``: the classic algorithm, epoch by epoch, stopping when an epoch makes no
  mistake (the perceptron convergence theorem: it does, when the classes are linearly
  separable) or when the weights at the end of an epoch repeat (presented in a fixed order,
  on data that are not separable such as XOR, the rule cycles for ever);
- ``PerceptronHead``, the output ``"perceptron"`` of an MLP: the step output with E_P as its
  error, delta = -t_n on M and 0 elsewhere. Gradient descent on it with batch size 1 and
  learning rate eta is exactly rule 4.55, so the trainer, the GUI and the CLI config train a
  perceptron as they train any network (no hidden layer for the classic one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .heads import Head, TargetError, _as_float_targets

Array = np.ndarray


class PerceptronHead(Head):
    """A step output with the perceptron criterion (PRML 4.52-4.54); two classes, one unit."""

    name = "perceptron"
    is_classifier = True

    def __init__(self, n_targets: int):
        if int(n_targets) != 1:
            raise ValueError("the perceptron separates two classes with one output (PRML 4.1.7); "
                             "for more classes use a softmax output")
        super().__init__(n_targets)

    def prepare_targets(self, T, n_rows=None):
        T = _as_float_targets(T, n_rows, self.n_targets, self.name)
        if T.size and not np.all((T == 0.0) | (T == 1.0)):
            raise TargetError("the perceptron needs class labels 0 and 1")
        return T

    def output(self, a):
        return (a >= 0.0).astype(float)

    def _signed(self, a, T):
        signed = 2.0 * T - 1.0  # t_n in {-1, +1}
        return signed, a * signed <= 0.0  # misclassified: on the wrong side or on the boundary

    def error_and_delta(self, a, T):
        signed, wrong = self._signed(a, T)
        delta = np.where(wrong, -signed, 0.0)
        return float(-np.sum(a[wrong] * signed[wrong])), delta

    def curvature(self, a, T):
        return np.zeros((a.shape[0], a.shape[1], a.shape[1]))  # E_P is piecewise linear

    def curvature_vector(self, a, T, V):
        return np.zeros_like(np.asarray(V, dtype=float))

    def output_jacobian(self, a):
        return np.zeros((a.shape[0], a.shape[1], a.shape[1]))  # a step is flat almost everywhere

    def accuracy(self, a, T):
        return float(np.mean((a >= 0.0) == (T > 0.5)))


@dataclass(frozen=True)
class PerceptronRun:
    w: Array  # final weights (w_1..w_D, bias)
    weights: Array  # (epochs + 1, D + 1): the start and the end of every epoch
    mistakes: Array  # (epochs,) misclassified points met in each epoch (updates made)
    converged: bool  # an epoch without a mistake: every point is classified correctly
    cycle: int | None  # the period in epochs when the weights came back to an earlier state

    @property
    def epochs(self) -> int:
        return len(self.mistakes)


def perceptron_rule(X, labels, epochs: int = 100, eta: float = 1.0, w0=None, seed: int | None = None) -> PerceptronRun:
    """Rule 4.55 for up to ``epochs`` passes. ``seed`` None: the points in their order, every
    epoch (a cycle is then detected exactly); else a fresh random order per epoch, drawn as the
    trainer draws its mini-batches (``np.random.default_rng(seed).permutation``)."""
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels, dtype=float).reshape(-1)
    if X.ndim != 2 or labels.shape[0] != X.shape[0]:
        raise ValueError(f"need inputs (N, D) and N labels, got {X.shape} and {labels.shape}")
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("the perceptron needs class labels 0 and 1")
    if not eta > 0:
        raise ValueError(f"the learning rate eta must be positive, got {eta}")
    phi = np.column_stack([X, np.ones(len(X))])
    t = 2.0 * labels - 1.0
    w = np.zeros(phi.shape[1]) if w0 is None else np.array(w0, dtype=float, copy=True)
    rng = None if seed is None else np.random.default_rng(seed)
    history, mistakes, seen = [w.copy()], [], {w.tobytes(): 0}
    converged, cycle = False, None
    for epoch in range(1, int(epochs) + 1):
        order = np.arange(len(X)) if rng is None else rng.permutation(len(X))
        count = 0
        for n in order:
            if (phi[n] @ w) * t[n] <= 0.0:
                w += eta * t[n] * phi[n]
                count += 1
        history.append(w.copy())
        mistakes.append(count)
        if count == 0:
            converged = True
            break
        if rng is None:
            key = w.tobytes()
            if key in seen:
                cycle = epoch - seen[key]
                break
            seen[key] = epoch
    return PerceptronRun(w, np.array(history), np.array(mistakes), converged, cycle)
