"""Start a mixture density network from the targets' own spread (Netlab mdninit).

A freshly initialised MDN puts all K components at t = 0 with sigma = 1 and equal
mixing coefficients: symmetric, and far from targets that span [0, 1] with noise 0.06.
Netlab's ``mdninit`` fits a spherical Gaussian mixture to the targets t alone (the
unconditional density p(t)) and sets the output biases so that, before any training,
the network outputs that mixture at every x; the random output weights then add
small, different x-dependences that break the symmetry between components.

Here the mixture is fitted by k-means (k-means++ seeding) and a few EM steps
(PRML 9.1, 9.2.2) in numpy; widths have a floor so that a cluster of one repeated
value does not give sigma = 0.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

KMEANS_STEPS = 10
EM_STEPS = 10
OUTPUT_WEIGHT_SCALE = 0.1  # output weights shrunk: the x-dependence starts as noise around the mixture


def fit_spherical_gmm(T: Array, n_components: int, rng: np.random.Generator) -> tuple[Array, Array, Array]:
    """(pi (K,), centres (K, L), sigma (K,)) of a spherical Gaussian mixture fitted to the rows of T."""
    T = np.asarray(T, dtype=float)
    N, L = T.shape
    K = int(n_components)
    spread = float(np.sqrt(np.mean(np.var(T, axis=0)))) if N > 1 else 0.0
    tiny = max(1e-3 * spread, 1e-6)  # the smallest width a component may get
    # k-means++ seeding: each next centre drawn with probability proportional to d^2
    centres = np.empty((K, L))
    centres[0] = T[rng.integers(N)]
    d2 = np.sum((T - centres[0]) ** 2, axis=1)
    for k in range(1, K):
        total = d2.sum()
        centres[k] = T[rng.choice(N, p=d2 / total)] if total > 0 else T[rng.integers(N)]
        d2 = np.minimum(d2, np.sum((T - centres[k]) ** 2, axis=1))
    for _ in range(KMEANS_STEPS):
        labels = np.argmin(np.sum((T[:, None, :] - centres[None]) ** 2, axis=2), axis=1)
        for k in range(K):
            if np.any(labels == k):
                centres[k] = T[labels == k].mean(axis=0)
    counts = np.bincount(labels, minlength=K).astype(float)
    pi = np.maximum(counts, 1.0) / np.maximum(counts, 1.0).sum()
    sq = np.sum((T[:, None, :] - centres[None]) ** 2, axis=2)  # (N, K)
    var = np.array([sq[labels == k, k].mean() / L if counts[k] else spread**2 for k in range(K)])
    var = np.maximum(var, tiny**2)
    for _ in range(EM_STEPS):  # PRML 9.23-9.27 with a spherical covariance sigma_k^2 I
        log_p = np.log(pi) - 0.5 * L * np.log(2 * np.pi * var) - 0.5 * sq / var
        log_p -= log_p.max(axis=1, keepdims=True)
        gamma = np.exp(log_p)
        gamma /= gamma.sum(axis=1, keepdims=True)
        Nk = gamma.sum(axis=0) + 1e-12
        centres = (gamma.T @ T) / Nk[:, None]
        sq = np.sum((T[:, None, :] - centres[None]) ** 2, axis=2)
        var = np.maximum(np.sum(gamma * sq, axis=0) / (L * Nk), tiny**2)
        pi = Nk / Nk.sum()
    return pi, centres, np.sqrt(var)


def initialize_from_targets(net, T, rng: np.random.Generator) -> None:
    """Set the output layer of an MDN ``net`` so that it starts at a mixture fitted to T.

    Biases: logits ln pi_k, means the centres, width units s_k with floor + e^s_k = sigma_k
    (Netlab mdninit; Netlab's priors enter its softmax unlogged, a slip not copied here).
    Output weights are scaled by OUTPUT_WEIGHT_SCALE so that y(x) starts close to p(t).
    """
    head = net.head
    K, L = head.n_components, head.n_targets
    T = head.prepare_targets(T)
    if T.shape[0] == 0:
        return
    pi, centres, sigma = fit_spherical_gmm(T, K, rng)
    order = np.argsort(centres[:, 0], kind="stable")  # component 1 lowest: the colours read bottom to top
    pi, centres, sigma = pi[order], centres[order], sigma[order]
    floor = head.sigma_floor
    excess = np.maximum(sigma - floor, 0.1 * np.maximum(sigma, floor))  # e^s > 0 even if sigma <= floor
    b = net.biases[-1]
    b[:K] = np.log(pi)
    b[K:K + K * L] = centres.reshape(-1)
    b[K + K * L:] = np.log(excess)
    net.weights[-1] *= OUTPUT_WEIGHT_SCALE
