"""Connects the painting view-model to the inference worker: requests become PaintJobs, results come back.

Also holds which painting model is current. A model becomes current only
once the worker has loaded it successfully, so a bad file leaves the previous
model in place.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.painting import PaintJob

from .inference import InferenceController
from .model_library import PAINTING_ARCHS
from .painting_viewmodel import PaintingViewModel, PaintRequest

CHANNEL = "canvas"


class PaintingSynthesis(QObject):
    modelChanged = Signal(object)  # info dict of the current painting model, or None
    modelRejected = Signal(str, str)  # path, reason (not loadable, or not a painting model)
    synthesisFailed = Signal(str)
    outputArrived = Signal(int, float)  # revision, elapsed ms

    def __init__(self, viewmodel: PaintingViewModel, controller: InferenceController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.controller = controller
        self.model_info: dict[str, Any] | None = None
        # asked before a loaded model becomes current: returns why it cannot be used, or None
        self.check_model: Callable[[dict[str, Any]], str | None] = lambda _info: None
        self._pending_load: set[str] = set()
        viewmodel.synthesisRequested.connect(self._submit)
        controller.resultReady.connect(self._on_result)
        controller.failed.connect(self._on_failed)
        controller.modelLoaded.connect(self._on_model_loaded)
        controller.modelFailed.connect(self._on_model_failed)

    @property
    def model_path(self) -> str:
        return "" if self.model_info is None else str(self.model_info.get("path", ""))

    @property
    def arch(self) -> str:
        return "" if self.model_info is None else str(self.model_info.get("arch", ""))

    def load(self, path: str, **hints: Any) -> None:
        self._pending_load.add(path)
        self.controller.load_model(path, **hints)

    def _submit(self, request: PaintRequest) -> None:
        if not self.model_path:
            return
        self.controller.submit(
            PaintJob(labels=request.labels, revision=request.revision, preview=request.preview, style=request.style, model_path=self.model_path)
        )

    def _on_result(self, result: Result) -> None:
        if result.channel != CHANNEL or "image" not in result.outputs:
            return
        if self.vm.accept_output(result.revision, result.outputs["image"], result.elapsed_ms):
            self.outputArrived.emit(result.revision, result.elapsed_ms)

    def _on_failed(self, job: Job, message: str) -> None:
        if isinstance(job, PaintJob):
            self.synthesisFailed.emit(message)

    def _on_model_loaded(self, info: dict[str, Any]) -> None:
        path = str(info.get("path", ""))
        requested = next((p for p in self._pending_load if _same_file(p, path)), None)
        if requested is None:
            return  # loaded for another workspace
        self._pending_load.discard(requested)
        if info.get("arch") not in PAINTING_ARCHS:
            self.modelRejected.emit(path, f"it is a {info.get('arch')} model; painting needs a SPADE or SEAN model")
            return
        reason = self.check_model(info)
        if reason:
            self.modelRejected.emit(path, reason)
            return
        self.model_info = dict(info)
        self.modelChanged.emit(self.model_info)

    def _on_model_failed(self, path: str, message: str) -> None:
        requested = next((p for p in self._pending_load if _same_file(p, path)), None)
        if requested is not None:
            self._pending_load.discard(requested)
            self.modelRejected.emit(path, message)

    def unload(self) -> None:
        self.model_info = None
        self.modelChanged.emit(None)


def _same_file(a: str, b: str) -> bool:
    import os

    return os.path.realpath(a) == os.path.realpath(b)
