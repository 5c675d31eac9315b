"""An image -> W+ encoder for a StyleGAN2 generator, after pSp (Richardson et al. 2021) and e4e (Tov et al. 2021).

Written from the papers' descriptions, scaled down to train and run on a CPU:

- a ResNet-like backbone halves the image stage by stage down to 4x4 pixels;
- a small feature pyramid (pSp): the 4x4, 8x8 and 16x16 stages, each finer one with
  the coarser one upsampled and added, so fine layers see the global layout too;
- one head per pyramid level maps its features to the ws of the generator layers that
  work at that scale (coarse layers 4-8 px from the 4x4 level, 16-32 px from 8x8, the
  rest from 16x16), as pSp's map2style does;
- e4e's parameterisation: the first layer's output is a single base w and every other
  layer adds a delta to it, ws[i] = w_avg + base + delta_i (delta_0 = 0). A training
  penalty on the deltas keeps the ws close to one w, which keeps inversions editable
  (the directions and truncation of the latent explorer assume W, not arbitrary W+).

The output is absolute (w_avg added), float32: `module(images [B,3,H,W] in [-1,1]) ->
ws [B, num_ws, w_dim]`, what `Generator.synthesis` takes. `w_avg` is a buffer copied
from the generator the encoder was trained for, so the file needs nothing else.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["StyleGAN2Encoder", "layer_levels"]

LEVELS = 3  # coarse, middle, fine


def layer_levels(num_ws: int) -> list[int]:
    """The pyramid level (0 coarse, 1 middle, 2 fine) feeding each ws index.

    StyleGAN2 spends about two ws per resolution starting at 4x4 (layer i works at
    4 * 2**(i // 2) pixels): 4-8 px layers are coarse, 16-32 px middle, finer ones fine.
    """
    levels = []
    for i in range(num_ws):
        resolution = 4 * 2 ** (i // 2)
        levels.append(0 if resolution <= 8 else 1 if resolution <= 32 else 2)
    return levels


def _groups(channels: int) -> int:
    return math.gcd(channels, 8)


class _ResidualBlock(nn.Module):
    """Two 3x3 convolutions with GroupNorm; the sum is scaled to keep the activations' variance."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(channels), channels)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(_groups(channels), channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(F.leaky_relu(self.norm1(x), 0.2))
        y = self.conv2(F.leaky_relu(self.norm2(y), 0.2))
        return (x + y) * (1 / math.sqrt(2))


class _Stage(nn.Module):
    """Halve the resolution with a strided convolution, then `blocks` residual blocks."""

    def __init__(self, in_channels: int, out_channels: int, blocks: int) -> None:
        super().__init__()
        self.down = nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1)
        self.blocks = nn.Sequential(*[_ResidualBlock(out_channels) for _ in range(blocks)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.down(x))


class _Head(nn.Module):
    """Pyramid features -> `count` ws: a 1x1 reduction, pooled to 4x4 (keeps the layout), then a linear layer."""

    def __init__(self, channels: int, reduced: int, count: int, w_dim: int) -> None:
        super().__init__()
        self.count, self.w_dim = count, w_dim
        self.reduce = nn.Conv2d(channels, reduced, 1)
        self.fc = nn.Linear(reduced * 16, count * w_dim)
        # start at w_avg: zero output, so early training sees the average image, not noise
        nn.init.zeros_(self.fc.weight)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.leaky_relu(self.reduce(x), 0.2)
        x = F.adaptive_avg_pool2d(x, 4).flatten(1)
        return self.fc(x).view(-1, self.count, self.w_dim)


class StyleGAN2Encoder(nn.Module):
    """images [B, img_channels, resolution, resolution] in [-1, 1] -> ws [B, num_ws, w_dim] (absolute).

    resolution: the generator's image size (a power of two >= 8); num_ws, w_dim: its
    latent shape. channels: the first stage's width, doubled per stage up to
    channel_max. blocks: residual blocks per stage. head_channels: the pyramid
    features' width before each head's linear layer (sets most of the file size).
    """

    def __init__(self, resolution: int = 256, num_ws: int = 14, w_dim: int = 512, img_channels: int = 3,
                 channels: int = 32, channel_max: int = 256, blocks: int = 1, head_channels: int = 32) -> None:
        super().__init__()
        if resolution < 8 or resolution & (resolution - 1):
            raise ValueError(f"resolution must be a power of two >= 8, got {resolution}")
        self.config: dict[str, Any] = {"resolution": resolution, "num_ws": num_ws, "w_dim": w_dim, "img_channels": img_channels,
                                       "channels": channels, "channel_max": channel_max, "blocks": blocks,
                                       "head_channels": head_channels}
        self.resolution, self.num_ws, self.w_dim = resolution, num_ws, w_dim
        self.stem = nn.Conv2d(img_channels, channels, 3, padding=1)
        stages, widths = [], []
        width, size = channels, resolution
        while size > 4:
            out = min(width * 2, channel_max)
            stages.append(_Stage(width, out, blocks))
            widths.append(out)
            width, size = out, size // 2
        self.stages = nn.ModuleList(stages)
        # pyramid levels: the last (4x4), second-last (8x8) and third-last (16x16) stages, where they exist
        self.pyramid = min(LEVELS, len(stages))
        level_widths = [widths[-1 - k] for k in range(self.pyramid)]
        self.lateral = nn.ModuleList(nn.Conv2d(level_widths[k - 1], level_widths[k], 1) for k in range(1, self.pyramid))
        levels = [min(level, self.pyramid - 1) for level in layer_levels(num_ws)]
        self.levels = levels
        counts = [levels.count(k) for k in range(self.pyramid)]
        self.heads = nn.ModuleList(_Head(level_widths[k], head_channels, max(counts[k], 1), w_dim) for k in range(self.pyramid))
        self.register_buffer("w_avg", torch.zeros([w_dim]))

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(base [B, w_dim], deltas [B, num_ws, w_dim]) relative to w_avg; deltas[:, 0] is zero."""
        if images.ndim != 4 or images.shape[1] != self.config["img_channels"] or images.shape[-2:] != (self.resolution, self.resolution):
            raise ValueError(f"images must have shape [B, {self.config['img_channels']}, {self.resolution}, {self.resolution}], "
                             f"got {tuple(images.shape)}")
        x = self.stem(images)
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        levels = [features[-1]]  # coarse to fine, each with the coarser one added (top-down pathway)
        for k in range(1, self.pyramid):
            finer = features[-1 - k]
            levels.append(finer + F.interpolate(self.lateral[k - 1](levels[-1]), size=finer.shape[-2:], mode="nearest"))
        outputs = [head(level) for head, level in zip(self.heads, levels)]
        codes = images.new_zeros(images.shape[0], self.num_ws, self.w_dim)
        taken = [0] * self.pyramid
        for i, level in enumerate(self.levels):
            codes[:, i] = outputs[level][:, taken[level]]
            taken[level] += 1
        base = codes[:, 0]
        deltas = torch.cat([torch.zeros_like(codes[:, :1]), codes[:, 1:]], dim=1)
        return base, deltas

    def forward(self, images: torch.Tensor, with_deltas: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Absolute ws; with `with_deltas` also the deltas (training penalises them; through forward, so DDP sees it)."""
        base, deltas = self.encode(images)
        ws = self.w_avg + base.unsqueeze(1) + deltas
        return (ws, deltas) if with_deltas else ws
