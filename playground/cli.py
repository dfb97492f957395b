"""Command line: ``nn-playground`` opens the desktop app; subcommands work headless.

    nn-playground [SESSION] [--play] [--lesson N]   the desktop app (opening a session or a lesson, training at once)
    nn-playground --version
    nn-playground train CONFIG.json --out DIR [--epochs N] [--quiet]   (CONFIG may be a saved session)
    nn-playground export SOURCE --to FILE.json|.npz|.onnx|.safetensors   (a session or a network file)
    nn-playground render SOURCE --out FILE.png|.svg [--epochs N] [--size WxH] [--view NAME]
    nn-playground --self-test
    nn-playground layers [--init small|large|xavier] [--layers 10] [--units 500]   the lecture's deep-tanh demo
    nn-playground sweep CONFIG.json --out FILE.csv [--max-units 12] [--starts 30] [--epochs 300] [--workers N]

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


def _whole_in(lo: int, hi: int):
    """An argparse type: a whole number from ``lo`` to ``hi``."""
    def parse(text: str) -> int:
        from playground.session.messages import excerpt

        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {excerpt(text)}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be from {lo} to {hi}, got {value}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="nn-playground",
        description="Feed-forward networks after Bishop's PRML chapter 5.",
        epilog="Without a command, 'nn-playground [SESSION] [--play] [--lesson N]' opens the desktop app, optionally "
               "with a saved session or a lesson (--lesson 13, or a lesson file), and with --play starts training "
               "at once.",
    )
    parser.add_argument("--version", action="version", version=f"nn-playground {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="train briefly, draw and export every kind of file offscreen, check them; exit 0 or 1")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    train = commands.add_parser("train", help="train a network from a JSON config, without the GUI",
                                description="Train a network from a JSON config file, headless.")
    train.add_argument("config", help="experiment config (JSON; see README, 'Config format'), a lesson file, or a "
                                      "saved session (its settings and points; training starts from new weights)")
    train.add_argument("--out", required=True, help="directory for metrics.json and network.json")
    train.add_argument("--epochs", type=_epoch_count, help="override training.epochs (0 to 10,000,000)")
    train.add_argument("--quiet", action="store_true", help="print only the final summary")
    _add_export_commands(commands)
    layers = commands.add_parser("layers", help="the lecture's deep-tanh demo: per-layer outputs and gradients",
                                 description="A stack of tanh layers on unit-Gaussian inputs with Gaussian weights "
                                             "of a small (0.01), large (1) or Xavier scale: per-layer output "
                                             "spread, saturated units and |dE/dW| (core/diagnostics.py).")
    layers.add_argument("--init", choices=("small", "large", "xavier"), default="xavier")
    layers.add_argument("--layers", type=_whole_in(1, 50), default=10, help="tanh layers (1 to 50; default 10)")
    layers.add_argument("--units", type=_whole_in(1, 2000), default=500, help="units per layer (1 to 2000; default 500)")
    sweep = commands.add_parser("sweep", help="PRML fig. 5.10: many fits of 1 ... M hidden units on all cores",
                                description="Fit one-hidden-layer networks of 1 ... M units, several random "
                                            "starts each, on the config's data; one CSV row per fit.")
    sweep.add_argument("config", help="experiment config (JSON): data, split, activation, output")
    sweep.add_argument("--out", required=True, help="the CSV file to write")
    for name, default, key in (("--max-units", 12, "units"), ("--starts", 30, "starts"), ("--epochs", 300, "epochs"),
                               ("--workers", None, "workers")):
        sweep.add_argument(name, type=_sweep_number(key), default=default)
    return parser


def _add_export_commands(commands) -> None:
    from playground.headless import figure_size, view_name

    export = commands.add_parser("export", help="write a trained network as .json, .npz, .onnx or .safetensors",
                                 description="Write the trained network of a session or a network file in the "
                                             "format its name ends in.")
    export.add_argument("source", help="a saved session (.nnp.json) or a network file (.json, .npz)")
    export.add_argument("--to", required=True, help="the file to write: .json, .npz, .onnx or .safetensors")
    render = commands.add_parser("render", help="train a config or session headless and write a figure",
                                 description="Train the experiment of a config or a session offscreen (a session "
                                             "with trained weights starts from them) and write one view as a figure.")
    render.add_argument("source", help="an experiment config (JSON), a saved session or a lesson")
    render.add_argument("--out", required=True, help="the figure to write: .png or .svg")
    render.add_argument("--epochs", type=_epoch_count,
                        help="epochs to train (default: training.epochs; 0 for a session with trained weights)")
    render.add_argument("--size", type=figure_size, default=(800, 600), help="WIDTHxHEIGHT in pixels (800x600)")
    from playground.session.lessons import VIEWS as VIEW_TITLES  # Qt-free: the same names as gui/views.py's table

    render.add_argument("--view", type=view_name, default=None,
                        help="the view to draw: data (the default; a lesson's default is the view of its figure), "
                             + ", ".join(name for name in VIEW_TITLES if name != "data"))


def _sweep_number(key: str):
    """An argparse type: a whole number in the sweep setting's declared range (core/params.py)."""
    from playground.core.params import SWEEP_PARAMETERS, problem

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text[:40]!r}") from None
        wrong = problem(value, SWEEP_PARAMETERS[key])
        if wrong is not None:
            raise argparse.ArgumentTypeError(wrong)
        return value
    return parse


def sweep_command(args) -> int:
    from playground.core.sweeps import run_sweep
    from playground.session import ConfigError, DataFileError, ExperimentConfig, prepare
    from playground.session.atomic import atomic_write_text
    from playground.session.sweeps import fig_5_10_config, sweep_data

    try:
        experiment = prepare(ExperimentConfig.load(args.config), base_dir=os.path.dirname(os.path.abspath(args.config)))
        data = sweep_data(experiment)
        if data is None:
            raise ConfigError(f"{args.config}: nothing to sweep (no training points, or a mixture density output)")
        config = fig_5_10_config(experiment, args.max_units, args.starts, args.epochs)
    except (ConfigError, DataFileError, ValueError) as err:
        raise _BadInput(str(err)) from None
    total, start = len(config.jobs()), time.perf_counter()
    print(f"{total} fits of 1 ... {args.max_units} hidden units on {experiment.dataset.name}")
    result = run_sweep(config, data, workers=args.workers)
    try:
        atomic_write_text(args.out, result.csv_text())
    except (OSError, ValueError) as err:
        raise _BadInput(f"cannot write {args.out}: {getattr(err, 'strerror', None) or err}") from None
    part = "test" if data.X_test is not None else "validation" if data.X_val is not None else "train"
    units, means = result.means(part)
    print(f"done in {time.perf_counter() - start:.1f} s; mean {part} error per point by M: "
          + ", ".join(f"{int(m)}: {e:.4g}" for m, e in zip(units, means)) + f"; wrote {args.out}")
    return EXIT_OK


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
        **({"evidence": [_evidence_entry(step) for step in result.evidence]} if result.evidence else {}),
        "timing": {
            "seconds": seconds,
            "training_seconds": final.seconds,
            "epochs_per_second": final.epoch / final.seconds if final.seconds > 0 else None,
        },
    }


def _evidence_entry(step) -> dict:
    return {"epoch": step.epoch, "alpha": step.alpha, "beta": step.beta, "gamma": step.gamma,
            "n_params": step.n_params, "log_evidence": _finite_or_none(step.log_evidence)}


def _evidence_line(step) -> str:
    alpha = (", ".join(f"{g} {a:.4g}" for g, a in step.alpha.items()) if isinstance(step.alpha, dict)
             else f"{step.alpha:.4g}")
    beta = "" if step.beta is None else f"  beta {step.beta:.4g}"
    return (f"  evidence at epoch {step.epoch}: alpha {alpha}{beta}  gamma {step.gamma:.3g} of {step.n_params}"
            f"  ln p(D) {step.log_evidence:.5g}")


def _train_with_evidence(trainer, epochs: int, options, quiet: bool):
    """training.evidence: optimiser cycles alternating with re-estimation (core.bayes, Netlab demev1)."""
    from playground.core.bayes import train_with_evidence

    def report(snap, step):
        if not quiet:
            print(_progress_line(snap, epochs))
            print(_evidence_line(step))

    try:
        return train_with_evidence(trainer, epochs, options, callback=report)
    except ValueError as err:  # e.g. a network too large for the W x W Laplace matrix
        raise _BadInput(f"evidence procedure stopped at epoch {trainer.epoch}: {err}") from None


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
    from playground.session import ConfigError, DataFileError, NetworkFileError, save_network
    from playground.session.atomic import atomic_write_text
    from playground.session.document import SessionFileError
    from playground.session.sources import SourceError, read_source, source_experiment
    try:
        experiment, _ = source_experiment(read_source(args.config))  # a config, a lesson's experiment, or a session's
        config = experiment.config
        epochs = config.epochs if args.epochs is None else args.epochs
        trainer = experiment.make_trainer()
    except (ConfigError, DataFileError, SessionFileError, NetworkFileError, SourceError) as err:
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
    steps = ()
    if config.evidence is not None:
        snap, steps = _train_with_evidence(trainer, epochs, config.evidence, args.quiet)
    while trainer.epoch < epochs and config.evidence is None:
        try:
            snap = trainer.advance(min(every, epochs - trainer.epoch))
        except ValueError as err:  # e.g. a second-order step that would need too much memory
            raise _BadInput(f"training stopped at epoch {trainer.epoch}: {err}") from None
        if not args.quiet:
            print(_progress_line(snap, epochs))
        if snap.status != "training":
            break
    seconds = time.perf_counter() - start
    result = FitResult(snap.history, snap, tuple(steps))
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


def launch_gui(argv: list[str], session: str | None = None, play: bool = False, lesson: str | None = None) -> int:
    from playground.gui.app import run

    return run(argv, session=session, play=play, lesson=lesson)


def _gui_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="nn-playground", description="Open the desktop app.")
    parser.add_argument("session", nargs="?", help="a saved session (.nnp.json) to open")
    parser.add_argument("--play", action="store_true", help="start training as soon as the window opens")
    parser.add_argument("--lesson", metavar="LESSON",
                        help="open a lesson: its number (e.g. 13), its name or a lesson file (see the Lessons menu)")
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
    if argv and argv[0] in ("train", "export", "render", "layers", "sweep") or any(a in ("-h", "--help", "--version")
                                                                           for a in argv[:1]):
        args = _parser().parse_args(argv)
        if args.command == "train":
            return train_command(args)
        if args.command in ("export", "render"):
            from playground import headless

            try:
                return (headless.export_command if args.command == "export" else headless.render_command)(args)
            except headless.BadInput as err:
                raise _BadInput(str(err)) from None
        if args.command == "sweep":
            return sweep_command(args)
        if args.command == "layers":
            from playground.core.diagnostics import deep_tanh_demo, format_table

            print(format_table(deep_tanh_demo(args.init, layers=args.layers, units=args.units)[1]))
            return EXIT_OK
    if argv[:1] == ["--self-test"]:
        from playground.self_test import run_self_test

        return run_self_test()
    args, qt_args = _gui_parser().parse_known_args(argv)
    if args.session is not None:
        problem = _session_file_problem(args.session)
        if problem is not None:
            raise _BadInput(f"{args.session}: {problem}")
    lesson = None
    if args.lesson is not None:
        from playground.session.lessons import LessonError, find_lesson, load_lesson

        if args.session is not None:
            raise _BadInput("--lesson brings its own data and network: give a session or --lesson, not both")
        try:
            lesson = str(find_lesson(args.lesson))
            load_lesson(lesson)  # a bad file is said here, in one line, before any window opens
        except LessonError as err:
            raise _BadInput(str(err)) from None
    return launch_gui(qt_args, session=args.session, play=args.play, lesson=lesson)


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
