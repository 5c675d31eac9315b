"""The square crop a face-attribute model sees, and pasting its edit back into the photo.

The StarGAN reference test prepares CelebA images (178x218) with CenterCrop(178)
then Resize(128). We generalise that to any photo as the largest centred
square (side = the shorter side), which is exactly the reference crop on
CelebA-sized images; the user can then move and resize it. Resizing uses
Pillow's bilinear filter, as torchvision's Resize does on PIL images.

Paste-back scales the edited crop to the box, optionally keeping the photo's
fine detail (the model's change is added to the original instead of replacing
it), and blends it in with a feathered edge so no seam shows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

REFERENCE_FEATHER = 0.08  # feather width as a fraction of the crop side


@dataclass(frozen=True)
class CropBox:
    """A square in photo pixels: left, top, side."""

    x: int
    y: int
    size: int

    def clamped(self, width: int, height: int, min_size: int = 8) -> "CropBox":
        """The nearest box that lies inside a width x height photo."""
        size = int(max(min(min_size, width, height), min(self.size, width, height)))
        x = int(min(max(self.x, 0), width - size))
        y = int(min(max(self.y, 0), height - size))
        return CropBox(x, y, size)

    def as_tuple(self) -> tuple[int, int, int]:
        return self.x, self.y, self.size


def default_crop(width: int, height: int) -> CropBox:
    """The largest centred square: the reference's CenterCrop(178) on 178x218 CelebA images."""
    size = min(width, height)
    return CropBox((width - size) // 2, (height - size) // 2, size)


def _resize(pixels: np.ndarray, width: int, height: int, resample: Image.Resampling) -> np.ndarray:
    if pixels.shape[1] == width and pixels.shape[0] == height:
        return pixels
    return np.asarray(Image.fromarray(np.ascontiguousarray(pixels)).resize((width, height), resample))


def crop_for_model(photo: np.ndarray, box: CropBox, resolution: int) -> np.ndarray:
    """RGB uint8 (resolution, resolution, 3): the box cut from the photo and resized bilinearly."""
    box = box.clamped(photo.shape[1], photo.shape[0])
    region = photo[box.y : box.y + box.size, box.x : box.x + box.size, :3]
    return _resize(region, resolution, resolution, Image.Resampling.BILINEAR)


def feather_mask(size: int, feather: int) -> np.ndarray:
    """(size, size) float32 weights: 0 at the box edge rising smoothly to 1 `feather` pixels in."""
    feather = max(1, min(int(feather), size // 2))
    t = np.minimum(np.arange(size), np.arange(size)[::-1]).astype(np.float32) + 0.5
    ramp = np.clip(t / feather, 0.0, 1.0)
    ramp = ramp * ramp * (3.0 - 2.0 * ramp)  # smoothstep: no kink where the ramp meets the plateau
    return np.outer(ramp, ramp)


def paste_back(
    photo: np.ndarray,
    edited: np.ndarray,
    box: CropBox,
    *,
    feather: int | None = None,
    keep_detail: bool = True,
) -> np.ndarray:
    """The full-size photo with `edited` (the model's output for `box`) blended in.

    `keep_detail` adds the model's change (edited minus the model's input,
    both scaled to the box) to the original pixels, so detail finer than the
    model's resolution survives; otherwise the scaled output replaces them.
    Alpha, if any, is kept as it was. Pixels outside the box are untouched.
    """
    box = box.clamped(photo.shape[1], photo.shape[0])
    s = box.size
    feather = round(s * REFERENCE_FEATHER) if feather is None else int(feather)
    region = photo[box.y : box.y + s, box.x : box.x + s, :3].astype(np.float32)
    up = _resize(np.ascontiguousarray(edited[..., :3]), s, s, Image.Resampling.BICUBIC).astype(np.float32)
    if keep_detail:
        res = edited.shape[0]
        model_input = crop_for_model(photo, box, res)
        low = _resize(model_input, s, s, Image.Resampling.BICUBIC).astype(np.float32)
        result = region + (up - low)
    else:
        result = up
    mask = feather_mask(s, feather)[..., None]
    blended = region + mask * (result - region)
    out = photo.copy()
    out[box.y : box.y + s, box.x : box.x + s, :3] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out
