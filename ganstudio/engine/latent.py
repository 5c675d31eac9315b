"""Render StyleGAN2 latents: seeds to ws, truncation, class, W blends, style mixing, noise, previews, GIFs.

Seeds become z exactly as the reference tools make them
(``np.random.RandomState(seed).randn(1, z_dim)``), so a seed with the same
truncation, class and const noise gives an official model's published image.
Mapped ws are cached per (seed, psi, cutoff, class): dragging on the pad and
moving noise sliders only re-run the synthesis network.

Previews: the synthesis network of a 'skip' generator (the StyleGAN2 default)
builds its image as a sum of toRGB outputs at every resolution, so a preview
runs the blocks only up to a lower resolution (a quarter of the side above 256
pixels, half at or below) and shows that partial image, which saves the most
expensive blocks. 'orig' and 'resnet' generators have a toRGB only at the top,
so their previews render in full and are downsampled (no time saved).
"""
from __future__ import annotations

from typing import Any, Hashable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ganstudio import families
from ganstudio.document.latent_io import write_gif
from ganstudio.models.stylegan2 import z_from_seed

from .directions import apply_directions
from .jobs import Job
from .latent_spec import LatentAnimationJob, LatentJob, LatentRender, LatentSource, NoiseSettings, WeightOffsets
from .painting import to_uint8_image
from .session import RunContext, Session, array_key


def preview_resolution(resolution: int) -> int:
    """The side of a drag preview: a quarter above 256 pixels, half at or below (at least 8)."""
    divisor = 4 if resolution > 256 else 2
    return max(8, min(resolution, resolution // divisor))


class LatentSession(Session):
    """Renders LatentJobs and LatentAnimationJobs with one StyleGAN2 generator."""

    cache_size = 256  # mapped ws are small ([num_ws, w_dim]); a pad holds several anchors and mixing sources

    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        if isinstance(job, LatentAnimationJob):
            return self.animate(job, ctx)
        assert isinstance(job, LatentJob)
        ws = self.final_ws(job.render)
        image = self.synthesize(ws, job.render.noise, preview=job.preview, offsets=job.render.weight_offsets)
        return {"image": image, "ws": self.runtime.numpy(ws[0]), "preview": job.preview}

    # -- model facts ---------------------------------------------------------------------------
    @property
    def generator(self) -> torch.nn.Module:
        if self.model is None:
            raise ValueError("no model is loaded")
        if "latent_space" not in self.model.loaded.capabilities:
            wanted = families.describe_archs(families.archs_for_workspace("latent"))
            raise ValueError(f"a {self.model.loaded.arch} model has no latent space to explore; load {wanted}")
        return self.model.module

    # -- latents -------------------------------------------------------------------------------
    def z_for_seed(self, seed: int) -> torch.Tensor:
        """[1, z_dim] float64 on the device, exactly the reference's z for `seed`."""
        return torch.from_numpy(z_from_seed(int(seed), self.generator.z_dim)).to(self.runtime.device)

    def class_vector(self, class_index: int) -> torch.Tensor | None:
        gen = self.generator
        if gen.c_dim == 0:
            return None
        if not 0 <= class_index < gen.c_dim:
            raise ValueError(f"class {class_index} is out of range: the model has {gen.c_dim} classes (0-{gen.c_dim - 1})")
        c = torch.zeros([1, gen.c_dim], device=self.runtime.device)
        c[0, class_index] = 1
        return c

    def source_ws(self, source: LatentSource, psi: float, cutoff: int | None, class_index: int) -> torch.Tensor:
        """[num_ws, w_dim] float32 of a seed (mapped, truncated; cached) or a saved latent (as is)."""
        gen = self.generator
        if source.w is not None:
            if tuple(source.w.shape) != (gen.num_ws, gen.w_dim):
                raise ValueError(f"{source.label} has shape {list(source.w.shape)}; this model needs [{gen.num_ws}, {gen.w_dim}]")
            return self.cached("saved_ws", array_key(source.w), lambda: self.runtime.tensor(source.w, torch.float32))
        cls = class_index if source.class_index is None else source.class_index
        cls = cls if gen.c_dim > 0 else 0
        cutoff = None if cutoff is None or cutoff >= gen.num_ws else int(cutoff)
        key: Hashable = (int(source.seed), float(psi), cutoff, int(cls))

        def mapped() -> torch.Tensor:
            ws = gen.mapping(self.z_for_seed(source.seed), self.class_vector(cls), truncation_psi=psi, truncation_cutoff=cutoff)
            return ws[0].float()

        return self.cached("ws", key, mapped)

    def final_ws(self, render: LatentRender) -> torch.Tensor:
        """[1, num_ws, w_dim]: the weighted blend in W, then each w index from its mixing source, then
        the direction edits (so an edit moves the mixed result, and 'export w+' saves it edited)."""
        args = (render.psi, render.cutoff, render.class_index)
        weights = np.asarray([weight for _source, weight in render.blend], dtype=np.float64)
        total = weights.sum()
        if not np.isfinite(total) or total <= 0:
            raise ValueError("the blend weights must be positive")
        if len(render.blend) == 1:
            ws = self.source_ws(render.blend[0][0], *args).clone()
        else:
            ws = sum(self.source_ws(source, *args) * float(weight / total) for (source, _), weight in zip(render.blend, weights))
        if render.layer_sources:
            gen = self.generator
            if len(render.layer_sources) != gen.num_ws:
                raise ValueError(f"the mixing selector has {len(render.layer_sources)} entries; the model has {gen.num_ws} ws")
            mixing = [self.source_ws(source, *args) for source in render.mixing]
            for index, source_index in enumerate(render.layer_sources):
                if source_index > 0:
                    ws[index] = mixing[source_index - 1][index]
        if render.edits:
            ws = apply_directions(ws, render.edits)
        return ws[None]

    # -- synthesis -----------------------------------------------------------------------------
    def noise_scales(self, noise: NoiseSettings) -> dict[str, float]:
        names = self.generator.noise_layer_names
        return dict(zip(names, noise.layer_scales(len(names))))

    def offset_weights(self, offsets: WeightOffsets) -> dict[str, torch.Tensor]:
        """The synthesis weights W * (1 + offset) of a photo's HyperStyle offsets (computed once per token)."""
        def compute() -> dict[str, torch.Tensor]:
            params = dict(self.generator.synthesis.named_parameters())
            weights = {}
            for name, offset in offsets.offsets.items():
                inner = name.removeprefix("synthesis.")
                if inner not in params or tuple(params[inner].shape) != tuple(offset.shape):
                    raise ValueError(f"the weight offsets do not fit this model ({name})")
                weights[inner] = params[inner] * (1 + self.runtime.tensor(offset, params[inner].dtype))
            return weights

        return self.cached("weight_offsets", offsets.token, compute)

    def synthesize(self, ws: torch.Tensor, noise: NoiseSettings, *, preview: bool = False, size: int | None = None,
                   offsets: WeightOffsets | None = None) -> np.ndarray:
        """ws [1, num_ws, w_dim] -> (H, W, 3) uint8; smaller when `preview`, or at most `size` pixels.
        `offsets`: a photo's HyperStyle weight offsets, used by every layer they name."""
        gen = self.generator
        synthesis = gen.synthesis
        weights = self.offset_weights(offsets) if offsets is not None and offsets.offsets else None
        generator = torch.Generator(device="cpu").manual_seed(int(noise.seed)) if noise.mode == "random" else None
        scales = self.noise_scales(noise)
        target = preview_resolution(gen.img_resolution) if preview else gen.img_resolution
        if size is not None:
            target = min(target, int(size))
        architecture = (gen.config.get("synthesis_kwargs") or {}).get("architecture", "skip")
        if weights is not None:  # the whole network with the photo's weights (a preview is scaled down below)
            img = torch.func.functional_call(synthesis, weights, (ws.to(self.runtime.dtype),),
                                             dict(noise_mode=noise.mode, noise_scales=scales, noise_generator=generator))
        elif target < gen.img_resolution and architecture == "skip":
            # the toRGB sum at the preview size: a smaller picture without the later blocks' cost
            img = synthesis.render_up_to(ws.to(self.runtime.dtype), target, noise_mode=noise.mode, noise_scales=scales,
                                         noise_generator=generator)
        else:
            img = synthesis(ws.to(self.runtime.dtype), noise_mode=noise.mode, noise_scales=scales, noise_generator=generator)
        img = img.float()
        if img.shape[-1] > target:
            img = F.interpolate(img, size=(target, target), mode="area")
        if img.shape[1] == 1:
            img = img.expand(-1, 3, -1, -1)
        return to_uint8_image(img[:, :3])

    # -- animation -----------------------------------------------------------------------------
    def animation_ws(self, stops: Sequence[LatentRender], frames_per_segment: int, loop: bool) -> list[torch.Tensor]:
        """The ws of every frame: a straight line in W from each stop to the next."""
        if len(stops) < 2:
            raise ValueError("an animation needs at least two anchors to move between")
        if frames_per_segment < 1:
            raise ValueError("an animation needs at least one frame per segment")
        keys = [self.final_ws(stop) for stop in stops]
        pairs = list(zip(keys, keys[1:] + (keys[:1] if loop else [])))
        frames = [a.lerp(b, step / frames_per_segment) for a, b in pairs for step in range(frames_per_segment)]
        if not loop:
            frames.append(keys[-1])
        return frames

    def animate(self, job: LatentAnimationJob, ctx: RunContext) -> Mapping[str, Any]:
        """Render every frame (progress and cancel between frames), then write the GIF."""
        frames_ws = self.animation_ws(job.stops, job.frames_per_segment, job.loop)
        noise = job.stops[0].noise
        frames = []
        for index, ws in enumerate(frames_ws):
            ctx.step(index, len(frames_ws), f"frame {index + 1} of {len(frames_ws)}")
            frames.append(self.synthesize(ws, noise, size=job.size, offsets=job.stops[0].weight_offsets))
        ctx.step(len(frames_ws), len(frames_ws), "writing the GIF")
        write_gif(job.path, frames, job.frame_ms, job.loop)
        return {"path": job.path, "frames": len(frames)}
