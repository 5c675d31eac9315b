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


class DecayEMA(EMA):
    """An EMA with a fixed decay per update (OASIS: 0.9999 per generator step).

    With `warmup`, the decay is capped at (1 + step) / (10 + step), so the average
    follows the generator closely at first instead of staying near its random
    initialisation for tens of thousands of steps; the cap passes 0.9999 at step
    ~90,000, after which this is the paper's plain EMA.
    """

    def __init__(self, model: nn.Module, decay: float = 0.9999, warmup: bool = True) -> None:
        super().__init__(model, rampup=None)
        self.decay = decay
        self.warmup = warmup

    def decay_at(self, step: int) -> float:
        """The decay of update number `step` (0 for the first)."""
        if not self.warmup:
            return self.decay
        return min(self.decay, (1 + step) / (10 + step))

    @torch.no_grad()
    def update_step(self, model: nn.Module, step: int) -> None:
        beta = self.decay_at(step)
        for shadow_p, p in zip(self.shadow.parameters(), model.parameters()):
            shadow_p.copy_(p.detach().lerp(shadow_p, beta))
        for shadow_b, b in zip(self.shadow.buffers(), model.buffers()):
            shadow_b.copy_(b)
