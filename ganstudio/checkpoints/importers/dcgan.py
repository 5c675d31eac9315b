"""Import DCGAN generators: pytorch/examples' ``netG_epoch_N.pth`` and Lornatang's WGAN-GP file.

Both are the state dict of one ``main`` Sequential: a transposed 4x4 convolution from z
(``main.0.weight`` [z_dim, width, 4, 4]), batch norm at ``main.{3i+1}``, further transposed
convolutions at ``main.{3i}`` halving the width, and the output convolution
``main.{3k}.weight`` [ngf, channels, 4, 4] (with ``main.{3k}.bias`` in the WGAN-GP port).
Files of PyTorch before 0.4 lack batch norm's ``num_batches_tracked``, which never changes
an output; it is filled in. pytorch_GAN_zoo's DCGAN (its ``avgG``) names the same layers
``formatLayer`` and ``main.{batchNorm,convTranspose}{i}`` / ``main.outlayer``; they are renamed,
and its output ends in tanh unless the file's config names a loss without it. Discriminator files (``netD``: a plain convolution first, no
batch norm at ``main.1``) and StarGAN's ``main.*`` (7x7 first) are not generators of this kind.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import torch

from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against, wants
from .progan import output_activation

ARCH = "dcgan"


def _looks_like_dcgan(state: State) -> bool:
    first, second = state.get("main.0.weight"), state.get("main.3.weight")
    return (first is not None and first.ndim == 4 and tuple(first.shape[2:]) == (4, 4) and "main.1.running_mean" in state
            and second is not None and second.ndim == 4 and tuple(second.shape[2:]) == (4, 4))


_ZOO_LAYER = re.compile(r"^main\.(batchNorm|convTranspose)(\d+)\.(.+)$")


def from_zoo_names(state: State) -> dict[str, torch.Tensor] | None:
    """pytorch_GAN_zoo DCGAN keys -> pytorch/examples' (formatLayer -> main.0, batchNorm{i} -> main.{3i+1},
    convTranspose{i} -> main.{3i}, outlayer -> main.{3 * (depth + 1)}); None for other files."""
    fmt = state.get("formatLayer.weight")
    if fmt is None or fmt.ndim != 4 or "main.outlayer.weight" not in state or "main.batchNorm0.weight" not in state:
        return None
    renamed: dict[str, torch.Tensor] = {}
    depth = 0
    for key, value in state.items():
        match = _ZOO_LAYER.match(key)
        if key.startswith("formatLayer."):
            renamed["main.0." + key[len("formatLayer."):]] = value
        elif match:
            index = int(match.group(2))
            depth = max(depth, index)
            renamed[f"main.{3 * index + (1 if match.group(1) == 'batchNorm' else 0)}.{match.group(3)}"] = value
        elif not key.startswith("main.outlayer."):
            raise ImportMismatch(f"{key} is not a layer of pytorch_GAN_zoo's DCGAN generator")
    for key, value in state.items():
        if key.startswith("main.outlayer."):
            renamed[f"main.{3 * (depth + 1)}.{key[len('main.outlayer.'):]}"] = value
    return renamed


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    if not wants(hints, ARCH):
        return None
    zoo = from_zoo_names(state)
    if zoo is not None:
        state = zoo
    if not _looks_like_dcgan(state):
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
    if zoo is not None:
        config["output_activation"] = output_activation(hints, default="tanh")
    filled = dict(state)
    for index in range(1, last, 3):
        weight = state.get(f"main.{index}.weight")
        if isinstance(weight, torch.Tensor) and weight.ndim == 1:
            filled.setdefault(f"main.{index}.num_batches_tracked", torch.tensor(0, dtype=torch.long))
    check_against(ARCH, config, filled, "DCGAN generator")
    source = "pytorch_GAN_zoo DCGAN" if zoo is not None else "WGAN-GP (Lornatang)" if config["final_bias"] else "pytorch/examples DCGAN"
    return ImportResult(arch=ARCH, config=config, state=filled, meta={"resolution": resolution, "provenance": {"layout": source}})
