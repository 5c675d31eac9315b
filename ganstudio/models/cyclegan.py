"""CycleGAN ResNet generator (Zhu et al. 2017, after Johnson et al. 2016),
state-dict compatible with junyanz/pytorch-CycleGAN-and-pix2pix ``ResnetGenerator``.

One ``model`` Sequential whose indices are fixed by the reference layout
(padding, activations and Tanh occupy slots): 7x7 conv, two stride-2 convs,
`n_blocks` residual blocks at 4*ngf channels, two stride-2 transposed convs,
7x7 conv to `output_nc`, Tanh.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from .junyanz_norms import check_norm, conv_bias, make_norm, restore_tracking, set_reference_test_mode

PADDINGS = ("reflect", "replicate", "zero")


def _pad(padding_type: str) -> tuple[list[nn.Module], int]:
    """The padding layer (if any) before a 3x3 conv, and that conv's own padding."""
    if padding_type == "reflect":
        return [nn.ReflectionPad2d(1)], 0
    if padding_type == "replicate":
        return [nn.ReplicationPad2d(1)], 0
    if padding_type == "zero":
        return [], 1
    raise ValueError(f"padding_type must be one of {PADDINGS}, got {padding_type!r}")


class ResnetBlock(nn.Module):
    """x + [pad, conv3, norm, ReLU, (Dropout), pad, conv3, norm](x); no activation after the sum."""

    def __init__(self, dim: int, *, padding_type: str, norm: str, use_dropout: bool) -> None:
        super().__init__()
        bias = conv_bias(norm)
        layers: list[nn.Module] = []
        pad_layers, pad = _pad(padding_type)
        layers += pad_layers + [nn.Conv2d(dim, dim, 3, padding=pad, bias=bias), make_norm(norm, dim), nn.ReLU(inplace=True)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        pad_layers, pad = _pad(padding_type)
        layers += pad_layers + [nn.Conv2d(dim, dim, 3, padding=pad, bias=bias), make_norm(norm, dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """``resnet_9blocks`` (n_blocks=9, the CycleGAN default at 256px) or ``resnet_6blocks``.

    Input sides must be multiples of 4 (two stride-2 stages).
    """

    def __init__(
        self,
        *,
        input_nc: int = 3,
        output_nc: int = 3,
        ngf: int = 64,
        norm: str = "instance",
        use_dropout: bool = False,
        n_blocks: int = 9,
        padding_type: str = "reflect",
    ) -> None:
        super().__init__()
        check_norm(norm)
        _pad(padding_type)
        if n_blocks < 0:
            raise ValueError(f"n_blocks must be >= 0, got {n_blocks}")
        self.config = dict(
            input_nc=input_nc, output_nc=output_nc, ngf=ngf, norm=norm, use_dropout=use_dropout,
            n_blocks=n_blocks, padding_type=padding_type,
        )
        bias = conv_bias(norm)
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(input_nc, ngf, 7, padding=0, bias=bias),
            make_norm(norm, ngf),
            nn.ReLU(inplace=True),
        ]
        for i in range(2):
            channels = ngf * 2**i
            layers += [
                nn.Conv2d(channels, channels * 2, 3, stride=2, padding=1, bias=bias),
                make_norm(norm, channels * 2),
                nn.ReLU(inplace=True),
            ]
        layers += [ResnetBlock(ngf * 4, padding_type=padding_type, norm=norm, use_dropout=use_dropout) for _ in range(n_blocks)]
        for i in range(2):
            channels = ngf * 2 ** (2 - i)
            layers += [
                nn.ConvTranspose2d(channels, channels // 2, 3, stride=2, padding=1, output_padding=1, bias=bias),
                make_norm(norm, channels // 2),
                nn.ReLU(inplace=True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    size_multiple = 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def train(self, mode: bool = True) -> "ResnetGenerator":
        restore_tracking(self)
        return super().train(mode)

    def set_reference_test_mode(self, enabled: bool = True) -> "ResnetGenerator":
        """Behave like the reference ``test.py`` without ``--eval`` (dropout on, batch statistics)."""
        return set_reference_test_mode(self, enabled)
