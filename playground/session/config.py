"""The experiment configuration: versioned JSON shared by the CLI and saved sessions.

An experiment is a data source, a network and the training settings::

    {
      "version": 1,
      "data": {"generator": "spiral", "n_points": 400, "noise": 0.1, "seed": 0,
               "split": {"train": 0.7, "validation": 0.15, "test": 0.15, "seed": 0},
               "features": ["x1", "x2"]},
      "network": {"hidden": [8, 8], "activation": "tanh", "output": "auto",
                  "init": "xavier", "seed": 0},
      "training": {"optimizer": "adam", "lr": 0.01, "epochs": 500, "batch_size": null,
                   "schedule": {"kind": "constant"}, "early_stopping": null},
      "regularization": {"l2": 0.0, "l1": 0.0, "dropout": 0.0, "standardize_inputs": false}
    }

``regularization`` also takes the invariances and soft weight sharing (PRML 5.5.3-5.5.7):
``tangent_prop`` (lambda) with ``tangent_kind`` ("rotation", "scaling", "translation_x",
"translation_y"), ``tikhonov`` (lambda), ``augment`` ("none", "rotation", "scaling",
"translation", "noise") with ``augment_size``, ``soft_weight_sharing`` (lambda) with
``mixture_components``.
``training.evidence`` (optional) runs the evidence procedure of PRML 5.7.2 (Netlab demev1):
``{"alpha": 0.01, "beta": 50, "cycles": 5, "updates": 1, "hessian": "exact", "per_group": false}``;
the epochs are split into ``cycles`` and alpha, beta re-estimated after each, their weight decay
replacing ``regularization.l2``.

``data`` takes either ``generator`` (a name from playground.core.datasets) or
``csv`` (a path, relative to the config file). Every key is checked: unknown
keys and bad values raise ConfigError naming the key, e.g.
``training.lr: must be a positive number, got -1``. The ranges and choices come from
playground.core.params, which the core's checks and the panels' spin boxes read too.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from playground.core import OPTIMIZERS, EarlyStopping, Regularization, Schedule, TrainingOptions
from playground.core.heads import HEAD_NAMES
from playground.core.params import (  # noqa: F401  (MAX_*: the CLI and the panels read them here too)
    DATA_PARAMETERS, HYPER_PARAMETERS, MAX_COMPONENTS, MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_POINTS, MAX_SEED, MAX_UNITS,
    NETWORK_PARAMETERS, POSITIVE, TRAINING_PARAMETERS, Choice, close_match,
)
from playground.core.params import problem as _problem
from playground.core.bayes import EvidenceOptions
from playground.core.params import BAYES_PARAMETERS
from playground.core.regularizers import GROUP_NAMES

from .atomic import read_json_file
from .messages import excerpt

# "auto": the head that fits the data (the config's own choice beside the core's heads)
_OUTPUT = Choice(("auto", *HEAD_NAMES), "output")

CONFIG_VERSION = 1
# The "regularization" keys of PRML 5.5.3-5.5.7 (invariances, soft weight sharing): Regularization's fields.
INVARIANCE_KEYS = ("tangent_prop", "tangent_kind", "tikhonov", "augment", "augment_size",
                   "soft_weight_sharing", "mixture_components")
MAX_CONFIG_BYTES = 16 * 2**20  # a config is a few hundred bytes; this refuses a data dump early


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the offending key."""


@dataclass(frozen=True)
class DataConfig:
    generator: str | None = "two_gaussians"
    n_points: int | None = None  # None: the generator's default
    noise: float | None = None
    seed: int = 0
    n_classes: int | None = None  # only for "blobs"
    csv: str | None = None  # path to a CSV file instead of a generator
    split: tuple[float, float, float] = (0.7, 0.15, 0.15)
    split_seed: int = 0
    features: tuple[str, ...] | None = None  # None: the raw inputs


@dataclass(frozen=True)
class NetworkConfig:
    hidden: tuple[int, ...] = (8, 8)
    activation: str | tuple[str, ...] = "tanh"
    output: str = "auto"  # "auto": the matched head for the data (PRML 5.2)
    n_components: int | None = None
    init: str = "xavier"
    init_scale: float | None = None
    seed: int = 0
    sigma_floor: float | None = None  # mdn only; None: core.params.DEFAULT_SIGMA_FLOOR

    def activations(self) -> list[str]:
        if isinstance(self.activation, str):
            return [self.activation] * len(self.hidden)
        return list(self.activation)


@dataclass(frozen=True)
class ExperimentConfig:
    data: DataConfig = field(default_factory=DataConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    training: TrainingOptions = field(default_factory=TrainingOptions)
    epochs: int = 500
    name: str = ""
    evidence: EvidenceOptions | None = None  # training.evidence: the evidence procedure (PRML 5.7.2)

    # --------------------------------------------------------------- JSON
    def to_dict(self) -> dict:
        d, n, t = self.data, self.network, self.training
        data: dict[str, Any] = {}
        if d.csv is not None:
            data["csv"] = d.csv
        else:
            data.update(generator=d.generator, n_points=d.n_points, noise=d.noise, seed=d.seed)
            if d.n_classes is not None:
                data["n_classes"] = d.n_classes
        data["split"] = {"train": d.split[0], "validation": d.split[1], "test": d.split[2], "seed": d.split_seed}
        if d.features is not None:
            data["features"] = list(d.features)
        network = {
            "hidden": list(n.hidden),
            "activation": n.activation if isinstance(n.activation, str) else list(n.activation),
            "output": n.output,
            "n_components": n.n_components,
            "init": n.init,
            "init_scale": n.init_scale,
            "seed": n.seed,
        }
        if n.sigma_floor is not None and n.output == "mdn":  # the parser refuses a floor on other heads
            network["sigma_floor"] = n.sigma_floor
        s = t.schedule
        training = {
            "optimizer": t.optimizer,
            "lr": t.lr,
            "epochs": self.epochs,
            "batch_size": t.batch_size,
            "seed": t.seed,
            **t.hyper,
            "schedule": {"kind": s.kind, "drop": s.drop, "every": s.every, "decay": s.decay},
            "early_stopping": None if t.early_stopping is None else {
                "patience": t.early_stopping.patience,
                "restore_best": t.early_stopping.restore_best,
                "min_delta": t.early_stopping.min_delta,
            },
        }
        if self.evidence is not None:
            e = self.evidence
            training["evidence"] = {"alpha": e.alpha, "beta": e.beta, "cycles": e.cycles, "updates": e.updates,
                                    "hessian": e.hessian, "per_group": e.per_group}
        r = t.regularization
        regularization = {"l2": r.l2, "l2_groups": None if r.l2_groups is None else dict(r.l2_groups), "l1": r.l1}
        plain = Regularization()  # written when set, so files without them read as before
        regularization.update({k: getattr(r, k) for k in INVARIANCE_KEYS if getattr(r, k) != getattr(plain, k)})
        if r.dropout:
            regularization["dropout"] = r.dropout
        if r.standardize_inputs:
            regularization["standardize_inputs"] = True
        out = {"version": CONFIG_VERSION}
        if self.name:
            out["name"] = self.name
        out.update(data=data, network=network, training=training, regularization=regularization)
        return out

    @classmethod
    def from_dict(cls, raw: Any) -> "ExperimentConfig":
        return _parse(raw)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ExperimentConfig":
        """Read and validate a config file; every failure is a ConfigError."""
        raw = read_json_file(path, ConfigError, MAX_CONFIG_BYTES)
        try:
            return _parse(raw)
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None

    def save(self, path: str | os.PathLike) -> None:
        from .atomic import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")


# ---------------------------------------------------------------------------- validation
def _fail(path: str, message: str):
    raise ConfigError(f"{path}: {message}" if path else message)


_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "true or false", int: "a number",
               float: "a number", type(None): "null"}


def _json_type(value) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _check_keys(obj: Any, path: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
    where = path or "the top level"
    if not isinstance(obj, dict):
        _fail(path, f"must be a JSON object, got {_json_type(obj)}")
    for key in obj:
        if key not in allowed:
            hint = close_match(key, sorted(allowed)) or f"; allowed: {', '.join(sorted(allowed))}"
            raise ConfigError(f"unknown key {excerpt(key)} in {where}{hint}")
    for key in sorted(required - set(obj)):
        raise ConfigError(f"{where} needs the key {key!r}")
    return obj


def _checked(value, path, constraint, allow_none=False):
    """``value`` if ``constraint`` (a declaration of playground.core.params) takes it, in its kind;
    else ConfigError "<path>: must be ..., got ...". The same declaration checks the core and
    sets the spin box's range."""
    if value is None and allow_none:
        return None
    wrong = _problem(value, constraint, excerpt)
    if wrong is not None:
        _fail(path, wrong)
    return constraint.convert(value)


def _parse(raw: Any) -> ExperimentConfig:
    raw = _check_keys(raw, "", {"version", "name", "data", "network", "training", "regularization"},
                      {"version", "data", "network"})
    version = raw["version"]
    if type(version) is not int or version != CONFIG_VERSION:  # true == 1 in Python, not a version
        _fail("version", f"this build reads config version {CONFIG_VERSION}, the file says {excerpt(version)}")
    name = raw.get("name", "")
    if not isinstance(name, str):
        _fail("name", f"must be a string, got {_json_type(name)}")
    data = _parse_data(raw["data"])
    network = _parse_network(raw["network"])
    training, epochs = _parse_training(raw.get("training", {}), raw.get("regularization", {}))
    evidence = _parse_evidence(raw.get("training", {}).get("evidence"), network)
    return ExperimentConfig(data, network, training, epochs, name, evidence)


def _parse_data(raw) -> DataConfig:
    allowed = {"generator", "n_points", "noise", "seed", "n_classes", "csv", "split", "features"}
    raw = _check_keys(raw, "data", allowed)
    if ("generator" in raw) == ("csv" in raw):
        _fail("data", "give exactly one data source: \"generator\" (a preset) or \"csv\" (a file)")
    split, split_seed = (0.7, 0.15, 0.15), 0
    if "split" in raw:
        s = _check_keys(raw["split"], "data.split", {"train", "validation", "test", "seed"})
        shares = (("train", "train_share"), ("validation", "share"), ("test", "share"))
        split = tuple(_checked(s.get(k, 0.0), f"data.split.{k}", DATA_PARAMETERS[name]) for k, name in shares)
        if abs(sum(split) - 1.0) > 1e-6:
            _fail("data.split", f"train + validation + test must add up to 1, got {sum(split):.6g}")
        split_seed = _checked(s.get("seed", 0), "data.split.seed", DATA_PARAMETERS["split_seed"])
    features = None
    if "features" in raw:
        names = raw["features"]
        if not isinstance(names, list) or not names:
            _fail("data.features", "must be a non-empty list of feature names")
        features = tuple(_checked(n, "data.features", DATA_PARAMETERS["feature"]) for n in names)
        if len(set(features)) != len(features):
            _fail("data.features", "lists a feature twice")
    if "csv" in raw:
        if not isinstance(raw["csv"], str) or not raw["csv"]:
            _fail("data.csv", "must be a file path")
        for key in ("n_points", "noise", "seed", "n_classes"):
            if key in raw:
                _fail(f"data.{key}", "only applies to a generator, not to a CSV file")
        return DataConfig(generator=None, csv=raw["csv"], split=split, split_seed=split_seed, features=features)
    generator = _checked(raw["generator"], "data.generator", DATA_PARAMETERS["generator"])
    n_classes = _checked(raw.get("n_classes"), "data.n_classes", DATA_PARAMETERS["n_classes"], allow_none=True)
    if n_classes is not None and generator != "blobs" and n_classes != 2:
        _fail("data.n_classes", f"only the \"blobs\" preset has a choice of classes; {generator} has 2")
    return DataConfig(
        generator=generator,
        n_points=_checked(raw.get("n_points"), "data.n_points", DATA_PARAMETERS["n_points"], allow_none=True),
        noise=_checked(raw.get("noise"), "data.noise", DATA_PARAMETERS["noise"], allow_none=True),
        seed=_checked(raw.get("seed", 0), "data.seed", DATA_PARAMETERS["seed"]),
        n_classes=n_classes,
        split=split,
        split_seed=split_seed,
        features=features,
    )


def _parse_network(raw) -> NetworkConfig:
    allowed = {"hidden", "activation", "output", "n_components", "init", "init_scale", "seed", "sigma_floor"}
    raw = _check_keys(raw, "network", allowed)
    hidden = raw.get("hidden", [8, 8])
    if not isinstance(hidden, list):
        _fail("network.hidden", "must be a list of layer sizes, e.g. [8, 8] (or [] for no hidden layer)")
    if len(hidden) not in NETWORK_PARAMETERS["layers"]:
        _fail("network.hidden", f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(hidden)}")
    hidden = tuple(_checked(u, f"network.hidden[{i}]", NETWORK_PARAMETERS["units"]) for i, u in enumerate(hidden))
    activation = raw.get("activation", "tanh")
    if isinstance(activation, list):
        if len(activation) != len(hidden):
            _fail("network.activation", f"gives {len(activation)} activations for {len(hidden)} hidden layers")
        activation = tuple(_checked(a, f"network.activation[{i}]", NETWORK_PARAMETERS["activation"]) for i, a in enumerate(activation))
    else:
        activation = _checked(activation, "network.activation", NETWORK_PARAMETERS["activation"])
    output = _checked(raw.get("output", "auto"), "network.output", _OUTPUT)
    n_components = _checked(raw.get("n_components"), "network.n_components", NETWORK_PARAMETERS["n_components"],
                            allow_none=True)
    if output == "mdn" and n_components is None:
        _fail("network.n_components", "a mixture density output needs the number of components, e.g. 3")
    if output != "mdn" and n_components is not None:
        _fail("network.n_components", "only applies to output \"mdn\"")
    sigma_floor = _checked(raw.get("sigma_floor"), "network.sigma_floor", NETWORK_PARAMETERS["sigma_floor"],
                           allow_none=True)
    if output != "mdn" and sigma_floor is not None:
        _fail("network.sigma_floor", "only applies to output \"mdn\"")
    return NetworkConfig(
        hidden=hidden,
        activation=activation,
        output=output,
        n_components=n_components,
        init=_checked(raw.get("init", "xavier"), "network.init", NETWORK_PARAMETERS["init"]),
        init_scale=_checked(raw.get("init_scale"), "network.init_scale", NETWORK_PARAMETERS["init_scale"],
                            allow_none=True),
        seed=_checked(raw.get("seed", 0), "network.seed", NETWORK_PARAMETERS["seed"]),
        sigma_floor=sigma_floor,
    )


def _parse_training(raw, reg_raw) -> tuple[TrainingOptions, int]:
    raw = dict(_check_keys(raw, "training", set(_training_keys(raw))))
    optimizer = _checked(raw.pop("optimizer", "adam"), "training.optimizer", TRAINING_PARAMETERS["optimizer"])
    lr = _checked(raw.pop("lr", 0.01), "training.lr", TRAINING_PARAMETERS["lr"])
    epochs = _checked(raw.pop("epochs", 500), "training.epochs", TRAINING_PARAMETERS["epochs"])
    batch_size = _checked(raw.pop("batch_size", None), "training.batch_size", TRAINING_PARAMETERS["batch_size"],
                          allow_none=True)
    seed = _checked(raw.pop("seed", 0), "training.seed", TRAINING_PARAMETERS["seed"])
    schedule = Schedule()
    if raw.get("schedule") is not None:
        s = _check_keys(raw.pop("schedule"), "training.schedule", {"kind", "drop", "every", "decay"})
        schedule = Schedule(
            _checked(s.get("kind", "constant"), "training.schedule.kind", TRAINING_PARAMETERS["schedule"]),
            _checked(s.get("drop", 0.5), "training.schedule.drop", TRAINING_PARAMETERS["drop"]),
            _checked(s.get("every", 100), "training.schedule.every", TRAINING_PARAMETERS["every"]),
            _checked(s.get("decay", 0.01), "training.schedule.decay", TRAINING_PARAMETERS["decay"]),
        )
    raw.pop("schedule", None)
    early = None
    if raw.get("early_stopping") is not None:
        e = _check_keys(raw.pop("early_stopping"), "training.early_stopping", {"patience", "restore_best", "min_delta"})
        early = EarlyStopping(
            _checked(e.get("patience", 20), "training.early_stopping.patience", TRAINING_PARAMETERS["patience"]),
            _checked(e.get("restore_best", True), "training.early_stopping.restore_best",
                     TRAINING_PARAMETERS["restore_best"]),
            _checked(e.get("min_delta", 0.0), "training.early_stopping.min_delta",
                     TRAINING_PARAMETERS["min_delta"]),
        )
    raw.pop("early_stopping", None)
    raw.pop("evidence", None)  # _parse_evidence reads it
    hyper = {}
    for key, value in raw.items():  # the optimiser's own settings, with the ranges the optimiser checks
        hyper[key] = _checked(value, f"training.{key}", HYPER_PARAMETERS.get(key, POSITIVE))
    reg_raw = _check_keys(reg_raw, "regularization", {"l2", "l2_groups", "l1", "dropout", "standardize_inputs",
                                                     *INVARIANCE_KEYS})
    groups = reg_raw.get("l2_groups")
    if groups is not None:
        groups = _check_keys(groups, "regularization.l2_groups", set(GROUP_NAMES))
        groups = {g: _checked(v, f"regularization.l2_groups.{g}", TRAINING_PARAMETERS["l2"]) for g, v in groups.items()}
    invariance = {key: _checked(reg_raw[key], f"regularization.{key}", TRAINING_PARAMETERS[key])
                  for key in INVARIANCE_KEYS if key in reg_raw}
    l2 = _checked(reg_raw.get("l2", 0.0), "regularization.l2", TRAINING_PARAMETERS["l2"])
    l1 = _checked(reg_raw.get("l1", 0.0), "regularization.l1", TRAINING_PARAMETERS["l1"])
    dropout = _checked(reg_raw.get("dropout", 0.0), "regularization.dropout", TRAINING_PARAMETERS["dropout"])
    standardize = _checked(reg_raw.get("standardize_inputs", False), "regularization.standardize_inputs",
                           TRAINING_PARAMETERS["standardize_inputs"])
    try:
        regularization = Regularization(l2, groups, l1, dropout=dropout, standardize_inputs=standardize, **invariance)
    except ValueError as err:  # a size its transformation cannot take: "augmentation size for rotation ..."
        raise ConfigError(f"regularization.augment_size: {err}") from None
    try:
        options = TrainingOptions(optimizer, lr, batch_size, hyper, schedule, regularization, early, seed)
    except ValueError as err:
        raise ConfigError(f"training: {err}") from None
    return options, epochs


def _parse_evidence(raw, network: NetworkConfig) -> EvidenceOptions | None:
    """training.evidence: null, or {"alpha", "beta", "cycles", "updates", "hessian", "per_group"}."""
    if raw is None:
        return None
    e = _check_keys(raw, "training.evidence", {"alpha", "beta", "cycles", "updates", "hessian", "per_group"})
    if network.output == "mdn":
        _fail("training.evidence", "the evidence procedure needs a linear, sigmoid or softmax output, "
                                   "not a mixture density network")
    defaults = EvidenceOptions()
    values = {key: _checked(e.get(key, getattr(defaults, key)), f"training.evidence.{key}", BAYES_PARAMETERS[key])
              for key in ("alpha", "beta", "cycles", "updates", "hessian", "per_group")}
    return EvidenceOptions(**values)


def _training_keys(raw) -> list[str]:
    base = ["optimizer", "lr", "epochs", "batch_size", "seed", "schedule", "early_stopping", "evidence"]
    optimizer = raw.get("optimizer", "adam") if isinstance(raw, dict) else "adam"
    known = isinstance(optimizer, str) and optimizer in OPTIMIZERS  # a list here is not hashable
    return base + list(OPTIMIZERS[optimizer].defaults if known else [])
