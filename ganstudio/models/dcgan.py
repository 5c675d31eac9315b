"""DCGAN (Radford et al., 2016) generator and discriminator, as pytorch/examples lays them out.

The generator is one `main` Sequential of transposed convolutions (4x4, stride 2)
with batch norm and ReLU, ending in tanh; the first layer turns z [N, z_dim, 1, 1]
into a 4x4 map. pytorch/examples' `netG_epoch_N.pth` files (64 px) load with
strict=True: the parameter names are `main.<index>.*`, three modules per block.
The WGAN-GP port by Lornatang has the same generator with a bias on the last
convolution (`final_bias`). Other powers of two add or remove blocks.

The discriminator mirrors it (stride-2 convolutions, LeakyReLU 0.2); `norm="none"`
and no sigmoid make the WGAN-GP critic (batch norm breaks the per-sample
gradient penalty).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn

RESOLUTIONS = (16, 32, 64, 128, 256)
NORMS = ("batch", "none")
OUTPUT_ACTIVATIONS = ("tanh", "none")  # pytorch_GAN_zoo drops the tanh when trained with its WGAN-GP loss


def _blocks(img_resolution: int) -> int:
    """Transposed convolutions between the 4x4 map and the output: 4 at 64 px."""
    if img_resolution not in RESOLUTIONS:
        raise ValueError(f"img_resolution must be one of {RESOLUTIONS}, got {img_resolution}")
    return int(math.log2(img_resolution)) - 2


class DCGANGenerator(nn.Module):
    """z [N, z_dim] (or [N, z_dim, 1, 1]) -> image [N, img_channels, R, R] in [-1, 1]."""

    def __init__(self, *, z_dim: int = 100, ngf: int = 64, img_channels: int = 3, img_resolution: int = 64,
                 final_bias: bool = False, output_activation: str = "tanh") -> None:
        super().__init__()
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"output_activation must be one of {OUTPUT_ACTIVATIONS}, got {output_activation!r}")
        self.config = dict(z_dim=z_dim, ngf=ngf, img_channels=img_channels, img_resolution=img_resolution,
                           final_bias=final_bias, output_activation=output_activation)
        self.z_dim, self.img_channels, self.img_resolution = z_dim, img_channels, img_resolution
        ups = _blocks(img_resolution)
        widths = [ngf * 2 ** (ups - 1 - i) for i in range(ups)]  # 64 px: ngf*8, *4, *2, *1
        layers: list[nn.Module] = [nn.ConvTranspose2d(z_dim, widths[0], 4, 1, 0, bias=False), nn.BatchNorm2d(widths[0]),
                                   nn.ReLU(True)]
        for cin, cout in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]
        layers.append(nn.ConvTranspose2d(widths[-1], img_channels, 4, 2, 1, bias=final_bias))
        if output_activation == "tanh":
            layers.append(nn.Tanh())
        self.main = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim == 2:
            z = z[:, :, None, None]
        return self.main(z)


class DCGANDiscriminator(nn.Module):
    """image -> one logit per sample ([N]); pytorch/examples' layout when norm="batch" and sigmoid=True."""

    def __init__(self, *, ndf: int = 64, img_channels: int = 3, img_resolution: int = 64, norm: str = "batch",
                 sigmoid: bool = False) -> None:
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        self.config = dict(ndf=ndf, img_channels=img_channels, img_resolution=img_resolution, norm=norm, sigmoid=sigmoid)
        downs = _blocks(img_resolution)
        widths = [ndf * 2 ** i for i in range(downs)]
        layers: list[nn.Module] = [nn.Conv2d(img_channels, widths[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for cin, cout in zip(widths, widths[1:]):
            layers.append(nn.Conv2d(cin, cout, 4, 2, 1, bias=False))
            if norm == "batch":
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.LeakyReLU(0.2, True))
        layers.append(nn.Conv2d(widths[-1], 1, 4, 1, 0, bias=False))
        if sigmoid:
            layers.append(nn.Sigmoid())
        self.main = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.main(image).view(-1)
