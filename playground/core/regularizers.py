"""Regularisers added to the data error: E~(w) = E_D(w) + Omega(w) (PRML 5.112).

- L2 weight decay with one coefficient, Omega = lambda/2 w^T w (5.112), or one
  coefficient per parameter group as in consistent weight decay (5.121):
  first-layer weights ``w1``, first-layer biases ``b1``, later weights ``w2``,
  later biases ``b2``. A group set to 0 is not regularised (the usual choice for
  biases, which PRML 5.5.1 shows should be left out for invariance).
- L1, Omega = lambda sum |w|. First-order training steps take it by a proximal
  (soft-threshold) step, w <- sign(w) max(|w| - eta_i lambda / N, 0), after the step on the
  smooth part, which sets small weights to exactly 0; a subgradient sign(w) only makes them
  oscillate about 0. eta_i is the optimiser's step length for weight i (eta for gradient
  descent and momentum; eta / (sqrt(v_i) + eps) for RMSprop and Adam): the proximal step in
  the metric the optimiser uses. Second-order methods use the subgradient.

- Soft weight sharing (5.5.7): Omega = -sum_i ln sum_j pi_j N(w_i | mu_j, sigma_j^2) over the
  weights, with a mixture learned jointly with them (``soft_weight_sharing``, ``WeightMixture``).

The invariance settings (tangent propagation, Tikhonov, transformed data) are carried here too;
their penalties depend on the data and live in core/invariance.py. ``Regularization`` also carries two settings of the Regularization panel that are not
penalties: ``dropout`` (the rate of dropping hidden units in training steps, dropout.py) and
``standardize_inputs`` (train in coordinates where each input has mean 0 and variance 1,
standardize.py; PRML 5.5.1's argument for consistent priors).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from .invariance import check_augment_size
from .params import TRAINING_PARAMETERS, check

GROUP_NAMES = ("w1", "b1", "w2", "b2")


def _coefficient(value, what: str) -> float:
    return check(what, value, TRAINING_PARAMETERS["l2"])  # the range of every coefficient: >= 0


@dataclass(frozen=True)
class Regularization:
    """Regulariser settings; ``l2_groups`` (when given) replaces the single ``l2``."""

    l2: float = 0.0
    l2_groups: Mapping[str, float] | None = None
    l1: float = 0.0
    # Invariances (PRML 5.5.3-5.5.5, core/invariance.py): weights of the tangent-propagation and
    # Tikhonov penalties, and the random transformation of the training points per batch.
    tangent_prop: float = 0.0
    tangent_kind: str = "rotation"
    tikhonov: float = 0.0
    augment: str = "none"
    augment_size: float = 0.0
    # Soft weight sharing (5.5.7): its lambda and the number of mixture components.
    soft_weight_sharing: float = 0.0
    mixture_components: int = 3
    _groups: tuple = field(default=(), init=False, repr=False, compare=False)
    dropout: float = 0.0
    standardize_inputs: bool = False

    def __post_init__(self):
        object.__setattr__(self, "l2", _coefficient(self.l2, "l2"))
        object.__setattr__(self, "l1", _coefficient(self.l1, "l1"))
        for name in ("tangent_prop", "tangent_kind", "tikhonov", "augment", "soft_weight_sharing",
                     "mixture_components"):
            object.__setattr__(self, name, check(name, getattr(self, name), TRAINING_PARAMETERS[name]))
        object.__setattr__(self, "augment_size", check_augment_size(self.augment, self.augment_size))
        object.__setattr__(self, "dropout", check("dropout", self.dropout, TRAINING_PARAMETERS["dropout"]))
        check("standardize_inputs", self.standardize_inputs, TRAINING_PARAMETERS["standardize_inputs"])
        if self.l2_groups is not None:
            unknown = set(self.l2_groups) - set(GROUP_NAMES)
            if unknown:
                raise ValueError(
                    f"unknown weight-decay group(s) {sorted(unknown)}; groups are {', '.join(GROUP_NAMES)}"
                )
            groups = tuple((g, _coefficient(self.l2_groups.get(g, 0.0), f"l2 of group {g}")) for g in GROUP_NAMES)
            object.__setattr__(self, "_groups", groups)
            object.__setattr__(self, "l2_groups", dict(groups))

    @property
    def active(self) -> bool:
        return (self.l1 > 0 or self.l2 > 0 or any(v > 0 for _, v in self._groups) or self.tangent_prop > 0
                or self.tikhonov > 0 or self.soft_weight_sharing > 0)

    def bind(self, net) -> "BoundRegularizer":
        """Per-parameter coefficients for a particular network."""
        if self._groups:
            lam = np.zeros(net.n_params)
            for group, mask in net.parameter_groups().items():
                lam[mask] = dict(self._groups)[group]
        else:
            lam = np.full(net.n_params, self.l2)
        sharing = None
        if self.soft_weight_sharing > 0:
            groups = net.parameter_groups()
            sharing = WeightMixture(self.soft_weight_sharing, groups["w1"] | groups["w2"], net.w,
                                    self.mixture_components)
        return BoundRegularizer(lam, self.l1, sharing)

    @property
    def transforms_data(self) -> bool:
        """Whether training sees randomly transformed points (PRML 5.5.3)."""
        return self.augment != "none" and self.augment_size > 0


class BoundRegularizer:
    """Omega(w) = 1/2 sum_i lambda_i w_i^2 + l1 sum_i |w_i| for one network's ``w``."""

    def __init__(self, l2_coefficients: np.ndarray, l1: float, sharing: "WeightMixture | None" = None):
        self.lam = l2_coefficients
        self.l1 = float(l1)
        self.has_l2 = bool(np.any(self.lam))
        self.sharing = sharing  # soft weight sharing's learned mixture, or None
        self.active = self.has_l2 or self.l1 > 0 or sharing is not None

    def frozen(self) -> "BoundRegularizer":
        """A copy that later steps leave alone (soft weight sharing's mixture learns as training
        goes on): for work on another thread, such as a Hessian report of some weights."""
        if self.sharing is None:
            return self
        sharing = copy.copy(self.sharing)
        sharing.set_parameters(*self.sharing.parameters())
        return BoundRegularizer(self.lam, self.l1, sharing)

    def smooth_part(self) -> "BoundRegularizer":
        """The L2 part alone: what a step differentiates when L1 is taken by ``soft_threshold``."""
        return BoundRegularizer(self.lam, 0.0)

    def soft_threshold(self, w: np.ndarray, step) -> None:
        """The proximal step of step * l1 * |w|: w <- sign(w) max(|w| - step l1, 0), in place
        (``step`` a number or one per weight). Weights within step * l1 of 0 become exactly 0."""
        if self.l1:
            threshold = step * self.l1
            shrunk = np.abs(w)
            shrunk -= threshold
            np.maximum(shrunk, 0.0, out=shrunk)
            np.copysign(shrunk, w, out=w)

    def value(self, w: np.ndarray) -> float:
        value = 0.0
        if self.has_l2:
            value += 0.5 * float(np.dot(self.lam * w, w))
        if self.l1:
            value += self.l1 * float(np.abs(w).sum())
        if self.sharing is not None:
            value += self.sharing.value(w)
        return value

    def add_gradient(self, w: np.ndarray, g: np.ndarray, scale: float = 1.0) -> None:
        """g += scale * dOmega/dw (L1 uses the subgradient sign(w))."""
        if self.has_l2:
            g += (scale * self.lam) * w
        if self.l1:
            g += (scale * self.l1) * np.sign(w)
        if self.sharing is not None:
            self.sharing.add_gradient(w, g, scale)

    def curvature_diagonal(self, w: np.ndarray | None = None) -> np.ndarray:
        """d2 Omega/dw2: lambda_i on the diagonal (L1 has none away from w = 0); soft weight
        sharing's (diagonal too) when the weights ``w`` are given."""
        if self.sharing is not None and w is not None:
            return self.lam + self.sharing.curvature_diagonal(w)
        return self.lam.copy()


# ---------------------------------------------------------------------------- soft weight sharing (PRML 5.5.7)
SIGMA_FLOOR = 1e-3  # a component fitted to one weight would shrink to sigma -> 0 and Omega -> -inf


def soft_weight_sharing(w, eta, mu, sigma) -> tuple[float, dict]:
    """Omega = -sum_i ln sum_j pi_j N(w_i | mu_j, sigma_j^2), pi = softmax(eta) (PRML 5.136-5.138,
    5.146), and its gradients (5.141-5.147), a dict with keys "w", "eta", "mu", "sigma":

    dOmega/dw_i    = sum_j gamma_j(w_i) (w_i - mu_j) / sigma_j^2
    dOmega/dmu_j   = sum_i gamma_j(w_i) (mu_j - w_i) / sigma_j^2
    dOmega/dsigma_j = sum_i gamma_j(w_i) (1/sigma_j - (w_i - mu_j)^2 / sigma_j^3)
    dOmega/deta_j  = sum_i (pi_j - gamma_j(w_i))

    with the responsibilities gamma_j(w) = pi_j N_j(w) / sum_k pi_k N_k(w) (5.140), all in
    log-sum-exp form so that far-away weights never underflow.
    """
    w = np.asarray(w, dtype=float).ravel()
    eta, mu, sigma = (np.asarray(v, dtype=float).ravel() for v in (eta, mu, sigma))
    if not (eta.shape == mu.shape == sigma.shape) or eta.size == 0:
        raise ValueError("eta, mu and sigma need one entry per mixture component each")
    if np.any(sigma <= 0) or not all(np.all(np.isfinite(v)) for v in (w, eta, mu, sigma)):
        raise ValueError("the mixture needs finite parameters and positive standard deviations")
    log_pi = eta - _logsumexp(eta)
    d = w[:, None] - mu[None, :]  # (W, M)
    inv_var = 1.0 / sigma**2
    log_joint = log_pi - np.log(sigma) - 0.5 * np.log(2 * np.pi) - 0.5 * d * d * inv_var
    log_p = _logsumexp(log_joint, axis=1)
    gamma = np.exp(log_joint - log_p[:, None])
    omega = -float(log_p.sum())
    grads = {
        "w": np.sum(gamma * d * inv_var, axis=1),
        "mu": -np.sum(gamma * d, axis=0) * inv_var,
        "sigma": np.sum(gamma * (1.0 / sigma - d * d / sigma**3), axis=0),
        "eta": w.size * np.exp(log_pi) - gamma.sum(axis=0),
    }
    return omega, grads


def _logsumexp(a, axis=None):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out.item() if axis is None else np.squeeze(out, axis=axis)


def sharing_curvature(w, eta, mu, sigma) -> np.ndarray:
    """d2 Omega / dw_i^2 of soft weight sharing (the rest of its Hessian in w is zero):
    sum_j gamma_j / sigma_j^2 - [sum_j gamma_j u_j^2 - (sum_j gamma_j u_j)^2], u_j = (w - mu_j)/sigma_j^2."""
    w = np.asarray(w, dtype=float).ravel()
    eta, mu, sigma = (np.asarray(v, dtype=float).ravel() for v in (eta, mu, sigma))
    d = w[:, None] - mu[None, :]
    log_joint = eta - _logsumexp(eta) - np.log(sigma) - 0.5 * (d / sigma) ** 2
    gamma = np.exp(log_joint - _logsumexp(log_joint, axis=1)[:, None])
    u = d / sigma**2
    mean_u = np.sum(gamma * u, axis=1)
    return np.sum(gamma / sigma**2, axis=1) - (np.sum(gamma * u * u, axis=1) - mean_u**2)


class WeightMixture:
    """The learned mixture of soft weight sharing over the weights (not the biases) of a network.

    Learned jointly with the weights: after each weight step the trainer calls ``update``, which
    minimises E~ over the mixture with the responsibilities held fixed, i.e. solves
    dOmega/dmu = dOmega/dsigma = dOmega/deta = 0 (5.141-5.147): mu_j and sigma_j^2 become the
    gamma-weighted mean and variance of the weights, pi_j their share (an EM step), each with
    one pseudo-weight of a weak prior so that no component dies. Alternating these with the
    weight steps is coordinate descent on E~ (plus that prior's small terms).
    """

    def __init__(self, coefficient: float, mask: np.ndarray, w: np.ndarray, n_components: int):
        self.coefficient = float(coefficient)
        self.mask = mask
        values = w[mask]
        M = int(n_components)
        spread = float(np.ptp(values)) if values.size else 1.0
        spread = spread if spread > 0 else 1.0
        lo = float(values.min()) if values.size else -0.5
        # Means spread evenly over the starting weights, equal shares, widths of one spacing.
        self.mu = lo + spread * (np.arange(M) + 0.5) / M
        self.sigma = np.full(M, max(spread / M, SIGMA_FLOOR))
        self.eta = np.zeros(M)

    @property
    def n_components(self) -> int:
        return self.mu.size

    @property
    def pi(self) -> np.ndarray:
        e = np.exp(self.eta - self.eta.max())
        return e / e.sum()

    def value(self, w: np.ndarray) -> float:
        return self.coefficient * soft_weight_sharing(w[self.mask], self.eta, self.mu, self.sigma)[0]

    def add_gradient(self, w: np.ndarray, g: np.ndarray, scale: float = 1.0) -> None:
        _, grads = soft_weight_sharing(w[self.mask], self.eta, self.mu, self.sigma)
        g[self.mask] += (scale * self.coefficient) * grads["w"]

    def curvature_diagonal(self, w: np.ndarray) -> np.ndarray:
        out = np.zeros(w.size)
        out[self.mask] = self.coefficient * sharing_curvature(w[self.mask], self.eta, self.mu, self.sigma)
        return out

    def update(self, w: np.ndarray) -> None:
        values = w[self.mask]
        if not values.size or not np.all(np.isfinite(values)):
            return
        d = values[:, None] - self.mu[None, :]
        log_joint = np.log(self.pi) - np.log(self.sigma) - 0.5 * (d / self.sigma) ** 2
        gamma = np.exp(log_joint - _logsumexp(log_joint, axis=1)[:, None])
        share = gamma.sum(axis=0)
        alive = share > 1e-12  # a component no weight belongs to keeps its place
        mu = self.mu.copy()  # fresh arrays: a frozen copy elsewhere keeps what it had
        mu[alive] = (gamma[:, alive] * values[:, None]).sum(axis=0) / share[alive]
        self.mu = mu
        d = values[:, None] - mu[None, :]
        # One pseudo-weight per component, at a spread of std(w) / M, keeps a component that has
        # lost its weights alive and of a useful width, free to take weights again (without it a
        # broad component swallowed all weights and the others died at sigma -> 0, pi -> 0).
        prior = (float(np.std(values)) / self.n_components) ** 2
        var = ((gamma * d * d).sum(axis=0) + prior) / (share + 1.0)
        self.sigma = np.sqrt(np.maximum(var, SIGMA_FLOOR**2))
        self.eta = np.log((share + 1.0) / (values.size + self.n_components))

    def parameters(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pi, mu, sigma), fresh copies."""
        return self.pi.copy(), self.mu.copy(), self.sigma.copy()

    def set_parameters(self, pi, mu, sigma) -> None:
        self.eta = np.log(np.maximum(np.asarray(pi, dtype=float), 1e-300))
        self.mu = np.array(mu, dtype=float)
        self.sigma = np.array(sigma, dtype=float)
