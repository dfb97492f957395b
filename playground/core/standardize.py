"""Input standardisation as a change of the training coordinates (PRML 5.5.1, 5.115-5.116).

Training on x' = (x - m) / s, with m and s the mean and standard deviation of each training
input, is training a network on x whose first layer is written in other coordinates:

    a = x' W' + b' = x (W' / s) + (b' - (m / s) W')        (5.115-5.116 with a_i = 1/s_i, b_i = -m_i/s_i)

so the network keeps taking raw inputs (every view, export and error report is unchanged)
while the optimiser, its state and the regulariser live in the standardised coordinates w'.
What changes is the geometry of the steps: inputs of very different scales no longer give
first-layer weights of very different curvatures. And because x' does not change when the
inputs are rescaled or shifted, neither does the fit: PRML 5.5.1 asks the same of a prior,
which is why the first-layer decay must be rescaled with the inputs in raw coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class InputStandardizer:
    mean: Array  # (D,)
    std: Array  # (D,), > 0

    @classmethod
    def of(cls, X: Array) -> "InputStandardizer":
        """Mean and standard deviation of each column; a constant column keeps scale 1."""
        X = np.asarray(X, dtype=float)
        std = X.std(axis=0)
        return cls(X.mean(axis=0), np.where(std > 0, std, 1.0))

    def transform(self, X: Array) -> Array:
        return (np.asarray(X, dtype=float) - self.mean) / self.std

    def to_standard(self, net, w: Array, out: Array | None = None) -> Array:
        """w' from the raw-coordinate w: W' = s W, b' = b + m W (first layer only)."""
        out = np.array(w, dtype=float, copy=True) if out is None else _copy_into(out, w)
        (W, *_), (b, *_) = net.unpack(np.asarray(w, dtype=float))
        (Wo, *_), (bo, *_) = net.unpack(out)
        bo[:] = b + self.mean @ W  # before W changes: ``out`` may be ``w``
        Wo[:] = self.std[:, None] * W
        return out

    def to_raw(self, net, w_std: Array, out: Array | None = None) -> Array:
        """w from w': W = W' / s, b = b' - (m / s) W' (first layer only)."""
        out = np.array(w_std, dtype=float, copy=True) if out is None else _copy_into(out, w_std)
        (Ws, *_), (bs, *_) = net.unpack(np.asarray(w_std, dtype=float))
        (Wo, *_), (bo, *_) = net.unpack(out)
        bo[:] = bs - (self.mean / self.std) @ Ws
        Wo[:] = Ws / self.std[:, None]
        return out


def _copy_into(out: Array, w: Array) -> Array:
    out[:] = w
    return out
