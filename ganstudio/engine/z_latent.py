"""Render generators whose latent is z alone (DCGAN, WGAN-GP, ProGAN) with the Latent workspace's jobs.

The explorer's requests are StyleGAN2's (`latent_spec`): a blend of sources, mixing,
noise, truncation, edits. A Z-only model has one "w" per picture, z itself
([1, z_dim]), drawn for a seed exactly as StyleGAN2's seeds are; blends and
animations interpolate in Z. What needs a mapping network (style mixing, truncation,
noise, directions) is refused with a message saying so; the workspace disables those
controls first (capability "z_only_latent"). For a model with "growth_stages"
(ProGAN) a full render also returns each scale's picture, 4x4 up to the full size.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from .jobs import Job
from .latent import LatentSession
from .latent_spec import LatentAnimationJob, LatentJob, LatentRender, LatentSource, NoiseSettings, WeightOffsets
from .painting import to_uint8_image
from .session import RunContext

W_ONLY = "needs a mapping network (W), which a generator from z alone does not have"
STAGE_THUMBNAIL = 64  # each growth stage is shown at least this big (nearest: its pixels stay visible)


class ZLatentSession(LatentSession):
    """LatentJobs and LatentAnimationJobs for a generator image = G(z)."""

    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        if isinstance(job, LatentAnimationJob):
            return self.animate(job, ctx)
        assert isinstance(job, LatentJob)
        z = self.final_ws(job.render)
        image = self.synthesize(z, job.render.noise, preview=job.preview)
        result: dict[str, Any] = {"image": image, "ws": self.runtime.numpy(z[0]), "preview": job.preview}
        if not job.preview and "growth_stages" in self.model.loaded.capabilities:
            result["stages"] = self.stage_images(z)
        return result

    def source_ws(self, source: LatentSource, psi: float, cutoff: int | None, class_index: int) -> torch.Tensor:
        """[1, z_dim] float32: a seed's z (the reference tools' draw) or a saved z."""
        gen = self.generator
        if source.w is not None:
            if tuple(source.w.shape) != (1, gen.z_dim):
                raise ValueError(f"{source.label} has shape {list(source.w.shape)}; this model needs [1, {gen.z_dim}]")
            return self.runtime.tensor(source.w, torch.float32)
        return self.cached("z", int(source.seed), lambda: self.z_for_seed(source.seed).float())

    def final_ws(self, render: LatentRender) -> torch.Tensor:
        if render.layer_sources and any(render.layer_sources):
            raise ValueError(f"style mixing {W_ONLY}")
        if render.edits:
            raise ValueError(f"direction edits {W_ONLY}")
        # truncation (psi) and noise settings are ignored, not refused: the workspace keeps its values for the next
        # StyleGAN2 model and greys those controls out
        return self._blend(render)

    def _blend(self, render: LatentRender) -> torch.Tensor:
        """[1, 1, z_dim]: the weighted mean of the sources' z (the interpolation pad's corners)."""
        weights = np.asarray([weight for _source, weight in render.blend], dtype=np.float64)
        total = weights.sum()
        if not np.isfinite(total) or total <= 0:
            raise ValueError("the blend weights must be positive")
        zs = [self.source_ws(source, 1.0, None, 0) for source, _ in render.blend]
        z = zs[0].clone() if len(zs) == 1 else sum(z * float(w / total) for z, w in zip(zs, weights))
        return z[None]

    def synthesize(self, ws: torch.Tensor, noise: NoiseSettings, *, preview: bool = False, size: int | None = None,
                   offsets: WeightOffsets | None = None) -> np.ndarray:
        """z [1, 1, z_dim] -> (H, W, 3) uint8; downsampled for a preview or to at most `size` pixels."""
        if offsets is not None and offsets.offsets:
            raise ValueError(f"weight offsets {W_ONLY}")
        gen = self.generator
        img = gen(ws[:, 0].to(self.runtime.dtype)).float().clamp(-1, 1)
        target = gen.img_resolution // 2 if preview else gen.img_resolution
        if size is not None:
            target = min(target, int(size))
        if img.shape[-1] > target:
            img = F.interpolate(img, size=(target, target), mode="area")
        if img.shape[1] == 1:
            img = img.expand(-1, 3, -1, -1)
        return to_uint8_image(img[:, :3])

    def stage_images(self, z: torch.Tensor) -> list[np.ndarray]:
        """Each growth stage's picture (4x4, 8x8, ...), enlarged by whole factors to at least STAGE_THUMBNAIL pixels."""
        images = []
        for img in self.generator.stage_images(z[:, 0].to(self.runtime.dtype)):
            img = img.float().clamp(-1, 1)
            factor = max(1, STAGE_THUMBNAIL // img.shape[-1])
            if factor > 1:
                img = F.interpolate(img, scale_factor=factor, mode="nearest")
            if img.shape[1] == 1:
                img = img.expand(-1, 3, -1, -1)
            images.append(to_uint8_image(img[:, :3]))
        return images
