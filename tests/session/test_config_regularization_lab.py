"""Config keys of the regularisation lab: dropout, standardize_inputs, the constant init."""

import pytest

from playground.session.config import ConfigError, ExperimentConfig


def raw(**regularization):
    return {"version": 1, "data": {"generator": "xor"}, "network": {"hidden": [4], "init": "constant"},
            "regularization": regularization}


def test_dropout_and_standardisation_round_trip():
    config = ExperimentConfig.from_dict(raw(dropout=0.25, standardize_inputs=True, l1=0.1))
    reg = config.training.regularization
    assert (reg.dropout, reg.standardize_inputs, reg.l1) == (0.25, True, 0.1)
    assert config.network.init == "constant"
    assert ExperimentConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("key, value, message", [
    ("dropout", 1.0, "regularization.dropout: must be >= 0 and < 1, got 1.0"),
    ("dropout", -0.1, "regularization.dropout: must be >= 0 and < 1"),
    ("standardize_inputs", 1, "regularization.standardize_inputs: must be true or false, got 1"),
])
def test_bad_values_name_the_key(key, value, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        ExperimentConfig.from_dict(raw(**{key: value}))


@pytest.mark.parametrize("output", ["sigmoid_sse", "perceptron"])
def test_class_heads_on_regression_data_are_refused_in_words(output):
    from playground.session.experiment import prepare

    config = ExperimentConfig.from_dict({"version": 1, "data": {"generator": "sinusoid"},
                                         "network": {"hidden": [4], "output": output}})
    with pytest.raises(ConfigError, match=f"network.output: A {output} output is for class labels"):
        prepare(config)
