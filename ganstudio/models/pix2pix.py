"""pix2pix U-Net generator (Isola et al. 2017), state-dict compatible with
junyanz/pytorch-CycleGAN-and-pix2pix ``UnetGenerator``.

The U-Net is built from the innermost level outwards; each level is a block
whose ``model`` Sequential holds its down path, the next level, and its up
path, so parameter names nest as ``model.model.1.model.3.model.3...``. Every
level except the outermost concatenates its (leaky-ReLU'd) input with its
output along the channels. The reference applies that leaky ReLU in place, so
the skip branch carries the activated input; we do the same explicitly.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from .junyanz_norms import check_norm, conv_bias, make_norm, restore_tracking, set_reference_test_mode


class UnetLevel(nn.Module):
    """One U-Net level: down conv, the inner levels, up conv, and a skip concat.

    Sequential layouts (indices matter for the state dict):
      outermost: [conv, inner, ReLU, convT(bias), Tanh]
      innermost: [LReLU, conv, ReLU, convT, norm]
      middle:    [LReLU, conv, norm, inner, ReLU, convT, norm, (Dropout)]
    """

    def __init__(
        self,
        outer_nc: int,
        inner_nc: int,
        *,
        input_nc: int | None = None,
        inner: nn.Module | None = None,
        outermost: bool = False,
        norm: str = "batch",
        use_dropout: bool = False,
    ) -> None:
        super().__init__()
        self.outermost = outermost
        bias = conv_bias(norm)
        in_nc = outer_nc if input_nc is None else input_nc
        down = nn.Conv2d(in_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=bias)
        if outermost:
            assert inner is not None
            layers = [
                down,
                inner,
                nn.ReLU(inplace=True),
                nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1),
                nn.Tanh(),
            ]
        elif inner is None:
            layers = [
                nn.LeakyReLU(0.2),
                down,
                nn.ReLU(inplace=True),
                nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1, bias=bias),
                make_norm(norm, outer_nc),
            ]
        else:
            layers = [
                nn.LeakyReLU(0.2),
                down,
                make_norm(norm, inner_nc),
                inner,
                nn.ReLU(inplace=True),
                nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1, bias=bias),
                make_norm(norm, outer_nc),
            ]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        activated = self.model[0](x)
        out = activated
        for layer in list(self.model)[1:]:
            out = layer(out)
        return torch.cat([activated, out], dim=1)


class UnetGenerator(nn.Module):
    """U-Net with `num_downs` halvings: 7 is ``unet_128``, 8 is ``unet_256``.

    Input height and width must be multiples of 2**num_downs. `use_dropout`
    adds Dropout(0.5) to the innermost ngf*8 levels (the official pix2pix
    models were trained with it); it only acts in training or in
    `set_reference_test_mode`.
    """

    def __init__(
        self,
        *,
        input_nc: int = 3,
        output_nc: int = 3,
        num_downs: int = 8,
        ngf: int = 64,
        norm: str = "batch",
        use_dropout: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        if num_downs < 5:
            raise ValueError(f"num_downs must be at least 5, got {num_downs}")
        self.config = dict(
            input_nc=input_nc, output_nc=output_nc, num_downs=num_downs, ngf=ngf, norm=norm, use_dropout=use_dropout
        )
        level = UnetLevel(ngf * 8, ngf * 8, norm=norm)
        for _ in range(num_downs - 5):
            level = UnetLevel(ngf * 8, ngf * 8, inner=level, norm=norm, use_dropout=use_dropout)
        level = UnetLevel(ngf * 4, ngf * 8, inner=level, norm=norm)
        level = UnetLevel(ngf * 2, ngf * 4, inner=level, norm=norm)
        level = UnetLevel(ngf, ngf * 2, inner=level, norm=norm)
        self.model = UnetLevel(output_nc, ngf, input_nc=input_nc, inner=level, outermost=True, norm=norm)

    @property
    def size_multiple(self) -> int:
        """Input sides must be multiples of this."""
        return 2 ** self.config["num_downs"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        multiple = self.size_multiple
        if x.shape[-1] % multiple or x.shape[-2] % multiple:
            raise ValueError(f"UnetGenerator with {self.config['num_downs']} downsamplings needs sides that are multiples of {multiple}, got {tuple(x.shape[-2:])}")
        return self.model(x)

    def train(self, mode: bool = True) -> "UnetGenerator":
        restore_tracking(self)
        return super().train(mode)

    def set_reference_test_mode(self, enabled: bool = True) -> "UnetGenerator":
        """Behave like the reference ``test.py`` without ``--eval`` (dropout on, batch statistics)."""
        return set_reference_test_mode(self, enabled)
