"""The document the desktop app edits: data points, their split, and the experiment config.

A Document is immutable; every edit returns a new one, so the GUI's undo stack can
hold old data as they are (strokes keep only the rows they add or erase). Each point carries its part of the split
(train / validation / test) for as long as it lives: drawing a new point does not
reshuffle the others, it only draws the new point's part with the configured
shares.

Session files (versioned JSON) store a document together with the trained
weights and the training curves, so a lesson can be reopened where it stopped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace

import numpy as np

from playground.core.datasets import Dataset, Split, make_dataset, split_indices
from playground.core.training import History

from .atomic import atomic_write_text, read_json_file
from .config import ConfigError, DataConfig, ExperimentConfig
from .datafile import MAX_CLASSES
from .messages import excerpt

SESSION_FORMAT = "nn-playground-session"
SESSION_VERSION = 1
TRAIN, VALIDATION, TEST = 0, 1, 2
PART_NAMES = ("train", "validation", "test")


class SessionFileError(ValueError):
    """A session file that cannot be opened; the message names the file and the problem."""


def _parts_of(n: int, labels, ratios, seed: int) -> np.ndarray:
    part = np.zeros(n, dtype=np.int8)
    _, val, test = split_indices(n, ratios, seed, labels)
    part[val], part[test] = VALIDATION, TEST
    return part


def empty_dataset(kind: str, n_classes: int = 2, n_inputs: int | None = None) -> Dataset:
    """A data set with no points, ready for drawing: 2-D classification or 1-D regression."""
    if kind == "classification":
        return Dataset(np.zeros((0, n_inputs or 2)), np.zeros(0, dtype=int), "classification",
                       n_classes=n_classes, name="drawing", bounds=((-1.5, 1.5), (-1.5, 1.5)))
    return Dataset(np.zeros((0, n_inputs or 1)), np.zeros((0, 1)), "regression", name="drawing",
                   bounds=((-1.5, 1.5), (-1.5, 1.5)))


@dataclass(frozen=True, eq=False)
class Document:
    dataset: Dataset
    parts: np.ndarray  # (N,) int8: 0 train, 1 validation, 2 test
    config: ExperimentConfig

    def __post_init__(self):
        parts = self.parts
        if isinstance(parts, np.ndarray) and parts.dtype == np.int8 and not parts.flags.writeable:
            return  # already validated and frozen (an edit that kept the parts)
        parts = np.array(parts, dtype=np.int8)
        if parts.shape != (self.dataset.n,) or (parts.size and (parts.min() < 0 or parts.max() > 2)):
            raise ValueError("every point needs a split part 0 (train), 1 (validation) or 2 (test)")
        parts.flags.writeable = False
        object.__setattr__(self, "parts", parts)

    # ------------------------------------------------------------------ construction
    @classmethod
    def generated(cls, config: ExperimentConfig) -> "Document":
        """Sample the config's generator and split it (stratified by class)."""
        d = config.data
        if d.generator is None:
            raise ConfigError("data: the document needs a generator here (CSV data come through with_dataset)")
        try:
            dataset = make_dataset(d.generator, d.n_points, d.noise, d.seed, d.n_classes)
        except ValueError as err:
            raise ConfigError(f"data: {err}") from None
        return cls.with_new_dataset(dataset, config)

    @classmethod
    def with_new_dataset(cls, dataset: Dataset, config: ExperimentConfig) -> "Document":
        labels = dataset.t if dataset.kind == "classification" else None
        return cls(dataset, _parts_of(dataset.n, labels, config.data.split, config.data.split_seed), config)

    # ------------------------------------------------------------------ edits
    def with_points(self, X, t) -> "Document":
        """Append points; each new point's part is drawn with the configured shares
        (deterministic: the generator is seeded by the split seed and the point count)."""
        dataset = self.dataset.with_points(X, t)
        k = dataset.n - self.dataset.n
        rng = np.random.default_rng([self.config.data.split_seed, self.dataset.n])
        new_parts = rng.choice(3, size=k, p=np.asarray(self.config.data.split) / sum(self.config.data.split))
        return replace(self, dataset=dataset, parts=np.concatenate([self.parts, new_parts.astype(np.int8)]))

    def without(self, indices) -> "Document":
        keep = np.ones(self.dataset.n, dtype=bool)
        keep[np.asarray(indices, dtype=int)] = False
        return replace(self, dataset=self.dataset.subset(np.flatnonzero(keep)), parts=self.parts[keep])

    def cleared(self) -> "Document":
        d = self.dataset
        empty = d.subset(np.zeros(0, dtype=int))
        return replace(self, dataset=replace(empty, name="drawing", bayes_posterior=None, true_function=None),
                       parts=np.zeros(0, dtype=np.int8))

    def resplit(self, ratios, seed: int) -> "Document":
        config = replace(self.config, data=replace(self.config.data, split=tuple(ratios), split_seed=seed))
        return Document.with_new_dataset(self.dataset, config)

    def with_config(self, config: ExperimentConfig) -> "Document":
        return replace(self, config=config)

    def with_n_classes(self, n_classes: int) -> "Document":
        """Change the number of drawable classes (points of dropped classes go)."""
        d = self.dataset
        keep = np.flatnonzero(d.t < n_classes)
        dataset = replace(d.subset(keep), n_classes=n_classes, bayes_posterior=None)
        return replace(self, dataset=dataset, parts=self.parts[keep])

    # ------------------------------------------------------------------ views
    def part(self, which: int) -> Dataset:
        return self.dataset.subset(np.flatnonzero(self.parts == which))

    def split(self) -> Split:
        idx = [np.flatnonzero(self.parts == p) for p in (TRAIN, VALIDATION, TEST)]
        return Split(*(self.dataset.subset(i) for i in idx), *idx)

    def counts(self) -> tuple[int, int, int]:
        return tuple(int(np.sum(self.parts == p)) for p in (TRAIN, VALIDATION, TEST))


def default_document() -> Document:
    """What the app opens with: two spirals, a 2-8-8-1 tanh network, Adam."""
    config = ExperimentConfig(data=DataConfig(generator="spiral", n_points=300, noise=0.03, seed=0))
    return Document.generated(config)


# ---------------------------------------------------------------------- session files
def _dataset_dict(dataset: Dataset) -> dict:
    return {
        "name": dataset.name,
        "kind": dataset.kind,
        "n_classes": dataset.n_classes,
        "X": dataset.X.tolist(),
        "t": dataset.t.tolist(),
    }


def session_document(document: Document, weights=None, history: History | None = None, extra: dict | None = None) -> dict:
    doc = {
        "format": SESSION_FORMAT,
        "version": SESSION_VERSION,
        "config": document.config.to_dict(),
        "dataset": _dataset_dict(document.dataset),
        "parts": document.parts.tolist(),
        "weights": None if weights is None else np.asarray(weights, dtype=float).tolist(),
        "history": None if history is None else {
            "train_error": _nan_to_none(history.train_error),
            "val_error": _nan_to_none(history.val_error),
            "test_error": _nan_to_none(history.test_error),
        },
    }
    if extra:
        doc["extra"] = extra
    return doc


def _nan_to_none(values) -> list:
    return [None if not np.isfinite(v) else float(v) for v in values]


def save_session(path: str | os.PathLike, document: Document, weights=None, history: History | None = None,
                 extra: dict | None = None) -> None:
    atomic_write_text(path, json.dumps(session_document(document, weights, history, extra), allow_nan=False) + "\n")


@dataclass(frozen=True, eq=False)
class Session:
    """A reopened session. ``notes`` are plain sentences about what could not be restored as
    saved (e.g. weights that do not fit the network); the app shows them, nothing is lost silently."""

    document: Document
    weights: np.ndarray | None
    history: History | None
    extra: dict
    notes: tuple[str, ...] = ()


def load_session(path: str | os.PathLike) -> Session:
    """Read a session file; every problem is a SessionFileError naming the file."""
    raw = read_json_file(path, SessionFileError)
    try:
        return parse_session(raw)
    except (ConfigError, ValueError, TypeError, KeyError, IndexError, OverflowError) as err:
        raise SessionFileError(f"{path}: {err}") from None


def parse_session(raw) -> Session:
    """A Session from parsed JSON; ValueError (ConfigError for the config) names the bad entry."""
    if not isinstance(raw, dict) or raw.get("format") != SESSION_FORMAT:
        raise ValueError(f"not an nn-playground session (expected \"format\": \"{SESSION_FORMAT}\")")
    version = raw.get("version")
    if type(version) is not int or version != SESSION_VERSION:  # true == 1 in Python, not a version
        raise ValueError(f"unsupported session version {excerpt(version)} (this build reads {SESSION_VERSION})")
    try:
        config = ExperimentConfig.from_dict(raw.get("config"))
    except ConfigError as err:
        raise ConfigError(f"config: {err}") from None
    dataset = _parse_dataset(raw.get("dataset"))
    parts = _numbers(raw.get("parts", []), "parts")
    if parts.ndim != 1 or parts.size != dataset.n or (parts.size and not np.all(np.isin(parts, (0, 1, 2)))):
        raise ValueError(f"\"parts\" must give each of the {dataset.n} points its part of the split: "
                         "0 (train), 1 (validation) or 2 (test)")
    document = Document(dataset, parts.astype(np.int8), config)
    weights = raw.get("weights")
    if weights is not None:
        weights = _numbers(weights, "weights")
        if weights.ndim != 1 or not np.all(np.isfinite(weights)):
            raise ValueError("the stored weights must be a list of finite numbers")
    history = _parse_history(raw.get("history"))
    extra = raw.get("extra") or {}
    if not isinstance(extra, dict):
        raise ValueError(f"\"extra\" must be an object, got {excerpt(extra)}")
    notes = () if weights is None else _weights_note(document, weights)
    return Session(document, weights, history, extra, notes)


def _numbers(value, what: str) -> np.ndarray:
    """A float array from a JSON list (of lists) of numbers; anything else raises ValueError.

    numpy would read "1.5" as 1.5 when told dtype=float; left to choose, it gives strings,
    None, objects and integers too large for 64 bits a dtype of their own, refused here.
    """
    if not isinstance(value, list):
        raise ValueError(f"\"{what}\" must be a list of numbers, got {excerpt(value)}")
    try:
        array = np.array(value)
    except (ValueError, TypeError, OverflowError):  # rows of different lengths
        raise ValueError(f"\"{what}\" must be a list of numbers (rows of equal length)") from None
    if array.size and array.dtype.kind not in "iuf":
        raise ValueError(f"\"{what}\" must hold numbers only (no text, true/false, null or huge integers)")
    return array.astype(float)


def _parse_dataset(d) -> Dataset:
    if not isinstance(d, dict):
        raise ValueError("the session lacks its data set (\"dataset\" must be an object)")
    kind = d.get("kind")
    if kind not in ("classification", "regression"):
        raise ValueError(f"\"dataset.kind\" must be \"classification\" or \"regression\", got {excerpt(kind)}")
    X = _numbers(d.get("X"), "dataset.X")
    t = _numbers(d.get("t"), "dataset.t")
    if X.size == 0:
        X = X.reshape(0, 2 if kind == "classification" else 1)
        t = t.reshape(0) if kind == "classification" else t.reshape(0, 1)
    if X.ndim != 2 or not np.all(np.isfinite(X)):
        raise ValueError("\"dataset.X\" must be a list of points, each a list of finite numbers")
    if not np.all(np.isfinite(t)):
        raise ValueError("\"dataset.t\" must hold finite numbers")
    n_classes = d.get("n_classes")
    if kind == "classification":
        if n_classes is not None and (type(n_classes) is not int or not 2 <= n_classes <= MAX_CLASSES):
            raise ValueError(f"\"dataset.n_classes\" must be a whole number from 2 to {MAX_CLASSES}, "
                             f"got {excerpt(n_classes)}")
        if t.ndim != 1 or (t.size and (np.any(t != np.floor(t)) or t.min() < 0 or t.max() >= MAX_CLASSES)):
            raise ValueError(f"\"dataset.t\" must hold one class label 0..{MAX_CLASSES - 1} per point")
        t = t.astype(np.int64)
    name = d.get("name", "session")
    if not isinstance(name, str):
        raise ValueError(f"\"dataset.name\" must be a string, got {excerpt(name)}")
    try:
        return Dataset(X, t, kind, n_classes=n_classes, name=name)
    except ValueError as err:
        raise ValueError(f"\"dataset\": {err}") from None


def _parse_history(history) -> History | None:
    if history is None:
        return None
    keys = ("train_error", "val_error", "test_error")
    if not isinstance(history, dict):
        raise ValueError(f"\"history\" must be an object with the lists {', '.join(keys)}, got {excerpt(history)}")
    curves = []
    for key in keys:
        values = history.get(key, [])
        if not isinstance(values, list):
            raise ValueError(f"\"history.{key}\" must be a list of numbers, got {excerpt(values)}")
        curve = _numbers([np.nan if v is None else v for v in values], f"history.{key}")
        if curve.ndim != 1:
            raise ValueError(f"\"history.{key}\" must be a flat list of numbers")
        curves.append(curve)
    n = len(curves[0])
    if any(len(c) != n for c in curves):
        raise ValueError("the stored training curves have different lengths")
    for c in curves:
        c.flags.writeable = False
    epochs = np.arange(n)
    epochs.flags.writeable = False
    return History(epochs, *curves)


def _weights_note(document: Document, weights: np.ndarray) -> tuple[str, ...]:
    """A note when the saved weights do not fit the network the session's config builds."""
    from .experiment import prepare  # the network the app and the CLI build for this document

    try:
        net = prepare(document.config, dataset=document.dataset, split=document.split()).net
    except (ConfigError, ValueError):
        return ()  # the app explains a config that builds no network when it tries
    if weights.size == net.n_params:
        return ()
    architecture = "-".join(map(str, net.sizes))
    return (f"The saved weights ({weights.size:,} numbers) do not fit the network {architecture} "
            f"({net.n_params:,} weights): the network starts from new weights.",)
