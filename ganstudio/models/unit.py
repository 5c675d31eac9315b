"""UNIT (Liu et al. 2017, "Unsupervised Image-to-Image Translation Networks"), state-dict compatible with
mingyuliutw/UNIT's ``VAEGen``.

One ``VAEGen`` is one domain's VAE: an instance-normalised encoder to a
shared-latent feature map (the mean; the reference's posterior has unit
variance) and a decoder (instance-normalised residual blocks, LayerNorm
upsampling, tanh). A checkpoint holds one per domain; translating A to B
decodes A's latent mean with B's decoder (`translator`), with no sampling.
"""
from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn as nn

from .munit_blocks import ContentEncoder, Decoder, check_common


class VAEGen(nn.Module):
    """One domain's UNIT VAE. Inputs [N, input_dim, H, W] in [-1, 1], H and W multiples of 2**n_downsample."""

    def __init__(self, *, input_dim: int = 3, dim: int = 64, n_downsample: int = 2, n_res: int = 4,
                 activ: str = "relu", pad_type: str = "reflect") -> None:
        super().__init__()
        check_common(input_dim=input_dim, dim=dim, n_downsample=n_downsample, n_res=n_res, activ=activ, pad_type=pad_type)
        self.config = dict(input_dim=input_dim, dim=dim, n_downsample=n_downsample, n_res=n_res, activ=activ, pad_type=pad_type)
        self.enc = ContentEncoder(n_downsample, n_res, input_dim, dim, norm="in", activ=activ, pad_type=pad_type)
        self.dec = Decoder(n_downsample, n_res, self.enc.output_dim, input_dim, res_norm="in", activ=activ, pad_type=pad_type)

    @property
    def size_multiple(self) -> int:
        return 2 ** self.config["n_downsample"]

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """The latent mean (the reference's encode also returns unit noise for sampling; see the trainer)."""
        return self.enc(images)

    def decode(self, hiddens: torch.Tensor) -> torch.Tensor:
        return self.dec(hiddens)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Reconstruction from the mean (the reference's eval-mode forward, without its second output)."""
        return self.dec(self.enc(images))


class UNITTranslator(nn.Module):
    """source's encoder -> target's decoder, on the latent mean."""

    def __init__(self, source: VAEGen, target: VAEGen) -> None:
        super().__init__()
        self.encoder = source.enc
        self.decoder = target.dec
        self.size_multiple = 2 ** int(source.config["n_downsample"])
        self.config = {"source": dict(source.config), "target": dict(target.config)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def translator(main: nn.Module, parts: Mapping[str, Any], direction: str) -> nn.Module:
    """One direction of a UNIT file: main is domain A's VAEGen, parts["domain_b"] domain B's."""
    other = parts.get("domain_b")
    if other is None:
        raise ValueError("this UNIT file holds one domain's network only: translating needs both (gen_a and gen_b)")
    other = getattr(other, "module", other)
    if direction == "AtoB":
        return UNITTranslator(main, other)
    if direction == "BtoA":
        return UNITTranslator(other, main)
    raise ValueError(f"direction must be 'AtoB' or 'BtoA', not {direction!r}")
