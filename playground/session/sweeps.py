"""An experiment's data as a sweep sees it (core/sweeps.py): the CLI's ``sweep`` and the Sweeps dock."""

from __future__ import annotations

from playground.core.sweeps import SweepConfig, SweepData


def sweep_data(experiment) -> SweepData | None:
    """The training, validation and test pairs (feature maps applied, targets for the head), or None
    when there is nothing a sweep can fit (no training points, or a mixture density head)."""
    parts = (experiment.split.train, experiment.split.val, experiment.split.test)
    pairs = [experiment.pair(part) for part in parts]
    if pairs[0] is None or experiment.output == "mdn":
        return None
    arrays = {}
    for (name_x, name_t), pair in zip((("X", "T"), ("X_val", "T_val"), ("X_test", "T_test")), pairs):
        if pair is not None:
            arrays[name_x], arrays[name_t] = pair
    return SweepData(**arrays)


def sweep_settings(experiment) -> dict:
    """The hidden activation and the output head of the experiment's network, for SweepConfig."""
    return dict(hidden=(experiment.config.network.activations() or ["tanh"])[0], output=experiment.output)


def fig_5_10_config(experiment, max_units: int = 12, starts: int = 30, epochs: int = 300, seed: int = 0) -> SweepConfig:
    return SweepConfig(units=tuple(range(1, max_units + 1)), starts=starts, epochs=epochs, seed=seed,
                       **sweep_settings(experiment))
