"""Settings of the two halves of the regularisation lab that meet in one trainer: soft weight
sharing learns its mixture on the weights the steps move, L1's proximal step and the mixture
update both follow every step, and standardised inputs refuse the invariances (those are
defined on the raw inputs: a rotation about their mean is no rotation after rescaling one axis)."""

import numpy as np
import pytest

from playground.core import MLP
from playground.core.regularizers import Regularization
from playground.core.training import Trainer, TrainingOptions

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 2))
T = (X[:, :1] * X[:, 1:] > 0).astype(float)


@pytest.mark.parametrize("invariance", [dict(tangent_prop=0.1), dict(tikhonov=0.1),
                                        dict(augment="rotation", augment_size=10.0)])
def test_standardized_inputs_refuse_the_invariances_in_a_sentence(invariance):
    reg = Regularization(0.0, standardize_inputs=True, **invariance)
    with pytest.raises(ValueError, match="standardized inputs do not combine with tangent propagation"):
        Trainer(MLP([2, 4, 1], output="sigmoid", seed=0), X, T, options=TrainingOptions(regularization=reg))


def test_l1_zeros_and_the_weight_mixture_both_follow_each_step():
    reg = Regularization(0.0, None, 0.5, soft_weight_sharing=0.01, mixture_components=2)
    trainer = Trainer(MLP([2, 6, 1], output="sigmoid", seed=0), X, T,
                      options=TrainingOptions(optimizer="gd", lr=0.5, regularization=reg))
    before = trainer.regularizer.sharing.parameters()
    snap = trainer.advance(200)
    assert np.count_nonzero(trainer.net.w == 0.0) > 0  # the proximal L1 step still gives exact zeros
    after = snap.mixture
    assert after is not None and not all(np.allclose(a, b) for a, b in zip(after, before))  # the mixture learned


def test_dropout_with_soft_weight_sharing_trains_and_reports_the_whole_network():
    reg = Regularization(0.0, soft_weight_sharing=0.01, dropout=0.3)
    trainer = Trainer(MLP([2, 6, 1], output="sigmoid", seed=0), X, T,
                      options=TrainingOptions(optimizer="adam", lr=0.05, regularization=reg))
    snap = trainer.advance(30)
    whole = trainer.net.error(X, T) / len(X)
    assert np.isfinite(snap.objective) and abs(snap.history.train_error[-1] - whole) < 1e-9
