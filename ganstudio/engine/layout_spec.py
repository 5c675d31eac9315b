"""What the Layout workspace asks the worker for: plain data, no torch (the app builds these; engine/layout.py runs them)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .jobs import Job

CHANNEL = "layout"
MAX_SEED = 2**31 - 1  # any int64 works; this keeps seeds readable and within a spin box
# Objects per layout when a file does not say: the reference's COCO test pads every layout to 8.
DEFAULT_MAX_OBJECTS = 8


@dataclass(frozen=True, kw_only=True, eq=False)
class LayoutJob(Job):
    """`boxes` (K, 4) float (x0, y0, w, h) in [0, 1]; `classes` (K,) class ids; `object_seeds` (K,); `scene_seed`.

    A preview is the same render returned at half size (LostGAN's cost does not shrink with the output)."""

    channel: str = CHANNEL
    boxes: np.ndarray
    classes: np.ndarray
    object_seeds: np.ndarray
    scene_seed: int = 0
    preview: bool = False

    session: ClassVar[Any] = "ganstudio.engine.layout:LayoutSession"
    title: ClassVar[str] = "Layout to image"
