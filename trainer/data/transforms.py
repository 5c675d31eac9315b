"""Augmentation applied identically to an image and its label map.

Built on torchvision's functional transforms with parameters drawn from a
per-item torch.Generator, so the same item always gets the same crop and flip
(for exact resume) and every tensor of an item gets the same geometry. Label
maps are resized with nearest-neighbour so class ids are never blended.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision.transforms import InterpolationMode


@dataclass(frozen=True)
class JointTransform:
    """Resize to `load_size`, random-crop to `crop_size`, random horizontal flip.

    `load_size` None means no resize before the crop. `center_crop` takes a
    centred square of that side first (StarGAN's CelebA 178 crop).
    """

    crop_size: int
    load_size: Optional[int] = None
    flip: bool = True
    center_crop: Optional[int] = None

    def __call__(self, images: list[Image.Image], labels: list[Image.Image] = (), generator: torch.Generator | None = None) -> tuple[list[Image.Image], list[Image.Image]]:
        images, labels = list(images), list(labels)
        if self.center_crop:
            images = [TF.center_crop(im, [self.center_crop]) for im in images]
            labels = [TF.center_crop(lb, [self.center_crop]) for lb in labels]
        size = self.load_size or self.crop_size
        images = [im if im.size == (size, size) else TF.resize(im, [size, size], interpolation=InterpolationMode.BICUBIC, antialias=True) for im in images]
        labels = [lb if lb.size == (size, size) else TF.resize(lb, [size, size], interpolation=InterpolationMode.NEAREST) for lb in labels]
        if size > self.crop_size:
            top = int(torch.randint(0, size - self.crop_size + 1, (1,), generator=generator))
            left = int(torch.randint(0, size - self.crop_size + 1, (1,), generator=generator))
            images = [TF.crop(im, top, left, self.crop_size, self.crop_size) for im in images]
            labels = [TF.crop(lb, top, left, self.crop_size, self.crop_size) for lb in labels]
        if self.flip and bool(torch.rand((), generator=generator) < 0.5):
            images = [TF.hflip(im) for im in images]
            labels = [TF.hflip(lb) for lb in labels]
        return images, labels
