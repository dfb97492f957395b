"""The headless command line: train from a config, write metrics and network, clean errors."""

import json
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
