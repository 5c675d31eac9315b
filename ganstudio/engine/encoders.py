"""Encode an aligned face photo with a published encoder (pSp / e4e), then optionally refine with HyperStyle.

The published encoders take a 256x256 face aligned as FFHQ is (the caller aligns:
`document/face_align.py`), in [-1, 1], and give W+ codes for their generator; the generator's
picture is pooled to 256x256 wherever the networks compare it with the photo (pSp's
`face_pool`). HyperStyle (Alaluf et al. 2022) then runs its hypernetwork on the photo and the
current reconstruction side by side, several passes, each adding weight offsets Δ to the sum
so far; the generator renders with W * (1 + Δ) in its tuned layers. The codes stay those of
the encoder, so the directions of the latent explorer still apply to them.

`EncodeJob` runs on the worker (`EncoderSession`): progress after the encoder and after each
HyperStyle pass, cancel between passes. Its result:

- ``ws``: float32 [num_ws, w_dim], absolute (a `LatentSource(w=...)` renders it);
- ``image``: uint8 (R, R, 3), the reconstruction at the generator's resolution (const noise);
- ``weight_offsets``: a `latent_spec.WeightOffsets` (None without refinement) for
  `LatentRender(weight_offsets=...)`;
- ``passes``: how many refinement passes ran; ``psnr``: of the reconstruction against the
  photo at 256 px (dB).

The encoder comes from the loaded model's part ``encoder`` (a pSp / e4e file), else from the
file `encoder_path` names (HyperStyle's separate W-encoder file, or any pSp / e4e file made
for the same generator); the hypernetwork from the model's part ``hypernet``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from ganstudio.models.hyperstyle import layer_names

from .jobs import BatchJob, Job
from .latent_spec import WeightOffsets
from .session import RunContext, Session

CHANNEL = "encoder"
INPUT_SIZE = 256  # what the published encoders and HyperStyle's hypernetwork take
POOL_SIZE = 256  # pSp's face_pool: the generator's picture as the networks compare it
MAX_PASSES = 20  # the paper uses 5; more changes little

PassCallback = Callable[[int, int, torch.Tensor], None]


@dataclass(frozen=True, kw_only=True, eq=False)
class EncodeJob(BatchJob):
    """Encode `image` (an aligned face, RGB uint8 (H, W, 3), any size) and refine it `refine_passes` times."""

    channel: str = CHANNEL
    image: np.ndarray
    refine_passes: int = 0
    encoder_path: str = ""

    session: ClassVar[Any] = "ganstudio.engine.encoders:EncoderSession"
    title: ClassVar[str] = "Encode photo"

    def __post_init__(self) -> None:
        super().__post_init__()
        image = self.image
        if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError("the photo must be an RGB uint8 image (H, W, 3)")
        if not 0 <= self.refine_passes <= MAX_PASSES:
            raise ValueError(f"refinement passes must be 0-{MAX_PASSES}, got {self.refine_passes}")


# ---------------------------------------------------------------------------------- plain torch
def encoder_input(image: np.ndarray, device: torch.device | str = "cpu", size: int = INPUT_SIZE) -> torch.Tensor:
    """RGB uint8 (H, W, 3) -> [1, 3, size, size] in [-1, 1] (bilinear, antialiased when shrinking)."""
    # a copy when the array is read-only (a frozen job's photo): torch refuses to wrap those without a warning
    pixels = image if image.flags.writeable and image.flags.c_contiguous else np.array(image, order="C")
    x = torch.from_numpy(pixels).to(device).permute(2, 0, 1)[None].float() / 127.5 - 1
    if x.shape[-2:] != (size, size):
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return x


def face_pool(image: torch.Tensor) -> torch.Tensor:
    """The generator's picture at 256x256 as pSp / HyperStyle compare it (adaptive average pooling)."""
    return F.adaptive_avg_pool2d(image, (POOL_SIZE, POOL_SIZE))


def render(generator: torch.nn.Module, ws: torch.Tensor, weights: Mapping[str, torch.Tensor] | None = None) -> torch.Tensor:
    """ws [B, num_ws, w_dim] -> images [B, 3, R, R] with the stored noise; `weights`: synthesis weights to use instead."""
    if not weights:
        return generator.synthesis(ws, noise_mode="const")
    return torch.func.functional_call(generator.synthesis, dict(weights), (ws,), {"noise_mode": "const"})


def offset_weights(generator: torch.nn.Module, deltas: list[torch.Tensor | None]) -> dict[str, torch.Tensor]:
    """Synthesis weights W * (1 + Δ) (names inside `synthesis`) for one photo's offsets, HyperStyle's numbering."""
    names = layer_names(generator.img_resolution)
    if len(deltas) != len(names):
        raise ValueError(f"{len(deltas)} offsets for a generator with {len(names)} modulated layers")
    params = dict(generator.synthesis.named_parameters())
    weights = {}
    for name, delta in zip(names, deltas):
        if delta is not None:
            inner = name.removeprefix("synthesis.")
            weights[inner] = params[inner] * (1 + delta[0].to(params[inner].dtype))
    return weights


def refine(generator: torch.nn.Module, hypernet: torch.nn.Module, x: torch.Tensor, ws: torch.Tensor, passes: int,
           on_pass: PassCallback | None = None) -> tuple[list[torch.Tensor | None], torch.Tensor]:
    """HyperStyle's passes for one photo `x` [1, 3, 256, 256] and its codes `ws`: (summed offsets, last picture).

    Pass k feeds [x, the pooled picture so far] to the hypernetwork and adds its offsets; the
    first picture is the generator's from `ws` alone. `on_pass(k, passes, picture)` after each
    (raise there to stop)."""
    if x.shape[0] != 1:
        raise ValueError("HyperStyle refines one photo at a time")
    image = render(generator, ws)
    deltas: list[torch.Tensor | None] | None = None
    for k in range(passes):
        found = hypernet(torch.cat([x, face_pool(image).to(x.dtype)], dim=1))
        deltas = found if deltas is None else [None if d is None else d + f for d, f in zip(deltas, found)]
        image = render(generator, ws, offset_weights(generator, deltas))
        if on_pass is not None:
            on_pass(k + 1, passes, image)
    return (deltas or []), image


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """[1, 3, H, W] in [-1, 1] -> (H, W, 3) uint8."""
    return ((image[0].float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def as_offsets(generator: torch.nn.Module, deltas: list[torch.Tensor | None]) -> WeightOffsets:
    """The summed offsets as plain arrays keyed by generator parameter name (for LatentRender)."""
    names = layer_names(generator.img_resolution)
    return WeightOffsets({name: delta[0].float().cpu().numpy() for name, delta in zip(names, deltas) if delta is not None})


def encoder_part(loaded: Any) -> torch.nn.Module | None:
    """The image encoder a loaded file holds: its part `encoder`, or the file itself when it is one."""
    part = getattr(loaded, "parts", {}).get("encoder")
    if part is not None:
        return part.module
    owner_role = getattr(loaded, "arch", "") in ("psp_encoder", "psp_w_encoder", "stylegan2_encoder")
    return loaded.module if owner_role else None


# ---------------------------------------------------------------------------------- the session
class EncoderSession(Session):
    """Runs EncodeJobs on a StyleGAN2 model with an encoder (its part, or `encoder_path`) and maybe a hypernet."""

    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        assert isinstance(job, EncodeJob)
        if self.model is None:
            raise ValueError("no model is loaded")
        loaded = self.model.loaded
        if "latent_space" not in loaded.capabilities:
            raise ValueError(f"a {loaded.arch} model has no latent space to encode into; load a StyleGAN2 model")
        generator = self.model.module
        device = self.runtime.device
        encoder = self.encoder(job.encoder_path)
        hypernet = loaded.parts["hypernet"].module if "hypernet" in loaded.parts else None
        if job.refine_passes and hypernet is None:
            raise ValueError("refinement needs a HyperStyle file (a StyleGAN2 with its hypernetwork)")
        total = 1 + job.refine_passes
        ctx.step(0, total, "encoding the photo")
        x = encoder_input(job.image, device)
        ws = encoder(x.to(next(encoder.parameters()).dtype)).float()
        if tuple(ws.shape[1:]) != (generator.num_ws, generator.w_dim):
            raise ValueError(f"the encoder gives codes {list(ws.shape[1:])}; this model needs [{generator.num_ws}, {generator.w_dim}]")
        ctx.step(1, total, "encoded" + (f"; refining, pass 1 of {job.refine_passes}" if job.refine_passes else ""))
        offsets = None
        if job.refine_passes:
            def on_pass(k: int, n: int, _image: torch.Tensor) -> None:
                ctx.step(1 + k, total, f"HyperStyle pass {k} of {n}")

            deltas, image = refine(generator, hypernet, x, ws, job.refine_passes, on_pass)
            offsets = as_offsets(generator, deltas)
        else:
            image = render(generator, ws)
        picture = to_uint8(image)
        pooled = to_uint8(face_pool(image.float()))
        return {"ws": ws[0].cpu().numpy().astype(np.float32), "image": picture, "weight_offsets": offsets,
                "passes": job.refine_passes, "psnr": psnr(pooled, to_uint8(x))}

    def encoder(self, path: str) -> torch.nn.Module:
        assert self.model is not None
        own = encoder_part(self.model.loaded)
        if own is not None and not path:
            return own
        if not path:
            raise ValueError("this model has no photo encoder: load a pSp / e4e file, or name an encoder file")

        def load() -> torch.nn.Module:
            from ganstudio.checkpoints import load_model  # the engine reads files through the checkpoints package only

            found = encoder_part(load_model(path))
            if found is None:
                raise ValueError(f"{path} holds no photo encoder (a pSp / e4e / HyperStyle W-encoder file)")
            return self.runtime.prepare(found)

        return self.cached("encoder", path, load)
