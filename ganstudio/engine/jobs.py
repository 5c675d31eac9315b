"""What travels between the application and the inference worker.

Jobs, results and progress reports are plain frozen dataclasses holding numpy
arrays and plain Python values, never tensors, so the app and ui layers can
create and read them without importing torch. This module imports neither Qt
nor torch for the same reason.
"""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Mapping

import numpy as np

_ids = itertools.count(1)
_ids_lock = threading.Lock()


def next_job_id() -> int:
    """A process-wide unique, increasing job id."""
    with _ids_lock:
        return next(_ids)


@dataclass(frozen=True, kw_only=True, eq=False)
class Job:
    """A request to the worker: everything the run needs, frozen at submit time.

    `channel` names the stream of requests it belongs to (e.g. "canvas",
    "latent"); interactive jobs of one channel replace each other while they
    wait (latest wins). `revision` is the document revision the inputs were
    taken from; the result carries it back so stale results can be dropped.
    `model_path` is the model file the session runs on ("" for none).

    Subclasses add their inputs as fields and name the Session class that runs
    them in `session`: a "package.module:Class" path, resolved lazily on the
    worker thread so that this module stays free of torch, or the class itself.
    Top-level numpy array fields are copied and made read-only on creation, so
    the caller may keep editing its own arrays while the job waits.
    """

    channel: str
    revision: int = 0
    model_path: str = ""
    job_id: int = field(default_factory=next_job_id)

    session: ClassVar[Any] = None
    #: Interactive jobs go through the latest-wins mailbox; batch jobs queue.
    interactive: ClassVar[bool] = True
    #: Shown to the user in progress and error messages, e.g. "Synthesis".
    title: ClassVar[str] = "Inference"

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, np.ndarray):
                frozen = np.array(value, copy=True)
                frozen.flags.writeable = False
                object.__setattr__(self, spec.name, frozen)


@dataclass(frozen=True, kw_only=True, eq=False)
class BatchJob(Job):
    """Long work (convert a folder): queued in order, reports progress, cancellable."""

    interactive: ClassVar[bool] = False
    title: ClassVar[str] = "Batch"


@dataclass(frozen=True, kw_only=True, eq=False)
class LoadModelJob(Job):
    """Load (or re-use) a model on the worker and report what it is.

    Handled by the worker itself, not by a session; `hints` go to
    `load_model` for official files whose weights cannot tell everything.
    The channel defaults to one per file, so that workspaces loading
    different models at the same time do not replace each other's requests.
    """

    channel: str = ""
    hints: Mapping[str, Any] = field(default_factory=dict)

    title: ClassVar[str] = "Loading model"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.channel:
            object.__setattr__(self, "channel", f"model:{self.model_path}")


@dataclass(frozen=True)
class Result:
    """A finished job: its outputs (numpy arrays / plain values) and how it went.

    `note` is a user-facing remark about how the job ran when it differs from
    the normal path, e.g. "GPU out of memory: ran on the CPU instead".
    """

    job_id: int
    channel: str
    revision: int
    outputs: Mapping[str, Any]
    elapsed_ms: float
    note: str = ""
    device: str = ""


@dataclass(frozen=True)
class Progress:
    """How far a long job is: `done` of `total` steps, with a short message."""

    job_id: int
    done: int
    total: int
    message: str = ""

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)
