"""The current model of one workspace: asks the worker to load a file, accepts only the right kind.

The worker announces every loaded model to everyone, so a slot only takes the
answers to its own requests. A model becomes current only once it loaded, its
architecture fits and the optional `accept` check passes; otherwise the
previous one stays and the slot says why.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Sequence

from PySide6.QtCore import QObject, Signal

from .inference import InferenceController


class ModelSlot(QObject):
    modelChanged = Signal(object)  # info dict (see ReadyModel.info) or None
    modelRejected = Signal(str, str)  # path, reason

    def __init__(self, controller: InferenceController, archs: Sequence[str], purpose: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.archs = tuple(archs)
        self.purpose = purpose  # "attribute editing needs a StarGAN model"
        self.info: dict[str, Any] | None = None
        # asked before a loaded model of the right kind becomes current: why it cannot be used, or None
        self.accept: Callable[[dict[str, Any]], str | None] | None = None
        self._pending: set[str] = set()
        controller.modelLoaded.connect(self._on_loaded)
        controller.modelFailed.connect(self._on_failed)

    @property
    def path(self) -> str:
        return "" if self.info is None else str(self.info.get("path", ""))

    @property
    def arch(self) -> str:
        return "" if self.info is None else str(self.info.get("arch", ""))

    def load(self, path: str | os.PathLike[str], **hints: Any) -> None:
        path = os.fspath(path)
        self._pending.add(path)
        self.controller.load_model(path, **hints)

    def _claim(self, path: str) -> bool:
        requested = next((p for p in self._pending if os.path.realpath(p) == os.path.realpath(path)), None)
        if requested is None:
            return False
        self._pending.discard(requested)
        return True

    def _on_loaded(self, info: dict[str, Any]) -> None:
        path = str(info.get("path", ""))
        if not self._claim(path):
            return
        if info.get("arch") not in self.archs:
            self.modelRejected.emit(path, f"it is a {info.get('arch')} model; {self.purpose}")
            return
        reason = self.accept(info) if self.accept is not None else None
        if reason:
            self.modelRejected.emit(path, reason)
            return
        self.info = dict(info)
        self.modelChanged.emit(self.info)

    def _on_failed(self, path: str, message: str) -> None:
        if self._claim(path):
            self.modelRejected.emit(path, message)
