"""A stand-in multimodal family for tests of the Convert workspace's style path.

The tiny CycleGAN file (tests/translation_models.py) is made to look like a
family with a translator: `install(monkeypatch)` declares a translator for
`cyclegan_resnet` and gives it the "style_code" and "style_image" capabilities.
The translator wraps each direction's ResNet generator: a style code shifts the
output's colour (a fixed linear map of the code per channel, through tanh, so
codes differ visibly), and encode_style inverts that map from an image's
channel means (least squares), so a reference's colour moves the output's.
"""
from __future__ import annotations

from typing import Mapping

import pytest
import torch
import torch.nn as nn

from ganstudio import families
from ganstudio.engine import translate
from ganstudio.models.styled_translation import StyledTranslator

STYLE_DIM = 8


class ColourStyled(StyledTranslator):
    style_dim = STYLE_DIM
    size_multiple = 4

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator = generator
        self.config = dict(generator.config)
        mix = torch.Generator().manual_seed(7)
        self.register_buffer("mix", torch.randn(STYLE_DIM, 3, generator=mix) / STYLE_DIM**0.5)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        shift = torch.tanh(style.to(self.mix.dtype) @ self.mix)[:, :, None, None].to(x.dtype)
        return (0.5 * self.generator(x) + 0.5 * shift).clamp(-1, 1)

    @property
    def can_encode_style(self) -> bool:
        return True

    def encode_style(self, x: torch.Tensor) -> torch.Tensor:
        means = x.float().mean(dim=(2, 3)).clamp(-0.99, 0.99)
        target = torch.atanh(means)  # [N, 3]
        return target @ torch.linalg.pinv(self.mix.float())  # shift(code) then equals the means


def compose(main: nn.Module, parts: Mapping[str, nn.Module], direction: str) -> nn.Module:
    return ColourStyled(main if direction == "AtoB" else parts["reverse"])


def install(monkeypatch: pytest.MonkeyPatch, encoder: bool = True) -> None:
    """Make cyclegan_resnet files behave as a styled family for the rest of the test (without "style_image" if not `encoder`)."""
    real_translator, real_capabilities = families.translator, families.capabilities

    def translator(arch: str | None) -> str | None:
        return "styled_double:compose" if arch == "cyclegan_resnet" else real_translator(arch)

    def capabilities(arch: str | None, parts=None) -> frozenset[str]:  # type: ignore[no-untyped-def]
        found = real_capabilities(arch, parts)
        added = {"style_code", "style_image"} if encoder else {"style_code"}
        return found | added if arch == "cyclegan_resnet" else found

    real_resolve = translate.resolve_translator
    monkeypatch.setattr(families, "translator", translator)
    monkeypatch.setattr(families, "capabilities", capabilities)
    monkeypatch.setattr(translate, "resolve_translator", lambda target: compose if target == "styled_double:compose" else real_resolve(target))
