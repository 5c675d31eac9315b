"""StarGAN generator and discriminator (Choi et al. 2018), state-dict
compatible with yunjey/stargan ``model.py``.

The official networks use InstanceNorm2d(affine=True, track_running_stats=True),
so their files carry running statistics, but the official test never switches
to eval mode: images are always normalised with their own statistics.
`InstanceNormPerImage` keeps the same parameters and buffers and always uses
per-image statistics; in training it still updates the (unused) running
statistics, as the reference does, so saved files look the same.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .layers import InstanceNorm2d, is_channels_last


class InstanceNormPerImage(InstanceNorm2d):
    def __init__(self, channels: int) -> None:
        super().__init__(channels, affine=True, track_running_stats=True)

    @property
    def uses_input_statistics_only(self) -> bool:
        return not self.training  # eval mode never reads nor updates the running statistics

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.uses_input_statistics_only and is_channels_last(x):
            return super().forward(x)  # the channels_last group norm: the same per-image statistics
        tracking = self.training
        return F.instance_norm(
            x,
            self.running_mean if tracking else None,
            self.running_var if tracking else None,
            self.weight,
            self.bias,
            use_input_stats=True,
            momentum=self.momentum if self.momentum is not None else 0.0,
            eps=self.eps,
        )


class ResidualBlock(nn.Module):
    """x + [conv3, IN, ReLU, conv3, IN](x), all convs without bias."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(dim, dim, 3, padding=1, bias=False),
            InstanceNormPerImage(dim),
            nn.ReLU(inplace=True),
            nn.Conv2d(dim, dim, 3, padding=1, bias=False),
            InstanceNormPerImage(dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.main(x)


class Generator(nn.Module):
    """forward(x [N,3,H,W] in [-1,1], c [N,c_dim] target attributes) -> [N,3,H,W].

    The attribute vector is tiled over the image and concatenated as extra
    input channels. Sides must be multiples of 4.
    """

    def __init__(self, *, conv_dim: int = 64, c_dim: int = 5, repeat_num: int = 6) -> None:
        super().__init__()
        self.config = dict(conv_dim=conv_dim, c_dim=c_dim, repeat_num=repeat_num)
        layers: list[nn.Module] = [
            nn.Conv2d(3 + c_dim, conv_dim, 7, padding=3, bias=False),
            InstanceNormPerImage(conv_dim),
            nn.ReLU(inplace=True),
        ]
        dim = conv_dim
        for _ in range(2):
            layers += [nn.Conv2d(dim, dim * 2, 4, stride=2, padding=1, bias=False), InstanceNormPerImage(dim * 2), nn.ReLU(inplace=True)]
            dim *= 2
        layers += [ResidualBlock(dim) for _ in range(repeat_num)]
        for _ in range(2):
            layers += [
                nn.ConvTranspose2d(dim, dim // 2, 4, stride=2, padding=1, bias=False),
                InstanceNormPerImage(dim // 2),
                nn.ReLU(inplace=True),
            ]
            dim //= 2
        layers += [nn.Conv2d(dim, 3, 7, padding=3, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    size_multiple = 4

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        c = c.to(x.dtype).view(c.shape[0], c.shape[1], 1, 1).expand(-1, -1, x.shape[2], x.shape[3])
        return self.main(torch.cat([x, c], dim=1))


class Discriminator(nn.Module):
    """forward(x) -> (out_src [N,1,H/2^r,W/2^r] realness map, out_cls [N,c_dim] attribute logits).

    `repeat_num` stride-2 4x4 convs with LeakyReLU(0.01); the class head's
    kernel covers the whole final map, so inputs must be image_size square
    (a multiple of 2**repeat_num).
    """

    def __init__(self, *, image_size: int = 128, conv_dim: int = 64, c_dim: int = 5, repeat_num: int = 6) -> None:
        super().__init__()
        kernel = image_size // 2**repeat_num
        if kernel < 1:
            raise ValueError(f"image_size {image_size} is smaller than 2**repeat_num = {2**repeat_num}")
        self.config = dict(image_size=image_size, conv_dim=conv_dim, c_dim=c_dim, repeat_num=repeat_num)
        layers: list[nn.Module] = [nn.Conv2d(3, conv_dim, 4, stride=2, padding=1), nn.LeakyReLU(0.01)]
        dim = conv_dim
        for _ in range(1, repeat_num):
            layers += [nn.Conv2d(dim, dim * 2, 4, stride=2, padding=1), nn.LeakyReLU(0.01)]
            dim *= 2
        self.main = nn.Sequential(*layers)
        self.conv1 = nn.Conv2d(dim, 1, 3, stride=1, padding=1, bias=False)
        self.conv2 = nn.Conv2d(dim, c_dim, kernel, bias=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.main(x)
        out_cls = self.conv2(h)
        return self.conv1(h), out_cls.view(out_cls.shape[0], out_cls.shape[1])
