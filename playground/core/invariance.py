"""Invariances (PRML 5.5.3-5.5.5): tangent vectors, tangent propagation, transformed inputs, Tikhonov.

- ``tangents(X, kind, centre)``: tau_n = ds(x_n, xi)/dxi at xi = 0 (5.125) of a 2-D
  transformation s: a rotation or a scaling about ``centre`` (default the points' mean), or a
  translation along x1 or x2.
- ``tangent_penalty(net, X, tau)``: Omega = 1/2 sum_n sum_k (sum_i J_nki tau_ni)^2 (5.128) with
  its exact gradient. The directional derivative J_n tau_n is carried forward through the
  network beside the activations (tangent propagation, 5.5.4: R{z} = h'(a) R{a} with
  R{x} = tau, as the R-operator of 5.96-5.102 with the input in place of the weights), and the
  gradient is the backward pass through both (exercise 5.26 for two layers, here any depth).
  J is dy/dx after the output activation, as ``MLP.jacobian`` gives it (for "mdn" the flat
  output [pi | mu | sigma]).
- ``tikhonov_penalty(net, X)``: 1/2 sum_n ||J_n||_F^2, the small-noise limit of training
  with Gaussian input noise (5.5.5, 5.135): Tikhonov = tangent propagation summed over the
  unit tangents of every input.
- ``augment(X, kind, size, rng, centre)``: transformed training points (5.5.3): each point
  its own random rotation (size: largest angle in degrees), scaling (factor 1 +- size),
  translation (shift up to +- size per axis) or Gaussian input noise (standard deviation size).
- ``DataPenalty``: the weighted sum lambda_t Omega_tangent + lambda_T Omega_Tikhonov that the
  trainer adds to the data error of every batch (E~ = E + lambda Omega, 5.127).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, softmax

from .params import AUGMENT_KINDS, TANGENT_KINDS, TRAINING_PARAMETERS, check

Array = np.ndarray

__all__ = ["AUGMENT_KINDS", "TANGENT_KINDS", "DataPenalty", "augment", "tangent_penalty", "tangents",
           "tikhonov_penalty"]


# ------------------------------------------------------------------------------ tangent vectors
def _centre(X: Array, centre) -> Array:
    if centre is None:
        return X.mean(axis=0) if X.shape[0] else np.zeros(X.shape[1])
    c = np.asarray(centre, dtype=float).ravel()
    if c.shape != (X.shape[1],) or not np.all(np.isfinite(c)):
        raise ValueError(f"the centre must be {X.shape[1]} finite numbers, got {centre!r}")
    return c


def _plane_points(X, kind: str) -> Array:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        what = f"{X.shape[1]} input{'s' if X.shape[1] != 1 else ''}" if X.ndim == 2 else f"an array of shape {X.shape}"
        raise ValueError(f"{kind} acts on points of the plane, two inputs x1, x2; these have {what}")
    if not np.all(np.isfinite(X)):
        raise ValueError("the inputs contain NaN or infinity")
    return X


def tangents(X, kind: str, centre=None) -> Array:
    """Tangent vectors tau_n (N, 2) of a transformation at the points X (N, 2) (PRML 5.125).

    rotation about c: (-(x2 - c2), x1 - c1); scaling about c: x - c; translation_x: (1, 0);
    translation_y: (0, 1). The centre defaults to the points' mean.
    """
    kind = check("tangent kind", kind, TRAINING_PARAMETERS["tangent_kind"])
    X = _plane_points(X, kind)
    return _tangents(X, kind, _centre(X, centre))


def _tangents(X: Array, kind: str, centre: Array) -> Array:
    """tangents() for checked inputs (the trainer's batches)."""
    tau = np.zeros_like(X)
    if kind == "translation_x":
        tau[:, 0] = 1.0
    elif kind == "translation_y":
        tau[:, 1] = 1.0
    else:
        d = X - centre
        if kind == "rotation":
            tau[:, 0], tau[:, 1] = -d[:, 1], d[:, 0]
        else:
            tau[:] = d
    return tau


# ------------------------------------------------------------------------------ the output activation
# Pieces of the last layer's units with their output function y = f(a): the tangent of y is
# f'(a) da and its backward pass needs f''(a) too. For "mdn" the flat output is
# [softmax (K) | identity (K L) | exp (K)], as MLP.jacobian orders it.
def _output_pieces(net) -> list[tuple[str, slice]]:
    P = net.head.n_units
    name = net.head.name
    if name == "mdn":
        K, L = net.head.n_components, net.head.n_targets
        return [("softmax", slice(0, K)), ("identity", slice(K, K + K * L)), ("exp", slice(K + K * L, P))]
    return [({"linear": "identity"}.get(name, name), slice(0, P))]


def _piece_forward(kind: str, a: Array, da: Array) -> tuple[Array, Array]:
    """(y, dy) of one piece: dy = f'(a) da."""
    if kind == "identity":
        return a, da
    if kind == "sigmoid":
        y = expit(a)
        return y, y * (1.0 - y) * da
    if kind == "exp":
        y = np.exp(a)
        return y, y * da
    y = softmax(a, axis=1)  # dy_k = y_k (da_k - sum_p y_p da_p)
    return y, y * (da - np.sum(y * da, axis=1, keepdims=True))


def _piece_backward(kind: str, y: Array, da: Array, r: Array) -> tuple[Array, Array]:
    """Adjoints (d/da, d/d(da)) of sum r . dy for one piece, dy = f'(a) da."""
    if kind == "identity":
        return np.zeros_like(r), r
    if kind == "sigmoid":
        s1 = y * (1.0 - y)
        return r * da * s1 * (1.0 - 2.0 * y), r * s1
    if kind == "exp":
        return r * da * y, r * y
    # softmax: with c = da - y.da, dy = y c; d dy_k/d a_q = y_k (delta_kq - y_q) c_k - y_k y_q c_q
    c = da - np.sum(y * da, axis=1, keepdims=True)
    ry = np.sum(r * y, axis=1, keepdims=True)
    bar_a = y * (r * c - np.sum(r * y * c, axis=1, keepdims=True) - c * ry)
    return bar_a, y * (r - ry)


# ------------------------------------------------------------------------------ tangent propagation
def _tangent_forward(net, X: Array, tau: Array):
    """Forward pass carrying R{z} = dz/dx tau beside z: returns the caches and J tau (N, P)."""
    z, dz, a, da, h1 = [X], [tau], [], [], []
    for layer in range(net.n_layers - 1):
        W, b = net.weights[layer], net.biases[layer]
        pre = z[-1] @ W
        pre += b
        dpre = dz[-1] @ W
        act = net.activations[layer]
        out = act.h(pre)
        slope = act.dh(pre, out)
        a.append(pre)
        da.append(dpre)
        z.append(out)
        h1.append(slope)
        dz.append(slope * dpre)
    out = z[-1] @ net.weights[-1]
    out += net.biases[-1]
    dout = dz[-1] @ net.weights[-1]
    ys, dy = [], np.empty_like(dout)
    for kind, part in _output_pieces(net):
        y, dy[:, part] = _piece_forward(kind, out[:, part], dout[:, part])
        ys.append(y)
    return (z, dz, a, da, h1, out, dout, ys), dy


def _checked_pair(net, X, tau) -> tuple[Array, Array]:
    X = net.check_inputs(X)
    tau = np.asarray(tau, dtype=float)
    if tau.ndim == 1 and X.shape[1] == 1:
        tau = tau[:, None]
    if tau.shape != X.shape:
        raise ValueError(f"tangents must have the inputs' shape {X.shape}, got {tau.shape}")
    if not np.all(np.isfinite(tau)):
        raise ValueError("the tangent vectors contain NaN or infinity")
    return X, tau


def tangent_penalty_value(net, X, tau) -> float:
    """Omega (5.128) alone: one forward pass with tangents, no gradient."""
    X, tau = _checked_pair(net, X, tau)
    return _penalty_value(net, X, tau)


def _penalty_value(net, X: Array, tau: Array) -> float:
    _, dy = _tangent_forward(net, X, tau)
    return 0.5 * float(np.vdot(dy, dy))


def tangent_penalty(net, X, tau, out: Array | None = None) -> tuple[float, Array]:
    """(Omega, dOmega/dw) of Omega = 1/2 sum_n sum_k (sum_i J_nki tau_ni)^2 (PRML 5.128).

    ``out`` (shaped like ``net.w``) receives the gradient when given; it is returned either way.
    """
    X, tau = _checked_pair(net, X, tau)
    return _penalty_and_gradient(net, X, tau, out)


def _penalty_and_gradient(net, X: Array, tau: Array, out: Array | None) -> tuple[float, Array]:
    (z, dz, a, da, h1s, out_a, dout, ys), dy = _tangent_forward(net, X, tau)
    omega = 0.5 * float(np.vdot(dy, dy))
    g = np.empty_like(net.w) if out is None else out
    gW, gb = net.unpack(g)
    # Backward through the output activation: bar_a from f''(a), bar_da = f'(a)^T r, r = J tau.
    bar_a, bar_da = np.empty_like(out_a), np.empty_like(dout)
    for (kind, part), y in zip(_output_pieces(net), ys):
        bar_a[:, part], bar_da[:, part] = _piece_backward(kind, y, dout[:, part], dy[:, part])
    for layer in range(net.n_layers - 1, -1, -1):
        W = net.weights[layer]
        # a = z W + b and da = dz W: both paths reach W; only a reaches b.
        np.matmul(z[layer].T, bar_a, out=gW[layer])
        gW[layer] += dz[layer].T @ bar_da
        np.sum(bar_a, axis=0, out=gb[layer])
        if layer:
            act = net.activations[layer - 1]
            pre, dpre, zl = a[layer - 1], da[layer - 1], z[layer]
            bar_z, bar_dz = bar_a @ W.T, bar_da @ W.T
            h1 = h1s[layer - 1]
            # z = h(a), dz = h'(a) da: a is reached through h' and h'', da through h'.
            bar_a = bar_z * h1 + bar_dz * act.d2h(pre, zl) * dpre
            bar_da = bar_dz * h1
    return omega, g


def _unit_tangents(net, X: Array) -> tuple[Array, Array]:
    """X repeated once per input with the unit tangent e_i: sum_i (J e_i)^2 = ||J||_F^2."""
    N, D = X.shape
    Xs = np.tile(X, (D, 1))
    tau = np.repeat(np.eye(D), N, axis=0)
    return Xs, tau


def tikhonov_penalty(net, X, out: Array | None = None) -> tuple[float, Array]:
    """(Omega, dOmega/dw) of Tikhonov's Omega = 1/2 sum_n sum_k sum_i J_nki^2 (PRML 5.135, as a sum
    over the points). Training with input noise of small variance s^2 adds about s^2 Omega to the
    sum-of-squares error (5.5.5)."""
    X = net.check_inputs(X)
    return tangent_penalty(net, *_unit_tangents(net, X), out=out)


def tikhonov_penalty_value(net, X) -> float:
    X = net.check_inputs(X)
    return tangent_penalty_value(net, *_unit_tangents(net, X))


# ------------------------------------------------------------------------------ transformed data
def augment(X, kind: str, size: float, rng: np.random.Generator, centre=None) -> Array:
    """A transformed copy of the points X (N, 2), each point with its own random draw (PRML 5.5.3).

    rotation: angle uniform in +- size degrees about the centre; scaling: factor uniform in
    1 +- size about the centre (size < 1); translation: shift uniform in +- size on each axis;
    noise: Gaussian noise of standard deviation size on each input. "none" returns X unchanged.
    """
    kind = check("augmentation", kind, TRAINING_PARAMETERS["augment"])
    size = check_augment_size(kind, size)
    X = np.asarray(X, dtype=float)
    if kind == "none" or size == 0.0 or X.shape[0] == 0:
        return X
    if kind == "noise":
        return X + rng.normal(scale=size, size=X.shape)
    X = _plane_points(X, kind)
    n = X.shape[0]
    if kind == "translation":
        return X + rng.uniform(-size, size, size=X.shape)
    c = _centre(X, centre)
    d = X - c
    if kind == "scaling":
        return c + d * rng.uniform(1.0 - size, 1.0 + size, size=(n, 1))
    angle = np.deg2rad(rng.uniform(-size, size, size=n))
    cos, sin = np.cos(angle), np.sin(angle)
    return c + np.column_stack([cos * d[:, 0] - sin * d[:, 1], sin * d[:, 0] + cos * d[:, 1]])


# The most each kind's size may be: a rotation beyond a half turn repeats itself; a scaling
# by 1 - size must keep the points on their side of the centre.
AUGMENT_SIZE_LIMITS = {"rotation": (180.0, "degrees"), "scaling": (0.99, "(a factor 1 +- size)")}


def check_augment_size(kind: str, size) -> float:
    size = check("augmentation size", size, TRAINING_PARAMETERS["augment_size"])
    limit = AUGMENT_SIZE_LIMITS.get(kind)
    if limit is not None and size > limit[0]:
        raise ValueError(f"augmentation size for {kind} must be at most {limit[0]:g} {limit[1]}, got {size:g}")
    return size


# ------------------------------------------------------------------------------ for the trainer
class DataPenalty:
    """lambda_t Omega_tangent(kind) + lambda_T Omega_Tikhonov on a batch, with its gradient.

    Both are sums over the batch's points, like the data error, so the trainer weights them
    as it weights E_D (N/B for a mini-batch). The tangents of rotation and scaling are taken
    about ``centre``, fixed once for the whole training set (a batch's mean would wander).
    The trainer has checked its inputs (plane points for rotation and scaling): a batch is
    taken as it comes.
    """

    def __init__(self, tangent_prop: float = 0.0, tangent_kind: str = "rotation", tikhonov: float = 0.0,
                 centre=None):
        self.tangent_prop = check("tangent_prop", tangent_prop, TRAINING_PARAMETERS["tangent_prop"])
        self.tangent_kind = check("tangent kind", tangent_kind, TRAINING_PARAMETERS["tangent_kind"])
        self.tikhonov = check("tikhonov", tikhonov, TRAINING_PARAMETERS["tikhonov"])
        self.centre = None if centre is None else np.asarray(centre, dtype=float)
        self._g = None
        self._tau_cache = None  # (X, its tangents)

    @property
    def active(self) -> bool:
        return self.tangent_prop > 0 or self.tikhonov > 0

    def _tau(self, X: Array) -> Array:
        """The batch's tangents; the full set's are kept (a full batch asks for them every step)."""
        cached = self._tau_cache
        if cached is not None and cached[0] is X:
            return cached[1]
        centre = self.centre if self.centre is not None else X.mean(axis=0)
        tau = _tangents(X, self.tangent_kind, centre)
        self._tau_cache = (X, tau)
        return tau

    def value(self, net, X) -> float:
        total = 0.0
        if self.tangent_prop > 0:
            total += self.tangent_prop * _penalty_value(net, X, self._tau(X))
        if self.tikhonov > 0:
            total += self.tikhonov * _penalty_value(net, *_unit_tangents(net, X))
        return total

    def add_value_and_gradient(self, net, X, out: Array, scale: float) -> float:
        """The penalty at the network's weights; ``out += scale * its gradient``."""
        if self._g is None or self._g.shape != out.shape:
            self._g = np.empty_like(out)
        total = 0.0
        if self.tangent_prop > 0:
            omega, g = _penalty_and_gradient(net, X, self._tau(X), self._g)
            total += self.tangent_prop * omega
            out += (scale * self.tangent_prop) * g
        if self.tikhonov > 0:
            omega, g = _penalty_and_gradient(net, *_unit_tangents(net, X), self._g)
            total += self.tikhonov * omega
            out += (scale * self.tikhonov) * g
        return total
