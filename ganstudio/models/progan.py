"""Progressive GAN (Karras et al., 2018) generator and discriminator, as facebookresearch/pytorch_GAN_zoo's PGAN.

Every layer is "equalized": its weights are drawn from N(0, 1) and the layer's
output (bias included) is multiplied at run time by He's constant
sqrt(2 / fan_in), so that Adam's steps are the same size for every layer. The
wrapped torch layer is the attribute `module`, which gives the published key names
(`formatLayer.module.weight`, `scaleLayers.{s}.{i}.module.weight`, ...).

Generator: pixel norm of z, a linear "format" layer to a 4x4 map, a 3x3 conv at
4x4, then per further scale a nearest x2 upsampling and two 3x3 convs, each
followed by LeakyReLU 0.2 and pixel norm; a 1x1 toRGB per scale. `alpha` (the
reference's convention: 1 at the start of a fade-in, 0 once the new scale is
in) blends in the previous scale's toRGB, upsampled. No output activation (the
WGAN-GP loss needs none); the app clamps to [-1, 1].

Both networks take `stage` (0 = 4x4, the last = full size): training grows
through the stages with the whole network built from the start, and the
explorer shows each stage's toRGB.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

LEAK = 0.2


class EqualizedLayer(nn.Module):
    """A conv or linear layer whose output is scaled by sqrt(2 / fan_in) at run time (when equalized)."""

    def __init__(self, module: nn.Conv2d | nn.Linear, equalized: bool = True) -> None:
        super().__init__()
        self.module = module
        fan_in = module.weight[0].numel()
        self.scale = math.sqrt(2.0 / fan_in) if equalized else 1.0
        if equalized:  # N(0, 1) weights: the scale above gives He's initialisation
            nn.init.normal_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.module(x)
        return out * self.scale if self.scale != 1.0 else out


def equalized_conv(cin: int, cout: int, kernel: int, equalized: bool) -> EqualizedLayer:
    return EqualizedLayer(nn.Conv2d(cin, cout, kernel, padding=kernel // 2), equalized)


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Each pixel's feature vector scaled to unit mean square (over channels)."""
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


def upscale2x(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")


def minibatch_stddev(x: torch.Tensor, group: int = 4) -> torch.Tensor:
    """One more channel: the mean over features and pixels of the standard deviation within each group of samples.
    A batch that the group size does not divide is one group, as the reference does."""
    n, c, h, w = x.shape
    group = min(n, group)
    if n % group:
        group = n
    if group <= 1:
        return torch.cat([x, x.new_zeros(n, 1, h, w)], dim=1)
    y = x.view(-1, group, c, h, w)
    y = torch.sqrt(y.var(dim=1, unbiased=True) + 1e-8).reshape(n // group, -1).mean(dim=1)
    y = y.view(-1, 1, 1, 1, 1).expand(-1, group, 1, h, w).reshape(n, 1, h, w)
    return torch.cat([x, y], dim=1)


def _check_depths(depth_scale0: int, depth_other_scales: Sequence[int]) -> list[int]:
    depths = [int(depth_scale0), *(int(d) for d in depth_other_scales)]
    if any(d < 1 for d in depths):
        raise ValueError(f"every scale needs at least one channel, got {depths}")
    return depths


class ProGANGenerator(nn.Module):
    """z [N, z_dim] -> image [N, img_channels, R, R], R = 4 * 2^len(depth_other_scales)."""

    def __init__(self, *, z_dim: int = 512, depth_scale0: int = 512, depth_other_scales: Sequence[int] = (),
                 img_channels: int = 3, equalized: bool = True, normalization: bool = True, alpha: float = 0.0,
                 output_activation: str = "none") -> None:
        super().__init__()
        depths = _check_depths(depth_scale0, depth_other_scales)
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        if output_activation not in ("none", "tanh"):
            raise ValueError(f"output_activation must be none or tanh, got {output_activation!r}")
        self.config = dict(z_dim=z_dim, depth_scale0=depth_scale0, depth_other_scales=list(depths[1:]),
                           img_channels=img_channels, equalized=equalized, normalization=normalization, alpha=float(alpha),
                           output_activation=output_activation)
        self.output_tanh = output_activation == "tanh"  # the zoo's MSE / DCGAN losses end in tanh, WGAN-GP in nothing
        self.z_dim, self.img_channels = z_dim, img_channels
        self.num_stages = len(depths)
        self.img_resolution = 4 * 2 ** (len(depths) - 1)
        self.alpha = float(alpha)
        self.normalization = normalization
        self.formatLayer = EqualizedLayer(nn.Linear(z_dim, 16 * depths[0]), equalized)
        self.groupScale0 = nn.ModuleList([equalized_conv(depths[0], depths[0], 3, equalized)])
        self.scaleLayers = nn.ModuleList(
            nn.ModuleList([equalized_conv(cin, cout, 3, equalized), equalized_conv(cout, cout, 3, equalized)])
            for cin, cout in zip(depths, depths[1:]))
        self.toRGBLayers = nn.ModuleList(equalized_conv(d, img_channels, 1, equalized) for d in depths)

    def _norm(self, x: torch.Tensor) -> torch.Tensor:
        return pixel_norm(x) if self.normalization else x

    def _features(self, z: torch.Tensor, stage: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Features at `stage` and, for a fade-in, those of the stage below."""
        x = self._norm(z.reshape(z.shape[0], -1))
        x = F.leaky_relu(self.formatLayer(x), LEAK).view(z.shape[0], -1, 4, 4)
        x = pixel_norm(x)  # the reference normalises here whatever `normalization` says
        for conv in self.groupScale0:
            x = self._norm(F.leaky_relu(conv(x), LEAK))
        previous = None
        for group in self.scaleLayers[:stage]:
            previous = x
            x = upscale2x(x)
            for conv in group:
                x = self._norm(F.leaky_relu(conv(x), LEAK))
        return x, previous

    def forward(self, z: torch.Tensor, stage: int | None = None, alpha: float | None = None) -> torch.Tensor:
        """The image at `stage` (default: full size), blended with the stage below by `alpha` (default: self.alpha)."""
        stage = self.num_stages - 1 if stage is None else int(stage)
        if not 0 <= stage < self.num_stages:
            raise ValueError(f"stage {stage} is out of range: the network has {self.num_stages} (0-{self.num_stages - 1})")
        alpha = self.alpha if alpha is None else float(alpha)
        x, previous = self._features(z, stage)
        out = self.toRGBLayers[stage](x)
        if alpha > 0 and previous is not None:
            out = alpha * upscale2x(self.toRGBLayers[stage - 1](previous)) + (1.0 - alpha) * out
        return torch.tanh(out) if self.output_tanh else out

    def stage_images(self, z: torch.Tensor) -> list[torch.Tensor]:
        """Each scale's toRGB of one forward pass: [N, C, 4, 4], [N, C, 8, 8], ... (no fade)."""
        x = self._norm(z.reshape(z.shape[0], -1))
        x = pixel_norm(F.leaky_relu(self.formatLayer(x), LEAK).view(z.shape[0], -1, 4, 4))
        for conv in self.groupScale0:
            x = self._norm(F.leaky_relu(conv(x), LEAK))
        images = [self.toRGBLayers[0](x)]
        for group, to_rgb in zip(self.scaleLayers, self.toRGBLayers[1:]):
            x = upscale2x(x)
            for conv in group:
                x = self._norm(F.leaky_relu(conv(x), LEAK))
            images.append(to_rgb(x))
        return [torch.tanh(image) for image in images] if self.output_tanh else images


class ProGANDiscriminator(nn.Module):
    """image at `stage`'s size -> one score per sample ([N]); pytorch_GAN_zoo's DNet names."""

    def __init__(self, *, depth_scale0: int = 512, depth_other_scales: Sequence[int] = (), img_channels: int = 3,
                 equalized: bool = True, minibatch_stddev: bool = True, decision_size: int = 1) -> None:
        super().__init__()
        depths = _check_depths(depth_scale0, depth_other_scales)
        self.config = dict(depth_scale0=depth_scale0, depth_other_scales=list(depths[1:]), img_channels=img_channels,
                           equalized=equalized, minibatch_stddev=minibatch_stddev, decision_size=decision_size)
        self.num_stages = len(depths)
        self.use_mbstd = minibatch_stddev
        self.alpha = 0.0
        self.fromRGBLayers = nn.ModuleList(equalized_conv(img_channels, d, 1, equalized) for d in depths)
        # scale s (s >= 1) takes depths[s] channels down to depths[s - 1]
        self.scaleLayers = nn.ModuleList(
            nn.ModuleList([equalized_conv(cout, cout, 3, equalized), equalized_conv(cout, cin, 3, equalized)])
            for cin, cout in zip(depths, depths[1:]))
        self.groupScaleZero = nn.ModuleList([
            equalized_conv(depths[0] + (1 if minibatch_stddev else 0), depths[0], 3, equalized),
            EqualizedLayer(nn.Linear(depths[0] * 16, depths[0]), equalized)])
        self.decisionLayer = EqualizedLayer(nn.Linear(depths[0], decision_size), equalized)

    def forward(self, image: torch.Tensor, stage: int | None = None, alpha: float | None = None) -> torch.Tensor:
        stage = self.num_stages - 1 if stage is None else int(stage)
        alpha = self.alpha if alpha is None else float(alpha)
        x = F.leaky_relu(self.fromRGBLayers[stage](image), LEAK)
        lower = None
        if alpha > 0 and stage > 0:
            lower = F.leaky_relu(self.fromRGBLayers[stage - 1](F.avg_pool2d(image, 2)), LEAK)
        for index in range(stage - 1, -1, -1):
            for conv in self.scaleLayers[index]:
                x = F.leaky_relu(conv(x), LEAK)
            x = F.avg_pool2d(x, 2)
            if lower is not None:
                x, lower = alpha * lower + (1 - alpha) * x, None
        if self.use_mbstd:
            x = minibatch_stddev(x)
        x = F.leaky_relu(self.groupScaleZero[0](x), LEAK)
        x = F.leaky_relu(self.groupScaleZero[1](x.flatten(1)), LEAK)
        out = self.decisionLayer(x)
        return out[:, 0] if out.shape[1] == 1 else out
