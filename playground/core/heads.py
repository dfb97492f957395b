"""Output heads: an output activation paired with its matched error (PRML 5.2).

Every head works on the output-layer pre-activations ``a`` (N, P) and targets
``T`` and provides

- ``output(a)``             y(a), the network's prediction;
- ``error(a, T)``           the data error summed over points;
- ``error_and_delta(a, T)`` the error and dE/da (N, P);
- ``curvature(a, T)``       M = d2E_n/da da' (N, P, P), used by the Hessian;
- ``curvature_vector(a, T, V)``  M_n V_n (N, P) without building M (R-operator);
- ``output_jacobian(a)``    dy/da (N, P, P), used by the input Jacobian.

For the canonical pairs (linear/SSE, sigmoid/CE, softmax/CE) dE/da = y - t, so
backpropagation never special-cases an output type. All errors are evaluated
from the logits (softplus, log-sum-exp), never from y, so they stay finite.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit, logsumexp, softmax

Array = np.ndarray

HEAD_NAMES = ("linear", "sigmoid", "softmax", "mdn", "sigmoid_sse", "perceptron")
# Heads that take two classes as one column of labels 0 / 1 (one output unit), K classes one-hot.
LABEL_COLUMN_HEADS = ("sigmoid", "linear", "sigmoid_sse", "perceptron")
# Heads whose one output says class 1 when its activation a >= 0 (a probability > 0.5, a step).
BINARY_DECISION_HEADS = ("sigmoid", "sigmoid_sse", "perceptron")


class TargetError(ValueError):
    """Targets do not fit the output head (shape, range or labels)."""


def _as_float_targets(T, n_rows: int | None, width: int, head: str) -> Array:
    T = np.asarray(T, dtype=float)
    if T.ndim == 1:
        T = T[:, None]
    if T.ndim != 2 or T.shape[1] != width:
        raise TargetError(f"{head} head expects targets of shape (N, {width}), got {T.shape}")
    if n_rows is not None and T.shape[0] != n_rows:
        raise TargetError(f"{T.shape[0]} targets for {n_rows} inputs")
    if not np.all(np.isfinite(T)):
        raise TargetError("targets contain NaN or infinity")
    return T


def _sigmoid_cross_entropy_sum(a: Array, T: Array) -> float:
    """sum_n t softplus(-a) + (1 - t) softplus(a), never below zero for t in [0, 1].

    Per entry this is max(a, 0) - t a + ln(1 + e^-|a|): the first two terms are
    (1 - t) a for a > 0 and -t a otherwise, each >= 0 in floating point too, and the
    logarithm is >= 0. Summing the parts separately (softplus(a) - t a over all
    points) cancels large numbers and gave -4.5e-15 per point when saturated.
    """
    log_term = np.abs(a)
    np.negative(log_term, out=log_term)
    np.exp(log_term, out=log_term)
    np.log1p(log_term, out=log_term)  # ln(1 + e^-|a|), in place: cheaper for small batches
    E = np.maximum(a, 0.0)
    E -= T * a
    E += log_term
    return float(E.sum())


class Head:
    name = "head"
    is_classifier = False

    def __init__(self, n_targets: int):
        self.n_targets = int(n_targets)

    @property
    def n_units(self) -> int:
        """Number of units of the network's last layer."""
        return self.n_targets

    def prepare_targets(self, T, n_rows: int | None = None) -> Array:
        return _as_float_targets(T, n_rows, self.n_targets, self.name)

    def output_flat(self, a: Array) -> Array:
        return self.output(a)

    def error(self, a: Array, T: Array) -> float:
        return self.error_and_delta(a, T)[0]

    def curvature(self, a: Array, T: Array) -> Array:
        eye = np.eye(a.shape[1])
        N, P = a.shape
        M = np.empty((N, P, P))
        for j in range(P):
            M[:, :, j] = self.curvature_vector(a, T, np.broadcast_to(eye[j], a.shape))
        return M

    def accuracy(self, a: Array, T: Array) -> float | None:
        return None

    def constant_error(self, T: Array) -> float | None:
        """Per-point error of the best constant prediction for these targets (the
        yardstick of divergence), or None where no such bound exists (mdn)."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_targets={self.n_targets})"


class LinearHead(Head):
    """Identity output with sum-of-squares error 1/2 sum (y - t)^2 (PRML 5.11-5.14)."""

    name = "linear"

    def output(self, a):
        return a.copy()

    def error_and_delta(self, a, T):
        D = a - T
        return 0.5 * float(np.vdot(D, D)), D

    def curvature(self, a, T):
        return np.broadcast_to(np.eye(a.shape[1]), (a.shape[0], a.shape[1], a.shape[1])).copy()

    def curvature_vector(self, a, T, V):
        return np.array(V, dtype=float, copy=True)

    def output_jacobian(self, a):
        return self.curvature(a, None)

    def constant_error(self, T):
        return 0.5 * float(np.sum(np.var(T, axis=0))) if T.size else None  # y = mean t


class SigmoidHead(Head):
    """K independent logistic outputs with cross-entropy (PRML 5.21, 5.23).

    E_n = -[t ln y + (1-t) ln(1-y)] = t softplus(-a) + (1-t) softplus(a), exact and
    >= 0 for t in [0, 1].
    """

    name = "sigmoid"
    is_classifier = True

    def prepare_targets(self, T, n_rows=None):
        T = super().prepare_targets(T, n_rows)
        if T.size and (T.min() < 0.0 or T.max() > 1.0):
            raise TargetError("sigmoid head needs targets in [0, 1] (class labels 0 and 1)")
        return T

    def output(self, a):
        return expit(a)

    def error_and_delta(self, a, T):
        return _sigmoid_cross_entropy_sum(a, T), expit(a) - T

    def curvature(self, a, T):
        y = expit(a)
        N, K = a.shape
        M = np.zeros((N, K, K))
        idx = np.arange(K)
        M[:, idx, idx] = y * (1.0 - y)
        return M

    def curvature_vector(self, a, T, V):
        y = expit(a)
        return y * (1.0 - y) * V

    def output_jacobian(self, a):
        return self.curvature(a, None)

    def accuracy(self, a, T):
        return float(np.mean((a > 0.0) == (T > 0.5)))

    def constant_error(self, T):
        if not T.size:
            return None
        p = np.clip(T.mean(axis=0), 1e-12, 1.0 - 1e-12)  # y = p, the class frequency
        return float(-np.sum(p * np.log(p) + (1.0 - p) * np.log1p(-p)))


class SoftmaxHead(Head):
    """Softmax outputs with the multi-class cross-entropy -sum t ln y (PRML 5.24-5.25).

    Targets are one-hot rows or integer labels (N,). For targets that do not sum
    to one per row, the error -sum_k t_k ln y_k is still evaluated exactly.
    """

    name = "softmax"
    is_classifier = True

    def prepare_targets(self, T, n_rows=None):
        K = self.n_targets
        arr = np.asarray(T)
        if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1 and K > 1):
            labels = arr.reshape(-1)
            if labels.size and not np.all(np.isfinite(labels.astype(float))):
                raise TargetError("class labels contain NaN or infinity")
            if labels.size and (np.any(labels != np.round(labels)) or labels.min() < 0 or labels.max() >= K):
                raise TargetError(f"softmax head with {K} outputs needs integer labels 0..{K - 1}")
            if n_rows is not None and labels.shape[0] != n_rows:
                raise TargetError(f"{labels.shape[0]} targets for {n_rows} inputs")
            onehot = np.zeros((labels.shape[0], K))
            onehot[np.arange(labels.shape[0]), labels.astype(int)] = 1.0
            return onehot
        T = _as_float_targets(arr, n_rows, K, self.name)
        if T.size and T.min() < 0.0:
            raise TargetError("softmax head needs non-negative targets (one-hot rows)")
        return T

    def output(self, a):
        return softmax(a, axis=1)

    def error_and_delta(self, a, T):
        # sum_k t_k (lse(a) - a_k): every term >= 0 in floating point too (lse(a) >= max a),
        # unlike sum(lse) - sum(t a), whose cancellation went below zero when saturated.
        lse = logsumexp(a, axis=1, keepdims=True)
        E = float(np.vdot(T, lse - a))
        return E, softmax(a, axis=1) * T.sum(axis=1, keepdims=True) - T

    @staticmethod
    def _jac(y):
        """Softmax Jacobian dy_k/da_j = y_k (delta_kj - y_j), (N, K, K)."""
        N, K = y.shape
        J = -y[:, :, None] * y[:, None, :]
        idx = np.arange(K)
        J[:, idx, idx] += y
        return J

    def curvature(self, a, T):
        return T.sum(axis=1)[:, None, None] * self._jac(softmax(a, axis=1))

    def curvature_vector(self, a, T, V):
        y = softmax(a, axis=1)
        yv = y * V
        return T.sum(axis=1, keepdims=True) * (yv - y * yv.sum(axis=1, keepdims=True))

    def output_jacobian(self, a):
        return self._jac(softmax(a, axis=1))

    def accuracy(self, a, T):
        return float(np.mean(np.argmax(a, axis=1) == np.argmax(T, axis=1)))

    def constant_error(self, T):
        if not T.size:
            return None
        mean = T.mean(axis=0)  # y = the class frequencies
        q = np.clip(mean / max(float(mean.sum()), 1e-300), 1e-12, None)
        return float(-np.sum(mean * np.log(q)))


class MixtureDensityHead(Head):
    """Mixture density network output (PRML 5.148-5.158).

    K isotropic Gaussian components over an L-dimensional target. The last layer
    has K (L + 2) units ordered [pi logits (K) | means (K x L, component-major) |
    width units s (K)]: mixing coefficients by softmax (5.150), means by identity
    (5.152), standard deviations sigma_k = sigma_min + exp(s_k): PRML's exp (5.151)
    plus a floor ``sigma_floor`` (in the targets' units), so that a component cannot
    collapse onto one point and drive the error to minus infinity (PRML 5.6, the
    singularities of 9.2.1). With ``sigma_floor = 0`` it is exactly 5.151.

    E = -sum_n ln sum_k pi_k N(t_n | mu_k, sigma_k^2 I) (5.153), written as
    lse(logits) - lse(q) with q_k = logit_k + ln N_k so that it never underflows.
    """

    name = "mdn"

    def __init__(self, n_targets: int, n_components: int, sigma_floor: float = 0.0):
        super().__init__(n_targets)
        if n_components is None or int(n_components) < 1:
            raise ValueError("a mixture density head needs n_components >= 1")
        self.n_components = int(n_components)
        self.sigma_floor = float(sigma_floor)

    @property
    def n_units(self) -> int:
        return self.n_components * (self.n_targets + 2)

    def __repr__(self) -> str:
        return (f"MixtureDensityHead(n_targets={self.n_targets}, n_components={self.n_components}, "
                f"sigma_floor={self.sigma_floor:g})")

    def split(self, a: Array) -> tuple[Array, Array, Array]:
        """Logits (N,K), means (N,K,L) and width units s (N,K) as views of ``a``."""
        K, L = self.n_components, self.n_targets
        return a[:, :K], a[:, K : K + K * L].reshape(a.shape[0], K, L), a[:, K + K * L :]

    def _widths(self, s: Array) -> tuple[Array, Array, Array]:
        """(sigma, ln sigma, rho) for width units s: sigma = floor + e^s and
        rho = (d sigma / d s) / sigma = e^s / sigma, which is 1 without a floor."""
        if self.sigma_floor == 0.0:
            return np.exp(s), np.array(s, dtype=float, copy=True), np.ones_like(s)
        e = np.exp(s)
        sigma = self.sigma_floor + e
        return sigma, np.log(sigma), e / sigma

    def output(self, a):
        logits, mu, s = self.split(a)
        return softmax(logits, axis=1), mu.copy(), self._widths(s)[0]

    def output_flat(self, a):
        logits, mu, s = self.split(a)
        return np.concatenate([softmax(logits, axis=1), mu.reshape(a.shape[0], -1), self._widths(s)[0]], axis=1)

    def _parts(self, a, T):
        L = self.n_targets
        logits, mu, s = self.split(a)
        _, log_sigma, rho = self._widths(s)
        inv_var = np.exp(-2.0 * log_sigma)  # 1 / sigma_k^2
        r = T[:, None, :] - mu  # t - mu_k
        u = np.sum(r * r, axis=2) * inv_var  # ||t - mu_k||^2 / sigma_k^2
        log_normal = -0.5 * L * math.log(2.0 * math.pi) - L * log_sigma - 0.5 * u
        q = logits + log_normal
        lse_q = logsumexp(q, axis=1)
        gamma = np.exp(q - lse_q[:, None])  # posterior responsibilities (5.154)
        return logits, r, inv_var, u, gamma, lse_q, rho

    def log_likelihood_terms(self, a: Array, T: Array) -> Array:
        """ln p(t_n | x_n) for every point (N,)."""
        logits, *_, lse_q, _ = self._parts(a, T)
        return lse_q - logsumexp(logits, axis=1)

    def error_and_delta(self, a, T):
        L = self.n_targets
        logits, r, inv_var, u, gamma, lse_q, rho = self._parts(a, T)
        E = float(np.sum(logsumexp(logits, axis=1) - lse_q))
        D = np.empty_like(a)
        d_logits, d_mu, d_s = self.split(D)
        d_logits[:] = softmax(logits, axis=1) - gamma  # (5.155)
        d_mu[:] = -(gamma * inv_var)[:, :, None] * r  # (5.156)
        d_s[:] = gamma * rho * (L - u)  # (5.157) times d ln sigma / ds = rho (1 without a floor)
        return E, D

    def curvature_vector(self, a, T, V):
        """M V for M = d2E/da da'.

        With q_k = logit_k + phi_k(mu_k, s_k), E = lse(logits) - lse(q), so
        M = H_lse(logits) - J^T (diag g - g g^T) J - sum_k g_k d2phi_k, where
        J = dq/da and g the responsibilities. For sigma = floor + e^s, d phi/ds =
        rho (u - L), d2phi/ds2 = rho (1 - rho)(u - L) - 2 rho^2 u and
        d2phi/ds dmu = -2 rho (t - mu) / sigma^2 (rho = 1 without a floor).
        """
        L = self.n_targets
        logits, r, inv_var, u, gamma, _, rho = self._parts(a, T)
        v_logits, v_mu, v_s = self.split(np.asarray(V, dtype=float))
        out = np.empty_like(a)
        o_logits, o_mu, o_s = self.split(out)
        pi = softmax(logits, axis=1)
        # J v
        rv = np.sum(r * v_mu, axis=2) * inv_var
        ds = rho * (u - L)  # d phi_k / d s_k
        Jv = v_logits + rv + ds * v_s
        gJv = gamma * Jv
        w = gJv - gamma * gJv.sum(axis=1, keepdims=True)  # (diag g - g g^T) J v
        piv = pi * v_logits
        o_logits[:] = piv - pi * piv.sum(axis=1, keepdims=True) - w
        # -J^T w and the -sum_k g_k d2phi_k terms, component by component
        gi = gamma * inv_var
        o_mu[:] = (-(w * inv_var) + 2.0 * gi * rho * v_s)[:, :, None] * r + gi[:, :, None] * v_mu
        d2s = rho * (1.0 - rho) * (u - L) - 2.0 * rho * rho * u
        o_s[:] = -w * ds + 2.0 * gi * rho * np.sum(r * v_mu, axis=2) - gamma * d2s * v_s
        return out

    def output_jacobian(self, a):
        N = a.shape[0]
        K, L = self.n_components, self.n_targets
        P = self.n_units
        J = np.zeros((N, P, P))
        logits, _, s = self.split(a)
        J[:, :K, :K] = SoftmaxHead._jac(softmax(logits, axis=1))
        idx = np.arange(K, K + K * L)
        J[:, idx, idx] = 1.0
        idx = np.arange(K + K * L, P)
        J[:, idx, idx] = np.exp(s)  # d sigma / ds, with or without the floor
        return J

    def conditional_mean(self, a: Array) -> Array:
        """E[t | x] = sum_k pi_k mu_k (PRML 5.158), shape (N, L)."""
        pi, mu, _ = self.output(a)
        return np.einsum("nk,nkl->nl", pi, mu)

    def conditional_variance(self, a: Array) -> Array:
        """s^2(x) = sum_k pi_k {L sigma_k^2 + ||mu_k - E[t|x]||^2} / L per dimension (PRML 5.160)."""
        pi, mu, sigma = self.output(a)
        mean = np.einsum("nk,nkl->nl", pi, mu)
        spread = np.sum((mu - mean[:, None, :]) ** 2, axis=2)
        return np.sum(pi * (self.n_targets * sigma**2 + spread), axis=1) / self.n_targets

    def density(self, a: Array, t_grid: Array) -> Array:
        """p(t | x_n) for 1-D targets, evaluated on a grid: (N, len(t_grid))."""
        if self.n_targets != 1:
            raise ValueError("density on a grid is defined for one-dimensional targets")
        pi, mu, sigma = self.output(a)
        t = np.asarray(t_grid, dtype=float)[None, :, None]
        z = (t - mu[:, None, :, 0]) / sigma[:, None, :]
        comp = np.exp(-0.5 * z * z) / (math.sqrt(2.0 * math.pi) * sigma[:, None, :])
        return np.sum(pi[:, None, :] * comp, axis=2)


class SigmoidSquaresHead(SigmoidHead):
    """The mismatched pair: a logistic sigmoid output with the sum-of-squares error
    E = 1/2 sum (y - t)^2. Not the canonical link of PRML 5.2 (that pairs the sigmoid with the
    cross-entropy, whose delta is y - t): here delta = (y - t) y (1 - y), which vanishes when a
    unit is saturated on the wrong side, so learning from a badly wrong start is slow
    (Nielsen, Neural Networks and Deep Learning, ch. 3: "learning slowdown")."""

    name = "sigmoid_sse"

    def error_and_delta(self, a, T):
        y = expit(a)
        D = y - T
        return 0.5 * float(np.vdot(D, D)), D * y * (1.0 - y)

    def _second(self, a, T):
        y = expit(a)
        s = y * (1.0 - y)
        return s * (s + (y - T) * (1.0 - 2.0 * y))  # d/da [(y - t) y (1 - y)]

    def curvature(self, a, T):
        N, K = a.shape
        M = np.zeros((N, K, K))
        idx = np.arange(K)
        M[:, idx, idx] = self._second(a, T)
        return M

    def curvature_vector(self, a, T, V):
        return self._second(a, T) * V

    def constant_error(self, T):
        return 0.5 * float(np.sum(np.var(T, axis=0))) if T.size else None  # y = mean t


def make_head(output: str, n_targets: int, n_components: int | None = None, sigma_floor: float = 0.0) -> Head:
    if output == "linear":
        return LinearHead(n_targets)
    if output == "sigmoid":
        return SigmoidHead(n_targets)
    if output == "softmax":
        if n_targets < 2:
            raise ValueError("a softmax head needs at least 2 outputs (use sigmoid for one)")
        return SoftmaxHead(n_targets)
    if output == "mdn":
        if n_components is None:
            raise ValueError('output="mdn" needs n_components (the number of mixture components K)')
        return MixtureDensityHead(n_targets, n_components, sigma_floor)
    if output == "sigmoid_sse":
        return SigmoidSquaresHead(n_targets)
    if output == "perceptron":
        from .perceptron import PerceptronHead  # its own module (PRML 4.1.7), which imports this one

        return PerceptronHead(n_targets)
    raise ValueError(f"unknown output {output!r}; choose one of: {', '.join(HEAD_NAMES)}")
