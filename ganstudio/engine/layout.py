"""The engine session that renders a LostGAN layout: labelled boxes, one latent per object, one for the scene.

Latents come from seeds, so "re-roll this object's look" is a new seed for that object alone and "re-roll the
scene" a new scene seed: every other input stays bit-identical. Each latent is drawn as the reference's test
draws it (standard normal, values beyond |2| drawn again). Jobs are interactive (latest wins in the mailbox);
a preview is the same render returned at half size, since LostGAN's cost does not shrink with the output.
The job (LayoutJob) lives in the torch-free layout_spec.py, so that the app builds it without torch.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from .jobs import Job
from .layout_spec import LayoutJob
from .painting import to_uint8_image
from .session import RunContext, Session

__all__ = ["PADDING_BOX", "TRUNCATION", "LayoutJob", "LayoutSession", "truncated_latent"]

TRUNCATION = 2.0  # |z| bound of the reference's truncated draw
# A layout with no box still needs one object: the reference pads with class 0 placed off canvas.
PADDING_BOX = (-0.6, -0.6, 0.5, 0.5)


def truncated_latent(seed: int, dim: int) -> torch.Tensor:
    """[dim] float32, standard normal with every value beyond +-TRUNCATION redrawn, reproducible from `seed`."""
    gen = torch.Generator().manual_seed(int(seed) & 0xFFFFFFFFFFFFFFFF)
    z = torch.randn(dim, generator=gen)
    while True:
        out = z.abs() > TRUNCATION
        if not bool(out.any()):
            return z
        z[out] = torch.randn(int(out.sum()), generator=gen)


class LayoutSession(Session):
    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        assert isinstance(job, LayoutJob)
        if self.model is None:
            raise ValueError("rendering a layout needs a LostGAN model")
        net, runtime = self.model.module, self.runtime
        boxes = np.array(job.boxes, dtype=np.float32).reshape(-1, 4)  # copies: job arrays are read-only
        classes = np.array(job.classes, dtype=np.int64).reshape(-1)
        seeds = np.asarray(job.object_seeds, dtype=np.int64).reshape(-1)
        count = len(boxes)
        if len(classes) != count or len(seeds) != count:
            raise ValueError(f"need one class and one seed per box: {count} boxes, {len(classes)} classes, {len(seeds)} seeds")
        num_classes = net.label_embedding.num_embeddings
        if count and (classes.min() < 0 or classes.max() >= num_classes):
            raise ValueError(f"class ids must lie in 0..{num_classes - 1}")
        if not np.isfinite(boxes).all() or (count and (boxes[:, 2:] <= 0).any()):
            raise ValueError("every box needs a finite position and a positive width and height")
        z_dim = net.z_dim
        z_obj = torch.stack([self.cached("z_obj", int(s), lambda s=s: truncated_latent(int(s), z_dim)) for s in seeds]) \
            if count else torch.zeros(0, z_dim)
        bbox, y = torch.from_numpy(boxes), torch.from_numpy(classes)
        if count == 0:
            bbox, y, z_obj = torch.tensor([PADDING_BOX]), torch.zeros(1, dtype=torch.long), torch.zeros(1, z_dim)
        z_im = self.cached("z_im", int(job.scene_seed), lambda: truncated_latent(int(job.scene_seed), z_dim))
        dev, dtype = runtime.device, runtime.dtype
        ctx.check()
        image, masks = net(z_obj[None].to(dev, dtype), bbox[None].to(dev, dtype), z_im[None].to(dev, dtype),
                           y[None].to(dev), return_masks=True)
        size = image.shape[-1] // 2 if job.preview else image.shape[-1]
        image = image.float()
        if image.shape[-1] != size:
            image = F.interpolate(image, size=(size, size), mode="area")
        masks = F.interpolate(masks.float(), size=(size, size), mode="bilinear", align_corners=False)[0, :count]
        return {
            "image": to_uint8_image(image),
            "masks": (masks.clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy(),  # (K, size, size) for the overlay
            "preview": job.preview,
        }
