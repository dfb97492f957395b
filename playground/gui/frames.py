"""What the data view draws, computed from the network in the training thread.

Evaluating the network over a 100 x 100 grid (and extracting contours) costs far
more than drawing, and grows with the network, so it never runs on the GUI thread:
the worker turns every snapshot into a ``Frame`` and the view only copies arrays
into graphics items. For a large network (an 8 x 256 net takes over a second on the
grid) the grid is evaluated in row blocks, asking ``should_stop()`` between them, so
that the worker answers a command instead of finishing a frame that is out of date.
Pure numpy; no Qt here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from playground.core.backprop_trace import input_sensitivity
from playground.core.datasets import map_features
from playground.core.heads import BINARY_DECISION_HEADS
from playground.core.training import Snapshot

from .contours import contour_segments
from .mdn_frames import MixtureFrame, mixture_1d, mixture_2d

FRAME_BLOCK_COST = 1.5e8  # grid points x weights per block of the grid's forward pass (~0.05 s)
# Grid points x weights of a whole frame over the plane: an 8 x 256 network gets a 56 x 56 grid
# (a paused frame in ~0.15 s instead of ~0.5 s at 100 x 100); the default network keeps 100 x 100.
MAX_FRAME_COST = 1.5e9
MIN_GRID = 30


def grid_size(resolution: int, n_params: int) -> int:
    """Points per side of the plane's grid: ``resolution``, fewer for a network too big to
    evaluate that often within a frame's budget (never below MIN_GRID)."""
    affordable = int(math.sqrt(MAX_FRAME_COST / max(1, n_params)))
    return max(min(resolution, MIN_GRID), min(resolution, affordable))
MAX_UNIT_CONTOURS = 32  # first-layer boundaries drawn at most (a 256-unit layer would be a hairball)
DISPLAY_LIMIT = 1e30  # huge but finite weights (just before divergence) must not overflow float32 images


def _display(values) -> np.ndarray:
    """float32 for drawing: infinities clipped to +-1e30, NaN kept (drawn as gaps)."""
    return np.clip(np.asarray(values, dtype=np.float64), -DISPLAY_LIMIT, DISPLAY_LIMIT).astype(np.float32)


@dataclass(frozen=True)
class ViewSpec:
    """The part of the input space the data view shows, and what it asks to see."""

    x_range: tuple[float, float] = (-1.5, 1.5)
    y_range: tuple[float, float] = (-1.5, 1.5)
    resolution: int = 100
    selected_unit: tuple[int, int] | None = None  # (hidden layer, unit): show its activation
    hidden_contours: bool = False
    sensitivity: bool = False  # shade |dy/dx| over the plane instead of the output (PRML 5.3.4)


@dataclass(frozen=True, eq=False)
class Frame:
    """One snapshot with everything the views draw for it (all arrays fresh)."""

    experiment_id: int
    snapshot: Snapshot
    running: bool
    epochs_per_second: float
    view: ViewSpec | None = None
    kind: str = "classification2d"  # classification2d | regression1d | regression2d | none
    grid_x: np.ndarray | None = None
    grid_y: np.ndarray | None = None
    probabilities: np.ndarray | None = None  # (ny, nx, K) class probabilities
    boundary: np.ndarray | None = None  # (M, 2, 2) decision boundary segments
    surface: np.ndarray | None = None  # (ny, nx) regression output over the plane
    curves: np.ndarray | None = None  # (L, nx) regression outputs along x
    unit_map: np.ndarray | None = None  # (ny, nx) or (nx,) activation of the selected unit
    unit_label: str = ""
    sensitivity_map: np.ndarray | None = None  # (ny, nx) |dy/dx| over the plane, when the view asks
    hidden_segments: list = field(default_factory=list)  # per first-layer unit, (M, 2, 2)
    hidden_curves: np.ndarray | None = None  # (units, nx) first-layer outputs along x
    density: np.ndarray | None = None  # (ny, nx) MDN p(t | x) on the (x, t) grid
    density_mean: np.ndarray | None = None  # (nx,) conditional mean
    density_mode: np.ndarray | None = None  # (nx,) approximate conditional mode (Netlab demmdn1)
    mixture: MixtureFrame | None = None  # MDN: pi, mu, sigma, mode with breaks, colour scale (fig. 5.21)
    layers: object | None = None  # core.diagnostics.Diagnostics for the layers view (layer_frames.py)


class FrameInterrupted(Exception):
    """``should_stop()`` answered True while the frame was being computed."""


def _forward(net, X: np.ndarray, should_stop):
    """net.forward_pass(X), in row blocks with ``should_stop()`` asked between them when it is long."""
    rows = max(1, int(FRAME_BLOCK_COST / max(1, net.n_params)))
    if should_stop is None or X.shape[0] <= rows:
        return net.forward_pass(X)
    parts = []
    for start in range(0, X.shape[0], rows):
        if should_stop():
            raise FrameInterrupted
        parts.append(net.forward_pass(X[start:start + rows]))
    first = parts[0]
    return type(first)([np.concatenate([p.z[k] for p in parts]) for k in range(len(first.z))],
                       [np.concatenate([p.a[k] for p in parts]) for k in range(len(first.a))],
                       np.concatenate([p.out for p in parts]))


def frame_kind(net, dataset_kind: str, n_inputs: int) -> str:
    if dataset_kind == "classification" and n_inputs == 2:
        return "classification2d"
    if dataset_kind == "regression" and n_inputs == 1:
        return "regression1d"
    if dataset_kind == "regression" and n_inputs == 2:
        return "regression2d"
    return "none"


def class_probabilities(net, a: np.ndarray) -> np.ndarray:
    """(N, K) class probabilities from output activations, K >= 2."""
    y = net.head.output(a)
    if net.output in BINARY_DECISION_HEADS and y.shape[1] == 1:
        return np.concatenate([1.0 - y, y], axis=1)
    if net.output == "linear":  # least-squares "probabilities": clip for display only
        y = np.clip(y, 0.0, 1.0)
        if y.shape[1] == 1:
            return np.concatenate([1.0 - y, y], axis=1)
    return y


def decision_boundary(probabilities: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Where the most probable class changes: p_1 = 0.5 for two classes, otherwise
    p_k = max_{j != k} p_j for each k (PRML 4.1.2)."""
    K = probabilities.shape[2]
    if K == 2:
        return contour_segments(probabilities[:, :, 1], gx, gy, 0.5)
    pieces = []
    ordered = np.sort(probabilities, axis=2)
    top, second = ordered[:, :, -1], ordered[:, :, -2]
    for k in range(K):
        pk = probabilities[:, :, k]
        best_other = np.where(pk >= top, second, top)
        pieces.append(contour_segments(pk - best_other, gx, gy, 0.0))
    return np.concatenate(pieces) if pieces else np.zeros((0, 2, 2))


def compute_frame(net, features, dataset_kind: str, n_inputs: int, snapshot: Snapshot, view: ViewSpec | None,
                  experiment_id: int, running: bool, epochs_per_second: float, should_stop=None,
                  points: np.ndarray | None = None) -> Frame:
    """Evaluate the network for the data view. ``net`` already holds the snapshot's weights.
    ``points``: the raw inputs (N, D) of the data shown; an MDN's colour scale is taken where they are.

    Raises FrameInterrupted when ``should_stop()`` (optional) answers True on the way."""
    kind = frame_kind(net, dataset_kind, n_inputs)
    base = dict(experiment_id=experiment_id, snapshot=snapshot, running=running,
                epochs_per_second=epochs_per_second, view=view, kind=kind)
    if view is None or kind == "none":
        return Frame(**base)
    inputs = (lambda X: X) if features is None else (lambda X: map_features(X, features))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if kind == "regression1d":
            points_x = None if points is None or not len(points) else np.asarray(points)[:, 0]
            return _regression_1d(net, inputs, view, base, should_stop, points_x)
        return _plane(net, inputs, view, base, kind, should_stop, features)


def _unit_label(net, selected) -> str:
    layer, unit = selected
    return f"hidden unit {unit + 1} of layer {layer + 1} ({net.activations[layer].name})"


def _valid_unit(net, selected) -> bool:
    return selected is not None and 0 <= selected[0] < net.n_layers - 1 and 0 <= selected[1] < net.layer_sizes[selected[0] + 1]


def _plane(net, inputs, view: ViewSpec, base: dict, kind: str, should_stop=None, features=None) -> Frame:
    n = grid_size(view.resolution, net.n_params)
    gx = np.linspace(*view.x_range, n)
    gy = np.linspace(*view.y_range, n)
    XX, YY = np.meshgrid(gx, gy)
    X = np.column_stack([XX.ravel(), YY.ravel()])
    cache = _forward(net, inputs(X), should_stop)
    extra = {}
    if kind == "classification2d":
        p = class_probabilities(net, cache.out).reshape(n, n, -1).astype(np.float32)
        extra.update(probabilities=p, boundary=decision_boundary(p, gx, gy))
    elif net.output == "mdn":  # the conditional mean surface (5.158) and a map of each pi_k
        mixture = mixture_2d(net.head, cache.out, n)
        extra.update(surface=_display(mixture.mean), mixture=mixture)
    else:
        extra.update(surface=_display(net.head.output(cache.out)[:, 0].reshape(n, n)))
    if _valid_unit(net, view.selected_unit):
        layer, unit = view.selected_unit
        extra.update(unit_map=_display(cache.z[layer + 1][:, unit].reshape(n, n)),
                     unit_label=_unit_label(net, view.selected_unit))
    if view.sensitivity:
        if should_stop is not None and should_stop():
            raise FrameInterrupted
        extra["sensitivity_map"] = _display(input_sensitivity(net, X, features).reshape(n, n))
    if view.hidden_contours and net.n_layers > 1:
        a = cache.a[0]
        extra["hidden_segments"] = [contour_segments(a[:, j].reshape(n, n), gx, gy, 0.0)
                                    for j in range(min(a.shape[1], MAX_UNIT_CONTOURS))]
    return Frame(**base, grid_x=gx, grid_y=gy, **extra)


def _regression_1d(net, inputs, view: ViewSpec, base: dict, should_stop=None, points_x=None) -> Frame:
    nx = max(3 * view.resolution, 200)
    gx = np.linspace(*view.x_range, nx)
    cache = _forward(net, inputs(gx[:, None]), should_stop)
    extra = {}
    if net.output == "mdn":
        head = net.head
        gy = np.linspace(*view.y_range, max(view.resolution, 100))
        density = _display(head.density(cache.out, gy).T) if head.n_targets == 1 else None  # (ny, nx)
        pi, mu, _ = head.output(cache.out)
        extra.update(density=density, grid_y=gy, density_mean=head.conditional_mean(cache.out)[:, 0],
                     density_mode=mu[np.arange(nx), np.argmax(pi, axis=1), 0],
                     mixture=mixture_1d(head, cache.out, gx, density, points_x))
    else:
        extra["curves"] = _display(net.head.output(cache.out).T)
    if _valid_unit(net, view.selected_unit):
        layer, unit = view.selected_unit
        extra.update(unit_map=_display(cache.z[layer + 1][:, unit]), unit_label=_unit_label(net, view.selected_unit))
    if view.hidden_contours and net.n_layers > 1:
        extra["hidden_curves"] = _display(cache.z[1][:, :MAX_UNIT_CONTOURS].T)
    return Frame(**base, grid_x=gx, **extra)
