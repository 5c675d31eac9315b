"""A tiny random-weight StyleGAN2 generator (32 px, 8 ws, 7 noise layers) and its native file, for tests."""
from __future__ import annotations

from pathlib import Path

import torch

from ganstudio.checkpoints import save_model
from ganstudio.models.stylegan2 import Generator


def tiny_stylegan2(*, c_dim: int = 0, seed: int = 0, random_w_avg: bool = False) -> Generator:
    """Random weights, but noise strengths of 0.5 (they start at 0) so noise settings change the picture."""
    torch.manual_seed(seed)
    gen = Generator(z_dim=32, c_dim=c_dim, w_dim=32, img_resolution=32, img_channels=3,
                    mapping_kwargs={"num_layers": 2}, synthesis_kwargs={"channel_base": 256, "channel_max": 16})
    with torch.no_grad():
        for name, param in gen.named_parameters():
            if name.endswith("noise_strength"):
                param.fill_(0.5)
        if random_w_avg:  # a zero average would make truncation pull every latent to the same point
            gen.mapping.w_avg.normal_()
    return gen


def save_tiny_stylegan2(path: Path, **kwargs: object) -> Path:
    save_model(tiny_stylegan2(**kwargs), path, resolution=32)  # type: ignore[arg-type]
    return path
