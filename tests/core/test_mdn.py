"""Mixture density networks: the sigma floor, the start from the targets' spread (Netlab
mdninit) and training on the forward and inverse problems of PRML fig. 5.19."""

import math

import numpy as np
import pytest

from playground.core import MLP, fit
from playground.core.datasets import make_dataset
from playground.core.mdn_init import fit_spherical_gmm
from playground.core.params import DEFAULT_SIGMA_FLOOR
from playground.session.config import ConfigError, ExperimentConfig
from playground.session.experiment import prepare

from core.gradcheck import numerical_gradient, numerical_jacobian, relative_error


def floored_net(floor, seed=0):
    """A 2-3-2 MDN (K = 3, L = 2) whose widths sit near the floor, where rho = e^s / sigma ~ 1/2."""
    net = MLP([2, 3, 2], output="mdn", n_components=3, seed=seed, init="gaussian", init_scale=0.7,
              sigma_floor=floor)
    net.biases[-1][-3:] = np.log(floor or 0.3)  # e^s ~ floor
    return net


@pytest.mark.parametrize("floor", [0.0, 0.3])
def test_the_gradient_with_a_floor_is_the_finite_difference_of_the_error(floor):
    net = floored_net(floor)
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(6, 2)), rng.normal(scale=0.5, size=(6, 2))
    _, g = net.gradient(X, T)

    def error(w):
        net.w[:] = w
        return net.error(X, T)

    w0 = net.w.copy()
    numeric = numerical_gradient(error, w0)
    net.w[:] = w0
    assert relative_error(g, numeric) < 1e-6


def test_the_curvature_with_a_floor_is_the_finite_difference_of_the_delta():
    net = floored_net(0.3)
    head = net.head
    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, head.n_units))
    a[:, -3:] = np.log(0.3) + rng.normal(scale=0.3, size=(4, 3))
    T = rng.normal(scale=0.5, size=(4, 2))
    V = rng.normal(size=a.shape)
    MV = head.curvature_vector(a, T, V)
    for n in range(a.shape[0]):  # M_n = d delta_n / d a_n, one point at a time
        def delta(row):
            b = a.copy()
            b[n] = row
            return head.error_and_delta(b, T)[1][n]

        M = numerical_jacobian(delta, a[n])
        assert relative_error(MV[n], M @ V[n]) < 1e-6


def test_the_exact_hessian_with_a_floor_is_the_finite_difference_of_the_gradient():
    from playground.core import hessian

    net = floored_net(0.3)
    rng = np.random.default_rng(3)
    X, T = rng.normal(size=(6, 2)), rng.normal(scale=0.5, size=(6, 2))
    H = hessian.exact(net, X, T)
    assert relative_error(H, hessian.finite_difference(net, X, T, method="gradients")) < 1e-6
    v = rng.normal(size=net.n_params)
    np.testing.assert_allclose(hessian.hvp(net, X, T, v), H @ v, rtol=1e-9, atol=1e-9)


def test_a_component_on_one_point_cannot_drive_the_error_to_minus_infinity():
    X, T = np.zeros((1, 1)), np.full((1, 1), 0.25)
    for floor, bounded in ((0.0, False), (0.05, True)):
        net = MLP([1, 1], output="mdn", n_components=1, sigma_floor=floor)
        net.w[:] = 0.0
        net.biases[-1][:] = [0.0, 0.25, -60.0]  # mean on the point, e^s = 1e-26
        _, _, sigma = net.forward(X)
        if bounded:
            assert sigma[0, 0] == pytest.approx(floor)
            assert net.error(X, T) == pytest.approx(0.5 * math.log(2 * math.pi) + math.log(floor))
        else:
            assert net.error(X, T) < -50  # PRML's sigma = e^s: the singularity the floor removes


def test_the_default_floor_is_the_declared_one_and_old_files_read_without_it():
    net = MLP([1, 4, 1], output="mdn", n_components=2, seed=0)
    assert net.sigma_floor == DEFAULT_SIGMA_FLOOR == net.head.sigma_floor
    again = MLP.from_dict(net.to_dict())
    assert again.sigma_floor == net.sigma_floor and np.array_equal(again.w, net.w)
    old = net.to_dict()
    del old["sigma_floor"]  # written before the floor existed: trained with sigma = e^s
    X = np.linspace(0, 1, 5)[:, None]
    np.testing.assert_allclose(MLP.from_dict(old).forward(X)[2], np.exp(net.output_activations(X)[:, -2:]))
    with pytest.raises(ValueError, match="sigma_floor must be >= 0, got -"):
        MLP([1, 1], output="mdn", n_components=1, sigma_floor=-1)
    assert MLP([1, 1]).sigma_floor is None


def test_the_config_takes_a_sigma_floor_for_an_mdn_only():
    raw = {"version": 1, "data": {"generator": "inverse_problem"},
           "network": {"hidden": [5], "output": "mdn", "n_components": 3, "sigma_floor": 0.02}}
    config = ExperimentConfig.from_dict(raw)
    assert config.network.sigma_floor == 0.02
    assert ExperimentConfig.from_dict(config.to_dict()) == config
    assert prepare(config).net.head.sigma_floor == 0.02
    raw["network"]["sigma_floor"] = -0.1
    with pytest.raises(ConfigError, match="network.sigma_floor: must be >= 0, got -"):
        ExperimentConfig.from_dict(raw)
    raw["network"].update(output="linear", n_components=None, sigma_floor=0.02)
    with pytest.raises(ConfigError, match="network.sigma_floor: only applies"):
        ExperimentConfig.from_dict(raw)


def test_the_gmm_fit_finds_two_separated_clusters():
    rng = np.random.default_rng(0)
    T = np.concatenate([rng.normal(-2.0, 0.3, (300, 1)), rng.normal(3.0, 0.6, (100, 1))])
    pi, centres, sigma = fit_spherical_gmm(T, 2, np.random.default_rng(5))
    order = np.argsort(centres[:, 0])
    np.testing.assert_allclose(centres[order, 0], [-2.0, 3.0], atol=0.1)
    np.testing.assert_allclose(sigma[order], [0.3, 0.6], rtol=0.15)
    np.testing.assert_allclose(pi[order], [0.75, 0.25], atol=0.03)


def test_targets_start_the_network_at_their_mixture_at_every_x():
    data = make_dataset("inverse_problem", seed=0)
    X, T = data.X, data.targets("mdn")
    net = MLP([1, 5, 1], output="mdn", n_components=3, seed=0)
    plain_error = net.error(X, T)
    net.initialize(seed=0, targets=T)
    pi, centres, sigma = fit_spherical_gmm(T, 3, np.random.default_rng(0))
    order = np.argsort(centres[:, 0])
    p, mu, s = net.forward(np.linspace(0, 1, 7)[:, None])
    np.testing.assert_allclose(mu[:, :, 0], np.broadcast_to(centres[order, 0], (7, 3)), atol=0.15)
    np.testing.assert_allclose(p, np.broadcast_to(pi[order], (7, 3)), atol=0.15)
    assert np.all(np.diff(mu[:, :, 0], axis=1) > 0)  # ordered bottom to top, and apart
    assert net.error(X, T) < plain_error - 0.5 * len(X)  # far nearer the data than mu = 0, sigma = 1
    net.initialize(seed=0, targets=T)
    again = net.w.copy()
    net.initialize(seed=0, targets=T)
    np.testing.assert_array_equal(net.w, again)  # the same seed, the same start


def train_preset(generator, n_components, epochs):
    """Train as the GUI would: the preset's data and split, an mdn head, every other setting default."""
    config = ExperimentConfig.from_dict({"version": 1, "data": {"generator": generator},
                                         "network": {"output": "mdn", "n_components": n_components}})
    experiment = prepare(config)
    trainer = experiment.make_trainer()
    trainer.advance(epochs)
    X, T = experiment.pair(experiment.split.train)
    return experiment.net, experiment.net.error(X, T) / len(X)


def test_the_inverse_problem_trains_with_the_defaults_and_beats_a_single_gaussian():
    net, nll = train_preset("inverse_problem", 3, 200)
    _, single = train_preset("inverse_problem", 1, 400)  # the single Gaussian gets twice the epochs
    assert nll < single - 0.5  # three branches against one wide Gaussian (PRML fig. 5.19, right)
    assert nll < -1.0
    sigma = net.forward(np.linspace(0, 1, 50)[:, None])[2]
    assert sigma.min() >= net.sigma_floor


def test_the_forward_problem_trains_with_the_defaults():
    _, nll = train_preset("inverse_problem_forward", 3, 200)
    assert nll < -1.3  # uniform noise of width 0.2: its best Gaussian gives 0.5 ln(2 pi e 0.2^2/12) = -1.56


def test_reset_starts_again_from_the_targets():
    config = ExperimentConfig.from_dict({"version": 1, "data": {"generator": "inverse_problem"},
                                         "network": {"hidden": [5], "output": "mdn", "n_components": 3}})
    experiment = prepare(config)
    trainer = experiment.make_trainer()
    start = experiment.net.w.copy()
    fit_free = MLP([1, 5, 1], output="mdn", n_components=3, seed=0)
    trainer.advance(20)
    trainer.reset(seed=0)
    np.testing.assert_allclose(experiment.net.w, start)
    assert not np.allclose(experiment.net.biases[-1], fit_free.biases[-1])


def test_fit_keeps_sigma_above_the_floor_on_noise_free_data():
    x = np.linspace(0, 1, 40)[:, None]
    t = x**2  # noise free: without a floor sigma -> 0 and the error -> minus infinity
    net = MLP([1, 6, 1], output="mdn", n_components=2, seed=0, sigma_floor=0.02).initialize(seed=0, targets=t)
    fit(net, x, t, epochs=300, lr=0.05)
    sigma = net.forward(x)[2]
    assert np.all(sigma >= 0.02) and np.isfinite(net.error(x, t))


def test_leaving_the_mdn_head_forgets_its_floor_so_the_session_reads_back():
    from dataclasses import replace

    from playground.session.config import DataConfig
    from playground.session.controller import SessionController
    from playground.session.document import Document

    config = ExperimentConfig(data=DataConfig(generator="inverse_problem", n_points=30, seed=1))
    session = SessionController(Document.generated(config))
    network = replace(session.document.config.network, output="mdn", n_components=2, sigma_floor=0.05)
    session.apply(session.network_changed(network))
    rebuild, _ = session.take_rebuild()
    assert session.build(rebuild).experiment.net.head.sigma_floor == 0.05
    session.apply(session.use_matched_head())
    left = session.document.config
    assert left.network.output == "auto" and left.network.sigma_floor is None
    assert ExperimentConfig.from_dict(left.to_dict()) == left
    # a floor left on another head by any other path is not written either
    stray = replace(left, network=replace(left.network, sigma_floor=0.05))
    assert "sigma_floor" not in stray.to_dict()["network"]


def test_a_network_file_keeps_the_floor_and_refuses_a_bad_one(tmp_path):
    from playground.session.network_io import load_network, network_document, network_from_document, save_network

    net = MLP([1, 5, 1], output="mdn", n_components=3, seed=0, sigma_floor=0.03)
    save_network(net, tmp_path / "mdn.json")
    again = load_network(tmp_path / "mdn.json")
    X = np.linspace(0, 1, 5)[:, None]
    assert again.sigma_floor == 0.03
    np.testing.assert_array_equal(again.forward(X)[2], net.forward(X)[2])
    bad = {**network_document(net), "sigma_floor": "x"}
    with pytest.raises(ValueError, match="sigma_floor must be a finite number"):
        network_from_document(bad)
