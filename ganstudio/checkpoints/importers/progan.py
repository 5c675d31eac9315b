"""Import Progressive GAN generators of facebookresearch/pytorch_GAN_zoo (PGAN).

A checkpoint is ``{config, netG, netD, avgG}``; the containers take the averaged ``avgG``
(what its test script runs) and the restricted loader reads ``config``, a pickled class of
that project, as an inert dict (safe_pickle.PickledConfig) whose ``alpha`` arrives as a hint.
Keys: ``formatLayer.module.weight`` [16 * depth0, z_dim], ``groupScale0.0.module.*`` (3x3 at
4x4), ``scaleLayers.{s}.{0,1}.module.*`` (two 3x3 per further scale) and
``toRGBLayers.{s}.module.*`` (1x1, one per scale). Files written before the equalized layers
wrapped their torch layer lack the ``.module`` step, which is put back. Equalized learning
rate and pixel norm leave no weights; both are on in every published file.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import torch

from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against, wants

ARCH = "progan"
# the layers whose weights sit in `.module` (an equalized layer wraps a torch layer)
_LAYER = re.compile(r"^(formatLayer|groupScale0\.\d+|scaleLayers\.\d+\.\d+|toRGBLayers\.\d+)\.(weight|bias)$")


def with_module_step(state: State) -> dict[str, torch.Tensor]:
    """`formatLayer.weight` -> `formatLayer.module.weight` (older files); keys already with it unchanged."""
    out = {}
    for key, value in state.items():
        match = _LAYER.match(key)
        out[f"{match.group(1)}.module.{match.group(2)}" if match else key] = value
    return out


def output_activation(hints: Mapping[str, Any], default: str) -> str:
    """pytorch_GAN_zoo's generators end in tanh when trained with its MSE or DCGAN loss (the file's config says which;
    without it, the default of that model: WGAN-GP for PGAN, DCGAN for its DCGAN)."""
    loss = hints.get("loss_criterion")
    return default if loss is None else ("tanh" if loss in ("MSE", "DCGAN") else "none")


def _scales(state: State, prefix: str) -> int:
    count = 0
    while f"{prefix}.{count}.module.weight" in state:
        count += 1
    return count


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    if not wants(hints, ARCH):
        return None
    if not any(k in state for k in ("formatLayer.module.weight", "formatLayer.weight")) or not any(
            k.startswith("toRGBLayers.") for k in state):
        return None
    state = with_module_step(state)
    fmt = state.get("formatLayer.module.weight")
    first = state.get("groupScale0.0.module.weight")
    if fmt is None or fmt.ndim != 2 or fmt.shape[0] % 16:
        raise ImportMismatch(f"formatLayer.module.weight has shape {list(fmt.shape) if fmt is not None else None}; "
                             "a PGAN format layer is [16 * depth0, z_dim]")
    if first is None or first.ndim != 4:
        raise ImportMismatch("groupScale0.0.module.weight is missing or not a convolution: not a PGAN generator")
    to_rgb = _scales(state, "toRGBLayers")
    if to_rgb < 1:
        raise ImportMismatch("toRGBLayers.0.module.weight is missing: not a PGAN generator")
    depths = [int(fmt.shape[0]) // 16]
    for scale in range(to_rgb - 1):
        key = f"scaleLayers.{scale}.0.module.weight"
        weight = state.get(key)
        if weight is None or weight.ndim != 4:
            raise ImportMismatch(f"{key} is missing or not a convolution: the file has {to_rgb} toRGB layers")
        depths.append(int(weight.shape[0]))
    channels = int(state["toRGBLayers.0.module.weight"].shape[0])
    config = dict(z_dim=int(fmt.shape[1]), depth_scale0=depths[0], depth_other_scales=depths[1:], img_channels=channels,
                  equalized=True, normalization=True, alpha=float(hints.get("alpha") or 0.0),
                  output_activation=output_activation(hints, default="none"))
    check_against(ARCH, config, state, "PGAN generator")
    resolution = 4 * 2 ** (len(depths) - 1)
    return ImportResult(arch=ARCH, config=config, state=dict(state),
                        meta={"resolution": resolution, "provenance": {"layout": "pytorch_GAN_zoo PGAN"}})
