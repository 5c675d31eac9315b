"""Unpaired domains for CycleGAN: `trainA/` and `trainB/` folders of images."""
from __future__ import annotations

from pathlib import Path

import torch

from .images import SkippingDataset, is_readable, list_images, load_rgb, require_items, to_tensor_image
from .transforms import JointTransform


class UnpairedDataset(SkippingDataset):
    """Items {"A": image of domain A, "B": image of domain B}.

    The dataset's length is the larger domain; item i takes A[i % |A|] and a
    B image chosen by the item's own generator (as the reference does with
    `serial_batches` off), so pairs are random but reproducible.
    """

    def __init__(self, root: str | Path, transform: JointTransform) -> None:
        self.root = Path(root)
        self.transform = transform
        self.domain_a = [p for p in list_images(self.root / "trainA") if is_readable(p)]
        self.domain_b = [p for p in list_images(self.root / "trainB") if is_readable(p)]
        require_items(self.domain_a, "images", self.root / "trainA")
        require_items(self.domain_b, "images", self.root / "trainB")

    def __len__(self) -> int:
        return max(len(self.domain_a), len(self.domain_b))

    def describe(self, index: int) -> str:
        return str(self.domain_a[index % len(self.domain_a)])

    def pick(self, index: int, generator: torch.Generator) -> tuple[Path, Path]:
        """The item's A image and its randomly drawn B image."""
        path_a = self.domain_a[index % len(self.domain_a)]
        return path_a, self.domain_b[int(torch.randint(0, len(self.domain_b), (1,), generator=generator))]

    def load(self, index: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        path_a, path_b = self.pick(index, generator)
        (a,), _ = self.transform([load_rgb(path_a)], generator=generator)
        (b,), _ = self.transform([load_rgb(path_b)], generator=generator)
        return {"A": to_tensor_image(a), "B": to_tensor_image(b)}
