"""The CLI's part of the regularisation lab: the deep-tanh demo and configs with the new settings."""

import json

import pytest

from playground.cli import main
from playground.session import load_network


def test_the_layers_demo_prints_one_line_per_layer(capsys):
    assert main(["layers", "--init", "small", "--layers", "4", "--units", "30"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:3] == ["layer", "activation", "units"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3", "4", "out"]
    stds = [float(line.split()[4]) for line in lines[1:5]]
    assert stds == sorted(stds, reverse=True) and stds[-1] < 1e-3 * stds[0]  # the outputs collapse


def test_the_layers_demo_refuses_bad_sizes_in_one_line(capsys):
    with pytest.raises(SystemExit) as caught:  # argparse's usage error, exit 2 (as in test_cli.py)
        main(["layers", "--units", "0"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "must be from 1 to 2000, got 0" in err


def test_a_perceptron_config_trains_with_the_perceptron_rule(tmp_path, capsys):
    config = {"version": 1, "data": {"generator": "two_gaussians", "n_points": 100, "noise": 0.3, "seed": 0,
                                     "split": {"train": 1.0}},
              "network": {"hidden": [], "output": "perceptron"},
              "training": {"optimizer": "gd", "lr": 1.0, "batch_size": 1, "epochs": 30},
              "regularization": {"dropout": 0.0, "standardize_inputs": True}}
    path = tmp_path / "perceptron.json"
    path.write_text(json.dumps(config))
    assert main(["train", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["config"]["network"]["output"] == "perceptron"
    net = load_network(tmp_path / "out" / "network.json")
    assert net.output == "perceptron" and net.n_layers == 1
    assert "training accuracy" in capsys.readouterr().out
