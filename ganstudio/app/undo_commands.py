"""Undo commands for the painting document: one document EditRecord (tight bbox patches) per edit."""
from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QUndoCommand

from ganstudio.document.bbox import BBox
from ganstudio.document.edits import EditRecord
from ganstudio.document.labelmap import LabelMap

# Called after undo/redo wrote a patch, with the box it wrote; owned by the view-model.
PatchWritten = Callable[[BBox], None]


class LabelEditCommand(QUndoCommand):
    """Swap an EditRecord's box of the label map between its before and after patches.

    The edit is already on the map when the command is pushed, so the first
    redo() that QUndoStack.push() performs does nothing. (Replacing the whole
    map clears the undo stack, so a command never outlives its map.)
    """

    def __init__(self, text: str, record: EditRecord, labelmap: LabelMap, written: PatchWritten) -> None:
        super().__init__(text)
        self.record = record
        self._labelmap = labelmap
        self._written = written
        self._applied = True

    def undo(self) -> None:
        self.record.undo(self._labelmap)
        self._applied = False
        self._written(self.record.bbox)

    def redo(self) -> None:
        if self._applied:
            return
        self.record.redo(self._labelmap)
        self._applied = True
        self._written(self.record.bbox)

    @property
    def stored_bytes(self) -> int:
        return self.record.nbytes
