"""Import WillSuen/LostGANs v2 generator files (``netGv2_coco128.pth``, ``netGv2_vg128.pth``, the 256 px model).

The files are state dicts saved from DataParallel (the ``module.`` prefix is gone by the time detect sees
them). The official test loads them non-strictly; here only these absences and extras are forgiven, as
things that do not change what the model computes:
- a missing ``num_batches_tracked`` (files from before PyTorch 0.4.1): filled with 0, never read in eval;
- a plain ``<layer>.weight`` beside ``<layer>.weight_orig`` (the old spectral-norm hook also saved the
  normalised weight, which is recomputed from weight_orig, weight_u and weight_v): dropped.
Any other missing or extra key means a different or damaged file and is refused, naming the key.
"""
from __future__ import annotations

from typing import Any, Mapping

import torch

from ..presets import COCO_STUFF_CLASSES
from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against, shape, wants

ARCH = "lostgan_generator"

# Class ids as the published COCO model reads them: 0 pads the layout, 1..182 are COCO-Stuff's ids
# (things 1-90, stuff 92-182, unused ids included so indices line up), 183 is "other" (excluded at test).
COCO_CLASSES: tuple[str, ...] = ("__image__",) + COCO_STUFF_CLASSES + ("other",)
# Objects per layout the published test uses (padded with class 0 off canvas).
MAX_OBJECTS = {"coco": 8, "vg": 31}


def class_names(num_classes: int, preset: str) -> list[str]:
    """Names for the embedding's classes: COCO-Stuff's for a 184-class file, numbered otherwise."""
    if preset == "coco" and num_classes == len(COCO_CLASSES):
        return list(COCO_CLASSES)
    # The Visual Genome vocabulary (179 = 178 objects + __image__) is built by the reference's
    # preprocessing from the dataset and is not published with the code: numbered names.
    return ["__image__"] + [f"class {i}" for i in range(1, num_classes)]


def _clean(state: State) -> tuple[dict[str, torch.Tensor], list[str], list[str]]:
    cleaned = dict(state)
    dropped = [k for k in state if k.endswith(".weight") and k[: -len("weight")] + "weight_orig" in state]
    for key in dropped:
        del cleaned[key]
    filled = []
    for key in state:
        if key.endswith(".running_mean"):
            tracked = key[: -len("running_mean")] + "num_batches_tracked"
            if tracked not in cleaned:
                cleaned[tracked] = torch.tensor(0, dtype=torch.long)
                filled.append(tracked)
    return cleaned, dropped, filled


def _read(state: State, hints: Mapping[str, Any]) -> ImportResult:
    num_classes, embed_dim = shape(state, "label_embedding.weight", 2)
    ch = shape(state, "final.0.weight", 1)[0]
    fc_out, z_dim = shape(state, "fc.weight_orig", 2)
    if fc_out != 256 * ch:
        raise ImportMismatch(f"fc.weight_orig has shape {(fc_out, z_dim)}, expected ({256 * ch}, {z_dim}) for {ch} base channels")
    mask_hidden = shape(state, "mask_regress.conv1.0.weight_orig", 4)[0]
    mask_head = shape(state, "res1.conv_mask.0.weight", 4)[0]
    size = 256 if "res6.conv1.weight_orig" in state else 128
    cleaned, dropped, filled = _clean(state)
    config = dict(size=size, ch=int(ch), num_classes=int(num_classes), z_dim=int(z_dim), embed_dim=int(embed_dim),
                  mask_hidden=int(mask_hidden), mask_head=int(mask_head))
    check_against(ARCH, config, cleaned, "LostGAN-v2 generator")
    preset = str(hints.get("preset", "")).lower() or ("coco" if num_classes == len(COCO_CLASSES) else "vg")
    if preset not in MAX_OBJECTS:
        raise ImportMismatch(f"unknown LostGAN preset {preset!r} (expected 'coco' or 'vg')")
    meta: dict[str, Any] = {"resolution": size, "class_names": class_names(int(num_classes), preset),
                            "max_objects": MAX_OBJECTS[preset], "dataset": preset}
    if dropped:
        meta["dropped_keys"] = dropped
    if filled:
        meta["filled_keys"] = filled
    return ImportResult(arch=ARCH, config=config, state=cleaned, meta=meta)


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    if "label_embedding.weight" in state and "mask_regress.fc.weight_orig" in state and wants(hints, ARCH):
        return _read(state, hints)
    return None
