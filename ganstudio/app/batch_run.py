"""One folder job on the worker: whether it can start, then, from the UI thread, progress with ETA, cancel, a summary.

The summary is a plain dict: ``written`` (paths), ``skipped`` ((path, reason)
pairs), ``cancelled`` (bool) and, when the job failed outright, ``error``.
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from ganstudio.engine.jobs import Job, Result

from .image_files import Notice, folder_inputs
from .inference import InferenceController


def eta_seconds(fraction: float, elapsed: float) -> float | None:
    """Seconds left at a constant rate, or None before there is anything to go by."""
    if fraction <= 0.0 or elapsed <= 0.0:
        return None
    return max(0.0, elapsed * (1.0 - fraction) / fraction)


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "estimating..."
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s left"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s left"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min left"


class BatchRun(QObject):
    started = Signal()
    progressChanged = Signal(float, str, str)  # fraction, message, ETA text
    finished = Signal(object)  # summary dict
    runningChanged = Signal(bool)

    def __init__(self, controller: InferenceController, parent: QObject | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.controller = controller
        self.job_id: int | None = None
        self.fraction = 0.0
        self.message = ""
        self.eta: float | None = None
        self.summary: dict[str, Any] | None = None
        self._clock = clock
        self._started_at = 0.0
        self._revision = 0
        controller.progress.connect(self._on_progress)
        controller.resultReady.connect(self._on_result)
        controller.cancelled.connect(self._on_cancelled)
        controller.failed.connect(self._on_failed)

    @property
    def running(self) -> bool:
        return self.job_id is not None

    def next_revision(self) -> int:
        self._revision += 1
        return self._revision

    def inputs_to_start(self, model_path: str, input_folder: str | os.PathLike[str], template: str, notice: Notice, *,
                        no_model: str, busy: str = "A folder run is already going on") -> tuple[str, ...] | None:
        """The files a new folder run would read, or None after telling `notice` why it cannot start.

        It cannot without a model (`no_model` says which kind to open), while
        another run goes on (`busy`), or when the output-name template or the
        folder is not usable.
        """
        if not model_path:
            notice(no_model)
            return None
        if self.running:
            notice(busy)
            return None
        return folder_inputs(input_folder, template, notice)

    def start(self, job: Job) -> int:
        """Submit a batch job (built with `revision=self.next_revision()`); one run at a time."""
        if self.running:
            raise RuntimeError("a folder run is already going on")
        self.summary = None
        self.fraction, self.message, self.eta = 0.0, "starting...", None
        self._started_at = self._clock()
        self.job_id = self.controller.submit(job)
        self.started.emit()
        self.runningChanged.emit(True)
        self.progressChanged.emit(0.0, self.message, format_eta(None))
        return self.job_id

    def cancel(self) -> bool:
        """Ask the running job to stop between tiles; files finished so far stay."""
        return self.job_id is not None and self.controller.cancel(self.job_id)

    def _on_progress(self, job_id: int, done: int, total: int, message: str) -> None:
        if job_id != self.job_id:
            return
        self.fraction = 0.0 if total <= 0 else min(1.0, done / total)
        self.message = message
        self.eta = eta_seconds(self.fraction, self._clock() - self._started_at)
        self.progressChanged.emit(self.fraction, message, format_eta(self.eta))

    def _finish(self, summary: dict[str, Any]) -> None:
        self.job_id = None
        self.summary = summary
        self.runningChanged.emit(False)
        self.finished.emit(summary)

    def _on_result(self, result: Result) -> None:
        if result.job_id == self.job_id:
            outputs = dict(result.outputs)
            outputs.setdefault("written", [])
            outputs.setdefault("skipped", [])
            outputs.setdefault("cancelled", False)
            self._finish(outputs)

    def _on_cancelled(self, job: Job) -> None:
        if job.job_id == self.job_id:  # cancelled before it started: nothing was written
            self._finish({"written": [], "skipped": [], "cancelled": True})

    def _on_failed(self, job: Job, message: str) -> None:
        if job.job_id == self.job_id:
            self._finish({"written": [], "skipped": [], "cancelled": False, "error": message})
