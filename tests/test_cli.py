"""The headless command line: train from a config, write metrics and network, clean errors."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from playground.cli import main
from playground.core import MLP
from playground.core.datasets import map_features
from playground.session import ExperimentConfig, load_network, prepare, read_network_file

CONFIG = {
    "version": 1,
    "data": {"generator": "two_gaussians", "n_points": 120, "noise": 0.05, "seed": 2,
             "features": ["x1", "x2", "x1*x2"]},
    "network": {"hidden": [6], "activation": "tanh", "seed": 1},
    "training": {"optimizer": "adam", "lr": 0.05, "epochs": 60},
}


def write_config(tmp_path, raw=CONFIG, name="config.json"):
    path = tmp_path / name
    path.write_text(json.dumps(raw))
    return path


def test_train_writes_metrics_and_a_network_that_loads_again(tmp_path, capsys):
    config_path = write_config(tmp_path)
    out = tmp_path / "run"
    assert main(["train", str(config_path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "epoch 60/60" in printed and "done" in printed

    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == list(range(61))
    assert len(metrics["train_error"]) == len(metrics["validation_error"]) == len(metrics["test_error"]) == 61
    assert metrics["train_error"][-1] < metrics["train_error"][0]
    final = metrics["final"]
    assert final["epoch"] == 60 and final["status"] == "training"
    assert 0.5 < final["train_accuracy"] <= 1.0
    assert metrics["timing"]["seconds"] > 0 and metrics["timing"]["epochs_per_second"] > 0
    assert final["train_error"] == pytest.approx(metrics["train_error"][-1])

    net, features = read_network_file(out / "network.json")
    assert features == ("x1", "x2", "x1*x2") and net.sizes == (3, 6, 1)
    # the saved network reproduces the reported training error on the same data
    experiment = prepare(ExperimentConfig.load(config_path))
    train = experiment.split.train
    X = map_features(train.X, features)
    assert net.error(X, train.targets("sigmoid")) / train.n == pytest.approx(final["train_error"], rel=1e-12)
    assert np.array_equal(load_network(out / "network.json").w, MLP.from_dict(
        json.loads((out / "network.json").read_text())).w)


def test_epochs_override_and_quiet(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", str(write_config(tmp_path)), "--out", str(out), "--epochs", "5", "--quiet"]) == 0
    assert "epoch 1/5" not in capsys.readouterr().out
    assert json.loads((out / "metrics.json").read_text())["final"]["epoch"] == 5


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r.update(colour="red"), "unknown key 'colour'"),
    (lambda r: r["training"].update(lr=0), "training.lr"),
    (lambda r: r["network"].update(hidden=[4] * 20), "at most 8 hidden layers"),
])
def test_bad_configs_exit_2_with_a_clear_message(tmp_path, capsys, mutate, message):
    raw = json.loads(json.dumps(CONFIG))
    mutate(raw)
    code = main(["train", str(write_config(tmp_path, raw)), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_bad_csv_referenced_by_a_config_exits_2(tmp_path, capsys):
    (tmp_path / "pts.csv").write_text("x1,x2,label\n0,1,0\n1,abc,1\n")
    raw = {"version": 1, "data": {"csv": "pts.csv"}, "network": {"hidden": [2]}}
    assert main(["train", str(write_config(tmp_path, raw)), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "abc" in err


def test_divergence_exits_3_and_keeps_finite_weights(tmp_path, capsys):
    raw = json.loads(json.dumps(CONFIG))
    raw["data"] = {"generator": "plane", "n_points": 60}
    raw["network"] = {"hidden": [8], "activation": "relu"}
    raw["training"] = {"optimizer": "gd", "lr": 1e4, "epochs": 100}
    out = tmp_path / "o"
    assert main(["train", str(write_config(tmp_path, raw)), "--out", str(out)]) == 3
    assert "smaller learning rate" in capsys.readouterr().err
    assert np.all(np.isfinite(load_network(out / "network.json").w))
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["final"]["status"] == "diverged"


def test_the_module_runs_as_a_program(tmp_path):
    version = subprocess.run([sys.executable, "-m", "playground", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("nn-playground ")
    missing = subprocess.run([sys.executable, "-m", "playground", "train", str(tmp_path / "none.json"),
                              "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    usage = subprocess.run([sys.executable, "-m", "playground", "train"], capture_output=True, text=True)
    assert usage.returncode == 2 and "--out" in usage.stderr


# ---------------------------------------------------------------------------- bad input: exit 2, one line
def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nn-playground: error: ") and "Traceback" not in err, err
    return lines[0]


def train_text(tmp_path, text, capsys, *extra):
    path = tmp_path / "config.json"
    path.write_text(text)
    code = main(["train", str(path), "--out", str(tmp_path / "o"), *extra])
    return code, one_line_error(capsys)


def with_changes(mutate):
    raw = json.loads(json.dumps(CONFIG))
    mutate(raw)
    return json.dumps(raw)


@pytest.mark.parametrize("text, fragment", [
    ('{"version": 1, "data": ' + "[" * 1000 + "]" * 1000 + "}", "nested too deeply"),
    (with_changes(lambda r: r["data"].update(split={"train": 0.7, "validation": 0.15, "test": 0.15, "seed": -1})),
     "data.split.seed: must be from 0 to"),
    (with_changes(lambda r: r["training"].update(seed=-1)), "training.seed: must be from 0 to"),
    (with_changes(lambda r: r["training"].update(lr=10**400)), "training.lr: must be a finite number"),
    (with_changes(lambda r: r["training"].update(epochs=10**400)), "training.epochs: must be from 0 to 10000000"),
    (json.dumps(CONFIG).replace('"lr": 0.05', '"lr": ' + "9" * 5000), "line 1: a number of 5,000 digits"),
    (with_changes(lambda r: r.update(version=True)), "version: this build reads config version 1, the file says true"),
    (with_changes(lambda r: r["network"].update(activation="v" * 4096)), "network.activation: unknown activation 'vvv"),
])
def test_bad_input_in_a_config_exits_2_with_one_line(tmp_path, capsys, text, fragment):
    code, line = train_text(tmp_path, text, capsys)
    assert code == 2 and fragment in line and len(line) < 400
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("epochs, fragment", [
    ("10000001", "must be from 0 to 10000000, got 10000001"),
    ("-1", "must be from 0 to 10000000, got -1"),
    ("9" * 5000, "must be from 0 to 10000000, got 999"),
    ("ten", "must be a whole number, got 'ten'"),
])
def test_epochs_on_the_command_line_have_the_configs_cap(tmp_path, capsys, monkeypatch, epochs, fragment):
    monkeypatch.setattr("playground.session.prepare", lambda *a, **k: pytest.fail("the bad --epochs was accepted"))
    with pytest.raises(SystemExit) as caught:
        main(["train", str(write_config(tmp_path)), "--out", str(tmp_path / "o"), "--epochs", epochs])
    line = one_line_error(capsys)
    assert caught.value.code == 2 and "--epochs" in line and fragment in line and len(line) < 250


def test_a_named_pipe_as_config_or_csv_exits_2_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    os.mkfifo(tmp_path / "pipe.csv")
    csv_config = write_config(tmp_path, {"version": 1, "data": {"csv": "pipe.csv"}, "network": {"hidden": [2]}},
                              name="csv.json")
    for config in (tmp_path / "pipe.json", csv_config):
        # a reader blocked on the pipe would run into the timeout (and the test fail), not hang
        run = subprocess.run([sys.executable, "-m", "playground", "train", str(config), "--out", str(tmp_path / "o")],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and "not a regular file" in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


def test_a_named_pipe_as_session_exits_2_before_the_window_opens(tmp_path, capsys, monkeypatch):
    os.mkfifo(tmp_path / "pipe.nnp.json")
    monkeypatch.setattr("playground.cli.launch_gui", lambda *a, **k: pytest.fail("the app was started"))
    assert main([str(tmp_path / "pipe.nnp.json")]) == 2
    assert "not a regular file" in one_line_error(capsys)
    assert main([str(tmp_path)]) == 2
    assert "folder" in one_line_error(capsys)


def test_a_folder_or_an_unreadable_file_as_config_exits_2(tmp_path, capsys, monkeypatch):
    assert main(["train", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "this is a folder, not a file" in one_line_error(capsys)
    config = write_config(tmp_path)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("playground.session.atomic.os.open", refuse)
    assert main(["train", str(config), "--out", str(tmp_path / "o")]) == 2
    assert "permission denied" in one_line_error(capsys)


def test_an_output_folder_that_cannot_be_made_or_written_exits_2(tmp_path, capsys, monkeypatch):
    config = write_config(tmp_path, {**CONFIG, "training": {**CONFIG["training"], "epochs": 2}})
    (tmp_path / "file").write_text("")
    for out in (tmp_path / "file", tmp_path / "file" / "run"):
        assert main(["train", str(config), "--out", str(out), "--quiet"]) == 2
        assert "cannot create or write the output folder" in one_line_error(capsys)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("playground.session.atomic.tempfile.NamedTemporaryFile", refuse)
    assert main(["train", str(config), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "cannot write to" in one_line_error(capsys)


def test_ctrl_c_exits_130_quietly(tmp_path, capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("playground.cli.train_command", interrupted)
    try:
        code = main(["train", str(write_config(tmp_path)), "--out", str(tmp_path / "o")])
    except KeyboardInterrupt:
        pytest.fail("Ctrl+C escaped main() as a traceback")
    assert code == 130
    assert capsys.readouterr().err.strip() == ""


def test_an_internal_error_is_one_line_too(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("x" * 5000)

    monkeypatch.setattr("playground.session.sources.prepare", broken)  # train prepares configs and sessions there
    assert main(["train", str(write_config(tmp_path)), "--out", str(tmp_path / "o")]) == 1
    line = one_line_error(capsys)
    assert "internal error (RuntimeError)" in line and len(line) < 300


def test_usage_errors_are_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["train", str(write_config(tmp_path)), "--out", str(tmp_path / "o"), "--colour", "y" * 3000])
    line = one_line_error(capsys)
    assert caught.value.code == 2 and "unrecognized arguments: --colour" in line and len(line) < 300


def test_the_app_opens_a_lesson_by_number_name_or_file_and_refuses_others(tmp_path, capsys, monkeypatch):
    from playground.session.lessons import lesson_paths

    started = []
    monkeypatch.setattr("playground.cli.launch_gui", lambda argv, **kw: started.append(kw) or 0)
    mdn = next(p for p in lesson_paths() if p.name.startswith("13-"))
    for name in ("13", mdn.stem, str(mdn)):
        assert main(["--lesson", name, "--play"]) == 0
        assert started[-1]["lesson"] == str(mdn) and started[-1]["play"] is True
    monkeypatch.setattr("playground.cli.launch_gui", lambda *a, **k: pytest.fail("the app was started"))
    assert main(["--lesson", "99"]) == 2
    error = one_line_error(capsys)
    assert "no lesson '99'" in error and "13-mixture-density-network" in error
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nn-playground-lesson", "version": 7}')
    assert main(["--lesson", str(bad)]) == 2
    assert "bad.json" in one_line_error(capsys)
    session = tmp_path / "s.nnp.json"
    session.write_text("{}")
    assert main([str(session), "--lesson", "13"]) == 2
    assert "not both" in one_line_error(capsys)
