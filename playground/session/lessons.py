"""Lesson files (resources/lessons/*.json): an experiment, what to show, what to leave unlocked, a story.

A lesson is versioned JSON::

    {
      "format": "nn-playground-lesson", "version": 1,
      "title": "Four functions, three tanh units", "figure": "PRML fig. 5.3",
      "experiment": { ...the CLI's config format (session/config.py)... },
      "views": ["diagram", "loss"],                  # docks to show (the data view always shows)
      "view_settings": {"hidden_units": true,        # overlays of the data view and the plots,
                        "sweeps": {"units": 10}},    # and the settings a lab dock opens with (DOCK_SETTINGS)
      "figure_view": "mdn",                          # what `nn-playground render` draws (default "data")
      "unlocked": ["play", "step", "reset", "speed"],  # every other control is locked; "all": none is
      "pace": 2,                                     # epochs per frame (about 30 frames a second); null: flat out
      "steps": [{"text": "Press Play ...", "controls": ["play"], "views": ["diagram"]}, ...]
    }

The experiment goes through the config parser itself, so its errors read as the config's do, with
the lesson's key path in front (``experiment.training.lr: must be a positive number, got -1``).
Each step names the controls and views its text talks about: they must exist (CONTROLS, VIEWS)
and the controls must be unlocked, so a narrative never sends a class to a control it cannot use.
"""

from __future__ import annotations

import os
from importlib.resources import files
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.core.params import (
    BAYES_PARAMETERS, KERNEL_PARAMETERS, LESSON_PARAMETERS, RESAMPLING_PARAMETERS, SWEEP_PARAMETERS, Choice,
    close_match,
)

from .atomic import read_json_file
from .config import ConfigError, ExperimentConfig, _check_keys, _checked, _fail, _json_type
from .messages import excerpt

LESSON_FORMAT = "nn-playground-lesson"
LESSON_VERSION = 1
MAX_LESSON_BYTES = 2**20

# The controls a lesson or the teacher can lock, by name (the GUI maps each to its widgets in gui/locks.py).
CONTROLS: dict[str, str] = {
    "play": "Play / pause",
    "step": "Step",
    "reset": "Reset weights",
    "speed": "Speed",
    "optimizer": "Optimizer",
    "learning_rate": "Learning rate",
    "batch_size": "Batch size",
    "schedule": "Learning-rate schedule",
    "hidden_layers": "Hidden layers (units and activations)",
    "output": "Output head",
    "initialisation": "Initial weights",
    "data_preset": "Data preset (generator, points, noise, seed)",
    "drawing": "Drawing tools",
    "split": "Train / validation / test split",
    "features": "Input features",
    "l2": "Weight decay (L2)",
    "l1": "L1 penalty",
    "early_stopping": "Early stopping",
    "race": "Optimiser race (Train menu)",
    "dropout": "Dropout",
    "invariance": "Invariances (tangent propagation, Tikhonov, transformed data)",
    "weight_sharing": "Soft weight sharing",
    "prior": "Prior samples: the four precision sliders",
    "bayes": "Bayesian dock: alpha, beta, Hessian, error bars",
    "evidence": "Bayesian dock: the evidence procedure",
    "sweeps": "Sweeps dock: M, starts, epochs and the Run buttons",
    "kernel": "Kernels dock: kernel, sigma and lambda",
    "bootstrap": "Kernels dock: bootstrap (kind, B, quantiles, seed, epochs)",
}

# The views a lesson can show: the docks of gui/views.py's table by name, and "data" (the central view).
VIEWS: dict[str, str] = {
    "data": "the data view",
    "loss": "the loss plot",
    "diagram": "the network diagram",
    "weights": "the weight histograms",
    "hessian": "the Hessian view",
    "backprop": "the backpropagation view",
    "mdn": "the mixture density panels (fig. 5.21)",
    "bayes": "the Bayesian error bars and evidence",
    "prior": "the prior samples (fig. 5.11)",
    "layers": "the per-layer diagnostics",
    "trajectory": "early stopping against weight decay (fig. 5.13)",
    "kernels": "the kernel machines beside the network",
    "sweeps": "the sweeps over many fits (fig. 5.9, 5.10)",
}

# What "view_settings" may set: the data view's overlays and the loss plot's scale (true / false) ...
VIEW_SETTINGS = ("hidden_units", "discretize", "test_points", "bayes_boundary", "log_loss")
# ... and, per lab dock, the settings it opens with: dock -> key -> the declaration (core/params.py) it obeys.
DOCK_SETTINGS: dict[str, dict] = {
    "sweeps": {"units": SWEEP_PARAMETERS["units"], "starts": SWEEP_PARAMETERS["starts"],
               "epochs": SWEEP_PARAMETERS["epochs"]},
    "kernels": {"kernel": KERNEL_PARAMETERS["kernel"], "sigma": KERNEL_PARAMETERS["sigma"],
                "lambda": KERNEL_PARAMETERS["lam"], "bootstrap": Choice(("none", "kernel", "network"), "bootstrap"),
                "B": RESAMPLING_PARAMETERS["B"]},
    "prior": {group: BAYES_PARAMETERS["alpha"] for group in ("w1", "b1", "w2", "b2")},  # precisions alpha
}


class LessonError(ConfigError):
    """A lesson file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Step:
    text: str
    controls: tuple[str, ...] = ()
    views: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lesson:
    title: str
    figure: str
    experiment: ExperimentConfig
    views: tuple[str, ...]
    view_settings: dict = field(default_factory=dict)
    unlocked: tuple[str, ...] | None = None  # None: every control stays available
    pace: int | None = 2
    steps: tuple[Step, ...] = ()
    path: str = ""
    figure_view: str = "data"  # the view `nn-playground render` draws of this lesson

    def locked(self) -> tuple[str, ...]:
        """The controls this lesson locks (all of CONTROLS not left unlocked)."""
        if self.unlocked is None:
            return ()
        return tuple(name for name in CONTROLS if name not in self.unlocked)


def lessons_dir() -> Path:
    """resources/lessons, installed as the package playground.resources (pyproject.toml); run from the
    source tree without installing, the folder beside the package."""
    try:
        return Path(str(files("playground.resources").joinpath("lessons")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "resources" / "lessons"


def lesson_paths(directory: str | os.PathLike | None = None) -> list[Path]:
    """The lesson files in teaching order (their names start with a two-digit number)."""
    return sorted(Path(directory or lessons_dir()).glob("*.json"))


def find_lesson(name: str) -> Path:
    """The lesson file ``name`` names: a path to a lesson file, or one of this build's lessons by its
    number ("13"), file name or stem ("13-mixture-density-network"). LessonError names the choices."""
    if os.path.isfile(name):
        return Path(name)
    paths = lesson_paths()
    wanted = name.strip().lower().removesuffix(".json")
    for path in paths:
        stem = path.stem.lower()
        number = stem.split("-", 1)[0]
        if wanted == stem or (wanted.isdigit() and number.isdigit() and int(wanted) == int(number)):
            return path
    listing = ", ".join(path.stem for path in paths)
    raise LessonError(f"no lesson {excerpt(name)!s}: give a lesson file or one of {listing}")


def load_lesson(path: str | os.PathLike) -> Lesson:
    """Read and check a lesson; every failure is a LessonError naming the file and the key."""
    raw = read_json_file(path, LessonError, MAX_LESSON_BYTES)
    try:
        return parse_lesson(raw, str(path))
    except ConfigError as err:
        raise LessonError(f"{path}: {err}") from None


def load_experiment(path: str | os.PathLike) -> ExperimentConfig:
    """The experiment of a config file or of a lesson file (its "format" says which): the CLI trains both."""
    raw = read_json_file(path, LessonError, MAX_LESSON_BYTES)
    if isinstance(raw, dict) and raw.get("format") == LESSON_FORMAT:
        try:
            return parse_lesson(raw, str(path)).experiment
        except ConfigError as err:
            raise LessonError(f"{path}: {err}") from None
    return ExperimentConfig.load(path)


def parse_lesson(raw: Any, path: str = "") -> Lesson:
    """A Lesson from parsed JSON; a LessonError names the key path ("steps[2].controls: ...")."""
    try:
        return _parse(raw, path)
    except LessonError:
        raise
    except ConfigError as err:  # the config's checks, reused for the lesson's own keys
        raise LessonError(str(err)) from None


def _parse(raw: Any, path: str) -> Lesson:
    raw = _check_keys(raw, "", {"format", "version", "title", "figure", "experiment", "views", "view_settings",
                                "figure_view", "unlocked", "pace", "steps"},
                      {"format", "version", "title", "experiment", "steps"})
    if raw["format"] != LESSON_FORMAT:
        _fail("format", f"must be {LESSON_FORMAT!r}, got {excerpt(raw['format'])}")
    if type(raw["version"]) is not int or raw["version"] != LESSON_VERSION:
        _fail("version", f"this build reads lesson version {LESSON_VERSION}, the file says {excerpt(raw['version'])}")
    title = _text(raw["title"], "title")
    figure = _text(raw.get("figure", ""), "figure")
    try:
        experiment = ExperimentConfig.from_dict(raw["experiment"])
    except ConfigError as err:  # the config's own message, under the lesson's key
        text = str(err)
        raise LessonError(f"experiment.{text}" if ":" in text.split(" ")[0] else f"experiment: {text}") from None
    views = _names(raw.get("views", ["data"]), "views", VIEWS, "view")
    settings = _view_settings(raw.get("view_settings", {}), views)
    figure_view = raw.get("figure_view", "data")
    if figure_view != "data" and figure_view not in views:  # the data view always shows
        _fail("figure_view", f"{excerpt(figure_view)} is not among the lesson's views ({', '.join(views)})")
    unlocked_raw = raw.get("unlocked", "all")
    unlocked = None if unlocked_raw == "all" else _names(unlocked_raw, "unlocked", CONTROLS, "control")
    pace = _checked(raw.get("pace", 2), "pace", LESSON_PARAMETERS["pace"], allow_none=True)
    steps_raw = raw["steps"]
    if not isinstance(steps_raw, list) or not steps_raw:
        _fail("steps", f"must be a non-empty list of steps, got {_json_type(steps_raw)}")
    steps = []
    for i, step in enumerate(steps_raw):
        where = f"steps[{i}]"
        step = _check_keys(step, where, {"text", "controls", "views"}, {"text"})
        controls = _names(step.get("controls", []), f"{where}.controls", CONTROLS, "control")
        for name in controls:
            if unlocked is not None and name not in unlocked:
                _fail(f"{where}.controls", f"{name!r} is locked by this lesson; add it to 'unlocked' or "
                                          "leave it out of the step")
        step_views = _names(step.get("views", []), f"{where}.views", VIEWS, "view")
        for name in step_views:
            if name not in views:
                _fail(f"{where}.views", f"{name!r} is not among the lesson's views ({', '.join(views)})")
        steps.append(Step(_text(step["text"], f"{where}.text"), controls, step_views))
    return Lesson(title, figure, experiment, views, settings, unlocked, pace, tuple(steps), path, figure_view)


def _view_settings(raw, views: tuple[str, ...]) -> dict:
    """view_settings: true / false for each of VIEW_SETTINGS, an object of settings for each of DOCK_SETTINGS
    (whose dock must be among the lesson's views), each checked by its declaration in core/params.py."""
    raw = _check_keys(raw, "view_settings", {*VIEW_SETTINGS, *DOCK_SETTINGS})
    settings = {}
    for key, value in raw.items():
        where = f"view_settings.{key}"
        if key in VIEW_SETTINGS:
            if not isinstance(value, bool):
                _fail(where, f"must be true or false, got {_json_type(value)}")
            settings[key] = value
            continue
        if key not in views:
            _fail(where, f"the {key} dock is not among the lesson's views ({', '.join(views)})")
        declared = DOCK_SETTINGS[key]
        value = _check_keys(value, where, set(declared))
        settings[key] = {name: _checked(v, f"{where}.{name}", declared[name]) for name, v in value.items()}
    return settings


def _text(value, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, f"must be a string, got {_json_type(value)}")
    return value


def _names(value, path: str, known: dict, noun: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        _fail(path, f"must be a list of {noun} names, got {_json_type(value)}")
    for name in value:
        if name not in known:
            _fail(path, f"unknown {noun} {excerpt(name)}{close_match(name, list(known))}; "
                        f"choose from: {', '.join(known)}")
    return tuple(value)
