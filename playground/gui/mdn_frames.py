"""What the mixture density views draw (PRML fig. 5.21), computed in the training thread.

From the output-layer activations of an MDN on the frame's grid: the mixing coefficients
pi_k(x), the means mu_k(x) and widths sigma_k(x), the conditional mean and standard
deviation (5.158, 5.160), the approximate conditional mode (the mean of the most probable
component, Netlab demmdn1) cut into pieces where the most probable component changes, and
the colour scale of the density p(t|x). Pure numpy; no Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DENSITY_PERCENTILE = 99.0  # the top of the density's colour scale, over the points' x range


@dataclass(frozen=True, eq=False)
class MixtureFrame:
    """The mixture along x (1-D inputs) or over the plane (2-D inputs); fresh arrays.

    1-D: ``pi``, ``mu``, ``sigma`` are (K, nx); ``mean`` and ``std`` (nx,); the mode is
    (``mode_x``, ``mode_y``), one piece per run of the same most probable component with a
    NaN between pieces, so that a curve never joins two branches across the jump.
    2-D: ``pi`` is (K, ny, nx) and ``mean`` (ny, nx); the rest is None.
    """

    pi: np.ndarray
    mean: np.ndarray
    mu: np.ndarray | None = None
    sigma: np.ndarray | None = None
    std: np.ndarray | None = None
    mode_x: np.ndarray | None = None
    mode_y: np.ndarray | None = None
    density_levels: tuple[float, float] | None = None  # (0, top) of the colour scale of p(t|x)

    @property
    def n_components(self) -> int:
        return self.pi.shape[0]


def mode_with_breaks(x: np.ndarray, pi: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, mode) of the mean of the most probable component, pi (N, K) and mu (N, K), with a
    NaN point midway wherever the most probable component changes between neighbours."""
    winner = np.argmax(pi, axis=1)
    mode = mu[np.arange(len(x)), winner]
    jumps = np.flatnonzero(winner[1:] != winner[:-1])  # between i and i + 1
    if jumps.size == 0:
        return np.asarray(x, dtype=float).copy(), mode.astype(float)
    xs = np.insert(np.asarray(x, dtype=float), jumps + 1, 0.5 * (x[jumps] + x[jumps + 1]))
    ys = np.insert(mode.astype(float), jumps + 1, np.nan)
    return xs, ys


def density_levels(density: np.ndarray, gx: np.ndarray, points_x: np.ndarray | None) -> tuple[float, float]:
    """(0, top) for the colour scale of p(t|x) (ny, nx): the DENSITY_PERCENTILE-th percentile of
    the density over the grid columns inside the points' x range (all columns without points;
    the nearest column when the points fall between two), so that a sharp peak where the network extrapolates does not wash out the density
    where the data are."""
    columns = slice(None)
    if points_x is not None and np.size(points_x):
        finite = np.asarray(points_x, dtype=float)
        finite = finite[np.isfinite(finite)]
        if finite.size:
            inside = (gx >= finite.min()) & (gx <= finite.max())
            if not inside.any():  # the points between two columns (one point, say): the nearest column
                inside[np.argmin(np.abs(gx - 0.5 * (finite.min() + finite.max())))] = True
            columns = inside
    values = density[:, columns]
    values = values[np.isfinite(values)]
    top = float(np.percentile(values, DENSITY_PERCENTILE)) if values.size else 1.0
    return 0.0, top if top > 1e-12 else max(float(values.max()) if values.size else 1.0, 1e-12)


def mixture_1d(head, out: np.ndarray, gx: np.ndarray, density: np.ndarray | None,
               points_x: np.ndarray | None) -> MixtureFrame:
    """The curves of fig. 5.21 along ``gx`` from output activations ``out`` (nx, P); the first
    target dimension when there are several."""
    pi, mu, sigma = head.output(out)
    mu0 = mu[:, :, 0]
    mode_x, mode_y = mode_with_breaks(gx, pi, mu0)
    mean = np.einsum("nk,nk->n", pi, mu0)
    std = np.sqrt(np.maximum(head.conditional_variance(out), 0.0))
    levels = None if density is None else density_levels(density, gx, points_x)
    return MixtureFrame(pi=pi.T.copy(), mean=mean, mu=mu0.T.copy(), sigma=sigma.T.copy(), std=std,
                        mode_x=mode_x, mode_y=mode_y, density_levels=levels)


def mixture_2d(head, out: np.ndarray, n: int) -> MixtureFrame:
    """Maps of each pi_k and the conditional mean surface (first target) over an n x n grid."""
    pi, mu, _ = head.output(out)
    mean = np.einsum("nk,nk->n", pi, mu[:, :, 0])
    return MixtureFrame(pi=pi.T.reshape(-1, n, n).copy(), mean=mean.reshape(n, n))
