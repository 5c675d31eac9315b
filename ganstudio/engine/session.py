"""The base of every session: a user's task on one loaded model.

A Session takes a job's numpy inputs and returns numpy outputs. It lives on the
worker thread, holds its model, and may keep invariants between jobs (mapped
ws, encoded style codes) in `self.cached`. Long sessions call `ctx.step()`
between tiles or images: that reports progress, lets waiting interactive jobs
run, and raises `Cancelled` when the user cancelled.

Family sessions (synthesize from a label map, render a latent, translate
tiled, edit attributes) subclass it and are named by their job type's
`session` attribute.
"""
from __future__ import annotations

import hashlib
import threading
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Hashable, Mapping

import numpy as np
import torch

from .device import Runtime
from .jobs import Job, Progress

if TYPE_CHECKING:
    from .model_cache import ReadyModel


class Cancelled(Exception):
    """The user cancelled the job; not an error."""


class CancelToken:
    """Set from any thread, checked by the session between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class RunContext:
    """What a running session can use besides its job: cancel, progress, yielding."""

    def __init__(
        self,
        job: Job,
        cancel: CancelToken | None = None,
        report: Callable[[Progress], None] | None = None,
        between_steps: Callable[[], None] | None = None,
    ) -> None:
        self.job = job
        self.cancel = cancel or CancelToken()
        self._report = report
        self._between_steps = between_steps

    @property
    def cancelled(self) -> bool:
        return self.cancel.cancelled

    def check(self) -> None:
        """Raise Cancelled if the user cancelled."""
        self.cancel.raise_if_cancelled()

    def step(self, done: int, total: int, message: str = "") -> None:
        """Between two tiles/images: report progress, let waiting interactive jobs run, honour cancel."""
        self.check()
        if self._report is not None:
            self._report(Progress(self.job.job_id, done, total, message))
        if self._between_steps is not None:
            self._between_steps()
        self.check()


def array_key(array: np.ndarray) -> Hashable:
    """A hashable identity of an array's contents, for keying cached invariants."""
    array = np.ascontiguousarray(array)
    digest = hashlib.blake2b(array.view(np.uint8).reshape(-1).data, digest_size=16).digest()
    return array.shape, array.dtype.str, digest


class Session(ABC):
    """A task on one model (or none), run on the worker thread under torch.inference_mode().

    `lower_cost_label` names the cheaper variant `run_lower_cost` offers for
    out-of-memory retries ("tiled", "at a lower resolution"); leave it empty
    when there is none.
    """

    lower_cost_label: ClassVar[str] = ""
    #: How many invariants `cached` keeps per name (e.g. the ws of the last few seeds).
    cache_size: ClassVar[int] = 4

    def __init__(self, model: ReadyModel | None, runtime: Runtime) -> None:
        self.model = model
        self.runtime = runtime
        self._invariants: dict[str, dict[Hashable, Any]] = {}

    @abstractmethod
    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        """Do the job; return named outputs (numpy arrays or tensors, converted by the runner)."""

    def run_lower_cost(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        """The same job using less memory (tiled, smaller); only if `lower_cost_label` is set."""
        raise NotImplementedError(f"{type(self).__name__} has no lower-cost variant")

    def cached(self, name: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        """An invariant computed once per `key` (e.g. ws for a seed and truncation)."""
        store = self._invariants.setdefault(name, {})
        if key in store:
            store[key] = store.pop(key)  # most recently used last
            return store[key]
        value = compute()
        store[key] = value
        while len(store) > self.cache_size:
            del store[next(iter(store))]
        return value

    def reset(self) -> None:
        """Forget cached invariants (they live on the old device/precision)."""
        self._invariants.clear()

    def rebind(self, model: ReadyModel | None, runtime: Runtime) -> None:
        """Continue on another copy of the model, e.g. on the CPU after running out of GPU memory."""
        self.model = model
        self.runtime = runtime
        self.reset()


def plain(value: Any) -> Any:
    """Tensors (also inside dicts, lists, tuples) to numpy, so results never carry torch objects."""
    if isinstance(value, torch.Tensor):
        return Runtime.numpy(value)
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    return value
