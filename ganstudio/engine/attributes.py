"""Face attribute editing with a StarGAN generator: target labels, one crop, a folder.

Labels follow the reference: one value per attribute of the model's metadata,
0 or 1 for the photo as it is (the "original"). Toggling an ordinary
attribute flips it; toggling a member of an exclusive group (hair colours)
sets that member to 1 and the rest of the group to 0, as the reference's
``create_labels`` does. A strength per toggle moves the target continuously
from the original (0) to the toggled value (1). The generator runs on the
crop at the model's resolution with per-image statistics (the reference test
never switches StarGAN to eval statistics; see ganstudio.models.stargan).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np
import torch

from ganstudio.document.batch_names import output_name, safe_output_path
from ganstudio.document.errors import DocumentError
from ganstudio.document.face_crop import CropBox, crop_for_model, default_crop, paste_back
from ganstudio.document.image_io import read_photo, write_image

from .jobs import BatchJob, Job
from .session import Cancelled, RunContext, Session
from .translate import image_to_tensor, to_uint8

HAIR_COLOURS = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair")
DEFAULT_RESOLUTION = 128


def exclusive_groups(attributes: Sequence[str]) -> list[list[int]]:
    """Index groups of mutually exclusive attributes: the hair colours (when two or more are present)."""
    hair = [i for i, name in enumerate(attributes) if name in HAIR_COLOURS]
    return [hair] if len(hair) > 1 else []


def target_labels(
    original: Sequence[float],
    toggled: Sequence[bool],
    strengths: Sequence[float],
    groups: Sequence[Sequence[int]] = (),
) -> list[float]:
    """The target label vector for the generator (see the module docstring).

    At most one member of a group should be toggled; if several are, the last wins.
    """
    n = len(original)
    if not (len(toggled) == len(strengths) == n):
        raise ValueError(f"expected {n} toggles and strengths, got {len(toggled)} and {len(strengths)}")
    orig = [float(v) for v in original]
    target = list(orig)
    grouped = {i for group in groups for i in group}
    for group in groups:
        chosen = [i for i in group if toggled[i]]
        if not chosen:
            continue
        k = chosen[-1]
        s = float(np.clip(strengths[k], 0.0, 1.0))
        for i in group:
            want = 1.0 if i == k else 0.0
            target[i] = orig[i] + s * (want - orig[i])
    for i in range(n):
        if i in grouped or not toggled[i]:
            continue
        s = float(np.clip(strengths[i], 0.0, 1.0))
        target[i] = orig[i] + s * ((1.0 - orig[i]) - orig[i])
    return target


@dataclass(frozen=True, kw_only=True, eq=False)
class AttributeJob(Job):
    """Edit one crop (RGB uint8, ideally already at the model's resolution) towards `target`."""

    channel: str = "attributes"
    crop: np.ndarray
    target: tuple[float, ...]

    session: ClassVar[Any] = "ganstudio.engine.attributes:AttributeSession"
    title: ClassVar[str] = "Attribute edit"


@dataclass(frozen=True, kw_only=True, eq=False)
class AttributeFolderJob(BatchJob):
    """Apply one target to every photo of a folder (default crop each), pasted back at full size."""

    channel: str = "attributes-folder"
    inputs: tuple[str, ...]
    output_folder: str
    target: tuple[float, ...]
    template: str = "{stem}_edited.png"
    feather: float = 0.08  # fraction of the crop side
    keep_detail: bool = True
    overwrite: bool = False

    session: ClassVar[Any] = "ganstudio.engine.attributes:AttributeSession"
    title: ClassVar[str] = "Attribute edit (folder)"


class AttributeSession(Session):
    @property
    def generator(self) -> torch.nn.Module:
        if self.model is None:
            raise ValueError("no model is loaded")
        if self.model.loaded.arch != "stargan":
            raise ValueError(f"a {self.model.loaded.arch} model cannot edit attributes; load a StarGAN model")
        return self.model.module

    @property
    def resolution(self) -> int:
        value = self.model.loaded.resolution if self.model is not None else None
        return int(value) if value else DEFAULT_RESOLUTION

    def edit(self, crop: np.ndarray, target: Sequence[float]) -> np.ndarray:
        """RGB uint8 crop -> edited RGB uint8 crop at the model's resolution."""
        gen = self.generator
        c_dim = int(gen.config["c_dim"])
        if len(target) != c_dim:
            raise ValueError(f"the model has {c_dim} attributes, the target has {len(target)} values")
        crop = np.asarray(crop)
        res = self.resolution
        if crop.shape[0] != res or crop.shape[1] != res:
            crop = crop_for_model(crop, CropBox(0, 0, min(crop.shape[:2])), res)
        x = image_to_tensor(crop, self.runtime, 3)
        c = torch.tensor([list(target)], dtype=self.runtime.dtype, device=self.runtime.device)
        return to_uint8(gen(x, c)[0].float().cpu().numpy())

    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        if isinstance(job, AttributeFolderJob):
            return self.edit_folder(job, ctx)
        if not isinstance(job, AttributeJob):
            raise TypeError(f"AttributeSession cannot run {type(job).__name__}")
        return {"image": self.edit(job.crop, job.target)}

    def edit_folder(self, job: AttributeFolderJob, ctx: RunContext) -> dict[str, Any]:
        inputs = list(job.inputs)
        folder = Path(job.output_folder)
        model_name = Path(self.model.loaded.path).stem if self.model is not None else ""
        written: list[str] = []
        skipped: list[tuple[str, str]] = []
        cancelled = False
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for index, source in enumerate(inputs):
                ctx.step(index, len(inputs), f"{index + 1} of {len(inputs)}: {Path(source).name}")
                try:
                    photo = read_photo(source)
                except DocumentError as exc:
                    skipped.append((source, exc.reason))
                    continue
                h, w = photo.pixels.shape[:2]
                box = default_crop(w, h)
                edited = self.edit(crop_for_model(photo.pixels, box, self.resolution), job.target)
                full = paste_back(photo.pixels, edited, box, feather=round(box.size * job.feather), keep_detail=job.keep_detail)
                name = output_name(job.template, source, index + 1, model=model_name)
                target = safe_output_path(folder, name, inputs, overwrite=job.overwrite, taken=written)
                try:
                    write_image(target, full, settings={"source": Path(source).name, "model": model_name, "target": list(job.target)})
                except (DocumentError, OSError) as exc:
                    skipped.append((source, f"could not be written: {exc}"))
                    continue
                written.append(os.fspath(target))
        except Cancelled:
            cancelled = True
        return {"written": written, "skipped": skipped, "cancelled": cancelled, "total": len(inputs)}
