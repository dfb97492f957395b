"""Data sets, generators, the train/validation/test split and the input feature maps."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from playground.core.datasets import (
    FEATURES,
    GENERATORS,
    MAX_POINTS,
    PRML_SYNTHETIC_COVARIANCES,
    PRML_SYNTHETIC_MEANS,
    PRML_SYNTHETIC_PRIORS,
    Dataset,
    GeneratorInfo,
    Split,
    features_for_inputs,
    make_dataset,
    map_features,
    prml_synthetic_posterior,
    split_dataset,
    split_indices,
)

CLASSIFICATION = [name for name, info in GENERATORS.items() if info.kind == "classification"]
REGRESSION = [name for name, info in GENERATORS.items() if info.kind == "regression"]
FIG_5_3 = ["square", "sine", "abs", "heaviside"]


def small_classification(**changes):
    arguments = dict(X=[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], t=[0, 1, 1, 0],
                     kind="classification")
    arguments.update(changes)
    return Dataset(**arguments)


def small_regression(**changes):
    arguments = dict(X=[[0.0], [0.5], [1.0]], t=[1.0, 2.0, 3.0], kind="regression")
    arguments.update(changes)
    return Dataset(**arguments)


# --------------------------------------------------------------------------------------------
# Generators
# --------------------------------------------------------------------------------------------


def test_registry_lists_every_requested_generator():
    expected = {"circle", "rings", "xor", "two_gaussians", "spiral", "moons", "checkerboard", "blobs",
                "prml_synthetic", "sinusoid", "square", "sine", "abs", "heaviside",
                "inverse_problem_forward", "inverse_problem", "heteroscedastic", "plane",
                "multi_gaussian"}
    assert set(GENERATORS) == expected
    for name, info in GENERATORS.items():
        assert isinstance(info, GeneratorInfo) and info.name == name
        assert info.kind in ("classification", "regression")
        assert info.n_inputs in (1, 2)
        assert info.label and info.description.endswith(".")
        assert 1 <= info.default_points <= MAX_POINTS and info.default_noise >= 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        GENERATORS["circle"].default_points = 3


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_shapes_kinds_and_dtypes(name):
    info = GENERATORS[name]
    data = make_dataset(name)
    assert data.name == name and data.kind == info.kind
    assert data.n == info.default_points
    assert data.X.shape == (data.n, info.n_inputs) and data.X.dtype == np.float64
    assert data.n_inputs == info.n_inputs
    assert np.all(np.isfinite(data.X))
    assert not data.X.flags.writeable and not data.t.flags.writeable
    if info.kind == "classification":
        assert data.t.shape == (data.n,) and data.t.dtype == np.int64
        assert data.n_classes == data.n_targets == (3 if name == "blobs" else 2)
        assert set(np.unique(data.t)) == set(range(data.n_classes))
    else:
        assert data.t.shape == (data.n, 1) and data.t.dtype == np.float64
        assert data.n_classes is None and data.n_targets == 1
        assert np.all(np.isfinite(data.t))
    assert data.bounds == info.bounds and data.view_bounds == info.bounds


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_are_deterministic_for_a_seed(name):
    first, again, other = (make_dataset(name, n_points=40, seed=seed) for seed in (7, 7, 8))
    assert np.array_equal(first.X, again.X) and np.array_equal(first.t, again.t)
    assert not np.array_equal(first.X, other.X)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("n_points", [1, 2, 37])
def test_n_points_is_honoured(name, n_points):
    data = make_dataset(name, n_points=n_points)
    assert data.n == n_points and data.t.shape[0] == n_points


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classes_are_balanced(name):
    data = make_dataset(name, n_points=101, seed=3)
    counts = np.bincount(data.t, minlength=data.n_classes)
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", ["circle", "xor", "two_gaussians", "spiral", "moons",
                                  "checkerboard", "blobs"])
def test_noise_jitters_the_inputs_of_geometric_sets(name):
    clean = make_dataset(name, n_points=500, noise=0.0, seed=2)
    noisy = make_dataset(name, n_points=500, noise=0.2, seed=2)
    assert np.array_equal(clean.t, noisy.t)
    jitter = noisy.X - clean.X
    assert np.std(jitter) == pytest.approx(0.2, rel=0.15)


@pytest.mark.parametrize("name", ["circle", "xor", "spiral", "moons", "checkerboard"])
def test_geometric_sets_stay_roughly_in_the_unit_view(name):
    data = make_dataset(name, n_points=2000, noise=0.0)
    assert np.all(np.abs(data.X) <= 1.5 + 1e-12)


def test_geometric_labels_follow_their_rules_without_noise():
    circle = make_dataset("circle", n_points=500, noise=0.0)
    radius = np.hypot(*circle.X.T)
    assert np.all(radius[circle.t == 0] <= 0.5 + 1e-12) and np.all(radius[circle.t == 1] >= 0.8 - 1e-12)
    xor = make_dataset("xor", n_points=500, noise=0.0)
    assert np.array_equal(xor.t, (xor.X[:, 0] * xor.X[:, 1] > 0).astype(int))
    board = make_dataset("checkerboard", n_points=500, noise=0.0)
    cells = np.floor((board.X + 1.2) / 0.6).astype(int)
    assert np.array_equal(board.t, cells.sum(axis=1) % 2)


@pytest.mark.parametrize("n_classes", range(2, 7))
def test_blobs_for_two_to_six_classes(n_classes):
    data = make_dataset("blobs", n_points=600, noise=0.0, n_classes=n_classes, seed=1)
    assert data.n_classes == n_classes
    counts = np.bincount(data.t, minlength=n_classes)
    assert counts.max() - counts.min() <= 1
    class_means = np.array([data.X[data.t == k].mean(axis=0) for k in range(n_classes)])
    # centres on the unit circle, one per class
    assert np.allclose(np.hypot(*class_means.T), 1.0, atol=0.1)
    gaps = np.linalg.norm(class_means[:, None] - class_means[None], axis=2)
    assert gaps[~np.eye(n_classes, dtype=bool)].min() > 0.8


# -- PRML synthetic classification (Netlab demmlp2) ------------------------------------------


def direct_posterior(X):
    """p(label 1 | x) straight from Bayes' theorem with scipy's densities."""
    joint = [prior * multivariate_normal(mean, covariance).pdf(X) for prior, mean, covariance
             in zip(PRML_SYNTHETIC_PRIORS, PRML_SYNTHETIC_MEANS, PRML_SYNTHETIC_COVARIANCES)]
    return (joint[1] + joint[2]) / (joint[0] + joint[1] + joint[2])


def exact_bayes_accuracy():
    """The integral of max_k p(x, C_k) over the plane, on a fine grid (PRML 1.78)."""
    grid = np.linspace(-8.0, 8.0, 1201)
    step = grid[1] - grid[0]
    points = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    joint = [prior * multivariate_normal(mean, covariance).pdf(points) for prior, mean, covariance
             in zip(PRML_SYNTHETIC_PRIORS, PRML_SYNTHETIC_MEANS, PRML_SYNTHETIC_COVARIANCES)]
    total = (joint[0] + joint[1] + joint[2]).sum() * step**2
    assert total == pytest.approx(1.0, abs=1e-6)
    return np.maximum(joint[0], joint[1] + joint[2]).sum() * step**2


def test_prml_synthetic_matches_the_netlab_recipe():
    data = make_dataset("prml_synthetic", n_points=40_000, seed=4)
    assert data.bounds == ((-2.0, 2.0), (-2.0, 3.0))
    assert np.mean(data.t) == pytest.approx(0.5, abs=0.01)
    assert np.allclose(data.X[data.t == 0].mean(axis=0), PRML_SYNTHETIC_MEANS[0], atol=0.03)
    # label 1 is an equal mixture of the second and third Gaussians
    assert np.allclose(data.X[data.t == 1].mean(axis=0), PRML_SYNTHETIC_MEANS[1:].mean(axis=0), atol=0.03)
    assert np.allclose(np.cov(data.X[data.t == 0].T), PRML_SYNTHETIC_COVARIANCES[0], atol=0.03)
    # noise does not apply to this set
    assert np.array_equal(make_dataset("prml_synthetic", noise=0.5).X, make_dataset("prml_synthetic").X)


def test_prml_posterior_agrees_with_a_direct_density_computation():
    points = np.array([[0.0, -0.1], [1.0, 1.0], [1.0, -1.0], [0.5, 0.0], [-1.5, 2.5], [2.0, -2.0]])
    posterior = make_dataset("prml_synthetic").bayes_posterior
    assert posterior is prml_synthetic_posterior
    assert np.allclose(posterior(points), direct_posterior(points), rtol=1e-12, atol=1e-14)
    # far away the densities underflow, but the log-odds form stays a probability
    far = posterior(np.array([[60.0, 60.0], [-60.0, -60.0], [0.0, 1e3]]))
    assert np.all(np.isfinite(far)) and np.all((far >= 0) & (far <= 1))


def test_prml_bayes_classifier_accuracy():
    data = make_dataset("prml_synthetic", n_points=100_000, seed=11)
    posterior = data.bayes_posterior(data.X)
    assert posterior.shape == (data.n,)
    assert np.all((posterior >= 0) & (posterior <= 1))
    accuracy = np.mean((posterior > 0.5) == data.t)
    # The classes overlap: even the Bayes rule errs on about 17 % (exact accuracy 0.827),
    # so the sample must agree with the integral to within 4 standard errors ...
    exact = exact_bayes_accuracy()
    assert exact == pytest.approx(0.827, abs=0.002)
    assert abs(accuracy - exact) < 4 * np.sqrt(exact * (1 - exact) / data.n)
    # ... and clearly beat network-free baselines: guessing one class (0.5) and a linear
    # discriminant fitted by least squares (PRML 4.1.3), which reaches about 0.79.
    design = np.column_stack([data.X, np.ones(data.n)])
    weights = np.linalg.lstsq(design, 2.0 * data.t - 1.0, rcond=None)[0]
    linear_accuracy = np.mean((design @ weights > 0) == data.t)
    assert linear_accuracy < accuracy - 0.02
    assert accuracy > 0.81


# -- regression sets ------------------------------------------------------------------------


def test_sinusoid_residual_std_matches_the_noise():
    data = make_dataset("sinusoid", n_points=20_000, seed=5)
    assert np.all((data.X >= 0) & (data.X <= 1))
    residual = data.t - np.sin(2 * np.pi * data.X)
    assert np.allclose(data.true_function(data.X), np.sin(2 * np.pi * data.X))
    assert residual.std() == pytest.approx(0.3, abs=0.01)
    assert abs(residual.mean()) < 0.01
    assert GENERATORS["sinusoid"].default_points == 10  # PRML fig 5.9


@pytest.mark.parametrize("name, function", [("square", lambda x: x**2),
                                            ("sine", lambda x: np.sin(np.pi * x)),
                                            ("abs", np.abs),
                                            ("heaviside", lambda x: (x >= 0).astype(float))])
def test_figure_5_3_functions_are_noise_free_by_default(name, function):
    data = make_dataset(name)
    assert data.n == 50 and np.all(np.abs(data.X) <= 1)
    assert np.array_equal(data.t, function(data.X))
    assert np.array_equal(data.true_function(data.X), data.t)
    noisy = make_dataset(name, noise=0.1, n_points=5000)
    assert (noisy.t - function(noisy.X)).std() == pytest.approx(0.1, rel=0.05)


def test_inverse_problem_swaps_the_forward_problem():
    forward = make_dataset("inverse_problem_forward", n_points=2000, seed=9)
    inverse = make_dataset("inverse_problem", n_points=2000, seed=9)
    assert np.array_equal(inverse.X, forward.t) and np.array_equal(inverse.t, forward.X)
    residual = forward.t - (forward.X + 0.3 * np.sin(2 * np.pi * forward.X))
    assert np.all(np.abs(residual) <= 0.1) and residual.std() == pytest.approx(0.1 / np.sqrt(3), rel=0.1)
    assert np.allclose(forward.true_function(forward.X), forward.t - residual)
    assert inverse.true_function is None  # t is not a function of x there


def test_heteroscedastic_noise_grows_with_x():
    data = make_dataset("heteroscedastic", n_points=40_000, noise=0.2, seed=1)
    x, residual = data.X[:, 0], (data.t - np.sin(2 * data.X))[:, 0]
    assert np.all(np.abs(x) <= 2)
    near, far = np.abs(x) < 0.2, np.abs(x) > 1.8
    assert residual[near].std() == pytest.approx(0.05 + 0.2 * 0.1, rel=0.1)
    assert residual[far].std() == pytest.approx(0.05 + 0.2 * 1.9, rel=0.1)


@pytest.mark.parametrize("name", ["plane", "multi_gaussian"])
def test_two_input_regression(name):
    data = make_dataset(name, n_points=5000, noise=0.1, seed=3)
    assert np.all(np.abs(data.X) <= 1.5)
    residual = data.t - data.true_function(data.X)
    assert residual.shape == (data.n, 1)
    assert residual.std() == pytest.approx(0.1, rel=0.05)
    clean = make_dataset(name, noise=0.0)
    assert np.allclose(clean.t, clean.true_function(clean.X))


def test_plane_is_linear():
    data = make_dataset("plane", n_points=100, noise=0.0)
    design = np.column_stack([data.X, np.ones(data.n)])
    coefficients = np.linalg.lstsq(design, data.t[:, 0], rcond=None)[0]
    assert np.allclose(coefficients, [0.8, -0.5, 0.0])


# -- make_dataset arguments -----------------------------------------------------------------


@pytest.mark.parametrize("arguments, fragment", [
    (dict(name="nope"), "unknown data set 'nope'; choose one of circle, xor"),
    (dict(name="circle", n_points=0), "n_points must be from 1 to 100000, got 0"),
    (dict(name="circle", n_points=MAX_POINTS + 1), "from 1 to 100000"),
    (dict(name="circle", n_points=2.5), "n_points must be a whole number, got 2.5"),
    (dict(name="circle", n_points=True), "n_points must be a whole number, got True"),
    (dict(name="circle", noise=-0.1), "noise must be between 0 and 10, got -0.1"),
    (dict(name="circle", noise=float("nan")), "noise must be a finite number"),
    (dict(name="circle", noise=float("inf")), "noise must be a finite number"),
    (dict(name="circle", noise="lots"), "noise must be a finite number, got 'lots'"),
    (dict(name="circle", noise=True), "noise must be a finite number, got True"),
    (dict(name="blobs", n_classes=1), "between 2 and 6"),
    (dict(name="blobs", n_classes=7), "between 2 and 6"),
    (dict(name="circle", n_classes=3), "exactly 2 classes"),
    (dict(name="sinusoid", n_classes=2), "regression set"),
])
def test_make_dataset_rejects_bad_arguments(arguments, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(")):
        make_dataset(**arguments)


def test_make_dataset_accepts_the_limits():
    assert make_dataset("circle", n_points=1).n == 1
    assert make_dataset("moons", n_points=MAX_POINTS).n == MAX_POINTS
    assert make_dataset("circle", n_classes=2).n_classes == 2
    assert make_dataset("blobs", n_classes=np.int64(4)).n_classes == 4


# --------------------------------------------------------------------------------------------
# The Dataset class
# --------------------------------------------------------------------------------------------


def test_dataset_copies_and_freezes_its_arrays():
    X = np.array([[0.0, 1.0], [2.0, 3.0]])
    t = np.array([0, 1])
    data = Dataset(X, t, "classification")
    X[0, 0] = 99.0
    t[0] = 1
    assert data.X[0, 0] == 0.0 and data.t[0] == 0
    with pytest.raises(ValueError):
        data.X[0, 0] = 5.0
    with pytest.raises(ValueError):
        data.t[0] = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.name = "other"


def test_dataset_normalises_its_fields():
    data = small_classification(t=[0.0, 1.0, 2.0, 0.0], bounds=[[0, 1], [2, 3]])
    assert data.t.dtype == np.int64 and data.n_classes == 3  # largest label + 1
    assert data.bounds == ((0.0, 1.0), (2.0, 3.0))
    assert small_classification(t=[0, 0, 0, 0]).n_classes == 2
    assert small_classification(t=np.array([[0], [1], [1], [0]])).t.shape == (4,)
    regression = small_regression()
    assert regression.t.shape == (3, 1) and regression.n_targets == 1
    assert small_regression(t=[[1, 2], [3, 4], [5, 6]]).n_targets == 2
    assert "name='custom'" in repr(regression) and "n=3" in repr(regression)


@pytest.mark.parametrize("make, changes, fragment", [
    (small_classification, dict(kind="clustering"), "kind must be one of"),
    (small_classification, dict(X=[0.0, 1.0, 2.0, 3.0]), "2-D array"),
    (small_classification, dict(X=[["a", "b"]] * 4), "must be numbers"),
    (small_classification, dict(X=[[0.0, np.nan]] * 4), "NaN or infinity"),
    (small_classification, dict(t=[0, 1, 1]), r"shape \(4,\)"),
    (small_classification, dict(t=[0, 1, 0.5, 0]), "whole numbers"),
    (small_classification, dict(t=[0, 1, np.nan, 0]), "whole numbers"),
    (small_classification, dict(t=["a", "b", "c", "d"]), "must be integers"),
    (small_classification, dict(t=[0, -1, 1, 0]), "non-negative"),
    (small_classification, dict(t=[0, 1, 2, 0], n_classes=2), "label 2 out of range for 2 classes"),
    (small_classification, dict(n_classes=1), "at least 2 classes"),
    (small_classification, dict(n_classes=2.5), "n_classes must be an integer"),
    (small_regression, dict(t=[1.0, 2.0]), "3 inputs but 2 targets"),
    (small_regression, dict(t=[1.0, np.inf, 2.0]), "NaN or infinity"),
    (small_regression, dict(n_classes=2), "None for regression"),
    (small_regression, dict(bounds=((0, 1), (1, 1))), "min < max"),
    (small_regression, dict(bounds=(0, 1)), "bounds must be"),
    (small_regression, dict(true_function=3), "callable"),
])
def test_dataset_rejects_inconsistent_input(make, changes, fragment):
    with pytest.raises(ValueError, match=fragment):
        make(**changes)


def test_view_bounds_derive_from_the_data_with_a_margin():
    data = small_classification()
    assert data.view_bounds == ((-0.1, 1.1), (-0.1, 1.1))
    regression = small_regression()  # one input: x against t
    assert regression.view_bounds == ((-0.1, 1.1), (0.8, 3.2))
    empty = Dataset(np.empty((0, 2)), np.empty(0), "classification")
    assert empty.n == 0 and empty.view_bounds == ((-1.0, 1.0), (-1.0, 1.0))
    assert Dataset(np.empty((0, 1)), np.empty((0, 1)), "regression").view_bounds == empty.view_bounds
    assert Dataset(np.empty((0, 1)), [], "classification").view_bounds == empty.view_bounds
    single = Dataset([[0.5, -2.0]], [1], "classification")
    assert single.view_bounds == ((-0.5, 1.5), (-3.0, -1.0))
    assert small_regression(bounds=((0, 2), (0, 4))).view_bounds == ((0.0, 2.0), (0.0, 4.0))


def test_targets_for_each_output_head():
    two = small_classification()
    for output in ("sigmoid", "linear"):
        targets = two.targets(output)
        assert targets.shape == (4, 1) and targets.dtype == np.float64
        assert np.array_equal(targets[:, 0], [0, 1, 1, 0])
    assert np.array_equal(two.targets("softmax"), [[1, 0], [0, 1], [0, 1], [1, 0]])
    three = small_classification(t=[0, 2, 1, 2])
    one_hot = [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]]
    for output in ("sigmoid", "softmax", "linear"):
        assert np.array_equal(three.targets(output), one_hot)
    with pytest.raises(ValueError, match="mdn"):
        two.targets("mdn")
    regression = small_regression(t=[[1, 2], [3, 4], [5, 6]])
    for output in ("linear", "mdn"):
        targets = regression.targets(output)
        assert np.array_equal(targets, regression.t)
        targets[0, 0] = 7.0  # a fresh array the caller may change
    assert regression.t[0, 0] == 1.0
    for output in ("sigmoid", "softmax"):
        with pytest.raises(ValueError, match="regression targets need a linear or mdn output"):
            regression.targets(output)
    with pytest.raises(ValueError, match="unknown output 'tanh'"):
        two.targets("tanh")


def test_edits_return_new_data_sets_and_keep_the_metadata():
    data = make_dataset("prml_synthetic", n_points=10)
    grown = data.with_points([[0.0, 0.0], [1.0, 1.0]], [1, 0])
    assert grown.n == 12 and data.n == 10
    assert np.array_equal(grown.X[:10], data.X) and np.array_equal(grown.t[10:], [1, 0])
    one_more = data.with_points([0.5, 0.5], 1)  # a single point
    assert one_more.n == 11 and one_more.t[-1] == 1
    for edited in (grown, one_more, data.without([0, 3]), data.subset([4, 2])):
        assert edited.name == data.name and edited.kind == data.kind
        assert edited.n_classes == data.n_classes and edited.bounds == data.bounds
        assert edited.bayes_posterior is data.bayes_posterior
        assert not edited.X.flags.writeable
    removed = data.without([0, 3])
    assert removed.n == 8 and np.array_equal(removed.X, np.delete(data.X, [0, 3], axis=0))
    assert data.without(np.arange(10) < 5).n == 5
    assert data.without([]).n == 10
    picked = data.subset([4, 2])
    assert np.array_equal(picked.X, data.X[[4, 2]]) and np.array_equal(picked.t, data.t[[4, 2]])
    assert data.subset([]).n == 0


def test_edits_validate_their_input():
    data = small_classification()
    with pytest.raises(ValueError, match="label 2 out of range for 2 classes"):
        data.with_points([[0.0, 0.0]], [2])
    with pytest.raises(ValueError, match=r"shape \(k, 2\)"):
        data.with_points([[0.0, 0.0, 0.0]], [1])
    with pytest.raises(ValueError, match="2 new inputs but 1 new targets"):
        data.with_points([[0.0, 0.0], [1.0, 1.0]], [1])
    regression = small_regression()
    assert regression.with_points([2.0, 3.0], [4.0, 5.0]).n == 5  # two points of one input
    assert regression.with_points(4.0, 6.0).t[-1, 0] == 6.0
    with pytest.raises(IndexError):
        data.subset([4])
    with pytest.raises(IndexError):
        data.without([-1])
    with pytest.raises(IndexError):
        data.subset([0.5])
    with pytest.raises(IndexError):
        data.without([True, False])


# --------------------------------------------------------------------------------------------
# Train / validation / test split
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 7, 10, 100, 1001])
@pytest.mark.parametrize("ratios", [(0.7, 0.15, 0.15), (0.5, 0.25, 0.25), (1.0, 0.0, 0.0),
                                    (0.0, 0.5, 0.5), (0.6, 0.4, 0.0), (0.71, 0.29, 0.0)])
def test_split_is_a_disjoint_cover_with_the_requested_sizes(n, ratios):
    parts = split_indices(n, ratios, seed=3)
    everything = np.concatenate(parts)
    assert np.array_equal(np.sort(everything), np.arange(n))  # disjoint and covering
    for part in parts:
        assert part.dtype.kind == "i" and np.array_equal(part, np.sort(part))
    for part, ratio in zip(parts[1:], ratios[1:]):
        assert len(part) == int(np.floor(n * ratio + 1e-9))  # validation and test round down
    assert len(parts[0]) == n - len(parts[1]) - len(parts[2])  # the remainder goes to training
    assert len(parts[0]) - n * ratios[0] < 2


def test_split_is_deterministic_for_a_seed():
    first, again, other = (split_indices(200, seed=seed) for seed in (1, 1, 2))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[1], other[1])


def test_split_stratifies_by_class():
    labels = np.repeat([0, 1, 2], [500, 300, 200])
    parts = split_indices(len(labels), (0.6, 0.2, 0.2), seed=5, labels=labels)
    assert [len(part) for part in parts] == [600, 200, 200]
    for part, ratio in zip(parts, (0.6, 0.2, 0.2)):
        counts = np.bincount(labels[part], minlength=3)
        assert np.all(np.abs(counts - ratio * np.array([500, 300, 200])) <= 1)
    # uneven classes still keep every split's proportions within a point or two
    labels = np.random.default_rng(0).integers(0, 4, 333)
    parts = split_indices(len(labels), seed=1, labels=labels)
    class_sizes = np.bincount(labels, minlength=4)
    for part, ratio in zip(parts, (0.7, 0.15, 0.15)):
        assert np.all(np.abs(np.bincount(labels[part], minlength=4) - ratio * class_sizes) <= 2)


@pytest.mark.parametrize("ratios", [(0.5, 0.5, 0.5), (0.7, 0.2, 0.0), (1.2, -0.1, -0.1),
                                    (0.5, 0.5), (0.5, 0.25, float("nan")), "abc"])
def test_split_rejects_bad_ratios(ratios):
    with pytest.raises(ValueError, match="ratios"):
        split_indices(10, ratios)


def test_split_rejects_bad_sizes():
    with pytest.raises(ValueError, match="non-negative"):
        split_indices(-1)
    with pytest.raises(ValueError, match="3 labels for 4 points"):
        split_indices(4, labels=[0, 1, 0])
    # within the tolerance: accepted, and the sizes are those of (0.7, 0.15, 0.15)
    parts = split_indices(10, (0.7, 0.15 + 1e-10, 0.15))
    assert [len(p) for p in parts] == [8, 1, 1]
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(10))
    with pytest.raises(ValueError, match="sum to 1"):  # beyond it: refused
        split_indices(10, (0.7, 0.15 + 1e-6, 0.15))
    with pytest.raises(ValueError, match="three non-negative"):
        split_indices(10, (1.2, -0.1, -0.1))


def test_split_dataset():
    data = make_dataset("blobs", n_points=300, n_classes=3)
    split = split_dataset(data, (0.6, 0.2, 0.2), seed=4)
    assert isinstance(split, Split)
    assert (split.train.n, split.val.n, split.test.n) == (180, 60, 60)
    for part, index in ((split.train, split.train_idx), (split.val, split.val_idx),
                        (split.test, split.test_idx)):
        assert np.array_equal(part.X, data.X[index]) and np.array_equal(part.t, data.t[index])
        assert np.array_equal(np.bincount(part.t), [part.n // 3] * 3)
        assert part.n_classes == 3 and part.name == "blobs"
        assert not index.flags.writeable
    regression = split_dataset(make_dataset("sinusoid", n_points=20), seed=0)
    assert (regression.train.n, regression.val.n, regression.test.n) == (14, 3, 3)
    assert regression.train.true_function is not None


# --------------------------------------------------------------------------------------------
# Input feature maps
# --------------------------------------------------------------------------------------------


def test_feature_values():
    X = np.array([[1.0, 2.0], [-0.5, 3.0]])
    assert FEATURES == ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
    expected = np.array([[1.0, 2.0, 1.0, 4.0, 2.0, np.sin(1.0), np.sin(2.0)],
                         [-0.5, 3.0, 0.25, 9.0, -1.5, np.sin(-0.5), np.sin(3.0)]])
    assert np.allclose(map_features(X, FEATURES), expected)
    assert np.array_equal(map_features(X, ["x1*x2", "x1"]), [[2.0, 1.0], [-1.5, -0.5]])
    one_input = np.array([[2.0], [-1.0]])
    assert features_for_inputs(1) == ("x1", "x1^2", "sin(x1)")
    assert features_for_inputs(2) == FEATURES
    assert np.allclose(map_features(one_input, features_for_inputs(1)),
                       [[2.0, 4.0, np.sin(2.0)], [-1.0, 1.0, np.sin(-1.0)]])


@pytest.mark.parametrize("X, names, fragment", [
    (np.zeros((3, 2)), ["x3"], "unknown feature 'x3'"),
    (np.zeros((3, 2)), [], "at least one"),
    (np.zeros((3, 2)), ["x1", "x1"], "once"),
    (np.zeros((3, 1)), ["x1", "x2"], "'x2' needs two inputs"),
    (np.zeros((3, 1)), ["x1*x2"], "needs two inputs"),
    (np.zeros((3, 3)), ["x1"], "shape"),
    (np.zeros(3), ["x1"], "shape"),
])
def test_feature_maps_reject_bad_requests(X, names, fragment):
    with pytest.raises(ValueError, match=fragment.replace("*", r"\*")):
        map_features(X, names)


def test_core_datasets_import_no_qt_and_no_session():
    code = ("import sys, playground.core.datasets; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph') "
            "or m.startswith(('playground.session', 'playground.gui'))]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
