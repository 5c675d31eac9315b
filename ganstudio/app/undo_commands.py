"""Undo commands for the painting document: one document EditRecord (tight bbox patches) per edit, one noise state per re-roll."""
from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QUndoCommand

from ganstudio.document.bbox import BBox
from ganstudio.document.edits import EditRecord
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.oasis_noise import NoiseState

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


class NoiseCommand(QUndoCommand):
    """Switch the OASIS noise between two states (a re-roll, Re-roll all, a new base seed).

    The states are immutable and small (seeds, class ids, shared read-only masks),
    so the command keeps both; push() applies `after` through redo().
    """

    def __init__(self, text: str, before: NoiseState, after: NoiseState, apply: Callable[[NoiseState], None]) -> None:
        super().__init__(text)
        self.before = before
        self.after = after
        self._apply = apply

    def undo(self) -> None:
        self._apply(self.before)

    def redo(self) -> None:
        self._apply(self.after)

    @property
    def stored_bytes(self) -> int:
        return sum(r.mask.nbytes for state in (self.before, self.after) for r in state.rerolls if r.mask is not None)
