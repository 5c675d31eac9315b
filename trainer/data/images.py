"""Reading image files defensively: a bad file is reported and skipped, never fatal."""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from ganstudio.document.limits import IMAGE_FORMATS, MAX_PHOTO_PIXELS

log = logging.getLogger("trainer.data")

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
READ_ERRORS = (OSError, UnidentifiedImageError, ValueError, SyntaxError)


class SkippedFileWarning(UserWarning):
    """A data file could not be used; training goes on without it."""


def report_skip(path: Path | str, reason: str) -> None:
    message = f"skipping {path}: {reason}"
    warnings.warn(message, SkippedFileWarning, stacklevel=3)
    log.warning(message)


def list_images(folder: Path) -> list[Path]:
    """Image files directly inside `folder`, sorted by name."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)


def is_readable(path: Path) -> bool:
    """Cheap header check at index time; a full decode happens on use."""
    try:
        with Image.open(path) as image:
            # the app's own limits: a small file declaring a huge picture would cost gigabytes on use
            if image.format not in IMAGE_FORMATS:
                report_skip(path, f"{image.format} images are not read")
                return False
            if image.width * image.height > MAX_PHOTO_PIXELS:
                report_skip(path, f"{image.width}x{image.height} is larger than {MAX_PHOTO_PIXELS / 1e6:.0f} megapixels")
                return False
            image.verify()
        return True
    except READ_ERRORS as exc:
        report_skip(path, f"unreadable image ({exc})")
        return False


def load_rgb(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def load_raw(path: Path) -> Image.Image:
    """An image as stored (a palette or grayscale label map stays what it is)."""
    with Image.open(path) as image:
        image.load()
        return image.copy()


def to_tensor_image(image: Image.Image) -> torch.Tensor:
    """PIL RGB -> float tensor [3, H, W] in [-1, 1]."""
    array = np.asarray(image, dtype=np.float32)
    return torch.from_numpy(array).permute(2, 0, 1).contiguous().div_(127.5).sub_(1.0)


class SkippingDataset(Dataset):
    """Base for datasets indexed by (index, augmentation seed).

    The sampler hands each item its own seed so augmentation is reproducible
    whatever the worker layout or a resume. If an item fails to decode it is
    reported once and the next item is used instead, so a corrupt file that
    slipped past the index-time check is still not fatal.
    """

    def __len__(self) -> int:
        raise NotImplementedError

    def load(self, index: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def describe(self, index: int) -> str:
        return f"item {index}"

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, torch.Tensor]:
        index, seed = key if isinstance(key, tuple) else (key, 0)
        n = len(self)
        for attempt in range(n):
            current = (index + attempt) % n
            generator = torch.Generator().manual_seed(int(seed))
            try:
                return self.load(current, generator)
            except READ_ERRORS as exc:
                report_skip(self.describe(current), f"failed to load ({exc})")
        raise RuntimeError("no item of the dataset could be read")


def require_items(items: Sequence, what: str, folder: Path) -> None:
    if not items:
        raise FileNotFoundError(f"no usable {what} found in {folder}")


