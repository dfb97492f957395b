"""training.evidence in the experiment config and the CLI (the evidence procedure, PRML 5.7.2)."""

import json

import pytest

from playground.cli import main
from playground.core.bayes import EvidenceOptions
from playground.session import ConfigError, ExperimentConfig

CONFIG = {
    "version": 1,
    "data": {"generator": "sinusoid", "n_points": 24, "seed": 1},
    "network": {"hidden": [3], "seed": 0, "init": "gaussian"},
    "training": {"optimizer": "scg", "epochs": 200,
                 "evidence": {"alpha": 0.01, "beta": 50, "cycles": 4, "per_group": True}},
}


def with_evidence(**evidence):
    return {**CONFIG, "training": {**CONFIG["training"], "evidence": evidence}}


def test_evidence_round_trips_through_json():
    config = ExperimentConfig.from_dict(CONFIG)
    assert config.evidence == EvidenceOptions(alpha=0.01, beta=50.0, cycles=4, per_group=True)
    assert ExperimentConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert ExperimentConfig.from_dict({**CONFIG, "training": {"epochs": 5}}).evidence is None


@pytest.mark.parametrize("evidence,message", [
    ({"alpha": -1}, r"training\.evidence\.alpha: must be a positive number, got -1"),
    ({"cycles": 0}, r"training\.evidence\.cycles: must be from 1 to 1000, got 0"),
    ({"per_group": 1}, r"training\.evidence\.per_group: must be true or false, got 1"),
    ({"hessian": "diag"}, r"training\.evidence\.hessian: unknown Hessian 'diag'; choose one of: exact, outer_product"),
    ({"alfa": 1}, r"unknown key 'alfa' in training\.evidence \(did you mean 'alpha'\?\)"),
])
def test_bad_evidence_settings_name_the_key(evidence, message):
    with pytest.raises(ConfigError, match=message):
        ExperimentConfig.from_dict(with_evidence(**evidence))


def test_a_mixture_density_network_is_refused():
    raw = {**CONFIG, "network": {"hidden": [3], "output": "mdn", "n_components": 2}}
    with pytest.raises(ConfigError, match="training.evidence: the evidence procedure needs a linear"):
        ExperimentConfig.from_dict(raw)


def test_cli_runs_the_evidence_procedure_and_writes_its_steps(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(CONFIG))
    assert main(["train", str(path), "--out", str(tmp_path / "run")]) == 0
    printed = capsys.readouterr().out
    assert printed.count("evidence at epoch") == 4 and "gamma" in printed
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    steps = metrics["evidence"]
    assert [s["epoch"] for s in steps] == [50, 100, 150, 200]
    assert set(steps[-1]["alpha"]) == {"w1", "b1", "w2", "b2"} and steps[-1]["beta"] > 0
    assert 0 < steps[-1]["gamma"] < steps[-1]["n_params"] == 10
    assert metrics["final"]["epoch"] == 200


def test_cli_bad_evidence_setting_is_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(with_evidence(beta=0)))
    assert main(["train", str(path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "training.evidence.beta: must be a positive number, got 0" in err
