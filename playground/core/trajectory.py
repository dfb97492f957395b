"""Early stopping against weight decay in weight space (PRML 5.5.2, figure 5.13).

Two runs from the same starting weights w0 on the same data: one without a penalty that stops
early (at the minimum of the validation error, PRML 5.5.2), one with weight decay lambda/2 w^T w
(5.112) trained to the end. Their weight trajectories are projected on the plane through the end
of the weight-decay run spanned by the two leading eigenvectors u1, u2 of the data Hessian there
(hessian.exact), and the data error E_D / N is evaluated over that plane for the contours.

PRML's figure 5.13 is this picture for a quadratic error: the early-stopped weights w~ lie on
the path from w0 towards the unregularised minimum w_ML, short of it along the directions of
small curvature, much as weight decay pulls its minimum back from w_ML along those directions
(5.5.2: tau eta ~ 1 / lambda). With a network's error the two ends are not the same point, but
both are shrunk towards the start compared with w_ML.

``early_stopping_vs_weight_decay(...)`` takes ``progress(done, total)`` whose False cancels
(it then returns None), the convention of hessian_lab.compute_report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import hessian
from .memory import require_dense
from .training import Trainer

Array = np.ndarray


@dataclass(frozen=True)
class WeightPath:
    label: str  # "early stopping" or "weight decay"
    weights: Array  # (epochs + 1, W): w after each epoch, w0 first
    end: Array  # (W,): the weights the run ends at (early stopping: the best epoch's, restored)
    end_epoch: int
    message: str  # what the trainer said when it stopped ("" when it ran to the end)


@dataclass(frozen=True)
class TrajectoryFigure:
    center: Array  # (W,): the end of the weight-decay run
    directions: Array  # (2, W): u1, u2, orthonormal leading eigenvectors of the data Hessian at center
    eigenvalues: Array  # (2,): their eigenvalues (of E_D, summed over points)
    paths: tuple[WeightPath, ...]
    projected: tuple[Array, ...]  # per path, (epochs + 1, 2) coordinates (w - center) . u
    ends: Array  # (n_paths, 2): where each run ends, projected
    grid_a: Array  # (na,) coordinates along u1
    grid_b: Array  # (nb,) along u2
    error: Array  # (nb, na): E_D / N at center + a u1 + b u2
    l2: float
    n_points: int


def project(weights: Array, center: Array, directions: Array) -> Array:
    """(n, 2) coordinates of weight vectors in the plane through ``center`` spanned by ``directions``."""
    return (np.atleast_2d(weights) - center) @ directions.T


def _run(net, w0, X, T, validation, epochs, label, progress, offset, total, **options):
    net.w[:] = w0
    trainer = Trainer(net, X, T, validation=validation, **options)
    weights = [net.w.copy()]
    snap = trainer.snapshot()
    for epoch in range(int(epochs)):
        snap = trainer.advance(1)
        if snap.status in ("diverged", "early_stopped"):
            break  # (the weights of this epoch are gone: the trainer put earlier ones back)
        weights.append(np.array(snap.weights))
        if progress is not None and epoch % 20 == 0 and progress(offset + epoch, total) is False:
            return None
    if snap.status == "early_stopped" and snap.best_epoch is not None:
        end_epoch = snap.best_epoch  # the path to w~; the epochs of patience after it are dropped
    else:
        end_epoch = min(snap.epoch, len(weights) - 1)
    return WeightPath(label, np.array(weights[: end_epoch + 1]), net.w.copy(), int(end_epoch), snap.message)


def early_stopping_vs_weight_decay(net, X, T, validation, *, l2: float, epochs: int = 2000, patience: int = 20,
                                   grid: int = 41, progress: Callable[[int, int], object] | None = None,
                                   **options) -> TrajectoryFigure | None:
    """Fig. 5.13 for ``net`` from its current weights (left unchanged) on (X, T).

    ``validation`` (X, T) decides early stopping; ``l2`` is the weight decay of the other run.
    ``options`` are further training keywords (optimizer, lr, batch_size, seed, ...); any
    penalty or early stopping in them is replaced by the two runs' own."""
    if validation is None or len(validation[0]) == 0:
        raise ValueError("early stopping needs validation points: give the split a validation share")
    if not l2 > 0:
        raise ValueError(f"the weight-decay run needs a coefficient lambda > 0, got {l2}")
    require_dense(net.n_params, "The Hessian of this network for the weight-space picture",
                  "use fewer hidden units")
    for key in ("l2", "l2_groups", "l1", "patience", "restore_best", "min_delta", "early_stopping"):
        options.pop(key, None)
    w0 = net.w.copy()
    work = net.copy()
    total = 2 * int(epochs) + grid
    try:
        stopped = _run(work, w0, X, T, validation, epochs, "early stopping", progress, 0, total,
                       patience=patience, restore_best=True, **options)
        if stopped is None:
            return None
        decayed = _run(work, w0, X, T, None, epochs, "weight decay", progress, epochs, total, l2=l2, **options)
        if decayed is None:
            return None
        center = decayed.end
        work.w[:] = center
        H = hessian.exact(work, work.check_inputs(X), work.head.prepare_targets(T, len(X)))
        values, vectors = np.linalg.eigh(H)
        directions = vectors[:, ::-1][:, :2].T.copy()  # the two largest eigenvalues
        eigenvalues = values[::-1][:2].copy()
        paths = (stopped, decayed)
        projected = tuple(project(p.weights, center, directions) for p in paths)
        ends = np.vstack([project(p.end, center, directions) for p in paths])
        points = np.vstack(projected + (ends,))
        lo, hi = points.min(axis=0), points.max(axis=0)
        pad = np.maximum(0.25 * (hi - lo), 0.05 * max(1.0, float(np.abs(points).max())))
        grid_a = np.linspace(lo[0] - pad[0], hi[0] + pad[0], grid)
        grid_b = np.linspace(lo[1] - pad[1], hi[1] + pad[1], grid)
        error = np.empty((grid, grid))
        Xc, Tc = work.check_inputs(X), work.head.prepare_targets(T, len(X))
        for i, b in enumerate(grid_b):
            if progress is not None and progress(2 * int(epochs) + i, total) is False:
                return None
            for j, a in enumerate(grid_a):
                work.w[:] = center + a * directions[0] + b * directions[1]
                error[i, j] = work.head.error(work.forward_pass(Xc).out, Tc) / len(Xc)
    finally:
        net.w[:] = w0
    return TrajectoryFigure(center, directions, eigenvalues, paths, projected, ends, grid_a, grid_b, error,
                            float(l2), len(X))
