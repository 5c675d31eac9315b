"""Face attribute editing with a StarGAN generator: target labels, one crop, a folder.

Labels follow the reference: one value per attribute of the model's metadata,
0 or 1 for the photo as it is (the "original"). Toggling an ordinary
attribute flips it; toggling a member of an exclusive group (hair colours)
sets that member to 1 and the rest of the group to 0, as the reference's
``create_labels`` does. A strength per toggle moves the target continuously
from the original (0) to the toggled value (1). The generator runs on the
crop at the model's resolution with per-image statistics (the reference test
never switches StarGAN to eval statistics; see ganstudio.models.stargan).

Pasting back. The generator redraws the whole crop at its own resolution,
with its own blur, checkerboard and noise even where nothing was asked to
change (the bundled model redraws a face at about the fidelity of a 4x
blur). So the edit is measured against the model's redraw of the photo as it
is, not against the photo: the crop runs twice in one batch, with the target
and with the original labels, and the change is ``edited - reference``. What
both redraws share (the model's own blur and artefacts) cancels, and with no
change asked the photo comes back untouched. What remains of the decoder's
noise is fine-grained: a [1, 2, 1] smoothing removes its checkerboard, the
size of what it removed gives the noise level, and the smoothed change is
kept only where it stands clearly above that level (fully from
GATE_HIGH noise levels, not at all below GATE_LOW). The clean change is scaled
to the crop box and added to the photo's own pixels, so the photo keeps all
its detail wherever the edit does not act ("keep photo detail"); without
that option the model's output replaces the crop.

A model file may carry the StarGAN discriminator as its ``discriminator``
part; its classification head then says which attributes each photo already
has (per face in folder runs).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np
import torch
from PIL import Image

from ganstudio import families
from ganstudio.document.batch_names import output_name, safe_output_path
from ganstudio.document.errors import DocumentError
from ganstudio.document.face_align import FaceSquare
from ganstudio.document.face_crop import REFERENCE_FEATHER, CropBox, crop_for_model, default_crop, feather_mask
from ganstudio.document.image_io import read_photo, write_image

from .device import Runtime, first_line, is_out_of_memory
from .faces import FaceDetectorUnavailable, detect_faces, paste_face, warp_face
from .jobs import BatchJob, Job
from .session import Cancelled, RunContext, Session
from .translate import image_to_tensor, to_uint8

HAIR_COLOURS = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair")
DEFAULT_RESOLUTION = 128
CLASSIFIER_PART = "discriminator"
CLASSIFIER_ARCH = "stargan_discriminator"
# The change is kept where its smoothed size exceeds GATE_LOW noise levels, fully from GATE_HIGH
# (measured on the bundled model, benchmarks/bench_attribute_paste.py: 3/6 took the noise over a
# plain wall from 6.1 to 2.1 levels of standard deviation, input 1.5, and kept the hair change).
GATE_LOW = 3.0
GATE_HIGH = 6.0


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


def labels_from_scores(scores: Sequence[float], groups: Sequence[Sequence[int]] = ()) -> list[int]:
    """0/1 labels from a classifier's probabilities: over 0.5; in an exclusive group only the likeliest member."""
    labels = [1 if float(p) > 0.5 else 0 for p in scores]
    for group in groups:
        best = max(group, key=lambda i: float(scores[i]))
        for i in group:
            labels[i] = 1 if i == best and float(scores[i]) > 0.5 else 0
    return labels


# ---- the edit's change, cleaned, and pasting it back -------------------------------------------------
def _smooth(values: np.ndarray) -> np.ndarray:
    """[1, 2, 1]/4 along both axes (edges repeated): zero response at the 2-pixel period of a checkerboard."""
    padded = np.pad(values, [(1, 1), (1, 1)] + [(0, 0)] * (values.ndim - 2), mode="edge")
    rows = 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]
    return 0.25 * rows[:, :-2] + 0.5 * rows[:, 1:-1] + 0.25 * rows[:, 2:]


def edit_delta(edited: np.ndarray, reference: np.ndarray, *, low: float = GATE_LOW, high: float = GATE_HIGH) -> np.ndarray:
    """(res, res, 3) float32: the edit's change `edited - reference` without the decoder's fine noise.

    The noise level is the robust spread (1.4826 x median absolute value) of
    what the smoothing removed; the smoothed change is weighted 0 below `low`
    such levels and 1 from `high` (a smoothstep between), and the weights are
    smoothed too so the edit's outline stays soft.
    """
    delta = edited[..., :3].astype(np.float32) - reference[..., :3].astype(np.float32)
    smooth = _smooth(delta)
    noise = 1.4826 * float(np.median(np.abs(delta - smooth)))
    if noise <= 1e-6:  # no fine structure at all (e.g. nothing changed): nothing to gate
        return smooth
    size = np.sqrt((smooth * smooth).sum(axis=-1))
    t = np.clip((size - low * noise) / ((high - low) * noise), 0.0, 1.0)
    weight = _smooth(_smooth(t * t * (3.0 - 2.0 * t)))
    return smooth * weight[..., None]


def _resize_float(values: np.ndarray, size: int) -> np.ndarray:
    """(h, w, c) float32 -> (size, size, c), bicubic per channel (the paste's scaling, without rounding)."""
    if values.shape[0] == size and values.shape[1] == size:
        return values.astype(np.float32)
    return np.stack(
        [np.asarray(Image.fromarray(np.ascontiguousarray(values[..., c], dtype=np.float32), mode="F").resize((size, size), Image.Resampling.BICUBIC)) for c in range(values.shape[-1])],
        axis=-1,
    )


def blend_edit(region: np.ndarray, edited: np.ndarray, reference: np.ndarray, *, feather: int, keep_detail: bool = True) -> np.ndarray:
    """(s, s, 3) float32: the photo's square `region` with the edit blended in (feathered edge of `feather` px).

    `keep_detail`: the region plus the cleaned change (see `edit_delta`);
    otherwise the model's output, scaled to the region, replaces it.
    """
    s = region.shape[0]
    region = region[..., :3].astype(np.float32)
    if keep_detail:
        change = _resize_float(edit_delta(edited, reference), s)
    else:
        change = _resize_float(edited[..., :3].astype(np.float32), s) - region
    return region + feather_mask(s, feather)[..., None] * change


def paste_edit(
    photo: np.ndarray,
    edited: np.ndarray,
    reference: np.ndarray,
    box: CropBox | FaceSquare,
    *,
    feather: int | None = None,
    keep_detail: bool = True,
) -> np.ndarray:
    """The full-size photo with the edit of `box` blended in; alpha and pixels outside the box are kept.

    `edited` and `reference` are the model's outputs for the box's crop with
    the target and with the original labels (see the module docstring). A
    `FaceSquare` (a found face, or a box turned by hand) is pasted through its
    inverse warp (`engine.faces.paste_face`); `feather` is in photo pixels.
    """
    if isinstance(box, FaceSquare):
        fraction = REFERENCE_FEATHER if feather is None else feather / max(box.size, 1.0)
        if keep_detail:
            ref = reference[..., :3].astype(np.float32)
            return paste_face(photo, ref + edit_delta(edited, reference), box, reference=ref, feather=fraction)
        return paste_face(photo, edited, box, feather=fraction)
    box = box.clamped(photo.shape[1], photo.shape[0])
    s = box.size
    feather = round(s * REFERENCE_FEATHER) if feather is None else int(feather)
    region = photo[box.y : box.y + s, box.x : box.x + s, :3]
    blended = blend_edit(region, edited, reference, feather=feather, keep_detail=keep_detail)
    out = photo.copy()
    out[box.y : box.y + s, box.x : box.x + s, :3] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out


def preview_edit(
    photo: np.ndarray,
    edited: np.ndarray,
    reference: np.ndarray,
    box: CropBox | FaceSquare,
    size: int,
    *,
    feather_fraction: float = REFERENCE_FEATHER,
    keep_detail: bool = True,
) -> np.ndarray:
    """(n, n, 3) uint8, n = min(size, box side): the box of `paste_edit`'s result, computed at that size (cheap enough per edit)."""
    if isinstance(box, FaceSquare):
        n = int(max(8, min(size, round(box.size))))
        region = warp_face(photo, box, n)
    else:
        box = box.clamped(photo.shape[1], photo.shape[0])
        n = int(max(8, min(size, box.size)))
        region = crop_for_model(photo, box, n)
    blended = blend_edit(region, edited, reference, feather=max(1, round(n * feather_fraction)), keep_detail=keep_detail)
    return np.clip(np.rint(blended), 0, 255).astype(np.uint8)


# ---- jobs ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, eq=False)
class AttributeJob(Job):
    """Edit one crop (RGB uint8, ideally already at the model's resolution) towards `target`.

    With `original` (the photo's own labels) the result also holds the
    model's redraw with them, "reference", which the paste-back measures the
    edit against; without it the reference is the crop itself.
    """

    channel: str = "attributes"
    crop: np.ndarray
    target: tuple[float, ...]
    original: tuple[float, ...] | None = None

    session: ClassVar[Any] = "ganstudio.engine.attributes:AttributeSession"
    title: ClassVar[str] = "Attribute edit"


@dataclass(frozen=True, kw_only=True, eq=False)
class AttributeDetectJob(Job):
    """Which attributes a crop already shows, by the model's classifier: {"scores": probabilities}."""

    channel: str = "attributes-detect"
    crop: np.ndarray

    session: ClassVar[Any] = "ganstudio.engine.attributes:AttributeSession"
    title: ClassVar[str] = "Attribute detection"


@dataclass(frozen=True, kw_only=True, eq=False)
class AttributeFolderJob(BatchJob):
    """Apply the toggles to every photo of a folder (default crop each, or with `faces` every face found), pasted back at full size.

    The photo's own labels are `original` for every photo, or, with `detect`
    and a model that carries a classifier, detected per photo; the target is
    then built per photo from them and the toggles.
    """

    channel: str = "attributes-folder"
    inputs: tuple[str, ...]
    output_folder: str
    original: tuple[float, ...]
    toggled: tuple[bool, ...]
    strengths: tuple[float, ...]
    detect: bool = True
    template: str = "{stem}_edited.png"
    feather: float = REFERENCE_FEATHER  # fraction of the crop side
    keep_detail: bool = True
    overwrite: bool = False
    faces: bool = False  # find the faces of each photo and edit each (a photo without one is skipped, said why)
    alignment: str = "celeba"  # how each found face is cut (document.face_align styles)

    session: ClassVar[Any] = "ganstudio.engine.attributes:AttributeSession"
    title: ClassVar[str] = "Attribute edit (folder)"


class AttributeSession(Session):
    @property
    def generator(self) -> torch.nn.Module:
        if self.model is None:
            raise ValueError("no model is loaded")
        if "attribute_editing" not in self.model.loaded.capabilities:
            wanted = families.describe_archs(families.archs_for_workspace("attributes"))
            raise ValueError(f"a {self.model.loaded.arch} model cannot edit attributes; load {wanted}")
        return self.model.module

    @property
    def resolution(self) -> int:
        value = self.model.loaded.resolution if self.model is not None else None
        return int(value) if value else DEFAULT_RESOLUTION

    @property
    def attributes(self) -> list[str]:
        return list(self.model.loaded.attributes) if self.model is not None else []

    def classifier(self) -> tuple[torch.nn.Module, Runtime] | None:
        """The discriminator part (its class head labels attributes) and its runtime, if the file has one."""
        if self.model is None or "attribute_detection" not in self.model.loaded.capabilities:
            return None
        if self.model.loaded.parts[CLASSIFIER_PART].arch != CLASSIFIER_ARCH:
            return None  # a part of that name but another network: it cannot label attributes
        return self.model.part(CLASSIFIER_PART)

    def _model_crop(self, crop: np.ndarray, size: int) -> np.ndarray:
        crop = np.asarray(crop)
        if crop.shape[0] != size or crop.shape[1] != size:
            crop = crop_for_model(crop, CropBox(0, 0, min(crop.shape[:2])), size)
        return crop

    def edit_pair(self, crop: np.ndarray, target: Sequence[float], original: Sequence[float] | None) -> tuple[np.ndarray, np.ndarray]:
        """(edited, reference) RGB uint8 crops at the model's resolution; reference = the crop itself without `original`."""
        gen = self.generator
        c_dim = int(gen.config["c_dim"])
        for name, labels in (("target", target), ("original", original)):
            if labels is not None and len(labels) != c_dim:
                raise ValueError(f"the model has {c_dim} attributes, the {name} has {len(labels)} values")
        crop = self._model_crop(crop, self.resolution)
        x = image_to_tensor(crop, self.runtime, 3)
        same = original is None or [float(v) for v in original] == [float(v) for v in target]
        # one batch of two: InstanceNorm is per image, so each output is what a run of its own gives
        rows = [list(target)] if same else [list(target), list(original)]
        c = torch.tensor(rows, dtype=self.runtime.dtype, device=self.runtime.device)
        out = gen(x.expand(len(rows), -1, -1, -1), c).float().cpu().numpy()
        edited = to_uint8(out[0])
        if original is None:
            return edited, np.ascontiguousarray(crop[..., :3])
        return edited, (edited if same else to_uint8(out[1]))

    def edit(self, crop: np.ndarray, target: Sequence[float]) -> np.ndarray:
        """RGB uint8 crop -> edited RGB uint8 crop at the model's resolution."""
        return self.edit_pair(crop, target, None)[0]

    def detect(self, crop: np.ndarray) -> list[float] | None:
        """The classifier's probability for each attribute on `crop`, or None when the model has no classifier."""
        found = self.classifier()
        if found is None:
            return None
        net, runtime = found
        size = int(net.config["image_size"])
        x = image_to_tensor(self._model_crop(crop, size), runtime, 3)
        _, logits = net(x)
        return [float(p) for p in torch.sigmoid(logits.float())[0].cpu()]

    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        if isinstance(job, AttributeFolderJob):
            return self.edit_folder(job, ctx)
        if isinstance(job, AttributeDetectJob):
            scores = self.detect(job.crop)
            return {} if scores is None else {"scores": np.asarray(scores, dtype=np.float32)}
        if not isinstance(job, AttributeJob):
            raise TypeError(f"AttributeSession cannot run {type(job).__name__}")
        edited, reference = self.edit_pair(job.crop, job.target, job.original)
        return {"image": edited, "reference": reference}

    def edit_folder(self, job: AttributeFolderJob, ctx: RunContext) -> dict[str, Any]:
        inputs = list(job.inputs)
        folder = Path(job.output_folder)
        model_name = Path(self.model.loaded.path).stem if self.model is not None else ""
        names = self.attributes
        groups = exclusive_groups(names)
        written: list[str] = []
        skipped: list[tuple[str, str]] = []
        detected = 0
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
                try:
                    if job.faces:
                        boxes: list[CropBox | FaceSquare] = [face.square(job.alignment) for face in detect_faces(photo.pixels)]
                        if not boxes:
                            skipped.append((source, "no face found"))
                            continue  # reported, never guessed
                    else:
                        boxes = [default_crop(w, h)]
                    full = photo.pixels
                    per_face = []
                    for box in boxes:
                        crop = warp_face(photo.pixels, box, self.resolution) if isinstance(box, FaceSquare) else crop_for_model(photo.pixels, box, self.resolution)
                        scores = self.detect(crop) if job.detect else None
                        original = list(job.original) if scores is None else labels_from_scores(scores, groups)
                        target = target_labels(original, job.toggled, job.strengths, groups)
                        edited, reference = self.edit_pair(crop, target, original)
                        side = box.size
                        full = paste_edit(full, edited, reference, box, feather=round(side * job.feather), keep_detail=job.keep_detail)
                        per_face.append((box, original, target, scores is not None))
                except FaceDetectorUnavailable as exc:
                    raise ValueError(str(exc)) from exc  # no photo can be done: stop, saying why
                except (ValueError, RuntimeError) as exc:
                    if is_out_of_memory(exc):
                        raise  # the runner's fallback takes over
                    skipped.append((source, first_line(exc)))
                    continue  # one photo that cannot be edited never stops the others
                detected += any(found for *_, found in per_face)
                name = output_name(job.template, source, index + 1, model=model_name)
                out_path = safe_output_path(folder, name, inputs, overwrite=job.overwrite, taken=written)
                _, original, target, found = per_face[0]
                settings = {
                    "source": Path(source).name,
                    "model": model_name,
                    "photo_has": dict(zip(names, original)) if names else list(original),
                    "photo_has_from": "classifier" if found else "the same ticks for every photo",
                    "target": dict(zip(names, target)) if names else list(target),
                }
                if job.faces:
                    settings["faces"] = [{"square": [round(v, 2) for v in box.as_tuple()], "alignment": job.alignment,
                                          "photo_has": dict(zip(names, orig)) if names else list(orig)}
                                         for box, orig, _, _ in per_face]
                try:
                    write_image(out_path, full, settings=settings)
                except (DocumentError, OSError) as exc:
                    skipped.append((source, f"could not be written: {exc}"))
                    continue
                written.append(os.fspath(out_path))
        except Cancelled:
            cancelled = True
        return {"written": written, "skipped": skipped, "cancelled": cancelled, "total": len(inputs), "detected": detected}
