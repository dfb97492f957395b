"""The invariance and soft-weight-sharing keys of the config (PRML 5.5.3-5.5.7): parsed, checked
with the key named, written back, and taken by the CLI's training."""

import json

import numpy as np
import pytest

from playground.cli import main
from playground.session.config import ConfigError, ExperimentConfig

BASE = {"version": 1, "data": {"generator": "rings", "n_points": 60, "seed": 0},
        "network": {"hidden": [5], "seed": 0}, "training": {"optimizer": "adam", "lr": 0.02, "epochs": 5}}
KEYS = {"tangent_prop": 0.5, "tangent_kind": "scaling", "tikhonov": 0.1, "augment": "rotation",
        "augment_size": 20.0, "soft_weight_sharing": 0.01, "mixture_components": 4}


def test_every_key_reaches_the_training_options_and_is_written_back():
    config = ExperimentConfig.from_dict({**BASE, "regularization": dict(KEYS)})
    reg = config.training.regularization
    assert {k: getattr(reg, k) for k in KEYS} == KEYS
    written = config.to_dict()["regularization"]
    assert {k: written[k] for k in KEYS} == KEYS
    assert ExperimentConfig.from_dict(config.to_dict()) == config
    # a config without them is written as before
    assert set(ExperimentConfig.from_dict(BASE).to_dict()["regularization"]) == {"l2", "l2_groups", "l1"}


@pytest.mark.parametrize("bad, message", [
    ({"tangent_prop": -1}, "regularization.tangent_prop: must be >= 0, got -1"),
    ({"tangent_kind": "shear"}, "regularization.tangent_kind: unknown transformation 'shear'; choose one of: rotation"),
    ({"augment": "flip"}, "regularization.augment: unknown augmentation 'flip'"),
    ({"augment": "rotation", "augment_size": 200}, "regularization.augment_size: augmentation size for "
                                                     "rotation must be at most 180 degrees, got 200"),
    ({"soft_weight_sharing": "a lot"}, "regularization.soft_weight_sharing: must be a finite number"),
    ({"mixture_components": 0}, "regularization.mixture_components: must be from 1 to 10, got 0"),
])
def test_bad_values_name_their_key(bad, message):
    with pytest.raises(ConfigError) as caught:
        ExperimentConfig.from_dict({**BASE, "regularization": bad})
    assert message in str(caught.value)


def test_the_cli_trains_with_them_and_refuses_a_bad_one_in_one_line(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**BASE, "regularization": dict(KEYS)}))
    assert main(["train", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["final"]["epoch"] == 5 and np.isfinite(metrics["final"]["train_error"])
    capsys.readouterr()
    path.write_text(json.dumps({**BASE, "regularization": {"tangent_kind": "shear"}}))
    assert main(["train", str(path), "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "regularization.tangent_kind" in err


def test_plane_transformations_through_feature_maps_are_refused_in_words(tmp_path, capsys):
    raw = {**BASE, "data": {**BASE["data"], "features": ["x1^2", "x2^2"]}, "regularization": {"tangent_prop": 0.5}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(raw))
    assert main(["train", str(path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert "regularization.tangent_prop: tangent propagation and transformed data act on the inputs x1, x2" in err
    # input noise and Tikhonov do not care what the inputs are
    path.write_text(json.dumps({**raw, "regularization": {"tikhonov": 0.1, "augment": "noise", "augment_size": 0.05}}))
    assert main(["train", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
