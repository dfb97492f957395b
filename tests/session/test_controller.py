"""The session controller's decisions, without Qt: what each edit means for the experiment."""

from dataclasses import replace

import numpy as np
import pytest

from playground.core.training import Regularization
from playground.session.config import DataConfig, ExperimentConfig, NetworkConfig
from playground.session.controller import (
    FEATURES_CHANGED, NETWORK_CHANGED, NO_TRAINING_POINTS, NOTHING, POINTS_CHANGED, Built, Rebuild, Refused,
    SessionController,
)
from playground.session.document import Document, empty_dataset


def spiral(output="auto", features=None) -> Document:
    return Document.generated(ExperimentConfig(data=DataConfig(generator="spiral", n_points=60, seed=0,
                                                               features=features),
                                               network=NetworkConfig(hidden=(4,), output=output)))


def built(session: SessionController, weights=None) -> Built:
    """Run the pending rebuild as the window does (head first), and insist that it trains."""
    rebuild, config = session.take_rebuild()
    if config is not None:
        session.apply(replace(NOTHING, document=session.document.with_config(config)))
        session.settle()
    outcome = session.build(rebuild, weights)
    assert isinstance(outcome, Built), outcome
    return outcome


def trained(session: SessionController) -> np.ndarray:
    """A first build, then weights as if trained (anything not the initial ones)."""
    first = built(session)
    return first.experiment.net.w + 0.25


def test_a_learning_rate_change_updates_the_trainer_only():
    session = SessionController(spiral())
    built(session)
    options = replace(session.document.config.training, lr=0.123)
    change = session.training_changed(options)
    assert change.rebuild is None and change.undo_text is None
    assert change.options["lr"] == 0.123 and change.options["optimizer"] == options.optimizer
    assert change.document.config.training.lr == 0.123
    assert not session.apply(change)  # no rebuild due: training goes on with the new rate
    assert session.document.config.training.lr == 0.123


def test_regularization_and_early_stopping_keep_the_rest_of_the_training_options():
    session = SessionController(spiral())
    lr = session.document.config.training.lr
    change = session.regularization_changed(Regularization(l2=0.5))
    assert change.rebuild is None and dict(change.options) == {"regularization": Regularization(l2=0.5)}
    assert change.document.config.training.lr == lr and change.document.config.training.regularization.l2 == 0.5
    session.apply(change)
    options = replace(session.document.config.training, lr=0.3, regularization=Regularization())
    assert session.training_changed(options).document.config.training.regularization.l2 == 0.5  # not the panel's
    assert session.early_stopping_changed(None).options == {"early_stopping": None}


def test_a_network_change_rebuilds_from_new_weights_and_says_so():
    session = SessionController(spiral())
    weights = trained(session)
    change = session.network_changed(replace(session.document.config.network, hidden=(4,), seed=7))
    assert change.rebuild == Rebuild(reset=True, notice=NETWORK_CHANGED) and change.options is None
    assert change.undo_text is None  # a setting, not an undoable data edit
    assert session.apply(change)
    second = built(session, weights)
    assert second.weights == "new" and second.new_network and second.notice == NETWORK_CHANGED
    assert not np.array_equal(second.experiment.net.w, weights)


def test_a_points_edit_rebuilds_keeping_the_weights():
    session = SessionController(spiral())
    weights = trained(session)
    old = session.document
    X, t = np.array([[0.1, 0.2]]), np.array([1])
    assert session.observe(old.with_points(X, t), old)
    second = built(session, weights)
    assert second.weights == "kept" and not second.new_network and second.notice == POINTS_CHANGED
    np.testing.assert_array_equal(second.experiment.net.w, weights)


def test_edits_before_one_build_merge_a_reset_wins_and_its_notice_stands():
    session = SessionController(spiral())
    weights = trained(session)
    session.apply(session.features_changed(("x1", "x2", "x1*x2")))
    old = session.document
    session.observe(old.with_points(np.array([[0.0, 0.0]]), np.array([0])), old)  # a stroke right after
    second = built(session, weights)
    assert second.weights == "new" and second.notice == FEATURES_CHANGED
    assert second.experiment.net.sizes[0] == 3


def test_a_config_change_that_leaves_data_and_network_alone_is_nothing_to_rebuild():
    session = SessionController(spiral())
    old = session.document
    new = old.with_config(replace(old.config, training=replace(old.config.training, lr=0.5)))
    assert not session.observe(new, old) and not session.rebuild_pending


@pytest.mark.parametrize("generator, kept", [("moons", True), ("sine", False), ("no_such_generator", False)])
def test_features_are_kept_for_new_data_only_when_they_still_make_sense(generator, kept):
    features = ("x1", "x2", "x1*x2")
    session = SessionController(spiral(features=features))
    assert session.features_for(DataConfig(generator=generator)) == (features if kept else None)
    one_input = SessionController(spiral(features=("x1", "x1^2")))
    assert one_input.features_for(DataConfig(generator="sine")) == ("x1", "x1^2")  # needs no x2
    assert SessionController(spiral()).features_for(DataConfig(generator="moons")) is None


def test_generating_new_data_is_an_undoable_edit_that_resets_under_the_current_split():
    session = SessionController(spiral(features=("x1", "x2", "x1*x2")))
    change = session.generate(DataConfig(generator="sine", n_points=30, seed=2))
    assert change.undo_text == "Generate " + change.document.dataset.name and change.fit_view
    assert change.rebuild.reset and change.document.dataset.name in change.rebuild.notice
    assert change.document.config.data.split == session.document.config.data.split
    assert change.document.config.data.features is None  # x2 has no meaning for one input


def test_generating_from_a_bad_config_is_refused_in_words():
    session = SessionController(spiral())
    change = session.generate(DataConfig(generator="no_such_generator"))
    assert change.refusal and change.document is None and not change.changes
    assert "Traceback" not in change.refusal


def test_new_data_of_another_kind_bring_the_matched_head():
    session = SessionController(spiral(output="sigmoid"))
    built(session)
    assert session.apply(session.generate(DataConfig(generator="sine", n_points=30, seed=1)))
    rebuild, config = session.take_rebuild()
    assert config is not None and config.network.output == "auto"
    assert rebuild.reset and "sigmoid output does not fit" in rebuild.notice and "auto \u2192 linear" in rebuild.notice
    session.apply(replace(NOTHING, document=session.document.with_config(config)))
    session.settle()
    assert not session.rebuild_pending  # the head's own change is the one being built
    outcome = session.build(rebuild)
    assert isinstance(outcome, Built) and outcome.experiment.output == "linear"


def test_a_head_chosen_for_the_same_kind_of_data_stays():
    session = SessionController(spiral(output="linear"))  # least squares on labels: a lesson (PRML 4.1.3)
    built(session)
    session.apply(session.generate(DataConfig(generator="moons", n_points=30, seed=1)))
    rebuild, config = session.take_rebuild()
    assert config is None and rebuild.reset
    assert session.build(rebuild).experiment.output == "linear"


def test_a_head_chosen_together_with_new_data_of_another_kind_stays():
    session = SessionController(spiral(output="sigmoid"))
    built(session)
    session.apply(session.generate(DataConfig(generator="inverse_problem", n_points=30, seed=1)))
    session.apply(session.network_changed(replace(session.document.config.network, output="mdn", n_components=2)))
    rebuild, config = session.take_rebuild()
    assert config is None and session.build(rebuild).experiment.output == "mdn"


def test_no_training_points_is_refused_with_what_to_do():
    session = SessionController(Document.with_new_dataset(empty_dataset("classification"), ExperimentConfig()))
    rebuild, _ = session.take_rebuild()
    outcome = session.build(rebuild)
    assert isinstance(outcome, Refused) and outcome.message == NO_TRAINING_POINTS and outcome.fix is None
    assert outcome.experiment is not None  # the network is built: its initial weights can be shown


def test_a_head_that_cannot_train_on_the_data_is_refused_with_its_remedy():
    session = SessionController(spiral())
    session.apply(session.network_changed(replace(session.document.config.network, output="mdn", n_components=2)))
    outcome = session.build(session.take_rebuild()[0])
    assert isinstance(outcome, Refused) and "mixture density" in outcome.message
    assert outcome.fix == "Use a sigmoid output"
    change = session.use_matched_head()
    assert change.rebuild.reset and change.document.config.network.output == "auto"


def test_restored_weights_are_used_when_they_fit():
    session = SessionController(spiral())
    n = built(session).experiment.net.n_params
    session.restored_weights = np.linspace(-1, 1, n)
    session.schedule(Rebuild(reset=True, notice="Opened a.nnp.json."))
    outcome = built(session)
    assert outcome.weights == "restored" and outcome.note is None and outcome.notice == "Opened a.nnp.json."
    np.testing.assert_array_equal(outcome.experiment.net.w, np.linspace(-1, 1, n))
    assert session.restored_weights is None  # used once


def test_restored_weights_of_the_wrong_size_give_new_weights_with_a_note():
    session = SessionController(spiral())
    n = built(session).experiment.net.n_params
    session.restored_weights = np.zeros(n + 5)
    session.schedule(Rebuild(reset=True, notice="Opened a.nnp.json."))
    outcome = built(session)
    assert outcome.weights == "new" and not np.all(outcome.experiment.net.w == 0)
    assert f"({n + 5:,} numbers) do not fit" in outcome.note and "new weights" in outcome.note
    assert session.restored_weights is None


def test_restored_weights_wait_while_there_is_nothing_to_train():
    session = SessionController(Document.with_new_dataset(empty_dataset("classification"), ExperimentConfig()))
    session.restored_weights = np.zeros(3)
    assert isinstance(session.build(session.take_rebuild()[0]), Refused)
    assert session.restored_weights is not None


def test_data_edits_name_their_undo_entry_and_do_nothing_when_there_is_nothing_to_do():
    session = SessionController(spiral())
    assert session.clear_points().undo_text == "Clear points" and session.clear_points().rebuild.reset
    assert session.mode_changed("classification") is NOTHING
    change = session.mode_changed("regression")
    assert change.document.dataset.kind == "regression" and change.document.dataset.n == 0 and change.fit_view
    split = session.split_changed((0.5, 0.25, 0.25), 3)
    assert split.undo_text == "Change split" and split.rebuild is None  # a data edit: observe decides
    assert split.document.config.data.split == (0.5, 0.25, 0.25)
    three = session.num_classes_changed(3)
    assert three.document.dataset.n_classes == 3 and three.rebuild == Rebuild(True, "3 classes: the network was reset.")
    session.apply(change)
    assert session.num_classes_changed(3) is NOTHING  # regression has no classes
    assert session.clear_points() is NOTHING  # nothing to clear


def test_a_head_that_cannot_train_waits_for_its_remedy_when_data_of_the_same_kind_come():
    session = SessionController(spiral())
    built(session)
    session.apply(session.network_changed(replace(session.document.config.network, output="mdn", n_components=2)))
    assert isinstance(session.build(session.take_rebuild()[0]), Refused)
    session.apply(session.generate(DataConfig(generator="moons", n_points=30, seed=1)))
    rebuild, config = session.take_rebuild()
    assert config is None  # only a change of kind moves the head; this one is the person's to fix
    outcome = session.build(rebuild)
    assert isinstance(outcome, Refused) and outcome.fix == "Use a sigmoid output"
