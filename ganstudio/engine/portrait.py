"""A face from a photo into the explorer's StyleGAN2: the encoder's guess for an aligned face, and its picture.

The Latent workspace's portrait flow (app/portrait_viewmodel.py) cuts the
face as the model's data was cut (`engine.faces`, `document.face_align`),
then asks for ws here: `EncodeFaceJob` runs the encoder file on the aligned
face and renders those ws with the model's constant noise, which is the
"before" picture the edit's change is measured against when it is pasted
back. Refining is the projection (`engine.projection.ProjectJob`, started
from the same encoder).

The encoder is any model file whose network maps images [1, 3, R, R] in
[-1, 1] to ws ([1, num_ws, w_dim] or one w [1, w_dim]): the StyleGAN2
family's own `stylegan2_encoder` (issue 12), or another encoder family's
network that loads through `checkpoints.load_model` the same way; or the
generator's own file when it carries the encoder as its "encoder" part.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np
import torch

from .jobs import Job
from .projection import encoder_start, load_encoder, psnr, stylegan_generator, to_tensor, to_uint8
from .session import RunContext, Session

CHANNEL = "portrait-encode"
ENCODER_PART = "encoder"  # the part name of an encoder stored in the generator's own file


@dataclass(frozen=True, kw_only=True, eq=False)
class EncodeFaceJob(Job):
    """ws for `face` (RGB uint8 at the model's resolution, already aligned) from `encoder_path`; outputs ws, image, psnr."""

    channel: str = CHANNEL
    face: np.ndarray
    encoder_path: str

    session: ClassVar[Any] = "ganstudio.engine.portrait:PortraitSession"
    title: ClassVar[str] = "Encoding the face"

    def __post_init__(self) -> None:
        super().__post_init__()
        face = self.face
        if not isinstance(face, np.ndarray) or face.ndim != 3 or face.shape[2] != 3 or face.dtype != np.uint8:
            raise ValueError("the face must be an RGB uint8 image (H, W, 3)")
        if not self.encoder_path:
            raise ValueError("encoding needs an encoder file")


def encode_face(gen: torch.nn.Module, encoder: torch.nn.Module, face: np.ndarray) -> dict[str, Any]:
    """The encoder's ws for an aligned face and the generator's picture of them (constant noise)."""
    resolution = int(gen.synthesis.img_resolution)
    if face.shape[:2] != (resolution, resolution):
        raise ValueError(f"the face is {face.shape[1]}x{face.shape[0]}; this model draws {resolution}x{resolution}")
    device = next(gen.parameters()).device
    target = to_tensor(face, device)
    ws = encoder_start(encoder, target, int(gen.num_ws), int(gen.w_dim))
    image = to_uint8(gen.synthesis(ws[None].to(device), noise_mode="const"))
    return {"ws": ws.cpu().numpy().astype(np.float32), "image": image, "psnr": psnr(image, np.asarray(face))}


class PortraitSession(Session):
    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        if not isinstance(job, EncodeFaceJob):
            raise TypeError(f"PortraitSession cannot run {type(job).__name__}")
        if self.model is None:
            raise ValueError("no model is loaded")
        gen = stylegan_generator(self.model.loaded)
        own = self.model.part(ENCODER_PART) if job.encoder_path == job.model_path else None
        if own is not None:  # a file that carries its encoder beside the generator (e4e/pSp: decoder + encoder)
            encoder = own[0]
        else:
            encoder = self.cached("encoder", job.encoder_path, lambda: load_encoder(job.encoder_path, self.runtime.device))
        return encode_face(gen, encoder, np.asarray(job.face))
