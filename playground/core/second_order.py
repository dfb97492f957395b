"""Second-order and line-search optimisers (PRML 5.2.4 and 5.4; Netlab scg, quasinew).

Every optimiser here needs the whole training set (``full_batch_only``) and
evaluates the objective several times per step. One ``step`` is one iteration of
the method, which the trainer counts as one epoch. Each step moves the weights
only to a point where the objective E~ = E_D + Omega is no higher than where
it started, so the training error of an unregularised run never goes up. A step
that finds no lower point (at a minimum, to machine precision) leaves the weights
alone and says so in ``warning``; asked again from the same state it answers at
once instead of searching again.

- "scg"    scaled conjugate gradients (Moller 1993), as Netlab's scg.m.
- "cg"     nonlinear conjugate gradients (Polak-Ribiere+), strong-Wolfe line search.
- "bfgs"   quasi-Newton BFGS on the inverse Hessian (Netlab quasinew), line search.
- "lbfgs"  limited-memory BFGS (two-loop recursion), line search.
- "newton" damped Newton on the exact Hessian, Levenberg-Marquardt damping.
- "lm"     Levenberg-Marquardt: the same damping on the outer-product
           (Gauss-Newton) Hessian sum_n J_n^T M_n J_n (PRML 5.84-5.85).

The line-search methods (scg, cg, bfgs, lbfgs) ignore the learning rate: the
line search or SCG's step-size rule chooses the step length. For newton and lm
the learning rate is the fraction of the damped Newton step taken (1 = full step).

Optimisers that keep state (SCG's direction and scale, BFGS's inverse Hessian,
L-BFGS's memory, CG's direction) remember the point and the objective it belongs
to. If the weights were changed from outside or the objective changed (other
data, another regulariser) they start afresh, as after ``reset()``; a change of
the learning rate alone keeps the state.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve, eigvalsh

from .memory import require_dense
from .optimizers import Optimizer, register_optimizer

_EPS = float(np.finfo(float).eps)
_C1 = 1e-4  # sufficient-decrease (Armijo) constant of the line searches
_ERRSTATE = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


# The way out named when a method's W x W matrix would not fit (memory.require_dense).
_FIRST_ORDER_WAY_OUT = ("use fewer hidden units, or an optimiser without a W x W matrix "
                        "(L-BFGS, conjugate gradients, scaled conjugate gradients, Adam, gradient descent)")


# --------------------------------------------------------------------------------------------
# Shared pieces: the objective a state belongs to, and one line search
# --------------------------------------------------------------------------------------------


def _signature(objective) -> tuple:
    reg = objective.regularizer
    return (objective.net, objective.X, objective.T, float(objective.data_weight), float(objective.scale),
            None if reg is None else (np.array(reg.lam, dtype=float), float(reg.l1)))


def _same_objective(a, b) -> bool:
    if a is None or b is None:
        return False
    if any(p is not q for p, q in zip(a[:3], b[:3])) or a[3:5] != b[3:5]:
        return False
    ra, rb = a[5], b[5]
    if ra is None or rb is None:
        return ra is rb
    return ra[1] == rb[1] and np.array_equal(ra[0], rb[0])


class _Line:
    """phi(alpha) = E~(x + alpha d) and its slope d . grad E~, value and gradient together.

    Every point tried is kept, so the accepted point and its gradient need no
    second evaluation.
    """

    def __init__(self, objective, x: np.ndarray, d: np.ndarray):
        self.objective, self.x, self.d = objective, x, d
        self.tried: dict[float, tuple[float, np.ndarray, np.ndarray | None]] = {}

    def _point(self, alpha: float) -> np.ndarray:
        p = self.d * alpha
        p += self.x
        return p

    def __call__(self, alpha: float) -> tuple[float, float]:
        p = self._point(alpha)
        g = np.empty_like(p)
        f = float(self.objective.value_and_gradient(p, g))
        slope = float(np.dot(self.d, g))
        if not (math.isfinite(f) and math.isfinite(slope)):
            f, slope = math.inf, math.nan
        self.tried[alpha] = (f, p, g)
        return f, slope

    def value(self, alpha: float) -> float:
        p = self._point(alpha)
        f = float(self.objective.value(p))
        if not math.isfinite(f):
            f = math.inf
        self.tried[alpha] = (f, p, None)
        return f

    def result(self, alpha: float) -> tuple[float, np.ndarray, float, np.ndarray]:
        """(alpha, point, E~, gradient) of an accepted step."""
        f, p, g = self.tried[alpha]
        if g is None:
            g = np.empty_like(p)
            f = float(self.objective.value_and_gradient(p, g))
        return alpha, p, f, g


def _interpolate(lo, f_lo, s_lo, hi, f_hi, s_hi) -> float:
    """Trial step inside the bracket: the cubic (or quadratic) minimiser, kept
    at least a tenth of the bracket away from its ends, otherwise bisection."""
    left, right = min(lo, hi), max(lo, hi)
    margin = 0.1 * (right - left)
    h = hi - lo
    candidates = []
    if math.isfinite(f_hi) and math.isfinite(s_hi) and h != 0:
        d1 = s_lo + s_hi - 3.0 * (f_lo - f_hi) / (lo - hi)
        rad = d1 * d1 - s_lo * s_hi
        if math.isfinite(rad) and rad >= 0:
            d2 = math.copysign(math.sqrt(rad), h)
            denom = s_hi - s_lo + 2.0 * d2
            if denom != 0:
                candidates.append(hi - h * (s_hi + d2 - d1) / denom)
    if math.isfinite(f_hi) and h != 0:
        denom = 2.0 * (f_hi - f_lo - s_lo * h)
        if denom > 0:
            candidates.append(lo - s_lo * h * h / denom)
    for t in candidates:
        if math.isfinite(t) and left + margin <= t <= right - margin:
            return t
    return 0.5 * (lo + hi)


def _zoom(phi, f0, s0, lo, f_lo, s_lo, hi, f_hi, s_hi, c2, max_iter=30):
    """Nocedal & Wright, algorithm 3.6. ``lo`` always satisfies sufficient decrease."""
    for _ in range(max_iter):
        if hi == lo:
            break
        a = _interpolate(lo, f_lo, s_lo, hi, f_hi, s_hi)
        if a == lo or a == hi:
            break
        f, s = phi(a)
        if f > f0 + _C1 * a * s0 or f >= f_lo:
            hi, f_hi, s_hi = a, f, s
        else:
            if abs(s) <= -c2 * s0:
                return a
            if s * (hi - lo) >= 0:
                hi, f_hi, s_hi = lo, f_lo, s_lo
            lo, f_lo, s_lo = a, f, s
    return lo if lo > 0 else None  # a lower point without the curvature condition


def _wolfe(phi, f0, s0, alpha1, c2, max_iter=25):
    """Strong-Wolfe line search (Nocedal & Wright, algorithm 3.5): bracket by doubling, then zoom.
    Returns a step that at least lowers E~ sufficiently, or None."""
    a_prev, f_prev, s_prev = 0.0, f0, s0
    a = alpha1
    for i in range(max_iter):
        f, s = phi(a)
        if f > f0 + _C1 * a * s0 or (i > 0 and f >= f_prev):
            return _zoom(phi, f0, s0, a_prev, f_prev, s_prev, a, f, s, c2)
        if abs(s) <= -c2 * s0:
            return a
        if s >= 0:
            return _zoom(phi, f0, s0, a, f, s, a_prev, f_prev, s_prev, c2)
        a_prev, f_prev, s_prev = a, f, s
        a = 2.0 * a
    return a_prev if a_prev > 0 else None


def line_search(objective, x, f0, g0, d, alpha1, c2=0.9):
    """Step along descent direction ``d`` from ``x`` (E~ = f0, gradient g0).

    A strong-Wolfe search first; if it fails, backtracking (halving) from the
    smallest step tried, with the sufficient-decrease test. Returns
    (alpha, new point, E~ there, gradient there), or None if no point with lower
    E~ and different weights was found. The new point is never higher than ``x``.
    """
    s0 = float(np.dot(g0, d))
    if not s0 < 0:
        return None
    line = _Line(objective, x, d)
    alpha = _wolfe(line, f0, s0, alpha1, c2)
    if alpha is None:
        a = 0.5 * min(line.tried, default=2.0 * alpha1)
        for _ in range(40):
            if line.value(a) <= f0 + _C1 * a * s0:
                alpha = a
                break
            if np.array_equal(line.tried[a][1], x):
                break  # the trial steps no longer change the weights
            a *= 0.5
    if alpha is None:
        return None
    result = line.result(alpha)
    if not result[2] <= f0 or np.array_equal(result[1], x):  # never go up; a null step is no step
        return None
    return result


# --------------------------------------------------------------------------------------------
# Optimisers that carry state from one step to the next
# --------------------------------------------------------------------------------------------


class _Stateful(Optimizer):
    full_batch_only = True
    evaluates_once = False
    uses_learning_rate = False
    defaults: dict = {}

    def reset(self) -> None:
        self._sig = None
        self._xk = None  # the point the state belongs to, with E~ and its gradient there
        self._fk = math.nan
        self._gk = None
        self._stalled = ""  # the warning of a step that found no lower point from this state

    def _resume(self, w, objective) -> bool:
        """Continue from the stored state if it belongs to ``w`` and this objective;
        otherwise reset and evaluate E~ and its gradient at ``w``. True if resumed."""
        sig = _signature(objective)
        if self._xk is not None and _same_objective(sig, self._sig) and np.array_equal(w, self._xk):
            return True
        self.reset()
        self._sig = sig
        self._xk = np.array(w, dtype=float)
        self._gk = np.empty_like(self._xk)
        self._fk = float(objective.value_and_gradient(self._xk, self._gk))
        return False


@register_optimizer
class ScaledConjugateGradients(_Stateful):
    """Scaled conjugate gradients (Moller 1993) as Netlab's scg.m, with its safeguards.

    The curvature along the search direction d comes from a finite difference of
    gradients, theta = d . (g(w + sigma d) - g(w)) / sigma with sigma = 1e-4 / |d|
    (as Netlab; no Hessian-vector product). The scale beta (in [1e-15, 1e100])
    plays the role of a trust region: the step alpha = -mu / (theta + beta |d|^2)
    is accepted when the comparison ratio Delta = 2 (E_new - E_old) / (alpha mu)
    is >= 0, i.e. when E~ does not go up; beta is multiplied by 4 if Delta < 0.25
    and halved if Delta > 0.75. Directions follow Polak-Ribiere, restarting with
    -g after every W successful steps. The state (direction, beta, counters)
    carries over from step to step. The learning rate is ignored.

    Where a step differs from one Netlab cycle: a rejected trial is retried at
    once with the larger beta (up to 25 times), so that every epoch normally moves
    the weights; a non-finite trial error counts as Delta = -inf (beta grows); a
    trial step too small to change the weights ends the step with a warning.
    Netlab's stopping tests are left to the trainer, except its "gradient is
    zero" test (|d|^2 < eps), after which steps do nothing.
    """

    name = "scg"
    label = "Scaled conjugate gradients"
    sigma0 = 1e-4
    beta_min, beta_max = 1e-15, 1e100
    max_cycles = 25

    def reset(self):
        super().reset()
        self._beta = 1.0
        self._d = None
        self._success = True
        self._nsuccess = 0
        self._mu = self._kappa = self._theta = 0.0

    def step(self, w, objective, lr):
        with np.errstate(**_ERRSTATE):
            self._resume(w, objective)
            f_start = self._fk
            try:
                if not math.isfinite(f_start):
                    return f_start
                for _ in range(self.max_cycles):
                    if self._cycle(objective):
                        break
                else:
                    self.warning = (
                        f"Scaled conjugate gradients found no lower error in {self.max_cycles} tries, so the "
                        "weights were left unchanged this epoch (they may be at a minimum, to machine precision)."
                    )
            finally:
                w[:] = self._xk
        return f_start

    def _cycle(self, objective) -> bool:
        """One cycle of Netlab's scg loop; True if the weights moved or the gradient vanished."""
        x, f, g = self._xk, self._fk, self._gk
        if self._d is None:
            self._d = -g
        d = self._d
        if self._success:  # first and second directional derivatives
            mu = float(np.dot(d, g))
            if mu >= 0:
                d = self._d = -g
                mu = float(np.dot(d, g))
            kappa = float(np.dot(d, d))
            if kappa < _EPS:
                return True  # the gradient is zero: converged
            sigma = self.sigma0 / math.sqrt(kappa)
            g_plus = np.empty_like(x)
            objective.value_and_gradient(x + sigma * d, g_plus)
            self._mu, self._kappa = mu, kappa
            self._theta = float(np.dot(d, g_plus - g)) / sigma
        mu, kappa, theta = self._mu, self._kappa, self._theta
        # Increase the effective curvature and evaluate the step size alpha.
        delta = theta + self._beta * kappa
        if delta <= 0:
            delta = self._beta * kappa
            self._beta = self._beta - theta / kappa
        alpha = -mu / delta
        x_new = x + alpha * d
        if np.array_equal(x_new, x):
            self.warning = (
                "Scaled conjugate gradients found no lower error: its trial steps no longer change the weights, "
                "so they were left unchanged (they may be at a minimum, to machine precision)."
            )
            return True
        g_new = np.empty_like(x)
        f_new = float(objective.value_and_gradient(x_new, g_new))
        # Comparison ratio; Delta >= 0 exactly when E~ did not go up.
        if not math.isfinite(f_new):
            Delta = -math.inf
        elif alpha * mu != 0:
            Delta = 2.0 * (f_new - f) / (alpha * mu)
        else:  # a step too small to measure
            Delta = 0.0 if f_new <= f else -math.inf
        self._success = bool(Delta >= 0)
        if self._success:
            self._nsuccess += 1
            self._xk, self._fk, self._gk = x_new, f_new, g_new
        # Adjust beta according to the comparison ratio.
        if Delta < 0.25:
            self._beta = min(4.0 * self._beta, self.beta_max)
        if Delta > 0.75:
            self._beta = max(0.5 * self._beta, self.beta_min)
        # Polak-Ribiere direction, or restart along -g after W successes.
        if self._nsuccess == self.n_params:
            self._d = -self._gk
            self._nsuccess = 0
        elif self._success:
            gamma = float(np.dot(g - g_new, g_new)) / mu
            self._d = gamma * d - g_new
        return self._success


class _LineSearchMethod(_Stateful):
    """A search direction from the method, then ``line_search`` along it."""

    c2 = 0.9  # curvature constant of the strong Wolfe conditions

    def reset(self):
        super().reset()
        self._f_prev = None  # E~ before the last step, for the initial step length
        self._restart()

    def _restart(self) -> None:
        """Forget the curvature / direction memory (not the point)."""

    def _direction(self, g: np.ndarray) -> np.ndarray | None:
        """The search direction, or None for steepest descent (no memory yet)."""
        raise NotImplementedError

    def _initial_step(self, f: float, slope: float, d: np.ndarray) -> float:
        if self._f_prev is None:
            return min(1.0, 1.0 / max(float(np.linalg.norm(d)), _EPS))
        return 1.0

    def _trial_step(self, f, g, d) -> float:
        alpha = self._initial_step(f, float(np.dot(d, g)), d)
        if not (math.isfinite(alpha) and alpha > 0):
            alpha = min(1.0, 1.0 / max(float(np.linalg.norm(d)), _EPS))
        return alpha

    def _update(self, d, s, y, g_old, g_new) -> None:
        """Learn from the accepted step s = w_new - w along direction d, with gradient change y."""

    def step(self, w, objective, lr):
        """One iteration with a line search; ``lr`` is ignored (the line search picks the step)."""
        with np.errstate(**_ERRSTATE):
            resumed = self._resume(w, objective)
            x, f, g = self._xk, self._fk, self._gk
            try:
                if not math.isfinite(f) or not np.any(g):
                    return f
                if resumed and self._stalled:
                    # The search from this very state found nothing last time; it would again.
                    self.warning = self._stalled
                    return f
                d = self._direction(g)
                steepest = d is None or not float(np.dot(d, g)) < 0
                if steepest:
                    self._restart()
                    d = -g
                result = line_search(objective, x, f, g, d, self._trial_step(f, g, d), self.c2)
                if result is None and not steepest:
                    self._restart()
                    d = -g
                    result = line_search(objective, x, f, g, d, self._trial_step(f, g, d), self.c2)
                if result is None:
                    self.warning = self._stalled = (
                        f"{self.label}: no lower error was found, even along the steepest-descent direction, so "
                        "the weights were left unchanged (they may be at a minimum, to machine precision)."
                    )
                    return f
                alpha, x_new, f_new, g_new = result
                self._update(d, x_new - x, g_new - g, g, g_new)
                self._f_prev = f
                self._xk, self._fk, self._gk = x_new, f_new, g_new
            finally:
                w[:] = self._xk
        return f


@register_optimizer
class ConjugateGradients(_LineSearchMethod):
    """Nonlinear conjugate gradients, Polak-Ribiere+ (PRML 5.2.4; Nocedal & Wright 5.2).

    d_new = -g_new + beta d with beta = max(0, g_new . (g_new - g) / g . g); it
    restarts along -g when beta would be negative, every W steps, and whenever
    d is not downhill. A strong-Wolfe line search (c2 = 0.1) picks the step, with
    backtracking as a fallback; the learning rate is ignored.
    """

    name = "cg"
    label = "Conjugate gradients"
    c2 = 0.1

    def _restart(self):
        self._d = None
        self._g_old = None
        self._since_restart = 0

    def _direction(self, g):
        if self._d is None or self._since_restart >= self.n_params:
            return None
        beta = float(np.dot(g, g - self._g_old)) / float(np.dot(self._g_old, self._g_old))
        if not beta > 0:
            return None
        return beta * self._d - g

    def _initial_step(self, f, slope, d):
        # Nocedal & Wright (3.60): assume the first-order change equals the last one.
        if self._f_prev is not None and self._f_prev > f and slope < 0:
            return 2.02 * (f - self._f_prev) / slope
        return super()._initial_step(f, slope, d)

    def _update(self, d, s, y, g_old, g_new):
        self._since_restart += 1
        self._d = d
        self._g_old = g_old


def _curvature_pair_ok(s, y) -> bool:
    """Netlab quasinew's test, (y.s)^2 > eps |y|^2 |s|^2, plus y.s > 0 (positive definiteness)."""
    ys = float(np.dot(y, s))
    return ys > 0 and ys * ys > _EPS * float(np.dot(y, y)) * float(np.dot(s, s))


@register_optimizer
class BFGS(_LineSearchMethod):
    """Quasi-Newton BFGS on the inverse Hessian G (PRML 5.2.4; Netlab quasinew).

    G starts as the identity, rescaled to (y.s / y.y) I before the first update
    (Nocedal & Wright 6.20); the update is skipped unless (y.s)^2 > eps |y|^2 |s|^2
    and y.s > 0. Directions d = -G g, with a strong-Wolfe line search (trial step 1)
    and backtracking fallback; the learning rate is ignored. G is a W x W matrix.
    """

    name = "bfgs"
    label = "Quasi-Newton (BFGS)"
    _shared_state = ("_G",)  # updated in place only after the step's line search (or replaced)

    def __init__(self, n_params: int, **hyper):
        # G and the temporaries of its update: refuse now rather than after the first line search.
        require_dense(n_params, "Quasi-Newton (BFGS) on this network", _FIRST_ORDER_WAY_OUT, copies=3)
        super().__init__(n_params, **hyper)

    def _restart(self):
        self._G = None

    def _direction(self, g):
        return None if self._G is None else -(self._G @ g)

    def _update(self, d, s, y, g_old, g_new):
        if not _curvature_pair_ok(s, y):
            return
        ys = float(np.dot(y, s))
        if self._G is None:
            self._G = np.eye(self.n_params) * (ys / float(np.dot(y, y)))
        G = self._G
        Gy = G @ y
        yGy = float(np.dot(y, Gy))
        if not yGy > 0:
            return
        u = s / ys - Gy / yGy
        G += np.outer(s, s / ys)
        G -= np.outer(Gy, Gy / yGy)
        G += np.outer(u, yGy * u)
        self._G = 0.5 * (G + G.T)  # exactly symmetric


@register_optimizer
class LBFGS(_LineSearchMethod):
    """Limited-memory BFGS: the last ``memory`` pairs (s, y) stand for the inverse
    Hessian, applied by the two-loop recursion with initial scaling y.s / y.y
    (Nocedal & Wright algorithm 7.4). Same line search as BFGS; the learning
    rate is ignored."""

    name = "lbfgs"
    label = "L-BFGS"
    defaults = {"memory": 10}  # its range: params.HYPER_PARAMETERS["memory"]

    def _restart(self):
        self._pairs = deque()

    def _direction(self, g):
        pairs = self._pairs
        while len(pairs) > self.hyper["memory"]:
            pairs.popleft()
        if not pairs:
            return None
        q = g.copy()
        alphas = []
        for s, y, rho in reversed(pairs):
            a = rho * float(np.dot(s, q))
            q -= a * y
            alphas.append(a)
        s, y, rho = pairs[-1]
        q *= float(np.dot(s, y)) / float(np.dot(y, y))
        for (s, y, rho), a in zip(pairs, reversed(alphas)):
            b = rho * float(np.dot(y, q))
            q += (a - b) * s
        return -q

    def _update(self, d, s, y, g_old, g_new):
        if _curvature_pair_ok(s, y):
            self._pairs.append((s, y, 1.0 / float(np.dot(y, s))))
            while len(self._pairs) > self.hyper["memory"]:
                self._pairs.popleft()


# --------------------------------------------------------------------------------------------
# Newton and Levenberg-Marquardt: one damping loop, two curvature matrices
# --------------------------------------------------------------------------------------------


def _symmetrise_in_place(H: np.ndarray, tile: int = 256) -> None:
    """H <- (H + H^T) / 2, tile by tile."""
    n = H.shape[0]
    for a0 in range(0, n, tile):
        a = slice(a0, min(n, a0 + tile))
        for b0 in range(a0, n, tile):
            b = slice(b0, min(n, b0 + tile))
            S = 0.5 * (H[a, b] + H[b, a].T)
            H[a, b] = S
            H[b, a] = S.T


@register_optimizer
class Newton(Optimizer):
    """Damped Newton on the exact Hessian (PRML 5.4), with Levenberg-Marquardt damping.

    Solves (H + mu I) d = -g by Cholesky and moves to w + lr d, lr being the
    learning rate read as the fraction of the step (1 = full step). If H + mu I is
    not positive definite, or the step does not lower E~, mu is raised tenfold and
    the step retried (at most 30 times; if all fail the weights stay and a warning
    says so); after a successful step mu is divided by 10. The setting "damping"
    is the initial mu, in the units of E~ (summed over the points).

    A pure Newton step jumps to the stationary point of the quadratic model, which
    at a saddle region (H with negative eigenvalues) is a saddle or a maximum. The
    damping loop never takes it: only a positive-definite H + mu I gives a step,
    and that step goes downhill. The student is told (``warning``) how many
    negative eigenvalues there were and how far mu was raised.
    """

    name = "newton"
    label = "Newton"
    defaults = {"damping": 1e-3}
    default_lr = 1.0  # the learning rate is the fraction of the Newton step: take all of it
    full_batch_only = True
    evaluates_once = False
    curvature = "exact"  # function of playground.core.hessian giving the curvature matrix
    detect_saddles = True
    max_tries = 30
    mu_min = 1e-12
    eig_limit = 500  # count negative eigenvalues with eigvalsh up to this many weights

    def __init__(self, n_params: int, **hyper):
        # The curvature matrix H and the damped copy A that is factorised (plus headroom for H + H^T).
        require_dense(n_params, f"{self.label} on this network", _FIRST_ORDER_WAY_OUT, copies=3)
        super().__init__(n_params, **hyper)

    def set(self, **hyper):
        old = self.hyper.get("damping")
        super().set(**hyper)
        if "damping" in hyper and self.hyper["damping"] != old:
            self.mu = self.hyper["damping"]

    def reset(self):
        self.mu = self.hyper["damping"]
        self._stall = None  # (w, lr, mu, objective signature, E~, warning) of a step that found nothing

    def _curvature_matrix(self, objective) -> np.ndarray:
        """scale * (data_weight * H_data + diag(lambda)) at the network's current weights."""
        from . import hessian  # imported lazily: only the second-order steps need it

        method = getattr(hessian, self.curvature)
        net, reg = objective.net, objective.regularizer
        interrupt = getattr(objective, "interrupt", None)
        progress = None if interrupt is None else (lambda done, total: not interrupt())  # a long epoch
        if objective.data_weight == 1.0:
            H = np.asarray(method(net, objective.X, objective.T, regularization=reg, progress=progress), dtype=float)
        else:
            H = objective.data_weight * np.asarray(method(net, objective.X, objective.T, progress=progress),
                                                   dtype=float)
            if reg is not None:
                H[np.diag_indices_from(H)] += reg.curvature_diagonal(net.w)
        penalty = getattr(objective, "data_penalty", None)
        if penalty is not None and penalty.active:
            # Tangent propagation / Tikhonov (PRML 5.128, 5.135): their curvature by central
            # differences of their exact gradient (5.91), 2W passes, so that the step is the
            # Newton step of the whole objective and not of the data error alone.
            X = objective.X

            def penalty_gradient(out):
                out[:] = 0.0
                penalty.add_value_and_gradient(net, X, out, 1.0)
            hessian.add_gradient_differences(net, penalty_gradient, H, scale=objective.data_weight,
                                             progress=progress)
        _symmetrise_in_place(H)  # no second and third W x W temporary
        if objective.scale != 1.0:
            H *= objective.scale
        return H

    def _negative_curvature(self, H) -> tuple[int | None, float | None]:
        """(number of negative eigenvalues, the smallest one) of H; (0, None) if there are
        none, (None, None) if H is not positive definite but too big to count them."""
        try:
            cho_factor(H, check_finite=False)  # the cheap test first: usually H > 0 near a minimum
            return 0, None
        except LinAlgError:
            pass
        if H.shape[0] > self.eig_limit:
            return None, None
        eig = eigvalsh(H, check_finite=False)
        tol = 1e-10 * max(abs(eig[0]), abs(eig[-1]), _EPS)
        negative = int(np.sum(eig < -tol))
        return negative, float(eig[0]) if negative else None

    def step(self, w, objective, lr):
        """One damped Newton step; ``lr`` is the fraction of the step taken."""
        with np.errstate(**_ERRSTATE):
            x = np.array(w, dtype=float)
            sig = _signature(objective)
            stall = self._stall
            if (stall is not None and stall[1] == lr and stall[2] == self.mu and np.array_equal(stall[0], x)
                    and _same_objective(stall[3], sig)):
                # The same step from the same point found nothing last time; it would again.
                self.warning = stall[5]
                return stall[4]
            self._stall = None
            g = np.empty_like(x)
            try:
                f = float(objective.value_and_gradient(x, g))
                if not math.isfinite(f):
                    return f
                H = self._curvature_matrix(objective)
                if not np.all(np.isfinite(H)):
                    self.warning = f"{self.label}: the curvature matrix overflowed here, so no step was taken."
                    return f
                x_new = self._damped_step(objective, x, f, g, H, lr)
                if x_new is None:
                    self._stall = (x.copy(), lr, self.mu, sig, f, self.warning)
                else:
                    x = x_new
            finally:
                w[:] = x
        return f

    def _damped_step(self, objective, x, f, g, H, lr):
        mu_start = mu = max(self.mu, min(self.mu_min, self.hyper["damping"]))
        negative, smallest = self._negative_curvature(H) if self.detect_saddles else (0, None)
        tries = 0
        if smallest is not None:  # H + mu I cannot be positive definite yet: skip those tries
            while mu <= -smallest and tries < self.max_tries:
                mu *= 10.0
                tries += 1
        accepted = None
        A = np.empty_like(H)
        diag = np.diag_indices_from(A)
        while tries <= self.max_tries:
            np.copyto(A, H)
            A[diag] += mu
            try:
                factor = cho_factor(A, overwrite_a=True, check_finite=False)  # A is refilled each try
            except LinAlgError:
                factor = None
            if factor is not None:
                d = cho_solve(factor, g, check_finite=False)
                d *= -lr
                x_new = x + d
                if np.array_equal(x_new, x):
                    break  # the damped step no longer changes the weights: give up
                if np.all(np.isfinite(x_new)) and objective.value(x_new) <= f:
                    accepted = x_new
                    break
            mu *= 10.0
            tries += 1
        if accepted is None:
            self.mu = mu_start
            self.warning = (
                f"{self.label}: no damping up to mu = {mu:.3g} gave a lower error, so the weights were "
                "left unchanged this epoch (they may be at a minimum, to machine precision)."
            )
            return None
        if negative is None or negative > 0:
            self.warning = self._saddle_message(negative, mu, mu > mu_start)
        self.mu = max(mu / 10.0, min(self.mu_min, self.hyper["damping"]))
        return accepted

    @staticmethod
    def _saddle_message(negative, mu, raised) -> str:
        if negative is None:
            what = "The Hessian is not positive definite here (a saddle region or a flat direction)"
        else:
            what = (f"The Hessian has {negative} negative eigenvalue{'s' if negative != 1 else ''} here "
                    f"(a saddle region)")
        how = f"damping was raised to mu = {mu:.3g}" if raised else f"the damping mu = {mu:.3g} was kept large enough"
        return f"{what}: a pure Newton step would head for the saddle, so {how} to keep going downhill."


@register_optimizer
class LevenbergMarquardt(Newton):
    """Levenberg-Marquardt: the damping loop of ``Newton`` on the outer-product
    (generalised Gauss-Newton) approximation H ~ sum_n J_n^T M_n J_n (PRML 5.84-5.85)
    plus the regulariser's diagonal (and the exact curvature of tangent propagation or Tikhonov,
    if on, which the damping makes positive definite). It is positive semi-definite for the
    sum-of-squares, sigmoid and softmax heads, so it never points to a saddle.
    The learning rate is the fraction of the step taken (1 = full step)."""

    name = "lm"
    label = "Levenberg-Marquardt"
    curvature = "outer_product"
    detect_saddles = False
