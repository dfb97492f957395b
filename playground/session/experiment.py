"""From a configuration to ready-to-train objects: data, split, features, network, trainer.

The CLI and the GUI both build experiments here, so that a config file trains
the same network in both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from playground.core import MLP, Trainer
from playground.core.datasets import Dataset, Split, make_dataset, map_features, split_dataset
from playground.core.heads import LABEL_COLUMN_HEADS

from .config import ConfigError, DataConfig, ExperimentConfig, NetworkConfig
from .datafile import read_csv


def matched_output(dataset: Dataset) -> str:
    """The canonical output head for a problem (PRML 5.2): sigmoid for two classes,
    softmax for more, linear for regression."""
    if dataset.kind == "regression":
        return "linear"
    return "sigmoid" if dataset.n_classes == 2 else "softmax"


def output_mismatch(dataset: Dataset, output: str) -> str | None:
    """Why an output head does not fit the data, in words a student follows; None if it fits.

    Impossible pairs raise in ``Dataset.targets``; this explains the questionable ones too.
    """
    if output == "auto":
        return None
    if dataset.kind == "regression":
        if output in ("sigmoid_sse", "perceptron"):
            return (f"A {output} output is for class labels, but this data set has real-valued targets. Use a "
                    "linear output (sum-of-squares error) or a mixture density output.")
        if output in ("sigmoid", "softmax"):
            return (f"A {output} output gives probabilities of classes, but this data set has real-valued "
                    "targets. Use a linear output (sum-of-squares error) or a mixture density output.")
        return None
    if output == "mdn":
        return ("A mixture density output models real-valued targets, but this data set has class labels. "
                f"Use a {matched_output(dataset)} output (cross-entropy error).")
    if output == "linear":
        return ("A linear output trained by least squares on class labels is not a probability and is badly "
                "hurt by points far from the boundary (PRML 4.1.3). "
                f"The matched choice is a {matched_output(dataset)} output with the cross-entropy error.")
    if output == "softmax" and dataset.n_classes == 2:
        return None  # two softmax units are equivalent to one sigmoid (PRML 4.3.4)
    if output == "sigmoid_sse":
        return ("Not the canonical link: a sigmoid output with the sum-of-squares error (PRML 5.2 pairs the "
                "sigmoid with the cross-entropy). Its gradient (y - t) y (1 - y) vanishes when an output is "
                "confidently wrong, so learning from a bad start is slow (Nielsen's \"learning slowdown\"): "
                "compare it with the sigmoid output on the same data.")
    if output == "perceptron":
        if dataset.n_classes > 2:
            return "The perceptron separates two classes only (PRML 4.1.7); use a softmax output for more."
        return ("A step unit trained on the perceptron criterion (PRML 4.1.7). With no hidden layer, gradient "
                "descent, batch size 1 and learning rate 1 this is the perceptron rule: it converges when the "
                "classes are linearly separable and cycles for ever when they are not (XOR).")
    if output == "sigmoid" and dataset.n_classes > 2:
        return (f"{dataset.n_classes} sigmoid outputs treat the classes as independent yes/no questions, so the "
                "probabilities need not sum to one. For mutually exclusive classes use a softmax output.")
    return None


def resolve_output(dataset: Dataset, output: str) -> str:
    return matched_output(dataset) if output == "auto" else output


def output_for_data(output: str, dataset: Dataset, previous: Dataset | None = None) -> str:
    """The head to train after the data changed from ``previous`` to ``dataset``.

    A head the user chose stays while the kind of problem stays (a linear head on class labels
    is a lesson of PRML 4.1.3); when the kind changes, or the head cannot train on the data at
    all (mdn on class labels), the head follows the data again: "auto", the matched one.
    """
    if output == "auto":
        return output
    if previous is not None and previous.kind != dataset.kind:
        return "auto"
    try:
        dataset.targets(output)
    except ValueError:
        return "auto"
    return output


def load_dataset(config: DataConfig, base_dir: str | os.PathLike = ".") -> Dataset:
    """The configured data (a CSV path is relative to ``base_dir``); DataFileError on a bad file."""
    if config.csv is not None:
        path = config.csv if os.path.isabs(config.csv) else os.path.join(base_dir, config.csv)
        return read_csv(path)
    try:
        return make_dataset(config.generator, config.n_points, config.noise, config.seed, config.n_classes)
    except ValueError as err:
        raise ConfigError(f"data: {err}") from None


def build_network(config: NetworkConfig, n_inputs: int, dataset: Dataset) -> MLP:
    output = resolve_output(dataset, config.output)
    n_outputs = dataset.n_targets
    if output in LABEL_COLUMN_HEADS and dataset.kind == "classification" and dataset.n_classes == 2:
        n_outputs = 1
    return MLP([n_inputs, *config.hidden, n_outputs], hidden=config.activations(), output=output,
               n_components=config.n_components, init=config.init, seed=config.seed,
               init_scale=config.init_scale, sigma_floor=config.sigma_floor if output == "mdn" else None)


@dataclass(frozen=True, eq=False)
class Experiment:
    """Everything needed to train: the data, its split, mapped inputs and targets, the network."""

    config: ExperimentConfig
    dataset: Dataset
    split: Split
    features: tuple[str, ...] | None
    net: MLP
    output: str

    def inputs(self, part: Dataset) -> np.ndarray:
        return part.X if self.features is None else map_features(part.X, self.features)

    def pair(self, part: Dataset):
        """(inputs, targets) of a part of the split, or None when it is empty."""
        if part.n == 0:
            return None
        return self.inputs(part), part.targets(self.output)

    def make_trainer(self) -> Trainer:
        train = self.pair(self.split.train)
        if train is None:
            raise ConfigError("the training share of the split holds no points")
        return Trainer(self.net, *train, validation=self.pair(self.split.val), test=self.pair(self.split.test),
                       options=self.config.training)


def plane_transformation_problem(reg, features, n_inputs: int = 2) -> str | None:
    """Why ``reg`` cannot be used with data of ``n_inputs`` raw inputs and these ``features``, or None.
    Tangent propagation and transformed data move the points of the plane (PRML 5.5.3-5.5.4); the
    trainer sees the network's inputs, so through feature maps other than x1, x2 they would turn
    or shift the features instead: refused, with what does work."""
    if reg.tangent_prop > 0:
        key, kind = "tangent_prop", reg.tangent_kind
    elif reg.transforms_data and reg.augment != "noise":
        key, kind = "augment", reg.augment
    else:
        return None
    if n_inputs != 2:
        return (f"regularization.{key}: {kind.replace('_', ' along ')} acts on points of the plane, two inputs "
                f"x1, x2; this data has {n_inputs} input{'s' if n_inputs != 1 else ''}: use Tikhonov or "
                f"input noise, which work with any inputs")
    if features is None or tuple(features) == ("x1", "x2"):
        return None
    return (f"regularization.{key}: tangent propagation and transformed data act on the inputs x1, x2 "
            f"themselves, not on the feature maps {', '.join(features)}; use the raw inputs, or Tikhonov "
            f"or input noise, which work with any inputs")


def prepare(config: ExperimentConfig, base_dir: str | os.PathLike = ".", dataset: Dataset | None = None,
            split: Split | None = None) -> Experiment:
    """Load or generate the data, split it, map features and build the network.

    ``dataset`` and ``split`` may be given (the GUI's drawn points and their parts).
    Raises ConfigError (or DataFileError for a bad CSV) with a message for the user.
    """
    if dataset is None:
        dataset = load_dataset(config.data, base_dir)
    mismatch = output_mismatch(dataset, config.network.output)
    output = resolve_output(dataset, config.network.output)
    try:
        dataset.targets(output)
    except ValueError:
        raise ConfigError(f"network.output: {mismatch}") from None
    features = config.data.features
    if features is not None:
        try:
            map_features(dataset.X[:1], features)
        except ValueError as err:
            raise ConfigError(f"data.features: {err}") from None
    n_inputs = dataset.n_inputs if features is None else len(features)
    problem = plane_transformation_problem(config.training.regularization, features, dataset.n_inputs)
    if problem is not None:
        raise ConfigError(problem)
    if split is None:
        if config.training.early_stopping is not None and config.data.split[1] == 0:
            raise ConfigError("training.early_stopping: needs a validation share in data.split")
        split = split_dataset(dataset, config.data.split, config.data.split_seed)
    try:
        net = build_network(config.network, n_inputs, dataset)
    except ValueError as err:
        raise ConfigError(f"network: {err}") from None
    if output == "mdn" and split.train.n:  # start from the training targets' spread (Netlab mdninit)
        net.initialize(seed=config.network.seed, scale=config.network.init_scale,
                       targets=split.train.targets(output))
    return Experiment(config, dataset, split, features, net, output)
