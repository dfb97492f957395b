"""What the Hessian lab shows, computed in one call: spectrum, matrix, approximations, error surface.

:func:`compute_report` is what the GUI's training worker calls every few steps; the
dock only draws the :class:`HessianReport` it returns. Everything is about the same
function as :mod:`playground.core.hessian`: the data error **summed over points**
(E, not E/N, as in PRML and Netlab), plus the regulariser Omega when one is given.

Two paths, chosen by the number of weights W:

- **dense** (W <= ``dense_limit``): the W x W matrix is formed (exact Hessian by
  extended back-propagation, PRML 5.4.5, or the outer-product approximation,
  5.84-5.85) and all its eigenvalues computed. The approximations (diagonal,
  5.79-5.81; outer product; finite differences, 5.91) can be compared with it.
- **sparse** (W > ``dense_limit``): no matrix. ARPACK on the R-operator's
  Hessian-vector products (PRML 5.4.6) finds ``n_extreme`` eigenvalues at each end
  of the spectrum, Hutchinson's estimator the trace and stochastic Lanczos
  quadrature the spectral density. The summary is then partly an estimate (see
  :attr:`HessianReport.estimated` and :attr:`HessianReport.lower_bounds`).

The error surface is a 2-D slice of weight space through the current weights w:
E(w + alpha d1 + beta d2) on a grid, next to the local quadratic model of PRML
(5.28), E(w) + g^T d + 1/2 d^T H d with d = alpha d1 + beta d2, which is what the
Hessian "knows" about the surface. d1 and d2 have unit length, so alpha and beta
are distances in weight space, and both axes span the same +- span: the picture
keeps the true geometry (an ill-conditioned H shows as a long narrow valley).
The span is ``surface_span`` when given; by default it is chosen from the
curvature: the distance at which the quadratic model along the more strongly
curved of the two directions has risen by |E(w)|, i.e. span = sqrt(2 |E| / |c|)
with c = d^T H d. Near a minimum the error then about doubles at the edge along
that direction, whatever the scale of the data or the stage of training.

Long reports can be followed and cancelled: ``progress(done, total)`` is called after
every piece of work (a block of data rows inside every Hessian-vector product, error
evaluation and dense block; ``total`` is an estimate that may grow), and returning
False cancels (the convention of ``fit(callback=...)``). Every such piece is kept to
about a tenth of a second, so a cancel is answered quickly even for 8 x 256 units on
100,000 points: the sums over points (E, g, H v, H) are summed over row blocks.

Pure numpy/scipy; no Qt.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, LinearOperator, eigsh

from . import hessian
from .hessian import SpectrumSummary
from .regularizers import Regularization

Array = np.ndarray

__all__ = [
    "COMPARISON_NAMES",
    "ErrorSurface",
    "HessianReport",
    "HessianRequest",
    "MATRICES",
    "SURFACE_DIRECTIONS",
    "ZERO_TOLERANCE",
    "compute_report",
    "parameter_blocks",
    "parameter_name",
    "relative_error",
]

MATRICES = ("exact", "outer_product")
SURFACE_DIRECTIONS = ("top2", "extremes", "random")
COMPARISON_NAMES = ("diagonal", "diagonal (drop off-diag)", "outer product", "finite differences")
# Eigenvalues with |lambda| <= ZERO_TOLERANCE max |lambda| count as zero (hessian.summarize's rule);
# the view colours "negative" eigenvalues by the same rule so that its dots match the count.
ZERO_TOLERANCE = 1e-10

# Sparse path: probes and Lanczos steps of the density, samples of the trace estimate.
# A few hundred Hessian-vector products in all, i.e. some hundreds of gradient evaluations.
_DENSITY_PROBES = 10
_DENSITY_STEPS = 30
_TRACE_SAMPLES = 100

# Row blocks: a Hessian-vector product costs ~1.4e-9 s per point and weight here, a dense block
# ~5e-11 s per point and W^2 entries; these budgets keep one block near 0.05-0.1 s.
_HVP_BLOCK_COST = 3.5e7  # points x weights per block of an hvp, an error or a gradient
_DENSE_BLOCK_COST = 2e9  # points x weights^2 per block of a dense matrix or finite differences
CANCELLED_REASON = "The Hessian report was cancelled."


# ---------------------------------------------------------------------------- request
@dataclass(frozen=True)
class HessianRequest:
    """What :func:`compute_report` computes.

    matrix              "exact" (PRML 5.4.5) or "outer_product" (Gauss-Newton, 5.84-5.85):
                        the matrix whose spectrum, heat map and quadratic model are shown.
    compare             also compute the approximations (both diagonal variants, outer
                        product, finite differences) and their errors against the exact H
                        (dense path only).
    surface             also compute the error surface along two directions.
    surface_directions  "top2": eigenvectors of the two largest eigenvalues (the two stiffest
                        directions: an elliptic bowl near a minimum); "extremes": of the
                        largest and the smallest eigenvalue (the stiffest direction and the
                        flattest or most negatively curved one: a saddle shows at once);
                        "random": two random orthonormal directions (``seed``).
    surface_span        the grid covers alpha, beta in [-span, span], weight-space units;
                        None chooses it from the curvature (module docstring).
    surface_resolution  grid points along each axis (odd keeps the current weights on the grid).
    dense_limit         above this many weights no W x W matrix is formed (sparse path).
    n_extreme           sparse path: eigenvalues computed at each end of the spectrum.
    seed                random directions, ARPACK start vector, Hutchinson and Lanczos probes.
    """

    matrix: str = "exact"
    compare: bool = False
    surface: bool = False
    surface_directions: str = "top2"
    surface_span: float | None = None
    surface_resolution: int = 31
    dense_limit: int = 1500
    n_extreme: int = 6
    seed: int = 0

    def __post_init__(self):
        if self.matrix not in MATRICES:
            raise ValueError(f"unknown matrix {self.matrix!r}; choose one of: {', '.join(MATRICES)}")
        if self.surface_directions not in SURFACE_DIRECTIONS:
            raise ValueError(f"unknown surface directions {self.surface_directions!r}; "
                             f"choose one of: {', '.join(SURFACE_DIRECTIONS)}")
        if self.surface_span is not None:
            span = float(self.surface_span)
            if not (math.isfinite(span) and span > 0):
                raise ValueError(f"surface_span must be a positive number or None, got {self.surface_span!r}")
        if int(self.surface_resolution) < 3:
            raise ValueError(f"surface_resolution must be at least 3, got {self.surface_resolution!r}")
        if int(self.dense_limit) < 1:
            raise ValueError(f"dense_limit must be at least 1, got {self.dense_limit!r}")
        if int(self.n_extreme) < 2:  # "top2" needs two eigenvectors at the top end
            raise ValueError(f"n_extreme must be at least 2, got {self.n_extreme!r}")


# ---------------------------------------------------------------------------- report
@dataclass(frozen=True, eq=False)
class ErrorSurface:
    """E along a plane through the current weights: w + alpha d1 + beta d2.

    ``error[i, j]`` and ``quadratic[i, j]`` are at alpha = ``alphas[j]``, beta =
    ``betas[i]`` (rows are beta: the convention of images and of
    ``playground.gui.contours``). ``quadratic`` is PRML (5.28) with the report's
    matrix. ``curvatures`` are d^T H d for the two unit directions (the eigenvalues
    when they are eigenvectors), ``slopes`` the directional derivatives g^T d.
    """

    alphas: Array
    betas: Array
    error: Array
    quadratic: Array
    directions: Array  # (2, W), unit rows
    span: float
    labels: tuple[str, str]
    curvatures: tuple[float, float]
    slopes: tuple[float, float]
    error_at_zero: float


@dataclass(frozen=True, eq=False)
class HessianReport:
    """Everything the Hessian dock draws, for one set of weights (see :func:`compute_report`).

    kind            "dense", "sparse", or "none" when nothing could be computed (``reason`` says why).
    matrix_name     "exact" or "outer_product": what ``eigenvalues`` and ``matrix`` are of.
    eigenvalues     ascending; all W of them (dense) or the extreme ones (sparse).
    summary         counts, trace, condition number, extremes; None for kind "none".
    estimated       True on the sparse path: the trace is Hutchinson's estimate (``trace_stderr``
                    its standard error) and ``summary.n_zero``/``n_positive`` are only what the
                    extreme eigenvalues show.
    lower_bounds    names of summary fields that are only lower bounds (sparse path):
                    "n_negative" when every computed low eigenvalue is negative,
                    "condition_number" when H is indefinite (the smallest |lambda| is
                    inside the spectrum, out of reach of the extreme eigenvalues).
    matrix          (W, W) or None (sparse path).
    blocks          (start, stop, label) for every layer's weights and biases: "W1", "b1", "W2", ...
    density         (grid, density) of the eigenvalues (sparse path), else None.
    comparison      name -> (relative Frobenius error ||A - H|| / ||H||, A as a (W, W) matrix),
                    names from COMPARISON_NAMES; None when not requested or not possible.
    diagonal_errors name -> relative error of diag(A) against diag(H) (same keys).
    reference       the exact Hessian the comparison is against (the same array as ``matrix``
                    when that is the exact one), or None.
    surface         an :class:`ErrorSurface`, or None.
    seconds         wall time of the whole computation.
    message         what was skipped or estimated, and why ("" when nothing was).
    request         the :class:`HessianRequest` this report answers.
    regularized     True when an active regulariser's Omega is included.
    cancelled       True when ``progress`` returned False before the report was complete.
    """

    epoch: int
    n_weights: int
    n_points: int
    kind: str
    matrix_name: str
    eigenvalues: Array
    summary: SpectrumSummary | None
    layer_sizes: tuple[int, ...]
    blocks: tuple[tuple[int, int, str], ...]
    estimated: bool = False
    lower_bounds: tuple[str, ...] = ()
    trace_stderr: float = math.nan
    matrix: Array | None = None
    density: tuple[Array, Array] | None = None
    comparison: dict | None = None
    diagonal_errors: dict | None = None
    reference: Array | None = None
    surface: ErrorSurface | None = None
    seconds: float = 0.0
    message: str = ""
    request: HessianRequest | None = None
    regularized: bool = False
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """True when there is a spectrum to show."""
        return self.kind != "none"

    @property
    def reason(self) -> str:
        """Why there is nothing to show ("" when there is a spectrum)."""
        return "" if self.ok else (self.message or "No Hessian for these weights.")

    @classmethod
    def empty(cls, reason: str, *, epoch: int = 0, layer_sizes=(), n_points: int = 0,
              request: HessianRequest | None = None, cancelled: bool = False, seconds: float = 0.0):
        """A report with nothing to show and the reason why (kind "none")."""
        sizes = tuple(int(s) for s in layer_sizes)
        blocks = parameter_blocks(sizes) if len(sizes) > 1 else ()
        return cls(epoch=int(epoch), n_weights=blocks[-1][1] if blocks else 0, n_points=int(n_points),
                   kind="none", matrix_name=request.matrix if request is not None else "exact",
                   eigenvalues=np.zeros(0), summary=None, layer_sizes=sizes, blocks=blocks,
                   seconds=seconds, message=reason, request=request, cancelled=cancelled)

    def negative_mask(self) -> Array:
        """Which ``eigenvalues`` count as negative (|lambda| above ZERO_TOLERANCE max |lambda|)."""
        v = self.eigenvalues
        if v.size == 0:
            return np.zeros(0, dtype=bool)
        return v < -ZERO_TOLERANCE * float(np.abs(v).max())


# ---------------------------------------------------------------------------- naming
def parameter_blocks(layer_sizes) -> tuple[tuple[int, int, str], ...]:
    """(start, stop, label) of every weight matrix ("W1", ...) and bias vector ("b1", ...) in ``w``.

    Layer k's weights (fan_in x fan_out, C order) come first, then its biases
    (the MLP's layout). For one hidden layer, PRML's three Hessian blocks
    (5.93-5.95) are W1+b1 x W1+b1, W2+b2 x W2+b2 and the cross block.
    """
    sizes = [int(s) for s in layer_sizes]
    blocks, start = [], 0
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        blocks.append((start, start + fan_in * fan_out, f"W{k}"))
        start += fan_in * fan_out
        blocks.append((start, start + fan_out, f"b{k}"))
        start += fan_out
    return tuple(blocks)


def parameter_name(layer_sizes, index: int) -> str:
    """The weight at flat position ``index``: "W1[0,3]" (input 0 -> unit 3 of layer 1) or "b2[1]"."""
    sizes = [int(s) for s in layer_sizes]
    index = int(index)
    blocks = parameter_blocks(sizes)
    for start, stop, label in blocks:
        if start <= index < stop:
            offset = index - start
            if label[0] == "b":
                return f"{label}[{offset}]"
            fan_out = sizes[int(label[1:])]
            return f"{label}[{offset // fan_out},{offset % fan_out}]"
    n_weights = blocks[-1][1] if blocks else 0
    raise IndexError(f"weight {index} does not exist (the network has {n_weights} weights)")


def relative_error(approximation, reference) -> float:
    """||A - B|| / ||B|| (Frobenius); the absolute error when B is zero."""
    a = np.asarray(approximation, dtype=float)
    b = np.asarray(reference, dtype=float)
    scale = float(np.linalg.norm(b))
    diff = float(np.linalg.norm(a - b))
    return diff / scale if scale > 0 else diff


# ---------------------------------------------------------------------------- computation
class _Cancelled(Exception):
    """``progress`` returned False."""


class _Progress:
    """Counts pieces of work and asks ``callback(done, total)`` after each; False cancels."""

    def __init__(self, callback, total: int = 1):
        self.callback = callback
        self.done = 0
        self.total = max(1, int(total))

    def expect(self, pieces: int) -> None:
        """More work is coming than first thought: grow the total."""
        self.total += max(0, int(pieces))

    def step(self, pieces: int = 1) -> None:
        self.done += pieces
        self.total = max(self.total, self.done)
        if self.callback is not None and self.callback(self.done, self.total) is False:
            raise _Cancelled


class _Blocks:
    """The training data in row blocks, and sums over them (every quantity here is a sum over points).

    The regulariser's part is added once, with the first block, so that a sum over blocks
    equals the function of :mod:`playground.core.hessian` on all the data.
    """

    def __init__(self, net, X, T, reg, progress: _Progress):
        self.net, self.X, self.T, self.reg, self.progress = net, X, T, reg, progress
        W = max(1, net.n_params)
        self.vector_rows = self._slices(_HVP_BLOCK_COST / W)
        self.matrix_rows = self._slices(_DENSE_BLOCK_COST / (W * W))

    def _slices(self, rows: float) -> list[slice]:
        n = self.X.shape[0]
        step = max(1, min(n, int(rows)))
        return [slice(start, min(n, start + step)) for start in range(0, n, step)] or [slice(0, 0)]

    def summed(self, fn, rows: list[slice]):
        """sum over blocks of fn(X_b, T_b, reg) with the regulariser in the first block only."""
        total = None
        for k, block in enumerate(rows):
            part = fn(self.X[block], self.T[block], self.reg if k == 0 else None)
            if total is None:
                total = part
            else:
                total += part  # in place for arrays: no second W x W matrix per block
            self.progress.step()
        return total

    def hvp(self, v: Array) -> Array:
        return self.summed(lambda X, T, reg: hessian.hvp(self.net, X, T, v, regularization=reg), self.vector_rows)

    def matrix(self, build, **options) -> Array:
        return self.summed(lambda X, T, reg: build(self.net, X, T, regularization=reg, **options), self.matrix_rows)


class _Objective:
    """E(w) + Omega(w) and its gradient for a working copy of the network, summed over row blocks."""

    def __init__(self, blocks: _Blocks):
        self.blocks = blocks
        self.net = blocks.net
        self.reg = blocks.reg if blocks.reg is not None and blocks.reg.active else None

    def value(self, w: Array) -> float:
        self.net.w[:] = w
        E = self.blocks.summed(lambda X, T, reg: self.net.error(X, T), self.blocks.vector_rows)
        if self.reg is not None:
            E += self.reg.value(w)
        return E

    def gradient(self, w: Array) -> tuple[float, Array]:
        self.net.w[:] = w
        E, g = 0.0, np.zeros_like(w)
        for block in self.blocks.vector_rows:
            E_block, g_block = self.net.gradient(self.blocks.X[block], self.blocks.T[block])
            E, g = E + E_block, g + g_block
            self.blocks.progress.step()
        if self.reg is not None:
            E += self.reg.value(w)
            self.reg.add_gradient(w, g)
        return float(E), g


def _bind(net, regularization):
    if isinstance(regularization, Regularization):
        return regularization.bind(net)
    return regularization


def _empty_report(net, n_points, epoch, request, message, start, cancelled=False) -> HessianReport:
    return HessianReport.empty(message, epoch=epoch, layer_sizes=net.layer_sizes, n_points=n_points,
                               request=request, cancelled=cancelled, seconds=time.perf_counter() - start)


def _expected_pieces(request: HessianRequest, blocks: _Blocks, n_weights: int) -> int:
    """A first guess of the pieces of work (the total shown with the progress)."""
    per_hvp = len(blocks.vector_rows)
    per_matrix = len(blocks.matrix_rows)
    if n_weights <= int(request.dense_limit):
        pieces = per_matrix * (4 if request.compare else 1) + (per_hvp * 2 if request.compare else 0)
    else:
        arpack = 2 * max(20, 4 * int(request.n_extreme))  # two eigsh runs, a few restarts each
        pieces = per_hvp * (arpack + _TRACE_SAMPLES + _DENSITY_PROBES * _DENSITY_STEPS)
    if request.surface:
        pieces += per_hvp * (3 + int(request.surface_resolution) ** 2)
    return pieces


def compute_report(net, X, T, request: HessianRequest = HessianRequest(), regularization=None,
                   epoch: int = 0, progress=None) -> HessianReport:
    """Compute what ``request`` asks for about the Hessian of E (+ Omega) at ``net``'s weights.

    ``X``, ``T``: the training data (raw targets, as ``net.error`` takes them); the
    error is **summed over points**. ``regularization``: None, a ``Regularization``
    or the trainer's ``BoundRegularizer`` (L2 adds its lambda_i to the diagonal).
    ``epoch`` is only recorded. ``net`` is never modified: all work, including the
    perturbed weights of the error surface, happens on a copy.

    ``progress(done, total) -> bool | None`` is called after every piece of work
    (module docstring); False cancels, and the report then has kind "none",
    ``cancelled`` True and a reason that says so.

    Never raises for numerical trouble or size: non-finite weights, a non-finite
    Hessian, an eigen-solver that does not converge, or a matrix too large for memory
    (the ValueError of :mod:`playground.core.hessian`'s memory check, or a MemoryError)
    give a report of kind "none" (or with the failed part left out) whose ``reason``
    says why in a plain sentence.
    """
    start = time.perf_counter()
    if not isinstance(request, HessianRequest):
        raise TypeError(f"request must be a HessianRequest, got {type(request).__name__}")
    X = net.check_inputs(X)
    T = net.head.prepare_targets(T, X.shape[0])
    n_points = X.shape[0]
    if not np.all(np.isfinite(net.w)):
        return _empty_report(net, n_points, epoch, request,
                             "The weights are not finite (training diverged): no Hessian.", start)
    work = net.copy()
    reg = _bind(work, regularization)
    counter = _Progress(progress)
    blocks = _Blocks(work, X, T, reg, counter)
    counter.expect(_expected_pieces(request, blocks, work.n_params))
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                if work.n_params <= int(request.dense_limit):
                    parts = _dense(blocks, request)
                else:
                    parts = _sparse(blocks, request)
            except _NoSpectrum as failure:
                return _empty_report(net, n_points, epoch, request, str(failure), start)
            messages = [parts.pop("message")] if parts.get("message") else []
            if request.surface:
                try:
                    parts["surface"] = _surface(blocks, request, parts.pop("pairs"))
                except _NoSpectrum as failure:
                    messages.append(str(failure))
            parts.pop("pairs", None)
    except _Cancelled:
        return _empty_report(net, n_points, epoch, request, CANCELLED_REASON, start, cancelled=True)
    except (ValueError, MemoryError) as failure:  # the W x W memory check, or memory that ran out
        return _empty_report(net, n_points, epoch, request, _size_reason(failure, work.n_params), start)
    return HessianReport(
        epoch=int(epoch), n_weights=net.n_params, n_points=n_points,
        layer_sizes=tuple(net.layer_sizes), blocks=parameter_blocks(net.layer_sizes),
        regularized=reg is not None and reg.active, seconds=time.perf_counter() - start,
        message=" ".join(messages), request=request, **parts,
    )


class _NoSpectrum(Exception):
    """A numerical failure that the report states instead of raising."""


def _size_reason(failure: Exception, n_weights: int) -> str:
    """The plain sentence of a memory refusal (hessian's check says it), or one of our own."""
    if isinstance(failure, ValueError) and str(failure):
        return str(failure)
    gb = 8.0 * n_weights * n_weights / 2**30
    return (f"Not enough memory for the {n_weights:,} x {n_weights:,} Hessian ({gb:.1f} GB): use fewer "
            "units, or lower the dense limit so that the spectrum is estimated without the matrix.")


_OVERFLOW = "The Hessian has non-finite entries (the error overflows here): no spectrum."


def _hessian_vector(blocks: _Blocks):
    """v -> H v by the R-operator (PRML 5.4.6), without forming H, summed over row blocks.

    A non-finite product stops the eigen-solver at once (scipy drives ARPACK from
    Python, so the exception passes through it) instead of feeding it NaNs; so does
    a cancel.
    """
    def matvec(v):
        Hv = blocks.hvp(np.ascontiguousarray(v, dtype=float))
        if not np.all(np.isfinite(Hv)):
            raise _NoSpectrum(_OVERFLOW)
        return Hv

    return matvec


def _dense(blocks: _Blocks, request) -> dict:
    build = hessian.exact if request.matrix == "exact" else hessian.outer_product
    H = blocks.matrix(build)
    if not np.all(np.isfinite(H)):
        raise _NoSpectrum(_OVERFLOW)
    try:
        if request.surface:
            values, vectors = hessian.eigenpairs(H)
        else:
            values, vectors = hessian.spectrum(H), None
    except np.linalg.LinAlgError as error:
        raise _NoSpectrum(f"The eigenvalue solver failed: {error}") from None
    parts = dict(kind="dense", matrix_name=request.matrix, eigenvalues=values,
                 summary=hessian.summarize(values, tol=ZERO_TOLERANCE), matrix=H,
                 pairs=_Pairs(values, vectors, values.size, values.size, lambda v: H @ v))
    if request.compare:
        parts.update(_comparison(blocks, request.matrix, H))
    return parts


def _comparison(blocks: _Blocks, matrix_name, H) -> dict:
    """The approximations of PRML 5.4.1-5.4.4 against the exact H (the reference)."""
    exact = H if matrix_name == "exact" else blocks.matrix(hessian.exact)
    rows = blocks.vector_rows
    approximations = {
        "diagonal": np.diag(blocks.summed(lambda X, T, reg: hessian.diagonal(
            blocks.net, X, T, variant="full", regularization=reg), rows)),
        "diagonal (drop off-diag)": np.diag(blocks.summed(lambda X, T, reg: hessian.diagonal(
            blocks.net, X, T, variant="drop_offdiag", regularization=reg), rows)),
        "outer product": H if matrix_name == "outer_product" else blocks.matrix(hessian.outer_product),
        "finite differences": blocks.matrix(hessian.finite_difference, method="gradients"),
    }
    exact_diagonal = np.diag(exact)
    return dict(
        reference=exact,
        comparison={name: (relative_error(A, exact), A) for name, A in approximations.items()},
        diagonal_errors={name: relative_error(np.diag(A), exact_diagonal) for name, A in approximations.items()},
    )


def _sparse(blocks: _Blocks, request) -> dict:
    W = blocks.net.n_params
    notes = [f"Estimated without forming the matrix ({W:,} weights > {int(request.dense_limit):,})."]
    if request.matrix == "outer_product":
        notes.append("The outer product is only formed densely: these are the exact Hessian's.")
    if request.compare:
        notes.append("Comparing needs the dense matrix.")
    n = int(request.n_extreme)
    matvec = _hessian_vector(blocks)
    if 2 * n >= W - 1:  # ARPACK needs k < W - 1; such a matrix is small anyway
        H = blocks.matrix(hessian.exact)
        if not np.all(np.isfinite(H)):
            raise _NoSpectrum(_OVERFLOW)
        values, vectors = hessian.eigenpairs(H)
        bottom = (values[:n], vectors[:, :n])
        top = (values[W - n:], vectors[:, W - n:])
    else:
        bottom, top = _extreme_eigenpairs(matvec, W, n, request.seed, notes)
    values = np.concatenate([bottom[0], top[0]])
    vectors = np.concatenate([bottom[1], top[1]], axis=1)
    if values.size == 0:
        raise _NoSpectrum("The eigenvalue solver did not converge for any eigenvalue.")
    if not np.all(np.isfinite(values)):
        raise _NoSpectrum(_OVERFLOW)
    trace, stderr = _trace_estimate(matvec, W, request.seed)
    density = _density_estimate(matvec, W, request.seed)

    scale = float(np.abs(values).max())
    zero = np.abs(values) <= ZERO_TOLERANCE * scale
    n_low = bottom[0].size
    n_negative = int(np.sum((values < 0) & ~zero))
    n_zero = int(np.sum(zero))
    lower_bounds = []
    if n_low and np.all((values[:n_low] < 0) & ~zero[:n_low]):
        lower_bounds.append("n_negative")  # there may be more negative ones further in
    if values.min() < 0 < values.max():
        lower_bounds.append("condition_number")  # min |lambda| lies inside the spectrum
    summary = SpectrumSummary(
        n=W, n_negative=n_negative, n_zero=n_zero, n_positive=W - n_negative - n_zero,
        trace=float(trace), condition_number=hessian.condition_number(values),
        min=float(values.min()), max=float(values.max()),
    )
    pairs = _Pairs(values, vectors, n_low, top[0].size, matvec)
    return dict(kind="sparse", matrix_name="exact", eigenvalues=values, summary=summary, estimated=True,
                lower_bounds=tuple(lower_bounds), trace_stderr=float(stderr), density=density,
                pairs=pairs, message=" ".join(notes))


def _rademacher(rng, n: int) -> Array:
    return rng.integers(0, 2, n) * 2.0 - 1.0


def _trace_estimate(matvec, n_weights: int, seed: int) -> tuple[float, float]:
    """Hutchinson's tr H = E[v^T H v] (hessian.trace_hutchinson's rule) on the blocked product."""
    rng = np.random.default_rng(seed)
    samples = np.array([v @ matvec(v) for v in (_rademacher(rng, n_weights) for _ in range(_TRACE_SAMPLES))])
    return float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(samples.size))


def _density_estimate(matvec, n_weights: int, seed: int) -> tuple[Array, Array]:
    """Stochastic Lanczos quadrature (hessian.spectral_density's rule) on the blocked product:
    nodes and weights of every probe, each node smoothed by a normal of width span / 100."""
    rng = np.random.default_rng(seed)
    probes = [hessian._lanczos(matvec, _rademacher(rng, n_weights), _DENSITY_STEPS) for _ in range(_DENSITY_PROBES)]
    nodes = np.concatenate([theta for theta, _ in probes])
    weights = np.concatenate([tau for _, tau in probes]) / _DENSITY_PROBES
    lo, hi = float(nodes.min()), float(nodes.max())
    width = hi - lo if hi - lo > 1e-12 * max(abs(lo), abs(hi)) else max(abs(lo), abs(hi), 1e-3)
    sigma = width / 100.0
    grid = np.linspace(lo - 6.0 * sigma, hi + 6.0 * sigma, 1001)
    u = (grid[:, None] - nodes[None, :]) / sigma
    density = np.exp(-0.5 * u * u) @ weights / (sigma * math.sqrt(2.0 * math.pi))
    return grid, density


# ARPACK on the Hessian-vector product: the tolerance is relative to |eigenvalue| (of the shifted
# operator for the low end, see below), and the restarts are capped so that a badly separated
# cluster costs at most a few thousand products; what has converged by then is used.
_ARPACK_TOL = 1e-6
_ARPACK_MAXITER = 100


def _arpack(matvec, n_weights, k, shift, seed):
    """The k largest-magnitude eigenpairs of H - shift I (ascending in H's eigenvalues); partial on failure."""
    op = LinearOperator((n_weights, n_weights), matvec=lambda v: matvec(np.ravel(v)) - shift * np.ravel(v),
                        dtype=float)
    v0 = np.random.default_rng(seed).standard_normal(n_weights)
    which = "LA" if shift == 0.0 else "LM"
    try:
        values, vectors = eigsh(op, k=k, which=which, v0=v0, tol=_ARPACK_TOL, maxiter=_ARPACK_MAXITER)
        complete = True
    except ArpackNoConvergence as failure:
        values, vectors, complete = failure.eigenvalues, failure.eigenvectors, False
    values = np.asarray(values, dtype=float) + shift
    order = np.argsort(values)
    return values[order], _sign_fix(np.asarray(vectors, dtype=float).reshape(n_weights, -1)[:, order]), complete


def _extreme_eigenpairs(matvec, n_weights, n, seed, notes):
    """n eigenpairs at each end of the spectrum: (bottom, top), each (values ascending, vectors).

    The top end directly ("LA"). The bottom end as the largest-magnitude eigenvalues of
    H - lambda_max I, all <= 0: ARPACK's relative tolerance then refers to the scale of
    the spectrum instead of to eigenvalues near zero, which it could never meet.
    """
    try:
        top_values, top_vectors, top_ok = _arpack(matvec, n_weights, n, 0.0, seed)
        shift = float(top_values.max()) if top_values.size else 1.0
        low_values, low_vectors, low_ok = _arpack(matvec, n_weights, n, shift, seed + 1)
    except ArpackError as error:
        raise _NoSpectrum(f"The eigenvalue solver failed: {error}") from None
    for ok, values, end in ((low_ok, low_values, "lowest"), (top_ok, top_values, "highest")):
        if not ok:
            notes.append(f"{values.size} of the {n} {end} eigenvalues converged.")
    return (low_values, low_vectors), (top_values, top_vectors)


def _sign_fix(vectors: Array) -> Array:
    """Deterministic signs: each eigenvector's largest-magnitude entry is positive."""
    if vectors.size == 0:
        return vectors
    idx = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[idx, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return vectors * signs


@dataclass
class _Pairs:
    """Eigenpairs for the surface: ``values`` ascending, the first ``n_low`` from the low end
    and the last ``n_top`` from the top end (both all of them on the dense path), and
    v -> H v for the quadratic model."""

    values: Array
    vectors: Array | None
    n_low: int
    n_top: int
    matvec: object


def _directions(request, pairs: _Pairs, n_weights) -> tuple[Array, tuple[str, str]]:
    if request.surface_directions == "random":
        rng = np.random.default_rng(request.seed)
        q, _ = np.linalg.qr(rng.standard_normal((n_weights, 2)))  # orthonormal pair
        return q.T.copy(), ("random direction 1", "random direction 2")
    n_top = pairs.n_top
    if n_weights < 2 or pairs.vectors is None:
        raise _NoSpectrum("The error surface needs at least two weights.")
    V = pairs.vectors
    if request.surface_directions == "extremes":
        if pairs.n_low < 1 or n_top < 1:
            raise _NoSpectrum("No error surface: the extreme eigenvectors did not converge.")
        return np.stack([V[:, -1], V[:, 0]]), ("largest \u03bb", "smallest \u03bb")
    if n_top < 2:
        raise _NoSpectrum("No error surface: the two largest eigenvectors did not converge.")
    return np.stack([V[:, -1], V[:, -2]]), ("largest \u03bb", "2nd largest \u03bb")


def _surface(blocks: _Blocks, request, pairs) -> ErrorSurface:
    """E on the grid and the quadratic model of PRML (5.28) with the report's matrix."""
    matvec = pairs.matvec
    work = blocks.net
    w0 = work.w.copy()
    D, labels = _directions(request, pairs, w0.size)
    D /= np.linalg.norm(D, axis=1, keepdims=True)  # unit length: alpha, beta in weight-space units
    objective = _Objective(blocks)
    try:
        E0, g = objective.gradient(w0)
        HD = np.stack([matvec(D[0]), matvec(D[1])])
        c11, c12, c22 = float(D[0] @ HD[0]), float(D[0] @ HD[1]), float(D[1] @ HD[1])
        s1, s2 = float(g @ D[0]), float(g @ D[1])
        n = int(request.surface_resolution)
        span = _span(request.surface_span, E0, max(abs(c11), abs(c22)))
        grid = span * np.linspace(-1.0, 1.0, n)
        if n % 2:
            grid[n // 2] = 0.0  # exactly the current weights, whatever linspace's rounding
        a, b = np.meshgrid(grid, grid)  # a varies along columns (alpha), b along rows (beta)
        quadratic = E0 + a * s1 + b * s2 + 0.5 * (a * a * c11 + 2.0 * a * b * c12 + b * b * c22)
        error = np.empty((n, n))
        for i in range(n):
            for j in range(n):
                error[i, j] = objective.value(w0 + grid[j] * D[0] + grid[i] * D[1])
    finally:
        work.w[:] = w0
    return ErrorSurface(alphas=grid.copy(), betas=grid.copy(), error=error, quadratic=quadratic,
                        directions=D, span=span, labels=labels, curvatures=(c11, c22), slopes=(s1, s2),
                        error_at_zero=float(E0))


_AUTO_SPAN_RANGE = (1e-4, 100.0)  # weight-space units; keeps a flat or wild direction on a sane grid


def _span(requested, E0: float, curvature: float) -> float:
    """The requested span, or sqrt(2 |E| / |c|): where the quadratic model has risen by |E| (docstring)."""
    if requested is not None:
        return float(requested)
    rise = abs(E0) if abs(E0) > 0 and math.isfinite(E0) else 1.0
    if not (curvature > 0 and math.isfinite(curvature)):
        return 1.0
    return float(np.clip(math.sqrt(2.0 * rise / curvature), *_AUTO_SPAN_RANGE))
