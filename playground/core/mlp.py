"""The multilayer perceptron: forward pass, error, backpropagation, Jacobian.

The network owns one contiguous float64 parameter vector ``w``; every layer's
weight matrix (fan_in, fan_out) and bias (fan_out,) are views into it, laid out
layer by layer, weights in C order then biases (Netlab's mlppak without copies).
Optimisers, Hessians and exports all work on ``w`` directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .activations import Activation, get_activation
from .heads import BINARY_DECISION_HEADS, Head, make_head
from .mdn_init import initialize_from_targets
from .params import DEFAULT_SIGMA_FLOOR, NETWORK_PARAMETERS, check

Array = np.ndarray

INIT_NAMES = ("xavier", "he", "gaussian", "uniform", "constant")
DEFAULT_CONSTANT = 0.5  # the "constant" init's weight when no scale is given
NETWORK_FORMAT = "nn-playground-network"
NETWORK_FORMAT_VERSION = 1


@dataclass(frozen=True)
class ForwardCache:
    """Everything backpropagation needs from one forward pass.

    ``z[l]`` is the input of layer l (``z[0]`` = X), ``a[l]`` the pre-activation of
    hidden layer l (so ``z[l + 1] = h_l(a[l])``) and ``out`` the output layer's
    pre-activations, to which the head applies its activation.

    With dropout (``masks``, training steps only) ``z[l + 1] = h_l(a[l]) * masks[l]`` and
    ``units[l] = h_l(a[l])`` keeps the outputs before the mask, which h' may need.
    """

    z: list
    a: list
    out: Array
    masks: list | None = None
    units: list | None = None


class MLP:
    """Feed-forward network y(x, w) with any number of hidden layers (PRML 5.1).

    sizes      [inputs, hidden..., outputs]; for ``output="mdn"`` the last entry is
               the target dimension L and the last layer has K (L + 2) units.
    hidden     one activation name, or a list with one name per hidden layer.
    output     "linear", "sigmoid", "softmax" or "mdn" (the matched error is implied).
    init       "xavier" (Glorot uniform, zero biases), "he" (normal 2/fan_in, zero
               biases), "gaussian" (weights and biases N(0, init_scale^2); default
               scale 1/sqrt(fan_in + 1) as in Netlab) or "uniform" (U(-s, s); default
               s = 1/sqrt(fan_in)), or "constant" (every weight init_scale, default 0.5, biases 0:
               the symmetry demo, PRML 5.1.1: units that start equal get equal gradients and stay equal).
    sigma_floor  mdn only: the smallest component standard deviation (sigma = floor + e^s,
               core/heads.py); None: params.DEFAULT_SIGMA_FLOOR, 0: PRML's sigma = e^s.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: str | Sequence[str] = "tanh",
        output: str = "linear",
        n_components: int | None = None,
        init: str = "xavier",
        seed: int | None = None,
        init_scale: float | None = None,
        sigma_floor: float | None = None,
    ):
        self._build(sizes, hidden, output, n_components, sigma_floor)
        self.init, self.init_scale = init, init_scale
        self.initialize(init, seed=seed, scale=init_scale)

    def _build(self, sizes, hidden, output, n_components, sigma_floor) -> None:
        """The layers, the head and a zero parameter vector (no random draw)."""
        try:
            sizes = [int(s) for s in sizes]
        except (TypeError, ValueError):
            raise ValueError(f"sizes must be a list of integers, got {sizes!r}") from None
        if len(sizes) < 2:
            raise ValueError("sizes needs at least an input and an output size, e.g. [2, 1]")
        if min(sizes) < 1:
            raise ValueError(f"every layer needs at least one unit, got sizes {sizes}")
        n_hidden = len(sizes) - 2
        names = [hidden] * n_hidden if isinstance(hidden, (str, Activation)) else list(hidden)
        if len(names) != n_hidden:
            raise ValueError(f"{len(names)} hidden activations given for {n_hidden} hidden layers")

        self.sizes: tuple[int, ...] = tuple(sizes)
        self.output: str = output
        self.n_components: int | None = None if n_components is None else int(n_components)
        if sigma_floor is not None:
            sigma_floor = check("sigma_floor", sigma_floor, NETWORK_PARAMETERS["sigma_floor"])
        elif output == "mdn":
            sigma_floor = DEFAULT_SIGMA_FLOOR
        self.head: Head = make_head(output, sizes[-1], n_components, sigma_floor or 0.0)
        self.sigma_floor: float | None = sigma_floor if output == "mdn" else None
        if output != "mdn":
            self.n_components = None
        self.activations: list[Activation] = [get_activation(h) for h in names]
        self.layer_sizes: tuple[int, ...] = tuple(sizes[:-1]) + (self.head.n_units,)

        self._layout = []  # (weight slice, weight shape, bias slice) per layer
        offset = 0
        for fan_in, fan_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            w_end = offset + fan_in * fan_out
            self._layout.append((slice(offset, w_end), (fan_in, fan_out), slice(w_end, w_end + fan_out)))
            offset = w_end + fan_out
        self._w = np.zeros(offset)
        self.weights, self.biases = self.unpack(self._w)
        self._grad_views: tuple = (None, None)
        self._ones_cache = np.ones(0)

    # ------------------------------------------------------------------ parameters
    @property
    def w(self) -> Array:
        """The flat parameter vector; ``net.w[:] = v`` or ``net.w = v`` change the network."""
        return self._w

    @w.setter
    def w(self, value) -> None:
        value = np.asarray(value, dtype=float)
        if value.shape != self._w.shape:
            raise ValueError(f"expected {self._w.size} parameters, got shape {value.shape}")
        self._w[:] = value

    @property
    def n_params(self) -> int:
        return self._w.size

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self._layout)

    @property
    def hidden_names(self) -> list[str]:
        return [a.name for a in self.activations]

    def unpack(self, vec: Array) -> tuple[list[Array], list[Array]]:
        """Per-layer (weights, biases) views into any vector shaped like ``w``."""
        weights = [vec[ws].reshape(shape) for ws, shape, _ in self._layout]
        biases = [vec[bs] for _, _, bs in self._layout]
        return weights, biases

    def parameter_groups(self) -> dict[str, Array]:
        """Boolean masks over ``w`` for PRML 5.5.1's groups: first-layer weights and
        biases, later-layer weights and biases."""
        masks = {k: np.zeros(self.n_params, dtype=bool) for k in ("w1", "b1", "w2", "b2")}
        for layer, (ws, _, bs) in enumerate(self._layout):
            masks["w1" if layer == 0 else "w2"][ws] = True
            masks["b1" if layer == 0 else "b2"][bs] = True
        return masks

    def initialize(self, init: str | None = None, seed: int | None = None, scale: float | None = None,
                   targets=None) -> "MLP":
        """New random weights. For an mdn head, ``targets`` (N, L) start the output layer at a
        mixture fitted to them (Netlab mdninit, core/mdn_init.py); other heads ignore them."""
        init = self.init if init is None else init
        check("init", init, NETWORK_PARAMETERS["init"])
        if scale is not None:
            scale = check("init_scale", scale, NETWORK_PARAMETERS["init_scale"])  # declared in params
        rng = np.random.default_rng(seed)
        for W, b in zip(self.weights, self.biases):
            fan_in, fan_out = W.shape
            if init == "xavier":
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                W[:] = rng.uniform(-limit, limit, W.shape)
                b[:] = 0.0
            elif init == "he":
                W[:] = rng.normal(0.0, np.sqrt(2.0 / fan_in), W.shape)
                b[:] = 0.0
            elif init == "gaussian":
                sigma = scale if scale is not None else 1.0 / np.sqrt(fan_in + 1.0)
                W[:] = rng.normal(0.0, sigma, W.shape)
                b[:] = rng.normal(0.0, sigma, b.shape)
            elif init == "constant":
                W[:] = scale if scale is not None else DEFAULT_CONSTANT
                b[:] = 0.0
            else:
                s = scale if scale is not None else 1.0 / np.sqrt(fan_in)
                W[:] = rng.uniform(-s, s, W.shape)
                b[:] = rng.uniform(-s, s, b.shape)
        if targets is not None and self.output == "mdn":
            initialize_from_targets(self, targets, rng)
        self.init, self.init_scale = init, scale
        return self

    def copy(self) -> "MLP":
        # Built without initialize(): the random draw of an 8 x 256 network costs ~8 ms, and the
        # GUI copies a network for each view that shows it.
        clone = MLP.__new__(MLP)
        clone._build(self.sizes, self.hidden_names, self.output, self.n_components, self.sigma_floor)
        clone.init, clone.init_scale = self.init, self.init_scale
        clone.w[:] = self._w
        return clone

    def describe(self) -> str:
        hidden = "/".join(dict.fromkeys(self.hidden_names)) or "no hidden layer"
        head = self.output if self.output != "mdn" else f"mdn K={self.n_components}"
        return f"{'-'.join(map(str, self.sizes))} {hidden}, {head} output, {self.n_params} weights"

    def __repr__(self) -> str:
        return f"MLP({list(self.sizes)}, hidden={self.hidden_names}, output={self.output!r})"

    # ------------------------------------------------------------------ evaluation
    def check_inputs(self, X) -> Array:
        """X as a float (N, D) array for this network (a 1-D X is N points when D = 1);
        a wrong shape is a ValueError naming the expected one. Other core modules call it too."""
        X = np.asarray(X, dtype=float)
        if X.ndim == 1 and self.sizes[0] == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"network expects inputs of shape (N, {self.sizes[0]}), got {X.shape}")
        return X

    def forward_pass(self, X: Array, masks: list | None = None) -> ForwardCache:
        """Forward propagation (PRML 5.48-5.49) keeping what backprop needs.

        ``masks`` (dropout, one (N, units) array per hidden layer, entries 0 or 1/(1-p)) multiply
        the hidden outputs; only training steps pass them (training.py)."""
        z, a = [X], []
        units = [] if masks is not None else None
        for layer in range(self.n_layers - 1):
            pre = z[-1] @ self.weights[layer]
            pre += self.biases[layer]
            a.append(pre)
            h = self.activations[layer].h(pre)
            if masks is not None:
                units.append(h)
                h = h * masks[layer]
            z.append(h)
        out = z[-1] @ self.weights[-1]
        out += self.biases[-1]
        return ForwardCache(z, a, out, masks, units)

    def output_activations(self, X) -> Array:
        """Pre-activations of the output layer (logits), (N, P)."""
        return self.forward_pass(self.check_inputs(X)).out

    def hidden_outputs(self, X) -> list[Array]:
        """Outputs z of every hidden layer, one (N, units) array per layer."""
        return self.forward_pass(self.check_inputs(X)).z[1:]

    def forward(self, X):
        """Network outputs y(x, w): (N, K), or (pi, mu, sigma) for the mdn head."""
        return self.head.output(self.output_activations(X))

    __call__ = forward

    def predict_labels(self, X) -> Array:
        """Class decisions: argmax for softmax, y > 0.5 for one sigmoid output."""
        a = self.output_activations(X)
        if self.output == "softmax":
            return np.argmax(a, axis=1)
        if self.output == "perceptron":  # f(a) = +1 for a >= 0 (PRML 4.53)
            return (a[:, 0] >= 0.0).astype(int)
        if self.output in BINARY_DECISION_HEADS:
            return (a > 0.0).astype(int) if a.shape[1] > 1 else (a[:, 0] > 0.0).astype(int)
        raise ValueError(f"a {self.output} output does not make class decisions")

    def error(self, X, T) -> float:
        """Data error summed over points, no regulariser (design.md, Public API)."""
        X = self.check_inputs(X)
        T = self.head.prepare_targets(T, X.shape[0])
        return self.head.error(self.forward_pass(X).out, T)

    def gradient(self, X, T) -> tuple[float, Array]:
        """(E, dE/dw) by error backpropagation (PRML 5.3.1)."""
        X = self.check_inputs(X)
        T = self.head.prepare_targets(T, X.shape[0])
        g = np.empty_like(self._w)
        return self.error_gradient(X, T, g), g

    def error_gradient(self, X: Array, T: Array, out: Array) -> float:
        """Fast path for trainers: inputs and prepared targets, gradient into ``out``."""
        cache = self.forward_pass(X)
        E, delta = self.head.error_and_delta(cache.out, T)
        self.backpropagate(cache, delta, out)
        return E

    def backpropagate(self, cache: ForwardCache, delta: Array, out: Array) -> Array:
        """Back-propagate output deltas dE/da (N, P) and write dE/dw into ``out``.

        delta_j = h'(a_j) sum_k w_kj delta_k (5.56); dE/dw_ji = delta_j z_i (5.53).
        """
        if self._grad_views[0] is not out:  # training reuses one buffer: unpack it once
            self._grad_views = (out, self.unpack(out))
        gW, gb = self._grad_views[1]
        ones = self._ones(delta.shape[0])
        for layer in range(self.n_layers - 1, -1, -1):
            np.matmul(cache.z[layer].T, delta, out=gW[layer])
            np.matmul(ones, delta, out=gb[layer])  # column sums; much cheaper than sum(axis=0)
            if layer:
                act = self.activations[layer - 1]
                delta = delta @ self.weights[layer].T
                if cache.masks is None:
                    delta *= act.dh(cache.a[layer - 1], cache.z[layer])
                else:  # d(h(a) m)/da = h'(a) m, with h' from the unmasked outputs
                    delta *= act.dh(cache.a[layer - 1], cache.units[layer - 1])
                    delta *= cache.masks[layer - 1]
        return out

    def _ones(self, n: int) -> Array:
        if self._ones_cache.size != n:
            self._ones_cache = np.ones(n)
        return self._ones_cache

    def jacobian(self, X) -> Array:
        """Input Jacobian dy_k/dx_i, shape (N, K, D), by backpropagation (PRML 5.73-5.78).

        For the mdn head, y is the flat output [pi (K) | mu (K L) | sigma (K)].
        """
        X = self.check_inputs(X)
        cache = self.forward_pass(X)
        B = self.head.output_jacobian(cache.out)  # dy/da_out, (N, P, P)
        for layer in range(self.n_layers - 1, -1, -1):
            B = B @ self.weights[layer].T
            if layer:
                act = self.activations[layer - 1]
                B *= act.dh(cache.a[layer - 1], cache.z[layer])[:, None, :]
        return B

    # ------------------------------------------------------------------ symmetries (PRML 5.1.1)
    def _check_hidden_unit(self, layer: int, unit: int) -> None:
        if not 0 <= layer < self.n_layers - 1:
            raise ValueError(f"hidden layer {layer} does not exist (the net has {self.n_layers - 1})")
        if not 0 <= unit < self.layer_sizes[layer + 1]:
            raise ValueError(f"hidden layer {layer} has no unit {unit}")

    def flip_sign(self, layer: int, unit: int) -> "MLP":
        """Negate all weights into and out of a hidden unit; y(x) is unchanged for odd h."""
        self._check_hidden_unit(layer, unit)
        if not self.activations[layer].odd:
            raise ValueError(
                f"{self.activations[layer].name} is not an odd function, so flipping the sign of a unit "
                "changes the network function; use tanh, sin or linear"
            )
        self.weights[layer][:, unit] *= -1.0
        self.biases[layer][unit] *= -1.0
        self.weights[layer + 1][unit, :] *= -1.0
        return self

    def swap_units(self, layer: int, i: int, j: int) -> "MLP":
        """Exchange two hidden units with all their weights; y(x) is unchanged."""
        self._check_hidden_unit(layer, i)
        self._check_hidden_unit(layer, j)
        W_in, b, W_out = self.weights[layer], self.biases[layer], self.weights[layer + 1]
        W_in[:, [i, j]] = W_in[:, [j, i]]
        b[[i, j]] = b[[j, i]]
        W_out[[i, j], :] = W_out[[j, i], :]
        return self

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict:
        return {
            "format": NETWORK_FORMAT,
            "version": NETWORK_FORMAT_VERSION,
            "sizes": list(self.sizes),
            "hidden": self.hidden_names,
            "output": self.output,
            "n_components": self.n_components,
            "init": self.init,
            **({"sigma_floor": self.sigma_floor} if self.output == "mdn" else {}),
            "weights": self._w.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "MLP":
        """Rebuild a network from ``to_dict`` output; raises ValueError on bad data."""
        if not isinstance(data, dict) or data.get("format") != NETWORK_FORMAT:
            raise ValueError(f"not an nn-playground network (expected \"format\": \"{NETWORK_FORMAT}\")")
        version = data.get("version")
        if version != NETWORK_FORMAT_VERSION:
            raise ValueError(f"unsupported network format version {version!r} (this build reads {NETWORK_FORMAT_VERSION})")
        for key in ("sizes", "hidden", "output", "weights"):
            if key not in data:
                raise ValueError(f"network file lacks the {key!r} entry")
        # A file from before the floor existed was trained with sigma = e^s: floor 0 reads it exactly.
        net = cls(data["sizes"], data["hidden"], data["output"], data.get("n_components"),
                  init=data.get("init", "xavier"), seed=0, sigma_floor=data.get("sigma_floor", 0.0))
        try:
            w = np.asarray(data["weights"], dtype=float)
        except (TypeError, ValueError):
            raise ValueError("network weights must be a list of numbers") from None
        if w.shape != net.w.shape:
            raise ValueError(f"network has {net.n_params} parameters but the file holds {w.size}")
        if not np.all(np.isfinite(w)):
            raise ValueError("network weights contain NaN or infinity")
        net.w[:] = w
        return net
