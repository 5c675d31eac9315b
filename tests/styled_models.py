"""Models with styles for the Convert tests.

`styled_model()` is a tiny MUNIT trained so that its style codes carry colour
casts (tests/fixtures/convert/, made by tests/fixtures/tools/make_convert_style_munit.py):
random styles give visibly different outputs and a reference's encoded style
moves the output's colours toward it (a random-weight style encoder would not).
`bicyclegan_model()` is a tiny random-weight BicycleGAN (one way only), with or
without its encoder part.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from translation_models import smooth_image

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "convert" / "munit-colour-style.safetensors"


def styled_model(folder: Path | None = None) -> Path:
    """The trained test MUNIT (read only; `folder` is not needed)."""
    return FIXTURE


def bicyclegan_model(folder: Path, *, encoder: bool = True) -> Path:
    from ganstudio.checkpoints import save_model
    from ganstudio.models.bicyclegan import BicycleGenerator, ResNetEncoder

    torch.manual_seed(0)
    generator = BicycleGenerator(ngf=4, nz=8, num_downs=6)
    parts = {"encoder": ResNetEncoder(nef=4, nz=8, n_blocks=2)} if encoder else {}
    name = "bicyclegan.safetensors" if encoder else "bicyclegan-no-encoder.safetensors"
    return save_model(generator, folder / name, parts=parts, resolution=64)


def reference_pair() -> tuple[np.ndarray, np.ndarray]:
    """A content image and a reference whose colours differ clearly from it (a dark blue-green cast,
    as the colour casts the test MUNIT was trained on: per-channel gain and offset)."""
    content = smooth_image(64, 80, seed=1)
    reference = smooth_image(64, 80, seed=2).astype(np.float32)
    reference = np.clip(reference * np.array([0.25, 0.5, 0.8]) + np.array([10, 60, 40]), 0, 255).astype(np.uint8)
    return content, reference
