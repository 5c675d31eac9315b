"""Importing official checkpoints into the user's model folder, on the inference worker.

The conversion runs in the application's process (never by re-running the
interpreter, which in a bundle is the GUI itself); the window hears of the
native file when it is written, or of the reason it could not be.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ganstudio.engine.import_checkpoint import ImportCheckpointJob
from ganstudio.engine.jobs import Job, Result

from .inference import InferenceController


class ModelImporter(QObject):
    imported = Signal(str, str)  # source, the native file written
    importFailed = Signal(str, str)  # source, the reason in plain words (starts with the file's name)

    def __init__(self, controller: InferenceController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._running: dict[int, ImportCheckpointJob] = {}
        controller.resultReady.connect(self._on_result)
        controller.failed.connect(self._on_failed)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def start(self, source: str, folder: str | Path) -> Path:
        """Convert `source` into `folder`; returns the file it will write (an existing one of that name is replaced)."""
        target = Path(folder) / (Path(source).stem + ".safetensors")
        job = ImportCheckpointJob(source=str(source), target=str(target))
        self._running[job.job_id] = job
        self.controller.submit(job)
        return target

    def _on_result(self, result: Result) -> None:
        job = self._running.pop(result.job_id, None)
        if job is not None:
            self.imported.emit(job.source, str(result.outputs.get("path", job.target)))

    def _on_failed(self, job: Job, message: str) -> None:
        if self._running.pop(job.job_id, None) is None:
            return
        # the worker's message reads "Import failed: cannot load the model: NAME: reason"; the dialog's title says the rest
        reason = message.removeprefix(f"{job.title} failed: ").removeprefix("cannot load the model: ")
        self.importFailed.emit(job.source, reason)
