"""Label maps + photos for SPADE and SEAN.

Layout: `root/labels/NAME.png` and `root/images/NAME.<ext>` paired by name,
with an optional `root/palette.json` (a list of {"name", "color"}). A label
PNG holds class ids (grayscale or indexed PNG: the pixel value is the id) or,
for RGB label images, palette colours, which are mapped back to ids.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from .images import SkippingDataset, is_readable, list_images, load_raw, load_rgb, report_skip, require_items, to_tensor_image
from .transforms import JointTransform


def parse_color(value: Any) -> tuple[int, int, int]:
    if isinstance(value, str):
        text = value.lstrip("#")
        if len(text) != 6:
            raise ValueError(f"bad colour {value!r}")
        return tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    r, g, b = (int(c) for c in list(value)[:3])
    return r, g, b


def read_palette(path: Path) -> list[dict[str, Any]]:
    """[{"name", "color": [r, g, b]}] from a palette.json (a list, or {"labels": [...]})."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data.get("labels", data.get("classes")) if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected a list of {{name, color}} entries")
    return [{"name": str(e.get("name", f"class {i}")), "color": list(parse_color(e["color"]))} for i, e in enumerate(entries)]


def label_ids(image: Image.Image, colors: np.ndarray | None) -> np.ndarray:
    """Class ids [H, W] from a label image: pixel values, or palette colours mapped to ids."""
    if image.mode in ("L", "P", "I", "I;16", "1"):
        return np.asarray(image).astype(np.int64)
    if colors is None:
        raise ValueError(f"colour label map (mode {image.mode}) but no palette file")
    rgb = np.asarray(image.convert("RGB")).astype(np.int64)
    # nearest palette colour, so anti-aliased edges still map to a class
    dist = ((rgb[:, :, None, :] - colors[None, None, :, :]) ** 2).sum(-1)
    return dist.argmin(-1)


class LabelMapDataset(SkippingDataset):
    """Items {"label": int64 [H, W] class ids, "image": [3, H, W] in [-1, 1]}."""

    def __init__(self, root: str | Path, transform: JointTransform, num_classes: int | None = None) -> None:
        self.root = Path(root)
        self.transform = transform
        palette_path = self.root / "palette.json"
        self.labels_meta: list[dict[str, Any]] | None = read_palette(palette_path) if palette_path.is_file() else None
        self.colors = np.array([e["color"] for e in self.labels_meta], dtype=np.int64) if self.labels_meta else None
        images = {p.stem: p for p in list_images(self.root / "images")}
        self.pairs: list[tuple[Path, Path]] = []
        for label in list_images(self.root / "labels"):
            image = images.get(label.stem)
            if image is None:
                report_skip(label, "no photo with the same name in images/")
            elif is_readable(label) and is_readable(image):
                self.pairs.append((label, image))
        require_items(self.pairs, "label map + photo pairs", self.root)
        if num_classes is None:
            num_classes = len(self.labels_meta) if self.labels_meta else self._scan_num_classes()
        self.num_classes = int(num_classes)
        if self.labels_meta is None:
            self.labels_meta = [{"name": f"class {i}", "color": list(_fallback_color(i))} for i in range(self.num_classes)]

    def _scan_num_classes(self) -> int:
        highest = 0
        for label, _ in self.pairs:
            try:
                highest = max(highest, int(label_ids(load_raw(label), self.colors).max()))
            except (OSError, ValueError):
                continue
        return highest + 1

    def __len__(self) -> int:
        return len(self.pairs)

    def describe(self, index: int) -> str:
        return str(self.pairs[index][0])

    def load(self, index: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        label_path, image_path = self.pairs[index]
        ids = label_ids(load_raw(label_path), self.colors)
        if ids.max() >= self.num_classes:
            raise ValueError(f"class id {int(ids.max())} but only {self.num_classes} classes")
        image = load_rgb(image_path)
        if image.size != (ids.shape[1], ids.shape[0]):
            raise ValueError(f"label map is {ids.shape[1]}x{ids.shape[0]} but photo is {image.size[0]}x{image.size[1]}")
        label = Image.fromarray(ids.astype(np.int32), mode="I")
        (image,), (label,) = self.transform([image], [label], generator=generator)
        return {"label": torch.from_numpy(np.asarray(label).astype(np.int64)), "image": to_tensor_image(image)}


def _fallback_color(index: int) -> tuple[int, int, int]:
    """Distinct colours for classes that came without a palette."""
    rng = np.random.RandomState(index + 1)
    return tuple(int(c) for c in rng.randint(0, 256, size=3))  # type: ignore[return-value]
