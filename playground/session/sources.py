"""What the headless commands read: a config, a saved session or a network file, told apart by content.

``nn-playground train / render / export SOURCE`` take any of them where it makes sense: a
config or a session describes an experiment (data, split, network, training); a session or a
network file holds trained weights. A JSON file says what it is in its "format" entry (a config
has none); ``.npz`` is a network file. Every problem is a ValueError subclass whose message
names the file, for the one line the CLI prints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from playground.core import MLP
from playground.core.mlp import NETWORK_FORMAT

from .atomic import read_json_file
from .config import ConfigError, ExperimentConfig
from .document import SESSION_FORMAT, Document, Session, SessionFileError, parse_session
from .experiment import Experiment, prepare
from .lessons import LESSON_FORMAT, parse_lesson
from .network_io import NetworkFileError, network_from_document, read_network_file


class SourceError(ValueError):
    """A file that is not the kind of source a command needs; the message names the file."""


@dataclass(frozen=True, eq=False)
class Source:
    """A read source: ``kind`` "config", "session" or "network" and what it held."""

    path: str
    kind: str
    config: ExperimentConfig | None = None
    session: Session | None = None
    network: MLP | None = None  # a network file's network
    features: tuple[str, ...] | None = None  # a network file's input features
    figure_view: str = "data"  # the view `render` draws unless told: a lesson's "figure_view"
    view_settings: dict | None = None  # a lesson's view_settings (its lab docks' settings among them)


def read_source(path: str | os.PathLike) -> Source:
    path = os.fspath(path)
    if path.lower().endswith((".npz", ".onnx", ".safetensors")):  # the last two: refused in words
        net, features = read_network_file(path)
        return Source(path, "network", network=net, features=features)
    raw = read_json_file(path, ConfigError)
    kind = raw.get("format") if isinstance(raw, dict) else None
    if kind == SESSION_FORMAT:
        try:
            return Source(path, "session", session=parse_session(raw))
        except (ConfigError, ValueError, TypeError, KeyError, IndexError, OverflowError) as err:
            raise SessionFileError(f"{path}: {err}") from None
    if kind == LESSON_FORMAT:  # a lesson's experiment, trained and drawn as a config's (resources/lessons)
        try:
            lesson = parse_lesson(raw, path)
            return Source(path, "config", config=lesson.experiment, figure_view=lesson.figure_view,
                          view_settings=dict(lesson.view_settings))
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None
    if kind == NETWORK_FORMAT:
        try:
            net, features = network_from_document(raw)
        except ValueError as err:
            raise NetworkFileError(f"{path}: {err}") from None
        return Source(path, "network", network=net, features=features)
    try:
        return Source(path, "config", config=ExperimentConfig.from_dict(raw))
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None


def source_experiment(source: Source) -> tuple[Experiment, Document]:
    """The experiment of a config or a session, untrained (the session's own points and split),
    and the document the data view shows for it."""
    if source.kind == "network":
        raise SourceError(f"{source.path} is a network file; this command needs an experiment config "
                          "or a saved session (a network file holds no data to train on)")
    if source.kind == "session":
        document = source.session.document
        experiment = prepare(document.config, base_dir=os.path.dirname(os.path.abspath(source.path)),
                             dataset=document.dataset, split=document.split())
        return experiment, document
    experiment = prepare(source.config, base_dir=os.path.dirname(os.path.abspath(source.path)))
    split = experiment.split
    parts = np.zeros(experiment.dataset.n, dtype=np.int8)
    parts[split.val_idx], parts[split.test_idx] = 1, 2
    return experiment, Document(experiment.dataset, parts, source.config)


def trained_network(source: Source) -> tuple[MLP, tuple[str, ...] | None, int]:
    """(network with its trained weights, input features, raw input count) of a session or a network file."""
    if source.kind == "network":
        net, features = source.network, source.features
        raw_inputs = net.sizes[0] if features is None else (2 if any("x2" in f for f in features) else 1)
        return net, features, raw_inputs
    if source.kind == "config":
        raise SourceError(f"{source.path} is an experiment config and holds no trained weights; train it first "
                          f"(nn-playground train {source.path} --out DIR) and export DIR/network.json")
    weights = source.session.weights
    if weights is None:
        raise SourceError(f"{source.path}: the session holds no trained weights; train it in the app and save it, "
                          "or run nn-playground train on it")
    experiment, _ = source_experiment(source)
    net = experiment.net
    if weights.size != net.n_params:
        raise SourceError(f"{source.path}: the saved weights ({weights.size:,} numbers) do not fit the network "
                          f"{'-'.join(map(str, net.sizes))} ({net.n_params:,} weights) that the session's "
                          "settings build")
    net.w[:] = weights
    return net, experiment.features, experiment.dataset.n_inputs
