"""Undo commands for the painting document: one bounding-box patch per edit."""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtGui import QUndoCommand

# (y0, x0, patch) -> None: writes `patch` into the label map at (y0, x0) and
# announces the change; owned by the view-model.
PatchWriter = Callable[[int, int, np.ndarray], None]


class LabelPatchCommand(QUndoCommand):
    """Swap a rectangle of the label map between its before and after states.

    Only the touched rectangle is stored (never the whole map). The edit is
    already on the map when the command is pushed, so the first redo() that
    QUndoStack.push() performs does nothing.
    """

    def __init__(self, text: str, y0: int, x0: int, before: np.ndarray, after: np.ndarray, write: PatchWriter) -> None:
        super().__init__(text)
        if before.shape != after.shape:
            raise ValueError("before and after patches differ in shape")
        self.y0, self.x0 = int(y0), int(x0)
        self.before = before
        self.after = after
        self._write = write
        self._applied = True

    def undo(self) -> None:
        self._write(self.y0, self.x0, self.before)
        self._applied = False

    def redo(self) -> None:
        if self._applied:
            return
        self._write(self.y0, self.x0, self.after)
        self._applied = True

    @property
    def stored_bytes(self) -> int:
        return int(self.before.nbytes + self.after.nbytes)
