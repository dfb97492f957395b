"""Dropout on hidden units (Srivastava et al. 2014; the course lecture), inverted scaling.

In a training step each hidden unit is kept with probability 1 - p and its output divided
by 1 - p, so that a unit's expected output equals its output without dropout: E[m] = 1 for
a mask entry m in {0, 1/(1-p)}. Validation, test, error reports and every view use the
whole network unchanged (no masks, no rescaling), which the inverted scaling makes right.
Only the trainer's first-order steps draw masks (training.py; objective.py applies them).
"""

from __future__ import annotations

import numpy as np

from .params import TRAINING_PARAMETERS, check


def dropout_masks(rng: np.random.Generator, hidden_sizes, n_points: int, rate: float) -> list[np.ndarray]:
    """One (n_points, units) mask per hidden layer: 0 with probability ``rate``, else 1/(1-rate)."""
    rate = check("dropout", rate, TRAINING_PARAMETERS["dropout"])
    keep = 1.0 - rate
    return [(rng.random((n_points, units)) < keep) / keep for units in hidden_sizes]
