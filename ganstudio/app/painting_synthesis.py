"""Connects the painting view-model to the inference worker: requests become PaintJobs, results come back.

It is also the painting workspace's model slot (see ModelSlot): a model
becomes current only once the worker has loaded it successfully and it is a
painting model, so a bad file leaves the previous model in place.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.painting import PaintJob

from .inference import InferenceController
from .model_library import PAINTING_ARCHS
from .model_slot import ModelSlot
from .painting_viewmodel import PaintingViewModel, PaintRequest

CHANNEL = "canvas"


class PaintingSynthesis(ModelSlot):
    synthesisFailed = Signal(str)
    outputArrived = Signal(int, float)  # revision, elapsed ms

    def __init__(self, viewmodel: PaintingViewModel, controller: InferenceController, parent: QObject | None = None) -> None:
        super().__init__(controller, PAINTING_ARCHS, "painting needs a SPADE or SEAN model", parent)
        self.vm = viewmodel
        viewmodel.synthesisRequested.connect(self._submit)
        controller.resultReady.connect(self._on_result)
        controller.failed.connect(self._on_job_failed)

    def _submit(self, request: PaintRequest) -> None:
        if not self.path:
            return
        self.controller.submit(
            PaintJob(labels=request.labels, revision=request.revision, preview=request.preview, style=request.style, model_path=self.path)
        )

    def _on_result(self, result: Result) -> None:
        if result.channel != CHANNEL or "image" not in result.outputs:
            return
        if self.vm.accept_output(result.revision, result.outputs["image"], result.elapsed_ms):
            self.outputArrived.emit(result.revision, result.elapsed_ms)

    def _on_job_failed(self, job: Job, message: str) -> None:
        if isinstance(job, PaintJob):
            self.synthesisFailed.emit(message)
