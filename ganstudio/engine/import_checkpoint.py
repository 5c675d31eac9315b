"""Import an official checkpoint: read it with the restricted loaders, write it in the native format.

Runs on the inference worker like any batch job, in the application's own
process, so it works the same from a checkout, an installed wheel or a bundle
(where re-running the interpreter would start the GUI again).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping

import torch

from ganstudio.checkpoints import load_model, save_model

from .jobs import BatchJob
from .session import RunContext, Session


@dataclass(frozen=True, kw_only=True, eq=False)
class ImportCheckpointJob(BatchJob):
    """Convert `source` (an official file) into the native model file `target`."""

    channel: str = "import"
    source: str
    target: str
    hints: Mapping[str, Any] = field(default_factory=dict)
    half: bool = True  # float16 storage: half the size, and how the bundled models ship

    session: ClassVar[Any] = "ganstudio.engine.import_checkpoint:ImportSession"
    title: ClassVar[str] = "Import"


class ImportSession(Session):
    def run(self, job: Any, ctx: RunContext) -> Mapping[str, Any]:
        assert isinstance(job, ImportCheckpointJob)
        ctx.step(0, 2, f"Reading {Path(job.source).name}")
        loaded = load_model(job.source, **dict(job.hints))  # raises CheckpointError naming the file
        ctx.step(1, 2, f"Writing {Path(job.target).name}")
        save_model(loaded, job.target, dtype=torch.float16 if job.half else None)
        ctx.step(2, 2)
        return {"path": str(job.target), "arch": loaded.arch}
