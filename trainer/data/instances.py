"""Unpaired domains with instance masks, in sangwoomo/instagan's layout, for the InstaGAN recipe.

`trainA/<name>.png` with `trainA_seg/<name>_<i>.png` (i < 20, grey, non-zero inside instance i), the
same for B. Each item gives the image and its masks in [-1, 1], resized and cropped with the image
(nearest for masks), the largest first, padded with empty (-1) masks to `ins_max` and cut there, as
the reference's `select_masks_decreasing` does.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .images import load_rgb, to_tensor_image
from .transforms import JointTransform
from .unpaired import UnpairedDataset

MAX_MASKS_PER_IMAGE = 20  # the reference reads `<name>_0.png` .. `<name>_19.png`


def mask_paths(seg_folder: Path, image: Path) -> list[Path]:
    found = [seg_folder / f"{image.stem}_{i}.png" for i in range(MAX_MASKS_PER_IMAGE)]
    return [p for p in found if p.is_file()]


def sorted_masks(masks: list[torch.Tensor], ins_max: int, size: tuple[int, int]) -> torch.Tensor:
    """(ins_max, H, W) in [-1, 1]: the largest first, empty masks after the last instance."""
    masks = sorted(masks, key=lambda m: -float(m.mean()))[:ins_max]
    empty = -torch.ones(ins_max - len(masks), *size)
    return torch.cat([torch.stack(masks), empty]) if masks else empty


class InstanceDataset(UnpairedDataset):
    """Items {"A", "A_segs", "B", "B_segs"}: A[i % |A|] and a B image drawn by the item's own generator."""

    def __init__(self, root: str | Path, transform: JointTransform, ins_max: int) -> None:
        super().__init__(root, transform)
        self.ins_max = ins_max

    def _item(self, path: Path, domain: str, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        masks = [Image.open(p).convert("L") for p in mask_paths(self.root / f"train{domain}_seg", path)]
        (image,), masks = self.transform([load_rgb(path)], masks, generator=generator)
        tensor = to_tensor_image(image)
        segs = [torch.from_numpy((np.asarray(m) > 127).astype(np.float32)) * 2 - 1 for m in masks]
        return tensor, sorted_masks(segs, self.ins_max, tuple(tensor.shape[-2:]))

    def load(self, index: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        path_a, path_b = self.pick(index, generator)
        a, a_segs = self._item(path_a, "A", generator)
        b, b_segs = self._item(path_b, "B", generator)
        return {"A": a, "A_segs": a_segs, "B": b, "B_segs": b_segs}
