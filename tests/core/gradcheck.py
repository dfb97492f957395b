"""Central finite differences for derivative tests (Netlab gradchek style)."""

import numpy as np


def numerical_gradient(f, w, eps=1e-6):
    w = np.array(w, dtype=float)
    g = np.empty_like(w)
    for i in range(w.size):
        old = w[i]
        w[i] = old + eps
        fp = f(w)
        w[i] = old - eps
        fm = f(w)
        w[i] = old
        g[i] = (fp - fm) / (2.0 * eps)
    return g


def numerical_jacobian(f, x, eps=1e-6):
    """d f(x) / d x for array-valued f; result shape f(x).shape + x.shape."""
    x = np.array(x, dtype=float)
    f0 = np.asarray(f(x))
    J = np.empty(f0.shape + x.shape)
    flat = x.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = np.asarray(f(x))
        flat[i] = old - eps
        fm = np.asarray(f(x))
        flat[i] = old
        J.reshape(f0.shape + (-1,))[..., i] = (fp - fm) / (2.0 * eps)
    return J


def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.linalg.norm(a), np.linalg.norm(b), 1e-12)
    return np.linalg.norm(a - b) / scale
