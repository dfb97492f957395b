"""Command line: ``nn-playground`` opens the desktop app; subcommands work headless.

    nn-playground [SESSION] [--play]    the desktop app (optionally opening a session, training at once)
    nn-playground --version
    nn-playground train CONFIG.json --out DIR [--epochs N] [--quiet]

``train`` writes DIR/metrics.json (per-epoch errors, final errors and accuracy,
timing) and DIR/network.json (architecture + weights; ``playground.session.load_network``
reads it back). Exit codes: 0 trained, 2 bad input (config, data file, usage, an output
folder that cannot be written), 3 training diverged (the files hold the last finite weights),
1 an internal error, 130 interrupted (Ctrl+C). Every failure is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import stat
import sys
import time

from playground import __version__

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
METRICS_FORMAT = "nn-playground-metrics"


class _BadInput(Exception):
    """A problem with what the user gave; the message is the one line printed."""


def _error(message: str) -> None:
    print(f"nn-playground: error: {message}", file=sys.stderr)


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (with a pointer to --help), exit 2."""

    def error(self, message):
        from playground.session.messages import excerpt

        message = excerpt(message, 200, quoted=False)
        self.exit(EXIT_BAD_INPUT, f"nn-playground: error: {message} (see '{self.prog} --help')\n")


def _epoch_count(text: str) -> int:
    """--epochs: a whole number within the config's own cap (training.epochs)."""
    from playground.session.config import MAX_EPOCHS
    from playground.session.messages import excerpt

    try:
        value = int(text)
    except ValueError:
        if text.strip().lstrip("+-").isdigit():  # thousands of digits: beyond int()'s text limit
            too_many = excerpt(text, quoted=False)
            raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_EPOCHS}, got {too_many}") from None
        raise argparse.ArgumentTypeError(f"must be a whole number, got {excerpt(text)}") from None
    if not 0 <= value <= MAX_EPOCHS:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_EPOCHS}, got {excerpt(value)}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="nn-playground",
        description="Feed-forward networks after Bishop's PRML chapter 5.",
        epilog="Without a command, 'nn-playground [SESSION] [--play]' opens the desktop app, optionally with a "
               "saved session, and with --play starts training at once.",
    )
    parser.add_argument("--version", action="version", version=f"nn-playground {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    train = commands.add_parser("train", help="train a network from a JSON config, without the GUI",
                                description="Train a network from a JSON config file, headless.")
    train.add_argument("config", help="experiment config (JSON; see README, 'Config format') or a lesson file")
    train.add_argument("--out", required=True, help="directory for metrics.json and network.json")
    train.add_argument("--epochs", type=_epoch_count, help="override training.epochs (0 to 10,000,000)")
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
    from playground.session import ConfigError, DataFileError, prepare, save_network
    from playground.session.atomic import atomic_write_text
    from playground.session.lessons import load_experiment
    try:
        config = load_experiment(args.config)  # a config, or a lesson's experiment
        epochs = config.epochs if args.epochs is None else args.epochs
        experiment = prepare(config, base_dir=os.path.dirname(os.path.abspath(args.config)))
        trainer = experiment.make_trainer()
    except (ConfigError, DataFileError) as err:
        raise _BadInput(str(err)) from None
    except ValueError as err:  # a setting the trainer refuses (e.g. a network too large for memory)
        raise _BadInput(f"{args.config}: {err}") from None
    try:
        os.makedirs(args.out, exist_ok=True)
        if not os.access(args.out, os.W_OK | os.X_OK):
            raise PermissionError(13, "permission denied")
    except (OSError, ValueError) as err:  # ValueError: a NUL character in the path
        raise _BadInput(f"cannot create or write the output folder {args.out}: "
                        f"{getattr(err, 'strerror', None) or err}") from None

    if not args.quiet:
        print(f"training {experiment.net.describe()} on {experiment.dataset.name} "
              f"({experiment.split.train.n} training points) for {epochs} epochs")
    every = max(1, epochs // 10)
    start = time.perf_counter()
    snap = trainer.snapshot()
    while trainer.epoch < epochs:
        try:
            snap = trainer.advance(min(every, epochs - trainer.epoch))
        except ValueError as err:  # e.g. a second-order step that would need too much memory
            raise _BadInput(f"training stopped at epoch {trainer.epoch}: {err}") from None
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
        raise _BadInput(f"cannot write to {args.out}: {err.strerror or err}") from None
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
    parser = _OneLineParser(prog="nn-playground", description="Open the desktop app.")
    parser.add_argument("session", nargs="?", help="a saved session (.nnp.json) to open")
    parser.add_argument("--play", action="store_true", help="start training as soon as the window opens")
    return parser


def _session_file_problem(path: str) -> str | None:
    """Why ``path`` cannot be opened as a session, checked without opening it (a named pipe
    would block the reader forever); None if it is a regular file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file"
    except (OSError, ValueError) as err:
        return f"the file cannot be read: {getattr(err, 'strerror', None) or err}"
    if stat.S_ISDIR(mode):
        return "this is a folder, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a named pipe, device or socket); give a saved session"
    return None


def _run(argv: list[str]) -> int:
    if argv and argv[0] == "train" or any(a in ("-h", "--help", "--version") for a in argv[:1]):
        args = _parser().parse_args(argv)
        if args.command == "train":
            return train_command(args)
    args, qt_args = _gui_parser().parse_known_args(argv)
    if args.session is not None:
        problem = _session_file_problem(args.session)
        if problem is not None:
            raise _BadInput(f"{args.session}: {problem}")
    return launch_gui(qt_args, session=args.session, play=args.play)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; every failure is one line on stderr and an exit code, never a traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _run(argv)
    except _BadInput as err:
        _error(str(err))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(file=sys.stderr)  # end the line ^C was echoed on
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # stdout closed early (e.g. piped into head): nothing left to say
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except MemoryError:
        _error("out of memory; try a smaller network, fewer points or another optimiser")
        return EXIT_ERROR
    except Exception as err:  # a bug: still one line for the user, the type names it for a report
        from playground.session.messages import excerpt

        _error(f"internal error ({type(err).__name__}): {excerpt(str(err), 200, quoted=False)}")
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
