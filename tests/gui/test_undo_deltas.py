"""Undo entries of painting and erasing hold the rows that changed, and give back every
earlier state bit for bit (issue 10: the undo stack stored whole data sets per edit)."""

import numpy as np
import pytest

from playground.core.datasets import Dataset
from playground.gui.document_model import UNDO_LIMIT, DocumentModel, RowsCommand
from playground.gui.drawing import DrawingTool
from playground.session.config import ExperimentConfig
from playground.session.document import Document


def start_document(kind: str, n: int = 3000) -> Document:
    rng = np.random.default_rng(0)
    if kind == "classification":
        X = rng.uniform(-1.4, 1.4, size=(n, 2))
        dataset = Dataset(X, rng.integers(0, 3, n), kind, n_classes=3, name="drawing")
    else:
        X = rng.uniform(-1.4, 1.4, size=(n, 1))
        dataset = Dataset(X, np.sin(3 * X) + 0.1 * rng.normal(size=(n, 1)), kind, name="drawing")
    return Document.with_new_dataset(dataset, ExperimentConfig())


def state(model: DocumentModel):
    doc = model.document
    return tuple((a.dtype.str, a.shape, a.tobytes()) for a in (doc.dataset.X, doc.dataset.t, doc.parts))


def random_edits(tool: DrawingTool, n_edits: int, seed: int):
    """``n_edits`` strokes: brushes of 1 to 4 dabs that add points, clicks or drags that erase."""
    rng = np.random.default_rng(seed)
    for _ in range(n_edits):
        x, y = rng.uniform(-1.4, 1.4, size=2)
        erase = rng.random() < 0.5
        tool.brush_radius = float(rng.choice([0.0, 0.05, 0.15]))
        tool.current_class = int(rng.integers(0, 3))
        tool.press(x, y, erase=erase)
        for _ in range(int(rng.integers(0, 4))):
            x, y = x + rng.uniform(-0.3, 0.3), y + rng.uniform(-0.3, 0.3)
            tool.move(x, y)
        tool.release()
        yield


@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_200_random_edits_undo_and_redo_bit_for_bit(qapp, kind):
    model = DocumentModel(start_document(kind))
    tool = DrawingTool(model)
    tool.pick_radius = 0.05
    states = [state(model)]
    for _ in random_edits(tool, UNDO_LIMIT, seed=3):
        if state(model) != states[-1]:  # a click on empty space is no edit
            states.append(state(model))
    stack = model.undo_stack
    assert stack.count() == len(states) - 1 > 150  # one entry per stroke that changed something
    assert any(len(stack.command(i).rows) > 6 for i in range(stack.count()))  # merged dabs
    for i in range(stack.count()):
        command = stack.command(i)
        assert isinstance(command, RowsCommand) and len(command.rows) < 3000 // 4  # rows, not data sets
    for expected in reversed(states[:-1]):
        stack.undo()
        assert state(model) == expected
    assert not stack.canUndo()
    for expected in states[1:]:
        stack.redo()
        assert state(model) == expected


def test_undo_in_the_middle_of_a_stroke_then_painting_on_is_exact(qapp):
    model = DocumentModel(start_document("classification", 500))
    tool = DrawingTool(model)
    tool.brush_radius = 0.1
    tool.press(0.0, 0.0)
    tool.release()
    after_first = state(model)
    tool.press(0.5, 0.5)
    tool.move(0.8, 0.5)
    model.undo_stack.undo()  # Ctrl+Z with the button still down: the stroke so far goes
    assert state(model) == after_first
    tool.move(1.1, 0.5)  # the rest of the drag is a new entry, after the first stroke
    tool.release()
    assert model.undo_stack.count() == 2 and model.document.dataset.n == 500 + 12
    model.undo_stack.undo()
    assert state(model) == after_first


def test_an_erase_stroke_undone_gives_back_the_same_points_classes_and_parts(qapp):
    model = DocumentModel(start_document("classification", 800))
    tool = DrawingTool(model)
    before = state(model)
    tool.brush_radius = 0.3
    tool.press(-0.5, 0.0, erase=True)
    tool.move(0.0, 0.0)
    tool.move(0.5, 0.0)
    tool.release()
    assert model.undo_stack.count() == 1 and model.document.dataset.n < 800 - 50
    assert model.undo_stack.undoText().startswith("Erase ")
    after = state(model)
    model.undo_stack.undo()
    assert state(model) == before
    model.undo_stack.redo()
    assert state(model) == after


def test_strokes_around_a_clear_and_a_new_split_undo_and_redo_exactly(qapp):
    """Row entries and whole-data entries (clear, resplit) on one stack."""
    model = DocumentModel(start_document("classification", 1000))
    tool = DrawingTool(model)
    tool.pick_radius = 0.05
    states = [state(model)]

    def record():
        if state(model) != states[-1]:
            states.append(state(model))

    edits = random_edits(tool, 30, seed=5)
    for _ in range(10):
        next(edits)
        record()
    model.edit(model.document.resplit((0.5, 0.3, 0.2), seed=7), "Change split")
    record()
    for _ in range(10):
        next(edits)
        record()
    model.edit(model.document.cleared(), "Clear points")
    record()
    for _ in range(10):
        next(edits)
        record()
    stack = model.undo_stack
    assert stack.count() == len(states) - 1
    for expected in reversed(states[:-1]):
        stack.undo()
        assert state(model) == expected
    for expected in states[1:]:
        stack.redo()
        assert state(model) == expected
