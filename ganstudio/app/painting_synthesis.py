"""Connects the painting view-model to the inference worker: requests become PaintJobs, results come back.

It is also the painting workspace's model slot (see ModelSlot): a model
becomes current only once the worker has loaded it successfully and it is a
painting model, so a bad file leaves the previous model in place.

While a stroke goes on, each preview that arrives asks for the next one when
the map has changed since, so previews come as fast as the model renders them
(the view-model's timer only starts the chain). When the full picture is asked
for (the stroke ended), a preview still running is cancelled: it stops at its
next block and the full picture starts at once.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from ganstudio import families
from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.painting import PaintJob

from .inference import InferenceController
from .model_slot import ModelSlot
from .painting_viewmodel import PaintingViewModel, PaintRequest

CHANNEL = "canvas"
# the architectures that paint from a label map (SPADE, SEAN, OASIS), from the family declarations
PAINTING_MODEL_ARCHS = families.archs_for_workspace("paint")


def rerolls_noise(info: dict[str, Any] | None) -> bool:
    """Whether a loaded model's picture comes from re-rollable 3D noise (OASIS, unless trained without it)."""
    if not info or "noise_reroll" not in families.capabilities_of(info):
        return False
    config = info.get("config")
    return not (isinstance(config, dict) and config.get("no_3dnoise", False))


class PaintingSynthesis(ModelSlot):
    synthesisFailed = Signal(str)
    outputArrived = Signal(int, float)  # revision, elapsed ms

    def __init__(self, viewmodel: PaintingViewModel, controller: InferenceController, parent: QObject | None = None) -> None:
        super().__init__(controller, PAINTING_MODEL_ARCHS, families.needs_message("paint"), parent)
        self.vm = viewmodel
        # before the window's own handlers: the docks read the view-model's noise availability when told of the model
        self.modelChanged.connect(self._tell_viewmodel)
        viewmodel.synthesisRequested.connect(self._submit)
        controller.resultReady.connect(self._on_result)
        controller.failed.connect(self._on_job_failed)
        controller.jobStarted.connect(self._on_job_started)
        self._running_preview: int | None = None  # id of our preview the worker is running

    def _tell_viewmodel(self, info: dict[str, Any] | None) -> None:
        self.vm.model_arch = str(info.get("arch", "")) if info else ""
        self.vm.set_noise_available(rerolls_noise(info))

    def _submit(self, request: PaintRequest) -> None:
        if not self.path:
            return
        if not request.preview and self._running_preview is not None:
            self.controller.cancel(self._running_preview)  # its picture is already out of date
            self._running_preview = None
        self.controller.submit(
            PaintJob(labels=request.labels, revision=request.revision, preview=request.preview, style=request.style, model_path=self.path)
        )

    def _on_job_started(self, job: Job) -> None:
        if isinstance(job, PaintJob) and job.channel == CHANNEL:
            self._running_preview = job.job_id if job.preview else None

    def _on_result(self, result: Result) -> None:
        if result.channel != CHANNEL or "image" not in result.outputs:
            return
        if result.job_id == self._running_preview:
            self._running_preview = None
        if self.vm.accept_output(result.revision, result.outputs["image"], result.elapsed_ms):
            self.outputArrived.emit(result.revision, result.elapsed_ms)
        if result.outputs.get("preview", False) and self.vm.stroke_active and self.vm.revision > result.revision:
            self.vm.request_synthesis(preview=True)  # the next preview at once: the map moved on meanwhile

    def _on_job_failed(self, job: Job, message: str) -> None:
        if isinstance(job, PaintJob):
            self.synthesisFailed.emit(message)
