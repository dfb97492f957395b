"""Backpropagation for one data point, laid open layer by layer (PRML 5.3.1).

``trace(net, x, t)`` returns what a forward and a backward pass compute for a single
input: each layer's inputs z and pre-activations a (5.48-5.49), each unit's
delta = dE/da (5.54 at the outputs, 5.56 for hidden units) and each link's
dE/dw_ji = delta_j z_i (5.53). Summed over the data set these are ``net.gradient``;
for one point they equal it exactly. The input Jacobian dy_k/dx_i (5.3.4) comes along.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .datasets import feature_jacobian, map_features

Array = np.ndarray


@dataclass(frozen=True)
class BackpropTrace:
    """One point's forward and backward pass.

    ``z[l]``: the outputs of layer l's units (``z[0]`` = the input x), one 1-D array per
    layer including the output layer (its y after the output activation).
    ``a[l]``: pre-activations of layer l + 1's units (hidden layers, then the output layer).
    ``delta[l]``: dE/da for the units of ``a[l]`` (5.54, 5.56).
    ``grad_w[l]`` (fan_in, fan_out) and ``grad_b[l]`` (fan_out,): dE/dw = delta z (5.53).
    ``jacobian``: (K, D) dy_k/dx_i at x (5.73-5.78).
    """

    error: float
    z: list
    a: list
    delta: list
    grad_w: list
    grad_b: list
    jacobian: Array

    def flat_gradient(self) -> Array:
        """dE/dw laid out like ``net.w`` (weights in C order, then biases, layer by layer)."""
        return np.concatenate([np.concatenate([gw.ravel(), gb]) for gw, gb in zip(self.grad_w, self.grad_b)])


def trace(net, x, t) -> BackpropTrace:
    """Forward pass, output deltas from the head, then 5.56 backwards, for the single point x."""
    X = net.check_inputs(np.asarray(x, dtype=float).reshape(1, -1))
    T = net.head.prepare_targets(np.asarray(t).reshape(1, -1) if np.ndim(t) else np.array([t]), 1)
    cache = net.forward_pass(X)
    error, delta_out = net.head.error_and_delta(cache.out, T)
    y = net.head.output(cache.out)
    y_flat = np.concatenate([np.ravel(part) for part in y]) if isinstance(y, tuple) else np.ravel(y)
    deltas = [delta_out]
    for layer in range(net.n_layers - 1, 0, -1):
        act = net.activations[layer - 1]
        back = deltas[0] @ net.weights[layer].T  # sum_k w_kj delta_k
        deltas.insert(0, back * act.dh(cache.a[layer - 1], cache.z[layer]))  # times h'(a_j): 5.56
    grad_w = [np.outer(cache.z[layer][0], deltas[layer][0]) for layer in range(net.n_layers)]  # 5.53
    grad_b = [deltas[layer][0].copy() for layer in range(net.n_layers)]
    return BackpropTrace(
        error=float(error),
        z=[row[0].copy() for row in cache.z] + [y_flat],
        a=[row[0].copy() for row in cache.a] + [cache.out[0].copy()],
        delta=[d[0].copy() for d in deltas],
        grad_w=grad_w,
        grad_b=grad_b,
        jacobian=net.jacobian(X)[0],
    )


def input_sensitivity(net, X, features=None) -> Array:
    """|dy/dx| at the raw inputs X (N, D): the Frobenius norm of the input Jacobian (PRML 5.3.4)
    with respect to the plane's coordinates, through the feature maps by the chain rule when the
    network's inputs are ``features`` (dy/dx = dy/dphi dphi/dx). Shape (N,)."""
    X = np.asarray(X, dtype=float)
    if not features:
        J = net.jacobian(X)
    else:
        J = net.jacobian(map_features(X, features)) @ feature_jacobian(X, features)  # (N, K, F) (N, F, D)
    return np.sqrt(np.sum(J * J, axis=(1, 2)))
