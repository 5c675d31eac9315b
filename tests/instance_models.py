"""A tiny random-weight InstaGAN (A->B generator with its B->A "reverse" part) saved in the native format, and
pictures with instance masks, for tests of the Convert workspace's instance translation."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganstudio.checkpoints import save_model
from ganstudio.models.instagan import ResnetSetGenerator


def save_instagan(path: Path, *, resolution: int = 32, seed: int = 0, domains: tuple[str, str] | None = ("trees", "rocks")) -> Path:
    torch.manual_seed(seed)
    forward = ResnetSetGenerator(ngf=4, n_blocks=1)
    reverse = ResnetSetGenerator(ngf=4, n_blocks=1)
    provenance = {"iterations": 1, "domains": {"A": domains[0], "B": domains[1]}} if domains else {"iterations": 1}
    return save_model(forward, path, parts={"reverse": reverse}, resolution=resolution, provenance=provenance)


def disc_mask(height: int, width: int, cx: float, cy: float, radius: float) -> np.ndarray:
    """(H, W) uint8, 255 inside the disc."""
    y, x = np.mgrid[0:height, 0:width]
    return np.where((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius**2, 255, 0).astype(np.uint8)
