"""Tiny StarGAN files for the Attributes tests: a generator with a discriminator part whose class head is predictable."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganstudio.checkpoints import save_model
from ganstudio.models.stargan import Discriminator, Generator
from translation_models import CELEBA_ATTRIBUTES

# What the classifier below says: a bright photo has black hair and is male and not young;
# a dark one the opposite (no black hair, blond as the likeliest hair colour, not male, young).
BRIGHT_SIGNS = (1.0, -1.0, -1.0, 1.0, -1.0)
BRIGHT_LABELS = [1, 0, 0, 1, 0]
DARK_LABELS = [0, 1, 0, 0, 1]


def save_stargan_with_classifier(path: Path, *, resolution: int = 32, seed: int = 0) -> Path:
    """A random tiny generator plus a StarGAN discriminator whose class head reads the photo's brightness.

    One stride-2 conv averages each 4x4 patch (LeakyReLU keeps the sign), and
    the class head sums the map with a sign per attribute (BRIGHT_SIGNS), so
    the logits are +-10 x the mean brightness in [-1, 1] (dark: 100x weaker,
    the LeakyReLU slope, but the same signs reversed).
    """
    torch.manual_seed(seed)
    gen = Generator(conv_dim=8, c_dim=len(CELEBA_ATTRIBUTES), repeat_num=1)
    disc = Discriminator(image_size=resolution, conv_dim=4, c_dim=len(CELEBA_ATTRIBUTES), repeat_num=1)
    with torch.no_grad():
        first = disc.main[0]
        first.weight.fill_(1.0 / first.weight[0].numel())
        first.bias.zero_()
        kernel = disc.conv2.weight
        cells = kernel[0].numel()
        for k, sign in enumerate(BRIGHT_SIGNS):
            kernel[k].fill_(10.0 * sign / cells)
    return save_model(gen, path, parts={"discriminator": disc}, attributes=CELEBA_ATTRIBUTES, resolution=resolution)


def flat_photo(height: int, width: int, level: int, seed: int = 0) -> np.ndarray:
    """A plain RGB photo at `level` with a little grain."""
    rng = np.random.default_rng(seed)
    return np.clip(level + rng.normal(0.0, 2.0, (height, width, 3)), 0, 255).astype(np.uint8)
