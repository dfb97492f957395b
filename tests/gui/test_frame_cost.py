"""A frame over the plane costs a bounded amount however big the network: the grid shrinks
for an 8 x 256 network (so a paused frame comes quickly) and keeps its resolution otherwise."""

import numpy as np

from playground.core import MLP
from playground.core.training import Trainer, TrainingOptions
from playground.gui.frames import MAX_FRAME_COST, MIN_GRID, ViewSpec, compute_frame, grid_size


def frame_of(net, resolution=100):
    X = np.random.default_rng(0).normal(size=(20, 2))
    T = (X[:, :1] > 0).astype(float)
    snapshot = Trainer(net, X, T, options=TrainingOptions()).advance(0)
    view = ViewSpec(x_range=(-2.0, 2.0), y_range=(-2.0, 2.0), resolution=resolution)
    return compute_frame(net, None, "classification", 2, snapshot, view, 1, False, 0.0)


def test_the_default_network_keeps_the_full_grid():
    frame = frame_of(MLP([2, 8, 8, 1], output="sigmoid", seed=0))
    assert frame.probabilities.shape[:2] == (100, 100) and frame.grid_x.size == 100


def test_a_huge_network_gets_a_coarser_grid_within_the_frame_budget():
    net = MLP([2] + [256] * 8 + [1], output="sigmoid", seed=0)
    frame = frame_of(net)
    n = frame.grid_x.size
    assert MIN_GRID <= n < 100 and frame.probabilities.shape[:2] == (n, n)
    assert n * n * net.n_params <= MAX_FRAME_COST < (n + 1) ** 2 * net.n_params
    # the coarse grid still shows what the network computes at its points
    gx, gy = np.meshgrid(frame.grid_x, frame.grid_y)
    direct = net.forward(np.column_stack([gx.ravel(), gy.ravel()]))[:, 0].reshape(n, n)
    assert np.allclose(frame.probabilities[:, :, 1], direct, atol=1e-6)


def test_the_grid_never_falls_below_its_floor_nor_above_the_asked_resolution():
    assert grid_size(100, 10**9) == MIN_GRID
    assert grid_size(20, 10**9) == 20
    assert grid_size(100, 10) == 100
