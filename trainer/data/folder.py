"""A plain folder of images (StyleGAN2)."""
from __future__ import annotations

from pathlib import Path

import torch

from .images import IMAGE_EXTENSIONS, SkippingDataset, is_readable, load_rgb, require_items, to_tensor_image
from .transforms import JointTransform


class ImageFolderDataset(SkippingDataset):
    """Items {"image": [3, H, W] in [-1, 1]} from every image under `root` (recursively,
    preferring `root/images` when it exists)."""

    def __init__(self, root: str | Path, transform: JointTransform) -> None:
        self.root = Path(root)
        self.transform = transform
        folder = self.root / "images" if (self.root / "images").is_dir() else self.root
        if not folder.is_dir():
            raise FileNotFoundError(f"no such folder: {folder}")
        candidates = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
        self.paths = [p for p in candidates if is_readable(p)]
        require_items(self.paths, "images", folder)

    def __len__(self) -> int:
        return len(self.paths)

    def describe(self, index: int) -> str:
        return str(self.paths[index])

    def load(self, index: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        (image,), _ = self.transform([load_rgb(self.paths[index])], generator=generator)
        return {"image": to_tensor_image(image)}
