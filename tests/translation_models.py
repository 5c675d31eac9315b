"""Tiny random-weight translation and attribute models saved in the native format, for tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganstudio.checkpoints import save_model
from ganstudio.models.cyclegan import ResnetGenerator
from ganstudio.models.pix2pix import UnetGenerator
from ganstudio.models.stargan import Generator

CELEBA_ATTRIBUTES = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]


def save_cyclegan(path: Path, *, resolution: int = 64, n_blocks: int = 1, seed: int = 0) -> Path:
    """A CycleGAN pair (A->B main network, B->A "reverse" part) with InstanceNorm."""
    torch.manual_seed(seed)
    forward = ResnetGenerator(ngf=8, n_blocks=n_blocks)
    reverse = ResnetGenerator(ngf=8, n_blocks=n_blocks)
    return save_model(forward, path, parts={"reverse": reverse}, resolution=resolution)


def save_pix2pix(path: Path, *, num_downs: int = 6, use_dropout: bool = True, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    net = UnetGenerator(ngf=4, num_downs=num_downs, use_dropout=use_dropout)
    # random running statistics, so eval mode and batch statistics really differ
    for layer in net.modules():
        if isinstance(layer, torch.nn.BatchNorm2d):
            layer.running_mean.normal_(0, 0.3)
            layer.running_var.uniform_(0.5, 2.0)
    return save_model(net, path, resolution=2**num_downs)


def save_stargan(path: Path, *, resolution: int = 32, attributes: list[str] | None = None, seed: int = 0) -> Path:
    attributes = attributes or CELEBA_ATTRIBUTES
    torch.manual_seed(seed)
    gen = Generator(conv_dim=8, c_dim=len(attributes), repeat_num=1)
    return save_model(gen, path, attributes=attributes, resolution=resolution)


def smooth_image(height: int, width: int, seed: int = 0, alpha: bool = False) -> np.ndarray:
    """A smooth random RGB(A) uint8 picture (coarse noise upsampled), like a photo's low frequencies."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 1, size=(1, 3, max(2, height // 8), max(2, width // 8))).astype(np.float32)
    fine = torch.nn.functional.interpolate(torch.from_numpy(coarse), size=(height, width), mode="bilinear", align_corners=False)
    rgb = (fine[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    if alpha:
        a = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, axis=0).round().astype(np.uint8)
        rgb = np.concatenate([rgb, a[..., None]], axis=2)
    return rgb
