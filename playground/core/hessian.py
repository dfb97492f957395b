"""The Hessian lab's mathematics (PRML 5.4): exact, approximate and spectral.

Every function takes ``(net, X, T, ...)`` with raw targets, as ``net.error`` does,
and is about the same function: E(w), the data error summed over points. With
``regularization=`` (a :class:`Regularization`, a :class:`BoundRegularizer` or
None) it is about E + Omega instead: L2 weight decay adds lambda_i on the
diagonal (lambda I for one coefficient, a diagonal constant per group for
``l2_groups``); L1 adds nothing (its curvature is zero away from w = 0).

Notation (any depth). Layer k = 0 .. L-1 maps its input z_k (z_0 = x) to the
pre-activations a_k = z_k W_k + b_k; hidden layers give z_{k+1} = h_k(a_k) and
a_{L-1} is the output layer's a, on which the head works. For one point n:
delta_k = dE_n/da_k (back-propagation), M = d2E_n/da_{L-1}^2 (the head's
curvature), and tilde z_k = [z_k, 1] so that the parameters of layer k, weights
(fan_in, fan_out) in C order then biases, are exactly tilde z_k (x) a_k's units.

What is computed how
--------------------
- :func:`exact` -- extended back-propagation (Bishop 1992, PRML 5.4.5) for any
  number of layers. The per-point second derivatives S_k = d2E_n/da_k da_k^T
  (downstream weights fixed) are back-propagated like delta:
      S_{L-1} = M,   S_k = D'_k W_{k+1} S_{k+1} W_{k+1}^T D'_k + diag(h_k''(a_k) . (W_{k+1} delta_{k+1})),
  with D'_k = diag h_k'(a_k). With G_ml = da_m/da_l (l <= m) and Q_ml = dz_m/da_l,
  the block of H between layers l <= m is (summed over points)
      d2E / dW_l[i,j] dW_m[i',j'] = tilde z_l,i tilde z_m,i' (G_ml^T S_m)_jj'
                                    + [m > l] tilde z_l,i (Q_ml)_i'j delta_m,j'   (i' a weight row)
  -- the first term is PRML's (5.93-5.95) "z z M" structure, the second the
  dependence of z_m on layer l. Each block is one matrix product over points,
  so the cost is about N W^2 multiply-adds; points are processed in chunks so
  that temporaries stay below a few tens of MB (besides H itself).
- :func:`outer_product` -- the same code with the h'' terms and the second term
  dropped: S_k becomes J_k^T M J_k and the blocks sum to sum_n J_n^T M_n J_n,
  the generalised Gauss-Newton / Levenberg-Marquardt matrix (PRML 5.84-5.85).
- :func:`hvp` -- Pearlmutter's R-operator (PRML 5.4.6, Netlab mlphdotv), one
  forward and one backward R-pass through every layer; :func:`gauss_newton_vector`
  shares the forward R-pass and applies M and ordinary back-propagation.
- :func:`diagonal` -- Becker & LeCun (PRML 5.79-5.81), see its docstring.
- :func:`outer_product_inverse` -- sequential rank-1 (Sherman-Morrison) updates (5.87-5.89).
- :func:`finite_difference` -- PRML 5.90 (errors, O(W^3)) and 5.91 (gradients, O(W^2)).
- Spectra: dense eigenvalues, ARPACK (``eigsh``) on the hvp operator, Hutchinson's
  trace and stochastic Lanczos quadrature for the spectral density.

Pure numpy/scipy; no Qt, no automatic differentiation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.linalg.blas import dger
from scipy.sparse.linalg import LinearOperator, eigsh

from .memory import require_dense
from .objective import Interrupted
from .regularizers import BoundRegularizer, Regularization

Array = np.ndarray

__all__ = [
    "SpectrumSummary",
    "condition_number",
    "diagonal",
    "eigenpairs",
    "exact",
    "extreme_eigenpairs",
    "finite_difference",
    "add_gradient_differences",
    "gauss_newton_vector",
    "hvp",
    "outer_product",
    "outer_product_inverse",
    "spectral_density",
    "spectrum",
    "summarize",
    "trace_hutchinson",
    "weight_jacobian",
]

# The way out named when a W x W matrix would not fit (memory.require_dense).
_MATRIX_FREE = ("use fewer hidden units, or look at the Hessian through Hessian-vector products "
                "(the Lanczos spectral density, a few extreme eigenvalues, the diagonal) instead")

# Size of the largest temporary array (bytes) the matrix builders allow themselves;
# a few of them live at once, so the peak stays well under ~200 MB besides H itself.
_CHUNK_BYTES = 32 * 2**20

DIAGONAL_VARIANTS = ("full", "drop_offdiag")
EIGSH_WHICH = ("LA", "SA", "BE", "LM")


# ---------------------------------------------------------------------------- shared helpers
def _prepare(net, X, T) -> tuple[Array, Array]:
    X = net.check_inputs(X)
    return X, net.head.prepare_targets(T, X.shape[0])


def _l2_diagonal(net, regularization) -> Array | None:
    """lambda_i (W,) of the regulariser's curvature, or None when there is none."""
    if regularization is None:
        return None
    if isinstance(regularization, Regularization):
        regularization = regularization.bind(net)
    if not isinstance(regularization, BoundRegularizer):
        raise TypeError(
            f"regularization must be a Regularization, a BoundRegularizer or None, got {type(regularization).__name__}"
        )
    lam = np.asarray(regularization.curvature_diagonal(net.w), dtype=float)
    if lam.shape != (net.n_params,):
        raise ValueError(f"the regulariser is bound to {lam.size} parameters but the network has {net.n_params}")
    return lam if np.any(lam) else None


def _layer_starts(net) -> list[int]:
    starts, offset = [], 0
    for fan_in, fan_out in zip(net.layer_sizes[:-1], net.layer_sizes[1:]):
        starts.append(offset)
        offset += (fan_in + 1) * fan_out
    return starts


def _augment(z: Array) -> Array:
    """tilde z = [z, 1], (N, fan_in + 1): the inputs that multiply a layer's weights and bias."""
    out = np.empty((z.shape[0], z.shape[1] + 1))
    out[:, :-1] = z
    out[:, -1] = 1.0
    return out


def _point_chunks(n: int, floats_per_point: int):
    step = max(1, min(n, _CHUNK_BYTES // (8 * max(1, floats_per_point))))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


class _Pass:
    """One forward pass and the back-propagated deltas, kept for second derivatives.

    ``A[k]`` pre-activations of layer k (``A[-1]`` the output layer's), ``z[k]`` its
    input, ``dh[k]`` = h_k'(A[k]) at hidden layer k. With ``second`` (the default) also
    ``delta[k]`` = dE/dA[k] for k >= 1 (delta[0] is never needed and left None) and
    ``curv[k]`` = h_k''(A[k]) * (delta[k+1] W_{k+1}^T), the diagonal term that the
    second derivative w.r.t. A[k] adds to the pulled-back curvature; without it only
    the output delta is kept (all the Gauss-Newton products need).
    """

    def __init__(self, net, X: Array, T: Array, second: bool = True):
        self.net, self.X, self.T = net, X, T
        self.cache = cache = net.forward_pass(X)
        self.z = cache.z
        self.A = list(cache.a) + [cache.out]
        self.E, d = net.head.error_and_delta(cache.out, T)
        hidden = list(zip(net.activations, cache.a, cache.z[1:]))
        self.dh = [act.dh(a, z) for act, a, z in hidden]
        L = net.n_layers
        self.delta = [None] * L
        self.delta[-1] = d
        self.curv = [None] * (L - 1)
        if second:
            for k in range(L - 2, -1, -1):
                back = d @ net.weights[k + 1].T
                act, a, z = hidden[k]
                self.curv[k] = act.d2h(a, z) * back
                if k:
                    d = back
                    d *= self.dh[k]
                    self.delta[k] = d

    # R-operator (PRML 5.96-5.102), layer by layer
    def r_forward(self, Vw: list, Vb: list) -> tuple[list, list]:
        """R{a_k} for every layer and R{z_k} for every layer input (R{z_0} = 0)."""
        W = self.net.weights
        RA, Rz = [], [None]
        for k in range(len(W)):
            ra = self.z[k] @ Vw[k]
            ra += Vb[k]
            if k:
                ra += Rz[k] @ W[k]
            RA.append(ra)
            if k < len(W) - 1:
                Rz.append(self.dh[k] * ra)
        return RA, Rz

    def hessian_vector(self, v: Array) -> Array:
        net = self.net
        W = net.weights
        Vw, Vb = net.unpack(v)
        RA, Rz = self.r_forward(Vw, Vb)
        out = np.empty(net.n_params)
        gW, gb = net.unpack(out)
        rd = net.head.curvature_vector(self.A[-1], self.T, RA[-1])  # R{delta_out} = M R{a_out}
        for k in range(len(W) - 1, -1, -1):
            # R{dE/dW_k} = z_k^T R{delta_k} + R{z_k}^T delta_k
            np.matmul(self.z[k].T, rd, out=gW[k])
            if k:
                gW[k] += Rz[k].T @ self.delta[k]
            np.sum(rd, axis=0, out=gb[k])
            if k:
                j = k - 1  # R{delta_j} = h'' (W delta) R{a_j} + h' (V delta + W R{delta})
                t = self.delta[k] @ Vw[k].T
                t += rd @ W[k].T
                t *= self.dh[j]
                t += self.curv[j] * RA[j]
                rd = t
        return out

    def gauss_newton_vector(self, v: Array) -> Array:
        net = self.net
        Vw, Vb = net.unpack(v)
        RA, _ = self.r_forward(Vw, Vb)  # J v
        MJv = net.head.curvature_vector(self.A[-1], self.T, RA[-1])
        return net.backpropagate(self.cache, MJv, np.empty(net.n_params))  # J^T M J v


def _check_vector(net, v) -> Array:
    v = np.asarray(v, dtype=float)
    if v.shape != (net.n_params,):
        raise ValueError(f"expected a vector of {net.n_params} entries, got shape {v.shape}")
    return v


# ---------------------------------------------------------------------------- full matrices
# The matrix builders keep per-point arrays with the point index LAST, e.g. S_k as
# (P_k, P_k, N): the elementwise products then run along long rows, and the sums over
# points are single matrix products (BLAS) of shape (rows, N) @ (N, cols).
def _t(a: Array) -> Array:
    return np.ascontiguousarray(a.T)


def _augment_t(z: Array) -> Array:
    """tilde z^T = [z, 1]^T, (fan_in + 1, N)."""
    out = np.empty((z.shape[1] + 1, z.shape[0]))
    out[:-1] = z.T
    out[-1] = 1.0
    return out


def _pull_back(S: Array, W: Array, dh: Array, extra: Array | None) -> tuple[Array, Array]:
    """S_k = D' W S_{k+1} W^T D' (+ diag(extra)) for every point; S (P1, P1, N), dh (Pk, N).

    Also returns WS = W S_{k+1}, (Pk, P1, N), which the block (k, k+1) reuses.
    """
    P1, N = S.shape[1], S.shape[2]
    Pk = W.shape[0]
    if P1 == 1:
        WS = W[:, :, None] * S[0]
        Sk = (W @ W.T)[:, :, None] * S[0, 0]
    else:
        WS = (W @ S.reshape(P1, P1 * N)).reshape(Pk, P1, N)  # sum_p W[a,p] S[p,q,n]
        Sk = np.matmul(W, WS)  # Sk[a, b, n] = sum_q W[b,q] WS[a,q,n]
    Sk *= dh[:, None, :]
    Sk *= dh[None, :, :]
    if extra is not None:
        idx = np.arange(Pk)
        Sk[idx, idx] += extra
    return Sk, WS


def _per_point_product(Gt: Array, S: Array) -> Array:
    """C_n = Gt_n S_n for every point: (J, P, N) x (P, P', N) -> (J, P', N)."""
    J, P, N = Gt.shape
    if P <= 12:  # a few long elementwise passes beat N tiny matrix products
        C = Gt[:, 0, None, :] * S[None, 0]
        for p in range(1, P):
            C += Gt[:, p, None, :] * S[None, p]
        return C
    C = np.matmul(_t(Gt.reshape(J * P, N)).reshape(N, J, P), _t(S.reshape(P * S.shape[1], N)).reshape(N, P, -1))
    return _t(C.reshape(N, -1)).reshape(J, -1, N)


def _row_chunk(n_rows: int, floats_per_row: int) -> int:
    return max(1, min(n_rows, _CHUNK_BYTES // (8 * max(1, floats_per_row))))


def _add_block(H, r0, c0, zl, zm, C, second):
    """H[layer l rows, layer m cols] += sum_n tilde z_l,i tilde z_m,i' C_n[j, j'] (+ second term).

    zl (I_l, N), zm (I_m, N), C (J_l, J_m, N). ``second`` is None, ("diag", dh_l, delta_m)
    when dz_m/da_l = diag(h_l') (m = l + 1), or ("full", Qt, delta_m) with
    Qt[j, i', n] = dz_m,i'/da_l,j; dh_l (J_l, N), delta_m (N, J_m) points first.
    """
    I_l, N = zl.shape
    I_m = zm.shape[0]
    J_l, J_m = C.shape[0], C.shape[1]
    P_in = I_m - 1
    Ct = C.reshape(J_l * J_m, N).T
    r = _row_chunk(I_l, max(I_m * J_l * J_m, N * I_m, N * J_m, N * J_l, J_l * P_in * J_m))
    for i0 in range(0, I_l, r):
        i1 = min(I_l, i0 + r)
        rows = slice(r0 + i0 * J_l, r0 + i1 * J_l)
        n_i = i1 - i0
        U = (zl[i0:i1, None, :] * zm[None, :, :]).reshape(n_i * I_m, N)
        R = (U @ Ct).reshape(n_i, I_m, J_l, J_m).transpose(0, 2, 1, 3)
        H[rows, c0 : c0 + I_m * J_m] += R.reshape(n_i * J_l, I_m * J_m)
        if second is None:
            continue
        kind, Q, delta_m = second
        view = H[rows, c0 : c0 + P_in * J_m].reshape(n_i, J_l, P_in, J_m)  # splits axes: always a view
        if kind == "diag":  # (i, j, i' = j, j') += sum_n z_l,i h'_l,j delta_m,j'
            U2 = (zl[i0:i1, None, :] * Q[None, :, :]).reshape(n_i * J_l, N)
            idx = np.arange(J_l)
            view[:, idx, idx, :] += (U2 @ delta_m).reshape(n_i, J_l, J_m)
        else:
            U2 = (zl[i0:i1, None, :] * delta_m.T[None, :, :]).reshape(n_i * J_m, N)
            R2 = (U2 @ Q.reshape(J_l * P_in, N).T).reshape(n_i, J_m, J_l, P_in)
            view += R2.transpose(0, 2, 3, 1)


def _accumulate(net, X: Array, T: Array, H: Array, gauss_newton: bool) -> None:
    """Add the upper block triangle of the exact Hessian (or the GGN) of E on (X, T) to H."""
    p = _Pass(net, X, T, second=not gauss_newton)
    Ws = net.weights
    L = net.n_layers
    dh = [_t(d) for d in p.dh]
    S = [None] * L  # (P_k, P_k, N)
    WS = [None] * (L - 1)  # W_{k+1} S_{k+1}, (P_k, P_{k+1}, N)
    S[-1] = np.ascontiguousarray(net.head.curvature(p.A[-1], T).transpose(1, 2, 0))
    for k in range(L - 2, -1, -1):
        extra = None if gauss_newton else _t(p.curv[k])
        S[k], WS[k] = _pull_back(S[k + 1], Ws[k + 1], dh[k], extra)
    zt = [_augment_t(z) for z in p.z]
    starts = _layer_starts(net)
    for l in range(L):
        Gt = None  # (da_m/da_l)^T, (J_l, P_m, N)
        for m in range(l, L):
            second = None
            if m == l:
                C = S[l]
            else:
                if m == l + 1:  # dz_m/da_l = diag(h_l'), G_ml^T S_m = D'_l W_m S_m
                    C = WS[l] * dh[l][:, None, :]
                    if m < L - 1:  # needed further down the column
                        Gt = Ws[m][:, :, None] * dh[l][:, None, :]
                    if not gauss_newton:
                        second = ("diag", dh[l], p.delta[m])
                else:
                    Qt = Gt * dh[m - 1][None, :, :]
                    Gt = np.matmul(Ws[m].T, Qt)
                    C = _per_point_product(Gt, S[m])  # G_ml^T S_m
                    if not gauss_newton:
                        second = ("full", Qt, p.delta[m])
            _add_block(H, starts[l], starts[m], zt[l], zt[m], C, second)


def _add_transpose_in_place(H: Array, tile: int = 256) -> None:
    """H <- H + H^T without a second W x W array."""
    n = H.shape[0]
    for a0 in range(0, n, tile):
        a = slice(a0, min(n, a0 + tile))
        for b0 in range(a0, n, tile):
            b = slice(b0, min(n, b0 + tile))
            S = H[a, b] + H[b, a].T
            H[a, b] = S
            H[b, a] = S.T


def _curvature_matrix(net, X, T, regularization, gauss_newton: bool, progress=None) -> Array:
    what = ("The outer-product (Gauss-Newton) Hessian" if gauss_newton else "The exact Hessian") + " of this network"
    require_dense(net.n_params, what, _MATRIX_FREE)
    X, T = _prepare(net, X, T)
    lam = _l2_diagonal(net, regularization)
    n_w = net.n_params
    P = net.layer_sizes[1:]
    # floats per point: S_k and W_{k+1} S_{k+1} for every layer, the column work arrays
    # (G, Q, C and a temporary), z / a / h' / h'' / delta and their transposes
    per_point = (sum(p * p for p in P) + sum(p * q for p, q in zip(P[:-1], P[1:])) + 4 * max(P) ** 2
                 + 8 * sum(net.layer_sizes))
    H = np.zeros((n_w, n_w))
    n = X.shape[0]
    for rows in _point_chunks(n, per_point):
        if progress is not None and progress(rows.start, n) is False:
            raise Interrupted()
        _accumulate(net, X[rows], T[rows], H, gauss_newton)
    # only blocks l <= m were filled: H <- H + H^T with the diagonal blocks halved first
    # mirrors them and symmetrises the diagonal blocks (done tile by tile, in place)
    for start, size in zip(_layer_starts(net), [(a + 1) * b for a, b in zip(net.layer_sizes[:-1], P)]):
        H[start : start + size, start : start + size] *= 0.5
    _add_transpose_in_place(H)
    if lam is not None:
        H[np.diag_indices(n_w)] += lam
    return H


def exact(net, X, T, regularization=None, progress=None) -> Array:
    """The exact Hessian d2E/dw dw^T, (W, W), by extended back-propagation (PRML 5.4.5).

    Works for any depth, activation and head; see the module docstring for the
    recursion. Symmetric to round-off (symmetrised at the end).

    ``progress(points_done, n_points)`` is called before every chunk of points; if it
    returns False the computation stops by raising ``Interrupted``. A matrix that
    would not fit in memory is refused first (``memory.TooLargeError``).
    """
    return _curvature_matrix(net, X, T, regularization, gauss_newton=False, progress=progress)


def outer_product(net, X, T, regularization=None, progress=None) -> Array:
    """Outer-product / generalised Gauss-Newton approximation sum_n J_n^T M_n J_n, (W, W).

    J_n = d a_out,n / dw (output pre-activations), M_n the head's curvature: the
    identity for the linear head (PRML 5.84-5.85, sum b b^T), y(1-y) for sigmoid,
    diag y - y y^T for softmax, the MDN head's (possibly indefinite) M. Equals the
    exact Hessian at zero residual with the linear head and for any head when the
    network has no hidden layer. ``progress`` as for :func:`exact`.
    """
    return _curvature_matrix(net, X, T, regularization, gauss_newton=True, progress=progress)


def weight_jacobian(net, X) -> Array:
    """J_n = d a_out / dw for every point: (N, P, W), P output pre-activations.

    PRML's b_n = grad a_n (5.84), obtained by back-propagating each unit vector of
    the output layer through the network for each point.
    """
    X = net.check_inputs(X)
    cache = net.forward_pass(X)
    N, P = cache.out.shape
    J = np.empty((N, P, net.n_params))
    B = np.broadcast_to(np.eye(P), (N, P, P))  # d a_out / d a_k, (N, P, P_k)
    starts = _layer_starts(net)
    for k in range(net.n_layers - 1, -1, -1):
        zt = _augment(cache.z[k])
        size = zt.shape[1] * B.shape[2]
        J[:, :, starts[k] : starts[k] + size] = (zt[:, None, :, None] * B[:, :, None, :]).reshape(N, P, size)
        if k:
            act = net.activations[k - 1]
            B = (B @ net.weights[k].T) * act.dh(cache.a[k - 1], cache.z[k])[:, None, :]
    return J


def outer_product_inverse(net, X, T, alpha, regularization=None) -> Array:
    """inv(alpha I + diag(lambda) + sum_n J_n^T M_n J_n) by sequential rank-1 updates (PRML 5.87-5.89).

    H_0 = alpha I (+ the weight-decay diagonal; it must be positive). Points are taken one at a time; each
    M_n = sum_i s_i u_i u_i^T (eigen-decomposition) contributes one rank-1 term
    s_i b b^T with b = J_n^T u_i per non-zero s_i, and each term updates the inverse by
    Sherman-Morrison: A^-1 <- A^-1 - s (A^-1 b)(A^-1 b)^T / (1 + s b^T A^-1 b).
    For the linear head this is PRML's b_n = grad a_n exactly; sigmoid gives
    s = y(1-y); softmax's null direction (s = 0 up to round-off) is harmless.
    The MDN head's M can be indefinite: negative s are applied as signed terms,
    and a ValueError is raised when a denominator 1 + s b^T A^-1 b comes near zero
    or negative (the running matrix stops being positive definite, so the inverse
    would be meaningless or unstable). Cost O(N P W^2).
    """
    alpha = float(alpha)
    if not math.isfinite(alpha) or alpha < 0.0:
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}")
    require_dense(net.n_params, "The inverse of the outer-product Hessian of this network", _MATRIX_FREE, copies=3)
    X, T = _prepare(net, X, T)
    lam = _l2_diagonal(net, regularization)
    n_w = net.n_params
    start = np.full(n_w, alpha) if lam is None else alpha + lam
    if start.min() <= 0.0:
        raise ValueError("the starting matrix alpha I + diag(lambda) must be positive definite: use alpha > 0")
    A = np.asfortranarray(np.diag(1.0 / start))  # symmetric, updated in place by BLAS dger
    P = net.head.n_units
    for rows in _point_chunks(X.shape[0], 2 * P * n_w + 2 * P * P):
        a_out = net.forward_pass(X[rows]).out
        s, U = np.linalg.eigh(net.head.curvature(a_out, T[rows]))
        B = np.matmul(U.transpose(0, 2, 1), weight_jacobian(net, X[rows]))  # rows J_n^T u_i
        for n in range(B.shape[0]):
            for i in range(P):
                if s[n, i] == 0.0:
                    continue
                b = B[n, i]
                c = A @ b
                denom = 1.0 + s[n, i] * float(b @ c)
                if denom <= 1e-10:
                    raise ValueError(
                        "the sequential inverse broke down: the head's curvature M is indefinite "
                        f"(mixture density head) and the running matrix alpha I + sum J^T M J stops being "
                        f"positive definite at point {rows.start + n}; use a larger alpha, or invert "
                        "alpha I + outer_product(...) by an eigen-decomposition instead"
                    )
                dger(-s[n, i] / denom, c, c, a=A, overwrite_a=1)
    return np.ascontiguousarray(0.5 * (A + A.T))


# ---------------------------------------------------------------------------- vectors and diagonals
def hvp(net, X, T, v, regularization=None) -> Array:
    """Hessian-vector product H v by Pearlmutter's R-operator (PRML 5.4.6), (W,).

    Costs one forward pass, the deltas, one forward and one backward R-pass:
    about 2-3 gradient evaluations, never forming H.
    """
    X, T = _prepare(net, X, T)
    v = _check_vector(net, v)
    lam = _l2_diagonal(net, regularization)
    Hv = _Pass(net, X, T).hessian_vector(v)
    if lam is not None:
        Hv += lam * v
    return Hv


def gauss_newton_vector(net, X, T, v, regularization=None) -> Array:
    """(sum_n J_n^T M_n J_n) v, the outer-product matrix times v, without forming it.

    Forward R-pass (J v), the head's M, then ordinary back-propagation (J^T).
    """
    X, T = _prepare(net, X, T)
    v = _check_vector(net, v)
    lam = _l2_diagonal(net, regularization)
    Gv = _Pass(net, X, T, second=False).gauss_newton_vector(v)
    if lam is not None:
        Gv += lam * v
    return Gv


def diagonal(net, X, T, variant="full", regularization=None) -> Array:
    """Becker & LeCun's diagonal approximation (PRML 5.79-5.81), back-propagated through any depth, (W,).

    d2E/dw_ji^2 = sum_n z_i^2 s_j with s_j ~ d2E_n/da_j^2, propagated down from the output:
        s_j = h'(a_j)^2 sum_kk' w_kj w_k'j S_kk' + h''(a_j) sum_k w_kj delta_k.
    What is kept of the matrix S of the layer above:
    - ``"full"``: the output layer's S = M is used in full (off-diagonal k != k'
      included), so the top hidden layer's s is exact; below it only the diagonal of
      S is available (the method propagates one number per unit), so deeper layers
      use S ~ diag(s). Hence the result is exactly diag(H) for networks with up to
      one hidden layer (any head, any number of outputs), and an approximation for
      deeper networks.
    - ``"drop_offdiag"``: S ~ diag(s) everywhere, including the output block M (the
      classic cheap version); equal to ``"full"`` when M is diagonal (linear and
      sigmoid heads, in particular one output).
    The output layer's own weights are always exact (their diagonal only needs diag M).
    """
    if variant not in DIAGONAL_VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of: {', '.join(DIAGONAL_VARIANTS)}")
    X, T = _prepare(net, X, T)
    lam = _l2_diagonal(net, regularization)
    L = net.n_layers
    P = net.head.n_units
    d = np.zeros(net.n_params)
    dW, db = net.unpack(d)
    for rows in _point_chunks(X.shape[0], 2 * P * P + 4 * sum(net.layer_sizes) + P * max(net.layer_sizes)):
        p = _Pass(net, X[rows], T[rows])
        M = net.head.curvature(p.A[-1], T[rows])
        s = np.diagonal(M, axis1=1, axis2=2)
        for k in range(L - 1, -1, -1):
            if k < L - 1:
                W = net.weights[k + 1]
                if variant == "full" and k == L - 2:
                    q = np.sum(np.matmul(W, M) * W, axis=2)  # sum_kk' w_jk M_kk' w_jk'
                else:
                    q = s @ (W * W).T
                s = p.dh[k] ** 2 * q + p.curv[k]
            z2 = p.z[k] ** 2
            dW[k] += z2.T @ s
            db[k] += s.sum(axis=0)
    if lam is not None:
        d += lam
    return d


# ---------------------------------------------------------------------------- finite differences
def add_gradient_differences(net, gradient, H: Array, scale: float = 1.0, eps: float = 1e-4,
                             progress=None) -> Array:
    """``H += scale *`` the Hessian of a function of the weights by central differences of its
    exact gradient (PRML 5.91): column l is [g(w + eps e_l) - g(w - eps e_l)] / (2 eps), where
    ``gradient(out)`` writes g at ``net.w`` into ``out``. 2W gradient passes, error O(eps^2);
    not symmetrised (the caller does, once). ``progress(done, W)`` False stops it (``Interrupted``).
    ``net.w`` is restored afterwards, also when an exception is raised."""
    w, w0 = net.w, net.w.copy()
    n_w = w0.size
    gp, gm = np.empty(n_w), np.empty(n_w)
    factor = scale / (2.0 * eps)
    try:
        for l in range(n_w):
            if progress is not None and progress(l, n_w) is False:
                raise Interrupted()
            w[l] = w0[l] + eps
            gradient(gp)
            w[l] = w0[l] - eps
            gradient(gm)
            w[l] = w0[l]
            gp -= gm
            gp *= factor
            H[:, l] += gp
    finally:
        w[:] = w0
    return H


def finite_difference(net, X, T, eps=1e-4, method="gradients", regularization=None) -> Array:
    """Hessian by central finite differences (PRML 5.4.4), (W, W); for checking.

    - ``method="gradients"`` (5.91, O(W^2)): column l is
      [g(w + eps e_l) - g(w - eps e_l)] / (2 eps) of the back-propagated gradient;
      the result is symmetrised (its asymmetry is pure truncation/round-off error).
    - ``method="errors"`` (5.90, O(W^3)): H_kl = [E(w+eps e_k+eps e_l) - E(w+eps e_k-eps e_l)
      - E(w-eps e_k+eps e_l) + E(w-eps e_k-eps e_l)] / (4 eps^2), four error evaluations per
      pair k <= l (the diagonal uses steps of 2 eps).
    With ``regularization`` the differences are taken of E + 1/2 sum lambda_i w_i^2, the
    smooth part of Omega (L1 contributes no curvature, as everywhere in this module).
    ``net.w`` is restored afterwards, also when an exception is raised.
    """
    if method not in ("gradients", "errors"):
        raise ValueError(f"unknown method {method!r}; choose 'gradients' or 'errors'")
    eps = float(eps)
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    require_dense(net.n_params, "The finite-difference Hessian of this network", _MATRIX_FREE, copies=3)
    X, T = _prepare(net, X, T)
    lam = _l2_diagonal(net, regularization)
    w0 = net.w.copy()
    n_w = w0.size
    H = np.empty((n_w, n_w))
    w = net.w
    try:
        if method == "gradients":
            H[:] = 0.0
            add_gradient_differences(net, lambda out: net.error_gradient(X, T, out), H, eps=eps)
            H = 0.5 * (H + H.T)
        else:

            def error() -> float:
                E = net.head.error(net.forward_pass(X).out, T)
                if lam is not None:
                    E += 0.5 * float(np.dot(lam * w, w))
                return E

            E0 = error()
            for k in range(n_w):
                for l in range(k, n_w):
                    f = []
                    for sk, sl in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                        w[k] += sk * eps
                        w[l] += sl * eps
                        f.append(E0 if k == l and sk != sl else error())
                        w[k] = w0[k]
                        w[l] = w0[l]
                    H[k, l] = H[l, k] = (f[0] - f[1] - f[2] + f[3]) / (4.0 * eps * eps)
        if lam is not None and method == "gradients":
            H[np.diag_indices(n_w)] += lam
    finally:
        net.w[:] = w0
    return H


# ---------------------------------------------------------------------------- spectra
def spectrum(H) -> Array:
    """Eigenvalues of a symmetric matrix, ascending (scipy.linalg.eigvalsh)."""
    return scipy.linalg.eigvalsh(_check_square(H))


def eigenpairs(H) -> tuple[Array, Array]:
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric matrix."""
    return scipy.linalg.eigh(_check_square(H))


def _check_square(H) -> Array:
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {H.shape}")
    return H


class _Operator:
    """H v (regularised) on fixed data, the forward pass done once."""

    def __init__(self, net, X, T, regularization):
        X, T = _prepare(net, X, T)
        self.n = net.n_params
        self.lam = _l2_diagonal(net, regularization)
        self.w = net.w.copy()
        self._pass = _Pass(net, X, T)
        self.net = net

    def __call__(self, v: Array) -> Array:
        if not np.array_equal(self.net.w, self.w):
            raise RuntimeError("the network's weights changed while its Hessian operator was in use")
        v = np.asarray(v, dtype=float).reshape(-1)
        Hv = self._pass.hessian_vector(v)
        if self.lam is not None:
            Hv += self.lam * v
        return Hv

    def linear_operator(self) -> LinearOperator:
        return LinearOperator((self.n, self.n), matvec=self, rmatvec=self, dtype=float)


def _sign_fix(vectors: Array) -> Array:
    """Deterministic signs: each eigenvector's largest-magnitude entry is positive."""
    idx = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[idx, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return vectors * signs


def extreme_eigenpairs(net, X, T, k=6, which="LA", regularization=None, tol=1e-10, seed=0,
                       maxiter=None) -> tuple[Array, Array]:
    """A few extreme eigenpairs of H by ARPACK (``scipy.sparse.linalg.eigsh``) on the hvp operator.

    ``which``: "LA" largest, "SA" smallest (most negative), "BE" half from each end,
    "LM" largest magnitude. The start vector comes from ``seed`` (deterministic).
    Returns (values ascending (k,), vectors (W, k) as columns, signs fixed so that
    each column's largest entry is positive). When k >= W - 1 (ARPACK's limit) the
    dense exact Hessian is decomposed instead.
    """
    if which not in EIGSH_WHICH:
        raise ValueError(f"unknown which {which!r}; choose one of: {', '.join(EIGSH_WHICH)}")
    n_w = net.n_params
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if k >= n_w - 1:
        values, vectors = eigenpairs(exact(net, X, T, regularization=regularization))
        k = min(k, n_w)
        if which == "LA":
            pick = np.arange(n_w - k, n_w)
        elif which == "SA":
            pick = np.arange(k)
        elif which == "BE":
            pick = np.r_[np.arange(k // 2), np.arange(n_w - (k - k // 2), n_w)]
        else:
            pick = np.sort(np.argsort(np.abs(values))[n_w - k :])
        return values[pick], _sign_fix(vectors[:, pick])
    op = _Operator(net, X, T, regularization)
    v0 = np.random.default_rng(seed).standard_normal(n_w)
    values, vectors = eigsh(op.linear_operator(), k=k, which=which, v0=v0, tol=tol, maxiter=maxiter)
    order = np.argsort(values)
    return values[order], _sign_fix(vectors[:, order])


def trace_hutchinson(net, X, T, n_samples=100, seed=0, regularization=None) -> tuple[float, float]:
    """Hutchinson's estimate of tr H = E[v^T H v] with Rademacher v: (estimate, standard error)."""
    n_samples = int(n_samples)
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    op = _Operator(net, X, T, regularization)
    rng = np.random.default_rng(seed)
    samples = np.empty(n_samples)
    for s in range(n_samples):
        v = rng.integers(0, 2, op.n) * 2.0 - 1.0
        samples[s] = v @ op(v)
    se = float(samples.std(ddof=1) / math.sqrt(n_samples)) if n_samples > 1 else math.inf
    return float(samples.mean()), se


def _lanczos(matvec, v0: Array, n_steps: int) -> tuple[Array, Array]:
    """Ritz values and squared first components after <= n_steps Lanczos steps.

    Full reorthogonalisation (twice, Gram-Schmidt) against all previous vectors;
    stops early when the Krylov space is exhausted (beta ~ 0).
    """
    n = v0.size
    m = min(n_steps, n)
    Q = np.zeros((m, n))
    alpha, beta = [], []
    q = v0 / np.linalg.norm(v0)
    scale = 0.0
    for j in range(m):
        Q[j] = q
        w = matvec(q)
        a = float(q @ w)
        alpha.append(a)
        w -= a * q
        if j:
            w -= beta[-1] * Q[j - 1]
        for _ in range(2):
            w -= Q[: j + 1].T @ (Q[: j + 1] @ w)
        b = float(np.linalg.norm(w))
        scale = max(scale, abs(a) + b + (beta[-1] if beta else 0.0))
        if j == m - 1 or b <= 1e-10 * scale:
            break
        beta.append(b)
        q = w / b
    if len(alpha) == 1:
        return np.array(alpha), np.ones(1)
    theta, U = scipy.linalg.eigh_tridiagonal(np.array(alpha), np.array(beta[: len(alpha) - 1]))
    return theta, U[0] ** 2


def spectral_density(net, X, T, n_probes=10, n_steps=30, grid=None, sigma=None, seed=0,
                     regularization=None) -> tuple[Array, Array]:
    """Eigenvalue density of H by stochastic Lanczos quadrature: (grid, density).

    For each of ``n_probes`` normalised Rademacher vectors, ``n_steps`` Lanczos steps
    on the hvp operator (full reorthogonalisation) give nodes (Ritz values) and
    weights (squared first components of the Ritz vectors, summing to 1); the
    density is their average, each node smoothed by a normal density of width
    ``sigma`` (default 1/100 of the span of the nodes). It integrates to 1 over the
    real line; the default grid (1,001 points) covers the nodes +- 6 sigma.
    With n_steps >= W every probe recovers the exact eigenvalues, each with mean weight 1/W.
    """
    n_probes, n_steps = int(n_probes), int(n_steps)
    if n_probes < 1 or n_steps < 1:
        raise ValueError("n_probes and n_steps must be at least 1")
    op = _Operator(net, X, T, regularization)
    rng = np.random.default_rng(seed)
    nodes, weights = [], []
    for _ in range(n_probes):
        v = rng.integers(0, 2, op.n) * 2.0 - 1.0
        theta, tau = _lanczos(op, v, n_steps)
        nodes.append(theta)
        weights.append(tau / n_probes)
    nodes, weights = np.concatenate(nodes), np.concatenate(weights)
    lo, hi = float(nodes.min()), float(nodes.max())
    if sigma is None:
        span = hi - lo
        if span <= 1e-12 * max(abs(lo), abs(hi)):
            span = max(abs(lo), abs(hi), 1e-3)
        sigma = span / 100.0
    sigma = float(sigma)
    if not (math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive number, got {sigma!r}")
    if grid is None:
        grid = np.linspace(lo - 6.0 * sigma, hi + 6.0 * sigma, 1001)
    grid = np.asarray(grid, dtype=float)
    density = np.zeros_like(grid)
    norm = 1.0 / (sigma * math.sqrt(2.0 * math.pi))
    for theta, tau in zip(nodes, weights):
        u = (grid - theta) / sigma
        density += tau * norm * np.exp(-0.5 * u * u)
    return grid, density


def condition_number(values) -> float:
    """max |lambda| / min |lambda|; inf when the matrix is singular to working precision
    (min |lambda| <= n eps max |lambda|, numpy's matrix_rank convention)."""
    a = np.abs(np.asarray(values, dtype=float).reshape(-1))
    if a.size == 0:
        raise ValueError("no eigenvalues given")
    top, bottom = float(a.max()), float(a.min())
    if top == 0.0 or bottom <= a.size * np.finfo(float).eps * top:
        return math.inf
    return top / bottom


@dataclass(frozen=True)
class SpectrumSummary:
    """A few numbers about a spectrum; eigenvalues with |lambda| <= tol max|lambda| count as zero."""

    n: int
    n_negative: int
    n_zero: int
    n_positive: int
    trace: float
    condition_number: float
    min: float
    max: float


def summarize(values, tol=1e-10) -> SpectrumSummary:
    """Counts of negative / zero / positive eigenvalues, trace, condition number, extremes."""
    v = np.asarray(values, dtype=float).reshape(-1)
    if v.size == 0:
        raise ValueError("no eigenvalues given")
    scale = float(np.abs(v).max())
    zero = np.abs(v) <= tol * scale
    return SpectrumSummary(
        n=int(v.size),
        n_negative=int(np.sum((v < 0) & ~zero)),
        n_zero=int(np.sum(zero)),
        n_positive=int(np.sum((v > 0) & ~zero)),
        trace=float(v.sum()),
        condition_number=condition_number(v),
        min=float(v.min()),
        max=float(v.max()),
    )
