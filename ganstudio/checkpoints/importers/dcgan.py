"""Import DCGAN generators: pytorch/examples' ``netG_epoch_N.pth`` and Lornatang's WGAN-GP file.

Both are the state dict of one ``main`` Sequential: a transposed 4x4 convolution from z
(``main.0.weight`` [z_dim, width, 4, 4]), batch norm at ``main.{3i+1}``, further transposed
convolutions at ``main.{3i}`` halving the width, and the output convolution
``main.{3k}.weight`` [ngf, channels, 4, 4] (with ``main.{3k}.bias`` in the WGAN-GP port).
Files of PyTorch before 0.4 lack batch norm's ``num_batches_tracked``, which never changes
an output; it is filled in. Discriminator files (``netD``: a plain convolution first, no
batch norm at ``main.1``) and StarGAN's ``main.*`` (7x7 first) are not generators of this kind.
"""
from __future__ import annotations

from typing import Any, Mapping

import torch

from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against, wants

ARCH = "dcgan"


def _looks_like_dcgan(state: State) -> bool:
    first, second = state.get("main.0.weight"), state.get("main.3.weight")
    return (first is not None and first.ndim == 4 and tuple(first.shape[2:]) == (4, 4) and "main.1.running_mean" in state
            and second is not None and second.ndim == 4 and tuple(second.shape[2:]) == (4, 4))


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    if not wants(hints, ARCH) or not _looks_like_dcgan(state):
        return None
    convs = 1
    while f"main.{3 * convs}.weight" in state:
        convs += 1
    last = 3 * (convs - 1)
    out = state[f"main.{last}.weight"]
    if out.ndim != 4:
        raise ImportMismatch(f"main.{last}.weight has shape {list(out.shape)}; a DCGAN output layer is [ngf, channels, 4, 4]")
    ups = convs - 1  # transposed convolutions before the output one
    resolution = 4 * 2**ups
    ngf, channels = int(out.shape[0]), int(out.shape[1])
    config = dict(z_dim=int(state["main.0.weight"].shape[0]), ngf=ngf, img_channels=channels, img_resolution=resolution,
                  final_bias=f"main.{last}.bias" in state)
    filled = dict(state)
    for index in range(1, last, 3):
        weight = state.get(f"main.{index}.weight")
        if isinstance(weight, torch.Tensor) and weight.ndim == 1:
            filled.setdefault(f"main.{index}.num_batches_tracked", torch.tensor(0, dtype=torch.long))
    check_against(ARCH, config, filled, "DCGAN generator")
    source = "WGAN-GP (Lornatang)" if config["final_bias"] else "pytorch/examples DCGAN"
    return ImportResult(arch=ARCH, config=config, state=filled, meta={"resolution": resolution, "provenance": {"layout": source}})
