"""The document as the GUI sees it: one current Document, change signals, undo.

Data edits (painting, erasing, clearing, presets, splits) go through the
QUndoStack. An undo entry swaps only the data (points and their parts) and keeps
the current configuration, so undoing a stroke never reverts a network setting
changed since.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from playground.session.document import Document

UNDO_LIMIT = 200


class DataCommand(QUndoCommand):
    def __init__(self, model: "DocumentModel", before: Document, after: Document, text: str):
        super().__init__(text)
        self.model = model
        self.before = (before.dataset, before.parts)
        self.after = (after.dataset, after.parts)

    def redo(self) -> None:
        self.model._apply_data(*self.after)

    def undo(self) -> None:
        self.model._apply_data(*self.before)


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
        """A data edit with an undo entry."""
        if document is self._document:
            return
        self.undo_stack.push(DataCommand(self, self._document, document, text))
        self._set(document)  # a config part of the edit (e.g. a preset's settings) is kept too

    def preview(self, document: Document) -> None:
        """Show an edit in progress (a brush stroke) without an undo entry yet."""
        self._set(document)

    def commit(self, before: Document, text: str) -> None:
        """Record everything since ``before`` (a finished stroke) as one undo entry."""
        if before.dataset is not self._document.dataset:
            self.undo_stack.push(DataCommand(self, before, self._document, text))

    def set_config(self, config) -> None:
        """Configuration changes are not undoable data edits."""
        self._set(self._document.with_config(config))

    def reset(self, document: Document) -> None:
        """A new or opened document: forget the undo history."""
        self.undo_stack.clear()
        self._set(document)
