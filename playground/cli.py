"""Command line: ``nn-playground`` opens the desktop app; subcommands work headless.

    nn-playground [SESSION] [--play]    the desktop app (optionally opening a session, training at once)
    nn-playground --version
    nn-playground train CONFIG.json --out DIR [--epochs N] [--quiet]

``train`` writes DIR/metrics.json (per-epoch errors, final errors and accuracy,
timing) and DIR/network.json (architecture + weights; ``playground.session.load_network``
reads it back). Exit codes: 0 trained, 2 bad input (config, data file, usage),
3 training diverged (the files hold the last finite weights).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

from playground import __version__

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_DIVERGED = 0, 1, 2, 3
METRICS_FORMAT = "nn-playground-metrics"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nn-playground",
        description="Feed-forward networks after Bishop's PRML chapter 5.",
        epilog="Without a command, 'nn-playground [SESSION] [--play]' opens the desktop app, optionally with a "
               "saved session, and with --play starts training at once.",
    )
    parser.add_argument("--version", action="version", version=f"nn-playground {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    train = commands.add_parser("train", help="train a network from a JSON config, without the GUI",
                                description="Train a network from a JSON config file, headless.")
    train.add_argument("config", help="experiment config (JSON; see README, 'Config format')")
    train.add_argument("--out", required=True, help="directory for metrics.json and network.json")
    train.add_argument("--epochs", type=int, help="override training.epochs")
    train.add_argument("--quiet", action="store_true", help="print only the final summary")
    return parser


def _finite_or_none(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _series(values) -> list:
    return [_finite_or_none(v) for v in values]


def metrics_document(experiment, result, seconds: float) -> dict:
    final = result.final
    split = experiment.split
    return {
        "format": METRICS_FORMAT,
        "version": 1,
        "errors_are": "per-point mean of the data error E_D / N (no regulariser)",
        "config": experiment.config.to_dict(),
        "network": experiment.net.describe(),
        "data": {
            "name": experiment.dataset.name,
            "kind": experiment.dataset.kind,
            "points": {"train": split.train.n, "validation": split.val.n, "test": split.test.n},
        },
        "epochs": [int(e) for e in result.epochs],
        "train_error": _series(result.train_error),
        "validation_error": _series(result.val_error),
        "test_error": _series(result.test_error),
        "final": {
            "epoch": final.epoch,
            "steps": final.steps,
            "train_error": _finite_or_none(final.train_error),
            "validation_error": _finite_or_none(final.val_error),
            "test_error": _finite_or_none(final.test_error),
            "train_accuracy": final.train_accuracy,
            "validation_accuracy": final.val_accuracy,
            "test_accuracy": final.test_accuracy,
            "objective": _finite_or_none(final.objective),
            "status": final.status,
            "message": final.message,
            "best_epoch": final.best_epoch,
        },
        "timing": {
            "seconds": seconds,
            "training_seconds": final.seconds,
            "epochs_per_second": final.epoch / final.seconds if final.seconds > 0 else None,
        },
    }


def _progress_line(snap, total: int) -> str:
    parts = [f"epoch {snap.epoch:>{len(str(total))}}/{total}", f"train {snap.train_error:.5g}"]
    if snap.val_error is not None:
        parts.append(f"val {snap.val_error:.5g}")
    if snap.test_error is not None:
        parts.append(f"test {snap.test_error:.5g}")
    if snap.train_accuracy is not None:
        parts.append(f"acc {100 * snap.train_accuracy:.1f}%")
    return "  ".join(parts)


def train_command(args) -> int:
    from playground.core.training import DIVERGED, FitResult
    from playground.session import ConfigError, DataFileError, ExperimentConfig, prepare, save_network
    from playground.session.atomic import atomic_write_text

    try:
        config = ExperimentConfig.load(args.config)
        epochs = config.epochs if args.epochs is None else args.epochs
        if epochs < 0:
            raise ConfigError("--epochs must be >= 0")
        experiment = prepare(config, base_dir=os.path.dirname(os.path.abspath(args.config)))
        trainer = experiment.make_trainer()
    except (ConfigError, DataFileError) as err:
        print(f"nn-playground: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as err:
        print(f"nn-playground: error: cannot create the output directory {args.out}: {err.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT

    if not args.quiet:
        print(f"training {experiment.net.describe()} on {experiment.dataset.name} "
              f"({experiment.split.train.n} training points) for {epochs} epochs")
    every = max(1, epochs // 10)
    start = time.perf_counter()
    snap = trainer.snapshot()
    while trainer.epoch < epochs:
        snap = trainer.advance(min(every, epochs - trainer.epoch))
        if not args.quiet:
            print(_progress_line(snap, epochs))
        if snap.status != "training":
            break
    seconds = time.perf_counter() - start
    result = FitResult(snap.history, snap)
    try:
        atomic_write_text(os.path.join(args.out, "metrics.json"),
                          json.dumps(metrics_document(experiment, result, seconds), indent=1, allow_nan=False) + "\n")
        save_network(experiment.net, os.path.join(args.out, "network.json"), experiment.features)
    except OSError as err:
        print(f"nn-playground: error: cannot write to {args.out}: {err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if snap.message:
        print(snap.message, file=sys.stderr if snap.status == DIVERGED else sys.stdout)
    accuracy = "" if snap.train_accuracy is None else f", training accuracy {100 * snap.train_accuracy:.1f}%"
    print(f"done: epoch {snap.epoch}, training error {snap.train_error:.5g}{accuracy}; "
          f"wrote {os.path.join(args.out, 'metrics.json')} and network.json")
    return EXIT_DIVERGED if snap.status == DIVERGED else EXIT_OK


def launch_gui(argv: list[str], session: str | None = None, play: bool = False) -> int:
    from playground.gui.app import run

    return run(argv, session=session, play=play)


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nn-playground", description="Open the desktop app.")
    parser.add_argument("session", nargs="?", help="a saved session (.nnp.json) to open")
    parser.add_argument("--play", action="store_true", help="start training as soon as the window opens")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "train" or any(a in ("-h", "--help", "--version") for a in argv[:1]):
        args = _parser().parse_args(argv)
        if args.command == "train":
            return train_command(args)
    args, qt_args = _gui_parser().parse_known_args(argv)
    if args.session is not None and not os.path.exists(args.session):
        print(f"nn-playground: error: {args.session}: no such file", file=sys.stderr)
        return EXIT_BAD_INPUT
    return launch_gui(qt_args, session=args.session, play=args.play)


if __name__ == "__main__":
    raise SystemExit(main())
