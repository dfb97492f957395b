"""Regularisers added to the data error: E~(w) = E_D(w) + Omega(w) (PRML 5.112).

- L2 weight decay with one coefficient, Omega = lambda/2 w^T w (5.112), or one
  coefficient per parameter group as in consistent weight decay (5.121):
  first-layer weights ``w1``, first-layer biases ``b1``, later weights ``w2``,
  later biases ``b2``. A group set to 0 is not regularised (the usual choice for
  biases, which PRML 5.5.1 shows should be left out for invariance).
- L1, Omega = lambda sum |w|. First-order training steps take it by a proximal
  (soft-threshold) step, w <- sign(w) max(|w| - eta_i lambda / N, 0), after the step on the
  smooth part, which sets small weights to exactly 0; a subgradient sign(w) only makes them
  oscillate about 0. eta_i is the optimiser's step length for weight i (eta for gradient
  descent and momentum; eta / (sqrt(v_i) + eps) for RMSprop and Adam): the proximal step in
  the metric the optimiser uses. Second-order methods use the subgradient.

``Regularization`` also carries two settings of the Regularization panel that are not
penalties: ``dropout`` (the rate of dropping hidden units in training steps, dropout.py) and
``standardize_inputs`` (train in coordinates where each input has mean 0 and variance 1,
standardize.py; PRML 5.5.1's argument for consistent priors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from .params import TRAINING_PARAMETERS, check

GROUP_NAMES = ("w1", "b1", "w2", "b2")


def _coefficient(value, what: str) -> float:
    return check(what, value, TRAINING_PARAMETERS["l2"])  # the range of every coefficient: >= 0


@dataclass(frozen=True)
class Regularization:
    """Regulariser settings; ``l2_groups`` (when given) replaces the single ``l2``."""

    l2: float = 0.0
    l2_groups: Mapping[str, float] | None = None
    l1: float = 0.0
    _groups: tuple = field(default=(), init=False, repr=False, compare=False)
    dropout: float = 0.0
    standardize_inputs: bool = False

    def __post_init__(self):
        object.__setattr__(self, "l2", _coefficient(self.l2, "l2"))
        object.__setattr__(self, "l1", _coefficient(self.l1, "l1"))
        object.__setattr__(self, "dropout", check("dropout", self.dropout, TRAINING_PARAMETERS["dropout"]))
        check("standardize_inputs", self.standardize_inputs, TRAINING_PARAMETERS["standardize_inputs"])
        if self.l2_groups is not None:
            unknown = set(self.l2_groups) - set(GROUP_NAMES)
            if unknown:
                raise ValueError(
                    f"unknown weight-decay group(s) {sorted(unknown)}; groups are {', '.join(GROUP_NAMES)}"
                )
            groups = tuple((g, _coefficient(self.l2_groups.get(g, 0.0), f"l2 of group {g}")) for g in GROUP_NAMES)
            object.__setattr__(self, "_groups", groups)
            object.__setattr__(self, "l2_groups", dict(groups))

    @property
    def active(self) -> bool:
        return self.l1 > 0 or self.l2 > 0 or any(v > 0 for _, v in self._groups)

    def bind(self, net) -> "BoundRegularizer":
        """Per-parameter coefficients for a particular network."""
        if self._groups:
            lam = np.zeros(net.n_params)
            for group, mask in net.parameter_groups().items():
                lam[mask] = dict(self._groups)[group]
        else:
            lam = np.full(net.n_params, self.l2)
        return BoundRegularizer(lam, self.l1)


class BoundRegularizer:
    """Omega(w) = 1/2 sum_i lambda_i w_i^2 + l1 sum_i |w_i| for one network's ``w``."""

    def __init__(self, l2_coefficients: np.ndarray, l1: float):
        self.lam = l2_coefficients
        self.l1 = float(l1)
        self.has_l2 = bool(np.any(self.lam))
        self.active = self.has_l2 or self.l1 > 0

    def smooth_part(self) -> "BoundRegularizer":
        """The L2 part alone: what a step differentiates when L1 is taken by ``soft_threshold``."""
        return BoundRegularizer(self.lam, 0.0)

    def soft_threshold(self, w: np.ndarray, step) -> None:
        """The proximal step of step * l1 * |w|: w <- sign(w) max(|w| - step l1, 0), in place
        (``step`` a number or one per weight). Weights within step * l1 of 0 become exactly 0."""
        if self.l1:
            threshold = step * self.l1
            shrunk = np.abs(w)
            shrunk -= threshold
            np.maximum(shrunk, 0.0, out=shrunk)
            np.copysign(shrunk, w, out=w)

    def value(self, w: np.ndarray) -> float:
        value = 0.0
        if self.has_l2:
            value += 0.5 * float(np.dot(self.lam * w, w))
        if self.l1:
            value += self.l1 * float(np.abs(w).sum())
        return value

    def add_gradient(self, w: np.ndarray, g: np.ndarray, scale: float = 1.0) -> None:
        """g += scale * dOmega/dw (L1 uses the subgradient sign(w))."""
        if self.has_l2:
            g += (scale * self.lam) * w
        if self.l1:
            g += (scale * self.l1) * np.sign(w)

    def curvature_diagonal(self) -> np.ndarray:
        """d2 Omega/dw2: lambda_i on the diagonal (L1 has none away from w = 0)."""
        return self.lam.copy()
