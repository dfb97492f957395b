"""Experiment configs: parsing, validation messages, round trips, building experiments."""

import json

import numpy as np
import pytest

from playground.core import MLP
from playground.session import ConfigError, ExperimentConfig, load_network, output_mismatch, prepare, save_network
from playground.session.experiment import matched_output
from playground.core.datasets import make_dataset


def minimal(**sections):
    raw = {"version": 1, "data": {"generator": "xor", "n_points": 80}, "network": {"hidden": [4]}}
    raw.update(sections)
    return raw


def test_defaults_fill_in_what_is_missing():
    config = ExperimentConfig.from_dict(minimal())
    assert config.training.optimizer == "adam" and config.epochs == 500
    assert config.network.output == "auto" and config.data.split == (0.7, 0.15, 0.15)


def test_round_trip_through_json_keeps_everything():
    raw = minimal(
        name="demo",
        training={"optimizer": "momentum", "lr": 0.3, "momentum": 0.5, "nesterov": True, "epochs": 7,
                  "batch_size": 16, "seed": 3, "schedule": {"kind": "step", "drop": 0.5, "every": 10},
                  "early_stopping": {"patience": 5, "restore_best": False}},
        regularization={"l2_groups": {"w1": 0.1, "w2": 0.2}, "l1": 0.01},
    )
    raw["data"].update(split={"train": 0.6, "validation": 0.2, "test": 0.2, "seed": 4}, features=["x1", "x1*x2"])
    raw["network"].update(activation=["relu"], output="softmax", init="he", seed=9)
    config = ExperimentConfig.from_dict(raw)
    again = ExperimentConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert config.training.hyper == {"momentum": 0.5, "nesterov": True}
    assert config.training.regularization.l2_groups == {"w1": 0.1, "b1": 0.0, "w2": 0.2, "b2": 0.0}


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r.update(trainig={}), "unknown key 'trainig' in the top level (did you mean 'training'?)"),
    (lambda r: r.pop("version"), "needs the key 'version'"),
    (lambda r: r.update(version=2), "version"),
    (lambda r: r.update(training={"lr": -1}), "training.lr: must be a positive number, got -1"),
    (lambda r: r.update(training={"lr": "fast"}), "training.lr: must be a finite number"),
    (lambda r: r.update(training={"learning_rate": 0.1}), "unknown key 'learning_rate' in training"),
    (lambda r: r.update(training={"optimizer": "adam", "momentum": 0.9}), "unknown key 'momentum'"),
    (lambda r: r.update(training={"optimizer": "sgd"}), "training.optimizer: unknown optimizer 'sgd'"),
    (lambda r: r.update(training={"epochs": 2.5}), "training.epochs: must be a whole number"),
    (lambda r: r.update(training={"optimizer": "adam", "beta1": 1.5}), "beta1"),
    (lambda r: r.update(training={"schedule": {"kind": "cosine"}}), "training.schedule.kind"),
    (lambda r: r.update(training={"early_stopping": {"patience": 0}}), "patience"),
    (lambda r: r["network"].update(hidden=[8] * 9), "at most 8 hidden layers"),
    (lambda r: r["network"].update(hidden=[100000]), "network.hidden[0]: must be from 1 to 256"),
    (lambda r: r["network"].update(activation="tanhh"), "did you mean 'tanh'"),
    (lambda r: r["network"].update(activation=["tanh", "relu"]), "2 activations for 1 hidden layers"),
    (lambda r: r["network"].update(output="mdn"), "number of components"),
    (lambda r: r["network"].update(n_components=3), "only applies to output \"mdn\""),
    (lambda r: r["data"].update(csv="x.csv"), "exactly one data source"),
    (lambda r: r["data"].update(generator="spirals"), "did you mean 'spiral'"),
    (lambda r: r["data"].update(n_points=10**7), "data.n_points: must be from 1 to 100000"),
    (lambda r: r["data"].update(noise=float("nan")), "data.noise"),
    (lambda r: r["data"].update(split={"train": 0.5, "validation": 0.1, "test": 0.1}), "add up to 1"),
    (lambda r: r["data"].update(features=["x3"]), "data.features"),
    (lambda r: r["data"].update(n_classes=4), "only the \"blobs\" preset"),
    (lambda r: r.update(regularization={"l2": -0.1}), "regularization.l2"),
    (lambda r: r.update(regularization={"l2_groups": {"w9": 1}}), "unknown key 'w9'"),
    (lambda r: r.update(data=[]), "data: must be a JSON object"),
])
def test_bad_configs_are_rejected_with_the_key_named(mutate, message):
    raw = minimal()
    mutate(raw)
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict(raw)
    assert message in str(info.value)


def test_load_reports_file_problems(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        ExperimentConfig.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{\n "version": 1,\n "data": {,}\n}')
    with pytest.raises(ConfigError, match=r"bad.json, line 3: not valid JSON"):
        ExperimentConfig.load(bad)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="binary.json: not UTF-8 text"):
        ExperimentConfig.load(binary)


def test_save_and_load(tmp_path):
    config = ExperimentConfig.from_dict(minimal(name="saved"))
    config.save(tmp_path / "c.json")
    assert ExperimentConfig.load(tmp_path / "c.json") == config


def test_matched_heads_and_mismatch_explanations():
    two = make_dataset("xor", 20)
    many = make_dataset("blobs", 30, n_classes=4)
    reg = make_dataset("sinusoid", 10)
    assert (matched_output(two), matched_output(many), matched_output(reg)) == ("sigmoid", "softmax", "linear")
    assert output_mismatch(two, "sigmoid") is None and output_mismatch(two, "softmax") is None
    assert "least squares" in output_mismatch(two, "linear")
    assert "independent" in output_mismatch(many, "sigmoid")
    assert "real-valued" in output_mismatch(reg, "softmax")
    assert "class labels" in output_mismatch(two, "mdn")


def test_prepare_builds_the_matched_network_and_split():
    config = ExperimentConfig.from_dict(minimal())
    experiment = prepare(config)
    assert experiment.net.sizes == (2, 4, 1) and experiment.output == "sigmoid"
    assert experiment.split.train.n + experiment.split.val.n + experiment.split.test.n == 80
    snap = experiment.make_trainer().advance(3)
    assert snap.val_error is not None and snap.test_error is not None


def test_prepare_applies_feature_maps_and_softmax_for_many_classes():
    raw = minimal(data={"generator": "blobs", "n_classes": 4, "n_points": 60, "features": ["x1", "x2", "x1*x2"]})
    experiment = prepare(ExperimentConfig.from_dict(raw))
    assert experiment.net.sizes == (3, 4, 4) and experiment.output == "softmax"
    X = experiment.inputs(experiment.split.train)
    np.testing.assert_allclose(X[:, 2], experiment.split.train.X[:, 0] * experiment.split.train.X[:, 1])


def test_prepare_refuses_impossible_heads_with_an_explanation():
    raw = minimal(data={"generator": "sinusoid"})
    raw["network"]["output"] = "softmax"
    with pytest.raises(ConfigError, match="real-valued targets"):
        prepare(ExperimentConfig.from_dict(raw))


def test_prepare_refuses_early_stopping_without_validation_points():
    raw = minimal(training={"early_stopping": {"patience": 3}})
    raw["data"]["split"] = {"train": 0.8, "validation": 0.0, "test": 0.2}
    with pytest.raises(ConfigError, match="validation"):
        prepare(ExperimentConfig.from_dict(raw))


def test_csv_paths_are_relative_to_the_config(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "pts.csv").write_text("x,t\n0,0\n0.5,1\n1,0\n0.2,0.3\n")
    raw = {"version": 1, "data": {"csv": "data/pts.csv", "split": {"train": 1.0}}, "network": {"hidden": [2]}}
    (tmp_path / "c.json").write_text(json.dumps(raw))
    experiment = prepare(ExperimentConfig.load(tmp_path / "c.json"), base_dir=tmp_path)
    assert experiment.dataset.n == 4 and experiment.output == "linear"


def test_network_files_round_trip_exactly(tmp_path):
    net = MLP([3, 5, 2], hidden="relu", output="softmax", seed=2)
    save_network(net, tmp_path / "n.json", features=["x1", "x2", "x1*x2"])
    again = load_network(tmp_path / "n.json")
    np.testing.assert_array_equal(again.w, net.w)
    plain = MLP.from_dict(json.loads((tmp_path / "n.json").read_text()))  # the public API reads it too
    np.testing.assert_array_equal(plain.w, net.w)


def test_an_lbfgs_memory_is_a_whole_number_and_round_trips():
    # The parser used to read every optimiser setting as a float, and L-BFGS refused memory 10.0.
    config = ExperimentConfig.from_dict(minimal(training={"optimizer": "lbfgs", "memory": 5}))
    assert config.training.hyper == {"memory": 5} and type(config.training.hyper["memory"]) is int
    assert ExperimentConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


@pytest.mark.parametrize("training, message", [
    ({"optimizer": "momentum", "momentum": 1}, "training.momentum: must be >= 0 and < 1, got 1"),
    ({"optimizer": "rmsprop", "rho": 0}, "training.rho: must be > 0 and < 1, got 0"),
    ({"optimizer": "lbfgs", "memory": 2.5}, "training.memory: must be a whole number, got 2.5"),
    ({"optimizer": "momentum", "nesterov": 1}, "training.nesterov: must be true or false, got 1"),
    ({"batch_size": True}, "training.batch_size: must be a whole number, got true"),
    ({"batch_size": 10**400}, "training.batch_size: must be a whole number >= 1, got "),
    ({"early_stopping": {"patience": 0}}, "training.early_stopping.patience: must be a whole number >= 1, got 0"),
    ({"schedule": {"kind": "step", "drop": 0}}, "training.schedule.drop: must be > 0 and <= 1, got 0"),
])
def test_the_parser_names_the_key_and_the_declared_range(training, message):
    with pytest.raises(ConfigError) as caught:
        ExperimentConfig.from_dict(minimal(training=training))
    assert str(caught.value).startswith(message)


def test_a_split_share_of_one_leaves_nothing_to_train_on():
    raw = minimal()
    raw["data"]["split"] = {"train": 0.0, "validation": 1.0}
    with pytest.raises(ConfigError, match=r"^data\.split\.train: must be > 0 and <= 1, got 0\.0"):
        ExperimentConfig.from_dict(raw)
    raw["data"]["split"] = {"train": 0.5, "test": 1.0}
    with pytest.raises(ConfigError, match=r"^data\.split\.test: must be >= 0 and < 1, got 1\.0"):
        ExperimentConfig.from_dict(raw)
