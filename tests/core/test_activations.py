import numpy as np
import pytest

from playground.core import ACTIVATION_NAMES, get_activation

# points away from the kinks of relu / leaky_relu / elu
A = np.array([-2.3, -1.1, -0.4, -0.07, 0.05, 0.3, 0.9, 1.7, 2.6])


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_first_and_second_derivatives_match_finite_differences(name):
    act = get_activation(name)
    eps = 1e-6
    z = act.h(A)
    dh_fd = (act.h(A + eps) - act.h(A - eps)) / (2 * eps)
    d2h_fd = (act.dh(A + eps, act.h(A + eps)) - act.dh(A - eps, act.h(A - eps))) / (2 * eps)
    np.testing.assert_allclose(act.dh(A, z), dh_fd, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(act.d2h(A, z), d2h_fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_odd_flag_is_true_exactly_for_odd_functions(name):
    act = get_activation(name)
    assert act.odd == bool(np.allclose(act.h(-A), -act.h(A)))


def test_stable_for_extreme_inputs():
    big = np.array([-800.0, 800.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for name in ("sigmoid", "tanh", "softplus", "elu", "gaussian"):
            act = get_activation(name)
            assert np.all(np.isfinite(act.h(big))), name


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="tanh"):
        get_activation("tanhh")
