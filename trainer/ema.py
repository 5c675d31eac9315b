"""Exponential moving average of a generator's weights (StyleGAN2's G_ema)."""
from __future__ import annotations

import copy

import torch
import torch.nn as nn


class EMA:
    """Keeps `shadow`, a frozen copy of `model` tracking its weights.

    The half-life is `half_life_kimg` thousand images; with `rampup` the
    half-life is capped at rampup * images seen so far, so early training is
    not dragged back to the random initialisation (stylegan2-ada's ema_rampup).
    Buffers are copied, not averaged.
    """

    def __init__(self, model: nn.Module, half_life_kimg: float = 10.0, rampup: float | None = 0.05) -> None:
        self.shadow = copy.deepcopy(model).eval().requires_grad_(False)
        self.half_life_kimg = half_life_kimg
        self.rampup = rampup

    def beta(self, batch_size: int, images_seen: int) -> float:
        half_life = self.half_life_kimg * 1000
        if self.rampup is not None:
            half_life = min(half_life, images_seen * self.rampup)
        return 0.5 ** (batch_size / max(half_life, 1e-8))

    @torch.no_grad()
    def update(self, model: nn.Module, batch_size: int, images_seen: int) -> None:
        beta = self.beta(batch_size, images_seen)
        for shadow_p, p in zip(self.shadow.parameters(), model.parameters()):
            shadow_p.copy_(p.detach().lerp(shadow_p, beta))
        for shadow_b, b in zip(self.shadow.buffers(), model.buffers()):
            shadow_b.copy_(b)
