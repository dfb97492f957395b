"""Second-order and line-search optimisers: scg, cg, bfgs, lbfgs, newton, lm."""

import re

import numpy as np
import pytest
import scipy.optimize

from playground.core import OPTIMIZERS, MLP, Objective, Regularization, Trainer, fit, make_optimizer

SECOND_ORDER = ("scg", "cg", "bfgs", "lbfgs", "newton", "lm")
LINE_SEARCH = ("scg", "cg", "bfgs", "lbfgs")


def logistic_problem(n=80, seed=0):
    """Two overlapping Gaussian classes: not separable, so with a small L2 term the
    regularised cross-entropy has one finite minimum."""
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2)) + np.where(t[:, None] == 1, 1.0, -1.0) * np.array([1.2, 0.6])
    return X, t.astype(float)


def sinusoid(n=30, seed=1):
    """PRML appendix A: x ~ U(0, 1), t = sin(2 pi x) + N(0, 0.3^2)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, (n, 1))
    return x, np.sin(2 * np.pi * x) + 0.3 * rng.normal(size=x.shape)


def objective_for(net, X, T, l2=0.0, **kw):
    reg = Regularization(l2=l2).bind(net)
    return Objective(net, X, net.head.prepare_targets(T, len(X)), reg, **kw)


def gradient(objective, w):
    g = np.empty_like(w)
    objective.value_and_gradient(np.array(w), g)
    return g


def reference_minimum(objective, w0):
    def f_and_g(v):
        g = np.empty_like(v)
        return objective.value_and_gradient(v.copy(), g), g

    res = scipy.optimize.minimize(f_and_g, w0, jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 10_000})
    assert np.linalg.norm(res.jac) < 1e-7
    return res.x


def test_all_six_are_registered_as_full_batch_multi_evaluation_methods():
    for name in SECOND_ORDER:
        cls = OPTIMIZERS[name]
        assert cls.name == name and cls.label
        assert cls.full_batch_only and not cls.evaluates_once
    X, T = sinusoid(12)
    trainer = Trainer(MLP([1, 3, 1], seed=0), X, T, optimizer="cg", batch_size=4)
    assert trainer.full_batch


@pytest.mark.parametrize("name", SECOND_ORDER)
@pytest.mark.parametrize("weighting", [{}, {"data_weight": 2.5, "scale": 0.1}])
def test_each_solves_regularised_logistic_regression(name, weighting):
    """A convex problem with a unique minimum: every method must find it, to the
    precision of scipy's BFGS, without the objective ever going up."""
    X, T = logistic_problem()
    net = MLP([2, 1], output="sigmoid", seed=0)
    objective = objective_for(net, X, T, l2=0.01, **weighting)
    w0 = net.w.copy()
    w_star = reference_minimum(objective, w0)
    g0 = np.linalg.norm(gradient(objective, w0))
    net.w[:] = w0
    opt = make_optimizer(name, net.n_params)
    values = [objective.value(w0)]
    for _ in range(60):
        E = opt.step(net.w, objective, 1.0)
        assert E == pytest.approx(values[-1], rel=1e-13)  # step returns E~ at its starting point
        values.append(objective.value(net.w))
        if np.linalg.norm(gradient(objective, net.w)) < 1e-9 * g0:
            break
    assert np.all(np.diff(values) <= 0)
    assert np.linalg.norm(gradient(objective, net.w)) < 1e-6 * g0
    np.testing.assert_allclose(net.w, w_star, atol=1e-5)
    # the only message allowed: "no lower error found" once converged to machine precision
    assert opt.warning == "" or "may be at a minimum, to machine precision" in opt.warning


def _error_of_the_generating_function(X, T):
    return 0.5 * np.mean((np.sin(2 * np.pi * X) - T) ** 2)


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_each_fits_the_sinusoid_through_fit_and_the_trainer(name):
    """1-5-1 tanh net, 30 points with noise sd 0.3. The target level is the error of
    sin(2 pi x) itself on these points (0.036 per point here; its expectation is
    half the noise variance, 0.045): 16 weights on 30 points must fit at least as
    well as the generating function. For comparison, the initial error is 0.29 and
    the best straight line reaches 0.14."""
    X, T = sinusoid()
    level = _error_of_the_generating_function(X, T)
    net = MLP([1, 5, 1], hidden="tanh", seed=0)
    w0 = net.w.copy()
    start = net.error(X, T) / len(X)
    result = fit(net, X, T, optimizer=name, lr=1.0, epochs=200)
    history = result.train_error
    assert result.final.status == "training"
    assert history[0] == pytest.approx(start) and start > 0.2
    assert result.final.train_error < level
    # Every step has a line search or an acceptance test: the error never goes up
    # (without a regulariser E~ is the training error itself).
    assert np.all(np.diff(history) <= 1e-12 * history[:-1])

    # The same run driven by a Trainer in chunks, as the GUI worker does, ends at
    # exactly the same weights: the optimiser's state carries over between chunks.
    other = MLP([1, 5, 1], hidden="tanh", seed=0)
    np.testing.assert_array_equal(other.w, w0)
    trainer = Trainer(other, X, T, optimizer=name, lr=1.0)
    for _ in range(20):
        snap = trainer.advance(10)
    assert snap.epoch == 200
    np.testing.assert_array_equal(other.w, net.w)
    np.testing.assert_array_equal(snap.history.train_error, history)


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_regularised_objective_never_increases_in_the_trainer(name):
    """With weight decay the training error alone may rise; E~ = E_D + Omega may not."""
    X, T = sinusoid()
    trainer = Trainer(MLP([1, 5, 1], hidden="tanh", seed=3), X, T, optimizer=name, lr=1.0, l2=0.05)
    objectives = [trainer.snapshot().objective]
    for _ in range(25):
        objectives.append(trainer.advance(1).objective)
    assert objectives[-1] < 0.5 * objectives[0]
    assert np.all(np.diff(objectives) <= 1e-12 * np.abs(objectives[:-1]))


@pytest.mark.parametrize("name", LINE_SEARCH)
def test_line_search_methods_ignore_the_learning_rate(name):
    X, T = sinusoid(20)
    a, b = MLP([1, 3, 1], seed=2), MLP([1, 3, 1], seed=2)
    fit(a, X, T, optimizer=name, lr=1.0, epochs=15)
    fit(b, X, T, optimizer=name, lr=1e-4, epochs=15)
    np.testing.assert_array_equal(a.w, b.w)


def test_newton_learning_rate_is_the_fraction_of_the_step():
    """On linear least squares (a quadratic) one full Newton step lands on the
    minimum; lr = 0.5 goes exactly half way (up to the tiny damping)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(25, 2))
    T = X @ np.array([[1.5], [-2.0]]) + 0.3 + 0.1 * rng.normal(size=(25, 1))
    net = MLP([2, 1], output="linear", seed=0)
    w0 = net.w.copy()
    objective = objective_for(net, X, T, l2=0.1)
    w_star = reference_minimum(objective, w0)
    for name in ("newton", "lm"):
        for lr in (1.0, 0.5):
            net.w[:] = w0
            make_optimizer(name, net.n_params, damping=1e-10).step(net.w, objective, lr)
            np.testing.assert_allclose(net.w, w0 + lr * (w_star - w0), atol=1e-7)


def _saddle_problem():
    """A tanh net with all weights zero, on centred targets, is a stationary point:
    the hidden units output 0, the output bias already equals the mean target 0,
    and no error signal reaches the first layer through zero output weights."""
    X, T = sinusoid(30, seed=4)
    T = T - T.mean()
    net = MLP([1, 3, 1], hidden="tanh", seed=0)
    net.w[:] = 0.0
    return net, X, T


def _finite_difference_hessian(objective, w, eps=1e-5):
    H = np.empty((w.size, w.size))
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = eps
        H[:, i] = (gradient(objective, w + e) - gradient(objective, w - e)) / (2 * eps)
    return 0.5 * (H + H.T)


def test_newton_at_a_saddle_goes_downhill_and_says_why():
    net, X, T = _saddle_problem()
    objective = objective_for(net, X, T)
    assert np.linalg.norm(gradient(objective, net.w)) < 1e-12
    # Hidden-to-output weights couple to input weights with curvature
    # +-sum_n x_n t_n: the stationary point is a saddle.
    assert np.linalg.eigvalsh(_finite_difference_hessian(objective, net.w.copy()))[0] < -1.0

    rng = np.random.default_rng(0)
    w_start = 1e-3 * rng.normal(size=net.n_params)
    eig = np.linalg.eigvalsh(_finite_difference_hessian(objective, w_start))
    clearly_negative = int(np.sum(eig < -1.0))
    assert clearly_negative >= 1
    net.w[:] = w_start
    E0 = objective.value(net.w)
    opt = make_optimizer("newton", net.n_params)
    assert opt.step(net.w, objective, 1.0) == pytest.approx(E0)
    assert objective.value(net.w) < E0
    found = re.search(r"The Hessian has (\d+) negative eigenvalues? here", opt.warning)
    assert found and int(found.group(1)) >= clearly_negative, opt.warning
    assert "damping was raised to mu" in opt.warning and "saddle" in opt.warning
    # H + mu I had to become positive definite: mu went past the most negative eigenvalue
    # (the stored mu is the accepted one divided by 10 for the next step)
    assert 10 * opt.mu > -eig[0]

    # For big networks the negative eigenvalues are not counted (no eigvalsh), but
    # the failed Cholesky factorisation at mu = 0 still tells the student.
    net.w[:] = w_start
    big = make_optimizer("newton", net.n_params)
    big.eig_limit = 0
    big.step(net.w, objective, 1.0)
    assert objective.value(net.w) < E0
    assert "not positive definite" in big.warning

    # Through the trainer the snapshot message carries it.
    net.w[:] = w_start
    trainer = Trainer(net, X, T, optimizer="newton", lr=1.0)
    snap = trainer.advance(1)
    assert "negative eigenvalue" in snap.message
    assert snap.history.train_error[1] < snap.history.train_error[0]
    # ... and training carries on downhill out of the saddle region.
    later = trainer.advance(30)
    assert later.train_error < snap.train_error
    assert np.all(np.diff(later.history.train_error) <= 0)


class UphillEverywhere:
    """The objective with every point except ``w0`` made infinitely worse: no step may be taken."""

    def __init__(self, objective, w0):
        self._objective, self._w0 = objective, w0.copy()
        self.evaluations = 0

    def __getattr__(self, name):
        return getattr(self._objective, name)

    def _penalty(self):
        return 0.0 if np.array_equal(self._objective.net.w, self._w0) else np.inf

    def value(self, w=None):
        self.evaluations += 1
        return self._objective.value(w) + self._penalty()

    def value_and_gradient(self, w, out):
        self.evaluations += 1
        return self._objective.value_and_gradient(w, out) + self._penalty()


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_when_no_step_lowers_the_error_the_weights_stay_and_the_student_is_told(name):
    X, T = sinusoid(20)
    net = MLP([1, 3, 1], seed=0)
    w0 = net.w.copy()
    objective = UphillEverywhere(objective_for(net, X, T), w0)
    opt = make_optimizer(name, net.n_params)
    E = opt.step(net.w, objective, 1.0)
    np.testing.assert_array_equal(net.w, w0)
    assert E == objective.value(w0)
    assert "unchanged" in opt.warning
    if name in ("newton", "lm"):
        assert opt.mu == opt.hyper["damping"]  # the failed raises are not kept
    # Stuck at the same point, later steps say so again (without searching again
    # where nothing changed since: a converged run left going in the GUI costs little).
    opt.warning, before = "", objective.evaluations
    assert opt.step(net.w, objective, 1.0) == E
    np.testing.assert_array_equal(net.w, w0)
    assert "unchanged" in opt.warning
    if name != "scg":
        assert objective.evaluations == before


def test_levenberg_marquardt_needs_no_saddle_warning():
    """The outer-product (Gauss-Newton) matrix is positive semi-definite."""
    net, X, T = _saddle_problem()
    objective = objective_for(net, X, T)
    net.w[:] = 1e-3 * np.random.default_rng(0).normal(size=net.n_params)
    E0 = objective.value(net.w)
    opt = make_optimizer("lm", net.n_params)
    opt.step(net.w, objective, 1.0)
    assert objective.value(net.w) <= E0
    assert opt.warning == ""


@pytest.mark.parametrize("name", LINE_SEARCH)
def test_reset_clears_the_state(name):
    X, T = sinusoid(20)
    net = MLP([1, 4, 1], seed=1)
    w0 = net.w.copy()
    objective = objective_for(net, X, T, l2=1e-3)
    kept, cleared = make_optimizer(name, net.n_params), make_optimizer(name, net.n_params)
    for opt in (kept, cleared):
        net.w[:] = w0
        for _ in range(5):
            opt.step(net.w, objective, 1.0)
    w5 = net.w.copy()

    def next_point(optimizer):
        net.w[:] = w5
        optimizer.step(net.w, objective, 1.0)
        return net.w.copy()

    fresh = next_point(make_optimizer(name, net.n_params))
    assert not np.array_equal(next_point(kept), fresh)  # the state matters
    cleared.reset()
    np.testing.assert_array_equal(next_point(cleared), fresh)


def test_state_restarts_when_the_weights_or_the_objective_change_from_outside():
    X, T = sinusoid(20)
    net = MLP([1, 4, 1], seed=1)
    objective = objective_for(net, X, T)
    for name in ("scg", "bfgs"):
        net.w[:] = MLP([1, 4, 1], seed=1).w
        opt = make_optimizer(name, net.n_params)
        for _ in range(4):
            opt.step(net.w, objective, 1.0)
        net.w[0] += 0.1  # e.g. a symmetry transform in the GUI
        w = net.w.copy()
        opt.step(net.w, objective, 1.0)
        after = net.w.copy()
        net.w[:] = w
        make_optimizer(name, net.n_params).step(net.w, objective, 1.0)
        np.testing.assert_array_equal(after, net.w)
        # a different regulariser is a different function: the state is dropped too
        w = net.w.copy()
        other = objective_for(net, X, T, l2=0.5)
        opt.step(net.w, other, 1.0)
        after = net.w.copy()
        net.w[:] = w
        make_optimizer(name, net.n_params).step(net.w, other, 1.0)
        np.testing.assert_array_equal(after, net.w)


def test_newton_reset_restores_the_initial_damping():
    X, T = sinusoid(20)
    net = MLP([1, 3, 1], seed=0)
    objective = objective_for(net, X, T)
    opt = make_optimizer("newton", net.n_params, damping=0.5)
    opt.step(net.w, objective, 1.0)
    assert opt.mu != 0.5
    opt.reset()
    assert opt.mu == 0.5
    opt.set(damping=2.0)
    assert opt.mu == 2.0


def test_lbfgs_memory_is_bounded():
    X, T = sinusoid(20)
    net = MLP([1, 4, 1], seed=1)
    objective = objective_for(net, X, T)
    opt = make_optimizer("lbfgs", net.n_params, memory=3)
    for _ in range(10):
        opt.step(net.w, objective, 1.0)
    assert 1 <= len(opt._pairs) <= 3


@pytest.mark.parametrize(
    "name, hyper",
    [("newton", {"damping": -1.0}), ("newton", {"damping": 0.0}), ("lm", {"damping": float("nan")}),
     ("lm", {"damping": "a lot"}), ("lbfgs", {"memory": 0}), ("lbfgs", {"memory": 2.5}),
     ("lbfgs", {"memory": True}), ("scg", {"momentum": 0.9}), ("bfgs", {"memory": 5}), ("cg", {"damping": 1.0})],
)
def test_invalid_hyper_parameters_are_rejected(name, hyper):
    with pytest.raises(ValueError):
        make_optimizer(name, 5, **hyper)
    X, T = sinusoid(10)
    with pytest.raises(ValueError):
        fit(MLP([1, 2, 1]), X, T, optimizer=name, epochs=1, **hyper)


def test_invalid_hyper_parameter_change_leaves_the_trainer_unchanged():
    X, T = sinusoid(10)
    trainer = Trainer(MLP([1, 2, 1], seed=0), X, T, optimizer="lbfgs", memory=4)
    with pytest.raises(ValueError):
        trainer.update_options(memory=0)
    assert trainer.optimizer.hyper["memory"] == 4
    trainer.update_options(optimizer="newton", damping=0.1)
    assert trainer.optimizer.mu == 0.1
