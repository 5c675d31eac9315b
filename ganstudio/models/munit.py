"""MUNIT (Huang et al. 2018, "Multimodal Unsupervised Image-to-Image Translation"), state-dict compatible
with NVlabs/MUNIT's ``AdaINGen``.

One ``AdaINGen`` is one domain's auto-encoder: a content encoder (instance-
normalised, downsampling, residual blocks), a style encoder (no norm, global
average pooling to a `style_dim` code), an MLP turning a style code into the
scale and bias of every AdaIN layer, and a decoder (AdaIN residual blocks,
upsampling with LayerNorm blocks, tanh). A checkpoint holds one per domain;
translating A to B decodes A's content with B's decoder and a B style
(`translator`).
"""
from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn as nn

from .munit_blocks import MLP, ContentEncoder, Decoder, StyleEncoder, assign_adain_params, check_common, num_adain_params
from .styled_translation import StyledTranslator

STYLE_DOWNSAMPLE = 4  # the reference's style encoder always has four stride-2 layers
MLP_BLOCKS = 3


class AdaINGen(nn.Module):
    """One domain's MUNIT auto-encoder. Inputs [N, input_dim, H, W] in [-1, 1], H and W multiples of 2**n_downsample."""

    def __init__(self, *, input_dim: int = 3, dim: int = 64, style_dim: int = 8, n_downsample: int = 2, n_res: int = 4,
                 activ: str = "relu", pad_type: str = "reflect", mlp_dim: int = 256) -> None:
        super().__init__()
        check_common(input_dim=input_dim, dim=dim, n_downsample=n_downsample, n_res=n_res, activ=activ, pad_type=pad_type)
        if style_dim < 1 or mlp_dim < 1:
            raise ValueError("style_dim and mlp_dim must be positive")
        self.config = dict(input_dim=input_dim, dim=dim, style_dim=style_dim, n_downsample=n_downsample, n_res=n_res,
                           activ=activ, pad_type=pad_type, mlp_dim=mlp_dim)
        self.style_dim = style_dim
        self.enc_style = StyleEncoder(STYLE_DOWNSAMPLE, input_dim, dim, style_dim, activ=activ, pad_type=pad_type)
        self.enc_content = ContentEncoder(n_downsample, n_res, input_dim, dim, norm="in", activ=activ, pad_type=pad_type)
        self.dec = Decoder(n_downsample, n_res, self.enc_content.output_dim, input_dim, res_norm="adain", activ=activ, pad_type=pad_type)
        self.mlp = MLP(style_dim, num_adain_params(self.dec), mlp_dim, MLP_BLOCKS, activ=activ)

    @property
    def size_multiple(self) -> int:
        return 2 ** self.config["n_downsample"]

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(content [N, C, H/2**n, W/2**n], style [N, style_dim, 1, 1]) as the reference returns them."""
        return self.enc_content(images), self.enc_style(images)

    def decode(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """An image from a content map and style codes ([N, style_dim] or [N, style_dim, 1, 1])."""
        assign_adain_params(self.mlp(style), self.dec)
        return self.dec(content)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Reconstruction: decode(own content, own style)."""
        content, style = self.encode(images)
        return self.decode(content, style)


class MUNITTranslator(StyledTranslator):
    """source's content encoder -> target's decoder with a target-domain style code."""

    def __init__(self, source: AdaINGen, target: AdaINGen) -> None:
        super().__init__()
        self.content_encoder = source.enc_content
        self.style_encoder = target.enc_style
        self.mlp = target.mlp
        self.decoder = target.dec
        self.style_dim = int(target.config["style_dim"])
        self.size_multiple = 2 ** int(source.config["n_downsample"])
        self.config = {"source": dict(source.config), "target": dict(target.config)}

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        content = self.content_encoder(x)
        if style.shape[0] != content.shape[0]:
            style = style.expand(content.shape[0], *style.shape[1:])
        assign_adain_params(self.mlp(style.to(content.dtype)), self.decoder)
        return self.decoder(content)

    @property
    def can_encode_style(self) -> bool:
        return True

    def encode_style(self, x: torch.Tensor) -> torch.Tensor:
        return self.style_encoder(x).flatten(1)


def translator(main: nn.Module, parts: Mapping[str, Any], direction: str) -> nn.Module:
    """One direction of a MUNIT file: main is domain A's AdaINGen, parts["domain_b"] domain B's."""
    other = parts.get("domain_b")
    if other is None:
        raise ValueError("this MUNIT file holds one domain's network only: translating needs both (gen_a and gen_b)")
    other = getattr(other, "module", other)  # a LoadedModel part or a bare network
    if direction == "AtoB":
        return MUNITTranslator(main, other)
    if direction == "BtoA":
        return MUNITTranslator(other, main)
    raise ValueError(f"direction must be 'AtoB' or 'BtoA', not {direction!r}")
