"""The function an optimiser minimises: E~(w) = E_D(w) + Omega(w) on some data.

``Objective`` evaluates ``scale * (data_weight * E_D(w) + Omega(w))`` and its
gradient. With ``data_weight = 1`` and ``scale = 1`` it is PRML's regularised
error (5.112) on the given points; a trainer uses ``data_weight = N / B`` for a
mini-batch of B out of N points (an unbiased estimate of the full E~) and
``scale = 1 / N`` for first-order steps, so that a learning rate means the same
whatever the number of points.

Interruptible evaluation: when ``interrupt`` is set (a zero-argument callable),
the data error and its gradient are accumulated over blocks of ``block_rows``
points and ``interrupt()`` is asked before every block; when it answers True the
evaluation raises ``Interrupted`` and leaves nothing half done that the caller
relies on (the trainer then restores the weights of its last completed epoch).
Without ``interrupt`` everything is one block, as fast as before.

Dropout: when ``dropout`` is (rate, rng), every gradient evaluation draws fresh masks for
the hidden units of the points it sees (dropout.py); the trainer sets it for its
first-order steps only, so values, line searches and error reports see the whole network.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .dropout import dropout_masks
from .regularizers import BoundRegularizer

# Work per block of an interruptible evaluation, in floating-point operations: ~0.05 s at the
# ~10 GFLOP/s one core reaches on these matrix products (64 rows of an 8 x 256 tanh network
# took 15 ms). Much smaller blocks waste time: multi-threaded BLAS runs small products slowly.
BLOCK_FLOPS = 5e8
MIN_BLOCK_ROWS = 64


class Interrupted(Exception):
    """An evaluation was stopped because ``Objective.interrupt()`` answered True."""


def gradient_flops_per_point(net) -> float:
    """Floating-point operations of one point's forward and backward pass: three
    multiply-adds per weight (forward z W, backward delta W^T and z^T delta)."""
    return 6.0 * net.n_params


def block_rows(net) -> int:
    """Points per block so that one block's gradient costs about BLOCK_FLOPS."""
    return max(MIN_BLOCK_ROWS, int(BLOCK_FLOPS / max(1.0, gradient_flops_per_point(net))))


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
        self.interrupt: Callable[[], bool] | None = None  # asked between blocks; True raises Interrupted
        self.block_rows = block_rows(net)
        self._block_grad: np.ndarray | None = None
        # A penalty that depends on the points (tangent propagation, Tikhonov: invariance.DataPenalty),
        # a sum over them like E_D and so weighted like it; None when there is none.
        self.data_penalty = None
        self.dropout: tuple[float, np.random.Generator] | None = None  # (rate, rng) in training steps

    def _forward_for_gradient(self, X):
        """The forward pass of a gradient: through a thinned network when dropout is on."""
        if self.dropout is None:
            return self.net.forward_pass(X)
        rate, rng = self.dropout
        return self.net.forward_pass(X, dropout_masks(rng, self.net.layer_sizes[1:-1], X.shape[0], rate))

    @property
    def n_points(self) -> int:
        return self.X.shape[0]

    def _load(self, w) -> None:
        if w is not None and w is not self.net.w:
            self.net.w[:] = w

    def _blocked(self) -> bool:
        return self.interrupt is not None and self.X.shape[0] > self.block_rows

    def _check(self) -> None:
        if self.interrupt():
            raise Interrupted()

    def _blocks(self):
        n, r = self.X.shape[0], self.block_rows
        for start in range(0, n, r):
            self._check()
            yield slice(start, min(n, start + r))

    def value(self, w=None) -> float:
        self._load(w)
        net = self.net
        if self._blocked():
            E = 0.0
            for rows in self._blocks():
                E += net.head.error(net.forward_pass(self.X[rows]).out, self.T[rows])
        else:
            E = net.head.error(net.forward_pass(self.X).out, self.T)
        self.last_data_error = E
        total = self.data_weight * E
        if self.data_penalty is not None:
            total += self.data_weight * self._penalty_value()
        if self.regularizer is not None:
            total += self.regularizer.value(self.net.w)
        return self.scale * total

    def value_and_gradient(self, w, out: np.ndarray) -> float:
        """Objective at ``w`` with its gradient written into ``out``."""
        self._load(w)
        net = self.net
        data_scale = self.scale * self.data_weight
        if self.interrupt is not None and self.X.shape[0] > self.block_rows:
            E = self._blocked_gradient(out, data_scale)
        else:
            cache = self._forward_for_gradient(self.X)
            E, delta = net.head.error_and_delta(cache.out, self.T)
            if data_scale != 1.0:
                delta *= data_scale  # cheaper on (B, K) deltas than on the gradient
            net.backpropagate(cache, delta, out)
        self.last_data_error = E
        total = self.data_weight * E
        if self.data_penalty is not None:
            total += self.data_weight * self._add_penalty_gradient(out, data_scale)
        if self.regularizer is not None:
            total += self.regularizer.value(net.w)
            self.regularizer.add_gradient(net.w, out, self.scale)
        return self.scale * total

    def _penalty_value(self) -> float:
        """The data penalty on the points, block by block when interruptible (a tangent pass costs
        about twice the data's)."""
        penalty, X = self.data_penalty, self.X
        if not self._blocked():
            return penalty.value(self.net, X)
        return sum(penalty.value(self.net, X[rows]) for rows in self._blocks())

    def _add_penalty_gradient(self, out: np.ndarray, data_scale: float) -> float:
        """The data penalty, with data_scale times its gradient added to ``out``."""
        penalty, X = self.data_penalty, self.X
        if not self._blocked():
            return penalty.add_value_and_gradient(self.net, X, out, data_scale)
        return sum(penalty.add_value_and_gradient(self.net, X[rows], out, data_scale) for rows in self._blocks())

    def _blocked_gradient(self, out: np.ndarray, data_scale: float) -> float:
        """E_D and data_scale * dE_D/dw into ``out``, accumulated block by block."""
        net = self.net
        part = self._block_grad
        if part is None or part.shape != out.shape:
            part = self._block_grad = np.empty_like(out)
        out[:] = 0.0
        E = 0.0
        for rows in self._blocks():
            cache = self._forward_for_gradient(self.X[rows])
            E_block, delta = net.head.error_and_delta(cache.out, self.T[rows])
            if data_scale != 1.0:
                delta *= data_scale
            net.backpropagate(cache, delta, part)
            out += part
            E += E_block
        return E
