"""What view-models use to run models: submit jobs, get fresh results back, shut down.

InferenceController starts the InferenceWorker on its own QThread and relays
its signals to the UI thread, dropping stale results: a result whose revision
is older than the one already delivered on its channel (or older than a floor
set with `discard_before`) never reaches the view-models. It stops the thread
when the application quits or when `shutdown()` is called.
"""
from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from ganstudio.engine.jobs import Job, LoadModelJob, Result

from .worker import InferenceWorker, RunnerFactory


class InferenceController(QObject):
    deviceReady = Signal(str, str)  # description, note
    jobStarted = Signal(object)  # Job
    resultReady = Signal(object)  # Result, fresh only
    failed = Signal(object, str)  # Job, message naming the cause
    progress = Signal(int, int, int, str)  # job_id, done, total, message
    cancelled = Signal(object)  # Job
    modelLoaded = Signal(object)  # plain dict describing the model
    modelFailed = Signal(str, str)  # path, message
    busyChanged = Signal(bool)

    def __init__(self, runner_factory: RunnerFactory | None = None, parent: QObject | None = None) -> None:
        """`runner_factory` builds the engine JobRunner on the worker thread, e.g.
        ``lambda: JobRunner(device="cuda", precision="fp32", threads=3)``; the
        default picks the device automatically and leaves one core to the UI.
        """
        super().__init__(parent)
        self._delivered: dict[str, int] = {}  # channel -> newest revision delivered
        self._floor: dict[str, int] = {}  # channel -> revisions below are stale
        self._outstanding: set[int] = set()
        self.dropped_results = 0  # stale results not delivered (for diagnostics and tests)
        self.device_description = ""
        self.device_note = ""

        # the thread is the controller's child: it cannot be deleted before the controller's
        # destroyed signal has stopped it (Python teardown deletes parentless objects in any order)
        self._thread: QThread | None = QThread(self)
        self._thread.setObjectName("ganstudio-inference")
        self._worker: InferenceWorker | None = InferenceWorker(runner_factory)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.deviceReady.connect(self._on_device_ready)
        self._worker.jobStarted.connect(self.jobStarted)
        self._worker.resultReady.connect(self._on_result)
        self._worker.failed.connect(self.failed)
        self._worker.progress.connect(self.progress)
        self._worker.cancelled.connect(self.cancelled)
        self._worker.modelLoaded.connect(self.modelLoaded)
        self._worker.modelFailed.connect(self.modelFailed)
        self._worker.jobFinished.connect(self._on_job_finished)
        # a safety net for an owner that is destroyed without calling shutdown(): the lambda
        # holds the worker and the thread, not the controller, so it still works then
        self._stop_when_destroyed = lambda *_, worker=self._worker, thread=self._thread: _stop(worker, thread)
        self.destroyed.connect(self._stop_when_destroyed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._thread.start()

    # --- actions ----------------------------------------------------------------------------

    def submit(self, job: Job) -> int:
        """Hand a job to the worker; returns its id at once. Ignored after shutdown."""
        if self._worker is None:
            return job.job_id
        was_busy = self.busy
        self._outstanding.add(job.job_id)
        replaced = self._worker.post(job)
        if replaced is not None:
            self._outstanding.discard(replaced.job_id)
        if self.busy != was_busy:
            self.busyChanged.emit(self.busy)
        return job.job_id

    def load_model(self, path: str | os.PathLike[str], **hints: Any) -> int:
        """Load a model on the worker; answers with modelLoaded or modelFailed."""
        return self.submit(LoadModelJob(model_path=os.fspath(path), hints=hints))

    def cancel(self, job_id: int) -> bool:
        """Cancel a waiting or running job (a running batch job stops between images)."""
        return self._worker is not None and self._worker.cancel(job_id)

    def discard_before(self, channel: str, revision: int) -> None:
        """Results of `channel` older than `revision` are stale from now on (e.g. a new document)."""
        self._floor[channel] = max(revision, self._floor.get(channel, revision))

    @property
    def busy(self) -> bool:
        return bool(self._outstanding)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    @Slot()
    def shutdown(self) -> None:
        """Stop the worker and wait for its thread; safe to call more than once.

        A running batch job is cancelled at its next step; a running
        interactive job is waited for (one model run).
        """
        if self._thread is None or self._worker is None:
            return
        worker, thread = self._worker, self._thread
        self._worker = None
        self.destroyed.disconnect(self._stop_when_destroyed)
        _stop(worker, thread)
        self._thread = None
        if self._outstanding:
            self._outstanding.clear()
            self.busyChanged.emit(False)

    # --- from the worker --------------------------------------------------------------------

    @Slot(str, str)
    def _on_device_ready(self, description: str, note: str) -> None:
        self.device_description, self.device_note = description, note
        self.deviceReady.emit(description, note)

    @Slot(object)
    def _on_result(self, result: Result) -> None:
        if self._worker is None:  # queued before shutdown; nobody waits for it now
            return
        newest = max(self._delivered.get(result.channel, result.revision), self._floor.get(result.channel, result.revision))
        if result.revision < newest:
            self.dropped_results += 1
            return
        self._delivered[result.channel] = result.revision
        self.resultReady.emit(result)

    @Slot(int)
    def _on_job_finished(self, job_id: int) -> None:
        if job_id in self._outstanding:
            self._outstanding.discard(job_id)
            if not self._outstanding:
                self.busyChanged.emit(False)


def _stop(worker: InferenceWorker, thread: QThread) -> None:
    worker.stop()  # the worker's loop returns...
    thread.quit()  # ...then the thread's event loop ends at once (or never starts)
    thread.wait()
