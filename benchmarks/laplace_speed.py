"""Cost of one Laplace update (core/bayes.py), what the Bayesian dock's worker does every N steps.

One update = the exact data Hessian at the current weights, its eigen-decomposition, A and A^-1,
gamma and the log evidence (``bayes.laplace`` + ``gamma`` + ``log_evidence``), then the
predictive distribution on the data view's 100 x 100 grid. Measured for the default network
(2-8-8-1 tanh, sigmoid head, 105 weights, 210 training points of the spirals) and for one of
about 1,000 weights (2-30-30-1, 1,051 weights). The reference, in the same run, is the bare
dense linear algebra a Laplace update cannot avoid: ``scipy.linalg.eigh`` of a W x W symmetric
matrix plus the product V diag(s) V^T that forms A^-1; the ratio says what the rest costs.
BLAS runs on one thread, as in the dock's worker (gui/background.single_threaded_blas), unless
OPENBLAS_NUM_THREADS says otherwise.

    python benchmarks/laplace_speed.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402

from playground.core import MLP, bayes, fit  # noqa: E402
from playground.core.datasets import make_dataset  # noqa: E402
from hessian_speed import best_time  # noqa: E402  (benchmarks/ is on the path of a script run from it)

REPEATS = 5


def reference(n_weights: int) -> float:
    rng = np.random.default_rng(0)
    B = rng.standard_normal((n_weights, n_weights))
    H = B @ B.T / n_weights

    def bare():
        s, V = scipy.linalg.eigh(H)
        (V / (s + 1.0)) @ V.T

    return best_time(bare, REPEATS)


def case(name: str, hidden: list[int]) -> None:
    data = make_dataset("spiral", n_points=300, noise=0.03, seed=0)
    X, T = data.X[:210], data.targets("sigmoid")[:210]
    net = MLP([2, *hidden, 1], hidden="tanh", output="sigmoid", seed=0)
    fit(net, X, T, epochs=50, optimizer="adam", lr=0.01)
    gx = np.linspace(-1.5, 1.5, 100)
    XX, YY = np.meshgrid(gx, gx)
    grid = np.column_stack([XX.ravel(), YY.ravel()])

    def update():
        post = bayes.laplace(net, X, T, alpha=0.01)
        post.gamma()
        post.log_evidence()
        return post

    post = update()
    t_update = best_time(update, REPEATS)
    t_predict = best_time(lambda: post.predictive(grid), REPEATS)
    t_ref = reference(net.n_params)
    print(f"{name}: {net.describe()}")
    print(f"  Laplace update (Hessian, eigh, A^-1, gamma, ln evidence): {t_update * 1e3:8.1f} ms")
    print(f"  moderated output on the 100 x 100 grid:                    {t_predict * 1e3:8.1f} ms")
    print(f"  reference, bare eigh + A^-1 of a {net.n_params} x {net.n_params} matrix:     {t_ref * 1e3:8.1f} ms"
          f"   ratio update / reference {t_update / t_ref:5.1f}")


if __name__ == "__main__":
    case("default network", [8, 8])
    case("about 1,000 weights", [30, 30])
