"""Undo and redo of data edits give back exactly the same points, classes and split parts.

Driven through the window: strokes of its DrawingTool (what the mouse does in data
coordinates), Edit > Clear points, a preset chosen in the Data panel, and Edit > Undo / Redo.
Erasing keeps only the erased rows for its inverse (document_model.Rows), so the rows must go
back to their old places, with their old classes and parts, also after merged dabs.
"""

import numpy as np

from widget_lifetime import shown_main_window

from playground.session.config import DataConfig, ExperimentConfig
from playground.session.document import TEST, TRAIN, VALIDATION, Document


def blobs_window(qtbot, tmp_path, n=90):
    config = ExperimentConfig(data=DataConfig(generator="blobs", n_points=n, n_classes=3, seed=2,
                                              split=(0.6, 0.2, 0.2)))
    return shown_main_window(qtbot, tmp_path, Document.generated(config))


def state(window):
    """What an undo must restore: points, classes, parts (copies), the class count and kind."""
    doc = window.model.document
    d = doc.dataset
    return d.X.copy(), d.t.copy(), np.asarray(doc.parts).copy(), d.n_classes, d.kind


def assert_same(a, b):
    (Xa, ta, pa, ka, kind_a), (Xb, tb, pb, kb, kind_b) = a, b
    np.testing.assert_array_equal(Xa, Xb)
    np.testing.assert_array_equal(ta, tb)
    np.testing.assert_array_equal(pa, pb)
    assert (ka, kind_a) == (kb, kind_b)


def assert_shown(window):
    """The data view draws the document's points (training + validation points, then the test ones)."""
    doc = window.model.document
    n_test = int(np.sum(np.asarray(doc.parts) == TEST))
    assert len(window.data_view.points) == doc.dataset.n - n_test
    assert len(window.data_view.test_points) == n_test


def undo(window):
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()


def redo(window):
    assert window.redo_action.isEnabled()
    window.redo_action.trigger()


def test_undo_of_an_erase_stroke_puts_the_rows_back_in_place_and_redo_erases_them_again(qtbot, tmp_path):
    window = blobs_window(qtbot, tmp_path)
    before = state(window)
    X, parts = before[0], before[2]
    assert {TRAIN, VALIDATION, TEST} <= set(parts.tolist()) and len(set(before[1].tolist())) == 3
    # a stroke of three dabs through the data, erasing everything within the brush
    tool = window.tool
    tool.brush_radius = 0.3
    path = [X[10], X[45], X[80]]  # through three of the points
    stack = window.model.undo_stack
    count = stack.count()
    tool.press(*path[0], erase=True)
    for p in path[1:]:
        tool.move(*p)
    tool.release()
    after = state(window)
    erased = len(X) - len(after[0])
    assert erased >= 5 and stack.count() == count + 1  # one undo entry for the stroke
    # the erased rows are not at the end only: the rows put back must go to their old places
    near = np.min([np.hypot(*(X - p).T) for p in path], axis=0) <= tool.brush_radius
    assert near.sum() == erased and not near[-erased:].all()

    undo(window)
    assert_same(state(window), before)
    assert_shown(window)
    redo(window)
    assert_same(state(window), after)
    np.testing.assert_array_equal(after[0], X[~near])
    np.testing.assert_array_equal(after[2], parts[~near])
    assert_shown(window)
    undo(window)
    assert_same(state(window), before)


def test_undo_of_an_erase_after_a_paint_stroke_restores_old_and_new_points(qtbot, tmp_path):
    window = blobs_window(qtbot, tmp_path)
    before = state(window)
    tool = window.tool
    centre = before[0].mean(axis=0)
    tool.current_class = 2
    tool.brush_radius = 0.15
    tool.press(*centre)
    tool.move(*(centre + [0.3, 0.0]))
    tool.release()
    painted = state(window)
    assert len(painted[0]) > len(before[0]) and np.all(painted[1][len(before[0]):] == 2)
    # erase across the painted and the old points, one point at a time (the pick radius)
    tool.brush_radius = 0.0
    tool.pick_radius = 0.5
    tool.press(*centre, erase=True)
    tool.move(*(centre + [0.55, 0.0]))
    tool.move(*(centre + [-0.55, 0.0]))
    tool.release()
    erased = state(window)
    assert len(painted[0]) - len(erased[0]) == 3
    undo(window)
    assert_same(state(window), painted)
    undo(window)
    assert_same(state(window), before)
    redo(window)
    assert_same(state(window), painted)
    redo(window)
    assert_same(state(window), erased)
    assert_shown(window)


def test_undo_of_clear_points_restores_them_and_redo_clears_again(qtbot, tmp_path):
    window = blobs_window(qtbot, tmp_path)
    before = state(window)
    window.clear_action.trigger()  # Edit > Clear points
    assert window.model.document.dataset.n == 0
    cleared = state(window)
    undo(window)
    assert_same(state(window), before)
    assert_shown(window)
    redo(window)
    assert_same(state(window), cleared)
    assert len(window.data_view.points) == 0 and len(window.data_view.test_points) == 0
    undo(window)
    assert_same(state(window), before)


def test_undo_of_a_preset_change_restores_the_points_classes_and_parts(qtbot, tmp_path):
    window = blobs_window(qtbot, tmp_path)
    before = state(window)
    combo = window.data_panel.preset_combo
    index = combo.findData("circle")
    assert index >= 0
    combo.setCurrentIndex(index)  # a user picking the two-class "Circle" preset
    qtbot.waitUntil(lambda: window.model.document.dataset.name == "circle", timeout=3000)
    preset = state(window)
    assert preset[3] == 2 and before[3] == 3
    undo(window)
    assert_same(state(window), before)
    assert window.model.document.dataset.n_classes == 3
    assert_shown(window)
    redo(window)
    assert_same(state(window), preset)
    assert_shown(window)
    undo(window)
    assert_same(state(window), before)
