"""Paired data for pix2pix: A|B side-by-side images, or two folders with matching names."""
from __future__ import annotations

from pathlib import Path

import torch

from .images import SkippingDataset, is_readable, list_images, load_rgb, report_skip, require_items, to_tensor_image
from .transforms import JointTransform


class PairedDataset(SkippingDataset):
    """Items {"A": input, "B": target}, both [3, H, W] in [-1, 1].

    Layout, tried in order: `root/A` and `root/B` (files paired by name), or
    `root/train` or `root` holding side-by-side images (left half A, right half B).
    `direction` "BtoA" swaps input and target.
    """

    def __init__(self, root: str | Path, transform: JointTransform, direction: str = "AtoB") -> None:
        self.root = Path(root)
        self.transform = transform
        self.swap = direction == "BtoA"
        self.pairs: list[tuple[Path, Path | None]] = []
        if (self.root / "A").is_dir() and (self.root / "B").is_dir():
            targets = {p.stem: p for p in list_images(self.root / "B")}
            for source in list_images(self.root / "A"):
                target = targets.get(source.stem)
                if target is None:
                    report_skip(source, "no file with the same name in B/")
                elif is_readable(source) and is_readable(target):
                    self.pairs.append((source, target))
        else:
            folder = self.root / "train" if (self.root / "train").is_dir() else self.root
            for path in list_images(folder):
                if is_readable(path):
                    self.pairs.append((path, None))
        require_items(self.pairs, "image pairs", self.root)

    def __len__(self) -> int:
        return len(self.pairs)

    def describe(self, index: int) -> str:
        return str(self.pairs[index][0])

    def load(self, index: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        source, target = self.pairs[index]
        if target is None:
            combined = load_rgb(source)
            width, height = combined.size
            if width < 2:
                raise ValueError("too narrow to hold an A|B pair")
            a = combined.crop((0, 0, width // 2, height))
            b = combined.crop((width // 2, 0, width // 2 * 2, height))
        else:
            a, b = load_rgb(source), load_rgb(target)
            if a.size != b.size:
                raise ValueError(f"A is {a.size} but B is {b.size}")
        (a, b), _ = self.transform([a, b], generator=generator)
        if self.swap:
            a, b = b, a
        return {"A": to_tensor_image(a), "B": to_tensor_image(b)}
