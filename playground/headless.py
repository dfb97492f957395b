"""The ``export`` and ``render`` commands of the command line (playground/cli.py parses them).

    nn-playground export SOURCE --to FILE.json|.npz|.onnx|.safetensors
    nn-playground render SOURCE --out FILE.png|.svg [--epochs N] [--size WxH] [--view NAME]

SOURCE is a config, a saved session or (for export) a network file (session/sources.py). A
problem with the input is raised as ``BadInput`` with the one line the CLI prints (exit 2).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import replace

SIZE_PATTERN = re.compile(r"\s*(\d{1,6})\s*[xX×]\s*(\d{1,6})\s*")


class BadInput(Exception):
    """A problem with what the user gave; the message is the one line printed."""


def figure_size(text: str) -> tuple[int, int]:
    """--size: "WIDTHxHEIGHT" in pixels, each within the figure limits."""
    from playground.gui.render import MAX_SIZE, MIN_SIZE
    from playground.session.messages import excerpt

    match = SIZE_PATTERN.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"must be WIDTHxHEIGHT in pixels such as 1200x800, got {excerpt(text)}")
    width, height = int(match[1]), int(match[2])
    if not (MIN_SIZE <= width <= MAX_SIZE and MIN_SIZE <= height <= MAX_SIZE):
        raise argparse.ArgumentTypeError(f"width and height must each be from {MIN_SIZE} to {MAX_SIZE} pixels, "
                                         f"got {width}x{height}")
    return width, height


def _read(path: str):
    from playground.session.sources import read_source

    try:
        return read_source(path)
    except ValueError as err:  # ConfigError, SessionFileError, NetworkFileError: they name the file
        raise BadInput(str(err)) from None


def _writable_folder_problem(path: str) -> str | None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"cannot write {path}: the folder {folder} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write {path}: permission denied in {folder}"
    return None


def export_command(args) -> int:
    from playground.session.export import network_format, save_network
    from playground.session.sources import trained_network

    try:
        network_format(args.to)
    except ValueError as err:
        raise BadInput(str(err)) from None
    problem = _writable_folder_problem(args.to)
    if problem:
        raise BadInput(problem)
    source = _read(args.source)
    try:
        net, features, raw_inputs = trained_network(source)
        save_network(net, args.to, features, raw_inputs=raw_inputs)
    except OSError as err:
        raise BadInput(f"cannot write {args.to}: {err.strerror or err}") from None
    except ValueError as err:
        raise BadInput(str(err)) from None
    print(f"wrote {args.to}: {net.describe()}")
    return 0


def render_command(args) -> int:
    from playground.cli import EXIT_DIVERGED, EXIT_OK
    from playground.core.training import DIVERGED
    from playground.gui.render import FIGURE_SUFFIXES, HISTORY_FRAMES, HISTORY_VIEWS, offscreen_application, render_figure
    from playground.session.sources import source_experiment

    if not args.out.lower().endswith(FIGURE_SUFFIXES):
        raise BadInput(f"{args.out}: the figure is written as PNG or SVG; end the name in .png or .svg")
    problem = _writable_folder_problem(args.out)
    if problem:
        raise BadInput(problem)
    source = _read(args.source)
    view = args.view or source.figure_view  # a lesson names the view of its figure
    try:
        experiment, document = source_experiment(source)
        if view == "data" and experiment.dataset.n_inputs > 2:
            from playground.gui.views import VIEWS

            others = [s.name for s in VIEWS if s.output in (None, experiment.net.output)]
            raise BadInput(f"{args.source}: the data view draws data with 1 or 2 inputs and these have "
                           f"{experiment.dataset.n_inputs}; choose --view {', '.join(others[:-1])} or {others[-1]}")
        session = source.session
        saved = session is not None and session.weights is not None and session.weights.size == experiment.net.n_params
        if saved:  # draw the session as it was saved, then train on from there if asked
            experiment.net.w[:] = session.weights
        epochs = args.epochs if args.epochs is not None else (0 if saved else experiment.config.epochs)
        trainer = experiment.make_trainer()
        start = time.perf_counter()
        earlier = []
        if view in HISTORY_VIEWS and epochs:  # a view drawn from many frames sees them, as in the window
            earlier.append(trainer.snapshot())
            for chunk in _chunks(epochs, HISTORY_FRAMES):
                earlier.append(trainer.advance(chunk))
            snap = earlier.pop()
        else:
            snap = trainer.advance(epochs) if epochs else trainer.snapshot()
    except ValueError as err:  # ConfigError, DataFileError, SourceError name the file or the key
        raise BadInput(str(err)) from None
    if saved and epochs == 0 and session.history is not None and len(session.history):
        snap = replace(snap, history=session.history)
    offscreen_application()
    try:
        render_figure(view, experiment, document, experiment.net, snap, args.out, args.size, earlier,
                      source.view_settings)
    except OSError as err:
        raise BadInput(f"cannot write {args.out}: {err.strerror or err}") from None
    except ValueError as err:  # e.g. a Hessian too large to compute: the view has nothing to draw
        raise BadInput(f"cannot draw the {view} view: {err}") from None
    if snap.message:
        print(snap.message, file=sys.stderr if snap.status == DIVERGED else sys.stdout)
    print(f"wrote {args.out}: the {view} view of {experiment.net.describe()} after epoch {snap.epoch} "
          f"({time.perf_counter() - start:.1f} s)")
    return EXIT_DIVERGED if snap.status == DIVERGED else EXIT_OK


def _chunks(total: int, parts: int) -> list[int]:
    """``total`` epochs in at most ``parts`` nearly equal chunks."""
    parts = max(1, min(parts, total))
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def view_name(text: str) -> str:
    """--view: a name of gui/views.py's table, or "data"."""
    from playground.gui.render import VIEW_NAMES
    from playground.session.messages import excerpt

    if text not in VIEW_NAMES:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(VIEW_NAMES)}; got {excerpt(text)}")
    return text
