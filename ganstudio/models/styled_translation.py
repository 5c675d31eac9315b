"""One direction of a translation model as the Convert workspace runs it.

A family whose file holds several networks that together translate (MUNIT:
two auto-encoders; UNIT: two VAEs; BicycleGAN: a generator and an encoder)
declares a translator function (families.Family.translator) that composes
them into one module per direction. A unimodal translator is called as
``module(x)``; one with the "style_code" capability subclasses
StyledTranslator and is called as ``module(x, style)``.

Images are [N, C, H, W] in [-1, 1]; a style is [N, style_dim] (a style
broadcasts over every tile of a tiled conversion, so it is never spatial).
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn


class StyledTranslator(nn.Module):
    """x, style -> translated x; random styles from a seed; a reference image's style (when the file can encode one)."""

    style_dim: int = 8
    size_multiple: int = 4  # height and width must be multiples of this
    config: dict[str, Any]

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def can_encode_style(self) -> bool:
        """Whether encode_style works (BicycleGAN needs its encoder part)."""
        return False

    def encode_style(self, x: torch.Tensor) -> torch.Tensor:
        """The style of reference images x ([N, C, H, W] in [-1, 1]) as [N, style_dim] (the mean, no sampling)."""
        raise ValueError("this model has no style encoder: it cannot take a style from an image")

    def random_styles(self, count: int, seed: int) -> torch.Tensor:
        """`count` styles drawn from the prior N(0, I), the same for a seed on every device: [count, style_dim] float32 on the CPU."""
        generator = torch.Generator().manual_seed(int(seed))
        return torch.randn(int(count), int(self.style_dim), generator=generator)
