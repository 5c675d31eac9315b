"""Faces with binary attributes for StarGAN, from a CelebA-style attribute list.

The list file (`list_attr.txt` or `list_attr_celeba.txt`): first line the
number of images, second line the attribute names, then one line per image:
`FILENAME v1 v2 ...` with values 1 / -1 (0 is accepted as false).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

from .images import SkippingDataset, is_readable, load_rgb, report_skip, require_items, to_tensor_image
from .transforms import JointTransform

DEFAULT_ATTRIBUTES = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young")
LIST_NAMES = ("list_attr.txt", "list_attr_celeba.txt")
IMAGE_DIRS = ("images", "img_align_celeba")


def find_attribute_list(root: Path, explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    for name in LIST_NAMES:
        if (root / name).is_file():
            return root / name
    raise FileNotFoundError(f"no attribute list ({' or '.join(LIST_NAMES)}) in {root}")


class AttributeDataset(SkippingDataset):
    """Items {"image": [3, H, W] in [-1, 1], "label": float [n_attrs] of 0/1}."""

    def __init__(self, root: str | Path, transform: JointTransform, attributes: Sequence[str] | None = None, attr_file: str | None = None) -> None:
        self.root = Path(root)
        self.transform = transform
        list_path = find_attribute_list(self.root, attr_file)
        lines = [line.split() for line in list_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if len(lines) < 3:
            raise ValueError(f"{list_path}: too short for an attribute list")
        header = lines[1]
        if attributes is None:
            attributes = [a for a in DEFAULT_ATTRIBUTES if a in header] or header
        missing = [a for a in attributes if a not in header]
        if missing:
            raise ValueError(f"{list_path}: no attribute(s) {', '.join(missing)}; available: {', '.join(header)}")
        self.attributes = list(attributes)
        columns = [header.index(a) for a in self.attributes]
        image_dir = next((self.root / d for d in IMAGE_DIRS if (self.root / d).is_dir()), self.root)
        self.items: list[tuple[Path, torch.Tensor]] = []
        for fields in lines[2:]:
            name, values = fields[0], fields[1:]
            path = image_dir / name
            if len(values) != len(header):
                report_skip(path, f"attribute line has {len(values)} values, expected {len(header)}")
            elif not path.is_file():
                report_skip(path, "listed in the attribute file but missing")
            elif is_readable(path):
                self.items.append((path, torch.tensor([float(int(values[c]) > 0) for c in columns])))
        require_items(self.items, "attribute-labelled images", image_dir)

    def __len__(self) -> int:
        return len(self.items)

    def describe(self, index: int) -> str:
        return str(self.items[index][0])

    def load(self, index: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        path, label = self.items[index]
        (image,), _ = self.transform([load_rgb(path)], generator=generator)
        return {"image": to_tensor_image(image), "label": label.clone()}
