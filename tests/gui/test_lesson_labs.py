"""The lab lessons' controls (the docks' and the Regularization panel's) lock, and their dock settings apply."""

import pytest

from playground.gui.lessons_panel import lesson_player
from playground.gui.locks import CONTROL_WIDGETS, lock_tip
from playground.gui.presentation import presentation
from playground.session.lessons import lesson_paths
from test_main_window import empty_document, make_window

LAB_CONTROLS = ("dropout", "invariance", "weight_sharing", "prior", "bayes", "evidence", "sweeps", "kernel",
                "bootstrap")


def _open(window, name: str):
    names = [p.name for p in lesson_paths()]
    window.lesson_actions[names.index(name)].trigger()
    return lesson_player(window)


def test_locking_a_lab_control_greys_it_and_presentation_hides_it(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    locks = presentation(window).locks
    for name in LAB_CONTROLS:
        widgets = CONTROL_WIDGETS[name](window)
        before = [w.isEnabled() for w in widgets]
        assert widgets and any(before), name
        locks.set_locked([name], "teacher")
        assert not any(w.isEnabled() for w in widgets), name
        assert all(w.toolTip() == lock_tip("teacher") for w in widgets), name
        locks.set_hiding(True)
        assert all(w.isHidden() for w in widgets), name
        locks.set_hiding(False)
        assert all(w.isEnabled() is False for w in widgets)  # greyed again, not hidden
        locks.unlock_all()
        assert [w.isEnabled() for w in widgets] == before and widgets[0].toolTip() != lock_tip("teacher"), name


def test_the_sweep_lesson_opens_the_sweeps_dock_with_its_settings(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    player = _open(window, "09-overfitting-and-the-sweep.json")
    view = window.sweep_view
    assert window.sweeps_dock.isVisible() and (view.units_spin.value(), view.starts_spin.value(),
                                               view.epochs_spin.value()) == (10, 10, 500)
    assert view.run_button.isEnabled() and view.config().units == tuple(range(1, 11))  # unlocked: the class runs it
    assert not window.regularization_panel.l2_input.isEnabled()  # locked by the lesson
    assert window.sweep_action.isEnabled()
    assert window.test_action.isChecked() and player.lesson.figure_view == "data"
    _open(window, "10-prior-samples.json")  # the sweeps locked: the Compare menu cannot run them either
    assert not window.sweep_action.isEnabled() and not view.run_button.isEnabled()


def test_the_kernel_lesson_sets_the_kernels_dock_and_the_invariance_lesson_opens_its_section(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    _open(window, "16-kernels-and-bootstrap.json")
    view = window.kernel_view
    assert view.sigma_slider.value() == pytest.approx(0.1) and view.lambda_slider.value() == pytest.approx(1e-3)
    assert view.bootstrap_combo.currentData() == "" and view.b_spin.value() == 30
    assert view.sigma_slider.isEnabled() and view.bootstrap_combo.isEnabled()
    _open(window, "11-invariance-rings.json")
    invariance = window.regularization_panel.invariance
    assert invariance.section.is_expanded() and invariance.tangent_input.isEnabled()
    window.training_dock.raise_()  # the Regularization panel behind the Training tab ...
    assert window.regularization_dock.visibleRegion().isEmpty()
    window.next_step_action.trigger()  # ... comes to the front when a step names its controls ("Tangent prop.")
    assert not window.regularization_dock.visibleRegion().isEmpty()
    assert not invariance.sharing_section.isEnabled()  # soft weight sharing stays locked here
    assert not window.kernel_view.sigma_slider.isEnabled() and not window.kernels_dock.isVisible()
