"""Bayesian neural networks by the Laplace approximation (PRML 5.7; Netlab evidence, fevbayes, demev1/2).

Around the current weights w (normally w_MAP, the minimum of the regularised error) the
posterior over w is approximated by a Gaussian N(w_MAP, A^-1) with

    A = diag(alpha) + beta H     regression, linear head (5.161)
    A = diag(alpha) + H          classification, sigmoid or softmax head (5.184)

where H is the Hessian of the data error E_D (``hessian.exact``, or the outer-product
approximation on request) and diag(alpha) is one alpha for every weight or one per
group w1, b1, w2, b2 (Netlab's mlpprior, PRML 5.121). Negative eigenvalues of the data
Hessian count as zero in the re-estimation of gamma, as in Netlab's evidence.m. A itself
is PRML's whenever it is positive definite (always at a minimum of the regularised error);
away from one (while training) it is formed from the clipped H instead (``clipped``), so
the predictive variances never turn negative.

What is here
- :func:`laplace` -> :class:`Posterior`: ``A``, ``predictive(Xq)``, ``log_evidence()``.
- :func:`reestimate`: the evidence re-estimation of alpha, beta and gamma (5.177-5.180).
- :func:`train_with_evidence` / :class:`EvidenceOptions`: optimiser cycles alternating with
  re-estimation (Netlab demev1); ``fit(..., evidence=...)`` and the CLI config use it.
- :func:`prior_functions`: functions drawn from the prior of a one-hidden-layer net (fig. 5.11).

Mixture density heads are refused: their curvature is indefinite and PRML gives no
Laplace treatment for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import scipy.linalg
from scipy.special import expit, softmax

from . import hessian as _hessian
from .memory import require_dense
from .objective import Interrupted
from .params import BAYES_PARAMETERS, check
from .regularizers import GROUP_NAMES

Array = np.ndarray
Progress = Callable[[int, int], "bool | None"]

__all__ = [
    "EvidenceOptions", "EvidenceStep", "HESSIAN_KINDS", "Posterior", "laplace", "moderation_factor",
    "prior_functions", "reestimate", "train_with_evidence", "weight_decay_for", "weight_gradients",
]

HESSIAN_KINDS = ("exact", "outer_product")

# The way out named when A would not fit in memory (memory.require_dense).
_TOO_LARGE = ("use fewer hidden units; the Laplace approximation needs the full W x W matrix "
              "A = alpha I + beta H and its factorisation")

# Draws of the logits behind a softmax head's moderated output (Posterior.predictive).
SOFTMAX_SAMPLES = 256

# Points per block of the predictive computations: J (rows x outputs x W) stays ~16 MB.
_BLOCK_BYTES = 16 * 2**20


# ---------------------------------------------------------------------------- checks
def _refuse_mdn(net) -> None:
    if net.output == "mdn":
        raise ValueError(
            "the Laplace approximation is not available for a mixture density network: its error's "
            "curvature is indefinite and PRML 5.7 treats regression and classification heads only; "
            "choose a linear, sigmoid or softmax output"
        )


def _check_hessian_kind(kind: str) -> str:
    if kind not in HESSIAN_KINDS:
        raise ValueError(f"unknown hessian {kind!r}; choose one of: {', '.join(HESSIAN_KINDS)}")
    return kind


def _is_regression(net) -> bool:
    return net.output == "linear"


def _check_beta(net, beta) -> float | None:
    if _is_regression(net):
        if beta is None:
            raise ValueError("a regression network (linear output) needs beta, the noise precision 1/sigma^2")
        return check("beta", beta, BAYES_PARAMETERS["beta"])
    if beta is not None:
        raise ValueError(
            f"beta is the noise precision of regression; a {net.output} output has none (give beta=None)"
        )
    return None


def _group_masks(net) -> dict[str, Array]:
    """The groups of PRML 5.121 that this network has (a net without hidden layer has no w2, b2)."""
    return {g: m for g, m in net.parameter_groups().items() if m.any()}


def _alpha_vector(net, alpha) -> tuple[Array, float | dict]:
    """alpha_i for every weight, and alpha as given (a float, or a dict over the net's groups)."""
    if isinstance(alpha, Mapping):
        masks = _group_masks(net)
        unknown = set(alpha) - set(GROUP_NAMES)
        if unknown:
            raise ValueError(f"unknown alpha group(s) {sorted(unknown)}; groups are {', '.join(GROUP_NAMES)}")
        missing = [g for g in masks if g not in alpha]
        if missing:
            raise ValueError(f"alpha per group needs a value for every group of this network; missing {missing}")
        vec = np.empty(net.n_params)
        clean = {}
        for g, mask in masks.items():
            clean[g] = check(f"alpha of group {g}", alpha[g], BAYES_PARAMETERS["alpha"])
            vec[mask] = clean[g]
        return vec, clean
    value = check("alpha", alpha, BAYES_PARAMETERS["alpha"])
    return np.full(net.n_params, value), value


def _blocks(n: int, floats_per_row: int):
    step = max(1, min(n, _BLOCK_BYTES // (8 * max(1, floats_per_row))))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def weight_gradients(net, Xq) -> Array:
    """d a_out / dw for every query point, (N, K, W): the g of 5.171 for a linear head (y = a),
    the b of 5.186 for a classifier (the output's logit)."""
    return _hessian.weight_jacobian(net, Xq)


def moderation_factor(var_a) -> Array:
    """kappa(sigma_a^2) = (1 + pi sigma_a^2 / 8)^(-1/2) (PRML 4.154), used in 5.190."""
    return 1.0 / np.sqrt(1.0 + np.pi * np.asarray(var_a) / 8.0)


# ---------------------------------------------------------------------------- the posterior
class Posterior:
    """The Laplace approximation N(w_MAP, A^-1) at one network's weights (built by :func:`laplace`).

    Attributes: ``w`` (the weights it is about, a copy), ``alpha`` (float or dict), ``beta``
    (None for classifiers), ``H`` (data Hessian, as computed), ``eigenvalues`` of H (before
    clipping), ``n_negative`` (how many of them are negative), ``clipped`` (True when A had to
    be formed from the clipped H because diag(alpha) + beta H was not positive definite), ``A``,
    ``A_inv``, ``n_points`` N, ``n_outputs`` K.
    """

    def __init__(self, net, X, T, alpha, beta, H, kind):
        self.net = net.copy()  # the posterior keeps its weights even while training goes on
        self.w = self.net.w.copy()
        self.X, self.T = X, T
        self.kind = kind
        self.alpha_vector, self.alpha = _alpha_vector(net, alpha)
        self.beta = beta
        self.H = H
        self.n_points, self.n_outputs = X.shape[0], net.head.n_units
        lam, V = scipy.linalg.eigh(H)
        self.eigenvalues = lam
        self.n_negative = int(np.sum(lam < 0.0))
        self._V, self._lam = V, np.clip(lam, 0.0, None)  # Netlab evidence.m: negatives count as zero
        self._scale = 1.0 if beta is None else beta
        self.clipped = False
        try:
            self.A, self.A_inv, self._log_det_A = self._factorise(lam)
        except np.linalg.LinAlgError:  # not positive definite: away from a minimum
            self.clipped = True
            self.A, self.A_inv, self._log_det_A = self._factorise(self._lam)

    def _factorise(self, lam: Array) -> tuple[Array, Array, float]:
        """(A, A^-1, ln|A|) for A = diag(alpha) + scale V diag(lam) V^T; LinAlgError unless positive definite."""
        V, scale, alpha = self._V, self._scale, self.alpha_vector
        A = (V * (scale * lam)) @ V.T
        A[np.diag_indices_from(A)] += alpha
        if np.ptp(alpha) == 0.0:  # one alpha: A and H share eigenvectors
            s = alpha[0] + scale * lam
            if s.min() <= 0.0:
                raise np.linalg.LinAlgError("A is not positive definite")
            A_inv, log_det = (V / s) @ V.T, float(np.sum(np.log(s)))
        else:
            factor = scipy.linalg.cho_factor(A, lower=True)
            A_inv = scipy.linalg.cho_solve(factor, np.eye(A.shape[0]))
            log_det = 2.0 * float(np.sum(np.log(np.diag(factor[0]))))
        return 0.5 * (A + A.T), 0.5 * (A_inv + A_inv.T), log_det

    def clipped_A_inv(self) -> Array:
        """A^-1 with the data Hessian's negative eigenvalues set to zero (what re-estimation uses)."""
        if self.clipped or self.n_negative == 0:
            return self.A_inv
        return self._factorise(self._lam)[1]

    # ------------------------------------------------------------------ quantities
    @property
    def n_params(self) -> int:
        return self.w.size

    @property
    def data_error(self) -> float:
        """E_D at w: 1/2 sum (y - t)^2, or the cross-entropy."""
        return self.net.error(self.X, self.T)

    def gamma(self) -> float:
        """Effective number of well-determined parameters (5.179; grouped: n_m - alpha_m tr_m(A^-1))."""
        return float(self.n_params - np.dot(self.alpha_vector, np.diag(self.A_inv)))

    def log_evidence(self) -> float:
        """ln p(D | alpha, beta) in the Laplace approximation.

        Regression (5.175, with N K for K outputs):
            -E(w_MAP) - 1/2 ln|A| + sum_m n_m/2 ln alpha_m + N K/2 ln beta - N K/2 ln 2 pi,
            E = beta E_D + 1/2 sum_i alpha_i w_i^2.
        Classification (5.183): -E(w_MAP) - 1/2 ln|A| + sum_m n_m/2 ln alpha_m, E = E_D + 1/2 sum alpha_i w_i^2.
        """
        prior = 0.5 * float(np.dot(self.alpha_vector * self.w, self.w))
        log_alpha = 0.5 * float(np.sum(np.log(self.alpha_vector)))
        E_D = self.data_error
        if self.beta is None:
            return -E_D - prior - 0.5 * self._log_det_A + log_alpha
        NK = self.n_points * self.n_outputs
        return (-self.beta * E_D - prior - 0.5 * self._log_det_A + log_alpha
                + 0.5 * NK * math.log(self.beta) - 0.5 * NK * math.log(2.0 * math.pi))

    def logit_variance(self, Xq) -> tuple[Array, Array]:
        """(a_MAP, g^T A^-1 g) for every query point and output, (N, K) each."""
        Xq = self.net.check_inputs(Xq)
        N, K, W = Xq.shape[0], self.n_outputs, self.n_params
        mean, var = np.empty((N, K)), np.empty((N, K))
        for rows in _blocks(N, 2 * K * W + 4 * sum(self.net.layer_sizes)):
            mean[rows] = self.net.output_activations(Xq[rows])
            G = weight_gradients(self.net, Xq[rows]).reshape(-1, W)
            var[rows] = np.einsum("ij,ij->i", G @ self.A_inv, G).reshape(-1, K)
        np.clip(var, 0.0, None, out=var)  # round-off only: A^-1 is positive definite
        return mean, var

    def predictive_parts(self, Xq) -> tuple[Array, Array, Array]:
        """Regression: (mean y(x, w_MAP), noise variance 1/beta, weight-uncertainty variance
        g^T A^-1 g), (N, K) each; their sum is the predictive variance of 5.173."""
        if self.beta is None:
            raise ValueError("predictive_parts is for regression; a classifier's output is moderated (predictive)")
        mean, weight_var = self.logit_variance(Xq)
        return mean, np.full_like(mean, 1.0 / self.beta), weight_var

    def predictive(self, Xq):
        """The predictive distribution at the query points.

        - linear head: (mean, var), (N, K) each, var = 1/beta + g^T A^-1 g (5.172-5.173).
        - sigmoid head: the moderated p(t = 1 | x), (N, K): sigma(kappa(sigma_a^2) a_MAP) (5.190,
          the probit approximation of the logistic sigmoid, PRML 4.153-4.154).
        - softmax head: by sampling, not by MacKay's approximation: the logits, linearised in w
          as for 5.190, are Gaussian N(a_MAP, B A^-1 B^T) (B = da/dw, K x K per point), and p is
          the mean of softmax over ``SOFTMAX_SAMPLES`` draws. The draws are the same standard
          normals at every point (a fixed seed), so p is deterministic and smooth in x. (Scaling
          each logit by kappa alone ignores their strong correlations and was off by 0.2.)
        """
        if self.beta is not None:
            mean, noise, weight_var = self.predictive_parts(Xq)
            return mean, noise + weight_var
        if self.net.output == "softmax":
            return self._sampled_softmax(Xq)
        a, var_a = self.logit_variance(Xq)
        return expit(moderation_factor(var_a) * a)

    def _sampled_softmax(self, Xq) -> Array:
        Xq = self.net.check_inputs(Xq)
        N, K, W = Xq.shape[0], self.n_outputs, self.n_params
        z = np.random.default_rng(0).standard_normal((SOFTMAX_SAMPLES, K))
        p = np.empty((N, K))
        for rows in _blocks(N, 2 * K * W + SOFTMAX_SAMPLES * K * 3):
            a = self.net.output_activations(Xq[rows])
            B = weight_gradients(self.net, Xq[rows])  # (n, K, W)
            cov = B @ self.A_inv @ B.transpose(0, 2, 1)
            lam, U = np.linalg.eigh(cov)  # a square root that tolerates the singular shift direction
            L = U * np.sqrt(np.clip(lam, 0.0, None))[:, None, :]  # (n, K, K), L L^T = cov
            draws = a[:, None, :] + z[None, :, :] @ L.transpose(0, 2, 1)  # (n, S, K)
            p[rows] = softmax(draws, axis=2).mean(axis=1)
        return p

    def map_output(self, Xq) -> Array:
        """The network's own output y(x, w_MAP), (N, K): what the moderated output is compared with."""
        return self.net.forward(Xq)

    def sample_weights(self, n: int, seed: int = 0) -> Array:
        """n weight vectors from N(w_MAP, A^-1), (n, W)."""
        L = np.linalg.cholesky(self.A_inv)
        z = np.random.default_rng(seed).standard_normal((int(n), self.n_params))
        return self.w + z @ L.T


def _data_hessian(net, X, T, kind: str, progress: Progress | None) -> Array:
    compute = _hessian.exact if kind == "exact" else _hessian.outer_product
    return compute(net, X, T, progress=progress)


def _prepare(net, X, T):
    X = net.check_inputs(X)
    return X, net.head.prepare_targets(T, X.shape[0])


def laplace(net, X, T, alpha, beta=None, hessian: str = "exact", *, H: Array | None = None,
            progress: Progress | None = None) -> Posterior:
    """The Laplace approximation at the network's current weights (PRML 5.7.1, 5.7.3).

    ``alpha``: one precision for all weights, or a dict over the groups w1, b1, w2, b2.
    ``beta``: the noise precision (linear head); None for sigmoid and softmax heads.
    ``hessian``: "exact" (``hessian.exact``) or "outer_product" (PSD, cheaper to trust far from
    a minimum). ``H``: a data Hessian already computed at these weights (Netlab passes it back in).
    ``progress(done, total)`` is called while the Hessian is built; False cancels (``Interrupted``).
    A network whose W x W matrices would not fit in memory is refused first (``TooLargeError``).
    """
    _refuse_mdn(net)
    kind = _check_hessian_kind(hessian)
    beta = _check_beta(net, beta)
    _alpha_vector(net, alpha)  # bad alphas are refused before any heavy work
    # H, its eigenvectors, A and A^-1 live at once
    require_dense(net.n_params, "The Laplace approximation of this network", _TOO_LARGE, copies=4)
    X, T = _prepare(net, X, T)
    if H is None:
        H = _data_hessian(net, X, T, kind, progress)
    elif np.shape(H) != (net.n_params, net.n_params):
        raise ValueError(f"H must be the ({net.n_params}, {net.n_params}) data Hessian, got shape {np.shape(H)}")
    if progress is not None and progress(X.shape[0], X.shape[0]) is False:
        raise Interrupted()
    return Posterior(net, X, T, alpha, beta, np.asarray(H, dtype=float), kind)


# ---------------------------------------------------------------------------- re-estimation
def _reestimate_once(post: Posterior) -> tuple[float | dict, float | None, float]:
    """One evidence update (5.177-5.180) at fixed weights; returns (alpha, beta, gamma)."""
    w = post.w
    if isinstance(post.alpha, dict):  # gamma_m = n_m - alpha_m sum_{i in m} (A^-1)_ii (Netlab evidence.m)
        share = _well_determined_shares(post)
        alpha, gamma = {}, 0.0
        for g, mask in _group_masks(post.net).items():
            gamma_m = float(share[mask].sum())
            alpha[g] = _positive(gamma_m / max(float(w[mask] @ w[mask]), 1e-300))
            gamma += gamma_m
    else:
        lam = post._scale * post._lam  # eigenvalues of beta H, negatives clipped
        gamma = float(np.sum(lam / (lam + post.alpha)))  # 5.179
        alpha = _positive(gamma / max(float(w @ w), 1e-300))  # 5.178
    beta = None
    if post.beta is not None:
        NK = post.n_points * post.n_outputs
        E_D = post.data_error
        beta = _positive((NK - gamma) / max(2.0 * E_D, 1e-300))  # 5.180: 1/beta = 2 E_D / (N K - gamma)
    return alpha, beta, gamma


def _well_determined_shares(post: Posterior) -> Array:
    """1 - alpha_i (A^-1)_ii for every weight, with the clipped data Hessian.

    Computed as 1 - ((I + Ht)^-1)_ii with Ht = D^-1/2 beta H+ D^-1/2 (D = diag alpha): each share
    lies in [0, 1] by construction, where forming A^-1 itself loses everything to round-off
    once the group alphas differ by 10^10 (biases the data do not need get huge alphas)."""
    d = 1.0 / np.sqrt(post.alpha_vector)
    B = post._V * (np.sqrt(post._scale * post._lam) * 1.0)  # H+ = B B^T
    B = d[:, None] * B
    mu, U = scipy.linalg.eigh(B @ B.T)
    mu = np.clip(mu, 0.0, None)
    return (U**2) @ (mu / (1.0 + mu))


def _positive(value: float) -> float:
    """Keep a re-estimated precision a usable positive number (a zero gamma gives alpha = 0)."""
    return float(min(max(value, 1e-12), 1e12))


def _reestimated(net, X, T, alpha, beta, hessian, n_updates, H, progress):
    """reestimate's (alpha, beta, gamma) and the posterior at the new hyperparameters (same H)."""
    check("n_updates", n_updates, BAYES_PARAMETERS["updates"])
    post = laplace(net, X, T, alpha, beta, hessian, H=H, progress=progress)
    for _ in range(n_updates):
        alpha, beta, gamma = _reestimate_once(post)
        post = Posterior(post.net, post.X, post.T, alpha, beta, post.H, post.kind)
    return alpha, beta, gamma, post


def reestimate(net, X, T, alpha, beta=None, hessian: str = "exact", *, n_updates: int = 1,
               H: Array | None = None, progress: Progress | None = None):
    """Re-estimate the hyperparameters at the current weights (PRML 5.177-5.180; Netlab evidence.m).

    Returns (alpha, beta, gamma): alpha a float, or a dict when a dict of group alphas was given;
    beta None for classifiers; gamma the effective number of parameters of the last update. The
    data Hessian is computed once and its eigenvalues below zero count as zero; ``n_updates``
    repeats the update at these weights with the new alpha and beta (Netlab's ``num``).
    """
    alpha, beta, gamma, _ = _reestimated(net, X, T, alpha, beta, hessian, n_updates, H, progress)
    return alpha, beta, gamma


# ---------------------------------------------------------------------------- the evidence loop
@dataclass(frozen=True)
class EvidenceOptions:
    """The evidence procedure of Netlab demev1: ``cycles`` times, train (an equal share of the
    epochs) with the weight decay the hyperparameters imply, then re-estimate them ``updates``
    times at the new weights. ``per_group``: one alpha per group w1, b1, w2, b2 (demev2)."""

    alpha: float = 0.01
    beta: float = 50.0
    cycles: int = 5
    updates: int = 1
    hessian: str = "exact"
    per_group: bool = False

    def __post_init__(self):
        for name, key in (("alpha", "alpha"), ("beta", "beta"), ("cycles", "cycles"), ("updates", "updates"),
                          ("per_group", "per_group")):
            object.__setattr__(self, name, check(f"evidence {name}", getattr(self, name), BAYES_PARAMETERS[key]))
        _check_hessian_kind(self.hessian)

    @classmethod
    def coerce(cls, value) -> "EvidenceOptions":
        """An EvidenceOptions from itself, a dict of its fields or True (the defaults)."""
        if isinstance(value, cls):
            return value
        if value is True:
            return cls()
        if isinstance(value, Mapping):
            unknown = set(value) - {"alpha", "beta", "cycles", "updates", "hessian", "per_group"}
            if unknown:
                raise ValueError(f"unknown evidence option(s) {sorted(unknown)}")
            return cls(**value)
        raise ValueError(f"evidence must be EvidenceOptions, a dict of its settings or True, got {value!r}")


@dataclass(frozen=True)
class EvidenceStep:
    """The hyperparameters after one re-estimation, at the weights of ``epoch``."""

    epoch: int
    alpha: float | dict
    beta: float | None
    gamma: float
    n_params: int
    log_evidence: float


def weight_decay_for(alpha, beta) -> dict:
    """The regulariser whose minimum is w_MAP: E_D + Omega with Omega = alpha/(2 beta) |w|^2
    for regression (beta E_D + alpha/2 |w|^2, divided by beta) and alpha/2 |w|^2 for classifiers."""
    scale = 1.0 if beta is None else 1.0 / beta
    if isinstance(alpha, dict):
        return {"l2": 0.0, "l2_groups": {g: a * scale for g, a in alpha.items()}}
    return {"l2": alpha * scale, "l2_groups": None}


def train_with_evidence(trainer, epochs: int, options: EvidenceOptions | Mapping | bool = True,
                        callback: Callable | None = None, progress: Progress | None = None):
    """Train ``trainer`` (a core Trainer) for ``epochs`` epochs in ``options.cycles`` cycles, each
    followed by re-estimation of alpha and beta (Netlab demev1: outer loops of optimiser
    cycles, inner evidence updates). The trainer's L2 setting is replaced by the weight decay
    the current hyperparameters imply. Returns (final snapshot, [EvidenceStep, ...]).

    ``callback(snapshot, step_or_None)`` runs after each cycle; False stops. Divergence stops too.
    """
    options = EvidenceOptions.coerce(options)
    net = trainer.net
    _refuse_mdn(net)
    beta = options.beta if _is_regression(net) else None
    alpha = {g: options.alpha for g in _group_masks(net)} if options.per_group else options.alpha
    steps: list[EvidenceStep] = []
    snap = trainer.snapshot()
    done = 0
    for cycle in range(options.cycles):
        trainer.update_options(**weight_decay_for(alpha, beta))
        trainer.optimizer.reset()  # the objective changed: conjugate directions are stale (Netlab restarts scg)
        share = (epochs * (cycle + 1)) // options.cycles - done
        snap = trainer.advance(share)
        done += share
        if snap.status == "diverged":
            break
        alpha, beta, gamma, post = _reestimated(net, trainer.X, trainer.T, alpha, beta, options.hessian,
                                                options.updates, None, progress)
        step = EvidenceStep(trainer.epoch, alpha, beta, gamma, net.n_params, post.log_evidence())
        steps.append(step)
        if callback is not None and callback(snap, step) is False:
            break
    trainer.update_options(**weight_decay_for(alpha, beta))  # go on training at the final hyperparameters
    return snap, steps


# ---------------------------------------------------------------------------- prior samples (fig. 5.11)
def prior_functions(x, alphas: Mapping[str, float], n_hidden: int = 12, n_samples: int = 10,
                    seed: int = 0, hidden: str = "tanh") -> Array:
    """Functions y(x) of a 1-n_hidden-1 network whose weights are drawn from the prior
    N(0, 1/alpha_m) of each group w1, b1, w2, b2 (PRML 5.7, fig. 5.11); (n_samples, len(x))."""
    from .activations import get_activation

    x = np.asarray(x, dtype=float).reshape(-1)
    sd = {}
    for g in GROUP_NAMES:
        if g not in alphas:
            raise ValueError(f"prior_functions needs a precision for each group {GROUP_NAMES}; missing {g!r}")
        sd[g] = 1.0 / math.sqrt(check(f"alpha of group {g}", alphas[g], BAYES_PARAMETERS["alpha"]))
    rng = np.random.default_rng(seed)
    S, M = int(n_samples), int(n_hidden)
    w1 = rng.standard_normal((S, M)) * sd["w1"]
    b1 = rng.standard_normal((S, M)) * sd["b1"]
    w2 = rng.standard_normal((S, M)) * sd["w2"]
    b2 = rng.standard_normal((S, 1)) * sd["b2"]
    z = get_activation(hidden).h(x[None, :, None] * w1[:, None, :] + b1[:, None, :])  # (S, N, M)
    return np.einsum("snm,sm->sn", z, w2) + b2
