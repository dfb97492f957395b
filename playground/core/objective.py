"""The function an optimiser minimises: E~(w) = E_D(w) + Omega(w) on some data.

``Objective`` evaluates ``scale * (data_weight * E_D(w) + Omega(w))`` and its
gradient. With ``data_weight = 1`` and ``scale = 1`` it is PRML's regularised
error (5.112) on the given points; a trainer uses ``data_weight = N / B`` for a
mini-batch of B out of N points (an unbiased estimate of the full E~) and
``scale = 1 / N`` for first-order steps, so that a learning rate means the same
whatever the number of points.
"""

from __future__ import annotations

import numpy as np

from .regularizers import BoundRegularizer


class Objective:
    def __init__(self, net, X, T, regularizer: BoundRegularizer | None = None,
                 data_weight: float = 1.0, scale: float = 1.0):
        self.net = net
        self.X = X
        self.T = T
        self.regularizer = regularizer if regularizer is not None and regularizer.active else None
        self.data_weight = float(data_weight)
        self.scale = float(scale)
        self.last_data_error = float("nan")  # unscaled E_D at the last evaluation point

    @property
    def n_points(self) -> int:
        return self.X.shape[0]

    def _load(self, w) -> None:
        if w is not None and w is not self.net.w:
            self.net.w[:] = w

    def value(self, w=None) -> float:
        self._load(w)
        a = self.net.forward_pass(self.X).out
        E = self.net.head.error(a, self.T)
        self.last_data_error = E
        total = self.data_weight * E
        if self.regularizer is not None:
            total += self.regularizer.value(self.net.w)
        return self.scale * total

    def value_and_gradient(self, w, out: np.ndarray) -> float:
        """Objective at ``w`` with its gradient written into ``out``."""
        self._load(w)
        net = self.net
        cache = net.forward_pass(self.X)
        E, delta = net.head.error_and_delta(cache.out, self.T)
        self.last_data_error = E
        data_scale = self.scale * self.data_weight
        if data_scale != 1.0:
            delta *= data_scale  # cheaper on (B, K) deltas than on the gradient
        net.backpropagate(cache, delta, out)
        total = self.data_weight * E
        if self.regularizer is not None:
            total += self.regularizer.value(net.w)
            self.regularizer.add_gradient(net.w, out, self.scale)
        return self.scale * total
