"""PatchGAN discriminator (Isola et al. 2017), state-dict compatible with
junyanz/pytorch-CycleGAN-and-pix2pix ``NLayerDiscriminator``.

Layout of ``model``: 4x4 stride-2 conv (bias) + LeakyReLU(0.2); `n_layers - 1`
stride-2 [conv, norm, LeakyReLU] with min(2**n, 8)*ndf channels; one stride-1
[conv, norm, LeakyReLU] with min(2**n_layers, 8)*ndf; a stride-1 conv to one
channel (bias). All kernels 4x4 with padding 1; the output is a map of logits.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from .junyanz_norms import check_norm, conv_bias, make_norm


class NLayerDiscriminator(nn.Module):
    def __init__(self, *, input_nc: int = 3, ndf: int = 64, n_layers: int = 3, norm: str = "batch") -> None:
        super().__init__()
        check_norm(norm)
        if n_layers < 1:
            raise ValueError(f"n_layers must be >= 1, got {n_layers}")
        self.config = dict(input_nc=input_nc, ndf=ndf, n_layers=n_layers, norm=norm)
        bias = conv_bias(norm)
        layers: list[nn.Module] = [nn.Conv2d(input_nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [
                nn.Conv2d(ndf * prev, ndf * mult, 4, stride=stride, padding=1, bias=bias),
                make_norm(norm, ndf * mult),
                nn.LeakyReLU(0.2, inplace=True),
            ]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
