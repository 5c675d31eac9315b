"""Runs FindDirectionsJobs: SeFa or (cached) GANSpace on the loaded StyleGAN2 model."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ganstudio.document.direction_sets import (
    file_sha256,
    pca_directions,
    sefa_directions,
)

from . import directions as D
from .direction_jobs import FindDirectionsJob
from .ganspace_cache import cached_ganspace
from .jobs import Job
from .latent import LatentSession
from .session import RunContext


class DirectionsSession(LatentSession):
    """A LatentSession (same model checks) that finds directions instead of rendering."""

    cache_dir: str | os.PathLike[str] | None = None  # None: the user cache; tests point it elsewhere

    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        assert isinstance(job, FindDirectionsJob)
        gen = self.generator
        num_ws = int(gen.num_ws)
        first, last = D.ws_range(job.layers, num_ws)
        if job.method == "sefa":
            found = D.sefa(gen, (first, last), count=job.count)
            result = sefa_directions(found, num_ws, count=job.count)
            strengths = found.eigenvalues
        else:
            def progress(done: int, total: int) -> None:
                ctx.step(done, total, f"sampling W: {done} of {total}")

            if job.model_path:
                found_pc = cached_ganspace(gen, job.model_path, samples=job.samples, seed=job.seed, cache_dir=self.cache_dir,
                                           device=self.runtime.device, progress=progress)
            else:
                found_pc = D.ganspace(gen, samples=job.samples, seed=job.seed, device=self.runtime.device, progress=progress)
            result = pca_directions(found_pc, num_ws, count=job.count, first_ws=first, last_ws=last)
            strengths = found_pc.stds[: job.count]
        sha = file_sha256(job.model_path) if job.model_path and os.path.isfile(job.model_path) else ""
        result = type(result)(result.directions, result.num_ws, result.w_dim, sha)
        return {"directions": result, "strengths": strengths}
