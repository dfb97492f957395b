"""MLP.check_inputs is the one public shape check that hessian, training and hessian_lab call."""

import numpy as np
import pytest

from playground.core import MLP


def test_check_inputs_turns_a_vector_into_points_for_one_input():
    net = MLP([1, 3, 1], seed=0)
    X = net.check_inputs([0.0, 1.0, 2.0])
    assert X.shape == (3, 1) and X.dtype == np.float64


def test_check_inputs_names_the_expected_shape():
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"network expects inputs of shape \(N, 2\), got \(4, 3\)"):
        net.check_inputs(np.zeros((4, 3)))

