"""The engine job and session that run InstaGAN on one picture and its painted or imported instance masks.

Sides are padded by reflection to the generator's multiple of 4 (masks by -1, no instance) and the
outputs cropped back. The passes of the published procedure (`models.instagan_procedure`) report progress,
and a cancel takes effect between two passes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from ganstudio.models.instagan_procedure import translate_instances
from .jobs import Job
from .session import RunContext, Session


@dataclass(frozen=True, kw_only=True, eq=False)
class InstanceConvertJob(Job):
    """`image` (H, W, 3) uint8; `masks` (K, H, W) uint8/bool, non-zero inside the instance; `reverse`: B -> A."""

    image: np.ndarray
    masks: np.ndarray
    reverse: bool = False
    per_pass: int = 2
    max_instances: int = 20

    session: ClassVar[Any] = "ganstudio.engine.instance_session:InstanceTranslateSession"
    title: ClassVar[str] = "Instance translation"


class InstanceTranslateSession(Session):
    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        assert isinstance(job, InstanceConvertJob)
        if self.model is None:
            raise ValueError("instance translation needs an InstaGAN model")
        image, masks = np.asarray(job.image), np.asarray(job.masks)
        if image.ndim != 3 or image.shape[2] != 3 or masks.ndim != 3 or masks.shape[1:] != image.shape[:2]:
            raise ValueError(f"need an (H, W, 3) picture and (K, H, W) masks of its size, got {image.shape} and {masks.shape}")
        if masks.shape[0] == 0:
            raise ValueError("paint or import at least one instance mask")
        network, runtime = self.model.module, self.runtime
        if job.reverse:
            part = self.model.part("reverse")
            if part is None:
                raise ValueError("this file has no B -> A generator")
            network, runtime = part
        height, width = image.shape[:2]
        x = torch.from_numpy(np.array(image, copy=True)).to(runtime.device).permute(2, 0, 1)[None].float() / 127.5 - 1.0
        m = torch.from_numpy((masks != 0).astype(np.float32)).to(runtime.device)[None] * 2.0 - 1.0
        pad_h, pad_w = -height % 4, -width % 4
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="reflect" if min(height, width) > max(pad_h, pad_w) else "replicate")
            m = F.pad(m, (0, pad_w, 0, pad_h), value=-1.0)
        result = translate_instances(network, x.to(runtime.dtype), m.to(runtime.dtype), per_pass=job.per_pass,
                                     max_instances=job.max_instances, step=lambda done, total: ctx.step(done, total, "InstaGAN pass"))
        out = result.image[0, :, :height, :width].float().clamp(-1, 1)
        out_masks = result.masks[0, :, :height, :width].float()
        return {
            "image": ((out.permute(1, 2, 0) + 1) * 127.5).round().to(torch.uint8).cpu().numpy(),
            "masks": ((out_masks > 0) * 255).to(torch.uint8).cpu().numpy(),
            "order": np.asarray(result.order, dtype=np.int64),
            "passes": result.passes,
        }
