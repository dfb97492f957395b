"""The command line reports a diverging classifier (issue 9): exit 3 and a plain message."""

import json

import pytest

from playground.cli import main


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_a_diverging_classifier_exits_3_with_a_message(tmp_path, capsys, output):
    config = {
        "version": 1,
        "data": {"generator": "spiral", "n_points": 200, "noise": 0.1, "seed": 0},
        "network": {"hidden": [8, 8], "activation": "tanh", "output": output, "seed": 0},
        "training": {"optimizer": "gd", "lr": 100, "epochs": 200},
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    out = tmp_path / "run"
    assert main(["train", str(path), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "Training diverged" in err and "lowest training error" in err and "smaller learning rate" in err
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert final["status"] == "diverged" and final["train_error"] < 1.0  # not the 40-79 per point it climbed to
