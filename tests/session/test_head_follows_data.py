"""The output head follows the data when the kind of problem changes (PRML 5.2)."""

from playground.core.datasets import make_dataset
from playground.session.experiment import output_for_data, resolve_output


def test_a_chosen_head_stays_while_the_kind_of_problem_stays():
    spiral, moons = make_dataset("spiral", 40, seed=0), make_dataset("moons", 40, seed=0)
    assert output_for_data("linear", moons, spiral) == "linear"  # least squares on labels: a lesson (PRML 4.1.3)
    sine, inverse = make_dataset("sine", 40, seed=0), make_dataset("inverse_problem", 40, seed=0)
    assert output_for_data("mdn", inverse, sine) == "mdn"


def test_the_head_becomes_auto_when_the_kind_changes_or_it_cannot_train():
    inverse, spiral = make_dataset("inverse_problem", 40, seed=0), make_dataset("spiral", 40, seed=0)
    assert output_for_data("mdn", spiral, inverse) == "auto"
    assert resolve_output(spiral, output_for_data("mdn", spiral, inverse)) == "sigmoid"
    assert output_for_data("linear", inverse, spiral) == "auto"  # a kind change resets even a possible head
    assert output_for_data("sigmoid", inverse) == "auto"  # no previous data: impossible heads only
    assert output_for_data("auto", spiral, inverse) == "auto"
