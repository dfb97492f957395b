"""Deep-training diagnostics, per layer (the course lecture on initialisation and vanishing gradients).

For a network and some points (the training set, or a sample of it):

- the outputs z of every hidden layer: mean, standard deviation and a histogram. With
  Gaussian weights of a small scale the outputs of a deep tanh stack shrink towards 0 layer
  after layer; with a large scale they pile up at -1 and +1; Xavier's scale keeps them spread
  (Glorot & Bengio 2010);
- the fraction of saturated units: tanh with |z| > 0.99 or a sigmoid with z < 0.01 or
  z > 0.99 (h' < 0.02 there: the gradient through the unit nearly vanishes), counted over
  points x units;
- the fraction of dead ReLUs: units whose pre-activation is <= 0 on every point, so they
  pass no gradient to any weight into them and never recover;
- the norm |dE/dW_l| of the gradient of the per-point mean data error with respect to the
  weight matrix of each layer (biases excluded), output layer last. It falls from the output
  back towards the inputs when gradients vanish (PRML 5.3.1: delta_j = h'(a_j) sum_k w_kj delta_k).

Pure numpy; the GUI worker computes it up to ten times a second for the layers view, on at
most ``max_points_for(net)`` points so that a pass stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray

SATURATION_LEVELS = {"tanh": (-0.99, 0.99), "sigmoid": (0.01, 0.99)}  # z outside (lo, hi): saturated
HISTOGRAM_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}  # the range of h; others use the data's
DEAD_KINDS = ("relu",)
BINS = 40
DIAGNOSTICS_FLOPS = 3e7  # the work of one diagnostics pass (~3 ms): the worker runs up to ten a second
MAX_SAMPLE = 2000  # points per pass at most: histograms and shares are steady long before


@dataclass(frozen=True)
class LayerStats:
    """One hidden layer's outputs on the points (``index`` counts from 0)."""

    index: int
    activation: str
    units: int
    mean: float
    std: float
    counts: Array  # (BINS,) histogram of z over points x units
    edges: Array  # (BINS + 1,)
    saturated: float | None  # fraction of points x units saturated (tanh / sigmoid), else None
    dead: float | None  # fraction of units dead on every point (relu), else None


@dataclass(frozen=True)
class Diagnostics:
    layers: tuple[LayerStats, ...]  # hidden layers
    gradient_norms: Array  # (n_layers,) |dE/dW_l| of the per-point mean error, output layer last
    n_points: int


def max_points_for(net) -> int:
    """Points per diagnostics pass within DIAGNOSTICS_FLOPS (a forward and backward pass costs 6 W a point),
    from 16 to MAX_SAMPLE."""
    return min(MAX_SAMPLE, max(16, int(DIAGNOSTICS_FLOPS / (6.0 * net.n_params))))


def sample_rows(n: int, limit: int) -> Array | slice:
    """Evenly spread rows when there are more than ``limit`` (the same ones every frame)."""
    if n <= limit:
        return slice(None)
    return np.linspace(0, n - 1, limit).astype(int)


def layer_diagnostics(net, X: Array, T: Array | None = None, bins: int = BINS) -> Diagnostics:
    """Statistics of every hidden layer on X and, when targets T (prepared for the head) are
    given, the gradient norm of each layer's weight matrix."""
    X = net.check_inputs(X)
    cache = net.forward_pass(X)
    layers = []
    for index, act in enumerate(net.activations):
        z = cache.z[index + 1]
        name = act.name
        lo, hi = HISTOGRAM_RANGES.get(name, _finite_range(z))
        counts, edges = np.histogram(np.clip(z, lo, hi), bins=bins, range=(lo, hi))
        saturated = dead = None
        if name in SATURATION_LEVELS:
            s_lo, s_hi = SATURATION_LEVELS[name]
            saturated = float(np.mean((z < s_lo) | (z > s_hi))) if z.size else 0.0
        if name in DEAD_KINDS:
            dead = float(np.mean(np.all(cache.a[index] <= 0.0, axis=0))) if z.shape[0] else 0.0
        layers.append(LayerStats(index, name, z.shape[1], float(z.mean()) if z.size else 0.0,
                                 float(z.std()) if z.size else 0.0, counts, edges, saturated, dead))
    norms = np.full(net.n_layers, np.nan)
    if T is not None and X.shape[0]:
        _, delta = net.head.error_and_delta(cache.out, T)
        g = net.backpropagate(cache, delta / X.shape[0], np.empty_like(net.w))
        gW, _ = net.unpack(g)
        norms = np.array([np.linalg.norm(W) for W in gW])
    return Diagnostics(tuple(layers), norms, X.shape[0])


def _finite_range(z: Array) -> tuple[float, float]:
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


# ---------------------------------------------------------------------------------- the lecture's demo
DEMO_INITS = {"small": 0.01, "large": 1.0, "xavier": None}  # Gaussian standard deviations; None: Xavier


def deep_tanh_demo(init: str, layers: int = 10, units: int = 500, n_points: int = 1000, seed: int = 0):
    """The lecture's experiment: ``layers`` tanh layers of ``units`` units, unit-Gaussian inputs,
    Gaussian weights of standard deviation 0.01 ("small"), 1 ("large") or sqrt(1/fan_in)
    (Xavier's normal form, "xavier"), zero biases, one linear output fitted to random targets.
    Returns (net, Diagnostics): small collapses the outputs to 0 and the gradients vanish
    towards the inputs; large saturates every unit; Xavier keeps them spread."""
    from .mlp import MLP

    if init not in DEMO_INITS:
        raise ValueError(f"unknown demo init {init!r}; choose one of: {', '.join(DEMO_INITS)}")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_points, units))
    T = rng.normal(size=(n_points, 1))
    net = MLP([units] + [units] * layers + [1], hidden="tanh", seed=seed)
    scale = DEMO_INITS[init]
    for W, b in zip(net.weights, net.biases):
        W[:] = rng.normal(0.0, scale if scale is not None else np.sqrt(1.0 / W.shape[0]), W.shape)
        b[:] = 0.0
    return net, layer_diagnostics(net, X, T)


def format_table(diagnostics: Diagnostics) -> str:
    """One line per layer: output mean and spread, saturated / dead share, |dE/dW| (the CLI prints it)."""
    lines = [f"{'layer':>5}  {'activation':<10} {'units':>5}  {'mean z':>9}  {'std z':>9}  {'saturated':>9}  "
             f"{'dead':>6}  {'|dE/dW|':>9}"]
    norms = diagnostics.gradient_norms
    for s in diagnostics.layers:
        sat = "" if s.saturated is None else f"{100 * s.saturated:.0f}%"
        dead = "" if s.dead is None else f"{100 * s.dead:.0f}%"
        lines.append(f"{s.index + 1:>5}  {s.activation:<10} {s.units:>5}  {s.mean:>9.3g}  {s.std:>9.3g}  {sat:>9}  "
                     f"{dead:>6}  {norms[s.index]:>9.3g}")
    lines.append(f"{'out':>5}  {'':<10} {'':>5}  {'':>9}  {'':>9}  {'':>9}  {'':>6}  {norms[-1]:>9.3g}")
    return "\n".join(lines)
