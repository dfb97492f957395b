"""The MLP container: parameter layout, initialisation, symmetries, serialisation, input checks."""

import json

import numpy as np
import pytest

from playground.core import MLP


def test_parameter_layout_is_layer_by_layer_weights_then_biases():
    net = MLP([2, 3, 1], seed=0)
    assert net.n_params == 2 * 3 + 3 + 3 * 1 + 1
    w = np.arange(net.n_params, dtype=float)
    net.w = w
    np.testing.assert_array_equal(net.weights[0], w[:6].reshape(2, 3))
    np.testing.assert_array_equal(net.biases[0], w[6:9])
    np.testing.assert_array_equal(net.weights[1], w[9:12].reshape(3, 1))
    np.testing.assert_array_equal(net.biases[1], w[12:])
    # views: writing the flat vector changes the layers and vice versa
    net.w[:] = 0.0
    assert not net.weights[0].any()
    net.biases[1][0] = 5.0
    assert net.w[-1] == 5.0


def test_mdn_last_layer_has_k_times_l_plus_2_units():
    net = MLP([1, 5, 2], output="mdn", n_components=3)
    assert net.layer_sizes == (1, 5, 3 * (2 + 2))
    pi, mu, sigma = net.forward(np.zeros((4, 1)))
    assert pi.shape == (4, 3) and mu.shape == (4, 3, 2) and sigma.shape == (4, 3)
    np.testing.assert_allclose(pi.sum(axis=1), 1.0)
    assert np.all(sigma > 0)


def test_forward_matches_a_hand_computation():
    net = MLP([2, 2, 1], hidden="tanh", output="sigmoid", seed=0)
    X = np.array([[0.3, -1.2], [2.0, 0.5]])
    W1, W2 = net.weights
    b1, b2 = net.biases
    expected = 1.0 / (1.0 + np.exp(-(np.tanh(X @ W1 + b1) @ W2 + b2)))
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-14)


def test_softmax_outputs_sum_to_one_and_survive_huge_logits():
    net = MLP([2, 3], output="softmax", seed=0)
    net.w *= 1e4
    X = np.array([[100.0, -100.0], [0.0, 1.0]])
    y = net.forward(X)
    assert np.all(np.isfinite(y)) and np.allclose(y.sum(axis=1), 1.0)
    assert np.isfinite(net.error(X, [0, 2]))


def test_cross_entropy_is_finite_for_saturated_sigmoid():
    net = MLP([1, 1], output="sigmoid")
    net.w[:] = [1e3, 0.0]
    E = net.error(np.array([[5.0]]), np.array([0.0]))
    assert E == pytest.approx(5e3)


@pytest.mark.parametrize("init", ["xavier", "he", "gaussian", "uniform"])
def test_initialisation_is_seeded_and_scaled(init):
    a = MLP([50, 40, 3], init=init, seed=7)
    b = MLP([50, 40, 3], init=init, seed=7)
    c = MLP([50, 40, 3], init=init, seed=8)
    np.testing.assert_array_equal(a.w, b.w)
    assert not np.array_equal(a.w, c.w)
    W = a.weights[0]
    expected_std = {"xavier": np.sqrt(2.0 / 90), "he": np.sqrt(2.0 / 50), "gaussian": 1 / np.sqrt(51),
                    "uniform": 1 / np.sqrt(50) / np.sqrt(3)}[init]
    assert W.std() == pytest.approx(expected_std, rel=0.1)
    if init in ("xavier", "he"):
        assert not a.biases[0].any()


def test_gaussian_init_uses_the_chosen_sigma():
    net = MLP([100, 100, 1], init="gaussian", init_scale=0.25, seed=0)
    assert net.weights[0].std() == pytest.approx(0.25, rel=0.05)
    with pytest.raises(ValueError):
        MLP([2, 1], init="gaussian", init_scale=-1.0)


@pytest.mark.parametrize("activation", ["tanh", "sin", "linear"])
def test_flipping_the_sign_of_an_odd_unit_keeps_the_function(activation):
    net = MLP([2, 4, 3, 2], hidden=activation, output="softmax", seed=1)
    X = np.random.default_rng(0).normal(size=(20, 2))
    before = net.forward(X)
    w_before = net.w.copy()
    net.flip_sign(0, 2).flip_sign(1, 0)
    assert not np.allclose(net.w, w_before)
    np.testing.assert_allclose(net.forward(X), before, atol=1e-13)


def test_flipping_a_non_odd_unit_is_refused():
    net = MLP([2, 3, 1], hidden="relu")
    with pytest.raises(ValueError, match="odd"):
        net.flip_sign(0, 0)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "gaussian"])
def test_swapping_two_units_keeps_the_function(activation):
    net = MLP([2, 5, 4, 1], hidden=activation, output="linear", seed=2)
    X = np.random.default_rng(0).normal(size=(20, 2))
    before = net.forward(X)
    net.swap_units(0, 1, 4).swap_units(1, 0, 3)
    np.testing.assert_allclose(net.forward(X), before, atol=1e-13)


def test_the_symmetry_group_has_2_to_the_m_times_m_factorial_equivalent_networks():
    """PRML 5.1.1: for M tanh units, sign flips and swaps give 2^M M! weight vectors with one function."""
    net = MLP([1, 3, 1], hidden="tanh", seed=3)
    X = np.linspace(-2, 2, 7)[:, None]
    reference = net.forward(X)
    seen = set()
    import itertools

    for perm in itertools.permutations(range(3)):
        for signs in itertools.product([0, 1], repeat=3):
            clone = net.copy()
            current = list(range(3))
            for target, unit in enumerate(perm):  # realise the permutation by swaps
                pos = current.index(unit)
                if pos != target:
                    clone.swap_units(0, pos, target)
                    current[pos], current[target] = current[target], current[pos]
            for unit, flip in enumerate(signs):
                if flip:
                    clone.flip_sign(0, unit)
            np.testing.assert_allclose(clone.forward(X), reference, atol=1e-13)
            seen.add(tuple(np.round(clone.w, 12)))
    assert len(seen) == 2**3 * 6


def test_symmetry_helpers_check_their_arguments():
    net = MLP([2, 3, 1])
    with pytest.raises(ValueError):
        net.swap_units(1, 0, 1)  # the output layer is not hidden
    with pytest.raises(ValueError):
        net.flip_sign(0, 3)


def test_serialisation_round_trip_through_json():
    net = MLP([2, 4, 3, 1], hidden=["relu", "tanh"], output="mdn", n_components=2, seed=5)
    data = json.loads(json.dumps(net.to_dict()))
    clone = MLP.from_dict(data)
    assert clone.sizes == net.sizes and clone.hidden_names == net.hidden_names and clone.n_components == 2
    np.testing.assert_array_equal(clone.w, net.w)


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d.update(format="other"), "not an nn-playground network"),
    (lambda d: d.update(version=99), "version"),
    (lambda d: d.pop("weights"), "weights"),
    (lambda d: d.update(weights=[1.0, 2.0]), "parameters"),
    (lambda d: d.update(weights=["a"] * len(d["weights"])), "numbers"),
    (lambda d: d["weights"].__setitem__(0, float("nan")), "NaN"),
    (lambda d: d.update(hidden=["bogus"]), "activation"),
    (lambda d: d.update(output="svm"), "output"),
])
def test_bad_network_data_is_rejected_clearly(mutate, match):
    data = MLP([2, 3, 1], seed=0).to_dict()
    mutate(data)
    with pytest.raises(ValueError, match=match):
        MLP.from_dict(data)


@pytest.mark.parametrize("kwargs, match", [
    ({"sizes": [2]}, "at least"),
    ({"sizes": [2, 0, 1]}, "at least one unit"),
    ({"sizes": [2, 3, 1], "hidden": ["tanh", "tanh"]}, "2 hidden activations"),
    ({"sizes": [2, 1], "output": "softmax"}, "softmax"),
    ({"sizes": [2, 1], "output": "mdn"}, "n_components"),
    ({"sizes": [2, 1], "init": "zeros"}, "init"),
    ({"sizes": "abc"}, "integers"),
])
def test_bad_architectures_are_rejected_clearly(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLP(**kwargs)


def test_input_shape_and_target_checks():
    net = MLP([2, 3, 2], output="softmax")
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        net.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="labels"):
        net.error(np.zeros((2, 2)), [0, 5])
    with pytest.raises(ValueError, match="NaN"):
        MLP([1, 1]).error(np.zeros((1, 1)), [np.nan])
    with pytest.raises(ValueError, match="\\[0, 1\\]"):
        MLP([1, 1], output="sigmoid").error(np.zeros((1, 1)), [2.0])
    # one input may be given as a flat vector
    assert MLP([1, 2, 1]).forward(np.linspace(0, 1, 5)).shape == (5, 1)


def test_integer_labels_and_one_hot_targets_give_the_same_error():
    net = MLP([2, 3, 3], output="softmax", seed=0)
    X = np.random.default_rng(1).normal(size=(6, 2))
    labels = np.array([0, 2, 1, 1, 0, 2])
    assert net.error(X, labels) == pytest.approx(net.error(X, np.eye(3)[labels]))


def test_copy_is_independent():
    net = MLP([2, 3, 1], seed=0)
    clone = net.copy()
    clone.w[:] = 0
    assert np.any(net.w)


@pytest.mark.parametrize("output, k", [("linear", None), ("softmax", None), ("mdn", 3)])
def test_a_copy_is_the_same_network_and_independent_of_it(output, k):
    net = MLP([2, 5, 4, 3], ["tanh", "relu"], output, n_components=k, init="gaussian", seed=3, init_scale=0.7)
    clone = net.copy()
    x = np.random.default_rng(0).normal(size=(7, 2))
    mine, theirs = clone.forward(x), net.forward(x)  # an mdn gives (pi, mu, sigma)
    for a, b in zip(mine if output == "mdn" else [mine], theirs if output == "mdn" else [theirs]):
        assert np.array_equal(a, b)
    assert (clone.sizes, clone.hidden_names, clone.output, clone.n_components, clone.sigma_floor,
            clone.init, clone.init_scale) == (net.sizes, net.hidden_names, net.output, net.n_components,
                                              net.sigma_floor, net.init, net.init_scale)
    clone.w[:] = 0.0
    clone.weights[0][:] = 1.0  # the layer views point into the clone's own vector
    assert clone.w[: 10].tolist() == [1.0] * 10 and np.abs(net.w).sum() > 0
