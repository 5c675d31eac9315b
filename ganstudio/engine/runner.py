"""Runs one job to a Result: finds its model and session, applies the device policy.

The Qt worker (ganstudio.app.worker) is a thin loop around a JobRunner, so all
of this is testable without a thread or an event loop. Used from one thread.
"""
from __future__ import annotations

import importlib
import os
import time
from collections import OrderedDict
from typing import Any, Hashable, Mapping

import torch

from .device import Attempt, Runtime, choose_device, empty_device_cache, run_with_oom_fallback, runtime_for
from .jobs import Job, Result
from .model_cache import PRECISION_HINT, ModelCache, ReadyModel
from .precision import PrecisionPolicy
from .session import RunContext, Session, plain


def resolve_session(job: Job) -> type[Session]:
    """The Session class a job names ("package.module:Class" or the class itself)."""
    target = type(job).session
    if isinstance(target, str):
        module_name, _, class_name = target.partition(":")
        target = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(target, type) and issubclass(target, Session)):
        raise TypeError(f"{type(job).__name__} names no Session to run it (session = {type(job).session!r})")
    return target


class JobRunner:
    """Owns the device choice, the model cache and the live sessions."""

    def __init__(
        self,
        device: str = "auto",
        precision: str = "auto",
        cache: ModelCache | None = None,
        max_sessions: int = 8,
        threads: int | None = None,
        policy: PrecisionPolicy | None = None,
    ) -> None:
        """`policy` measures each model's precision (the app passes one); without it the unmeasured default applies."""
        if threads is not None:
            # process-wide; the worker passes device.worker_thread_count() to spare the UI a core
            torch.set_num_threads(threads)
        self.choice = choose_device(device)
        self.device = self.choice.device
        self.precision = precision
        self.cache = cache if cache is not None else ModelCache(precision=precision, policy=policy)
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[tuple[type[Session], Hashable], Session] = OrderedDict()
        self._hints: dict[str, dict[str, Any]] = {}  # resolved path -> hints of its last load
        self._on_cpu: set[str] = set()  # resolved paths that ran out of GPU memory
        self._active: list[Session] = []  # sessions inside run(); a batch job lets others run between its steps

    # --- models ---------------------------------------------------------------------------

    def load(self, path: str, hints: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Load a model (or find it cached) and describe it; raises CheckpointError."""
        resolved = os.path.realpath(path)
        if hints is not None:
            hints = dict(hints)
            if set(hints) == {PRECISION_HINT}:  # the Model menu switched precision: the file's other hints stay
                hints = {**self._hints.get(resolved, {}), **hints}
            self._hints[resolved] = hints
        self._on_cpu.discard(resolved)  # an explicit load tries the chosen device again
        return self._model(path).info()

    def _model(self, path: str) -> ReadyModel:
        resolved = os.path.realpath(path)
        device = torch.device("cpu") if resolved in self._on_cpu else self.device
        # a job run between the steps of a batch job is inside that job's inference mode; weights
        # made there would be inference tensors, which have no version counter for caches to key on
        with torch.inference_mode(False):
            ready = self.cache.get(path, device, self._hints.get(resolved, {}))
        self._forget_sessions_of_evicted_models()
        return ready

    def _forget_sessions_of_evicted_models(self) -> None:
        live = set(self.cache.keys())
        for key in [key for key in self._sessions if key[1] is not None and key[1] not in live]:
            del self._sessions[key]

    # --- sessions -------------------------------------------------------------------------

    def _session(self, cls: type[Session], ready: ReadyModel | None) -> Session:
        key = (cls, None if ready is None else ready.key)
        session = self._sessions.get(key)
        if session is not None and any(session is active for active in self._active):
            # a job running between the steps of a batch job on the same session gets its own,
            # so that no session is ever re-entered in the middle of a run
            return cls(ready, session.runtime)
        if session is None:
            runtime = ready.runtime if ready is not None else runtime_for(self.device, "", self.precision)
            session = cls(ready, runtime)
            self._sessions[key] = session
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        else:
            self._sessions.move_to_end(key)
        return session

    def _fall_back_to_cpu(self, session: Session) -> None:
        """Move a session to a CPU copy of its model after the GPU ran out of memory.

        Later jobs on that file run on the CPU too (trying the GPU again would
        only run out again) until the model is loaded anew.
        """
        cpu = torch.device("cpu")
        if session.model is None:
            session.rebind(None, Runtime(cpu))
            return
        gpu_key, gpu_device = session.model.key, session.runtime.device
        path = session.model.loaded.path
        self._on_cpu.add(os.path.realpath(path))
        self.cache.discard(gpu_key)  # first, so the CPU copy does not push another model out
        cpu_ready = self._model(path)
        session.rebind(cpu_ready, cpu_ready.runtime)  # drops the last reference to the GPU copy
        self._sessions[(type(session), cpu_ready.key)] = session
        empty_device_cache(gpu_device)

    # --- running --------------------------------------------------------------------------

    def run(self, job: Job, ctx: RunContext | None = None) -> Result:
        """Run a session job and return its Result (outputs as numpy / plain Python).

        Raises CheckpointError when its model cannot be loaded, Cancelled when
        cancelled, OutOfDeviceMemory when every fallback ran out of memory,
        and whatever the session raises.
        """
        ctx = ctx or RunContext(job)
        started = time.perf_counter()
        cls = resolve_session(job)
        ready = self._model(job.model_path) if job.model_path else None
        session = self._session(cls, ready)
        del ready  # the session holds the model; a CPU fallback must be able to free it
        ctx.check()
        device = session.runtime.device
        lower_cost = None
        if cls.lower_cost_label:
            lower_cost = Attempt(lambda: session.run_lower_cost(job, ctx), cls.lower_cost_label)

        def on_cpu() -> Mapping[str, Any]:
            self._fall_back_to_cpu(session)
            return session.run(job, ctx)

        self._active.append(session)
        try:
            # the model's precision (autocast) covers every network the session runs, parts included
            with torch.inference_mode(), session.runtime.autocast_context():
                outcome = run_with_oom_fallback(
                    lambda: session.run(job, ctx),
                    lower_cost=lower_cost,
                    on_cpu=on_cpu if device.type != "cpu" else None,
                    device=device,
                )
                outputs = plain(dict(outcome.result))
        finally:
            self._active.pop()
        return Result(
            job_id=job.job_id,
            channel=job.channel,
            revision=job.revision,
            outputs=outputs,
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
            note=outcome.note,
            device=session.runtime.describe(),
        )

