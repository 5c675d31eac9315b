"""The inference worker: one QObject on one QThread owns torch, the models and the sessions.

Its loop blocks on the job mailbox (not on the thread's event loop), so
everything the UI thread calls on it (`post`, `cancel`, `stop`) is plain
thread-safe Python; everything it reports goes out as queued signals carrying
numpy arrays and plain Python only. Use it through InferenceController.

Every job ends in exactly one of resultReady, failed or cancelled, then
jobFinished; a LoadModelJob ends in modelLoaded or modelFailed instead. An
interactive job replaced while waiting gets no signal (`post` returns it).
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from PySide6.QtCore import QObject, Signal, Slot

from ganstudio.checkpoints import CheckpointError
from ganstudio.engine.device import worker_thread_count
from ganstudio.engine.jobs import Job, LoadModelJob, Progress
from ganstudio.engine.mailbox import JobMailbox
from ganstudio.engine.pauses import freeze_long_lived_objects
from ganstudio.engine.runner import JobRunner
from ganstudio.engine.session import CancelToken, Cancelled, RunContext

log = logging.getLogger(__name__)

RunnerFactory = Callable[[], JobRunner]
MAX_MESSAGE = 400


def failure_message(job: Job, exc: BaseException) -> str:
    """A one-line, user-facing description of why a job failed, naming the cause."""
    if isinstance(exc, CheckpointError):
        return f"{job.title} failed: cannot load the model: {exc}"
    lines = str(exc).strip().splitlines()
    detail = lines[0] if lines else ""
    if isinstance(exc, ValueError) and detail:
        cause = detail  # sessions raise ValueError with a message in our words about the input
    else:
        cause = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    if len(cause) > MAX_MESSAGE:
        cause = cause[: MAX_MESSAGE - 1] + "…"
    return f"{job.title} failed: {cause}"


class InferenceWorker(QObject):
    deviceReady = Signal(str, str)  # description ("CPU (1 thread)"), note (why not the requested device)
    jobStarted = Signal(object)  # Job
    resultReady = Signal(object)  # engine.jobs.Result
    failed = Signal(object, str)  # Job, message naming the cause
    progress = Signal(int, int, int, str)  # job_id, done, total, message
    cancelled = Signal(object)  # Job
    modelLoaded = Signal(object)  # plain dict, see ReadyModel.info()
    modelFailed = Signal(str, str)  # path, CheckpointError message
    jobFinished = Signal(int)  # job_id, after any of the outcomes above

    def __init__(self, runner_factory: RunnerFactory | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner_factory = runner_factory or (lambda: JobRunner(threads=worker_thread_count()))
        self._mailbox = JobMailbox()
        self._lock = threading.Lock()
        self._tokens: dict[int, CancelToken] = {}
        self._runner: JobRunner | None = None

    # --- called from the UI thread ----------------------------------------------------------

    def post(self, job: Job) -> Job | None:
        """Queue a job; returns the interactive job it replaced (which will never run).

        Raises engine.mailbox.MailboxClosed once the worker has stopped.
        """
        with self._lock:
            self._tokens[job.job_id] = CancelToken()
        replaced = self._mailbox.put(job)
        if replaced is not None:
            with self._lock:
                self._tokens.pop(replaced.job_id, None)
        return replaced

    def cancel(self, job_id: int) -> bool:
        """Cancel a waiting or running job. A running one stops at its next step."""
        with self._lock:
            token = self._tokens.get(job_id)
        if token is None:
            return False
        token.cancel()
        for job in self._mailbox.discard(lambda waiting: waiting.job_id == job_id):
            self._forget(job.job_id)
            self.cancelled.emit(job)
            self.jobFinished.emit(job.job_id)
        return True

    def stop(self) -> None:
        """End the loop: waiting jobs are dropped, a running batch job is cancelled."""
        self._mailbox.close()
        with self._lock:
            tokens = list(self._tokens.values())
        for token in tokens:
            token.cancel()

    # --- the worker thread ------------------------------------------------------------------

    @Slot()
    def run(self) -> None:
        """The loop, started by QThread.started; returns after `stop()`."""
        try:
            self._runner = self._runner_factory()
            freeze_long_lived_objects()  # torch and Qt are loaded: keep full GC passes short
            self.deviceReady.emit(self._runner.choice.description, self._runner.choice.note)
        except Exception as exc:  # no usable torch/device: every job will say so
            log.exception("could not start the inference runner")
            startup_error = exc
        else:
            startup_error = None
        while (job := self._mailbox.take()) is not None:
            self._process(job, startup_error)
        # no signal here: at interpreter exit Qt may already have deleted this object; the
        # controller that stopped the loop ends the thread itself
        self._runner = None  # models go with the thread that used them

    def _process(self, job: Job, startup_error: BaseException | None = None) -> None:
        with self._lock:
            token = self._tokens.get(job.job_id) or CancelToken()
        try:
            if token.cancelled:
                raise Cancelled()
            self.jobStarted.emit(job)
            if startup_error is not None:
                raise startup_error
            assert self._runner is not None
            if isinstance(job, LoadModelJob):
                self._load(job)
            else:
                ctx = RunContext(
                    job,
                    token,
                    report=self._report,
                    # a batch job lets waiting interactive jobs through between its steps
                    between_steps=None if job.interactive else self._run_waiting_interactive,
                )
                self.resultReady.emit(self._runner.run(job, ctx))
        except Cancelled:
            self.cancelled.emit(job)
        except Exception as exc:
            log.warning("%s (job %d) failed", job.title, job.job_id, exc_info=True)
            self.failed.emit(job, failure_message(job, exc))
        finally:
            self._forget(job.job_id)
            self.jobFinished.emit(job.job_id)

    def _load(self, job: LoadModelJob) -> None:
        assert self._runner is not None
        try:
            info = self._runner.load(job.model_path, job.hints)
        except CheckpointError as exc:
            self.modelFailed.emit(exc.path, str(exc))
            return
        except Exception as exc:  # e.g. a model class failing to build: still name the file
            self.modelFailed.emit(job.model_path, f"{job.model_path}: {failure_message(job, exc)}")
            return
        self.modelLoaded.emit(info)

    def _run_waiting_interactive(self) -> None:
        while (job := self._mailbox.take(timeout=0, interactive_only=True)) is not None:
            self._process(job)

    def _report(self, progress: Progress) -> None:
        self.progress.emit(progress.job_id, progress.done, progress.total, progress.message)

    def _forget(self, job_id: int) -> None:
        with self._lock:
            self._tokens.pop(job_id, None)
