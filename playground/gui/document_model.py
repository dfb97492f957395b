"""The document as the GUI sees it: one current Document, change signals, undo.

Data edits (painting, erasing, clearing, presets, splits) go through the
QUndoStack. An undo entry swaps only the data (points and their parts) and keeps
the current configuration, so undoing a stroke never reverts a network setting
changed since.

Painting and erasing store what changed, not whole data sets (Orange's owpaintdata is
the model): a dab adds rows (an insert) or takes them away (a delete, which keeps the
rows for its inverse), and the dabs of one stroke merge into one undo entry
(``mergeWith``). Whole data sets per entry held 480 MB at 100,000 points and 200 steps
(benchmarks/undo_memory.py). Edits that change more than rows (a preset, clear, a new
split, the number of classes, an import) keep the data before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from playground.session.document import Document

UNDO_LIMIT = 200
STROKE_COMMAND_ID = 1  # QUndoCommand.id of mergeable stroke commands (-1: never merged)


@dataclass(frozen=True, eq=False)
class Rows:
    """Rows of the data: their places ``indices`` (ascending) in the larger of the two data
    sets (after an insert, before a delete), their inputs, targets and split parts."""

    indices: np.ndarray
    X: np.ndarray
    t: np.ndarray
    parts: np.ndarray

    @classmethod
    def taken_from(cls, dataset, parts, indices) -> "Rows":
        indices = np.unique(np.asarray(indices, dtype=np.intp))
        return cls(indices, dataset.X[indices], dataset.t[indices], parts[indices])

    def __len__(self) -> int:
        return len(self.indices)

    def _sorted(self) -> "Rows":
        order = np.argsort(self.indices, kind="stable")
        return Rows(self.indices[order], self.X[order], self.t[order], self.parts[order])

    def joined(self, other: "Rows", indices, other_indices) -> "Rows":
        """These rows and ``other``'s, at the given places of one data set, in order."""
        return Rows(np.concatenate([indices, other_indices]), np.concatenate([self.X, other.X]),
                    np.concatenate([self.t, other.t]), np.concatenate([self.parts, other.parts]))._sorted()


def insert_rows(dataset, parts, rows: Rows):
    """(dataset, parts) with ``rows`` put at their places; the inverse of delete_rows."""
    n = dataset.n + len(rows)
    new = np.zeros(n, dtype=bool)
    new[rows.indices] = True

    def merged(old, added):
        out = np.empty((n,) + old.shape[1:], dtype=old.dtype)
        out[new], out[~new] = added, old
        return out

    return replace(dataset, X=merged(dataset.X, rows.X), t=merged(dataset.t, rows.t)), merged(parts, rows.parts)


def delete_rows(dataset, parts, rows: Rows):
    """(dataset, parts) without the rows at ``rows.indices``; the inverse of insert_rows."""
    keep = np.ones(dataset.n, dtype=bool)
    keep[rows.indices] = False
    return replace(dataset, X=dataset.X[keep], t=dataset.t[keep]), parts[keep]


class SwapCommand(QUndoCommand):
    """An edit that changes more than rows: the data before and after, whole."""

    def __init__(self, model: "DocumentModel", before: Document, after: Document, text: str):
        super().__init__(text)
        self.model = model
        self.before = (before.dataset, before.parts)
        self.after = (after.dataset, after.parts)

    def redo(self) -> None:
        self.model._apply_data(*self.after)

    def undo(self) -> None:
        self.model._apply_data(*self.before)


class RowsCommand(QUndoCommand):
    """Rows added (``inserted``) or erased by one stroke; merges with the next dab of that stroke."""

    def __init__(self, model: "DocumentModel", rows: Rows, inserted: bool, stroke: int, result=None):
        super().__init__()
        self.model = model
        self.rows = rows
        self.inserted = inserted
        self.stroke = stroke
        self._result = result  # (dataset, parts) of the first redo when the caller has it already
        self._name()

    def _name(self) -> None:
        n = len(self.rows)
        self.setText(f"{'Add' if self.inserted else 'Erase'} {n} point{'s' if n != 1 else ''}")

    def _change(self, insert: bool) -> None:
        doc = self.model.document
        change = insert_rows if insert else delete_rows
        self.model._apply_data(*change(doc.dataset, doc.parts, self.rows))

    def redo(self) -> None:
        if self._result is not None:
            result, self._result = self._result, None
            self.model._apply_data(*result)
            return
        self._change(self.inserted)

    def undo(self) -> None:
        self._change(not self.inserted)

    def id(self) -> int:  # noqa: A003 (Qt name)
        return STROKE_COMMAND_ID

    def mergeWith(self, other) -> bool:  # noqa: N802 (Qt name)
        """Take in the next dab of the same stroke (already applied): the rows of both, at their
        places in the data after both (inserts) or before both (deletes)."""
        if not isinstance(other, RowsCommand) or other.stroke != self.stroke or other.inserted != self.inserted:
            return False
        first, second = self.rows, other.rows
        if self.inserted:
            # the first dab's rows moved to where the rows that were there before the second dab went
            untouched = np.ones(self.model.document.dataset.n, dtype=bool)
            untouched[second.indices] = False
            self.rows = first.joined(second, np.flatnonzero(untouched)[first.indices], second.indices)
        else:
            # the second dab's indices count the rows the first left: map them back
            n_before = self.model.document.dataset.n + len(first) + len(second)
            left = np.ones(n_before, dtype=bool)
            left[first.indices] = False
            self.rows = first.joined(second, first.indices, np.flatnonzero(left)[second.indices])
        self._name()
        return True


class DocumentModel(QObject):
    sigDocumentChanged = Signal(object, object)  # (new document, old document)

    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self._document = document
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)

    @property
    def document(self) -> Document:
        return self._document

    def _set(self, document: Document) -> None:
        if document is self._document:
            return
        old, self._document = self._document, document
        self.sigDocumentChanged.emit(document, old)

    def _apply_data(self, dataset, parts) -> None:
        if dataset is self._document.dataset and parts is self._document.parts:
            return
        self._set(replace(self._document, dataset=dataset, parts=parts))

    def edit(self, document: Document, text: str) -> None:
        """A data edit with an undo entry that keeps the data before and after."""
        if document is self._document:
            return
        self.undo_stack.push(SwapCommand(self, self._document, document, text))
        self._set(document)  # a config part of the edit (e.g. a preset's settings) is kept too

    def add_points(self, document: Document, stroke: int) -> None:
        """``document`` is the current one with points appended (Document.with_points): an undo
        entry of the new rows, merged with the other dabs of ``stroke``."""
        n = self._document.dataset.n
        if document.dataset.n == n:
            return
        new = np.arange(n, document.dataset.n)
        rows = Rows.taken_from(document.dataset, document.parts, new)
        result = (document.dataset, document.parts)  # the same rows, already appended
        self.undo_stack.push(RowsCommand(self, rows, inserted=True, stroke=stroke, result=result))

    def erase_points(self, indices, stroke: int) -> None:
        """Erase the current points at ``indices``: an undo entry that keeps them, merged with
        the other dabs of ``stroke``."""
        doc = self._document
        rows = Rows.taken_from(doc.dataset, doc.parts, indices)
        if len(rows):
            self.undo_stack.push(RowsCommand(self, rows, inserted=False, stroke=stroke))

    def set_config(self, config) -> None:
        """Configuration changes are not undoable data edits."""
        self._set(self._document.with_config(config))

    def reset(self, document: Document) -> None:
        """A new or opened document: forget the undo history."""
        self.undo_stack.clear()
        self._set(document)
