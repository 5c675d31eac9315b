"""Connects the painting view-model to the inference worker: requests become PaintJobs, results come back.

It is also the painting workspace's model slot (see ModelSlot): a model
becomes current only once the worker has loaded it successfully and it is a
painting model, so a bad file leaves the previous model in place.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.painting import PaintJob

from .inference import InferenceController
from .model_slot import ModelSlot
from .painting_viewmodel import PaintingViewModel, PaintRequest

CHANNEL = "canvas"
# The architectures that paint from a label map. model_library.PAINTING_ARCHS lacks OASIS and is being
# replaced by per-family declarations; until then painting accepts its own list here.
PAINTING_MODEL_ARCHS = ("spade", "sean", "oasis")


def rerolls_noise(info: dict[str, Any] | None) -> bool:
    """Whether a loaded model's picture comes from re-rollable 3D noise (OASIS trained with it)."""
    return bool(info and info.get("arch") == "oasis" and not (info.get("config") or {}).get("no_3dnoise", False))


class PaintingSynthesis(ModelSlot):
    synthesisFailed = Signal(str)
    outputArrived = Signal(int, float)  # revision, elapsed ms

    def __init__(self, viewmodel: PaintingViewModel, controller: InferenceController, parent: QObject | None = None) -> None:
        super().__init__(controller, PAINTING_MODEL_ARCHS, "painting needs a SPADE, SEAN or OASIS model", parent)
        self.vm = viewmodel
        # before the window's own handlers: the docks read the view-model's noise availability when told of the model
        self.modelChanged.connect(lambda info: viewmodel.set_noise_available(rerolls_noise(info)))
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
